//! Reading one file into a `Workbook`, whatever its format. Runs inside the isolated
//! reader process (see `isolate`), so a hostile file can only hurt that process.

pub use super::table::ReadOptions;
use super::table::{Cell, Merge, ReadNote, Sheet, Workbook};
use super::{docx, html, text};
use calamine::{Data, Reader, Sheets};
use std::io::{BufReader, Cursor};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("файл не открывается: {}", crate::files::IoRu(.0))]
    Io(#[from] std::io::Error),
    #[error("книга защищена паролем")]
    Encrypted,
    #[error("это не таблица ({0})")]
    Format(String),
    #[error("файл повреждён: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Text(String),
    /// A Word document that holds no readable table, or a type the caller does not take.
    #[error("{0}")]
    Document(String),
}

/// Which formats a caller takes: rosters, member exports and links files are spreadsheets
/// or text; a plan table may also be a Word document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formats {
    Spreadsheets,
    WithDocuments,
}

pub const SPREADSHEETS: [&str; 8] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv", "tsv", "txt"];

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase()
}

/// Refuses a file whose type the caller does not take, before anything reads it.
pub fn check_format(path: &Path, formats: Formats) -> Result<(), ReadError> {
    let ext = extension(path);
    let known = SPREADSHEETS.contains(&ext.as_str()) || formats == Formats::WithDocuments && ext == "docx";
    if known { Ok(()) } else { Err(unknown_type(&ext, formats)) }
}

fn unknown_type(ext: &str, formats: Formats) -> ReadError {
    match formats {
        Formats::Spreadsheets => ReadError::Format(format!("неизвестный тип файла «.{ext}»; нужны xlsx, xls, ods, csv")),
        Formats::WithDocuments => ReadError::Document(format!("неизвестный тип файла «.{ext}»; нужны xlsx, xls, ods, csv или docx")),
    }
}

/// Reads a file of any format the reader knows; which of them a caller takes is checked
/// before (`check_format`).
pub fn read_file(path: &Path, opts: &ReadOptions) -> Result<Workbook, ReadError> {
    let ext = extension(path);
    let bytes = std::fs::read(path)?;
    match ext.as_str() {
        "docx" => docx::read_docx(&bytes).map_err(ReadError::Document),
        "csv" | "tsv" | "txt" => text::read_text(&bytes, &ext, opts).map_err(ReadError::Text),
        "xls" | "xlsx" | "xlsm" | "xlsb" | "ods" => {
            if html::looks_like_html(&bytes) {
                let mut wb = html::read_html(&bytes).map_err(ReadError::Format)?;
                wb.notes.push(ReadNote::XlsIsHtml);
                return Ok(wb);
            }
            if bytes.is_empty() {
                return Ok(Workbook::default());
            }
            read_workbook(bytes, &ext)
        }
        other => Err(unknown_type(other, Formats::Spreadsheets)),
    }
}

fn classify(e: calamine::Error) -> ReadError {
    let msg = e.to_string();
    let lower = msg.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        ReadError::Encrypted
    } else {
        // What the reader library says is English and technical: the user reads what it means.
        let what = if lower.contains("zip") {
            "внутри нет целого архива книги Excel (файл обрезан, испорчен или это другой формат под расширением .xlsx/.ods)"
        } else if lower.contains("xml") {
            "испорчена разметка внутри книги"
        } else if lower.contains("cfb") || lower.contains("xls") {
            "не читается как книга Excel .xls"
        } else if lower.contains("ods") {
            "не читается как таблица .ods"
        } else {
            "не читается как таблица"
        };
        ReadError::Corrupt(what.to_string())
    }
}

fn read_workbook(bytes: Vec<u8>, ext: &str) -> Result<Workbook, ReadError> {
    // An OLE container holding an encrypted OOXML package is how Excel saves a protected xlsx.
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) && ext != "xls" && contains(&bytes, b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e") {
        return Err(ReadError::Encrypted);
    }
    let cursor = BufReader::new(Cursor::new(bytes));
    let mut sheets: Sheets<_> = match ext {
        "xls" => Sheets::Xls(calamine::open_workbook_from_rs(cursor).map_err(|e| classify(calamine::Error::Xls(e)))?),
        "xlsb" => Sheets::Xlsb(calamine::open_workbook_from_rs(cursor).map_err(|e| classify(calamine::Error::Xlsb(e)))?),
        "ods" => Sheets::Ods(calamine::open_workbook_from_rs(cursor).map_err(|e| classify(calamine::Error::Ods(e)))?),
        _ => Sheets::Xlsx(calamine::open_workbook_from_rs(cursor).map_err(|e| classify(calamine::Error::Xlsx(e)))?),
    };
    let names = sheets.sheet_names();
    let mut wb = Workbook::default();
    for name in names {
        let range = match sheets.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => return Err(classify(e)),
        };
        let merges = merge_regions(&mut sheets, &name);
        let mut rows = Vec::new();
        if let Some((r0, c0)) = range.start() {
            // Keep absolute positions so cell references match what Excel shows.
            for _ in 0..r0 {
                rows.push(Vec::new());
            }
            for row in range.rows() {
                let mut cells: Vec<Cell> = vec![Cell::Empty; c0 as usize];
                cells.extend(row.iter().map(convert));
                while cells.last().is_some_and(Cell::is_empty) {
                    cells.pop();
                }
                rows.push(cells);
            }
        }
        while rows.last().is_some_and(|r: &Vec<Cell>| r.is_empty()) {
            rows.pop();
        }
        wb.sheets.push(Sheet { name, rows, merges });
    }
    Ok(wb)
}

fn merge_regions<RS: std::io::Read + std::io::Seek>(sheets: &mut Sheets<RS>, name: &str) -> Vec<Merge> {
    let dims = match sheets {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        // calamine reads no merge information from xlsb and ods; covered cells are empty there.
        _ => Vec::new(),
    };
    dims.into_iter()
        .map(|d| Merge {
            first_row: d.start.0,
            first_col: d.start.1,
            last_row: d.end.0,
            last_col: d.end.1,
        })
        .collect()
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.replace("_x000D_", "").chars().filter(|c| *c != '\0' && *c != '\r').collect()),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Cell::Date(y as i32, m as u32, d as u32)
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) => match chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
            Ok(d) => {
                use chrono::Datelike;
                Cell::Date(d.year(), d.month(), d.day())
            }
            Err(_) => Cell::Text(s.clone()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e:?}")),
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
