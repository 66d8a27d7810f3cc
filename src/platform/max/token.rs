//! The bot's token: from `ROLLOUT_MAX_TOKEN` (it wins) or `[platform] token_file` (must be
//! owner-only). It is never accepted on the command line, never printed or logged, never
//! written to a file we make, and its `Debug` says nothing.

use anyhow::bail;
use std::fmt;
use std::io::Read;
use std::path::Path;

pub const ENV: &str = "ROLLOUT_MAX_TOKEN";

/// A token file bigger than this is not a token (and is not read whole).
const MAX_FILE_BYTES: u64 = 16 * 1024;

#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<скрыт>)")
    }
}

impl Token {
    /// The value for the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A token from text already in hand (tests, the benchmark); surrounding whitespace is
    /// trimmed. None when nothing is left or the text cannot go into an HTTP header.
    pub fn new(text: &str) -> Option<Token> {
        let t = text.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        Some(Token(t.to_string()))
    }
}

/// The token, or None when neither the environment nor a token file gives one.
/// A token file that others can read, or an empty one, is refused with a Russian message.
pub fn load(cfg: &crate::config::Config) -> anyhow::Result<Option<Token>> {
    let env = std::env::var_os(ENV);
    load_from(env.as_deref(), &cfg.root, cfg.platform.token_file.as_deref())
}

/// [`load`] with the environment variable's value and the workspace passed in.
fn load_from(env: Option<&std::ffi::OsStr>, root: &Path, token_file: Option<&str>) -> anyhow::Result<Option<Token>> {
    if let Some(value) = env {
        let Some(text) = value.to_str() else {
            bail!("переменная окружения {ENV} содержит не UTF-8 — запишите в неё токен бота как есть");
        };
        if !text.trim().is_empty() {
            return match Token::new(text) {
                Some(t) => Ok(Some(t)),
                None => {
                    bail!("токен в переменной окружения {ENV} содержит пробелы или непечатаемые символы — скопируйте токен бота заново")
                }
            };
        }
    }
    let Some(rel) = token_file.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let path = root.join(rel);
    read_file(&path).map(Some)
}

fn read_file(path: &Path) -> anyhow::Result<Token> {
    let shown = path.display();
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => bail!(
            "файл с токеном {shown} ([platform] token_file) не читается: {}",
            crate::files::io_ru(&e)
        ),
    };
    if meta.file_type().is_symlink() {
        bail!(
            "файл с токеном {shown} ([platform] token_file) — символическая ссылка; rollout читает токен только из обычного файла: укажите сам файл"
        );
    }
    if !meta.is_file() {
        bail!("файл с токеном {shown} ([platform] token_file) — не обычный файл; укажите файл, где записан только токен бота");
    }
    let mut file = open_no_follow(path).map_err(|e| {
        anyhow::anyhow!(
            "файл с токеном {shown} ([platform] token_file) не читается: {}",
            crate::files::io_ru(&e)
        )
    })?;
    // Checked on the opened file: what was checked is what is read.
    let meta = file
        .metadata()
        .map_err(|e| anyhow::anyhow!("файл с токеном {shown} не читается: {}", crate::files::io_ru(&e)))?;
    if !meta.is_file() {
        bail!("файл с токеном {shown} ([platform] token_file) — не обычный файл; укажите файл, где записан только токен бота");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "файл с токеном {shown} доступен не только владельцу (права {mode:04o}) — токен бота должен быть виден только вам; выполните: chmod 600 {shown}"
            );
        }
    }
    if meta.len() > MAX_FILE_BYTES {
        bail!(
            "файл с токеном {shown} слишком велик для токена ({} байт) — в нём должен быть только токен бота",
            meta.len()
        );
    }
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("файл с токеном {shown} не читается: {}", crate::files::io_ru(&e)))?;
    let Ok(text) = String::from_utf8(bytes) else {
        bail!("файл с токеном {shown} не в UTF-8 — в нём должен быть только токен бота");
    };
    // Windows Notepad starts a UTF-8 file with a byte order mark: not part of the token.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        bail!("файл с токеном {shown} пуст — запишите в него токен бота");
    }
    match Token::new(text) {
        Some(t) => Ok(t),
        None => bail!(
            "в файле с токеном {shown} кроме токена есть пробелы, переводы строк или непечатаемые символы — оставьте в нём только токен бота"
        ),
    }
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::fs::PermissionsExt;

    const SECRET: &str = "s3cr3t-TOKEN-value";

    #[test]
    fn the_isolated_reader_withholds_the_token_variable() {
        assert!(crate::ingest::isolate::WITHHELD_ENV.contains(&ENV));
    }

    fn write(dir: &Path, name: &str, text: &str, mode: u32) {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn err(r: anyhow::Result<Option<Token>>) -> String {
        let e = r.expect_err("должен быть отказ");
        let text = format!("{e:#}");
        assert!(!text.contains(SECRET), "{text}");
        text
    }

    #[test]
    fn env_wins_over_the_file() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "token", "from-file\n", 0o600);
        let t = load_from(Some(OsStr::new("  from-env \n")), d.path(), Some("token"))
            .unwrap()
            .unwrap();
        assert_eq!(t.expose(), "from-env");
        // Even a refused file is not looked at when the environment gives the token.
        write(d.path(), "open", "x", 0o644);
        let t = load_from(Some(OsStr::new("from-env")), d.path(), Some("open")).unwrap().unwrap();
        assert_eq!(t.expose(), "from-env");
    }

    #[test]
    fn an_empty_env_falls_back_to_the_file_and_nothing_is_none() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "token", &format!("{SECRET}\n"), 0o600);
        let t = load_from(Some(OsStr::new("  ")), d.path(), Some("token")).unwrap().unwrap();
        assert_eq!(t.expose(), SECRET);
        assert!(load_from(None, d.path(), None).unwrap().is_none());
        assert!(load_from(Some(OsStr::new("")), d.path(), Some(" ")).unwrap().is_none());
    }

    #[test]
    fn an_owner_only_file_is_read_and_its_newline_trimmed() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "token", &format!("{SECRET}\r\n"), 0o600);
        let t = load_from(None, d.path(), Some("token")).unwrap().unwrap();
        assert_eq!(t.expose(), SECRET);
        assert_eq!(format!("{t:?}"), "Token(<скрыт>)");
        write(d.path(), "ro", SECRET, 0o400);
        assert_eq!(load_from(None, d.path(), Some("ro")).unwrap().unwrap().expose(), SECRET);
    }

    #[test]
    fn a_file_others_can_read_is_refused_with_the_fix() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "token", SECRET, 0o644);
        let text = err(load_from(None, d.path(), Some("token")));
        let p = d.path().join("token");
        assert_eq!(
            text,
            format!(
                "файл с токеном {0} доступен не только владельцу (права 0644) — токен бота должен быть виден только вам; выполните: chmod 600 {0}",
                p.display()
            )
        );
        write(d.path(), "group", SECRET, 0o640);
        assert!(err(load_from(None, d.path(), Some("group"))).contains("chmod 600"));
    }

    #[test]
    fn an_empty_file_is_refused() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "token", "\n", 0o600);
        let text = err(load_from(None, d.path(), Some("token")));
        assert_eq!(
            text,
            format!(
                "файл с токеном {} пуст — запишите в него токен бота",
                d.path().join("token").display()
            )
        );
    }

    #[test]
    fn a_symlink_is_refused_even_to_an_owner_only_file() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "real", SECRET, 0o600);
        std::os::unix::fs::symlink(d.path().join("real"), d.path().join("link")).unwrap();
        let text = err(load_from(None, d.path(), Some("link")));
        assert!(text.contains("символическая ссылка"), "{text}");
    }

    #[test]
    fn a_missing_file_or_a_folder_or_a_bad_token_is_refused_without_the_token() {
        let d = tempfile::tempdir().unwrap();
        assert!(err(load_from(None, d.path(), Some("nope"))).contains("не читается: файла или папки нет"));
        std::fs::create_dir(d.path().join("dir")).unwrap();
        assert!(err(load_from(None, d.path(), Some("dir"))).contains("не обычный файл"));
        write(d.path(), "two", &format!("{SECRET}\n{SECRET}\n"), 0o600);
        assert!(err(load_from(None, d.path(), Some("two"))).contains("кроме токена"));
        let bad = format!("{SECRET} x");
        assert!(err(load_from(Some(OsStr::new(&bad)), d.path(), None)).contains(ENV));
    }
}
