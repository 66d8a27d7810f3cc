//! Invite links: the registry (platform links and a links file, with their history) and
//! the admin's checklist (`rollout links status`).

use crate::diff::{base_chats, write_snapshot};
use crate::letters::{calamine_sheets, ws};
use crate::util::*;

#[test]
fn the_link_registry_accepts_platform_links_and_rejects_others_with_their_cell() {
    let ws = ws();
    ws.config(&format!("{}\n[links]\nfile = \"links.csv\"\n", crate::diff::TOML));
    let mut chats = base_chats();
    chats.retain(|c| c.0 != 106);
    write_snapshot(&ws, &chats);
    ws.write(
        "links.csv",
        "Филиал;Группа;Аудитория;Ссылка\nЗаречный;ЗФ-1;родители;https://web.max.ru/join/FromFile1\nГК;ИС-1;студенты;https://evil.example/join/x\nГК;ИС-2;родители;https://sferum.ru/?p=messages&join=OldOne\n",
    );
    let r = ws.run(&["links", "status"]);
    assert!(
        r.stdout.contains("links.csv") && r.stdout.contains("C3") || r.stdout.contains("D3"),
        "the bad link is named with its cell\n{r}"
    );
    assert!(r.stdout.contains("это не ссылка-приглашение"), "{r}");
    assert_eq!(r.code, 1, "{r}");
    // The file fills the gap the platform leaves (ЗФ-1 parents), and letters use it.
    let r = ws.run(&["letters", "--all"]);
    assert_eq!(r.code, 1, "{r}");
    let orlova = find_person(&ws.people(), "Орлова", "Ольга")[0]["person_id"].clone();
    assert!(
        ws.read(&format!("out/letters/parents/{orlova}.txt"))
            .contains("https://web.max.ru/join/FromFile1")
    );
    // The platform's link wins over the file's where both exist.
    let petrov = find_person(&ws.people(), "Петров", "Сергей")[0]["person_id"].clone();
    assert!(
        ws.read(&format!("out/letters/parents/{petrov}.txt"))
            .contains("https://max.ru/join/tok104")
    );
    // A link that disappears from the platform is reported, and its history kept.
    let mut chats = base_chats();
    // ИС-1 parents' chat leaves the platform; the file has no link for it.
    chats.retain(|c| c.0 != 106 && c.0 != 102);
    write_snapshot(&ws, &chats);
    let r = ws.run(&["links", "status"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("ссылка пропала: ИС-1 родители"), "{r}");
    let hist = calamine_sheets(&ws.path().join("out/links/status.xlsx"));
    assert!(hist.contains(&"История ссылок".to_string()));
}

#[test]
fn links_to_rotate_and_chats_nobody_joins_are_on_the_checklist() {
    let ws = ws();
    // First seen in January; the fixture's members all joined in October 2025.
    let r = ws.run_env(&["links", "status"], &[("ROLLOUT_TODAY", "2026-01-10")]);
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stdout.contains("пора заменить"), "{r}");
    let r = ws.run_env(&["links", "status"], &[("ROLLOUT_TODAY", "2026-11-22")]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("пора заменить") && r.stdout.contains("старше 180 дней"), "{r}");
    // Петров still has to join ИС-1's parents' chat, where nobody joined for over a year.
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("никто не вступает") && l.contains("ИС-1 родители"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(
        line.contains("https://max.ru/join/tok…") && !line.contains("tok102"),
        "masked: {line}"
    );
    assert!(line.contains("вступить должны ещё 1"), "{line}");
    let csv = ws.read("out/links/status-excel.csv");
    assert!(csv.contains("пора заменить") && csv.contains("никто не вступает"), "{csv}");
}
