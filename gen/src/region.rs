//! `rollout-gen region`: a region's organisations, one workspace each, made by the
//! sample generators with a seed and a scale of their own.
//!
//! The whole region is planned first from one stream (who is what, how large, its name,
//! whether it is on the platform yet); then the workspaces are built on every core, each
//! from its own plan only, so the files do not depend on which thread built what.

use crate::common::{Variant, toml_str};
use crate::rng::Rng;
use crate::{college, kindergarten, school};
use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    School,
    College,
    Kindergarten,
    Supplementary,
}

impl Profile {
    fn code(self) -> &'static str {
        match self {
            Profile::School => "school",
            Profile::College => "college",
            Profile::Kindergarten => "kindergarten",
            Profile::Supplementary => "supplementary",
        }
    }
}

/// One organisation as planned.
#[derive(Clone, Debug)]
pub struct Org {
    pub folder: String,
    pub name: String,
    pub profile: Profile,
    pub seed: u64,
    pub scale: u32,
    pub platform: bool,
}

/// Fictional towns: (nominative, genitive, adjective).
const TOWNS: &[(&str, &str, &str)] = &[
    ("Верхнеозёрск", "Верхнеозёрска", "Верхнеозёрский"),
    ("Нижнереченск", "Нижнереченска", "Нижнереченский"),
    ("Каменногорск", "Каменногорска", "Каменногорский"),
    ("Светлоярск", "Светлоярска", "Светлоярский"),
    ("Берёзовск", "Берёзовска", "Берёзовский"),
    ("Сосновоборск", "Сосновоборска", "Сосновоборский"),
    ("Заречинск", "Заречинска", "Заречинский"),
    ("Красноключинск", "Красноключинска", "Красноключинский"),
    ("Лесногорск", "Лесногорска", "Лесногорский"),
    ("Новоямск", "Новоямска", "Новоямский"),
    ("Старокаменск", "Старокаменска", "Старокаменский"),
    ("Приозёрск-на-Вяте", "Приозёрска-на-Вяте", "Приозёрский"),
    ("Малоборск", "Малоборска", "Малоборский"),
    ("Ельнинск", "Ельнинска", "Ельнинский"),
    ("Тихореченск", "Тихореченска", "Тихореченский"),
    ("Дубравинск", "Дубравинска", "Дубравинский"),
];

const VILLAGES: &[&str] = &[
    "Михайловская",
    "Покровская",
    "Никольская",
    "Ивановская",
    "Знаменская",
    "Троицкая",
    "Озёрная",
    "Луговская",
    "Сосновская",
    "Кедровская",
];

const KINDERGARTENS: &[&str] = &[
    "Солнышко",
    "Ромашка",
    "Берёзка",
    "Теремок",
    "Радуга",
    "Колокольчик",
    "Сказка",
    "Звёздочка",
    "Золотой ключик",
    "Ласточка",
    "Непоседы",
    "Дюймовочка",
];

const COLLEGES: &[&str] = &[
    "колледж технологий и сервиса",
    "политехнический колледж",
    "педагогический колледж",
    "медицинский колледж",
    "аграрный техникум",
    "колледж строительства и транспорта",
    "индустриальный техникум",
    "колледж отраслевых технологий",
];

const HOUSES: &[&str] = &[
    "Дом детского творчества",
    "Центр детского творчества",
    "Дворец пионеров и школьников",
    "Станция юных техников",
    "Центр дополнительного образования «Эврика»",
    "Детская школа искусств",
];

/// Of the organisations that could have a snapshot (not the kindergartens: the sample has
/// none), how many in a hundred are on the platform already.
const ON_PLATFORM: u32 = 58;

/// The organisations of a region of `n`, from `seed`: the profile mix of a real region
/// (about 65 % schools, 10 % colleges, 18 % kindergartens, 7 % houses of creativity;
/// every profile at least once from four organisations on), in a shuffled order.
pub fn plan(seed: u64, n: usize) -> Vec<Org> {
    let mut rng = Rng::derive(seed, "region");
    let share = |pct: usize| if n >= 4 { ((n * pct + 50) / 100).max(1) } else { 0 };
    let (colleges, kgs, houses) = (share(10), share(18), share(7));
    let mut profiles: Vec<Profile> = Vec::with_capacity(n);
    profiles.extend(std::iter::repeat_n(Profile::College, colleges));
    profiles.extend(std::iter::repeat_n(Profile::Kindergarten, kgs));
    profiles.extend(std::iter::repeat_n(Profile::Supplementary, houses));
    profiles.truncate(n);
    profiles.extend(std::iter::repeat_n(Profile::School, n - profiles.len()));
    for i in (1..profiles.len()).rev() {
        let j = rng.below(i + 1);
        profiles.swap(i, j);
    }
    let mut school_no = vec![0u32; TOWNS.len()];
    let mut kg_no = vec![0u32; TOWNS.len()];
    profiles
        .into_iter()
        .enumerate()
        .map(|(i, profile)| {
            let town = rng.below(TOWNS.len());
            let (_, town_gen, town_adj) = TOWNS[town];
            let (name, scale, platform) = match profile {
                // mostly 300–1,500 students (about 100 a scale), one in ten a large town
                // school of up to 2,500
                Profile::School => {
                    let scale = if rng.percent(10) { rng.range(16, 25) } else { rng.range(3, 15) } as u32;
                    let name = if rng.percent(12) {
                        format!("МКОУ «{} СОШ» {} района", rng.pick(VILLAGES), town_adj.replace("ий", "ого"))
                    } else {
                        school_no[town] += rng.range(1, 3) as u32;
                        let n = school_no[town];
                        match rng.below(10) {
                            0 => format!("МАОУ «Гимназия № {n}» г. {town_gen}"),
                            1 => format!("МАОУ «Лицей № {n}» г. {town_gen}"),
                            2 => format!("МБОУ «СОШ № {n} с углублённым изучением отдельных предметов» г. {town_gen}"),
                            _ => format!("МБОУ «СОШ № {n}» г. {town_gen}"),
                        }
                    };
                    (name, scale, rng.percent(ON_PLATFORM))
                }
                // four branches, about 460 students a scale
                Profile::College => {
                    let scale = rng.range(2, 10) as u32;
                    let kind = *rng.pick(COLLEGES);
                    (format!("ГБПОУ «{town_adj} {kind}»"), scale, rng.percent(ON_PLATFORM))
                }
                // about 76 children a scale; no snapshot (the sample has none)
                Profile::Kindergarten => {
                    let scale = rng.range(1, 4) as u32;
                    kg_no[town] += rng.range(1, 4) as u32;
                    let name = format!("МАДОУ «Детский сад № {} «{}»» г. {town_gen}", kg_no[town], rng.pick(KINDERGARTENS));
                    (name, scale, false)
                }
                // a small school-like workspace with profile = "supplementary"
                Profile::Supplementary => {
                    let scale = rng.range(2, 6) as u32;
                    (
                        format!("МБУ ДО «{}» г. {town_gen}", rng.pick(HOUSES)),
                        scale,
                        rng.percent(ON_PLATFORM),
                    )
                }
            };
            Org {
                folder: format!("{:04}-{}", i + 1, profile.code()),
                name,
                profile,
                seed: rng.next_u64(),
                scale,
                platform,
            }
        })
        .collect()
}

#[derive(Serialize, Clone, Default)]
pub struct Counts {
    pub students: usize,
    pub parents: usize,
    pub staff: usize,
    pub members: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.students += o.students;
        self.parents += o.parents;
        self.staff += o.staff;
        self.members += o.members;
    }
}

#[derive(Serialize)]
struct OrgOut {
    folder: String,
    name: String,
    profile: Profile,
    seed: u64,
    scale: u32,
    platform: bool,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize)]
struct Totals {
    organisations: usize,
    schools: usize,
    colleges: usize,
    kindergartens: usize,
    supplementary: usize,
    on_platform: usize,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize)]
struct RegionOut {
    seed: u64,
    organisations: Vec<OrgOut>,
    totals: Totals,
}

/// Builds one organisation's workspace in `dir` (made here) and counts its people.
fn build_org(org: &Org, dir: &Path) -> Result<Counts> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let v = Variant {
        org: Some(org.name.clone()),
        profile: (org.profile == Profile::Supplementary).then_some("supplementary"),
        no_xls: true,
        no_platform: !org.platform,
    };
    let (planted, stats) = match org.profile {
        Profile::School | Profile::Supplementary => {
            let (p, s) = school::build_variant(org.seed, org.scale, 0, dir, &v)?;
            (p, Some(s))
        }
        Profile::College => {
            let (p, s) = college::build_variant(org.seed, org.scale, 0, dir, &v)?;
            (p, Some(s))
        }
        Profile::Kindergarten => (kindergarten::build_variant(org.seed, org.scale, 0, dir, &v)?, None),
    };
    let mut json = serde_json::to_string_pretty(&planted)?;
    json.push('\n');
    std::fs::write(dir.join("planted.json"), json)?;
    let (students, parents, staff) = planted.roster;
    Ok(Counts {
        students,
        parents,
        staff,
        members: stats.map_or(0, |s| s.members),
    })
}

/// Writes the region into `out`: the workspaces, `region.json`, `region.toml`. A
/// directory that is neither empty nor a region made before is refused.
pub fn write(out: &Path, seed: u64, n: usize, threads: usize) -> Result<Counts> {
    if out.exists() {
        let empty = std::fs::read_dir(out)?.next().is_none();
        if !empty && !out.join("region.json").exists() {
            bail!(
                "{} exists and is not a generated region (no region.json): not touching it",
                out.display()
            );
        }
        if !empty {
            std::fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let orgs = plan(seed, n);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Counts>>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= orgs.len() {
                        break;
                    }
                    let r = build_org(&orgs[i], &out.join(&orgs[i].folder))
                        .with_context(|| format!("building {} ({})", orgs[i].folder, orgs[i].profile.code()));
                    let failed = r.is_err();
                    results.lock().expect("no thread panics holding it")[i] = Some(r);
                    if failed {
                        // the others stop at their next organisation
                        next.store(orgs.len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let results = results.into_inner().expect("no thread panicked");
    let mut out_orgs = Vec::with_capacity(n);
    let mut totals = Totals {
        organisations: n,
        schools: 0,
        colleges: 0,
        kindergartens: 0,
        supplementary: 0,
        on_platform: 0,
        counts: Counts::default(),
    };
    for (org, r) in orgs.iter().zip(results) {
        let counts = match r {
            Some(r) => r?,
            None => bail!("{} was not built (another organisation failed)", org.folder),
        };
        match org.profile {
            Profile::School => totals.schools += 1,
            Profile::College => totals.colleges += 1,
            Profile::Kindergarten => totals.kindergartens += 1,
            Profile::Supplementary => totals.supplementary += 1,
        }
        totals.on_platform += usize::from(org.platform);
        totals.counts.add(&counts);
        out_orgs.push(OrgOut {
            folder: org.folder.clone(),
            name: org.name.clone(),
            profile: org.profile,
            seed: org.seed,
            scale: org.scale,
            platform: org.platform,
            counts,
        });
    }
    let sum = totals.counts.clone();
    let region = RegionOut {
        seed,
        organisations: out_orgs,
        totals,
    };
    let mut json = serde_json::to_string_pretty(&region)?;
    json.push('\n');
    std::fs::write(out.join("region.json"), json)?;
    let mut toml = format!(
        "# A region made by rollout-gen (seed {seed}, {n} organisations). Every person here is fictional.\n\
         # One workspace per organisation; region.json has each one's profile and counts.\n"
    );
    for o in &region.organisations {
        toml.push_str(&format!("\n# {}\n[[workspaces]]\npath = {}\n", o.name, toml_str(&o.folder)));
    }
    std::fs::write(out.join("region.toml"), toml)?;
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_has_the_mix() {
        let orgs = plan(42, 1000);
        let count = |p: Profile| orgs.iter().filter(|o| o.profile == p).count();
        assert_eq!(count(Profile::College), 100);
        assert_eq!(count(Profile::Kindergarten), 180);
        assert_eq!(count(Profile::Supplementary), 70);
        assert_eq!(count(Profile::School), 650);
        for o in &orgs {
            if o.profile == Profile::School {
                assert!((3..=25).contains(&o.scale), "{o:?}");
            }
        }
        let names: std::collections::HashSet<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
        assert!(names.len() > 900, "names are varied: {} distinct", names.len());
        let small = plan(42, 6);
        for p in [Profile::School, Profile::College, Profile::Kindergarten, Profile::Supplementary] {
            assert!(small.iter().any(|o| o.profile == p), "{p:?} in a region of 6");
        }
        assert_eq!(plan(42, 3).len(), 3);
    }
}
