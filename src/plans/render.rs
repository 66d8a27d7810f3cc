//! A plan's status as a terminal table, an iCalendar file, mermaid gantt text, and the
//! geometry of the SVG Gantt chart the dashboard draws.

use super::status::{ItemStatus, State, StatusReport, WHOLE};
use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;

fn site(branch: &str) -> &str {
    if branch.is_empty() { WHOLE } else { branch }
}

/// The status tables: per branch, per owner, then what needs attention.
pub fn print_status(w: &mut dyn Write, r: &StatusReport, colour: bool) -> std::io::Result<()> {
    let paint = |s: State, text: String| {
        if colour { format!("\x1b[{}m{text}\x1b[0m", s.ansi()) } else { text }
    };
    for t in &r.plans {
        writeln!(w, "План: {t}")?;
    }
    writeln!(
        w,
        "Состояние на {} (под угрозой — срок через {} дн. или раньше)",
        r.as_of.format("%d.%m.%Y"),
        r.warn_days
    )?;
    if r.items.iter().any(|i| !i.measures.is_empty()) {
        if r.as_of < r.measured_on {
            writeln!(
                w,
                "Показатели платформы — последний замер на {} или раньше (замер делают plan status, report и run)",
                r.as_of.format("%d.%m.%Y")
            )?;
        } else if r.as_of > r.measured_on {
            writeln!(w, "Показатели платформы — сегодняшние ({})", r.measured_on.format("%d.%m.%Y"))?;
        }
    }
    let header: Vec<&str> = ["", "всего"].into_iter().chain(State::ALL.iter().map(|s| s.ru())).collect();
    let table = |w: &mut dyn Write, title: &str, groups: &[super::status::Tally]| -> std::io::Result<()> {
        writeln!(w, "{title}")?;
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                let mut row = vec![g.name.clone(), g.counts.total.to_string()];
                row.extend(State::ALL.iter().map(|s| match g.counts.get(*s) {
                    0 => "·".to_string(),
                    n => n.to_string(),
                }));
                row
            })
            .collect();
        let mut buf = Vec::new();
        crate::human::print_table(&mut buf, &header, &rows)?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        if !colour {
            return w.write_all(text.as_bytes());
        }
        // Colour the counts that need attention, after alignment.
        for (n, line) in text.lines().enumerate() {
            if n == 0 {
                writeln!(w, "{line}")?;
                continue;
            }
            let g = &groups[n - 1];
            let hot = g.counts.overdue > 0 || g.counts.blocked > 0;
            let warm = g.counts.at_risk > 0;
            let done = g.counts.done == g.counts.total;
            let s = if hot {
                Some(State::Overdue)
            } else if warm {
                Some(State::AtRisk)
            } else if done {
                Some(State::Done)
            } else {
                None
            };
            match s {
                Some(s) => writeln!(w, "{}", paint(s, line.to_string()))?,
                None => writeln!(w, "{line}")?,
            }
        }
        Ok(())
    };
    table(w, "По площадкам:", &r.by_branch)?;
    if !r.by_owner.is_empty() {
        table(w, "По ответственным:", &r.by_owner)?;
    }
    // What needs attention: all that is late, blocked or at risk, and work in progress whose
    // end is near (the reminders' horizon).
    let horizon = remind_horizon(r.warn_days);
    let mut attention: Vec<&super::status::ItemStatus> = r
        .items
        .iter()
        .filter(|i| match i.state {
            State::Overdue | State::Blocked | State::AtRisk => true,
            State::InProgress => i.days_left <= horizon,
            _ => false,
        })
        .collect();
    // Sites in the tables' order (rollout.toml's), the whole organisation first.
    let order = |b: &str| r.by_branch.iter().position(|g| g.name == b).unwrap_or(usize::MAX);
    attention.sort_by_key(|i| {
        (
            i.state,
            i.end,
            if i.branch.is_empty() { 0 } else { 1 + order(&i.branch) },
            i.id.clone(),
        )
    });
    if !attention.is_empty() {
        writeln!(w, "Требуют внимания:")?;
    }
    for i in attention {
        let mut line = format!(
            "  {} {} · {} — срок {} ({})",
            paint(i.state, format!("[{}]", i.state.ru())),
            i.id,
            site(&i.branch),
            i.end.format("%d.%m.%Y"),
            i.deadline
        );
        if !i.owners.is_empty() {
            line.push_str(&format!("; отв.: {}", i.owners.join(", ")));
        }
        for m in &i.measures {
            line.push_str(&format!("; {}: {}", m.title, m.text));
        }
        if !i.blocked_by.is_empty() {
            line.push_str(&format!("; ждёт: {}", i.blocked_by.join(", ")));
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// How far ahead «coming» reaches in reminders and the attention list: twice `warn_days`,
/// at least two weeks.
/// Each owner's overdue and coming milestones (aliases merged), for `plan remind`.
pub type Reminders<'a> = std::collections::BTreeMap<String, (Vec<&'a ItemStatus>, Vec<&'a ItemStatus>)>;

/// What each owner must hear about: overdue items, and items not done that end within
/// the horizon ([`remind_horizon`]).
pub fn reminders<'a>(plans: &[super::model::Plan], r: &'a StatusReport, warn_days: i64) -> Reminders<'a> {
    let horizon = remind_horizon(warn_days);
    let mut letters = Reminders::new();
    for i in &r.items {
        let overdue = i.state == State::Overdue;
        let coming = !overdue && i.state != State::Done && i.days_left <= horizon;
        if !overdue && !coming {
            continue;
        }
        for o in super::status::canonical_owners(plans, i) {
            let e = letters.entry(o).or_default();
            if overdue { &mut e.0 } else { &mut e.1 }.push(i);
        }
    }
    letters
}

pub fn remind_horizon(warn_days: i64) -> i64 {
    (warn_days * 2).max(14)
}

/// A UID that stays the same for the same plan, milestone and branch.
fn uid(plan: &str, id: &str, branch: &str) -> String {
    let h = Sha256::digest(format!("{plan}\u{1f}{id}\u{1f}{branch}").as_bytes());
    format!("{}@rollout", &hex::encode(h)[..24])
}

/// One all-day event per milestone instance; DTSTAMP is the morning of `today` (UTC), so
/// the same plan gives the same file on the same day.
pub fn calendar(r: &StatusReport, org: &str, today: NaiveDate) -> String {
    use icalendar::{Calendar, Component, EventLike};
    let mut cal = Calendar::new();
    cal.name(&format!("{org}: план внедрения"));
    let stamp = today.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
    for i in &r.items {
        let start = i.start.unwrap_or(i.end);
        let mut desc = String::new();
        if !i.comment.is_empty() {
            desc.push_str(&i.comment);
            desc.push('\n');
        }
        desc.push_str(&format!("Мероприятие: {}\n", i.event));
        if !i.owners.is_empty() {
            desc.push_str(&format!("Ответственные: {}\n", i.owners.join(", ")));
        }
        desc.push_str(&format!(
            "Срок: {}\nСостояние на {}: {}",
            i.deadline,
            r.as_of.format("%d.%m.%Y"),
            i.state.ru()
        ));
        let ev = icalendar::Event::new()
            .uid(&uid(&i.plan, &i.id, &i.branch))
            .timestamp(stamp)
            .summary(&if i.branch.is_empty() {
                format!("{} — {WHOLE}", i.title)
            } else {
                i.label.clone()
            })
            .description(&desc)
            .starts(start)
            // DTEND of an all-day event is exclusive: the day after the window's last.
            .ends(i.end + Duration::days(1))
            .add_property("CATEGORIES", i.state.ru())
            .done();
        cal.push(ev);
    }
    cal.done().to_string()
}

/// Mermaid `gantt` text: a section per site, a task per milestone.
pub fn mermaid(r: &StatusReport) -> String {
    // Mermaid reads «:» as the start of the task's data and «#», «;» as syntax.
    let clean = |s: &str| -> String {
        let t: String = s
            .replace(':', " –")
            .chars()
            .map(|c| if matches!(c, ';' | '#') { ' ' } else { c })
            .collect();
        crate::normalize::clean_spaces(&t)
    };
    let mut out = String::from("gantt\n    dateFormat YYYY-MM-DD\n    axisFormat %d.%m\n");
    if let Some(t) = r.plans.first() {
        out.push_str(&format!("    title {}\n", clean(t)));
    }
    let mut sites: Vec<&str> = Vec::new();
    for i in &r.items {
        if !sites.contains(&site(&i.branch)) {
            sites.push(site(&i.branch));
        }
    }
    for (n, s) in sites.iter().enumerate() {
        out.push_str(&format!("    section {}\n", clean(s)));
        for i in r.items.iter().filter(|i| site(&i.branch) == *s) {
            let tag = match i.state {
                State::Done => "done, ",
                State::Overdue | State::Blocked => "crit, ",
                State::AtRisk | State::InProgress => "active, ",
                State::Planned => "",
            };
            let start = i.start.unwrap_or(i.end);
            // Mermaid's end date is exclusive.
            let end = i.end + Duration::days(1);
            out.push_str(&format!(
                "    {} :{tag}{}-{n}, {}, {}\n",
                clean(&i.title),
                i.id,
                start.format("%Y-%m-%d"),
                end.format("%Y-%m-%d")
            ));
        }
    }
    out
}

/// One bar of the SVG Gantt chart, in chart coordinates.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub y: f64,
    pub x: f64,
    pub width: f64,
    pub label: String,
    pub site: String,
    pub state: State,
    pub state_ru: &'static str,
    pub dates: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gantt {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    /// The as-of line; None when outside the chart.
    pub today_x: Option<f64>,
}

/// Months as the axis names them.
const MONTHS_SHORT: [&str; 12] = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"];

pub fn gantt(r: &StatusReport) -> Gantt {
    let (left, width, row) = (400.0, 1060.0, 22.0);
    // Room on the right for the last tick's label.
    let right = 40.0;
    let first = r.items.iter().map(|i| i.start.unwrap_or(i.end)).min().unwrap_or(r.as_of);
    let last = r.items.iter().map(|i| i.end).max().unwrap_or(r.as_of) + Duration::days(1);
    let days = ((last - first).num_days().max(1)) as f64;
    let scale = (width - left - right) / days;
    let x_of = |d: NaiveDate| left + (d - first).num_days() as f64 * scale;
    let mut items: Vec<&super::status::ItemStatus> = r.items.iter().collect();
    items.sort_by_key(|i| (i.start.unwrap_or(i.end), i.end, i.id.clone(), i.branch.clone()));
    let bars: Vec<Bar> = items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let s = i.start.unwrap_or(i.end);
            let x = x_of(s);
            Bar {
                y: 30.0 + n as f64 * row,
                x,
                width: (x_of(i.end + Duration::days(1)) - x).max(3.0),
                // The site first: a long title is cut at the end, and the site tells rows apart.
                label: if i.branch.is_empty() || i.title.contains(&i.branch) {
                    i.title.clone()
                } else {
                    format!("{} · {}", i.branch, i.title)
                },
                site: site(&i.branch).to_string(),
                state: i.state,
                state_ru: i.state.ru(),
                dates: match i.start {
                    Some(s) if s != i.end => format!("{} – {}", s.format("%d.%m.%Y"), i.end.format("%d.%m.%Y")),
                    _ => i.end.format("%d.%m.%Y").to_string(),
                },
            }
        })
        .collect();
    // A tick on the first of a month — every month, or every 2, 3, 4, 6 or 12 so that at most
    // 12 are labelled, at the year's start among them — naming the year on the first tick and
    // at each January; each Monday for a short plan.
    let mut ticks = Vec::new();
    if days <= 62.0 {
        let mut d = first;
        while d <= last {
            if d.weekday() == chrono::Weekday::Mon {
                ticks.push(Tick {
                    x: x_of(d),
                    label: d.format("%d.%m").to_string(),
                });
            }
            d += Duration::days(1);
        }
    } else {
        let firsts: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).filter(|d| d.day() == 1).collect();
        let step = [1, 2, 3, 4, 6, 12]
            .into_iter()
            .find(|s| firsts.iter().filter(|d| d.month0() % s == 0).count() <= 12)
            .unwrap_or(12);
        for (n, d) in firsts.iter().filter(|d| d.month0() % step == 0).enumerate() {
            let month = MONTHS_SHORT[d.month0() as usize];
            ticks.push(Tick {
                x: x_of(*d),
                label: if n == 0 || d.month() == 1 {
                    format!("{month} {}", d.year())
                } else {
                    month.to_string()
                },
            });
        }
    }
    let today_x = (r.as_of >= first && r.as_of <= last).then(|| x_of(r.as_of));
    Gantt {
        width,
        height: 40.0 + bars.len() as f64 * row,
        left,
        bars,
        ticks,
        today_x,
    }
}
