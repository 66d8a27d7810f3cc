//! `rollout __read-source`: the isolated reader's child side (internal).

use rollout::error::Done;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    path: PathBuf,
    #[arg(long)]
    encoding: Option<String>,
    #[arg(long)]
    delimiter: Option<String>,
}

pub fn run(a: Args) -> Done {
    let opts = rollout::ingest::read::ReadOptions {
        encoding: a.encoding,
        delimiter: a.delimiter,
    };
    // The child says 0 (read) or 3 (could not be read); the parent reads its JSON.
    if rollout::ingest::isolate::child_main(&a.path, &opts) == 0 {
        Done::Clean
    } else {
        Done::Unreadable
    }
}
