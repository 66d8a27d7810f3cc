//! Plan files: TOML in `plans/`, one milestone per event row, expanded into instances per
//! branch. See `plans/college-binding.toml` for a whole plan written this way.
//!
//! ```toml
//! title = "План мероприятий …"
//! [aliases]                       # variant spellings → one person
//! "Одинцова Н.Н." = ["Одинцева Н.Н."]
//! [coordinators]                  # "{coordinators}" in owners, per branch
//! "Заречный филиал" = ["Орлова А.А."]
//!
//! [[milestones]]
//! id = "chats"
//! event = "Организация процесса выполнения привязок сотрудниками"
//! comment = "Создание чатов для студентов и родителей ({branch})"
//! owners = ["{coordinators}", "Кураторы групп"]
//! deadline = "26.02.2024-04.03.2024г."
//! scope = "each_branch"           # organization | branches | each_branch
//! depends_on = ["seminar"]
//! metrics = [{ kind = "groups_with_chats", target = 100 }]   # or completion = "manual"
//! ```

use super::deadline::{self, Window};
use crate::config::Config;
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    #[serde(default)]
    pub title: String,
    /// Where the plan comes from (an order, a regulation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The year for deadlines that name none and have no neighbouring row that does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub aliases: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub coordinators: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub milestones: Vec<MilestoneFile>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneFile {
    pub id: String,
    /// A short name for charts and the calendar (default: the start of the comment or event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The event (Мероприятие) as written; rows of one event share it.
    pub event: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owners: Vec<String>,
    /// The deadline as written: «20.02.2024- 29.02.2024г.», «в течение марта».
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub deadline: String,
    #[serde(default)]
    pub scope: Scope,
    /// For `scope = "branches"`: the sites, each with its own comment and owners.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Row>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// `manual`, or `metric` (implied by `metrics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<Completion>,
    /// Done when every metric reaches its target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub branch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owners: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Organization,
    Branches,
    EachBranch,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// Checked off by a person (`rollout plan done`), unless metrics are given.
    #[default]
    Manual,
    Metric,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Share of the branch's staff in the branch's staff chat.
    StaffInStaffChat,
    /// Share of the branch's groups that have every chat the profile requires.
    GroupsWithChats,
    /// Share of students in their group's chat.
    StudentsJoined,
    /// Share of parents in their child's group parents' chat.
    ParentsJoined,
    /// Share of the group chats that have a current invite link.
    LinkCoverage,
}

impl MetricKind {
    /// As written in plan files and kept in the state store.
    pub fn code(self) -> &'static str {
        match self {
            MetricKind::StaffInStaffChat => "staff_in_staff_chat",
            MetricKind::GroupsWithChats => "groups_with_chats",
            MetricKind::StudentsJoined => "students_joined",
            MetricKind::ParentsJoined => "parents_joined",
            MetricKind::LinkCoverage => "link_coverage",
        }
    }

    pub fn ru(self) -> &'static str {
        match self {
            MetricKind::StaffInStaffChat => "сотрудники в чате сотрудников",
            MetricKind::GroupsWithChats => "группы со всеми обязательными чатами",
            MetricKind::StudentsJoined => "обучающиеся в чатах групп",
            MetricKind::ParentsJoined => "родители в чатах родителей",
            MetricKind::LinkCoverage => "чаты групп со ссылкой-приглашением",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    pub kind: MetricKind,
    /// Percent, 0–100.
    pub target: f64,
    /// True when the metric only approximates what the milestone says.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub proxy: bool,
}

/// One milestone at one site (or for the whole organisation): what status is computed for.
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub id: String,
    /// A short name for charts and the calendar.
    pub title: String,
    /// None for the whole organisation.
    pub branch: Option<String>,
    pub event: String,
    pub comment: String,
    /// As written.
    pub owners: Vec<String>,
    pub deadline: String,
    pub window: Window,
    pub depends_on: Vec<String>,
    pub metrics: Vec<MetricSpec>,
    /// The plan file it comes from.
    pub plan: String,
}

impl Instance {
    pub fn key(&self) -> (String, String) {
        (self.id.clone(), self.branch.clone().unwrap_or_default())
    }
    pub fn manual(&self) -> bool {
        self.metrics.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub path: PathBuf,
    pub title: String,
    pub instances: Vec<Instance>,
    /// variant spelling (text key) → the name people are counted under.
    pub aliases: BTreeMap<String, String>,
}

impl Plan {
    /// The name an owner is counted under: the alias table's, as written otherwise.
    pub fn canonical_owner(&self, owner: &str) -> String {
        self.aliases
            .get(&crate::normalize::text_key(owner))
            .cloned()
            .unwrap_or_else(|| crate::normalize::clean_spaces(owner))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("не удалось прочитать {path}: {}", crate::files::IoRu(.source))]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}{error}")]
    Parse { path: PathBuf, error: crate::serde_ru::TomlError },
    #[error("{path}:\n  - {}", problems.join("\n  - "))]
    Invalid { path: PathBuf, problems: Vec<String> },
}

/// The plan files a command works on: `--plan FILE`, or every `*.toml` in `[plans] dir`.
/// The milestone ids the workspace's plans use, leaving out the plan at `except` (the one
/// an import is about to replace): a new plan's ids must differ from these.
pub fn ids_in_workspace(cfg: &Config, except: &Path) -> BTreeSet<String> {
    let mut taken = BTreeSet::new();
    for p in plan_paths(cfg, None) {
        if p.canonicalize().ok() == except.canonicalize().ok() {
            continue;
        }
        if let Ok(f) = std::fs::read_to_string(&p)
            .map_err(|_| ())
            .and_then(|t| toml::from_str::<PlanFile>(&t).map_err(|_| ()))
        {
            taken.extend(f.milestones.into_iter().map(|m| m.id));
        }
    }
    taken
}

pub fn plan_paths(cfg: &Config, explicit: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    let dir = cfg.root.join(&cfg.plans.dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

pub fn load(path: &Path, cfg: &Config) -> Result<Plan, PlanError> {
    let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file: PlanFile = toml::from_str(&text).map_err(|e| PlanError::Parse {
        path: path.to_path_buf(),
        error: crate::serde_ru::toml_error(&text, &e),
    })?;
    expand(&file, path, cfg)
}

/// Resolves a site name through the branches' names and aliases; as written otherwise.
fn site(resolver: &crate::roster::BranchResolver, raw: &str) -> String {
    resolver.resolve(raw).unwrap_or_else(|| crate::normalize::clean_spaces(raw))
}

pub fn expand(file: &PlanFile, path: &Path, cfg: &Config) -> Result<Plan, PlanError> {
    let resolver = crate::roster::BranchResolver::new(cfg);
    let mut problems = Vec::new();
    let mut aliases = BTreeMap::new();
    for (name, variants) in &file.aliases {
        for v in variants.iter().chain(std::iter::once(name)) {
            aliases.insert(crate::normalize::text_key(v), crate::normalize::clean_spaces(name));
        }
    }
    let coordinators: BTreeMap<String, Vec<String>> = file
        .coordinators
        .iter()
        .map(|(b, people)| (site(&resolver, b), people.clone()))
        .collect();
    let ids: BTreeSet<&str> = file.milestones.iter().map(|m| m.id.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut instances = Vec::new();
    // The year of the neighbouring rows: the last one seen that names its year.
    let mut year: (Option<i32>, Option<u32>) = (file.year, None);
    for (n, m) in file.milestones.iter().enumerate() {
        let at = format!("веха {} («{}»)", n + 1, m.id);
        if m.id.trim().is_empty() || m.id.contains(char::is_whitespace) {
            problems.push(format!("{at}: `id` — одно слово латиницей, например \"staff-seminar\""));
        }
        if !seen.insert(m.id.as_str()) {
            problems.push(format!("{at}: такой id уже есть в этом плане"));
        }
        for d in &m.depends_on {
            if !ids.contains(d.as_str()) {
                problems.push(format!("{at}: в depends_on указана веха \"{d}\", которой нет в этом плане"));
            }
            if d == &m.id {
                problems.push(format!("{at}: веха зависит сама от себя"));
            }
        }
        if m.completion == Some(Completion::Manual) && !m.metrics.is_empty() {
            problems.push(format!("{at}: completion = \"manual\" и `metrics` вместе — оставьте одно"));
        }
        if m.completion == Some(Completion::Metric) && m.metrics.is_empty() {
            problems.push(format!(
                "{at}: для completion = \"metric\" нужны `metrics = [{{ kind = …, target = … }}]`"
            ));
        }
        for x in &m.metrics {
            if !(0.0..=100.0).contains(&x.target) {
                problems.push(format!("{at}: цель метрики {} — не процент от 0 до 100", x.target));
            }
        }
        let parse = |raw: &str, year: &mut (Option<i32>, Option<u32>)| -> Result<Window, String> {
            if raw.trim().is_empty() {
                return Err(format!("{at}: не указан срок (`deadline`)"));
            }
            let ctx = deadline::Context {
                year: year.0,
                month: year.1,
                terms: &cfg.terms,
                school_year_end: cfg.school_year_end,
            };
            let w = deadline::parse(raw, &ctx).map_err(|e| format!("{at}: {e}"))?;
            if deadline::year_in(raw).is_some() {
                *year = (Some(w.end.year()), Some(w.end.month()));
            }
            Ok(w)
        };
        let base = if m.scope == Scope::Branches && m.deadline.trim().is_empty() {
            None
        } else {
            parse(&m.deadline, &mut year).map_err(|e| problems.push(e)).ok()
        };
        let make = |branch: Option<String>, comment: String, owners: Vec<String>, deadline: String, window: Window| Instance {
            id: m.id.clone(),
            title: m
                .title
                .clone()
                .unwrap_or_else(|| short_title(&m.event))
                .replace("{branch}", branch.as_deref().unwrap_or("")),
            event: m.event.replace("{branch}", branch.as_deref().unwrap_or("")),
            comment: comment.replace("{branch}", branch.as_deref().unwrap_or("")),
            owners,
            deadline,
            window,
            depends_on: m.depends_on.clone(),
            metrics: m.metrics.clone(),
            plan: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            branch,
        };
        let owners_at = |owners: &[String], branch: Option<&str>| -> Vec<String> {
            let mut v = Vec::new();
            for o in owners {
                if o.trim() == "{coordinators}" {
                    if let Some(b) = branch {
                        v.extend(coordinators.get(b).cloned().unwrap_or_default());
                    }
                } else {
                    v.push(o.clone());
                }
            }
            v
        };
        match m.scope {
            Scope::Organization => {
                if !m.rows.is_empty() {
                    problems.push(format!("{at}: `rows` бывают только при scope = \"branches\""));
                }
                if let Some(w) = base {
                    instances.push(make(None, m.comment.clone(), owners_at(&m.owners, None), m.deadline.clone(), w));
                }
            }
            Scope::EachBranch => {
                if !m.rows.is_empty() {
                    problems.push(format!(
                        "{at}: `rows` бывают только при scope = \"branches\"; при each_branch веха повторяется для каждого филиала rollout.toml со своими comment и owners"
                    ));
                }
                if let Some(w) = base {
                    for b in &cfg.branches {
                        let owners = owners_at(&m.owners, Some(&b.name));
                        instances.push(make(Some(b.name.clone()), m.comment.clone(), owners, m.deadline.clone(), w));
                    }
                }
            }
            Scope::Branches => {
                if m.rows.is_empty() {
                    problems.push(format!(
                        "{at}: при scope = \"branches\" нужны строки `[[milestones.rows]]`, в каждой — `branch`"
                    ));
                }
                for r in &m.rows {
                    let b = site(&resolver, &r.branch);
                    // With branches in rollout.toml a site must be one: a typo would be a new site.
                    if !cfg.implicit_branch && resolver.resolve(&r.branch).is_none() {
                        let near = cfg
                            .branches
                            .iter()
                            .map(|x| (strsim::jaro_winkler(&r.branch, &x.name), &x.name))
                            .filter(|(score, _)| *score > 0.85)
                            .max_by(|a, b| a.0.total_cmp(&b.0))
                            .map(|(_, n)| format!(" (может быть, «{n}»?)"))
                            .unwrap_or_default();
                        problems.push(format!(
                            "{at}: площадка «{}» — не филиал из rollout.toml{near}; добавьте её в [[branches]] (или в aliases филиала)",
                            r.branch
                        ));
                    }
                    let (deadline, w) = match &r.deadline {
                        Some(d) => (d.clone(), parse(d, &mut year).map_err(|e| problems.push(e)).ok()),
                        None => (m.deadline.clone(), base),
                    };
                    let Some(w) = w else {
                        if r.deadline.is_none() && m.deadline.trim().is_empty() {
                            problems.push(format!("{at}, {}: не указан срок (`deadline`)", r.branch));
                        }
                        continue;
                    };
                    let comment = r.comment.clone().unwrap_or_else(|| m.comment.clone());
                    let owners = owners_at(r.owners.as_ref().unwrap_or(&m.owners), Some(&b));
                    instances.push(make(Some(b), comment, owners, deadline, w));
                }
            }
        }
    }
    // A dependency cycle would block its milestones forever.
    if let Some(cycle) = find_cycle(file) {
        problems.push(format!("depends_on замыкается в круг: {}", cycle.join(" → ")));
    }
    if !problems.is_empty() {
        return Err(PlanError::Invalid {
            path: path.to_path_buf(),
            problems,
        });
    }
    Ok(Plan {
        path: path.to_path_buf(),
        title: file.title.clone(),
        instances,
        aliases,
    })
}

fn find_cycle(file: &PlanFile) -> Option<Vec<String>> {
    let deps: BTreeMap<&str, &Vec<String>> = file.milestones.iter().map(|m| (m.id.as_str(), &m.depends_on)).collect();
    fn visit<'a>(
        n: &'a str,
        deps: &BTreeMap<&'a str, &'a Vec<String>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| *s == n) {
            let mut c: Vec<String> = stack[i..].iter().map(|s| s.to_string()).collect();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n);
        for d in deps.get(n).into_iter().flat_map(|v| v.iter()) {
            if let Some(c) = visit(d.as_str(), deps, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n);
        None
    }
    let mut done = BTreeSet::new();
    for m in &file.milestones {
        if let Some(c) = visit(m.id.as_str(), &deps, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

/// The first clause of an event, at most about 60 characters: «Информирование сотрудников о
/// переходе на коммуникационную площадку ВКМ-Сферум».
pub fn short_title(event: &str) -> String {
    let clean = crate::normalize::clean_spaces(event);
    let first = clean.split(['.', '(', ';']).next().unwrap_or("").trim().to_string();
    let first = if first.is_empty() { clean } else { first };
    if first.chars().count() <= 60 {
        return first;
    }
    let mut out = String::new();
    for w in first.split(' ') {
        if out.chars().count() + w.chars().count() + 1 > 58 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out.push('…');
    out
}
