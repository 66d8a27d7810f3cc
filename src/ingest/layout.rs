//! From a sheet and its header to raw records: every layout e-journals and hand-made lists
//! use — flat tables with title rows and totals, group rows («Группа ИС-24-1, 2 курс.
//! Куратор: Иванова И.И.») with the header repeated under each, one sheet per group,
//! parents' exports with one row per parent, staff lists, merged cells.

use super::header::{Field, Header, is_header_repeat};
use super::table::{Cell, Sheet, a1};
use crate::config::SourceKind;
use crate::normalize::{clean_spaces, text_key};
use std::sync::Arc;

/// A cell's place in its sheet, zero-based; shown as its A1 reference (`B7`). Eight bytes
/// where the reference as a string would be a heap allocation per field of every record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
}

impl CellRef {
    pub fn new(row: usize, col: usize) -> Self {
        // Sheets have at most 1,048,576 rows and 16,384 columns; a text file longer than
        // u32 rows could not be read within any memory budget.
        CellRef {
            row: u32::try_from(row).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&a1(self.row as usize, self.col as usize))
    }
}

/// One cell's value with its reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub cell: Cell,
    pub at: CellRef,
}

impl Value {
    pub fn text(&self) -> String {
        clean_spaces(&self.cell.as_text())
    }
}

/// A group row, or a group named by the sheet or a title row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupRow {
    pub group: String,
    pub course: Option<String>,
    pub curator: Option<String>,
    /// The row's first cell, A1.
    pub at: String,
}

/// What a record's value is: a header field as the record's kind reads it (in a parents'
/// export the «Родитель» column is the record's person, the student column its child).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Fio,
    Surname,
    FirstName,
    Patronymic,
    BirthDate,
    Group,
    Course,
    Branch,
    Position,
    Curates,
    Relation,
    Phone,
    Email,
    Snils,
    Login,
    Id,
    Child,
    /// Teaching load: the subject and its hours.
    Subject,
    Hours,
}

#[derive(Debug, Clone)]
pub struct RawRecord {
    pub kind: Option<SourceKind>,
    /// Zero-based row in the sheet.
    pub row: usize,
    /// The values the row has, in one allocation: most of a record's parts are absent in
    /// any one list, and a record is kept for every row until the roster is built
    /// (700,000 rows of a large list must fit in memory).
    values: Box<[(Part, Value)]>,
    /// From a group row, sheet name or title when there is no group column; shared by
    /// every row under it.
    pub group_context: Option<Arc<GroupRow>>,
    /// The first cell of the row, for row-level problems with no name cell.
    pub first_cell: CellRef,
    /// Where the birth date goes, even when the cell is empty (for «missing birth date»).
    pub birth_date_at: Option<CellRef>,
}

macro_rules! parts {
    ($($(#[$doc:meta])* $name:ident => $part:ident),* $(,)?) => {
        impl RawRecord {
            $($(#[$doc])* pub fn $name(&self) -> Option<&Value> {
                self.part(Part::$part)
            })*
        }
    };
}

parts! {
    /// The person the row is about (for a parents' export: the parent).
    fio => Fio,
    surname => Surname,
    first_name => FirstName,
    patronymic => Patronymic,
    birth_date => BirthDate,
    group => Group,
    course => Course,
    branch => Branch,
    position => Position,
    curates => Curates,
    relation => Relation,
    phone => Phone,
    email => Email,
    snils => Snils,
    login => Login,
    id => Id,
    /// Parents' export: the child the row is about.
    child => Child,
    subject => Subject,
    hours => Hours,
}

impl RawRecord {
    pub fn part(&self, part: Part) -> Option<&Value> {
        self.values.iter().find(|(p, _)| *p == part).map(|(_, v)| v)
    }

    /// A teaching-load record made from a matrix cell (`ingest::matrix`): its values are
    /// located where the matrix has them (a group heading, the cell naming the teacher).
    pub fn teaching(row: usize, first_cell: CellRef, values: Vec<(Part, Value)>) -> RawRecord {
        RawRecord {
            kind: Some(SourceKind::Teaching),
            row,
            values: values.into_boxed_slice(),
            group_context: None,
            first_cell,
            birth_date_at: None,
        }
    }

    /// A1 of the cell that names the person, or of the row's first cell.
    pub fn name_at(&self) -> CellRef {
        self.fio().or(self.surname()).map(|v| v.at).unwrap_or(self.first_cell)
    }
}

#[derive(Debug, Default)]
pub struct SheetRecords {
    pub kind: Option<SourceKind>,
    pub records: Vec<RawRecord>,
    pub group_rows: Vec<GroupRow>,
    /// Title texts above the header (may name a branch).
    pub titles: Vec<String>,
    /// Rows with values right of the header's last column: (count, first A1).
    pub extra_cells: Option<(usize, String)>,
    /// Data rows with values but no name: their first cell.
    pub nameless_rows: Vec<String>,
}

/// Words that start a group row, and words a curator is introduced with.
const GROUP_WORDS: [&str; 6] = [
    "учебная группа",
    "группа",
    "класс",
    "объединение",
    "детское объединение",
    "возрастная группа",
];
const CURATOR_WORDS: [&str; 8] = [
    "классный руководитель",
    "кл руководитель",
    "кл рук",
    "куратор",
    "воспитатели",
    "воспитатель",
    "педагог",
    "руководитель",
];

/// Parses «Группа ИС-24-1, 2 курс. Куратор: Иванова И.И.», «Класс: 5А», «5А класс»,
/// «Объединение «Юный техник». Педагог: Сидоров П.П.».
pub fn parse_group_row(text: &str) -> Option<GroupRow> {
    let t = clean_spaces(text);
    let lower = t.to_lowercase().replace('ё', "е");
    // Split off the curator.
    let mut group_part = t.clone();
    let mut curator = None;
    for w in CURATOR_WORDS {
        if let Some(pos) = find_word(&lower, w) {
            let byte_end = pos + w.len();
            let rest = t.get(byte_end..).unwrap_or("").trim_start_matches(['.', ':', ' ', '-', '–']).trim();
            let rest = rest.trim_end_matches(['.', ',', ';', ' ']);
            if !rest.is_empty() {
                curator = Some(rest.to_string());
            }
            group_part = t.get(..pos).unwrap_or("").to_string();
            break;
        }
    }
    let gp_lower = group_part.to_lowercase().replace('ё', "е");
    let gp_trim = group_part.trim().trim_end_matches(['.', ',', ';', ' ']).to_string();
    let mut name_part = None;
    for w in GROUP_WORDS {
        if gp_lower.trim_start().starts_with(w) {
            let after = gp_trim.trim_start().get(w.len()..).unwrap_or("");
            if after.is_empty() || after.starts_with([' ', ':', '№', '«', '"']) {
                name_part = Some(after.trim_start_matches([' ', ':', '№']).trim().to_string());
                break;
            }
        }
    }
    if name_part.is_none() {
        // «5А класс», «ИС-24-1 группа»
        for w in ["класс", "группа"] {
            if let Some(stripped) = gp_lower.trim_end().strip_suffix(w)
                && stripped.ends_with(' ')
                && !stripped.trim().is_empty()
            {
                name_part = Some(gp_trim[..stripped.trim_end().len()].to_string());
                break;
            }
        }
    }
    let name_part = name_part?;
    let (group, rest) = if let Some(stripped) = name_part.strip_prefix('«') {
        let end = stripped.find('»')?;
        (stripped[..end].to_string(), stripped[end + '»'.len_utf8()..].to_string())
    } else if let Some(stripped) = name_part.strip_prefix('"') {
        let end = stripped.find('"')?;
        (stripped[..end].to_string(), stripped[end + 1..].to_string())
    } else {
        let end = name_part.find([',', ';', '(']).unwrap_or(name_part.len());
        let mut g = name_part[..end].trim().to_string();
        let mut rest = name_part[end..].to_string();
        // «ИС-24-1. 2 курс» — a dot followed by a space ends the name.
        if let Some(p) = g.find(". ") {
            rest = format!("{}{}", &g[p..], rest);
            g.truncate(p);
        }
        (g.trim_end_matches('.').trim().to_string(), rest)
    };
    if group.is_empty() || group.chars().count() > 40 || group.split(' ').count() > 4 {
        return None;
    }
    let rest_lower = rest.to_lowercase();
    let course = find_word(&rest_lower, "курс").and_then(|p| {
        let before: String = rest_lower[..p]
            .chars()
            .rev()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        (!before.is_empty()).then(|| before.chars().rev().collect())
    });
    Some(GroupRow {
        group,
        course,
        curator,
        at: String::new(),
    })
}

/// Byte position of `word` in `hay` as a whole word.
fn find_word(hay: &str, word: &str) -> Option<usize> {
    let mut start = 0;
    while let Some(p) = hay[start..].find(word) {
        let pos = start + p;
        let before_ok = hay[..pos].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after_ok = hay[pos + word.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before_ok && after_ok {
            return Some(pos);
        }
        start = pos + word.len();
    }
    None
}

/// Sheet names that do not name a group.
fn sheet_name_is_group(name: &str) -> bool {
    let k = text_key(name);
    if k.is_empty() {
        return false;
    }
    const NOT_GROUPS: [&str; 16] = [
        "лист",
        "sheet",
        "таблица",
        "список",
        "контингент",
        "родител",
        "сотрудник",
        "персонал",
        "обучающ",
        "ученик",
        "студент",
        "воспитанник",
        "дети",
        "примечан",
        "итог",
        "свод",
    ];
    !NOT_GROUPS.iter().any(|p| k.starts_with(p))
}

fn row_texts(sheet: &Sheet, row: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for c in sheet.rows.get(row).map(|r| r.as_slice()).unwrap_or(&[]) {
        let t = clean_spaces(&c.as_text());
        if !t.is_empty() && !seen.contains(&t) {
            seen.push(t);
        }
    }
    seen
}

fn is_totals(texts: &[String]) -> bool {
    texts.first().is_some_and(|t| {
        let k = text_key(t);
        k.starts_with("итого") || k.starts_with("всего") || k.starts_with("total")
    })
}

/// The sheet's kind from its columns; `forced` from `[[sources]] kind` wins.
pub fn detect_kind(header: &Header, forced: Option<SourceKind>) -> SourceKind {
    if let Some(k) = forced {
        return k;
    }
    if header.has(Field::Subject) {
        SourceKind::Teaching
    } else if header.has(Field::Parent) {
        SourceKind::Parents
    } else if header.has(Field::Position) || header.has(Field::Curates) {
        SourceKind::Staff
    } else {
        SourceKind::Students
    }
}

/// The sheet's records. Each data row is emptied once its record is made, so a large
/// sheet's cells and its records are not held twice.
pub fn extract(sheet: &mut Sheet, header: &Header, forced: Option<SourceKind>, several_sheets: bool) -> SheetRecords {
    let kind = detect_kind(header, forced);
    let mut out = SheetRecords {
        kind: Some(kind),
        ..Default::default()
    };
    let mut context: Option<Arc<GroupRow>> = None;
    // Title rows above the header: a group named there applies to the rows below.
    for r in 0..header.row {
        for t in row_texts(sheet, r) {
            if let Some(mut g) = parse_group_row(&t) {
                g.at = a1(r, 0);
                context = Some(Arc::new(g.clone()));
                out.group_rows.push(g);
            }
            out.titles.push(t);
        }
    }
    // One sheet per group: the sheet name is the group. A lone sheet's name counts only
    // when it looks like a group code («5А», «ИС-24-1»), not a title.
    let looks_like_code = sheet.name.chars().any(|c| c.is_ascii_digit()) && sheet.name.chars().count() <= 12;
    if context.is_none() && !header.has(Field::Group) && sheet_name_is_group(&sheet.name) && (several_sheets || looks_like_code) {
        context = Some(Arc::new(GroupRow {
            group: clean_spaces(&sheet.name),
            at: String::new(),
            ..Default::default()
        }));
    }
    let mut extra_rows = 0;
    let mut first_extra = String::new();
    for r in header.row + 1..sheet.rows.len() {
        if let Some(rec) = row_record(sheet, header, kind, r, &mut context, &mut out, &mut extra_rows, &mut first_extra) {
            out.records.push(rec);
        }
        // The row is in its record now (or is not a person's): free its cells.
        sheet.rows[r] = Vec::new();
    }
    if extra_rows > 0 {
        out.extra_cells = Some((extra_rows, first_extra));
    }
    out
}

/// The record of data row `r`, or `None` for a blank, header, totals or group row (a group
/// row becomes the `context` of the rows below) or a row without a name.
#[allow(clippy::too_many_arguments)]
fn row_record(
    sheet: &Sheet,
    header: &Header,
    kind: SourceKind,
    r: usize,
    context: &mut Option<Arc<GroupRow>>,
    out: &mut SheetRecords,
    extra_rows: &mut usize,
    first_extra: &mut String,
) -> Option<RawRecord> {
    let get = |row: usize, f: Field| -> Option<Value> {
        let c = header.col(f)?;
        let cell = sheet.cell(row, c);
        if cell.is_empty() {
            return None;
        }
        Some(Value {
            cell: cell.clone(),
            at: CellRef::new(row, c),
        })
    };
    let texts = row_texts(sheet, r);
    if texts.is_empty() || is_header_repeat(sheet, r, header) || is_totals(&texts) {
        return None;
    }
    let first_col = sheet.rows[r].iter().position(|c| !c.is_empty()).unwrap_or(0);
    if texts.len() == 1
        && let Some(mut g) = parse_group_row(&texts[0])
    {
        g.at = a1(r, first_col);
        *context = Some(Arc::new(g.clone()));
        out.group_rows.push(g);
        return None;
    }
    let parents = kind == SourceKind::Parents;
    let (fio, child) = if parents {
        (get(r, Field::Parent), get(r, Field::Student).or_else(|| get(r, Field::Fio)))
    } else {
        (get(r, Field::Fio).or_else(|| get(r, Field::Student)), None)
    };
    let values: Vec<(Part, Value)> = [
        (Part::Fio, fio),
        (Part::Surname, get(r, Field::Surname)),
        (Part::FirstName, get(r, Field::FirstName)),
        (Part::Patronymic, get(r, Field::Patronymic)),
        (Part::BirthDate, get(r, Field::BirthDate)),
        (Part::Group, get(r, Field::Group)),
        (Part::Course, get(r, Field::Course)),
        (Part::Branch, get(r, Field::Branch)),
        (Part::Position, get(r, Field::Position)),
        (Part::Curates, get(r, Field::Curates)),
        (Part::Relation, get(r, Field::Relation)),
        (Part::Phone, get(r, Field::Phone)),
        (Part::Email, get(r, Field::Email)),
        (Part::Snils, get(r, Field::Snils)),
        (Part::Login, get(r, Field::Login)),
        (Part::Id, get(r, Field::Id)),
        (Part::Child, child),
        (Part::Subject, get(r, Field::Subject)),
        (Part::Hours, get(r, Field::Hours)),
    ]
    .into_iter()
    .filter_map(|(p, v)| Some((p, v?)))
    .collect();
    let mut rec = RawRecord {
        kind: Some(kind),
        row: r,
        first_cell: CellRef::new(r, first_col),
        values: values.into_boxed_slice(),
        birth_date_at: header.col(Field::BirthDate).map(|c| CellRef::new(r, c)),
        group_context: None,
    };
    if rec.group().is_none() {
        rec.group_context = context.clone();
    }
    if let Some(cells) = sheet.rows.get(r)
        && cells.iter().skip(header.width).any(|c| !c.is_empty())
    {
        *extra_rows += 1;
        if first_extra.is_empty() {
            let c = cells
                .iter()
                .enumerate()
                .skip(header.width)
                .find(|(_, c)| !c.is_empty())
                .map(|(i, _)| i)
                .unwrap_or(0);
            *first_extra = a1(r, c);
        }
    }
    let has_name = rec.fio().is_some() || rec.surname().is_some() || rec.first_name().is_some();
    let has_data = [
        Part::BirthDate,
        Part::Phone,
        Part::Email,
        Part::Snils,
        Part::Child,
        Part::Position,
        Part::Curates,
        Part::Relation,
        Part::Subject,
    ]
    .iter()
    .any(|p| rec.part(*p).is_some());
    if !has_name {
        if has_data {
            // Point at the empty name cell: that is the cell to fill in.
            let name_col = [Field::Fio, Field::Surname, Field::Parent, Field::Student]
                .iter()
                .find_map(|f| header.col(*f));
            out.nameless_rows
                .push(name_col.map(|c| a1(r, c)).unwrap_or_else(|| rec.first_cell.to_string()));
        }
        return None;
    }
    Some(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_rows() {
        let g = parse_group_row("Группа ИС-24-1, 2 курс. Куратор: Иванова И.И.").unwrap();
        assert_eq!(g.group, "ИС-24-1");
        assert_eq!(g.course.as_deref(), Some("2"));
        assert_eq!(g.curator.as_deref(), Some("Иванова И.И"));
        let g = parse_group_row("Класс: 5А").unwrap();
        assert_eq!((g.group.as_str(), g.curator.clone()), ("5А", None));
        assert_eq!(parse_group_row("5А класс").unwrap().group, "5А");
        let g = parse_group_row("Объединение «Юный техник». Педагог: Сидоров П.П.").unwrap();
        assert_eq!(g.group, "Юный техник");
        assert_eq!(g.curator.as_deref(), Some("Сидоров П.П"));
        assert_eq!(parse_group_row("Группа ЗФ-24-1. 1 курс").unwrap().course.as_deref(), Some("1"));
        assert_eq!(parse_group_row("Группова Анна Ивановна"), None);
        assert_eq!(parse_group_row("Иванов Иван"), None);
        assert_eq!(parse_group_row("Список обучающихся на 01.09.2026"), None);
    }

    #[test]
    fn sheet_names() {
        assert!(sheet_name_is_group("ИС-24-1"));
        assert!(sheet_name_is_group("Пчёлки"));
        assert!(!sheet_name_is_group("Лист1"));
        assert!(!sheet_name_is_group("Sheet1"));
        assert!(!sheet_name_is_group("Родители"));
    }
}
