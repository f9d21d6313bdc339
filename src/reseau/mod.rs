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
mod dashboard;
pub mod grenelle;
mod table;

use axum::Router;
use axum::routing::get;
use serde::Deserialize;

use crate::domain::labels;
use crate::state::AppState;
use crate::web::pagination::Pager;
use crate::web::url_encode;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reseau", get(dashboard::dashboard))
        .route("/reseau/export/{format}", get(table::export_table))
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

/// An option of a filter's select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}
