//! The `rollout` command: parse, dispatch to one module per subcommand (`cmd/`), and map
//! the outcome to the exit codes of DESIGN in one place: 0 done and clean; 1 done, problems
//! reported; 2 usage, configuration or an output that cannot be written; 3 a source, the
//! platform or the state store could not be read at all; 4 network/API failure.

mod cmd;

use clap::Parser;
use rollout::error::{Done, Error};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cmd::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cmd::execute(cli) {
        Ok(done) => ExitCode::from(done_code(done)),
        Err(e) => {
            report(&e);
            ExitCode::from(error_code(&e))
        }
    }
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
    let mut chain = e.chain();
    let top = chain.next().map(rollout::error::cause_ru).unwrap_or_default();
    eprintln!("rollout: ошибка: {top}");
    let mut said = top;
    for cause in chain {
        let c = rollout::error::cause_ru(cause);
        if !said.contains(&c) {
            eprintln!("  причина: {c}");
            said.push('\n');
            said.push_str(&c);
        }
    }
}
