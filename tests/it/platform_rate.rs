//! The rate rule through the real binaries: `rollout platform pull` keeps to `[platform]
//! rate` as the server sees it, and a client set above the server's limit is answered 429,
//! waits as told and still completes.

use crate::server::{Server, TOKEN, platform_dir};
use crate::util::Ws;
use rollout::platform::max::rate::busiest_window;

fn workspace(base_url: &str, rate: u32, chats: &[(i64, usize)]) -> Ws {
    let ws = Ws::new();
    let mut text = format!(
        "[organization]\nname = \"Школа № 1\"\nprofile = \"school\"\n\n[platform]\nbase_url = \"{base_url}\"\nrate = {rate}\nconcurrency = 8\n\n"
    );
    for (i, (id, _)) in chats.iter().enumerate() {
        text.push_str(&format!(
            "[[chats.map]]\nchat_id = {id}\ngroup = \"{}А\"\naudience = \"parents\"\n\n",
            i + 1
        ));
    }
    ws.config(&text);
    ws
}

/// Saved members of a chat, by user_id.
fn saved_members(ws: &Ws, id: i64) -> Vec<i64> {
    let snaps = ws.path().join(".rollout/snapshots");
    let name = std::fs::read_to_string(snaps.join("current")).expect("a current pull");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snaps.join(name.trim()).join(format!("members/{id}.json"))).unwrap()).unwrap();
    v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_pull_at_20_requests_per_second_never_has_more_than_20_in_any_second_at_the_server() {
    let root = tempfile::tempdir().unwrap();
    // 12 chats of 250 members: 1 + 12 × (1 + 3 pages) = 49 requests, about 2.5 s at 20/s.
    let chats: Vec<(i64, usize)> = (1..=12).map(|i| (-(i as i64), 250)).collect();
    let plat = platform_dir(root.path(), &chats);
    let server = Server::start(&plat, &["--rate", "1000"]);
    let ws = workspace(&server.base_url, 20, &chats);
    let r = ws.run_env(&["platform", "pull", "-q"], &[("ROLLOUT_MAX_TOKEN", TOKEN)]);
    assert_eq!(r.code, 0, "{r}");
    let log = server.log();
    assert_eq!(log.len(), 49, "{log:?}");
    assert!(log.iter().all(|e| e.status == 200), "{log:?}");
    let times: Vec<f64> = log.iter().map(|e| e.t).collect();
    let busiest = busiest_window(&times);
    assert!(busiest <= 20, "{busiest} requests in one second at the server, rate = 20");
    assert_eq!(saved_members(&ws, -12).len(), 250);
}

#[test]
fn a_client_above_the_servers_limit_is_answered_429_and_still_completes() {
    let root = tempfile::tempdir().unwrap();
    let chats: Vec<(i64, usize)> = (1..=10).map(|i| (-(i as i64), 30)).collect();
    let plat = platform_dir(root.path(), &chats);
    let server = Server::start(&plat, &["--rate", "8"]);
    let ws = workspace(&server.base_url, 200, &chats);
    let r = ws.run_env(&["platform", "pull", "-q"], &[("ROLLOUT_MAX_TOKEN", TOKEN)]);
    assert_eq!(r.code, 0, "{r}");
    let log = server.log();
    let throttled = log.iter().filter(|e| e.status == 429).count();
    assert!(throttled > 0, "the server never said 429: {log:?}");
    let answered: Vec<f64> = log.iter().filter(|e| e.status == 200).map(|e| e.t).collect();
    assert_eq!(answered.len(), 21, "{log:?}");
    assert!(busiest_window(&answered) <= 8);
    for (id, n) in &chats {
        let expected: Vec<i64> = (0..*n as i64).map(|i| id.abs() * 1000 + i).collect();
        assert_eq!(saved_members(&ws, *id), expected, "members of chat {id}");
    }
}
