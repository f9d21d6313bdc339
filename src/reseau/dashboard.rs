//! The dashboard `/reseau`: the table of the Maisons (`table`), their totals, the tile map of the regions,
//! the charts by axis and by sector, the filters and the sort links. The body is rendered once per change of
//! the network and kept in the network cache.

use std::sync::Arc;

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;

use super::table::{Row, Totals, fetch_rows, totals};
use super::{Choice, FILTERED, Filters, Programme, charts, join_query};
use crate::auth::policy;
use crate::domain::labels;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::pagination::{PageLinks, Pages};
use crate::web::{Ctx, Signed, format};

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
    /// The library of practices (issue 18): published by the Maisons retained, and taken up.
    practices: crate::practices::PracticeFigures,
}

pub(super) async fn dashboard(
    Signed { state, user, ctx }: Signed,
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
    let total_rows = data.first().map(|r| r.total_rows).unwrap_or(0);
    let links =
        PageLinks::new("/reseau", "Pages du tableau des Maisons").keep_query(&f.query_with_sort());
    let Figures {
        tiles,
        region_rows,
        by_axis,
        axis_rows,
        by_sector,
        sector_rows,
    } = figures(&fetch_groups(state, f, today).await?);
    let map_width = 5 * (charts::TILE + charts::GAP);
    let map_height = 6 * (charts::TILE + charts::GAP) + charts::TILE / 2 + 10;
    Ok(DashboardData {
        rows: data.iter().map(Row::from).collect(),
        totals: totals(&data),
        page: pager.page(),
        pages: pager.pages(total_rows),
        pagination: pager.counted(total_rows, &links),
        export_query: f.query_with_sort(),
        regions: region_choices(state, f).await?,
        programmes: programme_choices(f),
        programme: f.programme(),
        scope_switch: scope_switch(f),
        phases: phase_choices(f),
        inactive: f.inactive(),
        sorts: sort_links(f),
        tiles,
        legend: charts::legend(),
        map_width,
        map_height,
        region_rows,
        by_axis,
        axis_rows,
        by_sector,
        sector_rows,
        practices: practice_figures(state, f, today).await?,
        filtered: f.region().is_some()
            || f.phase().is_some()
            || f.inactive()
            || f.programme() != Programme::Grenelle,
    })
}

/// The practices of the Maisons the filters retain (`reseau` names them, `practices` counts).
async fn practice_figures(
    state: &AppState,
    f: &Filters,
    today: NaiveDate,
) -> sqlx::Result<crate::practices::PracticeFigures> {
    let ids: Vec<i64> = sqlx::query_scalar(&format!("with {FILTERED} select id from sel"))
        .persistent(false)
        .bind(f.region())
        .bind(f.programme().sql())
        .bind(f.phase())
        .bind(f.inactive())
        .bind(today)
        .fetch_all(&state.db)
        .await?;
    crate::practices::network_figures(&state.db, &ids).await
}

/// Regions, axes and sectors in one pass over the filtered actions (grouping sets), labelled by joining
/// the reference tables afterwards so that empty regions and axes still get their tile and bar.
async fn fetch_groups(
    state: &AppState,
    f: &Filters,
    today: NaiveDate,
) -> sqlx::Result<Vec<Grouped>> {
    sqlx::query_as(&format!(
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
    .await
}

/// The map, the charts and their tables.
struct Figures {
    tiles: Vec<charts::Tile>,
    region_rows: Vec<RegionRow>,
    by_axis: charts::BarChart,
    axis_rows: Vec<GroupRow>,
    by_sector: charts::BarChart,
    sector_rows: Vec<GroupRow>,
}

fn figures(groups: &[Grouped]) -> Figures {
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
    Figures {
        tiles,
        region_rows,
        by_axis,
        axis_rows: axis_data.iter().map(GroupRow::from).collect(),
        by_sector,
        sector_rows: sector_data.iter().map(GroupRow::from).collect(),
    }
}

/// The regions of the filter (one query), the chosen one selected.
async fn region_choices(state: &AppState, f: &Filters) -> sqlx::Result<Vec<Choice>> {
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
    Ok(regions)
}

fn programme_choices(f: &Filters) -> Vec<Choice> {
    Programme::ALL
        .iter()
        .map(|p| Choice {
            value: p.code().into(),
            label: match p {
                Programme::Tous => "Tout le réseau".into(),
                _ => p.label().into(),
            },
            selected: f.programme() == *p,
        })
        .collect()
}

/// The other scope (programme or whole network), one click away, with the other filters kept: its link
/// text and address.
fn scope_switch(f: &Filters) -> (String, String) {
    let other = match f.programme() {
        Programme::Grenelle => Programme::Tous,
        _ => Programme::Grenelle,
    };
    let mut switched = f.clone();
    switched.programme = other.code().into();
    (
        match other {
            Programme::Tous => "Voir tout le réseau".to_owned(),
            _ => "Voir les Maisons du programme Grenelle seulement".to_owned(),
        },
        format!("/reseau?{}", switched.query_with_sort()),
    )
}

fn phase_choices(f: &Filters) -> Vec<Choice> {
    labels::PHASES
        .iter()
        .map(|p| Choice {
            value: (*p).into(),
            label: labels::phase_label(p).into(),
            selected: f.phase() == Some(*p),
        })
        .collect()
}

/// The table's column headers as sort links: the sorted column says its order (aria-sort and an arrow),
/// and a second click reverses it.
fn sort_links(f: &Filters) -> Vec<SortLink> {
    let filter_q = f.query();
    [
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
    .collect()
}
