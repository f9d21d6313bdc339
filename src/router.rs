//! The application: every feature's router merged, and the layers every response goes through (once, here).
//! The top layer: it may import any feature; nothing imports it but `lib.rs` and the CLI.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::error::AppError;
use crate::state::AppState;
use crate::web::{assets, middleware};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; object-src 'none'";

/// The pages of every feature (behind the session middleware).
fn pages(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(crate::signin::router())
        .merge(crate::informations::router())
        .merge(crate::profile::router())
        .merge(crate::home::router())
        .merge(crate::journal::router())
        .merge(crate::notifications::router())
        .merge(crate::axes::router())
        .merge(crate::reseau::router())
        .merge(crate::search::router())
        .merge(crate::maisons::router())
        .merge(crate::organisations::router())
        .merge(crate::plans::router())
        .merge(crate::practices::router())
        .merge(crate::diagnostics::router())
        .merge(crate::copil::router())
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
