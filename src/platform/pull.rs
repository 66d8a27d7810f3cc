//! Reading the live platform into a snapshot: every mapped chat and all its members
//! (`rollout platform pull`), and finding chats the bot is being added to
//! (`rollout platform discover`). The API calls go through [`Api`] so the orchestration is
//! tested against a fake; [`super::max::Client`] is the real one.
//!
//! A chat that cannot be read (403, 404, a status other than `active`, retries exhausted)
//! stays in `chats.json` with what we know but gets no member file: the diff treats its
//! members as unknown — never as empty. A bad token, or an API that answers nothing at all,
//! fails the whole pull.

use super::max::types::{BotInfo, Membership, NEEDED_PERMISSIONS, UpdateList};
use super::max::{ApiError, Client, Stats};
use super::place::{ChatPlacer, Placement};
use super::{Chat, Member};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The calls a pull and discover make (implemented by [`Client`]; tests use a fake).
pub trait Api: Send + Sync + 'static {
    fn me(&self) -> impl Future<Output = Result<BotInfo, ApiError>> + Send;
    fn chat(&self, chat_id: i64) -> impl Future<Output = Result<Chat, ApiError>> + Send;
    fn membership(&self, chat_id: i64) -> impl Future<Output = Result<Membership, ApiError>> + Send;
    fn members(&self, chat_id: i64) -> impl Future<Output = Result<Vec<Member>, ApiError>> + Send;
    fn updates(&self, marker: Option<i64>, timeout: u32, types: &[&str]) -> impl Future<Output = Result<UpdateList, ApiError>> + Send;
    fn stats(&self) -> Stats;
}

impl Api for Client {
    fn me(&self) -> impl Future<Output = Result<BotInfo, ApiError>> + Send {
        Client::me(self)
    }
    fn chat(&self, chat_id: i64) -> impl Future<Output = Result<Chat, ApiError>> + Send {
        Client::chat(self, chat_id)
    }
    fn membership(&self, chat_id: i64) -> impl Future<Output = Result<Membership, ApiError>> + Send {
        Client::membership(self, chat_id)
    }
    fn members(&self, chat_id: i64) -> impl Future<Output = Result<Vec<Member>, ApiError>> + Send {
        Client::members(self, chat_id)
    }
    fn updates(&self, marker: Option<i64>, timeout: u32, types: &[&str]) -> impl Future<Output = Result<UpdateList, ApiError>> + Send {
        Client::updates(self, marker, timeout, types)
    }
    fn stats(&self) -> Stats {
        Client::stats(self)
    }
}

/// Why a chat's members were not read.
#[derive(Debug)]
pub enum Unreadable {
    /// The API refused or failed for this chat (403, 404, retries exhausted, …).
    Api(ApiError),
    /// The chat is not `active` (removed, left, closed, …).
    Status(String),
}

impl Unreadable {
    /// A stable code for `pull.json`.
    pub fn code(&self) -> &'static str {
        match self {
            Unreadable::Status(_) => "status",
            Unreadable::Api(e) => match e {
                ApiError::Forbidden { .. } => "forbidden",
                ApiError::NotFound { .. } => "not_found",
                ApiError::Unreachable { .. } => "unreachable",
                ApiError::Refused { .. } => "refused",
                ApiError::BadResponse { .. } => "bad_response",
                _ => "error",
            },
        }
    }

    /// For people (Russian).
    pub fn describe(&self) -> String {
        match self {
            Unreadable::Status(s) => format!("статус чата «{s}», а не active — участники не читались"),
            Unreadable::Api(e) => e.to_string(),
        }
    }
}

/// One mapped chat as the pull saw it.
#[derive(Debug)]
pub struct PulledChat {
    /// What `GET /chats/{chatId}` gave, or only the id when it failed.
    pub chat: Chat,
    /// Sorted by `user_id`; None when they could not be read.
    pub members: Option<Vec<Member>>,
    pub unreadable: Option<Unreadable>,
}

/// A finished pull, in `[[chats.map]]` order.
#[derive(Debug)]
pub struct Pull {
    pub bot: BotInfo,
    pub chats: Vec<PulledChat>,
    pub started: chrono::DateTime<chrono::Utc>,
    pub finished: chrono::DateTime<chrono::Utc>,
    pub stats: Stats,
}

impl Pull {
    pub fn members(&self) -> usize {
        self.chats.iter().filter_map(|c| c.members.as_ref()).map(Vec::len).sum()
    }
    pub fn unreadable(&self) -> impl Iterator<Item = (&Chat, &Unreadable)> {
        self.chats.iter().filter_map(|c| c.unreadable.as_ref().map(|u| (&c.chat, u)))
    }
}

/// Errors that stop the whole pull rather than one chat.
fn is_fatal(e: &ApiError) -> bool {
    matches!(e, ApiError::Unauthorized | ApiError::BadBaseUrl { .. })
}

/// One chat: its card, then (when active) all its members.
async fn pull_chat<A: Api>(api: &A, chat_id: i64) -> Result<PulledChat, ApiError> {
    let unread = |chat: Chat, why: Unreadable| PulledChat {
        chat,
        members: None,
        unreadable: Some(why),
    };
    let bare = Chat {
        chat_id,
        title: None,
        participants_count: None,
        link: None,
        owner_id: None,
        status: None,
    };
    let chat = match api.chat(chat_id).await {
        Ok(c) => c,
        Err(e) if is_fatal(&e) => return Err(e),
        Err(e) => return Ok(unread(bare, Unreadable::Api(e))),
    };
    // The id we asked for is the one the diff knows.
    let chat = Chat { chat_id, ..chat };
    if let Some(s) = chat.status.as_deref().filter(|s| *s != "active") {
        let s = s.to_string();
        return Ok(unread(chat, Unreadable::Status(s)));
    }
    match api.members(chat_id).await {
        Ok(mut members) => {
            members.sort_by_key(|m| m.user_id);
            members.dedup_by_key(|m| m.user_id);
            Ok(PulledChat {
                chat,
                members: Some(members),
                unreadable: None,
            })
        }
        Err(e) if is_fatal(&e) => Err(e),
        Err(e) => Ok(unread(chat, Unreadable::Api(e))),
    }
}

/// The chat ids once each, in their order.
fn unique(chat_ids: &[i64]) -> Vec<i64> {
    let mut ids: Vec<i64> = Vec::new();
    for id in chat_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    ids
}

/// `work` for every chat, `concurrency` chats at a time, results in the order of `ids`;
/// `pb` advances by one per chat. The first Err stops the others from starting and is
/// returned.
async fn for_each_chat<A, T, F, Fut>(
    api: Arc<A>,
    ids: Vec<i64>,
    concurrency: usize,
    pb: &indicatif::ProgressBar,
    work: F,
) -> Result<Vec<T>, ApiError>
where
    A: Api,
    T: Send + 'static,
    F: Fn(Arc<A>, i64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<T, ApiError>> + Send,
{
    pb.set_length(ids.len() as u64);
    let ids = Arc::new(ids);
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.clamp(1, ids.len().max(1)) {
        let (api, ids, next, stop, pb, work) = (api.clone(), ids.clone(), next.clone(), stop.clone(), pb.clone(), work.clone());
        workers.spawn(async move {
            let mut done: Vec<(usize, Result<T, ApiError>)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&id) = ids.get(i) else { break };
                let r = work(api.clone(), id).await;
                if r.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                pb.inc(1);
                done.push((i, r));
            }
            done
        });
    }
    let mut slots: Vec<Option<T>> = (0..ids.len()).map(|_| None).collect();
    let mut fatal = None;
    while let Some(joined) = workers.join_next().await {
        // A worker only panics on a bug; say so rather than hide it.
        let done = joined.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        for (i, r) in done {
            match r {
                Ok(t) => slots[i] = Some(t),
                Err(e) => fatal = fatal.or(Some(e)),
            }
        }
    }
    match fatal {
        Some(e) => Err(e),
        None => Ok(slots.into_iter().flatten().collect()),
    }
}

/// Pull every chat of `chat_ids` (duplicates read once), `concurrency` chats at a time;
/// `pb` advances by one per chat. Err when the token is refused or the API answers nothing:
/// then nothing may become current.
pub async fn pull<A: Api>(api: Arc<A>, chat_ids: &[i64], concurrency: usize, pb: &indicatif::ProgressBar) -> Result<Pull, ApiError> {
    let started = chrono::Utc::now();
    let bot = api.me().await?;
    let ids = unique(chat_ids);
    let chats = for_each_chat(
        api.clone(),
        ids,
        concurrency,
        pb,
        |api, id| async move { pull_chat(&*api, id).await },
    )
    .await?;
    // Every chat unreachable: the API is down, not the chats — a failure, not a snapshot
    // of unknowns that would replace a good one.
    let unreachable = |c: &PulledChat| matches!(c.unreadable, Some(Unreadable::Api(ApiError::Unreachable { .. })));
    if !chats.is_empty() && chats.iter().all(unreachable) {
        let first = chats.into_iter().find_map(|c| match c.unreadable {
            Some(Unreadable::Api(e)) => Some(e),
            _ => None,
        });
        return Err(first.expect("every chat is unreachable"));
    }
    Ok(Pull {
        bot,
        chats,
        started,
        finished: chrono::Utc::now(),
        stats: api.stats(),
    })
}

/// One mapped chat as `platform check` saw it.
#[derive(Debug)]
pub struct ChatCheck {
    pub chat_id: i64,
    /// None when the bot cannot see the chat (`unseen` says why).
    pub chat: Option<Chat>,
    /// The bot in the chat; None when it could not be read.
    pub membership: Option<Membership>,
    /// Why the chat or the bot's place in it could not be read.
    pub unseen: Option<ApiError>,
}

impl ChatCheck {
    /// False when the bot is a plain member (None when unknown).
    pub fn is_admin(&self) -> Option<bool> {
        self.membership.as_ref().map(|m| m.is_admin || m.is_owner)
    }

    /// The needed permissions the bot lacks as an admin, with what each is for. The owner
    /// has every right; an admin whose permissions the API did not list lacks them all.
    pub fn lacking(&self) -> Vec<(&'static str, &'static str)> {
        let Some(m) = &self.membership else { return Vec::new() };
        if m.is_owner || !m.is_admin {
            return Vec::new();
        }
        let has = m.permissions.as_deref().unwrap_or_default();
        NEEDED_PERMISSIONS
            .iter()
            .copied()
            .filter(|(p, _)| !has.iter().any(|h| h == p))
            .collect()
    }

    /// The chat's status when it is not `active`.
    pub fn inactive(&self) -> Option<&str> {
        self.chat.as_ref().and_then(|c| c.status.as_deref()).filter(|s| *s != "active")
    }

    /// Whether anything about this chat needs the admin's attention.
    pub fn fine(&self) -> bool {
        self.unseen.is_none() && self.is_admin() == Some(true) && self.lacking().is_empty() && self.inactive().is_none()
    }
}

/// `GET /me`, then for every chat its card and the bot's place in it. Err on a refused
/// token or an API that answers nothing.
pub async fn check<A: Api>(
    api: Arc<A>,
    chat_ids: &[i64],
    concurrency: usize,
    pb: &indicatif::ProgressBar,
) -> Result<(BotInfo, Vec<ChatCheck>), ApiError> {
    let bot = api.me().await?;
    let checks = for_each_chat(api, unique(chat_ids), concurrency, pb, |api, chat_id| async move {
        let mut c = ChatCheck {
            chat_id,
            chat: None,
            membership: None,
            unseen: None,
        };
        match api.chat(chat_id).await {
            Ok(chat) => c.chat = Some(chat),
            Err(e) if is_fatal(&e) => return Err(e),
            Err(e) => {
                c.unseen = Some(e);
                return Ok(c);
            }
        }
        match api.membership(chat_id).await {
            Ok(m) => c.membership = Some(m),
            Err(e) if is_fatal(&e) => return Err(e),
            Err(e) => c.unseen = Some(e),
        }
        Ok(c)
    })
    .await?;
    // Nothing answered at all: the API is down, not the chats.
    let unreachable = |c: &ChatCheck| matches!(c.unseen, Some(ApiError::Unreachable { .. }));
    if !checks.is_empty() && checks.iter().all(unreachable) {
        return Err(checks.into_iter().find_map(|c| c.unseen).expect("every chat is unreachable"));
    }
    Ok((bot, checks))
}

/// A JSON value without its null fields: what we do not know is left out, not written as
/// null.
fn without_nulls<T: serde::Serialize>(v: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(v).expect("plain data serialises");
    if let serde_json::Value::Object(m) = &mut v {
        m.retain(|_, x| !x.is_null());
    }
    v
}

fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).expect("plain data serialises");
    b.push(b'\n');
    b
}

/// The snapshot folder's files (relative path, bytes): `chats.json`, `members/<id>.json`
/// for the chats that were read, `pull.json`.
pub fn snapshot_files(p: &Pull) -> Vec<(String, Vec<u8>)> {
    use serde_json::json;
    let mut files = Vec::new();
    let chats: Vec<serde_json::Value> = p.chats.iter().map(|c| without_nulls(&c.chat)).collect();
    files.push(("chats.json".to_string(), json_bytes(&json!({ "chats": chats }))));
    for c in &p.chats {
        if let Some(members) = &c.members {
            let list: Vec<serde_json::Value> = members.iter().map(without_nulls).collect();
            files.push((
                format!("members/{}.json", c.chat.chat_id),
                json_bytes(&json!({ "members": list, "marker": null })),
            ));
        }
    }
    // No names here: ids, codes and counts only.
    let unreadable: Vec<serde_json::Value> = p
        .unreadable()
        .map(|(chat, why)| {
            let mut v = json!({ "chat_id": chat.chat_id, "reason": why.code() });
            if let Unreadable::Status(s) = why {
                v["status"] = json!(s);
            }
            v
        })
        .collect();
    let secs = |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let pull = json!({
        "started": secs(&p.started),
        "finished": secs(&p.finished),
        "chats": p.chats.len(),
        "chats_read": p.chats.iter().filter(|c| c.members.is_some()).count(),
        "members": p.members(),
        "unreadable": unreadable,
        "requests": p.stats.requests,
        "retries": p.stats.retries,
        "throttled": p.stats.throttled,
    });
    files.push((super::store::PULL_JSON.to_string(), json_bytes(&pull)));
    files
}

/// Writes the pull into a staging folder (owner-only files).
pub fn save(dir: &Path, p: &Pull) -> std::io::Result<()> {
    for (rel, bytes) in snapshot_files(p) {
        crate::files::write_private(&dir.join(rel), &bytes)?;
    }
    Ok(())
}

/// The update kinds discover listens to.
pub const DISCOVER_TYPES: [&str; 3] = ["bot_added", "bot_removed", "chat_title_changed"];

/// A chat the bot was added to while discover ran.
#[derive(Debug)]
pub struct Discovered {
    pub chat_id: i64,
    /// From `GET /chats/{chatId}`, else from a title update.
    pub title: Option<String>,
    /// Why `GET /chats/{chatId}` failed, if it did.
    pub unreadable: Option<ApiError>,
}

/// Takes the current marker (older updates are not ours), then long-polls until `wait` has
/// passed; returns the chats the bot is in at the end (added and not removed), in the order
/// they were added, each with its title read.
/// When `stop` completes (Ctrl-C), it stops waiting and goes on with what it found.
pub async fn discover<A: Api>(api: &A, wait: std::time::Duration, stop: impl Future<Output = ()>) -> Result<Vec<Discovered>, ApiError> {
    let deadline = tokio::time::Instant::now() + wait;
    let first = api.updates(None, 0, &DISCOVER_TYPES).await?;
    let mut marker = first.marker;
    let mut found: Vec<(i64, Option<String>)> = Vec::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let secs = left.as_secs().min(25) as u32;
        if secs == 0 {
            break;
        }
        let list = tokio::select! {
            list = api.updates(marker, secs, &DISCOVER_TYPES) => list?,
            () = &mut stop => break,
        };
        marker = list.marker.or(marker);
        apply_updates(&mut found, &list);
    }
    let mut out = Vec::new();
    for (chat_id, title) in found {
        match api.chat(chat_id).await {
            Ok(c) => out.push(Discovered {
                chat_id,
                title: c.title.or(title),
                unreadable: None,
            }),
            Err(e) if is_fatal(&e) => return Err(e),
            Err(e) => out.push(Discovered {
                chat_id,
                title,
                unreadable: Some(e),
            }),
        }
    }
    Ok(out)
}

fn apply_updates(found: &mut Vec<(i64, Option<String>)>, list: &UpdateList) {
    for u in &list.updates {
        let Some(id) = u.chat_id else { continue };
        match u.update_type.as_str() {
            "bot_added" if !found.iter().any(|(c, _)| *c == id) => found.push((id, u.title.clone())),
            "bot_removed" => found.retain(|(c, _)| *c != id),
            "chat_title_changed" => {
                if let Some(e) = found.iter_mut().find(|(c, _)| *c == id) {
                    e.1 = u.title.clone().or(e.1.take());
                }
            }
            _ => {}
        }
    }
}

/// A title on one comment line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Proposed `[[chats.map]]` entries for `OUT/platform/chats-map.toml`: placed chats as
/// entries with the title as a comment; the others — and those `mapped` already — commented
/// out with the reason. Returns the text and how many entries are proposed.
pub fn proposal(found: &[Discovered], placer: &ChatPlacer, mapped: &[i64]) -> (String, usize) {
    let mut text = String::from(
        "# Предложение rollout platform discover: записи [[chats.map]] для чатов, в которые добавили бота.\n\
         # Проверьте их и перенесите нужные в rollout.toml — сам rollout.toml не изменялся.\n",
    );
    let mut placed = 0;
    for d in found {
        let title = d.title.as_deref().map(one_line);
        text.push('\n');
        match &title {
            Some(t) => text.push_str(&format!("# «{t}»\n")),
            None => text.push_str("# (название неизвестно)\n"),
        }
        let chat = Chat {
            chat_id: d.chat_id,
            title: d.title.clone(),
            participants_count: None,
            link: None,
            owner_id: None,
            status: None,
        };
        let placement: Result<Placement, String> = match (&d.unreadable, &title) {
            _ if mapped.contains(&d.chat_id) => Err("уже есть в [[chats.map]] файла rollout.toml".into()),
            (Some(e), _) => Err(format!("чат не прочитан: {e}")),
            (None, None) => Err("у чата нет названия".into()),
            (None, Some(_)) => placer.place(&chat),
        };
        match placement {
            Ok(p) => {
                placed += 1;
                text.push_str("[[chats.map]]\n");
                text.push_str(&format!("chat_id = {}\n", d.chat_id));
                text.push_str(&format!("branch = {}\n", toml_str(&p.branch)));
                if let Some(g) = &p.group {
                    text.push_str(&format!("group = {}\n", toml_str(g)));
                }
                text.push_str(&format!("audience = {}\n", toml_str(p.audience.code())));
                if let Some(subject) = &p.subject {
                    text.push_str(&format!("subject = {}\n", toml_str(subject)));
                }
            }
            Err(why) => {
                text.push_str(&format!("# не предложен: {}\n", one_line(&why)));
                text.push_str("# [[chats.map]]\n");
                text.push_str(&format!("# chat_id = {}\n", d.chat_id));
                // Placeholders, not empty values that would look valid once uncommented.
                let why = one_line(&why);
                text.push_str(&format!("# branch = \"?\"  # впишите филиал: {why}\n"));
                text.push_str(&format!("# group = \"?\"  # впишите группу: {why}\n"));
                text.push_str(&format!("# audience = \"?\"  # впишите parents, students или staff: {why}\n"));
            }
        }
    }
    (text, placed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::max::types::{Update, UpdateList};
    use std::collections::HashMap;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Fake {
        chats: HashMap<i64, Chat>,
        members: HashMap<i64, Vec<Member>>,
        forbidden: Vec<i64>,
        down: Vec<i64>,
        unauthorized: bool,
        updates: Mutex<Vec<UpdateList>>,
    }

    fn chat(id: i64, title: &str, status: &str) -> Chat {
        Chat {
            chat_id: id,
            title: Some(title.into()),
            participants_count: Some(2),
            link: Some(format!("https://max.ru/join/{id}")),
            owner_id: None,
            status: Some(status.into()),
        }
    }

    fn member(id: i64) -> Member {
        Member {
            user_id: id,
            first_name: format!("Имя{id}"),
            last_name: None,
            is_admin: false,
            is_owner: false,
            is_bot: false,
            join_time: Some(1),
            phone: None,
            email: None,
            name: None,
        }
    }

    impl Api for Fake {
        async fn me(&self) -> Result<BotInfo, ApiError> {
            if self.unauthorized {
                return Err(ApiError::Unauthorized);
            }
            Ok(BotInfo {
                user_id: 1,
                first_name: "bot".into(),
                username: None,
            })
        }
        async fn chat(&self, chat_id: i64) -> Result<Chat, ApiError> {
            let what = format!("чат {chat_id}");
            if self.down.contains(&chat_id) {
                return Err(ApiError::Unreachable {
                    what,
                    base: "http://127.0.0.1:9".into(),
                    attempts: 6,
                    cause: "connection refused".into(),
                });
            }
            self.chats.get(&chat_id).cloned().ok_or(ApiError::NotFound { what })
        }
        async fn membership(&self, chat_id: i64) -> Result<Membership, ApiError> {
            let admin = !self.forbidden.contains(&chat_id);
            let permissions = if chat_id == -2 {
                vec!["read_all_messages".to_string(), "add_admins".to_string()]
            } else {
                NEEDED_PERMISSIONS.iter().map(|(p, _)| p.to_string()).collect()
            };
            Ok(Membership {
                user_id: 1,
                is_admin: admin,
                is_owner: false,
                permissions: admin.then_some(permissions),
            })
        }
        async fn members(&self, chat_id: i64) -> Result<Vec<Member>, ApiError> {
            if self.forbidden.contains(&chat_id) {
                return Err(ApiError::Forbidden {
                    what: format!("чат {chat_id}"),
                });
            }
            Ok(self.members.get(&chat_id).cloned().unwrap_or_default())
        }
        async fn updates(&self, _marker: Option<i64>, _timeout: u32, _types: &[&str]) -> Result<UpdateList, ApiError> {
            let next = {
                let mut u = self.updates.lock().unwrap();
                (!u.is_empty()).then(|| u.remove(0))
            };
            if let Some(list) = next {
                return Ok(list);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok(UpdateList {
                updates: vec![],
                marker: Some(99),
            })
        }
        fn stats(&self) -> Stats {
            Stats::default()
        }
    }

    fn fake() -> Fake {
        let mut f = Fake::default();
        for (id, title, status) in [
            (-1, "5А Родители", "active"),
            (-2, "5Б Родители", "active"),
            (-3, "Старый", "removed"),
        ] {
            f.chats.insert(id, chat(id, title, status));
        }
        f.members.insert(-1, vec![member(30), member(10), member(20), member(10)]);
        f.members.insert(-2, vec![member(5)]);
        f
    }

    fn run<T>(fut: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(fut)
    }

    #[test]
    fn a_pull_keeps_the_map_order_sorts_members_and_marks_what_it_could_not_read() {
        let mut f = fake();
        f.forbidden.push(-2);
        let pb = indicatif::ProgressBar::hidden();
        let p = run(pull(Arc::new(f), &[-2, -9, -1, -3, -1], 2, &pb)).unwrap();
        let ids: Vec<i64> = p.chats.iter().map(|c| c.chat.chat_id).collect();
        assert_eq!(ids, [-2, -9, -1, -3]);
        let got: Vec<i64> = p.chats[2].members.as_ref().unwrap().iter().map(|m| m.user_id).collect();
        assert_eq!(got, [10, 20, 30]);
        let codes: Vec<(i64, &str)> = p.unreadable().map(|(c, u)| (c.chat_id, u.code())).collect();
        assert_eq!(codes, [(-2, "forbidden"), (-9, "not_found"), (-3, "status")]);
        // What we know of an unreadable chat is kept: its title when the card was read.
        assert_eq!(p.chats[0].chat.title.as_deref(), Some("5Б Родители"));
        assert_eq!(p.members(), 3);
        assert_eq!(pb.position(), 4);

        let files = snapshot_files(&p);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["chats.json", "members/-1.json", "pull.json"]);
        let chats: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
        // The unknown chat is only its id: nothing is written as null.
        assert_eq!(chats["chats"][1], serde_json::json!({"chat_id": -9}));
        let pull_json = String::from_utf8(files[2].1.clone()).unwrap();
        assert!(!pull_json.contains("Имя") && !pull_json.contains("Родители"), "{pull_json}");
        let v: serde_json::Value = serde_json::from_str(&pull_json).unwrap();
        assert_eq!(v["chats_read"], 1);
        assert_eq!(
            v["unreadable"][2],
            serde_json::json!({"chat_id": -3, "reason": "status", "status": "removed"})
        );
    }

    #[test]
    fn a_saved_pull_reads_back_as_the_same_platform() {
        use crate::platform::Platform;
        let p = run(pull(Arc::new(fake()), &[-1, -2, -3], 8, &indicatif::ProgressBar::hidden())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &p).unwrap();
        let state = crate::platform::snapshot::SnapshotFolder {
            dir: dir.path().to_path_buf(),
        }
        .load()
        .unwrap();
        assert!(state.warnings.is_empty());
        let known: Vec<(i64, bool, usize)> = state
            .chats
            .iter()
            .map(|c| (c.chat.chat_id, c.members_known, c.members.len()))
            .collect();
        assert_eq!(known, [(-1, true, 3), (-2, true, 1), (-3, false, 0)]);
        assert_eq!(state.chats[0].chat, p.chats[0].chat);
        assert_eq!(&state.chats[0].members, p.chats[0].members.as_ref().unwrap());
    }

    #[test]
    fn a_refused_token_or_a_dead_api_fails_the_whole_pull() {
        let f = Fake {
            unauthorized: true,
            ..fake()
        };
        let e = run(pull(Arc::new(f), &[-1], 2, &indicatif::ProgressBar::hidden())).unwrap_err();
        assert!(matches!(e, ApiError::Unauthorized));
        let mut f = fake();
        f.down = vec![-1, -2];
        let e = run(pull(Arc::new(f), &[-1, -2], 2, &indicatif::ProgressBar::hidden())).unwrap_err();
        assert!(matches!(e, ApiError::Unreachable { .. }));
        // One chat down among readable ones is that chat's problem only.
        let mut f = fake();
        f.down = vec![-2];
        let p = run(pull(Arc::new(f), &[-1, -2], 2, &indicatif::ProgressBar::hidden())).unwrap();
        assert_eq!(p.unreadable().map(|(_, u)| u.code()).collect::<Vec<_>>(), ["unreachable"]);
    }

    #[test]
    fn check_lists_what_the_bot_cannot_see_or_do() {
        let mut f = fake();
        f.forbidden.push(-1);
        let pb = indicatif::ProgressBar::hidden();
        let (bot, checks) = run(check(Arc::new(f), &[-1, -2, -3, -9, -1], 3, &pb)).unwrap();
        assert_eq!(bot.user_id, 1);
        type Seen<'a> = (i64, Option<bool>, Vec<&'a str>, Option<&'a str>, bool, bool);
        let got: Vec<Seen> = checks
            .iter()
            .map(|c| {
                (
                    c.chat_id,
                    c.is_admin(),
                    c.lacking().iter().map(|l| l.0).collect(),
                    c.inactive(),
                    c.unseen.is_some(),
                    c.fine(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (-1, Some(false), vec![], None, false, false),
                (-2, Some(true), vec!["add_remove_members", "change_chat_info"], None, false, false),
                (-3, Some(true), vec![], Some("removed"), false, false),
                (-9, None, vec![], None, true, false),
            ]
        );
    }

    #[test]
    fn discover_follows_added_removed_and_renamed_chats() {
        let f = fake();
        let up = |t: &str, id: i64, title: Option<&str>| Update {
            update_type: t.into(),
            timestamp: 0,
            chat_id: Some(id),
            title: title.map(Into::into),
        };
        *f.updates.lock().unwrap() = vec![
            UpdateList {
                updates: vec![up("bot_added", -7, None)],
                marker: Some(1),
            },
            UpdateList {
                updates: vec![
                    up("bot_added", -1, None),
                    up("bot_added", -2, None),
                    up("bot_removed", -2, None),
                    up("chat_title_changed", -7, Some("Новое имя")),
                ],
                marker: Some(2),
            },
        ];
        // The first answer only gives the marker: a chat added before discover started is
        // not reported.
        let found = run(discover(&f, std::time::Duration::from_millis(1500), std::future::pending())).unwrap();
        let got: Vec<(i64, Option<&str>, bool)> = found
            .iter()
            .map(|d| (d.chat_id, d.title.as_deref(), d.unreadable.is_some()))
            .collect();
        assert_eq!(got, [(-1, Some("5А Родители"), false)]);
    }

    #[test]
    fn the_proposal_comments_out_what_it_cannot_place() {
        let cfg = crate::config::Config::parse(
            "[organization]\nname = \"Школа\"\nprofile = \"school\"\n",
            std::path::Path::new("/nonexistent/rollout.toml"),
        )
        .unwrap();
        let roster = crate::roster::Roster::default();
        let placer = ChatPlacer::new(&cfg, &roster);
        let found = vec![
            Discovered {
                chat_id: -5,
                title: Some("Учительская".into()),
                unreadable: None,
            },
            Discovered {
                chat_id: -6,
                title: Some("Болталка\nвторая строка".into()),
                unreadable: None,
            },
            Discovered {
                chat_id: -8,
                title: None,
                unreadable: Some(ApiError::Forbidden { what: "чат -8".into() }),
            },
        ];
        let mut found = found;
        found.push(Discovered {
            chat_id: -9,
            title: Some("Учительская".into()),
            unreadable: None,
        });
        let (text, placed) = proposal(&found, &placer, &[-9]);
        assert_eq!(placed, 1, "{text}");
        assert!(text.contains("# «Учительская»\n[[chats.map]]\nchat_id = -5\n"), "{text}");
        assert!(text.contains("audience = \"staff\"\n"), "{text}");
        assert!(text.contains("# «Болталка вторая строка»\n# не предложен: "), "{text}");
        assert!(text.contains("# [[chats.map]]\n# chat_id = -6\n"), "{text}");
        assert!(
            text.contains("# не предложен: чат не прочитан: чат -8: нет доступа (403)"),
            "{text}"
        );
        assert!(
            text.contains("# не предложен: уже есть в [[chats.map]] файла rollout.toml\n# [[chats.map]]\n# chat_id = -9\n"),
            "{text}"
        );
        // What is not commented out parses as TOML.
        let _: toml::Value = toml::from_str(&text).unwrap();
    }

    #[test]
    fn a_subject_chat_is_proposed_with_its_subject() {
        let cfg = crate::config::Config::parse(
            "[organization]\nname = \"Школа\"\nprofile = \"school\"\n",
            std::path::Path::new("/nonexistent/rollout.toml"),
        )
        .unwrap();
        let branch = cfg.branches[0].name.clone();
        let roster = crate::roster::Roster {
            groups: vec![crate::roster::Group {
                branch: branch.clone(),
                name: "7А".into(),
                course: None,
                curator_ids: vec![],
                found_at: Default::default(),
            }],
            teaching: vec![crate::roster::Teaching {
                person_id: "e1".into(),
                branch,
                group: "7А".into(),
                subject: "Физика".into(),
                hours: None,
            }],
            ..Default::default()
        };
        let placer = ChatPlacer::new(&cfg, &roster);
        let found = vec![Discovered {
            chat_id: -7,
            title: Some("7А Физика".into()),
            unreadable: None,
        }];
        let (text, placed) = proposal(&found, &placer, &[]);
        assert_eq!(placed, 1, "{text}");
        assert!(text.contains("audience = \"subject\"\nsubject = \"Физика\"\n"), "{text}");
    }
}
