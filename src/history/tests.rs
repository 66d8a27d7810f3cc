use super::*;
use crate::normalize::names::PersonName;
use crate::roster::Teaching;

fn person(id: &str, kind: PersonKind, name: &str, group: Option<(&str, &str)>) -> Person {
    Person {
        id: id.into(),
        kind,
        name: PersonName::parse_fio(name).unwrap(),
        birth_date: NaiveDate::from_ymd_opt(2010, 3, 1).filter(|_| kind == PersonKind::Student),
        branches: vec![group.map(|g| g.0).unwrap_or("Главный").to_string()],
        groups: group
            .map(|(b, g)| {
                vec![GroupRef {
                    branch: b.into(),
                    group: g.into(),
                }]
            })
            .unwrap_or_default(),
        phone: (kind == PersonKind::Parent).then(|| "+79001234567".to_string()),
        email: None,
        snils_hash: None,
        login: None,
        external_id: Some("42".into()),
        found_at: vec![Location::default()],
    }
}

fn sample() -> Roster {
    Roster {
        people: vec![
            person("s1", PersonKind::Student, "Иванов Иван Иванович", Some(("Главный", "5А"))),
            person("s2", PersonKind::Student, "Петрова Анна", Some(("Главный", "6Б"))),
            person("p1", PersonKind::Parent, "Иванова Мария Петровна", None),
            person("e1", PersonKind::Staff, "Сидорова Ольга Ивановна", None),
        ],
        groups: vec![Group {
            branch: "Главный".into(),
            name: "5А".into(),
            course: None,
            curator_ids: vec!["e1".into()],
            found_at: Location::default(),
        }],
        guardians: vec![Guardian {
            student_id: "s1".into(),
            parent_id: "p1".into(),
            relation: "мать".into(),
        }],
        staff_roles: vec![StaffRole {
            person_id: "e1".into(),
            branch: "Главный".into(),
            position: "учитель".into(),
            curated_groups: vec!["5А".into()],
        }],
        teaching: Vec::new(),
        load_gaps: Vec::new(),
        dropped: Vec::new(),
    }
}

#[test]
fn a_roster_is_recorded_once_and_reads_back_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let roster = sample();
    let (first, new) = record(tmp.path(), &roster, "diff", day).unwrap();
    assert!(new);
    assert_eq!((first.run, first.students, first.parents, first.staff), (1, 2, 1, 1));
    let (again, new) = record(tmp.path(), &roster, "run", day).unwrap();
    assert!(!new);
    assert_eq!(again, first);
    let back = load(tmp.path(), 1).unwrap();
    assert_eq!(content_hash(&back), first.hash);
    assert_eq!(back.people[0].branches, vec!["Главный".to_string()]);

    let mut changed = roster.clone();
    changed.people.pop();
    let (second, new) = record(tmp.path(), &changed, "run", day).unwrap();
    assert!(new);
    assert_eq!(second.run, 2);
    assert_eq!(list(tmp.path()).unwrap().iter().map(|i| i.run).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(find(tmp.path(), &first.hash).unwrap().map(|i| i.run), Some(1));
    assert!(load(tmp.path(), 7).unwrap_err().to_string().contains("нет списка № 7"));
}

#[cfg(unix)]
#[test]
fn the_history_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    record(tmp.path(), &sample(), "diff", day).unwrap();
    let d = dir(tmp.path());
    assert_eq!(std::fs::metadata(&d).unwrap().permissions().mode() & 0o777, 0o700);
    for e in std::fs::read_dir(d.join("1")).unwrap() {
        let e = e.unwrap();
        assert_eq!(e.metadata().unwrap().permissions().mode() & 0o077, 0, "{:?}", e.path());
    }
}

#[test]
fn forgetting_keeps_the_latest_record_and_the_one_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let mut roster = sample();
    let mut hashes = Vec::new();
    for d in 1..=4 {
        roster.people[1].name.first_name = format!("Анна{d}");
        hashes.push(record(tmp.path(), &roster, "diff", day(d)).unwrap().0.hash);
    }
    let removed = forget_before(tmp.path(), day(30), Some(&hashes[1])).unwrap();
    assert_eq!(removed, vec![1, 3]);
    assert_eq!(list(tmp.path()).unwrap().iter().map(|i| i.run).collect::<Vec<_>>(), vec![2, 4]);
    assert_eq!(forget_before(tmp.path(), day(30), None).unwrap(), vec![2]);
}

fn line(person: &str, group: &str, subject: &str, hours: Option<f64>) -> Teaching {
    Teaching {
        person_id: person.into(),
        branch: "Главный".into(),
        group: group.into(),
        subject: subject.into(),
        hours,
    }
}

#[test]
fn the_load_is_recorded_hashed_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let plain = sample();
    let mut loaded = sample();
    loaded.teaching = vec![line("e1", "5А", "Физика", Some(2.0)), line("e1", "6Б", "Химия", None)];
    // A roster without a load hashes as before the load was kept; a load changes the hash.
    assert_ne!(content_hash(&plain), content_hash(&loaded));
    let mut more = loaded.clone();
    more.teaching[0].hours = Some(3.0);
    assert_ne!(content_hash(&loaded), content_hash(&more));

    let (info, _) = record(tmp.path(), &loaded, "ingest", day).unwrap();
    let back = load_record(tmp.path(), info.run).unwrap();
    assert!(back.load_known);
    assert_eq!(back.roster.teaching, loaded.teaching);
    assert_eq!(content_hash(&back.roster), info.hash);
    // An unchanged load is not recorded again.
    assert!(!record(tmp.path(), &loaded, "diff", day).unwrap().1);

    // A roster with no load still records an (empty) load table: known, and empty.
    let (plain_info, _) = record(tmp.path(), &plain, "ingest", day).unwrap();
    let back = load_record(tmp.path(), plain_info.run).unwrap();
    assert!(back.load_known);
    assert!(back.roster.teaching.is_empty());
}

#[test]
fn a_record_from_before_the_load_has_an_unknown_load() {
    let tmp = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let (info, _) = record(tmp.path(), &sample(), "ingest", day).unwrap();
    let d = dir(tmp.path()).join(info.run.to_string());
    std::fs::remove_file(d.join(TEACHING)).unwrap();
    let back = load_record(tmp.path(), info.run).unwrap();
    assert!(!back.load_known);
    assert!(back.roster.teaching.is_empty());
    assert_eq!(content_hash(&back.roster), info.hash);
    // Still whole: the same roster is not recorded again.
    assert!(!record(tmp.path(), &sample(), "diff", day).unwrap().1);
}

#[test]
fn a_damaged_load_table_is_a_damaged_record() {
    let tmp = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let mut roster = sample();
    roster.teaching = vec![line("e1", "5А", "Физика", Some(2.0))];
    let (info, _) = record(tmp.path(), &roster, "ingest", day).unwrap();
    let path = dir(tmp.path()).join(info.run.to_string()).join(TEACHING);
    std::fs::write(&path, b"not parquet").unwrap();
    let e = load_record(tmp.path(), info.run).err().unwrap().to_string();
    assert!(
        e.contains("teaching.parquet — запись истории списков повреждена (это не таблица Parquet или она обрывается)"),
        "{e}"
    );
}
