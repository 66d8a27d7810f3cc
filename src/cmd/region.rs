//! `rollout region run` and `rollout region status`: every organisation of a region in one
//! process, and the region's summary for the operator (see `rollout::region`).
//!
//! `region run` runs each workspace's `rollout run --no-pull` on worker threads (one per
//! core unless `--jobs`), each organisation's outputs in its own `out/` exactly as a single
//! `rollout run` writes them; what each says is kept with its name
//! (`REGION_OUT/messages.txt`) instead of mixing on the terminal. A workspace that fails is
//! named and the others go on.

use super::Global;
use super::ingest::{Stage, run_kept};
use rollout::console::Line;
use rollout::error::{Done, Error, Result};
use rollout::region::{Member, Region, RegionJson, Row, RunState, render, tables};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(clap::Subcommand)]
pub enum RegionCmd {
    /// Выполнить rollout run для каждой организации региона в одном процессе (без нового снимка платформы) и собрать сводку: REGION_OUT/region.xlsx, region.html, таблицы Parquet.
    #[command(
        after_help = "Примеры:\n  rollout region run регион/\n  rollout region run регион/ --out /srv/сводка --jobs 2\n\nПАПКА — папка региона: region.toml, где у каждого рабочего места свой раздел [[workspaces]] с его папкой, или подпапки организаций, в каждой свой rollout.toml.\nРезультаты каждой организации — в её out/, как после rollout run; сводка — в REGION_OUT (по умолчанию ПАПКА/out):\n  region.html, region.xlsx, region.json — по строке на организацию;\n  parquet/ — реестр, сопоставления и наборы изменений всего региона (people.parquet, groups.parquet, guardians.parquet, staff_roles.parquet, matches.parquet, changes.parquet, organisations.parquet);\n  messages.txt — что сказала каждая организация.\nПлатформа MAX в реальном времени не опрашивается: берётся снимок из rollout.toml или последний полный снимок (его снимает rollout run или rollout platform pull каждой организации).\nКоды выхода: 0 — все организации без проблем; 1 — где-то есть проблемы или ошибка (названы); 2 — ошибка в команде, папке региона или region.toml."
    )]
    Run(RunArgs),
    /// Сводка по последнему запуску каждой организации, без нового запуска: REGION_OUT/region.xlsx, region.html, region.json.
    #[command(
        after_help = "Примеры:\n  rollout region status регион/\n\nБерёт out/summary.json каждой организации (его пишет rollout run); организация, чей запуск в последнем region run закончился ошибкой, остаётся с ошибкой, пока её не запустят снова. Коды выхода: 0 — все организации без проблем; 1 — у какой-то есть проблемы или она не запускалась; 2 — ошибка в команде, папке региона или region.toml."
    )]
    Status(StatusArgs),
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Папка региона.
    #[arg(default_value = ".", value_name = "ПАПКА")]
    pub dir: PathBuf,
    /// Сколько организаций обрабатывать одновременно (по умолчанию — по числу ядер).
    #[arg(long, short = 'j', value_name = "ЧИСЛО", value_parser = jobs)]
    pub jobs: Option<u16>,
}

#[derive(clap::Args)]
pub struct StatusArgs {
    /// Папка региона.
    #[arg(default_value = ".", value_name = "ПАПКА")]
    pub dir: PathBuf,
}

pub fn run(g: &Global, cmd: RegionCmd) -> Result<Done> {
    match cmd {
        RegionCmd::Run(a) => region_run(g, a),
        RegionCmd::Status(a) => region_status(g, a),
    }
}

/// The region and where its summary goes; a summary folder that is some organisation's
/// own `out/` or inside its workspace is refused.
fn open(g: &Global, dir: &Path) -> Result<(Region, PathBuf)> {
    let region = rollout::region::discover(dir).map_err(Error::Usage)?;
    for d in &region.duplicates {
        rollout::errln!(
            "rollout: внимание: {}: рабочее место {d} перечислено дважды — взято один раз",
            dir.join(rollout::region::REGION_FILE).display()
        );
    }
    let out = g.out.clone().unwrap_or_else(|| dir.join("out"));
    if out.exists() && !out.is_dir() {
        return Err(Error::Output(anyhow::anyhow!(
            "{} — это файл, а не папка: укажите в --out папку",
            out.display()
        )));
    }
    let out_abs = rollout::region::real_path(&out);
    if let Some(m) = region
        .members
        .iter()
        .find(|m| out_abs.starts_with(rollout::region::real_path(&m.root)))
    {
        return Err(Error::msg(format!(
            "--out {}: это папка внутри рабочего места {} — сводку региона туда не пишем; укажите папку вне рабочих мест",
            out.display(),
            m.org
        )));
    }
    Ok((region, out))
}

/// Before any organisation runs: the summary's files in REGION_OUT must be rollout's to
/// replace (a file of someone else's there would otherwise stop the run at its very end).
fn check_summary_files(out: &Path, with_tables: bool) -> Result<()> {
    let mut names = vec!["region.json", "region.xlsx", "region.html"];
    if with_tables {
        names.push("messages.txt");
    }
    for name in names {
        let path = out.join(name);
        rollout::runlog::check_file(&path)
            .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", path.display()))))?;
    }
    if with_tables {
        let dir = out.join("parquet");
        rollout::runlog::check_dir(&dir)
            .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", dir.display()))))?;
    }
    Ok(())
}

/// `--jobs`: 1 to 256, said in Russian.
fn jobs(v: &str) -> std::result::Result<u16, String> {
    match v.trim().parse::<u16>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(format!(
            "«{v}» — нужно целое число от 1 до 256 (сколько организаций обрабатывать одновременно)"
        )),
    }
}

/// One organisation's run in this process: what `rollout run --no-pull` does, quiet.
fn run_one(g: &Global, place: usize, m: &Member, sink: &tables::Sink, sink_failed: &Mutex<Option<anyhow::Error>>) -> Result<Done> {
    let wg = Global {
        config: m.config(),
        out: None,
        quiet: true,
        lock_timeout: g.lock_timeout,
        command: "run",
    };
    let r = run_kept(&wg, Stage::Run { no_pull: true });
    rollout::runlog::end(&m.out());
    let (done, kept) = r?;
    if let Some(k) = kept
        && let Err(e) = sink.add(place, &m.org, &k.loaded.roster, k.diff.as_ref())
        && let Ok(mut f) = sink_failed.lock()
    {
        f.get_or_insert(e);
    }
    Ok(done)
}

/// An error as one Russian line (its causes after «: »).
fn one_line(e: &Error) -> String {
    rollout::error::lines_ru(e.chain()).join(": ")
}

struct Outcome {
    result: std::result::Result<Done, String>,
    lines: Vec<Line>,
}

fn progress(quiet: bool, n: usize) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} организации {pos}/{len} {wide_bar} {elapsed}, осталось ≈{eta} {msg}")
    {
        pb.set_style(style);
    }
    pb
}

fn region_run(g: &Global, a: RunArgs) -> Result<Done> {
    let (region, out) = open(g, &a.dir)?;
    rollout::runlog::begin(&out, "region run");
    check_summary_files(&out, true)?;
    let members = &region.members;
    // The tables are begun first: an unwritable summary folder stops before any work.
    let sink = tables::Sink::begin(&out.join("parquet")).map_err(Error::Output)?;
    let sink_failed: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let jobs = a.jobs.map(usize::from).unwrap_or(cores).clamp(1, members.len().max(1));
    let pb = progress(g.quiet, members.len());
    let next = AtomicUsize::new(0);
    let outcomes: Vec<Mutex<Option<Outcome>>> = members.iter().map(|_| Mutex::new(None)).collect();
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(m) = members.get(i) else { break };
                    let (result, lines) = rollout::console::capture(|| {
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_one(g, i, m, &sink, &sink_failed)))
                    });
                    // its rows (none when it failed) go out in the region's order
                    if let Err(e) = sink.done(i)
                        && let Ok(mut f) = sink_failed.lock()
                    {
                        f.get_or_insert(e);
                    }
                    let result = match result {
                        Ok(Ok(done)) => Ok(done),
                        Ok(Err(e)) => Err(one_line(&e)),
                        Err(_) => {
                            rollout::runlog::end(&m.out());
                            Err("внутренняя ошибка rollout — сообщите разработчикам (сообщение выше, в stderr)".to_string())
                        }
                    };
                    if let Ok(mut slot) = outcomes[i].lock() {
                        *slot = Some(Outcome { result, lines });
                    }
                    pb.set_message(m.org.clone());
                    pb.inc(1);
                }
            });
        }
    });
    pb.finish_and_clear();
    rollout::human::timing("region-run", started);
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| {
            o.into_inner().ok().flatten().unwrap_or(Outcome {
                result: Err("не выполнено".into()),
                lines: Vec::new(),
            })
        })
        .collect();
    let rows: Vec<Row> = members
        .iter()
        .zip(&outcomes)
        .map(|(m, o)| Row::from_last_run(m, o.result.as_ref().err().cloned()))
        .collect();
    let report = region_json(&region, rows);
    write_summary(&out, &report)?;
    write_messages(&out, members, &outcomes)?;
    let tables_done = match sink_failed.into_inner().ok().flatten() {
        Some(e) => Err(e),
        None => sink.finish(&report.organisations),
    };
    let counts = tables_done.map_err(|e| {
        Error::Output(e.context(format!(
            "таблицы Parquet не записаны: в {} остались прежние",
            out.join("parquet").display()
        )))
    })?;
    for (m, o) in members.iter().zip(&outcomes) {
        if let Err(why) = &o.result {
            rollout::errln!("rollout: ошибка: {} ({}): {why}", m.org, m.root.display());
        }
    }
    if !g.quiet {
        let mut text = render::terminal(&report, 20);
        text.push_str(&format!(
            "Сводка: {}, {}\nТаблицы Parquet ({}): {}\n",
            out.join("region.html").display(),
            out.join("region.xlsx").display(),
            counts.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", "),
            out.join("parquet").display()
        ));
        let said = outcomes.iter().filter(|o| !o.lines.is_empty()).count();
        if said > 0 {
            text.push_str(&format!(
                "Сообщения организаций ({}): {}\n",
                rollout::human::ru_count(said, ["организация", "организации", "организаций"]),
                out.join("messages.txt").display()
            ));
        }
        super::print_raw(text.as_bytes());
    }
    Ok(exit_of(&report))
}

fn region_status(g: &Global, a: StatusArgs) -> Result<Done> {
    let (region, out) = open(g, &a.dir)?;
    rollout::runlog::begin(&out, "region status");
    check_summary_files(&out, false)?;
    let failed = failed_last_time(&out);
    let rows: Vec<Row> = region
        .members
        .iter()
        .map(|m| Row::from_last_run(m, failed.get(&m.org).and_then(|f| still_failed(m, f))))
        .collect();
    let report = region_json(&region, rows);
    write_summary(&out, &report)?;
    warn_old_tables(&out, &region.members)?;
    if !g.quiet {
        let mut text = render::terminal(&report, 20);
        text.push_str(&format!(
            "Сводка: {}, {}\n",
            out.join("region.html").display(),
            out.join("region.xlsx").display()
        ));
        super::print_raw(text.as_bytes());
    }
    Ok(exit_of(&report))
}

/// The workspaces the last `region run` (or `region status`) found failed, from the
/// region.json it left: org → (why, when region.json was written).
fn failed_last_time(out: &Path) -> std::collections::HashMap<String, (String, std::time::SystemTime)> {
    let path = out.join("region.json");
    let Ok(modified) = std::fs::metadata(&path).and_then(|m| m.modified()) else {
        return Default::default();
    };
    let Ok(prev) = std::fs::read(&path)
        .map_err(|_| ())
        .and_then(|b| serde_json::from_slice::<RegionJson>(&b).map_err(|_| ()))
    else {
        return Default::default();
    };
    prev.organisations
        .into_iter()
        .filter(|r| r.state == RunState::Failed)
        .filter_map(|r| Some((r.org, (r.error?, modified))))
        .collect()
}

/// A failure the last region run recorded still stands unless the workspace has run
/// since (its summary.json is newer than that region.json).
fn still_failed(m: &Member, (why, when): &(String, std::time::SystemTime)) -> Option<String> {
    let ran = std::fs::metadata(m.out().join(rollout::region::summary::FILE)).and_then(|m| m.modified());
    match ran {
        Ok(t) if t > *when => None,
        _ => Some(why.clone()),
    }
}

/// `region status`: the Parquet tables of the last `region run` no longer go with an
/// organisation that has run on its own since — they are marked stale in run.json and said.
fn warn_old_tables(out: &Path, members: &[Member]) -> Result<()> {
    let dir = out.join("parquet");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(tables) = modified(&dir.join("organisations.parquet")) else {
        return Ok(());
    };
    let newer = members
        .iter()
        .filter(|m| modified(&m.out().join(rollout::region::summary::FILE)).is_some_and(|t| t > tables))
        .count();
    if newer == 0 {
        return Ok(());
    }
    let rels: Vec<String> = tables::TABLES.iter().map(|(t, _)| format!("parquet/{t}.parquet")).collect();
    let rels: Vec<&str> = rels.iter().map(String::as_str).collect();
    rollout::runlog::mark_stale(out, &rels, "сводка региона").map_err(Error::output)?;
    rollout::errln!(
        "rollout: внимание: таблицы Parquet в {} старше последнего запуска {} — их обновит rollout region run",
        dir.display(),
        rollout::human::ru_count(newer, ["организации", "организаций", "организаций"])
    );
    Ok(())
}

fn region_json(region: &Region, rows: Vec<Row>) -> RegionJson {
    RegionJson {
        version: 1,
        name: region.name.clone(),
        as_of: rollout::clock::today(chrono_tz::Europe::Moscow).to_string(),
        totals: rollout::region::totals(&rows),
        organisations: rows,
    }
}

/// 0 when every organisation's run was clean; 1 otherwise.
fn exit_of(r: &RegionJson) -> Done {
    if r.organisations.iter().all(|o| o.state == RunState::Clean) {
        Done::Clean
    } else {
        Done::Problems
    }
}

/// region.json, region.xlsx and region.html: built first, then written.
fn write_summary(out: &Path, report: &RegionJson) -> Result<()> {
    let html = render::html(report).map_err(Error::Output)?;
    let xlsx = render::xlsx(&out.join("region.xlsx"), report).map_err(Error::Output)?;
    for (name, bytes) in [
        ("region.json", render::json(report)),
        ("region.xlsx", xlsx),
        ("region.html", html.into_bytes()),
    ] {
        let path = out.join(name);
        rollout::output::write_private(&path, &bytes)
            .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", path.display()))))?;
    }
    Ok(())
}

/// messages.txt: what each organisation said, under its name (those that said nothing
/// are left out).
fn write_messages(out: &Path, members: &[Member], outcomes: &[Outcome]) -> Result<()> {
    let mut text = String::new();
    for (m, o) in members.iter().zip(outcomes) {
        if o.lines.is_empty() && o.result.is_ok() {
            continue;
        }
        text.push_str(&format!("== {} ({})\n", m.org, m.root.display()));
        for l in &o.lines {
            match l {
                Line::Out(s) | Line::Err(s) => {
                    text.push_str(s);
                    text.push('\n');
                }
            }
        }
        if let Err(why) = &o.result {
            text.push_str(&format!("rollout: ошибка: {why}\n"));
        }
        text.push('\n');
    }
    let path = out.join("messages.txt");
    rollout::output::write_private(&path, text.as_bytes())
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", path.display()))))
}
