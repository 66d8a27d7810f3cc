//! The `rollout` command: parse, dispatch, map errors to exit codes.
//! 0 done and clean; 1 done, problems reported; 2 usage or configuration error;
//! 3 a source could not be read at all; 4 network/API failure.

use anyhow::Context;
use clap::{Parser, Subcommand};
use rollout::config::Config;
use rollout::ingest::ReadMode;
use rollout::pipeline::{self, Outcome};
use rollout::profile::Profile;
use rollout::state::Store;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const EXAMPLES: &str = "Examples:
  rollout init my-college --profile college    write a starter workspace
  rollout run --config my-college/rollout.toml  run every stage, print a summary
  rollout check                                 report problems in the sources
  rollout ingest --out /tmp/out                 write the clean roster to /tmp/out/roster/";

#[derive(Parser)]
#[command(name = "rollout", version, about = "Move a whole educational organisation onto the Sferum / MAX platform and keep it in sync",
    after_help = EXAMPLES)]
struct Cli {
    /// The workspace file.
    #[arg(long, global = true, default_value = "rollout.toml", value_name = "PATH")]
    config: PathBuf,
    /// Where generated files go (default: out/ next to the config).
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<PathBuf>,
    /// No progress bar and no summary tables.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a starter workspace: rollout.toml with every key commented, sources/, plans/, templates/.
    #[command(after_help = "Examples:\n  rollout init my-school --profile school\n  rollout init . --profile kindergarten --force")]
    Init {
        /// The folder to create (default: the current folder).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// school | college | kindergarten | supplementary
        #[arg(long, value_parser = parse_profile)]
        profile: Profile,
        /// The organisation's name for rollout.toml.
        #[arg(long, default_value = "")]
        name: String,
        /// Write into a non-empty folder (an existing rollout.toml is replaced).
        #[arg(long)]
        force: bool,
    },
    /// Read every source into the clean roster (OUT/roster/) and report problems (OUT/problems.csv).
    #[command(after_help = "Examples:\n  rollout ingest\n  rollout ingest --config samples/college/rollout.toml --out /tmp/college")]
    Ingest,
    /// Check the sources and report every problem (OUT/problems.csv, OUT/problems.xlsx).
    #[command(after_help = "Examples:\n  rollout check\n  rollout check --config samples/college/rollout.toml")]
    Check,
    /// Diff the roster against the platform: OUT/matches.csv, OUT/changes.json, OUT/changes.xlsx.
    #[command(
        after_help = "Examples:\n  rollout diff\n  rollout diff --platform platform/          a snapshot folder\n  rollout diff --platform members.xlsx       a member export"
    )]
    Diff {
        /// A snapshot folder or a member export file (default: [platform] in rollout.toml).
        #[arg(long, value_name = "PATH")]
        platform: Option<PathBuf>,
    },
    /// Settle a review item: this platform account is this roster person.
    #[command(after_help = "Examples:\n  rollout confirm 700123 s1a2b3c4d5e")]
    Confirm { user_id: i64, person_id: String },
    /// Settle a review item: this platform account is not this roster person.
    #[command(after_help = "Examples:\n  rollout reject 700123 s1a2b3c4d5e")]
    Reject { user_id: i64, person_id: String },
    /// Approve a held change set by its hash; refused if its inputs changed since.
    #[command(after_help = "Examples:\n  rollout approve 3f2a…   (the hash rollout diff printed)")]
    Approve {
        /// The hash `rollout diff` printed (the full one, or its first 8+ characters).
        hash: String,
        /// The platform source the change set was made from, if not [platform] in rollout.toml.
        #[arg(long, value_name = "PATH")]
        platform: Option<PathBuf>,
    },
    /// Delete what the state store keeps about people no longer on the roster.
    #[command(after_help = "Examples:\n  rollout purge --before 2026-09-01")]
    Purge {
        /// Forget people last seen before this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        before: String,
    },
    /// Letters, mailing lists, QR slips and .eml files for people who still have to join.
    #[command(
        after_help = "Examples:\n  rollout letters              only people the change set says must still join\n  rollout letters --all        everyone\n  rollout letters --no-qr      without the printable slips"
    )]
    Letters {
        /// Letters for everyone, not only those who still have to join.
        #[arg(long)]
        all: bool,
        /// Skip the printable QR slips.
        #[arg(long)]
        no_qr: bool,
        /// Skip the .eml files.
        #[arg(long)]
        no_eml: bool,
        #[arg(long, value_name = "PATH")]
        platform: Option<PathBuf>,
    },
    /// Invite links: the registry and the admin's checklist.
    Links {
        #[command(subcommand)]
        cmd: LinksCmd,
    },
    /// Rollout plans: status per branch and owner, check-offs, import, calendar, Gantt, reminders.
    Plan {
        #[command(subcommand)]
        cmd: PlanCmd,
    },
    /// The dashboard (OUT/report.html, opens offline) and the director's usage summary (OUT/usage.xlsx).
    #[command(after_help = "Examples:\n  rollout report\n  rollout report --as-of 2027-03-01")]
    Report {
        /// The day the plan status is for (YYYY-MM-DD; default: today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// A snapshot folder or a member export (default: [platform] in rollout.toml).
        #[arg(long, value_name = "PATH")]
        platform: Option<PathBuf>,
    },
    /// The main job: every stage in order, with a short summary at the end.
    #[command(after_help = "Examples:\n  rollout run\n  rollout run --config samples/college/rollout.toml")]
    Run,
    /// Internal: read one source file and print it as JSON (the isolated reader).
    #[command(name = "__read-source", hide = true)]
    ReadSource {
        path: PathBuf,
        #[arg(long)]
        encoding: Option<String>,
        #[arg(long)]
        delimiter: Option<String>,
    },
}

#[derive(Subcommand)]
enum LinksCmd {
    /// Per branch: groups without a link, links gone from the platform, links to rotate,
    /// chats nobody joined lately although people still have to join.
    #[command(after_help = "Examples:\n  rollout links status")]
    Status {
        #[arg(long, value_name = "PATH")]
        platform: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum PlanCmd {
    /// Where each milestone stands, per branch and per owner.
    #[command(
        after_help = "Examples:\n  rollout plan status\n  rollout plan status --as-of 2024-03-01\n  rollout plan status --json --plan plans/college-binding.toml"
    )]
    Status {
        #[command(flatten)]
        sel: PlanSel,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Check off a manual milestone (kept with who, when and the note; history is kept).
    #[command(
        after_help = "Examples:\n  rollout plan done staff-seminar --branch \"Бардымский филиал\" --note \"семинар проведён 21.02\"\n  rollout plan done ej-binding --undo --note \"отметили по ошибке\""
    )]
    Done {
        /// The milestone id (see rollout plan status).
        id: String,
        /// The branch, for a milestone kept per branch.
        #[arg(long)]
        branch: Option<String>,
        /// What was done, for the history (e.g. «семинар проведён 21.02, 14 человек»).
        #[arg(long, default_value = "", hide_default_value = true)]
        note: String,
        /// Who checks it off (default: the login name).
        #[arg(long)]
        by: Option<String>,
        /// The day it was done (YYYY-MM-DD; default: today).
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Withdraw the check-off.
        #[arg(long)]
        undo: bool,
        /// One plan file (default: every *.toml in [plans] dir).
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
    },
    /// Turn the plan table a college already has (xlsx, xls, ods, csv, docx) into a plan file.
    #[command(
        after_help = "Examples:\n  rollout plan import План_мероприятий.docx\n  rollout plan import plan.xlsx --to plans/binding.toml --force"
    )]
    Import {
        /// The plan table: .xlsx, .xls, .ods, .csv or .docx.
        file: PathBuf,
        /// The plan file to write (default: plans/<file name>.toml in the workspace).
        #[arg(long, value_name = "PATH")]
        to: Option<PathBuf>,
        /// Replace an existing plan file.
        #[arg(long)]
        force: bool,
    },
    /// An .ics calendar with one all-day event per milestone (OUT/plan/calendar.ics).
    #[command(after_help = "Examples:\n  rollout plan calendar")]
    Calendar {
        #[command(flatten)]
        sel: PlanSel,
    },
    /// Mermaid gantt text on stdout.
    #[command(after_help = "Examples:\n  rollout plan gantt > plan.mmd")]
    Gantt {
        #[command(flatten)]
        sel: PlanSel,
    },
    /// A letter to each owner with their overdue and coming milestones (OUT/plan/remind/).
    #[command(after_help = "Examples:\n  rollout plan remind\n  rollout plan remind --as-of 2024-02-26")]
    Remind {
        #[command(flatten)]
        sel: PlanSel,
    },
}

#[derive(clap::Args)]
struct PlanSel {
    /// The day (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// One plan file (default: every *.toml in [plans] dir).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// A snapshot folder or a member export, for measured milestones.
    #[arg(long, value_name = "PATH")]
    platform: Option<PathBuf>,
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::from_code(s).ok_or_else(|| "expected one of: school, college, kindergarten, supplementary".to_string())
}

/// A failure with the exit code it maps to.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn usage(e: impl Into<anyhow::Error>) -> Failure {
    Failure { code: 2, error: e.into() }
}

fn main() -> ExitCode {
    reset_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            let top = f.error.to_string();
            eprintln!("rollout: error: {top}");
            for cause in f.error.chain().skip(1) {
                let c = cause.to_string();
                // Errors that already quote their cause are not repeated.
                if !top.contains(&c) {
                    eprintln!("  caused by: {c}");
                }
            }
            ExitCode::from(f.code)
        }
    }
}

/// A closed pipe (`rollout check | head`) ends the program quietly, as for any Unix tool.
fn reset_sigpipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any output.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn load_config(path: &Path) -> Result<Config, Failure> {
    let cfg = Config::load(path).map_err(usage)?;
    pipeline::set_timezone(cfg.tz);
    for key in &cfg.unknown_keys {
        eprintln!("rollout: warning: {}: unknown key `{key}` (ignored)", path.display());
    }
    Ok(cfg)
}

fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stdout().is_terminal() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} чтение файлов {pos}/{len} {wide_bar} {elapsed}") {
        pb.set_style(style);
    }
    pb
}

fn read_mode() -> ReadMode {
    match std::env::current_exe() {
        Ok(exe) => ReadMode::Isolated { exe },
        Err(_) => ReadMode::InProcess,
    }
}

fn dispatch(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::ReadSource { path, encoding, delimiter } => {
            let opts = rollout::ingest::read::ReadOptions { encoding, delimiter };
            Ok(rollout::ingest::isolate::child_main(&path, &opts) as u8)
        }
        Command::Init { dir, profile, name, force } => {
            rollout::init::init(&dir, profile, &name, force).map_err(usage)?;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "Создано рабочее место: {} (профиль {}).", dir.display(), profile.code());
            let _ = writeln!(
                out,
                "Дальше: положите выгрузки в {}/sources/, проверьте rollout.toml и выполните",
                dir.display()
            );
            let _ = writeln!(out, "  rollout run --config {}", dir.join("rollout.toml").display());
            Ok(0)
        }
        Command::Diff { platform } => {
            let cfg = load_config(&cli.config)?;
            let out_dir = pipeline::default_out(&cfg, cli.out.as_deref());
            let outcome = ingest(&cfg, cli.quiet)?;
            // The change set names people by id: the roster it refers to is written beside it.
            write_outputs(&out_dir, &cfg, &outcome, true).map_err(|e| Failure { code: 2, error: e })?;
            let (code, _) = run_diff(&cfg, &outcome, platform.as_deref(), &out_dir, cli.quiet)?;
            Ok(code.max(if outcome.unreadable > 0 { 3 } else { 0 }))
        }
        Command::Confirm { user_id, ref person_id } | Command::Reject { user_id, ref person_id } => {
            let confirm = matches!(cli.command, Command::Confirm { .. });
            let person_id = person_id.clone();
            let cfg = load_config(&cli.config)?;
            let outcome = ingest(&cfg, true)?;
            let person = outcome.roster.people.iter().find(|p| p.id == person_id).ok_or_else(|| {
                usage(anyhow::anyhow!(
                    "no person {person_id} on the roster (see out/roster/people.csv or the review list in out/changes.xlsx)"
                ))
            })?;
            let mut store = Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?;
            let today = pipeline::today().format("%Y-%m-%d").to_string();
            let r = if confirm {
                store.confirm(user_id, &person_id, person.kind, &today)
            } else {
                store.reject(user_id, &person_id, person.kind, &today)
            };
            r.map_err(|e| Failure { code: 3, error: e.into() })?;
            println!(
                "{} участник {user_id} — {person_id}. Выполните rollout diff, чтобы пересчитать набор изменений.",
                if confirm {
                    "Подтверждено:"
                } else {
                    "Отклонено:"
                }
            );
            Ok(0)
        }
        Command::Approve { ref hash, ref platform } => {
            let cfg = load_config(&cli.config)?;
            let outcome = ingest(&cfg, true)?;
            let source = pipeline::platform_source(&cfg, platform.as_deref()).ok_or_else(|| {
                usage(anyhow::anyhow!(
                    "no platform source: set [platform] snapshot or export in rollout.toml, or pass --platform"
                ))
            })?;
            let state = source.load().map_err(|e| Failure { code: 3, error: e.into() })?;
            let mut store = Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?;
            let d = pipeline::compute_diff(&cfg, &outcome, state, &store).map_err(|e| Failure { code: 3, error: e })?;
            // The short form the summary prints (12 characters) is enough to name a change set.
            let given = hash.trim().trim_end_matches('…').to_lowercase();
            if given.len() < 8 || !given.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(usage(anyhow::anyhow!(
                    "«{}» is not a change set hash: give the hash `rollout diff` printed (at least 8 characters)",
                    hash.trim()
                )));
            }
            if !d.changes.hash.starts_with(&given) {
                return Err(usage(anyhow::anyhow!(
                    "refused: the change set {} no longer matches its inputs (sources, rollout.toml, the platform or decisions changed; now {}). Run `rollout diff` again and review the new change set (if it was made with --platform, pass the same --platform here)",
                    hash.trim(),
                    d.changes.hash
                )));
            }
            let today = pipeline::today().format("%Y-%m-%d").to_string();
            store
                .approve(&d.changes.hash, &today)
                .map_err(|e| Failure { code: 3, error: e.into() })?;
            // An approved shrink becomes the new reference size.
            store
                .set_roster_sizes(&d.assessment.sizes)
                .map_err(|e| Failure { code: 3, error: e.into() })?;
            println!(
                "Набор изменений {} подтверждён ({}).",
                d.changes.hash,
                pipeline::ru_count(d.changes.actions.len(), ["действие", "действия", "действий"])
            );
            Ok(0)
        }
        Command::Purge { ref before } => {
            let date = chrono::NaiveDate::parse_from_str(before.trim(), "%Y-%m-%d")
                .map_err(|_| usage(anyhow::anyhow!("--before takes a date as YYYY-MM-DD, got «{before}»")))?;
            if date > pipeline::today() {
                return Err(usage(anyhow::anyhow!(
                    "--before {before} is in the future: purge forgets people no longer on the roster who were last seen before that date, and a future date would also forget today's departures (their removals would be lost)"
                )));
            }
            let cfg = load_config(&cli.config)?;
            let outcome = ingest(&cfg, true)?;
            if outcome.unreadable > 0 {
                return Err(Failure {
                    code: 3,
                    error: anyhow::anyhow!(
                        "some sources could not be read: purge refused, it would forget people who are still on the roster"
                    ),
                });
            }
            let current: std::collections::HashSet<String> = outcome.roster.people.iter().map(|p| p.id.clone()).collect();
            let mut store = Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?;
            let n = store
                .purge(&current, &date.format("%Y-%m-%d").to_string())
                .map_err(|e| Failure { code: 3, error: e.into() })?;
            println!(
                "Удалены сведения о {n} людях, которых нет в списках и которые последний раз встречались до {}.",
                date.format("%d.%m.%Y")
            );
            Ok(0)
        }
        Command::Letters {
            all,
            no_qr,
            no_eml,
            ref platform,
        } => {
            let cfg = load_config(&cli.config)?;
            let out_dir = pipeline::default_out(&cfg, cli.out.as_deref());
            let outcome = ingest(&cfg, cli.quiet)?;
            // Letters name people by id: the roster they refer to is written beside them.
            write_outputs(&out_dir, &cfg, &outcome, true).map_err(|e| Failure { code: 2, error: e })?;
            let (_store, diff, _chats, links) = link_context(&cfg, &outcome, platform.as_deref())?;
            let engine = rollout::letters::Engine::new(Some(&cfg.root.join("templates"))).map_err(usage)?;
            let rules = rollout::letters::rules_lines(&engine, &cfg.organization.name).map_err(usage)?;
            let inputs = rollout::letters::Inputs {
                cfg: &cfg,
                roster: &outcome.roster,
                links: &links.current,
                changes: diff.as_ref().map(|d| &d.changes),
                rules,
            };
            let date = pipeline::today().and_hms_opt(9, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0);
            let opts = rollout::letters::Options {
                all,
                qr: !no_qr,
                eml: !no_eml,
                date,
            };
            let r = rollout::letters::render(&engine, &inputs, &opts).map_err(usage)?;
            write_letters(&out_dir.join("letters"), &r).map_err(|e| Failure { code: 2, error: e })?;
            let mut out = std::io::stdout().lock();
            for p in &links.problems {
                let _ = writeln!(
                    out,
                    "Ссылка не принята: {} {} {} — {} ({})",
                    p.location.file, p.location.sheet, p.location.cell, p.message, p.found
                );
            }
            let _ = writeln!(
                out,
                "Письма: родителям {}, кураторам {}, сотрудникам {}; листков с QR {}; .eml {}; SMS {}; на печать {} — {}",
                r.parents,
                r.curators,
                r.staff,
                r.slips,
                r.eml,
                r.sms,
                r.print,
                out_dir.join("letters").display()
            );
            if r.without_link > 0 {
                let _ = writeln!(out, "Без ссылки (чата нет): {} — см. rollout links status", r.without_link);
            }
            if diff.is_none() && !all {
                let _ = writeln!(out, "Платформа не задана ([platform]): письма подготовлены для всех.");
            }
            Ok(if links.problems.is_empty() { 0 } else { 1 })
        }
        Command::Links {
            cmd: LinksCmd::Status { ref platform },
        } => {
            let cfg = load_config(&cli.config)?;
            let out_dir = pipeline::default_out(&cfg, cli.out.as_deref());
            let outcome = ingest(&cfg, true)?;
            let (store, diff, chats, links) = link_context(&cfg, &outcome, platform.as_deref())?;
            let checks = pipeline::link_checklist(&cfg, &outcome, &links, diff.as_ref().map(|d| &d.changes), &store, &chats)
                .map_err(|e| Failure { code: 3, error: e })?;
            write_link_status(&out_dir, &checks, &store).map_err(|e| Failure { code: 2, error: e })?;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "Ссылок: {}; к проверке: {}",
                links.current.len(),
                checks.len() + links.problems.len()
            );
            for p in &links.problems {
                let _ = writeln!(
                    out,
                    "  ! ссылка не принята: {} {} {} — {} ({})",
                    p.location.file, p.location.sheet, p.location.cell, p.message, p.found
                );
            }
            let mut branch = String::new();
            for c in &checks {
                if c.branch != branch {
                    branch = c.branch.clone();
                    let _ = writeln!(out, "{branch}:");
                }
                let what = match c.kind {
                    "missing" => "нет ссылки",
                    "disappeared" => "ссылка пропала",
                    "old" => "пора заменить",
                    _ => "никто не вступает",
                };
                let audience = rollout::platform::place::ChatAudience::code_ru(&c.audience);
                let _ = writeln!(
                    out,
                    "  [ ] {what}: {} {audience} — {}",
                    if c.group.is_empty() {
                        "чат сотрудников"
                    } else {
                        c.group.as_str()
                    },
                    c.detail
                );
            }
            Ok(if checks.is_empty() && links.problems.is_empty() { 0 } else { 1 })
        }
        Command::Ingest | Command::Check | Command::Run => {
            let cfg = load_config(&cli.config)?;
            let out_dir = pipeline::default_out(&cfg, cli.out.as_deref());
            let pb = progress_bar(cli.quiet);
            let outcome = pipeline::ingest_and_build(&cfg, &read_mode(), &pb).map_err(|e| Failure { code: 3, error: e })?;
            let writes_roster = !matches!(cli.command, Command::Check);
            let t = std::time::Instant::now();
            // An output folder we cannot write is a usage error: --out or the folder's rights.
            write_outputs(&out_dir, &cfg, &outcome, writes_roster).map_err(|e| Failure { code: 2, error: e })?;
            pipeline::timing("write", t);
            if !cli.quiet {
                let mut out = std::io::stdout().lock();
                let _ = print_summary(&mut out, &cfg, &outcome, &out_dir, writes_roster);
            }
            let mut code = exit_code(&outcome);
            if matches!(cli.command, Command::Run) {
                let mut diff = None;
                if pipeline::platform_source(&cfg, None).is_some() {
                    let (c, d) = run_diff(&cfg, &outcome, None, &out_dir, cli.quiet)?;
                    code = code.max(c);
                    diff = Some(d);
                }
                // The run ends with the dashboard: roster, platform and plans in one page.
                let chats = diff.as_ref().map(|d| d.chats.as_slice()).unwrap_or(&[]);
                let links = pipeline::collect_links(&cfg, &outcome, chats);
                let usage = measure_usage(&cfg, &outcome, diff.as_ref(), chats, &links);
                let mut store = Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?;
                let (plans, errors) = rollout::report::load_plans(&cfg, None);
                for e in &errors {
                    eprintln!("rollout: внимание: план не вошёл в отчёт: {e}");
                }
                let status = if plans.is_empty() {
                    None
                } else {
                    Some(
                        rollout::report::plan_status(&cfg, &plans, &usage, &mut store, pipeline::today())
                            .map_err(|e| Failure { code: 3, error: e })?,
                    )
                };
                let path = write_report(&cfg, &usage, status.as_ref(), &out_dir)?;
                if !cli.quiet {
                    println!(
                        "Отчёт: {}; сводка для директора: {}",
                        path.display(),
                        out_dir.join("usage.xlsx").display()
                    );
                }
            }
            Ok(code)
        }
        Command::Plan { ref cmd } => plan_command(&cli, cmd),
        Command::Report { ref as_of, ref platform } => {
            let cfg = load_config(&cli.config)?;
            let out_dir = pipeline::default_out(&cfg, cli.out.as_deref());
            let as_of = parse_day(as_of.as_deref())?;
            let outcome = ingest(&cfg, cli.quiet)?;
            let (mut store, diff, chats, links) = link_context(&cfg, &outcome, platform.as_deref())?;
            let usage = measure_usage(&cfg, &outcome, diff.as_ref(), &chats, &links);
            let (plans, errors) = rollout::report::load_plans(&cfg, None);
            if !errors.is_empty() {
                return Err(plan_errors(errors));
            }
            let status = if plans.is_empty() {
                None
            } else {
                Some(rollout::report::plan_status(&cfg, &plans, &usage, &mut store, as_of).map_err(|e| Failure { code: 3, error: e })?)
            };
            let path = write_report(&cfg, &usage, status.as_ref(), &out_dir)?;
            if !cli.quiet {
                println!("Отчёт: {}", path.display());
                println!("Сводка для директора: {}", out_dir.join("usage.xlsx").display());
            }
            Ok(0)
        }
    }
}

fn parse_day(s: Option<&str>) -> Result<chrono::NaiveDate, Failure> {
    match s {
        None => Ok(pipeline::today()),
        Some(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .or_else(|_| chrono::NaiveDate::parse_from_str(d.trim(), "%d.%m.%Y"))
            .map_err(|_| usage(anyhow::anyhow!("«{d}» is not a date: write it as 2024-03-01 or 01.03.2024"))),
    }
}

fn plan_errors(errors: Vec<rollout::plans::model::PlanError>) -> Failure {
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    usage(anyhow::anyhow!("план нельзя использовать:\n{}", text.join("\n")))
}

/// Usage per group and branch; without a platform, shares are unknown.
fn measure_usage(
    cfg: &Config,
    outcome: &Outcome,
    diff: Option<&pipeline::DiffOutcome>,
    chats: &[(rollout::platform::ChatState, Result<rollout::platform::place::Placement, String>)],
    links: &pipeline::LinkSet,
) -> rollout::plans::measure::Usage {
    let linked = links.current.keys().cloned().collect();
    rollout::plans::measure::measure(&rollout::plans::measure::MeasureInput {
        cfg,
        roster: &outcome.roster,
        chats: diff.map(|_| chats),
        matches: diff.map(|d| d.matches.as_slice()).unwrap_or(&[]),
        linked: &linked,
    })
}

fn write_report(
    cfg: &Config,
    usage: &rollout::plans::measure::Usage,
    status: Option<&rollout::plans::status::StatusReport>,
    out_dir: &Path,
) -> Result<PathBuf, Failure> {
    let fail = |e: anyhow::Error| Failure { code: 2, error: e };
    let html = rollout::report::dashboard_html(cfg, usage, status).map_err(fail)?;
    let xlsx = rollout::report::usage_xlsx(usage).map_err(fail)?;
    rollout::output::ensure_dir(out_dir).map_err(|e| fail(e.into()))?;
    let path = out_dir.join("report.html");
    rollout::output::write_private(&path, html.as_bytes())
        .map_err(|e| fail(anyhow::Error::new(e).context(format!("cannot write {}", path.display()))))?;
    let x = out_dir.join("usage.xlsx");
    rollout::output::write_private(&x, &xlsx).map_err(|e| fail(anyhow::Error::new(e).context(format!("cannot write {}", x.display()))))?;
    Ok(path)
}

/// Plans, the measured usage (only when a milestone is measured) and the status on the day.
fn plan_context(cfg: &Config, sel: &PlanSel) -> Result<(Vec<rollout::plans::model::Plan>, rollout::plans::status::StatusReport), Failure> {
    let as_of = parse_day(sel.as_of.as_deref())?;
    if let Some(p) = &sel.plan
        && !p.is_file()
    {
        return Err(usage(anyhow::anyhow!("--plan {}: файла нет", p.display())));
    }
    let (plans, errors) = rollout::report::load_plans(cfg, sel.plan.as_deref());
    if !errors.is_empty() {
        return Err(plan_errors(errors));
    }
    if plans.is_empty() {
        return Err(usage(anyhow::anyhow!(
            "в {} нет планов: положите туда файл плана (образец — plans/college-binding.toml) или сделайте его из таблицы: rollout plan import ФАЙЛ",
            cfg.root.join(&cfg.plans.dir).display()
        )));
    }
    let (mut store, usage) = if rollout::report::needs_measures(&plans) {
        let outcome = ingest(cfg, true)?;
        let (store, diff, chats, links) = link_context(cfg, &outcome, sel.platform.as_deref())?;
        let u = measure_usage(cfg, &outcome, diff.as_ref(), &chats, &links);
        (store, u)
    } else {
        (
            Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?,
            Default::default(),
        )
    };
    let report = rollout::report::plan_status(cfg, &plans, &usage, &mut store, as_of).map_err(|e| Failure { code: 3, error: e })?;
    Ok((plans, report))
}

fn plan_command(cli: &Cli, cmd: &PlanCmd) -> Result<u8, Failure> {
    use rollout::plans::status::State;
    match cmd {
        PlanCmd::Import { file, to, force } => return plan_import(cli, file, to.as_deref(), *force),
        PlanCmd::Done {
            id,
            branch,
            note,
            by,
            date,
            undo,
            plan,
        } => {
            let cfg = load_config(&cli.config)?;
            return plan_done(
                &cfg,
                id,
                branch.as_deref(),
                note,
                by.as_deref(),
                date.as_deref(),
                *undo,
                plan.as_deref(),
            );
        }
        _ => {}
    }
    let cfg = load_config(&cli.config)?;
    let out_dir = pipeline::default_out(&cfg, cli.out.as_deref());
    match cmd {
        PlanCmd::Status { sel, json } => {
            let (_, r) = plan_context(&cfg, sel)?;
            let mut out = std::io::stdout().lock();
            if *json {
                let _ = serde_json::to_writer_pretty(&mut out, &r);
                let _ = writeln!(out);
            } else if !cli.quiet {
                let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                let _ = rollout::plans::render::print_status(&mut out, &r, colour);
            }
            Ok(if r.items.iter().any(|i| matches!(i.state, State::Overdue | State::Blocked)) {
                1
            } else {
                0
            })
        }
        PlanCmd::Calendar { sel } => {
            let (_, r) = plan_context(&cfg, sel)?;
            let ics = rollout::plans::render::calendar(&r, &cfg.organization.name, pipeline::today());
            let dir = out_dir.join("plan");
            rollout::output::ensure_dir(&dir).map_err(|e| Failure { code: 2, error: e.into() })?;
            let path = dir.join("calendar.ics");
            rollout::output::write_private(&path, ics.as_bytes()).map_err(|e| Failure { code: 2, error: e.into() })?;
            println!(
                "Календарь: {} ({})",
                path.display(),
                pipeline::ru_count(r.items.len(), ["событие", "события", "событий"])
            );
            Ok(0)
        }
        PlanCmd::Gantt { sel } => {
            let (_, r) = plan_context(&cfg, sel)?;
            print!("{}", rollout::plans::render::mermaid(&r));
            Ok(0)
        }
        PlanCmd::Remind { sel } => {
            let (plans, r) = plan_context(&cfg, sel)?;
            let engine = rollout::letters::Engine::new(Some(&cfg.root.join("templates"))).map_err(usage)?;
            let horizon = rollout::plans::render::remind_horizon(cfg.plans.warn_days);
            let mut letters: std::collections::BTreeMap<
                String,
                (Vec<&rollout::plans::status::ItemStatus>, Vec<&rollout::plans::status::ItemStatus>),
            > = Default::default();
            for i in &r.items {
                let overdue = i.state == State::Overdue;
                let coming = !overdue && i.state != State::Done && i.days_left <= horizon;
                if !overdue && !coming {
                    continue;
                }
                for o in rollout::plans::status::canonical_owners(&plans, i) {
                    let e = letters.entry(o).or_default();
                    if overdue { &mut e.0 } else { &mut e.1 }.push(i);
                }
            }
            let mut files = Vec::new();
            for (owner, (overdue, coming)) in &letters {
                let text = engine
                    .render(
                        "letters/plan-remind.txt",
                        &serde_json::json!({
                            "owner": owner,
                            "organization": cfg.organization.name,
                            "as_of": r.as_of.format("%d.%m.%Y").to_string(),
                            "overdue": overdue,
                            "coming": coming,
                            "signature": cfg.letters.signature,
                        }),
                    )
                    .map_err(usage)?;
                files.push((format!("{}.txt", rollout::letters::file_safe(owner)), text.into_bytes()));
            }
            let dir = out_dir.join("plan").join("remind");
            rollout::output::replace_dir(&dir, &files).map_err(|e| Failure { code: 2, error: e })?;
            if !cli.quiet {
                println!(
                    "Напоминания: {} — {}",
                    pipeline::ru_count(files.len(), ["письмо", "письма", "писем"]),
                    dir.display()
                );
            }
            Ok(0)
        }
        PlanCmd::Import { .. } | PlanCmd::Done { .. } => unreachable!("handled above"),
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_done(
    cfg: &Config,
    id: &str,
    branch: Option<&str>,
    note: &str,
    by: Option<&str>,
    date: Option<&str>,
    undo: bool,
    plan: Option<&Path>,
) -> Result<u8, Failure> {
    let (plans, errors) = rollout::report::load_plans(cfg, plan);
    if !errors.is_empty() {
        return Err(plan_errors(errors));
    }
    let of_id: Vec<&rollout::plans::model::Instance> = plans.iter().flat_map(|p| &p.instances).filter(|i| i.id == id).collect();
    if of_id.is_empty() {
        let mut ids: Vec<&str> = plans.iter().flat_map(|p| &p.instances).map(|i| i.id.as_str()).collect();
        ids.dedup();
        return Err(usage(anyhow::anyhow!("вехи \"{id}\" в планах нет; есть: {}", ids.join(", "))));
    }
    if !of_id[0].manual() {
        return Err(usage(anyhow::anyhow!(
            "веха \"{id}\" измеряется по данным (выполнена, когда метрики достигли цели) и вручную не отмечается"
        )));
    }
    let sites: Vec<&str> = of_id.iter().filter_map(|i| i.branch.as_deref()).collect();
    let target = match (branch, sites.is_empty()) {
        (None, true) => String::new(),
        (Some(b), true) => {
            return Err(usage(anyhow::anyhow!(
                "веха \"{id}\" — на всю организацию: уберите --branch (указано «{b}»)"
            )));
        }
        (None, false) => {
            return Err(usage(anyhow::anyhow!(
                "веха \"{id}\" ведётся по филиалам: добавьте --branch, одно из: {}",
                sites.join(", ")
            )));
        }
        (Some(b), false) => {
            let resolved = rollout::roster::BranchResolver::new(cfg).resolve(b);
            let key = rollout::normalize::text_key(b);
            match sites
                .iter()
                .find(|s| Some(s.to_string()) == resolved || rollout::normalize::text_key(s) == key)
            {
                Some(s) => s.to_string(),
                None => {
                    return Err(usage(anyhow::anyhow!(
                        "у вехи \"{id}\" нет строки для «{b}»; её филиалы: {}",
                        sites.join(", ")
                    )));
                }
            }
        }
    };
    let day = parse_day(date)?;
    if day > pipeline::today() {
        return Err(usage(anyhow::anyhow!(
            "--date {}: этот день ещё не наступил",
            day.format("%d.%m.%Y")
        )));
    }
    let who = by
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(login_name)
        .unwrap_or_else(|| "неизвестно".into());
    let mut store = Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?;
    let last = store
        .check_offs()
        .map_err(|e| Failure { code: 3, error: e.into() })?
        .into_iter()
        .rfind(|c| c.milestone == id && c.branch == target);
    match (&last, undo) {
        (Some(c), false) if c.done => println!(
            "Уже отмечено {} ({}); записываю ещё одну отметку — в истории останутся обе.",
            c.day, c.who
        ),
        (None, true) => return Err(usage(anyhow::anyhow!("веха \"{id}\" не отмечена — снимать нечего"))),
        (Some(c), true) if !c.done => {
            return Err(usage(anyhow::anyhow!("отметка вехи \"{id}\" уже снята ({})", c.day)));
        }
        _ => {}
    }
    store
        .check_off(&rollout::state::CheckOff {
            milestone: id.to_string(),
            branch: target.clone(),
            done: !undo,
            day: day.format("%Y-%m-%d").to_string(),
            who: who.clone(),
            note: note.to_string(),
        })
        .map_err(|e| Failure { code: 3, error: e.into() })?;
    println!(
        "{}: {id}{} — {} ({who})",
        if undo {
            "Отметка снята"
        } else {
            "Отмечено как выполненное"
        },
        if target.is_empty() {
            String::new()
        } else {
            format!(" · {target}")
        },
        day.format("%d.%m.%Y")
    );
    Ok(0)
}

/// The login name of the user running rollout, from the password database.
fn login_name() -> Option<String> {
    #[cfg(unix)]
    // SAFETY: getpwuid returns a pointer into static storage or null; the name is copied out
    // before any other call could overwrite it.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return None;
        }
        return std::ffi::CStr::from_ptr((*pw).pw_name).to_str().ok().map(str::to_string);
    }
    #[allow(unreachable_code)]
    None
}

fn plan_import(cli: &Cli, file: &Path, to: Option<&Path>, force: bool) -> Result<u8, Failure> {
    // The workspace is optional here: its branches and school terms help when it exists.
    let cfg = if cli.config.is_file() {
        Some(load_config(&cli.config)?)
    } else {
        None
    };
    let root = cfg.as_ref().map(|c| c.root.clone()).unwrap_or_else(|| PathBuf::from("."));
    if !file.is_file() {
        return Err(usage(anyhow::anyhow!("{}: файла нет", file.display())));
    }
    let reader = rollout::ingest::Reader::for_workspace(cfg.as_ref(), read_mode());
    let wb = rollout::plans::import::read_tables(&reader, file).map_err(|e| Failure { code: 3, error: e.into() })?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let target = to.map(Path::to_path_buf).unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "plan".into());
        let dir = cfg.as_ref().map(|c| c.plans.dir.clone()).unwrap_or_else(|| "plans".into());
        root.join(dir).join(format!("{stem}.toml"))
    });
    // Ids the workspace's other plans use: the new plan's must differ.
    let mut taken = std::collections::BTreeSet::new();
    if let Some(c) = &cfg {
        for p in rollout::plans::model::plan_paths(c, None) {
            if p.canonicalize().ok() == target.canonicalize().ok() {
                continue;
            }
            if let Ok(f) = std::fs::read_to_string(&p)
                .map_err(|_| ())
                .and_then(|t| toml::from_str::<rollout::plans::model::PlanFile>(&t).map_err(|_| ()))
            {
                taken.extend(f.milestones.into_iter().map(|m| m.id));
            }
        }
    }
    let imported = match rollout::plans::import::import(&wb, cfg.as_ref(), &name, &taken, pipeline::today()) {
        Ok(p) => p,
        Err(problems) => {
            for p in &problems {
                eprintln!("{}: {p}", file.display());
            }
            eprintln!(
                "Файл плана не записан: исправьте {} и запустите импорт снова.",
                pipeline::ru_count(problems.len(), ["ячейку", "ячейки", "ячеек"])
            );
            return Ok(1);
        }
    };
    for w in &imported.warnings {
        eprintln!("{}: внимание: {w}", file.display());
    }
    let plan = imported.plan;
    if target.exists() && !force {
        return Err(usage(anyhow::anyhow!(
            "{} уже есть: чтобы заменить, добавьте --force, или укажите другой файл в --to",
            target.display()
        )));
    }
    let text = rollout::plans::import::to_toml(&plan, &name).map_err(|e| usage(anyhow::Error::new(e)))?;
    if let Some(c) = &cfg {
        // What is written must load: the same rules as every plan file.
        rollout::plans::model::expand(&plan, &target, c).map_err(|e| usage(anyhow::Error::new(e)))?;
    }
    if let Some(dir) = target.parent() {
        rollout::output::ensure_dir(dir).map_err(|e| Failure { code: 2, error: e.into() })?;
    }
    rollout::output::write_private(&target, text.as_bytes()).map_err(|e| Failure { code: 2, error: e.into() })?;
    let rows: usize = plan.milestones.iter().map(|m| m.rows.len().max(1)).sum();
    println!(
        "План записан: {} — {} ({})",
        target.display(),
        pipeline::ru_count(plan.milestones.len(), ["веха", "вехи", "вех"]),
        pipeline::ru_count(rows, ["строка", "строки", "строк"])
    );
    Ok(0)
}

fn ingest(cfg: &Config, quiet: bool) -> Result<Outcome, Failure> {
    let pb = progress_bar(quiet);
    pipeline::ingest_and_build(cfg, &read_mode(), &pb).map_err(|e| Failure { code: 3, error: e })
}

/// The diff stage: compute, write the files, then remember this run in the state store.
fn check_platform_path(platform: Option<&Path>) -> Result<(), Failure> {
    match platform {
        Some(p) if !p.exists() => Err(usage(anyhow::anyhow!(
            "--platform {}: no such folder or file (a snapshot folder or a member export)",
            p.display()
        ))),
        _ => Ok(()),
    }
}

fn run_diff(
    cfg: &Config,
    outcome: &Outcome,
    platform: Option<&Path>,
    out_dir: &Path,
    quiet: bool,
) -> Result<(u8, pipeline::DiffOutcome), Failure> {
    check_platform_path(platform)?;
    let source = pipeline::platform_source(cfg, platform).ok_or_else(|| {
        usage(anyhow::anyhow!(
            "no platform source: set [platform] snapshot or export in rollout.toml, or pass --platform PATH"
        ))
    })?;
    let state = source.load().map_err(|e| Failure {
        code: 3,
        error: anyhow::Error::new(e).context(format!("cannot read the platform ({})", source.describe())),
    })?;
    let mut store = Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?;
    let d = pipeline::compute_diff(cfg, outcome, state, &store).map_err(|e| Failure { code: 3, error: e })?;
    rollout::output::changes::write_diff(out_dir, cfg, &outcome.roster, &d.chats, &d.matches, &d.changes)
        .map_err(|e| Failure { code: 3, error: e })?;
    pipeline::remember_diff(&mut store, outcome, &d).map_err(|e| Failure { code: 3, error: e })?;
    if !quiet {
        let mut out = std::io::stdout().lock();
        let _ = pipeline::print_diff_summary(&mut out, cfg, &d, out_dir);
    }
    let code = if d.changes.status == rollout::changes::ChangeStatus::Held {
        1
    } else {
        0
    };
    Ok((code, d))
}

/// Chats with their placement (or why there is none).
type PlacedChats = Vec<(rollout::platform::ChatState, Result<rollout::platform::place::Placement, String>)>;

/// The platform and the change set, when a platform source is configured.
fn platform_state(
    cfg: &Config,
    outcome: &Outcome,
    platform: Option<&Path>,
    store: &Store,
) -> Result<(Option<pipeline::DiffOutcome>, PlacedChats), Failure> {
    check_platform_path(platform)?;
    let Some(source) = pipeline::platform_source(cfg, platform) else {
        return Ok((None, Vec::new()));
    };
    let state = source.load().map_err(|e| Failure {
        code: 3,
        error: anyhow::Error::new(e).context(format!("cannot read the platform ({})", source.describe())),
    })?;
    let mut d = pipeline::compute_diff(cfg, outcome, state, store).map_err(|e| Failure { code: 3, error: e })?;
    let chats = std::mem::take(&mut d.chats);
    Ok((Some(d), chats))
}

/// What `letters` and `links status` both start from: the platform and its change set,
/// the current links, remembered in the state store.
fn link_context(
    cfg: &Config,
    outcome: &Outcome,
    platform: Option<&Path>,
) -> Result<(Store, Option<pipeline::DiffOutcome>, PlacedChats, pipeline::LinkSet), Failure> {
    let mut store = Store::open(&cfg.root).map_err(|e| Failure { code: 3, error: e.into() })?;
    let (diff, chats) = platform_state(cfg, outcome, platform, &store)?;
    let links = pipeline::collect_links(cfg, outcome, &chats);
    pipeline::remember_links(&mut store, &links, &chats).map_err(|e| Failure { code: 3, error: e })?;
    Ok((store, diff, chats, links))
}

/// Writes the letters into a fresh folder and swaps it in: never a mix of old and new.
fn write_letters(dir: &Path, r: &rollout::letters::Rendered) -> anyhow::Result<()> {
    rollout::output::replace_dir(dir, &r.files)
}

fn write_link_status(out: &Path, checks: &[pipeline::LinkCheck], store: &Store) -> anyhow::Result<()> {
    use rollout::output::{
        excel_csv_bytes, write_private,
        xlsx::{SheetData, workbook_bytes},
    };
    let dir = out.join("links");
    rollout::output::ensure_dir(out)?;
    rollout::output::ensure_dir(&dir)?;
    let kind_ru = |k: &str| match k {
        "missing" => "нет ссылки",
        "disappeared" => "ссылка пропала",
        "old" => "пора заменить",
        _ => "никто не вступает",
    };
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                c.branch.clone(),
                kind_ru(c.kind).to_string(),
                c.group.clone(),
                rollout::platform::place::ChatAudience::code_ru(&c.audience).to_string(),
                c.detail.clone(),
            ]
        })
        .collect();
    let header = ["Филиал", "Что", "Группа", "Аудитория", "Что сделать"];
    let history: Vec<Vec<String>> = store
        .link_history()?
        .into_iter()
        .map(|h| {
            vec![
                h.branch,
                h.group,
                h.audience,
                h.link,
                h.source,
                h.first_seen,
                h.last_seen,
                h.retired.unwrap_or_default(),
            ]
        })
        .collect();
    let sheets = [
        SheetData {
            name: "Проверить".into(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows.clone(),
        },
        SheetData {
            name: "История ссылок".into(),
            header: [
                "Филиал",
                "Группа",
                "Аудитория",
                "Ссылка",
                "Источник",
                "Впервые",
                "Последний раз",
                "Выведена",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows: history,
        },
    ];
    write_private(&dir.join("status.xlsx"), &workbook_bytes(&sheets)?)?;
    write_private(&dir.join("status-excel.csv"), &excel_csv_bytes(&header, &rows))?;
    Ok(())
}

fn write_outputs(out_dir: &Path, cfg: &Config, o: &Outcome, roster: bool) -> anyhow::Result<()> {
    rollout::output::ensure_dir(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    if roster {
        let branches: Vec<String> = cfg.branches.iter().map(|b| b.name.clone()).collect();
        rollout::output::roster::write_roster(out_dir, &o.roster, &branches)?;
    }
    rollout::output::roster::write_problems(out_dir, &o.problems)
}

fn print_summary(w: &mut dyn Write, cfg: &Config, o: &Outcome, out_dir: &Path, roster: bool) -> std::io::Result<()> {
    pipeline::print_roster_summary(w, cfg, o)?;
    if roster {
        writeln!(w, "Реестр записан: {}", out_dir.join("roster").display())?;
    }
    pipeline::print_problem_summary(w, o, &out_dir.join("problems.xlsx"))
}

fn exit_code(o: &Outcome) -> u8 {
    if o.unreadable > 0 {
        3
    } else if !o.problems.is_empty() || (o.files == 0 && o.unlisted.is_empty()) || !o.unlisted.is_empty() {
        1
    } else {
        0
    }
}
