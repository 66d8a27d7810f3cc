//! The stages wired together for the commands: ingest → roster → problems, and the
//! terminal summary people read.

use crate::config::Config;
use crate::ingest::{self, ReadMode};
use crate::problem::{Problem, Severity};
use crate::roster::{self, BuildContext, PersonKind, Roster};
use anyhow::Context;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The workspace secret (`.rollout/salt`, owner-only) behind person ids and СНИЛС
/// hashes: ids are stable across runs in one workspace and reveal nothing outside it.
pub fn load_salt(root: &Path) -> anyhow::Result<Vec<u8>> {
    let dir = root.join(".rollout");
    let path = dir.join("salt");
    if let Ok(s) = std::fs::read(&path)
        && s.len() >= 16
    {
        return Ok(s);
    }
    crate::output::ensure_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut salt = vec![0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let hexed = hex::encode(&salt).into_bytes();
    crate::output::write_private(&path, &hexed).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(hexed)
}

/// "Today" for the organisation: `ROLLOUT_TODAY=YYYY-MM-DD` pins it (tests, replays).
pub fn today() -> NaiveDate {
    std::env::var("ROLLOUT_TODAY")
        .ok()
        .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive())
}

pub struct Outcome {
    pub roster: Roster,
    pub problems: Vec<Problem>,
    pub files: usize,
    pub sheets: usize,
    pub unreadable: usize,
}

impl Outcome {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity() == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
}

/// (row, col) of an A1 reference, for sorting problems in reading order.
fn a1_pos(cell: &str) -> (u64, u64) {
    let letters: String = cell.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let col = letters
        .chars()
        .fold(0u64, |acc, c| acc * 26 + (c.to_ascii_uppercase() as u64 - 'A' as u64 + 1));
    let row = cell[letters.len()..].parse().unwrap_or(0);
    (row, col)
}

pub fn ingest_and_build(cfg: &Config, mode: &ReadMode, progress: &indicatif::ProgressBar) -> anyhow::Result<Outcome> {
    let salt = load_salt(&cfg.root)?;
    let t = std::time::Instant::now();
    let ing = ingest::ingest(cfg, mode, progress);
    progress.finish_and_clear();
    timing("ingest", t);
    let ctx = BuildContext {
        cfg,
        salt: &salt,
        today: today(),
    };
    let t = std::time::Instant::now();
    let (roster, mut problems) = roster::build(&ctx, &ing);
    timing("roster", t);
    // File- and sheet-level problems carry the branch their [[sources]] entry names.
    let resolver = roster::BranchResolver::new(cfg);
    let file_branch: BTreeMap<&str, String> = ing
        .sources
        .iter()
        .filter_map(|s| Some((s.rel.as_str(), resolver.resolve(s.spec.as_ref()?.branch.as_deref()?)?)))
        .collect();
    problems.extend(ing.problems.iter().cloned().map(|mut p| {
        if p.branch.is_empty() {
            if let Some(b) = file_branch.get(p.location.file.as_str()) {
                p.branch = b.clone();
            }
        }
        p
    }));
    problems.sort_by_cached_key(|p| (p.location.file.clone(), p.location.sheet.clone(), a1_pos(&p.location.cell), p.rule));
    problems.dedup();
    Ok(Outcome {
        roster,
        problems,
        files: ing.sources.len(),
        sheets: ing.sheets.len(),
        unreadable: ing.unreadable,
    })
}

/// `ROLLOUT_TIMING=1` prints how long each stage took (no personal data) to stderr.
pub fn timing(stage: &str, since: std::time::Instant) {
    if std::env::var_os("ROLLOUT_TIMING").is_some() {
        eprintln!("timing: {stage} {:.3} s", since.elapsed().as_secs_f64());
    }
}

pub fn default_out(cfg: &Config, out: Option<&Path>) -> PathBuf {
    out.map(Path::to_path_buf).unwrap_or_else(|| cfg.root.join("out"))
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Prints a table with aligned columns.
pub fn print_table(w: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = widths.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(w, "  {}", line(header.iter().map(|s| s.to_string()).collect()))?;
    for r in rows {
        writeln!(w, "  {}", line(r.clone()))?;
    }
    Ok(())
}

pub fn print_roster_summary(w: &mut dyn Write, cfg: &Config, o: &Outcome) -> std::io::Result<()> {
    writeln!(
        w,
        "Прочитано файлов: {} (листов с данными: {}), не прочитано: {}",
        o.files, o.sheets, o.unreadable
    )?;
    let r = &o.roster;
    writeln!(
        w,
        "Реестр: {} {}, {} родителей, {} сотрудников, {} групп",
        r.count(PersonKind::Student),
        match cfg.organization.profile {
            crate::profile::Profile::Kindergarten => "воспитанников",
            crate::profile::Profile::School => "учеников",
            _ => "обучающихся",
        },
        r.count(PersonKind::Parent),
        r.count(PersonKind::Staff),
        r.groups.len()
    )?;
    if cfg.branches.len() > 1 {
        let rows: Vec<Vec<String>> = cfg
            .branches
            .iter()
            .map(|b| {
                vec![
                    b.name.clone(),
                    r.groups.iter().filter(|g| g.branch == b.name).count().to_string(),
                    r.count_in_branch(PersonKind::Student, &b.name).to_string(),
                    r.count_in_branch(PersonKind::Parent, &b.name).to_string(),
                    r.count_in_branch(PersonKind::Staff, &b.name).to_string(),
                ]
            })
            .collect();
        print_table(w, &["филиал", "групп", "обучающихся", "родителей", "сотрудников"], &rows)?;
    }
    Ok(())
}

pub fn print_problem_summary(w: &mut dyn Write, o: &Outcome, problems_path: &Path) -> std::io::Result<()> {
    if o.problems.is_empty() {
        writeln!(w, "Проблем не найдено.")?;
        return Ok(());
    }
    writeln!(
        w,
        "Проблемы: ошибок {}, предупреждений {} — подробно: {}",
        o.errors(),
        o.warnings(),
        problems_path.display()
    )?;
    let mut by: BTreeMap<(Severity, &'static str, String), usize> = BTreeMap::new();
    for p in &o.problems {
        *by.entry((p.severity(), p.rule.code(), p.branch.clone())).or_default() += 1;
    }
    let rows: Vec<Vec<String>> = by
        .into_iter()
        .map(|((sev, code, branch), n)| {
            let title = crate::problem::Rule::from_code(code).map(|r| r.title_ru()).unwrap_or("");
            vec![
                if sev == Severity::Error {
                    "ошибка".into()
                } else {
                    "предупр.".into()
                },
                code.to_string(),
                title.to_string(),
                if branch.is_empty() { "—".into() } else { branch },
                n.to_string(),
            ]
        })
        .collect();
    print_table(w, &["", "правило", "что это", "филиал", "число"], &rows)
}
