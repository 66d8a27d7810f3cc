//! The printable slips in a real headless browser (Debian's chromium): the rendered DOM
//! holds one QR per slip, and a screenshot is not blank inside the slips. `.ci/run`
//! installs chromium and sets CI=true, where a missing browser fails the tests; on a
//! developer machine without it each test prints a SKIPPED line and stops.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser, or why there is none.
fn chromium() -> Result<PathBuf, String> {
    if let Ok(p) = std::env::var("ROLLOUT_CHROMIUM") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("ROLLOUT_CHROMIUM={} is not a file", p.display()))
        };
    }
    let known = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
    known
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| format!("no chromium on this machine (looked for {})", known.join(", ")))
}

/// The browser. Without one the test fails under `CI=true` (`.ci/run` installs it), and
/// elsewhere says SKIPPED on the terminal — past the test harness's capture, so a skip is
/// never mistaken for a pass — and stops.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Ok(bin) => Some(bin),
        Err(why) => {
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
            assert!(
                !ci,
                "{test}: {why}, and CI=true: the browser test must run in CI (.ci/run installs chromium: apt-get install chromium fonts-dejavu-core)"
            );
            let line = format!("SKIPPED {test}: {why} (apt-get install chromium fonts-dejavu-core, or set ROLLOUT_CHROMIUM)\n");
            eprint!("{line}");
            // eprint! is captured by the test harness; the terminal is not.
            use std::io::Write;
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
    }
}

fn run_chromium(bin: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("run chromium")
}

#[test]
fn the_slips_page_renders_one_qr_per_slip_in_a_real_browser() {
    let Some(bin) = chromium_or_skip("the_slips_page_renders_one_qr_per_slip_in_a_real_browser") else {
        return;
    };
    let ws = crate::diff::college();
    crate::diff::write_snapshot(&ws, &crate::diff::base_chats());
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 0, "{r}");
    let page = ws.path().join("out/letters/slips/Главный_корпус/ИС-1.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let slips = html.matches("class=\"slip\"").count();
    assert!(slips >= 7);
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();

    let dom = run_chromium(&bin, profile.path(), &["--dump-dom", &url]);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    assert_eq!(
        dom_text.matches("class=\"slip\"").count(),
        slips,
        "every slip is in the rendered DOM"
    );
    assert_eq!(
        dom_text.matches("<svg class=\"qr\"").count(),
        slips,
        "one QR per slip in the rendered DOM"
    );
    assert_eq!(dom_text.matches("<use href=\"#qr").count(), slips);

    let shot = ws.path().join("slips.png");
    let out = run_chromium(
        &bin,
        profile.path(),
        &[&format!("--screenshot={}", shot.display()), "--window-size=800,1100", &url],
    );
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.line_size / w;
    // The first slip sits in the top-left quarter of the page: its QR makes it dark in places.
    let (mut dark, mut total) = (0usize, 0usize);
    for y in 10..(h / 4).min(h) {
        for x in 10..(w / 2) {
            let i = y * info.line_size + x * channels;
            let lum = (buf[i] as u32 * 299 + buf[i + 1] as u32 * 587 + buf[i + 2] as u32 * 114) / 1000;
            total += 1;
            if lum < 100 {
                dark += 1;
            }
        }
    }
    let share = dark as f64 / total as f64;
    assert!(
        share > 0.03,
        "the first slip looks blank in the screenshot ({:.1}% dark)",
        share * 100.0
    );
    // Keep the picture for people to look at when the test fails.
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slips.png");
    let _ = std::fs::copy(&shot, keep);
}

/// Pixels of `colour` (within a small tolerance) in a screenshot's rows `y0..y1`.
fn count_colour(path: &Path, colour: (u8, u8, u8)) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.line_size / w;
    let close = |a: u8, b: u8| (a as i32 - b as i32).abs() <= 12;
    let mut n = 0;
    for y in 0..h {
        for x in 0..w {
            let i = y * info.line_size + x * channels;
            if close(buf[i], colour.0) && close(buf[i + 1], colour.1) && close(buf[i + 2], colour.2) {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn the_dashboard_draws_its_charts_in_a_real_browser() {
    let Some(bin) = chromium_or_skip("the_dashboard_draws_its_charts_in_a_real_browser") else {
        return;
    };
    let ws = crate::samples::sample("college");
    let r = ws.run(&["report"]);
    assert_eq!(r.code, 0, "{r}");
    let page = ws.path().join("out/report.html");
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();
    let dom = run_chromium(&bin, profile.path(), &["--dump-dom", &url]);
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    // The Gantt chart: one bar per milestone instance of the sample plan (1 + 4 × 4 + 3).
    assert_eq!(dom.matches("class=\"gantt-bar").count(), 20, "Gantt bars in the rendered DOM");
    // One bar per branch in the share chart, each with its branch.
    assert_eq!(dom.matches("branch-bar").count(), 4);
    for b in ["Главный корпус", "Заречный филиал", "Лесной филиал", "Сосновский филиал"]
    {
        assert!(dom.contains(&format!("branch-bar\" data-branch=\"{b}\"")), "{b}");
    }
    let shot = ws.path().join("report.png");
    let out = run_chromium(
        &bin,
        profile.path(),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1200,2000", &url],
    );
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::copy(&shot, keep);
    // The charts are drawn: the share bars' blue, the parents' orange and the Gantt's
    // overdue red cover real areas, not only the legend's 10-pixel swatches.
    let blue = count_colour(&shot, (0x2f, 0x6f, 0xde));
    let orange = count_colour(&shot, (0xf2, 0x9c, 0x1f));
    let red = count_colour(&shot, (0xd9, 0x3a, 0x3a));
    assert!(blue > 10_000, "share bars look blank: {blue} blue pixels");
    assert!(orange > 3_000, "parents' bars look blank: {orange} orange pixels");
    assert!(red > 1_000, "the Gantt chart looks blank: {red} red pixels");
}

/// The region's summary in a real browser: opened with `#sort=students-desc` its table is
/// sorted by the script in the page (largest first, the header marked), one row per
/// organisation; the charts are drawn.
#[test]
fn the_region_summary_sorts_and_draws_in_a_real_browser() {
    let Some(bin) = chromium_or_skip("the_region_summary_sorts_and_draws_in_a_real_browser") else {
        return;
    };
    let r = crate::region::ran();
    let page = r.a.join("out/region.html");
    assert!(page.is_file(), "{r}");
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#sort=students-desc", page.display());
    let dom = run_chromium(&bin, profile.path(), &["--dump-dom", &url]);
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let rows: Vec<&str> = dom.split("<tr class=\"org ").skip(1).collect();
    assert_eq!(rows.len(), r.orgs.len(), "one row per organisation");
    // The sixth cell is the students' count; the broken workspace has none (-1).
    let students: Vec<f64> = rows
        .iter()
        .map(|row| {
            let cell = row.split("<td").nth(6).expect("a students cell");
            let v = cell.split("data-v=\"").nth(1).and_then(|s| s.split('"').next()).expect("data-v");
            v.parse().expect("a number")
        })
        .collect();
    assert!(students.windows(2).all(|w| w[0] >= w[1]), "sorted, largest first: {students:?}");
    let order: Vec<&str> = rows
        .iter()
        .map(|row| row.split("data-org=\"").nth(1).and_then(|s| s.split('"').next()).unwrap())
        .collect();
    assert_ne!(
        order,
        r.orgs.iter().map(String::as_str).collect::<Vec<_>>(),
        "the script reordered the rows"
    );
    assert!(
        dom.contains("data-key=\"students\" aria-sort=\"descending\""),
        "the header shows the order"
    );
    assert_eq!(dom.matches("class=\"bar all\"").count(), 10, "ten bands of organisations");
    for a in ["students", "parents", "staff"] {
        assert_eq!(dom.matches(&format!("class=\"bar {a}\"")).count(), 1, "{a}");
    }
    let shot = r.base.join("region.png");
    let out = run_chromium(
        &bin,
        profile.path(),
        &[&format!("--screenshot={}", shot.display()), "--window-size=1400,1400", &url],
    );
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::copy(&shot, Path::new(env!("CARGO_TARGET_TMPDIR")).join("region.png"));
    let blue = count_colour(&shot, (0x2f, 0x6f, 0xde));
    let orange = count_colour(&shot, (0xf2, 0x9c, 0x1f));
    assert!(blue > 3_000, "the charts look blank: {blue} blue pixels");
    assert!(orange > 500, "the parents' bar looks blank: {orange} orange pixels");
}
