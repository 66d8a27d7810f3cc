//! Person names: splitting one ФИО cell, case, and the key names are compared by.

use super::clean_spaces;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonName {
    pub surname: String,
    pub first_name: String,
    /// Empty when there is none.
    pub patronymic: String,
}

/// The longest word a name may have. Real surnames stay under 40 letters; a longer word is
/// a pasted text or garbage, and carrying it through every stage costs memory for nothing.
pub const MAX_NAME_WORD: usize = 60;

/// Whether `raw` has a word longer than [`MAX_NAME_WORD`] characters.
fn too_long(raw: &str) -> bool {
    raw.len() > MAX_NAME_WORD
        && raw
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .any(|w| w.chars().count() > MAX_NAME_WORD)
}

impl PersonName {
    /// Splits «Иванов Иван Иванович»; two words are surname + first name; more than three
    /// keep the rest as the patronymic («Алиев Рустам Гусейн оглы»).
    /// A word longer than [`MAX_NAME_WORD`] letters is not a name: `None`, as for an empty cell.
    pub fn parse_fio(raw: &str) -> Option<PersonName> {
        if too_long(raw) {
            return None;
        }
        let cleaned = clean_spaces(&strip_noise(raw));
        let words: Vec<&str> = cleaned.split(' ').filter(|w| !w.is_empty()).collect();
        if words.is_empty() || !words.iter().any(|w| w.chars().any(char::is_alphabetic)) {
            return None;
        }
        let fix = |w: &str| proper_case(w);
        Some(match words.as_slice() {
            [one] => PersonName {
                surname: fix(one),
                ..Default::default()
            },
            [s, f] => PersonName {
                surname: fix(s),
                first_name: fix(f),
                patronymic: String::new(),
            },
            [s, f, rest @ ..] => PersonName {
                surname: fix(s),
                first_name: fix(f),
                patronymic: rest.iter().map(|w| fix(w)).collect::<Vec<_>>().join(" "),
            },
            [] => return None,
        })
    }

    pub fn from_parts(surname: &str, first: &str, patronymic: &str) -> Option<PersonName> {
        if [surname, first, patronymic].iter().any(|s| too_long(s)) {
            return None;
        }
        let part = |s: &str| {
            clean_spaces(&strip_noise(s))
                .split(' ')
                .map(proper_case)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let n = PersonName {
            surname: part(surname),
            first_name: part(first),
            patronymic: part(patronymic),
        };
        if n.surname.is_empty() && n.first_name.is_empty() {
            None
        } else {
            Some(n)
        }
    }

    pub fn full(&self) -> String {
        [&self.surname, &self.first_name, &self.patronymic]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// «Иванова И.И.»
    pub fn short(&self) -> String {
        let mut s = self.surname.clone();
        for part in [&self.first_name, &self.patronymic] {
            if let Some(c) = part.chars().next() {
                if s.len() == self.surname.len() {
                    s.push(' ');
                }
                s.push(c);
                s.push('.');
            }
        }
        s
    }

    /// Compared with ё = е and case ignored.
    pub fn key(&self) -> String {
        super::text_key(&self.full())
    }

    /// The key of «Фамилия И.О.»: surname and initials, for matching a curator written short.
    pub fn initials_key(&self) -> String {
        let mut k = super::text_key(&self.surname);
        for part in [&self.first_name, &self.patronymic] {
            if let Some(c) = super::text_key(part).chars().next() {
                k.push(' ');
                k.push(c);
            }
        }
        k
    }
}

/// Parses «Иванова И.И.», «Иванова И. И.», «И.И. Иванова» into (surname key, initials).
pub fn parse_short_name(raw: &str) -> Option<String> {
    let cleaned = clean_spaces(raw);
    let mut surname = None;
    let mut initials = String::new();
    for token in cleaned.split([' ', '.']).filter(|t| !t.is_empty()) {
        if token.chars().count() == 1 {
            initials.push(' ');
            initials.push_str(&super::text_key(token));
        } else if surname.is_none() {
            surname = Some(super::text_key(token));
        } else {
            // A full name: take first letters of the remaining words.
            initials.push(' ');
            initials.push(super::text_key(token).chars().next()?);
        }
    }
    Some(format!("{}{}", surname?, initials))
}

/// Drops digits and stray punctuation people paste around names (numbering, asterisks).
fn strip_noise(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphabetic() || c == '-' || c == '\'' || c == '’' || c.is_whitespace() {
                c
            } else {
                ' '
            }
        })
        .collect::<String>()
        .replace(" -", " ")
        .replace("- ", " ")
}

/// «ИВАНОВА-ПЕТРОВА» → «Иванова-Петрова»; «иван» → «Иван»; mixed case is kept as typed.
pub fn proper_case(word: &str) -> String {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    let all_upper = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
    let all_lower = !letters.is_empty() && letters.iter().all(|c| c.is_lowercase());
    if !all_upper && !all_lower {
        return word.to_string();
    }
    word.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_longer_than_any_name_is_not_a_name() {
        let word = "Ж".repeat(MAX_NAME_WORD + 1);
        assert_eq!(PersonName::parse_fio(&format!("{word} Иван Иванович")), None);
        assert_eq!(PersonName::from_parts("Иванов", &word, ""), None);
        let longest = "Ж".repeat(MAX_NAME_WORD);
        assert!(PersonName::parse_fio(&format!("{longest} Иван")).is_some());
        // Long cells of ordinary words are still names (the patronymic keeps the rest).
        assert!(PersonName::parse_fio(&"Оглы ".repeat(40)).is_some());
    }

    #[test]
    fn splits_fio_and_fixes_case() {
        let n = PersonName::parse_fio("  ИВАНОВА-ПЕТРОВА   АННА  сергеевна ").unwrap();
        assert_eq!(n.surname, "Иванова-Петрова");
        assert_eq!(n.first_name, "Анна");
        assert_eq!(n.patronymic, "Сергеевна");
        let n = PersonName::parse_fio("Семёнов Пётр").unwrap();
        assert_eq!(
            (n.surname.as_str(), n.first_name.as_str(), n.patronymic.as_str()),
            ("Семёнов", "Пётр", "")
        );
        assert_eq!(n.key(), "семенов петр");
        let n = PersonName::parse_fio("Алиев Рустам Гусейн оглы").unwrap();
        assert_eq!(n.patronymic, "Гусейн Оглы");
        assert_eq!(PersonName::parse_fio(" 12 "), None);
        assert_eq!(PersonName::parse_fio("1. Петров Иван").unwrap().full(), "Петров Иван");
    }

    #[test]
    fn mixed_case_is_kept() {
        assert_eq!(proper_case("МакКензи"), "МакКензи");
        assert_eq!(proper_case("Д'Артаньян"), "Д'Артаньян");
    }

    #[test]
    fn short_names_match_full_ones() {
        let full = PersonName::parse_fio("Петрова Анна Сергеевна").unwrap();
        assert_eq!(parse_short_name("Петрова А.С.").unwrap(), full.initials_key());
        assert_eq!(parse_short_name("Петрова А. С.").unwrap(), full.initials_key());
        assert_eq!(parse_short_name("ПЕТРОВА  А.С").unwrap(), full.initials_key());
        assert_eq!(full.short(), "Петрова А.С.");
    }
}
