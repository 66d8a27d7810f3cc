//! The roster history: every roster a run builds from fully readable sources is recorded
//! once per content hash, as Parquet tables in `.rollout/history/<run>/` (owner-only).
//! Movement between two rosters and the diff's leavers are exact-key comparisons of these
//! tables (by person id).
//!
//! A record is a folder named by its run number (`1`, `2`, …, never reused) holding
//! `people.parquet`, `memberships.parquet`, `groups.parquet`, `guardians.parquet`,
//! `staff.parquet`, `teaching.parquet` (the teaching load; records made before it was kept
//! have none: their load is unknown) and `meta.json`. It is built in a temporary folder and renamed into
//! place: a killed run leaves no half record.

use crate::normalize::names::PersonName;
use crate::problem::Location;
use crate::roster::{Group, GroupRef, Guardian, Person, PersonKind, Roster, StaffRole, Teaching};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::{Column, DataFrame, DataType, ParquetReader, ParquetWriter, SerReader};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One recorded roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The run number, as `movement --from/--to` take it.
    pub run: u64,
    /// SHA-256 hex of the roster's content (see [`content_hash`]).
    pub hash: String,
    /// The organisation's day it was recorded (`ROLLOUT_TODAY` when pinned).
    pub recorded_on: NaiveDate,
    /// Wall-clock time, for people: «2026-11-30 22:19».
    pub recorded_at: String,
    /// The command that built it (`ingest`, `diff`, `run`, …).
    pub command: String,
    pub students: usize,
    pub parents: usize,
    pub staff: usize,
}

pub mod movement;
pub mod pins;

const META: &str = "meta.json";

/// Left in the history folder when a roster was not recorded because a source could not
/// be read; removed by the next record. `movement` tells the user.
const SKIPPED: &str = "skipped.json";

/// A roster build that was not recorded: when, by which command, how many sources unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub on: NaiveDate,
    pub command: String,
    pub unreadable: usize,
    /// Sources read only in part (a damaged CSV); absent in notes of older versions.
    #[serde(default)]
    pub partly_read: usize,
}

/// Notes that the roster `command` built today was not recorded (sources unreadable or
/// read only in part).
pub fn note_skipped(root: &Path, command: &str, today: NaiveDate, unreadable: usize, partly_read: usize) -> Result<()> {
    let d = dir(root);
    crate::files::ensure_dir(&d).with_context(|| format!("не удалось создать папку истории {}", d.display()))?;
    let note = Skipped {
        on: today,
        command: command.to_string(),
        unreadable,
        partly_read,
    };
    crate::files::write_atomic(&d.join(SKIPPED), &serde_json::to_vec_pretty(&note)?, false)?;
    Ok(())
}

/// The latest roster build that was not recorded, when no record was made since.
pub fn skipped(root: &Path) -> Option<Skipped> {
    let bytes = std::fs::read(dir(root).join(SKIPPED)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Removes the records made before `before`, except the latest record (the next movement
/// and diff compare with it). Returns the runs removed.
pub fn forget_before(root: &Path, before: NaiveDate, keep: Option<&str>) -> Result<Vec<u64>> {
    let runs = list(root)?;
    let Some(latest) = runs.last().map(|i| i.run) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for i in runs
        .iter()
        .filter(|i| i.recorded_on < before && i.run != latest && Some(i.hash.as_str()) != keep)
    {
        let d = dir(root).join(i.run.to_string());
        // Renamed aside first: a half-removed record is never read as a record.
        let aside = dir(root).join(format!(".gone-{}-{}", i.run, std::process::id()));
        std::fs::rename(&d, &aside).with_context(|| format!("не удалось удалить {}", d.display()))?;
        std::fs::remove_dir_all(&aside).with_context(|| format!("не удалось удалить {}", aside.display()))?;
        removed.push(i.run);
    }
    Ok(removed)
}

/// `.rollout/history` of the workspace at `root`.
pub fn dir(root: &Path) -> PathBuf {
    root.join(".rollout").join("history")
}

/// The content hash of a roster: people, groups, guardianships, staff roles and the
/// teaching load, in id order; where in the sources they were found does not count. A
/// roster without a load hashes as it did before the load was kept (nothing of it is fed).
pub fn content_hash(roster: &Roster) -> String {
    let mut h = Sha256::new();
    let mut feed = |fields: &[&str]| {
        for f in fields {
            h.update(f.as_bytes());
            h.update([0x1f]);
        }
        h.update([0x1e]);
    };
    let mut people: Vec<&Person> = roster.people.iter().collect();
    people.sort_by(|a, b| a.id.cmp(&b.id));
    for p in people {
        let birth = p.birth_date.map(|d| d.to_string()).unwrap_or_default();
        let groups: Vec<String> = p.groups.iter().map(|g| format!("{}/{}", g.branch, g.group)).collect();
        feed(&[
            "p",
            &p.id,
            p.kind.code(),
            &p.name.surname,
            &p.name.first_name,
            &p.name.patronymic,
            &birth,
            &p.branches.join("\n"),
            &groups.join("\n"),
            p.phone.as_deref().unwrap_or(""),
            p.email.as_deref().unwrap_or(""),
            p.snils_hash.as_deref().unwrap_or(""),
            p.login.as_deref().unwrap_or(""),
            p.external_id.as_deref().unwrap_or(""),
        ]);
    }
    let mut groups: Vec<&Group> = roster.groups.iter().collect();
    groups.sort_by(|a, b| (&a.branch, &a.name).cmp(&(&b.branch, &b.name)));
    for g in groups {
        feed(&[
            "g",
            &g.branch,
            &g.name,
            g.course.as_deref().unwrap_or(""),
            &g.curator_ids.join("\n"),
        ]);
    }
    let mut guardians: Vec<&Guardian> = roster.guardians.iter().collect();
    guardians.sort();
    for g in guardians {
        feed(&["r", &g.student_id, &g.parent_id, &g.relation]);
    }
    let mut roles: Vec<&StaffRole> = roster.staff_roles.iter().collect();
    roles.sort();
    for r in roles {
        feed(&["s", &r.person_id, &r.branch, &r.position, &r.curated_groups.join("\n")]);
    }
    for t in sorted_load(&roster.teaching) {
        let hours = t.hours.map(|h| h.to_string()).unwrap_or_default();
        feed(&["t", &t.person_id, &t.branch, &t.group, &t.subject, &hours]);
    }
    hex::encode(h.finalize())
}

/// Every recorded roster, oldest first. A folder without a readable `meta.json` (not ours,
/// or damaged) is skipped.
pub fn list(root: &Path) -> Result<Vec<RunInfo>> {
    let d = dir(root);
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(&d) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("не удалось прочитать папку истории {}", d.display())),
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.parse::<u64>().is_err() {
            continue;
        }
        let Ok(bytes) = std::fs::read(e.path().join(META)) else { continue };
        if let Ok(info) = serde_json::from_slice::<RunInfo>(&bytes) {
            out.push(info);
        }
    }
    out.sort_by_key(|i| i.run);
    Ok(out)
}

/// The record of a roster with this content hash, if there is one.
pub fn find(root: &Path, hash: &str) -> Result<Option<RunInfo>> {
    Ok(list(root)?.into_iter().find(|i| i.hash == hash))
}

/// Records `roster` unless a record with the same content exists; returns the record and
/// whether it is new. The caller records only rosters built from fully readable sources.
pub fn record(root: &Path, roster: &Roster, command: &str, today: NaiveDate) -> Result<(RunInfo, bool)> {
    let hash = content_hash(roster);
    let runs = list(root)?;
    let _ = std::fs::remove_file(dir(root).join(SKIPPED));
    if let Some(existing) = runs.iter().find(|i| i.hash == hash) {
        let at = dir(root).join(existing.run.to_string());
        if looks_whole(&at) {
            return Ok((existing.clone(), false));
        }
        // A damaged record of this very roster: written anew under a new number.
        let aside = dir(root).join(format!(".gone-{}-{}", existing.run, std::process::id()));
        std::fs::rename(&at, &aside).map_err(|e| damaged(&at, &crate::files::io_ru(&e)))?;
        let _ = std::fs::remove_dir_all(&aside);
    }
    let d = dir(root);
    crate::files::ensure_dir(&d).with_context(|| format!("не удалось создать папку истории {}", d.display()))?;
    // Numbers are never reused: the next after the highest folder name ever seen.
    let mut run = runs.iter().map(|i| i.run).max().unwrap_or(0) + 1;
    while d.join(run.to_string()).exists() {
        run += 1;
    }
    let info = RunInfo {
        run,
        hash,
        recorded_on: today,
        recorded_at: chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
        command: command.to_string(),
        students: roster.count(PersonKind::Student),
        parents: roster.count(PersonKind::Parent),
        staff: roster.count(PersonKind::Staff),
    };
    let tmp = d.join(format!(".tmp-{run}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    crate::files::ensure_dir(&tmp)?;
    let written = (|| -> Result<()> {
        for (name, mut df) in tables(roster)? {
            write_parquet(&tmp.join(name), &mut df)?;
        }
        crate::files::write_atomic(&tmp.join(META), &serde_json::to_vec_pretty(&info)?, false)?;
        std::fs::rename(&tmp, d.join(run.to_string()))?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e.context(format!("не удалось записать историю списков в {}", d.display())));
    }
    Ok((info, true))
}

/// The load in a stable order: branch, group, subject, person.
fn sorted_load(load: &[Teaching]) -> Vec<&Teaching> {
    let mut v: Vec<&Teaching> = load.iter().collect();
    v.sort_by(|a, b| (&a.branch, &a.group, &a.subject, &a.person_id).cmp(&(&b.branch, &b.group, &b.subject, &b.person_id)));
    v
}

/// A recorded roster read back, and whether its teaching load is known.
pub struct Recorded {
    pub roster: Roster,
    /// False for a record made before the load was kept (no `teaching.parquet`): its
    /// `roster.teaching` is empty because nobody knows it, not because nobody taught.
    pub load_known: bool,
}

/// Reads back the roster recorded as `run`. Where people were found in the sources is not
/// kept: `found_at` is empty, and nothing is dropped.
pub fn load(root: &Path, run: u64) -> Result<Roster> {
    Ok(load_record(root, run)?.roster)
}

/// Reads back the roster recorded as `run`, saying whether its load is known.
pub fn load_record(root: &Path, run: u64) -> Result<Recorded> {
    let d = dir(root).join(run.to_string());
    if !d.join(META).is_file() {
        anyhow::bail!("в истории нет списка № {run} (rollout movement --list покажет, какие есть)");
    }
    let read = |name: &str| read_parquet(&d.join(name));
    let people = read("people.parquet")?;
    let memberships = read("memberships.parquet")?;
    let groups = read("groups.parquet")?;
    let guardians = read("guardians.parquet")?;
    let staff = read("staff.parquet")?;

    let mut roster = Roster::default();
    let mut index = std::collections::HashMap::new();
    {
        let id = strs(&people, "person_id")?;
        let kind = strs(&people, "kind")?;
        let surname = strs(&people, "surname")?;
        let first = strs(&people, "first_name")?;
        let patronymic = strs(&people, "patronymic")?;
        let birth = strs(&people, "birth_date")?;
        let phone = strs(&people, "phone")?;
        let email = strs(&people, "email")?;
        let snils = strs(&people, "snils_hash")?;
        let login = strs(&people, "login")?;
        let external = strs(&people, "external_id")?;
        for i in 0..people.height() {
            let pid = id[i].clone().unwrap_or_default();
            index.insert(pid.clone(), roster.people.len());
            roster.people.push(Person {
                id: pid,
                kind: crate::state::kind_from(kind[i].as_deref().unwrap_or("")),
                name: PersonName {
                    surname: surname[i].clone().unwrap_or_default(),
                    first_name: first[i].clone().unwrap_or_default(),
                    patronymic: patronymic[i].clone().unwrap_or_default(),
                },
                birth_date: birth[i].as_deref().and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
                branches: Vec::new(),
                groups: Vec::new(),
                phone: phone[i].clone(),
                email: email[i].clone(),
                snils_hash: snils[i].clone(),
                login: login[i].clone(),
                external_id: external[i].clone(),
                found_at: Vec::new(),
            });
        }
    }
    {
        let id = strs(&memberships, "person_id")?;
        let branch = strs(&memberships, "branch")?;
        let group = strs(&memberships, "group")?;
        for i in 0..memberships.height() {
            let Some(&at) = id[i].as_ref().and_then(|p| index.get(p)) else {
                continue;
            };
            let p = &mut roster.people[at];
            let b = branch[i].clone().unwrap_or_default();
            match &group[i] {
                Some(g) => p.groups.push(GroupRef {
                    branch: b,
                    group: g.clone(),
                }),
                None => p.branches.push(b),
            }
        }
    }
    for p in roster.people.iter_mut().filter(|p| p.kind == PersonKind::Student) {
        let mut b: Vec<String> = p.groups.iter().map(|g| g.branch.clone()).collect();
        b.dedup();
        b.append(&mut p.branches);
        p.branches = b;
    }
    {
        let branch = strs(&groups, "branch")?;
        let name = strs(&groups, "group")?;
        let course = strs(&groups, "course")?;
        let curators = strs(&groups, "curator_ids")?;
        for i in 0..groups.height() {
            roster.groups.push(Group {
                branch: branch[i].clone().unwrap_or_default(),
                name: name[i].clone().unwrap_or_default(),
                course: course[i].clone(),
                curator_ids: split_lines(&curators[i]),
                found_at: Location::default(),
            });
        }
    }
    {
        let student = strs(&guardians, "student_id")?;
        let parent = strs(&guardians, "parent_id")?;
        let relation = strs(&guardians, "relation")?;
        for i in 0..guardians.height() {
            roster.guardians.push(Guardian {
                student_id: student[i].clone().unwrap_or_default(),
                parent_id: parent[i].clone().unwrap_or_default(),
                relation: relation[i].clone().unwrap_or_default(),
            });
        }
    }
    {
        let id = strs(&staff, "person_id")?;
        let branch = strs(&staff, "branch")?;
        let position = strs(&staff, "position")?;
        let curated = strs(&staff, "curated_groups")?;
        for i in 0..staff.height() {
            roster.staff_roles.push(StaffRole {
                person_id: id[i].clone().unwrap_or_default(),
                branch: branch[i].clone().unwrap_or_default(),
                position: position[i].clone().unwrap_or_default(),
                curated_groups: split_lines(&curated[i]),
            });
        }
    }
    let load_known = d.join(TEACHING).exists();
    if load_known {
        let t = read(TEACHING)?;
        let id = strs(&t, "person_id")?;
        let branch = strs(&t, "branch")?;
        let group = strs(&t, "group")?;
        let subject = strs(&t, "subject")?;
        let hours: Vec<Option<f64>> = t.column("hours")?.f64()?.iter().collect();
        for i in 0..t.height() {
            roster.teaching.push(Teaching {
                person_id: id[i].clone().unwrap_or_default(),
                branch: branch[i].clone().unwrap_or_default(),
                group: group[i].clone().unwrap_or_default(),
                subject: subject[i].clone().unwrap_or_default(),
                hours: hours[i],
            });
        }
    }
    Ok(Recorded { roster, load_known })
}

/// The tables of one record: (file name, frame). `memberships` holds a student's groups
/// (branch + group) and everyone else's branches (group empty).
fn tables(roster: &Roster) -> Result<Vec<(&'static str, DataFrame)>> {
    let ps = &roster.people;
    let opt = |f: &dyn Fn(&Person) -> Option<String>| -> Vec<Option<String>> { ps.iter().map(f).collect() };
    let people = frame(vec![
        col("person_id", ps.iter().map(|p| Some(p.id.clone())).collect()),
        col("kind", ps.iter().map(|p| Some(p.kind.code().to_string())).collect()),
        col("surname", opt(&|p| Some(p.name.surname.clone()))),
        col("first_name", opt(&|p| Some(p.name.first_name.clone()))),
        col("patronymic", opt(&|p| Some(p.name.patronymic.clone()))),
        col("birth_date", opt(&|p| p.birth_date.map(|d| d.to_string()))),
        col("phone", opt(&|p| p.phone.clone())),
        col("email", opt(&|p| p.email.clone())),
        col("snils_hash", opt(&|p| p.snils_hash.clone())),
        col("login", opt(&|p| p.login.clone())),
        col("external_id", opt(&|p| p.external_id.clone())),
    ])?;
    let (mut m_id, mut m_branch, mut m_group) = (Vec::new(), Vec::new(), Vec::new());
    for p in ps {
        if p.kind == PersonKind::Student {
            for g in &p.groups {
                m_id.push(Some(p.id.clone()));
                m_branch.push(Some(g.branch.clone()));
                m_group.push(Some(g.group.clone()));
            }
            // A student's branch without a group (should not happen; kept if it does).
            for b in p.branches.iter().filter(|b| !p.groups.iter().any(|g| &g.branch == *b)) {
                m_id.push(Some(p.id.clone()));
                m_branch.push(Some(b.clone()));
                m_group.push(None);
            }
        } else {
            for b in &p.branches {
                m_id.push(Some(p.id.clone()));
                m_branch.push(Some(b.clone()));
                m_group.push(None);
            }
        }
    }
    let memberships = frame(vec![col("person_id", m_id), col("branch", m_branch), col("group", m_group)])?;
    let gs = &roster.groups;
    let groups = frame(vec![
        col("branch", gs.iter().map(|g| Some(g.branch.clone())).collect()),
        col("group", gs.iter().map(|g| Some(g.name.clone())).collect()),
        col("course", gs.iter().map(|g| g.course.clone()).collect()),
        col("curator_ids", gs.iter().map(|g| Some(g.curator_ids.join("\n"))).collect()),
    ])?;
    let gu = &roster.guardians;
    let guardians = frame(vec![
        col("student_id", gu.iter().map(|g| Some(g.student_id.clone())).collect()),
        col("parent_id", gu.iter().map(|g| Some(g.parent_id.clone())).collect()),
        col("relation", gu.iter().map(|g| Some(g.relation.clone())).collect()),
    ])?;
    let rs = &roster.staff_roles;
    let staff = frame(vec![
        col("person_id", rs.iter().map(|r| Some(r.person_id.clone())).collect()),
        col("branch", rs.iter().map(|r| Some(r.branch.clone())).collect()),
        col("position", rs.iter().map(|r| Some(r.position.clone())).collect()),
        col("curated_groups", rs.iter().map(|r| Some(r.curated_groups.join("\n"))).collect()),
    ])?;
    let ts = sorted_load(&roster.teaching);
    let teaching = frame(vec![
        col("person_id", ts.iter().map(|t| Some(t.person_id.clone())).collect()),
        col("branch", ts.iter().map(|t| Some(t.branch.clone())).collect()),
        col("group", ts.iter().map(|t| Some(t.group.clone())).collect()),
        col("subject", ts.iter().map(|t| Some(t.subject.clone())).collect()),
        Column::new("hours".into(), ts.iter().map(|t| t.hours).collect::<Vec<Option<f64>>>()),
    ])?;
    Ok(vec![
        ("people.parquet", people),
        ("memberships.parquet", memberships),
        ("groups.parquet", groups),
        ("guardians.parquet", guardians),
        ("staff.parquet", staff),
        (TEACHING, teaching),
    ])
}

/// The teaching load's table: `person_id`, `branch`, `group`, `subject` (text) and `hours`
/// (a number, empty when the load gives none).
const TEACHING: &str = "teaching.parquet";
const TEACHING_TEXT: [&str; 4] = ["person_id", "branch", "group", "subject"];

fn col(name: &str, values: Vec<Option<String>>) -> Column {
    Column::new(name.into(), values)
}

fn frame(columns: Vec<Column>) -> Result<DataFrame> {
    let height = columns.first().map(|c| c.len()).unwrap_or(0);
    Ok(DataFrame::new(height, columns)?)
}

fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(path)?;
    ParquetWriter::new(&f).finish(df)?;
    f.sync_all()?;
    Ok(())
}

/// The columns each table of a record has (all text).
const COLUMNS: [(&str, &[&str]); 5] = [
    (
        "people.parquet",
        &[
            "person_id",
            "kind",
            "surname",
            "first_name",
            "patronymic",
            "birth_date",
            "phone",
            "email",
            "snils_hash",
            "login",
            "external_id",
        ],
    ),
    ("memberships.parquet", &["person_id", "branch", "group"]),
    ("groups.parquet", &["branch", "group", "course", "curator_ids"]),
    ("guardians.parquet", &["student_id", "parent_id", "relation"]),
    ("staff.parquet", &["person_id", "branch", "position", "curated_groups"]),
];

/// A damaged record, for people: which, and what to do. The reader's own (English) words
/// are left out.
fn damaged(path: &Path, what: &str) -> anyhow::Error {
    let folder = path.parent().unwrap_or(path);
    anyhow::anyhow!(
        "{} — запись истории списков повреждена ({what}): удалите папку {} (rollout movement --list покажет оставшиеся списки); следующий rollout ingest, diff или run запишет текущий список заново",
        path.display(),
        folder.display()
    )
}

/// Reads one table of a record and checks it has its columns, all text.
pub(crate) fn read_parquet(path: &Path) -> Result<DataFrame> {
    let f = std::fs::File::open(path).map_err(|e| damaged(path, &format!("файл не открывается: {}", crate::files::io_ru(&e))))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|_| damaged(path, "это не таблица Parquet или она обрывается"))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let text: Option<&[&str]> = if name == TEACHING {
        Some(&TEACHING_TEXT)
    } else {
        COLUMNS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
    };
    if let Some(cols) = text {
        for c in cols {
            match df.column(c) {
                Ok(col) if col.str().is_ok() => {}
                Ok(_) => return Err(damaged(path, &format!("столбец {c} не текстовый"))),
                Err(_) => return Err(damaged(path, &format!("нет столбца {c}"))),
            }
        }
    }
    if name == TEACHING {
        match df.column("hours") {
            Ok(col) if col.dtype() == &DataType::Float64 => {}
            Ok(_) => return Err(damaged(path, "столбец hours не числовой")),
            Err(_) => return Err(damaged(path, "нет столбца hours")),
        }
    }
    Ok(df)
}

/// Whether every table of the record in `d` is whole: a Parquet file ends with `PAR1`
/// (a cut-off file does not). Cheap: the last four bytes of each. The load's table is
/// checked when there is one (older records have none).
fn looks_whole(d: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let teaching = d.join(TEACHING).exists().then_some(TEACHING);
    COLUMNS.iter().map(|(name, _)| *name).chain(teaching).all(|name| {
        let Ok(mut f) = std::fs::File::open(d.join(name)) else {
            return false;
        };
        let mut tail = [0u8; 4];
        f.seek(SeekFrom::End(-4)).is_ok() && f.read_exact(&mut tail).is_ok() && &tail == b"PAR1"
    })
}

/// A text column as owned values (`None` for a missing column's rows too).
fn strs(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let c = df.column(name).with_context(|| format!("в записи истории нет столбца {name}"))?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

fn split_lines(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .map(|s| s.split('\n').filter(|x| !x.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
