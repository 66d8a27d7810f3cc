//! `rollout init`: a starter workspace.

use super::say;
use rollout::error::{Done, Error, Result};
use rollout::profile::Profile;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Папка рабочего места (по умолчанию: текущая папка).
    #[arg(default_value = ".", hide_default_value = true, value_name = "ПАПКА")]
    dir: PathBuf,
    /// Профиль организации: school — школа, college — колледж, kindergarten — детский сад, supplementary — дополнительное образование.
    #[arg(long, value_parser = parse_profile, value_name = "ПРОФИЛЬ")]
    profile: Profile,
    /// Название организации для rollout.toml.
    #[arg(long, default_value = "", hide_default_value = true, value_name = "НАЗВАНИЕ")]
    name: String,
    /// Писать в непустую папку (существующий rollout.toml будет заменён).
    #[arg(long)]
    force: bool,
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::from_code(s).ok_or_else(|| {
        "нужен один из профилей school (школа), college (колледж), kindergarten (детский сад), supplementary (дополнительное образование)"
            .to_string()
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
