//! The one error type of the web layer. Internals are logged once, here, and never shown: the person gets a
//! French page (rendered by the session middleware, `web::middleware`, which knows who is signed in).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Unknown, or not visible to this account: both answer 404 so that ids do not leak.
    #[error("not found")]
    NotFound,
    /// Anonymous visitor on a page that needs an account.
    #[error("sign-in required")]
    LoginRequired { next: String },
    /// A cross-site or token-less state-changing request.
    #[error("CSRF check failed")]
    Csrf,
    /// A request that makes no sense (a form that does not parse); `message` is French.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A transition or change not allowed from the current state; `message` is French.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge,
    /// The database does not answer: 503, and it comes back by itself.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("template error: {0}")]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                AppError::Unavailable(e)
            }
            sqlx::Error::Database(ref db) if is_unavailable_code(db.code().as_deref()) => {
                AppError::Unavailable(e)
            }
            // Class 22, "data exception": a value the person typed that PostgreSQL cannot take (a NUL
            // character, a number or a date out of range) and that validation let through. It is their
            // input, not our failure: a 400 with a French message, and the statement did not apply.
            sqlx::Error::Database(ref db) if db.code().is_some_and(|c| c.starts_with("22")) => {
                tracing::warn!(error = %e, "data exception from user input");
                AppError::BadRequest(
                    "Une valeur saisie n'a pas pu être enregistrée (caractère interdit, nombre ou date hors \
                     limites). Vérifiez le formulaire et réessayez."
                        .into(),
                )
            }
            _ => AppError::Database(e),
        }
    }
}

/// SQLSTATE classes that mean "the server is going away", not "your query is wrong".
fn is_unavailable_code(code: Option<&str>) -> bool {
    matches!(code, Some(c) if c.starts_with("57P") || c.starts_with("08"))
}

/// Placed on error responses; the session middleware (`web::middleware`) turns it into the French page.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub message: Option<String>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            AppError::LoginRequired { next } => {
                let target = if next == "/" || next.is_empty() {
                    "/connexion".to_owned()
                } else {
                    let next = utf8_percent_encode(next, NON_ALPHANUMERIC);
                    format!("/connexion?next={next}")
                };
                return Redirect::to(&target).into_response();
            }
            AppError::BadRequest(m) | AppError::Conflict(m) => Some(m.clone()),
            AppError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                None
            }
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "internal error");
                None
            }
            _ => None,
        };
        let mut response = status.into_response();
        response
            .extensions_mut()
            .insert(ErrorPage { status, message });
        response
    }
}
