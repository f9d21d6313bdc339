//! The author corrects their comment within the minutes the policy allows.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{Stored, check_body, closed, stored};
use crate::audit;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, diagnostics as rules};
use crate::diagnostics::{Diagnostic, load};
use crate::error::{AppError, AppResult};
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, outcome};

#[derive(Template)]
#[template(path = "diagnostics/comment_form.html")]
struct EditPage {
    ctx: Ctx,
    d: Diagnostic,
    comment_id: i64,
    body: String,
    errors: FieldErrors,
}

fn editable(user: &CurrentUser, d: &Diagnostic, c: &Stored) -> AppResult<()> {
    policy::ensure(c.author_id == user.id && !c.hidden)?;
    if rules::can_edit_comment(user, &d.access(), c.author_id, c.age_minutes) {
        Ok(())
    } else if !rules::can_comment(user, &d.access()) {
        Err(closed())
    } else {
        Err(AppError::Conflict(format!(
            "Un commentaire ne peut être modifié que dans les {} minutes qui suivent sa publication.",
            rules::COMMENT_EDIT_MINUTES
        )))
    }
}

pub async fn edit(
    Signed { state, user, ctx }: Signed,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let c = stored(&mut conn, id, cid).await?;
    editable(&user, &d, &c)?;
    Ok(Html(
        EditPage {
            ctx,
            d,
            comment_id: cid,
            body: c.body,
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    body: String,
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path((id, cid)): Path<(i64, i64)>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, false).await?;
    let c = stored(&mut tx, id, cid).await?;
    editable(&user, &d, &c)?;
    let body = match check_body(&form.body) {
        Ok(b) => b,
        Err(message) => {
            drop(tx);
            let mut errors = FieldErrors::default();
            errors.add("body", message);
            let page = EditPage {
                ctx,
                d,
                comment_id: cid,
                body: form.body,
                errors,
            };
            return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    sqlx::query("update comment set body = $2, edited_at = now() where id = $1")
        .bind(cid)
        .bind(&body)
        .execute(&mut *tx)
        .await?;
    let summary = format!("Commentaire modifié sur le diagnostic « {} »", d.title);
    let changes = vec![audit::Change::new("body", "Texte", c.body, body)];
    let event = d.comment_change(&user, cid, "modification", summary, changes);
    outcome::done(tx, &ctx, event, "Commentaire modifié.", &d.comment_url(cid)).await
}
