//! Load leavers (issue 15): a teacher still on the roster who no longer teaches in a group
//! (the teaching load of the last approved or applied change set's roster against the load
//! now) leaves that group's teachers' chat — unless they still teach something there or are
//! its curator — and the group's chat of each subject they no longer teach there. Never the
//! staff chat: they still work here. Only members matched to that person in a chat whose
//! members are known; nothing at all when the loads cannot be compared
//! ([`super::leavers::Leavers::load_compared`]).

use super::leavers::Leavers;
use super::{Action, ActionKind, PlacedChat, ReasonCode, Source};
use crate::matching::{Expected, MemberMatch, Status};
use crate::normalize::text_key;
use crate::platform::place::{Audience, Placement};
use crate::profile::Profile;
use crate::roster::{PersonKind, Roster};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// (person id now, branch, group) → the subjects (by key → as the load names them).
type Lines = BTreeMap<(String, String, String), BTreeMap<String, String>>;

/// «в классе 5А», «в группе ИС-1».
fn in_group(profile: Profile, group: &str) -> String {
    let word = match profile {
        Profile::School => "в классе",
        Profile::Supplementary => "в объединении",
        _ => "в группе",
    };
    format!("{word} {group}")
}

/// «классов», «групп».
fn of_groups(profile: Profile) -> &'static str {
    match profile {
        Profile::School => "классов",
        Profile::Supplementary => "объединений",
        _ => "групп",
    }
}

/// «класса», «группы».
fn of_group(profile: Profile) -> &'static str {
    match profile {
        Profile::School => "класса",
        Profile::Supplementary => "объединения",
        _ => "группы",
    }
}

/// Removals of teachers who left a group's load (see the module's note); a review of the
/// same member in the same chat gives way to the removal, a move or removal already there
/// stays alone. The diff's inputs (`changes::DiffInput`) one by one.
pub(super) fn teachers_left_load(
    profile: Profile,
    roster: &Roster,
    chats: &[PlacedChat],
    matches: &[MemberMatch],
    expected: &Expected,
    leavers: Option<&Leavers>,
    actions: &mut Vec<Action>,
) {
    let Some(l) = leavers else { return };
    if !l.load_compared {
        return;
    }
    let staff: HashMap<&str, &crate::roster::Person> = roster
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::Staff)
        .map(|p| (p.id.as_str(), p))
        .collect();
    let collect = |load: &[crate::roster::Teaching], rekey: &dyn Fn(&str) -> String| {
        let mut out: Lines = BTreeMap::new();
        for t in load {
            out.entry((rekey(&t.person_id), t.branch.clone(), t.group.clone()))
                .or_default()
                .insert(text_key(&t.subject), t.subject.clone());
        }
        out
    };
    let before = collect(&l.previous.teaching, &|id| l.now_id(id).to_string());
    let now = collect(&roster.teaching, &|id| id.to_string());
    // What each teacher on the roster has gone from: (placement key) → reason text.
    // Keys: (person, branch, group, None) for the teachers' chat, Some(subject key) for a
    // subject chat.
    let mut gone: BTreeMap<(String, String, String, Option<String>), String> = BTreeMap::new();
    // Groups the load names now: a group it no longer names at all (a load file missing,
    // a sheet gone) says nothing of who teaches there.
    let taught: HashSet<(&str, &str)> = roster.teaching.iter().map(|t| (t.branch.as_str(), t.group.as_str())).collect();
    let mut vanished: BTreeSet<(&str, &str)> = BTreeSet::new();
    for ((pid, branch, group), subjects) in &before {
        if !staff.contains_key(pid.as_str()) {
            continue; // Gone from the roster: a leaver of the roster, not of the load.
        }
        // A class that graduated (a rollover proposal in effect) is taught by nobody now.
        if crate::rollover::effect::is_graduated_name(group) {
            continue;
        }
        if !taught.contains(&(branch.as_str(), group.as_str())) {
            vanished.insert((branch.as_str(), group.as_str()));
            continue;
        }
        // A line of the load not understood (a misspelt teacher or group) may be this
        // teacher's: nobody there has left.
        if roster.load_gaps.iter().any(|g| g.covers(branch, group)) {
            continue;
        }
        let key = (pid.clone(), branch.clone(), group.clone());
        let still = now.get(&key);
        let curator = roster
            .groups
            .iter()
            .any(|g| &g.branch == branch && &g.name == group && g.curator_ids.iter().any(|c| c == pid));
        if still.is_none() && !curator {
            gone.insert(
                (pid.clone(), branch.clone(), group.clone(), None),
                format!(
                    "учитель больше не ведёт предметы {} (по нагрузке): удалить из чата учителей {}",
                    in_group(profile, group),
                    of_group(profile)
                ),
            );
        }
        for (k, subject) in subjects {
            if still.is_some_and(|s| s.contains_key(k)) {
                continue;
            }
            gone.insert(
                (pid.clone(), branch.clone(), group.clone(), Some(k.clone())),
                format!(
                    "учитель больше не ведёт «{subject}» {} (по нагрузке): удалить из чата по предмету",
                    in_group(profile, group)
                ),
            );
        }
    }
    if !vanished.is_empty() {
        let list: Vec<String> = vanished.iter().map(|(_, g)| g.to_string()).collect();
        let whose = if list.len() == 1 { of_group(profile) } else { of_groups(profile) };
        crate::errln!(
            "rollout: внимание: нагрузки {whose} {} в источниках больше нет (в прошлом подтверждённом списке она была) — удаления учителей из чатов {whose} не планируются; проверьте файлы нагрузки",
            list.join(", ")
        );
    }
    if gone.is_empty() {
        return;
    }
    let places: HashMap<i64, &Placement> = chats
        .iter()
        .filter(|(c, _)| c.members_known)
        .filter_map(|(c, p)| Some((c.chat.chat_id, p.as_ref().ok()?)))
        .collect();
    let busy: HashSet<(i64, i64)> = actions
        .iter()
        .filter(|a| matches!(a.kind(), ActionKind::Move | ActionKind::Remove))
        .filter_map(|a| Some((a.from_chat_id().or(a.chat_id())?, a.user_id()?)))
        .collect();
    let mut planned: BTreeSet<(i64, i64)> = BTreeSet::new();
    for x in matches.iter().filter(|x| x.status == Status::Matched && !x.departed) {
        let Some(pid) = x.person_id.as_deref() else { continue };
        let Some(place) = places.get(&x.chat_id).copied() else { continue };
        let Some(group) = place.group.as_deref() else { continue };
        let subject = match place.audience {
            Audience::Teachers => None,
            Audience::Subject => match place.subject.as_deref() {
                Some(s) => Some(text_key(s)),
                None => continue,
            },
            _ => continue,
        };
        let key = (pid.to_string(), place.branch.clone(), group.to_string(), subject);
        let Some(text) = gone.get(&key) else { continue };
        if expected.expects(place, pid) || busy.contains(&(x.chat_id, x.user_id)) || !planned.insert((x.chat_id, x.user_id)) {
            continue;
        }
        super::push_removal(
            actions,
            x,
            place,
            pid,
            ReasonCode::TeacherLeftLoad,
            text.clone(),
            Source::of(staff.get(pid).and_then(|p| p.found_at.first())),
        );
    }
}
