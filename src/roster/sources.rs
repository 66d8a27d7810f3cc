//! Pass 1: which branch and kind every record belongs to, and every group spelling per
//! branch (so the next pass can name groups by the branch majority).

use super::BranchResolver;
use super::context::{Findings, Spot, kind_of, name_of};
use crate::config::{Config, SourceKind};
use crate::ingest::layout::{GroupRow, RawRecord};
use crate::ingest::{Ingested, IngestedSheet};
use crate::normalize::fields::group_list;
use crate::normalize::groups::{GroupNamer, group_key};
use crate::problem::Rule;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// A record with its source resolved, before its values are parsed. It owns the raw
/// record, so the next pass can free each one as soon as it is parsed.
pub(super) struct SourcedRecord<'r> {
    pub sheet: &'r IngestedSheet,
    /// `sheet`'s index in `Ingested::sheets`.
    pub sheet_index: usize,
    pub rec: RawRecord,
    pub kind: SourceKind,
    /// `None`: no branch could be told (reported per sheet by the next pass).
    pub branch: Option<String>,
    /// The group as written, and where (a cell, a group row, or the sheet).
    pub raw_group: Option<(String, Spot)>,
}

pub(super) struct Resolved<'r> {
    pub records: Vec<SourcedRecord<'r>>,
    /// The branch each sheet belongs to as a whole, by index in `Ingested::sheets`.
    pub sheet_branches: Vec<Option<String>>,
    /// Every group spelling seen, per branch, with the `[[groups]]` aliases.
    pub namer: GroupNamer,
}

/// `records` are the raw records of `ing.sheets`, one list per sheet, taken out of them.
pub(super) fn resolve<'r>(cfg: &Config, ing: &'r Ingested, records_of: Vec<Vec<RawRecord>>, found: &mut Findings) -> Resolved<'r> {
    let branches = BranchResolver::new(cfg);
    let mut namer = GroupNamer::new();
    for g in &cfg.groups {
        let branch = g.branch.as_deref().and_then(|x| branches.resolve(x));
        for a in std::iter::once(&g.name).chain(&g.aliases) {
            namer.add_alias(branch.as_deref(), a, &g.name);
        }
    }

    let mut records: Vec<SourcedRecord> = Vec::with_capacity(records_of.iter().map(Vec::len).sum());
    let mut sheet_branches = Vec::with_capacity(ing.sheets.len());
    for (sheet_index, (sheet, sheet_records)) in ing.sheets.iter().zip(records_of).enumerate() {
        // The place of the group row the records are under, made once for all of them.
        let mut group_row: Option<(Arc<GroupRow>, Spot)> = None;
        let kind = sheet.records.kind.unwrap_or(SourceKind::Students);
        let hint = sheet_branch(&branches, ing, sheet);
        sheet_branches.push(hint.clone());
        for at in &sheet.records.nameless_rows {
            let loc = ing.location(sheet, at);
            if kind == SourceKind::Teaching {
                found.problem(
                    Rule::TeachingNoTeacher,
                    loc,
                    hint.as_deref(),
                    "",
                    "у предмета не указан учитель; впишите ФИО учителя, когда он будет назначен",
                );
                continue;
            }
            found.problem(
                Rule::MissingName,
                loc.clone(),
                hint.as_deref(),
                "",
                "в строке есть данные, но нет ФИО; впишите ФИО или удалите строку",
            );
            found.leave_out(kind_of(kind), Rule::MissingName, None, hint.clone(), loc);
        }
        for rec in sheet_records {
            let mut branch = hint.clone();
            if let Some(v) = rec.branch() {
                match branches.resolve(&v.text()) {
                    Some(x) => branch = Some(x),
                    None => {
                        let loc = ing.location(sheet, v.at);
                        let known: Vec<String> = cfg.branches.iter().map(|x| format!("«{}»", x.name)).collect();
                        found.problem(Rule::UnknownBranch, loc.clone(), None, v.text(),
                            format!("такого филиала нет в rollout.toml; известны {}; исправьте ячейку или добавьте название в aliases нужного филиала", known.join(", ")));
                        found.leave_out(kind_of(kind), Rule::UnknownBranch, name_of(&rec), None, loc);
                        continue;
                    }
                }
            }
            let raw_group = rec.group().map(|v| (v.text(), Spot::cell(sheet_index, v.at))).or_else(|| {
                let g = rec.group_context.as_ref()?;
                let spot = match &group_row {
                    Some((row, spot)) if Arc::ptr_eq(row, g) => spot.clone(),
                    _ => {
                        let spot = Spot::Whole(Arc::new(ing.location(sheet, &g.at)));
                        group_row = Some((g.clone(), spot.clone()));
                        spot
                    }
                };
                Some((g.group.clone(), spot))
            });
            // A load's spellings do not vote on a group's name: its groups must be the lists'.
            if kind != SourceKind::Teaching
                && let (Some(br), Some((g, _))) = (&branch, &raw_group)
            {
                namer.observe(br, g);
            }
            if kind == SourceKind::Staff
                && let (Some(br), Some(v)) = (&branch, rec.curates())
            {
                for g in group_list(&v.text()) {
                    namer.observe(br, &g);
                }
            }
            records.push(SourcedRecord {
                sheet,
                sheet_index,
                rec,
                kind,
                branch,
                raw_group,
            });
        }
    }
    branch_by_group(&mut records, &mut namer);
    Resolved {
        records,
        sheet_branches,
        namer,
    }
}

/// The branch a whole sheet belongs to: its `[[sources]] branch`, a branch named in its
/// titles, sheet name or file name, or the only branch there is.
fn sheet_branch(branches: &BranchResolver, ing: &Ingested, sheet: &IngestedSheet) -> Option<String> {
    let source = &ing.sources[sheet.source];
    if let Some(b) = source
        .spec
        .as_ref()
        .and_then(|s| s.branch.as_deref())
        .and_then(|x| branches.resolve(x))
    {
        return Some(b);
    }
    let mut texts = sheet.records.titles.clone();
    texts.push(sheet.sheet.clone());
    texts.push(source.rel.rsplit('/').next().unwrap_or("").to_string());
    branches.mentioned_in(&texts).or_else(|| branches.single().cloned())
}

/// Records with no branch yet: the branch of their group, if only one branch has it.
fn branch_by_group(records: &mut [SourcedRecord<'_>], namer: &mut GroupNamer) {
    let mut group_branches: HashMap<String, BTreeSet<String>> = HashMap::new();
    for r in records.iter() {
        if let (Some(br), Some((g, _))) = (&r.branch, &r.raw_group) {
            group_branches.entry(group_key(g)).or_default().insert(br.clone());
        }
    }
    for r in records.iter_mut().filter(|r| r.branch.is_none()) {
        let by_group = r
            .raw_group
            .as_ref()
            .and_then(|(g, _)| group_branches.get(&group_key(g)))
            .filter(|s| s.len() == 1);
        if let Some(set) = by_group {
            r.branch = set.iter().next().cloned();
            if let (Some(br), Some((g, _))) = (&r.branch, &r.raw_group) {
                namer.observe(br, g);
            }
        }
    }
}
