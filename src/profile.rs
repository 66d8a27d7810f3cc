//! What kind of organisation this is, and the rules the regulations (shared/seeds) give it.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    School,
    #[default]
    College,
    Kindergarten,
    Supplementary,
}

/// Who a chat or a link is for: the one audience type of the tool (chats, links, the
/// change set, the state store, the reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Students,
    Parents,
    Staff,
    /// A chat of one group's teachers (seed 001, 2.15): the group's curator and, with a
    /// teaching load, the teachers who teach it.
    Teachers,
    /// A chat of one group's subject (seed 001, 2.16; seed 002 «чаты по дисциплине»): the
    /// group's students and the subject's teachers; its `Placement::subject` names it.
    Subject,
}

impl Audience {
    pub const ALL: [Audience; 5] = [
        Audience::Students,
        Audience::Parents,
        Audience::Staff,
        Audience::Teachers,
        Audience::Subject,
    ];

    /// The stable code in machine outputs and the state store.
    pub fn code(self) -> &'static str {
        match self {
            Audience::Students => "students",
            Audience::Parents => "parents",
            Audience::Staff => "staff",
            Audience::Teachers => "teachers",
            Audience::Subject => "subject",
        }
    }

    pub fn from_code(s: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.code() == s)
    }

    /// The audience for people reading a report: «обучающиеся», «родители» …
    pub fn ru(self) -> &'static str {
        match self {
            Audience::Students => "обучающиеся",
            Audience::Parents => "родители",
            Audience::Staff => "сотрудники",
            Audience::Teachers => "учителя группы",
            Audience::Subject => "чат по предмету",
        }
    }

    /// How a new chat's title names the audience.
    pub fn title_ru(self, profile: Profile) -> &'static str {
        match (self, profile) {
            (Audience::Students, Profile::School) => "Ученики",
            (Audience::Students, Profile::College) => "Студенты",
            (Audience::Students, _) => "Обучающиеся",
            (Audience::Parents, _) => "Родители",
            (Audience::Staff, Profile::College) => "Преподаватели",
            (Audience::Staff, Profile::School) => "Учительская",
            (Audience::Staff, _) => "Сотрудники",
            (Audience::Teachers, _) => "Учителя",
            // A subject chat is titled by its subject (`changes::new_chat_title`).
            (Audience::Subject, _) => "",
        }
    }
}

impl Profile {
    pub const ALL: [Profile; 4] = [Profile::School, Profile::College, Profile::Kindergarten, Profile::Supplementary];

    pub fn code(self) -> &'static str {
        match self {
            Profile::School => "school",
            Profile::College => "college",
            Profile::Kindergarten => "kindergarten",
            Profile::Supplementary => "supplementary",
        }
    }

    pub fn from_code(s: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.code() == s)
    }

    /// What a group is called (класс, группа, объединение).
    pub fn group_word(self) -> &'static str {
        match self {
            Profile::School => "класс",
            Profile::College | Profile::Kindergarten => "группа",
            Profile::Supplementary => "объединение",
        }
    }

    /// Who a pupil is called in letters and reports.
    pub fn student_word(self) -> &'static str {
        match self {
            Profile::School => "ученик",
            Profile::College => "студент",
            Profile::Kindergarten => "воспитанник",
            Profile::Supplementary => "обучающийся",
        }
    }

    /// The chats each group has: kindergartens have no pupils' chat (seed 003).
    pub fn group_audiences(self) -> &'static [Audience] {
        match self {
            Profile::Kindergarten => &[Audience::Parents],
            _ => &[Audience::Students, Audience::Parents],
        }
    }

    /// A child may attend several associations only in supplementary education (seed 004);
    /// in a school a student belongs to exactly one class (seed 000, 2.5).
    pub fn allows_several_groups(self) -> bool {
        matches!(self, Profile::Supplementary)
    }

    /// Whether every pupil is expected to have a parent on the roster.
    pub fn expects_parents(self) -> bool {
        matches!(self, Profile::School | Profile::Kindergarten)
    }

    /// The curator is called «классный руководитель» in schools, «воспитатель» in
    /// kindergartens, «педагог» in supplementary education.
    pub fn curator_word(self) -> &'static str {
        match self {
            Profile::School => "классный руководитель",
            Profile::College => "куратор",
            Profile::Kindergarten => "воспитатель",
            Profile::Supplementary => "педагог",
        }
    }
}
