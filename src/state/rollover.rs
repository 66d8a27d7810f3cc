//! Version 7: the proposed rollovers (`rollout rollover --to 2027/28`, issue 16). One row per
//! target year, replaced by a later proposal for the same year: the day it was proposed,
//! the day from which graduates may be removed, and the mapping as JSON (what
//! `cmd::rollover` writes: groups, new groups, chat renames). The diff's graduate removals
//! and `apply`'s renames read it back with [`Store::rollover`].

use super::{StateError, Store};
use rusqlite::{OptionalExtension, params};

pub(super) const SCHEMA_7: &str = "
CREATE TABLE IF NOT EXISTS rollover_proposals (
  year TEXT PRIMARY KEY, proposed_on TEXT NOT NULL, grace_date TEXT NOT NULL, mapping TEXT NOT NULL);
";

/// A recorded proposal: `year` as «2027/28», days as YYYY-MM-DD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloverRecord {
    pub year: String,
    pub proposed_on: String,
    pub grace_date: String,
    /// JSON.
    pub mapping: String,
}

impl Store {
    /// Records the proposal for `r.year`, replacing an earlier one for that year.
    pub fn record_rollover(&mut self, r: &RolloverRecord) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO rollover_proposals (year, proposed_on, grace_date, mapping) VALUES (?1, ?2, ?3, ?4)",
                params![r.year, r.proposed_on, r.grace_date, r.mapping],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The proposal recorded for `year` («2027/28»), if any.
    pub fn rollover(&self, year: &str) -> Result<Option<RolloverRecord>, StateError> {
        self.conn
            .query_row(
                "SELECT year, proposed_on, grace_date, mapping FROM rollover_proposals WHERE year = ?1",
                [year],
                |row| {
                    Ok(RolloverRecord {
                        year: row.get(0)?,
                        proposed_on: row.get(1)?,
                        grace_date: row.get(2)?,
                        mapping: row.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_proposal_for_the_same_year_replaces_the_earlier() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert!(store.schema_version().unwrap() >= 7);
        let rec = |day: &str, mapping: &str| RolloverRecord {
            year: "2027/28".into(),
            proposed_on: day.into(),
            grace_date: "2027-10-01".into(),
            mapping: mapping.into(),
        };
        store.record_rollover(&rec("2026-11-22", "{}")).unwrap();
        store.record_rollover(&rec("2026-11-23", "{\"renames\":[]}")).unwrap();
        assert_eq!(store.rollover("2027/28").unwrap(), Some(rec("2026-11-23", "{\"renames\":[]}")));
        assert_eq!(store.rollover("2028/29").unwrap(), None);
    }
}
