//! Creating, editing and deleting a fiche action while its plan is a draft.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::{PgConnection, Row};

use super::form::{ActionForm, Lines};
use super::input::{ActionInput, Choices, choices, validate};
use super::notices;
use super::writes::{bind_fields, diff_of, insert_sql, refusal, update_sql, write_children};
use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, plans as rules};
use crate::error::AppResult;
use crate::plans::CONFLICT;
use crate::plans::model::{self, Plan, StepStatus};
use crate::plans::queries;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, idempotency, outcome};

#[derive(Template)]
#[template(path = "plans/action_form.html")]
struct FormPage {
    ctx: Ctx,
    plan: Plan,
    action_id: Option<i64>,
    form: ActionForm,
    errors: FieldErrors,
    choices: Choices,
    enjeux: Option<model::Enjeux>,
}

impl FormPage {
    fn new(
        ctx: Ctx,
        plan: Plan,
        action_id: Option<i64>,
        form: ActionForm,
        choices: Choices,
    ) -> Self {
        FormPage {
            ctx,
            plan,
            action_id,
            form,
            errors: FieldErrors::default(),
            choices,
            enjeux: None,
        }
    }

    /// The page, with the diagnostic's enjeux beside the form and a blank line at the end of each table.
    async fn respond(mut self, conn: &mut PgConnection, status: StatusCode) -> AppResult<Response> {
        self.enjeux = queries::enjeux(conn, self.plan.diagnostic_id).await?;
        self.form = std::mem::take(&mut self.form).with_blank_lines();
        forms::render(&self, status)
    }

    /// What the form asks to save; `Err(status)` when it must come back instead: a line was added or
    /// removed (200, nothing checked), or the input is bad (422, the errors beside the fields).
    fn read(&mut self) -> Result<ActionInput, StatusCode> {
        if self.form.edit_lines() {
            return Err(StatusCode::OK);
        }
        let (input, errors) = validate(&self.form, &self.choices);
        self.errors = errors;
        input.ok_or(StatusCode::UNPROCESSABLE_ENTITY)
    }

    /// The page after a write the database refused: the transaction may be aborted, so it is rendered
    /// with another connection.
    async fn respond_after(
        self,
        state: &AppState,
        tx: sqlx::Transaction<'_, sqlx::Postgres>,
        status: StatusCode,
    ) -> AppResult<Response> {
        drop(tx);
        let mut conn = state.db.acquire().await?;
        self.respond(&mut conn, status).await
    }

    /// Where the form is sent: creation of a fiche in the plan, or edition of this one.
    fn action_url(&self) -> String {
        match self.action_id {
            Some(id) => format!("/actions/{id}/modifier"),
            None => format!("/plans/{}/actions", self.plan.id),
        }
    }

    fn partners_key(&self) -> &'static str {
        Lines::Partners.key()
    }
    fn fundings_key(&self) -> &'static str {
        Lines::Fundings.key()
    }
    fn indicators_key(&self) -> &'static str {
        Lines::Indicators.key()
    }
    fn steps_key(&self) -> &'static str {
        Lines::Steps.key()
    }
    fn step_statuses(&self) -> &'static [(&'static str, &'static str)] {
        StepStatus::OPTIONS
    }
}

async fn editable_plan(
    conn: &mut PgConnection,
    user: &CurrentUser,
    plan_id: i64,
) -> AppResult<Plan> {
    let plan = queries::load_plan(conn, user, plan_id).await?;
    policy::ensure(rules::can_manage_plan(user, plan.maison_id))?;
    plan.ensure_editable()?;
    Ok(plan)
}

/// The new fiche's form may start on an axis (`?axe=`: the previous fiche's, after « Enregistrer et ajouter
/// la suivante »).
#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    axe: String,
}

pub async fn new_form(
    Signed { state, user, ctx }: Signed,
    Path(plan_id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = editable_plan(&mut conn, &user, plan_id).await?;
    let next: i32 =
        sqlx::query_scalar("select coalesce(max(number), 0) + 1 from action where plan_id = $1")
            .bind(plan_id)
            .fetch_one(&mut *conn)
            .await?;
    let choices = choices(&mut conn, &plan).await?;
    let axis_id = format::parse_int(&q.axe)
        .filter(|a| choices.axes.iter().any(|x| i64::from(x.id) == *a))
        .map(|a| a.to_string())
        .unwrap_or_default();
    let form = ActionForm {
        number: next.to_string(),
        priority: "moyenne".into(),
        axis_id,
        ..Default::default()
    };
    FormPage::new(ctx, plan, None, form, choices)
        .respond(&mut conn, StatusCode::OK)
        .await
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Path(plan_id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = editable_plan(&mut tx, &user, plan_id).await?;
    let choices = choices(&mut tx, &plan).await?;
    let mut page = FormPage::new(ctx, plan, None, form, choices);
    let input = match page.read() {
        Ok(input) => input,
        Err(status) => return page.respond(&mut tx, status).await,
    };
    if !idempotency::claim(&mut tx, user.id, &page.form.form_key).await? {
        return Ok(Redirect::to(&format!("/plans/{plan_id}")).into_response());
    }
    let inserted = bind_fields(sqlx::query(&insert_sql()).bind(plan_id), &input)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get::<i64, _>(0));
    let id = match refusal(inserted, &mut page.errors)? {
        Ok(id) => id,
        Err(status) => return page.respond_after(&state, tx, status).await,
    };
    write_children(&mut tx, id, &input).await?;
    let then_next = page.form.ensuite == "suivante";
    if let Some(org) = input.pilot.organisation() {
        notices::named_pilot(&mut tx, &page.plan, org, input.number, &input.title).await?;
    }
    audit::record_transition(
        &mut *tx,
        "action",
        id,
        None,
        rules::ActionStatus::ALancer,
        user.id,
        "Fiche créée",
    )
    .await?;
    outcome::done(
        tx,
        &page.ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(page.plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "creation",
            summary: format!("Fiche action n° {} « {} » créée", input.number, input.title),
            changes: vec![],
        },
        if then_next {
            "Fiche action créée. Saisissez la suivante."
        } else {
            "Fiche action créée."
        },
        &if then_next {
            format!("/plans/{plan_id}/actions/nouvelle?axe={}", input.axis_id)
        } else {
            format!("/actions/{id}")
        },
    )
    .await
}

pub async fn edit_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (action, plan) = queries::load_action(&mut conn, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    plan.ensure_editable()?;
    let details = queries::details(&mut conn, None, Some(id)).await?;
    let choices = choices(&mut conn, &plan).await?;
    let form = ActionForm::from_action(&action, &details);
    FormPage::new(ctx, plan, Some(id), form, choices)
        .respond(&mut conn, StatusCode::OK)
        .await
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = queries::load_action(&mut tx, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    plan.ensure_editable()?;
    let choices = choices(&mut tx, &plan).await?;
    let mut page = FormPage::new(ctx, plan, Some(id), form, choices);
    let input = match page.read() {
        Ok(input) => input,
        Err(status) => return page.respond(&mut tx, status).await,
    };
    let details = queries::details(&mut tx, None, Some(id)).await?;
    let version = format::parse_int(&page.form.version).unwrap_or(-1);
    let updated = bind_fields(sqlx::query(&update_sql()).bind(id).bind(version), &input)
        .execute(&mut *tx)
        .await;
    match refusal(updated, &mut page.errors)? {
        Ok(done) if done.rows_affected() > 0 => {}
        Ok(_) => {
            page.errors.add(FieldErrors::CONFLICT, CONFLICT);
            return page.respond_after(&state, tx, StatusCode::CONFLICT).await;
        }
        Err(status) => return page.respond_after(&state, tx, status).await,
    }
    write_children(&mut tx, id, &input).await?;
    if let Some(org) = input.pilot.organisation()
        && action.pilot_organisation_id != Some(org)
    {
        notices::named_pilot(&mut tx, &page.plan, org, input.number, &input.title).await?;
    }
    let diff = diff_of(&action, &details, &input, &page.choices);
    outcome::done(
        tx,
        &page.ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(page.plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "modification",
            summary: format!("Fiche action n° {} modifiée", input.number),
            changes: diff.0,
        },
        "Fiche action enregistrée.",
        &format!("/actions/{id}"),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct DeleteForm {}

pub async fn delete(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(_form): Form<DeleteForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = queries::load_action(&mut tx, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    plan.ensure_editable()?;
    sqlx::query("delete from action where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "suppression",
            summary: format!(
                "Fiche action n° {} « {} » supprimée",
                action.number, action.title
            ),
            changes: vec![],
        },
        "Fiche action supprimée.",
        &format!("/plans/{}", plan.id),
    )
    .await
}
