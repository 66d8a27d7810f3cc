//! A source read only in part (a damaged CSV read line by line): its lost rows look like
//! people who left, so nobody of its branch is removed, and the roster is not recorded in
//! the history.

use crate::samples::sample;

const FILE: &str = "sources/Сосновский_филиал.csv";

fn hash(ws: &crate::util::Ws) -> String {
    let c: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    c["hash"].as_str().unwrap().to_string()
}

/// The sample college, run and approved (its members remembered), then its Сосновский
/// list cut to two students and a line of garbage bytes.
fn damaged() -> crate::util::Ws {
    let ws = sample("college");
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 1, "{r}");
    let r = ws.run(&["approve", &hash(&ws)]);
    assert_eq!(r.code, 0, "{r}");
    // The file is Windows-1251: cut it as bytes.
    let bytes = std::fs::read(ws.path().join(FILE)).unwrap();
    let mut cut: Vec<u8> = bytes.split(|b| *b == b'\n').take(3).collect::<Vec<_>>().join(&b'\n');
    cut.extend_from_slice(b"\n\x00\x01\"garbage;\"\";\xff\xfe\n");
    ws.write(FILE, cut);
    ws
}

#[test]
fn a_damaged_csv_plans_no_removals_in_its_branch_and_says_why() {
    let ws = damaged();
    let r = ws.run(&["diff"]);
    let c: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    let removals: Vec<&serde_json::Value> = c["actions"].as_array().unwrap().iter().filter(|a| a["kind"] == "remove").collect();
    assert_eq!(removals.len(), 0, "{removals:?}\n{r}");
    let reasons: Vec<&str> = c["held_reasons"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect();
    assert_eq!(
        reasons,
        [
            "Сосновский филиал: файл sources/Сосновский_филиал.csv прочитан не полностью (повреждённый CSV) — выбывших по нему не определить, удалений не планируется (их было бы 2); исправьте или выгрузите файл заново и запустите снова"
        ],
        "{r}"
    );
}

#[test]
fn a_damaged_csv_is_not_recorded_in_the_history() {
    let ws = damaged();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let r = ws.run(&["movement", "--list"]);
    assert!(r.stderr.contains("rollout: внимание: список, собранный rollout ingest"), "{r}");
    let records = r
        .stdout
        .lines()
        .filter(|l| l.split_whitespace().next().is_some_and(|w| w.parse::<u64>().is_ok()))
        .count();
    assert_eq!(records, 1, "the approved run only:\n{r}");
}

/// A listed source missing altogether: its people look like leavers too (remembered
/// identities not on the roster), so nobody is removed as one, and the hold says why.
#[test]
fn a_missing_source_plans_no_removals() {
    let ws = sample("college");
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 1, "{r}");
    let r = ws.run(&["approve", &hash(&ws)]);
    assert_eq!(r.code, 0, "{r}");
    std::fs::remove_file(ws.path().join(FILE)).unwrap();
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 3, "{r}");
    let c: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    let leavers: Vec<&serde_json::Value> = c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "remove" && a["reason"]["code"].as_str().unwrap().starts_with("departed"))
        .collect();
    assert!(leavers.is_empty(), "{leavers:#?}");
    let held = c["held_reasons"].as_array().unwrap();
    assert!(
        held.iter().any(
            |h| h.as_str().unwrap().starts_with("файл sources/Сосновский_филиал.csv не прочитан")
                && h.as_str().unwrap().contains("удалений не планируется (их было бы 2)")
        ),
        "{held:?}"
    );
    assert!(r.stdout.contains("не прочитан"), "{r}");
}
