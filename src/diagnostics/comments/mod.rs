//! Comments on a diagnostic or one of its sections: one level of replies, the author edits within 15
//! minutes (marked "modifié"), the Maison answers (pris en compte / sans suite), staff and admins hide
//! abusive comments (the text is kept in the journal). Nobody comments after validation.
//!
//! The diagnostic page only links to the small pages here, each showing the comment in context: `new`
//! (comment, reply, and publishing), `notify` (who is told of a new comment or reply), `edit` (the
//! author's correction), `answer` (the Maison's answer), `hide` (moderation). A form that does not
//! validate comes back on its page with status 422, the message beside the field and the typed text
//! kept; success goes back to the comment's anchor. The routes are in `diagnostics/mod.rs`.

pub(super) mod answer;
pub(super) mod edit;
pub(super) mod hide;
pub(super) mod new;
mod notify;
pub(super) mod threads;

use super::Diagnostic;
use crate::auth::policy;
use crate::error::{AppError, AppResult};
use threads::{CommentView, comment_threads};

const MAX_LEN: usize = 10_000;

fn closed() -> AppError {
    AppError::Conflict(
        "Les commentaires sont clos sur ce diagnostic : il a été validé par le comité de pilotage."
            .into(),
    )
}

fn check_body(body: &str) -> Result<String, String> {
    let b = body.trim().replace("\r\n", "\n");
    if b.is_empty() {
        Err("Le commentaire est vide : écrivez votre commentaire avant de le publier.".into())
    } else if b.chars().count() > MAX_LEN {
        Err("Le commentaire ne doit pas dépasser 10 000 caractères.".into())
    } else {
        Ok(b)
    }
}

/// One thread (a top-level comment and its replies) of the diagnostic, or 404.
async fn thread(conn: &mut sqlx::PgConnection, d: &Diagnostic, cid: i64) -> AppResult<CommentView> {
    let mut c = comment_threads(conn, d, Some(cid))
        .await?
        .into_iter()
        .find(|c| c.id == cid)
        .ok_or(AppError::NotFound)?;
    if let Some(sid) = c.section_id {
        c.section_title = sqlx::query_scalar("select title from diagnostic_section where id = $1")
            .bind(sid)
            .fetch_optional(conn)
            .await?
            .unwrap_or_default();
    }
    Ok(c)
}

/// A visible top-level comment of the diagnostic, which one may reply to or answer.
fn ensure_top_level(c: &CommentView) -> AppResult<()> {
    policy::ensure(!c.is_reply && !c.hidden)
}

#[derive(sqlx::FromRow)]
struct Stored {
    author_id: i64,
    body: String,
    age_minutes: i64,
    hidden: bool,
}

async fn stored(conn: &mut sqlx::PgConnection, id: i64, cid: i64) -> AppResult<Stored> {
    sqlx::query_as(
        "select author_id, body, (extract(epoch from now() - created_at) / 60)::bigint as age_minutes,
                hidden_at is not null as hidden
         from comment where id = $1 and diagnostic_id = $2 and deleted_at is null",
    )
    .bind(cid)
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}
