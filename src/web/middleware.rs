//! The session middleware: refuses cross-site state-changing requests, loads the session (one query), and
//! renders error responses as French pages that know who is signed in.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;

use crate::auth::session::{self, SessionData};
use crate::error::{AppError, ErrorPage};
use crate::state::AppState;
use crate::web::extract::{Ctx, RequestSession};

/// A browser says where a request comes from in `Origin` (every POST from Chromium, Firefox and Safari)
/// and `Sec-Fetch-Site`. A request that names another site is refused; one that names none is not from a
/// browser page and cannot ride on a victim's cookie.
fn same_origin(headers: &HeaderMap, base_url: &str) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        return (!host.is_empty() && origin_host.eq_ignore_ascii_case(host))
            || origin
                .trim_end_matches('/')
                .eq_ignore_ascii_case(base_url.trim_end_matches('/'));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = req.uri().path().to_owned();
    let jar = CookieJar::from_headers(req.headers());
    let loaded = match jar.get(session::COOKIE) {
        Some(c) if !c.value().is_empty() => {
            session::load(&state.db, c.value(), state.config.session_idle).await
        }
        _ => Ok(None),
    };
    let data = match loaded {
        Ok(d) => d.map(Arc::new),
        Err(e) => return render_error(AppError::from(e).into_response(), None, &path),
    };
    if unsafe_method && !same_origin(req.headers(), &state.config.base_url) {
        tracing::warn!(%path, "cross-site request refused");
        return render_error(AppError::Csrf.into_response(), data.as_deref(), &path);
    }
    req.extensions_mut().insert(RequestSession(data.clone()));
    let response = next.run(req).await;
    render_error(response, data.as_deref(), &path)
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorTemplate {
    ctx: Ctx,
    code: u16,
    title: &'static str,
    message: String,
}

fn wording(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "Demande incorrecte",
            "La demande envoyée n'a pas pu être comprise.",
        ),
        403 => (
            "Action refusée",
            "Cette action a été refusée par mesure de sécurité : le formulaire ne venait pas de ce portail ou \
             il avait expiré. Rechargez la page et recommencez.",
        ),
        404 => (
            "Page introuvable",
            "Cette page n'existe pas, ou vous n'avez pas accès à son contenu.",
        ),
        405 => (
            "Méthode non autorisée",
            "Cette adresse ne s'utilise pas de cette façon.",
        ),
        408 => (
            "Délai dépassé",
            "La demande a pris trop de temps. Réessayez dans un instant.",
        ),
        409 => (
            "Action impossible",
            "Cette action n'est pas possible dans l'état actuel.",
        ),
        413 => (
            "Envoi trop volumineux",
            "Les données envoyées dépassent la taille autorisée. Réduisez le texte ou la taille du fichier.",
        ),
        422 => (
            "Formulaire invalide",
            "Certaines valeurs saisies ne sont pas valides.",
        ),
        503 => (
            "Service momentanément indisponible",
            "La base de données ne répond pas pour le moment. Réessayez dans quelques instants ; vos données \
             déjà enregistrées ne sont pas perdues.",
        ),
        _ => (
            "Erreur interne",
            "Une erreur inattendue s'est produite. Réessayez dans un instant ; si elle persiste, signalez-la à \
             l'équipe du portail.",
        ),
    }
}

fn render_error(response: Response, session: Option<&SessionData>, path: &str) -> Response {
    let status = response.status();
    let page = response.extensions().get::<ErrorPage>().cloned();
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if page.is_none() && (is_html || !(status.is_client_error() || status.is_server_error())) {
        return response;
    }
    let (title, default_message) = wording(status);
    let message = page
        .and_then(|p| p.message)
        .unwrap_or_else(|| default_message.to_owned());
    let template = ErrorTemplate {
        ctx: Ctx::from_session(session, path),
        code: status.as_u16(),
        title,
        message,
    };
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page did not render");
            (status, title).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn origin_rules() {
        let base = "http://127.0.0.1:8080";
        assert!(same_origin(
            &headers(&[("host", "portail.fr"), ("origin", "https://portail.fr")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("host", "portail.fr"), ("origin", "https://evil.example")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("host", "portail.fr"), ("origin", "null")]),
            base
        ));
        assert!(!same_origin(
            &headers(&[("host", "portail.fr"), ("sec-fetch-site", "cross-site")]),
            base
        ));
        assert!(same_origin(
            &headers(&[("host", "portail.fr"), ("sec-fetch-site", "same-origin")]),
            base
        ));
        assert!(same_origin(&headers(&[("host", "portail.fr")]), base));
    }
}
