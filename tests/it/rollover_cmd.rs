//! `rollout rollover --to 2027/28` through the binary on the bundled samples: the summary,
//! `OUT/rollover/chats-map.toml`, `OUT/rollover.xlsx` (owner-only), the same outputs on a
//! second run, and a year that is neither the current nor the next refused.

use crate::samples::sample;
use std::os::unix::fs::PermissionsExt;

const SCHOOL_SUMMARY: &str = "\
Переход в 2027/28 учебный год (предложение, на платформе ничего не изменено):
  переходят в следующий класс или курс: 4
  выпускаются: 1
  новые группы: 2
  решить вручную: 0
  чатов переименовать: 10
Выпускники будут удалены не раньше 01.10.2027.
";

const COLLEGE_SUMMARY: &str = "\
Переход в 2027/28 учебный год (предложение, на платформе ничего не изменено):
  переходят в следующий класс или курс: 17
  выпускаются: 4
  новые группы: 6
  решить вручную: 0
  чатов переименовать: 0
Выпускники будут удалены не раньше 01.10.2027.
";

#[test]
fn school_rollover_proposes_renames_and_is_idempotent() {
    let ws = sample("school");
    let r = ws.run(&["rollover", "--to", "2027/28"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.starts_with(SCHOOL_SUMMARY), "{r}");
    let map = ws.read("out/rollover/chats-map.toml");
    assert!(map.starts_with("# Предложение rollout rollover --to 2027/28"), "{map}");
    assert!(map.contains("вставьте их в rollout.toml вместо прежних записей"), "{map}");
    assert!(
        map.contains(
            "# «Родители 5А» → «Родители 6А»\n[[chats.map]]\nchat_id = -7547191495941\ngroup = \"6А\"\naudience = \"parents\"\ntitle = \"Родители 6А\"\n"
        ),
        "{map}"
    );
    assert!(
        map.contains(
            "[[chats.map]]\nchat_id = -7225245781508\ngroup = \"8А\"\naudience = \"subject\"\nsubject = \"Физика\"\ntitle = \"8А Физика\"\n"
        ),
        "{map}"
    );
    assert_eq!(map.matches("\n[[chats.map]]\n").count(), 10, "{map}");
    // Valid TOML the admin can paste.
    let parsed: toml::Value = toml::from_str(&map).unwrap();
    assert_eq!(parsed["chats"]["map"].as_array().unwrap().len(), 10);

    let xlsx = ws.path().join("out/rollover.xlsx");
    let mode = std::fs::metadata(&xlsx).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "rollover.xlsx is {mode:o}");
    let book = std::fs::read(&xlsx).unwrap();

    let again = ws.run(&["rollover", "--to", "2027-2028"]);
    assert_eq!(again.code, 0, "{again}");
    assert_eq!(again.stdout, r.stdout);
    assert_eq!(ws.read("out/rollover/chats-map.toml"), map);
    let book2 = std::fs::read(&xlsx).unwrap();
    assert_eq!(book2.len(), book.len());

    // One proposal per year in the state store, replaced by the second run.
    let conn = rusqlite::Connection::open(ws.path().join(".rollout/state.db")).unwrap();
    let rows: Vec<(String, String, String)> = conn
        .prepare("SELECT year, proposed_on, grace_date FROM rollover_proposals")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, vec![("2027/28".into(), "2026-11-22".into(), "2027-10-01".into())]);
    let mapping: String = conn.query_row("SELECT mapping FROM rollover_proposals", [], |r| r.get(0)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&mapping).unwrap();
    assert_eq!(v["renames"].as_array().unwrap().len(), 10);
}

#[test]
fn college_rollover_summary() {
    let ws = sample("college");
    let r = ws.run(&["rollover", "--to", "2027/28"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(r.stdout.starts_with(COLLEGE_SUMMARY), "{r}");
    assert!(ws.path().join("out/rollover.xlsx").exists());
}

#[test]
fn a_year_neither_current_nor_next_is_refused() {
    let ws = sample("school");
    let r = ws.run(&["rollover", "--to", "2029/30"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("--to: учебный год 2029/30: сейчас идёт 2026/27 — переходить можно в 2027/28"),
        "{r}"
    );
    let r = ws.run(&["rollover", "--to", "2027/29"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(!ws.path().join("out/rollover.xlsx").exists());
}
