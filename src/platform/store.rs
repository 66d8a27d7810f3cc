//! Pulled snapshots: `.rollout/snapshots/<UTC time>/` (owner-only), each in the snapshot
//! folder format plus `pull.json` (when, what could not be read). A pull writes into a
//! staging folder and becomes current only when it finished: an interrupted or failed pull
//! never replaces the last complete one. (Written in issue 12.)

use std::path::{Path, PathBuf};

/// `.rollout/snapshots` of a workspace.
pub struct Store {
    pub dir: PathBuf,
}

/// The latest complete pull.
#[derive(Debug, Clone)]
pub struct Current {
    /// The snapshot folder, readable by [`super::snapshot::SnapshotFolder`].
    pub dir: PathBuf,
    /// When the pull finished.
    pub finished: chrono::DateTime<chrono::Utc>,
}

/// A pull in progress: write the snapshot into `dir`, then [`Staging::commit`].
pub struct Staging {
    pub dir: PathBuf,
}

impl Store {
    /// The store of the workspace whose rollout.toml is in `root`.
    pub fn of_workspace(root: &Path) -> Store {
        Store {
            dir: root.join(".rollout").join("snapshots"),
        }
    }

    /// The latest complete pull, None when there is none.
    pub fn current(&self) -> std::io::Result<Option<Current>> {
        unimplemented!("issue 12: the pull helper writes this")
    }

    /// Start a pull.
    pub fn begin(&self) -> std::io::Result<Staging> {
        unimplemented!("issue 12: the pull helper writes this")
    }

    /// Remove complete pulls beyond the newest `keep` (never the current one) and what
    /// interrupted pulls left; returns what was removed.
    pub fn prune(&self, keep: usize) -> std::io::Result<Vec<PathBuf>> {
        let _ = keep;
        unimplemented!("issue 12: the pull helper writes this")
    }
}

impl Staging {
    /// Make this pull the current one; returns its final folder.
    pub fn commit(self) -> std::io::Result<PathBuf> {
        unimplemented!("issue 12: the pull helper writes this")
    }
}
