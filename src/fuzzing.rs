//! The fuzz targets' bodies (`fuzz/`, `cargo fuzz run NAME`): one function per parser we
//! own, taking arbitrary bytes. The normal test suite replays the committed corpora and
//! every crash found through the same functions (tests/it/fuzz_replay.rs).
//!
//! Each must never panic; where a parser promises an invariant, it is asserted here.

use std::path::{Path, PathBuf};

/// A fresh private folder under the system's temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Option<Scratch> {
        let mut r = [0u8; 8];
        getrandom::fill(&mut r).ok()?;
        let dir = std::env::temp_dir().join(format!("rollout-fuzz-{}", hex::encode(r)));
        std::fs::create_dir(&dir).ok()?;
        Some(Scratch(dir))
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fuzz target's body: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// Every target, by name (the fuzz target's and the corpus folder's).
pub const TARGETS: [(&str, Target); 10] = [
    ("dates", dates),
    ("deadline", deadline),
    ("docx", docx),
    ("groups", groups),
    ("links_file", links_file),
    ("member_export", member_export),
    ("names", names),
    ("plan_toml", plan_toml),
    ("snapshot", snapshot),
    ("source_text", source_text),
];

/// Dates as sources write them, and Excel serials.
pub fn dates(data: &[u8]) {
    use crate::normalize::dates;

    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("a real date");
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = dates::parse_text(s, today);
    }
    if data.len() >= 8 {
        let f = f64::from_le_bytes(data[..8].try_into().expect("eight bytes: the length is checked above"));
        let _ = dates::from_excel_serial(f, false);
        let _ = dates::from_excel_serial(f, true);
    }
}

/// Deadlines as people write them in plans: every window has start ≤ end.
pub fn deadline(data: &[u8]) {
    use crate::plans::deadline::{Context, default_terms, parse};

    let Ok(s) = std::str::from_utf8(data) else { return };
    let terms = default_terms();
    for (year, month) in [(None, None), (Some(2026), Some(11)), (Some(2024), Some(2))] {
        let ctx = Context {
            year,
            month,
            terms: &terms,
            school_year_end: (5, 31),
        };
        if let Ok(w) = parse(s, &ctx) {
            assert!(w.start.is_none_or(|st| st <= w.end), "a window ends before it starts: {w:?}");
        }
    }
}

/// The .docx table reader (zip + WordprocessingML: merged cells, several paragraphs).
pub fn docx(data: &[u8]) {
    let _ = crate::ingest::docx::read_docx(data);
}

/// Group names: the key, a lone name's normalisation (idempotent), group header rows, and
/// the per-branch majority spelling.
pub fn groups(data: &[u8]) {
    use crate::normalize::groups::{GroupNamer, group_key, normalize_alone};

    let Ok(s) = std::str::from_utf8(data) else { return };
    let once = normalize_alone(s);
    assert_eq!(normalize_alone(&once), once, "normalising twice differs from once");
    let _ = group_key(s);
    let _ = crate::ingest::layout::parse_group_row(s);
    let mut namer = GroupNamer::new();
    for part in s.split('|') {
        namer.observe("Главный корпус", part);
    }
    for part in s.split('|') {
        let _ = namer.canonical("Главный корпус", part);
    }
}

/// The links file the admin fills (as CSV), placed against a small workspace; and one link.
pub fn links_file(data: &[u8]) {
    use crate::config::Config;
    use crate::ingest::{ReadMode, Reader};
    use crate::platform::place::ChatPlacer;
    use crate::roster::{BranchResolver, Roster};
    const CONFIG: &str = "[organization]\nname = \"Школа\"\nprofile = \"school\"\n";

    if let Ok(s) = std::str::from_utf8(data) {
        let _ = crate::links::validate(s);
    }
    let Ok(cfg) = Config::parse(CONFIG, Path::new("/nonexistent/rollout.toml")) else {
        return;
    };
    let roster = Roster::default();
    let placer = ChatPlacer::new(&cfg, &roster);
    let resolver = BranchResolver::new(&cfg);
    let Ok(dir) = Scratch::new().ok_or(()) else { return };
    let path = dir.path().join("links.csv");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let reader = Reader::new(ReadMode::InProcess, Default::default());
    let _ = crate::links::from_file(&reader, &path, "links.csv", &placer, &resolver);
}

/// A member export as a CSV file, read in-process through the one reading layer.
pub fn member_export(data: &[u8]) {
    use crate::ingest::{ReadMode, Reader};
    use crate::platform::Platform;
    use crate::platform::export::MemberExport;

    let Ok(dir) = Scratch::new().ok_or(()) else { return };
    let path = dir.path().join("members.csv");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let reader = Reader::new(ReadMode::InProcess, Default::default());
    let _ = MemberExport { path, reader }.load();
}

/// People's names: «ФИО» in one cell or three, short forms, proper case, and the keys.
pub fn names(data: &[u8]) {
    use crate::normalize::names::{PersonName, parse_short_name, proper_case};

    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Some(n) = PersonName::parse_fio(s) {
        let _ = (n.full(), n.short(), n.key(), n.initials_key());
    }
    let mut parts = s.splitn(3, '\n');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if let Some(n) = PersonName::from_parts(a, b, c) {
        let _ = (n.full(), n.key());
    }
    let _ = parse_short_name(s);
    for w in s.split_whitespace() {
        let _ = proper_case(w);
    }
    let _ = crate::normalize::text_key(s);
    let cleaned = crate::normalize::clean_spaces(s);
    assert_eq!(crate::normalize::clean_spaces(&cleaned), cleaned);
}

/// A plan file: the TOML model, then expansion (scopes, deadlines, dependencies, cycles).
pub fn plan_toml(data: &[u8]) {
    use crate::config::Config;
    use crate::plans::model::{PlanFile, expand};
    const CONFIG: &str = "[organization]\nname = \"Колледж\"\nprofile = \"college\"\n\n[[branches]]\nname = \"Главный корпус\"\nmain = true\n\n[[branches]]\nname = \"Заречный филиал\"\naliases = [\"Заречный\"]\n";

    let Ok(s) = std::str::from_utf8(data) else { return };
    let Ok(file) = toml::from_str::<PlanFile>(s) else { return };
    let Ok(cfg) = Config::parse(CONFIG, Path::new("/nonexistent/rollout.toml")) else {
        return;
    };
    let _ = expand(&file, Path::new("/nonexistent/plans/plan.toml"), &cfg);
}

/// A snapshot folder in the MAX Bot API's shape: chats.json and one member file.
pub fn snapshot(data: &[u8]) {
    use crate::platform::Platform;
    use crate::platform::snapshot::SnapshotFolder;

    let cut = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (chats, members) = (&data[..cut], data.get(cut + 1..).unwrap_or(&[]));
    let Ok(dir) = Scratch::new().ok_or(()) else { return };
    let _ = std::fs::write(dir.path().join("chats.json"), chats);
    let _ = std::fs::create_dir(dir.path().join("members"));
    let _ = std::fs::write(dir.path().join("members").join("-1.json"), members);
    let _ = SnapshotFolder {
        dir: dir.path().to_path_buf(),
    }
    .load();
}

/// A CSV/TSV/TXT source as received: encoding and delimiter detection, the header finder,
/// the kind of list, and the layouts' records.
pub fn source_text(data: &[u8]) {
    use crate::ingest::{header, layout, text};
    use std::collections::BTreeMap;

    for ext in ["csv", "txt"] {
        let Ok(mut wb) = text::read_text(data, ext, &Default::default()) else {
            continue;
        };
        let several = wb.sheets.len() > 1;
        for sheet in &mut wb.sheets {
            if let Some(h) = header::find_header(sheet, &BTreeMap::new()) {
                let kind = layout::detect_kind(&h, None);
                let _ = layout::extract(sheet, &h, Some(kind), several);
            }
        }
    }
}
