//! The network's library of practices (*fiches pratiques*, issue 18; DESIGN.md section 1, step 4 of the
//! method): a Maison proposes one of its evaluated actions as a public summary, AVE curates it, every
//! signed-in person browses the accepted ones, and a Maison takes one up in its own draft plan. Who may do
//! what: `src/auth/policy/practices.rs`.
//!
//! One file per page or sub-resource: `model` (the practice and its published version, loaded with the
//! reader's rights), `form` (the summary's form, shared by proposing and reworking), `propose` (from an
//! evaluated action; rework as a new version), `show` (the practice's page), `library` (`/pratiques`, its
//! facets and search), `pipeline` (the proposals AVE curates, a Maison's own), `review` (AVE's decisions,
//! *remarquable*), `withdraw`, `reuse` (« Reprendre dans mon plan »), `figures` (what the Maison page and
//! `/reseau` count).

mod figures;
mod form;
mod library;
mod model;
mod pipeline;
mod propose;
mod reuse;
mod review;
mod show;
mod withdraw;

pub use figures::{PracticeFigures, of_maison as figures_of_maison, of_network as network_figures};

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pratiques", get(library::library))
        .route("/pratiques/propositions", get(pipeline::pipeline))
        .route(
            "/actions/{id}/pratique",
            get(propose::new_form).post(propose::create),
        )
        .route("/pratiques/{id}", get(show::show))
        .route(
            "/pratiques/{id}/modifier",
            get(propose::edit_form).post(propose::update),
        )
        .route("/pratiques/{id}/examen", post(review::decide))
        .route("/pratiques/{id}/remarquable", post(review::remarkable))
        .route("/pratiques/{id}/retrait", post(withdraw::withdraw))
        .route(
            "/pratiques/{id}/reprendre",
            get(reuse::form).post(reuse::reuse),
        )
}

/// The message of a form whose practice someone else changed first (optimistic locking).
const CONFLICT: &str = "Quelqu'un d'autre a modifié cette pratique pendant que vous la lisiez : \
     rien n'a été enregistré. Votre saisie est conservée ci-dessous ; la pratique telle qu'elle est \
     maintenant est affichée.";
