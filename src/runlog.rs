//! `OUT/run.json`: every output the tool wrote — by which command, when, from which inputs
//! (the change set's hash where there is one) and whether it is stale (its stage failed in a
//! later run, so it no longer goes with the files beside it). Only files listed there are
//! ever replaced or deleted: a file rollout did not write is never touched.
//!
//! A command that writes outputs calls [`begin`] once; from then on [`crate::files`] checks
//! and records every write under that folder. The list is updated before a file is moved
//! into place, so a run killed at any point leaves every output it replaced listed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file's name inside OUT.
pub const FILE: &str = "run.json";

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Entry {
    /// The command that wrote it: `run`, `letters`, `plan remind` …
    pub command: String,
    /// When, UTC, RFC 3339.
    pub written: String,
    /// The hash of the inputs it was made from, where there is one (the change set's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<String>,
    /// Its stage failed in a later run: it no longer goes with the outputs beside it.
    #[serde(default)]
    pub stale: bool,
    /// Which stage, for people («сравнение с платформой»).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_stage: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct RunLog {
    pub version: u32,
    /// Path relative to OUT (with `/`) → entry.
    pub outputs: BTreeMap<String, Entry>,
}

impl Default for RunLog {
    fn default() -> Self {
        RunLog {
            version: 1,
            outputs: BTreeMap::new(),
        }
    }
}

struct Active {
    out: PathBuf,
    command: String,
    log: RunLog,
}

/// Every output folder a command of this process writes into: one for a single command;
/// `rollout region run` writes into each organisation's own and the region's at once, from
/// several threads. A path belongs to the folder it is deepest inside.
static ACTIVE: Mutex<Vec<Active>> = Mutex::new(Vec::new());

fn active() -> std::sync::MutexGuard<'static, Vec<Active>> {
    ACTIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The output folder `path` is in (the deepest one), if a command writes there.
fn owner<'a>(list: &'a [Active], path: &Path) -> Option<&'a Active> {
    list.iter()
        .filter(|a| path.starts_with(&a.out))
        .max_by_key(|a| a.out.components().count())
}

fn owner_mut<'a>(list: &'a mut [Active], path: &Path) -> Option<&'a mut Active> {
    let depth = owner(list, path).map(|a| a.out.clone())?;
    list.iter_mut().find(|a| a.out == depth)
}

/// The list in `out`; none yet (or unreadable) is an empty list, so nothing there is ours.
pub fn load(out: &Path) -> RunLog {
    std::fs::read(out.join(FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// A command that writes outputs into `out` starts here: temporary files that killed or
/// failed runs left are removed, and every later write under `out` is checked and listed.
pub fn begin(out: &Path, command: &str) {
    crate::files::remove_stale_temps(out);
    crate::files::set_hooks(crate::files::Hooks {
        is_out_root,
        check_file,
        check_dir,
        record,
    });
    let log = if out.join(FILE).exists() { load(out) } else { adopt(out) };
    let mut list = active();
    list.retain(|a| a.out != out);
    list.push(Active {
        out: out.to_path_buf(),
        command: command.to_string(),
        log,
    });
}

/// The command writing into `out` is done with it (a region's organisation): its writes
/// are no longer listed there.
pub fn end(out: &Path) {
    active().retain(|a| a.out != out);
}

/// Where rollout writes inside OUT: a file there is rollout's own in an output folder made
/// before run.json existed. Letters are known by their folders and extensions, so a user's
/// document beside them is never taken for one.
fn is_known_output(rel: &str) -> bool {
    const FILES: [&str; 13] = [
        "summary.json",
        "problems.csv",
        "problems.xlsx",
        "problems-excel.csv",
        "changes.json",
        "changes.xlsx",
        "matches.csv",
        "matching-summary.json",
        "report.html",
        "usage.xlsx",
        "links/status.xlsx",
        "links/status-excel.csv",
        "plan/calendar.ics",
    ];
    let ext = |exts: &[&str]| exts.iter().any(|e| rel.ends_with(e));
    FILES.contains(&rel)
        || (rel.starts_with("roster/") && ext(&[".csv", ".xlsx"]))
        || (rel.starts_with("plan/remind/") && ext(&[".txt"]))
        || (rel.starts_with("letters/parents/") && ext(&[".txt", ".html", ".eml"]))
        || (rel.starts_with("letters/curators/") && ext(&[".html"]))
        || (rel.starts_with("letters/staff/") && ext(&[".txt"]))
        || (rel.starts_with("letters/slips/") && ext(&[".html", ".svg"]))
        || (rel.starts_with("letters/lists/") && ext(&[".xlsx", ".csv"]))
}

/// Whether `out` was written by a rollout before run.json: its roster is there, as rollout
/// writes it.
fn made_by_rollout(out: &Path) -> bool {
    std::fs::read_to_string(out.join("roster").join("people.csv")).is_ok_and(|t| t.starts_with("person_id,kind,surname,first_name"))
}

/// The list for an output folder that has none: a folder written by a rollout before
/// run.json (its roster is there), whose outputs are known by their paths and taken as
/// rollout's once; anything else in it stays foreign. Any other folder gives an empty list.
fn adopt(out: &Path) -> RunLog {
    let mut log = RunLog::default();
    if !made_by_rollout(out) {
        return log;
    }
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            let path = e.path();
            let Ok(rel) = path.strip_prefix(out) else { continue };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if kind.is_dir() && rel.matches('/').count() < 4 {
                stack.push(path);
            } else if kind.is_file() && is_known_output(&rel) {
                log.outputs.insert(
                    rel,
                    Entry {
                        command: "прежняя версия rollout".into(),
                        ..Entry::default()
                    },
                );
            }
        }
    }
    log
}

/// Whether `dir` is the output folder itself (a user may make it a link).
pub fn is_out_root(dir: &Path) -> bool {
    active().iter().any(|a| a.out == dir)
}

/// `path` relative to OUT, when it is an output: under OUT, not run.json, not the state.
fn rel_of(a: &Active, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(&a.out).ok()?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    if rel.is_empty() || rel == FILE || rel.starts_with(".rollout/") {
        return None;
    }
    Some(rel)
}

/// Refuses to replace a file under OUT that rollout did not write.
pub fn check_file(path: &Path) -> std::io::Result<()> {
    let guard = active();
    let Some(a) = owner(&guard, path) else { return Ok(()) };
    let Some(rel) = rel_of(a, path) else { return Ok(()) };
    let present = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    if present && !a.log.outputs.contains_key(&rel) {
        return Err(std::io::Error::other(format!(
            "этот файл записал не rollout (его нет в {}) — rollout не заменяет чужие файлы; переложите его или укажите другую папку --out",
            a.out.join(FILE).display()
        )));
    }
    Ok(())
}

/// Refuses to replace a folder under OUT holding a file (or link) rollout did not write.
pub fn check_dir(dir: &Path) -> std::io::Result<()> {
    let guard = active();
    let Some(a) = owner(&guard, dir) else { return Ok(()) };
    let mut foreign = None;
    find_foreign(a, dir, &mut foreign);
    match foreign {
        Some(p) => Err(std::io::Error::other(format!(
            "в ней есть файл, который rollout не записывал: {} — rollout не удаляет чужие файлы; переложите его или укажите другую папку --out",
            p.display()
        ))),
        None => Ok(()),
    }
}

fn find_foreign(a: &Active, dir: &Path, found: &mut Option<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if found.is_some() {
            return;
        }
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            find_foreign(a, &p, found);
        } else if !rel_of(a, &p).is_some_and(|r| a.log.outputs.contains_key(&r)) {
            *found = Some(p);
        }
    }
}

/// Lists `paths` as written now by the current command (fresh, not stale). With `under`,
/// entries below that folder not among `paths` are dropped (the folder was swapped whole).
pub fn record(paths: &[PathBuf], under: Option<&Path>) -> std::io::Result<()> {
    let mut guard = active();
    // The paths of one call are in one folder (a file, or the files of a folder swapped whole).
    let Some(first) = under.or(paths.first().map(PathBuf::as_path)) else {
        return Ok(());
    };
    let Some(a) = owner_mut(&mut guard, first) else { return Ok(()) };
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let rels: Vec<String> = paths.iter().filter_map(|p| rel_of(a, p)).collect();
    if let Some(dir) = under.and_then(|d| rel_of(a, d)) {
        let prefix = format!("{dir}/");
        let keep: std::collections::HashSet<&String> = rels.iter().collect();
        a.log.outputs.retain(|k, _| !k.starts_with(&prefix) || keep.contains(k));
    }
    if rels.is_empty() && under.is_none() {
        return Ok(());
    }
    for rel in rels {
        a.log.outputs.insert(
            rel,
            Entry {
                command: a.command.clone(),
                written: now.clone(),
                inputs: None,
                stale: false,
                stale_stage: None,
            },
        );
    }
    save(a)
}

fn save(a: &Active) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(&a.log).map_err(std::io::Error::other)?;
    crate::files::write_atomic(&a.out.join(FILE), &bytes, false)
}

/// Notes the inputs' hash of outputs just written (`rels` relative to OUT).
pub fn set_inputs(out: &Path, rels: &[&str], hash: &str) -> std::io::Result<()> {
    let mut guard = active();
    let Some(a) = guard.iter_mut().find(|a| a.out == out) else {
        return Ok(());
    };
    for rel in rels {
        if let Some(e) = a.log.outputs.get_mut(*rel) {
            e.inputs = Some(hash.to_string());
        }
    }
    save(a)
}

/// Marks outputs of a stage that failed in this run as stale (those listed and present).
pub fn mark_stale(out: &Path, rels: &[&str], stage: &str) -> std::io::Result<()> {
    let mut guard = active();
    let Some(a) = guard.iter_mut().find(|a| a.out == out) else {
        return Ok(());
    };
    let mut changed = false;
    for rel in rels {
        if let Some(e) = a.log.outputs.get_mut(*rel)
            && a.out.join(rel).is_file()
        {
            e.stale = true;
            e.stale_stage = Some(stage.to_string());
            changed = true;
        }
    }
    if changed { save(a) } else { Ok(()) }
}

/// The stale outputs in `out` that are still there: (path relative to OUT, stage).
pub fn stale(out: &Path) -> Vec<(String, String)> {
    load(out)
        .outputs
        .into_iter()
        .filter(|(rel, e)| e.stale && out.join(rel).is_file())
        .map(|(rel, e)| (rel, e.stale_stage.unwrap_or_default()))
        .collect()
}
