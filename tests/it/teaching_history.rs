//! The teaching load over time (issue 15): the load kept in the roster history, a teacher
//! who left a group's load removed from its teachers' and subject chats (never from the
//! staff chat, never the curator, never on an unknown or missing load), and the load's
//! movement rows.

use crate::diff::{M, write_snapshot};
use crate::util::*;
use std::collections::BTreeMap;

const TOML: &str = r#"
[organization]
name = "Тестовая школа"
profile = "school"

[[branches]]
name = "Главный корпус"
main = true

[platform]
snapshot = "platform/"

[safety]
max_remove = "100%"
max_shrink = "100%"

[[chats.map]]
chat_id = 202
group = "5А"
audience = "subject"
subject = "Физика"
"#;

const STUDENTS: &str = "ФИО;Класс;Дата рождения
Иванов Иван Иванович;5А;01.01.2015
Петрова Мария Сергеевна;5А;02.02.2015
Сидоров Алексей Петрович;5А;03.03.2015
";

const STAFF: &str = "ФИО;Должность;Классное руководство
Учителева Галина Ивановна;Учитель;5А
Физикова Мария Петровна;Учитель;
Химикова Ольга Ивановна;Учитель;
";

/// Учителева (the curator) teaches Russian, Физикова physics and chemistry, Химикова
/// chemistry — all in 5А.
const LOAD: &str = "Учитель;Класс;Предмет;Часы
Учителева Галина Ивановна;5А;Русский язык;4
Физикова Мария Петровна;5А;Физика;2
Физикова Мария Петровна;5А;Химия;1
Химикова Ольга Ивановна;5А;Химия;2
";

fn school() -> Ws {
    let ws = Ws::new();
    ws.config(TOML);
    ws.write("sources/students.csv", STUDENTS);
    ws.write("sources/staff.csv", STAFF);
    ws.write("sources/load.csv", LOAD);
    write_snapshot(&ws, &chats());
    ws
}

/// 201 «5А Учителя», 202 the 5А physics chat (placed by [[chats.map]]), 203 the staff
/// chat, 204 the class chat.
fn chats() -> Vec<(i64, &'static str, Vec<M<'static>>)> {
    vec![
        (
            201,
            "5А Учителя",
            vec![
                (90, "Галина", "Учителева", true),
                (93, "Мария", "Физикова", false),
                (94, "Ольга", "Химикова", false),
            ],
        ),
        (
            202,
            "Физика 5А",
            vec![
                (1, "Иван", "Иванов", false),
                (2, "Мария", "Петрова", false),
                (3, "Алексей", "Сидоров", false),
                (93, "Мария", "Физикова", true),
            ],
        ),
        (
            203,
            "Учительская",
            vec![
                (90, "Галина", "Учителева", false),
                (93, "Мария", "Физикова", false),
                (94, "Ольга", "Химикова", false),
            ],
        ),
        (
            204,
            "5А класс",
            vec![
                (1, "Иван", "Иванов", false),
                (2, "Мария", "Петрова", false),
                (3, "Алексей", "Сидоров", false),
                (90, "Галина", "Учителева", true),
            ],
        ),
    ]
}

fn changes(ws: &Ws) -> serde_json::Value {
    serde_json::from_str(&ws.read("out/changes.json")).unwrap()
}

/// (user id, chat id) → (reason code, text) of every removal.
fn removals(ws: &Ws) -> BTreeMap<(i64, i64), (String, String)> {
    changes(ws)["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "remove")
        .map(|a| {
            (
                (a["user_id"].as_i64().unwrap(), a["chat_id"].as_i64().unwrap()),
                (
                    a["reason"]["code"].as_str().unwrap().to_string(),
                    a["reason"]["text"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn diff_and_approve(ws: &Ws) {
    let r = ws.run(&["diff"]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    let hash = changes(ws)["hash"].as_str().unwrap().to_string();
    let r = ws.run(&["approve", &hash]);
    assert_eq!(r.code, 0, "{r}");
}

fn drop_lines(text: &str, needles: &[&str]) -> String {
    text.lines()
        .filter(|l| !needles.iter().any(|n| l.contains(n)))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

const LEFT_TEACHERS: &str = "учитель больше не ведёт предметы в классе 5А (по нагрузке): удалить из чата учителей класса";

#[test]
fn the_load_is_read_and_kept_in_the_history() {
    let ws = school();
    let r = ws.run(&["ingest"]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    let record = ws.path().join(".rollout/history/1/teaching.parquet");
    assert!(record.is_file(), "{r}");
    // The same sources again: no new record; a changed load: a new one.
    ws.run(&["ingest"]);
    assert!(!ws.path().join(".rollout/history/2").exists());
    ws.write("sources/load.csv", LOAD.replace("Физика;2", "Физика;3"));
    ws.run(&["ingest"]);
    assert!(ws.path().join(".rollout/history/2/teaching.parquet").is_file());
}

#[test]
fn a_teacher_who_left_the_class_load_leaves_its_teachers_chat_only() {
    let ws = school();
    diff_and_approve(&ws);
    // Химикова teaches nothing in 5А now; the curator Учителева dropped Russian but stays.
    ws.write("sources/load.csv", drop_lines(LOAD, &["Химикова", "Русский"]));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        removals(&ws),
        BTreeMap::from([((94, 201), ("teacher_left_load".to_string(), LEFT_TEACHERS.to_string()))]),
        "{r}"
    );
}

#[test]
fn a_teacher_who_dropped_a_subject_leaves_its_subject_chat() {
    let ws = school();
    diff_and_approve(&ws);
    // Физикова no longer teaches physics in 5А but still teaches chemistry there.
    ws.write("sources/load.csv", drop_lines(LOAD, &["Физика"]));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    // Physics is gone from 5А's load: the map entry is said, the run goes on.
    assert!(
        r.stderr.lines().any(|l| l
            == "rollout: внимание: rollout.toml: [[chats.map]], запись 1 (chat_id 202): предмета «Физика» нет в нагрузке группы 5А — чат по нему никого не ждёт; если предмет больше не ведут, уберите запись"),
        "{r}"
    );
    assert_eq!(
        removals(&ws),
        BTreeMap::from([(
            (93, 202),
            (
                "teacher_left_load".to_string(),
                "учитель больше не ведёт «Физика» в классе 5А (по нагрузке): удалить из чата по предмету".to_string()
            )
        )]),
        "{r}"
    );
}

#[test]
fn a_teacher_who_left_the_staff_is_a_staff_leaver_not_a_load_leaver() {
    let ws = school();
    diff_and_approve(&ws);
    ws.write("sources/staff.csv", drop_lines(STAFF, &["Химикова"]));
    ws.write("sources/load.csv", drop_lines(LOAD, &["Химикова"]));
    let r = ws.run(&["diff"]);
    let codes: BTreeMap<(i64, i64), String> = removals(&ws).into_iter().map(|(k, (c, _))| (k, c)).collect();
    assert_eq!(
        codes,
        BTreeMap::from([((94, 201), "staff_left".to_string()), ((94, 203), "staff_left".to_string())]),
        "{r}"
    );
}

#[test]
fn a_missing_load_plans_no_removals_and_says_so() {
    let ws = school();
    diff_and_approve(&ws);
    std::fs::remove_file(ws.path().join("sources/load.csv")).unwrap();
    let r = ws.run(&["diff"]);
    assert!(removals(&ws).is_empty(), "{r}");
    let warning = "rollout: внимание: в источниках нет нагрузки учителей, а в списке № 1 она была — удаления учителей из чатов классов и чатов по предметам не планируются; проверьте файл нагрузки";
    assert_eq!(r.stderr.lines().filter(|l| *l == warning).count(), 1, "{r}");
}

#[test]
fn an_unreadable_source_plans_no_load_removals() {
    let ws = school();
    diff_and_approve(&ws);
    ws.write("sources/load.csv", drop_lines(LOAD, &["Химикова"]));
    ws.write("sources/broken.xlsx", b"not a workbook");
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(removals(&ws).is_empty(), "{r}");
}

#[test]
fn a_reference_recorded_before_the_load_was_kept_plans_no_load_removals() {
    let ws = school();
    diff_and_approve(&ws);
    // The reference record as an older rollout wrote it: no load table.
    for e in std::fs::read_dir(ws.path().join(".rollout/history")).unwrap().flatten() {
        let _ = std::fs::remove_file(e.path().join("teaching.parquet"));
    }
    ws.write("sources/load.csv", drop_lines(LOAD, &["Химикова"]));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(removals(&ws).is_empty(), "{r}");
}

#[test]
fn load_removals_count_toward_the_safety_limits() {
    let ws = school();
    ws.config(&TOML.replace("max_remove = \"100%\"", "max_remove = 0"));
    diff_and_approve(&ws);
    ws.write("sources/load.csv", drop_lines(LOAD, &["Химикова"]));
    let r = ws.run(&["diff"]);
    let c = changes(&ws);
    assert_eq!(c["status"], "held", "{r}");
    assert_eq!(
        c["held_reasons"],
        serde_json::json!([
            "Главный корпус, учителя группы: 1 удаление из 3 участников чатов (33.3%) — больше порога [safety] max_remove = 0; проверьте и подтвердите (rollout approve)"
        ]),
        "{r}"
    );
}

#[test]
fn movement_lists_the_load_that_came_and_went() {
    let ws = school();
    let r = ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-22")]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    let people = ws.people();
    let id = |s: &str| people.iter().find(|p| p["surname"] == s).map(|p| p["person_id"].clone()).unwrap();
    // Химикова left 5А's chemistry, Физикова took up biology there.
    let new_load = drop_lines(LOAD, &["Химикова"]) + "Физикова Мария Петровна;5А;Биология;1\n";
    ws.write("sources/load.csv", new_load);
    let r = ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-29")]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    let r = ws.run_env(&["movement"], &[("ROLLOUT_TODAY", "2026-11-29")]);
    assert_eq!(r.code, 0, "{r}");
    let text = ws.read("out/movement.csv");
    let mut rows: Vec<&str> = text.lines().skip(1).collect();
    rows.sort();
    let mut want = vec![
        format!("{},teaching,joined,Биология,,,Главный корпус,5А,2026-11-29", id("Физикова")),
        format!("{},teaching,left,Химия,Главный корпус,5А,,,2026-11-29", id("Химикова")),
    ];
    want.sort();
    assert_eq!(rows, want, "{r}");
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        [
            "Движение: список № 1 от 22.11.2026 (rollout ingest) → № 2 от 29.11.2026 (rollout ingest)",
            "  Главный корпус: нагрузка: +1 / −1",
            "  Всего изменений: 2",
            &format!(
                "Записано: {}, {}",
                std::path::Path::new("./out/movement.csv").display(),
                std::path::Path::new("./out/movement.xlsx").display()
            ),
        ],
        "{r}"
    );
}

#[test]
fn a_damaged_load_table_is_named_like_any_damaged_record() {
    let ws = school();
    ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-22")]);
    ws.write("sources/load.csv", drop_lines(LOAD, &["Химикова"]));
    ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-29")]);
    let table = ws.path().join(".rollout/history/2/teaching.parquet");
    // A valid Parquet table of the wrong shape.
    std::fs::copy(ws.path().join(".rollout/history/2/groups.parquet"), &table).unwrap();
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.stderr
            .contains("teaching.parquet — запись истории списков повреждена (нет столбца person_id): удалите папку"),
        "{r}"
    );
    // Cut off: the same roster built again replaces the record.
    let bytes = std::fs::read(&table).unwrap();
    std::fs::write(&table, &bytes[..bytes.len() / 2]).unwrap();
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.stderr
            .contains("teaching.parquet — запись истории списков повреждена (это не таблица Parquet или она обрывается)"),
        "{r}"
    );
    ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-30")]);
    assert!(!ws.path().join(".rollout/history/2").exists());
    assert!(ws.path().join(".rollout/history/3/teaching.parquet").exists());
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn a_misspelt_teacher_in_the_load_removes_nobody_from_the_class_chats() {
    let ws = school();
    diff_and_approve(&ws);
    // Химикова's line with a typo: not understood, so nobody of 5А has left its load.
    ws.write("sources/load.csv", LOAD.replace("Химикова Ольга", "Химиква Ольга"));
    let r = ws.run(&["diff"]);
    assert_eq!(with_rule(&ws.problems(), "teaching-unknown-teacher").len(), 1, "{r}");
    assert_eq!(removals(&ws), BTreeMap::new(), "{r}");
}

#[test]
fn a_class_gone_from_the_load_removes_none_of_its_teachers_and_is_said() {
    let ws = school();
    // A second class, with a load line of its own in a file of its own.
    ws.write("sources/students.csv", format!("{STUDENTS}Новиков Пётр Ильич;6Б;04.04.2014\n"));
    ws.write(
        "sources/load-6.csv",
        "Учитель;Класс;Предмет;Часы\nХимикова Ольга Ивановна;6Б;Химия;2\n",
    );
    diff_and_approve(&ws);
    // The 5А load file is gone: 5А is not in the load at all now.
    std::fs::remove_file(ws.path().join("sources/load.csv")).unwrap();
    let r = ws.run(&["diff"]);
    assert_eq!(removals(&ws), BTreeMap::new(), "{r}");
    assert!(
        r.stderr.lines().any(|l| l
            == "rollout: внимание: нагрузки класса 5А в источниках больше нет (в прошлом подтверждённом списке она была) — удаления учителей из чатов класса не планируются; проверьте файлы нагрузки"),
        "{r}"
    );
}

#[test]
fn movement_does_not_take_a_deleted_load_file_for_every_line_left() {
    let ws = school();
    let r = ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-22")]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    std::fs::remove_file(ws.path().join("sources/load.csv")).unwrap();
    let r = ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-29")]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    let r = ws.run_env(&["movement"], &[("ROLLOUT_TODAY", "2026-11-29")]);
    assert_eq!(r.code, 0, "{r}");
    let text = ws.read("out/movement.csv");
    assert_eq!(text.lines().filter(|l| l.contains(",teaching,")).count(), 0, "{text}\n{r}");
}
