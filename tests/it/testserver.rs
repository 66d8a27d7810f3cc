//! `rollout-testserver` through its binary, against 127.0.0.1: the contract the client,
//! `platform pull` and the later write side rely on.

use crate::server::{LogEntry, Server, TOKEN, platform_dir, request};
use rollout::platform::max::rate::busiest_window;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn folder_members(dir: &std::path::Path, id: i64) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("members").join(format!("{id}.json"))).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["members"].as_array().unwrap().clone()
}

fn all_pages(server: &Server, id: i64, count: usize) -> (Vec<Value>, usize) {
    let mut members = Vec::new();
    let mut marker: Option<i64> = None;
    let mut pages = 0;
    loop {
        let q = match marker {
            Some(m) => format!("/chats/{id}/members?count={count}&marker={m}"),
            None => format!("/chats/{id}/members?count={count}"),
        };
        let reply = server.get(&q);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let page = reply.json();
        let got = page["members"].as_array().unwrap();
        assert!(got.len() <= count);
        members.extend(got.iter().cloned());
        pages += 1;
        assert!(pages < 1000, "paging does not end");
        match page["marker"].as_i64() {
            Some(m) => marker = Some(m),
            None => {
                assert!(page["marker"].is_null(), "{page}");
                break;
            }
        }
    }
    (members, pages)
}

#[test]
fn paging_with_marker_gives_exactly_the_folders_members() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 45), (-2, 0), (-3, 20)]);
    let server = Server::start(&dir, &[]);
    let (members, pages) = all_pages(&server, -1, 20);
    assert_eq!(members, folder_members(&dir, -1));
    assert_eq!(pages, 3);
    let (members, pages) = all_pages(&server, -3, 20);
    assert_eq!((members.len(), pages), (20, 1));
    let (members, _) = all_pages(&server, -2, 100);
    assert!(members.is_empty());
    // The default page is 20.
    let first = server.get("/chats/-1/members").json();
    assert_eq!(first["members"].as_array().unwrap().len(), 20);
    assert_eq!(first["marker"], json!(20));
    // Chats are served as stored, extra fields too.
    let chat = server.get("/chats/-1").json();
    assert_eq!(chat["extra_field"], json!({"kept": true}));
    assert_eq!(chat["title"], "Чат 1");
}

#[test]
fn paging_the_bundled_college_gives_its_folder() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/college/platform");
    let server = Server::start(&dir, &[]);
    let chats: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("chats.json")).unwrap()).unwrap();
    for chat in chats["chats"].as_array().unwrap().iter().take(6) {
        let id = chat["chat_id"].as_i64().unwrap();
        assert_eq!(&server.get(&format!("/chats/{id}")).json(), chat);
        if dir.join("members").join(format!("{id}.json")).is_file() {
            assert_eq!(all_pages(&server, id, 7).0, folder_members(&dir, id), "chat {id}");
        }
    }
}

#[test]
fn a_wrong_or_missing_token_is_401_and_the_token_is_never_logged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3)]);
    let server = Server::start(&dir, &[]);
    for token in [
        None,
        Some("wrong"),
        Some("TEST-TOKEN"),
        Some("test-token2"),
        Some("Bearer test-token"),
    ] {
        let reply = request(server.port, "GET", "/me", token, None).unwrap();
        assert_eq!(reply.status, 401, "{token:?}");
        let body = reply.json();
        assert_eq!(body["code"], "verify.token");
        assert!(body["message"].is_string());
    }
    let me = server.get("/me");
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["user_id"], 1);
    assert_eq!(me.json()["is_bot"], true);
    // A token in the URL is not how the API is called: refused, and cut from the log.
    let reply = server.get(&format!("/chats/-1?access_token={TOKEN}"));
    assert_eq!(reply.status, 400);
    assert_eq!(server.get("/chats/-1/members?count=2").status, 200);
    let log = std::fs::read_to_string(server.log_path()).unwrap();
    assert!(!log.contains(TOKEN), "{log}");
    let entries = server.log();
    assert_eq!(entries.len(), 8);
    assert_eq!(entries.iter().filter(|e| e.status == 401).count(), 5);
    assert!(
        entries
            .iter()
            .any(|e| e.path == "/chats/-1/members" && e.query == "count=2" && e.status == 200)
    );
}

#[test]
fn the_token_comes_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 1)]);
    let server = Server::start_env(&dir, &[], &[("ROLLOUT_TESTSERVER_TOKEN", "another-secret")]);
    assert_eq!(server.get("/me").status, 401);
    assert_eq!(
        request(server.port, "GET", "/me", Some("another-secret"), None).unwrap().status,
        200
    );
    assert!(!std::fs::read_to_string(server.log_path()).unwrap().contains("another-secret"));
}

#[test]
fn a_forbidden_chat_is_seen_but_its_members_are_403() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3), (-2, 3)]);
    let server = Server::start(&dir, &["--forbid", "-2"]);
    assert_eq!(server.get("/chats/-2").status, 200);
    let me = server.get("/chats/-2/members/me").json();
    assert_eq!((me["user_id"].clone(), me["is_admin"].clone()), (json!(1), json!(false)));
    let reply = server.get("/chats/-2/members?count=100");
    assert_eq!(reply.status, 403);
    assert!(reply.json()["code"].is_string() && reply.json()["message"].is_string());
    assert_eq!(server.call("DELETE", "/chats/-2/members?user_id=2001", None).status, 403);
    // The other chat is untouched.
    assert_eq!(server.get("/chats/-1/members/me").json()["is_admin"], true);
    assert_eq!(server.get("/chats/-1/members").status, 200);
}

#[test]
fn a_chat_without_a_member_file_is_served_as_one_the_bot_cannot_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3), (-2, 3)]);
    std::fs::remove_file(dir.join("members/-2.json")).unwrap();
    let server = Server::start(&dir, &[]);
    assert_eq!(server.get("/chats/-2").status, 200);
    assert_eq!(server.get("/chats/-2/members/me").json()["is_admin"], false);
    assert_eq!(server.get("/chats/-2/members?count=100").status, 403);
}

#[test]
fn an_unknown_chat_is_404() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3)]);
    let server = Server::start(&dir, &[]);
    for path in ["/chats/-999", "/chats/-999/members/me", "/chats/-999/members?count=10"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.json()["code"], "not.found");
    }
}

#[test]
fn permissions_are_reflected_in_members_me_and_enforced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3), (-2, 3)]);
    let server = Server::start(&dir, &["--permissions", "-1=read_all_messages+add_admins"]);
    let me = server.get("/chats/-1/members/me").json();
    assert_eq!(me["is_admin"], true);
    assert_eq!(me["permissions"], json!(["read_all_messages", "add_admins"]));
    let all = server.get("/chats/-2/members/me").json();
    let perms: Vec<&str> = all["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    for p in ["read_all_messages", "add_remove_members", "add_admins", "change_chat_info"] {
        assert!(perms.contains(&p), "{perms:?}");
    }
    assert_eq!(server.get("/chats/-1/members").status, 200);
    assert_eq!(server.call("DELETE", "/chats/-1/members?user_id=1001", None).status, 403);
    assert_eq!(server.call("PATCH", "/chats/-1", Some(r#"{"title":"x"}"#)).status, 403);
}

#[test]
fn above_the_rate_the_server_answers_429_with_retry_after() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3)]);
    let server = Server::start(&dir, &["--rate", "5"]);
    let mut refused = 0;
    for _ in 0..20 {
        let reply = server.get("/me");
        if reply.status == 429 {
            refused += 1;
            let secs: u64 = reply.header("retry-after").expect("Retry-After").parse().unwrap();
            assert!(secs >= 1);
            assert_eq!(reply.json()["code"], "too.many.requests");
        } else {
            assert_eq!(reply.status, 200);
        }
    }
    assert!(refused >= 10, "{refused}");
    // Over a little more than a second, more are admitted, never more than 5 a second.
    // and from four clients at once.
    let until = Instant::now() + Duration::from_millis(1300);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while Instant::now() < until {
                    server.get("/me");
                    std::thread::sleep(Duration::from_millis(10));
                }
            });
        }
    });
    let log = server.log();
    let admitted: Vec<f64> = log.iter().filter(|e| e.status != 429).map(|e| e.t).collect();
    assert!(admitted.len() > 5, "{}", admitted.len());
    assert_eq!(busiest_window(&admitted), 5);
}

fn fault_run(dir: &std::path::Path, seed: &str) -> Vec<u16> {
    let server = Server::start(dir, &["--faults", seed]);
    let statuses: Vec<u16> = (0..60)
        .map(
            |_| match request(server.port, "GET", "/chats/-1/members?count=5", Some(TOKEN), None) {
                Ok(r) => r.status,
                Err(_) => 0,
            },
        )
        .collect();
    let logged: Vec<u16> = server.log().iter().map(|e: &LogEntry| e.status).collect();
    let mut sorted_statuses = statuses.clone();
    let mut sorted_logged = logged;
    sorted_statuses.sort();
    sorted_logged.sort();
    assert_eq!(sorted_statuses, sorted_logged);
    statuses
}

#[test]
fn faults_are_500s_and_drops_the_same_for_a_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 12)]);
    let a = fault_run(&dir, "42,0.3");
    let b = fault_run(&dir, "42,0.3");
    assert_eq!(a, b);
    assert!(a.contains(&500), "{a:?}");
    assert!(a.contains(&0), "{a:?}");
    assert!(a.iter().filter(|s| **s == 200).count() >= 25, "{a:?}");
    assert_ne!(a, fault_run(&dir, "43,0.3"));
}

#[test]
fn requests_the_schema_does_not_allow_are_400() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3)]);
    let server = Server::start(&dir, &[]);
    let cases: [(&str, &str, Option<&str>); 9] = [
        ("GET", "/chats/-1/members?count=500", None),
        ("GET", "/chats/-1/members?count=abc", None),
        ("GET", "/chats/-1/members?cnt=5", None),
        // Gone since June 2026, as the schema's note says.
        ("GET", "/chats", None),
        ("GET", "/chats/-1/everyone", None),
        ("PUT", "/me", None),
        ("POST", "/chats/-1/members/admins", Some(r#"{"admins":[{"user_id":1001}]}"#)),
        ("PATCH", "/chats/-1", Some(r#"{"title":""}"#)),
        ("DELETE", "/chats/-1/members", None),
    ];
    for (method, path, body) in cases {
        let reply = server.call(method, path, body);
        assert_eq!(reply.status, 400, "{method} {path}: {}", reply.body);
        assert_eq!(reply.json()["code"], "bad.request", "{method} {path}");
        assert!(!reply.json()["message"].as_str().unwrap().is_empty());
    }
    let gone = server.get("/chats").json();
    assert!(gone["message"].as_str().unwrap().contains("no longer supported"), "{gone}");
}

#[test]
fn write_endpoints_change_the_state_and_the_dump() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 5), (-2, 2)]);
    let dump = tmp.path().join("dump");
    let server = Server::start(&dir, &["--dump", dump.to_str().unwrap()]);
    // Written at start, in the snapshot folder format.
    assert_eq!(folder_members(server.dump_dir(), -1), folder_members(&dir, -1));

    let reply = server.call("DELETE", "/chats/-1/members?user_id=1003", None);
    assert_eq!((reply.status, reply.json()), (200, json!({"success": true})));
    let ids = |members: &[Value]| members.iter().map(|m| m["user_id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(ids(&all_pages(&server, -1, 100).0), vec![1000, 1001, 1002, 1004]);
    assert_eq!(ids(&folder_members(server.dump_dir(), -1)), vec![1000, 1001, 1002, 1004]);
    // Removing someone who is not there is a failure on HTTP 200.
    let again = server.call("DELETE", "/chats/-1/members?user_id=1003", None).json();
    assert_eq!(again["success"], false);

    let body = r#"{"admins":[{"user_id":1002,"permissions":["read_all_messages","add_remove_members"],"alias":"куратор"}]}"#;
    assert_eq!(
        server.call("POST", "/chats/-1/members/admins", Some(body)).json(),
        json!({"success": true})
    );
    let m = server.get("/chats/-1/members?user_ids=1002").json()["members"][0].clone();
    assert_eq!(
        (m["is_admin"].clone(), m["permissions"].clone()),
        (json!(true), json!(["read_all_messages", "add_remove_members"]))
    );
    assert_eq!(folder_members(server.dump_dir(), -1)[2]["is_admin"], true);
    assert_eq!(
        server.call("DELETE", "/chats/-1/members/admins/1002", None).json(),
        json!({"success": true})
    );
    assert_eq!(
        server.get("/chats/-1/members?user_ids=1002").json()["members"][0]["is_admin"],
        false
    );

    let patched = server.call("PATCH", "/chats/-1", Some(r#"{"title":"Новое название","notify":false}"#));
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json()["title"], "Новое название");
    assert_eq!(server.get("/chats/-1").json()["title"], "Новое название");
    let chats: Value = serde_json::from_str(&std::fs::read_to_string(server.dump_dir().join("chats.json")).unwrap()).unwrap();
    assert_eq!(chats["chats"][0]["title"], "Новое название");

    let sent = server.call(
        "POST",
        "/messages?chat_id=-2",
        Some(r#"{"text":"Добро пожаловать","attachments":null,"link":null}"#),
    );
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.json()["message"]["body"]["text"], "Добро пожаловать");
    assert!(server.dump_dir().join("messages.json").is_file());
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(server.dump_dir().join("members"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".json"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn announced_chats_come_as_bot_added_updates_by_long_polling() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 2), (-2, 2), (-3, 2)]);
    let server = Server::start(&dir, &["--announce", "-1,-3"]);
    // Nothing yet: the first poll starts the clock and comes back empty with a marker.
    let first = server.get("/updates?timeout=0").json();
    assert_eq!(first["updates"], json!([]));
    let mut marker = first["marker"].as_i64().expect("marker");
    let mut seen = Vec::new();
    let started = Instant::now();
    while seen.len() < 2 && started.elapsed() < Duration::from_secs(8) {
        let reply = server.get(&format!(
            "/updates?marker={marker}&timeout=5&types=bot_added,bot_removed,chat_title_changed"
        ));
        assert_eq!(reply.status, 200);
        let page = reply.json();
        let next = page["marker"].as_i64().unwrap();
        assert!(next >= marker);
        marker = next;
        for u in page["updates"].as_array().unwrap() {
            assert_eq!(u["update_type"], "bot_added");
            assert_eq!(u["is_channel"], false);
            assert!(u["timestamp"].as_i64().unwrap() > 0);
            assert!(u["user"]["user_id"].is_i64());
            seen.push(u["chat_id"].as_i64().unwrap());
        }
    }
    assert_eq!(seen, vec![-1, -3]);
    // Nothing more: a short poll waits its timeout and comes back empty.
    let t = Instant::now();
    let empty = server.get(&format!("/updates?marker={marker}&timeout=1")).json();
    assert_eq!(empty["updates"], json!([]));
    assert!(t.elapsed() >= Duration::from_millis(900));
}

#[test]
fn the_server_stops_by_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 1)]);
    let mut server = Server::start(&dir, &["--seconds", "1"]);
    assert_eq!(server.get("/me").status, 200);
    let status = server.wait_exit(Duration::from_secs(8)).expect("the server is still running");
    assert!(status.success(), "{status:?}");
    assert!(request(server.port, "GET", "/me", Some(TOKEN), None).is_err());
}

#[test]
fn it_listens_on_loopback_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 1)]);
    let server = Server::start(&dir, &[]);
    assert!(server.base_url.starts_with("http://127.0.0.1:"), "{}", server.base_url);
    // Bound to 127.0.0.1 itself, not to every address: another loopback address is refused.
    assert!(std::net::TcpStream::connect(("127.0.0.2", server.port)).is_err());
    #[cfg(target_os = "linux")]
    {
        let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap();
        let local = format!("0100007F:{:04X}", server.port);
        assert!(
            tcp.lines().any(|l| l.split_whitespace().nth(1) == Some(local.as_str())),
            "{local} not in /proc/net/tcp"
        );
        let any = format!("00000000:{:04X}", server.port);
        assert!(!tcp.lines().any(|l| l.split_whitespace().nth(1) == Some(any.as_str())));
    }
}

#[test]
fn bad_arguments_are_refused_in_russian() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
        .args(["/nonexistent-folder", "--seconds", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("rollout-testserver: ошибка: не удалось прочитать /nonexistent-folder/chats.json: файла или папки нет"),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
        .args(["x", "--token", "t"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("rollout-testserver: ошибка: неизвестный параметр --token\n"));
}

#[test]
fn help_is_russian_and_the_token_comes_from_the_environment() {
    for flag in ["--help", "-h"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
            .arg(flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with("rollout-testserver — папка-снимок платформы как MAX Bot API на 127.0.0.1"),
            "{text}"
        );
        assert!(text.contains("ROLLOUT_TESTSERVER_TOKEN"), "{text}");
    }
    // Without the variable it says which token it expects (the tests' own), on stderr.
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 1)]);
    let server = Server::start_env(&dir, &[], &[]);
    assert_eq!(server.get("/me").status, 200);
    assert!(
        server
            .stderr()
            .contains("rollout-testserver: внимание: ROLLOUT_TESTSERVER_TOKEN не задан — сервер ждёт токен «test-token»"),
        "{}",
        server.stderr()
    );
}

#[test]
fn sigterm_stops_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 1)]);
    let mut server = Server::start(&dir, &[]);
    assert_eq!(server.get("/me").status, 200);
    // SAFETY: a plain kill(2) of the child this test started.
    assert_eq!(unsafe { libc::kill(server.pid() as libc::pid_t, libc::SIGTERM) }, 0);
    let status = server.wait_exit(Duration::from_secs(8)).expect("the server is still running");
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_reqwest_client_on_kept_alive_connections_sees_500s_and_dropped_connections() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 3)]);
    let server = Server::start(&dir, &["--faults", "7,0.5"]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (ok, errors, dropped) = rt.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
        let (mut ok, mut errors, mut dropped) = (0, 0, 0);
        for _ in 0..40 {
            let sent = client
                .get(format!("{}/chats/-1/members?count=2", server.base_url))
                .header("Authorization", TOKEN)
                .send()
                .await;
            match sent {
                Ok(r) if r.status() == 200 => {
                    let page: Value = r.json().await.unwrap();
                    assert_eq!(page["members"].as_array().unwrap().len(), 2);
                    ok += 1;
                }
                Ok(r) => {
                    assert_eq!(r.status(), 500);
                    errors += 1;
                }
                Err(e) => {
                    assert!(!e.is_timeout(), "{e}");
                    dropped += 1;
                }
            }
        }
        (ok, errors, dropped)
    });
    assert!(ok > 0 && errors > 0 && dropped > 0, "{ok} {errors} {dropped}");
    let log = server.log();
    assert_eq!(log.len(), 40);
    assert_eq!(log.iter().filter(|e| e.status == 0).count(), dropped);
}

/// The raw log lines (with fields `LogEntry` does not keep, like `held`).
fn raw_log(server: &Server) -> Vec<Value> {
    let text = std::fs::read_to_string(server.log_path()).unwrap_or_default();
    text.lines()
        .filter(|l| l.ends_with('}'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn member_ids(members: &[Value]) -> Vec<i64> {
    members.iter().map(|m| m["user_id"].as_i64().unwrap()).collect()
}

/// One request on a fresh connection with a short read timeout: `Ok(None)` when nothing
/// came back in time and the connection is still open.
fn request_within(port: u16, method: &str, path: &str, limit: Duration) -> Result<Option<u16>, String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(limit)).unwrap();
    let head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: {TOKEN}\r\n\r\n");
    stream.write_all(head.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Err(e) if raw.is_empty() && matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => Ok(None),
        _ if raw.is_empty() => Err("closed without an answer".into()),
        _ => {
            let text = String::from_utf8_lossy(&raw);
            Ok(text.split_whitespace().nth(1).and_then(|s| s.parse().ok()))
        }
    }
}

#[test]
fn a_held_delete_is_carried_out_logged_held_and_never_answered() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 6)]);
    let dump = tmp.path().join("dump");
    let server = Server::start(&dir, &["--hold-delete", "2", "--dump", dump.to_str().unwrap()]);
    // Refused by the token or the schema: not counted.
    assert_eq!(
        request(server.port, "DELETE", "/chats/-1/members?user_id=1005", Some("wrong"), None)
            .unwrap()
            .status,
        401
    );
    assert_eq!(server.call("DELETE", "/chats/-1/members", None).status, 400);
    // The first that reaches the operation is answered; the second is held.
    assert_eq!(
        request_within(server.port, "DELETE", "/chats/-1/members?user_id=1001", Duration::from_secs(2)),
        Ok(Some(200))
    );
    let started = Instant::now();
    assert_eq!(
        request_within(server.port, "DELETE", "/chats/-1/members?user_id=1002", Duration::from_secs(2)),
        Ok(None),
        "the held DELETE was answered"
    );
    assert!(started.elapsed() >= Duration::from_millis(1900));
    // Carried out: the dump and the server both show the member gone.
    assert_eq!(member_ids(&folder_members(server.dump_dir(), -1)), vec![1000, 1003, 1004, 1005]);
    assert_eq!(member_ids(&all_pages(&server, -1, 100).0), vec![1000, 1003, 1004, 1005]);
    // Logged at once, status 200 and held; the others without `held`.
    let log = raw_log(&server);
    let deletes: Vec<&Value> = log.iter().filter(|l| l["method"] == "DELETE").collect();
    assert_eq!(deletes.len(), 4, "{log:?}");
    let held: Vec<&&Value> = deletes.iter().filter(|l| l.get("held").is_some()).collect();
    assert_eq!(held.len(), 1, "{log:?}");
    assert_eq!(held[0]["held"], true);
    assert_eq!(held[0]["status"], 200);
    assert_eq!(held[0]["query"], "user_id=1002");
    // The third is answered again, and the server goes on serving.
    assert_eq!(server.call("DELETE", "/chats/-1/members?user_id=1003", None).status, 200);
    assert_eq!(server.get("/me").status, 200);
    // `LogEntry` still reads every line.
    assert_eq!(server.log().len(), log.len() + 2);
}

/// Each DELETE of users 1001.. against `--faults SEED,1.0`: its status (0 = dropped) and
/// whether it was carried out (the dump shows the member gone).
fn faulted_deletes(root: &std::path::Path, seed: &str, n: i64) -> Vec<(u16, bool)> {
    let dir = platform_dir(root, &[(-1, n as usize + 1)]);
    let dump = root.join(format!("dump-{seed}"));
    let server = Server::start(&dir, &["--faults", seed, "--dump", dump.to_str().unwrap()]);
    let out: Vec<(u16, bool)> = (1..=n)
        .map(|i| {
            let user = 1000 + i;
            let status = match request(
                server.port,
                "DELETE",
                &format!("/chats/-1/members?user_id={user}"),
                Some(TOKEN),
                None,
            ) {
                Ok(r) => {
                    assert_eq!(r.json()["code"], "internal.error");
                    r.status
                }
                Err(_) => 0,
            };
            let gone = !member_ids(&folder_members(server.dump_dir(), -1)).contains(&user);
            (status, gone)
        })
        .collect();
    let logged: Vec<u16> = server.log().iter().map(|e| e.status).collect();
    assert_eq!(logged, out.iter().map(|(s, _)| *s).collect::<Vec<_>>());
    out
}

#[test]
fn faults_on_writes_come_before_or_after_carrying_them_out() {
    let tmp = tempfile::tempdir().unwrap();
    let a = faulted_deletes(&tmp.path().join("a"), "11,1.0", 24);
    assert!(a.iter().all(|(s, _)| *s == 500 || *s == 0), "{a:?}");
    // Both kinds of fault, and both happen before and after.
    for status in [500, 0] {
        for gone in [false, true] {
            assert!(a.contains(&(status, gone)), "no ({status}, {gone}) in {a:?}");
        }
    }
    // The same for the same seed.
    assert_eq!(a, faulted_deletes(&tmp.path().join("b"), "11,1.0", 24));
}

#[test]
fn a_faulted_post_after_is_kept_and_reads_are_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 2)]);
    let dump = tmp.path().join("dump");
    let server = Server::start(&dir, &["--faults", "11,1.0", "--dump", dump.to_str().unwrap()]);
    let body = r#"{"text":"Привет","attachments":null,"link":null,"notify":true,"format":null}"#;
    for _ in 0..16 {
        let r = request(server.port, "POST", "/messages?chat_id=-1", Some(TOKEN), Some(body));
        assert!(r.as_ref().map_or(true, |r| r.status == 500), "{r:?}");
    }
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(dump.join("messages.json")).unwrap()).unwrap();
    let kept = kept["messages"].as_array().unwrap().len();
    assert!(kept > 0 && kept < 16, "{kept} of 16 kept");
    // A read never is carried out "after": it fails like before.
    for _ in 0..6 {
        let r = request(server.port, "GET", "/me", Some(TOKEN), None);
        assert!(r.as_ref().map_or(true, |r| r.status == 500), "{r:?}");
    }
}

#[test]
fn posted_messages_are_read_back_newest_first_and_dumped_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = platform_dir(tmp.path(), &[(-1, 2), (-2, 2), (-3, 1)]);
    let dump = tmp.path().join("dump");
    let server = Server::start(&dir, &["--dump", dump.to_str().unwrap()]);
    let dumped = || -> Value { serde_json::from_str(&std::fs::read_to_string(dump.join("messages.json")).unwrap()).unwrap() };
    assert_eq!(dumped(), json!({"messages": []}));
    assert_eq!(server.get("/messages?chat_id=-2").json(), json!({"messages": []}));
    let post = |chat: i64, text: &str| -> Value {
        let body = json!({"text": text, "attachments": null, "link": null, "notify": true, "format": null}).to_string();
        let reply = server.call("POST", &format!("/messages?chat_id={chat}"), Some(&body));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["message"].clone()
    };
    let first = post(-2, "Первое");
    let other = post(-1, "В другой чат");
    let second = post(-2, "Второе");
    let list = server.get("/messages?chat_id=-2").json();
    assert_eq!(list, json!({"messages": [second.clone(), first.clone()]}));
    assert_eq!(
        server.get("/messages?chat_id=-2&count=1").json(),
        json!({"messages": [second.clone()]})
    );
    assert_eq!(server.get("/messages?chat_id=-1").json(), json!({"messages": [other.clone()]}));
    // The shape.
    assert_eq!(second["sender"]["user_id"], 1);
    assert_eq!(second["sender"]["is_bot"], true);
    assert_eq!(second["recipient"], json!({"chat_id": -2, "chat_type": "chat", "user_id": null}));
    assert!(second["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(second["body"]["text"], "Второе");
    assert_eq!(second["body"]["seq"], 3);
    assert!(second["body"]["mid"].as_str().unwrap() != first["body"]["mid"].as_str().unwrap());
    // All chats, in the order posted.
    assert_eq!(dumped(), json!({"messages": [first, other, second]}));
    // Checked against the schema like anything else; an unknown chat is 404.
    for bad in [
        "/messages?chat_id=abc",
        "/messages?chat_id=-2&count=500",
        "/messages?chat_id=-2&sort=asc",
        "/messages",
    ] {
        let r = server.get(bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.json()["code"], "bad.request");
    }
    assert_eq!(server.get("/messages?chat_id=-9").status, 404);
}

#[test]
fn help_names_the_write_side_additions() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["--hold-delete K,…", "\"held\": true", "messages.json", "GET /messages?chat_id=ID"] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
        .args(["x", "--hold-delete", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("rollout-testserver: ошибка: --hold-delete: запросы считаются с 1\nиспользование: rollout-testserver ПАПКА_СНИМКА"),
        "{err}"
    );
    assert!(err.contains("[--hold-delete K,…]"), "{err}");
}

#[test]
fn add_members_puts_a_known_user_in_a_chat_and_refuses_a_stranger() {
    let root = tempfile::tempdir().unwrap();
    let dir = crate::server::platform_dir(root.path(), &[(-101, 3), (-102, 0)]);
    let s = crate::server::Server::start(&dir, &[]);
    let user = s.get("/chats/-101/members?count=10").json()["members"][0]["user_id"]
        .as_i64()
        .unwrap();
    let r = s.call("POST", "/chats/-102/members", Some(&format!("{{\"user_ids\": [{user}]}}")));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["success"], true);
    let members = s.get("/chats/-102/members?count=10").json();
    assert_eq!(members["members"][0]["user_id"], user, "{members}");
    let r = s.call("POST", "/chats/-102/members", Some("{\"user_ids\": [424242]}"));
    assert_eq!(r.json()["success"], false, "{:?}", r.json());
}
