//! The network view of an axis (admins): actions by status, sector and region over the current plan of
//! the Maisons shown (the Grenelle programme's by default, the whole network one click away), budget and
//! co-financing totals, the Maisons with actions under the axis (with their fiches) and those without.
//! Each block is one aggregate query (queries.rs).

mod queries;

use std::sync::Arc;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;

use super::Axis;
use crate::domain::labels;
use crate::error::AppResult;
use crate::reseau::Programme;
use crate::state::AppState;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format::Count;
use crate::web::{Ctx, format};
use queries::{SHOWN, Scope, axis_actions};

#[derive(sqlx::FromRow)]
struct StatusCount {
    status: String,
    n: i64,
}

pub struct StatusRow {
    pub label: &'static str,
    pub n: String,
    pub pct: String,
}

#[derive(sqlx::FromRow)]
struct Group {
    label: String,
    maisons: i64,
    actions: i64,
    realisees: i64,
    late: i64,
}

pub struct GroupRow {
    pub label: String,
    pub maisons: String,
    pub actions: String,
    pub realisees: String,
    pub pct: String,
    pub late: String,
}

fn group_rows(groups: Vec<Group>) -> Vec<GroupRow> {
    groups
        .into_iter()
        .map(|g| GroupRow {
            pct: format::percent(g.realisees, g.actions),
            label: g.label,
            maisons: format::int(g.maisons),
            actions: format::int(g.actions),
            realisees: format::int(g.realisees),
            late: format::int(g.late),
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct Totals {
    actions: i64,
    late: i64,
    maisons_with: i64,
    maisons: i64,
    budget: i64,
    acquis: i64,
    sollicite: i64,
}

/// A funder of the actions under the axis: an organisation of the directory (`organisation_id`, its name
/// whatever the lines typed), or a name typed as free text (trimmed), never merged with the directory.
#[derive(sqlx::FromRow)]
struct Funder {
    organisation_id: Option<i64>,
    funder: String,
    actions: i64,
    maisons: i64,
    acquis: i64,
    sollicite: i64,
}

pub struct FunderRow {
    /// The directory's organisation (a link to its page); `None` for a funder typed as free text.
    pub organisation_id: Option<i64>,
    pub funder: String,
    pub actions: String,
    pub maisons: String,
    pub acquis: String,
    pub sollicite: String,
    pub total: String,
}

impl From<Funder> for FunderRow {
    fn from(f: Funder) -> Self {
        FunderRow {
            organisation_id: f.organisation_id,
            funder: f.funder,
            actions: format::int(f.actions),
            maisons: format::int(f.maisons),
            acquis: format::money(f.acquis),
            sollicite: format::money(f.sollicite),
            total: format::money(f.acquis + f.sollicite),
        }
    }
}

/// How many funders each table lists (the largest first).
pub const FUNDERS_SHOWN: i64 = 30;

#[derive(sqlx::FromRow)]
pub struct Missing {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub plan_status: Option<String>,
}

impl Missing {
    pub fn plan_label(&self) -> &'static str {
        labels::plan_status_label(self.plan_status.as_deref())
    }
}

pub const MISSING_SHOWN: i64 = 100;

/// A fiche action under the axis, for the list of Maisons with actions.
#[derive(serde::Deserialize)]
pub struct Fiche {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub status: String,
}

impl Fiche {
    pub fn status_label(&self) -> &'static str {
        labels::action_status_label(&self.status)
    }
}

/// A Maison with at least one action under the axis in its current plan.
#[derive(sqlx::FromRow)]
pub struct WithActions {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub realisees: i64,
    pub fiches: sqlx::types::Json<Vec<Fiche>>,
}

#[derive(Template)]
#[template(path = "axes/network.html")]
struct NetworkAxisPage {
    ctx: Ctx,
    data: Arc<NetworkAxisData>,
}

impl std::ops::Deref for NetworkAxisPage {
    type Target = NetworkAxisData;
    fn deref(&self) -> &NetworkAxisData {
        &self.data
    }
}

/// The network's figures on one axis: the same for every admin, kept in the network cache
/// (`crate::cache`) under the axis and the date.
pub struct NetworkAxisData {
    axis: Axis,
    actions: Count,
    late: Count,
    maisons: Count,
    maisons_with: Count,
    maisons_without: Count,
    budget: String,
    acquis: String,
    sollicite: String,
    statuses: Vec<StatusRow>,
    sectors: Vec<GroupRow>,
    regions: Vec<GroupRow>,
    /// Funders of the organisation directory, grouped by organisation.
    funders: Vec<FunderRow>,
    /// Funders typed as free text, grouped by their text, apart.
    free_funders: Vec<FunderRow>,
    missing: Vec<Missing>,
    with_actions: Vec<WithActions>,
    programme: Programme,
    /// `?programme=…`, for the links that keep the choice.
    query: String,
    /// The other scope: link text and address.
    scope_switch: (String, String),
    prev_next: (Option<i32>, Option<i32>),
}

pub async fn page(
    state: &AppState,
    ctx: Ctx,
    axis: Axis,
    programme: Programme,
) -> AppResult<Response> {
    let today = format::today();
    let key = format!(
        "axe-reseau/{}?programme={}&jour={today}",
        axis.id,
        programme.code()
    );
    let data = state
        .network_cache
        .get_or_compute(key, || figures(state, axis, today, programme))
        .await?;
    Ok(Html(NetworkAxisPage { ctx, data }.render()?).into_response())
}

/// The link to the other scope (the whole network from the programme's Maisons, and back): its text and
/// its address.
fn scope_switch(axis: &Axis, programme: Programme) -> (String, String) {
    let other = match programme {
        Programme::Grenelle => Programme::Tous,
        _ => Programme::Grenelle,
    };
    (
        match other {
            Programme::Tous => "Voir tout le réseau".to_owned(),
            _ => "Voir les Maisons du programme Grenelle seulement".to_owned(),
        },
        format!("/axes/{}?programme={}", axis.number, other.code()),
    )
}

async fn figures(
    state: &AppState,
    axis: Axis,
    today: NaiveDate,
    programme: Programme,
) -> AppResult<NetworkAxisData> {
    let scope = Scope {
        state,
        axis: &axis,
        today,
        programme,
    };
    let totals = scope.totals().await?;
    let statuses = scope.statuses(totals.actions).await?;
    let sectors = scope.sectors().await?;
    let regions = scope.regions().await?;
    let (funders, free_funders) = scope.funders().await?;
    let missing = scope.missing().await?;
    let with_actions = scope.with_actions().await?;
    let prev_next = super::neighbours(state, axis.number).await?;
    Ok(NetworkAxisData {
        actions: Count(totals.actions),
        late: Count(totals.late),
        maisons: Count(totals.maisons),
        maisons_with: Count(totals.maisons_with),
        maisons_without: Count(totals.maisons - totals.maisons_with),
        budget: format::money(totals.budget),
        acquis: format::money(totals.acquis),
        sollicite: format::money(totals.sollicite),
        statuses,
        sectors,
        regions,
        funders,
        free_funders,
        missing,
        with_actions,
        query: format!("?programme={}", programme.code()),
        scope_switch: scope_switch(&axis, programme),
        programme,
        axis,
        prev_next,
    })
}

#[derive(sqlx::FromRow)]
struct PerMaison {
    id: i64,
    name: String,
    region: String,
    plan_status: Option<String>,
    actions: i64,
    realisees: i64,
    late: i64,
    budget: i64,
    acquis: i64,
}

/// The network axis page as a table: one row per Maison (those without action included).
pub async fn export(
    state: &AppState,
    axis: &Axis,
    format: ExportFormat,
    programme: Programme,
) -> AppResult<Response> {
    let sql = format!(
        "with {},
         per as (
             select maison_id, count(*) as actions,
                    count(*) filter (where status = 'realisee') as realisees,
                    count(*) filter (where is_late) as late
             from ax_act group by maison_id
         ),
         money as (
             select ax_act.maison_id, sum(f.amount_cents)::bigint as budget,
                    (sum(f.amount_cents) filter (where f.state = 'acquis'))::bigint as acquis
             from ax_act join action_funding f on f.action_id = ax_act.id group by ax_act.maison_id
         )
         select m.id, m.name, r.name as region, cp.status as plan_status,
                coalesce(per.actions, 0) as actions, coalesce(per.realisees, 0) as realisees,
                coalesce(per.late, 0) as late, coalesce(money.budget, 0) as budget,
                coalesce(money.acquis, 0) as acquis
         from maison m join region r on r.code = m.region_code
         left join maison_current_plan cp on cp.maison_id = m.id
         left join per on per.maison_id = m.id
         left join money on money.maison_id = m.id
         where {SHOWN}
         order by m.sort_key, m.id",
        axis_actions()
    );
    let scope = Scope {
        state,
        axis,
        today: format::today(),
        programme,
    };
    let rows: Vec<PerMaison> = scope.query(&sql).fetch_all(&state.db).await?;
    let mut table = Table::new(
        &format!("Axe {} – réseau", axis.number),
        &[
            "N°",
            "Maison",
            "Région",
            "Plan d'actions",
            "Actions sous l'axe",
            "Réalisées",
            "% réalisées",
            "En retard",
            "Budget (€)",
            "Acquis (€)",
        ],
    );
    for r in rows {
        table.rows.push(vec![
            Cell::Int(r.id),
            Cell::text(r.name),
            Cell::text(r.region),
            Cell::text(labels::plan_status_label(r.plan_status.as_deref())),
            Cell::Int(r.actions),
            Cell::Int(r.realisees),
            if r.actions > 0 {
                Cell::Percent(r.realisees as f64 * 100.0 / r.actions as f64)
            } else {
                Cell::Empty
            },
            Cell::Int(r.late),
            Cell::Money(r.budget),
            Cell::Money(r.acquis),
        ]);
    }
    table.respond(format, &format!("axe-{}-reseau", axis.number))
}
