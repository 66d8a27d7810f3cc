//! What a new user hit on a fresh clone (issue 10): an empty organisation name, letters
//! without a sender, a platform snapshot that is not there, no platform at all, an empty
//! sources/ — and the Russian texts of the commands that met them. Each test asserts the
//! whole line the user sees.

use crate::util::copy_dir;
use crate::util::*;
use std::path::Path;

/// A copy of a sample workspace (sources, platform snapshot, plans).
fn sample(name: &str) -> Ws {
    let ws = Ws::new();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name), ws.path());
    ws
}

/// The sample college's rollout.toml without its `[platform]` section (the last one).
fn without_platform(ws: &Ws) {
    let text = ws.read("rollout.toml");
    let cut = text.find("[platform]").expect("[platform] in the sample");
    ws.config(&text[..cut]);
}

/// The lines of a text, for whole-line assertions.
fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

/// The first line of stderr, the error the user reads.
fn error_line(r: &Run) -> String {
    r.stderr.lines().next().unwrap_or_default().to_string()
}

/// Every file under a folder, relative paths.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().unwrap().is_dir() {
                out.extend(files_under(&e.path()));
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}

// 1. An empty organisation name.

const NO_NAME: &str = "rollout: ошибка: ws/rollout.toml: не задано название организации ([organization] name) — им подписаны письма и озаглавлен отчёт; впишите его, например: name = \"ГБПОУ «Колледж»\"";

#[test]
fn init_without_a_name_asks_for_it_and_commands_that_render_refuse_an_empty_name() {
    let ws = Ws::new();
    let r = ws.run(&["init", "ws", "--profile", "college"]);
    assert_eq!(r.code, 0, "{r}");
    let toml = ws.read("ws/rollout.toml");
    let org: Vec<&str> = toml.lines().skip_while(|l| *l != "[organization]").take(3).collect();
    assert_eq!(
        org,
        [
            "[organization]",
            "# Впишите название организации: им подписаны письма и озаглавлен отчёт (без него они не собираются).",
            "name = \"\"",
        ],
        "{toml}"
    );
    // The plan commands need a plan to get as far as rendering.
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/college/plans"),
        &ws.path().join("ws/plans"),
    );
    for args in [&["letters"][..], &["report"], &["run"], &["plan", "remind"], &["plan", "calendar"]] {
        let mut all = args.to_vec();
        all.extend(["--config", "ws/rollout.toml"]);
        let r = ws.run(&all);
        assert_eq!(r.code, 2, "{args:?}: an empty name is a configuration error\n{r}");
        assert_eq!(error_line(&r), NO_NAME, "{args:?}\n{r}");
        assert!(!ws.path().join("ws/out/report.html").exists(), "{args:?}: nothing rendered\n{r}");
        assert!(!ws.path().join("ws/out/letters").exists(), "{args:?}: nothing rendered\n{r}");
    }
    // What renders nothing for people still runs.
    let r = ws.run(&["check", "--config", "ws/rollout.toml"]);
    assert_eq!(r.code, 1, "no sources yet\n{r}");
}

// 2. Letters without a sender.

const NO_SENDER: &str = "rollout: внимание: не задан отправитель писем ([letters] from в rollout.toml) — файлы .eml не записаны; впишите, например: from = \"Колледж <info@college.ru>\"";

#[test]
fn letters_without_a_sender_warn_and_write_no_eml() {
    let ws = sample("college");
    // The sample names its sender: take it away.
    let text = ws.read("rollout.toml");
    let cut = text.find("\n# Who the .eml letters are from").expect("the sample's [letters]");
    ws.config(&text[..cut + 1]);
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(lines(&r.stderr), [NO_SENDER], "{r}");
    assert!(
        has_line(
            &r.stdout,
            "Письма: родителям 634, кураторам 16, сотрудникам 34; листков с QR 832; .eml 0; SMS 256; на печать 2 — ./out/letters"
        ),
        "{r}"
    );
    let eml: Vec<String> = files_under(&ws.path().join("out/letters"))
        .into_iter()
        .filter(|f| f.ends_with(".eml"))
        .collect();
    assert!(eml.is_empty(), "{eml:?}");
    // A sender without an address is no sender either.
    ws.config(&format!("{}\n[letters]\nfrom = \"Колледж\"\n", ws.read("rollout.toml")));
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        lines(&r.stderr),
        [
            "rollout: внимание: в [letters] from («Колледж») нет адреса e-mail — файлы .eml не записаны; впишите, например: from = \"Колледж <info@college.ru>\""
        ],
        "{r}"
    );
    // --no-eml asked for none: nothing to warn about.
    let r = ws.run(&["letters", "--all", "--no-eml"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stderr, "", "{r}");
    // With a sender, the .eml files are written and nothing is said.
    let text = ws
        .read("rollout.toml")
        .replace("from = \"Колледж\"", "from = \"Колледж <info@college.example>\"");
    ws.config(&text);
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stderr, "", "{r}");
    assert!(
        has_line(
            &r.stdout,
            "Письма: родителям 634, кураторам 16, сотрудникам 34; листков с QR 832; .eml 376; SMS 256; на печать 2 — ./out/letters"
        ),
        "{r}"
    );
}

// 3. A platform snapshot that is not there.

const NO_SNAPSHOT: &str = "rollout: внимание: не удалось прочитать платформу (снимок ./platform/) — сделано всё, что можно без неё; показатели платформы: «нет данных»";

fn warned_once(r: &Run, warning: &str) {
    assert_eq!(r.stderr.lines().filter(|l| *l == warning).count(), 1, "one warning\n{r}");
    assert!(
        r.stderr.lines().all(|l| l == warning || l.starts_with("  ")),
        "nothing but the warning and its causes\n{r}"
    );
    assert!(r.stderr.lines().count() > 1, "the cause is said\n{r}");
}

#[test]
fn without_the_platform_snapshot_commands_do_their_work_and_exit_3() {
    let ws = sample("college");
    std::fs::remove_dir_all(ws.path().join("platform")).unwrap();

    let r = ws.run(&["plan", "status"]);
    assert_eq!(r.code, 3, "{r}");
    warned_once(&r, NO_SNAPSHOT);
    assert!(
        has_line(
            &r.stdout,
            "  [просрочено] admin-binding · Вся организация — срок 13.11.2026 (02.11.2026 - 13.11.2026); отв.: Ершова М.А."
        ),
        "manual milestones show\n{r}"
    );
    assert!(r.stdout.contains("нет данных"), "measured milestones have no data\n{r}");

    let r = ws.run(&["report"]);
    assert_eq!(r.code, 3, "{r}");
    warned_once(&r, NO_SNAPSHOT);
    assert_eq!(
        lines(&r.stdout),
        ["Отчёт: ./out/report.html", "Сводка для директора: ./out/usage.xlsx"],
        "{r}"
    );
    assert!(ws.read("out/report.html").contains("нет данных"));

    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 3, "{r}");
    warned_once(&r, NO_SNAPSHOT);
    assert!(
        has_line(
            &r.stdout,
            "Данных платформы нет (платформа не прочитана): какие чаты и ссылки уже есть, неизвестно — задайте в rollout.toml [platform] source = \"api\" (MAX Bot API, затем rollout platform pull), snapshot или export или впишите ссылки в файл ссылок ([links] file)."
        ),
        "{r}"
    );
    assert!(ws.path().join("out/links/status.xlsx").exists());

    // Letters without the platform would lack every chat's link: the last ones stay.
    let r = ws.run(&["letters", "--no-eml"]);
    assert_eq!(r.code, 3, "{r}");
    warned_once(&r, NO_SNAPSHOT);
    assert!(
        has_line(
            &r.stdout,
            "Письма не обновлены: без данных платформы нет ссылок на чаты — в ./out/letters остались прежние"
        ),
        "{r}"
    );

    std::fs::remove_dir_all(ws.path().join("out")).unwrap();
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 3, "{r}");
    assert_eq!(r.stderr.lines().filter(|l| *l == NO_SNAPSHOT).count(), 1, "{r}");
    for f in ["out/roster/people.csv", "out/problems.csv", "out/report.html", "out/usage.xlsx"] {
        assert!(ws.path().join(f).exists(), "{f}\n{r}");
    }
    assert!(
        has_line(&r.stdout, "Отчёт: ./out/report.html; сводка для директора: ./out/usage.xlsx"),
        "{r}"
    );

    // The diff needs the platform: it stops, saying which.
    let r = ws.run(&["diff"]);
    assert_eq!(r.code, 3, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: не удалось прочитать платформу (снимок ./platform/)",
        "{r}"
    );
}

#[test]
fn without_the_member_export_the_report_is_made_and_exit_is_3() {
    let ws = sample("college");
    without_platform(&ws);
    ws.config(&format!("{}[platform]\nexport = \"members.xlsx\"\n", ws.read("rollout.toml")));
    let r = ws.run(&["report"]);
    assert_eq!(r.code, 3, "{r}");
    warned_once(
        &r,
        "rollout: внимание: не удалось прочитать платформу (выгрузка участников ./members.xlsx) — сделано всё, что можно без неё; показатели платформы: «нет данных»",
    );
    assert!(ws.read("out/report.html").contains("нет данных"));
}

// 4. No platform configured.

#[test]
fn links_status_without_a_platform_says_there_is_no_platform_data() {
    let ws = sample("college");
    // Links seen on the platform once are in the history: they are not "gone" when the
    // platform is simply not configured any more.
    assert_eq!(ws.run(&["links", "status"]).code, 1);
    without_platform(&ws);
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(r.stderr, "", "{r}");
    assert_eq!(
        lines(&r.stdout),
        [
            "Ссылок: 0; к проверке: 0",
            "Данных платформы нет ([platform] не задан): какие чаты и ссылки уже есть, неизвестно — задайте в rollout.toml [platform] source = \"api\" (MAX Bot API, затем rollout platform pull), snapshot или export или впишите ссылки в файл ссылок ([links] file).",
        ],
        "{r}"
    );
    // Links from a links file are still checked; nobody is told to create a chat.
    ws.config(&format!("{}\n[links]\nfile = \"links.csv\"\n", ws.read("rollout.toml")));
    ws.write(
        "links.csv",
        "Филиал;Группа;Аудитория;Ссылка\nГК;ИС-24-1;родители;https://max.ru/join/FromFile1\nГК;ИС-24-2;студенты;https://evil.example/join/x\n",
    );
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        has_line(
            &r.stdout,
            "Данных платформы нет ([platform] не задан): какие чаты и ссылки уже есть, неизвестно — проверены только ссылки из файла ссылок."
        ),
        "{r}"
    );
    assert!(r.stdout.lines().any(|l| l.starts_with("  ! ссылка не принята: links.csv")), "{r}");
    assert!(
        has_line(
            &r.stdout,
            "  [ ] нет ссылки: ИС-24-2 обучающиеся — в файле ссылок нет ссылки на этот чат: впишите её (есть ли чат на платформе, неизвестно — данных платформы нет)"
        ),
        "{r}"
    );
    assert!(!r.stdout.contains("создайте чат"), "{r}");
    assert!(!r.stdout.contains("ИС-24-1 родители"), "the file's link counts\n{r}");
}

// 8. No sources: the last good outputs stay.

#[test]
fn missing_or_empty_sources_keep_the_last_good_roster() {
    let ws = sample("school");
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    let people = ws.read("out/roster/people.csv");
    let problems = ws.read("out/problems.csv");
    assert!(people.lines().count() > 100);
    // An empty sources/ folder, then none at all.
    for f in std::fs::read_dir(ws.path().join("sources")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    for round in ["empty", "missing"] {
        let r = ws.run(&["ingest"]);
        assert_eq!(r.code, 1, "{round}\n{r}");
        assert_eq!(
            lines(&r.stderr),
            ["rollout: внимание: источников нет — реестр и список проблем не обновлены: в ./out остались прежние"],
            "{round}\n{r}"
        );
        assert!(!r.stdout.contains("Реестр записан"), "{round}\n{r}");
        assert_eq!(ws.read("out/roster/people.csv"), people, "{round}");
        assert_eq!(ws.read("out/problems.csv"), problems, "{round}");
        std::fs::remove_dir_all(ws.path().join("sources")).unwrap_or_default();
    }
    // A fresh workspace: nothing to keep, nothing written.
    std::fs::remove_dir_all(ws.path().join("out")).unwrap();
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(lines(&r.stderr), ["rollout: внимание: источников нет — реестр не записан"], "{r}");
    assert!(!ws.path().join("out/roster").exists(), "{r}");
}

#[test]
fn sources_that_all_fail_to_read_keep_the_last_good_roster() {
    let ws = sample("college");
    assert_eq!(ws.run(&["ingest"]).code, 1);
    let people = ws.read("out/roster/people.csv");
    for f in std::fs::read_dir(ws.path().join("sources")).unwrap() {
        std::fs::write(f.unwrap().path(), b"\x00\x01 not a table \xff\xfe").unwrap();
    }
    let r = ws.run(&["ingest"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        has_line(
            &r.stderr,
            "rollout: внимание: данные не прочитаны ни из одного источника — реестр не обновлён: в ./out/roster остался прежний"
        ),
        "{r}"
    );
    assert_eq!(ws.read("out/roster/people.csv"), people);
    // The problems say why nothing was read.
    assert!(!with_rule(&ws.problems(), "file-unreadable").is_empty(), "{r}");
}

// 11 (one part). The staff chat is named once.

#[test]
fn links_status_names_the_staff_chat_once() {
    let ws = sample("college");
    // The Сосновский branch's staff chat («Педагоги СФ») is not on the platform.
    let chats: serde_json::Value = serde_json::from_str(&ws.read("platform/chats.json")).unwrap();
    let kept: Vec<&serde_json::Value> = chats["chats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["title"] != "Педагоги СФ")
        .collect();
    ws.write("platform/chats.json", serde_json::json!({ "chats": kept }).to_string());
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        has_line(
            &r.stdout,
            "  [ ] нет ссылки: чат сотрудников — ссылки нет: создайте чат (или добавьте ссылку в файл ссылок)"
        ),
        "{r}"
    );
    assert!(!r.stdout.contains("чат сотрудников сотрудники"), "{r}");
}

// The commands' own messages in Russian.

#[test]
fn the_commands_own_messages_are_russian() {
    let ws = Ws::new();
    ws.config(&COLLEGE_TOML.replace("profile = \"college\"", "profile = \"college\"\ncolour = \"red\""));
    let r = ws.run(&["check"]);
    assert!(
        has_line(
            &r.stderr,
            "rollout: внимание: rollout.toml: неизвестный ключ `organization.colour` (пропущен)"
        ),
        "{r}"
    );

    let ws = sample("college");
    let r = ws.run(&["report", "--as-of", "31.02.2026"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: «31.02.2026» — не дата: напишите её как 01.03.2024 или 2024-03-01",
        "{r}"
    );

    let r = ws.run(&["links", "status", "--platform", "nowhere"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: --platform nowhere: такой папки или файла нет (нужна папка снимка платформы или файл выгрузки участников)",
        "{r}"
    );

    let done = [
        "plan",
        "done",
        "staff-seminar",
        "--branch",
        "Главный корпус",
        "--date",
        "20.11.2026",
        "--by",
        "Ершова М.А.",
    ];
    assert_eq!(ws.run(&done).code, 0);
    let r = ws.run(&done);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(
        lines(&r.stdout),
        [
            "Уже отмечено 20.11.2026 (Ершова М.А.); записываю ещё одну отметку — в истории останутся обе.",
            "Отмечено как выполненное: staff-seminar · Главный корпус — 20.11.2026 (Ершова М.А.)",
        ],
        "{r}"
    );
}

// What a second newcomer trial found (issue 10, after the first fixes).

#[test]
fn a_pinned_day_that_is_not_a_date_is_an_error() {
    let ws = sample("college");
    let r = ws.run_env(&["plan", "status"], &[("ROLLOUT_TODAY", "31.02.2026")]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: ROLLOUT_TODAY = «31.02.2026» — не дата: напишите её как 01.03.2026 или 2026-03-01",
        "{r}"
    );
}

#[test]
fn the_causes_of_an_unreadable_platform_are_russian() {
    let ws = sample("college");
    std::fs::remove_dir_all(ws.path().join("platform")).unwrap();
    let r = ws.run(&["report", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(!r.stderr.contains("os error"), "an English system error reached the user\n{r}");
}

#[test]
fn the_placeholders_of_confirm_are_russian() {
    let ws = Ws::new();
    let r = ws.run(&["confirm", "1"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: не указан обязательный аргумент <ID_ЧЕЛОВЕКА>",
        "{r}"
    );
    let r = ws.run(&["confirm", "--help"]);
    assert!(
        has_line(&r.stdout, "Использование: rollout confirm [ПАРАМЕТРЫ] <ID_УЧАСТНИКА> <ID_ЧЕЛОВЕКА>"),
        "{r}"
    );
}

#[test]
fn missing_sources_are_counted_as_sources() {
    let ws = sample("college");
    std::fs::remove_dir_all(ws.path().join("sources")).unwrap();
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        has_line(&r.stdout, "Источники: 11 файлов, из них не прочитано 11; 0 листов с данными"),
        "{r}"
    );
}

#[test]
fn a_run_that_read_no_source_keeps_the_last_change_set_and_dashboard() {
    let ws = sample("college");
    assert_eq!(ws.run(&["run", "-q"]).code, 1);
    let before: Vec<Vec<u8>> = ["out/changes.json", "out/report.html", "out/usage.xlsx"]
        .iter()
        .map(|f| std::fs::read(ws.path().join(f)).unwrap())
        .collect();
    std::fs::remove_dir_all(ws.path().join("sources")).unwrap();
    let r = ws.run(&["run"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(!r.stdout.contains("Набор изменений"), "no change set from an empty roster\n{r}");
    let after: Vec<Vec<u8>> = ["out/changes.json", "out/report.html", "out/usage.xlsx"]
        .iter()
        .map(|f| std::fs::read(ws.path().join(f)).unwrap())
        .collect();
    assert!(before == after, "the last change set and dashboard are kept");
}

#[test]
fn letters_without_the_platform_keep_the_last_letters() {
    let ws = sample("college");
    assert_eq!(ws.run(&["letters", "-q"]).code, 0);
    let before = files_under(&ws.path().join("out/letters")).len();
    assert!(before > 100);
    std::fs::remove_dir_all(ws.path().join("platform")).unwrap();
    let r = ws.run(&["letters"]);
    assert_eq!(r.code, 3, "{r}");
    assert_eq!(
        files_under(&ws.path().join("out/letters")).len(),
        before,
        "the last letters are kept\n{r}"
    );
    assert!(
        has_line(
            &r.stdout,
            "Письма не обновлены: без данных платформы нет ссылок на чаты — в ./out/letters остались прежние"
        ),
        "{r}"
    );
}

#[test]
fn an_out_that_is_a_file_says_to_name_a_folder() {
    let ws = sample("college");
    ws.write("blockfile", "x");
    let r = ws.run(&["check", "--out", "blockfile"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        error_line(&r),
        "rollout: ошибка: blockfile — это файл, а не папка: укажите в --out папку",
        "{r}"
    );
}

#[test]
fn wording_for_people() {
    let ws = sample("college");
    assert_eq!(ws.run(&["run", "-q"]).code, 1);
    assert!(ws.read("out/report.html").contains("<title>Внедрение ИКОП «Сферум» — "));
    let changes = ws.read("out/changes.json");
    assert!(changes.contains("совпадение неуверенное (0,"), "a decimal comma");
    let r = ws.run(&["plan", "done", "staff-seminar"]);
    assert_eq!(r.code, 2, "{r}");
    assert!(
        error_line(&r).starts_with("rollout: ошибка: веха «staff-seminar» ведётся по филиалам"),
        "{r}"
    );
}
