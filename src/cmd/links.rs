//! `rollout links status`: the admin's checklist of invite links.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum LinksCmd {
    /// По филиалам: группы без ссылки, ссылки, пропавшие с платформы, ссылки, которые пора
    /// заменить, чаты, в которые давно никто не вступал, хотя вступить ещё нужно.
    #[command(after_help = "Примеры:\n  rollout links status")]
    Status {
        /// Папка снимка платформы или файл выгрузки участников (по умолчанию: [platform] из rollout.toml).
        #[arg(long, value_name = "ПУТЬ")]
        platform: Option<PathBuf>,
    },
}

pub fn run(g: &Global, cmd: LinksCmd) -> Result<Done> {
    let LinksCmd::Status { platform } = cmd;
    let ws = Workspace::load(g)?;
    super::begin_outputs(&ws, "links status");
    let loaded = ws.roster(true)?;
    let ctx = super::link_context(&ws, &loaded, platform.as_deref())?;
    let checks = rollout::links::checklist::checklist(
        &ws.cfg,
        &loaded.roster,
        &ctx.links,
        ctx.diff.as_ref().map(|d| &d.changes),
        &ctx.store,
        &ctx.chats,
        ws.today,
    )?;
    rollout::links::checklist::write_status(&ws.out, &checks, &ctx.store).map_err(Error::Output)?;
    say!(
        "Ссылок: {}; к проверке: {}",
        ctx.links.current.len(),
        checks.len() + ctx.links.problems.len()
    );
    if ctx.diff.is_none() {
        say!(
            "Данных платформы нет ({}): какие чаты и ссылки уже есть, неизвестно — {}",
            ctx.platform.why_none(),
            if ws.cfg.links.file.is_some() {
                "проверены только ссылки из файла ссылок.".to_string()
            } else {
                format!(
                    "{} или впишите ссылки в файл ссылок ([links] file).",
                    super::platform_advice(&ws.cfg)
                )
            }
        );
    }
    for p in &ctx.links.problems {
        say!(
            "  ! ссылка не принята: {} {} {} — {} ({})",
            p.location.file,
            p.location.sheet,
            p.location.cell,
            p.message,
            p.found
        );
    }
    let mut branch = "";
    for c in &checks {
        if c.branch != branch {
            branch = &c.branch;
            say!("{branch}:");
        }
        // A group's chat is «ИС-24-1 родители»; a branch's staff chat is named once.
        let chat = if c.group.is_empty() {
            "чат сотрудников".to_string()
        } else {
            format!("{} {}", c.group, c.audience.ru())
        };
        say!("  [ ] {}: {chat} — {}", c.kind.ru(), c.detail);
    }
    Ok(Done::problems_if(!checks.is_empty() || !ctx.links.problems.is_empty()).max(ctx.platform.done()))
}
