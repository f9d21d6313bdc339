//! The proofs of a fiche action (issue 16): attendance lists, photos, conventions, kept in the one document
//! store (`web::documents`, the diagnostics' checks and limits). The Maison's staff add them while the plan
//! is not closed, the pilot (a partner of the organisation that pilots the action) while the plan is being
//! followed up (`rules::can_add_action_document`); whoever may read the fiche downloads them.

use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::audit::Event;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, plans as rules};
use crate::error::AppResult;
use crate::plans::model::{Action, Plan};
use crate::plans::queries;
use crate::state::AppState;
use crate::web::documents::{self, Owner, Upload, UploadPage};
use crate::web::extract::RequestSession;
use crate::web::forms::FieldErrors;
use crate::web::{Ctx, EmptyForm, Form, Signed, outcome};

fn upload_page(ctx: Ctx, plan: &Plan, action: &Action, errors: FieldErrors) -> UploadPage {
    UploadPage {
        ctx,
        heading: "Joindre une preuve",
        lead: "Liste d'émargement, photo, convention, compte rendu : PDF, Word, Excel, PowerPoint, \
               OpenDocument, JPEG ou PNG, 10 Mo au plus.",
        breadcrumb: vec![
            (format!("/plans/{}", plan.id), plan.title.clone()),
            (
                format!("/actions/{}", action.id),
                format!("Fiche action n° {} — {}", action.number, action.title),
            ),
        ],
        action: format!("/actions/{}/documents", action.id),
        back: format!("/actions/{}#preuves", action.id),
        errors,
    }
}

/// May `user` add a proof to this action (its plan as it stands)?
pub(super) fn may_add(user: &CurrentUser, plan: &Plan, action: &Action) -> bool {
    rules::can_add_action_document(
        user,
        plan.maison_id,
        action.pilot_organisation_id,
        plan.status,
    )
}

fn event(user: &CurrentUser, plan: &Plan, action: &Action, summary: String) -> Event<'static> {
    Event {
        actor: Some(user.id),
        maison_id: Some(plan.maison_id),
        object_type: "action",
        object_id: action.id,
        action: "document",
        summary,
        changes: vec![],
    }
}

pub async fn new(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (action, plan) = queries::load_action(&mut conn, &user, id).await?;
    policy::ensure(may_add(&user, &plan, &action))?;
    upload_page(ctx, &plan, &action, FieldErrors::default()).respond(StatusCode::OK)
}

pub async fn upload(
    Signed { state, user, ctx }: Signed,
    Extension(session): Extension<RequestSession>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let upload = Upload::read(&session, &mut multipart).await?;
    let mut tx = state.db.begin().await?;
    let (action, plan) = queries::load_action(&mut tx, &user, id).await?;
    policy::ensure(may_add(&user, &plan, &action))?;
    let file = match upload.accept() {
        Ok(file) => file,
        Err(refused) => {
            drop(tx);
            return upload_page(ctx, &plan, &action, refused.errors).respond(refused.status);
        }
    };
    let did = documents::store(&mut tx, Owner::Action(id), &file, user.id).await?;
    let summary = format!(
        "Fiche action n° {} : preuve « {} » jointe (n° {did})",
        action.number, file.filename
    );
    let to = format!("/actions/{id}#preuves");
    let event = event(&user, &plan, &action, summary);
    outcome::done(tx, &ctx, event, "Preuve jointe.", &to).await
}

pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    queries::load_action(&mut conn, &user, id).await?;
    documents::download(&mut conn, Owner::Action(id), did).await
}

pub async fn delete(
    Signed { state, user, ctx }: Signed,
    Path((id, did)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = queries::load_action(&mut tx, &user, id).await?;
    let doc = documents::one(&mut tx, Owner::Action(id), did).await?;
    policy::ensure(rules::can_remove_action_document(
        &user,
        plan.maison_id,
        action.pilot_organisation_id,
        plan.status,
        doc.uploaded_by,
    ))?;
    let filename = documents::delete(&mut tx, Owner::Action(id), did).await?;
    let summary = format!(
        "Fiche action n° {} : preuve « {filename} » supprimée",
        action.number
    );
    let to = format!("/actions/{id}#preuves");
    let event = event(&user, &plan, &action, summary);
    outcome::done(tx, &ctx, event, "Preuve supprimée.", &to).await
}
