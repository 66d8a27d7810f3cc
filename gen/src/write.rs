//! Writers: one neutral [`Sheet`] model, five formats. Every writer is deterministic:
//! no clock, no hash-map order reaches the bytes.

use crate::table::{RowKind, Sheet, V};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// The fixed "document created" stamp of every generated workbook.
const STAMP: (u16, u8, u8) = (2025, 10, 1);

pub fn xlsx(path: &Path, sheets: &[Sheet]) -> Result<()> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook};
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(STAMP.0, STAMP.1, STAMP.2)?.and_hms(9, 0, 0)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created).set_author("rollout-gen"));
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_align(FormatAlign::Left);
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let vmerged = Format::new().set_align(FormatAlign::Center).set_align(FormatAlign::VerticalCenter);
    for sh in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sh.name)?;
        for (c, w) in sh.widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        let covered = sh.covered();
        let tops: HashMap<(usize, usize), usize> = sh.vmerges.iter().map(|m| ((m.first, m.col), m.last)).collect();
        for (r, row) in sh.rows.iter().enumerate() {
            let r32 = r as u32;
            match row.kind {
                RowKind::Title | RowKind::GroupRow | RowKind::Total => {
                    let text = row.cells.first().map(|c| c.v.shown()).unwrap_or_default();
                    let span = sh.span_of(row.kind);
                    let fmt = if row.kind == RowKind::Total { &bold } else { &title };
                    if span > 1 {
                        ws.merge_range(r32, 0, r32, (span - 1) as u16, &text, fmt)?;
                    } else {
                        ws.write_string_with_format(r32, 0, &text, fmt)?;
                    }
                }
                RowKind::Header => {
                    for (c, cell) in row.cells.iter().enumerate() {
                        ws.write_string_with_format(r32, c as u16, cell.v.shown(), &bold)?;
                    }
                }
                RowKind::Data | RowKind::Blank | RowKind::Note => {
                    for (c, cell) in row.cells.iter().enumerate() {
                        if covered.contains(&(r, c)) {
                            continue;
                        }
                        let c16 = c as u16;
                        if let Some(&last) = tops.get(&(r, c)) {
                            ws.merge_range(r32, c16, last as u32, c16, &cell.v.shown(), &vmerged)?;
                            continue;
                        }
                        match &cell.v {
                            V::Empty => {}
                            V::Text(s) => {
                                ws.write_string(r32, c16, s)?;
                            }
                            V::Int(n) => {
                                ws.write_number(r32, c16, *n as f64)?;
                            }
                            V::Date(d) => {
                                let dt = ExcelDateTime::from_ymd(d.y as u16, d.m as u8, d.d as u8)?;
                                ws.write_datetime_with_format(r32, c16, &dt, &date)?;
                            }
                        }
                    }
                }
            }
        }
    }
    wb.save(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// An OpenDocument spreadsheet, written by hand: the spreadsheet-ods crate keeps
/// namespaces, styles and manifest entries in std HashMaps, so its bytes change from run
/// to run. This writer emits one fixed text for the same sheets.
pub fn ods(path: &Path, sheets: &[Sheet]) -> Result<()> {
    let mut x = String::with_capacity(1 << 16);
    x.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<office:document-content",
        " xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\"",
        " xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\"",
        " xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\"",
        " xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\"",
        " xmlns:number=\"urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0\"",
        " xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\"",
        " office:version=\"1.2\">",
        "<office:automatic-styles>",
        "<number:date-style style:name=\"N1\"><number:day number:style=\"long\"/><number:text>.</number:text>",
        "<number:month number:style=\"long\"/><number:text>.</number:text><number:year number:style=\"long\"/></number:date-style>",
        "<style:style style:name=\"ce1\" style:family=\"table-cell\" style:data-style-name=\"N1\"/>",
        "<style:style style:name=\"ce2\" style:family=\"table-cell\"><style:text-properties fo:font-weight=\"bold\"/></style:style>",
        "</office:automatic-styles><office:body><office:spreadsheet>\n",
    ));
    for sh in sheets {
        x.push_str(&format!("<table:table table:name=\"{}\">", esc(&sh.name)));
        x.push_str(&format!("<table:table-column table:number-columns-repeated=\"{}\"/>\n", sh.ncols));
        let covered = sh.covered();
        let tops: HashMap<(usize, usize), usize> = sh.vmerges.iter().map(|m| ((m.first, m.col), m.last)).collect();
        for (r, row) in sh.rows.iter().enumerate() {
            x.push_str("<table:table-row>");
            let span = sh.span_of(row.kind);
            if span > 1 {
                let text = row.cells.first().map(|c| c.v.shown()).unwrap_or_default();
                x.push_str(&format!(
                    "<table:table-cell table:style-name=\"ce2\" table:number-columns-spanned=\"{span}\" office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                    esc(&text)
                ));
                x.push_str(&format!(
                    "<table:covered-table-cell table:number-columns-repeated=\"{}\"/>",
                    span - 1
                ));
            } else {
                let bold = if row.kind == RowKind::Header {
                    " table:style-name=\"ce2\""
                } else {
                    ""
                };
                for (c, cell) in row.cells.iter().enumerate() {
                    if covered.contains(&(r, c)) {
                        x.push_str("<table:covered-table-cell/>");
                        continue;
                    }
                    let rows_spanned = tops.get(&(r, c)).map_or(String::new(), |&last| {
                        format!(" table:number-rows-spanned=\"{}\" table:number-columns-spanned=\"1\"", last - r + 1)
                    });
                    match &cell.v {
                        V::Empty => x.push_str(&format!("<table:table-cell{rows_spanned}/>")),
                        V::Text(t) => x.push_str(&format!(
                            "<table:table-cell{bold}{rows_spanned} office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                            esc(t)
                        )),
                        V::Int(n) => x.push_str(&format!(
                            "<table:table-cell{rows_spanned} office:value-type=\"float\" office:value=\"{n}\"><text:p>{n}</text:p></table:table-cell>"
                        )),
                        V::Date(d) => x.push_str(&format!(
                            "<table:table-cell table:style-name=\"ce1\"{rows_spanned} office:value-type=\"date\" office:date-value=\"{:04}-{:02}-{:02}\"><text:p>{}</text:p></table:table-cell>",
                            d.y, d.m, d.d, d.dmy()
                        )),
                    }
                }
                // cells of a vertical merge past the row's last value
                for c in row.cells.len()..sh.ncols {
                    if covered.contains(&(r, c)) {
                        x.push_str("<table:covered-table-cell/>");
                    }
                }
            }
            x.push_str("</table:table-row>\n");
        }
        x.push_str("</table:table>\n");
    }
    x.push_str("</office:spreadsheet></office:body></office:document-content>\n");

    const MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";
    let manifest = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\n",
            " <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.2\" manifest:media-type=\"{}\"/>\n",
            " <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\n",
            " <manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>\n",
            "</manifest:manifest>\n"
        ),
        MIME
    );
    let meta = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<office:document-meta xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\"",
            " xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" office:version=\"1.2\">",
            "<office:meta><meta:generator>rollout-gen</meta:generator>",
            "<meta:creation-date>{:04}-{:02}-{:02}T09:00:00</meta:creation-date></office:meta></office:document-meta>\n"
        ),
        STAMP.0, STAMP.1, STAMP.2
    );

    use zip::write::SimpleFileOptions;
    let stamp = zip::DateTime::from_date_and_time(STAMP.0, STAMP.1, STAMP.2, 9, 0, 0).map_err(|e| anyhow!("{e}"))?;
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(stamp);
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp);
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // the mimetype entry comes first and uncompressed, so that `file` and readers can sniff it
    z.start_file("mimetype", stored)?;
    z.write_all(MIME.as_bytes())?;
    z.start_file("META-INF/manifest.xml", deflated)?;
    z.write_all(manifest.as_bytes())?;
    z.start_file("meta.xml", deflated)?;
    z.write_all(meta.as_bytes())?;
    z.start_file("content.xml", deflated)?;
    z.write_all(x.as_bytes())?;
    let buf = z.finish()?.into_inner();
    std::fs::write(path, buf).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[derive(Clone, Copy)]
pub enum Encoding {
    Utf8Bom,
    Windows1251,
}

/// A CSV as Excel saves one: title lines padded with separators, CRLF line ends.
pub fn csv(path: &Path, sheet: &Sheet, sep: char, enc: Encoding) -> Result<()> {
    let mut text = String::new();
    for row in &sheet.rows {
        let mut fields: Vec<String> = row
            .cells
            .iter()
            .map(|c| match &c.v {
                V::Empty => String::new(),
                V::Text(s) => csv_quote(s, sep),
                V::Int(n) => n.to_string(),
                V::Date(d) => d.dmy(),
            })
            .collect();
        fields.resize(sheet.ncols, String::new());
        text.push_str(&fields.join(&sep.to_string()));
        text.push_str("\r\n");
    }
    let bytes = match enc {
        Encoding::Utf8Bom => {
            let mut b = vec![0xef, 0xbb, 0xbf];
            b.extend_from_slice(text.as_bytes());
            b
        }
        Encoding::Windows1251 => {
            let (b, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&text);
            if unmappable {
                bail!("{}: text not representable in Windows-1251", path.display());
            }
            b.into_owned()
        }
    };
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn csv_quote(s: &str, sep: char) -> String {
    if s.contains(sep) || s.contains('"') || s.contains('\n') || s.contains('\r') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// An HTML table saved as `.xls`, as e-journals export it.
pub fn html_xls(path: &Path, sheet: &Sheet, title: &str) -> Result<()> {
    let mut h = String::new();
    h.push_str("<html>\r\n<head>\r\n<meta charset=\"utf-8\">\r\n<title>");
    h.push_str(&esc(title));
    h.push_str("</title>\r\n</head>\r\n<body>\r\n<table border=\"1\">\r\n");
    for row in &sheet.rows {
        h.push_str("<tr>");
        let span = sheet.span_of(row.kind);
        match row.kind {
            RowKind::Title | RowKind::GroupRow | RowKind::Total if span > 1 => {
                let text = row.cells.first().map(|c| c.v.shown()).unwrap_or_default();
                h.push_str(&format!("<td colspan=\"{span}\"><b>{}</b></td>", esc(&text)));
            }
            _ => {
                for c in 0..sheet.ncols {
                    let text = row.cells.get(c).map(|c| c.v.shown()).unwrap_or_default();
                    if row.kind == RowKind::Header {
                        h.push_str(&format!("<td><b>{}</b></td>", esc(&text)));
                    } else {
                        h.push_str(&format!("<td>{}</td>", esc(&text)));
                    }
                }
            }
        }
        h.push_str("</tr>\r\n");
    }
    h.push_str("</table>\r\n</body>\r\n</html>\r\n");
    std::fs::write(path, h).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The BIFF8 writer: Rust has none, so Python's xlwt does it from a JSON description.
const XLS_SCRIPT: &str = r#"
import sys, json, datetime
try:
    import xlwt
except ImportError:
    sys.exit(3)
spec = json.load(sys.stdin)
wb = xlwt.Workbook(encoding="utf-8")
bold = xlwt.easyxf("font: bold on")
datef = xlwt.easyxf(num_format_str="DD.MM.YYYY")
plain = xlwt.Style.default_style
for sh in spec["sheets"]:
    ws = wb.add_sheet(sh["name"])
    for c, w in enumerate(sh["widths"]):
        ws.col(c).width = int(w * 256)
    skip = set()
    for r1, r2, c1, c2, text, b in sh["merges"]:
        ws.write_merge(r1, r2, c1, c2, text, bold if b else plain)
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                skip.add((r, c))
    header = set(sh["header_rows"])
    for r, row in enumerate(sh["rows"]):
        for c, cell in enumerate(row):
            if cell is None or (r, c) in skip:
                continue
            kind, v = cell
            if kind == "d":
                ws.write(r, c, datetime.date(*v), datef)
            else:
                ws.write(r, c, v, bold if r in header else plain)
wb.save(sys.argv[1])
"#;

pub fn xls(path: &Path, sheets: &[Sheet]) -> Result<()> {
    use serde_json::{Value, json};
    let mut spec_sheets = Vec::new();
    for sh in sheets {
        let mut rows = Vec::new();
        let mut merges = Vec::new();
        let mut header_rows = Vec::new();
        let covered = sh.covered();
        for m in &sh.vmerges {
            let text = sh.rows[m.first].cells[m.col].v.shown();
            merges.push(json!([m.first, m.last, m.col, m.col, text, false]));
        }
        for (r, row) in sh.rows.iter().enumerate() {
            let span = sh.span_of(row.kind);
            if span > 1 {
                let text = row.cells.first().map(|c| c.v.shown()).unwrap_or_default();
                merges.push(json!([r, r, 0, span - 1, text, row.kind != RowKind::Total]));
                rows.push(Value::Array(Vec::new()));
                continue;
            }
            if row.kind == RowKind::Header {
                header_rows.push(r);
            }
            let cells: Vec<Value> = row
                .cells
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    if covered.contains(&(r, c)) {
                        return Value::Null;
                    }
                    match &cell.v {
                        V::Empty => Value::Null,
                        V::Text(s) => json!(["s", s]),
                        V::Int(n) => json!(["n", n]),
                        V::Date(d) => json!(["d", [d.y, d.m, d.d]]),
                    }
                })
                .collect();
            rows.push(Value::Array(cells));
        }
        spec_sheets.push(json!({
            "name": sh.name, "widths": sh.widths, "merges": merges,
            "header_rows": header_rows, "rows": rows,
        }));
    }
    let spec = serde_json::to_vec(&json!({ "sheets": spec_sheets }))?;
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(XLS_SCRIPT)
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "python3 not found: it is needed (with the xlwt module) to write the BIFF8 file {}; \
             install Python 3 and run `pip install xlwt`",
            path.display()
        ),
        Err(e) => return Err(e).context("starting python3"),
    };
    child.stdin.take().expect("piped").write_all(&spec).context("feeding python3")?;
    let status = child.wait().context("waiting for python3")?;
    match status.code() {
        Some(0) => Ok(()),
        Some(3) => bail!(
            "the Python module xlwt is missing: it is needed to write the BIFF8 file {}; run `pip install xlwt`",
            path.display()
        ),
        _ => bail!("python3/xlwt failed ({status}) writing {}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::table::{Row, VMerge};

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("rollout-gen-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn sample_sheet() -> Sheet {
        let mut sh = Sheet::new("ЛФ-24-1", 4, 1);
        sh.push(Row::text(RowKind::Title, "Группа ЛФ-24-1"));
        sh.push(Row::header(&["№", "ФИО", "Дата рождения", "Курс"]));
        sh.push(Row::new(
            RowKind::Data,
            vec![V::Int(1), V::text("Пётр <&> «Ёлкин»"), V::Date(Date::new(2009, 3, 5)), V::Int(2)],
        ));
        sh.push(Row::new(RowKind::Data, vec![V::Int(2), V::text("Анна"), V::Empty, V::Int(2)]));
        sh.vmerges.push(VMerge { col: 3, first: 2, last: 3 });
        sh
    }

    #[test]
    fn ods_reads_back_with_an_independent_reader() {
        let dir = temp("ods");
        let path = dir.join("t.ods");
        ods(&path, &[sample_sheet()]).expect("write");
        let wb = spreadsheet_ods::read_ods(&path).expect("read back");
        let sh = wb.sheet(0);
        assert_eq!(sh.name(), "ЛФ-24-1");
        assert_eq!(sh.value(0, 0).as_str_or(""), "Группа ЛФ-24-1");
        assert_eq!(sh.col_span(0, 0), 4);
        assert_eq!(sh.value(2, 1).as_str_or(""), "Пётр <&> «Ёлкин»");
        assert_eq!(sh.value(2, 0).as_f64_or(0.0), 1.0);
        assert_eq!(sh.value(2, 2).as_date_opt(), Some(chrono_date(2009, 3, 5)), "a real date cell");
        assert_eq!(sh.row_span(2, 3), 2);
        std::fs::remove_dir_all(dir).ok();
    }

    fn chrono_date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn writers_are_byte_stable() {
        let dir = temp("stable");
        let sheets = [sample_sheet()];
        let mut seen = Vec::new();
        for i in 0..2 {
            let (a, b) = (dir.join(format!("{i}.ods")), dir.join(format!("{i}.xlsx")));
            ods(&a, &sheets).expect("ods");
            xlsx(&b, &sheets).expect("xlsx");
            seen.push((std::fs::read(a).expect("read"), std::fs::read(b).expect("read")));
        }
        assert!(seen[0] == seen[1], "same sheets, different bytes");
        std::fs::remove_dir_all(dir).ok();
    }
}
