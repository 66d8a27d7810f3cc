//! A snapshot folder: `chats.json` = `{"chats": [Chat, …]}` and
//! `members/<chat_id>.json` = `{"members": [ChatMember, …], "marker": null}` — exactly what
//! the Bot API returns, so the live adapter can save it and this can read it.

use super::{Chat, ChatState, Member, Platform, PlatformError, PlatformState, PlatformWarning};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub struct SnapshotFolder {
    pub dir: PathBuf,
}

#[derive(Deserialize)]
struct ChatList {
    chats: Vec<Chat>,
}

#[derive(Deserialize)]
struct MemberList {
    members: Vec<Member>,
    #[serde(default)]
    marker: Option<serde_json::Value>,
}

fn read(path: &Path) -> Result<Vec<u8>, PlatformError> {
    std::fs::read(path).map_err(|source| PlatformError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl Platform for SnapshotFolder {
    fn describe(&self) -> String {
        format!("снимок {}", self.dir.display())
    }

    fn load(&self) -> Result<PlatformState, PlatformError> {
        let chats_path = self.dir.join("chats.json");
        let bytes = read(&chats_path)?;
        let list: ChatList = serde_json::from_slice(&bytes).map_err(|e| PlatformError::Shape {
            path: chats_path.clone(),
            message: crate::serde_ru::json_error(&e),
        })?;
        let mut state = PlatformState::default();
        let mut seen = std::collections::HashSet::new();
        for chat in list.chats {
            if !seen.insert(chat.chat_id) {
                state.warnings.push(PlatformWarning::DuplicateChat {
                    path: chats_path.clone(),
                    chat_id: chat.chat_id,
                });
                continue;
            }
            let path = self.dir.join("members").join(format!("{}.json", chat.chat_id));
            let mut members_known = path.is_file();
            let members = if members_known {
                let bytes = read(&path)?;
                let ml: MemberList = match serde_json::from_slice(&bytes) {
                    Ok(ml) => ml,
                    // A corrupt member file is a missing one: the chat is unknown, the
                    // others go on.
                    Err(e) => {
                        state.warnings.push(PlatformWarning::CorruptMembers {
                            path: path.clone(),
                            chat_id: chat.chat_id,
                            message: crate::serde_ru::json_error(&e),
                        });
                        members_known = false;
                        state.chats.push(ChatState {
                            chat,
                            members: Vec::new(),
                            members_known,
                        });
                        continue;
                    }
                };
                // A list with a marker has more pages that were not saved: treat the chat's
                // members as unknown rather than conclude anything from a part of them.
                if ml.marker.as_ref().is_some_and(|m| !m.is_null()) {
                    state.chats.push(ChatState {
                        chat,
                        members: Vec::new(),
                        members_known: false,
                    });
                    continue;
                }
                ml.members
            } else {
                Vec::new()
            };
            state.chats.push(ChatState {
                chat,
                members,
                members_known,
            });
        }
        Ok(state)
    }
}
