//! `OUT/movement.xlsx`: the movement between two recorded rosters, for people.

use super::xlsx::{SheetData, XlsxFailure, workbook_bytes};
use crate::history::RunInfo;
use crate::history::movement::{Change, ChangeKind, by_branch, field_ru, kind_ru};
use std::path::Path;

/// `movement.xlsx`: the summary by branch and every change, for people.
pub fn xlsx_bytes(file: &Path, changes: &[Change], from: &RunInfo, to: &RunInfo) -> Result<Vec<u8>, XlsxFailure> {
    let day = to.recorded_on.format("%d.%m.%Y").to_string();
    let mut header = vec!["Филиал".to_string()];
    header.extend(ChangeKind::ALL.iter().chain(&ChangeKind::LOAD).map(|k| k.ru().to_string()));
    let mut summary_rows = Vec::new();
    for (branch, counts) in by_branch(changes) {
        let mut r = vec![if branch.is_empty() { "—".to_string() } else { branch }];
        r.extend(
            ChangeKind::ALL
                .iter()
                .chain(&ChangeKind::LOAD)
                .map(|k| counts.get(k).copied().unwrap_or(0).to_string()),
        );
        summary_rows.push(r);
    }
    summary_rows.push(vec![format!(
        "Список № {} от {} → № {} от {}",
        from.run,
        from.recorded_on.format("%d.%m.%Y"),
        to.run,
        day
    )]);
    let summary = SheetData {
        name: "Сводка".into(),
        header,
        rows: summary_rows,
    };
    let list = SheetData {
        name: "Движение".into(),
        header: [
            "ID человека",
            "Кто",
            "Изменение",
            "Что изменилось",
            "Филиал (было)",
            "Группа (было)",
            "Филиал (стало)",
            "Группа (стало)",
            "Дата",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: changes
            .iter()
            .map(|c| {
                vec![
                    c.person_id.clone(),
                    if c.change.is_load() {
                        "нагрузка".to_string()
                    } else {
                        kind_ru(c.kind).to_string()
                    },
                    c.change.ru().to_string(),
                    field_ru(&c.field),
                    c.branch_from.clone(),
                    c.group_from.clone(),
                    c.branch_to.clone(),
                    c.group_to.clone(),
                    day.clone(),
                ]
            })
            .collect(),
    };
    workbook_bytes(file, &[summary, list])
}
