//! Every route of the application, found by reading the source (`src/**/*.rs`), so that the authorization
//! matrix and the fuzzing cannot forget a route that someone adds later.
//!
//! The scanner understands `.route("/path", get(a).post(b))`, written on one line or several, with the
//! method routers `get`, `post`, `put`, `patch`, `delete` (and their `_service` forms). Anything it does not
//! understand (`.nest(`, `.route_service(`, `any(`, `on(`) makes it fail loudly rather than skip a route.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    pub path: String,
    pub method: &'static str,
    /// Where it was found, for messages.
    pub file: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source without line comments (a doc comment may well show a `.route(` example) and without
/// `#[cfg(test)]` modules' noise being an issue: only code lines are kept.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("//") { "" } else { l }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text between the parenthesis at `open` and its match (strings are skipped).
fn balanced(s: &str, open: usize) -> Option<&str> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut in_str = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'(' {
            depth += 1;
        } else if c == b')' {
            depth -= 1;
            if depth == 0 {
                return Some(&s[open + 1..i]);
            }
        }
        i += 1;
    }
    None
}

const METHODS: [(&str, &str); 5] = [
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
];

/// The HTTP methods named in a method-router expression such as `get(x::y).post(z)`.
fn methods_of(expr: &str, file: &str, path: &str) -> Vec<&'static str> {
    let bytes = expr.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_word_start = i == 0 || matches!(bytes[i - 1], b'.' | b' ' | b'\n' | b'\t' | b'(');
        if at_word_start && bytes[i].is_ascii_alphabetic() {
            let end = expr[i..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map(|n| i + n)
                .unwrap_or(expr.len());
            let word = &expr[i..end];
            let called = expr[end..].trim_start().starts_with('(');
            if called {
                let base = word.strip_suffix("_service").unwrap_or(word);
                if let Some((_, m)) = METHODS.iter().find(|(w, _)| *w == base) {
                    found.push(*m);
                } else if matches!(word, "any" | "on" | "any_service" | "on_service") {
                    panic!(
                        "{file}: route {path} uses `{word}(`: teach tests/it/routes.rs about it"
                    );
                }
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// Every (path, method) routed by the application.
pub fn all() -> Vec<Route> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let mut routes = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read source");
        let code = code_of(&text);
        let file = f
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&f)
            .display()
            .to_string();
        for bad in [".nest(", ".nest_service(", ".route_service("] {
            assert!(
                !code.contains(bad),
                "{file} uses `{bad}`: tests/it/routes.rs must learn to read it"
            );
        }
        let mut from = 0;
        while let Some(n) = code[from..].find(".route(") {
            let open = from + n + ".route".len();
            let args =
                balanced(&code, open).unwrap_or_else(|| panic!("{file}: unbalanced .route( call"));
            let args = args.trim_start();
            assert!(
                args.starts_with('"'),
                "{file}: a .route( whose path is not a string literal: {args:.60}"
            );
            let close = args[1..].find('"').expect("end of the path literal") + 1;
            let path = args[1..close].to_owned();
            let methods = methods_of(&args[close + 1..], &file, &path);
            assert!(
                !methods.is_empty(),
                "{file}: no method found for route {path}"
            );
            for method in methods {
                routes.insert(Route {
                    path: path.clone(),
                    method,
                    file: file.clone(),
                });
            }
            from = open + 1;
        }
    }
    routes.into_iter().collect()
}

#[test]
fn the_scanner_reads_chains_and_several_lines() {
    let src = r#"
        Router::new()
            .route("/a", get(x::show).post(x::save))
            // .route("/commented", get(no))
            .route(
                "/b/{id}",
                get(pages::edit_form)
                    .post(pages::update),
            )
            .route("/c", post(handlers::get_thing))
    "#;
    let code = code_of(src);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(n) = code[from..].find(".route(") {
        let open = from + n + ".route".len();
        let args = balanced(&code, open).unwrap().trim_start();
        let close = args[1..].find('"').unwrap() + 1;
        for m in methods_of(&args[close + 1..], "t", "p") {
            found.push(format!("{m} {}", &args[1..close]));
        }
        from = open + 1;
    }
    assert_eq!(
        found,
        [
            "GET /a",
            "POST /a",
            "GET /b/{id}",
            "POST /b/{id}",
            "POST /c"
        ]
    );
}

#[test]
fn the_scanner_finds_the_application_routes() {
    let routes = all();
    // The foundation alone routes at least these; a scanner finding fewer is broken.
    assert!(routes.len() >= 10, "only {} routes found", routes.len());
    for (m, p) in [
        ("GET", "/connexion"),
        ("POST", "/connexion"),
        ("POST", "/deconnexion"),
        ("GET", "/healthz"),
        ("GET", "/journal"),
        ("POST", "/notifications/{id}/lu"),
    ] {
        assert!(
            routes.iter().any(|r| r.method == m && r.path == p),
            "{m} {p} not found"
        );
    }
}
