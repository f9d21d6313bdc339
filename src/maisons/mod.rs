//! The Maisons de l'Emploi: the list (search, filters, sort, pages), a Maison's page (identity, territory
//! and population, founding members, copil, staff, phase, history), creating and editing a Maison, and its
//! territory (a set of EPCI).

mod list;
pub mod phase;
mod profile;
mod show;
mod territory;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::{CurrentUser, policy};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub use phase::Phase;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/maisons", get(list::list))
        .route(
            "/maisons/nouvelle",
            get(profile::new::new_form).post(profile::new::create),
        )
        .route("/maisons/{id}", get(show::show))
        .route(
            "/maisons/{id}/modifier",
            get(profile::edit::edit_form).post(profile::edit::update),
        )
        .route("/maisons/{id}/territoire", get(territory::page))
        .route("/maisons/{id}/territoire/ajouter", post(territory::add))
        .route("/maisons/{id}/territoire/retirer", post(territory::remove))
}

/// Whether the account's organisation partners this Maison (a partner's right to see it).
pub async fn organisation_partners(
    db: impl sqlx::PgExecutor<'_>,
    user: &CurrentUser,
    maison_id: i64,
) -> sqlx::Result<bool> {
    let Some(org) = user.organisation_id.filter(|_| user.is_partner()) else {
        return Ok(false);
    };
    sqlx::query_scalar(
        "select exists (select 1 from partnership where maison_id = $1 and organisation_id = $2)",
    )
    .bind(maison_id)
    .bind(org)
    .fetch_one(db)
    .await
}

/// 404 unless the Maison exists and this account may see it.
pub async fn ensure_visible(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    maison_id: i64,
) -> AppResult<()> {
    let partners = if user.is_partner() {
        organisation_partners(db, user, maison_id).await?
    } else {
        false
    };
    policy::ensure(policy::network::can_view_maison(user, partners))
}

/// The name of a Maison, 404 when it does not exist.
pub async fn name_of(db: impl sqlx::PgExecutor<'_>, maison_id: i64) -> AppResult<String> {
    sqlx::query_scalar("select name from maison where id = $1")
        .bind(maison_id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)
}
