//! `rollout-testserver`: a snapshot folder served as the MAX Bot API on 127.0.0.1, for the
//! tests, the demo and the benchmark.
//!
//! `rollout-testserver PLATFORM_DIR [--port N] [--rate R] [--faults SEED,P] [--hold-delete K,…]
//! [--forbid ID,…] [--permissions ID=perm+perm]… [--announce ID,…] [--seconds S] [--log FILE]
//! [--dump DIR]`;
//! the token it expects comes from `ROLLOUT_TESTSERVER_TOKEN` (default `test-token`). The
//! first line on stdout is `listening http://127.0.0.1:PORT`.
//!
//! Choices the contract leaves open:
//! - `GET /chats` is in the schema, but its note says it is gone since June 2026: answered
//!   400 `bad.request` with that reason, like anything else the schema does not allow.
//! - An operation the schema allows that the server does not play (uploads, pins,
//!   subscriptions, adding members by id, …) is 501 `not.implemented`.
//! - Besides `--forbid`, a chat the folder has no member file for is one where the bot is a
//!   plain member (members 403): its members were unknown when the folder was made.
//! - Write endpoints need the permission the schema names (`add_remove_members`,
//!   `add_admins`, `change_chat_info`); listing members needs `read_all_messages`.
//! - In `--log`, a connection dropped on purpose (`--faults`) has status 0.
//! - A fault on a write (DELETE, POST, PATCH, PUT) comes before or after carrying it out,
//!   half each, drawn from the same seeded sequence (reads draw as before). "After" is after
//!   the schema check and the operation, whatever the operation answered.
//! - `--hold-delete K`: the K-th `DELETE /chats/{id}/members` that reaches the operation
//!   (a faulted one, before or after, does not count) is carried out, logged at once with
//!   its status and `"held": true`, and never answered.
//! - `GET /messages?chat_id=` needs only that the bot is still in the chat (not `--forbid`
//!   admin rights); `message_ids` is not played (501).

mod args;
mod http;
mod schema;
mod state;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

static SERVER: OnceLock<http::Server> = OnceLock::new();

fn fail(message: &str) -> ! {
    eprintln!("rollout-testserver: ошибка: {message}");
    std::process::exit(2);
}

fn main() {
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        println!("{}", args::HELP);
        std::process::exit(0);
    }
    let args = args::parse(std::env::args_os().skip(1)).unwrap_or_else(|e| {
        eprintln!("rollout-testserver: ошибка: {e}\n{}", args::USAGE);
        std::process::exit(2);
    });
    let state =
        state::State::load(&args.dir, args.forbid.clone(), args.permissions.clone(), args.dump.clone()).unwrap_or_else(|e| fail(&e));
    state.save();
    let token = std::env::var("ROLLOUT_TESTSERVER_TOKEN").unwrap_or_else(|_| {
        eprintln!("rollout-testserver: внимание: ROLLOUT_TESTSERVER_TOKEN не задан — сервер ждёт токен «test-token»");
        "test-token".to_string()
    });
    let log = args.log.as_ref().map(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .unwrap_or_else(|e| fail(&format!("не удалось открыть журнал {}: {e}", p.display())))
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("не удалось запустить tokio: {e}")));
    runtime.block_on(serve(args, token, state, log));
    std::process::exit(0);
}

async fn serve(args: args::Args, token: String, state: state::State, log: Option<std::fs::File>) {
    // Loopback only, whatever the port.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .unwrap_or_else(|e| fail(&format!("не удалось занять 127.0.0.1:{}: {e}", args.port)));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let server = SERVER.get_or_init(|| http::Server {
        state: std::sync::Mutex::new(state),
        schema: schema::Schema::load(),
        token,
        start: Instant::now(),
        window: std::sync::Mutex::new(rollout::platform::max::rate::Window::new(args.rate)),
        faults: args.faults.map(|(seed, p)| std::sync::Mutex::new(http::Faults::new(seed, p))),
        hold_delete: args.hold_delete.clone(),
        deletes: std::sync::atomic::AtomicU64::new(0),
        log: log.map(std::sync::Mutex::new),
        announce: args.announce.clone(),
        announced: AtomicBool::new(false),
        updates: tokio::sync::Notify::new(),
    });
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening http://127.0.0.1:{port}");
        let _ = out.flush();
    }
    let deadline = tokio::time::sleep(Duration::from_secs_f64(args.seconds));
    tokio::pin!(deadline);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .unwrap_or_else(|e| fail(&format!("не удалось подписаться на SIGTERM: {e}")));
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let service = service_fn(move |req| server.handle(req));
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}
