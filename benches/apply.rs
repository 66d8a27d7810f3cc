//! Bench (not a test): `rollout apply --yes` of 1,000 removals of departed students against
//! `rollout-testserver` limited to 30 requests/s, the client set to 29. The bar: at
//! least 95 % of the server's rate (each removal costs a re-read of the member and a DELETE:
//! both are counted) and zero 429 answers. Both binaries are the bench build; everything runs
//! on 127.0.0.1.
//!
//! The workspace is made the honest way: a generated college (50 groups of 50 students, each
//! group with its students' chat on the server), a first `platform pull` + `diff` while
//! everyone is on the roster (so each account is remembered as its person), then 20 students
//! of every group taken off the roster file and `diff` again: 1,000 removals of departed
//! students, held by the safety rules (40 % of each chat, a shrunk roster) → `approve HASH` →
//! `apply --yes`. The figures come from the server's request log.
//!
//! `cargo bench --bench apply` writes bench/results/apply.json with the machine's details.
//! `ROLLOUT_BENCH_GROUPS=5` runs a smaller one (100 removals; not written to bench/results).

mod common;
/// The generator's name lists (`rollout-gen` is a binary crate; its lists are shared by path).
#[path = "../gen/src/names.rs"]
#[allow(dead_code, unused_imports)]
mod names;

use rollout::platform::max::rate::busiest_window;
use serde_json::{Value, json};
use std::collections::BTreeSet;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const SERVER_RATE: u32 = 30;
const CLIENT_RATE: u32 = 29;
const CONCURRENCY: usize = 8;
/// Students per group: the first `STAYING` stay, the rest leave.
const PER_GROUP: usize = 50;
const STAYING: usize = 30;
const TOKEN: &str = "bench-token";
const TODAY: &str = "2026-11-22";

const PREFIXES: [&str; 10] = ["ИС", "ПК", "ЭК", "ТМ", "СВ", "ЮР", "БД", "МТ", "ОП", "ТО"];

/// One generated student: roster line parts and the platform account.
struct Student {
    user_id: i64,
    first: String,
    last: String,
    full: String,
    birth: String,
    stays: bool,
}

fn group_name(g: usize) -> String {
    format!("{}-{}", PREFIXES[g % PREFIXES.len()], g / PREFIXES.len() + 1)
}

fn chat_id(g: usize) -> i64 {
    -80_000_000_000 - g as i64
}

/// Group `g`'s students: in a group every surname differs, so no two are near namesakes.
fn students(g: usize) -> Vec<Student> {
    (0..PER_GROUP)
        .map(|k| {
            let base = names::SURNAMES[(g * 7 + k) % names::SURNAMES.len()];
            let female = k % 2 == 1;
            let last = names::surname_form(base, female);
            let (first, patronymic) = if female {
                let (_, _, pf) = names::MALE[(g * 3 + k) % names::MALE.len()];
                (names::FEMALE[(g + k / 2) % names::FEMALE.len()], pf)
            } else {
                let (_, pm, _) = names::MALE[(g * 3 + k) % names::MALE.len()];
                (names::MALE[(g + k / 2) % names::MALE.len()].0, pm)
            };
            Student {
                user_id: 500_000 + (g * 100 + k) as i64,
                first: first.to_string(),
                full: format!("{last} {first} {patronymic}"),
                last,
                birth: format!("{:02}.{:02}.2008", k % 28 + 1, g % 12 + 1),
                stays: k < STAYING,
            }
        })
        .collect()
}

fn roster(groups: &[Vec<Student>], everyone: bool) -> String {
    let mut csv = String::from("ФИО;Группа;Филиал;Дата рождения\n");
    for (g, list) in groups.iter().enumerate() {
        for s in list.iter().filter(|s| everyone || s.stays) {
            csv.push_str(&format!("{};{};ГК;{}\n", s.full, group_name(g), s.birth));
        }
    }
    csv
}

fn write_platform(dir: &Path, groups: &[Vec<Student>]) {
    std::fs::create_dir_all(dir.join("members")).unwrap();
    let chats: Vec<Value> = (0..groups.len())
        .map(|g| {
            json!({"chat_id": chat_id(g), "type": "chat", "status": "active", "title": format!("{} Студенты", group_name(g)),
                   "icon": null, "last_event_time": 1_796_000_000_000_i64, "participants_count": PER_GROUP,
                   "is_public": false, "description": null, "link": format!("https://max.ru/join/bench-apply-{g}")})
        })
        .collect();
    std::fs::write(dir.join("chats.json"), json!({ "chats": chats }).to_string()).unwrap();
    for (g, list) in groups.iter().enumerate() {
        let members: Vec<Value> = list
            .iter()
            .map(|s| {
                json!({"user_id": s.user_id, "first_name": s.first, "last_name": s.last, "username": null,
                       "is_bot": false, "last_activity_time": 0, "last_access_time": 0, "is_owner": false,
                       "is_admin": false, "join_time": 1_788_000_000_000_i64, "permissions": null})
            })
            .collect();
        std::fs::write(
            dir.join("members").join(format!("{}.json", chat_id(g))),
            json!({ "members": members, "marker": null }).to_string(),
        )
        .unwrap();
    }
}

fn config(base_url: &str, groups: usize) -> String {
    let mut toml = format!(
        "[organization]\nname = \"Колледж (бенчмарк)\"\nprofile = \"college\"\n\n[[branches]]\nname = \"Главный корпус\"\nmain = true\naliases = [\"ГК\"]\n\n\
         [platform]\nsource = \"api\"\nbase_url = \"{base_url}\"\nrate = {CLIENT_RATE}\nconcurrency = {CONCURRENCY}\n"
    );
    for g in 0..groups {
        toml.push_str(&format!(
            "\n[[chats.map]]\nchat_id = {}\nbranch = \"Главный корпус\"\ngroup = \"{}\"\naudience = \"students\"\n",
            chat_id(g),
            group_name(g)
        ));
    }
    toml
}

fn rollout(ws: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(args)
        .current_dir(ws)
        .env("ROLLOUT_MAX_TOKEN", TOKEN)
        .env("ROLLOUT_TODAY", TODAY)
        .output()
        .unwrap_or_else(|e| panic!("run rollout {args:?}: {e}"))
}

/// Run and insist on one of the exit codes.
fn step(ws: &Path, args: &[&str], codes: &[i32]) -> Output {
    let out = rollout(ws, args);
    if !out.status.code().is_some_and(|c| codes.contains(&c)) {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("rollout {args:?} ended {:?}, expected one of {codes:?}", out.status);
    }
    out
}

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.ends_with('}'))
        .map(|l| serde_json::from_str(l).expect("log line"))
        .collect()
}

/// Requests, their span, the rate achieved and the busiest second, over admitted requests.
fn figures(entries: &[&Value]) -> Value {
    let admitted: Vec<f64> = entries
        .iter()
        .filter(|e| e["status"] != 429)
        .map(|e| e["t"].as_f64().unwrap())
        .collect();
    let span = admitted.iter().cloned().fold(f64::MIN, f64::max) - admitted.iter().cloned().fold(f64::MAX, f64::min);
    // n requests spaced at the server's rate take (n - 1) / rate seconds.
    let achieved = if span > 0.0 { (admitted.len() as f64 - 1.0) / span } else { 0.0 };
    json!({
        "requests": entries.len(),
        "answered_429": entries.iter().filter(|e| e["status"] == 429).count(),
        "span_seconds": r3(span),
        "requests_per_second": r3(achieved),
        "share_of_server_rate": r3(achieved / SERVER_RATE as f64),
        "busiest_second": busiest_window(&admitted),
    })
}

/// The 1-minute load average (`/proc/loadavg`), 0 where there is none.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(0.0)
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn main() {
    let groups_n: usize = std::env::var("ROLLOUT_BENCH_GROUPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let full = groups_n == 50;
    let groups: Vec<Vec<Student>> = (0..groups_n).map(students).collect();
    let departing: usize = groups.iter().flatten().filter(|s| !s.stays).count();

    let tmp = tempfile::tempdir().expect("tempdir");
    let platform = tmp.path().join("platform");
    write_platform(&platform, &groups);
    let log = tmp.path().join("requests.jsonl");
    let dump = tmp.path().join("dump");
    let rate = SERVER_RATE.to_string();
    let (mut server, base_url) = common::start_testserver(
        &platform,
        TOKEN,
        &[
            "--seconds".as_ref(),
            "1800".as_ref(),
            "--rate".as_ref(),
            rate.as_ref(),
            "--log".as_ref(),
            log.as_os_str(),
            "--dump".as_ref(),
            dump.as_os_str(),
        ],
    );

    let ws = tmp.path().join("ws");
    std::fs::create_dir_all(ws.join("sources")).unwrap();
    std::fs::write(ws.join("rollout.toml"), config(&base_url, groups_n)).unwrap();
    std::fs::write(ws.join("sources/students.csv"), roster(&groups, true)).unwrap();

    // Everyone on the roster: the pull and the diff remember each account as its person.
    let prep = Instant::now();
    step(&ws, &["platform", "pull", "--quiet"], &[0]);
    step(&ws, &["diff"], &[0, 1]);
    // 20 of every group leave.
    std::fs::write(ws.join("sources/students.csv"), roster(&groups, false)).unwrap();
    step(&ws, &["diff"], &[1]);
    let changes: Value = serde_json::from_str(&std::fs::read_to_string(ws.join("out/changes.json")).unwrap()).unwrap();
    assert_eq!(changes["status"], "held", "{}", changes["held_reasons"]);
    let removals: Vec<&Value> = changes["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "remove")
        .collect();
    assert_eq!(removals.len(), departing, "removals in the change set");
    assert!(removals.iter().all(|a| a["reason"]["code"] == "departed_student"));
    let other_api: usize = changes["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "make_admin" || a["kind"] == "move")
        .count();
    let hash = changes["hash"].as_str().unwrap().to_string();
    step(&ws, &["approve", &hash], &[0]);
    let prep_seconds = prep.elapsed().as_secs_f64();

    let load_before = load_average();
    let before = read_log(&log).len();
    let started = Instant::now();
    step(&ws, &["apply", "--yes"], &[0]);
    let wall = started.elapsed().as_secs_f64();
    let load_after = load_average();
    let _ = server.kill();
    let _ = server.wait();

    let entries = read_log(&log);
    let apply: Vec<&Value> = entries[before..].iter().collect();
    let is_reread = |e: &Value| {
        e["method"] == "GET"
            && e["query"].as_str().is_some_and(|q| q.starts_with("user_ids="))
            && e["path"].as_str().is_some_and(|p| p.ends_with("/members"))
    };
    let is_delete = |e: &Value| e["method"] == "DELETE" && e["path"].as_str().is_some_and(|p| p.ends_with("/members"));
    let removal_requests: Vec<&Value> = apply.iter().copied().filter(|e| is_reread(e) || is_delete(e)).collect();
    let deletes = apply.iter().filter(|e| is_delete(e)).count();
    let rereads = apply.iter().filter(|e| is_reread(e)).count();
    let deleted_once: BTreeSet<&str> = apply
        .iter()
        .filter(|e| is_delete(e) && e["status"] == 200)
        .filter_map(|e| e["query"].as_str())
        .collect();

    // The server's state afterwards: exactly the staying students in every chat.
    let mut state_ok = true;
    for (g, list) in groups.iter().enumerate() {
        let text = std::fs::read_to_string(dump.join("members").join(format!("{}.json", chat_id(g)))).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let left: BTreeSet<i64> = doc["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["user_id"].as_i64().unwrap())
            .collect();
        let staying: BTreeSet<i64> = list.iter().filter(|s| s.stays).map(|s| s.user_id).collect();
        state_ok &= left == staying;
    }

    let all = figures(&apply);
    let removal = figures(&removal_requests);
    // The measure: the removals' requests (re-reads and DELETEs); the whole run,
    // with apply's own fresh pull and the diff between, is recorded beside it.
    let share = removal["share_of_server_rate"].as_f64().unwrap();
    let throttled = all["answered_429"].as_u64().unwrap();
    let result = json!({
        "bench": "apply",
        "what": "rollout apply --yes (the real binary) of the removals of departed students from rollout-testserver on 127.0.0.1 limited to server_rate requests/s, the client set to client_rate; each removal is a re-read of the member (GET /chats/{id}/members?user_ids=) and a DELETE, both counted; apply's fresh pull is counted in the whole run",
        "groups": groups_n,
        "students_per_group": PER_GROUP,
        "removals": departing,
        "other_api_actions": other_api,
        "server_rate": SERVER_RATE,
        "client_rate": CLIENT_RATE,
        "concurrency": CONCURRENCY,
        "apply_seconds": r3(wall),
        "preparation_seconds": r3(prep_seconds),
        "apply_requests": all,
        "removal_requests": removal,
        "rereads": rereads,
        "deletes": deletes,
        "members_removed": deleted_once.len(),
        "server_state_as_intended": state_ok,
        "target": "removal_requests.share_of_server_rate >= 0.95 and apply_requests.answered_429 == 0 and server_state_as_intended",
        "met": share >= 0.95 && throttled == 0 && state_ok,
        // Other work on the machine delays requests between the client's start and the
        // server's arrival, bunching them into 429s: the 1-minute load average around apply.
        "load_average_before_after": [load_before, load_after],
        "machine": common::machine(),
    });
    let text = serde_json::to_string_pretty(&result).expect("json");
    println!("{text}");
    if full {
        let out: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results");
        let _ = std::fs::create_dir_all(&out);
        std::fs::write(out.join("apply.json"), format!("{text}\n")).expect("write bench/results/apply.json");
    }
}
