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
