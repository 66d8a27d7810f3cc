//! One request, from arrival to answer: the rate window, the token, the seeded faults, the
//! schema check, the operation (or, for a write, the operation and then the fault), a held
//! DELETE, and the log line.

use crate::schema::{self, Allowed, Schema};
use crate::state::{Access, State};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use rollout::platform::max::rate::Window;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

const MAX_BODY: usize = 1 << 20;
/// How long after the first `GET /updates` the `--announce` chats are announced.
const ANNOUNCE_AFTER: Duration = Duration::from_millis(300);

pub struct Server {
    pub state: Mutex<State>,
    pub schema: Schema,
    pub token: String,
    pub start: Instant,
    pub window: Mutex<Window>,
    pub faults: Option<Mutex<Faults>>,
    /// `--hold-delete`: the numbers of the member DELETEs that are carried out and never answered.
    pub hold_delete: BTreeSet<u64>,
    /// Member DELETEs that reached the operation so far (faulted ones not counted).
    pub deletes: AtomicU64,
    pub log: Option<Mutex<std::fs::File>>,
    pub announce: Vec<i64>,
    pub announced: AtomicBool,
    pub updates: Notify,
}

/// The connection is dropped without an answer (hyper closes it when the service fails).
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

/// `--faults SEED,P`: a seeded generator (SplitMix64) deciding for each admitted request.
pub struct Faults {
    state: u64,
    p: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    None,
    Error500,
    Drop,
}

impl Faults {
    pub fn new(seed: u64, p: f64) -> Faults {
        Faults { state: seed, p }
    }

    fn next_f64(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn decide(&mut self) -> Fault {
        let hit = self.next_f64() < self.p;
        let half = self.next_f64() < 0.5;
        match (hit, half) {
            (false, _) => Fault::None,
            (true, true) => Fault::Error500,
            (true, false) => Fault::Drop,
        }
    }

    /// For a write: the fault and whether it comes after carrying the write out (half
    /// each). A write without a fault draws what a read draws, so the sequence of faults
    /// is the same as before for any mix of reads and clean writes.
    pub fn decide_write(&mut self) -> (Fault, When) {
        match self.decide() {
            Fault::None => (Fault::None, When::Before),
            f if self.next_f64() < 0.5 => (f, When::Before),
            f => (f, When::After),
        }
    }
}

/// When a fault on a write happens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// Nothing is done.
    Before,
    /// The write is carried out, then the answer is lost.
    After,
}

fn is_write(method: &str) -> bool {
    matches!(method, "DELETE" | "POST" | "PATCH" | "PUT")
}

/// How one request ended.
enum Outcome {
    Answer(Answer),
    Dropped,
    /// Carried out, never answered (`--hold-delete`); the status it would have had.
    Held(u16),
}

type Answer = Response<Full<Bytes>>;

/// What a request asked that the log line shows too (a response extension): the title and
/// `notify` of `PATCH /chats/{id}` — a chat's title, never a person's name.
#[derive(Clone)]
struct Logged(Value);

fn json_response(status: StatusCode, body: &Value) -> Answer {
    let mut r = Response::new(Full::new(Bytes::from(serde_json::to_vec(body).unwrap_or_default())));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// The schema's `Error` object.
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Answer {
    json_response(status, &json!({ "code": code, "message": message.into() }))
}

fn success() -> Answer {
    json_response(StatusCode::OK, &json!({ "success": true }))
}

fn failure(message: String) -> Answer {
    json_response(StatusCode::OK, &json!({ "success": false, "message": message }))
}

fn not_found(id: i64) -> Answer {
    error(StatusCode::NOT_FOUND, "not.found", format!("Chat {id} not found"))
}

fn denied(message: impl Into<String>) -> Answer {
    error(StatusCode::FORBIDDEN, "chat.denied", message)
}

impl Server {
    pub async fn handle(&'static self, req: Request<Incoming>) -> Result<Answer, Dropped> {
        let method = req.method().as_str().to_string();
        let path = req.uri().path().to_string();
        let raw_query = req.uri().query().unwrap_or_default().to_string();
        // The arrival time is taken under the window's lock, so the times the window
        // admitted by and the times in the log are the same and in the same order: the
        // log never shows more than `rate` admitted in a second.
        let (arrived, admitted) = {
            let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            (now, window.admit(now))
        };
        match self.answer(req, admitted, &method, &path, &raw_query).await {
            Outcome::Answer(r) => {
                let patch = r.extensions().get::<Logged>().map(|l| &l.0);
                self.log_line(arrived, &method, &path, &raw_query, r.status().as_u16(), false, patch);
                Ok(r)
            }
            Outcome::Dropped => {
                self.log_line(arrived, &method, &path, &raw_query, 0, false, None);
                Err(Dropped)
            }
            Outcome::Held(status) => {
                self.log_line(arrived, &method, &path, &raw_query, status, true, None);
                // Never answered: hyper drops this future when the client goes away, and
                // the process ends it when the server stops.
                std::future::pending::<Result<Answer, Dropped>>().await
            }
        }
    }

    async fn answer(
        &'static self,
        req: Request<Incoming>,
        admitted: Result<(), Duration>,
        method: &str,
        path: &str,
        raw_query: &str,
    ) -> Outcome {
        if let Err(wait) = admitted {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "too.many.requests", "Too many requests");
            r.headers_mut()
                .insert(hyper::header::RETRY_AFTER, hyper::header::HeaderValue::from(secs));
            return Outcome::Answer(r);
        }
        let authorised = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .is_some_and(|v| v.as_bytes() == self.token.as_bytes());
        if !authorised {
            return Outcome::Answer(error(StatusCode::UNAUTHORIZED, "verify.token", "Invalid access_token"));
        }
        let (fault, when) = match &self.faults {
            None => (Fault::None, When::Before),
            Some(f) => {
                let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
                if is_write(method) {
                    f.decide_write()
                } else {
                    (f.decide(), When::Before)
                }
            }
        };
        if fault != Fault::None && when == When::Before {
            return faulted(fault);
        }
        let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return Outcome::Answer(error(
                    StatusCode::BAD_REQUEST,
                    "bad.request",
                    "the body could not be read or is too large",
                ));
            }
        };
        let query = schema::parse_query(raw_query);
        let allowed = match self.schema.check(method, path, &query, &body) {
            Ok(a) => a,
            Err(message) => return Outcome::Answer(error(StatusCode::BAD_REQUEST, "bad.request", message)),
        };
        // A faulted DELETE does not count for `--hold-delete`.
        let held = fault == Fault::None
            && allowed.operation_id == "removeMember"
            && self.hold_delete.contains(&(self.deletes.fetch_add(1, Ordering::SeqCst) + 1));
        let answer = self.operate(&allowed).await;
        if fault != Fault::None {
            // After: carried out, and the answer is lost.
            return faulted(fault);
        }
        if held {
            return Outcome::Held(answer.status().as_u16());
        }
        Outcome::Answer(answer)
    }

    async fn operate(&'static self, req: &Allowed) -> Answer {
        let chat = req.path_i64("chatId");
        match req.operation_id.as_str() {
            "getMyInfo" => json_response(StatusCode::OK, &self.lock().bot_info()),
            "getChat" => match self.lock().chat(chat) {
                Some(c) => json_response(StatusCode::OK, c),
                None => not_found(chat),
            },
            "getChatByLink" => {
                let link = req.path_params.get("chatLink").and_then(Value::as_str).unwrap_or_default();
                match self.lock().chat_by_link(link) {
                    Some(c) => json_response(StatusCode::OK, c),
                    None => error(StatusCode::NOT_FOUND, "not.found", format!("Channel {link} not found")),
                }
            }
            "getMembership" => {
                let state = self.lock();
                match state.access(chat) {
                    Access::NotFound => not_found(chat),
                    Access::Gone => denied("The bot is not a member of this chat"),
                    _ => json_response(StatusCode::OK, &state.membership(chat)),
                }
            }
            "getMembers" => {
                let state = self.lock();
                if let Some(r) = refusal(&state.access(chat), chat, "read_all_messages") {
                    return r;
                }
                if let Some(ids) = req.query.get("user_ids").and_then(Value::as_array) {
                    let ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
                    return json_response(
                        StatusCode::OK,
                        &json!({ "members": state.members_by_ids(chat, &ids), "marker": null }),
                    );
                }
                let count = req.query_i64("count").unwrap_or(20).clamp(1, 100) as usize;
                let offset = req.query_i64("marker").unwrap_or(0).max(0) as usize;
                let (members, next) = state.members_page(chat, offset, count);
                json_response(StatusCode::OK, &json!({ "members": members, "marker": next }))
            }
            "getAdmins" => {
                let state = self.lock();
                match refusal(&state.access(chat), chat, "read_all_messages") {
                    Some(r) => r,
                    None => json_response(StatusCode::OK, &json!({ "members": state.admins(chat), "marker": null })),
                }
            }
            "addMembers" => {
                let mut state = self.lock();
                if let Some(r) = refusal(&state.access(chat), chat, "add_remove_members") {
                    return r;
                }
                let users: Vec<i64> = req
                    .body
                    .as_ref()
                    .and_then(|b| b["user_ids"].as_array())
                    .map(|a| a.iter().filter_map(Value::as_i64).collect())
                    .unwrap_or_default();
                match state.add_members(chat, &users) {
                    Ok(()) => success(),
                    Err(m) => failure(m),
                }
            }
            "removeMember" => {
                let mut state = self.lock();
                if let Some(r) = refusal(&state.access(chat), chat, "add_remove_members") {
                    return r;
                }
                match state.remove_member(chat, req.query_i64("user_id").unwrap_or_default()) {
                    Ok(()) => success(),
                    Err(m) => failure(m),
                }
            }
            "postAdmins" => {
                let mut state = self.lock();
                if let Some(r) = refusal(&state.access(chat), chat, "add_admins") {
                    return r;
                }
                let admins = req.body.as_ref().and_then(|b| b["admins"].as_array()).cloned().unwrap_or_default();
                match state.set_admins(chat, &admins) {
                    Ok(()) => success(),
                    Err(m) => failure(m),
                }
            }
            "deleteAdmin" => {
                let mut state = self.lock();
                if let Some(r) = refusal(&state.access(chat), chat, "add_admins") {
                    return r;
                }
                match state.unset_admin(chat, req.path_i64("userId")) {
                    Ok(()) => success(),
                    Err(m) => failure(m),
                }
            }
            "editChat" => {
                let mut state = self.lock();
                if let Some(r) = refusal(&state.access(chat), chat, "change_chat_info") {
                    return r;
                }
                let patch = req.body.clone().unwrap_or(Value::Null);
                match state.patch_chat(chat, &patch) {
                    Some(c) => {
                        drop(state);
                        self.updates.notify_waiters();
                        let mut r = json_response(StatusCode::OK, &c);
                        r.extensions_mut().insert(Logged(json!({
                            "chat_id": chat,
                            "title": patch.get("title").cloned().unwrap_or(Value::Null),
                            "notify": patch.get("notify").cloned().unwrap_or(Value::Null),
                        })));
                        r
                    }
                    None => not_found(chat),
                }
            }
            "sendMessage" => {
                let to_chat = req.query_i64("chat_id");
                let to_user = req.query_i64("user_id");
                if to_chat.is_none() == to_user.is_none() {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad.request",
                        "exactly one of chat_id and user_id is required",
                    );
                }
                let mut state = self.lock();
                if let Some(c) = to_chat {
                    match state.access(c) {
                        Access::NotFound => return not_found(c),
                        Access::Gone => return denied("The bot is not a member of this chat"),
                        _ => {}
                    }
                }
                let body = req.body.clone().unwrap_or(Value::Null);
                json_response(StatusCode::OK, &state.send_message(to_chat, to_user, &body))
            }
            "getMessages" => {
                if req.query.contains_key("message_ids") {
                    return error(
                        StatusCode::NOT_IMPLEMENTED,
                        "not.implemented",
                        "getMessages by message_ids is not served by the test server",
                    );
                }
                let Some(c) = req.query_i64("chat_id") else {
                    return error(StatusCode::BAD_REQUEST, "bad.request", "chat_id or message_ids is required");
                };
                let count = req.query_i64("count").unwrap_or(50).clamp(1, 100) as usize;
                let state = self.lock();
                match state.access(c) {
                    Access::NotFound => not_found(c),
                    Access::Gone => denied("The bot is not a member of this chat"),
                    _ => json_response(StatusCode::OK, &json!({ "messages": state.messages(c, count) })),
                }
            }
            "getUpdates" => self.long_poll(req).await,
            other => error(
                StatusCode::NOT_IMPLEMENTED,
                "not.implemented",
                format!("{other} is not served by the test server"),
            ),
        }
    }

    async fn long_poll(&'static self, req: &Allowed) -> Answer {
        if !self.announce.is_empty() && !self.announced.swap(true, Ordering::SeqCst) {
            self.schedule_announcements();
        }
        let timeout = Duration::from_secs(req.query_i64("timeout").unwrap_or(30).max(0) as u64);
        let limit = req.query_i64("limit").unwrap_or(100).max(1) as usize;
        let types: Vec<String> = req
            .query
            .get("types")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        // Without a marker: the latest update if there is one, otherwise what comes next.
        let from = match req.query_i64("marker") {
            Some(m) => m,
            None => {
                let state = self.lock();
                let (latest, _) = state.updates_since(None, &[], 1);
                if latest.is_empty() {
                    state.next_update()
                } else {
                    state.next_update() - 1
                }
            }
        };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.updates.notified();
            let (updates, marker) = self.lock().updates_since(Some(from), &types, limit);
            if !updates.is_empty() || tokio::time::Instant::now() >= deadline {
                return json_response(StatusCode::OK, &json!({ "updates": updates, "marker": marker }));
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    fn schedule_announcements(&'static self) {
        let server = self;
        tokio::spawn(async move {
            tokio::time::sleep(ANNOUNCE_AFTER).await;
            {
                let mut state = server.lock();
                for &id in &server.announce {
                    state.announce(id);
                }
            }
            server.updates.notify_waiters();
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One line per request; `patch`: what a `PATCH /chats/{id}` asked ([`Logged`]).
    #[allow(clippy::too_many_arguments)]
    fn log_line(&self, arrived: Instant, method: &str, path: &str, raw_query: &str, status: u16, held: bool, patch: Option<&Value>) {
        let Some(log) = &self.log else { return };
        // The token is never in the log: it only ever comes in the header, and a query
        // parameter that would carry it is cut out.
        let query: Vec<&str> = raw_query
            .split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| {
                let name = p.split('=').next().unwrap_or_default();
                !name.eq_ignore_ascii_case("access_token") && !name.eq_ignore_ascii_case("token")
            })
            .collect();
        let mut line = json!({
            "t": arrived.saturating_duration_since(self.start).as_secs_f64(),
            "method": method,
            "path": path,
            "query": query.join("&"),
            "status": status,
        });
        if held {
            line["held"] = json!(true);
        }
        if let Some(p) = patch {
            line["patch"] = p.clone();
        }
        // One write per line, so a reader never sees half a line from us.
        let text = format!("{line}\n");
        let mut file = log.lock().unwrap_or_else(|p| p.into_inner());
        let _ = file.write_all(text.as_bytes());
    }
}

fn faulted(fault: Fault) -> Outcome {
    match fault {
        Fault::Drop => Outcome::Dropped,
        _ => Outcome::Answer(error(StatusCode::INTERNAL_SERVER_ERROR, "internal.error", "Internal server error")),
    }
}

/// Why the bot may not do this here, if it may not: it must be an admin with `permission`.
fn refusal(access: &Access, chat: i64, permission: &str) -> Option<Answer> {
    match access {
        Access::NotFound => Some(not_found(chat)),
        Access::Gone => Some(denied("The bot is not a member of this chat")),
        Access::Member => Some(denied("The bot is not an admin of this chat")),
        a if !a.may(permission) => Some(denied(format!("The bot lacks the permission {permission} in this chat"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_seeded_and_near_their_probability() {
        let run = |seed| {
            let mut f = Faults::new(seed, 0.2);
            (0..2000).map(|_| f.decide()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let d = run(7);
        let errors = d.iter().filter(|f| **f == Fault::Error500).count();
        let drops = d.iter().filter(|f| **f == Fault::Drop).count();
        assert!((150..250).contains(&errors), "{errors}");
        assert!((150..250).contains(&drops), "{drops}");
        let mut none = Faults::new(1, 0.0);
        assert!((0..100).all(|_| none.decide() == Fault::None));
    }

    #[test]
    fn write_faults_are_before_or_after_about_half_each() {
        let mut f = Faults::new(7, 1.0);
        let d: Vec<_> = (0..2000).map(|_| f.decide_write()).collect();
        let after = d.iter().filter(|(_, w)| *w == When::After).count();
        assert!((850..1150).contains(&after), "{after}");
        assert!(d.iter().all(|(f, _)| *f != Fault::None));
        // A clean write draws what a read draws: the faults that follow are the same.
        let mut reads = Faults::new(9, 0.0);
        let mut writes = Faults::new(9, 0.0);
        for _ in 0..50 {
            assert_eq!(reads.decide(), Fault::None);
            assert_eq!(writes.decide_write(), (Fault::None, When::Before));
        }
        assert_eq!(reads.next_f64(), writes.next_f64());
    }
}
