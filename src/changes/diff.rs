//! The change set as set algebra. Two sets of memberships (chat, person):
//! - *should*: who the roster and the profile expect in each placed chat
//!   ([`Expected`]);
//! - *is*: who the matches put there (automatic matches of people on the roster).
//!
//! Invites are *should − is* (minus people a move already brings in): a member in review
//! suppresses no invite — an invite to someone already in the chat costs nothing, a missing
//! one costs the whole rollout. Chats to set
//! up are placements with nobody's chat, moves and reviews come from *is − should*,
//! removals from members who left the roster, admin rights from curators in *is*. Nothing
//! is concluded about a chat whose member list is unknown.

use super::{Action, ActionKind, Change, ReasonCode, Source, new_chat_title};
use crate::config::Config;
use crate::matching::{Expected, MemberMatch, ReviewWhy, Status};
use crate::platform::place::{Audience, Placement};
use crate::profile::Profile;
use crate::roster::{Person, PersonKind, Roster};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Everything the diff reads.
pub struct DiffInput<'a> {
    pub cfg: &'a Config,
    pub roster: &'a Roster,
    pub chats: &'a [super::PlacedChat],
    pub matches: &'a [MemberMatch],
    pub expected: &'a Expected,
    /// Every parent → students they were ever seen with (state store).
    pub children_history: &'a HashMap<String, Vec<String>>,
    /// The roster of the last change set approved or applied and who left it, when the
    /// history has it.
    pub leavers: Option<&'a super::leavers::Leavers>,
    /// A rollover proposal in effect: the titles it gives chats ([`renames`]).
    pub rollover: Option<&'a crate::rollover::effect::Effect>,
}

/// The platform side: which chat is which placement, and who is in it.
struct Memberships<'a> {
    /// chat id → placement.
    place_of: HashMap<i64, &'a Placement>,
    /// placement → chat id (the first chat of a placement wins).
    chat_of: BTreeMap<&'a Placement, i64>,
    /// Chats whose member list is known in full.
    known: HashSet<i64>,
    /// (chat, person) → member: the memberships that exist.
    is: HashMap<(i64, &'a str), i64>,
    /// (chat, user) → admin or owner.
    admin: HashMap<(i64, i64), bool>,
}

impl<'a> Memberships<'a> {
    fn new(input: &DiffInput<'a>) -> Memberships<'a> {
        let mut m = Memberships {
            place_of: HashMap::new(),
            chat_of: BTreeMap::new(),
            known: HashSet::new(),
            is: HashMap::new(),
            admin: HashMap::new(),
        };
        for (cs, placement) in input.chats {
            if let Ok(p) = placement {
                m.place_of.insert(cs.chat.chat_id, p);
                m.chat_of.entry(p).or_insert(cs.chat.chat_id);
                if cs.members_known {
                    m.known.insert(cs.chat.chat_id);
                }
            }
            for member in &cs.members {
                m.admin
                    .insert((cs.chat.chat_id, member.user_id), member.is_admin || member.is_owner);
            }
        }
        for x in input.matches {
            let Some(pid) = x.person_id.as_deref() else { continue };
            if x.status == Status::Matched && !x.departed {
                m.is.insert((x.chat_id, pid), x.user_id);
            }
        }
        m
    }

    fn chat(&self, branch: &str, group: &str, audience: Audience) -> Option<i64> {
        self.chat_of
            .get(&Placement {
                branch: branch.to_string(),
                group: Some(group.to_string()),
                audience,
                subject: None,
            })
            .copied()
    }
}

/// Derives the change set, in a stable order.
pub fn diff(input: &DiffInput<'_>) -> Vec<Action> {
    let people: HashMap<&str, &Person> = input.roster.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let m = Memberships::new(input);
    let mut actions = chat_reviews(input);
    actions.extend(member_actions(input, &m, &people));
    departed_childs_parents(input, &people, &mut actions);
    super::load::teachers_left_load(
        input.cfg.profile,
        input.roster,
        input.chats,
        input.matches,
        input.expected,
        input.leavers,
        &mut actions,
    );
    let moving: HashSet<(i64, String)> = actions
        .iter()
        .filter(|a| a.kind() == ActionKind::Move)
        .filter_map(|a| Some((a.chat_id()?, a.person_id()?.to_string())))
        .collect();
    actions.extend(missing(input, &m, &people, &moving));
    actions.extend(admins(input, &m, &people));
    actions.extend(renames(input));
    sort(input.cfg, &mut actions);
    actions
}

fn source_of(people: &HashMap<&str, &Person>, id: &str) -> Option<Source> {
    Source::of(people.get(id).and_then(|p| p.found_at.first()))
}

/// Chats that cannot be used as they are: unplaced, a second chat for one placement, a
/// member list not saved in full.
fn chat_reviews(input: &DiffInput<'_>) -> Vec<Action> {
    let mut out = Vec::new();
    let mut first: BTreeMap<&Placement, &crate::platform::Chat> = BTreeMap::new();
    for (cs, placement) in input.chats {
        let title = cs.chat.title.as_deref().unwrap_or("");
        let review = |place: Option<&Placement>, code, text| {
            Action::new(
                Change::Review {
                    place: place.cloned(),
                    person_id: None,
                    chat_id: cs.chat.chat_id,
                    user_id: None,
                },
                code,
                text,
                None,
            )
        };
        match placement {
            Ok(p) => {
                if let Some(f) = first.get(p) {
                    out.push(review(
                        Some(p),
                        ReasonCode::DuplicateChat,
                        format!(
                            "второй чат для той же группы и аудитории: «{title}» и «{}» — оставьте один (приглашения считаются по первому)",
                            f.title.as_deref().unwrap_or("")
                        ),
                    ));
                }
                first.entry(p).or_insert(&cs.chat);
                if !cs.members_known {
                    out.push(review(
                        Some(p),
                        ReasonCode::MembersUnknown,
                        "участники чата не прочитаны (нет доступа, чат не активен или снимок неполон): по нему ничего не рассчитано — проверьте права бота (rollout platform check) и снимите снимок заново".into(),
                    ));
                }
            }
            Err(why) => out.push(review(
                None,
                ReasonCode::ChatUnplaced,
                format!("чат «{title}» не удалось отнести к группе и аудитории: {why}"),
            )),
        }
    }
    out
}

/// Every member of a known chat: unknown and uncertain members are reviewed, members who
/// left the roster are removed, and *is − should* becomes moves and reviews.
fn member_actions(input: &DiffInput<'_>, m: &Memberships<'_>, people: &HashMap<&str, &Person>) -> Vec<Action> {
    let mut out = Vec::new();
    for x in input.matches {
        if !m.known.contains(&x.chat_id) {
            continue;
        }
        let place = m.place_of.get(&x.chat_id).copied();
        match (x.status, x.person_id.as_deref()) {
            (Status::Unknown, _) => out.push(Action::new(
                Change::Review {
                    place: place.cloned(),
                    person_id: None,
                    chat_id: x.chat_id,
                    user_id: Some(x.user_id),
                },
                ReasonCode::UnknownMember,
                format!(
                    "участник «{}» не найден в списках: если это человек организации — rollout confirm {} ID; если посторонний — удалите его из чата вручную",
                    x.display_name, x.user_id
                ),
                None,
            )),
            (Status::Review, pid) => out.push(uncertain(input, x, place, pid, people)),
            (Status::Matched, Some(pid)) if x.departed => {
                if let Some(a) = place.and_then(|p| departed(input, x, p, pid, people)) {
                    out.push(a);
                }
            }
            (Status::Matched, Some(pid)) => {
                let Some(place) = place else { continue };
                if !input.expected.expects(place, pid) {
                    out.extend(unexpected(input, m, x, place, pid, people));
                }
            }
            _ => {}
        }
    }
    out
}

/// A member in review: the question for the coordinator, naming every candidate where
/// there are several.
fn uncertain(
    input: &DiffInput<'_>,
    x: &MemberMatch,
    place: Option<&Placement>,
    pid: Option<&str>,
    people: &HashMap<&str, &Person>,
) -> Action {
    let (code, text) = match &x.review {
        Some(ReviewWhy::TwoAccounts) => (
            ReasonCode::TwoAccounts,
            "у человека, похоже, два аккаунта в чатах: оставьте один".to_string(),
        ),
        Some(ReviewWhy::DroppedRecord(why)) => (
            ReasonCode::DroppedRecord,
            format!("участник похож на человека, чья запись исключена из-за ошибки в данных ({why}): исправьте источник; удалять нельзя"),
        ),
        Some(ReviewWhy::Ambiguous) => {
            // Every candidate is named: a coordinator must not confirm whoever is shown first.
            let ids: Vec<&String> = if x.first_only_candidates.len() > 1 {
                x.first_only_candidates.iter().collect()
            } else {
                x.candidates.iter().map(|(p, _)| p).collect()
            };
            let names: Vec<String> = ids
                .iter()
                .take(5)
                .map(|id| format!("{} ({id})", people.get(id.as_str()).map(|p| p.name.full()).unwrap_or_default()))
                .collect();
            (
                ReasonCode::AmbiguousMatch,
                format!(
                    "подходят несколько человек: {} — подтвердите нужного: rollout confirm {} ID",
                    names.join("; "),
                    x.user_id
                ),
            )
        }
        _ => (
            ReasonCode::WeakMatch,
            format!(
                "совпадение неуверенное ({}){}: подтвердите — rollout confirm {} {} — или отклоните — rollout reject {} {}",
                // A decimal comma, as people write it.
                format!("{:.2}", x.confidence).replace('.', ","),
                pid.and_then(|p| elsewhere(input, place, p, people))
                    .map(|w| format!("; по спискам — {w}"))
                    .unwrap_or_default(),
                x.user_id,
                pid.unwrap_or("ID"),
                x.user_id,
                pid.unwrap_or("ID")
            ),
        ),
    };
    // An ambiguous match names no one person: the text lists the candidates.
    let pid = if x.review == Some(ReviewWhy::Ambiguous) { None } else { pid };
    Action::new(
        Change::Review {
            place: place.cloned(),
            person_id: pid.map(str::to_string),
            chat_id: x.chat_id,
            user_id: Some(x.user_id),
        },
        code,
        format!("«{}»: {text}", x.display_name),
        pid.and_then(|p| source_of(people, p)),
    )
}

/// «в группе ИС-1», «в классах 5А, 6Б»: where the roster has someone.
fn in_groups(profile: Profile, groups: &[&str]) -> String {
    let word = match (profile, groups.len() > 1) {
        (Profile::School, false) => "в классе",
        (Profile::School, true) => "в классах",
        (Profile::Supplementary, false) => "в объединении",
        (Profile::Supplementary, true) => "в объединениях",
        (_, false) => "в группе",
        (_, true) => "в группах",
    };
    format!("{word} {}", groups.join(", "))
}

/// «группы ИС-2», «класса 5А».
fn of_group(profile: Profile, group: &str) -> String {
    let word = match profile {
        Profile::School => "класса",
        Profile::Supplementary => "объединения",
        _ => "группы",
    };
    format!("{word} {group}")
}

/// The groups of a parent's children on the roster, in order, once each.
fn children_groups<'a>(roster: &Roster, parent: &str, people: &HashMap<&str, &'a Person>) -> Vec<&'a str> {
    let mut out: Vec<&'a str> = Vec::new();
    for g in roster.guardians.iter().filter(|g| g.parent_id == parent) {
        for r in people.get(g.student_id.as_str()).into_iter().flat_map(|k| k.groups.iter()) {
            if !out.contains(&r.group.as_str()) {
                out.push(r.group.as_str());
            }
        }
    }
    out
}

/// Where the roster has a person whose chat is another group's: their groups (a student)
/// or their children's (a parent); None when the chat is one of them or has no group.
fn elsewhere(input: &DiffInput<'_>, place: Option<&Placement>, pid: &str, people: &HashMap<&str, &Person>) -> Option<String> {
    let chat_group = place?.group.as_deref()?;
    let person = people.get(pid)?;
    let profile = input.cfg.profile;
    match person.kind {
        PersonKind::Student => {
            let groups: Vec<&str> = person.groups.iter().map(|g| g.group.as_str()).collect();
            (!groups.is_empty() && !groups.contains(&chat_group)).then(|| in_groups(profile, &groups))
        }
        PersonKind::Parent => {
            let kids = children_groups(input.roster, pid, people);
            (!kids.is_empty() && !kids.contains(&chat_group)).then(|| format!("дети {}", in_groups(profile, &kids)))
        }
        PersonKind::Staff => None,
    }
}

/// A member who is someone no longer on the roster (an account remembered, or matched to a
/// leaver of the history): removed from every chat they are in (seed 001, 2.29); a parent
/// stays in a group's chat while a child of theirs (as the state store and the previous
/// roster know them) is still in that group, and in a chat with no group while any child
/// is still enrolled.
fn departed(input: &DiffInput<'_>, x: &MemberMatch, place: &Placement, pid: &str, people: &HashMap<&str, &Person>) -> Option<Action> {
    let (code, text) = match x.kind {
        Some(PersonKind::Student) => (
            ReasonCode::DepartedStudent,
            "обучающегося больше нет в списках (выбыл): удалить из чата",
        ),
        Some(PersonKind::Staff) => (ReasonCode::StaffLeft, "сотрудника больше нет в списках (уволился): удалить из чата"),
        _ => {
            let mut kids: Vec<&str> = input
                .children_history
                .get(pid)
                .map(|k| k.iter().map(String::as_str).collect())
                .unwrap_or_default();
            if let Some(l) = input.leavers {
                kids.extend(
                    l.previous
                        .guardians
                        .iter()
                        .filter(|g| g.parent_id == pid)
                        .map(|g| g.student_id.as_str()),
                );
            }
            let enrolled: Vec<&Person> = kids.iter().filter_map(|k| people.get(k).copied()).collect();
            let here = |k: &Person| match place.group.as_deref() {
                Some(g) => k.groups.iter().any(|r| r.branch == place.branch && r.group == g),
                None => true,
            };
            if enrolled.iter().any(|k| here(k)) {
                return None;
            }
            (
                ReasonCode::DepartedParent,
                if enrolled.is_empty() {
                    "родитель выбывшего обучающегося: удалить из чата вместе с ребёнком (других его детей в списках нет)"
                } else {
                    PARENT_OF_DEPARTED_HERE
                },
            )
        }
    };
    Some(Action::new(
        Change::Remove {
            place: place.clone(),
            person_id: pid.to_string(),
            chat_id: x.chat_id,
            user_id: x.user_id,
        },
        code,
        text.to_string(),
        None,
    ))
}

/// A parent whose departed child was in this chat's group, with other children elsewhere.
const PARENT_OF_DEPARTED_HERE: &str =
    "родитель выбывшего обучающегося: удалить из чата этой группы (другие его дети учатся в других группах)";

/// A parent still on the roster, sitting in the parents' chat of a group their departed
/// child was in (the previous roster says so) and no child of theirs is in now: removed
/// from that chat only — the chats of their other children stay. A move to a child's chat
/// the parent is not in yet stays the move (its removal half is this removal).
fn departed_childs_parents(input: &DiffInput<'_>, people: &HashMap<&str, &Person>, actions: &mut Vec<Action>) {
    let Some(l) = input.leavers else { return };
    let places: HashMap<i64, &Placement> = input
        .chats
        .iter()
        .filter(|(c, _)| c.members_known)
        .filter_map(|(c, p)| Some((c.chat.chat_id, p.as_ref().ok()?)))
        .collect();
    for x in input.matches.iter().filter(|x| x.status == Status::Matched && !x.departed) {
        let Some(pid) = x.person_id.as_deref() else { continue };
        let Some(place) = places.get(&x.chat_id).copied() else { continue };
        if place.audience != Audience::Parents
            || people.get(pid).map(|p| p.kind) != Some(PersonKind::Parent)
            || input.expected.expects(place, pid)
            || !l.departed_child_in(pid, place)
        {
            continue;
        }
        let moving = actions
            .iter()
            .any(|a| a.kind() == ActionKind::Move && a.from_chat_id() == Some(x.chat_id) && a.user_id() == Some(x.user_id));
        if moving {
            continue;
        }
        super::push_removal(
            actions,
            x,
            place,
            pid,
            ReasonCode::DepartedParent,
            PARENT_OF_DEPARTED_HERE.to_string(),
            source_of(people, pid),
        );
    }
}

/// A membership in *is − should*: a student or parent in another group's chat moves when
/// their own chat is clear, anything else is a question.
fn unexpected(
    input: &DiffInput<'_>,
    m: &Memberships<'_>,
    x: &MemberMatch,
    place: &Placement,
    pid: &str,
    people: &HashMap<&str, &Person>,
) -> Option<Action> {
    let person = people.get(pid).copied();
    let source = source_of(people, pid);
    let review = |code, text: &str| {
        Some(Action::new(
            Change::Review {
                place: Some(place.clone()),
                person_id: Some(pid.to_string()),
                chat_id: x.chat_id,
                user_id: Some(x.user_id),
            },
            code,
            text.to_string(),
            source.clone(),
        ))
    };
    match (place.audience, person.map(|p| p.kind)) {
        (Audience::Students, Some(PersonKind::Student)) => {
            let person = person?;
            let own: Vec<i64> = person
                .groups
                .iter()
                .filter_map(|g| m.chat(&g.branch, &g.group, Audience::Students))
                .collect();
            let in_own = own.iter().any(|c| m.is.contains_key(&(*c, pid)));
            // The same account already in their own chat: the move's removal half is due.
            let joined_own = own.iter().copied().find(|c| m.is.get(&(*c, pid)) == Some(&x.user_id));
            if !input.cfg.profile.allows_several_groups()
                && let Some(own_chat) = joined_own
            {
                let target = person
                    .groups
                    .iter()
                    .find(|g| m.chat(&g.branch, &g.group, Audience::Students) == Some(own_chat));
                let own_group = target.map(|g| g.group.as_str()).unwrap_or_default();
                return Some(Action::new(
                    Change::Move {
                        place: target
                            .map(|g| Placement {
                                branch: g.branch.clone(),
                                group: Some(g.group.clone()),
                                audience: Audience::Students,
                                subject: None,
                            })
                            .unwrap_or_else(|| place.clone()),
                        person_id: pid.to_string(),
                        chat_id: Some(own_chat),
                        user_id: x.user_id,
                        from_chat_id: x.chat_id,
                    },
                    ReasonCode::WrongGroupChat,
                    format!(
                        "обучающийся уже в чате своей группы {own_group}, но остался в чате группы {}: удалить оттуда",
                        place.group.as_deref().unwrap_or("")
                    ),
                    source,
                ));
            }
            if input.cfg.profile.allows_several_groups() || in_own {
                let groups: Vec<&str> = person.groups.iter().map(|g| g.group.as_str()).collect();
                return review(
                    ReasonCode::TwoGroupChats,
                    &format!(
                        "обучающийся состоит в чатах двух групп, а по спискам — {}{}: уберите лишний чат",
                        if groups.len() == 1 { "только " } else { "" },
                        in_groups(input.cfg.profile, &groups)
                    ),
                );
            }
            let target = person.groups.first().map(|g| Placement {
                branch: g.branch.clone(),
                group: Some(g.group.clone()),
                audience: Audience::Students,
                subject: None,
            });
            let own_group = person.groups.first().map(|g| g.group.as_str()).unwrap_or_default();
            Some(Action::new(
                Change::Move {
                    place: target.unwrap_or_else(|| place.clone()),
                    person_id: pid.to_string(),
                    chat_id: own.first().copied(),
                    user_id: x.user_id,
                    from_chat_id: x.chat_id,
                },
                ReasonCode::WrongGroupChat,
                format!(
                    "обучающийся сидит в чате группы {}, а учится в {own_group}: перевести",
                    place.group.as_deref().unwrap_or("")
                ),
                source,
            ))
        }
        (Audience::Parents, Some(PersonKind::Parent)) => {
            let kids_places: Vec<Placement> = input
                .roster
                .guardians
                .iter()
                .filter(|g| g.parent_id == pid)
                .filter_map(|g| people.get(g.student_id.as_str()))
                .flat_map(|k| k.groups.iter())
                .map(|g| Placement {
                    branch: g.branch.clone(),
                    group: Some(g.group.clone()),
                    audience: Audience::Parents,
                    subject: None,
                })
                .collect();
            // The children's chats the parent is not in yet.
            let targets: Vec<&Placement> = kids_places
                .iter()
                .filter(|p| !m.is.keys().any(|(c, q)| *q == pid && m.chat_of.get(p) == Some(c)))
                .collect();
            match targets.as_slice() {
                [only] => Some(Action::new(
                    Change::Move {
                        place: (*only).clone(),
                        person_id: pid.to_string(),
                        chat_id: m.chat_of.get(*only).copied(),
                        user_id: x.user_id,
                        from_chat_id: x.chat_id,
                    },
                    ReasonCode::WrongGroupChat,
                    format!(
                        "ребёнок учится в {}, а родитель в чате {}: перевести",
                        only.group.as_deref().unwrap_or(""),
                        place.group.as_deref().unwrap_or("")
                    ),
                    source,
                )),
                _ => {
                    let kids: Vec<&str> = kids_places.iter().filter_map(|p| p.group.as_deref()).collect();
                    let mut text = format!(
                        "родитель в чате {}, где нет его детей",
                        of_group(input.cfg.profile, place.group.as_deref().unwrap_or(""))
                    );
                    if !kids.is_empty() {
                        text.push_str(&format!("; по спискам его дети — {}", in_groups(input.cfg.profile, &kids)));
                    }
                    review(ReasonCode::ParentNotOfGroup, &format!("{text}: проверьте"))
                }
            }
        }
        (Audience::Students | Audience::Subject, Some(PersonKind::Parent)) => review(
            ReasonCode::ParentInStudentsChat,
            "родитель в чате обучающихся — возможно, ребёнок зарегистрирован с почты родителя (п. 2.8): проверьте, не удаляйте",
        ),
        (Audience::Parents, Some(PersonKind::Student)) | (Audience::Staff, Some(PersonKind::Student | PersonKind::Parent)) => {
            let profile = input.cfg.profile;
            let who = match person {
                Some(p) if p.kind == PersonKind::Student => {
                    let groups: Vec<&str> = p.groups.iter().map(|g| g.group.as_str()).collect();
                    format!(": по спискам — обучающийся {}", of_group(profile, &groups.join(", ")))
                }
                Some(_) => {
                    let kids = children_groups(input.roster, pid, people);
                    if kids.is_empty() {
                        ": по спискам — родитель".to_string()
                    } else {
                        format!(": по спискам — родитель, его дети — {}", in_groups(profile, &kids))
                    }
                }
                None => String::new(),
            };
            review(
                ReasonCode::WrongAudience,
                &format!("человек в чате не своей аудитории{who}; проверьте"),
            )
        }
        // Staff may sit in group chats (teachers of the group); staff of another branch in a
        // staff chat is a question.
        (Audience::Staff, Some(PersonKind::Staff)) => review(
            ReasonCode::StaffOtherBranch,
            "сотрудник другого филиала в чате сотрудников этого филиала: проверьте",
        ),
        _ => None,
    }
}

/// *should − is*: a placement with no chat is a chat to set up; in a known chat, everyone
/// expected who is neither in it nor moving into it is invited — a possible match of a
/// member in review too (the review stays).
fn missing(input: &DiffInput<'_>, m: &Memberships<'_>, people: &HashMap<&str, &Person>, moving: &HashSet<(i64, String)>) -> Vec<Action> {
    let mut out = Vec::new();
    for (place, expected) in &input.expected.by_placement {
        let group_key = place.group.as_ref().map(|g| (place.branch.clone(), g.clone()));
        let taught = group_key.as_ref().is_some_and(|k| input.expected.taught.contains(k));
        match place.audience {
            // A teachers' chat gets invites only where the load says who teaches the group;
            // it is never listed as a chat to set up (the curator makes it, seed 001 §2.15).
            Audience::Teachers if !taught => continue,
            Audience::Teachers if !m.chat_of.contains_key(place) => continue,
            // A missing subject chat is listed only when `[chats] subject_chats` asks.
            Audience::Subject if !input.cfg.subject_chats && !m.chat_of.contains_key(place) => continue,
            _ => {}
        }
        match m.chat_of.get(place) {
            None => {
                let found = place
                    .group
                    .as_ref()
                    .and_then(|g| input.roster.groups.iter().find(|x| x.branch == place.branch && &x.name == g))
                    .map(|g| g.found_at.clone());
                let title = new_chat_title(input.cfg, place);
                out.push(Action::new(
                    Change::SetupChat { place: place.clone() },
                    ReasonCode::ChatMissing,
                    format!(
                        "чата нет на платформе: создайте «{title}» и добавьте бота; затем пригласите {} чел.",
                        expected.len()
                    ),
                    Source::of(found.as_ref()),
                ));
            }
            Some(&chat) if m.known.contains(&chat) => {
                let curators = place
                    .group
                    .as_ref()
                    .and_then(|g| input.expected.curators.get(&(place.branch.clone(), g.clone())));
                for pid in expected {
                    let key = (chat, pid.as_str());
                    if m.is.contains_key(&key) || moving.contains(&(chat, pid.clone())) {
                        continue;
                    }
                    let curator = curators.is_some_and(|c| c.contains(pid));
                    let kind = people.get(pid.as_str()).map(|p| p.kind);
                    let subject = place.subject.as_deref().unwrap_or("");
                    let (code, text) = match (place.audience, kind) {
                        (Audience::Subject, Some(PersonKind::Student)) => (
                            ReasonCode::StudentNotInSubjectChat,
                            format!("обучающийся ещё не вступил в чат своей группы по предмету «{subject}»"),
                        ),
                        (Audience::Subject, _) => (
                            ReasonCode::TeacherNotInSubjectChat,
                            format!("учитель ведёт предмет «{subject}» в группе, но не в чате группы по этому предмету"),
                        ),
                        (Audience::Teachers, _) if !curator => (
                            ReasonCode::TeacherNotInChat,
                            "учитель ведёт предметы в группе, но не в чате учителей группы".into(),
                        ),
                        _ if curator => (
                            ReasonCode::CuratorNotInChat,
                            format!("{} группы не в чате", input.cfg.profile.curator_word()),
                        ),
                        (_, Some(PersonKind::Student)) => {
                            (ReasonCode::StudentNotInChat, "обучающийся ещё не вступил в чат своей группы".into())
                        }
                        (_, Some(PersonKind::Parent)) => (
                            ReasonCode::ParentNotInChat,
                            "родитель ещё не вступил в родительский чат группы ребёнка".into(),
                        ),
                        _ => (
                            ReasonCode::StaffNotInChat,
                            "сотрудник ещё не вступил в чат сотрудников своего филиала".into(),
                        ),
                    };
                    out.push(Action::new(
                        Change::Invite {
                            place: place.clone(),
                            person_id: pid.clone(),
                            chat_id: chat,
                        },
                        code,
                        text,
                        source_of(people, pid),
                    ));
                }
            }
            Some(_) => {}
        }
    }
    out
}

/// Curators in their groups' chats (*is*) who are not admins there.
fn admins(input: &DiffInput<'_>, m: &Memberships<'_>, people: &HashMap<&str, &Person>) -> Vec<Action> {
    let mut out = Vec::new();
    for (place, &chat) in &m.chat_of {
        let Some(g) = &place.group else { continue };
        // Admin rights for the curator in the students' and parents' chats only: a teachers'
        // or subject chat is run by whoever made it.
        if matches!(place.audience, Audience::Teachers | Audience::Subject) {
            continue;
        }
        for c in input
            .expected
            .curators
            .get(&(place.branch.clone(), g.clone()))
            .into_iter()
            .flatten()
        {
            if let Some(&user) = m.is.get(&(chat, c.as_str()))
                && !m.admin.get(&(chat, user)).copied().unwrap_or(false)
            {
                out.push(Action::new(
                    Change::MakeAdmin {
                        place: (*place).clone(),
                        person_id: c.clone(),
                        chat_id: chat,
                        user_id: user,
                    },
                    ReasonCode::CuratorNotAdmin,
                    format!(
                        "{} группы — не администратор чата: назначьте его администратором",
                        input.cfg.profile.curator_word()
                    ),
                    source_of(people, c),
                ));
            }
        }
    }
    out
}

/// `rename_chat` for every placed chat of `[[chats.map]]` whose entry has a `title` the
/// chat does not have (one per chat; its members need not be known).
fn renames(input: &DiffInput<'_>) -> Vec<Action> {
    // (title, why): rollout.toml's entry first, then the rollover proposal's.
    let mut titles: HashMap<i64, (&str, String)> = HashMap::new();
    for e in &input.cfg.chat_map {
        if let Some(t) = e.title.as_deref() {
            titles.entry(e.chat_id).or_insert((t, "по rollout.toml".into()));
        }
    }
    if let Some(r) = input.rollover {
        for (cs, _) in input.chats {
            if let Some(t) = r.title(cs.chat.chat_id) {
                titles
                    .entry(cs.chat.chat_id)
                    .or_insert((t, format!("по переходу в {} учебный год", r.year)));
            }
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (cs, placement) in input.chats {
        let Ok(place) = placement else { continue };
        let id = cs.chat.chat_id;
        let Some((to, why)) = titles.get(&id) else { continue };
        let from = cs.chat.title.as_deref().unwrap_or("");
        if from.trim() == *to || !seen.insert(id) {
            continue;
        }
        out.push(Action::new(
            Change::RenameChat {
                place: place.clone(),
                chat_id: id,
                from: from.to_string(),
                to: to.to_string(),
            },
            ReasonCode::ChatTitleDiffers,
            format!("название чата «{}» — {why} «{to}»", from.trim()),
            None,
        ));
    }
    out
}

/// A stable order: branch as in rollout.toml, group, audience, subject, kind, chat, user, person;
/// one action per id.
pub(super) fn sort(cfg: &Config, actions: &mut Vec<Action>) {
    let order: HashMap<&str, usize> = cfg.branches.iter().enumerate().map(|(i, x)| (x.name.as_str(), i)).collect();
    actions.sort_by_cached_key(|a| {
        (
            a.branch().and_then(|x| order.get(x).copied()).unwrap_or(usize::MAX),
            crate::roster::NaturalKey::new(a.group().unwrap_or("")),
            a.audience().map(Audience::code),
            a.subject().map(crate::normalize::text_key),
            a.kind(),
            a.chat_id(),
            a.user_id(),
            a.person_id().map(str::to_string),
            a.id.clone(),
        )
    });
    actions.dedup_by(|a, b| a.id == b.id);
}
