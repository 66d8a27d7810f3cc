//! The plans' status from the state store and the measured usage, the dashboard (one
//! self-contained HTML file with inline SVG charts) and the director's usage summary (XLSX).

use crate::config::Config;
use crate::plans::measure::{self, Usage, percent};
use crate::plans::model::{self, Plan, PlanError};
use crate::plans::render;
use crate::plans::status::{self, StatusReport};
use crate::state::Store;
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;

/// Every plan file given or in `[plans] dir`; the problems of those that do not load.
pub fn load_plans(cfg: &Config, explicit: Option<&Path>) -> (Vec<Plan>, Vec<PlanError>) {
    let mut plans = Vec::new();
    let mut errors = Vec::new();
    for p in model::plan_paths(cfg, explicit) {
        match model::load(&p, cfg) {
            Ok(plan) => plans.push(plan),
            Err(e) => errors.push(e),
        }
    }
    // Ids must name one milestone across the plans loaded together: a plan that reuses one
    // is left out whole, so every command sees the same plans.
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut kept = Vec::new();
    for p in plans {
        let name = p.path.display().to_string();
        let ids: std::collections::BTreeSet<&str> = p.instances.iter().map(|i| i.id.as_str()).collect();
        let clashes: Vec<String> = ids
            .iter()
            .filter_map(|id| seen.get(*id).map(|other| format!("\"{id}\" (есть и в {other})")))
            .collect();
        if clashes.is_empty() {
            for id in ids {
                seen.insert(id.to_string(), name.clone());
            }
            kept.push(p);
        } else {
            errors.push(PlanError::Invalid {
                path: p.path.clone(),
                problems: vec![format!(
                    "id вех уже заняты другим планом: {}; переименуйте их здесь (по id вехи отмечают в `rollout plan done`)",
                    clashes.join(", ")
                )],
            });
        }
    }
    let plans = kept;
    (plans, errors)
}

pub fn needs_measures(plans: &[Plan]) -> bool {
    plans.iter().flat_map(|p| &p.instances).any(|i| !i.manual())
}

/// The status on `as_of`; when `as_of` is today or later, records which measured
/// milestones are met now (so later status on earlier days can tell when they were).
pub fn plan_status(
    cfg: &Config,
    plans: &[Plan],
    usage: &Usage,
    store: &mut Store,
    as_of: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<StatusReport> {
    // Today's measurements join the history: a status for a later day can tell when.
    if usage.platform {
        let day = today.format("%Y-%m-%d").to_string();
        let mut rows = Vec::new();
        for i in plans.iter().flat_map(|p| &p.instances).filter(|i| !i.manual()) {
            for m in status::measures(i, usage) {
                rows.push(crate::state::Measurement {
                    day: day.clone(),
                    milestone: i.id.clone(),
                    branch: i.branch.clone().unwrap_or_default(),
                    kind: m.kind.code().to_string(),
                    value: m.value,
                });
            }
        }
        store.record_measures(&rows)?;
    }
    let check_offs = store.check_offs()?;
    let history = store.plan_measures()?;
    let branches: Vec<String> = cfg.branches.iter().map(|b| b.name.clone()).collect();
    Ok(status::status(&status::Inputs {
        plans,
        as_of,
        today,
        warn_days: cfg.plans.warn_days,
        check_offs: &check_offs,
        history: &history,
        usage,
        branches: &branches,
    }))
}

#[derive(Serialize)]
struct BarView {
    branch: String,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    value: String,
    class: &'static str,
}

#[derive(Serialize)]
struct Chart {
    title: String,
    width: f64,
    height: f64,
    bars: Vec<BarView>,
    legend: Vec<(String, &'static str)>,
    /// Baseline y and gridlines (y, label).
    base: f64,
    grid: Vec<(f64, String)>,
    /// Branch names under each group of bars: (x of the centre, name).
    labels: Vec<(f64, String)>,
}

#[derive(Serialize)]
struct BranchView {
    name: String,
    students: usize,
    parents: usize,
    staff: usize,
    groups: usize,
    groups_complete: usize,
    students_share: String,
    parents_share: String,
    staff_share: String,
    links_share: String,
    plan: Option<status::Counts>,
}

fn share(part: usize, whole: usize, platform: bool) -> String {
    match (platform, percent(part, whole)) {
        (true, Some(v)) => format!("{v:.0}%"),
        _ => "—".into(),
    }
}

/// Vertical bars per branch: one series per audience, percent on the y axis.
/// A chart series: legend text, CSS class, and (part, whole) of a branch.
type Series<'a> = (&'a str, &'static str, fn(&measure::BranchUsage) -> (usize, usize));

fn share_chart(title: &str, usage: &Usage, series: &[Series<'_>]) -> Chart {
    // Wide enough for the branch's name under a single bar.
    let (left, top, plot_h, group_w) = (50.0, 20.0, 200.0, (40.0 + 26.0 * series.len() as f64).max(140.0));
    let mut bars = Vec::new();
    for (n, b) in usage.branches.iter().enumerate() {
        for (k, (_, class, f)) in series.iter().enumerate() {
            let (part, whole) = f(b);
            let v = if usage.platform { percent(part, whole).unwrap_or(0.0) } else { 0.0 };
            let h = (v / 100.0 * plot_h).max(1.0);
            bars.push(BarView {
                branch: b.branch.clone(),
                x: left + 20.0 + n as f64 * group_w + k as f64 * 26.0,
                y: top + plot_h - h,
                width: 22.0,
                height: h,
                value: if usage.platform && whole > 0 {
                    format!("{v:.0}%")
                } else {
                    "—".into()
                },
                class,
            });
        }
    }
    let labels = usage
        .branches
        .iter()
        .enumerate()
        .map(|(n, b)| {
            (
                left + 20.0 + n as f64 * group_w + 13.0 * series.len() as f64 - 2.0,
                b.branch.clone(),
            )
        })
        .collect();
    let grid = (0..=4)
        .map(|i| (top + plot_h - plot_h * i as f64 / 4.0, format!("{}%", i * 25)))
        .collect();
    Chart {
        title: title.into(),
        width: left + 40.0 + group_w * usage.branches.len().max(1) as f64,
        height: top + plot_h + 60.0,
        bars,
        legend: series.iter().map(|(name, class, _)| (name.to_string(), *class)).collect(),
        base: top + plot_h,
        grid,
        labels,
    }
}

#[derive(Serialize)]
struct Dashboard<'a> {
    organization: &'a str,
    as_of: String,
    generated: String,
    platform: bool,
    branches: Vec<BranchView>,
    totals: BranchView,
    joined_chart: Chart,
    audience_chart: Chart,
    gantt: Option<render::Gantt>,
    plans: &'a [String],
    items: Vec<status::ItemStatus>,
    owners: &'a [status::Tally],
}

pub fn dashboard_html(cfg: &Config, usage: &Usage, report: Option<&StatusReport>, today: NaiveDate) -> anyhow::Result<String> {
    let engine = crate::letters::Engine::new(Some(&cfg.root.join("templates")))?;
    let view = |t: &measure::BranchUsage| BranchView {
        students_share: share(t.students_joined, t.students, usage.platform),
        parents_share: share(t.parents_joined, t.parents, usage.platform),
        staff_share: share(t.staff_joined, t.staff, usage.platform),
        links_share: share(t.links, t.chats_required, usage.platform),
        students: t.students,
        parents: t.parents,
        staff: t.staff,
        groups: t.groups,
        groups_complete: t.groups_complete,
        plan: report.and_then(|r| r.by_branch.iter().find(|g| g.name == t.branch).map(|g| g.counts.clone())),
        name: t.branch.clone(),
    };
    let branches: Vec<BranchView> = usage.branches.iter().map(view).collect();
    let mut totals = view(&usage.total);
    // The whole organisation's plan: every milestone, at every site.
    totals.plan = report.map(|r| {
        let mut c = status::Counts::default();
        for i in &r.items {
            c.add(i.state);
        }
        c
    });
    let joined_chart = share_chart(
        "Вступили в свои чаты, % (все аудитории)",
        usage,
        &[("все аудитории", "all", |b| {
            (
                b.students_joined + b.parents_joined + b.staff_joined,
                b.students + b.parents + b.staff,
            )
        })],
    );
    let audience_chart = share_chart(
        "Вступили в свои чаты по аудиториям, %",
        usage,
        &[
            ("обучающиеся", "students", |b| (b.students_joined, b.students)),
            ("родители", "parents", |b| (b.parents_joined, b.parents)),
            ("сотрудники", "staff", |b| (b.staff_joined, b.staff)),
        ],
    );
    // The day a milestone was done, as people write it (the status keeps it ISO for --json).
    let mut items: Vec<status::ItemStatus> = report
        .map(|r| {
            r.items
                .iter()
                .cloned()
                .map(|mut i| {
                    i.done_on = i.done_on.as_deref().map(crate::human::day_ru);
                    i
                })
                .collect()
        })
        .unwrap_or_default();
    items.sort_by_key(|i| (i.state, i.end, i.branch.clone(), i.id.clone()));
    let no_plans: Vec<String> = Vec::new();
    let d = Dashboard {
        organization: &cfg.organization.name,
        as_of: report.map(|r| r.as_of).unwrap_or(today).format("%d.%m.%Y").to_string(),
        generated: today.format("%d.%m.%Y").to_string(),
        platform: usage.platform,
        branches,
        totals,
        joined_chart,
        audience_chart,
        gantt: report.filter(|r| !r.items.is_empty()).map(render::gantt),
        plans: report.map(|r| r.plans.as_slice()).unwrap_or(&no_plans),
        items,
        owners: report.map(|r| r.by_owner.as_slice()).unwrap_or(&[]),
    };
    Ok(engine.render("report/dashboard.html", &d)?)
}

/// The director's usage summary: one row per group, a total per branch, one for all.
/// `file` is where it will be written (warnings about cut cells name it).
pub fn usage_xlsx(file: &Path, usage: &Usage) -> anyhow::Result<Vec<u8>> {
    let header: Vec<String> = [
        "Филиал",
        "Группа",
        "Обучающихся",
        "Обучающихся в чате группы",
        "Доля обучающихся, %",
        "Родителей",
        "Родителей в чате",
        "Доля родителей, %",
        "Сотрудников",
        "Сотрудников в чате сотрудников",
        "Доля сотрудников, %",
        "Чатов нужно",
        "Чатов есть",
        "Ссылок-приглашений",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let pct = |a: usize, b: usize| match (usage.platform, percent(a, b)) {
        (true, Some(v)) => format!("{}", v.round() as i64),
        _ => String::new(),
    };
    let known = |n: usize| if usage.platform { n.to_string() } else { String::new() };
    // (count, in the chat, share) for one audience; blank for staff on a group's row.
    let audience = |joined: usize, whole: usize| [whole.to_string(), known(joined), pct(joined, whole)];
    let row = |first: &str, second: &str, [s, p, st]: [[String; 3]; 3], required: usize, present: usize, links: usize| {
        let mut r = vec![first.to_string(), second.to_string()];
        r.extend(s.into_iter().chain(p).chain(st));
        r.extend([required.to_string(), known(present), known(links)]);
        r
    };
    let total_row = |first: &str, second: &str, b: &measure::BranchUsage| {
        let cols = [
            audience(b.students_joined, b.students),
            audience(b.parents_joined, b.parents),
            audience(b.staff_joined, b.staff),
        ];
        row(first, second, cols, b.chats_required, b.chats_present, b.links)
    };
    let mut rows = Vec::new();
    for b in &usage.branches {
        for g in usage.groups.iter().filter(|g| g.branch == b.branch) {
            let cols = [
                audience(g.students_joined, g.students),
                audience(g.parents_joined, g.parents),
                Default::default(),
            ];
            rows.push(row(&g.branch, &g.group, cols, g.chats_required, g.chats_present, g.links));
        }
        rows.push(total_row(&b.branch, "Итого по филиалу", b));
    }
    rows.push(total_row("Всего", "", &usage.total));
    Ok(crate::output::xlsx::workbook_bytes(
        file,
        &[crate::output::xlsx::SheetData {
            name: "Использование".into(),
            header,
            rows,
        }],
    )?)
}

/// Writes `OUT/report.html` and `OUT/usage.xlsx`; returns the dashboard's path.
pub fn write(
    cfg: &Config,
    usage: &Usage,
    status: Option<&StatusReport>,
    out_dir: &Path,
    today: NaiveDate,
) -> anyhow::Result<std::path::PathBuf> {
    use anyhow::Context;
    let html = dashboard_html(cfg, usage, status, today)?;
    let xlsx = usage_xlsx(&out_dir.join("usage.xlsx"), usage)?;
    crate::output::ensure_dir(out_dir).with_context(|| format!("не удалось создать папку {}", out_dir.display()))?;
    let path = out_dir.join("report.html");
    crate::output::write_private(&path, html.as_bytes()).with_context(|| format!("не удалось записать {}", path.display()))?;
    let x = out_dir.join("usage.xlsx");
    crate::output::write_private(&x, &xlsx).with_context(|| format!("не удалось записать {}", x.display()))?;
    Ok(path)
}
