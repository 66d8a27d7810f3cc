//! The platform snapshot: what the MAX Bot API returns for the organisation's chats
//! (`GET /chats/{chatId}`, `GET /chats/{chatId}/members`), and the truth about every
//! member — who they are on the roster — so the identity matcher can be measured.
//!
//! Writes `platform/chats.json`, `platform/members/<chat_id>.json` and
//! `platform-truth.json` beside them. Every draw comes from streams derived from the
//! seed here (never from the sample's own streams), so the roster files stay as they were.

use crate::date::Date;
use crate::names::{self, FEMALE, MALE, Person, SURNAMES};
use crate::rng::Rng;
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

// ---- input ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Student,
    Parent,
    Staff,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Student => "student",
            Kind::Parent => "parent",
            Kind::Staff => "staff",
        }
    }
}

/// A person of the roster files, spelled as the roster spells them (canonical, ё kept).
pub struct PersonIn {
    pub p: Person,
    pub kind: Kind,
    /// Students only: the birth date as the roster gives it (None when the roster's date
    /// is missing or invalid).
    pub birth_date: Option<Date>,
    /// Parents only: the phone as E.164 (None when the roster has none or an invalid one).
    pub phone: Option<String>,
}

pub struct GroupIn {
    pub name: String,
    pub branch: Option<String>,
    /// Roster students whose group this is (person indices).
    pub students: Vec<usize>,
    /// Roster parents of those students (person indices, each once).
    pub parents: Vec<usize>,
    pub curator: Option<usize>,
    /// Its students may sit in the unplaceable flood chat.
    pub flood: bool,
}

/// A chat with fixed members: a branch's staff room, a class's teachers, or a subject
/// chat of a class (its teacher and some of its students).
pub struct StaffChatIn {
    pub title: String,
    pub branch: Option<String>,
    pub group: Option<String>,
    pub audience: &'static str,
    /// The subject of a subject chat (`audience = "subject"`).
    pub subject: Option<String>,
    pub members: Vec<usize>,
}

/// A student who left (not in the roster files) and their parents, still in the chats.
pub struct DepartedIn {
    pub group: usize,
    pub student: Person,
    pub parents: Vec<Person>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    College,
    School,
}

pub struct Plan {
    pub old_group: usize,
    pub strangers: usize,
    /// Of the strangers, how many sit in the flood chat.
    pub strangers_in_flood: usize,
    pub second_accounts: usize,
    pub non_admin_curator_chats: usize,
    /// Missing chats: this many groups lack a students' chat, as many a parents' chat.
    pub missing: usize,
    pub flood_title: String,
    pub flood_size: usize,
    pub null_links: usize,
}

pub struct Input {
    pub seed: u64,
    pub scale: u32,
    /// The sample's name: labels the random streams.
    pub label: &'static str,
    pub style: Style,
    pub people: Vec<PersonIn>,
    pub groups: Vec<GroupIn>,
    pub staff_chats: Vec<StaffChatIn>,
    pub departed: Vec<DepartedIn>,
    /// Students that must sit in their group's chat (e.g. ones the tool drops for a
    /// planted roster error: they stay unmatched, and that is measured too).
    pub forced: Vec<usize>,
    pub plan: Plan,
}

// ---- output (field order = the API's) -----------------------------------------------------

#[derive(Serialize)]
struct ApiChat {
    chat_id: i64,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    title: String,
    icon: Option<()>,
    description: Option<()>,
    last_event_time: i64,
    participants_count: usize,
    is_public: bool,
    owner_id: i64,
    link: Option<String>,
}

#[derive(Serialize)]
struct ApiChatList<'a> {
    chats: &'a [ApiChat],
}

#[derive(Serialize)]
struct ApiMember<'a> {
    user_id: i64,
    first_name: &'a str,
    last_name: Option<&'a str>,
    username: Option<()>,
    is_bot: bool,
    last_activity_time: i64,
    name: Option<()>,
    description: Option<()>,
    last_access_time: i64,
    is_owner: bool,
    is_admin: bool,
    join_time: i64,
    permissions: Option<&'static [&'static str]>,
}

#[derive(Serialize)]
struct ApiMembersList<'a> {
    members: Vec<ApiMember<'a>>,
    marker: Option<()>,
}

#[derive(Serialize)]
struct TruthPerson<'a> {
    kind: &'static str,
    surname: &'a str,
    first_name: &'a str,
    patronymic: &'a str,
    birth_date: Option<String>,
    phone: Option<&'a str>,
}

#[derive(Serialize)]
struct TruthMember<'a> {
    chat_id: i64,
    user_id: i64,
    display: String,
    person: Option<TruthPerson<'a>>,
    noise: Vec<&'static str>,
    category: &'static str,
}

#[derive(Serialize)]
struct TruthChat<'a> {
    chat_id: i64,
    title: &'a str,
    branch: Option<&'a str>,
    group: Option<&'a str>,
    audience: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
}

#[derive(Serialize)]
struct MissingChat<'a> {
    branch: Option<&'a str>,
    group: &'a str,
    audience: &'static str,
}

#[derive(Serialize)]
struct Truth<'a> {
    seed: u64,
    scale: u32,
    members: Vec<TruthMember<'a>>,
    chats: Vec<TruthChat<'a>>,
    missing_chats: Vec<MissingChat<'a>>,
}

const OWNER_PERMISSIONS: &[&str] = &[
    "read_all_messages",
    "add_remove_members",
    "add_admins",
    "change_chat_info",
    "pin_message",
    "write",
    "can_call",
    "edit_link",
];
const ADMIN_PERMISSIONS: &[&str] = &[
    "read_all_messages",
    "add_remove_members",
    "change_chat_info",
    "pin_message",
    "write",
    "can_call",
    "edit_link",
];

// ---- noise ----------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Noise {
    Swapped,
    Latin,
    Diminutive,
    NoSurname,
    Yo,
    Typo,
    PatronymicInFirst,
}

impl Noise {
    pub fn as_str(self) -> &'static str {
        match self {
            Noise::Swapped => "swapped",
            Noise::Latin => "latin",
            Noise::Diminutive => "diminutive",
            Noise::NoSurname => "no_surname",
            Noise::Yo => "yo",
            Noise::Typo => "typo",
            Noise::PatronymicInFirst => "patronymic_in_first",
        }
    }
}

/// Target shares in per mille of the members that have a roster person.
pub const NOISE_SHARES: &[(Noise, u32)] = &[
    (Noise::Swapped, 100),
    (Noise::Latin, 50),
    (Noise::Diminutive, 50),
    (Noise::NoSurname, 40),
    (Noise::Yo, 40),
    (Noise::Typo, 20),
    (Noise::PatronymicInFirst, 20),
];

/// Filled in this order: the kinds few names qualify for first.
const FILL_ORDER: &[Noise] = &[
    Noise::Yo,
    Noise::Typo,
    Noise::Diminutive,
    Noise::PatronymicInFirst,
    Noise::NoSurname,
    Noise::Latin,
    Noise::Swapped,
];

/// Two kinds that make sense on one name.
fn compatible(a: Noise, b: Noise) -> bool {
    use Noise::*;
    let pair = |x: Noise, y: Noise| (a == x && b == y) || (a == y && b == x);
    pair(Swapped, Latin)
        || pair(Swapped, Diminutive)
        || pair(Swapped, Yo)
        || pair(Swapped, Typo)
        || pair(Latin, NoSurname)
        || pair(Latin, Diminutive)
        || pair(Diminutive, NoSurname)
        || pair(Diminutive, Yo)
        || pair(Diminutive, Typo)
        || pair(NoSurname, Yo)
        || pair(NoSurname, PatronymicInFirst)
        || pair(Yo, Typo)
        || pair(Yo, PatronymicInFirst)
        || pair(Typo, PatronymicInFirst)
}

/// Full first name → the diminutive people put in their profile. Shared with the matcher
/// (gen/README.md lists it). Евгений and Евгения both give «Женя»; Вячеслав and Ярослав
/// both give «Слава».
pub const DIMINUTIVES: &[(&str, &str)] = &[
    ("Александр", "Саша"),
    ("Алексей", "Лёша"),
    ("Андрей", "Андрюша"),
    ("Артём", "Тёма"),
    ("Борис", "Боря"),
    ("Валерий", "Валера"),
    ("Василий", "Вася"),
    ("Виктор", "Витя"),
    ("Владимир", "Вова"),
    ("Владислав", "Влад"),
    ("Вячеслав", "Слава"),
    ("Геннадий", "Гена"),
    ("Григорий", "Гриша"),
    ("Даниил", "Даня"),
    ("Дмитрий", "Дима"),
    ("Евгений", "Женя"),
    ("Егор", "Егорка"),
    ("Иван", "Ваня"),
    ("Илья", "Илюша"),
    ("Кирилл", "Кирюша"),
    ("Константин", "Костя"),
    ("Лев", "Лёва"),
    ("Леонид", "Лёня"),
    ("Максим", "Макс"),
    ("Михаил", "Миша"),
    ("Николай", "Коля"),
    ("Павел", "Паша"),
    ("Пётр", "Петя"),
    ("Роман", "Рома"),
    ("Семён", "Сёма"),
    ("Сергей", "Серёжа"),
    ("Станислав", "Стас"),
    ("Степан", "Стёпа"),
    ("Тимофей", "Тима"),
    ("Фёдор", "Федя"),
    ("Юрий", "Юра"),
    ("Ярослав", "Слава"),
    ("Анастасия", "Настя"),
    ("Анна", "Аня"),
    ("Валентина", "Валя"),
    ("Валерия", "Лера"),
    ("Варвара", "Варя"),
    ("Вероника", "Ника"),
    ("Виктория", "Вика"),
    ("Галина", "Галя"),
    ("Дарья", "Даша"),
    ("Евгения", "Женя"),
    ("Екатерина", "Катя"),
    ("Елена", "Лена"),
    ("Елизавета", "Лиза"),
    ("Ирина", "Ира"),
    ("Ксения", "Ксюша"),
    ("Лидия", "Лида"),
    ("Лилия", "Лиля"),
    ("Любовь", "Люба"),
    ("Людмила", "Люда"),
    ("Маргарита", "Рита"),
    ("Мария", "Маша"),
    ("Надежда", "Надя"),
    ("Наталья", "Наташа"),
    ("Олеся", "Леся"),
    ("Ольга", "Оля"),
    ("Полина", "Поля"),
    ("Светлана", "Света"),
    ("Софья", "Соня"),
    ("Таисия", "Тася"),
    ("Татьяна", "Таня"),
    ("Ульяна", "Уля"),
    ("Юлия", "Юля"),
];

pub fn diminutive(first: &str) -> Option<&'static str> {
    DIMINUTIVES.iter().find(|(f, _)| *f == first).map(|(_, d)| *d)
}

/// GOST-like Latin transliteration keeping capitals and hyphens: «Пётр Щукин» →
/// «Pyotr Shchukin» (`yo`) or «Petr Shchukin».
pub fn latin(s: &str, yo: bool) -> String {
    let style = if yo { translit::Style::CommonYo } else { translit::Style::Common };
    translit::transliterate(s, style)
}

const TYPO_LETTERS: &[char] = &['а', 'о', 'е', 'и', 'у', 'ы', 'к', 'л', 'м', 'н', 'п', 'р', 'с', 'т', 'в', 'г', 'д'];

/// One letter of the surname replaced, dropped or doubled (never the first letter).
fn typo(s: &str, r: u64) -> String {
    let chars: Vec<char> = s.chars().collect();
    let spots: Vec<usize> = (1..chars.len()).filter(|&i| chars[i].is_lowercase()).collect();
    if spots.is_empty() {
        return s.to_string();
    }
    let at = spots[(r % spots.len() as u64) as usize];
    let r2 = r / spots.len() as u64;
    let mut out = chars.clone();
    match r2 % 3 {
        0 => {
            let cur = chars[at];
            let cands: Vec<char> = TYPO_LETTERS.iter().copied().filter(|&c| c != cur).collect();
            out[at] = cands[((r2 / 3) % cands.len() as u64) as usize];
        }
        1 => {
            out.remove(at);
        }
        _ => out.insert(at, chars[at]),
    }
    out.into_iter().collect()
}

fn letters(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphabetic()).count()
}

/// How one account's name is shown: the person's names with the account's noise.
struct NoiseParams {
    typo: u64,
    latin_yo: bool,
    empty_surname: bool,
}

fn render(p: &Person, kinds: &[Noise], np: &NoiseParams) -> (String, Option<String>) {
    let has = |k: Noise| kinds.contains(&k);
    let mut first = p.first.clone();
    let mut sur = p.surname.clone();
    if has(Noise::Diminutive) {
        first = diminutive(&first).unwrap_or(&first).to_string();
    }
    if has(Noise::Typo) {
        sur = typo(&sur, np.typo);
    }
    if has(Noise::PatronymicInFirst) {
        first = format!("{first} {}", p.patronymic);
    }
    if has(Noise::Latin) {
        first = latin(&first, np.latin_yo);
        sur = latin(&sur, np.latin_yo);
    }
    let (mut f, mut l) = if has(Noise::Swapped) {
        (sur, Some(first))
    } else {
        (first, Some(sur))
    };
    if has(Noise::NoSurname) {
        l = if np.empty_surname { Some(String::new()) } else { None };
    }
    if has(Noise::Yo) {
        f = names::without_yo(&f);
        l = l.map(|s| names::without_yo(&s));
    }
    (f, l)
}

/// Every kind on the name does something visible, and the kinds go together.
fn valid(p: &Person, kinds: &[Noise], np: &NoiseParams) -> bool {
    if kinds.len() > 2 {
        return false;
    }
    if kinds.len() == 2 && !compatible(kinds[0], kinds[1]) {
        return false;
    }
    for &k in kinds {
        let ok = match k {
            Noise::Diminutive => diminutive(&p.first).is_some(),
            Noise::Typo => letters(&p.surname) >= 5,
            Noise::Yo => {
                let rest: Vec<Noise> = kinds.iter().copied().filter(|&x| x != Noise::Yo).collect();
                let (f, l) = render(p, &rest, np);
                f.contains(['ё', 'Ё']) || l.is_some_and(|l| l.contains(['ё', 'Ё']))
            }
            _ => true,
        };
        if !ok {
            return false;
        }
    }
    true
}

// ---- the snapshot -------------------------------------------------------------------------------

const CAT_REGULAR: &str = "regular";
const CAT_CURATOR: &str = "curator";
const CAT_DEPARTED_STUDENT: &str = "departed_student";
const CAT_DEPARTED_PARENT: &str = "departed_parent";
const CAT_OLD_GROUP: &str = "old_group";
const CAT_STRANGER: &str = "stranger";
const CAT_SECOND_ACCOUNT: &str = "second_account";
const CAT_NAMESAKE: &str = "namesake";
const CAT_SIBLING_PARENT: &str = "sibling_parent";
const CAT_ORG_ADMIN: &str = "org_admin";

const NICKNAMES: &[&str] = &[
    "Котик",
    "Solnce",
    "Зайка",
    "Lucky",
    "Тень",
    "Пушистик",
    "Ghost",
    "Ромашка",
    "Лисёнок",
    "Бро",
    "Kitty",
    "Няшка",
];

enum Base {
    /// A roster person (index into `Input::people`).
    Roster(usize),
    /// Someone the roster does not list: shown as given.
    Named(String, Option<String>),
}

struct Account {
    user_id: i64,
    base: Base,
    kinds: Vec<Noise>,
    np: NoiseParams,
    first_name: String,
    last_name: Option<String>,
    last_activity: i64,
}

impl Account {
    fn person(&self) -> Option<usize> {
        match self.base {
            Base::Roster(p) => Some(p),
            Base::Named(..) => None,
        }
    }
}

struct Member {
    account: usize,
    category: &'static str,
    admin: bool,
    owner: bool,
    join: i64,
    access: i64,
}

struct Chat {
    chat_id: i64,
    title: String,
    branch: Option<String>,
    group: Option<String>,
    audience: Option<&'static str>,
    subject: Option<String>,
    created: i64,
    link: Option<String>,
    members: Vec<Member>,
}

impl Chat {
    fn has(&self, account: usize) -> bool {
        self.members.iter().any(|m| m.account == account)
    }
}

/// Unix time in milliseconds of a Moscow wall-clock moment.
fn msk_ms(d: Date, h: i64, m: i64) -> i64 {
    (d.days() * 86_400 + h * 3600 + m * 60 - 3 * 3600) * 1000
}

const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/";

fn token(rng: &mut Rng, alphabet: &[u8], n: usize) -> String {
    (0..n).map(|_| alphabet[rng.below(alphabet.len())] as char).collect()
}

fn shuffle<T>(rng: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
}

struct Builder {
    accounts: Vec<Account>,
    primary: Vec<Option<usize>>,
    user_ids: HashSet<i64>,
    ids: Rng,
}

impl Builder {
    fn new_account(&mut self, base: Base) -> usize {
        let user_id = loop {
            let id = 100_000_000 + self.ids.below(900_000_000) as i64;
            if self.user_ids.insert(id) {
                break id;
            }
        };
        let np = NoiseParams {
            typo: self.ids.next_u64(),
            latin_yo: self.ids.percent(50),
            empty_surname: self.ids.percent(40),
        };
        self.accounts.push(Account {
            user_id,
            base,
            kinds: Vec::new(),
            np,
            first_name: String::new(),
            last_name: None,
            last_activity: 0,
        });
        self.accounts.len() - 1
    }

    /// The person's (first) account.
    fn account_of(&mut self, pid: usize) -> usize {
        if let Some(a) = self.primary[pid] {
            return a;
        }
        let a = self.new_account(Base::Roster(pid));
        self.primary[pid] = Some(a);
        a
    }
}

fn join(chat: &mut Chat, account: usize, category: &'static str, admin: bool) {
    chat.members.push(Member {
        account,
        category,
        admin,
        owner: false,
        join: 0,
        access: 0,
    });
}

fn name_pair_key(p: &Person) -> String {
    names::name_key(&format!("{} {}", p.surname, p.first))
}

/// How many times a stranger's name is drawn before [`free_pair`] falls back to its
/// fixed order. The samples (scale 1) never come near it, so their bytes stay as they were.
const STRANGER_DRAWS: usize = 64;

/// A stranger's first name and surname, a pair nobody in `taken` has (it is added to
/// `taken`). The usual draw first, at most [`STRANGER_DRAWS`] times; when the roster holds
/// nearly every pair of the name lists (≈15.7 k, 97 % taken at scale 50), the pairs in a
/// fixed order from `cursor` on, then double surnames («Иванов-Сорокин»), a pool no
/// roster exhausts. `cursor` only moves forward, so all the strangers together cost time
/// linear in their number plus the size of the pool.
fn free_pair(rng: &mut Rng, taken: &mut HashSet<String>, cursor: &mut usize) -> (String, String) {
    for _ in 0..STRANGER_DRAWS {
        let female = rng.percent(60);
        let first = if female {
            rng.pick(FEMALE).to_string()
        } else {
            rng.pick(MALE).0.to_string()
        };
        let base = *rng.pick(SURNAMES);
        let sur = names::surname_form(base, female);
        if taken.insert(pair_key(&sur, &first)) {
            return (first, sur);
        }
    }
    loop {
        let (first, sur) = nth_pair(*cursor).expect("the double surnames outnumber any roster's names");
        *cursor += 1;
        if taken.insert(pair_key(&sur, &first)) {
            return (first, sur);
        }
    }
}

fn pair_key(surname: &str, first: &str) -> String {
    names::name_key(&format!("{surname} {first}"))
}

/// The `i`-th (first name, surname) pair of the fixed order [`free_pair`] falls back to:
/// every first name (female and male) with every surname, then with every double surname
/// of two different surnames. None past the end.
fn nth_pair(i: usize) -> Option<(String, String)> {
    let firsts = FEMALE.len() + MALE.len();
    let first = |k: usize| -> (String, bool) {
        if k < FEMALE.len() {
            (FEMALE[k].to_string(), true)
        } else {
            (MALE[k - FEMALE.len()].0.to_string(), false)
        }
    };
    let n = SURNAMES.len();
    let single = firsts * n;
    if i < single {
        let (f, female) = first(i % firsts);
        return Some((f, names::surname_form(SURNAMES[i / firsts], female)));
    }
    let j = i - single;
    let (f, female) = first(j % firsts);
    let pair = j / firsts; // over the ordered pairs (a, b), a ≠ b
    let a = pair / (n - 1);
    if a >= n {
        return None;
    }
    let mut b = pair % (n - 1);
    if b >= a {
        b += 1;
    }
    let base = format!("{}-{}", SURNAMES[a], SURNAMES[b]);
    Some((f, names::surname_form(&base, female)))
}

fn college_students_title(rng: &mut Rng, g: &str) -> String {
    match rng.below(10) {
        0..=3 => format!("{g} Студенты"),
        4..=5 => format!("Группа {g} — студенты"),
        6..=7 => format!("Студенты {g}"),
        _ => format!("{g} студенты"),
    }
}

fn college_parents_title(rng: &mut Rng, g: &str) -> String {
    match rng.below(10) {
        0..=3 => format!("{g} Родители"),
        4..=6 => format!("Родители {g}"),
        7..=8 => format!("Родители группы {g}"),
        _ => format!("{g} — родители"),
    }
}

fn school_students_title(rng: &mut Rng, c: &str) -> String {
    match rng.below(10) {
        0..=6 => format!("{c} класс"),
        7..=8 => format!("Ученики {c}"),
        _ => format!("{c} класс — ученики"),
    }
}

fn school_parents_title(rng: &mut Rng, c: &str) -> String {
    match rng.below(10) {
        0..=4 => format!("Родители {c}"),
        5..=7 => format!("{c} Родители"),
        _ => format!("Родители {c} класса"),
    }
}

/// What the snapshot holds, for the summary line and the tests.
#[derive(Debug, Default)]
pub struct Stats {
    pub chats: usize,
    pub members: usize,
    pub accounts: usize,
    /// Roster students of groups that have a students' chat (old_group movers aside).
    pub students: usize,
    /// … of them in their group's students' chat.
    pub students_seated: usize,
    /// (parent, group) pairs of groups that have a parents' chat.
    pub parents: usize,
    /// … of them in that parents' chat.
    pub parents_seated: usize,
}

/// Who is on the roster: (students, parents, staff).
pub fn roster_counts(people: &[PersonIn]) -> (usize, usize, usize) {
    let n = |k: Kind| people.iter().filter(|p| p.kind == k).count();
    (n(Kind::Student), n(Kind::Parent), n(Kind::Staff))
}

/// Builds the snapshot and writes it under `dir`.
pub fn write(dir: &Path, input: &Input) -> Result<Stats> {
    let label = input.label;
    let mut crng = Rng::derive(input.seed, &format!("{label}/platform/chats"));
    let mut mrng = Rng::derive(input.seed, &format!("{label}/platform/members"));
    let mut nrng = Rng::derive(input.seed, &format!("{label}/platform/noise"));
    let mut trng = Rng::derive(input.seed, &format!("{label}/platform/times"));
    let mut b = Builder {
        accounts: Vec::new(),
        primary: vec![None; input.people.len()],
        user_ids: HashSet::new(),
        ids: Rng::derive(input.seed, &format!("{label}/platform/ids")),
    };
    let people = &input.people;
    let groups = &input.groups;
    let plan = &input.plan;

    // ---- who is special ------------------------------------------------------------------
    // namesake students: the same surname and first name in different groups of one branch
    // (branch, «surname first») → (group, student)
    type ByName<'a> = BTreeMap<(Option<&'a str>, String), Vec<(usize, usize)>>;
    let mut by_name: ByName = BTreeMap::new();
    for (gi, g) in groups.iter().enumerate() {
        for &s in &g.students {
            by_name
                .entry((g.branch.as_deref(), name_pair_key(&people[s].p)))
                .or_default()
                .push((gi, s));
        }
    }
    let mut namesake: BTreeSet<usize> = BTreeSet::new();
    let mut student_sets: Vec<Vec<usize>> = Vec::new();
    for list in by_name.values() {
        let set: Vec<usize> = list
            .iter()
            .filter(|&&(ga, _)| list.iter().any(|&(gb, _)| gb != ga))
            .map(|&(_, s)| s)
            .collect();
        if !set.is_empty() {
            namesake.extend(set.iter().copied());
            student_sets.push(set);
        }
    }
    // namesake parents: two parents with the same full name
    let mut parent_names: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut parent_groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (gi, g) in groups.iter().enumerate() {
        for &p in &g.parents {
            parent_names.entry(people[p].p.key()).or_default().insert(p);
            parent_groups.entry(p).or_default().push(gi);
        }
    }
    let mut parent_sets: Vec<Vec<usize>> = Vec::new();
    for set in parent_names.values() {
        if set.len() > 1 {
            namesake.extend(set.iter().copied());
            parent_sets.push(set.iter().copied().collect());
        }
    }
    // every namesake is labelled; `scale` sets of each kind are sure to sit in their
    // chats (large scales have many natural namesakes: those sit like anyone else)
    let mut pinned: BTreeSet<usize> = BTreeSet::new();
    {
        let mut srng = Rng::derive(input.seed, &format!("{label}/platform/namesakes"));
        for mut sets in [student_sets, parent_sets] {
            shuffle(&mut srng, &mut sets);
            for set in sets.into_iter().take(input.scale as usize) {
                pinned.extend(set);
            }
        }
    }
    let sibling: BTreeSet<usize> = parent_groups.iter().filter(|(_, gs)| gs.len() > 1).map(|(&p, _)| p).collect();
    let forced: BTreeSet<usize> = input.forced.iter().copied().collect();
    let departed_groups: BTreeSet<usize> = input.departed.iter().map(|d| d.group).collect();
    // a missing chat must not hide what is planted in it
    let mut free_students: Vec<usize> = (0..groups.len())
        .filter(|gi| !departed_groups.contains(gi) && !groups[*gi].students.iter().any(|s| forced.contains(s) || pinned.contains(s)))
        .collect();
    let mut free_parents: Vec<usize> = (0..groups.len())
        .filter(|gi| !groups[*gi].parents.iter().any(|p| sibling.contains(p) || pinned.contains(p)))
        .collect();
    shuffle(&mut crng, &mut free_students);
    shuffle(&mut crng, &mut free_parents);
    // groups with departed students last: their parents should keep their chat
    free_parents.sort_by_key(|g| departed_groups.contains(g));
    // parents first: fewer groups qualify (siblings, namesakes)
    let missing_parents: BTreeSet<usize> = free_parents.iter().take(plan.missing).copied().collect();
    let missing_students: BTreeSet<usize> = free_students
        .iter()
        .filter(|g| !missing_parents.contains(g))
        .take(plan.missing)
        .copied()
        .collect();

    // ---- chats -----------------------------------------------------------------------------------
    let mut chats: Vec<Chat> = Vec::new();
    let mut chat_ids: HashSet<i64> = HashSet::new();
    let mut new_chat =
        |crng: &mut Rng, title: String, branch: Option<String>, group: Option<String>, audience: Option<&'static str>| -> Chat {
            let chat_id = loop {
                let id = -(7_000_000_000_000 + crng.below(1_000_000_000_000) as i64);
                if chat_ids.insert(id) {
                    break id;
                }
            };
            Chat {
                chat_id,
                title,
                branch,
                group,
                audience,
                subject: None,
                created: 0,
                link: None,
                members: Vec::new(),
            }
        };
    let mut students_chat: Vec<Option<usize>> = vec![None; groups.len()];
    let mut parents_chat: Vec<Option<usize>> = vec![None; groups.len()];
    let mut missing_chats: Vec<MissingChat> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        let (st, pt) = match input.style {
            Style::College => (
                college_students_title(&mut crng, &g.name),
                college_parents_title(&mut crng, &g.name),
            ),
            Style::School => (school_students_title(&mut crng, &g.name), school_parents_title(&mut crng, &g.name)),
        };
        if missing_students.contains(&gi) {
            missing_chats.push(MissingChat {
                branch: g.branch.as_deref(),
                group: &g.name,
                audience: "students",
            });
        } else {
            chats.push(new_chat(&mut crng, st, g.branch.clone(), Some(g.name.clone()), Some("students")));
            students_chat[gi] = Some(chats.len() - 1);
        }
        if missing_parents.contains(&gi) {
            missing_chats.push(MissingChat {
                branch: g.branch.as_deref(),
                group: &g.name,
                audience: "parents",
            });
        } else {
            chats.push(new_chat(&mut crng, pt, g.branch.clone(), Some(g.name.clone()), Some("parents")));
            parents_chat[gi] = Some(chats.len() - 1);
        }
    }
    let mut staff_chat_at = Vec::new();
    for sc in &input.staff_chats {
        chats.push(new_chat(
            &mut crng,
            sc.title.clone(),
            sc.branch.clone(),
            sc.group.clone(),
            Some(sc.audience),
        ));
        let last = chats.len() - 1;
        chats[last].subject = sc.subject.clone();
        staff_chat_at.push(last);
    }
    chats.push(new_chat(&mut crng, plan.flood_title.clone(), None, None, None));
    let flood_chat = chats.len() - 1;

    // the organisation's admin account owns every chat
    let admin = b.new_account(Base::Named("Администратор".into(), Some("Сферум".into())));

    // ---- students ----------------------------------------------------------------------------------
    // old_group: a student who sits in another group's chat of their branch, not their own
    let mut movers: Vec<(usize, usize)> = Vec::new(); // (student, target group)
    {
        let mut cands: Vec<(usize, usize)> = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            if students_chat[gi].is_none() {
                continue;
            }
            let has_target = groups
                .iter()
                .enumerate()
                .any(|(gj, h)| gj != gi && h.branch == g.branch && students_chat[gj].is_some());
            if !has_target {
                continue;
            }
            for &s in &g.students {
                if !forced.contains(&s) && !namesake.contains(&s) {
                    cands.push((gi, s));
                }
            }
        }
        shuffle(&mut mrng, &mut cands);
        let mut used_groups = BTreeSet::new();
        for &(gi, s) in &cands {
            if movers.len() >= plan.old_group {
                break;
            }
            if !used_groups.insert(gi) {
                continue;
            }
            let targets: Vec<usize> = (0..groups.len())
                .filter(|&gj| gj != gi && groups[gj].branch == groups[gi].branch && students_chat[gj].is_some())
                .collect();
            let t = *mrng.pick(&targets);
            movers.push((s, t));
        }
    }
    let moved: BTreeSet<usize> = movers.iter().map(|&(s, _)| s).collect();
    let mut stats = Stats::default();
    for (gi, g) in groups.iter().enumerate() {
        let Some(ci) = students_chat[gi] else { continue };
        let pool: Vec<usize> = g.students.iter().copied().filter(|s| !moved.contains(s)).collect();
        stats.students += pool.len();
        let must: Vec<usize> = pool.iter().copied().filter(|s| forced.contains(s) || pinned.contains(s)).collect();
        let mut rest: Vec<usize> = pool.iter().copied().filter(|s| !must.contains(s)).collect();
        shuffle(&mut mrng, &mut rest);
        let share = mrng.range(85, 90) as usize;
        let k = ((pool.len() * share + 50) / 100).max(must.len());
        let mut take = must;
        take.extend(rest.into_iter().take(k - take.len()));
        take.sort_unstable();
        stats.students_seated += take.len();
        for s in take {
            let a = b.account_of(s);
            let cat = if namesake.contains(&s) { CAT_NAMESAKE } else { CAT_REGULAR };
            join(&mut chats[ci], a, cat, false);
        }
    }
    for &(s, t) in &movers {
        let a = b.account_of(s);
        let ci = students_chat[t].expect("target chat");
        join(&mut chats[ci], a, CAT_OLD_GROUP, false);
    }

    // ---- parents ---------------------------------------------------------------------------------------
    for (gi, g) in groups.iter().enumerate() {
        let Some(ci) = parents_chat[gi] else { continue };
        let must: Vec<usize> = g
            .parents
            .iter()
            .copied()
            .filter(|p| sibling.contains(p) || pinned.contains(p))
            .collect();
        let mut rest: Vec<usize> = g.parents.iter().copied().filter(|p| !must.contains(p)).collect();
        shuffle(&mut mrng, &mut rest);
        let share = mrng.range(75, 85) as usize;
        let k = ((g.parents.len() * share + 50) / 100).max(must.len());
        let mut take = must;
        take.extend(rest.into_iter().take(k - take.len()));
        take.sort_unstable();
        stats.parents += g.parents.len();
        stats.parents_seated += take.len();
        for p in take {
            let a = b.account_of(p);
            let cat = if sibling.contains(&p) {
                CAT_SIBLING_PARENT
            } else if namesake.contains(&p) {
                CAT_NAMESAKE
            } else {
                CAT_REGULAR
            };
            join(&mut chats[ci], a, cat, false);
        }
    }

    // ---- curators ------------------------------------------------------------------------------------------
    let mut curator_seats: Vec<(usize, usize)> = Vec::new(); // (chat, member index)
    for (gi, g) in groups.iter().enumerate() {
        let Some(c) = g.curator else { continue };
        let a = b.account_of(c);
        for ci in [students_chat[gi], parents_chat[gi]].into_iter().flatten() {
            join(&mut chats[ci], a, CAT_CURATOR, true);
            curator_seats.push((ci, chats[ci].members.len() - 1));
        }
    }
    shuffle(&mut mrng, &mut curator_seats);
    for &(ci, mi) in curator_seats.iter().take(plan.non_admin_curator_chats) {
        chats[ci].members[mi].admin = false;
    }

    // ---- staff rooms -----------------------------------------------------------------------------------------
    for (k, sc) in input.staff_chats.iter().enumerate() {
        let ci = staff_chat_at[k];
        for &p in &sc.members {
            let a = b.account_of(p);
            if !chats[ci].has(a) {
                join(&mut chats[ci], a, CAT_REGULAR, false);
            }
        }
    }

    // ---- departed students and their parents -----------------------------------------------------------------
    for d in &input.departed {
        if let Some(ci) = students_chat[d.group] {
            let a = b.new_account(Base::Named(d.student.first.clone(), Some(d.student.surname.clone())));
            join(&mut chats[ci], a, CAT_DEPARTED_STUDENT, false);
        }
        if let Some(ci) = parents_chat[d.group] {
            for (k, p) in d.parents.iter().enumerate() {
                if k == 0 || mrng.percent(85) {
                    let a = b.new_account(Base::Named(p.first.clone(), Some(p.surname.clone())));
                    join(&mut chats[ci], a, CAT_DEPARTED_PARENT, false);
                }
            }
        }
    }

    // ---- the flood chat ------------------------------------------------------------------------------------------
    {
        let mut pool: Vec<usize> = groups.iter().filter(|g| g.flood).flat_map(|g| g.students.iter().copied()).collect();
        pool.sort_unstable();
        pool.dedup();
        shuffle(&mut mrng, &mut pool);
        let mut take: Vec<usize> = pool.into_iter().take(plan.flood_size).collect();
        take.sort_unstable();
        for s in take {
            let a = b.account_of(s);
            join(&mut chats[flood_chat], a, CAT_REGULAR, false);
        }
    }

    // ---- strangers ----------------------------------------------------------------------------------------------------
    {
        let mut taken: HashSet<String> = people.iter().map(|p| name_pair_key(&p.p)).collect();
        for d in &input.departed {
            taken.insert(name_pair_key(&d.student));
            for p in &d.parents {
                taken.insert(name_pair_key(p));
            }
        }
        let group_chats: Vec<usize> = students_chat.iter().chain(parents_chat.iter()).flatten().copied().collect();
        let mut nick = 0;
        let mut cursor = 0;
        for k in 0..plan.strangers {
            let base = if mrng.percent(35) {
                let n = NICKNAMES[(nick + mrng.below(3)) % NICKNAMES.len()];
                nick += 3;
                Base::Named(n.to_string(), None)
            } else {
                let (first, sur) = free_pair(&mut mrng, &mut taken, &mut cursor);
                Base::Named(first, Some(sur))
            };
            let a = b.new_account(base);
            let ci = if k < plan.strangers_in_flood {
                flood_chat
            } else {
                *mrng.pick(&group_chats)
            };
            join(&mut chats[ci], a, CAT_STRANGER, false);
        }
    }

    // ---- second accounts ----------------------------------------------------------------------------------------------
    {
        let mut seats_of: Vec<u32> = vec![0; b.accounts.len()];
        for c in &chats {
            for m in &c.members {
                seats_of[m.account] += 1;
            }
        }
        let mut cands: Vec<(usize, usize)> = Vec::new(); // (chat, member)
        for (ci, c) in chats.iter().enumerate() {
            if !matches!(c.audience, Some("students") | Some("parents")) {
                continue;
            }
            for (mi, m) in c.members.iter().enumerate() {
                if m.category == CAT_REGULAR && seats_of[m.account] == 1 && b.accounts[m.account].person().is_some() {
                    cands.push((ci, mi));
                }
            }
        }
        shuffle(&mut mrng, &mut cands);
        // two parents for one student
        let mut parents_n = (plan.second_accounts * 2).div_ceil(3);
        let mut students_n = plan.second_accounts - parents_n;
        for (ci, mi) in cands {
            let is_parent = chats[ci].audience == Some("parents");
            if is_parent && parents_n > 0 {
                parents_n -= 1;
            } else if !is_parent && students_n > 0 {
                students_n -= 1;
            } else {
                continue;
            }
            let pid = b.accounts[chats[ci].members[mi].account].person().expect("roster person");
            chats[ci].members[mi].category = CAT_SECOND_ACCOUNT;
            let a = b.new_account(Base::Roster(pid));
            join(&mut chats[ci], a, CAT_SECOND_ACCOUNT, false);
            if parents_n == 0 && students_n == 0 {
                break;
            }
        }
    }

    // ---- noise on display names -----------------------------------------------------------------------------------------
    {
        let mut weight: Vec<usize> = vec![0; b.accounts.len()];
        for c in &chats {
            for m in &c.members {
                weight[m.account] += 1;
            }
        }
        let with_person: Vec<usize> = (0..b.accounts.len())
            .filter(|&a| b.accounts[a].person().is_some() && weight[a] > 0)
            .collect();
        let total: usize = with_person.iter().map(|&a| weight[a]).sum();
        for &kind in FILL_ORDER {
            let share = NOISE_SHARES.iter().find(|(k, _)| *k == kind).expect("share").1 as usize;
            let target = (total * share + 500) / 1000;
            let doubles = target * 15 / 100;
            let mut order = with_person.clone();
            shuffle(&mut nrng, &mut order);
            let mut count = 0;
            // passes: names that already have one kind (some), then clean names, then any
            for pass in 0..3 {
                let limit = if pass == 0 { doubles } else { target };
                for &a in &order {
                    if count >= limit {
                        break;
                    }
                    let acc = &b.accounts[a];
                    let n = acc.kinds.len();
                    let fits = match pass {
                        0 | 2 => n == 1,
                        _ => n == 0,
                    };
                    if !fits || count + weight[a] > limit {
                        continue;
                    }
                    let pid = acc.person().expect("person");
                    let mut kinds = acc.kinds.clone();
                    kinds.push(kind);
                    kinds.sort();
                    if !valid(&people[pid].p, &kinds, &acc.np) {
                        continue;
                    }
                    b.accounts[a].kinds = kinds;
                    count += weight[a];
                }
            }
        }
        for acc in b.accounts.iter_mut() {
            let (f, l) = match &acc.base {
                Base::Roster(p) => render(&people[*p].p, &acc.kinds, &acc.np),
                Base::Named(f, l) => (f.clone(), l.clone()),
            };
            acc.first_name = f;
            acc.last_name = l;
        }
    }

    // ---- times ---------------------------------------------------------------------------------------------------------------
    let snapshot = msk_ms(Date::new(2026, 12, 1), 9, 0);
    let last_join = msk_ms(Date::new(2026, 11, 30), 22, 0);
    for c in chats.iter_mut() {
        let day = Date::new(2026, 9, 1 + trng.below(6) as u32);
        c.created = msk_ms(day, trng.range(8, 19), trng.range(0, 59)) + trng.range(0, 59_999);
        let span = last_join - c.created;
        for m in c.members.iter_mut() {
            // most join in the first weeks
            let u = trng.below(1_000_000).min(trng.below(1_000_000)) as i64;
            m.join = c.created + 60_000 + (span - 60_000) * u / 1_000_000;
            m.access = if trng.percent(10) {
                m.join
            } else {
                m.join + trng.range(0, snapshot - m.join - 60_000)
            };
        }
        let access = c.created + trng.range(0, snapshot - c.created - 60_000);
        c.members.insert(
            0,
            Member {
                account: admin,
                category: CAT_ORG_ADMIN,
                admin: true,
                owner: true,
                join: c.created,
                access,
            },
        );
        c.members.sort_by_key(|m| (m.join, b.accounts[m.account].user_id));
    }
    {
        let mut latest: Vec<i64> = vec![0; b.accounts.len()];
        for c in &chats {
            for m in &c.members {
                latest[m.account] = latest[m.account].max(m.access);
            }
        }
        for (a, acc) in b.accounts.iter_mut().enumerate() {
            acc.last_activity = (latest[a] + trng.range(0, 3 * 86_400_000)).min(snapshot - trng.range(1_000, 600_000));
            acc.last_activity = acc.last_activity.max(latest[a]);
        }
    }

    // ---- links -------------------------------------------------------------------------------------------------------------
    {
        let mut order: Vec<usize> = (0..chats.len()).collect();
        shuffle(&mut crng, &mut order);
        let group_chat = |c: &Chat| c.group.is_some() && matches!(c.audience, Some("students") | Some("parents"));
        let n_group = chats.iter().filter(|c| group_chat(c)).count();
        let mut sferum = (n_group * 8 / 100).max(2);
        let mut nulls = plan.null_links;
        for &ci in &order {
            let c = &mut chats[ci];
            // a placed chat's, never the staff room's (the one link the staff letters carry)
            if nulls > 0 && c.audience.is_some_and(|a| a != "staff") {
                nulls -= 1;
                c.link = None;
            } else if sferum > 0 && group_chat(c) {
                sferum -= 1;
                c.link = Some(format!("https://sferum.ru/?p=messages&join={}=", token(&mut crng, B64, 31)));
            } else {
                c.link = Some(format!("https://max.ru/join/{}", token(&mut crng, URL_SAFE, 22)));
            }
        }
    }

    // ---- write -----------------------------------------------------------------------------------------------------------------
    let pdir = dir.join("platform");
    let mdir = pdir.join("members");
    std::fs::create_dir_all(&mdir)?;
    let admin_id = b.accounts[admin].user_id;
    let mut api_chats: Vec<ApiChat> = chats
        .iter()
        .map(|c| ApiChat {
            chat_id: c.chat_id,
            kind: "chat",
            status: "active",
            title: c.title.clone(),
            icon: None,
            description: None,
            last_event_time: c.members.iter().map(|m| m.access).max().unwrap_or(c.created),
            participants_count: c.members.len(),
            is_public: false,
            owner_id: admin_id,
            link: c.link.clone(),
        })
        .collect();
    // GET /chats lists the most recently active first
    api_chats.sort_by_key(|c| (std::cmp::Reverse(c.last_event_time), c.chat_id));
    let mut json = serde_json::to_string_pretty(&ApiChatList { chats: &api_chats })?;
    json.push('\n');
    std::fs::write(pdir.join("chats.json"), json)?;

    for c in &chats {
        let members: Vec<ApiMember> = c
            .members
            .iter()
            .map(|m| {
                let acc = &b.accounts[m.account];
                ApiMember {
                    user_id: acc.user_id,
                    first_name: &acc.first_name,
                    last_name: acc.last_name.as_deref(),
                    username: None,
                    is_bot: false,
                    last_activity_time: acc.last_activity,
                    name: None,
                    description: None,
                    last_access_time: m.access,
                    is_owner: m.owner,
                    is_admin: m.admin,
                    join_time: m.join,
                    permissions: if m.owner {
                        Some(OWNER_PERMISSIONS)
                    } else if m.admin {
                        Some(ADMIN_PERMISSIONS)
                    } else {
                        None
                    },
                }
            })
            .collect();
        let mut json = serde_json::to_string_pretty(&ApiMembersList { members, marker: None })?;
        json.push('\n');
        std::fs::write(mdir.join(format!("{}.json", c.chat_id)), json)?;
    }

    let mut truth = Truth {
        seed: input.seed,
        scale: input.scale,
        members: Vec::new(),
        chats: Vec::new(),
        missing_chats,
    };
    for c in &chats {
        truth.chats.push(TruthChat {
            chat_id: c.chat_id,
            title: &c.title,
            branch: c.branch.as_deref(),
            group: c.group.as_deref(),
            audience: c.audience,
            subject: c.subject.as_deref(),
        });
        for m in &c.members {
            let acc = &b.accounts[m.account];
            let display = match acc.last_name.as_deref() {
                Some(l) if !l.is_empty() => format!("{} {l}", acc.first_name),
                _ => acc.first_name.clone(),
            };
            let person = acc.person().map(|pid| {
                let pi = &people[pid];
                TruthPerson {
                    kind: pi.kind.as_str(),
                    surname: &pi.p.surname,
                    first_name: &pi.p.first,
                    patronymic: &pi.p.patronymic,
                    birth_date: pi.birth_date.map(|d| format!("{:04}-{:02}-{:02}", d.y, d.m, d.d)),
                    phone: pi.phone.as_deref(),
                }
            });
            truth.members.push(TruthMember {
                chat_id: c.chat_id,
                user_id: acc.user_id,
                display,
                person,
                noise: acc.kinds.iter().map(|k| k.as_str()).collect(),
                category: m.category,
            });
        }
    }
    let mut json = serde_json::to_string_pretty(&truth)?;
    json.push('\n');
    std::fs::write(dir.join("platform-truth.json"), json)?;
    stats.chats = chats.len();
    stats.members = truth.members.len();
    stats.accounts = b.accounts.len();
    Ok(stats)
}

/// A phone as E.164 («+79123456789»), or None when it is not a valid Russian mobile.
pub fn e164(phone: &str) -> Option<String> {
    let d: String = phone.chars().filter(char::is_ascii_digit).collect();
    match d.len() {
        11 if d.starts_with('7') || d.starts_with('8') => Some(format!("+7{}", &d[1..])),
        10 if d.starts_with('9') => Some(format!("+7{d}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With every single-surname pair taken (a roster larger than the name lists), the
    /// strangers still come, each a pair nobody has, in bounded time.
    #[test]
    fn strangers_when_the_pairs_run_out() {
        let firsts = FEMALE.len() + MALE.len();
        let single = firsts * SURNAMES.len();
        let roster: HashSet<String> = (0..single)
            .map(|i| {
                let (f, s) = nth_pair(i).expect("in range");
                pair_key(&s, &f)
            })
            .collect();
        assert_eq!(roster.len(), single, "the fixed order lists each pair once");
        // a few double surnames are on the roster too
        let mut taken = roster.clone();
        for i in [single, single + 1, single + firsts + 3] {
            let (f, s) = nth_pair(i).expect("in range");
            taken.insert(pair_key(&s, &f));
        }
        let on_roster = taken.clone();
        let mut rng = Rng::derive(1, "test/strangers");
        let mut cursor = 0;
        let mut seen = HashSet::new();
        for _ in 0..3000 {
            let (f, s) = free_pair(&mut rng, &mut taken, &mut cursor);
            let key = pair_key(&s, &f);
            assert!(!on_roster.contains(&key), "{key} is on the roster");
            assert!(seen.insert(key.clone()), "{key} given twice");
            assert!(s.contains('-'), "only double surnames are left: {s}");
        }
        assert!(cursor <= single + 3000 + 3, "the cursor only moves forward");
        // the feminine form of a double surname
        let (f, s) = nth_pair(single).expect("in range");
        assert!(FEMALE.contains(&f.as_str()), "{f}");
        assert_eq!(s.matches('-').count(), 1, "{s}");
    }

    /// While free pairs are easy to draw, the draw is the one the samples were made with.
    #[test]
    fn strangers_draw_as_before_when_pairs_are_free() {
        let mut a = Rng::derive(5, "test/strangers");
        let mut b = Rng::derive(5, "test/strangers");
        let mut taken = HashSet::new();
        let mut cursor = 0;
        for _ in 0..50 {
            let (first, sur) = free_pair(&mut a, &mut taken, &mut cursor);
            let female = b.percent(60);
            let want_first = if female {
                b.pick(FEMALE).to_string()
            } else {
                b.pick(MALE).0.to_string()
            };
            let base = *b.pick(SURNAMES);
            let want_sur = names::surname_form(base, female);
            if first == want_first && sur == want_sur {
                continue;
            }
            panic!("a free pair was not the first draw: {first} {sur} / {want_first} {want_sur}");
        }
        assert_eq!(cursor, 0);
    }

    #[test]
    fn transliteration() {
        assert_eq!(latin("Пётр Щукин", true), "Pyotr Shchukin");
        assert_eq!(latin("Пётр", false), "Petr");
        assert_eq!(latin("Юлия Журавлёва-Цветкова", false), "Yuliya Zhuravleva-Tsvetkova");
        assert_eq!(latin("Наталья Хмельницкая", false), "Natalya Khmelnitskaya");
        assert_eq!(latin("Дмитрий Чернышёв", true), "Dmitriy Chernyshyov");
        assert_eq!(latin("Пётр Журавлёв-Цветков", true), "Pyotr Zhuravlyov-Tsvetkov");
        assert_eq!(latin("Пётр Журавлёв-Цветков", false), "Petr Zhuravlev-Tsvetkov");
    }

    #[test]
    fn phones() {
        assert_eq!(e164("8 (912) 345-67-89").as_deref(), Some("+79123456789"));
        assert_eq!(e164("+7 912 3456789").as_deref(), Some("+79123456789"));
        assert_eq!(e164("9123456789").as_deref(), Some("+79123456789"));
        assert_eq!(e164("12-34-56"), None);
        assert_eq!(e164("8 (912) 345-67-8"), None);
    }

    #[test]
    fn typos_change_one_letter() {
        for r in 0..500u64 {
            let t = typo("Кузнецова", r.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            assert_ne!(t, "Кузнецова");
            let (a, b) = (t.chars().count() as i64, 9i64);
            assert!((a - b).abs() <= 1, "{t}");
            assert!(t.starts_with('К'));
        }
    }

    // ---- the written snapshot -------------------------------------------------------------

    use serde_json::Value;
    use std::path::PathBuf;

    fn xlwt_available() -> bool {
        std::process::Command::new("python3")
            .args(["-c", "import xlwt"])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The samples to look at: the college needs python3 + xlwt (its staff list).
    fn samples() -> Vec<&'static str> {
        if xlwt_available() {
            vec!["school", "college"]
        } else {
            eprintln!("python3 with xlwt missing: the college sample is not checked");
            vec!["school"]
        }
    }

    fn build(name: &str, seed: u64, scale: u32, tag: &str) -> (PathBuf, Stats) {
        let dir = std::env::temp_dir().join(format!("rollout-gen-platform-{}-{name}-{tag}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("clean");
        }
        std::fs::create_dir_all(&dir).expect("dir");
        let stats = match name {
            "college" => crate::college::build(seed, scale, 0, &dir).expect("college").1,
            _ => crate::school::build(seed, scale, 0, &dir).expect("school").1,
        };
        (dir, stats)
    }

    fn json(path: &Path) -> Value {
        serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
    }

    #[test]
    fn noise_shares_hit_their_targets() {
        for name in samples() {
            for seed in [42, 7] {
                let (dir, _) = build(name, seed, 1, &format!("noise{seed}"));
                let truth = json(&dir.join("platform-truth.json"));
                let with_person: Vec<&Value> = truth["members"]
                    .as_array()
                    .expect("members")
                    .iter()
                    .filter(|m| !m["person"].is_null())
                    .collect();
                let n = with_person.len() as f64;
                assert!(n > 150.0, "{name}: only {n} members with a person");
                for &(kind, per_mille) in NOISE_SHARES {
                    let count = with_person
                        .iter()
                        .filter(|m| m["noise"].as_array().expect("noise").iter().any(|k| k == kind.as_str()))
                        .count();
                    let share = 100.0 * count as f64 / n;
                    let target = f64::from(per_mille) / 10.0;
                    assert!(
                        (share - target).abs() <= 1.5,
                        "{name} seed {seed}: {} is {share:.2} %, target {target} %",
                        kind.as_str()
                    );
                }
                // at most two kinds on a name; members without a person carry none
                for m in truth["members"].as_array().expect("members") {
                    let k = m["noise"].as_array().expect("noise").len();
                    assert!(k <= 2);
                    assert!(k == 0 || !m["person"].is_null());
                }
                std::fs::remove_dir_all(dir).ok();
            }
        }
    }

    fn snapshot_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![(
            "platform-truth.json".to_string(),
            std::fs::read(dir.join("platform-truth.json")).expect("truth"),
        )];
        out.push(("chats.json".into(), std::fs::read(dir.join("platform/chats.json")).expect("chats")));
        for e in std::fs::read_dir(dir.join("platform/members")).expect("members dir") {
            let p = e.expect("entry").path();
            out.push((
                p.file_name().expect("name").to_string_lossy().into_owned(),
                std::fs::read(&p).expect("read"),
            ));
        }
        out.sort();
        out
    }

    #[test]
    fn same_seed_same_snapshot() {
        for name in samples() {
            let (a, _) = build(name, 11, 2, "det-a");
            let (b, _) = build(name, 11, 2, "det-b");
            let (c, _) = build(name, 12, 2, "det-c");
            let (sa, sb, sc) = (snapshot_bytes(&a), snapshot_bytes(&b), snapshot_bytes(&c));
            assert!(sa.len() > 3);
            assert!(sa == sb, "{name}: two runs with one seed differ");
            assert!(sa != sc, "{name}: another seed gives the same snapshot");
            for d in [a, b, c] {
                std::fs::remove_dir_all(d).ok();
            }
        }
    }

    #[test]
    fn members_files_agree_with_chats_and_truth() {
        for name in samples() {
            let (dir, _) = build(name, 42, 1, "agree");
            let chats = json(&dir.join("platform/chats.json"));
            let truth = json(&dir.join("platform-truth.json"));
            let chats = chats["chats"].as_array().expect("chats");
            let mut files: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
            for c in chats {
                let id = c["chat_id"].as_i64().expect("chat_id");
                let list = json(&dir.join(format!("platform/members/{id}.json")));
                assert!(list["marker"].is_null());
                let members = list["members"].as_array().expect("members").clone();
                assert_eq!(
                    c["participants_count"].as_u64(),
                    Some(members.len() as u64),
                    "{name}: participants_count of {id}"
                );
                let ids: BTreeSet<i64> = members.iter().map(|m| m["user_id"].as_i64().expect("user_id")).collect();
                assert_eq!(ids.len(), members.len(), "{name}: a user twice in {id}");
                let owner = c["owner_id"].as_i64().expect("owner");
                assert!(
                    members
                        .iter()
                        .any(|m| m["user_id"] == owner && m["is_owner"] == true && m["is_admin"] == true),
                    "{name}: the owner of {id} is not an admin member"
                );
                assert!(files.insert(id, members).is_none(), "{name}: chat {id} twice");
            }
            assert_eq!(
                std::fs::read_dir(dir.join("platform/members")).expect("dir").count(),
                files.len(),
                "{name}: a members file for no chat"
            );
            let truth_chats: BTreeSet<i64> = truth["chats"]
                .as_array()
                .expect("chats")
                .iter()
                .map(|c| c["chat_id"].as_i64().expect("id"))
                .collect();
            assert_eq!(truth_chats, files.keys().copied().collect::<BTreeSet<i64>>());
            let mut per_chat: BTreeMap<i64, usize> = BTreeMap::new();
            for m in truth["members"].as_array().expect("members") {
                let (chat, user) = (m["chat_id"].as_i64().expect("chat"), m["user_id"].as_i64().expect("user"));
                let member = files[&chat]
                    .iter()
                    .find(|x| x["user_id"] == user)
                    .unwrap_or_else(|| panic!("{name}: truth member {user} not in the members file of {chat}"));
                let first = member["first_name"].as_str().expect("first_name");
                let shown = match member["last_name"].as_str() {
                    Some(l) if !l.is_empty() => format!("{first} {l}"),
                    _ => first.to_string(),
                };
                assert_eq!(m["display"].as_str(), Some(shown.as_str()));
                *per_chat.entry(chat).or_default() += 1;
            }
            for (id, members) in &files {
                assert_eq!(
                    per_chat.get(id).copied().unwrap_or(0),
                    members.len(),
                    "{name}: truth lacks members of {id}"
                );
            }
            std::fs::remove_dir_all(dir).ok();
        }
    }

    #[test]
    fn seats_and_categories() {
        for name in samples() {
            let (dir, stats) = build(name, 42, 1, "seats");
            let students = 100.0 * stats.students_seated as f64 / stats.students as f64;
            let parents = 100.0 * stats.parents_seated as f64 / stats.parents as f64;
            assert!((85.0..=90.0).contains(&students), "{name}: {students:.1} % of students seated");
            assert!((75.0..=85.0).contains(&parents), "{name}: {parents:.1} % of parents seated");
            let truth = json(&dir.join("platform-truth.json"));
            let mut cats: BTreeMap<String, usize> = BTreeMap::new();
            for m in truth["members"].as_array().expect("members") {
                *cats.entry(m["category"].as_str().expect("category").to_string()).or_default() += 1;
                let person_null = m["person"].is_null();
                let cat = m["category"].as_str().expect("category");
                let must_be_null = matches!(cat, "stranger" | "departed_student" | "departed_parent" | "org_admin");
                assert_eq!(person_null, must_be_null, "{name}: {m}");
            }
            let want: &[&str] = if name == "college" {
                &[
                    "regular",
                    "curator",
                    "departed_student",
                    "departed_parent",
                    "old_group",
                    "stranger",
                    "second_account",
                    "namesake",
                    "sibling_parent",
                    "org_admin",
                ]
            } else {
                &[
                    "regular",
                    "curator",
                    "departed_student",
                    "departed_parent",
                    "old_group",
                    "stranger",
                    "second_account",
                    "sibling_parent",
                    "org_admin",
                ]
            };
            for c in want {
                assert!(cats.contains_key(*c), "{name}: no {c} member ({cats:?})");
            }
            let missing = truth["missing_chats"].as_array().expect("missing");
            assert!(
                missing.iter().any(|m| m["audience"] == "students"),
                "{name}: no missing students' chat"
            );
            assert!(
                missing.iter().any(|m| m["audience"] == "parents"),
                "{name}: no missing parents' chat"
            );
            std::fs::remove_dir_all(dir).ok();
        }
    }

    #[test]
    fn every_diminutive_names_a_listed_first_name() {
        for (full, _) in DIMINUTIVES {
            assert!(
                FEMALE.contains(full) || MALE.iter().any(|m| m.0 == *full),
                "{full} is in no name list"
            );
        }
    }
}
