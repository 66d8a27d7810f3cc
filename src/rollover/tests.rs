use super::*;
use crate::config::RolloverConfig;
use crate::problem::Location;
use crate::profile::Profile;
use crate::roster::{Group, Roster};
use chrono::NaiveDate;

fn cfg() -> RolloverConfig {
    RolloverConfig::default()
}

fn advance(to: &str) -> Fate {
    Fate::Advance {
        to: to.into(),
        course: None,
    }
}

fn course(to: &str, course: &str) -> Fate {
    Fate::Advance {
        to: to.into(),
        course: Some(course.into()),
    }
}

fn y(start: i32) -> SchoolYear {
    SchoolYear::new(start)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn school_years_are_read_in_three_spellings() {
    for text in ["2027/28", "2027-2028", "2027/2028", " 2027 / 28 ", "2027–28", "2027—2028"] {
        assert_eq!(school_year(text), Ok(y(2027)), "{text}");
    }
    assert_eq!(y(2027).to_string(), "2027/28");
    assert_eq!(y(2099).to_string(), "2099/00");
    for text in ["2027", "27/28", "2027/29", "2027/2029", "2027/28/29", "", "две тысячи", "1999/00"] {
        let e = school_year(text).unwrap_err();
        assert!(e.contains("учебный год") && e.contains("2027/28"), "{text}: {e}");
    }
    assert!(school_year("2027/29").unwrap_err().contains("следовать"));
}

#[test]
fn the_year_a_day_is_in_starts_on_the_first_of_september() {
    assert_eq!(SchoolYear::containing(day("2026-08-31")), y(2025));
    assert_eq!(SchoolYear::containing(day("2026-09-01")), y(2026));
    assert_eq!(SchoolYear::containing(day("2027-01-15")), y(2026));
    assert_eq!(y(2026).next(), y(2027));
    assert_eq!(y(2026).first_day(), day("2026-09-01"));
}

#[test]
fn the_target_year_is_this_or_the_next_one() {
    // In June 2027 the roster is in 2026/27: rolling into 2027/28 is right.
    assert_eq!(check_target(y(2027), day("2027-06-20")), Ok(()));
    // A late rollover in September: the year has begun.
    assert_eq!(check_target(y(2027), day("2027-09-05")), Ok(()));
    let e = check_target(y(2029), day("2027-06-20")).unwrap_err();
    assert!(e.contains("2029/30") && e.contains("2027/28"), "{e}");
    assert!(check_target(y(2025), day("2027-06-20")).is_err());
    // The current year only in its first months: in June 2027, 2026/27 is nearly over.
    assert_eq!(check_target(y(2027), day("2027-12-31")), Ok(()));
    let e = check_target(y(2026), day("2027-06-20")).unwrap_err();
    assert!(e.contains("2026/27 уже заканчивается") && e.contains("2027/28"), "{e}");
}

#[test]
fn school_grades_advance_in_their_own_spelling() {
    let next = |name: &str| next_group(Profile::School, &cfg(), y(2027), name, None);
    assert_eq!(next("5А"), advance("6А"));
    assert_eq!(next("5 А"), advance("6 А"));
    assert_eq!(next("5-а"), advance("6-а"));
    assert_eq!(next("5A"), advance("6A"), "a Latin letter stays as written");
    assert_eq!(next(" 5а "), advance("6а"));
    assert_eq!(next("5 «А»"), advance("6 «А»"));
    assert_eq!(next("9Б класс"), advance("10Б класс"));
    assert_eq!(next("10 ФМ"), advance("11 ФМ"));
    assert_eq!(next("1"), advance("2"));
    assert_eq!(next("5\u{a0}А"), advance("6\u{a0}А"), "a no-break space stays");
    assert_eq!(next("5a"), advance("6a"));
    assert_eq!(next("5 – Б"), advance("6 – Б"));
    assert_eq!(next("  11 А  "), Fate::Graduate);
    assert_eq!(next("11-Б класс"), Fate::Graduate);
    assert_eq!(next("2024 выпуск"), Fate::Keep);
    assert_eq!(next(""), Fate::Keep);
    assert_eq!(next("11А"), Fate::Graduate);
    assert_eq!(next("11"), Fate::Graduate);
    assert_eq!(next("Юный техник"), Fate::Keep);
    assert_eq!(next("Хор «Радуга»"), Fate::Keep);
    assert!(matches!(next("3D-моделирование"), Fate::Unknown { .. }));
    assert!(matches!(next("5А1"), Fate::Unknown { .. }));
    assert!(matches!(next("12А"), Fate::Unknown { .. }));
    let basic = RolloverConfig { last_grade: 9, ..cfg() };
    assert_eq!(next_group(Profile::School, &basic, y(2027), "9Б", None), Fate::Graduate);
    assert_eq!(next_group(Profile::School, &basic, y(2027), "8Б", None), advance("9Б"));
    match next_group(Profile::School, &basic, y(2027), "10А", None) {
        Fate::Unknown { reason } => assert!(reason.contains("last_grade"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn college_groups_keep_their_code_and_advance_a_course() {
    let c = RolloverConfig {
        last_course_by_prefix: [("ПК".to_string(), 3)].into(),
        ..cfg()
    };
    let next = |name: &str, course: Option<&str>| next_group(Profile::College, &c, y(2026), name, course);
    assert_eq!(next("ИС-24-1", Some("2")), course("ИС-24-1", "3"));
    assert_eq!(next("ИС-24-1", Some("2 курс")), course("ИС-24-1", "3 курс"));
    assert_eq!(next("ИС-22-1", Some("4")), Fate::Graduate);
    assert_eq!(next("ПК-23-1", Some("3")), Fate::Graduate, "the prefix's own last course");
    assert_eq!(next("пк 23", Some("3")), Fate::Graduate, "the prefix in any case");
    assert_eq!(next("ПK-23-1", Some("3")), Fate::Graduate, "a Latin look-alike K");
    assert_eq!(next("ПКС-23-1", Some("3")), course("ПКС-23-1", "4"), "another prefix");
    // No course: the admission year in the code says it (admitted 2024 → course 3 in 2026/27).
    assert_eq!(next("ИС-24-1", None), course("ИС-24-1", "3"));
    assert_eq!(next("ИС-25-2", None), course("ИС-25-2", "2"));
    assert_eq!(next("ИС-23-1", None), course("ИС-23-1", "4"));
    assert_eq!(next("ИС-22-1", None), Fate::Graduate);
    assert_eq!(next("ПК-24-1", None), course("ПК-24-1", "3"));
    assert_eq!(next("ПК-23-1", None), Fate::Graduate);
    assert!(matches!(next("ИС-20-1", None), Fate::Unknown { .. }), "course 6 is past the last");
    assert_eq!(next("1-ИС-2024", None), course("1-ИС-2024", "3"));
    for (name, course) in [
        ("Юный техник", None),
        ("ИС-1", None),
        ("ИС-26-1", None),
        ("ИС-24-1", Some("седьмой")),
    ] {
        match next(name, course) {
            Fate::Unknown { reason } => assert!(!reason.is_empty()),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(next("ИС-24-1", Some("седьмой")), next("ИС-24-1", Some("седьмой")));
}

#[test]
fn kindergarten_groups_move_up_the_list() {
    let next = |name: &str| next_group(Profile::Kindergarten, &cfg(), y(2026), name, None);
    assert_eq!(next("Младшая группа «Пчёлки»"), advance("Средняя группа «Пчёлки»"));
    assert_eq!(next("Ясельная"), advance("Младшая"));
    assert_eq!(next("Группа «Солнышко» (старшая)"), advance("Группа «Солнышко» (подготовительная)"));
    assert_eq!(next("СРЕДНЯЯ группа"), advance("СТАРШАЯ группа"));
    assert_eq!(next("Подготовительная группа «Звёздочки»"), Fate::Graduate);
    assert!(matches!(next("Пчёлки"), Fate::Unknown { .. }));
    let mine = RolloverConfig {
        kindergarten_groups: vec!["Первая младшая".into(), "Вторая младшая".into(), "Средняя".into()],
        ..cfg()
    };
    let next = |name: &str| next_group(Profile::Kindergarten, &mine, y(2026), name, None);
    assert_eq!(next("Первая младшая группа"), advance("Вторая младшая группа"));
    assert_eq!(next("Вторая младшая «Ёжики»"), advance("Средняя «Ёжики»"));
    assert_eq!(next("Средняя"), Fate::Graduate);
    assert!(matches!(next("Младшая"), Fate::Unknown { .. }));
}

#[test]
fn supplementary_associations_stay() {
    assert_eq!(next_group(Profile::Supplementary, &cfg(), y(2026), "Юный техник", None), Fate::Keep);
    assert_eq!(next_group(Profile::Supplementary, &cfg(), y(2026), "5А", None), Fate::Keep);
}

#[test]
fn titles_carry_the_group_as_written() {
    let r = |t: &str, from: &str, to: &str| rename_title(t, from, to).unwrap();
    assert_eq!(r("5А Родители", "5А", "6А"), Some("6А Родители".into()));
    assert_eq!(r("Родители 5 А класса", "5А", "6А"), Some("Родители 6 А класса".into()));
    assert_eq!(r("Учителя 5А", "5А", "6А"), Some("Учителя 6А".into()));
    assert_eq!(r("5А Физика", "5А", "6А"), Some("6А Физика".into()));
    assert_eq!(r("5-а родители", "5А", "6А"), Some("6-а родители".into()));
    assert_eq!(r("5A Родители", "5А", "6А"), Some("6A Родители".into()), "Latin A stays");
    assert_eq!(r("Родители 5 «А»", "5 А", "6 А"), Some("Родители 6 «А»".into()));
    assert_eq!(r("9Б — выпуск", "9Б", "10Б"), Some("10Б — выпуск".into()));
    assert_eq!(r("5a родители", "5А", "6А"), Some("6a родители".into()));
    assert_eq!(r("Родители 5\u{a0}А", "5А", "6А"), Some("Родители 6\u{a0}А".into()));
    assert_eq!(r("«5А» — родители", "5А", "6А"), Some("«6А» — родители".into()));
    assert_eq!(r("ИС-24-1 Студенты", "ИС-24-1", "ИС-25-1"), Some("ИС-25-1 Студенты".into()));
    // Whole tokens only.
    assert_eq!(
        r("Родители 5 а также 7Б", "5А", "6А"),
        Some("Родители 6 а также 7Б".into()),
        "a known limit: «5 а» reads as the class"
    );
    assert_eq!(r("5 Астрономия", "5А", "6А"), None);
    assert_eq!(r("15А Родители", "5А", "6А"), None);
    assert_eq!(r("5АБ Родители", "5А", "6А"), None);
    assert_eq!(r("5Б Родители", "5А", "6А"), None);
    assert_eq!(r("Родители 5", "5А", "6А"), None);
    assert_eq!(r("Учительская", "5А", "6А"), None);
    // A college group keeps its name: nothing to rename.
    assert_eq!(r("ИС-24-1 Студенты", "ИС-24-1", "ИС-24-1"), None);
    // Kindergarten.
    assert_eq!(
        r(
            "Младшая группа «Пчёлки» — родители",
            "Младшая группа «Пчёлки»",
            "Средняя группа «Пчёлки»"
        ),
        Some("Средняя группа «Пчёлки» — родители".into())
    );
    assert_eq!(
        r("младшая группа Пчёлки", "Младшая группа «Пчёлки»", "Средняя группа «Пчёлки»"),
        Some("средняя группа Пчёлки".into())
    );
    assert_eq!(r("Пчёлки родители", "Младшая группа «Пчёлки»", "Средняя группа «Пчёлки»"), None);
    // Every occurrence.
    assert_eq!(r("5А: 5 а класс", "5А", "6А"), Some("6А: 6 а класс".into()));
}

#[test]
fn a_title_over_the_api_limit_is_an_error() {
    let long = format!("5А {}", "я".repeat(197));
    assert_eq!(long.chars().count(), 200);
    assert_eq!(rename_title(&long, "5А", "6А"), Ok(Some(format!("6А {}", "я".repeat(197)))));
    let e = rename_title(&long, "9А", "10А").map(|_| ());
    assert_eq!(e, Ok(()));
    let long9 = format!("9А {}", "я".repeat(197));
    let e = rename_title(&long9, "9А", "10А").unwrap_err();
    assert!(e.contains("200"), "{e}");
}

#[test]
fn first_years_arrive_in_the_lowest_grade_with_its_letters() {
    let first = |groups: &[&str], c: &RolloverConfig| first_year_groups(Profile::School, c, y(2027), groups, 0);
    assert_eq!(first(&["1А", "1 Б", "2А", "11А"], &cfg()), ["1А", "1 Б"]);
    assert_eq!(first(&["2А", "3А", "2В"], &cfg()), ["1А", "1В"]);
    assert_eq!(first(&["5А", "5Б", "6А"], &cfg()), ["5А", "5Б"], "a school from grade 5");
    assert_eq!(first(&["10А", "11А"], &cfg()), ["10А"], "a senior school");
    assert_eq!(first(&["7А", "8А"], &cfg()), ["5А"]);
    let from_first = RolloverConfig {
        first_grade: Some(1),
        ..cfg()
    };
    assert_eq!(first(&["5А", "5Б"], &from_first), ["1А", "1Б"]);
    assert!(first(&["Юный техник"], &cfg()).is_empty());
}

#[test]
fn first_years_of_a_college_per_prefix() {
    let got = first_year_groups(
        Profile::College,
        &cfg(),
        y(2026),
        &["ИС-24-1", "ИС-25-1", "ИС-25-2", "БУ-24-1", "ПК-2025", "ИС-1", "Юный техник"],
        0,
    );
    // «БУ» admitted nobody last year: no first-years of its own.
    assert_eq!(got, ["ИС-26-1", "ИС-26-2", "ПК-2026"]);
    // Codes a year behind (`code_offset` −1): «ИС-25-1» is the first course of 2026/27.
    let lagging = first_year_groups(Profile::College, &cfg(), y(2027), &["ИС-25-1", "ИС-24-1"], -1);
    assert_eq!(lagging, ["ИС-26-1"]);
}

#[test]
fn first_years_of_a_kindergarten_and_of_supplementary() {
    assert_eq!(
        first_year_groups(Profile::Kindergarten, &cfg(), y(2026), &["Младшая группа «Пчёлки»"], 0),
        ["Ясельная"]
    );
    assert!(first_year_groups(Profile::Supplementary, &cfg(), y(2026), &["Юный техник"], 0).is_empty());
}

fn group(branch: &str, name: &str, course: Option<&str>) -> Group {
    Group {
        branch: branch.into(),
        name: name.into(),
        course: course.map(Into::into),
        curator_ids: vec![],
        found_at: Location::default(),
    }
}

#[test]
fn a_proposal_for_a_small_school() {
    let roster = Roster {
        groups: vec![
            group("Главный корпус", "1А", None),
            group("Главный корпус", "5А", None),
            group("Главный корпус", "11А", None),
            group("Главный корпус", "Юный техник", None),
            group("Главный корпус", "5А1", None),
            group("Главный корпус", "9Б", None),
        ],
        ..Roster::default()
    };
    let chats = vec![
        (1, "5А Родители".to_string(), Some("5А".to_string())),
        (2, "Родители 1 А класса".to_string(), None),
        (3, "11А Выпуск".to_string(), Some("11А".to_string())),
        (4, "Учительская".to_string(), None),
        (5, "Юный техник".to_string(), Some("Юный техник".to_string())),
        (6, format!("9 б {}", "я".repeat(196)), Some("9б".to_string())),
    ];
    let p = propose(Profile::School, &cfg(), y(2027), &roster, &chats);
    assert_eq!(p.year, y(2027));
    let mapping: Vec<(&str, &Fate)> = p.mapping.iter().map(|m| (m.from.as_str(), &m.fate)).collect();
    assert_eq!(mapping[0], ("1А", &advance("2А")));
    assert_eq!(mapping[1], ("5А", &advance("6А")));
    assert_eq!(mapping[2], ("11А", &Fate::Graduate));
    assert_eq!(mapping[3], ("Юный техник", &Fate::Keep));
    assert!(matches!(mapping[4], ("5А1", Fate::Unknown { .. })));
    assert_eq!(p.graduating, [("Главный корпус".to_string(), "11А".to_string())]);
    assert_eq!(
        p.new_groups,
        [NewGroup {
            branch: "Главный корпус".into(),
            name: "1А".into(),
            course: None
        }]
    );
    let renames: Vec<(i64, &str, &str)> = p
        .renames
        .iter()
        .map(|r| (r.chat_id, r.from_title.as_str(), r.to_title.as_str()))
        .collect();
    assert_eq!(
        renames,
        [(1, "5А Родители", "6А Родители"), (2, "Родители 1 А класса", "Родители 2 А класса")]
    );
    assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
    assert!(p.problems.iter().any(|x| x.contains("5А1")), "{:?}", p.problems);
    assert!(
        p.problems.iter().any(|x| x.contains("чат 6") && x.contains("200")),
        "{:?}",
        p.problems
    );
}

#[test]
fn a_proposal_for_a_college_renames_nothing_and_names_a_clash() {
    let roster = Roster {
        groups: vec![
            group("Главный корпус", "ИС-23-1", Some("3")),
            group("Главный корпус", "ИС-22-1", Some("4")),
            group("Главный корпус", "ИС-25-1", None),
        ],
        ..Roster::default()
    };
    let chats = vec![(1, "ИС-23-1 Студенты".to_string(), Some("ИС-23-1".to_string()))];
    let p = propose(Profile::College, &cfg(), y(2026), &roster, &chats);
    assert_eq!(p.mapping[0].fate, course("ИС-23-1", "4"));
    assert_eq!(p.mapping[1].fate, Fate::Graduate);
    assert_eq!(p.mapping[2].fate, course("ИС-25-1", "2"));
    assert!(p.renames.is_empty());
    assert_eq!(
        p.new_groups,
        [NewGroup {
            branch: "Главный корпус".into(),
            name: "ИС-26-1".into(),
            course: Some("1".into())
        }]
    );
    assert!(p.problems.is_empty(), "{:?}", p.problems);

    // A grade that advances into a group that stays is named for the admin.
    let roster = Roster {
        groups: vec![
            group("Главный корпус", "5А", None),
            group("Главный корпус", "6А1", None),
            group("Главный корпус", "6 а", None),
        ],
        ..Roster::default()
    };
    let p = propose(Profile::School, &cfg(), y(2027), &roster, &[]);
    assert!(
        p.problems.iter().all(|x| !x.contains("«5А» → «6А»")),
        "6 а advances too: {:?}",
        p.problems
    );
    let roster = Roster {
        groups: vec![group("Главный корпус", "5А", None), group("Главный корпус", "5 а", None)],
        ..Roster::default()
    };
    let p = propose(Profile::School, &cfg(), y(2027), &roster, &[]);
    assert!(
        p.problems.iter().any(|x| x.contains("«6А»") && x.contains("«6 а»")),
        "{:?}",
        p.problems
    );
}

#[test]
fn the_grace_date_counts_from_the_proposal() {
    assert_eq!(grace_date(day("2027-06-20"), &cfg()), day("2027-07-20"));
}

#[test]
fn a_colleges_way_of_counting_courses_by_code_is_learnt_from_its_groups_with_both() {
    // 2026/27 on the roster, rolling into 2027/28: codes lag a year here («ИС-25-1» is a
    // first-year group).
    let to = y(2027);
    let groups = [("ИС-25-1", Some("1")), ("ИС-23-1", Some("3 курс")), ("ЛФ-23-1", None)];
    assert_eq!(rules::code_offset(to, &groups), -1);
    assert_eq!(rules::course_by_code(to, "ЛФ-23-1", -1).as_deref(), Some("3"));
    // Disagreeing groups, or a single one, teach nothing.
    assert_eq!(rules::code_offset(to, &[("ИС-25-1", Some("1")), ("ИС-23-1", Some("4"))]), 0);
    assert_eq!(rules::code_offset(to, &[("ИС-25-1", Some("1"))]), 0);
    // Through the proposal: «ЛФ-23-1» goes on to course 4 instead of graduating.
    let mut roster = Roster::default();
    for (name, course) in groups {
        roster.groups.push(Group {
            branch: "Главный".into(),
            name: name.into(),
            course: course.map(str::to_string),
            curator_ids: vec![],
            found_at: Location::default(),
        });
    }
    let p = propose(Profile::College, &cfg(), to, &roster, &[]);
    assert_eq!(p.mapping[2].fate, course("ЛФ-23-1", "4"));
    assert!(p.graduating.is_empty(), "{:?}", p.graduating);
}

#[test]
fn the_admins_word_on_a_group_wins_over_the_rules() {
    let mut c = cfg();
    c.groups.insert("Пчёлки".into(), "Пчёлки".into());
    c.groups.insert("Солнышко".into(), "выпуск".into());
    let mut roster = Roster::default();
    for name in ["Пчёлки", "Солнышко", "Непоседы"] {
        roster.groups.push(Group {
            branch: "Сад".into(),
            name: name.into(),
            course: None,
            curator_ids: vec![],
            found_at: Location::default(),
        });
    }
    let p = propose(Profile::Kindergarten, &c, y(2027), &roster, &[]);
    assert_eq!(p.mapping[0].fate, advance("Пчёлки"));
    assert_eq!(p.mapping[1].fate, Fate::Graduate);
    assert!(matches!(p.mapping[2].fate, Fate::Unknown { .. }));
    assert_eq!(p.graduating, vec![("Сад".to_string(), "Солнышко".to_string())]);
}
