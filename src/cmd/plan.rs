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
    /// Состояние каждого пункта плана по филиалам и ответственным.
    #[command(
        after_help = "Примеры:\n  rollout plan status\n  rollout plan status --as-of 01.03.2024\n  rollout plan status --json --plan plans/college-binding.toml"
    )]
    Status {
        #[command(flatten)]
        sel: PlanSel,
        /// Вывести JSON вместо таблиц.
        #[arg(long)]
        json: bool,
    },
    /// Отметить выполнение пункта, который отмечают вручную (кто, когда и примечание хранятся со всей историей).
    #[command(
        after_help = "Примеры:\n  rollout plan done staff-seminar --branch \"Бардымский филиал\" --note \"семинар проведён 21.02\"\n  rollout plan done ej-binding --undo --note \"отметили по ошибке\""
    )]
    Done(DoneArgs),
    /// Перевести таблицу плана, которая уже есть у организации (xlsx, xls, ods, csv, docx), в файл плана.
    #[command(
        after_help = "Примеры:\n  rollout plan import План_мероприятий.docx\n  rollout plan import план.xlsx --to plans/binding.toml --force"
    )]
    Import {
        /// Таблица плана: .xlsx, .xls, .ods, .csv или .docx.
        #[arg(value_name = "ФАЙЛ")]
        file: PathBuf,
        /// Куда записать файл плана (по умолчанию: plans/<имя таблицы>.toml в рабочем месте).
        #[arg(long, value_name = "ПУТЬ")]
        to: Option<PathBuf>,
        /// Заменить существующий файл плана.
        #[arg(long)]
        force: bool,
    },
    /// Календарь .ics: по событию на весь день на каждый пункт плана (OUT/plan/calendar.ics).
    #[command(after_help = "Примеры:\n  rollout plan calendar")]
    Calendar {
        #[command(flatten)]
        sel: PlanSel,
    },
    /// Диаграмма Ганта в формате mermaid — в стандартный вывод.
    #[command(after_help = "Примеры:\n  rollout plan gantt > план.mmd")]
    Gantt {
        #[command(flatten)]
        sel: PlanSel,
    },
    /// Письмо каждому ответственному: его просроченные и ближайшие пункты плана (OUT/plan/remind/).
    #[command(after_help = "Примеры:\n  rollout plan remind\n  rollout plan remind --as-of 26.02.2024")]
    Remind {
        #[command(flatten)]
        sel: PlanSel,
    },
}

#[derive(clap::Args)]
pub struct DoneArgs {
    /// Идентификатор пункта плана (его показывает rollout plan status).
    id: String,
    /// Филиал — для пункта, который ведётся по филиалам.
    #[arg(long, value_name = "ФИЛИАЛ")]
    branch: Option<String>,
    /// Что сделано, для истории (например, «семинар проведён 21.02, 14 человек»).
    #[arg(long, default_value = "", hide_default_value = true, value_name = "ТЕКСТ")]
    note: String,
    /// Кто отмечает (по умолчанию: имя пользователя в системе).
    #[arg(long, value_name = "КТО")]
    by: Option<String>,
    /// День выполнения (дд.мм.гггг или гггг-мм-дд; по умолчанию: сегодня).
    #[arg(long, value_name = "ДАТА")]
    date: Option<String>,
    /// Снять отметку.
    #[arg(long)]
    undo: bool,
    /// Один файл плана (по умолчанию: все файлы *.toml в папке планов).
    #[arg(long, value_name = "ФАЙЛ")]
    plan: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct PlanSel {
    /// День, на который показать состояние (дд.мм.гггг или гггг-мм-дд; по умолчанию: сегодня).
    #[arg(long, value_name = "ДАТА")]
    as_of: Option<String>,
    /// Один файл плана (по умолчанию: все файлы *.toml в папке планов).
    #[arg(long, value_name = "ФАЙЛ")]
    plan: Option<PathBuf>,
    /// Папка снимка платформы или файл выгрузки участников — для пунктов, которые измеряются.
    #[arg(long, value_name = "ПУТЬ")]
    platform: Option<PathBuf>,
}

pub fn run(g: &Global, cmd: PlanCmd) -> Result<Done> {
    match cmd {
        PlanCmd::Import { file, to, force } => import(g, &file, to.as_deref(), force),
        PlanCmd::Done(a) => done(g, a),
        PlanCmd::Status { sel, json } => {
            let ws = Workspace::load(g)?;
            let (_, r, platform, left_out) = context(&ws, &sel)?;
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
            Ok(
                Done::problems_if(left_out || r.items.iter().any(|i| matches!(i.state, State::Overdue | State::Blocked)))
                    .max(platform.done()),
            )
        }
        PlanCmd::Calendar { sel } => {
            let ws = Workspace::load(g)?;
            super::require_org_name(&ws)?;
            super::begin_outputs(&ws, "plan calendar");
            let (_, r, platform, left_out) = context(&ws, &sel)?;
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
            Ok(platform.done().max(Done::problems_if(left_out)))
        }
        PlanCmd::Gantt { sel } => {
            let ws = Workspace::load(g)?;
            let (_, r, platform, left_out) = context(&ws, &sel)?;
            let text = rollout::plans::render::mermaid(&r);
            super::print_raw(text.as_bytes());
            Ok(platform.done().max(Done::problems_if(left_out)))
        }
        PlanCmd::Remind { sel } => {
            let ws = Workspace::load(g)?;
            super::require_org_name(&ws)?;
            super::begin_outputs(&ws, "plan remind");
            let (plans, r, platform, left_out) = context(&ws, &sel)?;
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
            Ok(platform.done().max(Done::problems_if(left_out)))
        }
    }
}

pub fn plan_errors(errors: Vec<PlanError>) -> Error {
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    Error::msg(format!("план нельзя использовать:\n{}", text.join("\n")))
}

/// Plans, the measured usage (only when a milestone is measured) and the status on the day.
/// The plans that load. A bad plan file is named and left out, and the others are used
/// (`true`: something was left out); only a plan asked for by `--plan`, or nothing good at
/// all, stops the command.
pub fn good_plans(ws: &Workspace, explicit: Option<&Path>) -> Result<(Vec<Plan>, bool)> {
    let (plans, errors) = rollout::report::load_plans(&ws.cfg, explicit);
    if !errors.is_empty() && (explicit.is_some() || plans.is_empty()) {
        return Err(plan_errors(errors));
    }
    for e in &errors {
        rollout::errln!("rollout: внимание: план не вошёл: {e}");
    }
    Ok((plans, !errors.is_empty()))
}

fn context(ws: &Workspace, sel: &PlanSel) -> Result<(Vec<Plan>, StatusReport, super::PlatformData, bool)> {
    let as_of = super::parse_day(sel.as_of.as_deref(), ws.today)?;
    if let Some(p) = &sel.plan
        && !p.is_file()
    {
        return Err(Error::msg(format!("--plan {}: файла нет", p.display())));
    }
    let (plans, left_out) = good_plans(ws, sel.plan.as_deref())?;
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
    Ok((plans, report, platform, left_out))
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
                rollout::errln!("{}: {p}", file.display());
            }
            rollout::errln!(
                "Файл плана не записан: исправьте {} и запустите импорт снова.",
                ru_count(problems.len(), ["ячейку", "ячейки", "ячеек"])
            );
            return Ok(Done::Problems);
        }
    };
    for w in &imported.warnings {
        rollout::errln!("{}: внимание: {w}", file.display());
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
