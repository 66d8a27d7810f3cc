//! XLSX for people: text always written as strings (never formulas), neutralised,
//! a bold frozen header, sensible widths — and always within Excel's limits, since every
//! workbook is built here: a cell over 32,767 characters is cut with a visible marker and
//! a warning naming the file, sheet and cell; a sheet over 1,048,576 rows continues on
//! «Лист (2)», «Лист (3)» …, each with the header; sheet names are made valid and unique.

use super::neutralise;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub struct SheetData {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Excel's limits (it counts UTF-16 units, so an emoji is two).
const MAX_CELL_UNITS: usize = 32_767;
const MAX_SHEET_NAME_UNITS: usize = 31;
const MAX_SHEET_ROWS: usize = 1_048_576;

/// Rows per sheet, header included. `ROLLOUT_TEST_XLSX_MAX_ROWS` lowers it so the tests
/// can see a sheet continue without writing a million rows; it is for tests only.
fn max_sheet_rows() -> usize {
    std::env::var("ROLLOUT_TEST_XLSX_MAX_ROWS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (2..=MAX_SHEET_ROWS).contains(n))
        .unwrap_or(MAX_SHEET_ROWS)
}

/// A workbook that could not be built, named by the file it was for.
#[derive(Debug, thiserror::Error)]
#[error("не удалось собрать {}: {}", .file.display(), reason_ru(.source))]
pub struct XlsxFailure {
    pub file: PathBuf,
    pub source: XlsxError,
}

fn reason_ru(e: &XlsxError) -> String {
    match e {
        XlsxError::RowColumnLimitError => "строк или столбцов больше, чем вмещает лист Excel".into(),
        XlsxError::MaxStringLengthExceeded => "текст длиннее, чем вмещает ячейка Excel".into(),
        XlsxError::IoError(io) => crate::files::IoRu(io).to_string(),
        other => format!("ошибка библиотеки xlsx ({other})"),
    }
}

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The first characters of `s` that fit in `max` UTF-16 units (never half a character).
fn take_units(s: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += c.len_utf16();
        if used > max {
            return &s[..i];
        }
    }
    s
}

/// Excel allows 31 characters (UTF-16 units) and forbids `[]:*?/\` and an apostrophe at
/// either end; an empty name becomes «Лист».
fn valid_sheet_name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) || c.is_control() { '_' } else { c })
        .collect();
    let cut = take_units(cleaned.trim_matches('\'').trim(), MAX_SHEET_NAME_UNITS);
    let name = cut.trim_end_matches('\'').trim_end();
    if name.is_empty() {
        "Лист".into()
    } else if name.eq_ignore_ascii_case("history") {
        // Excel keeps this name for itself.
        format!("{name}_")
    } else {
        name.into()
    }
}

/// `base` with « (k)» at the end, cut so the whole stays within 31 units.
fn numbered(base: &str, k: usize) -> String {
    let suffix = format!(" ({k})");
    let head = take_units(base, MAX_SHEET_NAME_UNITS - suffix.len());
    format!("{}{suffix}", head.trim_end_matches('\'').trim_end())
}

/// Excel names compare case-insensitively; a taken name gets « (2)», « (3)» ….
fn unique(name: String, used: &mut Vec<String>) -> String {
    let taken = |n: &str, used: &[String]| used.iter().any(|u| u.to_lowercase() == n.to_lowercase());
    let mut out = name.clone();
    let mut k = 2;
    while taken(&out, used) {
        out = numbered(&name, k);
        k += 1;
    }
    used.push(out.clone());
    out
}

/// A valid sheet name for `raw`, unique among `used` (and recorded there).
pub fn sheet_name(raw: &str, used: &mut Vec<String>) -> String {
    unique(valid_sheet_name(raw), used)
}

/// A cell's text cut to Excel's limit with a visible marker at its end, and the count of
/// characters cut; `None` when it fits.
fn cut_to_fit(text: &str) -> Option<(String, usize)> {
    if text.len() <= MAX_CELL_UNITS || units(text) <= MAX_CELL_UNITS {
        return None;
    }
    let total = text.chars().count();
    let mut cut = 0;
    loop {
        let marker = format!("… [обрезано: {cut} символов]");
        let kept = take_units(text, MAX_CELL_UNITS - units(&marker));
        let now_cut = total - kept.chars().count();
        if now_cut == cut {
            return Some((format!("{kept}{marker}"), cut));
        }
        cut = now_cut;
    }
}

/// A short run of digits without a leading zero is a count; ids, phones and codes are text.
fn as_count(v: &str) -> Option<f64> {
    (v.len() <= 7 && v.chars().all(|c| c.is_ascii_digit()) && !(v.len() > 1 && v.starts_with('0')))
        .then(|| v.parse().ok())
        .flatten()
}

/// Rows above which a sheet is written in rust_xlsxwriter's constant-memory mode: its rows
/// go to a temporary file as they are written instead of staying in memory until the
/// workbook is saved. Smaller sheets keep the standard mode, and so their exact bytes.
const CONSTANT_MEMORY_ROWS: usize = 100_000;

/// The workbook for `file` (the path it will be written to, which the warnings name).
/// A cut cell is reported on stderr as it is built.
pub fn workbook_bytes(file: &Path, sheets: &[SheetData]) -> Result<Vec<u8>, XlsxFailure> {
    let mut book = Book::new(file)?;
    for s in sheets {
        book.add(s)?;
    }
    book.finish()
}

/// A workbook built one sheet at a time, so a caller can make a sheet's rows, add them and
/// free them before making the next.
pub struct Book<'a> {
    file: &'a Path,
    wb: Workbook,
    bold: Format,
    used: Vec<String>,
    sheets: usize,
}

impl<'a> Book<'a> {
    pub fn new(file: &'a Path) -> Result<Self, XlsxFailure> {
        let mut wb = Workbook::new();
        // A fixed creation time keeps the same inputs giving the same bytes.
        let epoch = ExcelDateTime::from_ymd(2026, 1, 1).map_err(|source| failure(file, source))?;
        wb.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
        Ok(Book {
            file,
            wb,
            bold: Format::new().set_bold(),
            used: Vec::new(),
            sheets: 0,
        })
    }

    pub fn add(&mut self, sheet: &SheetData) -> Result<(), XlsxFailure> {
        self.sheets += 1;
        add_sheet(self.file, &mut self.wb, &self.bold, &mut self.used, sheet).map_err(|source| failure(self.file, source))
    }

    pub fn finish(mut self) -> Result<Vec<u8>, XlsxFailure> {
        if self.sheets == 0 {
            self.wb.add_worksheet();
        }
        self.wb.save_to_buffer().map_err(|source| failure(self.file, source))
    }
}

fn failure(file: &Path, source: XlsxError) -> XlsxFailure {
    XlsxFailure {
        file: file.to_path_buf(),
        source,
    }
}

fn add_sheet(file: &Path, wb: &mut Workbook, bold: &Format, used: &mut Vec<String>, s: &SheetData) -> Result<(), XlsxError> {
    let per_sheet = max_sheet_rows() - 1;
    let base = valid_sheet_name(&s.name);
    let parts = s.rows.len().div_ceil(per_sheet).max(1);
    for part in 0..parts {
        let rows = &s.rows[(part * per_sheet).min(s.rows.len())..((part + 1) * per_sheet).min(s.rows.len())];
        let name = unique(if part == 0 { base.clone() } else { numbered(&base, part + 1) }, used);
        let ws = if rows.len() > CONSTANT_MEMORY_ROWS {
            wb.add_worksheet_with_constant_memory()?
        } else {
            wb.add_worksheet()
        };
        ws.set_name(&name)?;
        let mut widths: Vec<usize> = s.header.iter().map(|h| h.chars().count()).collect();
        for (c, h) in s.header.iter().enumerate() {
            ws.write_string_with_format(0, col(c)?, h, bold)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let at = (r + 1) as u32;
            for (c, v) in row.iter().enumerate() {
                if v.is_empty() {
                } else if let Some(n) = as_count(v) {
                    // Counts are numbers, so Excel can sum them.
                    ws.write_number(at, col(c)?, n)?;
                } else {
                    let text = neutralise(v);
                    let text = match cut_to_fit(&text) {
                        None => text,
                        Some((short, cut)) => {
                            crate::errln!(
                                "rollout: внимание: {}, лист «{name}», ячейка {}: текст из {} символов не помещается в ячейку Excel (не больше 32767) — обрезан, в конце пометка «… [обрезано: {cut} символов]»",
                                file.display(),
                                crate::ingest::table::a1(r + 1, c),
                                text.chars().count()
                            );
                            Cow::Owned(short)
                        }
                    };
                    ws.write_string(at, col(c)?, text)?;
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(v.chars().count().min(60));
                }
            }
        }
        // Column widths and the filter are written when the workbook is saved, in either mode.
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(col(c)?, (*w as f64 + 2.0).min(60.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
        if !rows.is_empty() {
            ws.autofilter(0, 0, rows.len() as u32, col(s.header.len().max(1) - 1)?)?;
        }
    }
    Ok(())
}

/// A column index Excel can hold (16,384 columns).
fn col(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).ok().filter(|c| *c < 16_384).ok_or(XlsxError::RowColumnLimitError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_fit_excel() {
        let mut used = Vec::new();
        assert_eq!(sheet_name("Группы: ИС/ТМ", &mut used), "Группы_ ИС_ТМ");
        let long = "Очень длинное название филиала колледжа";
        let a = sheet_name(long, &mut used);
        let b = sheet_name(long, &mut used);
        assert_eq!(a, "Очень длинное название филиала");
        assert!(b.ends_with(" (2)") && b.chars().count() <= 31);
        let emoji = sheet_name(&"🎨".repeat(20), &mut used);
        assert_eq!(emoji, "🎨".repeat(15));
        assert_eq!(sheet_name("'Кавычки'", &mut used), "Кавычки");
        assert_eq!(sheet_name("history", &mut used), "history_");
    }

    #[test]
    fn long_cells_are_cut_to_excels_limit_with_a_marker() {
        assert!(cut_to_fit(&"я".repeat(32_767)).is_none());
        let (cut, n) = cut_to_fit(&"я".repeat(32_768)).unwrap();
        assert_eq!(cut.encode_utf16().count(), 32_767);
        assert!(cut.ends_with(&format!("… [обрезано: {n} символов]")));
        // Never half an emoji; the limit counts UTF-16 units.
        let (cut, n) = cut_to_fit(&"🎨".repeat(20_000)).unwrap();
        assert!(cut.encode_utf16().count() <= 32_767);
        assert_eq!(cut.chars().filter(|c| *c == '🎨').count() + n, 20_000);
    }
}
