//! `/reseau/grenelle`: the report of the programme « Maisons de l'emploi et développement durable » that
//! AVE sends to ADEME. For one year (the last complete one by default) and the programme Maisons' current
//! plans (`maison_current_plan`):
//!
//! - the results of the actions' indicators that come from the catalogue and add up (an « effectif »),
//!   summed over the programme, by region, by axis and by sector, and year by year; the lines typed as free
//!   text (or rates) are listed apart, never summed;
//! - the funding of the actions run that year, by funder of the organisation directory; funders typed as
//!   free text are listed apart (« Région » typed by hand is not « Région Hauts-de-France »).
//!
//! The figures are the same for every admin: they are kept in the network cache under the year, and the
//! XLSX export (`/reseau/grenelle/export.xlsx`) writes the same data, one sheet per table.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use sqlx::PgPool;

use crate::auth::{CurrentUser, policy};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::export::{Cell, ExportFormat, Table, attachment, workbook};
use crate::web::format::Count;
use crate::web::{Ctx, Signed, format};

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    annee: String,
}

impl YearQuery {
    /// The year asked for, else the last complete year: later years hold targets, not results.
    fn year(&self) -> i32 {
        let last_complete = chrono::Datelike::year(&format::today()) - 1;
        self.annee
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or(last_complete)
    }
}

/// One line of a results table: a group (a region, an axis, a sector, a year) and a catalogue indicator.
#[derive(sqlx::FromRow, Clone)]
pub struct ResultRow {
    dim: String,
    pub group: String,
    pub indicator: String,
    pub unit: String,
    pub actions: i64,
    pub maisons: i64,
    pub target: Option<f64>,
    pub achieved: Option<f64>,
}

impl ResultRow {
    pub fn target_text(&self) -> String {
        number(self.target)
    }
    pub fn achieved_text(&self) -> String {
        number(self.achieved)
    }
}

fn number(x: Option<f64>) -> String {
    x.map(|x| format::decimal(x, 2))
        .unwrap_or_else(|| "—".into())
}

/// An indicator line that is not summed: typed as free text, or a catalogue rate.
#[derive(sqlx::FromRow)]
pub struct LooseLine {
    pub label: String,
    pub unit: String,
    pub from_catalogue: bool,
    pub actions: i64,
    pub maisons: i64,
}

/// A funder and the money of the year's actions it funds.
#[derive(sqlx::FromRow)]
pub struct FunderRow {
    pub organisation_id: Option<i64>,
    pub funder: String,
    pub kind: Option<String>,
    pub actions: i64,
    pub maisons: i64,
    pub acquis: i64,
    pub sollicite: i64,
}

impl FunderRow {
    pub fn acquis_text(&self) -> String {
        format::money(self.acquis)
    }
    pub fn sollicite_text(&self) -> String {
        format::money(self.sollicite)
    }
    pub fn total_text(&self) -> String {
        format::money(self.acquis + self.sollicite)
    }
}

#[derive(sqlx::FromRow)]
struct Head {
    maisons: i64,
    maisons_with: i64,
    actions_with: i64,
    actions_run: i64,
}

/// Everything the report shows, for one year.
pub struct Report {
    pub year: i32,
    pub years: Vec<i32>,
    pub maisons: Count,
    pub maisons_with: Count,
    pub actions_with: Count,
    pub actions_run: Count,
    pub totals: Vec<ResultRow>,
    pub by_region: Vec<ResultRow>,
    pub by_axis: Vec<ResultRow>,
    pub by_sector: Vec<ResultRow>,
    pub by_year: Vec<ResultRow>,
    pub loose: Vec<LooseLine>,
    pub directory: Vec<FunderRow>,
    pub free_text: Vec<FunderRow>,
}

/// The programme Maisons' current plans' actions, with the years each one runs ($1 is the year): from its
/// start date's year (else its plan's first year) to its end date's (else its plan's last).
const PROGRAMME: &str = "
    prog as (
        select a.id, a.axis_id, a.sector_code, m.id as maison_id, m.region_code,
               coalesce(extract(year from a.start_date)::int, p.start_year) as from_year,
               coalesce(extract(year from a.end_date)::int, p.end_year) as to_year
        from maison m
        join maison_current_plan cp on cp.maison_id = m.id
        join plan p on p.id = cp.plan_id
        join action a on a.plan_id = p.id
        where m.grenelle_year is not null
    )";

/// How many lines of loose indicators the page lists.
const LOOSE_SHOWN: i64 = 100;

/// Every result in one pass: grouping sets by (year), (year, region), (year, axis), (year, sector), each
/// with the indicator; the year's groups, and every year's programme totals (`dim` says which).
async fn results(db: &PgPool, year: i32) -> sqlx::Result<Vec<ResultRow>> {
    sqlx::query_as(&format!(
        "with {PROGRAMME},
         res as (
             select prog.id, prog.maison_id, prog.region_code, prog.axis_id, prog.sector_code,
                    r.indicator_id, r.year, r.target, r.achieved
             from prog
             join action_result r on r.action_id = prog.id
             join indicator i on i.id = r.indicator_id and i.measure = 'effectif'
         ),
         g as (
             select case when grouping(res.region_code) = 0 then 'region'
                         when grouping(res.axis_id) = 0 then 'axis'
                         when grouping(res.sector_code) = 0 then 'sector'
                         else 'year' end as dim,
                    res.year, res.region_code, res.axis_id, res.sector_code, res.indicator_id,
                    count(distinct res.id) as actions, count(distinct res.maison_id) as maisons,
                    sum(res.target) as target, sum(res.achieved) as achieved
             from res
             group by grouping sets ((res.year, res.indicator_id),
                                     (res.year, res.region_code, res.indicator_id),
                                     (res.year, res.axis_id, res.indicator_id),
                                     (res.year, res.sector_code, res.indicator_id))
         )
         select g.dim,
                case g.dim when 'region' then coalesce(r.name, 'Région non renseignée')
                           when 'axis' then 'Axe ' || ax.number || ' – ' || ax.short_title
                           when 'sector' then coalesce(s.name, 'Filière non renseignée')
                           else g.year::text end as group,
                i.label as indicator, i.unit, g.actions, g.maisons, g.target, g.achieved
         from g
         join indicator i on i.id = g.indicator_id
         left join region r on g.dim = 'region' and r.code = g.region_code
         left join axis ax on g.dim = 'axis' and ax.id = g.axis_id
         left join sector s on g.dim = 'sector' and s.code = g.sector_code
         where g.dim = 'year' or g.year = $1
         order by g.dim, r.name, ax.number, s.position nulls last, g.year desc, i.label, i.id"
    ))
    .bind(year)
    .persistent(false)
    .fetch_all(db)
    .await
}

/// The report's headline counts: the programme's Maisons, those and the actions with a result summed
/// that year, the actions run that year.
async fn head(db: &PgPool, year: i32) -> sqlx::Result<Head> {
    sqlx::query_as(&format!(
        "with {PROGRAMME},
         summed as (
             select prog.id, prog.maison_id from prog
             join action_result r on r.action_id = prog.id and r.year = $1 and r.achieved is not null
             join indicator i on i.id = r.indicator_id and i.measure = 'effectif'
         )
         select (select count(*) from maison where grenelle_year is not null) as maisons,
                (select count(distinct maison_id) from summed) as maisons_with,
                (select count(distinct id) from summed) as actions_with,
                (select count(*) from prog where from_year <= $1 and to_year >= $1) as actions_run"
    ))
    .bind(year)
    .persistent(false)
    .fetch_one(db)
    .await
}

/// The indicator lines of the year that are not summed, the most used first.
async fn loose(db: &PgPool, year: i32) -> sqlx::Result<Vec<LooseLine>> {
    sqlx::query_as(&format!(
        "with {PROGRAMME}
         select coalesce(i.label, r.label) as label, coalesce(i.unit, r.unit) as unit,
                i.id is not null as from_catalogue,
                count(distinct prog.id) as actions, count(distinct prog.maison_id) as maisons
         from prog
         join action_indicator r on r.action_id = prog.id and r.year = $1
         left join indicator i on i.id = r.indicator_id
         where i.id is null or i.measure <> 'effectif'
         group by 1, 2, 3
         order by 4 desc, 1, 2
         limit $2"
    ))
    .bind(year)
    .bind(LOOSE_SHOWN)
    .persistent(false)
    .fetch_all(db)
    .await
}

/// The funders of the actions run that year, the largest first.
async fn funders(db: &PgPool, year: i32) -> sqlx::Result<Vec<FunderRow>> {
    sqlx::query_as(&format!(
        "with {PROGRAMME}
         select f.organisation_id, coalesce(o.name, btrim(f.funder)) as funder, t.name as kind,
                count(distinct f.action_id) as actions, count(distinct prog.maison_id) as maisons,
                coalesce(sum(f.amount_cents) filter (where f.state = 'acquis'), 0)::bigint as acquis,
                coalesce(sum(f.amount_cents) filter (where f.state = 'sollicite'), 0)::bigint as sollicite
         from prog
         join action_funding f on f.action_id = prog.id
         left join organisation o on o.id = f.organisation_id
         left join partner_type t on t.code = o.type_code
         where prog.from_year <= $1 and prog.to_year >= $1
         group by f.organisation_id, 2, t.name
         order by sum(f.amount_cents) desc, 2, f.organisation_id"
    ))
    .bind(year)
    .persistent(false)
    .fetch_all(db)
    .await
}

/// The years the report may be asked for (those with results, and the one shown), latest first.
async fn years(db: &PgPool, year: i32) -> sqlx::Result<Vec<i32>> {
    let mut years: Vec<i32> =
        sqlx::query_scalar("select distinct year from action_result order by 1 desc limit 30")
            .fetch_all(db)
            .await?;
    if !years.contains(&year) {
        years.push(year);
        years.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(years)
}

/// The results' rows split by their `dim`: (by region, by axis, by sector, by year).
type ByDim = (
    Vec<ResultRow>,
    Vec<ResultRow>,
    Vec<ResultRow>,
    Vec<ResultRow>,
);

fn by_dim(rows: Vec<ResultRow>) -> ByDim {
    let mut split: ByDim = Default::default();
    for r in rows {
        match r.dim.as_str() {
            "region" => split.0.push(r),
            "axis" => split.1.push(r),
            "sector" => split.2.push(r),
            _ => split.3.push(r),
        }
    }
    split
}

async fn compute(state: &AppState, year: i32) -> AppResult<Report> {
    let db = &state.db;
    let (by_region, by_axis, by_sector, by_year) = by_dim(results(db, year).await?);
    let head = head(db, year).await?;
    let loose = loose(db, year).await?;
    let (directory, free_text) = funders(db, year)
        .await?
        .into_iter()
        .partition(|f| f.organisation_id.is_some());
    let this_year = year.to_string();
    let totals = by_year
        .iter()
        .filter(|r| r.group == this_year)
        .cloned()
        .collect();
    Ok(Report {
        year,
        years: years(db, year).await?,
        maisons: Count(head.maisons),
        maisons_with: Count(head.maisons_with),
        actions_with: Count(head.actions_with),
        actions_run: Count(head.actions_run),
        totals,
        by_region,
        by_axis,
        by_sector,
        by_year,
        loose,
        directory,
        free_text,
    })
}

/// The report for the year asked, from the network cache: its key holds the year, the only input (the
/// Maisons are the programme's, the plans their current ones).
async fn report(state: &AppState, q: &YearQuery) -> AppResult<std::sync::Arc<Report>> {
    let year = q.year();
    state
        .network_cache
        .get_or_compute(format!("reseau/grenelle?annee={year}"), || {
            compute(state, year)
        })
        .await
}

#[derive(Template)]
#[template(path = "reseau/grenelle.html")]
struct GrenellePage {
    ctx: Ctx,
    r: std::sync::Arc<Report>,
}

pub async fn page(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    policy::ensure(policy::reseau::can_view_network(&user))?;
    let r = report(&state, &q).await?;
    Ok(Html(GrenellePage { ctx, r }.render()?).into_response())
}

const RESULT_HEADERS: [&str; 6] = [
    "Indicateur",
    "Unité",
    "Actions",
    "Maisons",
    "Cible",
    "Réalisé",
];

fn result_table(name: &str, group: Option<&str>, rows: &[ResultRow]) -> Table {
    let headers: Vec<&str> = group
        .into_iter()
        .chain(RESULT_HEADERS.iter().copied())
        .collect();
    let mut t = Table::new(name, &headers);
    for r in rows {
        let mut cells = Vec::with_capacity(7);
        if group.is_some() {
            cells.push(match r.group.parse::<i64>() {
                Ok(y) if r.dim == "year" => Cell::Int(y),
                _ => Cell::text(&r.group),
            });
        }
        cells.extend([
            Cell::text(&r.indicator),
            Cell::text(&r.unit),
            Cell::Int(r.actions),
            Cell::Int(r.maisons),
            Cell::opt_decimal(r.target),
            Cell::opt_decimal(r.achieved),
        ]);
        t.rows.push(cells);
    }
    t
}

fn funder_table(name: &str, rows: &[FunderRow], with_kind: bool) -> Table {
    let mut headers = vec!["Financeur"];
    if with_kind {
        headers.extend(["N° dans l'annuaire", "Type"]);
    }
    headers.extend([
        "Actions",
        "Maisons",
        "Acquis (€)",
        "Sollicité (€)",
        "Total (€)",
    ]);
    let mut t = Table::new(name, &headers);
    for f in rows {
        let mut cells = vec![Cell::text(&f.funder)];
        if with_kind {
            cells.push(f.organisation_id.map(Cell::Int).unwrap_or(Cell::Empty));
            cells.push(Cell::text(f.kind.as_deref().unwrap_or("")));
        }
        cells.extend([
            Cell::Int(f.actions),
            Cell::Int(f.maisons),
            Cell::Money(f.acquis),
            Cell::Money(f.sollicite),
            Cell::Money(f.acquis + f.sollicite),
        ]);
        t.rows.push(cells);
    }
    t
}

/// The report as a workbook: one sheet per table of the page.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    policy::ensure(policy::reseau::can_view_network(&user))?;
    let r = report(&state, &q).await?;
    let y = r.year;
    let tables = [
        result_table(&format!("Résultats {y}"), None, &r.totals),
        result_table("Par région", Some("Région"), &r.by_region),
        result_table("Par axe", Some("Axe"), &r.by_axis),
        result_table("Par filière", Some("Filière"), &r.by_sector),
        result_table("Par année", Some("Année"), &r.by_year),
        funder_table("Financeurs de l'annuaire", &r.directory, true),
        funder_table("Financeurs en texte libre", &r.free_text, false),
    ];
    let bytes = workbook(&tables)?;
    Ok(attachment(
        bytes,
        ExportFormat::Xlsx,
        &format!("bilan-programme-grenelle-{y}"),
    ))
}
