//! What is on the platform: chats, their members, their invite links. Two offline
//! sources implement `Platform`: a snapshot folder in the shape the MAX Bot API returns,
//! and a member export spreadsheet. The live platform (`[platform] source = "api"`) is
//! read through the latest complete pull (`rollout platform pull`, [`store`]), a
//! snapshot folder too.

pub mod act;
pub mod export;
pub mod max;
pub mod place;
pub mod pull;
pub mod snapshot;
pub mod store;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A chat as `GET /chats/{chatId}` returns it (fields we use; the rest is ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    pub chat_id: i64,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub participants_count: Option<i64>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub owner_id: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
}

/// A chat member as `GET /chats/{chatId}/members` returns it; `phone`/`email` only come
/// from member exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: i64,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
    #[serde(default)]
    pub is_owner: bool,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub join_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The API's deprecated single name field, used when first/last are empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Member {
    /// The name as people typed it.
    pub fn display_name(&self) -> String {
        use crate::normalize::strip_invisible;
        let last = strip_invisible(self.last_name.as_deref().unwrap_or(""));
        let first = strip_invisible(&self.first_name);
        let (last, first) = (last.trim(), first.trim());
        if first.is_empty() && last.is_empty() {
            return strip_invisible(self.name.as_deref().unwrap_or_default()).trim().to_string();
        }
        if last.is_empty() {
            first.to_string()
        } else {
            format!("{first} {last}")
        }
    }
}

#[derive(Debug, Clone)]
pub struct ChatState {
    pub chat: Chat,
    pub members: Vec<Member>,
    /// False when the source had the chat but not its member list: nothing is concluded
    /// about who is or is not in it.
    pub members_known: bool,
}

/// The platform as one source saw it.
#[derive(Debug, Clone, Default)]
pub struct PlatformState {
    pub chats: Vec<ChatState>,
    /// What was wrong but did not stop the read (a chat's member list unreadable, a chat
    /// listed twice); the commands print them.
    pub warnings: Vec<PlatformWarning>,
}

impl PlatformState {
    /// What the change set's hash covers of the platform: a canonical projection, not the
    /// bytes read — per chat its id, title and link; its members sorted by user id with
    /// what the diff reads of them (names, admin, owner, bot, and a member export's phone
    /// and e-mail), never times or counts; a chat whose members are unknown is marked so.
    /// Two pulls of an unchanged platform, or a pull and the same snapshot written with
    /// other formatting or extra fields, give the same bytes.
    pub fn canonical(&self) -> Vec<u8> {
        let mut chats: Vec<&ChatState> = self.chats.iter().collect();
        chats.sort_by_key(|c| c.chat.chat_id);
        let projected: Vec<serde_json::Value> = chats
            .into_iter()
            .map(|c| {
                let mut members: Vec<&Member> = c.members.iter().collect();
                members.sort_by(|a, b| (a.user_id, &a.first_name, &a.last_name).cmp(&(b.user_id, &b.first_name, &b.last_name)));
                let members: Vec<serde_json::Value> = members
                    .into_iter()
                    .map(|m| {
                        let no_name = m.first_name.trim().is_empty() && m.last_name.as_deref().unwrap_or("").trim().is_empty();
                        serde_json::json!({
                            "user_id": m.user_id,
                            "first_name": m.first_name,
                            "last_name": m.last_name,
                            // The deprecated single name counts only where it is the name shown.
                            "name": if no_name { m.name.clone() } else { None },
                            "is_admin": m.is_admin,
                            "is_owner": m.is_owner,
                            "is_bot": m.is_bot,
                            "phone": m.phone,
                            "email": m.email,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "chat_id": c.chat.chat_id,
                    "title": c.chat.title,
                    "link": c.chat.link,
                    "members_known": c.members_known,
                    "members": if c.members_known { serde_json::Value::Array(members) } else { serde_json::Value::Null },
                })
            })
            .collect();
        serde_json::to_vec(&projected).unwrap_or_default()
    }
}

/// Something wrong in the platform data that leaves the rest usable.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PlatformWarning {
    /// A member file that cannot be read: the chat's members are unknown, as if missing.
    CorruptMembers { path: PathBuf, chat_id: i64, message: String },
    /// The same chat twice in the chat list: read once.
    DuplicateChat { path: PathBuf, chat_id: i64 },
}

impl PlatformWarning {
    /// The Russian line for people, with paths shown relative to `root` where they are in it.
    pub fn describe(&self, root: &std::path::Path) -> String {
        let shown = |p: &std::path::Path| {
            let rel = p.strip_prefix(root).unwrap_or(p);
            rel.display().to_string()
        };
        match self {
            PlatformWarning::CorruptMembers { path, chat_id, message } => format!(
                "{}: файл участников повреждён — участники чата {chat_id} считаются неизвестными, по этому чату ничего не рассчитано; сохраните снимок заново ({message})",
                shown(path)
            ),
            PlatformWarning::DuplicateChat { path, chat_id } => {
                format!("{}: чат {chat_id} записан дважды — прочитан один раз", shown(path))
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    #[error("не удалось прочитать {path}: {}", crate::files::IoRu(.source))]
    Io { path: PathBuf, source: std::io::Error },
    /// `message` says where and why (`serde_ru::json_error`).
    #[error("{path}, {message} — снимок платформы должен быть в том виде, в каком его отдаёт MAX Bot API")]
    Shape { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Export { path: PathBuf, message: String },
    /// `[platform] source = "api"` and no pull has completed yet.
    #[error("снимков платформы ещё нет: выполните rollout platform pull (или rollout run — он снимет снимок сам)")]
    NoPull,
}

/// A source of platform state.
pub trait Platform {
    /// What it is, for messages («снимок platform/»).
    fn describe(&self) -> String;
    fn load(&self) -> Result<PlatformState, PlatformError>;
}

/// Where the platform is read from: `--platform PATH` (a folder is a snapshot, a file an
/// export), else `[platform]` of rollout.toml — with `source = "api"`, the latest complete
/// pull of `.rollout/snapshots`.
pub enum PlatformSource {
    Snapshot(snapshot::SnapshotFolder),
    Export(export::MemberExport),
    /// The pulls of the live platform: read is the latest complete one.
    Pulled(store::Store),
}

impl PlatformSource {
    pub fn describe(&self) -> String {
        match self {
            PlatformSource::Snapshot(s) => s.describe(),
            PlatformSource::Export(e) => e.describe(),
            PlatformSource::Pulled(_) => "последний снимок MAX Bot API".into(),
        }
    }

    pub fn load(&self) -> Result<PlatformState, PlatformError> {
        match self {
            PlatformSource::Snapshot(s) => s.load(),
            PlatformSource::Export(e) => e.load(),
            PlatformSource::Pulled(store) => match store.current() {
                Ok(Some(current)) => snapshot::SnapshotFolder { dir: current.dir }.load(),
                Ok(None) => Err(PlatformError::NoPull),
                Err(source) => Err(PlatformError::Io {
                    path: store.dir.clone(),
                    source,
                }),
            },
        }
    }
}

/// The MAX client's settings from `[platform]` (timeouts and attempts stay the client's).
pub fn client_settings(cfg: &crate::config::PlatformConfig) -> max::Settings {
    max::Settings {
        base_url: cfg.base_url().trim_end_matches('/').to_string(),
        rate: cfg.rate,
        concurrency: cfg.concurrency,
        ..Default::default()
    }
}

/// The platform source a command reads (a member export is read with `reader`); None when
/// nothing is configured.
pub fn source(cfg: &crate::config::Config, over: Option<&std::path::Path>, reader: &crate::ingest::Reader) -> Option<PlatformSource> {
    use crate::config::PlatformKind;
    let of_path = |p: PathBuf| {
        if p.is_dir() {
            PlatformSource::Snapshot(snapshot::SnapshotFolder { dir: p })
        } else {
            PlatformSource::Export(export::MemberExport {
                path: p,
                reader: reader.clone(),
            })
        }
    };
    if let Some(p) = over {
        return Some(of_path(p.to_path_buf()));
    }
    let p = &cfg.platform;
    match p.source? {
        PlatformKind::Api => Some(PlatformSource::Pulled(store::Store::of_workspace(&cfg.root))),
        PlatformKind::Snapshot => p
            .snapshot
            .as_ref()
            .map(|s| PlatformSource::Snapshot(snapshot::SnapshotFolder { dir: cfg.root.join(s) })),
        PlatformKind::Export => p.export.as_ref().map(|e| {
            PlatformSource::Export(export::MemberExport {
                path: cfg.root.join(e),
                reader: reader.clone(),
            })
        }),
    }
}
