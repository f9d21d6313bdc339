//! The CSV/XLSX export of a Maison's actions under an axis (the network's export is `network::export`).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::maison::{ActionData, IndicatorData, maison_actions, opt_decimal};
use super::scope::resolve;
use super::{AxisQuery, load_axis, network};
use crate::auth::{CurrentUser, policy};
use crate::domain::labels;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::export::{Cell, ExportFormat, Table};
use crate::web::format;

pub(super) async fn export(
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
    let table = actions_table(axis.number, &scope.name, &actions, &indicators);
    table.respond(format, &format!("axe-{}-maison-{}", axis.number, scope.id))
}

/// One row per action, its indicators (« réalisé / cible ») joined in one cell.
fn actions_table(
    axis_number: i32,
    maison: &str,
    actions: &[ActionData],
    indicators: &[IndicatorData],
) -> Table {
    let mut by_action: HashMap<i64, Vec<String>> = HashMap::new();
    for i in indicators {
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
        &format!("Axe {axis_number}"),
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
    for a in actions {
        table.rows.push(vec![
            Cell::text(maison),
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
    table
}
