//! The change set (`rollout diff` → `changes.json`): typed actions, each with a reason,
//! its source cell and a stable id; held when removals exceed the safety thresholds.
//! Built as explicit set algebra: expected memberships (roster × profile) against actual
//! ones (platform × matches), keyed by person and chat.

pub mod safety;

use crate::config::Config;
use crate::matching::{Expected, MemberMatch, ReviewWhy, Status};
use crate::platform::ChatState;
use crate::platform::place::{ChatAudience, Placement};
use crate::problem::Location;
use crate::roster::{PersonKind, Roster};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    SetupChat,
    Invite,
    Move,
    Remove,
    Review,
    MakeAdmin,
}

impl ActionKind {
    pub const ALL: [ActionKind; 6] = [
        ActionKind::SetupChat,
        ActionKind::Invite,
        ActionKind::Move,
        ActionKind::Remove,
        ActionKind::Review,
        ActionKind::MakeAdmin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionKind::SetupChat => "setup_chat",
            ActionKind::Invite => "invite",
            ActionKind::Move => "move",
            ActionKind::Remove => "remove",
            ActionKind::Review => "review",
            ActionKind::MakeAdmin => "make_admin",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            ActionKind::SetupChat => "создать чат",
            ActionKind::Invite => "пригласить",
            ActionKind::Move => "перевести в свой чат",
            ActionKind::Remove => "удалить из чата",
            ActionKind::Review => "проверить",
            ActionKind::MakeAdmin => "сделать администратором",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub code: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub file: String,
    pub sheet: String,
    pub cell: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub id: String,
    pub kind: ActionKind,
    pub branch: Option<String>,
    pub group: Option<String>,
    pub audience: Option<String>,
    pub person_id: Option<String>,
    pub chat_id: Option<i64>,
    pub user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_chat_id: Option<i64>,
    pub reason: Reason,
    pub source: Option<Source>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeStatus {
    Ready,
    Held,
    Approved,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    pub version: u32,
    pub hash: String,
    pub status: ChangeStatus,
    pub held_reasons: Vec<String>,
    pub actions: Vec<Action>,
}

impl ChangeSet {
    pub fn count(&self, kind: ActionKind) -> usize {
        self.actions.iter().filter(|a| a.kind == kind).count()
    }
}

/// Everything the diff reads.
pub struct DiffInput<'a> {
    pub cfg: &'a Config,
    pub roster: &'a Roster,
    pub chats: &'a [(ChatState, Result<Placement, String>)],
    pub matches: &'a [MemberMatch],
    pub expected: &'a Expected,
    /// Every parent → students they were ever seen with (state store).
    pub children_history: &'a HashMap<String, Vec<String>>,
}

fn action_id(kind: ActionKind, chat: Option<i64>, user: Option<i64>, person: Option<&str>, extra: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("{}|{:?}|{:?}|{:?}|{extra}", kind.code(), chat, user, person).as_bytes());
    hex::encode(h.finalize())[..12].to_string()
}

fn source_of(loc: Option<&Location>) -> Option<Source> {
    loc.filter(|l| !l.file.is_empty()).map(|l| Source {
        file: l.file.clone(),
        sheet: l.sheet.clone(),
        cell: l.cell.clone(),
    })
}

struct Builder<'a> {
    actions: Vec<Action>,
    people: HashMap<&'a str, &'a crate::roster::Person>,
}

impl<'a> Builder<'a> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: ActionKind,
        place: Option<&Placement>,
        person: Option<&str>,
        chat: Option<i64>,
        user: Option<i64>,
        from: Option<i64>,
        code: &str,
        text: String,
        source: Option<Source>,
    ) {
        let id = action_id(
            kind,
            chat,
            user,
            person,
            &format!("{code}|{from:?}|{:?}", place.map(|p| (&p.branch, &p.group, p.audience))),
        );
        self.actions.push(Action {
            id,
            kind,
            branch: place.map(|p| p.branch.clone()),
            group: place.and_then(|p| p.group.clone()),
            audience: place.map(|p| p.audience.code().to_string()),
            person_id: person.map(String::from),
            chat_id: chat,
            user_id: user,
            from_chat_id: from,
            reason: Reason { code: code.into(), text },
            source,
        });
    }

    fn person_source(&self, id: &str) -> Option<Source> {
        source_of(self.people.get(id).and_then(|p| p.found_at.first()))
    }
}

/// The chat title for a new chat, from `[chats] title`.
pub fn new_chat_title(cfg: &Config, p: &Placement) -> String {
    let audience = p.audience.title_ru(cfg.profile);
    let t = cfg
        .chat_title
        .replace("{group}", p.group.as_deref().unwrap_or(""))
        .replace("{audience}", audience)
        .replace("{branch}", if cfg.implicit_branch { "" } else { &p.branch });
    let t = crate::normalize::clean_spaces(&t);
    if p.group.is_none() {
        // A staff chat: «Преподаватели — Заречный филиал».
        if cfg.implicit_branch || cfg.chat_title.contains("{branch}") {
            t
        } else {
            format!("{audience} — {}", p.branch)
        }
    } else {
        t
    }
}

pub fn diff(input: &DiffInput<'_>) -> Vec<Action> {
    let roster = input.roster;
    let mut b = Builder {
        actions: Vec::new(),
        people: roster.people.iter().map(|p| (p.id.as_str(), p)).collect(),
    };
    let profile = input.cfg.profile;
    // chat id → placement; placement → chat id (the first chat of a placement wins)
    let mut place_of: HashMap<i64, &Placement> = HashMap::new();
    let mut chat_of: BTreeMap<&Placement, i64> = BTreeMap::new();
    let mut known_members: HashSet<i64> = HashSet::new();
    for (cs, placement) in input.chats {
        match placement {
            Ok(p) => {
                place_of.insert(cs.chat.chat_id, p);
                if let Some(first) = chat_of.get(p) {
                    let first_title = input
                        .chats
                        .iter()
                        .find(|(c, _)| c.chat.chat_id == *first)
                        .and_then(|(c, _)| c.chat.title.clone())
                        .unwrap_or_default();
                    b.push(
                        ActionKind::Review,
                        Some(p),
                        None,
                        Some(cs.chat.chat_id),
                        None,
                        None,
                        "duplicate_chat",
                        format!(
                            "второй чат для той же группы и аудитории: «{}» и «{first_title}» — оставьте один (приглашения считаются по первому)",
                            cs.chat.title.as_deref().unwrap_or("")
                        ),
                        None,
                    );
                }
                chat_of.entry(p).or_insert(cs.chat.chat_id);
                if cs.members_known {
                    known_members.insert(cs.chat.chat_id);
                } else {
                    b.push(
                        ActionKind::Review,
                        Some(p),
                        None,
                        Some(cs.chat.chat_id),
                        None,
                        None,
                        "members_unknown",
                        "список участников чата не сохранён или неполон (marker не null): по нему ничего не рассчитано; сохраните снимок заново со всеми страницами".into(),
                        None,
                    );
                }
            }
            Err(why) => b.push(
                ActionKind::Review,
                None,
                None,
                Some(cs.chat.chat_id),
                None,
                None,
                "chat_unplaced",
                format!(
                    "чат «{}» не удалось отнести к группе и аудитории: {why}",
                    cs.chat.title.as_deref().unwrap_or("")
                ),
                None,
            ),
        }
    }
    let admin_of: HashMap<(i64, i64), bool> = input
        .chats
        .iter()
        .flat_map(|(cs, _)| {
            cs.members
                .iter()
                .map(move |m| ((cs.chat.chat_id, m.user_id), m.is_admin || m.is_owner))
        })
        .collect();

    // Who is in which chat, by person: (chat, user) of automatic matches on the roster.
    let mut present: HashMap<(i64, &str), i64> = HashMap::new();
    // People possibly present (in review as the best candidate): never invited twice.
    let mut maybe_present: HashSet<(i64, &str)> = HashSet::new();
    for m in input.matches {
        let Some(pid) = m.person_id.as_deref() else { continue };
        match m.status {
            Status::Matched if !m.departed => {
                present.insert((m.chat_id, pid), m.user_id);
            }
            Status::Review => {
                maybe_present.insert((m.chat_id, pid));
                // Candidates tied with the best are as possibly present: which of them is
                // "best" must not depend on the workspace's salted ids.
                let top = m.candidates.first().map(|c| c.1).unwrap_or(m.confidence);
                for (id, conf) in &m.candidates {
                    if (conf - top).abs() < 1e-9 {
                        maybe_present.insert((m.chat_id, id.as_str()));
                    }
                }
            }
            _ => {}
        }
    }

    // Members: remove, move, review.
    for m in input.matches {
        let place = place_of.get(&m.chat_id).copied();
        if !known_members.contains(&m.chat_id) {
            continue;
        }
        let user = Some(m.user_id);
        let chat = Some(m.chat_id);
        match (m.status, m.person_id.as_deref()) {
            (Status::Unknown, _) => b.push(
                ActionKind::Review,
                place,
                None,
                chat,
                user,
                None,
                "unknown_member",
                format!(
                    "участник «{}» не найден в списках: если это человек организации — rollout confirm {} ID; если посторонний — удалите его из чата вручную",
                    m.display_name, m.user_id
                ),
                None,
            ),
            (Status::Review, pid) => {
                let (code, text) = match &m.review {
                    Some(ReviewWhy::TwoAccounts) => ("two_accounts", "у человека, похоже, два аккаунта в чатах: оставьте один".to_string()),
                    Some(ReviewWhy::DroppedRecord(why)) => (
                        "dropped_record",
                        format!("участник похож на человека, чья запись исключена из-за ошибки в данных ({why}): исправьте источник; удалять нельзя"),
                    ),
                    Some(ReviewWhy::Ambiguous) => {
                        // Every candidate is named: a coordinator must not confirm whoever is shown first.
                        let ids: Vec<&String> =
                            if m.first_only_candidates.len() > 1 { m.first_only_candidates.iter().collect() } else { m.candidates.iter().map(|(p, _)| p).collect() };
                        let names: Vec<String> = ids
                            .iter()
                            .take(5)
                            .map(|id| format!("{} ({id})", b.people.get(id.as_str()).map(|p| p.name.full()).unwrap_or_default()))
                            .collect();
                        ("ambiguous_match", format!("подходят несколько человек: {} — подтвердите нужного: rollout confirm {} ID", names.join("; "), m.user_id))
                    }
                    _ => (
                        "weak_match",
                        format!(
                            "совпадение неуверенное ({:.2}): подтвердите — rollout confirm {} {} — или отклоните — rollout reject {} {}",
                            m.confidence,
                            m.user_id,
                            pid.unwrap_or("ID"),
                            m.user_id,
                            pid.unwrap_or("ID")
                        ),
                    ),
                };
                let text = format!("«{}»: {text}", m.display_name);
                // An ambiguous match names no one person: the text lists the candidates.
                let pid = if m.review == Some(ReviewWhy::Ambiguous) { None } else { pid };
                let source = pid.and_then(|p| b.person_source(p));
                b.push(ActionKind::Review, place, pid, chat, user, None, code, text, source);
            }
            (Status::Matched, Some(pid)) if m.departed => {
                let Some(place) = place else { continue };
                let (code, text) = match m.kind {
                    Some(PersonKind::Student) => (
                        "departed_student",
                        "обучающегося больше нет в списках (выбыл): удалить из чата".to_string(),
                    ),
                    Some(PersonKind::Staff) => (
                        "staff_left",
                        "сотрудника больше нет в списках (уволился): удалить из чата".to_string(),
                    ),
                    _ => {
                        let kids = input.children_history.get(pid).cloned().unwrap_or_default();
                        if kids.iter().any(|k| b.people.contains_key(k.as_str())) {
                            continue;
                        }
                        (
                            "departed_parent",
                            "родитель выбывшего обучающегося: удалить из чата вместе с ребёнком (других его детей в списках нет)".to_string(),
                        )
                    }
                };
                b.push(ActionKind::Remove, Some(place), Some(pid), chat, user, None, code, text, None);
            }
            (Status::Matched, Some(pid)) => {
                let Some(place) = place else { continue };
                if input.expected.expects(place, pid) {
                    continue;
                }
                let person = b.people.get(pid).copied();
                let kind = person.map(|p| p.kind);
                match (place.audience, kind) {
                    (ChatAudience::Students, Some(PersonKind::Student)) => {
                        let own: Vec<i64> = person
                            .map(|p| {
                                p.groups
                                    .iter()
                                    .filter_map(|g| {
                                        chat_of
                                            .get(&Placement {
                                                branch: g.branch.clone(),
                                                group: Some(g.group.clone()),
                                                audience: ChatAudience::Students,
                                            })
                                            .copied()
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        let in_own = own.iter().any(|c| present.contains_key(&(*c, pid)));
                        let source = b.person_source(pid);
                        if profile.allows_several_groups() || in_own {
                            b.push(
                                ActionKind::Review,
                                Some(place),
                                Some(pid),
                                chat,
                                user,
                                None,
                                "two_group_chats",
                                "обучающийся состоит в чатах двух групп, а по списку — в одной: уберите лишний чат".into(),
                                source,
                            );
                        } else {
                            let own_group = person.and_then(|p| p.groups.first()).map(|g| g.group.clone()).unwrap_or_default();
                            let target = own.first().copied();
                            let target_place = person.and_then(|p| p.groups.first()).map(|g| Placement {
                                branch: g.branch.clone(),
                                group: Some(g.group.clone()),
                                audience: ChatAudience::Students,
                            });
                            b.push(
                                ActionKind::Move,
                                target_place.as_ref().or(Some(place)),
                                Some(pid),
                                target,
                                user,
                                chat,
                                "wrong_group_chat",
                                format!(
                                    "обучающийся сидит в чате группы {}, а учится в {own_group}: перевести",
                                    place.group.as_deref().unwrap_or("")
                                ),
                                source,
                            );
                        }
                    }
                    (ChatAudience::Parents, Some(PersonKind::Parent)) => {
                        let kids_places: Vec<Placement> = roster
                            .guardians
                            .iter()
                            .filter(|g| g.parent_id == pid)
                            .filter_map(|g| b.people.get(g.student_id.as_str()))
                            .flat_map(|k| k.groups.iter())
                            .map(|g| Placement {
                                branch: g.branch.clone(),
                                group: Some(g.group.clone()),
                                audience: ChatAudience::Parents,
                            })
                            .collect();
                        let source = b.person_source(pid);
                        let targets: Vec<&Placement> = kids_places
                            .iter()
                            .filter(|p| !present.keys().any(|(c, q)| *q == pid && chat_of.get(p) == Some(c)))
                            .collect();
                        if let [only] = targets.as_slice() {
                            b.push(
                                ActionKind::Move,
                                Some(only),
                                Some(pid),
                                chat_of.get(*only).copied(),
                                user,
                                chat,
                                "wrong_group_chat",
                                format!(
                                    "ребёнок учится в {}, а родитель в чате {}: перевести",
                                    only.group.as_deref().unwrap_or(""),
                                    place.group.as_deref().unwrap_or("")
                                ),
                                source,
                            );
                        } else {
                            b.push(
                                ActionKind::Review,
                                Some(place),
                                Some(pid),
                                chat,
                                user,
                                None,
                                "parent_not_of_group",
                                "родитель в чате группы, где нет его детей: проверьте".into(),
                                source,
                            );
                        }
                    }
                    (ChatAudience::Students, Some(PersonKind::Parent)) => {
                        let source = b.person_source(pid);
                        b.push(ActionKind::Review, Some(place), Some(pid), chat, user, None, "parent_in_students_chat",
                            "родитель в чате обучающихся — возможно, ребёнок зарегистрирован с почты родителя (п. 2.8): проверьте, не удаляйте".into(), source);
                    }
                    (ChatAudience::Parents, Some(PersonKind::Student))
                    | (ChatAudience::Staff, Some(PersonKind::Student | PersonKind::Parent)) => {
                        let source = b.person_source(pid);
                        b.push(
                            ActionKind::Review,
                            Some(place),
                            Some(pid),
                            chat,
                            user,
                            None,
                            "wrong_audience",
                            "человек в чате не своей аудитории: проверьте".into(),
                            source,
                        );
                    }
                    // Staff may sit in group chats (teachers of the group); staff of another branch in a staff chat is a question.
                    (ChatAudience::Staff, Some(PersonKind::Staff)) => {
                        let source = b.person_source(pid);
                        b.push(
                            ActionKind::Review,
                            Some(place),
                            Some(pid),
                            chat,
                            user,
                            None,
                            "staff_other_branch",
                            "сотрудник другого филиала в чате сотрудников этого филиала: проверьте".into(),
                            source,
                        );
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    // A move already brings the person into the target chat: no invite on top.
    let moving: HashSet<(i64, String)> = b
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Move)
        .filter_map(|a| Some((a.chat_id?, a.person_id.clone()?)))
        .collect();
    // Invites and new chats: expected memberships missing on the platform.
    for (place, people) in &input.expected.by_placement {
        if place.audience == ChatAudience::Teachers {
            continue;
        }
        match chat_of.get(place) {
            None => {
                let n = people.len();
                let found = place
                    .group
                    .as_ref()
                    .and_then(|g| roster.groups.iter().find(|x| x.branch == place.branch && &x.name == g))
                    .map(|g| g.found_at.clone());
                let title = new_chat_title(input.cfg, place);
                b.push(
                    ActionKind::SetupChat,
                    Some(place),
                    None,
                    None,
                    None,
                    None,
                    "chat_missing",
                    format!("чата нет на платформе: создайте «{title}» и добавьте бота; затем пригласите {n} чел."),
                    source_of(found.as_ref()),
                );
            }
            Some(&chat) if known_members.contains(&chat) => {
                for pid in people {
                    if present.contains_key(&(chat, pid.as_str()))
                        || maybe_present.contains(&(chat, pid.as_str()))
                        || moving.contains(&(chat, pid.clone()))
                    {
                        continue;
                    }
                    let person = b.people.get(pid.as_str()).copied();
                    let curator = place.group.as_ref().is_some_and(|g| {
                        input
                            .expected
                            .curators
                            .get(&(place.branch.clone(), g.clone()))
                            .is_some_and(|c| c.contains(pid))
                    });
                    let (code, text) = match person.map(|p| p.kind) {
                        _ if curator => (
                            "curator_not_in_chat",
                            format!("{} группы не в чате", input.cfg.profile.curator_word()),
                        ),
                        Some(PersonKind::Student) => ("student_not_in_chat", "обучающийся ещё не вступил в чат своей группы".into()),
                        Some(PersonKind::Parent) => (
                            "parent_not_in_chat",
                            "родитель ещё не вступил в родительский чат группы ребёнка".into(),
                        ),
                        _ => (
                            "staff_not_in_chat",
                            "сотрудник ещё не вступил в чат сотрудников своего филиала".into(),
                        ),
                    };
                    let source = b.person_source(pid);
                    b.push(
                        ActionKind::Invite,
                        Some(place),
                        Some(pid),
                        Some(chat),
                        None,
                        None,
                        code,
                        text,
                        source,
                    );
                }
            }
            Some(_) => {}
        }
    }

    // Curators who are members but not admins of their groups' chats.
    for (place, &chat) in &chat_of {
        let Some(g) = &place.group else { continue };
        if place.audience == ChatAudience::Teachers {
            continue;
        }
        for c in input
            .expected
            .curators
            .get(&(place.branch.clone(), g.clone()))
            .into_iter()
            .flatten()
        {
            if let Some(&user) = present.get(&(chat, c.as_str()))
                && !admin_of.get(&(chat, user)).copied().unwrap_or(false)
            {
                let source = b.person_source(c);
                b.push(
                    ActionKind::MakeAdmin,
                    Some(place),
                    Some(c),
                    Some(chat),
                    Some(user),
                    None,
                    "curator_not_admin",
                    format!(
                        "{} группы — не администратор чата: назначьте его администратором",
                        input.cfg.profile.curator_word()
                    ),
                    source,
                );
            }
        }
    }

    // A stable order: branch as in rollout.toml, group, audience, kind, chat, user, person.
    let order: HashMap<&str, usize> = input.cfg.branches.iter().enumerate().map(|(i, x)| (x.name.as_str(), i)).collect();
    let mut actions = b.actions;
    actions.sort_by_cached_key(|a| {
        (
            a.branch.as_deref().and_then(|x| order.get(x).copied()).unwrap_or(usize::MAX),
            crate::roster::NaturalKey::new(a.group.as_deref().unwrap_or("")),
            a.audience.clone(),
            a.kind,
            a.chat_id,
            a.user_id,
            a.person_id.clone(),
            a.id.clone(),
        )
    });
    actions.dedup_by(|a, b| a.id == b.id);
    actions
}

/// SHA-256 over every input that determines the change set, in a fixed order; no
/// timestamps, so the same inputs give the same hash.
pub fn inputs_hash(parts: &[(String, Vec<u8>)]) -> String {
    let mut h = Sha256::new();
    h.update(b"rollout change set v1\n");
    for (name, bytes) in parts {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex::encode(h.finalize())
}
