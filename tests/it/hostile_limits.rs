//! Excel's limits and very large inputs (issue 11, item 7 and the hold-out files): what
//! does not fit an Excel cell or sheet is cut or continued where it is written, with a
//! warning naming the file, sheet and cell; nothing about one workbook stops the others.

use crate::diff::{base_chats, write_snapshot};
use crate::letters::ws;
use crate::util::Ws;

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// The text of every cell of a sheet of an xlsx, row by row.
fn sheet_cells(path: &std::path::Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let range = wb.worksheet_range(sheet).unwrap_or_else(|e| panic!("{sheet}: {e}"));
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

fn sheet_names(path: &std::path::Path) -> Vec<String> {
    use calamine::{Reader, open_workbook_auto};
    open_workbook_auto(path).unwrap().sheet_names().to_vec()
}

/// A 40,000-character member name and chat title made `diff` exit 3 with no change set
/// and no report: the xlsx writer refused the cell and took the run with it.
#[test]
fn a_40000_character_member_name_and_chat_title_are_cut_not_fatal() {
    let ws = ws();
    let mut chats = base_chats();
    let long_name = leak("Я".repeat(40_000));
    let long_title = leak(format!("ИС-1 Студенты {}", "Ж".repeat(40_000)));
    chats[0].1 = long_title;
    chats[0].2.push((77, long_name, "Незнакомцев", false));
    write_snapshot(&ws, &chats);
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(ws.path().join("out/changes.json").is_file(), "the change set is written\n{r}");
    assert!(ws.path().join("out/report.html").is_file(), "the report is written\n{r}");
    let xlsx = ws.path().join("out/changes.xlsx");
    let cells = sheet_cells(&xlsx, "Главный корпус");
    let header = &cells[0];
    let member_col = header.iter().position(|h| h == "Участник на платформе").unwrap();
    let (row, cut) = cells
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.get(member_col).filter(|c| c.starts_with("ЯЯЯ")).map(|c| (i, c.clone())))
        .expect("the long member name is in the change set");
    assert_eq!(cut.chars().count(), 32_767, "cut to Excel's limit");
    let cut_n = marker_count(&cut, 40_012);
    let cell = format!("{}{}", (b'A' + member_col as u8) as char, row + 1);
    let expected = warning("./out/changes.xlsx", "Главный корпус", &cell, 40_012, cut_n);
    assert!(r.stderr.lines().any(|l| l == expected), "expected the line\n{expected}\n{r}");
    // The chat title is cut the same way wherever it is shown.
    let title_col = header.iter().position(|h| h == "Чат").unwrap();
    assert!(
        cells.iter().any(|r| r
            .get(title_col)
            .is_some_and(|c| c.starts_with("ИС-1 Студенты ЖЖЖ") && c.chars().count() == 32_767)),
        "the long chat title is cut to the limit"
    );
}

/// The number in the marker «… [обрезано: N символов]» at the end of a cut cell; the kept
/// text and the cut part add up to the original length.
fn marker_count(cell: &str, original: usize) -> usize {
    let (kept, tail) = cell
        .rsplit_once("… [обрезано: ")
        .unwrap_or_else(|| panic!("no marker at the end of the cell"));
    let n: usize = tail
        .strip_suffix(" символов]")
        .expect("marker ends with «символов]»")
        .parse()
        .unwrap();
    assert_eq!(kept.chars().count() + n, original, "kept + cut = original");
    n
}

fn warning(file: &str, sheet: &str, cell: &str, len: usize, cut: usize) -> String {
    format!(
        "rollout: внимание: {file}, лист «{sheet}», ячейка {cell}: текст из {len} символов не помещается в ячейку Excel (не больше 32767) — обрезан, в конце пометка «… [обрезано: {cut} символов]»"
    )
}

/// Every cell of every sheet of a workbook that carries the cut marker: (sheet, A1, text).
fn cut_cells(path: &std::path::Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for name in sheet_names(path) {
        for (r, row) in sheet_cells(path, &name).iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if v.contains("… [обрезано: ") {
                    out.push((name.clone(), format!("{}{}", (b'A' + c as u8) as char, r + 1), v.clone()));
                }
            }
        }
    }
    out
}

/// A source with a cell longer than Excel allows lost the whole run: the roster, the
/// problems and the good file beside it.
#[test]
fn a_40000_character_cell_in_a_source_is_cut_in_the_xlsx_and_the_rest_is_written() {
    let ws = Ws::new();
    ws.config(crate::util::COLLEGE_TOML);
    ws.write(
        "sources/good.csv",
        "ФИО;Группа;Филиал;Дата рождения\nИванов Иван Иванович;ИС-1;ГК;01.01.2008\nПетрова Мария Сергеевна;ИС-1;ГК;02.02.2008\n",
    );
    let long = "Ц".repeat(40_000);
    ws.write(
        "sources/odd.csv",
        format!("ФИО;Группа;Филиал;Дата рождения;E-mail\nСидоров Алексей Петрович;ИС-2;ГК;03.03.2008;{long}\n"),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(people.len(), 3, "both files are in the roster\n{r}");
    let problems = ws.problems();
    assert!(
        problems
            .iter()
            .any(|p| p["file"] == "sources/odd.csv" && p["found"].chars().count() >= 40_000),
        "the long e-mail is a problem, kept whole in problems.csv\n{r}"
    );
    let cut = cut_cells(&ws.path().join("out/problems.xlsx"));
    assert!(!cut.is_empty(), "the long cell is cut in problems.xlsx\n{r}");
    for (sheet, cell, text) in &cut {
        assert_eq!(text.encode_utf16().count(), 32_767);
        let original = problems.iter().map(|p| p["found"].chars().count()).max().unwrap();
        let n = marker_count(text, original);
        let expected = warning("./out/problems.xlsx", sheet, cell, original, n);
        assert!(r.stderr.lines().any(|l| l == expected), "expected the line\n{expected}\n{r}");
    }
}

/// A sheet longer than Excel's 1,048,576 rows continues on «Лист (2)» and so on, each with
/// the header. `ROLLOUT_TEST_XLSX_MAX_ROWS` lowers the limit (rows per sheet, header
/// included) so the test stays small.
#[test]
fn a_sheet_over_the_row_limit_continues_on_the_next_sheet() {
    let ws = ws();
    let r = ws.run_env(&["ingest"], &[("ROLLOUT_TEST_XLSX_MAX_ROWS", "4")]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let main: Vec<_> = people.iter().filter(|p| p["branch"].contains("Главный корпус")).collect();
    let path = ws.path().join("out/roster/roster.xlsx");
    let names = sheet_names(&path);
    let parts: Vec<&String> = names.iter().filter(|n| n.starts_with("Главный корпус")).collect();
    let expected_parts = main.len().div_ceil(3);
    assert!(expected_parts >= 3, "the fixture spans several sheets");
    let mut want = vec!["Главный корпус".to_string()];
    want.extend((2..=expected_parts).map(|k| format!("Главный корпус ({k})")));
    assert_eq!(parts, want.iter().collect::<Vec<_>>(), "{names:?}");
    let mut ids = Vec::new();
    for p in &parts {
        let cells = sheet_cells(&path, p);
        assert!(cells.len() <= 4, "{p}: {} rows", cells.len());
        assert_eq!(cells[0][0], "ID", "each part has the header");
        ids.extend(cells[1..].iter().map(|r| r[0].clone()));
    }
    let mut want_ids: Vec<String> = main.iter().map(|p| p["person_id"].clone()).collect();
    want_ids.sort();
    ids.sort();
    assert_eq!(ids, want_ids, "every person once, across the parts");
}

/// Branch names become valid, unique sheet names: no `[]:*?/\`, at most 31 UTF-16 units
/// (Excel counts an emoji as two), no apostrophe at either end.
#[test]
fn odd_branch_names_make_valid_sheet_names() {
    let ws = Ws::new();
    let emoji = "🎨".repeat(20);
    let quoted = format!("{}'хвост", "Б".repeat(30));
    ws.config(&format!(
        "[organization]\nname = \"Дом творчества\"\nprofile = \"college\"\n\n[[branches]]\nname = \"ИС/ТМ: [вечернее]*?\"\nmain = true\n\n[[branches]]\nname = \"{emoji}\"\n\n[[branches]]\nname = \"{quoted}\"\n"
    ));
    ws.write(
        "sources/s.csv",
        format!(
            "ФИО;Группа;Филиал;Дата рождения\nИванов Иван Иванович;ИС-1;ИС/ТМ: [вечернее]*?;01.01.2008\nПетрова Мария Сергеевна;ИЗО-1;{emoji};02.02.2008\nСидоров Алексей Петрович;ИЗО-2;{quoted};03.03.2008\n"
        ),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let names = sheet_names(&ws.path().join("out/roster/roster.xlsx"));
    assert_eq!(names.len(), 3, "{names:?}\n{r}");
    for n in &names {
        assert!(n.encode_utf16().count() <= 31, "{n}");
        assert!(!n.contains(['[', ']', ':', '*', '?', '/', '\\']), "{n}");
        assert!(!n.starts_with('\'') && !n.ends_with('\''), "{n}");
    }
    assert_eq!(names[0], "ИС_ТМ_ _вечернее___");
}
