//! The admin's checklist of links: groups without a link, links gone from the platform,
//! links too old to keep, and chats nobody joined lately although people still have to.

use super::set::LinkSet;
use crate::changes::{ActionKind, ChangeSet, PlacedChat};
use crate::config::Config;
use crate::human::day_ru;
use crate::matching::Expected;
use crate::output::xlsx::{SheetData, workbook_bytes};
use crate::output::{excel_csv_bytes, write_private};
use crate::platform::place::{Audience, Placement};
use crate::roster::Roster;
use crate::state::{LinkHistory, StateError, Store};
use anyhow::Context;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// What is wrong with a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckKind {
    /// No link at all for a chat people must join.
    Missing,
    /// The link is on neither the platform nor the links file any more.
    Disappeared,
    /// Older than `[links] max_age_days`.
    Old,
    /// Nobody joined for `[links] unused_days` although people still have to.
    Unused,
}

impl CheckKind {
    pub fn ru(self) -> &'static str {
        match self {
            CheckKind::Missing => "нет ссылки",
            CheckKind::Disappeared => "ссылка пропала",
            CheckKind::Old => "пора заменить",
            CheckKind::Unused => "никто не вступает",
        }
    }
}

/// One line of the links checklist.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkCheck {
    pub branch: String,
    pub kind: CheckKind,
    /// Empty for a branch's staff chat.
    pub group: String,
    pub audience: Audience,
    pub detail: String,
}

/// The checklist as of `today`.
pub fn checklist(
    cfg: &Config,
    roster: &Roster,
    links: &LinkSet,
    changes: Option<&ChangeSet>,
    store: &Store,
    chats: &[PlacedChat],
    today: NaiveDate,
) -> Result<Vec<LinkCheck>, StateError> {
    let chat_exists: HashSet<&Placement> = chats.iter().filter_map(|(_, p)| p.as_ref().ok()).collect();
    // Without platform data (no change set) nobody knows which chats and links exist: a
    // missing link is only a gap in the links file, when there is one.
    let platform_known = changes.is_some();
    let file_only = !platform_known && cfg.links.file.is_some();
    let expected = Expected::build(roster, cfg.profile);
    let history = store.link_history()?;
    let joins = store.last_joins()?;
    let mut out = Vec::new();
    let key = |p: &Placement| (p.branch.clone(), p.group.clone().unwrap_or_default(), p.audience);
    let same = |h: &LinkHistory, b: &str, g: &str, a: Audience| h.branch == b && h.group == g && h.audience == a.code();
    // Teachers' and subject chats are the teachers' own (they make them and hand out their
    // links, seed 001 §2.15–2.16): no «no link» line for them.
    for p in expected
        .by_placement
        .keys()
        .filter(|p| !matches!(p.audience, Audience::Teachers | Audience::Subject))
    {
        if (platform_known || file_only) && !links.current.contains_key(p) {
            let (b, g, a) = key(p);
            let gone = history
                .iter()
                .any(|h| same(h, &b, &g, a) && (platform_known || h.source.starts_with("file:")));
            out.push(LinkCheck {
                branch: b,
                kind: if gone { CheckKind::Disappeared } else { CheckKind::Missing },
                group: g,
                audience: a,
                detail: if file_only && gone {
                    "ссылки больше нет в файле ссылок: впишите её снова или новую (есть ли чат на платформе, неизвестно — данных платформы нет)".into()
                } else if file_only {
                    "в файле ссылок нет ссылки на этот чат: впишите её (есть ли чат на платформе, неизвестно — данных платформы нет)".into()
                } else if gone {
                    "ссылки больше нет ни на платформе, ни в файле ссылок: проверьте чат и внесите новую ссылку".into()
                } else if chat_exists.contains(p) {
                    "чат есть, но в снимке у него нет ссылки: сделайте бота администратором чата или впишите ссылку в файл ссылок".into()
                } else {
                    "ссылки нет: создайте чат (или добавьте ссылку в файл ссылок)".into()
                },
            });
        }
    }
    // Invites still due per chat's placement (a group's subject chats apart).
    let mut pending: BTreeMap<&Placement, usize> = BTreeMap::new();
    for a in changes.iter().flat_map(|c| &c.actions).filter(|a| a.kind() == ActionKind::Invite) {
        if let Some(place) = a.place() {
            *pending.entry(place).or_insert(0) += 1;
        }
    }
    for r in links.current.values() {
        let (b, g, a) = key(&r.placement);
        if let Some(h) = history.iter().find(|h| h.link == r.link && same(h, &b, &g, a))
            && let Ok(first) = NaiveDate::parse_from_str(&h.first_seen, "%Y-%m-%d")
            && (today - first).num_days() > cfg.links.max_age_days
        {
            out.push(LinkCheck {
                branch: b.clone(),
                kind: CheckKind::Old,
                group: g.clone(),
                audience: a,
                detail: format!(
                    "ссылка {} действует с {} — старше {} дней: замените",
                    super::mask(&r.link),
                    first.format("%d.%m.%Y"),
                    cfg.links.max_age_days
                ),
            });
        }
        let waiting = pending.get(&r.placement).copied().unwrap_or(0);
        if waiting > 0
            && let Some(chat) = r.chat_id
        {
            let idle = joins
                .get(&chat)
                .and_then(|ms| chrono::DateTime::from_timestamp_millis(*ms))
                .map(|t| (today - t.date_naive()).num_days());
            if idle.is_none_or(|d| d > cfg.links.unused_days) {
                out.push(LinkCheck {
                    branch: b.clone(),
                    kind: CheckKind::Unused,
                    group: g.clone(),
                    audience: a,
                    detail: format!(
                        "{} — в чат никто не вступал {}, а вступить должны ещё {waiting}: напомните или отзовите ссылку и выдайте новую",
                        super::mask(&r.link),
                        match idle {
                            Some(d) => format!("{d} дн."),
                            None => "ни разу".into(),
                        }
                    ),
                });
            }
        }
    }
    out.sort_by(|x, y| {
        (&x.branch, x.kind.sort_code(), &x.group, x.audience.code(), &x.detail).cmp(&(
            &y.branch,
            y.kind.sort_code(),
            &y.group,
            y.audience.code(),
            &y.detail,
        ))
    });
    Ok(out)
}

impl CheckKind {
    /// The order the checklist had when kinds were strings (kept: outputs stay the same).
    fn sort_code(self) -> &'static str {
        match self {
            CheckKind::Missing => "missing",
            CheckKind::Disappeared => "disappeared",
            CheckKind::Old => "old",
            CheckKind::Unused => "unused",
        }
    }
}

/// `OUT/links/status.xlsx` (the checklist and the links' history) and
/// `OUT/links/status-excel.csv`.
pub fn write_status(out: &Path, checks: &[LinkCheck], store: &Store) -> anyhow::Result<()> {
    let dir = out.join("links");
    for d in [out, dir.as_path()] {
        crate::output::ensure_dir(d).with_context(|| format!("не удалось создать папку {}", d.display()))?;
    }
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                c.branch.clone(),
                c.kind.ru().to_string(),
                c.group.clone(),
                c.audience.ru().to_string(),
                c.detail.clone(),
            ]
        })
        .collect();
    let header = ["Филиал", "Что", "Группа", "Аудитория", "Что сделать"];
    let history: Vec<Vec<String>> = store
        .link_history()?
        .into_iter()
        .map(|h| {
            vec![
                h.branch,
                h.group,
                Audience::from_code(&h.audience).map_or(h.audience.clone(), |a| a.ru().to_string()),
                h.link,
                source_ru(&h.source),
                day_ru(&h.first_seen),
                day_ru(&h.last_seen),
                h.retired.as_deref().map(day_ru).unwrap_or_default(),
            ]
        })
        .collect();
    let sheets = [
        SheetData {
            name: "Проверить".into(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows.clone(),
        },
        SheetData {
            name: "История ссылок".into(),
            header: [
                "Филиал",
                "Группа",
                "Аудитория",
                "Ссылка",
                "Источник",
                "Впервые",
                "Последний раз",
                "Выведена",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows: history,
        },
    ];
    for (name, bytes) in [
        ("status.xlsx", workbook_bytes(&dir.join("status.xlsx"), &sheets)?),
        ("status-excel.csv", excel_csv_bytes(&header, &rows)),
    ] {
        let path = dir.join(name);
        write_private(&path, &bytes).with_context(|| format!("не удалось записать {}", path.display()))?;
    }
    Ok(())
}

/// Where a link came from, for people: «платформа, чат 101», «файл links.xlsx Лист1 D2».
fn source_ru(code: &str) -> String {
    if let Some(chat) = code.strip_prefix("platform:") {
        format!("платформа, чат {chat}")
    } else if let Some(file) = code.strip_prefix("file:") {
        format!("файл {}", file.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        code.to_string()
    }
}
