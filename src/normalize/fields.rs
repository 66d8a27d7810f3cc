//! Parsers of the roster's cells that can be wrong: birth dates, phones, e-mails, СНИЛС, and
//! lists of groups. Each returns the value, or [`Invalid`]: the problem the report shows
//! (rule, what was found, how to fix it), which the caller places in a cell and a branch.

use super::{clean_spaces, dates, phones, snils, text_key};
use crate::problem::{Location, Problem, Rule};
use chrono::NaiveDate;

/// What is wrong with a value, before it is placed in the sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub rule: Rule,
    /// What the report may show of the bad value.
    pub found: String,
    pub fix: String,
}

impl Invalid {
    fn new(rule: Rule, found: impl Into<String>, fix: impl Into<String>) -> Self {
        Invalid {
            rule,
            found: found.into(),
            fix: fix.into(),
        }
    }

    /// The problem at `location`.
    pub fn at(self, location: Location) -> Problem {
        Problem::new(self.rule, location, self.found, self.fix)
    }
}

/// A birth-date cell as the spreadsheet typed it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DateCell<'a> {
    /// A cell the spreadsheet typed as a date: (year, month, day).
    Date(i32, u32, u32),
    Number(f64),
    Text(&'a str),
    /// Anything else (a boolean, an error cell).
    Other,
}

/// A birth date from its cell; `shown` is the cell's text for the report.
pub fn birth_date(cell: DateCell<'_>, shown: impl FnOnce() -> String, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    let parsed = match cell {
        DateCell::Date(y, m, d) => NaiveDate::from_ymd_opt(y, m, d).ok_or(dates::DateError::Impossible),
        DateCell::Number(n) if (1.0..=2_958_465.0).contains(&n) => dates::from_excel_serial(n, false).ok_or(dates::DateError::Impossible),
        DateCell::Text(t) => {
            let t = t.trim();
            // «40179» typed as text is still an Excel serial.
            match t.parse::<f64>() {
                Ok(n) if t.chars().all(|c| c.is_ascii_digit()) && (1000.0..=80_000.0).contains(&n) => {
                    dates::from_excel_serial(n, false).ok_or(dates::DateError::Impossible)
                }
                _ => dates::parse_text(t, today),
            }
        }
        DateCell::Number(_) | DateCell::Other => Err(dates::DateError::Unreadable),
    };
    match parsed {
        Ok(d) if dates::plausible_birth_date(d, today) => Ok(d),
        Ok(d) => Err(Invalid::new(
            Rule::BadDate,
            d.format("%d.%m.%Y").to_string(),
            "дата рождения вне допустимого диапазона (в будущем или до 1900 года); исправьте дату в источнике",
        )),
        Err(e) => {
            let why = match e {
                dates::DateError::Impossible => "такой даты не бывает",
                dates::DateError::Unreadable => "дата не читается",
            };
            Err(Invalid::new(
                Rule::BadDate,
                shown(),
                format!("{why}; запишите дату как дд.мм.гггг (например 05.03.2009)"),
            ))
        }
    }
}

/// A phone number in E.164.
pub fn phone(text: &str) -> Result<String, Invalid> {
    phones::to_e164(text).ok_or_else(|| {
        Invalid::new(
            Rule::BadPhone,
            text,
            "номер не распознан; запишите его полностью, например 8 912 345-67-89 или +7 912 345-67-89",
        )
    })
}

/// A lower-cased e-mail address.
pub fn email(text: &str) -> Result<String, Invalid> {
    super::email(text).ok_or_else(|| {
        Invalid::new(
            Rule::BadEmail,
            text,
            "адрес e-mail не похож на настоящий (нужно имя@домен.ru); уточните его у человека",
        )
    })
}

/// The salted hash of a valid СНИЛС; the clear number is never kept.
pub fn snils_hash(text: &str, salt: &[u8]) -> Result<String, Invalid> {
    match snils::validate(text) {
        Some(digits) => Ok(snils::salted_hash(&digits, salt)),
        None => {
            // The clear number is personal data: the report shows only what is wrong with it.
            let digits = text.chars().filter(char::is_ascii_digit).count();
            let found = if digits == 11 {
                "11 цифр, контрольное число не сходится".to_string()
            } else {
                format!("{digits} цифр вместо 11")
            };
            Err(Invalid::new(
                Rule::BadSnils,
                found,
                "СНИЛС с ошибкой (11 цифр, последние две — контрольное число); сверьте с документом",
            ))
        }
    }
}

/// The groups in one cell: «ИС-24-1, ИС-24-2» / «5А; 6Б» («-» and «нет» name none).
pub fn group_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n', '/'])
        .map(clean_spaces)
        .filter(|g| !g.is_empty() && g != "-" && text_key(g) != "нет")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn birth_dates() {
        let today = day(2026, 11, 22);
        let shown = || "x".to_string();
        assert_eq!(birth_date(DateCell::Date(2009, 3, 5), shown, today), Ok(day(2009, 3, 5)));
        assert_eq!(birth_date(DateCell::Text(" 05.03.2009 "), shown, today), Ok(day(2009, 3, 5)));
        assert_eq!(birth_date(DateCell::Text("39877"), shown, today), Ok(day(2009, 3, 5)));
        assert_eq!(birth_date(DateCell::Number(39877.0), shown, today), Ok(day(2009, 3, 5)));
        let bad = birth_date(DateCell::Text("31.02.2009"), || "31.02.2009".into(), today).unwrap_err();
        assert_eq!((bad.rule, bad.found.as_str()), (Rule::BadDate, "31.02.2009"));
        assert!(bad.fix.starts_with("такой даты не бывает"));
        let future = birth_date(DateCell::Date(2030, 1, 1), shown, today).unwrap_err();
        assert_eq!(future.found, "01.01.2030");
        assert!(
            birth_date(DateCell::Other, shown, today)
                .unwrap_err()
                .fix
                .starts_with("дата не читается")
        );
    }

    #[test]
    fn contacts() {
        assert_eq!(phone("8 (912) 345-67-89"), Ok("+79123456789".to_string()));
        assert_eq!(phone("12-34").unwrap_err().rule, Rule::BadPhone);
        assert_eq!(email(" Ivanova@Mail.RU "), Ok("ivanova@mail.ru".to_string()));
        assert_eq!(email("ivanova@mail").unwrap_err().found, "ivanova@mail");
    }

    #[test]
    fn snils_never_shows_the_number() {
        let bad = snils_hash("112-233-445 96", b"salt").unwrap_err();
        assert_eq!(
            (bad.rule, bad.found.as_str()),
            (Rule::BadSnils, "11 цифр, контрольное число не сходится")
        );
        assert_eq!(snils_hash("123", b"salt").unwrap_err().found, "3 цифр вместо 11");
    }

    #[test]
    fn group_lists() {
        assert_eq!(group_list("ИС-24-1, ИС-24-2"), ["ИС-24-1", "ИС-24-2"]);
        assert_eq!(group_list("5А; 6Б / -"), ["5А", "6Б"]);
        assert!(group_list("нет").is_empty());
    }
}
