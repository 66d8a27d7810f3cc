//! A fresh workspace per test, fixtures written in code, the real binary run in it.
//! On failure the assertion messages carry cwd, status, stdout and stderr.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Ws {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub cwd: PathBuf,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cwd: {}\nstatus: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.cwd.display(),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

pub type Row = BTreeMap<String, String>;

impl Ws {
    pub fn new() -> Ws {
        Ws {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    pub fn config(&self, text: &str) {
        self.write("rollout.toml", text);
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollout"));
        cmd.args(args).current_dir(self.path()).env("ROLLOUT_TODAY", "2026-11-22");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run rollout");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            cwd: self.path().to_path_buf(),
        }
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub fn csv(&self, rel: &str) -> Vec<Row> {
        read_csv(&self.path().join(rel))
    }

    pub fn problems(&self) -> Vec<Row> {
        self.csv("out/problems.csv")
    }

    pub fn people(&self) -> Vec<Row> {
        self.csv("out/roster/people.csv")
    }
}

pub fn read_csv(path: &Path) -> Vec<Row> {
    let mut r = csv::ReaderBuilder::new()
        .from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Problems with a given rule.
pub fn with_rule<'a>(rows: &'a [Row], rule: &str) -> Vec<&'a Row> {
    rows.iter().filter(|r| r["rule"] == rule).collect()
}

pub fn find_person<'a>(people: &'a [Row], surname: &str, first: &str) -> Vec<&'a Row> {
    people
        .iter()
        .filter(|p| p["surname"] == surname && p["first_name"] == first)
        .collect()
}

/// A cell for fixture sheets.
#[derive(Clone, Debug)]
pub enum C {
    S(&'static str),
    T(String),
    N(f64),
    /// A real Excel date cell.
    D(u16, u8, u8),
    E,
}

pub fn s(v: &'static str) -> C {
    C::S(v)
}

pub struct SheetSpec {
    pub name: String,
    pub rows: Vec<Vec<C>>,
    /// (first_row, first_col, last_row, last_col), zero-based.
    pub merges: Vec<(u32, u16, u32, u16)>,
}

pub fn sheet(name: &str, rows: Vec<Vec<C>>) -> SheetSpec {
    SheetSpec {
        name: name.into(),
        rows,
        merges: vec![],
    }
}

/// Text rows from `&str` slices; "" is an empty cell.
pub fn text_rows(rows: &[&[&str]]) -> Vec<Vec<C>> {
    rows.iter()
        .map(|r| r.iter().map(|c| if c.is_empty() { C::E } else { C::T(c.to_string()) }).collect())
        .collect()
}

pub fn xlsx(sheets: &[SheetSpec]) -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    for sp in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sp.name).unwrap();
        let merged: Vec<(u32, u16)> = sp.merges.iter().map(|m| (m.0, m.1)).collect();
        for (r, row) in sp.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                // Cells inside a merge other than its top-left are written by merge_range.
                if sp.merges.iter().any(|m| r >= m.0 && r <= m.2 && c >= m.1 && c <= m.3) && !merged.contains(&(r, c)) {
                    continue;
                }
                match cell {
                    C::S(v) => {
                        ws.write_string(r, c, *v).unwrap();
                    }
                    C::T(v) => {
                        ws.write_string(r, c, v).unwrap();
                    }
                    C::N(v) => {
                        ws.write_number(r, c, *v).unwrap();
                    }
                    C::D(y, m, d) => {
                        ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date)
                            .unwrap();
                    }
                    C::E => {}
                }
            }
        }
        for m in &sp.merges {
            let text = match &sp.rows[m.0 as usize][m.1 as usize] {
                C::S(v) => v.to_string(),
                C::T(v) => v.clone(),
                _ => String::new(),
            };
            ws.merge_range(m.0, m.1, m.2, m.3, &text, &Format::new()).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

pub const COLLEGE_TOML: &str = r#"
[organization]
name = "Тестовый колледж"
profile = "college"

[[branches]]
name = "Главный корпус"
main = true
aliases = ["ГК"]

[[branches]]
name = "Заречный филиал"
aliases = ["Заречный"]
"#;

pub const SCHOOL_TOML: &str = "[organization]\nname = \"Школа\"\nprofile = \"school\"\n";

/// Copies a folder with everything in it (fixtures and samples into a test's workspace).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
