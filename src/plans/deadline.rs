//! Deadlines as people write them in plans: «20.02.2024- 29.02.2024г.», «23.03.2024г.»,
//! «в течение марта», «до 1 марта», «до 01.03.2024», «к 1 сентября», «март 2024»,
//! «II квартал», «I четверть», «I полугодие», «до конца учебного года».
//!
//! Rules: a window's end is inclusive; «до D» and «к D» end on D (and have no start); a
//! month is its first to its last day; a missing year comes from the neighbouring rows
//! (`year`), and is the calendar year the period starts in; school terms come from
//! `[calendar] terms` with the usual Russian defaults.

use chrono::NaiveDate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
}

pub use crate::config::{Term, default_terms};

pub struct Context<'a> {
    /// The year of the neighbouring rows, when this row does not say it.
    pub year: Option<i32>,
    /// The month of that neighbouring date: it tells which school year «III четверть» or
    /// «до конца учебного года» means (a date from August on is in the school year starting then).
    pub month: Option<u32>,
    pub terms: &'a [Term],
    /// The last day of the school year (month, day): 31 May in schools, 30 June in colleges.
    pub school_year_end: (u32, u32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error(
        "срок «{0}» не распознан: пишите, например, «20.02.2024 - 29.02.2024», «до 01.03.2024», «1–15 марта», «в течение марта», «март–апрель 2024», «II квартал», «I четверть»"
    )]
    Unreadable(String),
    #[error("в сроке «{0}» нет года, и в соседних строках его тоже нет: допишите год")]
    NoYear(String),
    #[error("срок «{0}»: такой даты не бывает")]
    Impossible(String),
    #[error("срок «{0}»: конец раньше начала")]
    Reversed(String),
    #[error("«{0}» — это не срок: для постоянной работы укажите период, например «в течение учебного года» или «до 31.05.2025»")]
    NoDeadline(String),
    #[error("срок «{0}»: такого периода нет в [[calendar.terms]] rollout.toml — добавьте его (name, start, end)")]
    NoTerm(String),
}

const MONTHS: [(&str, u32); 12] = [
    ("январ", 1),
    ("феврал", 2),
    ("март", 3),
    ("апрел", 4),
    ("ма", 5),
    ("июн", 6),
    ("июл", 7),
    ("август", 8),
    ("сентябр", 9),
    ("октябр", 10),
    ("ноябр", 11),
    ("декабр", 12),
];

fn month_of(word: &str) -> Option<u32> {
    let w = word.to_lowercase();
    // «май», «мая», «мае» — but not «март…».
    if w.starts_with("март") {
        return Some(3);
    }
    if matches!(w.as_str(), "май" | "мая" | "мае" | "маю") {
        return Some(5);
    }
    MONTHS
        .iter()
        .filter(|(stem, _)| *stem != "ма")
        .find(|(stem, _)| w.starts_with(stem))
        .map(|(_, m)| *m)
}

fn roman(word: &str) -> Option<u32> {
    match word.trim_end_matches('.').to_uppercase().as_str() {
        "I" | "1" => Some(1),
        "II" | "2" => Some(2),
        "III" | "3" => Some(3),
        "IV" | "4" => Some(4),
        _ => None,
    }
}

fn last_day(y: i32, m: u32) -> NaiveDate {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MIN)
}

/// «20.02.2024», «1.3.24», «01.03»: (day, month, year if given).
fn numeric_date(s: &str) -> Option<(u32, u32, Option<i32>)> {
    let s = s
        .trim()
        .trim_end_matches(['.', ','])
        .trim_end_matches("года")
        .trim_end_matches('г')
        .trim_end_matches('.');
    let parts: Vec<&str> = s.split('.').collect();
    let num = |p: &str| p.trim().parse::<i64>().ok();
    match parts.as_slice() {
        [d, m] => Some((num(d)? as u32, num(m)? as u32, None)),
        [d, m, y] => {
            let y = num(y)?;
            let y = if y < 100 { 2000 + y } else { y };
            Some((num(d)? as u32, num(m)? as u32, Some(y as i32)))
        }
        _ => None,
    }
}

fn ymd(y: i32, m: u32, d: u32, raw: &str) -> Result<NaiveDate, DeadlineError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| DeadlineError::Impossible(raw.to_string()))
}

/// The year the text names (four digits), if any.
pub fn year_in(text: &str) -> Option<i32> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|t| t.len() == 4)
        .filter_map(|t| t.parse().ok())
        .find(|y| (1990..=2100).contains(y))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Num(u32),
    Year(i32),
    Date(u32, u32, Option<i32>),
    Month(u32),
    Roman(u32),
    Dash,
    Quarter,
    Term(&'static str),
    /// «учебного года», «учебный год»
    SchoolYear,
    /// «года», «год» not after a year: «в течение года»
    YearWord,
}

/// One side of a window, before years are settled.
#[derive(Debug, Clone, Copy)]
enum Point {
    Day(u32, u32),
    DayOnly(u32),
    Month(u32),
}

/// Words that say nothing about the dates, only how they are put.
const FILLER: [&str; 16] = [
    "в",
    "во",
    "течение",
    "теч",
    "срок",
    "срока",
    "числа",
    "включительно",
    "с",
    "со",
    "на",
    "период",
    "месяца",
    "г",
    "г.",
    "гг",
];

/// Words that mean "ends on": «до», «к», «по», «не позднее».
const UNTIL: [&str; 5] = ["до", "к", "по", "позднее", "позже"];

fn tokens(text: &str) -> Result<(Vec<Tok>, bool, bool), &'static str> {
    let (mut toks, mut until, mut end_of) = (Vec::new(), false, false);
    // ISO dates («2024-03-15») first: the dash splits ranges below.
    let text: String = text
        .split_whitespace()
        .map(|w| match NaiveDate::parse_from_str(w.trim_end_matches(['.', ',']), "%Y-%m-%d") {
            Ok(d) => d.format("%d.%m.%Y").to_string(),
            Err(_) => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace('-', " - ");
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|w| w.trim_matches(|c: char| matches!(c, '(' | ')' | '«' | '»' | '"')))
        .filter(|w| !w.is_empty())
        .collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let bare = w.trim_end_matches(['.', ',']);
        let digits_year = bare.trim_end_matches("года").trim_end_matches(['г', '.']);
        i += 1;
        if w == "-" {
            toks.push(Tok::Dash);
        } else if digits_year.len() == 4 && digits_year.chars().all(|c| c.is_ascii_digit()) {
            toks.push(Tok::Year(digits_year.parse().unwrap_or(0)));
            // «2024 года», «2024 г.»
            if words
                .get(i)
                .is_some_and(|n| matches!(n.trim_end_matches('.'), "г" | "года" | "год" | "гг"))
            {
                i += 1;
            }
        } else if bare.chars().all(|c| c.is_ascii_digit()) && !bare.is_empty() {
            toks.push(Tok::Num(bare.parse().map_err(|_| "число")?));
        } else if bare.chars().next().is_some_and(|c| c.is_ascii_digit()) && bare.contains('.') {
            let (d, m, y) = numeric_date(w).ok_or("дата")?;
            toks.push(Tok::Date(d, m, y));
        } else if let Some(n) = roman(w).filter(|_| w.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')) {
            toks.push(Tok::Roman(n));
        } else if let Some(m) = month_of(bare) {
            toks.push(Tok::Month(m));
        } else if bare.starts_with("квартал") {
            toks.push(Tok::Quarter);
        } else if let Some(kind) = ["четверт", "полугоди", "триместр"].into_iter().find(|k| bare.starts_with(k)) {
            toks.push(Tok::Term(kind));
        } else if bare.starts_with("учебн") {
            toks.push(Tok::SchoolYear);
            if words
                .get(i)
                .is_some_and(|n| matches!(n.trim_end_matches('.'), "года" | "год" | "году"))
            {
                i += 1;
            }
        } else if matches!(bare, "года" | "год" | "году") {
            toks.push(Tok::YearWord);
        } else if matches!(bare, "конца" | "окончания" | "конец") {
            end_of = true;
        } else if UNTIL.contains(&bare) {
            until = true;
        } else if bare == "не" && words.get(i).is_some_and(|n| matches!(*n, "позднее" | "позже")) {
            until = true;
            i += 1;
        } else if FILLER.contains(&bare) {
        } else if [
            "постоянно",
            "ежемесячно",
            "еженедельно",
            "ежедневно",
            "ежегодно",
            "мере",
            "необходимости",
        ]
        .contains(&bare)
        {
            return Err("periodic");
        } else {
            return Err("word");
        }
    }
    Ok((toks, until, end_of))
}

pub fn parse(raw: &str, ctx: &Context<'_>) -> Result<Window, DeadlineError> {
    let text = crate::normalize::clean_spaces(raw).replace(['–', '—', '−'], "-");
    let lower = text.to_lowercase().replace('ё', "е");
    let unreadable = || DeadlineError::Unreadable(raw.trim().to_string());
    let (toks, until, end_of) = match tokens(&lower) {
        Ok(t) => t,
        Err("periodic") => return Err(DeadlineError::NoDeadline(raw.trim().to_string())),
        Err(_) => return Err(unreadable()),
    };
    let fallback = |given: Option<i32>| given.or(ctx.year).ok_or_else(|| DeadlineError::NoYear(raw.trim().to_string()));
    // The school year a term, or the school year itself, belongs to: from the neighbouring date.
    let school_year_start = match (toks.iter().any(|t| matches!(t, Tok::Year(_))), ctx.year, ctx.month) {
        (false, Some(y), Some(m)) => Some(if m >= 8 { y } else { y - 1 }),
        _ => None,
    };
    let written_year = toks.iter().find_map(|t| if let Tok::Year(y) = t { Some(*y) } else { None });
    let sides: Vec<&[Tok]> = toks.split(|t| *t == Tok::Dash).collect();
    let window = |start: Option<NaiveDate>, end: NaiveDate| -> Result<Window, DeadlineError> {
        match start {
            Some(s) if end < s => Err(DeadlineError::Reversed(raw.trim().to_string())),
            _ => Ok(Window { start, end }),
        }
    };
    // Whole periods: quarters, terms, the school year, a year.
    match toks.as_slice() {
        [Tok::Roman(q), Tok::Quarter]
        | [Tok::Roman(q), Tok::Quarter, Tok::Year(_)]
        | [Tok::Quarter, Tok::Roman(q)]
        | [Tok::Quarter, Tok::Roman(q), Tok::Year(_)] => {
            let y = fallback(written_year)?;
            let m = (q - 1) * 3 + 1;
            let (s, e) = (ymd(y, m, 1, raw)?, last_day(y, m + 2));
            return window(if until { None } else { Some(s) }, e);
        }
        [Tok::Roman(n), Tok::Term(kind)] | [Tok::Roman(n), Tok::Term(kind), Tok::Year(_)] => {
            let romans = ["i", "ii", "iii", "iv"];
            let r = romans[(*n as usize - 1).min(3)];
            let term = ctx
                .terms
                .iter()
                .find(|t| crate::normalize::text_key(&t.name).starts_with(&format!("{r} {kind}")))
                .ok_or_else(|| DeadlineError::NoTerm(raw.trim().to_string()))?;
            let y = match school_year_start {
                Some(s) if term.start.0 >= 8 => s,
                Some(s) => s + 1,
                None => fallback(written_year)?,
            };
            let start = ymd(y, term.start.0, term.start.1, raw)?;
            let end_year = if (term.end.0, term.end.1) < (term.start.0, term.start.1) {
                y + 1
            } else {
                y
            };
            let end = ymd(end_year, term.end.0, term.end.1, raw)?;
            return window(if until { None } else { Some(start) }, end);
        }
        [Tok::SchoolYear] | [Tok::SchoolYear, Tok::Year(_)] => {
            // The school year ending in the written year, or the neighbours' school year.
            let end_year = match school_year_start {
                Some(s) => s + 1,
                None => fallback(written_year)?,
            };
            let (m, d) = ctx.school_year_end;
            let end = ymd(end_year, m, d, raw)?;
            let start = (!until && !end_of).then(|| ymd(end_year - 1, 9, 1, raw)).transpose()?;
            return window(start, end);
        }
        [Tok::YearWord] | [Tok::Year(_)] | [Tok::Year(_), Tok::YearWord] => {
            let y = fallback(written_year)?;
            let start = (!until && !end_of).then(|| ymd(y, 1, 1, raw)).transpose()?;
            return window(start, ymd(y, 12, 31, raw)?);
        }
        _ => {}
    }
    // Days and months, one or two sides of a dash.
    let point = |side: &[Tok]| -> Option<(Point, Option<i32>)> {
        match side {
            [Tok::Date(d, m, y)] => Some((Point::Day(*d, *m), *y)),
            [Tok::Date(d, m, None), Tok::Year(y)] => Some((Point::Day(*d, *m), Some(*y))),
            [Tok::Num(d), Tok::Month(m)] => Some((Point::Day(*d, *m), None)),
            [Tok::Num(d), Tok::Month(m), Tok::Year(y)] => Some((Point::Day(*d, *m), Some(*y))),
            [Tok::Num(d)] => Some((Point::DayOnly(*d), None)),
            [Tok::Month(m)] => Some((Point::Month(*m), None)),
            [Tok::Month(m), Tok::Year(y)] => Some((Point::Month(*m), Some(*y))),
            _ => None,
        }
    };
    let first = |p: Point, y: i32| -> Result<NaiveDate, DeadlineError> {
        match p {
            Point::Day(d, m) => ymd(y, m, d, raw),
            Point::Month(m) => ymd(y, m, 1, raw),
            Point::DayOnly(_) => Err(unreadable()),
        }
    };
    let last = |p: Point, y: i32| -> Result<NaiveDate, DeadlineError> {
        match p {
            Point::Day(d, m) => ymd(y, m, d, raw),
            Point::Month(m) => Ok(last_day(y, m)),
            Point::DayOnly(_) => Err(unreadable()),
        }
    };
    let month_of_point = |p: Point| match p {
        Point::Day(_, m) | Point::Month(m) => Some(m),
        Point::DayOnly(_) => None,
    };
    match sides.as_slice() {
        [one] => {
            let (p, y) = point(one).ok_or_else(unreadable)?;
            let y = fallback(y)?;
            match p {
                // «до марта»: by the first of March; «до конца марта»: its last day.
                Point::Month(m) if until && !end_of => window(None, ymd(y, m, 1, raw)?),
                Point::DayOnly(_) => Err(unreadable()),
                _ => window(if until || end_of { None } else { Some(first(p, y)?) }, last(p, y)?),
            }
        }
        [a, b] => {
            let (pa, ya) = point(a).ok_or_else(unreadable)?;
            let (pb, yb) = point(b).ok_or_else(unreadable)?;
            // «20 – 29 февраля»: the left day takes the right's month.
            let pa = match (pa, pb) {
                (Point::DayOnly(d), Point::Day(_, m)) => Point::Day(d, m),
                (Point::DayOnly(_), _) => return Err(unreadable()),
                _ => pa,
            };
            if matches!(pb, Point::DayOnly(_))
                || matches!((pa, pb), (Point::Day(..), Point::Month(..)) | (Point::Month(..), Point::Day(..)))
            {
                return Err(unreadable());
            }
            let (ma, mb) = (month_of_point(pa).unwrap_or(1), month_of_point(pb).unwrap_or(1));
            let (y1, y2) = match (ya, yb) {
                (Some(a), Some(b)) => (a, b),
                (None, Some(b)) => (if ma > mb { b - 1 } else { b }, b),
                (Some(a), None) => (a, if mb < ma { a + 1 } else { a }),
                (None, None) => {
                    let b = fallback(None)?;
                    (if ma > mb { b - 1 } else { b }, b)
                }
            };
            window(Some(first(pa, y1)?), last(pb, y2)?)
        }
        _ => Err(unreadable()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn p(s: &str, year: Option<i32>) -> Result<Window, DeadlineError> {
        let terms = default_terms();
        parse(
            s,
            &Context {
                year,
                month: None,
                terms: &terms,
                school_year_end: (6, 30),
            },
        )
    }

    #[test]
    fn a_window_of_two_dates_ends_inclusive() {
        assert_eq!(
            p("20.02.2024- 29.02.2024г.", None),
            Ok(Window {
                start: Some(d(2024, 2, 20)),
                end: d(2024, 2, 29)
            })
        );
        assert_eq!(
            p("26.02.2024-04.03.2024г", None),
            Ok(Window {
                start: Some(d(2024, 2, 26)),
                end: d(2024, 3, 4)
            })
        );
        assert_eq!(
            p("26.02 - 04.03.2024", None),
            Ok(Window {
                start: Some(d(2024, 2, 26)),
                end: d(2024, 3, 4)
            })
        );
        assert_eq!(
            p("29.12 – 10.01.2025", None).unwrap().start,
            Some(d(2024, 12, 29)),
            "the start's year rolls back"
        );
        assert!(matches!(p("10.03.2024 - 01.03.2024", None), Err(DeadlineError::Reversed(_))));
    }

    #[test]
    fn a_single_day() {
        assert_eq!(
            p("23.03.2024г.", None),
            Ok(Window {
                start: Some(d(2024, 3, 23)),
                end: d(2024, 3, 23)
            })
        );
    }

    #[test]
    fn months() {
        assert_eq!(
            p("в течение марта", Some(2024)),
            Ok(Window {
                start: Some(d(2024, 3, 1)),
                end: d(2024, 3, 31)
            })
        );
        assert_eq!(
            p("март 2024", None),
            Ok(Window {
                start: Some(d(2024, 3, 1)),
                end: d(2024, 3, 31)
            })
        );
        assert_eq!(p("в течение мая", Some(2024)).unwrap().end, d(2024, 5, 31));
        assert_eq!(p("в течение февраля", Some(2024)).unwrap().end, d(2024, 2, 29));
    }

    #[test]
    fn until_and_by_end_on_the_day() {
        assert_eq!(
            p("до 1 марта", Some(2024)),
            Ok(Window {
                start: None,
                end: d(2024, 3, 1)
            })
        );
        assert_eq!(
            p("до 01.03.2024", None),
            Ok(Window {
                start: None,
                end: d(2024, 3, 1)
            })
        );
        assert_eq!(
            p("к 1 сентября", Some(2024)),
            Ok(Window {
                start: None,
                end: d(2024, 9, 1)
            })
        );
        assert_eq!(p("к 1 сентября 2025 г.", Some(2024)).unwrap().end, d(2025, 9, 1));
    }

    #[test]
    fn quarters_terms_and_the_school_year() {
        assert_eq!(
            p("II квартал", Some(2024)),
            Ok(Window {
                start: Some(d(2024, 4, 1)),
                end: d(2024, 6, 30)
            })
        );
        assert_eq!(p("IV квартал 2024", None).unwrap().end, d(2024, 12, 31));
        assert_eq!(
            p("I четверть", Some(2024)),
            Ok(Window {
                start: Some(d(2024, 9, 1)),
                end: d(2024, 10, 26)
            })
        );
        assert_eq!(p("III четверть", Some(2024)).unwrap().start, Some(d(2024, 1, 9)));
        assert_eq!(
            p("I полугодие", Some(2024)),
            Ok(Window {
                start: Some(d(2024, 9, 1)),
                end: d(2024, 12, 28)
            })
        );
        assert_eq!(
            p("до конца учебного года", Some(2024)),
            Ok(Window {
                start: None,
                end: d(2024, 6, 30)
            })
        );
    }

    #[test]
    fn terms_follow_the_school_year_of_the_neighbouring_rows() {
        let terms = default_terms();
        let ctx = |year, month| Context {
            year: Some(year),
            month: Some(month),
            terms: &terms,
            school_year_end: (6, 30),
        };
        // Neighbours in November 2026: the school year 2026/27.
        assert_eq!(parse("III четверть", &ctx(2026, 11)).unwrap().start, Some(d(2027, 1, 9)));
        assert_eq!(parse("I полугодие", &ctx(2026, 11)).unwrap().end, d(2026, 12, 28));
        assert_eq!(parse("до конца учебного года", &ctx(2026, 11)).unwrap().end, d(2027, 6, 30));
        // Neighbours in March 2024: the school year 2023/24.
        assert_eq!(parse("до конца учебного года", &ctx(2024, 3)).unwrap().end, d(2024, 6, 30));
        assert_eq!(parse("IV четверть", &ctx(2024, 3)).unwrap().end, d(2024, 5, 26));
        // A year written in the cell wins.
        assert_eq!(parse("III четверть 2028", &ctx(2026, 11)).unwrap().start, Some(d(2028, 1, 9)));
    }

    #[test]
    fn ranges_of_days_and_months() {
        let w = |s: &str, y| p(s, y).map(|w| (w.start, w.end));
        assert_eq!(w("20 – 29 февраля", Some(2024)), Ok((Some(d(2024, 2, 20)), d(2024, 2, 29))));
        assert_eq!(w("1-15 марта 2024", None), Ok((Some(d(2024, 3, 1)), d(2024, 3, 15))));
        assert_eq!(w("20 февраля - 5 марта 2024", None), Ok((Some(d(2024, 2, 20)), d(2024, 3, 5))));
        assert_eq!(w("март-апрель 2024", None), Ok((Some(d(2024, 3, 1)), d(2024, 4, 30))));
        assert_eq!(w("в течение февраля-марта", Some(2024)), Ok((Some(d(2024, 2, 1)), d(2024, 3, 31))));
        assert_eq!(w("сентябрь - октябрь 2024", None), Ok((Some(d(2024, 9, 1)), d(2024, 10, 31))));
        assert_eq!(w("декабрь 2023 - январь 2024", None), Ok((Some(d(2023, 12, 1)), d(2024, 1, 31))));
        assert_eq!(w("декабрь - январь 2025", None), Ok((Some(d(2024, 12, 1)), d(2025, 1, 31))));
        assert_eq!(w("2024-03-15", None), Ok((Some(d(2024, 3, 15)), d(2024, 3, 15))));
        assert_eq!(w("не позднее 15 марта", Some(2024)), Ok((None, d(2024, 3, 15))));
        assert_eq!(w("до конца марта", Some(2024)), Ok((None, d(2024, 3, 31))));
        assert_eq!(w("до марта", Some(2024)), Ok((None, d(2024, 3, 1))));
        assert_eq!(w("в течение учебного года", Some(2024)), Ok((Some(d(2023, 9, 1)), d(2024, 6, 30))));
        assert_eq!(w("в течение 2024 года", None), Ok((Some(d(2024, 1, 1)), d(2024, 12, 31))));
        assert_eq!(w("III триместр", Some(2024)).unwrap().1, d(2024, 5, 31));
    }

    #[test]
    fn what_is_not_a_deadline_is_refused() {
        for bad in [
            "после 8 марта",
            "апрель или май",
            "в теченіе марта",
            "март 2024 года года",
            "1 - 2",
            "15 - март",
        ] {
            assert!(
                matches!(p(bad, Some(2024)), Err(DeadlineError::Unreadable(_))),
                "{bad}: {:?}",
                p(bad, Some(2024))
            );
        }
        assert!(matches!(p("постоянно", Some(2024)), Err(DeadlineError::NoDeadline(_))));
        assert!(matches!(p("ежемесячно", Some(2024)), Err(DeadlineError::NoDeadline(_))));
        assert!(matches!(p("II семестр", Some(2024)), Err(DeadlineError::Unreadable(_))));
    }

    #[test]
    fn odd_text_is_an_error_not_a_panic() {
        for s in [
            "",
            "-",
            "- -",
            "0.0",
            "99.99.9999",
            "1-",
            "-5 марта",
            "31-1 марта",
            "II",
            "квартал",
            "I четверть -",
            "2024",
            "99999999999999999999",
            "1.1.1",
            "....",
            "0 марта",
            "32 марта",
            "V квартал",
            "IV четверть - III четверть",
            "29.02.2023",
            "2024-13-45",
            "до",
            "с по",
            "—",
            "I I I",
            "март - 5 апреля",
            "01.03.2024 - 02.03.2024 - 03.03.2024",
        ] {
            let _ = p(s, Some(2024));
            let _ = p(s, None);
        }
        assert!(p("", Some(2024)).is_err());
        assert!(p("32 марта", Some(2024)).is_err());
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(matches!(p("в течение марта", None), Err(DeadlineError::NoYear(_))));
        assert!(matches!(p("когда-нибудь", Some(2024)), Err(DeadlineError::Unreadable(_))));
        assert!(matches!(p("31.02.2024", None), Err(DeadlineError::Impossible(_))));
        assert!(p("когда-нибудь", Some(2024)).unwrap_err().to_string().contains("не распознан"));
    }
}
