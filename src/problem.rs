//! Problems found in the sources: stable rule codes, severity, where, and the fix.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }

    /// The label for people (problems.xlsx, problems-excel.csv).
    pub fn ru(self) -> &'static str {
        match self {
            Severity::Error => "ошибка",
            Severity::Warning => "предупреждение",
        }
    }
}

/// Stable rule codes; `the README (Problem rules)` says what each means and how it is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Rule {
    FileUnreadable,
    FileOverBudget,
    FileEmpty,
    XlsIsHtml,
    EncodingUnclear,
    CsvMalformed,
    HeaderNotFound,
    ExtraCells,
    MissingName,
    MissingGroup,
    UnknownBranch,
    BadDate,
    BadPhone,
    BadEmail,
    BadSnils,
    DuplicatePerson,
    StudentInTwoGroups,
    MissingBirthDate,
    BirthDateConflict,
    GroupWithoutCurator,
    UnknownCurator,
    ParentWithoutContact,
    StudentWithoutParents,
    /// Teaching load: a teacher not among the staff.
    TeachingUnknownTeacher,
    /// Teaching load: a group not among the students' groups.
    TeachingUnknownGroup,
    /// Teaching load: a group's subject with no teacher (a vacancy or an empty cell).
    TeachingNoTeacher,
}

impl Rule {
    pub const ALL: [Rule; 26] = [
        Rule::FileUnreadable,
        Rule::FileOverBudget,
        Rule::FileEmpty,
        Rule::XlsIsHtml,
        Rule::EncodingUnclear,
        Rule::CsvMalformed,
        Rule::HeaderNotFound,
        Rule::ExtraCells,
        Rule::MissingName,
        Rule::MissingGroup,
        Rule::UnknownBranch,
        Rule::BadDate,
        Rule::BadPhone,
        Rule::BadEmail,
        Rule::BadSnils,
        Rule::DuplicatePerson,
        Rule::StudentInTwoGroups,
        Rule::MissingBirthDate,
        Rule::BirthDateConflict,
        Rule::GroupWithoutCurator,
        Rule::UnknownCurator,
        Rule::ParentWithoutContact,
        Rule::StudentWithoutParents,
        Rule::TeachingUnknownTeacher,
        Rule::TeachingUnknownGroup,
        Rule::TeachingNoTeacher,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::FileUnreadable => "file-unreadable",
            Rule::FileOverBudget => "file-over-budget",
            Rule::FileEmpty => "file-empty",
            Rule::XlsIsHtml => "xls-is-html",
            Rule::EncodingUnclear => "encoding-unclear",
            Rule::CsvMalformed => "csv-malformed",
            Rule::HeaderNotFound => "header-not-found",
            Rule::ExtraCells => "extra-cells",
            Rule::MissingName => "missing-name",
            Rule::MissingGroup => "missing-group",
            Rule::UnknownBranch => "unknown-branch",
            Rule::BadDate => "bad-date",
            Rule::BadPhone => "bad-phone",
            Rule::BadEmail => "bad-email",
            Rule::BadSnils => "bad-snils",
            Rule::DuplicatePerson => "duplicate-person",
            Rule::StudentInTwoGroups => "student-in-two-groups",
            Rule::MissingBirthDate => "missing-birth-date",
            Rule::BirthDateConflict => "birth-date-conflict",
            Rule::GroupWithoutCurator => "group-without-curator",
            Rule::UnknownCurator => "unknown-curator",
            Rule::ParentWithoutContact => "parent-without-contact",
            Rule::StudentWithoutParents => "student-without-parents",
            Rule::TeachingUnknownTeacher => "teaching-unknown-teacher",
            Rule::TeachingUnknownGroup => "teaching-unknown-group",
            Rule::TeachingNoTeacher => "teaching-no-teacher",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::FileUnreadable
            | Rule::FileOverBudget
            | Rule::HeaderNotFound
            | Rule::MissingName
            | Rule::MissingGroup
            | Rule::UnknownBranch
            | Rule::StudentInTwoGroups => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// Russian title for summaries people read.
    pub fn title_ru(self) -> &'static str {
        match self {
            Rule::FileUnreadable => "файл не читается",
            Rule::FileOverBudget => "файл превысил лимит памяти или времени",
            Rule::FileEmpty => "пустой файл",
            Rule::XlsIsHtml => ".xls на самом деле HTML",
            Rule::EncodingUnclear => "кодировка не определена уверенно",
            Rule::CsvMalformed => "повреждённый CSV",
            Rule::HeaderNotFound => "не найдена строка заголовков",
            Rule::ExtraCells => "данные правее заголовков",
            Rule::MissingName => "нет ФИО",
            Rule::MissingGroup => "не указана группа",
            Rule::UnknownBranch => "неизвестный филиал",
            Rule::BadDate => "неверная дата",
            Rule::BadPhone => "неверный телефон",
            Rule::BadEmail => "неверный e-mail",
            Rule::BadSnils => "неверный СНИЛС",
            Rule::DuplicatePerson => "повтор человека",
            Rule::StudentInTwoGroups => "обучающийся в двух группах",
            Rule::MissingBirthDate => "нет даты рождения",
            Rule::BirthDateConflict => "разные даты рождения",
            Rule::GroupWithoutCurator => "группа без куратора",
            Rule::UnknownCurator => "куратор не найден среди сотрудников",
            Rule::ParentWithoutContact => "у родителя нет контактов",
            Rule::StudentWithoutParents => "у обучающегося нет родителей",
            Rule::TeachingUnknownTeacher => "учитель из нагрузки не найден среди сотрудников",
            Rule::TeachingUnknownGroup => "группа из нагрузки не найдена в списках",
            Rule::TeachingNoTeacher => "у предмета нет учителя",
        }
    }

    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where in the sources a problem or a value comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// Path relative to the workspace, with `/`.
    pub file: String,
    pub sheet: String,
    /// A1 reference, empty for a whole sheet or file.
    pub cell: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub rule: Rule,
    pub location: Location,
    pub branch: String,
    /// The offending value as found (may be personal data: files only, never logs).
    pub found: String,
    /// What to do about it, in Russian.
    pub fix: String,
}

impl Problem {
    pub fn new(rule: Rule, location: Location, found: impl Into<String>, fix: impl Into<String>) -> Self {
        // Hostile files carry control characters; a report must stay plain text.
        let found: String = found.into().chars().filter(|c| !c.is_control() || *c == ' ').collect();
        Problem {
            rule,
            location,
            branch: String::new(),
            found,
            fix: fix.into(),
        }
    }

    pub fn in_branch(mut self, branch: &str) -> Self {
        self.branch = branch.to_string();
        self
    }

    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_the_docs() {
        let doc = include_str!("../README.md");
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
            let row = format!("| `{}` | {} |", r.code(), r.severity().as_str());
            assert!(doc.contains(&row), "README.md lacks the row for {}", r.code());
        }
    }
}
