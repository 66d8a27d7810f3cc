//! The region's summary for the operator: `region.html` (self-contained: a sortable table
//! of organisations, charts in inline SVG, no script or style from elsewhere),
//! `region.xlsx` and `region.json`, and the short table for the terminal.

use super::{RegionJson, Row, RunState, Totals};
use crate::plans::measure::percent;
use crate::plans::status::{Counts, State};
use serde::Serialize;
use std::path::Path;

/// The built-in template (a workspace's templates/ does not apply to a region).
const TEMPLATE: (&str, &str) = ("region/region.html", include_str!("../../templates/region/region.html"));

/// A share as shown: «57%», «—» when unknown.
fn shown(part: usize, whole: usize, known: bool) -> (String, String) {
    match (known, percent(part, whole)) {
        (true, Some(v)) => (format!("{}%", v.round() as i64), format!("{v:.3}")),
        _ => ("—".into(), "-1".into()),
    }
}

#[derive(Serialize)]
struct Cell {
    text: String,
    /// The value the table sorts by (a number, or the text).
    v: String,
    num: bool,
}

fn num(n: usize) -> Cell {
    Cell {
        text: n.to_string(),
        v: n.to_string(),
        num: true,
    }
}

fn text(s: &str) -> Cell {
    Cell {
        text: s.to_string(),
        v: s.to_lowercase(),
        num: false,
    }
}

fn share(part: usize, whole: usize, known: bool) -> Cell {
    let (text, v) = shown(part, whole, known);
    Cell { text, v, num: true }
}

fn blank() -> Cell {
    Cell {
        text: "—".into(),
        v: "-1".into(),
        num: true,
    }
}

/// The table's columns: (key for `#sort=KEY`, header).
const COLUMNS: [(&str, &str); 16] = [
    ("org", "Папка"),
    ("name", "Организация"),
    ("profile", "Профиль"),
    ("state", "Последний запуск"),
    ("as_of", "Данные на"),
    ("students", "Обучающихся"),
    ("parents", "Родителей"),
    ("staff", "Сотрудников"),
    ("groups", "Групп"),
    ("errors", "Ошибок в данных"),
    ("warnings", "Предупреждений"),
    ("students_joined", "Обучающиеся в чатах"),
    ("parents_joined", "Родители в чатах"),
    ("staff_joined", "Сотрудники в чатах"),
    ("actions", "Действий в наборе изменений"),
    ("plan", "План: выполнено / всего (просрочено)"),
];

fn profile_ru(code: &str) -> &str {
    match code {
        "college" => "колледж",
        "school" => "школа",
        "kindergarten" => "детский сад",
        "supplementary" => "доп. образование",
        other => other,
    }
}

#[derive(Serialize)]
struct RowView {
    org: String,
    state: &'static str,
    error: Option<String>,
    error_full: Option<String>,
    cells: Vec<Cell>,
}

fn row_view(r: &Row) -> RowView {
    let s = r.summary.as_ref();
    let count = |f: &dyn Fn(&super::summary::RunSummary) -> usize| s.map(|s| num(f(s))).unwrap_or_else(blank);
    let joined = |f: &dyn Fn(&super::summary::Joined) -> (usize, usize)| match s.and_then(|s| s.joined.as_ref()) {
        Some(j) => {
            let (a, b) = f(j);
            share(a, b, true)
        }
        None => blank(),
    };
    let plan = match s.and_then(|s| s.plan.as_ref()) {
        Some(p) => Cell {
            text: format!("{} / {} ({})", p.done, p.total, p.overdue),
            v: percent(p.done, p.total).map(|v| format!("{v:.3}")).unwrap_or_else(|| "-1".into()),
            num: true,
        },
        None => blank(),
    };
    let as_of = s.map(|s| crate::human::day_ru(&s.as_of));
    let mut state = text(r.state.ru());
    state.v = format!("{}", r.state as u8);
    let cells = vec![
        text(&r.org),
        text(&r.name),
        s.map(|s| text(profile_ru(&s.profile))).unwrap_or_else(|| text("")),
        state,
        match (&as_of, s) {
            (Some(d), Some(s)) => Cell {
                text: d.clone(),
                v: s.as_of.clone(),
                num: false,
            },
            _ => text(""),
        },
        count(&|s| s.roster.students),
        count(&|s| s.roster.parents),
        count(&|s| s.roster.staff),
        count(&|s| s.roster.groups),
        count(&|s| s.problems.errors),
        count(&|s| s.problems.warnings),
        joined(&|j| (j.students_joined, j.students)),
        joined(&|j| (j.parents_joined, j.parents)),
        joined(&|j| (j.staff_joined, j.staff)),
        match s.and_then(|s| s.changes.as_ref()) {
            Some(c) => num(c.actions),
            None => blank(),
        },
        plan,
    ];
    RowView {
        org: r.org.clone(),
        state: r.state.code(),
        // the cell shows the cause's first line (a config error's source snippet
        // needs a monospace terminal); the whole message is the tooltip
        error: r.error.as_deref().map(|e| e.lines().next().unwrap_or_default().to_string()),
        error_full: r.error.clone(),
        cells,
    }
}

#[derive(Serialize)]
struct Bar {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    class: &'static str,
    label: String,
    value: String,
    title: String,
}

#[derive(Serialize)]
struct Chart {
    title: String,
    width: f64,
    height: f64,
    base: f64,
    bars: Vec<Bar>,
    grid: Vec<(f64, String)>,
    note: String,
}

/// Organisations by the share of all their people (students, parents, staff) in their
/// chats, in ten bands of ten percent.
fn bands_chart(rows: &[Row]) -> Chart {
    let mut bands = [0usize; 10];
    let mut unknown = 0;
    for r in rows {
        match r.summary.as_ref().and_then(|s| s.joined.as_ref()) {
            Some(j) => match percent(
                j.students_joined + j.parents_joined + j.staff_joined,
                j.students + j.parents + j.staff,
            ) {
                Some(v) => bands[((v / 10.0).floor() as usize).min(9)] += 1,
                None => unknown += 1,
            },
            None => unknown += 1,
        }
    }
    let (left, top, plot_h, step) = (50.0, 20.0, 200.0, 56.0);
    let most = bands.iter().copied().max().unwrap_or(0).max(1);
    // Grid lines at whole organisations.
    let tick = (most as f64 / 4.0).ceil().max(1.0);
    let grid = (0..=4)
        .map(|i| {
            let v = tick * i as f64;
            (top + plot_h - plot_h * v / (tick * 4.0), format!("{}", v as usize))
        })
        .collect();
    let bars = bands
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let h = (n as f64 / (tick * 4.0) * plot_h).max(if n > 0 { 2.0 } else { 0.0 });
            Bar {
                x: left + 10.0 + i as f64 * step,
                y: top + plot_h - h,
                width: step - 12.0,
                height: h,
                class: "all",
                label: if i == 9 {
                    "90–100%".into()
                } else {
                    format!("{}–{}%", i * 10, i * 10 + 9)
                },
                value: n.to_string(),
                title: format!(
                    "{}: вступили {}",
                    crate::human::ru_count(n, ["организация", "организации", "организаций"]),
                    if i == 9 {
                        "90–100%".into()
                    } else {
                        format!("{}–{}%", i * 10, i * 10 + 9)
                    }
                ),
            }
        })
        .collect();
    Chart {
        title: "Организации по доле вступивших в свои чаты (обучающиеся, родители, сотрудники вместе)".into(),
        width: left + 20.0 + step * 10.0,
        height: top + plot_h + 40.0,
        base: top + plot_h,
        bars,
        grid,
        note: if unknown > 0 {
            format!(
                "Без данных платформы: {}.",
                crate::human::ru_count(unknown, ["организация", "организации", "организаций"])
            )
        } else {
            String::new()
        },
    }
}

/// The region's share joined per audience: three bars.
fn audience_chart(t: &Totals) -> Chart {
    let (left, top, plot_h, step) = (50.0, 20.0, 200.0, 120.0);
    let j = &t.joined;
    let known = t.measured > 0;
    let series: [(&'static str, &str, usize, usize); 3] = [
        ("students", "обучающиеся", j.students_joined, j.students),
        ("parents", "родители", j.parents_joined, j.parents),
        ("staff", "сотрудники", j.staff_joined, j.staff),
    ];
    let bars = series
        .iter()
        .enumerate()
        .map(|(i, &(class, label, part, whole))| {
            let v = if known { percent(part, whole).unwrap_or(0.0) } else { 0.0 };
            let h = (v / 100.0 * plot_h).max(1.0);
            let (value, _) = shown(part, whole, known);
            Bar {
                x: left + 20.0 + i as f64 * step,
                y: top + plot_h - h,
                width: step - 40.0,
                height: h,
                class,
                label: label.to_string(),
                title: format!("{label}: {value} ({part} из {whole})"),
                value,
            }
        })
        .collect();
    Chart {
        title: "Вступили в свои чаты по аудиториям, % (весь регион)".into(),
        width: left + 40.0 + step * 3.0,
        height: top + plot_h + 40.0,
        base: top + plot_h,
        bars,
        grid: (0..=4)
            .map(|i| (top + plot_h - plot_h * i as f64 / 4.0, format!("{}%", i * 25)))
            .collect(),
        note: format!(
            "Измерено в {} из {}.",
            crate::human::ru_count(t.measured, ["организации", "организациях", "организациях"]),
            t.organisations
        ),
    }
}

#[derive(Serialize)]
struct Segment {
    x: f64,
    width: f64,
    state: &'static str,
    state_ru: &'static str,
    count: usize,
}

/// Every milestone of the region by state, as one stacked bar.
fn plan_bar(c: &Counts) -> Vec<Segment> {
    let width = 900.0;
    let mut x = 0.0;
    let order = State::ALL;
    let mut out = Vec::new();
    for s in order {
        let n = c.get(s);
        if n == 0 || c.total == 0 {
            continue;
        }
        let w = width * n as f64 / c.total as f64;
        out.push(Segment {
            x,
            width: w,
            state: state_code(s),
            state_ru: s.ru(),
            count: n,
        });
        x += w;
    }
    out
}

fn state_code(s: State) -> &'static str {
    match s {
        State::Done => "done",
        State::InProgress => "in_progress",
        State::AtRisk => "at_risk",
        State::Overdue => "overdue",
        State::Blocked => "blocked",
        State::Planned => "planned",
    }
}

#[derive(Serialize)]
struct Page<'a> {
    title: String,
    as_of: String,
    columns: Vec<(&'static str, &'static str)>,
    rows: Vec<RowView>,
    totals: &'a Totals,
    total_cells: Vec<Cell>,
    bands: Chart,
    audiences: Chart,
    plan: Vec<Segment>,
    states: Vec<(&'static str, usize)>,
}

fn title(name: Option<&str>) -> String {
    match name {
        Some(n) => format!("Переход на ИКОП «Сферум»: {n}"),
        None => "Переход на ИКОП «Сферум»: регион".into(),
    }
}

/// `region.html`.
pub fn html(region: &RegionJson) -> anyhow::Result<String> {
    let layered = crate::templates::Layered::new(&[TEMPLATE], None)?;
    let t = &region.totals;
    let known = t.measured > 0;
    let j = &t.joined;
    let total_cells = vec![
        text("Весь регион"),
        text(&crate::human::ru_count(
            t.organisations,
            ["организация", "организации", "организаций"],
        )),
        text(""),
        text(""),
        text(""),
        num(t.roster.students),
        num(t.roster.parents),
        num(t.roster.staff),
        num(t.roster.groups),
        num(t.problems_found.errors),
        num(t.problems_found.warnings),
        share(j.students_joined, j.students, known),
        share(j.parents_joined, j.parents, known),
        share(j.staff_joined, j.staff, known),
        num(t.actions),
        Cell {
            text: format!("{} / {} ({})", t.plan.done, t.plan.total, t.plan.overdue),
            v: String::new(),
            num: true,
        },
    ];
    let page = Page {
        title: title(region.name.as_deref()),
        as_of: crate::human::day_ru(&region.as_of),
        columns: COLUMNS.to_vec(),
        rows: region.organisations.iter().map(row_view).collect(),
        totals: t,
        total_cells,
        bands: bands_chart(&region.organisations),
        audiences: audience_chart(t),
        plan: plan_bar(&t.plan),
        states: [
            (RunState::Clean, t.clean),
            (RunState::Problems, t.problems),
            (RunState::Unreadable, t.unreadable),
            (RunState::Failed, t.failed),
            (RunState::NotRun, t.not_run),
        ]
        .into_iter()
        .map(|(s, n)| (s.ru(), n))
        .collect(),
    };
    Ok(layered.render(TEMPLATE.0, &page)?)
}

/// `region.xlsx`: one row per organisation, and the totals.
pub fn xlsx(file: &Path, region: &RegionJson) -> anyhow::Result<Vec<u8>> {
    use crate::output::xlsx::SheetData;
    let header: Vec<String> = [
        "Папка",
        "Организация",
        "Профиль",
        "Последний запуск",
        "Причина ошибки",
        "Данные на",
        "Обучающихся",
        "Родителей",
        "Сотрудников",
        "Групп",
        "Филиалов",
        "Ошибок в данных",
        "Предупреждений",
        "Участников чатов",
        "Неизвестных участников",
        "Обучающихся в чатах",
        "Доля обучающихся, %",
        "Родителей в чатах",
        "Доля родителей, %",
        "Сотрудников в чатах",
        "Доля сотрудников, %",
        "Групп со всеми чатами",
        "Действий в наборе изменений",
        "Вех плана",
        "Выполнено",
        "В работе",
        "Под угрозой",
        "Просрочено",
        "Заблокировано",
        "Не начато",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let pct = |a: usize, b: usize| percent(a, b).map(|v| format!("{}", v.round() as i64)).unwrap_or_default();
    let width = header.len();
    let rows = region
        .organisations
        .iter()
        .map(|r| {
            let mut row = vec![
                r.org.clone(),
                r.name.clone(),
                r.summary.as_ref().map(|s| profile_ru(&s.profile).to_string()).unwrap_or_default(),
                r.state.ru().to_string(),
                r.error.clone().unwrap_or_default(),
                r.summary.as_ref().map(|s| crate::human::day_ru(&s.as_of)).unwrap_or_default(),
            ];
            let Some(s) = &r.summary else {
                row.resize(width, String::new());
                return row;
            };
            row.extend(
                [
                    s.roster.students,
                    s.roster.parents,
                    s.roster.staff,
                    s.roster.groups,
                    s.roster.branches,
                    s.problems.errors,
                    s.problems.warnings,
                ]
                .map(|n| n.to_string()),
            );
            match &s.platform {
                Some(p) => row.extend([p.members.to_string(), p.unknown.to_string()]),
                None => row.extend([String::new(), String::new()]),
            }
            match &s.joined {
                Some(j) => row.extend([
                    j.students_joined.to_string(),
                    pct(j.students_joined, j.students),
                    j.parents_joined.to_string(),
                    pct(j.parents_joined, j.parents),
                    j.staff_joined.to_string(),
                    pct(j.staff_joined, j.staff),
                    j.groups_complete.to_string(),
                ]),
                None => row.extend(std::iter::repeat_n(String::new(), 7)),
            }
            row.push(s.changes.as_ref().map(|c| c.actions.to_string()).unwrap_or_default());
            match &s.plan {
                Some(p) => row.extend([p.total, p.done, p.in_progress, p.at_risk, p.overdue, p.blocked, p.planned].map(|n| n.to_string())),
                None => row.extend(std::iter::repeat_n(String::new(), 7)),
            }
            row
        })
        .collect();
    let t = &region.totals;
    let j = &t.joined;
    let totals = SheetData {
        name: "Итого".into(),
        header: vec!["Показатель".into(), "Значение".into()],
        rows: [
            ("Организаций", t.organisations.to_string()),
            ("Без проблем", t.clean.to_string()),
            ("Есть проблемы", t.problems.to_string()),
            ("Источник не прочитан", t.unreadable.to_string()),
            ("Ошибка запуска", t.failed.to_string()),
            ("Не запускались", t.not_run.to_string()),
            ("Обучающихся", t.roster.students.to_string()),
            ("Родителей", t.roster.parents.to_string()),
            ("Сотрудников", t.roster.staff.to_string()),
            ("Групп", t.roster.groups.to_string()),
            ("Ошибок в данных", t.problems_found.errors.to_string()),
            ("Предупреждений", t.problems_found.warnings.to_string()),
            ("Организаций с данными платформы", t.measured.to_string()),
            ("Доля обучающихся в чатах, %", pct(j.students_joined, j.students)),
            ("Доля родителей в чатах, %", pct(j.parents_joined, j.parents)),
            ("Доля сотрудников в чатах, %", pct(j.staff_joined, j.staff)),
            ("Действий в наборах изменений", t.actions.to_string()),
            ("Вех плана", t.plan.total.to_string()),
            ("Вех выполнено", t.plan.done.to_string()),
            ("Вех просрочено", t.plan.overdue.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| vec![k.to_string(), v])
        .collect(),
    };
    Ok(crate::output::xlsx::workbook_bytes(
        file,
        &[
            SheetData {
                name: "Организации".into(),
                header,
                rows,
            },
            totals,
        ],
    )?)
}

/// `region.json`.
pub fn json(region: &RegionJson) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(region).unwrap_or_default();
    v.push(b'\n');
    v
}

/// Whether the organisation's change set waits for a person's approval.
fn held(s: &super::summary::RunSummary) -> bool {
    s.changes.as_ref().is_some_and(|c| c.status == "held")
}

/// The terminal's summary: totals, then the organisations that need attention first
/// (failed, unreadable, with errors, overdue milestones), at most `limit` of them.
pub fn terminal(region: &RegionJson, limit: usize) -> String {
    use crate::human::ru_count;
    let t = &region.totals;
    let j = &t.joined;
    let mut s = String::new();
    let orgs = |n: usize| ru_count(n, ["организация", "организации", "организаций"]);
    s.push_str(&format!(
        "Регион: {} — без проблем {}, с проблемами {}, источник не прочитан {}, ошибка {}, не запускались {}\n",
        orgs(t.organisations),
        t.clean,
        t.problems,
        t.unreadable,
        t.failed,
        t.not_run
    ));
    s.push_str(&format!(
        "Реестры: {}, {}, {}, {}\n",
        ru_count(t.roster.students, ["обучающийся", "обучающихся", "обучающихся"]),
        ru_count(t.roster.parents, ["родитель", "родителя", "родителей"]),
        ru_count(t.roster.staff, ["сотрудник", "сотрудника", "сотрудников"]),
        ru_count(t.roster.groups, ["группа", "группы", "групп"]),
    ));
    if t.measured > 0 {
        let p = |a: usize, b: usize| shown(a, b, true).0;
        s.push_str(&format!(
            "В своих чатах (по {} с данными платформы): обучающиеся {}, родители {}, сотрудники {}\n",
            ru_count(t.measured, ["организации", "организациям", "организациям"]),
            p(j.students_joined, j.students),
            p(j.parents_joined, j.parents),
            p(j.staff_joined, j.staff)
        ));
    }
    if t.plan.total > 0 {
        s.push_str(&format!(
            "План: вех {}, выполнено {}, под угрозой {}, просрочено {}\n",
            t.plan.total, t.plan.done, t.plan.at_risk, t.plan.overdue
        ));
    }
    let mut attention: Vec<&Row> = region
        .organisations
        .iter()
        .filter(|r| {
            matches!(r.state, RunState::Failed | RunState::Unreadable | RunState::NotRun)
                || r.summary
                    .as_ref()
                    .is_some_and(|s| s.problems.errors > 0 || held(s) || s.plan.as_ref().is_some_and(|p| p.overdue > 0))
        })
        .collect();
    attention.sort_by_key(|r| {
        let s = r.summary.as_ref();
        (
            r.state,
            std::cmp::Reverse(s.map(|s| s.problems.errors).unwrap_or(0)),
            std::cmp::Reverse(s.and_then(|s| s.plan.as_ref()).map(|p| p.overdue).unwrap_or(0)),
            r.org.clone(),
        )
    });
    if !attention.is_empty() {
        s.push_str(&format!("Требуют внимания ({}):\n", attention.len()));
        for r in attention.iter().take(limit) {
            let mut what = vec![r.state.ru().to_string()];
            if let Some(e) = &r.error {
                // The first line: the cause in full is in stderr and messages.txt.
                what = vec![format!("ошибка: {}", e.lines().next().unwrap_or_default())];
            }
            if let Some(sm) = &r.summary {
                if sm.problems.errors > 0 {
                    what.push(ru_count(
                        sm.problems.errors,
                        ["ошибка в данных", "ошибки в данных", "ошибок в данных"],
                    ));
                }
                if held(sm) {
                    what.push("набор изменений задержан — проверьте и подтвердите: rollout approve в папке организации".to_string());
                }
                if let Some(p) = sm.plan.as_ref().filter(|p| p.overdue > 0) {
                    what.push(format!("просрочено вех: {}", p.overdue));
                }
            }
            s.push_str(&format!("  {} ({}): {}\n", r.org, r.name, what.join("; ")));
        }
        if attention.len() > limit {
            s.push_str(&format!(
                "  … и ещё {} — все в region.xlsx и region.html\n",
                attention.len() - limit
            ));
        }
    }
    s
}
