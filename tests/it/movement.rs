//! Roster history and movement: every kind of change between two recorded rosters, ids
//! that survive a corrected name or birth date, the records (`--list`, `--from/--to`,
//! `--since`), no record from an unreadable source, `purge` of old records, owner-only.

use crate::util::*;

const TOML: &str = r#"
[organization]
name = "Тестовый колледж"
profile = "college"

[[branches]]
name = "Главный корпус"
main = true
aliases = ["ГК"]

[[branches]]
name = "Заречный филиал"
aliases = ["Заречный"]
"#;

const STUDENTS_1: &str = "ФИО;Группа;Филиал;Дата рождения
Иванов Иван Иванович;ИС-1;ГК;01.01.2008
Сидоров Алексей Петрович;ИС-1;ГК;03.03.2008
Кузнецова Анна Олеговна;ИС-1;ГК;04.04.2008
Смирнов Дмитрий Ильич;ИС-1;ГК;05.05.2008
Попов Сергей Андреевич;ИС-2;ГК;06.06.2008
Волкова Екатерина Павловна;ИС-2;ГК;07.07.2008
Орлов Олег Олегович;ЗФ-1;Заречный;09.09.2008
Соколова Софья Андреевна;ЗФ-1;Заречный;10.10.2008
";

/// Сидоров left, Новиков arrived, Попов moved to ИС-1, Соколова to the main branch;
/// Кузнецова's first name and Смирнов's birth date corrected.
const STUDENTS_2: &str = "ФИО;Группа;Филиал;Дата рождения
Иванов Иван Иванович;ИС-1;ГК;01.01.2008
Кузнецова Ана Олеговна;ИС-1;ГК;04.04.2008
Смирнов Дмитрий Ильич;ИС-1;ГК;15.05.2008
Новиков Никита Ильич;ИС-1;ГК;12.12.2008
Попов Сергей Андреевич;ИС-1;ГК;06.06.2008
Волкова Екатерина Павловна;ИС-2;ГК;07.07.2008
Орлов Олег Олегович;ЗФ-1;Заречный;09.09.2008
Соколова Софья Андреевна;ИС-2;ГК;10.10.2008
";

const PARENTS_1: &str = "ФИО обучающегося;Группа;Филиал;ФИО родителя;Кем приходится;Телефон
Иванов Иван Иванович;ИС-1;ГК;Иванова Анна Петровна;мать;89120000001
Орлов Олег Олегович;ЗФ-1;Заречный;Орлова Ольга Ивановна;мать;89120000004
";

/// Иванова has a new phone.
const PARENTS_2: &str = "ФИО обучающегося;Группа;Филиал;ФИО родителя;Кем приходится;Телефон
Иванов Иван Иванович;ИС-1;ГК;Иванова Анна Петровна;мать;89120000009
Орлов Олег Олегович;ЗФ-1;Заречный;Орлова Ольга Ивановна;мать;89120000004
";

const STAFF_1: &str = "ФИО;Должность;Филиал;Классное руководство
Учителева Галина Ивановна;Преподаватель;ГК;ИС-1
Смирнова Ольга Петровна;Преподаватель;ГК;ИС-2
Уходящая Ульяна Петровна;Преподаватель;ГК;
Заречная Зоя Ивановна;Преподаватель;Заречный;ЗФ-1
";

/// Уходящая left; Смирнова became a methodologist; the two curators swapped groups.
const STAFF_2: &str = "ФИО;Должность;Филиал;Классное руководство
Учителева Галина Ивановна;Преподаватель;ГК;ИС-2
Смирнова Ольга Петровна;Методист;ГК;ИС-1
Заречная Зоя Ивановна;Преподаватель;Заречный;ЗФ-1
";

fn workspace() -> Ws {
    let ws = Ws::new();
    ws.config(TOML);
    ws.write("sources/students.csv", STUDENTS_1);
    ws.write("sources/parents.csv", PARENTS_1);
    ws.write("sources/staff.csv", STAFF_1);
    ws
}

fn second_week(ws: &Ws) {
    ws.write("sources/students.csv", STUDENTS_2);
    ws.write("sources/parents.csv", PARENTS_2);
    ws.write("sources/staff.csv", STAFF_2);
}

fn ingest(ws: &Ws, day: &str) -> Run {
    let r = ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", day)]);
    assert!(r.code == 0 || r.code == 1, "{r}");
    r
}

/// person_id by surname (unique in these fixtures).
fn id_of(people: &[Row], surname: &str) -> String {
    let found: Vec<&Row> = people.iter().filter(|p| p["surname"] == surname).collect();
    assert_eq!(found.len(), 1, "{surname}: {found:?}");
    found[0]["person_id"].clone()
}

fn movement_rows(ws: &Ws) -> Vec<String> {
    let text = ws.read("out/movement.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("person_id,kind,change,field,branch_from,group_from,branch_to,group_to,date")
    );
    let mut rows: Vec<String> = lines.map(str::to_string).collect();
    rows.sort();
    rows
}

#[test]
fn every_kind_of_change_between_two_weeks() {
    let ws = workspace();
    ingest(&ws, "2026-11-22");
    let before = ws.people();
    second_week(&ws);
    let r = ingest(&ws, "2026-11-29");
    assert!(
        r.stderr
            .lines()
            .any(|l| l == "rollout: 2 человека с исправленными ФИО или датой рождения сохранили прежние ID"),
        "{r}"
    );
    let after = ws.people();
    // The corrected name and birth date keep their ids.
    assert_eq!(id_of(&after, "Кузнецова"), id_of(&before, "Кузнецова"));
    assert_eq!(id_of(&after, "Смирнов"), id_of(&before, "Смирнов"));

    let r = ws.run_env(&["movement"], &[("ROLLOUT_TODAY", "2026-11-29")]);
    assert_eq!(r.code, 0, "{r}");
    let a = |s: &str| id_of(&after, s);
    let b = |s: &str| id_of(&before, s);
    let d = "2026-11-29";
    let mut want = vec![
        format!("{},student,arrived,,,,Главный корпус,ИС-1,{d}", a("Новиков")),
        format!("{},student,left,,Главный корпус,ИС-1,,,{d}", b("Сидоров")),
        format!("{},staff,left,,Главный корпус,,,,{d}", b("Уходящая")),
        format!("{},student,moved,group,Главный корпус,ИС-2,Главный корпус,ИС-1,{d}", a("Попов")),
        format!(
            "{},student,moved,branch,Заречный филиал,ЗФ-1,Главный корпус,ИС-2,{d}",
            a("Соколова")
        ),
        format!("{},parent,contact,phone,Главный корпус,,Главный корпус,,{d}", a("Иванова")),
        format!(
            "{},student,name,first_name,Главный корпус,ИС-1,Главный корпус,ИС-1,{d}",
            a("Кузнецова")
        ),
        format!(
            "{},student,birth_date,birth_date,Главный корпус,ИС-1,Главный корпус,ИС-1,{d}",
            a("Смирнов")
        ),
        format!("{},staff,position,position,Главный корпус,,Главный корпус,,{d}", a("Смирнова")),
        format!(
            "{},staff,curated_groups,curated_groups,Главный корпус,ИС-2,Главный корпус,ИС-1,{d}",
            a("Смирнова")
        ),
        format!(
            "{},staff,curated_groups,curated_groups,Главный корпус,ИС-1,Главный корпус,ИС-2,{d}",
            a("Учителева")
        ),
    ];
    want.sort();
    assert_eq!(movement_rows(&ws), want, "{r}");
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        [
            "Движение: список № 1 от 22.11.2026 (rollout ingest) → № 2 от 29.11.2026 (rollout ingest)",
            "  Главный корпус: прибыли — 1, выбыли — 2, переведены — 2, сменили контакт — 1, исправлено ФИО — 1, исправлена дата рождения — 1, сменили должность — 1, сменилось кураторство — 2",
            "  Всего изменений: 11",
            &format!(
                "Записано: {}, {}",
                std::path::Path::new("./out/movement.csv").display(),
                std::path::Path::new("./out/movement.xlsx").display()
            ),
        ],
        "{r}"
    );
    // No names or phones in the outputs.
    let csv = ws.read("out/movement.csv");
    assert!(!csv.contains("Кузнецова") && !csv.contains("9120000"), "{csv}");
    let xlsx = std::fs::metadata(ws.path().join("out/movement.xlsx")).unwrap();
    assert!(xlsx.len() > 0);
    // Listed in run.json like every output.
    assert!(ws.read("out/run.json").contains("movement.csv"));
}

#[test]
fn records_are_listed_and_chosen_by_number_or_day() {
    let ws = workspace();
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("rollout: ошибка: история списков пуста"), "{r}");
    ingest(&ws, "2026-11-22");
    // The same content again: no second record.
    ingest(&ws, "2026-11-23");
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            "rollout: ошибка: в истории пока один список: № 1 от 22.11.2026 (rollout ingest) — движение видно, когда записан второй (rollout ingest после обновления источников)"
        ),
        "{r}"
    );
    second_week(&ws);
    ingest(&ws, "2026-11-29");
    ws.write(
        "sources/students.csv",
        format!("{STUDENTS_2}Зайцев Захар Ильич;ЗФ-1;Заречный;11.11.2008\n"),
    );
    ingest(&ws, "2026-12-06");

    let r = ws.run(&["movement", "--list"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        r.stdout,
        "  Номер  Дата        Команда  Обучающихся  Родителей  Сотрудников
  1      22.11.2026  ingest   8            2          4
  2      29.11.2026  ingest   8            2          3
  3      06.12.2026  ingest   9            2          3
"
    );
    // The default: the latest against the one before it.
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 0, "{r}");
    let rows = movement_rows(&ws);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains(",student,arrived,,,,Заречный филиал,ЗФ-1,2026-12-06"), "{rows:?}");
    // --from/--to: the first week's eleven changes.
    let r = ws.run(&["movement", "--from", "1", "--to", "2"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(movement_rows(&ws).len(), 11);
    // --since: the last record before that day against the latest.
    let r = ws.run(&["movement", "--since", "25.11.2026"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout
            .starts_with("Движение: список № 1 от 22.11.2026 (rollout ingest) → № 3 от 06.12.2026"),
        "{r}"
    );
    assert_eq!(movement_rows(&ws).len(), 12);
    let r = ws.run(&["movement", "--since", "2026-11-01"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next(),
        Some("rollout: ошибка: в истории нет списков, записанных раньше 01.11.2026: первый — № 1 от 22.11.2026 (rollout ingest)"),
        "{r}"
    );
    let r = ws.run(&["movement", "--from", "9"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next(),
        Some("rollout: ошибка: в истории нет списка № 9 (rollout movement --list покажет, какие есть)"),
        "{r}"
    );
}

#[test]
fn an_unreadable_source_records_no_history_and_movement_says_so() {
    let ws = workspace();
    ingest(&ws, "2026-11-22");
    second_week(&ws);
    ws.write("sources/broken.xlsx", b"not a workbook at all");
    let r = ws.run_env(&["ingest"], &[("ROLLOUT_TODAY", "2026-11-29")]);
    assert_eq!(r.code, 3, "{r}");
    let r = ws.run(&["movement", "--list"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stdout.lines().count(), 2, "{r}");
    assert_eq!(
        r.stderr,
        "rollout: внимание: список, собранный rollout ingest 29.11.2026, не записан в историю: не прочитан 1 источник — движение показано по записанным спискам\n"
    );
    // Once every source is read, the next build is recorded and the note goes.
    std::fs::remove_file(ws.path().join("sources/broken.xlsx")).unwrap();
    ingest(&ws, "2026-11-30");
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stderr, "", "{r}");
}

#[test]
fn purge_removes_old_records_but_the_latest() {
    let ws = workspace();
    ingest(&ws, "2026-11-22");
    second_week(&ws);
    ingest(&ws, "2026-11-29");
    let r = ws.run_env(&["purge", "--before", "01.12.2026"], &[("ROLLOUT_TODAY", "2026-12-06")]);
    assert_eq!(r.code, 0, "{r}");
    assert!(
        r.stdout.lines().any(|l| l
            == "Удалено списков из истории: 1 (записанные до 01.12.2026); последний, № 2 от 29.11.2026, оставлен — с ним сравнят следующие rollout movement и diff."),
        "{r}"
    );
    let r = ws.run(&["movement", "--list"]);
    assert_eq!(r.stdout.lines().count(), 2, "{r}");
    assert!(r.stdout.lines().nth(1).unwrap().starts_with("  2 "), "{r}");
}

#[cfg(unix)]
#[test]
fn the_history_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let ws = workspace();
    ingest(&ws, "2026-11-22");
    let dir = ws.path().join(".rollout/history");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let record = dir.join("1");
    assert_eq!(mode(&record), 0o700);
    for f in [
        "people.parquet",
        "memberships.parquet",
        "groups.parquet",
        "guardians.parquet",
        "staff.parquet",
        "meta.json",
    ] {
        assert_eq!(mode(&record.join(f)), 0o600, "{f}");
    }
}

/// Any run of Latin letters in a message is a leak of a library's English (ids, paths and
/// file names excepted by the caller).
fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 4)
        .filter(|w| {
            ![
                "rollout", "movement", "ingest", "list", "history", "parquet", "people", "purge", "before", "person", "diff",
            ]
            .contains(w)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn a_damaged_record_is_named_in_russian_with_the_fix_and_written_anew() {
    let ws = workspace();
    ingest(&ws, "2026-11-22");
    second_week(&ws);
    ingest(&ws, "2026-11-29");
    let people = ws.path().join(".rollout/history/2/people.parquet");
    // A valid Parquet table of the wrong shape.
    std::fs::copy(ws.path().join(".rollout/history/2/groups.parquet"), &people).unwrap();
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.stderr
            .contains("people.parquet — запись истории списков повреждена (нет столбца person_id): удалите папку"),
        "{r}"
    );
    let path_free: String = r.stderr.replace(&ws.path().display().to_string(), "");
    assert_eq!(english_words(&path_free), Vec::<String>::new(), "{r}");
    // Cut off: the same roster built again replaces the record.
    let bytes = std::fs::read(&people).unwrap();
    std::fs::write(&people, &bytes[..bytes.len() / 2]).unwrap();
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("(это не таблица Parquet или она обрывается)"), "{r}");
    ingest(&ws, "2026-11-30");
    let r = ws.run(&["movement", "--list"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(!ws.path().join(".rollout/history/2").exists());
    assert!(ws.path().join(".rollout/history/3/meta.json").exists());
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 0, "{r}");
}

#[test]
fn a_reversed_pair_is_refused() {
    let ws = workspace();
    ingest(&ws, "2026-11-22");
    second_week(&ws);
    ingest(&ws, "2026-11-29");
    let r = ws.run(&["movement", "--from", "2", "--to", "1"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            "rollout: ошибка: список --from (№ 2 от 29.11.2026 (rollout ingest)) записан позже, чем --to (№ 1 от 22.11.2026 (rollout ingest)): укажите в --from более ранний список"
        ),
        "{r}"
    );
}

#[test]
fn a_history_that_is_a_file_is_a_warning_in_russian_and_the_run_goes_on() {
    let ws = workspace();
    ws.write(".rollout/history", "junk");
    let r = ingest(&ws, "2026-11-22");
    assert!(
        r.stderr
            .contains("rollout: внимание: список не записан в историю: не удалось прочитать папку истории"),
        "{r}"
    );
    let path_free: String = r.stderr.replace(&ws.path().display().to_string(), "");
    assert!(!path_free.contains("os error"), "{r}");
    assert!(ws.path().join("out/roster/people.csv").exists());
}

#[test]
fn a_parent_whose_id_follows_a_corrected_child_is_counted_as_such() {
    let ws = workspace();
    let parent_1 = format!("{PARENTS_1}Кузнецова Анна Олеговна;ИС-1;ГК;Кузнецова Мария Ивановна;мать;89120000005\n");
    ws.write("sources/parents.csv", &parent_1);
    ingest(&ws, "2026-11-22");
    ws.write("sources/students.csv", STUDENTS_1.replace("Кузнецова Анна", "Кузнецова Ана"));
    ws.write("sources/parents.csv", parent_1.replace("Кузнецова Анна", "Кузнецова Ана"));
    let r = ingest(&ws, "2026-11-29");
    assert!(
        r.stderr.lines().any(|l| l
            == "rollout: 2 человека с исправленными ФИО или датой рождения сохранили прежние ID (из них родителей — 1: их ID складываются из ID детей и следуют за ними, даже если данные самих родителей не менялись)"),
        "{r}"
    );
    let r = ws.run(&["movement"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(movement_rows(&ws).len(), 1, "{:?}", movement_rows(&ws));
}
