//! The proposal in effect: what the runs of the target school year take from the stored
//! proposal ([`super::record::Stored`]).
//!
//! A proposal for 2027/28 is in effect from 1 September 2027 to 31 August 2028 (a proposal
//! for the current year at once), unless the roster is still last year's: the proposal's
//! witnesses (students with a birth date, by id) are found mostly in their old groups. Then
//! the runs go on as before and say why.
//!
//! In effect:
//! - **chats follow their groups**: a chat placed for «5А» when the proposal was made is
//!   placed for «6А», whatever its title says, and gets its new title (`rename_chat`) —
//!   unless the admin's `[[chats.map]]` entry for the chat changed since (the admin wins).
//!   A chat whose new group is not on the lists is placed nowhere, with the reason (a group
//!   renamed or split otherwise than proposed: the admin says which).
//! - **graduating chats are set aside**: a chat of a graduating group is placed for the
//!   group «11А (выпуск)», which nobody on the lists belongs to; its graduates and their
//!   parents are removed from it, but not before the grace date, and the change set that
//!   removes them is always held for a look (`hold_graduates`). The API cannot delete a
//!   chat: the admin deletes it in the app.
//! - **last year's roster in the new names**: the roster the leavers are counted from and
//!   the one the id pins compare with are read with the proposal's new group names
//!   ([`Effect::translate`]), so a student who moved up with the class is not a mover, a
//!   graduate is a leaver of «11А (выпуск)», and a student without a birth date (whose id
//!   is made with the group) keeps the id.
//! - **the lists are compared with the proposal** ([`compare`]): groups the proposal did
//!   not foresee (a class split, a group renamed), groups it foresaw that are not there.

use super::SchoolYear;
use super::record::{Stored, StoredChat, entry_fingerprint, key};
use crate::config::Config;
use crate::platform::place::{Audience, Placement};
use crate::roster::{PersonKind, Roster};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// The name a graduating group's chats are placed under: «11А (выпуск)».
pub fn graduated_name(group: &str) -> String {
    format!("{group} (выпуск)")
}

/// Whether a group name is one [`graduated_name`] made.
pub fn is_graduated_name(group: &str) -> bool {
    group.ends_with(" (выпуск)")
}

/// Which year a roster is, by the proposal's witnesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterYear {
    /// Most witnesses in their old groups: last year's lists.
    Before,
    /// Most witnesses in their new groups.
    After,
    /// No witness on the roster, or as many each way.
    Unclear,
}

/// The witnesses' votes on `roster`: (year, in old groups, in new groups).
pub fn roster_year(stored: &Stored, roster: &Roster) -> (RosterYear, usize, usize) {
    let moves = moves(stored);
    let witnesses: HashMap<&str, (&str, String)> = stored
        .witnesses
        .iter()
        .map(|w| (w.id.as_str(), (w.branch.as_str(), key(&w.group))))
        .collect();
    let (mut before, mut after) = (0, 0);
    for p in roster.people.iter().filter(|p| p.kind == PersonKind::Student) {
        let Some((branch, old)) = witnesses.get(p.id.as_str()) else {
            continue;
        };
        let new = moves.get(&(branch.to_string(), old.clone())).map(|n| key(n));
        if p.groups.iter().any(|g| g.branch == *branch && key(&g.group) == *old) {
            before += 1;
        } else if p.groups.iter().any(|g| g.branch == *branch && Some(key(&g.group)) == new) {
            after += 1;
        }
    }
    let year = match before.cmp(&after) {
        std::cmp::Ordering::Greater => RosterYear::Before,
        std::cmp::Ordering::Less => RosterYear::After,
        std::cmp::Ordering::Equal => RosterYear::Unclear,
    };
    (year, before, after)
}

/// (branch, group key of last year) → the group's name in the target year: the new name of
/// an advancing group whose name changes, «… (выпуск)» of a graduating one.
fn moves(stored: &Stored) -> HashMap<(String, String), String> {
    stored
        .groups
        .iter()
        .filter_map(|m| {
            let to = match m.fate.as_str() {
                "advance" => m.to.clone().filter(|to| key(to) != key(&m.from))?,
                "graduate" => graduated_name(&m.from),
                _ => return None,
            };
            Some(((m.branch.clone(), key(&m.from)), to))
        })
        .collect()
}

/// The newest proposal for the school year `today` is in, read back; None when there is
/// none. A record that cannot be read is an error naming it.
pub fn stored_for(store: &crate::state::Store, today: NaiveDate) -> anyhow::Result<Option<(SchoolYear, NaiveDate, Stored)>> {
    let year = SchoolYear::containing(today);
    let Some(rec) = store.rollover(&year.to_string())? else {
        return Ok(None);
    };
    let stored = Stored::from_json(&rec.mapping).map_err(anyhow::Error::msg)?;
    let grace = NaiveDate::parse_from_str(&rec.grace_date, "%Y-%m-%d").map_err(|_| {
        anyhow::anyhow!(
            "предложение перехода в {year}: дата удаления выпускников «{}» не прочитана",
            rec.grace_date
        )
    })?;
    Ok(Some((year, grace, stored)))
}

/// The proposal in effect for one run.
#[derive(Debug, Clone)]
pub struct Effect {
    pub year: SchoolYear,
    /// Graduates are not removed before this day.
    pub grace_date: NaiveDate,
    pub stored: Stored,
    /// chat id → its placement this year, or why it has none.
    places: HashMap<i64, Result<Placement, String>>,
    /// chat id → the title it gets.
    titles: HashMap<i64, String>,
    /// (branch, «… (выпуск)») of the graduating chats set aside.
    pub graduating: HashSet<(String, String)>,
    moves: HashMap<(String, String), String>,
    /// The lists compared with the proposal, for the admin (Russian).
    pub notes: Vec<String>,
}

/// What the runs take from the stored proposal.
#[derive(Debug)]
pub enum Status {
    /// No proposal for this school year.
    None,
    /// A proposal, but the roster is still last year's: (year, witnesses in old groups, in new).
    LastYearsRoster(SchoolYear, usize, usize),
    /// The next year's proposal, not in effect before 1 September, and the roster already
    /// the new year's: (year, witnesses in new groups).
    Early(SchoolYear, usize),
    InEffect(Box<Effect>),
}

impl Status {
    pub fn effect(&self) -> Option<&Effect> {
        match self {
            Status::InEffect(e) => Some(e),
            _ => None,
        }
    }

    /// What the admin reads of it (Russian lines for stderr): a roster of last year, or the
    /// lists compared with the proposal in effect.
    pub fn notes(&self) -> Vec<String> {
        match self {
            Status::None => Vec::new(),
            Status::LastYearsRoster(year, before, after) => vec![format!(
                "переход в {year} учебный год не применён: списки, похоже, ещё прошлого года ({before} из {} проверочных учеников в прежних группах) — загрузите списки нового года; до тех пор чаты не переименовываются и выпускники не удаляются",
                before + after
            )],
            Status::Early(year, after) => vec![format!(
                "списки в sources/, похоже, уже {year} учебного года ({after} проверочных учеников в новых группах), а предложение перехода вступит в силу {} — до этого дня чаты сопоставляются по прежним группам: не подтверждайте этот набор, запустите diff с 1 сентября",
                year.first_day().format("%d.%m.%Y")
            )],
            Status::InEffect(e) => e.notes.iter().map(|n| format!("переход в {}: {n}", e.year)).collect(),
        }
    }
}

/// The proposal's standing for a run on `today` with `roster`.
pub fn status(cfg: &Config, store: &crate::state::Store, roster: &Roster, today: NaiveDate) -> anyhow::Result<Status> {
    let Some((year, grace_date, stored)) = stored_for(store, today)? else {
        // New lists loaded before the proposal takes effect.
        let next = SchoolYear::containing(today).next();
        if let Some(rec) = store.rollover(&next.to_string())? {
            let stored = Stored::from_json(&rec.mapping).map_err(anyhow::Error::msg)?;
            if let (RosterYear::After, _, after) = roster_year(&stored, roster) {
                return Ok(Status::Early(next, after));
            }
        }
        return Ok(Status::None);
    };
    let (which, before, after) = roster_year(&stored, roster);
    if which == RosterYear::Before {
        return Ok(Status::LastYearsRoster(year, before, after));
    }
    Ok(Status::InEffect(Box::new(Effect::new(cfg, year, grace_date, stored, roster))))
}

impl Effect {
    pub fn new(cfg: &Config, year: SchoolYear, grace_date: NaiveDate, stored: Stored, roster: &Roster) -> Effect {
        let moves = moves(&stored);
        // The roster's groups: (branch, key) → name, and those with students.
        let mut names: HashMap<(&str, String), &str> = HashMap::new();
        for g in &roster.groups {
            names.entry((g.branch.as_str(), key(&g.name))).or_insert(g.name.as_str());
        }
        let advanced_into: HashSet<(&str, String)> = stored
            .groups
            .iter()
            .filter(|m| m.fate == "advance")
            .filter_map(|m| Some((m.branch.as_str(), key(m.to.as_deref()?))))
            .collect();
        let mut places = HashMap::new();
        let mut titles = HashMap::new();
        let mut graduating = HashSet::new();
        for c in &stored.chats {
            // The admin's entry for the chat, changed since the proposal, wins.
            let entry = cfg.chat_map.iter().find(|e| e.chat_id == c.chat_id).map(entry_fingerprint);
            if entry.is_some() && entry != c.entry {
                continue;
            }
            let Some(audience) = Audience::from_code(&c.audience) else {
                continue;
            };
            let place = |group: String| Placement {
                branch: c.branch.clone(),
                group: Some(group),
                audience,
                subject: c.subject.clone(),
            };
            match &c.to {
                Some(to) => match names.get(&(c.branch.as_str(), key(to))) {
                    Some(name) => {
                        places.insert(c.chat_id, Ok(place(name.to_string())));
                        if let Some(t) = &c.title {
                            titles.insert(c.chat_id, t.clone());
                        }
                    }
                    None => {
                        places.insert(c.chat_id, Err(missing_target(year, c, to)));
                    }
                },
                None => {
                    // A graduating group still on the lists under its name, and nobody
                    // moving into that name: this group has not graduated yet.
                    let here = names.contains_key(&(c.branch.as_str(), key(&c.group)));
                    if here && !advanced_into.contains(&(c.branch.as_str(), key(&c.group))) {
                        continue;
                    }
                    let name = graduated_name(&c.group);
                    graduating.insert((c.branch.clone(), name.clone()));
                    places.insert(c.chat_id, Ok(place(name)));
                }
            }
        }
        let mut notes = Vec::new();
        if stored.witnesses.is_empty() {
            notes.push(
                "не видно, прошлогодние ли списки в sources/ (у учеников выпускных и переименуемых групп нет дат рождения) — убедитесь, что это списки нового учебного года".to_string(),
            );
        }
        notes.extend(compare_with(&stored, roster, &cfg.chat_map));
        Effect {
            year,
            grace_date,
            stored,
            places,
            titles,
            graduating,
            moves,
            notes,
        }
    }

    /// The chat's placement this year when the proposal decides it.
    pub fn place(&self, chat_id: i64) -> Option<Result<Placement, String>> {
        self.places.get(&chat_id).cloned()
    }

    /// The title the proposal gives the chat.
    pub fn title(&self, chat_id: i64) -> Option<&str> {
        self.titles.get(&chat_id).map(String::as_str)
    }

    /// Whether a placement is a graduating chat set aside.
    pub fn is_graduating(&self, place: &Placement) -> bool {
        place
            .group
            .as_ref()
            .is_some_and(|g| self.graduating.contains(&(place.branch.clone(), g.clone())))
    }

    /// Renames last year's groups in `roster` (a roster of the history) to their names in
    /// the target year: the new name of an advancing group, «… (выпуск)» of a graduating
    /// one. A roster already in the new names is left alone (by the witnesses).
    pub fn translate(&self, roster: &mut Roster) {
        translate(&self.stored, &self.moves, roster);
    }
}

fn missing_target(year: SchoolYear, c: &StoredChat, to: &str) -> String {
    let whose = if key(to) == key(&c.group) {
        format!("чат группы «{to}» остаётся у неё")
    } else {
        format!("чат группы «{}» должен перейти к группе «{to}»", c.group)
    };
    format!(
        "по переходу в {year} {whose}, но группы «{to}» нет в списках (переименовали, разделили или объединили?) — укажите группу чата в [[chats.map]] (chat_id = {})",
        c.chat_id
    )
}

/// [`Effect::translate`] without an effect: for the id pins, which run before the platform
/// is read.
pub fn translate_stored(stored: &Stored, roster: &mut Roster) {
    translate(stored, &moves(stored), roster);
}

fn translate(stored: &Stored, moves: &HashMap<(String, String), String>, roster: &mut Roster) {
    if moves.is_empty() || roster_year(stored, roster).0 == RosterYear::After {
        return;
    }
    let to = |branch: &str, group: &str| moves.get(&(branch.to_string(), key(group))).cloned();
    for g in &mut roster.groups {
        if let Some(n) = to(&g.branch, &g.name) {
            g.name = n;
        }
    }
    for p in &mut roster.people {
        for g in &mut p.groups {
            if let Some(n) = to(&g.branch, &g.group) {
                g.group = n;
            }
        }
    }
    for t in &mut roster.teaching {
        if let Some(n) = to(&t.branch, &t.group) {
            t.group = n;
        }
    }
    for r in &mut roster.staff_roles {
        for g in &mut r.curated_groups {
            if let Some(n) = to(&r.branch, g) {
                *g = n;
            }
        }
    }
}

/// The lists compared with the proposal (Russian lines for the admin): groups the proposal
/// did not foresee, groups it foresaw that are not on the lists, graduating groups still
/// there.
pub fn compare(stored: &Stored, roster: &Roster) -> Vec<String> {
    compare_with(stored, roster, &[])
}

/// [`compare`], less what the admin settled in `chat_map` since the proposal: a group that
/// has a `[[chats.map]]` entry is known to the admin, and a group whose chats all have
/// entries changed since the proposal was given somewhere.
pub fn compare_with(stored: &Stored, roster: &Roster, chat_map: &[crate::config::ChatMapEntry]) -> Vec<String> {
    let mapped: HashSet<String> = chat_map.iter().filter_map(|e| e.group.as_deref()).map(key).collect();
    let settled = |branch: &str, from: &str| {
        let chats: Vec<&StoredChat> = stored.chats.iter().filter(|c| c.branch == branch && c.group == from).collect();
        !chats.is_empty()
            && chats.iter().all(|c| {
                chat_map
                    .iter()
                    .find(|e| e.chat_id == c.chat_id)
                    .is_some_and(|e| Some(entry_fingerprint(e)) != c.entry)
            })
    };
    let mut foreseen: HashSet<(&str, String)> = HashSet::new();
    let mut out = Vec::new();
    let on_roster: HashSet<(&str, String)> = roster.groups.iter().map(|g| (g.branch.as_str(), key(&g.name))).collect();
    // The branch is named when the proposal has more than one.
    let many = stored.groups.iter().map(|m| m.branch.as_str()).collect::<HashSet<_>>().len() > 1;
    let label = |branch: &str| if many { format!("{branch}: ") } else { String::new() };
    for m in &stored.groups {
        match m.fate.as_str() {
            "advance" => {
                let Some(to) = &m.to else { continue };
                foreseen.insert((m.branch.as_str(), key(to)));
                if !on_roster.contains(&(m.branch.as_str(), key(to))) && !settled(&m.branch, &m.from) {
                    let what = if key(to) == key(&m.from) {
                        format!("группа «{to}» переходит на следующий курс, но её нет в списках")
                    } else {
                        format!("«{}» → «{to}», но группы «{to}» нет в списках", m.from)
                    };
                    out.push(format!(
                        "{}по предложению {what} (переименована, разделена или объединена?) — её чаты не переназначены, укажите группу в [[chats.map]]",
                        label(&m.branch)
                    ));
                }
            }
            "keep" | "unknown" => {
                foreseen.insert((m.branch.as_str(), key(&m.from)));
            }
            _ => {}
        }
    }
    for g in &stored.new_groups {
        foreseen.insert((g.branch.as_str(), key(&g.name)));
        if !on_roster.contains(&(g.branch.as_str(), key(&g.name))) {
            out.push(format!(
                "{}новой группы «{}» по предложению ещё нет в списках",
                label(&g.branch),
                g.name
            ));
        }
    }
    for m in stored.groups.iter().filter(|m| m.fate == "graduate") {
        let k = (m.branch.as_str(), key(&m.from));
        if on_roster.contains(&k) && foreseen.insert(k) {
            out.push(format!(
                "{}группа «{}» по предложению выпускается, но она есть в списках — её чаты остаются как есть",
                label(&m.branch),
                m.from
            ));
        }
    }
    let mut seen = HashSet::new();
    for g in &roster.groups {
        let k = (g.branch.as_str(), key(&g.name));
        if !foreseen.contains(&k) && !mapped.contains(&k.1) && seen.insert(k.clone()) {
            out.push(format!(
                "{}группы «{}» нет в предложении (новая, переименованная или выделенная из другой?) — чат для неё будет предложено создать; если она продолжает группу прошлого года, укажите её чат в [[chats.map]]",
                label(&g.branch),
                g.name
            ));
        }
    }
    out
}

#[cfg(test)]
#[path = "effect_tests.rs"]
mod tests;
