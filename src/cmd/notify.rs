//! `rollout notify rules|plan [--yes]`: messages from the bot into the organisation's chats.
//! The library makes the texts and posts them through the journal (`rollout::notify`);
//! this finds the chats (after a fresh pull when the last is older than `[platform]
//! max_age_minutes`, as `run` does), prints the dry run or the summary, and maps the
//! outcome to the exit code: no live platform 2, a post that failed 1, the API gone 4.

use super::platform::{chat_label, client, network, runtime};
use super::{Global, Workspace, say};
use clap::Subcommand;
use rollout::error::{Done, Error, Result};
use rollout::human::ru_count;
use rollout::notify::deliver::{self, Delivery, Post};
use rollout::notify::split::split;
use rollout::notify::text::{self, Texts};
use rollout::platform::max::types::MAX_MESSAGE_CHARS;
use rollout::platform::place::{Audience, Placement};
use rollout::state::Store;
use rollout::state::journal::EntryState;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Subcommand)]
pub enum NotifyCmd {
    /// Опубликовать правила чата в каждом чате группы, где бот их ещё не публиковал.
    Rules {
        /// Отправить; без этого флага — только показать, что будет отправлено.
        #[arg(long)]
        yes: bool,
    },
    /// Опубликовать в чате сотрудников каждого филиала просроченные и ближайшие этапы плана и сколько ещё не вступили.
    Plan {
        /// Отправить; без этого флага — только показать, что будет отправлено.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Rules,
    Plan,
}

impl What {
    /// The journal's command.
    fn command(self) -> &'static str {
        match self {
            What::Rules => "notify rules",
            What::Plan => "notify plan",
        }
    }

    fn arg(self) -> &'static str {
        match self {
            What::Rules => "rules",
            What::Plan => "plan",
        }
    }
}

/// One chat's message, whole and in parts.
struct Message {
    chat_id: i64,
    title: Option<String>,
    /// What the chat is, for the dry run: «ИС-1, родители».
    about: String,
    text: String,
    posts: Vec<Post>,
}

pub fn run(g: &Global, cmd: NotifyCmd) -> Result<Done> {
    let (what, yes) = match cmd {
        NotifyCmd::Rules { yes } => (What::Rules, yes),
        NotifyCmd::Plan { yes } => (What::Plan, yes),
    };
    let ws = Workspace::load(g)?;
    if ws.cfg.platform.source != Some(rollout::config::PlatformKind::Api) {
        return Err(Error::msg(format!(
            "{}: rollout notify публикует сообщения через MAX Bot API — задайте [platform] source = \"api\" (и токен бота); со снимком или выгрузкой публиковать некуда",
            ws.cfg.path.display()
        )));
    }
    super::require_org_name(&ws)?;
    super::platform::chat_ids(&ws)?;
    let texts = Texts::new(Some(&ws.cfg.root.join("templates"))).map_err(Error::usage)?;
    let client = client(&ws)?;
    super::platform::pull_if_old(&ws, g.quiet)?;
    let loaded = ws.roster(true)?;
    let ctx = super::link_context(&ws, &loaded, None)?;
    if ctx.platform != super::PlatformData::Read {
        return Err(Error::Unreadable(anyhow::anyhow!(
            "платформа не прочитана — не известно, какие чаты есть: rollout notify ничего не отправил"
        )));
    }
    let mut store = ctx.store;
    let day = ws.today.format("%Y-%m-%d").to_string();
    let placed: Vec<(i64, Option<String>, Placement)> = ctx
        .chats
        .iter()
        .filter_map(|(c, p)| match p {
            Ok(p) => Some((c.chat.chat_id, c.chat.title.clone(), p.clone())),
            Err(why) => {
                rollout::errln!(
                    "rollout: внимание: чат {} не отнесён ни к группе, ни к филиалу ({why}) — в него ничего не отправлено",
                    chat_label(c.chat.chat_id, c.chat.title.as_deref())
                );
                None
            }
        })
        .collect();
    let messages = match what {
        What::Rules => rules_messages(&ws, &texts, &placed)?,
        What::Plan => {
            let usage = super::measure_usage(&ws, &loaded, ctx.diff.as_ref(), &ctx.chats, &ctx.links);
            let (plans, _) = super::plan::good_plans(&ws, None)?;
            if plans.is_empty() {
                rollout::errln!(
                    "rollout: внимание: в {} нет планов — в сводке только число тех, кто ещё не вступил",
                    ws.cfg.root.join(&ws.cfg.plans.dir).display()
                );
            }
            let report = if plans.is_empty() {
                None
            } else {
                Some(rollout::report::plan_status(&ws.cfg, &plans, &usage, &mut store, ws.today, ws.today).map_err(Error::Unreadable)?)
            };
            plan_messages(&ws, &texts, &placed, report.as_ref(), &usage, &day)?
        }
    };
    let command = what.command();
    let unfinished = store.journal_unfinished(command)?;
    if !yes {
        return dry_run(what, &ws, &store, &messages, unfinished.is_some());
    }
    // What each post's text is now: a resumed run sends a part only if it is unchanged.
    let texts_now: HashMap<String, String> = messages
        .iter()
        .flat_map(|m| m.posts.iter().map(|p| (p.key.clone(), p.text.clone())))
        .collect();
    let rt = runtime()?;
    super::platform::on_ctrl_c(
        &rt,
        match what {
            What::Rules => "rollout notify rules --yes",
            What::Plan => "rollout notify plan --yes",
        },
    );
    let mut results: Vec<Delivery> = Vec::new();
    let mut bot_id = None;
    if let Some(run) = unfinished {
        let open = store.journal_entries(run.run_id)?.iter().filter(|e| e.state.is_open()).count();
        say!(
            "Продолжаю прерванный запуск от {}: {} ещё не отправлено или не подтверждено.",
            local_time(&ws, &run.started),
            ru_count(open, ["сообщение", "сообщения", "сообщений"])
        );
        let id = rt
            .block_on(client.me())
            .map_err(network("не удалось узнать бота MAX Bot API"))?
            .user_id;
        bot_id = Some(id);
        let before = posted_chats(&store, command)?;
        let d = rt.block_on(deliver::deliver(&client, &mut store, run.run_id, id, &before, &texts_now))?;
        let stop = d.stopped.is_some() || !d.finished;
        results.push(d);
        if stop {
            return finish(&messages, results, 0);
        }
    }
    let done = store.journal_keys(command, &[EntryState::Done])?;
    let mut already = 0;
    let mut to_post: Vec<Post> = Vec::new();
    for m in &messages {
        let left: Vec<&Post> = m.posts.iter().filter(|p| !done.contains(&p.key)).collect();
        if left.is_empty() {
            already += 1;
        }
        to_post.extend(left.into_iter().cloned());
    }
    // Chats the resumed run just finished are «already» too.
    let resumed_chats: HashSet<i64> = results.iter().flat_map(|d| d.outcomes.iter().map(|o| o.chat_id)).collect();
    let already_before = messages
        .iter()
        .filter(|m| !resumed_chats.contains(&m.chat_id) && m.posts.iter().all(|p| done.contains(&p.key)))
        .count();
    if to_post.is_empty() {
        if results.is_empty() {
            nothing_to_send(what, &ws, already);
            return Ok(Done::Clean);
        }
        return finish(&messages, results, already_before);
    }
    let id = match bot_id {
        Some(id) => id,
        None => {
            rt.block_on(client.me())
                .map_err(network("не удалось узнать бота MAX Bot API — ничего не отправлено"))?
                .user_id
        }
    };
    let before = posted_chats(&store, command)?;
    let run_id = store.journal_start(command, "", &deliver::entries(&to_post))?;
    let d = rt.block_on(deliver::deliver(&client, &mut store, run_id, id, &before, &texts_now))?;
    results.push(d);
    finish(&messages, results, already_before)
}

/// Chats where the bot already posted for this command (a read-back there must not take
/// an earlier post for a new one).
fn posted_chats(store: &Store, command: &str) -> Result<HashSet<i64>> {
    Ok(store
        .journal_keys(command, &[EntryState::Done, EntryState::Pending])?
        .iter()
        .filter_map(|k| k.split('|').nth(1)?.parse().ok())
        .collect())
}

/// The message, cut to the platform's size, as posts keyed `PREFIX|PART`.
fn message(chat_id: i64, title: Option<String>, about: String, text: String, key: &str) -> Message {
    let parts = split(&text, MAX_MESSAGE_CHARS);
    let n = parts.len();
    let posts = parts
        .into_iter()
        .enumerate()
        .map(|(i, t)| Post {
            key: format!("{key}|{}", i + 1),
            chat_id,
            part: i + 1,
            parts: n,
            text: t,
        })
        .collect();
    Message {
        chat_id,
        title,
        about,
        text,
        posts,
    }
}

/// The rules for every chat placed to a group (students', parents', teachers' chats). A
/// branch's staff chat gets none: it is the staff's working chat, where `notify plan`
/// posts; the rules are for the chats pupils and parents join.
fn rules_messages(ws: &Workspace, texts: &Texts, placed: &[(i64, Option<String>, Placement)]) -> Result<Vec<Message>> {
    let mut out = Vec::new();
    for (chat_id, title, place) in placed {
        let Some(ctx) = text::rules_ctx(&ws.cfg, place, title.as_deref()) else {
            continue;
        };
        let body = texts.render(text::RULES, &ctx).map_err(Error::usage)?;
        if body.is_empty() {
            return Err(Error::msg(format!("шаблон {}: получился пустой текст", text::RULES)));
        }
        let key = format!("rules|{chat_id}|{}", rollout::notify::text_hash(&body));
        let about = format!("{}, {}", ctx.group, place.audience.ru());
        out.push(message(*chat_id, title.clone(), about, body, &key));
    }
    Ok(out)
}

fn plan_messages(
    ws: &Workspace,
    texts: &Texts,
    placed: &[(i64, Option<String>, Placement)],
    report: Option<&rollout::plans::status::StatusReport>,
    usage: &rollout::plans::measure::Usage,
    day: &str,
) -> Result<Vec<Message>> {
    let mut out = Vec::new();
    let staff: Vec<&(i64, Option<String>, Placement)> = placed
        .iter()
        .filter(|(_, _, p)| p.audience == Audience::Staff && p.group.is_none())
        .collect();
    for b in &ws.cfg.branches {
        if !staff.iter().any(|(_, _, p)| p.branch == b.name) {
            rollout::errln!(
                "rollout: внимание: у филиала «{}» нет чата сотрудников в [[chats.map]] — его сводка не отправлена",
                b.name
            );
        }
    }
    for (chat_id, title, place) in staff {
        let ctx = text::plan_ctx(&ws.cfg, &place.branch, report, usage, ws.today);
        let body = texts.render(text::PLAN, &ctx).map_err(Error::usage)?;
        if body.is_empty() {
            return Err(Error::msg(format!("шаблон {}: получился пустой текст", text::PLAN)));
        }
        let key = format!("plan|{chat_id}|{day}");
        out.push(message(
            *chat_id,
            title.clone(),
            format!("сотрудники, {}", place.branch),
            body,
            &key,
        ));
    }
    Ok(out)
}

/// A journal time (UTC, RFC 3339) for people: дд.мм.гггг чч:мм in the organisation's zone.
fn local_time(ws: &Workspace, at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&ws.cfg.tz).format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_else(|_| at.to_string())
}

fn date(ws: &Workspace) -> String {
    ws.today.format("%d.%m.%Y").to_string()
}

fn nothing_to_send(what: What, ws: &Workspace, already: usize) {
    match (what, already) {
        (What::Rules, 0) => say!("Чатов групп в [[chats.map]] нет — публиковать правила негде."),
        (What::Plan, 0) => say!("Чатов сотрудников в [[chats.map]] нет — публиковать сводку негде."),
        (What::Rules, n) => say!("Правила уже опубликованы во всех чатах групп ({n}) — отправлять нечего."),
        (What::Plan, n) => say!(
            "Сводка на {} уже опубликована во всех чатах сотрудников ({n}) — отправлять нечего.",
            date(ws)
        ),
    }
}

fn print_text(m: &Message, parts: &[&Post]) {
    if m.posts.len() == 1 {
        say!("{}", m.text);
        return;
    }
    for p in parts {
        say!("----- часть {} из {} ({} знаков) -----", p.part, p.parts, p.text.chars().count());
        say!("{}", p.text);
    }
}

/// What `--yes` would post: each chat, and the texts — every one for the plan (they
/// differ by branch), one for the rules (the others differ only by group and audience).
fn dry_run(what: What, ws: &Workspace, store: &Store, messages: &[Message], unfinished: bool) -> Result<Done> {
    let done = store.journal_keys(what.command(), &[EntryState::Done])?;
    let pending: Vec<(&Message, Vec<&Post>)> = messages
        .iter()
        .map(|m| (m, m.posts.iter().filter(|p| !done.contains(&p.key)).collect::<Vec<_>>()))
        .filter(|(_, left)| !left.is_empty())
        .collect();
    let already = messages.len() - pending.len();
    if unfinished {
        say!(
            "Прошлый запуск rollout notify {} прерван: с --yes он будет сначала закончен (отправленное не повторится).",
            what.arg()
        );
    }
    if pending.is_empty() {
        nothing_to_send(what, ws, already);
        return Ok(Done::Clean);
    }
    let chats = match what {
        What::Rules => format!(
            "Правила чата не опубликованы в {}:",
            ru_count(pending.len(), ["чате группы", "чатах групп", "чатах групп"])
        ),
        What::Plan => format!(
            "Сводка на {} не опубликована в {}:",
            date(ws),
            ru_count(pending.len(), ["чате сотрудников", "чатах сотрудников", "чатах сотрудников"])
        ),
    };
    say!("{chats}");
    for (m, left) in &pending {
        say!(
            "  {} — {} ({})",
            chat_label(m.chat_id, m.title.as_deref()),
            m.about,
            ru_count(left.len(), ["сообщение", "сообщения", "сообщений"])
        );
    }
    if already > 0 {
        say!("Уже опубликовано раньше — чатов: {already}.");
    }
    match what {
        What::Rules => {
            let (m, left) = &pending[0];
            say!();
            say!(
                "Текст для {} (в других чатах — их группа и аудитория):",
                chat_label(m.chat_id, m.title.as_deref())
            );
            print_text(m, left);
        }
        What::Plan => {
            for (m, left) in &pending {
                say!();
                say!("Текст для {}:", chat_label(m.chat_id, m.title.as_deref()));
                print_text(m, left);
            }
        }
    }
    say!();
    say!(
        "Пробный запуск: ничего не отправлено. Отправить: rollout notify {} --yes",
        what.arg()
    );
    Ok(Done::Clean)
}

/// The summary: failures with their reasons, then the counts; exit 1 when something was
/// not posted, 4 when the API went away (what is left waits in the journal).
fn finish(messages: &[Message], results: Vec<Delivery>, already: usize) -> Result<Done> {
    /// One chat: messages posted, whether all its posts are, and why not.
    #[derive(Default)]
    struct ChatSum {
        sent: usize,
        bad: bool,
        failed: Vec<String>,
        unsure: Vec<String>,
    }
    let titles: BTreeMap<i64, Option<&str>> = messages.iter().map(|m| (m.chat_id, m.title.as_deref())).collect();
    // A chat the resumed run left failed and the new run posted is posted: the later
    // run's word on a chat stands.
    let mut chats: BTreeMap<i64, ChatSum> = BTreeMap::new();
    for d in &results {
        let mut this: BTreeMap<i64, ChatSum> = BTreeMap::new();
        for o in &d.outcomes {
            let e = this.entry(o.chat_id).or_default();
            let title = titles.get(&o.chat_id).copied().flatten();
            let part = if o.parts > 1 {
                format!(", часть {} из {}", o.part, o.parts)
            } else {
                String::new()
            };
            let line = |why: &str| format!("  {}{part}: {why}", chat_label(o.chat_id, title));
            match o.state {
                EntryState::Done => e.sent += 1,
                // Not needed any more: the text changed, the new one is posted instead.
                EntryState::Skipped => {}
                EntryState::Failed | EntryState::Waiting => {
                    e.bad = true;
                    e.failed.push(line(o.message.as_deref().unwrap_or("причина не записана")));
                }
                EntryState::Pending | EntryState::Planned => {
                    e.bad = true;
                    if o.code.is_some() {
                        e.unsure.push(line(o.message.as_deref().unwrap_or_default()));
                    }
                }
            }
        }
        for (chat, s) in this {
            let sent = chats.get(&chat).map_or(0, |p| p.sent) + s.sent;
            chats.insert(chat, ChatSum { sent, ..s });
        }
    }
    let failed: Vec<&String> = chats.values().flat_map(|c| &c.failed).collect();
    let unsure: Vec<&String> = chats.values().flat_map(|c| &c.unsure).collect();
    if !failed.is_empty() {
        say!("Не отправлено ({}):", failed.len());
        for l in &failed {
            say!("{l}");
        }
    }
    if !unsure.is_empty() {
        say!(
            "Не удалось проверить, опубликовано ли ({}) — следующий запуск сначала проверит это, потом отправит:",
            unsure.len()
        );
        for l in &unsure {
            say!("{l}");
        }
    }
    let posted = chats.values().filter(|c| !c.bad && c.sent > 0).count();
    let bad = chats.values().filter(|c| c.bad).count();
    let sent: usize = chats.values().map(|c| c.sent).sum();
    say!(
        "Итого: опубликовано — чатов: {posted}, сообщений: {sent}; уже было опубликовано раньше — чатов: {already}; не удалось — чатов: {bad}."
    );
    if let Some(e) = results.into_iter().find_map(|d| d.stopped) {
        return Err(Error::Network(anyhow::Error::new(e).context(
            "MAX Bot API недоступен — остальное не отправлено; следующий запуск rollout notify продолжит с того же места",
        )));
    }
    Ok(Done::problems_if(bad > 0))
}
