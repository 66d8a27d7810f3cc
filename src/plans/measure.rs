//! What the roster and the platform say about the rollout: per group and per branch, how
//! many are expected and how many are in their chat, which chats exist and have a link.
//! Measured milestones, the dashboard and the director's summary all read this.

use super::model::MetricKind;
use crate::config::Config;
use crate::matching::{MemberMatch, Status};
use crate::platform::ChatState;
use crate::platform::place::{Audience, Placement};
use crate::roster::{PersonKind, Roster};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupUsage {
    pub branch: String,
    pub group: String,
    pub students: usize,
    pub students_joined: usize,
    pub parents: usize,
    pub parents_joined: usize,
    /// The chats the profile requires for a group, and which of them exist.
    pub chats_required: usize,
    pub chats_present: usize,
    /// Required chats that have a current invite link.
    pub links: usize,
}

impl GroupUsage {
    pub fn complete(&self) -> bool {
        self.chats_present >= self.chats_required
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BranchUsage {
    pub branch: String,
    pub groups: usize,
    pub groups_complete: usize,
    pub students: usize,
    pub students_joined: usize,
    pub parents: usize,
    pub parents_joined: usize,
    pub staff: usize,
    pub staff_joined: usize,
    pub staff_chat: bool,
    pub chats_required: usize,
    pub chats_present: usize,
    pub links: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    /// False when no platform source is configured: shares are unknown, not zero.
    pub platform: bool,
    pub groups: Vec<GroupUsage>,
    pub branches: Vec<BranchUsage>,
    /// The whole organisation: each person once.
    pub total: BranchUsage,
}

/// A share in percent, None when there is nobody to count.
/// The label a branch-less (organisation-wide) milestone is listed under.
pub const WHOLE: &str = "Вся организация";

pub fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

pub struct MeasureInput<'a> {
    pub cfg: &'a Config,
    pub roster: &'a Roster,
    /// None without a platform source.
    pub chats: Option<&'a [(ChatState, Result<Placement, String>)]>,
    pub matches: &'a [MemberMatch],
    /// Placements with a current invite link.
    pub linked: &'a BTreeSet<Placement>,
}

/// A chat's place by reference: (branch, group, audience), as [`Placement`] has them.
type PlaceRef<'a> = (&'a str, Option<&'a str>, Audience);

fn place_ref(p: &Placement) -> PlaceRef<'_> {
    (p.branch.as_str(), p.group.as_deref(), p.audience)
}

pub fn measure(inp: &MeasureInput<'_>) -> Usage {
    let roster = inp.roster;
    let chats = inp.chats.unwrap_or(&[]);
    let placed: HashMap<i64, &Placement> = chats.iter().filter_map(|(c, p)| Some((c.chat.chat_id, p.as_ref().ok()?))).collect();
    let present: HashSet<&Placement> = placed.values().copied().collect();
    let joined: HashSet<(PlaceRef, &str)> = inp
        .matches
        .iter()
        .filter(|m| m.status == Status::Matched && !m.departed)
        .filter_map(|m| Some((place_ref(placed.get(&m.chat_id)?), m.person_id.as_deref()?)))
        .collect();
    let audiences: Vec<Audience> = inp.cfg.profile.group_audiences().to_vec();
    let place = |branch: &str, group: Option<&str>, audience| Placement {
        branch: branch.to_string(),
        group: group.map(str::to_string),
        audience,
        subject: None,
    };
    let mut groups: BTreeMap<(String, String), GroupUsage> = roster
        .groups
        .iter()
        .map(|g| {
            let mut u = GroupUsage {
                branch: g.branch.clone(),
                group: g.name.clone(),
                chats_required: audiences.len(),
                ..Default::default()
            };
            for a in &audiences {
                let p = place(&g.branch, Some(&g.name), *a);
                u.chats_present += present.contains(&p) as usize;
                u.links += inp.linked.contains(&p) as usize;
            }
            ((g.branch.clone(), g.name.clone()), u)
        })
        .collect();
    let students: HashMap<&str, &crate::roster::Person> = roster
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::Student)
        .map(|p| (p.id.as_str(), p))
        .collect();
    for s in students.values() {
        for g in &s.groups {
            if let Some(u) = groups.get_mut(&(g.branch.clone(), g.group.clone())) {
                u.students += 1;
                u.students_joined +=
                    joined.contains(&((g.branch.as_str(), Some(g.group.as_str()), Audience::Students), s.id.as_str())) as usize;
            }
        }
    }
    let mut parents_of: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    for gd in &roster.guardians {
        if let Some(kid) = students.get(gd.student_id.as_str()) {
            for g in &kid.groups {
                parents_of
                    .entry((g.branch.clone(), g.group.clone()))
                    .or_default()
                    .insert(gd.parent_id.as_str());
            }
        }
    }
    for (key, parents) in &parents_of {
        if let Some(u) = groups.get_mut(key) {
            let p = (key.0.as_str(), Some(key.1.as_str()), Audience::Parents);
            u.parents = parents.len();
            u.parents_joined = parents.iter().filter(|id| joined.contains(&(p, **id))).count();
        }
    }
    // Per person, the chats they need (branch, placement): a person counts once per branch
    // (and once in the total), joined when in every chat they need there. The places borrow
    // the roster's names (700,000 students would be 1.4 million strings), and most people
    // need one chat.
    let mut needs: [BTreeMap<&str, Vec<PlaceRef>>; 3] = Default::default();
    let one = || Vec::with_capacity(1);
    for st in students.values() {
        for g in &st.groups {
            needs[0]
                .entry(st.id.as_str())
                .or_insert_with(one)
                .push((g.branch.as_str(), Some(g.group.as_str()), Audience::Students));
        }
    }
    for ((b, g), parents) in &parents_of {
        for id in parents {
            needs[1]
                .entry(id)
                .or_insert_with(one)
                .push((b.as_str(), Some(g.as_str()), Audience::Parents));
        }
    }
    for p in roster.people.iter().filter(|p| p.kind == PersonKind::Staff) {
        for b in &p.branches {
            needs[2]
                .entry(p.id.as_str())
                .or_insert_with(one)
                .push((b.as_str(), None, Audience::Staff));
        }
    }
    let count = |k: usize, branch: Option<&str>| -> (usize, usize) {
        let (mut people, mut done) = (0, 0);
        for (id, places) in &needs[k] {
            let here: Vec<&PlaceRef> = places.iter().filter(|p| branch.is_none_or(|b| p.0 == b)).collect();
            if !here.is_empty() {
                people += 1;
                done += here.iter().all(|p| joined.contains(&(**p, *id))) as usize;
            }
        }
        (people, done)
    };
    let usage_of = |name: &str, branch: Option<&str>| {
        let mut b = BranchUsage {
            branch: name.to_string(),
            staff_chat: match branch {
                Some(x) => present.contains(&place(x, None, Audience::Staff)),
                None => inp
                    .cfg
                    .branches
                    .iter()
                    .all(|x| present.contains(&place(&x.name, None, Audience::Staff))),
            },
            ..Default::default()
        };
        for u in groups.values().filter(|u| branch.is_none_or(|x| u.branch == x)) {
            b.groups += 1;
            b.groups_complete += u.complete() as usize;
            b.chats_required += u.chats_required;
            b.chats_present += u.chats_present;
            b.links += u.links;
        }
        (b.students, b.students_joined) = count(0, branch);
        (b.parents, b.parents_joined) = count(1, branch);
        (b.staff, b.staff_joined) = count(2, branch);
        b
    };
    let branches: Vec<BranchUsage> = inp.cfg.branches.iter().map(|b| usage_of(&b.name, Some(&b.name))).collect();
    let total = usage_of(WHOLE, None);
    Usage {
        platform: inp.chats.is_some(),
        groups: groups.into_values().collect(),
        branches,
        total,
    }
}

impl Usage {
    /// A metric for one branch, or for the whole organisation (None): percent, or None
    /// when it cannot be measured (no platform, nobody to count, a site not in rollout.toml).
    pub fn metric(&self, kind: MetricKind, branch: Option<&str>) -> Option<f64> {
        if !self.platform {
            return None;
        }
        let t = match branch {
            None => &self.total,
            Some(x) => self.branches.iter().find(|b| b.branch == x)?,
        };
        match kind {
            MetricKind::StaffInStaffChat => percent(t.staff_joined, t.staff),
            MetricKind::GroupsWithChats => percent(t.groups_complete, t.groups),
            MetricKind::StudentsJoined => percent(t.students_joined, t.students),
            MetricKind::ParentsJoined => percent(t.parents_joined, t.parents),
            MetricKind::LinkCoverage => percent(t.links, t.chats_required),
        }
    }
}
