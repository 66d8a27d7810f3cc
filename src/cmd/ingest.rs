//! `rollout ingest`, `check` and `run`: the roster from the sources; `run` goes on through
//! the diff (when a platform is configured) to the dashboard.

use super::{Global, Workspace, say};
use rollout::changes::DiffOutcome;
use rollout::config::PlatformKind;
use rollout::error::{Done, Error, Result};
use rollout::region::summary::{Facts, RunSummary};
use rollout::roster::Loaded;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Ingest,
    Check,
    /// `no_pull`: with `[platform] source = "api"`, never pull; use the latest complete pull.
    Run {
        no_pull: bool,
    },
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// Не снимать новый снимок платформы MAX (когда она читается через API): сверять с последним полным снимком.
    #[arg(long)]
    pub no_pull: bool,
}

fn outcome(o: &Loaded) -> Done {
    if o.unreadable > 0 {
        Done::Unreadable
    } else {
        Done::problems_if(!o.problems.is_empty() || o.no_sources() || !o.unlisted.is_empty())
    }
}

pub fn run(g: &Global, stage: Stage) -> Result<Done> {
    run_kept(g, stage).map(|(done, _)| done)
}

/// What a `run` worked from, for `rollout region run`'s tables: the roster, and the diff
/// when there was one.
pub struct Kept {
    pub loaded: Loaded,
    pub diff: Option<DiffOutcome>,
}

/// The outcome as `OUT/summary.json` names it.
fn outcome_code(d: Done) -> &'static str {
    match d {
        Done::Clean => "clean",
        Done::Problems => "problems",
        Done::Unreadable => "unreadable",
    }
}

/// `OUT/summary.json`: the run's counts, for `rollout region status`.
fn write_summary(
    ws: &Workspace,
    done: Done,
    loaded: &rollout::roster::Loaded,
    diff: Option<&rollout::changes::DiffOutcome>,
    usage: &rollout::plans::measure::Usage,
    status: Option<&rollout::plans::status::StatusReport>,
) -> Result<()> {
    let facts = Facts {
        cfg: &ws.cfg,
        today: ws.today,
        outcome: outcome_code(done),
        loaded,
        diff,
        usage,
        status,
    };
    let path = ws.out.join(rollout::region::summary::FILE);
    rollout::output::write_private(&path, &RunSummary::of(&facts).to_json())
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", path.display()))))
}

/// [`run`], keeping what `run` worked from (see [`Kept`]).
pub fn run_kept(g: &Global, stage: Stage) -> Result<(Done, Option<Kept>)> {
    let ws = Workspace::load(g)?;
    super::begin_outputs(
        &ws,
        match stage {
            Stage::Ingest => "ingest",
            Stage::Check => "check",
            Stage::Run { .. } => "run",
        },
    );
    let run = matches!(stage, Stage::Run { .. });
    if run {
        // The dashboard is titled with the name: refused before any work is done.
        super::require_org_name(&ws)?;
    }
    if let Stage::Run { no_pull: false } = stage
        && ws.cfg.platform.source == Some(PlatformKind::Api)
    {
        pull_if_old(&ws, g.quiet)?;
    }
    let loaded = ws.roster(g.quiet)?;
    let writes_roster = stage != Stage::Check;
    if writes_roster {
        ws.record_history(&loaded, if run { "run" } else { "ingest" });
    }
    // The new year's lists compared with a rollover proposal (`run` says it with the diff).
    if !run {
        match rollout::rollover::effect::status(&ws.cfg, &ws.store()?, &loaded.roster, ws.today) {
            Ok(status) => status.notes().iter().for_each(|n| rollout::errln!("rollout: {n}")),
            Err(e) => rollout::errln!(
                "rollout: внимание: предложение перехода в новый учебный год не прочитано: {}",
                rollout::error::one_line_ru(&e)
            ),
        }
    }
    let t = std::time::Instant::now();
    let written = super::write_roster(&ws, &loaded, writes_roster)?;
    rollout::human::timing("write", t);
    if !g.quiet {
        let mut text = Vec::new();
        let _ = rollout::summary::print_roster_summary(&mut text, &ws.cfg, &loaded);
        if written {
            text.extend(format!("Реестр записан: {}\n", ws.out.join("roster").display()).into_bytes());
        }
        let _ = rollout::summary::print_problem_summary(&mut text, &loaded, &ws.out.join("problems.xlsx"));
        super::print_raw(&text);
    }
    let mut done = outcome(&loaded);
    if run && loaded.sheets == 0 && !loaded.no_sources() {
        // Nothing read: a change set and a dashboard from an empty roster would plan removals
        // of everyone and replace the last good ones.
        rollout::errln!(
            "rollout: внимание: ни один источник не прочитан — сверка с платформой и отчёт не обновлены: в {} остались прежние",
            ws.out.display()
        );
        // The summary says so: nothing measured this time.
        let usage = rollout::plans::measure::Usage::default();
        write_summary(&ws, done, &loaded, None, &usage, None)?;
        return Ok((done, None));
    }
    if !run {
        return Ok((done, None));
    }
    let dash = dashboard(g, &ws, &loaded)?;
    done = done.max(dash.done);
    super::warn_stale(&ws);
    write_summary(&ws, done, &loaded, dash.diff.as_ref(), &dash.usage, dash.status.as_ref())?;
    Ok((done, Some(Kept { loaded, diff: dash.diff })))
}

/// What the dashboard was made from.
struct Dash {
    done: Done,
    diff: Option<DiffOutcome>,
    usage: rollout::plans::measure::Usage,
    status: Option<rollout::plans::status::StatusReport>,
}

/// The rest of `run`: the diff when a platform is configured, then the dashboard — roster,
/// platform and plans in one page.
fn dashboard(g: &Global, ws: &Workspace, loaded: &Loaded) -> Result<Dash> {
    let mut done = Done::Clean;
    let mut diff = None;
    if rollout::platform::source(&ws.cfg, None, &ws.reader()).is_some() {
        match super::tolerate_platform(super::diff::stage(ws, loaded, None, g.quiet))? {
            Ok((d, outcome)) => {
                done = d;
                diff = Some(outcome);
            }
            Err(why) => done = why.done(),
        }
    }
    let chats = diff.as_ref().map(|d| d.chats.as_slice()).unwrap_or(&[]);
    let links = rollout::links::set::collect(&ws.cfg, &loaded.roster, chats, &ws.reader());
    let usage = super::measure_usage(ws, loaded, diff.as_ref(), chats, &links);
    let mut store = ws.store()?;
    // Plans that do not load are named and left out; a workspace without plans has none.
    let (plans, left_out) = super::plan::good_plans(ws, None).unwrap_or_else(|e| {
        rollout::errln!(
            "rollout: внимание: планы не вошли в отчёт: {}",
            e.chain().next().map(|c| c.to_string()).unwrap_or_default()
        );
        (Vec::new(), true)
    });
    if left_out {
        done = done.max(Done::Problems);
    }
    let status = if plans.is_empty() {
        None
    } else {
        Some(rollout::report::plan_status(&ws.cfg, &plans, &usage, &mut store, ws.today, ws.today).map_err(Error::Unreadable)?)
    };
    let path = rollout::report::write(&ws.cfg, &usage, status.as_ref(), &ws.out, ws.today).map_err(Error::Output)?;
    if !g.quiet {
        say!(
            "Отчёт: {}; сводка для директора: {}",
            path.display(),
            ws.out.join("usage.xlsx").display()
        );
    }
    Ok(Dash { done, diff, usage, status })
}

/// `run` with the live platform: a pull that fails stops `run` with its exit code —
/// nothing is compared with a partial pull.
fn pull_if_old(ws: &Workspace, quiet: bool) -> Result<()> {
    super::platform::pull_if_old(ws, quiet).map_err(|e| {
        with_context(
            e,
            "снимок платформы не снят — rollout run остановлен: сверка с платформой и отчёт не обновлены (последний полный снимок не изменён)",
        )
    })
}

/// The error with a line on top, of the same kind (so the same exit code).
fn with_context(e: Error, top: &'static str) -> Error {
    match e {
        Error::Usage(a) => Error::Usage(a.context(top)),
        Error::Output(a) => Error::Output(a.context(top)),
        Error::Unreadable(a) => Error::Unreadable(a.context(top)),
        Error::Network(a) => Error::Network(a.context(top)),
        other => other,
    }
}
