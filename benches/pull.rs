//! Bench (not a test): `rollout platform pull` of 2,000 chats × 30 members from
//! `rollout-testserver` limited to 30 requests/s, the client set to 29. The bar: at
//! least 95 % of the server's rate and zero 429 answers. Both binaries are the bench build;
//! everything runs on 127.0.0.1.
//! `cargo bench --bench pull` writes bench/results/pull.json with the machine's details.
//! `ROLLOUT_BENCH_CHATS=200` runs a smaller one (not written to bench/results).

mod common;

use rollout::platform::max::rate::busiest_window;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

const SERVER_RATE: u32 = 30;
const CLIENT_RATE: u32 = 29;
const MEMBERS: usize = 30;
const TOKEN: &str = "bench-token";

fn main() {
    let chats: usize = std::env::var("ROLLOUT_BENCH_CHATS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let tmp = tempfile::tempdir().expect("tempdir");
    let platform = tmp.path().join("platform");
    std::fs::create_dir_all(platform.join("members")).unwrap();
    let ids: Vec<i64> = (0..chats as i64).map(|i| -70_000_000_000 - i).collect();
    let chat_list: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({"chat_id": id, "type": "chat", "status": "active", "title": format!("ГР-{i} родители"),
            "last_event_time": 0, "participants_count": MEMBERS + 1, "icon": null, "is_public": false,
            "description": null, "link": format!("https://max.ru/join/bench{i}")})
        })
        .collect();
    std::fs::write(platform.join("chats.json"), serde_json::json!({ "chats": chat_list }).to_string()).unwrap();
    for (c, id) in ids.iter().enumerate() {
        let members: Vec<_> = (0..MEMBERS)
            .map(|m| {
                serde_json::json!({"user_id": 200_000_000 + c * 100 + m, "first_name": format!("Имя{m}"),
                "last_name": format!("Фамилия{c}"), "is_bot": false, "last_activity_time": 0, "last_access_time": 0,
                "is_owner": m == 0, "is_admin": m == 0, "join_time": 0, "permissions": null})
            })
            .collect();
        std::fs::write(
            platform.join("members").join(format!("{id}.json")),
            serde_json::json!({ "members": members, "marker": null }).to_string(),
        )
        .unwrap();
    }

    let log = tmp.path().join("requests.jsonl");
    let rate = SERVER_RATE.to_string();
    let (mut server, base_url) = common::start_testserver(
        &platform,
        TOKEN,
        &[
            "--seconds".as_ref(),
            "900".as_ref(),
            "--rate".as_ref(),
            rate.as_ref(),
            "--log".as_ref(),
            log.as_os_str(),
        ],
    );

    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let mut toml = format!(
        "[organization]\nname = \"Бенчмарк\"\nprofile = \"school\"\n\n[platform]\nsource = \"api\"\nbase_url = \"{base_url}\"\nrate = {CLIENT_RATE}\nconcurrency = 8\n"
    );
    for (i, id) in ids.iter().enumerate() {
        toml.push_str(&format!(
            "\n[[chats.map]]\nchat_id = {id}\ngroup = \"ГР-{i}\"\naudience = \"parents\"\n"
        ));
    }
    std::fs::write(ws.join("rollout.toml"), toml).unwrap();

    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(["platform", "pull", "--quiet", "--config"])
        .arg(ws.join("rollout.toml"))
        .env("ROLLOUT_MAX_TOKEN", TOKEN)
        .output()
        .expect("run rollout platform pull");
    let wall = started.elapsed().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("rollout platform pull failed: {:?}", out.status);
    }

    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("log line"))
        .collect();
    let admitted: Vec<f64> = entries
        .iter()
        .filter(|e| e["status"] != 429)
        .map(|e| e["t"].as_f64().unwrap())
        .collect();
    let throttled = entries.iter().filter(|e| e["status"] == 429).count();
    let span = admitted.iter().cloned().fold(f64::MIN, f64::max) - admitted.iter().cloned().fold(f64::MAX, f64::min);
    // n requests spaced at the server's rate take (n - 1) / rate seconds.
    let achieved = (admitted.len() as f64 - 1.0) / span;
    let share = achieved / SERVER_RATE as f64;

    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let result = serde_json::json!({
        "bench": "pull",
        "what": "rollout platform pull (the real binary) of chats × members from rollout-testserver on 127.0.0.1 limited to server_rate requests/s, the client set to client_rate",
        "chats": chats,
        "members_per_chat": MEMBERS,
        "server_rate": SERVER_RATE,
        "client_rate": CLIENT_RATE,
        "concurrency": 8,
        "requests": entries.len(),
        "answered_429": throttled,
        "busiest_second": busiest_window(&admitted),
        "pull_seconds": r3(wall),
        "server_span_seconds": r3(span),
        "achieved_rate": r3(achieved),
        "share_of_server_rate": r3(share),
        "target": "share_of_server_rate >= 0.95 and answered_429 == 0",
        "met": share >= 0.95 && throttled == 0,
        "machine": common::machine(),
    });
    let text = serde_json::to_string_pretty(&result).expect("json");
    println!("{text}");
    if chats == 2000 {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results");
        let _ = std::fs::create_dir_all(&out);
        std::fs::write(out.join("pull.json"), format!("{text}\n")).expect("write bench/results/pull.json");
    }
}
