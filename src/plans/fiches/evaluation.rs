//! The evaluation of a fiche action (issue 18, step 4 of the method): once the action is réalisée or
//! abandonnée, or its plan closed, the Maison records its results against each indicator's target, what
//! worked, the difficulties, the conditions to reproduce it, the cost per beneficiary when it makes sense
//! and the partners who made it work. `GET /actions/{id}/evaluation` shows it to whoever reads the plan
//! and the form to the Maison's staff (`rules::can_evaluate_action`); the plan's closing form reads these
//! evaluations (`of_plan`); a practice is proposed from an evaluated action (`src/practices/`).

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgConnection;

use crate::audit::{Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::practices::{self as practice_rules, PracticeStatus};
use crate::auth::policy::{self, plans as rules};
use crate::error::{AppError, AppResult};
use crate::plans::CONFLICT;
use crate::plans::model::{Action, Indicator, Org, Plan};
use crate::plans::queries;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, outcome};

/// The longest text of each part of the evaluation (the table's CHECK says the same).
const MAX_TEXT: usize = 5000;

/// An action's evaluation as stored.
#[derive(sqlx::FromRow, Clone, Default)]
pub struct Evaluation {
    pub results: String,
    pub worked: String,
    pub difficulties: String,
    pub conditions: String,
    pub cost_per_beneficiary_cents: Option<i64>,
    pub key_partner_ids: Vec<i64>,
    pub version: i32,
    pub evaluated_by_name: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Evaluation {
    pub fn cost(&self) -> String {
        self.cost_per_beneficiary_cents
            .map(format::money)
            .unwrap_or_default()
    }
    pub fn updated(&self) -> String {
        self.updated_at.map(format::datetime).unwrap_or_default()
    }
}

/// The evaluation of `action_id`, if the Maison recorded one.
pub async fn load(conn: &mut PgConnection, action_id: i64) -> sqlx::Result<Option<Evaluation>> {
    sqlx::query_as(
        "select e.results, e.worked, e.difficulties, e.conditions, e.cost_per_beneficiary_cents,
                e.key_partner_ids, e.version, a.name as evaluated_by_name, e.updated_at
         from action_evaluation e left join account a on a.id = e.evaluated_by where e.action_id = $1",
    )
    .bind(action_id)
    .fetch_optional(conn)
    .await
}

/// An indicator read against its target, for the evaluation (the values are the follow-up's own).
pub struct Reached {
    pub label: String,
    pub unit: String,
    pub target: String,
    pub achieved: String,
    /// « 84 % » of the target, when both are known and the target is not zero.
    pub rate: String,
}

pub fn reached(indicators: &[Indicator]) -> Vec<Reached> {
    indicators
        .iter()
        .map(|i| Reached {
            label: i.label.clone(),
            unit: i.unit.clone(),
            target: i.target_text(),
            achieved: i.achieved_text(),
            rate: match (i.target, i.achieved) {
                (Some(t), Some(a)) if t > 0.0 => {
                    format!("{}\u{a0}%", format::decimal(a * 100.0 / t, 0))
                }
                _ => String::new(),
            },
        })
        .collect()
}

#[derive(Deserialize, Default, Clone)]
pub struct EvaluationForm {
    #[serde(default)]
    pub results: String,
    #[serde(default)]
    pub worked: String,
    #[serde(default)]
    pub difficulties: String,
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub cost: String,
    #[serde(default)]
    pub partner: Vec<String>,
    /// The evaluation's version the form was drawn from; `0`: none yet.
    #[serde(default)]
    pub version: String,
}

impl EvaluationForm {
    fn of(e: &Evaluation) -> Self {
        EvaluationForm {
            results: e.results.clone(),
            worked: e.worked.clone(),
            difficulties: e.difficulties.clone(),
            conditions: e.conditions.clone(),
            cost: e
                .cost_per_beneficiary_cents
                .map(|c| format::decimal(c as f64 / 100.0, 2))
                .unwrap_or_default(),
            partner: e.key_partner_ids.iter().map(i64::to_string).collect(),
            version: e.version.to_string(),
        }
    }

    pub fn has_partner(&self, id: &i64) -> bool {
        self.partner.contains(&id.to_string())
    }

    /// The evaluation the form asks for, or the messages beside its fields.
    fn check(&self, choices: &[Org]) -> Result<Evaluation, FieldErrors> {
        let mut errors = FieldErrors::default();
        let e = Evaluation {
            results: errors.text("results", &self.results, MAX_TEXT),
            worked: errors.text("worked", &self.worked, MAX_TEXT),
            difficulties: errors.text("difficulties", &self.difficulties, MAX_TEXT),
            conditions: errors.text("conditions", &self.conditions, MAX_TEXT),
            cost_per_beneficiary_cents: match self.cost.trim() {
                "" => None,
                raw => match format::parse_money_cents(raw) {
                    Some(c) => Some(c),
                    None => {
                        errors.add(
                            "cost",
                            "Indiquez un montant en euros (exemple : 1 250,50), ou laissez vide.",
                        );
                        None
                    }
                },
            },
            key_partner_ids: choices
                .iter()
                .filter(|o| self.has_partner(&o.id))
                .map(|o| o.id)
                .collect(),
            ..Evaluation::default()
        };
        if e.results.is_empty() && e.worked.is_empty() && e.difficulties.is_empty() {
            errors.add(
                "results",
                "Décrivez au moins les résultats obtenus, ce qui a fonctionné ou les difficultés rencontrées.",
            );
        }
        if errors.is_empty() {
            Ok(e)
        } else {
            Err(errors)
        }
    }
}

#[derive(Template)]
#[template(path = "plans/evaluation.html")]
struct EvaluationPage {
    ctx: Ctx,
    plan: Plan,
    action: Action,
    evaluation: Option<Evaluation>,
    reached: Vec<Reached>,
    /// The organisations that may be named as having made it work: the pilot and the partners.
    choices: Vec<Org>,
    /// The form, when the reader may evaluate and the action is evaluable.
    can_evaluate: bool,
    evaluable: bool,
    form: EvaluationForm,
    errors: FieldErrors,
}

impl EvaluationPage {
    pub fn key_partners(&self) -> Vec<&str> {
        let ids = self
            .evaluation
            .as_ref()
            .map(|e| e.key_partner_ids.as_slice())
            .unwrap_or_default();
        self.choices
            .iter()
            .filter(|o| ids.contains(&o.id))
            .map(|o| o.name.as_str())
            .collect()
    }
}

/// The pilot organisation and the partner organisations of the action, in French order.
async fn choices(conn: &mut PgConnection, action_id: i64) -> sqlx::Result<Vec<Org>> {
    sqlx::query_as(
        "select o.id, o.name from organisation o where o.id in (
             select pilot_organisation_id from action where id = $1
             union select organisation_id from action_partner where action_id = $1)
         order by o.name, o.id",
    )
    .bind(action_id)
    .fetch_all(conn)
    .await
}

/// The page, with `form` as typed (or the stored evaluation) and its messages, answering `status`.
async fn page(
    conn: &mut PgConnection,
    ctx: Ctx,
    user: &CurrentUser,
    (action, plan): (Action, Plan),
    form: Option<(EvaluationForm, FieldErrors)>,
    status: StatusCode,
) -> AppResult<Response> {
    let evaluation = load(conn, action.id).await?;
    let mut d = queries::details(conn, None, Some(action.id)).await?;
    let (form, errors) = form.unwrap_or_else(|| {
        let stored = evaluation.clone().unwrap_or_default();
        (EvaluationForm::of(&stored), FieldErrors::default())
    });
    let page = EvaluationPage {
        ctx,
        can_evaluate: rules::can_evaluate_action(user, plan.maison_id),
        evaluable: rules::action_evaluable(plan.status, action.status),
        reached: reached(&d.indicators.remove(&action.id).unwrap_or_default()),
        choices: choices(conn, action.id).await?,
        evaluation,
        form,
        errors,
        plan,
        action,
    };
    forms::render(&page, status)
}

pub async fn show(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let loaded = queries::load_action(&mut conn, &user, id).await?;
    page(&mut conn, ctx, &user, loaded, None, StatusCode::OK).await
}

pub async fn save(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<EvaluationForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = queries::load_action(&mut tx, &user, id).await?;
    policy::ensure(rules::can_evaluate_action(&user, plan.maison_id))?;
    if !rules::action_evaluable(plan.status, action.status) {
        return Err(AppError::Conflict(
            "L'action s'évalue une fois réalisée ou abandonnée, ou son plan clôturé.".into(),
        ));
    }
    let parsed = match form.check(&choices(&mut tx, id).await?) {
        Ok(e) => e,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(
                &mut tx,
                ctx,
                &user,
                (action, plan),
                Some((form, errors)),
                status,
            )
            .await;
        }
    };
    let before = load(&mut tx, id).await?;
    let version = format::parse_int(&form.version).unwrap_or(-1);
    if !write(&mut tx, id, user.id, before.is_some(), version, &parsed).await? {
        let errors = FieldErrors::one(FieldErrors::CONFLICT, CONFLICT);
        let status = StatusCode::CONFLICT;
        drop(tx);
        let mut conn = state.db.acquire().await?;
        let loaded = queries::load_action(&mut conn, &user, id).await?;
        return page(&mut conn, ctx, &user, loaded, Some((form, errors)), status).await;
    }
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(plan.maison_id),
        object_type: "action",
        object_id: id,
        action: "evaluation",
        summary: format!("Fiche action n° {} : évaluation enregistrée", action.number),
        changes: diff(&before.unwrap_or_default(), &parsed).0,
    };
    let to = format!("/actions/{id}/evaluation");
    outcome::done(tx, &ctx, event, "Évaluation de l'action enregistrée.", &to).await
}

/// Inserts the first evaluation (`exists` false, the form's version 0) or updates the one the form was
/// drawn from; `false` when someone else saved first.
async fn write(
    conn: &mut PgConnection,
    action_id: i64,
    actor: i64,
    exists: bool,
    version: i64,
    e: &Evaluation,
) -> sqlx::Result<bool> {
    let sql = if exists {
        "update action_evaluation set results = $2, worked = $3, difficulties = $4, conditions = $5,
                cost_per_beneficiary_cents = $6, key_partner_ids = $7, evaluated_by = $8,
                version = version + 1
         where action_id = $1 and version = $9"
    } else {
        "insert into action_evaluation (action_id, results, worked, difficulties, conditions,
                cost_per_beneficiary_cents, key_partner_ids, evaluated_by)
         select $1, $2, $3, $4, $5, $6, $7, $8 where $9 = 0
         on conflict (action_id) do nothing"
    };
    let done = sqlx::query(sql)
        .bind(action_id)
        .bind(&e.results)
        .bind(&e.worked)
        .bind(&e.difficulties)
        .bind(&e.conditions)
        .bind(e.cost_per_beneficiary_cents)
        .bind(&e.key_partner_ids)
        .bind(actor)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

fn diff(before: &Evaluation, after: &Evaluation) -> Diff {
    let mut d = Diff::default();
    d.field_ref(
        "results",
        "Résultats obtenus",
        &before.results,
        &after.results,
    )
    .field_ref(
        "worked",
        "Ce qui a fonctionné",
        &before.worked,
        &after.worked,
    )
    .field_ref(
        "difficulties",
        "Difficultés rencontrées",
        &before.difficulties,
        &after.difficulties,
    )
    .field_ref(
        "conditions",
        "Conditions pour la reproduire",
        &before.conditions,
        &after.conditions,
    )
    .field("cost", "Coût par bénéficiaire", before.cost(), after.cost())
    .field(
        "key_partner_ids",
        "Partenaires déterminants",
        serde_json::json!(before.key_partner_ids),
        serde_json::json!(after.key_partner_ids),
    );
    d
}

/// One fiche of a plan with its evaluation, for the closing form.
#[derive(sqlx::FromRow)]
pub struct PlanEvaluation {
    pub action_id: i64,
    pub number: i32,
    pub title: String,
    pub status: rules::ActionStatus,
    pub evaluated: bool,
    pub results: String,
    pub worked: String,
    pub difficulties: String,
}

/// The fiches of plan `plan_id` with their evaluations (one statement): what the closing form reads.
pub async fn of_plan(conn: &mut PgConnection, plan_id: i64) -> sqlx::Result<Vec<PlanEvaluation>> {
    sqlx::query_as(
        "select a.id as action_id, a.number, a.title, a.status, e.action_id is not null as evaluated,
                coalesce(e.results, '') as results, coalesce(e.worked, '') as worked,
                coalesce(e.difficulties, '') as difficulties
         from action a left join action_evaluation e on e.action_id = a.id
         where a.plan_id = $1 order by a.number, a.id",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await
}

/// What the fiche's page says of step 4 (`plans/capitalisation.html`): whether the action may be or was
/// evaluated, whether the reader may write the evaluation, the practice proposed from it, and the
/// practice of the network it was taken from (provenance, issue 18).
pub struct Capitalisation {
    pub evaluable: bool,
    pub evaluated: bool,
    pub can_evaluate: bool,
    /// The practice drawn from this action (the live one, else the last withdrawn), if the reader may read it.
    pub practice: Option<(i64, PracticeStatus)>,
    /// The practice this fiche was made from: its id (when the reader may read it), title and Maison.
    pub source: Option<Provenance>,
}

pub struct Provenance {
    pub practice_id: Option<i64>,
    pub title: String,
    pub maison: String,
}

impl Capitalisation {
    pub fn practice_label(&self) -> &'static str {
        self.practice.map(|(_, s)| s.label()).unwrap_or("")
    }

    pub fn practice_id(&self) -> Option<i64> {
        self.practice.map(|(id, _)| id)
    }

    /// The Maison's staff propose an evaluated action as a practice, again once withdrawn.
    pub fn may_propose(&self) -> bool {
        self.evaluated
            && self.can_evaluate
            && self
                .practice
                .is_none_or(|(_, s)| s == PracticeStatus::Retiree)
    }

    pub async fn load(
        conn: &mut PgConnection,
        user: &CurrentUser,
        plan: &Plan,
        action: &Action,
    ) -> sqlx::Result<Self> {
        let evaluated: bool = sqlx::query_scalar(
            "select exists (select 1 from action_evaluation where action_id = $1)",
        )
        .bind(action.id)
        .fetch_one(&mut *conn)
        .await?;
        let practice: Option<(i64, PracticeStatus)> = sqlx::query_as(
            "select id, status from practice where action_id = $1
             order by status = 'retiree', id desc limit 1",
        )
        .bind(action.id)
        .fetch_optional(&mut *conn)
        .await?;
        let source: Option<(i64, i64, PracticeStatus, String, String)> = sqlx::query_as(
            "select p.id, p.maison_id, p.status, v.title, m.name from practice_reuse r
             join practice p on p.id = r.practice_id join practice_version v on v.id = r.version_id
             join maison m on m.id = p.maison_id where r.action_id = $1",
        )
        .bind(action.id)
        .fetch_optional(&mut *conn)
        .await?;
        Ok(Capitalisation {
            evaluable: rules::action_evaluable(plan.status, action.status),
            evaluated,
            can_evaluate: rules::can_evaluate_action(user, plan.maison_id),
            practice: practice.filter(|(_, status)| {
                practice_rules::can_read_practice(user, plan.maison_id, *status)
            }),
            source: source.map(|(id, maison_id, status, title, maison)| Provenance {
                practice_id: practice_rules::can_read_practice(user, maison_id, status)
                    .then_some(id),
                title,
                maison,
            }),
        })
    }
}
