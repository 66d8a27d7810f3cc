//! `rollout init`: a starter workspace whose `rollout.toml` lists every key.

use crate::profile::{Audience, Profile};
use std::path::Path;

const TEMPLATE: &str = include_str!("../templates/init/rollout.toml");

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    #[error("папка {0} не пуста; чтобы всё же создать рабочее место в ней, добавьте --force")]
    NotEmpty(String),
    #[error("не удалось записать {path}: {}", crate::files::IoRu(.source))]
    Io { path: String, source: std::io::Error },
    #[error("название организации — одна строка без управляющих символов (перевода строки, табуляции); укажите --name заново")]
    BadName,
}

pub fn render_config(profile: Profile, name: &str) -> String {
    let audiences: Vec<&str> = profile
        .group_audiences()
        .iter()
        .map(|a| match a {
            Audience::Students => "чат обучающихся",
            Audience::Parents => "чат родителей",
            Audience::Staff => "чат сотрудников",
            Audience::Teachers => "чат учителей группы",
            Audience::Subject => "чат по предмету",
        })
        .collect();
    let branches = match profile {
        Profile::College => {
            "[[branches]]\nname = \"Главный корпус\"\nmain = true\naliases = [\"Головной корпус\"]\n\n# [[branches]]\n# name = \"Заречный филиал\"\n# aliases = [\"Заречный\"]\n"
        }
        _ => "# [[branches]]\n# name = \"Главный корпус\"\n# main = true\n# aliases = [\"Корпус 1\"]\n",
    };
    // Without --name the file still gets written, with a reminder above the empty name:
    // commands that render for people refuse an empty name.
    let template = if name.trim().is_empty() {
        TEMPLATE.replace(
            "name = \"{{name}}\"",
            "# Впишите название организации: им подписаны письма и озаглавлен отчёт (без него они не собираются).\nname = \"{{name}}\"",
        )
    } else {
        TEMPLATE.to_string()
    };
    template
        .replace("{{name}}", &name.replace('\\', "\\\\").replace('"', "\\\""))
        .replace("{{profile}}", profile.code())
        .replace("{{group_word}}", profile.group_word())
        .replace("{{audiences}}", &audiences.join(" и "))
        .replace("{{several}}", if profile.allows_several_groups() { "да" } else { "нет" })
        .replace("{{branches}}", branches)
}

pub fn init(dir: &Path, profile: Profile, name: &str, force: bool) -> Result<(), InitError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| InitError::Io { path, source }
    };
    // A name is one line: a control character would make rollout.toml unreadable.
    if name.chars().any(char::is_control) {
        return Err(InitError::BadName);
    }
    if dir.exists() {
        let non_empty = std::fs::read_dir(dir).map_err(io(dir))?.next().is_some();
        if non_empty && !force {
            return Err(InitError::NotEmpty(dir.display().to_string()));
        }
    }
    for sub in ["sources", "plans", "templates"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(&dir.join(sub)))?;
    }
    let cfg = dir.join("rollout.toml");
    std::fs::write(&cfg, render_config(profile, name)).map_err(io(&cfg))?;
    let readme = dir.join("sources").join("README.md");
    std::fs::write(
        &readme,
        "Положите сюда выгрузки списков (xlsx, xls, ods, csv) как они есть: обучающиеся, родители, сотрудники.\n\
         rollout их не изменяет. Затем выполните: rollout run\n",
    )
    .map_err(io(&readme))?;
    std::fs::write(dir.join(".gitignore"), "out/\n.rollout/\n").map_err(io(&dir.join(".gitignore")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn every_profile_renders_a_config_that_parses_without_unknown_keys() {
        for p in Profile::ALL {
            let text = render_config(p, "Школа \"№ 1\"");
            let c = Config::parse(&text, Path::new("rollout.toml")).unwrap();
            assert_eq!(c.profile, p);
            assert!(c.unknown_keys.is_empty(), "{:?}", c.unknown_keys);
            assert!(!text.contains("{{"), "unreplaced placeholder");
        }
    }

    #[test]
    fn the_rollover_keys_uncommented_parse() {
        let text = render_config(Profile::School, "Школа");
        let section: String = text
            .lines()
            .skip_while(|l| *l != "# [rollover]")
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(section.starts_with("[rollover]"), "{section}");
        let c = Config::parse(&format!("{text}\n{section}\n"), Path::new("rollout.toml")).unwrap();
        assert!(c.unknown_keys.is_empty(), "{:?}", c.unknown_keys);
        for key in crate::config::ROLLOVER_KEYS {
            assert!(section.contains(&format!("\n{key} = ")), "{key} is not in the template");
        }
        assert_eq!(c.rollover.last_course_by_prefix.get("ПК"), Some(&3));
    }
}
