//! Russian → Latin transliteration: one table, with the few letters whose spelling differs
//! by convention chosen by a [`Style`].
//!
//! | letter | [`Style::Common`] | [`Style::CommonYo`] | [`Style::Passport`] |
//! |---|---|---|---|
//! | ё | e | yo | e |
//! | й | y | y | i |
//! | ю | yu | yu | iu |
//! | я | ya | ya | ia |
//!
//! Every other letter is the same in all styles (х → kh, ц → ts, щ → shch, ы → y, э → e);
//! ъ and ь are dropped.

/// The spelling convention for the letters conventions disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// The spelling most people type (close to GOST 7.79 B / BGN): й → y, ю → yu, я → ya,
    /// ё → e.
    Common,
    /// [`Style::Common`] with ё → yo («Пётр» → «Pyotr»).
    CommonYo,
    /// Russian passports since 2014 (ICAO Doc 9303), without ъ → ie: й → i, ю → iu, я → ia,
    /// ё → e.
    Passport,
}

/// The Latin spelling of one lower-case Russian letter, or `None` for any other character.
pub fn letter(c: char, style: Style) -> Option<&'static str> {
    let t = match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'э' => "e",
        'ё' => match style {
            Style::CommonYo => "yo",
            Style::Common | Style::Passport => "e",
        },
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => match style {
            Style::Common | Style::CommonYo => "y",
            Style::Passport => "i",
        },
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => match style {
            Style::Common | Style::CommonYo => "yu",
            Style::Passport => "iu",
        },
        'я' => match style {
            Style::Common | Style::CommonYo => "ya",
            Style::Passport => "ia",
        },
        _ => return None,
    };
    Some(t)
}

/// Text in Latin letters keeping capitals and everything that is not a Russian letter:
/// «Пётр Журавлёв-Цветков» → «Petr Zhuravlev-Tsvetkov» ([`Style::Common`]).
pub fn transliterate(text: &str, style: Style) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let Some(t) = letter(lower, style) else {
            out.push(c);
            continue;
        };
        let mut letters = t.chars();
        if c.is_uppercase()
            && let Some(first) = letters.next()
        {
            out.push(first.to_ascii_uppercase());
        }
        out.extend(letters);
    }
    out
}

/// A lower-case ASCII key: Russian letters transliterated, ASCII letters and digits kept,
/// everything else (spaces, hyphens, punctuation, other scripts) dropped:
/// «Пётр Щукин» → «petrshchukin».
pub fn ascii_key(text: &str, style: Style) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match letter(c, style) {
            Some(t) => out.push_str(t),
            None if c.is_ascii_alphanumeric() => out.push(c),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_style() {
        assert_eq!(ascii_key("Пётр Щукин", Style::Common), "petrshchukin");
        assert_eq!(ascii_key("Юлия Цой", Style::Common), "yuliyatsoy");
        assert_eq!(ascii_key("Хрущёв", Style::Common), "khrushchev");
        assert_eq!(ascii_key("Подъячев", Style::Common), "podyachev");
        assert_eq!(ascii_key("Ильин", Style::Common), "ilin");
        assert_eq!(transliterate("Наталья Хмельницкая", Style::Common), "Natalya Khmelnitskaya");
        assert_eq!(
            transliterate("Юлия Журавлёва-Цветкова", Style::Common),
            "Yuliya Zhuravleva-Tsvetkova"
        );
    }

    #[test]
    fn common_style_with_yo() {
        assert_eq!(transliterate("Пётр Щукин", Style::CommonYo), "Pyotr Shchukin");
        assert_eq!(transliterate("Дмитрий Чернышёв", Style::CommonYo), "Dmitriy Chernyshyov");
        assert_eq!(transliterate("ЁЖИК", Style::CommonYo), "YoZhIK");
        assert_eq!(ascii_key("Объём", Style::CommonYo), "obyom");
    }

    #[test]
    fn passport_style() {
        assert_eq!(ascii_key("преподавателей", Style::Passport), "prepodavatelei");
        assert_eq!(ascii_key("Юлия", Style::Passport), "iuliia");
        assert_eq!(ascii_key("Щёлково", Style::Passport), "shchelkovo");
        assert_eq!(ascii_key("Объявление", Style::Passport), "obiavlenie");
        assert_eq!(ascii_key("Хабаровск-Ц", Style::Passport), "khabarovskts");
        assert_eq!(transliterate("Ярослав", Style::Passport), "Iaroslav");
    }

    #[test]
    fn other_characters() {
        assert_eq!(ascii_key("ИС-24 (1) Ivanov", Style::Common), "is241ivanov");
        assert_eq!(transliterate("ИС-24 (1) Ivanov", Style::Common), "IS-24 (1) Ivanov");
        assert_eq!(letter('Ж', Style::Common), None);
        assert_eq!(letter('ї', Style::Common), None);
        assert_eq!(transliterate("Подъезд, Ь", Style::Common), "Podezd, ");
    }
}
