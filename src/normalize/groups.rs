//! Group names: «5a» → «5А», «ИC-24» (Latin C) → «ИС-24», «ИС 24» → «ИС-24» when the
//! branch writes its groups with a dash. Spelling is decided per branch by majority.

use super::clean_spaces;
use std::collections::HashMap;

const LOOKALIKES: [(char, char); 19] = [
    ('A', 'А'),
    ('B', 'В'),
    ('C', 'С'),
    ('E', 'Е'),
    ('H', 'Н'),
    ('K', 'К'),
    ('M', 'М'),
    ('O', 'О'),
    ('P', 'Р'),
    ('T', 'Т'),
    ('X', 'Х'),
    ('Y', 'У'),
    ('a', 'а'),
    ('c', 'с'),
    ('e', 'е'),
    ('o', 'о'),
    ('p', 'р'),
    ('x', 'х'),
    ('y', 'у'),
];

/// The Cyrillic twin of a Latin letter. A lower-case letter whose capital has a twin counts
/// too («m» → «м»): codes are upper-cased later, and «5m» must not become «5M» on one
/// pass and «5М» on the next.
fn cyrillic_for(c: char) -> Option<char> {
    let twin = |c: char| LOOKALIKES.iter().find(|(l, _)| *l == c).map(|(_, k)| *k);
    twin(c).or_else(|| {
        if c.is_ascii_lowercase() {
            twin(c.to_ascii_uppercase()).and_then(|k| k.to_lowercase().next())
        } else {
            None
        }
    })
}

/// Latin look-alikes become Cyrillic when every Latin letter of the name has a Cyrillic twin.
fn fix_lookalikes(s: &str) -> String {
    let latin = |c: char| c.is_ascii_alphabetic();
    if s.chars().filter(|c| latin(*c)).all(|c| cyrillic_for(c).is_some()) {
        s.chars().map(|c| cyrillic_for(c).unwrap_or(c)).collect()
    } else {
        s.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Digits,
    Letters,
}

/// Alternating runs of letters and digits with the separators between them.
fn tokens(s: &str) -> (Vec<(Kind, String)>, Vec<String>) {
    let mut toks: Vec<(Kind, String)> = Vec::new();
    let mut seps: Vec<String> = Vec::new();
    let mut sep = String::new();
    for c in s.chars() {
        let kind = if c.is_ascii_digit() {
            Some(Kind::Digits)
        } else if c.is_alphabetic() {
            Some(Kind::Letters)
        } else {
            None
        };
        match kind {
            Some(k) => match toks.last_mut() {
                Some((lk, text)) if *lk == k && sep.is_empty() => text.push(c),
                _ => {
                    if !toks.is_empty() {
                        seps.push(std::mem::take(&mut sep));
                    }
                    sep.clear();
                    toks.push((k, c.to_string()));
                }
            },
            None => {
                if !toks.is_empty() {
                    sep.push(c)
                }
            }
        }
    }
    (toks, seps)
}

/// Separator between two tokens, normalised: dashes of every kind → «-», spaces around a
/// dash dropped, other runs of spaces → one space.
fn norm_sep(sep: &str) -> String {
    let dashed: String = sep
        .chars()
        .map(|c| if matches!(c, '–' | '—' | '‑' | '_') { '-' } else { c })
        .collect();
    if dashed.contains('-') {
        "-".into()
    } else if dashed.trim().is_empty() {
        if dashed.is_empty() { String::new() } else { " ".into() }
    } else {
        clean_spaces(&dashed)
    }
}

/// Capitals for a code, letter by letter; a letter whose capital is more than one character
/// («ǰ» → «J̌») stays as it is, so a second pass reads the same letters.
fn upper(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// The spelling of one group name on its own, before the branch majority is applied.
pub fn normalize_alone(raw: &str) -> String {
    let s = clean_spaces(&fix_lookalikes(raw.trim()));
    let (toks, seps) = tokens(&s);
    if toks.is_empty() {
        return s;
    }
    // A school class: «5 а», «5-А», «10б» → «5А», «10Б».
    if toks.len() == 2 && toks[0].0 == Kind::Digits && toks[1].0 == Kind::Letters && toks[1].1.chars().count() == 1 {
        let sep = norm_sep(&seps[0]);
        if sep.is_empty() || sep == " " || sep == "-" {
            return format!("{}{}", toks[0].1, upper(&toks[1].1));
        }
    }
    let has_digits = toks.iter().any(|(k, _)| *k == Kind::Digits);
    let mut out = String::new();
    // Keep text before the first token (e.g. an opening quote) as it was.
    let lead: String = s.chars().take_while(|c| !c.is_alphanumeric()).collect();
    out.push_str(&lead);
    for (i, (kind, text)) in toks.iter().enumerate() {
        if i > 0 {
            out.push_str(&norm_sep(&seps[i - 1]));
        }
        // Codes like «ис-24-1» are upper-cased; words like «Пчёлки» are not.
        if *kind == Kind::Letters && has_digits && text.chars().count() <= 5 {
            out.push_str(&upper(text));
        } else {
            out.push_str(text);
        }
    }
    let trail: String = s
        .chars()
        .rev()
        .take_while(|c| !c.is_alphanumeric())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if trail.chars().any(|c| c == ')' || c == '»' || c == '"') {
        out.push_str(&trail);
    }
    out
}

/// The identity of a group name regardless of spelling: tokens, lower case, ё = е.
pub fn group_key(raw: &str) -> String {
    let s = fix_lookalikes(&clean_spaces(raw));
    let (toks, _) = tokens(&s);
    toks.iter().map(|(_, t)| super::text_key(t)).collect::<Vec<_>>().join("|")
}

/// Collects every spelling seen per branch, then names each group by the branch majority.
#[derive(Debug, Default)]
pub struct GroupNamer {
    /// (branch, key) → spelling → count
    seen: HashMap<(String, String), HashMap<String, usize>>,
    /// branch → separator → count, over boundaries between letters and digits
    style: HashMap<String, HashMap<String, usize>>,
    /// alias key → canonical name, per branch ("" = every branch)
    aliases: HashMap<(String, String), String>,
    /// branch → raw spelling → canonical: names repeat on every row of a roster.
    cache: std::cell::RefCell<HashMap<String, HashMap<String, String>>>,
}

impl GroupNamer {
    pub fn new() -> Self {
        Self::default()
    }

    /// `[[groups]]` aliases: exact canonical names that override the majority.
    pub fn add_alias(&mut self, branch: Option<&str>, alias: &str, canonical: &str) {
        let b = branch.unwrap_or("").to_string();
        self.aliases.insert((b, group_key(alias)), canonical.trim().to_string());
    }

    fn alias(&self, branch: &str, raw: &str) -> Option<&String> {
        let key = group_key(raw);
        self.aliases
            .get(&(branch.to_string(), key.clone()))
            .or_else(|| self.aliases.get(&(String::new(), key)))
    }

    pub fn observe(&mut self, branch: &str, raw: &str) {
        self.cache.get_mut().clear();
        if self.alias(branch, raw).is_some() {
            return;
        }
        let spelling = normalize_alone(raw);
        if spelling.is_empty() {
            return;
        }
        let (toks, seps) = tokens(&spelling);
        for (i, sep) in seps.iter().enumerate() {
            if toks[i].0 != toks[i + 1].0 {
                *self.style.entry(branch.to_string()).or_default().entry(sep.clone()).or_default() += 1;
            }
        }
        *self
            .seen
            .entry((branch.to_string(), group_key(&spelling)))
            .or_default()
            .entry(spelling)
            .or_default() += 1;
    }

    /// The name to use for `raw` in `branch`.
    pub fn canonical(&self, branch: &str, raw: &str) -> String {
        if let Some(hit) = self.cache.borrow().get(branch).and_then(|m| m.get(raw)) {
            return hit.clone();
        }
        let name = self.compute(branch, raw);
        self.cache
            .borrow_mut()
            .entry(branch.to_string())
            .or_default()
            .insert(raw.to_string(), name.clone());
        name
    }

    fn compute(&self, branch: &str, raw: &str) -> String {
        if let Some(name) = self.alias(branch, raw) {
            return name.clone();
        }
        let alone = normalize_alone(raw);
        let Some(spellings) = self.seen.get(&(branch.to_string(), group_key(&alone))) else {
            return alone;
        };
        let branch_sep = self
            .style
            .get(branch)
            .and_then(|m| m.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0))))
            .map(|(s, _)| s.clone());
        let conforms = |s: &str| -> usize {
            let (t, seps) = tokens(s);
            seps.iter()
                .enumerate()
                .filter(|(i, sep)| t[*i].0 != t[i + 1].0 && Some(*sep) == branch_sep.as_ref())
                .count()
        };
        let best = spellings
            .iter()
            .max_by(|a, b| {
                a.1.cmp(b.1)
                    .then_with(|| conforms(a.0).cmp(&conforms(b.0)))
                    .then_with(|| b.0.cmp(a.0))
            })
            .map(|(s, _)| s.clone())
            .unwrap_or(alone);
        // A lone spelling with a space where the branch writes a dash follows the branch.
        match branch_sep.as_deref() {
            Some("-") => {
                let (toks, seps) = tokens(&best);
                if seps.iter().enumerate().any(|(i, s)| s == " " && toks[i].0 != toks[i + 1].0) {
                    let mut out = toks[0].1.clone();
                    for (i, sep) in seps.iter().enumerate() {
                        out.push_str(if sep == " " && toks[i].0 != toks[i + 1].0 { "-" } else { sep });
                        out.push_str(&toks[i + 1].1);
                    }
                    return out;
                }
                best
            }
            _ => best,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookalikes_become_cyrillic_only_when_all_latin_letters_have_twins() {
        assert_eq!(normalize_alone("5A"), "5А");
        assert_eq!(normalize_alone("ИC-24"), "ИС-24");
        assert_eq!(normalize_alone("TM-23"), "ТМ-23");
        assert_eq!(normalize_alone("IT-21"), "IT-21");
    }

    #[test]
    fn class_letter_and_separators() {
        assert_eq!(normalize_alone("5а"), "5А");
        assert_eq!(normalize_alone("5 А"), "5А");
        assert_eq!(normalize_alone("5-А"), "5А");
        assert_eq!(normalize_alone(" 10 б "), "10Б");
        assert_eq!(normalize_alone("ис–24–1"), "ИС-24-1");
        assert_eq!(normalize_alone("ИС - 24"), "ИС-24");
        assert_eq!(normalize_alone("Пчёлки"), "Пчёлки");
        assert_eq!(normalize_alone("  Юный   техник "), "Юный техник");
    }

    #[test]
    fn keys_ignore_spelling() {
        assert_eq!(group_key("ИС 24-1"), group_key("ИC-24-1"));
        assert_eq!(group_key("Пчёлки"), group_key("пчелки"));
        assert_ne!(group_key("ИС-24-1"), group_key("ИС-24-2"));
    }

    #[test]
    fn branch_majority_decides_the_spelling() {
        let mut n = GroupNamer::new();
        for s in ["ИС-24", "ИС-24", "ИС 24", "ТМ-23", "ТМ-23", "БУ 25"] {
            n.observe("Заречный", s);
        }
        assert_eq!(n.canonical("Заречный", "ИС 24"), "ИС-24");
        // The only spelling of БУ 25 follows the branch's dash style.
        assert_eq!(n.canonical("Заречный", "БУ 25"), "БУ-25");
        // Another branch that writes without dashes keeps its own style.
        n.observe("Лесной", "ИС24");
        n.observe("Лесной", "ИС24");
        assert_eq!(n.canonical("Лесной", "ИС24"), "ИС24");
    }

    #[test]
    fn aliases_override() {
        let mut n = GroupNamer::new();
        n.add_alias(None, "ИСП-24", "ИС-24-1");
        n.observe("x", "ИСП 24");
        assert_eq!(n.canonical("x", "исп-24"), "ИС-24-1");
    }
}
