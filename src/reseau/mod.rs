//! The network: the AVE dashboard `/reseau` (every Maison as a row, totals, a tile map of the regions and
//! charts), its exports, the indicator comparison `/comparaison` and the Grenelle roll-up
//! `/reseau/grenelle`.
//!
//! Speed (DESIGN.md section 6: 2,050 Maisons under 100 ms): every figure is one SQL aggregate over the
//! Maisons' current plans, never rows loaded into Rust. The page is three statements: the rows (with the
//! totals as window aggregates over the filtered set, before `limit`), the map and charts (regions, axes
//! and sectors in one statement with grouping sets), and the list of regions for the filter. They lean on
//! the covering index `action_plan_cover_idx` (a plan's actions, read index-only),
//! `plan_current_idx`/`diagnostic_maison_created_idx` (the current plan, by the one rule of `maison_current_plan`, and the latest diagnostic of each Maison)
//! and `event_maison_idx` (last activity, one index probe per Maison). The figures are the same for every admin:
//! they are kept in the network cache (`crate::cache`: dropped at the commit of any write of the network,
//! in every process, and after 30 s at most for the clock-dependent ones), so the statements run once per
//! change, not once per request. Measured in BENCHMARKS.md.

pub mod charts;
pub mod compare;
pub mod grenelle;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::auth::{CurrentUser, policy};
use crate::domain::labels;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format::Count;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, format, url_encode};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reseau", get(dashboard))
        .route("/reseau/export/{format}", get(export_table))
        .route("/reseau/grenelle", get(grenelle::page))
        .route("/reseau/grenelle/export.xlsx", get(grenelle::export))
        .route("/comparaison", get(compare::page))
}

pub const PAGE_SIZE: i64 = 50;

/// Which Maisons the network's figures cover: by default the Grenelle programme's (the Maisons AVE
/// follows and reports on), else those outside it or the whole network, one click away. Kept in the
/// query string (`programme=grenelle|hors|tous`) and in every cache key of these figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Programme {
    #[default]
    Grenelle,
    Hors,
    Tous,
}

impl Programme {
    /// Anything else than `hors` or `tous` is the default.
    pub fn parse(s: &str) -> Programme {
        match s.trim() {
            "hors" => Programme::Hors,
            "tous" => Programme::Tous,
            _ => Programme::Grenelle,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Programme::Grenelle => "grenelle",
            Programme::Hors => "hors",
            Programme::Tous => "tous",
        }
    }
    /// The value bound for `($n::text is null or ($n = 'grenelle') = (m.grenelle_year is not null))`.
    pub fn sql(self) -> Option<&'static str> {
        match self {
            Programme::Grenelle => Some("grenelle"),
            Programme::Hors => Some("hors"),
            Programme::Tous => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Programme::Grenelle => "Maisons du programme Grenelle",
            Programme::Hors => "Maisons hors programme Grenelle",
            Programme::Tous => "tout le réseau",
        }
    }
    pub const ALL: [Programme; 3] = [Programme::Grenelle, Programme::Hors, Programme::Tous];
}

/// The filters of the dashboard, as typed in the query string (empty means « tous »).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub programme: String,
    #[serde(default)]
    pub phase: String,
    #[serde(default)]
    pub inactif: String,
    #[serde(default)]
    pub tri: String,
    #[serde(default)]
    pub ordre: String,
    #[serde(default)]
    pub page: String,
}

impl Filters {
    fn region(&self) -> Option<&str> {
        Some(self.region.trim()).filter(|s| !s.is_empty() && s.len() <= 3)
    }
    fn programme(&self) -> Programme {
        Programme::parse(&self.programme)
    }
    fn phase(&self) -> Option<&str> {
        labels::PHASES
            .iter()
            .copied()
            .find(|p| *p == self.phase.as_str())
    }
    fn inactive(&self) -> bool {
        !self.inactif.is_empty()
    }
    fn pager(&self) -> Pager {
        Pager::parse(&self.page, PAGE_SIZE)
    }
    fn descending(&self) -> bool {
        self.ordre == "desc"
    }
    /// The ORDER BY of the rows: chosen among fixed strings, never built from the request.
    fn order_by(&self) -> &'static str {
        match (self.tri.as_str(), self.descending()) {
            ("region", false) => "region asc, sort_key asc, id",
            ("region", true) => "region desc, sort_key asc, id",
            ("phase", false) => "phase_rank asc, sort_key asc, id",
            ("phase", true) => "phase_rank desc, sort_key asc, id",
            ("realisees", false) => "pct_realisees asc nulls first, sort_key asc, id",
            ("realisees", true) => "pct_realisees desc nulls last, sort_key asc, id",
            ("retard", false) => "late asc, sort_key asc, id",
            ("retard", true) => "late desc, sort_key asc, id",
            ("activite", false) => "last_activity asc nulls first, sort_key asc, id",
            ("activite", true) => "last_activity desc nulls last, sort_key asc, id",
            (_, true) => "sort_key desc, id",
            _ => "sort_key asc, id",
        }
    }
    /// The query string of these filters (without sort and page), for links.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.region() {
            parts.push(format!("region={}", url_encode(r)));
        }
        parts.push(format!("programme={}", self.programme().code()));
        if let Some(p) = self.phase() {
            parts.push(format!("phase={p}"));
        }
        if self.inactive() {
            parts.push("inactif=1".to_owned());
        }
        parts.join("&")
    }
    fn query_with_sort(&self) -> String {
        let mut q = self.query();
        if !self.tri.is_empty() {
            let tri: String = self
                .tri
                .chars()
                .filter(|c| c.is_ascii_alphabetic())
                .collect();
            q = join_query(&q, &format!("tri={tri}"));
            if self.descending() {
                q = join_query(&q, "ordre=desc");
            }
        }
        q
    }
}

fn join_query(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_owned()
    } else {
        format!("{a}&{b}")
    }
}

/// The Maisons the filters keep ($1 region, $2 programme, $3 phase, $4 inactive for 90 days), their phase
/// and their current plan's action counts ($5 today, for late actions). Shared by the table, the map and
/// the charts so that they always agree.
const FILTERED: &str = "
    sel as (
        select m.id, m.name, m.sort_key, m.region_code, m.grenelle_year, ph.phase
        from maison m
        join maison_phase ph on ph.maison_id = m.id
        where ($1::text is null or m.region_code = $1)
          and ($2::text is null or ($2 = 'grenelle') = (m.grenelle_year is not null))
          and ($3::text is null or ph.phase = $3)
          and (not $4 or not exists (
                select 1 from event e where e.maison_id = m.id and e.at > now() - interval '90 days'))
    ),
    act as (
        select a.id, a.axis_id, a.sector_code, a.status, a.progress, cp.maison_id,
               coalesce(a.end_date < $5 and a.status not in ('realisee', 'abandonnee'), false) as is_late
        from sel
        join maison_current_plan cp on cp.maison_id = sel.id
        join action a on a.plan_id = cp.plan_id
    )";

#[derive(sqlx::FromRow)]
struct RowData {
    id: i64,
    name: String,
    region: String,
    grenelle_year: Option<i32>,
    phase: String,
    diagnostic_status: Option<String>,
    plan_status: Option<String>,
    a_lancer: i64,
    en_cours: i64,
    en_pause: i64,
    realisees: i64,
    abandonnees: i64,
    actions: i64,
    pct_realisees: Option<f64>,
    late: i64,
    last_activity: Option<DateTime<Utc>>,
    total_rows: i64,
    total_actions: i64,
    total_realisees: i64,
    total_late: i64,
    total_inactive: i64,
    total_grenelle: i64,
}

async fn fetch_rows(
    state: &AppState,
    f: &Filters,
    today: NaiveDate,
    limit: Option<(i64, i64)>,
) -> sqlx::Result<Vec<RowData>> {
    let sql = format!(
        "with {FILTERED},
        counts as (
            select maison_id,
                   count(*) filter (where status = 'a_lancer') as a_lancer,
                   count(*) filter (where status = 'en_cours') as en_cours,
                   count(*) filter (where status = 'en_pause') as en_pause,
                   count(*) filter (where status = 'realisee') as realisees,
                   count(*) filter (where status = 'abandonnee') as abandonnees,
                   count(*) as actions,
                   count(*) filter (where is_late) as late
            from act group by maison_id
        ),
        rows as (
            select sel.id, sel.name, sel.sort_key, r.name as region, sel.grenelle_year, sel.phase,
                   array_position(array['mobilisation','diagnostic','plan','mise_en_oeuvre','evaluation'],
                                  sel.phase) as phase_rank,
                   cd.status as diagnostic_status, cp.status as plan_status,
                   coalesce(c.a_lancer, 0) as a_lancer, coalesce(c.en_cours, 0) as en_cours,
                   coalesce(c.en_pause, 0) as en_pause, coalesce(c.realisees, 0) as realisees,
                   coalesce(c.abandonnees, 0) as abandonnees, coalesce(c.actions, 0) as actions,
                   (c.realisees * 100.0 / nullif(c.actions, 0))::float8 as pct_realisees,
                   coalesce(c.late, 0) as late,
                   (select max(e.at) from event e where e.maison_id = sel.id) as last_activity
            from sel
            join region r on r.code = sel.region_code
            left join maison_current_diagnostic cd on cd.maison_id = sel.id
            left join maison_current_plan cp on cp.maison_id = sel.id
            left join counts c on c.maison_id = sel.id
        )
        select *, count(*) over () as total_rows,
               sum(actions) over ()::bigint as total_actions,
               sum(realisees) over ()::bigint as total_realisees,
               sum(late) over ()::bigint as total_late,
               count(*) filter (where last_activity is null or last_activity < now() - interval '90 days')
                   over () as total_inactive,
               count(*) filter (where grenelle_year is not null) over () as total_grenelle
        from rows
        order by {}
        limit $6 offset $7",
        f.order_by()
    );
    let (limit, offset) = limit.unwrap_or((i64::MAX, 0));
    // Not a prepared statement kept per connection: after five runs PostgreSQL may switch it to a generic
    // plan, which cannot drop the `$n is null or …` filters and took 1.6 s instead of 55 ms at 10 × the
    // network (bench, /reseau right after a write). The same for every list with optional filters.
    sqlx::query_as(&sql)
        .persistent(false)
        .bind(f.region())
        .bind(f.programme().sql())
        .bind(f.phase())
        .bind(f.inactive())
        .bind(today)
        .bind(limit)
        .bind(offset)
        .fetch_all(&state.db)
        .await
}

pub struct Row {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub grenelle: String,
    pub phase: &'static str,
    pub diagnostic: &'static str,
    pub plan: &'static str,
    pub a_lancer: i64,
    pub en_cours: i64,
    pub en_pause: i64,
    pub realisees: i64,
    pub abandonnees: i64,
    pub actions: i64,
    pub pct: String,
    pub pct_value: Option<f64>,
    pub late: i64,
    pub last_activity: String,
    pub last_activity_iso: String,
}

impl From<&RowData> for Row {
    fn from(r: &RowData) -> Row {
        Row {
            id: r.id,
            name: r.name.clone(),
            region: r.region.clone(),
            grenelle: r.grenelle_year.map(|y| y.to_string()).unwrap_or_default(),
            phase: labels::phase_label(&r.phase),
            diagnostic: labels::diagnostic_status_label(r.diagnostic_status.as_deref()),
            plan: labels::plan_status_label(r.plan_status.as_deref()),
            a_lancer: r.a_lancer,
            en_cours: r.en_cours,
            en_pause: r.en_pause,
            realisees: r.realisees,
            abandonnees: r.abandonnees,
            actions: r.actions,
            pct: r
                .pct_realisees
                .map(|p| format!("{}\u{a0}%", format::decimal(p, 0)))
                .unwrap_or_else(|| "—".into()),
            pct_value: r.pct_realisees,
            late: r.late,
            last_activity: r
                .last_activity
                .map(format::datetime)
                .unwrap_or_else(|| "aucune".into()),
            last_activity_iso: r
                .last_activity
                .map(format::iso_datetime)
                .unwrap_or_default(),
        }
    }
}

pub struct Totals {
    pub maisons: Count,
    pub grenelle: Count,
    pub actions: Count,
    pub realisees: Count,
    pub pct: String,
    pub late: Count,
    pub inactive: Count,
    /// Of the Maisons shown.
    pub inactive_pct: String,
}

/// One figure of the map or the charts: `dim` is region, axis or sector.
#[derive(sqlx::FromRow)]
struct Grouped {
    dim: String,
    label: String,
    key: String,
    maisons: i64,
    actions: i64,
    realisees: i64,
    late: i64,
    progress: Option<f64>,
}

struct GroupData {
    label: String,
    actions: i64,
    realisees: i64,
    late: i64,
    progress: Option<f64>,
}

pub struct GroupRow {
    pub label: String,
    pub actions: String,
    pub realisees: String,
    pub pct: String,
    pub late: String,
    pub progress: String,
}

impl From<&GroupData> for GroupRow {
    fn from(g: &GroupData) -> GroupRow {
        GroupRow {
            label: g.label.clone(),
            actions: format::int(g.actions),
            realisees: format::int(g.realisees),
            pct: format::percent(g.realisees, g.actions),
            late: format::int(g.late),
            progress: progress_text(g.progress),
        }
    }
}

fn progress_text(p: Option<f64>) -> String {
    p.map(|p| format!("{}\u{a0}%", format::decimal(p, 0)))
        .unwrap_or_else(|| "—".into())
}

pub struct RegionRow {
    pub name: String,
    pub maisons: String,
    pub actions: String,
    pub pct: String,
    pub progress: String,
}

pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    /// `ascending`/`descending` when the table is sorted on this column (for aria-sort), else empty.
    pub aria_sort: &'static str,
    pub arrow: &'static str,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "reseau/dashboard.html")]
struct Dashboard {
    ctx: Ctx,
    body: Arc<String>,
}

/// The page's content, rendered once per change of the network and kept in the cache.
#[derive(Template)]
#[template(path = "reseau/dashboard_body.html")]
struct DashboardBody {
    data: DashboardData,
}

impl std::ops::Deref for DashboardBody {
    type Target = DashboardData;
    fn deref(&self) -> &DashboardData {
        &self.data
    }
}

/// Everything the dashboard shows but the signed-in header: the same for every admin, so it is kept in the
/// network cache (`crate::cache`) under its filters, sort, page and date.
pub struct DashboardData {
    rows: Vec<Row>,
    totals: Totals,
    page: i64,
    pages: i64,
    pagination: Pages,
    export_query: String,
    regions: Vec<Choice>,
    programmes: Vec<Choice>,
    programme: Programme,
    /// The other scope (programme or whole network): its link text and address.
    scope_switch: (String, String),
    phases: Vec<Choice>,
    inactive: bool,
    sorts: Vec<SortLink>,
    tiles: Vec<charts::Tile>,
    legend: Vec<charts::LegendItem>,
    map_width: i32,
    map_height: i32,
    region_rows: Vec<RegionRow>,
    by_axis: charts::BarChart,
    axis_rows: Vec<GroupRow>,
    by_sector: charts::BarChart,
    sector_rows: Vec<GroupRow>,
    filtered: bool,
}

async fn dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    policy::ensure(policy::reseau::can_view_network(&user))?;
    let today = format::today();
    let key = format!(
        "reseau?{}&page={}&jour={today}",
        f.query_with_sort(),
        f.pager().page()
    );
    let body = state
        .network_cache
        .get_or_compute(key, || async {
            let data = dashboard_data(&state, &f, today).await?;
            Ok(DashboardBody { data }.render()?)
        })
        .await?;
    Ok(Html(Dashboard { ctx, body }.render()?).into_response())
}

async fn dashboard_data(
    state: &AppState,
    f: &Filters,
    today: NaiveDate,
) -> AppResult<DashboardData> {
    let pager = f.pager();
    let data = fetch_rows(state, f, today, Some((pager.per_page(), pager.offset()))).await?;
    let totals = match data.first() {
        Some(first) => Totals {
            maisons: Count(first.total_rows),
            grenelle: Count(first.total_grenelle),
            actions: Count(first.total_actions),
            realisees: Count(first.total_realisees),
            pct: format::percent(first.total_realisees, first.total_actions),
            late: Count(first.total_late),
            inactive: Count(first.total_inactive),
            inactive_pct: format::percent(first.total_inactive, first.total_rows),
        },
        None => {
            let zero = Count(0);
            Totals {
                maisons: zero,
                grenelle: zero,
                actions: zero,
                realisees: zero,
                pct: format::percent(0, 0),
                late: zero,
                inactive: zero,
                inactive_pct: format::percent(0, 0),
            }
        }
    };
    let total_rows = data.first().map(|r| r.total_rows).unwrap_or(0);
    let links =
        PageLinks::new("/reseau", "Pages du tableau des Maisons").keep_query(&f.query_with_sort());

    // Regions, axes and sectors in one pass over the filtered actions (grouping sets), labelled by joining
    // the reference tables afterwards so that empty regions and axes still get their tile and bar.
    let groups: Vec<Grouped> = sqlx::query_as(&format!(
        "with {FILTERED},
         j as (
             select sel.id as maison_id, sel.region_code, act.id as action_id, act.axis_id, act.sector_code,
                    act.status, act.progress, act.is_late
             from sel left join act on act.maison_id = sel.id
         ),
         g as (
             select case when grouping(j.region_code) = 0 then 'region'
                         when grouping(j.axis_id) = 0 then 'axis' else 'sector' end as dim,
                    j.region_code, j.axis_id, j.sector_code,
                    count(distinct j.maison_id) as maisons,
                    count(j.action_id) as actions,
                    count(j.action_id) filter (where j.status = 'realisee') as realisees,
                    count(j.action_id) filter (where j.is_late) as late,
                    (avg(j.progress) filter (where j.status <> 'abandonnee'))::float8 as progress
             from j
             group by grouping sets ((j.region_code), (j.axis_id), (j.sector_code))
         )
         select 'region' as dim, r.name as label, r.code as key, 0 as position,
                coalesce(g.maisons, 0) as maisons, coalesce(g.actions, 0) as actions,
                coalesce(g.realisees, 0) as realisees, coalesce(g.late, 0) as late, g.progress
         from region r left join g on g.dim = 'region' and g.region_code = r.code
         where r.zone in ('metro', 'drom')
         union all
         select 'axis', 'Axe ' || ax.number || ' – ' || ax.short_title, ax.id::text, ax.number,
                coalesce(g.maisons, 0), coalesce(g.actions, 0), coalesce(g.realisees, 0),
                coalesce(g.late, 0), g.progress
         from axis ax left join g on g.dim = 'axis' and g.axis_id = ax.id
         where ax.charter = $6
         union all
         select 'sector', coalesce(s.name, 'Filière non renseignée'), coalesce(g.sector_code, ''),
                coalesce(s.position, 1000), g.maisons, g.actions, g.realisees, g.late, g.progress
         from g left join sector s on s.code = g.sector_code
         where g.dim = 'sector' and g.actions > 0
         order by 1, 4, 2"
    ))
    .persistent(false)
    .bind(f.region())
    .bind(f.programme().sql())
    .bind(f.phase())
    .bind(f.inactive())
    .bind(today)
    .bind(crate::domain::CURRENT_CHARTER)
    .fetch_all(&state.db)
    .await?;
    let region_data = groups.iter().filter(|g| g.dim == "region");
    let pick = |dim: &str| -> Vec<GroupData> {
        groups
            .iter()
            .filter(|g| g.dim == dim)
            .map(|g| GroupData {
                label: g.label.clone(),
                actions: g.actions,
                realisees: g.realisees,
                late: g.late,
                progress: g.progress,
            })
            .collect()
    };
    let axis_data = pick("axis");
    let sector_data = pick("sector");
    let figures: Vec<charts::RegionFigure> = region_data
        .map(|r| charts::RegionFigure {
            code: r.key.clone(),
            name: r.label.clone(),
            maisons: r.maisons,
            actions: r.actions,
            realisees: r.realisees,
            progress: r.progress,
        })
        .collect();
    let tiles = charts::tiles(&figures);
    let region_rows = figures
        .iter()
        .filter(|r| r.maisons > 0)
        .map(|r| RegionRow {
            name: r.name.clone(),
            maisons: format::int(r.maisons),
            actions: format::int(r.actions),
            pct: format::percent(r.realisees, r.actions),
            progress: progress_text(r.progress),
        })
        .collect();

    let chart_items = |d: &[GroupData]| -> Vec<(String, f64, String)> {
        d.iter()
            .map(|g| {
                (
                    g.label.clone(),
                    g.progress.unwrap_or(0.0),
                    progress_text(g.progress),
                )
            })
            .collect()
    };
    let by_axis = charts::bar_chart(
        "chart-axes",
        "Avancement moyen des actions par axe",
        "Avancement moyen, en pourcentage, des actions des plans en cours (hors actions abandonnées), pour chacun des axes du cahier des charges ; les mêmes chiffres figurent dans le tableau qui suit.",
        chart_items(&axis_data),
    );
    let by_sector = charts::bar_chart(
        "chart-filieres",
        "Avancement moyen des actions par filière",
        "Avancement moyen, en pourcentage, des actions des plans en cours (hors actions abandonnées), par filière du Grenelle ; les mêmes chiffres figurent dans le tableau qui suit.",
        chart_items(&sector_data),
    );

    let region_choices: Vec<(String, String)> = sqlx::query_as(
        "select code, name from region where zone in ('metro', 'drom') order by name",
    )
    .fetch_all(&state.db)
    .await?;
    let regions = region_choices
        .into_iter()
        .map(|(code, name)| Choice {
            selected: f.region() == Some(code.as_str()),
            value: code,
            label: name,
        })
        .collect();
    let programmes = Programme::ALL
        .iter()
        .map(|p| Choice {
            value: p.code().into(),
            label: match p {
                Programme::Tous => "Tout le réseau".into(),
                _ => p.label().into(),
            },
            selected: f.programme() == *p,
        })
        .collect();
    // The other scope, one click away, with the other filters kept.
    let other = match f.programme() {
        Programme::Grenelle => Programme::Tous,
        _ => Programme::Grenelle,
    };
    let mut switched = f.clone();
    switched.programme = other.code().into();
    let scope_switch = (
        match other {
            Programme::Tous => "Voir tout le réseau".to_owned(),
            _ => "Voir les Maisons du programme Grenelle seulement".to_owned(),
        },
        format!("/reseau?{}", switched.query_with_sort()),
    );
    let phases = labels::PHASES
        .iter()
        .map(|p| Choice {
            value: (*p).into(),
            label: labels::phase_label(p).into(),
            selected: f.phase() == Some(*p),
        })
        .collect();
    let filter_q = f.query();
    let sorts = [
        ("nom", "Maison"),
        ("region", "Région"),
        ("phase", "Phase"),
        ("realisees", "% réalisées"),
        ("retard", "En retard"),
        ("activite", "Dernière activité"),
    ]
    .iter()
    .map(|(key, label)| {
        let active = f.tri == *key || (f.tri.is_empty() && *key == "nom");
        let next_desc = active && !f.descending();
        let mut q = join_query(&filter_q, &format!("tri={key}"));
        if next_desc {
            q = join_query(&q, "ordre=desc");
        }
        SortLink {
            label,
            href: format!("/reseau?{q}"),
            aria_sort: match (active, f.descending()) {
                (true, true) => "descending",
                (true, false) => "ascending",
                _ => "",
            },
            arrow: match (active, f.descending()) {
                (true, true) => " ▼",
                (true, false) => " ▲",
                _ => "",
            },
        }
    })
    .collect();
    let map_width = 5 * (charts::TILE + charts::GAP);
    let map_height = 6 * (charts::TILE + charts::GAP) + charts::TILE / 2 + 10;
    Ok(DashboardData {
        rows: data.iter().map(Row::from).collect(),
        totals,
        page: pager.page(),
        pages: pager.pages(total_rows),
        pagination: pager.counted(total_rows, &links),
        export_query: f.query_with_sort(),
        regions,
        programmes,
        programme: f.programme(),
        scope_switch,
        phases,
        inactive: f.inactive(),
        sorts,
        tiles,
        legend: charts::legend(),
        map_width,
        map_height,
        region_rows,
        by_axis,
        axis_rows: axis_data.iter().map(GroupRow::from).collect(),
        by_sector,
        sector_rows: sector_data.iter().map(GroupRow::from).collect(),
        filtered: f.region().is_some()
            || f.phase().is_some()
            || f.inactive()
            || f.programme() != Programme::Grenelle,
    })
}

async fn export_table(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(format_name): Path<String>,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    policy::ensure(policy::reseau::can_view_network(&user))?;
    let format = ExportFormat::parse(&format_name).ok_or(AppError::NotFound)?;
    let data = fetch_rows(&state, &f, format::today(), None).await?;
    let mut table = Table::new(
        "Réseau",
        &[
            "N°",
            "Maison",
            "Région",
            "Programme Grenelle (année)",
            "Phase",
            "Diagnostic",
            "Plan d'actions",
            "Actions",
            "À lancer",
            "En cours",
            "En pause",
            "Réalisées",
            "Abandonnées",
            "% réalisées",
            "En retard",
            "Dernière activité",
        ],
    );
    for r in &data {
        table.rows.push(vec![
            Cell::Int(r.id),
            Cell::text(&r.name),
            Cell::text(&r.region),
            r.grenelle_year
                .map(|y| Cell::Int(y.into()))
                .unwrap_or(Cell::Empty),
            Cell::text(labels::phase_label(&r.phase)),
            Cell::text(labels::diagnostic_status_label(
                r.diagnostic_status.as_deref(),
            )),
            Cell::text(labels::plan_status_label(r.plan_status.as_deref())),
            Cell::Int(r.actions),
            Cell::Int(r.a_lancer),
            Cell::Int(r.en_cours),
            Cell::Int(r.en_pause),
            Cell::Int(r.realisees),
            Cell::Int(r.abandonnees),
            Cell::opt_percent(r.pct_realisees),
            Cell::Int(r.late),
            r.last_activity
                .map(|t| Cell::text(format::datetime(t)))
                .unwrap_or(Cell::Empty),
        ]);
    }
    table.respond(format, "reseau-maisons-de-l-emploi")
}
