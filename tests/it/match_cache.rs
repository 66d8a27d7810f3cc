//! The last matches kept in the state store (issue 17): a command after `diff` on the same
//! inputs reuses them (`ROLLOUT_TIMING=1` shows `match-cached`) and writes what it would
//! have written matching afresh; any change of what matching reads matches again; a damaged
//! row is matched again, no error.

use crate::util::*;
use std::collections::BTreeMap;
use std::path::Path;

const TIMING: &[(&str, &str)] = &[("ROLLOUT_TIMING", "1")];

/// The college sample, without what a run in the sample folder may have left.
fn college() -> Ws {
    let ws = Ws::new();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/college"), ws.path());
    let _ = std::fs::remove_dir_all(ws.path().join(".rollout"));
    let _ = std::fs::remove_dir_all(ws.path().join("out"));
    ws
}

fn db(ws: &Ws) -> rusqlite::Connection {
    rusqlite::Connection::open(ws.path().join(".rollout/state.db")).unwrap()
}

/// Whether the run reused the kept matches (and did not match), or matched.
fn cached(r: &Run) -> bool {
    let reused = r.stderr.lines().any(|l| l.starts_with("timing: match-cached "));
    let matched = r.stderr.lines().any(|l| l.starts_with("timing: match "));
    assert!(reused != matched, "one match timer or the other\n{r}");
    reused
}

fn ok(ws: &Ws, args: &[&str]) -> Run {
    let r = ws.run_env(args, TIMING);
    assert!(r.code == 0 || r.code == 1, "{r}");
    r
}

/// A copy of the workspace (sources, store, outputs) without its kept matches.
fn uncached_copy(ws: &Ws) -> Ws {
    let copy = Ws::new();
    copy_dir(ws.path(), copy.path());
    forget(&copy);
    copy
}

fn forget(ws: &Ws) {
    db(ws).execute("DELETE FROM match_cache", []).unwrap();
}

/// Every file under out/ but the run log (it has the time of the run), by path.
fn outputs(ws: &Ws) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if p.file_name().is_some_and(|n| n != "run.json") {
                out.insert(p.strip_prefix(base).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&ws.path().join("out"), ws.path(), &mut out);
    out
}

/// stderr without the timings.
fn said(r: &Run) -> String {
    r.stderr
        .lines()
        .filter(|l| !l.starts_with("timing: "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn same_run(a: &Run, b: &Run) {
    assert_eq!(a.code, b.code, "{a}\n{b}");
    assert_eq!(a.stdout, b.stdout, "{a}\n{b}");
    assert_eq!(said(a), said(b), "{a}\n{b}");
}

fn same_outputs(a: &Ws, b: &Ws) {
    let (a, b) = (outputs(a), outputs(b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs with and without the kept matches");
    }
}

#[test]
fn report_and_plan_status_reuse_the_matches_of_diff() {
    let ws = college();
    let r = ok(&ws, &["diff"]);
    assert!(!cached(&r), "the first diff matches");
    let plain = uncached_copy(&ws);

    let (a, b) = (ok(&ws, &["report"]), ok(&plain, &["report"]));
    assert!(cached(&a), "report after diff reuses its matches\n{a}");
    assert!(!cached(&b), "without kept matches report matches\n{b}");
    same_run(&a, &b);
    same_outputs(&ws, &plain);

    forget(&plain);
    let (a, b) = (ok(&ws, &["plan", "status", "--json"]), ok(&plain, &["plan", "status", "--json"]));
    assert!(cached(&a), "{a}");
    assert!(!cached(&b), "{b}");
    same_run(&a, &b);

    forget(&plain);
    let (a, b) = (ok(&ws, &["diff"]), ok(&plain, &["diff"]));
    assert!(cached(&a), "a second diff on the same inputs reuses the matches\n{a}");
    assert!(!cached(&b), "{b}");
    same_run(&a, &b);
    same_outputs(&ws, &plain);
}

#[test]
fn a_changed_input_is_matched_again() {
    let ws = college();
    assert!(!cached(&ok(&ws, &["diff"])));
    assert!(cached(&ok(&ws, &["diff"])));

    // A decision: reject the first automatic match.
    let m = ws
        .csv("out/matches.csv")
        .into_iter()
        .find(|m| m["status"] == "matched" && m["tier"] != "known" && !m["person_id"].is_empty())
        .expect("a matched member");
    let r = ws.run(&["reject", &m["user_id"], &m["person_id"]]);
    assert_eq!(r.code, 0, "{r}");
    let r = ok(&ws, &["diff"]);
    assert!(!cached(&r), "a rejection is matched again\n{r}");
    let again = ws
        .csv("out/matches.csv")
        .into_iter()
        .find(|x| x["chat_id"] == m["chat_id"] && x["user_id"] == m["user_id"])
        .unwrap();
    assert_ne!(again["person_id"], m["person_id"], "the rejected pair is not reused");
    assert!(cached(&ok(&ws, &["diff"])));

    // rollout.toml's [matching].
    let toml = ws.read("rollout.toml");
    ws.config(&format!("{toml}\n[matching]\nauto = 0.95\n"));
    assert!(!cached(&ok(&ws, &["diff"])), "[matching] changed");
    assert!(cached(&ok(&ws, &["diff"])));

    // The platform snapshot: a member renamed.
    let file = std::fs::read_dir(ws.path().join("platform/members"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let renamed = text.replacen("\"first_name\": \"", "\"first_name\": \"Ю", 1);
    assert_ne!(text, renamed);
    std::fs::write(&file, renamed).unwrap();
    let r = ok(&ws, &["report"]);
    assert!(!cached(&r), "the platform changed\n{r}");
    assert!(cached(&ok(&ws, &["report"])));
}

#[test]
fn a_damaged_kept_row_is_matched_again() {
    let ws = college();
    assert!(!cached(&ok(&ws, &["diff"])));
    let plain = uncached_copy(&ws);
    db(&ws).execute("UPDATE match_cache SET matches = x'00ff7b5b'", []).unwrap();
    let (a, b) = (ok(&ws, &["report"]), ok(&plain, &["report"]));
    assert!(!cached(&a), "a damaged row is not used\n{a}");
    same_run(&a, &b);
    same_outputs(&ws, &plain);
    // Matched again and kept again.
    assert!(cached(&ok(&ws, &["report"])));
    // A row of the wrong types is no error either.
    db(&ws).execute("UPDATE match_cache SET key = 7, matches = 'text'", []).unwrap();
    let r = ok(&ws, &["report"]);
    assert!(!cached(&r), "{r}");
    same_run(&r, &b);
}
