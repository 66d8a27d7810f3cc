//! What the API answers, as far as rollout uses it. Chats and members parse into the same
//! [`crate::platform::Chat`] / [`crate::platform::Member`] the snapshot reader uses.

use crate::platform::Member;
use serde::{Deserialize, Serialize};

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotInfo {
    pub user_id: i64,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub username: Option<String>,
}

/// `GET /chats/{chatId}/members/me`: the bot in that chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub user_id: i64,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_owner: bool,
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
}

/// One page of `GET /chats/{chatId}/members`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembersPage {
    pub members: Vec<Member>,
    #[serde(default)]
    pub marker: Option<i64>,
}

/// One update of `GET /updates` (the kinds `platform discover` asks for).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Update {
    pub update_type: String,
    #[serde(default)]
    pub timestamp: i64,
    #[serde(default)]
    pub chat_id: Option<i64>,
    #[serde(default)]
    pub title: Option<String>,
}

/// `GET /updates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateList {
    pub updates: Vec<Update>,
    #[serde(default)]
    pub marker: Option<i64>,
}

/// The permissions later work needs from the bot in every managed chat, with what each
/// is for (Russian, for `platform check`).
pub const NEEDED_PERMISSIONS: [(&str, &str); 4] = [
    ("read_all_messages", "читать список участников"),
    ("add_remove_members", "удалять участников"),
    ("add_admins", "назначать кураторов администраторами"),
    ("change_chat_info", "переименовывать чат"),
];

/// A message as `GET /messages` and `POST /messages` return it, as far as `notify` reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    #[serde(default)]
    pub sender: Option<Sender>,
    #[serde(default)]
    pub timestamp: i64,
    #[serde(default)]
    pub body: Option<MessageBody>,
}

impl Message {
    /// The message's id (`body.mid`), when it has a body.
    pub fn mid(&self) -> Option<&str> {
        self.body.as_ref().map(|b| b.mid.as_str())
    }

    pub fn text(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.text.as_deref())
    }

    pub fn sender_id(&self) -> Option<i64> {
        self.sender.as_ref().map(|s| s.user_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sender {
    pub user_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageBody {
    #[serde(default)]
    pub mid: String,
    #[serde(default)]
    pub text: Option<String>,
}

/// `POST /messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMessageResult {
    pub message: Message,
}

/// `GET /messages?chat_id=…`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageList {
    pub messages: Vec<Message>,
}

/// The schema's `SimpleQueryResult` (`success: false` is turned into an error before this).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleQueryResult {
    pub success: bool,
    #[serde(default)]
    pub message: Option<String>,
}

/// The most characters of a message's text the schema allows (`NewMessageBody.text`).
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The most admins a chat may have (`ChatAdmin.user_id`: «Максимум — 50 администраторов в чате»).
pub const MAX_ADMINS: usize = 50;
