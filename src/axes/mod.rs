//! `/axes/1` … `/axes/4`: the page of one axis of the current cahier des charges (the number is
//! `axis.number` under `CURRENT_CHARTER`; axes are data). Who sees what is the policy's `AxisView`:
//! - a Maison's staff (or an admin who picked a Maison with `?maison=`): that Maison's actions under the
//!   axis in its current plan — status, progress, budget, indicators, what is late — and how it compares
//!   with the network on this axis;
//! - admins: the network — actions by status, sector and region, budget and co-financing totals, the
//!   Maisons with no action under this axis;
//! - partners: the same Maison page for each Maison their organisation partners, limited to its latest
//!   validated plan (validé, en mise en œuvre, clôturé).
//!
//! Speed (under 30 ms for a Maison with 2,050 Maisons in the network): the Maison's figures read one plan
//! through the covering index `action_axis_cover_idx`; the network comparison is one aggregate over the
//! validated plans, each probing that index for its actions under the axis (index-only: the wide action
//! rows are never read), with the median and quartiles computed by PostgreSQL.

mod network;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::policy::reseau::AxisView;
use crate::auth::{CurrentUser, policy};
use crate::domain::CURRENT_CHARTER;
use crate::domain::labels;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format::Count;
use crate::web::{Ctx, format};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/axes", get(index))
        .route("/axes/{number}", get(page))
        .route("/axes/{number}/export/{format}", get(export))
}

#[derive(sqlx::FromRow, Clone)]
pub struct Axis {
    pub id: i32,
    pub number: i32,
    pub title: String,
    pub short_title: String,
    pub description: String,
    pub expectations: String,
}

/// The axis (reference data, kept in the network cache: edits of `axis` notify like every write).
async fn load_axis(state: &AppState, number: &str) -> AppResult<Axis> {
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    let axis = state
        .network_cache
        .get_or_compute(format!("axe/{number}"), || fetch_axis(state, number))
        .await?;
    Ok((*axis).clone())
}

async fn fetch_axis(state: &AppState, number: i32) -> AppResult<Axis> {
    let axis: Option<Axis> = sqlx::query_as(
        "select id, number, title, short_title, description, expectations from axis
         where charter = $1 and number = $2",
    )
    .bind(CURRENT_CHARTER)
    .bind(number)
    .fetch_optional(&state.db)
    .await?;
    axis.ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "axes/index.html")]
struct IndexPage {
    ctx: Ctx,
    axes: Vec<Axis>,
    query: String,
}

#[derive(Deserialize, Default)]
pub struct AxisQuery {
    #[serde(default)]
    maison: String,
    /// The network view's Maisons (`crate::reseau::Programme`): the programme's by default.
    #[serde(default)]
    programme: String,
}

impl AxisQuery {
    fn maison(&self) -> AppResult<Option<i64>> {
        let m = self.maison.trim();
        if m.is_empty() {
            Ok(None)
        } else {
            m.parse().map(Some).map_err(|_| AppError::NotFound)
        }
    }
}

async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(q): Query<AxisQuery>,
) -> AppResult<Response> {
    let requested = q.maison()?;
    let view = policy::reseau::axis_view(&user, requested).ok_or(AppError::NotFound)?;
    // A partner names only a Maison their organisation partners, as on the axis pages themselves.
    if let (AxisView::Partner(_), Some(id)) = (view, requested) {
        policy::ensure(crate::maisons::organisation_partners(&state.db, &user, id).await?)?;
    }
    let axes: Vec<Axis> = sqlx::query_as(
        "select id, number, title, short_title, description, expectations from axis
         where charter = $1 order by number",
    )
    .bind(CURRENT_CHARTER)
    .fetch_all(&state.db)
    .await?;
    // The network view keeps the choice of Maisons made on an axis page.
    let query = match (requested, view) {
        (Some(m), _) => format!("?maison={m}"),
        (None, AxisView::Network) if !q.programme.is_empty() => format!(
            "?programme={}",
            crate::reseau::Programme::parse(&q.programme).code()
        ),
        _ => String::new(),
    };
    Ok(Html(IndexPage { ctx, axes, query }.render()?).into_response())
}

/// What a Maison view is about: the Maison, and the plan whose actions it shows.
pub struct MaisonScope {
    pub id: i64,
    pub name: String,
    pub plan: Option<(i64, String, String)>,
    /// Partners see validated plans only.
    pub validated_only: bool,
}

#[derive(sqlx::FromRow)]
struct MaisonPlan {
    name: String,
    plan_id: Option<i64>,
    plan_title: Option<String>,
    plan_status: Option<String>,
}

/// Resolves the Maison a person may see on an axis page; `None` for admins' network view. Partners
/// without `?maison=` who partner several Maisons get the list (`Err(list)`).
async fn resolve(
    state: &AppState,
    user: &CurrentUser,
    requested: Option<i64>,
) -> AppResult<Result<Option<MaisonScope>, Vec<PartneredMaison>>> {
    let view = policy::reseau::axis_view(user, requested).ok_or(AppError::NotFound)?;
    let (maison_id, validated_only) = match view {
        AxisView::Network => return Ok(Ok(None)),
        AxisView::Maison(id) => (id, false),
        AxisView::Partner(org) => {
            let partnered = partnered_maisons(state, org).await?;
            match requested {
                Some(id) if partnered.iter().any(|p| p.id == id) => (id, true),
                Some(_) => return Err(AppError::NotFound),
                None if partnered.len() == 1 => (partnered[0].id, true),
                None => return Ok(Err(partnered)),
            }
        }
    };
    let plan_view = if validated_only {
        "maison_validated_plan"
    } else {
        "maison_current_plan"
    };
    let row: Option<MaisonPlan> = sqlx::query_as(&format!(
        "select m.name, p.id as plan_id, p.title as plan_title, p.status as plan_status
         from maison m
         left join {plan_view} cp on cp.maison_id = m.id
         left join plan p on p.id = cp.plan_id
         where m.id = $1"
    ))
    .bind(maison_id)
    .fetch_optional(&state.db)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    Ok(Ok(Some(MaisonScope {
        id: maison_id,
        name: row.name,
        plan: match (row.plan_id, row.plan_title, row.plan_status) {
            (Some(id), Some(t), Some(s)) => Some((id, t, s)),
            _ => None,
        },
        validated_only,
    })))
}

#[derive(sqlx::FromRow)]
pub struct PartneredMaison {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub plan_status: Option<String>,
}

impl PartneredMaison {
    pub fn plan_label(&self) -> &'static str {
        labels::plan_status_label(self.plan_status.as_deref())
    }
}

async fn partnered_maisons(state: &AppState, org: i64) -> sqlx::Result<Vec<PartneredMaison>> {
    sqlx::query_as(
        "select m.id, m.name, r.name as region, vp.status as plan_status
         from partnership pa
         join maison m on m.id = pa.maison_id
         join region r on r.code = m.region_code
         left join maison_validated_plan vp on vp.maison_id = m.id
         where pa.organisation_id = $1
         order by m.sort_key, m.id",
    )
    .bind(org)
    .fetch_all(&state.db)
    .await
}

#[derive(sqlx::FromRow)]
struct ActionData {
    id: i64,
    number: i32,
    title: String,
    status: String,
    progress: i32,
    priority: String,
    sector: Option<String>,
    pilot: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    late: bool,
    budget: i64,
    acquis: i64,
    sollicite: i64,
}

#[derive(sqlx::FromRow)]
struct IndicatorData {
    action_id: i64,
    label: String,
    unit: String,
    target: Option<f64>,
    achieved: Option<f64>,
    year: Option<i32>,
}

pub struct IndicatorView {
    pub label: String,
    pub achieved: String,
    pub target: String,
    pub unit: String,
    pub year: String,
}

pub struct ActionView {
    pub id: i64,
    pub href: String,
    pub number: i32,
    pub title: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub progress: i32,
    pub priority: &'static str,
    pub sector: String,
    pub pilot: String,
    pub start: String,
    pub end: String,
    pub end_iso: String,
    pub late: bool,
    pub budget: String,
    pub acquis: String,
    pub sollicite: String,
    pub indicators: Vec<IndicatorView>,
}

/// Where a fiche action lives (the plans feature's page).
pub fn action_href(action_id: i64) -> String {
    format!("/actions/{action_id}")
}

fn opt_decimal(x: Option<f64>) -> String {
    x.map(|x| format::decimal(x, 2))
        .unwrap_or_else(|| "—".into())
}

async fn maison_actions(
    state: &AppState,
    axis: &Axis,
    plan_id: i64,
    today: NaiveDate,
) -> sqlx::Result<(Vec<ActionData>, Vec<IndicatorData>)> {
    let actions: Vec<ActionData> = sqlx::query_as(
        "select a.id, a.number, a.title, a.status, a.progress, a.priority, s.name as sector, o.name as pilot,
                a.start_date, a.end_date,
                coalesce(a.end_date < $3 and a.status not in ('realisee', 'abandonnee'), false) as late,
                coalesce(f.total, 0) as budget, coalesce(f.acquis, 0) as acquis,
                coalesce(f.sollicite, 0) as sollicite
         from action a
         left join sector s on s.code = a.sector_code
         left join organisation o on o.id = a.pilot_organisation_id
         left join lateral (
             select sum(amount_cents)::bigint as total,
                    (sum(amount_cents) filter (where state = 'acquis'))::bigint as acquis,
                    (sum(amount_cents) filter (where state = 'sollicite'))::bigint as sollicite
             from action_funding where action_id = a.id
         ) f on true
         where a.plan_id = $1 and a.axis_id = $2
         order by a.number",
    )
    .bind(plan_id)
    .bind(axis.id)
    .bind(today)
    .fetch_all(&state.db)
    .await?;
    let indicators: Vec<IndicatorData> = sqlx::query_as(
        "select ai.action_id, ai.label, ai.unit, ai.target, ai.achieved, ai.year
         from action_indicator ai join action a on a.id = ai.action_id
         where a.plan_id = $1 and a.axis_id = $2
         order by ai.action_id, ai.position, ai.id",
    )
    .bind(plan_id)
    .bind(axis.id)
    .fetch_all(&state.db)
    .await?;
    Ok((actions, indicators))
}

fn action_views(actions: &[ActionData], indicators: Vec<IndicatorData>) -> Vec<ActionView> {
    let mut by_action: HashMap<i64, Vec<IndicatorView>> = HashMap::new();
    for i in indicators {
        by_action
            .entry(i.action_id)
            .or_default()
            .push(IndicatorView {
                label: i.label,
                achieved: opt_decimal(i.achieved),
                target: opt_decimal(i.target),
                unit: i.unit,
                year: i.year.map(|y| y.to_string()).unwrap_or_default(),
            });
    }
    actions
        .iter()
        .map(|a| ActionView {
            id: a.id,
            href: action_href(a.id),
            number: a.number,
            title: a.title.clone(),
            status: labels::action_status_label(&a.status),
            status_class: labels::action_status_badge(&a.status),
            progress: a.progress,
            priority: labels::priority_label(&a.priority),
            sector: a.sector.clone().unwrap_or_else(|| "—".into()),
            pilot: a.pilot.clone().unwrap_or_else(|| "—".into()),
            start: a.start_date.map(format::date).unwrap_or_else(|| "—".into()),
            end: a.end_date.map(format::date).unwrap_or_else(|| "—".into()),
            end_iso: a.end_date.map(|d| d.to_string()).unwrap_or_default(),
            late: a.late,
            budget: format::money(a.budget),
            acquis: format::money(a.acquis),
            sollicite: format::money(a.sollicite),
            indicators: by_action.remove(&a.id).unwrap_or_default(),
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct Comparison {
    maisons: i64,
    with_actions: i64,
    median_actions: Option<f64>,
    q1_actions: Option<f64>,
    q3_actions: Option<f64>,
    median_pct: Option<f64>,
    q1_pct: Option<f64>,
    q3_pct: Option<f64>,
    mean_progress: Option<f64>,
    fewer_actions: i64,
}

pub struct CompareRow {
    pub label: &'static str,
    pub own: String,
    pub median: String,
    pub quartiles: String,
}

/// The network on this axis, anonymous: over the latest validated plan of every other Maison, the
/// distribution of the number of actions and of the share réalisées.
async fn comparison(
    state: &AppState,
    axis: &Axis,
    maison_id: i64,
    own_actions: i64,
) -> sqlx::Result<Comparison> {
    sqlx::query_as(
        "with per as (
             select vp.maison_id, c.actions, c.realisees, c.progress
             from maison_validated_plan vp
             cross join lateral (
                 select count(*) as actions,
                        count(*) filter (where a.status = 'realisee') as realisees,
                        avg(a.progress) filter (where a.status <> 'abandonnee') as progress
                 from action a where a.plan_id = vp.plan_id and a.axis_id = $1
             ) c
             where vp.maison_id <> $2
         ),
         pct as (
             select actions, progress, realisees * 100.0 / nullif(actions, 0) as pct from per
         )
         select count(*) as maisons, count(*) filter (where actions > 0) as with_actions,
                percentile_cont(0.5) within group (order by actions) as median_actions,
                percentile_cont(0.25) within group (order by actions) as q1_actions,
                percentile_cont(0.75) within group (order by actions) as q3_actions,
                percentile_cont(0.5) within group (order by pct) as median_pct,
                percentile_cont(0.25) within group (order by pct) as q1_pct,
                percentile_cont(0.75) within group (order by pct) as q3_pct,
                avg(progress)::float8 as mean_progress,
                count(*) filter (where actions < $3) as fewer_actions
         from pct",
    )
    .bind(axis.id)
    .bind(maison_id)
    .bind(own_actions)
    .fetch_one(&state.db)
    .await
}

pub struct Summary {
    pub actions: Count,
    pub realisees: Count,
    pub late: Count,
    pub pct: String,
    pub budget: String,
    pub acquis: String,
    pub sollicite: String,
}

#[derive(Template)]
#[template(path = "axes/maison.html")]
struct MaisonAxisPage {
    ctx: Ctx,
    axis: Axis,
    maison: MaisonScope,
    plan_status: &'static str,
    actions: Vec<ActionView>,
    late: Vec<usize>,
    summary: Summary,
    compare: Vec<CompareRow>,
    compare_note: String,
    export_query: String,
    prev_next: (Option<i32>, Option<i32>),
}

#[derive(Template)]
#[template(path = "axes/choose.html")]
struct ChoosePage {
    ctx: Ctx,
    axis: Axis,
    maisons: Vec<PartneredMaison>,
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(number): Path<String>,
    Query(q): Query<AxisQuery>,
) -> AppResult<Response> {
    let requested = q.maison()?;
    // The policy first, so that a refused person learns nothing about which axes exist.
    policy::ensure(policy::reseau::axis_view(&user, requested).is_some())?;
    let axis = load_axis(&state, &number).await?;
    let scope = match resolve(&state, &user, requested).await? {
        Ok(Some(scope)) => scope,
        Ok(None) => {
            let programme = crate::reseau::Programme::parse(&q.programme);
            return network::page(&state, ctx, axis, programme).await;
        }
        Err(maisons) => {
            return Ok(Html(ChoosePage { ctx, axis, maisons }.render()?).into_response());
        }
    };
    let today = format::today();
    let (actions, indicators) = match &scope.plan {
        Some((plan_id, _, _)) => maison_actions(&state, &axis, *plan_id, today).await?,
        None => (Vec::new(), Vec::new()),
    };
    let summary = summary(&state, &axis, scope.plan.as_ref().map(|p| p.0), today).await?;
    // The network's distribution on this axis moves only with writes: kept in the network cache.
    let cmp = state
        .network_cache
        .get_or_compute(
            format!(
                "axe-comparaison/{}/{}/{}",
                axis.id,
                scope.id,
                summary.actions.get()
            ),
            || async { Ok(comparison(&state, &axis, scope.id, summary.actions.get()).await?) },
        )
        .await?;
    let own_pct = (summary.actions.get() > 0)
        .then(|| summary.realisees.get() as f64 * 100.0 / summary.actions.get() as f64);
    let pct = |x: Option<f64>| {
        x.map(|x| format!("{}\u{a0}%", format::decimal(x, 0)))
            .unwrap_or_else(|| "—".into())
    };
    let num = |x: Option<f64>| {
        x.map(|x| format::decimal(x, 1))
            .unwrap_or_else(|| "—".into())
    };
    let compare = vec![
        CompareRow {
            label: "Actions sous cet axe",
            own: summary.actions.to_string(),
            median: num(cmp.median_actions),
            quartiles: format!("{} – {}", num(cmp.q1_actions), num(cmp.q3_actions)),
        },
        CompareRow {
            label: "Part des actions réalisées",
            own: pct(own_pct),
            median: pct(cmp.median_pct),
            quartiles: format!("{} – {}", pct(cmp.q1_pct), pct(cmp.q3_pct)),
        },
    ];
    let (m, w, f) = (
        Count(cmp.maisons),
        Count(cmp.with_actions),
        Count(cmp.fewer_actions),
    );
    let compare_note = format!(
        "Comparaison avec {} dont le plan est validé ({w} {} au moins une action sous cet axe ; avancement moyen {}). {f} d'entre elles {} moins d'actions que vous sous cet axe.",
        m.with("autre Maison", "autres Maisons"),
        w.of("a", "ont"),
        pct(cmp.mean_progress),
        f.of("a", "ont"),
    );
    let views = action_views(&actions, indicators);
    let late = views
        .iter()
        .enumerate()
        .filter(|(_, a)| a.late)
        .map(|(i, _)| i)
        .collect();
    let plan_status = labels::plan_status_label(scope.plan.as_ref().map(|p| p.2.as_str()));
    let export_query = requested
        .map(|m| format!("?maison={m}"))
        .unwrap_or_default();
    let prev_next = neighbours(&state, axis.number).await?;
    Ok(Html(
        MaisonAxisPage {
            ctx,
            axis,
            maison: scope,
            plan_status,
            actions: views,
            late,
            summary,
            compare,
            compare_note,
            export_query,
            prev_next,
        }
        .render()?,
    )
    .into_response())
}

/// The numbers of the previous and next axes (reference data, kept in the network cache).
pub async fn neighbours(state: &AppState, number: i32) -> AppResult<(Option<i32>, Option<i32>)> {
    let pair = state
        .network_cache
        .get_or_compute(format!("axe-voisins/{number}"), || async {
            Ok(fetch_neighbours(state, number).await?)
        })
        .await?;
    Ok(*pair)
}

async fn fetch_neighbours(
    state: &AppState,
    number: i32,
) -> sqlx::Result<(Option<i32>, Option<i32>)> {
    sqlx::query_as(
        "select (select max(number) from axis where charter = $1 and number < $2),
                (select min(number) from axis where charter = $1 and number > $2)",
    )
    .bind(CURRENT_CHARTER)
    .bind(number)
    .fetch_one(&state.db)
    .await
}

#[derive(sqlx::FromRow)]
struct SummaryData {
    actions: i64,
    realisees: i64,
    late: i64,
    budget: i64,
    acquis: i64,
    sollicite: i64,
}

/// The Maison's totals on this axis, aggregated by PostgreSQL.
async fn summary(
    state: &AppState,
    axis: &Axis,
    plan_id: Option<i64>,
    today: NaiveDate,
) -> sqlx::Result<Summary> {
    let s: SummaryData = sqlx::query_as(
        "with ax as (select * from action a where a.plan_id = $1 and a.axis_id = $2),
         money as (
             select coalesce(sum(f.amount_cents), 0)::bigint as budget,
                    coalesce(sum(f.amount_cents) filter (where f.state = 'acquis'), 0)::bigint as acquis,
                    coalesce(sum(f.amount_cents) filter (where f.state = 'sollicite'), 0)::bigint as sollicite
             from action_funding f join ax on ax.id = f.action_id
         )
         select (select count(*) from ax) as actions,
                (select count(*) from ax where status = 'realisee') as realisees,
                (select count(*) from ax where end_date < $3 and status not in ('realisee', 'abandonnee')) as late,
                money.budget, money.acquis, money.sollicite
         from money",
    )
    .bind(plan_id)
    .bind(axis.id)
    .bind(today)
    .fetch_one(&state.db)
    .await?;
    Ok(Summary {
        actions: Count(s.actions),
        realisees: Count(s.realisees),
        late: Count(s.late),
        pct: format::percent(s.realisees, s.actions),
        budget: format::money(s.budget),
        acquis: format::money(s.acquis),
        sollicite: format::money(s.sollicite),
    })
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((number, format_name)): Path<(String, String)>,
    Query(q): Query<AxisQuery>,
) -> AppResult<Response> {
    let requested = q.maison()?;
    policy::ensure(policy::reseau::axis_view(&user, requested).is_some())?;
    let format = ExportFormat::parse(&format_name).ok_or(AppError::NotFound)?;
    let axis = load_axis(&state, &number).await?;
    let scope = match resolve(&state, &user, requested).await? {
        Ok(Some(scope)) => scope,
        Ok(None) => {
            let programme = crate::reseau::Programme::parse(&q.programme);
            return network::export(&state, &axis, format, programme).await;
        }
        Err(_) => return Err(AppError::NotFound),
    };
    let (actions, indicators) = match &scope.plan {
        Some((plan_id, _, _)) => maison_actions(&state, &axis, *plan_id, format::today()).await?,
        None => (Vec::new(), Vec::new()),
    };
    let mut by_action: HashMap<i64, Vec<String>> = HashMap::new();
    for i in &indicators {
        by_action.entry(i.action_id).or_default().push(format!(
            "{} : {} / {} {}{}",
            i.label,
            opt_decimal(i.achieved),
            opt_decimal(i.target),
            i.unit,
            i.year.map(|y| format!(" ({y})")).unwrap_or_default()
        ));
    }
    let mut table = Table::new(
        &format!("Axe {}", axis.number),
        &[
            "Maison",
            "N°",
            "Fiche action",
            "Statut",
            "Avancement (%)",
            "Priorité",
            "Filière",
            "Pilote",
            "Début",
            "Fin",
            "En retard",
            "Budget (€)",
            "Acquis (€)",
            "Sollicité (€)",
            "Indicateurs (réalisé / cible)",
        ],
    );
    for a in &actions {
        table.rows.push(vec![
            Cell::text(&scope.name),
            Cell::Int(a.number.into()),
            Cell::text(&a.title),
            Cell::text(labels::action_status_label(&a.status)),
            Cell::Int(a.progress.into()),
            Cell::text(labels::priority_label(&a.priority)),
            Cell::text(a.sector.clone().unwrap_or_default()),
            Cell::text(a.pilot.clone().unwrap_or_default()),
            Cell::opt_date(a.start_date),
            Cell::opt_date(a.end_date),
            Cell::text(if a.late { "oui" } else { "non" }),
            Cell::Money(a.budget),
            Cell::Money(a.acquis),
            Cell::Money(a.sollicite),
            Cell::text(by_action.remove(&a.id).unwrap_or_default().join(" ; ")),
        ]);
    }
    table.respond(format, &format!("axe-{}-maison-{}", axis.number, scope.id))
}
