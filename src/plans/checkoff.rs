//! Checking off a manual milestone: which instance the user means, and whether the check-off
//! (or its withdrawal) makes sense given the history.

use super::model::{Instance, Plan};
use crate::config::Config;
use crate::state::CheckOff;
use chrono::NaiveDate;

/// Why a check-off is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckOffError {
    #[error("вехи «{id}» в планах нет; есть: {known}")]
    Unknown { id: String, known: String },
    #[error("веха «{0}» измеряется по данным (выполнена, когда метрики достигли цели) и вручную не отмечается")]
    Measured(String),
    #[error("веха «{id}» — на всю организацию: уберите --branch (указано «{branch}»)")]
    WholeOrganisation { id: String, branch: String },
    #[error("веха «{id}» ведётся по филиалам: добавьте --branch, одно из: {sites}")]
    BranchNeeded { id: String, sites: String },
    #[error("у вехи «{id}» нет строки для «{branch}»; её филиалы: {sites}")]
    NoSuchSite { id: String, branch: String, sites: String },
    #[error("--date {0}: этот день ещё не наступил")]
    Future(String),
    #[error("веха «{0}» не отмечена — снимать нечего")]
    NothingToUndo(String),
    #[error("отметка вехи «{id}» уже снята ({day})")]
    AlreadyUndone { id: String, day: String },
}

/// The site of milestone `id` a check-off is for: "" for an organisation-wide milestone.
pub fn target(plans: &[Plan], cfg: &Config, id: &str, branch: Option<&str>) -> Result<String, CheckOffError> {
    let of_id: Vec<&Instance> = plans.iter().flat_map(|p| &p.instances).filter(|i| i.id == id).collect();
    let Some(first) = of_id.first() else {
        let mut ids: Vec<&str> = plans.iter().flat_map(|p| &p.instances).map(|i| i.id.as_str()).collect();
        ids.dedup();
        return Err(CheckOffError::Unknown {
            id: id.to_string(),
            known: ids.join(", "),
        });
    };
    if !first.manual() {
        return Err(CheckOffError::Measured(id.to_string()));
    }
    let sites: Vec<&str> = of_id.iter().filter_map(|i| i.branch.as_deref()).collect();
    match (branch, sites.is_empty()) {
        (None, true) => Ok(String::new()),
        (Some(b), true) => Err(CheckOffError::WholeOrganisation {
            id: id.to_string(),
            branch: b.to_string(),
        }),
        (None, false) => Err(CheckOffError::BranchNeeded {
            id: id.to_string(),
            sites: sites.join(", "),
        }),
        (Some(b), false) => {
            let resolved = crate::roster::BranchResolver::new(cfg).resolve(b);
            let key = crate::normalize::text_key(b);
            sites
                .iter()
                .find(|s| Some(s.to_string()) == resolved || crate::normalize::text_key(s) == key)
                .map(|s| s.to_string())
                .ok_or_else(|| CheckOffError::NoSuchSite {
                    id: id.to_string(),
                    branch: b.to_string(),
                    sites: sites.join(", "),
                })
        }
    }
}

/// Whether a check-off on `day` (or its withdrawal) may be recorded after `last`, the latest
/// one of the same milestone and site. Ok(true): it repeats a check-off already there.
pub fn allowed(id: &str, last: Option<&CheckOff>, undo: bool, day: NaiveDate, today: NaiveDate) -> Result<bool, CheckOffError> {
    if day > today {
        return Err(CheckOffError::Future(day.format("%d.%m.%Y").to_string()));
    }
    match (last, undo) {
        (Some(c), false) if c.done => Ok(true),
        (None, true) => Err(CheckOffError::NothingToUndo(id.to_string())),
        (Some(c), true) if !c.done => Err(CheckOffError::AlreadyUndone {
            id: id.to_string(),
            day: c.day.clone(),
        }),
        _ => Ok(false),
    }
}

/// Who is checking off: `--by`, else the login name (environment, then the password
/// database), else «неизвестно».
pub fn who(by: Option<&str>) -> String {
    by.map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(login_name)
        .unwrap_or_else(|| "неизвестно".into())
}

/// The login name of the user running rollout, from the password database.
fn login_name() -> Option<String> {
    #[cfg(unix)]
    // SAFETY: getpwuid returns a pointer into static storage or null; the name is copied out
    // before any other call could overwrite it.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if pw.is_null() || (*pw).pw_name.is_null() {
            return None;
        }
        return std::ffi::CStr::from_ptr((*pw).pw_name).to_str().ok().map(str::to_string);
    }
    #[allow(unreachable_code)]
    None
}
