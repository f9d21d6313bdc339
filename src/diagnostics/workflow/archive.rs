//! Archiving a validated diagnostic.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;

use super::{CommentOnly, comment_of};
use crate::auth::policy::diagnostics as rules;
use crate::diagnostics::{Diagnostic, Status, begin_if, read_if, set_status};
use crate::error::AppResult;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, outcome};

#[derive(Template)]
#[template(path = "diagnostics/archive.html")]
struct ArchivePage {
    ctx: Ctx,
    d: Diagnostic,
    comment: String,
    errors: FieldErrors,
}

pub async fn archive_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = read_if(&state, &user, id, rules::can_archive).await?;
    let page = ArchivePage {
        ctx,
        d,
        comment: String::new(),
        errors: FieldErrors::default(),
    };
    forms::render(&page, StatusCode::OK)
}

pub async fn archive(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<CommentOnly>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_archive).await?;
    let mut errors = FieldErrors::default();
    let comment = comment_of(&form.comment, &mut errors);
    if !errors.is_empty() {
        drop(tx);
        let page = ArchivePage {
            ctx,
            d,
            comment,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    set_status(
        &mut tx,
        id,
        Status::Valide,
        Status::Archive,
        user.id,
        &comment,
    )
    .await?;
    let event = d.change(&user, "archivage", "Diagnostic archivé", vec![]);
    outcome::done(tx, &ctx, event, "Diagnostic archivé.", &d.url()).await
}
