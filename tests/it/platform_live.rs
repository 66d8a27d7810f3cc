//! `rollout platform check|pull|discover` against `rollout-testserver` on 127.0.0.1: the
//! checklist, complete and partial pulls, faults, a pull killed midway, discover, and the
//! token nowhere but in the Authorization header.

use crate::server::{Server, TOKEN, assert_no_token, files_under};
use crate::util::{Run, Ws};
use rollout::platform::{Chat, Member};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The server's platform: three chats, one with 150 members (two pages), with fields
/// rollout does not use (they are ignored, not an error).
fn platform() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let chat = |id: i64, title: &str, n: i64| {
        json!({"chat_id": id, "type": "chat", "status": "active", "title": title, "participants_count": n,
               "link": format!("https://max.ru/join/link{}", -id), "is_public": false, "last_event_time": 1700000000000i64})
    };
    let chats = json!({"chats": [chat(-101, "5А Родители", 151), chat(-102, "5А Ученики", 4), chat(-103, "Учительская", 3)]});
    std::fs::write(dir.path().join("chats.json"), serde_json::to_vec_pretty(&chats).unwrap()).unwrap();
    std::fs::create_dir_all(dir.path().join("members")).unwrap();
    let bot = json!({"user_id": 1, "first_name": "rollout-bot", "is_bot": true, "is_admin": true, "is_owner": false});
    let member = |id: i64, first: &str, last: Option<&str>| {
        let mut m = json!({"user_id": id, "first_name": first, "is_bot": false, "is_admin": false, "is_owner": false,
                           "join_time": 1700000000000i64 + id, "last_access_time": 1700000000500i64, "avatar_url": "https://example.invalid/a.png"});
        if let Some(l) = last {
            m["last_name"] = json!(l);
        }
        m
    };
    let mut parents = vec![bot.clone()];
    // Not in user_id order on purpose: the pull sorts.
    for i in (0..150).rev() {
        parents.push(member(5000 + i, &format!("Родитель{i}"), Some("Иванова")));
    }
    let pupils = vec![
        bot.clone(),
        member(300, "Маша", None),
        member(200, "Петров", Some("Пётр")),
        member(100, "Аня", Some("Смирнова")),
    ];
    let mut head = member(900, "Ольга", Some("Кузнецова"));
    head["is_admin"] = json!(true);
    let staff = vec![bot, head, member(901, "Игорь", Some("Белов"))];
    for (id, list) in [(-101, parents), (-102, pupils), (-103, staff)] {
        let body = json!({"members": list, "marker": null});
        std::fs::write(
            dir.path().join(format!("members/{id}.json")),
            serde_json::to_vec_pretty(&body).unwrap(),
        )
        .unwrap();
    }
    dir
}

/// A workspace whose [[chats.map]] is the three chats (and `extra_chats` more).
fn workspace(base_url: &str, extra_chats: &[i64]) -> Ws {
    let ws = Ws::new();
    let mut text = format!(
        "[organization]\nname = \"Школа № 1\"\nprofile = \"school\"\n\n[platform]\nbase_url = \"{base_url}\"\nrate = 2000\nconcurrency = 4\n\n"
    );
    for (id, group, audience) in [(-101, Some("5А"), "parents"), (-102, Some("5А"), "students"), (-103, None, "staff")] {
        text.push_str(&format!("[[chats.map]]\nchat_id = {id}\naudience = \"{audience}\"\n"));
        if let Some(g) = group {
            text.push_str(&format!("group = \"{g}\"\n"));
        }
        text.push('\n');
    }
    for id in extra_chats {
        text.push_str(&format!(
            "[[chats.map]]\nchat_id = {id}\naudience = \"parents\"\ngroup = \"5Б\"\n\n"
        ));
    }
    ws.config(&text);
    ws
}

fn set_base_url(ws: &Ws, base_url: &str) {
    let text = ws.read("rollout.toml");
    let start = text.find("base_url = \"").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let text = format!("{}base_url = \"{base_url}\"{}", &text[..start], &text[end..]);
    ws.config(&text);
}

fn rollout(ws: &Ws, args: &[&str]) -> Run {
    ws.run_env(args, &[("ROLLOUT_MAX_TOKEN", TOKEN)])
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

fn current_dir(ws: &Ws) -> PathBuf {
    let snaps = ws.path().join(".rollout/snapshots");
    let name = std::fs::read_to_string(snaps.join("current")).expect("a current pull");
    snaps.join(name.trim())
}

fn chats_of(dir: &Path) -> Vec<Chat> {
    let v: Value = serde_json::from_slice(&std::fs::read(dir.join("chats.json")).unwrap()).unwrap();
    serde_json::from_value(v["chats"].clone()).unwrap()
}

fn members_of(dir: &Path, id: i64) -> Option<Vec<Member>> {
    let bytes = std::fs::read(dir.join(format!("members/{id}.json"))).ok()?;
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["marker"], Value::Null);
    let mut m: Vec<Member> = serde_json::from_value(v["members"].clone()).unwrap();
    m.sort_by_key(|m| m.user_id);
    Some(m)
}

/// The saved pull holds exactly the server's chats and members (members sorted).
fn assert_same_platform(saved: &Path, server: &Path, readable: &[i64]) {
    assert_eq!(chats_of(saved), chats_of(server));
    for id in readable {
        let got = members_of(saved, *id).unwrap_or_else(|| panic!("no members/{id}.json"));
        let ids: Vec<i64> = got.iter().map(|m| m.user_id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "members of {id} saved in user_id order");
        assert_eq!(Some(got), members_of(server, *id), "members of {id}");
    }
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn check_with_a_bad_token_fails_with_exit_4() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000"]);
    let ws = workspace(&server.base_url, &[]);
    let r = ws.run_env(&["platform", "check"], &[("ROLLOUT_MAX_TOKEN", "wrong-token-value")]);
    assert_eq!(r.code, 4, "{r}");
    let err = lines(&r.stderr);
    assert!(
        err.contains(&"rollout: ошибка: не удалось проверить доступ бота к MAX Bot API"),
        "{r}"
    );
    assert!(
        err.contains(
            &"  причина: MAX Bot API не принял токен (401) — проверьте токен бота в ROLLOUT_MAX_TOKEN или в файле [platform] token_file"
        ),
        "{r}"
    );
    assert!(
        !r.stderr.contains("wrong-token-value") && !r.stdout.contains("wrong-token-value"),
        "{r}"
    );
}

#[test]
fn check_lists_chats_where_the_bot_is_not_admin_or_lacks_rights_or_cannot_see() {
    let plat = platform();
    let server = Server::start(
        plat.path(),
        &[
            "--rate",
            "1000",
            "--forbid",
            "-102",
            "--permissions",
            "-103=read_all_messages+add_admins",
        ],
    );
    let ws = workspace(&server.base_url, &[-199]);
    let r = rollout(&ws, &["platform", "check"]);
    assert_eq!(r.code, 1, "{r}");
    let out = lines(&r.stdout);
    assert_eq!(out[0], "Бот: rollout-bot (@rollout_bot, user_id 1)", "{r}");
    assert!(out.contains(&"Проверено чатов из [[chats.map]]: 4"), "{r}");
    let at = out
        .iter()
        .position(|l| *l == "Бот не видит чат (1):")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(out[at + 1].starts_with("  -199: ") && out[at + 1].contains("404"), "{r}");
    let at = out
        .iter()
        .position(|l| *l == "Бот не администратор — сделайте его администратором чата (1):")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(out[at + 1], "  -102 «5А Ученики»", "{r}");
    let at = out
        .iter()
        .position(|l| *l == "Боту не хватает прав (1):")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(
        out[at + 1],
        "  -103 «Учительская»: add_remove_members (удалять участников), change_chat_info (переименовывать чат)",
        "{r}"
    );
    assert_eq!(*out.last().unwrap(), "Итого: чатов 4, в порядке 1, с замечаниями 3.", "{r}");
    assert_no_token(&ws, &[&r]);
}

#[test]
fn check_confirms_chats_given_by_web_address_resolve() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000"]);
    let ws = Ws::new();
    ws.config(&format!(
        "[organization]\nname = \"Школа № 1\"\nprofile = \"school\"\n\n[platform]\nbase_url = \"{}\"\nrate = 2000\n\n\
         [[chats.map]]\nchat_id = \"https://web.max.ru/-101\"\ngroup = \"5А\"\naudience = \"parents\"\n\n\
         [[chats.map]]\nchat_id = \"web.max.ru/-777/\"\ngroup = \"5Б\"\naudience = \"parents\"\n",
        server.base_url
    ));
    let r = rollout(&ws, &["platform", "check"]);
    assert_eq!(r.code, 1, "{r}");
    let out = lines(&r.stdout);
    let at = out
        .iter()
        .position(|l| *l == "Чаты, заданные веб-адресом (2):")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(out[at + 1], "  https://web.max.ru/-101 → -101 «5А Родители»: чат найден", "{r}");
    assert_eq!(
        out[at + 2],
        "  web.max.ru/-777/ → -777: чат не открывается — проверьте адрес и что бот добавлен в этот чат",
        "{r}"
    );
    assert_eq!(*out.last().unwrap(), "Итого: чатов 2, в порядке 1, с замечаниями 1.", "{r}");
}

#[test]
fn check_and_pull_without_a_token_or_chats_say_how_to_give_them() {
    let ws = workspace("http://127.0.0.1:9", &[]);
    for cmd in ["check", "pull"] {
        let r = ws.run(&["platform", cmd]);
        assert_eq!(r.code, 2, "{r}");
        assert!(
            lines(&r.stderr).contains(&"rollout: ошибка: нет токена бота MAX: задайте его в переменной окружения ROLLOUT_MAX_TOKEN или в файле, путь к которому указан в [platform] token_file файла rollout.toml (файл должен быть доступен только владельцу: chmod 600); в командной строке токен не принимается"),
            "{r}"
        );
    }
    ws.config("[organization]\nname = \"Школа\"\nprofile = \"school\"\n");
    let r = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        lines(&r.stderr).contains(&"rollout: ошибка: rollout.toml: нет ни одного чата в [[chats.map]] — впишите chat_id (или адрес web.max.ru) каждого чата, администратором которого сделан бот; найти их поможет rollout platform discover"),
        "{r}"
    );
    assert!(!ws.path().join(".rollout/snapshots/current").exists());
}

#[test]
fn a_complete_pull_saves_the_servers_data_and_makes_it_current() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000"]);
    let ws = workspace(&server.base_url, &[]);
    let r = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r.code, 0, "{r}");
    let cur = current_dir(&ws);
    assert_same_platform(&cur, plat.path(), &[-101, -102, -103]);
    let out = lines(&r.stdout);
    let rel = cur.strip_prefix(ws.path()).unwrap().display().to_string();
    assert_eq!(out[0], format!("Снимок платформы сохранён: {rel}"), "{r}");
    assert_eq!(out[1], "Чатов прочитано: 3 из 3, участников: 158.", "{r}");
    assert!(out[2].starts_with("Время: ") && out[2].contains("ответов 429: 0."), "{r}");
    let pull: Value = serde_json::from_str(&std::fs::read_to_string(cur.join("pull.json")).unwrap()).unwrap();
    assert_eq!(
        (pull["chats"].as_u64(), pull["chats_read"].as_u64(), pull["members"].as_u64()),
        (Some(3), Some(3), Some(158))
    );
    assert_eq!(pull["unreadable"], json!([]));
    #[cfg(unix)]
    {
        assert_eq!(mode(&ws.path().join(".rollout/snapshots")), 0o700);
        assert_eq!(mode(&cur), 0o700);
        assert_eq!(mode(&cur.join("members")), 0o700);
        for f in files_under(&cur) {
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }
    // Paging with count=100 and the marker; only reads; the token never in a query.
    let log = server.log();
    assert!(log.iter().all(|l| l.method == "GET"), "{log:?}");
    let pages: Vec<_> = log.iter().filter(|l| l.path == "/chats/-101/members").collect();
    assert_eq!(pages.len(), 2, "{log:?}");
    assert!(pages.iter().all(|l| l.query.contains("count=100")), "{log:?}");
    assert!(!std::fs::read_to_string(server.log_path()).unwrap().contains(TOKEN));
    // A second pull of the unchanged platform: a new folder, the same data.
    let r2 = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r2.code, 0, "{r2}");
    let cur2 = current_dir(&ws);
    assert_ne!(cur2, cur);
    assert_same_platform(&cur2, plat.path(), &[-101, -102, -103]);
    // `--quiet`: a complete pull says nothing.
    let r3 = rollout(&ws, &["platform", "pull", "--quiet"]);
    assert_eq!((r3.code, r3.stdout.as_str(), r3.stderr.as_str()), (0, "", ""), "{r3}");
    assert_ne!(current_dir(&ws), cur2);
    assert_no_token(&ws, &[&r, &r2, &r3]);
}

#[cfg(unix)]
#[test]
fn a_token_file_saved_by_notepad_with_a_bom_and_a_crlf_is_read() {
    use std::os::unix::fs::PermissionsExt;
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000"]);
    let ws = workspace(&server.base_url, &[]);
    ws.config(
        &ws.read("rollout.toml")
            .replace("[platform]\n", "[platform]\ntoken_file = \"token.txt\"\n"),
    );
    let file = ws.path().join("token.txt");
    std::fs::write(&file, format!("\u{feff}{TOKEN}\r\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = ws.run(&["platform", "check"]);
    assert_eq!(r.code, 0, "{r}");
    assert_no_token(&ws, &[&r]);
}

#[test]
fn a_pull_with_forbidden_chats_keeps_them_unknown_and_exits_1() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000", "--forbid", "-102"]);
    let ws = workspace(&server.base_url, &[-199]);
    let r = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r.code, 1, "{r}");
    let cur = current_dir(&ws);
    let chats = chats_of(&cur);
    let ids: Vec<i64> = chats.iter().map(|c| c.chat_id).collect();
    assert_eq!(ids, [-101, -102, -103, -199]);
    // What we know of the forbidden chat is kept; of the missing one only its id.
    assert_eq!(chats[1].title.as_deref(), Some("5А Ученики"));
    assert_eq!(chats[3].title, None);
    assert!(members_of(&cur, -102).is_none() && members_of(&cur, -199).is_none());
    assert_eq!(members_of(&cur, -101), members_of(plat.path(), -101));
    let out = lines(&r.stdout);
    assert!(out.contains(&"Чатов прочитано: 2 из 4, участников: 154."), "{r}");
    let at = out
        .iter()
        .position(|l| *l == "Не прочитаны — их участники считаются неизвестными (2):")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(
        out[at + 1].starts_with("  -102 «5А Ученики»: ") && out[at + 1].contains("403"),
        "{r}"
    );
    assert!(out[at + 2].starts_with("  -199: ") && out[at + 2].contains("404"), "{r}");
    let pull: Value = serde_json::from_str(&std::fs::read_to_string(cur.join("pull.json")).unwrap()).unwrap();
    assert_eq!(
        pull["unreadable"],
        json!([{"chat_id": -102, "reason": "forbidden"}, {"chat_id": -199, "reason": "not_found"}])
    );
    assert_no_token(&ws, &[&r]);
}

#[test]
fn a_pull_through_faults_saves_the_servers_data_exactly() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000", "--faults", "7,0.2"]);
    let ws = workspace(&server.base_url, &[]);
    let r = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r.code, 0, "{r}");
    assert_same_platform(&current_dir(&ws), plat.path(), &[-101, -102, -103]);
    // The seed gives faults among the first requests: the pull went through them.
    let log = server.log();
    assert!(log.iter().any(|l| l.status == 500 || l.status == 0), "{log:?}");
    assert!(!lines(&r.stdout).iter().any(|l| l.contains("повторов: 0,")), "{r}");
    assert_no_token(&ws, &[&r]);
}

#[test]
fn a_pull_killed_midway_leaves_the_previous_pull_current() {
    let plat = platform();
    let fast = Server::start(plat.path(), &["--rate", "1000"]);
    let ws = workspace(&fast.base_url, &[]);
    let r = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r.code, 0, "{r}");
    let first = current_dir(&ws);
    let first_chats = std::fs::read(first.join("chats.json")).unwrap();
    drop(fast);

    // A slow server: the pull takes seconds; kill it after it has started.
    let slow = Server::start(plat.path(), &["--rate", "2"]);
    set_base_url(&ws, &slow.base_url);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(["platform", "pull"])
        .current_dir(ws.path())
        .env("ROLLOUT_TODAY", "2026-11-22")
        .env("ROLLOUT_MAX_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let snaps = ws.path().join(".rollout/snapshots");
    let partial = || {
        std::fs::read_dir(&snaps)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".partial-"))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !partial() || slow.log().len() < 2 {
        assert!(Instant::now() < deadline, "the pull did not start");
        assert!(child.try_wait().unwrap().is_none(), "the pull ended before it was killed");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(current_dir(&ws), first);
    assert_eq!(std::fs::read(first.join("chats.json")).unwrap(), first_chats);
    assert!(partial(), "the killed pull's staging folder is still there");
    drop(slow);

    // The next pull removes the leftover.
    let fast = Server::start(plat.path(), &["--rate", "1000"]);
    set_base_url(&ws, &fast.base_url);
    let r2 = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r2.code, 0, "{r2}");
    assert!(!partial());
    assert_ne!(current_dir(&ws), first);
    assert!(first.exists(), "older pulls are kept up to keep_snapshots");
    assert_no_token(&ws, &[&r, &r2]);
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_discover_keeps_the_chats_found_so_far() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000", "--announce", "-101,-102,-103"]);
    let ws = Ws::new();
    ws.config(&format!(
        "[organization]\nname = \"Школа № 1\"\nprofile = \"school\"\n\n[platform]\nbase_url = \"{}\"\n\n[[chats.map]]\nchat_id = -102\naudience = \"students\"\ngroup = \"5А\"\n",
        server.base_url
    ));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(["platform", "discover", "--wait", "60"])
        .current_dir(ws.path())
        .env("ROLLOUT_TODAY", "2026-11-22")
        .env("ROLLOUT_MAX_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The marker, then the long poll that brought the three chats: it is waiting again.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.log().iter().filter(|l| l.path == "/updates").count() < 2 {
        assert!(Instant::now() < deadline, "{:?}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: a plain kill(2) of our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "it stopped waiting");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l == "rollout: прервано (Ctrl-C): больше не жду — записываю чаты, найденные до сих пор"),
        "{stderr}"
    );
    assert_eq!(
        stdout.lines().next(),
        Some("Бота добавили в чатов: 3; предложено записей [[chats.map]]: 1."),
        "{stdout}"
    );
    assert!(ws.read("out/platform/chats-map.toml").contains("chat_id = -103\n"));
}

#[test]
fn discover_proposes_chats_map_entries_for_announced_chats() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000", "--announce", "-101,-102,-103"]);
    let ws = Ws::new();
    ws.config(&format!(
        "[organization]\nname = \"Школа № 1\"\nprofile = \"school\"\n\n[platform]\nbase_url = \"{}\"\n\n[[chats.map]]\nchat_id = -102\naudience = \"students\"\ngroup = \"5А\"\n",
        server.base_url
    ));
    let before = ws.read("rollout.toml");
    let r = rollout(&ws, &["platform", "discover", "--wait", "2"]);
    // «5А Родители» cannot be placed (no roster knows 5А): listed, exit 1.
    assert_eq!(r.code, 1, "{r}");
    let out = lines(&r.stdout);
    assert_eq!(out[0], "Бота добавили в чатов: 3; предложено записей [[chats.map]]: 1.", "{r}");
    assert_eq!(
        out[1..4],
        ["  -101 «5А Родители»", "  -102 «5А Ученики»", "  -103 «Учительская»"],
        "{r}"
    );
    let text = ws.read("out/platform/chats-map.toml");
    assert!(text.contains("\n# «Учительская»\n[[chats.map]]\nchat_id = -103\n"), "{text}");
    assert!(text.contains("audience = \"staff\"\n"), "{text}");
    assert!(text.contains("\n# «5А Родители»\n# не предложен: "), "{text}");
    assert!(text.contains("\n# [[chats.map]]\n# chat_id = -101\n"), "{text}");
    assert!(
        text.contains("\n# «5А Ученики»\n# не предложен: уже есть в [[chats.map]] файла rollout.toml\n# [[chats.map]]\n# chat_id = -102\n"),
        "{text}"
    );
    // What is not commented out is valid TOML; rollout.toml is untouched.
    let proposed: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(proposed["chats"]["map"].as_array().unwrap().len(), 1, "{text}");
    assert_eq!(ws.read("rollout.toml"), before);
    #[cfg(unix)]
    assert_eq!(mode(&ws.path().join("out/platform/chats-map.toml")), 0o600);
    // It asked for the marker first, then long-polled the three kinds.
    let log = server.log();
    let ups: Vec<_> = log.iter().filter(|l| l.path == "/updates").collect();
    assert!(ups.len() >= 2, "{log:?}");
    assert!(ups[0].query.contains("timeout=0"), "{log:?}");
    assert!(ups[1].query.contains("bot_added"), "{log:?}");
    assert_no_token(&ws, &[&r]);
}

#[test]
fn discover_finding_nothing_new_keeps_the_previous_proposal() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "1000", "--announce", "-101,-103"]);
    let ws = Ws::new();
    ws.config(&format!(
        "[organization]\nname = \"Школа № 1\"\nprofile = \"school\"\n\n[platform]\nbase_url = \"{}\"\n",
        server.base_url
    ));
    let r = rollout(&ws, &["platform", "discover", "--wait", "2"]);
    assert_eq!(r.code, 1, "{r}");
    let first = ws.read("out/platform/chats-map.toml");
    // The unplaceable chat's template: comments with a placeholder, no empty value that looks valid.
    assert!(!first.contains("= \"\""), "{first}");
    assert!(first.contains("\n# group = \"?\"  # "), "{first}");
    drop(server);
    let quiet = Server::start(plat.path(), &["--rate", "1000"]);
    set_base_url(&ws, &quiet.base_url);
    let r = rollout(&ws, &["platform", "discover", "--wait", "1"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.read("out/platform/chats-map.toml"), first);
    assert_eq!(
        lines(&r.stdout),
        ["Бота не добавили ни в один чат: новых чатов нет; прежнее предложение ./out/platform/chats-map.toml оставлено без изменений."],
        "{r}"
    );
}

#[test]
fn chats_whose_members_were_not_read_get_a_reason_that_fits_and_a_summary_line() {
    let ws = crate::diff::college();
    crate::diff::write_snapshot(&ws, &crate::diff::base_chats());
    // Two chats could not be read (403/404 in a pull): no member file.
    let mut gone = 0;
    for e in std::fs::read_dir(ws.path().join("platform/members")).unwrap().flatten().take(2) {
        std::fs::remove_file(e.path()).unwrap();
        gone += 1;
    }
    assert_eq!(gone, 2);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c: Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    let unknown: Vec<&Value> = c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["reason"]["code"] == "members_unknown")
        .collect();
    assert_eq!(unknown.len(), 2, "{c:#}");
    for a in unknown {
        assert_eq!(
            a["reason"]["text"],
            "участники чата не прочитаны (нет доступа, чат не активен или снимок неполон): по нему ничего не рассчитано — проверьте права бота (rollout platform check) и снимите снимок заново",
            "{c:#}"
        );
    }
    assert!(
        lines(&r.stdout).contains(&"Участники 2 чатов неизвестны — по ним ничего не рассчитано."),
        "{r}"
    );
}

#[test]
fn advice_for_missing_platform_data_follows_the_configured_source() {
    let api = "Данных платформы нет (платформа не прочитана): какие чаты и ссылки уже есть, неизвестно — выполните rollout platform pull или впишите ссылки в файл ссылок ([links] file).";
    let keys = "задайте в rollout.toml [platform] source = \"api\" (MAX Bot API, затем rollout platform pull), snapshot или export";
    let ws = crate::diff::college();
    let toml = ws.read("rollout.toml");
    // source = "api", no pull yet: pull, not «задайте snapshot или export».
    ws.config(&toml.replace("[platform]\nsnapshot = \"platform/\"\n", "[platform]\nsource = \"api\"\n"));
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(lines(&r.stdout).contains(&api), "{r}");
    // No [platform] at all: the live API is offered beside a snapshot and an export.
    ws.config(&toml.replace("[platform]\nsnapshot = \"platform/\"\n", ""));
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        lines(&r.stdout).contains(
            &format!("Данных платформы нет ([platform] не задан): какие чаты и ссылки уже есть, неизвестно — {keys} или впишите ссылки в файл ссылок ([links] file).").as_str()
        ),
        "{r}"
    );
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        lines(&r.stderr).contains(
            &format!(
                "rollout: ошибка: данных платформы нет: {keys} или передайте --platform ПУТЬ (папку снимка или файл выгрузки участников)"
            )
            .as_str()
        ),
        "{r}"
    );
    assert_eq!(ws.run(&["ingest", "-q"]).code, 0);
    let pid = ws.people()[0]["person_id"].clone();
    let r = ws.run(&["confirm", "999", &pid]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        lines(&r.stderr).contains(&format!("rollout: ошибка: нельзя проверить аккаунт 999: данных платформы нет — {keys}").as_str()),
        "{r}"
    );
}

#[test]
fn an_unreachable_api_names_its_address_without_the_path() {
    let ws = workspace("http://127.0.0.1:9/api/v1", &[]);
    let r = rollout(&ws, &["platform", "check"]);
    assert_eq!(r.code, 4, "{r}");
    let err = lines(&r.stderr);
    assert!(
        err.iter()
            .any(|l| l.starts_with("  причина: GET /me: MAX Bot API по адресу http://127.0.0.1:9 недоступен после 6 попыток: ")),
        "{r}"
    );
    assert!(!r.stderr.contains("/api/v1"), "{r}");
}

#[test]
fn a_pull_answered_429_says_to_lower_the_rate() {
    let plat = platform();
    let server = Server::start(plat.path(), &["--rate", "2"]);
    let ws = workspace(&server.base_url, &[]);
    let r = rollout(&ws, &["platform", "pull"]);
    assert_eq!(r.code, 0, "{r}");
    let n = server.log().iter().filter(|e| e.status == 429).count();
    assert!(n > 0, "{r}");
    let times = if n % 10 >= 2 && n % 10 <= 4 && !(12..=14).contains(&(n % 100)) {
        "раза"
    } else {
        "раз"
    };
    assert_eq!(
        *lines(&r.stdout).last().unwrap(),
        format!("Сервер {n} {times} ответил 429 (слишком много запросов) — уменьшите [platform] rate в rollout.toml (сейчас 2000)."),
        "{r}"
    );
}

#[test]
fn a_token_on_the_command_line_is_refused_with_where_it_goes_instead() {
    let ws = Ws::new();
    for args in [
        &["platform", "check", "--token", "SECRET-ON-ARGV"][..],
        &["platform", "pull", "--token=SECRET-ON-ARGV"][..],
        &["run", "--max-token", "SECRET-ON-ARGV"][..],
    ] {
        let r = ws.run(args);
        assert_eq!(r.code, 2, "{r}");
        assert_eq!(
            lines(&r.stderr)[..2],
            [
                "rollout: ошибка: токен в командной строке не принимается — он остался бы в истории команд и в списке процессов",
                "  задайте его в переменной окружения ROLLOUT_MAX_TOKEN или в файле [platform] token_file (доступ только для владельца, chmod 600)",
            ],
            "{r}"
        );
        assert!(!r.stderr.contains("SECRET-ON-ARGV") && !r.stdout.contains("SECRET-ON-ARGV"), "{r}");
    }
}
