//! `rollout notify rules|plan` through the binary against `rollout-testserver`: the rules
//! once per group chat (and again when the template changes), the plan summary once a day
//! per staff chat with counts only, a long text split and arriving whole, faults with each
//! message arriving exactly once, the dry run, and the token nowhere.

use crate::diff::{PARENTS, STAFF, STUDENTS, write_snapshot};
use crate::server::{Server, TOKEN, assert_no_token, files_under};
use crate::util::{Run, Ws};
use serde_json::Value;
use std::collections::BTreeMap;

const ORG: &str = "Тестовый колледж";

/// (chat, branch, group, audience)
const MAP: [(i64, &str, Option<&str>, &str); 9] = [
    (101, "Главный корпус", Some("ИС-1"), "students"),
    (102, "Главный корпус", Some("ИС-1"), "parents"),
    (103, "Главный корпус", Some("ИС-2"), "students"),
    (104, "Главный корпус", Some("ИС-2"), "parents"),
    (105, "Заречный филиал", Some("ЗФ-1"), "students"),
    (106, "Заречный филиал", Some("ЗФ-1"), "parents"),
    (107, "Главный корпус", None, "staff"),
    (108, "Заречный филиал", None, "staff"),
    (109, "Главный корпус", Some("ИС-1"), "teachers"),
];

/// The group chats (rules) and the staff chats (plan).
const GROUP_CHATS: [i64; 7] = [101, 102, 103, 104, 105, 106, 109];
const STAFF_CHATS: [i64; 2] = [107, 108];

const PLAN: &str = r#"
title = "План перехода"
[[milestones]]
id = "chats"
title = "Чаты групп созданы"
event = "Создать чаты групп и родителей"
owners = ["Ершова М.А."]
deadline = "01.11.2026 - 13.11.2026"
scope = "each_branch"
completion = "manual"

[[milestones]]
id = "rules"
title = "Правила чатов опубликованы"
event = "Познакомить участников чатов с правилами"
owners = ["Кураторы групп"]
deadline = "16.11.2026 - 27.11.2026"
scope = "each_branch"
completion = "manual"

[[milestones]]
id = "spring"
title = "Весенние собрания"
event = "Родительские собрания"
deadline = "01.03.2027 - 31.03.2027"
scope = "organization"
completion = "manual"
"#;

struct Live {
    ws: Ws,
    server: Server,
    _dump: tempfile::TempDir,
}

/// The fixture college of the diff tests, live: its platform served by the test server
/// (one student and one parent not in their chats yet, a teachers' chat of ИС-1), every
/// chat in [[chats.map]], a plan.
fn live(server_args: &[&str]) -> Live {
    let ws = Ws::new();
    ws.write("sources/students.csv", STUDENTS);
    ws.write("sources/parents.csv", PARENTS);
    ws.write("sources/staff.csv", STAFF);
    ws.write("plans/plan.toml", PLAN);
    let mut chats = crate::diff::base_chats();
    chats[0].2.retain(|m| m.0 != 3);
    chats[1].2.retain(|m| m.0 != 12);
    chats.push((109, "Учителя ИС-1", vec![(90, "Галина", "Учителева", true)]));
    write_snapshot(&ws, &chats);
    let dump = tempfile::tempdir().unwrap();
    let mut args = vec!["--rate", "1000", "--dump", dump.path().to_str().unwrap()];
    args.extend_from_slice(server_args);
    let server = Server::start(&ws.path().join("platform"), &args);
    let mut toml = crate::diff::TOML.replace(
        "[platform]\nsnapshot = \"platform/\"\n",
        &format!(
            "[platform]\nsource = \"api\"\nbase_url = \"{}\"\nrate = 1000\nconcurrency = 4\n",
            server.base_url
        ),
    );
    for (id, branch, group, audience) in MAP {
        toml.push_str(&format!(
            "\n[[chats.map]]\nchat_id = {id}\nbranch = \"{branch}\"\naudience = \"{audience}\"\n"
        ));
        if let Some(g) = group {
            toml.push_str(&format!("group = \"{g}\"\n"));
        }
    }
    ws.config(&toml);
    Live { ws, server, _dump: dump }
}

impl Live {
    fn run(&self, args: &[&str]) -> Run {
        self.run_on(args, "2026-11-22")
    }

    fn run_on(&self, args: &[&str], today: &str) -> Run {
        self.ws.run_env(args, &[("ROLLOUT_MAX_TOKEN", TOKEN), ("ROLLOUT_TODAY", today)])
    }

    /// Every message posted so far: (chat, text), in the order posted.
    fn posted(&self) -> Vec<(i64, String)> {
        let path = self.server.dump_dir().join("messages.json");
        let Ok(bytes) = std::fs::read(&path) else { return Vec::new() };
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["recipient"]["chat_id"].as_i64().unwrap(),
                    m["body"]["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    fn by_chat(&self) -> BTreeMap<i64, Vec<String>> {
        let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (chat, text) in self.posted() {
            out.entry(chat).or_default().push(text);
        }
        out
    }
}

fn has_line(r: &Run, line: &str) -> bool {
    r.stdout.lines().any(|l| l == line)
}

/// Every word of every student's and parent's name on the roster's sources.
fn roster_names() -> Vec<String> {
    let mut names = Vec::new();
    for (csv, columns) in [(STUDENTS, &[0][..]), (PARENTS, &[0, 3][..])] {
        for line in csv.lines().skip(1) {
            let cells: Vec<&str> = line.split(';').collect();
            for c in columns {
                names.extend(cells[*c].split_whitespace().map(str::to_string));
            }
        }
    }
    names
}

fn group_of(chat: i64) -> &'static str {
    MAP.iter().find(|m| m.0 == chat).and_then(|m| m.2).unwrap()
}

#[test]
fn notify_needs_the_live_platform() {
    let ws = crate::diff::college();
    write_snapshot(&ws, &crate::diff::base_chats());
    let r = ws.run(&["notify", "rules"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.lines().any(|l| l
            == "rollout: ошибка: rollout.toml: rollout notify публикует сообщения через MAX Bot API — задайте [platform] source = \"api\" (и токен бота); со снимком или выгрузкой публиковать некуда"),
        "{r}"
    );
}

#[test]
fn rules_go_once_to_each_group_chat_and_again_when_the_template_changes() {
    let l = live(&[]);
    // Dry run: every chat and the text, nothing posted, nothing journaled.
    let dry = l.run(&["notify", "rules"]);
    assert_eq!(dry.code, 0, "{dry}");
    assert!(has_line(&dry, "Правила чата не опубликованы в 7 чатах групп:"), "{dry}");
    for id in GROUP_CHATS {
        assert!(dry.stdout.lines().any(|line| line.starts_with(&format!("  {id} «"))), "{id}\n{dry}");
    }
    assert!(
        has_line(&dry, "Пробный запуск: ничего не отправлено. Отправить: rollout notify rules --yes"),
        "{dry}"
    );
    assert!(l.posted().is_empty());

    let r = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        has_line(
            &r,
            "Итого: опубликовано — чатов: 7, сообщений: 7; уже было опубликовано раньше — чатов: 0; не удалось — чатов: 0."
        ),
        "{r}"
    );
    let posted = l.by_chat();
    assert_eq!(
        posted.keys().copied().collect::<Vec<_>>(),
        GROUP_CHATS,
        "exactly the group chats, not the staff chats"
    );
    for (chat, texts) in &posted {
        assert_eq!(texts.len(), 1, "{chat}");
        let t = &texts[0];
        assert!(t.contains(ORG), "{t}");
        assert!(t.contains(&format!(" {} ", group_of(*chat))), "{chat}: {t}");
        assert!(t.contains("Модератор чата — куратор группы."), "{t}");
    }
    assert!(posted[&102][0].starts_with("Здравствуйте! Это чат родителей — группа ИС-1 (Главный корпус), Тестовый колледж."));
    assert!(
        dry.stdout.contains(&posted[&101][0]),
        "the dry run showed the text as posted\n{dry}"
    );

    // The same day, the same text: nothing.
    let again = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(again.code, 0, "{again}");
    assert!(
        has_line(&again, "Правила уже опубликованы во всех чатах групп (7) — отправлять нечего."),
        "{again}"
    );
    assert_eq!(l.posted().len(), 7);

    // A changed template: posted again everywhere.
    l.ws.write(
        "templates/messages/rules.txt",
        "Правила {{ org }} для {{ group_word }} {{ group }}: пишем вежливо.\n",
    );
    let changed = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(changed.code, 0, "{changed}");
    let posted = l.by_chat();
    for id in GROUP_CHATS {
        assert_eq!(
            posted[&id][1],
            format!("Правила {ORG} для группа {}: пишем вежливо.", group_of(id)),
            "{id}"
        );
    }
    assert_eq!(l.posted().len(), 14);
    assert_no_token(&l.ws, &[&dry, &r, &again, &changed]);
}

#[test]
fn the_plan_goes_to_each_staff_chat_once_a_day_with_counts_only() {
    let l = live(&[]);
    let dry = l.run(&["notify", "plan"]);
    assert_eq!(dry.code, 0, "{dry}");
    assert!(
        has_line(&dry, "Сводка на 22.11.2026 не опубликована в 2 чатах сотрудников:"),
        "{dry}"
    );
    assert!(
        has_line(&dry, "  107 «Учительская» — сотрудники, Главный корпус (1 сообщение)"),
        "{dry}"
    );
    assert!(has_line(&dry, "Текст для 108 «Преподаватели — Заречный филиал»:"), "{dry}");
    assert!(l.posted().is_empty());
    let r = l.run(&["notify", "plan", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    let posted = l.by_chat();
    for text in posted.values().flatten() {
        assert!(dry.stdout.contains(text.as_str()), "the dry run showed every text as posted\n{dry}");
    }
    assert_eq!(posted.keys().copied().collect::<Vec<_>>(), STAFF_CHATS, "{r}");
    let main = &posted[&107][0];
    assert!(
        main.starts_with("Тестовый колледж — Главный корпус: переход на «Сферум», сводка на 22.11.2026."),
        "{main}"
    );
    assert!(
        main.contains("Просрочено (1):\n• Чаты групп созданы — срок 13.11.2026; отв.: Ершова М.А."),
        "{main}"
    );
    assert!(
        main.contains("• [под угрозой] Правила чатов опубликованы — срок 27.11.2026; отв.: Кураторы групп"),
        "{main}"
    );
    assert!(!main.contains("Весенние собрания"), "March is beyond the horizon\n{main}");
    assert!(main.contains("• ИС-1: 1 из 7 обучающихся,"), "{main}");
    assert!(!posted[&108][0].contains("ИС-1"), "each branch its own groups");
    // No student's or parent's name in any text.
    let names = roster_names();
    assert!(names.len() > 20);
    for text in posted.values().flatten() {
        for name in &names {
            assert!(!text.contains(name.as_str()), "{name} in\n{text}");
        }
    }

    let again = l.run(&["notify", "plan", "--yes"]);
    assert_eq!(again.code, 0, "{again}");
    assert!(
        has_line(
            &again,
            "Сводка на 22.11.2026 уже опубликована во всех чатах сотрудников (2) — отправлять нечего."
        ),
        "{again}"
    );
    assert_eq!(l.posted().len(), 2);

    let next_day = l.run_on(&["notify", "plan", "--yes"], "2026-11-23");
    assert_eq!(next_day.code, 0, "{next_day}");
    let posted = l.by_chat();
    assert_eq!(posted[&107].len(), 2);
    assert_eq!(posted[&108].len(), 2);
    assert!(posted[&107][1].contains("сводка на 23.11.2026"));
    // The journal keeps hashes, not texts: the owners named in the summary are not in it.
    for f in files_under(&l.ws.path().join(".rollout")) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        let name = "Ершова".as_bytes();
        assert!(!bytes.windows(name.len()).any(|w| w == name), "{}", f.display());
    }
    assert_no_token(&l.ws, &[&dry, &r, &again, &next_day]);
}

#[test]
fn a_long_text_arrives_whole_in_parts_in_order() {
    let l = live(&[]);
    let paragraph =
        "Каждый участник чата отвечает за то, что пишет: проверяйте сведения, прежде чем делиться ими, и помните, что чат читают все.";
    l.ws.write(
        "templates/messages/rules.txt",
        format!("Правила {{{{ group }}}}.\n\n{{% for i in range(end=45) %}}{{{{ i }}}}. {paragraph}\n\n{{% endfor %}}Конец.\n"),
    );
    let dry = l.run(&["notify", "rules"]);
    assert_eq!(dry.code, 0, "{dry}");
    let r = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    let mut expected = "Правила ИС-2.\n\n".to_string();
    for i in 0..45 {
        expected.push_str(&format!("{i}. {paragraph}\n\n"));
    }
    expected.push_str("Конец.");
    assert!(expected.chars().count() > 4000);
    let posted = l.by_chat();
    let parts = &posted[&103];
    assert!(parts.len() >= 2, "{parts:?}");
    for p in parts {
        assert!(p.chars().count() <= 4000, "{}", p.chars().count());
    }
    assert_eq!(parts.join("\n\n"), expected, "cut at blank lines, in order, nothing lost");
    assert!(
        has_line(
            &r,
            &format!(
                "Итого: опубликовано — чатов: 7, сообщений: {}; уже было опубликовано раньше — чатов: 0; не удалось — чатов: 0.",
                7 * parts.len()
            )
        ),
        "{r}"
    );
    assert_no_token(&l.ws, &[&dry, &r]);
}

#[test]
fn with_faults_each_message_arrives_exactly_once() {
    let l = live(&["--faults", "13,0.3"]);
    let mut runs = Vec::new();
    for command in ["rules", "plan"] {
        for _ in 0..6 {
            let r = l.run(&["notify", command, "--yes"]);
            assert!(r.code == 0 || r.code == 1, "{r}");
            let done = r.code == 0;
            runs.push(r);
            if done {
                break;
            }
        }
        assert_eq!(runs.last().unwrap().code, 0, "{}", runs.last().unwrap());
    }
    let posts: Vec<u16> = l
        .server
        .log()
        .iter()
        .filter(|e| e.method == "POST" && e.path == "/messages")
        .map(|e| e.status)
        .collect();
    assert!(posts.iter().any(|s| *s != 200), "some posts met a fault: {posts:?}");
    let posted = l.by_chat();
    for id in GROUP_CHATS.iter().chain(&STAFF_CHATS) {
        assert_eq!(posted[id].len(), 1, "{id}: {:?}", posted[id]);
    }
    let refs: Vec<&Run> = runs.iter().collect();
    assert_no_token(&l.ws, &refs);
}

#[test]
fn a_chat_the_bot_cannot_post_to_fails_with_its_reason_and_the_others_go_on() {
    let l = live(&[]);
    let mut toml = l.ws.read("rollout.toml");
    toml.push_str("\n[[chats.map]]\nchat_id = 110\nbranch = \"Главный корпус\"\ngroup = \"ИС-2\"\naudience = \"teachers\"\n");
    l.ws.config(&toml);
    let r = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(has_line(&r, "Не отправлено (1):"), "{r}");
    assert!(has_line(&r, "  110: чат 110, сообщение: не найден (404)"), "{r}");
    assert!(
        has_line(
            &r,
            "Итого: опубликовано — чатов: 7, сообщений: 7; уже было опубликовано раньше — чатов: 0; не удалось — чатов: 1."
        ),
        "{r}"
    );
    assert_eq!(l.posted().len(), 7);
    // The failed one is tried again; the others are not.
    let again = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(again.code, 1, "{again}");
    assert!(
        has_line(
            &again,
            "Итого: опубликовано — чатов: 0, сообщений: 0; уже было опубликовано раньше — чатов: 7; не удалось — чатов: 1."
        ),
        "{again}"
    );
    assert_eq!(l.posted().len(), 7);
}

#[test]
fn a_run_killed_while_posting_is_finished_by_the_next_and_nothing_is_posted_twice() {
    let l = live(&[]);
    // Pulled at full speed; then the client posts slowly, so the kill lands mid-run.
    let dry = l.run(&["notify", "rules"]);
    assert_eq!(dry.code, 0, "{dry}");
    let fast = l.ws.read("rollout.toml");
    l.ws.config(&fast.replace("rate = 1000", "rate = 4"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(["notify", "rules", "--yes"])
        .current_dir(l.ws.path())
        .env("ROLLOUT_TODAY", "2026-11-22")
        .env("ROLLOUT_MAX_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !l.server.log().iter().any(|e| e.method == "POST" && e.path == "/messages") {
        assert!(std::time::Instant::now() < deadline, "no post in 10 s");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    let killed_midway = l.posted().len() < GROUP_CHATS.len();
    l.ws.config(&fast);
    let r = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(r.code, 0, "{r}");
    if killed_midway {
        assert!(!status.success(), "killed");
        assert!(r.stdout.contains("Продолжаю прерванный запуск"), "{r}");
    }
    let posted = l.by_chat();
    assert_eq!(posted.keys().copied().collect::<Vec<_>>(), GROUP_CHATS);
    for (chat, texts) in &posted {
        assert_eq!(texts.len(), 1, "{chat}: {texts:?}");
    }
    let again = l.run(&["notify", "rules", "--yes"]);
    assert!(
        has_line(&again, "Правила уже опубликованы во всех чатах групп (7) — отправлять нечего."),
        "{again}"
    );
}

#[test]
fn a_broken_template_is_named_and_nothing_is_posted() {
    let l = live(&[]);
    l.ws.write("templates/messages/rules.txt", "Правила {{ org \n");
    let r = l.run(&["notify", "rules", "--yes"]);
    assert_eq!(r.code, 2, "{r}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "rollout: ошибка: шаблон ./templates/messages/rules.txt: строка 1, позиция 15: шаблон обрывается: не закрыт тег или блок (Unexpected end of input) — «Правила {{ org»",
            "  подсказка: это файл рабочего места: исправьте его или удалите — тогда будет взят встроенный шаблон",
        ],
        "{r}"
    );
    assert!(l.posted().is_empty());
}
