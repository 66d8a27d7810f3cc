//! `--help` of every command and clap's own parse errors, in Russian: a user reads no
//! English beyond flag names, placeholders, file names and the words in `ALLOWED`.

use crate::util::{Run, Ws};

/// Every command and subcommand whose `--help` a user can ask for.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["init"],
    &["ingest"],
    &["check"],
    &["diff"],
    &["confirm"],
    &["reject"],
    &["approve"],
    &["apply"],
    &["purge"],
    &["movement"],
    &["letters"],
    &["platform"],
    &["platform", "check"],
    &["platform", "pull"],
    &["platform", "discover"],
    &["links"],
    &["links", "status"],
    &["notify"],
    &["notify", "rules"],
    &["notify", "plan"],
    &["plan"],
    &["plan", "status"],
    &["plan", "done"],
    &["plan", "import"],
    &["plan", "calendar"],
    &["plan", "gantt"],
    &["plan", "remind"],
    &["platform"],
    &["platform", "check"],
    &["platform", "pull"],
    &["platform", "discover"],
    &["report"],
    &["rollover"],
    &["run"],
    &["region"],
    &["region", "run"],
    &["region", "status"],
];

/// English a Russian help may show: the program, command names and profile codes (what
/// the user types), file formats and names of things that have no Russian name.
const ALLOWED: &[&str] = &[
    "rollout",
    "school",
    "college",
    "kindergarten",
    "supplementary",
    "xlsx",
    "xls",
    "csv",
    "ods",
    "docx",
    "html",
    "ics",
    "json",
    "eml",
    "toml",
    "mermaid",
    "Parquet",
    // Milestone ids of the sample plan, in the examples of `plan done`.
    "staff-seminar",
    "ej-binding",
];

/// The English words left in a help text once flag names (`--all`, `-q`), placeholders
/// (`<ПУТЬ>`, `USER_ID`), paths and file names (`OUT/roster/`, `rollout.toml`), numbers, ids
/// and hashes (anything with a digit), TOML keys (`[platform]`) and `ALLOWED` are dropped.
fn english_words(text: &str, commands: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for raw in text.split_whitespace() {
        let token = raw.trim_matches(|c: char| !c.is_alphanumeric() && !"-_<>[]/.".contains(c));
        let token = token.trim_end_matches(['.', ',', ':', ';']);
        let word = token.trim_matches(|c: char| "()[]«»\"'".contains(c));
        if token.is_empty()
            || token.starts_with('-')
            || token.contains(['<', '>', '/', '.'])
            || token.chars().any(|c| c.is_ascii_digit())
            || (token.starts_with('[')
                && token.ends_with(']')
                && token.trim_matches(['[', ']']).chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            || word.chars().all(|c| c.is_ascii_uppercase() || c == '_' || !c.is_ascii())
            || ALLOWED.contains(&word)
            || commands.contains(&word)
        {
            continue;
        }
        for w in word.split(|c: char| !c.is_ascii_alphabetic()) {
            if !w.is_empty() && !ALLOWED.contains(&w) && !commands.contains(&w) && !w.chars().all(|c| c.is_ascii_uppercase()) {
                found.push(w.to_string());
            }
        }
    }
    found
}

#[test]
fn help_of_every_command_is_russian() {
    let ws = Ws::new();
    let names: Vec<&str> = COMMANDS.iter().flat_map(|c| c.iter().copied()).collect();
    let mut english = Vec::new();
    for cmd in COMMANDS {
        let mut args = cmd.to_vec();
        args.push("--help");
        let r = ws.run(&args);
        assert_eq!(r.code, 0, "{r}");
        let words = english_words(&r.stdout, &names);
        if !words.is_empty() {
            english.push(format!("rollout {}: {}", args.join(" "), words.join(", ")));
        }
    }
    assert!(english.is_empty(), "English words in --help:\n{}", english.join("\n"));
}

#[test]
fn the_tokenizer_lets_through_only_what_it_should() {
    let words = english_words(
        "Использование: rollout plan done [ПАРАМЕТРЫ] <ID>\n  -q, --quiet  Без таблиц [по умолчанию: rollout.toml]\n  \
         OUT/roster/ USER_ID [platform] 3f2a… s1a2b3c4d5e staff-seminar (xlsx, csv). Print help [default: x]",
        &["plan", "done"],
    );
    assert_eq!(words, ["Print", "help", "default", "x"]);
}

/// The help's lines with runs of spaces made one (column widths are clap's business).
fn help_lines(r: &Run) -> Vec<String> {
    r.stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn help_headings_and_builtin_flags_are_russian() {
    let ws = Ws::new();
    let r = ws.run(&["plan", "done", "--help"]);
    assert_eq!(r.code, 0, "{r}");
    let lines = help_lines(&r);
    for line in [
        "Использование: rollout plan done [ПАРАМЕТРЫ] <ID>",
        "Аргументы:",
        "Параметры:",
        "Примеры:",
        "-h, --help Показать эту справку",
    ] {
        assert!(lines.iter().any(|l| l == line), "«{line}» is a line of the help\n{r}");
    }
    let r = ws.run(&["--help"]);
    let lines = help_lines(&r);
    for line in [
        "Использование: rollout [ПАРАМЕТРЫ] <КОМАНДА>",
        "Команды:",
        "-V, --version Показать версию",
        "--config <ПУТЬ> Файл рабочего места [по умолчанию: rollout.toml]",
    ] {
        assert!(lines.iter().any(|l| l == line), "«{line}» is a line of the help\n{r}");
    }
}

#[test]
fn version_is_printed_with_exit_0() {
    let r = Ws::new().run(&["--version"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, format!("rollout {}\n", env!("CARGO_PKG_VERSION")).as_str()),
        "{r}"
    );
}

#[test]
fn help_word_is_the_help_flag() {
    let ws = Ws::new();
    let by_word = ws.run(&["help", "plan", "done"]);
    let by_flag = ws.run(&["plan", "done", "--help"]);
    assert_eq!(by_word.code, 0, "{by_word}");
    assert_eq!(by_word.stdout, by_flag.stdout);
    let bare = ws.run(&[]);
    assert_eq!(bare.code, 2, "no command: the help, as a usage error\n{bare}");
    assert_eq!(bare.stderr, ws.run(&["--help"]).stdout);
}

/// A parse error: exit 2, nothing on stdout, exactly these lines on stderr.
fn assert_parse_error(args: &[&str], lines: &[&str]) {
    let r: Run = Ws::new().run(args);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(r.stdout, "", "{r}");
    let want: String = lines.iter().map(|l| format!("{l}\n")).collect();
    assert_eq!(r.stderr, want, "rollout {}\n{r}", args.join(" "));
}

#[test]
fn an_unknown_flag_is_named_with_a_suggestion() {
    assert_parse_error(
        &["init", "w", "--forse"],
        &[
            "rollout: ошибка: неизвестный параметр --forse",
            "  может быть, --force?",
            "подробнее: rollout init --help",
        ],
    );
    assert_parse_error(
        &["check", "--foo"],
        &["rollout: ошибка: неизвестный параметр --foo", "подробнее: rollout check --help"],
    );
}

#[test]
fn an_extra_argument_is_named() {
    assert_parse_error(
        &["check", "extra"],
        &["rollout: ошибка: лишний аргумент «extra»", "подробнее: rollout check --help"],
    );
}

#[test]
fn a_long_extra_argument_is_not_repeated_it_may_be_a_token() {
    // A bot token pasted without a flag must not be echoed into the terminal's scrollback.
    assert_parse_error(
        &["apply", "--yes", "f9a8c7e6d5b4a3f2e1d0c9b8a7f6e5d4"],
        &[
            "rollout: ошибка: лишний аргумент (32 знака; не показан: если это токен бота, в командной строке он не принимается)",
            "  задайте токен в переменной окружения ROLLOUT_MAX_TOKEN или в файле [platform] token_file (доступ только для владельца, chmod 600)",
            "подробнее: rollout apply --help",
        ],
    );
}

#[test]
fn a_missing_required_argument_is_named() {
    assert_parse_error(
        &["init", "w"],
        &[
            "rollout: ошибка: не указан обязательный параметр --profile <ПРОФИЛЬ>",
            "подробнее: rollout init --help",
        ],
    );
    assert_parse_error(
        &["confirm", "700123"],
        &[
            "rollout: ошибка: не указан обязательный аргумент <ID_ЧЕЛОВЕКА>",
            "подробнее: rollout confirm --help",
        ],
    );
    assert_parse_error(
        &["reject"],
        &[
            "rollout: ошибка: не указаны обязательные аргументы <ID_УЧАСТНИКА>, <ID_ЧЕЛОВЕКА>",
            "подробнее: rollout reject --help",
        ],
    );
}

#[test]
fn an_invalid_value_says_what_is_expected() {
    assert_parse_error(
        &["confirm", "abc", "s1a2b3c4d5e"],
        &[
            "rollout: ошибка: недопустимое значение «abc» для <ID_УЧАСТНИКА>: нужно целое число",
            "подробнее: rollout confirm --help",
        ],
    );
    assert_parse_error(
        &["init", "w", "--profile", "university"],
        &[
            "rollout: ошибка: недопустимое значение «university» для --profile <ПРОФИЛЬ>: нужен один из профилей school (школа), college (колледж), kindergarten (детский сад), supplementary (дополнительное образование)",
            "подробнее: rollout init --help",
        ],
    );
}

#[test]
fn a_flag_without_its_value_is_named() {
    assert_parse_error(
        &["check", "--config"],
        &[
            "rollout: ошибка: не указано значение для --config <ПУТЬ>",
            "подробнее: rollout check --help",
        ],
    );
    assert_parse_error(
        &["plan", "status", "--as-of"],
        &[
            "rollout: ошибка: не указано значение для --as-of <ДАТА>",
            "подробнее: rollout plan status --help",
        ],
    );
}

#[test]
fn a_missing_subcommand_lists_the_commands() {
    assert_parse_error(
        &["plan", "--quiet"],
        &[
            "rollout: ошибка: после «rollout plan» нужна команда: status, done, import, calendar, gantt, remind",
            "подробнее: rollout plan --help",
        ],
    );
}

#[test]
fn an_unknown_subcommand_is_named_with_a_suggestion() {
    assert_parse_error(
        &["chek"],
        &[
            "rollout: ошибка: неизвестная команда «chek»",
            "  может быть, check?",
            "подробнее: rollout --help",
        ],
    );
    assert_parse_error(
        &["plan", "stauts"],
        &[
            "rollout: ошибка: неизвестная команда «stauts»",
            "  может быть, status?",
            "подробнее: rollout plan --help",
        ],
    );
    assert_parse_error(
        &["migrate"],
        &["rollout: ошибка: неизвестная команда «migrate»", "подробнее: rollout --help"],
    );
}

#[test]
fn a_flag_given_twice_is_named() {
    assert_parse_error(
        &["letters", "--all", "--all"],
        &["rollout: ошибка: параметр --all указан дважды", "подробнее: rollout letters --help"],
    );
    assert_parse_error(
        &["--config", "a.toml", "diff", "--platform", "a", "--platform", "b"],
        &[
            "rollout: ошибка: параметр --platform указан дважды",
            "подробнее: rollout diff --help",
        ],
    );
}
