//! Finding the header row — often below title rows — by matching cells against the
//! synonyms of known columns, in Russian and English.

use super::table::Sheet;
pub use crate::fields::Field;
use crate::normalize::text_key;
use std::collections::BTreeMap;

/// How a heading is compared with a synonym, after `text_key` (lower case, ё = е,
/// punctuation dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The heading is the synonym.
    Exact,
    /// The heading is the synonym or starts with it and a space: «Телефон (мобильный)».
    Words,
    /// The heading starts with the synonym: «аудитория» in «Аудитория чата».
    Prefix,
    /// The heading contains the synonym: «срок» in «Срок исполнения».
    Contains,
}

/// The headings of one kind of table: rules tried in order, the first that matches names
/// the column. Each table the tool reads has its own (rosters and member exports share
/// `ROSTER`; links files and plan tables keep theirs next to their reader).
#[derive(Debug, Clone, Copy)]
pub struct Synonyms<C: 'static> {
    pub rules: &'static [(C, Match, &'static [&'static str])],
    /// A heading longer than this (in bytes of its key) names nothing: it is a title.
    pub max_len: usize,
}

impl<C: Copy> Synonyms<C> {
    /// Which column a heading names, if any.
    pub fn classify(&self, heading: &str) -> Option<C> {
        let key = text_key(heading);
        if key.is_empty() || key.len() > self.max_len {
            return None;
        }
        let hit = |how: Match, syn: &str| match how {
            Match::Exact => key == syn,
            Match::Words => key == syn || key.strip_prefix(syn).is_some_and(|rest| rest.starts_with(' ')),
            Match::Prefix => key.starts_with(syn),
            Match::Contains => key.contains(syn),
        };
        self.rules
            .iter()
            .find(|(_, how, syns)| syns.iter().any(|s| hit(*how, s)))
            .map(|(c, _, _)| *c)
    }
}

/// The columns of roster sources and member exports.
pub const ROSTER: Synonyms<Field> = Synonyms {
    rules: ROSTER_RULES,
    max_len: 120,
};

/// Synonyms: every exact one first, then the longer headings that start with one.
const ROSTER_RULES: &[(Field, Match, &[&str])] = &[
    (
        Field::Fio,
        Match::Exact,
        &[
            "фио",
            "ф и о",
            "фамилия имя отчество",
            "полное имя",
            "фио сотрудника",
            "сотрудник",
            "работник",
            "фио работника",
            "фио педагога",
            "педагог",
            "преподаватель",
            "фио преподавателя",
            "учитель",
            "фио учителя",
            "full name",
            "name",
            "фио полностью",
        ],
    ),
    (Field::Surname, Match::Exact, &["фамилия", "surname", "last name"]),
    (Field::FirstName, Match::Exact, &["имя", "first name", "given name"]),
    (Field::Patronymic, Match::Exact, &["отчество", "patronymic", "middle name"]),
    (
        Field::BirthDate,
        Match::Exact,
        &[
            "дата рождения",
            "д р",
            "др",
            "дата рожд",
            "дата рожд ия",
            "birth date",
            "date of birth",
            "birthday",
            "дата рождения обучающегося",
            "дата рождения ребенка",
            "дата рождения ученика",
        ],
    ),
    (
        Field::Group,
        Match::Exact,
        &[
            "класс",
            "группа",
            "объединение",
            "учебная группа",
            "группа класс",
            "класс группа",
            "наименование группы",
            "group",
            "class",
            "детское объединение",
            "возрастная группа",
        ],
    ),
    (
        Field::Course,
        Match::Exact,
        &["курс", "параллель", "год обучения", "course", "grade"],
    ),
    (
        Field::Branch,
        Match::Exact,
        &[
            "филиал",
            "подразделение",
            "корпус",
            "площадка",
            "структурное подразделение",
            "branch",
            "site",
            "место работы",
        ],
    ),
    (Field::Position, Match::Exact, &["должность", "position", "занимаемая должность"]),
    (
        Field::Curates,
        Match::Exact,
        &[
            "классное руководство",
            "куратор",
            "кураторство",
            "куратор групп",
            "куратор группы",
            "курируемые группы",
            "руководство группой",
            "классный руководитель в классе",
            "curator of",
        ],
    ),
    (
        Field::Student,
        Match::Exact,
        &[
            "обучающийся",
            "обучающиеся",
            "ученик",
            "студент",
            "воспитанник",
            "ребенок",
            "фио обучающегося",
            "фио ученика",
            "фио студента",
            "фио воспитанника",
            "фио ребенка",
            "student",
            "child",
            "фио обучающегося воспитанника",
        ],
    ),
    (
        Field::Parent,
        Match::Exact,
        &[
            "родитель",
            "родители",
            "родитель законный представитель",
            "законный представитель",
            "фио родителя",
            "фио родителя законного представителя",
            "представитель",
            "фио законного представителя",
            "parent",
            "guardian",
        ],
    ),
    (
        Field::Relation,
        Match::Exact,
        &[
            "кем приходится",
            "степень родства",
            "родство",
            "кем является",
            "тип родства",
            "relation",
            "relationship",
        ],
    ),
    (
        Field::Phone,
        Match::Exact,
        &[
            "телефон",
            "моб телефон",
            "мобильный телефон",
            "тел",
            "контактный телефон",
            "номер телефона",
            "телефон родителя",
            "телефон мобильный",
            "сотовый телефон",
            "phone",
            "mobile",
        ],
    ),
    (
        Field::Email,
        Match::Exact,
        &[
            "e mail",
            "email",
            "электронная почта",
            "эл почта",
            "почта",
            "адрес электронной почты",
            "e mail родителя",
            "mail",
        ],
    ),
    (Field::Snils, Match::Exact, &["снилс", "страховой номер", "snils"]),
    (Field::Login, Match::Exact, &["логин", "login"]),
    (
        Field::Id,
        Match::Exact,
        &["id", "идентификатор", "ид", "user id", "id пользователя", "user_id"],
    ),
    (
        Field::Chat,
        Match::Exact,
        &["чат", "беседа", "название чата", "чат группы", "chat", "chat title"],
    ),
    (
        Field::ChatId,
        Match::Exact,
        &["id чата", "chat id", "chat_id", "идентификатор чата"],
    ),
    (Field::Role, Match::Exact, &["роль", "role", "роль в чате", "статус в чате"]),
    (
        Field::Subject,
        Match::Exact,
        &[
            "предмет",
            "учебный предмет",
            "дисциплина",
            "учебная дисциплина",
            "наименование дисциплины",
            "наименование предмета",
            "предмет дисциплина",
            "дисциплина мдк",
            "мдк",
            "subject",
        ],
    ),
    (
        Field::Hours,
        Match::Exact,
        &[
            "часы",
            "часов",
            "кол во часов",
            "количество часов",
            "часов в неделю",
            "часы в неделю",
            "всего часов",
            "нагрузка",
            "hours",
        ],
    ),
    // Longer headers: «ФИО родителя (законного представителя)», «Телефон (мобильный)».
    (
        Field::Parent,
        Match::Words,
        &["фио родителя", "родитель", "фио законного", "законный представитель"],
    ),
    (
        Field::Student,
        Match::Words,
        &["фио обучающегося", "фио ученика", "фио ребенка", "фио воспитанника", "фио студента"],
    ),
    (Field::BirthDate, Match::Words, &["дата рождения"]),
    (
        Field::Phone,
        Match::Words,
        &["телефон", "моб", "контактный телефон", "мобильный телефон"],
    ),
    (
        Field::Email,
        Match::Words,
        &["e mail", "email", "электронная почта", "адрес электронной"],
    ),
    (Field::Snils, Match::Words, &["снилс"]),
    (Field::Fio, Match::Words, &["фио"]),
    (Field::Relation, Match::Words, &["кем приходится", "степень родства"]),
    (Field::Curates, Match::Words, &["классное руководство", "куратор групп"]),
    (Field::Subject, Match::Words, &["дисциплина", "предмет"]),
    (Field::Hours, Match::Words, &["кол во часов", "количество часов"]),
];

/// Which field a header cell names, if any.
pub fn classify(cell: &str) -> Option<Field> {
    ROSTER.classify(cell)
}

/// A header row: field → column, with the texts as found.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub row: usize,
    pub columns: BTreeMap<Field, usize>,
    /// Index one past the last recognised or titled column.
    pub width: usize,
}

impl Header {
    pub fn col(&self, f: Field) -> Option<usize> {
        self.columns.get(&f).copied()
    }
    pub fn has(&self, f: Field) -> bool {
        self.columns.contains_key(&f)
    }
    pub fn has_name(&self) -> bool {
        self.has(Field::Fio) || self.has(Field::Surname) || self.has(Field::Student) || self.has(Field::Parent)
    }
}

/// How many columns a header is read across (a wider one is cut, and said).
pub const MAX_COLUMNS: usize = 512;

/// How many rows from the top a header may sit below title rows.
pub const HEADER_SCAN_ROWS: usize = 40;

/// Reads one row as a header; `overrides` maps header text keys to fields.
pub fn header_at(sheet: &Sheet, row: usize, overrides: &BTreeMap<String, Field>) -> Header {
    let mut h = Header { row, ..Default::default() };
    let Some(cells) = sheet.rows.get(row) else { return h };
    for (c, cell) in cells.iter().enumerate().take(MAX_COLUMNS) {
        let text = cell.as_text();
        if text.trim().is_empty() {
            continue;
        }
        let field = overrides.get(&text_key(&text)).copied().or_else(|| classify(&text));
        if let Some(f) = field {
            // The first column of a kind wins; a second «Телефон» is usually a home phone.
            h.columns.entry(f).or_insert(c);
            h.width = h.width.max(c + 1);
        } else if !sheet.merged_across(row, c) {
            h.width = h.width.max(c + 1);
        }
    }
    h
}

/// The best header row among the first rows: the most recognised fields, with a name.
pub fn find_header(sheet: &Sheet, overrides: &BTreeMap<String, Field>) -> Option<Header> {
    let mut best: Option<Header> = None;
    for row in 0..sheet.rows.len().min(HEADER_SCAN_ROWS) {
        let h = header_at(sheet, row, overrides);
        if !h.has_name() || h.columns.len() < 2 && overrides.is_empty() {
            continue;
        }
        // A title merged across the table is not a header even if it says «ФИО».
        if h.columns.len() == 1 && sheet.merged_across(row, *h.columns.values().next().unwrap_or(&0)) {
            continue;
        }
        if best.as_ref().is_none_or(|b| h.columns.len() > b.columns.len()) {
            best = Some(h);
        }
    }
    best
}

/// A header row of a table with its own vocabulary: the first column of each kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRow<C: Ord> {
    pub row: usize,
    pub columns: BTreeMap<C, usize>,
}

impl<C: Ord + Copy> HeaderRow<C> {
    pub fn col(&self, c: C) -> Option<usize> {
        self.columns.get(&c).copied()
    }
}

/// The first row among the top `scan_rows` whose headings, read with `classify`, make a
/// `complete` header (links files: a «Ссылка» column; plan tables: an event and a deadline).
pub fn find_first<C: Ord + Copy>(
    sheet: &Sheet,
    scan_rows: usize,
    classify: impl Fn(&str) -> Option<C>,
    complete: impl Fn(&HeaderRow<C>) -> bool,
) -> Option<HeaderRow<C>> {
    sheet.rows.iter().take(scan_rows).enumerate().find_map(|(row, cells)| {
        let mut h = HeaderRow {
            row,
            columns: BTreeMap::new(),
        };
        for (c, cell) in cells.iter().enumerate() {
            if let Some(kind) = classify(&cell.as_text()) {
                h.columns.entry(kind).or_insert(c);
            }
        }
        complete(&h).then_some(h)
    })
}

/// Whether `row` repeats the header (the group-header layout repeats it under each group).
pub fn is_header_repeat(sheet: &Sheet, row: usize, header: &Header) -> bool {
    let n = header.columns.len();
    // more than half of the columns, and at least two, must repeat their heading: a data
    // row is given up on at the first miss that makes that impossible
    let needed = (n / 2 + 1).max(2);
    let mut hits = 0;
    for (seen, (f, c)) in header.columns.iter().enumerate() {
        let cell = sheet.cell(row, *c);
        if !cell.is_empty() && classify(&cell.as_text()) == Some(*f) {
            hits += 1;
        } else if hits + (n - seen - 1) < needed {
            return false;
        }
    }
    hits >= needed
}

/// The columns a user should have, for the «header not found» fix text.
pub fn expected_columns_hint() -> &'static str {
    "«ФИО» (или «Фамилия», «Имя», «Отчество»), «Дата рождения», «Группа»/«Класс»; для родителей — «ФИО обучающегося», «ФИО родителя», «Кем приходится», «Телефон», «E-mail»; для сотрудников — «ФИО», «Должность», «Филиал», «Классное руководство»"
}

/// The columns of a teaching load, for the «header not found» fix text of a load.
pub fn teaching_columns_hint() -> &'static str {
    "нагрузки: «Учитель», «Класс»/«Группа», «Предмет», «Часы» (строка на учителя, класс и предмет), или таблица «Предмет» × классы («5А», «ИС-24-1») с ФИО учителя в ячейках, или «Учитель», «Предмет» и часы по классам"
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::table::text_sheet as sheet;

    #[test]
    fn synonyms() {
        assert_eq!(classify("Ф.И.О."), Some(Field::Fio));
        assert_eq!(classify("ФИО родителя (законного представителя)"), Some(Field::Parent));
        assert_eq!(classify("Родитель (законный представитель)"), Some(Field::Parent));
        assert_eq!(classify("Моб. телефон"), Some(Field::Phone));
        assert_eq!(classify("Электронная почта"), Some(Field::Email));
        assert_eq!(classify("Дата  рождения"), Some(Field::BirthDate));
        assert_eq!(classify("Класс"), Some(Field::Group));
        assert_eq!(classify("Объединение"), Some(Field::Group));
        assert_eq!(classify("Параллель"), Some(Field::Course));
        assert_eq!(classify("Корпус"), Some(Field::Branch));
        assert_eq!(classify("Классное руководство"), Some(Field::Curates));
        assert_eq!(classify("Степень родства"), Some(Field::Relation));
        assert_eq!(classify("Date of birth"), Some(Field::BirthDate));
        assert_eq!(classify("Иванов Иван"), None);
    }

    #[test]
    fn header_below_title_rows() {
        let s = sheet(&[
            &["ГБПОУ «Колледж»"],
            &["Список обучающихся"],
            &[],
            &["№", "ФИО", "Дата рождения", "Группа"],
            &["1", "Иванов Иван", "01.01.2008", "ИС-24-1"],
        ]);
        let h = find_header(&s, &BTreeMap::new()).unwrap();
        assert_eq!(h.row, 3);
        assert_eq!(h.col(Field::Fio), Some(1));
        assert_eq!(h.width, 4);
    }

    #[test]
    fn no_header() {
        let s = sheet(&[&["Примечания"], &["Списки сверены с журналом."]]);
        assert!(find_header(&s, &BTreeMap::new()).is_none());
    }

    #[test]
    fn a_member_export_header_with_the_roster_synonyms() {
        let s = sheet(&[
            &["Выгрузка участников чатов"],
            &[],
            &["ID", "Имя", "Фамилия", "Чат", "ID чата", "Роль в чате", "Телефон"],
            &["500", "Анна", "Иванова", "Родители ИС-1", "-101", "участник", "+7 912 000-00-01"],
        ]);
        let h = find_header(&s, &BTreeMap::new()).unwrap();
        assert_eq!(h.row, 2);
        let cols: Vec<Option<usize>> = [
            Field::Id,
            Field::FirstName,
            Field::Surname,
            Field::Chat,
            Field::ChatId,
            Field::Role,
            Field::Phone,
        ]
        .into_iter()
        .map(|f| h.col(f))
        .collect();
        assert_eq!(cols, (0..7).map(Some).collect::<Vec<_>>());
        // One «ФИО» column works as well as «Имя» and «Фамилия».
        let s = sheet(&[&["ID", "ФИО", "Чат"], &["1", "Иванов Иван", "ИС-1"]]);
        let h = find_header(&s, &BTreeMap::new()).unwrap();
        assert_eq!((h.row, h.col(Field::Fio), h.col(Field::Chat)), (0, Some(1), Some(2)));
    }

    #[test]
    fn synonyms_match_as_told_and_in_order() {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        enum K {
            A,
            B,
        }
        let syn = Synonyms {
            rules: &[
                (K::A, Match::Exact, &["код"]),
                (K::A, Match::Words, &["номер"]),
                (K::B, Match::Prefix, &["аудитори"]),
                (K::B, Match::Contains, &["срок", "номер"]),
            ],
            max_len: 40,
        };
        assert_eq!(syn.classify("Код"), Some(K::A));
        assert_eq!(syn.classify("Код группы"), None);
        assert_eq!(syn.classify("Номер (телефона)"), Some(K::A), "the first rule that matches wins");
        assert_eq!(syn.classify("Номерок"), Some(K::B), "not the word: a later rule decides");
        assert_eq!(syn.classify("Аудитория"), Some(K::B));
        assert_eq!(syn.classify("Срок исполнения"), Some(K::B));
        assert_eq!(syn.classify("Срок исполнения мероприятия"), None, "longer than max_len: a title");
        let s = sheet(&[&["Код"], &["Срок", "Код", "Аудитория"], &["Код", "Срок"]]);
        let h = find_first(&s, 10, |t| syn.classify(t), |h| h.columns.len() == 2).unwrap();
        assert_eq!(h.row, 1, "the first complete row");
        assert_eq!((h.col(K::A), h.col(K::B)), (Some(1), Some(0)), "the first column of each kind");
        assert!(find_first(&s, 1, |t| syn.classify(t), |h| h.columns.len() == 2).is_none());
    }
}
