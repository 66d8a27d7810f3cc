//! Safety, learned from Canvas' change_threshold, Clever's "sync on hold" and Edlink's
//! pending syncs: removals over a threshold per branch and audience hold the change set
//! until approved (a move's removal from the old chat among them); a branch with no roster
//! data never yields removals; a branch whose
//! roster shrank sharply since the last accepted run holds the change set.

use super::{Action, ActionKind, ReasonCode};
use crate::config::Config;
use crate::platform::ChatState;
use crate::platform::place::{Audience, Placement};
use crate::roster::{PersonKind, Roster};
use std::collections::BTreeMap;

pub struct Assessment {
    pub held_reasons: Vec<Hold>,
    /// Whether this run's roster sizes may become the new reference (no sharp shrink).
    pub accept_sizes: bool,
    pub sizes: BTreeMap<(String, String), usize>,
}

/// Why the change set is held (or, once approved, was): a fact, then what it asks of the
/// user — a held set asks to be approved, an approved one says its removals are allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    fact: String,
    ask: Ask,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Ask {
    /// Nothing to approve: removals that were never planned.
    Nothing,
    /// A shrink holding this many removals.
    Shrink(usize),
    /// Removals over the threshold.
    Threshold,
}

impl Hold {
    /// The text people read, as the change set stands (approved or not).
    pub fn text(&self, approved: bool) -> String {
        let tail = match (self.ask, approved) {
            (Ask::Nothing, _) => return self.fact.clone(),
            (Ask::Shrink(n), false) => format!(
                "; {} подтверждения (rollout approve)",
                crate::human::ru_count(n, ["удаление ждёт", "удаления ждут", "удалений ждут"])
            ),
            (Ask::Shrink(n), true) => format!(
                "; подтверждено, {}",
                crate::human::ru_count(n, ["удаление разрешено", "удаления разрешены", "удалений разрешено"])
            ),
            (Ask::Threshold, false) => "; проверьте и подтвердите (rollout approve)".to_string(),
            (Ask::Threshold, true) => "; подтверждено, удаления разрешены".to_string(),
        };
        format!("{}{tail}", self.fact)
    }
}

/// Whose list it is, in the genitive: «список родителей».
fn list_of(kind: &str) -> &'static str {
    match kind {
        "student" => "обучающихся",
        "parent" => "родителей",
        "staff" => "сотрудников",
        _ => "людей",
    }
}

fn kind_for(audience: Audience) -> PersonKind {
    match audience {
        Audience::Students => PersonKind::Student,
        Audience::Parents => PersonKind::Parent,
        Audience::Staff | Audience::Teachers => PersonKind::Staff,
        // A subject chat is mostly the group's students.
        Audience::Subject => PersonKind::Student,
    }
}

/// The kind of person a removal is about, from its reason.
fn removed_kind(code: ReasonCode) -> Option<PersonKind> {
    match code {
        ReasonCode::DepartedStudent => Some(PersonKind::Student),
        ReasonCode::DepartedParent => Some(PersonKind::Parent),
        ReasonCode::StaffLeft | ReasonCode::TeacherLeftLoad => Some(PersonKind::Staff),
        _ => None,
    }
}

/// The audience whose list a kind of person is on.
fn audience_of(kind: PersonKind) -> Audience {
    match kind {
        PersonKind::Student => Audience::Students,
        PersonKind::Parent => Audience::Parents,
        PersonKind::Staff => Audience::Staff,
    }
}

fn audience_ru(code: &str) -> &'static str {
    Audience::from_code(code).map(Audience::ru).unwrap_or("")
}

pub fn roster_sizes(cfg: &Config, roster: &Roster) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for b in &cfg.branches {
        for k in [PersonKind::Student, PersonKind::Parent, PersonKind::Staff] {
            m.insert((b.name.clone(), k.code().to_string()), roster.count_in_branch(k, &b.name));
        }
    }
    m
}

pub fn assess(
    cfg: &Config,
    roster: &Roster,
    chats: &[(ChatState, Result<Placement, String>)],
    previous: &BTreeMap<(String, String), usize>,
    actions: &mut Vec<Action>,
) -> Assessment {
    let mut held = Vec::new();
    let sizes = roster_sizes(cfg, roster);
    // 1. No roster data for a branch and kind: its removals are dropped, never planned.
    let mut dropped: BTreeMap<(String, String), usize> = BTreeMap::new();
    actions.retain(|a| {
        if a.kind() != ActionKind::Remove {
            return true;
        }
        let (Some(b), Some(aud)) = (a.branch(), a.audience()) else {
            return true;
        };
        // The kind of the person removed, not the chat's: a teacher "who left" the students'
        // chat is a staff removal, and an empty staff list says nothing about it.
        let kind = removed_kind(a.reason.code).unwrap_or_else(|| kind_for(aud));
        if sizes.get(&(b.to_string(), kind.code().to_string())).copied().unwrap_or(0) == 0 {
            // Keyed by the audience's code: the order of the held reasons stays put.
            *dropped.entry((b.to_string(), audience_of(kind).code().to_string())).or_default() += 1;
            return false;
        }
        true
    });
    for ((b, aud), n) in &dropped {
        held.push(Hold {
            fact: format!(
                "{b}: в источниках нет ни одного человека для аудитории «{}» (файл не найден, пуст или не прочитан) — удалений не планируется (их было бы {n}); проверьте источники этого филиала",
                audience_ru(aud)
            ),
            ask: Ask::Nothing,
        });
    }
    // 2. A sharp shrink since the last accepted run.
    let mut accept_sizes = true;
    for ((b, k), prev) in previous {
        let now = sizes.get(&(b.clone(), k.clone())).copied().unwrap_or(0);
        if *prev > 0 && (now as f64) < (*prev as f64) * (1.0 - cfg.safety.max_shrink) {
            accept_sizes = false;
            let removals = actions
                .iter()
                .filter(|a| a.kind() == ActionKind::Remove && a.branch() == Some(b.as_str()))
                .count();
            held.push(Hold {
                fact: format!(
                    "{b}: список {} сократился с {prev} до {now} человек с прошлого запуска (больше чем на {:.0}%) — возможно, файл обрезан",
                    list_of(k),
                    cfg.safety.max_shrink * 100.0
                ),
                ask: Ask::Shrink(removals),
            });
        }
    }
    // 3. Removal thresholds per branch and audience, against the members of those chats.
    let mut members: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (cs, p) in chats {
        if let Ok(p) = p {
            *members.entry((p.branch.clone(), p.audience.code().to_string())).or_default() +=
                cs.members.iter().filter(|m| !m.is_bot && !m.is_owner).count();
        }
    }
    // A move's removal half counts where it removes: in the chat the person leaves.
    let place_of: BTreeMap<i64, &Placement> = chats
        .iter()
        .filter_map(|(cs, p)| Some((cs.chat.chat_id, p.as_ref().ok()?)))
        .collect();
    // (removals, of them the removal halves of moves)
    let mut removals: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for a in actions.iter() {
        let at = match a.kind() {
            ActionKind::Remove => a.branch().zip(a.audience()),
            ActionKind::Move => a
                .from_chat_id()
                .and_then(|c| place_of.get(&c))
                .map(|p| (p.branch.as_str(), p.audience)),
            _ => None,
        };
        if let Some((b, aud)) = at {
            let e = removals.entry((b.to_string(), aud.code().to_string())).or_default();
            e.0 += 1;
            e.1 += usize::from(a.kind() == ActionKind::Move);
        }
    }
    for ((b, aud), (n, moves)) in &removals {
        let of = members.get(&(b.clone(), aud.clone())).copied().unwrap_or(0);
        if cfg.safety.max_remove.exceeded(*n, of) {
            let share = if of > 0 { *n as f64 * 100.0 / of as f64 } else { 100.0 };
            let limit = match cfg.safety.max_remove {
                crate::config::Limit::Share(s) => format!("{:.0}%", s * 100.0),
                crate::config::Limit::Count(c) => format!("{c}"),
            };
            held.push(Hold {
                fact: format!(
                    "{b}, {}: {}{} из {} чатов ({share:.1}%) — больше порога [safety] max_remove = {limit}",
                    audience_ru(aud),
                    crate::human::ru_count(*n, ["удаление", "удаления", "удалений"]),
                    if *moves > 0 {
                        format!(" (из них при переводе в свой чат — {moves})")
                    } else {
                        String::new()
                    },
                    crate::human::ru_count(of, ["участника", "участников", "участников"])
                ),
                ask: Ask::Threshold,
            });
        }
    }
    Assessment {
        held_reasons: held,
        accept_sizes,
        sizes,
    }
}

/// Leavers of a branch with a source read only in part (`Loaded::partly_read`) are not
/// removed: the rows lost from a damaged file look exactly like people who left. Their
/// removals are dropped, and a hold per branch says which file and why.
pub fn hold_partly_read(partly: &[crate::roster::PartlyRead], actions: &mut Vec<Action>) -> Vec<Hold> {
    if partly.is_empty() {
        return Vec::new();
    }
    let every_branch = partly.iter().any(|p| p.branch.is_none());
    let concerned = |b: Option<&str>| every_branch || partly.iter().any(|p| p.branch.as_deref() == b);
    let mut dropped: BTreeMap<String, usize> = BTreeMap::new();
    actions.retain(|a| {
        let leaver = a.kind() == ActionKind::Remove && removed_kind(a.reason.code).is_some();
        if leaver && concerned(a.branch()) {
            *dropped.entry(a.branch().unwrap_or("").to_string()).or_default() += 1;
            return false;
        }
        true
    });
    let mut holds = Vec::new();
    for p in partly {
        let n: usize = match &p.branch {
            Some(b) => dropped.remove(b).unwrap_or(0),
            None => std::mem::take(&mut dropped).into_values().sum(),
        };
        if n == 0 {
            continue;
        }
        let place = p.branch.as_deref().map(|b| format!("{b}: ")).unwrap_or_default();
        let how = if matches!(p.rule, crate::problem::Rule::FileUnreadable | crate::problem::Rule::FileOverBudget) {
            "не прочитан"
        } else {
            "прочитан не полностью"
        };
        holds.push(Hold {
            fact: format!(
                "{place}файл {} {how} ({}) — выбывших по нему не определить, удалений не планируется (их было бы {n}); исправьте или выгрузите файл заново и запустите снова",
                p.file,
                p.rule.title_ru()
            ),
            ask: Ask::Nothing,
        });
    }
    holds
}

/// The graduates' removals of a proposal in effect (issue 16): removals of students and
/// parents from the chats of graduating groups set aside («11А (выпуск)»). Taken out of
/// `actions` before the thresholds are assessed: they are over `max_remove` by design, and
/// [`hold_graduates`] holds the change set for them with its own reason.
pub fn take_graduates(
    effect: &crate::rollover::effect::Effect,
    graduates: &std::collections::HashSet<String>,
    actions: &mut Vec<Action>,
) -> Vec<Action> {
    let mut taken = Vec::new();
    actions.retain(|a| {
        // From a graduating chat, or a graduate (or a graduate's parent) anywhere: a
        // graduate in another group's chat is no leaver before the grace date either.
        let graduate = matches!(
            (&a.change, removed_kind(a.reason.code)),
            (super::Change::Remove { place, person_id, .. }, Some(PersonKind::Student | PersonKind::Parent))
                if effect.is_graduating(place) || graduates.contains(person_id)
        );
        if graduate {
            let mut a = a.clone();
            a.reason.text = match a.reason.code {
                ReasonCode::DepartedParent => format!("родитель выпускника ({} учебный год): удалить из чата", effect.year),
                _ => format!("выпускник ({} учебный год): удалить из чата", effect.year),
            };
            taken.push(a);
        }
        !graduate
    });
    taken
}

/// A hold that asks nothing: a fact that makes the change set wait for a look.
pub fn hold_fact(fact: String) -> Hold {
    Hold { fact, ask: Ask::Nothing }
}

/// The hold for graduates' removals, planned from the grace date on: always, whatever the
/// thresholds say.
pub fn hold_graduates(effect: &crate::rollover::effect::Effect, graduates: &[Action]) -> Option<Hold> {
    if graduates.is_empty() {
        return None;
    }
    let mut groups: Vec<&str> = graduates
        .iter()
        .filter_map(|a| a.group())
        .filter(|g| crate::rollover::effect::is_graduated_name(g))
        .collect();
    groups.sort();
    groups.dedup();
    Some(Hold {
        fact: format!(
            "переход в {} учебный год: {} выпускников и их родителей (чаты выпускных групп: {}) — такие удаления по замыслу больше порогов [safety] max_remove и max_shrink, поэтому набор всегда ждёт проверки",
            effect.year,
            crate::human::ru_count(graduates.len(), ["удаление", "удаления", "удалений"]),
            groups.join(", ")
        ),
        ask: Ask::Threshold,
    })
}
