//! `rollout rollover --to 2027/28`: the next school year's structure, proposed for review
//! (issue 16). It reads the roster and the platform's placed chats, calls
//! [`rollout::rollover::propose`], writes `OUT/rollover.xlsx` and
//! `OUT/rollover/chats-map.toml`, records the proposal in the state store (one per year,
//! replaced by a later run) and prints a summary. Nothing on the platform is changed.
//!
//! The grace date (graduates are not removed before it) is `grace_days` after the later of
//! the proposal's day and 1 September of the target year. The runs of the target year read
//! the proposal back ([`rollout::rollover::effect`]); it is kept as JSON in the shape of
//! [`rollout::rollover::record::Stored`]: the groups' fates, new groups, renames, problems,
//! and for the runs after it the chats of the groups that change name or graduate (with
//! their placement and `[[chats.map]]` entry then) and a few witnesses per such group.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use rollout::platform::place::Placement;
use rollout::rollover::{self, Fate, Proposal};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Учебный год, в который переходят группы: 2027/28 или 2027-2028 (текущий или следующий).
    #[arg(long, value_name = "ГОД")]
    to: String,
    /// Папка снимка платформы или файл выгрузки участников (по умолчанию: [platform] из rollout.toml).
    #[arg(long, value_name = "ПУТЬ")]
    platform: Option<PathBuf>,
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let ws = Workspace::load(g)?;
    let year = rollover::school_year(&a.to).map_err(|e| Error::msg(format!("--to: {e}")))?;
    rollover::check_target(year, ws.today).map_err(|e| Error::msg(format!("--to: {e}")))?;
    super::check_platform_path(a.platform.as_deref())?;
    super::begin_outputs(&ws, "rollover");
    let loaded = ws.roster(g.quiet)?;
    // A proposal from lists with a file missing or unreadable would graduate or drop whole
    // groups.
    if !loaded.complete() {
        return Err(Error::msg(format!(
            "не все источники прочитаны ({}) — предложение из неполных списков не строится; исправьте источники (rollout check) и запустите снова",
            rollout::human::ru_count(
                loaded.unreadable + loaded.partly_read.len(),
                [
                    "файл не прочитан или прочитан не полностью",
                    "файла не прочитаны или прочитаны не полностью",
                    "файлов не прочитаны или прочитаны не полностью"
                ]
            )
        )));
    }
    // A proposal for this year already made from last year's lists, and the lists in
    // sources/ already the new year's: a new one would move everyone up another year.
    let store = ws.store()?;
    if let Some(rec) = store.rollover(&year.to_string())? {
        let stored = rollover::record::Stored::from_json(&rec.mapping).map_err(Error::msg)?;
        let (which, _, after) = rollover::effect::roster_year(&stored, &loaded.roster);
        let begun = ws.today >= year.first_day();
        if which == rollover::effect::RosterYear::After || (begun && which != rollover::effect::RosterYear::Before) {
            let why = if which == rollover::effect::RosterYear::After {
                format!("{after} проверочных учеников уже в новых группах")
            } else {
                "учебный год уже начался, а по спискам не видно, что они прошлогодние".to_string()
            };
            return Err(Error::msg(format!(
                "предложение перехода в {year} уже записано ({}), а списки в sources/, похоже, уже нового года ({why}) — новое предложение из них перевело бы всех ещё на год. Чтобы пересоздать предложение, верните в sources/ списки прошлого учебного года",
                rollout::human::day_ru(&rec.proposed_on)
            )));
        }
    }
    drop(store);

    // The chats as `diff` places them: (id, title, group) for the rules, the placement for
    // chats-map.toml.
    let mut placements: HashMap<i64, Placement> = HashMap::new();
    let mut chats: Vec<(i64, String, Option<String>)> = Vec::new();
    let source = rollout::platform::source(&ws.cfg, a.platform.as_deref(), &ws.reader());
    let have_platform = source.is_some();
    if let Some(source) = source {
        let state = source
            .load()
            .map_err(|e| Error::Unreadable(anyhow::Error::new(e).context("не удалось прочитать платформу")))?;
        for w in &state.warnings {
            rollout::errln!("rollout: внимание: {}", w.describe(&ws.cfg.root));
        }
        // Where the chats are this year: a proposal in effect for it places its chats.
        let this_year = rollout::rollover::effect::status(&ws.cfg, &ws.store()?, &loaded.roster, ws.today).map_err(Error::Unreadable)?;
        // (Not the proposal being made again: a proposal for the current year replaces it.)
        let effect = this_year.effect().filter(|e| e.year != year);
        for (c, p) in rollout::changes::compute::place_chats_with(&ws.cfg, &loaded, state, effect) {
            let Some(title) = c.chat.title.clone() else { continue };
            let group = p.as_ref().ok().and_then(|p| p.group.clone());
            if let Ok(p) = p {
                placements.insert(c.chat.chat_id, p);
            }
            chats.push((c.chat.chat_id, title, group));
        }
    }

    let p = rollover::propose(ws.cfg.profile, &ws.cfg.rollover, year, &loaded.roster, &chats);
    // Counted from the day the target year begins when the proposal is made before it: a
    // proposal in November for the next year must not remove this year's last grade.
    let grace = rollover::grace_date(ws.today.max(year.first_day()), &ws.cfg.rollover);

    let xlsx_path = ws.out.join("rollover.xlsx");
    let book = rollout::output::rollover::xlsx_bytes(&xlsx_path, &p).map_err(Error::output)?;
    rollout::output::write_private(&xlsx_path, &book)
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", xlsx_path.display()))))?;
    let map_path = ws.out.join("rollover").join("chats-map.toml");
    let mapped: std::collections::HashSet<i64> = ws.cfg.chat_map.iter().map(|e| e.chat_id).collect();
    let map = rollout::output::rollover::chats_map(&p, &placements, ws.cfg.branches.len() > 1, &mapped, grace);
    rollout::output::write_private(&map_path, map.as_bytes())
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", map_path.display()))))?;

    let mut placed: Vec<(i64, Placement)> = placements.iter().map(|(id, p)| (*id, p.clone())).collect();
    placed.sort_by_key(|(id, _)| *id);
    let mut store = ws.store()?;
    store.record_rollover(&rollout::state::RolloverRecord {
        year: p.year.to_string(),
        proposed_on: ws.today.format("%Y-%m-%d").to_string(),
        grace_date: grace.format("%Y-%m-%d").to_string(),
        mapping: rollover::record::Stored::new(&p, &loaded.roster, &placed, &ws.cfg.chat_map).to_json(),
    })?;

    if !g.quiet {
        summary(&ws, &p, grace, have_platform, &xlsx_path, &map_path);
    }
    Ok(if p.problems.is_empty() { Done::Clean } else { Done::Problems })
}

fn summary(ws: &Workspace, p: &Proposal, grace: chrono::NaiveDate, have_platform: bool, xlsx: &std::path::Path, map: &std::path::Path) {
    let count = |f: fn(&Fate) -> bool| p.mapping.iter().filter(|m| f(&m.fate)).count();
    let advancing = count(|f| matches!(f, Fate::Advance { .. }));
    let keeping = count(|f| matches!(f, Fate::Keep));
    say!("Переход в {} учебный год (предложение, на платформе ничего не изменено):", p.year);
    say!("  переходят в следующий класс или курс: {advancing}");
    say!("  выпускаются: {}", p.graduating.len());
    if keeping > 0 {
        say!("  остаются как есть: {keeping}");
    }
    say!("  новые группы: {}", p.new_groups.len());
    say!("  решить вручную: {}", p.problems.len());
    if have_platform {
        say!("  чатов переименовать: {}", p.renames.len());
    } else {
        say!(
            "  чатов переименовать: — (данных платформы нет: {})",
            super::platform_advice(&ws.cfg)
        );
    }
    for problem in &p.problems {
        say!("    {problem}");
    }
    if !p.graduating.is_empty() {
        say!("Выпускники будут удалены не раньше {}.", grace.format("%d.%m.%Y"));
    }
    say!(
        "Проверьте {}; записи [[chats.map]] для новых названий — {}.",
        xlsx.display(),
        map.display()
    );
}
