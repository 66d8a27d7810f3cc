//! The workspace lock (`.rollout/lock`): an advisory lock (`flock`) that every command
//! writing state or outputs holds for its whole run, so two commands never write one
//! workspace at once. The kernel releases it when the process ends, even after kill -9;
//! the file only names the holder for whoever waits.

use super::StateError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// The lock, held until dropped.
#[must_use = "the workspace is locked only while this is kept"]
pub struct WorkspaceLock {
    _file: File,
}

/// Locks the workspace at `root`, waiting up to `timeout` for another command to finish.
/// `holder` names this command in the lock file (no personal data); `on_wait` is called
/// once, with the other command's name, when it has to wait.
pub fn lock_workspace(root: &Path, holder: &str, timeout: Duration, on_wait: impl FnOnce(&str)) -> Result<WorkspaceLock, StateError> {
    let dir = root.join(".rollout");
    crate::files::ensure_dir(&dir).map_err(|source| StateError::Io { path: dir.clone(), source })?;
    let path = dir.join("lock");
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let io = |source| StateError::Io {
        path: path.clone(),
        source,
    };
    let mut file = opts.open(&path).map_err(io)?;
    let start = Instant::now();
    let mut on_wait = Some(on_wait);
    let mut other = String::new();
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                if let Some(say) = on_wait.take() {
                    other = read_holder(&path);
                    if !timeout.is_zero() {
                        say(&other);
                    }
                }
                let waited = start.elapsed();
                if waited >= timeout {
                    return Err(StateError::Busy {
                        holder: other,
                        seconds: timeout.as_secs(),
                    });
                }
                std::thread::sleep((timeout - waited).min(Duration::from_millis(100)));
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
    }
    // Naming ourselves is a courtesy to whoever waits: a failure here changes nothing.
    let _ = file
        .set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(holder.as_bytes()));
    Ok(WorkspaceLock { _file: file })
}

/// The holder's name as written in the lock file: one short line of printable text.
fn read_holder(path: &Path) -> String {
    let mut text = String::new();
    let _ = File::open(path).and_then(|f| f.take(256).read_to_string(&mut text));
    let line: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect();
    let line = line.trim();
    if line.is_empty() {
        "какой — не записано".to_string()
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock_workspace(dir.path(), "rollout run, процесс 1", Duration::from_secs(1), |_| {}).unwrap();
        let mut seen = Vec::new();
        let Err(err) = lock_workspace(dir.path(), "rollout diff, процесс 2", Duration::from_millis(200), |o| {
            seen.push(o.to_string())
        }) else {
            panic!("a held workspace is busy")
        };
        assert_eq!(seen, ["rollout run, процесс 1"]);
        assert!(matches!(err, StateError::Busy { .. }), "{err}");
        drop(held);
        let _again = lock_workspace(dir.path(), "rollout diff, процесс 2", Duration::ZERO, |_| {}).unwrap();
    }
}
