//! The change set (`rollout diff` → `changes.json`): typed actions, each with a reason,
//! its source cell and a stable id; held when removals exceed the safety thresholds.
//! Derived as explicit set algebra in [`diff`]: the memberships that should exist
//! (roster × profile) against those that do (platform × matches).

pub mod compute;
mod diff;
pub mod leavers;
mod load;
pub mod safety;

pub use compute::{DiffOutcome, PlacedChat, check_approval, compute};
pub use diff::{DiffInput, diff};

use crate::config::Config;
use crate::platform::place::{Audience, Placement};
use crate::problem::Location;
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    SetupChat,
    Invite,
    Move,
    Remove,
    Review,
    MakeAdmin,
    /// A mapped chat whose title differs from its `[[chats.map]]` entry's `title`.
    RenameChat,
}

impl ActionKind {
    pub const ALL: [ActionKind; 7] = [
        ActionKind::SetupChat,
        ActionKind::Invite,
        ActionKind::Move,
        ActionKind::Remove,
        ActionKind::Review,
        ActionKind::MakeAdmin,
        ActionKind::RenameChat,
    ];

    /// The kinds a summary table shows for `actions`: every kind but `rename_chat`, which
    /// has a column only when there are renames.
    pub fn columns(actions: &[Action]) -> Vec<ActionKind> {
        let renames = actions.iter().any(|a| a.kind() == ActionKind::RenameChat);
        ActionKind::ALL
            .into_iter()
            .filter(|k| *k != ActionKind::RenameChat || renames)
            .collect()
    }

    pub fn code(self) -> &'static str {
        match self {
            ActionKind::SetupChat => "setup_chat",
            ActionKind::Invite => "invite",
            ActionKind::Move => "move",
            ActionKind::Remove => "remove",
            ActionKind::Review => "review",
            ActionKind::MakeAdmin => "make_admin",
            ActionKind::RenameChat => "rename_chat",
        }
    }

    pub fn title_ru(self) -> &'static str {
        match self {
            ActionKind::SetupChat => "создать чат",
            ActionKind::Invite => "пригласить",
            ActionKind::Move => "перевести в свой чат",
            ActionKind::Remove => "удалить из чата",
            ActionKind::Review => "проверить",
            ActionKind::MakeAdmin => "сделать администратором",
            ActionKind::RenameChat => "переименовать чат",
        }
    }
}

/// Why an action is there. The codes are stable: scripts and the state store rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReasonCode {
    /// setup_chat: a group's chat for an audience (or a branch's staff chat) is missing.
    ChatMissing,
    StudentNotInChat,
    ParentNotInChat,
    StaffNotInChat,
    CuratorNotInChat,
    /// invite: a teacher of the group's load is not in the group's teachers' chat.
    TeacherNotInChat,
    /// invite: a student of the group is not in a subject chat of the group's load.
    StudentNotInSubjectChat,
    /// invite: a teacher of the subject is not in the group's chat of that subject.
    TeacherNotInSubjectChat,
    /// move: a student (or parent) sits in another group's chat.
    WrongGroupChat,
    DepartedStudent,
    /// seed 001, 2.29: only when none of their children is still enrolled.
    DepartedParent,
    StaffLeft,
    UnknownMember,
    AmbiguousMatch,
    WeakMatch,
    TwoAccounts,
    TwoGroupChats,
    /// seed 001, 2.8: never removed.
    ParentInStudentsChat,
    ParentNotOfGroup,
    WrongAudience,
    StaffOtherBranch,
    DroppedRecord,
    ChatUnplaced,
    DuplicateChat,
    MembersUnknown,
    CuratorNotAdmin,
    /// remove: a teacher on the roster who left a group's load, from that group's teachers'
    /// or subject chat (never the staff chat).
    TeacherLeftLoad,
    /// rename_chat: the chat's title is not its `[[chats.map]]` entry's `title`.
    ChatTitleDiffers,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 28] = [
        ReasonCode::ChatMissing,
        ReasonCode::StudentNotInChat,
        ReasonCode::ParentNotInChat,
        ReasonCode::StaffNotInChat,
        ReasonCode::CuratorNotInChat,
        ReasonCode::TeacherNotInChat,
        ReasonCode::StudentNotInSubjectChat,
        ReasonCode::TeacherNotInSubjectChat,
        ReasonCode::WrongGroupChat,
        ReasonCode::DepartedStudent,
        ReasonCode::DepartedParent,
        ReasonCode::StaffLeft,
        ReasonCode::UnknownMember,
        ReasonCode::AmbiguousMatch,
        ReasonCode::WeakMatch,
        ReasonCode::TwoAccounts,
        ReasonCode::TwoGroupChats,
        ReasonCode::ParentInStudentsChat,
        ReasonCode::ParentNotOfGroup,
        ReasonCode::WrongAudience,
        ReasonCode::StaffOtherBranch,
        ReasonCode::DroppedRecord,
        ReasonCode::ChatUnplaced,
        ReasonCode::DuplicateChat,
        ReasonCode::MembersUnknown,
        ReasonCode::CuratorNotAdmin,
        ReasonCode::TeacherLeftLoad,
        ReasonCode::ChatTitleDiffers,
    ];

    /// The stable string code (`changes.json`, the README's table).
    pub fn code(self) -> &'static str {
        match self {
            ReasonCode::ChatMissing => "chat_missing",
            ReasonCode::StudentNotInChat => "student_not_in_chat",
            ReasonCode::ParentNotInChat => "parent_not_in_chat",
            ReasonCode::StaffNotInChat => "staff_not_in_chat",
            ReasonCode::CuratorNotInChat => "curator_not_in_chat",
            ReasonCode::TeacherNotInChat => "teacher_not_in_chat",
            ReasonCode::StudentNotInSubjectChat => "student_not_in_subject_chat",
            ReasonCode::TeacherNotInSubjectChat => "teacher_not_in_subject_chat",
            ReasonCode::WrongGroupChat => "wrong_group_chat",
            ReasonCode::DepartedStudent => "departed_student",
            ReasonCode::DepartedParent => "departed_parent",
            ReasonCode::StaffLeft => "staff_left",
            ReasonCode::UnknownMember => "unknown_member",
            ReasonCode::AmbiguousMatch => "ambiguous_match",
            ReasonCode::WeakMatch => "weak_match",
            ReasonCode::TwoAccounts => "two_accounts",
            ReasonCode::TwoGroupChats => "two_group_chats",
            ReasonCode::ParentInStudentsChat => "parent_in_students_chat",
            ReasonCode::ParentNotOfGroup => "parent_not_of_group",
            ReasonCode::WrongAudience => "wrong_audience",
            ReasonCode::StaffOtherBranch => "staff_other_branch",
            ReasonCode::DroppedRecord => "dropped_record",
            ReasonCode::ChatUnplaced => "chat_unplaced",
            ReasonCode::DuplicateChat => "duplicate_chat",
            ReasonCode::MembersUnknown => "members_unknown",
            ReasonCode::CuratorNotAdmin => "curator_not_admin",
            ReasonCode::TeacherLeftLoad => "teacher_left_load",
            ReasonCode::ChatTitleDiffers => "chat_title_differs",
        }
    }

    pub fn from_code(s: &str) -> Option<ReasonCode> {
        ReasonCode::ALL.into_iter().find(|r| r.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub text: String,
}

/// Where on the roster an action comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub file: String,
    pub sheet: String,
    pub cell: String,
}

impl Source {
    pub fn of(loc: Option<&Location>) -> Option<Source> {
        loc.filter(|l| !l.file.is_empty()).map(|l| Source {
            file: l.file.clone(),
            sheet: l.sheet.clone(),
            cell: l.cell.clone(),
        })
    }
}

/// What an action changes, with the data its kind needs and nothing else.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A chat to create on the platform (and the bot to add to it).
    SetupChat { place: Placement },
    /// A person who should be in a chat and is not: they get its link.
    Invite { place: Placement, person_id: String, chat_id: i64 },
    /// A member in another group's chat: into `place` (chat `chat_id` when it exists), out of
    /// `from_chat_id`.
    Move {
        place: Placement,
        person_id: String,
        chat_id: Option<i64>,
        user_id: i64,
        from_chat_id: i64,
    },
    /// A member who must leave a chat.
    Remove {
        place: Placement,
        person_id: String,
        chat_id: i64,
        user_id: i64,
    },
    /// Something a person must look at: a member (`user_id`) or a whole chat.
    Review {
        place: Option<Placement>,
        person_id: Option<String>,
        chat_id: i64,
        user_id: Option<i64>,
    },
    /// A curator in their group's chat who is not its admin.
    MakeAdmin {
        place: Placement,
        person_id: String,
        chat_id: i64,
        user_id: i64,
    },
    /// A mapped chat to rename from `from` (its title on the platform) to `to` (its
    /// `[[chats.map]]` entry's `title`). Never a removal.
    RenameChat {
        place: Placement,
        chat_id: i64,
        from: String,
        to: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Stable: hashed from the action's canonical key ([`Action::key`]).
    pub id: String,
    pub change: Change,
    pub reason: Reason,
    pub source: Option<Source>,
}

impl Action {
    pub fn new(change: Change, code: ReasonCode, text: String, source: Option<Source>) -> Action {
        let mut a = Action {
            id: String::new(),
            change,
            reason: Reason { code, text },
            source,
        };
        let mut h = Sha256::new();
        h.update(a.key().as_bytes());
        a.id = hex::encode(h.finalize())[..12].to_string();
        a
    }

    /// The canonical key the id is hashed from: the kind, the chat acted on (or, for a chat
    /// still to create, its branch, group and audience, and a subject chat's subject), the
    /// member acted on (or the person when there is no account yet), and the reason code. A
    /// move names the chat it leaves too. A placement without a subject keeps the key it
    /// had before subject chats. A rename names the title it gives (`title:…` in place of
    /// the member), so renaming the chat again to another title is another action.
    pub fn key(&self) -> String {
        let chat = match (&self.change, self.chat_id()) {
            (Change::Move { from_chat_id, .. }, c) => {
                format!("chat:{}<-{from_chat_id}", c.map(|c| c.to_string()).unwrap_or_else(|| "-".into()))
            }
            (_, Some(c)) => format!("chat:{c}"),
            (_, None) => match self.place() {
                Some(p) => {
                    let mut k = format!("place:{}/{}/{}", p.branch, p.group.as_deref().unwrap_or(""), p.audience.code());
                    if let Some(s) = &p.subject {
                        k.push('/');
                        k.push_str(&crate::normalize::text_key(s));
                    }
                    k
                }
                None => "-".into(),
            },
        };
        let who = match (self.user_id(), self.person_id()) {
            _ if self.to_title().is_some() => format!("title:{}", self.to_title().unwrap_or_default()),
            (Some(u), _) => format!("user:{u}"),
            (None, Some(p)) => format!("person:{p}"),
            (None, None) => "-".into(),
        };
        format!("{}|{chat}|{who}|{}", self.kind().code(), self.reason.code.code())
    }

    pub fn kind(&self) -> ActionKind {
        match self.change {
            Change::SetupChat { .. } => ActionKind::SetupChat,
            Change::Invite { .. } => ActionKind::Invite,
            Change::Move { .. } => ActionKind::Move,
            Change::Remove { .. } => ActionKind::Remove,
            Change::Review { .. } => ActionKind::Review,
            Change::MakeAdmin { .. } => ActionKind::MakeAdmin,
            Change::RenameChat { .. } => ActionKind::RenameChat,
        }
    }

    /// The branch, group and audience the action is about (a move's: where it goes).
    pub fn place(&self) -> Option<&Placement> {
        match &self.change {
            Change::SetupChat { place }
            | Change::Invite { place, .. }
            | Change::Move { place, .. }
            | Change::Remove { place, .. }
            | Change::MakeAdmin { place, .. }
            | Change::RenameChat { place, .. } => Some(place),
            Change::Review { place, .. } => place.as_ref(),
        }
    }

    pub fn branch(&self) -> Option<&str> {
        self.place().map(|p| p.branch.as_str())
    }

    pub fn group(&self) -> Option<&str> {
        self.place().and_then(|p| p.group.as_deref())
    }

    pub fn audience(&self) -> Option<Audience> {
        self.place().map(|p| p.audience)
    }

    /// A subject chat's subject.
    pub fn subject(&self) -> Option<&str> {
        self.place().and_then(|p| p.subject.as_deref())
    }

    pub fn person_id(&self) -> Option<&str> {
        match &self.change {
            Change::SetupChat { .. } | Change::RenameChat { .. } => None,
            Change::Invite { person_id, .. }
            | Change::Move { person_id, .. }
            | Change::Remove { person_id, .. }
            | Change::MakeAdmin { person_id, .. } => Some(person_id),
            Change::Review { person_id, .. } => person_id.as_deref(),
        }
    }

    /// The chat the action is in (a move's: the chat it goes to).
    pub fn chat_id(&self) -> Option<i64> {
        match &self.change {
            Change::SetupChat { .. } => None,
            Change::Move { chat_id, .. } => *chat_id,
            Change::Invite { chat_id, .. }
            | Change::Remove { chat_id, .. }
            | Change::Review { chat_id, .. }
            | Change::MakeAdmin { chat_id, .. }
            | Change::RenameChat { chat_id, .. } => Some(*chat_id),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match &self.change {
            Change::SetupChat { .. } | Change::Invite { .. } | Change::RenameChat { .. } => None,
            Change::Move { user_id, .. } | Change::Remove { user_id, .. } | Change::MakeAdmin { user_id, .. } => Some(*user_id),
            Change::Review { user_id, .. } => *user_id,
        }
    }

    /// A rename's title on the platform.
    pub fn from_title(&self) -> Option<&str> {
        match &self.change {
            Change::RenameChat { from, .. } => Some(from),
            _ => None,
        }
    }

    /// A rename's new title.
    pub fn to_title(&self) -> Option<&str> {
        match &self.change {
            Change::RenameChat { to, .. } => Some(to),
            _ => None,
        }
    }

    /// The chat a move takes the member out of.
    pub fn from_chat_id(&self) -> Option<i64> {
        match &self.change {
            Change::Move { from_chat_id, .. } => Some(*from_chat_id),
            _ => None,
        }
    }
}

/// `changes.json` keeps one flat shape for every kind.
impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Flat<'a> {
            id: &'a str,
            kind: ActionKind,
            branch: Option<&'a str>,
            group: Option<&'a str>,
            audience: Option<Audience>,
            /// Subject chats only: every other action keeps the shape it had.
            #[serde(skip_serializing_if = "Option::is_none")]
            subject: Option<&'a str>,
            person_id: Option<&'a str>,
            chat_id: Option<i64>,
            user_id: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            from_chat_id: Option<i64>,
            /// rename_chat only: the title now and the title to give.
            #[serde(skip_serializing_if = "Option::is_none")]
            from_title: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            title: Option<&'a str>,
            reason: &'a Reason,
            source: &'a Option<Source>,
        }
        Flat {
            id: &self.id,
            kind: self.kind(),
            branch: self.branch(),
            group: self.group(),
            audience: self.audience(),
            subject: self.subject(),
            person_id: self.person_id(),
            chat_id: self.chat_id(),
            user_id: self.user_id(),
            from_chat_id: self.from_chat_id(),
            from_title: self.from_title(),
            title: self.to_title(),
            reason: &self.reason,
            source: &self.source,
        }
        .serialize(s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeStatus {
    Ready,
    Held,
    Approved,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    pub version: u32,
    pub hash: String,
    pub status: ChangeStatus,
    pub held_reasons: Vec<String>,
    pub actions: Vec<Action>,
}

impl ChangeSet {
    pub fn count(&self, kind: ActionKind) -> usize {
        self.actions.iter().filter(|a| a.kind() == kind).count()
    }
}

/// Removes member `x` (matched to `pid`) from `place`; a review of the same member in the
/// same chat gives way to the removal.
pub(crate) fn push_removal(
    actions: &mut Vec<Action>,
    x: &crate::matching::MemberMatch,
    place: &Placement,
    pid: &str,
    code: ReasonCode,
    text: String,
    source: Option<Source>,
) {
    actions.retain(|a| !(a.kind() == ActionKind::Review && a.chat_id() == Some(x.chat_id) && a.user_id() == Some(x.user_id)));
    actions.push(Action::new(
        Change::Remove {
            place: place.clone(),
            person_id: pid.to_string(),
            chat_id: x.chat_id,
            user_id: x.user_id,
        },
        code,
        text,
        source,
    ));
}

/// The chat title for a new chat, from `[chats] title`. A subject chat's subject stands
/// for its audience (and for `{subject}`): «10А Физика» — the title the chat is placed by.
/// A chat title the platform takes: 1–200 characters (`PATCH /chats/{chatId}`); a longer
/// one (a subject of a hundred words) is cut with «…».
fn fit_title(t: String) -> String {
    const MAX: usize = 200;
    if t.chars().count() <= MAX {
        return t;
    }
    let mut cut: String = t.chars().take(MAX - 1).collect();
    cut.push('…');
    cut
}

pub fn new_chat_title(cfg: &Config, p: &Placement) -> String {
    let audience = match (p.audience, p.subject.as_deref()) {
        (Audience::Subject, Some(s)) => s,
        (a, _) => a.title_ru(cfg.profile),
    };
    let t = cfg
        .chat_title
        .replace("{group}", p.group.as_deref().unwrap_or(""))
        .replace("{audience}", audience)
        .replace("{subject}", p.subject.as_deref().unwrap_or(""))
        .replace("{branch}", if cfg.implicit_branch { "" } else { &p.branch });
    let t = crate::normalize::clean_spaces(&t);
    let t = fit_title(t);
    if p.group.is_none() {
        // A staff chat: «Преподаватели — Заречный филиал».
        if cfg.implicit_branch || cfg.chat_title.contains("{branch}") {
            t
        } else {
            format!("{audience} — {}", p.branch)
        }
    } else {
        t
    }
}

/// SHA-256 over every input that determines the change set, in a fixed order; no
/// timestamps, so the same inputs give the same hash.
pub fn inputs_hash(parts: &[(String, Vec<u8>)]) -> String {
    let mut h = Sha256::new();
    h.update(b"rollout change set v1\n");
    for (name, bytes) in parts {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(group: &str) -> Placement {
        Placement {
            branch: "Главный корпус".into(),
            group: Some(group.into()),
            audience: Audience::Parents,
            subject: None,
        }
    }

    #[test]
    fn reason_codes_round_trip() {
        for r in ReasonCode::ALL {
            assert_eq!(ReasonCode::from_code(r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.code()));
        }
    }

    #[test]
    fn ids_follow_the_canonical_key_not_the_text() {
        let invite = |text: &str| {
            Action::new(
                Change::Invite {
                    place: place("5А"),
                    person_id: "p1".into(),
                    chat_id: -7,
                },
                ReasonCode::ParentNotInChat,
                text.into(),
                None,
            )
        };
        assert_eq!(invite("один текст").id, invite("другой текст").id);
        assert_eq!(invite("x").key(), "invite|chat:-7|person:p1|parent_not_in_chat");
        // Two chats to create differ by where they are.
        let setup = |g: &str| Action::new(Change::SetupChat { place: place(g) }, ReasonCode::ChatMissing, String::new(), None);
        assert_ne!(setup("5А").id, setup("5Б").id);
        assert_eq!(setup("5А").key(), "setup_chat|place:Главный корпус/5А/parents|-|chat_missing");
        // Subject chats to create differ by subject, not by its spelling.
        let subject = |s: &str| {
            let place = Placement {
                audience: Audience::Subject,
                subject: Some(s.into()),
                ..place("5А")
            };
            Action::new(Change::SetupChat { place }, ReasonCode::ChatMissing, String::new(), None)
        };
        assert_eq!(
            subject("Физика").key(),
            "setup_chat|place:Главный корпус/5А/subject/физика|-|chat_missing"
        );
        assert_eq!(subject("Физика").id, subject("ФИЗИКА ").id);
        assert_ne!(subject("Физика").id, subject("Химия").id);
        // Two accounts of one person in one chat are two actions.
        let review = |u: i64| {
            Action::new(
                Change::Review {
                    place: Some(place("5А")),
                    person_id: Some("p1".into()),
                    chat_id: -7,
                    user_id: Some(u),
                },
                ReasonCode::TwoAccounts,
                String::new(),
                None,
            )
        };
        assert_ne!(review(1).id, review(2).id);
        // A rename names the title it gives: renaming again to another title is another action.
        let rename = |to: &str| {
            Action::new(
                Change::RenameChat {
                    place: place("5А"),
                    chat_id: -7,
                    from: "Родители 5А".into(),
                    to: to.into(),
                },
                ReasonCode::ChatTitleDiffers,
                String::new(),
                None,
            )
        };
        assert_eq!(
            rename("6А Родители").key(),
            "rename_chat|chat:-7|title:6А Родители|chat_title_differs"
        );
        assert_ne!(rename("6А Родители").id, rename("7А Родители").id);
        assert_eq!(ActionKind::columns(&[]).len(), ActionKind::ALL.len() - 1);
        assert!(ActionKind::columns(&[rename("6А")]).contains(&ActionKind::RenameChat));
    }

    #[test]
    fn the_json_shape_is_flat() {
        let a = Action::new(
            Change::Move {
                place: place("5А"),
                person_id: "p1".into(),
                chat_id: Some(-7),
                user_id: 42,
                from_chat_id: -8,
            },
            ReasonCode::WrongGroupChat,
            "перевести".into(),
            None,
        );
        let text = serde_json::to_string(&a).unwrap();
        let order = [
            "id",
            "kind",
            "branch",
            "group",
            "audience",
            "person_id",
            "chat_id",
            "user_id",
            "from_chat_id",
            "reason",
            "source",
        ];
        let at: Vec<usize> = order.iter().map(|k| text.find(&format!("\"{k}\":")).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["kind"], "move");
        assert_eq!(v["audience"], "parents");
        assert_eq!(v["reason"]["code"], "wrong_group_chat");
    }
}
