//! Partner organisations: the directory, an organisation's page (with the Maisons it partners), creating
//! and editing organisations, a Maison's partnerships (roles, contact people) and the partnership requests
//! a Maison makes to an organisation it did not create; its référents (designated by the admins, handed
//! over by a référent) and the partner accounts the admins review.

mod asking;
mod directory;
mod fields;
mod merge;
mod partnerships;
mod referents;
mod requests;
mod show;

/// Who answers what is asked of an organisation (a partnership, a person proposed for an account): its
/// active référents, else the network's admins.
pub use asking::answerers;

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
        .route("/organisations/a-examiner", get(referents::review))
        .route(
            "/organisations/a-examiner/{aid}/examine",
            post(referents::mark_reviewed),
        )
        .route("/organisations/{id}", get(show::show))
        .route(
            "/organisations/{id}/referents/{aid}/designer",
            post(referents::designate),
        )
        .route(
            "/organisations/{id}/referents/{aid}/retirer",
            post(referents::remove),
        )
        .route(
            "/organisations/{id}/fusionner",
            get(merge::form).post(merge::merge),
        )
        .route(
            "/organisations/{id}/referents/transmettre",
            post(referents::hand_over),
        )
        .route(
            "/organisations/{id}/modifier",
            get(directory::edit_form).post(directory::update),
        )
        .route(
            "/maisons/{id}/partenaires/ajouter",
            get(partnerships::add::add_form).post(partnerships::add::add),
        )
        .route(
            "/maisons/{id}/partenaires/nouveau",
            get(partnerships::new::new_form).post(partnerships::new::create),
        )
        .route(
            "/maisons/{id}/partenaires/demandes/{rid}/retirer",
            post(requests::withdraw),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}",
            get(partnerships::manage::manage).post(partnerships::manage::update),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}/retirer",
            post(partnerships::manage::remove),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}/contacts",
            post(partnerships::contacts::add_contact),
        )
        .route(
            "/maisons/{id}/partenaires/{pid}/contacts/{cid}/retirer",
            post(partnerships::contacts::remove_contact),
        )
}
