//! The layer check (HACKING.md, "Layers"): every `crate::` path in `src/` points down a layer, a feature
//! reaches another feature only through what that feature's `mod.rs` exports, and no import cycle runs
//! outside a feature folder. It reads the sources as text (no compiler needed), so it runs first in
//! `tests/run.sh` and fails in a second.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import its own layer or a lower one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    /// Settings, errors, state, database, caches, the domain's vocabulary.
    Base,
    /// The kit's tools: pure helpers every layer above may use.
    KitTools,
    /// `auth/` (passwords, sessions, the policy) and `audit/` (the journal).
    Libraries,
    /// The kit's request pieces: extractors, the session middleware, navigation, the common ending.
    Kit,
    /// One folder per feature.
    Features,
    /// The router, the CLI, the demo seeder and the crate root.
    App,
}

const BASE: &[&str] = &[
    "cache",
    "config",
    "db",
    "domain",
    "error",
    "mail",
    "private_pg",
    "reference",
    "state",
    "telemetry",
];
const LIBRARIES: &[&str] = &["audit", "auth"];
const APP: &[&str] = &["", "cli", "demo", "main", "router"];
/// The files of `web/` that import nothing above the base, so that the libraries may use them.
const KIT_TOOLS: &[&str] = &[
    "assets",
    "csv",
    "export",
    "format",
    "forms",
    "idempotency",
    "jobs",
    "markdown",
    "pagination",
    "xlsx",
];

/// Where a module stands: its layer, and the unit cycles are counted between (a top-level folder, except
/// that each kit tool is its own unit).
fn place(module: &[String]) -> (Layer, String) {
    let top = module.first().map(String::as_str).unwrap_or("");
    let layer = if BASE.contains(&top) {
        Layer::Base
    } else if LIBRARIES.contains(&top) {
        Layer::Libraries
    } else if APP.contains(&top) {
        Layer::App
    } else if top == "web" {
        match module.get(1) {
            Some(tool) if KIT_TOOLS.contains(&tool.as_str()) => {
                return (Layer::KitTools, format!("web::{tool}"));
            }
            _ => Layer::Kit,
        }
    } else {
        Layer::Features
    };
    (layer, top.to_owned())
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    line: usize,
    message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The source with comments and the contents of string and char literals blanked (newlines kept, so that
/// line numbers stay right).
fn code_only(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        i = if c == '/' && next == Some('/') {
            line_comment(&chars, i, &mut out)
        } else if c == '/' && next == Some('*') {
            block_comment(&chars, i, &mut out)
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && !is_ident(chars.get(i.wrapping_sub(1)))
        {
            raw_string(&chars, i, &mut out)
        } else if c == '"' {
            string(&chars, i, &mut out)
        } else if c == '\'' {
            char_literal(&chars, i, &mut out)
        } else {
            out.push(c);
            i + 1
        };
    }
    out
}

/// A blanked character: newlines stay.
fn blank(c: char) -> char {
    if c == '\n' { '\n' } else { ' ' }
}

/// `// …` up to the end of the line; returns where the code goes on.
fn line_comment(chars: &[char], mut i: usize, out: &mut String) -> usize {
    while i < chars.len() && chars[i] != '\n' {
        out.push(' ');
        i += 1;
    }
    i
}

/// `/* … */`, nested ones included.
fn block_comment(chars: &[char], mut i: usize, out: &mut String) -> usize {
    let mut depth = 0;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            out.push_str("  ");
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            out.push_str("  ");
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            out.push(blank(chars[i]));
            i += 1;
        }
    }
    i
}

/// A raw string: r"…", r#"…"# (an `r` followed by `#` that is not one is kept).
fn raw_string(chars: &[char], mut i: usize, out: &mut String) -> usize {
    let mut j = i + 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if chars.get(j) != Some(&'"') {
        out.push(chars[i]);
        return i + 1;
    }
    out.extend(std::iter::repeat_n(' ', j + 1 - i));
    i = j + 1;
    while i < chars.len() {
        if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
            out.extend(std::iter::repeat_n(' ', hashes + 1));
            i += hashes + 1;
            break;
        }
        out.push(blank(chars[i]));
        i += 1;
    }
    i
}

/// "…", escapes included.
fn string(chars: &[char], mut i: usize, out: &mut String) -> usize {
    out.push(' ');
    i += 1;
    while i < chars.len() && chars[i] != '"' {
        if chars[i] == '\\' {
            out.push(' ');
            i += 1;
        }
        if i < chars.len() {
            out.push(blank(chars[i]));
            i += 1;
        }
    }
    out.push(' ');
    i += 1;
    i
}

/// A char literal ('x', '\n', '\u{..}', '"'), or a lifetime ('a), which is left alone.
fn char_literal(chars: &[char], i: usize, out: &mut String) -> usize {
    let next = chars.get(i + 1).copied();
    let end = if next == Some('\\') {
        (i + 2..chars.len().min(i + 12)).find(|&k| chars[k] == '\'')
    } else if chars.get(i + 2) == Some(&'\'') {
        Some(i + 2)
    } else {
        None
    };
    match end {
        Some(end) => {
            out.extend(std::iter::repeat_n(' ', end + 1 - i));
            end + 1
        }
        None => {
            out.push(chars[i]);
            i + 1
        }
    }
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Every path named after `crate::` in `code`, with its line: `use` trees expanded
/// (`crate::web::{Ctx, format}` gives `web::Ctx` and `web::format`).
fn crate_paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    let needle: Vec<char> = "crate::".chars().collect();
    while i + needle.len() <= chars.len() {
        if chars[i..i + needle.len()] == needle[..]
            && !is_ident(i.checked_sub(1).map(|k| &chars[k]))
        {
            let line = chars[..i].iter().filter(|c| **c == '\n').count() + 1;
            let mut j = i + needle.len();
            for path in tree(&chars, &mut j, Vec::new()) {
                found.push((line, path));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

/// Reads a path (or a `{…}` group of paths) at `chars[*j..]`, prefixed by `prefix`.
fn tree(chars: &[char], j: &mut usize, mut prefix: Vec<String>) -> Vec<Vec<String>> {
    loop {
        skip_space(chars, j);
        if chars.get(*j) == Some(&'{') {
            *j += 1;
            let mut all = Vec::new();
            loop {
                skip_space(chars, j);
                match chars.get(*j) {
                    Some('}') => {
                        *j += 1;
                        return all;
                    }
                    Some(',') => *j += 1,
                    None => return all,
                    _ => {
                        let before = *j;
                        all.extend(tree(chars, j, prefix.clone()));
                        if *j == before {
                            *j += 1;
                        }
                    }
                }
            }
        }
        let start = *j;
        while is_ident(chars.get(*j)) {
            *j += 1;
        }
        let ident: String = chars[start..*j].iter().collect();
        if ident.is_empty() {
            return vec![prefix];
        }
        if ident != "self" {
            prefix.push(ident);
        }
        skip_space(chars, j);
        if chars.get(*j) == Some(&':') && chars.get(*j + 1) == Some(&':') {
            *j += 2;
        } else {
            // `as alias`, `;`, `(`, `,`… end the path.
            return vec![prefix];
        }
    }
}

fn skip_space(chars: &[char], j: &mut usize) {
    while chars.get(*j).is_some_and(|c| c.is_whitespace()) {
        *j += 1;
    }
}

/// A source file: its module path (`["diagnostics", "show"]`) and its text.
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// Which module a path names: the longest prefix that is a module of the crate.
fn target_module(path: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|m| modules.contains(m))
        .unwrap_or_default()
}

fn check(sources: &[Source]) -> Vec<Violation> {
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut violations = Vec::new();
    // unit → unit → where the first such import is, for the cycle report.
    let mut edges: BTreeMap<String, BTreeMap<String, (String, usize)>> = BTreeMap::new();
    for source in sources {
        let (layer, unit) = place(&source.module);
        let own_top = source.module.first().cloned().unwrap_or_default();
        for (line, path) in crate_paths(&code_only(&source.text)) {
            let target = target_module(&path, &modules);
            let (target_layer, target_unit) = place(&target);
            let target_top = target.first().cloned().unwrap_or_default();
            let mut refuse = |message: String| {
                violations.push(Violation {
                    file: source.file.clone(),
                    line,
                    message,
                })
            };
            if target_layer > layer {
                refuse(format!(
                    "`crate::{}` points up: {:?} ({}) may not import {:?} ({})",
                    path.join("::"),
                    layer,
                    unit,
                    target_layer,
                    target_unit
                ));
            }
            if target_layer == Layer::Features && target_top != own_top && target.len() > 1 {
                refuse(format!(
                    "`crate::{}` reaches into the feature `{target_top}`: use what its mod.rs exports \
                     (or move a helper others need to the kit or the domain)",
                    path.join("::")
                ));
            }
            if target_unit != unit {
                edges
                    .entry(unit.clone())
                    .or_default()
                    .entry(target_unit)
                    .or_insert((source.file.clone(), line));
            }
        }
    }
    for group in cycles(&edges) {
        let (file, line) = group
            .iter()
            .find_map(|from| {
                let to = edges.get(from)?;
                group.iter().find_map(|t| to.get(t))
            })
            .cloned()
            .unwrap_or_default();
        violations.push(Violation {
            file,
            line,
            message: format!(
                "import cycle between folders: {} import each other",
                group.join(", ")
            ),
        });
    }
    violations.sort();
    violations
}

/// The strongly connected groups of more than one unit (Tarjan), each sorted.
fn cycles(edges: &BTreeMap<String, BTreeMap<String, (String, usize)>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeMap<String, (String, usize)>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        if let Some(targets) = w.edges.get(v) {
            for t in targets.keys() {
                if !w.index.contains_key(t.as_str()) {
                    visit(w, t);
                    let low = w.low[v].min(w.low[t.as_str()]);
                    w.low.insert(v, low);
                } else if w.stack.contains(&t.as_str()) {
                    let low = w.low[v].min(w.index[t.as_str()]);
                    w.low.insert(v, low);
                }
            }
        }
        if w.low[v] == w.index[v] {
            let mut group = Vec::new();
            while let Some(x) = w.stack.pop() {
                group.push(x.to_owned());
                if x == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                w.found.push(group);
            }
        }
    }
    let mut w = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !w.index.contains_key(v.as_str()) {
            visit(&mut w, v);
        }
    }
    w.found
}

fn read_tree(root: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path: PathBuf = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(root).expect("below src/");
                files.push(Source {
                    file: format!("src/{}", relative.display()),
                    module: module_of(relative),
                    text: std::fs::read_to_string(&path).expect("a readable source file"),
                });
            }
        }
    }
    files.sort_by(|a, b| a.file.cmp(&b.file));
    files
}

#[test]
fn imports_point_down_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let violations = check(&read_tree(&root));
    assert!(
        violations.is_empty(),
        "{} import(s) break the layers of HACKING.md (\"Layers\"):\n{}",
        violations.len(),
        violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[cfg(test)]
fn source(file: &str, text: &str) -> Source {
    Source {
        file: file.to_owned(),
        module: module_of(Path::new(file)),
        text: text.to_owned(),
    }
}

#[test]
fn the_check_sees_what_it_must() {
    let sources = [
        source(
            "lib.rs",
            "pub mod error; pub mod web; pub mod alpha; pub mod beta;",
        ),
        // A base module calling the kit: up.
        source("error.rs", "fn f() { crate::web::url_encode(\"x\"); }"),
        source("web/mod.rs", "pub mod format;\nuse crate::alpha::router;"),
        source("web/format.rs", "use crate::web::Ctx;"),
        // Comments, strings and chars are not code.
        source(
            "alpha/mod.rs",
            "mod show;\n// crate::router::app\nconst S: &str = \"crate::router\"; const C: char = '\"';\n\
             use crate::{beta::Api, web::{format, Ctx as C2}};\npub fn router() {}",
        ),
        source(
            "alpha/show.rs",
            "use super::router;\nfn f<'a>(x: &'a str) {}",
        ),
        // Reaching into another feature's file; alpha ⇄ beta, with web (which imports alpha), form a cycle.
        source("beta/mod.rs", "mod list;\npub struct Api;"),
        source("beta/list.rs", "use crate::alpha::show::helper;"),
    ];
    let found: Vec<String> = check(&sources).iter().map(ToString::to_string).collect();
    let expect = [
        "error.rs:1: `crate::web::url_encode` points up",
        "web/mod.rs:2: `crate::alpha::router` points up",
        "web/format.rs:1: `crate::web::Ctx` points up",
        "beta/list.rs:1: `crate::alpha::show::helper` reaches into the feature `alpha`",
        "import cycle between folders: alpha, beta, web, web::format import each other",
    ];
    for e in expect {
        assert!(
            found.iter().any(|f| f.contains(e)),
            "expected {e:?} among {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
}
