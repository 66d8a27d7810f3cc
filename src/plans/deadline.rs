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

/// A school term: «I четверть», «II полугодие» (month, day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub name: String,
    pub start: (u32, u32),
    pub end: (u32, u32),
}

pub fn default_terms() -> Vec<Term> {
    let t = |name: &str, s: (u32, u32), e: (u32, u32)| Term {
        name: name.into(),
        start: s,
        end: e,
    };
    vec![
        t("I четверть", (9, 1), (10, 26)),
        t("II четверть", (11, 5), (12, 28)),
        t("III четверть", (1, 9), (3, 22)),
        t("IV четверть", (4, 1), (5, 26)),
        t("I полугодие", (9, 1), (12, 28)),
        t("II полугодие", (1, 9), (5, 31)),
    ]
}

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
    #[error("срок «{0}» не распознан: пишите, например, «20.02.2024 - 29.02.2024», «до 01.03.2024», «в течение марта», «II квартал»")]
    Unreadable(String),
    #[error("в сроке «{0}» нет года, и в соседних строках его тоже нет: допишите год")]
    NoYear(String),
    #[error("срок «{0}»: такой даты не бывает")]
    Impossible(String),
    #[error("срок «{0}»: конец раньше начала")]
    Reversed(String),
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

pub fn parse(raw: &str, ctx: &Context<'_>) -> Result<Window, DeadlineError> {
    let text = crate::normalize::clean_spaces(raw).replace(['–', '—'], "-");
    let lower = text.to_lowercase().replace('ё', "е");
    let unreadable = || DeadlineError::Unreadable(raw.trim().to_string());
    let year = |given: Option<i32>| {
        given
            .or(ctx.year)
            .or_else(|| year_in(&text))
            .ok_or_else(|| DeadlineError::NoYear(raw.trim().to_string()))
    };
    // A window of two numeric dates: «20.02.2024- 29.02.2024г.», «26.02 - 04.03.2024».
    let dates: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == '-' || c == '—')
        .map(|w| w.trim_end_matches(['г', '.', ',']).trim_end_matches("года"))
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('.'))
        .collect();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if dates.len() == 2 {
        let (d1, m1, y1) = numeric_date(dates[0]).ok_or_else(unreadable)?;
        let (d2, m2, y2) = numeric_date(dates[1]).ok_or_else(unreadable)?;
        let y2 = year(y2)?;
        let y1 = y1.unwrap_or(if m1 > m2 { y2 - 1 } else { y2 });
        let (s, e) = (ymd(y1, m1, d1, raw)?, ymd(y2, m2, d2, raw)?);
        if e < s {
            return Err(DeadlineError::Reversed(raw.trim().to_string()));
        }
        return Ok(Window { start: Some(s), end: e });
    }
    let until = has("до") || has("к") || has("по");
    // «до конца учебного года»
    // The school year a term or its end belongs to, from the neighbouring date.
    let school_year_start = match (year_in(&text), ctx.year, ctx.month) {
        (None, Some(y), Some(m)) => Some(if m >= 8 { y } else { y - 1 }),
        _ => None,
    };
    if lower.contains("конца учебного года") || lower.contains("окончания учебного года") {
        let y = match school_year_start {
            Some(s) => s + 1,
            None => year(None)?,
        };
        let (m, d) = ctx.school_year_end;
        return Ok(Window {
            start: None,
            end: ymd(y, m, d, raw)?,
        });
    }
    if dates.len() == 1 {
        let (d, m, y) = numeric_date(dates[0]).ok_or_else(unreadable)?;
        let day = ymd(year(y)?, m, d, raw)?;
        return Ok(Window {
            start: if until { None } else { Some(day) },
            end: day,
        });
    }
    // «до 1 марта», «к 1 сентября 2024», «15 мая».
    for (i, w) in words.iter().enumerate() {
        if let Ok(d) = w.parse::<u32>()
            && let Some(m) = words.get(i + 1).and_then(|n| month_of(n))
        {
            let y = words
                .get(i + 2)
                .and_then(|y| y.trim_end_matches(['г', '.']).parse::<i32>().ok())
                .filter(|y| *y > 1900);
            let day = ymd(year(y)?, m, d, raw)?;
            return Ok(Window {
                start: if until { None } else { Some(day) },
                end: day,
            });
        }
    }
    // «в течение марта», «март 2024», «до конца марта».
    if let Some(m) = words.iter().find_map(|w| month_of(w)) {
        let y = year(year_in(&text))?;
        let first = ymd(y, m, 1, raw)?;
        let last = last_day(y, m);
        return Ok(Window {
            start: if until { None } else { Some(first) },
            end: last,
        });
    }
    // «II квартал»
    if let Some(i) = words.iter().position(|w| w.starts_with("квартал")) {
        let q = i
            .checked_sub(1)
            .and_then(|j| roman(words[j]))
            .or_else(|| words.get(i + 1).and_then(|w| roman(w)))
            .ok_or_else(unreadable)?;
        let y = year(year_in(&text))?;
        let m = (q - 1) * 3 + 1;
        return Ok(Window {
            start: Some(ymd(y, m, 1, raw)?),
            end: last_day(y, m + 2),
        });
    }
    // School terms: «I четверть», «II полугодие».
    for kind in ["четверт", "полугоди", "триместр"] {
        if let Some(i) = words.iter().position(|w| w.starts_with(kind)) {
            let n = i.checked_sub(1).and_then(|j| roman(words[j])).ok_or_else(unreadable)?;
            let wanted = crate::normalize::text_key(&format!("{} {}", ["I", "II", "III", "IV"][(n as usize - 1).min(3)], words[i]));
            let term = ctx
                .terms
                .iter()
                .find(|t| {
                    crate::normalize::text_key(&t.name) == wanted
                        || crate::normalize::text_key(&t.name)
                            .starts_with(&format!("{} {kind}", ["i", "ii", "iii", "iv"][(n as usize - 1).min(3)]))
                })
                .ok_or_else(|| DeadlineError::Unreadable(format!("{} (нет такого периода в [calendar] terms)", raw.trim())))?;
            let y = match school_year_start {
                Some(s) if term.start.0 >= 8 => s,
                Some(s) => s + 1,
                None => year(year_in(&text))?,
            };
            let start = ymd(y, term.start.0, term.start.1, raw)?;
            let end_year = if (term.end.0, term.end.1) < (term.start.0, term.start.1) {
                y + 1
            } else {
                y
            };
            return Ok(Window {
                start: Some(start),
                end: ymd(end_year, term.end.0, term.end.1, raw)?,
            });
        }
    }
    Err(unreadable())
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
    fn errors_say_what_is_wrong() {
        assert!(matches!(p("в течение марта", None), Err(DeadlineError::NoYear(_))));
        assert!(matches!(p("когда-нибудь", Some(2024)), Err(DeadlineError::Unreadable(_))));
        assert!(matches!(p("31.02.2024", None), Err(DeadlineError::Impossible(_))));
        assert!(p("когда-нибудь", Some(2024)).unwrap_err().to_string().contains("не распознан"));
    }
}
