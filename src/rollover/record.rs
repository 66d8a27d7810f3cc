//! The proposal as the state store keeps it (`rollover_proposals.mapping`, JSON), written by
//! `rollout rollover` and read back by the runs of the target year ([`super::effect`]).
//!
//! Besides the groups' fates, new groups, renames and problems that `rollover.xlsx` shows,
//! it keeps what the runs after it need and cannot work out again once the new year's
//! lists replace the old ones:
//! - `chats`: every chat placed for a group that advances or graduates, with its
//!   placement then, its new group and title, and the `[[chats.map]]` entry it was placed
//!   by (so an entry the admin edits afterwards wins over the proposal);
//! - `witnesses`: a few students with a birth date (their ids do not depend on the group)
//!   of each such group, by id: where they are on a roster tells whether that roster is
//!   last year's or the new year's.

use super::{Fate, Proposal};
use crate::config::ChatMapEntry;
use crate::platform::place::Placement;
use crate::roster::{PersonKind, Roster};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How many witnesses a group gets.
const WITNESSES_PER_GROUP: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMove {
    pub branch: String,
    pub from: String,
    pub course: Option<String>,
    /// advance | graduate | keep | unknown
    pub fate: String,
    pub to: Option<String>,
    pub to_course: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredNew {
    pub branch: String,
    pub name: String,
    pub course: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRename {
    pub chat_id: i64,
    pub group: String,
    pub from_title: String,
    pub to_title: String,
}

/// A chat of a group that changes its name or graduates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChat {
    pub chat_id: i64,
    pub branch: String,
    /// The group it served (last year's name).
    pub group: String,
    /// `Audience::code`.
    pub audience: String,
    pub subject: Option<String>,
    /// The group it serves in the target year; None when the group graduates.
    pub to: Option<String>,
    /// The title it gets (None: not renamed — the title does not carry the group).
    pub title: Option<String>,
    /// The `[[chats.map]]` entry it was placed by, as [`entry_fingerprint`] writes it.
    pub entry: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    pub id: String,
    pub branch: String,
    pub group: String,
}

/// The stored proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub groups: Vec<StoredMove>,
    pub new_groups: Vec<StoredNew>,
    pub renames: Vec<StoredRename>,
    pub problems: Vec<String>,
    /// Absent from proposals recorded before the runs read them back.
    #[serde(default)]
    pub chats: Vec<StoredChat>,
    #[serde(default)]
    pub witnesses: Vec<Witness>,
}

/// A `[[chats.map]]` entry as a comparable line: what places the chat and its title.
pub fn entry_fingerprint(e: &ChatMapEntry) -> String {
    serde_json::json!([e.branch, e.group, e.audience, e.subject, e.title]).to_string()
}

impl Stored {
    /// The proposal for the store. `placed` are the chats placed now (chat id, placement);
    /// `chat_map` is `rollout.toml`'s `[[chats.map]]`.
    pub fn new(p: &Proposal, roster: &Roster, placed: &[(i64, Placement)], chat_map: &[ChatMapEntry]) -> Stored {
        let groups = p
            .mapping
            .iter()
            .map(|m| {
                let (fate, to, to_course, reason) = match &m.fate {
                    Fate::Advance { to, course } => ("advance", Some(to.clone()), course.clone(), None),
                    Fate::Graduate => ("graduate", None, None, None),
                    Fate::Keep => ("keep", None, None, None),
                    Fate::Unknown { reason } => ("unknown", None, None, Some(reason.clone())),
                };
                StoredMove {
                    branch: m.branch.clone(),
                    from: m.from.clone(),
                    course: m.course.clone(),
                    fate: fate.into(),
                    to,
                    to_course,
                    reason,
                }
            })
            .collect::<Vec<_>>();
        // The groups whose chats the runs after place: advancing (a college group keeps its
        // name, but the lists may call it otherwise: its chats are then placed nowhere, with
        // the reason) or graduating.
        let moving: HashMap<(&str, &str), &StoredMove> = groups
            .iter()
            .filter(|m| matches!(m.fate.as_str(), "graduate" | "advance"))
            .map(|m| ((m.branch.as_str(), m.from.as_str()), m))
            .collect();
        // The groups whose people tell a roster's year: a new name, or graduating.
        let changing: HashMap<(&str, &str), &StoredMove> = moving
            .iter()
            .filter(|(_, m)| m.fate == "graduate" || m.to.as_deref().is_some_and(|to| key(to) != key(&m.from)))
            .map(|(k, m)| (*k, *m))
            .collect();
        let titles: HashMap<i64, &str> = p.renames.iter().map(|r| (r.chat_id, r.to_title.as_str())).collect();
        let mut chats: Vec<StoredChat> = placed
            .iter()
            .filter_map(|(id, pl)| {
                let m = moving.get(&(pl.branch.as_str(), pl.group.as_deref()?))?;
                Some(StoredChat {
                    chat_id: *id,
                    branch: pl.branch.clone(),
                    group: m.from.clone(),
                    audience: pl.audience.code().into(),
                    subject: pl.subject.clone(),
                    to: m.to.clone().filter(|_| m.fate == "advance"),
                    title: titles.get(id).map(|t| t.to_string()),
                    entry: chat_map.iter().find(|e| e.chat_id == *id).map(entry_fingerprint),
                })
            })
            .collect();
        chats.sort_by_key(|c| c.chat_id);
        let mut witnesses = Vec::new();
        let mut taken: HashMap<(&str, &str), usize> = HashMap::new();
        for person in roster
            .people
            .iter()
            .filter(|x| x.kind == PersonKind::Student && x.birth_date.is_some())
        {
            for g in &person.groups {
                let Some(((b, n), _)) = changing.get_key_value(&(g.branch.as_str(), g.group.as_str())) else {
                    continue;
                };
                let count = taken.entry((b, n)).or_default();
                if *count < WITNESSES_PER_GROUP {
                    *count += 1;
                    witnesses.push(Witness {
                        id: person.id.clone(),
                        branch: g.branch.clone(),
                        group: g.group.clone(),
                    });
                }
            }
        }
        Stored {
            groups,
            new_groups: p
                .new_groups
                .iter()
                .map(|g| StoredNew {
                    branch: g.branch.clone(),
                    name: g.name.clone(),
                    course: g.course.clone(),
                })
                .collect(),
            renames: p
                .renames
                .iter()
                .map(|r| StoredRename {
                    chat_id: r.chat_id,
                    group: r.group.clone(),
                    from_title: r.from_title.clone(),
                    to_title: r.to_title.clone(),
                })
                .collect(),
            problems: p.problems.clone(),
            chats,
            witnesses,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn from_json(text: &str) -> Result<Stored, String> {
        serde_json::from_str(text).map_err(|e| format!("предложение перехода в state store не прочитано: {e}"))
    }
}

pub(super) fn key(group: &str) -> String {
    crate::normalize::groups::group_key(group)
}
