//! The command line: init, config errors, exit codes, --config/--out, output conventions.

use crate::util::*;

#[test]
fn init_writes_a_starter_workspace_for_each_profile() {
    for (profile, word) in [
        ("school", "класс"),
        ("college", "группа"),
        ("kindergarten", "группа"),
        ("supplementary", "объединение"),
    ] {
        let ws = Ws::new();
        let r = ws.run(&["init", "w", "--profile", profile, "--name", "МБОУ «СОШ № 1»"]);
        assert_eq!(r.code, 0, "{r}");
        for d in ["w/sources", "w/plans", "w/templates"] {
            assert!(ws.path().join(d).is_dir(), "{d}");
        }
        let cfg = ws.read("w/rollout.toml");
        assert!(cfg.contains(&format!("profile = \"{profile}\"")));
        assert!(cfg.contains("name = \"МБОУ «СОШ № 1»\""));
        assert!(cfg.contains(word), "{profile}: the group word");
        for key in [
            "[ingest]",
            "max_memory_mb",
            "[[sources]]",
            "[[groups]]",
            "[platform]",
            "[safety]",
            "max_remove",
            "[links]",
            "[plans]",
            "[calendar]",
            "[matching]",
            "timezone",
        ] {
            assert!(cfg.contains(key), "{profile}: rollout.toml lacks {key}");
        }
        if profile == "kindergarten" {
            assert!(
                cfg.contains("чат родителей") && !cfg.contains("чат обучающихся"),
                "kindergarten groups have a parents' chat only:\n{cfg}"
            );
        }
        if profile == "supplementary" {
            assert!(cfg.contains("в нескольких группах (да)") || cfg.contains("(да)"), "{cfg}");
        }
        // The new workspace runs and says what to do next: no sources yet.
        let r = ws.run(&["check", "--config", "w/rollout.toml"]);
        assert_eq!(r.code, 1, "{r}");
        assert!(r.stdout.contains("Источников нет"), "{r}");
        assert!(!r.stderr.contains("неизвестный ключ"), "{r}");
    }
}

#[test]
fn init_refuses_a_non_empty_folder_without_force() {
    let ws = Ws::new();
    ws.write("w/notes.txt", "mine");
    let r = ws.run(&["init", "w", "--profile", "school"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr, "rollout: ошибка: папка w не пуста; чтобы всё же создать рабочее место в ней, добавьте --force\n",
        "{r}"
    );
    assert!(!ws.path().join("w/rollout.toml").exists());
    let r = ws.run(&["init", "w", "--profile", "school", "--force"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(ws.read("w/notes.txt"), "mine");
}

#[test]
fn init_rejects_an_unknown_profile() {
    let ws = Ws::new();
    let r = ws.run(&["init", "w", "--profile", "university"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            "rollout: ошибка: недопустимое значение «university» для --profile <ПРОФИЛЬ>: нужен один из профилей school (школа), college (колледж), kindergarten (детский сад), supplementary (дополнительное образование)"
        ),
        "{r}"
    );
}

#[test]
fn a_missing_config_is_a_usage_error_with_a_hint() {
    let ws = Ws::new();
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("rollout.toml") && r.stderr.contains("rollout init"), "{r}");
}

#[test]
fn config_errors_name_the_problem() {
    let ws = Ws::new();
    ws.config("[organization]\nprofile = \"school\"\nname = \n");
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("rollout.toml"), "{r}");

    ws.config(&format!(
        "{COLLEGE_TOML}\n[[sources]]\npath = \"sources/a.xlsx\"\nbranch = \"Южный филиал\"\n"
    ));
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("Южный филиал") && r.stderr.contains("Заречный филиал"), "{r}");

    ws.config(&format!(
        "{COLLEGE_TOML}\n[[sources]]\npath = \"sources/a.xlsx\"\ncolumns = {{ \"Ф.И.О.\" = \"name\" }}\n"
    ));
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            "rollout: ошибка: rollout.toml: [[sources]] sources/a.xlsx: в `columns` неизвестное поле «name»; есть: fio, surname, first_name, patronymic, birth_date, group, course, branch, position, curated_groups, student, parent, relation, phone, email, snils, login, id, chat, chat_id, role, subject, hours"
        ),
        "{r}"
    );
}

#[test]
fn unknown_keys_are_reported_not_ignored() {
    let ws = Ws::new();
    ws.config(&format!(
        "{SCHOOL_TOML}colour = \"red\"\n[ingest]\nmax_secs = 3\n[[sources]]\npath = \"a.csv\"\nbrnch = \"x\"\n"
    ));
    ws.write("a.csv", "ФИО;Класс;Дата рождения\nКлючев Кирилл Ильич;5А;01.01.2015\n");
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stderr.contains("неизвестный ключ `sources.0.brnch`"),
        "a readable path for a key in a list\n{r}"
    );
    assert!(r.stderr.contains("неизвестный ключ `organization.colour`"), "{r}");
    assert!(r.stderr.contains("неизвестный ключ `ingest.max_secs`"), "{r}");
}

#[test]
fn exit_codes_and_config_and_out_flags() {
    let ws = Ws::new();
    ws.write("ws/rollout.toml", SCHOOL_TOML);
    ws.write(
        "ws/sources/a.xlsx",
        xlsx(&[sheet(
            "5А",
            text_rows(&[&["ФИО", "Дата рождения"], &["Чистый Чеслав Ильич", "01.01.2015"]]),
        )]),
    );
    ws.write(
        "ws/sources/b.csv",
        "ФИО обучающегося;Класс;ФИО родителя;Телефон\nЧистый Чеслав Ильич;5А;Чистая Чара Ильинична;89120000000\n",
    );
    ws.write(
        "ws/sources/c.csv",
        "ФИО;Должность;Классное руководство\nКлассная Клара Ильинична;Учитель;5А\n",
    );
    let r = ws.run(&["run", "--config", "ws/rollout.toml", "--out", "elsewhere"]);
    assert_eq!(r.code, 0, "clean data is exit code 0\n{r}");
    assert!(r.stdout.contains("Проблем не найдено"), "{r}");
    assert!(ws.path().join("elsewhere/roster/people.csv").is_file(), "--out is honoured");
    assert!(!ws.path().join("ws/out").exists());
    // Default out/ is next to the config.
    let r = ws.run(&["ingest", "--config", "ws/rollout.toml"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.path().join("ws/out/roster/people.csv").is_file());
    // A warning makes it 1.
    ws.write("ws/sources/d.csv", "ФИО;Класс\nБезДаты Борис;5А\n");
    let r = ws.run(&["check", "--config", "ws/rollout.toml"]);
    assert_eq!(r.code, 1, "{r}");
    // `check` writes problems but leaves the roster as it was.
    assert!(ws.path().join("ws/out/problems.csv").is_file());
}

#[test]
fn outputs_follow_the_conventions() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/evil.csv",
        "ФИО обучающегося;Класс;ФИО родителя;Телефон;E-mail\n\
         =HYPERLINK(\"http://x\") Злой;5А;@Злобин Зиновий;+79120000000;z@mail.ru\n",
    );
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.read("out/roster/people.csv");
    assert!(
        people.starts_with("person_id,kind,surname,first_name,patronymic,birth_date,branch,group,phone,email\r\n"),
        "{people}"
    );
    assert!(!people.starts_with('\u{feff}'), "machine CSV has no BOM");
    assert!(people.contains(",+79120000000,"), "an E.164 phone is not neutralised\n{people}");
    for (f, header) in [
        ("out/roster/groups.csv", "branch,group,curator_id,course"),
        ("out/roster/guardians.csv", "student_id,parent_id,relation"),
        ("out/roster/staff_roles.csv", "person_id,branch,position,curated_groups"),
        ("out/problems.csv", "rule,severity,file,sheet,cell,branch,found,fix"),
    ] {
        assert_eq!(ws.read(f).lines().next().unwrap(), header, "{f}");
    }
    // Formula injection: a cell that starts with = + - @ is neutralised in every CSV.
    for f in ["out/roster/people.csv", "out/problems.csv"] {
        let rows = ws.csv(f);
        for row in &rows {
            for v in row.values() {
                assert!(!v.starts_with(['=', '@']) || v.starts_with('\''), "{f}: {v}\n{r}");
            }
        }
    }
    // XLSX cells are strings, never formulas.
    let xlsx = std::fs::read(ws.path().join("out/roster/roster.xlsx")).unwrap();
    let mut zip = zip_sheet_xml(&xlsx);
    zip.retain(|x| x.contains("<f>"));
    assert!(zip.is_empty(), "a formula in roster.xlsx");
    // Owner-only files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [
            "out/roster/people.csv",
            "out/roster/roster.xlsx",
            "out/problems.csv",
            "out/problems.xlsx",
            ".rollout/state.db",
        ] {
            let mode = std::fs::metadata(ws.path().join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f} is {mode:o}");
        }
        let mode = std::fs::metadata(ws.path().join("out")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
    // No names in what is printed.
    assert!(!r.stdout.contains("Злобин") && !r.stderr.contains("Злобин"), "{r}");
}

/// The worksheet XML parts of an xlsx.
fn zip_sheet_xml(bytes: &[u8]) -> Vec<String> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = z
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .filter(|n| n.starts_with("xl/worksheets/"))
        .collect();
    assert!(!names.is_empty());
    names
        .iter()
        .map(|n| {
            let mut s = String::new();
            z.by_name(n).unwrap().read_to_string(&mut s).unwrap();
            s
        })
        .collect()
}

#[test]
fn columns_override_header_detection() {
    let ws = Ws::new();
    ws.config(&format!(
        "{SCHOOL_TOML}[[sources]]\npath = \"sources/odd.csv\"\nkind = \"students\"\ncolumns = {{ \"Кто\" = \"fio\", \"Где учится\" = \"group\" }}\n"
    ));
    ws.write("sources/odd.csv", "Кто;Где учится;Д.Р.\nСвоеобразный Савва Ильич;4Б;01.01.2016\n");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.people();
    let p = find_person(&people, "Своеобразный", "Савва");
    assert_eq!(p.len(), 1, "{r}");
    assert_eq!(p[0]["group"], "4Б");
    assert_eq!(p[0]["birth_date"], "2016-01-01", "«Д.Р.» is still detected");
}

#[test]
fn help_has_examples() {
    let ws = Ws::new();
    let r = ws.run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Примеры:") && r.stdout.contains("rollout init"), "{r}");
    assert!(!r.stdout.contains("__read-source"), "the internal reader is hidden");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // A clean change set: `diff` ends with 0 and prints its summary.
    let ws = crate::diff::college();
    crate::diff::write_snapshot(&ws, &crate::diff::base_chats());
    // The reading end is closed before rollout prints its summary: every write to stdout
    // meets a closed pipe (as in `rollout diff | head -c 0`), deterministically.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollout"))
        .arg("diff")
        .current_dir(ws.path())
        .env("ROLLOUT_TODAY", "2026-11-22")
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Broken pipe") && !stderr.contains("panicked"), "{stderr}");
    // Done, and quietly: the same exit status as with a reader that read everything.
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(!r.stdout.is_empty(), "diff prints a summary\n{r}");
    assert_eq!(out.status.code(), Some(0), "a closed pipe: {}\n{stderr}", out.status);
}

#[test]
fn a_missing_profile_is_a_configuration_error() {
    let ws = Ws::new();
    ws.config("[organization]\nname = \"Школа\"\nprofle = \"school\"\n");
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("[organization] не указан profile"), "{r}");
    assert!(
        r.stderr
            .lines()
            .any(|l| l == "  неизвестный ключ `organization.profle` — опечатка?"),
        "the typo is named\n{r}"
    );
}

#[test]
fn files_not_listed_in_sources_are_named() {
    let ws = Ws::new();
    ws.config(&format!("{SCHOOL_TOML}[[sources]]\npath = \"sources/a.csv\"\n"));
    ws.write("sources/a.csv", "ФИО;Класс;Дата рождения\nАлов Алик Ильич;5А;01.01.2015\n");
    ws.write(
        "sources/forgotten.xlsx",
        xlsx(&[sheet("x", text_rows(&[&["ФИО", "Класс"], &["Забытый Захар", "5А"]]))]),
    );
    let r = ws.run(&["check"]);
    assert!(
        r.stdout
            .contains("Внимание: 1 файл в sources/ не перечислен в [[sources]] и не прочитан: sources/forgotten.xlsx"),
        "{r}"
    );
    assert_eq!(r.code, 1, "{r}");
}

#[test]
fn an_unwritable_output_folder_is_a_usage_error() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write("sources/a.csv", "ФИО;Класс;Дата рождения\nАлов Алик Ильич;5А;01.01.2015\n");
    ws.write("out", "a file where the folder should be");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(r.stderr.contains("out"), "{r}");
}

#[test]
fn the_summary_speaks_russian_with_proper_plurals() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write("sources/a.csv", "ФИО;Класс;Дата рождения\nАлов Алик Ильич;5А;01.01.2015\n");
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("Источники: 1 файл"), "{r}");
    assert!(r.stdout.contains("1 ученик, 0 родителей, 0 сотрудников, 1 группа"), "{r}");
    assert!(r.stdout.contains("problems.xlsx"), "people are pointed at the Excel file\n{r}");
    let excel = std::fs::read(ws.path().join("out/problems-excel.csv")).unwrap();
    assert!(excel.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM for Russian Excel");
    let text = String::from_utf8_lossy(&excel);
    assert!(text.contains("Правило;Серьёзность;") && text.contains(";предупреждение;"), "{text}");
}
