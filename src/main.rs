//! The `rollout` command: parse, dispatch to one module per subcommand (`cmd/`), and map
//! the outcome to the exit codes of DESIGN in one place: 0 done and clean; 1 done, problems
//! reported; 2 usage, configuration or an output that cannot be written; 3 a source, the
//! platform or the state store could not be read at all; 4 network/API failure.

mod cmd;

use rollout::error::{Done, Error};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cmd::clap_ru::parse(std::env::args_os()) {
        Ok(c) => c,
        Err(failed) => return ExitCode::from(parse_failed(&failed)),
    };
    match cmd::execute(cli) {
        Ok(done) => ExitCode::from(done_code(done)),
        Err(e) => {
            report(&e);
            ExitCode::from(error_code(&e))
        }
    }
}

/// The help and the version are printed as they are (0; the help for a bare `rollout` is
/// a usage error, 2); every parse error is a Russian line, a suggestion when clap has one,
/// and where to read more (2).
fn parse_failed(f: &cmd::clap_ru::Failed) -> u8 {
    use clap::error::ErrorKind;
    let e = &f.error;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.use_stderr() { 2 } else { 0 };
    }
    let (line, suggestion) = parse_error(e, &f.path);
    eprintln!("rollout: ошибка: {line}");
    if let Some(s) = suggestion {
        eprintln!("  {s}");
    }
    eprintln!("подробнее: {} --help", f.path);
    2
}

/// A stray argument longer than this is not repeated in the error (it may be a token).
const SHOWN_ARG_CHARS: usize = 24;

/// What clap found wrong, in Russian, from the error's kind and context.
fn parse_error(e: &clap::Error, path: &str) -> (String, Option<String>) {
    use clap::error::{ContextKind as K, ContextValue as V, ErrorKind};
    let strings = |k: K| match e.get(k) {
        Some(V::String(s)) => vec![s.clone()],
        Some(V::Strings(v)) => v.clone(),
        Some(V::StyledStr(s)) => vec![s.to_string()],
        Some(V::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect(),
        _ => Vec::new(),
    };
    let one = |k: K| strings(k).into_iter().next().unwrap_or_default();
    let maybe = |s: String| format!("может быть, {s}?");
    let arg = one(K::InvalidArg);
    let value = one(K::InvalidValue);
    // `--platform <ПУТЬ>` is named by its flag alone where the value does not matter.
    let flag = arg.split_whitespace().next().unwrap_or_default().to_string();
    match e.kind() {
        // A token is never taken from argv (history, the process list): say where it goes.
        // clap shows the flag without its value; the value is never repeated.
        ErrorKind::UnknownArgument if arg.starts_with('-') && flag.to_lowercase().contains("token") => (
            "токен в командной строке не принимается — он остался бы в истории команд и в списке процессов".to_string(),
            Some(
                "задайте его в переменной окружения ROLLOUT_MAX_TOKEN или в файле [platform] token_file (доступ только для владельца, chmod 600)"
                    .to_string(),
            ),
        ),
        ErrorKind::UnknownArgument if arg.starts_with('-') => {
            let suggestion = e.get(K::SuggestedArg).map(|_| maybe(one(K::SuggestedArg)));
            (
                format!("неизвестный параметр {arg}"),
                suggestion.or_else(|| clap_suggestion(&strings(K::Suggested))),
            )
        }
        // A long one may be a bot token pasted without a flag: never repeated.
        ErrorKind::UnknownArgument if arg.chars().count() > SHOWN_ARG_CHARS => (
            format!(
                "лишний аргумент ({}; не показан: если это токен бота, в командной строке он не принимается)",
                rollout::human::ru_count(arg.chars().count(), ["знак", "знака", "знаков"])
            ),
            Some(
                "задайте токен в переменной окружения ROLLOUT_MAX_TOKEN или в файле [platform] token_file (доступ только для владельца, chmod 600)"
                    .to_string(),
            ),
        ),
        ErrorKind::UnknownArgument => (format!("лишний аргумент «{arg}»"), clap_suggestion(&strings(K::Suggested))),
        ErrorKind::InvalidSubcommand => {
            let suggestion = strings(K::SuggestedSubcommand).into_iter().next().map(maybe);
            (format!("неизвестная команда «{}»", one(K::InvalidSubcommand)), suggestion)
        }
        ErrorKind::MissingSubcommand => {
            let valid: Vec<String> = strings(K::ValidSubcommand)
                .into_iter()
                .filter(|s| s != "help" && !s.starts_with("__"))
                .collect();
            (format!("после «{path}» нужна команда: {}", valid.join(", ")), None)
        }
        ErrorKind::MissingRequiredArgument => {
            let missing = strings(K::InvalidArg);
            let flags = missing.iter().all(|m| m.starts_with('-'));
            let line = match (missing.len(), flags) {
                (1, true) => format!("не указан обязательный параметр {}", missing[0]),
                (1, false) => format!("не указан обязательный аргумент {}", missing[0]),
                (_, true) => format!("не указаны обязательные параметры {}", missing.join(", ")),
                (_, false) => format!("не указаны обязательные аргументы {}", missing.join(", ")),
            };
            (line, None)
        }
        ErrorKind::InvalidValue if value.is_empty() => (format!("не указано значение для {arg}"), None),
        ErrorKind::InvalidValue => {
            let valid = strings(K::ValidValue).join(", ");
            let suggestion = e.get(K::SuggestedValue).map(|_| maybe(one(K::SuggestedValue)));
            (
                format!("недопустимое значение «{value}» для {arg}; допустимые значения: {valid}"),
                suggestion,
            )
        }
        ErrorKind::ValueValidation => (format!("недопустимое значение «{value}» для {arg}: {}", why_invalid(e)), None),
        ErrorKind::ArgumentConflict => {
            let prior = strings(K::PriorArg);
            if prior.iter().all(|p| *p == arg) {
                (format!("параметр {flag} указан дважды"), None)
            } else {
                (format!("параметр {arg} нельзя указывать вместе с {}", prior.join(", ")), None)
            }
        }
        ErrorKind::TooManyValues => (format!("лишнее значение «{value}» для {arg}"), None),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => (format!("не хватает значений для {arg}"), None),
        ErrorKind::NoEquals => (format!("значение {flag} пишется через «=»: {flag}=…"), None),
        ErrorKind::InvalidUtf8 => ("аргументы командной строки должны быть в кодировке UTF-8".to_string(), None),
        _ => ("не удалось разобрать командную строку".to_string(), None),
    }
}

/// Why a value parser refused a value: an integer's parse error in Russian, else the
/// parser's own (Russian) message.
fn why_invalid(e: &clap::Error) -> String {
    use std::error::Error as _;
    let Some(source) = e.source() else {
        return "значение не подходит".to_string();
    };
    match source.downcast_ref::<std::num::ParseIntError>().map(|p| p.kind()) {
        Some(std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow) => "слишком большое число".to_string(),
        Some(_) => "нужно целое число".to_string(),
        None => source.to_string(),
    }
}

/// clap's free-text tips, in Russian: «'plan status --as-of' exists» and «to pass '-x' as a
/// value, use '-- -x'».
fn clap_suggestion(tips: &[String]) -> Option<String> {
    tips.iter().find_map(|tip| {
        let quoted: Vec<&str> = tip.split('\'').skip(1).step_by(2).collect();
        match quoted.as_slice() {
            [exists] if tip.ends_with("exists") => Some(format!("может быть, {exists}?")),
            [value, how] if tip.starts_with("to pass") => Some(format!("чтобы передать «{value}» как значение, пишите: {how}")),
            _ => None,
        }
    })
}

fn done_code(d: Done) -> u8 {
    match d {
        Done::Clean => 0,
        Done::Problems => 1,
        Done::Unreadable => 3,
    }
}

fn error_code(e: &Error) -> u8 {
    match e {
        Error::Usage(_) | Error::Output(_) => 2,
        Error::Unreadable(_) => 3,
        Error::Network(_) => 4,
        // Future kinds are failures all the same.
        #[allow(unreachable_patterns)]
        _ => 2,
    }
}

/// The whole cause chain in Russian, without repeating a cause a line above already says;
/// OS and SQLite errors read as [`rollout::error::cause_ru`] words them.
fn report(e: &Error) {
    let lines = rollout::error::lines_ru(e.chain());
    let (top, causes) = lines.split_first().map(|(t, c)| (t.as_str(), c)).unwrap_or(("", &[]));
    eprintln!("rollout: ошибка: {top}");
    for c in causes {
        eprintln!("  причина: {c}");
    }
}
