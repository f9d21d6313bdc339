//! Exports of the network table and of the axis pages: CSV the way French spreadsheets open it (UTF-8 with
//! a BOM, `;` between fields, decimal comma, no thousands separator) and XLSX with typed cells.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

use crate::error::{AppError, AppResult};

/// One cell of an exported table: text stays text; numbers stay numbers in XLSX.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Int(i64),
    Decimal(f64),
    /// Integer cents, exported as euros.
    Money(i64),
    /// A percentage already multiplied by 100 (42.5 means 42,5 %).
    Percent(f64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_decimal(x: Option<f64>) -> Cell {
        x.map(Cell::Decimal).unwrap_or(Cell::Empty)
    }

    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Decimal(x) | Cell::Percent(x) => decimal_comma(*x, 2),
            Cell::Money(c) => decimal_comma(*c as f64 / 100.0, 2),
            Cell::Empty => String::new(),
        }
    }
}

/// `1234.5` → `1234,5` (at most `decimals` decimals, trailing zeros dropped; no grouping, so that
/// spreadsheets read it as a number).
pub fn decimal_comma(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    let s = if s == "-0" { "0".to_owned() } else { s };
    s.replace('.', ",")
}

pub struct Table {
    /// Sheet name (at most 31 characters) and file name stem.
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, headers: &[&str]) -> Table {
        Table {
            name: name.to_owned(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn to_csv(&self) -> AppResult<Vec<u8>> {
        let mut out = Vec::from("\u{FEFF}".as_bytes());
        {
            let mut w = csv::WriterBuilder::new()
                .delimiter(b';')
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut out);
            w.write_record(&self.headers).map_err(internal)?;
            for row in &self.rows {
                w.write_record(row.iter().map(Cell::csv))
                    .map_err(internal)?;
            }
            w.flush().map_err(internal)?;
        }
        Ok(out)
    }

    pub fn to_xlsx(&self) -> AppResult<Vec<u8>> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        // Number formats are written in the file's neutral syntax; Excel shows them with French separators.
        let money = Format::new().set_num_format("#,##0.00 \"€\"");
        let decimal = Format::new().set_num_format("#,##0.00");
        let sheet = book.add_worksheet();
        let name: String = self
            .name
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
            .take(31)
            .collect();
        sheet.set_name(name).map_err(internal)?;
        for (c, h) in self.headers.iter().enumerate() {
            sheet
                .write_string_with_format(0, c as u16, h, &bold)
                .map_err(internal)?;
            sheet
                .set_column_width(c as u16, (h.chars().count() as f64 + 4.0).max(12.0))
                .map_err(internal)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(internal)?;
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ()),
                    Cell::Int(n) => sheet.write_number(r, c, *n as f64).map(|_| ()),
                    Cell::Decimal(x) | Cell::Percent(x) => sheet
                        .write_number_with_format(r, c, *x, &decimal)
                        .map(|_| ()),
                    Cell::Money(cents) => sheet
                        .write_number_with_format(r, c, *cents as f64 / 100.0, &money)
                        .map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(internal)?;
            }
        }
        book.save_to_buffer().map_err(internal)
    }

    /// The response for `format` = `csv` or `xlsx`.
    pub fn respond(&self, format: ExportFormat, filename_stem: &str) -> AppResult<Response> {
        let (bytes, mime, ext) = match format {
            ExportFormat::Csv => (self.to_csv()?, "text/csv; charset=utf-8", "csv"),
            ExportFormat::Xlsx => (
                self.to_xlsx()?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
        };
        Ok((
            [
                (header::CONTENT_TYPE, mime.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{filename_stem}.{ext}\""),
                ),
            ],
            bytes,
        )
            .into_response())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("export: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_french() {
        let mut t = Table::new("Essai", &["Nom", "Taux", "Budget"]);
        t.rows.push(vec![
            Cell::text("Maison « A »; nord"),
            Cell::Percent(33.333),
            Cell::Money(123456),
        ]);
        let csv = String::from_utf8(t.to_csv().expect("csv")).expect("utf8");
        assert!(csv.starts_with('\u{FEFF}'));
        assert!(csv.contains("\"Maison « A »; nord\";33,33;1234,56"));
        assert_eq!(decimal_comma(2.0, 2), "2");
        assert_eq!(decimal_comma(-0.001, 2), "0");
    }
}
