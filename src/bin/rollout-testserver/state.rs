//! The platform the server pretends to be: the snapshot folder's chats and members, held
//! in memory and changed by the write endpoints; the bot's place in each chat; the
//! updates `GET /updates` hands out; and the `--dump` copy of it all.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub const BOT_ID: i64 = 1;

/// What the bot may do in every chat unless `--permissions` says otherwise (a chat's
/// permissions, not a channel's).
/// The schema lists a chat's permissions first, then the channel-only ones.
pub const ALL_PERMISSIONS: &[&str] = crate::args::PERMISSIONS.split_at(8).0;

/// The bot's standing in one chat.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    NotFound,
    /// The chat's status is not `active`: the bot is no longer in it.
    Gone,
    /// A plain member (`--forbid`).
    Member,
    Admin(Vec<String>),
}

impl Access {
    pub fn may(&self, permission: &str) -> bool {
        matches!(self, Access::Admin(p) if p.iter().any(|x| x == permission))
    }
}

pub struct State {
    chats: Vec<Value>,
    /// `None`: the folder had no member file for this chat.
    members: HashMap<i64, Option<Vec<Value>>>,
    forbid: BTreeSet<i64>,
    permissions: BTreeMap<i64, Vec<String>>,
    messages: Vec<Value>,
    /// Every update with its number (the `marker` that points at it).
    updates: Vec<(i64, Value)>,
    next_update: i64,
    dump: Option<PathBuf>,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

fn chat_id(chat: &Value) -> Option<i64> {
    chat.get("chat_id").and_then(Value::as_i64)
}

impl State {
    pub fn load(
        dir: &Path,
        forbid: BTreeSet<i64>,
        permissions: BTreeMap<i64, Vec<String>>,
        dump: Option<PathBuf>,
    ) -> Result<State, String> {
        let chats_path = dir.join("chats.json");
        let text = std::fs::read(&chats_path)
            .map_err(|e| format!("не удалось прочитать {}: {}", chats_path.display(), rollout::files::IoRu(&e)))?;
        let doc: Value = serde_json::from_slice(&text).map_err(|e| format!("{}: не JSON: {e}", chats_path.display()))?;
        let chats = doc
            .get("chats")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| format!("{}: нет списка chats", chats_path.display()))?;
        let mut members = HashMap::new();
        for chat in &chats {
            let id = chat_id(chat).ok_or_else(|| format!("{}: чат без chat_id", chats_path.display()))?;
            let path = dir.join("members").join(format!("{id}.json"));
            let list = if path.is_file() {
                let text =
                    std::fs::read(&path).map_err(|e| format!("не удалось прочитать {}: {}", path.display(), rollout::files::IoRu(&e)))?;
                let doc: Value = serde_json::from_slice(&text).map_err(|e| format!("{}: не JSON: {e}", path.display()))?;
                Some(
                    doc.get("members")
                        .and_then(Value::as_array)
                        .cloned()
                        .ok_or_else(|| format!("{}: нет списка members", path.display()))?,
                )
            } else {
                None
            };
            members.insert(id, list);
        }
        Ok(State {
            chats,
            members,
            forbid,
            permissions,
            messages: Vec::new(),
            updates: Vec::new(),
            next_update: 1,
            dump,
        })
    }

    fn chat_index(&self, id: i64) -> Option<usize> {
        self.chats.iter().position(|c| chat_id(c) == Some(id))
    }

    pub fn chat(&self, id: i64) -> Option<&Value> {
        self.chat_index(id).map(|i| &self.chats[i])
    }

    /// A channel by its public link (`@name` or `name`): the chat whose `link` ends in it.
    pub fn chat_by_link(&self, link: &str) -> Option<&Value> {
        let name = link.trim_start_matches('@');
        self.chats.iter().find(|c| {
            c.get("link")
                .and_then(Value::as_str)
                .is_some_and(|l| l.rsplit('/').next().is_some_and(|last| last.trim_start_matches('@') == name))
        })
    }

    pub fn access(&self, id: i64) -> Access {
        let Some(chat) = self.chat(id) else {
            return Access::NotFound;
        };
        if chat.get("status").and_then(Value::as_str).is_some_and(|s| s != "active") {
            return Access::Gone;
        }
        // A chat the folder has no member file for is one whose members could not be read
        // when the folder was made: served as a chat where the bot is a plain member, so a
        // pull from this server gives the folder back (a chat without members, unknown).
        if self.forbid.contains(&id) || matches!(self.members.get(&id), Some(None)) {
            return Access::Member;
        }
        match self.permissions.get(&id) {
            Some(p) => Access::Admin(p.clone()),
            None => Access::Admin(ALL_PERMISSIONS.iter().map(|s| s.to_string()).collect()),
        }
    }

    pub fn bot_info(&self) -> Value {
        json!({
            "user_id": BOT_ID,
            "first_name": "rollout-bot",
            "last_name": null,
            "username": "rollout_bot",
            "is_bot": true,
            "last_activity_time": now_ms(),
            "name": "rollout-bot",
            "description": "Тестовый бот rollout",
            "avatar_url": null,
            "full_avatar_url": null,
            "commands": null
        })
    }

    /// `GET /chats/{id}/members/me` for a chat the bot is in.
    pub fn membership(&self, id: i64) -> Value {
        let access = self.access(id);
        let (is_admin, permissions) = match &access {
            Access::Admin(p) => (true, json!(p)),
            _ => (false, Value::Null),
        };
        let mut me = self.bot_info();
        let extra = json!({
            "last_access_time": now_ms(),
            "is_owner": false,
            "is_admin": is_admin,
            "join_time": 1_780_000_000_000_i64,
            "permissions": permissions,
        });
        if let (Some(me), Some(extra)) = (me.as_object_mut(), extra.as_object()) {
            me.remove("commands");
            me.extend(extra.clone());
        }
        me
    }

    /// One page of members from `offset`: the page and the next offset, if any.
    pub fn members_page(&self, id: i64, offset: usize, count: usize) -> (Vec<Value>, Option<usize>) {
        let all = self.members.get(&id).and_then(Option::as_ref).map(Vec::as_slice).unwrap_or(&[]);
        let start = offset.min(all.len());
        let end = (start + count).min(all.len());
        let next = (end < all.len()).then_some(end);
        (all[start..end].to_vec(), next)
    }

    pub fn members_by_ids(&self, id: i64, ids: &[i64]) -> Vec<Value> {
        let all = self.members.get(&id).and_then(Option::as_ref).map(Vec::as_slice).unwrap_or(&[]);
        all.iter()
            .filter(|m| m.get("user_id").and_then(Value::as_i64).is_some_and(|u| ids.contains(&u)))
            .cloned()
            .collect()
    }

    pub fn admins(&self, id: i64) -> Vec<Value> {
        let all = self.members.get(&id).and_then(Option::as_ref).map(Vec::as_slice).unwrap_or(&[]);
        let mut out: Vec<Value> = all.iter().filter(|m| m["is_admin"] == true).cloned().collect();
        out.push(self.membership(id));
        out
    }

    fn member_mut(&mut self, id: i64, user: i64) -> Option<&mut Value> {
        self.members
            .get_mut(&id)?
            .as_mut()?
            .iter_mut()
            .find(|m| m.get("user_id").and_then(Value::as_i64) == Some(user))
    }

    /// `DELETE /chats/{id}/members?user_id=U`: Err is the `SimpleQueryResult` message.
    pub fn remove_member(&mut self, id: i64, user: i64) -> Result<(), String> {
        let list = self
            .members
            .get_mut(&id)
            .and_then(Option::as_mut)
            .ok_or("the user is not a member of the chat")?;
        let before = list.len();
        list.retain(|m| m.get("user_id").and_then(Value::as_i64) != Some(user));
        if list.len() == before {
            return Err("the user is not a member of the chat".into());
        }
        if let Some(i) = self.chat_index(id)
            && let Some(n) = self.chats[i].get("participants_count").and_then(Value::as_i64)
        {
            self.chats[i]["participants_count"] = json!((n - 1).max(0));
        }
        self.save();
        Ok(())
    }

    /// `POST /chats/{id}/members` (`addMembers`): users the server knows from another chat
    /// join this one (tests stand in for people who join by link); a user seen nowhere, or
    /// a chat the server does not have, is the `SimpleQueryResult` message.
    pub fn add_members(&mut self, id: i64, users: &[i64]) -> Result<(), String> {
        let mut joining = Vec::new();
        for &u in users {
            let known = self
                .members
                .values()
                .flatten()
                .flatten()
                .find(|m| m.get("user_id").and_then(Value::as_i64) == Some(u))
                .cloned()
                .ok_or_else(|| format!("user {u} not found"))?;
            joining.push(known);
        }
        let i = self.chat_index(id).ok_or("chat not found")?;
        let list = self.members.entry(id).or_default().get_or_insert_with(Vec::new);
        let mut added = 0;
        for mut m in joining {
            let u = m.get("user_id").and_then(Value::as_i64);
            if list.iter().any(|x| x.get("user_id").and_then(Value::as_i64) == u) {
                continue;
            }
            m["is_admin"] = json!(false);
            m["is_owner"] = json!(false);
            m["join_time"] = json!(now_ms());
            list.push(m);
            added += 1;
        }
        let n = self.chats[i].get("participants_count").and_then(Value::as_i64).unwrap_or(0);
        self.chats[i]["participants_count"] = json!(n + added);
        self.save();
        Ok(())
    }

    /// `POST /chats/{id}/members/admins`: every user must be a member; all or nothing.
    pub fn set_admins(&mut self, id: i64, admins: &[Value]) -> Result<(), String> {
        for a in admins {
            let user = a["user_id"].as_i64().unwrap_or_default();
            if self.member_mut(id, user).is_none() {
                return Err(format!("user {user} is not a member of the chat"));
            }
        }
        for a in admins {
            let user = a["user_id"].as_i64().unwrap_or_default();
            if let Some(m) = self.member_mut(id, user) {
                m["is_admin"] = json!(true);
                m["permissions"] = a["permissions"].clone();
                if let Some(alias) = a.get("alias") {
                    m["alias"] = alias.clone();
                }
            }
        }
        self.save();
        Ok(())
    }

    /// `DELETE /chats/{id}/members/admins/{user}`.
    pub fn unset_admin(&mut self, id: i64, user: i64) -> Result<(), String> {
        let m = self
            .member_mut(id, user)
            .ok_or_else(|| format!("user {user} is not a member of the chat"))?;
        if m["is_admin"] != true {
            return Err(format!("user {user} is not an admin of the chat"));
        }
        m["is_admin"] = json!(false);
        m["permissions"] = Value::Null;
        if let Some(obj) = m.as_object_mut() {
            obj.remove("alias");
        }
        self.save();
        Ok(())
    }

    /// `PATCH /chats/{id}`: the title is what the server keeps; the rest is accepted.
    pub fn patch_chat(&mut self, id: i64, patch: &Value) -> Option<Value> {
        let i = self.chat_index(id)?;
        if let Some(title) = patch.get("title").and_then(Value::as_str) {
            self.chats[i]["title"] = json!(title);
            let update = json!({
                "update_type": "chat_title_changed",
                "timestamp": now_ms(),
                "chat_id": id,
                "user": self.bot_info(),
                "title": title,
            });
            self.push_update(update);
        }
        self.save();
        Some(self.chats[i].clone())
    }

    /// The bot as a message's `sender` (the schema's `User`).
    fn bot_user(&self) -> Value {
        let info = self.bot_info();
        json!({
            "user_id": info["user_id"], "first_name": info["first_name"], "last_name": info["last_name"],
            "username": info["username"], "is_bot": true, "last_activity_time": info["last_activity_time"],
            "name": info["name"],
        })
    }

    /// `POST /messages`: kept (and dumped to `messages.json`), answered as `SendMessageResult`.
    pub fn send_message(&mut self, chat: Option<i64>, user: Option<i64>, body: &Value) -> Value {
        let n = self.messages.len() + 1;
        let message = json!({
            "sender": self.bot_user(),
            "recipient": {"chat_id": chat, "chat_type": "chat", "user_id": user},
            "timestamp": now_ms(),
            "body": {"mid": format!("mid.{n:016x}"), "seq": n, "text": body.get("text").cloned().unwrap_or(Value::Null), "attachments": null, "markup": null},
        });
        self.messages.push(message.clone());
        self.save();
        json!({ "message": message })
    }

    /// `GET /messages?chat_id=…&count=…`: the chat's messages, newest first.
    pub fn messages(&self, chat: i64, count: usize) -> Vec<Value> {
        self.messages
            .iter()
            .rev()
            .filter(|m| m["recipient"]["chat_id"].as_i64() == Some(chat))
            .take(count)
            .cloned()
            .collect()
    }

    pub fn push_update(&mut self, update: Value) {
        self.updates.push((self.next_update, update));
        self.next_update += 1;
    }

    /// The `bot_added` update of one announced chat: the chat's owner added the bot.
    pub fn announce(&mut self, id: i64) {
        let owner = self.chat(id).and_then(|c| c.get("owner_id")).and_then(Value::as_i64);
        let user = owner
            .and_then(|o| self.members_by_ids(id, &[o]).into_iter().next())
            .map(|m| {
                json!({
                    "user_id": m["user_id"], "first_name": m["first_name"], "last_name": m.get("last_name").cloned().unwrap_or(Value::Null),
                    "username": m.get("username").cloned().unwrap_or(Value::Null), "is_bot": false,
                    "last_activity_time": m.get("last_activity_time").cloned().unwrap_or(json!(0)), "name": null,
                })
            })
            .unwrap_or_else(|| {
                json!({"user_id": owner.unwrap_or(2), "first_name": "Администратор", "last_name": null, "username": null,
                       "is_bot": false, "last_activity_time": now_ms(), "name": null})
            });
        let update = json!({
            "update_type": "bot_added",
            "timestamp": now_ms(),
            "chat_id": id,
            "user": user,
            "is_channel": false,
        });
        self.push_update(update);
    }

    /// Updates from number `from` on (of the given types, at most `limit`), and the marker
    /// to ask with next. `from = None`: only the latest update, if any (as the API does).
    pub fn updates_since(&self, from: Option<i64>, types: &[String], limit: usize) -> (Vec<Value>, i64) {
        let from = from.unwrap_or_else(|| self.updates.last().map(|(n, _)| *n).unwrap_or(self.next_update));
        let mut out = Vec::new();
        let mut marker = from.max(1);
        for (n, u) in self.updates.iter().filter(|(n, _)| *n >= from) {
            if out.len() >= limit {
                break;
            }
            marker = n + 1;
            let kind = u["update_type"].as_str().unwrap_or_default();
            if types.is_empty() || types.iter().any(|t| t == kind) {
                out.push(u.clone());
            }
        }
        (out, marker)
    }

    pub fn next_update(&self) -> i64 {
        self.next_update
    }

    /// Write the state to `--dump` in the snapshot folder format, each file atomically.
    pub fn save(&self) {
        let Some(dir) = &self.dump else { return };
        if let Err(e) = self.write_dump(dir) {
            eprintln!("rollout-testserver: внимание: не удалось записать {}: {e}", dir.display());
        }
    }

    fn write_dump(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir.join("members"))?;
        write_atomic(&dir.join("chats.json"), &json!({ "chats": self.chats }))?;
        for chat in &self.chats {
            let Some(id) = chat_id(chat) else { continue };
            if let Some(Some(list)) = self.members.get(&id) {
                write_atomic(
                    &dir.join("members").join(format!("{id}.json")),
                    &json!({ "members": list, "marker": null }),
                )?;
            } else {
                let _ = std::fs::remove_file(dir.join("members").join(format!("{id}.json")));
            }
        }
        write_atomic(&dir.join("messages.json"), &json!({ "messages": self.messages }))?;
        Ok(())
    }
}

fn write_atomic(path: &Path, value: &Value) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
    let mut bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
