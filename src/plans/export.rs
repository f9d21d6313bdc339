//! Exports of a plan: an XLSX workbook (actions, financing, indicators) and a print view that reads as
//! the document a comité de pilotage receives.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::model::{self, Action, Axis, CopilRow, Details, Plan, ReviewRow};
use super::queries::{self, copil_decisions, reviews};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, format};

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

fn header_row(ws: &mut Worksheet, headers: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, bold)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The workbook as bytes: one row per action with every field, a sheet of financing, one of indicators.
pub fn workbook(plan: &Plan, actions: &[Action], d: &Details) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let euros = Format::new().set_num_format("#,##0.00 \"€\"");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet();
    ws.set_name("Actions")?;
    header_row(ws, ACTION_HEADERS, &bold)?;
    for (i, a) in actions.iter().enumerate() {
        let r = i as u32 + 1;
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
        ws.write_number(r, 0, a.number)?;
        for (c, text) in [
            (1, a.title.as_str()),
            (2, &format!("Axe {} — {}", a.axis_number, a.axis_title)),
            (3, a.sector()),
            (4, &a.objectives),
            (5, &a.description),
            (6, &a.target_public),
            (7, &a.expected_results),
            (8, a.pilot()),
            (9, a.referent()),
            (10, &partners),
        ] {
            ws.write_string(r, c, text)?;
        }
        if let Some(s) = a.start_date {
            ws.write_date_with_format(r, 11, &excel_date(s)?, &day)?;
        }
        if let Some(e) = a.end_date {
            ws.write_date_with_format(r, 12, &excel_date(e)?, &day)?;
        }
        ws.write_string(r, 13, a.priority_label())?;
        ws.write_string(r, 14, a.status_label())?;
        ws.write_number(r, 15, a.progress)?;
        ws.write_string(r, 16, if a.late() { "oui" } else { "non" })?;
        ws.write_string(r, 17, &a.abandon_reason)?;
        ws.write_number_with_format(r, 18, total as f64 / 100.0, &euros)?;
        ws.write_number_with_format(r, 19, acquired as f64 / 100.0, &euros)?;
        ws.write_number_with_format(r, 20, requested as f64 / 100.0, &euros)?;
    }
    ws.autofit();

    let ws = wb.add_worksheet();
    ws.set_name("Financements")?;
    header_row(
        ws,
        &["N° action", "Action", "Financeur", "Montant (€)", "État"],
        &bold,
    )?;
    let mut r = 1;
    for a in actions {
        for f in d.fundings.get(&a.id).map(Vec::as_slice).unwrap_or(&[]) {
            ws.write_number(r, 0, a.number)?;
            ws.write_string(r, 1, &a.title)?;
            ws.write_string(r, 2, &f.funder)?;
            ws.write_number_with_format(r, 3, f.amount_cents as f64 / 100.0, &euros)?;
            ws.write_string(r, 4, f.state_label())?;
            r += 1;
        }
    }
    ws.autofit();

    let ws = wb.add_worksheet();
    ws.set_name("Indicateurs")?;
    header_row(
        ws,
        &[
            "N° action",
            "Action",
            "Indicateur",
            "Unité",
            "Cible",
            "Réalisé",
            "Année",
        ],
        &bold,
    )?;
    let mut r = 1;
    for a in actions {
        for i in d.indicators.get(&a.id).map(Vec::as_slice).unwrap_or(&[]) {
            ws.write_number(r, 0, a.number)?;
            ws.write_string(r, 1, &a.title)?;
            ws.write_string(r, 2, &i.label)?;
            ws.write_string(r, 3, &i.unit)?;
            if let Some(t) = i.target {
                ws.write_number(r, 4, t)?;
            }
            if let Some(v) = i.achieved {
                ws.write_number(r, 5, v)?;
            }
            if let Some(y) = i.year {
                ws.write_number(r, 6, y)?;
            }
            r += 1;
        }
    }
    ws.autofit();
    wb.set_properties(
        &rust_xlsxwriter::DocProperties::new()
            .set_title(&plan.title)
            .set_company(&plan.maison_name),
    );
    wb.save_to_buffer()
}

fn excel_date(d: chrono::NaiveDate) -> Result<rust_xlsxwriter::ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

fn file_name(plan: &Plan) -> String {
    let slug: String = plan
        .title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!(
        "plan-{}-{}.xlsx",
        plan.id,
        slug.chars().take(60).collect::<String>()
    )
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
    let bytes = workbook(&plan, &actions, &details)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", file_name(&plan)),
            ),
        ],
        bytes,
    )
        .into_response())
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
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
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
