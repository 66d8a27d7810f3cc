//! The kindergarten sample: a children list, a parents' export (pupils in a
//! «Воспитанник» column) and a staff list whose «Воспитатель» rows name their group.

use crate::common::{self, BAD_PHONES, PCol, ParentMarks, StaffEntry, Variant, phone_cell, pick_plain, toml_str};
use crate::date::Date;
use crate::names;
use crate::planted::Planted;
use crate::rng::Rng;
use crate::table::{self, Mark, Row, RowKind, Sheet, V};
use crate::world::World;
use crate::write;
use crate::year::{GroupPeople, Mapping, Moved, PersonOut, StaffChange, YearTruth, school_year};
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
    birth_range_in(age, 0)
}

/// [`birth_range`] `year` school years later.
fn birth_range_in(age: u32, year: u32) -> (Date, Date) {
    let y = 2022 + year as i32 - age as i32;
    (Date::new(y, 9, 1), Date::new(y + 1, 8, 31))
}

/// The eldest age: its groups leave for school in September.
const ELDEST: u32 = 3;

/// One September (year `k - 1` → `k`; see the `year` module): every group keeps its name
/// and moves up an age; the eldest groups leave for school, and a new youngest group (the
/// next name of the list that is free) takes each one's place, with its two teachers;
/// 2·scale children leave and 2·scale arrive. New children come from the stream
/// `kindergarten/year<k>`.
fn next_year(w: &mut World, groups: &mut [Group], keep: &HashSet<usize>, seed: u64, scale: u32, k: u32) -> YearTruth {
    let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, &format!("kindergarten/year{k}")));
    let mut rng = Rng::derive(seed, &format!("kindergarten/year{k}/choices"));
    let person = |w: &World, s: usize| PersonOut::new(&w.students_list[s].p, w.students_list[s].birth);
    let n = 2 * scale as usize;
    let staying: Vec<usize> = (0..groups.len()).filter(|&g| groups[g].age < ELDEST).collect();
    let mut leavers = Vec::new();
    for g in crate::school::pick_distinct(&mut rng, &staying, n) {
        let plain: Vec<usize> = (0..groups[g].students.len())
            .filter(|&i| {
                let s = groups[g].students[i];
                let st = &w.students_list[s];
                !keep.contains(&s) && w.families[st.family].children.len() == 1 && !w.families[st.family].parents.is_empty()
            })
            .collect();
        let Some(&i) = plain.get(rng.below(plain.len().max(1))) else {
            continue;
        };
        leavers.push(Moved {
            branch: None,
            group: groups[g].name.clone(),
            student: person(w, groups[g].students[i]),
        });
        groups[g].students.remove(i);
    }
    let mut mapping = Vec::new();
    let mut graduated = Vec::new();
    let mut new_groups = Vec::new();
    for gi in 0..groups.len() {
        if groups[gi].age >= ELDEST {
            let mut students: Vec<PersonOut> = groups[gi].students.iter().map(|&s| person(w, s)).collect();
            students.sort();
            graduated.push(GroupPeople {
                branch: None,
                group: groups[gi].name.clone(),
                students,
            });
            mapping.push(Mapping {
                branch: None,
                old: groups[gi].name.clone(),
                new: Vec::new(),
                how: "graduated",
            });
            let name = (0..)
                .flat_map(|round| {
                    GROUP_NAMES
                        .iter()
                        .map(move |b| if round == 0 { b.to_string() } else { format!("{b}-{}", round + 1) })
                })
                .find(|n| !groups.iter().any(|g| g.name == *n) && !mapping.iter().any(|m: &Mapping| m.old == *n))
                .expect("a free name");
            groups[gi].name = name;
            groups[gi].age = 0;
            groups[gi].students.clear();
            let count = w.rng.range(16, 22);
            let (from, to) = birth_range_in(0, k);
            for _ in 0..count {
                let s = w.student(gi, from, to, PARENTS_BORN);
                groups[gi].students.push(s);
            }
            new_groups.push(gi);
        } else {
            groups[gi].age += 1;
            mapping.push(Mapping {
                branch: None,
                old: groups[gi].name.clone(),
                new: vec![groups[gi].name.clone()],
                how: "advanced",
            });
        }
    }
    let not_new: Vec<usize> = (0..groups.len()).filter(|g| !new_groups.contains(g)).collect();
    let mut arrivals = Vec::new();
    for _ in 0..n {
        let g = not_new[rng.below(not_new.len())];
        let (from, to) = birth_range_in(groups[g].age, k);
        let s = w.student(g, from, to, PARENTS_BORN);
        groups[g].students.push(s);
        arrivals.push(Moved {
            branch: None,
            group: groups[g].name.clone(),
            student: person(w, s),
        });
    }
    for g in groups.iter_mut() {
        common::sort_students(w, &mut g.students);
    }
    let new_groups = new_groups
        .iter()
        .map(|&g| {
            let mut students: Vec<PersonOut> = groups[g].students.iter().map(|&s| person(w, s)).collect();
            students.sort();
            GroupPeople {
                branch: None,
                group: groups[g].name.clone(),
                students,
            }
        })
        .collect();
    w.rng = saved;
    let order = |m: &Moved| (m.group.clone(), m.student.clone());
    leavers.sort_by_key(order);
    arrivals.sort_by_key(order);
    YearTruth {
        seed,
        scale,
        year: k,
        from_school_year: school_year(k - 1),
        to_school_year: school_year(k),
        mapping,
        graduated,
        new_groups,
        renamed: None,
        split: None,
        leavers,
        arrivals,
        staff: StaffChange::default(),
    }
}

pub fn build(seed: u64, scale: u32, year: u32, dir: &Path) -> Result<Planted> {
    build_variant(seed, scale, year, dir, &Variant::default())
}

/// [`build`] for one of a region's organisations: its own name.
pub fn build_variant(seed: u64, scale: u32, year: u32, dir: &Path, v: &Variant) -> Result<Planted> {
    if year > 1 {
        anyhow::bail!("--year {year}: the kindergarten goes up to 1 so far");
    }
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

    // later years: the same world moved on (the planted children all stay in year 1)
    let mut truth = None;
    for k in 1..=year {
        truth = Some(next_year(&mut w, &mut groups, &used, seed, scale, k));
    }

    let src = dir.join("sources");
    std::fs::create_dir_all(&src)?;
    let mut nrng = Rng::derive(seed, "kindergarten/noise");

    // 1. Children list: flat table with titles and a totals line, date cells.
    {
        let mut sh = Sheet::new("Воспитанники", 4, 1);
        sh.widths = vec![6.0, 38.0, 14.0, 16.0];
        sh.push(Row::text(RowKind::Title, v.org(ORG)));
        sh.push(Row::text(RowKind::Title, format!("Списочный состав на 01.10.{}", 2025 + year)));
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
    let staff_of_groups: Vec<(String, String)>;
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
        // a region's kindergarten: its support staff too (never in the committed sample)
        for _ in 0..v.extra_staff(2 * groups.len() + 5, 30) {
            let pos = *w.rng.pick(common::SUPPORT_STAFF);
            add(&mut w, pos, String::new());
        }
        people.sort_by_cached_key(|e| e.p.key());
        planted.roster = (
            w.students_list.len(),
            w.families.iter().map(|f| f.parents.len()).sum(),
            people.len(),
        );
        staff_of_groups = people
            .iter()
            .filter(|e| !e.group.is_empty())
            .map(|e| (e.group.clone(), e.p.full()))
            .collect();
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
        toml_str(v.org(ORG))
    );
    std::fs::write(dir.join("rollout.toml"), toml)?;
    if let Some(mut truth) = truth {
        // the two teachers of each group stay with its place (a new youngest group takes
        // the place of one that left for school): nobody leaves, nobody arrives
        truth.staff.class_teachers = staff_of_groups;
        let mut json = serde_json::to_string_pretty(&truth)?;
        json.push('\n');
        std::fs::write(dir.join("year.json"), json)?;
    }
    Ok(planted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Group → its children, as the children's list holds them.
    fn read_children(dir: &Path) -> crate::year::tests::Roster {
        use calamine::{Data, Reader, open_workbook_auto};
        let mut wb = open_workbook_auto(dir.join(F_CHILDREN)).expect("open the children's list");
        let range = wb.worksheet_range("Воспитанники").expect("sheet");
        let mut out = crate::year::tests::Roster::new();
        for row in range.rows() {
            let (Some(Data::String(full)), Some(Data::DateTime(d)), Some(Data::String(group))) = (row.get(1), row.get(2), row.get(3))
            else {
                continue;
            };
            let b = Date::from_days(d.as_f64() as i64 - 25_569);
            out.entry(group.clone())
                .or_default()
                .insert((full.clone(), format!("{:04}-{:02}-{:02}", b.y, b.m, b.d)));
        }
        out
    }

    /// Year 1: the groups keep their names and move up an age, the eldest leave for
    /// school, a new youngest group comes, and `year.json` says exactly that.
    #[test]
    fn year_one_follows_year_zero() {
        for scale in [1, 2] {
            let base = std::env::temp_dir().join(format!("rollout-gen-kg-year-{}-{scale}", std::process::id()));
            let (d0, d1) = (base.join("0"), base.join("1"));
            for d in [&d0, &d1] {
                std::fs::create_dir_all(d).expect("dir");
            }
            let p0 = build(42, scale, 0, &d0).expect("year 0");
            let p1 = build(42, scale, 1, &d1).expect("year 1");
            assert_eq!(p0.counts, p1.counts, "the planted counts hold in year 1");
            let truth: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(d1.join("year.json")).expect("year.json")).expect("json");
            let (y0, y1) = (read_children(&d0), read_children(&d1));
            crate::year::tests::check_step(&y0, &y1, &truth, scale, |old| old.to_string());
            assert_eq!(truth["graduated"].as_array().expect("graduated").len(), scale as usize);
            std::fs::remove_dir_all(base).ok();
        }
    }
}
