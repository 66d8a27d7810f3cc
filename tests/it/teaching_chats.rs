//! The chats of the teaching load: a class's teachers' chat expects its curator and every
//! teacher of the class, a subject chat («10А Физика», or a `[[chats.map]]` entry with
//! `audience = "subject"`) expects the class's students and that subject's teachers;
//! `[chats] subject_chats = true` lists the missing subject chats. Without a load,
//! teachers' chats get no invites and titles keep their placements.

use crate::diff::{M, write_snapshot};
use crate::util::*;

const TOML: &str = "[organization]\nname = \"Школа\"\nprofile = \"school\"\n\n[platform]\nsnapshot = \"platform/\"\n";

const STUDENTS: &str = "ФИО;Класс;Дата рождения
Алексеев Артём Игоревич;10А;01.01.2010
Борисова Вера Петровна;10А;02.02.2010
Григорьев Глеб Олегович;11Б;03.03.2009
Дмитриева Дарья Ильинична;11Б;04.04.2009
";

const PARENTS: &str = "ФИО обучающегося;Класс;ФИО родителя;Кем приходится;Телефон
Алексеев Артём Игоревич;10А;Алексеева Анна Ивановна;мать;89120000001
Борисова Вера Петровна;10А;Борисов Пётр Ильич;отец;89120000002
Григорьев Глеб Олегович;11Б;Григорьева Галина Петровна;мать;89120000003
Дмитриева Дарья Ильинична;11Б;Дмитриев Илья Олегович;отец;89120000004
";

const STAFF: &str = "ФИО;Должность;Классное руководство
Классова Клара Ивановна;Учитель;10А
Матвеева Мария Олеговна;Учитель;11Б
Физикова Фаина Петровна;Учитель физики;
Химиков Харитон Ильич;Учитель химии;
";

/// The load: 10А has physics, chemistry and literature (taught by its curator); 11Б has
/// physics, spelled in lower case.
const LOAD: &str = "Учитель;Класс;Предмет;Часы
Физикова Ф.П.;10А;Физика;3
Химиков Харитон Ильич;10А;Химия;2
Классова Клара Ивановна;10А;Литература;3
Физикова Фаина Петровна;11Б;физика;2
";

const CURATOR_10A: M<'static> = (90, "Клара", "Классова", true);
const CURATOR_11B: M<'static> = (91, "Мария", "Матвеева", true);
const PHYSICS: M<'static> = (92, "Фаина", "Физикова", false);
const CHEMISTRY: M<'static> = (93, "Харитон", "Химиков", false);

/// A clean platform for the classes, the staff room and the teachers' chat of 11Б; the
/// teachers' chat of 10А has its curator only; 10А's physics chat lacks Борисова and 11Б's
/// lacks Дмитриева.
fn chats() -> Vec<(i64, &'static str, Vec<M<'static>>)> {
    let plain = |m: M<'static>| (m.0, m.1, m.2, false);
    vec![
        (
            1,
            "10А класс",
            vec![(1, "Артём", "Алексеев", false), (2, "Вера", "Борисова", false), CURATOR_10A],
        ),
        (
            2,
            "10А Родители",
            vec![(11, "Анна", "Алексеева", false), (12, "Пётр", "Борисов", false), CURATOR_10A],
        ),
        (
            3,
            "11Б класс",
            vec![(3, "Глеб", "Григорьев", false), (4, "Дарья", "Дмитриева", false), CURATOR_11B],
        ),
        (
            4,
            "11Б Родители",
            vec![(13, "Галина", "Григорьева", false), (14, "Илья", "Дмитриев", false), CURATOR_11B],
        ),
        (5, "Учительская", vec![plain(CURATOR_10A), plain(CURATOR_11B), PHYSICS, CHEMISTRY]),
        (6, "Учителя 10А", vec![plain(CURATOR_10A)]),
        // The curator of 10А sits in its physics chat too: staff, no question.
        (7, "10А Физика", vec![PHYSICS, (1, "Артём", "Алексеев", false), plain(CURATOR_10A)]),
        (8, "Физика 11Б", vec![PHYSICS, (3, "Глеб", "Григорьев", false)]),
        (9, "Учителя 11Б", vec![plain(CURATOR_11B), PHYSICS]),
    ]
}

fn school(load: bool) -> Ws {
    let ws = Ws::new();
    ws.config(TOML);
    ws.write("sources/students.csv", STUDENTS);
    ws.write("sources/parents.csv", PARENTS);
    ws.write("sources/staff.csv", STAFF);
    if load {
        ws.write("sources/Нагрузка.csv", LOAD);
    }
    ws
}

fn changes(ws: &Ws) -> serde_json::Value {
    serde_json::from_str(&ws.read("out/changes.json")).unwrap()
}

fn actions(c: &serde_json::Value) -> Vec<serde_json::Value> {
    c["actions"].as_array().unwrap().clone()
}

fn of_kind(c: &serde_json::Value, kind: &str) -> Vec<serde_json::Value> {
    actions(c).into_iter().filter(|a| a["kind"] == kind).collect()
}

fn person_id(ws: &Ws, surname: &str, first: &str) -> String {
    let people = ws.people();
    let p = find_person(&people, surname, first);
    assert_eq!(p.len(), 1, "{surname} {first}");
    p[0]["person_id"].clone()
}

/// (chat id, person id, reason code) of every invite, sorted.
fn invites(c: &serde_json::Value) -> Vec<(i64, String, String)> {
    let mut v: Vec<(i64, String, String)> = of_kind(c, "invite")
        .iter()
        .map(|a| {
            (
                a["chat_id"].as_i64().unwrap(),
                a["person_id"].as_str().unwrap().to_string(),
                a["reason"]["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_teachers_chat_and_subject_chats_get_invites_from_the_load() {
    let ws = school(true);
    let mut platform = chats();
    // A parent in a subject chat: perhaps the child registered with the parent's e-mail.
    platform[6].2.push((11, "Анна", "Алексеева", false));
    write_snapshot(&ws, &platform);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    let (physics, chemistry) = (person_id(&ws, "Физикова", "Фаина"), person_id(&ws, "Химиков", "Харитон"));
    let (vera, darya) = (person_id(&ws, "Борисова", "Вера"), person_id(&ws, "Дмитриева", "Дарья"));
    let mut want = vec![
        (6, physics, "teacher_not_in_chat".to_string()),
        (6, chemistry, "teacher_not_in_chat".to_string()),
        (7, vera, "student_not_in_subject_chat".to_string()),
        (8, darya, "student_not_in_subject_chat".to_string()),
    ];
    want.sort();
    assert_eq!(invites(&c), want, "{r}");
    let texts: Vec<(i64, String, String, Option<String>)> = of_kind(&c, "invite")
        .iter()
        .map(|a| {
            (
                a["chat_id"].as_i64().unwrap(),
                a["audience"].as_str().unwrap().to_string(),
                a["reason"]["text"].as_str().unwrap().to_string(),
                a["subject"].as_str().map(str::to_string),
            )
        })
        .collect();
    for (chat, audience, text, subject) in texts {
        match chat {
            6 => {
                assert_eq!(audience, "teachers");
                assert_eq!(text, "учитель ведёт предметы в группе, но не в чате учителей группы");
                assert_eq!(subject, None, "a teachers' chat has no subject");
            }
            7 => {
                assert_eq!((audience.as_str(), subject.as_deref()), ("subject", Some("Физика")));
                assert_eq!(text, "обучающийся ещё не вступил в чат своей группы по предмету «Физика»");
            }
            _ => {
                // 11Б's load spells it in lower case: the placement takes the load's spelling.
                assert_eq!((audience.as_str(), subject.as_deref()), ("subject", Some("физика")));
            }
        }
    }
    // The parent in the physics chat is a question, never a removal; the curator of 10А in
    // it is staff of the class: no question.
    let reviews: Vec<(i64, i64, String)> = of_kind(&c, "review")
        .iter()
        .map(|a| {
            (
                a["chat_id"].as_i64().unwrap(),
                a["user_id"].as_i64().unwrap_or(0),
                a["reason"]["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(reviews, vec![(7, 11, "parent_in_students_chat".to_string())], "{r}");
    // Missing subject chats (10А Химия, 10А Литература) are not listed without
    // `subject_chats`; admin rights stay the students' and parents' chats' business.
    assert!(of_kind(&c, "setup_chat").is_empty(), "{r}");
    assert!(of_kind(&c, "make_admin").is_empty(), "{r}");
    assert!(of_kind(&c, "remove").is_empty(), "{r}");
    // Every member of the subject chats is matched automatically.
    let matches = ws.csv("out/matches.csv");
    for m in matches.iter().filter(|m| m["chat_id"] == "7" || m["chat_id"] == "8") {
        if m["user_id"] != "11" {
            assert_eq!(m["status"], "matched", "{m:?}");
        }
    }
}

#[test]
fn subject_chats_on_lists_each_missing_subject_chat_as_setup_chat() {
    let ws = school(true);
    ws.config(&format!("{TOML}\n[chats]\nsubject_chats = true\n"));
    let mut platform = chats();
    // The teachers' chat of 11Б is gone: it is not listed (teachers' chats are the
    // curator's to make, as before).
    platform.retain(|c| c.0 != 9);
    write_snapshot(&ws, &platform);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    let setup = of_kind(&c, "setup_chat");
    let got: Vec<(&str, &str, &str, &str)> = setup
        .iter()
        .map(|a| {
            (
                a["group"].as_str().unwrap(),
                a["audience"].as_str().unwrap(),
                a["subject"].as_str().unwrap_or(""),
                a["reason"]["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("10А", "subject", "Литература", "chat_missing"),
            ("10А", "subject", "Химия", "chat_missing"),
        ],
        "{r}"
    );
    assert_ne!(setup[0]["id"], setup[1]["id"], "the subject is part of the action's key");
    assert!(
        setup[0]["reason"]["text"].as_str().unwrap().contains("создайте «10А Литература»"),
        "{}",
        setup[0]
    );
    assert!(setup[1]["reason"]["text"].as_str().unwrap().contains("создайте «10А Химия»"));
    // Without the switch, none of them.
    ws.config(TOML);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(of_kind(&changes(&ws), "setup_chat").is_empty(), "{r}");
}

#[test]
fn a_chats_map_entry_places_a_subject_chat_with_the_loads_spelling() {
    let ws = school(true);
    ws.config(&format!(
        "{TOML}\n[chats]\nsubject_chats = true\n\n[[chats.map]]\nchat_id = 10\ngroup = \"10А\"\naudience = \"subject\"\nsubject = \"ХИМИЯ\"\n"
    ));
    let mut platform = chats();
    platform.push((10, "Кружок юных химиков", vec![CHEMISTRY, (2, "Вера", "Борисова", false)]));
    write_snapshot(&ws, &platform);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    let in_10: Vec<serde_json::Value> = of_kind(&c, "invite").into_iter().filter(|a| a["chat_id"] == 10).collect();
    assert_eq!(in_10.len(), 1, "{r}");
    assert_eq!(in_10[0]["person_id"], person_id(&ws, "Алексеев", "Артём"));
    assert_eq!(in_10[0]["subject"], "Химия", "the load's spelling, not the map's «ХИМИЯ»");
    let setup: Vec<String> = of_kind(&c, "setup_chat")
        .iter()
        .map(|a| a["subject"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(setup, vec!["Литература"], "{r}");
}

#[test]
fn a_subject_of_a_map_entry_is_required_for_subject_chats_only() {
    let ws = school(true);
    write_snapshot(&ws, &chats());
    ws.config(&format!(
        "{TOML}\n[[chats.map]]\nchat_id = 10\ngroup = \"10А\"\naudience = \"subject\"\n"
    ));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("для audience = \"subject\" укажите subject — предмет чата"),
        "{r}"
    );
}

#[test]
fn without_a_load_teachers_chats_get_no_invites_and_subject_titles_are_what_they_were() {
    let ws = school(false);
    write_snapshot(&ws, &chats());
    let r = ws.run(&["diff"]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    let c = changes(&ws);
    assert!(invites(&c).iter().all(|(chat, _, _)| *chat != 6 && *chat != 9), "{r}");
    // «10А Физика» without a load is a second chat of 10А's students, as before.
    let dup: Vec<(i64, String)> = of_kind(&c, "review")
        .iter()
        .filter(|a| a["reason"]["code"] == "duplicate_chat")
        .map(|a| (a["chat_id"].as_i64().unwrap(), a["audience"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(dup, vec![(7, "students".to_string()), (8, "students".to_string())], "{r}");
    assert!(actions(&c).iter().all(|a| a.get("subject").is_none()), "no subject without a load");
}

#[test]
fn titles_with_a_class_and_no_subject_of_its_load_keep_their_placements() {
    let ws = school(true);
    let mut platform = chats();
    // Astronomy is not in 10А's load: a second students' chat of 10А, as today.
    platform.push((12, "10А Астрономия", vec![(1, "Артём", "Алексеев", false)]));
    // People missing from the class's own chats: the invites name their audiences.
    platform[0].2.retain(|m| m.0 != 2);
    platform[1].2.retain(|m| m.0 != 12);
    write_snapshot(&ws, &platform);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    let placed: Vec<(i64, String, String)> = actions(&c)
        .iter()
        .filter(|a| a["chat_id"].as_i64().is_some_and(|x| [1, 2, 6, 12].contains(&x)))
        .map(|a| {
            (
                a["chat_id"].as_i64().unwrap(),
                a["audience"].as_str().unwrap_or("").to_string(),
                a["reason"]["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (chat, audience, code) in &placed {
        let want = match chat {
            1 => "students",
            2 => "parents",
            6 => "teachers",
            _ => "students",
        };
        assert_eq!(audience, want, "chat {chat}: {code}\n{r}");
    }
    assert!(placed.contains(&(12, "students".into(), "duplicate_chat".into())), "{r}");
    assert!(placed.contains(&(1, "students".into(), "student_not_in_chat".into())), "{r}");
    assert!(placed.contains(&(2, "parents".into(), "parent_not_in_chat".into())), "{r}");
}

#[test]
fn a_title_names_a_subject_of_several_words_after_a_dash_and_a_subject_like_a_staff_word() {
    let ws = school(true);
    ws.write(
        "sources/Нагрузка.csv",
        format!("{LOAD}Химиков Харитон Ильич;11Б;Базы данных;1\nМатвеева Мария Олеговна;11Б;Педагогика;1\n"),
    );
    let mut platform = chats();
    platform.push((20, "11Б — Базы данных", vec![CHEMISTRY, (3, "Глеб", "Григорьев", false)]));
    // «Педагогика» starts like «педагог» (a staff word): the subject wins.
    platform.push((21, "Педагогика 11Б", vec![CURATOR_11B, (3, "Глеб", "Григорьев", false)]));
    // A subject with an audience word besides it stays the audience's chat.
    platform.push((22, "11Б Физика — родители", vec![(13, "Галина", "Григорьева", false)]));
    write_snapshot(&ws, &platform);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    let darya = person_id(&ws, "Дмитриева", "Дарья");
    let got: Vec<(i64, String, String)> = of_kind(&c, "invite")
        .iter()
        .filter(|a| a["chat_id"] == 20 || a["chat_id"] == 21)
        .map(|a| {
            (
                a["chat_id"].as_i64().unwrap(),
                a["subject"].as_str().unwrap_or("").to_string(),
                a["person_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (20, "Базы данных".to_string(), darya.clone()),
            (21, "Педагогика".to_string(), darya)
        ],
        "{r}"
    );
    let dup: Vec<(i64, String)> = of_kind(&c, "review")
        .iter()
        .filter(|a| a["reason"]["code"] == "duplicate_chat")
        .map(|a| (a["chat_id"].as_i64().unwrap(), a["audience"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(dup, vec![(22, "parents".to_string())], "{r}");
}

#[test]
fn a_misspelt_subject_of_a_map_entry_is_refused_naming_the_loads_subject() {
    let ws = school(true);
    write_snapshot(&ws, &chats());
    ws.config(&format!(
        "{TOML}\n[[chats.map]]\nchat_id = 10\ngroup = \"10А\"\naudience = \"subject\"\nsubject = \"Химя\"\n"
    ));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.lines().any(|l| l
            == "rollout: ошибка: rollout.toml: [[chats.map]], запись 1 (chat_id 10): предмета «Химя» нет в нагрузке группы 10А — имелось в виду «Химия»? Исправьте subject или уберите запись"),
        "{r}"
    );
    // Without a load the entry is taken as written.
    std::fs::remove_file(ws.path().join("sources/Нагрузка.csv")).unwrap();
    let r = ws.run(&["diff"]);
    assert!(r.code == 0 || r.code == 1, "{r}");
}
