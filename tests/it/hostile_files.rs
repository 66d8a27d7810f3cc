//! Files on disk (issue 11, items 1, 4, 5, 6, 14 and the SIGKILL test): symlinks in
//! sources/ and out/, temp files, what the tool may replace or delete, orphans, stale
//! outputs, a run killed at any point.

use crate::diff::{base_chats, write_snapshot};
use crate::letters::ws;
use crate::util::{Run, Ws, copy_dir};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn lines(r: &Run) -> Vec<&str> {
    r.stderr.lines().collect()
}

/// Runs the binary, killing it (and failing the test) if it has not finished in 30 s:
/// a hang must fail the test, not the suite.
fn run_bounded(ws: &Ws, args: &[&str]) -> Run {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rollout"))
        .args(args)
        .current_dir(ws.path())
        .env("ROLLOUT_TODAY", "2026-11-22")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rollout {args:?} did not finish (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        cwd: ws.path().to_path_buf(),
    }
}

/// Every path under `dir` (not following links), relative.
fn tree(dir: &Path) -> Vec<String> {
    fn go(root: &Path, d: &Path, out: &mut Vec<String>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            if e.file_type().unwrap().is_dir() {
                go(root, &p, out);
            }
        }
    }
    let mut v = Vec::new();
    go(dir, dir, &mut v);
    v.sort();
    v
}

/// Temp files and folders of any rollout, old names and new.
fn temps(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap();
            name.starts_with(".rollout-tmp-") || name.contains(".tmp-") || name.contains("-tmp-")
        })
        .collect()
}

#[test]
fn a_directory_symlink_loop_in_sources_does_not_hang_the_run() {
    let ws = ws();
    let clean = ws.run(&["ingest", "-q"]);
    let people = ws.people().len();
    std::os::unix::fs::symlink(".", ws.path().join("sources/self")).unwrap();
    std::os::unix::fs::symlink(".", ws.path().join("sources/self2")).unwrap();
    std::os::unix::fs::symlink("..", ws.path().join("sources/up")).unwrap();
    // A file linked from inside the workspace is read as a source; one from outside is not.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.csv"), "ФИО;Группа\nЧужой Чужак Чужакович;ИС-1\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.csv"), ws.path().join("sources/outside.csv")).unwrap();
    let r = run_bounded(&ws, &["ingest", "-q"]);
    assert_eq!(r.code, clean.code, "{r}");
    assert_eq!(ws.people().len(), people, "{r}");
    assert!(!ws.read("out/roster/people.csv").contains("Чужак"), "{r}");
}

#[test]
fn an_output_that_is_a_symlink_is_refused_and_its_target_untouched() {
    let ws = ws();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("stolen.csv");
    std::fs::write(&target, "x").unwrap();
    std::fs::create_dir_all(ws.path().join("out/roster")).unwrap();
    std::os::unix::fs::symlink(&target, ws.path().join("out/roster/people.csv")).unwrap();
    let r = ws.run(&["ingest", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: не удалось записать ./out/roster/people.csv",
            "  причина: это символическая ссылка — rollout не пишет через ссылки; удалите её или укажите другую папку --out"
        ],
        "{r}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "x");
    assert!(
        std::fs::symlink_metadata(ws.path().join("out/roster/people.csv"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(temps(&ws.path().join("out")), Vec::<String>::new());
}

#[test]
fn a_symlinked_output_folder_is_refused() {
    let ws = ws();
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(ws.path().join("out")).unwrap();
    std::os::unix::fs::symlink(outside.path(), ws.path().join("out/roster")).unwrap();
    let r = ws.run(&["ingest", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: не удалось создать папку ./out/roster",
            "  причина: это символическая ссылка — rollout не пишет через ссылки; удалите её или укажите другую папку --out"
        ],
        "{r}"
    );
    assert_eq!(tree(outside.path()), Vec::<String>::new());
}

#[test]
fn letters_never_delete_a_file_the_tool_did_not_write() {
    let ws = ws();
    write_snapshot(&ws, &base_chats());
    ws.write("shared/letters/важное.docx", "мой документ");
    let r = ws.run(&["letters", "-q", "--out", "shared"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: не удалось заменить shared/letters",
            "  причина: в ней есть файл, который rollout не записывал: shared/letters/важное.docx — rollout не удаляет чужие файлы; переложите его или укажите другую папку --out"
        ],
        "{r}"
    );
    assert_eq!(ws.read("shared/letters/важное.docx"), "мой документ");
    assert_eq!(temps(&ws.path().join("shared")), Vec::<String>::new());
    // A file the tool did not write where it writes one is not replaced either.
    ws.write("mine/problems.csv", "мои заметки");
    let r = ws.run(&["check", "-q", "--out", "mine"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        lines(&r),
        [
            "rollout: ошибка: не удалось записать mine/problems.csv",
            "  причина: этот файл записал не rollout (его нет в mine/run.json) — rollout не заменяет чужие файлы; переложите его или укажите другую папку --out"
        ],
        "{r}"
    );
    assert_eq!(ws.read("mine/problems.csv"), "мои заметки");
    // What the tool wrote it lists, and replaces on the next run.
    std::fs::remove_file(ws.path().join("shared/letters/важное.docx")).unwrap();
    assert_eq!(ws.run(&["letters", "-q", "--out", "shared"]).code, 0);
    let r = ws.run(&["letters", "-q", "--out", "shared"]);
    assert_eq!(r.code, 0, "{r}");
    let log: serde_json::Value = serde_json::from_str(&ws.read("shared/run.json")).unwrap();
    let outputs = log["outputs"].as_object().unwrap();
    for f in tree(&ws.path().join("shared")) {
        let p = ws.path().join("shared").join(&f);
        if p.is_file() && f != "run.json" {
            assert!(outputs.contains_key(&f), "{f} not in run.json");
        }
    }
    assert_eq!(outputs["roster/people.csv"]["command"], "letters");
    assert!(outputs["letters/lists/sms-excel.csv"]["written"].is_string());
}

#[test]
fn stale_temp_files_of_a_killed_run_are_removed_and_others_kept() {
    let ws = ws();
    assert!(ws.run(&["ingest", "-q"]).code <= 1);
    // What a killed earlier version of rollout (or this one) left: the pid is not running.
    let dead = 4_000_000 + (std::process::id() % 100_000);
    ws.write(&format!("out/.letters-tmp-{dead}/parents/p1.txt"), "личные данные");
    ws.write(&format!("out/roster/.people.csv.tmp-{dead}"), "личные данные");
    ws.write(&format!("out/.rollout-tmp-{dead}-0123456789abcdef"), "личные данные");
    // Not ours: kept.
    ws.write("out/.letters-tmp-notes/x.txt", "чужое");
    ws.write("out/.hidden", "чужое");
    let r = ws.run(&["ingest", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(temps(&ws.path().join("out")), [".letters-tmp-notes"], "{r}");
    assert_eq!(ws.read("out/.letters-tmp-notes/x.txt"), "чужое");
    assert_eq!(ws.read("out/.hidden"), "чужое");
}

fn stale_line(out: &str) -> String {
    format!(
        "rollout: внимание: в {out} остались файлы прошлого запуска, этап которых сейчас не выполнен (сравнение с платформой) — они устарели: changes.json, changes.xlsx, matches.csv, matching-summary.json"
    )
}

#[test]
fn outputs_of_a_failed_stage_are_marked_stale_and_letters_refuse_them() {
    let ws = ws();
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["run", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    ws.write("platform/chats.json", "{ не json");
    let r = ws.run(&["run", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(lines(&r).contains(&stale_line("./out").as_str()), "{r}");
    let log: serde_json::Value = serde_json::from_str(&ws.read("out/run.json")).unwrap();
    assert_eq!(log["outputs"]["changes.json"]["stale"], true, "{log}");
    assert_eq!(log["outputs"]["roster/people.csv"]["stale"], false, "{log}");
    let r = ws.run(&["report", "-q"]);
    assert!(lines(&r).contains(&stale_line("./out").as_str()), "{r}");
    // Letters never go by a stale change set: without the platform they are not remade.
    let r = ws.run(&["letters", "-q"]);
    assert_eq!(r.code, 3, "{r}");
    assert!(
        r.stdout
            .lines()
            .any(|l| l == "Письма не обновлены: без данных платформы нет ссылок на чаты — в ./out/letters остались прежние"),
        "{r}"
    );
    assert!(!ws.path().join("out/letters").exists(), "{r}");
    // A readable platform again: fresh outputs, nothing stale.
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["run", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stderr.contains("устарели"), "{r}");
    let log: serde_json::Value = serde_json::from_str(&ws.read("out/run.json")).unwrap();
    assert_eq!(log["outputs"]["changes.json"]["stale"], false, "{log}");
    assert!(log["outputs"]["changes.json"]["inputs"].is_string(), "{log}");
    assert_eq!(ws.run(&["letters", "-q"]).code, 0);
}

/// The sample college in a fresh workspace with a fixed salt.
fn sample() -> Ws {
    let ws = Ws::new();
    copy_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/college"), ws.path());
    ws.write(".rollout/salt", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    ws
}

fn hash_of(ws: &Ws) -> String {
    let v: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    v["hash"].as_str().unwrap().to_string()
}

/// Every output present is complete: JSON parses, CSV ends with a line end, xlsx is a zip.
fn outputs_complete(out: &Path) {
    for f in tree(out) {
        let p = out.join(&f);
        if !p.is_file() {
            continue;
        }
        let bytes = std::fs::read(&p).unwrap();
        if f.ends_with(".json") {
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_else(|e| panic!("{f}: {e}"));
        } else if f.ends_with(".csv") {
            assert!(bytes.ends_with(b"\n"), "{f} is cut");
        } else if f.ends_with(".xlsx") {
            assert!(bytes.starts_with(b"PK") && bytes.len() > 100, "{f} is cut");
        } else if f.ends_with(".html") {
            assert!(String::from_utf8_lossy(&bytes).trim_end().ends_with("</html>"), "{f} is cut");
        }
    }
}

#[test]
fn sigkill_at_any_point_leaves_no_partial_or_orphaned_file() {
    let ws = sample();
    let r = ws.run(&["run", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    let hash = hash_of(&ws);
    for (args, ms) in [
        (&["run", "-q"][..], 50u64),
        (&["run", "-q"][..], 200),
        (&["run", "-q"][..], 500),
        (&["letters", "-q"][..], 50),
        (&["letters", "-q"][..], 300),
        (&["letters", "-q"][..], 800),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rollout"))
            .args(args)
            .current_dir(ws.path())
            .env("ROLLOUT_TODAY", "2026-11-22")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        outputs_complete(&ws.path().join("out"));
        // The next command starts by removing what the killed one left.
        let r = ws.run(&["run", "-q"]);
        assert_eq!(r.code, 1, "after killing {args:?} at {ms} ms: {r}");
        assert_eq!(
            temps(&ws.path().join("out")),
            Vec::<String>::new(),
            "after killing {args:?} at {ms} ms"
        );
        outputs_complete(&ws.path().join("out"));
        assert_eq!(hash_of(&ws), hash, "after killing {args:?} at {ms} ms");
    }
    let r = ws.run(&["letters", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(temps(&ws.path().join("out")), Vec::<String>::new());
}

/// An output folder made by a rollout before OUT/run.json existed: its outputs (known by
/// their paths) are taken as rollout's once, so an upgrade does not refuse the user's own
/// out/; anything else in it stays untouched.
#[test]
fn an_output_folder_from_before_run_json_is_adopted_once() {
    let ws = ws();
    write_snapshot(&ws, &base_chats());
    assert_eq!(ws.run(&["run", "-q"]).code, 1);
    std::fs::remove_file(ws.path().join("out/run.json")).unwrap();
    ws.write("out/заметки.docx", "мои заметки");
    let r = ws.run(&["run", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    let log: serde_json::Value = serde_json::from_str(&ws.read("out/run.json")).unwrap();
    assert!(log["outputs"]["roster/people.csv"].is_object(), "{log}");
    assert!(log["outputs"].get("заметки.docx").is_none(), "{log}");
    assert_eq!(ws.read("out/заметки.docx"), "мои заметки");
    // A user's document among the letters is never taken for one.
    ws.write("out/letters/важное.docx", "мой документ");
    std::fs::remove_file(ws.path().join("out/run.json")).unwrap();
    let r = ws.run(&["letters", "-q"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(ws.read("out/letters/важное.docx"), "мой документ");
}
