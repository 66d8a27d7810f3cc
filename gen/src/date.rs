//! Civil dates without a clock: every date in the samples is computed, never "today".

use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub y: i32,
    pub m: u32,
    pub d: u32,
}

impl Date {
    pub const fn new(y: i32, m: u32, d: u32) -> Date {
        Date { y, m, d }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn days(self) -> i64 {
        let y = i64::from(self.y) - i64::from(self.m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        Date {
            y: (y + i64::from(m <= 2)) as i32,
            m: m as u32,
            d: d as u32,
        }
    }

    /// Uniform in `from..=to`.
    pub fn random(rng: &mut Rng, from: Date, to: Date) -> Date {
        Date::from_days(rng.range(from.days(), to.days()))
    }

    /// «05.03.2009»
    pub fn dmy(self) -> String {
        format!("{:02}.{:02}.{:04}", self.d, self.m, self.y)
    }

    /// «5.3.09» — what Excel's Russian locale writes into a CSV.
    pub fn dmy_short(self) -> String {
        format!("{}.{}.{:02}", self.d, self.m, self.y.rem_euclid(100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for z in -1000..40_000 {
            assert_eq!(Date::from_days(z).days(), z);
        }
        assert_eq!(Date::new(1970, 1, 1).days(), 0);
        assert_eq!(Date::new(2009, 3, 5).dmy_short(), "5.3.09");
    }
}
