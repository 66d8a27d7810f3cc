//! Invite links: minted by the platform, never by us. We collect them (from the platform
//! snapshot, or a links file the admin fills), check them, keep their history in the state
//! store, and hand the right one to the right person. Links are secrets: masked on screen,
//! never logged.

pub mod checklist;
pub mod set;

pub use checklist::{CheckKind, LinkCheck};
pub use set::LinkSet;

use crate::ingest::header::{self, Field, HeaderRow, Match, Synonyms};
use crate::ingest::table::{Sheet, a1};
use crate::ingest::{Formats, Reader};
use crate::normalize::clean_spaces;
use crate::platform::ChatState;
use crate::platform::place::{Audience, ChatPlacer, Placement};
use crate::problem::Location;
use std::collections::BTreeMap;
use std::path::Path;

/// The link in its canonical form, or why it is not an invite link of the platform.
/// Accepted: `https://max.ru/join/…`, `https://web.max.ru/join/…`,
/// `https://sferum.ru/?p=messages&join=…`.
pub fn validate(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    // A MAX token sits in the path: only `[A-Za-z0-9_-]{1,256}`, so no `..`, `/` or `%`
    // can lead anywhere else. A VK-era Sferum token sits in the query and is base64.
    let max_token = |t: &str| (1..=256).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let sferum_token =
        |t: &str| (1..=256).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric() || "-_+/=".contains(c)) && !t.contains("..");
    for prefix in ["https://max.ru/join/", "https://web.max.ru/join/"] {
        if let Some(t) = s.strip_prefix(prefix) {
            let t = t.strip_suffix('/').unwrap_or(t);
            return if max_token(t) {
                Ok(format!("{prefix}{t}"))
            } else {
                Err("в ссылке после /join/ должен быть код приглашения".into())
            };
        }
    }
    if let Some(q) = s.strip_prefix("https://sferum.ru/?") {
        let mut join = None;
        let mut messages = false;
        for pair in q.split('&') {
            match pair.split_once('=') {
                Some(("p", "messages")) => messages = true,
                Some(("join", t)) if sferum_token(t) => join = Some(t),
                _ => {}
            }
        }
        if let (true, Some(t)) = (messages, join) {
            return Ok(format!("https://sferum.ru/?p=messages&join={t}"));
        }
        return Err("ссылка Сферума должна иметь вид https://sferum.ru/?p=messages&join=…".into());
    }
    Err("это не ссылка-приглашение: нужна https://max.ru/join/…, https://web.max.ru/join/… или https://sferum.ru/?p=messages&join=…".into())
}

/// «https://max.ru/join/AbC…»: enough to tell links apart, not enough to join.
pub fn mask(link: &str) -> String {
    let (head, token) = if let Some(i) = link.find("join=") {
        link.split_at(i + 5)
    } else if let Some(i) = link.find("/join/") {
        link.split_at(i + 6)
    } else {
        return "…".into();
    };
    format!("{head}{}…", token.chars().take(3).collect::<String>())
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecord {
    pub placement: Placement,
    pub link: String,
    /// «platform:<chat_id>» or «file:<path> <sheet> <cell>».
    pub source: String,
    pub chat_id: Option<i64>,
}

/// A link that could not be taken, with where it came from (a platform chat is file
/// «platform», sheet its title, cell its id).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkProblem {
    pub location: Location,
    pub found: String,
    pub message: String,
}

/// The links of placed chats on the platform.
pub fn from_platform(chats: &[(ChatState, Result<Placement, String>)]) -> (Vec<LinkRecord>, Vec<LinkProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (cs, p) in chats {
        let (Ok(p), Some(raw)) = (p, cs.chat.link.as_deref()) else {
            continue;
        };
        match validate(raw) {
            Ok(link) => out.push(LinkRecord {
                placement: p.clone(),
                link,
                source: format!("platform:{}", cs.chat.chat_id),
                chat_id: Some(cs.chat.chat_id),
            }),
            Err(m) => problems.push(LinkProblem {
                location: Location {
                    file: "platform".into(),
                    sheet: cs.chat.title.clone().unwrap_or_default(),
                    cell: cs.chat.chat_id.to_string(),
                },
                found: mask(raw),
                message: m,
            }),
        }
    }
    (out, problems)
}

/// The columns of a links file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum LinkColumn {
    Link,
    Audience,
    Group,
    Branch,
}

/// «Ссылка» and «Аудитория»; the group and the branch are named as in rosters.
const HEADINGS: Synonyms<LinkColumn> = Synonyms {
    rules: &[
        (LinkColumn::Link, Match::Exact, &["ссылка", "link", "invite link"]),
        (LinkColumn::Link, Match::Words, &["ссылка"]),
        (LinkColumn::Audience, Match::Prefix, &["аудитория"]),
        (LinkColumn::Audience, Match::Exact, &["для кого", "audience"]),
    ],
    max_len: usize::MAX,
};

fn link_column(heading: &str) -> Option<LinkColumn> {
    HEADINGS.classify(heading).or_else(|| match header::classify(heading)? {
        Field::Group => Some(LinkColumn::Group),
        Field::Branch => Some(LinkColumn::Branch),
        _ => None,
    })
}

/// The header of a links file: the first of the top 20 rows with a «Ссылка» column.
fn find_header(sheet: &Sheet) -> Option<HeaderRow<LinkColumn>> {
    header::find_first(sheet, 20, link_column, |h| h.columns.contains_key(&LinkColumn::Link))
}

/// A links file: columns «Филиал», «Группа», «Аудитория» (студенты/родители/сотрудники…),
/// «Ссылка». Read like every table (isolated, under the budget); `rel` names it.
pub fn from_file(
    reader: &Reader,
    path: &Path,
    rel: &str,
    placer: &ChatPlacer<'_>,
    resolver: &crate::roster::BranchResolver,
) -> (Vec<LinkRecord>, Vec<LinkProblem>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let wb = match reader.read_table(path, rel, Formats::Spreadsheets) {
        Ok(wb) => wb,
        Err(e) => {
            problems.push(LinkProblem {
                location: e.location(),
                found: String::new(),
                message: e.error.to_string(),
            });
            return (out, problems);
        }
    };
    for sheet in wb.sheets {
        let Some(h) = find_header(&sheet) else {
            problems.push(LinkProblem {
                location: Location {
                    file: rel.into(),
                    sheet: sheet.name.clone(),
                    cell: String::new(),
                },
                found: String::new(),
                message: "нет столбца «Ссылка»; нужны столбцы «Филиал», «Группа», «Аудитория», «Ссылка»".into(),
            });
            continue;
        };
        let (hrow, link_col) = (h.row, h.col(LinkColumn::Link).unwrap_or_default());
        for r in hrow + 1..sheet.rows.len() {
            let text = |c: Option<usize>| c.map(|c| clean_spaces(&sheet.cell(r, c).as_text())).unwrap_or_default();
            let raw = text(Some(link_col));
            if raw.is_empty() {
                continue;
            }
            let cell = a1(r, link_col);
            let problem = |message: String, found: String| LinkProblem {
                location: Location {
                    file: rel.into(),
                    sheet: sheet.name.clone(),
                    cell: cell.clone(),
                },
                found,
                message,
            };
            let link = match validate(&raw) {
                Ok(l) => l,
                Err(m) => {
                    problems.push(problem(m, mask_or_text(&raw)));
                    continue;
                }
            };
            let audience_text = text(h.col(LinkColumn::Audience));
            let audience = match audience_from(&audience_text) {
                Some(a) => a,
                None if audience_text.is_empty() => {
                    problems.push(problem(
                        "не указана аудитория: студенты, родители или сотрудники".into(),
                        audience_text,
                    ));
                    continue;
                }
                None => {
                    problems.push(problem(
                        format!("аудитория «{audience_text}» не распознана: студенты, родители или сотрудники"),
                        audience_text.clone(),
                    ));
                    continue;
                }
            };
            let branch_text = text(h.col(LinkColumn::Branch));
            if !branch_text.is_empty() && resolver.resolve(&branch_text).is_none() {
                problems.push(problem(format!("филиала «{branch_text}» нет в rollout.toml"), branch_text.clone()));
                continue;
            }
            let group_text = text(h.col(LinkColumn::Group));
            // Place it like a chat title would be placed.
            let title = format!("{group_text} {} {branch_text}", audience.title_ru(crate::profile::Profile::College));
            let chat = crate::platform::Chat {
                chat_id: 0,
                title: Some(title),
                participants_count: None,
                link: None,
                owner_id: None,
                status: None,
            };
            let placement = match placer.place(&chat) {
                Ok(mut p) => {
                    p.audience = audience;
                    // A links file names no subject chats (its audiences are the group's own).
                    p.subject = None;
                    if let Some(b) = resolver.resolve(&branch_text) {
                        p.branch = b;
                    }
                    p
                }
                Err(_) => {
                    problems.push(problem(format!("группа «{group_text}» не найдена в списках"), group_text.clone()));
                    continue;
                }
            };
            out.push(LinkRecord {
                placement,
                link,
                source: format!("file:{rel} {} {cell}", sheet.name),
                chat_id: None,
            });
        }
    }
    (out, problems)
}

fn mask_or_text(raw: &str) -> String {
    if raw.contains("join") {
        mask(raw)
    } else {
        raw.chars().take(60).collect()
    }
}

fn audience_from(s: &str) -> Option<Audience> {
    let k = crate::normalize::text_key(s);
    if k.starts_with("студент") || k.starts_with("обучающ") || k.starts_with("ученик") || k == "students" || k.starts_with("дет")
    {
        Some(Audience::Students)
    } else if k.starts_with("родител") || k == "parents" {
        Some(Audience::Parents)
    } else if k.starts_with("сотрудник")
        || k.starts_with("преподават")
        || k.starts_with("учител")
        || k.starts_with("педагог")
        || k == "staff"
    {
        Some(Audience::Staff)
    } else {
        None
    }
}

/// One current link per (branch, group, audience): the platform's, else the file's.
pub fn current(platform: Vec<LinkRecord>, file: Vec<LinkRecord>) -> BTreeMap<Placement, LinkRecord> {
    let mut m = BTreeMap::new();
    for r in platform.into_iter().chain(file) {
        m.entry(r.placement.clone()).or_insert(r);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_and_rejected_links() {
        assert_eq!(
            validate(" https://max.ru/join/AbC123_-x ").unwrap(),
            "https://max.ru/join/AbC123_-x"
        );
        assert!(validate("https://web.max.ru/join/Tok3n").is_ok());
        assert_eq!(
            validate("https://sferum.ru/?join=abc&p=messages").unwrap(),
            "https://sferum.ru/?p=messages&join=abc"
        );
        assert!(validate("https://max.ru/join/").is_err());
        assert!(validate("http://max.ru/join/abc").is_err());
        assert!(validate("https://evil.ru/join/abc").is_err());
        assert!(validate("https://max.ru/join/abc<script>").is_err());
        assert!(validate("https://sferum.ru/?p=messages").is_err());
    }

    #[test]
    fn masking() {
        assert_eq!(mask("https://max.ru/join/AbCdefgh"), "https://max.ru/join/AbC…");
        assert_eq!(
            mask("https://sferum.ru/?p=messages&join=XyZ987"),
            "https://sferum.ru/?p=messages&join=XyZ…"
        );
    }

    #[test]
    fn a_links_file_header_below_a_title() {
        use crate::ingest::table::Cell;
        let text = |r: &[&str]| {
            r.iter()
                .map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c.to_string()) })
                .collect()
        };
        let sheet = Sheet {
            name: "Ссылки".into(),
            rows: vec![
                text(&["Ссылки на чаты, 2026"]),
                text(&["№", "Корпус", "Класс", "Аудитория чата", "Ссылка на чат"]),
                text(&["1", "ГК", "ИС-1", "родители", "https://max.ru/join/x"]),
            ],
            merges: vec![],
        };
        let h = find_header(&sheet).unwrap();
        assert_eq!(h.row, 1);
        let cols: Vec<Option<usize>> = [LinkColumn::Branch, LinkColumn::Group, LinkColumn::Audience, LinkColumn::Link]
            .into_iter()
            .map(|c| h.col(c))
            .collect();
        assert_eq!(cols, [Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(link_column("Link"), Some(LinkColumn::Link));
        assert_eq!(link_column("Для кого"), Some(LinkColumn::Audience));
        assert_eq!(link_column("Филиал"), Some(LinkColumn::Branch));
        assert_eq!(link_column("ФИО"), None, "a roster column a links file does not use");
        // Without a «Ссылка» column there is no header.
        let no_link = Sheet {
            rows: vec![text(&["Филиал", "Группа", "Аудитория"])],
            ..sheet
        };
        assert!(find_header(&no_link).is_none());
    }
}
