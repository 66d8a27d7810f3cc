//! Writing outputs safely: every file is written to a temporary name and renamed into
//! place when complete (a failed run never leaves a half-written file over a good one),
//! owner-only (0600) since most hold personal data, and neutralised against formula
//! injection for anyone who opens it in a spreadsheet.

pub mod changes;
pub mod movement;
pub mod rollover;
pub mod roster;
pub mod xlsx;

pub use crate::files::{ensure_dir, replace_dir, write_private, write_private_with};

use crate::normalize::phones::is_e164;

/// A text cell that a spreadsheet would run as a formula gets a leading apostrophe;
/// a well-formed E.164 phone number is left as it is.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !is_e164(cell) && !is_plain_number(cell) => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// «-7584551750822», «-0.5»: a number, not a formula (negative chat ids are common).
fn is_plain_number(cell: &str) -> bool {
    let body = cell.strip_prefix('-').unwrap_or(cell);
    !body.is_empty()
        && body.chars().all(|c| c.is_ascii_digit() || c == '.')
        && body.chars().filter(|c| *c == '.').count() <= 1
        && body.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// Machine CSV: UTF-8 without BOM, comma, RFC 4180 quoting, neutralised cells. The rows
/// may be made one at a time (a large roster's rows are never all held as strings).
pub fn csv_bytes<R: AsRef<[String]>>(header: &[&str], rows: impl IntoIterator<Item = R>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_csv(&mut out, header, rows);
    out
}

/// [`csv_bytes`] written to `out` as the rows are made, for a table too large to hold as text.
pub fn write_csv<R: AsRef<[String]>>(out: impl std::io::Write, header: &[&str], rows: impl IntoIterator<Item = R>) -> std::io::Result<()> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.as_ref().iter().map(|c| neutralise(c).into_owned()))?;
    }
    w.flush()
}

/// Excel-friendly CSV for Russian Excel: UTF-8 with BOM and `;`.
pub fn excel_csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| neutralise(c).into_owned()));
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_but_phones_are_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+1+2"), "'+1+2");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("-7584551750822"), "-7584551750822");
        assert_eq!(neutralise("-1-1"), "'-1-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("+79123456789"), "+79123456789");
        assert_eq!(neutralise("Иванов"), "Иванов");
    }

    #[test]
    fn csv_quoting() {
        let b = csv_bytes(&["a", "b"], &[vec!["x,y".into(), "say \"hi\"".into()]]);
        assert_eq!(String::from_utf8(b).unwrap(), "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n");
    }
}
