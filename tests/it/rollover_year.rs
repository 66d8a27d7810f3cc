//! A real September (issue 16), through the binary against `rollout-testserver`: the
//! sample school and college approved in June, `rollout rollover --to 2027/28` in August,
//! next year's generated sources (`samples/next-year/`, `rollout-gen --year 1`) swapped in
//! on 2 September — chats renamed on the server, graduates kept until the grace date, then
//! removed from a change set held by design — and the change set that follows, action by
//! action. Plus: ids of students without a birth date kept across the mapping.

use crate::samples::sample;
use crate::server::{Server, TOKEN};
use crate::util::{Ws, copy_dir};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A sample workspace on the test server's copy of its platform.
struct World {
    ws: Ws,
    server: Server,
    dump: tempfile::TempDir,
}

impl World {
    fn new(name: &str) -> World {
        let ws = sample(name);
        let dump = tempfile::tempdir().unwrap();
        let server = Server::start(
            &ws.path().join("platform"),
            &["--rate", "5000", "--dump", dump.path().to_str().unwrap()],
        );
        let config = ws.read("rollout.toml").replace(
            "[platform]\nsnapshot = \"platform/\"\n",
            &format!("[platform]\nsource = \"api\"\nbase_url = \"{}\"\nrate = 5000\n", server.base_url),
        );
        assert!(config.contains("source = \"api\""), "{config}");
        ws.config(&config);
        // The chats the bot is in, as the admin records them in [[chats.map]].
        let chats: Value = serde_json::from_str(&ws.read("platform/chats.json")).unwrap();
        let mut entries = String::new();
        for c in chats["chats"].as_array().unwrap() {
            if let Some(e) = entry(c["chat_id"].as_i64().unwrap(), c["title"].as_str().unwrap_or("")) {
                entries.push_str(&e);
            }
        }
        ws.config(&format!("{config}\n{entries}"));
        World { ws, server, dump }
    }

    fn run(&self, day: &str, args: &[&str]) -> crate::util::Run {
        self.ws.run_env(args, &[("ROLLOUT_MAX_TOKEN", TOKEN), ("ROLLOUT_TODAY", day)])
    }

    /// Pull, diff: the change set.
    fn diff(&self, day: &str) -> (crate::util::Run, Value) {
        let r = self.run(day, &["platform", "pull"]);
        assert_eq!(r.code, 0, "{r}");
        let r = self.run(day, &["diff"]);
        assert!(r.code <= 1, "{r}");
        let c: Value = serde_json::from_str(&self.ws.read("out/changes.json")).unwrap();
        (r, c)
    }

    fn approve(&self, day: &str, c: &Value) {
        let r = self.run(day, &["approve", c["hash"].as_str().unwrap()]);
        assert_eq!(r.code, 0, "{r}");
    }

    fn apply(&self, day: &str) -> crate::util::Run {
        let r = self.run(day, &["apply", "--yes"]);
        assert_eq!(r.code, 0, "{r}");
        r
    }

    /// The admin's part of September, which the lists compared with the proposal asked
    /// for: chats created in the app for the new groups (the server restarted on its own
    /// state plus those chats), `[[chats.map]]` entries for them, and last year's 9А chats
    /// given to «10Т» with their new titles.
    fn admin_september(&mut self, new_chats: &[(i64, &str, &str, &str)], regroup: &[(i64, &str, &str)]) {
        let plat = tempfile::tempdir().unwrap();
        copy_dir(self.dump.path(), plat.path());
        let path = plat.path().join("chats.json");
        let mut chats: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let owner = chats["chats"][0]["owner_id"].clone();
        for (id, title, ..) in new_chats {
            chats["chats"].as_array_mut().unwrap().push(serde_json::json!({
                "chat_id": id, "type": "chat", "status": "active", "title": title, "icon": null,
                "description": null, "last_event_time": 1_800_000_000_000_i64, "participants_count": 1,
                "is_public": false, "owner_id": owner, "link": format!("https://max.ru/join/new{}", -id)
            }));
            std::fs::write(
                plat.path().join("members").join(format!("{id}.json")),
                serde_json::json!({"members": [], "marker": null}).to_string(),
            )
            .unwrap();
        }
        std::fs::write(&path, chats.to_string()).unwrap();
        let dump = tempfile::tempdir().unwrap();
        let server = Server::start(plat.path(), &["--rate", "5000", "--dump", dump.path().to_str().unwrap()]);
        let mut config = self.ws.read("rollout.toml").replace(&self.server.base_url, &server.base_url);
        for (id, group, title) in regroup {
            let at = config.find(&format!("chat_id = {id}\n")).unwrap();
            let end = config[at..].find("\n\n").map_or(config.len(), |e| at + e);
            let entry = config[at..end].to_string();
            let old_group = entry.lines().find(|l| l.starts_with("group = ")).unwrap().to_string();
            let new_entry = entry.replace(&old_group, &format!("group = \"{group}\"\ntitle = \"{title}\""));
            config.replace_range(at..end, &new_entry);
        }
        for (id, _, group, audience) in new_chats {
            config.push_str(&format!(
                "[[chats.map]]\nchat_id = {id}\ngroup = \"{group}\"\naudience = \"{audience}\"\n\n"
            ));
        }
        self.ws.config(&config);
        // The old server stops when dropped; the new one holds the dump from here on.
        self.server = server;
        self.dump = dump;
        let _keep = plat.keep();
    }

    /// Next year's sources instead of this year's.
    fn next_year(&self, name: &str) {
        std::fs::remove_dir_all(self.ws.path().join("sources")).unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/next-year")
            .join(name)
            .join("sources");
        copy_dir(&from, &self.ws.path().join("sources"));
    }

    /// The server's chats after its last change (its `--dump`): id → (title, member ids).
    fn server_chats(&self) -> BTreeMap<i64, (String, BTreeSet<i64>)> {
        let dir = self.server.dump_dir();
        let chats: Value = serde_json::from_slice(&std::fs::read(dir.join("chats.json")).unwrap()).unwrap();
        let mut out = BTreeMap::new();
        for c in chats["chats"].as_array().unwrap() {
            let id = c["chat_id"].as_i64().unwrap();
            let members = std::fs::read(dir.join("members").join(format!("{id}.json")))
                .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
                .map(|m| {
                    m["members"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m["user_id"].as_i64().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            out.insert(id, (c["title"].as_str().unwrap_or("").to_string(), members));
        }
        out
    }
}

/// The `[[chats.map]]` entry an admin writes for a sample chat, from its title: the group
/// («5А», «ИС-24-1»), the audience by its words, the branch of a staff room; None for a
/// chat of no group or staff room («Болталка старшеклассников»).
fn entry(id: i64, title: &str) -> Option<String> {
    let words: Vec<&str> = title
        .split(|c: char| c.is_whitespace() || c == '—')
        .filter(|w| !w.is_empty())
        .collect();
    let is_group = |w: &str| {
        let school = w.chars().count() <= 3
            && w.chars().next().is_some_and(|c| c.is_ascii_digit())
            && w.chars().last().is_some_and(char::is_alphabetic);
        let college = w.split('-').count() == 3 && w.chars().next().is_some_and(char::is_alphabetic);
        school || college
    };
    let group = words.iter().find(|w| is_group(w)).map(|g| g.to_string());
    let lower = title.to_lowercase();
    let staff_branch = [
        ("Учительская", "Главный корпус"),
        ("Педагоги СФ", "Сосновский филиал"),
        ("Преподаватели — Заречный филиал", "Заречный филиал"),
        ("Преподаватели Лесной", "Лесной филиал"),
    ];
    let mut e = format!("[[chats.map]]\nchat_id = {id}\n");
    match group {
        Some(g) => {
            let audience = if lower.contains("родител") {
                "parents"
            } else if lower.contains("учител") || lower.contains("преподават") {
                "teachers"
            } else if words.len() == 2 && !lower.contains("класс") && !lower.contains("студент") && !lower.contains("ученик")
            {
                e.push_str(&format!("subject = \"{}\"\n", words.iter().find(|w| !is_group(w)).unwrap()));
                "subject"
            } else {
                "students"
            };
            e.push_str(&format!("group = \"{g}\"\naudience = \"{audience}\"\n\n"));
        }
        None => {
            let (_, branch) = staff_branch.iter().find(|(t, _)| *t == title)?;
            e.push_str("audience = \"staff\"\n");
            if !title.starts_with("Учительская") || id != -7130779986130 {
                e.push_str(&format!("branch = \"{branch}\"\n"));
            }
            e.push('\n');
        }
    }
    Some(e)
}

fn actions<'a>(c: &'a Value, kind: &str) -> Vec<&'a Value> {
    c["actions"].as_array().unwrap().iter().filter(|a| a["kind"] == kind).collect()
}

/// (kind, reason, group, audience) → count.
fn tally(c: &Value) -> BTreeMap<(String, String, String, String), usize> {
    let mut t = BTreeMap::new();
    for a in c["actions"].as_array().unwrap() {
        let s = |v: &Value| v.as_str().unwrap_or("—").to_string();
        *t.entry((s(&a["kind"]), s(&a["reason"]["code"]), s(&a["group"]), s(&a["audience"])))
            .or_default() += 1;
    }
    t
}

#[test]
fn a_school_rolls_into_the_next_year_on_the_server() {
    let mut w = World::new("school");
    // June: this year's change set approved (the roster leavers are counted from).
    let (_, june) = w.diff("2027-06-01");
    w.approve("2027-06-01", &june);
    let ids_june: BTreeMap<String, String> =
        w.ws.people()
            .iter()
            .filter(|p| p["kind"] == "student")
            .map(|p| {
                (
                    format!("{} {} {}", p["surname"], p["first_name"], p["birth_date"]),
                    p["person_id"].clone(),
                )
            })
            .collect();

    // August: the proposal.
    let r = w.run("2027-08-25", &["rollover", "--to", "2027/28"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("Выпускники будут удалены не раньше 01.10.2027."), "{r}");
    let map = w.ws.read("out/rollover/chats-map.toml");
    assert!(map.contains("title = \"Родители 6А\""), "{map}");
    assert!(map.contains("чат выпускной группы «11А» — rollout удалит из него выпускников и их родителей не раньше 01.10.2027; удалить сам чат через API нельзя"), "{map}");
    // Still August, still this year's lists: nothing of the proposal yet.
    let (_, aug) = w.diff("2027-08-25");
    assert!(actions(&aug, "rename_chat").is_empty(), "{aug:#}");

    // 2 September, next year's lists.
    w.next_year("school");
    let (r, sep) = w.diff("2027-09-02");
    // The chats of 5А, 5Б and 7А follow their classes and get the new titles.
    let titles: BTreeSet<String> = actions(&sep, "rename_chat")
        .iter()
        .map(|a| a["reason"]["text"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = [
        ("5А класс", "6А класс"),
        ("Родители 5А", "Родители 6А"),
        ("Учителя 5А", "Учителя 6А"),
        ("Ученики 5Б", "Ученики 6Б"),
        ("Родители 7А", "Родители 8А"),
        ("7А класс", "8А класс"),
        ("7А Физика", "8А Физика"),
    ]
    .iter()
    .map(|(a, b)| format!("название чата «{a}» — по переходу в 2027/28 учебный год «{b}»"))
    .collect();
    assert_eq!(titles, want, "{r}");
    // 9А became «10Т», not the proposed «10А»: its three chats are placed nowhere and said so.
    let unplaced: Vec<&str> = actions(&sep, "review")
        .iter()
        .filter(|a| a["reason"]["code"] == "chat_unplaced")
        .map(|a| a["reason"]["text"].as_str().unwrap())
        .filter(|t| t.contains("«10А»"))
        .collect();
    assert_eq!(unplaced.len(), 3, "{sep:#}");
    for note in [
        "по предложению «9А» → «10А», но группы «10А» нет в списках",
        "группы «10Т» нет в предложении",
        "группы «8Б» нет в предложении",
        "группы «1А» нет в предложении",
        "удалений выпускников и их родителей отложены до 01.10.2027",
    ] {
        assert!(r.stderr.contains(note), "{note}\n{r}");
    }
    // Graduates stay until the grace date; the two pupils who left are removed.
    let removals = actions(&sep, "remove");
    assert!(removals.iter().all(|a| a["group"] != "11А (выпуск)"), "{sep:#}");
    assert_eq!(removals.len(), 2, "{sep:#}");
    // New groups get chats: the first grade, the split-off 8Б, the renamed 10Т.
    let setups: BTreeSet<(String, String)> = actions(&sep, "setup_chat")
        .iter()
        .map(|a| (a["group"].as_str().unwrap().into(), a["audience"].as_str().unwrap().into()))
        .collect();
    for g in ["1А", "8Б", "10Т"] {
        assert!(setups.contains(&(g.to_string(), "students".to_string())), "{g}: {setups:?}");
        assert!(setups.contains(&(g.to_string(), "parents".to_string())), "{g}: {setups:?}");
    }
    // Ids kept: every pupil of June still on the lists has the same id.
    let ids_sep: BTreeMap<String, String> =
        w.ws.people()
            .iter()
            .filter(|p| p["kind"] == "student")
            .map(|p| {
                (
                    format!("{} {} {}", p["surname"], p["first_name"], p["birth_date"]),
                    p["person_id"].clone(),
                )
            })
            .collect();
    let kept = ids_june.iter().filter(|(k, _)| ids_sep.contains_key(*k)).count();
    assert!(kept > 40, "{kept}");
    for (k, id) in &ids_june {
        if let Some(now) = ids_sep.get(k) {
            assert_eq!(now, id, "{k}");
        }
    }

    // Approved and applied: the titles change on the server, without a notification.
    w.approve("2027-09-02", &sep);
    let r = w.apply("2027-09-02");
    assert!(r.stdout.contains("переименовать чат — 7"), "{r}");
    let patches: Vec<Value> = std::fs::read_to_string(w.server.log_path())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["method"] == "PATCH")
        .collect();
    assert_eq!(patches.len(), 7, "{patches:#?}");
    assert!(patches.iter().all(|p| p["patch"]["notify"] == false && p["status"] == 200));
    let on_server: BTreeSet<String> = w.server_chats().values().map(|(t, _)| t.clone()).collect();
    for t in [
        "6А класс",
        "Родители 6А",
        "Учителя 6А",
        "Ученики 6Б",
        "Родители 8А",
        "8А класс",
        "8А Физика",
    ] {
        assert!(on_server.contains(t), "{t}: {on_server:?}");
    }
    // The day after: no rename left, graduates still waiting.
    let (_, next) = w.diff("2027-09-03");
    assert!(actions(&next, "rename_chat").is_empty(), "{next:#}");
    assert!(actions(&next, "remove").is_empty(), "{next:#}");

    // 2 October, past the grace date: the graduates and their parents, held by design.
    let before = w.server_chats();
    let (r, oct) = w.diff("2027-10-02");
    assert_eq!(oct["status"], "held", "{r}");
    let held = oct["held_reasons"].as_array().unwrap();
    assert!(
        held.iter().any(|h| h.as_str().unwrap().contains(
            "переход в 2027/28 учебный год: 29 удалений выпускников и их родителей (чаты выпускных групп: 11А (выпуск)) — такие удаления по замыслу больше порогов [safety] max_remove и max_shrink"
        )),
        "{held:?}"
    );
    let graduates: Vec<&Value> = actions(&oct, "remove");
    assert_eq!(graduates.len(), 29, "{oct:#}");
    assert!(
        graduates.iter().all(
            |a| a["group"] == "11А (выпуск)" && (a["reason"]["code"] == "departed_student" || a["reason"]["code"] == "departed_parent")
        )
    );
    // Nothing else changed since September: the rest is what was left then.
    assert!(actions(&oct, "rename_chat").is_empty());
    w.approve("2027-10-02", &oct);
    w.apply("2027-10-02");
    let after = w.server_chats();
    let removed: BTreeSet<(String, i64)> = graduates
        .iter()
        .map(|a| (a["chat_id"].to_string(), a["user_id"].as_i64().unwrap()))
        .collect();
    for (id, (title, members)) in &before {
        let gone: BTreeSet<i64> = members.difference(&after[id].1).copied().collect();
        let want: BTreeSet<i64> = removed.iter().filter(|(c, _)| *c == id.to_string()).map(|(_, u)| *u).collect();
        assert_eq!(gone, want, "chat {id} «{title}»");
    }

    // The admin does what the lists compared with the proposal asked: chats for the new
    // groups, 9А's chats for «10Т». The moves into 8Б and the renames are carried out.
    w.admin_september(
        &[
            (-9001, "1А класс", "1А", "students"),
            (-9002, "Родители 1А", "1А", "parents"),
            (-9003, "8Б класс", "8Б", "students"),
            (-9004, "Родители 8Б", "8Б", "parents"),
            (-9005, "Родители 6Б", "6Б", "parents"),
        ],
        &[
            (-7624692039281, "10Т", "10Т класс"),
            (-7677916784370, "10Т", "Родители 10Т"),
            (-7603626490372, "10Т", "10Т Математика"),
        ],
    );
    let (r, admin) = w.diff("2027-10-03");
    let t = tally(&admin);
    assert_eq!(t.get(&key("rename_chat", "chat_title_differs", "10Т", "students")), Some(&1), "{r}");
    assert!(
        actions(&admin, "setup_chat")
            .iter()
            .all(|a| a["group"] == "10Т" && a["audience"] == "parents")
            || actions(&admin, "setup_chat").is_empty(),
        "{r}"
    );
    w.approve("2027-10-03", &admin);
    let r = w.apply("2027-10-03");
    // A move waits until the person is in their new chat: the pupils of 8Б (and one of
    // 10Т) join by link, then leave 8А's chat.
    let moves = actions(&admin, "move");
    assert_eq!(moves.len(), 10, "{r}");
    for m in &moves {
        let to = m["chat_id"].as_i64().unwrap();
        let body = serde_json::json!({"user_ids": [m["user_id"]]}).to_string();
        assert_eq!(w.server.call("POST", &format!("/chats/{to}/members"), Some(&body)).status, 200);
    }
    let (_, joined) = w.diff("2027-10-03");
    assert_eq!(actions(&joined, "move").len(), 10, "{joined:#}");
    w.approve("2027-10-03", &joined);
    let r = w.apply("2027-10-03");
    assert!(r.stdout.contains("перевести в свой чат — 10"), "{r}");

    // And then: a small, exact change set — what is left is people to join by link and
    // the reviews only a person can settle.
    let (_, last) = w.diff("2027-10-04");
    let lines: Vec<String> = tally(&last)
        .iter()
        .map(|((k, r, g, a), n)| format!("{k} {r} {g} {a} ×{n}"))
        .collect();
    let want = "\
invite curator_not_in_chat 1А parents ×1
invite curator_not_in_chat 1А students ×1
invite curator_not_in_chat 6Б parents ×1
invite curator_not_in_chat 8Б parents ×1
invite curator_not_in_chat 8Б students ×1
invite parent_not_in_chat 10Т parents ×7
invite parent_not_in_chat 1А parents ×29
invite parent_not_in_chat 6А parents ×5
invite parent_not_in_chat 6Б parents ×28
invite parent_not_in_chat 8А parents ×2
invite parent_not_in_chat 8Б parents ×20
invite staff_not_in_chat — staff ×1
invite student_not_in_chat 10Т students ×2
invite student_not_in_chat 1А students ×18
invite student_not_in_chat 6А students ×2
invite student_not_in_chat 6Б students ×3
invite student_not_in_chat 8А students ×2
invite student_not_in_chat 8Б students ×3
invite student_not_in_subject_chat 10Т subject ×3
invite student_not_in_subject_chat 8А subject ×3
invite teacher_not_in_chat 6А teachers ×1
review two_accounts 11А (выпуск) parents ×2
review unknown_member 10Т parents ×1
review unknown_member 6А parents ×1
review unknown_member 6А students ×1
review unknown_member 6Б students ×1
review unknown_member 8А parents ×2
review weak_match 8А parents ×10
review weak_match 8А subject ×2";
    // Nothing to set up, move, remove or rename: people to invite by link (the new chats'
    // classes, and those who never joined), the samples' planted reviews, and the parents
    // of the split-off 8Б still in 8А's chat, whom only a person can confirm.
    assert_eq!(lines.join("\n"), want);
    assert_eq!(last["status"], "ready", "{last:#}");
}

fn key(kind: &str, reason: &str, group: &str, audience: &str) -> (String, String, String, String) {
    (kind.into(), reason.into(), group.into(), audience.into())
}

#[test]
fn undated_students_keep_their_ids_across_the_mapping_and_a_split() {
    // No birth dates: the id is made with the class. A year later the pupils are in the
    // next grade, one of them in a class split off (8Б), one in a renamed one (10Т).
    let ws = Ws::new();
    ws.config("[organization]\nname = \"Школа\"\nprofile = \"school\"\n");
    let write = |rows: &[(&str, &str)]| {
        let mut t = String::from("ФИО;Класс\n");
        for (n, g) in rows {
            t.push_str(&format!("{n};{g}\n"));
        }
        ws.write("sources/ученики.csv", t);
    };
    let ids = || -> BTreeMap<String, String> {
        ws.people()
            .iter()
            .filter(|p| p["kind"] == "student")
            .map(|p| (p["surname"].clone(), p["person_id"].clone()))
            .collect()
    };
    let run = |day: &str, args: &[&str]| {
        let r = ws.run_env(args, &[("ROLLOUT_TODAY", day)]);
        assert!(r.code <= 1, "{r}");
        r
    };
    write(&[
        ("Иванов Иван", "5А"),
        ("Петров Пётр", "7А"),
        ("Сидоров Сидор", "7А"),
        ("Орлов Олег", "9А"),
    ]);
    run("2027-06-01", &["ingest"]);
    let june = ids();
    run("2027-08-25", &["rollover", "--to", "2027/28"]);
    write(&[
        ("Иванов Иван", "6А"),
        ("Петров Пётр", "8А"),
        ("Сидоров Сидор", "8Б"),
        ("Орлов Олег", "10Т"),
    ]);
    run("2027-09-02", &["ingest"]);
    assert_eq!(ids(), june);
}

/// Student ids by name and birth date.
fn student_ids(ws: &Ws) -> BTreeMap<String, String> {
    ws.people()
        .iter()
        .filter(|p| p["kind"] == "student")
        .map(|p| {
            (
                format!("{} {} {} {}", p["surname"], p["first_name"], p["patronymic"], p["birth_date"]),
                p["person_id"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_college_rolls_into_the_next_year_on_the_server() {
    let w = World::new("college");
    let (_, june) = w.diff("2027-06-01");
    w.approve("2027-06-01", &june);
    let ids_june = student_ids(&w.ws);

    let r = w.run("2027-08-25", &["rollover", "--to", "2027/28"]);
    assert_eq!(r.code, 0, "{r}");
    for line in ["выпускаются: 4", "новые группы: 6", "чатов переименовать: 0"] {
        assert!(r.stdout.contains(line), "{line}\n{r}");
    }

    w.next_year("college");
    let (r, sep) = w.diff("2027-09-02");
    // The lists disagree with the proposal in one place: «ИС-24-1» is «ИСП-24-1» now.
    let notes: Vec<&str> = r.stderr.lines().filter(|l| l.contains("переход в 2027/28: ")).collect();
    assert_eq!(notes.len(), 3, "{r}");
    assert!(
        notes[0].contains("Главный корпус: по предложению группа «ИС-24-1» переходит на следующий курс, но её нет в списках"),
        "{r}"
    );
    assert!(notes[1].contains("Главный корпус: группы «ИСП-24-1» нет в предложении"), "{r}");
    assert!(notes[2].contains("выпускников и их родителей отложены до 01.10.2027"), "{r}");
    assert!(
        actions(&sep, "remove")
            .iter()
            .all(|a| !a["group"].as_str().unwrap_or("").ends_with("(выпуск)")),
        "{sep:#}"
    );
    assert!(actions(&sep, "rename_chat").is_empty());
    // First-years get chats.
    let setups: BTreeSet<String> = actions(&sep, "setup_chat")
        .iter()
        .filter_map(|a| a["group"].as_str().map(str::to_string))
        .collect();
    for g in ["ИС-26-1", "ИС-26-2", "БУ-26-1", "ЗФ-26-1", "ЛФ-26-1", "СФ-26-1", "ИСП-24-1"] {
        assert!(setups.contains(g), "{g}: {setups:?}");
    }
    // Ids kept for everyone still studying.
    let ids_sep = student_ids(&w.ws);
    let kept: Vec<&String> = ids_june.keys().filter(|k| ids_sep.contains_key(*k)).collect();
    assert!(kept.len() > 300, "{}", kept.len());
    for k in kept {
        assert_eq!(ids_sep[k], ids_june[k], "{k}");
    }
    w.approve("2027-09-02", &sep);
    w.apply("2027-09-02");

    // Past the grace date: the four graduating groups' students and parents, held by design.
    let before = w.server_chats();
    let (r, oct) = w.diff("2027-10-02");
    assert_eq!(oct["status"], "held", "{r}");
    let graduates: Vec<&Value> = actions(&oct, "remove")
        .into_iter()
        .filter(|a| a["group"].as_str().unwrap_or("").ends_with("(выпуск)"))
        .collect();
    let groups: BTreeSet<&str> = graduates.iter().map(|a| a["group"].as_str().unwrap()).collect();
    assert_eq!(
        groups.into_iter().collect::<Vec<_>>(),
        ["ЗФ-22-1 (выпуск)", "ПК-23-1 (выпуск)", "ТМ-22-1 (выпуск)", "ТО-22-1 (выпуск)"],
        "{oct:#}"
    );
    let held = oct["held_reasons"].as_array().unwrap();
    let reason = "переход в 2027/28 учебный год: 165 удалений выпускников и их родителей (чаты выпускных групп: ЗФ-22-1 (выпуск), ПК-23-1 (выпуск), ТМ-22-1 (выпуск), ТО-22-1 (выпуск))";
    assert!(held.iter().any(|h| h.as_str().unwrap().starts_with(reason)), "{held:?}");
    assert_eq!(graduates.len(), 163);
    // Two graduates sat in other groups' chats: removed with the graduates, not in September.
    let elsewhere: Vec<&Value> = actions(&oct, "remove")
        .into_iter()
        .filter(|a| !a["group"].as_str().unwrap_or("").ends_with("(выпуск)"))
        .collect();
    assert_eq!(elsewhere.len(), 2, "{oct:#}");
    assert!(
        elsewhere
            .iter()
            .all(|a| a["reason"]["text"].as_str().unwrap().starts_with("выпускник (2027/28 учебный год)"))
    );
    w.approve("2027-10-02", &oct);
    w.apply("2027-10-02");
    let after = w.server_chats();
    let removed: BTreeSet<(i64, i64)> = actions(&oct, "remove")
        .iter()
        .map(|a| (a["chat_id"].as_i64().unwrap(), a["user_id"].as_i64().unwrap()))
        .collect();
    for (id, (title, members)) in &before {
        let gone: BTreeSet<i64> = members.difference(&after[id].1).copied().collect();
        let want: BTreeSet<i64> = removed.iter().filter(|(c, _)| c == id).map(|(_, u)| *u).collect();
        assert_eq!(gone, want, "chat {id} «{title}»");
    }
    // Nothing of the rollover is left to do.
    let (_, last) = w.diff("2027-10-03");
    assert!(actions(&last, "remove").is_empty(), "{last:#}");
    assert!(actions(&last, "rename_chat").is_empty(), "{last:#}");
}

#[test]
fn last_years_lists_are_told_and_an_early_approval_never_covers_the_graduates() {
    // Offline (the sample's snapshot): June approved, the proposal in August.
    let ws = sample("school");
    let run = |day: &str, args: &[&str]| {
        let r = ws.run_env(args, &[("ROLLOUT_TODAY", day)]);
        assert!(r.code <= 1, "{r}");
        r
    };
    let changes = || -> Value { serde_json::from_str(&ws.read("out/changes.json")).unwrap() };
    run("2027-06-01", &["diff"]);
    run("2027-06-01", &["approve", changes()["hash"].as_str().unwrap()]);
    run("2027-08-25", &["rollover", "--to", "2027/28"]);
    // September with last year's lists still in sources/: said, and nothing of the proposal.
    let r = run("2027-09-02", &["diff"]);
    assert!(
        r.stderr.contains(
            "переход в 2027/28 учебный год не применён: списки, похоже, ещё прошлого года (25 из 25 проверочных учеников в прежних группах)"
        ),
        "{r}"
    );
    assert!(actions(&changes(), "rename_chat").is_empty());
    // The new lists: approved before the grace date…
    std::fs::remove_dir_all(ws.path().join("sources")).unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/next-year/school/sources"),
        &ws.path().join("sources"),
    );
    let r = run("2027-09-02", &["ingest"]);
    assert!(r.stderr.contains("переход в 2027/28: группы «8Б» нет в предложении"), "{r}");
    run("2027-09-02", &["diff"]);
    let september = changes();
    run("2027-09-02", &["approve", september["hash"].as_str().unwrap()]);
    // …is not an approval of the graduates' removals the same inputs plan after it.
    run("2027-10-02", &["diff"]);
    let october = changes();
    assert_ne!(october["hash"], september["hash"]);
    assert_eq!(october["status"], "held");
    assert_eq!(actions(&october, "remove").len(), actions(&september, "remove").len() + 29);
    // The proposal made again from the new lists would move everyone up another year: refused.
    let r = ws.run_env(&["rollover", "--to", "2027/28"], &[("ROLLOUT_TODAY", "2027-09-03")]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("предложение перехода в 2027/28 уже записано (25.08.2027), а списки в sources/, похоже, уже нового года"),
        "{r}"
    );
}
