use super::*;
use crate::problem::Location;
use crate::rollover::record::{StoredChat, StoredMove, StoredNew, Witness};
use crate::roster::{Group, GroupRef, Person};

const B: &str = "Школа";

fn mv(from: &str, fate: &str, to: Option<&str>) -> StoredMove {
    StoredMove {
        branch: B.into(),
        from: from.into(),
        course: None,
        fate: fate.into(),
        to: to.map(str::to_string),
        to_course: None,
        reason: None,
    }
}

fn stored() -> Stored {
    Stored {
        groups: vec![
            mv("4А", "advance", Some("5А")),
            mv("5А", "advance", Some("6А")),
            mv("9А", "advance", Some("10А")),
            mv("11А", "graduate", None),
        ],
        new_groups: vec![StoredNew {
            branch: B.into(),
            name: "1А".into(),
            course: None,
        }],
        chats: vec![
            chat(1, "5А", Some("6А"), Some("6А Родители")),
            chat(2, "9А", Some("10А"), None),
            chat(3, "11А", None, None),
        ],
        witnesses: ["w1", "w2", "w3"]
            .iter()
            .map(|id| Witness {
                id: id.to_string(),
                branch: B.into(),
                group: "5А".into(),
            })
            .collect(),
        ..Stored::default()
    }
}

fn chat(id: i64, group: &str, to: Option<&str>, title: Option<&str>) -> StoredChat {
    StoredChat {
        chat_id: id,
        branch: B.into(),
        group: group.into(),
        audience: "parents".into(),
        subject: None,
        to: to.map(str::to_string),
        title: title.map(str::to_string),
        entry: None,
    }
}

fn person(id: &str, group: &str) -> Person {
    Person {
        id: id.into(),
        kind: PersonKind::Student,
        name: crate::normalize::names::PersonName::parse_fio("Иванов Иван").unwrap(),
        birth_date: None,
        branches: vec![B.into()],
        groups: vec![GroupRef {
            branch: B.into(),
            group: group.into(),
        }],
        phone: None,
        email: None,
        snils_hash: None,
        login: None,
        external_id: None,
        found_at: vec![],
    }
}

fn roster(people: &[(&str, &str)], groups: &[&str]) -> Roster {
    Roster {
        people: people.iter().map(|(id, g)| person(id, g)).collect(),
        groups: groups
            .iter()
            .map(|g| Group {
                branch: B.into(),
                name: g.to_string(),
                course: None,
                curator_ids: vec![],
                found_at: Location::default(),
            })
            .collect(),
        ..Roster::default()
    }
}

fn cfg() -> Config {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rollout.toml"),
        "[organization]\nname = \"Школа\"\nprofile = \"school\"\n",
    )
    .unwrap();
    crate::config::Config::load(&dir.path().join("rollout.toml")).unwrap()
}

#[test]
fn the_witnesses_tell_last_years_lists_from_the_new_years() {
    let s = stored();
    let old = roster(&[("w1", "5А"), ("w2", "5А"), ("w3", "6А")], &["5А", "6А"]);
    assert_eq!(roster_year(&s, &old), (RosterYear::Before, 2, 1));
    let new = roster(&[("w1", "6А"), ("w2", "6А"), ("w3", "6А")], &["5А", "6А"]);
    assert_eq!(roster_year(&s, &new), (RosterYear::After, 0, 3));
    let none = roster(&[("x", "6А")], &["6А"]);
    assert_eq!(roster_year(&s, &none).0, RosterYear::Unclear);
}

#[test]
fn chats_follow_their_groups_and_graduating_chats_are_set_aside() {
    let now = roster(&[("w1", "6А")], &["5А", "6А", "11А", "10Т"]);
    let e = Effect::new(
        &cfg(),
        SchoolYear::new(2027),
        chrono::NaiveDate::from_ymd_opt(2027, 10, 1).unwrap(),
        stored(),
        &now,
    );
    let p = e.place(1).unwrap().unwrap();
    assert_eq!(p.group.as_deref(), Some("6А"));
    assert_eq!(e.title(1), Some("6А Родители"));
    // «10А» is not on the lists (renamed «10Т»): placed nowhere, with the reason.
    let why = e.place(2).unwrap().unwrap_err();
    assert!(why.contains("«10А»") && why.contains("[[chats.map]]"), "{why}");
    // «11А» graduates; a new «11А» on the lists is no reason to keep its chat (nobody
    // advances into it here, so it is kept: the group is still there).
    assert!(e.place(3).is_none());
    let without = roster(&[("w1", "6А")], &["5А", "6А", "10Т"]);
    let e = Effect::new(
        &cfg(),
        SchoolYear::new(2027),
        chrono::NaiveDate::from_ymd_opt(2027, 10, 1).unwrap(),
        stored(),
        &without,
    );
    let p = e.place(3).unwrap().unwrap();
    assert_eq!(p.group.as_deref(), Some("11А (выпуск)"));
    assert!(e.is_graduating(&p));
}

#[test]
fn an_entry_the_admin_changed_since_the_proposal_wins() {
    let mut c = cfg();
    c.chat_map.push(crate::config::ChatMapEntry {
        chat_id: 1,
        web_address: None,
        branch: None,
        group: Some("6Б".into()),
        audience: "parents".into(),
        subject: None,
        title: None,
        entry: 1,
    });
    let now = roster(&[], &["6А", "6Б"]);
    let e = Effect::new(
        &c,
        SchoolYear::new(2027),
        chrono::NaiveDate::from_ymd_opt(2027, 10, 1).unwrap(),
        stored(),
        &now,
    );
    assert!(e.place(1).is_none());
    assert_eq!(e.title(1), None);
}

#[test]
fn last_years_roster_is_read_in_the_new_names() {
    let s = stored();
    let mut prev = roster(&[("w1", "5А"), ("a", "4А"), ("g", "11А")], &["4А", "5А", "11А"]);
    translate_stored(&s, &mut prev);
    let groups: Vec<&str> = prev.people.iter().map(|p| p.groups[0].group.as_str()).collect();
    assert_eq!(groups, ["6А", "5А", "11А (выпуск)"]);
    // Already the new year's (the witnesses say so): left alone.
    let mut new = roster(&[("w1", "6А"), ("a", "5А")], &["5А", "6А"]);
    translate_stored(&s, &mut new);
    assert_eq!(new.people[1].groups[0].group, "5А");
}

#[test]
fn the_lists_are_compared_with_the_proposal() {
    let now = roster(&[], &["5А", "6А", "10Т", "11А"]);
    let notes = compare(&stored(), &now);
    let text = notes.join("\n");
    assert!(text.contains("«9А» → «10А», но группы «10А» нет в списках"), "{text}");
    assert!(text.contains("новой группы «1А» по предложению ещё нет в списках"), "{text}");
    assert!(text.contains("группы «10Т» нет в предложении"), "{text}");
    assert!(
        text.contains("группа «11А» по предложению выпускается, но она есть в списках"),
        "{text}"
    );
    assert_eq!(notes.len(), 4, "{text}");
    // One branch: not named.
    assert!(!text.contains("Школа:"), "{text}");
}
