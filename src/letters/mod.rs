//! Letters and lists: per parent (all their children, each group's link), per curator (a
//! packet: groups, links, who still has to join, slips), per employee (the staff chat of
//! their branches); mailing lists for Excel, SMS and print; printable QR slips; .eml files.
//! Tera templates are built in and may be overridden from the workspace's `templates/`.

use crate::changes::{ActionKind, ChangeSet};
use crate::config::Config;
use crate::links::LinkRecord;
use crate::output::xlsx::SheetData;
use crate::platform::place::{Audience, Placement};
use crate::roster::{Person, PersonKind, Roster};
use serde::Serialize;
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Built-in templates: (name, text). A file of the same name under the workspace's
/// `templates/` replaces it.
pub const TEMPLATES: [(&str, &str); 8] = [
    ("letters/rules.txt", include_str!("../../templates/letters/rules.txt")),
    ("letters/parent.txt", include_str!("../../templates/letters/parent.txt")),
    ("letters/parent.html", include_str!("../../templates/letters/parent.html")),
    ("letters/staff.txt", include_str!("../../templates/letters/staff.txt")),
    ("letters/curator.html", include_str!("../../templates/letters/curator.html")),
    ("letters/slips.html", include_str!("../../templates/letters/slips.html")),
    ("letters/plan-remind.txt", include_str!("../../templates/letters/plan-remind.txt")),
    ("report/dashboard.html", include_str!("../../templates/report/dashboard.html")),
];

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LetterError {
    #[error(
        "шаблон {name}: {message}\n  подсказка: встроенные шаблоны лежат в templates/letters/ исходников rollout; рабочее место может заменить любой из них своим файлом с тем же именем в templates/letters/"
    )]
    Template { name: String, message: String },
    #[error("не удалось прочитать {path}: {}", crate::files::IoRu(.source))]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Layered(#[from] crate::templates::TemplateError),
    /// A letter could not be written where it goes (the caller's sink).
    #[error("{0:#}")]
    Write(anyhow::Error),
}

/// Where letters go as they are rendered (path relative to OUT/letters/, bytes): the
/// parents' letters, the bulk, are written by the rendering threads as they are made,
/// never all held in memory.
pub type Sink<'a> = &'a (dyn Fn(&str, &[u8]) -> anyhow::Result<()> + Sync);

pub struct Engine {
    layered: crate::templates::Layered,
}

impl Engine {
    /// The built-in templates, with the workspace's `templates/` layered on top.
    pub fn new(workspace_templates: Option<&Path>) -> Result<Engine, LetterError> {
        Ok(Engine {
            layered: crate::templates::Layered::new(&TEMPLATES, workspace_templates)?,
        })
    }

    pub fn render(&self, name: &str, ctx: &impl Serialize) -> Result<String, LetterError> {
        Ok(self.layered.render(name, ctx)?)
    }
}

#[derive(Serialize, Clone)]
struct ChildLink {
    name: String,
    group: String,
    group_word: String,
    branch: String,
    link: String,
}

#[derive(Serialize)]
struct Addressee {
    name: String,
    greeting: String,
}

#[derive(Serialize)]
struct ParentCtx<'a> {
    org: &'a str,
    parent: Addressee,
    children: Vec<ChildLink>,
    primary: bool,
    rules: &'a [String],
    signature: &'a str,
}

#[derive(Serialize)]
struct BranchLink {
    branch: String,
    link: String,
}

#[derive(Serialize)]
struct StaffCtx<'a> {
    org: &'a str,
    person: Addressee,
    links: Vec<BranchLink>,
    rules: &'a [String],
    signature: &'a str,
}

#[derive(Serialize)]
struct AudienceLink {
    audience: String,
    link: String,
}

#[derive(Serialize)]
struct Pending {
    name: String,
    audience: String,
    phone: String,
    email: String,
}

#[derive(Serialize)]
struct CuratorGroup {
    group: String,
    group_word: String,
    branch: String,
    links: Vec<AudienceLink>,
    pending: Vec<Pending>,
    slips: String,
}

#[derive(Serialize)]
struct CuratorCtx<'a> {
    org: &'a str,
    /// «студентам», «ученикам», «обучающимся» — or nothing in a kindergarten.
    students_dative: &'a str,
    person: Addressee,
    groups: Vec<CuratorGroup>,
    rules: &'a [String],
}

#[derive(Serialize, Clone)]
pub struct Slip {
    who: String,
    name: String,
    link: String,
    qr: String,
    size: usize,
}

#[derive(Serialize)]
pub struct Qr {
    id: String,
    size: usize,
    path: String,
}

#[derive(Serialize)]
struct SlipsCtx<'a> {
    org: &'a str,
    group: &'a str,
    group_word: &'a str,
    qrs: Vec<Qr>,
    pages: Vec<Vec<Slip>>,
}

/// Files as (path relative to OUT/letters/, bytes).
type Files = Vec<(String, Vec<u8>)>;

/// Generated files: path relative to OUT/letters/, bytes.
#[derive(Default)]
pub struct Rendered {
    pub files: Vec<(String, Vec<u8>)>,
    pub parents: usize,
    pub curators: usize,
    pub staff: usize,
    pub slips: usize,
    pub eml: usize,
    pub sms: usize,
    pub print: usize,
    /// People who should get a letter but have no link to give (the chat is missing).
    pub without_link: usize,
}

/// What to render and for whom.
pub struct Options {
    /// Everyone, not only those the change set says must still join.
    pub all: bool,
    pub qr: bool,
    pub eml: bool,
    /// Date of the letters (.eml Date header), seconds since the epoch.
    pub date: i64,
}

/// File-name-safe text: ids and group names only ever reach here.
pub fn file_safe(s: &str) -> String {
    /// Bytes a generated name may take: far below the 255 of most file systems, with room
    /// for an extension and a `.tmp` prefix.
    const MAX: usize = 100;
    let safe: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    if safe.len() <= MAX {
        return safe;
    }
    // Cut at a character boundary and keep the whole name's hash: two long names that
    // share their beginning still get two files.
    let hash = hex::encode(sha2::Sha256::digest(s.as_bytes()));
    let mut cut = MAX - 9;
    while !safe.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{}", &safe[..cut], &hash[..8])
}

fn greeting(p: &Person) -> String {
    if p.name.first_name.is_empty() {
        return String::new();
    }
    let female = p.name.patronymic.ends_with("вна") || p.name.patronymic.ends_with("чна") || p.name.patronymic.ends_with("кызы");
    let male = p.name.patronymic.ends_with("вич") || p.name.patronymic.ends_with("ич") || p.name.patronymic.ends_with("оглы");
    let word = if female {
        "Уважаемая"
    } else if male {
        "Уважаемый"
    } else {
        "Уважаемый(ая)"
    };
    format!("{word} {} {}", p.name.first_name, p.name.patronymic).trim().to_string()
}

fn audience_word(a: Audience, profile: crate::profile::Profile) -> String {
    match a {
        Audience::Parents => "Чат родителей".into(),
        Audience::Students => format!(
            "Чат {}",
            match profile {
                crate::profile::Profile::School => "учеников",
                crate::profile::Profile::College => "студентов",
                _ => "обучающихся",
            }
        ),
        Audience::Staff => "Чат сотрудников".into(),
        Audience::Teachers => "Чат учителей".into(),
        Audience::Subject => "Чат по предмету".into(),
    }
}

/// A QR code as one SVG path of its dark modules (with a 4-module quiet zone).
pub fn qr_path(link: &str) -> Option<(usize, String)> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M).ok()?;
    let w = code.width();
    let colors = code.to_colors();
    let mut d = String::with_capacity(w * w * 4);
    for y in 0..w {
        let mut x = 0;
        while x < w {
            if colors[y * w + x] == qrcode::Color::Dark {
                let start = x;
                while x < w && colors[y * w + x] == qrcode::Color::Dark {
                    x += 1;
                }
                d.push_str(&format!("M{} {}h{}v1h-{}z", start + 4, y + 4, x - start, x - start));
            } else {
                x += 1;
            }
        }
    }
    Some((w + 8, d))
}

pub struct Inputs<'a> {
    pub cfg: &'a Config,
    pub roster: &'a Roster,
    pub links: &'a BTreeMap<Placement, LinkRecord>,
    /// The change set: who must still join. None: everyone.
    pub changes: Option<&'a ChangeSet>,
    pub rules: Vec<String>,
}

/// Renders the letters: the parents' straight into `sink`, the rest (few) in
/// [`Rendered::files`] for the caller to write after them.
pub fn render(engine: &Engine, inp: &Inputs<'_>, opts: &Options, sink: Sink<'_>) -> Result<Rendered, LetterError> {
    let cfg = inp.cfg;
    let profile = cfg.profile;
    let org = cfg.organization.name.as_str();
    let signature = cfg.letters.signature.clone().unwrap_or_default();
    let people: HashMap<&str, &Person> = inp.roster.people.iter().map(|p| (p.id.as_str(), p)).collect();
    // Pending invites: (person, placement).
    let pending: BTreeSet<(String, Placement)> = inp
        .changes
        .map(|c| {
            c.actions
                .iter()
                .filter(|a| matches!(a.kind(), ActionKind::Invite | ActionKind::SetupChat | ActionKind::Move))
                .filter_map(|a| Some((a.person_id()?.to_string(), a.place()?.clone())))
                .collect()
        })
        .unwrap_or_default();
    // A chat to set up means everyone expected there must still join.
    let setup: BTreeSet<Placement> = inp
        .changes
        .map(|c| {
            c.actions
                .iter()
                .filter(|a| a.kind() == ActionKind::SetupChat)
                .filter_map(|a| a.place().cloned())
                .collect()
        })
        .unwrap_or_default();
    let must_join = |person: &str, p: &Placement| -> bool {
        opts.all || inp.changes.is_none() || setup.contains(p) || pending.contains(&(person.to_string(), p.clone()))
    };
    let link_of = |p: &Placement| inp.links.get(p).map(|l| l.link.clone());
    let mut out = Rendered::default();
    let mut children_of: BTreeMap<&str, Vec<&Person>> = BTreeMap::new();
    for g in &inp.roster.guardians {
        if let Some(kid) = people.get(g.student_id.as_str()) {
            children_of.entry(g.parent_id.as_str()).or_default().push(kid);
        }
    }

    let started = std::time::Instant::now();
    // ---- Parents.
    // Mailing rows per branch: (group, row)
    let mut list_rows: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
    let mut sms_rows: Vec<Vec<String>> = Vec::new();
    let mut print_rows: Vec<Vec<String>> = Vec::new();
    let mut jobs: Vec<(&Person, Vec<ChildLink>, bool)> = Vec::new();
    for p in inp.roster.people.iter().filter(|p| p.kind == PersonKind::Parent) {
        let kids = children_of.get(p.id.as_str()).cloned().unwrap_or_default();
        let mut children = Vec::new();
        let mut wanted = false;
        let mut primary = false;
        for kid in &kids {
            for g in &kid.groups {
                let place = Placement {
                    branch: g.branch.clone(),
                    group: Some(g.group.clone()),
                    audience: Audience::Parents,
                    subject: None,
                };
                wanted |= must_join(&p.id, &place);
                // Primary grades (1–4): a child may be registered with a parent's e-mail (seed 001, 2.8).
                let grade: String = g.group.chars().take_while(char::is_ascii_digit).collect();
                if profile == crate::profile::Profile::School && matches!(grade.parse::<u32>(), Ok(1..=4)) {
                    primary = true;
                }
                match link_of(&place) {
                    Some(link) => children.push(ChildLink {
                        name: kid.name.full(),
                        group: g.group.clone(),
                        group_word: profile.group_word().into(),
                        branch: if cfg.implicit_branch { String::new() } else { g.branch.clone() },
                        link,
                    }),
                    None => out.without_link += 1,
                }
            }
        }
        if !wanted || children.is_empty() {
            continue;
        }
        // Rendered below, in parallel.
        jobs.push((p, children.clone(), primary));
        out.parents += 1;
        let groups: Vec<String> = children.iter().map(|c| c.group.clone()).collect();
        let links: Vec<String> = children.iter().map(|c| c.link.clone()).collect();
        let kids_names: Vec<String> = children.iter().map(|c| c.name.clone()).collect();
        let row = vec![
            p.name.full(),
            "родитель".into(),
            p.email.clone().unwrap_or_default(),
            p.phone.clone().unwrap_or_default(),
            kids_names.join(", "),
            groups.join(", "),
            links.join(" "),
            p.id.clone(),
        ];
        for c in &children {
            list_rows.entry(c.branch.clone()).or_default().push((c.group.clone(), row.clone()));
        }
        match (&p.email, &p.phone) {
            (None, Some(phone)) => {
                out.sms += 1;
                sms_rows.push(vec![phone.clone(), p.name.full(), groups.join(", "), sms_text(org, &children)]);
            }
            (None, None) => {
                out.print += 1;
                print_rows.push(vec![
                    p.name.full(),
                    kids_names.join(", "),
                    groups.join(", "),
                    links.join(" "),
                    p.id.clone(),
                ]);
            }
            _ => {}
        }
    }

    // Letters for a region are many: render them on every core, merged back in order.
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(1);
    let chunk = jobs.len().div_ceil(threads).max(1);
    let rendered: Vec<Result<usize, LetterError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                let rules = &inp.rules;
                let signature = &signature;
                scope.spawn(move || -> Result<usize, LetterError> {
                    let mut eml_count = 0;
                    let put = |rel: String, bytes: &[u8]| sink(&rel, bytes).map_err(LetterError::Write);
                    for (p, children, primary) in part {
                        let ctx = ParentCtx {
                            org,
                            parent: Addressee {
                                name: p.name.full(),
                                greeting: greeting(p),
                            },
                            children: children.clone(),
                            primary: *primary,
                            rules,
                            signature,
                        };
                        let text = engine.render("letters/parent.txt", &ctx)?;
                        let html = engine.render("letters/parent.html", &ctx)?;
                        if opts.eml
                            && let Some(mail) = &p.email
                            && let Some(from) = sender(cfg)
                        {
                            put(format!("parents/{}.eml", p.id), &eml(cfg, &from, p, mail, &text, opts.date))?;
                            eml_count += 1;
                        }
                        put(format!("parents/{}.txt", p.id), text.as_bytes())?;
                        put(format!("parents/{}.html", p.id), html.as_bytes())?;
                    }
                    Ok(eml_count)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(LetterError::Template {
                        name: "letters".into(),
                        message: "поток подготовки писем завершился с ошибкой".into(),
                    })
                })
            })
            .collect()
    });
    for part in rendered {
        out.eml += part?;
    }
    crate::human::timing("letters: parents", started);
    let started = std::time::Instant::now();
    // ---- Staff: the staff chat of each branch they work in.
    for p in inp.roster.people.iter().filter(|p| p.kind == PersonKind::Staff) {
        let mut links = Vec::new();
        let mut wanted = false;
        for b in &p.branches {
            let place = Placement {
                branch: b.clone(),
                group: None,
                audience: Audience::Staff,
                subject: None,
            };
            wanted |= must_join(&p.id, &place);
            if let Some(link) = link_of(&place) {
                links.push(BranchLink { branch: b.clone(), link });
            }
        }
        if !wanted || links.is_empty() {
            continue;
        }
        let ctx = StaffCtx {
            org,
            person: Addressee {
                name: p.name.full(),
                greeting: greeting(p),
            },
            links,
            rules: &inp.rules,
            signature: &signature,
        };
        out.files.push((
            format!("staff/{}.txt", p.id),
            engine.render("letters/staff.txt", &ctx)?.into_bytes(),
        ));
        out.staff += 1;
    }

    // ---- Slips per group, and the curators' packets.
    let audiences: Vec<Audience> = profile
        .group_audiences()
        .iter()
        .map(|a| match a {
            crate::profile::Audience::Students => Audience::Students,
            _ => Audience::Parents,
        })
        .collect();
    let mut group_pending: HashMap<(String, String), Vec<Pending>> = HashMap::new();
    let mut slip_files: HashMap<(String, String), String> = HashMap::new();
    let mut qr_cache: HashMap<String, (String, usize, String)> = HashMap::new();
    // Indexes, not scans: a region has thousands of groups and a hundred thousand parents.
    let mut students_of: HashMap<(&str, &str), Vec<&Person>> = HashMap::new();
    for p in inp.roster.people.iter().filter(|p| p.kind == PersonKind::Student) {
        for x in &p.groups {
            students_of.entry((x.branch.as_str(), x.group.as_str())).or_default().push(p);
        }
    }
    let mut parents_of: HashMap<&str, Vec<&Person>> = HashMap::new();
    for x in &inp.roster.guardians {
        if let Some(p) = people.get(x.parent_id.as_str()) {
            parents_of.entry(x.student_id.as_str()).or_default().push(p);
        }
    }
    for g in &inp.roster.groups {
        let students: Vec<&Person> = students_of.get(&(g.branch.as_str(), g.name.as_str())).cloned().unwrap_or_default();
        let mut slips: Vec<Slip> = Vec::new();
        let mut qrs: Vec<Qr> = Vec::new();
        let mut pend = Vec::new();
        for a in &audiences {
            let place = Placement {
                branch: g.branch.clone(),
                group: Some(g.name.clone()),
                audience: *a,
                subject: None,
            };
            let link = link_of(&place);
            for s in &students {
                // Who a slip is for: the student, or the student's parents.
                let persons: Vec<&Person> = match a {
                    Audience::Students => vec![*s],
                    _ => parents_of.get(s.id.as_str()).cloned().unwrap_or_default(),
                };
                let waiting: Vec<&&Person> = persons.iter().filter(|p| must_join(&p.id, &place)).collect();
                if waiting.is_empty() && !(matches!(a, Audience::Parents) && persons.is_empty() && opts.all) {
                    continue;
                }
                for p in &waiting {
                    pend.push(Pending {
                        name: p.name.full(),
                        audience: audience_word(*a, profile),
                        phone: p.phone.clone().unwrap_or_default(),
                        email: p.email.clone().unwrap_or_default(),
                    });
                }
                let Some(link) = &link else { continue };
                if !opts.qr {
                    continue;
                }
                let (qr_id, size) = match qr_cache.get(link) {
                    Some((id, size, _)) => (id.clone(), *size),
                    None => {
                        let Some((size, path)) = qr_path(link) else { continue };
                        let id = format!("qr{}", qr_cache.len() + 1);
                        qr_cache.insert(link.clone(), (id.clone(), size, path));
                        (id, size)
                    }
                };
                if !qrs.iter().any(|q| q.id == qr_id) {
                    let (_, _, path) = &qr_cache[link];
                    qrs.push(Qr {
                        id: qr_id.clone(),
                        size,
                        path: path.clone(),
                    });
                }
                slips.push(Slip {
                    who: match a {
                        Audience::Students => "Приглашение в чат группы".into(),
                        _ => "Родителям".into(),
                    },
                    name: s.name.full(),
                    link: link.clone(),
                    qr: qr_id,
                    size,
                });
            }
        }
        let file = format!("slips/{}/{}.html", file_safe(&g.branch), file_safe(&g.name));
        if !slips.is_empty() {
            let n = slips.len();
            let pages: Vec<Vec<Slip>> = slips.chunks(8).map(|c| c.to_vec()).collect();
            let ctx = SlipsCtx {
                org,
                group: &g.name,
                group_word: profile.group_word(),
                qrs,
                pages,
            };
            out.files
                .push((file.clone(), engine.render("letters/slips.html", &ctx)?.into_bytes()));
            out.slips += n;
            slip_files.insert((g.branch.clone(), g.name.clone()), format!("../{file}"));
        }
        group_pending.insert((g.branch.clone(), g.name.clone()), pend);
    }
    let mut curated: BTreeMap<&str, Vec<&crate::roster::Group>> = BTreeMap::new();
    for g in &inp.roster.groups {
        for c in &g.curator_ids {
            curated.entry(c.as_str()).or_default().push(g);
        }
    }
    for (cid, groups) in curated {
        let Some(person) = people.get(cid) else { continue };
        let mut gs = Vec::new();
        for g in groups {
            let links = audiences
                .iter()
                .map(|a| AudienceLink {
                    audience: audience_word(*a, profile),
                    link: link_of(&Placement {
                        branch: g.branch.clone(),
                        group: Some(g.name.clone()),
                        audience: *a,
                        subject: None,
                    })
                    .unwrap_or_default(),
                })
                .collect();
            gs.push(CuratorGroup {
                group: g.name.clone(),
                group_word: profile.group_word().into(),
                branch: if cfg.implicit_branch { String::new() } else { g.branch.clone() },
                links,
                pending: group_pending.remove(&(g.branch.clone(), g.name.clone())).unwrap_or_default(),
                slips: slip_files.get(&(g.branch.clone(), g.name.clone())).cloned().unwrap_or_default(),
            });
        }
        let students_dative = match profile {
            crate::profile::Profile::School => "ученикам",
            crate::profile::Profile::College => "студентам",
            crate::profile::Profile::Kindergarten => "воспитанникам (их родителям)",
            crate::profile::Profile::Supplementary => "обучающимся",
        };
        let ctx = CuratorCtx {
            students_dative,
            org,
            person: Addressee {
                name: person.name.full(),
                greeting: greeting(person),
            },
            groups: gs,
            rules: &inp.rules,
        };
        out.files.push((
            format!("curators/{cid}.html"),
            engine.render("letters/curator.html", &ctx)?.into_bytes(),
        ));
        out.curators += 1;
    }

    crate::human::timing("letters: staff, slips, curators", started);
    let started = std::time::Instant::now();
    // ---- Mailing lists.
    let header: Vec<String> = ["ФИО", "Кто", "E-mail", "Телефон", "Дети", "Группы", "Ссылки", "ID"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // One workbook per branch, built on every core.
    #[allow(clippy::type_complexity)]
    let branches: Vec<(&String, &Vec<(String, Vec<String>)>)> = list_rows.iter().collect();
    let per = branches
        .len()
        .div_ceil(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(1))
        .max(1);
    let built: Vec<Result<Files, LetterError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = branches
            .chunks(per)
            .map(|part| {
                let header = &header;
                scope.spawn(move || -> Result<Files, LetterError> {
                    let mut files = Vec::new();
                    for (branch, rows) in part {
                        let mut sheets = vec![SheetData {
                            name: "Все".into(),
                            header: header.clone(),
                            rows: dedup_rows(rows.iter().map(|(_, r)| r.clone()).collect()),
                        }];
                        let mut by_group: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
                        for (g, r) in rows.iter() {
                            by_group.entry(g.as_str()).or_default().push(r.clone());
                        }
                        for (g, rs) in by_group {
                            sheets.push(SheetData {
                                name: g.to_string(),
                                header: header.clone(),
                                rows: rs,
                            });
                        }
                        let name = if branch.is_empty() {
                            "organization".to_string()
                        } else {
                            file_safe(branch)
                        };
                        let file = std::path::PathBuf::from(format!("letters/lists/{name}.xlsx"));
                        let xlsx = crate::output::xlsx::workbook_bytes(&file, &sheets).map_err(|e| LetterError::Template {
                            name: "lists".into(),
                            message: e.to_string(),
                        })?;
                        files.push((format!("lists/{name}.xlsx"), xlsx));
                        let hdr: Vec<&str> = header.iter().map(String::as_str).collect();
                        files.push((
                            format!("lists/{name}-excel.csv"),
                            crate::output::excel_csv_bytes(&hdr, &sheets[0].rows),
                        ));
                    }
                    Ok(files)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(LetterError::Template {
                        name: "lists".into(),
                        message: "поток подготовки писем завершился с ошибкой".into(),
                    })
                })
            })
            .collect()
    });
    for part in built {
        out.files.extend(part?);
    }
    crate::human::timing("letters: lists", started);
    out.files.push((
        "lists/sms-excel.csv".into(),
        crate::output::excel_csv_bytes(&["Телефон", "ФИО", "Группы", "Текст SMS"], &sms_rows),
    ));
    out.files.push((
        "lists/print-excel.csv".into(),
        crate::output::excel_csv_bytes(&["ФИО", "Дети", "Группы", "Ссылки", "ID"], &print_rows),
    ));
    Ok(out)
}

fn dedup_rows(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let mut seen = BTreeSet::new();
    rows.retain(|r| seen.insert(r.last().cloned().unwrap_or_default()));
    rows
}

fn sms_text(org: &str, children: &[ChildLink]) -> String {
    let links: Vec<String> = children.iter().map(|c| format!("{}: {}", c.group, c.link)).collect();
    format!("{org}: чат родителей в MAX (Сферум) — {}", links.join("; "))
}

/// An RFC 5322 message (UTF-8, encoded headers) with the plain-text letter.
fn eml(cfg: &Config, from: &(String, String), p: &Person, to: &str, text: &str, date: i64) -> Vec<u8> {
    use mail_builder::MessageBuilder;
    let msg = MessageBuilder::new()
        .from(from.clone())
        .to((p.name.full(), to.to_string()))
        .subject(format!("Чаты родителей в «Сферуме» — {}", cfg.organization.name))
        .date(date)
        .message_id(format!("{}.{}@rollout.invalid", p.id, date))
        .text_body(text.to_string());
    let mut buf = Vec::new();
    msg.serialize(&mut buf);
    buf
}

/// The sender of .eml letters, `[letters] from` as (name, address); None without an
/// address: no .eml is written from a made-up one.
pub fn sender(cfg: &Config) -> Option<(String, String)> {
    parse_from(cfg.letters.from.as_deref()?, &cfg.organization.name)
}

/// «Колледж <info@college.ru>» → (name, address); «info@college.ru» is signed with the
/// organisation's name.
fn parse_from(from: &str, org: &str) -> Option<(String, String)> {
    let (name, addr) = match (from.find('<'), from.rfind('>')) {
        (Some(a), Some(b)) if b > a => (from[..a].trim().trim_matches('"').to_string(), from[a + 1..b].trim().to_string()),
        _ => (org.to_string(), from.trim().to_string()),
    };
    addr.contains('@').then_some((name, addr))
}

pub fn rules_lines(engine: &Engine, org: &str) -> Result<Vec<String>, LetterError> {
    #[derive(Serialize)]
    struct R<'a> {
        org: &'a str,
    }
    Ok(engine
        .render("letters/rules.txt", &R { org })?
        .lines()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// `plan remind`: one letter per owner with their overdue and coming milestones, as
/// (file name, bytes).
pub fn plan_reminders(
    engine: &Engine,
    cfg: &Config,
    reminders: &crate::plans::render::Reminders<'_>,
    as_of: chrono::NaiveDate,
) -> Result<Vec<(String, Vec<u8>)>, LetterError> {
    let mut files = Vec::new();
    for (owner, (overdue, coming)) in reminders {
        let text = engine.render(
            "letters/plan-remind.txt",
            &serde_json::json!({
                "owner": owner,
                "organization": cfg.organization.name,
                "as_of": as_of.format("%d.%m.%Y").to_string(),
                "overdue": overdue,
                "coming": coming,
                "signature": cfg.letters.signature,
            }),
        )?;
        files.push((format!("{}.txt", file_safe(owner)), text.into_bytes()));
    }
    Ok(files)
}
