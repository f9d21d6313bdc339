//! Moderation: staff and admins hide an abusive comment (its text is kept in the journal).

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};

use super::threads::CommentView;
use super::{stored, thread};
use crate::audit;
use crate::auth::policy::diagnostics as rules;
use crate::diagnostics::{Diagnostic, begin_if, load_if};
use crate::error::{AppError, AppResult};
use crate::web::{Ctx, EmptyForm, Form, Signed, outcome};

#[derive(Template)]
#[template(path = "diagnostics/comment_hide.html")]
struct HidePage {
    ctx: Ctx,
    d: Diagnostic,
    comment: CommentView,
}

/// Asks before hiding: the comment is shown, with what hiding does.
pub async fn hide_form(
    Signed { state, user, ctx }: Signed,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load_if(&mut conn, &user, id, false, rules::can_hide_comment).await?;
    // A reply is shown inside its thread; the thread is looked up from the reply.
    let top: Option<i64> = sqlx::query_scalar(
        "select coalesce(parent_id, id) from comment
         where id = $1 and diagnostic_id = $2 and deleted_at is null",
    )
    .bind(cid)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let top = top.ok_or(AppError::NotFound)?;
    let mut comment = thread(&mut conn, &d, top).await?;
    if top != cid {
        let i = comment
            .replies
            .iter()
            .position(|r| r.id == cid)
            .ok_or(AppError::NotFound)?;
        let section_title = std::mem::take(&mut comment.section_title);
        comment = comment.replies.swap_remove(i);
        comment.section_title = section_title;
    } else {
        comment.replies.clear();
    }
    Ok(Html(HidePage { ctx, d, comment }.render()?).into_response())
}

pub async fn hide(
    Signed { state, user, ctx }: Signed,
    Path((id, cid)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_hide_comment).await?;
    let c = stored(&mut tx, id, cid).await?;
    if !c.hidden {
        sqlx::query("update comment set hidden_at = now(), hidden_by = $2 where id = $1")
            .bind(cid)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        // The text stays in the journal, for the record.
        let summary = format!(
            "Commentaire masqué (modération) sur le diagnostic « {} »",
            d.title
        );
        let changes = vec![audit::Change::new("body", "Texte masqué", c.body, "")];
        let event = d.comment_change(&user, cid, "masquage", summary, changes);
        audit::record(&mut *tx, event).await?;
    }
    outcome::committed(tx, &ctx, "Commentaire masqué.", &d.comment_url(cid)).await
}
