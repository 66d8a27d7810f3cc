//! `rollout-testserver`: a snapshot folder served as the MAX Bot API on 127.0.0.1, for the
//! tests, the demo and the benchmark. (Written in issue 12.)

fn main() {
    eprintln!("rollout-testserver: ещё не готов");
    std::process::exit(2);
}
