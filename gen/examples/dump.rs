//! Print a spreadsheet as calamine reads it, to check the generator's writers (merged
//! cells, date cells, sheet names):
//! `cargo run -p rollout-gen --example dump -- FILE [MAXROWS]`, or `--json FILE` for
//! one JSON document (cells as text, Excel serial dates as `#<serial>`, merges).

use calamine::{Data, Reader, open_workbook_auto};

fn cell(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::DateTime(d) => format!("#{}", d.as_f64()),
        Data::DateTimeIso(s) => format!("#{s}"),
        other => format!("{other:?}"),
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.first().is_some_and(|a| a == "--json");
    if json {
        args.remove(0);
    }
    let path = args.first().expect("usage: dump [--json] FILE [MAXROWS]").clone();
    let max: usize = args.get(1).map_or(usize::MAX, |m| m.parse().expect("MAXROWS"));
    let mut wb = open_workbook_auto(&path).expect("open");
    let names = wb.sheet_names().to_vec();
    let mut out = Vec::new();
    for name in &names {
        let range = wb.worksheet_range(name).expect("sheet");
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell).collect()).collect();
        let dims = match &mut wb {
            calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
            calamine::Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
            _ => Vec::new(),
        };
        let merges: Vec<[u32; 4]> = dims.iter().map(|d| [d.start.0, d.start.1, d.end.0, d.end.1]).collect();
        if json {
            out.push(serde_json::json!({"name": name, "start": [r0, c0], "rows": rows, "merges": merges}));
        } else {
            println!("== sheet {name:?} start {:?}", (r0, c0));
            for (i, row) in rows.iter().enumerate().take(max) {
                println!("{:>4}: {}", i + 1, row.join(" | "));
            }
            for m in &merges {
                println!("merged {m:?}");
            }
        }
    }
    if json {
        println!("{}", serde_json::Value::Array(out));
    }
}
