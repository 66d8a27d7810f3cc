//! The calls that change the platform (`rollout apply`, `rollout notify`), behind [`Act`]
//! so the journaled loops are tested against fakes; [`super::max::Client`] is the real one.
//! Every write is preceded by a read of what it changes, so a write that may or may not
//! have happened ([`super::max::ApiError::Uncertain`]) is settled by reading, not repeated.

use super::Member;
use super::max::types::{BotInfo, Message};
use super::max::{ApiError, Client, Stats};
use std::future::Future;

pub trait Act: Send + Sync + 'static {
    fn me(&self) -> impl Future<Output = Result<BotInfo, ApiError>> + Send;
    /// The member as the chat has them now; None when not in it.
    fn member(&self, chat_id: i64, user_id: i64) -> impl Future<Output = Result<Option<Member>, ApiError>> + Send;
    fn remove_member(&self, chat_id: i64, user_id: i64) -> impl Future<Output = Result<(), ApiError>> + Send;
    fn make_admin(
        &self,
        chat_id: i64,
        user_id: i64,
        permissions: &[String],
        alias: &str,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    fn send_message(&self, chat_id: i64, text: &str) -> impl Future<Output = Result<Message, ApiError>> + Send;
    /// The chat's title now (`GET /chats/{chatId}`); None when it has none.
    fn chat_title(&self, chat_id: i64) -> impl Future<Output = Result<Option<String>, ApiError>> + Send;
    /// `PATCH /chats/{chatId}`: the new title, members not notified.
    fn rename_chat(&self, chat_id: i64, title: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// The chat's latest `count` (1..=100) messages, newest first.
    fn messages(&self, chat_id: i64, count: u32) -> impl Future<Output = Result<Vec<Message>, ApiError>> + Send;
    fn stats(&self) -> Stats;
}

impl Act for Client {
    fn me(&self) -> impl Future<Output = Result<BotInfo, ApiError>> + Send {
        Client::me(self)
    }
    fn member(&self, chat_id: i64, user_id: i64) -> impl Future<Output = Result<Option<Member>, ApiError>> + Send {
        Client::member(self, chat_id, user_id)
    }
    fn remove_member(&self, chat_id: i64, user_id: i64) -> impl Future<Output = Result<(), ApiError>> + Send {
        Client::remove_member(self, chat_id, user_id)
    }
    fn make_admin(
        &self,
        chat_id: i64,
        user_id: i64,
        permissions: &[String],
        alias: &str,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        Client::make_admin(self, chat_id, user_id, permissions, alias)
    }
    fn send_message(&self, chat_id: i64, text: &str) -> impl Future<Output = Result<Message, ApiError>> + Send {
        Client::send_message(self, chat_id, text)
    }
    fn messages(&self, chat_id: i64, count: u32) -> impl Future<Output = Result<Vec<Message>, ApiError>> + Send {
        Client::messages(self, chat_id, count)
    }
    async fn chat_title(&self, chat_id: i64) -> Result<Option<String>, ApiError> {
        Ok(Client::chat(self, chat_id).await?.title)
    }
    async fn rename_chat(&self, chat_id: i64, title: &str) -> Result<(), ApiError> {
        Client::rename_chat(self, chat_id, title).await.map(|_| ())
    }
    fn stats(&self) -> Stats {
        Client::stats(self)
    }
}
