//! The teaching load («нагрузка», «тарификация»): each record of a `teaching` source —
//! teacher, group, subject, hours — resolved against the merged roster: the teacher to a
//! staff member (by full name, or by surname and initials as loads write them), the group
//! to a roster group of the branch. What cannot be resolved is a problem naming the cell;
//! nothing of it reaches the roster.

use super::context::{Findings, Spot};
use super::model::{Group, LoadGap, Person, PersonKind, Teaching};
use super::sources::SourcedRecord;
use crate::ingest::Ingested;
use crate::normalize::fields::group_list;
use crate::normalize::groups::{GroupNamer, group_key};
use crate::normalize::names::{PersonName, parse_short_name};
use crate::normalize::{clean_spaces, text_key};
use crate::problem::{Location, Rule};
use std::collections::{HashMap, HashSet};

/// Staff by the keys a load names them with.
struct Teachers<'p> {
    /// Full name key → staff ids.
    by_name: HashMap<String, Vec<&'p Person>>,
    /// «иванова и и» → staff ids.
    by_initials: HashMap<String, Vec<&'p Person>>,
}

impl<'p> Teachers<'p> {
    fn new(people: &'p [Person]) -> Self {
        let mut by_name: HashMap<String, Vec<&Person>> = HashMap::new();
        let mut by_initials: HashMap<String, Vec<&Person>> = HashMap::new();
        for p in people.iter().filter(|p| p.kind == PersonKind::Staff) {
            by_name.entry(p.name.key()).or_default().push(p);
            by_initials.entry(p.name.initials_key()).or_default().push(p);
        }
        Teachers { by_name, by_initials }
    }

    /// The one staff member the text names, preferring one of `branch`.
    fn find(&self, raw: &str, branch: &str) -> Option<&'p Person> {
        self.candidates(raw).and_then(|cands| pick(cands, branch))
    }

    /// Why `find` found nobody, for the problem's fix: several fit, or the nearest name
    /// (a letter or two off, as «Морозва П.В.» for «Морозова П.В.»).
    fn miss(&self, raw: &str) -> String {
        if self.candidates(raw).is_some_and(|c| c.len() > 1) {
            return "так названы несколько сотрудников; напишите ФИО полностью или укажите филиал строки".to_string();
        }
        let wanted = parse_short_name(raw).unwrap_or_default();
        let nearest = self
            .by_initials
            .iter()
            .map(|(k, list)| (strsim::normalized_damerau_levenshtein(&wanted, k), k, list))
            .filter(|(score, _, list)| *score >= 0.8 && list.len() == 1)
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)));
        match nearest {
            Some((_, _, list)) => format!(
                "такого учителя нет в списке сотрудников; имелось в виду «{}»? Исправьте ФИО или добавьте учителя в список сотрудников",
                list[0].name.short()
            ),
            None => "такого учителя нет в списке сотрудников; добавьте его в список сотрудников или исправьте ФИО".to_string(),
        }
    }

    fn candidates(&self, raw: &str) -> Option<&Vec<&'p Person>> {
        let by_name = PersonName::parse_fio(raw).and_then(|n| self.by_name.get(&n.key()));
        by_name.or_else(|| parse_short_name(raw).and_then(|k| self.by_initials.get(&k)))
    }
}

/// The one of `cands` in `branch`, or the only one.
fn pick<'p>(cands: &[&'p Person], branch: &str) -> Option<&'p Person> {
    let here: Vec<&&Person> = cands.iter().filter(|p| p.branches.iter().any(|b| b == branch)).collect();
    match (here.len(), cands.len()) {
        (1, _) => Some(here[0]),
        (0, 1) => Some(cands[0]),
        _ => None,
    }
}

/// Each problem once per cell: a matrix's group heading, or the teacher cell of a
/// «тарификация» row, stands for every cell it heads.
#[derive(Default)]
struct Once(HashSet<(Rule, Location)>);

impl Once {
    fn problem(&mut self, found: &mut Findings, rule: Rule, loc: Location, branch: Option<&str>, what: impl Into<String>, fix: &str) {
        if self.0.insert((rule, loc.clone())) {
            found.problem(rule, loc, branch, what, fix);
        }
    }
}

/// Words a load writes in the teacher's cell for «nobody yet».
fn is_vacancy(text: &str) -> bool {
    let k = text_key(text);
    k.is_empty() || k.starts_with("вакан") || k == "нет" || k == "не назначен" || k.chars().all(|c| c == '-' || c == ' ')
}

/// Hours as a number: «4», «4,5», «4 ч».
pub(super) fn parse_hours(text: &str) -> Option<f64> {
    let t: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    t.replace(',', ".").parse::<f64>().ok().filter(|h| h.is_finite() && *h >= 0.0)
}

/// The load of the `teaching` records (taken out of the build's records).
pub(super) fn resolve(
    ing: &Ingested,
    records: Vec<SourcedRecord<'_>>,
    namer: &GroupNamer,
    people: &[Person],
    groups: &[Group],
    found: &mut Findings,
) -> (Vec<Teaching>, Vec<LoadGap>) {
    let teachers = Teachers::new(people);
    let known_groups: HashSet<(&str, String)> = groups.iter().map(|g| (g.branch.as_str(), group_key(&g.name))).collect();
    let mut out: Vec<Teaching> = Vec::new();
    let mut gaps: Vec<LoadGap> = Vec::new();
    let mut once = Once::default();
    for r in records {
        let rec = &r.rec;
        let subject = rec.subject().map(|v| clean_spaces(&v.text())).unwrap_or_default();
        let name_spot = Spot::cell(r.sheet_index, rec.name_at());
        let Some(branch) = r.branch.clone() else {
            found.problem(
                Rule::UnknownBranch,
                name_spot.location(ing),
                None,
                "",
                "не понять, к какому филиалу относится строка нагрузки; укажите branch в [[sources]] или добавьте столбец «Филиал»",
            );
            gaps.push(LoadGap::default());
            continue;
        };
        let Some((raw_group, group_spot)) = r.raw_group.clone() else {
            found.problem(
                Rule::TeachingUnknownGroup,
                name_spot.location(ing),
                Some(&branch),
                "",
                "в строке нагрузки не указан класс (группа); впишите его",
            );
            gaps.push(LoadGap {
                branch: Some(branch.clone()),
                group: None,
            });
            continue;
        };
        let teacher_text = rec.fio().map(|v| v.text()).unwrap_or_default();
        let hours = rec.hours().and_then(|v| parse_hours(&v.text()));
        // «5А, 5Б»: the same teacher and subject in each group.
        let mut raw_groups = group_list(&raw_group);
        if raw_groups.is_empty() {
            raw_groups.push(raw_group.clone());
        }
        for raw_group in raw_groups {
            let group = namer.canonical(&branch, &raw_group);
            if !known_groups.contains(&(branch.as_str(), group_key(&group))) {
                once.problem(
                    found,
                    Rule::TeachingUnknownGroup,
                    group_spot.location(ing),
                    Some(&branch),
                    raw_group,
                    "такой группы нет в списках обучающихся филиала; исправьте название или добавьте группу в списки",
                );
                gaps.push(LoadGap {
                    branch: Some(branch.clone()),
                    group: None,
                });
                continue;
            }
            if is_vacancy(&teacher_text) {
                once.problem(
                    found,
                    Rule::TeachingNoTeacher,
                    name_spot.location(ing),
                    Some(&branch),
                    format!("{group}: {subject}"),
                    "у предмета не указан учитель; впишите ФИО учителя, когда он будет назначен",
                );
                continue;
            }
            let Some(teacher) = teachers.find(&teacher_text, &branch) else {
                once.problem(
                    found,
                    Rule::TeachingUnknownTeacher,
                    name_spot.location(ing),
                    Some(&branch),
                    teacher_text.clone(),
                    &teachers.miss(&teacher_text),
                );
                gaps.push(LoadGap {
                    branch: Some(branch.clone()),
                    group: Some(group),
                });
                continue;
            };
            out.push(Teaching {
                person_id: teacher.id.clone(),
                branch: branch.clone(),
                group,
                subject: subject.clone(),
                hours,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.branch, &a.group, text_key(&a.subject), &a.person_id).cmp(&(&b.branch, &b.group, text_key(&b.subject), &b.person_id))
    });
    // One line per (teacher, group, subject): hours of repeated lines add up.
    out.dedup_by(|later, first| {
        let same = later.person_id == first.person_id
            && later.branch == first.branch
            && later.group == first.group
            && text_key(&later.subject) == text_key(&first.subject);
        if same && let Some(h) = later.hours {
            first.hours = Some(first.hours.unwrap_or(0.0) + h);
        }
        same
    });
    gaps.sort();
    gaps.dedup();
    (out, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours() {
        assert_eq!(parse_hours("4"), Some(4.0));
        assert_eq!(parse_hours("4,5"), Some(4.5));
        assert_eq!(parse_hours(" 3 ч"), Some(3.0));
        assert_eq!(parse_hours("—"), None);
    }

    #[test]
    fn vacancies() {
        assert!(is_vacancy(""));
        assert!(is_vacancy("Вакансия"));
        assert!(is_vacancy("—"));
        assert!(!is_vacancy("Иванова И.И."));
    }
}
