//! The roster from the workspace's sources: read every source (isolated, budgeted), build
//! the roster, and gather every problem in reading order.

use super::{BranchResolver, BuildContext, Roster};
use crate::config::Config;
use crate::human::timing;
use crate::ingest::{self, ReadMode};
use crate::problem::{Problem, Rule, Severity};
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
    /// Files read only in part — a damaged CSV read line by line, or a file none of whose
    /// sheets had a header — with the branch their problems name: people may be missing
    /// from them, so nobody in their branch is taken for a leaver.
    pub partly_read: Vec<PartlyRead>,
    /// Files not read at all — listed in `[[sources]]` but missing, unreadable, over the
    /// budget — with their branch: the people in them look exactly like leavers, so nobody
    /// in their branch is removed as one (`changes::safety::hold_partly_read`).
    pub unread: Vec<PartlyRead>,
}

/// A source read only in part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartlyRead {
    pub file: String,
    /// None: the branch could not be told (every branch is concerned).
    pub branch: Option<String>,
    pub rule: Rule,
}

impl Loaded {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity() == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
    /// Whether every source was read whole: only such a roster is recorded in the history,
    /// pins ids, or tells who left.
    pub fn complete(&self) -> bool {
        self.unreadable == 0 && self.sheets > 0 && self.partly_read.is_empty()
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
    let partly_read = partly_read(&ing, &problems);
    let mut unread: Vec<PartlyRead> = Vec::new();
    for p in problems
        .iter()
        .filter(|p| matches!(p.rule, Rule::FileUnreadable | Rule::FileOverBudget))
    {
        if !unread.iter().any(|u| u.file == p.location.file) {
            unread.push(PartlyRead {
                file: p.location.file.clone(),
                branch: (!p.branch.is_empty()).then(|| p.branch.clone()),
                rule: p.rule,
            });
        }
    }
    let sources = ing.sources.iter().map(|s| (s.rel.clone(), s.path.clone())).collect();
    Loaded {
        unlisted: ing.unlisted.clone(),
        sources,
        roster,
        problems,
        files: ing.sources.len() + ing.missing,
        sheets: ing.sheets.len(),
        unreadable: ing.unreadable,
        partly_read,
        unread,
    }
}

/// The sources read in part: a damaged CSV (read line by line, rows may be lost), or a
/// readable file none of whose sheets had a header (nothing of it was read).
fn partly_read(ing: &ingest::Ingested, problems: &[Problem]) -> Vec<PartlyRead> {
    let mut out: Vec<PartlyRead> = Vec::new();
    for (i, s) in ing.sources.iter().enumerate() {
        let of_file = |rule: Rule| problems.iter().find(|p| p.rule == rule && p.location.file == s.rel);
        let read_sheets = ing.sheets.iter().any(|sh| sh.source == i);
        let found = of_file(Rule::CsvMalformed).or_else(|| of_file(Rule::HeaderNotFound).filter(|_| !read_sheets));
        if let Some(p) = found {
            out.push(PartlyRead {
                file: s.rel.clone(),
                branch: (!p.branch.is_empty()).then(|| p.branch.clone()),
                rule: p.rule,
            });
        }
    }
    out
}
