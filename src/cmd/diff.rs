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
    let loaded = ws.roster(g.quiet)?;
    // The change set names people by id: the roster it refers to is written beside it.
    super::write_roster(&ws, &loaded, true)?;
    let (done, _) = stage(&ws, &loaded, a.platform.as_deref(), g.quiet)?;
    Ok(done.max(if loaded.unreadable > 0 { Done::Unreadable } else { Done::Clean }))
}

/// What `diff` and `approve` say without any platform source.
pub const NO_PLATFORM: &str = "данных платформы нет: укажите [platform] snapshot или export в rollout.toml или передайте --platform ПУТЬ (папку снимка или файл выгрузки участников)";

/// The diff stage: compute, write the files, then remember this run in the state store.
pub fn stage(ws: &Workspace, loaded: &Loaded, platform: Option<&Path>, quiet: bool) -> Result<(Done, DiffOutcome)> {
    let mut store = ws.store()?;
    let d = super::diff_if_platform(ws, loaded, platform, &store)?.ok_or_else(|| Error::msg(NO_PLATFORM))?;
    rollout::output::changes::write_diff(&ws.out, &ws.cfg, &loaded.roster, &d.chats, &d.matches, &d.changes).map_err(Error::Output)?;
    store.record_diff(
        &d.changes.hash,
        &d.matches_to_remember(),
        &loaded.roster,
        d.sizes_to_accept(),
        ws.today,
    )?;
    if !quiet {
        let mut text = Vec::new();
        let _ = rollout::summary::print_diff_summary(&mut text, &ws.cfg, &d, &ws.out);
        super::print_raw(&text);
    }
    Ok((Done::problems_if(d.changes.status == ChangeStatus::Held), d))
}
