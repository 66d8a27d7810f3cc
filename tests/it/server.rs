//! The test server (`rollout-testserver`) started for one test: on a free port of
//! 127.0.0.1, with a request log in a temporary file, killed and reaped on drop. Plus a
//! tiny HTTP/1.1 client over `std::net` for tests that talk to it directly.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The token the server expects (`ROLLOUT_TESTSERVER_TOKEN`).
pub const TOKEN: &str = "test-token";

/// One line of the server's `--log`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct LogEntry {
    pub t: f64,
    pub method: String,
    pub path: String,
    pub query: String,
    /// The HTTP status; 0 for a connection dropped without an answer (`--faults`).
    pub status: u16,
}

pub struct Server {
    pub base_url: String,
    pub port: u16,
    child: Child,
    log_dir: tempfile::TempDir,
    dump: Option<PathBuf>,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Start the server on `platform_dir` with `--port 0 --seconds 120 --log <temp>` and
    /// `args`; wait (at most 20 s) for its `listening …` line.
    pub fn start(platform_dir: &Path, args: &[&str]) -> Server {
        Server::start_env(platform_dir, args, &[("ROLLOUT_TESTSERVER_TOKEN", TOKEN)])
    }

    pub fn start_env(platform_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let log_dir = tempfile::tempdir().expect("tempdir");
        let log = log_dir.path().join("requests.jsonl");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollout-testserver"));
        cmd.arg(platform_dir)
            .args(["--port", "0", "--seconds", "120", "--log"])
            .arg(&log)
            .args(args);
        cmd.env_remove("ROLLOUT_TESTSERVER_TOKEN");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start rollout-testserver");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(100));
                panic!("rollout-testserver did not say it listens; stderr:\n{}", stderr.lock().unwrap());
            }
        };
        let base_url = line
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let port = base_url.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
        let dump = args
            .iter()
            .position(|a| *a == "--dump")
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from);
        Server {
            base_url,
            port,
            child,
            log_dir,
            dump,
            stderr,
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.log_dir.path().join("requests.jsonl")
    }

    /// Every request the server answered so far, as logged.
    pub fn log(&self) -> Vec<LogEntry> {
        let text = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        // A line still being written (no newline yet) is not read.
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        complete
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad log line {l:?}: {e}")))
            .collect()
    }

    /// The folder given as `--dump DIR`.
    pub fn dump_dir(&self) -> &Path {
        self.dump.as_deref().expect("the server was started without --dump")
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait (at most `limit`) for the server to exit by itself.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// A request with the right token.
    pub fn call(&self, method: &str, path_and_query: &str, body: Option<&str>) -> Reply {
        request(self.port, method, path_and_query, Some(TOKEN), body).unwrap_or_else(|e| panic!("{method} {path_and_query}: {e}"))
    }

    pub fn get(&self, path_and_query: &str) -> Reply {
        self.call("GET", path_and_query, None)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer: status, headers (names lower-case) and body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`). Err when the
/// connection is closed without an answer, or on a timeout (10 s).
pub fn request(port: u16, method: &str, path_and_query: &str, token: Option<&str>, body: Option<&str>) -> Result<Reply, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut head = format!("{method} {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: {t}\r\n"));
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).map_err(|e| format!("write: {e}"))?;
    stream.write_all(body.as_bytes()).map_err(|e| format!("write: {e}"))?;
    let mut raw = Vec::new();
    let read = stream.read_to_end(&mut raw);
    if raw.is_empty() {
        return Err(format!("closed without an answer ({read:?})"));
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no end of headers")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_string(),
    })
}

/// A snapshot folder written in code: chat `id` → member count. Members are users
/// `id.abs() * 1000 + i`; the first is the owner and an admin.
pub fn platform_dir(root: &Path, chats: &[(i64, usize)]) -> PathBuf {
    let dir = root.join("platform");
    std::fs::create_dir_all(dir.join("members")).unwrap();
    let chat_list: Vec<serde_json::Value> = chats
        .iter()
        .map(|&(id, n)| {
            serde_json::json!({
                "chat_id": id, "type": "chat", "status": "active", "title": format!("Чат {}", -id),
                "icon": null, "description": null, "last_event_time": 1_796_000_000_000_i64,
                "participants_count": n, "is_public": false, "owner_id": id.abs() * 1000,
                "link": format!("https://max.ru/join/link{}", -id), "extra_field": {"kept": true},
            })
        })
        .collect();
    std::fs::write(
        dir.join("chats.json"),
        serde_json::to_vec_pretty(&serde_json::json!({ "chats": chat_list })).unwrap(),
    )
    .unwrap();
    for &(id, n) in chats {
        let members: Vec<serde_json::Value> = (0..n as i64)
            .map(|i| {
                let uid = id.abs() * 1000 + i;
                serde_json::json!({
                    "user_id": uid, "first_name": format!("Имя{i}"), "last_name": format!("Фамилия{i}"),
                    "username": null, "is_bot": false, "last_activity_time": 1_795_000_000_000_i64 + i,
                    "name": null, "description": null, "last_access_time": 1_794_000_000_000_i64,
                    "is_owner": i == 0, "is_admin": i == 0, "join_time": 1_788_000_000_000_i64 + i,
                    "permissions": if i == 0 { serde_json::json!(["read_all_messages", "add_admins"]) } else { serde_json::Value::Null },
                })
            })
            .collect();
        std::fs::write(
            dir.join("members").join(format!("{id}.json")),
            serde_json::to_vec_pretty(&serde_json::json!({ "members": members, "marker": null })).unwrap(),
        )
        .unwrap();
    }
    dir
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else { return out };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The token is in no output and no file rollout made (`out/`, `.rollout/`).
pub fn assert_no_token(ws: &crate::util::Ws, runs: &[&crate::util::Run]) {
    for r in runs {
        assert!(!r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN), "token printed\n{r}");
    }
    for dir in ["out", ".rollout"] {
        for f in files_under(&ws.path().join(dir)) {
            let bytes = std::fs::read(&f).unwrap_or_default();
            assert!(
                !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
                "token in {}",
                f.display()
            );
        }
    }
}
