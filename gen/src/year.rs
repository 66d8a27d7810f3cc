//! `--year N`: the same seed N school years later, and `year.json`, the truth of the change.
//!
//! Year 0 is the committed sample. Year N is built from the very same draws — the same
//! pupils, families and staff — and then moved on N Septembers, each step from a stream of
//! its own (`<sample>/year<k>`), so year 0 never changes:
//!
//! - every class advances a form (`5А` → `6А`); the last form (11) graduates and is gone;
//!   a new first-form class with new pupils (and their parents) takes the graduated
//!   class's letter (`11А` → `1А`);
//! - ONE class is split in two halves (alphabetically: the first half keeps the name, the
//!   second gets the first free letter of its new form: `7А` → `8А` + `8Б`);
//! - ONE class is renamed as it advances (`9А` → `10Т`, a profile class);
//! - a few pupils leave (one in each of 2·scale classes) and a few arrive (2·scale, in
//!   classes that are not new);
//! - people keep their names, birth dates, phones and e-mails, so `rollout`'s ids (name +
//!   birth date for students, name + contact for parents) match across the years; the
//!   staff keep their names too (a class teacher follows their class; the teacher of the
//!   graduated class takes the new first form; a split half gets a new class teacher).
//!
//! Planted problems are planted again wherever they left with a graduate, so
//! `planted.json`'s counts hold for every year.
//!
//! The platform snapshot of year N is the snapshot of year N−1 unchanged: the platform does
//! not change by itself in September, its chats still carry last year's titles — which is
//! what `rollout rollover` renames.
//!
//! `year.json` (for the rollover tests): see [`YearTruth`]. Person records there are
//! `{surname, first_name, patronymic, birth_date}` spelled as in the sources (ISO date).

use crate::date::Date;
use crate::names::Person;
use serde::Serialize;

/// A pupil as `year.json` lists them.
#[derive(Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PersonOut {
    pub surname: String,
    pub first_name: String,
    pub patronymic: String,
    pub birth_date: String,
}

impl PersonOut {
    pub fn new(p: &Person, birth: Date) -> PersonOut {
        PersonOut {
            surname: p.surname.clone(),
            first_name: p.first.clone(),
            patronymic: p.patronymic.clone(),
            birth_date: format!("{:04}-{:02}-{:02}", birth.y, birth.m, birth.d),
        }
    }
}

/// How a group of last year became this year's.
#[derive(Serialize, Clone, Debug)]
pub struct Mapping {
    pub old: String,
    /// This year's group(s): one, two for the split class, none for a graduated one.
    pub new: Vec<String>,
    /// `advanced` (the rule: next form, same letter), `renamed` (advanced under another
    /// name than the rule gives), `split`, `graduated`.
    pub how: &'static str,
}

#[derive(Serialize, Clone, Debug)]
pub struct GroupPeople {
    pub group: String,
    pub students: Vec<PersonOut>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Renamed {
    pub old: String,
    /// The name the rule would give (`10А`).
    pub expected: String,
    pub new: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct Split {
    pub old: String,
    pub into: Vec<String>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Moved {
    /// Last year's group (leavers) or this year's (arrivals).
    pub group: String,
    pub student: PersonOut,
}

/// Staff: the same people, who leads which class now.
#[derive(Serialize, Clone, Debug, Default)]
pub struct StaffChange {
    /// Staff of last year not on this year's list (by full name).
    pub left: Vec<String>,
    /// Staff on this year's list who were not on last year's (by full name).
    pub arrived: Vec<String>,
    /// Class teachers: class → full name, this year.
    pub class_teachers: Vec<(String, String)>,
}

/// `year.json`: one step, from year `year - 1` to `year`.
#[derive(Serialize, Clone, Debug)]
pub struct YearTruth {
    pub seed: u64,
    pub scale: u32,
    pub year: u32,
    /// «2026/27» → «2027/28»: the school years of the step.
    pub from_school_year: String,
    pub to_school_year: String,
    /// Every group of last year, in last year's order.
    pub mapping: Vec<Mapping>,
    pub graduated: Vec<GroupPeople>,
    /// New first-form groups with all their pupils.
    pub new_groups: Vec<GroupPeople>,
    pub renamed: Renamed,
    pub split: Split,
    pub leavers: Vec<Moved>,
    pub arrivals: Vec<Moved>,
    pub staff: StaffChange,
}

/// «2026/27» for year 0 plus `year`.
pub fn school_year(year: u32) -> String {
    let y = 2026 + year as i32;
    format!("{y}/{:02}", (y + 1).rem_euclid(100))
}

/// «5А» → (5, «А»); «5-1» → (5, «-1»).
pub fn split_form(name: &str) -> Option<(u32, String)> {
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    let form = digits.parse().ok()?;
    Some((form, name[digits.len()..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_years() {
        assert_eq!(split_form("11А"), Some((11, "А".to_string())));
        assert_eq!(split_form("5-2"), Some((5, "-2".to_string())));
        assert_eq!(split_form("А"), None);
        assert_eq!(school_year(0), "2026/27");
        assert_eq!(school_year(1), "2027/28");
    }
}
