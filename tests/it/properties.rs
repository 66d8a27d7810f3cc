//! Invariants of the parsers and of the change set, checked on generated inputs (at most 32
//! cases each, small inputs: the suite stays fast).

use proptest::prelude::*;
use rollout::normalize::groups::normalize_alone;
use rollout::plans::deadline::{Context, default_terms, parse};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Group-name-like text: class codes, college codes, look-alikes, separators, stray marks.
fn group_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[0-9АБВИСПКаб5ABCEHKMOPTXYacexyDFGdfgz \\-–_.()«»]{0,12}").unwrap()
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn normalising_a_group_name_twice_is_normalising_it_once(s in group_text()) {
        let once = normalize_alone(&s);
        prop_assert_eq!(normalize_alone(&once), once);
    }

    #[test]
    fn normalising_spaces_and_keys_twice_is_once(s in "\\PC{0,24}") {
        let c = rollout::normalize::clean_spaces(&s);
        prop_assert_eq!(rollout::normalize::clean_spaces(&c), c.clone());
        let k = rollout::normalize::text_key(&s);
        prop_assert_eq!(rollout::normalize::text_key(&k), k);
    }

    /// «ИC-24» (a Latin C) becomes «ИС-24», but a name with a Latin letter that has no
    /// Cyrillic twin («IT-Dev») is a Latin name: nothing in it turns Cyrillic.
    #[test]
    fn the_look_alike_fix_never_touches_a_name_with_other_latin_letters(
        s in group_text(),
        other in proptest::sample::select(vec!['D', 'F', 'G', 'd', 'f', 'g', 'z']),
        at in 0usize..12,
    ) {
        let mut chars: Vec<char> = s.chars().collect();
        chars.insert(at.min(chars.len()), other);
        let input: String = chars.into_iter().collect();
        let out = normalize_alone(&input);
        let cyr = |t: &str| t.chars().filter(|c| is_cyrillic(*c)).count();
        prop_assert_eq!(cyr(&out), cyr(&input), "{:?} → {:?}", input, out);
    }

    #[test]
    fn a_deadline_window_never_ends_before_it_starts(
        day in 1u32..=31, month in 1u32..=12, year in 2020i32..2030,
        day2 in 1u32..=31, month2 in 1u32..=12,
        form in 0usize..6,
    ) {
        let text = match form {
            0 => format!("{day:02}.{month:02}.{year}- {day2:02}.{month2:02}.{year}г."),
            1 => format!("{day:02}.{month:02} - {day2:02}.{month2:02}.{year}"),
            2 => format!("до {day:02}.{month:02}.{year}"),
            3 => format!("{day}-{day2} марта {year}"),
            4 => format!("{day:02}.{month:02}.{year}г."),
            _ => "II четверть".to_string(),
        };
        let terms = default_terms();
        let ctx = Context { year: Some(year), month: Some(month), terms: &terms, school_year_end: (5, 31) };
        if let Ok(w) = parse(&text, &ctx) {
            prop_assert!(w.start.is_none_or(|s| s <= w.end), "{} → {:?}", text, w);
        }
    }
}

/// The same sources listed in any order give the same actions (the hash covers
/// rollout.toml's bytes, so it differs; the actions must not).
#[test]
fn the_change_set_is_the_same_for_the_same_inputs_in_any_file_order() {
    use crate::util::Ws;
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/school");
    let files = ["Родители.csv", "Списки_классов.xlsx", "Учителя.xlsx"];
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    let mut first: Option<serde_json::Value> = None;
    for order in orders {
        let ws = Ws::new();
        for f in files {
            ws.write(&format!("sources/{f}"), std::fs::read(sample.join("sources").join(f)).unwrap());
        }
        for e in std::fs::read_dir(sample.join("platform/members")).unwrap() {
            let e = e.unwrap();
            ws.write(
                &format!("platform/members/{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            );
        }
        ws.write("platform/chats.json", std::fs::read(sample.join("platform/chats.json")).unwrap());
        // One salt for every workspace: person ids are comparable across them.
        ws.write(".rollout/salt", "00112233445566778899aabbccddeeff");
        let mut cfg =
            String::from("[organization]\nname = \"МБОУ «СОШ № 7»\"\nprofile = \"school\"\n\n[platform]\nsnapshot = \"platform/\"\n");
        for i in order {
            cfg.push_str(&format!("\n[[sources]]\npath = \"sources/{}\"\n", files[i]));
        }
        ws.config(&cfg);
        let r = ws.run(&["diff", "-q"]);
        assert_eq!(r.code, 0, "a ready change set\n{r}");
        let changes: serde_json::Value = serde_json::from_str(&ws.read("out/changes.json")).unwrap();
        let actions = changes["actions"].clone();
        assert!(actions.as_array().is_some_and(|a| !a.is_empty()), "{r}");
        match &first {
            None => first = Some(actions),
            Some(f) => assert_eq!(&actions, f, "order {order:?} gives other actions"),
        }
    }
}
