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
    /// The branch (college); `null` at a single site.
    pub branch: Option<String>,
    pub old: String,
    /// This year's group(s): one, two for the split class, none for a graduated one.
    pub new: Vec<String>,
    /// `advanced` (the rule: the school's next form with the same letter; the college's
    /// same code, next course), `renamed` (advanced under another name than the rule
    /// gives), `split`, `graduated`.
    pub how: &'static str,
}

#[derive(Serialize, Clone, Debug)]
pub struct GroupPeople {
    pub branch: Option<String>,
    pub group: String,
    pub students: Vec<PersonOut>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Renamed {
    pub branch: Option<String>,
    pub old: String,
    /// The name the rule would give (`10А`).
    pub expected: String,
    pub new: String,
}

#[derive(Serialize, Clone, Debug)]
pub struct Split {
    pub branch: Option<String>,
    pub old: String,
    pub into: Vec<String>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Moved {
    pub branch: Option<String>,
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
    /// The one group renamed (the school: a class that became a profile class; the
    /// college: «ИС-24-1» → «ИСП-24-1»).
    pub renamed: Option<Renamed>,
    /// The one class split in two (the school; the college has none).
    pub split: Option<Split>,
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
pub mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Group → its pupils («Фамилия Имя Отчество», ISO birth date).
    pub type Roster = BTreeMap<String, BTreeSet<(String, String)>>;

    fn key(p: &serde_json::Value) -> (String, String) {
        let s = |k: &str| p[k].as_str().expect(k).to_string();
        (format!("{} {} {}", s("surname"), s("first_name"), s("patronymic")), s("birth_date"))
    }

    fn people(v: &serde_json::Value) -> BTreeSet<(String, String)> {
        v.as_array().expect("a list").iter().map(key).collect()
    }

    /// Year 1 (`y1`) against year 0 (`y0`) and `year.json` (`truth`): every pupil who
    /// neither graduates nor leaves is in the group the mapping names (`rule` gives the
    /// name of an advanced group), graduates are on no list, a split class's halves cover
    /// it, every other pupil of year 1 is a new group's or an arrival, and `year.json`
    /// names every group of year 1.
    pub fn check_step(y0: &Roster, y1: &Roster, truth: &serde_json::Value, scale: u32, rule: impl Fn(&str) -> String) {
        assert_eq!(truth["year"], 1);
        let leavers: BTreeSet<(String, String)> = truth["leavers"]
            .as_array()
            .expect("leavers")
            .iter()
            .map(|m| key(&m["student"]))
            .collect();
        assert_eq!(leavers.len(), 2 * scale as usize);
        for m in truth["leavers"].as_array().expect("leavers") {
            assert!(y0[m["group"].as_str().expect("group")].contains(&key(&m["student"])), "{m}");
        }
        let mapping = truth["mapping"].as_array().expect("mapping");
        assert_eq!(
            mapping
                .iter()
                .map(|m| m["old"].as_str().expect("old").to_string())
                .collect::<BTreeSet<_>>(),
            y0.keys().cloned().collect(),
            "the mapping covers last year's groups"
        );
        let mut graduated_seen = 0;
        let mut from_last_year: BTreeSet<(String, String)> = BTreeSet::new();
        for m in mapping {
            let old = m["old"].as_str().expect("old");
            let new: Vec<&str> = m["new"]
                .as_array()
                .expect("new")
                .iter()
                .map(|n| n.as_str().expect("name"))
                .collect();
            match m["how"].as_str().expect("how") {
                "graduated" => {
                    graduated_seen += 1;
                    assert!(new.is_empty());
                    let g = truth["graduated"]
                        .as_array()
                        .expect("graduated")
                        .iter()
                        .find(|g| g["group"] == old)
                        .expect("the graduated group listed");
                    assert_eq!(people(&g["students"]), y0[old], "{old}: all its pupils graduate");
                    for pupil in &y0[old] {
                        assert!(y1.values().all(|c| !c.contains(pupil)), "a graduate of {old} is still on a list");
                    }
                }
                how => {
                    let stay: BTreeSet<_> = y0[old].difference(&leavers).cloned().collect();
                    let mut covered = BTreeSet::new();
                    for n in &new {
                        let here: BTreeSet<_> = y1[*n].intersection(&y0[old]).cloned().collect();
                        assert!(!here.is_empty(), "{old} → {n}: nobody of {old} there");
                        covered.extend(here);
                    }
                    assert_eq!(covered, stay, "{old} → {new:?}: every pupil who stays, and only they");
                    from_last_year.extend(stay);
                    let rule = rule(old);
                    match how {
                        "advanced" => assert_eq!(new, [rule.as_str()]),
                        "renamed" => {
                            assert_ne!(new, [rule.as_str()]);
                            assert_eq!(truth["renamed"]["old"], old);
                            assert_eq!(truth["renamed"]["expected"], rule.as_str());
                            assert_eq!(truth["renamed"]["new"], new[0]);
                        }
                        "split" => {
                            assert_eq!(new.len(), 2);
                            assert_eq!(new[0], rule, "the first half keeps the name");
                            assert_eq!(truth["split"]["old"], old);
                            let halves: Vec<usize> = new.iter().map(|n| y1[*n].intersection(&y0[old]).count()).collect();
                            assert!(halves[0].abs_diff(halves[1]) <= 2, "halves {halves:?}");
                        }
                        other => panic!("unknown mapping {other}"),
                    }
                }
            }
        }
        assert_eq!(graduated_seen, truth["graduated"].as_array().expect("graduated").len());
        assert!(graduated_seen >= 1);
        let renamed = mapping.iter().filter(|m| m["how"] == "renamed").count();
        assert_eq!(renamed, usize::from(truth["renamed"].is_object()));
        assert!(mapping.iter().filter(|m| m["how"] == "split").count() <= 1);
        // everyone else in year 1 is a new group's pupil or an arrival, as year.json says
        let mut new_people: BTreeSet<(String, String)> = BTreeSet::new();
        for g in truth["new_groups"].as_array().expect("new groups") {
            let name = g["group"].as_str().expect("group");
            assert_eq!(people(&g["students"]), y1[name], "{name}: only new pupils");
            new_people.extend(people(&g["students"]));
        }
        for m in truth["arrivals"].as_array().expect("arrivals") {
            assert!(y1[m["group"].as_str().expect("group")].contains(&key(&m["student"])), "{m}");
            new_people.insert(key(&m["student"]));
        }
        assert_eq!(truth["arrivals"].as_array().expect("arrivals").len(), 2 * scale as usize);
        let all1: BTreeSet<_> = y1.values().flatten().cloned().collect();
        assert_eq!(all1.difference(&from_last_year).cloned().collect::<BTreeSet<_>>(), new_people);
        let mut names1: BTreeSet<String> = mapping
            .iter()
            .flat_map(|m| m["new"].as_array().expect("new").iter())
            .map(|n| n.as_str().expect("name").to_string())
            .collect();
        names1.extend(
            truth["new_groups"]
                .as_array()
                .expect("new groups")
                .iter()
                .map(|g| g["group"].as_str().expect("g").to_string()),
        );
        assert_eq!(names1, y1.keys().cloned().collect(), "year.json names every group of year 1");
    }

    #[test]
    fn forms_and_years() {
        assert_eq!(split_form("11А"), Some((11, "А".to_string())));
        assert_eq!(split_form("5-2"), Some((5, "-2".to_string())));
        assert_eq!(split_form("А"), None);
        assert_eq!(school_year(0), "2026/27");
        assert_eq!(school_year(1), "2027/28");
    }
}
