//! .docx: every table of a Word document as a sheet. Plan tables often come as Word
//! documents; spreadsheets are read by `read`, HTML-as-.xls by `html`.

use super::table::{Cell, Sheet, Workbook};
use crate::normalize::clean_spaces;
use std::io::Read;

/// Every table of a Word document, one "sheet" each («Таблица 1» …). A vertically merged
/// cell continues the one above (left empty here, as the import expects); a cell spanning
/// columns is followed by empty cells so columns stay aligned.
pub fn read_docx(bytes: &[u8]) -> Result<Workbook, String> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| "это не документ Word (.docx): внутри нет целого архива".to_string())?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|_| "в документе нет word/document.xml: это не .docx".to_string())?
        .read_to_string(&mut xml)
        .map_err(|_| "документ повреждён: испорчена разметка внутри".to_string())?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut wb = Workbook::default();
    let mut depth = 0usize; // table nesting
    let (mut rows, mut row, mut cell): (Vec<Vec<Cell>>, Vec<Cell>, String) = (Vec::new(), Vec::new(), String::new());
    let (mut in_text, mut span, mut para_open) = (false, 1usize, false);
    loop {
        let ev = reader
            .read_event()
            .map_err(|_| "документ повреждён: испорчена разметка внутри".to_string())?;
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "tbl" => {
                        depth += 1;
                        if depth == 1 {
                            rows.clear();
                        }
                    }
                    "tr" if depth == 1 => row.clear(),
                    "tc" if depth == 1 => {
                        cell.clear();
                        span = 1;
                        para_open = false;
                    }
                    "gridSpan" if depth == 1 => {
                        span = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == "val")
                            .and_then(|a| a.value.parse().ok())
                            .unwrap_or(1);
                    }
                    "p" if depth == 1 => {
                        if para_open && !cell.is_empty() {
                            cell.push(' ');
                        }
                        para_open = true;
                    }
                    "t" => in_text = true,
                    "tab" | "br" if depth == 1 && !cell.ends_with(' ') => cell.push(' '),
                    _ => {}
                }
            }
            Event::Text(t) if in_text && depth == 1 => {
                let text = t.xml10_content();
                cell.push_str(&text);
            }
            Event::GeneralRef(r) if in_text && depth == 1 => {
                let name: &str = &r;
                let named = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => None,
                };
                let numeric = name.strip_prefix('#').and_then(|n| match n.strip_prefix(['x', 'X']) {
                    Some(h) => u32::from_str_radix(h, 16).ok(),
                    None => n.parse().ok(),
                });
                if let Some(c) = named.or_else(|| numeric.and_then(char::from_u32)) {
                    cell.push(c);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "tc" if depth == 1 => {
                    let text = clean_spaces(&cell);
                    row.push(if text.is_empty() { Cell::Empty } else { Cell::Text(text) });
                    for _ in 1..span {
                        row.push(Cell::Empty);
                    }
                }
                "tr" if depth == 1 => rows.push(std::mem::take(&mut row)),
                "tbl" => {
                    if depth == 1 {
                        wb.sheets.push(Sheet {
                            name: format!("Таблица {}", wb.sheets.len() + 1),
                            rows: std::mem::take(&mut rows),
                            merges: Vec::new(),
                        });
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if wb.sheets.is_empty() {
        return Err("в документе нет таблиц".into());
    }
    Ok(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_docx_is_said_so() {
        assert!(read_docx(b"plain text").unwrap_err().contains("не документ Word"));
    }
}
