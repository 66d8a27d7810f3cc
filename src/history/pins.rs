//! Ids that survive a corrected name or birth date. A person id is a salted hash of the
//! name and birth date (students), the name and children (parents), the name (staff): a
//! corrected spelling would mint a new one, and everything kept by the old id (remembered
//! accounts, the history) would see one person leave and another arrive.
//!
//! After a build, each id that is new since the latest recorded roster is compared with
//! the ids that vanished since, of the same kind: the same person by other keys takes the
//! old id back. The pin (new natural id → old id) is kept in the state store, so it holds
//! in later runs and after the history is purged; stored pins are applied first.
//!
//! Same person means: the same СНИЛС hash; or, for a student, a shared group, phone or
//! e-mail with the same birth date and a name at most two letters apart, or with the same
//! name and another birth date, or with the same full name and no birth date on either side
//! in the same branch (a student without one is keyed by the group: a class split, a
//! transfer, a rollover would mint a new id); for a parent or staff, a shared phone or e-mail with the
//! same first name and patronymic (a changed surname) or a name at most two letters apart,
//! or a shared child (parents) or the same roles (staff) with a name at most two letters
//! apart. A new id with two such candidates, or a candidate claimed by two new ids,
//! is not pinned.

use crate::normalize::names::PersonName;
use crate::roster::{Person, PersonKind, Roster};
use std::collections::{BTreeSet, HashMap, HashSet};

/// One pin: the id the build minted and the id the person keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub natural: String,
    pub pinned: String,
    pub kind: PersonKind,
}

/// Rewrites person ids everywhere in the roster: people, guardianships, staff roles,
/// groups' curators and the teaching load.
pub fn rewrite(roster: &mut Roster, map: &HashMap<String, String>) {
    if map.is_empty() {
        return;
    }
    let fix = |id: &mut String| {
        if let Some(to) = map.get(id.as_str()) {
            *id = to.clone();
        }
    };
    for p in &mut roster.people {
        fix(&mut p.id);
    }
    for g in &mut roster.guardians {
        fix(&mut g.student_id);
        fix(&mut g.parent_id);
    }
    roster.guardians.sort();
    roster.guardians.dedup();
    for r in &mut roster.staff_roles {
        fix(&mut r.person_id);
    }
    for g in &mut roster.groups {
        for c in &mut g.curator_ids {
            fix(c);
        }
    }
    for t in &mut roster.teaching {
        fix(&mut t.person_id);
    }
}

/// Applies stored pins (natural id → pinned id). A pin whose id another person on the
/// roster already has is skipped (that would make two people one). Returns how many applied.
pub fn apply_stored(roster: &mut Roster, pins: &HashMap<String, String>) -> usize {
    let present: HashSet<&str> = roster.people.iter().map(|p| p.id.as_str()).collect();
    let map: HashMap<String, String> = roster
        .people
        .iter()
        .filter_map(|p| {
            let to = pins.get(&p.id)?;
            (to != &p.id && !present.contains(to.as_str())).then(|| (p.id.clone(), to.clone()))
        })
        .collect();
    // Two natural ids pinned to one id on this roster: neither is applied.
    let mut targets: HashMap<&str, usize> = HashMap::new();
    for to in map.values() {
        *targets.entry(to.as_str()).or_default() += 1;
    }
    let map: HashMap<String, String> = map
        .iter()
        .filter(|(_, to)| targets[to.as_str()] == 1)
        .map(|(a, b)| (a.clone(), b.clone()))
        .collect();
    let n = map.len();
    rewrite(roster, &map);
    n
}

/// After a build: applies the stored pins, then (when every source was read — a missing
/// file would not make anyone new) compares with the latest recorded roster and keeps the
/// new pins in the store. Returns the new pins.
pub fn settle(
    root: &std::path::Path,
    store: &mut crate::state::Store,
    roster: &mut Roster,
    complete: bool,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<Pin>> {
    apply_stored(roster, &store.id_pins()?);
    if !complete {
        return Ok(Vec::new());
    }
    let Some(latest) = super::list(root)?.pop() else {
        return Ok(Vec::new());
    };
    // The roster as recorded last has no new ids: no need to read the record back (every
    // command builds the roster, and most weeks nothing changed).
    if latest.hash == super::content_hash(roster) {
        return Ok(Vec::new());
    }
    let mut previous = super::load(root, latest.run)?;
    // Across a school year's rollover the previous roster is read in the new group names:
    // a student without a birth date (whose id is made with the group) keeps the id.
    if let Some((_, _, stored)) = crate::rollover::effect::stored_for(store, today)? {
        crate::rollover::effect::translate_stored(&stored, &mut previous);
    }
    let found = pin(roster, &previous);
    if !found.is_empty() {
        let rows: Vec<(String, String, PersonKind)> = found.iter().map(|p| (p.natural.clone(), p.pinned.clone(), p.kind)).collect();
        store.add_id_pins(&rows, &today.to_string())?;
    }
    Ok(found)
}

/// Finds the people of `current` whose id is new since `previous` but who are someone who
/// vanished from it, rewrites their ids in `current` and returns the pins. Students first:
/// a parent's id depends on the children's, so parents are compared after their children
/// got their ids back.
pub fn pin(current: &mut Roster, previous: &Roster) -> Vec<Pin> {
    let mut all = Vec::new();
    for kind in [PersonKind::Student, PersonKind::Parent, PersonKind::Staff] {
        let found = pin_kind(current, previous, kind);
        let map: HashMap<String, String> = found.iter().map(|p| (p.natural.clone(), p.pinned.clone())).collect();
        rewrite(current, &map);
        all.extend(found);
    }
    all
}

fn pin_kind(current: &Roster, previous: &Roster, kind: PersonKind) -> Vec<Pin> {
    let now: HashSet<&str> = current.people.iter().map(|p| p.id.as_str()).collect();
    let before: HashSet<&str> = previous.people.iter().map(|p| p.id.as_str()).collect();
    let fresh: Vec<&Person> = current
        .people
        .iter()
        .filter(|p| p.kind == kind && !before.contains(p.id.as_str()))
        .collect();
    if fresh.is_empty() {
        return Vec::new();
    }
    let gone: Vec<&Person> = previous
        .people
        .iter()
        .filter(|p| p.kind == kind && !now.contains(p.id.as_str()))
        .collect();
    if gone.is_empty() {
        return Vec::new();
    }
    let cur_ctx = Context::new(current);
    let prev_ctx = Context::new(previous);
    // Blocking: a candidate shares at least one key (every rule needs one).
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in gone.iter().enumerate() {
        for k in prev_ctx.keys(p) {
            index.entry(k).or_default().push(i);
        }
    }
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    let mut claimed: HashMap<usize, usize> = HashMap::new();
    for (n, p) in fresh.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for k in cur_ctx.keys(p) {
            if let Some(v) = index.get(&k) {
                seen.extend(v.iter().copied());
            }
        }
        let mut fits: Vec<usize> = seen.into_iter().filter(|&o| same_person(p, &cur_ctx, gone[o], &prev_ctx)).collect();
        // Two namesakes without a birth date: the one sharing a group or a contact, if only one does.
        if fits.len() > 1 {
            let strong: Vec<usize> = fits.iter().copied().filter(|&o| shares_group_or_contact(p, gone[o])).collect();
            if strong.len() == 1 {
                fits = strong;
            }
        }
        for &o in &fits {
            *claimed.entry(o).or_default() += 1;
        }
        if let [o] = fits.as_slice() {
            candidates.push((n, *o));
        }
    }
    candidates
        .into_iter()
        .filter(|(_, o)| claimed.get(o) == Some(&1))
        .map(|(n, o)| Pin {
            natural: fresh[n].id.clone(),
            pinned: gone[o].id.clone(),
            kind,
        })
        .collect()
}

/// What the rules look at besides the person: children and staff roles by id.
struct Context<'a> {
    children: HashMap<&'a str, BTreeSet<&'a str>>,
    roles: HashMap<&'a str, BTreeSet<(&'a str, &'a str)>>,
}

impl<'a> Context<'a> {
    fn new(r: &'a Roster) -> Context<'a> {
        let mut children: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for g in &r.guardians {
            children.entry(g.parent_id.as_str()).or_default().insert(g.student_id.as_str());
        }
        let mut roles: HashMap<&str, BTreeSet<(&str, &str)>> = HashMap::new();
        for s in &r.staff_roles {
            roles
                .entry(s.person_id.as_str())
                .or_default()
                .insert((s.branch.as_str(), s.position.as_str()));
        }
        Context { children, roles }
    }

    fn keys(&self, p: &Person) -> Vec<String> {
        let mut k = Vec::new();
        if let Some(s) = &p.snils_hash {
            k.push(format!("snils\u{1f}{s}"));
        }
        if let Some(s) = &p.phone {
            k.push(format!("phone\u{1f}{s}"));
        }
        if let Some(s) = &p.email {
            k.push(format!("email\u{1f}{s}"));
        }
        for g in &p.groups {
            k.push(format!("group\u{1f}{}\u{1f}{}", g.branch, g.group));
        }
        // A student without a birth date is keyed by the group: one who changed groups (a
        // class split, a transfer) is found by the name in the branch.
        if p.kind == PersonKind::Student && p.birth_date.is_none() {
            for b in &p.branches {
                k.push(format!("undated\u{1f}{b}\u{1f}{}", p.name.key()));
            }
        }
        for c in self.children.get(p.id.as_str()).into_iter().flatten() {
            k.push(format!("child\u{1f}{c}"));
        }
        if let Some(r) = self.roles.get(p.id.as_str()) {
            k.push(format!("roles\u{1f}{r:?}"));
        }
        k
    }
}

fn both<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x == y)
}

fn shares_contact(a: &Person, b: &Person) -> bool {
    both(&a.phone, &b.phone) || both(&a.email, &b.email)
}

fn fold(s: &str) -> String {
    crate::normalize::text_key(s)
}

/// The same name written the same way (case, ё/е and spaces aside).
fn same_name(a: &PersonName, b: &PersonName) -> bool {
    a.key() == b.key()
}

/// A corrected spelling: the full names at most two letters apart.
fn close_name(a: &PersonName, b: &PersonName) -> bool {
    let (x, y) = (a.key(), b.key());
    let (lx, ly) = (x.chars().count(), y.chars().count());
    // Bounded: a name is short; a huge cell is never compared letter by letter.
    lx.abs_diff(ly) <= 2 && lx.max(ly) <= 128 && strsim::damerau_levenshtein(&x, &y) <= 2
}

/// A changed surname (the same first name and patronymic), or a corrected spelling.
fn similar_name(a: &PersonName, b: &PersonName) -> bool {
    (!a.first_name.is_empty() && fold(&a.first_name) == fold(&b.first_name) && fold(&a.patronymic) == fold(&b.patronymic))
        || close_name(a, b)
}

fn shares_group_or_contact(a: &Person, b: &Person) -> bool {
    shares_contact(a, b) || a.groups.iter().any(|g| b.groups.contains(g))
}

fn same_person(new: &Person, nc: &Context, old: &Person, oc: &Context) -> bool {
    if both(&new.snils_hash, &old.snils_hash) {
        return true;
    }
    // A different СНИЛС on both sides is a different person.
    if new.snils_hash.is_some() && old.snils_hash.is_some() {
        return false;
    }
    match new.kind {
        PersonKind::Student => {
            let shares = shares_contact(new, old) || new.groups.iter().any(|g| old.groups.contains(g));
            let corrected_name = new.birth_date.is_some() && new.birth_date == old.birth_date && close_name(&new.name, &old.name);
            let corrected_birth = new.birth_date != old.birth_date && same_name(&new.name, &old.name);
            // No birth date on either side (the id is made with the group): the same name in
            // a shared group — a group renamed, or the class moved up a year.
            let undated = new.birth_date.is_none() && old.birth_date.is_none() && same_name(&new.name, &old.name);
            let same_branch = new.branches.iter().any(|b| old.branches.contains(b));
            (shares && (corrected_name || corrected_birth || undated)) || (undated && same_branch)
        }
        PersonKind::Parent => {
            let shared_child = match (nc.children.get(new.id.as_str()), oc.children.get(old.id.as_str())) {
                (Some(a), Some(b)) => !a.is_disjoint(b),
                _ => false,
            };
            (shares_contact(new, old) && similar_name(&new.name, &old.name)) || (shared_child && close_name(&new.name, &old.name))
        }
        PersonKind::Staff => {
            let same_roles = nc.roles.contains_key(new.id.as_str()) && nc.roles.get(new.id.as_str()) == oc.roles.get(old.id.as_str());
            (shares_contact(new, old) && similar_name(&new.name, &old.name)) || (same_roles && close_name(&new.name, &old.name))
        }
    }
}

#[cfg(test)]
mod tests;
