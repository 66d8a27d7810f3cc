//! A text too long for one message, cut into parts of at most `limit` characters: at
//! paragraph boundaries (blank lines); a paragraph that alone is too long at line
//! boundaries, then at spaces, and a word longer than a message in pieces. Nothing but
//! the whitespace at a cut is lost, and the parts keep the text's order.

/// Where a text may be cut, from the most to the least natural.
const SEPARATORS: [&str; 3] = ["\n\n", "\n", " "];

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The parts of `text` (trimmed), each at most `limit` characters (`limit` ≥ 1); one part
/// when it fits, none when it is blank.
pub fn split(text: &str, limit: usize) -> Vec<String> {
    let text = text.trim();
    let mut out = Vec::new();
    if !text.is_empty() {
        pack(text, limit.max(1), &SEPARATORS, &mut out);
    }
    out
}

fn flush(part: &mut String, out: &mut Vec<String>) {
    let t = part.trim_end().trim_start_matches(['\n', '\r']);
    if !t.trim().is_empty() {
        out.push(t.to_string());
    }
    part.clear();
}

/// Greedy: as many pieces between `seps[0]` as fit in one part; a piece that alone does
/// not fit is cut at the finer separators.
fn pack(text: &str, limit: usize, seps: &[&str], out: &mut Vec<String>) {
    if chars(text) <= limit {
        let mut part = text.to_string();
        flush(&mut part, out);
        return;
    }
    let Some((&sep, finer)) = seps.split_first() else {
        // One word longer than a message: cut it where it must be cut.
        let all: Vec<char> = text.chars().collect();
        out.extend(all.chunks(limit).map(|c| c.iter().collect::<String>()));
        return;
    };
    let mut part = String::new();
    let mut len = 0;
    for piece in text.split(sep) {
        if piece.trim().is_empty() {
            continue;
        }
        let n = chars(piece);
        if n > limit {
            flush(&mut part, out);
            len = 0;
            pack(piece, limit, finer, out);
            continue;
        }
        let joined = if part.is_empty() { n } else { len + chars(sep) + n };
        if joined <= limit {
            if !part.is_empty() {
                part.push_str(sep);
            }
            part.push_str(piece);
            len = joined;
        } else {
            flush(&mut part, out);
            part.push_str(piece);
            len = n;
        }
    }
    flush(&mut part, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_space(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// Every part fits, none is blank, and the parts in order are the text but for
    /// whitespace at the cuts.
    fn check(text: &str, limit: usize) -> Vec<String> {
        let parts = split(text, limit);
        for p in &parts {
            assert!(chars(p) <= limit, "part of {} > {limit}: {p:?}", chars(p));
            assert!(!p.trim().is_empty());
            assert_eq!(p.trim(), p, "parts are trimmed");
        }
        assert_eq!(no_space(&parts.concat()), no_space(text), "text {text:?} limit {limit}");
        parts
    }

    #[test]
    fn a_short_text_is_one_part() {
        assert_eq!(split("  Привет\n\nмир\n", 100), vec!["Привет\n\nмир"]);
        assert!(split(" \n\n ", 10).is_empty());
    }

    #[test]
    fn paragraphs_are_kept_whole_and_packed() {
        let text = "аааа\n\nбббб\n\nвввв\n\nгггг";
        // Two paragraphs and the blank line between them: 4 + 2 + 4 = 10.
        assert_eq!(check(text, 10), vec!["аааа\n\nбббб", "вввв\n\nгггг"]);
        assert_eq!(check(text, 9), vec!["аааа", "бббб", "вввв", "гггг"]);
        let parts = check(text, 16);
        assert_eq!(parts.join("\n\n"), text, "cut only at blank lines");
    }

    #[test]
    fn a_long_paragraph_is_cut_at_lines_then_words_then_anywhere() {
        let text = "первая строка\nвторая строка\n\nкороткий";
        assert_eq!(check(text, 15), vec!["первая строка", "вторая строка", "короткий"]);
        assert_eq!(check("раз два три четыре", 8), vec!["раз два", "три", "четыре"]);
        assert_eq!(check("абвгдежзий", 4), vec!["абвг", "дежз", "ий"]);
        // Counted in characters, not bytes: 4,000 Cyrillic letters are one message.
        let long = "я".repeat(4000);
        assert_eq!(check(&long, 4000), vec![long.clone()]);
        assert_eq!(check(&format!("{long} я"), 4000).len(), 2);
    }

    #[test]
    fn random_texts_split_within_the_limit_and_whole() {
        // A small seeded generator: words, lines, paragraphs, runs of blank lines and spaces.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..500 {
            let mut text = String::new();
            for _ in 0..next(60) {
                let long = next(20) == 0;
                let word_len = 1 + next(if long { 60 } else { 9 });
                for _ in 0..word_len {
                    text.push(['а', 'б', 'x', 'ё', '7', '—'][next(6) as usize]);
                }
                text.push_str(["  ", " ", " ", "\n", "\n\n", "\n\n\n", " \n \n"][next(7) as usize]);
            }
            let limit = 1 + next(80) as usize;
            check(&text, limit);
        }
    }
}
