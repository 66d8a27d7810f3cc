//! Rules across records, checked on the built roster.

use super::context::Findings;
use super::model::{PersonKind, Roster};
use crate::problem::Rule;
use crate::profile::Profile;
use std::collections::BTreeSet;

/// Students without parents, where the profile expects parents (school and kindergarten).
pub(super) fn students_without_parents(profile: Profile, roster: &Roster, found: &mut Findings) {
    if !profile.expects_parents() {
        return;
    }
    let with_parents: BTreeSet<&str> = roster.guardians.iter().map(|g| g.student_id.as_str()).collect();
    for p in roster.people.iter().filter(|p| p.kind == PersonKind::Student) {
        if !with_parents.contains(p.id.as_str()) {
            found.problem(
                Rule::StudentWithoutParents,
                p.found_at[0].clone(),
                Some(&p.branches[0]),
                p.name.full(),
                "ни в одном источнике нет родителей этого ребёнка; добавьте их в выгрузку родителей",
            );
        }
    }
}
