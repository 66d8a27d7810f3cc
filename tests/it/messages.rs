//! Every message a user reads is Russian: the errors of the configuration, the state
//! store, the platform and the outputs — each asserted as the whole line the user sees —
//! and the labels and dates in the files made for people.

use crate::diff::{TOML, college};
use crate::util::*;

/// stderr as lines.
fn lines(r: &Run) -> Vec<&str> {
    r.stderr.lines().collect()
}

/// The rows of one sheet of an xlsx file, cells as text.
fn sheet_rows(path: &std::path::Path, name: &str) -> Vec<Vec<String>> {
    use calamine::{Reader, open_workbook_auto};
    let mut wb = open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let range = wb.worksheet_range(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

#[test]
fn a_missing_config_file_is_named_in_russian_with_what_to_do() {
    let ws = Ws::new();
    let r = ws.run(&["check", "--config", "my-colege/rollout.toml"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: не удалось прочитать my-colege/rollout.toml: файла нет",
            "  подсказка: создайте рабочее место командой `rollout init ПАПКА --profile ПРОФИЛЬ` или укажите файл настроек: --config ПУТЬ",
        ],
        "{r}"
    );
}

#[test]
fn a_config_syntax_error_names_the_line_and_column_in_russian() {
    let ws = Ws::new();
    ws.config("[organization\nname = \"Школа\"\n");
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: rollout.toml, строка 1, столбец 14: не закрыт заголовок таблицы: ожидается `]`",
            "  1 | [organization",
            "    |              ^",
        ],
        "{r}"
    );
}

#[test]
fn a_config_without_profile_says_which_profiles_there_are() {
    let ws = Ws::new();
    ws.config("[organization]\nname = \"Школа\"\n");
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: rollout.toml: [organization] не указан profile — school (школа), college (колледж), kindergarten (детский сад) или supplementary (дополнительное образование)"
        ],
        "{r}"
    );
}

#[test]
fn an_unknown_profile_value_lists_the_known_ones_in_russian() {
    let ws = Ws::new();
    ws.config("[organization]\nname = \"Школа\"\nprofile = \"university\"\n");
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: rollout.toml, строка 3, столбец 11: недопустимое значение «university»; допустимые: school, college, kindergarten, supplementary",
            "  3 | profile = \"university\"",
            "    |           ^^^^^^^^^^^^",
        ],
        "{r}"
    );
}

#[test]
fn an_invalid_safety_value_says_what_is_expected() {
    let ws = Ws::new();
    ws.config(&format!("{SCHOOL_TOML}[safety]\nmax_remove = \"много\"\n"));
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        ["rollout: ошибка: rollout.toml: [safety] max_remove = «много»: нужна доля, например \"10%\", или число, например 5"],
        "{r}"
    );
}

#[test]
fn a_state_store_from_a_newer_version_is_refused_in_russian() {
    let ws = college();
    ws.run(&["check", "-q"]);
    std::fs::create_dir_all(ws.path().join(".rollout")).unwrap();
    let conn = rusqlite::Connection::open(ws.path().join(".rollout/state.db")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    assert_eq!(
        lines(&r),
        [format!(
            "rollout: ошибка: хранилище состояния ./.rollout/state.db создано более новой версией rollout (версия схемы 99, эта версия понимает схемы до {}); обновите rollout — хранилище оставлено как есть",
            rollout::state::SCHEMA_VERSION
        )],
        "{r}"
    );
}

#[test]
fn an_unreadable_snapshot_says_it_is_not_json() {
    let ws = college();
    ws.write("platform/chats.json", "это не JSON");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.starts_with("rollout: ошибка: "), "{r}");
    assert!(
        lines(&r).contains(
            &"  причина: ./platform/chats.json, строка 1, столбец 1: это не JSON — снимок платформы должен быть в том виде, в каком его отдаёт MAX Bot API"
        ),
        "{r}"
    );
}

#[test]
fn a_member_export_without_an_id_column_says_what_is_missing() {
    let ws = college();
    ws.config(&TOML.replace("snapshot = \"platform/\"", "export = \"members.csv\""));
    ws.write("members.csv", "ФИО;Чат\nИванов Иван;ИС-1 Студенты\n");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.starts_with("rollout: ошибка: "), "{r}");
    assert!(
        lines(&r)
            .contains(&"  причина: ./members.csv: нет столбца с ID участника («ID», «user_id»); без него участников нельзя сопоставить"),
        "{r}"
    );
}

#[test]
fn an_output_that_cannot_be_written_is_named_with_the_russian_os_cause() {
    let ws = college();
    // A folder where problems.csv must go.
    ws.write("out/problems.csv/keep", "");
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: не удалось записать ./out/problems.csv",
            "  причина: это папка, а не файл"
        ],
        "{r}"
    );
}

#[test]
fn the_severity_in_problems_xlsx_is_russian() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write(
        "sources/students.csv",
        "ФИО;Класс;Дата рождения\nИванов Иван Иванович;5А;31.02.2014\n;5А;01.01.2014\n",
    );
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    let rows = sheet_rows(&ws.path().join("out/problems.xlsx"), "Проблемы");
    assert_eq!(rows[0][1], "Серьёзность");
    let mut severities: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    severities.sort();
    severities.dedup();
    assert_eq!(severities, ["ошибка", "предупреждение"], "{rows:?}");
    // The machine file keeps its codes.
    let mut codes: Vec<String> = ws.problems().iter().map(|p| p["severity"].clone()).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes, ["error", "warning"]);
}

#[test]
fn the_link_history_shows_audiences_sources_and_days_for_people() {
    let ws = crate::letters::ws();
    let r = ws.run(&["links", "status", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    let rows = sheet_rows(&ws.path().join("out/links/status.xlsx"), "История ссылок");
    let row = |group: &str, audience: &str| {
        rows.iter()
            .find(|r| r[1] == group && r[2] == audience)
            .unwrap_or_else(|| panic!("{group} {audience}: {rows:?}"))
            .clone()
    };
    assert_eq!(
        row("ИС-1", "обучающиеся"),
        [
            "Главный корпус",
            "ИС-1",
            "обучающиеся",
            "https://max.ru/join/tok101",
            "платформа, чат 101",
            "22.11.2026",
            "22.11.2026",
            ""
        ]
    );
    assert_eq!(row("ИС-1", "родители")[5], "22.11.2026");
    // A link retired the next day shows that day too.
    let mut chats = crate::diff::base_chats();
    chats.retain(|c| c.0 != 101);
    crate::diff::write_snapshot(&ws, &chats);
    let r = ws.run_env(&["links", "status", "-q"], &[("ROLLOUT_TODAY", "2026-11-23")]);
    assert_eq!(r.code, 1, "{r}");
    let rows = sheet_rows(&ws.path().join("out/links/status.xlsx"), "История ссылок");
    let gone = rows
        .iter()
        .find(|r| r[1] == "ИС-1" && r[2] == "обучающиеся")
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(gone[5..], ["22.11.2026", "22.11.2026", "23.11.2026"]);
}

#[test]
fn the_dashboard_shows_the_day_of_a_check_off_as_people_write_it() {
    let ws = crate::letters::ws();
    ws.write(
        "plans/p.toml",
        "[[milestones]]\nid = \"seminar\"\nevent = \"Семинар для кураторов\"\ndeadline = \"до 01.12.2026\"\n",
    );
    let r = ws.run(&["plan", "done", "seminar", "--by", "Иванова И.И.", "--date", "2026-11-20"]);
    assert_eq!(r.code, 0, "{r}");
    let r = ws.run(&["report", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    let html = ws.read("out/report.html");
    assert!(
        html.contains("<td>отметка ответственного: 20.11.2026, Иванова И.И.</td>"),
        "{}",
        html.lines().find(|l| l.contains("отметка ответственного")).unwrap_or(&html)
    );
}

#[test]
fn a_plan_file_syntax_error_names_the_line_in_russian() {
    let ws = Ws::new();
    ws.config(SCHOOL_TOML);
    ws.write("plans/p.toml", "[[milestones]]\nid = \"a\"\nevent = Семинар\n");
    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: план нельзя использовать:",
            "./plans/p.toml, строка 3, столбец 9: текст нужно взять в кавычки",
            "  3 | event = Семинар",
            "    |         ^^^^^^^",
        ],
        "{r}"
    );
}
