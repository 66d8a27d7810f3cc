//! `rollout purge --before DATE`: forget people no longer on the roster (and the pins of
//! their ids), roster history records made before DATE but the latest, and pulled
//! snapshots beyond `[platform] keep_snapshots`.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use rollout::human::ru_count;
use rollout::state::{PurgeRefused, check_purge};

#[derive(clap::Args)]
pub struct Args {
    /// Забыть тех, кто последний раз встречался раньше этого дня (гггг-мм-дд).
    #[arg(long, value_name = "ДАТА")]
    before: String,
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    // Every date a user types: дд.мм.гггг or ISO.
    let given = a.before.trim();
    let date = chrono::NaiveDate::parse_from_str(given, "%d.%m.%Y")
        .or_else(|_| chrono::NaiveDate::parse_from_str(given, "%Y-%m-%d"))
        .map_err(|_| {
            Error::msg(format!(
                "--before «{}» — не дата: напишите её как 01.09.2026 или 2026-09-01",
                a.before
            ))
        })?;
    let ws = Workspace::load(g)?;
    check_purge(date, ws.today, 0).map_err(Error::usage)?;
    let loaded = ws.roster(true)?;
    check_purge(date, ws.today, loaded.unreadable).map_err(|e| match e {
        PurgeRefused::SourcesUnreadable => Error::unreadable(e),
        _ => Error::usage(e),
    })?;
    let current: std::collections::HashSet<String> = loaded.roster.people.iter().map(|p| p.id.clone()).collect();
    let mut store = ws.store()?;
    let n = store.purge(&current, &date.format("%Y-%m-%d").to_string())?;
    say!(
        "Удалены сведения о {n} {}, которых нет в списках и которые последний раз встречались до {}.",
        if n % 10 == 1 && n % 100 != 11 {
            "человеке"
        } else {
            "людях"
        },
        date.format("%d.%m.%Y")
    );
    // Pins of ids that are gone (off the roster and forgotten above) go with them.
    let pins = store.purge_id_pins(&current)?;
    if pins > 0 {
        say!("Удалены закрепления ID людей, которых больше нет в списках: {pins} (ID сохраняются при исправлении ФИО или даты рождения).");
    }
    // The roster history: records made before the day go, except the latest, which the
    // next movement and diff compare with.
    // The roster of the last approved or applied change set stays too: the diff finds
    // leavers against it.
    let root = &ws.cfg.root;
    let reference = store.reference_roster(&rollout::history::content_hash(&loaded.roster))?;
    let removed = rollout::history::forget_before(root, date, reference.as_deref()).map_err(Error::Output)?;
    if !removed.is_empty() {
        let runs = rollout::history::list(root).map_err(Error::Output)?;
        let mut kept = runs
            .last()
            .map(|i| {
                format!(
                    "; последний, № {} от {}, оставлен — с ним сравнят следующие rollout movement и diff",
                    i.run,
                    i.recorded_on.format("%d.%m.%Y")
                )
            })
            .unwrap_or_default();
        if let Some(r) = runs
            .iter()
            .find(|i| Some(i.hash.as_str()) == reference.as_deref() && runs.last() != Some(*i))
        {
            kept.push_str(&format!(
                "; № {} от {} оставлен тоже: это список последнего одобренного или выполненного набора изменений, по нему находят выбывших",
                r.run,
                r.recorded_on.format("%d.%m.%Y")
            ));
        }
        say!(
            "Удалено списков из истории: {} (записанные до {}){kept}.",
            removed.len(),
            date.format("%d.%m.%Y")
        );
    }
    // The journals of `apply` and `notify` name people by id: finished runs before the day go.
    let runs = store.journal_forget_before(&date.format("%Y-%m-%d").to_string())?;
    if runs > 0 {
        say!(
            "Удалены журналы {} rollout apply / notify, завершённых до {}.",
            ru_count(runs, ["запуска", "запусков", "запусков"]),
            date.format("%d.%m.%Y")
        );
    }
    // Pulled snapshots hold people's names too: only the newest `keep_snapshots` stay.
    let snapshots = rollout::platform::store::Store::of_workspace(&ws.cfg.root);
    if snapshots.dir.exists() {
        let keep = ws.cfg.platform.keep_snapshots;
        let removed = snapshots.prune(keep).map_err(|e| {
            Error::Output(
                anyhow::Error::new(e).context(format!("не удалось удалить старые снимки платформы в {}", snapshots.dir.display())),
            )
        })?;
        say!(
            "Удалено старых снимков платформы: {} (хранятся последние {keep}, [platform] keep_snapshots).",
            removed.len()
        );
    }
    Ok(Done::Clean)
}
