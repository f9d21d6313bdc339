//! `/reseau/grenelle`: the roll-up of the programme « Maisons de l'emploi et développement durable » for
//! ADEME and AVE — for a chosen year, the achieved indicators of the programme Maisons' actions (current
//! plans) totalled by sector and by funder, and the funding of those actions.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::auth::{CurrentUser, policy};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Ctx, format};

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    annee: String,
}

#[derive(sqlx::FromRow)]
struct IndicatorTotal {
    group_label: String,
    label: String,
    unit: String,
    actions: i64,
    maisons: i64,
    target: Option<f64>,
    achieved: Option<f64>,
}

pub struct TotalRow {
    pub group: String,
    pub label: String,
    pub unit: String,
    pub actions: String,
    pub maisons: String,
    pub target: String,
    pub achieved: String,
}

#[derive(sqlx::FromRow)]
struct FundingTotal {
    funder: String,
    actions: i64,
    acquis: i64,
    sollicite: i64,
}

pub struct FundingRow {
    pub funder: String,
    pub actions: String,
    pub acquis: String,
    pub sollicite: String,
}

#[derive(Template)]
#[template(path = "reseau/grenelle.html")]
struct GrenellePage {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    maisons: String,
    by_sector: Vec<TotalRow>,
    by_funder: Vec<TotalRow>,
    funding: Vec<FundingRow>,
}

/// Actions of the programme Maisons' current plans that carry an indicator for year $1.
const PROGRAMME_ACTIONS: &str = "
    prog as (
        select a.id, a.sector_code, cp.maison_id
        from maison m
        join maison_current_plan cp on cp.maison_id = m.id
        join action a on a.plan_id = cp.plan_id
        where m.grenelle_year is not null
    ),
    ind as (
        select prog.*, ai.label, ai.unit, ai.target, ai.achieved
        from prog join action_indicator ai on ai.action_id = prog.id
        where ai.year = $1
    )";

fn rows(data: Vec<IndicatorTotal>) -> Vec<TotalRow> {
    let show = |x: Option<f64>| {
        x.map(|x| format::decimal(x, 2))
            .unwrap_or_else(|| "—".into())
    };
    data.into_iter()
        .map(|t| TotalRow {
            group: t.group_label,
            label: t.label,
            unit: t.unit,
            actions: format::int(t.actions),
            maisons: format::int(t.maisons),
            target: show(t.target),
            achieved: show(t.achieved),
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    policy::ensure(policy::reseau::can_view_network(&user))?;
    let years: Vec<i32> = sqlx::query_scalar(
        "select distinct ai.year from action_indicator ai where ai.year is not null order by 1 desc limit 30",
    )
    .fetch_all(&state.db)
    .await?;
    // The report opens on the last complete year: later years hold targets, not results.
    let last_complete = chrono::Datelike::year(&format::today()) - 1;
    let year = q
        .annee
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(last_complete);
    let maisons: i64 =
        sqlx::query_scalar("select count(*) from maison where grenelle_year is not null")
            .fetch_one(&state.db)
            .await?;
    let by_sector: Vec<IndicatorTotal> = sqlx::query_as(&format!(
        "with {PROGRAMME_ACTIONS}
         select coalesce(s.name, 'Filière non renseignée') as group_label, ind.label, ind.unit,
                count(distinct ind.id) as actions, count(distinct ind.maison_id) as maisons,
                sum(ind.target) as target, sum(ind.achieved) as achieved
         from ind left join sector s on s.code = ind.sector_code
         group by s.position, s.name, ind.label, ind.unit
         order by s.position nulls last, ind.label, ind.unit"
    ))
    .bind(year)
    .fetch_all(&state.db)
    .await?;
    // An action with several lines from one funder counts once for that funder.
    let by_funder: Vec<IndicatorTotal> = sqlx::query_as(&format!(
        "with {PROGRAMME_ACTIONS},
         funders as (select distinct action_id, funder from action_funding)
         select f.funder as group_label, ind.label, ind.unit,
                count(distinct ind.id) as actions, count(distinct ind.maison_id) as maisons,
                sum(ind.target) as target, sum(ind.achieved) as achieved
         from ind join funders f on f.action_id = ind.id
         group by f.funder, ind.label, ind.unit
         order by f.funder, ind.label, ind.unit"
    ))
    .bind(year)
    .fetch_all(&state.db)
    .await?;
    let funding: Vec<FundingTotal> = sqlx::query_as(&format!(
        "with {PROGRAMME_ACTIONS}
         select f.funder, count(distinct f.action_id) as actions,
                coalesce(sum(f.amount_cents) filter (where f.state = 'acquis'), 0)::bigint as acquis,
                coalesce(sum(f.amount_cents) filter (where f.state = 'sollicite'), 0)::bigint as sollicite
         from action_funding f
         where f.action_id in (select id from ind)
         group by f.funder order by acquis desc, f.funder"
    ))
    .bind(year)
    .fetch_all(&state.db)
    .await?;
    let mut years = years;
    if !years.contains(&year) {
        years.push(year);
        years.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(Html(
        GrenellePage {
            ctx,
            year,
            years,
            maisons: format::int(maisons),
            by_sector: rows(by_sector),
            by_funder: rows(by_funder),
            funding: funding
                .into_iter()
                .map(|f| FundingRow {
                    funder: f.funder,
                    actions: format::int(f.actions),
                    acquis: format::money(f.acquis),
                    sollicite: format::money(f.sollicite),
                })
                .collect(),
        }
        .render()?,
    )
    .into_response())
}
