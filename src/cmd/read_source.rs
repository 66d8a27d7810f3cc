//! `rollout __read-source`: the isolated reader's child side (internal). It reads the
//! files the parent asks for on stdin, one after another (see `ingest::isolate`).

use rollout::error::Done;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_: Args) -> Done {
    // The child says 0 (stdin ended) or 3 (a reply could not be written).
    if rollout::ingest::isolate::child_main() == 0 {
        Done::Clean
    } else {
        Done::Unreadable
    }
}
