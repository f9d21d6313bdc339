//! The follow-up of a fiche action once its plan runs: notes de suivi, progress, achieved values.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::form::at;
use super::show::{FollowUp, again};
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, plans as rules};
use crate::error::{AppError, AppResult};
use crate::plans::model::{self, Action, Indicator, Plan};
use crate::plans::queries;
use crate::web::forms::FieldErrors;
use crate::web::{Form, Signed, format, idempotency, outcome};

/// The action and its plan, checked for follow-up: readable, the plan validated or running, and the
/// user allowed by `allowed` (404 otherwise).
pub(super) async fn for_follow_up(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    allowed: impl Fn(&Plan, &Action) -> bool,
) -> AppResult<(Action, Plan)> {
    let (action, plan) = queries::load_action(conn, user, id).await?;
    policy::ensure(allowed(&plan, &action))?;
    if !rules::plan_accepts_follow_up(plan.status) {
        return Err(AppError::Conflict(format!(
            "Le suivi des actions est ouvert une fois le plan validé par le comité de pilotage et jusqu'à sa \
             clôture ; ce plan est « {} ».",
            plan.status_label()
        )));
    }
    Ok((action, plan))
}

pub(super) fn parse_progress(s: &str) -> Result<Option<i32>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    match format::parse_int(s.trim().trim_end_matches('%')) {
        Some(p) if (0..=100).contains(&p) => Ok(Some(p as i32)),
        _ => Err("L'avancement est un pourcentage entre 0 et 100.".into()),
    }
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    noted_on: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    form_key: String,
}

/// The one place a follow-up write marks the action changed: its version goes up, so that a form drawn
/// before the write (a colleague's follow-up form, which carries the version) is refused as a conflict
/// instead of overwriting it. Every follow-up write that changes the fiche (progress, achieved values,
/// steps) ends here; a status change bumps it in its own guarded update (`status::set_status`).
pub(super) async fn changed(conn: &mut PgConnection, action_id: i64) -> sqlx::Result<()> {
    sqlx::query("update action set version = version + 1 where id = $1")
        .bind(action_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn set_progress(
    conn: &mut PgConnection,
    user: &CurrentUser,
    action: &Action,
    plan: &Plan,
    progress: i32,
    why: &str,
) -> sqlx::Result<()> {
    if progress == action.progress {
        return Ok(());
    }
    sqlx::query("update action set progress = $2 where id = $1")
        .bind(action.id)
        .bind(progress)
        .execute(&mut *conn)
        .await?;
    changed(conn, action.id).await?;
    let mut diff = Diff::default();
    diff.field("progress", "Avancement (%)", action.progress, progress);
    audit::record(
        &mut *conn,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "action",
            object_id: action.id,
            action: "avancement",
            summary: format!("Fiche action n° {} : avancement {why}", action.number),
            changes: diff.0,
        },
    )
    .await
}

pub async fn add_note(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, a| {
        rules::can_follow_up_action(&user, p.maison_id, a.pilot_organisation_id)
    })
    .await?;
    let link = format!("/actions/{id}#notes");
    let body = form.body.trim().to_owned();
    let date = format::parse_date(&form.noted_on);
    let progress = parse_progress(&form.progress);
    let (date, progress) = match (note_errors(&body, date), progress, date) {
        (errors, Ok(progress), Some(date)) if errors.is_empty() => (date, progress),
        (mut errors, progress, _) => {
            drop(tx);
            errors.extend(progress.err());
            let follow = FollowUp {
                note_date: form.noted_on.clone(),
                note_body: form.body.clone(),
                errors: FieldErrors::one("note", errors.join(" ")),
                ..FollowUp::blank(&action)
            };
            return again(&state, &user, ctx, id, follow).await;
        }
    };
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&link).into_response());
    }
    insert_note(&mut tx, &user, &plan, &action, date, &body, progress).await?;
    if let Some(p) = progress {
        let why = "mis à jour avec une note de suivi";
        set_progress(&mut tx, &user, &action, &plan, p, why).await?;
    }
    outcome::committed(tx, &ctx, "Note de suivi ajoutée.", &link).await
}

/// A note de suivi (with the progress it reports, if any), journaled.
pub(super) async fn insert_note(
    conn: &mut PgConnection,
    user: &CurrentUser,
    plan: &Plan,
    action: &Action,
    date: chrono::NaiveDate,
    body: &str,
    progress: Option<i32>,
) -> sqlx::Result<()> {
    let id = action.id;
    sqlx::query("insert into action_note (action_id, author_id, noted_on, body, progress) values ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(user.id)
        .bind(date)
        .bind(body)
        .bind(progress)
        .execute(&mut *conn)
        .await?;
    audit::record(
        &mut *conn,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "note",
            summary: format!("Note de suivi ajoutée à la fiche n° {}", action.number),
            changes: vec![audit::Change::new(
                "note",
                "Note de suivi",
                "",
                body.chars().take(300).collect::<String>(),
            )],
        },
    )
    .await?;
    Ok(())
}

/// What is wrong with a note de suivi's text and date.
pub(super) fn note_errors(body: &str, date: Option<chrono::NaiveDate>) -> Vec<String> {
    let mut errors = Vec::new();
    if body.is_empty() {
        errors.push("Rédigez la note de suivi.");
    } else if body.chars().count() > 10_000 {
        errors.push("La note est limitée à 10 000 caractères.");
    }
    if date.is_none() {
        errors.push("Indiquez la date de la note (jj/mm/aaaa).");
    } else if date.is_some_and(|d| d > format::today()) {
        errors.push("La date de la note ne peut pas être dans le futur.");
    }
    errors.into_iter().map(str::to_owned).collect()
}

#[derive(Deserialize, Default)]
pub struct ProgressForm {
    #[serde(default)]
    progress: String,
}

pub async fn progress(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ProgressForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, a| {
        rules::can_follow_up_action(&user, p.maison_id, a.pilot_organisation_id)
    })
    .await?;
    match parse_progress(&form.progress) {
        Ok(Some(p)) => {
            set_progress(&mut tx, &user, &action, &plan, p, "mis à jour").await?;
            outcome::committed(
                tx,
                &ctx,
                "Avancement enregistré.",
                &format!("/actions/{id}"),
            )
            .await
        }
        other => {
            drop(tx);
            let message = other
                .err()
                .unwrap_or_else(|| "Indiquez l'avancement en pourcentage.".into());
            let follow = FollowUp {
                progress: form.progress.clone(),
                errors: FieldErrors::one("progress", message),
                ..FollowUp::blank(&action)
            };
            again(&state, &user, ctx, id, follow).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ResultsForm {
    #[serde(default)]
    ind_id: Vec<String>,
    #[serde(default)]
    ind_achieved: Vec<String>,
}

pub async fn results(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ResultsForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, a| {
        rules::can_follow_up_action(&user, p.maison_id, a.pilot_organisation_id)
    })
    .await?;
    let d = queries::details(&mut tx, None, Some(id)).await?;
    let indicators = d.indicators.get(&id).cloned().unwrap_or_default();
    let updates = match achieved_values(&form.ind_id, &form.ind_achieved, &indicators) {
        Ok(updates) => updates,
        Err(bad) => {
            drop(tx);
            let message = format!(
                "Valeurs réalisées invalides ({}) : indiquez un nombre positif.",
                bad.join(", ")
            );
            let follow = FollowUp {
                errors: FieldErrors::one("results", message),
                ..FollowUp::blank(&action)
            };
            return again(&state, &user, ctx, id, follow).await;
        }
    };
    write_achieved(&mut tx, &user, &plan, &action, &updates).await?;
    outcome::committed(
        tx,
        &ctx,
        "Valeurs réalisées enregistrées.",
        &format!("/actions/{id}#indicateurs"),
    )
    .await
}

/// The achieved values that changed, journaled in one event; whether any did.
pub(super) async fn write_achieved(
    conn: &mut PgConnection,
    user: &CurrentUser,
    plan: &Plan,
    action: &Action,
    updates: &[(Indicator, Option<f64>)],
) -> sqlx::Result<bool> {
    let id = action.id;
    let mut diff = Diff::default();
    for (ind, v) in updates {
        if ind.achieved == *v {
            continue;
        }
        sqlx::query("update action_indicator set achieved = $2 where id = $1")
            .bind(ind.id)
            .bind(v)
            .execute(&mut *conn)
            .await?;
        diff.field(
            "achieved",
            &format!("Réalisé — {}", ind.label),
            model::opt_number(ind.achieved),
            model::opt_number(*v),
        );
    }
    let changed_any = !diff.is_empty();
    if changed_any {
        changed(conn, id).await?;
        audit::record(
            &mut *conn,
            Event {
                actor: Some(user.id),
                maison_id: Some(plan.maison_id),
                object_type: "action",
                object_id: id,
                action: "resultats",
                summary: format!(
                    "Fiche action n° {} : valeurs réalisées mises à jour",
                    action.number
                ),
                changes: diff.0,
            },
        )
        .await?;
    }
    Ok(changed_any)
}

/// The achieved value typed for each of the fiche's indicators (empty clears it), or the labels of the
/// indicators whose value is not a positive number.
pub(super) fn achieved_values(
    ids: &[String],
    values: &[String],
    indicators: &[Indicator],
) -> Result<Vec<(Indicator, Option<f64>)>, Vec<String>> {
    let mut updates = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in ids.iter().enumerate() {
        let Some(ind) = format::parse_int(raw).and_then(|x| indicators.iter().find(|i| i.id == x))
        else {
            continue;
        };
        let value = at(values, i);
        let parsed = if value.trim().is_empty() {
            Some(None)
        } else {
            format::parse_decimal(&value)
                .filter(|v| *v >= 0.0 && *v < 1e12)
                .map(Some)
        };
        match parsed {
            Some(v) => updates.push((ind.clone(), v)),
            None => bad.push(ind.label.clone()),
        }
    }
    if bad.is_empty() {
        Ok(updates)
    } else {
        Err(bad)
    }
}
