//! Letters, lists, slips and .eml: snapshot tests of every template on fixture data (each
//! also asserting its key facts), and the security rules. The link registry: links.rs.

use crate::diff::{PARENTS, STUDENTS, base_chats, college, write_snapshot};
use crate::util::*;

/// The fixture college with a fixed workspace secret (stable person ids for snapshots),
/// a parent whose name carries markup (and an apostrophe, which survives normalisation
/// and must be escaped in HTML) and one whose name looks like a formula.
pub(crate) fn ws() -> Ws {
    let ws = college();
    ws.write(".rollout/salt", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    ws.write(
        "sources/students.csv",
        format!("{STUDENTS}Скриптов Семён Ильич;ИС-2;ГК;01.03.2008\nФормулов Фома Ильич;@ИС-3;ГК;02.03.2008\n"),
    );
    ws.write(
        "sources/parents.csv",
        format!(
            "{PARENTS}Скриптов Семён Ильич;ИС-2;ГК;<script>alert(1)</script> Д'Арк Мама;мать;89120000009\nСкриптов Семён Ильич;ИС-2;ГК;Скриптов Илья Петрович;отец;\nФормулов Фома Ильич;@ИС-3;ГК;Формулова Фаина Ильинична;мать;89120000011\n"
        ),
    );
    ws.config(&format!(
        "{}\n[letters]\nfrom = \"Колледж <info@college.example>\"\nsignature = \"Администратор Сферума\"\n",
        crate::diff::TOML
    ));
    let mut chats = base_chats();
    // Петров (children in ИС-1 and ИС-2) has joined neither parents' chat yet.
    chats[1].2.retain(|m| m.0 != 12);
    chats[3].2.retain(|m| m.0 != 12);
    write_snapshot(&ws, &chats);
    ws
}

fn files(ws: &Ws, dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(ws.path().join(dir))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn parent_letters_cover_every_child_and_carry_the_rules() {
    let ws = ws();
    let r = ws.run(&["letters"]);
    assert_eq!(r.code, 0, "{r}");
    let petrov = find_person(&ws.people(), "Петров", "Сергей")[0]["person_id"].clone();
    let text = ws.read(&format!("out/letters/parents/{petrov}.txt"));
    // One letter, both children, both links.
    assert!(
        text.contains("Петрова Мария Сергеевна, группа ИС-1") && text.contains("https://max.ru/join/tok102"),
        "{text}"
    );
    assert!(
        text.contains("Волкова Екатерина Павловна, группа ИС-2") && text.contains("https://max.ru/join/tok104"),
        "{text}"
    );
    assert!(text.contains("Правила общения в чатах"), "the rules block");
    assert!(text.contains("не в профиле ребёнка"), "the platform's rule for parents");
    assert!(text.contains("Администратор Сферума"));
    insta::assert_snapshot!("parent_txt", text);
    let html = ws.read(&format!("out/letters/parents/{petrov}.html"));
    assert_eq!(html.matches("class=\"child\"").count(), 2);
    insta::assert_snapshot!("parent_html", html);
    // Only people who must still join get letters by default.
    let ivanova = find_person(&ws.people(), "Иванова", "Анна")[0]["person_id"].clone();
    assert!(
        !ws.path().join(format!("out/letters/parents/{ivanova}.txt")).exists(),
        "Иванова is in her chat already"
    );
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0);
    assert!(
        ws.path().join(format!("out/letters/parents/{ivanova}.txt")).exists(),
        "--all writes everyone's"
    );
    // File names use ids, never names.
    for dir in ["out/letters/parents", "out/letters/curators", "out/letters/staff"] {
        for f in files(&ws, dir) {
            assert!(
                f.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) && !f.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)),
                "{dir}/{f}"
            );
        }
    }
}

#[test]
fn markup_in_a_name_arrives_escaped() {
    let ws = ws();
    let r = ws.run(&["letters"]);
    assert_eq!(r.code, 0, "{r}");
    let people = ws.people();
    // Normalisation keeps the name's letters as text («<script>alert(1)</script> Д'Арк Мама»
    // becomes «Script Alert Script Д'Арк Мама»); the apostrophe it keeps must reach HTML escaped.
    let script = people
        .iter()
        .find(|p| p["surname"].to_lowercase().contains("script"))
        .unwrap_or_else(|| panic!("the parent whose name carried markup is on the roster\n{r}"));
    let name = format!("{} {} {}", script["surname"], script["first_name"], script["patronymic"]);
    assert_eq!(name, "Script Alert Script Д'Арк Мама");
    let escaped = name.replace('\'', "&#39;");
    for dir in ["out/letters/parents", "out/letters/curators"] {
        for f in files(&ws, dir).into_iter().filter(|f| f.ends_with(".html")) {
            let html = ws.read(&format!("{dir}/{f}"));
            assert!(!html.contains("<script"), "{dir}/{f} has a live script tag");
            assert!(!html.contains(&name), "{dir}/{f} has the name unescaped:\n{html}");
        }
    }
    // The curator's packet lists the parent, who has not joined yet, with the name escaped.
    let curator = find_person(&people, "Смирнова", "Ольга")[0]["person_id"].clone();
    let packet = ws.read(&format!("out/letters/curators/{curator}.html"));
    assert!(packet.contains(&format!("<td>{escaped}</td>")), "{packet}");
    insta::assert_snapshot!("curator_html", packet);
    assert!(packet.contains("ИС-2") && packet.contains("Ещё не вступили"), "{packet}");
    assert!(packet.contains("Петров Сергей Олегович"), "who still has to join");
}

#[test]
fn html_is_escaped_in_templates() {
    // Names lose markup in normalisation; the organisation's name reaches every template as
    // written, so it carries the markup here.
    let ws = ws();
    let toml = crate::diff::TOML.replace("name = \"Тестовый колледж\"", "name = \"<script>alert(1)</script> Колледж & Ко\"");
    ws.config(&toml);
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    let petrov = find_person(&ws.people(), "Петров", "Сергей")[0]["person_id"].clone();
    let html = ws.read(&format!("out/letters/parents/{petrov}.html"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;") || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown as text:\n{html}"
    );
    assert!(!html.contains("<script>"), "never live");
    assert!(html.contains("Колледж &amp; Ко"));
    let slips = ws.read("out/letters/slips/Главный_корпус/ИС-1.html");
    assert!(!slips.contains("<script>") && slips.contains("&lt;script&gt;"));
    let curator = find_person(&ws.people(), "Учителева", "Галина")[0]["person_id"].clone();
    assert!(!ws.read(&format!("out/letters/curators/{curator}.html")).contains("<script>"));
    // The plain-text letter keeps the name as written (it is not HTML).
    assert!(
        ws.read(&format!("out/letters/parents/{petrov}.txt"))
            .contains("<script>alert(1)</script> Колледж & Ко")
    );
}

#[test]
fn staff_letters_and_slips() {
    let ws = ws();
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    let staff = find_person(&ws.people(), "Учителева", "Галина")[0]["person_id"].clone();
    let text = ws.read(&format!("out/letters/staff/{staff}.txt"));
    assert!(text.contains("https://max.ru/join/tok107"), "the staff chat of her branch\n{text}");
    assert!(text.contains("Правила общения"));
    insta::assert_snapshot!("staff_txt", text);
    let slips = ws.read("out/letters/slips/Главный_корпус/ИС-1.html");
    let n = slips.matches("class=\"slip\"").count();
    assert!(n >= 7, "{n} slips");
    assert_eq!(slips.matches("<svg class=\"qr\"").count(), n, "one QR per slip");
    // One QR per link, reused by every slip with that link.
    assert_eq!(slips.matches("<symbol id=").count(), 2, "students' and parents' links of ИС-1");
    assert!(slips.contains("@page { size: A4"));
    assert!(slips.matches("class=\"page\"").count() >= n.div_ceil(8));
    assert!(
        !slips.contains("src=\"http") && !slips.contains("<link") && !slips.contains("<script"),
        "opens offline: no external scripts, fonts or styles"
    );
    insta::assert_snapshot!("slips_html", slips.lines().take(12).collect::<Vec<_>>().join("\n"));
}

#[test]
fn eml_files_are_rfc5322_with_encoded_headers() {
    let ws = ws();
    let r = ws.run(&["letters"]);
    assert_eq!(r.code, 0, "{r}");
    let petrov = find_person(&ws.people(), "Петров", "Сергей")[0]["person_id"].clone();
    // Петров has no e-mail: no .eml, he is on the SMS list.
    assert!(!ws.path().join(format!("out/letters/parents/{petrov}.eml")).exists());
    let sms = ws.read("out/letters/lists/sms-excel.csv");
    assert!(sms.starts_with('\u{feff}') && sms.contains("+79120000002"), "{sms}");
    ws.write(
        "sources/parents.csv",
        PARENTS
            .replace(
                "Петров Сергей Олегович;отец;89120000002",
                "Петров Сергей Олегович;отец;89120000002;petrov@mail.example",
            )
            .replace("Кем приходится;Телефон", "Кем приходится;Телефон;E-mail"),
    );
    let r = ws.run(&["letters"]);
    assert_eq!(r.code, 0, "{r}");
    let eml = ws.read(&format!("out/letters/parents/{petrov}.eml"));
    for h in [
        "From: ",
        "To: ",
        "Subject: =?utf-8?B?",
        "Date: ",
        "Message-ID: <",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=\"utf-8\"",
    ] {
        assert!(eml.contains(h), "{h}\n{eml}");
    }
    assert!(eml.contains("<petrov@mail.example>") && eml.contains("<info@college.example>"));
    assert!(eml.contains("\r\n"), "CRLF line ends");
    assert!(!eml.contains("Петров"), "headers are encoded, the body is base64");
}

#[test]
fn mailing_lists_per_branch_and_group_are_neutralised() {
    let ws = ws();
    let mut chats = base_chats();
    chats.push((109, "Родители @ИС-3", vec![(95, "Фаина", "Формулова", false)]));
    write_snapshot(&ws, &chats);
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(files(&ws, "out/letters/lists").contains(&"Главный_корпус.xlsx".to_string()));
    let csv = ws.read("out/letters/lists/Главный_корпус-excel.csv");
    assert!(
        csv.starts_with('\u{feff}') && csv.lines().next().unwrap().contains("ФИО;Кто;E-mail;Телефон;Дети;Группы;Ссылки"),
        "{csv}"
    );
    // A cell starting with @ (here a group name) would run as a formula in Excel.
    let formula = csv.lines().find(|l| l.contains("Формулова")).expect("the row");
    assert!(formula.contains(";'@ИС-3;"), "neutralised: {formula}");
    assert!(
        csv.contains(";+79120000001;") || csv.contains("+79120000001"),
        "a phone stays as it is"
    );
    let print = ws.read("out/letters/lists/print-excel.csv");
    assert!(
        print.contains("Скриптов Илья"),
        "a parent with neither phone nor e-mail is on the print list\n{print}"
    );
    let wb = calamine_sheets(&ws.path().join("out/letters/lists/Главный_корпус.xlsx"));
    assert!(
        wb.contains(&"Все".to_string()) && wb.contains(&"ИС-1".to_string()) && wb.contains(&"ИС-2".to_string()),
        "{wb:?}"
    );
}

pub(crate) fn calamine_sheets(p: &std::path::Path) -> Vec<String> {
    use calamine::Reader;
    let wb: calamine::Xlsx<_> = calamine::open_workbook(p).unwrap();
    wb.sheet_names()
}

#[test]
fn letters_files_are_owner_only_and_links_stay_out_of_the_terminal() {
    let ws = ws();
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        !r.stdout.contains("https://max.ru/join/tok") && !r.stderr.contains("join/tok"),
        "no links on screen\n{r}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for dir in ["out/letters/parents", "out/letters/lists", "out/letters/curators"] {
            for f in files(&ws, dir) {
                let mode = std::fs::metadata(ws.path().join(dir).join(&f)).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{dir}/{f}");
            }
        }
    }
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stdout.contains("tok10"), "links are masked\n{r}");
}

#[test]
fn templates_can_be_overridden_from_the_workspace() {
    let ws = ws();
    ws.write("templates/letters/rules.txt", "Наши правила: вежливость и {{ org }}.\n");
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    let petrov = find_person(&ws.people(), "Петров", "Сергей")[0]["person_id"].clone();
    let text = ws.read(&format!("out/letters/parents/{petrov}.txt"));
    assert!(text.contains("Наши правила: вежливость и Тестовый колледж."), "{text}");
    ws.write("templates/letters/parent.txt", "{{ undefined_thing }}");
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr.contains("templates/letters/parent.txt") || r.stderr.contains("letters/parent.txt"),
        "the template is named\n{r}"
    );
}
