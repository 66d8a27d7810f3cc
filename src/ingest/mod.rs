//! Ingest: find the sources, read each within its budget (in parallel, isolated), find
//! the header of every sheet and extract raw records. A bad file is a problem, never the
//! end of the run. Every other table the tool reads (member exports, links files, plan
//! tables) goes through the same `Reader` and the same header finder.

pub mod docx;
pub mod header;
pub mod html;
pub mod isolate;
pub mod layout;
pub mod matrix;
pub mod read;
pub mod reader;
pub mod table;
pub mod text;

pub use read::Formats;
pub use reader::{ReadMode, Reader, UnreadableTable};

use crate::config::{Config, SourceConfig, SourceKind};
use crate::problem::{Location, Problem, Rule};
use header::Field;
use isolate::IsolatedError;
use read::ReadOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use table::{ReadNote, Workbook};

/// One input file as received.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    /// Relative to the workspace, `/`-separated: how problems name it.
    pub rel: String,
    pub spec: Option<SourceConfig>,
}

pub const SUPPORTED: [&str; 8] = read::SPREADSHEETS;

fn rel_path(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// Spreadsheets under `sources/` that `[[sources]]` does not list (they are not read).
pub fn unlisted(cfg: &Config) -> Vec<String> {
    let Some(list) = &cfg.sources else { return Vec::new() };
    let listed: std::collections::HashSet<PathBuf> = list
        .iter()
        .map(|s| cfg.root.join(&s.path))
        .map(|p| p.canonicalize().unwrap_or(p))
        .collect();
    let mut files = Vec::new();
    walk(&cfg.root, &cfg.root.join("sources"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|p| !listed.contains(&p.canonicalize().unwrap_or_else(|_| p.clone())))
        .map(|p| rel_path(&cfg.root, &p))
        .collect()
}

/// The sources: the `[[sources]]` entries, or every spreadsheet under `sources/`,
/// skipping hidden files and Excel lock files (`~$*.xlsx`).
pub fn discover(cfg: &Config) -> (Vec<Source>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    match &cfg.sources {
        Some(list) => {
            for spec in list {
                let path = cfg.root.join(&spec.path);
                if path.is_file() && is_lock_file(&path) {
                    problems.push(Problem::new(
                        Rule::FileUnreadable,
                        Location {
                            file: spec.path.clone(),
                            ..Default::default()
                        },
                        "это не список, а файл блокировки Excel: он лежит рядом с книгой, пока она открыта в Excel, и данных не содержит",
                        "закройте книгу в Excel (файл блокировки исчезнет сам) или уберите эту запись из [[sources]] в rollout.toml и укажите саму книгу",
                    ));
                } else if path.is_file() {
                    out.push(Source {
                        rel: rel_path(&cfg.root, &path),
                        path,
                        spec: Some(spec.clone()),
                    });
                } else {
                    let what = if path.is_dir() {
                        "это папка, а не файл"
                    } else {
                        "файл не найден"
                    };
                    problems.push(Problem::new(
                        Rule::FileUnreadable,
                        Location {
                            file: spec.path.clone(),
                            ..Default::default()
                        },
                        what,
                        format!("{what}; проверьте `path` в [[sources]] файла {}", cfg.path.display()),
                    ));
                }
            }
        }
        None => {
            let dir = cfg.root.join("sources");
            let mut files = Vec::new();
            walk(&cfg.root, &dir, &mut files);
            files.sort();
            for path in files {
                out.push(Source {
                    rel: rel_path(&cfg.root, &path),
                    path,
                    spec: None,
                });
            }
        }
    }
    (out, problems)
}

/// The lock file Excel (`~$Книга.xlsx`) or LibreOffice (`.~lock.Книга.xlsx#`) keeps beside
/// a workbook while it is open: no data, and no zip inside.
fn is_lock_file(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.starts_with("~$") || name.starts_with(".~lock")
}

/// The spreadsheets under `dir`. Directory symlinks are never followed (a link loop such as
/// `sources/self -> .` cannot make the walk endless, and no link leads it out of the
/// workspace); a symlinked file is read only when it resolves inside the workspace `root`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    walk_in(&root, dir, out, 0);
}

fn walk_in(root: &Path, dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    // Deeper than any real sources folder: a guard, not a limit anyone meets.
    const MAX_DEPTH: usize = 32;
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with("~$") || name.starts_with(".~lock") {
            continue;
        }
        let p = e.path();
        // The entry's own type: a symlink is not followed here.
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if depth < MAX_DEPTH {
                walk_in(root, &p, out, depth + 1);
            }
            continue;
        }
        if ft.is_symlink() {
            let inside = p.canonicalize().is_ok_and(|t| t.starts_with(root) && t.is_file());
            if !inside {
                continue;
            }
        }
        if p.extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| SUPPORTED.contains(&x.to_lowercase().as_str()))
        {
            out.push(p);
        }
    }
}

/// One sheet, ready for the roster builder.
#[derive(Debug)]
pub struct IngestedSheet {
    pub source: usize,
    pub sheet: String,
    pub records: layout::SheetRecords,
}

#[derive(Debug, Default)]
pub struct Ingested {
    pub sources: Vec<Source>,
    /// Files under sources/ that [[sources]] does not list.
    pub unlisted: Vec<String>,
    pub sheets: Vec<IngestedSheet>,
    pub problems: Vec<Problem>,
    /// Sources that could not be read at all.
    pub unreadable: usize,
    /// Listed sources that are not there (counted in `unreadable` too).
    pub missing: usize,
}

impl Ingested {
    pub fn location(&self, sheet: &IngestedSheet, cell: impl std::fmt::Display) -> Location {
        Location {
            file: self.sources[sheet.source].rel.clone(),
            sheet: sheet.sheet.clone(),
            cell: cell.to_string(),
        }
    }
}

pub fn ingest(cfg: &Config, mode: &ReadMode, progress: &indicatif::ProgressBar) -> Ingested {
    let (sources, mut problems) = discover(cfg);
    // Files [[sources]] lists that are not there: sources too, none of them read.
    let missing = problems.len();
    let mut unreadable = missing;
    let reader = Reader::for_config(cfg, mode.clone());
    progress.set_length(sources.len() as u64);
    let results = read_all(&sources, &reader, cfg.ingest.jobs, progress);
    let mut sheets = Vec::new();
    for (i, (source, result)) in sources.iter().zip(results).enumerate() {
        match result {
            Ok(wb) => {
                let (s, p) = sheets_of(i, source, wb);
                sheets.extend(s);
                problems.extend(p);
            }
            Err(error) => {
                unreadable += 1;
                problems.push(
                    UnreadableTable {
                        file: source.rel.clone(),
                        error,
                    }
                    .problem(),
                );
            }
        }
    }
    Ingested {
        unlisted: unlisted(cfg),
        sources,
        sheets,
        problems,
        unreadable,
        missing,
    }
}

fn read_all(sources: &[Source], reader: &Reader, jobs: usize, progress: &indicatif::ProgressBar) -> Vec<Result<Workbook, IsolatedError>> {
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    } else {
        jobs
    };
    one_heap();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Workbook, IsolatedError>>>> = Mutex::new((0..sources.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(sources.len()).max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(src) = sources.get(i) else { break };
                    let opts = ReadOptions {
                        encoding: src.spec.as_ref().and_then(|s| s.encoding.clone()),
                        delimiter: src.spec.as_ref().and_then(|s| s.delimiter.clone()),
                    };
                    let r = reader.read(&src.path, &opts, Formats::Spreadsheets);
                    if let Ok(mut guard) = results.lock() {
                        guard[i] = Some(r);
                    }
                    progress.inc(1);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(IsolatedError::Crashed("файл не был прочитан: поток чтения прервался".into()))))
        .collect()
}

/// Blocks of this size and more are mapped on their own, and returned to the system as soon
/// as they are freed (the roster build frees its large lists in pieces of this size).
pub const OWN_MAPPING_BYTES: usize = 4 << 20;

/// Makes every thread allocate from the one heap the main thread uses. The reading threads
/// allocate the workbooks (a large list is hundreds of MiB of cells) and the main thread
/// frees them; with glibc's default of a heap per thread, what the readers free could never
/// be reused by the roster build, and a 700,000-row list would hold both at once. Large
/// blocks are mapped on their own above a fixed size ([`OWN_MAPPING_BYTES`]; by default the
/// threshold rises up to 32 MiB as large blocks are freed).
fn one_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes settings of the allocator; they apply to later allocations.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, OWN_MAPPING_BYTES as libc::c_int);
    }
}

fn sheets_of(index: usize, source: &Source, wb: Workbook) -> (Vec<IngestedSheet>, Vec<Problem>) {
    let mut problems = Vec::new();
    let file_loc = || Location {
        file: source.rel.clone(),
        ..Default::default()
    };
    for note in &wb.notes {
        problems.push(match note {
            ReadNote::XlsIsHtml => Problem::new(Rule::XlsIsHtml, file_loc(), "HTML",
                "это HTML-страница с расширением .xls (так выгружают некоторые электронные журналы); файл прочитан как таблица. Для надёжности откройте его в Excel и сохраните как .xlsx"),
            ReadNote::EncodingUnclear { used } => Problem::new(Rule::EncodingUnclear, file_loc(), used.clone(),
                format!("кодировка не определена уверенно, прочитано как {used}; проверьте ФИО в roster/people.csv или укажите encoding = \"windows-1251\" (или другую) в [[sources]]")),
            ReadNote::CsvMalformed { what } => Problem::new(Rule::CsvMalformed, file_loc(), what.clone(),
                "проверьте кавычки и лишние символы в файле; лучше выгрузите его заново или сохраните из Excel как CSV (разделитель ;)"),
        });
    }
    let forced_kind = source.spec.as_ref().and_then(|s| s.kind);
    let overrides: BTreeMap<String, Field> = source
        .spec
        .as_ref()
        .map(|s| {
            s.columns
                .iter()
                .filter_map(|(k, v)| Some((crate::normalize::text_key(k), Field::from_name(v)?)))
                .collect()
        })
        .unwrap_or_default();
    let skip: Vec<String> = source.spec.as_ref().map(|s| s.skip_sheets.clone()).unwrap_or_default();
    let mut out = Vec::new();
    let non_blank = wb.sheets.iter().filter(|s| !s.is_blank()).count();
    if non_blank == 0 {
        problems.push(Problem::new(
            Rule::FileEmpty,
            file_loc(),
            "",
            "файл пуст: проверьте, что выгрузка сохранилась полностью",
        ));
        return (out, problems);
    }
    for mut sheet in wb.sheets {
        if sheet.is_blank() || skip.contains(&sheet.name) {
            continue;
        }
        sheet.fill_merges();
        let sheet_name = sheet.name.clone();
        let sheet_loc = |cell: &str| Location {
            file: source.rel.clone(),
            sheet: sheet_name.clone(),
            cell: cell.to_string(),
        };
        // A teaching load laid out as a matrix of groups × subjects has no header of fields.
        if let Some(m) = matrix::detect(&sheet, forced_kind, &overrides) {
            let cut = sheet.rows[m.row]
                .iter()
                .enumerate()
                .skip(header::MAX_COLUMNS)
                .find(|(_, c)| !c.is_empty())
                .map(|(i, _)| i);
            if let Some(c) = cut {
                problems.push(Problem::new(
                    Rule::ExtraCells,
                    sheet_loc(&format!("{}{}", table::column_letter(c), m.row + 1)),
                    format!("столбцов в заголовке больше {}", header::MAX_COLUMNS),
                    format!(
                        "таблица нагрузки шире {} столбцов: столбцы правее не прочитаны; разбейте её на несколько листов",
                        header::MAX_COLUMNS
                    ),
                ));
            }
            let records = matrix::extract(&mut sheet, &m);
            out.push(IngestedSheet {
                source: index,
                sheet: sheet_name,
                records,
            });
            continue;
        }
        let Some(h) = header::find_header(&sheet, &overrides) else {
            let sample: Vec<String> = sheet
                .rows
                .iter()
                .take(header::HEADER_SCAN_ROWS)
                .flat_map(|r| r.iter().map(|c| c.as_text()))
                .filter(|t| !t.trim().is_empty())
                .take(6)
                .map(|t| crate::normalize::clean_spaces(&t).chars().take(40).collect())
                .collect();
            // A load (told, or with a subject heading) is told what a load's columns are.
            let load = forced_kind == Some(SourceKind::Teaching)
                || sheet
                    .rows
                    .iter()
                    .take(header::HEADER_SCAN_ROWS)
                    .any(|r| r.iter().any(|c| header::classify(&c.as_text()) == Some(Field::Subject)));
            let expected = if load {
                header::teaching_columns_hint()
            } else {
                header::expected_columns_hint()
            };
            problems.push(Problem::new(Rule::HeaderNotFound, sheet_loc(""), sample.join(" | "),
                format!("не найдена строка заголовков в первых {} строках; ожидаются столбцы {}; переименуйте заголовки или задайте columns = {{ \"Ваш заголовок\" = \"fio\", … }} в [[sources]]; лист без списка людей можно пропустить: skip_sheets = [\"…\"]",
                    header::HEADER_SCAN_ROWS, expected)));
            continue;
        };
        let records = layout::extract(&mut sheet, &h, forced_kind, non_blank > 1);
        if let Some((n, first)) = &records.extra_cells {
            problems.push(Problem::new(
                Rule::ExtraCells,
                sheet_loc(first),
                format!("{n} строк(и)"),
                format!(
                    "значения правее последнего заголовка (столбец {}) не прочитаны; дайте этим столбцам заголовки или удалите их",
                    table::column_letter(h.width.saturating_sub(1))
                ),
            ));
        }
        out.push(IngestedSheet {
            source: index,
            sheet: sheet_name,
            records,
        });
    }
    (out, problems)
}
