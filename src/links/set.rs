//! The current links of a workspace: the platform's, and the `[links] file` where the
//! platform has none; and what the state store keeps of them.

use super::{LinkProblem, LinkRecord};
use crate::changes::PlacedChat;
use crate::config::Config;
use crate::ingest::Reader;
use crate::platform::place::{ChatPlacer, Placement};
use crate::roster::{BranchResolver, Roster};
use crate::state::LinkRow;
use std::collections::BTreeMap;

pub struct LinkSet {
    pub current: BTreeMap<Placement, LinkRecord>,
    pub problems: Vec<LinkProblem>,
}

impl LinkSet {
    /// The current links as the state store keeps them.
    pub fn rows(&self) -> Vec<LinkRow> {
        self.current
            .values()
            .map(|r| {
                (
                    r.placement.branch.clone(),
                    r.placement.group.clone().unwrap_or_default(),
                    r.placement.audience.code().to_string(),
                    r.link.clone(),
                    r.source.clone(),
                )
            })
            .collect()
    }
}

/// The latest join time (ms) of a member other than the owner, per chat.
pub fn latest_joins(chats: &[PlacedChat]) -> Vec<(i64, i64)> {
    chats
        .iter()
        .filter_map(|(c, _)| {
            Some((
                c.chat.chat_id,
                c.members.iter().filter(|m| !m.is_owner).filter_map(|m| m.join_time).max()?,
            ))
        })
        .collect()
}

/// The current links: the platform's, and the `[links] file` where the platform has none.
pub fn collect(cfg: &Config, roster: &Roster, chats: &[PlacedChat], reader: &Reader) -> LinkSet {
    let (platform, mut problems) = super::from_platform(chats);
    let mut file = Vec::new();
    if let Some(f) = &cfg.links.file {
        let path = cfg.root.join(f);
        let placer = ChatPlacer::new(cfg, roster);
        let resolver = BranchResolver::new(cfg);
        let (recs, probs) = super::from_file(reader, &path, f, &placer, &resolver);
        file = recs;
        problems.extend(probs);
    }
    LinkSet {
        current: super::current(platform, file),
        problems,
    }
}
