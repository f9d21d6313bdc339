//! Exports of a plan: an XLSX workbook (actions, financing, indicators) and a print view that reads as
//! the document a comité de pilotage receives.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

use super::model::{self, Action, Axis, CopilRow, Details, Plan, ReviewRow};
use super::queries::{self, copil_decisions, reviews};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::export::{self, Cell, ExportFormat, Table};
use crate::web::{Ctx, Signed, format};

const ACTION_HEADERS: &[&str] = &[
    "N°",
    "Intitulé",
    "Axe",
    "Filière",
    "Objectifs",
    "Description",
    "Public visé",
    "Résultats attendus",
    "Pilote",
    "Référent",
    "Référent chez le pilote",
    "Partenaires",
    "Date de début",
    "Date de fin",
    "Priorité",
    "Statut",
    "Avancement (%)",
    "En retard",
    "Motif d'abandon",
    "Budget total (€)",
    "Financements acquis (€)",
    "Financements sollicités (€)",
];

/// The workbook as bytes: one row per action with every field, a sheet of financing, one of indicators.
pub fn workbook(plan: &Plan, actions: &[Action], d: &Details) -> AppResult<Vec<u8>> {
    let tables = [
        actions_table(actions, d),
        fundings_table(actions, d),
        indicators_table(actions, d),
    ];
    export::workbook_about(
        &tables,
        export::About {
            title: &plan.title,
            company: &plan.maison_name,
        },
    )
}

fn actions_table(actions: &[Action], d: &Details) -> Table {
    let mut t = Table::new("Actions", ACTION_HEADERS);
    for a in actions {
        let fundings = d.fundings.get(&a.id).map(Vec::as_slice).unwrap_or(&[]);
        let (total, acquired, requested) = model::totals(fundings);
        let partners = d
            .partners
            .get(&a.id)
            .map(|v| {
                v.iter()
                    .map(|p| {
                        if p.role.is_empty() {
                            p.name.clone()
                        } else {
                            format!("{} ({})", p.name, p.role)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ; ")
            })
            .unwrap_or_default();
        t.rows.push(vec![
            Cell::Int(a.number.into()),
            Cell::text(&a.title),
            Cell::Text(format!("Axe {} — {}", a.axis_number, a.axis_title)),
            Cell::text(a.sector()),
            Cell::text(&a.objectives),
            Cell::text(&a.description),
            Cell::text(&a.target_public),
            Cell::text(&a.expected_results),
            Cell::text(a.pilot()),
            Cell::text(a.referent()),
            Cell::text(a.pilot_referent()),
            Cell::Text(partners),
            Cell::opt_date(a.start_date),
            Cell::opt_date(a.end_date),
            Cell::text(a.priority_label()),
            Cell::text(a.status_label()),
            Cell::Int(a.progress.into()),
            Cell::text(if a.late() { "oui" } else { "non" }),
            Cell::text(&a.abandon_reason),
            Cell::Money(total),
            Cell::Money(acquired),
            Cell::Money(requested),
        ]);
    }
    t
}

fn fundings_table(actions: &[Action], d: &Details) -> Table {
    let mut t = Table::new(
        "Financements",
        &["N° action", "Action", "Financeur", "Montant (€)", "État"],
    );
    for a in actions {
        for f in d.fundings.get(&a.id).map(Vec::as_slice).unwrap_or(&[]) {
            t.rows.push(vec![
                Cell::Int(a.number.into()),
                Cell::text(&a.title),
                Cell::text(&f.funder),
                Cell::Money(f.amount_cents),
                Cell::text(f.state_label()),
            ]);
        }
    }
    t
}

fn indicators_table(actions: &[Action], d: &Details) -> Table {
    let mut t = Table::new(
        "Indicateurs",
        &[
            "N° action",
            "Action",
            "Indicateur",
            "Unité",
            "Cible",
            "Réalisé",
            "Année",
        ],
    );
    for a in actions {
        for i in d.indicators.get(&a.id).map(Vec::as_slice).unwrap_or(&[]) {
            t.rows.push(vec![
                Cell::Int(a.number.into()),
                Cell::text(&a.title),
                Cell::text(&i.label),
                Cell::text(&i.unit),
                Cell::opt_decimal(i.target),
                Cell::opt_decimal(i.achieved),
                i.year.map(|y| Cell::Int(y.into())).unwrap_or(Cell::Empty),
            ]);
        }
    }
    t
}

/// `plan-12-plan-d-actions-2026` (the stem: the kit adds `.xlsx`).
fn file_stem(plan: &Plan) -> String {
    format!("plan-{}-{}", plan.id, export::file_slug(&plan.title))
}

pub async fn xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = queries::load_plan(&mut conn, &user, id).await?;
    let actions = queries::plan_actions(&mut conn, id).await?;
    let details = queries::details(&mut conn, Some(id), None).await?;
    drop(conn);
    let bytes = workbook(&plan, &actions, &details)?;
    Ok(export::attachment(
        bytes,
        ExportFormat::Xlsx,
        &file_stem(&plan),
    ))
}

pub struct PrintAction {
    pub a: Action,
    pub partners: Vec<model::Partner>,
    pub fundings: Vec<model::Funding>,
    pub indicators: Vec<model::Indicator>,
    pub total: String,
    pub late: bool,
}

pub struct PrintAxis {
    pub axis: Axis,
    pub actions: Vec<PrintAction>,
}

#[derive(Template)]
#[template(path = "plans/print.html")]
struct PrintPage {
    ctx: Ctx,
    plan: Plan,
    axes: Vec<PrintAxis>,
    count: usize,
    budget_total: String,
    budget_acquired: String,
    copil: Vec<CopilRow>,
    reviews: Vec<ReviewRow>,
    printed_on: String,
}

pub async fn print(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = queries::load_plan(&mut conn, &user, id).await?;
    let axes = queries::axes(&mut conn, &plan.charter).await?;
    let actions = queries::plan_actions(&mut conn, id).await?;
    let mut d = queries::details(&mut conn, Some(id), None).await?;
    let copil = copil_decisions(&mut conn, id).await?;
    let reviews = reviews(&mut conn, id).await?;
    let all: Vec<model::Funding> = d.fundings.values().flatten().cloned().collect();
    let (total, acquired, _) = model::totals(&all);
    let count = actions.len();
    let mut groups: Vec<PrintAxis> = axes
        .into_iter()
        .map(|axis| PrintAxis {
            axis,
            actions: Vec::new(),
        })
        .collect();
    for a in actions {
        let fundings = d.fundings.remove(&a.id).unwrap_or_default();
        let line = PrintAction {
            late: a.late(),
            total: format::money(model::totals(&fundings).0),
            partners: d.partners.remove(&a.id).unwrap_or_default(),
            indicators: d.indicators.remove(&a.id).unwrap_or_default(),
            fundings,
            a,
        };
        if let Some(g) = groups.iter_mut().find(|g| g.axis.id == line.a.axis_id) {
            g.actions.push(line);
        }
    }
    let page = PrintPage {
        ctx,
        plan,
        axes: groups,
        count,
        budget_total: format::money(total),
        budget_acquired: format::money(acquired),
        copil,
        reviews,
        printed_on: format::date(format::today()),
    };
    Ok(Html(page.render()?).into_response())
}
