//! The region: a folder of workspaces, one per organisation, run together by
//! `rollout region run` and summarised for the regional operator by `region run` and
//! `region status` — `REGION_OUT/region.xlsx`, a self-contained `region.html` and
//! `region.json` (counts only), and, from `region run`, the whole region's roster, matches
//! and change sets as Parquet (`REGION_OUT/parquet/`).
//!
//! A region folder either has a `region.toml` listing its workspaces
//! (`[[workspaces]] path = "…"`, relative to the folder, as `rollout-gen region` writes it)
//! or is taken as every subfolder holding a `rollout.toml`.

pub mod render;
pub mod summary;
pub mod tables;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use summary::RunSummary;

/// The file that lists a region's workspaces.
pub const REGION_FILE: &str = "region.toml";

/// One organisation's workspace in a region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its folder as the region names it (relative to the region's folder, with `/`): the
    /// `org` column of every region table.
    pub org: String,
    /// Its folder.
    pub root: PathBuf,
}

impl Member {
    pub fn config(&self) -> PathBuf {
        self.root.join("rollout.toml")
    }
    pub fn out(&self) -> PathBuf {
        self.root.join("out")
    }
}

/// A region's workspaces, in the order listed (or by folder name).
#[derive(Debug, Clone)]
pub struct Region {
    pub dir: PathBuf,
    /// `name` in region.toml, for the summary's title.
    pub name: Option<String>,
    pub members: Vec<Member>,
    /// Paths listed twice in region.toml (taken once), for a warning.
    pub duplicates: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionToml {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    workspaces: Vec<Listed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Listed {
    path: String,
}

/// `p` as the file system resolves it (links, `..`), for comparing folders: its deepest
/// existing ancestor made canonical, the rest appended.
pub fn real_path(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(c) = std::fs::canonicalize(cur) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return abs,
        }
    }
}

/// The workspaces of the region in `dir`: those region.toml lists, or every subfolder with
/// a rollout.toml. A listed folder that is missing is kept (its run fails and is named).
pub fn discover(dir: &Path) -> anyhow::Result<Region> {
    use anyhow::{Context, bail};
    if !dir.is_dir() {
        bail!(
            "{}: такой папки нет — укажите папку региона: в ней region.toml или папки рабочих мест организаций (в каждой свой rollout.toml)",
            dir.display()
        );
    }
    let listing = dir.join(REGION_FILE);
    if listing.is_file() {
        let text = std::fs::read_to_string(&listing).with_context(|| format!("не удалось прочитать {}", listing.display()))?;
        let parsed: RegionToml =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}{}", listing.display(), crate::serde_ru::toml_error(&text, &e)))?;
        if parsed.workspaces.is_empty() {
            bail!(
                "{}: не перечислено ни одного рабочего места — добавьте по разделу на организацию:\n  [[workspaces]]\n  path = \"school-0001\"",
                listing.display()
            );
        }
        let mut members: Vec<Member> = Vec::new();
        let mut duplicates = Vec::new();
        for l in parsed.workspaces {
            let org = l.path.trim().trim_end_matches('/').replace('\\', "/");
            if org.is_empty() {
                bail!("{}: пустой path в [[workspaces]] — укажите папку рабочего места", listing.display());
            }
            let root = dir.join(&org);
            // `a`, `./a/` and a link to it are one workspace
            if members.iter().any(|m| m.org == org || real_path(&m.root) == real_path(&root)) {
                duplicates.push(org);
                continue;
            }
            members.push(Member { org, root });
        }
        return Ok(Region {
            dir: dir.to_path_buf(),
            name: parsed.name.filter(|n| !n.trim().is_empty()),
            members,
            duplicates,
        });
    }
    let mut members: Vec<Member> = std::fs::read_dir(dir)
        .with_context(|| format!("не удалось прочитать папку {}", dir.display()))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| e.path().join("rollout.toml").is_file())
        .map(|e| Member {
            org: e.file_name().to_string_lossy().into_owned(),
            root: e.path(),
        })
        .collect();
    members.sort_by(|a, b| a.org.cmp(&b.org));
    if members.is_empty() {
        if dir.join("rollout.toml").is_file() {
            bail!(
                "{}: это рабочее место одной организации, а не регион — для него есть rollout run --config {}",
                dir.display(),
                dir.join("rollout.toml").display()
            );
        }
        bail!(
            "{}: рабочих мест нет — ни {REGION_FILE}, ни подпапок с rollout.toml; положите сюда папки организаций (rollout init ПАПКА) или перечислите их в {REGION_FILE}",
            dir.display()
        );
    }
    Ok(Region {
        dir: dir.to_path_buf(),
        name: None,
        members,
        duplicates: Vec::new(),
    })
}

/// How an organisation's last run ended, as the region's summary shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// The run stopped with an error: its outputs are the last good ones, or none.
    Failed,
    /// A source could not be read at all (exit code 3).
    Unreadable,
    /// Done, with problems in the data (exit code 1).
    Problems,
    /// Done, nothing to report.
    Clean,
    /// No run yet (no `out/summary.json`).
    NotRun,
}

impl RunState {
    pub fn code(self) -> &'static str {
        match self {
            RunState::Failed => "failed",
            RunState::Unreadable => "unreadable",
            RunState::Problems => "problems",
            RunState::Clean => "clean",
            RunState::NotRun => "not_run",
        }
    }

    pub fn ru(self) -> &'static str {
        match self {
            RunState::Failed => "ошибка",
            RunState::Unreadable => "источник не прочитан",
            RunState::Problems => "есть проблемы",
            RunState::Clean => "без проблем",
            RunState::NotRun => "не запускалась",
        }
    }

    /// The state a summary's outcome stands for.
    pub fn of_outcome(outcome: &str) -> RunState {
        match outcome {
            "clean" => RunState::Clean,
            "unreadable" => RunState::Unreadable,
            _ => RunState::Problems,
        }
    }
}

/// One organisation's row of the region's summary.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub org: String,
    /// The organisation's name (its folder when the workspace could not be read).
    pub name: String,
    pub state: RunState,
    /// Why the run failed (Russian, one line), for `Failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What its last run found; None when it never ran (or failed before its first).
    pub summary: Option<RunSummary>,
}

impl Row {
    /// The row of a workspace from what its last run left in `out/`: for `region status`
    /// and for a workspace whose run failed this time (`failed`: why).
    /// A failed workspace keeps only its name from the last summary: its counts are not
    /// this run's and stay out of the totals (as its rows stay out of the tables).
    pub fn from_last_run(m: &Member, failed: Option<String>) -> Row {
        let (summary, failed) = match (RunSummary::load(&m.out()), failed) {
            (Ok(s), f) => (s, f),
            // A summary that cannot be read is said, not taken for «never ran».
            (Err(e), None) => (None, Some(e)),
            (Err(_), f) => (None, f),
        };
        let state = match (&failed, &summary) {
            (Some(_), _) => RunState::Failed,
            (None, Some(s)) => RunState::of_outcome(&s.outcome),
            (None, None) => RunState::NotRun,
        };
        let name = summary
            .as_ref()
            .map(|s| s.organization.clone())
            .filter(|n| !n.trim().is_empty())
            .or_else(|| organisation_name(&m.config()))
            .unwrap_or_else(|| m.org.clone());
        let summary = if failed.is_some() { None } else { summary };
        Row {
            org: m.org.clone(),
            name,
            state,
            error: failed,
            summary,
        }
    }
}

/// `[organization] name` read from a rollout.toml that may not load as a whole.
fn organisation_name(config: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config).ok()?;
    let v: toml::Value = toml::from_str(&text).ok()?;
    let name = v.get("organization")?.get("name")?.as_str()?.trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// The region's totals: every organisation's counts added up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub organisations: usize,
    pub clean: usize,
    pub problems: usize,
    pub unreadable: usize,
    pub failed: usize,
    pub not_run: usize,
    /// Organisations whose platform data were measured (shares known).
    pub measured: usize,
    pub roster: summary::People,
    pub problems_found: summary::Problems,
    /// Over the measured organisations only.
    pub joined: summary::Joined,
    pub members: usize,
    pub unknown_members: usize,
    pub actions: usize,
    pub plan: crate::plans::status::Counts,
}

pub fn totals(rows: &[Row]) -> Totals {
    let mut t = Totals {
        organisations: rows.len(),
        ..Totals::default()
    };
    for r in rows {
        match r.state {
            RunState::Clean => t.clean += 1,
            RunState::Problems => t.problems += 1,
            RunState::Unreadable => t.unreadable += 1,
            RunState::Failed => t.failed += 1,
            RunState::NotRun => t.not_run += 1,
        }
        let Some(s) = &r.summary else { continue };
        t.roster.students += s.roster.students;
        t.roster.parents += s.roster.parents;
        t.roster.staff += s.roster.staff;
        t.roster.groups += s.roster.groups;
        t.roster.branches += s.roster.branches;
        t.problems_found.errors += s.problems.errors;
        t.problems_found.warnings += s.problems.warnings;
        if let Some(j) = &s.joined {
            t.measured += 1;
            t.joined.merge(j);
        }
        if let Some(p) = &s.platform {
            t.members += p.members;
            t.unknown_members += p.unknown;
        }
        if let Some(c) = &s.changes {
            t.actions += c.actions;
        }
        if let Some(p) = &s.plan {
            t.plan.merge(p);
        }
    }
    t
}

/// `region.json`: the rows and the totals, counts only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegionJson {
    pub version: u32,
    pub name: Option<String>,
    pub as_of: String,
    pub totals: Totals,
    pub organisations: Vec<Row>,
}
