//! Every roster layout the ingest issue lists, each with a fixture and a test.

use crate::util::*;

fn flat_with_titles() -> Vec<u8> {
    let mut sp = sheet(
        "Контингент",
        vec![
            vec![s("ГБПОУ «Тестовый колледж»"), C::E, C::E, C::E],
            vec![s("Список обучающихся на 01.09.2026"), C::E, C::E, C::E],
            vec![],
            vec![s("№"), s("ФИО"), s("Дата рождения"), s("Группа")],
            vec![C::N(1.0), s("ИВАНОВ ИВАН ИВАНОВИЧ"), C::D(2008, 3, 5), s("ИС-24-1")],
            vec![C::N(2.0), s("Семёнова  Алёна Петровна"), s("12.11.2008"), s("ИС-24-1")],
            vec![C::N(3.0), s("Петров Пётр"), C::N(39814.0), s("ИС-24-2")],
            vec![s("Итого: 3 чел."), C::E, C::E, C::E],
        ],
    );
    sp.merges = vec![(0, 0, 0, 3), (1, 0, 1, 3)];
    xlsx(&[sp])
}

#[test]
fn flat_table_with_title_rows_merged_titles_and_totals() {
    let ws = Ws::new();
    ws.config(&format!(
        "{COLLEGE_TOML}\n[[sources]]\npath = \"sources/flat.xlsx\"\nbranch = \"Главный корпус\"\n"
    ));
    ws.write("sources/flat.xlsx", flat_with_titles());
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(people.len(), 3, "{r}");
    let ivanov = find_person(&people, "Иванов", "Иван");
    assert_eq!(ivanov.len(), 1, "ALL CAPS name is proper-cased\n{r}");
    assert_eq!(ivanov[0]["patronymic"], "Иванович");
    assert_eq!(ivanov[0]["birth_date"], "2008-03-05");
    assert_eq!(ivanov[0]["branch"], "Главный корпус");
    assert_eq!(ivanov[0]["group"], "ИС-24-1");
    assert_eq!(ivanov[0]["kind"], "student");
    let alena = find_person(&people, "Семёнова", "Алёна");
    assert_eq!(alena.len(), 1, "ё is kept for display, doubled spaces collapsed");
    assert_eq!(alena[0]["birth_date"], "2008-11-12");
    // A plain number in a date column is an Excel serial date.
    assert_eq!(find_person(&people, "Петров", "Пётр")[0]["birth_date"], "2009-01-01");
    // The totals line is no person.
    assert!(people.iter().all(|p| !p["surname"].contains("Итого")));
    let groups = ws.csv("out/roster/groups.csv");
    assert_eq!(groups.len(), 2);
}

#[test]
fn merged_group_cell_applies_to_every_row_it_spans() {
    let ws = Ws::new();
    ws.config(&format!(
        "{COLLEGE_TOML}\n[[sources]]\npath = \"sources/m.xlsx\"\nbranch = \"ГК\"\n"
    ));
    let mut sp = sheet(
        "Лист1",
        vec![
            vec![s("Группа"), s("ФИО"), s("Дата рождения")],
            vec![s("ТМ-23-1"), s("Орлов Олег Олегович"), s("01.02.2008")],
            vec![C::E, s("Соколова Софья Андреевна"), s("03.04.2008")],
            vec![C::E, s("Зайцев Захар Ильич"), s("05.06.2008")],
            vec![s("ТМ-23-2"), s("Волков Виктор Ильич"), s("07.08.2008")],
        ],
    );
    sp.merges = vec![(1, 0, 3, 0)];
    ws.write("sources/m.xlsx", xlsx(&[sp]));
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    for (sur, first) in [("Орлов", "Олег"), ("Соколова", "Софья"), ("Зайцев", "Захар")] {
        assert_eq!(find_person(&people, sur, first)[0]["group"], "ТМ-23-1", "{sur}\n{r}");
    }
    assert_eq!(find_person(&people, "Волков", "Виктор")[0]["group"], "ТМ-23-2");
    // The alias «ГК» names the main branch.
    assert!(people.iter().all(|p| p["branch"] == "Главный корпус"));
}

#[test]
fn group_header_rows_with_repeated_headers_and_blank_rows() {
    let ws = Ws::new();
    ws.config(&format!(
        "{COLLEGE_TOML}\n[[sources]]\npath = \"sources/g.xlsx\"\nbranch = \"Заречный филиал\"\n[[sources]]\npath = \"sources/staff.xlsx\"\n"
    ));
    let mut sp = sheet(
        "Группы",
        text_rows(&[
            &["Группа ЗФ-24-1, 1 курс. Куратор: Петрова А.С.", "", "", ""],
            &["№", "Фамилия", "Имя", "Отчество", "Дата рождения"],
            &["1", "Антонов", "Антон", "Антонович", "01.01.2009"],
            &["2", "Борисова", "Бэлла", "", "02.02.2009"],
            &[],
            &["Группа ЗФ-23-1, 2 курс. Куратор: Сидоров П.П.", "", "", ""],
            &["№", "Фамилия", "Имя", "Отчество", "Дата рождения"],
            &["1", "Васильев", "Василий", "Васильевич", "03.03.2008"],
        ]),
    );
    sp.merges = vec![(0, 0, 0, 3), (5, 0, 5, 3)];
    ws.write("sources/g.xlsx", xlsx(&[sp]));
    ws.write(
        "sources/staff.xlsx",
        xlsx(&[sheet(
            "Сотрудники",
            text_rows(&[
                &["ФИО", "Должность", "Филиал", "Классное руководство"],
                &["Петрова Анна Сергеевна", "Преподаватель", "Заречный", ""],
            ]),
        )]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(find_person(&people, "Антонов", "Антон")[0]["group"], "ЗФ-24-1", "{r}");
    let b = find_person(&people, "Борисова", "Бэлла");
    assert_eq!(b[0]["group"], "ЗФ-24-1");
    assert_eq!(b[0]["patronymic"], "", "a missing patronymic is fine");
    assert_eq!(find_person(&people, "Васильев", "Василий")[0]["group"], "ЗФ-23-1");
    assert_eq!(
        people.iter().filter(|p| p["kind"] == "student").count(),
        3,
        "repeated headers are no people\n{r}"
    );
    let groups = ws.csv("out/roster/groups.csv");
    let g241 = groups.iter().find(|g| g["group"] == "ЗФ-24-1").unwrap();
    assert_eq!(g241["course"], "1");
    let petrova = find_person(&people, "Петрова", "Анна")[0];
    assert_eq!(
        g241["curator_id"], petrova["person_id"],
        "«Куратор: Петрова А.С.» is the staff member"
    );
    // Сидоров is in no staff list.
    let probs = ws.problems();
    let unknown = with_rule(&probs, "unknown-curator");
    assert_eq!(unknown.len(), 1, "{r}");
    assert_eq!(unknown[0]["file"], "sources/g.xlsx");
    assert_eq!(unknown[0]["sheet"], "Группы");
    assert_eq!(unknown[0]["cell"], "A6");
    assert_eq!(with_rule(&probs, "group-without-curator").len(), 1);
}

#[test]
fn one_sheet_per_group() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/classes.xlsx",
        xlsx(&[
            sheet(
                "5А",
                text_rows(&[&["ФИО", "Дата рождения"], &["Кузнецов Кирилл Олегович", "10.10.2015"]]),
            ),
            sheet(
                "5Б",
                text_rows(&[&["Класс 5Б"], &["ФИО", "Дата рождения"], &["Лебедева Лиза Юрьевна", "11.11.2015"]]),
            ),
            sheet("Лист3", vec![]),
        ]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(find_person(&people, "Кузнецов", "Кирилл")[0]["group"], "5А", "{r}");
    assert_eq!(find_person(&people, "Лебедева", "Лиза")[0]["group"], "5Б");
    // A single-site school gets one implicit branch.
    assert_eq!(find_person(&people, "Лебедева", "Лиза")[0]["branch"], "Основная площадка");
}

fn parents_export() -> Vec<u8> {
    xlsx(&[sheet(
        "Родители",
        text_rows(&[
            &["Выгрузка родителей"],
            &[
                "ФИО обучающегося",
                "Дата рождения",
                "Класс",
                "ФИО родителя",
                "Кем приходится",
                "Телефон",
                "E-mail",
            ],
            &[
                "Морозов Максим Ильич",
                "01.05.2015",
                "5А",
                "Морозова Марина Викторовна",
                "Мать",
                "8 (912) 345-67-89",
                "Marina@Mail.ru",
            ],
            &[
                "Морозов Максим Ильич",
                "01.05.2015",
                "5А",
                "Морозов Илья Петрович",
                "Отец",
                "+7 912 3456780",
                "",
            ],
            &[
                "Морозова Мила Ильинична",
                "02.06.2017",
                "3Б",
                "Морозова Марина Викторовна",
                "Мать",
                "89123456789",
                "",
            ],
            &[
                "Никитин Никита Олегович",
                "03.07.2015",
                "5А",
                "Иванова Ирина Ивановна",
                "Мать",
                "79120000001",
                "",
            ],
            &[
                "Орлова Ольга Олеговна",
                "04.08.2015",
                "5А",
                "Иванова Ирина Ивановна",
                "Мать",
                "8-912-0000002",
                "",
            ],
        ]),
    )])
}

#[test]
fn parents_export_one_row_per_parent() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write("sources/parents.xlsx", parents_export());
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let students: Vec<_> = people.iter().filter(|p| p["kind"] == "student").collect();
    assert_eq!(students.len(), 4, "the same student on two rows is one person\n{r}");
    let marina = find_person(&people, "Морозова", "Марина");
    assert_eq!(marina.len(), 1, "a parent of two siblings is one parent");
    assert_eq!(marina[0]["phone"], "+79123456789");
    assert_eq!(marina[0]["email"], "marina@mail.ru");
    assert_eq!(marina[0]["group"], "", "a parent has no group");
    let g = ws.csv("out/roster/guardians.csv");
    let marina_children: Vec<_> = g.iter().filter(|x| x["parent_id"] == marina[0]["person_id"]).collect();
    assert_eq!(marina_children.len(), 2);
    assert!(marina_children.iter().all(|x| x["relation"] == "мать"));
    let maxim = find_person(&people, "Морозов", "Максим")[0];
    assert_eq!(g.iter().filter(|x| x["student_id"] == maxim["person_id"]).count(), 2, "two parents");
    // Two different parents with the same full name stay two people.
    assert_eq!(find_person(&people, "Иванова", "Ирина").len(), 2, "{r}");
}

#[test]
fn staff_list_with_two_branches_and_curated_groups() {
    let ws = Ws::new();
    ws.config(&format!(
        "{COLLEGE_TOML}\n[[sources]]\npath = \"sources/staff.xlsx\"\n[[sources]]\npath = \"sources/st.xlsx\"\n"
    ));
    ws.write(
        "sources/staff.xlsx",
        xlsx(&[sheet(
            "Сотрудники",
            text_rows(&[
                &["ФИО", "Должность", "Филиал", "Классное руководство", "Телефон", "E-mail"],
                &[
                    "Смирнова Елена Викторовна",
                    "Преподаватель",
                    "Главный корпус",
                    "ИС-24-1, ИС-24-2",
                    "89120000011",
                    "smirnova@college.ru",
                ],
                &[
                    "Смирнова Елена Викторовна",
                    "Преподаватель",
                    "Заречный филиал",
                    "ЗФ-24-1",
                    "89120000011",
                    "",
                ],
                &["Фёдоров Фёдор Фёдорович", "Мастер п/о", "ГК", "", "", ""],
            ]),
        )]),
    );
    ws.write(
        "sources/st.xlsx",
        xlsx(&[sheet(
            "Лист1",
            text_rows(&[
                &["ФИО", "Группа", "Филиал", "Дата рождения"],
                &["Юдин Юрий Юрьевич", "ИС-24-1", "Главный корпус", "01.01.2008"],
                &["Яковлева Яна Ивановна", "ЗФ-24-1", "Заречный филиал", "01.01.2008"],
            ]),
        )]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{r}");
    let people = ws.people();
    let smirnova = find_person(&people, "Смирнова", "Елена");
    assert_eq!(smirnova.len(), 1, "one person working in two branches\n{r}");
    assert_eq!(smirnova[0]["branch"], "Главный корпус|Заречный филиал");
    assert_eq!(smirnova[0]["kind"], "staff");
    let roles = ws.csv("out/roster/staff_roles.csv");
    let mine: Vec<_> = roles.iter().filter(|x| x["person_id"] == smirnova[0]["person_id"]).collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0]["curated_groups"], "ИС-24-1|ИС-24-2");
    assert_eq!(mine[1]["curated_groups"], "ЗФ-24-1");
    assert_eq!(mine[0]["position"], "Преподаватель");
    let groups = ws.csv("out/roster/groups.csv");
    let zf = groups.iter().find(|g| g["group"] == "ЗФ-24-1").unwrap();
    assert_eq!(zf["branch"], "Заречный филиал");
    assert_eq!(zf["curator_id"], smirnova[0]["person_id"]);
    assert_eq!(with_rule(&ws.problems(), "group-without-curator").len(), 0, "{r}");
}

#[test]
fn html_table_saved_as_xls_is_read_with_a_warning() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/journal.xls",
        "<html><head><meta charset=\"utf-8\"></head><body><table>\
         <tr><td colspan=\"3\">Электронный журнал: 7В</td></tr>\
         <tr><td>ФИО</td><td>Дата рождения</td><td>Класс</td></tr>\
         <tr><td>Гаврилов Глеб Павлович</td><td>01.09.2013</td><td>7в</td></tr></table></body></html>",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(find_person(&people, "Гаврилов", "Глеб")[0]["group"], "7В", "{r}");
    let p = ws.problems();
    let html = with_rule(&p, "xls-is-html");
    assert_eq!(html.len(), 1);
    assert_eq!(html[0]["file"], "sources/journal.xls");
    assert_eq!(html[0]["severity"], "warning");
}

#[test]
fn windows_1251_csv_with_semicolons() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    let text = "Список 9 классов\r\nФИО;Дата рождения;Класс;Телефон\r\nДмитриев Денис Сергеевич;5.3.11;9A;8 912 111-22-33\r\nЕгорова Ёлка Петровна;06.04.2011;9 а;\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    ws.write("sources/9.csv", bytes);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let d = find_person(&people, "Дмитриев", "Денис");
    assert_eq!(d.len(), 1, "{r}");
    assert_eq!(d[0]["birth_date"], "2011-03-05");
    assert_eq!(d[0]["group"], "9А", "Latin A becomes Cyrillic");
    assert_eq!(d[0]["phone"], "+79121112233");
    assert_eq!(find_person(&people, "Егорова", "Ёлка")[0]["group"], "9А");
    assert!(with_rule(&ws.problems(), "encoding-unclear").is_empty());
}

#[test]
fn real_biff_xls_is_read() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    let fixture = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/class-6a.xls")).unwrap();
    ws.write("sources/class-6a.xls", fixture);
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(people.len(), 3, "{r}");
    assert!(people.iter().all(|p| p["group"] == "6А"));
    assert_eq!(find_person(&people, "Аксёнов", "Артём")[0]["birth_date"], "2014-02-03");
}
