//! `rollout platform check|pull|discover`: the live platform through the MAX Bot API.
//! (Written in issue 12 by the pull helper.)

use super::{Global, Workspace};
use clap::Subcommand;
use rollout::error::{Done, Result};

#[derive(Debug, Subcommand)]
pub enum PlatformCmd {
    /// Проверить токен бота и его права в каждом чате из [[chats.map]].
    Check,
    /// Снять снимок: все чаты из [[chats.map]] и их участники.
    Pull,
    /// Найти чаты, в которые бота добавляют, пока команда ждёт (для настройки).
    Discover {
        /// Сколько секунд ждать.
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
}

pub fn run(g: &Global, cmd: PlatformCmd) -> Result<Done> {
    let _ = (g, cmd);
    unimplemented!("issue 12: the pull helper writes this")
}

/// Pull now (for `run` when the last complete pull is older than `[platform]
/// max_age_minutes`): prints its progress and summary like `platform pull`; Ok when the
/// pull completed and is current.
#[allow(dead_code)] // `run` calls it once wired
pub fn pull_now(ws: &Workspace, quiet: bool) -> Result<()> {
    let _ = (ws, quiet);
    unimplemented!("issue 12: the pull helper writes this")
}
