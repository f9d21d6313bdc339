//! The print view of a diagnostic (A4 through the print stylesheet) and the CSV of its indicators, made
//! through the portal's one CSV writer (`web::csv`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

use super::report::{self, DocumentRow, HeadFacts, ValueRow, comparison_label};
use super::show::{Can, date_shown};
use super::{Diagnostic, load};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::csv::{self, Cell};
use crate::web::export::file_slug;
use crate::web::markdown;
use crate::web::{Ctx, Signed, format};

const CSV_HEADERS: [&str; 12] = [
    "Code",
    "Indicateur",
    "Thème",
    "Unité",
    "Valeur",
    "Année",
    "Territoire",
    "Source",
    "Niveau de comparaison",
    "Valeur de comparaison",
    "Écart",
    "Écart calculé",
];

/// The indicators as typed cells for the one CSV writer: territory, source and labels are neutralised
/// text, values and gaps numbers.
fn csv_rows(values: &[ValueRow]) -> Vec<Vec<Cell>> {
    values
        .iter()
        .map(|v| {
            vec![
                Cell::text(&v.code),
                Cell::text(&v.label),
                Cell::text(&v.theme),
                Cell::text(&v.unit),
                Cell::Decimal(v.value),
                Cell::Int(v.year.into()),
                Cell::text(&v.territory),
                Cell::text(&v.source),
                Cell::text(comparison_label(
                    v.comparison_level.as_deref().unwrap_or(""),
                )),
                Cell::opt_decimal(v.comparison_value),
                Cell::opt_decimal(v.gap()),
                Cell::text(v.gap_basis_label()),
            ]
        })
        .collect()
}

pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let values = report::values(&mut conn, id).await?;
    let bytes = csv::write(&CSV_HEADERS, &csv_rows(&values))?;
    let name = format!(
        "indicateurs-diagnostic-{}-{}.csv",
        d.id,
        file_slug(&d.title)
    );
    Ok(csv::attachment(bytes, &name))
}

pub struct PrintSection {
    title: String,
    html: std::sync::Arc<str>,
}

#[derive(Template)]
#[template(path = "diagnostics/print.html")]
struct PrintPage {
    ctx: Ctx,
    d: Diagnostic,
    facts: HeadFacts,
    sections: Vec<PrintSection>,
    values: Vec<ValueRow>,
    documents: Vec<DocumentRow>,
    transitions: Vec<report::TransitionRow>,
    can: Can,
    printed_on: String,
}

impl PrintPage {
    fn validated_on(&self) -> String {
        date_shown(self.d.validated_on)
    }
}

pub async fn print(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let facts = report::head_facts(&mut conn, &d).await?;
    let sections = report::sections(&mut conn, id)
        .await?
        .into_iter()
        .map(|s| PrintSection {
            html: markdown::render_cached(&s.body),
            title: s.title,
        })
        .collect();
    let values = report::values(&mut conn, id).await?;
    let documents = report::documents(&mut conn, id).await?;
    let transitions = report::transitions(&mut conn, id).await?;
    drop(conn);
    // The table's edit column is not printed.
    let mut can = Can::of(&user, &d);
    can.edit = false;
    Ok(Html(
        PrintPage {
            ctx,
            d,
            facts,
            sections,
            values,
            documents,
            transitions,
            can,
            printed_on: format::date(format::today()),
        }
        .render()?,
    )
    .into_response())
}
