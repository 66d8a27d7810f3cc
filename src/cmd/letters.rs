//! `rollout letters`: letters, mailing lists, QR slips and .eml files.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Письма всем, а не только тем, кому ещё нужно вступить.
    #[arg(long)]
    all: bool,
    /// Без листков с QR-кодами для печати.
    #[arg(long)]
    no_qr: bool,
    /// Без файлов .eml.
    #[arg(long)]
    no_eml: bool,
    /// Папка снимка платформы или файл выгрузки участников (по умолчанию: [platform] из rollout.toml).
    #[arg(long, value_name = "ПУТЬ")]
    platform: Option<PathBuf>,
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let ws = Workspace::load(g)?;
    super::require_org_name(&ws)?;
    super::begin_outputs(&ws, "letters");
    let loaded = ws.roster(g.quiet)?;
    // Letters name people by id: the roster they refer to is written beside them.
    super::write_roster(&ws, &loaded, true)?;
    let ctx = super::link_context(&ws, &loaded, a.platform.as_deref())?;
    if ctx.platform == super::PlatformData::Unreadable {
        // Without the platform there are no chats' links: letters made now would replace
        // the last good ones with letters that lack them.
        say!(
            "Письма не обновлены: без данных платформы нет ссылок на чаты — в {} остались прежние",
            ws.out.join("letters").display()
        );
        return Ok(ctx.platform.done());
    }
    // Without a fresh change set, the stale one in OUT is not what letters go by.
    let stale = rollout::runlog::stale(&ws.out);
    if ctx.diff.is_none() && !a.all && stale.iter().any(|(rel, _)| rel == "changes.json") {
        return Err(Error::Unreadable(anyhow::anyhow!(
            "набор изменений {} устарел: {} в последнем запуске не выполнено — письма по нему не готовятся\n  подсказка: исправьте чтение платформы и выполните rollout diff, или подготовьте письма всем: rollout letters --all",
            ws.out.join("changes.json").display(),
            super::DIFF_STAGE
        )));
    }
    let engine = rollout::letters::Engine::new(Some(&ws.cfg.root.join("templates"))).map_err(Error::usage)?;
    let rules = rollout::letters::rules_lines(&engine, &ws.cfg.organization.name).map_err(Error::usage)?;
    let inputs = rollout::letters::Inputs {
        cfg: &ws.cfg,
        roster: &loaded.roster,
        links: &ctx.links.current,
        changes: ctx.diff.as_ref().map(|d| &d.changes),
        rules,
    };
    let date = ws.today.and_hms_opt(9, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0);
    let opts = rollout::letters::Options {
        all: a.all,
        qr: !a.no_qr,
        eml: !a.no_eml,
        date,
    };
    let dir = ws.out.join("letters");
    // A fresh folder, written as the letters are rendered and swapped in at the end: never
    // a mix of old and new letters, never all of them in memory.
    let new = rollout::files::NewDir::begin(&dir).map_err(Error::Output)?;
    let r = rollout::letters::render(&engine, &inputs, &opts, &|rel, bytes| new.write(rel, bytes)).map_err(|e| match e {
        rollout::letters::LetterError::Write(e) => Error::Output(e),
        e => Error::usage(e),
    })?;
    for (rel, bytes) in &r.files {
        new.write(rel, bytes).map_err(Error::Output)?;
    }
    new.finish().map_err(Error::Output)?;
    if !a.no_eml && rollout::letters::sender(&ws.cfg).is_none() {
        let example = "впишите, например: from = \"Колледж <info@college.ru>\"";
        match ws.cfg.letters.from.as_deref() {
            None => rollout::errln!(
                "rollout: внимание: не задан отправитель писем ([letters] from в rollout.toml) — файлы .eml не записаны; {example}"
            ),
            Some(f) => rollout::errln!("rollout: внимание: в [letters] from («{f}») нет адреса e-mail — файлы .eml не записаны; {example}"),
        }
    }
    for p in &ctx.links.problems {
        say!(
            "Ссылка не принята: {} {} {} — {} ({})",
            p.location.file,
            p.location.sheet,
            p.location.cell,
            p.message,
            p.found
        );
    }
    say!(
        "Письма: родителям {}, кураторам {}, сотрудникам {}; листков с QR {}; .eml {}; SMS {}; на печать {} — {}",
        r.parents,
        r.curators,
        r.staff,
        r.slips,
        r.eml,
        r.sms,
        r.print,
        dir.display()
    );
    if r.without_link > 0 {
        say!("Без ссылки (чата нет): {} — см. rollout links status", r.without_link);
    }
    if ctx.diff.is_none() && !a.all {
        say!("Данных платформы нет ({}): письма подготовлены для всех.", ctx.platform.why_none());
    }
    Ok(Done::problems_if(!ctx.links.problems.is_empty()).max(ctx.platform.done()))
}
