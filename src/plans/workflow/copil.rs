//! The comité de pilotage's decision on a submitted plan: validé, or back to brouillon for revision. The
//! decision is recorded with the date of the meeting, who was there and the minutes, and notified.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use sqlx::PgConnection;

use super::{TransitionForm, blank_form};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::plans::model::{Plan, PlanStatus};
use crate::plans::queries;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Signed, format};

#[derive(Template)]
#[template(path = "plans/copil.html")]
struct CopilPage {
    ctx: Ctx,
    plan: Plan,
    form: TransitionForm,
    errors: FieldErrors,
}

pub async fn form(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (plan, mut form) = blank_form(&mut conn, &user, id, PlanStatus::Valide).await?;
    form.decided_on = format::today().to_string();
    page(ctx, plan, form, FieldErrors::default(), StatusCode::OK)
}

pub(super) fn page(
    ctx: Ctx,
    plan: Plan,
    form: TransitionForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let page = CopilPage {
        ctx,
        plan,
        form,
        errors,
    };
    forms::render(&page, status)
}

/// The date of the copil's meeting (`to` is `valide` or `brouillon`), or the messages beside the fields.
pub(super) fn check(form: &TransitionForm, comment: &str) -> Result<NaiveDate, FieldErrors> {
    let mut errors = FieldErrors::default();
    let decided_on = format::parse_date(&form.decided_on);
    if decided_on.is_none() {
        errors.add(
            "decided_on",
            "Indiquez la date de la réunion du comité de pilotage (jj/mm/aaaa).",
        );
    } else if decided_on.is_some_and(|d| d > format::today()) {
        errors.add(
            "decided_on",
            "La date de la décision ne peut pas être dans le futur.",
        );
    }
    if form.to == "brouillon" && comment.is_empty() {
        errors.add(
            "comment",
            "Indiquez pourquoi le comité de pilotage demande de réviser le plan.",
        );
    }
    match decided_on {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(errors),
    }
}

/// Records the decision and notifies the network's admins and the Maison's staff (but the one who
/// recorded it); returns the journal's summary of the transition.
pub(super) async fn record(
    conn: &mut PgConnection,
    user: &CurrentUser,
    plan: &Plan,
    to: PlanStatus,
    decided_on: NaiveDate,
    form: &TransitionForm,
    comment: &str,
) -> AppResult<String> {
    let (decision, verdict) = if to == PlanStatus::Valide {
        ("valide", "validé")
    } else {
        ("a_reviser", "à réviser")
    };
    let minutes = if to == PlanStatus::Brouillon && form.minutes.trim().is_empty() {
        comment.to_owned()
    } else {
        form.minutes.trim().to_owned()
    };
    // The decision refers to the copil's meeting of that day (recorded now, with who was there and the
    // minutes, if it was not).
    let members = form.members_present.trim();
    let meeting = crate::copil::meeting_of_day(
        &mut *conn,
        plan.maison_id,
        decided_on,
        user.id,
        members,
        &minutes,
    )
    .await?;
    sqlx::query(
        "insert into copil_decision
             (plan_id, decided_on, decision, members_present, minutes, recorded_by, meeting_id)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(plan.id)
    .bind(decided_on)
    .bind(decision)
    .bind(members)
    .bind(&minutes)
    .bind(user.id)
    .bind(meeting)
    .execute(&mut *conn)
    .await?;
    let summary = format!(
        "Décision du comité de pilotage du {} : plan « {} » {verdict}",
        format::date(decided_on),
        plan.title
    );
    let mut recipients = queries::admin_ids(&mut *conn).await?;
    recipients.extend(
        queries::maison_staff_ids(&mut *conn, plan.maison_id)
            .await?
            .into_iter()
            .filter(|x| *x != user.id),
    );
    crate::notifications::notify(
        &mut *conn,
        &recipients,
        crate::notifications::Kind::CopilDecision,
        &format!("{} — {}", plan.maison_name, summary),
        &format!("/plans/{}", plan.id),
    )
    .await?;
    if to == PlanStatus::Valide {
        crate::plans::fiches::notices::plan_validated(&mut *conn, plan.id).await?;
    }
    Ok(summary)
}
