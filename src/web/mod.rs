//! Router assembly, the layers every response goes through, and what pages share.

pub mod assets;
pub mod csv;
pub mod extract;
pub mod format;
pub mod idempotency;
pub mod middleware;
pub mod nav;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::error::AppError;
use crate::state::AppState;

pub use extract::{Ctx, Form, UncheckedForm};

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
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; object-src 'none'";

/// The pages of every feature (behind the session middleware).
fn pages(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(crate::auth::router())
        .merge(crate::home::router())
        .merge(crate::audit::router())
        .merge(crate::notifications::router())
        .merge(crate::axes::router())
        .merge(crate::reseau::router())
        .merge(crate::search::router())
        .merge(crate::maisons::router())
        .merge(crate::organisations::router())
        .merge(crate::plans::router())
        .merge(crate::diagnostics::router())
        .merge(crate::accounts::router())
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::session,
        ))
}

pub fn app(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(assets::serve))
        .merge(pages(&state))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(CatchPanicLayer::custom(|_| panic_page()))
        .with_state(state)
}

fn panic_page() -> Response {
    tracing::error!("a handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Erreur interne</title></head>\
         <body><main><h1>Erreur interne</h1><p>Une erreur inattendue s'est produite. Réessayez dans un instant ; \
         si elle persiste, signalez-la à l'équipe du portail.</p><p><a href=\"/\">Retour à l'accueil</a></p>\
         </main></body></html>",
    )
        .into_response()
}

/// 200 when the database answers within 2 seconds, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    let ping = sqlx::query("select 1").execute(&state.db);
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok\n").into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "base de données indisponible\n",
        )
            .into_response(),
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
