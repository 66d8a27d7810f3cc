//! The rules one group follows into the next school year, and the chat titles that follow
//! it. See the module's doc comment for the rules in words.

use crate::config::RolloverConfig;
use crate::normalize::groups::group_key;
use crate::normalize::text_key;
use crate::profile::Profile;
use crate::roster::natural_cmp;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// The API's limit on a chat title (`PATCH /chats/{chatId}`, `title`: 1–200 characters).
pub const MAX_TITLE_CHARS: usize = 200;

const DASHES: [char; 4] = ['-', '–', '—', '‑'];

/// A school year, «2027/28»: from 1 September of `start` to the summer after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchoolYear {
    start: i32,
}

impl SchoolYear {
    pub fn new(start: i32) -> SchoolYear {
        SchoolYear { start }
    }

    /// The calendar year the school year starts in.
    pub fn start(self) -> i32 {
        self.start
    }

    /// The school year `day` is in: a year starts on 1 September.
    pub fn containing(day: NaiveDate) -> SchoolYear {
        SchoolYear::new(if day.month() >= 9 { day.year() } else { day.year() - 1 })
    }

    pub fn next(self) -> SchoolYear {
        SchoolYear::new(self.start + 1)
    }

    /// 1 September of the year.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.start, 9, 1).unwrap_or_default()
    }
}

impl std::fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{:02}", self.start, (self.start + 1).rem_euclid(100))
    }
}

/// «2027/28», «2027-2028», «2027/2028» (any dash, spaces around it) → 2027/28.
pub fn school_year(text: &str) -> Result<SchoolYear, String> {
    let t = text.trim();
    let wrong = || format!("«{t}» — не учебный год: напишите его как 2027/28 или 2027-2028");
    let (a, b) = t.split_once(|c| c == '/' || DASHES.contains(&c)).ok_or_else(wrong)?;
    let (a, b) = (a.trim(), b.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if a.len() != 4 || !digits(a) || !(b.len() == 2 || b.len() == 4) || !digits(b) {
        return Err(wrong());
    }
    let start: i32 = a.parse().map_err(|_| wrong())?;
    let second: i32 = b.parse().map_err(|_| wrong())?;
    if !(2000..=2099).contains(&start) {
        return Err(wrong());
    }
    let follows = if b.len() == 2 {
        second == (start + 1) % 100
    } else {
        second == start + 1
    };
    if !follows {
        return Err(format!(
            "«{t}» — не учебный год: второй год должен следовать за первым, например 2027/28"
        ));
    }
    Ok(SchoolYear::new(start))
}

/// A rollover goes into the year after the one `today` is in (in the summer), or into the
/// one that has just begun (a late rollover in September).
pub fn check_target(to: SchoolYear, today: NaiveDate) -> Result<(), String> {
    let current = SchoolYear::containing(today);
    // The current year only in its first months (a rollover not made in summer): in spring
    // the year is nearly over, and «2026/27» in June 2027 means last September.
    let late = today.year() > current.start();
    if to == current.next() || (to == current && !late) {
        Ok(())
    } else if to == current {
        Err(format!(
            "учебный год {to} уже заканчивается — переходить можно в {}",
            current.next()
        ))
    } else {
        Err(format!(
            "учебный год {to}: сейчас идёт {current} — переходить можно в {} (или в {current}, если переход не сделан летом)",
            current.next()
        ))
    }
}

/// What becomes of one group in the target year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// The group goes on: its new name (unchanged for a college) and course (colleges only).
    Advance { to: String, course: Option<String> },
    /// Its students leave: the last grade, course or age group.
    Graduate,
    /// Not a grade or an age group («Юный техник»): the group stays as it is.
    Keep,
    /// The rules cannot tell; `reason` (Russian) says why, the admin decides.
    Unknown { reason: String },
}

/// A school class read from its name: the grade and where its digits end.
struct Grade {
    number: u32,
    /// Byte length of the leading digits in the trimmed name.
    digits: usize,
}

enum GradeName {
    Grade(Grade),
    /// No grade number in front: an association, a named group.
    NotGrade,
    /// A grade number in front of something that is not a class letter («5А1», «3D-…»).
    Odd,
}

/// «5А», «5 а», «5-а», «5 «А»», «10 ФМ», «9Б класс», «11».
fn parse_grade(name: &str) -> GradeName {
    let s = name.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return GradeName::NotGrade;
    }
    let number: u32 = s[..digits].parse().unwrap_or(0);
    if !(1..=12).contains(&number) {
        return GradeName::NotGrade;
    }
    let mut rest = &s[digits..];
    let lower = rest.to_lowercase();
    if lower.ends_with("класс") && lower.len() == rest.len() {
        let before = &rest[..rest.len() - "класс".len()];
        if before.is_empty() || before.ends_with(char::is_whitespace) {
            rest = before;
        }
    }
    let letters = rest
        .trim()
        .trim_start_matches(|c: char| DASHES.contains(&c) || c.is_whitespace())
        .trim_matches(['«', '»', '"', '\'', '“', '”']);
    let is_class = letters.is_empty() || (letters.chars().count() <= 3 && letters.chars().all(char::is_alphabetic));
    if is_class {
        GradeName::Grade(Grade { number, digits })
    } else {
        GradeName::Odd
    }
}

/// The name with its grade number replaced, the rest as written.
fn with_grade(name: &str, g: &Grade, number: u32) -> String {
    let s = name.trim();
    format!("{number}{}", &s[g.digits..])
}

/// The code's prefix: the letters before the first digit or dash («ИС» of «ИС-24-1»).
fn code_prefix(name: &str) -> String {
    name.trim()
        .chars()
        .take_while(|c| !c.is_ascii_digit() && !DASHES.contains(c))
        .collect::<String>()
        .trim()
        .to_string()
}

/// The last course of a code: its prefix's override, else `last_course`.
fn last_course_for(cfg: &RolloverConfig, name: &str) -> u32 {
    let prefix = group_key(&code_prefix(name));
    if prefix.is_empty() {
        return cfg.last_course;
    }
    cfg.last_course_by_prefix
        .iter()
        .find(|(k, _)| group_key(k) == prefix)
        .map_or(cfg.last_course, |(_, n)| *n)
}

/// The admission year written in a college code: «ИС-24-1» → 2024, «ПК-2025» → 2025; the
/// first two- or four-digit number that is a year of the last ten before `to`.
struct Cohort {
    year: i32,
    /// Byte range of the year's digits in the trimmed name.
    at: std::ops::Range<usize>,
}

fn cohort(name: &str, to: SchoolYear) -> Option<Cohort> {
    let s = name.trim();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let n: i32 = s[start..i].parse().unwrap_or(-1);
        let year = match i - start {
            2 => 2000 + n,
            4 => n,
            _ => continue,
        };
        if (to.start - 10..=to.start).contains(&year) {
            return Some(Cohort { year, at: start..i });
        }
    }
    None
}

/// How this college's codes count: the roster's course less the course the code's
/// admission year gives (`to.start - year`), when the groups with both agree — at least two,
/// every one the same, and by at most one year («ИС-25-1» may be a first-year group of
/// 2026/27 where codes carry the year before admission). 0 when nothing says otherwise.
pub fn code_offset(to: SchoolYear, groups: &[(&str, Option<&str>)]) -> i32 {
    let shifts: Vec<i32> = groups
        .iter()
        .filter_map(|(name, course)| {
            let (n, _) = parse_course(course.as_deref()?)?;
            let co = cohort(name, to)?;
            Some(n as i32 - (to.start - co.year))
        })
        .collect();
    match shifts.first() {
        Some(&s) if shifts.len() >= 2 && shifts.iter().all(|&x| x == s) && (-1..=1).contains(&s) => s,
        _ => 0,
    }
}

/// The course a group without one on the roster is in, by its code and the college's
/// [`code_offset`]: «3» for «ЛФ-23-1» in 2026/27 when codes lag a year; None without a year
/// in the code.
pub fn course_by_code(to: SchoolYear, group: &str, offset: i32) -> Option<String> {
    let co = cohort(group, to)?;
    let n = to.start - co.year + offset;
    (co.year < to.start && n >= 1).then(|| n.to_string())
}

/// A course as the roster writes it: «2», «2 курс» → 2 and the digits' byte length.
fn parse_course(course: &str) -> Option<(u32, usize)> {
    let c = course.trim();
    let digits = c.bytes().take_while(u8::is_ascii_digit).count();
    let n: u32 = c.get(..digits)?.parse().ok()?;
    (1..=9).contains(&n).then_some((n, digits))
}

/// `group`'s fate in the target year `to` (the roster is in the year before). `course` is
/// the roster's course of a college group, as written.
pub fn next_group(profile: Profile, cfg: &RolloverConfig, to: SchoolYear, group: &str, course: Option<&str>) -> Fate {
    match profile {
        Profile::School => next_grade(cfg, group),
        Profile::College => next_course(cfg, to, group, course),
        Profile::Kindergarten => next_age_group(cfg, group),
        Profile::Supplementary => Fate::Keep,
    }
}

fn next_grade(cfg: &RolloverConfig, group: &str) -> Fate {
    let last = cfg.last_grade;
    match parse_grade(group) {
        GradeName::NotGrade => Fate::Keep,
        GradeName::Odd => Fate::Unknown {
            reason: "название начинается с номера класса, но не похоже на класс (5А, 5 «А», 10 ФМ) — решите, что будет с группой".into(),
        },
        GradeName::Grade(g) if g.number == last => Fate::Graduate,
        GradeName::Grade(g) if g.number > last => Fate::Unknown {
            reason: format!(
                "{} класс старше выпускного {last} ([rollover] last_grade) — проверьте last_grade",
                g.number
            ),
        },
        GradeName::Grade(g) => Fate::Advance {
            to: with_grade(group, &g, g.number + 1),
            course: None,
        },
    }
}

fn next_course(cfg: &RolloverConfig, to: SchoolYear, group: &str, course: Option<&str>) -> Fate {
    let last = last_course_for(cfg, group);
    let current = match course.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => match parse_course(c) {
            Some((n, _)) => n,
            None => {
                return Fate::Unknown {
                    reason: format!("курс «{c}» — не число; укажите курс цифрой"),
                };
            }
        },
        None => match cohort(group, to) {
            Some(co) if co.year < to.start => (to.start - co.year) as u32,
            Some(co) => {
                return Fate::Unknown {
                    reason: format!(
                        "группа набора {} года — курс не указан, а по шифру она уже {to} учебного года",
                        co.year
                    ),
                };
            }
            None => {
                return Fate::Unknown {
                    reason: "курс не указан, и в шифре группы нет года набора (как 24 в ИС-24-1) — укажите курс в списке".into(),
                };
            }
        },
    };
    if current == last {
        return Fate::Graduate;
    }
    if current > last {
        return Fate::Unknown {
            reason: format!("{current} курс старше выпускного {last} ([rollover] last_course или last_course_by_prefix)"),
        };
    }
    let next = current + 1;
    let spelled = match course.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => {
            let digits = parse_course(c).map_or(0, |(_, d)| d);
            format!("{next}{}", &c[digits..])
        }
        None => next.to_string(),
    };
    Fate::Advance {
        to: group.trim().to_string(),
        course: Some(spelled),
    }
}

/// Byte ranges of the words (letter runs) of `s`.
fn words(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_alphabetic(), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                out.push(st..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push(st..s.len());
    }
    out
}

/// The list entry an age group's name carries, and where: the longest entry first, so
/// «Вторая младшая» is not read as «Младшая».
fn find_age(name: &str, list: &[String]) -> Option<(usize, std::ops::Range<usize>)> {
    let ws = words(name);
    let keys: Vec<String> = ws.iter().map(|r| text_key(&name[r.clone()])).collect();
    let mut order: Vec<(usize, Vec<String>)> = list
        .iter()
        .enumerate()
        .map(|(i, e)| (i, words(e).into_iter().map(|r| text_key(&e[r])).collect()))
        .collect();
    order.sort_by_key(|(_, w)| std::cmp::Reverse(w.len()));
    for (i, entry) in order {
        let n = entry.len();
        if n == 0 || n > keys.len() {
            continue;
        }
        for w in 0..=keys.len() - n {
            if keys[w..w + n] == entry[..] {
                return Some((i, ws[w].start..ws[w + n - 1].end));
            }
        }
    }
    None
}

/// `new` written the way `written` is: all lower case, all capitals, or a small first letter.
fn in_case_of(written: &str, new: &str) -> String {
    let letters: Vec<char> = written.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return new.to_string();
    }
    if letters.iter().all(|c| c.is_lowercase()) {
        return new.to_lowercase();
    }
    if letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()) {
        return new.to_uppercase();
    }
    if letters[0].is_lowercase() {
        let mut cs = new.chars();
        return cs.next().map_or_else(String::new, |f| f.to_lowercase().chain(cs).collect());
    }
    new.to_string()
}

fn next_age_group(cfg: &RolloverConfig, group: &str) -> Fate {
    let list = &cfg.kindergarten_groups;
    let name = group.trim();
    let Some((i, at)) = find_age(name, list) else {
        return Fate::Unknown {
            reason: format!(
                "в названии нет возрастной группы из [rollover] kindergarten_groups ({})",
                list.join(", ")
            ),
        };
    };
    let Some(next) = list.get(i + 1) else { return Fate::Graduate };
    Fate::Advance {
        to: format!("{}{}{}", &name[..at.start], in_case_of(&name[at.clone()], next), &name[at.end..]),
        course: None,
    }
}

/// A token of a title or a group name: a run of digits or of letters.
fn tokens(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut cur: Option<(bool, usize)> = None;
    for (i, c) in s.char_indices() {
        let kind = if c.is_ascii_digit() {
            Some(true)
        } else if c.is_alphabetic() {
            Some(false)
        } else {
            None
        };
        match (kind, cur) {
            (Some(k), Some((ck, _))) if k == ck => {}
            (Some(k), Some((_, st))) => {
                out.push(st..i);
                cur = Some((k, i));
            }
            (Some(k), None) => cur = Some((k, i)),
            (None, Some((_, st))) => {
                out.push(st..i);
                cur = None;
            }
            (None, None) => {}
        }
    }
    if let Some((_, st)) = cur {
        out.push(st..s.len());
    }
    out
}

/// A chat title with the group `from` replaced by `to` wherever the title carries it as
/// whole tokens («5А», «5 а», «5-А» for «5А»), each token kept as written when it does not
/// change and the title's separators kept: «Родители 5 а класса» → «Родители 6 а класса».
/// `Ok(None)`: the title does not carry the group, or the name does not change.
/// `Err`: the new title is over the API's 200 characters.
pub fn rename_title(title: &str, from: &str, to: &str) -> Result<Option<String>, String> {
    let key_of = |s: &str, r: &std::ops::Range<usize>| group_key(&s[r.clone()]);
    let (ft, tt) = (tokens(from), tokens(to));
    let from_keys: Vec<String> = ft.iter().map(|r| key_of(from, r)).collect();
    let to_keys: Vec<String> = tt.iter().map(|r| key_of(to, r)).collect();
    if ft.is_empty() || from_keys == to_keys {
        return Ok(None);
    }
    let title_toks = tokens(title);
    let keys: Vec<String> = title_toks.iter().map(|r| key_of(title, r)).collect();
    let n = ft.len();
    // Between the group's tokens a title has a space, a dash or quotes, not words.
    let close = |a: &std::ops::Range<usize>, b: &std::ops::Range<usize>| {
        let sep = &title[a.end..b.start];
        sep.chars().count() <= 3 && !sep.contains('\n')
    };
    let mut out = String::new();
    let mut last = 0;
    let mut i = 0;
    let mut changed = false;
    while i + n <= title_toks.len() {
        let here = &title_toks[i..i + n];
        if keys[i..i + n] != from_keys[..] || !here.windows(2).all(|w| close(&w[0], &w[1])) {
            i += 1;
            continue;
        }
        out.push_str(&title[last..here[0].start]);
        if tt.len() == n {
            for j in 0..n {
                let written = &title[here[j].clone()];
                if keys[i + j] == to_keys[j] {
                    out.push_str(written);
                } else {
                    out.push_str(&in_case_of(written, &to[tt[j].clone()]));
                }
                if j + 1 < n {
                    out.push_str(&title[here[j].end..here[j + 1].start]);
                }
            }
        } else {
            out.push_str(to.trim());
        }
        last = here[n - 1].end;
        i += n;
        changed = true;
    }
    if !changed {
        return Ok(None);
    }
    out.push_str(&title[last..]);
    let chars = out.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(format!(
            "новое название длиннее {MAX_TITLE_CHARS} знаков ({chars}) — MAX его не примет; сократите название чата вручную"
        ));
    }
    Ok(Some(out))
}

/// The groups that arrive in `to`, given the names of one branch's groups (see the
/// module's doc comment for the choices), in natural order.
pub fn first_year_groups(profile: Profile, cfg: &RolloverConfig, to: SchoolYear, groups: &[&str], offset: i32) -> Vec<String> {
    let mut out: Vec<String> = match profile {
        Profile::School => {
            let grades: Vec<(&str, Grade)> = groups
                .iter()
                .filter_map(|g| match parse_grade(g) {
                    GradeName::Grade(grade) => Some((*g, grade)),
                    _ => None,
                })
                .collect();
            let Some(lowest) = grades.iter().map(|(_, g)| g.number).min() else {
                return Vec::new();
            };
            let entry = cfg
                .first_grade
                .unwrap_or_else(|| [10, 5, 1].into_iter().find(|e| *e <= lowest).unwrap_or(1));
            grades
                .iter()
                .filter(|(_, g)| g.number == lowest)
                .map(|(name, g)| with_grade(name, g, entry))
                .collect()
        }
        Profile::College => {
            // Per prefix with a first-year group now: the freshest cohort's codes with the
            // new admission year, counted as the college counts ([`code_offset`]).
            let admission = to.start + offset;
            let mut per_prefix: BTreeMap<String, Vec<(&str, Cohort)>> = BTreeMap::new();
            for g in groups {
                if let Some(co) = cohort(g, to) {
                    per_prefix.entry(group_key(&code_prefix(g))).or_default().push((g, co));
                }
            }
            let mut out = Vec::new();
            for cohorts in per_prefix.values() {
                let newest = cohorts.iter().map(|(_, c)| c.year).max().unwrap_or(admission);
                // The arrivals are on the roster already; or no group of the prefix was
                // admitted last year (a programme no longer recruiting).
                if newest >= admission || newest != admission - 1 {
                    continue;
                }
                for (name, c) in cohorts.iter().filter(|(_, c)| c.year == newest) {
                    let s = name.trim();
                    let year = if c.at.len() == 2 {
                        format!("{:02}", admission % 100)
                    } else {
                        admission.to_string()
                    };
                    out.push(format!("{}{year}{}", &s[..c.at.start], &s[c.at.end..]));
                }
            }
            out
        }
        Profile::Kindergarten => cfg.kindergarten_groups.first().cloned().into_iter().collect(),
        Profile::Supplementary => Vec::new(),
    };
    let mut seen = BTreeSet::new();
    out.retain(|g| seen.insert(group_key(g)));
    out.sort_by(|a, b| natural_cmp(a, b));
    out
}
