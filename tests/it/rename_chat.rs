//! `rename_chat`: a `title` in `[[chats.map]]` the chat does not have → one rename in
//! `rollout diff`; `rollout apply --yes` renames it on `rollout-testserver` with
//! `PATCH /chats/{id}` `{"title", "notify": false}`; a title over 200 characters is refused.

use crate::diff::{PARENTS, STAFF, STUDENTS, TOML, base_chats, write_snapshot};
use crate::server::{Server, TOKEN};
use crate::util::Ws;
use serde_json::Value;

/// Every chat of the diff fixture in `[[chats.map]]`; `titles`: (chat, title) entries.
fn chat_map(titles: &[(i64, &str)]) -> String {
    let mut t = String::new();
    for (id, branch, group, audience) in [
        (101, "Главный корпус", Some("ИС-1"), "students"),
        (102, "Главный корпус", Some("ИС-1"), "parents"),
        (103, "Главный корпус", Some("ИС-2"), "students"),
        (104, "Главный корпус", Some("ИС-2"), "parents"),
        (105, "Заречный филиал", Some("ЗФ-1"), "students"),
        (106, "Заречный филиал", Some("ЗФ-1"), "parents"),
        (107, "Главный корпус", None, "staff"),
        (108, "Заречный филиал", None, "staff"),
    ] {
        t.push_str(&format!(
            "[[chats.map]]\nchat_id = {id}\nbranch = \"{branch}\"\naudience = \"{audience}\"\n"
        ));
        if let Some(g) = group {
            t.push_str(&format!("group = \"{g}\"\n"));
        }
        if let Some((_, title)) = titles.iter().find(|x| x.0 == id) {
            t.push_str(&format!("title = \"{title}\"\n"));
        }
        t.push('\n');
    }
    t
}

fn workspace(config: &str) -> Ws {
    let ws = Ws::new();
    ws.config(config);
    ws.write("sources/students.csv", STUDENTS);
    ws.write("sources/parents.csv", PARENTS);
    ws.write("sources/staff.csv", STAFF);
    ws
}

fn renames(ws: &Ws) -> Vec<Value> {
    let c: Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "rename_chat")
        .cloned()
        .collect()
}

#[test]
fn diff_renames_exactly_the_mapped_chats_whose_title_differs() {
    // 102 «Родители ИС-1» → «ИС-1 Родители»; 103 already has its title; 105 is not
    // mapped with a title; 108 → «Преподаватели ЗФ».
    let ws = workspace(&format!(
        "{TOML}\n{}",
        chat_map(&[(102, "ИС-1 Родители"), (103, "ИС-2 Студенты"), (108, "  Преподаватели ЗФ ")])
    ));
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["diff"]);
    assert!(r.code <= 1, "{r}");
    let got: Vec<(i64, &str, &str, &str)> = renames(&ws)
        .iter()
        .map(|a| {
            (
                a["chat_id"].as_i64().unwrap(),
                a["from_title"].as_str().unwrap(),
                a["title"].as_str().unwrap(),
                a["reason"]["code"].as_str().unwrap(),
            )
        })
        .map(|(c, f, t, r)| (c, leak(f), leak(t), leak(r)))
        .collect();
    assert_eq!(
        got,
        vec![
            (102, "Родители ИС-1", "ИС-1 Родители", "chat_title_differs"),
            (108, "Преподаватели — Заречный филиал", "Преподаватели ЗФ", "chat_title_differs"),
        ]
    );
    assert!(r.stdout.contains("переименовать чат"), "{r}");
    let c: Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    assert_eq!(c["status"], "ready", "renames are never removals: {c:#}");
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

#[test]
fn no_renames_when_titles_equal_or_no_title_is_given() {
    let ws = workspace(&format!("{TOML}\n{}", chat_map(&[(101, "ИС-1 Студенты"), (106, "ЗФ-1 Родители")])));
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["diff"]);
    assert!(r.code <= 1, "{r}");
    assert!(renames(&ws).is_empty(), "{r}");
    assert!(!r.stdout.contains("переименовать чат"), "no column without renames\n{r}");
}

#[test]
fn a_title_over_200_characters_is_refused() {
    let long = "Я".repeat(201);
    let ws = workspace(&format!("{TOML}\n{}", chat_map(&[(102, &long)])));
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("[[chats.map]], запись 2 (chat_id 102)"), "{r}");
    assert!(r.stderr.contains("title длиной 201 символ"), "{r}");
    // Exactly 200 is taken; a blank one is refused.
    let ws = workspace(&format!("{TOML}\n{}", chat_map(&[(102, &"Я".repeat(200))])));
    write_snapshot(&ws, &base_chats());
    assert!(ws.run(&["diff"]).code <= 1);
    let ws = workspace(&format!("{TOML}\n{}", chat_map(&[(102, "  ")])));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("title пустой"), "{r}");
}

#[test]
fn apply_renames_the_chat_on_the_server_without_notifying() {
    let plat = Ws::new();
    write_snapshot(&plat, &base_chats());
    let dump = tempfile::tempdir().unwrap();
    let server = Server::start(
        &plat.path().join("platform"),
        &["--rate", "2000", "--dump", dump.path().to_str().unwrap()],
    );
    let config = format!(
        "{}\n[platform]\nsource = \"api\"\nbase_url = \"{}\"\nrate = 2000\n\n{}",
        TOML.replace("[platform]\nsnapshot = \"platform/\"\n", ""),
        server.base_url,
        chat_map(&[(102, "ИС-1 Родители")])
    );
    let ws = workspace(&config);
    let run = |args: &[&str]| ws.run_env(args, &[("ROLLOUT_MAX_TOKEN", TOKEN)]);
    let r = run(&["platform", "pull"]);
    assert_eq!(r.code, 0, "{r}");
    let r = run(&["diff"]);
    assert!(r.code <= 1, "{r}");
    let c: Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    let hash = c["hash"].as_str().unwrap().to_string();
    assert_eq!(renames(&ws).len(), 1, "{c:#}");
    let r = run(&["approve", &hash]);
    assert!(r.code <= 1, "{r}");
    let r = run(&["apply"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("переименовать чат: 102 «Родители ИС-1» → «ИС-1 Родители»"), "{r}");
    let r = run(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("переименовать чат — 1"), "{r}");
    // The server's log: one PATCH of 102, with the new title and notify false.
    let text = std::fs::read_to_string(server_log(&server)).unwrap();
    let patches: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["method"] == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1, "{text}");
    assert_eq!(patches[0]["path"], "/chats/102");
    assert_eq!(patches[0]["status"], 200);
    assert_eq!(patches[0]["patch"]["title"], "ИС-1 Родители");
    assert_eq!(patches[0]["patch"]["notify"], false);
    // Its state: the chat has the new title.
    let chats: Value = serde_json::from_slice(&std::fs::read(server.dump_dir().join("chats.json")).unwrap()).unwrap();
    let chat = chats["chats"].as_array().unwrap().iter().find(|c| c["chat_id"] == 102).unwrap();
    assert_eq!(chat["title"], "ИС-1 Родители");
    // Again: nothing to rename after a new pull.
    assert_eq!(run(&["platform", "pull"]).code, 0);
    let r = run(&["diff"]);
    assert!(r.code <= 1, "{r}");
    assert!(renames(&ws).is_empty(), "{r}");
}

fn server_log(s: &Server) -> std::path::PathBuf {
    s.log_path()
}
