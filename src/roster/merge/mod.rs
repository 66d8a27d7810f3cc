//! Pass 3: observations clustered into people — students first, then parents (who point at
//! the merged children), then staff — each person with a stable, salted id.

pub(super) mod parents;
pub(super) mod staff;
pub(super) mod students;

use crate::normalize::names::PersonName;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Person ids: a salted hash of what identifies the person, unique within one roster.
pub(in crate::roster) struct Ids<'a> {
    salt: &'a [u8],
    used: BTreeSet<String>,
}

impl<'a> Ids<'a> {
    pub fn new(salt: &'a [u8]) -> Self {
        Ids {
            salt,
            used: BTreeSet::new(),
        }
    }

    /// `prefix` and 10 hex digits of the hash of `key`; a second person with the same key
    /// gets `-2`, a third `-3`.
    fn mint(&mut self, prefix: &str, key: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(b"person:");
        h.update(key.as_bytes());
        let base = format!("{prefix}{}", &hex::encode(h.finalize())[..10]);
        let mut id = base.clone();
        let mut n = 2;
        while !self.used.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n).collect())
    }
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut x = x;
        while self.0[x] != r {
            let next = self.0[x];
            self.0[x] = r;
            x = next;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
    /// The clusters, each in index order, ordered by their first index (a cluster's root is
    /// its smallest index: `union` keeps the lower root).
    fn clusters(&mut self) -> Vec<Vec<usize>> {
        let mut slot: Vec<usize> = vec![usize::MAX; self.0.len()];
        let mut out: Vec<Vec<usize>> = Vec::new();
        for i in 0..self.0.len() {
            let r = self.find(i);
            if slot[r] == usize::MAX {
                slot[r] = out.len();
                out.push(Vec::with_capacity(1));
            }
            out[slot[r]].push(i);
        }
        out
    }
}

/// Spellings with ё are the careful ones: keep the one with the most.
/// A parent or an employee as merged from its observations: no birth date or group of
/// their own, the first login and external id the sources give, every cell they came from.
#[allow(clippy::too_many_arguments)]
fn adult(
    kind: super::model::PersonKind,
    id: String,
    name: PersonName,
    branches: Vec<String>,
    phone: Option<String>,
    email: Option<String>,
    obs: &[&super::fields::Observation],
    ing: &crate::ingest::Ingested,
) -> super::model::Person {
    super::model::Person {
        id,
        kind,
        name,
        birth_date: None,
        branches,
        groups: Vec::new(),
        phone,
        email,
        snils_hash: None,
        login: obs.iter().find_map(|o| o.login.clone()),
        external_id: obs.iter().find_map(|o| o.id.clone()),
        found_at: obs.iter().map(|o| o.loc.location(ing)).collect(),
    }
}

fn yo_count(n: &PersonName) -> usize {
    n.full().chars().filter(|c| matches!(c, 'ё' | 'Ё')).count()
}
