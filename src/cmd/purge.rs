//! `rollout purge --before DATE`: forget people no longer on the roster.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use rollout::state::{PurgeRefused, check_purge};

#[derive(clap::Args)]
pub struct Args {
    /// Забыть тех, кто последний раз встречался раньше этого дня (гггг-мм-дд).
    #[arg(long, value_name = "ДАТА")]
    before: String,
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let date = chrono::NaiveDate::parse_from_str(a.before.trim(), "%Y-%m-%d")
        .map_err(|_| Error::msg(format!("--before takes a date as YYYY-MM-DD, got «{}»", a.before)))?;
    let ws = Workspace::load(g)?;
    check_purge(date, &a.before, ws.today, 0).map_err(Error::usage)?;
    let loaded = ws.roster(true)?;
    check_purge(date, &a.before, ws.today, loaded.unreadable).map_err(|e| match e {
        PurgeRefused::SourcesUnreadable => Error::unreadable(e),
        _ => Error::usage(e),
    })?;
    let current: std::collections::HashSet<String> = loaded.roster.people.iter().map(|p| p.id.clone()).collect();
    let mut store = ws.store()?;
    let n = store.purge(&current, &date.format("%Y-%m-%d").to_string())?;
    say!(
        "Удалены сведения о {n} людях, которых нет в списках и которые последний раз встречались до {}.",
        date.format("%d.%m.%Y")
    );
    Ok(Done::Clean)
}
