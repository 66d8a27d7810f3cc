//! `rollout notify rules|plan [--yes]`: messages from the bot into the organisation's chats.

use super::Global;
use clap::Subcommand;
use rollout::error::{Done, Error, Result};

#[derive(Debug, Subcommand)]
pub enum NotifyCmd {
    /// Опубликовать правила чата в каждом чате группы, где бот их ещё не публиковал.
    Rules {
        /// Отправить; без этого флага — только показать, что будет отправлено.
        #[arg(long)]
        yes: bool,
    },
    /// Опубликовать в чате сотрудников каждого филиала просроченные и ближайшие этапы плана и сколько ещё не вступили.
    Plan {
        /// Отправить; без этого флага — только показать, что будет отправлено.
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(_g: &Global, _cmd: NotifyCmd) -> Result<Done> {
    Err(Error::msg("rollout notify ещё не готова"))
}
