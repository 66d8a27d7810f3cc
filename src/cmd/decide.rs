//! `rollout confirm` / `rollout reject`: settle a review item (kept in the state store).

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Номер аккаунта на платформе (из OUT/matches.csv).
    #[arg(value_name = "USER_ID")]
    user_id: i64,
    /// Номер человека в реестре (из OUT/matches.csv или OUT/roster/people.csv).
    #[arg(value_name = "PERSON_ID")]
    person_id: String,
}

pub fn run(g: &Global, a: Args, confirm: bool) -> Result<Done> {
    let ws = Workspace::load(g)?;
    let loaded = ws.roster(true)?;
    let person = loaded.roster.people.iter().find(|p| p.id == a.person_id).ok_or_else(|| {
        Error::msg(format!(
            "no person {} on the roster (see out/roster/people.csv or the review list in out/changes.xlsx)",
            a.person_id
        ))
    })?;
    let mut store = ws.store()?;
    let today = ws.today.format("%Y-%m-%d").to_string();
    if confirm {
        store.confirm(a.user_id, &a.person_id, person.kind, &today)?;
    } else {
        store.reject(a.user_id, &a.person_id, person.kind, &today)?;
    }
    say!(
        "{} участник {} — {}. Выполните rollout diff, чтобы пересчитать набор изменений.",
        if confirm {
            "Подтверждено:"
        } else {
            "Отклонено:"
        },
        a.user_id,
        a.person_id
    );
    Ok(Done::Clean)
}
