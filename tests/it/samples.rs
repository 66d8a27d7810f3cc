//! The bundled samples: `rollout check` reports exactly what the generator planted —
//! per rule the same count, and the same file, sheet and cell for each problem.

use crate::util::copy_dir;
use crate::util::*;
use std::collections::BTreeMap;
use std::path::Path;

pub fn sample(name: &str) -> Ws {
    let ws = Ws::new();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name), ws.path());
    ws
}

/// (rule, file, sheet, cell)
type Place = (String, String, String, String);

fn planted(ws: &Ws) -> (BTreeMap<String, usize>, Vec<Place>) {
    let v: serde_json::Value = serde_json::from_str(&ws.read("planted.json")).unwrap();
    let counts = v["counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().unwrap() as usize))
        .collect();
    let mut cells: Vec<Place> = v["defects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or("").to_string();
            (s("rule"), s("file"), s("sheet"), s("cell"))
        })
        .collect();
    cells.sort();
    (counts, cells)
}

fn check_sample(name: &str) {
    let ws = sample(name);
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 1, "problems are reported with exit code 1\n{r}");
    let problems = ws.problems();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in &problems {
        *counts.entry(p["rule"].clone()).or_default() += 1;
    }
    let (want_counts, want_cells) = planted(&ws);
    assert_eq!(counts, want_counts, "per-rule counts differ from samples/{name}/planted.json\n{r}");
    let mut got_cells: Vec<Place> = problems
        .iter()
        .map(|p| (p["rule"].clone(), p["file"].clone(), p["sheet"].clone(), p["cell"].clone()))
        .collect();
    got_cells.sort();
    assert_eq!(got_cells, want_cells, "problem locations differ from planted.json");
    // The summary names every rule it found.
    for rule in want_counts.keys() {
        assert!(r.stdout.contains(rule.as_str()), "summary lacks {rule}\n{r}");
    }
}

#[test]
fn check_on_the_college_sample_finds_exactly_what_was_planted() {
    check_sample("college");
}

#[test]
fn check_on_the_school_sample_finds_exactly_what_was_planted() {
    check_sample("school");
}

#[test]
fn check_on_the_kindergarten_sample_finds_exactly_what_was_planted() {
    check_sample("kindergarten");
}

#[test]
fn run_on_the_college_sample_writes_the_roster() {
    let ws = sample("college");
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let students = people.iter().filter(|p| p["kind"] == "student").count();
    let staff = people.iter().filter(|p| p["kind"] == "staff").count();
    assert!(students > 400, "{students} students\n{r}");
    assert!(staff > 20);
    // Every branch has students; every student has a group and a birth date or a problem.
    for b in ["Главный корпус", "Заречный филиал", "Лесной филиал", "Сосновский филиал"]
    {
        assert!(
            people.iter().any(|p| p["kind"] == "student" && p["branch"] == b),
            "no students in {b}\n{r}"
        );
    }
    assert!(people.iter().filter(|p| p["kind"] == "student").all(|p| !p["group"].is_empty()));
    // Group names come out canonical: no Latin look-alikes, no spaces.
    let groups = ws.csv("out/roster/groups.csv");
    for g in &groups {
        assert!(!g["group"].chars().any(|c| c.is_ascii_alphabetic()), "{g:?}");
        assert!(!g["group"].contains(' '), "{g:?}");
    }
    // The summary a coordinator reads.
    assert!(r.stdout.contains("Реестр:") && r.stdout.contains("Сосновский филиал"), "{r}");
    assert!(ws.path().join("out/roster/roster.xlsx").is_file());
    assert!(ws.path().join("out/problems.xlsx").is_file());
}

/// The change set in words: (kind, branch, group, audience, the person's name).
fn change_set_by_name(ws: &Ws) -> Vec<(String, String, String, String, String)> {
    let people: BTreeMap<String, String> = ws
        .people()
        .into_iter()
        .map(|r| {
            (
                r["person_id"].clone(),
                format!("{} {} {}", r["surname"], r["first_name"], r["patronymic"]),
            )
        })
        .collect();
    let c: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let mut v: Vec<_> = c["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let who = a["person_id"]
                .as_str()
                .map(|p| people.get(p).cloned().unwrap_or_default())
                .unwrap_or_default();
            (s(&a["kind"]), s(&a["branch"]), s(&a["group"]), s(&a["audience"]), who)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_change_set_does_not_depend_on_the_workspace_salt() {
    // Person ids are salted per workspace; ties between candidates must not follow them.
    let runs: Vec<_> = (0..5)
        .map(|_| {
            let ws = sample("college");
            let r = ws.run(&["diff"]);
            assert_eq!(r.code, 0, "{r}");
            change_set_by_name(&ws)
        })
        .collect();
    assert!(runs[0].len() > 200);
    for r in &runs[1..] {
        assert_eq!(&runs[0], r);
    }
}
