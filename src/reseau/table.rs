//! The table of the dashboard: one row per Maison the filters keep, with the totals of the filtered set,
//! and its CSV/XLSX export (every row, same columns).

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};

use super::{FILTERED, Filters};
use crate::auth::{CurrentUser, policy};
use crate::domain::labels;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format::{self, Count};

#[derive(sqlx::FromRow)]
pub(super) struct RowData {
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
    pub(super) total_rows: i64,
    total_actions: i64,
    total_realisees: i64,
    total_late: i64,
    total_inactive: i64,
    total_grenelle: i64,
}

pub(super) async fn fetch_rows(
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

/// The totals of the filtered set, carried by every row (window aggregates); zero when no row.
pub(super) fn totals(data: &[RowData]) -> Totals {
    match data.first() {
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
    }
}

pub(super) async fn export_table(
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
