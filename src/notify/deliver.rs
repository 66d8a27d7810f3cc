//! Posting journaled: each part of each message is an entry of one run, marked `pending`
//! before the call and `done` or `failed` after. An answer that never came
//! ([`ApiError::Uncertain`]) is settled by reading the chat's latest messages: the bot's
//! message with exactly this text means it was posted; otherwise it is sent again, at most
//! [`ATTEMPTS`] times in all. A run a crash left behind is resumed the same way: a
//! `pending` entry is read back before anything is sent. The journal keeps each part's
//! SHA-256, not its text (a plan summary names its owners): a resumed run posts the text
//! the command makes now when its hash is the same, and skips the part when it changed.

use crate::platform::act::Act;
use crate::platform::max::ApiError;
use crate::state::journal::{EntryState, NewEntry};
use crate::state::{StateError, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// How many times one part is sent at most when its answers never come.
pub const ATTEMPTS: u32 = 3;

/// How many of a chat's latest messages are read to settle a post.
const READ_BACK: u32 = 100;

/// The SHA-256 of a text, hex.
pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// One part of one message for one chat, before it is journaled.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    /// What makes it the same post (`rules|CHAT|SHA256|PART`, `plan|CHAT|DAY|PART`).
    pub key: String,
    pub chat_id: i64,
    /// 1-based, of `parts`.
    pub part: usize,
    pub parts: usize,
    pub text: String,
}

/// What an entry keeps of its post (`detail`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Detail {
    /// [`text_hash`] of the part.
    sha: String,
    part: usize,
    parts: usize,
}

/// The posts as journal entries, in their order.
pub fn entries(posts: &[Post]) -> Vec<NewEntry> {
    posts
        .iter()
        .map(|p| NewEntry {
            key: p.key.clone(),
            kind: "post".into(),
            chat_id: p.chat_id,
            user_id: None,
            detail: serde_json::to_string(&Detail {
                sha: text_hash(&p.text),
                part: p.part,
                parts: p.parts,
            })
            .unwrap_or_default(),
        })
        .collect()
}

/// The key without its last field (the part): one message of one chat.
fn message_key(key: &str) -> &str {
    key.rsplit_once('|').map_or(key, |(m, _)| m)
}

/// What happened to one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub chat_id: i64,
    pub part: usize,
    pub parts: usize,
    pub state: EntryState,
    /// For a failure: the API's code (`403`, `refused`, `uncertain`, …) and why.
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Default)]
pub struct Delivery {
    pub outcomes: Vec<Outcome>,
    /// The API could not be reached or refused the token: what was left stays in the
    /// journal for the next run.
    pub stopped: Option<ApiError>,
    /// Nothing of the run is open any more.
    pub finished: bool,
}

impl Delivery {
    pub fn count(&self, state: EntryState) -> usize {
        self.outcomes.iter().filter(|o| o.state == state).count()
    }
}

/// Errors after which nothing else can work either.
fn fatal(e: &ApiError) -> bool {
    matches!(
        e,
        ApiError::Unauthorized | ApiError::Unreachable { .. } | ApiError::BadBaseUrl { .. }
    )
}

/// The bot's message in the chat with exactly the text of this hash, not one of `older`:
/// its id.
async fn settle<A: Act>(act: &A, chat_id: i64, bot_id: i64, sha: &str, older: &HashSet<String>) -> Result<Option<String>, ApiError> {
    let list = act.messages(chat_id, READ_BACK).await?;
    Ok(list
        .iter()
        .filter(|m| m.sender_id() == Some(bot_id) && m.text().is_some_and(|t| text_hash(t) == sha))
        .filter_map(|m| m.mid())
        .find(|mid| !older.contains(*mid))
        .map(str::to_string))
}

/// Carries out every open entry of `run_id` in order. `posted_before`: chats where the bot
/// already posted for this command; in them a read-back must not take an earlier post of
/// the same text for this one, so their messages are read once before the first send.
/// `texts`: key → the text the command makes now for that post.
pub async fn deliver<A: Act>(
    act: &A,
    store: &mut Store,
    run_id: i64,
    bot_id: i64,
    posted_before: &HashSet<i64>,
    texts: &HashMap<String, String>,
) -> Result<Delivery, StateError> {
    let mut out = Delivery::default();
    let mut older: HashMap<i64, HashSet<String>> = HashMap::new();
    let mut broken: HashSet<String> = HashSet::new();
    for e in store.journal_entries(run_id)? {
        let detail: Option<Detail> = serde_json::from_str(&e.detail).ok();
        let (part, parts) = detail.as_ref().map_or((1, 1), |d| (d.part, d.parts));
        let mut outcome = Outcome {
            chat_id: e.chat_id,
            part,
            parts,
            state: e.state,
            code: e.code.clone(),
            message: e.message.clone(),
        };
        let mark = |store: &mut Store, o: &mut Outcome, state, code: Option<&str>, message: Option<&str>| {
            o.state = state;
            o.code = code.map(str::to_string);
            o.message = message.map(str::to_string);
            store.journal_mark(run_id, e.seq, state, code, message)
        };
        let whole = message_key(&e.key).to_string();
        if !e.state.is_open() {
            if e.state != EntryState::Done {
                broken.insert(whole);
            }
            out.outcomes.push(outcome);
            continue;
        }
        if out.stopped.is_some() {
            out.outcomes.push(outcome);
            continue;
        }
        let Some(d) = detail else {
            mark(
                store,
                &mut outcome,
                EntryState::Failed,
                Some("bad_detail"),
                Some("запись журнала повреждена"),
            )?;
            broken.insert(whole);
            out.outcomes.push(outcome);
            continue;
        };
        let text = texts.get(&e.key).filter(|t| text_hash(t) == d.sha);
        let Some(text) = text else {
            // The text is not what it was when the run began: a post sent before the crash
            // is found by its hash; one never sent is left to the run that posts the new text.
            let sent = if e.state == EntryState::Pending {
                match settle(act, e.chat_id, bot_id, &d.sha, &HashSet::new()).await {
                    Ok(found) => found,
                    Err(err) => {
                        outcome.code = Some(err.code().into());
                        outcome.message = Some(err.to_string());
                        if fatal(&err) {
                            out.stopped = Some(err);
                        }
                        broken.insert(whole);
                        out.outcomes.push(outcome);
                        continue;
                    }
                }
            } else {
                None
            };
            match sent {
                Some(mid) => mark(store, &mut outcome, EntryState::Done, None, Some(&mid))?,
                None => {
                    mark(
                        store,
                        &mut outcome,
                        EntryState::Skipped,
                        Some("text_changed"),
                        Some("текст изменился после прерванного запуска — отправляется новый"),
                    )?;
                    broken.insert(whole);
                }
            }
            out.outcomes.push(outcome);
            continue;
        };
        if broken.contains(&whole) {
            mark(
                store,
                &mut outcome,
                EntryState::Failed,
                Some("previous_part"),
                Some("не отправлена предыдущая часть этого сообщения"),
            )?;
            out.outcomes.push(outcome);
            continue;
        }
        // A post this run may have sent before it died: read back first.
        let mut resumed = e.state == EntryState::Pending;
        if !resumed && posted_before.contains(&e.chat_id) && !older.contains_key(&e.chat_id) {
            // Unread, the read-back below may take an earlier post for this one: a rare
            // post missing, never one posted twice.
            let seen = match act.messages(e.chat_id, READ_BACK).await {
                Ok(list) => list
                    .iter()
                    .filter(|m| m.sender_id() == Some(bot_id))
                    .filter_map(|m| m.mid())
                    .map(str::to_string)
                    .collect(),
                Err(_) => HashSet::new(),
            };
            older.insert(e.chat_id, seen);
        }
        let none = HashSet::new();
        let mut attempt = 0;
        loop {
            if resumed {
                // Whatever the bot posted with this text may be this entry's own post.
                match settle(act, e.chat_id, bot_id, &d.sha, &none).await {
                    Ok(Some(mid)) => {
                        mark(store, &mut outcome, EntryState::Done, None, Some(&mid))?;
                        break;
                    }
                    Ok(None) => {}
                    Err(err) => {
                        outcome.code = Some(err.code().into());
                        outcome.message = Some(err.to_string());
                        if fatal(&err) {
                            out.stopped = Some(err);
                        }
                        break;
                    }
                }
                resumed = false;
            }
            if attempt == ATTEMPTS {
                let why = format!("после {ATTEMPTS} попыток ответа нет, и сообщения в чате не видно");
                mark(store, &mut outcome, EntryState::Failed, Some("uncertain"), Some(&why))?;
                break;
            }
            attempt += 1;
            mark(store, &mut outcome, EntryState::Pending, None, None)?;
            match act.send_message(e.chat_id, text).await {
                Ok(m) => {
                    mark(store, &mut outcome, EntryState::Done, None, m.mid())?;
                    break;
                }
                Err(ApiError::Uncertain { .. }) => {
                    let older = older.get(&e.chat_id).unwrap_or(&none);
                    match settle(act, e.chat_id, bot_id, &d.sha, older).await {
                        Ok(Some(mid)) => {
                            mark(store, &mut outcome, EntryState::Done, None, Some(&mid))?;
                            break;
                        }
                        Ok(None) => {}
                        Err(err) => {
                            // Left pending: the next run reads it back before sending.
                            outcome.code = Some(err.code().into());
                            outcome.message = Some(err.to_string());
                            if fatal(&err) {
                                out.stopped = Some(err);
                            }
                            break;
                        }
                    }
                }
                Err(err) => {
                    mark(store, &mut outcome, EntryState::Failed, Some(err.code()), Some(&err.to_string()))?;
                    if fatal(&err) {
                        out.stopped = Some(err);
                    }
                    break;
                }
            }
        }
        if outcome.state != EntryState::Done {
            broken.insert(whole);
        }
        out.outcomes.push(outcome);
    }
    out.finished = out.outcomes.iter().all(|o| !o.state.is_open());
    if out.finished {
        store.journal_finish(run_id)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::Member;
    use crate::platform::max::Stats;
    use crate::platform::max::types::{BotInfo, Message, MessageBody, Sender};
    use std::sync::Mutex;

    /// How the fake answers a send: as asked, or unanswered before or after posting.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Send {
        Ok,
        LostBefore,
        LostAfter,
        Refuse,
    }

    #[derive(Default)]
    struct Fake {
        posted: Mutex<Vec<(i64, Message)>>,
        script: Mutex<Vec<Send>>,
        sends: Mutex<u32>,
        reads: Mutex<u32>,
    }

    const BOT: i64 = 7;

    impl Fake {
        fn with(script: &[Send]) -> Fake {
            let f = Fake::default();
            *f.script.lock().unwrap() = script.iter().rev().copied().collect();
            f
        }
        fn post(&self, chat: i64, text: &str) -> Message {
            let mut p = self.posted.lock().unwrap();
            let m = Message {
                sender: Some(Sender { user_id: BOT }),
                timestamp: 0,
                body: Some(MessageBody {
                    mid: format!("mid.{}", p.len() + 1),
                    text: Some(text.into()),
                }),
            };
            p.push((chat, m.clone()));
            m
        }
        fn texts(&self, chat: i64) -> Vec<String> {
            let p = self.posted.lock().unwrap();
            p.iter()
                .filter(|(c, _)| *c == chat)
                .filter_map(|(_, m)| m.text().map(str::to_string))
                .collect()
        }
    }

    fn lost() -> ApiError {
        ApiError::Uncertain {
            what: "чат, сообщение".into(),
            cause: "500".into(),
        }
    }

    impl Act for Fake {
        async fn me(&self) -> Result<BotInfo, ApiError> {
            Ok(BotInfo {
                user_id: BOT,
                first_name: "bot".into(),
                username: None,
            })
        }
        async fn member(&self, _: i64, _: i64) -> Result<Option<Member>, ApiError> {
            Ok(None)
        }
        async fn remove_member(&self, _: i64, _: i64) -> Result<(), ApiError> {
            Ok(())
        }
        async fn make_admin(&self, _: i64, _: i64, _: &[String], _: &str) -> Result<(), ApiError> {
            Ok(())
        }
        async fn chat_title(&self, _: i64) -> Result<Option<String>, ApiError> {
            Ok(None)
        }
        async fn rename_chat(&self, _: i64, _: &str) -> Result<(), ApiError> {
            Ok(())
        }
        async fn send_message(&self, chat: i64, text: &str) -> Result<Message, ApiError> {
            *self.sends.lock().unwrap() += 1;
            let how = self.script.lock().unwrap().pop().unwrap_or(Send::Ok);
            match how {
                Send::Ok => Ok(self.post(chat, text)),
                Send::LostBefore => Err(lost()),
                Send::LostAfter => {
                    self.post(chat, text);
                    Err(lost())
                }
                Send::Refuse => Err(ApiError::Refused {
                    what: format!("чат {chat}, сообщение"),
                    message: "нельзя".into(),
                }),
            }
        }
        async fn messages(&self, chat: i64, count: u32) -> Result<Vec<Message>, ApiError> {
            *self.reads.lock().unwrap() += 1;
            let p = self.posted.lock().unwrap();
            Ok(p.iter()
                .rev()
                .filter(|(c, _)| *c == chat)
                .take(count as usize)
                .map(|(_, m)| m.clone())
                .collect())
        }
        fn stats(&self) -> Stats {
            Stats::default()
        }
    }

    fn post(chat: i64, key: &str, part: usize, parts: usize, text: &str) -> Post {
        Post {
            key: format!("{key}|{part}"),
            chat_id: chat,
            part,
            parts,
            text: text.into(),
        }
    }

    fn run(fake: &Fake, store: &mut Store, posts: &[Post], before: &[i64]) -> Delivery {
        let id = store.journal_start("notify rules", "", &entries(posts)).unwrap();
        block(fake, store, id, before, posts)
    }

    fn block(fake: &Fake, store: &mut Store, id: i64, before: &[i64], now: &[Post]) -> Delivery {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let before: HashSet<i64> = before.iter().copied().collect();
        let texts: HashMap<String, String> = now.iter().map(|p| (p.key.clone(), p.text.clone())).collect();
        rt.block_on(deliver(fake, store, id, BOT, &before, &texts)).unwrap()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        (dir, s)
    }

    #[test]
    fn parts_are_posted_in_order_and_journaled_done() {
        let (_d, mut s) = store();
        let fake = Fake::with(&[]);
        let d = run(
            &fake,
            &mut s,
            &[post(-1, "r|-1|h", 1, 2, "раз"), post(-1, "r|-1|h", 2, 2, "два")],
            &[],
        );
        assert!(d.finished);
        assert_eq!(d.count(EntryState::Done), 2);
        assert_eq!(fake.texts(-1), ["раз", "два"]);
        assert_eq!(*fake.reads.lock().unwrap(), 0, "nothing read when every answer came");
        let keys = s.journal_keys("notify rules", &[EntryState::Done]).unwrap();
        assert!(keys.contains("r|-1|h|1") && keys.contains("r|-1|h|2"));
        assert!(s.journal_unfinished("notify rules").unwrap().is_none());
    }

    #[test]
    fn an_unanswered_post_that_arrived_is_not_sent_again() {
        let (_d, mut s) = store();
        let fake = Fake::with(&[Send::LostAfter]);
        let d = run(&fake, &mut s, &[post(-1, "r|-1|h", 1, 1, "текст")], &[]);
        assert_eq!(d.count(EntryState::Done), 1);
        assert_eq!(fake.texts(-1), ["текст"]);
        assert_eq!(*fake.sends.lock().unwrap(), 1);
    }

    #[test]
    fn an_unanswered_post_that_did_not_arrive_is_sent_again_at_most_three_times() {
        let (_d, mut s) = store();
        let fake = Fake::with(&[Send::LostBefore, Send::LostBefore, Send::Ok]);
        let d = run(&fake, &mut s, &[post(-1, "r|-1|h", 1, 1, "текст")], &[]);
        assert_eq!(d.count(EntryState::Done), 1);
        assert_eq!(fake.texts(-1), ["текст"]);
        let fake = Fake::with(&[Send::LostBefore; 4]);
        let d = run(&fake, &mut s, &[post(-2, "r|-2|h", 1, 2, "а"), post(-2, "r|-2|h", 2, 2, "б")], &[]);
        assert_eq!(*fake.sends.lock().unwrap(), ATTEMPTS);
        assert!(fake.texts(-2).is_empty());
        assert_eq!(d.outcomes[0].code.as_deref(), Some("uncertain"));
        assert_eq!(
            d.outcomes[1].code.as_deref(),
            Some("previous_part"),
            "part 2 never goes without part 1"
        );
        assert!(d.finished);
    }

    #[test]
    fn an_earlier_post_of_the_same_text_does_not_settle_a_new_one() {
        let (_d, mut s) = store();
        let fake = Fake::with(&[Send::LostBefore, Send::Ok]);
        fake.post(-1, "текст");
        let d = run(&fake, &mut s, &[post(-1, "r|-1|h2", 1, 1, "текст")], &[-1]);
        assert_eq!(d.count(EntryState::Done), 1);
        assert_eq!(fake.texts(-1), ["текст", "текст"], "sent again: the one seen was older");
    }

    #[test]
    fn a_refusal_fails_the_entry_with_its_code_and_the_others_go_on() {
        let (_d, mut s) = store();
        let fake = Fake::with(&[Send::Refuse, Send::Ok]);
        let d = run(&fake, &mut s, &[post(-1, "r|-1|h", 1, 1, "а"), post(-2, "r|-2|h", 1, 1, "б")], &[]);
        assert_eq!(d.outcomes[0].state, EntryState::Failed);
        assert_eq!(d.outcomes[0].code.as_deref(), Some("refused"));
        assert_eq!(d.outcomes[1].state, EntryState::Done);
    }

    #[test]
    fn a_resumed_pending_post_is_read_back_before_anything_is_sent() {
        let (_d, mut s) = store();
        let fake = Fake::default();
        let posts = [post(-1, "r|-1|h", 1, 1, "а"), post(-2, "r|-2|h", 1, 1, "б")];
        let id = s.journal_start("notify rules", "", &entries(&posts)).unwrap();
        // Died after sending the first: it is pending and arrived.
        s.journal_mark(id, 0, EntryState::Pending, None, None).unwrap();
        fake.post(-1, "а");
        let d = block(&fake, &mut s, id, &[], &posts);
        assert!(d.finished);
        assert_eq!(d.count(EntryState::Done), 2);
        assert_eq!(fake.texts(-1), ["а"]);
        assert_eq!(fake.texts(-2), ["б"]);
        assert_eq!(*fake.sends.lock().unwrap(), 1);
    }

    #[test]
    fn the_journal_keeps_hashes_not_texts_and_a_changed_text_is_not_resumed() {
        let (_d, mut s) = store();
        let fake = Fake::default();
        let old = [
            post(-1, "p|-1|day", 1, 1, "сводка: отв. Ершова М.А."),
            post(-2, "p|-2|day", 1, 1, "вторая: отв. Ершова М.А."),
        ];
        let id = s.journal_start("notify plan", "", &entries(&old)).unwrap();
        for e in s.journal_entries(id).unwrap() {
            assert!(!e.detail.contains("Ершова"), "{}", e.detail);
        }
        // Died after sending the first; then both texts changed.
        s.journal_mark(id, 0, EntryState::Pending, None, None).unwrap();
        fake.post(-1, "сводка: отв. Ершова М.А.");
        let now = [post(-1, "p|-1|day", 1, 1, "новая"), post(-2, "p|-2|day", 1, 1, "новая вторая")];
        let d = block(&fake, &mut s, id, &[], &now);
        assert!(d.finished);
        assert_eq!(d.outcomes[0].state, EntryState::Done, "found by its hash");
        assert_eq!(d.outcomes[1].state, EntryState::Skipped, "never sent, and its text is gone");
        assert_eq!(*fake.sends.lock().unwrap(), 0);
    }
}
