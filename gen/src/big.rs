//! `rollout-gen big`: ONE large college-like organisation (100,000 students by default),
//! written twice — `DIR/csv/` with the contingent and the parents as UTF-8 CSV, and
//! `DIR/xlsx/` with the same rows as .xlsx — for the benchmark of a single big workspace.
//!
//! Both hold: `sources/Контингент.*` (every student, one row each), `sources/Родители.*`
//! (one row per child and parent, ≈1.5 parents a student), `sources/Сотрудники.xlsx` (the
//! curators), `rollout.toml` (the college sample's four branches) and a platform snapshot
//! (`platform/`, ≈1.2 members a student, the generator's noise mix).
//!
//! Unlike the samples nothing is planted on purpose, and the generator stays linear in
//! the number of students: names are drawn with a bounded number of retries against the
//! names taken so far (mostly distinct, never a loop over a saturating set), phones and
//! e-mails are made unique by construction.

use crate::college;
use crate::common::toml_str;
use crate::date::Date;
use crate::names::{self, FEMALE, MALE, Person, SURNAMES};
use crate::platform::{self, DepartedIn, GroupIn, Kind, PersonIn, Plan, StaffChatIn, Style};
use crate::rng::Rng;
use crate::table::{Row, RowKind, Sheet, V};
use crate::world::{REL_FATHER, REL_GRANDMOTHER, REL_GUARDIAN, REL_MOTHER};
use crate::write::{self, Encoding};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;

const ORG: &str = "ГБПОУ «Верхнеозёрский многопрофильный колледж»";
/// Retries for a name already taken; after them the name is kept (a namesake).
const NAME_TRIES: usize = 8;
/// Group prefixes per branch (the college sample's four branches, main site first).
const PREFIXES: [&[&str]; 4] = [&["ИС", "БУ", "ТО", "ПК"], &["ЗФ"], &["ЛФ"], &["СФ", "ТМ"]];
const POSITIONS: &[&str] = &[
    "Преподаватель",
    "Преподаватель",
    "Преподаватель",
    "Мастер производственного обучения",
    "Старший преподаватель",
];
/// Of the roster, who has joined the platform (percent): students, parents.
const STUDENTS_JOINED: u32 = 62;
const PARENTS_JOINED: u32 = 37;
const DOMAINS: &[&str] = &["mail.ru", "yandex.ru", "gmail.com"];

struct Adult {
    p: Person,
    relation: &'static str,
    phone: Option<String>,
    email: Option<String>,
}

struct Student {
    p: Person,
    birth: Date,
    phone: Option<String>,
    email: Option<String>,
    parents: Vec<Adult>,
}

struct Group {
    name: String,
    branch: usize,
    course: u32,
    students: Vec<usize>,
    curator: usize,
}

struct Staff {
    p: Person,
    branch: usize,
    position: &'static str,
    groups: Vec<usize>,
    phone: String,
    email: String,
}

/// Names, phones and e-mails, each drawn in constant time.
struct Maker {
    rng: Rng,
    taken: HashSet<String>,
    phones: u64,
    emails: u64,
}

impl Maker {
    fn surname_base(&mut self) -> String {
        let a = *self.rng.pick(SURNAMES);
        if self.rng.percent(3) {
            let b = *self.rng.pick(SURNAMES);
            if a != b {
                return format!("{a}-{b}");
            }
        }
        a.to_string()
    }

    /// A name from `draw`, retried a bounded number of times while someone has it.
    fn name(&mut self, mut draw: impl FnMut(&mut Rng) -> Person) -> Person {
        let mut p = draw(&mut self.rng);
        for _ in 1..NAME_TRIES {
            if !self.taken.contains(&p.key()) {
                break;
            }
            p = draw(&mut self.rng);
        }
        self.taken.insert(p.key());
        p
    }

    fn person(rng: &mut Rng, base: &str, female: bool, first: Option<&str>) -> Person {
        let first = match first {
            Some(f) => f.to_string(),
            None if female => rng.pick(FEMALE).to_string(),
            None => rng.pick(MALE).0.to_string(),
        };
        let (_, pm, pf) = *rng.pick(MALE);
        Person {
            surname: names::surname_form(base, female),
            first,
            patronymic: if female { pf } else { pm }.to_string(),
            female,
        }
    }

    /// Ten digits «9xxxxxxxxx», unique: the n-th of a permutation of 0..10⁹.
    fn phone_digits(&mut self) -> String {
        self.phones += 1;
        let n = (self.phones.wrapping_mul(387_420_489) + 12_345_679) % 1_000_000_000;
        format!("9{n:09}")
    }

    /// A valid mobile number in one of the notations people type.
    fn phone(&mut self) -> String {
        let d = self.phone_digits();
        let (a, b, c, e) = (&d[0..3], &d[3..6], &d[6..8], &d[8..10]);
        match self.rng.below(8) {
            0 | 1 => format!("8 ({a}) {b}-{c}-{e}"),
            2 => format!("+7 {a} {b}{c}{e}"),
            3 => format!("8{d}"),
            4 => format!("7{d}"),
            5 => format!("8-{a}-{b}{c}{e}"),
            6 => format!("+7 ({a}) {b}-{c}-{e}"),
            _ => format!("+7{d}"),
        }
    }

    /// Unique by its number.
    fn email(&mut self, p: &Person) -> String {
        self.emails += 1;
        let sur = names::translit(&p.surname);
        let first = names::translit(&p.first);
        let dom = *self.rng.pick(DOMAINS);
        match self.rng.below(3) {
            0 => format!("{sur}.{first}{}@{dom}", self.emails),
            1 => format!("{first}_{sur}{}@{dom}", self.emails),
            _ => format!("{sur}{}@{dom}", self.emails),
        }
    }

    fn adult(&mut self, base: &str, female: bool, first: Option<&str>, relation: &'static str) -> Adult {
        let p = self.name(|rng| Maker::person(rng, base, female, first));
        let phone = self.rng.percent(92).then(|| self.phone());
        let email = self.rng.percent(35).then(|| self.email(&p));
        Adult { p, relation, phone, email }
    }
}

/// Born in the cohort of `course` in 2025/26 (1st course: after the 9th form).
fn birth_range(course: u32) -> (Date, Date) {
    let y = 2010 - course as i32;
    (Date::new(y, 9, 1), Date::new(y + 1, 8, 31))
}

struct Org {
    students: Vec<Student>,
    groups: Vec<Group>,
    staff: Vec<Staff>,
    departed: Vec<(usize, Person, Vec<Person>)>,
}

fn make(seed: u64, n: usize) -> Org {
    let mut m = Maker {
        rng: Rng::derive(seed, "big/people"),
        taken: HashSet::with_capacity(n * 3),
        phones: 0,
        emails: 0,
    };
    // groups of 18–32, spread over the branches (the main site has the most)
    let mut grng = Rng::derive(seed, "big/groups");
    let mut sizes = Vec::new();
    let mut left = n;
    while left > 0 {
        let s = (grng.range(18, 32) as usize).min(left);
        sizes.push(s);
        left -= s;
    }
    let mut numbers: std::collections::HashMap<(usize, &str, u32), u32> = std::collections::HashMap::new();
    let mut groups: Vec<(usize, u32, String, usize)> = sizes
        .iter()
        .map(|&size| {
            let branch = match grng.below(10) {
                0..=3 => 0,
                4 | 5 => 1,
                6 | 7 => 2,
                _ => 3,
            };
            let prefix = *grng.pick(PREFIXES[branch]);
            let last = if prefix == "ПК" { 3 } else { 4 };
            let course = grng.range(1, last) as u32;
            let k = numbers.entry((branch, prefix, course)).or_insert(0);
            *k += 1;
            (branch, course, format!("{prefix}-{}-{k}", 26 - course), size)
        })
        .collect();
    groups.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));

    let mut students = Vec::with_capacity(n);
    let mut out_groups = Vec::with_capacity(groups.len());
    for (branch, course, name, size) in groups {
        let (from, to) = birth_range(course);
        let mut members = Vec::with_capacity(size);
        for _ in 0..size {
            let female = m.rng.percent(50);
            let base = m.surname_base();
            let father = m.rng.below(MALE.len());
            let p = m.name(|rng| {
                let mut p = Maker::person(rng, &base, female, None);
                let (_, pm, pf) = MALE[father];
                p.patronymic = if female { pf } else { pm }.to_string();
                if female {
                    p.first = rng.pick(FEMALE).to_string();
                } else {
                    p.first = rng.pick(MALE).0.to_string();
                }
                p
            });
            let older = m.rng.percent(8);
            let birth = Date::random(&mut m.rng, from, to);
            let birth = if older {
                Date::new(birth.y - 1, birth.m, birth.d.min(28))
            } else {
                birth
            };
            let phone = m.rng.percent(45).then(|| m.phone());
            let email = m.rng.percent(20).then(|| m.email(&p));
            let mut parents = Vec::new();
            match m.rng.below(100) {
                0..=54 => {
                    parents.push(m.adult(&base, true, None, REL_MOTHER));
                    parents.push(m.adult(&base, false, Some(MALE[father].0), REL_FATHER));
                }
                55..=84 => parents.push(m.adult(&base, true, None, REL_MOTHER)),
                85..=94 => parents.push(m.adult(&base, false, Some(MALE[father].0), REL_FATHER)),
                95..=97 => parents.push(m.adult(&base, true, None, REL_GRANDMOTHER)),
                _ => {
                    let other = m.surname_base();
                    let female = m.rng.percent(70);
                    parents.push(m.adult(&other, female, None, REL_GUARDIAN));
                }
            }
            members.push(students.len());
            students.push(Student {
                p,
                birth,
                phone,
                email,
                parents,
            });
        }
        members.sort_by_cached_key(|&s| (students[s].p.key(), students[s].birth));
        out_groups.push(Group {
            name,
            branch,
            course,
            students: members,
            curator: 0,
        });
    }

    // a curator leads one or two groups of one branch
    let mut srng = Rng::derive(seed, "big/staff");
    let mut staff: Vec<Staff> = Vec::new();
    let mut open: [Option<usize>; 4] = [None; 4];
    for (gi, g) in out_groups.iter_mut().enumerate() {
        let c = match open[g.branch].take() {
            Some(c) => c,
            None => {
                let female = m.rng.percent(70);
                let base = m.surname_base();
                let p = m.name(|rng| Maker::person(rng, &base, female, None));
                let phone = m.phone();
                let email = m.email(&p);
                staff.push(Staff {
                    p,
                    branch: g.branch,
                    position: POSITIONS[srng.below(POSITIONS.len())],
                    groups: Vec::new(),
                    phone,
                    email,
                });
                if srng.percent(50) {
                    open[g.branch] = Some(staff.len() - 1);
                }
                staff.len() - 1
            }
        };
        staff[c].groups.push(gi);
        g.curator = c;
    }

    // students who left (not in the files), still in the chats with their parents
    let mut drng = Rng::derive(seed, "big/departed");
    let departed = (0..n.div_ceil(150))
        .map(|_| {
            let g = drng.below(out_groups.len());
            let base = m.surname_base();
            let female = drng.percent(50);
            let p = m.name(|rng| Maker::person(rng, &base, female, None));
            let mother = m.name(|rng| Maker::person(rng, &base, true, None));
            (g, p, vec![mother])
        })
        .collect();
    Org {
        students,
        groups: out_groups,
        staff,
        departed,
    }
}

fn students_sheet(o: &Org, branches: &[&str; 4]) -> Sheet {
    let mut sh = Sheet::new("Контингент", 8, 1);
    sh.widths = vec![7.0, 38.0, 14.0, 10.0, 7.0, 20.0, 20.0, 30.0];
    sh.push(Row::text(RowKind::Title, ORG));
    sh.push(Row::header(&[
        "№ п/п",
        "ФИО",
        "Дата рождения",
        "Группа",
        "Курс",
        "Филиал",
        "Телефон",
        "E-mail",
    ]));
    let mut n = 0;
    for g in &o.groups {
        for &s in &g.students {
            let st = &o.students[s];
            n += 1;
            sh.push(Row::new(
                RowKind::Data,
                vec![
                    V::Int(n),
                    V::text(st.p.full()),
                    V::Date(st.birth),
                    V::text(g.name.clone()),
                    V::Int(i64::from(g.course)),
                    V::text(branches[g.branch]),
                    V::opt(st.phone.clone()),
                    V::opt(st.email.clone()),
                ],
            ));
        }
    }
    sh
}

fn parents_sheet(o: &Org, branches: &[&str; 4]) -> Sheet {
    let mut sh = Sheet::new("Родители", 9, 5);
    sh.widths = vec![6.0, 36.0, 14.0, 10.0, 18.0, 36.0, 12.0, 20.0, 30.0];
    sh.push(Row::text(RowKind::Title, "Выгрузка из АИС «Контингент» от 01.10.2025"));
    sh.push(Row::header(&[
        "№",
        "ФИО обучающегося",
        "Дата рождения",
        "Группа",
        "Филиал",
        "ФИО родителя",
        "Кем приходится",
        "Телефон",
        "E-mail",
    ]));
    let mut n = 0;
    for g in &o.groups {
        for &s in &g.students {
            let st = &o.students[s];
            for pa in &st.parents {
                n += 1;
                sh.push(Row::new(
                    RowKind::Data,
                    vec![
                        V::Int(n),
                        V::text(st.p.full()),
                        V::Date(st.birth),
                        V::text(g.name.clone()),
                        V::text(branches[g.branch]),
                        V::text(pa.p.full()),
                        V::text(pa.relation),
                        V::opt(pa.phone.clone()),
                        V::opt(pa.email.clone()),
                    ],
                ));
            }
        }
    }
    sh
}

fn staff_sheet(o: &Org, branches: &[&str; 4]) -> Sheet {
    let mut sh = Sheet::new("Сотрудники", 7, 1);
    sh.widths = vec![6.0, 36.0, 34.0, 20.0, 24.0, 20.0, 30.0];
    sh.push(Row::text(RowKind::Title, "Список педагогических работников на 01.10.2025"));
    sh.push(Row::header(&[
        "№",
        "ФИО",
        "Должность",
        "Филиал",
        "Классное руководство",
        "Телефон",
        "E-mail",
    ]));
    for (i, sp) in o.staff.iter().enumerate() {
        let curated: Vec<&str> = sp.groups.iter().map(|&g| o.groups[g].name.as_str()).collect();
        sh.push(Row::new(
            RowKind::Data,
            vec![
                V::Int(i as i64 + 1),
                V::text(sp.p.full()),
                V::text(sp.position),
                V::text(branches[sp.branch]),
                V::text(curated.join(", ")),
                V::text(sp.phone.clone()),
                V::text(sp.email.clone()),
            ],
        ));
    }
    sh
}

fn rollout_toml(seed: u64, n: usize, ext: &str) -> String {
    let mut t =
        format!("# One large organisation made by rollout-gen big (seed {seed}, {n} students). Every person here is fictional.\n\n");
    college::toml_head(&mut t, ORG, "college");
    for (path, kind) in [
        (format!("sources/Контингент.{ext}"), "students"),
        (format!("sources/Родители.{ext}"), "parents"),
        ("sources/Сотрудники.xlsx".to_string(), "staff"),
    ] {
        t.push_str(&format!("\n[[sources]]\npath = {}\nkind = \"{kind}\"\n", toml_str(&path)));
    }
    t.push_str("\n# What is on the platform: a snapshot in the shape the MAX Bot API returns.\n[platform]\nsnapshot = \"platform/\"\n");
    t.push_str("\n# The new school year (rollout rollover): «ПК» programmes end with the third course.\n[rollover]\nlast_course_by_prefix = { \"ПК\" = 3 }\n");
    t
}

fn platform_input(seed: u64, o: &Org, branches: &[&str; 4]) -> platform::Input {
    let mut people: Vec<PersonIn> = Vec::with_capacity(o.students.len() * 3);
    for st in &o.students {
        people.push(PersonIn {
            p: st.p.clone(),
            kind: Kind::Student,
            birth_date: Some(st.birth),
            phone: None,
        });
    }
    let mut parent_pid: Vec<Vec<usize>> = Vec::with_capacity(o.students.len());
    for st in &o.students {
        let mut v = Vec::new();
        for pa in &st.parents {
            v.push(people.len());
            people.push(PersonIn {
                p: pa.p.clone(),
                kind: Kind::Parent,
                birth_date: None,
                phone: pa.phone.as_deref().and_then(platform::e164),
            });
        }
        parent_pid.push(v);
    }
    let staff0 = people.len();
    for sp in &o.staff {
        people.push(PersonIn {
            p: sp.p.clone(),
            kind: Kind::Staff,
            birth_date: None,
            phone: None,
        });
    }
    // not everyone has joined yet: the snapshot offers the platform writer the students
    // and parents who have an account (≈1.2 chat members a student in the end)
    let mut reach = Rng::derive(seed, "big/platform-reach");
    let groups = o
        .groups
        .iter()
        .map(|g| {
            let students: Vec<usize> = g.students.iter().copied().filter(|_| reach.percent(STUDENTS_JOINED)).collect();
            let parents: Vec<usize> = g
                .students
                .iter()
                .flat_map(|&s| parent_pid[s].iter().copied())
                .filter(|_| reach.percent(PARENTS_JOINED))
                .collect();
            GroupIn {
                name: g.name.clone(),
                branch: Some(branches[g.branch].to_string()),
                students,
                parents,
                curator: Some(staff0 + g.curator),
                flood: g.course == 2,
            }
        })
        .collect();
    let titles = [
        "Учительская",
        "Преподаватели — Заречный филиал",
        "Преподаватели Лесной",
        "Педагоги СФ",
    ];
    let staff_chats = (0..4)
        .map(|b| StaffChatIn {
            title: titles[b].to_string(),
            branch: Some(branches[b].to_string()),
            group: None,
            audience: "staff",
            subject: None,
            members: (0..o.staff.len()).filter(|&i| o.staff[i].branch == b).map(|i| staff0 + i).collect(),
        })
        .collect();
    let departed = o
        .departed
        .iter()
        .map(|(g, p, ps)| DepartedIn {
            group: *g,
            student: p.clone(),
            parents: ps.clone(),
        })
        .collect();
    // the college sample's plan per 460 students
    let s = o.students.len().div_ceil(460).max(1);
    platform::Input {
        seed,
        scale: s as u32,
        label: "big",
        style: Style::College,
        people,
        groups,
        staff_chats,
        departed,
        forced: Vec::new(),
        plan: Plan {
            old_group: 3 * s,
            strangers: 5 * s,
            strangers_in_flood: s,
            second_accounts: 3 * s,
            non_admin_curator_chats: 2 * s,
            missing: s,
            flood_title: "Флудилка 2 курса".into(),
            flood_size: (18 * s).min(2000),
            null_links: 2,
        },
    }
}

/// What `rollout-gen big` made (also `DIR/big.json`).
#[derive(Serialize, Default, Debug)]
pub struct Counts {
    pub seed: u64,
    pub students: usize,
    pub parents: usize,
    pub staff: usize,
    pub groups: usize,
    pub members: usize,
    pub chats: usize,
    /// Distinct «Фамилия Имя Отчество» among students, parents and staff.
    pub distinct_names: usize,
}

/// Writes `out/csv/`, `out/xlsx/` and `out/big.json`. A directory that is neither empty
/// nor made by `rollout-gen big` before is refused.
pub fn write(out: &Path, seed: u64, n: usize) -> Result<Counts> {
    if out.exists() {
        let empty = std::fs::read_dir(out)?.next().is_none();
        if !empty && !out.join("big.json").exists() {
            bail!(
                "{} exists and is not made by rollout-gen big (no big.json): not touching it",
                out.display()
            );
        }
        if !empty {
            std::fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
        }
    }
    let branches = college::branch_names();
    let o = make(seed, n);
    let students = students_sheet(&o, &branches);
    let parents = parents_sheet(&o, &branches);
    let staff = staff_sheet(&o, &branches);
    let input = platform_input(seed, &o, &branches);
    let csv = out.join("csv");
    let xlsx = out.join("xlsx");
    for dir in [&csv, &xlsx] {
        std::fs::create_dir_all(dir.join("sources")).with_context(|| format!("creating {}", dir.display()))?;
        write::xlsx(&dir.join("sources/Сотрудники.xlsx"), std::slice::from_ref(&staff))?;
    }
    write::csv(&csv.join("sources/Контингент.csv"), &students, ';', Encoding::Utf8Bom)?;
    write::csv(&csv.join("sources/Родители.csv"), &parents, ';', Encoding::Utf8Bom)?;
    write::xlsx(&xlsx.join("sources/Контингент.xlsx"), std::slice::from_ref(&students))?;
    write::xlsx(&xlsx.join("sources/Родители.xlsx"), std::slice::from_ref(&parents))?;
    std::fs::write(csv.join("rollout.toml"), rollout_toml(seed, n, "csv"))?;
    std::fs::write(xlsx.join("rollout.toml"), rollout_toml(seed, n, "xlsx"))?;
    let stats = platform::write(&csv, &input)?;
    crate::school::copy_tree(&csv.join("platform"), &xlsx.join("platform"))?;
    std::fs::copy(csv.join("platform-truth.json"), xlsx.join("platform-truth.json"))?;
    let (students_n, parents_n, staff_n) = platform::roster_counts(&input.people);
    let distinct: HashSet<String> = input.people.iter().map(|p| p.p.key()).collect();
    let counts = Counts {
        seed,
        students: students_n,
        parents: parents_n,
        staff: staff_n,
        groups: o.groups.len(),
        members: stats.members,
        chats: stats.chats,
        distinct_names: distinct.len(),
    };
    let mut json = serde_json::to_string_pretty(&counts)?;
    json.push('\n');
    std::fs::write(out.join("big.json"), json)?;
    Ok(counts)
}
