//! Creating a plan and editing its head (title, diagnostic, years) while it is a draft.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::{CONFLICT, plan_event, queries};
use crate::audit::{self, Diff};
use crate::auth::policy::{self, plans as rules};
use crate::error::AppResult;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, idempotency, outcome};

#[derive(Deserialize, Default, Clone)]
pub struct PlanForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    diagnostic_id: String,
    #[serde(default)]
    start_year: String,
    #[serde(default)]
    end_year: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    form_key: String,
}

#[derive(sqlx::FromRow)]
pub struct DiagnosticChoice {
    id: i64,
    title: String,
    reference_year: i32,
}

#[derive(Template)]
#[template(path = "plans/form.html")]
struct PlanFormPage {
    ctx: Ctx,
    plan_id: Option<i64>,
    form: PlanForm,
    errors: FieldErrors,
    diagnostics: Vec<DiagnosticChoice>,
}

async fn diagnostics_of(
    conn: &mut PgConnection,
    maison_id: i64,
) -> sqlx::Result<Vec<DiagnosticChoice>> {
    sqlx::query_as(
        "select id, title, reference_year from diagnostic where maison_id = $1 and status in ('valide', 'archive')
         order by reference_year desc, id desc",
    )
    .bind(maison_id)
    .fetch_all(conn)
    .await
}

struct PlanInput {
    title: String,
    diagnostic_id: Option<i64>,
    start_year: i32,
    end_year: i32,
}

fn parse_year(s: &str) -> Option<i32> {
    format::parse_int(s)
        .filter(|y| (2000..=2100).contains(y))
        .map(|y| y as i32)
}

fn validate_plan(
    form: &PlanForm,
    diagnostics: &[DiagnosticChoice],
) -> (Option<PlanInput>, FieldErrors) {
    let mut e = FieldErrors::default();
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        e.add("title", "Indiquez l'intitulé du plan.");
    } else if title.chars().count() > 200 {
        e.add("title", "L'intitulé ne peut dépasser 200 caractères.");
    }
    let diagnostic_id = if form.diagnostic_id.trim().is_empty() {
        None
    } else {
        match format::parse_int(&form.diagnostic_id) {
            Some(id) if diagnostics.iter().any(|d| d.id == id) => Some(id),
            _ => {
                e.add(
                    "diagnostic_id",
                    "Ce diagnostic n'existe pas ou n'est pas validé.",
                );
                None
            }
        }
    };
    let start = parse_year(&form.start_year);
    let end = parse_year(&form.end_year);
    if start.is_none() {
        e.add(
            "start_year",
            "Indiquez une année de début entre 2000 et 2100.",
        );
    }
    if end.is_none() {
        e.add("end_year", "Indiquez une année de fin entre 2000 et 2100.");
    }
    if let (Some(s), Some(en)) = (start, end)
        && en < s
    {
        e.add(
            "end_year",
            "L'année de fin ne peut précéder l'année de début.",
        );
    }
    if !e.is_empty() {
        return (None, e);
    }
    (
        Some(PlanInput {
            title,
            diagnostic_id,
            start_year: start.unwrap_or_default(),
            end_year: end.unwrap_or_default(),
        }),
        e,
    )
}

/// The form's page with `status`, for a new plan or plan `plan_id`.
fn form_page(
    ctx: Ctx,
    plan_id: Option<i64>,
    form: PlanForm,
    errors: FieldErrors,
    diagnostics: Vec<DiagnosticChoice>,
    status: StatusCode,
) -> AppResult<Response> {
    let page = PlanFormPage {
        ctx,
        plan_id,
        form,
        errors,
        diagnostics,
    };
    forms::render(&page, status)
}

pub async fn new_form(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    policy::ensure(rules::can_create_plan(&user))?;
    let mut conn = state.db.acquire().await?;
    let diagnostics = diagnostics_of(&mut conn, user.maison_id.unwrap_or(-1)).await?;
    let year = chrono::Datelike::year(&format::today());
    let form = PlanForm {
        diagnostic_id: diagnostics
            .first()
            .map(|d| d.id.to_string())
            .unwrap_or_default(),
        start_year: year.to_string(),
        end_year: (year + 2).to_string(),
        ..PlanForm::default()
    };
    let errors = FieldErrors::default();
    form_page(ctx, None, form, errors, diagnostics, StatusCode::OK)
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Form(form): Form<PlanForm>,
) -> AppResult<Response> {
    policy::ensure(rules::can_create_plan(&user))?;
    let maison_id = user.maison_id.unwrap_or(-1);
    let mut tx = state.db.begin().await?;
    let diagnostics = diagnostics_of(&mut tx, maison_id).await?;
    let (input, errors) = validate_plan(&form, &diagnostics);
    let Some(input) = input else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return form_page(ctx, None, form, errors, diagnostics, status);
    };
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to("/plans").into_response());
    }
    let id: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, diagnostic_id, title, start_year, end_year, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(maison_id)
    .bind(input.diagnostic_id)
    .bind(&input.title)
    .bind(input.start_year)
    .bind(input.end_year)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    let created = rules::PlanStatus::Brouillon;
    audit::record_transition(&mut *tx, "plan", id, None, created, user.id, "Plan créé").await?;
    let summary = format!("Plan d'actions « {} » créé", input.title);
    let event = plan_event(&user, maison_id, id, "creation", summary, vec![]);
    let message = "Plan d'actions créé. Ajoutez maintenant ses fiches actions.";
    outcome::done(tx, &ctx, event, message, &format!("/plans/{id}")).await
}

pub async fn edit_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = queries::managed_plan(&mut conn, &user, id).await?;
    plan.ensure_editable()?;
    let diagnostics = diagnostics_of(&mut conn, plan.maison_id).await?;
    let form = PlanForm {
        title: plan.title.clone(),
        diagnostic_id: plan
            .diagnostic_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
        start_year: plan.start_year.to_string(),
        end_year: plan.end_year.to_string(),
        version: plan.version.to_string(),
        form_key: String::new(),
    };
    let errors = FieldErrors::default();
    form_page(ctx, Some(id), form, errors, diagnostics, StatusCode::OK)
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<PlanForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = queries::managed_plan(&mut tx, &user, id).await?;
    plan.ensure_editable()?;
    let diagnostics = diagnostics_of(&mut tx, plan.maison_id).await?;
    let (input, mut errors) = validate_plan(&form, &diagnostics);
    let Some(input) = input else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return form_page(ctx, Some(id), form, errors, diagnostics, status);
    };
    let version = format::parse_int(&form.version).unwrap_or(-1);
    let done = sqlx::query(
        "update plan set title = $3, diagnostic_id = $4, start_year = $5, end_year = $6, version = version + 1
         where id = $1 and version = $2 and status = 'brouillon'",
    )
    .bind(id)
    .bind(version)
    .bind(&input.title)
    .bind(input.diagnostic_id)
    .bind(input.start_year)
    .bind(input.end_year)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        errors.add(FieldErrors::CONFLICT, CONFLICT);
        let status = StatusCode::CONFLICT;
        return form_page(ctx, Some(id), form, errors, diagnostics, status);
    }
    let mut diff = Diff::default();
    diff.field("title", "Intitulé", plan.title.clone(), input.title.clone())
        .field(
            "start_year",
            "Année de début",
            plan.start_year,
            input.start_year,
        )
        .field("end_year", "Année de fin", plan.end_year, input.end_year)
        .field(
            "diagnostic_id",
            "Diagnostic",
            plan.diagnostic_id,
            input.diagnostic_id,
        );
    let summary = "Plan d'actions modifié".to_owned();
    let event = plan_event(&user, plan.maison_id, id, "modification", summary, diff.0);
    outcome::done(tx, &ctx, event, "Plan enregistré.", &format!("/plans/{id}")).await
}
