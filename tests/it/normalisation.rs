//! Each normalisation rule through the real binary: names, groups, dates, phones,
//! e-mails, СНИЛС, and people merged across files.

use crate::util::*;

#[test]
fn names_are_split_trimmed_and_proper_cased() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/names.xlsx",
        xlsx(&[sheet(
            "5А",
            text_rows(&[
                &["ФИО", "Дата рождения"],
                &["  ПЕТРОВА-ВОДКИНА   ЕЛЕНА  ИГОРЕВНА ", "01.01.2015"],
                &["Алиев Рустам Гусейн оглы", "02.01.2015"],
                &["Ёжиков Фёдор", "03.01.2015"],
                &["иванов иван иванович", "04.01.2015"],
            ]),
        )]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let p = find_person(&people, "Петрова-Водкина", "Елена");
    assert_eq!(p.len(), 1, "hyphenated ALL CAPS surname\n{r}");
    assert_eq!(p[0]["patronymic"], "Игоревна");
    assert_eq!(find_person(&people, "Алиев", "Рустам")[0]["patronymic"], "Гусейн Оглы");
    let f = find_person(&people, "Ёжиков", "Фёдор");
    assert_eq!(f.len(), 1, "ё kept for display");
    assert_eq!(f[0]["patronymic"], "", "a missing patronymic is fine");
    assert_eq!(find_person(&people, "Иванов", "Иван").len(), 1);
}

#[test]
fn surname_first_name_patronymic_columns() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/parts.csv",
        "Фамилия;Имя;Отчество;Класс;Дата рождения\nСИДОРОВ;ПАВЕЛ;;6а;2014-09-09\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = ws.people();
    let s = find_person(&p, "Сидоров", "Павел");
    assert_eq!(s.len(), 1, "{r}");
    assert_eq!(s[0]["group"], "6А");
    assert_eq!(s[0]["birth_date"], "2014-09-09");
}

#[test]
fn ё_and_е_are_one_person_when_matching() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write("sources/list.csv", "ФИО;Класс;Дата рождения\nСемёнов Пётр Ильич;7А;01.02.2013\n");
    ws.write(
        "sources/parents.csv",
        "ФИО обучающегося;Класс;ФИО родителя;Телефон\nСеменов Петр Ильич;7А;Семенова Анна Петровна;89120001122\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let students: Vec<_> = people.iter().filter(|p| p["kind"] == "student").collect();
    assert_eq!(students.len(), 1, "{r}");
    assert_eq!(students[0]["surname"], "Семёнов", "the spelling with ё is kept");
    assert_eq!(ws.csv("out/roster/guardians.csv").len(), 1);
}

#[test]
fn group_names_are_normalised() {
    let ws = Ws::new();
    ws.config(&format!(
        "{COLLEGE_TOML}\n[[groups]]\nname = \"ИС-24-1\"\naliases = [\"ИСП-24/1\"]\n"
    ));
    let rows: &[&[&str]] = &[
        &["ФИО", "Группа", "Филиал", "Дата рождения"],
        // Latin look-alikes only: become Cyrillic.
        &["Аа Аа", "TM-23", "Главный корпус", "01.01.2008"],
        &["Бб Бб", "ИC-25", "Главный корпус", "01.01.2008"],
        &["Вв Вв", "ИС-25", "Главный корпус", "01.01.2008"],
        // A real Latin name stays Latin.
        &["Гг Гг", "IT-21", "Главный корпус", "01.01.2008"],
        // «ИС 26» follows the branch's dash style.
        &["Дд Дд", "ИС 26", "Главный корпус", "01.01.2008"],
        &["Ее Ее", "ис-27", "Главный корпус", "01.01.2008"],
        // The other branch writes without dashes: its own majority wins there.
        &["Жж Жж", "ЗФ24", "Заречный", "01.01.2008"],
        &["Зз Зз", "ЗФ24", "Заречный", "01.01.2008"],
        &["Ии Ии", "ЗФ 24", "Заречный", "01.01.2008"],
        // [[groups]] aliases override.
        &["Кк Кк", "ИСП-24/1", "Главный корпус", "01.01.2008"],
        &["Лл Лл", "  ИС-27  ", "Главный корпус", "01.01.2008"],
    ];
    ws.write("sources/g.xlsx", xlsx(&[sheet("Лист1", text_rows(rows))]));
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let group = |s: &str| find_person(&people, s, s)[0]["group"].clone();
    assert_eq!(group("Аа"), "ТМ-23", "{r}");
    assert_eq!(group("Бб"), "ИС-25");
    assert_eq!(group("Вв"), "ИС-25");
    assert_eq!(group("Гг"), "IT-21");
    assert_eq!(group("Дд"), "ИС-26");
    assert_eq!(group("Ее"), "ИС-27");
    assert_eq!(group("Жж"), "ЗФ24");
    assert_eq!(group("Ии"), "ЗФ24");
    assert_eq!(group("Кк"), "ИС-24-1");
    assert_eq!(group("Лл"), "ИС-27");
}

#[test]
fn class_letters_and_separators() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/c.csv",
        "ФИО;Класс;Дата рождения\nАа Аа;5а;01.01.2015\nБб Бб;5 А;01.01.2015\nВв Вв;5-А;01.01.2015\nГг Гг;5A;01.01.2015\nДд Дд;10 б;01.01.2010\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let groups: Vec<String> = ws.csv("out/roster/groups.csv").iter().map(|g| g["group"].clone()).collect();
    assert_eq!(groups, vec!["5А", "10Б"], "{r}");
}

#[test]
fn dates_in_every_form() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    let rows = vec![
        vec![s("ФИО"), s("Дата рождения"), s("Класс")],
        vec![s("Аа Аа"), C::D(2015, 3, 5), s("3А")],
        vec![s("Бб Бб"), C::N(42068.0), s("3А")],
        vec![s("Вв Вв"), s("05.03.2015"), s("3А")],
        vec![s("Гг Гг"), s("2015-03-05"), s("3А")],
        vec![s("Дд Дд"), s("5.3.15"), s("3А")],
        vec![s("Ее Ее"), s("31.02.2015"), s("3А")],
        vec![s("Жж Жж"), s("весной"), s("3А")],
        vec![s("Зз Зз"), s("05.03.2030"), s("3А")],
    ];
    ws.write("sources/d.xlsx", xlsx(&[sheet("3А", rows)]));
    ws.write(
        "sources/mac.xlsx",
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dates-1904.xlsx")).unwrap(),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let bd = |s: &str| find_person(&people, s, s)[0]["birth_date"].clone();
    for n in ["Аа", "Вв", "Гг", "Дд"] {
        assert_eq!(bd(n), "2015-03-05", "{n}\n{r}");
    }
    assert_eq!(bd("Бб"), "2015-03-05", "Excel serial (1900 system)");
    assert_eq!(
        find_person(&people, "Макинтошев", "Марк")[0]["birth_date"],
        "2016-04-05",
        "1904 date system"
    );
    let p = ws.problems();
    let bad = with_rule(&p, "bad-date");
    let cells: Vec<(&str, &str)> = bad.iter().map(|b| (b["cell"].as_str(), b["found"].as_str())).collect();
    assert_eq!(cells, vec![("B7", "31.02.2015"), ("B8", "весной"), ("B9", "05.03.2030")], "{r}");
    assert!(bad[0]["fix"].contains("такой даты не бывает"));
    assert!(
        bad.iter()
            .all(|b| b["file"] == "sources/d.xlsx" && b["sheet"] == "3А" && b["severity"] == "warning")
    );
    // A bad date drops the field only: the person stays.
    assert_eq!(bd("Ее"), "");
    assert!(with_rule(&p, "missing-birth-date").is_empty(), "a bad date is not a missing one");
}

#[test]
fn phones_to_e164_and_emails() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    let rows: &[&[&str]] = &[
        &["ФИО обучающегося", "Класс", "ФИО родителя", "Телефон", "E-mail"],
        &["Аа Аа", "1А", "Ра Ра", "8 (912) 345-67-89", " Ra@Mail.RU "],
        &["Бб Бб", "1А", "Рб Рб", "+7 912 3456780", ""],
        &["Вв Вв", "1А", "Рв Рв", "89123456781", ""],
        &["Гг Гг", "1А", "Рг Рг", "79123456782", ""],
        &["Дд Дд", "1А", "Рд Рд", "8-912-3456783", ""],
        &["Ее Ее", "1А", "Ре Ре", "+375 29 123-45-67", ""],
        &["Жж Жж", "1А", "Рж Рж", "12-34", "rzh@mail"],
    ];
    let mut rows = text_rows(rows);
    // A phone stored as a number cell.
    rows.push(vec![s("Зз Зз"), s("1А"), s("Рз Рз"), C::N(79123456784.0), C::E]);
    ws.write("sources/p.xlsx", xlsx(&[sheet("Родители", rows)]));
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let ph = |s: &str| find_person(&people, s, s)[0]["phone"].clone();
    assert_eq!(ph("Ра"), "+79123456789", "{r}");
    assert_eq!(ph("Рб"), "+79123456780");
    assert_eq!(ph("Рв"), "+79123456781");
    assert_eq!(ph("Рг"), "+79123456782");
    assert_eq!(ph("Рд"), "+79123456783");
    assert_eq!(ph("Ре"), "+375291234567", "foreign numbers are kept");
    assert_eq!(ph("Рз"), "+79123456784");
    assert_eq!(find_person(&people, "Ра", "Ра")[0]["email"], "ra@mail.ru");
    let p = ws.problems();
    let bp = with_rule(&p, "bad-phone");
    assert_eq!(bp.len(), 1);
    assert_eq!((bp[0]["cell"].as_str(), bp[0]["found"].as_str()), ("D8", "12-34"));
    let be = with_rule(&p, "bad-email");
    assert_eq!((be[0]["cell"].as_str(), be[0]["found"].as_str()), ("E8", "rzh@mail"));
    // Both contacts dropped: the parent has none.
    let nc = with_rule(&p, "parent-without-contact");
    assert_eq!(nc.len(), 1);
    assert_eq!(nc[0]["cell"], "C8");
}

#[test]
fn snils_is_validated_merges_records_and_is_never_written_in_clear() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    // Same child, birth date typed differently in two files: the СНИЛС says it is one person.
    ws.write(
        "sources/a.csv",
        "ФИО;Класс;Дата рождения;СНИЛС\nСнилсов Семён Ильич;8А;01.02.2012;112-233-445 95\nОшибкин Олег Ильич;8А;02.02.2012;112-233-445 96\n",
    );
    ws.write(
        "sources/b.csv",
        "ФИО;Класс;Дата рождения;СНИЛС\nСнилсов Семен Ильич;8А;02.01.2012;11223344595\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(find_person(&people, "Снилсов", "Семён").len(), 1, "merged by СНИЛС\n{r}");
    let p = ws.problems();
    let bs = with_rule(&p, "bad-snils");
    assert_eq!(bs.len(), 1);
    assert_eq!((bs[0]["file"].as_str(), bs[0]["cell"].as_str()), ("sources/a.csv", "D3"));
    assert!(!bs[0]["found"].contains("112"), "not even a bad СНИЛС is echoed in clear");
    for f in [
        "out/roster/people.csv",
        "out/problems.csv",
        "out/roster/groups.csv",
        "out/roster/guardians.csv",
    ] {
        let text = ws.read(f);
        assert!(!text.contains("11223344595") && !text.contains("445 95"), "{f} holds a СНИЛС");
    }
}

#[test]
fn people_are_one_record_across_files() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/contingent.csv",
        "ФИО;Класс;Дата рождения\nОбщий Олег Ильич;9Б;03.03.2011\nОбщая Ольга Ильинична;5Б;04.04.2015\n",
    );
    ws.write(
        "sources/parents.csv",
        "ФИО обучающегося;Дата рождения;Класс;ФИО родителя;Кем приходится;Телефон\n\
         Общий Олег Ильич;03.03.2011;9Б;Общий Илья Петрович;отец;89120000001\n\
         Общая Ольга Ильинична;04.04.2015;5Б;Общий Илья Петрович;отец;89120000001\n\
         Другой Дмитрий Ильич;05.05.2015;5Б;Общий Илья Петрович;отец;89120000099\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    assert_eq!(people.iter().filter(|p| p["kind"] == "student").count(), 3, "{r}");
    let fathers = find_person(&people, "Общий", "Илья");
    assert_eq!(fathers.len(), 2, "same name, different phones: two people\n{r}");
    let father = fathers.iter().find(|f| f["phone"] == "+79120000001").unwrap();
    assert_eq!(father["branch"], "Основная площадка");
    let g = ws.csv("out/roster/guardians.csv");
    assert_eq!(
        g.iter().filter(|x| x["parent_id"] == father["person_id"]).count(),
        2,
        "one parent, two children"
    );
}

#[test]
fn person_ids_are_stable_across_runs() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write("sources/x.csv", "ФИО;Класс;Дата рождения\nСтабильный Сергей Ильич;9Б;03.03.2011\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let first = ws.people()[0]["person_id"].clone();
    ws.write("sources/y.csv", "ФИО;Класс;Дата рождения\nНовый Никита Ильич;9Б;03.04.2011\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let again = find_person(&ws.people(), "Стабильный", "Сергей")[0]["person_id"].clone();
    assert_eq!(first, again);
    assert!(!first.contains("Стабильный"), "ids reveal nothing");
}

/// Regression: a corrected phone gave a parent a new id; a birth date written differently
/// in the parents' export split one student in two without a word.
#[test]
fn regression_ids_survive_a_new_phone_and_conflicting_birth_dates_are_reported() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/list.csv",
        "ФИО;Класс;Дата рождения\nБелоусов Игорь Фёдорович;5А;28.05.2015\n",
    );
    ws.write(
        "sources/parents.csv",
        "ФИО обучающегося;Класс;Дата рождения;ФИО родителя;Телефон\nБелоусов Игорь Фёдорович;5А;29.05.2015;Белоусова Анна Петровна;89120000001\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let kids = find_person(&people, "Белоусов", "Игорь");
    assert_eq!(kids.len(), 1, "one student\n{r}");
    assert_eq!(kids[0]["birth_date"], "2015-05-28", "the list's date is kept");
    let p = ws.problems();
    let c = with_rule(&p, "birth-date-conflict");
    assert_eq!(c.len(), 1, "{r}");
    assert_eq!((c[0]["file"].as_str(), c[0]["cell"].as_str()), ("sources/parents.csv", "C2"));
    let before = find_person(&people, "Белоусова", "Анна")[0]["person_id"].clone();
    ws.write(
        "sources/parents.csv",
        "ФИО обучающегося;Класс;Дата рождения;ФИО родителя;Телефон\nБелоусов Игорь Фёдорович;5А;28.05.2015;Белоусова Анна Петровна;89120000099\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let after = find_person(&ws.people(), "Белоусова", "Анна")[0]["person_id"].clone();
    assert_eq!(before, after, "a new phone number keeps the parent's id");
}
