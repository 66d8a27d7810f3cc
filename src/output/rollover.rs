//! `OUT/rollover.xlsx` and `OUT/rollover/chats-map.toml`: a proposed rollover
//! ([`crate::rollover::Proposal`]) for people — nothing on the platform is changed by them.

use super::xlsx::{SheetData, XlsxFailure, workbook_bytes};
use crate::platform::place::Placement;
use crate::rollover::{Fate, Proposal};
use std::collections::HashMap;
use std::path::Path;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// What a group becomes, for people: (new name or «выпуск»…, new course, reason).
pub fn fate_ru(fate: &Fate) -> (String, String, String) {
    match fate {
        Fate::Advance { to, course } => (to.clone(), course.clone().unwrap_or_default(), String::new()),
        Fate::Graduate => ("выпуск".into(), String::new(), String::new()),
        Fate::Keep => ("остаётся".into(), String::new(), String::new()),
        Fate::Unknown { reason } => ("решить вручную".into(), String::new(), reason.clone()),
    }
}

/// The new name of `group` (branch, roster spelling) when it advances.
pub fn new_name<'a>(p: &'a Proposal, branch: &str, group: &str) -> Option<&'a str> {
    p.mapping
        .iter()
        .find(|m| m.branch == branch && m.from == group)
        .and_then(|m| match &m.fate {
            Fate::Advance { to, .. } => Some(to.as_str()),
            _ => None,
        })
}

/// `rollover.xlsx`: «Группы», «Новые группы», «Переименования чатов» and, when there are,
/// «Решить вручную».
pub fn xlsx_bytes(file: &Path, p: &Proposal) -> Result<Vec<u8>, XlsxFailure> {
    let groups = SheetData {
        name: "Группы".into(),
        header: strings(&["Филиал", "Группа", "Курс", "Станет", "Новый курс", "Причина"]),
        rows: p
            .mapping
            .iter()
            .map(|m| {
                let (to, course, reason) = fate_ru(&m.fate);
                vec![
                    m.branch.clone(),
                    m.from.clone(),
                    m.course.clone().unwrap_or_default(),
                    to,
                    course,
                    reason,
                ]
            })
            .collect(),
    };
    let new_groups = SheetData {
        name: "Новые группы".into(),
        header: strings(&["Филиал", "Группа", "Курс"]),
        rows: p
            .new_groups
            .iter()
            .map(|g| vec![g.branch.clone(), g.name.clone(), g.course.clone().unwrap_or_default()])
            .collect(),
    };
    let renames = SheetData {
        name: "Переименования чатов".into(),
        header: strings(&["ID чата", "Группа", "Название сейчас", "Новое название"]),
        rows: p
            .renames
            .iter()
            .map(|r| vec![r.chat_id.to_string(), r.group.clone(), r.from_title.clone(), r.to_title.clone()])
            .collect(),
    };
    let mut sheets = vec![groups, new_groups, renames];
    if !p.problems.is_empty() {
        sheets.push(SheetData {
            name: "Решить вручную".into(),
            header: strings(&["Что решить"]),
            rows: p.problems.iter().map(|s| vec![s.clone()]).collect(),
        });
    }
    workbook_bytes(file, &sheets)
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A title on one comment line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `chats-map.toml`: one `[[chats.map]]` entry per chat to rename, with the NEW group and
/// the new `title`; `placements` are the chats' places now (by chat id), `branches` whether
/// the workspace names branches. A chat without a placement is left out with a comment.
pub fn chats_map(
    p: &Proposal,
    placements: &HashMap<i64, Placement>,
    branches: bool,
    mapped: &std::collections::HashSet<i64>,
    grace: chrono::NaiveDate,
) -> String {
    let mut text = format!(
        "# Предложение rollout rollover --to {}: записи [[chats.map]] для чатов, которые будут переименованы.\n\
         # Когда списки нового учебного года загружены, вставьте их в rollout.toml вместо прежних записей тех же чатов.\n\
         # Сам rollout.toml не изменялся, на платформе ничего не изменено.\n",
        p.year
    );
    for r in &p.renames {
        text.push('\n');
        text.push_str(&format!("# «{}» → «{}»\n", one_line(&r.from_title), one_line(&r.to_title)));
        let Some(pl) = placements.get(&r.chat_id) else {
            text.push_str(&format!(
                "# chat_id = {}: чат не сопоставлен с группой — впишите запись сами\n",
                r.chat_id
            ));
            continue;
        };
        let group = new_name(p, &pl.branch, &r.group).unwrap_or(&r.group);
        entry(&mut text, r.chat_id, pl, group, Some(&r.to_title), branches);
    }
    // Chats of `[[chats.map]]` whose group takes a new name and whose title stays: the entry
    // with the new group; graduating chats: a reminder.
    let renamed: std::collections::HashSet<i64> = p.renames.iter().map(|r| r.chat_id).collect();
    let mut ids: Vec<&i64> = placements.keys().filter(|id| !renamed.contains(id)).collect();
    ids.sort();
    for id in ids {
        let pl = &placements[id];
        let Some(g) = pl.group.as_deref() else { continue };
        if p.graduating.iter().any(|(b, x)| b == &pl.branch && x == g) {
            text.push_str(&format!(
                "\n# chat_id = {id}: чат выпускной группы «{}» — rollout удалит из него выпускников и их родителей не раньше {}; удалить сам чат через API нельзя: после этого удалите его в приложении{}\n",
                one_line(g),
                grace.format("%d.%m.%Y"),
                if mapped.contains(id) { " и уберите его запись (до тех пор не убирайте)" } else { "" }
            ));
            continue;
        }
        if !mapped.contains(id) {
            continue;
        }
        let Some(to) =
            new_name(p, &pl.branch, g).filter(|to| crate::normalize::groups::group_key(to) != crate::normalize::groups::group_key(g))
        else {
            continue;
        };
        text.push_str(&format!(
            "\n# группа «{}» → «{}», название чата не меняется\n",
            one_line(g),
            one_line(to)
        ));
        entry(&mut text, *id, pl, to, None, branches);
    }
    text
}

fn entry(text: &mut String, chat_id: i64, pl: &Placement, group: &str, title: Option<&str>, branches: bool) {
    text.push_str("[[chats.map]]\n");
    text.push_str(&format!("chat_id = {chat_id}\n"));
    if branches {
        text.push_str(&format!("branch = {}\n", toml_str(&pl.branch)));
    }
    text.push_str(&format!("group = {}\n", toml_str(group)));
    text.push_str(&format!("audience = {}\n", toml_str(pl.audience.code())));
    if let Some(s) = &pl.subject {
        text.push_str(&format!("subject = {}\n", toml_str(s)));
    }
    if let Some(t) = title {
        text.push_str(&format!("title = {}\n", toml_str(t)));
    }
}
