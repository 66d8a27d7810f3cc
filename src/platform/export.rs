//! A member export spreadsheet or CSV: one row per (chat, member) with an id, the name
//! (ФИО, or Имя + Фамилия), the chat (title, and its id when the export has one), a role,
//! and where available a phone or e-mail. Read like every table (isolated, under the
//! budget) and header-detected with the roster vocabulary (`header::ROSTER`).

use super::{Chat, ChatState, Member, Platform, PlatformError, PlatformState};
use crate::ingest::header::{Field, find_header};
use crate::ingest::{Formats, Reader};
use crate::normalize::{clean_spaces, email, phones, text_key};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub struct MemberExport {
    pub path: PathBuf,
    pub reader: Reader,
}

/// «лист «Участники»: » — nothing for a CSV file, which has no sheets.
fn in_sheet(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!("лист «{name}»: ")
    }
}

/// A stable id for a chat known only by its title.
fn chat_id_for(title: &str) -> i64 {
    let h = Sha256::digest(text_key(title).as_bytes());
    -(i64::from_be_bytes([0, h[0], h[1], h[2], h[3], h[4], h[5], h[6]]))
}

impl Platform for MemberExport {
    fn describe(&self) -> String {
        format!("выгрузка участников {}", self.path.display())
    }

    fn load(&self) -> Result<PlatformState, PlatformError> {
        let err = |message: String| PlatformError::Export {
            path: self.path.clone(),
            message,
        };
        // Opened first so a missing or unreadable file is an I/O error, not the reader's.
        std::fs::File::open(&self.path).map_err(|source| PlatformError::Io {
            path: self.path.clone(),
            source,
        })?;
        let wb = self
            .reader
            .read_table(&self.path, &self.path.display().to_string(), Formats::Spreadsheets)
            .map_err(|e| err(e.error.to_string()))?;
        let mut chats: BTreeMap<i64, ChatState> = BTreeMap::new();
        let mut any_header = false;
        for sheet in wb.sheets {
            let Some(h) = find_header(&sheet, &Default::default()) else {
                continue;
            };
            if !(h.has(Field::Chat) || h.has(Field::Group) || h.has(Field::ChatId)) {
                continue;
            }
            let Some(id_col) = h.col(Field::Id) else {
                return Err(err(format!(
                    "{}нет столбца с ID участника («ID», «user_id»); без него участников нельзя сопоставить",
                    in_sheet(&sheet.name)
                )));
            };
            any_header = true;
            let text = |r: usize, f: Field| h.col(f).map(|c| clean_spaces(&sheet.cell(r, c).as_text())).unwrap_or_default();
            for r in h.row + 1..sheet.rows.len() {
                let id_text = clean_spaces(&sheet.cell(r, id_col).as_text());
                let Ok(user_id) = id_text.parse::<i64>() else {
                    if !id_text.is_empty() {
                        return Err(err(format!(
                            "{}ячейка {}: «{id_text}» — не числовой ID участника",
                            in_sheet(&sheet.name),
                            crate::ingest::table::a1(r, id_col)
                        )));
                    }
                    continue;
                };
                let title = [text(r, Field::Chat), text(r, Field::Group)]
                    .into_iter()
                    .find(|t| !t.is_empty())
                    .unwrap_or_default();
                let chat_id = text(r, Field::ChatId).parse::<i64>().unwrap_or_else(|_| chat_id_for(&title));
                let (first, last) = if h.has(Field::FirstName) || h.has(Field::Surname) {
                    (text(r, Field::FirstName), text(r, Field::Surname))
                } else {
                    let fio = text(r, Field::Fio);
                    match fio.split_once(' ') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => (fio, String::new()),
                    }
                };
                let role = text_key(&text(r, Field::Role));
                let member = Member {
                    user_id,
                    first_name: first,
                    last_name: (!last.is_empty()).then_some(last),
                    is_admin: role.contains("админ") || role.contains("admin") || role.contains("владел") || role.contains("owner"),
                    is_owner: role.contains("владел") || role.contains("owner"),
                    is_bot: false,
                    join_time: None,
                    phone: phones::to_e164(&text(r, Field::Phone)),
                    email: email(&text(r, Field::Email)),
                    name: None,
                };
                chats
                    .entry(chat_id)
                    .or_insert_with(|| ChatState {
                        chat: Chat {
                            chat_id,
                            title: Some(title.clone()),
                            participants_count: None,
                            link: None,
                            owner_id: None,
                            status: None,
                        },
                        members: Vec::new(),
                        members_known: true,
                    })
                    .members
                    .push(member);
            }
        }
        if !any_header {
            return Err(err(
                "не найдена строка заголовков: нужны столбцы «ID», «ФИО» (или «Имя» и «Фамилия») и «Чат»".into(),
            ));
        }
        let mut state = PlatformState {
            chats: chats.into_values().collect(),
            warnings: Vec::new(),
        };
        for c in &mut state.chats {
            c.chat.participants_count = Some(c.members.len() as i64);
        }
        Ok(state)
    }
}
