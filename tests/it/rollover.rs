//! `[rollover]` in rollout.toml, through the binary: the rules of the new school year are
//! read with every command, a wrong key refused before anything is done.

use crate::util::*;

const PUPILS: &str = "ФИО;Класс;Дата рождения\nКлючев Кирилл Ильич;5А;01.01.2015\n";

#[test]
fn rollover_section_is_read_and_a_typo_is_refused_with_its_key() {
    let ws = Ws::new();
    ws.write("sources/a.csv", PUPILS);
    ws.config(&format!(
        "{SCHOOL_TOML}[rollover]\nlast_grade = 9\nlast_course_by_prefix = {{ \"ПК\" = 3 }}\ngrace_days = 14\nkindergarten_groups = [\"Младшая\", \"Средняя\"]\n"
    ));
    let r = ws.run(&["check"]);
    assert_ne!(r.code, 2, "{r}");
    assert!(!r.stderr.contains("rollover"), "{r}");

    ws.config(&format!("{SCHOOL_TOML}[rollover]\nlast_grad = 9\ngrace_days = -3\n"));
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        r.stderr
            .contains("[rollover] неизвестный ключ `last_grad` — имелось в виду last_grade?"),
        "{r}"
    );
    assert!(
        r.stderr.contains("[rollover] grace_days = «-3»: нужно целое число от 0 до 366"),
        "{r}"
    );
}
