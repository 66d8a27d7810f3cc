//! How platform display names relate to roster names: ё = е, case, Latin
//! transliteration, diminutives, one-letter typos.

/// Diminutive → full first names (normalised: lower case, ё = е).
const DIMINUTIVES: &[(&str, &[&str])] = &[
    ("маша", &["мария"]),
    ("маня", &["мария"]),
    ("саша", &["александр", "александра"]),
    ("шура", &["александр", "александра"]),
    ("дима", &["дмитрий"]),
    ("леша", &["алексей"]),
    ("алеша", &["алексей"]),
    ("настя", &["анастасия"]),
    ("катя", &["екатерина"]),
    ("женя", &["евгений", "евгения"]),
    ("миша", &["михаил"]),
    ("вова", &["владимир"]),
    ("володя", &["владимир"]),
    ("сережа", &["сергей"]),
    ("серега", &["сергей"]),
    ("коля", &["николай"]),
    ("таня", &["татьяна"]),
    ("лена", &["елена"]),
    ("оля", &["ольга"]),
    ("наташа", &["наталья", "наталия"]),
    ("ваня", &["иван"]),
    ("паша", &["павел"]),
    ("андрюша", &["андрей"]),
    ("юля", &["юлия"]),
    ("ксюша", &["ксения"]),
    ("аня", &["анна"]),
    ("даша", &["дарья"]),
    ("поля", &["полина"]),
    ("вика", &["виктория"]),
    ("лиза", &["елизавета"]),
    ("кирюша", &["кирилл"]),
    ("макс", &["максим"]),
    ("тема", &["артем"]),
    ("егорка", &["егор"]),
    ("света", &["светлана"]),
    ("галя", &["галина"]),
    ("люда", &["людмила"]),
    ("надя", &["надежда"]),
    ("вера", &["вера"]),
    ("ира", &["ирина"]),
    ("нина", &["нина"]),
    ("витя", &["виктор"]),
    ("толя", &["анатолий"]),
    ("костя", &["константин"]),
    ("гоша", &["георгий"]),
    ("жора", &["георгий"]),
    ("слава", &["вячеслав", "ярослав", "станислав"]),
    ("стас", &["станислав"]),
    ("влад", &["владислав"]),
    ("валя", &["валентина", "валентин"]),
    ("люба", &["любовь"]),
    ("соня", &["софья", "софия"]),
    ("софа", &["софья", "софия"]),
    ("варя", &["варвара"]),
    ("алена", &["алена"]),
    ("лера", &["валерия"]),
    ("рома", &["роман"]),
    ("леня", &["леонид"]),
    ("гриша", &["григорий"]),
    ("федя", &["федор"]),
    ("петя", &["петр"]),
    ("тима", &["тимофей", "тимур"]),
    ("зоя", &["зоя"]),
    ("ника", &["вероника"]),
    ("марина", &["марина"]),
    ("кристи", &["кристина"]),
    ("алина", &["алина"]),
    ("лиля", &["лилия"]),
    ("тоня", &["антонина"]),
    ("уля", &["ульяна"]),
    ("ева", &["ева"]),
    ("илюша", &["илья"]),
    ("семен", &["семен"]),
    ("сема", &["семен"]),
    ("яша", &["яков"]),
    ("лева", &["лев"]),
    ("миля", &["людмила"]),
    ("маргоша", &["маргарита"]),
    ("рита", &["маргарита"]),
    ("полинка", &["полина"]),
    ("боря", &["борис"]),
    ("валера", &["валерий"]),
    ("вася", &["василий"]),
    ("гена", &["геннадий"]),
    ("даня", &["даниил", "данила"]),
    ("степа", &["степан"]),
    ("юра", &["юрий"]),
    ("лида", &["лидия"]),
    ("леся", &["олеся"]),
    ("тася", &["таисия"]),
    ("дима", &["дмитрий"]),
    ("митя", &["дмитрий"]),
    ("тимоша", &["тимофей"]),
    ("ося", &["иосиф"]),
    ("гоша", &["игорь", "георгий"]),
    ("игорек", &["игорь"]),
    ("арсюша", &["арсений"]),
    ("сеня", &["арсений", "семен"]),
    ("ника", &["вероника", "никита"]),
    ("кира", &["кира"]),
    ("злата", &["злата"]),
    ("мила", &["милана", "людмила"]),
    ("алиса", &["алиса"]),
    ("василиса", &["василиса"]),
];

/// Lower case, ё = е, letters only (a hyphen joins: «Петрова-Водкина» → «петроваводкина»).
pub fn norm(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .filter(|c| c.is_alphabetic())
        .collect()
}

pub fn is_latin(token: &str) -> bool {
    token.chars().any(|c| c.is_ascii_alphabetic()) && !token.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c))
}

/// Russian → Latin (the common spelling, `translit::Style::Common`), then squashed so common
/// spelling variants of one transliteration compare equal («Aleksandr» / «Alexander»,
/// «Yulia» / «Yuliya»).
pub fn latin_key(s: &str) -> String {
    squash(&translit::ascii_key(&norm(s), translit::Style::Common))
}

fn squash(s: &str) -> String {
    let mut t = s.to_string();
    for (a, b) in [
        ("shch", "sch"),
        ("sch", "sh"),
        ("kh", "h"),
        ("x", "ks"),
        ("yo", "e"),
        ("ye", "e"),
        ("ia", "ya"),
        ("iu", "yu"),
        ("iy", "y"),
        ("yi", "y"),
        ("ij", "y"),
        ("j", "y"),
        ("w", "v"),
        ("ph", "f"),
        ("ee", "e"),
        ("tz", "ts"),
        ("ck", "k"),
        ("c", "k"),
        ("q", "k"),
    ] {
        t = t.replace(a, b);
    }
    // Doubled letters are often dropped in transliteration.
    let mut out = String::with_capacity(t.len());
    for ch in t.chars() {
        if !out.ends_with(ch) {
            out.push(ch);
        }
    }
    out
}

/// Diminutive → full names, and the same keyed by the diminutive's Latin form.
type Tables = (
    std::collections::HashMap<&'static str, Vec<&'static str>>,
    std::collections::HashMap<String, Vec<&'static str>>,
);

/// Built once.
fn tables() -> &'static Tables {
    static T: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut cyr: std::collections::HashMap<&'static str, Vec<&'static str>> = Default::default();
        let mut lat: std::collections::HashMap<String, Vec<&'static str>> = Default::default();
        for (d, full) in DIMINUTIVES {
            cyr.entry(d).or_default().extend(full.iter().copied());
            lat.entry(latin_key(d)).or_default().extend(full.iter().copied());
        }
        (cyr, lat)
    })
}

/// The full first names a typed first name may stand for (itself included).
pub fn first_name_forms(token_norm: &str) -> Vec<String> {
    let mut v = vec![token_norm.to_string()];
    if let Some(full) = tables().0.get(token_norm) {
        v.extend(full.iter().map(|f| f.to_string()));
    }
    v
}

/// Latin keys of diminutives (Masha → мария).
pub fn latin_diminutive_forms(latin: &str) -> Vec<String> {
    tables()
        .1
        .get(latin)
        .map(|v| v.iter().map(|f| f.to_string()).collect())
        .unwrap_or_default()
}

/// How alike two normalised tokens are: 1.0 equal, 0.9 one edit apart (both ≥ 5
/// letters), else 0.
pub fn token_sim(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la >= 5 && lb >= 5 && one_edit_apart(a, b, la, lb) {
        return 0.9;
    }
    0.0
}

/// No name part is this long; a longer token is compared for equality only.
const MAX_FUZZY_CHARS: usize = 64;

/// Damerau–Levenshtein distance 1. The distance is at least the difference in length, so
/// tokens further apart in length are never measured, and neither are tokens longer than
/// any name (the measure builds a table of the two lengths' product).
fn one_edit_apart(a: &str, b: &str, la: usize, lb: usize) -> bool {
    la.abs_diff(lb) <= 1 && la.max(lb) <= MAX_FUZZY_CHARS && strsim::damerau_levenshtein(a, b) == 1
}

/// A member's token against a roster name part: Cyrillic exact/typo, or Latin by
/// transliteration (exact key 0.95, one edit 0.88).
pub fn part_sim(token: &str, token_latin: bool, roster_norm: &str, roster_latin: &str) -> f64 {
    if token_latin {
        let k = squash(&token.to_lowercase());
        if k == roster_latin {
            return 0.95;
        }
        if k.len() >= 5 && roster_latin.len() >= 5 && one_edit_apart(&k, roster_latin, k.chars().count(), roster_latin.chars().count()) {
            return 0.88;
        }
        0.0
    } else {
        token_sim(token, roster_norm)
    }
}

/// A member's token against a roster first name, diminutives included.
pub fn first_sim(token: &str, token_latin: bool, roster_norm: &str, roster_latin: &str) -> f64 {
    let direct = part_sim(token, token_latin, roster_norm, roster_latin);
    if direct > 0.0 {
        return direct;
    }
    let forms = if token_latin {
        latin_diminutive_forms(&squash(&token.to_lowercase()))
    } else {
        first_name_forms(token)
    };
    if forms.iter().skip(if token_latin { 0 } else { 1 }).any(|f| f == roster_norm) {
        return if token_latin { 0.9 } else { 0.95 };
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_variants_meet() {
        assert_eq!(latin_key("Александр"), squash("aleksandr"));
        assert_eq!(squash("alexander"), squash("aleksander"));
        assert_eq!(latin_key("Юлия"), squash("yulia"));
        assert_eq!(latin_key("Пётр"), squash("petr"));
        assert_eq!(latin_key("Щукин"), squash("shchukin"));
        assert_eq!(latin_key("Евгений"), squash("evgeniy"));
    }

    #[test]
    fn similarities() {
        assert_eq!(part_sim("petrov", true, "петров", &latin_key("петров")), 0.95);
        assert_eq!(token_sim("кузнецов", "кузнецова"), 0.9);
        assert_eq!(token_sim("иванов", "петров"), 0.0);
        assert_eq!(token_sim("ли", "лю"), 0.0, "short names need exact equality");
        assert_eq!(first_sim("маша", false, "мария", &latin_key("мария")), 0.95);
        assert_eq!(first_sim("masha", true, "мария", &latin_key("мария")), 0.9);
        assert_eq!(first_sim("маша", false, "марина", &latin_key("марина")), 0.0);
        assert_eq!(norm("Семёнова-Тян"), "семеноватян");
    }
}
