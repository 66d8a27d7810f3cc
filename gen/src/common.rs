//! Pieces every sample uses: parents' exports, contacts as written, defects' values.

use crate::date::Date;
use crate::names::Person;
use crate::rng::Rng;
use crate::table::{Mark, Row, RowKind, Sheet, V};
use crate::world::World;
use std::collections::{HashMap, HashSet};

/// How a workspace differs from the committed sample (the region's organisations); the
/// default is the sample itself.
#[derive(Clone, Debug, Default)]
pub struct Variant {
    /// The organisation's name (None: the sample's own).
    pub org: Option<String>,
    /// The profile written to rollout.toml (None: the sample's own).
    pub profile: Option<&'static str>,
    /// Write the college's staff list as .xlsx, not as BIFF8 .xls (which needs python3
    /// per workspace).
    pub no_xls: bool,
    /// No platform snapshot: the organisation is not on the platform yet.
    pub no_platform: bool,
}

impl Variant {
    pub fn org<'a>(&'a self, sample: &'a str) -> &'a str {
        self.org.as_deref().unwrap_or(sample)
    }

    /// How many staff to hire on top of the `have` a sample's staff list holds: `percent`
    /// of them in a region's organisation (a school of 1,000 students has ≈80–90 staff
    /// with the support staff), none in a committed sample (its bytes stay as they are).
    pub fn extra_staff(&self, have: usize, percent: usize) -> usize {
        if self.org.is_some() { (have * percent + 50) / 100 } else { 0 }
    }
}

/// Positions of the extra staff of a region's organisation: none of them teaches a
/// subject of the load or leads a class.
pub const SUPPORT_STAFF: &[&str] = &[
    "педагог дополнительного образования",
    "педагог-библиотекарь",
    "учитель-логопед",
    "учитель-дефектолог",
    "тьютор",
    "советник директора по воспитанию",
    "лаборант",
    "секретарь учебной части",
    "заведующий хозяйством",
    "инженер-программист",
];

/// Phones no checker accepts (too few digits), as people mistype them.
pub const BAD_PHONES: &[&str] = &["12-34-56", "8 (912) 345-67-8", "+7 (912) 34", "912-45", "8 800 55", "+7 9"];
/// E-mail addresses no checker accepts.
pub const BAD_EMAILS: &[&str] = &["petrova.mail.ru", "ivanov@@yandex.ru", "sidorov@mail,ru", "anna petrova@gmail.com"];

/// A phone as a cell: digits-only notations are sometimes typed as numbers.
pub fn phone_cell(rng: &mut Rng, phone: &Option<String>) -> V {
    match phone {
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) && rng.percent(25) => V::Int(p.parse().expect("digits")),
        other => V::opt(other.clone()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PCol {
    Num,
    Child,
    Birth,
    Group,
    Branch,
    Parent,
    Relation,
    Phone,
    Email,
}

/// What goes into a parents' export besides the families themselves.
#[derive(Default)]
pub struct ParentMarks {
    /// (family, parent index) → cell-level defects, put on every row of that parent.
    pub cells: HashMap<(usize, usize), Vec<(PCol, Mark)>>,
    /// (family, parent index) → person-level defects, put on that parent's first row.
    pub person: HashMap<(usize, usize), Vec<Mark>>,
    /// (student, parent index) whose row is listed twice (the copy is a duplicate).
    pub duplicate: HashSet<(usize, usize)>,
}

/// One row per (child, parent), children in the order given.
#[allow(clippy::too_many_arguments)]
pub fn parent_rows(
    world: &World,
    rng: &mut Rng,
    sheet: &mut Sheet,
    cols: &[PCol],
    students: &[usize],
    date_cells: bool,
    marks: &ParentMarks,
    mut group_text: impl FnMut(&mut Rng, usize) -> String,
    mut branch_text: impl FnMut(&mut Rng, usize) -> String,
) {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut n = 0;
    for &s in students {
        let st = &world.students_list[s];
        let fam = &world.families[st.family];
        for (pi, parent) in fam.parents.iter().enumerate() {
            let copies = if marks.duplicate.contains(&(s, pi)) { 2 } else { 1 };
            for copy in 0..copies {
                n += 1;
                let mut cells = Vec::new();
                for col in cols {
                    cells.push(match col {
                        PCol::Num => V::Int(n),
                        PCol::Child => V::text(st.p.full()),
                        PCol::Birth => birth_value(st.birth, date_cells),
                        PCol::Group => V::text(group_text(rng, s)),
                        PCol::Branch => V::text(branch_text(rng, s)),
                        PCol::Parent => V::text(parent.p.full()),
                        PCol::Relation => V::text(parent.relation),
                        PCol::Phone => phone_cell(rng, &parent.phone),
                        PCol::Email => V::opt(parent.email.clone()),
                    });
                }
                let mut row = Row::new(RowKind::Data, cells);
                let key = (st.family, pi);
                if copy == 0 {
                    if let Some(ms) = marks.cells.get(&key) {
                        for (col, m) in ms {
                            let c = cols.iter().position(|x| x == col).expect("marked column present");
                            row.mark_cell(c, m.clone());
                        }
                    }
                    if seen.insert(key) {
                        for m in marks.person.get(&key).into_iter().flatten() {
                            row.mark_row(m.clone());
                        }
                    }
                } else {
                    row.mark_row(Mark::new(
                        "duplicate-person",
                        "the same parent row for the same child listed again right below",
                    ));
                }
                sheet.push(row);
            }
        }
    }
}

pub fn birth_value(d: Date, date_cells: bool) -> V {
    if date_cells { V::Date(d) } else { V::text(d.dmy()) }
}

/// Pick a student of `group` fit for a planted defect: an only child (so their parents
/// are on one row each), with at least one parent, not used for another defect.
pub fn pick_plain(world: &World, rng: &mut Rng, students: &[usize], used: &mut HashSet<usize>) -> usize {
    let start = rng.below(students.len());
    for k in 0..students.len() {
        let s = students[(start + k) % students.len()];
        let fam = &world.families[world.students_list[s].family];
        if fam.children.len() == 1 && !fam.parents.is_empty() && !used.contains(&s) {
            used.insert(s);
            return s;
        }
    }
    panic!("no plain student left in a group");
}

/// Sort a group's students as rosters are: alphabetically.
pub fn sort_students(world: &World, students: &mut [usize]) {
    students.sort_by_cached_key(|&s| {
        let st = &world.students_list[s];
        (st.p.key(), st.birth)
    });
}

/// ALL CAPS, as some registrars type.
pub fn caps(p: &Person) -> String {
    p.full().to_uppercase()
}

/// One row of a single-site staff list.
pub struct StaffEntry {
    pub p: Person,
    pub position: String,
    /// The group (class) they lead, or empty.
    pub group: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
