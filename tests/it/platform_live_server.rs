//! A minimal local copy of the test-server helper (`tests/it/server.rs` of the server
//! branch; the lead keeps one): starts `rollout-testserver` on 127.0.0.1, reads its address
//! from the first line, stops it when dropped.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The token the test server expects and the tests give rollout (never in argv).
pub const TOKEN: &str = "test-token";

/// One line of the server's `--log`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct LogEntry {
    pub t: f64,
    pub method: String,
    pub path: String,
    pub query: String,
    /// 0 for a connection dropped without an answer.
    pub status: u16,
}

pub struct Server {
    child: Child,
    pub base_url: String,
    log_path: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Server {
    /// Serves the snapshot folder `dir` with extra `args` (`--rate`, `--forbid`, …).
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let log_path = tmp.path().join("requests.jsonl");
        let mut child = Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
            .arg(dir)
            .args(["--port", "0", "--seconds", "60", "--log"])
            .arg(&log_path)
            .args(args)
            .env("ROLLOUT_TESTSERVER_TOKEN", TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start rollout-testserver");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("rollout-testserver did not say where it listens within 10 s");
            }
        };
        let base_url = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line from rollout-testserver: {line:?}"))
            .to_string();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
        Server {
            child,
            base_url,
            log_path,
            _tmp: tmp,
        }
    }

    /// Every request the server got so far, one JSON object each.
    pub fn log(&self) -> Vec<LogEntry> {
        std::fs::read_to_string(&self.log_path)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line {l:?}: {e}")))
            .collect()
    }

    pub fn log_path(&self) -> PathBuf {
        self.log_path.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
