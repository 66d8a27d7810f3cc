//! The texts the bot posts, rendered by tera: built in (`templates/messages/`), each
//! replaced by a file of the same name in the workspace's `templates/messages/` — the
//! same layering as the letters.

use crate::config::Config;
use crate::plans::measure::Usage;
use crate::plans::render::remind_horizon;
use crate::plans::status::{ItemStatus, State, StatusReport};
use crate::platform::place::{Audience, Placement};
use crate::profile::Profile;
use chrono::NaiveDate;
use serde::Serialize;
use std::path::Path;

pub const RULES: &str = "messages/rules.txt";
pub const PLAN: &str = "messages/plan.txt";

/// Built-in templates: (name, text).
pub const TEMPLATES: [(&str, &str); 2] = [
    (RULES, include_str!("../../templates/messages/rules.txt")),
    (PLAN, include_str!("../../templates/messages/plan.txt")),
];

/// A template that cannot be read, parsed or rendered.
pub type TextError = crate::templates::TemplateError;

pub struct Texts {
    layered: crate::templates::Layered,
}

impl Texts {
    /// The built-in templates with `workspace_templates` (the workspace's `templates/`)
    /// layered on top.
    pub fn new(workspace_templates: Option<&Path>) -> Result<Texts, TextError> {
        Ok(Texts {
            layered: crate::templates::Layered::new(&TEMPLATES, workspace_templates)?,
        })
    }

    /// The text, without the blank space around it.
    pub fn render(&self, name: &str, ctx: &impl Serialize) -> Result<String, TextError> {
        let text = self.layered.render(name, ctx)?;
        Ok(text.trim().to_string())
    }
}

/// What the rules template is given for one group chat.
#[derive(Debug, Clone, Serialize)]
pub struct RulesCtx {
    pub org: String,
    pub group: String,
    pub group_word: &'static str,
    pub group_gen: &'static str,
    /// Empty when the organisation has one site.
    pub branch: String,
    pub audience: &'static str,
    /// «учеников», «родителей»; a subject chat's «учеников по предмету «Физика»».
    pub members: String,
    pub moderator: &'static str,
    pub moderator_ins: &'static str,
    pub chat_title: String,
}

fn group_gen(p: Profile) -> &'static str {
    match p {
        Profile::School => "класса",
        Profile::College | Profile::Kindergarten => "группы",
        Profile::Supplementary => "объединения",
    }
}

/// Whom a group chat is for, in the genitive («чат родителей»).
fn members(a: Audience, p: Profile) -> &'static str {
    match (a, p) {
        (Audience::Students, Profile::School) => "учеников",
        (Audience::Students, Profile::College) => "студентов",
        (Audience::Students, Profile::Kindergarten) => "воспитанников",
        (Audience::Students, Profile::Supplementary) => "обучающихся",
        (Audience::Parents, _) => "родителей",
        (Audience::Teachers, _) => "педагогов",
        // The subject is added by `rules_ctx`.
        (Audience::Subject, p) => members(Audience::Students, p),
        (Audience::Staff, _) => "сотрудников",
    }
}

/// Who moderates a group's chat (seed 001, 2.23: the group's teacher).
fn moderator(p: Profile) -> (&'static str, &'static str) {
    match p {
        Profile::School => ("классный руководитель", "с классным руководителем"),
        Profile::College => ("куратор группы", "с куратором группы"),
        Profile::Kindergarten => ("воспитатель группы", "с воспитателем"),
        Profile::Supplementary => ("педагог объединения", "с педагогом"),
    }
}

/// The rules' context for a chat placed to a group; None for a chat of no group.
pub fn rules_ctx(cfg: &Config, place: &Placement, chat_title: Option<&str>) -> Option<RulesCtx> {
    let group = place.group.clone()?;
    let p = cfg.profile;
    let (moderator, moderator_ins) = moderator(p);
    Some(RulesCtx {
        org: cfg.organization.name.trim().to_string(),
        group,
        group_word: p.group_word(),
        group_gen: group_gen(p),
        branch: if cfg.branches.len() > 1 {
            place.branch.clone()
        } else {
            String::new()
        },
        audience: place.audience.code(),
        members: match place.subject.as_deref() {
            Some(s) if place.audience == Audience::Subject => format!("{} по предмету «{s}»", members(place.audience, p)),
            _ => members(place.audience, p).to_string(),
        },
        moderator,
        moderator_ins,
        chat_title: chat_title.unwrap_or_default().to_string(),
    })
}

/// One milestone in the staff chat's summary.
#[derive(Debug, Clone, Serialize)]
pub struct PlanItem {
    pub title: String,
    /// «вся организация» for an organisation-wide milestone; empty for the branch's own.
    pub site: String,
    pub state: &'static str,
    pub end: String,
    pub owners: String,
    pub measures: String,
    pub waits_for: String,
}

/// One group where someone still has to join: counts only.
#[derive(Debug, Clone, Serialize)]
pub struct GroupLeft {
    pub group: String,
    pub students_left: usize,
    pub students: usize,
    /// «обучающегося» / «обучающихся», agreeing with `students` after «из».
    pub students_word: &'static str,
    pub parents_left: usize,
    pub parents: usize,
    /// «родителя» / «родителей», agreeing with `parents` after «из».
    pub parents_word: &'static str,
}

/// The genitive after «из N»: singular when N ends in 1 but not 11 («из 21 обучающегося»),
/// plural otherwise («из 22 обучающихся», «из 11 родителей»).
pub fn of_n(n: usize, singular: &'static str, plural: &'static str) -> &'static str {
    if n % 10 == 1 && n % 100 != 11 { singular } else { plural }
}

/// What the plan template is given for one branch's staff chat.
#[derive(Debug, Clone, Serialize)]
pub struct PlanCtx {
    pub org: String,
    /// Empty when the organisation has one site.
    pub branch: String,
    pub date: String,
    pub has_plans: bool,
    pub overdue: Vec<PlanItem>,
    pub coming: Vec<PlanItem>,
    pub horizon: String,
    pub groups: Vec<GroupLeft>,
    pub groups_done: usize,
    pub show_students: bool,
    pub show_parents: bool,
    pub group_word: &'static str,
}

fn plan_item(i: &ItemStatus) -> PlanItem {
    PlanItem {
        title: if i.title.trim().is_empty() { i.id.clone() } else { i.title.clone() },
        site: if i.branch.is_empty() {
            "вся организация".into()
        } else {
            String::new()
        },
        state: i.state.ru(),
        end: i.end.format("%d.%m.%Y").to_string(),
        owners: i.owners.join(", "),
        measures: i
            .measures
            .iter()
            .map(|m| format!("{}: {}", m.title, m.text))
            .collect::<Vec<_>>()
            .join("; "),
        waits_for: i.blocked_by_titles.join(", "),
    }
}

/// The branch's summary: its own milestones and the organisation's that are overdue or
/// end within the reminders' horizon (as `plan status` and `plan remind` see them), and per
/// group how many students and parents are not in their chat yet.
pub fn plan_ctx(cfg: &Config, branch: &str, report: Option<&StatusReport>, usage: &Usage, today: NaiveDate) -> PlanCtx {
    let warn_days = report.map_or(cfg.plans.warn_days, |r| r.warn_days);
    let horizon = remind_horizon(warn_days);
    let mut overdue = Vec::new();
    let mut coming = Vec::new();
    if let Some(r) = report {
        let mut items: Vec<&ItemStatus> = r
            .items
            .iter()
            .filter(|i| i.branch.is_empty() || i.branch == branch)
            .filter(|i| i.state != State::Done)
            .collect();
        items.sort_by_key(|i| (i.state, i.end, !i.branch.is_empty(), i.id.clone()));
        for i in items {
            if i.state == State::Overdue {
                overdue.push(plan_item(i));
            } else if i.days_left <= horizon {
                coming.push(plan_item(i));
            }
        }
    }
    let audiences = cfg.profile.group_audiences();
    let show_students = audiences.contains(&Audience::Students);
    let show_parents = audiences.contains(&Audience::Parents);
    let mut groups = Vec::new();
    let mut groups_done = 0;
    for g in usage.groups.iter().filter(|g| g.branch == branch) {
        let students_left = g.students.saturating_sub(g.students_joined);
        let parents_left = g.parents.saturating_sub(g.parents_joined);
        if (show_students && students_left > 0) || (show_parents && parents_left > 0) {
            groups.push(GroupLeft {
                group: g.group.clone(),
                students_left,
                students: g.students,
                students_word: of_n(g.students, "обучающегося", "обучающихся"),
                parents_left,
                parents: g.parents,
                parents_word: of_n(g.parents, "родителя", "родителей"),
            });
        } else {
            groups_done += 1;
        }
    }
    PlanCtx {
        org: cfg.organization.name.trim().to_string(),
        branch: if cfg.branches.len() > 1 {
            branch.to_string()
        } else {
            String::new()
        },
        date: today.format("%d.%m.%Y").to_string(),
        has_plans: report.is_some(),
        overdue,
        coming,
        horizon: (today + chrono::Duration::days(horizon)).format("%d.%m.%Y").to_string(),
        groups,
        groups_done,
        show_students,
        show_parents,
        group_word: cfg.profile.group_word(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Texts {
        Texts::new(None).unwrap()
    }

    #[test]
    fn the_built_in_rules_name_the_organisation_and_the_group() {
        let ctx = RulesCtx {
            org: "ГБПОУ «Колледж»".into(),
            group: "ИС-24-1".into(),
            group_word: "группа",
            group_gen: "группы",
            branch: "Заречный филиал".into(),
            audience: "parents",
            members: "родителей".into(),
            moderator: "куратор группы",
            moderator_ins: "с куратором группы",
            chat_title: "Родители ИС-24-1".into(),
        };
        let t = texts().render(RULES, &ctx).unwrap();
        assert!(
            t.starts_with("Здравствуйте! Это чат родителей — группа ИС-24-1 (Заречный филиал), ГБПОУ «Колледж»."),
            "{t}"
        );
        assert!(t.contains("Модератор чата — куратор группы."), "{t}");
        assert!(t.chars().count() < crate::platform::max::types::MAX_MESSAGE_CHARS);
        assert!(!t.contains("{{") && !t.contains("{#"), "{t}");
    }

    #[test]
    fn the_plan_summary_lists_milestones_and_counts() {
        let ctx = PlanCtx {
            org: "Колледж".into(),
            branch: "Главный корпус".into(),
            date: "22.11.2026".into(),
            has_plans: true,
            overdue: vec![PlanItem {
                title: "Чаты групп".into(),
                site: String::new(),
                state: "просрочено",
                end: "13.11.2026".into(),
                owners: "Ершова М.А.".into(),
                measures: String::new(),
                waits_for: String::new(),
            }],
            coming: vec![],
            horizon: "06.12.2026".into(),
            groups: vec![GroupLeft {
                group: "ИС-1".into(),
                students_left: 1,
                students: 21,
                students_word: of_n(21, "обучающегося", "обучающихся"),
                parents_left: 2,
                parents: 2,
                parents_word: of_n(2, "родителя", "родителей"),
            }],
            groups_done: 1,
            show_students: true,
            show_parents: true,
            group_word: "группа",
        };
        let t = texts().render(PLAN, &ctx).unwrap();
        assert_eq!(
            t,
            "Колледж — Главный корпус: переход на «Сферум», сводка на 22.11.2026.\n\n\
             Просрочено (1):\n\
             • Чаты групп — срок 13.11.2026; отв.: Ершова М.А.\n\n\
             Ещё не вступили в чаты (по группам, только число):\n\
             • ИС-1: 1 из 21 обучающегося, 2 из 2 родителей\n\
             В остальных группах (1) вступили все."
        );
    }
}
