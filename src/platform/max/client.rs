//! The MAX Bot API client: one rate rule ([`super::rate::Pacer`]), at most `concurrency`
//! requests in flight, retries with exponential backoff and jitter on 429, 5xx, timeouts and
//! dropped connections (honouring `Retry-After`), a per-request timeout, typed errors.

use super::types::{BotInfo, MembersPage, Membership, UpdateList};
use super::{ApiError, Token};
use crate::platform::{Chat, Member};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://platform-api2.max.ru` unless configured; plain `http://` only on loopback.
    pub base_url: String,
    /// Requests started per second.
    pub rate: f64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Per request.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: "https://platform-api2.max.ru".into(),
            rate: 25.0,
            concurrency: 8,
            timeout: Duration::from_secs(30),
            attempts: 6,
        }
    }
}

/// What the client did, for the summary and the benchmark.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    pub requests: u64,
    pub retries: u64,
    pub throttled: u64,
}

pub struct Client {
    _settings: Settings,
    _token: Token,
}

impl Client {
    /// Refuses a base URL that is not https (plain http only for loopback addresses).
    pub fn new(settings: Settings, token: Token) -> Result<Client, ApiError> {
        let _ = (settings, token);
        unimplemented!("issue 12: the client helper writes this")
    }

    /// `GET /me`.
    pub async fn me(&self) -> Result<BotInfo, ApiError> {
        unimplemented!()
    }

    /// `GET /chats/{chatId}`.
    pub async fn chat(&self, chat_id: i64) -> Result<Chat, ApiError> {
        let _ = chat_id;
        unimplemented!()
    }

    /// `GET /chats/{chatId}/members/me`.
    pub async fn membership(&self, chat_id: i64) -> Result<Membership, ApiError> {
        let _ = chat_id;
        unimplemented!()
    }

    /// `GET /chats/{chatId}/members?count=100[&marker=…]`.
    pub async fn members_page(&self, chat_id: i64, marker: Option<i64>) -> Result<MembersPage, ApiError> {
        let _ = (chat_id, marker);
        unimplemented!()
    }

    /// Every member of a chat, following `marker`.
    pub async fn members(&self, chat_id: i64) -> Result<Vec<Member>, ApiError> {
        let _ = chat_id;
        unimplemented!()
    }

    /// `GET /updates?types=…&timeout=…[&marker=…]` (long polling; `timeout` in seconds).
    pub async fn updates(&self, marker: Option<i64>, timeout: u32, types: &[&str]) -> Result<UpdateList, ApiError> {
        let _ = (marker, timeout, types);
        unimplemented!()
    }

    pub fn stats(&self) -> Stats {
        Stats::default()
    }
}
