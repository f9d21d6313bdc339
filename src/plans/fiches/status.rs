//! A fiche action's status (à lancer → en cours → réalisée…), once the copil has validated its plan.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::follow_up::for_follow_up;
use super::show::{FollowUp, again};
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::plans as rules;
use crate::error::{AppError, AppResult};
use crate::plans::model::{self, Action, ActionStatus, Plan};
use crate::web::forms::FieldErrors;
use crate::web::{Form, Signed, idempotency, outcome};

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    form_key: String,
}

pub async fn transition(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, a| {
        rules::can_follow_up_action(&user, p.maison_id, a.pilot_organisation_id)
    })
    .await?;
    let link = format!("/actions/{id}");
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&link).into_response());
    }
    let to = match form.to.parse::<ActionStatus>() {
        Ok(to) if rules::action_transition_exists(action.status, to) => to,
        _ => {
            return Err(AppError::Conflict(format!(
                "Ce changement de statut n'est pas possible : l'action est « {} » et ne peut pas passer à « {} ». \
                 Son statut n'a pas changé.",
                action.status_label(),
                model::action_code_label(&form.to)
            )));
        }
    };
    let reason = form.reason.trim().to_owned();
    if to == ActionStatus::Abandonnee && reason.is_empty() {
        drop(tx);
        let follow = FollowUp {
            errors: FieldErrors::one("reason", "Indiquez pourquoi l'action est abandonnée."),
            ..FollowUp::blank(&action)
        };
        return again(&state, &user, ctx, id, follow).await;
    }
    let progress = if to == ActionStatus::Realisee {
        100
    } else {
        action.progress
    };
    record_status(&mut tx, &user, &plan, &action, to, progress, &reason).await?;
    let message = format!("Statut de l'action : {}.", to.label());
    outcome::committed(tx, &ctx, &message, &link).await
}

/// The action moved to `to` (with its progress and, for an abandon, its reason): the row, the workflow's
/// timeline (`audit::record_transition`) and the journal.
pub(super) async fn record_status(
    conn: &mut PgConnection,
    user: &CurrentUser,
    plan: &Plan,
    action: &Action,
    to: ActionStatus,
    progress: i32,
    reason: &str,
) -> AppResult<()> {
    set_status(&mut *conn, action, to, progress, reason).await?;
    audit::record_transition(
        &mut *conn,
        "action",
        action.id,
        Some(action.status),
        to,
        user.id,
        reason,
    )
    .await?;
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(plan.maison_id),
        object_type: "action",
        object_id: action.id,
        action: "transition",
        summary: format!(
            "Fiche action n° {} : {}",
            action.number,
            to.label().to_lowercase()
        ),
        changes: status_diff(action, to, progress, reason).0,
    };
    audit::record(&mut *conn, event).await?;
    Ok(())
}

/// The new status (an abandon keeps its reason); refused when someone changed it meanwhile.
async fn set_status(
    conn: &mut PgConnection,
    action: &Action,
    to: ActionStatus,
    progress: i32,
    reason: &str,
) -> AppResult<()> {
    let done = sqlx::query(
        "update action set status = $3, progress = $4,
                abandon_reason = case when $3 = 'abandonnee' then $5 else abandon_reason end,
                version = version + 1
         where id = $1 and status = $2",
    )
    .bind(action.id)
    .bind(action.status)
    .bind(to)
    .bind(progress)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "L'action vient de changer de statut : rechargez la page.".into(),
        ));
    }
    Ok(())
}

fn status_diff(action: &Action, to: ActionStatus, progress: i32, reason: &str) -> Diff {
    let mut diff = Diff::default();
    diff.field("status", "Statut", action.status_label(), to.label())
        .field("progress", "Avancement (%)", action.progress, progress);
    if to == ActionStatus::Abandonnee {
        diff.field(
            "abandon_reason",
            "Motif d'abandon",
            action.abandon_reason.clone(),
            reason.to_owned(),
        );
    }
    diff
}
