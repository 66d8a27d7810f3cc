//! What every benchmark records beside its figures (the machine it ran on), and the test
//! server they run against.

/// Cores, CPU model, memory and OS, for `bench/results/*.json`.
pub fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string()))
        .unwrap_or_default();
    serde_json::json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "memory_kib": mem,
        "os": std::env::consts::OS,
        "profile": "bench (release)",
    })
}

/// Starts `rollout-testserver` on `platform` with `args` (after `--port 0`), the token in
/// its environment; the server and its base URL, read from its first line. (Not every
/// bench starts a server.)
#[allow(dead_code)]
pub fn start_testserver(platform: &std::path::Path, token: &str, args: &[&std::ffi::OsStr]) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_rollout-testserver"))
        .arg(platform)
        .args(["--port", "0"])
        .args(args)
        .env("ROLLOUT_TESTSERVER_TOKEN", token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("start rollout-testserver");
    let mut first = String::new();
    std::io::BufReader::new(server.stdout.take().expect("the server's stdout"))
        .read_line(&mut first)
        .expect("listening line");
    let base_url = first.trim().strip_prefix("listening ").expect("listening line").to_string();
    (server, base_url)
}
