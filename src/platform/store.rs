//! Pulled snapshots: `.rollout/snapshots/<UTC time>/` (owner-only), each in the snapshot
//! folder format plus `pull.json` (when, what could not be read). A pull writes into a
//! staging folder and becomes current only when it finished: an interrupted or failed pull
//! never replaces the last complete one. (Written in issue 12.)
//!
//! The layout: complete pulls are folders named by their UTC start time
//! (`20261122T101500.123Z`); a pull in progress is `.partial-<time>`; `current` is a small
//! file naming the current folder, replaced atomically by [`Staging::commit`] only. A pull
//! killed midway leaves its `.partial-…` folder, which the next [`Store::begin`] or
//! [`Store::prune`] removes (the workspace lock keeps two pulls from running at once).

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
    /// The store's folder.
    store: PathBuf,
    /// The complete pull's folder name.
    name: String,
}

/// The file naming the current pull's folder.
pub const CURRENT: &str = "current";
/// The start of a staging folder's name.
pub const PARTIAL: &str = ".partial-";
/// What a pull writes besides the snapshot: when it ran and what it could not read.
pub const PULL_JSON: &str = "pull.json";

const STAMP: &str = "%Y%m%dT%H%M%S%.3fZ";

/// Whether `name` is a complete pull's folder name (what we make; anything else in the
/// store is left alone).
fn is_stamp(name: &str) -> bool {
    name.len() == 20 && chrono::NaiveDateTime::parse_from_str(name, STAMP).is_ok()
}

fn invalid(text: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, text)
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
        let pointer = self.dir.join(CURRENT);
        let text = match std::fs::read_to_string(&pointer) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let name = text.trim();
        if !is_stamp(name) {
            return Err(invalid(format!(
                "{}: файл повреждён (в нём не имя папки снимка) — снимите снимок заново: rollout platform pull",
                pointer.display()
            )));
        }
        let dir = self.dir.join(name);
        let pull = dir.join(PULL_JSON);
        let bytes = std::fs::read(&pull).map_err(|e| {
            invalid(format!(
                "{}: не удалось прочитать ({}) — снимите снимок заново: rollout platform pull",
                pull.display(),
                crate::files::io_ru(&e)
            ))
        })?;
        #[derive(serde::Deserialize)]
        struct Finished {
            finished: chrono::DateTime<chrono::Utc>,
        }
        let f: Finished = serde_json::from_slice(&bytes).map_err(|e| {
            invalid(format!(
                "{}: {} — снимите снимок заново: rollout platform pull",
                pull.display(),
                crate::serde_ru::json_error(&e)
            ))
        })?;
        Ok(Some(Current { dir, finished: f.finished }))
    }

    /// Start a pull.
    pub fn begin(&self) -> std::io::Result<Staging> {
        crate::files::ensure_dir(&self.dir)?;
        self.remove_leftovers()?;
        let mut at = chrono::Utc::now();
        // Two pulls within one millisecond (tests) still get distinct folders.
        let name = loop {
            let name = at.format(STAMP).to_string();
            if !self.dir.join(&name).exists() {
                break name;
            }
            at += chrono::Duration::milliseconds(1);
        };
        let dir = self.dir.join(format!("{PARTIAL}{name}"));
        crate::files::ensure_dir(&dir)?;
        Ok(Staging {
            dir,
            store: self.dir.clone(),
            name,
        })
    }

    /// What interrupted pulls left: staging folders and temporary files.
    fn remove_leftovers(&self) -> std::io::Result<Vec<PathBuf>> {
        let mut removed = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let is_dir = entry.file_type()?.is_dir();
            if is_dir && name.starts_with(PARTIAL) {
                std::fs::remove_dir_all(&path)?;
                removed.push(path);
            } else if !is_dir && name.starts_with(crate::files::TMP_PREFIX) {
                std::fs::remove_file(&path)?;
                removed.push(path);
            }
        }
        Ok(removed)
    }

    /// Complete pulls, oldest first.
    fn complete(&self) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_dir() && is_stamp(&name) {
                names.push(name);
            }
        }
        // The names are fixed-width UTC times: their order is the time order.
        names.sort();
        Ok(names)
    }

    /// Remove complete pulls beyond the newest `keep` (never the current one) and what
    /// interrupted pulls left; returns what was removed.
    pub fn prune(&self, keep: usize) -> std::io::Result<Vec<PathBuf>> {
        let mut removed = self.remove_leftovers()?;
        let current = std::fs::read_to_string(self.dir.join(CURRENT)).ok();
        let current = current.as_deref().map(str::trim);
        let names = self.complete()?;
        let old = names.len().saturating_sub(keep);
        for name in &names[..old] {
            if Some(name.as_str()) == current {
                continue;
            }
            let path = self.dir.join(name);
            std::fs::remove_dir_all(&path)?;
            removed.push(path);
        }
        Ok(removed)
    }
}

impl Staging {
    /// Make this pull the current one; returns its final folder.
    pub fn commit(self) -> std::io::Result<PathBuf> {
        let done = self.store.join(&self.name);
        std::fs::rename(&self.dir, &done)?;
        crate::files::write_atomic(&self.store.join(CURRENT), format!("{}\n", self.name).as_bytes(), false)?;
        // The rename and the new pointer reach the disk before we say the pull is current.
        if let Ok(d) = std::fs::File::open(&self.store) {
            let _ = d.sync_all();
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finish(st: &Staging, finished: &str) {
        crate::files::write_atomic(
            &st.dir.join(PULL_JSON),
            format!("{{\"finished\":\"{finished}\"}}").as_bytes(),
            false,
        )
        .unwrap();
    }

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn nothing_is_current_until_a_pull_commits() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::of_workspace(root.path());
        assert!(store.current().unwrap().is_none());
        let st = store.begin().unwrap();
        assert!(st.dir.file_name().unwrap().to_string_lossy().starts_with(PARTIAL));
        finish(&st, "2026-11-22T10:00:05Z");
        assert!(store.current().unwrap().is_none());
        let done = st.commit().unwrap();
        let cur = store.current().unwrap().unwrap();
        assert_eq!(cur.dir, done);
        assert_eq!(cur.finished.to_rfc3339(), "2026-11-22T10:00:05+00:00");
        assert!(is_stamp(&done.file_name().unwrap().to_string_lossy()));
        #[cfg(unix)]
        {
            assert_eq!(mode(&store.dir), 0o700);
            assert_eq!(mode(&done), 0o700);
            assert_eq!(mode(&store.dir.join(CURRENT)), 0o600);
        }
    }

    #[test]
    fn an_abandoned_pull_leaves_the_current_one_and_is_cleaned_up() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::of_workspace(root.path());
        let st = store.begin().unwrap();
        finish(&st, "2026-11-22T10:00:05Z");
        let first = st.commit().unwrap();
        // A pull killed midway: its staging folder stays behind, nothing else changes.
        let killed = store.begin().unwrap();
        std::fs::write(killed.dir.join("chats.json"), b"{\"chats\":[").unwrap();
        let killed_dir = killed.dir.clone();
        drop(killed);
        assert_eq!(store.current().unwrap().unwrap().dir, first);
        // The next pull removes the leftover.
        let next = store.begin().unwrap();
        // (Within one millisecond the new staging folder may take the same name.)
        assert!(!killed_dir.join("chats.json").exists());
        assert!(next.dir.exists());
        let removed = store.prune(30).unwrap();
        assert_eq!(removed, vec![next.dir.clone()]);
        assert_eq!(store.current().unwrap().unwrap().dir, first);
    }

    #[test]
    fn prune_keeps_the_newest_and_always_the_current() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::of_workspace(root.path());
        let mut done = Vec::new();
        for i in 0..4 {
            let st = store.begin().unwrap();
            finish(&st, &format!("2026-11-22T10:00:0{i}Z"));
            done.push(st.commit().unwrap());
        }
        // Something of the user's in the store is never touched.
        std::fs::create_dir_all(store.dir.join("мои заметки")).unwrap();
        let removed = store.prune(2).unwrap();
        assert_eq!(removed, done[..2].to_vec());
        assert!(done[2].exists() && done[3].exists());
        assert!(store.dir.join("мои заметки").exists());
        // keep = 0 still keeps the current pull.
        assert_eq!(store.prune(0).unwrap(), vec![done[2].clone()]);
        assert_eq!(store.current().unwrap().unwrap().dir, done[3]);
    }

    #[test]
    fn a_damaged_pointer_is_an_error_not_silence() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::of_workspace(root.path());
        std::fs::create_dir_all(&store.dir).unwrap();
        std::fs::write(store.dir.join(CURRENT), "../../etc\n").unwrap();
        let e = store.current().unwrap_err();
        assert!(e.to_string().contains("файл повреждён"), "{e}");
    }
}
