//! The state store across versions: a store made by the code before schema versions
//! (tests/fixtures/state-v0) opens, upgrades and keeps every person id and decision.

use crate::util::*;
use std::path::Path;

/// The schema version the code writes (`rollout::state::SCHEMA_VERSION`).
const CURRENT: i64 = rollout::state::SCHEMA_VERSION;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state-v0")
}

fn state_v0() -> Ws {
    let ws = Ws::new();
    copy_dir(&fixture(), ws.path());
    ws
}

fn db(ws: &Ws) -> rusqlite::Connection {
    rusqlite::Connection::open(ws.path().join(".rollout/state.db")).unwrap()
}

fn user_version(conn: &rusqlite::Connection) -> i64 {
    conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

#[test]
fn a_store_from_before_versions_upgrades_and_keeps_people_and_decisions() {
    let ws = state_v0();
    assert_eq!(user_version(&db(&ws)), 0, "the fixture is a store without a version");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");

    // Person ids are the ones the old code gave (the salt was kept, nothing re-keyed).
    let mut ids: Vec<String> = ws.people().iter().map(|p| p["person_id"].clone()).collect();
    ids.sort();
    let mut expected: Vec<String> = std::fs::read_to_string(fixture().join("expected-people.csv"))
        .unwrap()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    expected.sort();
    assert_eq!(ids, expected, "{r}");

    let conn = db(&ws);
    assert_eq!(user_version(&conn), CURRENT);
    // Every person the old store knew is still known.
    let mut known: Vec<String> = conn
        .prepare("SELECT person_id FROM people ORDER BY person_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    known.sort();
    assert_eq!(known, expected);
    // The confirmed and the rejected identity are both still there.
    let decisions: Vec<String> = conn
        .prepare("SELECT user_id, person_id, status FROM identities WHERE status != 'auto' ORDER BY user_id, person_id")
        .unwrap()
        .query_map([], |r| {
            Ok(format!(
                "{} {} {}",
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<String> = std::fs::read_to_string(fixture().join("expected-decisions.txt"))
        .unwrap()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(decisions, expected);
    assert_eq!(decisions.len(), 2, "one confirmed, one rejected");
}

#[test]
fn a_store_from_a_newer_version_is_refused() {
    let ws = state_v0();
    db(&ws).pragma_update(None, "user_version", CURRENT + 1).unwrap();
    let before = std::fs::read(ws.path().join(".rollout/state.db")).unwrap();
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("более новой версией rollout"), "{r}");
    assert_eq!(
        std::fs::read(ws.path().join(".rollout/state.db")).unwrap(),
        before,
        "left untouched"
    );
}
