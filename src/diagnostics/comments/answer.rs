//! The Maison's answer to a comment: pris en compte or sans suite, with a word for the author.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::threads::CommentView;
use super::{MAX_LEN, closed, ensure_top_level, thread};
use crate::audit;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, diagnostics as rules};
use crate::diagnostics::{Diagnostic, load};
use crate::domain::diagnostic::CommentStatus;
use crate::error::AppResult;
use crate::notifications;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, outcome};

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    answer: String,
}

#[derive(Template)]
#[template(path = "diagnostics/comment_answer.html")]
struct AnswerPage {
    ctx: Ctx,
    d: Diagnostic,
    comment: CommentView,
    form: AnswerForm,
    errors: FieldErrors,
}

/// The comment to answer: the Maison's staff only (404 to anyone else), while comments are open (409).
async fn answerable(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    id: i64,
    cid: i64,
) -> AppResult<(Diagnostic, CommentView)> {
    let d = load(conn, user, id, false).await?;
    policy::ensure(rules::answers_for_maison(user, &d.access()))?;
    let c = thread(conn, &d, cid).await?;
    ensure_top_level(&c)?;
    if !rules::can_answer_comments(user, &d.access()) {
        return Err(closed());
    }
    Ok((d, c))
}

pub async fn answer_form(
    Signed { state, user, ctx }: Signed,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (d, comment) = answerable(&mut conn, &user, id, cid).await?;
    let form = AnswerForm {
        // An open comment: the Maison chooses; an answered one: its answer, to amend.
        status: if comment.status.is_answer() {
            comment.status.as_str().to_owned()
        } else {
            String::new()
        },
        answer: comment.answer.clone(),
    };
    Ok(Html(
        AnswerPage {
            ctx,
            d,
            comment,
            form,
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

fn check_answer(form: &AnswerForm) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if !form.status.parse().is_ok_and(CommentStatus::is_answer) {
        errors.add(
            "status",
            "Choisissez la suite donnée : pris en compte ou sans suite.",
        );
    }
    let answer = form.answer.trim();
    if answer.is_empty() {
        errors.add(
            "answer",
            "Écrivez la réponse de la Maison : elle sera lue par l'auteur du commentaire.",
        );
    } else if answer.chars().count() > MAX_LEN {
        errors.add(
            "answer",
            "La réponse ne doit pas dépasser 10 000 caractères.",
        );
    }
    errors
}

pub async fn answer(
    Signed { state, user, ctx }: Signed,
    Path((id, cid)): Path<(i64, i64)>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (d, comment) = answerable(&mut tx, &user, id, cid).await?;
    let errors = check_answer(&form);
    let (Ok(status), true) = (form.status.parse::<CommentStatus>(), errors.is_empty()) else {
        drop(tx);
        let page = AnswerPage {
            ctx,
            d,
            comment,
            form,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let answer = form.answer.trim().replace("\r\n", "\n");
    sqlx::query(
        "update comment set status = $2, answer = $3, answered_by = $4, answered_at = now() where id = $1",
    )
    .bind(cid)
    .bind(status)
    .bind(&answer)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    let summary = format!(
        "Commentaire marqué « {} » sur le diagnostic « {} »",
        status.lowercase(),
        d.title
    );
    let changes = vec![
        audit::Change::new(
            "status",
            "Suite donnée",
            comment.status.lowercase(),
            status.lowercase(),
        ),
        audit::Change::new("answer", "Réponse", comment.answer.clone(), answer),
    ];
    let event = d.comment_change(&user, cid, "reponse", summary, changes);
    audit::record(&mut *tx, event).await?;
    let link = d.comment_url(cid);
    if comment.author_id != user.id {
        notifications::notify(
            &mut tx,
            &[comment.author_id],
            crate::notifications::Kind::Reponse,
            &format!(
                "{} a répondu à votre commentaire sur « {} » : {}.",
                d.maison_name,
                d.title,
                status.lowercase()
            ),
            &link,
        )
        .await?;
    }
    outcome::committed(tx, &ctx, "Réponse enregistrée.", &link).await
}
