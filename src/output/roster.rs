//! The roster and problem files (`OUT/roster/*.csv`, `roster.xlsx`, `problems.csv/xlsx`).

use super::xlsx::{Book, SheetData, XlsxFailure, workbook_bytes};
use super::{csv_bytes, ensure_dir, excel_csv_bytes, write_csv, write_private, write_private_with};
use crate::problem::Problem;
use crate::roster::{PersonKind, Roster};
use anyhow::Context;
use std::path::Path;

pub const PEOPLE_HEADER: [&str; 10] = [
    "person_id",
    "kind",
    "surname",
    "first_name",
    "patronymic",
    "birth_date",
    "branch",
    "group",
    "phone",
    "email",
];
pub const GROUPS_HEADER: [&str; 4] = ["branch", "group", "curator_id", "course"];
pub const GUARDIANS_HEADER: [&str; 3] = ["student_id", "parent_id", "relation"];
pub const STAFF_ROLES_HEADER: [&str; 4] = ["person_id", "branch", "position", "curated_groups"];
pub const TEACHING_HEADER: [&str; 5] = ["person_id", "branch", "group", "subject", "hours"];
pub const PROBLEMS_HEADER: [&str; 8] = ["rule", "severity", "file", "sheet", "cell", "branch", "found", "fix"];

/// Hours as the load gave them: «5», «2.5»; empty when not given.
pub fn hours_text(hours: Option<f64>) -> String {
    match hours {
        Some(h) if h.fract() == 0.0 && h.abs() < 1e15 => format!("{}", h as i64),
        Some(h) => format!("{h}"),
        None => String::new(),
    }
}

/// teaching.csv's rows: person ids only, no names.
fn teaching_rows(roster: &Roster) -> Vec<Vec<String>> {
    roster
        .teaching
        .iter()
        .map(|t| {
            vec![
                t.person_id.clone(),
                t.branch.clone(),
                t.group.clone(),
                t.subject.clone(),
                hours_text(t.hours),
            ]
        })
        .collect()
}

fn kind_ru(k: PersonKind) -> &'static str {
    match k {
        PersonKind::Student => "обучающийся",
        PersonKind::Parent => "родитель",
        PersonKind::Staff => "сотрудник",
    }
}

/// people.csv's rows, made one at a time.
pub fn people_rows(roster: &Roster) -> impl Iterator<Item = Vec<String>> + '_ {
    roster.people.iter().map(|p| {
        vec![
            p.id.clone(),
            p.kind.code().into(),
            p.name.surname.clone(),
            p.name.first_name.clone(),
            p.name.patronymic.clone(),
            p.birth_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            p.branches.join("|"),
            p.groups.iter().map(|g| g.group.clone()).collect::<Vec<_>>().join("|"),
            p.phone.clone().unwrap_or_default(),
            p.email.clone().unwrap_or_default(),
        ]
    })
}

/// groups.csv's rows.
pub fn groups_rows(roster: &Roster) -> Vec<Vec<String>> {
    roster
        .groups
        .iter()
        .map(|g| {
            vec![
                g.branch.clone(),
                g.name.clone(),
                g.curator_ids.join("|"),
                g.course.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// guardians.csv's rows.
pub fn guardians_rows(roster: &Roster) -> Vec<Vec<String>> {
    roster
        .guardians
        .iter()
        .map(|g| vec![g.student_id.clone(), g.parent_id.clone(), g.relation.clone()])
        .collect()
}

/// staff_roles.csv's rows.
pub fn staff_roles_rows(roster: &Roster) -> Vec<Vec<String>> {
    roster
        .staff_roles
        .iter()
        .map(|r| {
            vec![
                r.person_id.clone(),
                r.branch.clone(),
                r.position.clone(),
                r.curated_groups.join("|"),
            ]
        })
        .collect()
}

pub fn write_roster(out: &Path, roster: &Roster, branches: &[String]) -> anyhow::Result<()> {
    let dir = out.join("roster");
    ensure_dir(out).with_context(|| format!("не удалось создать папку {}", out.display()))?;
    ensure_dir(&dir).with_context(|| format!("не удалось создать папку {}", dir.display()))?;
    // Build everything first, then write: an error leaves the previous files whole. A
    // workbook that cannot be built does not keep the CSV files from being written. The
    // workbook comes first, so its rows are made and freed before the CSV files are.
    let xlsx = roster_xlsx(&dir.join("roster.xlsx"), roster, branches);
    // Each table's text made at once, so its rows (one String per cell) are freed before
    // the next is built; people.csv's rows are made one at a time and written as they are
    // made (its text is 100 MB for 700,000 people), into a temporary file renamed into
    // place only when it is complete.
    let groups = groups_rows(roster);
    let guardians = guardians_rows(roster);
    let roles = staff_roles_rows(roster);
    let people = dir.join("people.csv");
    write_private_with(&people, |w| write_csv(w, &PEOPLE_HEADER, people_rows(roster)))
        .with_context(|| format!("не удалось записать {}", people.display()))?;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("groups.csv", csv_bytes(&GROUPS_HEADER, &groups)),
        ("guardians.csv", csv_bytes(&GUARDIANS_HEADER, &guardians)),
        ("staff_roles.csv", csv_bytes(&STAFF_ROLES_HEADER, &roles)),
        ("teaching.csv", csv_bytes(&TEACHING_HEADER, teaching_rows(roster))),
    ];
    write_all(&dir, files, vec![("roster.xlsx", xlsx)])
}

/// Writes `files`, then each workbook that could be built; a workbook that could not is
/// the error returned after everything else is written.
pub(crate) fn write_all(dir: &Path, files: Vec<(&str, Vec<u8>)>, books: Vec<(&str, Result<Vec<u8>, XlsxFailure>)>) -> anyhow::Result<()> {
    for (name, bytes) in files {
        let path = dir.join(name);
        write_private(&path, &bytes).with_context(|| format!("не удалось записать {}", path.display()))?;
    }
    let mut failed = None;
    for (name, book) in books {
        match book {
            Ok(bytes) => {
                let path = dir.join(name);
                write_private(&path, &bytes).with_context(|| format!("не удалось записать {}", path.display()))?;
            }
            Err(e) => failed = failed.or(Some(e)),
        }
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

fn roster_xlsx(file: &Path, roster: &Roster, branches: &[String]) -> Result<Vec<u8>, XlsxFailure> {
    // A class teacher must see whose parent a row is; only the names of students who have
    // a parent are needed.
    let with_parents: std::collections::HashSet<&str> = roster.guardians.iter().map(|g| g.student_id.as_str()).collect();
    let names: std::collections::HashMap<&str, String> = roster
        .people
        .iter()
        .filter(|p| with_parents.contains(p.id.as_str()))
        .map(|p| (p.id.as_str(), p.name.full()))
        .collect();
    drop(with_parents);
    let mut children: std::collections::HashMap<&str, Vec<String>> = Default::default();
    for g in &roster.guardians {
        if let Some(n) = names.get(g.student_id.as_str()) {
            children.entry(g.parent_id.as_str()).or_default().push(n.clone());
        }
    }
    drop(names);
    let header: Vec<String> = [
        "ID",
        "Кто",
        "Фамилия",
        "Имя",
        "Отчество",
        "Дата рождения",
        "Группа",
        "Телефон",
        "E-mail",
        "Филиалы",
        "Дети",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // One branch's rows at a time: made, added to the workbook, freed.
    let mut book = Book::new(file)?;
    for b in branches {
        let sheet = SheetData {
            name: b.clone(),
            header: header.clone(),
            rows: roster
                .people
                .iter()
                .filter(|p| p.branches.contains(b))
                .map(|p| {
                    vec![
                        p.id.clone(),
                        kind_ru(p.kind).into(),
                        p.name.surname.clone(),
                        p.name.first_name.clone(),
                        p.name.patronymic.clone(),
                        p.birth_date.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default(),
                        p.groups
                            .iter()
                            .filter(|g| &g.branch == b)
                            .map(|g| g.group.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                        p.phone.clone().unwrap_or_default(),
                        p.email.clone().unwrap_or_default(),
                        p.branches.join(", "),
                        children.get(p.id.as_str()).map(|c| c.join(", ")).unwrap_or_default(),
                    ]
                })
                .collect(),
        };
        book.add(&sheet)?;
    }
    if !roster.teaching.is_empty() {
        book.add(&teaching_sheet(roster))?;
    }
    book.finish()
}

/// The «Нагрузка» sheet: who teaches what where, with the teacher's name for people.
fn teaching_sheet(roster: &Roster) -> SheetData {
    let teachers: std::collections::HashSet<&str> = roster.teaching.iter().map(|t| t.person_id.as_str()).collect();
    let names: std::collections::HashMap<&str, String> = roster
        .people
        .iter()
        .filter(|p| teachers.contains(p.id.as_str()))
        .map(|p| (p.id.as_str(), p.name.full()))
        .collect();
    SheetData {
        name: "Нагрузка".into(),
        header: ["Филиал", "Группа", "Предмет", "Учитель", "ID учителя", "Часы"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: roster
            .teaching
            .iter()
            .map(|t| {
                vec![
                    t.branch.clone(),
                    t.group.clone(),
                    t.subject.clone(),
                    names.get(t.person_id.as_str()).cloned().unwrap_or_default(),
                    t.person_id.clone(),
                    hours_text(t.hours),
                ]
            })
            .collect(),
    }
}

fn problem_rows(problems: &[Problem]) -> Vec<Vec<String>> {
    problems
        .iter()
        .map(|p| {
            vec![
                p.rule.code().into(),
                p.severity().as_str().into(),
                p.location.file.clone(),
                p.location.sheet.clone(),
                p.location.cell.clone(),
                p.branch.clone(),
                p.found.clone(),
                p.fix.clone(),
            ]
        })
        .collect()
}

pub fn write_problems(out: &Path, problems: &[Problem]) -> anyhow::Result<()> {
    ensure_dir(out).with_context(|| format!("не удалось создать папку {}", out.display()))?;
    let rows = problem_rows(problems);
    let csv = csv_bytes(&PROBLEMS_HEADER, &rows);
    // The files for people show the severity in Russian; problems.csv keeps its codes.
    let ru_rows: Vec<Vec<String>> = problems
        .iter()
        .zip(&rows)
        .map(|(p, r)| {
            let mut r = r.clone();
            r[1] = p.severity().ru().to_string();
            r
        })
        .collect();
    let ru_header = [
        "Правило",
        "Серьёзность",
        "Файл",
        "Лист",
        "Ячейка",
        "Филиал",
        "Найдено",
        "Что сделать",
    ];
    let excel_csv = excel_csv_bytes(&ru_header, &ru_rows);
    let mut by_rule: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for p in problems {
        *by_rule.entry((p.rule.code().to_string(), p.branch.clone())).or_default() += 1;
    }
    let summary = SheetData {
        name: "Сводка".into(),
        header: vec![
            "Правило".into(),
            "Что это".into(),
            "Серьёзность".into(),
            "Филиал".into(),
            "Сколько".into(),
        ],
        rows: by_rule
            .iter()
            .map(|((rule, branch), n)| {
                let r = crate::problem::Rule::from_code(rule);
                vec![
                    rule.clone(),
                    r.map(|r| r.title_ru()).unwrap_or("").into(),
                    r.map(|r| r.severity().ru()).unwrap_or("").into(),
                    branch.clone(),
                    n.to_string(),
                ]
            })
            .collect(),
    };
    let list = SheetData {
        name: "Проблемы".into(),
        header: [
            "Правило",
            "Серьёзность",
            "Файл",
            "Лист",
            "Ячейка",
            "Филиал",
            "Найдено",
            "Что сделать",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: ru_rows,
    };
    let xlsx = workbook_bytes(&out.join("problems.xlsx"), &[summary, list]);
    write_all(
        out,
        vec![("problems.csv", csv), ("problems-excel.csv", excel_csv)],
        vec![("problems.xlsx", xlsx)],
    )
}
