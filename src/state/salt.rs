//! The workspace secret (`.rollout/salt`, owner-only) behind person ids and СНИЛС hashes:
//! ids are stable across runs in one workspace and reveal nothing outside it.

use super::StateError;
use std::path::Path;

pub fn load_salt(root: &Path) -> Result<Vec<u8>, StateError> {
    let dir = root.join(".rollout");
    let path = dir.join("salt");
    if let Ok(s) = std::fs::read(&path)
        && s.len() >= 16
    {
        return Ok(s);
    }
    crate::output::ensure_dir(&dir).map_err(|source| StateError::Io { path: dir.clone(), source })?;
    let mut salt = vec![0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| StateError::Io {
        path: path.clone(),
        source: std::io::Error::other(format!("no system randomness: {e}")),
    })?;
    let hexed = hex::encode(&salt).into_bytes();
    crate::output::write_private(&path, &hexed).map_err(|source| StateError::Io { path: path.clone(), source })?;
    Ok(hexed)
}
