//! The kindergarten sample: a children list, a parents' export (pupils in a
//! «Воспитанник» column) and a staff list whose «Воспитатель» rows name their group.

use crate::common::{self, BAD_PHONES, PCol, ParentMarks, StaffEntry, phone_cell, pick_plain, toml_str};
use crate::date::Date;
use crate::names;
use crate::planted::Planted;
use crate::rng::Rng;
use crate::table::{self, Mark, Row, RowKind, Sheet, V};
use crate::world::World;
use crate::write;
use anyhow::Result;
use std::collections::HashSet;
use std::path::Path;

const ORG: &str = "МАДОУ «Детский сад № 12 «Солнышко»»";
const F_CHILDREN: &str = "sources/Список_воспитанников.xlsx";
const F_PARENTS: &str = "sources/Родители.xlsx";
const F_STAFF: &str = "sources/Сотрудники.xlsx";
const PARENTS_BORN: (i32, i32) = (1983, 2001);
const GROUP_NAMES: &[&str] = &[
    "Пчёлки",
    "Звёздочки",
    "Гномики",
    "Ромашки",
    "Колокольчики",
    "Капельки",
    "Ладушки",
    "Почемучки",
    "Светлячки",
    "Лучики",
    "Теремок",
    "Непоседы",
    "Одуванчики",
    "Васильки",
    "Незабудки",
    "Берёзка",
    "Рябинка",
    "Ягодка",
    "Белочки",
    "Зайчата",
    "Медвежата",
    "Журавушка",
    "Кораблик",
    "Радуга",
    "Смешарики",
    "Дюймовочка",
    "Гнёздышко",
    "Золотой ключик",
    "Пингвинята",
    "Ёжики",
];

struct Group {
    name: String,
    /// 0: the youngest (born 2022/23) … 3: the eldest (born 2019/20)
    age: u32,
    students: Vec<usize>,
}

fn birth_range(age: u32) -> (Date, Date) {
    let y = 2022 - age as i32;
    (Date::new(y, 9, 1), Date::new(y + 1, 8, 31))
}

pub fn build(seed: u64, scale: u32, dir: &Path) -> Result<Planted> {
    let mut w = World::new(Rng::derive(seed, "kindergarten"));
    let mut planted = Planted::new(seed, scale);
    let mut used: HashSet<usize> = HashSet::new();
    let mut prng = Rng::derive(seed, "kindergarten/plant");

    let n_groups = 4 * scale as usize;
    let mut groups: Vec<Group> = (0..n_groups)
        .map(|i| {
            let base = GROUP_NAMES[i % GROUP_NAMES.len()];
            let round = i / GROUP_NAMES.len();
            let name = if round == 0 {
                base.to_string()
            } else {
                format!("{base}-{}", round + 1)
            };
            Group {
                name,
                age: (i % 4) as u32,
                students: Vec::new(),
            }
        })
        .collect();
    for (gi, g) in groups.iter_mut().enumerate() {
        let n = w.rng.range(16, 22);
        let (from, to) = birth_range(g.age);
        for _ in 0..n {
            let s = w.student(gi, from, to, PARENTS_BORN);
            g.students.push(s);
        }
    }
    // siblings in two groups
    loop {
        let elder = pick_plain(&w, &mut prng, &groups[3].students, &mut used);
        let fam = w.students_list[elder].family;
        let (from, to) = birth_range(groups[0].age);
        if let Some(s) = w.child(fam, 0, from, to, None) {
            groups[0].students.push(s);
            used.insert(s);
            break;
        }
    }
    for g in groups.iter_mut() {
        common::sort_students(&w, &mut g.students);
    }

    let orphan = pick_plain(&w, &mut prng, &groups[1].students, &mut used);
    let mut pmarks = ParentMarks::default();
    {
        let s = pick_plain(&w, &mut prng, &groups[2].students, &mut used);
        let f = w.students_list[s].family;
        let p = w.families[f].parents[0].p.clone();
        w.families[f].parents[0].phone = Some(BAD_PHONES[0].into());
        if w.families[f].parents[0].email.is_none() {
            w.families[f].parents[0].email = Some(w.email(&p, 1990));
        }
        pmarks
            .cells
            .entry((f, 0))
            .or_default()
            .push((PCol::Phone, Mark::new("bad-phone", "too few digits; the parent has a valid e-mail")));
        let s = pick_plain(&w, &mut prng, &groups[0].students, &mut used);
        pmarks.duplicate.insert((s, 0));
    }

    let src = dir.join("sources");
    std::fs::create_dir_all(&src)?;
    let mut nrng = Rng::derive(seed, "kindergarten/noise");

    // 1. Children list: flat table with titles and a totals line, date cells.
    {
        let mut sh = Sheet::new("Воспитанники", 4, 1);
        sh.widths = vec![6.0, 38.0, 14.0, 16.0];
        sh.push(Row::text(RowKind::Title, ORG));
        sh.push(Row::text(RowKind::Title, "Списочный состав на 01.10.2025"));
        sh.push(Row::header(&["№", "ФИО", "Дата рождения", "Группа"]));
        let mut n = 0;
        for g in &groups {
            for &s in &g.students {
                let st = &w.students_list[s];
                n += 1;
                let mut row = Row::new(
                    RowKind::Data,
                    vec![V::Int(n), V::text(st.p.full()), V::Date(st.birth), V::text(g.name.clone())],
                );
                if s == orphan {
                    row.mark_row(Mark::new(
                        "student-without-parents",
                        "no row of the parents' export names this child",
                    ));
                }
                sh.push(row);
            }
        }
        sh.push(Row::text(RowKind::Total, format!("Итого: {n} чел.")));
        let sheets = [sh];
        write::xlsx(&dir.join(F_CHILDREN), &sheets)?;
        table::record(&mut planted, F_CHILDREN, &sheets, true);
    }

    // 2. Parents' export: no title, text dates, group names sometimes without ё.
    {
        let mut sh = Sheet::new("Лист1", 8, 4);
        sh.widths = vec![6.0, 36.0, 14.0, 14.0, 36.0, 14.0, 20.0, 30.0];
        sh.push(Row::header(&[
            "№",
            "Воспитанник",
            "Дата рождения",
            "Группа",
            "ФИО родителя",
            "Кем приходится",
            "Телефон",
            "E-mail",
        ]));
        let students: Vec<usize> = groups
            .iter()
            .flat_map(|g| g.students.iter().copied())
            .filter(|&s| s != orphan)
            .collect();
        let group_of: Vec<usize> = w.students_list.iter().map(|st| st.group).collect();
        let cols = [
            PCol::Num,
            PCol::Child,
            PCol::Birth,
            PCol::Group,
            PCol::Parent,
            PCol::Relation,
            PCol::Phone,
            PCol::Email,
        ];
        common::parent_rows(
            &w,
            &mut nrng,
            &mut sh,
            &cols,
            &students,
            false,
            &pmarks,
            |rng, s| {
                let name = &groups[group_of[s]].name;
                if rng.percent(15) { names::without_yo(name) } else { name.clone() }
            },
            |_, _| String::new(),
        );
        let sheets = [sh];
        write::xlsx(&dir.join(F_PARENTS), &sheets)?;
        table::record(&mut planted, F_PARENTS, &sheets, true);
    }

    // 3. Staff: two «воспитатель» per group, named in the «Куратор» column.
    {
        let mut people: Vec<StaffEntry> = Vec::new();
        let mut add = |w: &mut World, position: &'static str, group: String| {
            let female = w.rng.percent(95);
            let p = w.staff(female);
            let year = w.rng.range(1965, 2000) as i32;
            let phone = w.rng.percent(97).then(|| w.phone());
            let email = w.rng.percent(70).then(|| w.email(&p, year));
            people.push(StaffEntry {
                p,
                position: position.to_string(),
                group,
                phone,
                email,
            });
        };
        for g in &groups {
            add(&mut w, "воспитатель", g.name.clone());
            add(&mut w, "воспитатель", g.name.clone());
        }
        for pos in [
            "заведующий",
            "старший воспитатель",
            "музыкальный руководитель",
            "инструктор по физической культуре",
            "младший воспитатель",
        ] {
            add(&mut w, pos, String::new());
        }
        people.sort_by_cached_key(|e| e.p.key());
        let mut sh = Sheet::new("Сотрудники", 6, 1);
        sh.widths = vec![6.0, 36.0, 34.0, 16.0, 20.0, 30.0];
        sh.push(Row::header(&["№", "ФИО", "Должность", "Куратор", "Телефон", "E-mail"]));
        for (i, e) in people.iter().enumerate() {
            sh.push(Row::new(
                RowKind::Data,
                vec![
                    V::Int(i as i64 + 1),
                    V::text(e.p.full()),
                    V::text(e.position.clone()),
                    V::text(e.group.clone()),
                    phone_cell(&mut nrng, &e.phone),
                    V::opt(e.email.clone()),
                ],
            ));
        }
        let sheets = [sh];
        write::xlsx(&dir.join(F_STAFF), &sheets)?;
        table::record(&mut planted, F_STAFF, &sheets, true);
    }

    let toml = format!(
        "# Sample workspace made by rollout-gen (seed {seed}, scale {scale}). Every person here is fictional.\n\
         # Single site: no [[branches]], no [[sources]]; every file under sources/ is read\n\
         # and its kind is told from its columns.\n\n\
         [organization]\nname = {}\nprofile = \"kindergarten\"\ntimezone = \"Europe/Moscow\"\n",
        toml_str(ORG)
    );
    std::fs::write(dir.join("rollout.toml"), toml)?;
    Ok(planted)
}
