//! The MAX Bot API (`vendor/max-bot-api/openapi-2026-07-01.yaml`): the client rollout reads
//! the platform with, the token it authorises with, and the rate rule it shares with the
//! test server (`rollout-testserver`).

pub mod client;
pub mod error;
pub mod rate;
pub mod token;
pub mod types;

pub use client::{Client, Settings, Stats};
pub use error::ApiError;
pub use token::Token;
