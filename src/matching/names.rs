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
        // `replace` allocates even when nothing matches; most names have none of these.
        if t.contains(a) {
            t = t.replace(a, b);
        }
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
    token_sim_counted(a, a.chars().count(), b, b.chars().count())
}

/// [`token_sim`] with the letters of each side counted beforehand.
fn token_sim_counted(a: &str, la: usize, b: &str, lb: usize) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    if la >= 5 && lb >= 5 && one_edit_apart(a, b, la, lb) {
        return 0.9;
    }
    0.0
}

/// No name part is this long; a longer token is compared for equality only.
const MAX_FUZZY_CHARS: usize = 64;

/// Damerau–Levenshtein distance exactly 1, given each side's letter count. The distance
/// is at least the difference in length, so tokens further apart in length are never
/// walked, and neither are tokens longer than any name.
fn one_edit_apart(a: &str, b: &str, la: usize, lb: usize) -> bool {
    la.abs_diff(lb) <= 1 && la.max(lb) <= MAX_FUZZY_CHARS && one_edit(a, b, la, lb)
}

/// Whether `b` is `a` with exactly one letter substituted, inserted, deleted, or two
/// neighbours swapped (what `strsim::damerau_levenshtein(a, b) == 1` decides), in one
/// walk without allocating. `la`, `lb` are the letter counts.
fn one_edit(a: &str, b: &str, la: usize, lb: usize) -> bool {
    // The longer (or either) first: a deletion from it must leave the other.
    let (a, b, la, lb) = if la >= lb { (a, b, la, lb) } else { (b, a, lb, la) };
    let mut ai = a.char_indices();
    let mut bi = b.char_indices();
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return false,           // equal: distance 0
            (Some(_), None) => return la == lb + 1, // `a` has one letter more at the end
            (None, Some(_)) => return false,
            (Some((ia, ca)), Some((ib, cb))) => {
                if ca == cb {
                    continue;
                }
                let (ra, rb) = (&a[ia + ca.len_utf8()..], &b[ib + cb.len_utf8()..]);
                if la == lb {
                    // A substitution, or a swap of this letter and the next.
                    if ra == rb {
                        return true;
                    }
                    let (mut na, mut nb) = (ra.chars(), rb.chars());
                    return match (na.next(), nb.next()) {
                        (Some(xa), Some(xb)) => xa == cb && xb == ca && na.as_str() == nb.as_str(),
                        _ => false,
                    };
                }
                // One letter of `a` deleted here.
                return ra == &b[ib..];
            }
        }
    }
}

/// A name part of a roster person, normalised and transliterated once.
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// [`norm`]
    pub norm: String,
    /// [`latin_key`]
    pub latin: String,
    norm_chars: usize,
    latin_chars: usize,
}

impl Part {
    pub fn new(raw: &str) -> Part {
        let norm = norm(raw);
        let latin = latin_key(raw);
        Part {
            norm_chars: norm.chars().count(),
            latin_chars: latin.chars().count(),
            norm,
            latin,
        }
    }
}

/// A member's name word, with what comparing it needs worked out once (not once per
/// candidate).
#[derive(Debug, Clone)]
pub struct Token {
    /// [`norm`] of the word.
    pub norm: String,
    /// Written in Latin letters.
    pub latin: bool,
    /// Latin only: the word squashed the way [`latin_key`] squashes.
    pub key: String,
    /// The full first names this word may be a diminutive of (the word itself left out).
    pub forms: &'static [&'static str],
    norm_chars: usize,
    key_chars: usize,
}

impl Token {
    /// None for a word without letters.
    pub fn new(raw: &str) -> Option<Token> {
        let norm = norm(raw);
        if norm.is_empty() {
            return None;
        }
        let latin = is_latin(raw);
        let key = if latin { squash(&norm.to_lowercase()) } else { String::new() };
        let forms = if latin {
            tables().1.get(&key).map(Vec::as_slice).unwrap_or(&[])
        } else {
            tables().0.get(norm.as_str()).map(Vec::as_slice).unwrap_or(&[])
        };
        Some(Token {
            norm_chars: norm.chars().count(),
            key_chars: key.chars().count(),
            norm,
            latin,
            key,
            forms,
        })
    }

    /// Against a roster name part: Cyrillic exact/typo, or Latin by transliteration
    /// (exact key 0.95, one edit 0.88). The same as [`part_sim`].
    pub fn part_sim(&self, p: &Part) -> f64 {
        if self.latin {
            if self.key == p.latin {
                return 0.95;
            }
            if self.key.len() >= 5 && p.latin.len() >= 5 && one_edit_apart(&self.key, &p.latin, self.key_chars, p.latin_chars) {
                return 0.88;
            }
            0.0
        } else {
            token_sim_counted(&self.norm, self.norm_chars, &p.norm, p.norm_chars)
        }
    }

    /// Against a roster first name, diminutives included. The same as [`first_sim`].
    pub fn first_sim(&self, p: &Part) -> f64 {
        let direct = self.part_sim(p);
        if direct > 0.0 {
            return direct;
        }
        if self.forms.iter().any(|f| *f == p.norm) {
            return if self.latin { 0.9 } else { 0.95 };
        }
        0.0
    }
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

/// The word itself and, for a word no longer than a name may be fuzzy, every one-letter
/// deletion of it: two words one Damerau edit apart always share one of these
/// (symmetric-delete blocking).
pub fn delete_keys(s: &str) -> Vec<String> {
    let mut keys = vec![s.to_string()];
    let n = s.chars().count();
    if n <= MAX_FUZZY_CHARS + 1 {
        for (i, c) in s.char_indices() {
            let mut k = String::with_capacity(s.len());
            k.push_str(&s[..i]);
            k.push_str(&s[i + c.len_utf8()..]);
            keys.push(k);
        }
    }
    keys
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

    /// The old decision: what `one_edit_apart` asked of the generic measure.
    fn strsim_one(a: &str, b: &str) -> bool {
        let (la, lb) = (a.chars().count(), b.chars().count());
        la.abs_diff(lb) <= 1 && la.max(lb) <= MAX_FUZZY_CHARS && strsim::damerau_levenshtein(a, b) == 1
    }

    fn bounded_one(a: &str, b: &str) -> bool {
        one_edit_apart(a, b, a.chars().count(), b.chars().count())
    }

    #[test]
    fn bounded_edit_agrees_with_strsim_on_tricky_words() {
        let words = [
            "",
            "а",
            "я",
            "ё",
            "е",
            "ab",
            "ba",
            "aa",
            "абв",
            "бав",
            "авб",
            "петров",
            "петрова",
            "петро",
            "птеров",
            "петорв",
            "петрво",
            "пётров",
            "пeтров", // Latin e inside Cyrillic
            "ивaнов",
            "иванов",
            "иванoв",
            "ivanov",
            "lvanov",
            "ivanоv",
            "семенова-тян",
            "семеноватян",
            "семенова-тян-",
            "-семенова",
            "семенова--тян",
            "кузнецов",
            "кузнецова",
            "кузнецоа",
            "кузнецвоа",
            "алена",
            "алина",
            "алёна",
            "xx",
            "xxx",
            "xxxx",
            "abcabc",
            "abcbac",
            "acbabc",
            "😀б",
            "б😀",
            "😀",
            "ёё",
            "ее",
        ];
        for a in words {
            for b in words {
                assert_eq!(bounded_one(a, b), strsim_one(a, b), "{a:?} vs {b:?}");
            }
        }
        let long = "а".repeat(MAX_FUZZY_CHARS + 1);
        let longer = "а".repeat(MAX_FUZZY_CHARS + 2);
        assert!(!bounded_one(&long, &longer), "longer than any name: equality only");
    }

    #[test]
    fn bounded_edit_agrees_with_strsim_on_random_edits() {
        // A small alphabet makes repeated letters, swaps of equal letters and look-alikes common.
        let alphabet: Vec<char> = "аеёоcсpрxх-ab😀".chars().collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..20_000 {
            let len = next(9);
            let a: Vec<char> = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            // One or two random edits of `a`, or an unrelated word.
            let mut b = a.clone();
            for _ in 0..1 + next(2) {
                match next(5) {
                    0 if !b.is_empty() => {
                        let i = next(b.len());
                        b[i] = alphabet[next(alphabet.len())];
                    }
                    1 => {
                        let i = next(b.len() + 1);
                        b.insert(i, alphabet[next(alphabet.len())]);
                    }
                    2 if !b.is_empty() => {
                        b.remove(next(b.len()));
                    }
                    3 if b.len() >= 2 => {
                        let i = next(b.len() - 1);
                        b.swap(i, i + 1);
                    }
                    _ => b = (0..next(9)).map(|_| alphabet[next(alphabet.len())]).collect(),
                }
            }
            let (a, b): (String, String) = (a.into_iter().collect(), b.into_iter().collect());
            assert_eq!(bounded_one(&a, &b), strsim_one(&a, &b), "{a:?} vs {b:?}");
            assert_eq!(bounded_one(&b, &a), strsim_one(&b, &a), "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn tokens_decide_as_the_plain_functions() {
        let words = [
            "Петров",
            "petrov",
            "Petrova",
            "Пётр",
            "Petr",
            "Маша",
            "masha",
            "Мария",
            "maria",
            "Саша",
            "sasha",
            "Кузнецова",
            "kuznetsova",
            "kuznecova",
            "Семёнова-Тян",
            "semenova",
            "Алена",
            "Алина",
            "Alyona",
            "ivanov",
            "Ivanoff",
            "Yulia",
            "Юлия",
            "Julia",
            "Иванович",
            "ivanovich",
            "Ли",
            "li",
            "Lee",
        ];
        for raw in words {
            let t = Token::new(raw).expect("letters");
            for other in words {
                let p = Part::new(other);
                assert_eq!(t.part_sim(&p), part_sim(&t.norm, t.latin, &p.norm, &p.latin), "{raw} ~ {other}");
                assert_eq!(t.first_sim(&p), first_sim(&t.norm, t.latin, &p.norm, &p.latin), "{raw} ~ {other}");
            }
        }
        assert!(Token::new("-- 1").is_none());
    }

    #[test]
    fn words_one_edit_apart_share_a_delete_key() {
        for (a, b) in [
            ("петров", "птеров"),
            ("алена", "алина"),
            ("ivanov", "ivanv"),
            ("ab", "ba"),
            ("a", "b"),
            ("я", ""),
        ] {
            let ka = delete_keys(a);
            assert!(delete_keys(b).iter().any(|k| ka.contains(k)), "{a} / {b}");
        }
    }
}
