//! The state store (`.rollout/state.db`, SQLite, owner-only): identities confirmed by a
//! person or matched in earlier runs, rejections, the people and guardianships seen on
//! earlier rosters (so a departed student and their parents can be removed), the last
//! accepted roster sizes, approvals of change sets, and the last computed matches
//! ([`matches`]). It keeps ids, never names (but for the kept matches' display names).
//!
//! The schema has a version (`PRAGMA user_version`): opening a store runs, in one
//! transaction, every migration from the store's version to [`SCHEMA_VERSION`]. Version 0
//! is a store without a version, as made before versions existed. A store newer than this
//! code is refused untouched.

pub mod journal;
mod lock;
mod matches;
mod remember;
mod rollover;

pub use lock::{WorkspaceLock, lock_workspace};
pub use remember::{LinkRow, PurgeRefused, check_purge};
pub use rollover::RolloverRecord;

use crate::matching::Known;
use crate::roster::{PersonKind, Roster};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error("хранилище состояния {path}: {}", sql_ru(.source))]
    Sql { path: PathBuf, source: rusqlite::Error },
    #[error("не удалось создать {path}: {}", crate::files::IoRu(.source))]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "хранилище состояния {path} создано более новой версией rollout (версия схемы {found}, \
         эта версия понимает схемы до {known}); обновите rollout — хранилище оставлено как есть"
    )]
    Newer { path: PathBuf, found: i64, known: i64 },
    #[error("не удалось создать папку {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("не удалось записать {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("система не дала случайных чисел для секрета рабочего места: {0}")]
    Randomness(String),
    /// The store knows people but not the secret their ids were made with: a new one would
    /// re-key everybody (and plan their removal), so none is made.
    #[error(
        "секрет рабочего места {why}, а хранилище состояния {} уже знает людей: {people} — с новым секретом у каждого сменился бы person_id, и сверка запланировала бы удаление тех, кто по-прежнему в реестре; новый секрет не создан\n  подсказка: восстановите папку .rollout/ из резервной копии (state.db, а в копии от старой версии rollout — и файл salt рядом с ним) и повторите команду",
        store.display()
    )]
    SaltLost { store: PathBuf, people: usize, why: String },
    /// Another rollout command held the workspace longer than `--lock-timeout`.
    #[error(
        "рабочее место занято другой командой rollout ({holder}) дольше {seconds} с — дождитесь её окончания или задайте ожидание больше: --lock-timeout СЕКУНДЫ"
    )]
    Busy { holder: String, seconds: u64 },
}

/// SQLite's usual failures in Russian; the others keep SQLite's text.
pub fn sql_ru(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DatabaseBusy | C::DatabaseLocked) => "занято другой командой rollout — дождитесь её окончания".into(),
        Some(C::ReadOnly) => "только для чтения — нет прав на запись".into(),
        Some(C::NotADatabase) => "это не база SQLite (файл повреждён или подменён)".into(),
        Some(C::DatabaseCorrupt) => "база повреждена".into(),
        Some(C::DiskFull) => "нет места на диске".into(),
        Some(C::CannotOpen) => "не открывается (нет папки или прав)".into(),
        Some(C::PermissionDenied) => "нет прав".into(),
        _ => e.to_string(),
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn kind_code(k: PersonKind) -> &'static str {
    k.code()
}

pub fn kind_from(s: &str) -> PersonKind {
    match s {
        "parent" => PersonKind::Parent,
        "staff" => PersonKind::Staff,
        _ => PersonKind::Student,
    }
}

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// `MIGRATIONS[v]` takes a store from version `v` to `v + 1`. Append only: a migration
/// that has shipped is never edited.
const MIGRATIONS: &[&str] = &[
    SCHEMA_1,
    SCHEMA_2,
    SCHEMA_3,
    SCHEMA_4,
    SCHEMA_5,
    journal::SCHEMA_6,
    rollover::SCHEMA_7,
    matches::SCHEMA_8,
];

/// Version 1: the tables as they were before versions existed. `IF NOT EXISTS` makes
/// 0 → 1 only set the version on a store made by that code.
const SCHEMA_1: &str = "
CREATE TABLE IF NOT EXISTS identities (
  user_id INTEGER NOT NULL, person_id TEXT NOT NULL, kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('confirmed', 'auto', 'rejected')),
  updated TEXT NOT NULL, PRIMARY KEY (user_id, person_id));
CREATE TABLE IF NOT EXISTS people (
  person_id TEXT PRIMARY KEY, kind TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS guardians (
  student_id TEXT NOT NULL, parent_id TEXT NOT NULL, last_seen TEXT NOT NULL, PRIMARY KEY (student_id, parent_id));
CREATE TABLE IF NOT EXISTS roster_sizes (
  branch TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (branch, kind));
CREATE TABLE IF NOT EXISTS approvals (hash TEXT PRIMARY KEY, approved TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
  branch TEXT NOT NULL, grp TEXT NOT NULL, audience TEXT NOT NULL, link TEXT NOT NULL, source TEXT NOT NULL,
  first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, retired TEXT, PRIMARY KEY (branch, grp, audience, link));
CREATE TABLE IF NOT EXISTS chat_joins (chat_id INTEGER PRIMARY KEY, last_join INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS plan_checkoffs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, milestone TEXT NOT NULL, branch TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('done', 'undone')), day TEXT NOT NULL, who TEXT NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS plan_measures (
  day TEXT NOT NULL, milestone TEXT NOT NULL, branch TEXT NOT NULL, kind TEXT NOT NULL, value REAL,
  PRIMARY KEY (day, milestone, branch, kind));
";

/// Version 2: every change set hash `diff` (and `run`) showed, so `approve` can tell a
/// change set that was never made from one whose inputs changed.
const SCHEMA_2: &str = "
CREATE TABLE IF NOT EXISTS shown_change_sets (hash TEXT PRIMARY KEY, first_shown TEXT, last_shown TEXT);
";

/// Version 3: the workspace secret behind person ids and СНИЛС hashes, inside the store
/// with the ids it pins (it was the file `.rollout/salt`; [`Store::salt`] takes that file
/// in once). One row.
const SCHEMA_3: &str = "
CREATE TABLE IF NOT EXISTS workspace_secret (id INTEGER PRIMARY KEY CHECK (id = 1), salt BLOB NOT NULL);
";

/// Version 4: what `apply` needs of a shown change set (the hash of each of its inputs, so a
/// refusal can name what changed; the actions `apply` can carry out; whether it was held),
/// and the journal of `apply` and `notify`: every call that changes the platform, written
/// before the call and after the answer ([`journal`]).
const SCHEMA_4: &str = "
ALTER TABLE shown_change_sets ADD COLUMN parts TEXT;
ALTER TABLE shown_change_sets ADD COLUMN actions TEXT;
ALTER TABLE shown_change_sets ADD COLUMN held INTEGER;
CREATE TABLE IF NOT EXISTS journal_runs (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT, command TEXT NOT NULL, hash TEXT NOT NULL,
  started TEXT NOT NULL, finished TEXT);
CREATE TABLE IF NOT EXISTS journal (
  run_id INTEGER NOT NULL REFERENCES journal_runs (run_id), seq INTEGER NOT NULL,
  key TEXT NOT NULL, kind TEXT NOT NULL, chat_id INTEGER NOT NULL, user_id INTEGER, detail TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('planned', 'pending', 'done', 'skipped', 'failed', 'waiting')),
  code TEXT, message TEXT, updated TEXT NOT NULL, PRIMARY KEY (run_id, seq));
CREATE INDEX IF NOT EXISTS journal_by_key ON journal (key, state);
";

/// Version 5: id pins — a person whose name or birth date was corrected keeps the id they
/// had (`natural_id` is the id the build mints now, `pinned_id` the one kept; see
/// `history::pins`).
const SCHEMA_5: &str = "
CREATE TABLE IF NOT EXISTS id_pins (
  natural_id TEXT PRIMARY KEY, pinned_id TEXT NOT NULL, kind TEXT NOT NULL, pinned_on TEXT NOT NULL);
";

/// A secret shorter than this is damaged, not a secret.
const MIN_SALT: usize = 16;

/// One metric of one milestone instance as measured on a day (None: not measurable).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measurement {
    pub day: String,
    pub milestone: String,
    pub branch: String,
    pub kind: String,
    pub value: Option<f64>,
}

/// One check-off (or its withdrawal) of a plan milestone: the history is kept whole.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CheckOff {
    pub milestone: String,
    /// Empty for the whole organisation.
    pub branch: String,
    pub done: bool,
    pub day: String,
    pub who: String,
    pub note: String,
}

/// One link's history row.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkHistory {
    pub branch: String,
    pub group: String,
    pub audience: String,
    pub link: String,
    pub source: String,
    pub first_seen: String,
    pub last_seen: String,
    pub retired: Option<String>,
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Brings the store to [`SCHEMA_VERSION`] in one transaction (all or nothing), or refuses a
/// store made by a newer version without touching it.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StateError> {
    let sql = |source| StateError::Sql {
        path: path.to_path_buf(),
        source,
    };
    let newer = |found| StateError::Newer {
        path: path.to_path_buf(),
        found,
        known: SCHEMA_VERSION,
    };
    let found = user_version(conn).map_err(sql)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    if found > SCHEMA_VERSION {
        return Err(newer(found));
    }
    // Immediate: a second process opening the same old store waits, then sees it upgraded.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
    let found = user_version(&tx).map_err(sql)?;
    if found > SCHEMA_VERSION {
        return Err(newer(found));
    }
    for step in &MIGRATIONS[found.max(0) as usize..] {
        tx.execute_batch(step).map_err(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(sql)?;
    tx.commit().map_err(sql)
}

impl Store {
    pub fn open(root: &Path) -> Result<Store, StateError> {
        let dir = root.join(".rollout");
        crate::files::ensure_dir(&dir).map_err(|source| StateError::Io { path: dir.clone(), source })?;
        let path = dir.join("state.db");
        if !path.exists() {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            opts.open(&path).map_err(|source| StateError::Io {
                path: path.clone(),
                source,
            })?;
        }
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open(&path).map_err(sql)?;
        migrate(&mut conn, &path)?;
        Ok(Store { conn, path })
    }

    /// The workspace secret behind person ids and СНИЛС hashes: ids are stable across runs
    /// in one workspace and reveal nothing outside it. Kept in the store; a `.rollout/salt`
    /// file from an older version is taken in once and then removed (one copy of the
    /// secret, in the owner-only store). A store that knows nobody gets 32 fresh random
    /// bytes (hex); a store that knows people and has no usable secret is refused
    /// ([`StateError::SaltLost`]) — never re-keyed. One immediate transaction, so two
    /// first runs cannot make two secrets.
    pub fn salt(&mut self) -> Result<Vec<u8>, StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let file = path.with_file_name("salt");
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
        let kept: Option<Vec<u8>> = tx
            .query_row("SELECT salt FROM workspace_secret WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        if let Some(s) = kept.filter(|s| s.len() >= MIN_SALT) {
            return Ok(s);
        }
        let from_file = match std::fs::read(&file) {
            Ok(s) if s.len() >= MIN_SALT => Ok(s),
            Ok(s) => Err(format!(
                "повреждён ({}: {} байт вместо не менее {MIN_SALT})",
                file.display(),
                s.len()
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(format!("пропал (его нет ни в хранилище состояния, ни в файле {})", file.display()))
            }
            Err(e) => Err(format!("не читается ({}: {})", file.display(), crate::files::IoRu(&e))),
        };
        let imported = from_file.is_ok();
        let salt = match from_file {
            Ok(s) => s,
            Err(why) => {
                let people: i64 = tx
                    .query_row(
                        "SELECT COUNT(*) FROM (SELECT person_id FROM people UNION SELECT person_id FROM identities)",
                        [],
                        |r| r.get(0),
                    )
                    .map_err(sql)?;
                if people > 0 {
                    return Err(StateError::SaltLost {
                        store: path.clone(),
                        people: people as usize,
                        why,
                    });
                }
                let mut salt = vec![0u8; 32];
                getrandom::fill(&mut salt).map_err(|e| StateError::Randomness(e.to_string()))?;
                hex::encode(&salt).into_bytes()
            }
        };
        tx.execute("INSERT OR REPLACE INTO workspace_secret (id, salt) VALUES (1, ?1)", params![salt])
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        if imported {
            // The store has it now; a file left behind (no rights to remove it) is never read again.
            let _ = std::fs::remove_file(&file);
        }
        Ok(salt)
    }

    /// The store's schema version.
    pub fn schema_version(&self) -> Result<i64, StateError> {
        user_version(&self.conn).map_err(|e| self.err(e))
    }

    fn err(&self, source: rusqlite::Error) -> StateError {
        StateError::Sql {
            path: self.path.clone(),
            source,
        }
    }

    /// Remembered identities and rejections, for the matcher.
    pub fn known(&self) -> Result<Known, StateError> {
        let mut k = Known::default();
        let mut stmt = self
            .conn
            .prepare("SELECT user_id, person_id, kind, status FROM identities ORDER BY user_id, status, person_id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (u, p, kind, status) = row.map_err(|e| self.err(e))?;
            match status.as_str() {
                "rejected" => {
                    k.rejected.insert((u, p));
                }
                "confirmed" => {
                    k.identities.insert(u, (p, kind_from(&kind), true));
                }
                _ => {
                    // A confirmation wins over an automatic match.
                    k.identities.entry(u).or_insert((p, kind_from(&kind), false));
                }
            }
        }
        Ok(k)
    }

    /// Decisions people made, for the change set's hash.
    pub fn decisions(&self) -> Result<Vec<String>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT user_id, person_id, status FROM identities WHERE status != 'auto' ORDER BY user_id, person_id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{}|{}|{}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    pub fn remember(&mut self, matches: &[(i64, String, PersonKind)], today: &str) -> Result<(), StateError> {
        let tx = self.conn.transaction().map_err(|e| StateError::Sql {
            path: self.path.clone(),
            source: e,
        })?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO identities (user_id, person_id, kind, status, updated) VALUES (?1, ?2, ?3, 'auto', ?4)
                     ON CONFLICT (user_id, person_id) DO UPDATE SET updated = excluded.updated WHERE status = 'auto'",
                )
                .map_err(|e| StateError::Sql {
                    path: self.path.clone(),
                    source: e,
                })?;
            for (u, p, k) in matches {
                stmt.execute(params![u, p, kind_code(*k), today]).map_err(|e| StateError::Sql {
                    path: self.path.clone(),
                    source: e,
                })?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// `rollout confirm`: this account is this person (any other identity of the account goes).
    pub fn confirm(&mut self, user_id: i64, person_id: &str, kind: PersonKind, today: &str) -> Result<(), StateError> {
        let tx = self.conn.transaction().map_err(|e| StateError::Sql {
            path: self.path.clone(),
            source: e,
        })?;
        tx.execute(
            "DELETE FROM identities WHERE user_id = ?1 AND status != 'rejected'",
            params![user_id],
        )
        .and_then(|_| {
            tx.execute(
                "DELETE FROM identities WHERE user_id = ?1 AND person_id = ?2",
                params![user_id, person_id],
            )
        })
        .and_then(|_| {
            tx.execute(
                "INSERT INTO identities (user_id, person_id, kind, status, updated) VALUES (?1, ?2, ?3, 'confirmed', ?4)",
                params![user_id, person_id, kind_code(kind), today],
            )
        })
        .map_err(|e| StateError::Sql {
            path: self.path.clone(),
            source: e,
        })?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// `rollout reject`: this account is not this person.
    pub fn reject(&mut self, user_id: i64, person_id: &str, kind: PersonKind, today: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "DELETE FROM identities WHERE user_id = ?1 AND person_id = ?2",
                params![user_id, person_id],
            )
            .and_then(|_| {
                self.conn.execute(
                    "INSERT INTO identities (user_id, person_id, kind, status, updated) VALUES (?1, ?2, ?3, 'rejected', ?4)",
                    params![user_id, person_id, kind_code(kind), today],
                )
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records the people and guardianships on this roster.
    pub fn record_people(&mut self, roster: &Roster, today: &str) -> Result<(), StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut p = tx
                .prepare(
                    "INSERT INTO people (person_id, kind, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (person_id) DO UPDATE SET last_seen = excluded.last_seen, kind = excluded.kind",
                )
                .map_err(sql)?;
            for person in &roster.people {
                p.execute(params![person.id, kind_code(person.kind), today]).map_err(sql)?;
            }
            let mut g = tx
                .prepare(
                    "INSERT INTO guardians (student_id, parent_id, last_seen) VALUES (?1, ?2, ?3)
                     ON CONFLICT (student_id, parent_id) DO UPDATE SET last_seen = excluded.last_seen",
                )
                .map_err(sql)?;
            for gu in &roster.guardians {
                g.execute(params![gu.student_id, gu.parent_id, today]).map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// Every student a parent was ever seen with.
    pub fn children_of(&self) -> Result<HashMap<String, Vec<String>>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT parent_id, student_id FROM guardians ORDER BY 1, 2")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.err(e))?;
        let mut m: HashMap<String, Vec<String>> = HashMap::new();
        for row in rows {
            let (p, s) = row.map_err(|e| self.err(e))?;
            m.entry(p).or_default().push(s);
        }
        Ok(m)
    }

    /// The last accepted roster sizes: (branch, kind) → count.
    pub fn roster_sizes(&self) -> Result<BTreeMap<(String, String), usize>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT branch, kind, count FROM roster_sizes")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), r.get::<_, i64>(2)? as usize))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    pub fn set_roster_sizes(&mut self, sizes: &BTreeMap<(String, String), usize>) -> Result<(), StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM roster_sizes", []).map_err(sql)?;
        for ((b, k), n) in sizes {
            tx.execute(
                "INSERT INTO roster_sizes (branch, kind, count) VALUES (?1, ?2, ?3)",
                params![b, k, *n as i64],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// Records the current links: new ones get a history row; a changed or vanished link
    /// is retired today.
    pub fn sync_links(&mut self, current: &[(String, String, String, String, String)], today: &str) -> Result<(), StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let active: Vec<(String, String, String, String)> = {
                let mut stmt = tx
                    .prepare("SELECT branch, grp, audience, link FROM links WHERE retired IS NULL")
                    .map_err(sql)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                    .map_err(sql)?;
                rows.collect::<Result<_, _>>().map_err(sql)?
            };
            for (b, g, a, l) in &active {
                if !current.iter().any(|(cb, cg, ca, cl, _)| cb == b && cg == g && ca == a && cl == l) {
                    tx.execute(
                        "UPDATE links SET retired = ?5 WHERE branch = ?1 AND grp = ?2 AND audience = ?3 AND link = ?4",
                        params![b, g, a, l, today],
                    )
                    .map_err(sql)?;
                }
            }
            for (b, g, a, l, source) in current {
                tx.execute(
                    "INSERT INTO links (branch, grp, audience, link, source, first_seen, last_seen, retired) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, NULL)
                     ON CONFLICT (branch, grp, audience, link) DO UPDATE SET last_seen = excluded.last_seen, source = excluded.source, retired = NULL",
                    params![b, g, a, l, source, today],
                )
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    pub fn link_history(&self) -> Result<Vec<LinkHistory>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT branch, grp, audience, link, source, first_seen, last_seen, retired FROM links ORDER BY branch, grp, audience, first_seen, link")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(LinkHistory {
                    branch: r.get(0)?,
                    group: r.get(1)?,
                    audience: r.get(2)?,
                    link: r.get(3)?,
                    source: r.get(4)?,
                    first_seen: r.get(5)?,
                    last_seen: r.get(6)?,
                    retired: r.get(7)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Keeps the latest join time seen per chat, across snapshots.
    pub fn record_joins(&mut self, joins: &[(i64, i64)]) -> Result<(), StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for (chat, t) in joins {
            tx.execute(
                "INSERT INTO chat_joins (chat_id, last_join) VALUES (?1, ?2)
                 ON CONFLICT (chat_id) DO UPDATE SET last_join = MAX(last_join, excluded.last_join)",
                params![chat, t],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    pub fn last_joins(&self) -> Result<HashMap<i64, i64>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT chat_id, last_join FROM chat_joins")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    pub fn approve(&mut self, hash: &str, today: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO approvals (hash, approved) VALUES (?1, ?2)",
                params![hash, today],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    pub fn is_approved(&self, hash: &str) -> Result<bool, StateError> {
        self.conn
            .query_row("SELECT 1 FROM approvals WHERE hash = ?1", params![hash], |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.err(e))
    }

    /// Deletes what is kept about people who are not on `current` and were last seen
    /// before `before`: their identities, records and guardianships. Returns the count of people.
    pub fn purge(&mut self, current: &HashSet<String>, before: &str) -> Result<usize, StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let gone: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT person_id FROM people WHERE last_seen < ?1")
                .map_err(sql)?;
            let rows = stmt.query_map(params![before], |r| r.get::<_, String>(0)).map_err(sql)?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(sql)?
                .into_iter()
                .filter(|p| !current.contains(p))
                .collect()
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for p in &gone {
            tx.execute("DELETE FROM identities WHERE person_id = ?1", params![p]).map_err(sql)?;
            tx.execute("DELETE FROM guardians WHERE student_id = ?1 OR parent_id = ?1", params![p])
                .map_err(sql)?;
            tx.execute("DELETE FROM people WHERE person_id = ?1", params![p]).map_err(sql)?;
        }
        // The kept matches may name the people purged: the next run matches again.
        if !gone.is_empty() {
            tx.execute("DELETE FROM match_cache", []).map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(gone.len())
    }

    /// The id pins: natural id → pinned id.
    pub fn id_pins(&self) -> Result<HashMap<String, String>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT natural_id, pinned_id FROM id_pins")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<HashMap<_, _>, _>>().map_err(|e| self.err(e))
    }

    /// Keeps new pins (natural id, pinned id, kind), in one transaction.
    pub fn add_id_pins(&mut self, pins: &[(String, String, PersonKind)], today: &str) -> Result<(), StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for (natural, pinned, kind) in pins {
            tx.execute(
                "INSERT OR REPLACE INTO id_pins (natural_id, pinned_id, kind, pinned_on) VALUES (?1, ?2, ?3, ?4)",
                params![natural, pinned, kind_code(*kind), today],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// Drops the pins whose kept id is gone: not on `current` and no longer in the store's
    /// people. Returns how many were dropped.
    pub fn purge_id_pins(&mut self, current: &HashSet<String>) -> Result<usize, StateError> {
        let pins = self.id_pins()?;
        let known: HashSet<String> = {
            let mut stmt = self.conn.prepare("SELECT person_id FROM people").map_err(|e| self.err(e))?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.err(e))?;
            rows.collect::<Result<HashSet<_>, _>>().map_err(|e| self.err(e))?
        };
        let gone: Vec<&String> = pins
            .iter()
            .filter(|(_, pinned)| !current.contains(*pinned) && !known.contains(*pinned))
            .map(|(natural, _)| natural)
            .collect();
        for natural in &gone {
            self.conn
                .execute("DELETE FROM id_pins WHERE natural_id = ?1", params![natural])
                .map_err(|e| self.err(e))?;
        }
        Ok(gone.len())
    }

    pub fn check_off(&mut self, c: &CheckOff) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO plan_checkoffs (milestone, branch, action, day, who, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![c.milestone, c.branch, if c.done { "done" } else { "undone" }, c.day, c.who, c.note],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Every check-off in the order made.
    pub fn check_offs(&self) -> Result<Vec<CheckOff>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT milestone, branch, action, day, who, note FROM plan_checkoffs ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(CheckOff {
                    milestone: r.get(0)?,
                    branch: r.get(1)?,
                    done: r.get::<_, String>(2)? == "done",
                    day: r.get(3)?,
                    who: r.get(4)?,
                    note: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every measurement of the plans' metrics, oldest first: (day, milestone, branch, kind, value).
    pub fn plan_measures(&self) -> Result<Vec<Measurement>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT day, milestone, branch, kind, value FROM plan_measures ORDER BY day")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Measurement {
                    day: r.get(0)?,
                    milestone: r.get(1)?,
                    branch: r.get(2)?,
                    kind: r.get(3)?,
                    value: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records today's measurements (a later run on the same day replaces them).
    pub fn record_measures(&mut self, rows: &[Measurement]) -> Result<(), StateError> {
        let path = self.path.clone();
        let sql = |source| StateError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for m in rows {
            tx.execute(
                "INSERT OR REPLACE INTO plan_measures (day, milestone, branch, kind, value) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![m.day, m.milestone, m.branch, m.kind, m.value],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store as the code before schema versions made it: the tables, version 0.
    fn unversioned_store(root: &Path) {
        std::fs::create_dir_all(root.join(".rollout")).unwrap();
        let conn = Connection::open(root.join(".rollout/state.db")).unwrap();
        conn.execute_batch(SCHEMA_1).unwrap();
        conn.execute(
            "INSERT INTO identities (user_id, person_id, kind, status, updated) VALUES (7, 'p1', 'parent', 'confirmed', '2026-11-20')",
            [],
        )
        .unwrap();
    }

    #[test]
    fn a_new_store_has_the_current_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn an_unversioned_store_is_upgraded_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        unversioned_store(dir.path());
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.decisions().unwrap(), vec!["7|p1|confirmed".to_string()]);
        drop(store);
        // Opening again is a no-op.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.decisions().unwrap().len(), 1);
    }

    #[test]
    fn a_newer_store_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        unversioned_store(dir.path());
        let db = dir.path().join(".rollout/state.db");
        Connection::open(&db)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let before = std::fs::read(&db).unwrap();
        let err = Store::open(dir.path()).err().expect("a newer store is refused");
        assert!(
            matches!(err, StateError::Newer { found, .. } if found == SCHEMA_VERSION + 1),
            "{err}"
        );
        assert!(err.to_string().contains("более новой версией rollout"), "{err}");
        assert_eq!(std::fs::read(&db).unwrap(), before, "the store is left as it was");
    }

    #[test]
    fn the_salt_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let salt = Store::open(dir.path()).unwrap().salt().unwrap();
        assert_eq!(salt.len(), 64);
        assert_eq!(Store::open(dir.path()).unwrap().salt().unwrap(), salt);
        assert!(!dir.path().join(".rollout/salt").exists(), "no second copy in a file");
    }

    #[test]
    fn an_old_salt_file_is_taken_in_once() {
        let dir = tempfile::tempdir().unwrap();
        unversioned_store(dir.path());
        std::fs::write(dir.path().join(".rollout/salt"), b"0123456789abcdef0123").unwrap();
        let salt = Store::open(dir.path()).unwrap().salt().unwrap();
        assert_eq!(salt, b"0123456789abcdef0123");
        assert!(!dir.path().join(".rollout/salt").exists());
        assert_eq!(Store::open(dir.path()).unwrap().salt().unwrap(), salt);
    }

    #[test]
    fn a_store_that_knows_people_is_never_re_keyed() {
        let dir = tempfile::tempdir().unwrap();
        unversioned_store(dir.path());
        let err = Store::open(dir.path()).unwrap().salt().expect_err("refused");
        assert!(matches!(err, StateError::SaltLost { people: 1, .. }), "{err}");
    }
}
