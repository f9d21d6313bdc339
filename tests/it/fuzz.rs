//! Input fuzzing: random and hostile values posted to every form of the application (the POST routes found
//! in the source by `routes::all()`, filled and signed in as the matrix says a role may use them). Whatever
//! is sent, the portal never answers 5xx, never shows an internal detail, and a refused form changes
//! nothing in the database. Bodies over `MDE_MAX_BODY_BYTES` get 413 with a French page.
//!
//! One application serves a whole property run; each route gets a modest number of cases so that the file
//! runs in well under a minute on a small machine.

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestCaseError, TestRunner};
use reqwest::StatusCode;

use crate::fixtures::{Fingerprint, Fx, changed, fingerprint};
use crate::helpers::*;
use crate::matrix::{Actor, Entry, MULTIPART, WHO, entries, raw_client};
use crate::routes;

const CASES_PER_ROUTE: u32 = 20;

/// Routes whose own body limit is larger than `MDE_MAX_BODY_BYTES` (document uploads, up to 10 MB).
const LARGE_BODY_ROUTES: &[&str] = &["/diagnostics/{id}/documents", "/actions/{id}/documents"];

/// Routes whose handler reads no body at all (nothing to limit): the unsubscribe link's POST is decided by
/// its signed address alone (a mail program's one click sends `List-Unsubscribe=One-Click`, ignored).
const NO_BODY_ROUTES: &[&str] = &["/deconnexion", "/desabonnement/{token}"];

/// Values that have broken web applications before, already url-encoded or deliberately not.
const RAW_HOSTILE: &[&str] = &[
    "%FF%FE",
    "%C3%28",
    "%ED%A0%80",
    "%",
    "%zz",
    "%00",
    "a%00b",
    "%0D%0ASet-Cookie:%20x=1",
    "+",
    "%2B%2B%2B",
    "=",
    "&",
    "%26%3D%26",
];

const TEXT_HOSTILE: &[&str] = &[
    "' OR '1'='1",
    "'; drop table account; --",
    "1' and pg_sleep(5)--",
    "1 union select password_hash from account",
    "\\",
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[lien](javascript:alert(1))",
    "{{7*7}}",
    "${7*7}",
    "99999999999999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "-1",
    "0",
    "1e309",
    "NaN",
    "-inf",
    "0x7fffffff",
    "1 234,56",
    "12,5,6",
    "31/02/2026",
    "00/00/0000",
    "9999-12-31",
    "0001-01-01",
    "99999-01-01",
    "2026-13-45",
    "-infinity",
    "\u{202e}gnp.exe",
    "\u{feff}",
    "e\u{301}\u{301}\u{301}",
    "👩‍👩‍👧‍👦",
    " ",
    "\t\r\n",
    "null",
    "true",
    "/../../etc/passwd",
    "//evil.example",
];

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A file for an upload form: a hostile name, and content that is sometimes a plausible PDF, sometimes
/// not at all.
fn upload() -> impl Strategy<Value = (String, Vec<u8>)> {
    (
        prop_oneof![
            proptest::sample::select(TEXT_HOSTILE).prop_map(str::to_owned),
            "[^\"\r\n]{0,80}\\.(pdf|docx|exe|PDF|odt)",
            Just("../../../etc/passwd.pdf".to_owned()),
            Just(String::new()),
        ],
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..2000),
            proptest::collection::vec(any::<u8>(), 0..2000).prop_map(|mut v| {
                let mut pdf = b"%PDF-1.7\n".to_vec();
                pdf.append(&mut v);
                pdf
            }),
        ],
    )
}

/// One field value, url-encoded (or deliberately malformed).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>().prop_map(|s| encode(&s)),
        2 => proptest::sample::select(TEXT_HOSTILE).prop_map(encode),
        2 => proptest::sample::select(RAW_HOSTILE).prop_map(str::to_owned),
        1 => proptest::collection::vec(0u8..32, 0..40)
            .prop_map(|b| encode(&String::from_utf8_lossy(&b))),
        1 => (1usize..60_000).prop_map(|n| "é".repeat(n / 2)).prop_map(|s| encode(&s)),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| encode(&n.to_string())),
        1 => (-100_000i32..100_000, 0u32..20, 0u32..40)
            .prop_map(|(y, m, d)| encode(&format!("{y:04}-{m:02}-{d:02}"))),
    ]
}

/// A body: every known field once or several times with hostile values, sometimes an unknown field and
/// some url-encoding garbage between pairs.
fn body(fields: Vec<&'static str>) -> impl Strategy<Value = String> {
    let n = fields.len();
    (
        proptest::collection::vec((value(), 1usize..4, any::<bool>()), n..=n),
        proptest::option::of(("[a-z_\\[\\]%]{1,12}", value())),
        proptest::option::of(proptest::sample::select(
            &["&&", "&=&", "=x&", "%FF=%FE&"][..],
        )),
    )
        .prop_map(move |(values, extra, junk)| {
            let mut parts = Vec::new();
            for (field, (v, times, keep)) in fields.iter().zip(values) {
                if !keep && times == 3 {
                    continue; // sometimes a field is missing
                }
                for _ in 0..times {
                    parts.push(format!("{field}={v}"));
                }
            }
            if let Some((k, v)) = extra {
                parts.push(format!("{k}={v}"));
            }
            let mut b = parts.join("&");
            if let Some(j) = junk {
                b = format!("{j}{b}");
            }
            b
        })
}

/// The first role the matrix allows on A's object, as a column index (anonymous only when nobody else).
fn allowed_column(e: &Entry) -> Option<usize> {
    let cols: Vec<usize> =
        e.a.chars()
            .enumerate()
            .filter(|(_, c)| *c == 'O')
            .map(|(i, _)| i)
            .collect();
    cols.iter()
        .copied()
        .find(|i| *i != 0)
        .or(cols.first().copied())
}

fn check_page(status: StatusCode, html: &str) -> Result<(), String> {
    if status.is_server_error() {
        return Err(format!("answered {status}"));
    }
    for leak in [
        "panicked",
        "sqlx",
        "SQLSTATE",
        "syntax error",
        "RUST_BACKTRACE",
        "AppError",
    ] {
        if html.contains(leak) {
            return Err(format!("the page shows an internal detail ({leak})"));
        }
    }
    Ok(())
}

#[test]
fn hostile_form_values_never_break_the_portal() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (app, w) = rt.block_on(async {
        let app = spawn_app().await;
        let w = app.world().await;
        (app, w)
    });
    let http = raw_client();
    let mut fuzzed = 0;
    for entry in post_entries_all() {
        let Some(col) = allowed_column(&entry) else {
            eprintln!(
                "fuzz: {} {}: no role may post it, skipped",
                entry.method, entry.path
            );
            continue;
        };
        let who = WHO[col];
        let fields: Vec<&'static str> = entry.body.iter().map(|(k, _)| *k).collect();
        let mut runner = TestRunner::new(PropConfig {
            cases: CASES_PER_ROUTE,
            max_shrink_iters: 32,
            failure_persistence: None,
            ..PropConfig::default()
        });
        // The objects and the database fingerprint carry over from case to case as long as the cases are
        // refused; an accepted case may have changed or deleted them, so the next one starts afresh.
        let state: std::cell::RefCell<Option<(Fx, Fingerprint)>> = Default::default();
        let multipart = entry.body == MULTIPART;
        let result = runner.run(&(body(fields), upload()), |(b, (file_name, data))| {
            rt.block_on(async {
                let cached = state.borrow_mut().take();
                let (fx, before) = match cached {
                    Some(s) => s,
                    None => {
                        let fx = Fx::create(&app, &w).await;
                        (fx, fingerprint(&app.db).await)
                    }
                };
                let path = entry
                    .fill
                    .map(|f| f(&fx.a))
                    .unwrap_or_else(|| entry.path.to_owned());
                let actor = Actor::new(&app, who.account(&w)).await;
                let r = if multipart {
                    actor
                        .post_multipart(&http, &app.addr, &path, &file_name, &data)
                        .await
                } else {
                    actor
                        .post_bytes(&http, &app.addr, &path, b.clone().into_bytes())
                        .await
                };
                let status = r.status();
                let html = r.text().await.unwrap_or_default();
                check_page(status, &html).map_err(TestCaseError::fail)?;
                if status.is_client_error() {
                    let after = fingerprint(&app.db).await;
                    let moved = changed(&before, &after);
                    if !moved.is_empty() {
                        return Err(TestCaseError::fail(format!(
                            "refused with {status}, yet these tables changed: {moved:?}"
                        )));
                    }
                    *state.borrow_mut() = Some((fx, after));
                }
                Ok(())
            })
        });
        if let Err(e) = result {
            panic!("fuzz {} {} as {who:?}: {e}", entry.method, entry.path);
        }
        fuzzed += 1;
    }
    eprintln!("fuzz: {fuzzed} forms, {CASES_PER_ROUTE} cases each");
    assert!(fuzzed >= 4, "the fuzz found too few forms: {fuzzed}");
}

/// Every POST route with its matrix entry.
fn post_entries_all() -> Vec<Entry> {
    let routed: Vec<String> = routes::all()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path)
        .collect();
    entries()
        .into_iter()
        .filter(|e| e.method == "POST" && routed.contains(&e.path.to_owned()))
        .collect()
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_with_a_french_page() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = Fx::create(&app, &w).await;
    let http = raw_client();
    let limit = mde::config::Config::for_tests(String::new()).max_body_bytes;
    let mut checked = 0;
    for entry in post_entries_all() {
        let Some(col) = allowed_column(&entry) else {
            continue;
        };
        if NO_BODY_ROUTES.contains(&entry.path) {
            continue;
        }
        let size = if LARGE_BODY_ROUTES.contains(&entry.path) {
            11 * 1024 * 1024
        } else {
            limit + 1
        };
        let path = entry
            .fill
            .map(|f| f(&fx.a))
            .unwrap_or_else(|| entry.path.to_owned());
        let actor = Actor::new(&app, WHO[col].account(&w)).await;
        let before = fingerprint(&app.db).await;
        let r = if entry.body == MULTIPART {
            let mut data = b"%PDF-1.4\n".to_vec();
            data.resize(size, b'a');
            actor
                .post_multipart(&http, &app.addr, &path, "gros.pdf", &data)
                .await
        } else {
            let mut body = b"x=".to_vec();
            body.resize(size, b'a');
            actor.post_bytes(&http, &app.addr, &path, body).await
        };
        let status = r.status();
        let html = r.text().await.unwrap_or_default();
        assert_eq!(
            status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{} {}",
            entry.method,
            entry.path
        );
        assert!(
            html.contains("Envoi trop volumineux") && html.contains("lang=\"fr\""),
            "{}: {html:.300}",
            entry.path
        );
        assert!(changed(&before, &fingerprint(&app.db).await).is_empty());
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} forms checked");
}

/// Query parameters the pages read (search, filters, sorting, pagination, the Maison picked…), and a few
/// they do not.
const QUERY_KEYS: &[&str] = &[
    "q",
    "page",
    "maison",
    "indicateur",
    "annee",
    "region",
    "departement",
    "programme",
    "conventionnee",
    "phase",
    "inactives",
    "tri",
    "ordre",
    "sort",
    "statut",
    "status",
    "axe",
    "filiere",
    "secteur",
    "priorite",
    "pilote",
    "retard",
    "type",
    "next",
    "format",
    "deconnexion",
    "id",
];

fn query() -> impl Strategy<Value = String> {
    proptest::collection::vec((proptest::sample::select(QUERY_KEYS), value()), 1..6).prop_map(
        |pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={}", &v[..v.len().min(3000)]))
                .collect::<Vec<_>>()
                .join("&")
        },
    )
}

#[test]
fn hostile_query_strings_never_break_a_page() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (app, w, fx) = rt.block_on(async {
        let app = spawn_app().await;
        let w = app.world().await;
        let fx = Fx::create(&app, &w).await;
        (app, w, fx)
    });
    let http = raw_client();
    let mut pages = 0;
    for entry in entries().into_iter().filter(|e| e.method == "GET") {
        let Some(col) = allowed_column(&entry) else {
            continue;
        };
        let who = WHO[col];
        let actor = rt.block_on(Actor::new(&app, who.account(&w)));
        let path = entry
            .fill
            .map(|f| f(&fx.a))
            .unwrap_or_else(|| entry.path.to_owned());
        let mut runner = TestRunner::new(PropConfig {
            cases: 8,
            max_shrink_iters: 32,
            failure_persistence: None,
            ..PropConfig::default()
        });
        let result = runner.run(&query(), |q| {
            rt.block_on(async {
                let sep = if path.contains('?') { '&' } else { '?' };
                let r = actor
                    .get(&http, &app.addr, &format!("{path}{sep}{q}"))
                    .await;
                let status = r.status();
                let bytes = r.bytes().await.unwrap_or_default();
                check_page(status, &String::from_utf8_lossy(&bytes)).map_err(TestCaseError::fail)
            })
        });
        if let Err(e) = result {
            panic!("fuzz GET {path} as {who:?}: {e}");
        }
        pages += 1;
    }
    eprintln!("fuzz: {pages} pages, 8 query strings each");
    assert!(pages >= 10, "the fuzz found too few pages: {pages}");
}
