//! The client against a tiny hyper server on 127.0.0.1 that answers what each test scripts.

use super::*;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::net::TcpListener;

const TOKEN: &str = "tok-7f3a9c-SECRET";

/// What the server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    /// Its number, from 0, in arrival order.
    n: usize,
    /// Seconds since the server started.
    t: f64,
    method: String,
    path: String,
    query: String,
    auth: Option<String>,
    body: String,
}

enum Reply {
    Json(u16, String),
    /// With extra headers.
    JsonWith(u16, String, Vec<(&'static str, String)>),
    /// Close the connection without an answer.
    Drop,
    /// Answer after a while.
    Later(Duration, Box<Reply>),
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

struct State {
    start: Instant,
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    handler: Box<Handler>,
}

struct Server {
    url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
    fn client(&self, settings: Settings) -> Client {
        Client::new(
            Settings {
                base_url: self.url.clone(),
                ..settings
            },
            Token::new(TOKEN).unwrap(),
        )
        .unwrap()
    }
}

/// Fast settings: a high rate, short backoff bounds come from the constants.
fn fast() -> Settings {
    Settings {
        base_url: String::new(),
        rate: 1000.0,
        concurrency: 8,
        timeout: Duration::from_secs(5),
        attempts: 4,
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let now = state.start.elapsed().as_secs_f64();
    let busy = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(busy, Ordering::SeqCst);
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let auth = req.headers().get("authorization").map(|v| v.to_str().unwrap_or("?").to_string());
    let body = http_body_util::BodyExt::collect(req.into_body())
        .await
        .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
        .unwrap_or_default();
    let seen = {
        let mut log = state.seen.lock().unwrap();
        let s = Seen {
            n: log.len(),
            t: now,
            method,
            path,
            query,
            auth,
            body,
        };
        log.push(s.clone());
        s
    };
    let mut reply = (state.handler)(&seen);
    let out = loop {
        match reply {
            Reply::Later(d, next) => {
                tokio::time::sleep(d).await;
                reply = *next;
            }
            Reply::Drop => break Err(std::io::Error::other("dropped")),
            Reply::Json(code, body) => break Ok(response(code, body, vec![])),
            Reply::JsonWith(code, body, headers) => break Ok(response(code, body, headers)),
        }
    };
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    out
}

fn response(code: u16, body: String, headers: Vec<(&'static str, String)>) -> Response<Full<Bytes>> {
    let mut b = Response::builder().status(code).header("content-type", "application/json");
    for (k, v) in headers {
        b = b.header(k, v);
    }
    b.body(Full::new(Bytes::from(body))).unwrap()
}

async fn serve(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(State {
        start: Instant::now(),
        seen: Mutex::new(Vec::new()),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
        handler: Box::new(handler),
    });
    let st = state.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let st = st.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| handle(st.clone(), req));
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    Server { url, state, task }
}

fn chat_json(id: i64) -> String {
    format!(
        r#"{{"chat_id":{id},"type":"chat","status":"active","title":"5А","icon":null,"last_event_time":1,"participants_count":3,"is_public":false,"description":null,"link":null,"owner_id":null,"participants":null,"dialog_with_user":null,"pinned_message":null}}"#
    )
}

fn member_json(id: i64) -> String {
    format!(
        r#"{{"user_id":{id},"first_name":"Имя{id}","last_name":null,"username":null,"is_bot":false,"last_activity_time":1,"name":null,"description":null,"avatar_url":"x","last_access_time":5,"permissions":null,"is_owner":false,"is_admin":{},"join_time":7}}"#,
        id == 1
    )
}

fn error_json(code: &str, message: &str) -> String {
    serde_json::json!({"code": code, "message": message}).to_string()
}

fn query_param<'a>(q: &'a str, key: &str) -> Option<&'a str> {
    q.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_follow_the_marker_with_the_token_only_in_the_header() {
    // 250 members in pages of 100: offsets 0, 100, 200.
    let server = serve(|s| {
        assert_eq!(s.path, "/chats/-70000095028/members");
        let offset: i64 = query_param(&s.query, "marker").map_or(0, |m| m.parse().unwrap());
        let count: i64 = query_param(&s.query, "count").unwrap().parse().unwrap();
        let end = (offset + count).min(250);
        let members: Vec<String> = (offset..end).map(|i| member_json(i + 1)).collect();
        let marker = if end < 250 { end.to_string() } else { "null".into() };
        Reply::Json(200, format!(r#"{{"members":[{}],"marker":{marker}}}"#, members.join(",")))
    })
    .await;
    let client = server.client(fast());
    let members = client.members(-70000095028).await.unwrap();
    assert_eq!(members.len(), 250);
    assert_eq!(members[0].user_id, 1);
    assert!(members[0].is_admin);
    assert_eq!(members[0].last_name, None);
    assert_eq!(members[0].join_time, Some(7));
    assert_eq!(members[249].user_id, 250);
    let seen = server.seen();
    let queries: Vec<&str> = seen.iter().map(|s| s.query.as_str()).collect();
    assert_eq!(queries, ["count=100", "count=100&marker=100", "count=100&marker=200"]);
    for s in &seen {
        assert_eq!(s.auth.as_deref(), Some(TOKEN));
        assert!(!s.query.contains(TOKEN) && !s.path.contains(TOKEN) && !s.query.contains("access_token"));
    }
    assert_eq!(
        client.stats(),
        Stats {
            requests: 3,
            retries: 0,
            throttled: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_and_membership_parse_and_ignore_the_rest() {
    let server = serve(|s| match s.path.as_str() {
        "/chats/-5" => Reply::Json(200, chat_json(-5)),
        "/chats/-5/members/me" => Reply::Json(
            200,
            r#"{"user_id":1,"first_name":"bot","last_name":null,"username":"b","is_bot":true,"last_activity_time":1,"name":null,"last_access_time":1,"is_owner":false,"is_admin":true,"join_time":1,"permissions":["read_all_messages","add_admins"]}"#.into(),
        ),
        "/me" => Reply::Json(
            200,
            r#"{"user_id":1,"first_name":"rollout-bot","username":"rollout_bot","is_bot":true,"last_activity_time":1,"name":null,"commands":null}"#.into(),
        ),
        other => panic!("{other}"),
    })
    .await;
    let client = server.client(fast());
    let chat = client.chat(-5).await.unwrap();
    assert_eq!(
        (chat.chat_id, chat.title.as_deref(), chat.status.as_deref()),
        (-5, Some("5А"), Some("active"))
    );
    assert_eq!(chat.link, None);
    let m = client.membership(-5).await.unwrap();
    assert!(m.is_admin);
    assert_eq!(m.permissions.unwrap(), ["read_all_messages", "add_admins"]);
    assert_eq!(client.me().await.unwrap().user_id, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_send_types_as_a_comma_list() {
    let server = serve(|s| {
        assert_eq!(s.path, "/updates");
        Reply::Json(
            200,
            r#"{"updates":[{"update_type":"bot_added","timestamp":5,"chat_id":-9,"user":{"user_id":2},"is_channel":false}],"marker":8}"#
                .into(),
        )
    })
    .await;
    let client = server.client(fast());
    let list = client.updates(Some(7), 2, &["bot_added", "bot_removed"]).await.unwrap();
    assert_eq!(list.marker, Some(8));
    assert_eq!(list.updates[0].chat_id, Some(-9));
    assert_eq!(server.seen()[0].query, "types=bot_added,bot_removed&timeout=2&marker=7");
    client.updates(None, 500, &[]).await.unwrap();
    assert_eq!(server.seen()[1].query, "timeout=90");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let server = serve(|s| {
        if s.n == 0 {
            Reply::JsonWith(429, error_json("too.many.requests", "slow down"), vec![("retry-after", "1".into())])
        } else {
            Reply::Json(200, chat_json(-1))
        }
    })
    .await;
    let client = server.client(fast());
    client.chat(-1).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].t - seen[0].t >= 0.9, "{seen:?}");
    assert_eq!(
        client.stats(),
        Stats {
            requests: 2,
            retries: 1,
            throttled: 1
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_as_an_http_date_is_read() {
    let mut h = HeaderMap::new();
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    h.insert(RETRY_AFTER, at.format("%a, %d %b %Y %H:%M:%S GMT").to_string().parse().unwrap());
    let d = retry_after(&h).unwrap();
    assert!(d > Duration::from_secs(1) && d <= Duration::from_secs(3), "{d:?}");
    h.insert(RETRY_AFTER, "2".parse().unwrap());
    assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
    h.insert(RETRY_AFTER, "99999".parse().unwrap());
    assert_eq!(retry_after(&h), Some(RETRY_AFTER_CAP));
    h.insert(RETRY_AFTER, "soon".parse().unwrap());
    assert_eq!(retry_after(&h), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_then_success() {
    let server = serve(|s| {
        if s.n == 0 {
            Reply::Json(500, error_json("internal", "oops"))
        } else {
            Reply::Json(200, chat_json(-1))
        }
    })
    .await;
    let client = server.client(fast());
    assert_eq!(client.chat(-1).await.unwrap().chat_id, -1);
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_then_success() {
    let server = serve(|s| if s.n == 0 { Reply::Drop } else { Reply::Json(200, chat_json(-1)) }).await;
    let client = server.client(fast());
    assert_eq!(client.chat(-1).await.unwrap().chat_id, -1);
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_exhausted_is_unreachable() {
    let server = serve(|s| {
        if s.n % 2 == 0 {
            Reply::Json(503, error_json("unavailable", "later"))
        } else {
            Reply::Drop
        }
    })
    .await;
    let client = server.client(Settings { attempts: 3, ..fast() });
    let e = client.chat(-1).await.unwrap_err();
    assert!(matches!(e, ApiError::Unreachable { attempts: 3, .. }), "{e:?}");
    assert_eq!(
        format!("{e:#}"),
        format!(
            "чат -1: MAX Bot API по адресу {} недоступен после 3 попыток: ошибка на стороне сервера (503)",
            server.url
        )
    );
    assert_eq!(server.seen().len(), 3);
    assert!(!e.is_per_chat());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_retried_then_unreachable() {
    let server = serve(|_| Reply::Later(Duration::from_secs(3), Box::new(Reply::Json(200, chat_json(-1))))).await;
    let client = server.client(Settings {
        attempts: 2,
        timeout: Duration::from_millis(300),
        ..fast()
    });
    let e = client.chat(-1).await.unwrap_err();
    assert_eq!(
        format!("{e}"),
        format!(
            "чат -1: MAX Bot API по адресу {} недоступен после 2 попыток: нет ответа за 1 с",
            server.url
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_listening_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(
        Settings {
            // Only scheme://host:port is shown, never the path.
            base_url: format!("{origin}/secret/path"),
            attempts: 2,
            ..fast()
        },
        Token::new(TOKEN).unwrap(),
    )
    .unwrap();
    let e = client.me().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("GET /me: MAX Bot API по адресу {origin} недоступен после 2 попыток: не удалось соединиться с сервером")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_is_unauthorized_without_retries() {
    let server = serve(|_| Reply::Json(401, error_json("verify.token", "Invalid access_token"))).await;
    let client = server.client(fast());
    assert!(matches!(client.me().await, Err(ApiError::Unauthorized)));
    assert_eq!(server.seen().len(), 1);
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_not_found_webhook_and_refusals_are_typed() {
    let server = serve(|s| match s.path.as_str() {
        "/chats/-3/members" => Reply::Json(403, error_json("access.denied", "no")),
        "/chats/-4" => Reply::Json(404, error_json("not.found", "Chat -4 not found")),
        "/updates" => Reply::Json(405, error_json("method.not.allowed", "webhook")),
        "/chats/-6" => Reply::Json(200, r#"{"success":false,"message":"chat is frozen"}"#.into()),
        "/chats/-7" => Reply::Json(400, error_json("bad.request", "count must be <= 100")),
        "/chats/-8" => Reply::JsonWith(302, String::new(), vec![("location", "https://example.com/".into())]),
        "/chats/-9" => Reply::Json(200, r#"{"title":"нет id"}"#.into()),
        "/chats/-10" => Reply::Json(200, "<html>".into()),
        other => panic!("{other}"),
    })
    .await;
    let client = server.client(fast());
    let e = client.members(-3).await.unwrap_err();
    assert!(matches!(e, ApiError::Forbidden { .. }) && e.is_per_chat());
    assert_eq!(
        e.to_string(),
        "чат -3, участники: нет доступа (403) — бот не участник или не администратор этого чата"
    );
    let e = client.chat(-4).await.unwrap_err();
    assert_eq!(e.to_string(), "чат -4: не найден (404)");
    let e = client.updates(None, 0, &["bot_added"]).await.unwrap_err();
    assert!(matches!(e, ApiError::WebhookActive { .. }));
    let e = client.chat(-6).await.unwrap_err();
    assert_eq!(e.to_string(), "чат -6: API отказал: chat is frozen");
    let e = client.chat(-7).await.unwrap_err();
    assert_eq!(e.to_string(), "чат -7: API отказал: count must be <= 100 (400)");
    let e = client.chat(-8).await.unwrap_err();
    assert!(matches!(e, ApiError::Refused { .. }), "{e:?}");
    let e = client.chat(-9).await.unwrap_err();
    assert_eq!(e.to_string(), "чат -9: непонятный ответ API: нет обязательного поля `chat_id`");
    let e = client.chat(-10).await.unwrap_err();
    assert_eq!(e.to_string(), "чат -10: непонятный ответ API: это не JSON (строка 1, позиция 1)");
    // None of these was retried.
    assert_eq!(client.stats().retries, 0);
    assert_eq!(server.seen().len(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_echoed_by_a_hostile_server_never_reaches_an_error() {
    let server = serve(|s| {
        let echo = format!("bad token {TOKEN} {}", "x".repeat(1000));
        match s.path.as_str() {
            "/chats/-1" => Reply::Json(400, error_json("bad", &echo)),
            "/chats/-2" => Reply::Json(200, serde_json::json!({"success": false, "message": echo}).to_string()),
            "/chats/-3" => Reply::Json(200, serde_json::json!({"chat_id": TOKEN}).to_string()),
            "/chats/-4" => Reply::Json(200, format!("{{\"chat_id\": {TOKEN}}}")),
            other => panic!("{other}"),
        }
    })
    .await;
    let client = server.client(fast());
    for id in [-1, -2, -3, -4] {
        let e = client.chat(id).await.unwrap_err();
        let text = format!("{e:#} {e:?}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.chars().count() < 700, "{text}");
    }
    let e = client.chat(-1).await.unwrap_err();
    assert!(e.to_string().starts_with("чат -1: API отказал: bad token <токен> xxx"), "{e}");
}

#[test]
fn http_is_refused_unless_the_host_is_this_machine() {
    let token = || Token::new(TOKEN).unwrap();
    let with = |url: &str| {
        Client::new(
            Settings {
                base_url: url.into(),
                ..Settings::default()
            },
            token(),
        )
    };
    for ok in [
        "https://platform-api2.max.ru",
        "http://127.0.0.1:8080",
        "http://127.5.6.7",
        "http://[::1]:9000/",
        "http://localhost:1",
    ] {
        assert!(with(ok).is_ok(), "{ok}");
    }
    let e = with("http://platform-api2.max.ru").err().unwrap();
    assert_eq!(
        e.to_string(),
        "адрес API http://platform-api2.max.ru/ не подходит: токен передаётся только по https; обычный http разрешён лишь для адресов этого компьютера (127.0.0.1, ::1, localhost)"
    );
    for bad in [
        "http://10.0.0.1",
        "http://localhost.evil.com",
        "ftp://127.0.0.1",
        "platform-api2.max.ru",
        "https://user:pw@max.ru",
        "https://max.ru/?access_token=abc",
    ] {
        let e = with(bad).err().unwrap_or_else(|| panic!("{bad}"));
        assert!(matches!(e, ApiError::BadBaseUrl { .. }), "{bad}");
        let text = e.to_string();
        assert!(!text.contains("abc") && !text.contains("pw"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_than_concurrency_requests_in_flight() {
    let server = serve(|_| Reply::Later(Duration::from_millis(100), Box::new(Reply::Json(200, chat_json(-1))))).await;
    let client = Arc::new(server.client(Settings { concurrency: 3, ..fast() }));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..15 {
        let c = client.clone();
        tasks.spawn(async move { c.chat(-1).await.map(|_| ()) });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    let max = server.state.max_in_flight.load(Ordering::SeqCst);
    assert!((2..=3).contains(&max), "max in flight {max}");
    assert_eq!(server.seen().len(), 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pacer_keeps_starts_within_the_rate() {
    let server = serve(|_| Reply::Json(200, chat_json(-1))).await;
    let client = Arc::new(server.client(Settings {
        rate: 40.0,
        concurrency: 8,
        ..fast()
    }));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..80 {
        let c = client.clone();
        tasks.spawn(async move { c.chat(-1).await.map(|_| ()) });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    let times: Vec<f64> = server.seen().iter().map(|s| s.t).collect();
    assert_eq!(times.len(), 80);
    let busiest = super::super::rate::busiest_window(&times);
    assert!(busiest <= 40, "{busiest} starts in one second");
    let span = times.iter().copied().fold(f64::MIN, f64::max) - times.iter().copied().fold(f64::MAX, f64::min);
    assert!(span >= 1.8, "80 starts at 40/s took {span} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeating_marker_is_a_bad_response() {
    let server = serve(|_| Reply::Json(200, format!(r#"{{"members":[{}],"marker":5}}"#, member_json(2)))).await;
    let client = server.client(fast());
    let e = client.members(-1).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "чат -1, участники: непонятный ответ API: указатель следующей страницы (marker 5) повторился — список участников не кончается"
    );
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn backoff_grows_and_is_capped() {
    for attempt in 1..20 {
        let ceiling = BACKOFF_BASE.saturating_mul(1 << (attempt - 1).min(16)).min(BACKOFF_CAP);
        for _ in 0..20 {
            assert!(backoff(attempt) <= ceiling);
        }
    }
    assert!(backoff(30) <= BACKOFF_CAP);
}

// The write calls: a write is repeated only when it surely was not carried out.

const OK: &str = r#"{"success":true,"message":null}"#;

fn message_json(mid: &str, text: &str) -> String {
    serde_json::json!({
        "sender": {"user_id": 1, "first_name": "rollout-bot", "is_bot": true, "last_activity_time": 1},
        "recipient": {"chat_id": -5, "chat_type": "chat", "user_id": null},
        "timestamp": 1_796_000_000_000_i64,
        "body": {"mid": mid, "seq": 1, "text": text, "attachments": null, "markup": null},
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_member_sends_one_delete_without_block() {
    let server = serve(|_| Reply::Json(200, OK.into())).await;
    let client = server.client(fast());
    client.remove_member(-5, 42).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str(), seen[0].query.as_str()),
        ("DELETE", "/chats/-5/members", "user_id=42")
    );
    assert_eq!(seen[0].auth.as_deref(), Some(TOKEN));
    assert_eq!(seen[0].body, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_refused_with_success_false_is_refused_with_the_message() {
    let server = serve(|_| Reply::Json(200, r#"{"success":false,"message":"the user is not a member of the chat"}"#.into())).await;
    let client = server.client(fast());
    let e = client.remove_member(-5, 42).await.unwrap_err();
    match &e {
        ApiError::Refused { message, .. } => assert_eq!(message, "the user is not a member of the chat"),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.code(), "refused");
    assert_eq!(
        e.to_string(),
        "чат -5, удаление участника 42: API отказал: the user is not a member of the chat"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_on_a_delete_is_uncertain_after_exactly_one_request() {
    let server = serve(|_| Reply::Json(500, error_json("internal.error", "Internal server error"))).await;
    let client = server.client(fast());
    let e = client.remove_member(-5, 42).await.unwrap_err();
    assert!(matches!(e, ApiError::Uncertain { .. }), "{e:?}");
    assert_eq!(e.code(), "uncertain");
    assert_eq!(
        e.to_string(),
        "чат -5, удаление участника 42: неизвестно, выполнен ли запрос: ошибка на стороне сервера (500)"
    );
    assert_eq!(server.seen().len(), 1);
    assert_eq!(
        client.stats(),
        Stats {
            requests: 1,
            retries: 0,
            throttled: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_on_a_delete_is_uncertain_after_exactly_one_request() {
    let server = serve(|_| Reply::Drop).await;
    let client = server.client(fast());
    let e = client.remove_member(-5, 42).await.unwrap_err();
    assert!(matches!(e, ApiError::Uncertain { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "чат -5, удаление участника 42: неизвестно, выполнен ли запрос: соединение оборвалось"
    );
    // Wait a little: a repeat, if there were one, would have come by now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.seen().len(), 1);
    assert_eq!(client.stats().retries, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_unanswered_in_time_is_uncertain_after_exactly_one_request() {
    let server = serve(|_| Reply::Later(Duration::from_secs(3), Box::new(Reply::Json(200, OK.into())))).await;
    let client = server.client(Settings {
        timeout: Duration::from_millis(300),
        ..fast()
    });
    let e = client.remove_member(-5, 42).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "чат -5, удаление участника 42: неизвестно, выполнен ли запрос: нет ответа за 1 с"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_a_delete_is_repeated_then_ok() {
    let server = serve(|s| {
        if s.n < 2 {
            Reply::Json(429, error_json("too.many.requests", "Too many requests"))
        } else {
            Reply::Json(200, OK.into())
        }
    })
    .await;
    let client = server.client(fast());
    client.remove_member(-5, 42).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.method == "DELETE" && s.query == "user_id=42"), "{seen:?}");
    assert_eq!(
        client.stats(),
        Stats {
            requests: 3,
            retries: 2,
            throttled: 2
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_that_never_connected_is_repeated_then_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(
        Settings {
            base_url: origin.clone(),
            attempts: 2,
            ..fast()
        },
        Token::new(TOKEN).unwrap(),
    )
    .unwrap();
    let e = client.remove_member(-5, 42).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "чат -5, удаление участника 42: MAX Bot API по адресу {origin} недоступен после 2 попыток: не удалось соединиться с сервером"
        )
    );
    assert_eq!(client.stats().requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_admin_posts_exactly_one_admin_with_permissions_and_alias() {
    let server = serve(|_| Reply::Json(200, OK.into())).await;
    let client = server.client(fast());
    let perms = vec![
        "read_all_messages".to_string(),
        "write".to_string(),
        "add_remove_members".to_string(),
    ];
    client.make_admin(-5, 42, &perms, "Куратор").await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str(), seen[0].query.as_str()),
        ("POST", "/chats/-5/members/admins", "")
    );
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"admins": [{"user_id": 42, "permissions": ["read_all_messages", "write", "add_remove_members"], "alias": "Куратор"}]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_on_make_admin_is_uncertain_too() {
    let server = serve(|_| Reply::Json(502, error_json("bad.gateway", "later"))).await;
    let client = server.client(fast());
    let e = client.make_admin(-5, 42, &[], "Куратор").await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "чат -5, назначение администратора 42: неизвестно, выполнен ли запрос: ошибка на стороне сервера (502)"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_message_sends_the_nullable_fields_explicitly_and_reads_the_message() {
    let server = serve(|_| Reply::Json(200, format!(r#"{{"message":{}}}"#, message_json("mid.1", "Привет")))).await;
    let client = server.client(fast());
    let sent = client.send_message(-5, "Привет").await.unwrap();
    assert_eq!(
        (sent.mid(), sent.text(), sent.sender_id()),
        (Some("mid.1"), Some("Привет"), Some(1))
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str(), seen[0].query.as_str()),
        ("POST", "/messages", "chat_id=-5")
    );
    // Present and null, not left out.
    for field in [r#""attachments":null"#, r#""link":null"#, r#""notify":true"#, r#""format":null"#] {
        assert!(seen[0].body.contains(field), "{field} not in {}", seen[0].body);
    }
    let body: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"text": "Привет", "attachments": null, "link": null, "notify": true, "format": null})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_post_message_is_uncertain_after_one_request() {
    let server = serve(|_| Reply::Drop).await;
    let client = server.client(fast());
    let e = client.send_message(-5, "Привет").await.unwrap_err();
    assert!(matches!(e, ApiError::Uncertain { .. }), "{e:?}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_are_read_newest_first_as_the_server_gives_them() {
    let server = serve(|_| {
        Reply::Json(
            200,
            format!(
                r#"{{"messages":[{},{}]}}"#,
                message_json("mid.2", "Второе"),
                message_json("mid.1", "Первое")
            ),
        )
    })
    .await;
    let client = server.client(fast());
    let list = client.messages(-5, 500).await.unwrap();
    let mids: Vec<_> = list.iter().map(|m| m.mid().unwrap()).collect();
    assert_eq!(mids, ["mid.2", "mid.1"]);
    let seen = server.seen();
    assert_eq!((seen[0].method.as_str(), seen[0].query.as_str()), ("GET", "chat_id=-5&count=100"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_finds_the_user_or_none() {
    let server = serve(|s| {
        assert_eq!(s.path, "/chats/-5/members");
        match query_param(&s.query, "user_ids") {
            Some("42") => Reply::Json(200, format!(r#"{{"members":[{}],"marker":null}}"#, member_json(42))),
            // A server that answers with someone else is not the user either.
            Some("43") => Reply::Json(200, format!(r#"{{"members":[{}],"marker":null}}"#, member_json(44))),
            _ => Reply::Json(200, r#"{"members":[],"marker":null}"#.into()),
        }
    })
    .await;
    let client = server.client(fast());
    let m = client.member(-5, 42).await.unwrap().expect("member 42");
    assert_eq!((m.user_id, m.is_admin), (42, false));
    assert_eq!(client.member(-5, 43).await.unwrap(), None);
    assert_eq!(client.member(-5, 7).await.unwrap(), None);
    let queries: Vec<String> = server.seen().iter().map(|s| s.query.clone()).collect();
    assert_eq!(queries, ["user_ids=42", "user_ids=43", "user_ids=7"]);
}
