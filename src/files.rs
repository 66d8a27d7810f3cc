//! Writing files safely: owner-only folders and files, atomic writes, folders swapped in
//! whole. A leaf: the state store and every output writer use it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The start of every temporary name rollout makes: `.rollout-tmp-<pid>-<random>`. The
/// pid says whether the run that made it is still alive (see [`remove_stale_temps`]); the
/// random part makes the name impossible to plant in advance.
pub const TMP_PREFIX: &str = ".rollout-tmp-";

/// What refuses a symbolic link where rollout writes: outputs are never written through one.
pub const SYMLINK_REFUSED: &str = "это символическая ссылка — rollout не пишет через ссылки; удалите её или укажите другую папку --out";

fn refused(text: impl Into<String>) -> std::io::Error {
    std::io::Error::other(text.into())
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// A fresh temporary name beside `dir`'s entries: ours by its prefix, unguessable.
fn tmp_path(dir: &Path) -> std::io::Result<PathBuf> {
    let mut r = [0u8; 8];
    getrandom::fill(&mut r).map_err(|e| refused(format!("нет случайных чисел для имени временного файла: {e}")))?;
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    Ok(dir.join(format!("{TMP_PREFIX}{}-{hex}", std::process::id())))
}

/// What the output folder's bookkeeping (`runlog`, above this leaf) does around each write:
/// installed once by `runlog::begin`; without it, writes are neither checked nor listed.
pub struct Hooks {
    /// Whether `dir` is the output folder itself (which may be a link).
    pub is_out_root: fn(&Path) -> bool,
    /// Refuses to replace a file the tool did not write.
    pub check_file: fn(&Path) -> std::io::Result<()>,
    /// Refuses to replace a folder holding a file the tool did not write.
    pub check_dir: fn(&Path) -> std::io::Result<()>,
    /// Lists files as written (with a folder: exactly these under it).
    pub record: fn(&[PathBuf], Option<&Path>) -> std::io::Result<()>,
}

static HOOKS: std::sync::OnceLock<Hooks> = std::sync::OnceLock::new();

/// Installs the bookkeeping (once per process; later calls keep the first).
pub fn set_hooks(h: Hooks) {
    let _ = HOOKS.set(h);
}

fn hook_is_out_root(dir: &Path) -> bool {
    HOOKS.get().is_some_and(|h| (h.is_out_root)(dir))
}

fn hook_check_file(path: &Path) -> std::io::Result<()> {
    HOOKS.get().map_or(Ok(()), |h| (h.check_file)(path))
}

fn hook_check_dir(dir: &Path) -> std::io::Result<()> {
    HOOKS.get().map_or(Ok(()), |h| (h.check_dir)(dir))
}

fn hook_record(paths: &[PathBuf], under: Option<&Path>) -> std::io::Result<()> {
    HOOKS.get().map_or(Ok(()), |h| (h.record)(paths, under))
}

/// Creates a folder owner-only, and every missing folder above it too; an existing folder
/// keeps the rights its owner gave it. A symbolic link in its place is refused (except the
/// output folder `--out` itself, which a user may link elsewhere).
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    if is_symlink(dir) && !hook_is_out_root(dir) {
        return Err(refused(SYMLINK_REFUSED));
    }
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    #[cfg(unix)]
    {
        // The umask may take bits away; owner-only is what is meant.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically and owner-only. The temporary file is new
/// (`O_EXCL`), has a random name and is opened without following a link; `path` itself
/// being a symbolic link is refused; inside the output folder, a file rollout did not
/// write (not in `OUT/run.json`) is never replaced.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    hook_check_file(path)?;
    write_atomic(path, bytes, true)
}

/// [`write_private`] for a file made as it is written (a large table's text is never held
/// whole): `write` fills the temporary file, which is renamed into place only if it succeeds.
pub fn write_private_with(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    hook_check_file(path)?;
    write_atomic_with(path, true, |f| {
        let mut buffered = std::io::BufWriter::new(f);
        write(&mut buffered)?;
        buffered.flush()
    })
}

/// [`write_private`] without the output folder's bookkeeping (run.json itself, files
/// inside a folder being built for [`replace_dir`]).
pub fn write_atomic(path: &Path, bytes: &[u8], record: bool) -> std::io::Result<()> {
    write_atomic_with(path, record, |f| f.write_all(bytes))
}

fn write_atomic_with(path: &Path, record: bool, write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    if is_symlink(path) {
        return Err(refused(SYMLINK_REFUSED));
    }
    let tmp = tmp_path(dir)?;
    let written = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        }
        let mut f = opts.open(&tmp)?;
        write(&mut f)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if record {
        // Listed before it is in place: a run killed in between leaves a listed file.
        if let Err(e) = hook_record(&[path.to_path_buf()], None) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes `files` (paths relative to `dir`) owner-only into a fresh folder beside `dir` and
/// swaps it in: readers never see a mix of old and new files, and a failure leaves the old
/// (and no temporary folder). A `dir` holding a file rollout did not write (not in
/// `OUT/run.json`) is refused, naming the file: rollout never deletes what it did not make.
pub fn replace_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let new = NewDir::begin(dir)?;
    for (rel, bytes) in files {
        new.write(rel, bytes)?;
    }
    new.finish()
}

/// A folder being written to replace `dir` ([`replace_dir`] in a stream): files go
/// straight into a fresh private folder beside it as they are made — from any thread —
/// and [`NewDir::finish`] syncs it once and swaps it in. Dropped unfinished, the new
/// folder is removed and `dir` stays as it was.
pub struct NewDir {
    dir: PathBuf,
    tmp: PathBuf,
    /// Files written, relative to `dir`, and the folders made for them.
    written: std::sync::Mutex<(Vec<String>, std::collections::HashSet<PathBuf>)>,
    done: bool,
}

impl NewDir {
    pub fn begin(dir: &Path) -> anyhow::Result<NewDir> {
        use anyhow::Context;
        let parent = dir.parent().unwrap_or(Path::new("."));
        ensure_dir(parent).with_context(|| format!("не удалось создать папку {}", parent.display()))?;
        let replace = || format!("не удалось заменить {}", dir.display());
        if is_symlink(dir) {
            return Err(refused(SYMLINK_REFUSED)).with_context(replace);
        }
        hook_check_dir(dir).with_context(replace)?;
        let tmp = tmp_path(parent)?;
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        // A new folder, never one that was there (O_EXCL for folders).
        builder
            .create(&tmp)
            .with_context(|| format!("не удалось создать папку {}", tmp.display()))?;
        let new = NewDir {
            dir: dir.to_path_buf(),
            tmp: tmp.clone(),
            written: std::sync::Mutex::new(Default::default()),
            done: false,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("не удалось создать папку {}", tmp.display()))?;
        }
        Ok(new)
    }

    /// Writes one file (owner-only, never over an existing one) into the new folder; no
    /// fsync of its own — the whole folder is synced once by [`NewDir::finish`].
    pub fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        use anyhow::Context;
        let path = self.tmp.join(rel);
        let folder = path.parent().filter(|p| *p != self.tmp).map(Path::to_path_buf);
        if let Some(p) = folder {
            let made = self.written.lock().map(|w| w.1.contains(&p)).unwrap_or(false);
            if !made {
                ensure_dir(&p).with_context(|| format!("не удалось создать папку {}", p.display()))?;
                if let Ok(mut w) = self.written.lock() {
                    w.1.insert(p);
                }
            }
        }
        write_new(&path, bytes).with_context(|| format!("не удалось записать {}", path.display()))?;
        if let Ok(mut w) = self.written.lock() {
            w.0.push(rel.to_string());
        }
        Ok(())
    }

    /// Opens one new file (owner-only) in the new folder for a writer that streams into it
    /// (a Parquet table written a row group at a time); synced with the folder by
    /// [`NewDir::finish`].
    pub fn create(&self, rel: &str) -> anyhow::Result<std::fs::File> {
        use anyhow::Context;
        let path = self.tmp.join(rel);
        if let Some(p) = path.parent() {
            ensure_dir(p).with_context(|| format!("не удалось создать папку {}", p.display()))?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        }
        let f = opts
            .open(&path)
            .with_context(|| format!("не удалось записать {}", path.display()))?;
        if let Ok(mut w) = self.written.lock() {
            w.0.push(rel.to_string());
        }
        Ok(f)
    }

    /// Syncs the new folder to the disk and puts it in place of `dir`.
    pub fn finish(mut self) -> anyhow::Result<()> {
        use anyhow::Context;
        sync_tree(&self.tmp).with_context(|| format!("не удалось записать на диск {}", self.tmp.display()))?;
        let mut rels = std::mem::take(&mut self.written.get_mut().map_err(|_| anyhow::anyhow!("запись файлов прервалась"))?.0);
        rels.sort();
        let new: Vec<PathBuf> = rels.iter().map(|rel| self.dir.join(rel)).collect();
        // Listed before the swap (old and new together), then exactly the new ones.
        hook_record(&new, None)?;
        swap_in(&self.tmp, &self.dir).with_context(|| format!("не удалось заменить {}", self.dir.display()))?;
        self.done = true;
        hook_record(&new, Some(&self.dir))?;
        Ok(())
    }
}

impl Drop for NewDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// A new owner-only file with `bytes` (no symlink followed, never an existing file).
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    opts.open(path)?.write_all(bytes)
}

/// Everything written under `dir` on the disk: one `syncfs` of its file system on Linux
/// (elsewhere each file), then the folders themselves.
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let d = std::fs::File::open(dir)?;
        use std::os::unix::io::AsRawFd;
        // SAFETY: a valid open descriptor for the duration of the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d)? {
                let p = e?.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    std::fs::File::open(&p)?.sync_all()?;
                }
            }
            std::fs::File::open(&d)?.sync_all()?;
        }
        Ok(())
    }
}

/// Puts the folder `tmp` in place of `dir` (which may not exist). On Linux the two are
/// exchanged in one step, so `dir` is never missing; the old files are then removed.
fn swap_in(tmp: &Path, dir: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(dir).is_err() {
        return std::fs::rename(tmp, dir);
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let a = std::ffi::CString::new(tmp.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
        let b = std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
        // SAFETY: both are valid NUL-terminated paths for the duration of the call.
        let rc = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
        if rc == 0 {
            // `tmp` now holds the old files: all listed (checked above), all ours.
            return std::fs::remove_dir_all(tmp);
        }
    }
    // Elsewhere (or a file system without the exchange): old aside, new in, old removed.
    let old = tmp_path(dir.parent().unwrap_or(Path::new(".")))?;
    std::fs::rename(dir, &old)?;
    if let Err(e) = std::fs::rename(tmp, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(e);
    }
    std::fs::remove_dir_all(&old)
}

/// Removes what earlier runs left in `out` when they were killed or failed: temporary
/// files and folders named by rollout (`.rollout-tmp-<pid>-…`, and the older
/// `.<name>.tmp-<pid>` / `.<name>-tmp-<pid>`) whose process is no longer running. Nothing
/// else is touched; links are removed, never followed.
pub fn remove_stale_temps(out: &Path) {
    fn go(d: &Path, depth: usize) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let name = e.file_name().to_string_lossy().into_owned();
            let p = e.path();
            if let Some(pid) = temp_pid(&name) {
                if !alive(pid) {
                    let _ = if ft.is_dir() {
                        std::fs::remove_dir_all(&p)
                    } else {
                        std::fs::remove_file(&p)
                    };
                }
                continue;
            }
            // Temp names sit beside outputs: OUT, OUT/roster, OUT/plan/…, OUT/links.
            if ft.is_dir() && depth < 2 {
                go(&p, depth + 1);
            }
        }
    }
    go(out, 0);
}

/// The pid in one of rollout's temporary names, or None for any other name.
fn temp_pid(name: &str) -> Option<u32> {
    if let Some(rest) = name.strip_prefix(TMP_PREFIX) {
        let (pid, random) = rest.split_once('-')?;
        if random.len() == 16 && random.bytes().all(|b| b.is_ascii_hexdigit()) {
            return pid.parse().ok();
        }
        return None;
    }
    // Older versions: `.people.csv.tmp-123` (files) and `.letters-tmp-123` (folders).
    let body = name.strip_prefix('.')?;
    let (_, pid) = body.rsplit_once(".tmp-").or_else(|| body.rsplit_once("-tmp-"))?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this pid is running (ours counts as running).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
        // SAFETY: signal 0 only checks that the process exists.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// An OS error as a Russian user reads it: the common kinds in Russian, any other kind
/// with the system's own text.
pub fn io_ru(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "файла или папки нет".into(),
        K::PermissionDenied => "нет прав".into(),
        K::AlreadyExists => "такой файл или папка уже есть".into(),
        K::IsADirectory => "это папка, а не файл".into(),
        K::NotADirectory => "в пути файл там, где должна быть папка".into(),
        K::DirectoryNotEmpty => "папка не пуста".into(),
        K::StorageFull => "нет места на диске".into(),
        K::ReadOnlyFilesystem => "диск только для чтения".into(),
        K::InvalidData => "данные повреждены или не в той кодировке".into(),
        K::UnexpectedEof => "файл обрывается раньше времени".into(),
        K::TimedOut => "время ожидания истекло".into(),
        _ => e.to_string(),
    }
}

/// [`io_ru`] as a `Display` cause: `{}` of `IoRu(&e)`.
pub struct IoRu<'a>(pub &'a std::io::Error);

impl std::fmt::Display for IoRu<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&io_ru(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_ours_only_by_pattern() {
        assert_eq!(temp_pid(".rollout-tmp-123-0123456789abcdef"), Some(123));
        assert_eq!(temp_pid(".people.csv.tmp-42"), Some(42));
        assert_eq!(temp_pid(".letters-tmp-42"), Some(42));
        assert_eq!(temp_pid(".letters-tmp-notes"), None);
        assert_eq!(temp_pid(".rollout-tmp-123-xyz"), None);
        assert_eq!(temp_pid("letters-tmp-42"), None);
        assert_eq!(temp_pid(".hidden"), None);
    }

    #[test]
    fn a_write_through_a_link_is_refused_and_names_are_never_reused() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target");
        std::fs::write(&target, "x").unwrap();
        std::os::unix::fs::symlink(&target, d.path().join("out.csv")).unwrap();
        let e = write_private(&d.path().join("out.csv"), b"y").unwrap_err();
        assert_eq!(e.to_string(), SYMLINK_REFUSED);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "x");
        assert_ne!(tmp_path(d.path()).unwrap(), tmp_path(d.path()).unwrap());
    }
}
