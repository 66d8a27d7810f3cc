//! rollout-gen: writes the sample workspaces (college, school, kindergarten) with
//! planted defects, deterministically from a seed.

mod big;
mod college;
mod common;
mod date;
mod kindergarten;
mod names;
mod planted;
mod platform;
mod region;
mod rng;
mod school;
mod table;
mod world;
mod write;
mod year;

use anyhow::{Context, Result, bail};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
rollout-gen: write the sample workspaces of rollout (fictional people, planted defects)

Usage: rollout-gen [--out DIR] [--seed N] [--scale N] [--year N] [--only college|school|kindergarten]
       rollout-gen region --out DIR [--orgs N] [--seed N] [--threads N]
       rollout-gen big --out DIR [--students N] [--seed N]

  --out DIR     where the workspaces go (default: samples)
  --seed N      the seed; the same seed and scale give byte-identical files (default: 42)
  --scale N     multiply the number of groups and students (default: 1)
  --year N      the same seed N school years later (default 0: the committed samples;
                any other year needs --out);
                the school goes on any number of years, the college and the
                kindergarten up to N = 1 so far;
                year.json beside planted.json says what changed since year N-1
  --only NAME   write one sample only

  region        a region: one workspace per organisation under DIR (DIR/0001-school/ …,
                each like a sample: rollout.toml, sources/, platform/ when on the platform),
                with DIR/region.json (each organisation's profile and counts, the totals)
                and DIR/region.toml (the workspaces); the mix of a real region: schools of
                300–1,500 students, colleges with branches, kindergartens, houses of
                creativity (profile supplementary), about half on the platform;
                --orgs 1000 (the default) is about 1 M students; rosters in .xlsx, .csv,
                .ods and HTML (no python3 needed); --threads defaults to every core

  big           ONE large college-like organisation of N students (default 100000), written
                twice with the same people: DIR/csv/ (sources/Контингент.csv and
                Родители.csv, UTF-8 with «;») and DIR/xlsx/ (the same as .xlsx); both
                with a small staff list, rollout.toml (four branches) and a platform
                snapshot; DIR/big.json has the counts

Examples:
  rollout-gen --out samples --seed 42 --scale 1
  rollout-gen --out /tmp/bench --scale 200 --only college
  rollout-gen --out /tmp/next --year 1 --only school
  rollout-gen region --out /tmp/region --orgs 1000 --seed 42
  rollout-gen big --out /tmp/big --students 100000

Writing the staff list (.xls, BIFF8) needs python3 with the xlwt module (pip install xlwt).";

struct Args {
    out: PathBuf,
    seed: u64,
    scale: u32,
    year: u32,
    only: Option<String>,
}

fn parse_args() -> Result<Option<Args>> {
    let mut args = Args {
        out: PathBuf::from("samples"),
        seed: 42,
        scale: 1,
        year: 0,
        only: None,
    };
    let mut out_given = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match a.as_str() {
            "--out" => {
                args.out = PathBuf::from(value("--out")?);
                out_given = true;
            }
            "--seed" => args.seed = value("--seed")?.parse().context("--seed must be a whole number")?,
            "--scale" => {
                args.scale = value("--scale")?.parse().context("--scale must be a whole number")?;
                if args.scale == 0 {
                    bail!("--scale must be at least 1");
                }
            }
            "--year" => args.year = value("--year")?.parse().context("--year must be a whole number")?,
            "--only" => {
                let v = value("--only")?;
                if !SAMPLES.contains(&v.as_str()) {
                    bail!("--only: unknown sample {v:?} (college, school or kindergarten)");
                }
                args.only = Some(v);
            }
            "-h" | "--help" => {
                print_usage();
                return Ok(None);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    if args.year > 0 && !out_given {
        bail!("--year {} needs --out DIR: the committed samples are year 0", args.year);
    }
    Ok(Some(args))
}

const SAMPLES: [&str; 3] = ["college", "school", "kindergarten"];

/// Replace `final_dir` by the finished `staging` directory, but never delete a directory
/// we did not make.
fn replace_dir(staging: &Path, final_dir: &Path) -> Result<()> {
    if final_dir.exists() {
        if !final_dir.join("planted.json").exists() {
            bail!(
                "{} exists and is not a generated sample (no planted.json): not touching it",
                final_dir.display()
            );
        }
        std::fs::remove_dir_all(final_dir).with_context(|| format!("removing {}", final_dir.display()))?;
    }
    std::fs::rename(staging, final_dir).with_context(|| format!("moving the sample into {}", final_dir.display()))?;
    Ok(())
}

fn run(args: &Args) -> Result<()> {
    for name in SAMPLES {
        if args.only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let started = Instant::now();
        let final_dir = args.out.join(name);
        if final_dir.exists() && !final_dir.join("planted.json").exists() {
            bail!(
                "{} exists and is not a generated sample (no planted.json): not touching it",
                final_dir.display()
            );
        }
        // build beside the target and swap it in at the end: a failure (python3 or xlwt
        // missing, a full disk) leaves the previous sample as it was
        let staging = args.out.join(format!(".{name}.partial"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
        }
        std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
        let built = match name {
            "college" => college::build(args.seed, args.scale, args.year, &staging).map(|(p, s)| (p, Some(s))),
            "school" => school::build(args.seed, args.scale, args.year, &staging).map(|(p, s)| (p, Some(s))),
            _ => kindergarten::build(args.seed, args.scale, args.year, &staging).map(|p| (p, None)),
        }
        .with_context(|| format!("building the {name} sample"));
        let (planted, platform) = match built {
            Ok(p) => p,
            Err(e) => {
                std::fs::remove_dir_all(&staging).ok();
                return Err(e);
            }
        };
        let mut json = serde_json::to_string_pretty(&planted)?;
        json.push('\n');
        std::fs::write(staging.join("planted.json"), json)?;
        replace_dir(&staging, &final_dir)?;
        let total: u32 = planted.counts.values().sum();
        eprintln!(
            "{name}: {} problems planted ({} rules) in {} ({:.2} s)",
            total,
            planted.counts.len(),
            final_dir.display(),
            started.elapsed().as_secs_f64()
        );
        if let Some(s) = platform {
            eprintln!(
                "{name}: platform snapshot: {} chats, {} members, {} accounts; {:.1} % of students and {:.1} % of parents in their chats",
                s.chats,
                s.members,
                s.accounts,
                100.0 * s.students_seated as f64 / s.students.max(1) as f64,
                100.0 * s.parents_seated as f64 / s.parents.max(1) as f64
            );
        }
    }
    Ok(())
}

struct RegionArgs {
    out: PathBuf,
    seed: u64,
    orgs: usize,
    threads: usize,
}

/// The `--flag value` pairs of a subcommand (`None` for `--help`): each flag one of
/// `known`, `--out` required.
fn flag_values(args: impl Iterator<Item = String>, cmd: &str, known: &[&str]) -> Result<Option<HashMap<String, String>>> {
    let mut flags = HashMap::new();
    let mut it = args;
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                print_usage();
                return Ok(None);
            }
            flag if known.contains(&flag) => {
                let value = it.next().with_context(|| format!("{flag} needs a value"))?;
                flags.insert(flag.to_string(), value);
            }
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    if !flags.contains_key("--out") {
        bail!("{cmd} needs --out DIR");
    }
    Ok(Some(flags))
}

/// A whole number of at least 1 given as `name`, or `default`.
fn at_least_one(flags: &HashMap<String, String>, name: &str, default: usize) -> Result<usize> {
    let Some(v) = flags.get(name) else { return Ok(default) };
    let n: usize = v.parse().with_context(|| format!("{name} must be a whole number"))?;
    if n == 0 {
        bail!("{name} must be at least 1");
    }
    Ok(n)
}

/// `--seed`, or 42.
fn seed_flag(flags: &HashMap<String, String>) -> Result<u64> {
    flags
        .get("--seed")
        .map_or(Ok(42), |v| v.parse().context("--seed must be a whole number"))
}

fn parse_region_args(args: impl Iterator<Item = String>) -> Result<Option<RegionArgs>> {
    let Some(f) = flag_values(args, "region", &["--out", "--seed", "--orgs", "--threads"])? else {
        return Ok(None);
    };
    Ok(Some(RegionArgs {
        out: PathBuf::from(&f["--out"]),
        seed: seed_flag(&f)?,
        orgs: at_least_one(&f, "--orgs", 1000)?,
        threads: at_least_one(&f, "--threads", std::thread::available_parallelism().map_or(1, |n| n.get()))?,
    }))
}

fn run_region(r: &RegionArgs) -> Result<()> {
    let started = Instant::now();
    let c = region::write(&r.out, r.seed, r.orgs, r.threads)?;
    eprintln!(
        "region: {} organisations in {}: {} students, {} parents, {} staff, {} platform members ({:.1} s)",
        r.orgs,
        r.out.display(),
        c.students,
        c.parents,
        c.staff,
        c.members,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

struct BigArgs {
    out: PathBuf,
    seed: u64,
    students: usize,
}

fn parse_big_args(args: impl Iterator<Item = String>) -> Result<Option<BigArgs>> {
    let Some(f) = flag_values(args, "big", &["--out", "--seed", "--students"])? else {
        return Ok(None);
    };
    Ok(Some(BigArgs {
        out: PathBuf::from(&f["--out"]),
        seed: seed_flag(&f)?,
        students: at_least_one(&f, "--students", 100_000)?,
    }))
}

fn run_big(r: &BigArgs) -> Result<()> {
    let started = Instant::now();
    let c = big::write(&r.out, r.seed, r.students)?;
    eprintln!(
        "big: one organisation in {}: {} students in {} groups, {} parents, {} staff, {} distinct names; platform: {} chats, {} members ({:.1} s)",
        r.out.display(),
        c.students,
        c.groups,
        c.parents,
        c.staff,
        c.distinct_names,
        c.chats,
        c.members,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("big") {
        let result = parse_big_args(std::env::args().skip(2)).and_then(|r| match r {
            Some(r) => run_big(&r),
            None => Ok(()),
        });
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rollout-gen: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if std::env::args().nth(1).as_deref() == Some("region") {
        let result = parse_region_args(std::env::args().skip(2)).and_then(|r| match r {
            Some(r) => run_region(&r).map(|_| true),
            None => Ok(false),
        });
        return match result {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rollout-gen: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollout-gen: {e:#}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollout-gen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The usage text on stdout; a closed pipe (`rollout-gen --help | head`) is not an error.
fn print_usage() {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{USAGE}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xlwt_available() -> bool {
        std::process::Command::new("python3")
            .args(["-c", "import xlwt"])
            .status()
            .is_ok_and(|s| s.success())
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

    /// Same seed and scale: byte-identical workspaces (the college needs python3 + xlwt).
    #[test]
    fn same_seed_same_bytes() {
        let base = std::env::temp_dir().join(format!("rollout-gen-det-{}", std::process::id()));
        let only = if xlwt_available() { None } else { Some("school".to_string()) };
        let mut trees = Vec::new();
        for i in 0..2 {
            let out = base.join(i.to_string());
            run(&Args {
                out: out.clone(),
                seed: 7,
                scale: 2,
                year: 0,
                only: only.clone(),
            })
            .expect("generate");
            trees.push(read_tree(&out));
        }
        assert!(!trees[0].is_empty());
        assert!(trees[0] == trees[1], "two runs with one seed differ");
        std::fs::remove_dir_all(base).ok();
    }

    /// `--year 1`: byte-identical too, `year.json` included; and refused beyond the years a
    /// sample can go.
    #[test]
    fn year_one_same_seed_same_bytes() {
        let base = std::env::temp_dir().join(format!("rollout-gen-det-year-{}", std::process::id()));
        let samples: &[&str] = if xlwt_available() {
            &["school", "college", "kindergarten"]
        } else {
            &["school", "kindergarten"]
        };
        for &sample in samples {
            let mut trees = Vec::new();
            for i in 0..2 {
                let out = base.join(format!("{sample}-{i}"));
                run(&Args {
                    out: out.clone(),
                    seed: 7,
                    scale: 2,
                    year: 1,
                    only: Some(sample.to_string()),
                })
                .expect("generate");
                trees.push(read_tree(&out));
            }
            assert!(trees[0].iter().any(|(p, _)| p.ends_with("year.json")), "{sample}");
            assert!(trees[0] == trees[1], "two runs of year 1 with one seed differ ({sample})");
            assert!(
                !trees[0].iter().any(|(p, _)| p.to_string_lossy().contains(".year")),
                "the year before is built aside and removed ({sample})"
            );
        }
        assert!(
            run(&Args {
                out: base.join("kg"),
                seed: 7,
                scale: 1,
                year: 2,
                only: Some("kindergarten".to_string()),
            })
            .is_err(),
            "the kindergarten goes up to year 1"
        );
        std::fs::remove_dir_all(base).ok();
    }

    #[test]
    fn counts_match_defects() {
        let base = std::env::temp_dir().join(format!("rollout-gen-counts-{}", std::process::id()));
        let dir = base.join("kindergarten");
        std::fs::create_dir_all(&dir).expect("dir");
        let planted = kindergarten::build(1, 1, 0, &dir).expect("build");
        let total: u32 = planted.counts.values().sum();
        assert_eq!(total as usize, planted.defects.len());
        assert_eq!(planted.counts.get("student-without-parents"), Some(&1));
        std::fs::remove_dir_all(base).ok();
    }
}
