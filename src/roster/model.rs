//! The clean roster: people, groups, guardians, staff roles.

use crate::normalize::names::PersonName;
use crate::problem::{Location, Rule};
use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum PersonKind {
    Student,
    Parent,
    Staff,
}

impl PersonKind {
    pub fn code(self) -> &'static str {
        match self {
            PersonKind::Student => "student",
            PersonKind::Parent => "parent",
            PersonKind::Staff => "staff",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupRef {
    pub branch: String,
    pub group: String,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub kind: PersonKind,
    pub name: PersonName,
    pub birth_date: Option<NaiveDate>,
    /// Students: their groups' branches; parents: their children's; staff: where they work.
    pub branches: Vec<String>,
    /// Students only.
    pub groups: Vec<GroupRef>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Salted hash; the clear СНИЛС is never kept.
    pub snils_hash: Option<String>,
    pub login: Option<String>,
    pub external_id: Option<String>,
    /// Where the person was found (the name cells).
    pub found_at: Vec<Location>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub branch: String,
    pub name: String,
    pub course: Option<String>,
    pub curator_ids: Vec<String>,
    /// Where the group was first seen.
    pub found_at: Location,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Guardian {
    pub student_id: String,
    pub parent_id: String,
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StaffRole {
    pub person_id: String,
    pub branch: String,
    pub position: String,
    pub curated_groups: Vec<String>,
}

/// One line of the teaching load: a staff member teaches `subject` in a roster group.
#[derive(Debug, Clone, PartialEq)]
pub struct Teaching {
    pub person_id: String,
    pub branch: String,
    pub group: String,
    /// As the load names it, spaces cleaned («Физика», «МДК 01.01 Разработка модулей»).
    pub subject: String,
    /// Hours (a week or a year, as the file gives them); `None` when not given.
    pub hours: Option<f64>,
}

/// Where the load has lines that could not be resolved (an unknown teacher or group): who
/// teaches there is not known in full, so nobody there is taken for a teacher who left.
/// `None` stands for every branch or every group of the branch.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct LoadGap {
    pub branch: Option<String>,
    pub group: Option<String>,
}

impl LoadGap {
    pub fn covers(&self, branch: &str, group: &str) -> bool {
        self.branch.as_deref().is_none_or(|b| b == branch) && self.group.as_deref().is_none_or(|g| g == group)
    }
}

/// A record left out for a data error: later stages must never act on its absence
/// (a dropped student is reviewed, not removed).
#[derive(Debug, Clone)]
pub struct Dropped {
    pub kind: PersonKind,
    pub rule: Rule,
    pub name: Option<PersonName>,
    pub branch: Option<String>,
    pub group: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub people: Vec<Person>,
    pub groups: Vec<Group>,
    pub guardians: Vec<Guardian>,
    pub staff_roles: Vec<StaffRole>,
    /// The teaching load, sorted by branch, group, subject, person; empty without a
    /// `teaching` source.
    pub teaching: Vec<Teaching>,
    /// This build's load lines that could not be resolved (not recorded in the history).
    pub load_gaps: Vec<LoadGap>,
    pub dropped: Vec<Dropped>,
}

impl Roster {
    pub fn count(&self, kind: PersonKind) -> usize {
        self.people.iter().filter(|p| p.kind == kind).count()
    }

    pub fn count_in_branch(&self, kind: PersonKind, branch: &str) -> usize {
        self.people
            .iter()
            .filter(|p| p.kind == kind && p.branches.iter().any(|b| b == branch))
            .count()
    }
}
