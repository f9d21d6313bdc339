//! Closing a plan: its evaluation, and the achieved value of every indicator of its fiches; what it leaves
//! unfinished (a period not over, fiches still running, indicators without an achieved value) is
//! confirmed first (`web::confirm`). The fiches' own evaluations (issue 18) are listed, read from where
//! they are written.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use sqlx::PgConnection;

use super::{TransitionForm, blank_form};
use crate::error::AppResult;
use crate::plans::fiches::evaluation::{self, PlanEvaluation};
use crate::plans::model::{self, Plan, PlanStatus};
use crate::plans::queries;
use crate::web::confirm::{Warning, Warnings};
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Signed, format};

pub struct ClosingIndicator {
    pub id: i64,
    pub action: String,
    pub label: String,
    pub unit: String,
    pub target: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "plans/closing.html")]
struct ClosingPage {
    ctx: Ctx,
    plan: Plan,
    form: TransitionForm,
    errors: FieldErrors,
    indicators: Vec<ClosingIndicator>,
    /// The fiches and their evaluations (issue 18): read here, written on each fiche.
    evaluations: Vec<PlanEvaluation>,
}

/// indicator id, action number, action title, label, unit, target, achieved
type ClosingRow = (i64, i32, String, String, String, Option<f64>, Option<f64>);

/// The plan's indicators, each with the value typed in `form` if any, else the one recorded.
async fn indicators(
    conn: &mut PgConnection,
    plan_id: i64,
    form: Option<&TransitionForm>,
) -> sqlx::Result<Vec<ClosingIndicator>> {
    let rows: Vec<ClosingRow> = sqlx::query_as(
        "select i.id, a.number, a.title, i.label, i.unit, i.target, i.achieved from action_indicator i
         join action a on a.id = i.action_id where a.plan_id = $1 order by a.number, i.position, i.id",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, number, title, label, unit, target, achieved)| {
            let typed = form.and_then(|f| {
                f.ind_id
                    .iter()
                    .position(|x| x == &id.to_string())
                    .and_then(|i| f.ind_achieved.get(i).cloned())
            });
            ClosingIndicator {
                id,
                action: format!("{number}. {title}"),
                label,
                unit,
                target: model::opt_number(target),
                value: typed.unwrap_or_else(|| model::opt_number(achieved)),
            }
        })
        .collect())
}

pub async fn form(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (plan, form) = blank_form(&mut conn, &user, id, PlanStatus::Cloture).await?;
    let indicators = indicators(&mut conn, id, None).await?;
    let page = ClosingPage {
        ctx,
        evaluations: evaluation::of_plan(&mut conn, id).await?,
        plan,
        form,
        errors: FieldErrors::default(),
        indicators,
    };
    forms::render(&page, StatusCode::OK)
}

/// The closing form again, with what was typed and the messages (422).
pub(super) async fn page(
    conn: &mut PgConnection,
    ctx: Ctx,
    plan: Plan,
    form: TransitionForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let indicators = indicators(conn, plan.id, Some(&form)).await?;
    let page = ClosingPage {
        ctx,
        evaluations: evaluation::of_plan(conn, plan.id).await?,
        plan,
        form,
        errors,
        indicators,
    };
    forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

/// The achieved values typed for the plan's indicators (an empty field clears the value), or the
/// messages beside the fields.
pub(super) async fn check(
    conn: &mut PgConnection,
    plan_id: i64,
    form: &TransitionForm,
) -> AppResult<Result<Vec<(i64, Option<f64>)>, FieldErrors>> {
    let mut errors = FieldErrors::default();
    if form.evaluation.trim().is_empty() {
        errors.add(
            "evaluation",
            "Rédigez l'évaluation du plan avant de le clôturer.",
        );
    }
    let known: Vec<i64> = sqlx::query_scalar(
        "select i.id from action_indicator i join action a on a.id = i.action_id where a.plan_id = $1",
    )
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut achieved = Vec::new();
    let mut bad = Vec::new();
    for (i, raw_id) in form.ind_id.iter().enumerate() {
        let Some(ind) = format::parse_int(raw_id).filter(|x| known.contains(x)) else {
            continue;
        };
        let raw = form.ind_achieved.get(i).map(|s| s.trim()).unwrap_or("");
        if raw.is_empty() {
            achieved.push((ind, None));
        } else {
            match format::parse_decimal(raw).filter(|v| *v >= 0.0 && *v < 1e12) {
                Some(v) => achieved.push((ind, Some(v))),
                None => bad.push((i + 1).to_string()),
            }
        }
    }
    if !bad.is_empty() {
        errors.add(
            "indicators",
            format!(
                "Valeurs réalisées invalides (lignes {}) : indiquez un nombre positif.",
                bad.join(", ")
            ),
        );
    }
    Ok(if errors.is_empty() {
        Ok(achieved)
    } else {
        Err(errors)
    })
}

/// Writes the achieved values checked by `check` (none outside a closing).
pub(super) async fn record(
    conn: &mut PgConnection,
    plan_id: i64,
    achieved: &[(i64, Option<f64>)],
) -> sqlx::Result<()> {
    for (ind, v) in achieved {
        sqlx::query(
            "update action_indicator set achieved = $2 where id = $1
             and action_id in (select id from action where plan_id = $3)",
        )
        .bind(ind)
        .bind(v)
        .bind(plan_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What the closing leaves as it is: a period not over yet, the fiches neither réalisée nor abandonnée,
/// the indicators with no achieved value (as typed in `form`, else as recorded).
pub(super) async fn unfinished(
    conn: &mut PgConnection,
    plan: &Plan,
    form: &TransitionForm,
) -> AppResult<Warnings> {
    let mut w = Warnings::default();
    let today = format::today();
    let end = NaiveDate::from_ymd_opt(plan.end_year, 12, 31);
    w.add(
        "Période du plan",
        end.filter(|end| today < *end)
            .map(|end| {
                Warning::new(format!(
                    "La période du plan ({}) ne se termine que le {}.",
                    plan.period(),
                    format::date(end)
                ))
            })
            .into_iter()
            .collect(),
    );
    let lines = queries::plan_lines(&mut *conn, plan.id).await?;
    w.add(
        "Fiches ni réalisées ni abandonnées",
        lines
            .iter()
            .filter(|a| !a.status.is_over())
            .map(|a| {
                Warning::at(
                    format!(
                        "Fiche n° {} « {} » : {}",
                        a.number,
                        a.title,
                        a.status_label()
                    ),
                    format!("/actions/{}", a.id),
                )
            })
            .collect(),
    );
    w.add(
        "Indicateurs sans valeur réalisée",
        indicators(&mut *conn, plan.id, Some(form))
            .await?
            .into_iter()
            .filter(|i| i.value.trim().is_empty())
            .map(|i| Warning::new(format!("{} — {}", i.action, i.label)))
            .collect(),
    );
    Ok(w)
}
