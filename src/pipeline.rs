//! The stages wired together for the commands: ingest → roster → problems, and the
//! terminal summary people read.

use crate::config::Config;
use crate::ingest::{self, ReadMode};
use crate::problem::{Problem, Severity};
use crate::roster::{self, BuildContext, PersonKind, Roster};
use anyhow::Context;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The workspace secret (`.rollout/salt`, owner-only) behind person ids and СНИЛС
/// hashes: ids are stable across runs in one workspace and reveal nothing outside it.
pub fn load_salt(root: &Path) -> anyhow::Result<Vec<u8>> {
    let dir = root.join(".rollout");
    let path = dir.join("salt");
    if let Ok(s) = std::fs::read(&path)
        && s.len() >= 16
    {
        return Ok(s);
    }
    crate::output::ensure_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut salt = vec![0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no system randomness: {e}"))?;
    let hexed = hex::encode(&salt).into_bytes();
    crate::output::write_private(&path, &hexed).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(hexed)
}

static TIMEZONE: std::sync::OnceLock<chrono_tz::Tz> = std::sync::OnceLock::new();

/// The organisation's time zone for [`today`] (`[organization] timezone`); set once, when the
/// workspace's configuration is loaded.
pub fn set_timezone(tz: chrono_tz::Tz) {
    let _ = TIMEZONE.set(tz);
}

/// "Today" for the organisation, in its time zone: `ROLLOUT_TODAY=YYYY-MM-DD` pins it
/// (tests, replays).
pub fn today() -> NaiveDate {
    std::env::var("ROLLOUT_TODAY")
        .ok()
        .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
        .unwrap_or_else(|| match TIMEZONE.get() {
            Some(tz) => chrono::Utc::now().with_timezone(tz).date_naive(),
            None => chrono::Local::now().date_naive(),
        })
}

pub struct Outcome {
    /// The sources read, relative path and full path, for the change set's hash.
    pub sources: Vec<(String, PathBuf)>,
    /// Files under sources/ that [[sources]] does not list (not read).
    pub unlisted: Vec<String>,
    pub roster: Roster,
    pub problems: Vec<Problem>,
    pub files: usize,
    pub sheets: usize,
    pub unreadable: usize,
}

impl Outcome {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity() == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
}

/// (row, col) of an A1 reference, for sorting problems in reading order.
fn a1_pos(cell: &str) -> (u64, u64) {
    let letters: String = cell.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let col = letters
        .chars()
        .fold(0u64, |acc, c| acc * 26 + (c.to_ascii_uppercase() as u64 - 'A' as u64 + 1));
    let row = cell[letters.len()..].parse().unwrap_or(0);
    (row, col)
}

pub fn ingest_and_build(cfg: &Config, mode: &ReadMode, progress: &indicatif::ProgressBar) -> anyhow::Result<Outcome> {
    let salt = load_salt(&cfg.root)?;
    let t = std::time::Instant::now();
    let ing = ingest::ingest(cfg, mode, progress);
    progress.finish_and_clear();
    timing("ingest", t);
    let ctx = BuildContext {
        cfg,
        salt: &salt,
        today: today(),
    };
    let t = std::time::Instant::now();
    let (roster, mut problems) = roster::build(&ctx, &ing);
    timing("roster", t);
    // File- and sheet-level problems carry the branch their [[sources]] entry names.
    let resolver = roster::BranchResolver::new(cfg);
    let file_branch: BTreeMap<&str, String> = ing
        .sources
        .iter()
        .filter_map(|s| Some((s.rel.as_str(), resolver.resolve(s.spec.as_ref()?.branch.as_deref()?)?)))
        .collect();
    problems.extend(ing.problems.iter().cloned().map(|mut p| {
        if p.branch.is_empty()
            && let Some(b) = file_branch.get(p.location.file.as_str())
        {
            p.branch = b.clone();
        }
        p
    }));
    problems.sort_by_cached_key(|p| (p.location.file.clone(), p.location.sheet.clone(), a1_pos(&p.location.cell), p.rule));
    problems.dedup();
    let sources = ing.sources.iter().map(|s| (s.rel.clone(), s.path.clone())).collect();
    Ok(Outcome {
        unlisted: ing.unlisted.clone(),
        sources,
        roster,
        problems,
        files: ing.sources.len(),
        sheets: ing.sheets.len(),
        unreadable: ing.unreadable,
    })
}

/// `ROLLOUT_TIMING=1` prints how long each stage took (no personal data) to stderr.
pub fn timing(stage: &str, since: std::time::Instant) {
    if std::env::var_os("ROLLOUT_TIMING").is_some() {
        eprintln!("timing: {stage} {:.3} s", since.elapsed().as_secs_f64());
    }
}

pub fn default_out(cfg: &Config, out: Option<&Path>) -> PathBuf {
    out.map(Path::to_path_buf).unwrap_or_else(|| cfg.root.join("out"))
}

fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

/// Prints a table with aligned columns.
pub fn print_table(w: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = widths.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(w, "  {}", line(header.iter().map(|s| s.to_string()).collect()))?;
    for r in rows {
        writeln!(w, "  {}", line(r.clone()))?;
    }
    Ok(())
}

/// «1 файл», «3 файла», «5 файлов».
pub fn ru_count(n: usize, forms: [&str; 3]) -> String {
    let (n10, n100) = (n % 10, n % 100);
    let form = if n10 == 1 && n100 != 11 {
        forms[0]
    } else if (2..=4).contains(&n10) && !(12..=14).contains(&n100) {
        forms[1]
    } else {
        forms[2]
    };
    format!("{n} {form}")
}

pub fn print_roster_summary(w: &mut dyn Write, cfg: &Config, o: &Outcome) -> std::io::Result<()> {
    if o.files == 0 && o.unreadable == 0 {
        writeln!(
            w,
            "Источников нет: положите выгрузки списков (xlsx, xls, ods, csv) в {}",
            cfg.root.join("sources").display()
        )?;
    } else {
        writeln!(
            w,
            "Источники: {}, из них не прочитано {}; {} с данными",
            ru_count(o.files, ["файл", "файла", "файлов"]),
            o.unreadable,
            ru_count(o.sheets, ["лист", "листа", "листов"])
        )?;
    }
    if !o.unlisted.is_empty() {
        let list: Vec<&str> = o.unlisted.iter().take(5).map(String::as_str).collect();
        writeln!(
            w,
            "Внимание: {} в sources/ не перечислены в [[sources]] и не прочитаны: {}{} (когда [[sources]] задан, читаются только перечисленные файлы)",
            ru_count(o.unlisted.len(), ["файл", "файла", "файлов"]),
            list.join(", "),
            if o.unlisted.len() > 5 { ", …" } else { "" }
        )?;
    }
    let r = &o.roster;
    let students = match cfg.profile {
        crate::profile::Profile::Kindergarten => ["воспитанник", "воспитанника", "воспитанников"],
        crate::profile::Profile::School => ["ученик", "ученика", "учеников"],
        _ => ["обучающийся", "обучающихся", "обучающихся"],
    };
    writeln!(
        w,
        "Реестр: {}, {}, {}, {}",
        ru_count(r.count(PersonKind::Student), students),
        ru_count(r.count(PersonKind::Parent), ["родитель", "родителя", "родителей"]),
        ru_count(r.count(PersonKind::Staff), ["сотрудник", "сотрудника", "сотрудников"]),
        ru_count(r.groups.len(), ["группа", "группы", "групп"])
    )?;
    if cfg.branches.len() > 1 {
        let rows: Vec<Vec<String>> = cfg
            .branches
            .iter()
            .map(|b| {
                vec![
                    b.name.clone(),
                    r.groups.iter().filter(|g| g.branch == b.name).count().to_string(),
                    r.count_in_branch(PersonKind::Student, &b.name).to_string(),
                    r.count_in_branch(PersonKind::Parent, &b.name).to_string(),
                    r.count_in_branch(PersonKind::Staff, &b.name).to_string(),
                ]
            })
            .collect();
        print_table(w, &["филиал", "групп", "обучающихся", "родителей", "сотрудников"], &rows)?;
    }
    Ok(())
}

pub fn print_problem_summary(w: &mut dyn Write, o: &Outcome, problems_path: &Path) -> std::io::Result<()> {
    if o.problems.is_empty() {
        writeln!(w, "Проблем не найдено.")?;
        return Ok(());
    }
    writeln!(
        w,
        "Проблемы: {}, {} — подробно: {}",
        ru_count(o.errors(), ["ошибка", "ошибки", "ошибок"]),
        ru_count(o.warnings(), ["предупреждение", "предупреждения", "предупреждений"]),
        problems_path.display()
    )?;
    let mut by: BTreeMap<(Severity, &'static str, String), usize> = BTreeMap::new();
    for p in &o.problems {
        *by.entry((p.severity(), p.rule.code(), p.branch.clone())).or_default() += 1;
    }
    let rows: Vec<Vec<String>> = by
        .into_iter()
        .map(|((sev, code, branch), n)| {
            let title = crate::problem::Rule::from_code(code).map(|r| r.title_ru()).unwrap_or("");
            vec![
                if sev == Severity::Error {
                    "ошибка".into()
                } else {
                    "предупр.".into()
                },
                code.to_string(),
                title.to_string(),
                if branch.is_empty() { "—".into() } else { branch },
                n.to_string(),
            ]
        })
        .collect();
    print_table(w, &["", "правило", "что это", "филиал", "число"], &rows)
}

// ---- The diff stage.

use crate::changes::{self, ChangeSet, ChangeStatus, DiffInput, safety};
use crate::matching::{Expected, Matcher, MemberMatch, Status as MatchStatus};
use crate::platform::place::{ChatPlacer, Placement};
use crate::platform::{ChatState, Platform, PlatformState, export::MemberExport, snapshot::SnapshotFolder};
use crate::state::Store;

/// The platform source: `--platform PATH` (a folder is a snapshot, a file an export), else
/// `[platform] snapshot` or `export` of rollout.toml. None when nothing is configured.
pub fn platform_source(cfg: &Config, over: Option<&Path>) -> Option<Box<dyn Platform>> {
    let boxed = |p: PathBuf| -> Box<dyn Platform> {
        if p.is_dir() {
            Box::new(SnapshotFolder { dir: p })
        } else {
            Box::new(MemberExport {
                path: p,
                reader: ingest::Reader::for_config(cfg, ReadMode::current()),
            })
        }
    };
    if let Some(p) = over {
        return Some(boxed(p.to_path_buf()));
    }
    if let Some(s) = &cfg.platform.snapshot {
        return Some(Box::new(SnapshotFolder { dir: cfg.root.join(s) }));
    }
    cfg.platform.export.as_ref().map(|e| {
        Box::new(MemberExport {
            path: cfg.root.join(e),
            reader: ingest::Reader::for_config(cfg, ReadMode::current()),
        }) as Box<dyn Platform>
    })
}

pub struct DiffOutcome {
    pub changes: ChangeSet,
    pub matches: Vec<MemberMatch>,
    pub chats: Vec<(ChatState, Result<Placement, String>)>,
    pub assessment: safety::Assessment,
}

/// Computes the change set. Reads the state store, writes nothing.
pub fn compute_diff(cfg: &Config, o: &Outcome, state: PlatformState, store: &Store) -> anyhow::Result<DiffOutcome> {
    let t = std::time::Instant::now();
    let placer = ChatPlacer::new(cfg, &o.roster);
    let chats: Vec<(ChatState, Result<Placement, String>)> = state
        .chats
        .into_iter()
        .map(|c| {
            let p = placer.place(&c.chat);
            (c, p)
        })
        .collect();
    let expected = Expected::build(&o.roster, cfg.profile);
    let known = store.known()?;
    let matcher = Matcher::new(&o.roster, cfg.matching.clone(), &expected, &known);
    let for_matching: Vec<(&ChatState, Option<Placement>)> = chats.iter().map(|(c, p)| (c, p.as_ref().ok().cloned())).collect();
    let matches = matcher.match_all(&for_matching);
    timing("match", t);
    let children = store.children_of()?;
    let input = DiffInput {
        cfg,
        roster: &o.roster,
        chats: &chats,
        matches: &matches,
        expected: &expected,
        children_history: &children,
    };
    let mut actions = changes::diff(&input);
    let previous = store.roster_sizes()?;
    let assessment = safety::assess(cfg, &o.roster, &chats, &previous, &mut actions);
    // The hash: sources, rollout.toml, the platform as read, people's decisions, and the
    // remembered identities that made removals (no timestamps).
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for (rel, path) in &o.sources {
        parts.push((
            format!("source:{rel}"),
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
        ));
    }
    parts.push((
        "config".into(),
        std::fs::read(&cfg.path).with_context(|| format!("cannot read {}", cfg.path.display()))?,
    ));
    let mut fp = state.fingerprint;
    fp.sort();
    parts.extend(fp.into_iter().map(|(n, b)| (format!("platform:{n}"), b)));
    parts.push(("decisions".into(), store.decisions()?.join("\n").into_bytes()));
    // Remembered identities in use: confirmations are in `decisions`; automatic ones are
    // used only for departed people, listed here.
    let mut departed: Vec<String> = matches
        .iter()
        .filter(|m| m.departed || m.tier == crate::matching::Tier::Known)
        .map(|m| format!("{}|{}", m.user_id, m.person_id.clone().unwrap_or_default()))
        .collect();
    departed.sort();
    departed.dedup();
    parts.push(("remembered".into(), departed.join("\n").into_bytes()));
    let hash = changes::inputs_hash(&parts);
    let status = if store.is_approved(&hash)? {
        ChangeStatus::Approved
    } else if assessment.held_reasons.is_empty() {
        ChangeStatus::Ready
    } else {
        ChangeStatus::Held
    };
    let changes = ChangeSet {
        version: 1,
        hash,
        status,
        held_reasons: assessment.held_reasons.clone(),
        actions,
    };
    Ok(DiffOutcome {
        changes,
        matches,
        chats,
        assessment,
    })
}

/// After the outputs are written: remember this run's automatic matches and roster.
pub fn remember_diff(store: &mut Store, o: &Outcome, d: &DiffOutcome) -> anyhow::Result<()> {
    let today = today().format("%Y-%m-%d").to_string();
    let placed: std::collections::HashSet<i64> = d.chats.iter().filter(|(_, p)| p.is_ok()).map(|(c, _)| c.chat.chat_id).collect();
    let auto: Vec<(i64, String, crate::roster::PersonKind)> = d
        .matches
        .iter()
        .filter(|m| m.status == MatchStatus::Matched && !m.departed && m.tier != crate::matching::Tier::Known)
        // Only a match made where the person belongs is remembered as evidence.
        .filter(|m| placed.contains(&m.chat_id))
        .filter_map(|m| Some((m.user_id, m.person_id.clone()?, m.kind?)))
        .collect();
    store.remember(&auto, &today)?;
    store.record_people(&o.roster, &today)?;
    if d.assessment.accept_sizes {
        store.set_roster_sizes(&d.assessment.sizes)?;
    }
    Ok(())
}

pub fn print_diff_summary(w: &mut dyn Write, cfg: &Config, d: &DiffOutcome, out_dir: &Path) -> std::io::Result<()> {
    let c = &d.changes;
    let placed = d.chats.iter().filter(|(_, p)| p.is_ok()).count();
    let members = d.matches.len();
    let count = |s: MatchStatus| d.matches.iter().filter(|m| m.status == s).count();
    writeln!(
        w,
        "Платформа: чатов {} (распознано {placed}), участников {members}: сопоставлено {}, на проверку {}, неизвестных {}",
        d.chats.len(),
        count(MatchStatus::Matched),
        count(MatchStatus::Review),
        count(MatchStatus::Unknown)
    )?;
    let status = match c.status {
        ChangeStatus::Ready => "готов",
        ChangeStatus::Held => "ЗАДЕРЖАН",
        ChangeStatus::Approved => "подтверждён",
    };
    writeln!(
        w,
        "Набор изменений {} ({}…): {} — {}",
        status,
        &c.hash[..12],
        ru_count(c.actions.len(), ["действие", "действия", "действий"]),
        out_dir.join("changes.xlsx").display()
    )?;
    let kinds = changes::ActionKind::ALL;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut branches: Vec<String> = cfg.branches.iter().map(|b| b.name.clone()).collect();
    branches.push(String::new());
    for b in &branches {
        let of_branch: Vec<&changes::Action> = c
            .actions
            .iter()
            .filter(|a| a.branch.as_deref().unwrap_or("") == b.as_str())
            .collect();
        if of_branch.is_empty() {
            continue;
        }
        let mut row = vec![if b.is_empty() {
            "— (чаты вне филиалов)".to_string()
        } else {
            b.clone()
        }];
        row.extend(kinds.iter().map(|k| of_branch.iter().filter(|a| a.kind == *k).count().to_string()));
        rows.push(row);
    }
    let header: Vec<&str> = std::iter::once("филиал").chain(kinds.iter().map(|k| k.title_ru())).collect();
    print_table(w, &header, &rows)?;
    for r in &c.held_reasons {
        writeln!(w, "  ! {r}")?;
    }
    if c.status == ChangeStatus::Held {
        writeln!(w, "Удаления не выполняются, пока набор не подтверждён: rollout approve {}", c.hash)?;
    }
    Ok(())
}

// ---- Links and letters.

use crate::links::{self, LinkProblem, LinkRecord};

pub struct LinkSet {
    pub current: BTreeMap<Placement, LinkRecord>,
    pub problems: Vec<LinkProblem>,
}

/// The current links: the platform's, and the `[links] file` where the platform has none.
pub fn collect_links(cfg: &Config, o: &Outcome, chats: &[(ChatState, Result<Placement, String>)]) -> LinkSet {
    let (platform, mut problems) = links::from_platform(chats);
    let mut file = Vec::new();
    if let Some(f) = &cfg.links.file {
        let path = cfg.root.join(f);
        let placer = ChatPlacer::new(cfg, &o.roster);
        let resolver = roster::BranchResolver::new(cfg);
        let (recs, probs) = links::from_file(&ingest::Reader::for_config(cfg, ReadMode::current()), &path, f, &placer, &resolver);
        file = recs;
        problems.extend(probs);
    }
    LinkSet {
        current: links::current(platform, file),
        problems,
    }
}

/// Records the links and the latest join times in the state store.
pub fn remember_links(store: &mut Store, links: &LinkSet, chats: &[(ChatState, Result<Placement, String>)]) -> anyhow::Result<()> {
    let today = today().format("%Y-%m-%d").to_string();
    let rows: Vec<(String, String, String, String, String)> = links
        .current
        .values()
        .map(|r| {
            (
                r.placement.branch.clone(),
                r.placement.group.clone().unwrap_or_default(),
                r.placement.audience.code().to_string(),
                r.link.clone(),
                r.source.clone(),
            )
        })
        .collect();
    store.sync_links(&rows, &today)?;
    let joins: Vec<(i64, i64)> = chats
        .iter()
        .filter_map(|(c, _)| {
            Some((
                c.chat.chat_id,
                c.members.iter().filter(|m| !m.is_owner).filter_map(|m| m.join_time).max()?,
            ))
        })
        .collect();
    store.record_joins(&joins)?;
    Ok(())
}

/// One line of the links checklist.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LinkCheck {
    pub branch: String,
    pub kind: &'static str,
    pub group: String,
    pub audience: String,
    pub detail: String,
}

/// The admin's checklist: groups without a link, links gone from the platform, links too
/// old to keep, and chats nobody joined lately although people still have to join.
pub fn link_checklist(
    cfg: &Config,
    o: &Outcome,
    links: &LinkSet,
    changes: Option<&ChangeSet>,
    store: &Store,
    chats: &[(ChatState, Result<Placement, String>)],
) -> anyhow::Result<Vec<LinkCheck>> {
    let chat_exists: std::collections::HashSet<&Placement> = chats.iter().filter_map(|(_, p)| p.as_ref().ok()).collect();
    let today = today();
    let expected = Expected::build(&o.roster, cfg.profile);
    let history = store.link_history()?;
    let joins = store.last_joins()?;
    let mut out = Vec::new();
    let key = |p: &Placement| (p.branch.clone(), p.group.clone().unwrap_or_default(), p.audience.code().to_string());
    for p in expected
        .by_placement
        .keys()
        .filter(|p| p.audience != crate::platform::place::ChatAudience::Teachers)
    {
        if !links.current.contains_key(p) {
            let (b, g, a) = key(p);
            let gone = history.iter().any(|h| h.branch == b && h.group == g && h.audience == a);
            out.push(LinkCheck {
                branch: b,
                kind: if gone { "disappeared" } else { "missing" },
                group: g,
                audience: a,
                detail: if gone {
                    "ссылки больше нет ни на платформе, ни в файле ссылок: проверьте чат и внесите новую ссылку".into()
                } else if chat_exists.contains(p) {
                    "чат есть, но в снимке у него нет ссылки: сделайте бота администратором чата или впишите ссылку в файл ссылок".into()
                } else {
                    "ссылки нет: создайте чат (или добавьте ссылку в файл ссылок)".into()
                },
            });
        }
    }
    let pending: BTreeMap<(String, String, String), usize> = changes
        .map(|c| {
            let mut m = BTreeMap::new();
            for a in c.actions.iter().filter(|a| a.kind == changes::ActionKind::Invite) {
                *m.entry((
                    a.branch.clone().unwrap_or_default(),
                    a.group.clone().unwrap_or_default(),
                    a.audience.clone().unwrap_or_default(),
                ))
                .or_insert(0) += 1;
            }
            m
        })
        .unwrap_or_default();
    for r in links.current.values() {
        let (b, g, a) = key(&r.placement);
        if let Some(h) = history
            .iter()
            .find(|h| h.link == r.link && h.branch == b && h.group == g && h.audience == a)
            && let Ok(first) = chrono::NaiveDate::parse_from_str(&h.first_seen, "%Y-%m-%d")
            && (today - first).num_days() > cfg.links.max_age_days
        {
            out.push(LinkCheck {
                branch: b.clone(),
                kind: "old",
                group: g.clone(),
                audience: a.clone(),
                detail: format!(
                    "ссылка {} действует с {} — старше {} дней: замените",
                    links::mask(&r.link),
                    first.format("%d.%m.%Y"),
                    cfg.links.max_age_days
                ),
            });
        }
        let waiting = pending.get(&(b.clone(), g.clone(), a.clone())).copied().unwrap_or(0);
        if waiting > 0
            && let Some(chat) = r.chat_id
        {
            let last = joins.get(&chat).copied();
            let idle = match last {
                Some(ms) => chrono::DateTime::from_timestamp_millis(ms).map(|t| (today - t.date_naive()).num_days()),
                None => None,
            };
            if idle.is_none_or(|d| d > cfg.links.unused_days) {
                out.push(LinkCheck {
                    branch: b.clone(),
                    kind: "unused",
                    group: g.clone(),
                    audience: a.clone(),
                    detail: format!(
                        "{} — в чат никто не вступал {}, а вступить должны ещё {waiting}: напомните или отзовите ссылку и выдайте новую",
                        links::mask(&r.link),
                        match idle {
                            Some(d) => format!("{d} дн."),
                            None => "ни разу".into(),
                        }
                    ),
                });
            }
        }
    }
    out.sort();
    Ok(out)
}
