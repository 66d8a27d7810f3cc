//! Version 8: the last computed matches (issue 17). Matching is the costliest stage of the
//! diff, and `report`, `plan status`, `letters` and the rest recompute the change set `diff`
//! just made: the matches are kept with a key over everything matching reads
//! (`changes::compute`'s match key), and reused while the key is the same. One row, replaced
//! by each new computation — only the latest, never growing. It holds what the matches
//! hold (ids, display names), in the owner-only store like the rest; `purge` drops it.
//!
//! A row that cannot be read back (damaged, or written by another layout) is no error: the
//! caller matches again.

use super::{StateError, Store};
use crate::matching::MemberMatch;
use rusqlite::{OptionalExtension, params};

pub(super) const SCHEMA_8: &str = "
CREATE TABLE IF NOT EXISTS match_cache (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL, matches BLOB NOT NULL);
";

/// The matches in postcard's binary form: exact to the bit (a confidence reads back as the
/// very number matching gave), compact, and read without parsing text.
fn encode(matches: &[MemberMatch]) -> Vec<u8> {
    postcard::to_allocvec(matches).unwrap_or_default()
}

/// The matches, when the bytes are exactly one list of them (a damaged row is None).
fn decode(bytes: &[u8]) -> Option<Vec<MemberMatch>> {
    match postcard::take_from_bytes::<Vec<MemberMatch>>(bytes) {
        Ok((matches, [])) => Some(matches),
        _ => None,
    }
}

impl Store {
    /// The kept matches when they were made under `key`; None when there are none, they
    /// were made under another key, or the row does not read back.
    pub fn cached_matches(&self, key: &str) -> Option<Vec<MemberMatch>> {
        let row: Option<(String, Vec<u8>)> = self
            .conn
            .query_row("SELECT key, matches FROM match_cache WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .ok()
            .flatten();
        let (kept_key, bytes) = row?;
        if kept_key != key {
            return None;
        }
        decode(&bytes)
    }

    /// Drops the kept matches: the next computation matches again (the region bench, which
    /// measures matching itself).
    pub fn forget_matches(&self) -> Result<(), StateError> {
        self.conn
            .execute("DELETE FROM match_cache", [])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Keeps `matches`, made under `key`, in place of the ones kept before.
    pub fn keep_matches(&self, key: &str, matches: &[MemberMatch]) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO match_cache (id, key, matches) VALUES (1, ?1, ?2)",
                params![key, encode(matches)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{ReviewWhy, Status, Tier};
    use crate::roster::PersonKind;

    fn sample() -> Vec<MemberMatch> {
        vec![
            MemberMatch {
                chat_id: -5,
                user_id: 42,
                display_name: "Иванова Анна".into(),
                person_id: Some("p1".into()),
                kind: Some(PersonKind::Parent),
                confidence: 0.1 + 0.2,
                tier: Tier::Name,
                status: Status::Review,
                candidates: vec![("p2".into(), 1.0 / 3.0)],
                review: Some(ReviewWhy::DroppedRecord("R1 (a.xlsx B2)".into())),
                departed: true,
                first_only: true,
                first_only_candidates: vec!["p3".into()],
            },
            MemberMatch {
                chat_id: 7,
                user_id: 8,
                display_name: String::new(),
                person_id: None,
                kind: None,
                confidence: 0.0,
                tier: Tier::None,
                status: Status::Unknown,
                candidates: vec![],
                review: None,
                departed: false,
                first_only: false,
                first_only_candidates: vec![],
            },
        ]
    }

    #[test]
    fn matches_read_back_as_kept_to_the_bit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.cached_matches("k1").is_none());
        store.keep_matches("k1", &sample()).unwrap();
        let back = store.cached_matches("k1").expect("kept");
        assert_eq!(format!("{back:?}"), format!("{:?}", sample()));
        assert_eq!(back[0].confidence.to_bits(), (0.1f64 + 0.2).to_bits());
        assert!(store.cached_matches("k2").is_none(), "another key is another computation");
        store.keep_matches("k2", &sample()[1..]).unwrap();
        assert!(store.cached_matches("k1").is_none(), "only the latest is kept");
        let rows: i64 = store.conn.query_row("SELECT COUNT(*) FROM match_cache", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_damaged_row_is_no_match_and_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .conn
            .execute(
                "INSERT OR REPLACE INTO match_cache (id, key, matches) VALUES (1, 'k', ?1)",
                params![b"\x00not a list of matches".to_vec()],
            )
            .unwrap();
        assert!(store.cached_matches("k").is_none());
    }
}
