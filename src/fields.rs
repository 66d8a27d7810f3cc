//! The column-field vocabulary: what a column of a table means (`columns = { … }` of a
//! `[[sources]]` entry names these), and the delimiter a `[[sources]]` entry may give.
//! A leaf: config and ingest both use it, it uses neither.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Fio,
    Surname,
    FirstName,
    Patronymic,
    BirthDate,
    Group,
    Course,
    Branch,
    Position,
    Curates,
    Student,
    Parent,
    Relation,
    Phone,
    Email,
    Snils,
    Login,
    Id,
    /// Member exports: the chat a member sits in, its id, and the member's role.
    Chat,
    ChatId,
    Role,
    /// Teaching load: the subject (предмет, дисциплина) and its hours.
    Subject,
    Hours,
}

impl Field {
    pub const ALL: [Field; 23] = [
        Field::Fio,
        Field::Surname,
        Field::FirstName,
        Field::Patronymic,
        Field::BirthDate,
        Field::Group,
        Field::Course,
        Field::Branch,
        Field::Position,
        Field::Curates,
        Field::Student,
        Field::Parent,
        Field::Relation,
        Field::Phone,
        Field::Email,
        Field::Snils,
        Field::Login,
        Field::Id,
        Field::Chat,
        Field::ChatId,
        Field::Role,
        Field::Subject,
        Field::Hours,
    ];

    /// The name used in `columns = { … }` of a `[[sources]]` entry.
    pub fn name(self) -> &'static str {
        match self {
            Field::Fio => "fio",
            Field::Surname => "surname",
            Field::FirstName => "first_name",
            Field::Patronymic => "patronymic",
            Field::BirthDate => "birth_date",
            Field::Group => "group",
            Field::Course => "course",
            Field::Branch => "branch",
            Field::Position => "position",
            Field::Curates => "curated_groups",
            Field::Student => "student",
            Field::Parent => "parent",
            Field::Relation => "relation",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Snils => "snils",
            Field::Login => "login",
            Field::Id => "id",
            Field::Chat => "chat",
            Field::ChatId => "chat_id",
            Field::Role => "role",
            Field::Subject => "subject",
            Field::Hours => "hours",
        }
    }

    pub fn from_name(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == s.trim())
    }

    pub fn names() -> Vec<&'static str> {
        Field::ALL.iter().map(|f| f.name()).collect()
    }

    /// What a person would write as this column's header.
    pub fn title_ru(self) -> &'static str {
        match self {
            Field::Fio => "ФИО",
            Field::Surname => "Фамилия",
            Field::FirstName => "Имя",
            Field::Patronymic => "Отчество",
            Field::BirthDate => "Дата рождения",
            Field::Group => "Группа / Класс",
            Field::Course => "Курс",
            Field::Branch => "Филиал",
            Field::Position => "Должность",
            Field::Curates => "Классное руководство",
            Field::Student => "ФИО обучающегося",
            Field::Parent => "ФИО родителя",
            Field::Relation => "Кем приходится",
            Field::Phone => "Телефон",
            Field::Email => "E-mail",
            Field::Snils => "СНИЛС",
            Field::Login => "Логин",
            Field::Id => "ID",
            Field::Chat => "Чат",
            Field::ChatId => "ID чата",
            Field::Role => "Роль",
            Field::Subject => "Предмет / Дисциплина",
            Field::Hours => "Часы",
        }
    }
}

/// The byte a `delimiter = "…"` of a `[[sources]]` entry stands for: one ASCII character,
/// or a tab (`\t`, `tab`).
pub fn delimiter_byte(d: &str) -> Option<u8> {
    match d {
        "\\t" | "\t" | "tab" | "TAB" => Some(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Some(s.as_bytes()[0]),
        _ => None,
    }
}
