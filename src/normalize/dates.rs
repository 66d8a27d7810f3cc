//! Dates as people and spreadsheets write them.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    Unreadable,
    Impossible,
}

/// Excel serial day → date. `is_1904` for workbooks using the 1904 system.
pub fn from_excel_serial(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let epoch = if is_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)?
    } else {
        // 1899-12-30 absorbs Excel's fictitious 1900-02-29 for every date after it.
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    epoch.checked_add_signed(chrono::Duration::days(days))
}

/// Reads `дд.мм.гггг`, `д.м.гг`, `гггг-мм-дд`, `дд/мм/гггг`, `дд-мм-гггг`, with an optional
/// « г.» and a trailing time. Two-digit years are taken as the most recent past year
/// relative to `today`'s century.
pub fn parse_text(raw: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let s = raw.trim().trim_end_matches('.').trim();
    let s = s
        .strip_suffix("г")
        .or_else(|| s.strip_suffix("года"))
        .unwrap_or(s)
        .trim()
        .trim_end_matches('.');
    // Drop a time part: «01.09.2010 0:00:00», «2010-09-01T00:00:00».
    let s = s.split(['T', ' ']).next().unwrap_or("").trim();
    if s.is_empty() {
        return Err(DateError::Unreadable);
    }
    let parts: Vec<&str> = s.split(['.', '-', '/']).collect();
    if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return Err(DateError::Unreadable);
    }
    let num = |p: &str| p.parse::<i64>().map_err(|_| DateError::Unreadable);
    let (y, m, d) = if parts[0].len() == 4 {
        (num(parts[0])?, num(parts[1])?, num(parts[2])?)
    } else if parts[2].len() == 4 {
        (num(parts[2])?, num(parts[1])?, num(parts[0])?)
    } else if parts[2].len() == 2 {
        let yy = num(parts[2])?;
        let century = (today.year() as i64 / 100) * 100;
        let y = if century + yy > today.year() as i64 {
            century - 100 + yy
        } else {
            century + yy
        };
        (y, num(parts[1])?, num(parts[0])?)
    } else {
        return Err(DateError::Unreadable);
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1000..=9999).contains(&y) {
        return Err(DateError::Impossible);
    }
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32).ok_or(DateError::Impossible)
}

/// A birth date must lie between 1900 and today.
pub fn plausible_birth_date(d: NaiveDate, today: NaiveDate) -> bool {
    d.year() >= 1900 && d <= today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }
    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn excel_serials_in_both_systems() {
        assert_eq!(from_excel_serial(40179.0, false), Some(ymd(2010, 1, 1)));
        assert_eq!(from_excel_serial(61.0, false), Some(ymd(1900, 3, 1)));
        assert_eq!(from_excel_serial(38717.0, true), Some(ymd(2010, 1, 1)));
        assert_eq!(from_excel_serial(-5.0, false), None);
        assert_eq!(from_excel_serial(f64::NAN, false), None);
    }

    #[test]
    fn text_formats() {
        assert_eq!(parse_text("05.03.2009", today()), Ok(ymd(2009, 3, 5)));
        assert_eq!(parse_text("5.3.09", today()), Ok(ymd(2009, 3, 5)));
        assert_eq!(parse_text("5.3.98", today()), Ok(ymd(1998, 3, 5)));
        assert_eq!(parse_text("2009-03-05", today()), Ok(ymd(2009, 3, 5)));
        assert_eq!(parse_text("05/03/2009", today()), Ok(ymd(2009, 3, 5)));
        assert_eq!(parse_text("05.03.2009 г.", today()), Ok(ymd(2009, 3, 5)));
        assert_eq!(parse_text("05.03.2009 0:00:00", today()), Ok(ymd(2009, 3, 5)));
    }

    #[test]
    fn impossible_and_unreadable() {
        assert_eq!(parse_text("31.02.2010", today()), Err(DateError::Impossible));
        assert_eq!(parse_text("32.01.2010", today()), Err(DateError::Impossible));
        assert_eq!(parse_text("весной", today()), Err(DateError::Unreadable));
        assert_eq!(parse_text("1.2", today()), Err(DateError::Unreadable));
    }
}
