//! Leavers from the roster history: a person on the roster of the last approved (or
//! applied) change set who is gone now is removed from their chats, whether or not an
//! earlier run remembered their account; a departed student's parents leave that group's
//! parents' chat unless another child of theirs stays there; nothing of the kind when a
//! source is unreadable, on a first run, or for a leaver with a namesake on the roster.

use crate::diff::{M, PARENTS, STUDENTS, TOML, base_chats, college, write_snapshot};
use crate::util::*;
use std::collections::BTreeMap;

fn changes(ws: &Ws) -> serde_json::Value {
    serde_json::from_str(&ws.read("out/changes.json")).unwrap()
}

/// (user id, chat id) → reason code of every removal.
fn removals(ws: &Ws) -> BTreeMap<(i64, i64), String> {
    let c = changes(ws);
    c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "remove")
        .map(|a| {
            (
                (a["user_id"].as_i64().unwrap(), a["chat_id"].as_i64().unwrap()),
                a["reason"]["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Reviews of one member (user id) as reason codes.
fn reviews_of(ws: &Ws, user: i64) -> Vec<String> {
    let c = changes(ws);
    c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "review" && a["user_id"] == user)
        .map(|a| a["reason"]["code"].as_str().unwrap().to_string())
        .collect()
}

fn relaxed() -> String {
    format!("{TOML}\n[safety]\nmax_remove = \"100%\"\nmax_shrink = \"100%\"\n")
}

/// The base platform without some members (they join later, so no run remembers them).
fn chats_without(users: &[i64]) -> Vec<(i64, &'static str, Vec<M<'static>>)> {
    base_chats()
        .into_iter()
        .map(|(id, t, ms)| (id, t, ms.into_iter().filter(|m| !users.contains(&m.0)).collect()))
        .collect()
}

/// A diff, then `rollout approve` of its hash.
fn diff_and_approve(ws: &Ws) -> String {
    let r = ws.run(&["diff"]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    let hash = changes(ws)["hash"].as_str().unwrap().to_string();
    let r = ws.run(&["approve", &hash]);
    assert_eq!(r.code, 0, "{r}");
    hash
}

fn drop_line(text: &str, needle: &str) -> String {
    text.lines().filter(|l| !l.contains(needle)).collect::<Vec<_>>().join("\n") + "\n"
}

fn history_runs(ws: &Ws) -> usize {
    std::fs::read_dir(ws.path().join(".rollout/history"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().parse::<u64>().is_ok())
                .count()
        })
        .unwrap_or(0)
}

/// Иванов (ИС-1) and his mother leave the roster after an approved change set.
fn ivanov_leaves(ws: &Ws) {
    ws.write("sources/students.csv", drop_line(STUDENTS, "Иванов Иван Иванович"));
    ws.write("sources/parents.csv", drop_line(PARENTS, "Иванов Иван Иванович"));
}

#[test]
fn a_leaver_with_a_remembered_account_is_removed() {
    let ws = college();
    ws.config(&relaxed());
    write_snapshot(&ws, &base_chats());
    diff_and_approve(&ws);
    ivanov_leaves(&ws);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        removals(&ws),
        BTreeMap::from([
            ((1, 101), "departed_student".to_string()),
            ((11, 102), "departed_parent".to_string())
        ]),
        "{r}"
    );
}

#[test]
fn a_leaver_nobody_remembered_is_found_by_matching_and_removed() {
    let ws = college();
    ws.config(&relaxed());
    // Иванов and his mother are not in the chats yet: no run remembers their accounts.
    write_snapshot(&ws, &chats_without(&[1, 11]));
    diff_and_approve(&ws);
    // They join, and leave the roster.
    write_snapshot(&ws, &base_chats());
    ivanov_leaves(&ws);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        removals(&ws),
        BTreeMap::from([
            ((1, 101), "departed_student".to_string()),
            ((11, 102), "departed_parent".to_string())
        ]),
        "{r}"
    );
    let m: Vec<Row> = ws.csv("out/matches.csv");
    let row = m.iter().find(|x| x["chat_id"] == "101" && x["user_id"] == "1").unwrap();
    assert_eq!(row["tier"], "name", "found by matching, not remembered: {row:?}");
    // The same inputs give the same hash, and approving it does not change it.
    let hash = changes(&ws)["hash"].as_str().unwrap().to_string();
    let r = ws.run(&["approve", &hash]);
    assert_eq!(r.code, 0, "{r}");
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let c = changes(&ws);
    assert_eq!(c["hash"].as_str().unwrap(), hash, "{r}");
    assert_eq!(c["status"], "approved");
    assert_eq!(removals(&ws).len(), 2, "{r}");
}

#[test]
fn a_parent_stays_while_another_child_stays_in_that_group() {
    let ws = college();
    ws.config(&relaxed());
    // Иванова Анна is the mother of Сидоров (ИС-1) too.
    let parents = format!("{PARENTS}Сидоров Алексей Петрович;ИС-1;ГК;Иванова Анна Петровна;мать;89120000001\n");
    ws.write("sources/parents.csv", &parents);
    write_snapshot(&ws, &chats_without(&[1, 11]));
    diff_and_approve(&ws);
    write_snapshot(&ws, &base_chats());
    ws.write("sources/students.csv", drop_line(STUDENTS, "Иванов Иван Иванович"));
    ws.write("sources/parents.csv", drop_line(&parents, "Иванов Иван Иванович"));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        removals(&ws),
        BTreeMap::from([((1, 101), "departed_student".to_string())]),
        "the mother stays: {r}"
    );
    assert!(reviews_of(&ws, 11).is_empty(), "{r}");
}

#[test]
fn a_parent_with_a_child_in_another_group_leaves_only_this_groups_parents_chat() {
    parent_with_a_child_in_another_group(&[2]);
}

/// The same when no run remembered the father's account either (his id changes with his
/// children: he is found under the new one, not taken for a leaver).
#[test]
fn a_parent_nobody_remembered_with_a_child_in_another_group_leaves_only_this_groups_parents_chat() {
    parent_with_a_child_in_another_group(&[2, 12]);
}

fn parent_with_a_child_in_another_group(joining_later: &[i64]) {
    let ws = college();
    ws.config(&relaxed());
    write_snapshot(&ws, &chats_without(joining_later));
    diff_and_approve(&ws);
    write_snapshot(&ws, &base_chats());
    // Петрова (ИС-1) leaves; her father Петров stays a parent of Волкова (ИС-2).
    ws.write("sources/students.csv", drop_line(STUDENTS, "Петрова Мария"));
    ws.write("sources/parents.csv", drop_line(PARENTS, "Петрова Мария"));
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        removals(&ws),
        BTreeMap::from([
            ((2, 101), "departed_student".to_string()),
            ((12, 102), "departed_parent".to_string())
        ]),
        "{r}"
    );
    assert!(reviews_of(&ws, 12).is_empty(), "{r}");
}

#[test]
fn an_unreadable_source_records_no_history_and_plans_no_leavers() {
    let ws = college();
    ws.config(&relaxed());
    write_snapshot(&ws, &chats_without(&[1, 11]));
    diff_and_approve(&ws);
    let before = history_runs(&ws);
    assert_eq!(before, 1);
    write_snapshot(&ws, &base_chats());
    ivanov_leaves(&ws);
    ws.write(
        "sources/random.xlsx",
        (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<u8>>(),
    );
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(removals(&ws).is_empty(), "{r}");
    assert_eq!(history_runs(&ws), before, "{r}");
}

#[test]
fn a_first_run_has_no_history_leavers() {
    let ws = college();
    ws.config(&relaxed());
    write_snapshot(&ws, &base_chats());
    ivanov_leaves(&ws);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(removals(&ws).is_empty(), "{r}");
    assert_eq!(reviews_of(&ws, 1), vec!["unknown_member".to_string()], "{r}");
    // Approved, the same roster gives no leavers either: its own roster is no history.
    let hash = changes(&ws)["hash"].as_str().unwrap().to_string();
    assert_eq!(ws.run(&["approve", &hash]).code, 0);
    let r = ws.run(&["diff"]);
    assert_eq!(changes(&ws)["hash"].as_str().unwrap(), hash, "{r}");
    assert!(removals(&ws).is_empty(), "{r}");
}

#[test]
fn a_leaver_with_a_namesake_on_the_roster_is_reviewed_not_removed() {
    let ws = college();
    ws.config(&relaxed());
    write_snapshot(&ws, &chats_without(&[1, 11]));
    diff_and_approve(&ws);
    write_snapshot(&ws, &base_chats());
    // Иванов Иван Иванович leaves ИС-1; a namesake arrives in ИС-2.
    ws.write(
        "sources/students.csv",
        drop_line(STUDENTS, "Иванов Иван Иванович") + "Иванов Иван Иванович;ИС-2;ГК;01.09.2009\n",
    );
    ws.write("sources/parents.csv", drop_line(PARENTS, "Иванов Иван Иванович"));
    let r = ws.run(&["diff"]);
    assert!(!removals(&ws).contains_key(&(1, 101)), "{r}");
    assert!(!reviews_of(&ws, 1).is_empty(), "{r}");
    // His mother has no namesake: she leaves the parents' chat.
    assert_eq!(removals(&ws).get(&(11, 102)).map(String::as_str), Some("departed_parent"), "{r}");
}

#[test]
fn a_leaver_with_a_namesake_among_dropped_records_is_reviewed_not_removed() {
    let ws = college();
    ws.config(&relaxed());
    write_snapshot(&ws, &chats_without(&[1, 11]));
    diff_and_approve(&ws);
    write_snapshot(&ws, &base_chats());
    // Иванов is now in two groups: left out for a data error, not a leaver for sure.
    ws.write(
        "sources/students.csv",
        format!("{STUDENTS}Иванов Иван Иванович;ИС-2;ГК;01.01.2008\n"),
    );
    let r = ws.run(&["diff"]);
    assert!(!removals(&ws).contains_key(&(1, 101)), "{r}");
    assert!(!reviews_of(&ws, 1).is_empty(), "{r}");
}

#[test]
fn history_leavers_count_toward_the_safety_holds() {
    let ws = college();
    // The default thresholds; the first change set (two invites) approved as it is.
    write_snapshot(&ws, &chats_without(&[1, 11]));
    diff_and_approve(&ws);
    write_snapshot(&ws, &base_chats());
    ivanov_leaves(&ws);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 1, "{r}");
    let c = changes(&ws);
    assert_eq!(c["status"], "held", "{r}");
    assert_eq!(removals(&ws).len(), 2, "{r}");
    let reasons: Vec<&str> = c["held_reasons"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert!(reasons.iter().any(|x| x.contains("max_remove")), "{reasons:?}");
}
