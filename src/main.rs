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

/// The whole cause chain, without repeating a cause the message already quotes.
fn report(e: &Error) {
    let mut chain = e.chain();
    let top = chain.next().map(|c| c.to_string()).unwrap_or_default();
    eprintln!("rollout: error: {top}");
    for cause in chain {
        let c = cause.to_string();
        if !top.contains(&c) {
            eprintln!("  caused by: {c}");
        }
    }
}
