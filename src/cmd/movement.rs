//! `rollout movement`: what changed between two recorded rosters (the history), by person
//! id — a summary by branch, `OUT/movement.csv` and `OUT/movement.xlsx`; `--list` shows
//! the records.

use super::{Global, Workspace, say};
use rollout::error::{Done, Error, Result};
use rollout::history::movement::{self, ChangeKind};
use rollout::history::{self, RunInfo};

#[derive(clap::Args)]
pub struct Args {
    /// Показать записанные списки: номер, дату, команду, число обучающихся, родителей и сотрудников.
    #[arg(long, conflicts_with_all = ["since", "from", "to"])]
    list: bool,
    /// Сравнить с последним списком, записанным раньше этого дня (дд.мм.гггг или гггг-мм-дд), — движение с этого дня.
    #[arg(long, value_name = "ДАТА", conflicts_with = "from")]
    since: Option<String>,
    /// Номер списка, с которым сравнивать (см. --list); по умолчанию — предыдущий перед --to.
    #[arg(long, value_name = "НОМЕР")]
    from: Option<u64>,
    /// Номер списка, который сравнивать (см. --list); по умолчанию — последний.
    #[arg(long, value_name = "НОМЕР")]
    to: Option<u64>,
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// «не прочитан 1 источник», «прочитан не полностью 1 источник (повреждённый CSV)», or both.
fn not_read(s: &history::Skipped) -> String {
    let count = |n| rollout::human::ru_count(n, ["источник", "источника", "источников"]);
    let mut parts = Vec::new();
    if s.unreadable > 0 {
        parts.push(format!("не прочитан {}", count(s.unreadable)));
    }
    if s.partly_read > 0 {
        parts.push(format!("прочитан не полностью {}", count(s.partly_read)));
    }
    parts.join(", ")
}

fn describe(i: &RunInfo) -> String {
    format!("№ {} от {} (rollout {})", i.run, day(i.recorded_on), i.command)
}

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let ws = Workspace::load(g)?;
    let root = ws.cfg.root.clone();
    let runs = history::list(&root).map_err(Error::unreadable)?;
    if let Some(s) = history::skipped(&root) {
        rollout::errln!(
            "rollout: внимание: список, собранный rollout {} {}, не записан в историю: {} — {}",
            s.command,
            day(s.on),
            not_read(&s),
            if runs.is_empty() {
                "записанных списков нет".to_string()
            } else {
                "движение показано по записанным спискам".to_string()
            }
        );
    }
    if a.list {
        return list(&runs);
    }
    let find = |run: u64| {
        runs.iter().find(|i| i.run == run).cloned().ok_or_else(|| {
            Error::msg(format!(
                "в истории нет списка № {run} (rollout movement --list покажет, какие есть)"
            ))
        })
    };
    match runs.as_slice() {
        [] => {
            return Err(Error::msg(
                "история списков пуста: списки записываются командами rollout ingest, diff и run, когда все источники прочитаны",
            ));
        }
        [only] => {
            return Err(Error::msg(format!(
                "в истории пока один список: {} — движение видно, когда записан второй (rollout ingest после обновления источников)",
                describe(only)
            )));
        }
        _ => {}
    }
    let to = match a.to {
        Some(n) => find(n)?,
        None => runs[runs.len() - 1].clone(),
    };
    let from = if let Some(n) = a.from {
        find(n)?
    } else if let Some(s) = &a.since {
        let since = super::parse_day(Some(s), ws.today)?;
        match runs.iter().rev().find(|i| i.recorded_on < since) {
            Some(i) => i.clone(),
            None => {
                return Err(Error::msg(format!(
                    "в истории нет списков, записанных раньше {}: первый — {}",
                    day(since),
                    describe(&runs[0])
                )));
            }
        }
    } else {
        match runs.iter().rev().find(|i| i.run < to.run) {
            Some(i) => i.clone(),
            None => {
                return Err(Error::msg(format!(
                    "список {} — первый в истории: сравнивать его не с чем",
                    describe(&to)
                )));
            }
        }
    };
    if from.run == to.run {
        return Err(Error::msg(format!("сравнивать не с чем: оба списка — {}", describe(&to))));
    }
    // Movement runs forward: a reversed pair would call arrivals departures.
    if from.run > to.run {
        return Err(Error::msg(format!(
            "список --from ({}) записан позже, чем --to ({}): укажите в --from более ранний список",
            describe(&from),
            describe(&to)
        )));
    }
    let read = |i: &RunInfo| movement::frames(&root, i.run).map_err(Error::unreadable);
    // Across a school year's rollover the earlier list is read in the new year's group
    // names: a class that moved up is no movement, graduates leave «11А (выпуск)».
    let earlier = match rollout::rollover::effect::stored_for(&ws.store()?, to.recorded_on).map_err(Error::unreadable)? {
        Some((_, _, stored)) => {
            let mut roster = rollout::history::load(&root, from.run).map_err(Error::unreadable)?;
            rollout::rollover::effect::translate_stored(&stored, &mut roster);
            movement::frames_of(&roster).map_err(Error::unreadable)?
        }
        None => read(&from)?,
    };
    let changes = movement::compare(&earlier, &read(&to)?).map_err(Error::unreadable)?;

    super::begin_outputs(&ws, "movement");
    rollout::output::ensure_dir(&ws.out)
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось создать папку {}", ws.out.display()))))?;
    let csv_path = ws.out.join("movement.csv");
    let csv = rollout::output::csv_bytes(&movement::CSV_HEADER, movement::csv_rows(&changes, to.recorded_on));
    rollout::output::write_private(&csv_path, &csv)
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", csv_path.display()))))?;
    let xlsx_path = ws.out.join("movement.xlsx");
    let book = rollout::output::movement::xlsx_bytes(&xlsx_path, &changes, &from, &to).map_err(Error::output)?;
    rollout::output::write_private(&xlsx_path, &book)
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", xlsx_path.display()))))?;

    if !g.quiet {
        say!("Движение: список {} → {}", describe(&from), describe(&to));
        if changes.is_empty() {
            say!("  Изменений нет.");
        }
        for (branch, counts) in movement::by_branch(&changes) {
            let mut parts: Vec<String> = ChangeKind::ALL
                .iter()
                .filter_map(|k| counts.get(k).map(|n| format!("{} — {n}", k.ru())))
                .collect();
            parts.extend(movement::load_summary(&counts));
            let name = if branch.is_empty() {
                "без филиала".to_string()
            } else {
                branch
            };
            say!("  {name}: {}", parts.join(", "));
        }
        if !changes.is_empty() {
            say!("  Всего изменений: {}", changes.len());
        }
        say!("Записано: {}, {}", csv_path.display(), xlsx_path.display());
    }
    Ok(Done::Clean)
}

fn list(runs: &[RunInfo]) -> Result<Done> {
    if runs.is_empty() {
        say!("История списков пуста: списки записываются командами rollout ingest, diff и run, когда все источники прочитаны.");
        return Ok(Done::Clean);
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|i| {
            vec![
                i.run.to_string(),
                day(i.recorded_on),
                i.command.clone(),
                i.students.to_string(),
                i.parents.to_string(),
                i.staff.to_string(),
            ]
        })
        .collect();
    let mut out = Vec::new();
    let _ = rollout::human::print_table(
        &mut out,
        &["Номер", "Дата", "Команда", "Обучающихся", "Родителей", "Сотрудников"],
        &rows,
    );
    super::print_raw(&out);
    Ok(Done::Clean)
}
