//! What every pass of the roster build shares: the context it runs in, and the one sink of
//! what it finds wrong (so problems keep the order in which the passes meet them).

use super::model::*;
use crate::config::{Config, SourceKind};
use crate::ingest::Ingested;
use crate::ingest::layout::{CellRef, RawRecord, Value};
use crate::normalize::names::PersonName;
use crate::problem::{Location, Problem, Rule};
use chrono::NaiveDate;
use std::sync::Arc;

pub struct BuildContext<'a> {
    pub cfg: &'a Config,
    /// Workspace secret for ids and СНИЛС hashes.
    pub salt: &'a [u8],
    pub today: NaiveDate,
}

/// What the passes found wrong: problems for the report, and records left out.
#[derive(Debug, Default)]
pub(super) struct Findings {
    pub problems: Vec<Problem>,
    pub dropped: Vec<Dropped>,
}

impl Findings {
    pub fn problem(&mut self, rule: Rule, loc: Location, branch: Option<&str>, found: impl Into<String>, fix: impl Into<String>) {
        self.push(Problem::new(rule, loc, found, fix), branch);
    }

    pub fn push(&mut self, mut problem: Problem, branch: Option<&str>) {
        if let Some(b) = branch {
            problem.branch = b.to_string();
        }
        self.problems.push(problem);
    }

    /// A record left out for `rule`.
    pub fn leave_out(&mut self, kind: PersonKind, rule: Rule, name: Option<PersonName>, branch: Option<String>, location: Location) {
        self.dropped.push(Dropped {
            kind,
            rule,
            name,
            branch,
            group: None,
            location,
        });
    }
}

/// A place in the sources as every record keeps it: the sheet's index in
/// `Ingested::sheets` and the cell, twelve bytes where a [`Location`] is three strings (the
/// file's path among them). Spelled out only when a problem or a person needs it.
#[derive(Debug, Clone)]
pub(super) enum Spot {
    Cell {
        sheet: u32,
        at: CellRef,
    },
    /// A group row's place or a whole sheet: shared by every record under it.
    Whole(Arc<Location>),
}

impl Spot {
    pub fn cell(sheet: usize, at: CellRef) -> Spot {
        Spot::Cell {
            sheet: u32::try_from(sheet).unwrap_or(u32::MAX),
            at,
        }
    }

    pub fn location(&self, ing: &Ingested) -> Location {
        match self {
            Spot::Cell { sheet, at } => ing.location(&ing.sheets[*sheet as usize], at),
            Spot::Whole(loc) => (**loc).clone(),
        }
    }
}

/// The person a record is about, from one «ФИО» cell or three.
pub(super) fn name_of(rec: &RawRecord) -> Option<PersonName> {
    if let Some(f) = rec.fio() {
        return PersonName::parse_fio(&f.text());
    }
    let t = |v: Option<&Value>| v.map(|v| v.text()).unwrap_or_default();
    PersonName::from_parts(&t(rec.surname()), &t(rec.first_name()), &t(rec.patronymic()))
}

pub(super) fn kind_of(k: SourceKind) -> PersonKind {
    match k {
        SourceKind::Students => PersonKind::Student,
        SourceKind::Parents => PersonKind::Parent,
        SourceKind::Staff | SourceKind::Teaching => PersonKind::Staff,
    }
}
