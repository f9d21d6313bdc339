//! The conversation under an avis du réseau: the plan's Maison answers the Alliance's opinion, the Alliance
//! answers back (`policy::plans::review_reply_side`), each reply telling the other side. The thread is
//! shown under the avis on the plan page, with its « Répondre » form; this page is the same form alone
//! (and where it comes back with its message when the reply cannot be saved).

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::{Plan, ReviewRow};
use super::{plan_event, queries};
use crate::audit;
use crate::auth::CurrentUser;
use crate::auth::policy::plans::{self as rules, ReviewSide};
use crate::error::{AppError, AppResult};
use crate::notifications::{Kind, notify};
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, idempotency, outcome};

/// The longest reply (the database checks it too).
const MAX_CHARS: usize = 5_000;

#[derive(Deserialize, Default, Clone)]
pub struct ReplyForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    form_key: String,
}

#[derive(Template)]
#[template(path = "plans/reply.html")]
struct ReplyPage {
    ctx: Ctx,
    plan: Plan,
    review: ReviewRow,
    form: ReplyForm,
    errors: FieldErrors,
}

/// The plan, the reader's side in the conversation and the avis (with its thread): 404 unless the plan is
/// readable, the reader one of the two sides and the avis one of this plan's.
async fn load(
    conn: &mut PgConnection,
    user: &CurrentUser,
    plan_id: i64,
    review_id: i64,
) -> AppResult<(Plan, ReviewSide, ReviewRow)> {
    let plan = queries::load_plan(conn, user, plan_id).await?;
    let side = rules::review_reply_side(user, plan.maison_id).ok_or(AppError::NotFound)?;
    let mut review: ReviewRow = sqlx::query_as(
        "select r.id, r.opinion, r.remarks, a.name as who, r.created_at from network_review r
         left join account a on a.id = r.account_id where r.id = $1 and r.plan_id = $2",
    )
    .bind(review_id)
    .bind(plan_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    review.replies = sqlx::query_as(
        "select x.id, x.side, x.body, b.name as who, x.created_at from network_review_reply x
         left join account b on b.id = x.account_id where x.review_id = $1 order by x.created_at, x.id",
    )
    .bind(review_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok((plan, side, review))
}

pub async fn form(
    Signed { state, user, ctx }: Signed,
    Path((plan_id, review_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (plan, _, review) = load(&mut conn, &user, plan_id, review_id).await?;
    let page = ReplyPage {
        ctx,
        plan,
        review,
        form: ReplyForm::default(),
        errors: FieldErrors::default(),
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn reply(
    Signed { state, user, ctx }: Signed,
    Path((plan_id, review_id)): Path<(i64, i64)>,
    Form(form): Form<ReplyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (plan, side, review) = load(&mut tx, &user, plan_id, review_id).await?;
    let body = form.body.trim().to_owned();
    let errors = check(&body);
    if !errors.is_empty() {
        let page = ReplyPage {
            ctx,
            plan,
            review,
            form,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let link = format!("/plans/{plan_id}#avis-{review_id}");
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&link).into_response());
    }
    let reply_id: i64 = sqlx::query_scalar(
        "insert into network_review_reply (review_id, account_id, side, body) values ($1, $2, $3, $4)
         returning id",
    )
    .bind(review_id)
    .bind(user.id)
    .bind(side.code())
    .bind(&body)
    .fetch_one(&mut *tx)
    .await?;
    let (speaker, message) = match side {
        ReviewSide::Maison => (
            "de la Maison",
            format!(
                "{} a répondu à l'avis du réseau sur son plan « {} ».",
                plan.maison_name, plan.title
            ),
        ),
        ReviewSide::Reseau => (
            "de l'Alliance Villes Emploi",
            format!(
                "L'Alliance Villes Emploi a répondu sur l'avis du réseau de votre plan « {} ».",
                plan.title
            ),
        ),
    };
    let summary = format!(
        "Réponse {speaker} à l'avis du réseau sur le plan « {} »",
        plan.title
    );
    let changes = vec![
        audit::Change::new("review_id", "Avis n°", "", review_id),
        audit::Change::new("reply_id", "Réponse n°", "", reply_id),
        audit::Change::new("body", "Réponse", "", body.as_str()),
    ];
    let event = plan_event(
        &user,
        plan.maison_id,
        plan_id,
        "reponse_avis",
        summary,
        changes,
    );
    audit::record(&mut *tx, event).await?;
    let others = other_side(&mut tx, &plan, side, &review).await?;
    let others: Vec<i64> = others.into_iter().filter(|id| *id != user.id).collect();
    notify(&mut tx, &others, Kind::ReponseAvis, &message, &link).await?;
    outcome::committed(
        tx,
        &ctx,
        match side {
            ReviewSide::Maison => "Réponse enregistrée ; l'Alliance Villes Emploi en est notifiée.",
            ReviewSide::Reseau => "Réponse enregistrée ; la Maison en est notifiée.",
        },
        &link,
    )
    .await
}

/// Who is told of a reply: for the Maison's, the Alliance's people in the conversation (the avis's
/// author and the admins who replied), every admin when none of them is active any more; for the
/// Alliance's, the Maison's staff.
async fn other_side(
    conn: &mut PgConnection,
    plan: &Plan,
    side: ReviewSide,
    review: &ReviewRow,
) -> sqlx::Result<Vec<i64>> {
    match side {
        ReviewSide::Reseau => queries::maison_staff_ids(conn, plan.maison_id).await,
        ReviewSide::Maison => {
            let in_thread: Vec<i64> = sqlx::query_scalar(
                "select a.id from account a
                 where a.role = 'admin' and a.active
                   and (a.id = (select account_id from network_review where id = $1)
                        or a.id in (select account_id from network_review_reply
                                    where review_id = $1 and side = 'reseau'))",
            )
            .bind(review.id)
            .fetch_all(&mut *conn)
            .await?;
            if in_thread.is_empty() {
                queries::admin_ids(conn).await
            } else {
                Ok(in_thread)
            }
        }
    }
}

/// A reply says something, within the limit.
fn check(body: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if body.is_empty() {
        errors.add("body", "Écrivez votre réponse.");
    } else if body.chars().count() > MAX_CHARS {
        errors.add("body", "Une réponse ne peut dépasser 5 000 caractères.");
    }
    errors
}
