//! The house's promises through the binary: one exit code per kind of failure for every
//! command, and keys that are accepted but not used yet say so.

use crate::util::copy_dir;
use crate::util::{Run, Ws};
use std::path::Path;

/// A copy of the sample college (sources, platform snapshot, plans).
fn college() -> Ws {
    let ws = Ws::new();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/college"), ws.path());
    ws
}

fn assert_output_error(r: &Run, what: &str) {
    assert_eq!(r.code, 2, "{what}: an output that cannot be written is exit 2\n{r}");
    assert!(r.stderr.starts_with("rollout: ошибка: "), "{what}: the error is named\n{r}");
    assert!(!r.stderr.contains("panicked"), "{what}\n{r}");
}

#[test]
fn every_command_that_writes_exits_2_when_its_output_cannot_be_written() {
    let ws = college();
    // A regular file where the output folder's parent should be: nothing can be created
    // under it, even as root.
    ws.write("blocker", "not a folder");
    let out = "blocker/out";
    for args in [
        &["ingest"][..],
        &["check"],
        &["diff"],
        &["run"],
        &["letters"],
        &["links", "status"],
        &["report"],
        &["plan", "calendar"],
        &["plan", "remind"],
    ] {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--out", out, "-q"]);
        assert_output_error(&ws.run(&a), &args.join(" "));
    }
    ws.write(
        "plan.csv",
        "Мероприятие,Комментарий,Ответственный,Срок исполнения\nСеминар,,Иванова И.И.,до 01.03.2027\n",
    );
    assert_output_error(&ws.run(&["plan", "import", "plan.csv", "--to", "blocker/plan.toml"]), "plan import");
}

#[test]
fn a_single_output_that_cannot_be_written_is_exit_2_too() {
    let ws = college();
    // Each command's output folder exists, but one file it writes is taken by a folder.
    for (args, taken) in [
        (&["ingest"][..], "roster/people.csv"),
        (&["check"], "problems.csv"),
        (&["diff"], "changes.json"),
        (&["run"], "report.html"),
        (&["links", "status"], "links/status.xlsx"),
        (&["report"], "usage.xlsx"),
        (&["plan", "calendar"], "plan/calendar.ics"),
    ] {
        let out = format!("out-{}", args.join("-"));
        ws.write(&format!("{out}/{taken}/keep"), "");
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--out", out.as_str(), "-q"]);
        assert_output_error(&ws.run(&a), &args.join(" "));
    }
    // Letters and reminders are folders swapped in whole: a file in the way.
    for (args, taken) in [(&["letters"][..], "letters"), (&["plan", "remind"], "plan/remind")] {
        let out = format!("out-{}", args.join("-"));
        ws.write(&format!("{out}/{taken}"), "a file, not a folder");
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--out", out.as_str(), "-q"]);
        assert_output_error(&ws.run(&a), &args.join(" "));
    }
}

#[test]
fn live_platform_keys_beside_a_snapshot_are_accepted_with_source_snapshot() {
    let ws = college();
    let cfg = std::fs::read_to_string(ws.path().join("rollout.toml")).unwrap();
    let cfg = cfg.replace(
        "[platform]\n",
        "[platform]\nsource = \"snapshot\"\nbase_url = \"https://platform-api2.max.ru\"\ntoken_file = \"token.txt\"\n",
    );
    assert!(cfg.contains("base_url"), "the sample has a [platform] table");
    ws.config(&cfg);
    let r = ws.run(&["check", "-q"]);
    assert_eq!(r.code, 1, "the sample's planted problems\n{r}");
    assert!(!r.stderr.contains("[platform]"), "{r}");
    assert!(!r.stderr.contains("неизвестный ключ"), "{r}");
}
