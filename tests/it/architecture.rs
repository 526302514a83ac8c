//! The architecture, checked: the allowed dependency graph between the crate's
//! layers (written in ARCHITECTURE.md between `allowed-dependencies` markers),
//! no cycle between the modules of any folder, and which layer alone may name
//! DuckDB, axum or maud, or print.
//!
//! Edges are read from the code's own paths (`crate::…`, `super::…`, `use`
//! trees with braces) outside `#[cfg(test)]` items and test files: a scanner of
//! our own, because a Rust parser crate would be a dependency for one test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A module path below the crate root, e.g. `["serve", "api", "layers"]`.
type ModPath = Vec<String>;

struct SourceFile {
    module: ModPath,
    text: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: ModPath = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The crate's files, test files left out, with comments and `#[cfg(test)]`
/// items removed.
fn sources(src: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|f| {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
            !matches!(name.as_deref(), Some("tests.rs"))
                && !name.is_some_and(|n| n.ends_with("_tests.rs"))
        })
        .map(|f| SourceFile {
            module: module_of(src, &f),
            text: without_test_items(&without_comments(
                &std::fs::read_to_string(&f).expect("read"),
            )),
        })
        .collect()
}

fn without_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_string = false;
            }
            out.push(' ');
            i += 1;
            continue;
        }
        if c == b'"' && (i == 0 || bytes[i - 1] != b'\'') {
            in_string = true;
            out.push(' ');
            i += 1;
        } else if text[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("/*") {
            let end = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
            i = end;
        } else {
            let ch = text[i..].chars().next().expect("char");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn without_test_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let brace = item.find('{');
        let semi = item.find(';');
        let end = match (brace, semi) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => {
                let mut depth = 0usize;
                let mut end = item.len();
                for (i, ch) in item[b..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Parses a path or use tree at the start of `text` into its paths.
fn use_tree(text: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut rest = text.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut paths = Vec::new();
            let mut depth = 0usize;
            let mut start = 0;
            for (i, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        paths.extend(use_tree(&group[start..i]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths.extend(use_tree(&group[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            return paths
                .into_iter()
                .map(|p| {
                    let mut full = segments.clone();
                    full.extend(p.into_iter().filter(|s: &String| s != "self"));
                    full
                })
                .collect();
        }
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segments.push(rest[..end].to_owned());
        match rest[end..].trim_start().strip_prefix("::") {
            Some(more) => rest = more.trim_start(),
            None => break,
        }
    }
    vec![segments]
}

/// Every module path a file refers to, absolute from the crate root.
fn references(file: &SourceFile) -> Vec<ModPath> {
    let text = &file.text;
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", file.module.clone())] {
        let mut from = 0;
        while let Some(at) = text[from..].find(prefix) {
            let start = from + at;
            from = start + prefix.len();
            if start > 0 && text[..start].ends_with(|c: char| is_ident(c) || c == ':') {
                continue;
            }
            let mut base = base.clone();
            let mut rest = &text[from..];
            if prefix == "super::" {
                base.pop();
                while let Some(more) = rest.strip_prefix("super::") {
                    base.pop();
                    rest = more;
                }
            }
            for path in use_tree(rest) {
                let mut full = base.clone();
                full.extend(path);
                out.push(full);
            }
        }
    }
    out
}

/// `(parent folder, from, to)` edges between sibling modules, at every level.
fn edges(files: &[SourceFile], modules: &BTreeSet<ModPath>) -> BTreeSet<(ModPath, String, String)> {
    let mut out = BTreeSet::new();
    for file in files {
        for target in references(file) {
            let common = file
                .module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common >= file.module.len() || common >= target.len() {
                continue;
            }
            let sibling = target[..=common].to_vec();
            if !modules.contains(&sibling) {
                continue;
            }
            out.insert((
                target[..common].to_vec(),
                file.module[common].clone(),
                target[common].clone(),
            ));
        }
    }
    out
}

/// The allowed graph: `layer: dependencies...` lines between the markers.
fn allowed_graph() -> BTreeMap<String, BTreeSet<String>> {
    let doc =
        std::fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let start = doc
        .find("<!-- allowed-dependencies -->")
        .expect("ARCHITECTURE.md marks the allowed graph with <!-- allowed-dependencies -->");
    let end = doc[start..]
        .find("<!-- /allowed-dependencies -->")
        .expect("and ends it with <!-- /allowed-dependencies -->");
    doc[start..start + end]
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| !k.contains(' ') && !k.starts_with('<'))
        .map(|(k, v)| {
            (
                k.trim().to_owned(),
                v.split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        })
        .collect()
}

fn cycles(nodes: &BTreeSet<String>, edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    // Tarjan's strongly connected components; any component of two or more is a cycle.
    struct State<'a> {
        edges: &'a BTreeSet<(String, String)>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on_stack: BTreeSet<String>,
        out: Vec<Vec<String>>,
    }
    fn visit(s: &mut State<'_>, v: &str) {
        let i = s.index.len();
        s.index.insert(v.to_owned(), i);
        s.low.insert(v.to_owned(), i);
        s.stack.push(v.to_owned());
        s.on_stack.insert(v.to_owned());
        let next: Vec<String> = s
            .edges
            .iter()
            .filter(|(a, _)| a == v)
            .map(|(_, b)| b.clone())
            .collect();
        for w in next {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low[v];
                s.low.insert(v.to_owned(), lv.min(lw));
            } else if s.on_stack.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low[v];
                s.low.insert(v.to_owned(), lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for n in nodes {
        if !state.index.contains_key(n) {
            visit(&mut state, n);
        }
    }
    state.out
}

struct Crate {
    files: Vec<SourceFile>,
    modules: BTreeSet<ModPath>,
}

fn read_crate(src: &Path) -> Crate {
    let files = sources(src);
    let modules = files
        .iter()
        .flat_map(|f| (1..=f.module.len()).map(|n| f.module[..n].to_vec()))
        .collect();
    Crate { files, modules }
}

/// What is wrong with the crate in `src` against the allowed graph.
fn violations(src: &Path, allowed: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let krate = read_crate(src);
    let all = edges(&krate.files, &krate.modules);
    let mut problems = Vec::new();
    let top: BTreeSet<String> = krate
        .modules
        .iter()
        .filter(|m| m.len() == 1)
        .map(|m| m[0].clone())
        .collect();
    for layer in &top {
        if !allowed.contains_key(layer) {
            problems.push(format!(
                "src/{layer}: a top-level module missing from ARCHITECTURE.md's allowed graph"
            ));
        }
    }
    for layer in allowed.keys() {
        if !top.contains(layer) {
            problems.push(format!(
                "ARCHITECTURE.md's allowed graph names `{layer}`, which is not a module of src/"
            ));
        }
    }
    for (parent, from, to) in &all {
        if parent.is_empty() && !allowed.get(from).is_some_and(|deps| deps.contains(to)) {
            problems.push(format!(
                "`{from}` depends on `{to}`, which ARCHITECTURE.md does not allow"
            ));
        }
    }
    let parents: BTreeSet<&ModPath> = all.iter().map(|(p, _, _)| p).collect();
    for parent in parents {
        let local: BTreeSet<(String, String)> = all
            .iter()
            .filter(|(p, _, _)| p == parent)
            .map(|(_, a, b)| (a.clone(), b.clone()))
            .collect();
        let nodes = local
            .iter()
            .flat_map(|(a, b)| [a.clone(), b.clone()])
            .collect();
        for cycle in cycles(&nodes, &local) {
            problems.push(format!(
                "a dependency cycle in {}: {}",
                if parent.is_empty() {
                    "src".to_owned()
                } else {
                    format!("src/{}", parent.join("/"))
                },
                cycle.join(" <-> ")
            ));
        }
    }
    for file in &krate.files {
        let layer = file.module.first().map_or("", String::as_str);
        for (name, owner) in [
            ("duckdb::", "store"),
            ("axum::", "serve"),
            ("maud::", "serve"),
            ("tower_http::", "serve"),
        ] {
            if layer != owner && file.text.contains(name) {
                problems.push(format!(
                    "src/{}: names `{name}`, which only `{owner}` may",
                    file.module.join("/")
                ));
            }
        }
        if layer != "cli" && (file.text.contains("println!") || file.text.contains("eprintln!")) {
            problems.push(format!(
                "src/{}: prints, which only `cli` may",
                file.module.join("/")
            ));
        }
    }
    problems
}

#[test]
fn the_crate_keeps_to_the_allowed_dependency_graph() {
    let problems = violations(&Path::new(ROOT).join("src"), &allowed_graph());
    assert!(
        problems.is_empty(),
        "architecture:\n  {}",
        problems.join("\n  ")
    );
}

/// A copy of the crate with one line added to one file.
fn crate_with(file: &str, line: &str) -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    let src = Path::new(ROOT).join("src");
    rust_files(&src, &mut files);
    for f in files {
        let to = copy.path().join(f.strip_prefix(&src).expect("under src"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        let mut text = std::fs::read_to_string(&f).expect("read");
        if f.ends_with(file) {
            text = format!("{line}\n{text}").replacen("//!", "// ", usize::MAX);
        }
        std::fs::write(to, text).expect("write");
    }
    copy
}

/// What the architecture test finds in a copy of the crate with `line` added
/// to `file`.
fn found_with(file: &str, line: &str) -> Vec<String> {
    let copy = crate_with(file, line);
    violations(copy.path(), &allowed_graph())
}

fn assert_names(found: &[String], needle: &str) {
    assert!(
        found.iter().any(|p| p.contains(needle)),
        "{needle:?} not in {found:?}"
    );
}

#[test]
fn a_back_edge_a_cycle_or_a_misplaced_dependency_is_caught() {
    // The store reaching up into the server: a back-edge between layers.
    let found = found_with("store/schema.rs", "use crate::serve::AppState;");
    assert_names(&found, "`store` depends on `serve`");
    // Two modules of one folder naming each other.
    let found = found_with("serve/layout.rs", "use crate::serve::router::router;");
    assert_names(&found, "cycle in src/serve");
    // Inside a brace group, through `super::`, and a test item that is ignored.
    let found = found_with(
        "model/period.rs",
        "use super::super::{geo::Gazetteer, store};\n#[cfg(test)]\nmod t { use crate::serve::AppState; }",
    );
    assert_names(&found, "`model` depends on `geo`");
    assert_names(&found, "`model` depends on `store`");
    assert!(
        !found
            .iter()
            .any(|p| p.contains("`model` depends on `serve`")),
        "{found:?}"
    );
    // DuckDB outside the store, printing outside the command line.
    assert_names(
        &found_with("publish/render.rs", "use duckdb::Connection;"),
        "only `store` may",
    );
    assert_names(
        &found_with("serve/router.rs", "fn f() { println!(); }"),
        "only `cli` may",
    );
}
