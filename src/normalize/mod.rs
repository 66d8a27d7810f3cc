//! Normalisation of the values people type: names, group names, dates, phones, e-mails,
//! СНИЛС. Pure functions; `fields` says what is wrong with a cell, the roster builder says
//! where it is and what is left out.

pub mod dates;
pub mod fields;
pub mod groups;
pub mod names;
pub mod phones;
pub mod snils;

/// Collapses whitespace (including NBSP) to single spaces and trims.
/// Characters that are never part of a name: control characters (NUL, BEL, …), the
/// bidirectional marks and overrides (U+200E/F, U+202A–E, U+2066–9, U+061C) and the
/// zero-width ones. A U+202E in a name would show it reversed in every table.
pub fn is_invisible(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{061c}')
}

/// Text without [`is_invisible`] characters.
pub fn strip_invisible(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(is_invisible) {
        s.chars().filter(|c| !is_invisible(*c)).collect::<String>().into()
    } else {
        s.into()
    }
}

pub fn clean_spaces(s: &str) -> String {
    let s = strip_invisible(s);
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{feff}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A key for comparing free text: lower case, ё = е, punctuation and quotes dropped,
/// spaces collapsed.
pub fn text_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    // a letter or digit, lower-cased, ё as е
    fn letter(c: char, out: &mut String, space: &mut bool) {
        if *space && !out.is_empty() {
            out.push(' ');
        }
        *space = false;
        out.push(c);
    }
    for ch in s.chars() {
        // ASCII and the Russian alphabet without Unicode's tables (most of every roster);
        // the same result as the general path below (unit-tested)
        match ch {
            'a'..='z' | '0'..='9' | 'а'..='е' | 'ж'..='я' => letter(ch, &mut out, &mut space),
            'A'..='Z' => letter(ch.to_ascii_lowercase(), &mut out, &mut space),
            'ё' | 'Ё' | 'Е' => letter('е', &mut out, &mut space),
            'А'..='Я' => letter(char::from_u32(ch as u32 + 0x20).unwrap_or(ch), &mut out, &mut space),
            '\0'..='\x7f' => space = true,
            _ => {
                for c in ch.to_lowercase() {
                    let c = if c == 'ё' { 'е' } else { c };
                    if c.is_alphanumeric() {
                        letter(c, &mut out, &mut space);
                    } else {
                        space = true;
                    }
                }
            }
        }
    }
    out
}

/// Lower-cased, trimmed e-mail if it is a valid address.
pub fn email(raw: &str) -> Option<String> {
    let e = raw.trim().trim_matches(|c| c == '<' || c == '>').trim().to_lowercase();
    let e = e.strip_prefix("mailto:").unwrap_or(&e).to_string();
    if e.is_empty() || !e.contains('@') {
        return None;
    }
    let parsed = email_address::EmailAddress::parse_with_options(&e, email_address::Options::default().without_display_text()).ok()?;
    // Require a dotted domain: `ivanova@mail` is a typo, not an intranet address.
    let domain = parsed.domain();
    if !domain.contains('.') || domain.ends_with('.') || domain.starts_with('.') {
        return None;
    }
    Some(parsed.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path for ASCII and the Russian alphabet gives what Unicode's tables give.
    #[test]
    fn the_fast_key_is_the_general_one() {
        fn general(s: &str) -> String {
            let mut out = String::new();
            let mut space = false;
            for c in s.chars().flat_map(char::to_lowercase) {
                let c = if c == 'ё' { 'е' } else { c };
                if c.is_alphanumeric() {
                    if space && !out.is_empty() {
                        out.push(' ');
                    }
                    space = false;
                    out.push(c);
                } else {
                    space = true;
                }
            }
            out
        }
        let all: String = (0u32..0x0500).filter_map(char::from_u32).collect();
        assert_eq!(text_key(&all), general(&all));
        for c in (0u32..0x0500).filter_map(char::from_u32) {
            let s = format!("x{c}Ё {c}-й");
            assert_eq!(text_key(&s), general(&s), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn keys_ignore_case_yo_and_punctuation() {
        assert_eq!(text_key(" Заречный  филиал "), "заречный филиал");
        assert_eq!(text_key("Семёнов"), text_key("СЕМЕНОВ"));
        assert_eq!(text_key("ГБПОУ «Колледж»"), "гбпоу колледж");
    }

    #[test]
    fn emails() {
        assert_eq!(email(" Ivanova@Mail.RU "), Some("ivanova@mail.ru".into()));
        assert_eq!(email("ivanova@mail"), None);
        assert_eq!(email("ivanova.mail.ru"), None);
        assert_eq!(email("iv anova@mail.ru"), None);
        assert_eq!(email(""), None);
    }

    #[test]
    fn spaces() {
        assert_eq!(clean_spaces("  Иванов \u{a0} Иван\tИванович "), "Иванов Иван Иванович");
    }
}
