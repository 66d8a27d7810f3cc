//! Hostile and careless input (issue 11): each defect found by the adversarial trial, as a
//! test through the binary.

use crate::diff::{base_chats, write_snapshot};
use crate::letters::ws;

/// A link's token is `[A-Za-z0-9_-]{1,256}` on max.ru (the VK-era Sferum links carry
/// base64 tokens in a query string: letters, digits, `+`, `/`, `=`); nothing else reaches
/// letters, slips or QR codes.
#[test]
fn a_link_with_a_path_in_its_token_is_rejected() {
    let ws = ws();
    ws.config(&format!("{}\n[links]\nfile = \"links.csv\"\n", crate::diff::TOML));
    let mut chats = base_chats();
    chats.retain(|c| c.0 != 106);
    write_snapshot(&ws, &chats);
    ws.write(
        "links.csv",
        "Филиал;Группа;Аудитория;Ссылка\n\
         Заречный;ЗФ-1;родители;https://max.ru/join/../../../evil\n\
         ГК;ИС-2;родители;https://web.max.ru/join/a.b\n\
         ГК;ИС-1;студенты;https://sferum.ru/?p=messages&join=../x\n",
    );
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 1, "{r}");
    for cell in ["D2", "D3", "D4"] {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.contains("links.csv") && l.contains(cell) && l.contains("не принята")),
            "the link in {cell} is refused, naming its cell\n{r}"
        );
    }
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 1, "{r}");
    let mut all = String::new();
    for e in walk(&ws.path().join("out/letters")) {
        all.push_str(&String::from_utf8_lossy(&std::fs::read(e).unwrap()));
    }
    assert!(
        !all.contains("evil") && !all.contains("join/a.b") && !all.contains("join=../x"),
        "a refused link reached the letters"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A 300-character name must not fail what is written under it (letters, slips, reminders):
/// generated file names are capped in bytes and keep a short hash so they stay unique.
#[test]
fn a_very_long_name_still_gets_its_file() {
    let ws = crate::util::Ws::new();
    ws.config("[organization]\nname = \"Дом творчества\"\nprofile = \"supplementary\"\n");
    let long = "Заместитель директора по учебно-воспитательной работе ".repeat(6);
    let other = format!("{}2", long.trim_end());
    ws.write(
        "plans/plan.toml",
        format!(
            "title = \"План\"\n\n[[milestones]]\nid = \"a\"\ntitle = \"Семинар\"\nevent = \"Семинар\"\nowners = [\"{}\", \"{other}\"]\ndeadline = \"01.11.2026\"\ncompletion = \"manual\"\n",
            long.trim_end()
        ),
    );
    let r = ws.run(&["plan", "remind", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    let names: Vec<String> = std::fs::read_dir(ws.path().join("out/plan/remind"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "one letter per owner, names kept apart: {names:?}\n{r}");
    assert!(names.iter().all(|n| n.len() <= 120), "file names are capped: {names:?}");
}

/// Every folder the tool creates is owner-only, the nested ones too (slips/ was 0755).
#[test]
fn every_folder_written_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let ws = ws();
    ws.config(crate::diff::TOML);
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["letters", "--all", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    assert!(ws.path().join("out/letters/slips").is_dir(), "the slips are written\n{r}");
    let mut open = Vec::new();
    let mut stack = vec![ws.path().join("out")];
    while let Some(d) = stack.pop() {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        if mode != 0o700 {
            open.push(format!("{} {:o}", d.display(), mode));
        }
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    assert!(open.is_empty(), "folders others can read: {open:?}");
}

/// NUL, other control characters and bidirectional overrides typed into a display name
/// never reach an output: a U+202E in matches.csv would show a name reversed.
#[test]
fn control_and_bidi_characters_are_stripped_from_names() {
    let ws = ws();
    ws.config(crate::diff::TOML);
    let mut chats = base_chats();
    chats[0].2.push((77, "Зло\u{202e}дей\u{0}", "Ха\u{200f}кер\u{7}", false));
    write_snapshot(&ws, &chats);
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    let matches = ws.read("out/matches.csv");
    let changes = ws.read("out/changes.json");
    for (what, text) in [("matches.csv", &matches), ("changes.json", &changes)] {
        let bad: Vec<String> = text
            .chars()
            .filter(|c| {
                (c.is_control() && !matches!(c, '\n' | '\r'))
                    || ('\u{200e}'..='\u{200f}').contains(c)
                    || ('\u{202a}'..='\u{202e}').contains(c)
                    || ('\u{2066}'..='\u{2069}').contains(c)
            })
            .map(|c| format!("U+{:04X}", c as u32))
            .collect();
        assert!(bad.is_empty(), "{what} carries {bad:?}");
    }
    assert!(
        matches.contains("Злодей Хакер"),
        "the name itself stays, without the marks\n{matches}"
    );
}

/// One corrupt member file makes that chat's members unknown — as a missing file does —
/// and names the file; the other chats go on.
#[test]
fn a_corrupt_member_file_makes_one_chat_unknown_not_the_platform() {
    let ws = ws();
    ws.config(crate::diff::TOML);
    write_snapshot(&ws, &base_chats());
    ws.write("platform/members/102.json", "{\"members\": [{\"user_id\": 11, ");
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "a change set is made\n{r}");
    let warning = "rollout: внимание: platform/members/102.json: файл участников повреждён — участники чата 102 считаются неизвестными";
    assert!(
        r.stderr.lines().any(|l| l.starts_with(warning)),
        "want a line starting with\n{warning}\n{r}"
    );
    let changes: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    let unknown: Vec<&serde_json::Value> = changes["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["reason"]["code"] == "members_unknown")
        .collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!(unknown[0]["chat_id"], 102);
}

/// A chat listed twice in chats.json is read once, and the repeat is named.
#[test]
fn a_chat_listed_twice_is_read_once() {
    let ws = ws();
    ws.config(crate::diff::TOML);
    write_snapshot(&ws, &base_chats());
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    let once = ws.read("out/changes.json");
    let mut list: serde_json::Value = serde_json::from_str(&ws.read("platform/chats.json")).unwrap();
    let first = list["chats"][0].clone();
    list["chats"].as_array_mut().unwrap().push(first);
    ws.write("platform/chats.json", serde_json::to_vec(&list).unwrap());
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    let warning = "rollout: внимание: platform/chats.json: чат 101 записан дважды — прочитан один раз";
    assert!(r.stderr.lines().any(|l| l == warning), "want the line\n{warning}\n{r}");
    let twice: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
    let once: serde_json::Value = serde_json::from_str(&once).unwrap();
    assert_eq!(twice["actions"], once["actions"], "the same actions as with the chat listed once");
}

/// `approve` accepts only a change set `diff` showed and that still matches; refusing a
/// stale one it never prints the new hash (approving that would skip the review).
#[test]
fn approve_takes_only_a_change_set_diff_showed() {
    let ws = ws();
    ws.config(crate::diff::TOML);
    write_snapshot(&ws, &base_chats());
    let hash = |ws: &crate::util::Ws| -> String {
        let c: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
        c["hash"].as_str().unwrap().to_string()
    };
    let r = ws.run(&["diff", "-q"]);
    assert_eq!(r.code, 0, "{r}");
    let old = hash(&ws);
    // The inputs change after the diff.
    ws.config(&format!("{}\n# changed\n", crate::diff::TOML));
    let r = ws.run(&["approve", &old]);
    assert_eq!(r.code, 2, "a stale change set is refused\n{r}");
    let hexes: Vec<&str> = r
        .stderr
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() == 64 && *w != old)
        .collect();
    assert!(hexes.is_empty(), "the refusal shows another change set's hash {hexes:?}\n{r}");
    // The current change set, learned elsewhere (a copy of the workspace), was never shown here.
    let copy = crate::util::Ws::new();
    crate::util::copy_dir(ws.path(), copy.path());
    assert_eq!(copy.run(&["diff", "-q"]).code, 0);
    let new = hash(&copy);
    assert_ne!(new, old);
    let r = ws.run(&["approve", &new]);
    assert_eq!(r.code, 2, "a change set diff never showed is refused\n{r}");
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            format!(
                "rollout: ошибка: набор изменений {} ещё не показан: выполните rollout diff и проверьте его",
                &new[..12]
            )
            .as_str()
        ),
        "{r}"
    );
    // Shown by diff, it is approved.
    assert_eq!(ws.run(&["diff", "-q"]).code, 0);
    let r = ws.run(&["approve", &new]);
    assert_eq!(r.code, 0, "{r}");
}

/// Two [[branches]] with one name counted the branch twice (groups added up to 29 of 21):
/// a configuration error naming it.
#[test]
fn a_branch_written_twice_is_a_configuration_error() {
    let ws = crate::util::Ws::new();
    ws.config(
        "[organization]\nname = \"Колледж\"\nprofile = \"college\"\n\n[[branches]]\nname = \"Главный корпус\"\nmain = true\n\n[[branches]]\nname = \"Заречный филиал\"\n\n[[branches]]\nname = \"Главный корпус\"\n",
    );
    let r = ws.run(&["check"]);
    assert_eq!(r.code, 2, "{r}");
    let want = "rollout: ошибка: rollout.toml: [[branches]]: филиал «Главный корпус» записан дважды — оставьте один, другие написания перечислите в aliases";
    assert!(r.stderr.lines().any(|l| l == want), "want the line\n{want}\n{r}");
}

/// One bad plan file no longer hides every plan: the good ones are shown, the bad one is
/// named, and the exit code says something needs attention.
#[test]
fn one_bad_plan_file_leaves_the_good_plans_shown() {
    let ws = crate::util::Ws::new();
    crate::util::copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/college"), ws.path());
    ws.write("plans/broken.toml", "title = \"Сломанный план\"\n[[milestones]]\nid = \n");
    let want = "rollout: внимание: план не вошёл: ./plans/broken.toml, строка 3, столбец 6";
    let r = ws.run(&["plan", "status", "--json"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("\"plan\": \"binding.toml\""), "the good plan is shown\n{r}");
    assert!(
        r.stderr.lines().any(|l| l.starts_with(want)),
        "want a line starting with\n{want}\n{r}"
    );
    let r = ws.run(&["report", "-q"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stderr.lines().any(|l| l.starts_with(want)), "{r}");
    assert!(
        ws.read("out/report.html").contains("План перехода на ИКОП"),
        "the good plan is in the dashboard"
    );
}

/// A name with a line break wrote an unparsable rollout.toml and exited 0: a name is one
/// line, and whatever init writes must load.
#[test]
fn init_refuses_a_name_with_a_line_break_and_what_it_writes_loads() {
    let ws = crate::util::Ws::new();
    let r = ws.run(&["init", "w", "--profile", "school", "--name", "Школа\nВторая строка"]);
    assert_eq!(r.code, 2, "{r}");
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            "rollout: ошибка: название организации — одна строка без управляющих символов (перевода строки, табуляции); укажите --name заново"
        ),
        "{r}"
    );
    assert!(!ws.path().join("w/rollout.toml").exists(), "nothing written\n{r}");
    // Quotes and backslashes are kept as they are, and the file loads.
    let r = ws.run(&["init", "w2", "--profile", "school", "--name", "МБОУ \"СОШ\" \\ № 1"]);
    assert_eq!(r.code, 0, "{r}");
    let r = ws.run(&["check", "--config", "w2/rollout.toml"]);
    assert_eq!(r.code, 1, "no sources yet, but the file loads\n{r}");
    assert!(ws.read("w2/rollout.toml").contains("name = \"МБОУ \\\"СОШ\\\" \\\\ № 1\""));
}
