//! `rollout platform check|pull|discover`: the live platform through the MAX Bot API.
//! The library does the work (`rollout::platform::pull`); this prints for people and maps
//! failures to exit codes: no token or no `[[chats.map]]` 2, a refused token or an
//! unreachable API 4, chats listed as unreadable or needing attention 1.

use super::{Global, Workspace, say};
use clap::Subcommand;
use rollout::error::{Done, Error, Result};
use rollout::platform::max::{ApiError, Client, token};
use rollout::platform::pull::{self, ChatCheck, Pull};
use rollout::platform::store::Store;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum PlatformCmd {
    /// Проверить токен бота и его права в каждом чате из [[chats.map]].
    Check,
    /// Снять снимок: все чаты из [[chats.map]] и их участники.
    Pull,
    /// Найти чаты, в которые бота добавляют, пока команда ждёт (для настройки).
    Discover {
        /// Сколько секунд ждать.
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
}

pub fn run(g: &Global, cmd: PlatformCmd) -> Result<Done> {
    let ws = Workspace::load(g)?;
    match cmd {
        PlatformCmd::Check => check(&ws, g.quiet),
        PlatformCmd::Pull => Ok(Done::problems_if(pull(&ws, g.quiet)?.unreadable().next().is_some())),
        PlatformCmd::Discover { wait } => discover(&ws, g.quiet, wait),
    }
}

/// Pull now (for `run` when the last complete pull is older than `[platform]
/// max_age_minutes`): prints its progress and summary like `platform pull`; Ok when the
/// pull completed and is current.
pub fn pull_now(ws: &Workspace, quiet: bool) -> Result<()> {
    pull(ws, quiet).map(|_| ())
}

/// `run`'s and `notify`'s rule: a new pull when the latest complete one is older than
/// `[platform] max_age_minutes` or there is none; says which.
pub fn pull_if_old(ws: &Workspace, quiet: bool) -> Result<()> {
    let snapshots = Store::of_workspace(&ws.cfg.root);
    let current = snapshots.current().map_err(|e| {
        Error::Unreadable(anyhow::Error::new(e).context(format!("не удалось прочитать снимки платформы в {}", snapshots.dir.display())))
    })?;
    let max_age = ws.cfg.platform.max_age_minutes;
    let age = current
        .as_ref()
        .map(|c| (chrono::Utc::now() - c.finished).num_minutes().max(0) as u64);
    if let Some(age) = age
        && age < max_age
    {
        if !quiet {
            say!("Платформа: последний снимок снят {age} мин назад — новый не нужен (max_age_minutes = {max_age})");
        }
        return Ok(());
    }
    if !quiet {
        match age {
            None => say!("Платформа: снимков ещё нет — снимаю"),
            Some(age) => say!("Платформа: последний снимок снят {age} мин назад (max_age_minutes = {max_age}) — снимаю новый"),
        }
    }
    pull_now(ws, quiet)
}

/// The client for the workspace's bot, or why there is none (exit 2).
pub fn client(ws: &Workspace) -> Result<Client> {
    let cfg = &ws.cfg;
    let token = token::load(cfg).map_err(Error::Usage)?.ok_or_else(|| {
        Error::msg(format!(
            "нет токена бота MAX: задайте его в переменной окружения {} или в файле, путь к которому указан в [platform] token_file файла {} (файл должен быть доступен только владельцу: chmod 600); в командной строке токен не принимается",
            token::ENV,
            cfg.path.display()
        ))
    })?;
    let settings = rollout::platform::client_settings(&cfg.platform);
    Client::new(settings, token)
        .map_err(|e| Error::Usage(anyhow::Error::new(e).context(format!("{}: [platform] base_url", cfg.path.display()))))
}

/// The mapped chat ids, or a usage error when there are none.
pub fn chat_ids(ws: &Workspace) -> Result<Vec<i64>> {
    let ids: Vec<i64> = ws.cfg.chat_map.iter().map(|e| e.chat_id).collect();
    if ids.is_empty() {
        return Err(Error::msg(format!(
            "{}: нет ни одного чата в [[chats.map]] — впишите chat_id (или адрес web.max.ru) каждого чата, администратором которого сделан бот; найти их поможет rollout platform discover",
            ws.cfg.path.display()
        )));
    }
    Ok(ids)
}

/// On Ctrl-C, says what happens next and ends with 130: what `command` did so far is in
/// the journal (each mark is committed before the next call), so ending here is like a
/// crash it is built to survive. For commands that journal their calls (`apply`, `notify`).
pub fn on_ctrl_c(rt: &tokio::runtime::Runtime, command: &'static str) {
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            rollout::errln!(
                "\nrollout: прервано (Ctrl-C): сделанное записано в журнал — {command} продолжит с того же места и ничего не повторит"
            );
            std::process::exit(130);
        }
    });
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Network(anyhow::Error::new(e).context("не удалось запустить сетевую часть")))
}

/// An API failure that stops the command (exit 4), under `what` failed.
pub fn network(what: &'static str) -> impl FnOnce(ApiError) -> Error {
    move |e| Error::Network(anyhow::Error::new(e).context(what))
}

pub fn chat_bar(quiet: bool, what: &str) -> indicatif::ProgressBar {
    let pb = super::progress_bar(quiet);
    if !pb.is_hidden()
        && let Ok(style) = indicatif::ProgressStyle::with_template(&format!("{{spinner}} {what} {{pos}}/{{len}} {{wide_bar}} {{elapsed}}"))
    {
        pb.set_style(style);
    }
    pb
}

/// A chat for people: its id and, when known, its title.
pub fn chat_label(chat_id: i64, title: Option<&str>) -> String {
    match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{chat_id} «{t}»"),
        None => chat_id.to_string(),
    }
}

fn bot_label(bot: &rollout::platform::max::types::BotInfo) -> String {
    match &bot.username {
        Some(u) => format!("{} (@{u}, user_id {})", bot.first_name, bot.user_id),
        None => format!("{} (user_id {})", bot.first_name, bot.user_id),
    }
}

fn check(ws: &Workspace, quiet: bool) -> Result<Done> {
    let ids = chat_ids(ws)?;
    let client = client(ws)?;
    let concurrency = ws.cfg.platform.concurrency;
    let pb = chat_bar(quiet, "проверка чатов");
    let checked = runtime()?.block_on(pull::check(Arc::new(client), &ids, concurrency, &pb));
    pb.finish_and_clear();
    let (bot, checks) = checked.map_err(network("не удалось проверить доступ бота к MAX Bot API"))?;
    say!("Бот: {}", bot_label(&bot));
    say!("Проверено чатов из [[chats.map]]: {}", checks.len());
    // A web address is an observed convention, not in the schema: confirm each resolves.
    let by_address: Vec<String> = ws
        .cfg
        .chat_map
        .iter()
        .filter_map(|e| {
            let address = e.web_address.as_deref()?;
            let c = checks.iter().find(|c| c.chat_id == e.chat_id)?;
            let chat = chat_label(c.chat_id, c.chat.as_ref().and_then(|ch| ch.title.as_deref()));
            Some(match &c.chat {
                Some(_) => format!("{address} → {chat}: чат найден"),
                None => format!("{address} → {chat}: чат не открывается — проверьте адрес и что бот добавлен в этот чат"),
            })
        })
        .collect();
    let label = |c: &ChatCheck| chat_label(c.chat_id, c.chat.as_ref().and_then(|ch| ch.title.as_deref()));
    let section = |title: &str, lines: Vec<String>| {
        if !lines.is_empty() {
            say!("{title} ({}):", lines.len());
            for l in lines {
                say!("  {l}");
            }
        }
    };
    section("Чаты, заданные веб-адресом", by_address);
    section(
        "Бот не видит чат",
        checks
            .iter()
            .filter_map(|c| c.unseen.as_ref().map(|e| format!("{}: {e}", label(c))))
            .collect(),
    );
    section(
        "Бот не администратор — сделайте его администратором чата",
        checks.iter().filter(|c| c.is_admin() == Some(false)).map(label).collect(),
    );
    section(
        "Боту не хватает прав",
        checks
            .iter()
            .filter(|c| !c.lacking().is_empty())
            .map(|c| {
                let lacking: Vec<String> = c.lacking().iter().map(|(p, what)| format!("{p} ({what})")).collect();
                format!("{}: {}", label(c), lacking.join(", "))
            })
            .collect(),
    );
    section(
        "Чат не активен (статус не active)",
        checks
            .iter()
            .filter_map(|c| c.inactive().map(|s| format!("{}: {s}", label(c))))
            .collect(),
    );
    let bad = checks.iter().filter(|c| !c.fine()).count();
    if bad == 0 {
        say!(
            "Итого: чатов {}, все в порядке — бот их видит, он в них администратор и у него есть все нужные права.",
            checks.len()
        );
    } else {
        say!(
            "Итого: чатов {}, в порядке {}, с замечаниями {bad}.",
            checks.len(),
            checks.len() - bad
        );
    }
    Ok(Done::problems_if(bad > 0))
}

fn store_error(store: &Store) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::Unreadable(anyhow::Error::new(e).context(format!("не удалось сохранить снимок в {}", store.dir.display())))
}

/// The pull: into a staging folder, current only when it finished; then old pulls pruned.
fn pull(ws: &Workspace, quiet: bool) -> Result<Pull> {
    let ids = chat_ids(ws)?;
    let client = client(ws)?;
    let store = Store::of_workspace(&ws.cfg.root);
    let staging = store.begin().map_err(store_error(&store))?;
    let pb = chat_bar(quiet, "чтение чатов");
    let clock = std::time::Instant::now();
    let pulled = runtime()?.block_on(pull::pull(Arc::new(client), &ids, ws.cfg.platform.concurrency, &pb));
    pb.finish_and_clear();
    let p = match pulled {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging.dir);
            let keeps = if store.current().ok().flatten().is_some() {
                "не удалось снять снимок платформы — текущим остаётся прежний снимок"
            } else {
                "не удалось снять снимок платформы"
            };
            return Err(network(keeps)(e));
        }
    };
    pull::save(&staging.dir, &p).map_err(store_error(&store))?;
    let done = staging.commit().map_err(store_error(&store))?;
    if let Err(e) = store.prune(ws.cfg.platform.keep_snapshots) {
        rollout::errln!(
            "rollout: внимание: не удалось удалить старые снимки в {}: {}",
            store.dir.display(),
            rollout::files::io_ru(&e)
        );
    }
    let shown = done.strip_prefix(&ws.cfg.root).unwrap_or(&done);
    let read = p.chats.iter().filter(|c| c.members.is_some()).count();
    if !quiet {
        say!("Снимок платформы сохранён: {}", shown.display());
        say!("Чатов прочитано: {read} из {}, участников: {}.", p.chats.len(), p.members());
    }
    let unreadable: Vec<String> = p
        .unreadable()
        .map(|(chat, why)| format!("{}: {}", chat_label(chat.chat_id, chat.title.as_deref()), why.describe()))
        .collect();
    if !unreadable.is_empty() {
        say!("Не прочитаны — их участники считаются неизвестными ({}):", unreadable.len());
        for l in unreadable {
            say!("  {l}");
        }
    }
    let secs = format!("{:.1}", clock.elapsed().as_secs_f64()).replace('.', ",");
    if !quiet {
        say!(
            "Время: {secs} с; запросов: {}, повторов: {}, ответов 429: {}.",
            p.stats.requests,
            p.stats.retries,
            p.stats.throttled
        );
    }
    if p.stats.throttled > 0 {
        say!(
            "Сервер {} ответил 429 (слишком много запросов) — уменьшите [platform] rate в {} (сейчас {}).",
            rollout::human::ru_count(p.stats.throttled as usize, ["раз", "раза", "раз"]),
            ws.cfg.path.display(),
            ws.cfg.platform.rate
        );
    }
    Ok(p)
}

fn discover(ws: &Workspace, quiet: bool, wait: u64) -> Result<Done> {
    let client = client(ws)?;
    if !quiet {
        rollout::errln!("rollout: жду {wait} с: добавляйте бота в чаты (видны только чаты, в которые его добавят сейчас)…");
    }
    let stop = async {
        if tokio::signal::ctrl_c().await.is_ok() {
            rollout::errln!("\nrollout: прервано (Ctrl-C): больше не жду — записываю чаты, найденные до сих пор");
        } else {
            std::future::pending::<()>().await;
        }
    };
    let found = runtime()?.block_on(pull::discover(&client, std::time::Duration::from_secs(wait), stop));
    let found = found.map_err(|e| match e {
        ApiError::WebhookActive { .. } => Error::Network(anyhow::Error::new(e).context(
            "у бота есть подписка на webhook — пока она есть, MAX выключает long polling, и rollout platform discover не может слушать обновления; \
             удалите подписку запросом DELETE /subscriptions?url=<адрес webhook> (адреса покажет GET /subscriptions) и запустите discover снова — или впишите chat_id чатов в [[chats.map]] сами",
        )),
        e => network("не удалось получить обновления от MAX Bot API")(e),
    })?;
    let loaded = ws.roster(quiet)?;
    let placer = rollout::platform::place::ChatPlacer::new(&ws.cfg, &loaded.roster);
    let mapped: Vec<i64> = ws.cfg.chat_map.iter().map(|e| e.chat_id).collect();
    let (text, placed) = pull::proposal(&found, &placer, &mapped);
    let path = ws.out.join("platform").join("chats-map.toml");
    // Nothing new: the previous run's proposal is what the admin still needs.
    if found.is_empty() && path.exists() {
        say!(
            "Бота не добавили ни в один чат: новых чатов нет; прежнее предложение {} оставлено без изменений.",
            path.display()
        );
        return Ok(Done::Clean);
    }
    super::begin_outputs(ws, "platform discover");
    rollout::files::write_private(&path, text.as_bytes())
        .map_err(|e| Error::Output(anyhow::Error::new(e).context(format!("не удалось записать {}", path.display()))))?;
    say!(
        "Бота добавили в чатов: {}; предложено записей [[chats.map]]: {placed}.",
        found.len()
    );
    for d in &found {
        say!("  {}", chat_label(d.chat_id, d.title.as_deref()));
    }
    say!(
        "Предложенные записи [[chats.map]]: {} — проверьте и перенесите в rollout.toml (сам rollout.toml не изменён).",
        path.display()
    );
    // Problems: chats neither proposed nor already in [[chats.map]].
    let known = found.iter().filter(|d| mapped.contains(&d.chat_id)).count();
    Ok(Done::problems_if(placed + known < found.len()))
}
