//! rollout: move a whole educational organisation onto the Sferum / MAX platform and keep
//! it in sync. The library does the work; `main.rs` is a thin clap shell.
//!
//! Stages: `ingest` (files → raw records) → `roster` (merged, validated people and
//! groups) → problems; `output` writes what people and machines read.

pub mod apply;
pub mod changes;
pub mod clock;
pub mod config;
pub mod console;
pub mod error;
pub mod fields;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod history;
pub mod human;
pub mod ingest;
pub mod init;
pub mod letters;
pub mod links;
pub mod matching;
pub mod normalize;
pub mod notify;
pub mod output;
pub mod plans;
pub mod platform;
pub mod problem;
pub mod profile;
pub mod region;
pub mod report;
pub mod rollover;
pub mod roster;
pub mod runlog;
pub mod serde_ru;
pub mod state;
pub mod summary;
pub mod templates;
