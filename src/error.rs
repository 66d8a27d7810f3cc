//! What a command can fail with, by what the user must do about it. The binary maps each
//! kind to one exit code in one place (DESIGN "Conventions"): usage and configuration 2,
//! an output that cannot be written 2, a source, the platform or the state store that
//! cannot be read 3, the network 4.

use std::fmt;

/// Why a command stopped. The cause chain is kept whole: the binary prints every link.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command line, `rollout.toml` or a request the data does not allow
    /// (an unknown person, a stale change set): the user fixes what they asked.
    #[error(transparent)]
    Usage(anyhow::Error),
    /// An output file or folder that cannot be written (`--out`, its rights, the disk).
    #[error(transparent)]
    Output(anyhow::Error),
    /// A source, the platform or the state store could not be read at all.
    #[error(transparent)]
    Unreadable(anyhow::Error),
    /// The network or the platform's API failed after retries.
    #[error(transparent)]
    Network(anyhow::Error),
}

impl Error {
    pub fn usage(e: impl Into<anyhow::Error>) -> Error {
        Error::Usage(e.into())
    }
    pub fn output(e: impl Into<anyhow::Error>) -> Error {
        Error::Output(e.into())
    }
    pub fn unreadable(e: impl Into<anyhow::Error>) -> Error {
        Error::Unreadable(e.into())
    }
    /// A usage error from a message.
    pub fn msg(text: impl fmt::Display) -> Error {
        Error::Usage(anyhow::anyhow!("{text}"))
    }
    /// The cause chain, outermost first.
    pub fn chain(&self) -> anyhow::Chain<'_> {
        match self {
            Error::Usage(e) | Error::Output(e) | Error::Unreadable(e) | Error::Network(e) => e.chain(),
        }
    }
}

/// A link of a cause chain as a Russian user reads it: an OS error or an SQLite error in
/// Russian ([`crate::files::io_ru`], [`crate::state::sql_ru`]), any other as it displays.
/// An error chain as people read it: the message, then each cause not already said by the
/// lines before it (an error that quotes its cause is not repeated), in Russian.
/// An error's cause chain on one line in Russian, for a warning («…: причина»).
pub fn one_line_ru(e: &anyhow::Error) -> String {
    lines_ru(e.chain()).join(": ")
}

pub fn lines_ru(chain: anyhow::Chain<'_>) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for cause in chain.map(cause_ru) {
        if !lines.iter().any(|l| l.contains(&cause)) {
            lines.push(cause);
        }
    }
    lines
}

pub fn cause_ru(e: &(dyn std::error::Error + 'static)) -> String {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        crate::files::io_ru(io)
    } else if let Some(sql) = e.downcast_ref::<rusqlite::Error>() {
        crate::state::sql_ru(sql)
    } else {
        e.to_string()
    }
}

impl From<crate::state::StateError> for Error {
    fn from(e: crate::state::StateError) -> Error {
        match e {
            // The user restores the secret from a backup, or waits for the other command:
            // nothing was read wrong.
            crate::state::StateError::SaltLost { .. } | crate::state::StateError::Busy { .. } => Error::Usage(e.into()),
            e => Error::Unreadable(e.into()),
        }
    }
}

impl From<crate::config::ConfigError> for Error {
    fn from(e: crate::config::ConfigError) -> Error {
        Error::Usage(e.into())
    }
}

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Done {
    /// Done and clean.
    Clean,
    /// Done; problems were reported (data warnings or errors, a held change set, overdue
    /// milestones).
    Problems,
    /// Done with what could be read; some source could not be read at all.
    Unreadable,
}

impl Done {
    pub fn problems_if(cond: bool) -> Done {
        if cond { Done::Problems } else { Done::Clean }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
