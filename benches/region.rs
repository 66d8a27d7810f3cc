//! Bench (not a test): the region (issue 17). `cargo bench --bench region` builds the
//! generated region once (`rollout-gen region`, cached by seed under
//! `target/bench-region/`, never committed) and times each stage over its workspaces in
//! this one process: ingest, roster, match, diff (the library's own stage timers), the
//! reading of the xlsx and the csv files through the isolated reader as `ingest` reads
//! them, and `letters --all` (the binary, one process per workspace: its rendering and
//! writing are not in the library's stage timers). Beside them, on the same files: the
//! floor (calamine's bare read of the xlsx, the `csv` crate's of the csv) and
//! `bench/region_pandas.py` in a throwaway venv (pandas with `engine="calamine"` and
//! `engine="pyarrow"`: the same ingest, name normalisation and an exact-key diff of the
//! roster against the platform's members). Points: the first 100, 300 and 1,000
//! organisations (≈100 k, 300 k, 1 M students) for the growth exponents.
//!
//! After the region points, the single workspace: ONE organisation of 100,000 students
//! (`rollout-gen big`, generated once per seed and size, cached under
//! `target/bench-region/big-seed-S-N/`) whose contingent and parents are one file each,
//! measured twice by the same stages — `DIR/csv` (one UTF-8 CSV each) and `DIR/xlsx` (one
//! .xlsx each); pandas and letters are off for it. In the JSON: `"single": {"students_target":
//! N, "csv": {…}, "xlsx": {…}}`, or with several sizes a list of those, smallest first (the
//! growth of one workspace).
//!
//! Last, `rollout region run` over the whole region through the binary (`"region_run"` in
//! the JSON): once cold (every workspace's kept matches forgotten) and once again with
//! nothing changed (the weekly re-run, matches kept); `--no-region-run` leaves it out.
//!
//! Arguments (after `--`): `--orgs N` (the region's size, default 1000), `--seed S` (42),
//! `--points 100,300,1000` (prefixes of the region measured; letters at the first only),
//! `--label before|after` (the JSON's name: `bench/results/region-LABEL.json`), `--no-pandas`,
//! `--no-letters`, `--region DIR` (an existing region instead of the generated one),
//! `--no-single` (no single workspace), `--single-students 100000` (its size; a list such as
//! `30000,100000` measures each).
//! Timings are never asserted: the JSON and the printed table are the result.

mod common;

use rollout::config::Config;
use rollout::ingest::read::Formats;
use rollout::ingest::reader::{ReadMode, Reader};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[derive(Clone)]
struct Args {
    orgs: usize,
    seed: u64,
    points: Vec<usize>,
    label: String,
    pandas: bool,
    letters: bool,
    region: Option<PathBuf>,
    single: bool,
    single_students: Vec<usize>,
    region_run: bool,
}

fn args() -> Args {
    let mut a = Args {
        orgs: 1000,
        seed: 42,
        points: vec![100, 300, 1000],
        label: "latest".into(),
        pandas: true,
        letters: true,
        region: None,
        single: true,
        single_students: vec![100_000],
        region_run: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--orgs" => a.orgs = it.next().and_then(|v| v.parse().ok()).expect("--orgs N"),
            "--seed" => a.seed = it.next().and_then(|v| v.parse().ok()).expect("--seed S"),
            "--points" => {
                a.points = it
                    .next()
                    .expect("--points 100,300")
                    .split(',')
                    .map(|p| p.trim().parse().expect("--points: numbers"))
                    .collect()
            }
            "--label" => a.label = it.next().expect("--label NAME"),
            "--no-pandas" => a.pandas = false,
            "--no-letters" => a.letters = false,
            "--region" => a.region = Some(PathBuf::from(it.next().expect("--region DIR"))),
            "--no-single" => a.single = false,
            "--no-region-run" => a.region_run = false,
            "--single-students" => {
                a.single_students = it
                    .next()
                    .expect("--single-students 30000,100000")
                    .split(',')
                    .map(|n| n.trim().parse().expect("--single-students: numbers"))
                    .collect();
                assert!(a.single_students.iter().all(|&n| n > 0), "--single-students: at least one student");
                a.single_students.sort_unstable();
                a.single_students.dedup();
            }
            "--bench" => {}
            other => panic!("region bench: unknown argument {other}"),
        }
    }
    a.points.retain(|&p| p <= a.orgs);
    a
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The target dir cargo builds into (`CARGO_TARGET_DIR` or `target/`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// The region, generated once per seed and size.
fn region(a: &Args) -> PathBuf {
    if let Some(r) = &a.region {
        return r.clone();
    }
    let dir = root()
        .join("target")
        .join("bench-region")
        .join(format!("seed-{}-orgs-{}", a.seed, a.orgs));
    if dir.join("region.json").is_file() {
        return dir;
    }
    let generator = generator();
    let t = Instant::now();
    let _ = std::fs::remove_dir_all(&dir);
    let ok = Command::new(generator)
        .args(["region", "--out"])
        .arg(&dir)
        .args(["--orgs", &a.orgs.to_string(), "--seed", &a.seed.to_string()])
        .status()
        .expect("rollout-gen region");
    assert!(ok.success(), "rollout-gen region failed");
    eprintln!("region generated in {:.1} s: {}", t.elapsed().as_secs_f64(), dir.display());
    dir
}

/// `rollout-gen`, built in release.
fn generator() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(&cargo)
        .args(["build", "--release", "-p", "rollout-gen"])
        .current_dir(root())
        .status()
        .expect("cargo build -p rollout-gen");
    assert!(ok.success(), "rollout-gen did not build");
    target_dir().join("release").join("rollout-gen")
}

/// The single big organisation of `students` (`rollout-gen big`: `DIR/csv`, `DIR/xlsx`),
/// generated once per seed and size.
fn big(a: &Args, students: usize) -> PathBuf {
    let dir = root()
        .join("target")
        .join("bench-region")
        .join(format!("big-seed-{}-{}", a.seed, students));
    if dir.join("big.json").is_file() {
        return dir;
    }
    let generator = generator();
    let t = Instant::now();
    let _ = std::fs::remove_dir_all(&dir);
    let ok = Command::new(generator)
        .args(["big", "--out"])
        .arg(&dir)
        .args(["--students", &students.to_string(), "--seed", &a.seed.to_string()])
        .status()
        .expect("rollout-gen big");
    assert!(ok.success(), "rollout-gen big failed");
    eprintln!(
        "single organisation generated in {:.1} s: {}",
        t.elapsed().as_secs_f64(),
        dir.display()
    );
    dir
}

/// The single workspace at each size: its CSV and its xlsx copy through the same stages.
fn single(a: &Args) -> Value {
    if !a.single {
        return Value::Null;
    }
    let quiet = Args {
        pandas: false,
        letters: false,
        ..a.clone()
    };
    let mut sizes = Vec::new();
    for &n in &a.single_students {
        let dir = big(a, n);
        let mut entry = serde_json::Map::new();
        entry.insert("students_target".into(), json!(n));
        for kind in ["csv", "xlsx"] {
            eprintln!("region bench: the single workspace, {n} students, {kind}…");
            let p = run_point(&[dir.join(kind)], &quiet);
            print_point(&p);
            entry.insert(kind.into(), p);
        }
        sizes.push(Value::Object(entry));
    }
    if sizes.len() == 1 { sizes.remove(0) } else { Value::Array(sizes) }
}

/// The region's workspaces, in folder order.
fn workspaces(region: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(region)
        .expect("region dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("rollout.toml").is_file())
        .collect();
    out.sort();
    out
}

/// CPU seconds of this process and its waited children (utime, stime, cutime, cstime).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    // Fields after the command: state is 0, utime 11, stime 12, cutime 13, cstime 14.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0) + f.get(13).unwrap_or(&0.0) + f.get(14).unwrap_or(&0.0)) / ticks
}

/// Peak resident memory of this process so far, MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Peak resident memory of the largest waited child, MiB.
fn children_peak_mib() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

#[derive(Default, Clone, Copy)]
struct Stage {
    wall: f64,
    cpu: f64,
    rows: u64,
}

impl Stage {
    fn add(&mut self, wall: f64, cpu: f64, rows: u64) {
        self.wall += wall;
        self.cpu += cpu;
        self.rows += rows;
    }

    fn json(&self, peak: f64) -> Value {
        json!({
            "wall_s": round(self.wall),
            "cpu_s": round(self.cpu),
            "rows": self.rows,
            "rows_per_s": if self.wall > 0.0 { (self.rows as f64 / self.wall).round() } else { 0.0 },
            "peak_rss_mib": peak.round(),
        })
    }
}

/// Times `work` (which returns the rows it went through): wall and CPU.
fn timed(work: impl FnOnce() -> u64) -> Stage {
    let (t, c) = (Instant::now(), cpu_seconds());
    let rows = work();
    Stage {
        wall: t.elapsed().as_secs_f64(),
        cpu: cpu_seconds() - c,
        rows,
    }
}

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One point: the stages over `list`.
fn run_point(list: &[PathBuf], a: &Args) -> Value {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_rollout"));
    let mode = ReadMode::Isolated { exe: exe.clone() };
    let mut stages: BTreeMap<&str, Stage> = BTreeMap::new();
    let (mut students, mut parents, mut staff, mut members) = (0u64, 0u64, 0u64, 0u64);
    let (mut xlsx_files, mut csv_files) = (Vec::new(), Vec::new());
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let whole = Instant::now();
    let whole_cpu = cpu_seconds();
    rollout::human::collect_timings();
    for ws in list {
        let cfg = Config::load(&ws.join("rollout.toml")).expect("rollout.toml");
        for (rel, path) in source_files(&cfg) {
            match rel.rsplit('.').next().map(str::to_lowercase).as_deref() {
                Some("xlsx") => xlsx_files.push(path),
                Some("csv") => csv_files.push(path),
                _ => {}
            }
        }
        let mut store = rollout::state::Store::open(&cfg.root).expect("state store");
        let salt = store.salt().expect("salt");
        let bar = indicatif::ProgressBar::hidden();
        let (t, c) = (Instant::now(), cpu_seconds());
        let loaded = rollout::roster::load(&cfg, &salt, today, &mode, &bar);
        let (load_wall, load_cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
        let roster = &loaded.roster;
        use rollout::roster::PersonKind;
        let (s, p, st) = (
            roster.count(PersonKind::Student) as u64,
            roster.count(PersonKind::Parent) as u64,
            roster.count(PersonKind::Staff) as u64,
        );
        students += s;
        parents += p;
        staff += st;
        let reader = Reader::for_config(&cfg, mode.clone());
        let (t, c) = (Instant::now(), cpu_seconds());
        let mut member_count = 0u64;
        let mut diff_wall = 0.0;
        if let Some(source) = rollout::platform::source(&cfg, None, &reader) {
            let state = source.load().expect("platform snapshot");
            // Matching itself is measured: not the matches an earlier bench run kept.
            store.forget_matches().expect("state store");
            member_count = state.chats.iter().map(|c| c.members.len() as u64).sum();
            let _ = rollout::changes::compute(&cfg, &loaded, state, &store, today).expect("diff");
            diff_wall = t.elapsed().as_secs_f64();
        }
        let diff_cpu = cpu_seconds() - c;
        members += member_count;
        // The library's own stage timers: ingest and roster inside the load, match and diff
        // inside the change set's computation.
        let timers: BTreeMap<String, f64> = rollout::human::take_timings().into_iter().fold(BTreeMap::new(), |mut m, (k, v)| {
            *m.entry(k).or_default() += v;
            m
        });
        let share = |part: f64, total: f64, cpu: f64| if total > 0.0 { cpu * part / total } else { 0.0 };
        let ingest = timers.get("ingest").copied().unwrap_or(0.0);
        let build = timers.get("roster").copied().unwrap_or(0.0);
        let matching = timers.get("match").copied().unwrap_or(0.0);
        let diff = timers.get("diff").copied().unwrap_or(0.0);
        stages
            .entry("ingest")
            .or_default()
            .add(ingest, share(ingest, load_wall, load_cpu), s + p + st);
        stages
            .entry("roster")
            .or_default()
            .add(build, share(build, load_wall, load_cpu), s + p + st);
        stages
            .entry("match")
            .or_default()
            .add(matching, share(matching, diff_wall, diff_cpu), member_count);
        stages
            .entry("diff")
            .or_default()
            .add(diff, share(diff, diff_wall, diff_cpu), member_count);
        drop(loaded);
        let _ = &mut store;
    }
    let run_wall = whole.elapsed().as_secs_f64();
    let run_cpu = cpu_seconds() - whole_cpu;
    let peak = peak_rss_mib();
    // Reading the files through the isolated reader, as `ingest` does, per kind.
    let reader = Reader::new(mode.clone(), Default::default());
    let read = |files: &[PathBuf]| -> Stage {
        timed(|| {
            files
                .iter()
                .filter_map(|f| reader.read_table(f, &f.display().to_string(), Formats::Spreadsheets).ok())
                .map(|wb| wb.sheets.iter().map(|s| s.rows.len() as u64).sum::<u64>())
                .sum()
        })
    };
    let read_xlsx = read(&xlsx_files);
    let read_csv = read(&csv_files);
    let floor_xlsx = calamine_floor(&xlsx_files);
    let floor_csv = csv_floor(&csv_files);
    let pandas = if a.pandas { pandas(list) } else { Value::Null };
    // Letters once, at the first point (≈150 k parents at 100 organisations).
    let letters = if a.letters && a.points.first() == Some(&list.len()) {
        letters(list, &exe)
    } else {
        Value::Null
    };
    let mut out = json!({
        "organisations": list.len(),
        "students": students, "parents": parents, "staff": staff, "members": members,
        "xlsx_files": xlsx_files.len(), "csv_files": csv_files.len(),
        "stages": stages.iter().map(|(k, v)| (k.to_string(), v.json(peak))).collect::<serde_json::Map<_, _>>(),
        "run": {"wall_s": round(run_wall), "cpu_s": round(run_cpu), "peak_rss_mib": peak.round(), "reader_child_peak_mib": children_peak_mib().round()},
        "read_xlsx_isolated": read_xlsx.json(peak),
        "read_csv_isolated": read_csv.json(peak),
        "floor_calamine_xlsx": floor_xlsx.json(0.0),
        "floor_csv_crate": floor_csv.json(0.0),
        "pandas": pandas,
        "letters": letters,
    });
    let ratio = |x: f64, y: f64| if y > 0.0 { (x / y * 100.0).round() / 100.0 } else { 0.0 };
    let mut ratios = serde_json::Map::new();
    ratios.insert("read_xlsx_vs_calamine".into(), json!(ratio(read_xlsx.wall, floor_xlsx.wall)));
    ratios.insert("read_csv_vs_csv_crate".into(), json!(ratio(read_csv.wall, floor_csv.wall)));
    if let Some(p) = out["pandas"].as_object() {
        let pi = p.get("ingest_s").and_then(Value::as_f64).unwrap_or(0.0);
        let pall = p.get("total_s").and_then(Value::as_f64).unwrap_or(0.0);
        let ingest = stages.get("ingest").map_or(0.0, |s| s.wall);
        let all: f64 = stages.values().map(|s| s.wall).sum();
        // Speed ratios: how many times faster than the pandas script (> 1 is faster).
        ratios.insert("ingest_speed_vs_pandas".into(), json!(ratio(pi, ingest)));
        ratios.insert("ingest_to_diff_speed_vs_pandas".into(), json!(ratio(pall, all)));
    }
    out["ratios"] = Value::Object(ratios);
    out
}

/// Every source file of a workspace: (rel, path) of the files `ingest` would read.
fn source_files(cfg: &Config) -> Vec<(String, PathBuf)> {
    files_under(&cfg.root.join("sources"))
        .into_iter()
        .map(|p| (p.strip_prefix(&cfg.root).unwrap_or(&p).display().to_string(), p))
        .collect()
}

/// calamine's bare read of the files: every cell of every sheet visited.
fn calamine_floor(files: &[PathBuf]) -> Stage {
    use calamine::{Reader as _, open_workbook_auto};
    timed(|| {
        let (mut rows, mut cells) = (0u64, 0u64);
        for f in files {
            let Ok(mut wb) = open_workbook_auto(f) else { continue };
            for name in wb.sheet_names().to_vec() {
                if let Ok(range) = wb.worksheet_range(&name) {
                    rows += range.height() as u64;
                    cells += range.used_cells().count() as u64;
                }
            }
        }
        std::hint::black_box(cells);
        rows
    })
}

/// The `csv` crate's bare read of the files (`;` or `,`, as bytes: no decoding).
fn csv_floor(files: &[PathBuf]) -> Stage {
    timed(|| csv_rows(files))
}

fn csv_rows(files: &[PathBuf]) -> u64 {
    let mut rows = 0u64;
    let mut bytes = 0u64;
    for f in files {
        let Ok(data) = std::fs::read(f) else { continue };
        let first = data.split(|b| *b == b'\n').next().unwrap_or(&[]);
        let delim = if first.contains(&b';') { b';' } else { b',' };
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .has_headers(false)
            .from_reader(data.as_slice());
        let mut rec = csv::ByteRecord::new();
        while r.read_byte_record(&mut rec).unwrap_or(false) {
            rows += 1;
            bytes += rec.as_slice().len() as u64;
        }
    }
    std::hint::black_box(bytes);
    rows
}

/// `bench/region_pandas.py` over the workspaces, in a venv made once under target/.
fn pandas(list: &[PathBuf]) -> Value {
    let venv = root().join("target").join("bench-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map(|s| s.success());
        let ok = ok.unwrap_or(false)
            && Command::new(&python)
                .args(["-m", "pip", "install", "--quiet", "pandas", "python-calamine", "pyarrow"])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        if !ok {
            eprintln!("region bench: SKIPPED pandas — the venv or its packages could not be installed");
            let _ = std::fs::remove_dir_all(&venv);
            return json!({"skipped": "venv or pip install failed"});
        }
    }
    let listing = std::env::temp_dir().join(format!("rollout-region-{}.txt", std::process::id()));
    std::fs::write(
        &listing,
        list.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let out = Command::new(&python)
        .arg(root().join("bench").join("region_pandas.py"))
        .arg(&listing)
        .output();
    let _ = std::fs::remove_file(&listing);
    match out {
        Ok(o) if o.status.success() => serde_json::from_slice(&o.stdout).unwrap_or_else(|e| json!({"error": e.to_string()})),
        Ok(o) => {
            eprintln!("region bench: the pandas script failed: {}", String::from_utf8_lossy(&o.stderr));
            json!({"error": String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or("").to_string()})
        }
        Err(e) => json!({"error": e.to_string()}),
    }
}

/// `rollout letters --all` in each workspace (writes under its out/): wall, CPU of the
/// children, the largest child's peak RSS, files and bytes written.
fn letters(list: &[PathBuf], exe: &Path) -> Value {
    let (t, c) = (Instant::now(), cpu_seconds());
    let mut failed = 0;
    for ws in list {
        let ok = Command::new(exe)
            .args(["letters", "--all", "--quiet"])
            .current_dir(ws)
            .env("ROLLOUT_TODAY", "2026-11-22")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map(|s| s.code().unwrap_or(9) <= 1)
            .unwrap_or(false);
        failed += usize::from(!ok);
    }
    let (mut files, mut bytes) = (0u64, 0u64);
    for ws in list {
        for p in files_under(&ws.join("out").join("letters")) {
            files += 1;
            bytes += std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        }
    }
    json!({
        "wall_s": round(t.elapsed().as_secs_f64()),
        "cpu_s": round(cpu_seconds() - c),
        "child_peak_rss_mib": children_peak_mib().round(),
        "files": files,
        "bytes": bytes,
        "failed_workspaces": failed,
    })
}

fn main() {
    let a = args();
    let region = region(&a);
    let all = workspaces(&region);
    assert!(!all.is_empty(), "no workspaces in {}", region.display());
    let mut points = Vec::new();
    for &n in &a.points {
        let list = &all[..n.min(all.len())];
        eprintln!("region bench: {} organisations…", list.len());
        let p = run_point(list, &a);
        print_point(&p);
        points.push(p);
    }
    // Growth exponents between consecutive points, by students.
    let mut growth = Vec::new();
    for w in points.windows(2) {
        let (x0, x1) = (w[0]["students"].as_f64().unwrap_or(1.0), w[1]["students"].as_f64().unwrap_or(1.0));
        let mut e = serde_json::Map::new();
        for stage in ["ingest", "roster", "match", "diff"] {
            let (y0, y1) = (
                w[0]["stages"][stage]["wall_s"].as_f64().unwrap_or(0.0),
                w[1]["stages"][stage]["wall_s"].as_f64().unwrap_or(0.0),
            );
            if y0 > 0.0 && y1 > 0.0 && x1 > x0 {
                e.insert(stage.into(), json!(((y1 / y0).ln() / (x1 / x0).ln() * 100.0).round() / 100.0));
            }
        }
        eprintln!("growth exponents {} → {} students: {}", x0, x1, Value::Object(e.clone()));
        growth.push(json!({"from_students": x0, "to_students": x1, "exponents": e}));
    }
    let region_run = if a.region_run {
        let cold = region_run(&region, &all, true);
        eprintln!("rollout region run (cold: no kept matches): {cold}");
        let warm = region_run(&region, &all, false);
        eprintln!("rollout region run again (nothing changed: matches kept by the last run): {warm}");
        json!({"cold": cold, "warm": warm})
    } else {
        Value::Null
    };
    let single = single(&a);
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let result = json!({
        "bench": "region",
        "label": a.label,
        "commit": commit,
        "seed": a.seed,
        "machine": common::machine(),
        "points": points,
        "growth": growth,
        "single": single,
        "region_run": region_run,
        "targets": {
            "all_stages_wall_s": 30, "peak_rss_gib": 6, "match_and_diff_wall_s": 5,
            "read_xlsx_vs_calamine": 1.25, "read_csv_vs_csv_crate": 2.0,
            "ingest_speed_vs_pandas": 1.0, "ingest_to_diff_speed_vs_pandas": 3.0,
            "growth_exponent_max": "n log n",
        },
    });
    let path = root().join("bench").join("results").join(format!("region-{}.json", a.label));
    std::fs::write(&path, serde_json::to_string_pretty(&result).unwrap()).unwrap();
    eprintln!("written: {}", path.display());
}

/// `rollout region run` over the whole region (the binary, its own process, `--jobs` by
/// the cores): wall, CPU and peak RSS of that process (its reader children are separate
/// processes, counted in CPU only as they are waited), and what its summary counted.
/// `cold`: each workspace's kept matches are forgotten first, so matching is measured.
fn region_run(region: &Path, all: &[PathBuf], cold: bool) -> Value {
    if cold {
        for ws in all {
            let cfg = Config::load(&ws.join("rollout.toml")).expect("config");
            rollout::state::Store::open(&cfg.root)
                .expect("state store")
                .forget_matches()
                .expect("state store");
        }
    }
    let out = target_dir().join("bench-region").join("region-out");
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_rollout"));
    let t = Instant::now();
    // waited by wait4 below, for its rusage (Child::wait would not give it)
    #[allow(clippy::zombie_processes)]
    let child = Command::new(&exe)
        .args(["region", "run", "--quiet", "--out"])
        .arg(&out)
        .arg(region)
        .env("ROLLOUT_TODAY", "2026-11-22")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("rollout region run");
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the child is ours and waited exactly once, here.
    unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
    let wall = t.elapsed().as_secs_f64();
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    let summary: Value = std::fs::read(out.join("region.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let t = &summary["totals"];
    json!({
        "wall_s": round(wall),
        "cpu_s": round(secs(ru.ru_utime) + secs(ru.ru_stime)),
        "peak_rss_mib": (ru.ru_maxrss as f64 / 1024.0).round(),
        "exit_code": if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 },
        "organisations": t["organisations"],
        "failed": t["failed"],
        "students": t["roster"]["students"],
        "parents": t["roster"]["parents"],
        "members": t["members"],
        "parquet_bytes": files_under(&out.join("parquet")).iter().map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).sum::<u64>(),
    })
}

fn print_point(p: &Value) {
    eprintln!(
        "{} organisations: {} students, {} parents, {} staff, {} members",
        p["organisations"], p["students"], p["parents"], p["staff"], p["members"]
    );
    for stage in ["ingest", "roster", "match", "diff"] {
        let s = &p["stages"][stage];
        eprintln!(
            "  {stage:<8} {:>9.3} s  cpu {:>9.3} s  {:>10} rows/s",
            s["wall_s"].as_f64().unwrap_or(0.0),
            s["cpu_s"].as_f64().unwrap_or(0.0),
            s["rows_per_s"]
        );
    }
    eprintln!(
        "  run      {:>9.3} s  peak {} MiB",
        p["run"]["wall_s"].as_f64().unwrap_or(0.0),
        p["run"]["peak_rss_mib"]
    );
    eprintln!(
        "  read xlsx {:.3} s vs calamine {:.3} s; read csv {:.3} s vs csv crate {:.3} s",
        p["read_xlsx_isolated"]["wall_s"].as_f64().unwrap_or(0.0),
        p["floor_calamine_xlsx"]["wall_s"].as_f64().unwrap_or(0.0),
        p["read_csv_isolated"]["wall_s"].as_f64().unwrap_or(0.0),
        p["floor_csv_crate"]["wall_s"].as_f64().unwrap_or(0.0)
    );
    eprintln!("  pandas: {}", p["pandas"]);
    eprintln!("  letters: {}", p["letters"]);
    eprintln!("  ratios: {}", p["ratios"]);
}
