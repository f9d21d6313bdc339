//! The one follow-up form of a fiche action (`POST /actions/{id}/suivi`, issue 16): status, progress,
//! achieved values of its indicators and a note de suivi, sent together by the pilot (a partner of the
//! organisation that pilots it) or the Maison's staff (who keep the right to correct). Each change is
//! journaled as the separate forms journal it; the status through `audit::record_transition`.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::follow_up::{
    achieved_values, for_follow_up, insert_note, note_errors, parse_progress, set_progress,
    write_achieved,
};
use super::show::{FollowUp, again_with};
use super::status::record_status;
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::plans as rules;
use crate::auth::session::FlashKind;
use crate::error::AppResult;
use crate::plans::model::{
    Action, ActionStatus, Indicator, Plan, Step, StepStatus, progress_from_steps,
};
use crate::plans::queries;
use crate::web::forms::FieldErrors;
use crate::web::{Form, Signed, format, idempotency, outcome};

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    ind_id: Vec<String>,
    #[serde(default)]
    ind_achieved: Vec<String>,
    #[serde(default)]
    step_id: Vec<String>,
    #[serde(default)]
    step_status: Vec<String>,
    #[serde(default)]
    noted_on: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    form_key: String,
}

/// What the form asks for, checked.
struct Report {
    to: ActionStatus,
    reason: String,
    progress: i32,
    achieved: Vec<(Indicator, Option<f64>)>,
    /// The steps whose status changes, with their new status.
    steps: Vec<(Step, StepStatus)>,
    note: Option<(chrono::NaiveDate, String)>,
}

impl ReportForm {
    /// The form as it comes back on error: what was typed.
    fn typed(&self, action: &Action) -> FollowUp {
        FollowUp {
            status: self.status.clone(),
            reason: self.reason.clone(),
            progress: self.progress.clone(),
            note_date: self.noted_on.clone(),
            note_body: self.body.clone(),
            achieved: self
                .ind_id
                .iter()
                .cloned()
                .zip(self.ind_achieved.iter().cloned())
                .collect(),
            steps: self
                .step_id
                .iter()
                .cloned()
                .zip(self.step_status.iter().cloned())
                .collect(),
            ..FollowUp::blank(action)
        }
    }

    /// The report, or the French message of each part to correct.
    fn check(
        &self,
        action: &Action,
        indicators: &[Indicator],
        steps: &[Step],
    ) -> Result<Report, FieldErrors> {
        let mut e = FieldErrors::default();
        let to = match self.status.parse::<ActionStatus>() {
            Ok(to) if to == action.status || rules::action_transition_exists(action.status, to) => {
                to
            }
            _ => {
                e.add(
                    "status",
                    format!(
                        "L'action est « {} » : choisissez ce statut ou l'un de ceux qui le suivent.",
                        action.status_label()
                    ),
                );
                action.status
            }
        };
        let reason = self.reason.trim().to_owned();
        if to == ActionStatus::Abandonnee && to != action.status && reason.is_empty() {
            e.add("reason", "Indiquez pourquoi l'action est abandonnée.");
        } else if reason.chars().count() > 2000 {
            e.add("reason", "Le commentaire est limité à 2 000 caractères.");
        }
        let progress = match parse_progress(&self.progress) {
            Ok(p) => p.unwrap_or(action.progress),
            Err(m) => {
                e.add("progress", m);
                action.progress
            }
        };
        let (changed_steps, derived) = self.steps(steps, &mut e);
        let progress = if to == ActionStatus::Realisee && to != action.status {
            100
        } else {
            derived.unwrap_or(progress)
        };
        let achieved = achieved_values(&self.ind_id, &self.ind_achieved, indicators)
            .unwrap_or_else(|bad| {
                e.add(
                    "results",
                    format!(
                        "Valeurs réalisées invalides ({}) : indiquez un nombre positif.",
                        bad.join(", ")
                    ),
                );
                Vec::new()
            });
        let note = self.note(&mut e);
        if e.is_empty() {
            Ok(Report {
                to,
                reason,
                progress,
                achieved,
                steps: changed_steps,
                note,
            })
        } else {
            Err(e)
        }
    }

    /// The steps whose status the form changes, and the progress the steps then give (`None`: the fiche
    /// has no step, its progress is the one typed). A step of another fiche or an unknown status: refused.
    fn steps(&self, steps: &[Step], e: &mut FieldErrors) -> (Vec<(Step, StepStatus)>, Option<i32>) {
        let mut changed = Vec::new();
        let mut statuses: Vec<StepStatus> = steps.iter().map(|s| s.status).collect();
        for (id, status) in self.step_id.iter().zip(&self.step_status) {
            let step = format::parse_int(id).and_then(|id| steps.iter().position(|s| s.id == id));
            match (step, status.parse::<StepStatus>()) {
                (Some(i), Ok(to)) => {
                    statuses[i] = to;
                    if to != steps[i].status {
                        changed.push((steps[i].clone(), to));
                    }
                }
                _ => {
                    e.add(
                        "steps",
                        "Choisissez le statut de chaque étape parmi ceux proposés.",
                    );
                    return (Vec::new(), None);
                }
            }
        }
        (changed, progress_from_steps(&statuses))
    }

    /// The note de suivi, when one was written.
    fn note(&self, e: &mut FieldErrors) -> Option<(chrono::NaiveDate, String)> {
        let body = self.body.trim().to_owned();
        if body.is_empty() {
            return None;
        }
        let date = format::parse_date(&self.noted_on);
        let errors = note_errors(&body, date);
        if !errors.is_empty() {
            e.add("note", errors.join(" "));
        }
        date.map(|d| (d, body))
    }
}

pub async fn report(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ReportForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    // The row is locked: two reports on the same action are written one after the other.
    sqlx::query("select id from action where id = $1 for update")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, a| {
        rules::can_follow_up_action(&user, p.maison_id, a.pilot_organisation_id)
    })
    .await?;
    let link = format!("/actions/{id}#suivi");
    if format::parse_int(&form.version) != Some(action.version.into()) {
        drop(tx);
        let follow = FollowUp {
            errors: FieldErrors::one(FieldErrors::CONFLICT, crate::plans::CONFLICT),
            ..form.typed(&action)
        };
        return again_with(&state, &user, ctx, id, follow, StatusCode::CONFLICT).await;
    }
    let d = queries::details(&mut tx, None, Some(id)).await?;
    let indicators = d.indicators.get(&id).cloned().unwrap_or_default();
    let steps = d.steps.get(&id).cloned().unwrap_or_default();
    let r = match form.check(&action, &indicators, &steps) {
        Ok(r) => r,
        Err(errors) => {
            drop(tx);
            let follow = FollowUp {
                errors,
                ..form.typed(&action)
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return again_with(&state, &user, ctx, id, follow, status).await;
        }
    };
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&link).into_response());
    }
    let mut changed = write_achieved(&mut tx, &user, &plan, &action, &r.achieved).await?;
    changed |= write_steps(&mut tx, &user, &plan, &action, &r.steps).await?;
    if r.to != action.status {
        record_status(&mut tx, &user, &plan, &action, r.to, r.progress, &r.reason).await?;
        changed = true;
    } else if r.progress != action.progress {
        set_progress(&mut tx, &user, &action, &plan, r.progress, "mis à jour").await?;
        changed = true;
    }
    if let Some((date, body)) = &r.note {
        insert_note(&mut tx, &user, &plan, &action, *date, body, None).await?;
        changed = true;
    }
    if !changed {
        return outcome::nothing_done(
            &state.db,
            &ctx,
            FlashKind::Info,
            "Aucune modification.",
            &link,
        )
        .await;
    }
    outcome::committed(tx, &ctx, "Suivi de l'action enregistré.", &link).await
}

/// The steps' new statuses, journaled as one change of the fiche (« Étapes »); whether any changed.
async fn write_steps(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    plan: &Plan,
    action: &Action,
    steps: &[(Step, StepStatus)],
) -> sqlx::Result<bool> {
    if steps.is_empty() {
        return Ok(false);
    }
    let ids: Vec<i64> = steps.iter().map(|(s, _)| s.id).collect();
    let statuses: Vec<&str> = steps.iter().map(|(_, to)| to.as_str()).collect();
    sqlx::query(
        "update action_step s set status = x.status
         from unnest($2::bigint[], $3::text[]) as x(id, status)
         where s.id = x.id and s.action_id = $1",
    )
    .bind(action.id)
    .bind(&ids)
    .bind(&statuses)
    .execute(&mut *conn)
    .await?;
    super::follow_up::changed(conn, action.id).await?;
    let mut diff = Diff::default();
    for (s, to) in steps {
        diff.field(
            &format!("step_{}", s.id),
            &s.title,
            s.status.label(),
            to.label(),
        );
    }
    audit::record(
        &mut *conn,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "action",
            object_id: action.id,
            action: "etapes",
            summary: format!("Fiche action n° {} : étapes mises à jour", action.number),
            changes: diff.0,
        },
    )
    .await?;
    Ok(true)
}
