//! `rollout apply [--yes]`: carry out a change set `diff` showed, on the live platform.
//!
//! Only the live platform (`[platform] source = "api"`). An unfinished run of the journal
//! is resumed first, as it was (no new pull, no recomputing: the platform changes its own
//! calls made are expected). Otherwise a fresh pull and the change set recomputed: it must
//! be one `diff` showed — or differ from the last one shown only by the platform, with no
//! action that was not shown — and not held unapproved. Without `--yes`, a dry run.

use super::{Global, Workspace, say};
use rollout::apply::{COMMAND, ChatFacts, CrashHook, RunContext, Step, StepKind, carry_out_all};
use rollout::changes::{ActionKind, ChangeStatus, DiffOutcome};
use rollout::config::PlatformKind;
use rollout::error::{Done, Error, Result};
use rollout::human::ru_count;
use rollout::state::Store;
use rollout::state::journal::{Entry, EntryState, JournalRun};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// Выполнить; без этого флага — только показать, что будет сделано.
    #[arg(long)]
    pub yes: bool,
}

const ACTIONS: [&str; 3] = ["действие", "действия", "действий"];

pub fn run(g: &Global, a: Args) -> Result<Done> {
    let ws = Workspace::load(g)?;
    if ws.cfg.platform.source != Some(PlatformKind::Api) {
        return Err(Error::msg(format!(
            "rollout apply меняет живую платформу через MAX Bot API: задайте в {} [platform] source = \"api\" (снимок или выгрузку участников изменить нельзя)",
            ws.cfg.path.display()
        )));
    }
    let mut store = ws.store()?;
    if let Some(open) = store.journal_unfinished(COMMAND)? {
        let entries = store.journal_entries(open.run_id)?;
        if entries.iter().any(|e| e.state.is_open()) {
            return resume(&ws, store, open, entries, a.yes, g.quiet);
        }
        // Every entry settled, only the run's end not written: it is over.
        store.journal_finish(open.run_id)?;
    }
    if !store.any_change_set_shown()? {
        return Err(never_shown(&ws));
    }
    let loaded = ws.roster(g.quiet)?;
    refuse_early_if_inputs_changed(&ws, &store, &loaded)?;
    super::platform::pull_now(&ws, g.quiet)?;
    let d = super::diff_if_platform(&ws, &loaded, None, &store)?.ok_or_else(|| Error::msg(super::diff::no_platform()))?;
    let hash = admissible(&ws, &store, &d)?;
    let facts: HashMap<i64, ChatFacts> = d
        .chats
        .iter()
        .map(|(c, _)| {
            let facts = ChatFacts {
                title: c.chat.title.clone(),
                admins: c.members.iter().filter(|m| m.is_admin).count(),
            };
            (c.chat.chat_id, facts)
        })
        .collect();
    let steps: Vec<Step> = d
        .changes
        .actions
        .iter()
        .filter_map(|x| Step::of(x, &facts, &ws.cfg.platform.curator_permissions))
        .collect();
    let manual = manual_line(&ws, &d);
    if steps.is_empty() {
        say!("Через MAX Bot API делать нечего: удалений, назначений администраторами и переводов нет.");
        if let Some(m) = manual {
            say!("{m}");
        }
        return Ok(Done::Clean);
    }
    say!("Набор изменений {hash}: через MAX Bot API — {}.", ru_count(steps.len(), ACTIONS));
    if !a.yes {
        say!("Пробный запуск: на платформе ничего не меняется. Выполнить: rollout apply --yes");
        for s in &steps {
            say!("  {}", s.describe());
        }
        if let Some(m) = manual {
            say!("{m}");
        }
        return Ok(Done::Clean);
    }
    let new: Vec<_> = steps.iter().map(Step::entry).collect();
    let run_id = store.journal_start(COMMAND, &hash, &new)?;
    let entries = store.journal_entries(run_id)?;
    execute(&ws, store, run_id, entries, manual, g.quiet)
}

/// An unfinished run: carried on as it was, its open entries only.
fn resume(ws: &Workspace, store: Store, run: JournalRun, entries: Vec<Entry>, yes: bool, quiet: bool) -> Result<Done> {
    let open: Vec<&Entry> = entries.iter().filter(|e| e.state.is_open()).collect();
    if !yes {
        say!(
            "Незавершённое применение набора изменений {}: осталось {} — rollout apply --yes продолжит его:",
            run.hash,
            ru_count(open.len(), ACTIONS)
        );
        for e in open {
            match Step::from_entry(e) {
                Some(s) => say!("  {}", s.describe()),
                None => say!("  {} (запись журнала {})", e.kind, e.seq),
            }
        }
        return Ok(Done::Clean);
    }
    say!(
        "Продолжаю незавершённое применение набора изменений {}: осталось {}",
        run.hash,
        ru_count(open.len(), ACTIONS)
    );
    execute(ws, store, run.run_id, entries, None, quiet)
}

/// Carries out a run's open entries; the journal is written here, on this thread, as the
/// steps report; then the summary.
fn execute(ws: &Workspace, mut store: Store, run_id: i64, entries: Vec<Entry>, manual: Option<String>, quiet: bool) -> Result<Done> {
    let client = super::platform::client(ws)?;
    let mut open: Vec<(i64, Step, bool)> = Vec::new();
    for e in entries.iter().filter(|e| e.state.is_open()) {
        match Step::from_entry(e) {
            Some(s) => open.push((e.seq, s, e.state == EntryState::Pending)),
            // Written by another version of rollout: said, not guessed at.
            None => store.journal_mark(
                run_id,
                e.seq,
                EntryState::Failed,
                Some("bad_entry"),
                Some("запись журнала не читается этой версией rollout — проверьте это действие вручную"),
            )?,
        }
    }
    let plain: Vec<Step> = open.iter().map(|(_, s, _)| s.clone()).collect();
    let (tx, rx) = std::sync::mpsc::channel();
    let ctx = Arc::new(RunContext::new(&plain, CrashHook::from_env(), tx));
    let rt = super::platform::runtime()?;
    super::platform::on_ctrl_c(&rt, "rollout apply --yes");
    let concurrency = ws.cfg.platform.concurrency;
    let task_ctx = ctx.clone();
    let handle = rt.spawn(async move {
        let _close = task_ctx.closing();
        carry_out_all(Arc::new(client), task_ctx.clone(), open, concurrency).await
    });
    let pb = super::platform::chat_bar(quiet, "действия");
    pb.set_length(plain.len() as u64);
    let mut journal_error = None;
    for mark in rx {
        if mark.state != EntryState::Pending {
            pb.inc(1);
        }
        if journal_error.is_some() {
            continue; // no ack: the step does not call
        }
        match store.journal_mark(run_id, mark.seq, mark.state, mark.code.as_deref(), mark.message.as_deref()) {
            Ok(()) => {
                if let Some(ack) = mark.ack {
                    let _ = ack.send(());
                }
            }
            Err(e) => {
                ctx.halt();
                journal_error = Some(e);
            }
        }
    }
    pb.finish_and_clear();
    // Each step's outcome is in the journal now; the summary reads it from there.
    rt.block_on(handle)
        .map_err(|e| Error::msg(format!("rollout apply: внутренняя ошибка: {e}")))?;
    if let Some(e) = journal_error {
        return Err(e.into());
    }
    let stop = ctx.take_stop_error();
    let entries = store.journal_entries(run_id)?;
    let left = entries.iter().filter(|e| e.state.is_open()).count();
    if left == 0 {
        store.journal_finish(run_id)?;
    }
    let failed = summary(&entries, manual);
    if let Some(e) = stop {
        return Err(Error::Network(anyhow::Error::new(e).context(format!(
            "применение остановлено: осталось {} — запустите rollout apply --yes снова, оно продолжит с того же места",
            ru_count(left, ACTIONS)
        ))));
    }
    Ok(Done::problems_if(failed > 0))
}

/// The summary of a run from its journal; the number failed.
fn summary(entries: &[Entry], manual: Option<String>) -> usize {
    let count = |s: EntryState| entries.iter().filter(|e| e.state == s).count();
    let (done, skipped, failed, waiting) = (
        count(EntryState::Done),
        count(EntryState::Skipped),
        count(EntryState::Failed),
        count(EntryState::Waiting),
    );
    let left = entries.iter().filter(|e| e.state.is_open()).count();
    let mut line = format!("Итого: выполнено {done}, уже не требовалось {skipped}, не выполнено {failed}, ждут {waiting}");
    if left > 0 {
        line.push_str(&format!(", не начато {left}"));
    }
    say!("{line}.");
    let step = |e: &Entry| Step::from_entry(e);
    if done > 0 {
        let by_kind: Vec<String> = StepKind::ALL
            .iter()
            .filter_map(|k| {
                let n = entries.iter().filter(|e| e.state == EntryState::Done && e.kind == k.code()).count();
                (n > 0).then(|| format!("{} — {n}", k.title_ru()))
            })
            .collect();
        say!("Выполнено: {}.", by_kind.join(", "));
    }
    let describe = |e: &Entry| {
        step(e)
            .map(|s| s.describe())
            .unwrap_or_else(|| format!("{} (запись {})", e.kind, e.seq))
    };
    if failed > 0 {
        say!("Не выполнено ({failed}):");
        let mut by_code: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for e in entries.iter().filter(|e| e.state == EntryState::Failed) {
            by_code.entry(e.code.as_deref().unwrap_or("?")).or_default().push(e);
        }
        for (code, list) in by_code {
            say!("  {} ({}):", code_ru(code), list.len());
            for e in list {
                say!("    {}: {}", describe(e), e.message.as_deref().unwrap_or(""));
            }
        }
    }
    if waiting > 0 {
        say!("Ждут ({waiting}):");
        for e in entries.iter().filter(|e| e.state == EntryState::Waiting) {
            say!("  {}: {}", describe(e), e.message.as_deref().unwrap_or(""));
        }
    }
    if let Some(m) = manual {
        say!("{m}");
    }
    failed
}

/// A failure code for people.
fn code_ru(code: &str) -> String {
    let what = match code {
        "403" => {
            "нет доступа: бот не администратор чата или у него нет нужного права (удалять — add_remove_members, назначать администраторов — add_admins); дайте право и повторите rollout apply --yes"
        }
        "404" => "чат не найден",
        "refused" => "API отказал",
        "uncertain" => "неизвестно, выполнено ли",
        "not_member" => "человека нет в чате",
        "too_many_admins" => "в чате уже 50 администраторов",
        "bad_response" => "непонятный ответ API",
        _ => "",
    };
    if what.is_empty() {
        code.to_string()
    } else {
        format!("{code} — {what}")
    }
}

/// What stays on the admin's checklist: what the API cannot do.
fn manual_line(ws: &Workspace, d: &DiffOutcome) -> Option<String> {
    let parts: Vec<String> = [ActionKind::SetupChat, ActionKind::Invite, ActionKind::Review]
        .iter()
        .filter_map(|k| {
            let n = d.changes.count(*k);
            (n > 0).then(|| format!("{} — {n}", k.title_ru()))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "Вручную (через API этого не сделать): {}; подробно — {}, письма со ссылками — rollout letters",
            parts.join(", "),
            ws.out.join("changes.xlsx").display()
        )
    })
}

fn never_shown(ws: &Workspace) -> Error {
    Error::msg(format!(
        "набор изменений ещё не показан: сначала выполните rollout diff и проверьте его ({})",
        ws.out.join("changes.xlsx").display()
    ))
}

/// The hash to carry out, or why not (exit 2): the recomputed change set was shown — or
/// the last one shown differs from it only by the platform and has every action it has —
/// and is not held unapproved.
fn admissible(ws: &Workspace, store: &Store, d: &DiffOutcome) -> Result<String> {
    let xlsx = ws.out.join("changes.xlsx");
    let not_held = |hash: &str, held: bool| -> Result<()> {
        if held && !store.is_approved(hash)? {
            return Err(Error::msg(format!(
                "набор изменений {hash} задержан и не утверждён — проверьте {} и утвердите: rollout approve {hash}",
                xlsx.display()
            )));
        }
        Ok(())
    };
    let hash = &d.changes.hash;
    if let Some(shown) = store.shown_change_set(hash)? {
        // Held as shown, or as recomputed now (a change set shown before the store kept
        // whether it was held): never applied unapproved.
        not_held(hash, shown.held || d.changes.status == ChangeStatus::Held)?;
        return Ok(hash.clone());
    }
    let Some(last) = store.latest_shown_change_set()? else {
        return Err(never_shown(ws));
    };
    let now: BTreeMap<&str, &str> = d.parts.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let keys: BTreeSet<&str> = now.keys().copied().chain(last.parts.keys().map(String::as_str)).collect();
    let differs = |k: &str| last.parts.get(k).map(String::as_str) != now.get(k).copied();
    let shown_ids: HashSet<String> = last
        .actions
        .as_deref()
        .and_then(|j| serde_json::from_str::<Vec<serde_json::Value>>(j).ok())
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_string))
        .collect();
    let mut new: BTreeMap<StepKind, usize> = BTreeMap::new();
    for x in &d.changes.actions {
        if let Some(k) = StepKind::of(x.kind())
            && !shown_ids.contains(&x.id)
        {
            *new.entry(k).or_default() += 1;
        }
    }
    let mut reasons = Vec::new();
    if last.parts.is_empty() {
        reasons.push("он показан прежней версией rollout".to_string());
    }
    reasons.extend(changed_inputs(ws, &keys, &differs));
    if differs("rollover") {
        reasons.push(
            "переход в новый учебный год: изменилось предложение (rollout rollover) или наступила дата удаления выпускников".to_string(),
        );
    }
    // New actions are named when the platform brought them (or nothing else explains them).
    if !new.is_empty() && (differs("platform") || reasons.is_empty()) {
        let list: Vec<String> = new.iter().map(|(k, n)| k.count_ru(*n)).collect();
        let after = if differs("platform") {
            "после нового снимка платформы "
        } else {
            ""
        };
        reasons.push(format!("{after}в наборе изменений появились новые действия: {}", list.join(", ")));
    }
    if reasons.is_empty() {
        // Only the platform moved (people joined by link, our own earlier calls), and
        // nothing to do that was not shown: the shown change set it is.
        not_held(&last.hash, last.held)?;
        return Ok(last.hash);
    }
    Err(stale(ws, &reasons))
}

fn stale(ws: &Workspace, reasons: &[String]) -> Error {
    Error::msg(format!(
        "набор изменений не тот, что показал rollout diff: {} — выполните rollout diff и проверьте новый набор изменений ({})",
        reasons.join("; "),
        ws.out.join("changes.xlsx").display()
    ))
}

/// What changed among the inputs that need no platform: sources by name, `rollout.toml`,
/// the decisions.
fn changed_inputs(ws: &Workspace, keys: &BTreeSet<&str>, differs: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut reasons = Vec::new();
    let sources: Vec<&str> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("source:").filter(|_| differs(k)))
        .collect();
    if !sources.is_empty() {
        reasons.push(format!("изменились источники: {}", sources.join(", ")));
    }
    if differs("config") {
        let name = ws.cfg.path.file_name().map(|n| n.to_string_lossy().into_owned());
        reasons.push(format!("изменился {}", name.as_deref().unwrap_or("rollout.toml")));
    }
    if differs("decisions") {
        reasons.push("изменились решения (confirm/reject)".to_string());
    }
    reasons
}

/// Before the pull (which for a region takes minutes): when no shown change set had these
/// sources, this `rollout.toml` and these decisions, no pull can make the change set one
/// `diff` showed — refused at once, naming what changed since the last one shown.
fn refuse_early_if_inputs_changed(ws: &Workspace, store: &Store, loaded: &rollout::roster::Loaded) -> Result<()> {
    let now: BTreeMap<String, String> = rollout::changes::compute::offline_parts(&ws.cfg, loaded, store)
        .map_err(Error::Unreadable)?
        .into_iter()
        .collect();
    let all = store.all_shown_parts()?;
    // A change set shown by an older rollout has no parts: nothing to compare, the full check decides.
    if all.iter().any(|p| p.is_empty()) {
        return Ok(());
    }
    let same = |p: &BTreeMap<String, String>| {
        let offline = |k: &String| k.starts_with("source:") || k == "config" || k == "decisions";
        let mine: BTreeMap<&String, &String> = p.iter().filter(|(k, _)| offline(k)).collect();
        let theirs: BTreeMap<&String, &String> = now.iter().collect();
        mine == theirs
    };
    if all.iter().any(same) {
        return Ok(());
    }
    let Some(last) = store.latest_shown_change_set()? else {
        return Ok(());
    };
    let keys: BTreeSet<&str> = now
        .keys()
        .map(String::as_str)
        .chain(last.parts.keys().map(String::as_str))
        .filter(|k| *k != "platform" && *k != "remembered")
        .collect();
    let differs = |k: &str| last.parts.get(k) != now.get(k);
    let reasons = changed_inputs(ws, &keys, &differs);
    if reasons.is_empty() {
        return Ok(());
    }
    Err(stale(ws, &reasons))
}
