//! Movement seen on the platform (issue 14): a student in another group's chat under
//! their exact full name moves without a review; namesakes, dropped records and parents
//! stay questions; the removal half of a move counts toward `max_remove`; a member in
//! review no longer suppresses anyone's invite (nor their letter); a first name alone
//! when every other expected person with it is matched.

use crate::diff::{PARENTS, STUDENTS, TOML, base_chats, college, write_snapshot};
use crate::util::*;

fn changes(ws: &Ws) -> serde_json::Value {
    serde_json::from_str(&ws.read("out/changes.json")).unwrap()
}

fn actions<'a>(c: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    c["actions"].as_array().unwrap().iter().filter(|a| a["kind"] == kind).collect()
}

/// The actions about one member (by user id) in one chat.
fn about(c: &serde_json::Value, chat: i64, user: i64) -> Vec<(String, String)> {
    c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["user_id"] == user && (a["chat_id"] == chat || a["from_chat_id"] == chat))
        .map(|a| {
            (
                a["kind"].as_str().unwrap().to_string(),
                a["reason"]["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn person_id(ws: &Ws, surname: &str, first: &str) -> String {
    let people = ws.people();
    let p = find_person(&people, surname, first);
    assert_eq!(p.len(), 1, "{surname} {first}");
    p[0]["person_id"].clone()
}

fn status_of(ws: &Ws, chat: i64, user: i64) -> String {
    ws.csv("out/matches.csv")
        .into_iter()
        .find(|m| m["chat_id"] == chat.to_string() && m["user_id"] == user.to_string())
        .map(|m| m["status"].clone())
        .unwrap_or_else(|| panic!("no match row for {chat}/{user}"))
}

/// The fixture college where Семёнов Пётр (ИС-2) sits in ИС-1's students' chat (101)
/// under `first` / `last`, not in his own (103).
fn semenov_in_the_wrong_chat(first: &str, last: &str) -> Ws {
    let ws = college();
    let mut chats = base_chats();
    chats[2].2.retain(|m| m.0 != 23);
    chats[0].2.push((23, first, last, false));
    write_snapshot(&ws, &chats);
    ws
}

#[test]
fn a_student_in_another_groups_chat_under_an_exact_full_name_moves_without_a_review() {
    let ws = semenov_in_the_wrong_chat("Пётр", "Семёнов");
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    let pid = person_id(&ws, "Семёнов", "Пётр");
    assert_eq!(status_of(&ws, 101, 23), "matched");
    assert_eq!(
        about(&c, 101, 23),
        vec![("move".to_string(), "wrong_group_chat".to_string())],
        "{c:#}"
    );
    let mv = actions(&c, "move");
    assert_eq!(mv.len(), 1, "{c:#}");
    assert_eq!(
        (
            mv[0]["from_chat_id"].as_i64(),
            mv[0]["chat_id"].as_i64(),
            mv[0]["person_id"].as_str()
        ),
        (Some(101), Some(103), Some(pid.as_str()))
    );
    assert!(
        actions(&c, "invite").iter().all(|a| a["person_id"] != pid.as_str()),
        "a move is not also an invite"
    );
    assert!(actions(&c, "review").is_empty(), "{c:#}");
    // The same with the first and last name swapped and ё written as е.
    let ws = semenov_in_the_wrong_chat("Семенов", "Петр");
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        about(&changes(&ws), 101, 23),
        vec![("move".to_string(), "wrong_group_chat".to_string())]
    );
}

#[test]
fn a_namesake_on_the_roster_keeps_the_move_a_review_unless_the_patronymic_tells_them_apart() {
    let ws = semenov_in_the_wrong_chat("Пётр", "Семёнов");
    ws.write(
        "sources/students.csv",
        format!("{STUDENTS}Семёнов Пётр Олегович;ЗФ-1;Заречный;12.12.2008\n"),
    );
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    assert_eq!(status_of(&ws, 101, 23), "review");
    assert!(actions(&c, "move").is_empty(), "{c:#}");
    assert_eq!(about(&c, 101, 23).len(), 1, "{c:#}");
    assert_eq!(about(&c, 101, 23)[0].0, "review");
    // «Пётр Ильич Семёнов»: the patronymic names one of the two.
    let ws = semenov_in_the_wrong_chat("Пётр Ильич", "Семёнов");
    ws.write(
        "sources/students.csv",
        format!("{STUDENTS}Семёнов Пётр Олегович;ЗФ-1;Заречный;12.12.2008\n"),
    );
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    assert_eq!(
        about(&c, 101, 23),
        vec![("move".to_string(), "wrong_group_chat".to_string())],
        "{c:#}"
    );
    assert_eq!(actions(&c, "move")[0]["chat_id"], 103, "to the ИС-2 Семёнов's chat");
}

#[test]
fn a_dropped_record_with_the_name_keeps_the_move_a_review() {
    let ws = semenov_in_the_wrong_chat("Пётр", "Семёнов");
    // A second Семёнов Пётр left out for a data error (no group).
    ws.write("sources/students.csv", format!("{STUDENTS}Семёнов Пётр Андреевич;;ГК;12.12.2008\n"));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(find_person(&ws.people(), "Семёнов", "Пётр").len(), 1, "the second is left out");
    let c = changes(&ws);
    assert_eq!(status_of(&ws, 101, 23), "review");
    assert!(actions(&c, "move").is_empty(), "{c:#}");
}

#[test]
fn a_parent_in_another_groups_chat_stays_a_review() {
    let ws = college();
    let mut chats = base_chats();
    // Попова Ольга (mother in ИС-2) sits in ИС-1's parents' chat, not in her own.
    chats[3].2.retain(|m| m.0 != 31);
    chats[1].2.push((31, "Ольга", "Попова", false));
    write_snapshot(&ws, &chats);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    assert_eq!(status_of(&ws, 102, 31), "review");
    assert_eq!(about(&c, 102, 31), vec![("review".to_string(), "weak_match".to_string())], "{c:#}");
    assert!(actions(&c, "move").is_empty());
    // Her own chat still invites her: the review does not hold the invite back.
    let popova = person_id(&ws, "Попова", "Ольга");
    assert!(
        actions(&c, "invite")
            .iter()
            .any(|a| a["person_id"] == popova.as_str() && a["chat_id"] == 104),
        "{c:#}"
    );
}

#[test]
fn the_removal_half_of_a_move_counts_toward_max_remove() {
    let ws = semenov_in_the_wrong_chat("Пётр", "Семёнов");
    ws.config(&format!("{TOML}\n[safety]\nmax_remove = 0\n"));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 1, "held\n{r}");
    let c = changes(&ws);
    assert_eq!(c["status"], "held", "{c:#}");
    let held: Vec<&str> = c["held_reasons"].as_array().unwrap().iter().map(|h| h.as_str().unwrap()).collect();
    assert_eq!(
        held,
        vec![
            "Главный корпус, обучающиеся: 1 удаление (из них при переводе в свой чат — 1) из 12 участников чатов (8.3%) — больше порога [safety] max_remove = 0; проверьте и подтвердите (rollout approve)"
        ],
        "{r}"
    );
}

/// Two mothers named Марина in ИС-1; the parents' chat has a member «Марина» alone.
fn two_marinas(with_full_name: bool) -> Ws {
    let ws = college();
    ws.write(".rollout/salt", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    ws.write(
        "sources/parents.csv",
        format!(
            "{PARENTS}Сидоров Алексей Петрович;ИС-1;ГК;Сидорова Марина Ивановна;мать;89120000021\nКузнецова Анна Олеговна;ИС-1;ГК;Кузнецова Марина Олеговна;мать;89120000022\n"
        ),
    );
    let mut chats = base_chats();
    chats[1].2.push((80, "Марина", "", false));
    if with_full_name {
        chats[1].2.push((81, "Марина", "Сидорова", false));
    }
    write_snapshot(&ws, &chats);
    ws
}

#[test]
fn a_review_candidate_is_still_invited_and_gets_a_letter() {
    let ws = two_marinas(false);
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    assert_eq!(
        about(&c, 102, 80),
        vec![("review".to_string(), "ambiguous_match".to_string())],
        "{c:#}"
    );
    let sidorova = person_id(&ws, "Сидорова", "Марина");
    let kuznetsova = person_id(&ws, "Кузнецова", "Марина");
    for pid in [&sidorova, &kuznetsova] {
        let inv: Vec<_> = actions(&c, "invite")
            .into_iter()
            .filter(|a| a["person_id"] == pid.as_str())
            .collect();
        assert_eq!(inv.len(), 1, "{pid}: {c:#}");
        assert_eq!(inv[0]["chat_id"], 102);
        assert_eq!(inv[0]["reason"]["code"], "parent_not_in_chat");
    }
    let r = ws.run(&["letters"]);
    assert_eq!(r.code, 0, "{r}");
    for pid in [&sidorova, &kuznetsova] {
        let text = ws.read(&format!("out/letters/parents/{pid}.txt"));
        assert!(text.contains("https://max.ru/join/tok102"), "{text}");
    }
}

#[test]
fn a_first_name_alone_left_by_the_others_being_matched_stays_a_review_that_names_them() {
    let ws = two_marinas(true);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    let kuznetsova = person_id(&ws, "Кузнецова", "Марина");
    let sidorova = person_id(&ws, "Сидорова", "Марина");
    assert_eq!(status_of(&ws, 102, 81), "matched");
    assert_eq!(status_of(&ws, 102, 80), "review");
    let rev: Vec<_> = actions(&c, "review").into_iter().filter(|a| a["user_id"] == 80).collect();
    assert_eq!(rev.len(), 1, "{c:#}");
    assert_eq!(rev[0]["reason"]["code"], "weak_match");
    assert_eq!(rev[0]["person_id"], kuznetsova.as_str());
    // The suggested mother is invited all the same; the matched one is not.
    assert!(
        actions(&c, "invite")
            .iter()
            .any(|a| a["person_id"] == kuznetsova.as_str() && a["chat_id"] == 102),
        "{c:#}"
    );
    assert!(actions(&c, "invite").iter().all(|a| a["person_id"] != sidorova.as_str()));
}
