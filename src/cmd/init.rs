//! `rollout init`: a starter workspace.

use super::say;
use rollout::error::{Done, Error, Result};
use rollout::profile::Profile;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
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
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::from_code(s).ok_or_else(|| {
        format!(
            "профиль «{s}» неизвестен: выберите school (школа), college (колледж), kindergarten (детский сад) или supplementary (дополнительное образование)"
        )
    })
}

pub fn run(a: Args) -> Result<Done> {
    rollout::init::init(&a.dir, a.profile, &a.name, a.force).map_err(Error::usage)?;
    say!("Создано рабочее место: {} (профиль {}).", a.dir.display(), a.profile.code());
    say!(
        "Дальше: положите выгрузки в {}/sources/, проверьте rollout.toml и выполните",
        a.dir.display()
    );
    say!("  rollout run --config {}", a.dir.join("rollout.toml").display());
    Ok(Done::Clean)
}
