//! `rollout confirm` / `rollout reject`: settle a review item (kept in the state store).

use super::{Global, Workspace, say};
use anyhow::Context;
use rollout::error::{Done, Error, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Номер аккаунта на платформе (из OUT/matches.csv).
    #[arg(value_name = "ID_УЧАСТНИКА")]
    user_id: i64,
    /// Номер человека в реестре (из OUT/matches.csv или OUT/roster/people.csv).
    #[arg(value_name = "ID_ЧЕЛОВЕКА")]
    person_id: String,
}

pub fn run(g: &Global, a: Args, confirm: bool) -> Result<Done> {
    let ws = Workspace::load(g)?;
    let loaded = ws.roster(true)?;
    let person = loaded.roster.people.iter().find(|p| p.id == a.person_id).ok_or_else(|| {
        Error::msg(format!(
            "человека {} нет в реестре: ID людей — в out/roster/people.csv, кандидаты для проверки — в out/changes.xlsx",
            a.person_id
        ))
    })?;
    check_account(&ws, a.user_id)?;
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

/// A decision is about an account the platform has: the user id must be a member of some
/// chat of the current platform source (a typo would otherwise be remembered for good).
fn check_account(ws: &Workspace, user_id: i64) -> Result<()> {
    let source = rollout::platform::source(&ws.cfg, None, &ws.reader()).ok_or_else(|| {
        Error::msg(format!(
            "нельзя проверить аккаунт {user_id}: данных платформы нет — {}",
            super::platform_advice(&ws.cfg)
        ))
    })?;
    let state = source
        .load()
        .context("не удалось прочитать данные платформы")
        .map_err(Error::Unreadable)?;
    if state.chats.iter().any(|c| c.members.iter().any(|m| m.user_id == user_id)) {
        Ok(())
    } else {
        Err(Error::msg(format!(
            "аккаунта {user_id} нет ни в одном чате платформы: подтверждать и отклонять можно только участников чатов — их ID в out/matches.csv и в списке «проверить» out/changes.xlsx"
        )))
    }
}
