//! The teaching loads of the bundled samples (`sources/Нагрузка.xlsx` of the school,
//! `sources/Тарификация*.csv` of the college): `rollout ingest` reports exactly the
//! load problems the generator planted — one unknown teacher, one unknown group and one
//! subject with no teacher per sample — at the cells planted.json names, and nothing
//! else about the load files.

use crate::samples::sample;
use std::collections::BTreeMap;

const RULES: [&str; 3] = ["teaching-unknown-teacher", "teaching-unknown-group", "teaching-no-teacher"];

/// (rule, file, sheet, cell, found) of the planted load defects.
type Planted = Vec<(String, String, String, String, String)>;

fn planted_load(json: &str) -> (BTreeMap<String, u64>, Planted) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let counts = RULES
        .iter()
        .map(|r| (r.to_string(), v["counts"][r].as_u64().unwrap_or(0)))
        .collect();
    let mut defects: Planted = v["defects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| RULES.contains(&d["rule"].as_str().unwrap()))
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or("").to_string();
            (s("rule"), s("file"), s("sheet"), s("cell"), s("found"))
        })
        .collect();
    defects.sort();
    (counts, defects)
}

fn check_load(name: &str, load_file: &str) {
    let ws = sample(name);
    assert!(ws.path().join(load_file).is_file(), "samples/{name} has no {load_file}");
    let (want_counts, want) = planted_load(&ws.read("planted.json"));
    for rule in RULES {
        assert_eq!(want_counts[rule], 1, "samples/{name}/planted.json: {rule}");
    }
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let problems = ws.problems();
    let mut got_counts: BTreeMap<String, u64> = RULES.iter().map(|r| (r.to_string(), 0)).collect();
    for p in &problems {
        if let Some(n) = got_counts.get_mut(&p["rule"]) {
            *n += 1;
        }
    }
    assert_eq!(got_counts, want_counts, "load problems of samples/{name}\n{r}");
    let mut got: Planted = problems
        .iter()
        .filter(|p| RULES.contains(&p["rule"].as_str()))
        .map(|p| {
            (
                p["rule"].clone(),
                p["file"].clone(),
                p["sheet"].clone(),
                p["cell"].clone(),
                p["found"].clone(),
            )
        })
        .collect();
    got.sort();
    // The place of each; what was found where the cell names a person or a group.
    let place = |v: &Planted| {
        v.iter()
            .map(|(r, f, s, c, _)| (r.clone(), f.clone(), s.clone(), c.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(place(&got), place(&want), "{r}");
    for (g, w) in got.iter().zip(&want) {
        if g.0 != "teaching-no-teacher" {
            assert_eq!(g.4, w.4, "found of {}", g.0);
        }
    }
    // Nothing else is reported about the load files: every other line resolved.
    let files: Vec<&String> = want.iter().map(|d| &d.1).collect();
    let other: Vec<String> = problems
        .iter()
        .filter(|p| p["file"].contains("Нагрузка") || p["file"].contains("Тарификация"))
        .filter(|p| !RULES.contains(&p["rule"].as_str()))
        .map(|p| format!("{} {} {}", p["rule"], p["file"], p["cell"]))
        .collect();
    assert!(other.is_empty(), "{other:?}\n{r}");
    assert!(files.iter().all(|f| f.as_str() == load_file), "{files:?}");
}

#[test]
fn the_school_load_reports_exactly_the_planted_teacher_group_and_vacancy() {
    check_load("school", "sources/Нагрузка.xlsx");
}

#[test]
fn the_college_load_reports_exactly_the_planted_teacher_group_and_vacancy() {
    check_load("college", "sources/Тарификация.csv");
}

/// The other branches' loads are read too and resolve without a problem.
#[test]
fn every_college_branch_has_a_load_file_listed_as_teaching() {
    let ws = sample("college");
    let toml = ws.read("rollout.toml");
    for f in [
        "sources/Тарификация.csv",
        "sources/Тарификация_Заречный_филиал.csv",
        "sources/Тарификация_Лесной_филиал.csv",
        "sources/Тарификация_Сосновский_филиал.csv",
    ] {
        assert!(ws.path().join(f).is_file(), "{f}");
        let entry = format!("path = \"{f}\"\n");
        let at = toml.find(&entry).unwrap_or_else(|| panic!("{f} not in rollout.toml"));
        let rest = &toml[at..];
        let end = rest[1..].find("[[").map_or(rest.len(), |e| e + 1);
        assert!(rest[..end].contains("kind = \"teaching\""), "{}", &rest[..end]);
    }
}
