use super::*;
use crate::platform::Member;
use crate::platform::max::Stats;
use crate::platform::max::types::{BotInfo, Message};
use std::collections::VecDeque;
use std::future::Future;

/// A platform in memory: members per chat, and scripted answers for the next writes
/// (`Err(Uncertain)` after carrying out or not, a 403 …).
#[derive(Default)]
struct Fake {
    members: Mutex<HashMap<(i64, i64), Member>>,
    /// For each next write: (carry it out?, the answer).
    script: Mutex<VecDeque<(bool, Result<(), ApiError>)>>,
    writes: Mutex<Vec<(i64, i64)>>,
    titles: Mutex<HashMap<i64, String>>,
}

fn member(user: i64, admin: bool) -> Member {
    Member {
        user_id: user,
        first_name: String::new(),
        last_name: None,
        is_admin: admin,
        is_owner: false,
        is_bot: false,
        join_time: None,
        phone: None,
        email: None,
        name: None,
    }
}

fn uncertain() -> ApiError {
    ApiError::Uncertain {
        what: "DELETE".into(),
        cause: "500".into(),
    }
}

impl Fake {
    fn with(members: &[(i64, i64, bool)]) -> Fake {
        let f = Fake::default();
        for &(c, u, a) in members {
            f.members.lock().unwrap().insert((c, u), member(u, a));
        }
        f
    }

    fn write(&self, chat: i64, user: i64, apply: impl FnOnce(&mut HashMap<(i64, i64), Member>)) -> Result<(), ApiError> {
        self.writes.lock().unwrap().push((chat, user));
        let (carry, answer) = self.script.lock().unwrap().pop_front().unwrap_or((true, Ok(())));
        if carry {
            apply(&mut self.members.lock().unwrap());
        }
        answer
    }
}

impl Act for Fake {
    async fn me(&self) -> Result<BotInfo, ApiError> {
        Err(ApiError::Unauthorized)
    }
    fn member(&self, chat_id: i64, user_id: i64) -> impl Future<Output = Result<Option<Member>, ApiError>> + Send {
        let m = self.members.lock().unwrap().get(&(chat_id, user_id)).cloned();
        async move { Ok(m) }
    }
    fn remove_member(&self, chat_id: i64, user_id: i64) -> impl Future<Output = Result<(), ApiError>> + Send {
        let r = self.write(chat_id, user_id, |m| {
            m.remove(&(chat_id, user_id));
        });
        async move { r }
    }
    fn make_admin(&self, chat_id: i64, user_id: i64, _p: &[String], _alias: &str) -> impl Future<Output = Result<(), ApiError>> + Send {
        let r = self.write(chat_id, user_id, |m| {
            if let Some(x) = m.get_mut(&(chat_id, user_id)) {
                x.is_admin = true;
            }
        });
        async move { r }
    }
    async fn send_message(&self, _c: i64, _t: &str) -> Result<Message, ApiError> {
        Err(ApiError::Unauthorized)
    }
    async fn messages(&self, _c: i64, _n: u32) -> Result<Vec<Message>, ApiError> {
        Ok(Vec::new())
    }
    async fn chat_title(&self, chat_id: i64) -> Result<Option<String>, ApiError> {
        Ok(self.titles.lock().unwrap().get(&chat_id).cloned())
    }
    async fn rename_chat(&self, chat_id: i64, title: &str) -> Result<(), ApiError> {
        let title = title.to_string();
        self.write(chat_id, 0, |_| {
            self.titles.lock().unwrap().insert(chat_id, title);
        })
    }
    fn stats(&self) -> Stats {
        Stats::default()
    }
}

fn step(kind: StepKind, chat: i64, user: i64) -> Step {
    Step {
        id: format!("{chat}-{user}"),
        kind,
        chat_id: chat,
        chat_title: None,
        user_id: user,
        new_title: None,
        to_chat_id: None,
        to_chat_title: None,
        branch: None,
        group: None,
        audience: None,
        person_id: Some("p1".into()),
        reason: "departed_student".into(),
        permissions: vec!["write".into()],
        admins: (kind == StepKind::MakeAdmin).then_some(1),
    }
}

/// What a run of the fake gives: the outcomes, every mark written in order, the fake after,
/// and the code of the error that stopped the run.
type Ran = (Vec<Outcome>, Vec<(i64, EntryState)>, Fake, Option<String>);

/// Runs the steps.
fn run(fake: Fake, steps: Vec<(Step, bool)>) -> Ran {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let plain: Vec<Step> = steps.iter().map(|(s, _)| s.clone()).collect();
    let ctx = Arc::new(RunContext::new(&plain, None, tx));
    let fake = Arc::new(fake);
    let numbered = steps.into_iter().enumerate().map(|(i, (s, p))| (i as i64, s, p)).collect();
    // One thread here: marks are acknowledged by a task that drains the channel.
    let outcomes = rt.block_on(async {
        let drain = tokio::task::spawn_blocking(move || {
            let mut marks = Vec::new();
            while let Ok(m) = rx.recv() {
                marks.push((m.seq, m.state));
                if let Some(ack) = m.ack {
                    let _ = ack.send(());
                }
            }
            marks
        });
        let out = carry_out_all(fake.clone(), ctx.clone(), numbered, 2).await;
        let stop = ctx.take_stop_error().map(|e| e.code().to_string());
        ctx.close();
        drop(ctx);
        (out, drain.await.unwrap(), stop)
    });
    let ((out, marks, stop), fake) = (outcomes, Arc::try_unwrap(fake).ok().unwrap());
    (out.into_iter().map(|(_, o)| o).collect(), marks, fake, stop)
}

#[test]
fn a_member_already_gone_is_skipped_and_a_pending_one_found_gone_is_done() {
    let fake = Fake::with(&[(1, 10, false)]);
    let (out, marks, fake, _) = run(
        fake,
        vec![
            (step(StepKind::Remove, 1, 11), false),
            (step(StepKind::Remove, 1, 12), true),
            (step(StepKind::Remove, 1, 10), false),
        ],
    );
    assert_eq!(out, vec![Outcome::Skipped, Outcome::Done, Outcome::Done]);
    assert_eq!(*fake.writes.lock().unwrap(), vec![(1, 10)], "only the member still there");
    assert!(marks.contains(&(2, EntryState::Pending)) && marks.contains(&(2, EntryState::Done)));
    let pending_at = marks.iter().position(|m| *m == (2, EntryState::Pending)).unwrap();
    let done_at = marks.iter().position(|m| *m == (2, EntryState::Done)).unwrap();
    assert!(pending_at < done_at);
}

#[test]
fn an_uncertain_answer_is_settled_by_reading_and_repeated_only_when_not_carried_out() {
    // Carried out, answer lost: done after one call.
    let fake = Fake::with(&[(1, 10, false)]);
    fake.script.lock().unwrap().push_back((true, Err(uncertain())));
    let (out, _, fake, _) = run(fake, vec![(step(StepKind::Remove, 1, 10), false)]);
    assert_eq!((out, fake.writes.lock().unwrap().len()), (vec![Outcome::Done], 1));
    // Not carried out: called again.
    let fake = Fake::with(&[(1, 10, false)]);
    fake.script.lock().unwrap().push_back((false, Err(uncertain())));
    let (out, _, fake, _) = run(fake, vec![(step(StepKind::Remove, 1, 10), false)]);
    assert_eq!((out, fake.writes.lock().unwrap().len()), (vec![Outcome::Done], 2));
    // Never carried out: failed after three calls.
    let fake = Fake::with(&[(1, 10, false)]);
    for _ in 0..3 {
        fake.script.lock().unwrap().push_back((false, Err(uncertain())));
    }
    let (out, _, fake, _) = run(fake, vec![(step(StepKind::Remove, 1, 10), false)]);
    assert_eq!(fake.writes.lock().unwrap().len(), 3);
    assert!(matches!(&out[0], Outcome::Failed { code, .. } if code == "uncertain"), "{out:?}");
}

#[test]
fn a_per_chat_refusal_fails_that_step_and_a_refused_token_stops_the_run() {
    let fake = Fake::with(&[(1, 10, false), (2, 20, false)]);
    fake.script
        .lock()
        .unwrap()
        .push_back((false, Err(ApiError::Forbidden { what: "чат 1".into() })));
    let (out, _, _, stop) = run(
        fake,
        vec![(step(StepKind::Remove, 1, 10), false), (step(StepKind::Remove, 2, 20), false)],
    );
    assert!(matches!(&out[0], Outcome::Failed { code, .. } if code == "403"));
    assert_eq!((out[1].clone(), stop), (Outcome::Done, None));
    let fake = Fake::with(&[(1, 10, false)]);
    fake.script.lock().unwrap().push_back((false, Err(ApiError::Unauthorized)));
    let (out, marks, _, stop) = run(fake, vec![(step(StepKind::Remove, 1, 10), false)]);
    assert_eq!((out, stop.as_deref()), (vec![Outcome::Left], Some("401")));
    assert_eq!(marks, vec![(0, EntryState::Pending)], "left pending: the next run reads it first");
}

#[test]
fn make_admin_only_when_not_admin_and_never_over_the_cap() {
    let fake = Fake::with(&[(1, 10, true), (1, 11, false), (2, 20, false)]);
    let mut capped = step(StepKind::MakeAdmin, 2, 20);
    capped.admins = Some(MAX_ADMINS);
    let (out, _, fake, _) = run(
        fake,
        vec![
            (step(StepKind::MakeAdmin, 1, 10), false),
            (step(StepKind::MakeAdmin, 1, 11), false),
            (capped, false),
            (step(StepKind::MakeAdmin, 1, 12), false),
        ],
    );
    assert_eq!(out[0], Outcome::Skipped);
    assert_eq!(out[1], Outcome::Done);
    assert!(
        matches!(&out[2], Outcome::Failed { code, .. } if code == "too_many_admins"),
        "{out:?}"
    );
    assert!(matches!(&out[3], Outcome::Failed { code, .. } if code == "not_member"), "{out:?}");
    assert_eq!(*fake.writes.lock().unwrap(), vec![(1, 11)]);
}

#[test]
fn a_move_leaves_the_old_chat_only_once_seen_in_the_new_one() {
    let fake = Fake::with(&[(1, 10, false), (1, 11, false), (2, 11, false)]);
    let mut waits = step(StepKind::Move, 1, 10);
    waits.to_chat_id = Some(2);
    let mut goes = step(StepKind::Move, 1, 11);
    goes.to_chat_id = Some(2);
    let no_chat = step(StepKind::Move, 1, 10);
    let (out, _, fake, _) = run(fake, vec![(waits, false), (goes, false), (no_chat, false)]);
    assert_eq!(out[0], Outcome::Waiting("ждёт, пока человек вступит в свой чат".into()));
    assert_eq!(out[1], Outcome::Done);
    assert!(matches!(&out[2], Outcome::Waiting(_)));
    assert_eq!(*fake.writes.lock().unwrap(), vec![(1, 11)]);
}

#[test]
fn the_crash_hook_is_read_from_its_value() {
    assert_eq!(
        CrashHook::parse("after-answer:2"),
        Some(CrashHook {
            point: CrashPoint::AfterAnswer,
            call: 2
        })
    );
    assert_eq!(CrashHook::parse("before-call:1").map(|h| h.point), Some(CrashPoint::BeforeCall));
    assert_eq!(CrashHook::parse("later:1"), None);
    assert_eq!(CrashHook::parse("after-answer:x"), None);
}

fn rename_step(chat: i64, title: &str) -> Step {
    Step {
        id: format!("rename-{chat}"),
        new_title: Some(title.into()),
        person_id: None,
        reason: "chat_title_differs".into(),
        ..step(StepKind::RenameChat, chat, 0)
    }
}

#[test]
fn a_rename_is_skipped_when_the_title_is_there_and_an_uncertain_one_is_settled_by_reading() {
    let fake = Fake::default();
    fake.titles.lock().unwrap().insert(1, "ИС-1 Родители".into());
    fake.titles.lock().unwrap().insert(2, "Родители ИС-2".into());
    fake.titles.lock().unwrap().insert(3, "Родители ИС-3".into());
    // Chat 2: lost after carrying it out → read, done, not repeated. Chat 3: lost before →
    // read, called again.
    fake.script
        .lock()
        .unwrap()
        .extend([(true, Err(uncertain())), (false, Err(uncertain())), (true, Ok(()))]);
    let (out, _, fake, _) = run(
        fake,
        vec![(rename_step(1, "ИС-1 Родители"), false), (rename_step(2, "ИС-2 Родители"), false)],
    );
    assert_eq!(out, vec![Outcome::Skipped, Outcome::Done]);
    let (out, _, fake, _) = run(fake, vec![(rename_step(3, "ИС-3 Родители"), false)]);
    assert_eq!(out, vec![Outcome::Done]);
    assert_eq!(*fake.writes.lock().unwrap(), vec![(2, 0), (3, 0), (3, 0)]);
    assert_eq!(fake.titles.lock().unwrap()[&3], "ИС-3 Родители");
    let s = rename_step(3, "ИС-3 Родители");
    assert_eq!(s.entry().user_id, None, "a rename acts on no member");
}
