//! The one clock: "today" for the organisation, in its time zone. Commands ask it once and
//! pass the day down; nothing below them reads the time.

use chrono::NaiveDate;

/// Today in `tz`; `ROLLOUT_TODAY=YYYY-MM-DD` (or ДД.ММ.ГГГГ) pins it for tests and replays.
pub fn today(tz: chrono_tz::Tz) -> NaiveDate {
    pinned().unwrap_or_else(|| chrono::Utc::now().with_timezone(&tz).date_naive())
}

/// Today where no workspace says which time zone: the machine's local day.
pub fn today_local() -> NaiveDate {
    pinned().unwrap_or_else(|| chrono::Local::now().date_naive())
}

/// A `ROLLOUT_TODAY` that is set must be a date: a typo would otherwise silently give the
/// real today.
pub fn check_pinned() -> Result<(), String> {
    match std::env::var("ROLLOUT_TODAY") {
        Ok(s) if pinned().is_none() => Err(format!(
            "ROLLOUT_TODAY = «{}» — не дата: напишите её как 01.03.2026 или 2026-03-01",
            s.trim()
        )),
        _ => Ok(()),
    }
}

fn pinned() -> Option<NaiveDate> {
    let s = std::env::var("ROLLOUT_TODAY").ok()?;
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%d.%m.%Y"))
        .ok()
}
