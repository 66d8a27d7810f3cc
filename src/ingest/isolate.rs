//! Each table (a source, a member export, a links file, a plan table) is read in a child
//! process (`rollout __read-source`) under a memory limit (RLIMIT_DATA) and a wall-clock
//! limit, so a file built to exhaust memory or time — or a reader bug that panics — ends
//! in a clear error naming the file and never takes the whole run down. The child prints
//! the workbook as JSON on stdout. `reader::Reader` chooses between this and reading in
//! this process.

use super::read::{ReadOptions, read_file};
use super::table::Workbook;
use crate::config::Config;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

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

#[derive(Serialize, Deserialize)]
enum Reply {
    Ok(Workbook),
    Err(String),
    Panic(String),
}

/// What the hidden `__read-source` subcommand runs.
pub fn child_main(path: &Path, opts: &ReadOptions) -> i32 {
    std::panic::set_hook(Box::new(|_| {}));
    let reply = match std::panic::catch_unwind(|| read_file(path, opts)) {
        Ok(Ok(wb)) => Reply::Ok(wb),
        Ok(Err(e)) => Reply::Err(e.to_string()),
        Err(p) => Reply::Panic(panic_text(&p)),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if serde_json::to_writer(&mut out, &reply).is_err() || out.flush().is_err() {
        return 3;
    }
    0
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

/// The reader child's command line.
fn reader_command(exe: &Path, path: &Path, opts: &ReadOptions) -> Command {
    let mut cmd = Command::new(exe);
    cmd.arg("__read-source").arg(path);
    if let Some(e) = &opts.encoding {
        cmd.arg("--encoding").arg(e);
    }
    if let Some(d) = &opts.delimiter {
        cmd.arg("--delimiter").arg(d);
    }
    for var in WITHHELD_ENV {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

pub fn read_isolated(exe: &Path, path: &Path, opts: &ReadOptions, budget: Budget) -> Result<Workbook, IsolatedError> {
    let mut cmd = reader_command(exe, path, opts);
    let limit = budget.max_memory_mb.saturating_mul(1024 * 1024);
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
    // Both are piped above; a child without them could not be read at all.
    let no_pipe = || IsolatedError::Spawn(std::io::Error::other("нет канала к процессу чтения"));
    let (Some(mut stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        return Err(no_pipe());
    };
    // Parse the reply as it arrives (never the whole JSON in memory besides the workbook
    // it describes), draining the pipe to its end so the child never blocks on it.
    let out_thread = std::thread::spawn(move || {
        let mut reader = std::io::BufReader::with_capacity(1 << 16, &mut stdout);
        let reply = Reply::deserialize(&mut serde_json::Deserializer::from_reader(&mut reader));
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
        reply
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.take(64 * 1024).read_to_end(&mut buf);
        buf
    });
    let status = match child
        .wait_timeout(Duration::from_secs(budget.max_seconds))
        .map_err(IsolatedError::Spawn)?
    {
        Some(s) => s,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            let _ = out_thread.join();
            let _ = err_thread.join();
            return Err(IsolatedError::OverTime(budget.max_seconds));
        }
    };
    let reply = out_thread
        .join()
        .unwrap_or_else(|_| Err(serde::de::Error::custom("поток чтения ответа прервался")));
    let err = String::from_utf8_lossy(&err_thread.join().unwrap_or_default()).into_owned();
    if !status.success() {
        if err.contains("memory allocation") || err.contains("out of memory") || err.contains("capacity overflow") {
            return Err(IsolatedError::OverMemory(budget.max_memory_mb));
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            // An abort (SIGABRT) or SIGSEGV under a memory limit is an allocation that failed.
            if matches!(status.signal(), Some(libc::SIGABRT) | Some(libc::SIGSEGV) | Some(libc::SIGKILL)) {
                return Err(IsolatedError::OverMemory(budget.max_memory_mb));
            }
        }
        return Err(IsolatedError::Crashed(match status.code() {
            Some(code) => format!("процесс чтения завершился с кодом {code}"),
            None => "процесс чтения прерван".to_string(),
        }));
    }
    match reply {
        Ok(Reply::Ok(wb)) => Ok(wb),
        Ok(Reply::Err(e)) => Err(IsolatedError::Unreadable(e)),
        Ok(Reply::Panic(p)) => Err(IsolatedError::Crashed(p)),
        Err(e) => Err(IsolatedError::Crashed(format!("непонятный ответ процесса чтения: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_child_never_gets_the_withheld_variables() {
        let cmd = reader_command(Path::new("rollout"), Path::new("a.csv"), &ReadOptions::default());
        let removed: Vec<_> = cmd.get_envs().filter(|(_, v)| v.is_none()).map(|(k, _)| k.to_owned()).collect();
        assert_eq!(removed, WITHHELD_ENV.map(std::ffi::OsString::from));
    }
}
