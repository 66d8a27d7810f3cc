//! Bad input: each file gets a clear error or warning naming it (and the sheet and cell
//! where there is one), no panic, and the other files are still ingested.

use crate::util::*;

/// A workspace with one good file beside the bad one.
fn ws_with_good_file() -> Ws {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/good.xlsx",
        xlsx(&[sheet(
            "5А",
            text_rows(&[&["ФИО", "Дата рождения", "Класс"], &["Хорошев Харитон Ильич", "01.01.2015", "5А"]]),
        )]),
    );
    ws
}

fn assert_good_file_read(ws: &Ws, r: &Run) {
    let people = ws.people();
    assert_eq!(
        find_person(&people, "Хорошев", "Харитон").len(),
        1,
        "the good file is still ingested\n{r}"
    );
}

fn one(rows: &[Row], rule: &str, file: &str) -> Row {
    let hits: Vec<&Row> = rows.iter().filter(|p| p["rule"] == rule && p["file"] == file).collect();
    assert_eq!(hits.len(), 1, "expected one {rule} for {file}, got {rows:#?}");
    hits[0].clone()
}

#[test]
fn empty_files() {
    let ws = ws_with_good_file();
    ws.write("sources/empty.xlsx", b"");
    ws.write("sources/empty.csv", b"");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = ws.problems();
    one(&p, "file-empty", "sources/empty.xlsx");
    one(&p, "file-empty", "sources/empty.csv");
    assert_good_file_read(&ws, &r);
}

#[test]
fn no_recognisable_header_lists_the_expected_columns() {
    let ws = ws_with_good_file();
    ws.write(
        "sources/notes.xlsx",
        xlsx(&[sheet(
            "Примечания",
            text_rows(&[&["Списки сверены с журналом."], &["Вопросы — к секретарю."]]),
        )]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = one(&ws.problems(), "header-not-found", "sources/notes.xlsx");
    assert_eq!(p["sheet"], "Примечания");
    assert_eq!(p["severity"], "error");
    assert!(p["fix"].contains("«ФИО»") && p["fix"].contains("«Дата рождения»"), "{p:?}");
    assert!(p["found"].contains("Списки сверены"), "what the sheet holds is shown: {p:?}");
    assert_good_file_read(&ws, &r);
}

#[test]
fn corrupt_xlsx() {
    let ws = ws_with_good_file();
    let mut bytes = xlsx(&[sheet("x", text_rows(&[&["ФИО"], &["Иванов Иван"]]))]);
    bytes.truncate(bytes.len() / 2);
    ws.write("sources/truncated.xlsx", bytes);
    ws.write(
        "sources/random.xlsx",
        (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<u8>>(),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 3, "a source that cannot be read at all is exit code 3\n{r}");
    let p = ws.problems();
    let t = one(&p, "file-unreadable", "sources/truncated.xlsx");
    assert!(t["found"].contains("повреждён"), "{t:?}");
    one(&p, "file-unreadable", "sources/random.xlsx");
    assert!(t["fix"].contains("сохраните как .xlsx"));
    assert_good_file_read(&ws, &r);
}

#[test]
fn password_protected_xlsx() {
    let ws = ws_with_good_file();
    let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/protected.xlsx")).unwrap();
    ws.write("sources/protected.xlsx", bytes);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 3, "{r}");
    let p = one(&ws.problems(), "file-unreadable", "sources/protected.xlsx");
    assert_eq!(p["found"], "книга защищена паролем", "{r}");
    assert!(p["fix"].contains("пароль"));
    assert_good_file_read(&ws, &r);
}

#[test]
fn csv_in_koi8_and_ibm866_is_decoded() {
    let ws = ws_with_good_file();
    let text = "ФИО;Класс;Дата рождения\nЦветкова Цецилия Павловна;6Б;02.02.2014\nЧернов Чеслав Олегович;6Б;03.03.2014\n";
    ws.write("sources/koi.csv", encoding_rs::KOI8_R.encode(text).0);
    let dos = "ФИО;Класс;Дата рождения\nЩукина Юлия Эдуардовна;6В;04.04.2014\n";
    ws.write("sources/dos.csv", encoding_rs::IBM866.encode(dos).0);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(find_person(&people, "Цветкова", "Цецилия").len(), 1, "KOI8-R decodes\n{r}");
    assert_eq!(find_person(&people, "Щукина", "Юлия").len(), 1, "IBM866 decodes\n{r}");
    assert!(with_rule(&ws.problems(), "encoding-unclear").is_empty(), "{r}");
}

#[test]
fn csv_in_an_unrecognisable_encoding_is_a_warning_naming_the_file() {
    let ws = ws_with_good_file();
    // Bytes no Cyrillic code page makes sense of.
    let junk: Vec<u8> = (0..3000u32)
        .map(|i| [0x80u8, 0x9f, 0xa9, 0xbf, 0x3b, 0x0a, 0x98, 0x83][(i * 13 % 8) as usize])
        .collect();
    ws.write("sources/junk.csv", junk);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = one(&ws.problems(), "encoding-unclear", "sources/junk.csv");
    assert!(p["fix"].contains("encoding"), "{p:?}");
    one(&ws.problems(), "header-not-found", "sources/junk.csv");
    assert_good_file_read(&ws, &r);
}

#[test]
fn a_50_mb_file() {
    let ws = ws_with_good_file();
    let line = format!("{};{}\n", "x".repeat(500), "y".repeat(500));
    let mut big = String::with_capacity(51 * 1024 * 1024);
    while big.len() < 50 * 1024 * 1024 {
        big.push_str(&line);
    }
    ws.write("sources/big.csv", big);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    one(&ws.problems(), "header-not-found", "sources/big.csv");
    assert_good_file_read(&ws, &r);
}

#[test]
fn a_file_over_the_memory_budget() {
    let ws = Ws::new();
    ws.config(&format!("{SCHOOL_TOML}[ingest]\nmax_memory_mb = 64\n"));
    ws.write(
        "sources/good.xlsx",
        xlsx(&[sheet(
            "5А",
            text_rows(&[&["ФИО", "Дата рождения", "Класс"], &["Хорошев Харитон Ильич", "01.01.2015", "5А"]]),
        )]),
    );
    let mut big = String::from("ФИО;Класс\n");
    for i in 0..400_000 {
        big.push_str(&format!("Иванов Иван {i};5А\n"));
    }
    ws.write("sources/huge.csv", big);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 3, "{r}");
    let p = one(&ws.problems(), "file-over-budget", "sources/huge.csv");
    assert!(p["found"].contains("64 МиБ"), "{p:?}");
    assert!(p["fix"].contains("max_memory_mb"));
    assert_good_file_read(&ws, &r);
    // The whole run too: the file over budget is a named problem, the run completes.
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 3, "{r}");
    one(&ws.problems(), "file-over-budget", "sources/huge.csv");
    assert_good_file_read(&ws, &r);
    assert!(ws.path().join("out/roster/roster.xlsx").is_file(), "{r}");
}

#[test]
fn a_row_with_1000_columns() {
    let ws = ws_with_good_file();
    let mut row: Vec<String> = vec!["Широков Шамиль Ильич".into(), "7А".into()];
    row.extend((0..998).map(|i| format!("v{i}")));
    let csv = format!("ФИО;Класс\n{}\nУзкий Ульян Ильич;7А\n", row.join(";"));
    ws.write("sources/wide.csv", csv);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = one(&ws.problems(), "extra-cells", "sources/wide.csv");
    assert_eq!(p["cell"], "C2", "the first extra cell is named");
    assert_eq!(p["severity"], "warning");
    let people = ws.people();
    assert_eq!(
        find_person(&people, "Широков", "Шамиль")[0]["group"],
        "7А",
        "the row itself is kept\n{r}"
    );
    assert_eq!(find_person(&people, "Узкий", "Ульян").len(), 1);
    assert_good_file_read(&ws, &r);
}

#[test]
fn nul_bytes_in_a_csv() {
    let ws = ws_with_good_file();
    ws.write("sources/nul.csv", "ФИО;Класс\nНулев\0 Никита Ильич;8А\n".as_bytes());
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = one(&ws.problems(), "csv-malformed", "sources/nul.csv");
    assert!(p["found"].contains("NUL"), "{p:?}");
    assert_eq!(find_person(&ws.people(), "Нулев", "Никита").len(), 1, "{r}");
    assert_good_file_read(&ws, &r);
}

#[test]
fn unbalanced_quotes_in_a_csv() {
    let ws = ws_with_good_file();
    ws.write("sources/quotes.csv", "ФИО;Класс\n\"Кавычкин Кирилл;9А\nЗакрытов Захар;9А\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = one(&ws.problems(), "csv-malformed", "sources/quotes.csv");
    assert!(p["found"].contains("строке 2"), "{p:?}");
    let people = ws.people();
    assert_eq!(find_person(&people, "Кавычкин", "Кирилл").len(), 1, "{r}");
    assert_eq!(
        find_person(&people, "Закрытов", "Захар").len(),
        1,
        "rows after the quote are not swallowed"
    );
    assert_good_file_read(&ws, &r);
}

#[test]
fn a_missing_configured_source_and_lock_files() {
    let ws = Ws::new();
    ws.config(&format!(
        "{SCHOOL_TOML}[[sources]]\npath = \"sources/nope.xlsx\"\n[[sources]]\npath = \"sources/good.xlsx\"\n"
    ));
    ws.write(
        "sources/good.xlsx",
        xlsx(&[sheet("5А", text_rows(&[&["ФИО", "Класс"], &["Хорошев Харитон Ильич", "5А"]]))]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 3, "{r}");
    one(&ws.problems(), "file-unreadable", "sources/nope.xlsx");
    assert_good_file_read(&ws, &r);

    // Without [[sources]], hidden files and Excel lock files are skipped.
    let ws = ws_with_good_file();
    ws.write("sources/~$good.xlsx", b"lock");
    ws.write("sources/.hidden.csv", b"junk");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(!ws.read("out/problems.csv").contains("~$good"), "{r}");
    assert!(!ws.read("out/problems.csv").contains(".hidden"), "{r}");
}

#[test]
fn the_corpus_of_real_world_workbooks_never_panics_or_hangs() {
    let ws = Ws::new();
    ws.config(&format!("{SCHOOL_TOML}[ingest]\nmax_seconds = 30\n"));
    let corpus = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/calamine-tests"));
    let corpus = if corpus.is_dir() {
        corpus.to_path_buf()
    } else {
        std::path::PathBuf::from("/work/shared/corpus/calamine-tests")
    };
    let mut n = 0;
    for e in std::fs::read_dir(&corpus)
        .expect("shared/corpus/calamine-tests beside the repo")
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        std::fs::copy(e.path(), ws.path().join("sources").join(&name))
            .or_else(|_| {
                std::fs::create_dir_all(ws.path().join("sources"))?;
                std::fs::copy(e.path(), ws.path().join("sources").join(&name))
            })
            .unwrap();
        n += 1;
    }
    assert!(n >= 130, "the corpus has {n} files");
    let started = std::time::Instant::now();
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
    let problems = ws.problems();
    // Every file ends in a roster or a clear problem naming it: each file is either
    // read (its sheets give people or sheet-level problems) or has a file-level problem.
    let file_level: Vec<&Row> = problems
        .iter()
        .filter(|p| ["file-unreadable", "file-over-budget", "file-empty"].contains(&p["rule"].as_str()))
        .collect();
    assert!(file_level.iter().all(|p| !p["found"].is_empty() || p["rule"] == "file-empty"));
    assert!(
        problems.iter().any(|p| p["file"] == "sources/issue_594_dos.ods"),
        "the DoS file is named"
    );
    assert!(
        problems.iter().any(|p| p["file"] == "sources/OOM_alloc3.xls"),
        "the OOM file is named"
    );
    assert!(
        problems.iter().all(|p| !p["found"].chars().any(|c| c.is_control())),
        "no control characters in reports"
    );
    // The budget is 30 s per file; the whole corpus must not come near a hang.
    assert!(started.elapsed().as_secs() < 120, "{r}");
}

#[test]
fn a_file_over_the_time_budget() {
    let ws = Ws::new();
    ws.config(&format!("{SCHOOL_TOML}[ingest]\nmax_seconds = 1\n"));
    ws.write(
        "sources/good.xlsx",
        xlsx(&[sheet(
            "5А",
            text_rows(&[&["ФИО", "Дата рождения", "Класс"], &["Хорошев Харитон Ильич", "01.01.2015", "5А"]]),
        )]),
    );
    // Millions of cells take far longer than a second to read and hand over.
    let mut big = String::from("ФИО;Класс;А;Б;В;Г;Д;Е\n");
    for i in 0..1_500_000 {
        big.push_str(&format!("Медленный Марк {i};5А;1;2;3;4;5;6\n"));
    }
    ws.write("sources/slow.csv", big);
    let started = std::time::Instant::now();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 3, "{r}");
    let p = one(&ws.problems(), "file-over-budget", "sources/slow.csv");
    assert!(p["found"].contains("больше 1 с"), "{p:?}");
    assert!(started.elapsed().as_secs() < 30, "the reader was stopped at its budget");
    assert_good_file_read(&ws, &r);
}
