//! What a new user hit on a fresh clone (issue 10), part two: the approve flow, unknown
//! accounts, the Gantt axis, Excel's lock files, wording, and the Russian texts of
//! approve, confirm/reject, purge, diff and init. Each test asserts the whole line a user
//! reads.

use crate::diff::{PARENTS, STUDENTS, TOML, base_chats, college, write_snapshot};
use crate::util::*;

/// The first line of stderr as the user reads it. The prefix «rollout: ошибка:» is printed
/// by `main`'s report, changed in another part of this issue: the old English prefix is
/// read as the new one, so these tests assert the message itself either way.
fn error_line(r: &Run) -> String {
    r.stderr
        .lines()
        .next()
        .unwrap_or("")
        .replacen("rollout: error: ", "rollout: ошибка: ", 1)
}

fn changes(ws: &Ws) -> serde_json::Value {
    serde_json::from_str(&ws.read("out/changes.json")).unwrap()
}

fn stdout_lines(r: &Run) -> Vec<&str> {
    r.stdout.lines().collect()
}

/// The college with a full platform, diffed once; then Иванов and his mother leave the
/// sources: two removals, over the threshold, and the parents' list shrank by a third.
fn departed() -> Ws {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    ws.write(
        "sources/students.csv",
        STUDENTS.replace("Иванов Иван Иванович;ИС-1;ГК;01.01.2008\n", ""),
    );
    ws.write(
        "sources/parents.csv",
        PARENTS.replace("Иванов Иван Иванович;ИС-1;ГК;Иванова Анна Петровна;мать;89120000001\n", ""),
    );
    ws
}

/// The college without any platform source.
fn college_without_platform() -> Ws {
    let ws = college();
    ws.config(&TOML.replace("[platform]\nsnapshot = \"platform/\"\n", ""));
    ws
}

// 5. After `approve`, `diff` said «подтверждён» and then asked to approve the same removals.
#[test]
fn an_approved_change_set_says_its_removals_are_allowed_and_asks_nothing_more() {
    let ws = departed();
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 1, "{r}");
    let hash = changes(&ws)["hash"].as_str().unwrap().to_string();
    let lines = stdout_lines(&r);
    assert!(
        lines.contains(&"  ! Главный корпус: список родителей сократился с 3 до 2 человек с прошлого запуска (больше чем на 30%) — возможно, файл обрезан; 2 удаления ждут подтверждения (rollout approve)"),
        "{r}"
    );
    assert!(
        lines.contains(&"  ! Главный корпус, родители: 1 удаление из 6 участников чатов (16.7%) — больше порога [safety] max_remove = 10%; проверьте и подтвердите (rollout approve)"),
        "{r}"
    );
    let ask = format!("Удаления не выполняются, пока набор не подтверждён: rollout approve {hash}");
    assert_eq!(lines.last().copied(), Some(ask.as_str()), "{r}");

    let r = ws.run(&["approve", &hash]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stdout, format!("Набор изменений {hash} подтверждён (2 действия).\n"));

    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let lines = stdout_lines(&r);
    assert_eq!(
        lines[1],
        format!("Набор изменений подтверждён ({}…): 2 действия — ./out/changes.xlsx", &hash[..12]),
        "{r}"
    );
    assert!(
        lines.contains(&"  ! Главный корпус, родители: 1 удаление из 6 участников чатов (16.7%) — больше порога [safety] max_remove = 10%; подтверждено, удаления разрешены"),
        "{r}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("Набор изменений подтверждён: удаления, которые его задерживали, разрешены; подтверждать его снова не нужно."),
        "{r}"
    );
    assert!(!r.stdout.contains("rollout approve"), "no request to approve it again\n{r}");
    assert_eq!(
        changes(&ws)["held_reasons"],
        serde_json::json!([
            "Главный корпус, родители: 1 удаление из 6 участников чатов (16.7%) — больше порога [safety] max_remove = 10%; подтверждено, удаления разрешены"
        ])
    );
}

// 6. `approve HASH` before any change set was made said it «no longer matches its inputs».
#[test]
fn approve_before_any_diff_says_there_is_no_change_set_yet() {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["approve", "0123456789abcdef"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: набора изменений ещё нет: сначала выполните rollout diff и проверьте его",
        "{r}"
    );
}

#[test]
fn approve_of_another_hash_after_a_diff_is_refused_in_russian() {
    let ws = departed();
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 1, "{r}");
    let now = changes(&ws)["hash"].as_str().unwrap().to_string();
    let r = ws.run(&["approve", "0123456789abcdef"]);
    assert!(!r.stderr.contains(&now), "the refusal never names the current hash\n{r}");
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        format!(
            "rollout: ошибка: отказано: набор изменений 0123456789abcdef не совпадает с тем, что получается сейчас (изменились источники, rollout.toml, данные платформы или решения). Выполните rollout diff заново и проверьте новый набор (если набор делался с --platform, укажите тот же --platform и здесь)"
        ),
        "{r}"
    );
    let r = ws.run(&["approve", "12ab"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: «12ab» — не хеш набора изменений: укажите хеш, который напечатал rollout diff (не меньше 8 знаков)",
        "{r}"
    );
}

// 7. `confirm 999 PERSON` recorded an account that is on no platform and no review list.
fn identities_of(ws: &Ws, user_id: i64) -> i64 {
    let conn = rusqlite::Connection::open(ws.path().join(".rollout/state.db")).unwrap();
    conn.query_row("SELECT count(*) FROM identities WHERE user_id = ?1", [user_id], |r| r.get(0))
        .unwrap()
}

fn person_id(ws: &Ws, surname: &str, first: &str) -> String {
    let people = ws.people();
    let p = find_person(&people, surname, first);
    assert_eq!(p.len(), 1, "{surname} {first}");
    p[0]["person_id"].clone()
}

#[test]
fn confirm_of_an_account_in_no_chat_of_the_platform_is_refused() {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let pid = person_id(&ws, "Петрова", "Мария");
    let r = ws.run(&["confirm", "999", &pid]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: аккаунта 999 нет ни в одном чате платформы: подтверждать и отклонять можно только участников чатов — их ID в out/matches.csv и в списке «проверить» out/changes.xlsx",
        "{r}"
    );
    assert_eq!(identities_of(&ws, 999), 0, "nothing recorded");
    let r = ws.run(&["reject", "999", &pid]);
    assert_eq!(r.code, 2, "{r}");
    // A member of a chat is still confirmed.
    let r = ws.run(&["confirm", "2", &pid]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        r.stdout,
        format!("Подтверждено: участник 2 — {pid}. Выполните rollout diff, чтобы пересчитать набор изменений.\n")
    );
}

#[test]
fn confirm_without_a_platform_is_refused_saying_why() {
    let ws = college_without_platform();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 0, "{r}");
    let pid = person_id(&ws, "Петрова", "Мария");
    let r = ws.run(&["confirm", "999", &pid]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: нельзя проверить аккаунт 999: данных платформы нет — задайте в rollout.toml [platform] source = \"api\" (MAX Bot API, затем rollout platform pull), snapshot или export",
        "{r}"
    );
    assert!(!ws.path().join(".rollout/state.db").exists() || identities_of(&ws, 999) == 0);
}

#[test]
fn confirm_of_a_person_not_on_the_roster_is_refused_in_russian() {
    let ws = college();
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["confirm", "2", "s0000000000"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: человека s0000000000 нет в реестре: ID людей — в out/roster/people.csv, кандидаты для проверки — в out/changes.xlsx",
        "{r}"
    );
}

// 9. The dashboard's Gantt axis showed 43 month ticks without years for a plan over years.
#[test]
fn the_gantt_axis_of_a_plan_over_several_years_names_the_years_and_keeps_few_ticks() {
    let ws = college_without_platform();
    ws.write(
        "plans/long.toml",
        r#"title = "Долгий план"

[[milestones]]
id = "start"
title = "Начало"
event = "Начало перехода"
deadline = "01.01.2024 - 31.01.2024"
completion = "manual"

[[milestones]]
id = "finish"
title = "Конец"
event = "Конец перехода"
deadline = "до 31.07.2027"
completion = "manual"
"#,
    );
    let r = ws.run(&["report"]);
    assert_eq!(r.code, 0, "{r}");
    let html = ws.read("out/report.html");
    let svg = &html[html.find("<svg id=\"gantt\"").expect("the Gantt chart")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    let labels: Vec<&str> = svg.split("y=\"14\">").skip(1).map(|s| &s[..s.find("</text>").unwrap()]).collect();
    assert_eq!(
        labels,
        [
            "янв 2024",
            "май",
            "сен",
            "янв 2025",
            "май",
            "сен",
            "янв 2026",
            "май",
            "сен",
            "янв 2027",
            "май"
        ],
        "{svg}"
    );
}

#[test]
fn the_gantt_axis_of_a_plan_within_a_year_names_its_year_once() {
    let ws = college_without_platform();
    ws.write(
        "plans/short.toml",
        r#"title = "План на осень"

[[milestones]]
id = "start"
title = "Начало"
event = "Начало перехода"
deadline = "01.09.2026 - 30.09.2026"
completion = "manual"

[[milestones]]
id = "finish"
title = "Конец"
event = "Конец перехода"
deadline = "до 15.12.2026"
completion = "manual"
"#,
    );
    let r = ws.run(&["report"]);
    assert_eq!(r.code, 0, "{r}");
    let html = ws.read("out/report.html");
    let svg = &html[html.find("<svg id=\"gantt\"").expect("the Gantt chart")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    let labels: Vec<&str> = svg.split("y=\"14\">").skip(1).map(|s| &s[..s.find("</text>").unwrap()]).collect();
    assert_eq!(labels, ["сен 2026", "окт", "ноя", "дек"], "{svg}");
}

// 10. An explicitly listed `~$…xlsx` (Excel's lock file) was «damaged» with a zip error.
#[test]
fn an_excel_lock_file_listed_in_sources_is_named_as_such() {
    let ws = college_without_platform();
    ws.write("sources/~$Список.xlsx", b"\x0bUser Name  \x00\x00\x00\x00 lock");
    ws.config(&format!(
        "{}\n[[sources]]\npath = \"sources/students.csv\"\n\n[[sources]]\npath = \"sources/~$Список.xlsx\"\n",
        TOML.replace("[platform]\nsnapshot = \"platform/\"\n", "")
    ));
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 3, "{r}");
    let problems = ws.problems();
    let lock = with_rule(&problems, "file-unreadable");
    assert_eq!(lock.len(), 1, "{problems:?}");
    assert_eq!(lock[0]["file"], "sources/~$Список.xlsx");
    assert_eq!(
        lock[0]["found"],
        "это не список, а файл блокировки Excel: он лежит рядом с книгой, пока она открыта в Excel, и данных не содержит"
    );
    assert_eq!(
        lock[0]["fix"],
        "закройте книгу в Excel (файл блокировки исчезнет сам) или уберите эту запись из [[sources]] в rollout.toml и укажите саму книгу"
    );
}

// 11. Wording: the count agrees with its verbs; a CSV line and field are not a «ячейка»;
// reminders give the year; a review says where the person is on the roster.
#[test]
fn unlisted_files_agree_with_their_count() {
    let ws = college_without_platform();
    let base = TOML.replace("[platform]\nsnapshot = \"platform/\"\n", "");
    ws.config(&format!(
        "{base}\n[[sources]]\npath = \"sources/students.csv\"\n\n[[sources]]\npath = \"sources/parents.csv\"\n"
    ));
    let r = ws.run(&["check"]);
    assert!(
        stdout_lines(&r).contains(&"Внимание: 1 файл в sources/ не перечислен в [[sources]] и не прочитан: sources/staff.csv (когда [[sources]] задан, читаются только перечисленные файлы)"),
        "{r}"
    );
    ws.config(&format!("{base}\n[[sources]]\npath = \"sources/students.csv\"\n"));
    let r = ws.run(&["check"]);
    assert!(
        stdout_lines(&r).contains(&"Внимание: 2 файла в sources/ не перечислены в [[sources]] и не прочитаны: sources/parents.csv, sources/staff.csv (когда [[sources]] задан, читаются только перечисленные файлы)"),
        "{r}"
    );
}

#[test]
fn a_wrong_deadline_in_a_csv_plan_names_its_line_and_field() {
    let ws = college_without_platform();
    ws.write(
        "plan.csv",
        "Мероприятие;Ответственный;Срок исполнения\nСеминар;Иванов И.И.;31.02.2024\n",
    );
    let r = ws.run(&["plan", "import", "plan.csv"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(
        r.stderr.lines().next().unwrap_or(""),
        "plan.csv: строка 2, поле 3: срок «31.02.2024»: такой даты не бывает",
        "{r}"
    );
}

#[test]
fn reminders_give_each_deadline_with_its_year() {
    let ws = college_without_platform();
    ws.write(
        "plans/p.toml",
        r#"title = "План перехода"
year = 2026

[[milestones]]
id = "seminar"
title = "Семинар"
event = "Семинар для сотрудников"
owners = ["Иванова И.И."]
deadline = "до 25 ноября"
completion = "manual"

[[milestones]]
id = "binding"
title = "Привязка"
event = "Привязка профилей"
owners = ["Иванова И.И."]
deadline = "02.11 - 13.11"
completion = "manual"
"#,
    );
    let r = ws.run(&["plan", "remind"]);
    assert_eq!(r.code, 0, "{r}");
    let letter = ws.read("out/plan/remind/Иванова_И_И_.txt");
    let lines: Vec<&str> = letter.lines().collect();
    assert!(lines.contains(&"— Привязка: срок 13.11.2026 (02.11 - 13.11)"), "{letter}");
    assert!(
        lines.contains(&"— Семинар: срок 25.11.2026 (до 25 ноября), осталось 3 дн."),
        "{letter}"
    );
}

#[test]
fn a_reviewed_member_listed_in_another_group_is_told_where_the_roster_has_them() {
    let ws = college();
    let mut chats = base_chats();
    // Сидоров (ИС-1) sits in ИС-2's chat only; Иванова (a parent of ИС-1) in ИС-2's parents'
    // chat too; Попов (a student of ИС-2) in ИС-1's parents' chat.
    chats[0].2.retain(|m| m.0 != 3);
    chats[2].2.push((3, "Алексей", "Сидоров", false));
    chats[3].2.push((11, "Анна", "Иванова", false));
    chats[1].2.push((21, "Сергей", "Попов", false));
    write_snapshot(&ws, &chats);
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 0, "{r}");
    let sid = person_id(&ws, "Сидоров", "Алексей");
    let c = changes(&ws);
    let reason = |user: i64, chat: i64| -> String {
        c["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "review" && a["user_id"] == user && a["chat_id"] == chat)
            .unwrap_or_else(|| panic!("no review of {user} in {chat}: {c}"))["reason"]["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Сидоров's exact full name, unique on the roster: an automatic move now (issue 14).
    let mv: Vec<_> = c["actions"].as_array().unwrap().iter().filter(|a| a["kind"] == "move").collect();
    assert_eq!(mv.len(), 1, "{c}");
    assert_eq!(
        (
            mv[0]["user_id"].as_i64(),
            mv[0]["from_chat_id"].as_i64(),
            mv[0]["person_id"].as_str()
        ),
        (Some(3), Some(103), Some(sid.as_str()))
    );
    assert_eq!(
        reason(11, 104),
        "родитель в чате группы ИС-2, где нет его детей; по спискам его дети — в группе ИС-1: проверьте"
    );
    assert_eq!(
        reason(21, 102),
        "человек в чате не своей аудитории: по спискам — обучающийся группы ИС-2; проверьте"
    );
}

// The Russian texts of purge, diff and init; `purge --before` takes дд.мм.гггг too.
#[test]
fn purge_takes_a_russian_date_and_refuses_in_russian() {
    let ws = departed();
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 1, "{r}");
    let r = ws.run(&["purge", "--before", "01.01.2100"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: --before 01.01.2100 — дата в будущем: purge забывает тех, кого нет в списках и кто последний раз встречался до этой даты, а с будущей датой забылись бы и сегодняшние выбывшие (их удаления из чатов были бы потеряны)",
        "{r}"
    );
    let r = ws.run(&["purge", "--before", "вчера"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: --before «вчера» — не дата: напишите её как 01.09.2026 или 2026-09-01",
        "{r}"
    );
    let r = ws.run_env(&["purge", "--before", "01.12.2026"], &[("ROLLOUT_TODAY", "2027-03-01")]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        r.stdout,
        "Удалены сведения о 2 людях, которых нет в списках и которые последний раз встречались до 01.12.2026.\n\
         Удалено списков из истории: 1 (записанные до 01.12.2026); последний, № 2 от 22.11.2026, оставлен — с ним сравнят следующие rollout movement и diff.\n"
    );
    // Nothing left to forget: the count still agrees.
    let r = ws.run_env(&["purge", "--before", "2026-12-01"], &[("ROLLOUT_TODAY", "2027-03-01")]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        r.stdout,
        "Удалены сведения о 0 людях, которых нет в списках и которые последний раз встречались до 01.12.2026.\n"
    );
}

#[test]
fn purge_with_an_unreadable_source_is_refused_in_russian() {
    let ws = college_without_platform();
    ws.write("sources/broken.xlsx", b"not a workbook at all");
    let r = ws.run(&["purge", "--before", "01.11.2026"]);
    assert_eq!(r.code, 3, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: часть источников не прочитана: purge отменён — он забыл бы людей, которые ещё есть в списках; исправьте источники (out/problems.xlsx) и повторите",
        "{r}"
    );
}

#[test]
fn diff_and_approve_without_a_platform_say_so_in_russian() {
    let ws = college_without_platform();
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 2, "{r}");
    let no_platform = "rollout: ошибка: данных платформы нет: задайте в rollout.toml [platform] source = \"api\" (MAX Bot API, затем rollout platform pull), snapshot или export или передайте --platform ПУТЬ (папку снимка или файл выгрузки участников)";
    assert_eq!(error_line(&r), no_platform, "{r}");
}

#[test]
fn init_with_an_unknown_profile_lists_the_profiles_in_russian() {
    let ws = Ws::new();
    let r = ws.run(&["init", "new", "--profile", "university"]);
    assert_eq!(r.code, 2, "{r}");
    let want = "rollout: ошибка: недопустимое значение «university» для --profile <ПРОФИЛЬ>: нужен один из профилей school (школа), college (колледж), kindergarten (детский сад), supplementary (дополнительное образование)";
    assert!(r.stderr.lines().any(|l| l == want), "{r}");
}
