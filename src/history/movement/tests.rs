use super::*;
use crate::normalize::names::PersonName;
use crate::problem::Location;
use crate::roster::{GroupRef, Person, StaffRole};

fn person(id: &str, kind: PersonKind, name: &str, group: Option<&str>, phone: Option<&str>) -> Person {
    Person {
        id: id.into(),
        kind,
        name: PersonName::parse_fio(name).unwrap(),
        birth_date: NaiveDate::from_ymd_opt(2010, 1, 1).filter(|_| kind == PersonKind::Student),
        branches: vec!["Главный".into()],
        groups: group
            .map(|g| {
                vec![GroupRef {
                    branch: "Главный".into(),
                    group: g.into(),
                }]
            })
            .unwrap_or_default(),
        phone: phone.map(str::to_string),
        email: None,
        snils_hash: None,
        login: None,
        external_id: None,
        found_at: vec![Location::default()],
    }
}

fn role(id: &str, position: &str, curated: &[&str]) -> StaffRole {
    StaffRole {
        person_id: id.into(),
        branch: "Главный".into(),
        position: position.into(),
        curated_groups: curated.iter().map(|s| s.to_string()).collect(),
    }
}

fn codes(changes: &[Change]) -> Vec<(String, &'static str, String, String, String)> {
    changes
        .iter()
        .map(|c| {
            (
                c.person_id.clone(),
                c.change.code(),
                c.field.clone(),
                c.group_from.clone(),
                c.group_to.clone(),
            )
        })
        .collect()
}

#[test]
fn every_kind_of_change_is_found_by_id() {
    let before = Roster {
        people: vec![
            person("s1", PersonKind::Student, "Иванов Иван", Some("5А"), None),
            person("s2", PersonKind::Student, "Петров Пётр", Some("5А"), None),
            person("s3", PersonKind::Student, "Сидоров Сидор", Some("5А"), None),
            person("s4", PersonKind::Student, "Орлов Олег", Some("5А"), None),
            person("p1", PersonKind::Parent, "Иванова Анна", None, Some("+79120000001")),
            person("e1", PersonKind::Staff, "Учителева Галина", None, None),
            person("e2", PersonKind::Staff, "Смирнова Ольга", None, None),
        ],
        staff_roles: vec![role("e1", "Учитель", &["5А"]), role("e2", "Учитель", &[])],
        ..Roster::default()
    };
    let mut s3 = person("s3", PersonKind::Student, "Сидоров Сидор", Some("5А"), None);
    s3.birth_date = NaiveDate::from_ymd_opt(2010, 1, 11);
    let after = Roster {
        people: vec![
            person("s2", PersonKind::Student, "Петров Пётр", Some("6Б"), None),
            s3,
            person("s4", PersonKind::Student, "Орлов Олежек", Some("5А"), None),
            person("s5", PersonKind::Student, "Новиков Ной", Some("5А"), None),
            person("p1", PersonKind::Parent, "Иванова Анна", None, Some("+79120000009")),
            person("e1", PersonKind::Staff, "Учителева Галина", None, None),
        ],
        staff_roles: vec![role("e1", "Завуч", &["6Б"])],
        ..Roster::default()
    };
    let changes = compare(&frames_of(&before).unwrap(), &frames_of(&after).unwrap()).unwrap();
    let s = |x: &str| x.to_string();
    assert_eq!(
        codes(&changes),
        vec![
            (s("s5"), "arrived", s(""), s(""), s("5А")),
            (s("s1"), "left", s(""), s("5А"), s("")),
            (s("e2"), "left", s(""), s(""), s("")),
            (s("s2"), "moved", s("group"), s("5А"), s("6Б")),
            (s("p1"), "contact", s("phone"), s(""), s("")),
            (s("s4"), "name", s("first_name"), s("5А"), s("5А")),
            (s("s3"), "birth_date", s("birth_date"), s("5А"), s("5А")),
            (s("e1"), "position", s("position"), s(""), s("")),
            (s("e1"), "curated_groups", s("curated_groups"), s("5А"), s("6Б")),
        ]
    );
    let counts = by_branch(&changes);
    assert_eq!(counts["Главный"].values().sum::<usize>(), 9);
}

#[test]
fn the_same_roster_has_no_movement() {
    let r = Roster {
        people: vec![person("s1", PersonKind::Student, "Иванов Иван", Some("5А"), None)],
        ..Roster::default()
    };
    assert!(compare(&frames_of(&r).unwrap(), &frames_of(&r).unwrap()).unwrap().is_empty());
}

#[test]
fn load_lines_that_came_and_went_and_a_respelled_subject_that_did_not() {
    let line = |id: &str, group: &str, subject: &str| crate::roster::Teaching {
        person_id: id.into(),
        branch: "Главный".into(),
        group: group.into(),
        subject: subject.into(),
        hours: Some(2.0),
    };
    let mut before = Roster {
        people: vec![person("e1", PersonKind::Staff, "Сидорова Ольга", None, None)],
        ..Roster::default()
    };
    let mut after = before.clone();
    before.teaching = vec![line("e1", "5А", "Физика"), line("e1", "6Б", "Химия")];
    after.teaching = vec![line("e1", "5А", "физика "), line("e1", "7В", "Химия")];
    let changes = compare(&frames_of(&before).unwrap(), &frames_of(&after).unwrap()).unwrap();
    let got: Vec<(&str, &str, &str, &str)> = changes
        .iter()
        .map(|c| (c.change.code(), c.field.as_str(), c.group_from.as_str(), c.group_to.as_str()))
        .collect();
    assert_eq!(got, vec![("joined", "Химия", "", "7В"), ("left", "Химия", "6Б", "")]);
    let counts = by_branch(&changes);
    assert_eq!(load_summary(&counts["Главный"]).as_deref(), Some("нагрузка: +1 / −1"));
    // A record without a load (made before it was kept) compares no load.
    let mut old = frames_of(&before).unwrap();
    old.teaching = None;
    assert!(compare(&old, &frames_of(&after).unwrap()).unwrap().is_empty());
}
