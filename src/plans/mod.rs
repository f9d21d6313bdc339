//! Plans d'actions of the Grenelle method and their fiches actions (DESIGN.md sections 3 and 4): building a
//! plan from a diagnostic, the copil workflow, the avis du réseau, follow-up of the actions, exports.
//!
//! One file per page or sub-resource, the routes all here: `list`, `plan_form` (create, edit the head),
//! `show` (the plan page), `workflow/` (one function or file per transition), `review` (avis du réseau),
//! `replies` (the conversation under an avis),
//! `versions`, `export` (XLSX, print); `fiches/` for the fiches actions; `model` (rows, labels) and
//! `queries` (what several files read).

mod export;
mod fiches;
pub use fiches::notices::{plan_validated as tell_pilots_plan_validated, tell_late_actions};
mod list;
pub mod model;
mod plan_form;
mod queries;
mod replies;
mod review;
mod show;
mod versions;
mod workflow;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::audit::{Change, Event};
use crate::auth::CurrentUser;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plans", get(list::list).post(plan_form::create))
        .route("/plans/nouveau", get(plan_form::new_form))
        .route("/plans/{id}", get(show::show))
        .route(
            "/plans/{id}/modifier",
            get(plan_form::edit_form).post(plan_form::update),
        )
        .route("/plans/{id}/statut", post(workflow::transition))
        .route("/plans/{id}/copil", get(workflow::copil::form))
        .route("/plans/{id}/cloture", get(workflow::closing::form))
        .route(
            "/plans/{id}/avis",
            get(review::review_form).post(review::review),
        )
        .route(
            "/plans/{id}/avis/{review}/reponse",
            get(replies::form).post(replies::reply),
        )
        .route("/plans/{id}/nouvelle-version", post(versions::new_version))
        .route("/plans/{id}/export.xlsx", get(export::xlsx))
        .route("/plans/{id}/impression", get(export::print))
        .route("/plans/{id}/actions/nouvelle", get(fiches::edit::new_form))
        .route("/plans/{id}/actions", post(fiches::edit::create))
        .route("/actions/{id}", get(fiches::show::show))
        .route(
            "/actions/{id}/modifier",
            get(fiches::edit::edit_form).post(fiches::edit::update),
        )
        .route("/actions/{id}/supprimer", post(fiches::edit::delete))
        .route("/actions/{id}/statut", post(fiches::status::transition))
        .route("/actions/{id}/notes", post(fiches::follow_up::add_note))
        .route(
            "/actions/{id}/avancement",
            post(fiches::follow_up::progress),
        )
        .route("/actions/{id}/resultats", post(fiches::follow_up::results))
        .route("/actions/{id}/suivi", post(fiches::report::report))
        .route(
            "/actions/{id}/evaluation",
            get(fiches::evaluation::show).post(fiches::evaluation::save),
        )
        .route(
            "/actions/{id}/documents",
            post(fiches::documents::upload).layer(DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route(
            "/actions/{id}/documents/nouveau",
            get(fiches::documents::new),
        )
        .route(
            "/actions/{id}/documents/{did}",
            get(fiches::documents::download),
        )
        .route(
            "/actions/{id}/documents/{did}/supprimer",
            post(fiches::documents::delete),
        )
        .route("/mes-actions", get(fiches::mine::mine))
}

/// The message of a form whose object someone else saved first (optimistic locking).
const CONFLICT: &str = "Quelqu'un d'autre a enregistré ce contenu pendant que vous le modifiiez : \
     vos changements n'ont pas été enregistrés. Votre saisie est conservée ci-dessous ; rechargez la page \
     pour voir la version actuelle, puis reportez vos modifications.";

/// The journal's event of `user`'s change to plan `id` of Maison `maison_id`: what was done (`action`),
/// the French `summary` and the changed fields.
fn plan_event(
    user: &CurrentUser,
    maison_id: i64,
    id: i64,
    action: &'static str,
    summary: String,
    changes: Vec<Change>,
) -> Event<'static> {
    Event {
        actor: Some(user.id),
        maison_id: Some(maison_id),
        object_type: "plan",
        object_id: id,
        action,
        summary,
        changes,
    }
}
