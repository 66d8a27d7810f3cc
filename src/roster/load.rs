//! The roster from the workspace's sources: read every source (isolated, budgeted), build
//! the roster, and gather every problem in reading order.

use super::{BranchResolver, BuildContext, Roster};
use crate::config::Config;
use crate::human::timing;
use crate::ingest::{self, ReadMode};
use crate::problem::{Problem, Severity};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The roster as built from the sources, with what was read and every problem found.
pub struct Loaded {
    /// The sources read, relative path and full path, for the change set's hash.
    pub sources: Vec<(String, PathBuf)>,
    /// Files under sources/ that [[sources]] does not list (not read).
    pub unlisted: Vec<String>,
    pub roster: Roster,
    pub problems: Vec<Problem>,
    pub files: usize,
    pub sheets: usize,
    pub unreadable: usize,
}

impl Loaded {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity() == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
    /// Whether nothing at all was there to read.
    pub fn no_sources(&self) -> bool {
        self.files == 0 && self.unlisted.is_empty()
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

/// Reads every source and builds the roster. `salt` is the workspace secret behind ids.
pub fn load(cfg: &Config, salt: &[u8], today: NaiveDate, mode: &ReadMode, progress: &indicatif::ProgressBar) -> Loaded {
    let t = std::time::Instant::now();
    let mut ing = ingest::ingest(cfg, mode, progress);
    progress.finish_and_clear();
    timing("ingest", t);
    let ctx = BuildContext { cfg, salt, today };
    let t = std::time::Instant::now();
    let (roster, mut problems) = super::build(&ctx, &mut ing);
    timing("roster", t);
    // File- and sheet-level problems carry the branch their [[sources]] entry names.
    let resolver = BranchResolver::new(cfg);
    let file_branch: BTreeMap<&str, String> = ing
        .sources
        .iter()
        .filter_map(|s| Some((s.rel.as_str(), resolver.resolve(s.spec.as_ref()?.branch.as_deref()?)?)))
        .collect();
    problems.extend(ing.problems.iter().cloned().map(|mut p| {
        if p.branch.is_empty()
            && let Some(b) = file_branch.get(p.location.file.as_str())
        {
            p.branch = b.clone();
        }
        p
    }));
    problems.sort_by_cached_key(|p| (p.location.file.clone(), p.location.sheet.clone(), a1_pos(&p.location.cell), p.rule));
    problems.dedup();
    let sources = ing.sources.iter().map(|s| (s.rel.clone(), s.path.clone())).collect();
    Loaded {
        unlisted: ing.unlisted.clone(),
        sources,
        roster,
        problems,
        files: ing.sources.len() + ing.missing,
        sheets: ing.sheets.len(),
        unreadable: ing.unreadable,
    }
}
