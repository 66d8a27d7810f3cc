//! The parsers' English messages (toml, serde, serde_json) in Russian, for the messages
//! about rollout.toml and the platform snapshot. A message not known here keeps its
//! original text, so nothing is lost.

/// A serde data error: a missing field, a value of the wrong type or not among the allowed.
pub fn data_message(m: &str) -> Option<String> {
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        let (value, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let expected = expected.trim_start_matches("one of ").replace(" or ", ", ").replace('`', "");
        let value = value.trim_matches('`');
        return Some(if expected.is_empty() {
            format!("недопустимое значение «{value}»")
        } else {
            format!("недопустимое значение «{value}»; допустимые: {expected}")
        });
    }
    if let Some(rest) = m.strip_prefix("unknown field ") {
        let field = rest.split_once(',').map_or(rest, |(f, _)| f);
        return Some(format!("неизвестное поле {field}"));
    }
    if let Some(field) = m.strip_prefix("missing field ") {
        return Some(format!("не хватает поля {field}"));
    }
    // The toml crate's own wording for an enum or a one-key table of the wrong shape.
    if let Some(rest) = m.strip_prefix("wanted ") {
        return Some(match rest {
            "string or table" => "неверный тип значения: нужно одно из допустимых значений в кавычках".to_string(),
            r if r.starts_with("exactly 1 element") => "нужен ровно один ключ".to_string(),
            r => format!("неверный тип значения: нужно {}", kind_ru(r)),
        });
    }
    if let Some(field) = m.strip_prefix("duplicate field ") {
        return Some(format!("поле {field} указано дважды"));
    }
    for (prefix, ru) in [
        ("invalid type: ", "неверный тип значения"),
        ("invalid value: ", "недопустимое значение"),
    ] {
        if let Some(rest) = m.strip_prefix(prefix) {
            let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let found = kind_ru(found);
            return Some(if expected.is_empty() {
                format!("{ru}: {found}")
            } else {
                format!("{ru}: {found}, а нужно {}", kind_ru(expected))
            });
        }
    }
    None
}

/// «string "x"» → «текст "x"», «a boolean» → «да/нет (true/false)» …
fn kind_ru(s: &str) -> String {
    const KINDS: [(&str, &str); 13] = [
        ("table", "таблица"),
        ("a sequence", "список"),
        ("sequence", "список"),
        ("a map", "таблица"),
        ("map", "таблица"),
        ("a string", "текст"),
        ("string", "текст"),
        ("a boolean", "true или false"),
        ("boolean", "true или false"),
        ("integer", "целое число"),
        ("floating point", "число"),
        ("an integer", "целое число"),
        ("a table", "таблица"),
    ];
    // Number types by their Rust names (serde's «expected i64»).
    const NUMBERS: [(&str, &str); 12] = [
        ("i8", "целое число"),
        ("i16", "целое число"),
        ("i32", "целое число"),
        ("i64", "целое число"),
        ("u8", "целое число не меньше 0"),
        ("u16", "целое число не меньше 0"),
        ("u32", "целое число не меньше 0"),
        ("u64", "целое число не меньше 0"),
        ("usize", "целое число не меньше 0"),
        ("isize", "целое число"),
        ("f32", "число"),
        ("f64", "число"),
    ];
    if let Some((_, ru)) = NUMBERS.iter().find(|(en, _)| *en == s) {
        return ru.to_string();
    }
    if let Some((a, b)) = s.split_once(" or ") {
        return format!("{} или {}", kind_ru(a), kind_ru(b));
    }
    for (en, ru) in KINDS {
        if s == en {
            return ru.to_string();
        }
        if let Some(rest) = s.strip_prefix(en)
            && rest.starts_with(' ')
        {
            return format!("{ru}{rest}");
        }
    }
    s.to_string()
}

/// A TOML error for people: where (`at`: «, строка 3, столбец 11», empty when unknown),
/// what (in Russian), and the line with a caret under the place (`snippet`, from a newline).
/// Shown after the file's path: «rollout.toml, строка 3, столбец 11: …».
#[derive(Debug, Clone, thiserror::Error)]
#[error("{at}: {message}{snippet}")]
pub struct TomlError {
    pub at: String,
    pub message: String,
    pub snippet: String,
}

pub fn toml_error(text: &str, e: &toml::de::Error) -> TomlError {
    let (at, snippet) = match e.span() {
        Some(span) => {
            let start = span.start.min(text.len());
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line_no = text[..start].matches('\n').count() + 1;
            let line = text[line_start..line_end].trim_end_matches('\r');
            let col = text[line_start..start].chars().count() + 1;
            let end = span.end.clamp(start, line_end);
            let width = text[start..end].chars().count().max(1);
            let num = line_no.to_string();
            if let Some(key) = secret_key(line) {
                // A token or a password in the address is never shown back, even broken.
                return TomlError {
                    at: format!(", строка {line_no}, столбец {col}"),
                    message: toml_message(e.message()),
                    snippet: format!("\n  {num} | {key} = … (значение не показано)"),
                };
            }
            (
                format!(", строка {line_no}, столбец {col}"),
                format!(
                    "\n  {num} | {line}\n  {} | {}{}",
                    " ".repeat(num.len()),
                    " ".repeat(col - 1),
                    "^".repeat(width)
                ),
            )
        }
        None => (String::new(), String::new()),
    };
    TomlError {
        at,
        message: toml_message(e.message()),
        snippet,
    }
}

/// The key of a line that holds a secret: a `token` key, or an address with
/// `user:password@` in it.
fn secret_key(line: &str) -> Option<String> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim().trim_matches(['"', '\'']).trim();
    let lower = key.to_ascii_lowercase();
    let address = value
        .split("://")
        .nth(1)
        .is_some_and(|rest| rest.split(['/', '?', '#', '"', '\'', ' ']).next().unwrap_or_default().contains('@'));
    (lower == "token" || lower.ends_with(".token") || address).then(|| key.to_string())
}

/// A TOML parse or data error.
pub fn toml_message(m: &str) -> String {
    if let Some(ru) = data_message(m) {
        return ru;
    }
    let (what, expected) = match m.split_once(", expected ") {
        Some((w, e)) => (w, Some(e)),
        None => (m, None),
    };
    const SYNTAX: [(&str, &str); 22] = [
        ("unclosed table", "не закрыт заголовок таблицы"),
        ("unclosed array table", "не закрыт заголовок таблицы [[…]]"),
        ("unclosed array", "не закрыт список"),
        ("unclosed inline table", "не закрыта таблица в фигурных скобках"),
        ("invalid key", "недопустимый ключ"),
        (
            "invalid unquoted key",
            "недопустимый ключ (ключ с пробелами или русскими буквами берут в кавычки)",
        ),
        ("unquoted keys cannot be empty", "пустой ключ"),
        ("missing value", "нет значения"),
        ("missing value for key", "у ключа нет значения"),
        ("key with no value", "у ключа нет значения"),
        ("string values must be quoted", "текст нужно взять в кавычки"),
        ("invalid string", "неверно записан текст в кавычках"),
        ("invalid basic string", "не закрыты кавычки или неверно записан текст в кавычках"),
        ("invalid literal string", "не закрыты кавычки или неверно записан текст в кавычках"),
        ("invalid multi-line basic string", "неверно записан многострочный текст"),
        ("missing comma between array elements", "в списке между значениями нет запятой"),
        ("unexpected content", "лишний текст"),
        ("unexpected key or value", "лишний ключ или значение"),
        ("duplicate key", "этот ключ уже есть выше"),
        ("invalid table", "неверный заголовок таблицы"),
        ("invalid value", "недопустимое значение"),
        ("invalid integer number", "неверно записано число"),
    ];
    match SYNTAX.iter().find(|(en, _)| *en == what) {
        // Only tokens are worth naming («`]`»); the parser's grammar words are not.
        Some((_, ru)) => match expected.filter(|e| e.contains('`')) {
            Some(e) => format!(
                "{ru}: ожидается {}",
                e.replace("newline", "перевод строки").replace(" or ", " или ")
            ),
            None => ru.to_string(),
        },
        None => format!("ошибка записи TOML ({m})"),
    }
}

/// A JSON file that could not be read as the platform's JSON: where, and why.
pub fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    // An empty file ends at «line 1, column 0»: no column to name.
    let at = if e.column() == 0 {
        format!("строка {}", e.line())
    } else {
        format!("строка {}, столбец {}", e.line(), e.column())
    };
    match e.classify() {
        Category::Syntax => format!("{at}: это не JSON"),
        Category::Eof => format!("{at}: JSON обрывается раньше времени"),
        Category::Io => format!("ошибка чтения: {e}"),
        Category::Data => {
            // serde_json appends « at line L column C» to the message.
            let full = e.to_string();
            let msg = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
            format!("{at}: {}", data_message(msg).unwrap_or_else(|| msg.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_in_russian() {
        assert_eq!(
            toml_message("unknown variant `university`, expected one of `school`, `college`"),
            "недопустимое значение «university»; допустимые: school, college"
        );
        assert_eq!(
            toml_message("unclosed table, expected `]`"),
            "не закрыт заголовок таблицы: ожидается `]`"
        );
        assert_eq!(toml_message("missing field `name`"), "не хватает поля `name`");
        assert_eq!(
            toml_message("invalid type: string \"x\", expected a boolean"),
            "неверный тип значения: текст \"x\", а нужно true или false"
        );
        assert_eq!(toml_message("something new"), "ошибка записи TOML (something new)");
        assert_eq!(
            toml_message("invalid type: string \"семь\", expected i64"),
            "неверный тип значения: текст \"семь\", а нужно целое число"
        );
        assert_eq!(
            toml_message("invalid type: integer `5`, expected a string or table"),
            "неверный тип значения: целое число `5`, а нужно текст или таблица"
        );
        assert_eq!(
            toml_message("wanted string or table"),
            "неверный тип значения: нужно одно из допустимых значений в кавычках"
        );
    }
}
