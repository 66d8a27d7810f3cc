//! The teaching load as a matrix — how e-journals and hand-made «тарификации» lay it out when
//! there is no row per teacher, group and subject:
//! - subjects down, groups across, the teacher in each cell («Иванова И.И. (3)»);
//! - groups down, subjects across, the teacher in each cell (the same, transposed);
//! - the «тарификация»: teacher and subject columns, then one column of hours per group.
//!
//! A header row is a matrix's when its unrecognised headings look like group names («5А»,
//! «ИС-24-1») next to a subject column, or (transposed) when it starts with a group column
//! and the sheet is a load (`kind = "teaching"`, or a corner heading «Класс / Предмет»).
//! Each filled cell becomes a teaching record, located at that cell.

use super::header::{Field, HEADER_SCAN_ROWS, classify};
use super::layout::{CellRef, Part, RawRecord, SheetRecords, Value};
use super::table::{Cell, Sheet};
use crate::config::SourceKind;
use crate::normalize::groups::normalize_alone;
use crate::normalize::{clean_spaces, text_key};
use std::collections::BTreeMap;

/// Which way round a matrix is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A subject per row, a group per column, teachers in the cells.
    SubjectRows { subject: usize },
    /// A group per row, a subject per column, teachers in the cells.
    GroupRows { group: usize },
    /// A teacher and subject per row, a group per column, hours in the cells.
    Hours { teacher: usize, subject: usize },
}

/// A matrix's header: its row, its shape, and the headings across (groups, or subjects for
/// `GroupRows`) with their columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub row: usize,
    pub shape: Shape,
    pub across: Vec<(usize, String)>,
}

/// Whether a heading reads as a group name: a school class («5А», «5 а», «11-Б», Latin
/// look-alikes too) or a college code («ИС-24-1», «ТМ-23»).
pub fn looks_like_group(text: &str) -> bool {
    let n = normalize_alone(text);
    if n.is_empty() || n.contains(' ') || n.chars().count() > 12 {
        return false;
    }
    let digits: String = n.chars().take_while(char::is_ascii_digit).collect();
    let rest: Vec<char> = n.chars().skip(digits.chars().count()).collect();
    // A class: one or two digits (1..=11) and one capital letter.
    if !digits.is_empty() {
        return digits.parse::<u32>().is_ok_and(|d| (1..=11).contains(&d))
            && rest.len() == 1
            && rest[0].is_alphabetic()
            && rest[0].is_uppercase();
    }
    // A code: capitals, then digits, dashes between allowed.
    let t: Vec<char> = n.chars().filter(|c| *c != '-').collect();
    let letters = t.iter().take_while(|c| c.is_alphabetic() && c.is_uppercase()).count();
    let numbers = t.len() - letters;
    (1..=6).contains(&letters) && (1..=6).contains(&numbers) && t[letters..].iter().all(char::is_ascii_digit)
}

/// A corner heading that names both ways of a transposed matrix: «Класс / Предмет».
fn is_corner(text: &str) -> bool {
    let k = text_key(text);
    (k.contains("класс") || k.contains("групп")) && (k.contains("предмет") || k.contains("дисциплин"))
}

/// Headings that are neither a group nor a subject: numbering and totals.
fn is_aside(text: &str) -> bool {
    let k = text_key(text);
    k.is_empty() || k == "п п" || k == "no" || k == "n" || k.starts_with("всего") || k.starts_with("итого") || text.trim() == "№"
}

/// The matrix header of a sheet, if it has one. `forced` other than `Teaching` rules every
/// matrix out; `overrides` are the `[[sources]] columns`.
pub fn detect(sheet: &Sheet, forced: Option<SourceKind>, overrides: &BTreeMap<String, Field>) -> Option<Matrix> {
    if forced.is_some_and(|k| k != SourceKind::Teaching) {
        return None;
    }
    for (row, cells) in sheet.rows.iter().enumerate().take(HEADER_SCAN_ROWS) {
        let mut fields: BTreeMap<Field, usize> = BTreeMap::new();
        let mut groups = Vec::new();
        let mut others = Vec::new();
        let mut corner = false;
        for (c, cell) in cells.iter().enumerate().take(super::header::MAX_COLUMNS) {
            let text = clean_spaces(&cell.as_text());
            if text.is_empty() {
                continue;
            }
            if let Some(f) = overrides.get(&text_key(&text)).copied().or_else(|| classify(&text)) {
                fields.entry(f).or_insert(c);
            } else if looks_like_group(&text) {
                groups.push((c, text));
            } else if is_corner(&text) && !fields.contains_key(&Field::Group) {
                corner = true;
                fields.insert(Field::Group, c);
            } else if !is_aside(&text) {
                others.push((c, text));
            }
        }
        let subject = fields.get(&Field::Subject).copied();
        let teacher = fields.get(&Field::Fio).copied();
        let group = fields.get(&Field::Group).copied();
        if let (Some(subject), None) = (subject, group)
            && !groups.is_empty()
        {
            let shape = match teacher {
                Some(teacher) => Shape::Hours { teacher, subject },
                None => Shape::SubjectRows { subject },
            };
            return Some(Matrix {
                row,
                shape,
                across: groups,
            });
        }
        if let (Some(group), None, None) = (group, subject, teacher)
            && (corner || forced == Some(SourceKind::Teaching))
        {
            let across: Vec<(usize, String)> = others.into_iter().filter(|(c, _)| *c > group).collect();
            if !across.is_empty() {
                return Some(Matrix {
                    row,
                    shape: Shape::GroupRows { group },
                    across,
                });
            }
        }
    }
    None
}

fn value(text: &str, row: usize, col: usize) -> Value {
    Value {
        cell: Cell::Text(text.to_string()),
        at: CellRef::new(row, col),
    }
}

/// A cell's teachers with their hours: «Иванова И.И. (3)», «Иванова И.И. 3 ч», «Иванова
/// И.И., 3 ч»; several split by «/», «;», «,» or line breaks.
fn teachers_in(text: &str) -> Vec<(String, Option<String>)> {
    // A decimal comma («2,5 ч») is no list comma.
    let chars: Vec<char> = text.chars().collect();
    let text: String = chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let digit = |j: Option<usize>| j.and_then(|j| chars.get(j)).is_some_and(char::is_ascii_digit);
            if *c == ',' && digit(i.checked_sub(1)) && digit(Some(i + 1)) {
                '.'
            } else {
                *c
            }
        })
        .collect();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for p in text.split(['/', ';', ',', '\n']).map(clean_spaces).filter(|p| !p.is_empty()) {
        let (name, hours) = match p.find(|c: char| c.is_ascii_digit()) {
            Some(i) => (
                p[..i].trim_end_matches([' ', ',', '(', '-', '–', '—', ':']).to_string(),
                Some(p[i..].to_string()),
            ),
            None => (p, None),
        };
        // «Иванова И.И., 3 ч»: hours after a comma are the previous teacher's.
        if name.is_empty()
            && let Some(last) = out.last_mut()
            && last.1.is_none()
        {
            last.1 = hours;
            continue;
        }
        out.push((name, hours));
    }
    out
}

fn is_totals(sheet: &Sheet, row: usize) -> bool {
    sheet.rows[row]
        .iter()
        .map(|c| text_key(&c.as_text()))
        .find(|k| !k.is_empty())
        .is_some_and(|k| k.starts_with("итого") || k.starts_with("всего"))
}

/// The teaching records of a matrix sheet; each data row is emptied once read.
pub fn extract(sheet: &mut Sheet, m: &Matrix) -> SheetRecords {
    let mut out = SheetRecords {
        kind: Some(SourceKind::Teaching),
        ..Default::default()
    };
    for r in 0..m.row {
        for c in &sheet.rows[r] {
            let t = clean_spaces(&c.as_text());
            if !t.is_empty() && !out.titles.contains(&t) {
                out.titles.push(t);
            }
        }
    }
    let text = |sheet: &Sheet, r: usize, c: usize| clean_spaces(&sheet.cell(r, c).as_text());
    for r in m.row + 1..sheet.rows.len() {
        if sheet.rows[r].iter().all(Cell::is_empty) || is_totals(sheet, r) {
            sheet.rows[r] = Vec::new();
            continue;
        }
        match m.shape {
            Shape::SubjectRows { subject } | Shape::GroupRows { group: subject } => {
                let down = text(sheet, r, subject);
                // A repeated header or a row without its subject (group) names nothing.
                if down.is_empty() || classify(&down).is_some() || is_corner(&down) {
                    sheet.rows[r] = Vec::new();
                    continue;
                }
                let subjects_down = matches!(m.shape, Shape::SubjectRows { .. });
                for (c, heading) in &m.across {
                    let cell = text(sheet, r, *c);
                    if cell.is_empty() {
                        continue;
                    }
                    let (subject_v, group_v) = if subjects_down {
                        (value(&down, r, subject), value(heading, m.row, *c))
                    } else {
                        (value(heading, m.row, *c), value(&down, r, subject))
                    };
                    for (name, hours) in teachers_in(&cell) {
                        let mut values = vec![(Part::Subject, subject_v.clone()), (Part::Group, group_v.clone())];
                        if !name.is_empty() {
                            values.push((Part::Fio, value(&name, r, *c)));
                        }
                        if let Some(h) = hours {
                            values.push((Part::Hours, value(&h, r, *c)));
                        }
                        out.records.push(RawRecord::teaching(r, CellRef::new(r, *c), values));
                    }
                }
            }
            Shape::Hours { teacher, subject } => {
                let who = text(sheet, r, teacher);
                let what = text(sheet, r, subject);
                if classify(&who).is_some() || classify(&what).is_some() {
                    sheet.rows[r] = Vec::new();
                    continue;
                }
                for (c, heading) in &m.across {
                    let hours = text(sheet, r, *c);
                    let k = text_key(&hours);
                    if k.is_empty() || k == "0" || k == "-" || k == "—" {
                        continue;
                    }
                    let mut values = vec![(Part::Group, value(heading, m.row, *c)), (Part::Hours, value(&hours, r, *c))];
                    if !what.is_empty() {
                        values.push((Part::Subject, value(&what, r, subject)));
                    }
                    if !who.is_empty() {
                        values.push((Part::Fio, value(&who, r, teacher)));
                    }
                    // A blank teacher cell is the cell to fill in.
                    out.records.push(RawRecord::teaching(r, CellRef::new(r, teacher), values));
                }
            }
        }
        sheet.rows[r] = Vec::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::table::text_sheet as sheet;

    #[test]
    fn group_names() {
        for g in ["5А", "5 а", "11-Б", "5A", "ИС-24-1", "ТМ-23", "ис-24-1"] {
            assert!(looks_like_group(g), "{g}");
        }
        for g in [
            "Математика",
            "12А",
            "0А",
            "5АБВ",
            "МДК 01.01",
            "ОУД.01",
            "Всего",
            "2026",
            "Иванова И.И.",
        ] {
            assert!(!looks_like_group(g), "{g}");
        }
    }

    #[test]
    fn cells_with_teachers_and_hours() {
        assert_eq!(
            teachers_in("Иванова И.И. (3)"),
            [("Иванова И.И.".to_string(), Some("3)".to_string()))]
        );
        assert_eq!(teachers_in("Иванова И.И. 3 ч")[0].1.as_deref(), Some("3 ч"));
        assert_eq!(teachers_in("Иванова И.И.")[0], ("Иванова И.И.".to_string(), None));
        assert_eq!(teachers_in("Смирнов С.А. / Петров П.П.").len(), 2);
        assert_eq!(teachers_in("Смирнов С.А., Петров П.П. (2)")[1].1.as_deref(), Some("2)"));
        assert_eq!(
            teachers_in("Иванова И.И., 3 ч"),
            [("Иванова И.И.".to_string(), Some("3 ч".to_string()))]
        );
        assert_eq!(
            teachers_in("Иванова И.И. 2,5 ч"),
            [("Иванова И.И.".to_string(), Some("2.5 ч".to_string()))]
        );
    }

    #[test]
    fn shapes() {
        let none = BTreeMap::new();
        let s = sheet(&[&["Нагрузка"], &["Предмет", "5А", "5Б", "Всего"]]);
        let m = detect(&s, None, &none).unwrap();
        assert_eq!((m.row, m.shape), (1, Shape::SubjectRows { subject: 0 }));
        assert_eq!(m.across, [(1, "5А".to_string()), (2, "5Б".to_string())]);
        let s = sheet(&[&["Учитель", "Предмет", "ИС-24-1", "ИС-24-2"]]);
        assert_eq!(detect(&s, None, &none).unwrap().shape, Shape::Hours { teacher: 0, subject: 1 });
        let s = sheet(&[&["Класс", "Математика", "Физика"]]);
        assert_eq!(detect(&s, None, &none), None, "a group column alone is not a load");
        assert_eq!(
            detect(&s, Some(SourceKind::Teaching), &none).unwrap().shape,
            Shape::GroupRows { group: 0 }
        );
        let s = sheet(&[&["Класс \\ Предмет", "Математика", "Физика"]]);
        assert_eq!(detect(&s, None, &none).unwrap().shape, Shape::GroupRows { group: 0 });
        // A load of rows, a list of students: no matrix.
        let s = sheet(&[&["Учитель", "Класс", "Предмет", "Часы"]]);
        assert_eq!(detect(&s, None, &none), None);
        let s = sheet(&[&["ФИО", "Дата рождения", "Класс"], &["Иванов Иван", "01.01.2014", "5А"]]);
        assert_eq!(detect(&s, None, &none), None);
    }
}
