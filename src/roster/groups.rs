//! Pass 4: the groups — every group a student is in or a curator is named for, with its
//! curators (from the staff lists and from group rows «Куратор: Иванова И.И.») and course.

use super::context::Findings;
use super::merge::staff::Curators;
use super::merge::students::GroupSightings;
use super::model::{Group, Person};
use super::order::natural_cmp;
use super::sources::Resolved;
use crate::config::Config;
use crate::ingest::Ingested;
use crate::normalize::names::parse_short_name;
use crate::problem::Rule;
use crate::profile::Profile;
use std::collections::{BTreeSet, HashMap};

/// What the merged people say about groups.
pub(super) struct Known<'p> {
    /// The merged students.
    pub students: &'p [Person],
    pub sightings: GroupSightings,
    pub curators: Curators,
}

pub(super) fn build(cfg: &Config, ing: &Ingested, resolved: &Resolved<'_>, known: Known<'_>, found: &mut Findings) -> Vec<Group> {
    let Known {
        students,
        mut sightings,
        mut curators,
    } = known;
    curators_from_group_rows(ing, resolved, &mut curators, &mut sightings, found);

    let mut group_keys: BTreeSet<(String, String)> = BTreeSet::new();
    for p in students {
        for g in &p.groups {
            group_keys.insert((g.branch.clone(), g.group.clone()));
        }
    }
    for k in curators.of_group.keys() {
        group_keys.insert(k.clone());
    }
    let branch_order: HashMap<&str, usize> = cfg.branches.iter().enumerate().map(|(i, x)| (x.name.as_str(), i)).collect();
    let mut keys: Vec<(String, String)> = group_keys.into_iter().collect();
    keys.sort_by(|a, c| {
        branch_order
            .get(a.0.as_str())
            .cmp(&branch_order.get(c.0.as_str()))
            .then_with(|| natural_cmp(&a.1, &c.1))
    });
    let mut students_in: HashMap<(String, String), usize> = HashMap::new();
    for p in students {
        for g in &p.groups {
            *students_in.entry((g.branch.clone(), g.group.clone())).or_insert(0) += 1;
        }
    }
    let profile = cfg.profile;
    let mut groups = Vec::with_capacity(keys.len());
    for key in keys {
        let curator_ids = curators.of_group.get(&key).cloned().unwrap_or_default();
        let found_at = sightings.first_seen.get(&key).cloned().unwrap_or_default();
        let (branch, name) = key;
        if curator_ids.is_empty() && students_in.get(&(branch.clone(), name.clone())).copied().unwrap_or(0) > 0 {
            found.problem(
                Rule::GroupWithoutCurator,
                found_at.clone(),
                Some(&branch),
                name.clone(),
                format!(
                    "у группы нет ответственного ({}); впишите группу в столбец «Классное руководство» списка сотрудников",
                    profile.curator_word()
                ),
            );
        }
        let course = sightings
            .courses
            .get(&(branch.clone(), name.clone()))
            .and_then(|m| m.iter().max_by_key(|(_, n)| **n).map(|(c, _)| c.clone()))
            .or_else(|| {
                // A school class's parallel is its number: «5А» → 5.
                let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
                (profile == Profile::School && !digits.is_empty()).then_some(digits)
            });
        groups.push(Group {
            branch,
            name,
            course,
            curator_ids,
            found_at,
        });
    }
    groups
}

/// Curators named in group rows («Куратор: Иванова И.И.»), found among the staff by
/// surname and initials; the courses those rows give.
fn curators_from_group_rows(
    ing: &Ingested,
    resolved: &Resolved<'_>,
    curators: &mut Curators,
    sightings: &mut GroupSightings,
    found: &mut Findings,
) {
    for (sheet, branch) in ing.sheets.iter().zip(&resolved.sheet_branches) {
        let Some(branch) = branch else {
            continue;
        };
        for g in &sheet.records.group_rows {
            let group = resolved.namer.canonical(branch, &g.group);
            if let Some(c) = &g.curator {
                let loc = ing.location(sheet, &g.at);
                let who = parse_short_name(c).and_then(|k| curators.by_initials.get(&k)).and_then(|cands| {
                    let here: Vec<&(String, Vec<String>)> = cands.iter().filter(|(_, br)| br.contains(branch)).collect();
                    match (here.len(), cands.len()) {
                        (1, _) => Some(here[0].0.clone()),
                        (0, 1) => Some(cands[0].0.clone()),
                        _ => None,
                    }
                });
                match who {
                    Some(id) => {
                        let ids = curators.of_group.entry((branch.clone(), group.clone())).or_default();
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    None => found.problem(Rule::UnknownCurator, loc, Some(branch), c.clone(),
                        "куратора с такой фамилией и инициалами нет в списке сотрудников; добавьте его в список сотрудников или исправьте строку группы"),
                }
            }
            if let Some(c) = &g.course {
                sightings.count_course(branch, &group, c);
            }
        }
    }
}
