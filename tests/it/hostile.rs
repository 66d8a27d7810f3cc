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
