//! The practice's page (`/pratiques/{id}`): its published text with the results and figures, the Maison
//! and its contact, the fiche it comes from (linked when the reader may read its plan), the plans that
//! took it up (those the reader may read linked, the others only counted), and what each reader may do
//! there: AVE's examination, the Maison's rework and withdrawal, « Reprendre dans mon plan ».

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::model::{self, Practice};
use super::review::ReviewForm;
use crate::audit::{self, HistoryEntry};
use crate::auth::CurrentUser;
use crate::auth::policy::plans::PLAN_SCOPE_SQL;
use crate::auth::policy::practices as rules;
use crate::domain::practice::PracticeStatus;
use crate::error::AppResult;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Signed, format};

/// A fiche action made from the practice.
#[derive(sqlx::FromRow)]
pub struct Reuse {
    pub action_id: i64,
    pub number: i32,
    pub title: String,
    pub plan_title: String,
    pub maison_name: String,
    pub reused_at: DateTime<Utc>,
    pub readable: bool,
}

impl Reuse {
    pub fn date(&self) -> String {
        format::date(self.reused_at.date_naive())
    }
}

/// One step of the practice's curation.
#[derive(sqlx::FromRow)]
pub struct Step {
    pub to_status: PracticeStatus,
    pub who: Option<String>,
    pub at: DateTime<Utc>,
    pub comment: String,
}

impl Step {
    pub fn date(&self) -> String {
        format::datetime(self.at)
    }
    pub fn who(&self) -> &str {
        self.who.as_deref().unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "practices/show.html")]
struct ShowPage {
    ctx: Ctx,
    p: Practice,
    source_readable: bool,
    reuses: Vec<Reuse>,
    hidden_reuses: usize,
    steps: Vec<Step>,
    history: Vec<HistoryEntry>,
    /// The Maison's staff and the admins see the curation's steps and comments.
    insider: bool,
    can_review: bool,
    can_mark: bool,
    can_edit: bool,
    can_withdraw: bool,
    can_reuse: bool,
    review: ReviewForm,
    errors: FieldErrors,
}

/// The binds of `PLAN_SCOPE_SQL`: the reader's role, Maison and organisation.
fn scope(user: &CurrentUser) -> (&'static str, i64, i64) {
    (
        user.role.as_str(),
        user.maison_id.unwrap_or(-1),
        user.organisation_id.unwrap_or(-1),
    )
}

pub async fn reuses(
    conn: &mut PgConnection,
    user: &CurrentUser,
    practice: i64,
) -> sqlx::Result<Vec<Reuse>> {
    let (role, maison, org) = scope(user);
    sqlx::query_as(&format!(
        "select r.action_id, a.number, a.title, p.title as plan_title, m.name as maison_name, r.reused_at,
                {PLAN_SCOPE_SQL} as readable
         from practice_reuse r join action a on a.id = r.action_id join plan p on p.id = a.plan_id
         join maison m on m.id = p.maison_id
         where r.practice_id = $4 order by r.reused_at, r.id limit 500"
    ))
    .bind(role)
    .bind(maison)
    .bind(org)
    .bind(practice)
    .fetch_all(conn)
    .await
}

async fn source_readable(
    conn: &mut PgConnection,
    user: &CurrentUser,
    action: Option<i64>,
) -> sqlx::Result<bool> {
    let Some(action) = action else {
        return Ok(false);
    };
    let (role, maison, org) = scope(user);
    sqlx::query_scalar(&format!(
        "select exists (select 1 from action a join plan p on p.id = a.plan_id
                        where a.id = $4 and {PLAN_SCOPE_SQL})"
    ))
    .bind(role)
    .bind(maison)
    .bind(org)
    .bind(action)
    .fetch_one(conn)
    .await
}

async fn steps(conn: &mut PgConnection, practice: i64) -> sqlx::Result<Vec<Step>> {
    sqlx::query_as(
        "select t.to_status, a.name as who, t.at, t.comment from transition t
         left join account a on a.id = t.account_id
         where t.object_type = 'practice' and t.object_id = $1 order by t.at, t.id limit 200",
    )
    .bind(practice)
    .fetch_all(conn)
    .await
}

/// The page, with AVE's examination form as typed (`review`) and its messages, answering `status`.
pub async fn render(
    conn: &mut PgConnection,
    user: &CurrentUser,
    ctx: Ctx,
    id: i64,
    review: Option<(ReviewForm, FieldErrors)>,
    status: StatusCode,
) -> AppResult<Response> {
    let p = model::load(conn, user, id).await?;
    let insider =
        rules::can_curate_practices(user) || rules::can_propose_practice(user, p.maison_id);
    let mut reuses = reuses(conn, user, id).await?;
    let all = reuses.len();
    reuses.retain(|r| r.readable);
    let (review, errors) = review.unwrap_or_else(|| (ReviewForm::of(&p), FieldErrors::default()));
    let page = ShowPage {
        ctx,
        source_readable: source_readable(conn, user, p.action_id).await?,
        hidden_reuses: all - reuses.len(),
        reuses,
        steps: if insider {
            steps(conn, id).await?
        } else {
            Vec::new()
        },
        history: if insider {
            audit::history(conn, "practice", id).await?
        } else {
            Vec::new()
        },
        insider,
        can_review: rules::can_curate_practices(user)
            && rules::curation_exists(p.status, PracticeStatus::Acceptee),
        can_mark: rules::can_curate_practices(user) && p.accepted(),
        can_edit: rules::can_propose_practice(user, p.maison_id)
            && rules::practice_editable(p.status),
        can_withdraw: rules::can_propose_practice(user, p.maison_id)
            && rules::practice_withdrawable(p.status),
        can_reuse: rules::can_reuse_practice(user, p.status),
        review,
        errors,
        p,
    };
    forms::render(&page, status)
}

pub async fn show(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    render(&mut conn, &user, ctx, id, None, StatusCode::OK).await
}
