//! `rollout apply [--yes]`: carry out a change set `diff` showed, on the live platform.

use super::Global;
use rollout::error::{Done, Error, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Выполнить; без этого флага — только показать, что будет сделано.
    #[arg(long)]
    pub yes: bool,
}

pub fn run(_g: &Global, _a: Args) -> Result<Done> {
    Err(Error::msg("rollout apply ещё не готова"))
}
