//! The short summaries commands print for people: the roster, its problems, the change set.

use crate::changes::{Action, ActionKind, ChangeStatus, DiffOutcome};
use crate::config::Config;
use crate::human::{print_table, ru_count};
use crate::matching::Status as MatchStatus;
use crate::problem::Severity;
use crate::profile::Profile;
use crate::roster::{Loaded, PersonKind};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Whether a count takes a verb in the singular: «1 файл не прочитан», «21 файл …», but
/// «2 файла … не прочитаны», «11 файлов …».
fn one(n: usize) -> bool {
    n % 10 == 1 && n % 100 != 11
}

pub fn print_roster_summary(w: &mut dyn Write, cfg: &Config, o: &Loaded) -> std::io::Result<()> {
    if o.files == 0 && o.unreadable == 0 {
        writeln!(
            w,
            "Источников нет: положите выгрузки списков (xlsx, xls, ods, csv) в {}",
            cfg.root.join("sources").display()
        )?;
    } else {
        writeln!(
            w,
            "Источники: {}, из них не прочитано {}; {} с данными",
            ru_count(o.files, ["файл", "файла", "файлов"]),
            o.unreadable,
            ru_count(o.sheets, ["лист", "листа", "листов"])
        )?;
    }
    if !o.unlisted.is_empty() {
        let list: Vec<&str> = o.unlisted.iter().take(5).map(String::as_str).collect();
        writeln!(
            w,
            "Внимание: {} в sources/ {} в [[sources]] и не {}: {}{} (когда [[sources]] задан, читаются только перечисленные файлы)",
            ru_count(o.unlisted.len(), ["файл", "файла", "файлов"]),
            if one(o.unlisted.len()) {
                "не перечислен"
            } else {
                "не перечислены"
            },
            if one(o.unlisted.len()) {
                "прочитан"
            } else {
                "прочитаны"
            },
            list.join(", "),
            if o.unlisted.len() > 5 { ", …" } else { "" }
        )?;
    }
    let r = &o.roster;
    let students = match cfg.profile {
        Profile::Kindergarten => ["воспитанник", "воспитанника", "воспитанников"],
        Profile::School => ["ученик", "ученика", "учеников"],
        _ => ["обучающийся", "обучающихся", "обучающихся"],
    };
    writeln!(
        w,
        "Реестр: {}, {}, {}, {}",
        ru_count(r.count(PersonKind::Student), students),
        ru_count(r.count(PersonKind::Parent), ["родитель", "родителя", "родителей"]),
        ru_count(r.count(PersonKind::Staff), ["сотрудник", "сотрудника", "сотрудников"]),
        ru_count(r.groups.len(), ["группа", "группы", "групп"])
    )?;
    if !r.teaching.is_empty() {
        let distinct =
            |key: fn(&crate::roster::Teaching) -> String| r.teaching.iter().map(key).collect::<std::collections::BTreeSet<_>>().len();
        writeln!(
            w,
            "Нагрузка: {}, учителей {}, групп {}, предметов {}",
            ru_count(r.teaching.len(), ["строка", "строки", "строк"]),
            distinct(|t| t.person_id.clone()),
            distinct(|t| format!("{}\u{1f}{}", t.branch, t.group)),
            distinct(|t| crate::normalize::text_key(&t.subject)),
        )?;
    }
    if cfg.branches.len() > 1 {
        let rows: Vec<Vec<String>> = cfg
            .branches
            .iter()
            .map(|b| {
                vec![
                    b.name.clone(),
                    r.groups.iter().filter(|g| g.branch == b.name).count().to_string(),
                    r.count_in_branch(PersonKind::Student, &b.name).to_string(),
                    r.count_in_branch(PersonKind::Parent, &b.name).to_string(),
                    r.count_in_branch(PersonKind::Staff, &b.name).to_string(),
                ]
            })
            .collect();
        print_table(w, &["филиал", "групп", "обучающихся", "родителей", "сотрудников"], &rows)?;
    }
    Ok(())
}

pub fn print_problem_summary(w: &mut dyn Write, o: &Loaded, problems_path: &Path) -> std::io::Result<()> {
    if o.problems.is_empty() {
        writeln!(w, "Проблем не найдено.")?;
        return Ok(());
    }
    writeln!(
        w,
        "Проблемы: {}, {} — подробно: {}",
        ru_count(o.errors(), ["ошибка", "ошибки", "ошибок"]),
        ru_count(o.warnings(), ["предупреждение", "предупреждения", "предупреждений"]),
        problems_path.display()
    )?;
    let mut by: BTreeMap<(Severity, &'static str, String), usize> = BTreeMap::new();
    for p in &o.problems {
        *by.entry((p.severity(), p.rule.code(), p.branch.clone())).or_default() += 1;
    }
    let rows: Vec<Vec<String>> = by
        .into_iter()
        .map(|((sev, code, branch), n)| {
            let title = crate::problem::Rule::from_code(code).map(|r| r.title_ru()).unwrap_or("");
            vec![
                if sev == Severity::Error {
                    "ошибка".into()
                } else {
                    "предупр.".into()
                },
                code.to_string(),
                title.to_string(),
                if branch.is_empty() { "—".into() } else { branch },
                n.to_string(),
            ]
        })
        .collect();
    print_table(w, &["", "правило", "что это", "филиал", "число"], &rows)
}

pub fn print_diff_summary(w: &mut dyn Write, cfg: &Config, d: &DiffOutcome, out_dir: &Path) -> std::io::Result<()> {
    let c = &d.changes;
    let placed = d.chats.iter().filter(|(_, p)| p.is_ok()).count();
    let members = d.matches.len();
    let count = |s: MatchStatus| d.matches.iter().filter(|m| m.status == s).count();
    writeln!(
        w,
        "Платформа: чатов {} (распознано {placed}), участников {members}: сопоставлено {}, на проверку {}, неизвестных {}",
        d.chats.len(),
        count(MatchStatus::Matched),
        count(MatchStatus::Review),
        count(MatchStatus::Unknown)
    )?;
    let status = match c.status {
        ChangeStatus::Ready => "готов",
        ChangeStatus::Held => "ЗАДЕРЖАН",
        ChangeStatus::Approved => "подтверждён",
    };
    writeln!(
        w,
        "Набор изменений {} ({}…): {} — {}",
        status,
        &c.hash[..12],
        ru_count(c.actions.len(), ["действие", "действия", "действий"]),
        out_dir.join("changes.xlsx").display()
    )?;
    let kinds = ActionKind::columns(&c.actions);
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut branches: Vec<String> = cfg.branches.iter().map(|b| b.name.clone()).collect();
    branches.push(String::new());
    for b in &branches {
        let of_branch: Vec<&Action> = c.actions.iter().filter(|a| a.branch().unwrap_or("") == b.as_str()).collect();
        if of_branch.is_empty() {
            continue;
        }
        let mut row = vec![if b.is_empty() {
            "— (чаты вне филиалов)".to_string()
        } else {
            b.clone()
        }];
        row.extend(
            kinds
                .iter()
                .map(|k| of_branch.iter().filter(|a| a.kind() == *k).count().to_string()),
        );
        rows.push(row);
    }
    let header: Vec<&str> = std::iter::once("филиал").chain(kinds.iter().map(|k| k.title_ru())).collect();
    print_table(w, &header, &rows)?;
    for r in &c.held_reasons {
        writeln!(w, "  ! {r}")?;
    }
    match c.status {
        ChangeStatus::Held => writeln!(w, "Удаления не выполняются, пока набор не подтверждён: rollout approve {}", c.hash)?,
        ChangeStatus::Approved if !c.held_reasons.is_empty() => writeln!(
            w,
            "Набор изменений подтверждён: удаления, которые его задерживали, разрешены; подтверждать его снова не нужно."
        )?,
        _ => {}
    }
    Ok(())
}
