//! Documents attached to a diagnostic (studies: PDF, office files, photos), kept in the one document store
//! (`web::documents`, its checks and limits); downloadable by whoever may read the diagnostic.

use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{Diagnostic, begin_if, load, read_if};
use crate::auth::CurrentUser;
use crate::auth::policy::diagnostics as rules;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::documents::{self, Owner, Upload, UploadPage};
use crate::web::extract::RequestSession;
use crate::web::forms::FieldErrors;
use crate::web::{Ctx, EmptyForm, Form, Signed};

fn upload_page(ctx: Ctx, d: &Diagnostic, errors: FieldErrors) -> UploadPage {
    UploadPage {
        ctx,
        heading: "Joindre un document",
        lead: "Études, comptes rendus, tableaux, photos : PDF, Word, Excel, PowerPoint, OpenDocument, JPEG ou \
               PNG, 10 Mo au plus.",
        breadcrumb: vec![
            ("/diagnostics".into(), "Diagnostics".into()),
            (d.url(), d.title.clone()),
        ],
        action: format!("{}/documents", d.url()),
        back: format!("{}#documents", d.url()),
        errors,
    }
}

pub async fn new(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let d = read_if(&state, &user, id, rules::can_edit).await?;
    upload_page(ctx, &d, FieldErrors::default()).respond(StatusCode::OK)
}

pub async fn upload(
    Signed { state, user, ctx }: Signed,
    Extension(session): Extension<RequestSession>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let upload = Upload::read(&session, &mut multipart).await?;
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let file = match upload.accept() {
        Ok(file) => file,
        Err(refused) => {
            drop(tx);
            return upload_page(ctx, &d, refused.errors).respond(refused.status);
        }
    };
    let did = documents::store(&mut tx, Owner::Diagnostic(id), &file, user.id).await?;
    let summary = format!("Document « {} » joint (n° {did})", file.filename);
    let event = d.change(&user, "document", summary, vec![]);
    d.part_done(tx, &ctx, event, "Document joint.", "#documents")
        .await
}

pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    load(&mut conn, &user, id, false).await?;
    documents::download(&mut conn, Owner::Diagnostic(id), did).await
}

pub async fn delete(
    Signed { state, user, ctx }: Signed,
    Path((id, did)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let filename = documents::delete(&mut tx, Owner::Diagnostic(id), did).await?;
    let summary = format!("Document « {filename} » supprimé");
    let event = d.change(&user, "document", summary, vec![]);
    d.part_done(tx, &ctx, event, "Document supprimé.", "#documents")
        .await
}
