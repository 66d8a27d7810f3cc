//! Makes up people, families and contacts, each unique within one sample.

use crate::date::Date;
use crate::names::{self, FEMALE, MALE, Person, SURNAMES};
use crate::rng::Rng;
use std::collections::HashSet;

pub const REL_MOTHER: &str = "мать";
pub const REL_FATHER: &str = "отец";
pub const REL_GUARDIAN: &str = "опекун";
pub const REL_GRANDMOTHER: &str = "бабушка";

#[derive(Clone, Debug)]
pub struct Parent {
    pub p: Person,
    pub relation: &'static str,
    /// As written in the sources (one notation per parent, kept on all their rows).
    pub phone: Option<String>,
    pub email: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Family {
    /// Masculine form of the children's surname.
    pub base: String,
    /// Index into `MALE` of the children's father (gives their patronymic).
    pub father: usize,
    pub parents: Vec<Parent>,
    pub children: Vec<usize>,
}

#[derive(Clone, Debug)]
pub struct Student {
    pub p: Person,
    pub birth: Date,
    /// The group the student belongs to (a student planted in two groups: the first).
    pub group: usize,
    pub family: usize,
    /// The student's own contacts, where a source lists them.
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub struct World {
    pub rng: Rng,
    /// Name keys of everyone made so far (students, parents, staff).
    names: HashSet<String>,
    /// Students must at least differ in (name, birth date) — the tool's identity.
    students: HashSet<(String, Date)>,
    initials: HashSet<String>,
    phones: HashSet<String>,
    emails: HashSet<String>,
    snils: HashSet<u32>,
    pub families: Vec<Family>,
    pub students_list: Vec<Student>,
}

const DOMAINS: &[&str] = &["mail.ru", "yandex.ru", "gmail.com"];

impl World {
    pub fn new(rng: Rng) -> World {
        World {
            rng,
            names: HashSet::new(),
            students: HashSet::new(),
            initials: HashSet::new(),
            phones: HashSet::new(),
            emails: HashSet::new(),
            snils: HashSet::new(),
            families: Vec::new(),
            students_list: Vec::new(),
        }
    }

    fn surname_base(&mut self) -> String {
        let a = *self.rng.pick(SURNAMES);
        if self.rng.percent(3) {
            let b = *self.rng.pick(SURNAMES);
            if a != b {
                return format!("{a}-{b}");
            }
        }
        a.to_string()
    }

    fn raw_person(&mut self, female: bool, base: &str) -> Person {
        let first = if female {
            self.rng.pick(FEMALE).to_string()
        } else {
            self.rng.pick(MALE).0.to_string()
        };
        let (_, pm, pf) = *self.rng.pick(MALE);
        Person {
            surname: names::surname_form(base, female),
            first,
            patronymic: if female { pf } else { pm }.to_string(),
            female,
        }
    }

    /// Register a name; false if someone already has it.
    pub fn claim(&mut self, p: &Person) -> bool {
        self.names.insert(p.key())
    }

    pub fn is_taken(&self, p: &Person) -> bool {
        self.names.contains(&p.key())
    }

    /// A new adult with a unique name.
    pub fn adult(&mut self, female: bool) -> Person {
        loop {
            let base = self.surname_base();
            let p = self.raw_person(female, &base);
            if self.claim(&p) {
                return p;
            }
        }
    }

    /// A new staff member: unique name and unique «Фамилия И.О.».
    pub fn staff(&mut self, female: bool) -> Person {
        loop {
            let base = self.surname_base();
            let p = self.raw_person(female, &base);
            if !self.is_taken(&p) && !self.initials.contains(&p.initials_key()) {
                self.claim(&p);
                self.initials.insert(p.initials_key());
                return p;
            }
        }
    }

    /// Ten digits «9xxxxxxxxx», unique in the sample.
    pub fn phone_digits(&mut self) -> String {
        loop {
            let n = format!("9{:09}", self.rng.below(1_000_000_000));
            if self.phones.insert(n.clone()) {
                return n;
            }
        }
    }

    /// A valid mobile number in one of the notations people type.
    pub fn phone(&mut self) -> String {
        let d = self.phone_digits();
        let (a, b, c, e) = (&d[0..3], &d[3..6], &d[6..8], &d[8..10]);
        match self.rng.below(8) {
            0 | 1 => format!("8 ({a}) {b}-{c}-{e}"),
            2 => format!("+7 {a} {b}{c}{e}"),
            3 => format!("8{d}"),
            4 => format!("7{d}"),
            5 => format!("8-{a}-{b}{c}{e}"),
            6 => format!("+7 ({a}) {b}-{c}-{e}"),
            _ => format!("+7{d}"),
        }
    }

    pub fn email(&mut self, p: &Person, year: i32) -> String {
        let sur = names::translit(&p.surname);
        let first = names::translit(&p.first);
        let f = first.chars().next().unwrap_or('x');
        let yy = year.rem_euclid(100);
        loop {
            let dom = *self.rng.pick(DOMAINS);
            let n = self.rng.below(100);
            let local = match self.rng.below(6) {
                0 => format!("{sur}.{first}"),
                1 => format!("{first}.{sur}{yy:02}"),
                2 => format!("{f}{sur}"),
                3 => format!("{sur}{n}"),
                4 => format!("{first}_{sur}"),
                _ => format!("{sur}.{f}{year}"),
            };
            let addr = format!("{local}@{dom}");
            if self.emails.insert(addr.clone()) {
                return addr;
            }
        }
    }

    /// Take a СНИЛС «123-456-789 01» someone already has: [`World::snils`] never draws it.
    pub fn claim_snils(&mut self, v: &str) {
        let digits: String = v.chars().filter(char::is_ascii_digit).collect();
        if let Some(n) = digits.get(..9).and_then(|d| d.parse().ok()) {
            self.snils.insert(n);
        }
    }

    /// A valid СНИЛС «123-456-789 01».
    pub fn snils(&mut self) -> String {
        loop {
            let n = 2_000_000 + self.rng.below(997_000_000) as u32;
            if self.snils.insert(n) {
                return format_snils(n, snils_check(n));
            }
        }
    }

    /// A new family: the children's surname and father, and the parents the sources
    /// list (one or two; sometimes a grandmother or a guardian instead).
    pub fn family(&mut self, parent_born: (i32, i32)) -> usize {
        let base = self.surname_base();
        let father = self.rng.below(MALE.len());
        let mut fam = Family {
            base,
            father,
            parents: Vec::new(),
            children: Vec::new(),
        };
        let roll = self.rng.below(100);
        let (mother, dad, other) = match roll {
            0..=54 => (true, true, None),
            55..=84 => (true, false, None),
            85..=94 => (false, true, None),
            95..=97 => (false, false, Some(REL_GRANDMOTHER)),
            _ => (false, false, Some(REL_GUARDIAN)),
        };
        if mother {
            let p = self.mother_for(&fam.base);
            self.add_parent(&mut fam, p, REL_MOTHER, parent_born);
        }
        if dad {
            let p = self.father_for(&fam.base, father);
            self.add_parent(&mut fam, p, REL_FATHER, parent_born);
        }
        match other {
            Some(REL_GRANDMOTHER) => {
                let p = loop {
                    let p = self.raw_person(true, &fam.base.clone());
                    if self.claim(&p) {
                        break p;
                    }
                };
                self.add_parent(&mut fam, p, REL_GRANDMOTHER, (parent_born.0 - 25, parent_born.1 - 20));
            }
            Some(_) => {
                let female = self.rng.percent(70);
                let p = self.adult(female);
                self.add_parent(&mut fam, p, REL_GUARDIAN, (parent_born.0 - 10, parent_born.1));
            }
            None => {}
        }
        self.families.push(fam);
        self.families.len() - 1
    }

    fn mother_for(&mut self, base: &str) -> Person {
        loop {
            let roll = self.rng.below(100);
            let mut p = self.raw_person(true, base);
            if roll >= 97 {
                // kept her own surname
                let own = self.surname_base();
                p.surname = names::surname_form(&own, true);
            } else if roll >= 91 {
                // double surname: her husband's and her own
                let own = *self.rng.pick(SURNAMES);
                if !base.contains('-') && own != base {
                    p.surname = format!("{}-{}", names::surname_form(base, true), names::surname_form(own, true));
                }
            }
            if self.claim(&p) {
                return p;
            }
        }
    }

    fn father_for(&mut self, base: &str, father: usize) -> Person {
        loop {
            let (_, pm, _) = *self.rng.pick(MALE);
            let p = Person {
                surname: base.to_string(),
                first: MALE[father].0.to_string(),
                patronymic: pm.to_string(),
                female: false,
            };
            if self.claim(&p) {
                return p;
            }
            // the father's name is fixed by the children's patronymic; his own varies
            if self.rng.percent(5) {
                // extremely crowded (huge scales): accept a namesake father
                return p;
            }
        }
    }

    pub fn add_parent(&mut self, fam: &mut Family, p: Person, relation: &'static str, born: (i32, i32)) {
        let year = self.rng.range(i64::from(born.0), i64::from(born.1)) as i32;
        let phone = self.rng.percent(93).then(|| self.phone());
        let email = if phone.is_none() || self.rng.percent(55) {
            Some(self.email(&p, year))
        } else {
            None
        };
        fam.parents.push(Parent { p, relation, phone, email });
    }

    /// A child of `family` born in `from..=to`, unique by name (and always by name and
    /// birth date). `twin_of`: born on the same day as that student.
    pub fn child(&mut self, family: usize, group: usize, from: Date, to: Date, twin_of: Option<usize>) -> Option<usize> {
        let (base, father) = (self.families[family].base.clone(), self.families[family].father);
        for attempt in 0..40 {
            let female = self.rng.percent(50);
            let first = if female {
                self.rng.pick(FEMALE).to_string()
            } else {
                self.rng.pick(MALE).0.to_string()
            };
            let (_, pm, pf) = MALE[father];
            let p = Person {
                surname: names::surname_form(&base, female),
                first,
                patronymic: if female { pf } else { pm }.to_string(),
                female,
            };
            let birth = match twin_of {
                Some(s) => self.students_list[s].birth,
                None => Date::random(&mut self.rng, from, to),
            };
            let key = p.key();
            if attempt < 30 && self.names.contains(&key) {
                continue;
            }
            let id = (key, birth);
            if self.students.contains(&id) {
                continue;
            }
            // a boy named after his father would share the father's name
            if self.families[family].parents.iter().any(|pa| pa.p.key() == id.0) {
                continue;
            }
            self.names.insert(id.0.clone());
            self.students.insert(id);
            self.students_list.push(Student {
                p,
                birth,
                group,
                family,
                phone: None,
                email: None,
            });
            let s = self.students_list.len() - 1;
            self.families[family].children.push(s);
            return Some(s);
        }
        None
    }

    /// A family of `mother` (already named) and the children's father `father`.
    pub fn family_with_mother(&mut self, base: String, father: usize, mother: Person, born: (i32, i32)) -> usize {
        let mut fam = Family {
            base,
            father,
            parents: Vec::new(),
            children: Vec::new(),
        };
        self.add_parent(&mut fam, mother, REL_MOTHER, born);
        if fam.parents[0].phone.is_none() {
            fam.parents[0].phone = Some(self.phone());
        }
        self.families.push(fam);
        self.families.len() - 1
    }

    /// Make sure `family` lists a mother; returns her index among the parents.
    pub fn ensure_mother(&mut self, family: usize, born: (i32, i32)) -> usize {
        if let Some(i) = self.families[family].parents.iter().position(|p| p.relation == REL_MOTHER) {
            return i;
        }
        let base = self.families[family].base.clone();
        let p = self.mother_for(&base);
        let mut fam = std::mem::replace(
            &mut self.families[family],
            Family {
                base: String::new(),
                father: 0,
                parents: Vec::new(),
                children: Vec::new(),
            },
        );
        self.add_parent(&mut fam, p, REL_MOTHER, born);
        self.families[family] = fam;
        self.families[family].parents.len() - 1
    }

    /// A student in a new family of their own.
    pub fn student(&mut self, group: usize, from: Date, to: Date, parent_born: (i32, i32)) -> usize {
        loop {
            let fam = self.family(parent_born);
            if let Some(s) = self.child(fam, group, from, to, None) {
                return s;
            }
        }
    }
}

/// The СНИЛС check number of the first nine digits.
pub fn snils_check(n: u32) -> u32 {
    let digits = format!("{n:09}");
    let sum: u32 = digits.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * (9 - i as u32)).sum();
    match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => {
            let r = sum % 101;
            if r == 100 { 0 } else { r }
        }
    }
}

pub fn format_snils(n: u32, check: u32) -> String {
    let d = format!("{n:09}");
    format!("{}-{}-{} {:02}", &d[0..3], &d[3..6], &d[6..9], check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snils_known() {
        // 112-233-445 95 is the textbook example
        assert_eq!(snils_check(112_233_445), 95);
    }
}
