//! What is on the platform: chats, their members, their invite links. Two offline
//! sources implement `Platform`: a snapshot folder in the shape the MAX Bot API returns,
//! and a member export spreadsheet. (The live MAX adapter is a later stage.)

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
    /// Every input file's bytes in a stable order, for the change set's hash.
    pub fingerprint: Vec<(String, Vec<u8>)>,
    /// What was wrong but did not stop the read (a chat's member list unreadable, a chat
    /// listed twice); the commands print them.
    pub warnings: Vec<PlatformWarning>,
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
}

/// A source of platform state.
pub trait Platform {
    /// What it is, for messages («снимок platform/»).
    fn describe(&self) -> String;
    fn load(&self) -> Result<PlatformState, PlatformError>;
}

/// Where the platform is read from: `--platform PATH` (a folder is a snapshot, a file an
/// export), else `[platform] snapshot` or `export` of rollout.toml. The live API joins here.
pub enum PlatformSource {
    Snapshot(snapshot::SnapshotFolder),
    Export(export::MemberExport),
}

impl PlatformSource {
    pub fn describe(&self) -> String {
        match self {
            PlatformSource::Snapshot(s) => s.describe(),
            PlatformSource::Export(e) => e.describe(),
        }
    }

    pub fn load(&self) -> Result<PlatformState, PlatformError> {
        match self {
            PlatformSource::Snapshot(s) => s.load(),
            PlatformSource::Export(e) => e.load(),
        }
    }
}

/// The platform source a command reads (a member export is read with `reader`); None when
/// nothing is configured.
pub fn source(cfg: &crate::config::Config, over: Option<&std::path::Path>, reader: &crate::ingest::Reader) -> Option<PlatformSource> {
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
    if let Some(s) = &cfg.platform.snapshot {
        return Some(PlatformSource::Snapshot(snapshot::SnapshotFolder { dir: cfg.root.join(s) }));
    }
    cfg.platform.export.as_ref().map(|e| {
        PlatformSource::Export(export::MemberExport {
            path: cfg.root.join(e),
            reader: reader.clone(),
        })
    })
}
