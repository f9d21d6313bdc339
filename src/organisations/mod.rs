//! Partner organisations: the directory, an organisation's page, and a Maison's partnerships (roles and
//! contact people).

pub mod siret;

use axum::Router;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
}
