//! `rollout report`: the dashboard and the director's usage summary.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// День, на который показать состояние планов (дд.мм.гггг или гггг-мм-дд; по умолчанию: сегодня).
    #[arg(long, value_name = "ДАТА")]
    as_of: Option<String>,
    /// Папка снимка платформы или файл выгрузки участников (по умолчанию: [platform] из rollout.toml).
    #[arg(long, value_name = "ПУТЬ")]
    platform: Option<PathBuf>,
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let ws = Workspace::load(g)?;
    super::require_org_name(&ws)?;
    super::begin_outputs(&ws, "report");
    super::warn_stale(&ws);
    let as_of = super::parse_day(a.as_of.as_deref(), ws.today)?;
    let loaded = ws.roster(g.quiet)?;
    let mut ctx = super::link_context(&ws, &loaded, a.platform.as_deref())?;
    let usage = super::measure_usage(&ws, &loaded, ctx.diff.as_ref(), &ctx.chats, &ctx.links);
    let (plans, left_out) = super::plan::good_plans(&ws, None)?;
    let status = if plans.is_empty() {
        None
    } else {
        Some(rollout::report::plan_status(&ws.cfg, &plans, &usage, &mut ctx.store, as_of, ws.today).map_err(Error::Unreadable)?)
    };
    let path = rollout::report::write(&ws.cfg, &usage, status.as_ref(), &ws.out, ws.today).map_err(Error::Output)?;
    if !g.quiet {
        say!("Отчёт: {}", path.display());
        say!("Сводка для директора: {}", ws.out.join("usage.xlsx").display());
    }
    Ok(ctx.platform.done().max(Done::problems_if(left_out)))
}
