//! Rollout plans through the binary: the college's plan from seed 002 at several days,
//! check-offs with history, measured milestones from fixture data, import from xlsx, csv
//! and docx (every deadline expression), the calendar read back by an RFC 5545 parser,
//! mermaid, reminders, and the dashboard with the director's summary.

use crate::util::*;
use serde_json::Value;
use std::io::Write;

const SEED_SITES: &str = r#"
[organization]
name = "ГБПОУ «Краевой политехнический колледж»"
profile = "college"

[[branches]]
name = "Чернушка"
main = true
[[branches]]
name = "Бардымский филиал"
aliases = ["Бардымский"]
[[branches]]
name = "Куединский филиал"
[[branches]]
name = "Октябрьский филиал"
[[branches]]
name = "Уинский филиал"
"#;

fn college_plan() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plans/college-binding.toml")).unwrap()
}

fn seed_ws() -> Ws {
    let ws = Ws::new();
    ws.config(SEED_SITES);
    ws.write("plans/college-binding.toml", college_plan());
    ws
}

fn status_json(ws: &Ws, today: &str, as_of: &str) -> Value {
    let r = ws.run_env(&["plan", "status", "--json", "--as-of", as_of], &[("ROLLOUT_TODAY", today)]);
    let j: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}\n{r}"));
    // 1 exactly when something is overdue or blocked.
    let late = j["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| matches!(i["state"].as_str(), Some("overdue" | "blocked")));
    assert_eq!(r.code, i32::from(late), "{r}");
    j
}

/// The one status item of milestone `id` at `branch` ("" for the whole organisation).
fn item(j: &Value, id: &str, branch: &str) -> Value {
    let items = j["items"].as_array().unwrap();
    let hit: Vec<&Value> = items.iter().filter(|i| i["id"] == id && i["branch"] == branch).collect();
    assert_eq!(hit.len(), 1, "one item {id} · {branch}");
    hit[0].clone()
}

fn state(j: &Value, id: &str, branch: &str) -> String {
    item(j, id, branch)["state"].as_str().unwrap().to_string()
}

fn owner(j: &Value, name: &str) -> Option<Value> {
    j["by_owner"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .map(|o| o["counts"].clone())
}

#[test]
fn the_college_plan_is_transcribed_whole() {
    let ws = seed_ws();
    let j = status_json(&ws, "2024-02-19", "2024-02-19");
    let items = j["items"].as_array().unwrap();
    // 1 + 5 seminars + 5 chat rows + 2 cohort rows + 1 + 1 + 1
    assert_eq!(items.len(), 16);
    let sites = [
        "Чернушка",
        "Бардымский филиал",
        "Куединский филиал",
        "Октябрьский филиал",
        "Уинский филиал",
    ];
    for id in ["staff-seminar", "staff-binding-chats"] {
        for s in sites {
            state(&j, id, s);
        }
    }
    for id in [
        "ej-admin-binding",
        "parents-meetings-graduating",
        "parents-meetings-continuing",
        "students-parents-binding",
        "teachers-training",
        "custom-chats",
    ] {
        state(&j, id, "");
    }
    // Deadlines as written, windows as read: the end is inclusive, the year from the neighbours.
    let g = item(&j, "parents-meetings-graduating", "");
    assert_eq!(g["deadline"], "23.03.2024г.");
    assert_eq!(g["end"], "2024-03-23");
    let c = item(&j, "parents-meetings-continuing", "");
    assert_eq!(c["deadline"], "в течение марта");
    assert_eq!((c["start"].as_str(), c["end"].as_str()), (Some("2024-03-01"), Some("2024-03-31")));
    let s = item(&j, "staff-binding-chats", "Уинский филиал");
    assert_eq!((s["start"].as_str(), s["end"].as_str()), (Some("2024-02-26"), Some("2024-03-04")));
    assert_eq!(
        s["owners"],
        serde_json::json!(["Одинцева Н.Н.", "Кураторы групп"]),
        "names kept as written"
    );
    assert!(s["comment"].as_str().unwrap().ends_with("(Уинский филиал)"));
    // Measured milestones say how, and which are proxies.
    let e = item(&j, "ej-admin-binding", "");
    assert_eq!(e["manual"], false);
    assert_eq!(e["measures"][0]["kind"], "groups_with_chats");
    assert_eq!(e["measures"][0]["proxy"], true);
    assert_eq!(e["measures"][0]["value"], Value::Null, "no platform: not measured, not zero");
    // Variant spellings are one person.
    assert_eq!(owner(&j, "Одинцова Н.Н.").unwrap()["total"], 7);
    assert!(owner(&j, "Одинцева Н.Н.").is_none());
    assert_eq!(owner(&j, "Муллаярова Э.Р.").unwrap()["total"], 3);
    assert!(owner(&j, "Муллайрова Э.Р.").is_none());
    assert_eq!(owner(&j, "Горожанинов И.А.").unwrap()["total"], 3);
    assert!(owner(&j, "Горржанинов И.А.").is_none());
}

#[test]
fn the_college_plan_at_several_days() {
    let ws = seed_ws();
    // Before anything starts: seminars end within warn_days (7) — at risk; the rest not started.
    let j = status_json(&ws, "2024-02-19", "2024-02-19");
    assert_eq!(state(&j, "staff-seminar", "Чернушка"), "at_risk");
    assert_eq!(state(&j, "ej-admin-binding", ""), "planned");
    assert_eq!(state(&j, "staff-binding-chats", "Куединский филиал"), "planned");
    assert_eq!(state(&j, "teachers-training", ""), "planned");

    // Бардымский checks off its seminar on the 21st.
    let r = ws.run_env(
        &[
            "plan",
            "done",
            "staff-seminar",
            "--branch",
            "Бардымский",
            "--note",
            "семинар проведён",
            "--by",
            "Кучукбаева Т.Г.",
        ],
        &[("ROLLOUT_TODAY", "2024-02-21")],
    );
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("Бардымский филиал"), "{r}");
    let j = status_json(&ws, "2024-02-21", "2024-02-21");
    assert_eq!(state(&j, "staff-seminar", "Бардымский филиал"), "done");
    assert_eq!(state(&j, "staff-seminar", "Уинский филиал"), "at_risk");
    assert_eq!(state(&j, "ej-admin-binding", ""), "in_progress");
    let done = item(&j, "staff-seminar", "Бардымский филиал");
    assert_eq!(done["done_on"], "2024-02-21");
    assert_eq!(done["done_by"], "Кучукбаева Т.Г.");
    assert_eq!(done["note"], "семинар проведён");
    // The day before the check-off it was not done yet.
    let j = status_json(&ws, "2024-02-21", "2024-02-20");
    assert_eq!(state(&j, "staff-seminar", "Бардымский филиал"), "at_risk");

    // The 27th: the other seminars are overdue, so their sites' chat work is blocked.
    let j = status_json(&ws, "2024-02-27", "2024-02-27");
    assert_eq!(state(&j, "staff-seminar", "Чернушка"), "overdue");
    assert_eq!(state(&j, "staff-binding-chats", "Чернушка"), "blocked");
    assert_eq!(state(&j, "staff-binding-chats", "Бардымский филиал"), "at_risk");
    assert_eq!(state(&j, "ej-admin-binding", ""), "at_risk");
    let blocked = item(&j, "staff-binding-chats", "Чернушка");
    assert_eq!(blocked["blocked_by"], serde_json::json!(["staff-seminar"]));
    let by_branch = j["by_branch"].as_array().unwrap();
    let bard = by_branch.iter().find(|b| b["name"] == "Бардымский филиал").unwrap();
    assert_eq!(
        (bard["counts"]["done"].as_u64(), bard["counts"]["at_risk"].as_u64()),
        (Some(1), Some(1))
    );

    // The 20th of March: the graduating groups' meeting waits for every site's chats.
    let j = status_json(&ws, "2024-03-20", "2024-03-20");
    assert_eq!(state(&j, "parents-meetings-graduating", ""), "blocked");
    assert_eq!(state(&j, "teachers-training", ""), "in_progress");

    // April: whatever is not done is overdue; the check-off still counts.
    let j = status_json(&ws, "2024-04-01", "2024-04-01");
    assert_eq!(state(&j, "teachers-training", ""), "overdue");
    assert_eq!(state(&j, "staff-seminar", "Бардымский филиал"), "done");
    let r = ws.run_env(&["plan", "status", "--as-of", "2024-04-01"], &[("ROLLOUT_TODAY", "2024-04-01")]);
    assert_eq!(r.code, 1, "overdue items make the exit code 1: {r}");
    assert!(r.stdout.contains("По площадкам:") && r.stdout.contains("По ответственным:"), "{r}");
    assert!(r.stdout.contains("[просрочено] teachers-training"), "{r}");
    assert!(!r.stdout.contains("\x1b["), "no colour when stdout is not a terminal");

    // Withdrawn on the 25th: the history keeps both.
    let r = ws.run_env(
        &[
            "plan",
            "done",
            "staff-seminar",
            "--branch",
            "Бардымский филиал",
            "--undo",
            "--note",
            "перенесли",
        ],
        &[("ROLLOUT_TODAY", "2024-02-25")],
    );
    assert_eq!(r.code, 0, "{r}");
    let j = status_json(&ws, "2024-02-26", "2024-02-26");
    assert_eq!(state(&j, "staff-seminar", "Бардымский филиал"), "overdue");
    let j = status_json(&ws, "2024-02-26", "2024-02-22");
    assert_eq!(state(&j, "staff-seminar", "Бардымский филиал"), "done");
}

#[test]
fn check_offs_are_refused_with_a_reason() {
    let ws = seed_ws();
    let cases: [(&[&str], &str); 5] = [
        (&["plan", "done", "nope"], "вехи «nope» в планах нет"),
        (&["plan", "done", "staff-seminar"], "добавьте --branch"),
        (&["plan", "done", "staff-seminar", "--branch", "Пермь"], "нет строки для «Пермь»"),
        (&["plan", "done", "teachers-training", "--branch", "Чернушка"], "на всю организацию"),
        (&["plan", "done", "ej-admin-binding"], "измеряется по данным"),
    ];
    for (args, msg) in cases {
        let r = ws.run_env(args, &[("ROLLOUT_TODAY", "2024-02-21")]);
        assert_eq!(r.code, 2, "{r}");
        assert!(r.stderr.contains(msg), "{msg}: {r}");
    }
    let r = ws.run_env(
        &["plan", "done", "teachers-training", "--date", "2024-03-01"],
        &[("ROLLOUT_TODAY", "2024-02-21")],
    );
    assert_eq!(r.code, 2, "a check-off in the future: {r}");
}

#[test]
fn a_bad_plan_file_names_the_milestone_and_the_problem() {
    let ws = seed_ws();
    ws.write(
        "plans/bad.toml",
        r#"
[[milestones]]
id = "a"
event = "Событие"
deadline = "когда-нибудь"
depends_on = ["b"]

[[milestones]]
id = "b"
event = "Другое"
deadline = "до 01.03.2024"
depends_on = ["a"]
"#,
    );
    // The bad plan is named and left out; the good ones are still shown (exit 1).
    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("план не вошёл: ./plans/bad.toml"), "{r}");
    assert!(r.stderr.contains("«когда-нибудь» не распознан"), "{r}");
    assert!(r.stderr.contains("замыкается в круг"), "{r}");
}

/// The fixture college of the diff tests with a plan measured from its platform.
fn measured_ws() -> Ws {
    let ws = crate::diff::college();
    ws.write(
        "plans/measured.toml",
        r#"
title = "Измеряемый план"
[[milestones]]
id = "staff-chat"
event = "Сотрудники в чате сотрудников"
deadline = "01.11.2026 - 30.11.2026"
scope = "each_branch"
metrics = [{ kind = "staff_in_staff_chat", target = 95, proxy = true }]

[[milestones]]
id = "chats"
event = "Чаты групп созданы"
deadline = "01.11.2026 - 30.11.2026"
scope = "each_branch"
metrics = [{ kind = "groups_with_chats", target = 100 }]

[[milestones]]
id = "parents"
event = "Родители в чатах"
deadline = "в течение декабря"
metrics = [{ kind = "parents_joined", target = 90 }, { kind = "students_joined", target = 80 }]
depends_on = ["chats"]
"#,
    );
    ws
}

#[test]
fn measured_milestones_complete_from_the_platform() {
    let ws = measured_ws();
    crate::diff::write_snapshot(&ws, &crate::diff::base_chats());
    let j = status_json(&ws, "2026-11-22", "2026-11-22");
    for b in ["Главный корпус", "Заречный филиал"] {
        assert_eq!(state(&j, "staff-chat", b), "done", "{b}");
        assert_eq!(state(&j, "chats", b), "done", "{b}");
    }
    assert_eq!(state(&j, "parents", ""), "done");
    let parents = item(&j, "parents", "");
    assert_eq!(parents["measures"][0]["value"], 100.0);
    assert_eq!(parents["done_on"], "2026-11-22");

    // The Заречный parents' chat is gone: its groups lack a chat and its parent is not in one.
    let mut chats = crate::diff::base_chats();
    chats.retain(|c| c.0 != 106);
    crate::diff::write_snapshot(&ws, &chats);
    let j = status_json(&ws, "2026-11-23", "2026-11-23");
    assert_eq!(state(&j, "chats", "Главный корпус"), "done");
    assert_eq!(
        state(&j, "chats", "Заречный филиал"),
        "at_risk",
        "ends on the 30th, within warn_days"
    );
    assert_eq!(state(&j, "staff-chat", "Заречный филиал"), "done");
    let parents = item(&j, "parents", "");
    assert_eq!(parents["state"], "planned", "December has not begun");
    assert_eq!(
        parents["measures"][0]["value"], 75.0,
        "3 of 4 parents: Петров, with children in two groups, is one person"
    );
    let chats_zf = item(&j, "chats", "Заречный филиал");
    assert_eq!(chats_zf["measures"][0]["value"], 0.0);

    // A day before the first measurement: nothing was measured, nothing measured was done.
    let j = status_json(&ws, "2026-11-23", "2026-11-21");
    assert_eq!(state(&j, "chats", "Главный корпус"), "in_progress");
    assert_eq!(item(&j, "chats", "Главный корпус")["measures"][0]["value"], Value::Null);
    // The 22nd as it was measured then: every parent in a chat, Заречный's chats complete.
    let j = status_json(&ws, "2026-11-23", "2026-11-22");
    assert_eq!(item(&j, "parents", "")["measures"][0]["value"], 100.0);
    assert_eq!(state(&j, "chats", "Заречный филиал"), "done");
    let r = ws.run_env(&["plan", "status", "--as-of", "2026-11-22"], &[("ROLLOUT_TODAY", "2026-11-23")]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("последний замер на 22.11.2026 или раньше"), "{r}");
    // December: the parents' milestone is blocked by Заречный's chats.
    let j = status_json(&ws, "2026-12-05", "2026-12-05");
    assert_eq!(state(&j, "chats", "Заречный филиал"), "overdue");
    assert_eq!(state(&j, "parents", ""), "blocked", "75% of parents, below 90%");
}

#[test]
fn without_a_platform_measured_milestones_have_no_data() {
    let ws = measured_ws();
    ws.config(&crate::diff::TOML.replace("[platform]\nsnapshot = \"platform/\"\n", ""));
    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("нет данных (цель 95%, косвенно)"), "{r}");
}

#[test]
fn the_calendar_is_valid_icalendar_with_stable_uids() {
    let ws = seed_ws();
    let r = ws.run_env(&["plan", "calendar"], &[("ROLLOUT_TODAY", "2024-02-21")]);
    assert_eq!(r.code, 0, "{r}");
    let bytes = std::fs::read(ws.path().join("out/plan/calendar.ics")).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.ends_with("\r\n"));
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count(), "every line ends in CRLF");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "a line over 75 octets: {line}");
    }
    assert!(text.contains("\r\n "), "long lines are folded");
    let cal = ical::IcalParser::new(std::io::BufReader::new(&bytes[..]))
        .next()
        .expect("a calendar")
        .expect("parses as RFC 5545");
    assert_eq!(cal.events.len(), 16);
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| (p.params.clone(), p.value.clone().unwrap_or_default()))
    };
    let mut uids = Vec::new();
    for e in &cal.events {
        let (params, start) = prop(e, "DTSTART").expect("DTSTART");
        assert!(
            params
                .unwrap_or_default()
                .iter()
                .any(|(k, v)| k == "VALUE" && v == &vec!["DATE".to_string()]),
            "all-day events"
        );
        assert_eq!(start.len(), 8);
        assert!(prop(e, "DTEND").is_some());
        assert_eq!(prop(e, "DTSTAMP").unwrap().1, "20240221T000000Z");
        uids.push(prop(e, "UID").unwrap().1);
    }
    let seminar = cal
        .events
        .iter()
        .find(|e| prop(e, "SUMMARY").unwrap().1.contains("Уинский"))
        .unwrap();
    assert_eq!(prop(seminar, "DTSTART").unwrap().1, "20240220");
    assert_eq!(prop(seminar, "DTEND").unwrap().1, "20240223", "DTEND is the day after the last");
    let mut unique = uids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), uids.len(), "one UID per milestone instance");
    // The same plan on another day: the same UIDs.
    let r = ws.run_env(&["plan", "calendar"], &[("ROLLOUT_TODAY", "2024-03-01")]);
    assert_eq!(r.code, 0, "{r}");
    let again = std::fs::read_to_string(ws.path().join("out/plan/calendar.ics")).unwrap();
    for u in &uids {
        assert!(again.contains(u.as_str()), "UID {u} is stable");
    }
}

#[test]
fn gantt_is_mermaid_text() {
    let ws = seed_ws();
    let r = ws.run_env(&["plan", "gantt"], &[("ROLLOUT_TODAY", "2024-02-27")]);
    assert_eq!(r.code, 0, "{r}");
    insta::assert_snapshot!("college_plan_gantt", r.stdout);
}

#[test]
fn reminders_go_to_each_owner_with_their_overdue_and_coming_items() {
    let ws = seed_ws();
    let r = ws.run_env(&["plan", "remind"], &[("ROLLOUT_TODAY", "2024-02-27")]);
    assert_eq!(r.code, 0, "{r}");
    let dir = ws.path().join("out/plan/remind");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"Одинцова_Н_Н_.txt".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("Одинцева")),
        "aliases make one letter: {names:?}"
    );
    let letter = std::fs::read_to_string(dir.join("Одинцова_Н_Н_.txt")).unwrap();
    insta::assert_snapshot!("remind_odintsova", letter);
}

fn import_rows() -> Vec<Vec<&'static str>> {
    vec![
        vec!["План мероприятий по переходу на ИКОП «Сферум»", "", "", ""],
        vec!["Мероприятие", "Комментарий", "Ответственный", "Срок исполнения"],
        vec![
            "Привязка администратором ЭЖ",
            "Проверка чатов",
            "Накарякова Я.Н., Еремеева Л.С.",
            "20.02.2024- 29.02.2024г.",
        ],
        vec![
            "Семинар для сотрудников",
            "Семинар (Чернушка)",
            "Накарякова Я.Н.",
            "20.02.2024- 22.02.2024г.",
        ],
        vec!["", "Семинар (Бардымский филиал)", "Кучукбаева Т.Г.", "20.02.2024- 22.02.2024г."],
        vec![
            "",
            "Семинар (Уинский филиал)",
            "Одинцева Н.Н. Кураторы групп",
            "20.02.2024- 22.02.2024г.",
        ],
        vec![
            "Собрания родителей",
            "Онлайн-собрания (для выпускных групп)",
            "Наметова Т.А.",
            "23.03.2024г.",
        ],
        vec!["", "Онлайн-собрания (для переходящих групп)", "Наметова Т.А.", "в течение марта"],
        vec!["До 1 марта", "", "Еремеева Л.С.", "до 1 марта"],
        vec!["До даты", "", "Еремеева Л.С.", "до 01.03.2024"],
        vec!["К сентябрю", "", "Еремеева Л.С.", "к 1 сентября"],
        vec!["Месяц", "", "Еремеева Л.С.", "март 2024"],
        vec!["Квартал", "", "Еремеева Л.С.", "II квартал"],
        vec!["Четверть", "", "Еремеева Л.С.", "I четверть"],
        vec!["Полугодие", "", "Еремеева Л.С.", "I полугодие"],
        vec!["Конец года", "", "Еремеева Л.С.", "до конца учебного года"],
    ]
}

/// (id prefix-free event, start, end) expected for the import table's rows.
fn expected_windows() -> Vec<(&'static str, Option<&'static str>, &'static str)> {
    vec![
        ("Привязка администратором ЭЖ", Some("2024-02-20"), "2024-02-29"),
        ("Семинар для сотрудников", Some("2024-02-20"), "2024-02-22"),
        ("Собрания родителей", Some("2024-03-23"), "2024-03-23"),
        ("До 1 марта", None, "2024-03-01"),
        ("До даты", None, "2024-03-01"),
        ("К сентябрю", None, "2024-09-01"),
        ("Месяц", Some("2024-03-01"), "2024-03-31"),
        ("Квартал", Some("2024-04-01"), "2024-06-30"),
        // The neighbouring rows are in 2024, before August: the school year 2023/24.
        ("Четверть", Some("2023-09-01"), "2023-10-26"),
        ("Полугодие", Some("2023-09-01"), "2023-12-28"),
        ("Конец года", None, "2024-06-30"),
    ]
}

fn check_imported(ws: &Ws, plan: &str) {
    let text = ws.read(plan);
    assert!(text.contains("scope = \"branches\""), "{text}");
    assert!(text.contains("branch = \"Бардымский филиал\""), "{text}");
    let j = {
        let r = ws.run_env(&["plan", "status", "--json", "--plan", plan], &[("ROLLOUT_TODAY", "2024-02-19")]);
        assert_eq!(r.code, 1, "{r}");
        serde_json::from_str::<Value>(&r.stdout).unwrap()
    };
    let items = j["items"].as_array().unwrap();
    for (event, start, end) in expected_windows() {
        let it = items
            .iter()
            .find(|i| i["event"] == event)
            .unwrap_or_else(|| panic!("{event} in {items:?}"));
        assert_eq!(it["start"].as_str(), start, "{event}");
        assert_eq!(it["end"].as_str(), Some(end), "{event}");
    }
    let sites: Vec<&str> = items
        .iter()
        .filter(|i| i["event"] == "Семинар для сотрудников")
        .map(|i| i["branch"].as_str().unwrap())
        .collect();
    assert_eq!(sites, ["Чернушка", "Бардымский филиал", "Уинский филиал"]);
    let uinsky = items.iter().find(|i| i["branch"] == "Уинский филиал").unwrap();
    assert_eq!(uinsky["owners"], serde_json::json!(["Одинцева Н.Н.", "Кураторы групп"]));
    // The cohort rows are milestones of their own, for the whole organisation.
    let cohorts: Vec<&Value> = items.iter().filter(|i| i["event"] == "Собрания родителей").collect();
    assert_eq!(cohorts.len(), 2);
    assert!(cohorts.iter().all(|c| c["branch"] == ""));
    assert_eq!(cohorts[1]["end"], "2024-03-31", "«в течение марта» takes the year of the row above");
}

#[test]
fn import_from_xlsx_with_merged_event_cells() {
    let ws = seed_ws();
    let rows: Vec<Vec<C>> = import_rows()
        .iter()
        .map(|r| r.iter().map(|c| if c.is_empty() { C::E } else { C::T(c.to_string()) }).collect())
        .collect();
    let mut sh = sheet("План", rows);
    // The seminar's event cell is merged over its three rows (rows 4–6, zero-based 3–5).
    sh.merges.push((3, 0, 5, 0));
    sh.merges.push((6, 0, 7, 0));
    ws.write("План.xlsx", xlsx(&[sh]));
    let r = ws.run(&["plan", "import", "План.xlsx"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("plans/План.toml"), "{r}");
    check_imported(&ws, "plans/План.toml");
    // Not overwritten without --force.
    let r = ws.run(&["plan", "import", "План.xlsx"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("--force"), "{r}");
}

#[test]
fn import_from_windows_1251_csv_with_empty_event_cells() {
    let ws = seed_ws();
    let text: String = import_rows().iter().map(|r| r.join(";") + "\r\n").collect();
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
    ws.write("plan.csv", bytes);
    let r = ws.run(&["plan", "import", "plan.csv", "--to", "plans/csv.toml"]);
    assert_eq!(r.code, 0, "{r}");
    check_imported(&ws, "plans/csv.toml");
}

/// A Word document with one table; `vmerge` rows continue the event cell above.
fn docx(rows: &[Vec<&str>]) -> Vec<u8> {
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut body = String::new();
    for r in rows {
        body.push_str("<w:tr>");
        for (i, c) in r.iter().enumerate() {
            let pr = if i == 0 && c.is_empty() {
                "<w:tcPr><w:vMerge/></w:tcPr>"
            } else {
                ""
            };
            // Two paragraphs in a cell are read as one text.
            let (a, b) = c.split_once(' ').unwrap_or((c, ""));
            body.push_str(&format!(
                "<w:tc>{pr}<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>",
                esc(a),
                esc(b)
            ));
        }
        body.push_str("</w:tr>");
    }
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>План мероприятий</w:t></w:r></w:p><w:tbl>{body}</w:tbl></w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    z.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
    z.write_all(doc.as_bytes()).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}

#[test]
fn import_from_a_docx_table() {
    let ws = seed_ws();
    let rows = import_rows();
    ws.write("План.docx", docx(&rows[1..]));
    let r = ws.run(&["plan", "import", "План.docx", "--to", "plans/docx.toml"]);
    assert_eq!(r.code, 0, "{r}");
    check_imported(&ws, "plans/docx.toml");
}

#[test]
fn an_unreadable_deadline_points_at_its_cell_and_writes_nothing() {
    let ws = seed_ws();
    let text = "Мероприятие;Комментарий;Ответственный;Срок исполнения\nСеминар;;Еремеева Л.С.;по готовности\nСобрания;;Еремеева Л.С.;в течение марта\n";
    ws.write("plan.csv", text);
    let r = ws.run(&["plan", "import", "plan.csv", "--to", "plans/p.toml"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("строка 2, поле 4"), "{r}");
    assert!(r.stderr.contains("«по готовности» не распознан"), "{r}");
    assert!(r.stderr.contains("строка 3, поле 4") && r.stderr.contains("нет года"), "{r}");
    assert!(!ws.path().join("plans/p.toml").exists());
    let mut sh = sheet("Лист1", text_rows(&[&["Мероприятие", "Срок"], &["Семинар", "31.02.2024"]]));
    sh.merges.clear();
    ws.write("plan.xlsx", xlsx(&[sh]));
    let r = ws.run(&["plan", "import", "plan.xlsx", "--to", "plans/p.toml"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("лист «Лист1», ячейка B2") && r.stderr.contains("такой даты не бывает"),
        "{r}"
    );
    let r = ws.run(&["plan", "import", "missing.xlsx"]);
    assert_eq!(r.code, 2, "{r}");
}

#[test]
fn the_dashboard_and_the_usage_summary() {
    let ws = measured_ws();
    crate::diff::write_snapshot(&ws, &crate::diff::base_chats());
    // A title with markup is shown as text.
    ws.write(
        "plans/extra.toml",
        "[[milestones]]\nid = \"x\"\nevent = \"Проверка <script>alert(1)</script>\"\ndeadline = \"до 01.12.2026\"\n",
    );
    let r = ws.run(&["report"]);
    assert_eq!(r.code, 0, "{r}");
    let html = ws.read("out/report.html");
    assert!(!html.contains("<script"), "no scripts, and markup in data is escaped");
    assert!(html.contains("&lt;script&gt;"));
    for external in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!html.contains(external), "self-contained: {external}");
    }
    assert_eq!(html.matches("class=\"gantt-bar").count(), 6, "one bar per milestone instance");
    assert_eq!(html.matches("branch-bar").count(), 2, "one bar per branch");
    assert!(html.contains("data-branch=\"Заречный филиал\""));
    assert!(html.contains("Главный корпус"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ws.path().join("out/report.html")).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "owner-only");
    }
    // The director's summary: a row per group, a total per branch and one for all.
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(ws.path().join("out/usage.xlsx")).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names, ["Использование"]);
    let range = wb.worksheet_range("Использование").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][0], "Филиал");
    let find = |b: &str, g: &str| {
        rows.iter()
            .find(|r| r[0] == b && r[1] == g)
            .unwrap_or_else(|| panic!("{b} {g}: {rows:?}"))
    };
    let is1 = find("Главный корпус", "ИС-1");
    assert_eq!((is1[2].as_str(), is1[3].as_str(), is1[4].as_str()), ("7", "7", "100"));
    let total = find("Главный корпус", "Итого по филиалу");
    assert_eq!((total[8].as_str(), total[9].as_str()), ("2", "2"), "staff in the staff chat");
    find("Заречный филиал", "ЗФ-1");
    assert_eq!(rows.last().unwrap()[0], "Всего");
    assert_eq!(rows.len(), 1 + 3 + 2 + 1);
}

#[test]
fn run_on_the_sample_college_ends_with_the_dashboard() {
    let ws = crate::samples::sample("college");
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 1, "{r}");
    let last = r.stdout.trim_end().lines().last().unwrap_or("");
    assert!(last.contains("report.html") && last.contains("usage.xlsx"), "{r}");
    let html = ws.read("out/report.html");
    assert_eq!(html.matches("branch-bar").count(), 4);
    // The sample plan: 1 + 4 × 4 per-branch + 3 organisation-wide.
    assert_eq!(html.matches("class=\"gantt-bar").count(), 20);
    assert!(ws.path().join("out/usage.xlsx").is_file());
}

#[test]
fn school_terms_come_from_the_workspace_calendar() {
    let ws = Ws::new();
    ws.config(
        r#"
[organization]
name = "Школа"
profile = "school"
timezone = "Asia/Yekaterinburg"

[calendar]
school_year_end = "25.05"
[[calendar.terms]]
name = "I четверть"
start = "02.09"
end = "27.10"
"#,
    );
    ws.write(
        "plans/p.toml",
        r#"
[[milestones]]
id = "a"
event = "Первая четверть"
deadline = "I четверть 2026"
[[milestones]]
id = "b"
event = "До конца года"
deadline = "до конца учебного года"
[[milestones]]
id = "c"
event = "Вторая четверть (по умолчанию)"
deadline = "II четверть"
"#,
    );
    let j = status_json(&ws, "2026-11-22", "2026-11-22");
    let a = item(&j, "a", "");
    assert_eq!((a["start"].as_str(), a["end"].as_str()), (Some("2026-09-02"), Some("2026-10-27")));
    // The neighbouring row is in October 2026: the school year 2026/27.
    assert_eq!(item(&j, "b", "")["end"], "2027-05-25");
    assert_eq!(
        item(&j, "c", "")["end"],
        "2026-12-28",
        "terms the calendar does not name keep the defaults"
    );

    ws.config("[organization]\nprofile = \"school\"\ntimezone = \"Europe/Mars\"\n[[calendar.terms]]\nname = \"I\"\nstart = \"1 сентября\"\nend = \"x\"\n");
    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("Europe/Mars") && r.stderr.contains("calendar.terms"), "{r}");
}

#[test]
fn a_second_import_does_not_reuse_milestone_ids() {
    let ws = seed_ws();
    let text: String = import_rows().iter().map(|r| r.join(";") + "\n").collect();
    ws.write("a.csv", &text);
    ws.write("b.csv", &text);
    assert_eq!(ws.run(&["plan", "import", "a.csv"]).code, 0);
    let r = ws.run(&["plan", "import", "b.csv"]);
    assert_eq!(r.code, 0, "{r}");
    let r = ws.run_env(&["plan", "status", "--json"], &[("ROLLOUT_TODAY", "2024-02-19")]);
    assert_eq!(r.code, 1, "both plans load together: {r}");
    let j: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["plans"].as_array().unwrap().len(), 3, "the college plan and two imports");
    // The title row above the header names the plan.
    assert!(
        ws.read("plans/a.toml")
            .contains("title = \"План мероприятий по переходу на ИКОП «Сферум»\"")
    );
}

#[test]
fn plans_that_share_an_id_leave_the_later_one_out_everywhere() {
    let ws = seed_ws();
    ws.write(
        "plans/z-copy.toml",
        "[[milestones]]\nid = \"teachers-training\"\nevent = \"Копия\"\ndeadline = \"до 01.03.2024\"\n",
    );
    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("z-copy.toml") && r.stderr.contains("\"teachers-training\""),
        "{r}"
    );
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("план не вошёл: ./plans/z-copy.toml"), "{r}");
    assert_eq!(
        ws.read("out/report.html").matches("class=\"gantt-bar").count(),
        16,
        "only the college plan"
    );
}

#[test]
fn rows_name_real_branches() {
    let ws = seed_ws();
    let plan = college_plan().replace("branch = \"Уинский филиал\"", "branch = \"Уинскій филиал\"");
    ws.write("plans/college-binding.toml", plan);
    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("площадка «Уинскій филиал» — не филиал") && r.stderr.contains("может быть, «Уинский филиал»?"),
        "{r}"
    );
    ws.write(
        "plans/college-binding.toml",
        "[[milestones]]\nid = \"a\"\nevent = \"x\"\ndeadline = \"до 01.03.2024\"\nscope = \"each_branch\"\n[[milestones.rows]]\nbranch = \"Чернушка\"\n",
    );
    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("`rows` бывают только при scope = \"branches\""), "{r}");
    // An imported table naming a site rollout.toml does not know.
    ws.write(
        "t.csv",
        "Мероприятие;Комментарий;Ответственный;Срок\nСеминар;Семинар (Чернушка);А.;до 01.03.2024\n;Семинар (Пермский филиал);Б.;до 01.03.2024\n",
    );
    let r = ws.run(&["plan", "import", "t.csv", "--to", "plans/t.toml"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("строка 3, поле 2") && r.stderr.contains("«Пермский филиал» — не филиал"),
        "{r}"
    );
}

#[test]
fn import_warns_about_rows_without_owner_and_windows_already_over() {
    let ws = seed_ws();
    ws.write(
        "t.csv",
        "Мероприятие;Ответственный;Срок\nСеминар;;до 01.03.2024\nСобрания;Наметова Т.А.;в течение марта\n",
    );
    let r = ws.run_env(
        &["plan", "import", "t.csv", "--to", "plans/t.toml"],
        &[("ROLLOUT_TODAY", "2024-05-01")],
    );
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stderr.contains("строка 2, поле 2: ответственный не указан"), "{r}");
    assert!(r.stderr.contains("строка 3, поле 3: в сроке «в течение марта» нет года"), "{r}");
    ws.write("empty.csv", "");
    let r = ws.run(&["plan", "import", "empty.csv", "--to", "plans/e.toml"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("файл пуст"), "{r}");
}

#[test]
fn checking_off_twice_or_withdrawing_nothing_is_said() {
    let ws = seed_ws();
    let today = [("ROLLOUT_TODAY", "2024-03-10")];
    let r = ws.run_env(&["plan", "done", "teachers-training", "--undo"], &today);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("снимать нечего"), "{r}");
    assert_eq!(ws.run_env(&["plan", "done", "teachers-training"], &today).code, 0);
    let r = ws.run_env(&["plan", "done", "teachers-training"], &today);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.contains("Уже отмечено 10.03.2024"), "{r}");
}
