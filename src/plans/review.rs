//! The avis du réseau: the Alliance's opinion (favorable or réservé, with remarks) on a submitted plan.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::Plan;
use super::{plan_event, queries};
use crate::audit;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, plans as rules};
use crate::error::AppResult;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, idempotency, outcome};

#[derive(Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub remarks: String,
    #[serde(default)]
    form_key: String,
}

#[derive(Template)]
#[template(path = "plans/review.html")]
struct ReviewPage {
    ctx: Ctx,
    plan: Plan,
    form: ReviewForm,
    errors: FieldErrors,
}

/// A plan the account may give the network's avis on (404 otherwise).
async fn reviewable(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<Plan> {
    let plan = queries::load_plan(conn, user, id).await?;
    policy::ensure(rules::can_review_plan(user, plan.status))?;
    Ok(plan)
}

pub async fn review_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = reviewable(&mut conn, &user, id).await?;
    let page = ReviewPage {
        ctx,
        plan,
        form: ReviewForm::default(),
        errors: FieldErrors::default(),
    };
    forms::render(&page, StatusCode::OK)
}

pub async fn review(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = reviewable(&mut tx, &user, id).await?;
    let errors = check(&form);
    if !errors.is_empty() {
        let page = ReviewPage {
            ctx,
            plan,
            form,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let link = format!("/plans/{id}");
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&link).into_response());
    }
    sqlx::query("insert into network_review (plan_id, account_id, opinion, remarks) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(user.id)
        .bind(&form.opinion)
        .bind(form.remarks.trim())
        .execute(&mut *tx)
        .await?;
    let label = if form.opinion == "favorable" {
        "favorable"
    } else {
        "réservé"
    };
    let summary = format!("Avis du réseau {label} sur le plan « {} »", plan.title);
    let remarks = vec![audit::Change::new(
        "remarks",
        "Remarques",
        "",
        form.remarks.trim(),
    )];
    let event = plan_event(&user, plan.maison_id, id, "avis_reseau", summary, remarks);
    audit::record(&mut *tx, event).await?;
    let staff = queries::maison_staff_ids(&mut tx, plan.maison_id).await?;
    crate::notifications::notify(
        &mut tx,
        &staff,
        crate::notifications::Kind::AvisReseau,
        &format!(
            "L'Alliance Villes Emploi a donné un avis {label} sur votre plan « {} ».",
            plan.title
        ),
        &link,
    )
    .await?;
    outcome::committed(
        tx,
        &ctx,
        "Avis du réseau enregistré ; la Maison en est notifiée.",
        &link,
    )
    .await
}

// ---------------------------------------------------------------------------------- new version

/// An opinion is favorable or réservé; a reserved one says why.
fn check(form: &ReviewForm) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if !matches!(form.opinion.as_str(), "favorable" | "reserve") {
        errors.add("opinion", "Choisissez un avis : favorable ou réservé.");
    }
    if form.opinion == "reserve" && form.remarks.trim().is_empty() {
        errors.add(
            "remarks",
            "Un avis réservé doit être accompagné de remarques.",
        );
    }
    if form.remarks.chars().count() > 10_000 {
        errors.add(
            "remarks",
            "Les remarques ne peuvent dépasser 10 000 caractères.",
        );
    }
    errors
}
