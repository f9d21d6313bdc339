//! The Maison view of an axis: its actions under the axis in the plan it shows (status, progress, budget,
//! indicators, what is late), its totals, and how it compares with the network's validated plans.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;

use super::scope::{ChoosePage, MaisonScope, resolve};
use super::{Axis, AxisQuery, action_href, load_axis, neighbours, network};
use crate::auth::policy;
use crate::domain::labels;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::format::Count;
use crate::web::{Ctx, Signed, format};

#[derive(sqlx::FromRow)]
pub(super) struct ActionData {
    pub(super) id: i64,
    pub(super) number: i32,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) progress: i32,
    pub(super) priority: String,
    pub(super) sector: Option<String>,
    pub(super) pilot: Option<String>,
    pub(super) start_date: Option<NaiveDate>,
    pub(super) end_date: Option<NaiveDate>,
    pub(super) late: bool,
    pub(super) budget: i64,
    pub(super) acquis: i64,
    pub(super) sollicite: i64,
}

#[derive(sqlx::FromRow)]
pub(super) struct IndicatorData {
    pub(super) action_id: i64,
    pub(super) label: String,
    pub(super) unit: String,
    pub(super) target: Option<f64>,
    pub(super) achieved: Option<f64>,
    pub(super) year: Option<i32>,
}

pub struct IndicatorView {
    pub label: String,
    pub achieved: String,
    pub target: String,
    pub unit: String,
    pub year: String,
}

pub struct ActionView {
    pub href: String,
    pub number: i32,
    pub title: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub progress: i32,
    pub priority: &'static str,
    pub sector: String,
    pub pilot: String,
    pub end: String,
    pub end_iso: String,
    pub late: bool,
    pub budget: String,
    pub acquis: String,
    pub indicators: Vec<IndicatorView>,
}

pub(super) fn opt_decimal(x: Option<f64>) -> String {
    x.map(|x| format::decimal(x, 2))
        .unwrap_or_else(|| "—".into())
}

pub(super) async fn maison_actions(
    state: &AppState,
    axis: &Axis,
    plan_id: i64,
    today: NaiveDate,
) -> sqlx::Result<(Vec<ActionData>, Vec<IndicatorData>)> {
    let actions: Vec<ActionData> = sqlx::query_as(
        "select a.id, a.number, a.title, a.status, a.progress, a.priority, s.name as sector,
                case when a.pilot_maison then m.name else o.name end as pilot,
                a.start_date, a.end_date,
                coalesce(a.end_date < $3 and a.status not in ('realisee', 'abandonnee'), false) as late,
                coalesce(f.total, 0) as budget, coalesce(f.acquis, 0) as acquis,
                coalesce(f.sollicite, 0) as sollicite
         from action a
         left join sector s on s.code = a.sector_code
         left join organisation o on o.id = a.pilot_organisation_id
         join plan p on p.id = a.plan_id
         join maison m on m.id = p.maison_id
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
            href: action_href(a.id),
            number: a.number,
            title: a.title.clone(),
            status: labels::action_status_label(&a.status),
            status_class: labels::action_status_badge(&a.status),
            progress: a.progress,
            priority: labels::priority_label(&a.priority),
            sector: a.sector.clone().unwrap_or_else(|| "—".into()),
            pilot: a.pilot.clone().unwrap_or_else(|| "—".into()),
            end: a.end_date.map(format::date).unwrap_or_else(|| "—".into()),
            end_iso: a.end_date.map(|d| d.to_string()).unwrap_or_default(),
            late: a.late,
            budget: format::money(a.budget),
            acquis: format::money(a.acquis),
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

pub(super) async fn page(
    Signed { state, user, ctx }: Signed,
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
    let cmp = network_comparison(&state, &axis, scope.id, summary.actions.get()).await?;
    let (compare, compare_note) = compare_rows(&cmp, &summary);
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

/// The network's distribution on this axis, kept in the network cache (it moves only with writes).
async fn network_comparison(
    state: &AppState,
    axis: &Axis,
    maison_id: i64,
    own_actions: i64,
) -> AppResult<std::sync::Arc<Comparison>> {
    state
        .network_cache
        .get_or_compute(
            format!("axe-comparaison/{}/{maison_id}/{own_actions}", axis.id),
            || async { Ok(comparison(state, axis, maison_id, own_actions).await?) },
        )
        .await
}

/// The Maison beside the network's median and quartiles, and the sentence that says against whom.
fn compare_rows(cmp: &Comparison, summary: &Summary) -> (Vec<CompareRow>, String) {
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
    (compare, compare_note)
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
