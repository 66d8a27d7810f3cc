//! E-journals often save an HTML page with a `.xls` name. We read its tables as sheets.

use super::table::{Cell, Merge, Sheet, Workbook};
use scraper::{Html, Selector};

pub fn looks_like_html(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(2048)];
    let text = String::from_utf8_lossy(head).to_lowercase();
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with('<') && (t.contains("<html") || t.contains("<table") || t.contains("<!doctype html") || t.contains("<meta"))
}

/// Decodes the page (UTF-8, or Windows-1251 when it says so or is not UTF-8).
fn decode(bytes: &[u8]) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_lowercase();
    if head.contains("windows-1251") || head.contains("cp1251") || std::str::from_utf8(bytes).is_err() {
        encoding_rs::WINDOWS_1251.decode(bytes).0.into_owned()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

pub fn read_html(bytes: &[u8]) -> Result<Workbook, String> {
    let doc = Html::parse_document(&decode(bytes));
    let table_sel = Selector::parse("table").map_err(|e| e.to_string())?;
    let row_sel = Selector::parse("tr").map_err(|e| e.to_string())?;
    let cell_sel = Selector::parse("td, th").map_err(|e| e.to_string())?;
    let mut wb = Workbook::default();
    for (i, table) in doc.select(&table_sel).enumerate() {
        let mut sheet = Sheet {
            name: format!("Таблица {}", i + 1),
            ..Default::default()
        };
        // Cells covered by a rowspan from above: (row, col).
        let mut covered: std::collections::HashSet<(usize, usize)> = Default::default();
        for (r, tr) in table.select(&row_sel).enumerate() {
            let mut row = Vec::new();
            let mut c = 0;
            for td in tr.select(&cell_sel) {
                while covered.contains(&(r, c)) {
                    row.push(Cell::Empty);
                    c += 1;
                }
                let text = crate::normalize::clean_spaces(&td.text().collect::<String>());
                let span = |name: &str| {
                    td.value()
                        .attr(name)
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(1)
                        .clamp(1, 1000)
                };
                let (cs, rs) = (span("colspan"), span("rowspan"));
                row.push(if text.is_empty() { Cell::Empty } else { Cell::Text(text) });
                for _ in 1..cs {
                    row.push(Cell::Empty);
                }
                if cs > 1 || rs > 1 {
                    sheet.merges.push(Merge {
                        first_row: r as u32,
                        first_col: c as u32,
                        last_row: (r + rs - 1) as u32,
                        last_col: (c + cs - 1) as u32,
                    });
                    for dr in 1..rs {
                        for dc in 0..cs {
                            covered.insert((r + dr, c + dc));
                        }
                    }
                }
                c += cs;
            }
            sheet.rows.push(row);
        }
        wb.sheets.push(sheet);
    }
    if wb.sheets.is_empty() {
        return Err("HTML-страница без таблицы".into());
    }
    Ok(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tables_with_spans() {
        let page = "<html><meta charset=utf-8><table><tr><td colspan=2>Список</td></tr>\
            <tr><th>ФИО</th><th>Группа</th></tr><tr><td>Иванов Иван</td><td rowspan=2>ИС-24</td></tr>\
            <tr><td>Петров Пётр</td></tr></table></html>";
        assert!(looks_like_html(page.as_bytes()));
        let wb = read_html(page.as_bytes()).unwrap();
        let mut s = wb.sheets[0].clone();
        s.fill_merges();
        assert_eq!(s.cell(3, 0).as_text(), "Петров Пётр");
        assert_eq!(s.cell(3, 1).as_text(), "ИС-24");
    }
}
