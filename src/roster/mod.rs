//! The roster stage: raw records from every source → one clean, merged roster, built in
//! passes (see `build`): resolve sources → parse fields → merge students, parents, staff →
//! groups and the cross-record rules.

mod build;
mod chunks;
mod context;
mod fields;
mod groups;
mod load;
mod merge;
mod model;
mod order;
mod rules;
mod sources;
mod teaching;

pub use build::{BuildContext, build};
pub use load::{Loaded, PartlyRead, load};
pub use model::*;
pub use order::{NaturalKey, natural_cmp};

use crate::config::Config;
use crate::normalize::text_key;

/// Resolves what files and rows call a branch («Заречный», «Заречный филиал») to the
/// branch's name in `rollout.toml`.
#[derive(Debug, Clone)]
pub struct BranchResolver {
    /// (key of a name or alias, branch name)
    keys: Vec<(String, String)>,
    single: Option<String>,
}

impl BranchResolver {
    pub fn new(cfg: &Config) -> Self {
        let mut keys = Vec::new();
        for b in &cfg.branches {
            keys.push((text_key(&b.name), b.name.clone()));
            for a in &b.aliases {
                keys.push((text_key(a), b.name.clone()));
            }
        }
        let single = (cfg.branches.len() == 1).then(|| cfg.branches[0].name.clone());
        BranchResolver { keys, single }
    }

    /// The branch a cell value names, exactly (by name or alias) or as the only branch
    /// whose name is contained in the value or contains it.
    pub fn resolve(&self, raw: &str) -> Option<String> {
        let k = text_key(raw);
        if k.is_empty() {
            return None;
        }
        if let Some((_, b)) = self.keys.iter().find(|(key, _)| *key == k) {
            return Some(b.clone());
        }
        let padded = format!(" {k} ");
        let mut hits: Vec<&String> = self
            .keys
            .iter()
            .filter(|(key, _)| padded.contains(&format!(" {key} ")) || format!(" {key} ").contains(&padded))
            .map(|(_, b)| b)
            .collect();
        hits.sort();
        hits.dedup();
        if hits.len() == 1 { Some(hits[0].clone()) } else { None }
    }

    /// A branch mentioned anywhere in a title, sheet or file name (only if exactly one is).
    pub fn mentioned_in(&self, texts: &[String]) -> Option<String> {
        let mut hits: Vec<&String> = Vec::new();
        for t in texts {
            let padded = format!(" {} ", text_key(&t.replace(['_', '-'], " ")));
            for (key, b) in &self.keys {
                if padded.contains(&format!(" {key} ")) {
                    hits.push(b);
                }
            }
        }
        hits.sort();
        hits.dedup();
        if hits.len() == 1 { Some(hits[0].clone()) } else { None }
    }

    pub fn single(&self) -> Option<&String> {
        self.single.as_ref()
    }
}
