//! The school sample: single site, a class list with a sheet per class, a parents' CSV
//! (UTF-8 with BOM, commas) and a teachers' list naming the class each one leads.

use crate::common::{self, BAD_EMAILS, BAD_PHONES, PCol, ParentMarks, StaffEntry, Variant, phone_cell, pick_plain, toml_str};
use crate::date::Date;
use crate::names;
use crate::planted::Planted;
use crate::rng::Rng;
use crate::table::{self, Mark, Row, RowKind, Sheet, V, VMerge};
use crate::world::World;
use crate::write::{self, Encoding};
use crate::year::{GroupPeople, Mapping, Moved, PersonOut, Renamed, Split, StaffChange, YearTruth, school_year, split_form};
use anyhow::Result;
use std::collections::HashSet;
use std::path::Path;

const ORG: &str = "МБОУ «СОШ № 7» г. Верхнеозёрска";
const F_CLASSES: &str = "sources/Списки_классов.xlsx";
const F_PARENTS: &str = "sources/Родители.csv";
const F_TEACHERS: &str = "sources/Учителя.xlsx";
const F_LOAD: &str = "sources/Нагрузка.xlsx";
const PARENTS_BORN: (i32, i32) = (1975, 1995);
const LETTERS: &[&str] = &[
    "А", "Б", "В", "Г", "Д", "Е", "Ж", "З", "И", "К", "Л", "М", "Н", "О", "П", "Р", "С", "Т", "У", "Ф", "Х", "Ц", "Ч", "Ш", "Э", "Ю", "Я",
];

struct Class {
    name: String,
    form: u32,
    students: Vec<usize>,
}

/// 5·scale classes: the committed five first, then every other form and letter.
fn classes(scale: u32) -> Vec<(u32, String)> {
    let mut v: Vec<(u32, String)> = [(5, "А"), (5, "Б"), (7, "А"), (9, "А"), (11, "А")]
        .iter()
        .map(|&(f, l)| (f, format!("{f}{l}")))
        .collect();
    let need = 5 * scale as usize;
    'letters: for l in LETTERS {
        for f in 1..=11u32 {
            if v.len() >= need {
                break 'letters;
            }
            let name = format!("{f}{l}");
            if !v.iter().any(|(_, n)| *n == name) {
                v.push((f, name));
            }
        }
    }
    // beyond 297 classes: numbered classes «5-1», «5-2», …
    let mut k = 1;
    while v.len() < need {
        for f in 1..=11u32 {
            if v.len() < need {
                v.push((f, format!("{f}-{k}")));
            }
        }
        k += 1;
    }
    v.truncate(need);
    v
}

/// Pupils of form `form` in 2025/26 plus `year` (the 1st form starts at 7).
fn birth_range(form: u32, year: u32) -> (Date, Date) {
    let y = 2018 + year as i32 - form as i32;
    (Date::new(y, 9, 1), Date::new(y + 1, 8, 31))
}

/// The school's curriculum: a subject and its hours a week in forms 1..=11 (0: not taught).
const LOAD_SUBJECTS: &[(&str, [u32; 11])] = &[
    ("Русский язык", [5, 5, 5, 5, 5, 6, 4, 3, 3, 2, 2]),
    ("Литературное чтение", [4, 4, 4, 3, 0, 0, 0, 0, 0, 0, 0]),
    ("Литература", [0, 0, 0, 0, 3, 3, 2, 2, 3, 3, 3]),
    ("Математика", [4, 4, 4, 4, 5, 5, 6, 6, 6, 6, 6]),
    ("Окружающий мир", [2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0]),
    ("История", [0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2]),
    ("Обществознание", [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2]),
    ("География", [0, 0, 0, 0, 1, 1, 2, 2, 2, 1, 1]),
    ("Биология", [0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 1]),
    ("Физика", [0, 0, 0, 0, 0, 0, 2, 2, 3, 2, 2]),
    ("Информатика", [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
    ("Английский язык", [0, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3]),
    ("Физическая культура", [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]),
    ("Музыка", [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
    ("Разговоры о важном", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
];

/// Hours a week of `subject` in form `form`, if it is taught there.
fn hours(subject: &str, form: u32) -> Option<u32> {
    let (_, h) = LOAD_SUBJECTS.iter().find(|(s, _)| *s == subject)?;
    let h = *h.get(form.checked_sub(1)? as usize)?;
    (h > 0).then_some(h)
}

/// Taught by the class teacher whatever their position: «Разговоры о важном», and the
/// primary forms' core subjects.
fn by_class_teacher(subject: &str, form: u32) -> bool {
    subject == "Разговоры о важном"
        || (form <= 4 && ["Русский язык", "Литературное чтение", "Математика", "Окружающий мир"].contains(&subject))
}

/// Does a teacher of this position teach `subject`?
fn teaches(position: &str, subject: &str) -> bool {
    match subject {
        "Русский язык" => position.contains("русского языка"),
        "Литература" => position.contains("литературы"),
        "Математика" => position.contains("математики"),
        "История" => position.contains("истории"),
        "Обществознание" => position.contains("обществознания"),
        "География" => position.contains("географии"),
        "Биология" => position.contains("биологии"),
        "Физика" => position == "учитель физики",
        "Информатика" => position.contains("информатики"),
        "Английский язык" => position.contains("английского"),
        "Физическая культура" => position.contains("физической культуры"),
        "Музыка" => position.contains("музыки"),
        _ => false,
    }
}

/// The position a school hires for `subject`.
fn position_for(subject: &str) -> &'static str {
    match subject {
        "Русский язык" | "Литература" => "учитель русского языка и литературы",
        "Математика" => "учитель математики",
        "История" | "Обществознание" => "учитель истории и обществознания",
        "География" => "учитель географии",
        "Биология" => "учитель биологии",
        "Физика" => "учитель физики",
        "Информатика" => "учитель информатики",
        "Английский язык" => "учитель английского языка",
        "Физическая культура" => "учитель физической культуры",
        "Музыка" => "учитель музыки",
        _ => "учитель начальных классов",
    }
}

/// One line of the teaching load: who teaches what in which class.
pub struct LoadLine {
    /// Index into the staff list; None for the planted unknown teacher and the vacancy.
    pub teacher: Option<usize>,
    pub class: String,
    pub subject: &'static str,
    pub hours: u32,
}

/// The last form: its classes graduate in September.
const LAST_FORM: u32 = 11;

/// A planted problem tied to one pupil (and so planted again when the pupil is gone).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plant {
    /// No row of the parents' CSV names the pupil.
    Orphan,
    /// The pupil's row is listed twice.
    Duplicate,
    BadPhone,
    BadEmail,
    NoContact,
}

struct Slot {
    kind: Plant,
    /// The class (by index) the problem is planted in.
    class: usize,
    student: usize,
}

/// Plant a parent's contact problem on the first parent of `s`'s family.
fn plant_parent(w: &mut World, pmarks: &mut ParentMarks, kind: Plant, s: usize) {
    let f = w.students_list[s].family;
    match kind {
        Plant::BadPhone => {
            let p = w.families[f].parents[0].p.clone();
            w.families[f].parents[0].phone = Some(BAD_PHONES[5].into());
            if w.families[f].parents[0].email.is_none() {
                w.families[f].parents[0].email = Some(w.email(&p, 1985));
            }
            pmarks
                .cells
                .entry((f, 0))
                .or_default()
                .push((PCol::Phone, Mark::new("bad-phone", "too few digits; the parent has a valid e-mail")));
        }
        Plant::BadEmail => {
            w.families[f].parents[0].email = Some(BAD_EMAILS[2].into());
            if w.families[f].parents[0].phone.is_none() {
                w.families[f].parents[0].phone = Some(w.phone());
            }
            pmarks
                .cells
                .entry((f, 0))
                .or_default()
                .push((PCol::Email, Mark::new("bad-email", "a comma in the domain")));
        }
        Plant::NoContact => {
            w.families[f].parents[0].phone = None;
            w.families[f].parents[0].email = None;
            pmarks
                .person
                .entry((f, 0))
                .or_default()
                .push(Mark::new("parent-without-contact", "phone and e-mail cells are empty"));
        }
        Plant::Orphan | Plant::Duplicate => unreachable!("not a parent's problem"),
    }
}

/// Distinct indices into `pool`, `n` of them (fewer if the pool is smaller).
pub fn pick_distinct(rng: &mut Rng, pool: &[usize], n: usize) -> Vec<usize> {
    let mut pool = pool.to_vec();
    let mut out = Vec::new();
    while out.len() < n && !pool.is_empty() {
        out.push(pool.remove(rng.below(pool.len())));
    }
    out
}

/// One September (year `k - 1` → `k`): see the `year` module. New pupils are drawn from
/// the stream `school/year<k>`; the world's own stream is left where it was, so the staff
/// drawn after this keep their names.
fn next_year(w: &mut World, cls: &mut Vec<Class>, keep: &HashSet<usize>, seed: u64, scale: u32, k: u32) -> YearTruth {
    let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, &format!("school/year{k}")));
    let mut rng = Rng::derive(seed, &format!("school/year{k}/choices"));
    let person = |w: &World, s: usize| PersonOut::new(&w.students_list[s].p, w.students_list[s].birth);
    let n = 2 * scale as usize;
    let old_count = cls.len();

    // leavers: one pupil in each of 2·scale classes that do not graduate; never a pupil
    // with a planted problem or a sibling in the school
    let staying: Vec<usize> = (0..cls.len()).filter(|&i| cls[i].form < LAST_FORM).collect();
    let mut leavers = Vec::new();
    for ci in pick_distinct(&mut rng, &staying, n) {
        let plain: Vec<usize> = (0..cls[ci].students.len())
            .filter(|&i| {
                let s = cls[ci].students[i];
                let st = &w.students_list[s];
                !keep.contains(&s) && w.families[st.family].children.len() == 1 && !w.families[st.family].parents.is_empty()
            })
            .collect();
        let Some(&i) = plain.get(rng.below(plain.len().max(1))) else {
            continue;
        };
        leavers.push(Moved {
            branch: None,
            group: cls[ci].name.clone(),
            student: person(w, cls[ci].students[i]),
        });
        cls[ci].students.remove(i);
    }

    // advance; the last form graduates and a new first form takes its letter
    let mut mapping = Vec::new();
    let mut graduated = Vec::new();
    let mut new_classes = Vec::new();
    for (ci, c) in cls.iter_mut().enumerate() {
        let (form, rest) = split_form(&c.name).expect("a class name starts with its form");
        if form >= LAST_FORM {
            let mut students: Vec<PersonOut> = c.students.iter().map(|&s| person(w, s)).collect();
            students.sort();
            graduated.push(GroupPeople {
                branch: None,
                group: c.name.clone(),
                students,
            });
            mapping.push(Mapping {
                branch: None,
                old: c.name.clone(),
                new: Vec::new(),
                how: "graduated",
            });
            c.name = format!("1{rest}");
            c.form = 1;
            c.students.clear();
            let count = w.rng.range(18, 23);
            let (from, to) = birth_range(1, k);
            for _ in 0..count {
                let s = w.student(ci, from, to, PARENTS_BORN);
                c.students.push(s);
            }
            new_classes.push(ci);
        } else {
            mapping.push(Mapping {
                branch: None,
                old: c.name.clone(),
                new: vec![format!("{}{rest}", form + 1)],
                how: "advanced",
            });
            c.name = format!("{}{rest}", form + 1);
            c.form = form + 1;
        }
    }
    let taken = |cls: &[Class], name: &str| cls.iter().any(|c| c.name == name);

    // ONE renamed class: the first that becomes a 10th form, a profile class now («10Т»);
    // none in a September where no class becomes a 10th form
    let renamed = (0..old_count).find(|&i| cls[i].form == 10).map(|ci| {
        let form = cls[ci].form;
        let new = ["Т", "Е", "Г", "С", "Ф"]
            .iter()
            .map(|l| format!("{form}{l}"))
            .chain((1..).map(|k| format!("{form}Т{k}")))
            .find(|n| !taken(cls, n))
            .expect("a free name");
        let expected = std::mem::replace(&mut cls[ci].name, new.clone());
        mapping[ci].new = vec![new.clone()];
        mapping[ci].how = "renamed";
        Renamed {
            branch: None,
            old: mapping[ci].old.clone(),
            expected,
            new,
        }
    });

    // ONE split class: the first that becomes an 8th form, its second half alphabetically
    // under the first free letter (never the name the rule gives a renamed class); none
    // in a September where no class becomes an 8th form
    let split = (0..old_count)
        .find(|&i| cls[i].form == 8 && mapping[i].how == "advanced")
        .map(|ci| {
            common::sort_students(w, &mut cls[ci].students);
            let keep = cls[ci].students.len() - cls[ci].students.len() / 2;
            let second: Vec<usize> = cls[ci].students.split_off(keep);
            let form = cls[ci].form;
            let name = LETTERS
                .iter()
                .map(|l| format!("{form}{l}"))
                .find(|n| !taken(cls, n) && renamed.as_ref().is_none_or(|r| r.expected != *n))
                .expect("a free letter");
            mapping[ci].new.push(name.clone());
            mapping[ci].how = "split";
            cls.push(Class {
                name: name.clone(),
                form,
                students: second,
            });
            Split {
                branch: None,
                old: mapping[ci].old.clone(),
                into: mapping[ci].new.clone(),
            }
        });

    // arrivals: 2·scale new pupils in classes that are not new, each with a family
    let not_new: Vec<usize> = (0..cls.len()).filter(|i| !new_classes.contains(i)).collect();
    let mut arrivals = Vec::new();
    for _ in 0..n {
        let ci = not_new[rng.below(not_new.len())];
        let (from, to) = birth_range(cls[ci].form, k);
        let s = w.student(ci, from, to, PARENTS_BORN);
        cls[ci].students.push(s);
        arrivals.push(Moved {
            branch: None,
            group: cls[ci].name.clone(),
            student: person(w, s),
        });
    }

    for (ci, c) in cls.iter_mut().enumerate() {
        for &s in &c.students {
            w.students_list[s].group = ci;
        }
        common::sort_students(w, &mut c.students);
    }
    let new_groups = new_classes
        .iter()
        .map(|&ci| {
            let mut students: Vec<PersonOut> = cls[ci].students.iter().map(|&s| person(w, s)).collect();
            students.sort();
            GroupPeople {
                branch: None,
                group: cls[ci].name.clone(),
                students,
            }
        })
        .collect();
    w.rng = saved;
    leavers.sort_by(|a: &Moved, b: &Moved| (&a.group, &a.student).cmp(&(&b.group, &b.student)));
    arrivals.sort_by(|a: &Moved, b: &Moved| (&a.group, &a.student).cmp(&(&b.group, &b.student)));
    YearTruth {
        seed,
        scale,
        year: k,
        from_school_year: school_year(k - 1),
        to_school_year: school_year(k),
        mapping,
        graduated,
        new_groups,
        renamed,
        split,
        leavers,
        arrivals,
        staff: StaffChange::default(),
    }
}

/// The sample (what was planted) and what its platform snapshot holds.
pub fn build(seed: u64, scale: u32, year: u32, dir: &Path) -> Result<(Planted, crate::platform::Stats)> {
    build_variant(seed, scale, year, dir, &Variant::default())
}

/// [`build`] for one of a region's organisations: its own name, profile, snapshot or none.
pub fn build_variant(seed: u64, scale: u32, year: u32, dir: &Path, v: &Variant) -> Result<(Planted, crate::platform::Stats)> {
    build_year(seed, scale, year, dir, v).map(|(p, s, _)| (p, s))
}

/// [`build`], and the staff's full names (for the next year's `year.json`).
fn build_year(seed: u64, scale: u32, year: u32, dir: &Path, v: &Variant) -> Result<(Planted, crate::platform::Stats, Vec<String>)> {
    let mut w = World::new(Rng::derive(seed, "school"));
    let mut planted = Planted::new(seed, scale);
    let mut used: HashSet<usize> = HashSet::new();
    let mut prng = Rng::derive(seed, "school/plant");

    let mut cls: Vec<Class> = classes(scale)
        .into_iter()
        .map(|(form, name)| Class {
            name,
            form,
            students: Vec::new(),
        })
        .collect();
    for (ci, c) in cls.iter_mut().enumerate() {
        let n = w.rng.range(18, 23);
        let (from, to) = birth_range(c.form, 0);
        for _ in 0..n {
            let s = w.student(ci, from, to, PARENTS_BORN);
            c.students.push(s);
        }
    }
    // siblings: across forms (twice) and twins in one class
    for (a, b, twin) in [(0, 3, false), (2, 4, false), (1, 1, true)] {
        loop {
            let elder = pick_plain(&w, &mut prng, &cls[a].students, &mut used);
            let fam = w.students_list[elder].family;
            let (from, to) = birth_range(cls[b].form, 0);
            if let Some(s) = w.child(fam, b, from, to, twin.then_some(elder)) {
                cls[b].students.push(s);
                used.insert(s);
                break;
            }
        }
    }
    for c in cls.iter_mut() {
        common::sort_students(&w, &mut c.students);
    }

    // plans
    let orphan_a = pick_plain(&w, &mut prng, &cls[0].students, &mut used);
    let orphan_b = pick_plain(&w, &mut prng, &cls[3].students, &mut used);
    let mut no_parents: HashSet<usize> = [orphan_a, orphan_b].into_iter().collect();
    let mut dup_student = pick_plain(&w, &mut prng, &cls[1].students, &mut used);
    let mut pmarks = ParentMarks::default();
    let mut slots = vec![
        Slot {
            kind: Plant::Orphan,
            class: 0,
            student: orphan_a,
        },
        Slot {
            kind: Plant::Orphan,
            class: 3,
            student: orphan_b,
        },
        Slot {
            kind: Plant::Duplicate,
            class: 1,
            student: dup_student,
        },
    ];
    for (kind, class) in [(Plant::BadPhone, 2), (Plant::BadEmail, 3), (Plant::NoContact, 4)] {
        let s = pick_plain(&w, &mut prng, &cls[class].students, &mut used);
        plant_parent(&mut w, &mut pmarks, kind, s);
        slots.push(Slot { kind, class, student: s });
    }

    // later years: the same world moved on, each September from a stream of its own
    let year0_classes = cls.len();
    let mut truth: Option<YearTruth> = None;
    for k in 1..=year {
        let t = next_year(&mut w, &mut cls, &used, seed, scale, k);
        // a planted problem that left with a graduate or a leaver is planted again in
        // the class that took its place
        let mut prng = Rng::derive(seed, &format!("school/year{k}/plant"));
        for slot in slots.iter_mut() {
            if cls.iter().any(|c| c.students.contains(&slot.student)) {
                continue;
            }
            let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, &format!("school/year{k}/plant/world")));
            let s = pick_plain(&w, &mut prng, &cls[slot.class].students, &mut used);
            match slot.kind {
                Plant::Orphan => {
                    no_parents.remove(&slot.student);
                    no_parents.insert(s);
                }
                Plant::Duplicate => dup_student = s,
                kind => plant_parent(&mut w, &mut pmarks, kind, s),
            }
            w.rng = saved;
            slot.student = s;
        }
        truth = Some(t);
    }
    let no_parents = no_parents;
    let dup_student = dup_student;

    let src = dir.join("sources");
    std::fs::create_dir_all(&src)?;
    let mut nrng = Rng::derive(seed, "school/noise");

    // 1. Class lists: one sheet per class.
    {
        let mut sheets = Vec::new();
        for (k, c) in cls.iter().enumerate() {
            let mut sh = Sheet::new(c.name.clone(), 3, 1);
            sh.widths = vec![6.0, 38.0, 14.0];
            if k % 2 == 0 {
                sh.push(Row::text(
                    RowKind::Title,
                    format!("Список {} класса на {}/{} учебный год", c.name, 2025 + year, 2026 + year),
                ));
            }
            sh.push(Row::header(&["№", "ФИО", "Дата рождения"]));
            let mut n = 0;
            for &s in &c.students {
                let st = &w.students_list[s];
                let copies = if s == dup_student { 2 } else { 1 };
                for copy in 0..copies {
                    n += 1;
                    let mut row = Row::new(RowKind::Data, vec![V::Int(n), V::text(st.p.full()), V::Date(st.birth)]);
                    if copy == 1 {
                        row.mark_row(Mark::new(
                            "duplicate-person",
                            "the same pupil (name, birth date, class) listed again right below",
                        ));
                    }
                    if no_parents.contains(&s) {
                        row.mark_row(Mark::new("student-without-parents", "no row of the parents' CSV names this pupil"));
                    }
                    sh.push(row);
                }
            }
            sheets.push(sh);
        }
        write::xlsx(&dir.join(F_CLASSES), &sheets)?;
        table::record(&mut planted, F_CLASSES, &sheets, true);
    }

    // 2. Parents: UTF-8 CSV with BOM and commas, as «Сетевой город» exports.
    {
        let mut sh = Sheet::new("", 7, 3);
        sh.push(Row::header(&[
            "Ученик",
            "Класс",
            "Дата рождения",
            "Родитель (законный представитель)",
            "Степень родства",
            "Телефон",
            "Электронная почта",
        ]));
        let students: Vec<usize> = cls
            .iter()
            .flat_map(|c| c.students.iter().copied())
            .filter(|s| !no_parents.contains(s))
            .collect();
        let class_of: Vec<usize> = w.students_list.iter().map(|st| st.group).collect();
        let cols = [
            PCol::Child,
            PCol::Group,
            PCol::Birth,
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
                let name = &cls[class_of[s]].name;
                // «5A» with a Latin A in some rows
                if rng.percent(20) {
                    names::latin_lookalikes(name)
                } else {
                    name.clone()
                }
            },
            |_, _| String::new(),
        );
        let sheets = [sh];
        write::csv(&dir.join(F_PARENTS), &sheets[0], ',', Encoding::Utf8Bom)?;
        table::record(&mut planted, F_PARENTS, &sheets, false);
    }

    // 3. Teachers, each class teacher naming their class.
    let teachers: Vec<StaffEntry> = {
        const SUBJECTS: &[&str] = &[
            "учитель математики",
            "учитель русского языка и литературы",
            "учитель истории и обществознания",
            "учитель английского языка",
            "учитель физики",
            "учитель биологии",
            "учитель географии",
            "учитель информатики",
        ];
        let mut people: Vec<StaffEntry> = Vec::new();
        let new_teacher = |w: &mut World, people: &mut Vec<StaffEntry>, position: String, class: String| {
            let female = w.rng.percent(85);
            let p = w.staff(female);
            let year = w.rng.range(1962, 1999) as i32;
            let phone = w.rng.percent(95).then(|| w.phone());
            let email = w.rng.percent(85).then(|| w.email(&p, year));
            people.push(StaffEntry {
                p,
                position,
                group: class,
                phone,
                email,
            });
        };
        // last year's classes first, in their order: their class teachers keep their names
        for c in &cls[..year0_classes] {
            let pos = w.rng.pick(SUBJECTS).to_string();
            new_teacher(&mut w, &mut people, pos, c.name.clone());
        }
        for pos in [
            "директор",
            "заместитель директора по УВР",
            "педагог-психолог",
            "социальный педагог",
            "учитель физической культуры",
            "учитель музыки",
        ] {
            new_teacher(&mut w, &mut people, pos.to_string(), String::new());
        }
        // every subject of the load has teachers whose position names it, one for every
        // 30 hours a week or part of it (at most 30 hours each)
        let forms: Vec<u32> = cls.iter().map(|c| c.form).collect();
        for &(subject, _) in LOAD_SUBJECTS {
            let total: u32 = forms
                .iter()
                .filter(|&&f| !by_class_teacher(subject, f))
                .filter_map(|&f| hours(subject, f))
                .sum();
            let need = total.div_ceil(30) as usize;
            while people.iter().filter(|e| teaches(&e.position, subject)).count() < need {
                new_teacher(&mut w, &mut people, position_for(subject).to_string(), String::new());
            }
        }
        // a class added since (a split class's second half) gets a new class teacher,
        // hired last so that the subject teachers keep their names
        for c in &cls[year0_classes..] {
            let pos = w.rng.pick(SUBJECTS).to_string();
            new_teacher(&mut w, &mut people, pos, c.name.clone());
        }
        // a region's school: its support staff too (never in the committed sample)
        for _ in 0..v.extra_staff(people.len(), 35) {
            let pos = w.rng.pick(common::SUPPORT_STAFF).to_string();
            new_teacher(&mut w, &mut people, pos, String::new());
        }
        people.sort_by_cached_key(|e| e.p.key());
        let mut sh = Sheet::new("Учителя", 6, 1);
        sh.widths = vec![6.0, 36.0, 36.0, 22.0, 20.0, 30.0];
        sh.push(Row::text(RowKind::Title, format!("Педагогический состав {}", v.org(ORG))));
        sh.push(Row::header(&["№", "ФИО", "Должность", "Классное руководство", "Телефон", "E-mail"]));
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
        write::xlsx(&dir.join(F_TEACHERS), &sheets)?;
        table::record(&mut planted, F_TEACHERS, &sheets, true);
        people
    };

    // 4. The teaching load: one row per teacher–class–subject, the teacher's cell merged
    //    down over their rows, a title row above the header.
    let load: Vec<LoadLine> = {
        let mut lines: Vec<LoadLine> = Vec::new();
        let mut total = vec![0u32; teachers.len()];
        for c in &cls {
            let curator = teachers.iter().position(|e| e.group == c.name).expect("a class teacher");
            for &(subject, _) in LOAD_SUBJECTS {
                let Some(h) = hours(subject, c.form) else { continue };
                let t = if by_class_teacher(subject, c.form) || teaches(&teachers[curator].position, subject) {
                    curator
                } else {
                    // the least loaded teacher of the subject
                    (0..teachers.len())
                        .filter(|&t| teaches(&teachers[t].position, subject))
                        .min_by_key(|&t| (total[t], t))
                        .expect("a teacher for every subject")
                };
                total[t] += h;
                lines.push(LoadLine {
                    teacher: Some(t),
                    class: c.name.clone(),
                    subject,
                    hours: h,
                });
            }
        }
        // a vacancy: 9А's informatics (or another subject the class teacher does not teach)
        let vac_class = &cls[3];
        let vac_curator = teachers.iter().position(|e| e.group == vac_class.name);
        let vac = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.class == vac_class.name && l.teacher != vac_curator)
            .min_by_key(|(_, l)| l.subject != "Информатика")
            .map(|(i, _)| i)
            .expect("a subject of a subject teacher");
        lines[vac].teacher = None;
        let (unknown_group_teacher, unknown_group_subject) = {
            let l = lines
                .iter()
                .find(|l| l.class == cls[2].name && l.subject == "Математика")
                .expect("7А has mathematics");
            (l.teacher, l.subject)
        };
        // a class no list has: the first of 8А, 6А, 10А, 8Б … that is not a class here
        let unknown_class = LETTERS
            .iter()
            .flat_map(|l| [8, 6, 10, 4, 2, 3, 1].map(|f| format!("{f}{l}")))
            .find(|n| !cls.iter().any(|c| c.name == *n))
            .expect("a free class name");
        let mut sheet_lines: Vec<(Option<usize>, bool, LoadLine)> = Vec::new();
        for l in &lines {
            sheet_lines.push((
                l.teacher,
                false,
                LoadLine {
                    teacher: l.teacher,
                    class: l.class.clone(),
                    subject: l.subject,
                    hours: l.hours,
                },
            ));
        }
        sheet_lines.push((
            unknown_group_teacher,
            false,
            LoadLine {
                teacher: unknown_group_teacher,
                class: unknown_class.clone(),
                subject: unknown_group_subject,
                hours: 6,
            },
        ));
        // a teacher in no staff list (made up from a stream of its own: the staff keep their names)
        let saved = std::mem::replace(&mut w.rng, Rng::derive(seed, "school/load/unknown"));
        let female = w.rng.percent(80);
        let stranger = w.staff(female);
        w.rng = saved;
        sheet_lines.push((
            None,
            true,
            LoadLine {
                teacher: None,
                class: cls[1].name.clone(),
                subject: "Технология",
                hours: 2,
            },
        ));
        // classes by form, then name (the unknown class among them)
        let class_order = |name: &str| {
            let form: u32 = name
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0);
            (form, name.to_string())
        };
        let subject_order = |s: &str| LOAD_SUBJECTS.iter().position(|(x, _)| *x == s).unwrap_or(LOAD_SUBJECTS.len());
        // teachers by name (the stranger among them), the vacancy last
        let name_of = |t: Option<usize>, stranger_row: bool| match t {
            Some(t) => teachers[t].p.full(),
            None if stranger_row => stranger.full(),
            None => String::new(),
        };
        sheet_lines.sort_by_cached_key(|(t, st, l)| {
            let vacancy = t.is_none() && !*st;
            let key = match t {
                Some(t) => teachers[*t].p.key(),
                None if *st => stranger.key(),
                None => String::new(),
            };
            (vacancy, key, class_order(&l.class), subject_order(l.subject))
        });

        let mut sh = Sheet::new("Нагрузка", 4, 0);
        sh.widths = vec![36.0, 10.0, 28.0, 16.0];
        sh.push(Row::text(
            RowKind::Title,
            format!("Распределение учебной нагрузки на {} учебный год", school_year(year)),
        ));
        sh.push(Row::header(&["Учитель", "Класс", "Предмет", "Часов в неделю"]));
        let mut block_start: Option<(usize, Option<usize>, bool)> = None;
        let close = |sh: &mut Sheet, start: Option<(usize, Option<usize>, bool)>| {
            if let Some((first, Some(_), _)) = start {
                let last = sh.rows.len() - 1;
                if last > first {
                    sh.vmerges.push(VMerge { col: 0, first, last });
                }
            }
        };
        for (t, st, l) in &sheet_lines {
            let vacancy = t.is_none() && !*st;
            let same = block_start.is_some_and(|(_, bt, bs)| bt == *t && bs == *st) && !vacancy;
            if !same {
                close(&mut sh, block_start);
                block_start = Some((sh.rows.len(), *t, *st));
            }
            let teacher_cell = if vacancy {
                V::text("вакансия")
            } else {
                V::text(name_of(*t, *st))
            };
            let mut row = Row::new(
                RowKind::Data,
                vec![
                    teacher_cell,
                    V::text(l.class.clone()),
                    V::text(l.subject),
                    V::Int(i64::from(l.hours)),
                ],
            );
            if vacancy {
                row.mark_cell(
                    0,
                    Mark::new("teaching-no-teacher", "the subject has no teacher yet («вакансия»)")
                        .found(format!("{}: {}", l.class, l.subject)),
                );
            } else if *st {
                row.mark_cell(
                    0,
                    Mark::new("teaching-unknown-teacher", "the teacher is in no staff list of the school"),
                );
            } else if l.class == unknown_class {
                row.mark_cell(1, Mark::new("teaching-unknown-group", "no class list has this class"));
            }
            sh.push(row);
        }
        close(&mut sh, block_start);
        let sheets = [sh];
        write::xlsx(&dir.join(F_LOAD), &sheets)?;
        table::record(&mut planted, F_LOAD, &sheets, true);
        lines
    };

    let toml = format!(
        "# Sample workspace made by rollout-gen (seed {seed}, scale {scale}). Every person here is fictional.\n\
         # Single site: no [[branches]], no [[sources]]; every file under sources/ is read\n\
         # and its kind is told from its columns.\n\n\
                  [organization]\nname = {}\nprofile = \"{}\"\ntimezone = \"Europe/Moscow\"\n\n{}\
         # Who the .eml letters are from (no .eml is written without it).\n\
         [letters]\nfrom = \"Школа № 7 <school7@school.example>\"\n",
        toml_str(v.org(ORG)),
        v.profile.unwrap_or("school"),
        if v.no_platform {
            ""
        } else {
            "# What is on the platform: a snapshot in the shape the MAX Bot API returns.\n[platform]\nsnapshot = \"platform/\"\n\n"
        }
    );
    std::fs::write(dir.join("rollout.toml"), toml)?;

    let staff_names: Vec<String> = teachers.iter().map(|e| e.p.full()).collect();
    if let Some(mut truth) = truth {
        // the platform does not change by itself in September: last year's snapshot, as is
        let prev = dir.join(format!(".year{}", year - 1));
        let (_, stats, prev_staff) = build_year(seed, scale, year - 1, &prev, v)?;
        copy_tree(&prev.join("platform"), &dir.join("platform"))?;
        std::fs::copy(prev.join("platform-truth.json"), dir.join("platform-truth.json"))?;
        std::fs::remove_dir_all(&prev)?;
        truth.staff = StaffChange {
            left: prev_staff.iter().filter(|n| !staff_names.contains(n)).cloned().collect(),
            arrived: staff_names.iter().filter(|n| !prev_staff.contains(n)).cloned().collect(),
            class_teachers: cls
                .iter()
                .filter_map(|c| {
                    let t = teachers.iter().find(|e| e.group == c.name)?;
                    Some((c.name.clone(), t.p.full()))
                })
                .collect(),
        };
        let mut json = serde_json::to_string_pretty(&truth)?;
        json.push('\n');
        std::fs::write(dir.join("year.json"), json)?;
        return Ok((planted, stats, staff_names));
    }

    // ---- the platform snapshot (written last: its draws never touch the roster files) ----
    {
        use crate::platform::{self, DepartedIn, GroupIn, Kind, PersonIn, Plan, StaffChatIn, Style};
        let mut people: Vec<PersonIn> = Vec::new();
        for st in &w.students_list {
            people.push(PersonIn {
                p: st.p.clone(),
                kind: Kind::Student,
                birth_date: Some(st.birth),
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
        let teacher_pid0 = people.len();
        for e in &teachers {
            people.push(PersonIn {
                p: e.p.clone(),
                kind: Kind::Staff,
                birth_date: None,
                phone: None,
            });
        }
        let groups: Vec<GroupIn> = cls
            .iter()
            .map(|c| {
                let mut parents: Vec<usize> = Vec::new();
                for &s in &c.students {
                    if no_parents.contains(&s) {
                        continue; // in no parents' file: not on the roster
                    }
                    for &p in &parent_pid[w.students_list[s].family] {
                        if !parents.contains(&p) {
                            parents.push(p);
                        }
                    }
                }
                GroupIn {
                    name: c.name.clone(),
                    branch: None,
                    students: c.students.clone(),
                    parents,
                    curator: teachers.iter().position(|e| e.group == c.name).map(|t| teacher_pid0 + t),
                    flood: c.form >= 9,
                }
            })
            .collect();
        let mut prng = Rng::derive(seed, "school/platform/people");
        // «Учителя 5А»: the class teacher and the teachers of its load, but one subject
        // teacher has not joined yet
        let first = &cls[0].name;
        let lead = teachers.iter().position(|e| e.group == *first).expect("a class teacher");
        let mut subject_teachers: Vec<usize> = Vec::new();
        for l in load.iter().filter(|l| l.class == *first) {
            if let Some(t) = l.teacher
                && t != lead
                && !subject_teachers.contains(&t)
            {
                subject_teachers.push(t);
            }
        }
        // the four draws the first «Учителя 5А» (four random subject teachers) took from
        // `prng`: the pupils who left stay the same pupils
        for _ in 0..4 {
            prng.next_u64();
        }
        let mut crng = Rng::derive(seed, "school/platform/staff-chats");
        subject_teachers.remove(crng.below(subject_teachers.len()));
        let mut members = vec![teacher_pid0 + lead];
        members.extend(subject_teachers.iter().map(|&t| teacher_pid0 + t));
        let mut staff_chats = vec![
            StaffChatIn {
                title: "Учительская".into(),
                branch: None,
                group: None,
                audience: "staff",
                subject: None,
                members: (0..teachers.len()).map(|t| teacher_pid0 + t).collect(),
            },
            StaffChatIn {
                title: format!("Учителя {first}"),
                branch: None,
                group: Some(first.clone()),
                audience: "teachers",
                subject: None,
                members,
            },
        ];
        // subject chats: «7А Физика», «9А Математика» — the teacher and most of the class
        for (class, subject) in [(&cls[2], "Физика"), (&cls[3], "Математика")] {
            let Some(t) = load
                .iter()
                .find(|l| l.class == class.name && l.subject == subject)
                .and_then(|l| l.teacher)
            else {
                continue;
            };
            let mut members = vec![teacher_pid0 + t];
            for &s in &class.students {
                if crng.percent(80) {
                    members.push(s);
                }
            }
            staff_chats.push(StaffChatIn {
                title: format!("{} {subject}", class.name),
                branch: None,
                group: Some(class.name.clone()),
                audience: "subject",
                subject: Some(subject.to_string()),
                members,
            });
        }
        // pupils who left: made up now, so the roster files never see them
        w.rng = Rng::derive(seed, "school/platform/world");
        let mut departed = Vec::new();
        for _ in 0..scale {
            let g = prng.below(cls.len());
            let (from, to) = birth_range(cls[g].form, 0);
            let s = w.student(g, from, to, PARENTS_BORN);
            let fam = &w.families[w.students_list[s].family];
            departed.push(DepartedIn {
                group: g,
                student: w.students_list[s].p.clone(),
                parents: fam.parents.iter().map(|p| p.p.clone()).collect(),
            });
        }
        let n = scale as usize;
        let input = platform::Input {
            seed,
            scale,
            label: "school",
            style: Style::School,
            people,
            groups,
            staff_chats,
            departed,
            forced: Vec::new(),
            plan: Plan {
                old_group: n,
                strangers: 3 * n,
                strangers_in_flood: n,
                second_accounts: n,
                non_admin_curator_chats: n,
                missing: n,
                flood_title: "Болталка старшеклассников".into(),
                flood_size: 8 * n,
                null_links: 1,
            },
        };
        planted.roster = platform::roster_counts(&input.people);
        let stats = if v.no_platform {
            platform::Stats::default()
        } else {
            platform::write(dir, &input)?
        };
        Ok((planted, stats, staff_names))
    }
}

/// Copy the files under `from` into `to` (made as needed).
pub fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let p = e?.path();
        let target = to.join(p.file_name().expect("a file name"));
        if p.is_dir() {
            copy_tree(&p, &target)?;
        } else {
            std::fs::copy(&p, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Class → its pupils («Фамилия Имя Отчество», ISO birth date), as the class list holds them.
    fn read_classes(dir: &Path) -> std::collections::BTreeMap<String, std::collections::BTreeSet<(String, String)>> {
        use calamine::{Data, Reader, open_workbook_auto};
        let mut wb = open_workbook_auto(dir.join(F_CLASSES)).expect("open the class list");
        let mut out = std::collections::BTreeMap::new();
        for name in wb.sheet_names().to_vec() {
            let range = wb.worksheet_range(&name).expect("sheet");
            let pupils: &mut std::collections::BTreeSet<(String, String)> = out.entry(name.clone()).or_default();
            for row in range.rows() {
                let (Some(Data::String(full)), Some(Data::DateTime(d))) = (row.get(1), row.get(2)) else {
                    continue;
                };
                let b = Date::from_days(d.as_f64() as i64 - 25_569);
                pupils.insert((full.clone(), format!("{:04}-{:02}-{:02}", b.y, b.m, b.d)));
            }
        }
        out
    }

    fn read_json(path: &Path) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
    }

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

    /// Year 1 against year 0: every pupil who neither graduates nor leaves is in the
    /// advanced class with the same name and birth date, the graduates are gone, the split
    /// class's halves cover it, every new pupil is a new first-former or an arrival, and
    /// `year.json` says exactly that. The staff stay, the planted counts hold, the platform
    /// snapshot is last year's.
    #[test]
    fn year_one_follows_year_zero() {
        for scale in [1, 2] {
            let base = std::env::temp_dir().join(format!("rollout-gen-school-year-{}-{scale}", std::process::id()));
            let (d0, d1) = (base.join("0"), base.join("1"));
            for d in [&d0, &d1] {
                std::fs::create_dir_all(d).expect("dir");
            }
            let (p0, _) = build(42, scale, 0, &d0).expect("year 0");
            let (p1, _) = build(42, scale, 1, &d1).expect("year 1");
            assert_eq!(p0.counts, p1.counts, "the planted counts hold in year 1");
            assert!(!d0.join("year.json").exists(), "year 0 has no year.json");
            let (y0, y1) = (read_classes(&d0), read_classes(&d1));
            let truth = read_json(&d1.join("year.json"));
            crate::year::tests::check_step(&y0, &y1, &truth, scale, |old| {
                let (form, rest) = split_form(old).expect("a form");
                format!("{}{rest}", form + 1)
            });
            assert_eq!(truth["to_school_year"], "2027/28");
            assert!(truth["split"].is_object(), "the school splits a class");
            // the staff stay (bar those year.json names); the platform is last year's
            assert!(truth["staff"]["left"].as_array().expect("left").is_empty(), "{}", truth["staff"]);
            let ct = truth["staff"]["class_teachers"].as_array().expect("class teachers");
            assert_eq!(ct.len(), y1.len(), "a class teacher for every class");
            assert_eq!(tree(&d0.join("platform")), tree(&d1.join("platform")));
            assert_eq!(
                std::fs::read(d0.join("platform-truth.json")).expect("truth 0"),
                std::fs::read(d1.join("platform-truth.json")).expect("truth 1")
            );
            std::fs::remove_dir_all(base).ok();
        }
    }

    /// Later Septembers: the planted counts hold (problems that left with a graduate are
    /// planted again), and a step without a 10th or 8th form to make renames or splits
    /// nothing.
    #[test]
    fn later_years_keep_the_planted_counts() {
        let base = std::env::temp_dir().join(format!("rollout-gen-school-years-{}", std::process::id()));
        let mut counts = Vec::new();
        for year in 0..=3 {
            let d = base.join(year.to_string());
            std::fs::create_dir_all(&d).expect("dir");
            counts.push(build(42, 1, year, &d).expect("build").0.counts);
            if year == 2 {
                let truth = read_json(&d.join("year.json"));
                assert!(truth["renamed"].is_null() && truth["split"].is_null(), "{truth}");
            }
        }
        assert!(counts.iter().all(|c| *c == counts[0]), "{counts:?}");
        std::fs::remove_dir_all(base).ok();
    }

    #[test]
    fn every_class_gets_its_core_subjects_once() {
        for form in 5..=11 {
            for s in [
                "Русский язык",
                "Литература",
                "Математика",
                "История",
                "Биология",
                "Английский язык",
                "Физическая культура",
            ] {
                assert!(hours(s, form).is_some(), "{s} in form {form}");
            }
            assert_eq!(hours("Физика", form).is_some(), form >= 7, "physics in form {form}");
        }
        // a subject teacher exists for every subject no class teacher covers
        for &(s, _) in LOAD_SUBJECTS {
            if !by_class_teacher(s, 5) && hours(s, 5).is_some() {
                assert!(teaches(position_for(s), s), "{s}");
            }
        }
    }

    /// The snapshot's teachers' chat and subject chats: «Учителя 5А» holds staff only,
    /// the subject chats their teacher (one staff member) and pupils of their class.
    #[test]
    fn subject_chats_hold_their_teacher_and_pupils() {
        let dir = std::env::temp_dir().join(format!("rollout-gen-school-chats-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        build(42, 1, 0, &dir).expect("build");
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("platform-truth.json")).expect("truth")).expect("json");
        let chats = truth["chats"].as_array().expect("chats");
        let kinds_in = |chat: &serde_json::Value| -> Vec<String> {
            truth["members"]
                .as_array()
                .expect("members")
                .iter()
                .filter(|m| m["chat_id"] == chat["chat_id"])
                .map(|m| m["person"]["kind"].as_str().unwrap_or("none").to_string())
                .collect()
        };
        let subject: Vec<&serde_json::Value> = chats.iter().filter(|c| c["audience"] == "subject").collect();
        assert_eq!(subject.len(), 2);
        for c in &subject {
            assert!(c["subject"].is_string() && c["group"].is_string(), "{c}");
            let kinds = kinds_in(c);
            assert_eq!(kinds.iter().filter(|k| *k == "staff").count(), 1, "{c}");
            assert!(kinds.iter().filter(|k| *k == "student").count() > 10, "{c}");
        }
        let teachers = chats.iter().find(|c| c["audience"] == "teachers").expect("a teachers' chat");
        // the organisation's admin account (no person) sits in every chat
        let kinds: Vec<String> = kinds_in(teachers).into_iter().filter(|k| k != "none").collect();
        assert!(kinds.len() >= 4 && kinds.iter().all(|k| k == "staff"), "{kinds:?}");
        std::fs::remove_dir_all(dir).ok();
    }
}
