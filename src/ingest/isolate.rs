//! Each table (a source, a member export, a links file, a plan table) is read in a child
//! process (`rollout __read-source`) under a memory limit (RLIMIT_DATA) and a wall-clock
//! limit, so a file built to exhaust memory or time — or a reader bug that panics — ends
//! in a clear error naming the file and never takes the whole run down.
//!
//! A child reads file after file: the parent keeps a small pool of them (one per reading
//! thread), sends each a request and gets the workbook back as one length-prefixed
//! postcard frame — a compact binary form, read without a parse of text. A child that
//! read a large file is not reused (what its heap kept would count against the next
//! file's memory limit); a child that runs out of time is killed; one that dies is
//! replaced, and a file that failed in a child that had read others before is read once
//! more in a fresh child, so a file is never blamed for what an earlier one left behind.
//! `reader::Reader` chooses between this and reading in this process.

use super::read::{ReadOptions, read_file};
use super::table::Workbook;
use crate::config::Config;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub max_memory_mb: u64,
    pub max_seconds: u64,
}

impl Budget {
    /// The `[ingest]` limits of the workspace.
    pub fn of(cfg: &Config) -> Budget {
        Budget {
            max_memory_mb: cfg.ingest.max_memory_mb,
            max_seconds: cfg.ingest.max_seconds,
        }
    }
}

impl Default for Budget {
    /// The `[ingest]` defaults, for reading without a workspace.
    fn default() -> Self {
        let d = crate::config::IngestConfig::default();
        Budget {
            max_memory_mb: d.max_memory_mb,
            max_seconds: d.max_seconds,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IsolatedError {
    #[error("для чтения понадобилось больше {0} МиБ памяти")]
    OverMemory(u64),
    #[error("чтение заняло больше {0} с")]
    OverTime(u64),
    #[error("{0}")]
    Unreadable(String),
    #[error("программа чтения не справилась с файлом ({0}); сообщите разработчикам, если можете передать файл")]
    Crashed(String),
    #[error("не запускается процесс чтения: {}", crate::files::IoRu(.0))]
    Spawn(std::io::Error),
}

/// One request to a reader child: the file (its path's bytes) and the `[[sources]]` options.
#[derive(Serialize, Deserialize)]
struct Request {
    path: Vec<u8>,
    encoding: Option<String>,
    delimiter: Option<String>,
}

#[derive(Serialize, Deserialize)]
enum Reply {
    Ok(Workbook),
    Err(String),
    Panic(String),
}

/// Frames on the pipes: a little-endian u64 length, then that many bytes of postcard.
fn write_frame(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&(bytes.len() as u64).to_le_bytes())?;
    w.write_all(bytes)?;
    w.flush()
}

/// The next frame, or None at the end of the stream.
fn read_frame(r: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 8];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u64::from_le_bytes(len);
    let mut buf = Vec::new();
    r.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
    }
    Ok(Some(buf))
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(unix)]
fn bytes_path(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn bytes_path(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// What the hidden `__read-source` subcommand runs: requests from stdin, one reply frame
/// each on stdout, until stdin ends (0) or a reply cannot be written (3).
pub fn child_main() -> i32 {
    std::panic::set_hook(Box::new(|_| {}));
    let stdin = std::io::stdin();
    let mut input = std::io::BufReader::new(stdin.lock());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    loop {
        let request = match read_frame(&mut input) {
            Ok(Some(frame)) => postcard::from_bytes::<Request>(&frame).ok(),
            Ok(None) => return 0,
            Err(_) => return 3,
        };
        let reply = match request {
            None => Reply::Err("непонятный запрос к процессу чтения".into()),
            Some(r) => {
                let path = bytes_path(r.path);
                let opts = ReadOptions {
                    encoding: r.encoding,
                    delimiter: r.delimiter,
                };
                match std::panic::catch_unwind(|| read_file(&path, &opts)) {
                    Ok(Ok(wb)) => Reply::Ok(wb),
                    Ok(Err(e)) => Reply::Err(e.to_string()),
                    Err(p) => Reply::Panic(panic_text(&p)),
                }
            }
        };
        let Ok(bytes) = postcard::to_allocvec(&reply) else {
            return 3;
        };
        drop(reply);
        if write_frame(&mut out, &bytes).is_err() {
            return 3;
        }
    }
}

/// A reader library's panic, for the error message: said to be the library's own text (it is
/// English, and meant for the developers the message asks the user to tell).
fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    let text = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned());
    match text {
        Some(t) => format!("сбой в библиотеке чтения; её сообщение для разработчиков: «{t}»"),
        None => "сбой в библиотеке чтения".to_string(),
    }
}

/// Reads in this process, catching panics; for library tests.
pub fn read_in_process(path: &Path, opts: &ReadOptions) -> Result<Workbook, IsolatedError> {
    match std::panic::catch_unwind(|| read_file(path, opts)) {
        Ok(Ok(wb)) => Ok(wb),
        Ok(Err(e)) => Err(IsolatedError::Unreadable(e.to_string())),
        Err(p) => Err(IsolatedError::Crashed(panic_text(&p))),
    }
}

/// Environment variables the reader child never inherits: secrets a process parsing an
/// untrusted file has no use for (the bot's token, `platform::max::token::ENV`; named
/// here, not imported, so that ingest does not depend on platform).
pub const WITHHELD_ENV: [&str; 1] = ["ROLLOUT_MAX_TOKEN"];

/// A file at least this large is read by a child that is not reused afterwards.
const RECYCLE_BYTES: u64 = 8 << 20;

/// The reader child's command line.
fn reader_command(exe: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg("__read-source");
    for var in WITHHELD_ENV {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// A running reader child.
struct Session {
    exe: PathBuf,
    memory_mb: u64,
    child: Child,
    stdin: ChildStdin,
    /// Reply frames as they arrive (a thread reads the child's stdout); closed when it ends.
    replies: Receiver<std::io::Result<Vec<u8>>>,
    /// Drains the child's stderr; gives its last 64 KiB once the child has ended.
    stderr: std::thread::JoinHandle<Vec<u8>>,
    /// Files it has read.
    reads: u32,
}

/// Children waiting for their next file.
static POOL: Mutex<Vec<Session>> = Mutex::new(Vec::new());

impl Session {
    fn spawn(exe: &Path, memory_mb: u64) -> Result<Session, IsolatedError> {
        let mut cmd = reader_command(exe);
        let limit = memory_mb.saturating_mul(1024 * 1024);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let rl = libc::rlimit {
                        rlim_cur: limit as libc::rlim_t,
                        rlim_max: limit as libc::rlim_t,
                    };
                    if libc::setrlimit(libc::RLIMIT_DATA, &rl) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().map_err(IsolatedError::Spawn)?;
        // All three are piped above; a child without them could not be used at all.
        let (Some(stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(IsolatedError::Spawn(std::io::Error::other("нет канала к процессу чтения")));
        };
        let (tx, replies) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = std::io::BufReader::with_capacity(1 << 16, stdout);
            loop {
                match read_frame(&mut reader) {
                    Ok(Some(frame)) => {
                        if tx.send(Ok(frame)).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut reader = std::io::BufReader::new(stderr);
            let mut tail = Vec::new();
            loop {
                let n = match reader.fill_buf() {
                    Ok([]) | Err(_) => break,
                    Ok(chunk) => {
                        tail.extend_from_slice(chunk);
                        chunk.len()
                    }
                };
                reader.consume(n);
                let over = tail.len().saturating_sub(64 * 1024);
                tail.drain(..over);
            }
            tail
        });
        Ok(Session {
            exe: exe.to_path_buf(),
            memory_mb,
            child,
            stdin,
            replies,
            stderr,
            reads: 0,
        })
    }

    /// A waiting child for this executable and memory limit, or a new one.
    fn take(exe: &Path, memory_mb: u64) -> Result<Session, IsolatedError> {
        let waiting = POOL.lock().ok().and_then(|mut pool| {
            let i = pool.iter().position(|s| s.exe == exe && s.memory_mb == memory_mb)?;
            Some(pool.swap_remove(i))
        });
        match waiting {
            Some(s) => Ok(s),
            None => Session::spawn(exe, memory_mb),
        }
    }

    fn put_back(self) {
        if let Ok(mut pool) = POOL.lock() {
            pool.push(self);
        }
    }

    /// Sends one request and waits for its reply up to `seconds`.
    fn ask(&mut self, path: &Path, opts: &ReadOptions, seconds: u64) -> Outcome {
        self.reads += 1;
        let request = Request {
            path: path_bytes(path),
            encoding: opts.encoding.clone(),
            delimiter: opts.delimiter.clone(),
        };
        let Ok(bytes) = postcard::to_allocvec(&request) else {
            return Outcome::Failed(IsolatedError::Crashed("запрос к процессу чтения не составлен".into()));
        };
        if write_frame(&mut self.stdin, &bytes).is_err() {
            return Outcome::Died;
        }
        match self.replies.recv_timeout(Duration::from_secs(seconds)) {
            Ok(Ok(frame)) => match postcard::from_bytes::<Reply>(&frame) {
                Ok(Reply::Ok(wb)) => Outcome::Read(wb),
                Ok(Reply::Err(e)) => Outcome::Failed(IsolatedError::Unreadable(e)),
                Ok(Reply::Panic(p)) => Outcome::Failed(IsolatedError::Crashed(p)),
                Err(e) => Outcome::Failed(IsolatedError::Crashed(format!("непонятный ответ процесса чтения: {e}"))),
            },
            Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => Outcome::Died,
            Err(RecvTimeoutError::Timeout) => Outcome::OverTime,
        }
    }

    /// Why the child ended (it has closed its stdout or broken the pipe): waits for it.
    fn death(mut self, memory_mb: u64) -> IsolatedError {
        let _ = self.child.kill();
        let status = self.child.wait();
        // The child has ended and its stderr with it: the thread has read its last words.
        let err = String::from_utf8_lossy(&self.stderr.join().unwrap_or_default()).into_owned();
        if err.contains("memory allocation") || err.contains("out of memory") || err.contains("capacity overflow") {
            return IsolatedError::OverMemory(memory_mb);
        }
        match status {
            Ok(status) => {
                #[cfg(unix)]
                {
                    use std::os::unix::process::ExitStatusExt;
                    // An abort (SIGABRT) or SIGSEGV under a memory limit is an allocation that failed.
                    if matches!(status.signal(), Some(libc::SIGABRT) | Some(libc::SIGSEGV) | Some(libc::SIGKILL)) {
                        return IsolatedError::OverMemory(memory_mb);
                    }
                }
                IsolatedError::Crashed(match status.code() {
                    Some(code) => format!("процесс чтения завершился с кодом {code}"),
                    None => "процесс чтения прерван".to_string(),
                })
            }
            Err(e) => IsolatedError::Spawn(e),
        }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Outcome {
    Read(Workbook),
    Failed(IsolatedError),
    Died,
    OverTime,
}

pub fn read_isolated(exe: &Path, path: &Path, opts: &ReadOptions, budget: Budget) -> Result<Workbook, IsolatedError> {
    let large = std::fs::metadata(path).map(|m| m.len() >= RECYCLE_BYTES).unwrap_or(true);
    let mut session = Session::take(exe, budget.max_memory_mb)?;
    loop {
        let reused = session.reads > 0;
        let outcome = session.ask(path, opts, budget.max_seconds);
        let error = match outcome {
            Outcome::Read(wb) => {
                if large {
                    session.kill();
                } else {
                    session.put_back();
                }
                return Ok(wb);
            }
            Outcome::Failed(e) => {
                session.put_back();
                return Err(e);
            }
            Outcome::OverTime => {
                session.kill();
                return Err(IsolatedError::OverTime(budget.max_seconds));
            }
            Outcome::Died => session.death(budget.max_memory_mb),
        };
        // A child that had read other files first died: once more in a fresh one.
        if !reused {
            return Err(error);
        }
        session = Session::spawn(exe, budget.max_memory_mb)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_child_never_gets_the_withheld_variables() {
        let cmd = reader_command(Path::new("rollout"));
        let removed: Vec<_> = cmd.get_envs().filter(|(_, v)| v.is_none()).map(|(k, _)| k.to_owned()).collect();
        assert_eq!(removed, WITHHELD_ENV.map(std::ffi::OsString::from));
    }

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut buf = Vec::new();
        write_frame(&mut buf, b"abc").unwrap();
        write_frame(&mut buf, b"").unwrap();
        let mut r = std::io::Cursor::new(buf);
        assert_eq!(read_frame(&mut r).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_frame(&mut r).unwrap(), Some(Vec::new()));
        assert_eq!(read_frame(&mut r).unwrap(), None);
    }

    #[test]
    fn a_cut_frame_is_an_error_not_a_reply() {
        let mut buf = Vec::new();
        write_frame(&mut buf, b"abcdef").unwrap();
        buf.truncate(10);
        assert!(read_frame(&mut std::io::Cursor::new(buf)).is_err());
    }

    #[test]
    fn a_workbook_survives_the_binary_form() {
        use super::super::table::{Cell, Merge, Sheet};
        let wb = Workbook {
            sheets: vec![Sheet {
                name: "Лист1".into(),
                rows: vec![vec![
                    Cell::Text("Иванов".into()),
                    Cell::Number(1.5),
                    Cell::Date(2010, 3, 4),
                    Cell::Empty,
                    Cell::Bool(true),
                    Cell::Error("#REF!".into()),
                ]],
                merges: vec![Merge {
                    first_row: 0,
                    first_col: 0,
                    last_row: 1,
                    last_col: 2,
                }],
            }],
            notes: vec![super::super::table::ReadNote::EncodingUnclear { used: "cp1251".into() }],
            is_text: true,
        };
        let bytes = postcard::to_allocvec(&Reply::Ok(wb.clone())).unwrap();
        let Ok(Reply::Ok(back)) = postcard::from_bytes::<Reply>(&bytes) else {
            panic!("not a workbook")
        };
        assert_eq!(back.sheets[0].rows, wb.sheets[0].rows);
        assert_eq!(back.sheets[0].merges, wb.sheets[0].merges);
        assert_eq!(back.notes, wb.notes);
        assert!(back.is_text);
    }
}
