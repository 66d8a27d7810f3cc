//! Staff: one person per name (a second branch is a second workplace), unless both rows
//! carry different phones and e-mails.

use super::super::context::Findings;
use super::super::fields::Observation;
use super::super::model::{Person, PersonKind, StaffRole};
use super::{Ids, UnionFind, adult, yo_count};
use crate::ingest::Ingested;
use crate::problem::Rule;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Who curates which group, and who may be meant by a short name («Иванова И.И.»).
#[derive(Debug, Default)]
pub(in crate::roster) struct Curators {
    /// (branch, group) → ids of its curators, in the order met.
    pub of_group: BTreeMap<(String, String), Vec<String>>,
    /// Surname and initials key → (id, branches) of each employee with them.
    pub by_initials: HashMap<String, Vec<(String, Vec<String>)>>,
}

pub(in crate::roster) struct Staff {
    pub people: Vec<Person>,
    pub roles: Vec<StaffRole>,
    pub curators: Curators,
}

pub(in crate::roster) fn merge(staff: &[Observation], ids: &mut Ids<'_>, found: &mut Findings, ing: &Ingested) -> Staff {
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in staff.iter().enumerate() {
        by_name.entry(s.key.as_str()).or_default().push(i);
    }
    let mut uf = UnionFind::new(staff.len());
    for members in by_name.values() {
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[..x] {
                let (a, c) = (&staff[i], &staff[j]);
                let phone_conflict = matches!((&a.phone, &c.phone), (Some(p), Some(q)) if p != q);
                let mail_conflict = matches!((&a.email, &c.email), (Some(p), Some(q)) if p != q);
                let same_contact = matches!((&a.phone, &c.phone), (Some(p), Some(q)) if p == q)
                    || matches!((&a.email, &c.email), (Some(p), Some(q)) if p == q);
                if same_contact || !(phone_conflict && mail_conflict) {
                    uf.union(i, j);
                    break;
                }
            }
        }
    }

    let mut out = Staff {
        people: Vec::new(),
        roles: Vec::new(),
        curators: Curators::default(),
    };
    for cluster in uf.clusters() {
        let obs: Vec<&Observation> = cluster.iter().map(|i| &staff[*i]).collect();
        let first = obs[0];
        let mut seen = BTreeSet::new();
        for o in &obs {
            if !seen.insert((o.source, o.branch.clone())) {
                found.problem(
                    Rule::DuplicatePerson,
                    o.loc.location(ing),
                    Some(&o.branch),
                    o.name.full(),
                    "этот сотрудник уже есть в файле выше с тем же филиалом; удалите повтор (записи объединены)",
                );
            }
        }
        let name = obs
            .iter()
            .map(|o| &o.name)
            .max_by_key(|n| (!n.patronymic.is_empty(), yo_count(n)))
            .cloned()
            .unwrap_or_default();
        let phone = obs.iter().find_map(|o| o.phone.clone());
        let mail = obs.iter().find_map(|o| o.email.clone());
        // Namesakes kept apart are told apart by a contact.
        let namesakes = by_name.get(first.key.as_str()).map_or(0, Vec::len);
        let key = format!(
            "staff|{}|{}",
            name.key(),
            if cluster.len() < namesakes {
                phone.clone().or(mail.clone()).unwrap_or_default()
            } else {
                String::new()
            }
        );
        let id = ids.mint("e", &key);
        let mut branches: Vec<String> = Vec::new();
        let mut roles: BTreeMap<String, StaffRole> = BTreeMap::new();
        for o in &obs {
            if !branches.contains(&o.branch) {
                branches.push(o.branch.clone());
            }
            let role = roles.entry(o.branch.clone()).or_insert_with(|| StaffRole {
                person_id: id.clone(),
                branch: o.branch.clone(),
                position: String::new(),
                curated_groups: Vec::new(),
            });
            if role.position.is_empty() {
                role.position = o.position.clone().unwrap_or_default();
            }
            for g in &o.curates {
                if !role.curated_groups.contains(g) {
                    role.curated_groups.push(g.clone());
                }
                let curator_ids = out.curators.of_group.entry((o.branch.clone(), g.clone())).or_default();
                if !curator_ids.contains(&id) {
                    curator_ids.push(id.clone());
                }
            }
        }
        out.curators
            .by_initials
            .entry(name.initials_key())
            .or_default()
            .push((id.clone(), branches.clone()));
        out.roles.extend(roles.into_values());
        out.people
            .push(adult(PersonKind::Staff, id, name, branches, phone, mail, &obs, ing));
    }
    out
}
