//! The plan page: its fiches by axis (filtered and sorted), budget, what is missing before submission,
//! the copil decisions, the avis du réseau, the timeline and the history.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::model::{
    self, ActionLine, Axis, CopilRow, Plan, PlanStatus, ReviewRow, Sector, TimelineStep,
};
use super::queries;
use crate::audit::HistoryEntry;
use crate::auth::CurrentUser;
use crate::auth::policy::plans as rules;
use crate::error::AppResult;
use crate::web::format::Count;
use crate::web::{Ctx, Signed, format};

#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub axe: String,
    #[serde(default)]
    pub filiere: String,
    #[serde(default)]
    pub statut: String,
    #[serde(default)]
    pub priorite: String,
    #[serde(default)]
    pub pilote: String,
    #[serde(default)]
    pub retard: String,
    #[serde(default)]
    pub tri: String,
}

impl Filters {
    fn keep(&self, a: &ActionLine, today: chrono::NaiveDate) -> bool {
        (self.axe.is_empty() || a.axis_id.to_string() == self.axe)
            && (self.filiere.is_empty() || a.sector_code.as_deref() == Some(self.filiere.as_str()))
            && (self.statut.is_empty() || a.status.as_str() == self.statut)
            && (self.priorite.is_empty() || a.priority == self.priorite)
            && (self.pilote.is_empty() || a.pilot_choice().key() == self.pilote)
            && (self.retard.is_empty() || a.late_on(today))
    }

    /// The order asked for: the database sorts (`queries::LineOrder`), titles in French order.
    fn order(&self) -> queries::LineOrder {
        queries::LineOrder::parse(&self.tri)
    }

    pub fn active(&self) -> bool {
        !(self.axe.is_empty()
            && self.filiere.is_empty()
            && self.statut.is_empty()
            && self.priorite.is_empty()
            && self.pilote.is_empty()
            && self.retard.is_empty())
    }
}

/// A line of an axis's table: the fiche and whether it is late.
pub struct ActionRow {
    pub a: ActionLine,
    pub late: bool,
}

pub struct AxisGroup {
    pub axis: Axis,
    pub actions: Vec<ActionRow>,
}

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowPage {
    ctx: Ctx,
    plan: Plan,
    groups: Vec<AxisGroup>,
    axes: Vec<Axis>,
    sectors: Vec<Sector>,
    pilots: Vec<model::Org>,
    /// Whether the Maison itself pilots some of the fiches (an option of the pilot filter).
    maison_pilots: bool,
    filters: Filters,
    /// « 1 action affichée », « 2 actions affichées ».
    shown: Count,
    total: usize,
    late_count: usize,
    budget_total: String,
    budget_acquired: String,
    problems: Vec<String>,
    can_manage: bool,
    can_review: bool,
    /// Whether the reader is one side of the conversation under the avis (reads it, may reply).
    can_reply: bool,
    timeline: Vec<TimelineStep>,
    copil: Vec<CopilRow>,
    reviews: Vec<ReviewRow>,
    enjeux: Option<model::Enjeux>,
    history: Vec<HistoryEntry>,
    /// Other plans of the Maison over the same years that the reader may see.
    overlaps: Vec<model::Overlap>,
    /// Whether this plan is the Maison's current plan; `current_title`: the one that is, if readable.
    is_current: bool,
    current: Option<model::Overlap>,
    statuses: &'static [(&'static str, &'static str)],
    priorities: &'static [(&'static str, &'static str)],
    sorts: Vec<(&'static str, &'static str)>,
}

impl ShowPage {
    fn selected(&self, value: &str, current: &str) -> bool {
        value == current
    }
}

pub async fn show(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Query(filters): Query<Filters>,
) -> AppResult<Response> {
    // Two statements whatever the plan's size (the plan with everything around it, then its fiches).
    // Measured on 2 cores: folding the fiches into the first statement as JSON, or running both at once
    // on two connections, changes neither the CPU per request nor the throughput.
    let mut conn = state.db.acquire().await?;
    let page = queries::load_plan_page(&mut conn, &user, id).await?;
    let lines = queries::plan_lines_in(&mut conn, id, filters.order()).await?;
    drop(conn);
    Ok(Html(build_show(ctx, &user, page, lines, filters).render()?).into_response())
}

fn build_show(
    ctx: Ctx,
    user: &CurrentUser,
    page: model::PlanPage,
    lines: Vec<ActionLine>,
    filters: Filters,
) -> ShowPage {
    let model::PlanPage {
        plan,
        axes,
        sectors,
        timeline,
        copil,
        reviews,
        history,
        enjeux,
        overlaps,
        current_plan_id,
        pilots,
        maison_pilots,
    } = page;
    let overlaps = readable_overlaps(user, &plan, overlaps);
    let is_current = current_plan_id == Some(plan.id);
    let current = overlaps
        .iter()
        .find(|o| Some(o.id) == current_plan_id)
        .cloned();
    let today = format::today();
    let can_manage = rules::can_manage_plan(user, plan.maison_id);
    // While the Maison builds its plan: what is missing before submission, and the diagnostic's stakes.
    let drafting = plan.editable() && can_manage;
    let problems = if drafting {
        model::submission_problems(&axes, &lines)
    } else {
        Vec::new()
    };
    let enjeux = enjeux.filter(|_| drafting).map(model::Enjeux::new);
    let total = lines.len();
    let late_count = lines.iter().filter(|a| a.late_on(today)).count();
    let budget_total: i64 = lines.iter().map(|a| a.budget_cents).sum();
    let budget_acquired: i64 = lines.iter().map(|a| a.acquired_cents).sum();
    let kept: Vec<ActionLine> = lines
        .into_iter()
        .filter(|a| filters.keep(a, today))
        .collect();
    let shown = Count(kept.len() as i64);
    let groups = by_axis(&axes, kept, today);
    let can_review = rules::can_review_plan(user, plan.status);
    let can_reply = rules::review_reply_side(user, plan.maison_id).is_some();
    let reviews = conversation_for(reviews, can_reply);
    ShowPage {
        ctx,
        plan,
        groups,
        axes,
        sectors,
        pilots,
        maison_pilots,
        filters,
        shown,
        total,
        late_count,
        budget_total: format::money(budget_total),
        budget_acquired: format::money(budget_acquired),
        problems,
        can_manage,
        can_review,
        can_reply,
        timeline,
        copil,
        reviews,
        enjeux,
        history,
        overlaps,
        is_current,
        current,
        statuses: model::ActionStatus::OPTIONS,
        priorities: model::PRIORITIES,
        sorts: queries::LineOrder::ALL
            .iter()
            .map(|(_, code, label)| (*code, *label))
            .collect(),
    }
}

/// The Maison's other plans over the same years that the reader may see.
fn readable_overlaps(
    user: &CurrentUser,
    plan: &model::Plan,
    overlaps: Vec<model::Overlap>,
) -> Vec<model::Overlap> {
    let readable = |o: &model::Overlap| {
        rules::can_read_plan(
            user,
            &rules::PlanFacts {
                maison_id: plan.maison_id,
                status: o.status,
                partnered: plan.partnered,
            },
        )
    };
    overlaps.into_iter().filter(|o| readable(o)).collect()
}

/// The avis as the reader sees them: the conversation under each is between the Maison and the Alliance,
/// nobody else reads it.
fn conversation_for(reviews: Vec<ReviewRow>, side: bool) -> Vec<ReviewRow> {
    if side {
        return reviews;
    }
    reviews
        .into_iter()
        .map(|r| ReviewRow {
            replies: Vec::new(),
            ..r
        })
        .collect()
}

/// The fiches kept by the filters, in their order, under their axis (every axis of the charter shown).
fn by_axis(axes: &[Axis], kept: Vec<ActionLine>, today: chrono::NaiveDate) -> Vec<AxisGroup> {
    let mut groups: Vec<AxisGroup> = axes
        .iter()
        .map(|ax| AxisGroup {
            axis: ax.clone(),
            actions: Vec::new(),
        })
        .collect();
    for a in kept {
        if let Some(g) = groups.iter_mut().find(|g| g.axis.id == a.axis_id) {
            g.actions.push(ActionRow {
                late: a.late_on(today),
                a,
            });
        }
    }
    groups
}
