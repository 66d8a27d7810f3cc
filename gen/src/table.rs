//! One neutral model of a sheet, written out by every format's writer, and the record of
//! what was planted in it: each defect is attached to the cell it is about while the
//! rows are built, and its A1 reference is known once the sheet's layout is fixed.

use crate::date::Date;
use crate::planted::Planted;

#[derive(Clone, Debug)]
pub enum V {
    Empty,
    Text(String),
    /// A real date cell (xlsx, ods, xls). Text formats must get a `Text` instead.
    Date(Date),
    /// A number cell (a phone typed into Excel as a number).
    Int(i64),
}

impl V {
    pub fn text(s: impl Into<String>) -> V {
        let s = s.into();
        if s.is_empty() { V::Empty } else { V::Text(s) }
    }

    pub fn opt(s: Option<String>) -> V {
        s.map_or(V::Empty, V::text)
    }

    /// What a person sees in the cell (used for `found`).
    pub fn shown(&self) -> String {
        match self {
            V::Empty => String::new(),
            V::Text(s) => s.clone(),
            V::Date(d) => d.dmy(),
            V::Int(n) => n.to_string(),
        }
    }
}

/// One planted defect, i.e. one problem the tool must report.
#[derive(Clone, Debug)]
pub struct Mark {
    pub rule: &'static str,
    pub note: String,
    /// What the problem shows as `found`; defaults to the marked cell's text.
    pub found: Option<String>,
}

impl Mark {
    pub fn new(rule: &'static str, note: impl Into<String>) -> Mark {
        Mark {
            rule,
            note: note.into(),
            found: None,
        }
    }

    pub fn found(mut self, found: impl Into<String>) -> Mark {
        self.found = Some(found.into());
        self
    }
}

#[derive(Clone, Debug)]
pub struct Cell {
    pub v: V,
    pub marks: Vec<Mark>,
}

impl From<V> for Cell {
    fn from(v: V) -> Cell {
        Cell { v, marks: Vec::new() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// A title line above the header; its single text is merged across the table.
    Title,
    Header,
    Data,
    /// «Группа ЗФ-24-1, 1 курс. Куратор: …», merged across the table.
    GroupRow,
    /// «Итого: 123 чел.», merged across the first columns.
    Total,
    Blank,
    /// Free text in the first column, not merged.
    Note,
}

#[derive(Clone, Debug)]
pub struct Row {
    pub kind: RowKind,
    pub cells: Vec<Cell>,
    /// Row- or person-level defects: reported at the sheet's name cell of this row.
    pub marks: Vec<Mark>,
}

impl Row {
    pub fn new(kind: RowKind, cells: Vec<V>) -> Row {
        Row {
            kind,
            cells: cells.into_iter().map(Cell::from).collect(),
            marks: Vec::new(),
        }
    }

    pub fn text(kind: RowKind, text: impl Into<String>) -> Row {
        Row::new(kind, vec![V::text(text)])
    }

    pub fn blank() -> Row {
        Row::new(RowKind::Blank, Vec::new())
    }

    pub fn header(names: &[&str]) -> Row {
        Row::new(RowKind::Header, names.iter().map(|n| V::text(*n)).collect())
    }

    /// Attach a cell-level defect to column `col`.
    pub fn mark_cell(&mut self, col: usize, mark: Mark) {
        self.cells[col].marks.push(mark);
    }

    pub fn mark_row(&mut self, mark: Mark) {
        self.marks.push(mark);
    }
}

/// A vertically merged block in one column: rows `first..=last` show one value.
#[derive(Clone, Debug)]
pub struct VMerge {
    pub col: usize,
    pub first: usize,
    pub last: usize,
}

#[derive(Clone, Debug)]
pub struct Sheet {
    pub name: String,
    pub ncols: usize,
    /// The column holding the person's name (where row-level problems point).
    pub name_col: usize,
    pub rows: Vec<Row>,
    pub vmerges: Vec<VMerge>,
    /// Column widths in characters (ignored where the format has none).
    pub widths: Vec<f64>,
    /// Sheet-level defects (reported with an empty cell).
    pub marks: Vec<Mark>,
}

impl Sheet {
    pub fn new(name: impl Into<String>, ncols: usize, name_col: usize) -> Sheet {
        Sheet {
            name: name.into(),
            ncols,
            name_col,
            rows: Vec::new(),
            vmerges: Vec::new(),
            widths: Vec::new(),
            marks: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Row) -> usize {
        assert!(row.cells.len() <= self.ncols, "row wider than the table in {}", self.name);
        self.rows.push(row);
        self.rows.len() - 1
    }

    /// Is (row, col) a covered (non-first) cell of a vertical merge?
    pub fn covered(&self) -> std::collections::HashSet<(usize, usize)> {
        let mut set = std::collections::HashSet::new();
        for m in &self.vmerges {
            for r in m.first + 1..=m.last {
                set.insert((r, m.col));
            }
        }
        set
    }

    /// The number of merged columns a Title / GroupRow / Total row spans.
    pub fn span_of(&self, kind: RowKind) -> usize {
        match kind {
            RowKind::Title | RowKind::GroupRow => self.ncols,
            RowKind::Total => self.ncols.min(3),
            _ => 1,
        }
    }
}

/// «A», …, «Z», «AA», …
pub fn col_letter(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii")
}

pub fn a1(row: usize, col: usize) -> String {
    format!("{}{}", col_letter(col), row + 1)
}

/// Record every defect marked in `sheets` of `file`. `sheet_names` false: the format
/// has no sheets (CSV, an HTML table), so `sheet` is empty.
pub fn record(planted: &mut Planted, file: &str, sheets: &[Sheet], sheet_names: bool) {
    for sh in sheets {
        let sheet = if sheet_names { sh.name.as_str() } else { "" };
        for m in &sh.marks {
            planted.add(m.rule, file, sheet, "", m.found.clone().unwrap_or_default(), &m.note);
        }
        for (r, row) in sh.rows.iter().enumerate() {
            for m in &row.marks {
                let name = row.cells.get(sh.name_col).map(|c| c.v.shown()).unwrap_or_default();
                let found = m.found.clone().unwrap_or(name);
                planted.add(m.rule, file, sheet, &a1(r, sh.name_col), found, &m.note);
            }
            for (c, cell) in row.cells.iter().enumerate() {
                for m in &cell.marks {
                    let found = m.found.clone().unwrap_or_else(|| cell.v.shown());
                    planted.add(m.rule, file, sheet, &a1(r, c), found, &m.note);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(a1(16, 6), "G17");
    }
}
