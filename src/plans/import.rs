//! `rollout plan import`: the plan table a college already has (xlsx, xls, ods, csv or a
//! .docx table) into a plan file. Columns are found by their headings (Мероприятие,
//! Комментарий, Ответственный, Срок исполнения); an event spanning several rows has its
//! cell merged or left empty; a site is named inside the comment, «(Бардымский филиал)»;
//! rows of one event that are not sites («для выпускных групп») become milestones of their own.

use super::deadline;
use super::model::{Completion, MilestoneFile, PlanFile, Row, Scope};
use crate::config::Config;
use crate::ingest::table::{Cell, Sheet, Workbook, a1};
use chrono::Datelike;
use std::io::Read;
use std::path::Path;

/// A problem that points at a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub sheet: String,
    pub cell: String,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.sheet.is_empty() {
            write!(f, "ячейка {}: {}", self.cell, self.message)
        } else {
            write!(f, "лист «{}», ячейка {}: {}", self.sheet, self.cell, self.message)
        }
    }
}

/// The tables of a file: spreadsheets and CSV through the ingest readers, .docx here.
pub fn read_tables(path: &Path) -> Result<Workbook, String> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    if ext == "docx" {
        let bytes = std::fs::read(path).map_err(|e| format!("файл не открывается: {e}"))?;
        return read_docx(&bytes);
    }
    if !matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "csv" | "tsv" | "txt") {
        return Err(format!("неизвестный тип файла «.{ext}»; нужны xlsx, xls, ods, csv или docx"));
    }
    let mut wb = crate::ingest::read::read_file(path, &Default::default()).map_err(|e| e.to_string())?;
    for s in &mut wb.sheets {
        s.fill_merges();
    }
    Ok(wb)
}

/// Every table of a Word document, one "sheet" each («Таблица 1» …). A vertically merged
/// cell continues the one above (left empty here, as the import expects); a cell spanning
/// columns is followed by empty cells so columns stay aligned.
pub fn read_docx(bytes: &[u8]) -> Result<Workbook, String> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("это не документ Word (.docx): {e}"))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|_| "в документе нет word/document.xml: это не .docx".to_string())?
        .read_to_string(&mut xml)
        .map_err(|e| format!("документ повреждён: {e}"))?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut wb = Workbook::default();
    let mut depth = 0usize; // table nesting
    let (mut rows, mut row, mut cell): (Vec<Vec<Cell>>, Vec<Cell>, String) = (Vec::new(), Vec::new(), String::new());
    let (mut in_text, mut span, mut para_open) = (false, 1usize, false);
    loop {
        let ev = reader.read_event().map_err(|e| format!("документ повреждён: {e}"))?;
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "tbl" => {
                        depth += 1;
                        if depth == 1 {
                            rows.clear();
                        }
                    }
                    "tr" if depth == 1 => row.clear(),
                    "tc" if depth == 1 => {
                        cell.clear();
                        span = 1;
                        para_open = false;
                    }
                    "gridSpan" if depth == 1 => {
                        span = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == "val")
                            .and_then(|a| a.value.parse().ok())
                            .unwrap_or(1);
                    }
                    "p" if depth == 1 => {
                        if para_open && !cell.is_empty() {
                            cell.push(' ');
                        }
                        para_open = true;
                    }
                    "t" => in_text = true,
                    "tab" | "br" if depth == 1 && !cell.ends_with(' ') => cell.push(' '),
                    _ => {}
                }
            }
            Event::Text(t) if in_text && depth == 1 => {
                let text = t.xml10_content();
                cell.push_str(&text);
            }
            Event::GeneralRef(r) if in_text && depth == 1 => {
                let name: &str = &r;
                let named = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => None,
                };
                let numeric = name.strip_prefix('#').and_then(|n| match n.strip_prefix(['x', 'X']) {
                    Some(h) => u32::from_str_radix(h, 16).ok(),
                    None => n.parse().ok(),
                });
                if let Some(c) = named.or_else(|| numeric.and_then(char::from_u32)) {
                    cell.push(c);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "tc" if depth == 1 => {
                    let text = crate::normalize::clean_spaces(&cell);
                    row.push(if text.is_empty() { Cell::Empty } else { Cell::Text(text) });
                    for _ in 1..span {
                        row.push(Cell::Empty);
                    }
                }
                "tr" if depth == 1 => rows.push(std::mem::take(&mut row)),
                "tbl" => {
                    if depth == 1 {
                        wb.sheets.push(Sheet {
                            name: format!("Таблица {}", wb.sheets.len() + 1),
                            rows: std::mem::take(&mut rows),
                            merges: Vec::new(),
                        });
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if wb.sheets.is_empty() {
        return Err("в документе нет таблиц".into());
    }
    Ok(wb)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Event,
    Comment,
    Owner,
    Deadline,
}

fn heading(text: &str) -> Option<Col> {
    let k = crate::normalize::text_key(text);
    if k.contains("мероприят") || k.contains("наименование работ") || k == "задача" {
        Some(Col::Event)
    } else if k.contains("коммент") || k.contains("примечан") || k.contains("содержание") {
        Some(Col::Comment)
    } else if k.contains("ответствен") || k.contains("исполнител") {
        Some(Col::Owner)
    } else if k.contains("срок") || k.contains("дата") {
        Some(Col::Deadline)
    } else {
        None
    }
}

/// The header row and the columns it names: the first row naming an event and a deadline.
fn find_header(sheet: &Sheet) -> Option<(usize, Vec<(Col, usize)>)> {
    for (r, row) in sheet.rows.iter().enumerate().take(30) {
        let cols: Vec<(Col, usize)> = row
            .iter()
            .enumerate()
            .filter_map(|(c, cell)| Some((heading(&cell.as_text())?, c)))
            .collect();
        let has = |x: Col| cols.iter().any(|(k, _)| *k == x);
        if has(Col::Event) && has(Col::Deadline) {
            let mut first: Vec<(Col, usize)> = Vec::new();
            for (k, c) in cols {
                if !first.iter().any(|(x, _)| *x == k) {
                    first.push((k, c));
                }
            }
            return Some((r, first));
        }
    }
    None
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
        return Err(vec![ImportProblem {
            sheet: String::new(),
            cell: "A1".into(),
            message: "файл пуст: в нём нет ни одной заполненной ячейки".into(),
        }]);
    }
    let Some((sheet, (header, cols))) = wb.sheets.iter().find_map(|s| Some((s, find_header(s)?))) else {
        let names: Vec<String> = wb
            .sheets
            .iter()
            .filter(|s| !s.name.is_empty())
            .map(|s| format!("«{}»", s.name))
            .collect();
        return Err(vec![ImportProblem {
            sheet: String::new(),
            cell: "A1".into(),
            message: format!(
                "не найдена строка заголовка с колонками «Мероприятие» и «Срок исполнения»{}: добавьте её над таблицей",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" ни на одном листе ({})", names.join(", "))
                }
            ),
        }]);
    };
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
    let col = |k: Col| cols.iter().find(|(x, _)| *x == k).map(|(_, c)| *c);
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
            problems.push(ImportProblem {
                sheet: sheet_name.clone(),
                cell: cell_ref(l.row, dcol),
                message: "срок не указан: впишите срок исполнения".into(),
            });
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
            Err(e) => problems.push(ImportProblem {
                sheet: sheet_name.clone(),
                cell: cell_ref(l.row, dcol),
                message: e.to_string(),
            }),
        }
        if l.event.is_empty() {
            problems.push(ImportProblem {
                sheet: sheet_name.clone(),
                cell: cell_ref(l.row, col(Col::Event).unwrap_or(0)),
                message: "у первой строки таблицы нет мероприятия".into(),
            });
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
            warnings.push(ImportProblem {
                sheet: sheet_name.clone(),
                cell: cell_ref(l.row, ocol),
                message: "ответственный не указан: напоминания по этой вехе никому не уйдут".into(),
            });
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
                    problems.push(ImportProblem {
                        sheet: sheet_name.clone(),
                        cell: cell_ref(group[*k].row, col(Col::Comment).unwrap_or(0)),
                        message: format!(
                            "площадка «{named}» — не филиал из rollout.toml{}; добавьте её в [[branches]] (или в aliases)",
                            near.map(|b| format!(" (может быть, «{b}»?)")).unwrap_or_default()
                        ),
                    });
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
        warnings.push(ImportProblem {
            sheet: sheet_name.clone(),
            cell: cell_ref(row, dcol),
            message: format!(
                "в сроке «{written}» нет года; по соседним строкам это {} — уже прошло. Если год другой, впишите его",
                end.format("%d.%m.%Y")
            ),
        });
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

    #[test]
    fn not_a_docx_is_said_so() {
        assert!(read_docx(b"plain text").unwrap_err().contains("не документ Word"));
    }
}
