//! Partner organisations: the directory, an organisation's page (with the Maisons it partners), creating
//! and editing organisations, a Maison's partnerships (roles, contact people) and the partnership requests
//! a Maison makes to an organisation it did not create.

mod directory;
mod fields;
mod partnerships;
mod requests;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisations", get(directory::list))
        .route(
            "/organisations/nouvelle",
            get(directory::new_form).post(directory::create),
        )
        .route("/organisations/demandes", get(requests::list))
        .route(
            "/organisations/demandes/{id}/accepter",
            post(requests::accept),
        )
        .route(
            "/organisations/demandes/{id}/refuser",
            post(requests::refuse),
        )
        .route("/organisations/{id}", get(directory::show))
        .route(
            "/organisations/{id}/modifier",
            get(directory::edit_form).post(directory::update),
        )
        .route(
            "/maisons/{id}/partenaires/ajouter",
            get(partnerships::add_form).post(partnerships::add),
        )
        .route(
            "/maisons/{id}/partenaires/nouveau",
            get(partnerships::new_form).post(partnerships::create),
        )
        .route(
            "/maisons/{id}/partenaires/demandes/{rid}/retirer",
            post(requests::withdraw),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}",
            get(partnerships::manage).post(partnerships::update),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}/retirer",
            post(partnerships::remove),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}/contacts",
            post(partnerships::add_contact),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}/contacts/{cid}/retirer",
            post(partnerships::remove_contact),
        )
}
