//! Building the roster, as passes with typed inputs and outputs:
//!
//! 1. [`sources::resolve`]: which branch and kind every record belongs to, and every group
//!    spelling per branch;
//! 2. [`fields::parse`]: names, dates, phones, e-mails and СНИЛС into observations;
//! 3. [`merge`]: students, then parents (who point at merged children), then staff, each
//!    clustered into people with stable ids;
//! 4. [`groups::build`]: group names, curators and courses, then the cross-record rules
//!    ([`rules`]).
//!
//! Every pass appends what it finds wrong to one [`Findings`], so problems keep the order
//! in which the passes meet them.

use super::model::*;
use super::order::NaturalKey;
use super::{fields, groups, merge, rules, sources, teaching};
use crate::ingest::Ingested;
use crate::problem::Problem;
use std::collections::HashMap;

pub use super::context::BuildContext;
use super::context::Findings;

/// Takes the raw records out of `ing` (its sheets keep their group rows and titles): they
/// are freed as they are parsed, so a large list is never held as records and as
/// observations at once.
pub fn build(ctx: &BuildContext<'_>, ing: &mut Ingested) -> (Roster, Vec<Problem>) {
    let mut found = Findings::default();
    let records = ing.sheets.iter_mut().map(|s| std::mem::take(&mut s.records.records)).collect();
    let ing: &Ingested = ing;
    let mut resolved = sources::resolve(ctx.cfg, ing, records, &mut found);
    let (load, people_records) = std::mem::take(&mut resolved.records)
        .into_iter()
        .partition(|r| r.kind == crate::config::SourceKind::Teaching);
    resolved.records = people_records;
    let observed = fields::parse(ctx, ing, &mut resolved, &mut found);

    let mut ids = merge::Ids::new(ctx.salt);
    let students = merge::students::merge(ctx.cfg, observed.students, &observed.parents, &mut ids, &mut found, ing);
    let parents = merge::parents::merge(
        &observed.parents,
        &students.child_of_parent,
        &students.people,
        &mut ids,
        &mut found,
        ing,
    );
    let staff = merge::staff::merge(&observed.staff, &mut ids, &mut found, ing);

    let groups = groups::build(
        ctx.cfg,
        ing,
        &resolved,
        groups::Known {
            students: &students.people,
            sightings: students.sightings,
            curators: staff.curators,
        },
        &mut found,
    );

    let mut roster = Roster {
        people: students.people,
        groups,
        guardians: parents.guardians,
        staff_roles: staff.roles,
        teaching: Vec::new(),
        load_gaps: Vec::new(),
        dropped: Vec::new(),
    };
    roster.people.extend(parents.people);
    roster.people.extend(staff.people);
    (roster.teaching, roster.load_gaps) = teaching::resolve(ing, load, &resolved.namer, &roster.people, &roster.groups, &mut found);
    rules::students_without_parents(ctx.cfg.profile, &roster, &mut found);

    roster.dropped = found.dropped;
    roster.guardians.sort();
    roster
        .staff_roles
        .sort_by(|a, c| a.person_id.cmp(&c.person_id).then_with(|| a.branch.cmp(&c.branch)));
    let branch_order: HashMap<&str, usize> = ctx.cfg.branches.iter().enumerate().map(|(i, x)| (x.name.as_str(), i)).collect();
    // Keys computed once per person, not once per comparison; a group's natural order is
    // a rank worked out once per group name (a natural key per person would be a vector of
    // strings each).
    let group_rank = natural_ranks(roster.people.iter().map(first_group));
    roster.people.sort_by_cached_key(|p| {
        (
            p.kind as u8,
            p.branches.first().and_then(|x| branch_order.get(x.as_str()).copied()),
            group_rank[first_group(p)],
            p.name.key(),
            p.id.clone(),
        )
    });
    (roster, found.problems)
}

fn first_group(p: &Person) -> &str {
    p.groups.first().map(|g| g.group.as_str()).unwrap_or("")
}

/// Each name's place in natural order ([`NaturalKey`]); names whose keys are equal share it.
fn natural_ranks<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut distinct: Vec<(NaturalKey, &str)> = names
        .collect::<std::collections::HashSet<_>>()
        .into_iter()
        .map(|n| (NaturalKey::new(n), n))
        .collect();
    distinct.sort();
    let mut ranks = HashMap::with_capacity(distinct.len());
    let mut rank = 0;
    for (i, (key, name)) in distinct.iter().enumerate() {
        if i > 0 && distinct[i - 1].0 != *key {
            rank += 1;
        }
        ranks.insert(name.to_string(), rank);
    }
    ranks
}
