//! The kit every feature uses: extractors (`Ctx`, `Form`), the session middleware and error pages, forms,
//! French formats, CSV and XLSX exports (`csv`, `export`), Markdown, navigation, assets, idempotency keys,
//! the end of a write (`outcome`), background jobs (`jobs`), the confirmation of irreversible steps
//! (`confirm`), the one document store (`documents`). It imports no feature (see HACKING.md, "Layers").

pub mod answers;
pub mod assets;
pub mod confirm;
pub mod csv;
pub mod documents;
pub mod export;
pub mod extract;
pub mod format;
pub mod forms;
pub mod idempotency;
pub mod jobs;
pub mod markdown;
pub mod middleware;
pub mod nav;
pub mod outcome;
pub mod pagination;

use axum::http::HeaderValue;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

pub use extract::{Ctx, EmptyForm, Form, Signed, UncheckedForm};

pub fn url_encode(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Where a `next=` target (already percent-decoded by the extractor: never decode it again) leads, judged as
/// a browser reads a `Location`: resolved against the site's address (`MDE_BASE_URL`) by the WHATWG rules,
/// which drop tab, CR and LF (`/<TAB>/evil.example` is `//evil.example`) and read `\` as `/`. Kept, as a path
/// on this site, only when it stays on the same origin; anything else, and any control character, is `/`.
/// The answer is always a valid header value, so a redirect built from it cannot fail.
pub fn safe_next(base_url: &str, next: Option<&str>) -> String {
    const HOME: &str = "/";
    let Some(next) = next.filter(|n| !n.is_empty() && !n.chars().any(char::is_control)) else {
        return HOME.to_owned();
    };
    let Ok(base) = url::Url::parse(base_url) else {
        return HOME.to_owned();
    };
    match base.join(next) {
        Ok(target) if target.origin() == base.origin() && target.origin().is_tuple() => {
            let path = &target[url::Position::BeforePath..];
            if path.starts_with('/')
                && !path.starts_with("//")
                && HeaderValue::from_str(path).is_ok()
            {
                path.to_owned()
            } else {
                HOME.to_owned()
            }
        }
        _ => HOME.to_owned(),
    }
}
#[cfg(test)]
mod tests {
    use super::safe_next;

    const BASE: &str = "https://portail.example";

    #[test]
    fn same_site_targets_are_kept_as_paths() {
        assert_eq!(safe_next(BASE, Some("/profil")), "/profil");
        assert_eq!(safe_next(BASE, Some("/a?b=1#c")), "/a?b=1#c");
        assert_eq!(safe_next(BASE, Some("https://portail.example/x")), "/x");
        assert_eq!(
            safe_next(BASE, Some("/recherche?q=é")),
            "/recherche?q=%C3%A9"
        );
        assert_eq!(safe_next(BASE, None), "/");
        assert_eq!(safe_next(BASE, Some("")), "/");
    }

    #[test]
    fn other_origins_and_tricks_browsers_follow_give_home() {
        for next in [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "http://portail.example/",
            "https://portail.example:444/",
            "javascript:alert(1)",
            "data:text/html,x",
            "/\t/evil.example",
            "\t//evil.example",
            "/\r\n/evil.example",
            "/\u{0}",
            "/\u{b}",
            "/a\u{7f}",
            "/\u{85}",
        ] {
            assert_eq!(safe_next(BASE, Some(next)), "/", "{next:?}");
        }
    }

    #[test]
    fn a_base_with_a_path_keeps_the_target_on_the_site() {
        assert_eq!(safe_next("https://portail.example/mde/", Some("/x")), "/x");
        assert_eq!(safe_next("not a url", Some("/x")), "/");
    }
}
