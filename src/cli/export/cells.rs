//! Reading a table of the export: each column of a row as a typed cell of the kit's `Table`.

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;
use sqlx::postgres::PgRow;
use sqlx::{Column, PgConnection, Row, TypeInfo};

use super::tables::Spec;
use crate::domain::partnership;
use crate::web::export::{Cell, Table};
use crate::web::format;

pub(super) async fn read_table(
    conn: &mut PgConnection,
    spec: &Spec,
    maison_id: i64,
) -> anyhow::Result<Table> {
    let rows: Vec<PgRow> = sqlx::query(spec.sql)
        .bind(maison_id)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("lecture de {}", spec.file))?;
    // The headers come from the statement even when it gives no row.
    let described = sqlx::Executor::describe(&mut *conn, spec.sql).await?;
    let headers: Vec<&str> = described.columns().iter().map(|c| c.name()).collect();
    let mut table = Table::new(spec.sheet, &headers);
    for row in &rows {
        let mut cells = Vec::with_capacity(headers.len());
        for (i, header) in headers.iter().enumerate() {
            let cell = cell(row, i, header).with_context(|| format!("{} : {header}", spec.file))?;
            let cell = match (spec.labels.iter().find(|(h, _)| h == header), cell) {
                (Some((_, label)), Cell::Text(code)) => Cell::Text(label(&code)),
                (_, cell) => cell,
            };
            cells.push(cell);
        }
        table.rows.push(cells);
    }
    Ok(table)
}

/// A column of the row as a typed cell: numbers stay numbers, dates are French (`27/11/2026`, moments in
/// Europe/Paris `27/11/2026 18:05`), booleans « oui » / « non », lists joined by commas.
fn cell(row: &PgRow, i: usize, header: &str) -> anyhow::Result<Cell> {
    let kind = row.column(i).type_info().name().to_owned();
    let cell = match kind.as_str() {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => text(row.try_get::<Option<String>, _>(i)?),
        "INT2" => int(row.try_get::<Option<i16>, _>(i)?.map(i64::from)),
        "INT4" => int(row.try_get::<Option<i32>, _>(i)?.map(i64::from)),
        "INT8" if header.ends_with("(€)") => row
            .try_get::<Option<i64>, _>(i)?
            .map(Cell::Money)
            .unwrap_or(Cell::Empty),
        "INT8" => int(row.try_get::<Option<i64>, _>(i)?),
        "FLOAT4" => Cell::opt_decimal(row.try_get::<Option<f32>, _>(i)?.map(f64::from)),
        "FLOAT8" => Cell::opt_decimal(row.try_get::<Option<f64>, _>(i)?),
        "BOOL" => text(
            row.try_get::<Option<bool>, _>(i)?
                .map(|b| if b { "oui" } else { "non" }.to_owned()),
        ),
        "DATE" => Cell::opt_date(row.try_get::<Option<NaiveDate>, _>(i)?),
        "TIMESTAMPTZ" => text(row.try_get::<Option<DateTime<Utc>>, _>(i)?.map(moment)),
        "TEXT[]" => {
            let codes = row
                .try_get::<Option<Vec<String>>, _>(i)?
                .unwrap_or_default();
            Cell::Text(partnership::roles_label(&codes))
        }
        "JSONB" | "JSON" => text(
            row.try_get::<Option<serde_json::Value>, _>(i)?
                .map(|v| v.to_string()),
        ),
        other => bail!("type de colonne non prévu : {other}"),
    };
    Ok(cell)
}

fn text(s: Option<String>) -> Cell {
    s.map(Cell::Text).unwrap_or(Cell::Empty)
}

fn int(n: Option<i64>) -> Cell {
    n.map(Cell::Int).unwrap_or(Cell::Empty)
}

/// A moment as spreadsheets read it: `27/11/2026 18:05`, in Europe/Paris.
pub(super) fn moment(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Paris);
    format!(
        "{} {:02}:{:02}",
        format::date(l.date_naive()),
        l.hour(),
        l.minute()
    )
}
