//! Parents: one person per name + phone, name + e-mail, or name + child; each linked to the
//! merged children their rows name.

use super::super::context::Findings;
use super::super::fields::Observation;
use super::super::model::{Guardian, Person, PersonKind};
use super::{Ids, UnionFind, adult, yo_count};
use crate::ingest::Ingested;
use crate::problem::Rule;
use std::collections::{BTreeSet, HashMap};

pub(in crate::roster) struct Parents {
    pub people: Vec<Person>,
    pub guardians: Vec<Guardian>,
}

/// `child_of_parent[i]`: the index in `students` of the child parent row `i` names.
pub(in crate::roster) fn merge(
    parents: &[Observation],
    child_of_parent: &[Option<usize>],
    students: &[Person],
    ids: &mut Ids<'_>,
    found: &mut Findings,
    ing: &Ingested,
) -> Parents {
    let mut uf = UnionFind::new(parents.len());
    let mut by: HashMap<String, usize> = HashMap::new();
    for (i, p) in parents.iter().enumerate() {
        let keys = [
            p.phone.as_ref().map(|x| format!("p|{}|{x}", p.key)),
            p.email.as_ref().map(|x| format!("e|{}|{x}", p.key)),
            child_of_parent[i].map(|c| format!("c|{}|{c}", p.key)),
        ];
        for k in keys.into_iter().flatten() {
            match by.get(&k) {
                Some(&j) => uf.union(i, j),
                None => {
                    by.insert(k, i);
                }
            }
        }
    }

    let mut out = Parents {
        people: Vec::new(),
        guardians: Vec::new(),
    };
    for cluster in uf.clusters() {
        let obs: Vec<&Observation> = cluster.iter().map(|i| &parents[*i]).collect();
        let first = obs[0];
        // The same parent and child twice in one file.
        let mut seen = BTreeSet::new();
        for &i in &cluster {
            if !seen.insert((parents[i].source, child_of_parent[i])) {
                found.problem(
                    Rule::DuplicatePerson,
                    parents[i].loc.location(ing),
                    Some(&parents[i].branch),
                    parents[i].name.full(),
                    "этот родитель с этим же ребёнком уже есть в файле выше; удалите повтор (записи объединены)",
                );
            }
        }
        let phone = obs.iter().find_map(|o| o.phone.clone());
        let mail = obs.iter().find_map(|o| o.email.clone());
        let children: Vec<usize> = {
            let mut v: Vec<usize> = cluster.iter().filter_map(|i| child_of_parent[*i]).collect();
            v.sort();
            v.dedup();
            v
        };
        let mut branches: Vec<String> = children.iter().flat_map(|c| students[*c].branches.clone()).collect();
        if branches.is_empty() {
            // No child on the roster (left out for an error): the branch of the parent's rows.
            branches = obs.iter().map(|o| o.branch.clone()).collect();
        }
        branches.sort();
        branches.dedup();
        let branch_label = branches.first().cloned().unwrap_or_else(|| first.branch.clone());
        if phone.is_none() && mail.is_none() {
            found.problem(
                Rule::ParentWithoutContact,
                first.loc.location(ing),
                Some(&branch_label),
                first.name.full(),
                "нет ни телефона, ни e-mail: ссылку-приглашение не передать; узнайте контакт через классного руководителя/куратора",
            );
        }
        let name = obs
            .iter()
            .map(|o| &o.name)
            .max_by_key(|n| (!n.patronymic.is_empty(), yo_count(n)))
            .cloned()
            .unwrap_or_default();
        // A parent is known by name and children: a new phone number keeps the id.
        let kids: Vec<String> = children.iter().map(|c| students[*c].id.clone()).collect();
        let key = if kids.is_empty() {
            format!("parent|{}|{}", name.key(), phone.clone().or(mail.clone()).unwrap_or_default())
        } else {
            format!("parent|{}|{}", name.key(), kids.join(","))
        };
        let id = ids.mint("p", &key);
        for &c in &children {
            let relation = cluster
                .iter()
                .filter(|i| child_of_parent[**i] == Some(c))
                .find_map(|i| parents[*i].relation.clone())
                .map(|r| r.to_lowercase())
                .unwrap_or_default();
            out.guardians.push(Guardian {
                student_id: students[c].id.clone(),
                parent_id: id.clone(),
                relation,
            });
        }
        out.people
            .push(adult(PersonKind::Parent, id, name, branches, phone, mail, &obs, ing));
    }
    out
}
