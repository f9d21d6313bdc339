//! Extractors: the signed-in account, the page context every template gets, the two with the state
//! (`Signed`), and forms checked against the session's CSRF token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::auth::CurrentUser;
use crate::auth::session::{Flash, SessionData};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{assets, nav};

/// Put on the request by the session middleware: the session, if the cookie named a live one.
#[derive(Clone, Default)]
pub struct RequestSession(pub Option<Arc<SessionData>>);

fn session_of(parts_ext: &axum::http::Extensions) -> Option<Arc<SessionData>> {
    parts_ext.get::<RequestSession>().and_then(|s| s.0.clone())
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        session_of(&parts.extensions)
            .and_then(|s| s.user.clone())
            .ok_or_else(|| AppError::LoginRequired {
                next: if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default()
                } else {
                    String::new()
                },
            })
    }
}

/// What every page's layout needs: who is signed in, the CSRF token for its forms, the flash message,
/// the unread-notification count and the current path (for the navigation).
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    pub user: Option<CurrentUser>,
    pub session_hash: Option<String>,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub unread: i64,
    pub path: String,
}

impl Ctx {
    pub fn from_session(session: Option<&SessionData>, path: &str) -> Self {
        match session {
            Some(s) => Ctx {
                user: s.user.clone(),
                session_hash: Some(s.id_hash.clone()),
                csrf: s.csrf_token.clone(),
                flash: s.flash.clone(),
                unread: s.unread_notifications,
                path: path.to_owned(),
            },
            None => Ctx {
                path: path.to_owned(),
                ..Ctx::default()
            },
        }
    }

    pub fn css_url(&self) -> &'static str {
        assets::css_url()
    }

    pub fn js_url(&self) -> &'static str {
        assets::js_url()
    }

    pub fn icon_url(&self) -> &'static str {
        assets::icon_url()
    }

    pub fn nav(&self) -> Vec<nav::NavItem> {
        nav::items(self.user.as_ref(), &self.path)
    }

    /// A fresh one-time key for a form that must not be processed twice (see `web::idempotency`).
    pub fn form_key(&self) -> String {
        crate::auth::session::random_token()
    }

    pub fn flash_class(&self) -> &'static str {
        match self.flash.as_ref().map(|f| f.kind) {
            Some(crate::auth::session::FlashKind::Success) => "flash flash-success",
            Some(crate::auth::session::FlashKind::Error) => "flash flash-error",
            _ => "flash flash-info",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx::from_session(
            session_of(&parts.extensions).as_deref(),
            parts.uri.path(),
        ))
    }
}

/// What nearly every handler opens with, in one extractor: the application's state, the signed-in
/// account (an anonymous visitor is sent to `/connexion?next=…`, as by `CurrentUser`) and the page's
/// `Ctx`. Destructured in the signature, so that the body reads `state`, `user` and `ctx` as before:
/// `async fn edit(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response>`.
pub struct Signed {
    pub state: AppState,
    pub user: CurrentUser,
    pub ctx: Ctx,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let ctx = match Ctx::from_request_parts(parts, state).await {
            Ok(ctx) => ctx,
            Err(never) => match never {},
        };
        Ok(Signed {
            state: state.clone(),
            user,
            ctx,
        })
    }
}

/// Constant-time comparison of a submitted CSRF token with the session's.
pub fn csrf_matches(session: Option<&SessionData>, submitted: Option<&str>) -> bool {
    match (session, submitted) {
        (Some(s), Some(t)) if !t.is_empty() => s.csrf_token.as_bytes().ct_eq(t.as_bytes()).into(),
        _ => false,
    }
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest("Le formulaire n'a pas pu être lu.".into())
        }
    })
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_html_form::from_bytes(bytes).map_err(|e| {
        tracing::debug!(error = %e, "form did not deserialise");
        AppError::BadRequest(
            "Le formulaire envoyé est incomplet ou mal formé. Rechargez la page et réessayez."
                .into(),
        )
    })
}

/// The fields of a form that is only a button (a deletion, a move): nothing but its `csrf` token, which
/// `Form<EmptyForm>` checks.
#[derive(serde::Deserialize)]
pub struct EmptyForm {}

/// A url-encoded form whose `csrf` field must match the session's token (403 otherwise). Repeated fields
/// deserialise into `Vec`s. Declare fields as `String` and parse them in the handler, so that bad input
/// gets a French message beside the field rather than a generic refusal.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let session = session_of(req.extensions());
        let bytes = body_bytes(req, state).await?;
        let token = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        if !csrf_matches(session.as_deref(), token.as_deref()) {
            return Err(AppError::Csrf);
        }
        Ok(Form(parse(&bytes)?))
    }
}

/// A url-encoded form without a token, for the sign-in and sign-out forms only: there, the Origin check of
/// the session middleware and SameSite=Lax are the defence (there is no session yet to hold a token).
pub struct UncheckedForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for UncheckedForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = body_bytes(req, state).await?;
        Ok(UncheckedForm(parse(&bytes)?))
    }
}
