//! One reading layer: member exports, links files and plan tables are read like roster
//! sources — isolated, under the `[ingest]` budget — and a file that cannot be read is
//! reported naming it, with each command's exit code as before.

use crate::diff::{TOML, base_chats, college, write_snapshot};
use crate::util::*;

/// An xlsx cut in half: a zip without its central directory.
fn damaged_xlsx() -> Vec<u8> {
    let mut bytes = xlsx(&[sheet("x", text_rows(&[&["ID", "ФИО", "Чат"], &["1", "Иванов Иван", "ИС-1"]]))]);
    bytes.truncate(bytes.len() / 2);
    bytes
}

#[test]
fn a_damaged_member_export_is_named_and_stops_the_diff() {
    let ws = college();
    ws.config(&TOML.replace("snapshot = \"platform/\"", "export = \"members.xlsx\""));
    ws.write("members.xlsx", damaged_xlsx());
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("members.xlsx"), "the file is named\n{r}");
    assert!(r.stderr.contains("файл повреждён"), "{r}");
}

#[test]
fn a_member_export_is_read_under_the_time_budget() {
    let ws = college();
    ws.config(&format!(
        "{}[ingest]\nmax_seconds = 1\n",
        TOML.replace("snapshot = \"platform/\"", "export = \"members.csv\"")
    ));
    // Millions of cells take far longer than a second to read and hand over.
    let mut big = String::from("ID;ФИО;Чат;Роль;А;Б;В;Г\n");
    for i in 0..1_500_000 {
        big.push_str(&format!("{i};Медленный Марк;Родители ИС-1;участник;1;2;3;4\n"));
    }
    ws.write("members.csv", big);
    let started = std::time::Instant::now();
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("members.csv") && r.stderr.contains("больше 1 с"), "{r}");
    assert!(started.elapsed().as_secs() < 30, "the reader was stopped at its budget\n{r}");
}

#[test]
fn a_damaged_links_file_is_named_as_a_link_problem() {
    let ws = college();
    ws.config(&format!("{TOML}\n[links]\nfile = \"links.xlsx\"\n"));
    write_snapshot(&ws, &base_chats());
    ws.write("links.xlsx", damaged_xlsx());
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout.contains("ссылка не принята: links.xlsx") && r.stdout.contains("файл повреждён"),
        "{r}"
    );
    // The platform's links are still taken.
    assert!(r.stdout.contains("Ссылок: "), "{r}");
    assert!(!r.stdout.contains("Ссылок: 0;"), "{r}");
}

#[test]
fn a_damaged_plan_table_is_named_and_writes_nothing() {
    let ws = Ws::new();
    ws.write("plan.xlsx", damaged_xlsx());
    let r = ws.run(&["plan", "import", "plan.xlsx", "--to", "plans/p.toml"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("plan.xlsx: файл повреждён"), "{r}");
    ws.write("plan.docx", "not a zip at all");
    let r = ws.run(&["plan", "import", "plan.docx", "--to", "plans/p.toml"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("plan.docx: это не документ Word"), "{r}");
    ws.write("plan.pdf", "%PDF-1.4");
    let r = ws.run(&["plan", "import", "plan.pdf", "--to", "plans/p.toml"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("plan.pdf: неизвестный тип файла «.pdf»"), "{r}");
    assert!(!ws.path().join("plans/p.toml").exists());
}
