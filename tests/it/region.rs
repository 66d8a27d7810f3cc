//! `rollout region run` and `region status` on a small generated region (`rollout-gen
//! region`, a dozen workspaces, one of them broken): each workspace's outputs equal a
//! single `rollout run`'s, the broken one is named and the others finish, the summary adds
//! up to the workspaces' own files, the Parquet tables hold every organisation's rows, and
//! `region status` rebuilds the summary without running anything.
//!
//! The region is generated once per seed (cached under the test target's tmp folder) and
//! run once per test process ([`ran`]); the tests read what that run left.

use crate::util::{copy_dir, read_csv};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const ORGS: usize = 12;
const SEED: u64 = 7;
/// The workspace made broken (its rollout.toml does not parse), by its place in region.toml.
const BROKEN: usize = 3;
const SALT: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// rollout-gen: beside rollout (`cargo test --workspace` builds it), else built into a
/// target folder of its own (the running cargo holds this one).
fn gen_bin() -> PathBuf {
    let beside = PathBuf::from(env!("CARGO_BIN_EXE_rollout")).with_file_name("rollout-gen");
    if beside.is_file() {
        return beside;
    }
    let target = tmp().join("gen-target");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "rollout-gen"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("run cargo build -p rollout-gen");
    assert!(status.success(), "cargo build -p rollout-gen failed");
    target.join("debug").join("rollout-gen")
}

/// The generated region (cached; made again when rollout-gen is newer than the cache).
fn generated() -> PathBuf {
    let bin = gen_bin();
    let cache = tmp().join(format!("region-gen-{ORGS}-{SEED}"));
    let newer = |a: &Path, b: &Path| {
        let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        matches!((m(a), m(b)), (Some(x), Some(y)) if x > y)
    };
    if cache.join("region.json").is_file() && !newer(&bin, &cache.join("region.json")) {
        return cache;
    }
    let fresh = tmp().join(format!("region-gen-{ORGS}-{SEED}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    let status = Command::new(&bin)
        .args(["region", "--out"])
        .arg(&fresh)
        .args(["--orgs", &ORGS.to_string(), "--seed", &SEED.to_string(), "--threads", "2"])
        .status()
        .expect("run rollout-gen region");
    assert!(status.success(), "rollout-gen region failed");
    let _ = std::fs::remove_dir_all(&cache);
    if std::fs::rename(&fresh, &cache).is_err() {
        // Another test process put it there first.
        let _ = std::fs::remove_dir_all(&fresh);
    }
    cache
}

/// The workspaces in region.toml's order.
fn orgs(region: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(region.join("region.toml")).expect("region.toml");
    let v: toml::Value = toml::from_str(&text).expect("region.toml parses");
    v["workspaces"]
        .as_array()
        .expect("[[workspaces]]")
        .iter()
        .map(|w| w["path"].as_str().expect("path").to_string())
        .collect()
}

pub struct Ran {
    pub base: PathBuf,
    /// The region run with `region run`.
    pub a: PathBuf,
    /// The same region, for single `rollout run`s.
    pub b: PathBuf,
    pub orgs: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

fn rollout(cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(args)
        .current_dir(cwd)
        .env("ROLLOUT_TODAY", "2026-11-22")
        .env_remove("ROLLOUT_TIMING")
        .output()
        .expect("run rollout")
}

/// The region, salted, one workspace broken, copied twice; `region run` on the first copy.
pub fn ran() -> &'static Ran {
    static RAN: OnceLock<Ran> = OnceLock::new();
    RAN.get_or_init(|| {
        let base = tmp().join("region-it");
        let _ = std::fs::remove_dir_all(&base);
        let a = base.join("a");
        copy_dir(&generated(), &a);
        let orgs = orgs(&a);
        assert_eq!(orgs.len(), ORGS);
        for o in &orgs {
            std::fs::create_dir_all(a.join(o).join(".rollout")).unwrap();
            std::fs::write(a.join(o).join(".rollout/salt"), SALT).unwrap();
        }
        std::fs::write(a.join(&orgs[BROKEN]).join("rollout.toml"), "[organization\nname = \"сломано\"\n").unwrap();
        let b = base.join("b");
        copy_dir(&a, &b);
        let out = rollout(&base, &["region", "run", "a"]);
        Ran {
            base,
            a,
            b,
            orgs,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "status {}\n--- stdout\n{}\n--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Every file under `dir` but run.json, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "run.json") {
                out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn region_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn n(v: &serde_json::Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn each_workspace_writes_what_a_single_run_writes_and_the_broken_one_is_named() {
    let r = ran();
    assert_eq!(r.code, 1, "one workspace is broken: exit 1\n{r}");
    let broken = &r.orgs[BROKEN];
    assert!(
        r.stderr.contains(&format!("rollout: ошибка: {broken} (")) && r.stderr.contains("rollout.toml"),
        "the broken workspace is named with its cause\n{r}"
    );
    assert!(r.stdout.contains("Регион: 12 организаций"), "{r}");
    assert!(!r.a.join(broken).join("out").exists(), "the broken workspace wrote nothing");
    for (i, org) in r.orgs.iter().enumerate() {
        if i == BROKEN {
            continue;
        }
        let config = r.b.join(org).join("rollout.toml");
        let single = rollout(&r.base, &["run", "--quiet", "--config", config.to_str().unwrap()]);
        let (a, b) = (tree(&r.a.join(org).join("out")), tree(&r.b.join(org).join("out")));
        assert!(
            a.contains_key(Path::new("summary.json")) && a.contains_key(Path::new("roster/people.csv")),
            "{org}: {:?}",
            a.keys()
        );
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{org}: the same files as a single run (single run's status {:?})",
            single.status.code()
        );
        for (rel, bytes) in &a {
            assert!(bytes == &b[rel], "{org}/out/{}: differs from a single run's", rel.display());
        }
        // The single run's exit code is the state the region recorded.
        let summary: serde_json::Value = serde_json::from_slice(&a[Path::new("summary.json")]).unwrap();
        let outcome = match single.status.code() {
            Some(0) => "clean",
            Some(1) => "problems",
            Some(3) => "unreadable",
            other => panic!(
                "{org}: single run failed with {other:?}: {}",
                String::from_utf8_lossy(&single.stderr)
            ),
        };
        assert_eq!(summary["outcome"], outcome, "{org}");
        // run.json lists the same outputs.
        let listed = |dir: &Path| -> Vec<String> {
            let v = region_json(&dir.join("out/run.json"));
            v["outputs"].as_object().unwrap().keys().cloned().collect()
        };
        assert_eq!(listed(&r.a.join(org)), listed(&r.b.join(org)), "{org}: run.json");
    }
    let messages = std::fs::read_to_string(r.a.join("out/messages.txt")).unwrap();
    assert!(
        messages.contains(&format!("== {broken} (")),
        "messages.txt names the broken workspace:\n{messages}"
    );
}

#[test]
fn the_region_summary_adds_up_to_each_workspace_files() {
    let r = ran();
    let v = region_json(&r.a.join("out/region.json"));
    let rows = v["organisations"].as_array().unwrap();
    assert_eq!(rows.len(), ORGS);
    let mut sum: BTreeMap<&str, u64> = BTreeMap::new();
    for (row, org) in rows.iter().zip(&r.orgs) {
        assert_eq!(row["org"], org.as_str(), "rows in region.toml's order");
        if org == &r.orgs[BROKEN] {
            assert_eq!(row["state"], "failed", "{row}");
            assert!(row["error"].as_str().unwrap().contains("rollout.toml"), "{row}");
            assert!(row["summary"].is_null());
            continue;
        }
        let s = &row["summary"];
        let people = read_csv(&r.a.join(org).join("out/roster/people.csv"));
        for (key, kind) in [("students", "student"), ("parents", "parent"), ("staff", "staff")] {
            let counted = people.iter().filter(|p| p["kind"] == kind).count() as u64;
            assert_eq!(n(&s["roster"][key]), counted, "{org}: {key} against people.csv");
            *sum.entry(key).or_default() += counted;
        }
        let problems = read_csv(&r.a.join(org).join("out/problems.csv"));
        let errors = problems.iter().filter(|p| p["severity"] == "error").count() as u64;
        assert_eq!(n(&s["problems"]["errors"]), errors, "{org}: errors against problems.csv");
        assert_eq!(
            n(&s["problems"]["errors"]) + n(&s["problems"]["warnings"]),
            problems.len() as u64,
            "{org}: problems"
        );
        *sum.entry("errors").or_default() += errors;
        *sum.entry("plan").or_default() += s["plan"]["total"].as_u64().unwrap_or(0);
        if !r.a.join(org).join("out/changes.json").exists() {
            // Not on the platform yet (no snapshot): no change set, no matching.
            assert!(
                s["platform"].is_null() && s["changes"].is_null() && s["joined"].is_null(),
                "{org}: {s}"
            );
            continue;
        }
        *sum.entry("on_platform").or_default() += 1;
        let changes = region_json(&r.a.join(org).join("out/changes.json"));
        let actions = changes["actions"].as_array().unwrap().len() as u64;
        assert_eq!(n(&s["changes"]["actions"]), actions, "{org}: actions against changes.json");
        *sum.entry("actions").or_default() += actions;
        let matched = region_json(&r.a.join(org).join("out/matching-summary.json"));
        assert_eq!(n(&s["platform"]["members"]), n(&matched["members"]), "{org}: members");
        assert_eq!(n(&s["platform"]["unknown"]), n(&matched["unknown"]), "{org}: unknown");
        let joined = &s["joined"];
        assert!(n(&joined["students_joined"]) <= n(&joined["students"]), "{org}: {joined}");
    }
    let t = &v["totals"];
    assert_eq!(n(&t["organisations"]), ORGS as u64);
    assert_eq!(n(&t["failed"]), 1);
    assert_eq!(
        n(&t["clean"]) + n(&t["problems"]) + n(&t["unreadable"]) + n(&t["failed"]) + n(&t["not_run"]),
        ORGS as u64
    );
    for key in ["students", "parents", "staff"] {
        assert_eq!(n(&t["roster"][key]), sum[key], "totals: {key}");
    }
    assert!(sum["students"] > 1000, "a real region: {sum:?}");
    assert!(sum["on_platform"] >= 3, "some organisations are on the platform: {sum:?}");
    assert_eq!(n(&t["problems_found"]["errors"]), sum["errors"]);
    assert_eq!(n(&t["actions"]), sum["actions"]);
    assert_eq!(n(&t["plan"]["total"]), sum["plan"]);
    // The workbook has a row per organisation and the totals sheet.
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(r.a.join("out/region.xlsx")).unwrap();
    let sheet = wb.worksheet_range("Организации").unwrap();
    assert_eq!(sheet.height(), ORGS + 1);
    assert!(wb.worksheet_range("Итого").is_ok());
    // Owner-only, as every output with personal data.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["region.html", "region.xlsx", "parquet/people.parquet"] {
            let mode = std::fs::metadata(r.a.join("out").join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
    }
}

#[test]
fn the_parquet_tables_hold_every_organisation_rows() {
    use polars::prelude::{ParquetReader, SerReader};
    let r = ran();
    let read = |t: &str| {
        let f = std::fs::File::open(r.a.join("out/parquet").join(format!("{t}.parquet"))).unwrap();
        ParquetReader::new(f).finish().unwrap()
    };
    let count_by_org = |df: &polars::prelude::DataFrame| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for v in df.column("org").unwrap().str().unwrap().iter() {
            *m.entry(v.unwrap().to_string()).or_default() += 1;
        }
        m
    };
    // In the region's order, whatever order the organisations finished in: the same region
    // gives the same files.
    let people_df = read("people");
    let place = |org: &str| r.orgs.iter().position(|o| o == org).unwrap();
    let places: Vec<usize> = people_df
        .column("org")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| place(v.unwrap()))
        .collect();
    assert!(places.windows(2).all(|w| w[0] <= w[1]), "rows in the region's order");
    let people = count_by_org(&people_df);
    let matches = count_by_org(&read("matches"));
    let changes = count_by_org(&read("changes"));
    let organisations = read("organisations");
    assert_eq!(organisations.height(), ORGS);
    for (i, org) in r.orgs.iter().enumerate() {
        if i == BROKEN {
            assert!(!people.contains_key(org), "the broken workspace has no rows");
            continue;
        }
        let out = r.a.join(org).join("out");
        assert_eq!(
            people.get(org).copied().unwrap_or(0),
            read_csv(&out.join("roster/people.csv")).len(),
            "{org}: people"
        );
        if !out.join("changes.json").exists() {
            assert!(
                !matches.contains_key(org) && !changes.contains_key(org),
                "{org}: not on the platform"
            );
            continue;
        }
        assert_eq!(
            matches.get(org).copied().unwrap_or(0),
            read_csv(&out.join("matches.csv")).len(),
            "{org}: matches"
        );
        let actions = region_json(&out.join("changes.json"))["actions"].as_array().unwrap().len();
        assert_eq!(changes.get(org).copied().unwrap_or(0), actions, "{org}: changes");
    }
    let people = read("people");
    let names: Vec<&str> = people.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "org",
            "person_id",
            "kind",
            "surname",
            "first_name",
            "patronymic",
            "birth_date",
            "branch",
            "group",
            "phone",
            "email"
        ]
    );
}

#[test]
fn region_status_rebuilds_the_summary_from_the_last_runs_without_running() {
    let r = ran();
    let stamp = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).unwrap();
    let first = r.orgs.iter().enumerate().find(|(i, _)| *i != BROKEN).unwrap().1;
    let changes = r.a.join(first).join("out/roster/people.csv");
    let before = stamp(&changes);
    let out = rollout(&r.base, &["region", "status", "a", "--out", "status-out"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stamp(&changes), before, "nothing was run again");
    let ran = region_json(&r.a.join("out/region.json"));
    let status = region_json(&r.base.join("status-out/region.json"));
    for (x, y) in ran["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .zip(status["organisations"].as_array().unwrap())
    {
        assert_eq!(x["summary"], y["summary"], "{}", x["org"]);
        if x["org"] == r.orgs[BROKEN].as_str() {
            assert_eq!(y["state"], "not_run", "no summary of its own: never ran");
        } else {
            assert_eq!(x["state"], y["state"]);
        }
    }
    assert_eq!(ran["totals"]["roster"], status["totals"]["roster"]);
    assert!(r.base.join("status-out/region.html").is_file());
    assert!(!r.base.join("status-out/parquet").exists(), "status writes no tables");
}

#[test]
fn region_status_keeps_a_failure_of_the_last_region_run_until_the_workspace_runs_again() {
    let r = ran();
    let out = r.base.join("status-after-run");
    std::fs::create_dir_all(&out).unwrap();
    for f in ["region.json", "run.json"] {
        std::fs::copy(r.a.join("out").join(f), out.join(f)).unwrap();
    }
    let st = rollout(&r.base, &["region", "status", "a", "--out", "status-after-run"]);
    assert_eq!(st.status.code(), Some(1), "{}", String::from_utf8_lossy(&st.stderr));
    let stdout = String::from_utf8_lossy(&st.stdout);
    assert!(stdout.contains("ошибка 1"), "{stdout}");
    let status = region_json(&out.join("region.json"));
    let broken = status["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["org"] == r.orgs[BROKEN].as_str())
        .unwrap();
    assert_eq!(broken["state"], "failed", "{broken}");
    assert!(broken["error"].as_str().unwrap().contains("rollout.toml"), "{broken}");
}

#[test]
fn a_folder_without_workspaces_is_refused_with_what_to_do() {
    let ws = crate::util::Ws::new();
    std::fs::create_dir_all(ws.path().join("пусто")).unwrap();
    let r = ws.run(&["region", "run", "пусто"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("рабочих мест нет") && r.stderr.contains("region.toml"), "{r}");
    let r = ws.run(&["region", "status", "нет-такой"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("такой папки нет"), "{r}");
    ws.write("р/region.toml", "[[workspaces]]\npaht = \"a\"\n");
    let r = ws.run(&["region", "run", "р"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("region.toml") && r.stderr.contains("paht"), "{r}");
}

#[test]
fn a_listed_workspace_that_is_missing_is_named_and_the_others_run() {
    let ws = crate::util::Ws::new();
    let region = ws.path().join("регион");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/kindergarten"),
        &region.join("сад"),
    );
    std::fs::write(
        region.join("region.toml"),
        "name = \"Тестовый район\"\n[[workspaces]]\npath = \"сад\"\n[[workspaces]]\npath = \"нет-такого\"\n",
    )
    .unwrap();
    let r = ws.run(&["region", "run", "регион", "--jobs", "1"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("rollout: ошибка: нет-такого ("), "{r}");
    assert!(region.join("сад/out/summary.json").is_file(), "{r}");
    let html = std::fs::read_to_string(region.join("out/region.html")).unwrap();
    assert!(html.contains("Тестовый район"));
}

/// DuckDB from PyPI in a venv made once under the test target's tmp folder; None (with a
/// SKIPPED line) where it cannot be had, which fails under `CI=true`.
fn duckdb_python(test: &str) -> Option<PathBuf> {
    let venv = tmp().join("duckdb-venv");
    let python = venv.join("bin").join("python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !ready(&python) {
        let made = Command::new("python3").args(["-m", "venv"]).arg(&venv).output();
        let installed = made.is_ok_and(|o| o.status.success())
            && Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "duckdb"])
                .output()
                .is_ok_and(|o| o.status.success());
        if !installed || !ready(&python) {
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
            assert!(
                !ci,
                "{test}: could not install duckdb from PyPI into {} (python3 -m venv; pip install duckdb), and CI=true",
                venv.display()
            );
            let line = format!("SKIPPED {test}: duckdb could not be installed from PyPI (python3 -m venv + pip install duckdb)\n");
            use std::io::Write;
            let _ = std::io::stderr().write_all(line.as_bytes());
            return None;
        }
    }
    Some(python)
}

/// The README's DuckDB query (the ```sql block after its marker).
fn readme_query() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let after = readme
        .split("<!-- region-duckdb-query")
        .nth(1)
        .expect("the README marks its DuckDB query");
    let block = after.split("```sql\n").nth(1).expect("a ```sql block after the marker");
    block.split("```").next().unwrap().to_string()
}

#[test]
fn the_readme_duckdb_query_reads_the_region_tables() {
    let Some(python) = duckdb_python("the_readme_duckdb_query_reads_the_region_tables") else {
        return;
    };
    let r = ran();
    let query = readme_query();
    assert!(
        query.contains("'out/parquet/"),
        "the query reads the tables where region run writes them"
    );
    let script = r.base.join("query.py");
    std::fs::write(
        &script,
        "import duckdb, json, sys\nrows = duckdb.sql(open(sys.argv[1]).read()).fetchall()\nprint(json.dumps(rows, ensure_ascii=False))\n",
    )
    .unwrap();
    std::fs::write(r.base.join("query.sql"), &query).unwrap();
    // From the region folder, as the README says.
    let out = Command::new(&python)
        .arg(&script)
        .arg(r.base.join("query.sql"))
        .current_dir(&r.a)
        .output()
        .unwrap();
    assert!(out.status.success(), "duckdb: {}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), ORGS, "one row per organisation");
    let region = region_json(&r.a.join("out/region.json"));
    for (row, org) in rows.iter().zip(region["organisations"].as_array().unwrap()) {
        assert_eq!(row[0], org["org"]);
        assert_eq!(row[1], org["name"]);
        let s = &org["summary"];
        if s.is_null() {
            assert_eq!(row[2], 0, "{row}");
            continue;
        }
        assert_eq!(row[2], s["roster"]["students"], "{row}: students");
        match s["platform"]["members"].as_u64() {
            Some(members) => assert!(n(&row[3]) <= members.min(n(&row[2])), "{row}: matched students"),
            None => assert_eq!(row[3], 0, "{row}: no platform, nobody matched"),
        }
        assert_eq!(
            row[4],
            s["changes"]["by_kind"].get("invite").cloned().unwrap_or(0.into()),
            "{row}: invites"
        );
    }
}

/// What a regional operator gets wrong: the same workspace spelled twice, a summary folder
/// reached through a link into a workspace, `--jobs 0`, a region folder with someone
/// else's region.json as `--out` — each said in Russian before anything runs.
#[test]
fn mistakes_in_the_region_folder_are_refused_before_anything_runs() {
    let ws = crate::util::Ws::new();
    let region = ws.path().join("р");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/kindergarten"),
        &region.join("сад"),
    );
    std::fs::write(
        region.join("region.toml"),
        "[[workspaces]]\npath = \"сад\"\n[[workspaces]]\npath = \"./сад/\"\n",
    )
    .unwrap();

    let r = ws.run(&["region", "run", "р", "--jobs", "0"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("от 1 до 256") && !r.stderr.contains("is not in"), "{r}");

    std::os::unix::fs::symlink(region.join("сад"), ws.path().join("ссылка")).unwrap();
    let r = ws.run(&["region", "run", "р", "--out", "ссылка/сводка"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("внутри рабочего места сад"), "{r}");
    assert!(!region.join("сад/out").exists(), "nothing ran: {r}");

    let foreign = ws.path().join("чужая");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("region.json"), "{}").unwrap();
    let r = ws.run(&["region", "run", "р", "--out", "чужая"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("чужая/region.json") && r.stderr.contains("записал не rollout"),
        "{r}"
    );
    assert!(!region.join("сад/out").exists(), "refused before running: {r}");

    let r = ws.run(&["region", "run", "р"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.contains("перечислено дважды"), "{r}");
    let summary = region_json(&region.join("out/region.json"));
    assert_eq!(summary["totals"]["organisations"], 1, "{summary}");

    // The organisation runs on its own afterwards: status says the tables are older.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(region.join("сад/out/summary.json"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    let r = ws.run(&["region", "status", "р"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("таблицы Parquet") && r.stderr.contains("старше последнего запуска 1 организации"),
        "{r}"
    );
    let log: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(region.join("out/run.json")).unwrap()).unwrap();
    assert_eq!(log["outputs"]["parquet/people.parquet"]["stale"], true, "{log}");

    // A failed run's old counts stay out of the totals; a damaged summary is said.
    let good = summary["totals"]["roster"]["students"].as_u64().unwrap();
    assert!(good > 0);
    std::fs::write(region.join("сад/rollout.toml"), "[organization\n").unwrap();
    let r = ws.run(&["region", "run", "р"]);
    assert_eq!(r.code, 1, "{r}");
    let summary = region_json(&region.join("out/region.json"));
    assert_eq!(summary["totals"]["failed"], 1, "{summary}");
    assert_eq!(summary["totals"]["roster"]["students"], 0, "{summary}");
    assert!(summary["organisations"][0]["summary"].is_null(), "{summary}");

    std::fs::write(region.join("сад/out/summary.json"), "не json").unwrap();
    std::fs::remove_file(region.join("out/region.json")).unwrap();
    let r = ws.run(&["region", "status", "р"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("summary.json: файл повреждён"), "{r}");
}
