//! Movement: what changed between two recorded rosters, by person id. Who arrived and who
//! left are anti-joins of the two `people` tables, who stayed is their inner join (polars);
//! the stayers' rows are then compared column by column, their groups, branches and staff
//! roles looked up by id — one pass over each table, never a comparison of every pair.
//!
//! The teaching load's lines (teacher, group, subject) that came and went are anti-joins of
//! the two `teaching` tables, compared only when both records have a load that is not empty (a record made
//! before the load was kept has none).
//!
//! The outputs hold ids, branches, groups and subjects only: no names, phones or e-mails.

use crate::roster::{PersonKind, Roster};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::{Column, DataFrame, IntoLazy, JoinArgs, JoinType, col};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What changed for one person (one row of `movement.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    Arrived,
    Left,
    Moved,
    Contact,
    Name,
    BirthDate,
    Position,
    CuratedGroups,
    /// A line of the teaching load (teacher, group, subject) that is new.
    LoadJoined,
    /// A line of the teaching load that is gone.
    LoadLeft,
}

impl ChangeKind {
    /// The load's kinds (not in [`ChangeKind::ALL`], the people's).
    pub const LOAD: [ChangeKind; 2] = [ChangeKind::LoadJoined, ChangeKind::LoadLeft];

    /// Whether the change is of the teaching load (`kind` = `teaching` in `movement.csv`).
    pub fn is_load(self) -> bool {
        matches!(self, ChangeKind::LoadJoined | ChangeKind::LoadLeft)
    }

    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::Arrived,
        ChangeKind::Left,
        ChangeKind::Moved,
        ChangeKind::Contact,
        ChangeKind::Name,
        ChangeKind::BirthDate,
        ChangeKind::Position,
        ChangeKind::CuratedGroups,
    ];

    /// The stable code of `movement.csv`.
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::Arrived => "arrived",
            ChangeKind::Left => "left",
            ChangeKind::Moved => "moved",
            ChangeKind::Contact => "contact",
            ChangeKind::Name => "name",
            ChangeKind::BirthDate => "birth_date",
            ChangeKind::Position => "position",
            ChangeKind::CuratedGroups => "curated_groups",
            ChangeKind::LoadJoined => "joined",
            ChangeKind::LoadLeft => "left",
        }
    }

    /// For people (the terminal summary and `movement.xlsx`).
    pub fn ru(self) -> &'static str {
        match self {
            ChangeKind::Arrived => "прибыли",
            ChangeKind::Left => "выбыли",
            ChangeKind::Moved => "переведены",
            ChangeKind::Contact => "сменили контакт",
            ChangeKind::Name => "исправлено ФИО",
            ChangeKind::BirthDate => "исправлена дата рождения",
            ChangeKind::Position => "сменили должность",
            ChangeKind::CuratedGroups => "сменилось кураторство",
            ChangeKind::LoadJoined => "нагрузка добавлена",
            ChangeKind::LoadLeft => "нагрузка снята",
        }
    }
}

/// One change of one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub person_id: String,
    pub kind: PersonKind,
    pub change: ChangeKind,
    /// What changed: `phone`, `email`, `surname|first_name`, `birth_date`, `group`,
    /// `branch`, `position`, `curated_groups`; empty for arrivals and departures; the
    /// subject for a line of the load.
    pub field: String,
    pub branch_from: String,
    pub group_from: String,
    pub branch_to: String,
    pub group_to: String,
}

impl Change {
    /// The branch a change is counted under in the summary: where the person is now, or
    /// where they were for a departure (the first of several).
    pub fn branch(&self) -> &str {
        let b = if self.branch_to.is_empty() {
            &self.branch_from
        } else {
            &self.branch_to
        };
        b.split('|').next().unwrap_or("")
    }
}

/// The tables of one roster that movement compares.
pub struct Frames {
    pub people: DataFrame,
    pub memberships: DataFrame,
    pub staff: DataFrame,
    /// None for a record made before the load was kept.
    pub teaching: Option<DataFrame>,
}

/// The tables of the recorded roster `run`.
pub fn frames(root: &Path, run: u64) -> Result<Frames> {
    let d = super::dir(root).join(run.to_string());
    if !d.join(super::META).is_file() {
        anyhow::bail!("в истории нет списка № {run} (rollout movement --list покажет, какие есть)");
    }
    Ok(Frames {
        people: super::read_parquet(&d.join("people.parquet"))?,
        memberships: super::read_parquet(&d.join("memberships.parquet"))?,
        staff: super::read_parquet(&d.join("staff.parquet"))?,
        teaching: match d.join(super::TEACHING) {
            p if p.exists() => Some(super::read_parquet(&p)?),
            _ => None,
        },
    })
}

/// The tables of a roster in memory, as a record would hold them.
pub fn frames_of(roster: &Roster) -> Result<Frames> {
    let mut t: HashMap<&str, DataFrame> = super::tables(roster)?.into_iter().collect();
    let mut take = |n: &str| t.remove(n).with_context(|| format!("нет таблицы {n}"));
    Ok(Frames {
        people: take("people.parquet")?,
        memberships: take("memberships.parquet")?,
        staff: take("staff.parquet")?,
        teaching: Some(take(super::TEACHING)?),
    })
}

/// Where a person is: a student's branches and groups, anyone else's branches.
#[derive(Default, Clone, PartialEq, Eq)]
struct Place {
    branches: Vec<String>,
    groups: Vec<(String, String)>,
}

impl Place {
    fn branch(&self) -> String {
        self.branches.join("|")
    }
    fn group(&self) -> String {
        self.groups.iter().map(|(_, g)| g.as_str()).collect::<Vec<_>>().join("|")
    }
}

fn places(m: &DataFrame) -> Result<HashMap<String, Place>> {
    let id = super::strs(m, "person_id")?;
    let branch = super::strs(m, "branch")?;
    let group = super::strs(m, "group")?;
    let mut out: HashMap<String, Place> = HashMap::new();
    for i in 0..m.height() {
        let Some(pid) = id[i].clone() else { continue };
        let p = out.entry(pid).or_default();
        let b = branch[i].clone().unwrap_or_default();
        if let Some(g) = &group[i] {
            p.groups.push((b.clone(), g.clone()));
        }
        if !p.branches.contains(&b) {
            p.branches.push(b);
        }
    }
    for p in out.values_mut() {
        p.branches.sort();
        p.groups.sort();
    }
    Ok(out)
}

/// Staff roles by person: branch → (position, curated groups).
type Roles = HashMap<String, BTreeMap<String, (String, String)>>;

fn roles(s: &DataFrame) -> Result<Roles> {
    let id = super::strs(s, "person_id")?;
    let branch = super::strs(s, "branch")?;
    let position = super::strs(s, "position")?;
    let curated = super::strs(s, "curated_groups")?;
    let mut out: Roles = HashMap::new();
    for i in 0..s.height() {
        let Some(pid) = id[i].clone() else { continue };
        let mut groups = super::split_lines(&curated[i]);
        groups.sort();
        out.entry(pid).or_default().insert(
            branch[i].clone().unwrap_or_default(),
            (position[i].clone().unwrap_or_default(), groups.join("|")),
        );
    }
    Ok(out)
}

/// `person_id` and `kind` of the people of `a` missing from `b` (an anti-join).
fn missing(a: &DataFrame, b: &DataFrame) -> Result<Vec<(String, PersonKind)>> {
    let df = a
        .clone()
        .lazy()
        .select([col("person_id"), col("kind")])
        .join(
            b.clone().lazy().select([col("person_id")]),
            [col("person_id")],
            [col("person_id")],
            JoinArgs::new(JoinType::Anti),
        )
        .collect()?;
    let id = super::strs(&df, "person_id")?;
    let kind = super::strs(&df, "kind")?;
    Ok(id
        .into_iter()
        .zip(kind)
        .filter_map(|(i, k)| Some((i?, crate::state::kind_from(k.as_deref().unwrap_or("")))))
        .collect())
}

const COMPARED: [&str; 6] = ["surname", "first_name", "patronymic", "birth_date", "phone", "email"];

/// Every change from `from` to `to`, sorted by kind of change, then person kind, then id.
pub fn compare(from: &Frames, to: &Frames) -> Result<Vec<Change>> {
    let (place_from, place_to) = (places(&from.memberships)?, places(&to.memberships)?);
    let (roles_from, roles_to) = (roles(&from.staff)?, roles(&to.staff)?);
    let none = Place::default();
    let mut out = Vec::new();
    let row = |pid: &str, kind, change, field: &str, a: &Place, b: &Place| Change {
        person_id: pid.to_string(),
        kind,
        change,
        field: field.to_string(),
        branch_from: a.branch(),
        group_from: a.group(),
        branch_to: b.branch(),
        group_to: b.group(),
    };
    for (pid, kind) in missing(&to.people, &from.people)? {
        out.push(row(&pid, kind, ChangeKind::Arrived, "", &none, place_to.get(&pid).unwrap_or(&none)));
    }
    for (pid, kind) in missing(&from.people, &to.people)? {
        out.push(row(&pid, kind, ChangeKind::Left, "", place_from.get(&pid).unwrap_or(&none), &none));
    }

    // Who is on both: one inner join, the `to` side's columns suffixed.
    let mut cols = vec![col("person_id"), col("kind")];
    cols.extend(COMPARED.iter().map(|c| col(*c)));
    let both = from
        .people
        .clone()
        .lazy()
        .select(cols.clone())
        .join(
            to.people.clone().lazy().select(cols),
            [col("person_id")],
            [col("person_id")],
            JoinArgs::new(JoinType::Inner).with_suffix(Some("_to".into())),
        )
        .collect()?;
    let ids = super::strs(&both, "person_id")?;
    let kinds = super::strs(&both, "kind")?;
    let mut was = HashMap::new();
    let mut now = HashMap::new();
    for c in COMPARED {
        was.insert(c, super::strs(&both, c)?);
        now.insert(c, super::strs(&both, &format!("{c}_to"))?);
    }
    let differs = |c: &str, i: usize| was[c][i].as_deref().unwrap_or("") != now[c][i].as_deref().unwrap_or("");
    for i in 0..both.height() {
        let Some(pid) = ids[i].as_deref() else { continue };
        let kind = crate::state::kind_from(kinds[i].as_deref().unwrap_or(""));
        let a = place_from.get(pid).unwrap_or(&none);
        let b = place_to.get(pid).unwrap_or(&none);
        if a != b {
            let field = if kind == PersonKind::Student && a.branches == b.branches {
                "group"
            } else {
                "branch"
            };
            out.push(row(pid, kind, ChangeKind::Moved, field, a, b));
        }
        let name: Vec<&str> = ["surname", "first_name", "patronymic"]
            .into_iter()
            .filter(|c| differs(c, i))
            .collect();
        if !name.is_empty() {
            out.push(row(pid, kind, ChangeKind::Name, &name.join("|"), a, b));
        }
        if differs("birth_date", i) {
            out.push(row(pid, kind, ChangeKind::BirthDate, "birth_date", a, b));
        }
        for c in ["phone", "email"] {
            if differs(c, i) {
                out.push(row(pid, kind, ChangeKind::Contact, c, a, b));
            }
        }
        if kind == PersonKind::Staff {
            let empty = BTreeMap::new();
            let ra = roles_from.get(pid).unwrap_or(&empty);
            let rb = roles_to.get(pid).unwrap_or(&empty);
            for (branch, (pos_a, cur_a)) in ra {
                let Some((pos_b, cur_b)) = rb.get(branch) else { continue };
                let at = |g: &str| Change {
                    person_id: pid.to_string(),
                    kind,
                    change: ChangeKind::Position,
                    field: "position".into(),
                    branch_from: branch.clone(),
                    group_from: g.to_string(),
                    branch_to: branch.clone(),
                    group_to: String::new(),
                };
                if pos_a != pos_b {
                    out.push(at(""));
                }
                if cur_a != cur_b {
                    out.push(Change {
                        change: ChangeKind::CuratedGroups,
                        field: "curated_groups".into(),
                        group_from: cur_a.clone(),
                        group_to: cur_b.clone(),
                        ..at("")
                    });
                }
            }
        }
    }
    // An empty load on one side is a load file missing, not every teacher leaving (or
    // arriving): only two loads are compared.
    if let (Some(a), Some(b)) = (&from.teaching, &to.teaching)
        && a.height() > 0
        && b.height() > 0
    {
        out.extend(load_changes(a, b)?);
    }
    out.sort_by(|x, y| {
        (
            x.change,
            kind_rank(x.kind),
            &x.person_id,
            &x.field,
            &x.branch_from,
            &x.group_from,
            &x.branch_to,
            &x.group_to,
        )
            .cmp(&(
                y.change,
                kind_rank(y.kind),
                &y.person_id,
                &y.field,
                &y.branch_from,
                &y.group_from,
                &y.branch_to,
                &y.group_to,
            ))
    });
    Ok(out)
}

/// The load's key columns with the subject as a key (case and spaces aside): a subject
/// respelled is not a teacher leaving it.
fn load_keys(t: &DataFrame) -> Result<DataFrame> {
    let subject = super::strs(t, "subject")?;
    let key: Vec<Option<String>> = subject.iter().map(|s| s.as_deref().map(crate::normalize::text_key)).collect();
    let mut df = t.select(["person_id", "branch", "group", "subject"])?;
    df.with_column(Column::new("subject_key".into(), key))?;
    Ok(df)
}

/// The load's lines of `a` missing from `b` (an anti-join on teacher, branch, group and
/// subject): (person id, branch, group, subject as `a` names it).
fn load_missing(a: &DataFrame, b: &DataFrame) -> Result<Vec<[String; 4]>> {
    let on = || [col("person_id"), col("branch"), col("group"), col("subject_key")];
    let df = a
        .clone()
        .lazy()
        .join(b.clone().lazy().select(on()), on(), on(), JoinArgs::new(JoinType::Anti))
        .collect()?;
    let cols: Vec<Vec<Option<String>>> = ["person_id", "branch", "group", "subject"]
        .iter()
        .map(|c| super::strs(&df, c))
        .collect::<Result<_>>()?;
    Ok((0..df.height())
        .map(|i| std::array::from_fn(|c| cols[c][i].clone().unwrap_or_default()))
        .collect())
}

/// The lines of the load that came (`joined`) and went (`left`) from `a` to `b`.
fn load_changes(a: &DataFrame, b: &DataFrame) -> Result<Vec<Change>> {
    let (a, b) = (load_keys(a)?, load_keys(b)?);
    let mut out = Vec::new();
    for [pid, branch, group, subject] in load_missing(&a, &b)? {
        out.push(Change {
            person_id: pid,
            kind: PersonKind::Staff,
            change: ChangeKind::LoadLeft,
            field: subject,
            branch_from: branch,
            group_from: group,
            branch_to: String::new(),
            group_to: String::new(),
        });
    }
    for [pid, branch, group, subject] in load_missing(&b, &a)? {
        out.push(Change {
            person_id: pid,
            kind: PersonKind::Staff,
            change: ChangeKind::LoadJoined,
            field: subject,
            branch_from: String::new(),
            group_from: String::new(),
            branch_to: branch,
            group_to: group,
        });
    }
    Ok(out)
}

fn kind_rank(k: PersonKind) -> u8 {
    match k {
        PersonKind::Student => 0,
        PersonKind::Parent => 1,
        PersonKind::Staff => 2,
    }
}

/// The header of `movement.csv`.
pub const CSV_HEADER: [&str; 9] = [
    "person_id",
    "kind",
    "change",
    "field",
    "branch_from",
    "group_from",
    "branch_to",
    "group_to",
    "date",
];

/// The rows of `movement.csv`; `date` is the day the later roster was recorded (ISO).
pub fn csv_rows(changes: &[Change], date: NaiveDate) -> Vec<Vec<String>> {
    changes
        .iter()
        .map(|c| {
            vec![
                c.person_id.clone(),
                if c.change.is_load() {
                    "teaching".to_string()
                } else {
                    c.kind.code().to_string()
                },
                c.change.code().to_string(),
                c.field.clone(),
                c.branch_from.clone(),
                c.group_from.clone(),
                c.branch_to.clone(),
                c.group_to.clone(),
                date.to_string(),
            ]
        })
        .collect()
}

pub fn kind_ru(k: PersonKind) -> &'static str {
    match k {
        PersonKind::Student => "обучающийся",
        PersonKind::Parent => "родитель",
        PersonKind::Staff => "сотрудник",
    }
}

pub fn field_ru(f: &str) -> String {
    f.split('|')
        .map(|x| match x {
            "surname" => "фамилия",
            "first_name" => "имя",
            "patronymic" => "отчество",
            "birth_date" => "дата рождения",
            "phone" => "телефон",
            "email" => "e-mail",
            "group" => "группа",
            "branch" => "филиал",
            "position" => "должность",
            "curated_groups" => "кураторство",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// «нагрузка: +3 / −2» for a branch's counts, None without load changes.
pub fn load_summary(counts: &BTreeMap<ChangeKind, usize>) -> Option<String> {
    let joined = counts.get(&ChangeKind::LoadJoined).copied().unwrap_or(0);
    let left = counts.get(&ChangeKind::LoadLeft).copied().unwrap_or(0);
    (joined + left > 0).then(|| format!("нагрузка: +{joined} / −{left}"))
}

/// Counts per branch (sorted by name) and kind of change.
pub fn by_branch(changes: &[Change]) -> BTreeMap<String, BTreeMap<ChangeKind, usize>> {
    let mut out: BTreeMap<String, BTreeMap<ChangeKind, usize>> = BTreeMap::new();
    for c in changes {
        *out.entry(c.branch().to_string()).or_default().entry(c.change).or_default() += 1;
    }
    out
}

#[cfg(test)]
mod tests;
