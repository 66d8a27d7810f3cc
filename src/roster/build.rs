//! Building the roster: resolve branches, name groups by branch majority, parse values,
//! merge people across files, link parents to children, and raise the cross-record rules.

use super::BranchResolver;
use super::model::*;
use crate::config::{Config, SourceKind};
use crate::ingest::layout::{RawRecord, Value};
use crate::ingest::table::Cell;
use crate::ingest::{Ingested, IngestedSheet};
use crate::normalize::groups::{GroupNamer, group_key};
use crate::normalize::names::{PersonName, parse_short_name};
use crate::normalize::{clean_spaces, dates, email, phones, snils, text_key};
use crate::problem::{Location, Problem, Rule};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub struct BuildContext<'a> {
    pub cfg: &'a Config,
    /// Workspace secret for ids and СНИЛС hashes.
    pub salt: &'a [u8],
    pub today: NaiveDate,
}

/// A parsed, located record before merging.
#[derive(Debug, Clone)]
struct Obs {
    kind: PersonKind,
    name: PersonName,
    key: String,
    birth: Option<NaiveDate>,
    /// Whether any birth-date cell was filled (a bad date is not a missing one).
    birth_given: bool,
    branch: String,
    group: Option<String>,
    course: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    snils: Option<String>,
    login: Option<String>,
    id: Option<String>,
    position: Option<String>,
    curates: Vec<String>,
    relation: Option<String>,
    /// Parents' rows: the child.
    child: Option<Box<Obs>>,
    loc: Location,
    source: usize,
    /// From a student list (not a child seen in a parents' export).
    from_list: bool,
    /// Where the group is named for this record (a cell, a group row, or the sheet).
    group_loc: Option<Location>,
    /// The birth-date cell of the row, filled or not.
    birth_at: Option<Location>,
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n).collect())
    }
    fn find(&mut self, x: usize) -> usize {
        let mut r = x;
        while self.0[r] != r {
            r = self.0[r];
        }
        let mut x = x;
        while self.0[x] != r {
            let next = self.0[x];
            self.0[x] = r;
            x = next;
        }
        r
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
    fn clusters(&mut self) -> Vec<Vec<usize>> {
        let mut map: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..self.0.len() {
            let r = self.find(i);
            map.entry(r).or_default().push(i);
        }
        map.into_values().collect()
    }
}

fn short_id(prefix: &str, salt: &[u8], key: &str, used: &mut BTreeSet<String>) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(b"person:");
    h.update(key.as_bytes());
    let base = format!("{prefix}{}", &hex::encode(h.finalize())[..10]);
    let mut id = base.clone();
    let mut n = 2;
    while !used.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

struct Builder<'a> {
    ctx: &'a BuildContext<'a>,
    ing: &'a Ingested,
    branches: BranchResolver,
    namer: GroupNamer,
    problems: Vec<Problem>,
    dropped: Vec<Dropped>,
}

/// A record's fields after branch resolution, before group naming.
struct Pending<'r> {
    sheet: &'r IngestedSheet,
    rec: &'r RawRecord,
    kind: SourceKind,
    branch: Option<String>,
    raw_group: Option<(String, Location)>,
}

impl<'a> Builder<'a> {
    fn loc(&self, sheet: &IngestedSheet, cell: &str) -> Location {
        self.ing.location(sheet, cell)
    }

    fn problem(&mut self, rule: Rule, loc: Location, branch: Option<&str>, found: impl Into<String>, fix: impl Into<String>) {
        let mut p = Problem::new(rule, loc, found, fix);
        if let Some(b) = branch {
            p.branch = b.to_string();
        }
        self.problems.push(p);
    }

    /// The branch a whole sheet belongs to: its `[[sources]] branch`, a branch named in its
    /// titles, sheet name or file name, or the only branch there is.
    fn sheet_branch(&self, sheet: &IngestedSheet) -> Option<String> {
        let source = &self.ing.sources[sheet.source];
        if let Some(b) = source
            .spec
            .as_ref()
            .and_then(|s| s.branch.as_deref())
            .and_then(|x| self.branches.resolve(x))
        {
            return Some(b);
        }
        let mut texts = sheet.records.titles.clone();
        texts.push(sheet.sheet.clone());
        texts.push(source.rel.rsplit('/').next().unwrap_or("").to_string());
        self.branches.mentioned_in(&texts).or_else(|| self.branches.single().cloned())
    }

    fn name_of(rec: &RawRecord) -> Option<PersonName> {
        if let Some(f) = &rec.fio {
            return PersonName::parse_fio(&f.text());
        }
        let t = |v: &Option<Value>| v.as_ref().map(|v| v.text()).unwrap_or_default();
        PersonName::from_parts(&t(&rec.surname), &t(&rec.first_name), &t(&rec.patronymic))
    }

    fn birth(&mut self, v: &Option<Value>, sheet: &IngestedSheet, branch: Option<&str>) -> (Option<NaiveDate>, bool) {
        let Some(v) = v else { return (None, false) };
        let parsed = match &v.cell {
            Cell::Date(y, m, d) => NaiveDate::from_ymd_opt(*y, *m, *d).ok_or(dates::DateError::Impossible),
            Cell::Number(n) if (1.0..=2_958_465.0).contains(n) => dates::from_excel_serial(*n, false).ok_or(dates::DateError::Impossible),
            Cell::Text(t) => {
                let t = t.trim();
                // «40179» typed as text is still an Excel serial.
                match t.parse::<f64>() {
                    Ok(n) if t.chars().all(|c| c.is_ascii_digit()) && (1000.0..=80_000.0).contains(&n) => {
                        dates::from_excel_serial(n, false).ok_or(dates::DateError::Impossible)
                    }
                    _ => dates::parse_text(t, self.ctx.today),
                }
            }
            _ => Err(dates::DateError::Unreadable),
        };
        match parsed {
            Ok(d) if dates::plausible_birth_date(d, self.ctx.today) => (Some(d), true),
            Ok(d) => {
                self.problem(
                    Rule::BadDate,
                    self.loc(sheet, &v.at),
                    branch,
                    d.format("%d.%m.%Y").to_string(),
                    "дата рождения вне допустимого диапазона (в будущем или до 1900 года); исправьте дату в источнике",
                );
                (None, true)
            }
            Err(e) => {
                let why = match e {
                    dates::DateError::Impossible => "такой даты не бывает",
                    dates::DateError::Unreadable => "дата не читается",
                };
                self.problem(
                    Rule::BadDate,
                    self.loc(sheet, &v.at),
                    branch,
                    v.text(),
                    format!("{why}; запишите дату как дд.мм.гггг (например 05.03.2009)"),
                );
                (None, true)
            }
        }
    }

    /// A cell that must parse: when it does not, a problem of `rule` and the field is
    /// dropped. `shown` is what the report may show of the bad value.
    #[allow(clippy::too_many_arguments)]
    fn field(
        &mut self,
        v: &Option<Value>,
        sheet: &IngestedSheet,
        branch: Option<&str>,
        rule: Rule,
        fix: &str,
        parse: impl Fn(&str) -> Option<String>,
        shown: impl Fn(&str) -> String,
    ) -> Option<String> {
        let v = v.as_ref()?;
        let text = v.text();
        let parsed = parse(&text);
        if parsed.is_none() {
            self.problem(rule, self.loc(sheet, &v.at), branch, shown(&text), fix);
        }
        parsed
    }

    fn phone(&mut self, v: &Option<Value>, sheet: &IngestedSheet, branch: Option<&str>) -> Option<String> {
        let fix = "номер не распознан; запишите его полностью, например 8 912 345-67-89 или +7 912 345-67-89";
        self.field(v, sheet, branch, Rule::BadPhone, fix, phones::to_e164, str::to_string)
    }

    fn email(&mut self, v: &Option<Value>, sheet: &IngestedSheet, branch: Option<&str>) -> Option<String> {
        let fix = "адрес e-mail не похож на настоящий (нужно имя@домен.ru); уточните его у человека";
        self.field(v, sheet, branch, Rule::BadEmail, fix, email, str::to_string)
    }

    fn snils(&mut self, v: &Option<Value>, sheet: &IngestedSheet, branch: Option<&str>) -> Option<String> {
        let salt = self.ctx.salt;
        let fix = "СНИЛС с ошибкой (11 цифр, последние две — контрольное число); сверьте с документом";
        // The clear number is personal data: the report shows only what is wrong with it.
        let shown = |t: &str| {
            let digits = t.chars().filter(char::is_ascii_digit).count();
            if digits == 11 {
                "11 цифр, контрольное число не сходится".to_string()
            } else {
                format!("{digits} цифр вместо 11")
            }
        };
        self.field(
            v,
            sheet,
            branch,
            Rule::BadSnils,
            fix,
            |t| snils::validate(t).map(|d| snils::salted_hash(&d, salt)),
            shown,
        )
    }
}

/// Splits «ИС-24-1, ИС-24-2» / «5А; 6Б».
fn split_groups(s: &str) -> Vec<String> {
    s.split([',', ';', '\n', '/'])
        .map(clean_spaces)
        .filter(|g| !g.is_empty() && g != "-" && text_key(g) != "нет")
        .collect()
}

pub fn build(ctx: &BuildContext<'_>, ing: &Ingested) -> (Roster, Vec<Problem>) {
    let mut b = Builder {
        ctx,
        ing,
        branches: BranchResolver::new(ctx.cfg),
        namer: GroupNamer::new(),
        problems: Vec::new(),
        dropped: Vec::new(),
    };
    for g in &ctx.cfg.groups {
        let branch = g.branch.as_deref().and_then(|x| b.branches.resolve(x));
        for a in std::iter::once(&g.name).chain(&g.aliases) {
            b.namer.add_alias(branch.as_deref(), a, &g.name);
        }
    }

    // Pass 1: the branch of every record, and the group spellings per branch.
    let mut pending: Vec<Pending> = Vec::new();
    for sheet in &ing.sheets {
        let kind = sheet.records.kind.unwrap_or(SourceKind::Students);
        let hint = b.sheet_branch(sheet);
        for at in &sheet.records.nameless_rows {
            let loc = b.loc(sheet, at);
            b.problem(
                Rule::MissingName,
                loc.clone(),
                hint.as_deref(),
                "",
                "в строке есть данные, но нет ФИО; впишите ФИО или удалите строку",
            );
            b.dropped.push(Dropped {
                kind: kind_of(kind),
                rule: Rule::MissingName,
                name: None,
                branch: hint.clone(),
                group: None,
                location: loc,
            });
        }
        for rec in &sheet.records.records {
            let mut branch = hint.clone();
            if let Some(v) = &rec.branch {
                match b.branches.resolve(&v.text()) {
                    Some(x) => branch = Some(x),
                    None => {
                        let loc = b.loc(sheet, &v.at);
                        let known: Vec<String> = ctx.cfg.branches.iter().map(|x| format!("«{}»", x.name)).collect();
                        b.problem(Rule::UnknownBranch, loc.clone(), None, v.text(),
                            format!("такого филиала нет в rollout.toml; известны {}; исправьте ячейку или добавьте название в aliases нужного филиала", known.join(", ")));
                        b.dropped.push(Dropped {
                            kind: kind_of(kind),
                            rule: Rule::UnknownBranch,
                            name: Builder::name_of(rec),
                            branch: None,
                            group: None,
                            location: loc,
                        });
                        continue;
                    }
                }
            }
            let raw_group = rec
                .group
                .as_ref()
                .map(|v| (v.text(), b.loc(sheet, &v.at)))
                .or_else(|| rec.group_context.as_ref().map(|g| (g.group.clone(), b.loc(sheet, &g.at))));
            if let (Some(br), Some((g, _))) = (&branch, &raw_group) {
                b.namer.observe(br, g);
            }
            if kind == SourceKind::Staff
                && let (Some(br), Some(v)) = (&branch, &rec.curates)
            {
                for g in split_groups(&v.text()) {
                    b.namer.observe(br, &g);
                }
            }
            pending.push(Pending {
                sheet,
                rec,
                kind,
                branch,
                raw_group,
            });
        }
    }
    // Records with no branch yet: the branch of their group, if only one branch has it.
    let mut group_branches: HashMap<String, BTreeSet<String>> = HashMap::new();
    for p in &pending {
        if let (Some(br), Some((g, _))) = (&p.branch, &p.raw_group) {
            group_branches.entry(group_key(g)).or_default().insert(br.clone());
        }
    }
    for p in pending.iter_mut().filter(|p| p.branch.is_none()) {
        let by_group = p
            .raw_group
            .as_ref()
            .and_then(|(g, _)| group_branches.get(&group_key(g)))
            .filter(|s| s.len() == 1);
        if let Some(set) = by_group {
            p.branch = set.iter().next().cloned();
            if let (Some(br), Some((g, _))) = (&p.branch, &p.raw_group) {
                b.namer.observe(br, g);
            }
        }
    }

    // Pass 2: parse values into observations.
    // Rows whose branch cannot be told, per sheet: (rows, first name cell, groups named).
    let mut branchless: BTreeMap<(usize, String), (usize, Location, BTreeSet<String>)> = BTreeMap::new();
    let mut students: Vec<Obs> = Vec::new();
    let mut parents: Vec<Obs> = Vec::new();
    let mut staff: Vec<Obs> = Vec::new();
    for p in &pending {
        let rec = p.rec;
        let sheet = p.sheet;
        let name_loc = b.loc(sheet, &rec.name_at());
        let Some(branch) = p.branch.clone() else {
            let entry = branchless
                .entry((sheet.source, sheet.sheet.clone()))
                .or_insert_with(|| (0, name_loc.clone(), BTreeSet::new()));
            entry.0 += 1;
            if let Some((g, _)) = &p.raw_group {
                entry.2.insert(g.clone());
            }
            b.dropped.push(Dropped {
                kind: kind_of(p.kind),
                rule: Rule::UnknownBranch,
                name: Builder::name_of(rec),
                branch: None,
                group: None,
                location: name_loc,
            });
            continue;
        };
        let Some(name) = Builder::name_of(rec) else {
            b.problem(
                Rule::MissingName,
                name_loc.clone(),
                Some(&branch),
                "",
                "ФИО не читается; впишите фамилию и имя",
            );
            b.dropped.push(Dropped {
                kind: kind_of(p.kind),
                rule: Rule::MissingName,
                name: None,
                branch: Some(branch),
                group: None,
                location: name_loc,
            });
            continue;
        };
        let group = p.raw_group.as_ref().map(|(g, _)| b.namer.canonical(&branch, g));
        let course = rec
            .course
            .as_ref()
            .map(|v| v.text())
            .or_else(|| rec.group_context.as_ref().and_then(|g| g.course.clone()));
        let mut obs = Obs {
            kind: kind_of(p.kind),
            key: name.key(),
            name,
            birth: None,
            birth_given: false,
            branch: branch.clone(),
            group,
            course,
            phone: None,
            email: None,
            snils: None,
            login: rec.login.as_ref().map(|v| v.text()),
            id: rec.id.as_ref().map(|v| v.text()),
            position: rec.position.as_ref().map(|v| v.text()),
            curates: Vec::new(),
            relation: rec.relation.as_ref().map(|v| v.text()),
            child: None,
            loc: name_loc.clone(),
            source: sheet.source,
            from_list: true,
            group_loc: p.raw_group.as_ref().map(|(_, l)| l.clone()),
            birth_at: rec.birth_date_at.as_ref().map(|a| b.loc(sheet, a)),
        };
        obs.phone = b.phone(&rec.phone, sheet, Some(&branch));
        obs.email = b.email(&rec.email, sheet, Some(&branch));
        match p.kind {
            SourceKind::Students => {
                (obs.birth, obs.birth_given) = b.birth(&rec.birth_date, sheet, Some(&branch));
                obs.snils = b.snils(&rec.snils, sheet, Some(&branch));
                if obs.group.is_none() {
                    b.problem(
                        Rule::MissingGroup,
                        name_loc.clone(),
                        Some(&branch),
                        obs.name.full(),
                        "группа не указана: добавьте столбец «Группа», строку «Группа …» над списком или назовите лист именем группы",
                    );
                    b.dropped.push(Dropped {
                        kind: PersonKind::Student,
                        rule: Rule::MissingGroup,
                        name: Some(obs.name.clone()),
                        branch: Some(branch),
                        group: None,
                        location: name_loc,
                    });
                    continue;
                }
                students.push(obs);
            }
            SourceKind::Parents => {
                let child_name = rec.child.as_ref().and_then(|v| PersonName::parse_fio(&v.text()));
                let (birth, given) = b.birth(&rec.birth_date, sheet, Some(&branch));
                if let Some(cn) = child_name {
                    let child_loc = b.loc(sheet, &rec.child.as_ref().map(|v| v.at.clone()).unwrap_or_default());
                    let mut child = obs.clone();
                    child.kind = PersonKind::Student;
                    child.key = cn.key();
                    child.name = cn;
                    child.birth = birth;
                    child.birth_given = given;
                    child.phone = None;
                    child.email = None;
                    child.relation = None;
                    child.loc = child_loc;
                    child.from_list = false;
                    obs.child = Some(Box::new(child));
                }
                parents.push(obs);
            }
            SourceKind::Staff => {
                obs.curates = rec.curates.as_ref().map(|v| split_groups(&v.text())).unwrap_or_default();
                obs.curates = obs.curates.iter().map(|g| b.namer.canonical(&branch, g)).collect();
                staff.push(obs);
            }
        }
    }

    let known: Vec<String> = ctx.cfg.branches.iter().map(|x| format!("«{}»", x.name)).collect();
    for ((_, _), (n, loc, groups)) in branchless {
        let groups_note = if groups.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = groups.iter().take(5).cloned().collect();
            format!("группы {} не найдены в списках обучающихся ни одного филиала; ", list.join(", "))
        };
        b.problem(Rule::UnknownBranch, loc, None, format!("строк без филиала: {n}"),
            format!("{groups_note}не понять, к какому филиалу относятся строки этого листа; укажите branch = \"…\" в [[sources]] для этого файла или добавьте столбец «Филиал» (известны {})", known.join(", ")));
    }
    let mut used_ids = BTreeSet::new();
    let mut roster = Roster::default();

    // ---- Students: merge by СНИЛС, name + birth date, name + group.
    // Children named in parents' exports join the pool so they merge with the lists.
    let mut pool: Vec<Obs> = students;
    let mut child_of_parent: Vec<Option<usize>> = Vec::with_capacity(parents.len());
    for par in &parents {
        match &par.child {
            Some(c) => {
                child_of_parent.push(Some(pool.len()));
                pool.push((**c).clone());
            }
            None => child_of_parent.push(None),
        }
    }
    let mut uf = UnionFind::new(pool.len());
    {
        let mut by_snils: HashMap<&str, usize> = HashMap::new();
        let mut by_nb: HashMap<(String, NaiveDate), usize> = HashMap::new();
        let mut by_ng: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        for (i, o) in pool.iter().enumerate() {
            if let Some(s) = &o.snils {
                if let Some(&j) = by_snils.get(s.as_str()) {
                    uf.union(i, j);
                } else {
                    by_snils.insert(s, i);
                }
            }
            if let Some(d) = o.birth {
                match by_nb.get(&(o.key.clone(), d)) {
                    Some(&j) => uf.union(i, j),
                    None => {
                        by_nb.insert((o.key.clone(), d), i);
                    }
                }
            }
            if let Some(g) = &o.group {
                by_ng.entry((o.key.clone(), o.branch.clone(), group_key(g))).or_default().push(i);
            }
        }
        // Same name in the same group: one person unless the student lists give two
        // different birth dates (namesakes). A child named in a parents' export with
        // another date joins the one student of that name (the dates conflict: a warning).
        for members in by_ng.values() {
            let list_births: BTreeSet<NaiveDate> = members
                .iter()
                .filter(|i| pool[**i].from_list)
                .filter_map(|i| pool[*i].birth)
                .collect();
            let births: BTreeSet<NaiveDate> = members.iter().filter_map(|i| pool[*i].birth).collect();
            if births.len() <= 1 || list_births.len() <= 1 {
                for w in members.windows(2) {
                    uf.union(w[0], w[1]);
                }
            }
        }
        // A child named in a parents' export without a group: by name alone if unique.
        let mut by_name: HashMap<&str, BTreeSet<usize>> = HashMap::new();
        for (i, o) in pool.iter().enumerate() {
            by_name.entry(o.key.as_str()).or_default().insert(i);
        }
        let roots: Vec<usize> = (0..pool.len()).collect();
        for i in roots {
            if pool[i].group.is_none() {
                let cands: BTreeSet<usize> = by_name
                    .get(pool[i].key.as_str())
                    .map(|s| s.iter().filter(|j| pool[**j].group.is_some()).map(|j| uf.find(*j)).collect())
                    .unwrap_or_default();
                if cands.len() == 1 {
                    let j = *cands.iter().next().unwrap_or(&i);
                    uf.union(i, j);
                }
            }
        }
    }
    let mut student_of_obs: Vec<Option<usize>> = vec![None; pool.len()];
    let profile = ctx.cfg.profile;
    let mut group_first_seen: BTreeMap<(String, String), Location> = BTreeMap::new();
    let mut group_course: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
    for cluster in uf.clusters() {
        let obs: Vec<&Obs> = cluster.iter().map(|i| &pool[*i]).collect();
        let mut memberships: Vec<GroupRef> = Vec::new();
        for o in &obs {
            if let Some(g) = &o.group {
                let r = GroupRef {
                    branch: o.branch.clone(),
                    group: g.clone(),
                };
                if !memberships.contains(&r) {
                    memberships.push(r);
                }
            }
        }
        let first = obs.iter().find(|o| o.from_list).unwrap_or(&obs[0]);
        if memberships.is_empty() {
            b.problem(
                Rule::MissingGroup,
                first.loc.clone(),
                Some(&first.branch),
                first.name.full(),
                "группа ребёнка не указана и не найдена в списках обучающихся; добавьте столбец «Группа»/«Класс»",
            );
            b.dropped.push(Dropped {
                kind: PersonKind::Student,
                rule: Rule::MissingGroup,
                name: Some(first.name.clone()),
                branch: Some(first.branch.clone()),
                group: None,
                location: first.loc.clone(),
            });
            continue;
        }
        if memberships.len() > 1 && !profile.allows_several_groups() {
            let found: Vec<String> = memberships
                .iter()
                .map(|m| {
                    if ctx.cfg.implicit_branch {
                        m.group.clone()
                    } else {
                        format!("{} / {}", m.branch, m.group)
                    }
                })
                .collect();
            let places: Vec<String> = obs
                .iter()
                .filter(|o| o.from_list)
                .map(|o| {
                    format!(
                        "{}{} {}",
                        o.loc.file,
                        if o.loc.sheet.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", o.loc.sheet)
                        },
                        o.loc.cell
                    )
                })
                .collect();
            b.problem(
                Rule::StudentInTwoGroups,
                first.loc.clone(),
                Some(&first.branch),
                found.join(" | "),
                format!(
                    "один человек записан в двух группах ({}); оставьте одну группу в источниках. Пока он не включён в список",
                    places.join("; ")
                ),
            );
            b.dropped.push(Dropped {
                kind: PersonKind::Student,
                rule: Rule::StudentInTwoGroups,
                name: Some(first.name.clone()),
                branch: Some(first.branch.clone()),
                group: None,
                location: first.loc.clone(),
            });
            continue;
        }
        // The same student listed twice in one file.
        let mut seen: BTreeSet<(usize, String, String)> = BTreeSet::new();
        for o in obs.iter().filter(|o| o.from_list) {
            let k = (o.source, o.branch.clone(), o.group.as_deref().map(group_key).unwrap_or_default());
            if !seen.insert(k) {
                b.problem(
                    Rule::DuplicatePerson,
                    o.loc.clone(),
                    Some(&o.branch),
                    o.name.full(),
                    "этот обучающийся уже есть в файле выше; удалите повтор (записи объединены)",
                );
            }
        }
        // The student list's date wins over a parents' export.
        let birth = obs
            .iter()
            .filter(|o| o.from_list)
            .find_map(|o| o.birth)
            .or_else(|| obs.iter().find_map(|o| o.birth));
        let births: BTreeSet<NaiveDate> = obs.iter().filter_map(|o| o.birth).collect();
        if births.len() > 1 {
            let other = obs.iter().find(|o| o.birth.is_some() && o.birth != birth).unwrap_or(first);
            let at = other.birth_at.clone().unwrap_or_else(|| other.loc.clone());
            let dates: Vec<String> = births.iter().map(|d| d.format("%d.%m.%Y").to_string()).collect();
            b.problem(
                Rule::BirthDateConflict,
                at,
                Some(&first.branch),
                dates.join(" | "),
                "в источниках разные даты рождения одного обучающегося; взята дата из списка обучающихся — исправьте ошибочную",
            );
        }
        if birth.is_none() && !obs.iter().any(|o| o.birth_given) {
            b.problem(
                Rule::MissingBirthDate,
                first.birth_at.clone().unwrap_or_else(|| first.loc.clone()),
                Some(&first.branch),
                first.name.full(),
                "нет даты рождения: она нужна, чтобы отличать однофамильцев; добавьте её в источник",
            );
        }
        // Prefer the fullest spelling, and the one with ё.
        let name = obs
            .iter()
            .map(|o| &o.name)
            .max_by_key(|n| (!n.patronymic.is_empty(), yo_count(n), n.full().len()))
            .cloned()
            .unwrap_or_default();
        for o in &obs {
            if let Some(g) = &o.group {
                group_first_seen
                    .entry((o.branch.clone(), g.clone()))
                    .or_insert_with(|| o.group_loc.clone().unwrap_or_else(|| o.loc.clone()));
                if let Some(c) = &o.course {
                    *group_course
                        .entry((o.branch.clone(), g.clone()))
                        .or_default()
                        .entry(c.clone())
                        .or_default() += 1;
                }
            }
        }
        let key = match birth {
            Some(d) => format!("student|{}|{d}", name.key()),
            None => format!(
                "student|{}|{}|{}",
                name.key(),
                memberships[0].branch,
                group_key(&memberships[0].group)
            ),
        };
        let id = short_id("s", ctx.salt, &key, &mut used_ids);
        let mut branches: Vec<String> = memberships.iter().map(|m| m.branch.clone()).collect();
        branches.dedup();
        let person = Person {
            id,
            kind: PersonKind::Student,
            name,
            birth_date: birth,
            branches,
            groups: memberships,
            phone: obs.iter().find_map(|o| o.phone.clone()),
            email: obs.iter().find_map(|o| o.email.clone()),
            snils_hash: obs.iter().find_map(|o| o.snils.clone()),
            login: obs.iter().find_map(|o| o.login.clone()),
            external_id: obs.iter().find_map(|o| o.id.clone()),
            found_at: obs.iter().map(|o| o.loc.clone()).collect(),
        };
        for i in &cluster {
            student_of_obs[*i] = Some(roster.people.len());
        }
        roster.people.push(person);
    }

    // ---- Parents: one person per name + phone, name + e-mail, or name + child.
    let mut puf = UnionFind::new(parents.len());
    {
        let mut by: HashMap<String, usize> = HashMap::new();
        for (i, p) in parents.iter().enumerate() {
            let child = child_of_parent[i].and_then(|c| student_of_obs[c]);
            let keys = [
                p.phone.as_ref().map(|x| format!("p|{}|{x}", p.key)),
                p.email.as_ref().map(|x| format!("e|{}|{x}", p.key)),
                child.map(|c| format!("c|{}|{c}", p.key)),
            ];
            for k in keys.into_iter().flatten() {
                match by.get(&k) {
                    Some(&j) => puf.union(i, j),
                    None => {
                        by.insert(k, i);
                    }
                }
            }
        }
    }
    for cluster in puf.clusters() {
        let obs: Vec<&Obs> = cluster.iter().map(|i| &parents[*i]).collect();
        let first = obs[0];
        // The same parent and child twice in one file.
        let mut seen = BTreeSet::new();
        for &i in &cluster {
            let child = child_of_parent[i].and_then(|c| student_of_obs[c]);
            if !seen.insert((parents[i].source, child)) {
                b.problem(
                    Rule::DuplicatePerson,
                    parents[i].loc.clone(),
                    Some(&parents[i].branch),
                    parents[i].name.full(),
                    "этот родитель с этим же ребёнком уже есть в файле выше; удалите повтор (записи объединены)",
                );
            }
        }
        let phone = obs.iter().find_map(|o| o.phone.clone());
        let mail = obs.iter().find_map(|o| o.email.clone());
        let children: Vec<usize> = {
            let mut v: Vec<usize> = cluster
                .iter()
                .filter_map(|i| child_of_parent[*i].and_then(|c| student_of_obs[c]))
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let mut branches: Vec<String> = children.iter().flat_map(|c| roster.people[*c].branches.clone()).collect();
        if branches.is_empty() {
            // No child on the roster (left out for an error): the branch of the parent's rows.
            branches = obs.iter().map(|o| o.branch.clone()).collect();
        }
        branches.sort();
        branches.dedup();
        let branch_label = branches.first().cloned().unwrap_or_else(|| first.branch.clone());
        if phone.is_none() && mail.is_none() {
            b.problem(
                Rule::ParentWithoutContact,
                first.loc.clone(),
                Some(&branch_label),
                first.name.full(),
                "нет ни телефона, ни e-mail: ссылку-приглашение не передать; узнайте контакт через классного руководителя/куратора",
            );
        }
        let name = obs
            .iter()
            .map(|o| &o.name)
            .max_by_key(|n| (!n.patronymic.is_empty(), yo_count(n)))
            .cloned()
            .unwrap_or_default();
        // A parent is known by name and children: a new phone number keeps the id.
        let kids: Vec<String> = children.iter().map(|c| roster.people[*c].id.clone()).collect();
        let key = if kids.is_empty() {
            format!("parent|{}|{}", name.key(), phone.clone().or(mail.clone()).unwrap_or_default())
        } else {
            format!("parent|{}|{}", name.key(), kids.join(","))
        };
        let id = short_id("p", ctx.salt, &key, &mut used_ids);
        for &c in &children {
            let relation = cluster
                .iter()
                .filter(|i| child_of_parent[**i].and_then(|x| student_of_obs[x]) == Some(c))
                .find_map(|i| parents[*i].relation.clone())
                .map(|r| r.to_lowercase())
                .unwrap_or_default();
            roster.guardians.push(Guardian {
                student_id: roster.people[c].id.clone(),
                parent_id: id.clone(),
                relation,
            });
        }
        roster.people.push(Person {
            id,
            kind: PersonKind::Parent,
            name,
            birth_date: None,
            branches,
            groups: Vec::new(),
            phone,
            email: mail,
            snils_hash: None,
            login: obs.iter().find_map(|o| o.login.clone()),
            external_id: obs.iter().find_map(|o| o.id.clone()),
            found_at: obs.iter().map(|o| o.loc.clone()).collect(),
        });
    }

    // ---- Staff: one person per name (a second branch is a second workplace), unless
    // both rows carry different phones and e-mails.
    let mut suf = UnionFind::new(staff.len());
    {
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, s) in staff.iter().enumerate() {
            by_name.entry(s.key.as_str()).or_default().push(i);
        }
        for members in by_name.values() {
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[..x] {
                    let (a, c) = (&staff[i], &staff[j]);
                    let phone_conflict = matches!((&a.phone, &c.phone), (Some(p), Some(q)) if p != q);
                    let mail_conflict = matches!((&a.email, &c.email), (Some(p), Some(q)) if p != q);
                    let same_contact = matches!((&a.phone, &c.phone), (Some(p), Some(q)) if p == q)
                        || matches!((&a.email, &c.email), (Some(p), Some(q)) if p == q);
                    if same_contact || !(phone_conflict && mail_conflict) {
                        suf.union(i, j);
                        break;
                    }
                }
            }
        }
    }
    let mut curator_of: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut staff_by_initials: HashMap<String, Vec<(String, Vec<String>)>> = HashMap::new();
    for cluster in suf.clusters() {
        let obs: Vec<&Obs> = cluster.iter().map(|i| &staff[*i]).collect();
        let first = obs[0];
        let mut seen = BTreeSet::new();
        for o in &obs {
            if !seen.insert((o.source, o.branch.clone())) {
                b.problem(
                    Rule::DuplicatePerson,
                    o.loc.clone(),
                    Some(&o.branch),
                    o.name.full(),
                    "этот сотрудник уже есть в файле выше с тем же филиалом; удалите повтор (записи объединены)",
                );
            }
        }
        let name = obs
            .iter()
            .map(|o| &o.name)
            .max_by_key(|n| (!n.patronymic.is_empty(), yo_count(n)))
            .cloned()
            .unwrap_or_default();
        let phone = obs.iter().find_map(|o| o.phone.clone());
        let mail = obs.iter().find_map(|o| o.email.clone());
        let key = format!(
            "staff|{}|{}",
            name.key(),
            if cluster.len() < staff.iter().filter(|s| s.key == first.key).count() {
                phone.clone().or(mail.clone()).unwrap_or_default()
            } else {
                String::new()
            }
        );
        let id = short_id("e", ctx.salt, &key, &mut used_ids);
        let mut branches: Vec<String> = Vec::new();
        let mut roles: BTreeMap<String, StaffRole> = BTreeMap::new();
        for o in &obs {
            if !branches.contains(&o.branch) {
                branches.push(o.branch.clone());
            }
            let role = roles.entry(o.branch.clone()).or_insert_with(|| StaffRole {
                person_id: id.clone(),
                branch: o.branch.clone(),
                position: String::new(),
                curated_groups: Vec::new(),
            });
            if role.position.is_empty() {
                role.position = o.position.clone().unwrap_or_default();
            }
            for g in &o.curates {
                if !role.curated_groups.contains(g) {
                    role.curated_groups.push(g.clone());
                }
                let ids = curator_of.entry((o.branch.clone(), g.clone())).or_default();
                if !ids.contains(&id) {
                    ids.push(id.clone());
                }
            }
        }
        staff_by_initials
            .entry(name.initials_key())
            .or_default()
            .push((id.clone(), branches.clone()));
        roster.staff_roles.extend(roles.into_values());
        roster.people.push(Person {
            id,
            kind: PersonKind::Staff,
            name,
            birth_date: None,
            branches,
            groups: Vec::new(),
            phone,
            email: mail,
            snils_hash: None,
            login: obs.iter().find_map(|o| o.login.clone()),
            external_id: obs.iter().find_map(|o| o.id.clone()),
            found_at: obs.iter().map(|o| o.loc.clone()).collect(),
        });
    }

    // ---- Curators named in group rows («Куратор: Иванова И.И.»).
    for sheet in &ing.sheets {
        let Some(branch) = b.sheet_branch(sheet) else {
            continue;
        };
        for g in &sheet.records.group_rows {
            let group = b.namer.canonical(&branch, &g.group);
            if let Some(c) = &g.curator {
                let loc = b.loc(sheet, &g.at);
                let found = parse_short_name(c).and_then(|k| staff_by_initials.get(&k)).and_then(|cands| {
                    let here: Vec<&(String, Vec<String>)> = cands.iter().filter(|(_, br)| br.contains(&branch)).collect();
                    match (here.len(), cands.len()) {
                        (1, _) => Some(here[0].0.clone()),
                        (0, 1) => Some(cands[0].0.clone()),
                        _ => None,
                    }
                });
                match found {
                    Some(id) => {
                        let ids = curator_of.entry((branch.clone(), group.clone())).or_default();
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                    None => b.problem(Rule::UnknownCurator, loc, Some(&branch), c.clone(),
                        "куратора с такой фамилией и инициалами нет в списке сотрудников; добавьте его в список сотрудников или исправьте строку группы"),
                }
            }
            if let Some(c) = &g.course {
                *group_course
                    .entry((branch.clone(), group.clone()))
                    .or_default()
                    .entry(c.clone())
                    .or_default() += 1;
            }
        }
    }

    // ---- Groups.
    let mut group_keys: BTreeSet<(String, String)> = BTreeSet::new();
    for p in roster.people.iter().filter(|p| p.kind == PersonKind::Student) {
        for g in &p.groups {
            group_keys.insert((g.branch.clone(), g.group.clone()));
        }
    }
    for k in curator_of.keys() {
        group_keys.insert(k.clone());
    }
    let branch_order: HashMap<&str, usize> = ctx.cfg.branches.iter().enumerate().map(|(i, x)| (x.name.as_str(), i)).collect();
    let mut groups: Vec<(String, String)> = group_keys.into_iter().collect();
    groups.sort_by(|a, c| {
        branch_order
            .get(a.0.as_str())
            .cmp(&branch_order.get(c.0.as_str()))
            .then_with(|| natural_cmp(&a.1, &c.1))
    });
    let students_in: HashMap<(String, String), usize> = {
        let mut m = HashMap::new();
        for p in roster.people.iter().filter(|p| p.kind == PersonKind::Student) {
            for g in &p.groups {
                *m.entry((g.branch.clone(), g.group.clone())).or_insert(0) += 1;
            }
        }
        m
    };
    for (branch, name) in groups {
        let curators = curator_of.get(&(branch.clone(), name.clone())).cloned().unwrap_or_default();
        let found_at = group_first_seen.get(&(branch.clone(), name.clone())).cloned().unwrap_or_default();
        if curators.is_empty() && students_in.get(&(branch.clone(), name.clone())).copied().unwrap_or(0) > 0 {
            b.problem(
                Rule::GroupWithoutCurator,
                found_at.clone(),
                Some(&branch),
                name.clone(),
                format!(
                    "у группы нет ответственного ({}); впишите группу в столбец «Классное руководство» списка сотрудников",
                    profile.curator_word()
                ),
            );
        }
        let course = group_course
            .get(&(branch.clone(), name.clone()))
            .and_then(|m| m.iter().max_by_key(|(_, n)| **n).map(|(c, _)| c.clone()))
            .or_else(|| {
                // A school class's parallel is its number: «5А» → 5.
                let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
                (profile == crate::profile::Profile::School && !digits.is_empty()).then_some(digits)
            });
        roster.groups.push(Group {
            branch,
            name,
            course,
            curator_ids: curators,
            found_at,
        });
    }

    // ---- Students without parents (school and kindergarten).
    if profile.expects_parents() {
        let with_parents: BTreeSet<&str> = roster.guardians.iter().map(|g| g.student_id.as_str()).collect();
        let mut missing = Vec::new();
        for p in roster.people.iter().filter(|p| p.kind == PersonKind::Student) {
            if !with_parents.contains(p.id.as_str()) {
                missing.push((p.found_at[0].clone(), p.branches[0].clone(), p.name.full()));
            }
        }
        for (loc, branch, name) in missing {
            b.problem(
                Rule::StudentWithoutParents,
                loc,
                Some(&branch),
                name,
                "ни в одном источнике нет родителей этого ребёнка; добавьте их в выгрузку родителей",
            );
        }
    }

    roster.dropped = b.dropped;
    roster.guardians.sort();
    roster
        .staff_roles
        .sort_by(|a, c| a.person_id.cmp(&c.person_id).then_with(|| a.branch.cmp(&c.branch)));
    // Keys computed once per person, not once per comparison.
    roster.people.sort_by_cached_key(|p| {
        (
            p.kind as u8,
            p.branches.first().and_then(|x| branch_order.get(x.as_str()).copied()),
            NaturalKey::new(p.groups.first().map(|g| g.group.as_str()).unwrap_or("")),
            p.name.key(),
            p.id.clone(),
        )
    });
    (roster, b.problems)
}

/// Spellings with ё are the careful ones: keep the one with the most.
fn yo_count(n: &PersonName) -> usize {
    n.full().chars().filter(|c| matches!(c, 'ё' | 'Ё')).count()
}

fn kind_of(k: SourceKind) -> PersonKind {
    match k {
        SourceKind::Students => PersonKind::Student,
        SourceKind::Parents => PersonKind::Parent,
        SourceKind::Staff => PersonKind::Staff,
    }
}

/// A sort key that orders «5А» < «10А» and «ИС-24-2» < «ИС-24-10».
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NaturalKey(Vec<(bool, usize, String)>);

impl NaturalKey {
    pub fn new(s: &str) -> Self {
        let mut out: Vec<(bool, usize, String)> = Vec::new();
        let mut cur = String::new();
        let mut digits = false;
        let flush = |cur: &mut String, digits: bool, out: &mut Vec<(bool, usize, String)>| {
            if !cur.is_empty() {
                let t = std::mem::take(cur);
                // Digit runs compare by length then text (numeric order); letter runs by key.
                if digits {
                    out.push((true, t.len(), t));
                } else {
                    out.push((false, 0, text_key(&t)));
                }
            }
        };
        for c in s.chars() {
            let d = c.is_ascii_digit();
            if d != digits {
                flush(&mut cur, digits, &mut out);
                digits = d;
            }
            cur.push(c);
        }
        flush(&mut cur, digits, &mut out);
        NaturalKey(out)
    }
}

/// «5А» < «10А»; «ИС-24-2» < «ИС-24-10».
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let d = c.is_ascii_digit();
            match out.last_mut() {
                Some((ld, t)) if *ld == d => t.push(c),
                _ => out.push((d, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let ord = match (x.0, y.0) {
            (true, true) => x.1.len().cmp(&y.1.len()).then_with(|| x.1.cmp(&y.1)),
            _ => text_key(&x.1).cmp(&text_key(&y.1)),
        };
        if ord != std::cmp::Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}
