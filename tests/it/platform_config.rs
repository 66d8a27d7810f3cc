//! `[platform]` and `[[chats.map]]` for the live platform: which source is read, the
//! limits' checks, chat web addresses, `source = "api"` reading the latest complete pull,
//! `run --no-pull`, the change set's hash over a canonical projection of the platform,
//! and `purge` pruning pulled snapshots.

use crate::diff::{TOML, base_chats, college, write_snapshot};
use crate::server::{Server, TOKEN};
use crate::util::*;

fn error_line(r: &Run) -> String {
    r.stderr.lines().next().unwrap_or_default().to_string()
}

/// The fixture college with `[platform]` replaced by `platform` (the TOML after the header).
fn college_with(platform: &str) -> Ws {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    ws.config(&TOML.replace("[platform]\nsnapshot = \"platform/\"\n", &format!("[platform]\n{platform}")));
    ws
}

fn hash(ws: &Ws) -> String {
    let c: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    c["hash"].as_str().unwrap().to_string()
}

#[test]
fn two_sources_without_source_are_refused_naming_the_keys() {
    let ws = college_with("snapshot = \"platform/\"\nexport = \"members.xlsx\"\n");
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: rollout.toml: [platform]: задано несколько источников платформы (snapshot, export) — укажите, какой читать: source = \"api\", \"snapshot\" или \"export\"",
        "{r}"
    );
    let ws = college_with("snapshot = \"platform/\"\ntoken_file = \"token\"\n");
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("(snapshot, base_url/token_file)"), "{r}");
    // With `source` the other keys may stay.
    let ws = college_with("source = \"snapshot\"\nsnapshot = \"platform/\"\nexport = \"members.xlsx\"\ntoken_file = \"token\"\n");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn bad_platform_values_are_refused_naming_the_key() {
    for (line, want) in [
        (
            "rate = 0",
            "[platform] rate = «0»: число запросов в секунду больше нуля, например 25",
        ),
        (
            "rate = -2.5",
            "[platform] rate = «-2.5»: число запросов в секунду больше нуля, например 25",
        ),
        (
            "rate = \"fast\"",
            "[platform] rate = «fast»: число запросов в секунду больше нуля, например 25",
        ),
        (
            "concurrency = 0",
            "[platform] concurrency = «0»: нужно целое число не меньше 1, например 8",
        ),
        (
            "keep_snapshots = 0",
            "[platform] keep_snapshots = «0»: нужно целое число не меньше 1, например 30",
        ),
        (
            "max_age_minutes = -1",
            "[platform] max_age_minutes = «-1»: нужно целое число не меньше 0, например 60",
        ),
        (
            "source = \"live\"",
            "[platform] source = «live»: нужно \"api\" (MAX Bot API), \"snapshot\" (папка снимка) или \"export\" (выгрузка участников)",
        ),
        (
            "source = \"export\"",
            "[platform] source = \"export\", но export не задан: впишите файл выгрузки участников, например export = \"members.xlsx\"",
        ),
        (
            "source = \"api\"\nbase_url = \"http://platform-api2.max.ru\"",
            "[platform] base_url = «http://platform-api2.max.ru»: нужен адрес https://… (например, https://platform-api2.max.ru); http:// — только для адресов этого компьютера (127.0.0.1, localhost)",
        ),
    ] {
        let ws = college_with(&format!("snapshot = \"platform/\"\n{line}\n"));
        let r = ws.run(&["check", "-q"]);
        assert_eq!(r.code, 2, "{line}\n{r}");
        assert_eq!(error_line(&r), format!("rollout: ошибка: rollout.toml: {want}"), "{line}\n{r}");
    }
    // Good values and a loopback http address are taken; an unknown key is an error.
    let ws = college_with(
        "source = \"snapshot\"\nsnapshot = \"platform/\"\nbase_url = \"http://127.0.0.1:8080\"\nrate = 29.5\nconcurrency = 4\nmax_age_minutes = 0\nkeep_snapshots = 3\n",
    );
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stderr.trim(), "", "{r}");
    let ws = college_with("snapshot = \"platform/\"\nrat = 3\n");
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: rollout.toml: [platform] неизвестный ключ `rat` — имелось в виду rate?",
        "{r}"
    );
}

#[test]
fn the_token_variable_alone_never_selects_the_api() {
    // No [platform] at all: still no platform, whatever the environment holds.
    let ws = college();
    ws.config(&TOML.replace("[platform]\nsnapshot = \"platform/\"\n", ""));
    let r = ws.run_env(&["diff", "-q"], &[("ROLLOUT_MAX_TOKEN", "secret-token-123")]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: данных платформы нет: задайте в rollout.toml [platform] source = \"api\" (MAX Bot API, затем rollout platform pull), snapshot или export или передайте --platform ПУТЬ (папку снимка или файл выгрузки участников)",
        "{r}"
    );
    // A snapshot stays the source with the variable set.
    let ws = college_with("snapshot = \"platform/\"\n");
    let r = ws.run_env(&["diff", "-q"], &[("ROLLOUT_MAX_TOKEN", "secret-token-123")]);
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.path().join("out/changes.json").is_file(), "{r}");
    assert!(!ws.path().join(".rollout/snapshots").exists(), "nothing was pulled\n{r}");
}

#[test]
fn a_chat_web_address_in_the_map_places_the_chat() {
    let mut chats = base_chats();
    // Titles no rule places: only the map can.
    chats[0].1 = "Наш чат";
    chats[2].1 = "Второй чат";
    let unplaced = |ws: &Ws| -> Vec<i64> {
        let c: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
        c["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["reason"]["code"] == "chat_unplaced")
            .map(|a| a["chat_id"].as_i64().unwrap())
            .collect()
    };
    let ws = college();
    write_snapshot(&ws, &chats);
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(unplaced(&ws), vec![101, 103], "without the map\n{r}");
    ws.config(&format!(
        "{TOML}\n[[chats.map]]\nchat_id = \"https://web.max.ru/101\"\nbranch = \"Главный корпус\"\ngroup = \"ИС-1\"\naudience = \"students\"\n\n[[chats.map]]\nchat_id = \"web.max.ru/103/?from=share\"\nbranch = \"Главный корпус\"\ngroup = \"ИС-2\"\naudience = \"students\"\n"
    ));
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(unplaced(&ws), Vec::<i64>::new(), "{r}");
}

#[test]
fn a_chat_id_that_is_neither_an_id_nor_a_web_address_is_refused_naming_the_entry() {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    ws.config(&format!(
        "{TOML}\n[[chats.map]]\nchat_id = 101\ngroup = \"ИС-1\"\naudience = \"students\"\n\n[[chats.map]]\nchat_id = \"https://max.ru/join/hO0NxmR6IkGg\"\ngroup = \"ИС-2\"\naudience = \"parents\"\n"
    ));
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: rollout.toml: [[chats.map]], запись 2 (ИС-2, parents): chat_id «https://max.ru/join/hO0NxmR6IkGg» — нужен ID чата (например, -70000095028) или веб-адрес чата (https://web.max.ru/-70000095028)",
        "{r}"
    );
}

#[test]
fn platform_given_on_the_command_line_overrides_source_api() {
    let ws = college_with("source = \"api\"\n");
    let r = ws.run(&["diff", "-q", "--platform", "platform"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.path().join("out/changes.json").is_file(), "{r}");
}

#[test]
fn run_takes_no_pull_and_the_snapshot_source_stays_offline() {
    let ws = college_with("snapshot = \"platform/\"\n");
    let a = ws.run(&["run", "-q"]);
    let h = hash(&ws);
    let b = ws.run(&["run", "-q", "--no-pull"]);
    assert_eq!(a.code, b.code, "{a}\n{b}");
    assert_eq!(hash(&ws), h, "{b}");
    assert!(!ws.path().join(".rollout/snapshots").exists(), "nothing was pulled\n{b}");
}

/// The snapshot written again as another tool or a later pull might: pretty-printed, with
/// fields the diff does not read, members in another order, other join times and counts.
fn reformat_snapshot(ws: &Ws) {
    let dir = ws.path().join("platform");
    let mut chats: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("chats.json")).unwrap()).unwrap();
    for c in chats["chats"].as_array_mut().unwrap() {
        c["participants_count"] = serde_json::json!(999);
        c["last_event_time"] = serde_json::json!(1_800_000_000_000i64);
        c["description"] = serde_json::json!("описание");
    }
    chats["chats"].as_array_mut().unwrap().reverse();
    chats["marker"] = serde_json::Value::Null;
    std::fs::write(dir.join("chats.json"), serde_json::to_vec_pretty(&chats).unwrap()).unwrap();
    for e in std::fs::read_dir(dir.join("members")).unwrap() {
        let p = e.unwrap().path();
        let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        let list = m["members"].as_array_mut().unwrap();
        list.reverse();
        for (i, x) in list.iter_mut().enumerate() {
            x["join_time"] = serde_json::json!(1_790_000_000_000i64 + i as i64);
            x["last_activity_time"] = serde_json::json!(1_795_000_000_000i64);
            x["avatar_url"] = serde_json::json!("https://example.invalid/a.png");
            x["description"] = serde_json::Value::Null;
        }
        std::fs::write(&p, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    }
}

#[test]
fn the_change_set_hash_covers_what_the_platform_says_not_how_it_is_written() {
    let original = college_with("snapshot = \"platform/\"\n");
    let r = original.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    let h = hash(&original);

    let reformatted = college_with("snapshot = \"platform/\"\n");
    reformat_snapshot(&reformatted);
    assert_ne!(
        std::fs::read(original.path().join("platform/chats.json")).unwrap(),
        std::fs::read(reformatted.path().join("platform/chats.json")).unwrap()
    );
    let r = reformatted.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(hash(&reformatted), h, "same platform, other bytes\n{r}");

    // What the diff reads does count: a renamed member, an admin flag, a chat's link, a
    // chat whose members became unknown.
    let changes: [(&str, Edit); 4] = [
        ("a member's first name", |ws| {
            edit_members(ws, 101, |m| m[0]["first_name"] = serde_json::json!("Ваня"))
        }),
        ("an admin flag", |ws| {
            edit_members(ws, 102, |m| m[0]["is_admin"] = serde_json::json!(true))
        }),
        ("a chat's link", |ws| {
            let p = ws.path().join("platform/chats.json");
            let mut c: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            c["chats"][0]["link"] = serde_json::json!("https://max.ru/join/other");
            std::fs::write(&p, serde_json::to_vec(&c).unwrap()).unwrap();
        }),
        ("a chat's members unknown", |ws| {
            std::fs::remove_file(ws.path().join("platform/members/108.json")).unwrap()
        }),
    ];
    for (what, change) in changes {
        let ws = college_with("snapshot = \"platform/\"\n");
        change(&ws);
        let r = ws.run(&["diff", "-q"]);
        assert_eq!(r.code, 0, "{what}\n{r}");
        assert_ne!(hash(&ws), h, "{what} changes the hash\n{r}");
    }
}

/// A change to a workspace's snapshot folder.
type Edit = fn(&Ws);

fn edit_members(ws: &Ws, chat: i64, f: impl Fn(&mut Vec<serde_json::Value>)) {
    let p = ws.path().join(format!("platform/members/{chat}.json"));
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    f(m["members"].as_array_mut().unwrap());
    std::fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
}

// ---- With the pulled-snapshot store and `platform pull` (other branches of issue 12) ----

#[test]
fn source_api_without_a_pull_says_to_pull() {
    let ws = college_with("source = \"api\"\n");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "rollout: ошибка: не удалось прочитать платформу ([platform] source = \"api\": последний полный снимок MAX Bot API)",
            "  причина: снимков платформы ещё нет: выполните rollout platform pull (или rollout run — он снимет снимок сам)",
        ],
        "{r}"
    );
    // `run --no-pull` never pulls: it goes on without the platform and says why.
    let r = ws.run(&["run", "-q", "--no-pull"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.stderr.lines().any(|l| l
            == "rollout: внимание: не удалось прочитать платформу ([platform] source = \"api\": последний полный снимок MAX Bot API) — сделано всё, что можно без неё; показатели платформы: «нет данных»"),
        "{r}"
    );
    assert!(
        !ws.path().join(".rollout/snapshots").exists() || std::fs::read_dir(ws.path().join(".rollout/snapshots")).unwrap().next().is_none()
    );
}

/// The fixture college reading the test server's API, chat 101 mapped.
fn college_on_api(server: &Server, extra: &str) -> String {
    TOML.replace(
        "[platform]\nsnapshot = \"platform/\"\n",
        &format!(
            "[platform]\nsource = \"api\"\nbase_url = \"{}\"\nrate = 1000\n{extra}\n[[chats.map]]\nchat_id = 101\nbranch = \"Главный корпус\"\ngroup = \"ИС-1\"\naudience = \"students\"\n",
            server.base_url
        ),
    )
}

#[test]
fn run_with_source_api_pulls_first_and_a_failed_pull_stops_it() {
    let ws = college();
    write_snapshot(&ws, &base_chats()[..1]);
    let server = Server::start(&ws.path().join("platform"), &[]);
    ws.config(&college_on_api(&server, ""));

    // A wrong token: the pull fails (exit 4) and run stops before anything is compared.
    let r = ws.run_env(&["run", "-q"], &[("ROLLOUT_MAX_TOKEN", "wrong-token")]);
    assert_eq!(r.code, 4, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: снимок платформы не снят — rollout run остановлен: сверка с платформой и отчёт не обновлены (последний полный снимок не изменён)",
        "{r}"
    );
    assert!(!ws.path().join("out/changes.json").exists(), "{r}");
    assert!(!r.stderr.contains("wrong-token"), "{r}");

    // run pulls, then diffs the pull: the same change set as the folder the server serves.
    let r = ws.run_env(&["run", "-q"], &[("ROLLOUT_MAX_TOKEN", TOKEN)]);
    assert_eq!(r.code, 0, "{r}");
    let pulled = hash(&ws);
    let r = ws.run(&["diff", "-q", "--platform", "platform"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(hash(&ws), pulled, "a pull and the snapshot it came from\n{r}");

    // A second pull of the unchanged server: a new folder, the same change set.
    let r = ws.run_env(&["platform", "pull", "-q"], &[("ROLLOUT_MAX_TOKEN", TOKEN)]);
    assert_eq!(r.code, 0, "{r}");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(hash(&ws), pulled, "two pulls of an unchanged platform\n{r}");

    // Within max_age_minutes the next run uses that pull; --no-pull never pulls.
    let r = ws.run_env(&["run"], &[("ROLLOUT_MAX_TOKEN", TOKEN)]);
    assert!(r.stdout.contains("— новый не нужен (max_age_minutes = 60)"), "{r}");
    assert_eq!(hash(&ws), pulled, "{r}");
    let r = ws.run(&["run", "--no-pull"]);
    assert!(!r.stdout.contains("Платформа: последний снимок"), "{r}");
    assert_eq!(hash(&ws), pulled, "{r}");
}

#[test]
fn purge_keeps_only_the_newest_pulls() {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    let server = Server::start(&ws.path().join("platform"), &[]);
    ws.config(&college_on_api(&server, "keep_snapshots = 1"));
    for _ in 0..3 {
        let r = ws.run_env(&["platform", "pull", "-q"], &[("ROLLOUT_MAX_TOKEN", TOKEN)]);
        assert_eq!(r.code, 0, "{r}");
    }
    let r = ws.run(&["purge", "--before", "2026-01-01"]);
    assert_eq!(r.code, 0, "{r}");
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Удалено старых снимков платформы: "))
        .unwrap_or_else(|| panic!("the pruning line\n{r}"));
    assert!(line.ends_with("(хранятся последние 1, [platform] keep_snapshots)."), "{r}");
    let left = std::fs::read_dir(ws.path().join(".rollout/snapshots"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert_eq!(left, 1, "only the current pull stays\n{r}");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "the current pull is still read\n{r}");
}

// ---- The trial's defects in [[chats.map]] and [platform] ----

/// The fixture college (snapshot platform) with `map` appended as the chat table.
fn college_mapped(map: &str) -> Ws {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    ws.config(&format!("{TOML}\n{map}"));
    ws
}

#[test]
fn an_empty_group_branch_or_audience_in_the_map_is_refused_naming_the_entry() {
    for (entry, want) in [
        (
            "chat_id = 101\ngroup = \"\"\naudience = \"staff\"",
            "[[chats.map]], запись 1 (chat_id 101): group пустой — впишите группу из списка обучающихся или уберите ключ group (для чата сотрудников филиала)",
        ),
        (
            "chat_id = 101\nbranch = \"  \"\ngroup = \"ИС-1\"\naudience = \"students\"",
            "[[chats.map]], запись 1 (chat_id 101): branch пустой — впишите филиал из [[branches]] или уберите ключ branch",
        ),
        (
            "chat_id = 101\ngroup = \"ИС-1\"\naudience = \"\"",
            "[[chats.map]], запись 1 (chat_id 101): audience пустой — нужно students (обучающиеся), parents (родители), staff (сотрудники) или teachers (учителя группы)",
        ),
    ] {
        let ws = college_mapped(&format!("[[chats.map]]\n{entry}\n"));
        let r = ws.run(&["diff", "-q"]);
        assert_eq!(r.code, 2, "{entry}\n{r}");
        assert_eq!(error_line(&r), format!("rollout: ошибка: rollout.toml: {want}"), "{entry}\n{r}");
    }
}

#[test]
fn a_map_group_not_on_the_roster_is_refused_at_the_diff_with_the_nearest_group() {
    let ws = college_mapped("[[chats.map]]\nchat_id = 101\nbranch = \"Главный корпус\"\ngroup = \"ИС-11\"\naudience = \"students\"\n");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: rollout.toml: [[chats.map]], запись 1 (chat_id 101): группы «ИС-11» нет в списке обучающихся филиала «Главный корпус» — имелось в виду «ИС-1»? Исправьте group или уберите запись",
        "{r}"
    );
    assert!(!ws.path().join("out/changes.json").exists(), "{r}");
    // The usual normalisation still finds the group.
    let ws = college_mapped("[[chats.map]]\nchat_id = 101\ngroup = \"ис 1\"\naudience = \"students\"\n");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn the_same_chat_twice_in_the_map_is_refused_naming_both_entries() {
    let ws = college_mapped(
        "[[chats.map]]\nchat_id = 101\ngroup = \"ИС-1\"\naudience = \"students\"\n\n[[chats.map]]\nchat_id = 102\ngroup = \"ИС-1\"\naudience = \"parents\"\n\n[[chats.map]]\nchat_id = \"https://web.max.ru/101\"\ngroup = \"ИС-2\"\naudience = \"students\"\n",
    );
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: rollout.toml: [[chats.map]]: чат 101 записан дважды — записи 1 (ИС-1, students) и 3 (ИС-2, students); оставьте одну",
        "{r}"
    );
}

#[test]
fn a_typo_in_a_map_key_is_named_with_the_nearest_key() {
    for (entry, want) in [
        (
            "chat_idd = 101\ngroup = \"ИС-1\"\naudience = \"students\"",
            "[[chats.map]], запись 1: неизвестный ключ `chat_idd` — имелось в виду chat_id?",
        ),
        (
            "chat_id = 101\ngroup = \"ИС-1\"\naudiense = \"students\"",
            "[[chats.map]], запись 1 (chat_id 101): неизвестный ключ `audiense` — имелось в виду audience?",
        ),
    ] {
        let ws = college_mapped(&format!("[[chats.map]]\n{entry}\n"));
        let r = ws.run(&["check", "-q"]);
        assert_eq!(r.code, 2, "{entry}\n{r}");
        assert_eq!(error_line(&r), format!("rollout: ошибка: rollout.toml: {want}"), "{entry}\n{r}");
        assert!(!r.stderr.contains("untagged"), "{r}");
    }
}

#[test]
fn an_unknown_platform_key_is_an_error_and_a_token_key_is_never_echoed() {
    for (line, want) in [
        (
            "sorce = \"snapshot\"",
            "[platform] неизвестный ключ `sorce` — имелось в виду source?",
        ),
        (
            "base_ur = \"http://127.0.0.1:1\"",
            "[platform] неизвестный ключ `base_ur` — имелось в виду base_url?",
        ),
        (
            "token = \"secret-token-123\"",
            "[platform] token: токен не хранится в rollout.toml — удалите строку token из файла и передайте токен переменной окружения ROLLOUT_MAX_TOKEN или файлом token_file, доступным только владельцу",
        ),
    ] {
        let ws = college_with(&format!("snapshot = \"platform/\"\n{line}\n"));
        let r = ws.run(&["check", "-q"]);
        assert_eq!(r.code, 2, "{line}\n{r}");
        assert_eq!(error_line(&r), format!("rollout: ошибка: rollout.toml: {want}"), "{line}\n{r}");
        assert!(
            !r.stderr.contains("secret-token-123") && !r.stdout.contains("secret-token-123"),
            "{r}"
        );
    }
}

#[test]
fn a_base_url_with_a_user_and_password_is_refused_without_echoing_them() {
    let ws = college_with("source = \"api\"\nbase_url = \"http://u:SECRET@127.0.0.1:1\"\n");
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: rollout.toml: [platform] base_url: адрес API не должен содержать имя пользователя и пароль — уберите «имя:пароль@» из адреса, токен передаётся через ROLLOUT_MAX_TOKEN или token_file",
        "{r}"
    );
    assert!(!r.stderr.contains("SECRET") && !r.stdout.contains("SECRET"), "{r}");
}

#[test]
fn a_token_line_that_is_not_valid_toml_is_not_shown_in_the_error() {
    for line in ["token = secret-token-123", "base_url = http://u:SECRET-PW@127.0.0.1:1"] {
        let ws = college_with(&format!("snapshot = \"platform/\"\n{line}\n"));
        let r = ws.run(&["check", "-q"]);
        assert_eq!(r.code, 2, "{line}\n{r}");
        assert!(
            !r.stderr.contains("secret-token-123") && !r.stderr.contains("SECRET-PW"),
            "{line}\n{r}"
        );
        let key = line.split(' ').next().unwrap();
        assert!(
            r.stderr
                .lines()
                .any(|l| l.ends_with(&format!("| {key} = … (значение не показано)"))),
            "{line}\n{r}"
        );
    }
}
