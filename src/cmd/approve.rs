//! `rollout approve HASH`: approve a held change set; refused if its inputs changed since.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use rollout::human::ru_count;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Хеш, который вывел rollout diff (целиком или первые 8 и более знаков).
    #[arg(value_name = "ХЕШ")]
    hash: String,
    /// Источник платформы, по которому сделан набор изменений, если не [platform] из rollout.toml.
    #[arg(long, value_name = "ПУТЬ")]
    platform: Option<PathBuf>,
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let ws = Workspace::load(g)?;
    let mut store = ws.store()?;
    // A hash of a change set never made is not stale: there is none yet.
    if !store.any_change_set_shown()? {
        return Err(Error::msg(
            "набора изменений ещё нет: сначала выполните rollout diff и проверьте его",
        ));
    }
    let loaded = ws.roster(true)?;
    let d = super::diff_if_platform(&ws, &loaded, a.platform.as_deref(), &store)?.ok_or_else(|| Error::msg(super::diff::no_platform()))?;
    let shown = store.change_set_shown(&d.changes.hash)?;
    rollout::changes::check_approval(&a.hash, &d.changes, shown).map_err(Error::usage)?;
    store.approve(&d.changes.hash, &ws.today.format("%Y-%m-%d").to_string())?;
    // An approved shrink becomes the new reference size.
    store.set_roster_sizes(&d.assessment.sizes)?;
    say!(
        "Набор изменений {} подтверждён ({}).",
        d.changes.hash,
        ru_count(d.changes.actions.len(), ["действие", "действия", "действий"])
    );
    Ok(Done::Clean)
}
