//! The diff's files: `matches.csv`, `changes.json`, `changes.xlsx`, `matching-summary.json`.

use super::xlsx::{Book, SheetData, XlsxFailure};
use super::{csv_bytes, ensure_dir};
use crate::changes::{ActionKind, ChangeSet};
use crate::config::Config;
use crate::matching::{MemberMatch, Status};
use crate::platform::ChatState;
use crate::platform::place::Placement;
use crate::roster::Roster;
use anyhow::Context;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const MATCHES_HEADER: [&str; 8] = [
    "chat_id",
    "user_id",
    "display_name",
    "person_id",
    "kind",
    "confidence",
    "tier",
    "status",
];

pub fn matches_rows(matches: &[MemberMatch]) -> Vec<Vec<String>> {
    matches
        .iter()
        .map(|m| {
            vec![
                m.chat_id.to_string(),
                m.user_id.to_string(),
                m.display_name.clone(),
                m.person_id.clone().unwrap_or_default(),
                m.kind.map(|k| k.code().to_string()).unwrap_or_default(),
                format!("{:.3}", m.confidence),
                m.tier.code().into(),
                m.status.code().into(),
            ]
        })
        .collect()
}

pub fn changes_json(c: &ChangeSet) -> anyhow::Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(c)?;
    v.push(b'\n');
    Ok(v)
}

/// Counts for the matching quality report.
pub fn matching_summary(matches: &[MemberMatch]) -> serde_json::Value {
    let n = matches.len();
    let count = |s: Status| matches.iter().filter(|m| m.status == s).count();
    let mut by_tier: BTreeMap<&str, usize> = BTreeMap::new();
    for m in matches.iter().filter(|m| m.status == Status::Matched) {
        *by_tier.entry(m.tier.code()).or_default() += 1;
    }
    let share = |x: usize| {
        if n == 0 {
            0.0
        } else {
            (x as f64 / n as f64 * 10000.0).round() / 10000.0
        }
    };
    serde_json::json!({
        "members": n,
        "matched": count(Status::Matched),
        "review": count(Status::Review),
        "unknown": count(Status::Unknown),
        "matched_share": share(count(Status::Matched)),
        "review_share": share(count(Status::Review)),
        "unknown_share": share(count(Status::Unknown)),
        "matched_by_tier": by_tier,
    })
}

pub fn write_diff(
    out: &Path,
    cfg: &Config,
    roster: &Roster,
    chats: &[(ChatState, Result<Placement, String>)],
    matches: &[MemberMatch],
    c: &ChangeSet,
) -> anyhow::Result<()> {
    ensure_dir(out).with_context(|| format!("не удалось создать папку {}", out.display()))?;
    let xlsx = changes_xlsx(&out.join("changes.xlsx"), cfg, roster, chats, matches, c);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("matches.csv", csv_bytes(&MATCHES_HEADER, matches_rows(matches))),
        ("changes.json", changes_json(c)?),
        ("matching-summary.json", {
            let mut v = serde_json::to_vec_pretty(&matching_summary(matches))?;
            v.push(b'\n');
            v
        }),
    ];
    super::roster::write_all(out, files, vec![("changes.xlsx", xlsx)])
}

fn changes_xlsx(
    file: &Path,
    cfg: &Config,
    roster: &Roster,
    chats: &[(ChatState, Result<Placement, String>)],
    matches: &[MemberMatch],
    c: &ChangeSet,
) -> Result<Vec<u8>, XlsxFailure> {
    // Names only of the people the actions are about.
    let about: std::collections::HashSet<&str> = c.actions.iter().filter_map(|a| a.person_id()).collect();
    let names: HashMap<&str, String> = roster
        .people
        .iter()
        .filter(|p| about.contains(p.id.as_str()))
        .map(|p| (p.id.as_str(), p.name.full()))
        .collect();
    drop(about);
    let titles: HashMap<i64, String> = chats
        .iter()
        .map(|(cs, _)| (cs.chat.chat_id, cs.chat.title.clone().unwrap_or_default()))
        .collect();
    let shown: HashMap<(i64, i64), String> = matches.iter().map(|m| ((m.chat_id, m.user_id), m.display_name.clone())).collect();
    let kinds = ActionKind::columns(&c.actions);
    let mut summary = SheetData {
        name: "Сводка".into(),
        header: std::iter::once("Филиал".to_string())
            .chain(kinds.iter().map(|k| k.title_ru().to_string()))
            .collect(),
        rows: Vec::new(),
    };
    let mut branches: Vec<String> = cfg.branches.iter().map(|b| b.name.clone()).collect();
    branches.push(String::new());
    let label = |b: &str| {
        if b.is_empty() {
            "Вне филиалов".to_string()
        } else {
            b.to_string()
        }
    };
    fn in_branch<'a>(c: &'a ChangeSet, b: &'a str) -> impl Iterator<Item = &'a crate::changes::Action> {
        c.actions.iter().filter(move |a| a.branch().unwrap_or("") == b)
    }
    for b in &branches {
        if in_branch(c, b).next().is_none() {
            continue;
        }
        let mut row = vec![label(b)];
        row.extend(kinds.iter().map(|k| in_branch(c, b).filter(|a| a.kind() == *k).count().to_string()));
        summary.rows.push(row);
    }
    summary.rows.push(vec![]);
    summary.rows.push(vec![format!(
        "Статус: {}",
        match c.status {
            crate::changes::ChangeStatus::Ready => "готов",
            crate::changes::ChangeStatus::Held => "задержан — нужны проверка и rollout approve",
            crate::changes::ChangeStatus::Approved => "подтверждён",
        }
    )]);
    summary.rows.push(vec![format!("Хеш: {}", c.hash)]);
    for r in &c.held_reasons {
        summary.rows.push(vec![r.clone()]);
    }
    // The summary first, then one branch's rows at a time: made, added, freed.
    let mut book = Book::new(file)?;
    book.add(&summary)?;
    drop(summary);
    for b in &branches {
        if in_branch(c, b).next().is_none() {
            continue;
        }
        book.add(&SheetData {
            name: label(b),
            header: [
                "Действие",
                "Группа",
                "Аудитория",
                "Кто (по спискам)",
                "ID человека",
                "Чат",
                "Участник на платформе",
                "ID участника",
                "Из чата",
                "Причина",
                "Источник",
                "ID действия",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows: in_branch(c, b)
                .map(|a| {
                    vec![
                        a.kind().title_ru().to_string(),
                        a.group().unwrap_or_default().to_string(),
                        match (a.audience(), a.subject()) {
                            (Some(x), Some(s)) => format!("{}: {s}", x.ru()),
                            (Some(x), None) => x.ru().to_string(),
                            (None, _) => String::new(),
                        },
                        a.person_id().and_then(|p| names.get(p).cloned()).unwrap_or_default(),
                        a.person_id().unwrap_or_default().to_string(),
                        a.chat_id().and_then(|id| titles.get(&id).cloned()).unwrap_or_default(),
                        match (a.chat_id().or(a.from_chat_id()), a.user_id()) {
                            (Some(ch), Some(u)) => shown.get(&(a.from_chat_id().unwrap_or(ch), u)).cloned().unwrap_or_default(),
                            _ => String::new(),
                        },
                        a.user_id().map(|u| u.to_string()).unwrap_or_default(),
                        a.from_chat_id().and_then(|id| titles.get(&id).cloned()).unwrap_or_default(),
                        a.reason.text.clone(),
                        a.source
                            .as_ref()
                            .map(|s| {
                                [s.file.as_str(), s.sheet.as_str(), s.cell.as_str()]
                                    .iter()
                                    .filter(|x| !x.is_empty())
                                    .copied()
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .unwrap_or_default(),
                        a.id.clone(),
                    ]
                })
                .collect(),
        })?;
    }
    book.finish()
}
