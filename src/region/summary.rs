//! `OUT/summary.json`: what one `rollout run` found, in counts only (no names, phones or
//! links) — people by kind, problems by severity, the platform's members by match, the
//! change set by action, the share joined per audience, the plan's milestones by state.
//! `rollout region status` builds the region's summary from these files without running
//! anything again.

use crate::changes::DiffOutcome;
use crate::config::Config;
use crate::matching::Status;
use crate::plans::measure::Usage;
use crate::plans::status::{Counts, StatusReport};
use crate::roster::{Loaded, PersonKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The file's name inside OUT.
pub const FILE: &str = "summary.json";

/// The format's version: a file of another one is read as «no summary».
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub version: u32,
    /// `[organization] name`.
    pub organization: String,
    /// The profile's code (`college`, `school`, …).
    pub profile: String,
    /// The day of the run (ISO): the data are as of this day.
    pub as_of: String,
    /// How the run ended: `clean`, `problems` (exit code 1) or `unreadable` (3).
    pub outcome: String,
    pub sources: Sources,
    pub roster: People,
    pub problems: Problems,
    /// None without a platform source, or when it could not be read.
    pub platform: Option<Platform>,
    pub changes: Option<Changes>,
    /// Who is in their chats; None without platform data (the shares are unknown, not zero).
    pub joined: Option<Joined>,
    /// The plans' milestones by state; None without plans.
    pub plan: Option<Counts>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    pub files: usize,
    pub sheets: usize,
    pub unreadable: usize,
    pub partly_read: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    pub students: usize,
    pub parents: usize,
    pub staff: usize,
    pub groups: usize,
    pub branches: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problems {
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub chats: usize,
    /// Chats placed in a branch, group and audience.
    pub chats_placed: usize,
    pub members: usize,
    pub matched: usize,
    pub review: usize,
    pub unknown: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub hash: String,
    /// `ready`, `held` or `approved`.
    pub status: String,
    pub actions: usize,
    /// Actions by kind code (`invite`, `remove`, …).
    pub by_kind: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    pub students: usize,
    pub students_joined: usize,
    pub parents: usize,
    pub parents_joined: usize,
    pub staff: usize,
    pub staff_joined: usize,
    pub groups: usize,
    /// Groups with every chat the profile requires.
    pub groups_complete: usize,
    pub chats_required: usize,
    pub chats_present: usize,
    /// Required chats with a current invite link.
    pub links: usize,
}

impl Joined {
    /// Adds another organisation's counts (the region's totals).
    pub fn merge(&mut self, j: &Joined) {
        self.students += j.students;
        self.students_joined += j.students_joined;
        self.parents += j.parents;
        self.parents_joined += j.parents_joined;
        self.staff += j.staff;
        self.staff_joined += j.staff_joined;
        self.groups += j.groups;
        self.groups_complete += j.groups_complete;
        self.chats_required += j.chats_required;
        self.chats_present += j.chats_present;
        self.links += j.links;
    }
}

/// What a run had at its end.
pub struct Facts<'a> {
    pub cfg: &'a Config,
    pub today: chrono::NaiveDate,
    /// `clean`, `problems` or `unreadable`.
    pub outcome: &'a str,
    pub loaded: &'a Loaded,
    pub diff: Option<&'a DiffOutcome>,
    pub usage: &'a Usage,
    pub status: Option<&'a StatusReport>,
}

impl RunSummary {
    pub fn of(f: &Facts<'_>) -> RunSummary {
        let l = f.loaded;
        let roster = &l.roster;
        let mut branches: Vec<&str> = roster.groups.iter().map(|g| g.branch.as_str()).collect();
        branches.extend(roster.people.iter().flat_map(|p| p.branches.iter().map(String::as_str)));
        branches.sort_unstable();
        branches.dedup();
        let platform = f.diff.map(|d| {
            let count = |s: Status| d.matches.iter().filter(|m| m.status == s).count();
            Platform {
                chats: d.chats.len(),
                chats_placed: d.chats.iter().filter(|(_, p)| p.is_ok()).count(),
                members: d.matches.len(),
                matched: count(Status::Matched),
                review: count(Status::Review),
                unknown: count(Status::Unknown),
            }
        });
        let changes = f.diff.map(|d| {
            let c = &d.changes;
            let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
            for a in &c.actions {
                *by_kind.entry(a.kind().code().to_string()).or_default() += 1;
            }
            Changes {
                hash: c.hash.clone(),
                status: serde_json::to_value(c.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                actions: c.actions.len(),
                by_kind,
            }
        });
        let t = &f.usage.total;
        let joined = f.usage.platform.then_some(Joined {
            students: t.students,
            students_joined: t.students_joined,
            parents: t.parents,
            parents_joined: t.parents_joined,
            staff: t.staff,
            staff_joined: t.staff_joined,
            groups: t.groups,
            groups_complete: t.groups_complete,
            chats_required: t.chats_required,
            chats_present: t.chats_present,
            links: t.links,
        });
        let plan = f.status.map(|r| {
            let mut c = Counts::default();
            for i in &r.items {
                c.add(i.state);
            }
            c
        });
        RunSummary {
            version: VERSION,
            organization: f.cfg.organization.name.clone(),
            profile: f.cfg.profile.code().to_string(),
            as_of: f.today.to_string(),
            outcome: f.outcome.to_string(),
            sources: Sources {
                files: l.files,
                sheets: l.sheets,
                unreadable: l.unreadable,
                partly_read: l.partly_read.len(),
            },
            roster: People {
                students: roster.count(PersonKind::Student),
                parents: roster.count(PersonKind::Parent),
                staff: roster.count(PersonKind::Staff),
                groups: roster.groups.len(),
                branches: branches.len(),
            },
            problems: Problems {
                errors: l.errors(),
                warnings: l.warnings(),
            },
            platform,
            changes,
            joined,
            plan,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// The summary in `out`: None when there is none (never run); why, in Russian, when it
    /// cannot be read or is of another version.
    pub fn load(out: &Path) -> Result<Option<RunSummary>, String> {
        let path = out.join(FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(format!(
                    "{}: не удалось прочитать ({}) — запустите rollout run в папке организации",
                    path.display(),
                    crate::error::cause_ru(&e)
                ));
            }
        };
        match serde_json::from_slice::<RunSummary>(&bytes) {
            Ok(s) if s.version == VERSION => Ok(Some(s)),
            Ok(s) => Err(format!(
                "{}: сводка версии {}, а эта версия rollout читает версию {VERSION} — запустите rollout run в папке организации",
                path.display(),
                s.version
            )),
            Err(_) => Err(format!(
                "{}: файл повреждён — запустите rollout run в папке организации, он запишет его заново",
                path.display()
            )),
        }
    }
}
