//! `rollout plan import`: the plan table a college already has (xlsx, xls, ods, csv or a
//! .docx table) into a plan file. Columns are found by their headings (Мероприятие,
//! Комментарий, Ответственный, Срок исполнения); an event spanning several rows has its
//! cell merged or left empty; a site is named inside the comment, «(Бардымский филиал)»;
//! rows of one event that are not sites («для выпускных групп») become milestones of their own.

use super::deadline;
use super::model::{Completion, MilestoneFile, PlanFile, Row, Scope};
use crate::config::Config;
use crate::ingest::header::{self, HeaderRow, Match, Synonyms};
use crate::ingest::table::{Cell, Sheet, Workbook, a1};
use crate::ingest::{Formats, Reader, UnreadableTable};
use crate::problem::Location;
use chrono::Datelike;
use std::path::Path;

/// A problem that points at a cell of the plan table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub location: Location,
    pub message: String,
}

impl ImportProblem {
    fn new(location: Location, message: impl Into<String>) -> Self {
        ImportProblem {
            location,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The file is named by whoever prints the problem.
        let Location { sheet, cell, .. } = &self.location;
        if cell.starts_with("строка") {
            // A text file's place reads as it is: «строка 5, поле 4».
            write!(f, "{cell}: {}", self.message)
        } else if sheet.is_empty() {
            write!(f, "ячейка {cell}: {}", self.message)
        } else {
            write!(f, "лист «{sheet}», ячейка {cell}: {}", self.message)
        }
    }
}

/// The tables of a plan file (spreadsheet, CSV or a Word document's tables), read like
/// every other table; an unreadable file is named as `path` shows it.
pub fn read_tables(reader: &Reader, path: &Path) -> Result<Workbook, UnreadableTable> {
    reader.read_table(path, &path.display().to_string(), Formats::WithDocuments)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Col {
    Event,
    Comment,
    Owner,
    Deadline,
}

/// The headings of a plan table, by the word stems they contain.
const HEADINGS: Synonyms<Col> = Synonyms {
    rules: &[
        (Col::Event, Match::Contains, &["мероприят", "наименование работ"]),
        (Col::Event, Match::Exact, &["задача"]),
        (Col::Comment, Match::Contains, &["коммент", "примечан", "содержание"]),
        (Col::Owner, Match::Contains, &["ответствен", "исполнител"]),
        (Col::Deadline, Match::Contains, &["срок", "дата"]),
    ],
    max_len: usize::MAX,
};

/// The header row: the first among the top 30 naming an event and a deadline.
fn find_header(sheet: &Sheet) -> Option<HeaderRow<Col>> {
    header::find_first(
        sheet,
        30,
        |t| HEADINGS.classify(t),
        |h| h.columns.contains_key(&Col::Event) && h.columns.contains_key(&Col::Deadline),
    )
}

/// «Накарякова Я.Н., Еремеева Л.С. Кураторы групп» → three owners: commas, and the end of
/// a person's initials, separate them.
pub fn split_owners(raw: &str) -> Vec<String> {
    let initials = |w: &str| {
        let parts: Vec<&str> = w.split('.').collect();
        w.ends_with('.')
            && parts.len() >= 2
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| p.chars().count() == 1 && p.chars().all(char::is_uppercase))
    };
    let mut out = Vec::new();
    for part in raw.split([',', ';', '\n']) {
        let mut cur: Vec<&str> = Vec::new();
        for w in part.split_whitespace() {
            cur.push(w);
            if initials(w) {
                out.push(cur.join(" "));
                cur.clear();
            }
        }
        if !cur.is_empty() {
            out.push(cur.join(" "));
        }
    }
    out.retain(|s| !s.trim().is_empty());
    out
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    crate::normalize::clean_spaces(&out)
}

/// The text of the last «(…)» in a comment, if it ends the comment.
fn trailing_paren(comment: &str) -> Option<String> {
    let t = comment.trim_end().trim_end_matches('.');
    if !t.ends_with(')') {
        return None;
    }
    let open = t.rfind('(')?;
    Some(t[open + 1..t.len() - 1].trim().to_string())
}

fn looks_like_site(text: &str, resolver: Option<&crate::roster::BranchResolver>) -> bool {
    let k = crate::normalize::text_key(text);
    resolver.is_some_and(|r| r.resolve(text).is_some())
        || ["филиал", "корпус", "отделени", "площадк", "структурн"]
            .iter()
            .any(|w| k.contains(w))
}

/// An id from the first two words (and any number) of a text: «Собрание 4» → sobranie-4.
fn slug(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2 || w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty())
        .enumerate()
        .filter(|(n, w)| *n < 2 || w.chars().all(|c| c.is_ascii_digit()))
        // Letter by letter, as in passports since 2014 (й → i, я → ia), without apostrophes.
        .map(|(_, w)| translit::ascii_key(w, translit::Style::Passport))
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    if words.is_empty() { "m".into() } else { words.join("-") }
}

struct Line {
    row: usize,
    event: String,
    comment: String,
    owners: Vec<String>,
    deadline: String,
}

pub struct Imported {
    pub plan: PlanFile,
    /// Not errors, but worth a look: no owner, a window already over.
    pub warnings: Vec<ImportProblem>,
}

/// Reads the plan table and returns the plan, or every problem with its cell. `taken`: ids
/// other plans of the workspace use, so the new ones do not clash.
pub fn import(
    wb: &Workbook,
    cfg: Option<&Config>,
    source_name: &str,
    taken: &std::collections::BTreeSet<String>,
    today: chrono::NaiveDate,
) -> Result<Imported, Vec<ImportProblem>> {
    let resolver = cfg.map(crate::roster::BranchResolver::new);
    if wb.sheets.iter().all(|s| s.rows.iter().all(|r| r.iter().all(Cell::is_empty))) {
        return Err(vec![ImportProblem::new(
            Location {
                file: source_name.to_string(),
                cell: "A1".into(),
                ..Default::default()
            },
            "файл пуст: в нём нет ни одной заполненной ячейки",
        )]);
    }
    let Some((sheet, found)) = wb.sheets.iter().find_map(|s| Some((s, find_header(s)?))) else {
        let names: Vec<String> = wb
            .sheets
            .iter()
            .filter(|s| !s.name.is_empty())
            .map(|s| format!("«{}»", s.name))
            .collect();
        return Err(vec![ImportProblem::new(
            Location {
                file: source_name.to_string(),
                cell: "A1".into(),
                ..Default::default()
            },
            format!(
                "не найдена строка заголовка с колонками «Мероприятие» и «Срок исполнения»{}: добавьте её над таблицей",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" ни на одном листе ({})", names.join(", "))
                }
            ),
        )]);
    };
    let header = found.row;
    // A title row above the header names the plan.
    let title = sheet.rows[..header]
        .iter()
        .flat_map(|r| r.iter())
        .map(|c| strip_tags(&c.as_text()))
        .find(|t| t.chars().count() > 5);
    let cell_ref = |r: usize, c: usize| {
        if wb.is_text {
            format!("строка {}, поле {}", r + 1, c + 1)
        } else {
            a1(r, c)
        }
    };
    let sheet_name = if wb.is_text { String::new() } else { sheet.name.clone() };
    let at = |cell: String| Location {
        file: source_name.to_string(),
        sheet: sheet_name.clone(),
        cell,
    };
    let col = |k: Col| found.col(k);
    let text = |r: usize, k: Col| col(k).map(|c| strip_tags(&sheet.cell(r, c).as_text())).unwrap_or_default();
    let mut lines: Vec<Line> = Vec::new();
    for r in header + 1..sheet.rows.len() {
        let (event, comment, owner, dl) = (
            text(r, Col::Event),
            text(r, Col::Comment),
            text(r, Col::Owner),
            text(r, Col::Deadline),
        );
        if event.is_empty() && comment.is_empty() && owner.is_empty() && dl.is_empty() {
            continue;
        }
        let prev = lines.last();
        let continues = event.is_empty() && prev.is_some();
        lines.push(Line {
            row: r,
            event: if continues {
                prev.map(|p| p.event.clone()).unwrap_or_default()
            } else {
                event
            },
            comment,
            owners: if owner.is_empty() && continues {
                prev.map(|p| p.owners.clone()).unwrap_or_default()
            } else {
                split_owners(&owner)
            },
            // A deadline cell merged down an event's rows reads empty below the first.
            deadline: if dl.is_empty() && continues {
                prev.map(|p| p.deadline.clone()).unwrap_or_default()
            } else {
                dl
            },
        });
    }
    // Deadlines: each row's year, or its neighbours' (the nearest above, else below).
    let terms = cfg.map(|c| c.terms.clone()).unwrap_or_else(deadline::default_terms);
    let school_year_end = cfg.map(|c| c.school_year_end).unwrap_or((6, 30));
    // (year, month) of each row that names its year.
    let years: Vec<Option<(i32, u32)>> = lines
        .iter()
        .map(|l| {
            deadline::year_in(&l.deadline)?;
            let ctx = deadline::Context {
                year: None,
                month: None,
                terms: &terms,
                school_year_end,
            };
            let w = deadline::parse(&l.deadline, &ctx).ok()?;
            Some((w.end.year(), w.end.month()))
        })
        .collect();
    let mut problems = Vec::new();
    let dcol = col(Col::Deadline).unwrap_or(0);
    let mut inferred_past = Vec::new();
    for (n, l) in lines.iter().enumerate() {
        let year = years[..n]
            .iter()
            .rev()
            .flatten()
            .next()
            .or_else(|| years[n + 1..].iter().flatten().next())
            .copied();
        if l.deadline.is_empty() {
            problems.push(ImportProblem::new(
                at(cell_ref(l.row, dcol)),
                "срок не указан: впишите срок исполнения",
            ));
            continue;
        }
        let ctx = deadline::Context {
            year: year.map(|y| y.0),
            month: year.map(|y| y.1),
            terms: &terms,
            school_year_end,
        };
        match deadline::parse(&l.deadline, &ctx) {
            // A window already over is worth a look when its year was inferred.
            Ok(w) if w.end < today && deadline::year_in(&l.deadline).is_none() => inferred_past.push((l.row, w.end, l.deadline.clone())),
            Ok(_) => {}
            Err(e) => problems.push(ImportProblem::new(at(cell_ref(l.row, dcol)), e.to_string())),
        }
        if l.event.is_empty() {
            problems.push(ImportProblem::new(
                at(cell_ref(l.row, col(Col::Event).unwrap_or(0))),
                "у первой строки таблицы нет мероприятия",
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Rows of one event: consecutive lines with the same event text.
    let mut warnings = Vec::new();
    let ocol = col(Col::Owner).unwrap_or(0);
    for l in &lines {
        if l.owners.is_empty() {
            warnings.push(ImportProblem::new(
                at(cell_ref(l.row, ocol)),
                "ответственный не указан: напоминания по этой вехе никому не уйдут",
            ));
        }
    }
    let mut plan = PlanFile {
        title: title.unwrap_or_else(|| format!("План из «{source_name}»")),
        source: Some(source_name.to_string()),
        year: years.iter().flatten().next().map(|y| y.0),
        aliases: Default::default(),
        coordinators: Default::default(),
        milestones: Vec::new(),
    };
    let mut used: Vec<String> = taken.iter().cloned().collect();
    let mut unique = |base: String| {
        let mut id = base.clone();
        let mut k = 2;
        while used.contains(&id) {
            id = format!("{base}-{k}");
            k += 1;
        }
        used.push(id.clone());
        id
    };
    let mut i = 0;
    while i < lines.len() {
        let mut j = i + 1;
        while j < lines.len() && lines[j].event == lines[i].event {
            j += 1;
        }
        let group = &lines[i..j];
        let sites: Vec<Option<String>> = group
            .iter()
            .map(|l| trailing_paren(&l.comment).filter(|p| looks_like_site(p, resolver.as_ref())))
            .collect();
        let any_site = sites.iter().any(Option::is_some);
        // In an event that names sites, every row's trailing «(…)» is a site («(Чернушка)»).
        let sites: Vec<Option<String>> = if any_site {
            group.iter().map(|l| trailing_paren(&l.comment)).collect()
        } else {
            sites
        };
        let site_rows: Vec<usize> = (0..group.len()).filter(|k| sites[*k].is_some()).collect();
        // With branches in rollout.toml, a site must be one of them (a typo would make a new one).
        if let (Some(c), Some(r)) = (cfg, resolver.as_ref())
            && !c.implicit_branch
        {
            for k in &site_rows {
                let named = sites[*k].clone().unwrap_or_default();
                if r.resolve(&named).is_none() {
                    let known: Vec<&str> = c.branches.iter().map(|b| b.name.as_str()).collect();
                    let near = known
                        .iter()
                        .max_by(|a, b| strsim::jaro_winkler(&named, a).total_cmp(&strsim::jaro_winkler(&named, b)))
                        .filter(|b| strsim::jaro_winkler(&named, b) > 0.85);
                    problems.push(ImportProblem::new(
                        at(cell_ref(group[*k].row, col(Col::Comment).unwrap_or(0))),
                        format!(
                            "площадка «{named}» — не филиал из rollout.toml{}; добавьте её в [[branches]] (или в aliases)",
                            near.map(|b| format!(" (может быть, «{b}»?)")).unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        if !site_rows.is_empty() {
            let same_deadline = site_rows.iter().all(|k| group[*k].deadline == group[site_rows[0]].deadline);
            let base = slug(&group[0].event);
            plan.milestones.push(MilestoneFile {
                id: unique(base),
                event: group[0].event.clone(),
                deadline: if same_deadline {
                    group[site_rows[0]].deadline.clone()
                } else {
                    String::new()
                },
                scope: Scope::Branches,
                completion: Some(Completion::Manual),
                rows: site_rows
                    .iter()
                    .map(|k| Row {
                        branch: sites[*k].clone().unwrap_or_default(),
                        comment: Some(group[*k].comment.clone()),
                        owners: Some(group[*k].owners.clone()),
                        deadline: (!same_deadline).then(|| group[*k].deadline.clone()),
                    })
                    .collect(),
                ..Default::default()
            });
        }
        for (k, l) in group.iter().enumerate() {
            if sites[k].is_some() {
                continue;
            }
            let cohort = trailing_paren(&l.comment).filter(|_| group.len() > 1);
            let base = match &cohort {
                Some(p) => format!("{}-{}", slug(&l.event), slug(p)),
                None => slug(&l.event),
            };
            plan.milestones.push(MilestoneFile {
                id: unique(base),
                // Rows of one event tell apart by their «(…)»: «… (для выпускных групп)».
                title: cohort.map(|p| format!("{} ({p})", super::model::short_title(&l.event))),
                event: l.event.clone(),
                comment: l.comment.clone(),
                owners: l.owners.clone(),
                deadline: l.deadline.clone(),
                scope: Scope::Organization,
                completion: Some(Completion::Manual),
                ..Default::default()
            });
        }
        i = j;
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    for (row, end, written) in inferred_past {
        warnings.push(ImportProblem::new(
            at(cell_ref(row, dcol)),
            format!(
                "в сроке «{written}» нет года; по соседним строкам это {} — уже прошло. Если год другой, впишите его",
                end.format("%d.%m.%Y")
            ),
        ));
    }
    Ok(Imported { plan, warnings })
}

/// The plan file's text: a note on where it came from, then the TOML.
pub fn to_toml(plan: &PlanFile, source: &str) -> Result<String, toml::ser::Error> {
    let body = toml::to_string(plan)?;
    Ok(format!(
        "# Импортировано из «{source}» командой rollout plan import.\n\
         # Все вехи отмечаются вручную (rollout plan done ID --branch …). Где прогресс виден по\n\
         # данным, замените `completion = \"manual\"` на, например,\n\
         # metrics = [{{ kind = \"staff_in_staff_chat\", target = 95 }}]\n\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_split_at_commas_and_after_initials() {
        assert_eq!(
            split_owners("Накарякова Я.Н., Еремеева Л.С. Кураторы групп"),
            ["Накарякова Я.Н.", "Еремеева Л.С.", "Кураторы групп"]
        );
        assert_eq!(
            split_owners("Горржанинов И.А., Накарякова Я.Н., Турыгина Н.А., Еремеева Л.С. Кучукбаева Т.Г.").len(),
            5
        );
        assert_eq!(split_owners("Кураторы групп"), ["Кураторы групп"]);
        assert_eq!(split_owners(" ; "), Vec::<String>::new());
    }

    #[test]
    fn a_site_is_the_comments_trailing_parenthesis() {
        assert_eq!(
            trailing_paren("Создание чатов … в ЭПОС (Бардымский филиал)").as_deref(),
            Some("Бардымский филиал")
        );
        assert_eq!(trailing_paren("Семинар (Чернушка).").as_deref(), Some("Чернушка"));
        assert_eq!(trailing_paren("Семинар (Чернушка) для всех"), None);
        assert!(looks_like_site("Бардымский филиал", None));
        assert!(!looks_like_site("для выпускных групп", None));
        assert_eq!(strip_tags("семинар <b>(Чернушка)</b>"), "семинар (Чернушка)");
    }

    #[test]
    fn ids_are_readable_latin() {
        assert_eq!(slug("Информирование сотрудников о переходе"), "informirovanie-sotrudnikov");
        assert_eq!(slug("Обучение преподавателей по созданию чатов"), "obuchenie-prepodavatelei");
        assert_eq!(slug("Собрание 4"), "sobranie-4");
        assert_eq!(slug("—"), "m");
    }
}
