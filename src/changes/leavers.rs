//! The diff's leavers from the roster history (issue 14): the roster of the last change
//! set approved or applied, the people on it gone now, and what a member matched to one of
//! them means.

use crate::config::Config;
use crate::matching::names::norm;
use crate::matching::{Expected, MemberMatch, ReviewWhy, Status as MatchStatus, Tier};
use crate::platform::place::{Audience, Placement};
use crate::roster::{Loaded, Person, Roster};
use crate::state::Store;
use std::collections::{HashMap, HashSet};

/// The diff's leavers from the roster history: the roster of the last change set approved or
/// applied, and the people on it who are gone now.
pub struct Leavers {
    /// Its content hash: an input of the change set's hash (`previous_roster`).
    pub reference: String,
    pub previous: Roster,
    /// The people of `previous` no longer on the roster.
    pub people: Vec<Person>,
    /// Ids of `previous` gone from the roster whose person is still on it under a new id
    /// (a parent's id follows their children; a record corrected): old id → id now. Not
    /// leavers.
    pub renamed: HashMap<String, String>,
    /// Whether the teaching load of `previous` and of the roster now can be compared: both
    /// known (a record from before the load was kept has none), and the load now not empty
    /// where the reference had one (a load file dropped from the sources is no departure of
    /// every teacher). Load leavers are planned only then ([`super::load`]).
    pub load_compared: bool,
}

impl Leavers {
    /// The leavers of this run, or None: a source unreadable (a roster missing a file would
    /// show everyone in it as having left), no change set approved or applied yet, or its
    /// roster not in the history.
    /// A rollover proposal in effect reads the previous roster in the new year's group names
    /// ([`crate::rollover::effect::Effect::translate`]).
    pub fn find(
        cfg: &Config,
        loaded: &Loaded,
        store: &Store,
        current: &str,
        rollover: Option<&crate::rollover::effect::Effect>,
    ) -> anyhow::Result<Option<Leavers>> {
        if !loaded.complete() || loaded.roster.people.is_empty() {
            return Ok(None);
        }
        let Some(reference) = store.reference_roster(current)? else {
            return Ok(None);
        };
        // A history that cannot be read is said, not fatal, like a damaged record below.
        let info = match crate::history::find(&cfg.root, &reference) {
            Ok(Some(info)) => info,
            Ok(None) => return Ok(None),
            Err(e) => {
                crate::errln!(
                    "rollout: внимание: история списков не прочитана — выбывшие по истории не рассчитаны: {}",
                    crate::error::one_line_ru(&e)
                );
                return Ok(None);
            }
        };
        // A damaged record is said, not fatal: the diff goes on with the remembered leavers.
        let recorded = match crate::history::load_record(&cfg.root, info.run) {
            Ok(r) => r,
            Err(e) => {
                crate::errln!(
                    "rollout: внимание: список № {} из истории не прочитан — выбывшие по истории не рассчитаны: {}",
                    info.run,
                    crate::error::one_line_ru(&e)
                );
                return Ok(None);
            }
        };
        let mut previous = recorded.roster;
        if let Some(r) = rollover {
            r.translate(&mut previous);
        }
        let load_compared = if !recorded.load_known || previous.teaching.is_empty() {
            false
        } else if loaded.roster.teaching.is_empty() {
            crate::errln!(
                "rollout: внимание: в источниках нет нагрузки учителей, а в списке № {} она была — удаления учителей из чатов классов и чатов по предметам не планируются; проверьте файл нагрузки",
                info.run
            );
            false
        } else {
            true
        };
        let now: HashSet<&str> = loaded.roster.people.iter().map(|p| p.id.as_str()).collect();
        let gone: Vec<&Person> = previous.people.iter().filter(|p| !now.contains(p.id.as_str())).collect();
        let renamed = still_here(&previous, &loaded.roster);
        let people = gone.into_iter().filter(|p| !renamed.contains_key(&p.id)).cloned().collect();
        Ok(Some(Leavers {
            reference,
            previous,
            people,
            renamed,
            load_compared,
        }))
    }

    /// The id now of a person of the previous roster (itself, unless re-keyed).
    pub(super) fn now_id<'b>(&'b self, old: &'b str) -> &'b str {
        self.renamed.get(old).map(String::as_str).unwrap_or(old)
    }

    /// Who matching expects where: everyone on the roster in their chats, leavers in their
    /// old chats, and the parents of a departed student in that student's old group's
    /// parents' chat (where they may still sit).
    pub(super) fn expected_for_matching(&self, expected: &Expected, profile: crate::profile::Profile) -> Expected {
        let mut merged = expected.clone();
        let old = Expected::build(&self.previous, profile);
        let gone: HashSet<&str> = self.people.iter().map(|p| p.id.as_str()).collect();
        for (place, ids) in &old.by_placement {
            for id in ids {
                let now = self.now_id(id);
                let parent_here = place.audience == Audience::Parents && self.departed_child_in(now, place);
                if gone.contains(id.as_str()) || parent_here {
                    merged.by_placement.entry(place.clone()).or_default().insert(now.to_string());
                }
            }
        }
        merged
    }

    /// Whether a child of `parent` (an id now) on the previous roster, gone now, was in the
    /// group of `place`.
    pub fn departed_child_in(&self, parent: &str, place: &Placement) -> bool {
        let Some(group) = place.group.as_deref() else { return false };
        self.previous
            .guardians
            .iter()
            .filter(|g| self.now_id(&g.parent_id) == parent)
            .filter_map(|g| self.people.iter().find(|p| p.id == g.student_id))
            .any(|kid| kid.groups.iter().any(|r| r.branch == place.branch && r.group == group))
    }

    /// Members matched to a leaver: a leaver's account (`departed`, removed) when the match
    /// is by contact or full name and nobody else could be meant; a review when a namesake
    /// is on the roster or among the rows left out for a data error, when a person on the
    /// roster shares the leaver's phone, e-mail or СНИЛС (a corrected record, not a
    /// departure), or on a first name alone.
    pub(super) fn settle(&self, roster: &Roster, matches: &mut [MemberMatch]) {
        let key = |n: &crate::normalize::names::PersonName| (norm(&n.surname), norm(&n.first_name));
        let mut namesakes: HashMap<(String, String), Vec<String>> = HashMap::new();
        for p in &roster.people {
            namesakes.entry(key(&p.name)).or_default().push(p.id.clone());
        }
        let mut dropped: HashMap<(String, String), String> = HashMap::new();
        for d in &roster.dropped {
            if let Some(n) = &d.name {
                dropped
                    .entry(key(n))
                    .or_insert_with(|| format!("{} ({} {})", d.rule.code(), d.location.file, d.location.cell));
            }
        }
        let mut contacts: HashMap<&str, &str> = HashMap::new();
        for p in &roster.people {
            for c in [&p.phone, &p.email, &p.snils_hash].into_iter().flatten() {
                contacts.entry(c.as_str()).or_insert(p.id.as_str());
            }
        }
        let by_id: HashMap<&str, &Person> = self.people.iter().map(|p| (p.id.as_str(), p)).collect();
        for m in matches.iter_mut() {
            if m.status != MatchStatus::Matched || m.tier == Tier::Known {
                continue;
            }
            let Some(leaver) = m.person_id.as_deref().and_then(|p| by_id.get(p).copied()) else {
                continue;
            };
            let k = key(&leaver.name);
            let mut others: Vec<String> = namesakes.get(&k).cloned().unwrap_or_default();
            for c in [&leaver.phone, &leaver.email, &leaver.snils_hash].into_iter().flatten() {
                if let Some(id) = contacts.get(c.as_str())
                    && !others.iter().any(|o| o == id)
                {
                    others.push(id.to_string());
                }
            }
            if let Some(why) = dropped.get(&k) {
                m.status = MatchStatus::Review;
                m.review = Some(ReviewWhy::DroppedRecord(why.clone()));
                m.person_id = None;
                m.kind = None;
            } else if !others.is_empty() {
                m.status = MatchStatus::Review;
                m.review = Some(ReviewWhy::Ambiguous);
                let conf = m.confidence;
                m.first_only_candidates.clear();
                m.candidates = std::iter::once(leaver.id.clone()).chain(others).map(|id| (id, conf)).collect();
            } else if m.first_only {
                m.status = MatchStatus::Review;
                m.review = Some(ReviewWhy::Weak);
            } else {
                m.departed = true;
            }
        }
    }
}

/// People of the previous roster gone under their id but still on the roster under another
/// (a corrected name or birth date; a parent whose id followed a child who left): the same
/// person by the id pins' rules ([`crate::history::pins`]), found on a copy of the roster so
/// this roster's ids stay as built. Old id → id now.
fn still_here(previous: &Roster, roster: &Roster) -> HashMap<String, String> {
    let mut copy = roster.clone();
    crate::history::pins::pin(&mut copy, previous)
        .into_iter()
        .map(|p| (p.pinned, p.natural))
        .collect()
}
