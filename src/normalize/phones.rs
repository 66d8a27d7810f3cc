//! Phone numbers to E.164, Russia as the default region.

use phonenumber::country::Id;

/// E.164 form of a phone as people type it, or None when it is not a valid number.
/// «8 (912) 345-67-89», «+7 912 3456789», «89123456789», «79123456789», «8-912-3456789»
/// all become «+79123456789»; foreign numbers with their + are kept.
pub fn to_e164(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    // Several numbers in one cell: the first one counts.
    let first = s.split([',', ';', '/']).next().unwrap_or(s).trim();
    let digits: String = first.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty()
        || first
            .chars()
            .any(|c| c.is_alphabetic() && !matches!(c, 'д' | 'о' | 'б' | 'x' | 'х'))
    {
        return None;
    }
    let candidate = if first.starts_with('+') {
        format!("+{digits}")
    } else if digits.len() == 11 && (digits.starts_with('8') || digits.starts_with('7')) {
        format!("+7{}", &digits[1..])
    } else if digits.len() == 10 && digits.starts_with('9') {
        format!("+7{digits}")
    } else {
        digits.clone()
    };
    // A Russian mobile number (+7 9XX XXX-XX-XX: RU's mobile pattern 9\d{9}) is valid and
    // already in E.164 — most of a roster's phones, without the general parser.
    if candidate.len() == 12 && candidate.starts_with("+79") {
        return Some(candidate);
    }
    let parsed = phonenumber::parse(Some(Id::RU), &candidate).ok()?;
    if !phonenumber::is_valid(&parsed) {
        return None;
    }
    Some(parsed.format().mode(phonenumber::Mode::E164).to_string())
}

/// A well-formed E.164 number: «+» then 7 to 15 digits. Such cells are not neutralised
/// as formulas in CSV/XLSX.
pub fn is_e164(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (7..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_notations() {
        for raw in [
            "8 (912) 345-67-89",
            "+7 912 3456789",
            "89123456789",
            "79123456789",
            "8-912-3456789",
            "9123456789",
        ] {
            assert_eq!(to_e164(raw).as_deref(), Some("+79123456789"), "{raw}");
        }
    }

    /// The fast path for Russian mobiles agrees with the general parser.
    #[test]
    fn russian_mobiles_as_the_parser_reads_them() {
        let mut n: u64 = 9_000_000_000;
        while n <= 9_999_999_999 {
            let candidate = format!("+7{n}");
            let parsed = phonenumber::parse(Some(Id::RU), &candidate).unwrap();
            assert!(phonenumber::is_valid(&parsed), "{candidate}");
            assert_eq!(parsed.format().mode(phonenumber::Mode::E164).to_string(), candidate);
            assert_eq!(to_e164(&format!("8 {n}")).as_deref(), Some(candidate.as_str()));
            n += 7_777_777;
        }
    }

    #[test]
    fn foreign_and_bad() {
        assert_eq!(to_e164("+375 29 123-45-67").as_deref(), Some("+375291234567"));
        assert_eq!(to_e164("12-34"), None);
        assert_eq!(to_e164("нет"), None);
        assert_eq!(to_e164(""), None);
        assert!(is_e164("+79123456789"));
        assert!(!is_e164("+7912abc"));
        assert!(!is_e164("=1+2"));
    }
}
