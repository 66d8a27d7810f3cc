//! Where each milestone stands on a day: done, in progress, at risk, overdue, blocked by
//! a dependency, or not started — per branch and per owner.
//!
//! Rules: a manual milestone is done when its latest check-off on or before the day says
//! so; a measured one when every metric reaches its target (now, for today or later; for an
//! earlier day, when the state store saw it reach them on or before that day). Not done:
//! overdue after the window's end; blocked when a milestone it depends on is not done
//! and its own window has begun (or ends within `warn_days`); at risk when the end is `warn_days` away or fewer;
//! in progress inside the window; not started before it.

use super::measure::Usage;
pub use super::measure::WHOLE;
use super::model::{Instance, MetricKind, Plan};
use crate::state::CheckOff;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Overdue,
    Blocked,
    AtRisk,
    InProgress,
    Planned,
    Done,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Done,
        State::InProgress,
        State::AtRisk,
        State::Overdue,
        State::Blocked,
        State::Planned,
    ];

    pub fn ru(self) -> &'static str {
        match self {
            State::Done => "выполнено",
            State::InProgress => "в работе",
            State::AtRisk => "под угрозой",
            State::Overdue => "просрочено",
            State::Blocked => "заблокировано",
            State::Planned => "не начато",
        }
    }

    /// ANSI colour for the terminal table.
    pub fn ansi(self) -> &'static str {
        match self {
            State::Done => "32",
            State::InProgress => "36",
            State::AtRisk => "33",
            State::Overdue => "31;1",
            State::Blocked => "35",
            State::Planned => "2",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub kind: MetricKind,
    pub title: &'static str,
    /// Percent; None when it cannot be measured.
    pub value: Option<f64>,
    pub target: f64,
    pub proxy: bool,
    pub met: bool,
    /// «87% (цель 80%)» or «нет данных (цель 80%)».
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemStatus {
    pub id: String,
    pub plan: String,
    /// Empty for the whole organisation.
    pub branch: String,
    pub title: String,
    /// The title with its site, unless the title already names it: for lists and charts.
    pub label: String,
    pub event: String,
    pub comment: String,
    pub owners: Vec<String>,
    pub deadline: String,
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
    pub state: State,
    pub state_ru: &'static str,
    pub manual: bool,
    /// When it was done (check-off day, or the day the metrics were first seen met).
    pub done_on: Option<String>,
    pub done_by: Option<String>,
    pub note: Option<String>,
    pub measures: Vec<Measure>,
    /// Milestones it waits for, as «id» or «id · branch».
    pub blocked_by: Vec<String>,
    /// The same by their titles, for letters.
    pub blocked_by_titles: Vec<String>,
    /// Days from the day to the end (negative when overdue).
    pub days_left: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub done: usize,
    pub in_progress: usize,
    pub at_risk: usize,
    pub overdue: usize,
    pub blocked: usize,
    pub planned: usize,
    pub total: usize,
}

impl Counts {
    pub fn add(&mut self, s: State) {
        self.total += 1;
        *self.get_mut(s) += 1;
    }
    /// Adds another set of counts (a region's milestones from its organisations').
    pub fn merge(&mut self, other: &Counts) {
        for s in State::ALL {
            let n = other.get(s);
            *self.get_mut(s) += n;
        }
        self.total += other.total;
    }
    fn get_mut(&mut self, s: State) -> &mut usize {
        match s {
            State::Done => &mut self.done,
            State::InProgress => &mut self.in_progress,
            State::AtRisk => &mut self.at_risk,
            State::Overdue => &mut self.overdue,
            State::Blocked => &mut self.blocked,
            State::Planned => &mut self.planned,
        }
    }
    pub fn get(&self, s: State) -> usize {
        match s {
            State::Done => self.done,
            State::InProgress => self.in_progress,
            State::AtRisk => self.at_risk,
            State::Overdue => self.overdue,
            State::Blocked => self.blocked,
            State::Planned => self.planned,
        }
    }
}

/// Milestone counts by state for one branch or one owner.
#[derive(Debug, Clone, Serialize)]
pub struct Tally {
    pub name: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub as_of: NaiveDate,
    /// The day the metrics were measured (today): a status for another day uses them as they are now.
    pub measured_on: NaiveDate,
    pub warn_days: i64,
    pub plans: Vec<String>,
    pub items: Vec<ItemStatus>,
    pub by_branch: Vec<Tally>,
    pub by_owner: Vec<Tally>,
}

pub struct Inputs<'a> {
    pub plans: &'a [Plan],
    pub as_of: NaiveDate,
    pub today: NaiveDate,
    pub warn_days: i64,
    pub check_offs: &'a [CheckOff],
    /// Every recorded measurement, oldest first (today's included).
    pub history: &'a [crate::state::Measurement],
    pub usage: &'a Usage,
    /// Branch order for the summary (rollout.toml's).
    pub branches: &'a [String],
}

/// What each measured milestone's metrics read now, for recording in the state store.
pub fn measures(i: &Instance, usage: &Usage) -> Vec<Measure> {
    i.metrics
        .iter()
        .map(|m| measure(m.kind, m.target, m.proxy, usage.metric(m.kind, i.branch.as_deref())))
        .collect()
}

/// A percent as people write it: «87», «99,5».
fn pct(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}").replace('.', ",")
    }
}

/// «Семинар — Лесной филиал», but «Семинар (Лесной филиал)» as it is.
pub fn label(title: &str, branch: &str) -> String {
    if branch.is_empty() || title.contains(branch) {
        title.to_string()
    } else {
        format!("{title} — {branch}")
    }
}

fn measure(kind: MetricKind, target: f64, proxy: bool, value: Option<f64>) -> Measure {
    Measure {
        kind,
        title: kind.ru(),
        value,
        target,
        proxy,
        met: value.is_some_and(|v| v + 1e-9 >= target),
        text: format!(
            "{} (цель {}%{})",
            value.map(|v| format!("{}%", pct(v))).unwrap_or_else(|| "нет данных".into()),
            pct(target),
            if proxy { ", косвенно" } else { "" }
        ),
    }
}

/// The metrics as last recorded on or before `on` (none recorded: no data).
fn measures_on(i: &Instance, history: &[crate::state::Measurement], on: NaiveDate) -> Vec<Measure> {
    let branch = i.branch.clone().unwrap_or_default();
    i.metrics
        .iter()
        .map(|m| {
            let value = history
                .iter()
                .rfind(|h| h.milestone == i.id && h.branch == branch && h.kind == m.kind.code() && day(&h.day).is_some_and(|d| d <= on))
                .and_then(|h| h.value);
            measure(m.kind, m.target, m.proxy, value)
        })
        .collect()
}

/// The first day of the latest unbroken run of recorded days, up to `until`, on which every
/// metric of `i` met its target.
fn met_since(i: &Instance, history: &[crate::state::Measurement], until: NaiveDate) -> Option<NaiveDate> {
    let mut days: Vec<NaiveDate> = history
        .iter()
        .filter(|h| h.milestone == i.id && h.branch == i.branch.clone().unwrap_or_default())
        .filter_map(|h| day(&h.day))
        .filter(|d| *d <= until)
        .collect();
    days.sort();
    days.dedup();
    let mut since = None;
    for d in days {
        if measures_on(i, history, d).iter().all(|m| m.met) {
            since.get_or_insert(d);
        } else {
            since = None;
        }
    }
    since
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The instances a dependency means for `i`: the same branch's, else the organisation's,
/// else (for an organisation-wide milestone) every branch's.
fn dependency_keys<'a>(i: &Instance, dep: &str, all: &'a [&'a Instance]) -> Vec<&'a Instance> {
    let of: Vec<&Instance> = all.iter().copied().filter(|x| x.id == dep).collect();
    if let Some(b) = &i.branch
        && let Some(x) = of.iter().find(|x| x.branch.as_ref() == Some(b))
    {
        return vec![x];
    }
    if let Some(x) = of.iter().find(|x| x.branch.is_none()) {
        return vec![x];
    }
    if i.branch.is_none() { of } else { Vec::new() }
}

/// (done on, by whom, note, measures) of one instance.
type Completed = (Option<String>, Option<String>, Option<String>, Vec<Measure>);

pub fn status(inp: &Inputs<'_>) -> StatusReport {
    let all: Vec<&Instance> = inp.plans.iter().flat_map(|p| p.instances.iter()).collect();
    // Done-ness first: states need the dependencies'.
    let mut done: BTreeMap<(String, String), Completed> = BTreeMap::new();
    let mut is_done: BTreeMap<(String, String), bool> = BTreeMap::new();
    for i in &all {
        let key = i.key();
        if i.manual() {
            let last = inp
                .check_offs
                .iter()
                .rfind(|c| c.milestone == key.0 && c.branch == key.1 && day(&c.day).is_some_and(|d| d <= inp.as_of));
            let d = last.is_some_and(|c| c.done);
            is_done.insert(key.clone(), d);
            let (on, by, note) = match last.filter(|c| c.done) {
                Some(c) => (
                    Some(c.day.clone()),
                    Some(c.who.clone()),
                    (!c.note.is_empty()).then(|| c.note.clone()),
                ),
                None => (None, None, None),
            };
            done.insert(key, (on, by, note, Vec::new()));
        } else {
            // Today or later: as measured now. An earlier day: as last measured by then.
            let ms = if inp.as_of >= inp.today {
                measures(i, inp.usage)
            } else {
                measures_on(i, inp.history, inp.as_of)
            };
            let d = ms.iter().all(|m| m.met);
            is_done.insert(key.clone(), d);
            let on = d.then(|| {
                met_since(i, inp.history, inp.as_of.min(inp.today))
                    .unwrap_or(inp.today)
                    .format("%Y-%m-%d")
                    .to_string()
            });
            done.insert(key, (on, None, None, ms));
        }
    }
    let mut items = Vec::new();
    for i in &all {
        let key = i.key();
        let (done_on, done_by, note, measures) = done.remove(&key).unwrap_or_default();
        let finished = is_done.get(&key).copied().unwrap_or(false);
        let (mut blocked_by, mut blocked_by_titles) = (Vec::new(), Vec::new());
        for dep in &i.depends_on {
            for x in dependency_keys(i, dep, &all) {
                if !is_done.get(&x.key()).copied().unwrap_or(false) {
                    blocked_by.push(match &x.branch {
                        Some(b) if i.branch.is_none() => format!("{} · {b}", x.id),
                        _ => x.id.clone(),
                    });
                    blocked_by_titles.push(match &x.branch {
                        Some(b) if i.branch.is_none() => label(&x.title, b),
                        _ => format!("«{}»", x.title),
                    });
                }
            }
        }
        let started = i.window.start.is_none_or(|s| inp.as_of >= s);
        let days_left = (i.window.end - inp.as_of).num_days();
        let state = if finished {
            State::Done
        } else if inp.as_of > i.window.end {
            State::Overdue
        } else if !blocked_by.is_empty() && (started || days_left <= inp.warn_days) {
            State::Blocked
        } else if days_left <= inp.warn_days {
            State::AtRisk
        } else if started {
            State::InProgress
        } else {
            State::Planned
        };
        items.push(ItemStatus {
            id: i.id.clone(),
            plan: i.plan.clone(),
            branch: i.branch.clone().unwrap_or_default(),
            title: i.title.clone(),
            label: label(&i.title, i.branch.as_deref().unwrap_or("")),
            event: i.event.clone(),
            comment: i.comment.clone(),
            owners: i.owners.clone(),
            deadline: i.deadline.clone(),
            start: i.window.start,
            end: i.window.end,
            state,
            state_ru: state.ru(),
            manual: i.manual(),
            done_on,
            done_by,
            note,
            measures,
            blocked_by,
            blocked_by_titles,
            days_left,
        });
    }
    // Per branch: rollout.toml's order, then sites only the plans name, then the whole organisation.
    let mut names: Vec<String> = inp.branches.to_vec();
    for it in &items {
        if !it.branch.is_empty() && !names.contains(&it.branch) {
            names.push(it.branch.clone());
        }
    }
    let mut by_branch: Vec<Tally> = names
        .iter()
        .map(|n| Tally {
            name: n.clone(),
            counts: Counts::default(),
        })
        .collect();
    by_branch.push(Tally {
        name: WHOLE.into(),
        counts: Counts::default(),
    });
    for it in &items {
        let name = if it.branch.is_empty() { WHOLE } else { it.branch.as_str() };
        if let Some(g) = by_branch.iter_mut().find(|g| g.name == name) {
            g.counts.add(it.state);
        }
    }
    by_branch.retain(|g| g.counts.total > 0);
    // Per owner: variant spellings counted under one name, each person once per item.
    let mut owners: BTreeMap<String, Counts> = BTreeMap::new();
    for (it, inst) in items.iter().zip(&all) {
        let plan = inp.plans.iter().find(|p| p.instances.iter().any(|x| std::ptr::eq(x, *inst)));
        let mut names: Vec<String> = it
            .owners
            .iter()
            .map(|o| plan.map(|p| p.canonical_owner(o)).unwrap_or_else(|| o.clone()))
            .collect();
        names.sort();
        names.dedup();
        for n in names {
            owners.entry(n).or_default().add(it.state);
        }
    }
    let by_owner = owners.into_iter().map(|(name, counts)| Tally { name, counts }).collect();
    StatusReport {
        as_of: inp.as_of,
        measured_on: inp.today,
        warn_days: inp.warn_days,
        plans: inp.plans.iter().map(|p| p.title.clone()).collect(),
        items,
        by_branch,
        by_owner,
    }
}

/// Owners' names as the report shows them: the alias table's spelling.
pub fn canonical_owners(plans: &[Plan], item: &ItemStatus) -> Vec<String> {
    let plan = plans
        .iter()
        .find(|p| p.path.file_name().is_some_and(|n| n.to_string_lossy() == item.plan));
    let mut v: Vec<String> = item
        .owners
        .iter()
        .map(|o| plan.map(|p| p.canonical_owner(o)).unwrap_or_else(|| o.clone()))
        .collect();
    v.dedup();
    v
}
