//! `rollout plan …`: status, check-offs, import, calendar, Gantt, reminders.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use rollout::human::ru_count;
use rollout::plans::model::{Plan, PlanError};
use rollout::plans::status::{State, StatusReport};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum PlanCmd {
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
    Done(DoneArgs),
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
pub struct DoneArgs {
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
}

#[derive(clap::Args)]
pub struct PlanSel {
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

pub fn run(g: &Global, cmd: PlanCmd) -> Result<Done> {
    match cmd {
        PlanCmd::Import { file, to, force } => import(g, &file, to.as_deref(), force),
        PlanCmd::Done(a) => done(g, a),
        PlanCmd::Status { sel, json } => {
            let ws = Workspace::load(g)?;
            let (_, r, platform) = context(&ws, &sel)?;
            if json {
                let mut text = serde_json::to_vec_pretty(&r).map_err(Error::output)?;
                text.push(b'\n');
                super::print_raw(&text);
            } else if !g.quiet {
                let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                let mut text = Vec::new();
                let _ = rollout::plans::render::print_status(&mut text, &r, colour);
                super::print_raw(&text);
            }
            Ok(Done::problems_if(r.items.iter().any(|i| matches!(i.state, State::Overdue | State::Blocked))).max(platform.done()))
        }
        PlanCmd::Calendar { sel } => {
            let ws = Workspace::load(g)?;
            super::require_org_name(&ws)?;
            let (_, r, platform) = context(&ws, &sel)?;
            let ics = rollout::plans::render::calendar(&r, &ws.cfg.organization.name, ws.today);
            let dir = ws.out.join("plan");
            rollout::output::ensure_dir(&dir).map_err(Error::output)?;
            let path = dir.join("calendar.ics");
            rollout::output::write_private(&path, ics.as_bytes()).map_err(Error::output)?;
            say!(
                "Календарь: {} ({})",
                path.display(),
                ru_count(r.items.len(), ["событие", "события", "событий"])
            );
            Ok(platform.done())
        }
        PlanCmd::Gantt { sel } => {
            let ws = Workspace::load(g)?;
            let (_, r, platform) = context(&ws, &sel)?;
            let text = rollout::plans::render::mermaid(&r);
            super::print_raw(text.as_bytes());
            Ok(platform.done())
        }
        PlanCmd::Remind { sel } => {
            let ws = Workspace::load(g)?;
            super::require_org_name(&ws)?;
            let (plans, r, platform) = context(&ws, &sel)?;
            let engine = rollout::letters::Engine::new(Some(&ws.cfg.root.join("templates"))).map_err(Error::usage)?;
            let reminders = rollout::plans::render::reminders(&plans, &r, ws.cfg.plans.warn_days);
            let files = rollout::letters::plan_reminders(&engine, &ws.cfg, &reminders, r.as_of).map_err(Error::usage)?;
            let dir = ws.out.join("plan").join("remind");
            rollout::output::replace_dir(&dir, &files).map_err(Error::Output)?;
            if !g.quiet {
                say!(
                    "Напоминания: {} — {}",
                    ru_count(files.len(), ["письмо", "письма", "писем"]),
                    dir.display()
                );
            }
            Ok(platform.done())
        }
    }
}

pub fn plan_errors(errors: Vec<PlanError>) -> Error {
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    Error::msg(format!("план нельзя использовать:\n{}", text.join("\n")))
}

/// Plans, the measured usage (only when a milestone is measured) and the status on the day.
fn context(ws: &Workspace, sel: &PlanSel) -> Result<(Vec<Plan>, StatusReport, super::PlatformData)> {
    let as_of = super::parse_day(sel.as_of.as_deref(), ws.today)?;
    if let Some(p) = &sel.plan
        && !p.is_file()
    {
        return Err(Error::msg(format!("--plan {}: файла нет", p.display())));
    }
    let (plans, errors) = rollout::report::load_plans(&ws.cfg, sel.plan.as_deref());
    if !errors.is_empty() {
        return Err(plan_errors(errors));
    }
    if plans.is_empty() {
        return Err(Error::msg(format!(
            "в {} нет планов: положите туда файл плана (образец — plans/college-binding.toml) или сделайте его из таблицы: rollout plan import ФАЙЛ",
            ws.cfg.root.join(&ws.cfg.plans.dir).display()
        )));
    }
    // The platform is read only for measured milestones.
    let (mut store, usage, platform) = if rollout::report::needs_measures(&plans) {
        let loaded = ws.roster(true)?;
        let ctx = super::link_context(ws, &loaded, sel.platform.as_deref())?;
        let u = super::measure_usage(ws, &loaded, ctx.diff.as_ref(), &ctx.chats, &ctx.links);
        (ctx.store, u, ctx.platform)
    } else {
        (ws.store()?, Default::default(), super::PlatformData::NotConfigured)
    };
    let report = rollout::report::plan_status(&ws.cfg, &plans, &usage, &mut store, as_of, ws.today).map_err(Error::Unreadable)?;
    Ok((plans, report, platform))
}

fn done(g: &Global, a: DoneArgs) -> Result<Done> {
    use rollout::plans::checkoff;
    let ws = Workspace::load(g)?;
    let (plans, errors) = rollout::report::load_plans(&ws.cfg, a.plan.as_deref());
    if !errors.is_empty() {
        return Err(plan_errors(errors));
    }
    let target = checkoff::target(&plans, &ws.cfg, &a.id, a.branch.as_deref()).map_err(Error::usage)?;
    let day = super::parse_day(a.date.as_deref(), ws.today)?;
    let mut store = ws.store()?;
    let last = store.check_offs()?.into_iter().rfind(|c| c.milestone == a.id && c.branch == target);
    let repeated = checkoff::allowed(&a.id, last.as_ref(), a.undo, day, ws.today).map_err(Error::usage)?;
    if let (true, Some(c)) = (repeated, &last) {
        // The store keeps ISO days; people read дд.мм.гггг.
        let day = chrono::NaiveDate::parse_from_str(&c.day, "%Y-%m-%d")
            .map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_else(|_| c.day.clone());
        say!(
            "Уже отмечено {day} ({}); записываю ещё одну отметку — в истории останутся обе.",
            c.who
        );
    }
    let who = checkoff::who(a.by.as_deref());
    store.check_off(&rollout::state::CheckOff {
        milestone: a.id.clone(),
        branch: target.clone(),
        done: !a.undo,
        day: day.format("%Y-%m-%d").to_string(),
        who: who.clone(),
        note: a.note.clone(),
    })?;
    say!(
        "{}: {}{} — {} ({who})",
        if a.undo {
            "Отметка снята"
        } else {
            "Отмечено как выполненное"
        },
        a.id,
        if target.is_empty() {
            String::new()
        } else {
            format!(" · {target}")
        },
        day.format("%d.%m.%Y")
    );
    Ok(Done::Clean)
}

fn import(g: &Global, file: &Path, to: Option<&Path>, force: bool) -> Result<Done> {
    // The workspace is optional here: its branches and school terms help when it exists.
    let cfg = if g.config.is_file() {
        Some(super::load_config(&g.config)?)
    } else {
        None
    };
    let today = cfg.as_ref().map(|c| c.today()).unwrap_or_else(rollout::clock::today_local);
    let root = cfg.as_ref().map(|c| c.root.clone()).unwrap_or_else(|| PathBuf::from("."));
    if !file.is_file() {
        return Err(Error::msg(format!("{}: файла нет", file.display())));
    }
    let reader = rollout::ingest::Reader::for_workspace(cfg.as_ref(), rollout::ingest::ReadMode::current());
    let wb = rollout::plans::import::read_tables(&reader, file).map_err(Error::unreadable)?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let target = to.map(Path::to_path_buf).unwrap_or_else(|| {
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "plan".into());
        let dir = cfg.as_ref().map(|c| c.plans.dir.clone()).unwrap_or_else(|| "plans".into());
        root.join(dir).join(format!("{stem}.toml"))
    });
    let taken = cfg
        .as_ref()
        .map(|c| rollout::plans::model::ids_in_workspace(c, &target))
        .unwrap_or_default();
    let imported = match rollout::plans::import::import(&wb, cfg.as_ref(), &name, &taken, today) {
        Ok(p) => p,
        Err(problems) => {
            for p in &problems {
                eprintln!("{}: {p}", file.display());
            }
            eprintln!(
                "Файл плана не записан: исправьте {} и запустите импорт снова.",
                ru_count(problems.len(), ["ячейку", "ячейки", "ячеек"])
            );
            return Ok(Done::Problems);
        }
    };
    for w in &imported.warnings {
        eprintln!("{}: внимание: {w}", file.display());
    }
    let plan = imported.plan;
    if target.exists() && !force {
        return Err(Error::msg(format!(
            "{} уже есть: чтобы заменить, добавьте --force, или укажите другой файл в --to",
            target.display()
        )));
    }
    let text = rollout::plans::import::to_toml(&plan, &name).map_err(Error::usage)?;
    if let Some(c) = &cfg {
        // What is written must load: the same rules as every plan file.
        rollout::plans::model::expand(&plan, &target, c).map_err(Error::usage)?;
    }
    if let Some(dir) = target.parent() {
        rollout::output::ensure_dir(dir).map_err(Error::output)?;
    }
    rollout::output::write_private(&target, text.as_bytes()).map_err(Error::output)?;
    let rows: usize = plan.milestones.iter().map(|m| m.rows.len().max(1)).sum();
    say!(
        "План записан: {} — {} ({})",
        target.display(),
        ru_count(plan.milestones.len(), ["веха", "вехи", "вех"]),
        ru_count(rows, ["строка", "строки", "строк"])
    );
    Ok(Done::Clean)
}
