//! The bot's token: from `ROLLOUT_MAX_TOKEN` (it wins) or `[platform] token_file` (must be
//! owner-only). It is never accepted on the command line, never printed or logged, never
//! written to a file we make, and its `Debug` says nothing.

use std::fmt;

pub const ENV: &str = "ROLLOUT_MAX_TOKEN";

#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<скрыт>)")
    }
}

impl Token {
    /// The value for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The token, or None when neither the environment nor a token file gives one.
/// A token file that others can read, or an empty one, is refused with a Russian message.
pub fn load(cfg: &crate::config::Config) -> anyhow::Result<Option<Token>> {
    let _ = cfg;
    unimplemented!("issue 12: the client helper writes this")
}
