//! « Reprendre dans mon plan » (`/pratiques/{id}/reprendre`): a Maison's staff copy an accepted practice
//! into one of their Maison's draft plans, or into a new one, as a new fiche action: its fields pre-filled
//! from the published text, its indicators with empty targets, its provenance kept (`practice_reuse`,
//! shown on the fiche and on the practice). The source Maison is told.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::{self, Practice};
use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::plans::{self as plan_rules, ActionStatus, PlanStatus};
use crate::auth::policy::{self, practices as rules};
use crate::error::{AppError, AppResult};
use crate::notifications;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, idempotency, outcome};

/// The value of the plan choice that creates a new plan.
const NEW_PLAN: &str = "nouveau";

#[derive(Deserialize, Default, Clone)]
pub struct ReuseForm {
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub new_title: String,
    #[serde(default)]
    pub start_year: String,
    #[serde(default)]
    pub end_year: String,
    #[serde(default)]
    pub form_key: String,
}

#[derive(sqlx::FromRow, Clone)]
pub struct DraftPlan {
    pub id: i64,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
}

#[derive(Template)]
#[template(path = "practices/reuse.html")]
struct ReusePage {
    ctx: Ctx,
    p: Practice,
    plans: Vec<DraftPlan>,
    form: ReuseForm,
    errors: FieldErrors,
    new_plan: &'static str,
}

/// The practice `id` the user may take up (readable, accepted; staff of a Maison), and their Maison.
async fn reusable(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(Practice, i64)> {
    let p = model::load(conn, user, id).await?;
    policy::ensure(rules::can_reuse_practice(user, p.status))?;
    let maison = user.maison_id.ok_or(AppError::NotFound)?;
    Ok((p, maison))
}

async fn drafts(conn: &mut PgConnection, maison: i64) -> sqlx::Result<Vec<DraftPlan>> {
    sqlx::query_as(
        "select id, title, start_year, end_year from plan where maison_id = $1 and status = 'brouillon'
         order by created_at desc, id desc limit 50",
    )
    .bind(maison)
    .fetch_all(conn)
    .await
}

async fn page(
    conn: &mut PgConnection,
    ctx: Ctx,
    (p, maison): (Practice, i64),
    form: ReuseForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let plans = drafts(conn, maison).await?;
    let page = ReusePage {
        ctx,
        p,
        plans,
        form,
        errors,
        new_plan: NEW_PLAN,
    };
    forms::render(&page, status)
}

pub async fn form(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let loaded = reusable(&mut conn, &user, id).await?;
    let year = i64::from(chrono::Datelike::year(&format::today()));
    let plans = drafts(&mut conn, loaded.1).await?;
    let blank = ReuseForm {
        plan: plans
            .first()
            .map(|d| d.id.to_string())
            .unwrap_or_else(|| NEW_PLAN.to_owned()),
        start_year: (year + 1).to_string(),
        end_year: (year + 3).to_string(),
        ..ReuseForm::default()
    };
    page(
        &mut conn,
        ctx,
        loaded,
        blank,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// Where the fiche goes: one of the Maison's draft plans, or a new plan (title, years).
enum Target {
    Existing(DraftPlan),
    New { title: String, start: i32, end: i32 },
}

fn year(raw: &str) -> Option<i32> {
    format::parse_int(raw)
        .filter(|y| (2000..=2100).contains(y))
        .and_then(|y| i32::try_from(y).ok())
}

impl ReuseForm {
    fn target(&self, plans: &[DraftPlan]) -> Result<Target, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.plan == NEW_PLAN {
            let title = e.name("new_title", &self.new_title, 200);
            let start = year(&self.start_year);
            let end = year(&self.end_year);
            if start.is_none() {
                e.add("start_year", "Indiquez l'année de début (exemple : 2027).");
            }
            match (start, end) {
                (_, None) => e.add("end_year", "Indiquez l'année de fin (exemple : 2029)."),
                (Some(s), Some(x)) if x < s => e.add(
                    "end_year",
                    "L'année de fin ne peut pas précéder l'année de début.",
                ),
                _ => {}
            }
            return match (start, end) {
                (Some(start), Some(end)) if e.is_empty() => Ok(Target::New { title, start, end }),
                _ => Err(e),
            };
        }
        match plans.iter().find(|d| d.id.to_string() == self.plan) {
            Some(d) => Ok(Target::Existing(d.clone())),
            None => Err(FieldErrors::one(
                "plan",
                "Choisissez un plan en préparation de votre Maison, ou un nouveau plan.",
            )),
        }
    }
}

pub async fn reuse(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(f): Form<ReuseForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (p, maison) = reusable(&mut tx, &user, id).await?;
    let plans = drafts(&mut tx, maison).await?;
    let target = match f.target(&plans) {
        Ok(t) => t,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&mut tx, ctx, (p, maison), f, errors, status).await;
        }
    };
    if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
        return Ok(Redirect::to(&format!("/pratiques/{id}")).into_response());
    }
    let plan = match target {
        Target::Existing(d) => d,
        Target::New { title, start, end } => {
            new_plan(&mut tx, &user, maison, title, start, end).await?
        }
    };
    // The plan must still be a draft the user manages (the policy's two rules).
    policy::ensure(plan_rules::can_manage_plan(&user, maison))?;
    let status: PlanStatus = sqlx::query_scalar("select status from plan where id = $1 for update")
        .bind(plan.id)
        .fetch_one(&mut *tx)
        .await?;
    if !plan_rules::plan_content_editable(status) {
        return Err(AppError::Conflict(
            "Ce plan n'est plus en préparation : choisissez-en un autre.".into(),
        ));
    }
    let (action, number) = copy_as_fiche(&mut tx, &p, plan.id, user.id).await?;
    let from: Option<ActionStatus> = None;
    audit::record_transition(
        &mut *tx,
        "action",
        action,
        from,
        ActionStatus::ALancer,
        user.id,
        "Fiche reprise d'une pratique du réseau",
    )
    .await?;
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(maison),
            object_type: "action",
            object_id: action,
            action: "creation",
            summary: format!(
                "Fiche action n° {number} « {} » créée depuis une pratique du réseau",
                p.title
            ),
            changes: vec![],
        },
    )
    .await?;
    tell_source(&mut tx, &user, &p, &plan.title).await?;
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(p.maison_id),
        object_type: "practice",
        object_id: id,
        action: "reuse",
        summary: format!(
            "Pratique reprise dans un plan de la Maison {}",
            user.maison_name.clone().unwrap_or_default()
        ),
        changes: vec![],
    };
    let message = format!(
        "Fiche action n° {number} créée dans le plan « {} » à partir de la pratique : complétez-la (cibles, pilote, dates).",
        plan.title
    );
    outcome::done(tx, &ctx, event, &message, &format!("/actions/{action}")).await
}

async fn new_plan(
    conn: &mut PgConnection,
    user: &CurrentUser,
    maison: i64,
    title: String,
    start: i32,
    end: i32,
) -> AppResult<DraftPlan> {
    policy::ensure(plan_rules::can_create_plan(user))?;
    let id: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, created_by) values ($1, $2, $3, $4, $5)
         returning id",
    )
    .bind(maison)
    .bind(&title)
    .bind(start)
    .bind(end)
    .bind(user.id)
    .fetch_one(&mut *conn)
    .await?;
    let created = PlanStatus::Brouillon;
    audit::record_transition(&mut *conn, "plan", id, None, created, user.id, "Plan créé").await?;
    audit::record(
        &mut *conn,
        Event {
            actor: Some(user.id),
            maison_id: Some(maison),
            object_type: "plan",
            object_id: id,
            action: "creation",
            summary: format!(
                "Plan d'actions « {title} » créé pour reprendre une pratique du réseau"
            ),
            changes: vec![],
        },
    )
    .await?;
    Ok(DraftPlan {
        id,
        title,
        start_year: start,
        end_year: end,
    })
}

/// The new fiche in `plan` (the next number), its indicators without targets, and its provenance.
async fn copy_as_fiche(
    conn: &mut PgConnection,
    p: &Practice,
    plan: i64,
    actor: i64,
) -> sqlx::Result<(i64, i32)> {
    let description = format!(
        "Reprise de la pratique « {} » de {} (bibliothèque du réseau).\n\nConditions pour la reproduire : {}",
        p.title,
        p.maison_name,
        if p.conditions.is_empty() {
            "—"
        } else {
            &p.conditions
        }
    );
    let (action, number): (i64, i32) = sqlx::query_as(
        "insert into action (plan_id, number, title, axis_id, sector_code, objectives, description,
                             target_public, expected_results)
         values ($1, (select coalesce(max(number), 0) + 1 from action where plan_id = $1), $2, $3, $4, $5, $6,
                 $7, $8)
         returning id, number",
    )
    .bind(plan)
    .bind(&p.title)
    .bind(p.axis_id)
    .bind(&p.sector_code)
    .bind(&p.summary)
    .bind(&description)
    .bind(if p.public_text.is_empty() { p.publics_text() } else { p.public_text.clone() })
    .bind(&p.results)
    .fetch_one(&mut *conn)
    .await?;
    for (position, g) in p.figures.iter().enumerate() {
        sqlx::query(
            "insert into action_indicator (action_id, label, unit, indicator_id, position)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(action)
        .bind(&g.label)
        .bind(&g.unit)
        .bind(g.indicator_id)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("insert into practice_reuse (practice_id, version_id, action_id, reused_by) values ($1, $2, $3, $4)")
        .bind(p.id)
        .bind(p.version_id)
        .bind(action)
        .bind(actor)
        .execute(&mut *conn)
        .await?;
    Ok((action, number))
}

/// The source Maison's staff learn that their practice was taken up.
async fn tell_source(
    conn: &mut PgConnection,
    user: &CurrentUser,
    p: &Practice,
    plan_title: &str,
) -> sqlx::Result<()> {
    if user.maison_id == Some(p.maison_id) {
        return Ok(());
    }
    let staff = notifications::staff_of_maison(&mut *conn, p.maison_id).await?;
    let who = user
        .maison_name
        .clone()
        .unwrap_or_else(|| "Une Maison".to_owned());
    let message = format!(
        "{who} reprend votre pratique « {} » dans son plan « {plan_title} ».",
        p.title
    );
    notifications::notify(
        conn,
        &staff,
        crate::notifications::Kind::Pratique,
        &message,
        &format!("/pratiques/{}", p.id),
    )
    .await
}
