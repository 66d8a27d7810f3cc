//! Writing outputs safely: every file is written to a temporary name and renamed into
//! place when complete (a failed run never leaves a half-written file over a good one),
//! owner-only (0600) since most hold personal data, and neutralised against formula
//! injection for anyone who opens it in a spreadsheet.

pub mod changes;
pub mod roster;
pub mod xlsx;

use crate::normalize::phones::is_e164;
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Creates a folder owner-only; an existing folder keeps the rights its owner gave it.
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically and owner-only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp: PathBuf = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Machine CSV: UTF-8 without BOM, comma, RFC 4180 quoting, neutralised cells.
pub fn csv_bytes(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(r.iter().map(|c| neutralise(c).into_owned()));
    }
    w.into_inner().unwrap_or_default()
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

/// Writes `files` (paths relative to `dir`) owner-only into a fresh folder beside `dir` and
/// swaps it in: readers never see a mix of old and new files, and a failure leaves the old.
pub fn replace_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    use anyhow::Context;
    let parent = dir.parent().unwrap_or(Path::new("."));
    ensure_dir(parent)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!(".{name}-tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    ensure_dir(&tmp)?;
    for (rel, bytes) in files {
        let path = tmp.join(rel);
        if let Some(p) = path.parent() {
            ensure_dir(p).with_context(|| format!("cannot create {}", p.display()))?;
        }
        write_private(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    std::fs::rename(&tmp, dir).with_context(|| format!("cannot move the files into {}", dir.display()))?;
    Ok(())
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
