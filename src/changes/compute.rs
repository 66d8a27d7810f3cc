//! The diff stage end to end: place the chats, match members to people, derive the change
//! set, assess its safety and hash its inputs. Reads the state store, writes nothing.

use super::leavers::Leavers;
use super::{ChangeSet, ChangeStatus, DiffInput, safety};
use crate::config::Config;
use crate::human::timing;
use crate::matching::{Expected, Matcher, MemberMatch, Status as MatchStatus, Tier};
use crate::platform::place::{ChatPlacer, Placement};
use crate::platform::{ChatState, PlatformState};
use crate::rollover::effect::Effect;
use crate::roster::{Loaded, PersonKind};
use crate::state::Store;
use anyhow::Context;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// A platform chat with its placement (or why it has none).
pub type PlacedChat = (ChatState, Result<Placement, String>);

pub struct DiffOutcome {
    pub changes: ChangeSet,
    /// The hash's inputs by name (`source:REL`, `config`, `platform`, `decisions`,
    /// `remembered`, and `previous_roster` when leavers come from the history) with the SHA-256 hex of each: what `apply` names when a change set is stale.
    pub parts: Vec<(String, String)>,
    pub matches: Vec<MemberMatch>,
    pub chats: Vec<PlacedChat>,
    pub assessment: safety::Assessment,
    /// The content hash of the roster it was computed from ([`crate::history::content_hash`]),
    /// recorded with the shown change set: later runs count their leavers from the roster
    /// of the last change set approved or applied.
    pub roster_hash: String,
    /// A rollover proposal for the admin (Russian, for stderr): not in effect on last
    /// year's lists, the lists compared with it, graduates' removals put off.
    pub rollover_notes: Vec<String>,
}

impl DiffOutcome {
    /// The automatic matches worth remembering: made where the person belongs, of someone
    /// still on the roster, not already a remembered identity.
    pub fn matches_to_remember(&self) -> Vec<(i64, String, PersonKind)> {
        let placed: HashSet<i64> = self.chats.iter().filter(|(_, p)| p.is_ok()).map(|(c, _)| c.chat.chat_id).collect();
        self.matches
            .iter()
            .filter(|m| m.status == MatchStatus::Matched && !m.departed && m.tier != Tier::Known)
            .filter(|m| placed.contains(&m.chat_id))
            .filter_map(|m| Some((m.user_id, m.person_id.clone()?, m.kind?)))
            .collect()
    }

    /// The actions `apply` can carry out (`remove`, `make_admin`, `move`, `rename_chat`), as JSON in the
    /// shape of `changes.json`.
    pub fn actionable_json(&self) -> String {
        let acts: Vec<&super::Action> = self
            .changes
            .actions
            .iter()
            .filter(|a| {
                matches!(
                    a.kind(),
                    super::ActionKind::Remove | super::ActionKind::MakeAdmin | super::ActionKind::Move | super::ActionKind::RenameChat
                )
            })
            .collect();
        serde_json::to_string(&acts).unwrap_or_else(|_| "[]".into())
    }

    /// The roster sizes to keep as the reference, when this run may set them.
    pub fn sizes_to_accept(&self) -> Option<&std::collections::BTreeMap<(String, String), usize>> {
        self.assessment.accept_sizes.then_some(&self.assessment.sizes)
    }
}

/// Places every chat of the platform.
pub fn place_chats(cfg: &Config, loaded: &Loaded, state: PlatformState) -> Vec<PlacedChat> {
    place_chats_with(cfg, loaded, state, None)
}

/// Places every chat of the platform; a rollover proposal in effect places the chats of
/// the groups it moves or graduates ([`Effect::place`]).
pub fn place_chats_with(cfg: &Config, loaded: &Loaded, state: PlatformState, effect: Option<&Effect>) -> Vec<PlacedChat> {
    let placer = ChatPlacer::new(cfg, &loaded.roster);
    state
        .chats
        .into_iter()
        .map(|c| {
            let p = effect
                .and_then(|e| e.place(c.chat.chat_id))
                .unwrap_or_else(|| placer.place(&c.chat));
            (c, p)
        })
        .collect()
}

/// The inputs of the hash before `platform`: every source and `rollout.toml`.
fn offline_part_bytes(cfg: &Config, loaded: &Loaded) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for (rel, path) in &loaded.sources {
        parts.push((
            format!("source:{rel}"),
            std::fs::read(path).with_context(|| format!("не удалось прочитать {}", path.display()))?,
        ));
    }
    parts.push((
        "config".into(),
        std::fs::read(&cfg.path).with_context(|| format!("не удалось прочитать {}", cfg.path.display()))?,
    ));
    Ok(parts)
}

/// The SHA-256 of each input of the hash that needs no platform (sources, `rollout.toml`,
/// decisions), as [`DiffOutcome::parts`] has them: `apply` refuses a change set whose
/// sources changed before it pulls the platform.
pub fn offline_parts(cfg: &Config, loaded: &Loaded, store: &Store) -> anyhow::Result<Vec<(String, String)>> {
    let mut parts = offline_part_bytes(cfg, loaded)?;
    parts.push(("decisions".into(), store.decisions()?.join("\n").into_bytes()));
    Ok(parts
        .iter()
        .map(|(name, bytes)| (name.clone(), hex::encode(Sha256::digest(bytes))))
        .collect())
}

/// Computes the change set on `today` (a rollover proposal takes effect by the day).
pub fn compute(
    cfg: &Config,
    loaded: &Loaded,
    state: PlatformState,
    store: &Store,
    today: chrono::NaiveDate,
) -> anyhow::Result<DiffOutcome> {
    let rollover = crate::rollover::effect::status(cfg, store, &loaded.roster, today)?;
    compute_with(cfg, loaded, state, store, today, &rollover)
}

/// [`compute`] with the rollover proposal's standing already read (the caller checked
/// `[[chats.map]]` with it).
pub fn compute_with(
    cfg: &Config,
    loaded: &Loaded,
    state: PlatformState,
    store: &Store,
    today: chrono::NaiveDate,
    rollover: &crate::rollover::effect::Status,
) -> anyhow::Result<DiffOutcome> {
    let t = std::time::Instant::now();
    // The platform counts in the hash by what the diff reads of it, not by its bytes.
    let platform = state.canonical();
    let effect = rollover.effect();
    let chats = place_chats_with(cfg, loaded, state, effect);
    let expected = Expected::build(&loaded.roster, cfg.profile);
    let known = store.known()?;
    let roster_hash = crate::history::content_hash(&loaded.roster);
    let leavers = Leavers::find(cfg, loaded, store, &roster_hash, effect)?;
    let for_matching: Vec<(&ChatState, Option<Placement>)> = chats.iter().map(|(c, p)| (c, p.as_ref().ok().cloned())).collect();
    // The last computation's matches (settled) when everything matching reads is the same.
    let key = MatchKey {
        roster_hash: &roster_hash,
        roster: &loaded.roster,
        platform: &platform,
        chats: &for_matching,
        matching: &cfg.matching,
        profile: cfg.profile,
        known: &known,
        leavers: leavers.as_ref(),
        rollover: &rollover_key(rollover),
    }
    .key();
    let matches = match store.cached_matches(&key) {
        Some(matches) => {
            timing("match-cached", t);
            matches
        }
        None => {
            let matches = match &leavers {
                Some(l) => {
                    let expected = l.expected_for_matching(&expected, cfg.profile);
                    let matcher = Matcher::with_leavers(&loaded.roster, cfg.matching.clone(), &expected, &known, &l.people);
                    let mut matches = matcher.match_all(&for_matching);
                    l.settle(&loaded.roster, &mut matches);
                    matches
                }
                None => Matcher::new(&loaded.roster, cfg.matching.clone(), &expected, &known).match_all(&for_matching),
            };
            // Only a cache: a store that takes no writes just matches again next time.
            let _ = store.keep_matches(&key, &matches);
            timing("match", t);
            matches
        }
    };
    let t = std::time::Instant::now();
    let children = store.children_of()?;
    let input = DiffInput {
        cfg,
        roster: &loaded.roster,
        chats: &chats,
        matches: &matches,
        expected: &expected,
        children_history: &children,
        leavers: leavers.as_ref(),
        rollover: effect,
    };
    let mut actions = super::diff(&input);
    let mut previous = store.roster_sizes()?;
    let unread: Vec<crate::roster::PartlyRead> = loaded.partly_read.iter().chain(&loaded.unread).cloned().collect();
    let partly = safety::hold_partly_read(&unread, &mut actions);
    let graduate_people = match (effect, &leavers) {
        (Some(_), Some(l)) => graduate_ids(l),
        _ => HashSet::new(),
    };
    let graduates = effect
        .map(|e| safety::take_graduates(e, &graduate_people, &mut actions))
        .unwrap_or_default();
    if let (Some(_), Some(l)) = (effect, &leavers) {
        expect_graduation(cfg, l, &graduate_people, &mut previous);
    }
    let mut assessment = safety::assess(cfg, &loaded.roster, &chats, &previous, &mut actions);
    assessment.held_reasons.splice(0..0, partly);
    let mut rollover_notes = rollover.notes();
    if let crate::rollover::effect::Status::Early(year, _) = rollover {
        assessment.held_reasons.push(safety::hold_fact(format!(
            "списки уже {year} учебного года, а предложение перехода вступит в силу {}: чаты ещё сопоставлены по прежним группам",
            year.first_day().format("%d.%m.%Y")
        )));
    }
    if let Some(e) = effect {
        if today < e.grace_date {
            if !graduates.is_empty() {
                rollover_notes.push(format!(
                    "переход в {}: {} выпускников и их родителей отложены до {} ([rollover] grace_days)",
                    e.year,
                    crate::human::ru_count(graduates.len(), ["удаление", "удаления", "удалений"]),
                    e.grace_date.format("%d.%m.%Y")
                ));
            }
        } else if let Some(hold) = safety::hold_graduates(e, &graduates) {
            assessment.held_reasons.push(hold);
            actions.extend(graduates);
            super::diff::sort(cfg, &mut actions);
        }
    }
    // The hash: sources, rollout.toml, the platform's canonical projection, people's decisions, and the
    // remembered identities that made removals (no timestamps).
    let mut parts = offline_part_bytes(cfg, loaded)?;
    parts.push(("platform".into(), platform));
    parts.push(("decisions".into(), store.decisions()?.join("\n").into_bytes()));
    // Remembered identities in use: confirmations are in `decisions`; automatic ones are
    // used only for departed people, listed here.
    let mut departed: Vec<String> = matches
        .iter()
        .filter(|m| m.departed || m.tier == Tier::Known)
        .map(|m| format!("{}|{}", m.user_id, m.person_id.clone().unwrap_or_default()))
        .collect();
    departed.sort();
    departed.dedup();
    parts.push(("remembered".into(), departed.join("\n").into_bytes()));
    // The roster the leavers were counted from (only when there is one: a change set with
    // no history leavers keeps the hash it always had).
    if let Some(l) = &leavers {
        parts.push(("previous_roster".into(), l.reference.clone().into_bytes()));
    }
    // A rollover proposal in effect: what it says, and whether the graduates' grace date
    // has passed (the same inputs a day later remove the graduates: another change set).
    if let Some(e) = effect {
        let passed = if today < e.grace_date { "before" } else { "after" };
        parts.push((
            "rollover".into(),
            format!("{}|{}|{passed}|{}", e.year, e.grace_date, e.stored.to_json()).into_bytes(),
        ));
    }
    let hash = super::inputs_hash(&parts);
    let part_hashes = parts
        .iter()
        .map(|(name, bytes)| (name.clone(), hex::encode(Sha256::digest(bytes))))
        .collect();
    let status = if store.is_approved(&hash)? {
        ChangeStatus::Approved
    } else if assessment.held_reasons.is_empty() {
        ChangeStatus::Ready
    } else {
        ChangeStatus::Held
    };
    let changes = ChangeSet {
        version: 1,
        hash,
        status,
        held_reasons: assessment
            .held_reasons
            .iter()
            .map(|h| h.text(status == ChangeStatus::Approved))
            .collect(),
        actions,
    };
    timing("diff", t);
    Ok(DiffOutcome {
        changes,
        parts: part_hashes,
        matches,
        chats,
        assessment,
        roster_hash,
        rollover_notes,
    })
}

/// Bumped whenever what the match key covers, or how matches are kept, changes.
const MATCH_KEY_FORMAT: &str = "rollout-match-key-1";

/// Everything matching reads (and the leavers' `settle` after it): the key under which the
/// state store keeps the last matches. Anything left out would reuse matches made from
/// other inputs — a wrong change set — so it takes in more than strictly needed: the whole
/// roster as built (order, rows left out), the chats as given to matching (order, every
/// member field, placements) besides their canonical projection.
struct MatchKey<'a> {
    roster_hash: &'a str,
    roster: &'a crate::roster::Roster,
    platform: &'a [u8],
    chats: &'a [(&'a ChatState, Option<Placement>)],
    matching: &'a crate::config::MatchingConfig,
    profile: crate::profile::Profile,
    known: &'a crate::matching::Known,
    leavers: Option<&'a Leavers>,
    rollover: &'a str,
}

/// Feeds what is written to it into a SHA-256: a `Debug` rendering hashed without being
/// kept whole.
struct HashSink(Sha256);

impl std::fmt::Write for HashSink {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

impl HashSink {
    /// One named section; `Debug` escapes control characters, so the separator ends it.
    fn part(&mut self, name: &str, value: impl std::fmt::Debug) {
        use std::fmt::Write;
        let _ = write!(self, "{name}\u{1f}{value:?}\u{1e}");
    }
}

impl MatchKey<'_> {
    fn key(&self) -> String {
        let mut h = HashSink(Sha256::new());
        h.part("format", MATCH_KEY_FORMAT);
        h.part("version", env!("CARGO_PKG_VERSION"));
        h.part("roster_hash", self.roster_hash);
        h.part("roster", self.roster);
        h.part("platform", hex::encode(Sha256::digest(self.platform)));
        h.part("chats", self.chats);
        h.part("matching", self.matching);
        h.part("profile", self.profile);
        // What matching reads of the remembered identities: every confirmation, and an
        // automatic match only of someone not on the roster (a departure); an automatic
        // match of someone on it is never read (`Matcher`, tier 1), so `diff` remembering
        // this run's matches does not make the next command match again.
        let on_roster: HashSet<&str> = self.roster.people.iter().map(|p| p.id.as_str()).collect();
        let mut identities: Vec<_> = self
            .known
            .identities
            .iter()
            .filter(|(_, (pid, _, confirmed))| *confirmed || !on_roster.contains(pid.as_str()))
            .collect();
        identities.sort();
        h.part("identities", identities);
        let mut rejected: Vec<_> = self.known.rejected.iter().collect();
        rejected.sort();
        h.part("rejected", rejected);
        match self.leavers {
            Some(l) => {
                h.part("leavers.reference", &l.reference);
                h.part("leavers.previous", crate::history::content_hash(&l.previous));
                h.part("leavers.previous_roster", &l.previous);
                h.part("leavers.people", &l.people);
                let mut renamed: Vec<_> = l.renamed.iter().collect();
                renamed.sort();
                h.part("leavers.renamed", renamed);
            }
            None => h.part("leavers", "none"),
        }
        h.part("rollover", self.rollover);
        hex::encode(h.0.finalize())
    }
}

/// The rollover proposal's standing as matching sees it (through the chats' placements, which
/// the key has anyway): what the proposal in effect says, or the standing without one.
fn rollover_key(status: &crate::rollover::effect::Status) -> String {
    use crate::rollover::effect::Status;
    match status {
        Status::InEffect(e) => format!("in-effect|{}|{}|{}", e.year, e.grace_date, e.stored.to_json()),
        other => format!("{other:?}"),
    }
}

/// The leavers who graduated (a rollover proposal in effect): students of the graduating
/// groups of the previous roster (read in the new names: «11А (выпуск)»), and parents none
/// of whose children on it is anything but such a graduate.
fn graduate_ids(l: &Leavers) -> HashSet<String> {
    let graduated = |p: &crate::roster::Person| p.groups.iter().any(|g| crate::rollover::effect::is_graduated_name(&g.group));
    let students: HashSet<&str> = l
        .people
        .iter()
        .filter(|p| p.kind == PersonKind::Student && graduated(p))
        .map(|p| p.id.as_str())
        .collect();
    let mut children: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for g in &l.previous.guardians {
        children.entry(g.parent_id.as_str()).or_default().push(g.student_id.as_str());
    }
    let mut out: HashSet<String> = students.iter().map(|s| s.to_string()).collect();
    for p in l.people.iter().filter(|p| p.kind == PersonKind::Parent) {
        let kids = children.get(p.id.as_str()).map(Vec::as_slice).unwrap_or_default();
        if !kids.is_empty() && kids.iter().all(|c| students.contains(c)) {
            out.insert(p.id.clone());
        }
    }
    out
}

/// The roster sizes of the last accepted run less the graduates: a September roster
/// without last year's graduates is no truncated file.
fn expect_graduation(
    cfg: &Config,
    l: &Leavers,
    graduates: &HashSet<String>,
    sizes: &mut std::collections::BTreeMap<(String, String), usize>,
) {
    for p in l.people.iter().filter(|p| graduates.contains(&p.id)) {
        for b in &p.branches {
            if cfg.branches.iter().any(|x| &x.name == b)
                && let Some(n) = sizes.get_mut(&(b.to_string(), p.kind.code().to_string()))
            {
                *n = n.saturating_sub(1);
            }
        }
    }
}

/// Why `rollout approve HASH` refuses.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApproveError {
    #[error("«{0}» — не хеш набора изменений: укажите хеш, который напечатал rollout diff (не меньше 8 знаков)")]
    NotAHash(String),
    /// The current change set is not shown: its hash stays unsaid, or it could be
    /// approved without anyone having looked at it.
    #[error(
        "отказано: набор изменений {given} не совпадает с тем, что получается сейчас (изменились источники, rollout.toml, данные платформы или решения). Выполните rollout diff заново и проверьте новый набор (если набор делался с --platform, укажите тот же --platform и здесь)"
    )]
    Stale { given: String },
    #[error("набор изменений {0} ещё не показан: выполните rollout diff и проверьте его")]
    NotShown(String),
}

/// Checks that `given` (the full hash or its first 8+ characters, as the summary prints
/// it) names the change set recomputed from the current inputs, and that `diff` showed it
/// (`shown`).
pub fn check_approval(given: &str, current: &ChangeSet, shown: bool) -> Result<(), ApproveError> {
    let g = given.trim().trim_end_matches('…').to_lowercase();
    if g.len() < 8 || !g.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApproveError::NotAHash(given.trim().to_string()));
    }
    if !current.hash.starts_with(&g) {
        return Err(ApproveError::Stale {
            given: given.trim().to_string(),
        });
    }
    if !shown {
        return Err(ApproveError::NotShown(current.hash[..12].to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod match_key_tests {
    use super::*;
    use crate::config::MatchingConfig;
    use crate::matching::Known;
    use crate::normalize::names::PersonName;
    use crate::platform::place::Audience;
    use crate::platform::{Chat, Member};
    use crate::profile::Profile;
    use crate::roster::{GroupRef, Person, Roster};

    /// What one key is made from, owned.
    struct Inputs {
        roster_hash: String,
        roster: Roster,
        platform: Vec<u8>,
        chats: Vec<(ChatState, Option<Placement>)>,
        matching: MatchingConfig,
        profile: Profile,
        known: Known,
        leavers: Option<Leavers>,
        rollover: String,
    }

    fn person(id: &str, surname: &str) -> Person {
        Person {
            id: id.into(),
            kind: PersonKind::Student,
            name: PersonName {
                surname: surname.into(),
                first_name: "Анна".into(),
                patronymic: String::new(),
            },
            birth_date: None,
            branches: vec!["main".into()],
            groups: vec![GroupRef {
                branch: "main".into(),
                group: "1А".into(),
            }],
            phone: None,
            email: None,
            snils_hash: None,
            login: None,
            external_id: None,
            found_at: vec![],
        }
    }

    fn member(user_id: i64, first: &str) -> Member {
        Member {
            user_id,
            first_name: first.into(),
            last_name: Some("Иванова".into()),
            is_admin: false,
            is_owner: false,
            is_bot: false,
            join_time: None,
            phone: None,
            email: None,
            name: None,
        }
    }

    fn placement() -> Placement {
        Placement {
            branch: "main".into(),
            group: Some("1А".into()),
            audience: Audience::Students,
            subject: None,
        }
    }

    fn base() -> Inputs {
        let roster = Roster {
            people: vec![person("p1", "Иванова"), person("p2", "Петрова")],
            ..Roster::default()
        };
        let chat = ChatState {
            chat: Chat {
                chat_id: 10,
                title: Some("1А ученики".into()),
                participants_count: None,
                link: None,
                owner_id: None,
                status: None,
            },
            members: vec![member(1, "Анна"), member(2, "Мария")],
            members_known: true,
        };
        let mut known = Known::default();
        known.identities.insert(1, ("p1".into(), PersonKind::Student, true));
        known.rejected.insert((2, "p2".into()));
        Inputs {
            roster_hash: crate::history::content_hash(&roster),
            platform: PlatformState {
                chats: vec![chat.clone()],
                warnings: vec![],
            }
            .canonical(),
            roster,
            chats: vec![(chat, Some(placement()))],
            matching: MatchingConfig::default(),
            profile: Profile::School,
            known,
            leavers: None,
            rollover: "None".into(),
        }
    }

    fn leavers() -> Leavers {
        Leavers {
            reference: "ref".into(),
            previous: Roster {
                people: vec![person("p0", "Сидорова")],
                ..Roster::default()
            },
            people: vec![person("p0", "Сидорова")],
            renamed: Default::default(),
            load_compared: false,
        }
    }

    fn key(i: &Inputs) -> String {
        let chats: Vec<(&ChatState, Option<Placement>)> = i.chats.iter().map(|(c, p)| (c, p.clone())).collect();
        MatchKey {
            roster_hash: &i.roster_hash,
            roster: &i.roster,
            platform: &i.platform,
            chats: &chats,
            matching: &i.matching,
            profile: i.profile,
            known: &i.known,
            leavers: i.leavers.as_ref(),
            rollover: &i.rollover,
        }
        .key()
    }

    /// The key changes when `change` changes an input.
    fn changes(what: &str, change: impl FnOnce(&mut Inputs)) {
        let before = base();
        let mut after = base();
        change(&mut after);
        assert_ne!(key(&before), key(&after), "{what}: the key must change");
    }

    #[test]
    fn the_same_inputs_give_the_same_key() {
        assert_eq!(key(&base()), key(&base()));
        // Hash maps in another order are the same inputs.
        let mut other = base();
        other.known = Known::default();
        other.known.rejected.insert((2, "p2".into()));
        other.known.identities.insert(1, ("p1".into(), PersonKind::Student, true));
        assert_eq!(key(&base()), key(&other));
        let with = |i: &mut Inputs| {
            let mut l = leavers();
            l.renamed.insert("a".into(), "b".into());
            l.renamed.insert("c".into(), "d".into());
            i.leavers = Some(l);
        };
        let (mut a, mut b) = (base(), base());
        with(&mut a);
        with(&mut b);
        assert_eq!(key(&a), key(&b));
    }

    #[test]
    fn the_roster_hash_is_in_the_key() {
        changes("roster hash", |i| i.roster_hash = "other".into());
    }

    #[test]
    fn the_roster_is_in_the_key() {
        changes("a person", |i| i.roster.people[0].name.first_name = "Анне".into());
        changes("people's order", |i| i.roster.people.reverse());
        changes("a phone", |i| i.roster.people[1].phone = Some("+79990000000".into()));
        changes("a row left out", |i| {
            i.roster.dropped.push(crate::roster::Dropped {
                kind: PersonKind::Student,
                rule: crate::problem::Rule::ALL[0],
                name: Some(i.roster.people[0].name.clone()),
                branch: None,
                group: None,
                location: Default::default(),
            })
        });
    }

    #[test]
    fn the_platform_is_in_the_key() {
        changes("canonical platform", |i| i.platform.push(b' '));
    }

    #[test]
    fn the_chats_and_placements_are_in_the_key() {
        changes("a member's name", |i| i.chats[0].0.members[1].first_name = "Мариа".into());
        changes("a new member", |i| i.chats[0].0.members.push(member(3, "Олег")));
        changes("members' order", |i| i.chats[0].0.members.reverse());
        changes("members unknown", |i| i.chats[0].0.members_known = false);
        changes("no placement", |i| i.chats[0].1 = None);
        changes("another placement", |i| i.chats[0].1.as_mut().unwrap().audience = Audience::Parents);
        changes("another chat id", |i| i.chats[0].0.chat.chat_id = 11);
    }

    #[test]
    fn the_matching_config_and_profile_are_in_the_key() {
        changes("[matching] auto", |i| i.matching.auto = 0.9);
        changes("[matching] review", |i| i.matching.review = 0.7);
        changes("profile", |i| i.profile = Profile::College);
    }

    #[test]
    fn the_known_identities_and_rejections_are_in_the_key() {
        changes("a confirmation", |i| {
            i.known.identities.insert(2, ("p2".into(), PersonKind::Student, true));
        });
        changes("confirmed → automatic", |i| {
            i.known.identities.insert(1, ("p1".into(), PersonKind::Student, false));
        });
        changes("a rejection", |i| {
            i.known.rejected.insert((1, "p2".into()));
        });
        changes("a rejection withdrawn", |i| i.known.rejected.clear());
        changes("an automatic match of someone gone", |i| {
            i.known.identities.insert(5, ("p-gone".into(), PersonKind::Parent, false));
        });
    }

    #[test]
    fn an_automatic_match_of_someone_on_the_roster_is_not_in_the_key() {
        // Matching never reads it: what `diff` remembers leaves the next command's key.
        let mut after = base();
        after.known.identities.insert(2, ("p2".into(), PersonKind::Student, false));
        assert_eq!(key(&base()), key(&after));
    }

    #[test]
    fn the_leavers_are_in_the_key() {
        changes("leavers at all", |i| i.leavers = Some(leavers()));
        let with = |change: fn(&mut Leavers)| {
            move |i: &mut Inputs| {
                let mut l = leavers();
                change(&mut l);
                i.leavers = Some(l);
            }
        };
        let mut before = base();
        before.leavers = Some(leavers());
        for (what, change) in [
            ("reference", with(|l| l.reference = "other".into())),
            ("people", with(|l| l.people[0].name.surname = "Сидоренко".into())),
            ("no people", with(|l| l.people.clear())),
            ("previous roster", with(|l| l.previous.people.push(person("p9", "Кузнецова")))),
            (
                "renamed",
                with(|l| {
                    l.renamed.insert("p0".into(), "p1".into());
                }),
            ),
        ] {
            let mut after = base();
            change(&mut after);
            assert_ne!(key(&before), key(&after), "{what}: the key must change");
        }
    }

    #[test]
    fn the_rollover_standing_is_in_the_key() {
        changes("rollover", |i| i.rollover = "in-effect|2027/28|2027-10-01|{}".into());
    }

    #[test]
    fn the_rollover_standing_key_says_what_is_in_effect() {
        use crate::rollover::effect::Status;
        assert_eq!(rollover_key(&Status::None), "None");
    }
}
