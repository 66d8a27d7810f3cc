//! What a run remembers, in one place per kind of run: the diff (automatic matches, the
//! roster's people and guardianships, accepted roster sizes) and the links (their history
//! and the latest join per chat).

use super::{StateError, Store};
use crate::roster::{PersonKind, Roster};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One current link as the store keeps it: branch, group ("" for a staff chat), audience
/// code, link, source.
pub type LinkRow = (String, String, String, String, String);

impl Store {
    /// After a diff's outputs are written: the change set's hash as shown, its automatic
    /// matches, the roster's people and guardianships, and its roster sizes when they may
    /// become the reference.
    pub fn record_diff(
        &mut self,
        shown: &str,
        auto: &[(i64, String, PersonKind)],
        roster: &Roster,
        sizes: Option<&BTreeMap<(String, String), usize>>,
        today: NaiveDate,
    ) -> Result<(), StateError> {
        let day = today.format("%Y-%m-%d").to_string();
        self.record_shown(shown, &day)?;
        self.remember(auto, &day)?;
        self.record_people(roster, &day)?;
        if let Some(s) = sizes {
            self.set_roster_sizes(s)?;
        }
        Ok(())
    }

    /// The links seen today and the latest join time per chat (ms since the epoch).
    pub fn record_links(&mut self, links: &[LinkRow], joins: &[(i64, i64)], today: NaiveDate) -> Result<(), StateError> {
        self.sync_links(links, &today.format("%Y-%m-%d").to_string())?;
        self.record_joins(joins)
    }
}

impl Store {
    /// A change set hash shown to the user today.
    fn record_shown(&mut self, hash: &str, day: &str) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT INTO shown_change_sets (hash, first_shown, last_shown) VALUES (?1, ?2, ?2)
                 ON CONFLICT(hash) DO UPDATE SET last_shown = excluded.last_shown",
                rusqlite::params![hash, day],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Whether `diff` (or `run`) showed the change set with this hash.
    pub fn change_set_shown(&self, hash: &str) -> Result<bool, StateError> {
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM shown_change_sets WHERE hash = ?1)", [hash], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }

    /// Whether any change set was ever shown (`diff` or `run` with a platform).
    pub fn any_change_set_shown(&self) -> Result<bool, StateError> {
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM shown_change_sets)", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

/// Why `rollout purge` refuses to forget.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PurgeRefused {
    #[error(
        "--before {} — дата в будущем: purge забывает тех, кого нет в списках и кто последний раз встречался до этой даты, а с будущей датой забылись бы и сегодняшние выбывшие (их удаления из чатов были бы потеряны)",
        .0.format("%d.%m.%Y")
    )]
    Future(NaiveDate),
    #[error(
        "часть источников не прочитана: purge отменён — он забыл бы людей, которые ещё есть в списках; исправьте источники (out/problems.xlsx) и повторите"
    )]
    SourcesUnreadable,
}

/// Purge forgets people by the roster: never with a day to come, never from a roster that
/// misses a source.
pub fn check_purge(before: NaiveDate, today: NaiveDate, unreadable_sources: usize) -> Result<(), PurgeRefused> {
    if before > today {
        return Err(PurgeRefused::Future(before));
    }
    if unreadable_sources > 0 {
        return Err(PurgeRefused::SourcesUnreadable);
    }
    Ok(())
}
