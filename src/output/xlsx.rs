//! XLSX for people: text always written as strings (never formulas), neutralised,
//! a bold frozen header, sensible widths, sheet names within Excel's limits.

use super::neutralise;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

pub struct SheetData {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Excel allows 31 characters and forbids `[]:*?/\`; names must be unique.
pub fn sheet_name(raw: &str, used: &mut Vec<String>) -> String {
    let cleaned: String = raw.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).collect();
    let cleaned = cleaned.trim_matches('\'').trim();
    let base: String = if cleaned.is_empty() {
        "Лист".into()
    } else {
        cleaned.chars().take(31).collect()
    };
    let mut name = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.to_lowercase() == name.to_lowercase()) {
        let suffix = format!(" ({n})");
        name = format!("{}{}", base.chars().take(31 - suffix.chars().count()).collect::<String>(), suffix);
        n += 1;
    }
    used.push(name.clone());
    name
}

/// A short run of digits without a leading zero is a count; ids, phones and codes are text.
fn as_count(v: &str) -> Option<f64> {
    (v.len() <= 7 && v.chars().all(|c| c.is_ascii_digit()) && !(v.len() > 1 && v.starts_with('0')))
        .then(|| v.parse().ok())
        .flatten()
}

pub fn workbook_bytes(sheets: &[SheetData]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // A fixed creation time keeps the same inputs giving the same bytes.
    let epoch = ExcelDateTime::from_ymd(2026, 1, 1)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
    let bold = Format::new().set_bold();
    let mut used = Vec::new();
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&s.name, &mut used))?;
        let mut widths: Vec<usize> = s.header.iter().map(|h| h.chars().count()).collect();
        for (c, h) in s.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if v.is_empty() {
                } else if let Some(n) = as_count(v) {
                    // Counts are numbers, so Excel can sum them.
                    ws.write_number((r + 1) as u32, c as u16, n)?;
                } else {
                    ws.write_string((r + 1) as u32, c as u16, neutralise(v))?;
                }
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(v.chars().count());
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*w as f64 + 2.0).min(60.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
        if !s.rows.is_empty() {
            ws.autofilter(0, 0, s.rows.len() as u32, (s.header.len().max(1) - 1) as u16)?;
        }
    }
    if sheets.is_empty() {
        wb.add_worksheet();
    }
    wb.save_to_buffer()
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
        assert_eq!(a.chars().count(), 31);
        assert!(b.ends_with(" (2)") && b.chars().count() <= 31);
    }
}
