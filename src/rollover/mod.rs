//! The new school year: how groups move on each September (issue 16). Pure functions over
//! the roster and `[rollover]` ([`RolloverConfig`]); no I/O, no clock, nothing from
//! `platform`. The command (`rollout rollover --to 2027/28`), the state store's record of a
//! proposal, the change set's `rename_chat` and graduate removals and `apply` build on this.
//!
//! The API for them:
//!
//! - [`school_year`] reads «2027/28», «2027-2028», «2027/2028» into a [`SchoolYear`];
//!   [`SchoolYear::containing`] is the year a day is in (a year starts on 1 September),
//!   [`check_target`] refuses a `--to` that is neither that year nor the next.
//! - [`next_group`] is one group's [`Fate`] in the target year: `Advance` (a new name, a new
//!   course), `Graduate`, `Keep` (not a grade: an association, «Юный техник») or `Unknown`
//!   (with a Russian reason: the admin decides).
//!   * school: the grade number advances and nothing else of the spelling changes
//!     («5-а» → «6-а», «5A» keeps its Latin letter); `last_grade` graduates; a grade above
//!     it, or a name that starts with a grade number but is not a class («5А1»), is Unknown;
//!   * college: the name stays and the course advances; the course is the roster's, or
//!     worked out from the admission year in the code («ИС-24-1» → 2024, so course 3 in
//!     2026/27); the last course is `last_course_by_prefix` for the code's prefix (letters
//!     before the first digit or dash, compared in any case and with Latin look-alikes),
//!     else `last_course`;
//!   * kindergarten: the age word moves one step up `kindergarten_groups`
//!     («Младшая группа «Пчёлки»» → «Средняя группа «Пчёлки»»), in the case it was written;
//!     the last one graduates, a name without an age word is Unknown;
//!   * supplementary: every association is kept.
//! - [`rename_title`] gives a chat's new title when it carries the group as a whole token,
//!   in the title's own spelling («Родители 5 а класса» → «Родители 6 а класса»); an
//!   error text when the result is over the API's 200 characters.
//! - [`first_year_groups`] names the groups that arrive: a school's entry grade
//!   (`first_grade`, or 1, 5 or 10 — the largest not above the lowest grade on the roster)
//!   with the lowest grade's letters; a college's first-year groups per prefix with the next
//!   admission year (course 1; a prefix that admitted nobody last year gets none), codes
//!   counted the way the roster's groups with a course count them (`code_offset`); a kindergarten's first list group, bare («Ясельная»: the
//!   admin names it).
//! - [`propose`] puts it together for a roster and the chats' titles (plain
//!   `(chat_id, title, group)` tuples) into a [`Proposal`]; [`grace_date`] is the day from
//!   which graduates may be removed (the proposal's day plus `grace_days`).
//!
//! Inflected titles («Родители средней группы») are not renamed: the admin sees the chat
//! unrenamed in the checklist.

pub mod effect;
pub mod record;
mod rules;
#[cfg(test)]
mod tests;

pub use crate::config::RolloverConfig;
pub use rules::{Fate, SchoolYear, check_target, first_year_groups, next_group, rename_title, school_year};

use crate::normalize::groups::group_key;
use crate::profile::Profile;
use crate::roster::Roster;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};

/// One roster group's fate in the target year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMove {
    pub branch: String,
    pub from: String,
    /// The roster's course, as written.
    pub course: Option<String>,
    pub fate: Fate,
}

/// A group that arrives in the target year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub branch: String,
    pub name: String,
    /// «1» for a college's first-years; None elsewhere.
    pub course: Option<String>,
}

/// A chat whose title carries a group that changes its name: `PATCH /chats/{chatId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub chat_id: i64,
    /// The roster group the chat is for (as the roster writes it).
    pub group: String,
    pub from_title: String,
    pub to_title: String,
}

/// The next year's structure, proposed; nothing is changed by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The target year.
    pub year: SchoolYear,
    /// Every roster group, in roster order.
    pub mapping: Vec<GroupMove>,
    /// (branch, group) of the groups that graduate.
    pub graduating: Vec<(String, String)>,
    pub new_groups: Vec<NewGroup>,
    pub renames: Vec<Rename>,
    /// What the admin decides (Russian): Unknown fates, two groups into one name, a group
    /// advancing into one that stays, titles over the API's limit.
    pub problems: Vec<String>,
}

/// The day from which graduates may be removed from the chats.
pub fn grace_date(proposed_on: NaiveDate, cfg: &RolloverConfig) -> NaiveDate {
    proposed_on + chrono::Duration::days(cfg.grace_days)
}

/// The proposal for `roster` rolling into `year`. `chats` are (chat_id, title, the group
/// the chat is placed for when known); a chat without a group is renamed when exactly one
/// advancing group is in its title.
pub fn propose(
    profile: Profile,
    cfg: &RolloverConfig,
    year: SchoolYear,
    roster: &Roster,
    chats: &[(i64, String, Option<String>)],
) -> Proposal {
    let mut problems = Vec::new();
    // A college's groups without a course on the roster take it from the code, counted the
    // way the groups with both count it.
    let offset = if profile == Profile::College {
        let known: Vec<(&str, Option<&str>)> = roster.groups.iter().map(|g| (g.name.as_str(), g.course.as_deref())).collect();
        rules::code_offset(year, &known)
    } else {
        0
    };
    let mapping: Vec<GroupMove> = roster
        .groups
        .iter()
        .map(|g| {
            let by_code = match g.course.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None if offset != 0 => rules::course_by_code(year, &g.name, offset),
                _ => None,
            };
            // The admin's word on this group, over the rules.
            let said = cfg
                .groups
                .iter()
                .find(|(k, _)| group_key(k) == group_key(&g.name))
                .map(|(_, to)| to);
            let fate = match said {
                Some(to) if crate::normalize::text_key(to) == "выпуск" => Fate::Graduate,
                Some(to) => Fate::Advance {
                    to: to.clone(),
                    course: None,
                },
                None => next_group(profile, cfg, year, &g.name, by_code.as_deref().or(g.course.as_deref())),
            };
            GroupMove {
                branch: g.branch.clone(),
                from: g.name.clone(),
                course: g.course.clone(),
                fate,
            }
        })
        .collect();
    for m in &mapping {
        if let Fate::Unknown { reason } = &m.fate {
            problems.push(format!("{}, группа «{}»: {reason}", m.branch, m.from));
        }
    }
    // Names taken in the target year, per branch: who stays and who arrives by advancing.
    let mut staying: HashMap<(&str, String), &str> = HashMap::new();
    for m in &mapping {
        if matches!(m.fate, Fate::Keep | Fate::Unknown { .. }) {
            staying.insert((m.branch.as_str(), group_key(&m.from)), m.from.as_str());
        }
    }
    let mut arriving: HashMap<(&str, String), &GroupMove> = HashMap::new();
    for m in &mapping {
        let Fate::Advance { to, .. } = &m.fate else { continue };
        if group_key(to) == group_key(&m.from) {
            continue;
        }
        let key = (m.branch.as_str(), group_key(to));
        if let Some(other) = staying.get(&key) {
            problems.push(format!(
                "{}: «{}» → «{to}», но группа «{other}» остаётся — решите, как их назвать",
                m.branch, m.from
            ));
        }
        if let Some(first) = arriving.get(&key) {
            let first_to = match &first.fate {
                Fate::Advance { to, .. } => to.as_str(),
                _ => "",
            };
            problems.push(format!(
                "{}: «{}» → «{first_to}» и «{}» → «{to}» — две группы переходят в одну; проверьте написание групп",
                m.branch, first.from, m.from
            ));
        } else {
            arriving.insert(key, m);
        }
    }
    let graduating = mapping
        .iter()
        .filter(|m| m.fate == Fate::Graduate)
        .map(|m| (m.branch.clone(), m.from.clone()))
        .collect();
    let mut by_branch: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in &roster.groups {
        by_branch.entry(g.branch.as_str()).or_default().push(g.name.as_str());
    }
    let mut new_groups = Vec::new();
    for g in &roster.groups {
        let Some(names) = by_branch.remove(g.branch.as_str()) else {
            continue;
        };
        for name in first_year_groups(profile, cfg, year, &names, offset) {
            new_groups.push(NewGroup {
                branch: g.branch.clone(),
                course: (profile == Profile::College).then(|| "1".to_string()),
                name,
            });
        }
    }
    let advancing: Vec<(&str, &str)> = mapping
        .iter()
        .filter_map(|m| match &m.fate {
            Fate::Advance { to, .. } if group_key(to) != group_key(&m.from) => Some((m.from.as_str(), to.as_str())),
            _ => None,
        })
        .collect();
    let mut renames = Vec::new();
    for (chat_id, title, group) in chats {
        let candidates: Vec<(&str, &str)> = match group {
            Some(g) => {
                let key = group_key(g);
                advancing
                    .iter()
                    .filter(|(from, _)| group_key(from) == key)
                    .take(1)
                    .copied()
                    .collect()
            }
            None => advancing.clone(),
        };
        let mut found: Vec<(&str, Result<String, String>)> = Vec::new();
        for (from, to) in candidates {
            match rename_title(title, from, to) {
                Ok(None) => {}
                Ok(Some(t)) => found.push((from, Ok(t))),
                Err(e) => found.push((from, Err(e))),
            }
        }
        // A title naming two advancing groups («5А и 5Б») is left to the admin.
        if let [(from, result)] = found.as_slice() {
            match result {
                Ok(to_title) => renames.push(Rename {
                    chat_id: *chat_id,
                    group: from.to_string(),
                    from_title: title.clone(),
                    to_title: to_title.clone(),
                }),
                Err(e) => problems.push(format!("чат {chat_id} («{title}»): {e}")),
            }
        } else if found.len() > 1 {
            problems.push(format!(
                "чат {chat_id} («{title}»): в названии несколько групп — переименуйте его вручную"
            ));
        }
    }
    Proposal {
        year,
        mapping,
        graduating,
        new_groups,
        renames,
        problems,
    }
}
