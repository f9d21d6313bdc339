//! Exports of the network table and of the axis pages: CSV the way French spreadsheets open it (UTF-8 with
//! a BOM, `;` between fields, decimal comma, no thousands separator) and XLSX with typed cells.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook};

use crate::error::{AppError, AppResult};

pub use crate::web::csv::Cell;

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

    /// Through the portal's one CSV writer (formulas neutralised, numbers kept as numbers).
    pub fn to_csv(&self) -> AppResult<Vec<u8>> {
        crate::web::csv::write(&self.headers, &self.rows)
    }

    pub fn to_xlsx(&self) -> AppResult<Vec<u8>> {
        workbook(std::slice::from_ref(self))
    }

    /// This table as a sheet of `book` (bold frozen header row, typed cells).
    fn add_sheet(&self, book: &mut Workbook) -> Result<(), rust_xlsxwriter::XlsxError> {
        let bold = Format::new().set_bold();
        // Number formats are written in the file's neutral syntax; Excel shows them with French separators.
        let money = Format::new().set_num_format("#,##0.00 \"€\"");
        let decimal = Format::new().set_num_format("#,##0.00");
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&self.name))?;
        for (c, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold)?;
            sheet.set_column_width(c as u16, (h.chars().count() as f64 + 4.0).max(12.0))?;
        }
        sheet.set_freeze_panes(1, 0)?;
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
                }?;
            }
        }
        Ok(())
    }

    /// The response for `format` = `csv` or `xlsx`.
    pub fn respond(&self, format: ExportFormat, filename_stem: &str) -> AppResult<Response> {
        let bytes = match format {
            ExportFormat::Csv => self.to_csv()?,
            ExportFormat::Xlsx => self.to_xlsx()?,
        };
        attachment(bytes, format, filename_stem)
    }
}

/// A file to download: `bytes` in `format`, named `filename_stem` and the format's extension.
pub fn attachment(
    bytes: Vec<u8>,
    format: ExportFormat,
    filename_stem: &str,
) -> AppResult<Response> {
    let (mime, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
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

/// One workbook with a sheet per table, in their order (sheet names: the tables' names without the
/// characters Excel refuses, 31 characters at most; they must differ).
pub fn workbook(tables: &[Table]) -> AppResult<Vec<u8>> {
    let mut book = Workbook::new();
    for table in tables {
        table.add_sheet(&mut book).map_err(internal)?;
    }
    book.save_to_buffer().map_err(internal)
}

fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect()
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
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    /// XLSX cells are typed: a text is a string cell, never a formula, whatever it begins with; numbers,
    /// negative ones included, are numbers.
    #[test]
    fn xlsx_writes_text_as_strings_not_formulas() {
        let hostile = "=HYPERLINK(\"http://evil.example\";\"x\")";
        let mut t = Table::new("Essai", &["Nom", "Écart"]);
        t.rows.push(vec![Cell::text(hostile), Cell::Decimal(-11.6)]);
        t.rows.push(vec![Cell::text("-12"), Cell::Empty]);
        let bytes = t.to_xlsx().expect("xlsx");
        let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("open");
        let formulas = book.worksheet_formula("Essai").expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no formula cell"
        );
        let range = book.worksheet_range("Essai").expect("sheet");
        assert_eq!(range.get_value((1, 0)), Some(&Data::String(hostile.into())));
        assert_eq!(range.get_value((1, 1)), Some(&Data::Float(-11.6)));
        assert_eq!(range.get_value((2, 0)), Some(&Data::String("-12".into())));
    }
}
