//! The raw grid every reader produces: sheets of typed cells, with merged regions.
//! It crosses the process boundary of the isolated reader, so it is serde-friendly.

use serde::{Deserialize, Serialize};

/// Options a `[[sources]]` entry may give for text files.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReadOptions {
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub enum Cell {
    #[default]
    Empty,
    Text(String),
    Number(f64),
    /// A cell the spreadsheet itself typed as a date: (year, month, day).
    Date(i32, u32, u32),
    Bool(bool),
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a person reads it; numbers without a spurious `.0`.
    pub fn as_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{}", *n as i64)
                } else {
                    format!("{n}")
                }
            }
            Cell::Date(y, m, d) => format!("{d:02}.{m:02}.{y:04}"),
            Cell::Bool(b) => if *b { "ИСТИНА" } else { "ЛОЖЬ" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A merged region, inclusive, zero-based (row, col).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    pub first_row: u32,
    pub first_col: u32,
    pub last_row: u32,
    pub last_col: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sheet {
    /// Empty for text files, which have no sheets.
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
    pub merges: Vec<Merge>,
}

impl Sheet {
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&EMPTY)
    }

    pub fn is_blank(&self) -> bool {
        self.rows.iter().all(|r| r.iter().all(Cell::is_empty))
    }

    /// Copies each merged region's top-left value into every cell it covers, so a
    /// merged group cell applies to every row it spans.
    pub fn fill_merges(&mut self) {
        for m in self.merges.clone() {
            let value = self.cell(m.first_row as usize, m.first_col as usize).clone();
            if value.is_empty() {
                continue;
            }
            // A region far larger than the data is a malformed file; never grow the grid for it.
            let last_row = (m.last_row as usize).min(self.rows.len().saturating_sub(1));
            for r in m.first_row as usize..=last_row {
                let row = &mut self.rows[r];
                let last_col = (m.last_col as usize).min(row.len().max(m.first_col as usize + 1) + 64);
                if row.len() <= last_col {
                    row.resize(last_col + 1, Cell::Empty);
                }
                for (c, cell) in row.iter_mut().enumerate().take(last_col + 1).skip(m.first_col as usize) {
                    if (r, c) != (m.first_row as usize, m.first_col as usize) {
                        *cell = value.clone();
                    }
                }
            }
        }
    }

    /// Whether (row, col) lies inside a merged region spanning several columns —
    /// title rows and group rows are typically merged across the table.
    pub fn merged_across(&self, row: usize, col: usize) -> bool {
        self.merges.iter().any(|m| {
            m.first_row as usize <= row
                && row <= m.last_row as usize
                && m.first_col as usize <= col
                && col <= m.last_col as usize
                && m.last_col > m.first_col
        })
    }
}

/// What a reader noticed about the file itself, before any roster logic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadNote {
    XlsIsHtml,
    EncodingUnclear { used: String },
    CsvMalformed { what: String },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    pub notes: Vec<ReadNote>,
    /// True for CSV/TSV/TXT: cell references count lines and fields.
    pub is_text: bool,
}

/// `B7` for zero-based (6, 1).
pub fn a1(row: usize, col: usize) -> String {
    let mut name = String::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        name.insert(0, (b'A' + rem as u8) as char);
        c = (c - 1) / 26;
    }
    format!("{name}{}", row + 1)
}

/// `F` for zero-based column 5.
pub fn column_letter(col: usize) -> String {
    let s = a1(0, col);
    s.trim_end_matches('1').to_string()
}

/// A sheet of text cells (an empty string is an empty cell), for tests.
#[cfg(test)]
pub(crate) fn text_sheet(rows: &[&[&str]]) -> Sheet {
    Sheet {
        name: "s".into(),
        rows: rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c.to_string()) })
                    .collect()
            })
            .collect(),
        merges: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_references() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 1), "B7");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(9, 26), "AA10");
        assert_eq!(a1(0, 999), "ALL1");
        assert_eq!(column_letter(5), "F");
    }

    #[test]
    fn merged_group_cell_fills_every_row_it_spans() {
        let mut s = Sheet {
            name: "x".into(),
            rows: vec![
                vec![Cell::Text("ИС-24-1".into()), Cell::Text("a".into())],
                vec![Cell::Empty, Cell::Text("b".into())],
                vec![Cell::Empty, Cell::Text("c".into())],
            ],
            merges: vec![Merge {
                first_row: 0,
                first_col: 0,
                last_row: 2,
                last_col: 0,
            }],
        };
        s.fill_merges();
        assert_eq!(s.cell(2, 0), &Cell::Text("ИС-24-1".into()));
    }
}
