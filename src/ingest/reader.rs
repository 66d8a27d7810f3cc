//! The one way the tool reads a table — a roster source, a member export, a links file or
//! a plan table: the format is checked, the file is read in the isolated, budgeted child
//! process (or in this process for library tests), merged cells are filled, and a file
//! that cannot be read comes back as an `UnreadableTable` naming it.

use super::isolate::{self, Budget, IsolatedError};
use super::read::{Formats, check_format};
use super::table::{ReadOptions, Workbook};
use crate::config::Config;
use crate::problem::{Location, Problem, Rule};
use std::path::{Path, PathBuf};

/// How files are read: in a child process under the budget (the binary), or in this
/// process (library tests).
#[derive(Debug, Clone)]
pub enum ReadMode {
    Isolated { exe: PathBuf },
    InProcess,
}

impl ReadMode {
    /// Isolated through the running executable (the `rollout` binary, which answers
    /// `__read-source`); in this process when the executable cannot be found.
    pub fn current() -> ReadMode {
        match std::env::current_exe() {
            Ok(exe) => ReadMode::Isolated { exe },
            Err(_) => ReadMode::InProcess,
        }
    }
}

/// Reads tables: the mode and the budget every read goes through.
#[derive(Debug, Clone)]
pub struct Reader {
    pub mode: ReadMode,
    pub budget: Budget,
}

/// A table that could not be read at all: damaged, of an unknown type, or over the budget.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {error}")]
pub struct UnreadableTable {
    /// How the file is named to the user (relative to the workspace where there is one).
    pub file: String,
    #[source]
    pub error: IsolatedError,
}

impl UnreadableTable {
    pub fn over_budget(&self) -> bool {
        matches!(self.error, IsolatedError::OverMemory(_) | IsolatedError::OverTime(_))
    }

    pub fn rule(&self) -> Rule {
        if self.over_budget() {
            Rule::FileOverBudget
        } else {
            Rule::FileUnreadable
        }
    }

    /// What to do about it, in Russian.
    pub fn fix(&self) -> String {
        if self.over_budget() {
            "файл слишком велик или повреждён: пересохраните его в Excel/LibreOffice (xlsx) или увеличьте [ingest] max_memory_mb / max_seconds".into()
        } else if self.error.to_string().contains("паролем") {
            "снимите пароль: откройте файл, «Файл → Сведения → Защитить книгу → Зашифровать паролем», удалите пароль и сохраните".into()
        } else {
            "откройте файл в Excel или LibreOffice и сохраните как .xlsx; если он не открывается, запросите выгрузку заново".into()
        }
    }

    pub fn location(&self) -> Location {
        Location {
            file: self.file.clone(),
            ..Default::default()
        }
    }

    /// The problem a roster source that cannot be read becomes.
    pub fn problem(&self) -> Problem {
        Problem::new(self.rule(), self.location(), self.error.to_string(), self.fix())
    }
}

impl Reader {
    pub fn new(mode: ReadMode, budget: Budget) -> Reader {
        Reader { mode, budget }
    }

    /// Reads under the workspace's `[ingest]` budget.
    pub fn for_config(cfg: &Config, mode: ReadMode) -> Reader {
        Reader::new(mode, Budget::of(cfg))
    }

    /// Reads under the workspace's budget, or the default one outside a workspace.
    pub fn for_workspace(cfg: Option<&Config>, mode: ReadMode) -> Reader {
        Reader::new(mode, cfg.map(Budget::of).unwrap_or_default())
    }

    /// Reads one file as received (merged cells not yet filled).
    pub fn read(&self, path: &Path, opts: &ReadOptions, formats: Formats) -> Result<Workbook, IsolatedError> {
        check_format(path, formats).map_err(|e| IsolatedError::Unreadable(e.to_string()))?;
        match &self.mode {
            ReadMode::Isolated { exe } => isolate::read_isolated(exe, path, opts, self.budget),
            ReadMode::InProcess => isolate::read_in_process(path, opts),
        }
    }

    /// Reads a table with default options and merged cells filled; `file` names it in the error.
    pub fn read_table(&self, path: &Path, file: &str, formats: Formats) -> Result<Workbook, UnreadableTable> {
        let mut wb = self.read(path, &ReadOptions::default(), formats).map_err(|error| UnreadableTable {
            file: file.to_string(),
            error,
        })?;
        for sheet in &mut wb.sheets {
            sheet.fill_merges();
        }
        Ok(wb)
    }
}
