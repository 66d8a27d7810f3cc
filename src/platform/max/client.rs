//! The MAX Bot API client: one rate rule ([`super::rate::Pacer`]), at most `concurrency`
//! requests in flight, retries with exponential backoff and jitter on 429, 5xx, timeouts and
//! dropped connections (honouring `Retry-After`), a per-request timeout, typed errors.
//!
//! The token goes only into the `Authorization` header (marked sensitive), never into a URL;
//! redirects are not followed (one could carry the header elsewhere); whatever the server
//! says back is cut short and cleaned of the token before it reaches an error.

use super::rate::Pacer;
use super::types::{BotInfo, MembersPage, Membership, Message, MessageList, SendMessageResult, SimpleQueryResult, UpdateList};
use super::{ApiError, Token};
use crate::platform::{Chat, Member};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://platform-api2.max.ru` unless configured; plain `http://` only on loopback.
    pub base_url: String,
    /// Requests started per second.
    pub rate: f64,
    /// Requests in flight.
    pub concurrency: usize,
    /// Per request.
    pub timeout: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: "https://platform-api2.max.ru".into(),
            rate: 25.0,
            concurrency: 8,
            timeout: Duration::from_secs(30),
            attempts: 6,
        }
    }
}

/// What the client did, for the summary and the benchmark.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Of them, repeats of a failed attempt.
    pub retries: u64,
    /// 429 answers.
    pub throttled: u64,
}

/// Members per page: the most the schema allows.
pub const PAGE_SIZE: u32 = 100;
/// A chat with more pages than this is a server that never ends its list.
pub const MAX_PAGES: usize = 5_000;
/// Full jitter backoff: a random wait up to `min(CAP, BASE · 2^(attempt-1))`.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const BACKOFF_CAP: Duration = Duration::from_secs(8);
/// A `Retry-After` longer than this is taken as this (a hostile or broken server).
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);
/// The longest answer read; a page of 100 members is a few tens of kilobytes.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// The most of a server's own message shown to people.
const MESSAGE_CHARS: usize = 200;
/// The schema's bound on `GET /updates?timeout=`.
const MAX_LONG_POLL: u32 = 90;

pub struct Client {
    settings: Settings,
    token: Token,
    auth: HeaderValue,
    base: Url,
    http: reqwest::Client,
    pacer: Pacer,
    slots: Semaphore,
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
}

/// How one attempt ended.
enum Attempt {
    Answer(Vec<u8>),
    Failed(Failure),
    /// `not_done`: surely not carried out, so a request that changes something may be repeated.
    Retry {
        cause: String,
        retry_after: Option<Duration>,
        not_done: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    Delete,
    Patch,
}

/// A final answer that is not a success; `what` is added by the caller.
enum Failure {
    Unauthorized,
    Forbidden,
    NotFound,
    WebhookActive,
    Refused(String),
    BadResponse(String),
}

impl Client {
    /// Refuses a base URL that is not https (plain http only for loopback addresses).
    pub fn new(settings: Settings, token: Token) -> Result<Client, ApiError> {
        let base = check_base_url(&settings.base_url)?;
        let mut auth = HeaderValue::from_str(token.expose()).map_err(|_| ApiError::Refused {
            what: "токен бота".into(),
            message: "в токене недопустимые символы — скопируйте токен бота заново".into(),
        })?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout)
            .user_agent(concat!("rollout/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| ApiError::BadBaseUrl {
                url: settings.base_url.clone(),
                reason: "не удалось подготовить HTTP-клиент (TLS)".into(),
            })?;
        let settings = Settings {
            concurrency: settings.concurrency.max(1),
            attempts: settings.attempts.max(1),
            ..settings
        };
        Ok(Client {
            pacer: Pacer::new(settings.rate),
            slots: Semaphore::new(settings.concurrency),
            settings,
            token,
            auth,
            base,
            http,
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        })
    }

    /// `GET /me`.
    pub async fn me(&self) -> Result<BotInfo, ApiError> {
        self.get("GET /me", &["me"], &[], self.settings.timeout).await
    }

    /// `GET /chats/{chatId}`.
    pub async fn chat(&self, chat_id: i64) -> Result<Chat, ApiError> {
        let id = chat_id.to_string();
        self.get(&format!("чат {chat_id}"), &["chats", &id], &[], self.settings.timeout)
            .await
    }

    /// `GET /chats/{chatId}/members/me`.
    pub async fn membership(&self, chat_id: i64) -> Result<Membership, ApiError> {
        let id = chat_id.to_string();
        self.get(
            &format!("чат {chat_id}, права бота"),
            &["chats", &id, "members", "me"],
            &[],
            self.settings.timeout,
        )
        .await
    }

    /// `GET /chats/{chatId}/members?count=100[&marker=…]`.
    pub async fn members_page(&self, chat_id: i64, marker: Option<i64>) -> Result<MembersPage, ApiError> {
        let id = chat_id.to_string();
        let mut query = vec![("count", PAGE_SIZE.to_string())];
        if let Some(m) = marker {
            query.push(("marker", m.to_string()));
        }
        self.get(
            &format!("чат {chat_id}, участники"),
            &["chats", &id, "members"],
            &query,
            self.settings.timeout,
        )
        .await
    }

    /// Every member of a chat, following `marker`.
    pub async fn members(&self, chat_id: i64) -> Result<Vec<Member>, ApiError> {
        let mut all = Vec::new();
        let mut seen = HashSet::new();
        let mut marker = None;
        for _ in 0..MAX_PAGES {
            let page = self.members_page(chat_id, marker).await?;
            all.extend(page.members);
            match page.marker {
                None => return Ok(all),
                Some(m) if !seen.insert(m) => {
                    return Err(ApiError::BadResponse {
                        what: format!("чат {chat_id}, участники"),
                        message: format!("указатель следующей страницы (marker {m}) повторился — список участников не кончается"),
                    });
                }
                Some(m) => marker = Some(m),
            }
        }
        Err(ApiError::BadResponse {
            what: format!("чат {chat_id}, участники"),
            message: format!("больше {MAX_PAGES} страниц участников — список не кончается"),
        })
    }

    /// `GET /updates?types=…&timeout=…[&marker=…]` (long polling; `timeout` in seconds).
    pub async fn updates(&self, marker: Option<i64>, timeout: u32, types: &[&str]) -> Result<UpdateList, ApiError> {
        let timeout = timeout.min(MAX_LONG_POLL);
        let mut query = Vec::new();
        if !types.is_empty() {
            query.push(("types", types.join(",")));
        }
        query.push(("timeout", timeout.to_string()));
        if let Some(m) = marker {
            query.push(("marker", m.to_string()));
        }
        // The server holds a long poll up to `timeout` seconds: wait for it and then some.
        let limit = self.settings.timeout + Duration::from_secs(u64::from(timeout));
        self.get("GET /updates", &["updates"], &query, limit).await
    }

    /// `GET /chats/{chatId}/members?user_ids=ID`: the member as the chat has them now, or
    /// None when they are not in it.
    pub async fn member(&self, chat_id: i64, user_id: i64) -> Result<Option<Member>, ApiError> {
        let id = chat_id.to_string();
        let page: MembersPage = self
            .get(
                &format!("чат {chat_id}, участник {user_id}"),
                &["chats", &id, "members"],
                &[("user_ids", user_id.to_string())],
                self.settings.timeout,
            )
            .await?;
        Ok(page.members.into_iter().find(|m| m.user_id == user_id))
    }

    /// `DELETE /chats/{chatId}/members?user_id=ID` — never with `block=true`.
    pub async fn remove_member(&self, chat_id: i64, user_id: i64) -> Result<(), ApiError> {
        let id = chat_id.to_string();
        let _: SimpleQueryResult = self
            .call(
                Method::Delete,
                &format!("чат {chat_id}, удаление участника {user_id}"),
                &["chats", &id, "members"],
                &[("user_id", user_id.to_string())],
                None,
                self.settings.timeout,
            )
            .await?;
        Ok(())
    }

    /// `PATCH /chats/{chatId}` with `{"title": title, "notify": false}`: renames the chat
    /// without a notice to its members. `title` must be 1–200 characters
    /// ([`crate::config::MAX_CHAT_TITLE_CHARS`]). The chat as the API answers it.
    pub async fn rename_chat(&self, chat_id: i64, title: &str) -> Result<Chat, ApiError> {
        let id = chat_id.to_string();
        let body = serde_json::json!({ "title": title, "notify": false });
        self.call(
            Method::Patch,
            &format!("чат {chat_id}, переименование"),
            &["chats", &id],
            &[],
            Some(&body),
            self.settings.timeout,
        )
        .await
    }

    /// `POST /chats/{chatId}/members/admins` with one admin: these permissions and alias.
    pub async fn make_admin(&self, chat_id: i64, user_id: i64, permissions: &[String], alias: &str) -> Result<(), ApiError> {
        let id = chat_id.to_string();
        let body = serde_json::json!({
            "admins": [{ "user_id": user_id, "permissions": permissions, "alias": alias }]
        });
        let _: SimpleQueryResult = self
            .call(
                Method::Post,
                &format!("чат {chat_id}, назначение администратора {user_id}"),
                &["chats", &id, "members", "admins"],
                &[],
                Some(&body),
                self.settings.timeout,
            )
            .await?;
        Ok(())
    }

    /// `POST /messages?chat_id=…` with `{"text", "attachments": null, "link": null,
    /// "notify": true, "format": null}` (the nullable required fields sent explicitly).
    /// `text` must be at most [`super::types::MAX_MESSAGE_CHARS`] characters.
    pub async fn send_message(&self, chat_id: i64, text: &str) -> Result<Message, ApiError> {
        let body = serde_json::json!({
            "text": text, "attachments": null, "link": null, "notify": true, "format": null
        });
        let sent: SendMessageResult = self
            .call(
                Method::Post,
                &format!("чат {chat_id}, сообщение"),
                &["messages"],
                &[("chat_id", chat_id.to_string())],
                Some(&body),
                self.settings.timeout,
            )
            .await?;
        Ok(sent.message)
    }

    /// `GET /messages?chat_id=…&count=…`: the chat's latest messages, newest first.
    pub async fn messages(&self, chat_id: i64, count: u32) -> Result<Vec<Message>, ApiError> {
        let list: MessageList = self
            .get(
                &format!("чат {chat_id}, сообщения"),
                &["messages"],
                &[("chat_id", chat_id.to_string()), ("count", count.clamp(1, 100).to_string())],
                self.settings.timeout,
            )
            .await?;
        Ok(list.messages)
    }

    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
        }
    }

    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if query.is_empty() {
            url.set_query(None);
        } else {
            // Built by hand: `types` is a comma-separated list (`style: simple`), its commas
            // stay commas.
            let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode_query_value(v))).collect();
            url.set_query(Some(&q.join("&")));
        }
        url
    }

    /// One GET with the rate rule, the concurrency bound and the retries.
    async fn get<T: DeserializeOwned>(
        &self,
        what: &str,
        segments: &[&str],
        query: &[(&str, String)],
        timeout: Duration,
    ) -> Result<T, ApiError> {
        self.call(Method::Get, what, segments, query, None, timeout).await
    }

    /// One request with the rate rule, the concurrency bound and the retries. A GET is
    /// repeated on 429, 5xx, timeouts and dropped connections; a request that changes
    /// something only where it surely was not carried out (429, no connection made) —
    /// otherwise it ends as [`ApiError::Uncertain`] for the caller to settle by reading.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        what: &str,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&serde_json::Value>,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let url = self.url(segments, query);
        let body = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let attempts = self.settings.attempts;
        let mut cause = String::new();
        for attempt in 1..=attempts {
            if attempt > 1 {
                self.retries.fetch_add(1, Ordering::Relaxed);
            }
            let outcome = {
                // The slot first, then the pacer: a start booked while waiting for a slot
                // would be missed and bunch up with the next ones.
                let _slot = self.slots.acquire().await.map_err(|_| ApiError::Unreachable {
                    what: what.to_string(),
                    base: self.origin(),
                    attempts: attempt - 1,
                    cause: "клиент остановлен".into(),
                })?;
                self.pacer.wait().await;
                self.requests.fetch_add(1, Ordering::Relaxed);
                self.attempt(method, &url, body.as_deref(), timeout).await
            };
            match outcome {
                Attempt::Answer(body) => return parse(what, &body, &self.token),
                Attempt::Failed(f) => return Err(self.failure(what, f)),
                Attempt::Retry {
                    cause: c,
                    retry_after,
                    not_done,
                } => {
                    if method != Method::Get && !not_done {
                        return Err(ApiError::Uncertain {
                            what: what.to_string(),
                            cause: c,
                        });
                    }
                    cause = c;
                    if attempt == attempts {
                        break;
                    }
                    match retry_after {
                        // Everyone waits, not only this task: the limit is per bot.
                        Some(d) if !d.is_zero() => self.pacer.pause(d),
                        _ => tokio::time::sleep(backoff(attempt)).await,
                    }
                }
            }
        }
        Err(ApiError::Unreachable {
            what: what.to_string(),
            base: self.origin(),
            attempts,
            cause,
        })
    }

    /// The API's address for people: scheme://host:port, nothing of the path or a password.
    fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    async fn attempt(&self, method: Method, url: &Url, body: Option<&[u8]>, timeout: Duration) -> Attempt {
        let mut req = match method {
            Method::Get => self.http.get(url.clone()),
            Method::Post => self.http.post(url.clone()),
            Method::Delete => self.http.delete(url.clone()),
            Method::Patch => self.http.patch(url.clone()),
        };
        if let Some(b) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(b.to_vec());
        }
        let sent = req.header(AUTHORIZATION, self.auth.clone()).timeout(timeout).send().await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    cause: transport_cause(&e, timeout),
                    retry_after: None,
                    // No connection was made: the request never left.
                    not_done: e.is_connect(),
                };
            }
        };
        let status = resp.status();
        let retry_after = retry_after(resp.headers());
        let mut body = Vec::new();
        let read = loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY {
                        break Err(None);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(Some(e)),
            }
        };
        if status.is_success() {
            return match read {
                Ok(()) => Attempt::Answer(body),
                Err(Some(e)) => Attempt::Retry {
                    cause: transport_cause(&e, timeout),
                    retry_after: None,
                    not_done: false,
                },
                Err(None) => Attempt::Failed(Failure::BadResponse(format!("ответ длиннее {} МБ", MAX_BODY / 1024 / 1024))),
            };
        }
        let code = status.as_u16();
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            return Attempt::Retry {
                cause: "слишком много запросов (429)".into(),
                retry_after,
                // A 429 is answered before anything is done.
                not_done: true,
            };
        }
        if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
            return Attempt::Retry {
                cause: format!("ошибка на стороне сервера ({code})"),
                retry_after,
                not_done: false,
            };
        }
        Attempt::Failed(match status {
            StatusCode::UNAUTHORIZED => Failure::Unauthorized,
            StatusCode::FORBIDDEN => Failure::Forbidden,
            StatusCode::NOT_FOUND => Failure::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Failure::WebhookActive,
            s if s.is_redirection() => Failure::Refused(format!(
                "перенаправление ({code}) — rollout не идёт по перенаправлениям с токеном; проверьте [platform] base_url"
            )),
            _ => {
                let said = read.ok().and_then(|()| error_message(&body, &self.token));
                Failure::Refused(match said {
                    Some(m) => format!("{m} ({code})"),
                    None => format!("HTTP {code}"),
                })
            }
        })
    }

    fn failure(&self, what: &str, f: Failure) -> ApiError {
        let what = what.to_string();
        match f {
            Failure::Unauthorized => ApiError::Unauthorized,
            Failure::Forbidden => ApiError::Forbidden { what },
            Failure::NotFound => ApiError::NotFound { what },
            Failure::WebhookActive => ApiError::WebhookActive { what },
            Failure::Refused(message) => ApiError::Refused { what, message },
            Failure::BadResponse(message) => ApiError::BadResponse { what, message },
        }
    }
}

/// https anywhere; plain http only to this machine; no user, password, query or fragment.
fn check_base_url(text: &str) -> Result<Url, ApiError> {
    let text = text.trim();
    let bad = |shown: &str, reason: &str| ApiError::BadBaseUrl {
        url: shown.to_string(),
        reason: reason.to_string(),
    };
    let Ok(url) = Url::parse(text) else {
        return Err(bad(
            &clip(text),
            "это не адрес вида https://platform-api2.max.ru — проверьте [platform] base_url",
        ));
    };
    // Shown without a query or a password, whatever the user put there.
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    let shown = shown.to_string();
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(
            &shown,
            "в адресе не должно быть параметров (?…) и якоря (#…); токен задаётся в ROLLOUT_MAX_TOKEN или [platform] token_file",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(&shown, "в адресе не должно быть имени и пароля"));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(bad(&shown, "в адресе нет сервера"));
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(host) => Ok(url),
        "http" => Err(bad(
            &shown,
            "токен передаётся только по https; обычный http разрешён лишь для адресов этого компьютера (127.0.0.1, ::1, localhost)",
        )),
        _ => Err(bad(&shown, "нужен адрес https://")),
    }
}

/// 127.0.0.0/8, ::1 or localhost (as the URL parser normalised the host).
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Percent-encodes all but the unreserved characters and the comma.
fn encode_query_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b',') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A random wait up to `min(cap, base · 2^(attempt-1))` ("full jitter").
fn backoff(attempt: u32) -> Duration {
    let ceiling = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    ceiling.mul_f64(random_unit())
}

/// A number in [0, 1).
fn random_unit() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        b[..4].copy_from_slice(&nanos.to_le_bytes());
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` as seconds or an HTTP date, capped.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(secs) = text.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = chrono::DateTime::parse_from_rfc2822(text).ok()?;
        let ms = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds();
        Duration::from_millis(ms.max(0) as u64)
    };
    Some(wait.min(RETRY_AFTER_CAP))
}

fn transport_cause(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("нет ответа за {} с", timeout.as_secs_f64().ceil())
    } else if e.is_connect() {
        "не удалось соединиться с сервером".into()
    } else {
        "соединение оборвалось".into()
    }
}

/// The Error JSON's `message` (or its `code`), cleaned for people.
fn error_message(body: &[u8], token: &Token) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let m = v
        .get("message")
        .and_then(|m| m.as_str())
        .filter(|m| !m.trim().is_empty())
        .or_else(|| v.get("code").and_then(|c| c.as_str()))?;
    Some(clean(m, token))
}

/// A server's text as an error may carry it: no token, no control characters, short.
fn clean(text: &str, token: &Token) -> String {
    let t = token.expose();
    let text = if t.is_empty() {
        text.to_string()
    } else {
        text.replace(t, "<токен>")
    };
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    clip(flat.trim())
}

fn clip(text: &str) -> String {
    if text.chars().count() <= MESSAGE_CHARS {
        return text.to_string();
    }
    let mut s: String = text.chars().take(MESSAGE_CHARS).collect();
    s.push('…');
    s
}

/// A 200's body: `success: false` is a refusal; otherwise the type we asked for. Serde's
/// own texts are not passed on: they quote values (a name, an echoed token).
fn parse<T: DeserializeOwned>(what: &str, body: &[u8], token: &Token) -> Result<T, ApiError> {
    let bad = |message: String| ApiError::BadResponse {
        what: what.to_string(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("это не JSON (строка {}, позиция {})", e.line(), e.column())))?;
    if value.get("success") == Some(&serde_json::Value::Bool(false)) {
        let message = value
            .get("message")
            .and_then(|m| m.as_str())
            .filter(|m| !m.trim().is_empty())
            .map(|m| clean(m, token))
            .unwrap_or_else(|| "success: false без объяснения".into());
        return Err(ApiError::Refused {
            what: what.to_string(),
            message,
        });
    }
    serde_json::from_value(value).map_err(|e| {
        let text = e.to_string();
        // «missing field `chat_id`» names our field, not the server's data.
        match text.strip_prefix("missing field ") {
            Some(field) => bad(format!("нет обязательного поля {}", clip(field))),
            None => bad("поле ответа не того типа, что в схеме API".into()),
        }
    })
}

#[cfg(test)]
mod tests;
