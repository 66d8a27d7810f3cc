//! The shape of the code: no import cycles between top-level modules under `src/`, nor
//! between sibling files inside one module's folder. Edges come from `crate::m` paths (in
//! `use` lines and in code) and, inside a folder, `super::sibling` paths; `#[cfg(test)]`
//! modules and comments are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One edge `from → to`, with where it was seen (file:line).
type Edges = BTreeMap<(String, String), Vec<String>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The source text without comments and without `#[cfg(test)]` modules, line by line
/// (line numbers kept).
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim();
        if t == "#[cfg(test)]"
            && lines
                .get(i + 1)
                .is_some_and(|n| n.trim_start().starts_with("mod ") && n.trim_end().ends_with('{'))
        {
            // Skip the test module to its closing brace.
            let mut depth = 0i32;
            i += 1;
            while i < lines.len() {
                depth += lines[i].matches('{').count() as i32 - lines[i].matches('}').count() as i32;
                i += 1;
                if depth <= 0 {
                    break;
                }
            }
            continue;
        }
        let code = match lines[i].find("//") {
            Some(at) if !lines[i][..at].contains('"') => &lines[i][..at],
            _ => lines[i],
        };
        out.push((i + 1, code.to_string()));
        i += 1;
    }
    out
}

fn ident(s: &[char], mut at: usize) -> (String, usize) {
    let start = at;
    while at < s.len() && (s[at].is_alphanumeric() || s[at] == '_') {
        at += 1;
    }
    (s[start..at].iter().collect(), at)
}

/// Paths of a use tree starting at `at` (after `crate::` or `super::`):
/// `a::b::{c, d::e}` gives `[a, b, c]` and `[a, b, d, e]`.
fn use_tree(s: &[char], mut at: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        while at < s.len() && s[at].is_whitespace() {
            at += 1;
        }
        if at < s.len() && s[at] == '{' {
            at += 1;
            loop {
                while at < s.len() && (s[at].is_whitespace() || s[at] == ',') {
                    at += 1;
                }
                if at >= s.len() || s[at] == '}' {
                    return at + 1;
                }
                let before = at;
                at = use_tree(s, at, path.clone(), out);
                if at == before {
                    at += 1;
                }
            }
        }
        let (name, next) = ident(s, at);
        if name.is_empty() {
            if !path.is_empty() {
                out.push(path);
            }
            return at;
        }
        path.push(name);
        at = next;
        if s.get(at) == Some(&':') && s.get(at + 1) == Some(&':') {
            at += 2;
        } else {
            out.push(path);
            return at;
        }
    }
}

/// Every `crate::…` and `super::…` path on a line: (is_super, path).
fn paths(line: &str) -> Vec<(bool, Vec<String>)> {
    let s: Vec<char> = line.chars().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < s.len() {
        let rest: String = s[at..].iter().take(7).collect();
        let (is_super, skip) = if rest.starts_with("crate::") {
            (false, 7)
        } else if rest.starts_with("super::") {
            (true, 7)
        } else {
            at += 1;
            continue;
        };
        // Only a whole word: not `my_crate::`.
        if at > 0 && (s[at - 1].is_alphanumeric() || s[at - 1] == '_') {
            at += 1;
            continue;
        }
        let mut out = Vec::new();
        let end = use_tree(&s, at + skip, Vec::new(), &mut out);
        found.extend(out.into_iter().map(|p| (is_super, p)));
        at = end.max(at + 1);
    }
    found
}

fn rs_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    v.sort();
    let mut out = Vec::new();
    for p in v {
        if p.is_dir() {
            out.extend(rs_files(&p));
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    out
}

/// The top-level modules (a file or a folder under src/) and the edges between them, plus
/// per folder the edges between its sibling files.
fn graphs() -> (Edges, BTreeMap<String, Edges>) {
    let root = src();
    let modules: BTreeSet<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "main" && m != "lib")
        .collect();
    let mut top = Edges::new();
    let mut inner: BTreeMap<String, Edges> = BTreeMap::new();
    for m in &modules {
        let folder = root.join(m);
        let files = if folder.is_dir() {
            rs_files(&folder)
        } else {
            vec![root.join(format!("{m}.rs"))]
        };
        let siblings: BTreeSet<String> = if folder.is_dir() {
            std::fs::read_dir(&folder)
                .unwrap()
                .flatten()
                .map(|e| e.path().file_stem().unwrap().to_string_lossy().into_owned())
                .filter(|s| s != "mod")
                .collect()
        } else {
            BTreeSet::new()
        };
        for file in files {
            let rel = file.strip_prefix(&root).unwrap().to_string_lossy().into_owned();
            // The file's own name among its siblings ("mod" for the folder's mod.rs).
            let me = if folder.is_dir() {
                let r = file.strip_prefix(&folder).unwrap();
                r.components()
                    .next()
                    .unwrap()
                    .as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            } else {
                String::new()
            };
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in code_lines(&text) {
                for (is_super, p) in paths(&line) {
                    let at = format!("{rel}:{n}");
                    if is_super && me != "mod" && folder.is_dir() {
                        if siblings.contains(&p[0]) && p[0] != me {
                            inner
                                .entry(m.clone())
                                .or_default()
                                .entry((me.clone(), p[0].clone()))
                                .or_default()
                                .push(at);
                        }
                        continue;
                    }
                    if is_super {
                        // `super::` from a folder's mod.rs or a top-level file is the crate root.
                        if modules.contains(&p[0]) && &p[0] != m {
                            top.entry((m.clone(), p[0].clone())).or_default().push(at);
                        }
                        continue;
                    }
                    if &p[0] != m {
                        if modules.contains(&p[0]) {
                            top.entry((m.clone(), p[0].clone())).or_default().push(at);
                        }
                    } else if let Some(sib) = p.get(1)
                        && siblings.contains(sib)
                        && *sib != me
                        && me != "mod"
                    {
                        inner
                            .entry(m.clone())
                            .or_default()
                            .entry((me.clone(), sib.clone()))
                            .or_default()
                            .push(at);
                    }
                }
            }
        }
    }
    (top, inner)
}

/// Groups of nodes that reach each other (strongly connected, more than one node).
fn cycles(edges: &Edges) -> Vec<BTreeSet<String>> {
    let nodes: BTreeSet<String> = edges.keys().flat_map(|(a, b)| [a.clone(), b.clone()]).collect();
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for (a, b) in edges.keys() {
                if *a == n && seen.insert(b.clone()) {
                    todo.push(b.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<String, BTreeSet<String>> = nodes.iter().map(|n| (n.clone(), reach(n))).collect();
    let mut groups: Vec<BTreeSet<String>> = Vec::new();
    for n in &nodes {
        if groups.iter().any(|g| g.contains(n)) || !reaches[n].contains(n) {
            continue;
        }
        let g: BTreeSet<String> = nodes
            .iter()
            .filter(|m| reaches[n].contains(*m) && reaches[*m].contains(n))
            .cloned()
            .collect();
        if g.len() > 1 {
            groups.push(g);
        }
    }
    groups
}

/// The shortest cycle through `from` inside `group`, as a list of nodes (first = last).
fn shortest_cycle(edges: &Edges, group: &BTreeSet<String>, from: &String) -> Vec<String> {
    let mut prev: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from.clone()]);
    while let Some(n) = queue.pop_front() {
        for (a, b) in edges.keys() {
            if *a != n || !group.contains(b) {
                continue;
            }
            if b == from {
                let mut path = vec![from.clone(), n.clone()];
                let mut at = n.clone();
                while at != *from {
                    at = prev[&at].clone();
                    path.push(at.clone());
                }
                path.reverse();
                return path;
            }
            if !prev.contains_key(b) {
                prev.insert(b.clone(), n.clone());
                queue.push_back(b.clone());
            }
        }
    }
    Vec::new()
}

/// Each group's members, then its shortest cycles, each edge with where it is made.
fn describe(scope: &str, edges: &Edges, group: &BTreeSet<String>) -> String {
    let mut s = format!("{scope}cycle among {}:\n", group.iter().cloned().collect::<Vec<_>>().join(", "));
    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
    for n in group {
        let mut c = shortest_cycle(edges, group, n);
        c.pop();
        // One rotation per cycle: start at its smallest node.
        let start = (0..c.len()).min_by_key(|i| &c[*i]).unwrap_or(0);
        c.rotate_left(start);
        if c.is_empty() || !seen.insert(c.clone()) {
            continue;
        }
        c.push(c[0].clone());
        s.push_str(&format!("  {}\n", c.join(" → ")));
        for w in c.windows(2) {
            let mut at = edges[&(w[0].clone(), w[1].clone())].clone();
            at.dedup();
            s.push_str(&format!("      {} → {}: {}\n", w[0], w[1], at.join(", ")));
        }
    }
    s
}

#[test]
fn the_path_parser_reads_use_trees() {
    let p = paths("use crate::{config::Config, ingest::{self, ReadMode}}; let x = crate::state::load_salt(r);");
    let p: Vec<String> = p.into_iter().map(|(_, p)| p.join("::")).collect();
    assert_eq!(p, ["config::Config", "ingest::self", "ingest::ReadMode", "state::load_salt"]);
    let p = paths("use super::measure::Usage; my_crate::x();");
    assert_eq!(p, [(true, vec!["measure".to_string(), "Usage".to_string()])]);
}

#[test]
fn no_import_cycles_between_modules() {
    let (top, inner) = graphs();
    assert!(!top.is_empty(), "no edges found under {}: the parser is broken", src().display());
    let mut report = String::new();
    for g in cycles(&top) {
        report.push_str(&describe("", &top, &g));
    }
    for (m, edges) in &inner {
        for g in cycles(edges) {
            report.push_str(&describe(&format!("inside {m}/: "), edges, &g));
        }
    }
    assert!(report.is_empty(), "import cycles under src/:\n{report}");
}
