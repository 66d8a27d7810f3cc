//! `planted.json`: what was planted, recorded while planting.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct Defect {
    pub rule: String,
    pub file: String,
    pub sheet: String,
    pub cell: String,
    pub found: String,
    pub note: String,
}

#[derive(Serialize)]
pub struct Planted {
    pub seed: u64,
    pub scale: u32,
    /// Problems the tool must report, per rule (only rules with at least one).
    pub counts: BTreeMap<String, u32>,
    pub defects: Vec<Defect>,
    /// Who is on the roster files: (students, parents, staff); not in planted.json.
    #[serde(skip)]
    pub roster: (usize, usize, usize),
}

impl Planted {
    pub fn new(seed: u64, scale: u32) -> Planted {
        Planted {
            seed,
            scale,
            counts: BTreeMap::new(),
            defects: Vec::new(),
            roster: (0, 0, 0),
        }
    }

    /// One defect = one problem the tool must report.
    pub fn add(&mut self, rule: &str, file: &str, sheet: &str, cell: &str, found: String, note: &str) {
        *self.counts.entry(rule.to_string()).or_insert(0) += 1;
        self.defects.push(Defect {
            rule: rule.to_string(),
            file: file.to_string(),
            sheet: sheet.to_string(),
            cell: cell.to_string(),
            found,
            note: note.to_string(),
        });
    }
}
