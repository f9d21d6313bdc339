//! Submitting a plan to the copil: refused while something the copil needs is missing
//! (`model::submission_problems`, listed on the plan page); then what it leaves incomplete is confirmed
//! first (`web::confirm`): fiches without any budget line, a diagnostic not yet validated.

use axum::response::{IntoResponse, Redirect, Response};
use sqlx::PgConnection;

use crate::auth::session::FlashKind;
use crate::domain::diagnostic::Status as DiagnosticStatus;
use crate::error::AppResult;
use crate::plans::model::{self, Plan};
use crate::plans::queries;
use crate::state::AppState;
use crate::web::confirm::{Warning, Warnings};
use crate::web::{Ctx, outcome};

/// Whether the plan has what the copil needs (`model::submission_problems`, listed on the plan page).
pub(super) async fn ready_for_copil(conn: &mut PgConnection, plan: &Plan) -> AppResult<bool> {
    let axes = queries::axes(&mut *conn, &plan.charter).await?;
    let lines = queries::plan_lines(&mut *conn, plan.id).await?;
    Ok(model::submission_problems(&axes, &lines).is_empty())
}

pub(super) async fn refuse(state: &AppState, ctx: &Ctx, id: i64) -> AppResult<Response> {
    outcome::flash(
        &state.db,
        ctx,
        FlashKind::Error,
        "Le plan ne peut pas encore être soumis au comité de pilotage : complétez ce qui manque (liste ci-dessous).",
    )
    .await?;
    Ok(Redirect::to(&format!("/plans/{id}#verification")).into_response())
}

/// What the submission leaves as it is: the fiches with no budget line, and the diagnostic the plan
/// answers when the copil has not validated it (or no diagnostic at all).
pub(super) async fn unfinished(conn: &mut PgConnection, plan: &Plan) -> AppResult<Warnings> {
    let lines = queries::plan_lines(&mut *conn, plan.id).await?;
    let mut w = Warnings::default();
    w.add(
        "Fiches sans budget prévisionnel",
        lines
            .iter()
            .filter(|a| a.budget_cents == 0)
            .map(|a| {
                Warning::at(
                    format!("Fiche n° {} « {} »", a.number, a.title),
                    format!("/actions/{}", a.id),
                )
            })
            .collect(),
    );
    let diagnostic = match plan.diagnostic_id {
        None => Some(Warning::at(
            "Le plan ne s'appuie sur aucun diagnostic territorial.",
            format!("/plans/{}/modifier", plan.id),
        )),
        Some(did) => {
            let status: Option<DiagnosticStatus> =
                sqlx::query_scalar("select status from diagnostic where id = $1")
                    .bind(did)
                    .fetch_optional(&mut *conn)
                    .await?;
            match status {
                Some(DiagnosticStatus::Valide | DiagnosticStatus::Archive) => None,
                Some(DiagnosticStatus::Brouillon | DiagnosticStatus::Partage) | None => {
                    Some(Warning::at(
                        format!(
                            "Le diagnostic « {} » n'est pas validé par le comité de pilotage.",
                            plan.diagnostic_title.as_deref().unwrap_or("")
                        ),
                        format!("/diagnostics/{did}"),
                    ))
                }
            }
        }
    };
    w.add("Diagnostic", diagnostic.into_iter().collect());
    Ok(w)
}
