//! The school sample: single site, a class list with a sheet per class, a parents' CSV
//! (UTF-8 with BOM, commas) and a teachers' list naming the class each one leads.

use crate::common::{self, BAD_EMAILS, BAD_PHONES, PCol, ParentMarks, StaffEntry, phone_cell, pick_plain, toml_str};
use crate::date::Date;
use crate::names;
use crate::planted::Planted;
use crate::rng::Rng;
use crate::table::{self, Mark, Row, RowKind, Sheet, V};
use crate::world::World;
use crate::write::{self, Encoding};
use anyhow::Result;
use std::collections::HashSet;
use std::path::Path;

const ORG: &str = "МБОУ «СОШ № 7» г. Верхнеозёрска";
const F_CLASSES: &str = "sources/Списки_классов.xlsx";
const F_PARENTS: &str = "sources/Родители.csv";
const F_TEACHERS: &str = "sources/Учителя.xlsx";
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

/// Pupils of form `form` in 2025/26 (the 1st form starts at 7).
fn birth_range(form: u32) -> (Date, Date) {
    let y = 2018 - form as i32;
    (Date::new(y, 9, 1), Date::new(y + 1, 8, 31))
}

/// The sample (what was planted) and what its platform snapshot holds.
pub fn build(seed: u64, scale: u32, dir: &Path) -> Result<(Planted, crate::platform::Stats)> {
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
        let (from, to) = birth_range(c.form);
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
            let (from, to) = birth_range(cls[b].form);
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
    let no_parents: HashSet<usize> = [orphan_a, orphan_b].into_iter().collect();
    let dup_student = pick_plain(&w, &mut prng, &cls[1].students, &mut used);
    let mut pmarks = ParentMarks::default();
    {
        let s = pick_plain(&w, &mut prng, &cls[2].students, &mut used);
        let f = w.students_list[s].family;
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

        let s = pick_plain(&w, &mut prng, &cls[3].students, &mut used);
        let f = w.students_list[s].family;
        w.families[f].parents[0].email = Some(BAD_EMAILS[2].into());
        if w.families[f].parents[0].phone.is_none() {
            w.families[f].parents[0].phone = Some(w.phone());
        }
        pmarks
            .cells
            .entry((f, 0))
            .or_default()
            .push((PCol::Email, Mark::new("bad-email", "a comma in the domain")));

        let s = pick_plain(&w, &mut prng, &cls[4].students, &mut used);
        let f = w.students_list[s].family;
        w.families[f].parents[0].phone = None;
        w.families[f].parents[0].email = None;
        pmarks
            .person
            .entry((f, 0))
            .or_default()
            .push(Mark::new("parent-without-contact", "phone and e-mail cells are empty"));
    }

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
                    format!("Список {} класса на 2025/2026 учебный год", c.name),
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
        let mut new_teacher = |w: &mut World, position: String, class: String| {
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
        for c in &cls {
            let pos = w.rng.pick(SUBJECTS).to_string();
            new_teacher(&mut w, pos, c.name.clone());
        }
        for pos in [
            "директор",
            "заместитель директора по УВР",
            "педагог-психолог",
            "социальный педагог",
            "учитель физической культуры",
            "учитель музыки",
        ] {
            new_teacher(&mut w, pos.to_string(), String::new());
        }
        people.sort_by_cached_key(|e| e.p.key());
        let mut sh = Sheet::new("Учителя", 6, 1);
        sh.widths = vec![6.0, 36.0, 36.0, 22.0, 20.0, 30.0];
        sh.push(Row::text(RowKind::Title, format!("Педагогический состав {ORG}")));
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

    let toml = format!(
        "# Sample workspace made by rollout-gen (seed {seed}, scale {scale}). Every person here is fictional.\n\
         # Single site: no [[branches]], no [[sources]]; every file under sources/ is read\n\
         # and its kind is told from its columns.\n\n\
                  [organization]\nname = {}\nprofile = \"school\"\ntimezone = \"Europe/Moscow\"\n\n\
         # What is on the platform: a snapshot in the shape the MAX Bot API returns.\n\
         [platform]\nsnapshot = \"platform/\"\n\n\
         # Who the .eml letters are from (no .eml is written without it).\n\
         [letters]\nfrom = \"Школа № 7 <school7@school.example>\"\n",
        toml_str(ORG)
    );
    std::fs::write(dir.join("rollout.toml"), toml)?;

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
        // «Учителя 5А»: the class teacher and four subject teachers
        let first = &cls[0].name;
        let lead = teachers.iter().position(|e| e.group == *first).expect("a class teacher");
        let mut subject: Vec<usize> = (0..teachers.len())
            .filter(|&t| t != lead && teachers[t].position.starts_with("учитель"))
            .collect();
        let mut five = vec![teacher_pid0 + lead];
        while five.len() < 5 && !subject.is_empty() {
            let t = subject.remove(prng.below(subject.len()));
            five.push(teacher_pid0 + t);
        }
        let staff_chats = vec![
            StaffChatIn {
                title: "Учительская".into(),
                branch: None,
                group: None,
                audience: "staff",
                members: (0..teachers.len()).map(|t| teacher_pid0 + t).collect(),
            },
            StaffChatIn {
                title: format!("Учителя {first}"),
                branch: None,
                group: Some(first.clone()),
                audience: "teachers",
                members: five,
            },
        ];
        // pupils who left: made up now, so the roster files never see them
        w.rng = Rng::derive(seed, "school/platform/world");
        let mut departed = Vec::new();
        for _ in 0..scale {
            let g = prng.below(cls.len());
            let (from, to) = birth_range(cls[g].form);
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
        let stats = platform::write(dir, &input)?;
        Ok((planted, stats))
    }
}
