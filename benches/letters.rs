//! Bench (not a test): `rollout letters --all` for 100,000 parents of a generated region —
//! letters (text, HTML, .eml), QR slips, curator packets and mailing lists — rendered and
//! written to disk under `target/bench-letters/`. Target ≤ 5 s on the 2-core machine.
//! `cargo bench --bench letters` writes bench/results/letters.json with the machine's details.

mod common;

use rollout::config::Config;
use rollout::files::NewDir;
use rollout::letters::{Engine, Inputs, Options, render, rules_lines};
use rollout::links::LinkRecord;
use rollout::normalize::names::PersonName;
use rollout::platform::place::{Audience, Placement};
use rollout::problem::Location;
use rollout::roster::{Group, GroupRef, Guardian, Person, PersonKind, Roster};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const SURNAMES: [&str; 12] = [
    "Иванов",
    "Петров",
    "Сидоров",
    "Кузнецов",
    "Смирнов",
    "Попов",
    "Волков",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
];
const MALE: [&str; 10] = [
    "Иван",
    "Пётр",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Алексей",
    "Максим",
    "Никита",
    "Егор",
    "Артём",
];
const FEMALE: [&str; 10] = [
    "Мария",
    "Анна",
    "Елена",
    "Ольга",
    "Наталья",
    "Ирина",
    "Светлана",
    "Татьяна",
    "Юлия",
    "Дарья",
];
const PATR: [&str; 6] = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "Ильич"];

fn person(id: String, kind: PersonKind, i: usize, branch: &str, group: Option<&str>) -> Person {
    let female = i.is_multiple_of(2);
    let surname = format!("{}{}", SURNAMES[i % SURNAMES.len()], if female { "а" } else { "" });
    let first = if female {
        FEMALE[i / 2 % FEMALE.len()]
    } else {
        MALE[i / 2 % MALE.len()]
    };
    let patr = PATR[i / 3 % PATR.len()].replace("ович", if female { "овна" } else { "ович" });
    Person {
        id,
        kind,
        name: PersonName {
            surname,
            first_name: first.into(),
            patronymic: patr,
        },
        birth_date: None,
        branches: vec![branch.into()],
        groups: group
            .map(|g| {
                vec![GroupRef {
                    branch: branch.into(),
                    group: g.into(),
                }]
            })
            .unwrap_or_default(),
        phone: (!i.is_multiple_of(5)).then(|| format!("+7912{:07}", i % 10_000_000)),
        email: (!i.is_multiple_of(3)).then(|| format!("parent{i}@mail.example")),
        snils_hash: None,
        login: None,
        external_id: None,
        found_at: vec![Location::default()],
    }
}

fn region(parents: usize) -> (Config, Roster, BTreeMap<Placement, LinkRecord>) {
    let branches = 20;
    let mut toml = String::from("[organization]\nname = \"ГБПОУ «Региональный колледж»\"\nprofile = \"college\"\n");
    for b in 0..branches {
        toml.push_str(&format!(
            "[[branches]]\nname = \"Филиал {b}\"\n{}\n",
            if b == 0 { "main = true" } else { "" }
        ));
    }
    toml.push_str("[letters]\nfrom = \"Колледж <info@college.example>\"\n");
    let cfg = Config::parse(&toml, Path::new("bench/rollout.toml")).expect("config");
    let students = parents * 10 / 14;
    let per_group = 24;
    let groups = students.div_ceil(per_group);
    let mut roster = Roster::default();
    let mut links = BTreeMap::new();
    for g in 0..groups {
        let branch = format!("Филиал {}", g % branches);
        let name = format!("ГР-{}-{}", 22 + g % 4, g);
        let curator = format!("e{g:09}");
        roster.people.push(person(curator.clone(), PersonKind::Staff, g, &branch, None));
        roster.groups.push(Group {
            branch: branch.clone(),
            name: name.clone(),
            course: Some(format!("{}", 1 + g % 4)),
            curator_ids: vec![curator],
            found_at: Location::default(),
        });
        for a in [Audience::Students, Audience::Parents] {
            let p = Placement {
                branch: branch.clone(),
                group: Some(name.clone()),
                audience: a,
                subject: None,
            };
            links.insert(
                p.clone(),
                LinkRecord {
                    placement: p,
                    link: format!("https://max.ru/join/T{g:07}{}", a.code()),
                    source: "bench".into(),
                    chat_id: Some(g as i64),
                },
            );
        }
    }
    for s in 0..students {
        let g = s / per_group;
        let branch = format!("Филиал {}", g % branches);
        let name = format!("ГР-{}-{}", 22 + g % 4, g);
        roster
            .people
            .push(person(format!("s{s:09}"), PersonKind::Student, s + 7, &branch, Some(&name)));
    }
    for p in 0..parents {
        let child = p % students;
        let g = child / per_group;
        let branch = format!("Филиал {}", g % branches);
        let id = format!("p{p:09}");
        roster.people.push(person(id.clone(), PersonKind::Parent, p + 3, &branch, None));
        roster.guardians.push(Guardian {
            student_id: format!("s{child:09}"),
            parent_id: id.clone(),
            relation: "мать".into(),
        });
        // Every seventh parent has a second child in another group.
        if p.is_multiple_of(7) && child + per_group < students {
            roster.guardians.push(Guardian {
                student_id: format!("s{:09}", child + per_group),
                parent_id: id,
                relation: "мать".into(),
            });
        }
    }
    (cfg, roster, links)
}

fn main() {
    let parents = 100_000;
    let t = Instant::now();
    let (cfg, roster, links) = region(parents);
    let build = t.elapsed().as_secs_f64();
    let engine = Engine::new(None).expect("templates");
    let rules = rules_lines(&engine, &cfg.organization.name).expect("rules");
    let inputs = Inputs {
        cfg: &cfg,
        roster: &roster,
        links: &links,
        changes: None,
        rules,
    };
    let opts = Options {
        all: true,
        qr: true,
        eml: true,
        date: 0,
    };
    // Written to disk as `rollout letters` writes them: a fresh folder filled as the
    // letters are rendered, one sync, swapped in.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-letters/letters");
    let mut runs = Vec::new();
    let (mut letters, mut files, mut bytes, mut slips, mut eml) = (0, 0, 0, 0, 0);
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(&dir);
        let count = AtomicUsize::new(0);
        let size = AtomicUsize::new(0);
        let t = Instant::now();
        let new = NewDir::begin(&dir).expect("letters folder");
        let sink = |rel: &str, b: &[u8]| {
            count.fetch_add(1, Ordering::Relaxed);
            size.fetch_add(b.len(), Ordering::Relaxed);
            new.write(rel, b)
        };
        let r = render(&engine, &inputs, &opts, &sink).expect("render");
        for (rel, b) in &r.files {
            sink(rel, b).expect("write");
        }
        new.finish().expect("swap in");
        runs.push(t.elapsed().as_secs_f64());
        letters = r.parents;
        slips = r.slips;
        eml = r.eml;
        files = count.load(Ordering::Relaxed);
        bytes = size.load(Ordering::Relaxed);
    }
    let best = runs.iter().cloned().fold(f64::INFINITY, f64::min);
    let result = serde_json::json!({
        "bench": "letters",
        "what": "`rollout letters --all` for the roster: parent letters (text + HTML + .eml), curator packets, QR slips, staff letters and mailing lists (XLSX + CSV), rendered on every core and written to disk as made (one sync, swapped in)",
        "parents": parents,
        "students": roster.people.iter().filter(|p| p.kind == PersonKind::Student).count(),
        "groups": roster.groups.len(),
        "parent_letters": letters,
        "files_written": files,
        "output_bytes": bytes,
        "slips": slips,
        "eml": eml,
        "peak_rss_mib": peak_rss_mib(),
        "region_build_seconds": (build * 1000.0).round() / 1000.0,
        "render_and_write_seconds_min_of_3": (best * 1000.0).round() / 1000.0,
        "render_and_write_seconds_runs": runs.iter().map(|x| (x * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
        "target_seconds": 5.0,
        "machine": common::machine(),
    });
    let text = serde_json::to_string_pretty(&result).expect("json");
    println!("{text}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/results");
    let _ = std::fs::create_dir_all(&out);
    std::fs::write(out.join("letters.json"), format!("{text}\n")).expect("write bench/results/letters.json");
}

/// Peak resident memory of this process, MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| (kb / 1024.0).round())
}
