//! Plans d'actions of the Grenelle method and their fiches actions (DESIGN.md sections 3 and 4): building a
//! plan from a diagnostic, the copil workflow, the avis du réseau, follow-up of the actions, exports.

pub mod actions;
pub mod export;
pub mod model;
pub mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans", get(pages::list).post(pages::create))
        .route("/plans/nouveau", get(pages::new_form))
        .route("/plans/{id}", get(pages::show))
        .route(
            "/plans/{id}/modifier",
            get(pages::edit_form).post(pages::update),
        )
        .route("/plans/{id}/statut", post(pages::transition))
        .route("/plans/{id}/copil", get(pages::copil_form))
        .route("/plans/{id}/cloture", get(pages::closing_form))
        .route(
            "/plans/{id}/avis",
            get(pages::review_form).post(pages::review),
        )
        .route("/plans/{id}/nouvelle-version", post(pages::new_version))
        .route("/plans/{id}/export.xlsx", get(export::xlsx))
        .route("/plans/{id}/impression", get(export::print))
        .route("/plans/{id}/actions/nouvelle", get(actions::new_form))
        .route("/plans/{id}/actions", post(actions::create))
        .route("/actions/{id}", get(actions::show))
        .route(
            "/actions/{id}/modifier",
            get(actions::edit_form).post(actions::update),
        )
        .route("/actions/{id}/supprimer", post(actions::delete))
        .route("/actions/{id}/statut", post(actions::transition))
        .route("/actions/{id}/notes", post(actions::add_note))
        .route("/actions/{id}/avancement", post(actions::progress))
        .route("/actions/{id}/resultats", post(actions::results))
}
