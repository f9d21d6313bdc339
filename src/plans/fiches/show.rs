//! The fiche action's page: its content, budget, indicators, proofs, notes de suivi, timeline and history, with
//! the follow-up forms when the plan runs.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;

use crate::audit::{self, HistoryEntry};
use crate::auth::CurrentUser;
use crate::auth::policy::plans as rules;
use crate::error::AppResult;
use crate::plans::model::{self, Action, Plan, TimelineStep};
use crate::plans::queries;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::{Ctx, Signed, documents, format};

#[derive(sqlx::FromRow)]
pub struct Note {
    noted_on: NaiveDate,
    body: String,
    progress: Option<i32>,
    who: Option<String>,
}

impl Note {
    pub fn date(&self) -> String {
        format::date(self.noted_on)
    }
    pub fn who(&self) -> &str {
        self.who.as_deref().unwrap_or("")
    }
}

#[derive(Default, Clone)]
pub struct FollowUp {
    pub note_date: String,
    pub note_body: String,
    pub progress: String,
    pub reason: String,
    /// The status chosen in the follow-up form (the current one when it is drawn).
    pub status: String,
    /// The achieved values typed, by indicator id (as typed, when the form comes back).
    pub achieved: Vec<(String, String)>,
    /// The steps' statuses chosen, by step id (as sent, when the form comes back).
    pub steps: Vec<(String, String)>,
    /// `note`, `progress`, `reason`, `status`, `results`, `steps` or `conflict`: the follow-up form in error.
    pub errors: FieldErrors,
}

impl FollowUp {
    /// The follow-up forms blank: today's date for a note, the action's progress.
    pub(super) fn blank(action: &Action) -> Self {
        FollowUp {
            note_date: format::today().to_string(),
            progress: action.progress.to_string(),
            status: action.status.as_str().to_owned(),
            ..Default::default()
        }
    }

    /// The status the form shows for a step: what was chosen, else the stored one.
    pub fn step_status_of(&self, s: &model::Step) -> String {
        let id = s.id.to_string();
        self.steps
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| s.status.as_str().to_owned())
    }

    /// The achieved value the form shows for an indicator: what was typed, else the stored one.
    pub fn achieved_of(&self, i: &model::Indicator) -> String {
        let id = i.id.to_string();
        self.achieved
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| i.achieved_text())
    }
}

/// The fiche's page again, a follow-up form in error with what was typed (422).
pub(super) async fn again(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    id: i64,
    follow: FollowUp,
) -> AppResult<Response> {
    again_with(
        state,
        user,
        ctx,
        id,
        follow,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The fiche's page again with the follow-up form as typed, answering `status`.
pub(super) async fn again_with(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    id: i64,
    follow: FollowUp,
    status: StatusCode,
) -> AppResult<Response> {
    let body = render_show(state, user, ctx, id, Some(follow)).await?;
    Ok((status, Html(body)).into_response())
}

/// A proof of the action, and whether the reader may remove it.
pub struct Proof {
    pub doc: documents::Document,
    pub removable: bool,
}

/// The action's proofs, each with whether `user` may remove it.
async fn proofs(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    plan: &Plan,
    action: &Action,
) -> sqlx::Result<Vec<Proof>> {
    let docs = documents::list(conn, documents::Owner::Action(action.id)).await?;
    Ok(docs
        .into_iter()
        .map(|doc| Proof {
            removable: rules::can_remove_action_document(
                user,
                plan.maison_id,
                action.pilot_organisation_id,
                plan.status,
                doc.uploaded_by,
            ),
            doc,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "plans/action_show.html")]
struct ShowPage {
    ctx: Ctx,
    plan: Plan,
    action: Action,
    late: bool,
    partners: Vec<model::Partner>,
    fundings: Vec<model::Funding>,
    indicators: Vec<model::Indicator>,
    steps: Vec<model::Step>,
    step_statuses: &'static [(&'static str, &'static str)],
    total: String,
    acquired: String,
    requested: String,
    notes: Vec<Note>,
    proofs: Vec<Proof>,
    can_add_proof: bool,
    timeline: Vec<TimelineStep>,
    history: Vec<HistoryEntry>,
    can_edit: bool,
    can_follow: bool,
    next_statuses: Vec<(&'static str, &'static str)>,
    follow: FollowUp,
    capitalisation: super::evaluation::Capitalisation,
}

pub(super) async fn render_show(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    id: i64,
    follow: Option<FollowUp>,
) -> AppResult<String> {
    let mut conn = state.db.acquire().await?;
    let (action, plan) = queries::load_action(&mut conn, user, id).await?;
    let mut d = queries::details(&mut conn, None, Some(id)).await?;
    let notes: Vec<Note> = sqlx::query_as(
        "select n.noted_on, n.body, n.progress, a.name as who from action_note n left join account a on a.id = n.author_id
         where n.action_id = $1 order by n.noted_on desc, n.id desc limit 200",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let proofs = proofs(&mut conn, user, &plan, &action).await?;
    let timeline = queries::timeline(&mut conn, "action", id, model::action_code_label).await?;
    let history = audit::history(&mut conn, "action", id).await?;
    let fundings = d.fundings.remove(&id).unwrap_or_default();
    let (total, acquired, requested) = model::totals(&fundings);
    let follow_ok = rules::plan_accepts_follow_up(plan.status);
    // The follow-up form's choices: the current status (preselected), then those that may follow it.
    let next_statuses = std::iter::once(action.status)
        .chain(action.status.next().iter().copied())
        .map(|t| (t.as_str(), t.label()))
        .collect();
    let follow = follow.unwrap_or_else(|| FollowUp::blank(&action));
    let capitalisation =
        super::evaluation::Capitalisation::load(&mut conn, user, &plan, &action).await?;
    let page = ShowPage {
        ctx,
        late: action.late(),
        can_edit: plan.editable() && rules::can_manage_plan(user, plan.maison_id),
        can_follow: follow_ok
            && rules::can_follow_up_action(user, plan.maison_id, action.pilot_organisation_id),
        partners: d.partners.remove(&id).unwrap_or_default(),
        indicators: d.indicators.remove(&id).unwrap_or_default(),
        steps: d.steps.remove(&id).unwrap_or_default(),
        step_statuses: model::StepStatus::OPTIONS,
        fundings,
        total: format::money(total),
        acquired: format::money(acquired),
        requested: format::money(requested),
        notes,
        can_add_proof: super::documents::may_add(user, &plan, &action),
        proofs,
        timeline,
        history,
        next_statuses,
        follow,
        capitalisation,
        plan,
        action,
    };
    Ok(page.render()?)
}

pub async fn show(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(Html(render_show(&state, &user, ctx, id, None).await?).into_response())
}

// --------------------------------------------------------------------------------- follow-up
