//! Students: merged by СНИЛС, name + birth date, and name + group; children named in
//! parents' exports join the pool so they merge with the lists.

use super::super::chunks;
use super::super::context::Findings;
use super::super::fields::Observation;
use super::super::model::{GroupRef, Person, PersonKind};
use super::{Ids, UnionFind, yo_count};
use crate::config::Config;
use crate::ingest::Ingested;
use crate::normalize::groups::group_key;
use crate::problem::{Location, Rule};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where each group was seen among the merged students, and the courses written for it.
#[derive(Debug, Default)]
pub(in crate::roster) struct GroupSightings {
    /// (branch, group) → the first cell that names it.
    pub first_seen: BTreeMap<(String, String), Location>,
    /// (branch, group) → course as written → how many records say so.
    pub courses: BTreeMap<(String, String), BTreeMap<String, usize>>,
}

impl GroupSightings {
    pub fn count_course(&mut self, branch: &str, group: &str, course: &str) {
        *self
            .courses
            .entry((branch.to_string(), group.to_string()))
            .or_default()
            .entry(course.to_string())
            .or_default() += 1;
    }
}

pub(in crate::roster) struct Students {
    /// The merged students, in the order of their first record.
    pub people: Vec<Person>,
    /// Per parent observation: the index in `people` of the child its row names, if any.
    pub child_of_parent: Vec<Option<usize>>,
    pub sightings: GroupSightings,
}

pub(in crate::roster) fn merge(
    cfg: &Config,
    students: Vec<Observation>,
    parents: &[Observation],
    ids: &mut Ids<'_>,
    found: &mut Findings,
    ing: &Ingested,
) -> Students {
    let mut pool: Vec<Observation> = students;
    pool.reserve_exact(parents.iter().filter(|p| p.child.is_some()).count());
    // Per parent: the child's index in the pool.
    let mut child_in_pool: Vec<Option<usize>> = Vec::with_capacity(parents.len());
    for par in parents {
        match &par.child {
            Some(c) => {
                child_in_pool.push(Some(pool.len()));
                pool.push((**c).clone());
            }
            None => child_in_pool.push(None),
        }
    }
    let mut uf = cluster(&pool);

    // Each observation is freed once its student is made, and the pool's memory a chunk at
    // a time: the records, the people and the observations not yet merged are never all
    // alive at once.
    let mut student_of_obs: Vec<Option<usize>> = vec![None; pool.len()];
    let mut pool = Pool::new(pool);
    let clusters = uf.clusters();
    let mut people: Vec<Person> = Vec::with_capacity(clusters.len());
    let mut sightings = GroupSightings::default();
    for cluster in clusters {
        let obs: Vec<Observation> = cluster.iter().filter_map(|i| pool.take(*i)).collect();
        let obs: Vec<&Observation> = obs.iter().collect();
        let Some(person) = one_student(cfg, &obs, ids, &mut sightings, found, ing) else {
            continue;
        };
        for i in &cluster {
            student_of_obs[*i] = Some(people.len());
        }
        people.push(person);
    }
    Students {
        people,
        child_of_parent: child_in_pool.iter().map(|c| c.and_then(|c| student_of_obs[c])).collect(),
        sightings,
    }
}

/// The observations being merged, in pieces ([`chunks`]): a piece is freed as soon as all of
/// its observations are taken. Clusters are taken in the order of their first observation,
/// so the pieces go in order while the people are made.
struct Pool {
    pieces: Vec<Vec<Option<Observation>>>,
    /// How many observations each piece still holds.
    left: Vec<usize>,
    piece_len: usize,
}

impl Pool {
    fn new(all: Vec<Observation>) -> Pool {
        let pieces: Vec<Vec<Option<Observation>>> = chunks::cut(all).into_iter().map(|p| p.into_iter().map(Some).collect()).collect();
        let left = pieces.iter().map(Vec::len).collect();
        Pool {
            pieces,
            left,
            piece_len: chunks::piece_len::<Observation>(),
        }
    }

    fn take(&mut self, i: usize) -> Option<Observation> {
        let p = i / self.piece_len;
        let o = self.pieces.get_mut(p)?.get_mut(i % self.piece_len)?.take()?;
        self.left[p] -= 1;
        if self.left[p] == 0 {
            self.pieces[p] = Vec::new();
        }
        Some(o)
    }
}

/// Calls `run` with the indices below `n` that have equal keys, in index order, for every
/// key that more than one index has; `None` is no key.
fn each_run<K: Ord>(n: usize, key: impl Fn(usize) -> Option<K>, mut run: impl FnMut(&[usize])) {
    let mut order: Vec<usize> = (0..n).filter(|i| key(*i).is_some()).collect();
    // Stable: equal keys keep index order.
    order.sort_by_key(|i| key(*i));
    let mut start = 0;
    for end in 1..=order.len() {
        if end == order.len() || key(order[end]) != key(order[start]) {
            if end - start > 1 {
                run(&order[start..end]);
            }
            start = end;
        }
    }
}

/// Which observations are one student.
fn cluster(pool: &[Observation]) -> UnionFind {
    let mut uf = UnionFind::new(pool.len());
    // Observations sharing a key are found by sorting their indices by it: a word per
    // observation where hash maps keyed by the borrowed strings took some 200 MiB for
    // 700,000 rows. The clusters do not depend on the order of the unions.
    each_run(
        pool.len(),
        |i| pool[i].snils.as_deref(),
        |members| {
            for w in members.windows(2) {
                uf.union(w[0], w[1]);
            }
        },
    );
    each_run(
        pool.len(),
        |i| pool[i].birth.map(|d| (pool[i].key.as_str(), d)),
        |members| {
            for w in members.windows(2) {
                uf.union(w[0], w[1]);
            }
        },
    );
    // A group's key made once per spelling, not once per record, and numbered.
    let mut key_ids: HashMap<String, usize> = HashMap::new();
    let mut spelling_ids: HashMap<&str, usize> = HashMap::new();
    for o in pool.iter() {
        if let Some(g) = &o.group
            && !spelling_ids.contains_key(g.as_str())
        {
            let next = key_ids.len();
            let id = *key_ids.entry(group_key(g)).or_insert(next);
            spelling_ids.insert(g.as_str(), id);
        }
    }
    let group_ids: Vec<Option<usize>> = pool.iter().map(|o| o.group.as_ref().map(|g| spelling_ids[g.as_str()])).collect();
    drop((key_ids, spelling_ids));
    // Same name in the same group: one person unless the student lists give two
    // different birth dates (namesakes). A child named in a parents' export with
    // another date joins the one student of that name (the dates conflict: a warning).
    each_run(
        pool.len(),
        |i| group_ids[i].map(|g| (pool[i].key.as_str(), pool[i].branch.as_str(), g)),
        |members| {
            let list_births: BTreeSet<NaiveDate> = members
                .iter()
                .filter(|i| pool[**i].from_list)
                .filter_map(|i| pool[*i].birth)
                .collect();
            let births: BTreeSet<NaiveDate> = members.iter().filter_map(|i| pool[*i].birth).collect();
            if births.len() <= 1 || list_births.len() <= 1 {
                for w in members.windows(2) {
                    uf.union(w[0], w[1]);
                }
            }
        },
    );
    drop(group_ids);
    // A child named in a parents' export without a group: by name alone if unique.
    if pool.iter().all(|o| o.group.is_some()) {
        return uf;
    }
    let mut by_name: HashMap<&str, BTreeSet<usize>> = HashMap::new();
    for (i, o) in pool.iter().enumerate() {
        by_name.entry(o.key.as_str()).or_default().insert(i);
    }
    for (i, o) in pool.iter().enumerate() {
        if o.group.is_none() {
            let cands: BTreeSet<usize> = by_name
                .get(o.key.as_str())
                .map(|s| s.iter().filter(|j| pool[**j].group.is_some()).map(|j| uf.find(*j)).collect())
                .unwrap_or_default();
            if cands.len() == 1 {
                let j = *cands.iter().next().unwrap_or(&i);
                uf.union(i, j);
            }
        }
    }
    uf
}

/// One cluster of observations as a student, or `None` when it is left out (no group, or
/// two groups where a student may have only one).
fn one_student(
    cfg: &Config,
    obs: &[&Observation],
    ids: &mut Ids<'_>,
    sightings: &mut GroupSightings,
    found: &mut Findings,
    ing: &Ingested,
) -> Option<Person> {
    let profile = cfg.profile;
    // Almost every student has one group: a vector grown by push would hold room for four.
    let mut memberships: Vec<GroupRef> = Vec::with_capacity(1);
    for o in obs {
        if let Some(g) = &o.group {
            let r = GroupRef {
                branch: o.branch.clone(),
                group: g.clone(),
            };
            if !memberships.contains(&r) {
                memberships.push(r);
            }
        }
    }
    let first = obs.iter().find(|o| o.from_list).unwrap_or(&obs[0]);
    if memberships.is_empty() {
        found.problem(
            Rule::MissingGroup,
            first.loc.location(ing),
            Some(&first.branch),
            first.name.full(),
            "группа ребёнка не указана и не найдена в списках обучающихся; добавьте столбец «Группа»/«Класс»",
        );
        found.leave_out(
            PersonKind::Student,
            Rule::MissingGroup,
            Some(first.name.clone()),
            Some(first.branch.clone()),
            first.loc.location(ing),
        );
        return None;
    }
    if memberships.len() > 1 && !profile.allows_several_groups() {
        let groups: Vec<String> = memberships
            .iter()
            .map(|m| {
                if cfg.implicit_branch {
                    m.group.clone()
                } else {
                    format!("{} / {}", m.branch, m.group)
                }
            })
            .collect();
        let places: Vec<String> = obs
            .iter()
            .filter(|o| o.from_list)
            .map(|o| {
                let loc = o.loc.location(ing);
                format!(
                    "{}{} {}",
                    loc.file,
                    if loc.sheet.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", loc.sheet)
                    },
                    loc.cell
                )
            })
            .collect();
        found.problem(
            Rule::StudentInTwoGroups,
            first.loc.location(ing),
            Some(&first.branch),
            groups.join(" | "),
            format!(
                "один человек записан в двух группах ({}); оставьте одну группу в источниках. Пока он не включён в список",
                places.join("; ")
            ),
        );
        found.leave_out(
            PersonKind::Student,
            Rule::StudentInTwoGroups,
            Some(first.name.clone()),
            Some(first.branch.clone()),
            first.loc.location(ing),
        );
        return None;
    }
    // The same student listed twice in one file.
    let mut seen: BTreeSet<(usize, String, String)> = BTreeSet::new();
    for o in obs.iter().filter(|o| o.from_list) {
        let k = (o.source, o.branch.clone(), o.group.as_deref().map(group_key).unwrap_or_default());
        if !seen.insert(k) {
            found.problem(
                Rule::DuplicatePerson,
                o.loc.location(ing),
                Some(&o.branch),
                o.name.full(),
                "этот обучающийся уже есть в файле выше; удалите повтор (записи объединены)",
            );
        }
    }
    // The student list's date wins over a parents' export.
    let birth = obs
        .iter()
        .filter(|o| o.from_list)
        .find_map(|o| o.birth)
        .or_else(|| obs.iter().find_map(|o| o.birth));
    let births: BTreeSet<NaiveDate> = obs.iter().filter_map(|o| o.birth).collect();
    if births.len() > 1 {
        let other = obs.iter().find(|o| o.birth.is_some() && o.birth != birth).unwrap_or(first);
        let at = other.birth_at.as_ref().unwrap_or(&other.loc).location(ing);
        let dates: Vec<String> = births.iter().map(|d| d.format("%d.%m.%Y").to_string()).collect();
        found.problem(
            Rule::BirthDateConflict,
            at,
            Some(&first.branch),
            dates.join(" | "),
            "в источниках разные даты рождения одного обучающегося; взята дата из списка обучающихся — исправьте ошибочную",
        );
    }
    if birth.is_none() && !obs.iter().any(|o| o.birth_given) {
        found.problem(
            Rule::MissingBirthDate,
            first.birth_at.as_ref().unwrap_or(&first.loc).location(ing),
            Some(&first.branch),
            first.name.full(),
            "нет даты рождения: она нужна, чтобы отличать однофамильцев; добавьте её в источник",
        );
    }
    // Prefer the fullest spelling, and the one with ё.
    let name = obs
        .iter()
        .map(|o| &o.name)
        .max_by_key(|n| (!n.patronymic.is_empty(), yo_count(n), n.full().len()))
        .cloned()
        .unwrap_or_default();
    for o in obs {
        if let Some(g) = &o.group {
            sightings
                .first_seen
                .entry((o.branch.clone(), g.clone()))
                .or_insert_with(|| o.group_loc.as_ref().unwrap_or(&o.loc).location(ing));
            if let Some(c) = &o.course {
                sightings.count_course(&o.branch, g, c);
            }
        }
    }
    let key = match birth {
        Some(d) => format!("student|{}|{d}", name.key()),
        None => format!(
            "student|{}|{}|{}",
            name.key(),
            memberships[0].branch,
            group_key(&memberships[0].group)
        ),
    };
    let id = ids.mint("s", &key);
    let mut branches: Vec<String> = memberships.iter().map(|m| m.branch.clone()).collect();
    branches.dedup();
    Some(Person {
        id,
        kind: PersonKind::Student,
        name,
        birth_date: birth,
        branches,
        groups: memberships,
        phone: obs.iter().find_map(|o| o.phone.clone()),
        email: obs.iter().find_map(|o| o.email.clone()),
        snils_hash: obs.iter().find_map(|o| o.snils.clone()),
        login: obs.iter().find_map(|o| o.login.clone()),
        external_id: obs.iter().find_map(|o| o.id.clone()),
        found_at: obs.iter().map(|o| o.loc.location(ing)).collect(),
    })
}
