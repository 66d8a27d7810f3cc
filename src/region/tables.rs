//! The whole region's roster, matches and change sets as Parquet (polars), for DuckDB or
//! Spark to take over where a region outgrows one machine: `REGION_OUT/parquet/`, one file
//! per table, every row with its organisation (`org`, the workspace's folder). The columns
//! are those of the workspace's own files (`roster/people.csv`, `matches.csv`, …), all
//! text; an empty cell is null.
//!
//! Organisations arrive from the region's worker threads as they finish; each table is
//! written in row groups as they fill, so the region is never held in memory whole. The
//! folder is built beside the old one and swapped in only when every table is complete.

use crate::changes::{ChangeSet, DiffOutcome};
use crate::files::NewDir;
use crate::output::changes::{MATCHES_HEADER, matches_rows};
use crate::output::roster::{
    GROUPS_HEADER, GUARDIANS_HEADER, PEOPLE_HEADER, STAFF_ROLES_HEADER, groups_rows, guardians_rows, people_rows, staff_roles_rows,
};
use crate::roster::Roster;
use anyhow::Context;
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{Column, DataFrame, ParquetWriter};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

/// The change set's table: one row per action.
pub const CHANGES_HEADER: [&str; 13] = [
    "hash",
    "status",
    "action_id",
    "kind",
    "reason",
    "branch",
    "group",
    "audience",
    "subject",
    "person_id",
    "chat_id",
    "user_id",
    "text",
];

/// The organisations' table: one row per organisation, the summary's counts: four text
/// columns, then whole numbers (null where not measured).
pub const ORGANISATIONS_HEADER: [&str; 17] = [
    "name",
    "state",
    "as_of",
    "profile",
    "students",
    "parents",
    "staff",
    "groups",
    "errors",
    "warnings",
    "members",
    "matched",
    "unknown",
    "actions",
    "plan_total",
    "plan_done",
    "plan_overdue",
];

/// (table, columns after `org`).
pub const TABLES: [(&str, &[&str]); 7] = [
    ("people", &PEOPLE_HEADER),
    ("groups", &GROUPS_HEADER),
    ("guardians", &GUARDIANS_HEADER),
    ("staff_roles", &STAFF_ROLES_HEADER),
    ("matches", &MATCHES_HEADER),
    ("changes", &CHANGES_HEADER),
    ("organisations", &ORGANISATIONS_HEADER),
];

/// Rows gathered before a row group is written.
const ROW_GROUP: usize = 128 * 1024;

struct Table {
    writer: BatchedWriter<std::fs::File>,
    pending: Vec<DataFrame>,
    rows: usize,
    written: usize,
}

/// The Parquet folder being written.
pub struct Sink {
    dir: NewDir,
    tables: Mutex<BTreeMap<&'static str, Table>>,
    order: Mutex<Order>,
}

/// Organisations finish in any order; their rows are written in the region's order (a
/// finished one waits, already made into frames, for those before it), so the same region
/// gives the same files.
#[derive(Default)]
struct Order {
    /// The next organisation (by its place in the region) whose rows go out.
    next: usize,
    /// Rows made, waiting for their turn.
    waiting: BTreeMap<usize, Vec<(&'static str, DataFrame)>>,
    /// Organisations done (with rows or without: failed), not yet passed.
    done: std::collections::BTreeSet<usize>,
}

fn frame(org: &str, header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<DataFrame> {
    let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); header.len()];
    for row in rows {
        for (c, v) in cols.iter_mut().zip(row.into_iter().map(Some).chain(std::iter::repeat(None))) {
            c.push(v.filter(|s| !s.is_empty()));
        }
    }
    let height = cols.first().map(Vec::len).unwrap_or(0);
    let mut columns = Vec::with_capacity(header.len() + 1);
    columns.push(Column::new("org".into(), vec![Some(org.to_string()); height]));
    for (name, values) in header.iter().zip(cols) {
        columns.push(Column::new((*name).into(), values));
    }
    Ok(DataFrame::new(height, columns)?)
}

fn empty(header: &[&str]) -> anyhow::Result<DataFrame> {
    frame("", header, std::iter::empty())
}

/// The change set's rows.
pub fn changes_rows(c: &ChangeSet) -> impl Iterator<Item = Vec<String>> + '_ {
    let status = serde_json::to_value(c.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    c.actions.iter().map(move |a| {
        let opt = |v: Option<String>| v.unwrap_or_default();
        vec![
            c.hash.clone(),
            status.clone(),
            a.id.clone(),
            a.kind().code().to_string(),
            a.reason.code.code().to_string(),
            opt(a.branch().map(str::to_string)),
            opt(a.group().map(str::to_string)),
            opt(a.audience().map(|x| x.code().to_string())),
            opt(a.subject().map(str::to_string)),
            opt(a.person_id().map(str::to_string)),
            opt(a.chat_id().map(|x| x.to_string())),
            opt(a.user_id().map(|x| x.to_string())),
            a.reason.text.clone(),
        ]
    })
}

impl Sink {
    /// Starts `dir` (REGION_OUT/parquet) anew beside the old one.
    pub fn begin(dir: &Path) -> anyhow::Result<Sink> {
        let new = NewDir::begin(dir)?;
        let mut tables = BTreeMap::new();
        for (name, header) in TABLES {
            let file = new.create(&format!("{name}.parquet"))?;
            let schema = if name == "organisations" {
                organisations_frame(&[])?
            } else {
                empty(header)?
            }
            .schema()
            .as_ref()
            .clone();
            let writer = ParquetWriter::new(file)
                .batched(&schema)
                .with_context(|| format!("не удалось начать {name}.parquet"))?;
            tables.insert(
                name,
                Table {
                    writer,
                    pending: Vec::new(),
                    rows: 0,
                    written: 0,
                },
            );
        }
        Ok(Sink {
            dir: new,
            tables: Mutex::new(tables),
            order: Mutex::new(Order::default()),
        })
    }

    fn push(&self, table: &'static str, df: DataFrame) -> anyhow::Result<()> {
        if df.height() == 0 {
            return Ok(());
        }
        let mut tables = self.tables.lock().map_err(|_| anyhow::anyhow!("запись таблиц прервалась"))?;
        let t = tables.get_mut(table).context("нет такой таблицы")?;
        t.rows += df.height();
        t.pending.push(df);
        if t.rows >= ROW_GROUP {
            flush(table, t)?;
        }
        Ok(())
    }

    /// One organisation's roster, matches and change set; `place` is its place in the
    /// region. Its rows go out once it and every organisation before it are [`Sink::done`].
    pub fn add(&self, place: usize, org: &str, roster: &Roster, diff: Option<&DiffOutcome>) -> anyhow::Result<()> {
        let mut frames = vec![
            ("people", frame(org, &PEOPLE_HEADER, people_rows(roster))?),
            ("groups", frame(org, &GROUPS_HEADER, groups_rows(roster).into_iter())?),
            ("guardians", frame(org, &GUARDIANS_HEADER, guardians_rows(roster).into_iter())?),
            (
                "staff_roles",
                frame(org, &STAFF_ROLES_HEADER, staff_roles_rows(roster).into_iter())?,
            ),
        ];
        if let Some(d) = diff {
            frames.push(("matches", frame(org, &MATCHES_HEADER, matches_rows(&d.matches).into_iter())?));
            frames.push(("changes", frame(org, &CHANGES_HEADER, changes_rows(&d.changes))?));
        }
        let mut order = self.order.lock().map_err(|_| anyhow::anyhow!("запись таблиц прервалась"))?;
        order.waiting.insert(place, frames);
        Ok(())
    }

    /// The organisation at `place` is done (with rows added or, failed, without): the rows
    /// of every organisation now in turn are written.
    pub fn done(&self, place: usize) -> anyhow::Result<()> {
        let mut order = self.order.lock().map_err(|_| anyhow::anyhow!("запись таблиц прервалась"))?;
        order.done.insert(place);
        loop {
            let next = order.next;
            if !order.done.remove(&next) {
                return Ok(());
            }
            for (table, df) in order.waiting.remove(&next).unwrap_or_default() {
                self.push(table, df)?;
            }
            order.next += 1;
        }
    }

    /// Writes the organisations' table and what is left, then swaps the folder in.
    /// Returns the rows written per table.
    pub fn finish(self, rows: &[super::Row]) -> anyhow::Result<BTreeMap<String, usize>> {
        // Any left waiting (an organisation before them never said done): in order.
        let waiting = std::mem::take(&mut self.order.lock().map_err(|_| anyhow::anyhow!("запись таблиц прервалась"))?.waiting);
        for (table, df) in waiting.into_values().flatten() {
            self.push(table, df)?;
        }
        self.push("organisations", organisations_frame(rows)?)?;
        let tables = self.tables.into_inner().map_err(|_| anyhow::anyhow!("запись таблиц прервалась"))?;
        let mut counts = BTreeMap::new();
        for (name, mut t) in tables {
            flush(name, &mut t)?;
            t.writer.finish().with_context(|| format!("не удалось дописать {name}.parquet"))?;
            counts.insert(name.to_string(), t.written);
        }
        self.dir.finish()?;
        Ok(counts)
    }
}

fn flush(name: &str, t: &mut Table) -> anyhow::Result<()> {
    if t.pending.is_empty() {
        return Ok(());
    }
    let mut frames = std::mem::take(&mut t.pending).into_iter();
    let mut df = frames.next().context("пусто")?;
    for f in frames {
        df.vstack_mut_owned(f)?;
    }
    df.rechunk_mut();
    t.writer
        .write_batch(&df)
        .with_context(|| format!("не удалось записать {name}.parquet"))?;
    t.written += t.rows;
    t.rows = 0;
    Ok(())
}

/// The organisations' table, typed: text, then counts.
fn organisations_frame(rows: &[super::Row]) -> anyhow::Result<DataFrame> {
    type Count = fn(&super::summary::RunSummary) -> Option<usize>;
    type Text = fn(&super::Row) -> Option<String>;
    let text: [(&str, Text); 5] = [
        ("org", |r| Some(r.org.clone())),
        ("name", |r| Some(r.name.clone())),
        ("state", |r| Some(r.state.code().to_string())),
        ("as_of", |r| r.summary.as_ref().map(|s| s.as_of.clone())),
        ("profile", |r| r.summary.as_ref().map(|s| s.profile.clone())),
    ];
    let counts: [(&str, Count); 13] = [
        ("students", |s| Some(s.roster.students)),
        ("parents", |s| Some(s.roster.parents)),
        ("staff", |s| Some(s.roster.staff)),
        ("groups", |s| Some(s.roster.groups)),
        ("errors", |s| Some(s.problems.errors)),
        ("warnings", |s| Some(s.problems.warnings)),
        ("members", |s| s.platform.as_ref().map(|p| p.members)),
        ("matched", |s| s.platform.as_ref().map(|p| p.matched)),
        ("unknown", |s| s.platform.as_ref().map(|p| p.unknown)),
        ("actions", |s| s.changes.as_ref().map(|c| c.actions)),
        ("plan_total", |s| s.plan.as_ref().map(|p| p.total)),
        ("plan_done", |s| s.plan.as_ref().map(|p| p.done)),
        ("plan_overdue", |s| s.plan.as_ref().map(|p| p.overdue)),
    ];
    let mut columns: Vec<Column> = text
        .iter()
        .map(|(name, f)| Column::new((*name).into(), rows.iter().map(f).collect::<Vec<Option<String>>>()))
        .collect();
    columns.extend(counts.iter().map(|(name, f)| {
        let values: Vec<Option<u64>> = rows.iter().map(|r| r.summary.as_ref().and_then(f).map(|n| n as u64)).collect();
        Column::new((*name).into(), values)
    }));
    Ok(DataFrame::new(rows.len(), columns)?)
}
