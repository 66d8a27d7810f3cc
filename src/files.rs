//! Writing files safely: owner-only folders and files, atomic writes, folders swapped in
//! whole. A leaf: the state store and every output writer use it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Creates a folder owner-only, and every missing folder above it too; an existing folder
/// keeps the rights its owner gave it.
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
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

/// Writes `bytes` to `path` atomically and owner-only.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let tmp: PathBuf = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Writes `files` (paths relative to `dir`) owner-only into a fresh folder beside `dir` and
/// swaps it in: readers never see a mix of old and new files, and a failure leaves the old.
pub fn replace_dir(dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    use anyhow::Context;
    let parent = dir.parent().unwrap_or(Path::new("."));
    ensure_dir(parent)?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!(".{name}-tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    ensure_dir(&tmp)?;
    for (rel, bytes) in files {
        let path = tmp.join(rel);
        if let Some(p) = path.parent() {
            ensure_dir(p).with_context(|| format!("не удалось создать папку {}", p.display()))?;
        }
        write_private(&path, bytes).with_context(|| format!("не удалось записать {}", path.display()))?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("не удалось заменить {}", dir.display()))?;
    }
    std::fs::rename(&tmp, dir).with_context(|| format!("не удалось перенести новые файлы в {}", dir.display()))?;
    Ok(())
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
