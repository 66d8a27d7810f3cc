//! `rollout apply [--yes]` against `rollout-testserver`: the dry run, the platform's state
//! after `--yes`, refusals (held, stale, never shown), a platform that changed by itself,
//! crashes (a held DELETE and the client killed; the `ROLLOUT_TEST_CRASH_AT` hook), faults,
//! and the token nowhere.
//!
//! Every server of a test listens on one port picked at the start, so `base_url` in
//! `rollout.toml` (part of the change set's hash) never changes when a server is restarted.

use crate::diff::{M, PARENTS, STAFF, STUDENTS, base_chats, write_snapshot};
use crate::server::{LogEntry, Server, TOKEN, assert_no_token};
use crate::util::{Run, Ws};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const LEAVER: &str = "Уходова Вера Павловна;Преподаватель;ГК;\n";
const PERMISSIONS: [&str; 3] = ["read_all_messages", "write", "pin_message"];

/// The platform the servers start from: the diff fixture's chats, a teacher who is leaving
/// in the staff room, and the curator of ИС-2 not admin of its parents' chat.
fn platform_chats() -> Vec<(i64, &'static str, Vec<M<'static>>)> {
    let mut chats = base_chats();
    let parents_is2 = chats.iter_mut().find(|c| c.0 == 104).unwrap();
    for m in parents_is2.2.iter_mut() {
        if m.0 == 91 {
            m.3 = false;
        }
    }
    chats
        .iter_mut()
        .find(|c| c.0 == 107)
        .unwrap()
        .2
        .push((93, "Вера", "Уходова", false));
    chats
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A test's world: the workspace, the folder servers start from, the port.
struct World {
    ws: Ws,
    /// `platform/` inside: what servers serve.
    plat: Ws,
    port: u16,
}

impl World {
    /// A workspace on the diff fixture's sources (`staff` as the staff list) and a
    /// platform folder of `chats`, on a free port.
    fn new(chats: &[(i64, &'static str, Vec<M<'static>>)], staff: &str, concurrency: usize) -> World {
        let plat = Ws::new();
        write_snapshot(&plat, chats);
        let w = World {
            ws: Ws::new(),
            plat,
            port: free_port(),
        };
        w.ws.config(&toml(w.port, concurrency));
        w.ws.write("sources/students.csv", STUDENTS);
        w.ws.write("sources/parents.csv", PARENTS);
        w.ws.write("sources/staff.csv", staff);
        w
    }

    fn platform_dir(&self) -> PathBuf {
        self.plat.path().join("platform")
    }

    /// A server on the world's port, on `dir`, with `args`, dumping into a fresh folder.
    fn server_on(&self, dir: &Path, args: &[&str]) -> (Server, tempfile::TempDir) {
        let dump = tempfile::tempdir().unwrap();
        let port = self.port.to_string();
        let dump_s = dump.path().to_str().unwrap().to_string();
        let mut all: Vec<&str> = vec!["--rate", "2000", "--port", &port, "--dump", &dump_s];
        all.extend_from_slice(args);
        // The previous server of the test may still hold the port for a moment.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if std::net::TcpListener::bind(("127.0.0.1", self.port)).is_ok() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        (Server::start(dir, &all), dump)
    }

    fn server(&self, args: &[&str]) -> (Server, tempfile::TempDir) {
        self.server_on(&self.platform_dir(), args)
    }

    fn rollout(&self, args: &[&str]) -> Run {
        self.ws.run_env(args, &[("ROLLOUT_MAX_TOKEN", TOKEN)])
    }

    fn changes(&self) -> Value {
        serde_json::from_str(&self.ws.read("out/changes.json")).unwrap()
    }
}

fn toml(port: u16, concurrency: usize) -> String {
    let mut t = format!(
        "{}\n[platform]\nsource = \"api\"\nbase_url = \"http://127.0.0.1:{port}\"\nrate = 2000\nconcurrency = {concurrency}\ncurator_permissions = {}\n\n",
        crate::diff::TOML.replace("[platform]\nsnapshot = \"platform/\"\n", ""),
        serde_json::to_string(&PERMISSIONS).unwrap()
    );
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
        t.push('\n');
    }
    t
}

/// Pull and diff with everyone on the roster; then Иванов (and his mother, his only
/// parent) and the teacher Уходова leave the sources; diff again → three removals and a
/// make_admin; approved when held. The server is gone when this returns.
fn world(concurrency: usize) -> (World, String) {
    let w = World::new(&platform_chats(), &format!("{STAFF}{LEAVER}"), concurrency);
    let (server, _dump) = w.server(&[]);
    let r = w.rollout(&["platform", "pull"]);
    assert_eq!(r.code, 0, "{r}");
    let r = w.rollout(&["diff"]);
    assert!(r.code <= 1, "{r}");
    w.ws.write(
        "sources/students.csv",
        STUDENTS.replace("Иванов Иван Иванович;ИС-1;ГК;01.01.2008\n", ""),
    );
    w.ws.write(
        "sources/parents.csv",
        PARENTS.replace("Иванов Иван Иванович;ИС-1;ГК;Иванова Анна Петровна;мать;89120000001\n", ""),
    );
    w.ws.write("sources/staff.csv", STAFF);
    let r = w.rollout(&["diff"]);
    assert!(r.code <= 1, "{r}");
    let c = w.changes();
    let hash = c["hash"].as_str().unwrap().to_string();
    let kinds: BTreeSet<(String, i64, i64)> = c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| ["remove", "make_admin", "move"].contains(&a["kind"].as_str().unwrap()))
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_string(),
                a["chat_id"].as_i64().unwrap(),
                a["user_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, intended(), "{c:#}");
    if c["status"] == "held" {
        let r = w.rollout(&["approve", &hash]);
        assert_eq!(r.code, 0, "{r}");
    }
    drop(server);
    (w, hash)
}

/// (kind, chat, user) of what apply must do.
fn intended() -> BTreeSet<(String, i64, i64)> {
    BTreeSet::from([
        ("remove".to_string(), 101, 1),
        ("remove".to_string(), 102, 11),
        ("remove".to_string(), 107, 93),
        ("make_admin".to_string(), 104, 91),
    ])
}

fn removals() -> BTreeSet<(i64, i64)> {
    BTreeSet::from([(101, 1), (102, 11), (107, 93)])
}

/// The members files the server must end with: the three gone, the curator admin of 104
/// with exactly the configured permissions and the alias «Куратор»; nothing else changed.
fn assert_intended_state(start: &Path, dump: &Path) {
    for id in [101, 102, 103, 104, 105, 106, 107, 108] {
        let read =
            |dir: &Path| -> Value { serde_json::from_slice(&std::fs::read(dir.join(format!("members/{id}.json"))).unwrap()).unwrap() };
        let mut want = read(start);
        let list = want["members"].as_array_mut().unwrap();
        list.retain(|m| !removals().contains(&(id, m["user_id"].as_i64().unwrap())));
        if id == 104 {
            let m = list.iter_mut().find(|m| m["user_id"] == 91).unwrap();
            m["is_admin"] = json!(true);
            m["permissions"] = json!(PERMISSIONS);
            m["alias"] = json!("Куратор");
        }
        assert_eq!(read(dump), want, "members of chat {id}");
    }
}

/// The writes in the server's log: (method, chat, user) with their statuses.
fn writes(log: &[LogEntry]) -> BTreeMap<(String, i64, i64), Vec<u16>> {
    let mut out: BTreeMap<(String, i64, i64), Vec<u16>> = BTreeMap::new();
    for e in log.iter().filter(|e| e.method != "GET") {
        let chat: i64 = e.path.split('/').nth(2).and_then(|c| c.parse().ok()).unwrap_or(0);
        let user = e
            .query
            .split('&')
            .find_map(|kv| kv.strip_prefix("user_id="))
            .and_then(|u| u.parse().ok())
            .unwrap_or(0);
        out.entry((e.method.clone(), chat, user)).or_default().push(e.status);
    }
    out
}

/// Every intended DELETE exactly once with 200, one POST of admins answered 200, nothing else.
fn assert_each_write_once(log: &[LogEntry]) {
    let w = writes(log);
    let mut want: BTreeMap<(String, i64, i64), Vec<u16>> = removals()
        .into_iter()
        .map(|(c, u)| (("DELETE".to_string(), c, u), vec![200]))
        .collect();
    want.insert(("POST".to_string(), 104, 0), vec![200]);
    assert_eq!(w, want, "the writes the server carried out");
}

/// stdout from the first line of apply's own report (after the pull's lines).
fn report(r: &Run) -> Vec<&str> {
    let lines: Vec<&str> = r.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Набор изменений") || l.starts_with("Продолжаю"))
        .unwrap_or_else(|| panic!("no report\n{r}"));
    lines[at..].to_vec()
}

fn journal_states(ws: &Ws) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(ws.path().join(".rollout/state.db")).unwrap();
    let mut st = conn.prepare("SELECT kind, state FROM journal ORDER BY run_id, seq").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn dry_run_lists_every_call_and_changes_nothing() {
    let (w, hash) = world(4);
    let (server, dump) = w.server(&[]);
    let r = w.rollout(&["apply"]);
    assert_eq!(r.code, 0, "{r}");
    let c = w.changes();
    let mut want = vec![
        format!("Набор изменений {hash}: через MAX Bot API — 4 действия."),
        "Пробный запуск: на платформе ничего не меняется. Выполнить: rollout apply --yes".to_string(),
    ];
    for a in c["actions"].as_array().unwrap() {
        let pid = a["person_id"].as_str().unwrap();
        let line = match (a["kind"].as_str().unwrap(), a["chat_id"].as_i64().unwrap()) {
            ("remove", 101) => format!("  удалить из чата: 101 «ИС-1 Студенты», user_id 1, человек {pid} (выбыл обучающийся)"),
            ("remove", 102) => {
                format!("  удалить из чата: 102 «Родители ИС-1», user_id 11, человек {pid} (родитель выбывшего обучающегося)")
            }
            ("remove", 107) => format!("  удалить из чата: 107 «Учительская», user_id 93, человек {pid} (сотрудник ушёл)"),
            ("make_admin", 104) => format!(
                "  сделать администратором: 104 «Родители ИС-2», user_id 91, человек {pid} (куратор группы; права: read_all_messages, write, pin_message)"
            ),
            _ => continue,
        };
        want.push(line);
    }
    assert_eq!(report(&r), want, "{r}");
    assert!(
        server.log().iter().all(|e| e.method == "GET"),
        "a dry run only reads: {:?}",
        server.log()
    );
    assert!(journal_states(&w.ws).is_empty(), "a dry run journals nothing");
    for id in [101, 102, 103, 104, 105, 106, 107, 108] {
        let rel = format!("members/{id}.json");
        let read = |dir: &Path| -> Value { serde_json::from_slice(&std::fs::read(dir.join(&rel)).unwrap()).unwrap() };
        assert_eq!(
            read(dump.path()),
            read(&w.platform_dir()),
            "nothing changed on the server: chat {id}"
        );
    }
    assert_no_token(&w.ws, &[&r]);
}

#[test]
fn apply_yes_brings_the_platform_to_the_intended_state_and_a_second_run_has_nothing_to_do() {
    let (w, hash) = world(4);
    let (server, dump) = w.server(&[]);
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        report(&r),
        vec![
            format!("Набор изменений {hash}: через MAX Bot API — 4 действия."),
            "Итого: выполнено 4, уже не требовалось 0, не выполнено 0, ждут 0.".to_string(),
            "Выполнено: удалить из чата — 3, сделать администратором — 1.".to_string(),
        ],
        "{r}"
    );
    assert_intended_state(&w.platform_dir(), dump.path());
    assert_each_write_once(&server.log());
    assert_eq!(
        journal_states(&w.ws).iter().filter(|(_, s)| s == "done").count(),
        4,
        "{:?}",
        journal_states(&w.ws)
    );
    // The platform changed by our own hand: the new change set has nothing to carry out.
    let r2 = w.rollout(&["apply", "--yes"]);
    assert_eq!(r2.code, 0, "{r2}");
    assert!(
        r2.stdout
            .lines()
            .any(|l| l == "Через MAX Bot API делать нечего: удалений, назначений администраторами и переводов нет."),
        "{r2}"
    );
    assert_each_write_once(&server.log());
    assert_no_token(&w.ws, &[&r, &r2]);
}

#[test]
fn a_held_change_set_is_refused_until_approved() {
    let w = World::new(&platform_chats(), &format!("{STAFF}{LEAVER}"), 2);
    let (server, _dump) = w.server(&[]);
    assert_eq!(w.rollout(&["platform", "pull"]).code, 0);
    w.rollout(&["diff"]);
    w.ws.write(
        "sources/students.csv",
        STUDENTS.replace("Иванов Иван Иванович;ИС-1;ГК;01.01.2008\n", ""),
    );
    w.ws.write(
        "sources/parents.csv",
        PARENTS.replace("Иванов Иван Иванович;ИС-1;ГК;Иванова Анна Петровна;мать;89120000001\n", ""),
    );
    let r = w.rollout(&["diff"]);
    assert_eq!(r.code, 1, "held\n{r}");
    let hash = w.changes()["hash"].as_str().unwrap().to_string();
    for args in [&["apply"][..], &["apply", "--yes"][..]] {
        let r = w.rollout(args);
        assert_eq!(r.code, 2, "{r}");
        assert_eq!(
            r.stderr.lines().next().unwrap(),
            format!(
                "rollout: ошибка: набор изменений {hash} задержан и не утверждён — проверьте ./out/changes.xlsx и утвердите: rollout approve {hash}"
            ),
            "{r}"
        );
    }
    assert!(server.log().iter().all(|e| e.method == "GET"));
    let r = w.rollout(&["approve", &hash]);
    assert_eq!(r.code, 0, "{r}");
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        writes(&server.log()).len(),
        3,
        "two removals and the make_admin: {:?}",
        writes(&server.log())
    );
}

#[test]
fn a_stale_or_never_shown_change_set_is_refused_naming_what_changed() {
    let (w, _hash) = world(2);
    let (server, _dump) = w.server(&[]);
    // A source edited since the diff.
    w.ws.write(
        "sources/students.csv",
        STUDENTS
            .replace("Иванов Иван Иванович;ИС-1;ГК;01.01.2008\n", "")
            .replace("Зайцев Захар Ильич;ЗФ-1;Заречный;11.11.2008\n", ""),
    );
    let asked = server.log().len();
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(server.log().len(), asked, "refused before pulling the platform: {r}");
    assert_eq!(
        r.stderr.lines().next().unwrap(),
        "rollout: ошибка: набор изменений не тот, что показал rollout diff: изменились источники: sources/students.csv — выполните rollout diff и проверьте новый набор изменений (./out/changes.xlsx)",
        "{r}"
    );
    // Back as it was, and the configuration edited instead.
    w.ws.write(
        "sources/students.csv",
        STUDENTS.replace("Иванов Иван Иванович;ИС-1;ГК;01.01.2008\n", ""),
    );
    let text = w.ws.read("rollout.toml");
    w.ws.config(&text.replace("concurrency = 2", "concurrency = 3"));
    let r = w.rollout(&["apply"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(server.log().len(), asked, "refused before pulling the platform: {r}");
    assert_eq!(
        r.stderr.lines().next().unwrap(),
        "rollout: ошибка: набор изменений не тот, что показал rollout diff: изменился rollout.toml — выполните rollout diff и проверьте новый набор изменений (./out/changes.xlsx)",
        "{r}"
    );
    assert!(server.log().iter().all(|e| e.method == "GET"), "nothing written");
    // A workspace whose change set was never shown.
    let fresh = World {
        ws: Ws::new(),
        plat: Ws::new(),
        port: w.port,
    };
    fresh.ws.config(&toml(w.port, 2));
    fresh.ws.write("sources/students.csv", STUDENTS);
    let r = fresh.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next().unwrap(),
        "rollout: ошибка: набор изменений ещё не показан: сначала выполните rollout diff и проверьте его (./out/changes.xlsx)",
        "{r}"
    );
    assert!(server.log().iter().all(|e| e.method == "GET"), "nothing written");
}

#[test]
fn not_the_live_platform_is_refused() {
    let ws = crate::diff::college();
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["apply"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next().unwrap(),
        "rollout: ошибка: rollout apply меняет живую платформу через MAX Bot API: задайте в rollout.toml [platform] source = \"api\" (снимок или выгрузку участников изменить нельзя)",
        "{r}"
    );
}

#[test]
fn someone_joining_between_diff_and_apply_does_not_make_it_stale() {
    let (w, hash) = world(2);
    // Кузнецова joins her chat by link after the diff: the platform is no longer the same.
    let joined = Ws::new();
    let mut chats = platform_chats();
    chats[0].2.push((8, "Новый", "Участник", false));
    write_snapshot(&joined, &chats);
    let (server, dump) = w.server_on(&joined.path().join("platform"), &[]);
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        report(&r)[0],
        format!("Набор изменений {hash}: через MAX Bot API — 4 действия."),
        "{r}"
    );
    assert_intended_state(&joined.path().join("platform"), dump.path());
    assert_each_write_once(&server.log());
}

/// Start `rollout apply --yes` in the background.
fn spawn_apply(w: &World, env: &[(&str, &str)]) -> std::process::Child {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rollout"));
    cmd.args(["apply", "--yes"])
        .current_dir(w.ws.path())
        .env("ROLLOUT_TODAY", "2026-11-22")
        .env("ROLLOUT_MAX_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

#[cfg(unix)]
fn killed_by_sigkill(status: std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

/// The client killed while the server holds the k-th DELETE (carried out, never
/// answered); the next `apply --yes` resumes and finishes; each write happened once.
fn killed_while_a_delete_is_held(k: usize) {
    let (w, _hash) = world(1);
    let ks = k.to_string();
    let (server, dump) = w.server(&["--hold-delete", &ks]);
    let mut child = spawn_apply(&w, &[]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(server.log_path())
        .unwrap_or_default()
        .contains("\"held\":true")
    {
        assert!(Instant::now() < deadline, "no DELETE was held: {:?}", server.log());
        assert!(child.try_wait().unwrap().is_none(), "apply ended before the held DELETE");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(killed_by_sigkill(status), "{status:?}");
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("Продолжаю незавершённое применение набора изменений "),
        "{r}"
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l == "Итого: выполнено 4, уже не требовалось 0, не выполнено 0, ждут 0."),
        "{r}"
    );
    assert_intended_state(&w.platform_dir(), dump.path());
    assert_each_write_once(&server.log());
    // The next apply starts afresh: nothing left to do.
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert_each_write_once(&server.log());
}

#[test]
fn killed_while_the_first_delete_is_held() {
    killed_while_a_delete_is_held(1);
}

#[test]
fn killed_while_the_middle_delete_is_held() {
    killed_while_a_delete_is_held(2);
}

#[test]
fn killed_while_the_last_delete_is_held() {
    killed_while_a_delete_is_held(3);
}

#[cfg(unix)]
#[test]
fn ctrl_c_says_what_happens_next_and_the_next_apply_finishes() {
    let (w, _hash) = world(1);
    let (server, dump) = w.server(&["--hold-delete", "2"]);
    let child = spawn_apply(&w, &[]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(server.log_path())
        .unwrap_or_default()
        .contains("\"held\":true")
    {
        assert!(Instant::now() < deadline, "no DELETE was held: {:?}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: a plain kill(2) of our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.lines().any(|l| l
            == "rollout: прервано (Ctrl-C): сделанное записано в журнал — rollout apply --yes продолжит с того же места и ничего не повторит"),
        "{stderr}"
    );
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert_intended_state(&w.platform_dir(), dump.path());
    assert_each_write_once(&server.log());
}

#[test]
fn killed_between_the_answer_and_the_journal() {
    let (w, _hash) = world(1);
    let (server, dump) = w.server(&[]);
    let child = spawn_apply(&w, &[("ROLLOUT_TEST_CRASH_AT", "after-answer:2")]);
    let out = child.wait_with_output().unwrap();
    assert!(killed_by_sigkill(out.status), "{:?}", out.status);
    assert_eq!(writes(&server.log()).len(), 2, "two calls answered before the crash");
    let states = journal_states(&w.ws);
    assert_eq!(
        states.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(),
        vec!["done", "pending", "planned", "planned"],
        "the second call's answer never reached the journal"
    );
    // A dry run now lists what is left of that run, and changes nothing.
    let dry = w.rollout(&["apply"]);
    assert_eq!(dry.code, 0, "{dry}");
    let lines: Vec<&str> = dry.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{dry}");
    assert!(
        lines[0].starts_with("Незавершённое применение набора изменений ")
            && lines[0].ends_with(": осталось 3 действия — rollout apply --yes продолжит его:"),
        "{dry}"
    );
    assert_eq!(writes(&server.log()).len(), 2, "a dry run writes nothing");
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert_intended_state(&w.platform_dir(), dump.path());
    assert_each_write_once(&server.log());
    // Before the call: the entry is pending, the call was never sent.
    let (w, _hash) = world(1);
    let (server, dump) = w.server(&[]);
    let out = spawn_apply(&w, &[("ROLLOUT_TEST_CRASH_AT", "before-call:1")])
        .wait_with_output()
        .unwrap();
    assert!(killed_by_sigkill(out.status), "{:?}", out.status);
    assert!(writes(&server.log()).is_empty());
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert_intended_state(&w.platform_dir(), dump.path());
    assert_each_write_once(&server.log());
}

#[test]
fn faults_on_writes_repeat_nothing() {
    let mut faulted = 0;
    // Seed 6 fails the first DELETE twice before carrying it out (a read between, each
    // showing the member still there); seed 9 fails it once before and then carries it out
    // without an answer (a read settles it).
    for seed in ["6", "9"] {
        // One request at a time: the same requests in the same order meet the same faults.
        let (w, _hash) = world(1);
        let faults = format!("{seed},0.3");
        let (server, dump) = w.server(&["--faults", &faults]);
        let mut runs = Vec::new();
        // A run may stop when faults exhaust a read's retries (exit 4); the next resumes.
        for _ in 0..4 {
            let r = w.rollout(&["apply", "--yes"]);
            let code = r.code;
            runs.push(r);
            if code == 0 {
                break;
            }
        }
        let last = runs.last().unwrap();
        // Exit 0: nothing failed — a DELETE of someone already gone would be refused.
        assert_eq!(last.code, 0, "seed {seed}\n{last}");
        assert_intended_state(&w.platform_dir(), dump.path());
        let log = writes(&server.log());
        for ((method, chat, user), statuses) in &log {
            // A write is repeated only after a read showed it was not carried out.
            assert!(
                statuses.iter().filter(|s| **s == 200).count() <= 1,
                "{method} {chat}/{user}: {statuses:?}"
            );
            faulted += statuses.iter().filter(|s| **s != 200).count();
        }
        for (c, u) in removals() {
            assert!(log.contains_key(&("DELETE".to_string(), c, u)), "{c}/{u}");
        }
        let refs: Vec<&Run> = runs.iter().collect();
        assert_no_token(&w.ws, &refs);
    }
    assert!(faulted > 0, "the faults hit some write");
}

#[test]
fn a_chat_where_the_bot_may_not_remove_fails_that_removal_and_the_rest_is_done() {
    let (w, hash) = world(2);
    let (server, dump) = w.server(&["--permissions", "107=read_all_messages+add_admins"]);
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 1, "{r}");
    let pid = w.changes()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == 93)
        .map(|a| a["person_id"].as_str().unwrap().to_string())
        .unwrap();
    assert_eq!(
        report(&r),
        vec![
            format!("Набор изменений {hash}: через MAX Bot API — 4 действия."),
            "Итого: выполнено 3, уже не требовалось 0, не выполнено 1, ждут 0.".to_string(),
            "Выполнено: удалить из чата — 2, сделать администратором — 1.".to_string(),
            "Не выполнено (1):".to_string(),
            "  403 — нет доступа: бот не администратор чата или у него нет нужного права (удалять — add_remove_members, назначать администраторов — add_admins); дайте право и повторите rollout apply --yes (1):".to_string(),
            format!(
                "    удалить из чата: 107 «Учительская», user_id 93, человек {pid} (сотрудник ушёл): чат 107, удаление участника 93: нет доступа (403) — бот не участник или не администратор этого чата"
            ),
        ],
        "{r}"
    );
    let log = writes(&server.log());
    assert_eq!(log.len(), 4, "{log:?}");
    let staff: Value = serde_json::from_slice(&std::fs::read(dump.path().join("members/107.json")).unwrap()).unwrap();
    assert!(staff["members"].as_array().unwrap().iter().any(|m| m["user_id"] == 93));
    // Nothing is left open: the next apply starts afresh with what is still to do, and tries again.
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l == "Итого: выполнено 0, уже не требовалось 0, не выполнено 1, ждут 0."),
        "{r}"
    );
}

#[test]
fn a_move_waits_until_the_person_is_in_their_own_chat() {
    let mut chats = platform_chats();
    // Семёнов (ИС-2) sits in ИС-1's students' chat, not in his own.
    chats[2].2.retain(|m| m.0 != 23);
    chats[0].2.push((23, "Пётр", "Семёнов", false));
    let w = World::new(&chats, STAFF, 2);
    let (server, _dump) = w.server(&[]);
    assert_eq!(w.rollout(&["platform", "pull"]).code, 0);
    w.rollout(&["diff"]);
    let people = w.ws.people();
    let pid = crate::util::find_person(&people, "Семёнов", "Пётр")[0]["person_id"].clone();
    let r = w.rollout(&["confirm", "23", &pid]);
    assert_eq!(r.code, 0, "{r}");
    let r = w.rollout(&["diff"]);
    assert!(r.code <= 1, "{r}");
    let c = w.changes();
    let moves: Vec<&Value> = c["actions"].as_array().unwrap().iter().filter(|a| a["kind"] == "move").collect();
    assert_eq!(moves.len(), 1, "{c:#}");
    if c["status"] == "held" {
        assert_eq!(w.rollout(&["approve", c["hash"].as_str().unwrap()]).code, 0);
    }
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.lines().any(|l| l
            == format!(
                "  перевести в свой чат: удалить из 101 «ИС-1 Студенты», когда вступит в 103 «ИС-2 Студенты»: user_id 23, человек {pid} (в чате чужой группы): ждёт, пока человек вступит в свой чат"
            )),
        "{r}"
    );
    assert!(
        writes(&server.log())
            .keys()
            .all(|(m, c, u)| !(m == "DELETE" && *c == 101 && *u == 23)),
        "not removed before he is in his own chat"
    );
    drop(server);
    // He joins his own chat with the same account: the diff completes the move and apply
    // takes him out of ИС-1's chat, once.
    let joined = Ws::new();
    let mut both = chats.clone();
    both[2].2.push((23, "Пётр", "Семёнов", false));
    write_snapshot(&joined, &both);
    let (server, dump) = w.server_on(&joined.path().join("platform"), &[]);
    assert_eq!(w.rollout(&["platform", "pull"]).code, 0);
    let r = w.rollout(&["diff"]);
    assert!(r.code <= 1, "{r}");
    let c = w.changes();
    let moves: Vec<&Value> = c["actions"].as_array().unwrap().iter().filter(|a| a["kind"] == "move").collect();
    assert_eq!(moves.len(), 1, "{c:#}");
    assert_eq!(
        (moves[0]["chat_id"].as_i64(), moves[0]["from_chat_id"].as_i64()),
        (Some(103), Some(101)),
        "{c:#}"
    );
    assert!(
        !c["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["reason"]["code"] == "two_group_chats"),
        "{c:#}"
    );
    if c["status"] == "held" {
        assert_eq!(w.rollout(&["approve", c["hash"].as_str().unwrap()]).code, 0);
    }
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    let deletes: Vec<(String, i64, i64)> = writes(&server.log()).into_keys().filter(|(m, _, _)| m == "DELETE").collect();
    assert_eq!(deletes, vec![("DELETE".to_string(), 101, 23)], "{r}");
    let members = |chat: i64| -> Vec<i64> {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(dump.path().join(format!("members/{chat}.json"))).unwrap()).unwrap();
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["user_id"].as_i64().unwrap())
            .collect()
    };
    assert!(!members(101).contains(&23) && members(103).contains(&23));
}

#[test]
fn answers_429_above_the_servers_rate_are_waited_out_and_nothing_is_repeated() {
    let (w, _hash) = world(4);
    // The client asks for 2000 requests/s; the server admits 20.
    let (server, dump) = w.server(&["--rate", "20"]);
    let r = w.rollout(&["apply", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    let log = server.log();
    assert!(log.iter().any(|e| e.status == 429), "the rate was exceeded");
    assert_intended_state(&w.platform_dir(), dump.path());
    let carried: BTreeMap<(String, i64, i64), Vec<u16>> = writes(&log)
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().filter(|s| *s != 429).collect()))
        .collect();
    let mut want: BTreeMap<(String, i64, i64), Vec<u16>> = removals()
        .into_iter()
        .map(|(c, u)| (("DELETE".to_string(), c, u), vec![200]))
        .collect();
    want.insert(("POST".to_string(), 104, 0), vec![200]);
    assert_eq!(carried, want, "each write carried out once; only 429s repeated");
}
