//! Layered tera templates, for the letters, the dashboard and the bot's messages: the
//! built-in ones, each replaced by the workspace's file of the same name under
//! `templates/`. A template that does not parse or render is named by the file it came from,
//! with the line, the column and the cause in Russian.

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    #[error("шаблон {file}: {message}\n  подсказка: {}", hint(*.overridden))]
    Template { file: String, message: String, overridden: bool },
    #[error("не удалось прочитать {path}: {}", crate::files::IoRu(.source))]
    Io { path: String, source: std::io::Error },
}

fn hint(overridden: bool) -> &'static str {
    if overridden {
        "это файл рабочего места: исправьте его или удалите — тогда будет взят встроенный шаблон"
    } else {
        "это встроенный шаблон rollout — сообщите разработчикам; пока можно положить свой файл с тем же именем в папку templates/ рабочего места"
    }
}

pub struct Layered {
    tera: tera::Tera,
    /// Template name → (the file it came from, for people; whether the workspace's).
    shown: BTreeMap<String, (String, bool)>,
}

impl Layered {
    /// `builtins`: (name, text), the name relative to `templates/` (`letters/parent.txt`).
    pub fn new(builtins: &[(&str, &str)], workspace_templates: Option<&Path>) -> Result<Layered, TemplateError> {
        let mut tera = tera::Tera::default();
        let mut shown = BTreeMap::new();
        for (name, builtin) in builtins {
            let over = workspace_templates.map(|d| d.join(name)).filter(|p| p.is_file());
            let text = match &over {
                Some(p) => std::fs::read_to_string(p).map_err(|source| TextIo::io(p, source))?,
                None => builtin.to_string(),
            };
            let file = over
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| format!("{name} (встроенный)"));
            let overridden = over.is_some();
            tera.add_raw_template(name, &text).map_err(|e| TemplateError::Template {
                file: file.clone(),
                message: describe(&e),
                overridden,
            })?;
            shown.insert(name.to_string(), (file, overridden));
        }
        Ok(Layered { tera, shown })
    }

    pub fn render(&self, name: &str, ctx: &impl Serialize) -> Result<String, TemplateError> {
        let (file, overridden) = self.shown.get(name).cloned().unwrap_or_else(|| (name.to_string(), false));
        let err = |message: String| TemplateError::Template {
            file: file.clone(),
            message,
            overridden,
        };
        let context = tera::Context::from_serialize(ctx).map_err(|e| err(describe(&e)))?;
        self.tera.render(name, &context).map_err(|e| err(describe(&e)))
    }
}

struct TextIo;

impl TextIo {
    fn io(p: &Path, source: std::io::Error) -> TemplateError {
        TemplateError::Io {
            path: p.display().to_string(),
            source,
        }
    }
}

/// A tera error in Russian: where (line, column, the line itself) and why.
pub fn describe(e: &tera::Error) -> String {
    let mut text = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(c) = cur {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cur = c.source();
    }
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    let cause = ru_cause(first.strip_prefix("error: ").unwrap_or(first));
    // The report's locus: ` --> name:LINE:COL`, then ` |`, `LINE | text`, ` | ^^^`.
    let rest: Vec<&str> = lines.collect();
    let locus = rest.iter().find_map(|l| {
        let l = l.trim_start().strip_prefix("--> ")?;
        let mut parts = l.rsplitn(3, ':');
        let col: usize = parts.next()?.trim().parse().ok()?;
        let line: usize = parts.next()?.trim().parse().ok()?;
        Some((line, col))
    });
    let quoted = rest
        .iter()
        .find_map(|l| {
            let (num, src) = l.split_once(" | ")?;
            num.trim().parse::<usize>().ok()?;
            Some(src.trim_end().to_string())
        })
        .filter(|s| !s.trim().is_empty());
    match (locus, quoted) {
        (Some((line, col)), Some(src)) => format!("строка {line}, позиция {col}: {cause} — «{}»", clip(src.trim())),
        (Some((line, col)), None) => format!("строка {line}, позиция {col}: {cause}"),
        _ => cause,
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        s.chars().take(80).collect::<String>() + "…"
    }
}

/// The causes tera gives, in Russian; anything else as tera says it.
fn ru_cause(msg: &str) -> String {
    let msg = msg.trim();
    let tick = |s: &str| -> Option<String> {
        let a = s.find('`')?;
        let b = a + 1 + s[a + 1..].find('`')?;
        Some(s[a + 1..b].to_string())
    };
    let available = msg
        .split_once("Available variables: ")
        .map(|(_, v)| format!(" (есть: {})", v.trim_end_matches('.')))
        .unwrap_or_default();
    if msg.starts_with("Variable `")
        && msg.contains("is not defined")
        && let Some(v) = tick(msg)
    {
        return format!("переменной «{v}» в этом шаблоне нет{available}");
    }
    if msg.starts_with("Field `")
        && msg.contains("is not defined")
        && let Some(v) = tick(msg)
    {
        return format!("поля «{v}» нет{available}");
    }
    if let Some(rest) = msg.strip_prefix("Found ")
        && let Some((found, expected)) = rest.split_once(" but expected ")
    {
        return format!(
            "ошибка в записи шаблона: встретилось {found}, а ожидалось {}",
            expected.trim_end_matches('.')
        );
    }
    if msg.starts_with("Unknown filter") || msg.contains("filter") && msg.contains("not found") {
        return format!("неизвестный фильтр ({msg})");
    }
    if msg.starts_with("Unexpected end of") || msg.contains("unexpected end") {
        return format!("шаблон обрывается: не закрыт тег или блок ({msg})");
    }
    format!("ошибка шаблона: {msg}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_error(text: &str) -> String {
        Layered::new(&[("messages/x.txt", text)], None).err().expect("an error").to_string()
    }

    #[test]
    fn a_template_that_does_not_parse_is_named_with_its_line_and_a_russian_cause() {
        let e = parse_error("Правила\nчата {{ group }\n");
        assert!(e.starts_with("шаблон messages/x.txt (встроенный): строка 2, позиция "), "{e}");
        assert!(e.contains("ошибка в записи шаблона") && e.contains("«чата {{ group }»"), "{e}");
        assert!(!e.contains("error:"), "{e}");
    }

    #[test]
    fn an_unknown_variable_is_named_with_those_there_are() {
        let t = Layered::new(&[("messages/x.txt", "Здравствуйте, {{ nobody }}!")], None).unwrap();
        let e = t
            .render("messages/x.txt", &serde_json::json!({"org": "Школа"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("переменной «nobody» в этом шаблоне нет"), "{e}");
        assert!(e.contains("org"), "{e}");
        assert!(e.contains("строка 1"), "{e}");
    }

    #[test]
    fn a_workspace_file_is_named_by_its_path_in_parse_and_render_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("messages")).unwrap();
        std::fs::write(dir.path().join("messages/x.txt"), "{{ nope }}").unwrap();
        let t = Layered::new(&[("messages/x.txt", "встроенный")], Some(dir.path())).unwrap();
        let e = t.render("messages/x.txt", &serde_json::json!({})).unwrap_err().to_string();
        let path = dir.path().join("messages/x.txt").display().to_string();
        assert!(e.starts_with(&format!("шаблон {path}: ")), "{e}");
        assert!(e.contains("это файл рабочего места"), "{e}");
    }
}
