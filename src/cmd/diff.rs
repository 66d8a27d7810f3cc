//! `rollout diff`: the change set against the platform.

use super::{Global, Workspace};
use rollout::changes::{ChangeStatus, DiffOutcome};
use rollout::error::{Done, Error, Result};
use rollout::roster::Loaded;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Папка снимка платформы или файл выгрузки участников (по умолчанию: [platform] из rollout.toml).
    #[arg(long, value_name = "ПУТЬ")]
    platform: Option<PathBuf>,
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let ws = Workspace::load(g)?;
    super::begin_outputs(&ws, "diff");
    let loaded = ws.roster(g.quiet)?;
    ws.record_history(&loaded, "diff");
    // The change set names people by id: the roster it refers to is written beside it.
    super::write_roster(&ws, &loaded, true)?;
    let (done, _) = stage(&ws, &loaded, a.platform.as_deref(), g.quiet)?;
    Ok(done.max(if loaded.unreadable > 0 { Done::Unreadable } else { Done::Clean }))
}

/// What `diff` and `approve` say without any platform source.
/// (`source = "api"` always gives a source: its missing pull is an unreadable platform.)
pub fn no_platform() -> String {
    format!(
        "данных платформы нет: {} или передайте --platform ПУТЬ (папку снимка или файл выгрузки участников)",
        super::PLATFORM_KEYS
    )
}

/// The diff stage: compute, write the files, then remember this run in the state store.
pub fn stage(ws: &Workspace, loaded: &Loaded, platform: Option<&Path>, quiet: bool) -> Result<(Done, DiffOutcome)> {
    let mut store = ws.store()?;
    let d = match super::diff_if_platform(ws, loaded, platform, &store) {
        Ok(d) => d.ok_or_else(|| Error::msg(no_platform()))?,
        Err(e) => {
            // The change set beside a fresh roster no longer goes with it: marked stale.
            if matches!(&e, Error::Unreadable(a) if a.downcast_ref::<super::PlatformUnreadable>().is_some()) {
                rollout::runlog::mark_stale(&ws.out, &super::DIFF_OUTPUTS, super::DIFF_STAGE).map_err(Error::output)?;
            }
            return Err(e);
        }
    };
    rollout::output::changes::write_diff(&ws.out, &ws.cfg, &loaded.roster, &d.chats, &d.matches, &d.changes).map_err(Error::Output)?;
    rollout::runlog::set_inputs(&ws.out, &super::DIFF_OUTPUTS, &d.changes.hash).map_err(Error::output)?;
    store.record_diff(
        &d.changes.hash,
        &d.matches_to_remember(),
        &loaded.roster,
        d.sizes_to_accept(),
        ws.today,
    )?;
    store.record_change_set(&d.changes.hash, &d.parts, &d.actionable_json(), !d.changes.held_reasons.is_empty())?;
    store.record_change_set_roster(&d.changes.hash, &d.roster_hash)?;
    if !quiet {
        let mut text = Vec::new();
        let _ = rollout::summary::print_diff_summary(&mut text, &ws.cfg, &d, &ws.out);
        super::print_raw(&text);
        let unknown = d.chats.iter().filter(|(c, _)| !c.members_known).count();
        if unknown > 0 {
            super::say!(
                "Участники {} неизвестны — по ним ничего не рассчитано.",
                rollout::human::ru_count(unknown, ["чата", "чатов", "чатов"])
            );
        }
    }
    Ok((Done::problems_if(d.changes.status == ChangeStatus::Held), d))
}
