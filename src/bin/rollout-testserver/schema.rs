//! Every request checked against the vendored MAX Bot API schema: the path template, the
//! method, the path and query parameters and the JSON body. The YAML is parsed once into a
//! `serde_json::Value`; only the parts of OpenAPI 3.0 and JSON Schema the file uses are
//! understood (`$ref`, `allOf`, `discriminator`, `properties`, `required`, `type`, `enum`,
//! `nullable`, `minLength`/`maxLength`, `minimum`/`maximum`, `items`, `minItems`/`maxItems`,
//! `uniqueItems`, `additionalProperties`, and the file's few `pattern`s).
//!
//! Stricter than JSON Schema in one respect, on purpose: a body property no schema in the
//! object's `allOf` chain names is refused, so that a client's misspelt field is a 400 here
//! rather than something the real API silently ignores.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

const SCHEMA_YAML: &str = include_str!("../../../vendor/max-bot-api/openapi-2026-07-01.yaml");

/// What the schema's note marks as gone: such an operation is answered with an Error.
const GONE_NOTE: &str = "больше не поддерживается";

pub struct Schema {
    doc: Value,
    routes: Vec<Route>,
}

struct Route {
    template: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param(String),
}

/// A request the schema allows: which operation, and its parameters typed.
#[derive(Debug)]
pub struct Allowed {
    pub operation_id: String,
    pub path_params: BTreeMap<String, Value>,
    pub query: BTreeMap<String, Value>,
    pub body: Option<Value>,
}

impl Allowed {
    pub fn path_i64(&self, name: &str) -> i64 {
        self.path_params.get(name).and_then(Value::as_i64).unwrap_or_default()
    }

    pub fn query_i64(&self, name: &str) -> Option<i64> {
        self.query.get(name).and_then(Value::as_i64)
    }
}

impl Schema {
    pub fn load() -> Schema {
        let doc: Value = serde_yaml_ng::from_str(SCHEMA_YAML).expect("the vendored schema is valid YAML");
        let mut routes = Vec::new();
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            for template in paths.keys() {
                let segments = split_path(template)
                    .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => Segment::Param(name.to_string()),
                        None => Segment::Literal(s.to_string()),
                    })
                    .collect();
                routes.push(Route {
                    template: template.clone(),
                    segments,
                });
            }
        }
        // Templates with more literal segments first: `/chats/{chatId}/members/me` before
        // anything with a parameter in that place.
        routes.sort_by_key(|r| std::cmp::Reverse(r.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count()));
        Schema { doc, routes }
    }

    /// Check one request. `query` is already percent-decoded, in the order it came;
    /// `body` is the raw body (empty when there is none).
    pub fn check(&self, method: &str, path: &str, query: &[(String, String)], body: &[u8]) -> Result<Allowed, String> {
        let segments: Vec<String> = split_path(path).map(percent_decode).collect();
        let method_key = method.to_ascii_lowercase();
        let mut known_path = false;
        let mut last_error = None;
        for route in &self.routes {
            if route.segments.len() != segments.len() {
                continue;
            }
            let literal_match = route.segments.iter().zip(&segments).all(|(r, s)| match r {
                Segment::Literal(l) => l == s,
                Segment::Param(_) => true,
            });
            if !literal_match {
                continue;
            }
            known_path = true;
            let Some(op) = self.doc["paths"][&route.template].get(&method_key) else {
                continue;
            };
            match self.check_operation(route, op, &segments) {
                Ok(path_params) => return self.check_rest(method, &route.template, op, path_params, query, body),
                // `/chats/{chatLink}` and `/chats/{chatId}` share a shape: try the next one.
                Err(e) => last_error = Some(e),
            }
        }
        Err(match (known_path, last_error) {
            (_, Some(e)) => e,
            (true, None) => format!("method {method} is not allowed for {path}"),
            (false, None) => format!("unknown path {path}"),
        })
    }

    fn check_operation(&self, route: &Route, op: &Value, segments: &[String]) -> Result<BTreeMap<String, Value>, String> {
        let mut out = BTreeMap::new();
        for (seg, raw) in route.segments.iter().zip(segments) {
            let Segment::Param(name) = seg else { continue };
            let param = self
                .params(op)
                .into_iter()
                .find(|p| p["in"] == "path" && p["name"] == name.as_str())
                .ok_or_else(|| format!("path parameter {name} is not described"))?;
            let schema = self.resolve(&param["schema"]);
            let value = scalar(raw, schema, &self.doc).map_err(|e| format!("path parameter {name}: {e}"))?;
            out.insert(name.clone(), value);
        }
        Ok(out)
    }

    fn check_rest(
        &self,
        method: &str,
        template: &str,
        op: &Value,
        path_params: BTreeMap<String, Value>,
        query: &[(String, String)],
        body: &[u8],
    ) -> Result<Allowed, String> {
        let operation_id = op["operationId"].as_str().unwrap_or_default().to_string();
        if op["description"].as_str().is_some_and(|d| d.contains(GONE_NOTE)) {
            return Err(format!(
                "{method} {template} is no longer supported (since June 2026, as the API's note says)"
            ));
        }
        let params = self.params(op);
        let mut typed = BTreeMap::new();
        let mut raw: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in query {
            raw.entry(k.as_str()).or_default().push(v.as_str());
        }
        for (name, values) in &raw {
            let Some(param) = params.iter().find(|p| p["in"] == "query" && p["name"] == *name) else {
                return Err(format!("unknown query parameter {name}"));
            };
            let schema = self.resolve(&param["schema"]);
            let value = if schema["type"] == "array" {
                let items = self.resolve(&schema["items"]);
                let mut list = Vec::new();
                for part in values.iter().flat_map(|v| v.split(',')).filter(|s| !s.is_empty()) {
                    list.push(scalar(part, items, &self.doc).map_err(|e| format!("query parameter {name}: {e}"))?);
                }
                if schema["uniqueItems"] == true && has_duplicates(&list) {
                    return Err(format!("query parameter {name}: repeated items"));
                }
                Value::Array(list)
            } else {
                if values.len() > 1 {
                    return Err(format!("query parameter {name} given more than once"));
                }
                if values[0] == "null" && schema["nullable"] == true {
                    Value::Null
                } else {
                    scalar(values[0], schema, &self.doc).map_err(|e| format!("query parameter {name}: {e}"))?
                }
            };
            typed.insert(name.to_string(), value);
        }
        for p in &params {
            if p["in"] == "query" && p["required"] == true {
                let name = p["name"].as_str().unwrap_or_default();
                if !typed.contains_key(name) {
                    return Err(format!("query parameter {name} is required"));
                }
            }
        }
        let request_body = op.get("requestBody");
        let body = match request_body {
            None if body.iter().all(u8::is_ascii_whitespace) => None,
            None => return Err(format!("{method} {template} takes no body")),
            Some(rb) => {
                if body.iter().all(u8::is_ascii_whitespace) {
                    if rb["required"] == true {
                        return Err("a JSON body is required".into());
                    }
                    None
                } else {
                    let value: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
                    let schema = &rb["content"]["application/json"]["schema"];
                    self.validate(&value, schema, "body", true, false)?;
                    Some(value)
                }
            }
        };
        Ok(Allowed {
            operation_id,
            path_params,
            query: typed,
            body,
        })
    }

    fn params<'a>(&'a self, op: &'a Value) -> Vec<&'a Value> {
        op["parameters"]
            .as_array()
            .map(|a| a.iter().map(|p| self.resolve(p)).collect())
            .unwrap_or_default()
    }

    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(r) => schema = lookup(&self.doc, r),
                None => break,
            }
        }
        schema
    }

    /// Validate `value` against `schema`. `strict`: refuse object properties no schema of
    /// this object names (off inside `allOf` members, which see only part of the object).
    /// `via_discriminator`: the base schema's discriminator already chose this subtype.
    fn validate(&self, value: &Value, schema: &Value, at: &str, strict: bool, via_discriminator: bool) -> Result<(), String> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return self.validate(value, lookup(&self.doc, r), at, strict, via_discriminator);
        }
        if value.is_null() {
            if schema["nullable"] == true {
                return Ok(());
            }
            let shaped = schema.get("type").is_some() || schema.get("enum").is_some() || schema.get("properties").is_some();
            if shaped {
                return Err(format!("{at}: null is not allowed"));
            }
        }
        if !via_discriminator && let Some(d) = schema.get("discriminator") {
            let prop = d["propertyName"].as_str().unwrap_or_default();
            let Some(kind) = value.get(prop).and_then(Value::as_str) else {
                return Err(format!("{at}: {prop} is required"));
            };
            let Some(target) = d["mapping"].get(kind) else {
                return Err(format!("{at}.{prop}: unknown kind {kind:?}"));
            };
            let target = match target {
                Value::String(r) => lookup(&self.doc, r),
                other => other,
            };
            return self.validate(value, target, at, strict, true);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.validate(value, part, at, false, via_discriminator)?;
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            return Err(format!("{at}: {value} is not one of the allowed values"));
        }
        let ty = schema
            .get("type")
            .and_then(Value::as_str)
            .or(if schema.get("properties").is_some() { Some("object") } else { None });
        match ty {
            Some("string") => {
                let s = value.as_str().ok_or_else(|| format!("{at}: a string is expected"))?;
                let n = s.chars().count() as u64;
                if schema["minLength"].as_u64().is_some_and(|m| n < m) {
                    return Err(format!("{at}: too short"));
                }
                if schema["maxLength"].as_u64().is_some_and(|m| n > m) {
                    return Err(format!("{at}: too long"));
                }
                if let Some(p) = schema["pattern"].as_str()
                    && !matches_pattern(p, s)
                {
                    return Err(format!("{at}: does not match {p}"));
                }
            }
            Some("integer") => {
                let n = value.as_i64().ok_or_else(|| format!("{at}: an integer is expected"))?;
                check_range(n as f64, schema, at)?;
            }
            Some("number") => {
                let n = value.as_f64().ok_or_else(|| format!("{at}: a number is expected"))?;
                check_range(n, schema, at)?;
            }
            Some("boolean") => {
                value.as_bool().ok_or_else(|| format!("{at}: true or false is expected"))?;
            }
            Some("array") => {
                let items = value.as_array().ok_or_else(|| format!("{at}: an array is expected"))?;
                let n = items.len() as u64;
                if schema["minItems"].as_u64().is_some_and(|m| n < m) {
                    return Err(format!("{at}: too few items"));
                }
                if schema["maxItems"].as_u64().is_some_and(|m| n > m) {
                    return Err(format!("{at}: too many items"));
                }
                if schema["uniqueItems"] == true && has_duplicates(items) {
                    return Err(format!("{at}: repeated items"));
                }
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.validate(item, item_schema, &format!("{at}[{i}]"), true, false)?;
                    }
                }
            }
            Some("object") => {
                let obj = value.as_object().ok_or_else(|| format!("{at}: an object is expected"))?;
                self.validate_object(obj, schema, at)?;
            }
            _ => {}
        }
        if strict && let Some(obj) = value.as_object() {
            if schema.get("additionalProperties").is_some() {
                return Ok(());
            }
            let mut known = Vec::new();
            self.property_names(schema, &mut known, 0);
            if !known.is_empty()
                && let Some(extra) = obj.keys().find(|k| !known.contains(k))
            {
                return Err(format!("{at}: unknown property {extra}"));
            }
        }
        Ok(())
    }

    fn validate_object(&self, obj: &Map<String, Value>, schema: &Value, at: &str) -> Result<(), String> {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(name) {
                    return Err(format!("{at}.{name} is required"));
                }
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, v) in obj {
                if let Some(s) = props.get(name) {
                    self.validate(v, s, &format!("{at}.{name}"), true, false)?;
                }
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|s| s.is_object()) {
            for (name, v) in obj {
                if schema["properties"].get(name).is_none() {
                    self.validate(v, extra, &format!("{at}.{name}"), true, false)?;
                }
            }
        }
        Ok(())
    }

    /// Every property name this schema and its `allOf` chain declare.
    fn property_names(&self, schema: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 16 {
            return;
        }
        let schema = self.resolve(schema);
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            out.extend(props.keys().cloned());
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.property_names(part, out, depth + 1);
            }
        }
    }
}

fn lookup<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').unwrap_or(reference);
    doc.pointer(pointer).unwrap_or(&Value::Null)
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// A path or query value typed by its (already resolved) schema.
fn scalar(raw: &str, schema: &Value, doc: &Value) -> Result<Value, String> {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => lookup(doc, r),
        None => schema,
    };
    let value = match schema["type"].as_str() {
        Some("integer") => {
            let n: i64 = raw.parse().map_err(|_| format!("{raw:?} is not an integer"))?;
            check_range(n as f64, schema, "value")?;
            Value::from(n)
        }
        Some("number") => {
            let n: f64 = raw.parse().map_err(|_| format!("{raw:?} is not a number"))?;
            check_range(n, schema, "value")?;
            Value::from(n)
        }
        Some("boolean") => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("{raw:?} is not true or false")),
        },
        _ => {
            if let Some(p) = schema["pattern"].as_str()
                && !matches_pattern(p, raw)
            {
                return Err(format!("{raw:?} does not match {p}"));
            }
            Value::String(raw.to_string())
        }
    };
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(&value)
    {
        return Err(format!("{raw:?} is not one of the allowed values"));
    }
    Ok(value)
}

fn check_range(n: f64, schema: &Value, at: &str) -> Result<(), String> {
    if let Some(min) = bound(&schema["minimum"])
        && n < min
    {
        return Err(format!("{at}: {n} is below the minimum {min}"));
    }
    if let Some(max) = bound(&schema["maximum"])
        && n > max
    {
        return Err(format!("{at}: {n} is above the maximum {max}"));
    }
    Ok(())
}

fn bound(v: &Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn has_duplicates(items: &[Value]) -> bool {
    items.iter().enumerate().any(|(i, a)| items[..i].contains(a))
}

/// The file's few patterns, written out by hand (no regex engine in the dependencies); a
/// pattern not known here is not checked.
fn matches_pattern(pattern: &str, s: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    match pattern {
        r"\-?\d+" => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        }
        // Written with a doubled backslash in the file; meant as `@?[a-zA-Z]+[\w-]*`.
        r"@?[a-zA-Z]+[\\w-]*" | r"@?[a-zA-Z]+[\w-]*" => {
            let rest = s.strip_prefix('@').unwrap_or(s);
            rest.starts_with(|c: char| c.is_ascii_alphabetic()) && rest.chars().all(|c| word(c) || c == '-')
        }
        r"[a-zA-Z0-9_\-]+" => !s.is_empty() && s.chars().all(|c| word(c) || c == '-'),
        r"^[a-zA-Z0-9_-]{5,256}$" => (5..=256).contains(&s.len()) && s.chars().all(|c| word(c) || c == '-'),
        r"^(?!\s*$).+" => !s.trim().is_empty() && !s.contains('\n'),
        _ => true,
    }
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query string as (name, value) pairs, percent-decoded.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        Schema::load()
    }

    #[test]
    fn chat_id_and_chat_link_share_a_template() {
        let s = schema();
        assert_eq!(s.check("GET", "/chats/-123", &[], b"").unwrap().operation_id, "getChat");
        assert_eq!(
            s.check("GET", "/chats/@school_news", &[], b"").unwrap().operation_id,
            "getChatByLink"
        );
        assert!(s.check("GET", "/chats/1abc", &[], b"").is_err());
        assert_eq!(
            s.check("GET", "/chats/-1/members/me", &[], b"").unwrap().operation_id,
            "getMembership"
        );
        assert_eq!(
            s.check("DELETE", "/chats/-1/members/admins/5", &[], b"")
                .unwrap()
                .path_i64("userId"),
            5
        );
    }

    #[test]
    fn query_parameters_are_typed_and_bounded() {
        let s = schema();
        let q = |pairs: &[(&str, &str)]| pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        let ok = s
            .check("GET", "/chats/-1/members", &q(&[("count", "100"), ("marker", "40")]), b"")
            .unwrap();
        assert_eq!(ok.query_i64("count"), Some(100));
        assert!(
            s.check("GET", "/chats/-1/members", &q(&[("count", "500")]), b"")
                .unwrap_err()
                .contains("maximum")
        );
        assert!(s.check("GET", "/chats/-1/members", &q(&[("count", "0")]), b"").is_err());
        assert!(
            s.check("GET", "/chats/-1/members", &q(&[("access_token", "x")]), b"")
                .unwrap_err()
                .contains("unknown")
        );
        assert!(
            s.check("DELETE", "/chats/-1/members", &[], b"")
                .unwrap_err()
                .contains("user_id is required")
        );
        assert!(
            s.check("DELETE", "/chats/-1/members", &q(&[("user_id", "7"), ("block", "yes")]), b"")
                .is_err()
        );
        let u = s
            .check("GET", "/updates", &q(&[("types", "bot_added,bot_removed"), ("timeout", "0")]), b"")
            .unwrap();
        assert_eq!(u.query["types"], serde_json::json!(["bot_added", "bot_removed"]));
        assert!(s.check("GET", "/updates", &q(&[("timeout", "91")]), b"").is_err());
    }

    #[test]
    fn bodies_follow_the_schema() {
        let s = schema();
        let admins = br#"{"admins":[{"user_id":5,"permissions":["read_all_messages","add_admins"]}]}"#;
        assert!(s.check("POST", "/chats/-1/members/admins", &[], admins).is_ok());
        let bad_perm = br#"{"admins":[{"user_id":5,"permissions":["fly"]}]}"#;
        assert!(s.check("POST", "/chats/-1/members/admins", &[], bad_perm).is_err());
        assert!(
            s.check("POST", "/chats/-1/members/admins", &[], br#"{"admins":[{"user_id":5}]}"#)
                .unwrap_err()
                .contains("required")
        );
        assert!(s.check("POST", "/chats/-1/members/admins", &[], b"").is_err());
        assert!(
            s.check("PATCH", "/chats/-1", &[], br#"{"title":""}"#)
                .unwrap_err()
                .contains("too short")
        );
        assert!(
            s.check("PATCH", "/chats/-1", &[], br#"{"title":"New title","notify":null}"#)
                .is_ok()
        );
        assert!(
            s.check("PATCH", "/chats/-1", &[], br#"{"titel":"x"}"#)
                .unwrap_err()
                .contains("unknown property")
        );
        let msg = br#"{"text":"hi","attachments":null,"link":null,"format":"markdown"}"#;
        assert!(s.check("POST", "/messages", &[("chat_id".into(), "-1".into())], msg).is_ok());
        assert!(
            s.check(
                "POST",
                "/messages",
                &[],
                br#"{"text":"hi","attachments":null,"link":null,"format":"rtf"}"#
            )
            .is_err()
        );
        assert!(s.check("GET", "/me", &[], b"{}").unwrap_err().contains("no body"));
    }

    #[test]
    fn gone_and_unknown_requests_are_refused() {
        let s = schema();
        assert!(s.check("GET", "/chats", &[], b"").unwrap_err().contains("no longer supported"));
        assert!(s.check("GET", "/nowhere", &[], b"").unwrap_err().contains("unknown path"));
        assert!(s.check("PUT", "/me", &[], b"").unwrap_err().contains("not allowed"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%40news"), "@news");
        assert_eq!(percent_decode("a%2Cb"), "a,b");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(
            parse_query("a=1&b=%D0%B0"),
            vec![("a".into(), "1".into()), ("b".into(), "а".into())]
        );
    }
}
