use super::*;
use crate::problem::Location;
use crate::roster::{GroupRef, Guardian, StaffRole};
use chrono::NaiveDate;

fn student(id: &str, name: &str, birth: (i32, u32, u32), group: &str) -> Person {
    Person {
        id: id.into(),
        kind: PersonKind::Student,
        name: PersonName::parse_fio(name).unwrap(),
        birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2),
        branches: vec!["Главный".into()],
        groups: vec![GroupRef {
            branch: "Главный".into(),
            group: group.into(),
        }],
        phone: None,
        email: None,
        snils_hash: None,
        login: None,
        external_id: None,
        found_at: vec![Location::default()],
    }
}

fn adult(id: &str, kind: PersonKind, name: &str, phone: Option<&str>) -> Person {
    Person {
        id: id.into(),
        kind,
        name: PersonName::parse_fio(name).unwrap(),
        birth_date: None,
        branches: vec!["Главный".into()],
        groups: vec![],
        phone: phone.map(str::to_string),
        email: None,
        snils_hash: None,
        login: None,
        external_id: None,
        found_at: vec![],
    }
}

fn roster(people: Vec<Person>) -> Roster {
    Roster {
        people,
        ..Roster::default()
    }
}

fn ids(r: &Roster) -> Vec<&str> {
    r.people.iter().map(|p| p.id.as_str()).collect()
}

#[test]
fn a_corrected_name_keeps_the_id() {
    let before = roster(vec![
        student("s1", "Иванов Иван Иванович", (2010, 1, 1), "5А"),
        student("s2", "Петрова Анна", (2010, 2, 2), "5А"),
    ]);
    let mut now = roster(vec![
        student("s9", "Иванов Иван Ивановичь", (2010, 1, 1), "5А"),
        student("s2", "Петрова Анна", (2010, 2, 2), "5А"),
    ]);
    let pins = pin(&mut now, &before);
    assert_eq!(
        pins,
        vec![Pin {
            natural: "s9".into(),
            pinned: "s1".into(),
            kind: PersonKind::Student
        }]
    );
    assert_eq!(ids(&now), ["s1", "s2"]);
}

#[test]
fn a_corrected_birth_date_keeps_the_id() {
    let before = roster(vec![student("s1", "Иванов Иван", (2010, 1, 1), "5А")]);
    let mut now = roster(vec![student("s9", "Иванов Иван", (2010, 1, 11), "5А")]);
    assert_eq!(pin(&mut now, &before).len(), 1);
    assert_eq!(ids(&now), ["s1"]);
}

#[test]
fn another_child_in_the_group_is_not_the_one_who_left() {
    // Another name and another birth date: one left, one arrived.
    let before = roster(vec![student("s1", "Иванов Иван", (2010, 1, 1), "5А")]);
    let mut now = roster(vec![student("s9", "Сидоров Пётр", (2010, 1, 1), "5А")]);
    assert!(pin(&mut now, &before).is_empty());
    // The same corrected name in another group is not pinned either (no shared key).
    let mut elsewhere = roster(vec![student("s9", "Иванов Иван Ивановичь", (2010, 1, 1), "6Б")]);
    assert!(pin(&mut elsewhere, &before).is_empty());
}

#[test]
fn two_candidates_are_not_pinned() {
    let before = roster(vec![
        student("s1", "Иванов Иван", (2010, 1, 1), "5А"),
        student("s2", "Иванов Иван", (2010, 1, 2), "5А"),
    ]);
    let mut now = roster(vec![student("s9", "Иванов Иван", (2010, 1, 3), "5А")]);
    assert!(pin(&mut now, &before).is_empty());
    assert_eq!(ids(&now), ["s9"]);
    // One vanished id claimed by two new ones: neither.
    let before = roster(vec![student("s1", "Иванов Иван", (2010, 1, 1), "5А")]);
    let mut now = roster(vec![
        student("s8", "Иванов Иван", (2010, 1, 3), "5А"),
        student("s9", "Иванов Иван", (2010, 1, 4), "5А"),
    ]);
    assert!(pin(&mut now, &before).is_empty());
}

#[test]
fn a_parent_follows_the_pinned_child_and_a_phone() {
    let mut before = roster(vec![
        student("s1", "Иванов Иван", (2010, 1, 1), "5А"),
        adult("p1", PersonKind::Parent, "Иванова Анна Петровна", None),
    ]);
    before.guardians.push(Guardian {
        student_id: "s1".into(),
        parent_id: "p1".into(),
        relation: "мать".into(),
    });
    // The child's name corrected: the parent's id (keyed by the child) changes too.
    let mut now = roster(vec![
        student("s9", "Иванов Иоан", (2010, 1, 1), "5А"),
        adult("p9", PersonKind::Parent, "Иванова Анна Петровна", None),
    ]);
    now.guardians.push(Guardian {
        student_id: "s9".into(),
        parent_id: "p9".into(),
        relation: "мать".into(),
    });
    let pins = pin(&mut now, &before);
    assert_eq!(pins.len(), 2, "{pins:?}");
    assert_eq!(ids(&now), ["s1", "p1"]);
    assert_eq!(now.guardians[0].student_id, "s1");
    assert_eq!(now.guardians[0].parent_id, "p1");

    // A married parent: new surname, same phone, same first name and patronymic.
    let before = roster(vec![adult("p1", PersonKind::Parent, "Иванова Анна Петровна", Some("+79120000001"))]);
    let mut now = roster(vec![adult(
        "p9",
        PersonKind::Parent,
        "Сидорова Анна Петровна",
        Some("+79120000001"),
    )]);
    assert_eq!(pin(&mut now, &before).len(), 1);
    // Another person with the family's phone is not the one who left.
    let mut now = roster(vec![adult("p9", PersonKind::Parent, "Иванов Пётр Сергеевич", Some("+79120000001"))]);
    assert!(pin(&mut now, &before).is_empty());
}

#[test]
fn staff_keep_their_id_by_snils_and_curators_are_rewritten() {
    let mut a = adult("e1", PersonKind::Staff, "Учителева Галина Ивановна", None);
    a.snils_hash = Some("h1".into());
    let mut before = roster(vec![a.clone()]);
    before.staff_roles.push(StaffRole {
        person_id: "e1".into(),
        branch: "Главный".into(),
        position: "Учитель".into(),
        curated_groups: vec![],
    });
    let mut b = adult("e9", PersonKind::Staff, "Учительева Галина Ивановна", None);
    b.snils_hash = Some("h1".into());
    let mut now = roster(vec![b]);
    now.staff_roles.push(StaffRole {
        person_id: "e9".into(),
        branch: "Главный".into(),
        position: "Учитель".into(),
        curated_groups: vec!["5А".into()],
    });
    now.groups.push(crate::roster::Group {
        branch: "Главный".into(),
        name: "5А".into(),
        course: None,
        curator_ids: vec!["e9".into()],
        found_at: Location::default(),
    });
    now.teaching.push(crate::roster::Teaching {
        person_id: "e9".into(),
        branch: "Главный".into(),
        group: "5А".into(),
        subject: "Физика".into(),
        hours: None,
    });
    assert_eq!(pin(&mut now, &before).len(), 1);
    assert_eq!(now.staff_roles[0].person_id, "e1");
    assert_eq!(now.groups[0].curator_ids, ["e1"]);
    assert_eq!(now.teaching[0].person_id, "e1");
}

#[test]
fn stored_pins_apply_unless_the_id_is_taken() {
    let mut now = roster(vec![
        student("s9", "Иванов Иван", (2010, 1, 1), "5А"),
        student("s8", "Петров Пётр", (2010, 1, 1), "5А"),
        student("s2", "Сидоров Сидор", (2010, 1, 1), "5А"),
    ]);
    let pins: HashMap<String, String> = [("s9", "s1"), ("s8", "s2")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(apply_stored(&mut now, &pins), 1);
    assert_eq!(ids(&now), ["s1", "s8", "s2"]);
}

fn undated(id: &str, name: &str, group: &str) -> Person {
    Person {
        birth_date: None,
        ..student(id, name, (2010, 1, 1), group)
    }
}

#[test]
fn an_undated_student_keeps_the_id_by_the_same_full_name_in_the_branch() {
    // The previous roster as read across a rollover: «5А» already named «6А».
    let before = roster(vec![undated("s1", "Иванов Иван", "6А"), undated("s2", "Петров Пётр", "6А")]);
    let mut now = roster(vec![undated("s9", "Иванов Иван", "6А"), undated("s8", "Петров Павел", "6А")]);
    let pins = pin(&mut now, &before);
    assert_eq!(pins.len(), 1, "{pins:?}");
    assert_eq!(ids(&now), ["s1", "s8"]);
    // Another group of the branch (a class split, a transfer): the same full name keeps it.
    let mut elsewhere = roster(vec![undated("s9", "Иванов Иван", "7А")]);
    assert_eq!(pin(&mut elsewhere, &before).len(), 1);
    // Two namesakes now, one before: neither is pinned.
    let mut two = roster(vec![undated("s9", "Иванов Иван", "7А"), undated("s7", "Иванов Иван", "7Б")]);
    assert!(pin(&mut two, &before).is_empty());
    // A birth date on one side only is not this rule's.
    let mut dated = roster(vec![student("s9", "Иванов Иван Сергеевич", (2010, 1, 1), "6А")]);
    assert!(pin(&mut dated, &before).is_empty());
}
