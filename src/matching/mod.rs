//! Identity matching: each platform member to at most one roster person, in tiers —
//! an identity remembered in the state store → phone or e-mail → name — with a
//! confidence. A wrong automatic match is far worse than a missed one, so anything
//! ambiguous goes to review. Candidates are blocked (by surname, by first name inside the
//! chat's group); no all-pairs comparison.

pub mod names;

use crate::config::MatchingConfig;
use crate::normalize::names::PersonName;
use crate::platform::place::{Audience, Placement};
use crate::platform::{ChatState, Member};
use crate::roster::{Person, PersonKind, Roster};
use names::{Part, Token, delete_keys, latin_key};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Tier {
    /// Confirmed by a person, or matched in an earlier run (state store).
    Known,
    Contact,
    Name,
    None,
}

impl Tier {
    pub fn code(self) -> &'static str {
        match self {
            Tier::Known => "known",
            Tier::Contact => "contact",
            Tier::Name => "name",
            Tier::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Status {
    Matched,
    Review,
    Unknown,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Matched => "matched",
            Status::Review => "review",
            Status::Unknown => "unknown",
        }
    }
}

/// Why a member went to review (beyond a middling confidence).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ReviewWhy {
    Ambiguous,
    TwoAccounts,
    DroppedRecord(String),
    Weak,
}

/// Kept in the state store between commands (`state::matches`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MemberMatch {
    pub chat_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub person_id: Option<String>,
    pub kind: Option<PersonKind>,
    pub confidence: f64,
    pub tier: Tier,
    pub status: Status,
    /// Other plausible people, best first (for the review list).
    pub candidates: Vec<(String, f64)>,
    pub review: Option<ReviewWhy>,
    /// True when the person is no longer on the roster (known from the state store).
    pub departed: bool,
    /// Matched on the first name alone.
    pub first_only: bool,
    /// For a first name alone: every expected person of the chat with that first name.
    pub first_only_candidates: Vec<String>,
}

/// What the state store knows.
#[derive(Debug, Default, Clone)]
pub struct Known {
    /// user_id → (person_id, kind, confirmed by a person)
    pub identities: HashMap<i64, (String, PersonKind, bool)>,
    pub rejected: HashSet<(i64, String)>,
}

/// Who is expected in each placed chat.
#[derive(Debug, Default, Clone)]
pub struct Expected {
    pub by_placement: BTreeMap<Placement, BTreeSet<String>>,
    /// (branch, group) → curator ids
    pub curators: HashMap<(String, String), Vec<String>>,
    /// The groups the teaching load names, (branch, group): their teachers' chats expect
    /// the teachers too, and get invites (a group without a load keeps the curator alone,
    /// and no invites, as before there was a load).
    pub taught: HashSet<(String, String)>,
}

impl Expected {
    pub fn build(roster: &Roster, profile: crate::profile::Profile) -> Expected {
        use crate::profile::Audience;
        let mut e = Expected::default();
        let audiences = profile.group_audiences();
        let mut put = |p: Placement, id: &str| {
            e.by_placement.entry(p).or_default().insert(id.to_string());
        };
        let kids: HashMap<&str, &crate::roster::Person> = roster
            .people
            .iter()
            .filter(|p| p.kind == PersonKind::Student)
            .map(|p| (p.id.as_str(), p))
            .collect();
        for p in &roster.people {
            match p.kind {
                PersonKind::Student if audiences.contains(&Audience::Students) => {
                    for g in &p.groups {
                        put(
                            Placement {
                                branch: g.branch.clone(),
                                group: Some(g.group.clone()),
                                audience: Audience::Students,
                                subject: None,
                            },
                            &p.id,
                        );
                    }
                }
                PersonKind::Staff => {
                    for b in &p.branches {
                        put(
                            Placement {
                                branch: b.clone(),
                                group: None,
                                audience: Audience::Staff,
                                subject: None,
                            },
                            &p.id,
                        );
                    }
                }
                _ => {}
            }
        }
        for g in &roster.guardians {
            if let Some(kid) = kids.get(g.student_id.as_str()) {
                for gr in &kid.groups {
                    put(
                        Placement {
                            branch: gr.branch.clone(),
                            group: Some(gr.group.clone()),
                            audience: Audience::Parents,
                            subject: None,
                        },
                        &g.parent_id,
                    );
                }
            }
        }
        // The teaching load: a group's teachers' chat expects every teacher of the group
        // (seed 001, 2.15); a subject chat per (group, subject) expects the group's students
        // and that subject's teachers (seed 001, 2.16). Subjects compare by `text_key`; a
        // subject chat takes the load's first spelling.
        let mut students_of: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
        if audiences.contains(&Audience::Students) {
            for p in roster.people.iter().filter(|p| p.kind == PersonKind::Student) {
                for g in &p.groups {
                    students_of.entry((g.branch.as_str(), g.group.as_str())).or_default().push(&p.id);
                }
            }
        }
        let mut spelling: HashMap<(&str, &str, String), &str> = HashMap::new();
        for t in &roster.teaching {
            e.taught.insert((t.branch.clone(), t.group.clone()));
            put(
                Placement {
                    branch: t.branch.clone(),
                    group: Some(t.group.clone()),
                    audience: Audience::Teachers,
                    subject: None,
                },
                &t.person_id,
            );
            let subject = *spelling
                .entry((t.branch.as_str(), t.group.as_str(), crate::normalize::text_key(&t.subject)))
                .or_insert(t.subject.as_str());
            let place = Placement {
                branch: t.branch.clone(),
                group: Some(t.group.clone()),
                audience: Audience::Subject,
                subject: Some(subject.to_string()),
            };
            for s in students_of.get(&(t.branch.as_str(), t.group.as_str())).into_iter().flatten() {
                put(place.clone(), s);
            }
            put(place, &t.person_id);
        }
        for g in &roster.groups {
            e.curators.insert((g.branch.clone(), g.name.clone()), g.curator_ids.clone());
            for c in &g.curator_ids {
                for a in audiences {
                    let audience = *a;
                    put(
                        Placement {
                            branch: g.branch.clone(),
                            group: Some(g.name.clone()),
                            audience,
                            subject: None,
                        },
                        c,
                    );
                }
                put(
                    Placement {
                        branch: g.branch.clone(),
                        group: Some(g.name.clone()),
                        audience: Audience::Teachers,
                        subject: None,
                    },
                    c,
                );
            }
        }
        e
    }

    pub fn expects(&self, p: &Placement, person: &str) -> bool {
        self.by_placement.get(p).is_some_and(|s| s.contains(person))
    }
}

/// A roster person as the matcher sees them.
struct Cand {
    id: String,
    kind: PersonKind,
    surname: Part,
    first: Part,
    patronymic: Part,
    /// `first.norm` and `first.latin` interned (see `Matcher::first_ids`).
    first_id: u32,
    first_latin_id: u32,
    branches: Vec<String>,
    /// A record left out for a data error: matching it means review, never an action.
    dropped: Option<String>,
}

/// Name parts worked out once per distinct spelling: first names, patronymics and common
/// surnames repeat across thousands of people.
#[derive(Default)]
struct Parts(HashMap<String, Part>);

impl Parts {
    fn get(&mut self, raw: &str) -> Part {
        if let Some(p) = self.0.get(raw) {
            return p.clone();
        }
        let p = Part::new(raw);
        self.0.insert(raw.to_string(), p.clone());
        p
    }
}

impl Cand {
    fn new(id: String, kind: PersonKind, name: &PersonName, branches: Vec<String>, dropped: Option<String>, parts: &mut Parts) -> Cand {
        Cand {
            id,
            kind,
            surname: parts.get(&name.surname),
            first: parts.get(&name.first_name),
            patronymic: parts.get(&name.patronymic),
            first_id: 0,
            first_latin_id: 0,
            branches,
            dropped,
        }
    }
}

impl Cand {
    /// What orders equal confidences: the name, then the id.
    fn tie(&self) -> (&str, &str, &str, &str) {
        (&self.surname.norm, &self.first.norm, &self.patronymic.norm, &self.id)
    }
}

/// Blocking keys of a name part: itself and, for names of five letters or more, every
/// one-letter deletion of it (symmetric-delete blocking: one typo on either side still
/// meets, and a block holds only near-identical surnames, however large the region).
fn block_keys(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut keys = vec![s.to_string()];
    if chars.len() >= 5 {
        for i in 0..chars.len() {
            keys.push(chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| *c).collect());
        }
    }
    keys
}

pub struct Matcher<'a> {
    roster: &'a Roster,
    cfg: MatchingConfig,
    expected: &'a Expected,
    known: &'a Known,
    cands: Vec<Cand>,
    by_surname_prefix: HashMap<String, Vec<usize>>,
    by_latin_prefix: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
    by_phone: HashMap<String, Vec<usize>>,
    by_email: HashMap<String, Vec<usize>>,
    /// Every first name on the roster (`Part::norm`), interned: a token that is one is a
    /// name, not a typo of another.
    first_ids: HashMap<String, u32>,
    /// Every first name's `Part::latin`, interned.
    first_latin_ids: HashMap<String, u32>,
    /// `delete_keys` of each distinct first name → its ids: the first names one edit from
    /// a token, found without scanning.
    first_near: HashMap<String, Vec<u32>>,
    first_latin_near: HashMap<String, Vec<u32>>,
    /// The ids on the roster (leavers are candidates too, but not on it).
    on_roster: HashSet<String>,
}

struct Scored {
    idx: usize,
    conf: f64,
    /// Matched on the first name alone (no surname typed).
    first_only: bool,
}

impl<'a> Matcher<'a> {
    pub fn new(roster: &'a Roster, cfg: MatchingConfig, expected: &'a Expected, known: &'a Known) -> Self {
        Self::with_leavers(roster, cfg, expected, known, &[])
    }

    /// A matcher that also knows `leavers`: people of an earlier roster who are gone now
    /// (the diff's history leavers), candidates like anyone else — `expected` places them
    /// in their old chats. A member matched to one is a leaver's account; the caller
    /// decides what that means (see `changes::compute`).
    pub fn with_leavers(roster: &'a Roster, cfg: MatchingConfig, expected: &'a Expected, known: &'a Known, leavers: &[Person]) -> Self {
        let mut m = Matcher {
            roster,
            cfg,
            expected,
            known,
            cands: Vec::new(),
            by_surname_prefix: HashMap::new(),
            by_latin_prefix: HashMap::new(),
            by_id: HashMap::new(),
            by_phone: HashMap::new(),
            by_email: HashMap::new(),
            first_ids: HashMap::new(),
            first_latin_ids: HashMap::new(),
            first_near: HashMap::new(),
            first_latin_near: HashMap::new(),
            on_roster: roster.people.iter().map(|p| p.id.clone()).collect(),
        };
        let mut parts = Parts::default();
        let on_roster = &m.on_roster;
        let leavers: Vec<&Person> = leavers.iter().filter(|p| !on_roster.contains(&p.id)).collect();
        for p in roster.people.iter().chain(leavers) {
            m.cands
                .push(Cand::new(p.id.clone(), p.kind, &p.name, p.branches.clone(), None, &mut parts));
            let i = m.cands.len() - 1;
            m.by_id.insert(p.id.clone(), i);
            if let Some(ph) = &p.phone {
                m.by_phone.entry(ph.clone()).or_default().push(i);
            }
            if let Some(e) = &p.email {
                m.by_email.entry(e.clone()).or_default().push(i);
            }
        }
        for d in &roster.dropped {
            if let Some(n) = &d.name {
                let why = format!("{} ({} {})", d.rule.code(), d.location.file, d.location.cell);
                m.cands.push(Cand::new(
                    format!("dropped:{}", m.cands.len()),
                    d.kind,
                    n,
                    d.branch.iter().cloned().collect(),
                    Some(why),
                    &mut parts,
                ));
            }
        }
        for c in &mut m.cands {
            c.first_id = intern(&mut m.first_ids, &c.first.norm);
            c.first_latin_id = intern(&mut m.first_latin_ids, &c.first.latin);
        }
        for (near, ids) in [(&mut m.first_near, &m.first_ids), (&mut m.first_latin_near, &m.first_latin_ids)] {
            for (name, id) in ids {
                for k in delete_keys(name) {
                    near.entry(k).or_default().push(*id);
                }
            }
        }
        // Blocks: (surname or a one-letter deletion of it) + first name, in Cyrillic and in
        // Latin. A common surname in a region is thousands of people; with the first name a
        // block stays a handful.
        for (i, c) in m.cands.iter().enumerate() {
            for k in block_keys(&c.surname.norm) {
                m.by_surname_prefix.entry(format!("{k}|{}", c.first.norm)).or_default().push(i);
            }
            for k in block_keys(&c.surname.latin) {
                m.by_latin_prefix.entry(format!("{k}|{}", c.first.latin)).or_default().push(i);
            }
        }
        m
    }

    /// Name score of member tokens against a candidate: (confidence, first_only).
    fn name_score(tokens: &[MemberToken], c: &Cand) -> Option<(f64, bool)> {
        let mut best: Option<(f64, bool)> = None;
        for (si, st) in tokens.iter().enumerate() {
            let s_sim = st.part_sim(&c.surname);
            if s_sim == 0.0 {
                continue;
            }
            for (fi, ft) in tokens.iter().enumerate() {
                if fi == si {
                    continue;
                }
                let mut f_sim = ft.first_sim(&c.first);
                // «Алина» is not a typo of «Алена»: both are names.
                if f_sim > 0.0 && f_sim < 0.95 && !ft.latin && ft.is_first_name {
                    f_sim = 0.0;
                }
                if f_sim == 0.0 {
                    continue;
                }
                // Other tokens must be the patronymic (typed inside the first name) or nothing.
                let extra = tokens
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != si && *i != fi)
                    .all(|(_, t)| t.part_sim(&c.patronymic) > 0.0);
                if !extra {
                    continue;
                }
                let conf = 0.60 + 0.38 * s_sim * f_sim;
                if best.is_none_or(|b| conf > b.0) {
                    best = Some((conf, false));
                }
            }
        }
        if best.is_none() {
            // No surname typed: the first name alone (with a patronymic at most).
            let ft = tokens.first()?;
            let rest_ok = tokens.iter().skip(1).all(|t| t.part_sim(&c.patronymic) > 0.0);
            let f_sim = ft.first_sim(&c.first);
            if f_sim > 0.0 && rest_ok {
                best = Some((0.70 * f_sim, true));
            }
        }
        best
    }

    fn tokens(&self, m: &Member) -> Vec<MemberToken> {
        let raw = format!("{} {}", m.first_name, m.last_name.as_deref().unwrap_or(""));
        raw.split_whitespace()
            .filter_map(Token::new)
            .take(4)
            .map(|t| self.member_token(t))
            .collect()
    }

    /// A token with what blocking needs: its surname block key, the first names it may
    /// stand for as block keys, and the ids of the roster's first names it may be (one
    /// edit away, or a diminutive of) — every first name `Token::first_sim` finds above 0.
    fn member_token(&self, token: Token) -> MemberToken {
        let is_first_name = !token.latin && self.first_ids.contains_key(&token.norm);
        let (block, firsts) = if token.latin {
            let key = latin_key(&token.norm);
            let mut firsts = vec![key.clone()];
            firsts.extend(names::latin_diminutive_forms(&key).iter().map(|x| latin_key(x)));
            (key, firsts)
        } else {
            (token.norm.clone(), names::first_name_forms(&token.norm))
        };
        let mut first_ids: Vec<u32> = Vec::new();
        let mut first_latin_ids: Vec<u32> = Vec::new();
        let (near, out, word) = if token.latin {
            (&self.first_latin_near, &mut first_latin_ids, &token.key)
        } else {
            (&self.first_near, &mut first_ids, &token.norm)
        };
        for k in delete_keys(word) {
            out.extend(near.get(&k).into_iter().flatten().copied());
        }
        first_ids.extend(token.forms.iter().filter_map(|f| self.first_ids.get(*f)).copied());
        for v in [&mut first_ids, &mut first_latin_ids] {
            v.sort_unstable();
            v.dedup();
        }
        MemberToken {
            token,
            is_first_name,
            block,
            firsts,
            first_ids,
            first_latin_ids,
        }
    }

    /// Fits the candidate to the chat: expected here, same branch, kind fits the audience.
    fn context(&self, c: &Cand, placement: Option<&Placement>, here: Option<&Here<'_>>) -> f64 {
        // A chat we could not place gives no context: never enough for an automatic match.
        let Some(p) = placement else { return -0.04 };
        if c.dropped.is_none() && here.is_some_and(|h| h.expects(&c.id)) {
            return 0.0;
        }
        let kind_fits = matches!(
            (p.audience, c.kind),
            (Audience::Students | Audience::Subject, PersonKind::Student)
                | (Audience::Parents, PersonKind::Parent)
                | (Audience::Staff | Audience::Teachers, PersonKind::Staff)
                | (_, PersonKind::Staff)
        );
        if !kind_fits {
            return -0.12;
        }
        // Someone expected in this chat beats a namesake from another group clearly, and a
        // full name alone outside the chats a person belongs to is never automatic: a
        // departed student or a stranger may carry the same name (a move then needs review).
        if c.branches.contains(&p.branch) { -0.07 } else { -0.10 }
    }

    fn candidates_for(&self, tokens: &[MemberToken], here: Option<&Here<'_>>) -> BTreeSet<usize> {
        let mut set = BTreeSet::new();
        for (si, t) in tokens.iter().enumerate() {
            let map = if t.token.latin {
                &self.by_latin_prefix
            } else {
                &self.by_surname_prefix
            };
            // The first name as typed, or the full names a diminutive stands for.
            let firsts = tokens.iter().enumerate().filter(|(fi, _)| *fi != si).flat_map(|(_, f)| &f.firsts);
            let keys = block_keys(&t.block);
            for f in firsts {
                for k in &keys {
                    if let Some(v) = map.get(&format!("{k}|{f}")) {
                        set.extend(v.iter().copied());
                    }
                }
            }
        }
        // First name alone (or a full name with a typo the blocks above miss): the people
        // expected in this chat whose first name the member's words may be — every
        // candidate a name scores needs one — not everyone the chat expects.
        if let Some(h) = here {
            for t in tokens {
                for id in &t.first_ids {
                    set.extend(h.by_first.get(id).into_iter().flatten().copied());
                }
                for id in &t.first_latin_ids {
                    set.extend(h.by_first_latin.get(id).into_iter().flatten().copied());
                }
            }
        }
        set
    }

    /// The people `placement`'s chat expects, indexed by first name.
    fn here(&self, placement: &Placement) -> Here<'_> {
        let mut here = Here::default();
        for id in self.expected.by_placement.get(placement).into_iter().flatten() {
            here.ids.insert(id.as_str());
            if let Some(&i) = self.by_id.get(id) {
                let c = &self.cands[i];
                here.by_first.entry(c.first_id).or_default().push(i);
                here.by_first_latin.entry(c.first_latin_id).or_default().push(i);
            }
        }
        here
    }

    fn match_member(&self, chat_id: i64, member: &Member, placement: Option<&Placement>, here: Option<&Here<'_>>) -> MemberMatch {
        let mut out = MemberMatch {
            chat_id,
            user_id: member.user_id,
            display_name: member.display_name(),
            person_id: None,
            kind: None,
            confidence: 0.0,
            tier: Tier::None,
            status: Status::Unknown,
            candidates: Vec::new(),
            review: None,
            departed: false,
            first_only: false,
            first_only_candidates: Vec::new(),
        };
        // Tier 1: remembered identities. A person's confirmation always counts; an
        // automatic match from an earlier run counts only for someone who has left the
        // roster (that is how departures are seen). Everyone else is matched afresh from
        // the inputs, so the same inputs always give the same change set.
        if let Some((pid, kind, confirmed)) = self.known.identities.get(&member.user_id)
            && (*confirmed || !self.on_roster.contains(pid))
        {
            out.person_id = Some(pid.clone());
            out.kind = Some(*kind);
            out.tier = Tier::Known;
            out.confidence = 1.0;
            out.status = Status::Matched;
            out.departed = !self.on_roster.contains(pid);
            return out;
        }
        let rejected = |i: usize| self.known.rejected.contains(&(member.user_id, self.cands[i].id.clone()));
        // Tier 2: phone or e-mail, when the source has them.
        for (value, index) in [(&member.phone, &self.by_phone), (&member.email, &self.by_email)] {
            if let Some(v) = value
                && let Some(hits) = index.get(v)
            {
                let hits: Vec<usize> = hits.iter().copied().filter(|i| !rejected(*i)).collect();
                if hits.len() == 1 {
                    let c = &self.cands[hits[0]];
                    out.person_id = Some(c.id.clone());
                    out.kind = Some(c.kind);
                    out.tier = Tier::Contact;
                    out.confidence = 0.99;
                    out.status = Status::Matched;
                    return out;
                }
            }
        }
        // Tier 3: names.
        let tokens = self.tokens(member);
        if tokens.is_empty() {
            return out;
        }
        let mut scored: Vec<Scored> = Vec::new();
        for i in self.candidates_for(&tokens, here) {
            if rejected(i) {
                continue;
            }
            let c = &self.cands[i];
            if let Some((base, first_only)) = Self::name_score(&tokens, c) {
                if first_only && !here.is_some_and(|h| h.expects(&c.id)) {
                    continue;
                }
                scored.push(Scored {
                    idx: i,
                    conf: (base + self.context(c, placement, here)).clamp(0.0, 1.0),
                    first_only,
                });
            }
        }
        // A first name alone is trusted when exactly one expected person of this chat has it.
        let first_only_hits = scored.iter().filter(|s| s.first_only).count();
        out.first_only_candidates = scored
            .iter()
            .filter(|s| s.first_only)
            .map(|s| self.cands[s.idx].id.clone())
            .collect();
        for s in scored.iter_mut().filter(|s| s.first_only) {
            s.conf = if first_only_hits == 1 {
                self.cfg.auto.max(0.92) + 0.005
            } else {
                self.cfg.review + 0.02
            };
        }
        // Ties go by name, so the order does not hang on the workspace's salted ids.
        let tie = Cand::tie;
        scored.sort_by(|a, b| {
            b.conf
                .total_cmp(&a.conf)
                .then_with(|| tie(&self.cands[a.idx]).cmp(&tie(&self.cands[b.idx])))
        });
        let Some(top) = scored.first() else { return out };
        let c = &self.cands[top.idx];
        out.candidates = scored
            .iter()
            .take(5)
            .map(|s| (self.cands[s.idx].id.clone(), round3(s.conf)))
            .collect();
        out.tier = Tier::Name;
        out.confidence = round3(top.conf);
        if top.conf < self.cfg.review {
            out.tier = Tier::None;
            return out;
        }
        out.person_id = Some(c.id.clone());
        out.kind = Some(c.kind);
        out.first_only = top.first_only;
        let runner_up = scored.get(1).map(|s| s.conf).unwrap_or(0.0);
        if let Some(why) = &c.dropped {
            out.person_id = None;
            out.status = Status::Review;
            out.review = Some(ReviewWhy::DroppedRecord(why.clone()));
        } else if runner_up >= top.conf - 0.03 && runner_up >= self.cfg.review {
            out.status = Status::Review;
            out.review = Some(ReviewWhy::Ambiguous);
        } else if top.conf >= self.cfg.auto {
            out.status = Status::Matched;
        } else {
            out.status = Status::Review;
            out.review = Some(ReviewWhy::Weak);
        }
        out
    }

    /// Every roster person and dropped record by surname and first name (sorted, so either
    /// order meets).
    fn full_name_index(&self) -> HashMap<[String; 2], Vec<usize>> {
        let mut index: HashMap<[String; 2], Vec<usize>> = HashMap::new();
        for (i, c) in self.cands.iter().enumerate() {
            if !c.surname.norm.is_empty() && !c.first.norm.is_empty() {
                index.entry(pair(&c.surname.norm, &c.first.norm)).or_default().push(i);
            }
        }
        index
    }

    /// A student in another group's students' chat under their full name, typed exactly
    /// (surname and first name in either order, the patronymic when given), is a sure
    /// mover — matched automatically, and so moved, by `match_all` — when exactly one person
    /// on the whole roster (dropped records included) may carry that name and nobody
    /// expected in the chat has it. The
    /// invite to their own chat and the removal from this one are right even if the account
    /// were a departed namesake. A parent stays a review: parents' names repeat more, and a
    /// parent in another group's chat is as often one of a child the roster does not know.
    fn sure_mover(
        &self,
        x: &MemberMatch,
        member: &Member,
        placement: Option<&Placement>,
        full_names: &HashMap<[String; 2], Vec<usize>>,
    ) -> bool {
        let Some(place) = placement else { return false };
        if place.audience != Audience::Students
            || place.group.is_none()
            || x.status != Status::Review
            || x.review != Some(ReviewWhy::Weak)
            || x.tier != Tier::Name
            || x.first_only
        {
            return false;
        }
        let Some(pid) = x.person_id.as_deref() else { return false };
        let Some(&top) = self.by_id.get(pid) else { return false };
        let c = &self.cands[top];
        if c.kind != PersonKind::Student || c.dropped.is_some() || self.expected.expects(place, pid) {
            return false;
        }
        let tokens = self.tokens(member);
        if tokens.iter().any(|t| t.latin) {
            return false;
        }
        let words: Vec<&str> = tokens.iter().map(|t| t.norm.as_str()).collect();
        // Everyone the typed name may be: the surname and first name are two of the words,
        // the third (if any) their patronymic — a record without one may be them too.
        let mut may_be: BTreeSet<usize> = BTreeSet::new();
        match words.as_slice() {
            [a, b] => may_be.extend(full_names.get(&pair(a, b)).into_iter().flatten().copied()),
            [a, b, c] => {
                for (s, f, p) in [(a, b, c), (a, c, b), (b, c, a)] {
                    may_be.extend(
                        full_names
                            .get(&pair(s, f))
                            .into_iter()
                            .flatten()
                            .copied()
                            .filter(|i| self.cands[*i].patronymic.norm.is_empty() || self.cands[*i].patronymic.norm == *p),
                    );
                }
            }
            _ => return false,
        }
        if may_be.len() != 1 || !may_be.contains(&top) {
            return false;
        }
        // The name of someone expected here (whatever their patronymic) makes it a question.
        let namesake_here = self.expected.by_placement.get(place).is_some_and(|ids| {
            ids.iter()
                .filter_map(|id| self.by_id.get(id))
                .any(|&i| pair(&self.cands[i].surname.norm, &self.cands[i].first.norm) == pair(&c.surname.norm, &c.first.norm))
        });
        !namesake_here
    }

    /// Matches every member of every chat; then settles conflicts: one person claimed by
    /// several accounts goes to review, and a weak claim yields to a strong one.
    pub fn match_all(&self, chats: &[(&ChatState, Option<Placement>)]) -> Vec<MemberMatch> {
        let full_names = self.full_name_index();
        let mut all = Vec::new();
        let mut movers = Vec::new();
        // Built once per placement a chat has, not once per member.
        let mut heres: HashMap<&Placement, Here<'_>> = HashMap::new();
        for (cs, placement) in chats {
            if let Some(p) = placement
                && !heres.contains_key(p)
            {
                heres.insert(p, self.here(p));
            }
            let here = placement.as_ref().and_then(|p| heres.get(p));
            for m in &cs.members {
                if m.is_bot || m.is_owner {
                    continue;
                }
                let x = self.match_member(cs.chat.chat_id, m, placement.as_ref(), here);
                if self.sure_mover(&x, m, placement.as_ref(), &full_names) {
                    movers.push(all.len());
                }
                all.push(x);
            }
        }
        // A sure mover is matched unless the student is already matched automatically under
        // another account: then one of the two is someone else (a departed namesake), and
        // both stay questions rather than unsettle the other's match.
        let mut auto_users: HashMap<&str, BTreeSet<i64>> = HashMap::new();
        for m in all.iter().filter(|m| m.status == Status::Matched) {
            if let Some(p) = &m.person_id {
                auto_users.entry(p.as_str()).or_default().insert(m.user_id);
            }
        }
        let sure: Vec<usize> = movers
            .into_iter()
            .filter(|&i| {
                let m = &all[i];
                m.person_id
                    .as_deref()
                    .and_then(|p| auto_users.get(p))
                    .is_none_or(|us| us.iter().all(|u| *u == m.user_id))
            })
            .collect();
        for i in sure {
            all[i].status = Status::Matched;
            all[i].review = None;
        }
        // One account is one person: an account matched automatically in a placed chat
        // carries that identity into chats where its name alone was not enough.
        let placed: HashSet<i64> = chats.iter().filter(|(_, p)| p.is_some()).map(|(c, _)| c.chat.chat_id).collect();
        let mut by_user: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for m in all.iter().filter(|m| m.status == Status::Matched && placed.contains(&m.chat_id)) {
            if let Some(p) = &m.person_id {
                by_user.entry(m.user_id).or_default().insert(p.clone());
            }
        }
        for m in all
            .iter_mut()
            .filter(|m| m.status != Status::Matched && m.review != Some(ReviewWhy::TwoAccounts))
        {
            if let Some(set) = by_user.get(&m.user_id)
                && set.len() == 1
                && m.person_id.as_ref().is_none_or(|p| set.contains(p))
                && !matches!(m.review, Some(ReviewWhy::DroppedRecord(_)))
            {
                let id = set.iter().next().cloned().unwrap_or_default();
                m.kind = self.by_id.get(&id).map(|i| self.cands[*i].kind);
                m.person_id = Some(id);
                m.status = Status::Matched;
                m.review = None;
                m.confidence = m.confidence.max(self.cfg.auto);
            }
        }
        // A first name shared by several expected people: those already here under their
        // full name (another account) are not it; if one is left, it is that one.
        let mut strong_here: HashMap<(i64, String), BTreeSet<i64>> = HashMap::new();
        for m in all.iter().filter(|m| m.status == Status::Matched && !m.first_only) {
            if let Some(p) = &m.person_id {
                strong_here.entry((m.chat_id, p.clone())).or_default().insert(m.user_id);
            }
        }
        for m in all
            .iter_mut()
            .filter(|m| m.status == Status::Review && m.review == Some(ReviewWhy::Ambiguous) && m.first_only)
        {
            let left: Vec<&String> = m
                .first_only_candidates
                .iter()
                .filter(|p| {
                    !strong_here
                        .get(&(m.chat_id, (*p).clone()))
                        .is_some_and(|us| us.iter().any(|u| *u != m.user_id))
                })
                .collect();
            // Only a suggestion: the other name may be a second account of the one
            // already matched, so this stays a review with one candidate named (who is
            // invited all the same). Measured automatic (issue 14): +8 right matches on the
            // sample college, +3 on the school, none wrong there, but one wrong at scale 50
            // (a second account «Полина» given to the other Полина).
            if let [only] = left.as_slice() {
                let id = (*only).clone();
                m.kind = self.by_id.get(&id).map(|i| self.cands[*i].kind);
                m.person_id = Some(id.clone());
                m.first_only_candidates = vec![id];
                m.review = Some(ReviewWhy::Weak);
            }
        }
        // A first-name-only claim on a person someone else claims by full name yields:
        // it is more likely a stranger or a departed namesake than a second account.
        let strong: HashMap<String, BTreeSet<i64>> = all
            .iter()
            .filter(|m| m.status == Status::Matched && !m.first_only)
            .filter_map(|m| Some((m.person_id.clone()?, m.user_id)))
            .fold(HashMap::new(), |mut acc, (p, u)| {
                acc.entry(p).or_default().insert(u);
                acc
            });
        for m in all.iter_mut().filter(|m| m.status == Status::Matched && m.first_only) {
            if let Some(p) = &m.person_id
                && strong.get(p).is_some_and(|u| !u.contains(&m.user_id))
            {
                m.status = Status::Unknown;
                m.person_id = None;
                m.kind = None;
                m.tier = Tier::None;
            }
        }
        // person → distinct user ids claiming it automatically
        let mut claims: HashMap<String, BTreeSet<i64>> = HashMap::new();
        for m in all.iter().filter(|m| m.status == Status::Matched) {
            if let Some(p) = &m.person_id {
                claims.entry(p.clone()).or_default().insert(m.user_id);
            }
        }
        for m in all.iter_mut() {
            if m.status != Status::Matched || m.tier == Tier::Known {
                continue;
            }
            let Some(p) = &m.person_id else { continue };
            if claims.get(p).is_some_and(|u| u.len() > 1) {
                m.status = Status::Review;
                m.review = Some(ReviewWhy::TwoAccounts);
            }
        }
        let _ = self.roster;
        all
    }
}

/// The interned id of `name`, a new one if it is new.
fn intern(ids: &mut HashMap<String, u32>, name: &str) -> u32 {
    if let Some(&id) = ids.get(name) {
        return id;
    }
    let id = ids.len() as u32;
    ids.insert(name.to_string(), id);
    id
}

/// A member's word as the matcher sees it (see `Matcher::member_token`).
struct MemberToken {
    token: Token,
    /// A first name somebody on the roster has (Cyrillic words only).
    is_first_name: bool,
    /// The surname block key: the word, or its Latin key.
    block: String,
    /// The first names it may stand for, as block keys.
    firsts: Vec<String>,
    /// The roster's first names (`Matcher::first_ids`) it may be, and their Latin keys.
    first_ids: Vec<u32>,
    first_latin_ids: Vec<u32>,
}

impl std::ops::Deref for MemberToken {
    type Target = Token;
    fn deref(&self) -> &Token {
        &self.token
    }
}

/// The people a chat expects: their ids, and their indices by first name.
#[derive(Default)]
struct Here<'a> {
    ids: HashSet<&'a str>,
    by_first: HashMap<u32, Vec<usize>>,
    by_first_latin: HashMap<u32, Vec<usize>>,
}

impl Here<'_> {
    fn expects(&self, id: &str) -> bool {
        self.ids.contains(id)
    }
}

/// Two name words in a fixed order.
fn pair(a: &str, b: &str) -> [String; 2] {
    if a <= b {
        [a.to_string(), b.to_string()]
    } else {
        [b.to_string(), a.to_string()]
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
