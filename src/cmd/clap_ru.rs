//! clap in Russian: the help's layout, headings, built-in flags, defaults and usage lines,
//! set once over the whole command tree the derive builds, and the parse that uses it.
//! The wording of parse errors is `main.rs`'s; it gets the command path to name the help.

use super::Cli;
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// clap's own layout with the headings in Russian (`{all-args}` takes the headings set
/// below; `{after-help}` is each command's «Примеры:»).
const TEMPLATE: &str = "{before-help}{about-with-newline}\nИспользование: {usage}\n\n{all-args}{after-help}";

/// What clap could not parse, and the command it was parsing (`rollout plan done`).
pub struct Failed {
    pub error: clap::Error,
    pub path: String,
}

/// Parses the command line; `rollout help plan done` is `rollout plan done --help`.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, Failed> {
    let mut cmd = command();
    let mut args: Vec<OsString> = args.into_iter().collect();
    let (named, stop) = subcommands_named(&cmd, &args);
    if named.is_empty() && stop.is_some_and(|i| args[i] == "help") {
        args.remove(stop.unwrap_or_default());
        args.push("--help".into());
    }
    let path = std::iter::once(cmd.get_name().to_string())
        .chain(subcommands_named(&cmd, &args).0)
        .collect::<Vec<_>>()
        .join(" ");
    cmd.try_get_matches_from_mut(args)
        .and_then(|mut m| Cli::from_arg_matches_mut(&mut m))
        .map_err(|error| Failed { error, path })
}

/// The command tree with Russian help.
pub fn command() -> Command {
    let root = Cli::command()
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .global(true)
                .action(ArgAction::Help)
                .help("Показать эту справку"),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Показать версию"),
        );
    // The flags every command takes come after a command's own.
    let mut order = 100;
    let root = root.mut_args(|a| {
        order += 1;
        a.display_order(order)
    });
    let mut root = localize(root);
    root.build();
    russian_usage(&mut root);
    root
}

fn localize(cmd: Command) -> Command {
    let mut positionals = 0;
    cmd.help_template(TEMPLATE)
        .subcommand_help_heading("Команды")
        .subcommand_value_name("КОМАНДА")
        .disable_help_subcommand(true)
        .mut_args(|a| {
            // Under a heading of its own clap sorts positionals by display order, not index.
            let a = if a.is_positional() {
                positionals += 1;
                a.display_order(positionals)
            } else {
                a
            };
            russian_arg(a)
        })
        .mut_subcommands(localize)
}

/// Headings, and the default and possible values written into the help in Russian.
fn russian_arg(a: Arg) -> Arg {
    let heading = if a.is_positional() {
        "Аргументы"
    } else {
        "Параметры"
    };
    let mut a = a.help_heading(heading);
    let mut notes = Vec::new();
    if !a.get_default_values().is_empty() && !a.is_hide_default_value_set() {
        let values: Vec<_> = a.get_default_values().iter().map(|v| v.to_string_lossy()).collect();
        notes.push(format!("[по умолчанию: {}]", values.join(", ")));
        a = a.hide_default_value(true);
    }
    if a.get_action().takes_values() && !a.is_hide_possible_values_set() {
        let values: Vec<String> = a
            .get_value_parser()
            .possible_values()
            .map(|vs| vs.filter(|v| !v.is_hide_set()).map(|v| v.get_name().to_string()).collect())
            .unwrap_or_default();
        if !values.is_empty() {
            notes.push(format!("[возможные значения: {}]", values.join(", ")));
            a = a.hide_possible_values(true);
        }
    }
    if notes.is_empty() {
        return a;
    }
    let notes = notes.join(" ");
    let help = a.get_help().map(|h| format!("{h} {notes}")).unwrap_or(notes.clone());
    let long = a.get_long_help().map(|h| format!("{h}\n\n{notes}"));
    let a = a.help(help);
    match long {
        Some(long) => a.long_help(long),
        None => a,
    }
}

/// clap's usage line with «[ПАРАМЕТРЫ]» for its `[OPTIONS]`, on every command of a built tree.
fn russian_usage(cmd: &mut Command) {
    let usage = cmd.render_usage().to_string();
    let usage = usage
        .trim()
        .strip_prefix("Usage:")
        .unwrap_or(&usage)
        .trim()
        .replace("[OPTIONS]", "[ПАРАМЕТРЫ]");
    *cmd = std::mem::take(cmd).override_usage(usage);
    for sub in cmd.get_subcommands_mut() {
        russian_usage(sub);
    }
}

/// The subcommands named on the command line (`["plan", "done"]`), skipping flags and
/// their values, and the index of the first word that names none.
fn subcommands_named(root: &Command, args: &[OsString]) -> (Vec<String>, Option<usize>) {
    let takes_value = |cmd: &Command, f: &dyn Fn(&Arg) -> bool| cmd.get_arguments().any(|a| f(a) && a.get_action().takes_values());
    let mut cmd = root;
    let mut named = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let word = args[i].to_string_lossy();
        if word == "--" {
            break;
        } else if let Some(long) = word.strip_prefix("--") {
            if !long.contains('=') && takes_value(cmd, &|a| a.get_long() == Some(long)) {
                i += 1;
            }
        } else if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            let last = shorts.chars().last();
            if takes_value(cmd, &|a| a.get_short().is_some() && a.get_short() == last) {
                i += 1;
            }
        } else if let Some(sub) = cmd.find_subcommand(word.as_ref()) {
            named.push(sub.get_name().to_string());
            cmd = sub;
        } else {
            return (named, Some(i));
        }
        i += 1;
    }
    (named, None)
}
