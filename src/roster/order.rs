//! Natural order of group names: «5А» < «10А», «ИС-24-2» < «ИС-24-10».

use crate::normalize::text_key;

/// A sort key that orders «5А» < «10А» and «ИС-24-2» < «ИС-24-10».
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NaturalKey(Vec<(bool, usize, String)>);

impl NaturalKey {
    pub fn new(s: &str) -> Self {
        let mut out: Vec<(bool, usize, String)> = Vec::new();
        let mut cur = String::new();
        let mut digits = false;
        let flush = |cur: &mut String, digits: bool, out: &mut Vec<(bool, usize, String)>| {
            if !cur.is_empty() {
                let t = std::mem::take(cur);
                // Digit runs compare by length then text (numeric order); letter runs by key.
                if digits {
                    out.push((true, t.len(), t));
                } else {
                    out.push((false, 0, text_key(&t)));
                }
            }
        };
        for c in s.chars() {
            let d = c.is_ascii_digit();
            if d != digits {
                flush(&mut cur, digits, &mut out);
                digits = d;
            }
            cur.push(c);
        }
        flush(&mut cur, digits, &mut out);
        NaturalKey(out)
    }
}

/// «5А» < «10А»; «ИС-24-2» < «ИС-24-10».
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let d = c.is_ascii_digit();
            match out.last_mut() {
                Some((ld, t)) if *ld == d => t.push(c),
                _ => out.push((d, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let ord = match (x.0, y.0) {
            (true, true) => x.1.len().cmp(&y.1.len()).then_with(|| x.1.cmp(&y.1)),
            _ => text_key(&x.1).cmp(&text_key(&y.1)),
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}
