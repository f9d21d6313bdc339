//! A new version of a validated plan: a draft copy of its fiches, to change its scope.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::{plan_event, queries};
use crate::audit;
use crate::auth::policy::plans as rules;
use crate::error::{AppError, AppResult};
use crate::web::{Form, Signed, idempotency, outcome};

#[derive(Deserialize, Default)]
pub struct KeyForm {
    #[serde(default)]
    form_key: String,
}

pub async fn new_version(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<KeyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = queries::managed_plan(&mut tx, &user, id).await?;
    if !rules::is_published(plan.status) {
        return Err(AppError::Conflict(
            "Seul un plan validé par le comité de pilotage peut donner lieu à une nouvelle version.".into(),
        ));
    }
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to("/plans").into_response());
    }
    let new_id: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, diagnostic_id, title, start_year, end_year, charter, previous_id, created_by)
         select maison_id, diagnostic_id, title, start_year, end_year, charter, id, $2 from plan where id = $1
         returning id",
    )
    .bind(id)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    copy_actions(&mut tx, id, new_id).await?;
    audit::record_transition(
        &mut *tx,
        "plan",
        new_id,
        None,
        rules::PlanStatus::Brouillon,
        user.id,
        &format!("Nouvelle version du plan n° {id}"),
    )
    .await?;
    let summary = format!("Nouvelle version du plan « {} » (brouillon)", plan.title);
    let event = plan_event(
        &user,
        plan.maison_id,
        new_id,
        "nouvelle_version",
        summary,
        vec![],
    );
    let message = "Nouvelle version créée en brouillon : modifiez-la puis soumettez-la au comité de pilotage.";
    outcome::done(tx, &ctx, event, message, &format!("/plans/{new_id}")).await
}

/// Copies every fiche of a plan (with its partners, budget lines, indicators and steps) into another: five
/// statements whatever the size of the plan. Status, progress and notes stay with the old version.
async fn copy_actions(conn: &mut PgConnection, from: i64, to: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into action (plan_id, number, title, axis_id, sector_code, objectives, description, target_public,
                             expected_results, pilot_maison, pilot_organisation_id, referent_account_id,
                             pilot_referent_account_id, pilot_contact_id, start_date, end_date, priority)
         select $2, number, title, axis_id, sector_code, objectives, description, target_public, expected_results,
                pilot_maison, pilot_organisation_id, referent_account_id, pilot_referent_account_id,
                pilot_contact_id, start_date, end_date, priority
         from action where plan_id = $1",
    )
    .bind(from)
    .bind(to)
    .execute(&mut *conn)
    .await?;
    // Each child row follows its fiche through the fiche's number, unique within a plan.
    for (table, columns) in [
        ("action_partner", "organisation_id, role"),
        (
            "action_funding",
            "funder, organisation_id, amount_cents, state, position",
        ),
        (
            "action_indicator",
            "indicator_id, label, unit, target, year, position",
        ),
        // Steps come back « à faire »: the new version's follow-up starts afresh.
        ("action_step", "title, start_date, end_date, position"),
    ] {
        let select_columns = columns
            .split(", ")
            .map(|c| format!("x.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "insert into {table} (action_id, {columns})
             select n.id, {select_columns} from {table} x
             join action o on o.id = x.action_id
             join action n on n.plan_id = $2 and n.number = o.number
             where o.plan_id = $1"
        ))
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
