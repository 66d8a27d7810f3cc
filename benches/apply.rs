//! Bench (not a test): `rollout apply --yes` of 1,000 removals against `rollout-testserver`
//! limited to 30 requests/s, the client set to 29. Each removal costs a read of the member
//! and the DELETE; both count, and so does the pull `apply` makes first. The bar: at
//! least 95 % of the server's rate and zero 429 answers. Both binaries are the bench build;
//! everything runs on 127.0.0.1.
//!
//! The workspace: 20 groups of 51 students with their chats; a pull and a diff with everyone
//! on the roster, then 50 of each group leave the sources, diff, approve, apply.
//! `cargo bench --bench apply` writes bench/results/apply.json with the machine's details.
//! `ROLLOUT_BENCH_REMOVALS=100` runs a smaller one (not written to bench/results).

mod common;

use rollout::platform::max::rate::busiest_window;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const SERVER_RATE: u32 = 30;
const CLIENT_RATE: u32 = 29;
const GROUPS: usize = 20;
const TOKEN: &str = "bench-token";

const SURNAMES: [&str; 26] = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Попов",
    "Волков",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Егоров",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Фёдоров",
    "Михайлов",
    "Беляев",
    "Тарасов",
    "Белов",
    "Комаров",
    "Орлов",
];
const FIRST: [&str; 40] = [
    "Александр",
    "Дмитрий",
    "Максим",
    "Сергей",
    "Андрей",
    "Алексей",
    "Артём",
    "Илья",
    "Кирилл",
    "Михаил",
    "Никита",
    "Матвей",
    "Роман",
    "Егор",
    "Арсений",
    "Иван",
    "Денис",
    "Евгений",
    "Даниил",
    "Тимофей",
    "Владислав",
    "Игорь",
    "Владимир",
    "Павел",
    "Руслан",
    "Марк",
    "Константин",
    "Тимур",
    "Олег",
    "Ярослав",
    "Антон",
    "Николай",
    "Глеб",
    "Данила",
    "Савелий",
    "Вадим",
    "Степан",
    "Юрий",
    "Богдан",
    "Артур",
];

fn run(ws: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(args)
        .args(["--quiet", "--config"])
        .arg(ws.join("rollout.toml"))
        .env("ROLLOUT_MAX_TOKEN", TOKEN)
        .env("ROLLOUT_TODAY", "2026-11-22")
        .output()
        .expect("run rollout");
    if !out.status.success() && out.status.code() != Some(1) {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("rollout {args:?} failed: {:?}", out.status);
    }
    out
}

fn main() {
    let removals: usize = std::env::var("ROLLOUT_BENCH_REMOVALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let leaving = removals.div_ceil(GROUPS);
    let per_group = leaving + 1;
    assert!(GROUPS * per_group <= SURNAMES.len() * FIRST.len(), "not enough distinct names");
    let tmp = tempfile::tempdir().expect("tempdir");
    let platform = tmp.path().join("platform");
    std::fs::create_dir_all(platform.join("members")).unwrap();
    let chat_id = |g: usize| -70_000_000_000 - g as i64;
    let chat_list: Vec<_> = (0..GROUPS)
        .map(|g| {
            serde_json::json!({"chat_id": chat_id(g), "type": "chat", "status": "active", "title": format!("ИС-{} Студенты", g + 1),
            "last_event_time": 0, "participants_count": per_group, "icon": null, "is_public": false,
            "description": null, "link": format!("https://max.ru/join/bench{g}")})
        })
        .collect();
    std::fs::write(platform.join("chats.json"), serde_json::json!({ "chats": chat_list }).to_string()).unwrap();
    let mut students = String::from("ФИО;Группа;Дата рождения\n");
    let mut staying = String::from("ФИО;Группа;Дата рождения\n");
    for g in 0..GROUPS {
        let mut members = Vec::new();
        for i in 0..per_group {
            let k = g * per_group + i;
            let (last, first) = (SURNAMES[k / FIRST.len()], FIRST[k % FIRST.len()]);
            let line = format!("{last} {first} Петрович;ИС-{};01.01.2008\n", g + 1);
            students.push_str(&line);
            if i == 0 {
                staying.push_str(&line);
            }
            members.push(serde_json::json!({"user_id": 300_000 + k, "first_name": first, "last_name": last,
                "is_bot": false, "last_activity_time": 0, "last_access_time": 0,
                "is_owner": false, "is_admin": false, "join_time": 0, "permissions": null}));
        }
        std::fs::write(
            platform.join("members").join(format!("{}.json", chat_id(g))),
            serde_json::json!({ "members": members, "marker": null }).to_string(),
        )
        .unwrap();
    }

    let log = tmp.path().join("requests.jsonl");
    let mut server = Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
        .arg(&platform)
        .args(["--port", "0", "--seconds", "900", "--rate", &SERVER_RATE.to_string(), "--log"])
        .arg(&log)
        .env("ROLLOUT_TESTSERVER_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start rollout-testserver");
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .expect("listening line");
    let base_url = first.trim().strip_prefix("listening ").expect("listening line").to_string();

    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(ws.join("sources")).unwrap();
    let mut toml = format!(
        "[organization]\nname = \"Бенчмарк\"\nprofile = \"college\"\n\n[platform]\nsource = \"api\"\nbase_url = \"{base_url}\"\nrate = {CLIENT_RATE}\nconcurrency = 8\n"
    );
    for g in 0..GROUPS {
        toml.push_str(&format!(
            "\n[[chats.map]]\nchat_id = {}\ngroup = \"ИС-{}\"\naudience = \"students\"\n",
            chat_id(g),
            g + 1
        ));
    }
    std::fs::write(ws.join("rollout.toml"), toml).unwrap();
    std::fs::write(ws.join("sources/students.csv"), &students).unwrap();
    run(&ws, &["platform", "pull"]);
    run(&ws, &["diff"]);
    std::fs::write(ws.join("sources/students.csv"), &staying).unwrap();
    run(&ws, &["diff"]);
    let changes: serde_json::Value = serde_json::from_slice(&std::fs::read(ws.join("out/changes.json")).unwrap()).unwrap();
    let planned = changes["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "remove")
        .count();
    assert_eq!(planned, GROUPS * leaving, "removals in the change set");
    if changes["status"] == "held" {
        run(&ws, &["approve", changes["hash"].as_str().unwrap()]);
    }

    let before = std::fs::read_to_string(&log).unwrap().lines().count();
    let started = Instant::now();
    let out = run(&ws, &["apply", "--yes"]);
    let wall = started.elapsed().as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .skip(before)
        .map(|l| serde_json::from_str(l).expect("log line"))
        .collect();
    let admitted: Vec<f64> = entries
        .iter()
        .filter(|e| e["status"] != 429)
        .map(|e| e["t"].as_f64().unwrap())
        .collect();
    let throttled = entries.iter().filter(|e| e["status"] == 429).count();
    let deletes = entries.iter().filter(|e| e["method"] == "DELETE" && e["status"] == 200).count();
    assert_eq!(deletes, GROUPS * leaving, "every removal carried out once");
    let span = admitted.iter().cloned().fold(f64::MIN, f64::max) - admitted.iter().cloned().fold(f64::MAX, f64::min);
    let achieved = (admitted.len() as f64 - 1.0) / span;
    let share = achieved / SERVER_RATE as f64;

    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let result = serde_json::json!({
        "bench": "apply",
        "what": "rollout apply --yes (the real binary): a pull, then per removal a read of the member and the DELETE, against rollout-testserver on 127.0.0.1 limited to server_rate requests/s, the client set to client_rate",
        "removals": deletes,
        "server_rate": SERVER_RATE,
        "client_rate": CLIENT_RATE,
        "concurrency": 8,
        "requests": entries.len(),
        "answered_429": throttled,
        "busiest_second": busiest_window(&admitted),
        "apply_seconds": r3(wall),
        "server_span_seconds": r3(span),
        "achieved_rate": r3(achieved),
        "share_of_server_rate": r3(share),
        "target": "share_of_server_rate >= 0.95 and answered_429 == 0",
        "met": share >= 0.95 && throttled == 0,
        "machine": common::machine(),
    });
    let text = serde_json::to_string_pretty(&result).expect("json");
    println!("{text}");
    if removals == 1000 {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results");
        let _ = std::fs::create_dir_all(&out);
        std::fs::write(out.join("apply.json"), format!("{text}\n")).expect("write bench/results/apply.json");
    }
}
