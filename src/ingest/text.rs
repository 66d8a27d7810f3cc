//! CSV/TSV/TXT: detect the encoding (UTF-8 with or without BOM, UTF-16 with BOM,
//! Windows-1251 and its Cyrillic cousins) and the delimiter (`;` `,` tab), then split.

use super::table::{Cell, ReadNote, ReadOptions, Sheet, Workbook};
pub use crate::fields::delimiter_byte;
use encoding_rs::{Encoding, IBM866, KOI8_R, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1251};

/// How Russian a decoded text looks: share of letters that are common Cyrillic ones,
/// penalising box-drawing and control characters that a wrong code page produces.
fn cyrillic_score(text: &str) -> f64 {
    const COMMON: &str = "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъёОЕАИНТСРВЛКМДПУЯЫЬГЗБЧЙХЖШЮЦЩЭФЪЁ";
    let (mut good, mut bad, mut letters) = (0usize, 0usize, 0usize);
    for c in text.chars().take(200_000) {
        if ('\u{400}'..='\u{4ff}').contains(&c) {
            letters += 1;
            if COMMON.contains(c) {
                good += 1;
            }
            // Lower-case letters dominate real text; KOI8-R read as 1251 inverts the case.
            if c.is_lowercase() {
                good += 1;
            }
        } else if ('\u{2500}'..='\u{25ff}').contains(&c) || (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            bad += 1;
        }
    }
    if letters == 0 {
        return 0.0;
    }
    (good as f64 - 4.0 * bad as f64) / (2.0 * letters as f64)
}

pub struct Decoded {
    pub text: String,
    pub unclear: Option<String>,
    pub had_nul: bool,
}

pub fn decode(bytes: &[u8], forced: Option<&str>) -> Result<Decoded, String> {
    if let Some(label) = forced {
        let enc = Encoding::for_label(label.as_bytes()).ok_or_else(|| format!("неизвестная кодировка «{label}»"))?;
        let (text, _, _) = enc.decode(bytes);
        return Ok(strip_nul(text.into_owned(), false));
    }
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        let (text, _, _) = enc.decode(bytes);
        return Ok(strip_nul(text.into_owned(), false));
    }
    // UTF-16 without a BOM: every other byte is zero.
    if bytes.len() >= 4 {
        let sample = &bytes[..bytes.len().min(4096)];
        let zeros_odd = sample.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        let zeros_even = sample.iter().step_by(2).filter(|b| **b == 0).count();
        let half = sample.len() / 2;
        if zeros_odd * 10 > half * 8 {
            return Ok(strip_nul(UTF_16LE.decode_without_bom_handling(bytes).0.into_owned(), false));
        }
        if zeros_even * 10 > half * 8 {
            return Ok(strip_nul(UTF_16BE.decode_without_bom_handling(bytes).0.into_owned(), false));
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(strip_nul(s.to_string(), false));
    }
    // Not UTF-8: one of the Cyrillic single-byte code pages, by which reads most like Russian.
    let mut best: Option<(f64, &'static Encoding, String)> = None;
    for enc in [WINDOWS_1251, KOI8_R, IBM866] {
        let text = enc.decode_without_bom_handling(bytes).0.into_owned();
        let score = cyrillic_score(&text);
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, enc, text));
        }
    }
    let (score, enc, text) = best.unwrap_or((0.0, UTF_8, String::from_utf8_lossy(bytes).into_owned()));
    let mut d = strip_nul(text, false);
    // Too few plausible letters: say we guessed.
    if score < 0.6 {
        d.unclear = Some(enc.name().to_string());
    }
    Ok(d)
}

fn strip_nul(text: String, _: bool) -> Decoded {
    if text.contains('\0') {
        Decoded {
            text: text.replace('\0', ""),
            unclear: None,
            had_nul: true,
        }
    } else {
        Decoded {
            text,
            unclear: None,
            had_nul: false,
        }
    }
}

/// The delimiter among `;` `,` tab that splits the first lines most consistently.
pub fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(60).collect();
    let mut best = (b';', -1.0f64);
    for d in [b';', b'\t', b','] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let nonzero: Vec<usize> = counts.iter().copied().filter(|c| *c > 0).collect();
        if nonzero.is_empty() {
            continue;
        }
        // The most common count among lines, weighted by how many lines agree.
        let mut freq = std::collections::HashMap::new();
        for c in &nonzero {
            *freq.entry(*c).or_insert(0usize) += 1;
        }
        let (mode, agree) = freq.into_iter().max_by_key(|(c, n)| (*n, *c)).unwrap_or((0, 0));
        let score = agree as f64 * (1.0 + (mode as f64).ln_1p());
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: u8) -> usize {
    let mut inside = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            inside = !inside;
        } else if b == d && !inside {
            n += 1;
        }
    }
    n
}

/// Whether the text ends inside a quoted field.
fn unbalanced_quotes(text: &str, d: u8) -> Option<usize> {
    let mut inside = false;
    let mut field_start = true;
    let mut opened_line = 0;
    let mut line = 1;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if inside {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    inside = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else if b == b'"' && field_start {
            inside = true;
            opened_line = line;
        } else if b == b'\n' {
            line += 1;
        }
        field_start = !inside && (b == d || b == b'\n' || b == b'\r');
        i += 1;
    }
    inside.then_some(opened_line)
}

pub fn read_text(bytes: &[u8], ext: &str, opts: &ReadOptions) -> Result<Workbook, String> {
    let decoded = decode(bytes, opts.encoding.as_deref())?;
    let mut wb = Workbook {
        is_text: true,
        ..Default::default()
    };
    if let Some(used) = decoded.unclear {
        wb.notes.push(ReadNote::EncodingUnclear { used });
    }
    let text = decoded.text.trim_start_matches('\u{feff}');
    let delim = match opts.delimiter.as_deref().and_then(delimiter_byte) {
        Some(d) => d,
        None if ext == "tsv" => b'\t',
        None => detect_delimiter(text),
    };
    let mut quoting = true;
    if decoded.had_nul {
        wb.notes.push(ReadNote::CsvMalformed {
            what: "в тексте есть нулевые байты (NUL), они удалены".into(),
        });
    }
    if let Some(line) = unbalanced_quotes(text, delim) {
        wb.notes.push(ReadNote::CsvMalformed {
            what: format!("кавычка, открытая в строке {line}, не закрыта; файл прочитан построчно без учёта кавычек"),
        });
        quoting = false;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .quoting(quoting)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let at = e.position().map(|p| format!(", строка {}", p.line())).unwrap_or_default();
            format!("текст не делится на поля{at}: проверьте кавычки и разделители")
        })?;
        let mut row: Vec<Cell> = rec
            .iter()
            .map(|f| {
                let f = if quoting { f } else { f.trim_matches('"') };
                if f.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(f.to_string())
                }
            })
            .collect();
        while row.last().is_some_and(Cell::is_empty) {
            row.pop();
        }
        rows.push(row);
    }
    wb.sheets.push(Sheet {
        name: String::new(),
        rows,
        merges: Vec::new(),
    });
    Ok(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1251_is_detected() {
        let (bytes, _, _) = WINDOWS_1251.encode("ФИО;Группа\nИванов Иван Иванович;ИС-24-1\n");
        let d = decode(&bytes, None).unwrap();
        assert!(d.text.starts_with("ФИО;Группа"));
        assert!(d.unclear.is_none());
    }

    #[test]
    fn koi8_is_told_from_1251() {
        let (bytes, _, _) = KOI8_R.encode("ФИО;Группа\nпетрова мария сергеевна;ис-24-1\nсидоров пётр;ис-24-2\n");
        let d = decode(&bytes, None).unwrap();
        assert!(d.text.contains("петрова мария"), "{}", d.text);
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "ФИО\tГруппа\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        assert!(decode(&bytes, None).unwrap().text.starts_with("ФИО\tГруппа"));
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        // Commas inside a name do not win over the semicolons.
        assert_eq!(detect_delimiter("ФИО;Группа\nИванов, Иван;5А\nПетров, Пётр;5Б\n"), b';');
    }

    #[test]
    fn unbalanced_quote_is_found() {
        assert_eq!(unbalanced_quotes("a;\"b\nc;d\n", b';'), Some(1));
        assert_eq!(unbalanced_quotes("a;\"b;\"\"x\"\"\"\nc;d\n", b';'), None);
    }
}
