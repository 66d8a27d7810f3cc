//! Pass 2: every resolved record's values parsed (names, dates, phones, e-mails, СНИЛС,
//! groups by the branch majority) into observations of students, parents and staff.

use super::chunks;
use super::context::{BuildContext, Findings, Spot, kind_of, name_of};
use super::model::PersonKind;
use super::sources::Resolved;
use crate::config::SourceKind;
use crate::ingest::layout::{CellRef, Value};
use crate::ingest::table::Cell;
use crate::ingest::{Ingested, IngestedSheet};
use crate::normalize::fields::{self as parse_field, DateCell, Invalid};
use crate::normalize::names::PersonName;
use crate::problem::{Location, Rule};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// One record's parsed values, located, before merging.
#[derive(Debug, Clone)]
pub(super) struct Observation {
    pub kind: PersonKind,
    pub name: PersonName,
    pub key: String,
    pub birth: Option<NaiveDate>,
    /// Whether any birth-date cell was filled (a bad date is not a missing one).
    pub birth_given: bool,
    pub branch: String,
    pub group: Option<String>,
    pub course: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub snils: Option<String>,
    pub login: Option<String>,
    pub id: Option<String>,
    pub position: Option<String>,
    pub curates: Vec<String>,
    pub relation: Option<String>,
    /// Parents' rows: the child.
    pub child: Option<Box<Observation>>,
    /// The cell that names the person.
    pub loc: Spot,
    pub source: usize,
    /// From a student list (not a child seen in a parents' export).
    pub from_list: bool,
    /// Where the group is named for this record (a cell, a group row, or the sheet).
    pub group_loc: Option<Spot>,
    /// The birth-date cell of the row, filled or not.
    pub birth_at: Option<Spot>,
}

/// The observations of one build, by kind, in the order of the sources.
pub(super) struct Observations {
    pub students: Vec<Observation>,
    pub parents: Vec<Observation>,
    pub staff: Vec<Observation>,
}

/// Takes the records out of `resolved`: each raw record is dropped once it is parsed.
pub(super) fn parse(ctx: &BuildContext<'_>, ing: &Ingested, resolved: &mut Resolved<'_>, found: &mut Findings) -> Observations {
    let records = std::mem::take(&mut resolved.records);
    let namer = &resolved.namer;
    // Rows whose branch cannot be told, per sheet: (rows, first name cell, groups named).
    let mut branchless: BTreeMap<(usize, String), (usize, Location, BTreeSet<String>)> = BTreeMap::new();
    // Exact capacities: an observation is some 440 bytes, and a vector grown by doubling
    // would leave up to half of 700,000 of them unused.
    let count = |k: SourceKind| records.iter().filter(|r| r.kind == k).count();
    let mut out = Observations {
        students: Vec::with_capacity(count(SourceKind::Students)),
        parents: Vec::with_capacity(count(SourceKind::Parents)),
        staff: Vec::with_capacity(count(SourceKind::Staff)),
    };
    // The records in pieces, each freed once parsed, so the records and the observations
    // made of them are not both held whole.
    for p in chunks::cut(records).into_iter().flatten() {
        let rec = &p.rec;
        let sheet = p.sheet;
        let name_spot = Spot::cell(p.sheet_index, rec.name_at());
        let Some(branch) = p.branch.clone() else {
            let name_loc = name_spot.location(ing);
            let entry = branchless
                .entry((sheet.source, sheet.sheet.clone()))
                .or_insert_with(|| (0, name_loc.clone(), BTreeSet::new()));
            entry.0 += 1;
            if let Some((g, _)) = &p.raw_group {
                entry.2.insert(g.clone());
            }
            found.leave_out(kind_of(p.kind), Rule::UnknownBranch, name_of(rec), None, name_loc);
            continue;
        };
        let Some(name) = name_of(rec) else {
            let name_loc = name_spot.location(ing);
            found.problem(
                Rule::MissingName,
                name_loc.clone(),
                Some(&branch),
                "",
                "ФИО не читается; впишите фамилию и имя",
            );
            found.leave_out(kind_of(p.kind), Rule::MissingName, None, Some(branch), name_loc);
            continue;
        };
        let group = p.raw_group.as_ref().map(|(g, _)| namer.canonical(&branch, g));
        let course = rec
            .course()
            .map(|v| v.text())
            .or_else(|| rec.group_context.as_ref().and_then(|g| g.course.clone()));
        let mut cells = Cells {
            ing,
            sheet,
            branch: &branch,
            found,
        };
        let mut obs = Observation {
            kind: kind_of(p.kind),
            key: name.key(),
            name,
            birth: None,
            birth_given: false,
            branch: branch.clone(),
            group,
            course,
            phone: None,
            email: None,
            snils: None,
            login: rec.login().map(|v| v.text()),
            id: rec.id().map(|v| v.text()),
            position: rec.position().map(|v| v.text()),
            curates: Vec::new(),
            relation: rec.relation().map(|v| v.text()),
            child: None,
            loc: name_spot.clone(),
            source: sheet.source,
            from_list: true,
            group_loc: p.raw_group.as_ref().map(|(_, l)| l.clone()),
            birth_at: rec.birth_date_at.map(|a| Spot::cell(p.sheet_index, a)),
        };
        obs.phone = cells.parse(rec.phone(), parse_field::phone);
        obs.email = cells.parse(rec.email(), parse_field::email);
        match p.kind {
            SourceKind::Students => {
                (obs.birth, obs.birth_given) = cells.birth_date(rec.birth_date(), ctx.today);
                obs.snils = cells.parse(rec.snils(), |t| parse_field::snils_hash(t, ctx.salt));
                if obs.group.is_none() {
                    let name_loc = name_spot.location(ing);
                    found.problem(
                        Rule::MissingGroup,
                        name_loc.clone(),
                        Some(&branch),
                        obs.name.full(),
                        "группа не указана: добавьте столбец «Группа», строку «Группа …» над списком или назовите лист именем группы",
                    );
                    found.leave_out(
                        PersonKind::Student,
                        Rule::MissingGroup,
                        Some(obs.name.clone()),
                        Some(branch),
                        name_loc,
                    );
                    continue;
                }
                out.students.push(obs);
            }
            SourceKind::Parents => {
                let child_name = rec.child().and_then(|v| PersonName::parse_fio(&v.text()));
                let (birth, given) = cells.birth_date(rec.birth_date(), ctx.today);
                if let Some(cn) = child_name {
                    let child_loc = match rec.child() {
                        Some(v) => Spot::cell(p.sheet_index, v.at),
                        None => Spot::Whole(std::sync::Arc::new(ing.location(sheet, ""))),
                    };
                    let mut child = obs.clone();
                    child.kind = PersonKind::Student;
                    child.key = cn.key();
                    child.name = cn;
                    child.birth = birth;
                    child.birth_given = given;
                    child.phone = None;
                    child.email = None;
                    child.relation = None;
                    child.loc = child_loc;
                    child.from_list = false;
                    obs.child = Some(Box::new(child));
                }
                out.parents.push(obs);
            }
            SourceKind::Staff => {
                obs.curates = rec.curates().map(|v| parse_field::group_list(&v.text())).unwrap_or_default();
                obs.curates = obs.curates.iter().map(|g| namer.canonical(&branch, g)).collect();
                out.staff.push(obs);
            }
            // The load is resolved after the merge (`teaching::resolve`); none reach here.
            SourceKind::Teaching => {}
        }
    }

    let known: Vec<String> = ctx.cfg.branches.iter().map(|x| format!("«{}»", x.name)).collect();
    for ((_, _), (n, loc, groups)) in branchless {
        let groups_note = if groups.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = groups.iter().take(5).cloned().collect();
            format!("группы {} не найдены в списках обучающихся ни одного филиала; ", list.join(", "))
        };
        found.problem(Rule::UnknownBranch, loc, None, format!("строк без филиала: {n}"),
            format!("{groups_note}не понять, к какому филиалу относятся строки этого листа; укажите branch = \"…\" в [[sources]] для этого файла или добавьте столбец «Филиал» (известны {})", known.join(", ")));
    }
    out
}

/// The cells of one record: a value that does not parse is reported at its cell, in the
/// record's branch, and left out.
struct Cells<'c> {
    ing: &'c Ingested,
    sheet: &'c IngestedSheet,
    branch: &'c str,
    found: &'c mut Findings,
}

impl Cells<'_> {
    fn report(&mut self, invalid: Invalid, at: CellRef) {
        let problem = invalid.at(self.ing.location(self.sheet, at));
        self.found.push(problem, Some(self.branch));
    }

    fn parse(&mut self, v: Option<&Value>, parse: impl Fn(&str) -> Result<String, Invalid>) -> Option<String> {
        let v = v?;
        match parse(&v.text()) {
            Ok(x) => Some(x),
            Err(invalid) => {
                self.report(invalid, v.at);
                None
            }
        }
    }

    /// The date, and whether the cell was filled at all (a bad date is not a missing one).
    fn birth_date(&mut self, v: Option<&Value>, today: NaiveDate) -> (Option<NaiveDate>, bool) {
        let Some(v) = v else { return (None, false) };
        let cell = match &v.cell {
            Cell::Date(y, m, d) => DateCell::Date(*y, *m, *d),
            Cell::Number(n) => DateCell::Number(*n),
            Cell::Text(t) => DateCell::Text(t),
            _ => DateCell::Other,
        };
        match parse_field::birth_date(cell, || v.text(), today) {
            Ok(d) => (Some(d), true),
            Err(invalid) => {
                self.report(invalid, v.at);
                (None, true)
            }
        }
    }
}
