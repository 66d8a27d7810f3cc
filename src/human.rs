//! Output for people on a terminal: aligned tables, Russian plurals, stage timings.

use std::io::Write;

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
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, widths.get(i).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    writeln!(w, "  {}", line(&head))?;
    for r in rows {
        writeln!(w, "  {}", line(r))?;
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

/// A day as people read it, дд.мм.гггг; a stored ISO day («2026-11-22») is converted,
/// anything else is shown as it is.
pub fn day_ru(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso.trim(), "%Y-%m-%d") {
        Ok(d) => d.format("%d.%m.%Y").to_string(),
        Err(_) => iso.to_string(),
    }
}

/// Stage times kept for a benchmark in this process ([`collect_timings`]).
static COLLECTED: std::sync::Mutex<Option<Vec<(String, f64)>>> = std::sync::Mutex::new(None);

/// Starts keeping every [`timing`] (stage, seconds) in memory for [`take_timings`]: the
/// region benchmark runs the stages in its own process.
pub fn collect_timings() {
    if let Ok(mut c) = COLLECTED.lock() {
        c.get_or_insert_with(Vec::new);
    }
}

/// The stage times kept since the last call.
pub fn take_timings() -> Vec<(String, f64)> {
    COLLECTED
        .lock()
        .ok()
        .and_then(|mut c| c.as_mut().map(std::mem::take))
        .unwrap_or_default()
}

/// `ROLLOUT_TIMING=1` prints how long each stage took (no personal data) to stderr, and
/// on Linux the process's peak resident memory so far.
pub fn timing(stage: &str, since: std::time::Instant) {
    if let Ok(mut c) = COLLECTED.lock()
        && let Some(list) = c.as_mut()
    {
        list.push((stage.to_string(), since.elapsed().as_secs_f64()));
    }
    if std::env::var_os("ROLLOUT_TIMING").is_some() {
        let peak = peak_rss_mib().map(|m| format!(", peak {m} MiB")).unwrap_or_default();
        eprintln!("timing: {stage} {:.3} s{peak}", since.elapsed().as_secs_f64());
    }
}

/// VmHWM from /proc/self/status, in MiB.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        let f = ["файл", "файла", "файлов"];
        assert_eq!(ru_count(1, f), "1 файл");
        assert_eq!(ru_count(3, f), "3 файла");
        assert_eq!(ru_count(11, f), "11 файлов");
        assert_eq!(ru_count(22, f), "22 файла");
        assert_eq!(ru_count(25, f), "25 файлов");
    }

    #[test]
    fn days_for_people() {
        assert_eq!(day_ru("2026-11-22"), "22.11.2026");
        assert_eq!(day_ru(""), "");
    }
}
