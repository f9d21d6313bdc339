//! The print view of a diagnostic (A4 through the print stylesheet) and the CSV of its indicators, made
//! for French Excel: UTF-8 with a BOM, `;` between fields, decimal comma.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::show::{self, Can, DocumentRow, HeadFacts, ValueRow, comparison_label};
use super::{Diagnostic, load, markdown};
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, format};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/diagnostics/{id}/impression", get(print))
        .route("/diagnostics/{id}/indicateurs.csv", get(csv))
}

/// A number as French Excel reads it: decimal comma, no thousands separator.
pub fn csv_number(x: f64) -> String {
    let s = if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    s.replace('.', ",")
}

fn csv_bytes(values: &[ValueRow]) -> Result<Vec<u8>, csv::Error> {
    let mut out: Vec<u8> = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record([
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
        ])?;
        for v in values {
            let gap = v.gap().map(csv_number).unwrap_or_default();
            w.write_record([
                v.code.as_str(),
                &v.label,
                &v.theme,
                &v.unit,
                &csv_number(v.value),
                &v.year.to_string(),
                &v.territory,
                &v.source,
                comparison_label(v.comparison_level.as_deref().unwrap_or("")),
                &v.comparison_value.map(csv_number).unwrap_or_default(),
                &gap,
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn slug(title: &str) -> String {
    let s: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    s.chars().take(60).collect()
}

async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let values = show::values(&mut conn, id).await?;
    let bytes = csv_bytes(&values).map_err(|e| AppError::Internal(e.into()))?;
    let name = format!("indicateurs-diagnostic-{}-{}.csv", d.id, slug(&d.title));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
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
    transitions: Vec<show::TransitionRow>,
    can: Can,
    printed_on: String,
}

impl PrintPage {
    fn validated_on(&self) -> String {
        show::date_shown(self.d.validated_on)
    }
}

async fn print(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let facts = show::head_facts(&mut conn, &d).await?;
    let sections = show::sections(&mut conn, id)
        .await?
        .into_iter()
        .map(|s| PrintSection {
            html: markdown::render_cached(&s.body),
            title: s.title,
        })
        .collect();
    let values = show::values(&mut conn, id).await?;
    let documents = show::documents(&mut conn, id).await?;
    let transitions = show::transitions(&mut conn, id).await?;
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

#[cfg(test)]
mod tests {
    use super::csv_number;

    #[test]
    fn numbers_for_french_excel() {
        assert_eq!(csv_number(1234.5), "1234,5");
        assert_eq!(csv_number(12000.0), "12000");
        assert_eq!(csv_number(-0.25), "-0,25");
        assert_eq!(csv_number(1.0 / 3.0), "0,3333");
    }
}
