//! `rollout.toml`: the workspace file. Parsed raw with serde, then checked; unknown keys
//! are collected and reported, never silently ignored.

use crate::profile::Profile;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read; `cause` is worded in the message (not a source, so the
    /// binary does not print it twice).
    #[error(
        "не удалось прочитать {path}: {}\n  подсказка: создайте рабочее место командой `rollout init ПАПКА --profile ПРОФИЛЬ` или укажите файл настроек: --config ПУТЬ",
        read_cause(.cause)
    )]
    Read { path: PathBuf, cause: std::io::Error },
    /// Not TOML, or a value of the wrong kind: `at` is «, строка 3, столбец 11» when known,
    /// `snippet` the line with a caret under the place.
    #[error("{path}{error}")]
    Parse { path: PathBuf, error: crate::serde_ru::TomlError },
    #[error("{path}: {}", .problems.join("\n  "))]
    Invalid { path: PathBuf, problems: Vec<String> },
}

/// «файла нет» for the file the user named; the other OS causes as the house words them.
fn read_cause(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "файла нет".into()
    } else {
        crate::files::io_ru(e)
    }
}

/// A TOML error in Russian, with the line and column and the line itself.
fn toml_error(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    ConfigError::Parse {
        path: path.to_path_buf(),
        error: crate::serde_ru::toml_error(text, e),
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    #[serde(default)]
    pub name: String,
    /// Required: a school must not silently get a college's rules.
    #[serde(default)]
    pub profile: Option<Profile>,
    #[serde(default = "default_timezone")]
    pub timezone: String,
}

fn default_timezone() -> String {
    "Europe/Moscow".into()
}

impl Default for Organization {
    fn default() -> Self {
        Organization {
            name: String::new(),
            profile: None,
            timezone: default_timezone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct BranchConfig {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub main: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Students,
    Parents,
    Staff,
    /// The teaching load («нагрузка», «тарификация»): teacher, group, subject, hours.
    Teaching,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SourceConfig {
    pub path: String,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub kind: Option<SourceKind>,
    /// Text files only: `utf-8`, `windows-1251`, `koi8-r`, `ibm866`, `utf-16le` …
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub delimiter: Option<String>,
    /// Header text → field name (`fio`, `surname`, `birth_date`, …), overriding detection.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Skip these sheets (by name).
    #[serde(default)]
    pub skip_sheets: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GroupConfig {
    pub name: String,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct IngestConfig {
    #[serde(default = "default_memory")]
    pub max_memory_mb: u64,
    #[serde(default = "default_seconds")]
    pub max_seconds: u64,
    /// Files read at once; 0 = one per core.
    #[serde(default)]
    pub jobs: usize,
}

fn default_memory() -> u64 {
    2048
}
fn default_seconds() -> u64 {
    60
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            max_memory_mb: default_memory(),
            max_seconds: default_seconds(),
            jobs: 0,
        }
    }
}

/// The file as written. Later issues' sections are accepted as values so they are not
/// reported as unknown; their stages parse them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawConfig {
    #[serde(default)]
    pub organization: Organization,
    #[serde(default)]
    pub branches: Vec<BranchConfig>,
    #[serde(default)]
    pub sources: Option<Vec<SourceConfig>>,
    #[serde(default)]
    pub groups: Vec<GroupConfig>,
    #[serde(default)]
    pub ingest: IngestConfig,
    #[serde(default)]
    platform: RawPlatform,
    /// Read by hand ([`chats_section`]) so a wrong key is named with its entry.
    #[serde(default)]
    chats: Option<toml::Value>,
    #[serde(default)]
    pub matching: MatchingConfig,
    #[serde(default)]
    safety: RawSafety,
    #[serde(default)]
    pub links: LinksConfig,
    #[serde(default)]
    pub letters: LettersConfig,
    #[serde(default)]
    pub plans: PlansConfig,
    #[serde(default)]
    pub calendar: CalendarConfig,
    /// Read by hand ([`RolloverConfig::check`]) so a wrong key is refused with a suggestion.
    #[serde(default)]
    rollover: Option<toml::Value>,
}

/// `[plans]`: where the rollout plans are and when a milestone counts as at risk.
#[derive(Debug, Clone, Deserialize)]
pub struct PlansConfig {
    /// The folder of plan files, relative to the workspace.
    #[serde(default = "default_plans_dir")]
    pub dir: String,
    /// A milestone not done whose end is this many days away or fewer is at risk.
    #[serde(default = "default_warn_days")]
    pub warn_days: i64,
}

fn default_plans_dir() -> String {
    "plans".into()
}

fn default_warn_days() -> i64 {
    7
}

impl Default for PlansConfig {
    fn default() -> Self {
        PlansConfig {
            dir: default_plans_dir(),
            warn_days: default_warn_days(),
        }
    }
}

/// `[calendar]`: the school terms that deadlines like «II четверть» name.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CalendarConfig {
    /// `[[calendar.terms]] name = "I четверть", start = "01.09", end = "26.10"`.
    #[serde(default)]
    pub terms: Vec<TermConfig>,
    /// The last day of the school year, "DD.MM" (default 30.06 for colleges, 31.05 otherwise).
    #[serde(default)]
    pub school_year_end: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TermConfig {
    pub name: String,
    pub start: String,
    pub end: String,
}

/// "01.09" → (9, 1).
pub fn day_month(s: &str) -> Option<(u32, u32)> {
    let (d, m) = s.trim().split_once('.')?;
    let (d, m): (u32, u32) = (d.trim().parse().ok()?, m.trim().trim_end_matches('.').parse().ok()?);
    chrono::NaiveDate::from_ymd_opt(2024, m, d)?;
    Some((m, d))
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub name: String,
    pub aliases: Vec<String>,
    pub main: bool,
}

/// One row of the explicit chat table: which (branch, group, audience) a chat is.
#[derive(Debug, Clone)]
pub struct ChatMapEntry {
    pub chat_id: i64,
    /// The chat's web address when the entry gave one instead of the id (an observed
    /// convention, not in the schema: `platform check` confirms such chats resolve).
    pub web_address: Option<String>,
    pub branch: Option<String>,
    pub group: Option<String>,
    pub audience: String,
    /// A subject chat's subject (`audience = "subject"`).
    pub subject: Option<String>,
    /// The title the chat must have (`title = "6А Родители"`, trimmed, 1–200 characters):
    /// `rollout diff` proposes `rename_chat` when the chat's title differs. Written by
    /// `rollout rollover` into `OUT/rollover/chats-map.toml` for the new school year.
    pub title: Option<String>,
    /// The entry's number in the table, from 1, for messages.
    pub entry: usize,
}

/// The longest chat title the platform takes (`PATCH /chats/{chatId}`: 1–200 characters).
pub const MAX_CHAT_TITLE_CHARS: usize = 200;

impl ChatMapEntry {
    /// «[[chats.map]], запись 2 (chat_id 101)» — how messages name the entry.
    pub fn label(&self) -> String {
        format!("[[chats.map]], запись {} (chat_id {})", self.entry, self.chat_id)
    }
}

/// A `[[chats.map]]` row as written: `chat_id` is an integer or a web address.
#[derive(Debug, Clone, Default)]
struct RawChatMapEntry {
    chat_id: Option<toml::Value>,
    branch: Option<String>,
    group: Option<String>,
    audience: Option<String>,
    subject: Option<String>,
    title: Option<String>,
}

const CHAT_MAP_KEYS: [&str; 6] = ["chat_id", "branch", "group", "audience", "subject", "title"];
const PLATFORM_KEYS: [&str; 10] = [
    "source",
    "snapshot",
    "export",
    "base_url",
    "token_file",
    "rate",
    "concurrency",
    "max_age_minutes",
    "keep_snapshots",
    "curator_permissions",
];

/// The admin permissions `apply` gives a curator unless `[platform] curator_permissions` says
/// otherwise: read the chat, write and pin in it, add and remove its members.
pub const DEFAULT_CURATOR_PERMISSIONS: [&str; 4] = ["read_all_messages", "write", "pin_message", "add_remove_members"];

/// The schema's `ChatAdminPermission` values a chat admin may be given (the deprecated
/// aliases `post_edit_delete_message`, `edit_message`, `delete_message` are left out: the
/// schema says to send `write`, `edit`, `delete`).
pub const ADMIN_PERMISSIONS: [&str; 10] = [
    "read_all_messages",
    "add_remove_members",
    "add_admins",
    "change_chat_info",
    "pin_message",
    "write",
    "can_call",
    "edit_link",
    "edit",
    "delete",
];

/// The known key nearest to a mistyped one, when it is near enough to be the intended one.
pub fn nearest_key<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&typed, k), *k))
        .min()
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .map(|(_, k)| k)
}

/// «— имелось в виду chat_id?», or the list of known keys when none is near.
fn suggestion(typed: &str, known: &[&str]) -> String {
    match nearest_key(typed, known) {
        Some(k) => format!("имелось в виду {k}?"),
        None => format!("известные ключи: {}", known.join(", ")),
    }
}

/// `[chats]`/`[[chats]]` as written: the title, the entries, and the table's name for
/// messages; each wrong key or value is a problem naming its entry.
/// `[chats]`: the title pattern, whether missing subject chats are listed, the map entries
/// and how the table was written (for messages).
fn chats_section(v: Option<toml::Value>, problems: &mut Vec<String>) -> (Option<String>, bool, Vec<RawChatMapEntry>, &'static str) {
    let (title, subject_chats, list, table) = match v {
        None => return (None, false, Vec::new(), "[[chats.map]]"),
        Some(toml::Value::Array(a)) => (None, false, a, "[[chats]]"),
        Some(toml::Value::Table(t)) => {
            let mut title = None;
            let mut subject_chats = false;
            let mut map = Vec::new();
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("title", toml::Value::String(s)) => title = Some(s),
                    ("map", toml::Value::Array(a)) => map = a,
                    ("subject_chats", toml::Value::Boolean(b)) => subject_chats = b,
                    ("title", _) => problems.push("[chats] title: нужен текст, например \"{group} {audience}\"".into()),
                    ("map", _) => problems.push("[chats] map: нужны записи [[chats.map]]".into()),
                    ("subject_chats", _) => problems.push("[chats] subject_chats: нужно true или false".into()),
                    (k, _) => problems.push(format!(
                        "[chats] неизвестный ключ `{k}` — {}",
                        suggestion(k, &["title", "map", "subject_chats"])
                    )),
                }
            }
            (title, subject_chats, map, "[[chats.map]]")
        }
        Some(_) => {
            problems.push("[chats]: нужна таблица [chats] с записями [[chats.map]]".into());
            return (None, false, Vec::new(), "[[chats.map]]");
        }
    };
    let mut entries = Vec::new();
    for (i, v) in list.into_iter().enumerate() {
        let toml::Value::Table(t) = v else {
            problems.push(format!(
                "{table}, запись {}: нужна таблица с ключами {}",
                i + 1,
                CHAT_MAP_KEYS.join(", ")
            ));
            continue;
        };
        let label = match t.get("chat_id") {
            Some(toml::Value::Integer(id)) => format!("{table}, запись {} (chat_id {id})", i + 1),
            _ => format!("{table}, запись {}", i + 1),
        };
        let mut e = RawChatMapEntry::default();
        for (k, v) in t {
            let text = |v: toml::Value, problems: &mut Vec<String>| match v {
                toml::Value::String(s) => Some(s),
                other => {
                    problems.push(format!("{label}: {k} = {other} — нужен текст в кавычках"));
                    None
                }
            };
            match k.as_str() {
                "chat_id" => e.chat_id = Some(v),
                "branch" => e.branch = text(v, problems),
                "group" => e.group = text(v, problems),
                "audience" => e.audience = text(v, problems),
                "subject" => e.subject = text(v, problems),
                "title" => e.title = text(v, problems),
                other => problems.push(format!(
                    "{label}: неизвестный ключ `{other}` — {}",
                    suggestion(other, &CHAT_MAP_KEYS)
                )),
            }
        }
        if e.chat_id.is_none() {
            problems.push(format!(
                "{label}: не указан chat_id — ID чата (например, -70000095028) или его веб-адрес"
            ));
        }
        entries.push(e);
    }
    (title, subject_chats, entries, table)
}

/// A chat id from its web address: `https://web.max.ru/-70000095028` (also without the
/// scheme, with a trailing slash, a query or a fragment) → -70000095028; a bare number
/// written as a string is taken too.
pub fn chat_id_of(text: &str) -> Option<i64> {
    let t = text.trim();
    let number = |s: &str| {
        let digits = s.strip_prefix('-').unwrap_or(s);
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    if let Some(id) = number(t) {
        return Some(id);
    }
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    let path = rest.strip_prefix("web.max.ru/")?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    number(path.strip_suffix('/').unwrap_or(path))
}

/// Where `[platform]` reads the platform from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformKind {
    /// The MAX Bot API: commands read the latest complete pull (`rollout platform pull`).
    Api,
    Snapshot,
    Export,
}

impl PlatformKind {
    pub fn code(self) -> &'static str {
        match self {
            PlatformKind::Api => "api",
            PlatformKind::Snapshot => "snapshot",
            PlatformKind::Export => "export",
        }
    }
}

pub const DEFAULT_BASE_URL: &str = "https://platform-api2.max.ru";

/// `[platform]` as written; numbers are taken as values so a wrong one is named in Russian.
#[derive(Debug, Clone, Default, Deserialize)]
struct RawPlatform {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    snapshot: Option<String>,
    #[serde(default)]
    export: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    token_file: Option<String>,
    #[serde(default)]
    rate: Option<toml::Value>,
    #[serde(default)]
    concurrency: Option<toml::Value>,
    #[serde(default)]
    max_age_minutes: Option<toml::Value>,
    #[serde(default)]
    keep_snapshots: Option<toml::Value>,
    #[serde(default)]
    curator_permissions: Option<toml::Value>,
}

/// `[platform]`, checked.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// The source commands read; None when none is configured.
    pub source: Option<PlatformKind>,
    pub snapshot: Option<String>,
    pub export: Option<String>,
    /// As written; [`PlatformConfig::base_url`] gives the default.
    pub base_url: Option<String>,
    /// Relative to the workspace; the token itself never goes into rollout.toml.
    pub token_file: Option<String>,
    /// Requests started per second (> 0).
    pub rate: f64,
    /// Requests in flight (≥ 1).
    pub concurrency: usize,
    /// `run` pulls first when the latest complete pull is older than this.
    pub max_age_minutes: u64,
    /// Complete pulls kept in `.rollout/snapshots` (≥ 1).
    pub keep_snapshots: usize,
    /// What `apply` makes a curator in their group's chat ([`DEFAULT_CURATOR_PERMISSIONS`]).
    pub curator_permissions: Vec<String>,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            source: None,
            snapshot: None,
            export: None,
            base_url: None,
            token_file: None,
            rate: 25.0,
            concurrency: 8,
            max_age_minutes: 60,
            keep_snapshots: 30,
            curator_permissions: DEFAULT_CURATOR_PERMISSIONS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl PlatformConfig {
    pub fn base_url(&self) -> &str {
        self.base_url.as_deref().map(str::trim).unwrap_or(DEFAULT_BASE_URL)
    }

    /// Checks the raw section; each problem names its key.
    fn check(raw: RawPlatform, problems: &mut Vec<String>) -> PlatformConfig {
        let mut p = PlatformConfig::default();
        let shown = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Some(v) = &raw.rate {
            match v {
                toml::Value::Float(f) if f.is_finite() && *f > 0.0 => p.rate = *f,
                toml::Value::Integer(i) if *i > 0 => p.rate = *i as f64,
                _ => problems.push(format!(
                    "[platform] rate = «{}»: число запросов в секунду больше нуля, например 25",
                    shown(v)
                )),
            }
        }
        let mut whole = |key: &str, v: &Option<toml::Value>, min: i64, example: &str| -> Option<u64> {
            let v = v.as_ref()?;
            match v {
                toml::Value::Integer(i) if *i >= min => Some(*i as u64),
                _ => {
                    problems.push(format!(
                        "[platform] {key} = «{}»: нужно целое число не меньше {min}, например {example}",
                        shown(v)
                    ));
                    None
                }
            }
        };
        if let Some(n) = whole("concurrency", &raw.concurrency, 1, "8") {
            p.concurrency = n as usize;
        }
        if let Some(n) = whole("max_age_minutes", &raw.max_age_minutes, 0, "60") {
            p.max_age_minutes = n;
        }
        if let Some(n) = whole("keep_snapshots", &raw.keep_snapshots, 1, "30") {
            p.keep_snapshots = n as usize;
        }
        if let Some(v) = &raw.curator_permissions {
            let listed: Option<Vec<String>> = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x.as_str().map(|s| s.trim().to_string()))
                        .collect::<Option<Vec<_>>>()
                })
                .unwrap_or(None);
            match listed {
                Some(list) if !list.is_empty() => {
                    let unknown: Vec<&String> = list.iter().filter(|x| !ADMIN_PERMISSIONS.contains(&x.as_str())).collect();
                    if unknown.is_empty() {
                        let mut uniq = Vec::new();
                        for x in list {
                            if !uniq.contains(&x) {
                                uniq.push(x);
                            }
                        }
                        p.curator_permissions = uniq;
                    } else {
                        problems.push(format!(
                            "[platform] curator_permissions: неизвестные права {} — допустимы: {}",
                            unknown.iter().map(|u| format!("«{u}»")).collect::<Vec<_>>().join(", "),
                            ADMIN_PERMISSIONS.join(", ")
                        ));
                    }
                }
                _ => problems.push(format!(
                    "[platform] curator_permissions = «{}»: нужен непустой список прав, например [\"read_all_messages\", \"write\", \"pin_message\", \"add_remove_members\"]",
                    shown(v)
                )),
            }
        }
        let set = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
        if let Some(url) = &raw.base_url
            && has_user_info(url)
        {
            problems.push("[platform] base_url: адрес API не должен содержать имя пользователя и пароль — уберите «имя:пароль@» из адреса, токен передаётся через ROLLOUT_MAX_TOKEN или token_file".into());
        } else if let Some(url) = &raw.base_url
            && !base_url_allowed(url)
        {
            problems.push(format!(
                "[platform] base_url = «{url}»: нужен адрес https://… (например, {DEFAULT_BASE_URL}); http:// — только для адресов этого компьютера (127.0.0.1, localhost)"
            ));
        }
        let configured: Vec<PlatformKind> = [
            (PlatformKind::Snapshot, set(&raw.snapshot)),
            (PlatformKind::Export, set(&raw.export)),
            (PlatformKind::Api, set(&raw.base_url) || set(&raw.token_file)),
        ]
        .into_iter()
        .filter_map(|(k, on)| on.then_some(k))
        .collect();
        p.source = match raw.source.as_deref().map(str::trim) {
            Some(s) => {
                match [PlatformKind::Api, PlatformKind::Snapshot, PlatformKind::Export]
                    .into_iter()
                    .find(|k| k.code() == s)
                {
                    Some(PlatformKind::Snapshot) if !set(&raw.snapshot) => {
                        problems.push("[platform] source = \"snapshot\", но snapshot не задан: впишите папку снимка, например snapshot = \"platform/\"".into());
                        None
                    }
                    Some(PlatformKind::Export) if !set(&raw.export) => {
                        problems.push("[platform] source = \"export\", но export не задан: впишите файл выгрузки участников, например export = \"members.xlsx\"".into());
                        None
                    }
                    Some(k) => Some(k),
                    None => {
                        problems.push(format!(
                        "[platform] source = «{s}»: нужно \"api\" (MAX Bot API), \"snapshot\" (папка снимка) или \"export\" (выгрузка участников)"
                    ));
                        None
                    }
                }
            }
            None if configured.len() > 1 => {
                let keys: Vec<&str> = configured
                    .iter()
                    .map(|k| match k {
                        PlatformKind::Api => "base_url/token_file",
                        other => other.code(),
                    })
                    .collect();
                problems.push(format!(
                    "[platform]: задано несколько источников платформы ({}) — укажите, какой читать: source = \"api\", \"snapshot\" или \"export\"",
                    keys.join(", ")
                ));
                None
            }
            None => configured.first().copied(),
        };
        p.snapshot = raw.snapshot;
        p.export = raw.export;
        p.base_url = raw.base_url;
        p.token_file = raw.token_file;
        p
    }
}

/// `scheme://user:password@host…`: a password never belongs in the file, nor in a message.
fn has_user_info(url: &str) -> bool {
    let t = url.trim();
    let rest = t.split_once("://").map_or(t, |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or_default().contains('@')
}

/// https anywhere; plain http only to this machine (the test server).
fn base_url_allowed(url: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    let host_of = |rest: &str| -> String {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if let Some(v6) = authority.strip_prefix('[') {
            return v6.split(']').next().unwrap_or_default().to_string();
        }
        authority.split(':').next().unwrap_or_default().to_string()
    };
    if let Some(rest) = u.strip_prefix("https://") {
        return !host_of(rest).is_empty();
    }
    if let Some(rest) = u.strip_prefix("http://") {
        let host = host_of(rest);
        return host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    }
    false
}

#[derive(Debug, Clone, Deserialize)]
pub struct MatchingConfig {
    #[serde(default = "default_auto")]
    pub auto: f64,
    #[serde(default = "default_review")]
    pub review: f64,
}
fn default_auto() -> f64 {
    0.92
}
fn default_review() -> f64 {
    0.75
}
impl Default for MatchingConfig {
    fn default() -> Self {
        MatchingConfig {
            auto: default_auto(),
            review: default_review(),
        }
    }
}

/// A removal limit: a share of a chat's members or a count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    Share(f64),
    Count(usize),
}

impl Limit {
    pub fn parse(s: &str) -> Option<Limit> {
        let t = s.trim();
        if let Some(p) = t.strip_suffix('%') {
            let v: f64 = p.trim().replace(',', ".").parse().ok()?;
            (0.0..=100.0).contains(&v).then_some(Limit::Share(v / 100.0))
        } else {
            t.parse().ok().map(Limit::Count)
        }
    }

    /// Whether `n` removals out of `of` members exceed the limit.
    pub fn exceeded(self, n: usize, of: usize) -> bool {
        match self {
            Limit::Share(s) => n as f64 > s * of as f64,
            Limit::Count(c) => n > c,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SafetyConfig {
    pub max_remove: Limit,
    /// A branch whose roster shrank by more than this share since the last run yields no removals.
    pub max_shrink: f64,
}

impl Default for SafetyConfig {
    fn default() -> Self {
        SafetyConfig {
            max_remove: Limit::Share(0.10),
            max_shrink: 0.30,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct RawSafety {
    #[serde(default)]
    max_remove: Option<toml::Value>,
    #[serde(default)]
    max_shrink: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinksConfig {
    #[serde(default = "default_max_age")]
    pub max_age_days: i64,
    #[serde(default = "default_unused")]
    pub unused_days: i64,
    /// A links file the admin fills: «Филиал», «Группа», «Аудитория», «Ссылка».
    #[serde(default)]
    pub file: Option<String>,
}
fn default_max_age() -> i64 {
    180
}
fn default_unused() -> i64 {
    14
}
impl Default for LinksConfig {
    fn default() -> Self {
        LinksConfig {
            max_age_days: default_max_age(),
            unused_days: default_unused(),
            file: None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LettersConfig {
    /// The sender of .eml letters: «Колледж <info@college.ru>».
    #[serde(default)]
    pub from: Option<String>,
    /// Who signs the letters.
    #[serde(default)]
    pub signature: Option<String>,
}

/// The validated workspace configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    /// The workspace folder: the config's folder.
    pub root: PathBuf,
    pub organization: Organization,
    /// The organisation's profile (required in the file).
    pub profile: Profile,
    /// Never empty: a single-site organisation gets one implicit branch.
    pub branches: Vec<Branch>,
    /// True when `[[branches]]` was omitted.
    pub implicit_branch: bool,
    pub sources: Option<Vec<SourceConfig>>,
    pub groups: Vec<GroupConfig>,
    pub ingest: IngestConfig,
    pub platform: PlatformConfig,
    /// Explicit chat placements.
    pub chat_map: Vec<ChatMapEntry>,
    /// How checklists title a new chat: `{group}`, `{audience}` (a subject chat's subject),
    /// `{branch}`, `{subject}`.
    pub chat_title: String,
    /// `[chats] subject_chats`: a (group, subject) of the teaching load with no chat is a
    /// chat to set up.
    pub subject_chats: bool,
    pub matching: MatchingConfig,
    pub safety: SafetyConfig,
    pub links: LinksConfig,
    pub letters: LettersConfig,
    pub plans: PlansConfig,
    /// The organisation's time zone: what "today" is for deadlines.
    pub tz: chrono_tz::Tz,
    /// School terms for deadlines (the defaults when `[calendar]` names none).
    pub terms: Vec<Term>,
    /// (month, day) the school year ends.
    pub school_year_end: (u32, u32),
    /// `[rollover]`: the rules of the new school year.
    pub rollover: RolloverConfig,
    /// Keys the file has that rollout does not know, as dotted paths.
    pub unknown_keys: Vec<String>,
}

pub const IMPLICIT_BRANCH: &str = "Основная площадка";

impl Config {
    /// Today for the organisation, in `[organization] timezone` (the one clock).
    pub fn today(&self) -> chrono::NaiveDate {
        crate::clock::today(self.tz)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
            path: path.to_path_buf(),
            cause,
        })?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut unknown = Vec::new();
        let de = toml::Deserializer::parse(text).map_err(|e| toml_error(text, path, &e))?;
        // serde_ignored writes `?` for an Option level: «sources.?.0.brnch» → «sources.0.brnch».
        let raw: RawConfig = serde_ignored::deserialize(de, |p| unknown.push(p.to_string().replace(".?", "").replace("?.", "")))
            .map_err(|e| toml_error(text, path, &e))?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let root = if root.as_os_str().is_empty() { PathBuf::from(".") } else { root };
        Config::validate(raw, path, root, unknown)
    }

    fn validate(raw: RawConfig, path: &Path, root: PathBuf, unknown_keys: Vec<String>) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        if raw.organization.profile.is_none() {
            problems.push("[organization] не указан profile — school (школа), college (колледж), kindergarten (детский сад) или supplementary (дополнительное образование)".to_string());
        }
        let implicit_branch = raw.branches.is_empty();
        let branches: Vec<Branch> = if implicit_branch {
            vec![Branch {
                name: IMPLICIT_BRANCH.into(),
                aliases: vec![],
                main: true,
            }]
        } else {
            raw.branches
                .iter()
                .map(|b| Branch {
                    name: b.name.trim().to_string(),
                    aliases: b.aliases.clone(),
                    main: b.main,
                })
                .collect()
        };
        let mut seen = BTreeMap::new();
        let mut names = std::collections::BTreeSet::new();
        for b in &branches {
            if b.name.is_empty() {
                problems.push("[[branches]]: у филиала пустое название (name)".to_string());
            } else if !names.insert(crate::normalize::text_key(&b.name)) {
                problems.push(format!(
                    "[[branches]]: филиал «{}» записан дважды — оставьте один, другие написания перечислите в aliases",
                    b.name
                ));
            }
            for n in std::iter::once(&b.name).chain(&b.aliases) {
                let key = crate::normalize::text_key(n);
                if let Some(other) = seen.insert(key, b.name.clone())
                    && other != b.name
                {
                    problems.push(format!(
                        "[[branches]]: «{n}» — название или вариант сразу двух филиалов: «{other}» и «{}»",
                        b.name
                    ));
                }
            }
        }
        if branches.iter().filter(|b| b.main).count() > 1 {
            problems.push("[[branches]]: `main = true` стоит у нескольких филиалов — главный может быть только один".into());
        }
        if let Some(sources) = &raw.sources {
            for s in sources {
                if let Some(b) = &s.branch
                    && !seen.contains_key(&crate::normalize::text_key(b))
                {
                    let known: Vec<String> = branches.iter().map(|x| format!("\"{}\"", x.name)).collect();
                    problems.push(format!(
                        "[[sources]] {}: филиала «{b}» нет среди [[branches]] (названия и aliases); есть: {}",
                        s.path,
                        known.join(", ")
                    ));
                }
                if s.path.trim().is_empty() {
                    problems.push("[[sources]]: у одной из записей пустой `path`".into());
                }
                for field in s.columns.values() {
                    if crate::fields::Field::from_name(field).is_none() {
                        problems.push(format!(
                            "[[sources]] {}: в `columns` неизвестное поле «{field}»; есть: {}",
                            s.path,
                            crate::fields::Field::names().join(", ")
                        ));
                    }
                }
                if let Some(enc) = &s.encoding
                    && encoding_rs::Encoding::for_label(enc.as_bytes()).is_none()
                {
                    problems.push(format!(
                        "[[sources]] {}: неизвестная кодировка «{enc}» (например, utf-8, windows-1251, koi8-r)",
                        s.path
                    ));
                }
                if let Some(d) = &s.delimiter
                    && crate::fields::delimiter_byte(d).is_none()
                {
                    problems.push(format!(
                        "[[sources]] {}: `delimiter` — один символ, например \";\", \",\" или \"\\t\"",
                        s.path
                    ));
                }
            }
        }
        if raw.ingest.max_seconds == 0 || raw.ingest.max_memory_mb < 64 {
            problems.push("[ingest]: max_seconds — не меньше 1, max_memory_mb — не меньше 64".into());
        }
        // `[chats] title = …` with `[[chats.map]]`, or the bare `[[chats]]` table (TOML
        // allows only one of the two shapes under one name).
        let (chat_title, subject_chats, raw_map, table) = chats_section(raw.chats, &mut problems);
        let mut chat_map: Vec<ChatMapEntry> = Vec::new();
        for (i, e) in raw_map.into_iter().enumerate() {
            let Some(raw_id) = e.chat_id else { continue };
            let what = [e.group.as_deref(), e.audience.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let (chat_id, web_address) = match &raw_id {
                toml::Value::Integer(id) => (Some(*id), None),
                toml::Value::String(s) => {
                    let id = chat_id_of(s);
                    let address = s.trim().parse::<i64>().is_err().then(|| s.trim().to_string());
                    (id, address)
                }
                _ => (None, None),
            };
            let Some(chat_id) = chat_id else {
                let shown = match &raw_id {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                problems.push(format!(
                    "{table}, запись {} ({what}): chat_id «{shown}» — нужен ID чата (например, -70000095028) или веб-адрес чата (https://web.max.ru/-70000095028)",
                    i + 1
                ));
                continue;
            };
            let label = format!("{table}, запись {} (chat_id {chat_id})", i + 1);
            let blank = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
            if blank(&e.group) {
                problems.push(format!(
                    "{label}: group пустой — впишите группу из списка обучающихся или уберите ключ group (для чата сотрудников филиала)"
                ));
            }
            if blank(&e.branch) {
                problems.push(format!(
                    "{label}: branch пустой — впишите филиал из [[branches]] или уберите ключ branch"
                ));
            }
            let title = match e.title.as_deref().map(str::trim) {
                None => None,
                Some("") => {
                    problems.push(format!(
                        "{label}: title пустой — впишите название чата (например, title = \"6А Родители\") или уберите ключ title"
                    ));
                    None
                }
                Some(t) if t.chars().count() > MAX_CHAT_TITLE_CHARS => {
                    problems.push(format!(
                        "{label}: title длиной {} символов — MAX принимает название чата не длиннее {MAX_CHAT_TITLE_CHARS} символов; сократите его",
                        t.chars().count()
                    ));
                    None
                }
                Some(t) => Some(t.to_string()),
            };
            let Some(audience) = e.audience else {
                problems.push(format!("{label}: не указан audience — нужно students (обучающиеся), parents (родители), staff (сотрудники) или teachers (учителя группы)"));
                continue;
            };
            if audience.trim().is_empty() {
                problems.push(format!("{label}: audience пустой — нужно students (обучающиеся), parents (родители), staff (сотрудники) или teachers (учителя группы)"));
                continue;
            }
            if let Some(first) = chat_map.iter().find(|x| x.chat_id == chat_id) {
                let said = |x: &ChatMapEntry| {
                    let w = [x.group.as_deref(), Some(x.audience.as_str())]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                    format!("{} ({w})", x.entry)
                };
                problems.push(format!(
                    "{table}: чат {chat_id} записан дважды — записи {} и {} ({what}); оставьте одну",
                    said(first),
                    i + 1
                ));
                continue;
            }
            chat_map.push(ChatMapEntry {
                chat_id,
                web_address,
                branch: e.branch,
                group: e.group,
                audience,
                subject: e.subject,
                title,
                entry: i + 1,
            });
        }
        for e in &chat_map {
            if !["students", "parents", "staff", "teachers", "subject"].contains(&e.audience.as_str()) {
                problems.push(format!(
                    "{table}, запись {} (chat_id {}): audience «{}» — нужно students (обучающиеся), parents (родители), staff (сотрудники), teachers (учителя группы) или subject (чат по предмету)",
                    e.entry, e.chat_id, e.audience
                ));
            }
            match (e.audience.as_str(), e.subject.as_deref().map(str::trim)) {
                ("subject", None | Some("")) => problems.push(format!(
                    "{table}, запись {} (chat_id {}): для audience = \"subject\" укажите subject — предмет чата, например subject = \"Физика\"",
                    e.entry, e.chat_id
                )),
                ("subject", _) | (_, None) => {}
                (_, Some(_)) => problems.push(format!(
                    "{table}, запись {} (chat_id {}): subject задают только для audience = \"subject\"; уберите subject или исправьте audience",
                    e.entry, e.chat_id
                )),
            }
            if let Some(b) = &e.branch
                && !seen.contains_key(&crate::normalize::text_key(b))
            {
                problems.push(format!("[[chats]] chat_id {}: филиала «{b}» нет среди [[branches]]", e.chat_id));
            }
        }
        let m = &raw.matching;
        if !(0.0..=1.0).contains(&m.auto) || !(0.0..=1.0).contains(&m.review) || m.review > m.auto {
            problems.push("[matching]: auto и review — числа от 0 до 1, review не больше auto".into());
        }
        let mut safety = SafetyConfig::default();
        // A value as the user wrote it: a string without its quotes.
        let shown = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let limit = |v: &toml::Value| match v {
            toml::Value::String(s) => Limit::parse(s),
            toml::Value::Integer(i) if *i >= 0 => Some(Limit::Count(*i as usize)),
            _ => None,
        };
        if let Some(v) = &raw.safety.max_remove {
            match limit(v) {
                Some(l) => safety.max_remove = l,
                None => problems.push(format!(
                    "[safety] max_remove = «{}»: нужна доля, например \"10%\", или число, например 5",
                    shown(v)
                )),
            }
        }
        if let Some(v) = &raw.safety.max_shrink {
            match limit(v) {
                Some(Limit::Share(s)) => safety.max_shrink = s,
                _ => problems.push(format!("[safety] max_shrink = «{}»: нужна доля, например \"30%\"", shown(v))),
            }
        }
        let mut terms = Vec::new();
        for t in &raw.calendar.terms {
            match (day_month(&t.start), day_month(&t.end)) {
                (Some(start), Some(end)) => terms.push(Term {
                    name: t.name.clone(),
                    start,
                    end,
                }),
                _ => problems.push(format!(
                    "[[calendar.terms]] «{}»: start и end — дни вида \"01.09\" и \"26.10\"",
                    t.name
                )),
            }
        }
        // The calendar's terms replace the defaults of the same name; the others stay.
        let mut all = default_terms();
        all.retain(|d| {
            !terms
                .iter()
                .any(|t| crate::normalize::text_key(&t.name) == crate::normalize::text_key(&d.name))
        });
        terms.extend(all);
        let school_year_end = match &raw.calendar.school_year_end {
            None if raw.organization.profile == Some(Profile::College) => (6, 30),
            None => (5, 31),
            Some(s) => day_month(s).unwrap_or_else(|| {
                problems.push(format!("[calendar] school_year_end = «{s}»: нужен день вида \"30.06\""));
                (6, 30)
            }),
        };
        let tz = raw.organization.timezone.trim().parse::<chrono_tz::Tz>().unwrap_or_else(|_| {
            problems.push(format!(
                "[organization] timezone «{}» — не название часового пояса; например, \"Europe/Moscow\" или \"Asia/Yekaterinburg\"",
                raw.organization.timezone
            ));
            chrono_tz::Europe::Moscow
        });
        let platform = PlatformConfig::check(raw.platform, &mut problems);
        // A key of [platform] rollout does not know would silently change what is read
        // (a default source, the production address): refused, unlike elsewhere.
        let (platform_keys, unknown_keys): (Vec<String>, Vec<String>) = unknown_keys.into_iter().partition(|k| k.starts_with("platform."));
        for k in &platform_keys {
            let key = k["platform.".len()..].split('.').next().unwrap_or_default();
            if key.eq_ignore_ascii_case("token") {
                problems.push("[platform] token: токен не хранится в rollout.toml — удалите строку token из файла и передайте токен переменной окружения ROLLOUT_MAX_TOKEN или файлом token_file, доступным только владельцу".into());
            } else {
                problems.push(format!("[platform] неизвестный ключ `{key}` — {}", suggestion(key, &PLATFORM_KEYS)));
            }
        }
        let rollover = RolloverConfig::check(raw.rollover, &mut problems);
        if raw.plans.warn_days < 0 {
            problems.push("[plans] warn_days: число дней, 0 или больше".into());
        }
        if !problems.is_empty() {
            // A typo in a key is the usual cause of a missing one: name them together.
            for k in &unknown_keys {
                problems.push(format!("неизвестный ключ `{k}` — опечатка?"));
            }
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            });
        }
        Ok(Config {
            path: path.to_path_buf(),
            root,
            profile: raw.organization.profile.unwrap_or_default(),
            organization: raw.organization,
            branches,
            implicit_branch,
            sources: raw.sources,
            groups: raw.groups,
            ingest: raw.ingest,
            platform,
            chat_map,
            chat_title: chat_title.unwrap_or_else(|| "{group} {audience}".into()),
            subject_chats,
            matching: raw.matching,
            safety,
            links: raw.links,
            letters: raw.letters,
            plans: raw.plans,
            tz,
            terms,
            school_year_end,
            rollover,
            unknown_keys,
        })
    }

    pub fn main_branch(&self) -> Option<&Branch> {
        self.branches
            .iter()
            .find(|b| b.main)
            .or(if self.branches.len() == 1 { self.branches.first() } else { None })
    }
}

/// The keys of `[rollover]`.
pub const ROLLOVER_KEYS: [&str; 7] = [
    "last_grade",
    "first_grade",
    "last_course",
    "last_course_by_prefix",
    "grace_days",
    "kindergarten_groups",
    "groups",
];

/// The kindergarten's age groups, youngest first: a group moves one step up each September.
pub const DEFAULT_KINDERGARTEN_GROUPS: [&str; 5] = ["Ясельная", "Младшая", "Средняя", "Старшая", "Подготовительная"];

/// `[rollover]`, checked: how groups move into the next school year (`crate::rollover`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloverConfig {
    /// A school's last grade: it graduates (11; a basic school sets 9).
    pub last_grade: u32,
    /// The grade first-years arrive in; None: worked out from the roster's lowest grade
    /// (1, or 5 or 10 for a school that starts there).
    pub first_grade: Option<u32>,
    /// A college's last course: it graduates (4).
    pub last_course: u32,
    /// Per code prefix (the letters before the first digit or dash, «ПК»), as written.
    pub last_course_by_prefix: BTreeMap<String, u32>,
    /// Days after the proposal before graduates are removed from the chats.
    pub grace_days: i64,
    /// The kindergarten's age groups, youngest first.
    pub kindergarten_groups: Vec<String>,
    /// The admin's word on single groups, over the rules: group → its name next year, or
    /// «выпуск» (`groups = { "Пчёлки" = "Пчёлки", "Солнышко" = "выпуск" }`).
    pub groups: BTreeMap<String, String>,
}

impl Default for RolloverConfig {
    fn default() -> Self {
        RolloverConfig {
            last_grade: 11,
            first_grade: None,
            last_course: 4,
            last_course_by_prefix: BTreeMap::new(),
            grace_days: 30,
            kindergarten_groups: DEFAULT_KINDERGARTEN_GROUPS.iter().map(|s| s.to_string()).collect(),
            groups: BTreeMap::new(),
        }
    }
}

impl RolloverConfig {
    /// Checks the section as written; each problem names its key, an unknown key is
    /// refused (it would silently change who graduates).
    fn check(v: Option<toml::Value>, problems: &mut Vec<String>) -> RolloverConfig {
        let mut c = RolloverConfig::default();
        let table = match v {
            None => return c,
            Some(toml::Value::Table(t)) => t,
            Some(_) => {
                problems.push("[rollover]: нужна таблица [rollover] с ключами last_grade, last_course, grace_days …".into());
                return c;
            }
        };
        let shown = |v: &toml::Value| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let whole = |key: &str, v: &toml::Value, range: std::ops::RangeInclusive<i64>, example: &str, problems: &mut Vec<String>| match v {
            toml::Value::Integer(i) if range.contains(i) => Some(*i),
            _ => {
                problems.push(format!(
                    "[rollover] {key} = «{}»: нужно целое число от {} до {}, например {example}",
                    shown(v),
                    range.start(),
                    range.end()
                ));
                None
            }
        };
        for (k, v) in table {
            match k.as_str() {
                "last_grade" => {
                    if let Some(n) = whole("last_grade", &v, 1..=12, "11 (основная школа — 9)", problems) {
                        c.last_grade = n as u32;
                    }
                }
                "first_grade" => {
                    if let Some(n) = whole("first_grade", &v, 1..=12, "1", problems) {
                        c.first_grade = Some(n as u32);
                    }
                }
                "last_course" => {
                    if let Some(n) = whole("last_course", &v, 1..=6, "4", problems) {
                        c.last_course = n as u32;
                    }
                }
                "grace_days" => {
                    if let Some(n) = whole("grace_days", &v, 0..=366, "30", problems) {
                        c.grace_days = n;
                    }
                }
                "last_course_by_prefix" => {
                    let toml::Value::Table(t) = v else {
                        problems.push(format!(
                            "[rollover] last_course_by_prefix = «{}»: нужна таблица «префикс группы = последний курс», например {{ \"ПК\" = 3 }}",
                            shown(&v)
                        ));
                        continue;
                    };
                    for (prefix, n) in t {
                        let letters = !prefix.trim().is_empty() && prefix.trim().chars().all(char::is_alphabetic);
                        if !letters {
                            problems.push(format!(
                                "[rollover] last_course_by_prefix: «{prefix}» — не префикс группы; нужны буквы до первой цифры или дефиса, например \"ПК\" для «ПК-23-1»"
                            ));
                            continue;
                        }
                        if let Some(n) = whole(&format!("last_course_by_prefix.{prefix}"), &n, 1..=6, "3", problems) {
                            c.last_course_by_prefix.insert(prefix.trim().to_string(), n as u32);
                        }
                    }
                }
                "kindergarten_groups" => {
                    let list: Option<Vec<String>> = v.as_array().and_then(|a| {
                        a.iter()
                            .map(|x| x.as_str().map(|s| crate::normalize::clean_spaces(s.trim())))
                            .collect()
                    });
                    match list {
                        Some(list) if !list.is_empty() && list.iter().all(|s| !s.is_empty()) => {
                            let mut keys = std::collections::BTreeSet::new();
                            for s in &list {
                                if !keys.insert(crate::normalize::text_key(s)) {
                                    problems.push(format!("[rollover] kindergarten_groups: «{s}» записана дважды — оставьте одну"));
                                }
                            }
                            c.kindergarten_groups = list;
                        }
                        _ => problems.push(format!(
                            "[rollover] kindergarten_groups = «{}»: нужен непустой список возрастных групп от младшей к старшей, например [\"Младшая\", \"Средняя\", \"Старшая\", \"Подготовительная\"]",
                            shown(&v)
                        )),
                    }
                }
                "groups" => {
                    let toml::Value::Table(t) = v else {
                        problems.push(format!(
                            "[rollover] groups = «{}»: нужна таблица «группа = её название в новом году или \"выпуск\"», например {{ \"Пчёлки\" = \"Пчёлки\", \"Солнышко\" = \"выпуск\" }}",
                            shown(&v)
                        ));
                        continue;
                    };
                    for (group, to) in t {
                        match to.as_str().map(|x| crate::normalize::clean_spaces(x.trim())) {
                            Some(to) if !to.is_empty() && !group.trim().is_empty() => {
                                c.groups.insert(crate::normalize::clean_spaces(group.trim()), to);
                            }
                            _ => problems.push(format!(
                                "[rollover] groups.«{group}» = «{}»: нужно название группы в новом году или \"выпуск\"",
                                shown(&to)
                            )),
                        }
                    }
                }
                other => problems.push(format!(
                    "[rollover] неизвестный ключ `{other}` — {}",
                    suggestion(other, &ROLLOVER_KEYS)
                )),
            }
        }
        if let Some(f) = c.first_grade
            && f > c.last_grade
        {
            problems.push(format!(
                "[rollover] first_grade = {f} больше last_grade = {}: первоклассники приходят в класс не старше выпускного",
                c.last_grade
            ));
        }
        c
    }
}

/// A school term: «I четверть», «II полугодие» (month, day), from `[[calendar.terms]]`
/// over the defaults; plans read deadlines such as «II четверть» with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub name: String,
    pub start: (u32, u32),
    pub end: (u32, u32),
}

pub fn default_terms() -> Vec<Term> {
    let t = |name: &str, s: (u32, u32), e: (u32, u32)| Term {
        name: name.into(),
        start: s,
        end: e,
    };
    vec![
        t("I четверть", (9, 1), (10, 26)),
        t("II четверть", (11, 5), (12, 28)),
        t("III четверть", (1, 9), (3, 22)),
        t("IV четверть", (4, 1), (5, 26)),
        t("I полугодие", (9, 1), (12, 28)),
        t("II полугодие", (1, 9), (5, 31)),
        t("I триместр", (9, 1), (11, 30)),
        t("II триместр", (12, 1), (2, 28)),
        t("III триместр", (3, 1), (5, 31)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_collected() {
        let c = Config::parse(
            "[organization]\nname='x'\nprofile='school'\ncolour='red'\n[ingest]\nmax_secs=3\n",
            Path::new("w/rollout.toml"),
        )
        .unwrap();
        let mut keys = c.unknown_keys.clone();
        keys.sort();
        assert_eq!(keys, vec!["ingest.max_secs", "organization.colour"]);
        assert!(c.implicit_branch);
        assert_eq!(c.root, PathBuf::from("w"));
    }

    #[test]
    fn chat_ids_from_web_addresses() {
        for (text, want) in [
            ("https://web.max.ru/-70000095028", Some(-70000095028)),
            ("http://web.max.ru/-70000095028/", Some(-70000095028)),
            ("web.max.ru/-70000095028?utm=x", Some(-70000095028)),
            ("HTTPS://WEB.MAX.RU/123#top", Some(123)),
            (" -70000095028 ", Some(-70000095028)),
            ("https://max.ru/join/abc", None),
            ("https://web.max.ru/-7000x", None),
            ("https://web.max.ru/", None),
            ("https://evil.ru/web.max.ru/1", None),
            ("-", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(chat_id_of(text), want, "{text}");
        }
    }

    #[test]
    fn base_url_is_https_or_loopback_http() {
        for (url, ok) in [
            ("https://platform-api2.max.ru", true),
            ("https://platform-api2.max.ru/", true),
            ("http://127.0.0.1:8080", true),
            ("http://localhost:1/x", true),
            ("http://[::1]:80", true),
            ("http://platform-api2.max.ru", false),
            ("http://127.0.0.1.evil.ru", false),
            ("ftp://x", false),
            ("https://", false),
        ] {
            assert_eq!(base_url_allowed(url), ok, "{url}");
        }
    }

    #[test]
    fn the_source_is_inferred_from_the_one_key_set() {
        let parse = |platform: &str| {
            Config::parse(
                &format!("[organization]\nprofile='school'\n[platform]\n{platform}\n"),
                Path::new("rollout.toml"),
            )
        };
        let source = |platform: &str| parse(platform).unwrap().platform.source;
        assert_eq!(source(""), None);
        assert_eq!(source("snapshot = 'p/'"), Some(PlatformKind::Snapshot));
        assert_eq!(source("export = 'm.xlsx'"), Some(PlatformKind::Export));
        assert_eq!(source("token_file = 't'"), Some(PlatformKind::Api));
        assert_eq!(source("base_url = 'https://x.ru'"), Some(PlatformKind::Api));
        assert_eq!(source("source = 'api'"), Some(PlatformKind::Api));
        assert_eq!(source("source = 'api'\nsnapshot = 'p/'"), Some(PlatformKind::Api));
        assert!(parse("snapshot = 'p/'\nbase_url = 'https://x.ru'").is_err());
        let p = parse("rate = 3").unwrap().platform;
        assert_eq!((p.rate, p.concurrency, p.max_age_minutes, p.keep_snapshots), (3.0, 8, 60, 30));
        assert_eq!(p.base_url(), DEFAULT_BASE_URL);
    }

    #[test]
    fn rollover_defaults_and_values() {
        let parse = |section: &str| Config::parse(&format!("[organization]\nprofile='school'\n{section}\n"), Path::new("rollout.toml"));
        let d = parse("").unwrap().rollover;
        assert_eq!(d, RolloverConfig::default());
        assert_eq!((d.last_grade, d.last_course, d.grace_days, d.first_grade), (11, 4, 30, None));
        assert_eq!(
            d.kindergarten_groups,
            ["Ясельная", "Младшая", "Средняя", "Старшая", "Подготовительная"]
        );
        let c = parse(
            "[rollover]\nlast_grade = 9\nfirst_grade = 5\nlast_course = 3\nlast_course_by_prefix = { \"ПК\" = 2 }\ngrace_days = 0\nkindergarten_groups = [\" Младшая \", \"Старшая\"]",
        )
        .unwrap()
        .rollover;
        assert_eq!((c.last_grade, c.first_grade, c.last_course, c.grace_days), (9, Some(5), 3, 0));
        assert_eq!(c.last_course_by_prefix.get("ПК"), Some(&2));
        assert_eq!(c.kindergarten_groups, ["Младшая", "Старшая"]);
    }

    #[test]
    fn rollover_mistakes_are_named_by_key() {
        let err = |section: &str| {
            Config::parse(
                &format!("[organization]\nprofile='school'\n[rollover]\n{section}\n"),
                Path::new("rollout.toml"),
            )
            .unwrap_err()
            .to_string()
        };
        for (section, want) in [
            ("last_grade = 0", "[rollover] last_grade = «0»: нужно целое число от 1 до 12"),
            ("last_grade = \"11\"", "[rollover] last_grade = «11»: нужно целое число"),
            ("last_course = 9", "[rollover] last_course = «9»: нужно целое число от 1 до 6"),
            ("grace_days = -1", "[rollover] grace_days = «-1»"),
            (
                "last_grad = 9",
                "[rollover] неизвестный ключ `last_grad` — имелось в виду last_grade?",
            ),
            ("colour = 1", "[rollover] неизвестный ключ `colour` — известные ключи: last_grade"),
            ("last_course_by_prefix = 3", "[rollover] last_course_by_prefix = «3»: нужна таблица"),
            ("last_course_by_prefix = { \"ПК-1\" = 3 }", "«ПК-1» — не префикс группы"),
            (
                "last_course_by_prefix = { \"ПК\" = 0 }",
                "[rollover] last_course_by_prefix.ПК = «0»",
            ),
            (
                "kindergarten_groups = []",
                "[rollover] kindergarten_groups = «[]»: нужен непустой список",
            ),
            ("kindergarten_groups = [\"Младшая\", \"младшая\"]", "«младшая» записана дважды"),
            ("first_grade = 10\nlast_grade = 9", "first_grade = 10 больше last_grade = 9"),
        ] {
            let e = err(section);
            assert!(e.contains(want), "{section}: {e}");
        }
    }

    #[test]
    fn bad_profile_is_a_parse_error() {
        let e = Config::parse("[organization]\nprofile='university'\n", Path::new("rollout.toml")).unwrap_err();
        assert!(e.to_string().contains("university"), "{e}");
    }
}
