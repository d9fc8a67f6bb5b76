//! The rules ARCHITECTURE.md states about the code's shape, checked on every test run:
//! the modules of `src/` form no import cycle (counting inline `crate::x::…` paths, not
//! only `use` lines), `src/lib.rs` holds only declarations and re-exports, and no function
//! in `src/` is longer than 80 lines.
//!
//! The checks read the source text. Comments, string and character literals are blanked
//! first, and `#[cfg(test)]` modules (at the end of a file, by convention) are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its module: the first path segment under `src/`
/// (`src/serve/http.rs` belongs to `serve`); `main.rs` and `lib.rs` are roots.
fn sources() -> Vec<(String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = vec![];
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(&src).unwrap();
                let first = rel.components().next().unwrap().as_os_str();
                let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
                out.push((module, p));
            }
        }
    }
    out.sort();
    out
}

/// The text with comments, strings and char literals replaced by spaces (line breaks
/// kept), and without its `#[cfg(test)]` module.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&b, i) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for ch in &b[i..j.min(b.len())] {
                out.push(blank(*ch));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && is_char_literal(&b, i) {
            let end = char_literal_end(&b, i);
            for ch in &b[i..end] {
                out.push(blank(*ch));
            }
            i = end;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// Whether the `'` at `i` opens a char literal (not a lifetime).
fn is_char_literal(b: &[char], i: usize) -> bool {
    matches!(
        (b.get(i + 1), b.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

fn char_literal_end(b: &[char], i: usize) -> usize {
    let mut j = i + 1;
    if b.get(j) == Some(&'\\') {
        j += 2;
    } else {
        j += 1;
    }
    while j < b.len() && b[j] != '\'' {
        j += 1;
    }
    (j + 1).min(b.len())
}

/// The modules each module depends on: `use crate::x`, `use crate::{x::…}` and inline
/// `crate::x::…` paths.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(m, _)| m.clone())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &files {
        let code = code_of(&std::fs::read_to_string(path).unwrap());
        let edges = graph.entry(module.clone()).or_default();
        let mut rest = code.as_str();
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = after.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end]
                    .split(',')
                    .map(|s| s.trim().split("::").next().unwrap_or("").trim())
                    .collect()
            } else {
                vec![
                    after
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or(""),
                ]
            };
            for n in names {
                if modules.contains(n) && n != module {
                    edges.insert(n.to_string());
                }
            }
            rest = after;
        }
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on: BTreeSet<&'g str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn strong<'g>(s: &mut State<'g>, v: &'g str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                strong(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = vec![];
            loop {
                let w = s.stack.pop().unwrap();
                s.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.found.push(comp);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        next: 0,
        found: vec![],
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            strong(&mut s, v);
        }
    }
    s.found
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    let found = cycles(&graph);
    let edges: Vec<String> = found
        .iter()
        .flatten()
        .map(|m| format!("{m} -> {:?}", graph[m]))
        .collect();
    assert!(
        found.is_empty(),
        "modules that depend on each other (through `use crate::` or inline `crate::` paths): {found:?}\n{}",
        edges.join("\n")
    );
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let mut graph = BTreeMap::new();
    graph.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    graph.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    graph.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    graph.insert("d".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
    let code =
        code_of("// crate::x::y\nlet s = \"crate::z\"; crate::w::f(); r#\"crate::q\"#; 'c';");
    assert!(!code.contains("crate::x") && !code.contains("crate::z") && !code.contains("crate::q"));
    assert!(code.contains("crate::w"));
}

/// Each `fn` in the code and its length in lines, from its `fn` line to its closing brace.
fn function_lengths(code: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let starts: Vec<usize> = {
        let mut v = vec![0];
        for l in &lines {
            v.push(v.last().unwrap() + l.len() + 1);
        }
        v
    };
    let line_of = |offset: usize| starts.partition_point(|&s| s <= offset);
    let bytes = code.as_bytes();
    let mut out = vec![];
    let mut at = 0;
    while let Some(i) = code[at..].find("fn ") {
        let start = at + i;
        at = start + 3;
        let word_start =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !word_start {
            continue;
        }
        let name: String = code[start + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // The body opens at the first `{` at depth 0 of (), <> and [], before any `;`.
        let mut depth = 0i32;
        let mut open = None;
        for (k, ch) in code[start..].char_indices() {
            match ch {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => break,
                '{' if depth == 0 => {
                    open = Some(start + k);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let mut braces = 0i32;
        let mut close = None;
        for (k, ch) in code[open..].char_indices() {
            match ch {
                '{' => braces += 1,
                '}' => {
                    braces -= 1;
                    if braces == 0 {
                        close = Some(open + k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let (first, last) = (line_of(start), line_of(close));
        out.push((name, first, last - first + 1));
    }
    out
}

#[test]
fn no_function_in_src_is_over_80_lines() {
    let mut long = vec![];
    for (_, path) in sources() {
        let code = code_of(&std::fs::read_to_string(&path).unwrap());
        for (name, line, len) in function_lengths(&code) {
            if len > 80 {
                long.push(format!(
                    "{}:{line}: fn {name} is {len} lines",
                    path.display()
                ));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these by what each part does:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_measures_functions() {
    let code = code_of(
        "fn a() {\n    let x = \"}\";\n}\n\nfn b(x: [u8; 2]) -> Vec<u8> where T: X {\n    {\n    }\n}\n",
    );
    let got = function_lengths(&code);
    assert_eq!(got, vec![("a".into(), 1, 3), ("b".into(), 5, 4)]);
}

#[test]
fn lib_rs_holds_only_declarations_and_re_exports() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let code = code_of(&std::fs::read_to_string(path).unwrap());
    let mut depth = 0;
    let mut odd = vec![];
    for (n, line) in code.lines().enumerate() {
        let t = line.trim();
        if depth == 0
            && !t.is_empty()
            && !t.starts_with("pub mod ")
            && !t.starts_with("mod ")
            && !t.starts_with("pub use ")
            && !t.starts_with("#![")
            && !t.starts_with("#[cfg")
            && !t.starts_with('}')
        {
            odd.push(format!("src/lib.rs:{}: {t}", n + 1));
        }
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
    }
    assert!(
        odd.is_empty(),
        "lib.rs should only declare modules and re-export:\n{}",
        odd.join("\n")
    );
}
