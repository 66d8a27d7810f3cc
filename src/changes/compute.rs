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
    timing("match", t);
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
