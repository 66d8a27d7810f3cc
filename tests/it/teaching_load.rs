//! The teaching load (`kind = "teaching"`): every layout a school or college exports — one
//! row per teacher, group and subject (title rows, merged teacher cells, Windows-1251 CSV),
//! the matrices of groups × subjects (both ways round) and the «тарификация» of hours per
//! group — read into `out/roster/teaching.csv`, with its three problem rules.

use crate::util::*;

const STUDENTS: &str = include_str!("../fixtures/teaching/Ученики.csv");
const STAFF: &str = include_str!("../fixtures/teaching/Сотрудники.csv");

/// A school with five students in 5А, 5Б and 6А and four teachers.
fn school() -> Ws {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write("sources/Ученики.csv", STUDENTS);
    ws.write("sources/Сотрудники.csv", STAFF);
    ws
}

/// The same school with `[[sources]]` listed, the load at `load` with `extra` settings.
fn school_listed(load: &str, extra: &str) -> Ws {
    let ws = Ws::new();
    ws.config(&format!(
        "{SCHOOL_TOML}\n[[sources]]\npath = \"sources/Ученики.csv\"\n\n[[sources]]\npath = \"sources/Сотрудники.csv\"\n\n[[sources]]\npath = \"{load}\"\n{extra}\n"
    ));
    ws.write("sources/Ученики.csv", STUDENTS);
    ws.write("sources/Сотрудники.csv", STAFF);
    ws
}

/// teaching.csv as «Фамилия group subject hours» lines, sorted (the file orders a group's
/// teachers of one subject by their pseudonymous ids).
fn load_lines(ws: &Ws) -> Vec<String> {
    let people = ws.people();
    let surname = |id: &str| {
        people
            .iter()
            .find(|p| p["person_id"] == id)
            .map(|p| p["surname"].clone())
            .unwrap_or_else(|| format!("?{id}"))
    };
    ws.csv("out/roster/teaching.csv")
        .iter()
        .map(|r| format!("{} {} {} {}", surname(&r["person_id"]), r["group"], r["subject"], r["hours"]))
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn sorted(lines: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// «rule cell» of the teaching problems, sorted.
fn load_problems(ws: &Ws) -> Vec<String> {
    ws.problems()
        .iter()
        .filter(|p| p["rule"].starts_with("teaching-"))
        .map(|p| format!("{} {}", p["rule"], p["cell"]))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn count(ws: &Ws, rule: &str) -> usize {
    with_rule(&ws.problems(), rule).len()
}

#[test]
fn rows_with_a_title_merged_teacher_cells_and_every_spelling() {
    let ws = school();
    let t = |v: &'static str| s(v);
    let mut sp = sheet(
        "Тарификация",
        vec![
            vec![t("Тарификация на 2026/27 учебный год"), C::E, C::E, C::E, C::E],
            vec![],
            vec![t("№"), t("Учитель"), t("Класс"), t("Предмет"), t("Часы")],
            vec![C::N(1.0), t("Иванова Ирина Ивановна"), t("5А"), t("Математика"), C::N(5.0)],
            vec![C::N(2.0), C::E, t("5Б"), t("Математика"), C::N(5.0)],
            vec![C::N(3.0), C::E, t("6А"), t("Математика"), C::N(4.0)],
            vec![C::N(4.0), t("ИВАНОВА И. И."), t("5 A"), t("Алгебра"), C::N(2.0)],
            vec![C::N(5.0), t("Королева А.П."), t("5-А"), t("Физика"), t("2")],
            vec![C::N(6.0), C::E, t("5Б"), t("Физика"), C::N(2.0)],
            vec![C::N(7.0), t("Вакансия"), t("6А"), t("Физика"), C::N(2.0)],
            vec![C::N(8.0), t("Сидоров С.С."), t("5А"), t("Химия"), C::N(1.0)],
            vec![C::N(9.0), t("Петров П.П."), t("7В"), t("Русский язык"), C::N(4.0)],
            vec![C::N(10.0), t("Петров П.П."), t("5А, 5Б"), t("Русский язык"), C::N(4.0)],
            vec![C::N(11.0), t("Иванова И.И."), t("5а"), t("Математика"), C::N(1.0)],
            vec![t("Итого"), C::E, C::E, C::E, C::N(32.0)],
        ],
    );
    // The title across the table; Иванова written once over her three rows.
    sp.merges = vec![(0, 0, 0, 4), (3, 1, 5, 1)];
    ws.write("sources/Нагрузка.xlsx", xlsx(&[sp]));
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(
        load_lines(&ws),
        sorted(&[
            "Иванова 5А Алгебра 2",
            "Иванова 5А Математика 6",
            "Петров 5А Русский язык 4",
            "Королёва 5А Физика 2",
            "Иванова 5Б Математика 5",
            "Петров 5Б Русский язык 4",
            "Иванова 6А Математика 4",
        ]),
        "{r}"
    );
    assert_eq!(
        load_problems(&ws),
        sorted(&[
            "teaching-no-teacher B9",
            "teaching-no-teacher B10",
            "teaching-unknown-teacher B11",
            "teaching-unknown-group C12",
        ]),
        "{r}"
    );
    assert_eq!(count(&ws, "missing-name"), 0, "{r}");
    assert!(
        r.stdout.lines().any(|l| l == "Нагрузка: 7 строк, учителей 3, групп 3, предметов 4"),
        "{r}"
    );
}

#[test]
fn windows_1251_csv_with_semicolons() {
    let ws = school();
    let text = "Учитель;Класс;Предмет;Часы\r\nИванова Ирина Ивановна;5а;Математика;5\r\nКоролёва Анна Павловна;5 Б;Физика;2,5\r\nСмирнов С. А.;6-а;История;2\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    ws.write("sources/Нагрузка.csv", bytes);
    let r = ws.run(&["ingest"]);
    assert_eq!(
        load_lines(&ws),
        sorted(&["Иванова 5А Математика 5", "Королёва 5Б Физика 2.5", "Смирнов 6А История 2",]),
        "{r}"
    );
    assert_eq!(load_problems(&ws), Vec::<String>::new(), "{r}");
    // Only the person ids: no names in teaching.csv.
    let text = ws.read("out/roster/teaching.csv");
    assert_eq!(text.lines().next(), Some("person_id,branch,group,subject,hours"));
    assert!(!text.contains("Иванова"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ws.path().join("out/roster/teaching.csv"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    // roster.xlsx gains a «Нагрузка» sheet with the teacher's name for people.
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto(ws.path().join("out/roster/roster.xlsx")).unwrap();
    let sheet = book.worksheet_range("Нагрузка").expect("a «Нагрузка» sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0], ["Филиал", "Группа", "Предмет", "Учитель", "ID учителя", "Часы"]);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1][1..4], ["5А", "Математика", "Иванова Ирина Ивановна"]);
}

#[test]
fn a_matrix_of_subjects_by_groups_with_teachers_in_the_cells() {
    let ws = school();
    let t = |v: &'static str| s(v);
    let sp = sheet(
        "Распределение",
        vec![
            vec![t("Распределение учебной нагрузки"), C::E, C::E, C::E, C::E],
            vec![t("Предмет"), t("5А"), t("5Б"), t("6А"), t("7В")],
            vec![
                t("Математика"),
                t("Иванова И.И. (5)"),
                t("Иванова И.И. 5 ч"),
                t("Иванова Ирина Ивановна"),
                C::E,
            ],
            vec![t("Физика"), t("Королёва А.П."), t("вакансия"), C::E, C::E],
            vec![t("Химия"), t("Сидоров С.С."), C::E, C::E, t("Петров П.П.")],
            vec![t("История"), t("Смирнов С.А. / Петров П.П."), C::E, C::E, t("Смирнов С.А.")],
        ],
    );
    ws.write("sources/Нагрузка.xlsx", xlsx(&[sp]));
    let r = ws.run(&["ingest"]);
    assert_eq!(
        load_lines(&ws),
        sorted(&[
            "Петров 5А История ",
            "Смирнов 5А История ",
            "Иванова 5А Математика 5",
            "Королёва 5А Физика ",
            "Иванова 5Б Математика 5",
            "Иванова 6А Математика ",
        ]),
        "{r}"
    );
    // The unknown group is named once, at its heading.
    assert_eq!(
        load_problems(&ws),
        sorted(&["teaching-no-teacher C4", "teaching-unknown-teacher B5", "teaching-unknown-group E2",]),
        "{r}"
    );
}

#[test]
fn a_matrix_of_groups_by_subjects_when_the_kind_is_told() {
    let ws = school_listed("sources/Нагрузка.xlsx", "kind = \"teaching\"");
    let t = |v: &'static str| s(v);
    let sp = sheet(
        "Лист1",
        vec![
            vec![t("Класс"), t("Математика"), t("Физика"), t("Русский язык")],
            vec![t("5А"), t("Иванова И.И."), t("Королёва А.П. (2)"), t("Петров П.П.")],
            vec![t("5-Б"), t("Иванова И.И."), t("Вакансия"), t("Петров П.П. 4 ч.")],
            vec![t("6А"), t("Иванова И.И."), C::E, t("Сидоров С.С.")],
        ],
    );
    ws.write("sources/Нагрузка.xlsx", xlsx(&[sp]));
    let r = ws.run(&["ingest"]);
    assert_eq!(
        load_lines(&ws),
        sorted(&[
            "Иванова 5А Математика ",
            "Петров 5А Русский язык ",
            "Королёва 5А Физика 2",
            "Иванова 5Б Математика ",
            "Петров 5Б Русский язык 4",
            "Иванова 6А Математика ",
        ]),
        "{r}"
    );
    assert_eq!(
        load_problems(&ws),
        sorted(&["teaching-no-teacher C3", "teaching-unknown-teacher D4"]),
        "{r}"
    );
}

#[test]
fn a_tarification_with_hours_per_group() {
    let ws = school();
    let t = |v: &'static str| s(v);
    let mut sp = sheet(
        "Тарификация",
        vec![
            vec![t("Тарификационный список учителей"), C::E, C::E, C::E, C::E, C::E],
            vec![t("ФИО учителя"), t("Предмет"), t("5А"), t("5Б"), t("6А"), t("Всего")],
            vec![
                t("Иванова Ирина Ивановна"),
                t("Математика"),
                C::N(5.0),
                C::N(5.0),
                C::N(4.0),
                C::N(14.0),
            ],
            vec![C::E, t("Алгебра"), C::N(2.0), C::E, C::E, C::N(2.0)],
            vec![t("Королёва А.П."), t("Физика"), C::N(2.0), C::E, C::N(2.0), C::N(4.0)],
            vec![C::E, t("Астрономия"), C::E, C::N(1.0), C::E, C::N(1.0)],
            vec![t("Сидоров С.С."), t("Химия"), C::E, t("2"), C::E, C::N(2.0)],
            vec![t("Итого"), C::E, C::N(9.0), C::N(8.0), C::N(6.0), C::N(23.0)],
        ],
    );
    // Иванова over her two rows; Королёва's second row is blank, not merged.
    sp.merges = vec![(0, 0, 0, 5), (2, 0, 3, 0)];
    ws.write("sources/Тарификация.xlsx", xlsx(&[sp]));
    let r = ws.run(&["ingest"]);
    assert_eq!(
        load_lines(&ws),
        sorted(&[
            "Иванова 5А Алгебра 2",
            "Иванова 5А Математика 5",
            "Королёва 5А Физика 2",
            "Иванова 5Б Математика 5",
            "Иванова 6А Математика 4",
            "Королёва 6А Физика 2",
        ]),
        "{r}"
    );
    assert_eq!(
        load_problems(&ws),
        sorted(&["teaching-no-teacher A6", "teaching-unknown-teacher A7"]),
        "{r}"
    );
}

#[test]
fn a_load_that_cannot_be_read_names_the_teaching_columns() {
    let ws = school_listed("sources/Нагрузка.csv", "kind = \"teaching\"");
    ws.write("sources/Нагрузка.csv", "Кто;Что;Сколько\nИванова;Математика;5\n");
    let r = ws.run(&["ingest"]);
    let rows = ws.problems();
    let p = with_rule(&rows, "header-not-found");
    assert_eq!(p.len(), 1, "{r}");
    assert!(
        p[0]["fix"].contains("«Учитель», «Класс»/«Группа», «Предмет», «Часы»"),
        "{}",
        p[0]["fix"]
    );
    assert_eq!(ws.read("out/roster/teaching.csv"), "person_id,branch,group,subject,hours\r\n");
    assert!(!r.stdout.contains("Нагрузка:"), "{r}");
}

#[test]
fn a_college_tarification_of_disciplines_per_group_code_in_two_branches() {
    let ws = Ws::new();
    ws.config(&format!(
        "{COLLEGE_TOML}\n[[sources]]\npath = \"sources/Студенты.csv\"\n\n[[sources]]\npath = \"sources/Преподаватели.csv\"\n\n[[sources]]\npath = \"sources/Тарификация.xlsx\"\nbranch = \"ГК\"\n\n[[sources]]\npath = \"sources/Нагрузка.csv\"\n"
    ));
    ws.write(
        "sources/Студенты.csv",
        "ФИО;Дата рождения;Группа;Филиал\nАнтонов Антон Антонович;01.02.2008;ИС-24-1;Главный корпус\nБелова Вера Викторовна;02.03.2008;ИС-24-2;Главный корпус\nГусев Глеб Геннадьевич;03.04.2008;ЗФ-24-1;Заречный филиал\n",
    );
    // Two «Иванова И.И.», one in each branch: the load's branch tells them apart.
    ws.write(
        "sources/Преподаватели.csv",
        "ФИО;Должность;Филиал\nИванова Ирина Игоревна;Преподаватель;Главный корпус\nИванова Инна Ильинична;Преподаватель;Заречный филиал\nКузнецов Кирилл Олегович;Преподаватель;Главный корпус\n",
    );
    let t = |v: &'static str| s(v);
    let sp = sheet(
        "Лист1",
        vec![
            vec![
                t("Преподаватель"),
                t("Дисциплина"),
                t("ИС-24-1"),
                t("ИС-24-2"),
                t("ИС-24-3"),
                t("Итого"),
            ],
            vec![
                t("Иванова И.И."),
                t("МДК 01.01 Разработка модулей"),
                C::N(72.0),
                C::N(36.0),
                C::E,
                C::N(108.0),
            ],
            vec![
                t("Кузнецов К.О."),
                t("ОУД.01 Русский язык"),
                C::E,
                C::N(78.0),
                C::N(78.0),
                C::N(156.0),
            ],
        ],
    );
    ws.write("sources/Тарификация.xlsx", xlsx(&[sp]));
    ws.write(
        "sources/Нагрузка.csv",
        "Преподаватель;Группа;Дисциплина;Часы;Филиал\nИванова И.И.;ЗФ-24-1;Информатика;40;Заречный\n",
    );
    let r = ws.run(&["ingest"]);
    let people = ws.people();
    let first = |id: &str| {
        let p = people.iter().find(|p| p["person_id"] == id).unwrap();
        format!("{} {}", p["surname"], p["first_name"])
    };
    let lines: Vec<String> = ws
        .csv("out/roster/teaching.csv")
        .iter()
        .map(|l| {
            format!(
                "{} | {} | {} | {} | {}",
                l["branch"],
                l["group"],
                l["subject"],
                first(&l["person_id"]),
                l["hours"]
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "Главный корпус | ИС-24-1 | МДК 01.01 Разработка модулей | Иванова Ирина | 72",
            "Главный корпус | ИС-24-2 | МДК 01.01 Разработка модулей | Иванова Ирина | 36",
            "Главный корпус | ИС-24-2 | ОУД.01 Русский язык | Кузнецов Кирилл | 78",
            "Заречный филиал | ЗФ-24-1 | Информатика | Иванова Инна | 40",
        ],
        "{r}"
    );
    assert_eq!(load_problems(&ws), sorted(&["teaching-unknown-group E1"]), "{r}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l == "Нагрузка: 4 строки, учителей 3, групп 3, предметов 3"),
        "{r}"
    );
}

#[test]
fn rows_under_a_group_row_per_class() {
    let ws = school();
    let t = |v: &'static str| s(v);
    let sp = sheet(
        "Нагрузка",
        vec![
            vec![t("Предмет"), t("Учитель"), t("Часы")],
            vec![t("Класс: 5А"), C::E, C::E],
            vec![t("Математика"), t("Иванова И.И."), C::N(5.0)],
            vec![t("Физика"), t("вакансия"), C::N(2.0)],
            vec![t("Класс: 5Б"), C::E, C::E],
            vec![t("Физика"), t("Королёва Анна Павловна"), C::N(2.0)],
        ],
    );
    ws.write("sources/Нагрузка.xlsx", xlsx(&[sp]));
    let r = ws.run(&["ingest"]);
    assert_eq!(load_lines(&ws), sorted(&["Иванова 5А Математика 5", "Королёва 5Б Физика 2"]), "{r}");
    assert_eq!(load_problems(&ws), sorted(&["teaching-no-teacher B4"]), "{r}");
}

#[test]
fn a_matrix_wider_than_512_columns_says_what_it_left_out() {
    let ws = school();
    // «Предмет», «5А», 600 empty columns, then «5Б» (column 603).
    let mut header = String::from("Предмет;5А");
    let mut row = String::from("Математика;Иванова И.И. (5)");
    for _ in 0..600 {
        header.push(';');
        row.push(';');
    }
    header.push_str(";5Б\n");
    row.push_str(";Иванова И.И. (4)\n");
    ws.write("sources/Нагрузка.csv", format!("{header}{row}"));
    let r = ws.run(&["ingest"]);
    assert_eq!(load_lines(&ws), sorted(&["Иванова 5А Математика 5"]), "{r}");
    let extra: Vec<String> = with_rule(&ws.problems(), "extra-cells")
        .iter()
        .map(|p| format!("{} {} {}", p["file"], p["cell"], p["fix"]))
        .collect();
    assert_eq!(
        extra,
        ["sources/Нагрузка.csv WE1 таблица нагрузки шире 512 столбцов: столбцы правее не прочитаны; разбейте её на несколько листов"],
        "{r}"
    );
}

#[test]
fn an_unknown_teacher_one_letter_off_is_given_the_nearest_name() {
    let ws = school();
    ws.write(
        "sources/Нагрузка.csv",
        "Учитель;Класс;Предмет;Часы\nКоролва А.П.;5А;Физика;2\nНеизвестнова Н.Н.;5А;Химия;1\n",
    );
    let r = ws.run(&["ingest"]);
    let fixes: Vec<String> = with_rule(&ws.problems(), "teaching-unknown-teacher")
        .iter()
        .map(|p| format!("{} {}", p["cell"], p["fix"]))
        .collect();
    assert_eq!(
        fixes,
        [
            "A2 такого учителя нет в списке сотрудников; имелось в виду «Королёва А.П.»? Исправьте ФИО или добавьте учителя в список сотрудников",
            "A3 такого учителя нет в списке сотрудников; добавьте его в список сотрудников или исправьте ФИО",
        ],
        "{r}"
    );
}
