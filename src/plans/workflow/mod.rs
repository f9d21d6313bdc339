//! The plan's workflow: brouillon → soumis (to the copil) → validé or back to brouillon (the copil's
//! decision, `copil.rs`) → en mise en œuvre → clôturé (with its evaluation, `closing.rs`). One form and
//! one route (`/plans/{id}/statut`) for every transition; each transition checks its own fields.

pub mod closing;
pub mod copil;
mod submission;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::{self, Plan, PlanStatus};
use super::{plan_event, queries};
use crate::audit::{self, Diff};
use crate::auth::CurrentUser;
use crate::auth::policy::plans as rules;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::confirm::{self, Warnings};
use crate::web::{Ctx, Form, Signed, idempotency, outcome};

#[derive(Deserialize, Default, Clone)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    pub members_present: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    ind_id: Vec<String>,
    #[serde(default)]
    ind_achieved: Vec<String>,
    #[serde(default)]
    form_key: String,
    /// The stamp of the warnings confirmed (`web::confirm`).
    #[serde(default)]
    confirmation: String,
}

impl TransitionForm {
    /// The typed values, carried by the confirmation page.
    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("to", self.to.clone()),
            ("comment", self.comment.clone()),
            ("decided_on", self.decided_on.clone()),
            ("members_present", self.members_present.clone()),
            ("minutes", self.minutes.clone()),
            ("evaluation", self.evaluation.clone()),
            ("form_key", self.form_key.clone()),
        ];
        for (i, id) in self.ind_id.iter().enumerate() {
            out.push(("ind_id", id.clone()));
            out.push((
                "ind_achieved",
                self.ind_achieved.get(i).cloned().unwrap_or_default(),
            ));
        }
        out
    }
}

/// A plan and the blank form of one of its transitions (`to`): for the Maison's staff, when the plan's
/// state allows it.
async fn blank_form(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    to: PlanStatus,
) -> AppResult<(Plan, TransitionForm)> {
    let plan = queries::managed_plan(conn, user, id).await?;
    ensure_state(&plan, to.as_str())?;
    let form = TransitionForm {
        to: to.as_str().to_owned(),
        ..Default::default()
    };
    Ok((plan, form))
}

/// The state the form asks for (`to`), when the workflow goes there from the plan's: 409 otherwise.
fn ensure_state(plan: &Plan, to: &str) -> AppResult<PlanStatus> {
    match to.parse::<PlanStatus>() {
        Ok(to) if rules::plan_transition_exists(plan.status, to) => Ok(to),
        _ => Err(AppError::Conflict(format!(
            "Ce changement d'état n'est pas possible : le plan est « {} » et ne peut pas passer à « {} ». \
             Son état n'a pas changé.",
            plan.status_label(),
            model::plan_code_label(to)
        ))),
    }
}

/// What a transition writes besides the plan's state, once its own fields are checked.
#[derive(Default)]
struct Checked {
    /// The copil's decision: the date of its meeting.
    decided_on: Option<chrono::NaiveDate>,
    /// The closing: the achieved value typed for each indicator.
    achieved: Vec<(i64, Option<f64>)>,
}

pub async fn transition(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<TransitionForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = queries::managed_plan(&mut tx, &user, id).await?;
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&format!("/plans/{id}")).into_response());
    }
    let to = ensure_state(&plan, &form.to)?;
    let comment = form.comment.trim().to_owned();
    let checked = match check(&mut tx, &state, &ctx, &plan, &form, to, &comment).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    set_state(&mut tx, &plan, to, &comment, form.evaluation.trim()).await?;
    let diff = state_diff(&plan, to, &comment, form.evaluation.trim());
    let mut summary = format!("Plan « {} » : {}", plan.title, to.label().to_lowercase());
    if let Some(d) = checked.decided_on {
        summary = copil::record(&mut tx, &user, &plan, to, d, &form, &comment).await?;
    }
    closing::record(&mut tx, id, &checked.achieved).await?;
    audit::record_transition(
        &mut *tx,
        "plan",
        id,
        Some(plan.status),
        to,
        user.id,
        &comment,
    )
    .await?;
    let event = plan_event(&user, plan.maison_id, id, "transition", summary, diff.0);
    outcome::done(tx, &ctx, event, done_message(to), &format!("/plans/{id}")).await
}

/// The transition's own fields, then what it leaves unfinished (`web::confirm`), checked in the write's
/// transaction with the plan locked: what it writes, or the page to answer instead (the form to correct,
/// the confirmation page, the refused submission). Nothing is written before it answers.
async fn check(
    tx: &mut PgConnection,
    state: &AppState,
    ctx: &Ctx,
    plan: &Plan,
    form: &TransitionForm,
    to: PlanStatus,
    comment: &str,
) -> AppResult<Result<Checked, Response>> {
    sqlx::query("select 1 from plan where id = $1 for update")
        .bind(plan.id)
        .execute(&mut *tx)
        .await?;
    let mut checked = Checked::default();
    let warnings = match to {
        PlanStatus::Soumis => {
            if !submission::ready_for_copil(&mut *tx, plan).await? {
                return submission::refuse(state, ctx, plan.id).await.map(Err);
            }
            submission::unfinished(&mut *tx, plan).await?
        }
        PlanStatus::Valide | PlanStatus::Brouillon => match copil::check(form, comment) {
            Ok(d) => {
                checked.decided_on = Some(d);
                Warnings::default()
            }
            Err(errors) => {
                let (ctx, plan, form) = (ctx.clone(), plan.clone(), form.clone());
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return copil::page(ctx, plan, form, errors, status).map(Err);
            }
        },
        PlanStatus::Cloture => match closing::check(&mut *tx, plan.id, form).await? {
            Ok(achieved) => {
                checked.achieved = achieved;
                closing::unfinished(&mut *tx, plan, form).await?
            }
            Err(errors) => {
                let (ctx, plan, form) = (ctx.clone(), plan.clone(), form.clone());
                return closing::page(&mut *tx, ctx, plan, form, errors)
                    .await
                    .map(Err);
            }
        },
        PlanStatus::EnOeuvre => Warnings::default(),
    };
    if warnings.confirmed(&form.confirmation) {
        return Ok(Ok(checked));
    }
    let step = confirm_step(plan, to);
    confirm::page(
        ctx.clone(),
        step,
        &warnings,
        form.fields(),
        &form.confirmation,
    )
    .map(Err)
}

/// The submission and the closing as the confirmation page names them.
fn confirm_step(plan: &Plan, to: PlanStatus) -> confirm::Step {
    let (title, lead, button) = if to == PlanStatus::Cloture {
        (
            "Clôturer le plan malgré ce qui n'est pas terminé ?",
            format!(
                "Une fois clôturé, le plan « {} » ({}) ne peut plus revenir en mise en œuvre : ce qui \
                 suit restera en l'état.",
                plan.title,
                plan.period()
            ),
            "Confirmer la clôture",
        )
    } else {
        (
            "Soumettre le plan malgré ce qui reste à compléter ?",
            format!(
                "Une fois soumis, le plan « {} » ne peut plus être modifié jusqu'à la décision du comité \
                 de pilotage. Ce qui suit lui sera présenté en l'état.",
                plan.title
            ),
            "Confirmer la soumission",
        )
    };
    confirm::Step {
        title: title.into(),
        lead,
        action: format!("/plans/{}/statut", plan.id),
        button,
        back: format!("/plans/{}", plan.id),
    }
}

/// The plan's new state, with the copil's reason for a revision and the evaluation of a closing; refused
/// when someone changed the state meanwhile.
async fn set_state(
    conn: &mut PgConnection,
    plan: &Plan,
    to: PlanStatus,
    comment: &str,
    evaluation: &str,
) -> AppResult<()> {
    let done = sqlx::query(
        "update plan set status = $3,
                revision_reason = case when $3 = 'brouillon' then $4 else revision_reason end,
                evaluation = case when $3 = 'cloture' then $5 else evaluation end,
                version = version + 1
         where id = $1 and status = $2",
    )
    .bind(plan.id)
    .bind(plan.status)
    .bind(to)
    .bind(comment)
    .bind(evaluation)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "Le plan vient de changer d'état : rechargez la page.".into(),
        ));
    }
    Ok(())
}

fn state_diff(plan: &Plan, to: PlanStatus, comment: &str, evaluation: &str) -> Diff {
    let mut diff = Diff::default();
    diff.field("status", "Statut", plan.status_label(), to.label());
    if to == PlanStatus::Brouillon {
        diff.field(
            "revision_reason",
            "Motif de révision",
            plan.revision_reason.clone(),
            comment.to_owned(),
        );
    }
    if to == PlanStatus::Cloture {
        diff.field(
            "evaluation",
            "Évaluation",
            plan.evaluation.clone(),
            evaluation.to_owned(),
        );
    }
    diff
}

fn done_message(to: PlanStatus) -> &'static str {
    match to {
        PlanStatus::Soumis => "Plan soumis au comité de pilotage.",
        PlanStatus::Valide => "Décision du comité de pilotage enregistrée : plan validé.",
        PlanStatus::Brouillon => {
            "Décision du comité de pilotage enregistrée : le plan revient en brouillon pour révision."
        }
        PlanStatus::EnOeuvre => "Mise en œuvre du plan lancée.",
        PlanStatus::Cloture => "Plan clôturé avec son évaluation.",
    }
}
