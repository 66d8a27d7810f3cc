//! The college sample: a main site and three branches, one source layout per file.

use crate::common::{self, BAD_EMAILS, BAD_PHONES, PCol, ParentMarks, Variant, birth_value, phone_cell, pick_plain, toml_str};
use crate::date::Date;
use crate::names::{self, MALE};
use crate::planted::Planted;
use crate::rng::Rng;
use crate::table::{self, Mark, Row, RowKind, Sheet, V, VMerge};
use crate::world::World;
use crate::write::{self, Encoding};
use crate::year::{GroupPeople, Mapping, Moved, PersonOut, Renamed, StaffChange, YearTruth, school_year};
use anyhow::Result;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

const ORG: &str = "ГБПОУ «Верхнеозёрский колледж технологий и сервиса»";

struct BranchDef {
    name: &'static str,
    aliases: &'static [&'static str],
    /// (prefix, year of admission, groups at scale 1)
    groups: &'static [(&'static str, u32, u32)],
}

const MAIN: usize = 0;
const ZAR: usize = 1;
const LES: usize = 2;
const SOS: usize = 3;

const BRANCHES: [BranchDef; 4] = [
    BranchDef {
        name: "Главный корпус",
        aliases: &["Головной корпус", "ГК"],
        groups: &[
            ("ИС", 25, 2),
            ("ИС", 24, 2),
            ("БУ", 25, 1),
            ("БУ", 24, 1),
            ("ПК", 23, 1),
            ("ИС", 23, 1),
            ("ТО", 22, 1),
        ],
    },
    BranchDef {
        name: "Заречный филиал",
        aliases: &["Заречный", "ЗФ"],
        groups: &[("ЗФ", 25, 1), ("ЗФ", 24, 1), ("ЗФ", 23, 1), ("ЗФ", 22, 1)],
    },
    BranchDef {
        name: "Лесной филиал",
        aliases: &["Лесной", "ЛФ"],
        groups: &[("ЛФ", 25, 1), ("ЛФ", 24, 2), ("ЛФ", 23, 1)],
    },
    BranchDef {
        name: "Сосновский филиал",
        aliases: &["Сосновский", "СФ"],
        groups: &[("СФ", 25, 1), ("СФ", 24, 1), ("ТМ", 23, 1), ("ТМ", 22, 1)],
    },
];

const F_MAIN: &str = "sources/Контингент_Главный_корпус.xlsx";
const F_ZAR: &str = "sources/Заречный_филиал_группы.xlsx";
const F_LES: &str = "sources/Лесной_филиал.ods";
const F_SOS: &str = "sources/Сосновский_филиал.csv";
const F_PARENTS: &str = "sources/Родители.xlsx";
const F_PARENTS_LES: &str = "sources/Родители_Лесной_филиал.xls";
const F_STAFF: &str = "sources/Сотрудники.xls";
const F_STAFF_XLSX: &str = "sources/Сотрудники.xlsx";

/// Parents of college students were born in these years.
const PARENTS_BORN: (i32, i32) = (1968, 1990);

struct Group {
    name: String,
    branch: usize,
    course: u32,
    students: Vec<usize>,
}

struct StaffPerson {
    p: names::Person,
    position: &'static str,
    phone: Option<String>,
    email: Option<String>,
}

struct StaffRow {
    person: usize,
    /// None: a branch that is not in rollout.toml.
    branch: Option<usize>,
    label: String,
    curated: Vec<usize>,
    marks: Vec<(usize, Mark)>,
    row_marks: Vec<Mark>,
}

/// The branches' names, main site first (for `rollout-gen big`, which has the same four).
pub fn branch_names() -> [&'static str; 4] {
    BRANCHES.map(|b| b.name)
}

/// rollout.toml's `[organization]` and the four `[[branches]]` with their aliases.
pub fn toml_head(t: &mut String, org: &str, profile: &str) {
    t.push_str("[organization]\n");
    t.push_str(&format!("name = {}\n", toml_str(org)));
    t.push_str(&format!("profile = \"{profile}\"\ntimezone = \"Europe/Moscow\"\n"));
    for (b, def) in BRANCHES.iter().enumerate() {
        t.push_str("\n[[branches]]\n");
        t.push_str(&format!("name = {}\n", toml_str(def.name)));
        if b == MAIN {
            t.push_str("main = true\n");
        }
        let aliases: Vec<String> = def.aliases.iter().map(|a| toml_str(a)).collect();
        t.push_str(&format!("aliases = [{}]\n", aliases.join(", ")));
    }
}

/// Born in the academic year 2025/26 cohort of `course` (1st course: after the 9th form).
fn birth_range(course: u32, older: bool) -> (Date, Date) {
    birth_range_in(course, older, 0)
}

/// [`birth_range`] `year` school years later.
fn birth_range_in(course: u32, older: bool, year: u32) -> (Date, Date) {
    let y = 2010 + year as i32 - course as i32 - if older { 2 } else { 0 };
    (Date::new(y, 9, 1), Date::new(y + 1, 8, 31))
}

/// The load files («тарификация»), one per branch: Windows-1251 CSV with «;».
const F_LOAD: [&str; 4] = [
    "sources/Тарификация.csv",
    "sources/Тарификация_Заречный_филиал.csv",
    "sources/Тарификация_Лесной_филиал.csv",
    "sources/Тарификация_Сосновский_филиал.csv",
];

/// A group's disciplines and their hours a year: general subjects in the 1st course,
/// the specialty's later.
fn disciplines(prefix: &str, course: u32) -> Vec<(&'static str, u32)> {
    let profile: &[(&str, u32)] = match prefix {
        "ИС" | "ИСП" => &[
            ("Основы алгоритмизации и программирования", 120),
            ("Базы данных", 96),
            ("МДК.01.01 Разработка программных модулей", 180),
        ],
        "БУ" => &[
            ("Бухгалтерский учёт", 96),
            ("Налоги и налогообложение", 72),
            ("МДК.01.01 Практические основы бухгалтерского учёта активов организации", 120),
        ],
        "ПК" => &[
            ("Санитария и гигиена", 48),
            ("Товароведение продовольственных товаров", 72),
            ("МДК.01.01 Организация приготовления блюд", 120),
        ],
        "ТО" => &[
            ("Устройство автомобилей", 120),
            ("Электротехника", 72),
            ("МДК.01.01 Техническое обслуживание автомобилей", 150),
        ],
        "ТМ" => &[
            ("Инженерная графика", 72),
            ("Технологическое оборудование", 96),
            ("МДК.01.01 Технологические процессы", 120),
        ],
        _ => &[
            ("Материаловедение", 72),
            ("Охрана труда", 36),
            ("МДК.01.01 Технология выполнения работ", 150),
        ],
    };
    let mut v: Vec<(&str, u32)> = if course == 1 {
        vec![
            ("Русский язык", 78),
            ("Литература", 117),
            ("Математика", 234),
            ("История", 78),
            ("Иностранный язык", 117),
            ("Физическая культура", 78),
            ("Информатика", 72),
        ]
    } else {
        vec![
            ("Иностранный язык в профессиональной деятельности", 72),
            ("Физическая культура", 72),
        ]
    };
    v.extend_from_slice(if course == 1 { &profile[..1] } else { profile });
    v
}

/// Who a load line names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LoadTeacher {
    Staff(usize),
    /// The planted teacher of no staff list.
    Stranger,
    /// The planted vacancy: an empty teacher cell.
    Nobody,
}

/// One line of a branch's load, with the defect planted in it.
struct LoadRow {
    teacher: LoadTeacher,
    group: String,
    discipline: &'static str,
    hours: u32,
    mark: Option<Mark>,
}

/// The sample (what was planted) and what its platform snapshot holds.
pub fn build(seed: u64, scale: u32, year: u32, dir: &Path) -> Result<(Planted, crate::platform::Stats)> {
    if year > 1 {
        // year 2 graduates groups with planted problems that are not planted again yet
        anyhow::bail!("--year {year}: the college goes up to 1 so far");
    }
    build_variant(seed, scale, year, dir, &Variant::default())
}

/// [`build`] for one of a region's organisations: its own name, the staff list as .xlsx,
/// a snapshot or none.
pub fn build_variant(seed: u64, scale: u32, year: u32, dir: &Path, v: &Variant) -> Result<(Planted, crate::platform::Stats)> {
    if year > 1 {
        anyhow::bail!("--year {year}: the college goes up to 1 so far");
    }
    build_year(seed, scale, year, dir, v).map(|(p, s, _)| (p, s))
}

/// What a year's build hands the next year's: who the staff are, and each student's
/// СНИЛС (as drawn, before a planted defect spoils it), which stays with the student.
struct Carried {
    staff: Vec<String>,
    /// Group → its students («Фамилия Имя Отчество», ISO birth date), as written.
    #[cfg_attr(not(test), allow(dead_code))]
    roster: BTreeMap<String, BTreeSet<(String, String)>>,
    snils: HashMap<(String, Date), Option<String>>,
}

/// The last course of a group's specialty: 4, and 3 for «ПК».
fn last_course(name: &str) -> u32 {
    if name.starts_with("ПК-") { 3 } else { 4 }
}

/// One September at the college (year `k - 1` → `k`; see the `year` module): groups keep
/// their codes and advance a course, the last course graduates, and each first-year
/// group of last year has a successor admitted this year («ИС-25-1» → «ИС-26-1»), which
/// takes a graduated group's place in its branch (more new groups than graduated ones go
/// last). One group is renamed («ИС-24-1» → «ИСП-24-1»), 2·scale pupils leave and
/// 2·scale arrive. New pupils come from the stream `college/year<k>`.
fn next_year(
    w: &mut World,
    groups: &mut Vec<Group>,
    by_branch: &mut [Vec<usize>; 4],
    keep: &HashSet<usize>,
    seed: u64,
    scale: u32,
    k: u32,
) -> Result<YearTruth> {
    let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, &format!("college/year{k}")));
    let mut rng = Rng::derive(seed, &format!("college/year{k}/choices"));
    let person = |w: &World, s: usize| PersonOut::new(&w.students_list[s].p, w.students_list[s].birth);
    let branch = |g: &Group| Some(BRANCHES[g.branch].name.to_string());
    let n = 2 * scale as usize;

    // leavers: one pupil in each of 2·scale groups that do not graduate
    let staying: Vec<usize> = (0..groups.len())
        .filter(|&g| groups[g].course < last_course(&groups[g].name))
        .collect();
    let mut leavers = Vec::new();
    for g in crate::school::pick_distinct(&mut rng, &staying, n) {
        let plain: Vec<usize> = (0..groups[g].students.len())
            .filter(|&i| {
                let s = groups[g].students[i];
                let st = &w.students_list[s];
                st.group == g
                    && !keep.contains(&s)
                    && w.families[st.family].children.len() == 1
                    && !w.families[st.family].parents.is_empty()
            })
            .collect();
        let Some(&i) = plain.get(rng.below(plain.len().max(1))) else {
            continue;
        };
        leavers.push(Moved {
            branch: branch(&groups[g]),
            group: groups[g].name.clone(),
            student: person(w, groups[g].students[i]),
        });
        groups[g].students.remove(i);
    }

    // the successors of last year's first-year groups, per branch
    let admitted = 25 + k;
    let mut incoming: [Vec<String>; 4] = Default::default();
    for g in groups.iter().filter(|g| g.course == 1) {
        let mut parts: Vec<&str> = g.name.split('-').collect();
        let year = admitted.to_string();
        parts[1] = &year;
        incoming[g.branch].push(parts.join("-"));
    }
    let mut mapping = Vec::new();
    let mut graduated = Vec::new();
    let mut new_groups: Vec<usize> = Vec::new();
    let old_count = groups.len();
    for (gi, g) in groups.iter_mut().enumerate() {
        if g.course >= last_course(&g.name) {
            let mut students: Vec<PersonOut> = g.students.iter().map(|&s| person(w, s)).collect();
            students.sort();
            graduated.push(GroupPeople {
                branch: branch(g),
                group: g.name.clone(),
                students,
            });
            mapping.push(Mapping {
                branch: branch(g),
                old: g.name.clone(),
                new: Vec::new(),
                how: "graduated",
            });
            if incoming[g.branch].is_empty() {
                anyhow::bail!("year {k}: {} graduates more groups than it admits", BRANCHES[g.branch].name);
            }
            g.name = incoming[g.branch].remove(0);
            g.course = 1;
            g.students.clear();
            new_groups.push(gi);
        } else {
            g.course += 1;
            mapping.push(Mapping {
                branch: branch(g),
                old: g.name.clone(),
                new: vec![g.name.clone()],
                how: "advanced",
            });
        }
    }
    for (b, names) in incoming.iter().enumerate() {
        for name in names {
            by_branch[b].push(groups.len());
            new_groups.push(groups.len());
            groups.push(Group {
                name: name.clone(),
                branch: b,
                course: 1,
                students: Vec::new(),
            });
        }
    }
    for &gi in &new_groups {
        let count = w.rng.range(18, 25);
        for _ in 0..count {
            let older = w.rng.percent(8);
            let (from, to) = birth_range_in(1, older, k);
            let s = w.student(gi, from, to, PARENTS_BORN);
            groups[gi].students.push(s);
        }
    }

    // ONE renamed group: the first «ИС» group of the main site that is a 3rd course now
    // (else the first that advanced) → «ИСП» («ИС-24-1» → «ИСП-24-1»)
    let renamable = |g: usize| mapping[g].how == "advanced" && groups[g].branch == MAIN && groups[g].name.starts_with("ИС-");
    let renamed = (0..old_count)
        .find(|&g| renamable(g) && groups[g].course == 3)
        .or_else(|| (0..old_count).find(|&g| renamable(g)))
        .map(|g| {
            let new = groups[g].name.replacen("ИС-", "ИСП-", 1);
            let expected = std::mem::replace(&mut groups[g].name, new.clone());
            mapping[g].new = vec![new.clone()];
            mapping[g].how = "renamed";
            Renamed {
                branch: branch(&groups[g]),
                old: mapping[g].old.clone(),
                expected,
                new,
            }
        });

    // arrivals: 2·scale new pupils in groups that are not new
    let not_new: Vec<usize> = (0..groups.len()).filter(|g| !new_groups.contains(g)).collect();
    let mut arrivals = Vec::new();
    for _ in 0..n {
        let g = not_new[rng.below(not_new.len())];
        let (from, to) = birth_range_in(groups[g].course, false, k);
        let s = w.student(g, from, to, PARENTS_BORN);
        groups[g].students.push(s);
        arrivals.push(Moved {
            branch: branch(&groups[g]),
            group: groups[g].name.clone(),
            student: person(w, s),
        });
    }
    for g in groups.iter_mut() {
        common::sort_students(w, &mut g.students);
    }
    new_groups.sort();
    let new_groups = new_groups
        .iter()
        .map(|&g| {
            let mut students: Vec<PersonOut> = groups[g].students.iter().map(|&s| person(w, s)).collect();
            students.sort();
            GroupPeople {
                branch: branch(&groups[g]),
                group: groups[g].name.clone(),
                students,
            }
        })
        .collect();
    w.rng = saved;
    let order = |m: &Moved| (m.branch.clone(), m.group.clone(), m.student.clone());
    leavers.sort_by_key(order);
    arrivals.sort_by_key(order);
    Ok(YearTruth {
        seed,
        scale,
        year: k,
        from_school_year: school_year(k - 1),
        to_school_year: school_year(k),
        mapping,
        graduated,
        new_groups,
        renamed,
        split: None,
        leavers,
        arrivals,
        staff: StaffChange::default(),
    })
}

/// [`build`], and what the next year carries over.
fn build_year(seed: u64, scale: u32, year: u32, dir: &Path, v: &Variant) -> Result<(Planted, crate::platform::Stats, Carried)> {
    // last year first (built aside): its platform snapshot is this year's, its СНИЛС stay
    let prev_dir = dir.join(format!(".year{}", year.saturating_sub(1)));
    let prev = if year > 0 {
        Some(build_year(seed, scale, year - 1, &prev_dir, v)?)
    } else {
        None
    };
    let f_staff = if v.no_xls { F_STAFF_XLSX } else { F_STAFF };
    let mut snils_of: HashMap<(String, Date), Option<String>> = HashMap::new();
    let mut w = World::new(Rng::derive(seed, "college"));
    let mut planted = Planted::new(seed, scale);
    let mut used: HashSet<usize> = HashSet::new();

    // ---- groups and students -------------------------------------------------------
    let mut groups: Vec<Group> = Vec::new();
    let mut by_branch: [Vec<usize>; 4] = Default::default();
    for (b, def) in BRANCHES.iter().enumerate() {
        for &(prefix, year, count) in def.groups {
            for k in 1..=count * scale {
                by_branch[b].push(groups.len());
                groups.push(Group {
                    name: format!("{prefix}-{year}-{k}"),
                    branch: b,
                    course: 26 - year,
                    students: Vec::new(),
                });
            }
        }
    }
    for (gi, g) in groups.iter_mut().enumerate() {
        let n = w.rng.range(18, 25);
        for _ in 0..n {
            let older = g.course <= 2 && w.rng.percent(8);
            let (from, to) = birth_range(g.course, older);
            let s = w.student(gi, from, to, PARENTS_BORN);
            g.students.push(s);
        }
    }
    let (mut gm, mut gz, mut gl, mut gs) = (
        by_branch[MAIN].clone(),
        by_branch[ZAR].clone(),
        by_branch[LES].clone(),
        by_branch[SOS].clone(),
    );
    let mut prng = Rng::derive(seed, "college/plant");

    // Siblings: a second child in a family already on the roster.
    let mut add_sibling =
        |w: &mut World, groups: &mut Vec<Group>, used: &mut HashSet<usize>, from_g: usize, to_g: usize, twin: bool| -> (usize, usize) {
            loop {
                let elder = pick_plain(w, &mut prng, &groups[from_g].students, used);
                let fam = w.students_list[elder].family;
                let (from, to) = birth_range(groups[to_g].course, false);
                if let Some(s) = w.child(fam, to_g, from, to, twin.then_some(elder)) {
                    groups[to_g].students.push(s);
                    used.insert(s);
                    return (elder, s);
                }
            }
        };
    // S1: across two groups of the main site; S2: twins in one group; S3: across two
    // branches; S4: across two groups, and their mother's phone is mistyped on both rows.
    let _s1 = add_sibling(&mut w, &mut groups, &mut used, gm[0], gm[4], false);
    let _s2 = add_sibling(&mut w, &mut groups, &mut used, gs[3], gs[3], true);
    let _s3 = add_sibling(&mut w, &mut groups, &mut used, gm[5], gz[2], false);
    let s4 = add_sibling(&mut w, &mut groups, &mut used, gz[0], gz[3], false);

    // Two different mothers with the same full name (different children and phones).
    let namesake_a = loop {
        let s = pick_plain(&w, &mut prng, &groups[gm[6]].students, &mut used);
        let fam = &w.families[w.students_list[s].family];
        let plain_mother = fam
            .parents
            .iter()
            .find(|p| p.relation == crate::world::REL_MOTHER && p.p.surname == names::surname_form(&fam.base, true));
        if plain_mother.is_some() && !fam.base.contains('-') {
            break s;
        }
    };
    let _namesake_b = {
        let fam_a = w.students_list[namesake_a].family;
        let base = w.families[fam_a].base.clone();
        let mother = w.families[fam_a]
            .parents
            .iter()
            .find(|p| p.relation == crate::world::REL_MOTHER)
            .expect("mother")
            .p
            .clone();
        let father_a = w.families[fam_a].father;
        loop {
            let father = w.rng.below(MALE.len());
            if father == father_a {
                continue;
            }
            let fam = w.family_with_mother(base.clone(), father, mother.clone(), PARENTS_BORN);
            let (from, to) = birth_range(groups[gs[2]].course, false);
            if let Some(s) = w.child(fam, gs[2], from, to, None) {
                groups[gs[2]].students.push(s);
                used.insert(s);
                break s;
            }
        }
    };

    for g in groups.iter_mut() {
        common::sort_students(&w, &mut g.students);
    }
    // Лесной's first-year parents are in the all-branch export; the others in the
    // e-journal's HTML file (the two files never list the same child).
    let (les_xlsx, les_html): (Vec<usize>, Vec<usize>) = gl.iter().partition(|&&g| groups[g].course == 1);

    // Student contacts (main site, Заречный, Лесной, Сосновский all list some).
    for s in 0..w.students_list.len() {
        let year = w.students_list[s].birth.y;
        let p = w.students_list[s].p.clone();
        if w.rng.percent(60) {
            w.students_list[s].phone = Some(w.phone());
        }
        if w.rng.percent(35) {
            w.students_list[s].email = Some(w.email(&p, year));
        }
    }

    // ---- student-level plans -----------------------------------------------------------
    let dup_student = pick_plain(&w, &mut prng, &groups[gm[0]].students, &mut used);
    let snils_checksum = pick_plain(&w, &mut prng, &groups[gm[1]].students, &mut used);
    let snils_length = pick_plain(&w, &mut prng, &groups[gm[2]].students, &mut used);
    let two_groups = pick_plain(&w, &mut prng, &groups[gm[3]].students, &mut used);
    groups[gz[1]].students.push(two_groups);
    common::sort_students(&w, &mut groups[gz[1]].students);
    let bad_date_zar = pick_plain(&w, &mut prng, &groups[gz[0]].students, &mut used);
    let no_birth = pick_plain(&w, &mut prng, &groups[gs[0]].students, &mut used);
    let bad_date_sos = pick_plain(&w, &mut prng, &groups[gs[2]].students, &mut used);
    // students no parents' export lists: their identity is in question
    let no_parents: HashSet<usize> = [two_groups, bad_date_zar, no_birth, bad_date_sos].into_iter().collect();

    // ---- parent-level plans ------------------------------------------------------------
    let mut pmarks = ParentMarks::default();
    let mut pmarks_les = ParentMarks::default();
    let mut p4;
    {
        // P1: mistyped phone, has a valid e-mail → bad-phone only
        let s = pick_plain(&w, &mut prng, &groups[gm[7]].students, &mut used);
        let f = w.students_list[s].family;
        let p = w.families[f].parents[0].p.clone();
        w.families[f].parents[0].phone = Some(BAD_PHONES[0].into());
        if w.families[f].parents[0].email.is_none() {
            w.families[f].parents[0].email = Some(w.email(&p, 1980));
        }
        pmarks
            .cells
            .entry((f, 0))
            .or_default()
            .push((PCol::Phone, Mark::new("bad-phone", "too few digits; the parent has a valid e-mail")));

        // P2: mistyped phone and no e-mail → bad-phone + parent-without-contact
        let s = pick_plain(&w, &mut prng, &groups[gz[2]].students, &mut used);
        let f = w.students_list[s].family;
        w.families[f].parents[0].phone = Some(BAD_PHONES[1].into());
        w.families[f].parents[0].email = None;
        pmarks
            .cells
            .entry((f, 0))
            .or_default()
            .push((PCol::Phone, Mark::new("bad-phone", "nine digits after the 8")));
        pmarks.person.entry((f, 0)).or_default().push(Mark::new(
            "parent-without-contact",
            "the only phone is invalid (also bad-phone) and there is no e-mail",
        ));

        // P3: neither phone nor e-mail → parent-without-contact
        let s = pick_plain(&w, &mut prng, &groups[gs[1]].students, &mut used);
        let f = w.students_list[s].family;
        w.families[f].parents[0].phone = None;
        w.families[f].parents[0].email = None;
        pmarks
            .person
            .entry((f, 0))
            .or_default()
            .push(Mark::new("parent-without-contact", "phone and e-mail cells are empty"));

        // P4: malformed e-mail, valid phone → bad-email only
        let s = pick_plain(&w, &mut prng, &groups[gm[8]].students, &mut used);
        p4 = s;
        let f = w.students_list[s].family;
        w.families[f].parents[0].email = Some(BAD_EMAILS[0].into());
        if w.families[f].parents[0].phone.is_none() {
            w.families[f].parents[0].phone = Some(w.phone());
        }
        pmarks
            .cells
            .entry((f, 0))
            .or_default()
            .push((PCol::Email, Mark::new("bad-email", "no @")));

        // A parent row listed twice for the same child → duplicate-person
        let s = pick_plain(&w, &mut prng, &groups[gm[2]].students, &mut used);
        pmarks.duplicate.insert((s, 0));

        // S4's mother: one mistyped phone on her two rows (one per child) → two bad-phone
        let f = w.students_list[s4.0].family;
        let m = w.ensure_mother(f, PARENTS_BORN);
        let mp = w.families[f].parents[m].p.clone();
        w.families[f].parents[m].phone = Some(BAD_PHONES[2].into());
        if w.families[f].parents[m].email.is_none() {
            w.families[f].parents[m].email = Some(w.email(&mp, 1982));
        }
        pmarks.cells.entry((f, m)).or_default().push((
            PCol::Phone,
            Mark::new(
                "bad-phone",
                "a mother of two students (two rows): one bad-phone per row; she has a valid e-mail",
            ),
        ));

        // Лесной (HTML export): mistyped phone with a valid e-mail
        let s = pick_plain(&w, &mut prng, &groups[les_html[0]].students, &mut used);
        let f = w.students_list[s].family;
        let p = w.families[f].parents[0].p.clone();
        w.families[f].parents[0].phone = Some(BAD_PHONES[3].into());
        if w.families[f].parents[0].email.is_none() {
            w.families[f].parents[0].email = Some(w.email(&p, 1979));
        }
        pmarks_les
            .cells
            .entry((f, 0))
            .or_default()
            .push((PCol::Phone, Mark::new("bad-phone", "too few digits; valid e-mail")));
    }

    // ---- later years: the same world moved on, each September from a stream of its own ----
    let year0_by_branch = by_branch.clone();
    let mut truth: Option<YearTruth> = None;
    let mut s4_younger = s4.1;
    for k in 1..=year {
        let mut t = next_year(&mut w, &mut groups, &mut by_branch, &used, seed, scale, k)?;
        let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, &format!("college/year{k}/plant/world")));
        let mut prng = Rng::derive(seed, &format!("college/year{k}/plant"));
        let present = |groups: &[Group], s: usize| groups.iter().any(|g| g.students.contains(&s));
        // P4 left with a graduated group: planted again in the group that took its place
        if !present(&groups, p4) {
            let s = pick_plain(&w, &mut prng, &groups[gm[8]].students, &mut used);
            p4 = s;
            let f = w.students_list[s].family;
            w.families[f].parents[0].email = Some(BAD_EMAILS[0].into());
            if w.families[f].parents[0].phone.is_none() {
                w.families[f].parents[0].phone = Some(w.phone());
            }
            pmarks
                .cells
                .entry((f, 0))
                .or_default()
                .push((PCol::Email, Mark::new("bad-email", "no @")));
        }
        // S4's younger child graduated: the mother of two gets a first-year child in the
        // group that took its place, so she keeps her two rows
        if !present(&groups, s4_younger) {
            let f = w.students_list[s4.0].family;
            let g = gz[3];
            let (from, to) = birth_range_in(groups[g].course, false, k);
            let s = loop {
                if let Some(s) = w.child(f, g, from, to, None) {
                    break s;
                }
            };
            groups[g].students.push(s);
            common::sort_students(&w, &mut groups[g].students);
            used.insert(s);
            s4_younger = s;
            let new = t.new_groups.iter_mut().find(|n| n.group == groups[g].name).expect("a new group");
            new.students.push(PersonOut::new(&w.students_list[s].p, w.students_list[s].birth));
            new.students.sort();
        }
        w.rng = saved;
        truth = Some(t);
    }
    // the groups of each branch as the files list them (new first-year groups last)
    let (les_xlsx, les_html): (Vec<usize>, Vec<usize>) = if year > 0 {
        gm = by_branch[MAIN].clone();
        gz = by_branch[ZAR].clone();
        gl = by_branch[LES].clone();
        gs = by_branch[SOS].clone();
        gl.iter().partition(|&&g| groups[g].course == 1)
    } else {
        (les_xlsx, les_html)
    };

    // ---- staff -----------------------------------------------------------------------
    let no_curator_group = gl[3];
    let unknown_curator_group = gz[1];
    let mut staff: Vec<StaffPerson> = Vec::new();
    let mut rows: Vec<StaffRow> = Vec::new();
    let mut srng = Rng::derive(seed, "college/staff");
    let label = |rng: &mut Rng, b: usize| -> String {
        if rng.percent(70) {
            BRANCHES[b].name.to_string()
        } else {
            rng.pick(BRANCHES[b].aliases).to_string()
        }
    };
    let mut new_staff = |w: &mut World, position: &'static str| -> usize {
        let female = w.rng.percent(75);
        let p = w.staff(female);
        let year = w.rng.range(1965, 1998) as i32;
        let phone = w.rng.percent(95).then(|| w.phone());
        let email = w.rng.percent(80).then(|| w.email(&p, year));
        staff.push(StaffPerson { p, position, phone, email });
        staff.len() - 1
    };
    let mut curator_of: HashMap<usize, usize> = HashMap::new();
    // last year's groups (their places): the staff keep their names
    for (b, branch_groups) in year0_by_branch.iter().enumerate() {
        let list: Vec<usize> = branch_groups.iter().copied().filter(|&g| g != no_curator_group).collect();
        let mut i = 0;
        while i < list.len() {
            let position = if w.rng.percent(70) {
                "преподаватель"
            } else {
                "мастер производственного обучения"
            };
            let person = new_staff(&mut w, position);
            let take = if i + 1 < list.len() && w.rng.percent(25) { 2 } else { 1 };
            let curated: Vec<usize> = list[i..i + take].to_vec();
            for &g in &curated {
                curator_of.insert(g, person);
            }
            let lab = label(&mut srng, b);
            rows.push(StaffRow {
                person,
                branch: Some(b),
                label: lab,
                curated,
                marks: Vec::new(),
                row_marks: Vec::new(),
            });
            i += take;
        }
        let others: &[&'static str] = if b == MAIN {
            &[
                "директор",
                "заместитель директора по учебной работе",
                "методист",
                "социальный педагог",
                "педагог-психолог",
                "преподаватель",
            ]
        } else {
            &["заведующий филиалом", "методист", "преподаватель", "преподаватель"]
        };
        for &pos in others {
            let person = new_staff(&mut w, pos);
            let lab = label(&mut srng, b);
            rows.push(StaffRow {
                person,
                branch: Some(b),
                label: lab,
                curated: Vec::new(),
                marks: Vec::new(),
                row_marks: Vec::new(),
            });
        }
    }
    // A teacher of the main site who also curates a group in Заречный: two rows.
    {
        let g_zar = gz[3];
        let old = curator_of[&g_zar];
        let main_row = rows
            .iter()
            .position(|r| r.branch == Some(MAIN) && !r.curated.is_empty())
            .expect("a main curator");
        let person = rows[main_row].person;
        // the Заречный curator's row loses that group (and the row if it curated nothing else)
        for r in rows.iter_mut() {
            if r.person == old {
                r.curated.retain(|&g| g != g_zar);
            }
        }
        rows.retain(|r| !(r.person == old && r.curated.is_empty()));
        curator_of.insert(g_zar, person);
        let lab = label(&mut srng, ZAR);
        rows.push(StaffRow {
            person,
            branch: Some(ZAR),
            label: lab,
            curated: vec![g_zar],
            marks: Vec::new(),
            row_marks: Vec::new(),
        });
    }
    // A row whose branch is not in rollout.toml.
    {
        let person = new_staff(&mut w, "педагог-организатор");
        let row = StaffRow {
            person,
            branch: None,
            label: "Северный филиал".into(),
            curated: Vec::new(),
            // The problem points at the branch cell (column D): that is the cell to fix.
            marks: vec![(
                3,
                Mark::new(
                    "unknown-branch",
                    "«Северный филиал» is not a branch of rollout.toml; the row is dropped",
                )
                .found("Северный филиал"),
            )],
            row_marks: Vec::new(),
        };
        rows.push(row);
    }
    // a region's college: its support staff too, spread over the branches (never in the
    // committed sample)
    let hired = rows.iter().map(|r| r.person + 1).max().unwrap_or(0);
    for k in 0..v.extra_staff(hired, 55) {
        let b = k % BRANCHES.len();
        let pos = *w.rng.pick(common::SUPPORT_STAFF);
        let person = new_staff(&mut w, pos);
        let lab = label(&mut srng, b);
        rows.push(StaffRow {
            person,
            branch: Some(b),
            label: lab,
            curated: Vec::new(),
            marks: Vec::new(),
            row_marks: Vec::new(),
        });
    }
    // bad-phone and bad-email on single-row staff members without curatorship.
    let persons_rows = |rows: &[StaffRow], p: usize| rows.iter().filter(|r| r.person == p).count();
    {
        let cand: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].curated.is_empty() && rows[i].branch.is_some() && persons_rows(&rows, rows[i].person) == 1)
            .collect();
        let (a, b) = (cand[1], cand[3]);
        let pa = rows[a].person;
        staff[pa].phone = Some(BAD_PHONES[4].into());
        rows[a].marks.push((5, Mark::new("bad-phone", "staff phone with too few digits")));
        let pb = rows[b].person;
        staff[pb].email = Some(BAD_EMAILS[1].into());
        rows[b].marks.push((6, Mark::new("bad-email", "two @")));
    }
    rows.sort_by_cached_key(|r| (staff[r.person].p.key(), r.branch.map_or(99, |b| b)));

    // The curator named in a group row who is in no staff list.
    let unknown = w.staff(true);

    // a group added since (more first-year groups than graduated ones) gets a new curator,
    // hired last so that everyone else keeps their name
    for (b, branch_groups) in by_branch.iter().enumerate() {
        for &g in &branch_groups[year0_by_branch[b].len()..] {
            let female = w.rng.percent(75);
            let p = w.staff(female);
            let born = w.rng.range(1965, 1998) as i32;
            let phone = w.rng.percent(95).then(|| w.phone());
            let email = w.rng.percent(80).then(|| w.email(&p, born));
            staff.push(StaffPerson {
                p,
                position: "преподаватель",
                phone,
                email,
            });
            let person = staff.len() - 1;
            curator_of.insert(g, person);
            let lab = label(&mut srng, b);
            rows.push(StaffRow {
                person,
                branch: Some(b),
                label: lab,
                curated: vec![g],
                marks: Vec::new(),
                row_marks: Vec::new(),
            });
        }
    }
    rows.sort_by_cached_key(|r| (staff[r.person].p.key(), r.branch.map_or(99, |b| b)));

    // ---- files -----------------------------------------------------------------------
    let src = dir.join("sources");
    std::fs::create_dir_all(&src)?;
    let mut nrng = Rng::derive(seed, "college/noise");

    // 1. Main site: flat table, titles, totals, merged group cells, СНИЛС, Excel dates.
    {
        let mut sh = Sheet::new("Контингент", 8, 1);
        sh.widths = vec![7.0, 38.0, 14.0, 10.0, 7.0, 16.0, 20.0, 30.0];
        sh.push(Row::text(RowKind::Title, v.org(ORG)));
        sh.push(Row::text(
            RowKind::Title,
            format!("Списочный состав на 01.10.{} (Главный корпус)", 2025 + year),
        ));
        sh.push(Row::header(&[
            "№ п/п",
            "ФИО",
            "Дата рождения",
            "Группа",
            "Курс",
            "СНИЛС",
            "Телефон",
            "E-mail",
        ]));
        let mut n = 0;
        for &g in &gm {
            let first = sh.rows.len();
            for &s in &groups[g].students.clone() {
                let st = w.students_list[s].clone();
                let copies = if s == dup_student { 2 } else { 1 };
                let must = s == snils_checksum || s == snils_length || s == two_groups;
                let id = (st.p.full(), st.birth);
                let snils = match prev.as_ref().and_then(|(_, _, c)| c.snils.get(&id)) {
                    // a student of last year keeps their СНИЛС
                    Some(v) => v.clone(),
                    // a new student: drawn from a stream of its own
                    None if year > 0 => {
                        let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, &format!("college/year{year}/snils/{s}")));
                        if let Some((_, _, c)) = prev.as_ref() {
                            for v in c.snils.values().flatten() {
                                w.claim_snils(v);
                            }
                        }
                        let v = (w.rng.percent(95) || must).then(|| w.snils());
                        w.rng = saved;
                        v
                    }
                    None => {
                        if w.rng.percent(95) || must {
                            Some(w.snils())
                        } else {
                            None
                        }
                    }
                };
                snils_of.insert(id, snils.clone());
                let snils = snils.map(|v| {
                    if s == snils_checksum {
                        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
                        let n9: u32 = digits[..9].parse().expect("digits");
                        let check = crate::world::snils_check(n9);
                        crate::world::format_snils(n9, (check + 37) % 100)
                    } else if s == snils_length {
                        format!("{}{}", &v[..9], &v[10..]) // a digit lost: 10 digits
                    } else {
                        v
                    }
                });
                let name = if nrng.percent(6) { common::caps(&st.p) } else { st.p.full() };
                for copy in 0..copies {
                    n += 1;
                    let mut row = Row::new(
                        RowKind::Data,
                        vec![
                            V::Int(n),
                            V::text(name.clone()),
                            V::Date(st.birth),
                            V::text(groups[g].name.clone()),
                            V::Int(i64::from(groups[g].course)),
                            V::opt(snils.clone()),
                            phone_cell(&mut nrng, &st.phone),
                            V::opt(st.email.clone()),
                        ],
                    );
                    if copy == 1 {
                        row.mark_row(Mark::new(
                            "duplicate-person",
                            "the same student row (name, birth date, group) listed again right below",
                        ));
                    }
                    if s == snils_checksum {
                        row.mark_cell(5, Mark::new("bad-snils", "wrong check number"));
                    }
                    if s == snils_length {
                        row.mark_cell(5, Mark::new("bad-snils", "ten digits instead of eleven"));
                    }
                    if s == two_groups {
                        row.mark_row(Mark::new(
                            "student-in-two-groups",
                            format!(
                                "same name and birth date also in {} ({F_ZAR}); not in the parents' export",
                                groups[gz[1]].name
                            ),
                        ));
                    }
                    sh.push(row);
                }
            }
            let last = sh.rows.len() - 1;
            sh.vmerges.push(VMerge { col: 3, first, last });
            sh.vmerges.push(VMerge { col: 4, first, last });
        }
        sh.push(Row::text(RowKind::Total, format!("Итого: {n} чел.")));
        let sheets = [sh];
        write::xlsx(&dir.join(F_MAIN), &sheets)?;
        table::record(&mut planted, F_MAIN, &sheets, true);
    }

    // 2. Заречный: group rows with the curator, header repeated, text dates; a notes sheet.
    {
        let mut sh = Sheet::new("Списки групп", 5, 1);
        sh.widths = vec![6.0, 38.0, 14.0, 20.0, 30.0];
        sh.push(Row::text(RowKind::Title, v.org(ORG)));
        sh.push(Row::text(
            RowKind::Title,
            format!("Заречный филиал: списки групп на {}/{} учебный год", 2025 + year, 2026 + year),
        ));
        sh.push(Row::blank());
        for &g in &gz {
            let curator = if g == unknown_curator_group {
                unknown.initials()
            } else {
                staff[curator_of[&g]].p.initials()
            };
            let mut grow = Row::text(
                RowKind::GroupRow,
                format!("Группа {}, {} курс. Куратор: {}", groups[g].name, groups[g].course, curator),
            );
            if g == unknown_curator_group {
                grow.mark_cell(
                    0,
                    Mark::new(
                        "unknown-curator",
                        "the group row names a curator who is in no staff list (the staff list gives the group another curator)",
                    )
                    .found(curator.clone()),
                );
            }
            sh.push(grow);
            sh.push(Row::header(&["№", "ФИО", "Дата рождения", "Телефон", "E-mail"]));
            for (i, &s) in groups[g].students.iter().enumerate() {
                let st = &w.students_list[s];
                let mut date = V::text(st.birth.dmy());
                let bad = s == bad_date_zar;
                if bad {
                    date = V::text(format!("31.02.{}", st.birth.y));
                }
                let mut row = Row::new(
                    RowKind::Data,
                    vec![
                        V::Int(i as i64 + 1),
                        V::text(st.p.full()),
                        date,
                        V::opt(st.phone.clone()),
                        V::opt(st.email.clone()),
                    ],
                );
                if bad {
                    row.mark_cell(2, Mark::new("bad-date", "31 February; the student is in no other source"));
                }
                sh.push(row);
            }
            sh.push(Row::blank());
        }
        let mut notes = Sheet::new("Примечания", 1, 0);
        notes.widths = vec![90.0];
        for line in [
            "Списки сверены с приказами о зачислении и отчислении по состоянию на 1 октября.",
            "Переведённые из Главного корпуса указаны в списках Заречного филиала с даты приказа.",
            "Исправления просьба направлять в учебную часть филиала до конца месяца.",
        ] {
            notes.push(Row::text(RowKind::Note, line));
        }
        notes.marks.push(Mark::new("header-not-found", "a sheet of free text only"));
        let sheets = [sh, notes];
        write::xlsx(&dir.join(F_ZAR), &sheets)?;
        table::record(&mut planted, F_ZAR, &sheets, true);
    }

    // 3. Лесной: one sheet per group, surname / name / patronymic columns.
    {
        let mut sheets = Vec::new();
        for (k, &g) in gl.iter().enumerate() {
            let mut sh = Sheet::new(groups[g].name.clone(), 6, 1);
            if k % 2 == 0 {
                sh.push(Row::text(RowKind::Title, format!("Группа {}", groups[g].name)));
            }
            sh.push(Row::header(&["№", "Фамилия", "Имя", "Отчество", "Дата рождения", "Телефон"]));
            let date_cells = k % 3 != 2;
            for (i, &s) in groups[g].students.iter().enumerate() {
                let st = &w.students_list[s];
                sh.push(Row::new(
                    RowKind::Data,
                    vec![
                        V::Int(i as i64 + 1),
                        V::text(st.p.surname.clone()),
                        V::text(st.p.first.clone()),
                        V::text(st.p.patronymic.clone()),
                        birth_value(st.birth, date_cells),
                        V::opt(st.phone.clone()),
                    ],
                ));
                if g == no_curator_group && i == 0 {
                    // A group-level problem points where the group is named: the title row,
                    // or (without one) the sheet itself, whose name is the group.
                    let mark = Mark::new("group-without-curator", "no staff row curates this group").found(groups[g].name.clone());
                    if k % 2 == 0 {
                        sh.rows[0].mark_cell(0, mark);
                    } else {
                        sh.marks.push(mark);
                    }
                }
            }
            sheets.push(sh);
        }
        write::ods(&dir.join(F_LES), &sheets)?;
        table::record(&mut planted, F_LES, &sheets, true);
    }

    // 4. Сосновский: Windows-1251 CSV with «;», short dates, spelling noise.
    let sos_group_text = |rng: &mut Rng, name: &str| -> String {
        let roll = rng.below(100);
        if name.starts_with("СФ-24") && roll < 15 {
            name.replacen('С', "C", 1) // «CФ-24-1» with a Latin C
        } else if name.starts_with("СФ-24") && roll < 25 {
            name.replacen('-', " ", 1) // «СФ 24-1»
        } else if name.starts_with("ТМ-23") && roll < 20 {
            names::latin_lookalikes(name) // «TM-23-1»
        } else {
            name.to_string()
        }
    };
    {
        let mut sh = Sheet::new("", 6, 1);
        sh.push(Row::text(
            RowKind::Title,
            format!("Контингент Сосновского филиала на 01.10.{}", 2025 + year),
        ));
        sh.push(Row::header(&["№", "ФИО", "Дата рождения", "Группа", "Курс", "Телефон"]));
        let mut n = 0;
        for &g in &gs {
            let nameless_at = if g == gs[1] { Some(groups[g].students.len() / 2) } else { None };
            for (i, &s) in groups[g].students.iter().enumerate() {
                if nameless_at == Some(i) {
                    n += 1;
                    let (from, to) = birth_range(groups[g].course, false);
                    let birth = Date::random(&mut nrng, from, to);
                    let mut row = Row::new(
                        RowKind::Data,
                        vec![
                            V::Int(n),
                            V::Empty,
                            V::text(birth.dmy_short()),
                            V::text(groups[g].name.clone()),
                            V::Int(i64::from(groups[g].course)),
                            V::Empty,
                        ],
                    );
                    row.mark_row(Mark::new("missing-name", "birth date and group given, the name is empty"));
                    sh.push(row);
                }
                let st = &w.students_list[s];
                n += 1;
                let mut name = st.p.full();
                if name.contains('ё') && nrng.percent(50) {
                    name = names::without_yo(&name);
                }
                if nrng.percent(8) {
                    name = name.replacen(' ', "  ", 1);
                }
                let date = if s == no_birth {
                    V::Empty
                } else if s == bad_date_sos {
                    V::text(format!("31.4.{:02}", st.birth.y % 100))
                } else {
                    V::text(st.birth.dmy_short())
                };
                let mut row = Row::new(
                    RowKind::Data,
                    vec![
                        V::Int(n),
                        V::text(name),
                        date,
                        V::text(sos_group_text(&mut nrng, &groups[g].name)),
                        V::Int(i64::from(groups[g].course)),
                        V::opt(st.phone.clone()),
                    ],
                );
                if s == no_birth {
                    // The problem points at the empty birth-date cell: the cell to fill in.
                    row.mark_cell(
                        2,
                        Mark::new("missing-birth-date", "empty birth date; the student is in no other source"),
                    );
                }
                if s == bad_date_sos {
                    row.mark_cell(2, Mark::new("bad-date", "31 April; the student is in no other source"));
                }
                sh.push(row);
            }
        }
        sh.push(Row::text(RowKind::Total, format!("Итого: {n} чел.")));
        let sheets = [sh];
        write::csv(&dir.join(F_SOS), &sheets[0], ';', Encoding::Windows1251)?;
        table::record(&mut planted, F_SOS, &sheets, false);
    }

    // 5. Parents' export for all branches (Лесной: first year only), with a branch column.
    let listed = |gl_: &[usize]| -> Vec<usize> {
        let mut v = Vec::new();
        for &g in gl_ {
            for &s in &groups[g].students {
                if !no_parents.contains(&s) {
                    v.push(s);
                }
            }
        }
        v
    };
    {
        let mut sh = Sheet::new("Родители", 9, 5);
        sh.widths = vec![6.0, 36.0, 14.0, 10.0, 18.0, 36.0, 12.0, 20.0, 30.0];
        sh.push(Row::text(
            RowKind::Title,
            format!("Выгрузка из АИС «Контингент» от 01.10.{}", 2025 + year),
        ));
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
        let mut students = listed(&gm);
        students.extend(listed(&gz));
        students.extend(listed(&les_xlsx));
        students.extend(listed(&gs));
        let cols = [
            PCol::Num,
            PCol::Child,
            PCol::Birth,
            PCol::Group,
            PCol::Branch,
            PCol::Parent,
            PCol::Relation,
            PCol::Phone,
            PCol::Email,
        ];
        let student_group: Vec<usize> = w.students_list.iter().map(|st| st.group).collect();
        let mut brng = Rng::derive(seed, "college/parents-branch");
        common::parent_rows(
            &w,
            &mut nrng,
            &mut sh,
            &cols,
            &students,
            true,
            &pmarks,
            |_, s| groups[student_group[s]].name.clone(),
            |_, s| {
                let b = groups[student_group[s]].branch;
                if brng.percent(60) {
                    BRANCHES[b].name.to_string()
                } else {
                    brng.pick(BRANCHES[b].aliases).to_string()
                }
            },
        );
        let sheets = [sh];
        write::xlsx(&dir.join(F_PARENTS), &sheets)?;
        table::record(&mut planted, F_PARENTS, &sheets, true);
    }

    // 6. Лесной parents: an e-journal's HTML table saved as .xls.
    {
        // an HTML table has no sheet name: the tool calls it «Таблица 1»
        let mut sh = Sheet::new("Таблица 1", 8, 4);
        sh.push(Row::text(RowKind::Title, "Выгрузка из электронного журнала. Лесной филиал"));
        sh.push(Row::header(&[
            "№",
            "Обучающийся",
            "Дата рождения",
            "Группа",
            "Родитель (законный представитель)",
            "Степень родства",
            "Моб. телефон",
            "Электронная почта",
        ]));
        let students = listed(&les_html);
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
        let student_group: Vec<usize> = w.students_list.iter().map(|st| st.group).collect();
        common::parent_rows(
            &w,
            &mut nrng,
            &mut sh,
            &cols,
            &students,
            false,
            &pmarks_les,
            |_, s| groups[student_group[s]].name.clone(),
            |_, _| String::new(),
        );
        let sheets = [sh];
        write::html_xls(&dir.join(F_PARENTS_LES), &sheets[0], "Родители (законные представители)")?;
        planted.add(
            "xls-is-html",
            F_PARENTS_LES,
            "",
            "",
            String::new(),
            "an HTML table saved with an .xls extension",
        );
        table::record(&mut planted, F_PARENTS_LES, &sheets, true);
    }

    // 7. Staff list: a real BIFF8 .xls.
    {
        let mut sh = Sheet::new("Сотрудники", 7, 1);
        sh.widths = vec![6.0, 36.0, 34.0, 20.0, 24.0, 20.0, 30.0];
        sh.push(Row::text(
            RowKind::Title,
            format!("Список педагогических работников на 01.10.{}", 2025 + year),
        ));
        sh.push(Row::header(&[
            "№",
            "ФИО",
            "Должность",
            "Филиал",
            "Классное руководство",
            "Телефон",
            "E-mail",
        ]));
        for (i, r) in rows.iter().enumerate() {
            let p = &staff[r.person];
            let curated: Vec<String> = r.curated.iter().map(|&g| groups[g].name.clone()).collect();
            let mut row = Row::new(
                RowKind::Data,
                vec![
                    V::Int(i as i64 + 1),
                    V::text(p.p.full()),
                    V::text(p.position),
                    V::text(r.label.clone()),
                    V::text(curated.join(", ")),
                    V::opt(p.phone.clone()),
                    V::opt(p.email.clone()),
                ],
            );
            for (c, m) in &r.marks {
                row.mark_cell(*c, m.clone());
            }
            for m in &r.row_marks {
                row.mark_row(m.clone());
            }
            sh.push(row);
        }
        let sheets = [sh];
        if v.no_xls {
            write::xlsx(&dir.join(F_STAFF_XLSX), &sheets)?;
        } else {
            write::xls(&dir.join(F_STAFF), &sheets)?;
        }
        table::record(&mut planted, f_staff, &sheets, true);
    }

    // 8. The teaching load («тарификация»), one Windows-1251 CSV per branch, teachers
    //    written «Иванова И.И.»: each group's curator teaches one of its disciplines, every
    //    other discipline of a branch goes to one teacher of that branch.
    {
        // a teacher in no staff list (a stream of its own: the staff keep their names)
        let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, "college/load/unknown"));
        let female = w.rng.percent(75);
        let stranger = w.staff(female);
        w.rng = saved;
        let name_of = |t: LoadTeacher| match t {
            LoadTeacher::Staff(p) => staff[p].p.initials(),
            LoadTeacher::Stranger => stranger.initials(),
            LoadTeacher::Nobody => String::new(),
        };
        for (b, branch_groups) in by_branch.iter().enumerate() {
            let mut pool: Vec<usize> = Vec::new();
            for r in rows.iter().filter(|r| r.branch == Some(b)) {
                let teaching = matches!(staff[r.person].position, "преподаватель" | "мастер производственного обучения");
                if teaching && !pool.contains(&r.person) {
                    pool.push(r.person);
                }
            }
            pool.sort_by_cached_key(|&p| staff[p].p.key());
            let mut total: HashMap<usize, u32> = HashMap::new();
            let mut by_discipline: HashMap<&str, usize> = HashMap::new();
            let mut lines: Vec<LoadRow> = Vec::new();
            for &g in branch_groups {
                let prefix = groups[g].name.split('-').next().unwrap_or_default().to_string();
                let list = disciplines(&prefix, groups[g].course);
                let own = curator_of.get(&g).map(|&c| (c, g % list.len()));
                for (k, &(d, h)) in list.iter().enumerate() {
                    let t = match own {
                        Some((c, kk)) if kk == k => c,
                        _ => *by_discipline.entry(d).or_insert_with(|| {
                            *pool
                                .iter()
                                .min_by_key(|&&p| (total.get(&p).copied().unwrap_or(0), p))
                                .expect("a teacher")
                        }),
                    };
                    *total.entry(t).or_default() += h;
                    lines.push(LoadRow {
                        teacher: LoadTeacher::Staff(t),
                        group: groups[g].name.clone(),
                        discipline: d,
                        hours: h,
                        mark: None,
                    });
                }
            }
            if b == MAIN {
                // a discipline nobody teaches yet: its teacher cell is left empty
                let vac = lines.iter().position(|l| l.discipline == "Базы данных").unwrap_or(lines.len() - 1);
                let l = &mut lines[vac];
                l.teacher = LoadTeacher::Nobody;
                l.mark =
                    Some(Mark::new("teaching-no-teacher", "the teacher cell is empty").found(format!("{}: {}", l.group, l.discipline)));
                // a group no list has: one more ИС-24 group than there is
                let t = lines[0].teacher;
                lines.push(LoadRow {
                    teacher: t,
                    group: format!("ИС-24-{}", 2 * scale + 1),
                    discipline: "Основы алгоритмизации и программирования",
                    hours: 120,
                    mark: Some(Mark::new("teaching-unknown-group", "no students' list has this group")),
                });
                lines.push(LoadRow {
                    teacher: LoadTeacher::Stranger,
                    group: groups[gm[0]].name.clone(),
                    discipline: "Физическая культура",
                    hours: 78,
                    mark: Some(Mark::new("teaching-unknown-teacher", "the teacher is in no staff list")),
                });
            }
            // by teacher, the empty teacher cell last
            lines.sort_by_cached_key(|l| {
                (
                    l.teacher == LoadTeacher::Nobody,
                    name_of(l.teacher).to_lowercase(),
                    l.group.clone(),
                    l.discipline,
                )
            });
            let mut sh = Sheet::new("", 4, 0);
            sh.push(Row::header(&["ФИО преподавателя", "Группа", "Дисциплина", "Часы"]));
            for l in lines {
                let mut row = Row::new(
                    RowKind::Data,
                    vec![
                        V::text(name_of(l.teacher)),
                        V::text(l.group),
                        V::text(l.discipline),
                        V::Int(i64::from(l.hours)),
                    ],
                );
                if let Some(m) = l.mark {
                    let col = if m.rule == "teaching-unknown-group" { 1 } else { 0 };
                    row.mark_cell(col, m);
                }
                sh.push(row);
            }
            let sheets = [sh];
            write::csv(&dir.join(F_LOAD[b]), &sheets[0], ';', Encoding::Windows1251)?;
            table::record(&mut planted, F_LOAD[b], &sheets, false);
        }
    }

    // ---- rollout.toml ------------------------------------------------------------------
    let mut t = String::new();
    t.push_str(&format!(
        "# Sample workspace made by rollout-gen (seed {seed}, scale {scale}). Every person here is fictional.\n\n"
    ));
    toml_head(&mut t, v.org(ORG), v.profile.unwrap_or("college"));
    let sources: [(&str, Option<usize>, &str); 11] = [
        (F_MAIN, Some(MAIN), "students"),
        (F_ZAR, Some(ZAR), "students"),
        (F_LES, Some(LES), "students"),
        (F_SOS, Some(SOS), "students"),
        (F_PARENTS, None, "parents"),
        (F_PARENTS_LES, Some(LES), "parents"),
        (f_staff, None, "staff"),
        (F_LOAD[MAIN], Some(MAIN), "teaching"),
        (F_LOAD[ZAR], Some(ZAR), "teaching"),
        (F_LOAD[LES], Some(LES), "teaching"),
        (F_LOAD[SOS], Some(SOS), "teaching"),
    ];
    for (path, branch, kind) in sources {
        t.push_str("\n[[sources]]\n");
        t.push_str(&format!("path = {}\n", toml_str(path)));
        if let Some(b) = branch {
            t.push_str(&format!("branch = {}\n", toml_str(BRANCHES[b].name)));
        }
        t.push_str(&format!("kind = \"{kind}\"\n"));
    }
    if !v.no_platform {
        t.push_str("\n# What is on the platform: a snapshot in the shape the MAX Bot API returns.\n[platform]\nsnapshot = \"platform/\"\n");
    }
    t.push_str("\n# Who the .eml letters are from (no .eml is written without it).\n[letters]\nfrom = \"Приёмная колледжа <priem@college.example>\"\n");
    t.push_str("\n# The new school year (rollout rollover): «ПК» programmes end with the third course.\n[rollover]\nlast_course_by_prefix = { \"ПК\" = 3 }\n");
    std::fs::write(dir.join("rollout.toml"), t)?;
    // The rollout plan the dashboard shows: written by hand, for these four branches.
    std::fs::create_dir_all(dir.join("plans"))?;
    std::fs::write(dir.join("plans/binding.toml"), include_str!("college-plan.toml"))?;

    let staff_names: Vec<String> = {
        let mut v: Vec<String> = staff.iter().map(|p| p.p.full()).collect();
        v.sort();
        v.dedup();
        v
    };
    let carried = Carried {
        staff: staff_names.clone(),
        roster: groups
            .iter()
            .map(|g| {
                let pupils = g.students.iter().map(|&s| {
                    let st = &w.students_list[s];
                    (st.p.full(), PersonOut::new(&st.p, st.birth).birth_date)
                });
                (g.name.clone(), pupils.collect())
            })
            .collect(),
        snils: snils_of,
    };
    if let (Some(mut truth), Some((_, stats, prev))) = (truth, prev) {
        // the platform does not change by itself in September: last year's snapshot, as is
        crate::school::copy_tree(&prev_dir.join("platform"), &dir.join("platform"))?;
        std::fs::copy(prev_dir.join("platform-truth.json"), dir.join("platform-truth.json"))?;
        std::fs::remove_dir_all(&prev_dir)?;
        let prev_staff = prev.staff;
        truth.staff = StaffChange {
            left: prev_staff.iter().filter(|n| !staff_names.contains(n)).cloned().collect(),
            arrived: staff_names.iter().filter(|n| !prev_staff.contains(n)).cloned().collect(),
            class_teachers: groups
                .iter()
                .enumerate()
                .filter_map(|(g, gr)| Some((gr.name.clone(), staff[*curator_of.get(&g)?].p.full())))
                .collect(),
        };
        let mut json = serde_json::to_string_pretty(&truth)?;
        json.push('\n');
        std::fs::write(dir.join("year.json"), json)?;
        return Ok((planted, stats, carried));
    }

    // ---- the platform snapshot (written last: its draws never touch the roster files) ----
    {
        use crate::platform::{self, DepartedIn, GroupIn, Kind, PersonIn, Plan, StaffChatIn, Style};
        let mut people: Vec<PersonIn> = Vec::new();
        let bad_birth: HashSet<usize> = [no_birth, bad_date_zar, bad_date_sos].into_iter().collect();
        for (s, st) in w.students_list.iter().enumerate() {
            people.push(PersonIn {
                p: st.p.clone(),
                kind: Kind::Student,
                birth_date: (!bad_birth.contains(&s)).then_some(st.birth),
                phone: None,
            });
        }
        let mut parent_pid: Vec<Vec<usize>> = Vec::new();
        for fam in &w.families {
            let mut v = Vec::new();
            for pa in &fam.parents {
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
        let staff_pid0 = people.len();
        for sp in &staff {
            people.push(PersonIn {
                p: sp.p.clone(),
                kind: Kind::Staff,
                birth_date: None,
                phone: None,
            });
        }
        let mut pgroups: Vec<GroupIn> = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            // a student listed in two groups sits in the chat of the first
            let students: Vec<usize> = g.students.iter().copied().filter(|&s| w.students_list[s].group == gi).collect();
            let mut parents: Vec<usize> = Vec::new();
            for &s in &students {
                if no_parents.contains(&s) {
                    continue; // in no parents' file: not on the roster
                }
                for &p in &parent_pid[w.students_list[s].family] {
                    if !parents.contains(&p) {
                        parents.push(p);
                    }
                }
            }
            pgroups.push(GroupIn {
                name: g.name.clone(),
                branch: Some(BRANCHES[g.branch].name.to_string()),
                students,
                parents,
                curator: curator_of.get(&gi).map(|&c| staff_pid0 + c),
                flood: g.course == 2,
            });
        }
        let titles = [
            "Учительская",
            "Преподаватели — Заречный филиал",
            "Преподаватели Лесной",
            "Педагоги СФ",
        ];
        let staff_chats: Vec<StaffChatIn> = (0..BRANCHES.len())
            .map(|b| {
                let mut members: Vec<usize> = Vec::new();
                for r in rows.iter().filter(|r| r.branch == Some(b)) {
                    if !members.contains(&(staff_pid0 + r.person)) {
                        members.push(staff_pid0 + r.person);
                    }
                }
                StaffChatIn {
                    title: titles[b].to_string(),
                    branch: Some(BRANCHES[b].name.to_string()),
                    group: None,
                    audience: "staff",
                    subject: None,
                    members,
                }
            })
            .collect();
        // students who left: made up now, so the roster files never see them
        w.rng = Rng::derive(seed, "college/platform/people");
        let mut departed = Vec::new();
        let mut seen = HashSet::new();
        for k in 0..3 * scale as usize {
            let g = loop {
                let g = w.rng.below(groups.len());
                // spread over groups (until every group has one)
                if seen.insert(g) || k >= groups.len() {
                    break g;
                }
            };
            let (from, to) = birth_range(groups[g].course, false);
            let s = w.student(g, from, to, PARENTS_BORN);
            let fam = &w.families[w.students_list[s].family];
            departed.push(DepartedIn {
                group: g,
                student: w.students_list[s].p.clone(),
                parents: fam.parents.iter().map(|p| p.p.clone()).collect(),
            });
        }
        let scale_n = scale as usize;
        let input = platform::Input {
            seed,
            scale,
            label: "college",
            style: Style::College,
            people,
            groups: pgroups,
            staff_chats,
            departed,
            forced: vec![two_groups, bad_date_zar, no_birth, bad_date_sos],
            plan: Plan {
                old_group: 3 * scale_n,
                strangers: 5 * scale_n,
                strangers_in_flood: scale_n,
                second_accounts: 3 * scale_n,
                non_admin_curator_chats: 2 * scale_n,
                missing: scale_n,
                flood_title: "Флудилка 2 курса".into(),
                flood_size: 18 * scale_n,
                null_links: 2,
            },
        };
        planted.roster = platform::roster_counts(&input.people);
        let stats = if v.no_platform {
            platform::Stats::default()
        } else {
            platform::write(dir, &input)?
        };
        Ok((planted, stats, carried))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read_dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.strip_prefix(dir).expect("prefix").to_path_buf(), std::fs::read(&p).expect("read")));
                }
            }
        }
        out.sort();
        out
    }

    /// The main site's list as its file holds it: group → pupils (name, ISO birth date).
    fn read_main(dir: &Path) -> crate::year::tests::Roster {
        use calamine::{Data, Reader, open_workbook_auto};
        let mut wb = open_workbook_auto(dir.join(F_MAIN)).expect("open the main site's list");
        let range = wb.worksheet_range("Контингент").expect("sheet");
        let mut out = crate::year::tests::Roster::new();
        // the group cells are merged down: the value is on a group's first row
        let mut group = String::new();
        for row in range.rows() {
            if let Some(Data::String(g)) = row.get(3) {
                group = g.clone();
            }
            let (Some(Data::String(full)), Some(Data::DateTime(d))) = (row.get(1), row.get(2)) else {
                continue;
            };
            let b = Date::from_days(d.as_f64() as i64 - 25_569);
            // ALL CAPS names are noise: compare them as the roster spells them
            let mut capital = true;
            let full: String = full
                .chars()
                .map(|c| {
                    let out = if capital {
                        c.to_uppercase().next()
                    } else {
                        c.to_lowercase().next()
                    };
                    capital = c == ' ' || c == '-';
                    out.unwrap_or(c)
                })
                .collect();
            out.entry(group.clone())
                .or_default()
                .insert((full, format!("{:04}-{:02}-{:02}", b.y, b.m, b.d)));
        }
        out
    }

    /// Year 1 against year 0 at the college: the roster moves as `year.json` says (groups
    /// keep their codes, the last course graduates, first-year groups of the next
    /// admission arrive, «ИС-24-1» becomes «ИСП-24-1»); the main site's file agrees; the
    /// planted counts hold, the staff stay, the platform snapshot is last year's.
    #[test]
    fn year_one_follows_year_zero() {
        if !std::process::Command::new("python3")
            .args(["-c", "import xlwt"])
            .status()
            .is_ok_and(|s| s.success())
        {
            eprintln!("python3 with xlwt is missing: the college is not built");
            return;
        }
        let base = std::env::temp_dir().join(format!("rollout-gen-college-year-{}", std::process::id()));
        let (d0, d1) = (base.join("0"), base.join("1"));
        for d in [&d0, &d1] {
            std::fs::create_dir_all(d).expect("dir");
        }
        let (p0, _, c0) = build_year(42, 1, 0, &d0, &Variant::default()).expect("year 0");
        let (p1, _, c1) = build_year(42, 1, 1, &d1, &Variant::default()).expect("year 1");
        assert_eq!(p0.counts, p1.counts, "the planted counts hold in year 1");
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d1.join("year.json")).expect("year.json")).expect("json");
        crate::year::tests::check_step(&c0.roster, &c1.roster, &truth, 1, |old| old.to_string());
        assert_eq!(truth["renamed"]["old"], "ИС-24-1");
        assert_eq!(truth["renamed"]["new"], "ИСП-24-1");
        assert!(truth["split"].is_null());
        let graduated: Vec<&str> = truth["graduated"]
            .as_array()
            .expect("graduated")
            .iter()
            .map(|g| g["group"].as_str().expect("g"))
            .collect();
        assert_eq!(graduated, ["ПК-23-1", "ТО-22-1", "ЗФ-22-1", "ТМ-22-1"]);
        let mut new: Vec<&str> = truth["new_groups"]
            .as_array()
            .expect("new")
            .iter()
            .map(|g| g["group"].as_str().expect("g"))
            .collect();
        new.sort();
        assert_eq!(new, ["БУ-26-1", "ЗФ-26-1", "ИС-26-1", "ИС-26-2", "ЛФ-26-1", "СФ-26-1"]);
        // the main site's file says the same as the roster
        for (dir, roster) in [(&d0, &c0.roster), (&d1, &c1.roster)] {
            for (group, pupils) in read_main(dir) {
                assert_eq!(&pupils, &roster[&group], "{group} in {}", dir.display());
            }
        }
        assert!(truth["staff"]["left"].as_array().expect("left").is_empty(), "{}", truth["staff"]);
        assert_eq!(tree(&d0.join("platform")), tree(&d1.join("platform")));
        std::fs::remove_dir_all(base).ok();
    }
}
