//! `rollout apply`: carries out what the MAX Bot API allows of a change set `diff` showed —
//! removals, curators made admins, the removal half of a move, chats renamed (`rename_chat`:
//! `PATCH /chats/{chatId}` with `{"title", "notify": false}`, read first with
//! `GET /chats/{chatId}`; a chat that already has the title is skipped) — journaled in the state
//! store before each call and after its answer, so a re-run after a crash finishes what is
//! left and repeats nothing.
//!
//! Each action is a [`Step`] (the journal entry's detail). [`carry_out`] does one: it reads
//! the member first (an action no longer true is skipped; a `pending` one found as intended
//! was ours, and is done), marks the entry `pending` — committed before the call — and
//! calls. An answer that does not say whether the call was carried out
//! ([`ApiError::Uncertain`]) is settled by reading again, and the call repeated only when
//! the read shows it was not. The journal is written by one thread (the command's); the
//! steps run concurrently and send their marks to it ([`Mark`]).

use crate::changes::{Action, ActionKind, Change};
use crate::platform::act::Act;
use crate::platform::max::ApiError;
use crate::platform::max::types::MAX_ADMINS;
use crate::state::journal::{Entry, EntryState, NewEntry};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The journal's command name for `apply`.
pub const COMMAND: &str = "apply";

/// How often a call whose outcome stayed unknown is made at most (each after a read showed
/// it was not carried out).
pub const MAX_ATTEMPTS: usize = 3;

/// The admin alias a curator gets.
pub const CURATOR_ALIAS: &str = "Куратор";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Remove,
    MakeAdmin,
    Move,
    RenameChat,
}

impl StepKind {
    pub const ALL: [StepKind; 4] = [StepKind::Remove, StepKind::MakeAdmin, StepKind::Move, StepKind::RenameChat];

    pub fn code(self) -> &'static str {
        self.action().code()
    }

    pub fn title_ru(self) -> &'static str {
        self.action().title_ru()
    }

    fn action(self) -> ActionKind {
        match self {
            StepKind::Remove => ActionKind::Remove,
            StepKind::MakeAdmin => ActionKind::MakeAdmin,
            StepKind::Move => ActionKind::Move,
            StepKind::RenameChat => ActionKind::RenameChat,
        }
    }

    /// «3 удаления», for a count of new actions.
    pub fn count_ru(self, n: usize) -> String {
        let forms = match self {
            StepKind::Remove => ["удаление", "удаления", "удалений"],
            StepKind::MakeAdmin => [
                "назначение администратором",
                "назначения администратором",
                "назначений администратором",
            ],
            StepKind::Move => ["перевод", "перевода", "переводов"],
            StepKind::RenameChat => ["переименование чата", "переименования чатов", "переименований чатов"],
        };
        crate::human::ru_count(n, forms)
    }

    pub fn of(kind: ActionKind) -> Option<StepKind> {
        match kind {
            ActionKind::Remove => Some(StepKind::Remove),
            ActionKind::MakeAdmin => Some(StepKind::MakeAdmin),
            ActionKind::Move => Some(StepKind::Move),
            ActionKind::RenameChat => Some(StepKind::RenameChat),
            _ => None,
        }
    }
}

/// One call `apply` makes, as the journal keeps it (the entry's detail JSON): what the call
/// needs and what the summary says of it. Person ids and chat titles, never names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The action's id in the change set (the entry's key).
    pub id: String,
    pub kind: StepKind,
    /// The chat the call acts on (a move: the chat it leaves).
    pub chat_id: i64,
    #[serde(default)]
    pub chat_title: Option<String>,
    /// The member acted on; 0 for a rename (no member).
    pub user_id: i64,
    /// rename_chat: the title to give.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_title: Option<String>,
    /// A move: the chat the person must be seen in first (None: it is not created yet).
    #[serde(default)]
    pub to_chat_id: Option<i64>,
    #[serde(default)]
    pub to_chat_title: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub person_id: Option<String>,
    /// The action's reason code.
    pub reason: String,
    /// make_admin: the permissions given.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// make_admin: the chat's admins when the change set was computed.
    #[serde(default)]
    pub admins: Option<usize>,
}

/// What the command knows of a chat from the pull: its title and how many admins it has.
#[derive(Debug, Clone, Default)]
pub struct ChatFacts {
    pub title: Option<String>,
    pub admins: usize,
}

impl Step {
    /// The step of an action `apply` can carry out; None for the others.
    pub fn of(a: &Action, chats: &HashMap<i64, ChatFacts>, permissions: &[String]) -> Option<Step> {
        let kind = StepKind::of(a.kind())?;
        let title = |id: i64| chats.get(&id).and_then(|c| c.title.clone());
        let (chat_id, user_id, to_chat_id) = match &a.change {
            Change::Remove { chat_id, user_id, .. } | Change::MakeAdmin { chat_id, user_id, .. } => (*chat_id, *user_id, None),
            Change::Move {
                chat_id,
                user_id,
                from_chat_id,
                ..
            } => (*from_chat_id, *user_id, *chat_id),
            Change::RenameChat { chat_id, .. } => (*chat_id, 0, None),
            _ => return None,
        };
        Some(Step {
            id: a.id.clone(),
            kind,
            chat_id,
            chat_title: match &a.change {
                Change::RenameChat { from, .. } => Some(from.clone()),
                _ => title(chat_id),
            },
            user_id,
            new_title: a.to_title().map(str::to_string),
            to_chat_id,
            to_chat_title: to_chat_id.and_then(title),
            branch: a.branch().map(str::to_string),
            group: a.group().map(str::to_string),
            audience: a.audience().map(|x| x.code().to_string()),
            person_id: a.person_id().map(str::to_string),
            reason: a.reason.code.code().to_string(),
            permissions: if kind == StepKind::MakeAdmin {
                permissions.to_vec()
            } else {
                Vec::new()
            },
            admins: (kind == StepKind::MakeAdmin).then(|| chats.get(&chat_id).map_or(0, |c| c.admins)),
        })
    }

    pub fn entry(&self) -> NewEntry {
        NewEntry {
            key: self.id.clone(),
            kind: self.kind.code().to_string(),
            chat_id: self.chat_id,
            user_id: (self.kind != StepKind::RenameChat).then_some(self.user_id),
            detail: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    /// The step a journal entry carries; None for an entry this code cannot read.
    pub fn from_entry(e: &Entry) -> Option<Step> {
        serde_json::from_str(&e.detail).ok()
    }

    /// The reason, for people (no names).
    pub fn reason_ru(&self) -> &str {
        match self.reason.as_str() {
            "departed_student" => "выбыл обучающийся",
            "departed_parent" => "родитель выбывшего обучающегося",
            "staff_left" => "сотрудник ушёл",
            "teacher_left_load" => "учитель больше не ведёт предмет в группе",
            "curator_not_admin" => "куратор группы",
            "wrong_group_chat" => "в чате чужой группы",
            "chat_title_differs" => "название не то, что в rollout.toml",
            other => other,
        }
    }

    /// One line for people: what the call does, where, to whom (ids only).
    pub fn describe(&self) -> String {
        let chat = chat_label(self.chat_id, self.chat_title.as_deref());
        let who = match &self.person_id {
            Some(p) => format!("user_id {}, человек {p}", self.user_id),
            None => format!("user_id {}", self.user_id),
        };
        match self.kind {
            StepKind::Remove => format!("{}: {chat}, {who} ({})", self.kind.title_ru(), self.reason_ru()),
            StepKind::RenameChat => format!(
                "{}: {chat} → «{}» (без уведомления участников)",
                self.kind.title_ru(),
                self.new_title.as_deref().unwrap_or("")
            ),
            StepKind::MakeAdmin => format!(
                "{}: {chat}, {who} ({}; права: {})",
                self.kind.title_ru(),
                self.reason_ru(),
                self.permissions.join(", ")
            ),
            StepKind::Move => {
                let to = match self.to_chat_id {
                    Some(id) => chat_label(id, self.to_chat_title.as_deref()),
                    None => "чат своей группы (его ещё нет)".to_string(),
                };
                format!(
                    "{}: удалить из {chat}, когда вступит в {to}: {who} ({})",
                    self.kind.title_ru(),
                    self.reason_ru()
                )
            }
        }
    }
}

/// A chat for people: its id and, when known, its title.
pub fn chat_label(chat_id: i64, title: Option<&str>) -> String {
    match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{chat_id} «{t}»"),
        None => chat_id.to_string(),
    }
}

/// How one step ended in this run.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done,
    /// «уже не требуется»: the platform already is as intended.
    Skipped,
    Failed {
        code: String,
        message: String,
    },
    /// Cannot be done yet; why.
    Waiting(String),
    /// Not started (or started and left `pending`): the run stopped before or during it.
    Left,
}

/// Why a run stopped: the API refused the token or could not be reached.
#[derive(Debug)]
pub struct Stopped(pub ApiError);

/// What the journal's one writer is asked to write. With `ack`, the step waits for the mark
/// to be committed before it goes on (the `pending` mark before a call).
#[derive(Debug)]
pub struct Mark {
    pub seq: i64,
    pub state: EntryState,
    pub code: Option<String>,
    pub message: Option<String>,
    pub ack: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Mark {
    fn of(seq: i64, outcome: &Outcome) -> Option<Mark> {
        let (state, code, message) = match outcome {
            Outcome::Done => (EntryState::Done, None, None),
            Outcome::Skipped => (EntryState::Skipped, None, Some("уже не требуется".to_string())),
            Outcome::Failed { code, message } => (EntryState::Failed, Some(code.clone()), Some(message.clone())),
            Outcome::Waiting(why) => (EntryState::Waiting, Some("waiting".to_string()), Some(why.clone())),
            Outcome::Left => return None,
        };
        Some(Mark {
            seq,
            state,
            code,
            message,
            ack: None,
        })
    }
}

/// Where the test hook kills the process (`ROLLOUT_TEST_CRASH_AT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// After the `pending` mark, before the call is sent.
    BeforeCall,
    /// After the API answered, before the answer is journaled.
    AfterAnswer,
}

/// TEST HOOK, for the crash tests only: `ROLLOUT_TEST_CRASH_AT=before-call:K` or
/// `after-answer:K` makes the process kill itself with SIGKILL at that point of the K-th
/// call it makes (counting from 1, in the order the calls are made). Nothing else reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashHook {
    pub point: CrashPoint,
    pub call: usize,
}

impl CrashHook {
    pub const ENV: &'static str = "ROLLOUT_TEST_CRASH_AT";

    pub fn from_env() -> Option<CrashHook> {
        CrashHook::parse(&std::env::var(CrashHook::ENV).ok()?)
    }

    pub fn parse(s: &str) -> Option<CrashHook> {
        let (point, k) = s.trim().split_once(':')?;
        let point = match point {
            "before-call" => CrashPoint::BeforeCall,
            "after-answer" => CrashPoint::AfterAnswer,
            _ => return None,
        };
        Some(CrashHook {
            point,
            call: k.parse().ok()?,
        })
    }

    fn fire(hook: Option<CrashHook>, point: CrashPoint, call: usize) {
        if hook.is_some_and(|h| h.point == point && h.call == call) {
            #[cfg(unix)]
            // SAFETY: kill(2) on our own pid; SIGKILL cannot be caught, the process ends here.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
            std::process::abort();
        }
    }
}

/// What the steps of one run share.
pub struct RunContext {
    /// Set on a fatal error: steps not begun stay as they are.
    pub stopped: AtomicBool,
    pub stop_error: Mutex<Option<ApiError>>,
    /// Calls made so far (the crash hook counts them).
    calls: AtomicUsize,
    hook: Option<CrashHook>,
    /// Admins per chat: as pulled, plus those this run made.
    admins: Mutex<HashMap<i64, usize>>,
    /// To the journal's writer; taken away by [`RunContext::close`] so its loop ends.
    marks: Mutex<Option<std::sync::mpsc::Sender<Mark>>>,
}

impl RunContext {
    pub fn new(steps: &[Step], hook: Option<CrashHook>, marks: std::sync::mpsc::Sender<Mark>) -> RunContext {
        let mut admins = HashMap::new();
        for s in steps {
            if let Some(n) = s.admins {
                admins.entry(s.chat_id).or_insert(n);
            }
        }
        RunContext {
            stopped: AtomicBool::new(false),
            stop_error: Mutex::new(None),
            calls: AtomicUsize::new(0),
            hook,
            admins: Mutex::new(admins),
            marks: Mutex::new(Some(marks)),
        }
    }

    /// No more marks: the journal's writer stops waiting for them.
    pub fn close(&self) {
        self.marks.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// A guard that closes the marks when dropped — also when the run's task ends by a panic,
    /// so the journal's writer never waits forever.
    pub fn closing(self: &Arc<Self>) -> CloseOnDrop {
        CloseOnDrop(self.clone())
    }

    /// Stop starting steps (the journal cannot be written).
    pub fn halt(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    /// The fatal API error that stopped the run, if one did.
    pub fn take_stop_error(&self) -> Option<ApiError> {
        self.stop_error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn send(&self, m: Mark) -> bool {
        match self.marks.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(tx) => tx.send(m).is_ok(),
            None => false,
        }
    }

    fn stop(&self, e: ApiError) -> Outcome {
        self.stopped.store(true, Ordering::SeqCst);
        let mut slot = self.stop_error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e);
        }
        Outcome::Left
    }

    /// Marks the entry `pending` and waits until that is committed; false when the journal
    /// could not take it (then the call is not made).
    async fn pending(&self, seq: i64) -> bool {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mark = Mark {
            seq,
            state: EntryState::Pending,
            code: None,
            message: None,
            ack: Some(tx),
        };
        self.send(mark) && rx.await.is_ok()
    }

    /// Sends a step's final mark (not waited for: a crash before it is written leaves the
    /// entry `pending`, which the next run settles by reading).
    pub fn finish(&self, seq: i64, outcome: &Outcome) {
        if let Some(m) = Mark::of(seq, outcome) {
            let _ = self.send(m);
        }
    }
}

pub struct CloseOnDrop(Arc<RunContext>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

fn is_fatal(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Unauthorized | ApiError::Unreachable { .. } | ApiError::BadBaseUrl { .. }
    )
}

fn failed(e: &ApiError) -> Outcome {
    Outcome::Failed {
        code: e.code().to_string(),
        message: e.to_string(),
    }
}

/// Whether the platform already is as the step intends, from a read of the member in the
/// step's chat.
fn as_intended(step: &Step, member: Option<&crate::platform::Member>) -> bool {
    match step.kind {
        StepKind::Remove | StepKind::Move => member.is_none(),
        StepKind::MakeAdmin => member.is_some_and(|m| m.is_admin),
        StepKind::RenameChat => false,
    }
}

/// Whether the chat already has the title a rename gives.
fn titled(step: &Step, title: Option<&str>) -> bool {
    title.map(str::trim) == step.new_title.as_deref().map(str::trim)
}

/// A rename: read the title (already so → done or skipped), mark, call with bounded
/// attempts, an uncertain answer settled by reading the title again.
async fn rename<A: Act>(act: &A, ctx: &RunContext, seq: i64, step: &Step, pending: bool) -> Outcome {
    let Some(title) = step.new_title.as_deref() else {
        return Outcome::Failed {
            code: "no_title".into(),
            message: format!("чат {}: не указано новое название", step.chat_id),
        };
    };
    match act.chat_title(step.chat_id).await {
        Ok(t) if titled(step, t.as_deref()) => return if pending { Outcome::Done } else { Outcome::Skipped },
        Ok(_) => {}
        Err(e) if is_fatal(&e) => return ctx.stop(e),
        Err(e) => return failed(&e),
    }
    if ctx.stopped.load(Ordering::SeqCst) {
        return Outcome::Left;
    }
    if !pending && !ctx.pending(seq).await {
        return Outcome::Left;
    }
    attempts(
        ctx,
        || act.rename_chat(step.chat_id, title),
        || async { act.chat_title(step.chat_id).await.map(|t| titled(step, t.as_deref())) },
    )
    .await
}

/// The one call of a step.
async fn call<A: Act>(act: &A, step: &Step) -> Result<(), ApiError> {
    match step.kind {
        StepKind::Remove | StepKind::Move => act.remove_member(step.chat_id, step.user_id).await,
        StepKind::MakeAdmin => act.make_admin(step.chat_id, step.user_id, &step.permissions, CURATOR_ALIAS).await,
        StepKind::RenameChat => act.rename_chat(step.chat_id, step.new_title.as_deref().unwrap_or("")).await,
    }
}

/// Carries out one step (entry `seq`, `pending` when a run before this one may have sent
/// its call): read, mark, call, settle. The final mark is the caller's ([`RunContext::finish`]).
pub async fn carry_out<A: Act>(act: &A, ctx: &RunContext, seq: i64, step: &Step, pending: bool) -> Outcome {
    if ctx.stopped.load(Ordering::SeqCst) {
        return Outcome::Left;
    }
    if step.kind == StepKind::RenameChat {
        return rename(act, ctx, seq, step, pending).await;
    }
    let read = |chat: i64| act.member(chat, step.user_id);
    // A move leaves its old chat only once the account is seen in the right one.
    if step.kind == StepKind::Move {
        let Some(to) = step.to_chat_id else {
            return Outcome::Waiting("ждёт, пока создадут чат группы и человек вступит в него".into());
        };
        match read(step.chat_id).await {
            Ok(None) => return if pending { Outcome::Done } else { Outcome::Skipped },
            Ok(Some(_)) => {}
            Err(e) if is_fatal(&e) => return ctx.stop(e),
            Err(e) => return failed(&e),
        }
        match read(to).await {
            Ok(Some(_)) => {}
            Ok(None) => return Outcome::Waiting("ждёт, пока человек вступит в свой чат".into()),
            Err(e) if is_fatal(&e) => return ctx.stop(e),
            Err(e) => return failed(&e),
        }
    } else {
        match read(step.chat_id).await {
            Ok(m) if as_intended(step, m.as_ref()) => return if pending { Outcome::Done } else { Outcome::Skipped },
            Ok(None) => {
                // make_admin of someone not in the chat: nobody to make admin.
                return Outcome::Failed {
                    code: "not_member".into(),
                    message: format!(
                        "чат {}, участник {}: его нет в чате — назначить администратором некого",
                        step.chat_id, step.user_id
                    ),
                };
            }
            Ok(Some(_)) => {}
            Err(e) if is_fatal(&e) => return ctx.stop(e),
            Err(e) => return failed(&e),
        }
    }
    if step.kind == StepKind::MakeAdmin {
        let mut admins = ctx.admins.lock().unwrap_or_else(|p| p.into_inner());
        let n = admins.entry(step.chat_id).or_insert(0);
        if *n >= MAX_ADMINS {
            return Outcome::Failed {
                code: "too_many_admins".into(),
                message: format!(
                    "чат {}: в нём уже {} администраторов — больше {MAX_ADMINS} MAX не позволяет",
                    step.chat_id, *n
                ),
            };
        }
        *n += 1;
    }
    if ctx.stopped.load(Ordering::SeqCst) {
        return Outcome::Left;
    }
    if !pending && !ctx.pending(seq).await {
        return Outcome::Left;
    }
    attempts(
        ctx,
        || call(act, step),
        || async { read(step.chat_id).await.map(|m| as_intended(step, m.as_ref())) },
    )
    .await
}

/// The call with bounded attempts: an uncertain answer is settled by `settled` (the state
/// read back: carried out → done; not → the call again).
async fn attempts<C, CF, S, SF>(ctx: &RunContext, call: C, settled: S) -> Outcome
where
    C: Fn() -> CF,
    CF: std::future::Future<Output = Result<(), ApiError>>,
    S: Fn() -> SF,
    SF: std::future::Future<Output = Result<bool, ApiError>>,
{
    let mut last = None;
    for _ in 0..MAX_ATTEMPTS {
        let n = ctx.calls.fetch_add(1, Ordering::SeqCst) + 1;
        CrashHook::fire(ctx.hook, CrashPoint::BeforeCall, n);
        let answer = call().await;
        CrashHook::fire(ctx.hook, CrashPoint::AfterAnswer, n);
        match answer {
            Ok(()) => return Outcome::Done,
            Err(e @ ApiError::Uncertain { .. }) => match settled().await {
                Ok(true) => return Outcome::Done,
                Ok(false) => last = Some(e),
                Err(r) if is_fatal(&r) => return ctx.stop(r),
                Err(r) => return failed(&r),
            },
            Err(e) if is_fatal(&e) => return ctx.stop(e),
            Err(e) => return failed(&e),
        }
    }
    Outcome::Failed {
        code: "uncertain".into(),
        message: match last {
            Some(e) => format!("неизвестно, выполнено ли ({MAX_ATTEMPTS} попытки): {e}"),
            None => "неизвестно, выполнено ли".into(),
        },
    }
}

/// Runs `steps` (entry seq, step, pending) with at most `concurrency` at once; each sends
/// its marks through `ctx`. The outcomes in the order of `steps`.
pub async fn carry_out_all<A: Act>(
    act: Arc<A>,
    ctx: Arc<RunContext>,
    steps: Vec<(i64, Step, bool)>,
    concurrency: usize,
) -> Vec<(i64, Outcome)> {
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut out = Vec::new();
    // Started in their order (a slot first), so a run with one slot goes entry by entry.
    for (i, (seq, step, pending)) in steps.into_iter().enumerate() {
        let slot = match slots.clone().acquire_owned().await {
            Ok(slot) if !ctx.stopped.load(Ordering::SeqCst) => slot,
            _ => {
                out.push((i, seq, Outcome::Left));
                continue;
            }
        };
        let (act, ctx) = (act.clone(), ctx.clone());
        tasks.spawn(async move {
            let _slot = slot;
            let outcome = carry_out(act.as_ref(), &ctx, seq, &step, pending).await;
            ctx.finish(seq, &outcome);
            (i, seq, outcome)
        });
    }
    while let Some(r) = tasks.join_next().await {
        if let Ok(r) = r {
            out.push(r);
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, seq, o)| (seq, o)).collect()
}

#[cfg(test)]
mod tests;
