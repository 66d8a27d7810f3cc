//! The journal of `apply` and `notify`: each call that changes the platform is an entry,
//! written `planned` when the run starts, `pending` just before the call and `done`,
//! `skipped`, `failed` or `waiting` after the answer — each mark committed before the
//! program goes on, so a crash, Ctrl-C or SIGKILL at any point leaves a journal that says
//! what is left and which calls may have been sent without their answer (`pending`).
//!
//! And what `apply` needs of each change set `diff` showed: the hash of each of its inputs
//! (so a refusal names what changed), the actions `apply` can carry out, whether it was held,
//! and the roster it was computed from (the leavers of later runs are counted from it).

use super::{StateError, Store};
use rusqlite::{OptionalExtension, params};
use std::collections::{BTreeMap, HashSet};

/// Version 6 of the store: the content hash of the roster each shown change set was
/// computed from ([`Store::record_change_set_roster`]). Only a column of
/// `shown_change_sets` (version 2): it applies the same whatever version 5 holds.
pub(super) const SCHEMA_6: &str = "
ALTER TABLE shown_change_sets ADD COLUMN roster_hash TEXT;
";

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryState {
    /// Not started.
    Planned,
    /// The call may have been sent; its answer was not written.
    Pending,
    Done,
    /// No longer needed («уже не требуется»): the platform already is as intended.
    Skipped,
    /// The API refused or could not be reached; `code` and `message` say why.
    Failed,
    /// Cannot be done yet (a move's removal half until the account is in its right chat).
    Waiting,
}

impl EntryState {
    pub const ALL: [EntryState; 6] = [
        EntryState::Planned,
        EntryState::Pending,
        EntryState::Done,
        EntryState::Skipped,
        EntryState::Failed,
        EntryState::Waiting,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EntryState::Planned => "planned",
            EntryState::Pending => "pending",
            EntryState::Done => "done",
            EntryState::Skipped => "skipped",
            EntryState::Failed => "failed",
            EntryState::Waiting => "waiting",
        }
    }

    pub fn from_code(s: &str) -> Option<EntryState> {
        EntryState::ALL.into_iter().find(|e| e.code() == s)
    }

    /// Still to do in this run: not started, or sent without a written answer.
    pub fn is_open(self) -> bool {
        matches!(self, EntryState::Planned | EntryState::Pending)
    }
}

/// An entry as a run starts it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    /// What makes two entries the same call: `apply` — the action id; `notify` — what
    /// makes a post the same post (its kind, chat, day or text).
    pub key: String,
    /// `remove`, `make_admin`, `move`, `post`, …
    pub kind: String,
    pub chat_id: i64,
    pub user_id: Option<i64>,
    /// JSON: whatever the call needs (and what the summary says of it). Person ids only,
    /// never names.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub run_id: i64,
    pub seq: i64,
    pub key: String,
    pub kind: String,
    pub chat_id: i64,
    pub user_id: Option<i64>,
    pub detail: String,
    pub state: EntryState,
    pub code: Option<String>,
    pub message: Option<String>,
    /// UTC, RFC 3339.
    pub updated: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JournalRun {
    pub run_id: i64,
    /// `apply`, `notify rules`, `notify plan`.
    pub command: String,
    /// The change set it carries out (`apply`); empty for `notify`.
    pub hash: String,
    pub started: String,
    /// None: the run did not finish (it may have entries left).
    pub finished: Option<String>,
}

/// A change set as `diff` (or `run`) showed it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownChangeSet {
    pub hash: String,
    /// Input name (`source:sources/students.csv`, `config`, `platform`, `decisions`,
    /// `remembered`) → SHA-256 hex of its bytes. Empty for a change set shown before
    /// version 4 of the store.
    pub parts: BTreeMap<String, String>,
    /// JSON array of the actions `apply` can carry out, as `changes.json` writes them.
    pub actions: Option<String>,
    pub held: bool,
    pub last_shown: String,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Records what `apply` needs of a change set just shown (after [`Store::record_diff`]).
    pub fn record_change_set(&mut self, hash: &str, parts: &[(String, String)], actions_json: &str, held: bool) -> Result<(), StateError> {
        let parts: BTreeMap<&str, &str> = parts.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let parts = serde_json::to_string(&parts).unwrap_or_default();
        self.conn
            .execute(
                "UPDATE shown_change_sets SET parts = ?2, actions = ?3, held = ?4 WHERE hash = ?1",
                params![hash, parts, actions_json, held],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records the content hash of the roster a shown change set was computed from
    /// ([`crate::history::content_hash`]): the leavers of later runs are counted from the
    /// roster of the last change set approved or applied.
    pub fn record_change_set_roster(&mut self, hash: &str, roster_hash: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "UPDATE shown_change_sets SET roster_hash = ?2 WHERE hash = ?1",
                params![hash, roster_hash],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The roster (content hash) of the last change set approved (`rollout approve`) or
    /// applied (a finished `apply` run), leaving out change sets computed from `current`
    /// itself: approving or applying a change set does not change what it is compared with,
    /// so its hash stays the same. The latest day of approval or application wins, then the
    /// change set shown later. None on a first run.
    pub fn reference_roster(&self, current: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row(
                "SELECT roster_hash FROM (
                   SELECT s.rowid AS seq, s.roster_hash AS roster_hash,
                     (SELECT max(day) FROM (
                        SELECT approved AS day FROM approvals a WHERE a.hash = s.hash
                        UNION ALL
                        SELECT substr(finished, 1, 10) FROM journal_runs j
                          WHERE j.command = 'apply' AND j.hash = s.hash AND j.finished IS NOT NULL)) AS day
                   FROM shown_change_sets s
                   WHERE s.roster_hash IS NOT NULL AND s.roster_hash <> ?1)
                 WHERE day IS NOT NULL ORDER BY day DESC, seq DESC LIMIT 1",
                params![current],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The change set `diff` showed with this hash.
    pub fn shown_change_set(&self, hash: &str) -> Result<Option<ShownChangeSet>, StateError> {
        self.shown_where("hash = ?1", params![hash])
    }

    /// The change set shown last (the latest day, then the latest recorded).
    pub fn latest_shown_change_set(&self) -> Result<Option<ShownChangeSet>, StateError> {
        self.shown_where("1 = 1 ORDER BY last_shown DESC, rowid DESC", params![])
    }

    fn shown_where(&self, cond: &str, p: impl rusqlite::Params) -> Result<Option<ShownChangeSet>, StateError> {
        let sql = format!("SELECT hash, parts, actions, held, last_shown FROM shown_change_sets WHERE {cond} LIMIT 1");
        self.conn
            .query_row(&sql, p, |r| {
                let parts: Option<String> = r.get(1)?;
                Ok(ShownChangeSet {
                    hash: r.get(0)?,
                    parts: parts.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default(),
                    actions: r.get(2)?,
                    held: r.get::<_, Option<bool>>(3)?.unwrap_or(false),
                    last_shown: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                })
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The input hashes of every change set shown (empty maps for those shown before
    /// version 4 of the store).
    pub fn all_shown_parts(&self) -> Result<Vec<BTreeMap<String, String>>, StateError> {
        let mut st = self.conn.prepare("SELECT parts FROM shown_change_sets").map_err(|e| self.err(e))?;
        let rows = st.query_map([], |r| r.get::<_, Option<String>>(0)).map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let parts = row.map_err(|e| self.err(e))?;
            out.push(parts.and_then(|p| serde_json::from_str(&p).ok()).unwrap_or_default());
        }
        Ok(out)
    }

    /// Starts a run with every entry `planned`, in one transaction; its id.
    pub fn journal_start(&mut self, command: &str, hash: &str, entries: &[NewEntry]) -> Result<i64, StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let at = now();
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO journal_runs (command, hash, started) VALUES (?1, ?2, ?3)",
            params![command, hash, at],
        )
        .map_err(sql)?;
        let run_id = tx.last_insert_rowid();
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO journal (run_id, seq, key, kind, chat_id, user_id, detail, state, updated)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8)",
                )
                .map_err(sql)?;
            for (seq, e) in entries.iter().enumerate() {
                st.execute(params![run_id, seq as i64, e.key, e.kind, e.chat_id, e.user_id, e.detail, at])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(run_id)
    }

    /// The latest run of `command` that did not finish (a crash, Ctrl-C, SIGKILL).
    pub fn journal_unfinished(&self, command: &str) -> Result<Option<JournalRun>, StateError> {
        self.conn
            .query_row(
                "SELECT run_id, command, hash, started, finished FROM journal_runs
                 WHERE command = ?1 AND finished IS NULL ORDER BY run_id DESC LIMIT 1",
                [command],
                |r| {
                    Ok(JournalRun {
                        run_id: r.get(0)?,
                        command: r.get(1)?,
                        hash: r.get(2)?,
                        started: r.get(3)?,
                        finished: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// A run's entries in their order.
    pub fn journal_entries(&self, run_id: i64) -> Result<Vec<Entry>, StateError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT run_id, seq, key, kind, chat_id, user_id, detail, state, code, message, updated
                 FROM journal WHERE run_id = ?1 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([run_id], |r| {
                let state: String = r.get(7)?;
                Ok(Entry {
                    run_id: r.get(0)?,
                    seq: r.get(1)?,
                    key: r.get(2)?,
                    kind: r.get(3)?,
                    chat_id: r.get(4)?,
                    user_id: r.get(5)?,
                    detail: r.get(6)?,
                    state: EntryState::from_code(&state).unwrap_or(EntryState::Pending),
                    code: r.get(8)?,
                    message: r.get(9)?,
                    updated: r.get(10)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Marks one entry; committed before it returns.
    pub fn journal_mark(
        &mut self,
        run_id: i64,
        seq: i64,
        state: EntryState,
        code: Option<&str>,
        message: Option<&str>,
    ) -> Result<(), StateError> {
        self.conn
            .execute(
                "UPDATE journal SET state = ?3, code = ?4, message = ?5, updated = ?6 WHERE run_id = ?1 AND seq = ?2",
                params![run_id, seq, state.code(), code, message, now()],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The run is over: none of its entries is open any more.
    pub fn journal_finish(&mut self, run_id: i64) -> Result<(), StateError> {
        self.conn
            .execute("UPDATE journal_runs SET finished = ?2 WHERE run_id = ?1", params![run_id, now()])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The keys of every entry of `command`'s runs that is done — or pending (sent, answer
    /// unknown), which a caller that cannot read the outcome back must count as done.
    pub fn journal_keys(&self, command: &str, states: &[EntryState]) -> Result<HashSet<String>, StateError> {
        let mut st = self
            .conn
            .prepare("SELECT DISTINCT j.key, j.state FROM journal j JOIN journal_runs r ON r.run_id = j.run_id WHERE r.command = ?1")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([command], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.err(e))?;
        let mut keys = HashSet::new();
        for row in rows {
            let (key, state) = row.map_err(|e| self.err(e))?;
            if EntryState::from_code(&state).is_some_and(|s| states.contains(&s)) {
                keys.insert(key);
            }
        }
        Ok(keys)
    }
}

impl Store {
    /// `purge --before DAY`: forgets the journals (they carry person ids) of runs that
    /// finished before `day` (ISO); unfinished runs stay, a later run resumes them.
    /// The number of runs forgotten.
    pub fn journal_forget_before(&mut self, day: &str) -> Result<usize, StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let old = "SELECT run_id FROM journal_runs WHERE finished IS NOT NULL AND substr(finished, 1, 10) < ?1";
        tx.execute(&format!("DELETE FROM journal WHERE run_id IN ({old})"), [day])
            .map_err(sql)?;
        let n = tx
            .execute(&format!("DELETE FROM journal_runs WHERE run_id IN ({old})"), [day])
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, chat: i64, user: i64) -> NewEntry {
        NewEntry {
            key: key.into(),
            kind: "remove".into(),
            chat_id: chat,
            user_id: Some(user),
            detail: "{}".into(),
        }
    }

    #[test]
    fn a_run_is_unfinished_until_finished_and_keeps_its_marks() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.journal_unfinished("apply").unwrap(), None);
        let run = store
            .journal_start("apply", "abc", &[entry("a1", -1, 10), entry("a2", -1, 11)])
            .unwrap();
        store.journal_mark(run, 0, EntryState::Pending, None, None).unwrap();
        store.journal_mark(run, 0, EntryState::Done, None, None).unwrap();
        store
            .journal_mark(run, 1, EntryState::Failed, Some("403"), Some("нет доступа"))
            .unwrap();
        // Reopened: what a crash leaves is what was committed.
        drop(store);
        let mut store = Store::open(dir.path()).unwrap();
        let open = store.journal_unfinished("apply").unwrap().unwrap();
        assert_eq!((open.run_id, open.hash.as_str()), (run, "abc"));
        let states: Vec<_> = store
            .journal_entries(run)
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.state, e.code))
            .collect();
        assert_eq!(
            states,
            vec![
                ("a1".to_string(), EntryState::Done, None),
                ("a2".to_string(), EntryState::Failed, Some("403".to_string()))
            ]
        );
        assert_eq!(
            store.journal_keys("apply", &[EntryState::Done]).unwrap(),
            HashSet::from(["a1".to_string()])
        );
        store.journal_finish(run).unwrap();
        assert_eq!(store.journal_unfinished("apply").unwrap(), None);
        assert_eq!(store.journal_unfinished("notify plan").unwrap(), None);
    }

    #[test]
    fn purge_forgets_finished_runs_before_the_day_and_keeps_unfinished_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let done = store.journal_start("apply", "h1", &[entry("a1", -1, 10)]).unwrap();
        store.journal_finish(done).unwrap();
        let open = store.journal_start("apply", "h2", &[entry("a2", -1, 11)]).unwrap();
        assert_eq!(store.journal_forget_before("2000-01-01").unwrap(), 0);
        assert_eq!(store.journal_forget_before("9999-01-01").unwrap(), 1);
        assert!(store.journal_entries(done).unwrap().is_empty());
        assert_eq!(store.journal_entries(open).unwrap().len(), 1);
        assert_eq!(store.journal_unfinished("apply").unwrap().map(|r| r.run_id), Some(open));
    }

    #[test]
    fn a_shown_change_set_keeps_its_parts_actions_and_hold() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        store.record_diff("h1", &[], &crate::roster::Roster::default(), None, day).unwrap();
        let parts = vec![("config".to_string(), "aa".to_string()), ("platform".to_string(), "bb".to_string())];
        store.record_change_set("h1", &parts, "[]", true).unwrap();
        let shown = store.shown_change_set("h1").unwrap().unwrap();
        assert_eq!(shown.parts.get("platform").map(String::as_str), Some("bb"));
        assert_eq!((shown.actions.as_deref(), shown.held), (Some("[]"), true));
        assert_eq!(store.latest_shown_change_set().unwrap().unwrap().hash, "h1");
        assert_eq!(store.shown_change_set("h2").unwrap(), None);
    }

    #[test]
    fn the_reference_roster_is_the_last_approved_or_applied_one_other_than_the_current() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let show = |s: &mut Store, hash: &str, roster: &str, d: u32| {
            s.record_diff(hash, &[], &crate::roster::Roster::default(), None, day(d)).unwrap();
            s.record_change_set_roster(hash, roster).unwrap();
        };
        show(&mut store, "h1", "r1", 1);
        assert_eq!(store.reference_roster("r2").unwrap(), None, "shown, never approved");
        store.approve("h1", "2026-11-01").unwrap();
        assert_eq!(store.reference_roster("r2").unwrap().as_deref(), Some("r1"));
        assert_eq!(store.reference_roster("r1").unwrap(), None, "its own roster is no reference");
        show(&mut store, "h2", "r2", 8);
        let run = store.journal_start("apply", "h2", &[]).unwrap();
        assert_eq!(store.reference_roster("r3").unwrap().as_deref(), Some("r1"), "an unfinished apply");
        store.journal_finish(run).unwrap();
        assert_eq!(store.reference_roster("r3").unwrap().as_deref(), Some("r2"), "applied");
        assert_eq!(store.reference_roster("r2").unwrap().as_deref(), Some("r1"));
        // The schema: version 6 is a column of its own (later versions add tables).
        assert!(store.schema_version().unwrap() >= 6);
    }
}
