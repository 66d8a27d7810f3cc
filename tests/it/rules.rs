//! Rules that the layout and normalisation tests do not already pin down, each asserting
//! the file, sheet, cell and message a user sees.

use crate::util::*;

#[test]
fn student_in_two_groups_is_left_out_and_located() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/a.xlsx",
        xlsx(&[sheet(
            "Лист1",
            text_rows(&[
                &["ФИО", "Класс", "Дата рождения"],
                &["Двойкин Денис Ильич", "5А", "01.01.2015"],
                &["Один Олег Ильич", "5А", "01.01.2015"],
            ]),
        )]),
    );
    ws.write("sources/b.csv", "ФИО;Класс;Дата рождения\nДвойкин Денис Ильич;5Б;01.01.2015\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = ws.problems();
    let two = with_rule(&p, "student-in-two-groups");
    assert_eq!(two.len(), 1, "{r}");
    assert_eq!(
        (two[0]["file"].as_str(), two[0]["sheet"].as_str(), two[0]["cell"].as_str()),
        ("sources/a.xlsx", "Лист1", "A2")
    );
    assert_eq!(two[0]["found"], "5А | 5Б");
    assert!(two[0]["fix"].contains("sources/b.csv"), "the other place is named: {:?}", two[0]);
    assert_eq!(two[0]["severity"], "error");
    assert!(
        find_person(&ws.people(), "Двойкин", "Денис").is_empty(),
        "an error drops the record"
    );
}

#[test]
fn several_groups_are_fine_in_supplementary_education() {
    let ws = Ws::new();
    ws.config("[organization]\nname = \"ДДТ\"\nprofile = \"supplementary\"\n");
    ws.write(
        "sources/a.csv",
        "ФИО;Объединение;Дата рождения\nКружков Кирилл Ильич;Юный техник;01.01.2014\nКружков Кирилл Ильич;Шахматы;01.01.2014\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = find_person(&ws.people(), "Кружков", "Кирилл")[0].clone();
    assert_eq!(p["group"], "Юный техник|Шахматы", "{r}");
    assert!(with_rule(&ws.problems(), "student-in-two-groups").is_empty());
}

#[test]
fn missing_group_and_missing_name() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/Список.xlsx",
        xlsx(&[sheet(
            "Список",
            text_rows(&[
                &["ФИО", "Дата рождения", "Телефон"],
                &["Безгруппный Борис", "01.01.2015", ""],
                &["", "02.01.2015", "89120000000"],
            ]),
        )]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = ws.problems();
    let mg = with_rule(&p, "missing-group");
    assert_eq!(mg.len(), 1, "{r}");
    assert_eq!((mg[0]["sheet"].as_str(), mg[0]["cell"].as_str()), ("Список", "A2"));
    assert!(mg[0]["fix"].contains("Группа"));
    let mn = with_rule(&p, "missing-name");
    assert_eq!(mn.len(), 1);
    assert_eq!(mn[0]["cell"], "A3", "the empty name cell");
    assert!(ws.people().is_empty());
}

#[test]
fn unknown_branch_in_a_row_and_a_row_whose_branch_cannot_be_told() {
    let ws = Ws::new();
    ws.config(COLLEGE_TOML);
    ws.write(
        "sources/staff.xlsx",
        xlsx(&[sheet(
            "Лист1",
            text_rows(&[
                &["ФИО", "Должность", "Филиал"],
                &["Южный Юрий Ильич", "Педагог", "Южный филиал"],
                &["Нигде Никита Ильич", "Педагог", ""],
                &["Заречнов Захар Ильич", "Педагог", "Заречный"],
            ]),
        )]),
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let p = ws.problems();
    let ub = with_rule(&p, "unknown-branch");
    assert_eq!(ub.len(), 2, "{r}");
    assert_eq!((ub[0]["cell"].as_str(), ub[0]["found"].as_str()), ("C2", "Южный филиал"));
    assert!(ub[0]["fix"].contains("«Главный корпус»") && ub[0]["fix"].contains("aliases"));
    assert_eq!(ub[1]["cell"], "A3");
    assert!(ub[1]["fix"].contains("branch ="), "{:?}", ub[1]);
    let people = ws.people();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["branch"], "Заречный филиал");
}

#[test]
fn branch_from_the_file_name() {
    let ws = Ws::new();
    ws.config(COLLEGE_TOML);
    ws.write(
        "sources/Заречный_контингент.csv",
        "ФИО;Группа;Дата рождения\nФайлов Фома Ильич;ЗФ-1;01.01.2008\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(ws.people()[0]["branch"], "Заречный филиал", "{r}");
}

#[test]
fn duplicate_rows_are_merged_with_a_warning() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/a.csv",
        "ФИО;Класс;Дата рождения\nПовторов Павел Ильич;5А;01.01.2015\nДругой Дмитрий;5А;01.01.2015\nПовторов Павел Ильич;5А;01.01.2015\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let d = with_rule(&ws.problems(), "duplicate-person")
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(d.len(), 1, "{r}");
    assert_eq!(d[0]["cell"], "A4", "the repeat is pointed at");
    assert_eq!(find_person(&ws.people(), "Повторов", "Павел").len(), 1);
}

#[test]
fn student_without_parents_only_where_the_profile_expects_parents() {
    for (profile, expected) in [("school", 1), ("kindergarten", 1), ("college", 0), ("supplementary", 0)] {
        let ws = Ws::new();
        ws.config(&format!("[organization]\nname = \"x\"\nprofile = \"{profile}\"\n"));
        ws.write("sources/a.csv", "ФИО;Группа;Дата рождения\nСирота Савва Ильич;1;01.01.2015\n");
        let r = ws.run(&["ingest"]);
        assert_eq!(r.code, 1, "{r}");
        assert_eq!(
            with_rule(&ws.problems(), "student-without-parents").len(),
            expected,
            "{profile}\n{r}"
        );
    }
}
