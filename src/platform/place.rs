//! Which (branch, group, audience) each chat is: from the `[[chats]]` table where given,
//! otherwise from its title («ИС-24-1 Студенты», «Родители 5А», «5А класс», «Учителя 5А»,
//! «Преподаватели — Заречный филиал», «Учительская»), using the same group-name
//! normalisation and the branches' aliases. A chat that cannot be placed is reported.
//! With a teaching load, a title with a group and a subject of that group's load
//! («10А Физика», «ИС-24-1 — Базы данных», «Физика 10А») is the group's subject chat.

use super::Chat;
use crate::config::Config;
use crate::normalize::groups::group_key;
use crate::normalize::text_key;
use crate::roster::{BranchResolver, Roster};
use std::collections::{HashMap, HashSet};

pub use crate::profile::Audience;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Placement {
    pub branch: String,
    /// None for a branch's staff chat.
    pub group: Option<String>,
    pub audience: Audience,
    /// `Audience::Subject` only: the subject, as the teaching load names it.
    pub subject: Option<String>,
}

/// How close (normalised Damerau–Levenshtein) a map entry's subject must be to a load
/// subject to be taken for its misspelling.
const MISSPELT: f64 = 0.75;

enum SubjectCheck {
    Misspelt(String),
    NotInLoad(String),
}

pub struct ChatPlacer<'a> {
    cfg: &'a Config,
    branches: BranchResolver,
    /// group key → (branch, group name)
    groups: HashMap<String, Vec<(String, String)>>,
    /// (branch, group) → the subjects of its teaching load, the load's first spelling of each.
    subjects: HashMap<(String, String), Vec<String>>,
    /// The same subjects indexed by their first word: per group, and per branch (every
    /// group's), so a title is matched in time of its own words, not of the whole load.
    group_index: HashMap<(String, String), SubjectIndex>,
    branch_index: HashMap<String, SubjectIndex>,
}

/// Subjects by their first word (by `text_key`), each with all its words.
#[derive(Default)]
struct SubjectIndex {
    by_first: HashMap<String, Vec<(Vec<String>, String)>>,
}

impl SubjectIndex {
    fn add(&mut self, subject: &str) {
        let words: Vec<String> = text_key(subject).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        let Some(first) = words.first().cloned() else {
            return;
        };
        let list = self.by_first.entry(first).or_default();
        if !list.iter().any(|(_, s)| s == subject) {
            list.push((words, subject.to_string()));
        }
    }

    /// The subject whose words stand together in `words`: (its word count, where it
    /// starts, the subject); the longest, then the first by spelling; where a subject
    /// stands twice, its first place.
    fn best(&self, words: &[String]) -> Option<(usize, usize, &String)> {
        let mut best: Option<(usize, usize, &String)> = None;
        for (i, w) in words.iter().enumerate() {
            let Some(list) = self.by_first.get(w) else { continue };
            for (sw, s) in list {
                if words[i..].starts_with(sw) && best.is_none_or(|(n, _, b)| sw.len() > n || (sw.len() == n && s < b)) {
                    best = Some((sw.len(), i, s));
                }
            }
        }
        best
    }
}

const PARENT_WORDS: [&str; 4] = ["родител", "мамы", "папы", "родительск"];
const STAFF_WORDS: [&str; 7] = [
    "учительская",
    "преподавател",
    "педагог",
    "сотрудник",
    "коллектив",
    "учител",
    "воспитател",
];
const STUDENT_WORDS: [&str; 7] = ["студент", "обучающ", "ученик", "учащ", "класс", "группа", "воспитанник"];

fn has_word(key: &str, stems: &[&str]) -> bool {
    key.split(' ').any(|w| stems.iter().any(|s| w.starts_with(s)))
}

impl<'a> ChatPlacer<'a> {
    pub fn new(cfg: &'a Config, roster: &Roster) -> Self {
        let mut groups: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for g in &roster.groups {
            let e = groups.entry(group_key(&g.name)).or_default();
            if !e.iter().any(|(b, n)| b == &g.branch && n == &g.name) {
                e.push((g.branch.clone(), g.name.clone()));
            }
        }
        let mut subjects: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut keys: HashMap<(String, String), HashSet<String>> = HashMap::new();
        for t in &roster.teaching {
            let at = (t.branch.clone(), t.group.clone());
            if keys.entry(at.clone()).or_default().insert(text_key(&t.subject)) {
                subjects.entry(at).or_default().push(t.subject.clone());
            }
        }
        let mut group_index: HashMap<(String, String), SubjectIndex> = HashMap::new();
        let mut branch_index: HashMap<String, SubjectIndex> = HashMap::new();
        for ((branch, group), list) in &subjects {
            for s in list {
                group_index.entry((branch.clone(), group.clone())).or_default().add(s);
                branch_index.entry(branch.clone()).or_default().add(s);
            }
        }
        ChatPlacer {
            cfg,
            branches: BranchResolver::new(cfg),
            groups,
            subjects,
            group_index,
            branch_index,
        }
    }

    /// The placement, or why there is none (in Russian, for the review list).
    pub fn place(&self, chat: &Chat) -> Result<Placement, String> {
        if let Some(e) = self.cfg.chat_map.iter().find(|e| e.chat_id == chat.chat_id) {
            let audience = Audience::from_code(&e.audience).ok_or("неизвестная аудитория в [[chats]]")?;
            let branch = match &e.branch {
                Some(b) => self
                    .branches
                    .resolve(b)
                    .ok_or_else(|| format!("филиал «{b}» из [[chats]] неизвестен"))?,
                None => self.default_branch(e.group.as_deref()).ok_or("в [[chats]] не указан филиал")?,
            };
            let group = e.group.as_ref().map(|g| self.group_name(&branch, g).unwrap_or_else(|| g.clone()));
            // A subject chat takes the load's spelling of its subject where the load has it.
            let subject = match (audience, &e.subject) {
                (Audience::Subject, Some(s)) => {
                    let key = text_key(s);
                    let loaded = group.as_ref().and_then(|g| self.subjects.get(&(branch.clone(), g.clone())));
                    Some(
                        loaded
                            .and_then(|list| list.iter().find(|x| text_key(x) == key))
                            .cloned()
                            .unwrap_or_else(|| crate::normalize::clean_spaces(s)),
                    )
                }
                _ => None,
            };
            return Ok(Placement {
                branch,
                group,
                audience,
                subject,
            });
        }
        let title = chat.title.clone().unwrap_or_default();
        let key = text_key(&title);
        if key.is_empty() {
            return Err("у чата нет названия".into());
        }
        let mentioned = self.branches.mentioned_in(std::slice::from_ref(&title));
        let found = self.find_group(&title, mentioned.as_deref());
        let parents = has_word(&key, &PARENT_WORDS);
        let staff = has_word(&key, &STAFF_WORDS);
        let students = has_word(&key, &STUDENT_WORDS);
        if let Some((branch, name, rest)) = &found
            && let Some(subject) = self.subject_in(branch, name, rest)
        {
            return Ok(Placement {
                branch: branch.clone(),
                group: Some(name.clone()),
                audience: Audience::Subject,
                subject: Some(subject),
            });
        }
        match found.map(|(b, n, _)| (b, n)) {
            Some((branch, name)) => {
                let audience = if parents {
                    Audience::Parents
                } else if staff {
                    Audience::Teachers
                } else {
                    // «5А класс», «ИС-24-1 Студенты», or the bare group name.
                    let _ = students;
                    Audience::Students
                };
                Ok(Placement {
                    branch,
                    group: Some(name),
                    audience,
                    subject: None,
                })
            }
            None if staff && !parents && !students => {
                let branch = mentioned
                    .or_else(|| self.default_branch(None))
                    .ok_or_else(|| "чат сотрудников без названия филиала, а филиалов несколько: добавьте его в [[chats]]".to_string())?;
                Ok(Placement {
                    branch,
                    group: None,
                    audience: Audience::Staff,
                    subject: None,
                })
            }
            None => Err("в названии нет известной группы и понятной аудитории: добавьте чат в [[chats]] или переименуйте".into()),
        }
    }

    /// Every group `[[chats.map]]` names is a group of the roster (after the usual
    /// normalisation; in the entry's branch when it names one): a group that is not would
    /// place a chat nowhere and turn into «create a chat» and moves. Each such entry is a
    /// problem naming it and the nearest roster group; a subject entry's subject that the
    /// group's load does not have is one too. Entries for the chats in `superseded` (placed
    /// by a rollover proposal in effect instead) are not checked.
    pub fn check_map(&self, superseded: &dyn Fn(i64) -> bool) -> Vec<String> {
        let mut problems = Vec::new();
        for e in self.cfg.chat_map.iter().filter(|e| !superseded(e.chat_id)) {
            let Some(g) = e.group.as_deref().filter(|g| !g.trim().is_empty()) else {
                continue;
            };
            let branch = e.branch.as_deref().and_then(|b| self.branches.resolve(b));
            let known = self
                .groups
                .get(&group_key(g))
                .is_some_and(|list| branch.as_ref().is_none_or(|b| list.iter().any(|(lb, _)| lb == b)));
            if known {
                if let Some(SubjectCheck::Misspelt(text)) = self.check_subject(e, g, branch.as_deref()) {
                    problems.push(text);
                }
                continue;
            }
            let candidates: Vec<&String> = self
                .groups
                .values()
                .flatten()
                .filter(|(lb, _)| branch.as_ref().is_none_or(|b| lb == b))
                .map(|(_, n)| n)
                .collect();
            let key = group_key(g);
            let nearest = candidates
                .iter()
                .map(|n| (strsim::normalized_damerau_levenshtein(&key, &group_key(n)), *n))
                .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)));
            let place = match &branch {
                Some(b) => format!("в списке обучающихся филиала «{b}»"),
                None => "в списке обучающихся".to_string(),
            };
            let hint = match nearest {
                Some((_, n)) => format!("имелось в виду «{n}»? Исправьте group или уберите запись"),
                None => format!("{place} нет ни одной группы; исправьте group или уберите запись"),
            };
            problems.push(format!("{}: группы «{g}» нет {place} — {hint}", e.label()));
        }
        problems
    }

    /// A subject entry's subject is one of the group's load (by `text_key`), when the load
    /// names the group at all. One close to a load subject is a misspelling (an error: it
    /// would tie the chat to a subject nobody teaches — no invites, and a second chat to set
    /// up for the real one); any other is a subject gone from the load (a warning: the chat
    /// expects nobody, and its teacher who left the load is removed from it).
    fn check_subject(&self, e: &crate::config::ChatMapEntry, group: &str, branch: Option<&str>) -> Option<SubjectCheck> {
        let subject = e.subject.as_deref().filter(|_| e.audience == "subject")?;
        let branch = branch.map(str::to_string).or_else(|| self.default_branch(Some(group)))?;
        let name = self.group_name(&branch, group)?;
        let list = self.subjects.get(&(branch, name.clone()))?;
        let key = text_key(subject);
        if list.iter().any(|s| text_key(s) == key) {
            return None;
        }
        let nearest = list
            .iter()
            .map(|s| (strsim::normalized_damerau_levenshtein(&key, &text_key(s)), s))
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)));
        Some(match nearest {
            Some((score, n)) if score >= MISSPELT => SubjectCheck::Misspelt(format!(
                "{}: предмета «{subject}» нет в нагрузке группы {name} — имелось в виду «{n}»? Исправьте subject или уберите запись",
                e.label()
            )),
            _ => SubjectCheck::NotInLoad(format!(
                "{}: предмета «{subject}» нет в нагрузке группы {name} — чат по нему никого не ждёт; если предмет больше не ведут, уберите запись",
                e.label()
            )),
        })
    }

    /// Subject entries whose subject is gone from the group's load (warnings).
    pub fn subjects_not_in_load(&self) -> Vec<String> {
        self.cfg
            .chat_map
            .iter()
            .filter_map(|e| {
                let g = e.group.as_deref()?;
                let branch = e.branch.as_deref().and_then(|b| self.branches.resolve(b));
                match self.check_subject(e, g, branch.as_deref())? {
                    SubjectCheck::NotInLoad(text) => Some(text),
                    SubjectCheck::Misspelt(_) => None,
                }
            })
            .collect()
    }

    fn default_branch(&self, group: Option<&str>) -> Option<String> {
        if let Some(g) = group
            && let Some(list) = self.groups.get(&group_key(g))
            && list.len() == 1
        {
            return Some(list[0].0.clone());
        }
        self.cfg.main_branch().map(|b| b.name.clone())
    }

    fn group_name(&self, branch: &str, raw: &str) -> Option<String> {
        self.groups
            .get(&group_key(raw))?
            .iter()
            .find(|(b, _)| b == branch)
            .map(|(_, n)| n.clone())
    }

    /// The subject of the group's load the rest of a title names (whole words, by
    /// `text_key`; the longest when several fit), when nothing else in it names an
    /// audience: «Физика», but not «Физика — родители». A subject the group's load no
    /// longer has but another group of the branch still has counts too: «7А Физика» stays
    /// the physics chat of 7А (expecting nobody) when physics left 7А's load, instead of
    /// turning into a second students' chat of 7А.
    fn subject_in(&self, branch: &str, group: &str, rest: &str) -> Option<String> {
        let words: Vec<String> = text_key(rest).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        let own = self
            .group_index
            .get(&(branch.to_string(), group.to_string()))
            .and_then(|index| index.best(&words));
        let (n, i, subject) = own.or_else(|| self.branch_index.get(branch)?.best(&words))?;
        let others: Vec<&str> = words[..i].iter().chain(&words[i + n..]).map(String::as_str).collect();
        let others = others.join(" ");
        if has_word(&others, &PARENT_WORDS) || has_word(&others, &STAFF_WORDS) {
            return None;
        }
        Some(subject.clone())
    }

    /// The longest run of words in the title that names a roster group, with the rest of
    /// the title (the words around it).
    fn find_group(&self, title: &str, branch: Option<&str>) -> Option<(String, String, String)> {
        let words: Vec<&str> = title
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '—' | '–' | '(' | ')' | '«' | '»' | '"' | '.'))
            .filter(|w| !w.is_empty() && *w != "-")
            .collect();
        let mut best: Option<(usize, String, String, String)> = None;
        for len in (1..=3).rev() {
            for start in 0..words.len().saturating_sub(len - 1) {
                let phrase = words[start..start + len].join(" ");
                let Some(list) = self.groups.get(&group_key(&phrase)) else {
                    continue;
                };
                let hit = match branch {
                    Some(b) => list.iter().find(|(lb, _)| lb == b),
                    None if list.len() == 1 => list.first(),
                    None => None,
                };
                if let Some((b, n)) = hit
                    && best.as_ref().is_none_or(|x| len > x.0)
                {
                    let rest = words[..start]
                        .iter()
                        .chain(&words[start + len..])
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ");
                    best = Some((len, b.clone(), n.clone(), rest));
                }
            }
            if best.is_some() {
                break;
            }
        }
        best.map(|(_, b, n, rest)| (b, n, rest))
    }
}

/// The subject of `list` whose words stand in `words` (whole words), the longest — then the
/// first in text order — when several do: (its word count, where it starts, the subject).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::{Group, Teaching};

    fn placer_for(f: impl FnOnce(&ChatPlacer<'_>)) {
        let cfg = Config::parse(
            "[organization]\nname = \"Школа\"\nprofile = \"school\"\n",
            std::path::Path::new("/nonexistent/rollout.toml"),
        )
        .expect("config");
        let branch = cfg.main_branch().map(|b| b.name.clone()).expect("one site");
        let group = |name: &str| Group {
            branch: branch.clone(),
            name: name.into(),
            course: None,
            curator_ids: vec![],
            found_at: Default::default(),
        };
        let teach = |g: &str, s: &str| Teaching {
            person_id: "t".into(),
            branch: branch.clone(),
            group: g.into(),
            subject: s.into(),
            hours: None,
        };
        let roster = Roster {
            groups: vec![group("10А"), group("11Б")],
            teaching: vec![
                teach("10А", "Физика"),
                teach("10А", "Основы безопасности жизнедеятельности"),
                teach("10А", "Математика"),
                teach("10А", "Математика: алгебра"),
                teach("11Б", "ФИЗИКА"),
            ],
            ..Default::default()
        };
        f(&ChatPlacer::new(&cfg, &roster));
    }

    fn place(p: &ChatPlacer<'_>, title: &str) -> (String, Audience, Option<String>) {
        let chat = Chat {
            chat_id: 1,
            title: Some(title.into()),
            participants_count: None,
            link: None,
            owner_id: None,
            status: None,
        };
        let pl = p.place(&chat).unwrap_or_else(|e| panic!("{title}: {e}"));
        (pl.group.unwrap_or_default(), pl.audience, pl.subject)
    }

    #[test]
    fn titles_with_a_subject_of_the_groups_load_are_subject_chats() {
        placer_for(|p| {
            let subject = |g: &str, s: &str| (g.to_string(), Audience::Subject, Some(s.to_string()));
            assert_eq!(place(p, "10А Физика"), subject("10А", "Физика"));
            assert_eq!(place(p, "физика 10а"), subject("10А", "Физика"));
            assert_eq!(
                place(p, "10А — Основы  безопасности жизнедеятельности"),
                subject("10А", "Основы безопасности жизнедеятельности")
            );
            // The longest subject wins; the load's spelling is the placement's.
            assert_eq!(place(p, "10А Математика: алгебра"), subject("10А", "Математика: алгебра"));
            assert_eq!(place(p, "Физика (11Б)"), subject("11Б", "ФИЗИКА"));
            // Whole words only.
            assert_eq!(place(p, "10А Физикал"), ("10А".into(), Audience::Students, None));
            // Another audience's words, or a subject in no load of the branch: as before.
            assert_eq!(place(p, "10А Физика родители"), ("10А".into(), Audience::Parents, None));
            assert_eq!(place(p, "Учителя 10А"), ("10А".into(), Audience::Teachers, None));
            assert_eq!(place(p, "10А Родители"), ("10А".into(), Audience::Parents, None));
            assert_eq!(place(p, "10А класс"), ("10А".into(), Audience::Students, None));
            assert_eq!(place(p, "11Б Астрономия"), ("11Б".into(), Audience::Students, None));
            // A subject gone from the group's load but taught in another group: still the
            // group's chat of that subject (it expects nobody now).
            assert_eq!(place(p, "11Б Математика"), subject("11Б", "Математика"));
        });
    }
}
