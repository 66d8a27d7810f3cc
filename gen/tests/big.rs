//! `rollout-gen big` through the binary: one seed gives the same bytes, and the CSV and
//! the .xlsx workspace hold the same people.

use calamine::{Data, Reader, open_workbook_auto};
use std::path::{Path, PathBuf};
use std::process::Command;

fn gen_big(out: &Path, students: usize, seed: u64) {
    let status = Command::new(env!("CARGO_BIN_EXE_rollout-gen"))
        .args(["big", "--out"])
        .arg(out)
        .args(["--students", &students.to_string(), "--seed", &seed.to_string()])
        .status()
        .expect("run rollout-gen");
    assert!(status.success(), "rollout-gen big failed");
}

fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).expect("prefix").to_path_buf(), std::fs::read(&p).expect("read")));
            }
        }
    }
    out.sort();
    out
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rollout-gen-big-{name}-{}", std::process::id()))
}

/// The data rows of a CSV (after the title and the header): its cells.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("read csv");
    let text = text.strip_prefix('\u{feff}').expect("UTF-8 with a BOM");
    text.split("\r\n")
        .skip(2)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').map(str::to_string).collect())
        .collect()
}

/// The data rows of the first sheet of an .xlsx (after the title and the header).
fn xlsx_rows(path: &Path) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).expect("open xlsx");
    let range = wb.worksheet_range_at(0).expect("a sheet").expect("read the sheet");
    range.rows().skip(2).map(<[Data]>::to_vec).collect()
}

#[test]
fn big_is_deterministic_and_both_workspaces_hold_the_same_people() {
    let base = temp("det");
    std::fs::remove_dir_all(&base).ok();
    gen_big(&base.join("a"), 400, 9);
    gen_big(&base.join("b"), 400, 9);
    let a = read_tree(&base.join("a"));
    assert!(!a.is_empty());
    assert!(a == read_tree(&base.join("b")), "one seed, two different outputs");
    // again into the same folder: replaced, same bytes
    gen_big(&base.join("a"), 400, 9);
    assert!(read_tree(&base.join("a")) == a, "regenerated in place differs");
    // another seed: other people
    gen_big(&base.join("c"), 400, 10);
    let c = base.join("c/csv/sources/Контингент.csv");
    assert_ne!(
        std::fs::read(&c).expect("read"),
        std::fs::read(base.join("a/csv/sources/Контингент.csv")).expect("read")
    );

    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(base.join("a/big.json")).expect("big.json")).expect("json");
    assert_eq!(json["students"], 400);
    let parents = json["parents"].as_u64().expect("parents") as usize;
    assert!((500..=700).contains(&parents), "≈1.5 parents a student: {parents}");
    let members = json["members"].as_u64().expect("members") as usize;
    assert!((380..=600).contains(&members), "≈1.2 chat members a student: {members}");

    let ws = base.join("a");
    for (file, name_col, expected) in [("Контингент", 1, 400), ("Родители", 5, parents)] {
        let csv = csv_rows(&ws.join(format!("csv/sources/{file}.csv")));
        let xlsx = xlsx_rows(&ws.join(format!("xlsx/sources/{file}.xlsx")));
        assert_eq!(csv.len(), expected, "{file}.csv");
        assert_eq!(xlsx.len(), csv.len(), "{file}: the same rows in both");
        for (r, (c, x)) in csv.iter().zip(&xlsx).enumerate() {
            assert_eq!(x[name_col].to_string(), c[name_col], "{file}: row {r}");
            if file == "Родители" {
                assert_eq!(x[1].to_string(), c[1], "{file}: the child of row {r}");
            }
            assert_eq!(x[3].to_string(), c[3], "{file}: the group of row {r}");
        }
    }
    for dir in ["csv", "xlsx"] {
        let toml = std::fs::read_to_string(ws.join(dir).join("rollout.toml")).expect("rollout.toml");
        assert!(toml.contains(&format!("path = \"sources/Контингент.{dir}\"")), "{toml}");
        assert!(toml.contains("[platform]"));
        assert_eq!(toml.matches("[[branches]]").count(), 4);
        assert!(ws.join(dir).join("platform/chats.json").exists());
    }
    assert!(
        read_tree(&ws.join("csv/platform")) == read_tree(&ws.join("xlsx/platform")),
        "one snapshot in both"
    );
    std::fs::remove_dir_all(base).ok();
}

#[test]
fn big_refuses_a_folder_it_did_not_make() {
    let base = temp("refuse");
    std::fs::create_dir_all(&base).expect("dir");
    std::fs::write(base.join("mine.txt"), "not made by rollout-gen").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_rollout-gen"))
        .args(["big", "--out"])
        .arg(&base)
        .args(["--students", "10"])
        .output()
        .expect("run rollout-gen");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not made by rollout-gen big"));
    assert!(base.join("mine.txt").exists(), "left as it was");
    std::fs::remove_dir_all(base).ok();
}
