//! The one XLSX writer of the portal, beside the one CSV writer (`web::csv`): an export is one or more
//! [`Table`]s of typed [`Cell`]s, written as a CSV file (one table) or as a workbook with a sheet per table
//! ([`workbook`]), and sent with [`attachment`].
//!
//! In a workbook, text is always a string cell, never a formula, whatever it begins with (so no `'` is
//! needed there, unlike in CSV); numbers, amounts and percentages are numbers; a [`Cell::Date`] is a real
//! Excel date shown `27/11/2026`. Each sheet has its French headers in bold on a frozen first row, and
//! columns as wide as their content (up to a limit).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::error::{AppError, AppResult};
pub use crate::web::csv::Cell;

/// The widest a column gets from its content, in pixels (about 60 characters): long texts wrap in Excel
/// rather than pushing the next columns off the screen.
const MAX_COLUMN_PIXELS: u16 = 420;

const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// One table of an export: a CSV file, or a sheet of a workbook.
pub struct Table {
    /// The sheet's name (the characters Excel refuses dropped, 31 characters at most).
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

    /// A workbook of this one sheet.
    pub fn to_xlsx(&self) -> AppResult<Vec<u8>> {
        workbook(std::slice::from_ref(self))
    }

    /// The download of this table in `format`, named `filename_stem` and the format's extension.
    pub fn respond(&self, format: ExportFormat, filename_stem: &str) -> AppResult<Response> {
        let bytes = match format {
            ExportFormat::Csv => self.to_csv()?,
            ExportFormat::Xlsx => self.to_xlsx()?,
        };
        Ok(attachment(bytes, format, filename_stem))
    }

    fn add_sheet(&self, book: &mut Workbook, styles: &Styles) -> Result<(), XlsxError> {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&self.name))?;
        for (c, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &styles.bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (r, row) in self.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                write_cell(sheet, r as u32 + 1, c as u16, cell, styles)?;
            }
        }
        sheet.autofit_to_max_width(MAX_COLUMN_PIXELS);
        Ok(())
    }
}

/// The formats of a workbook's cells. Number formats are written in the file's neutral syntax; Excel and
/// LibreOffice show them with French separators.
struct Styles {
    bold: Format,
    decimal: Format,
    money: Format,
    day: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            bold: Format::new().set_bold(),
            decimal: Format::new().set_num_format("#,##0.00"),
            money: Format::new().set_num_format("#,##0.00 \"€\""),
            day: Format::new().set_num_format("dd/mm/yyyy"),
        }
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    styles: &Styles,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ()),
        Cell::Int(n) => sheet.write_number(r, c, *n as f64).map(|_| ()),
        Cell::Decimal(x) | Cell::Percent(x) => sheet
            .write_number_with_format(r, c, *x, &styles.decimal)
            .map(|_| ()),
        Cell::Money(cents) => sheet
            .write_number_with_format(r, c, *cents as f64 / 100.0, &styles.money)
            .map(|_| ()),
        Cell::Date(d) => sheet
            .write_date_with_format(r, c, &excel_date(*d)?, &styles.day)
            .map(|_| ()),
        Cell::Empty => Ok(()),
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

/// What a workbook's properties say (File › Properties): its title and who it is from.
pub struct About<'a> {
    pub title: &'a str,
    pub company: &'a str,
}

/// One workbook with a sheet per table, in their order (their names must differ).
pub fn workbook(tables: &[Table]) -> AppResult<Vec<u8>> {
    write_book(tables, None)
}

/// [`workbook`], with its title and author in the file's properties.
pub fn workbook_about(tables: &[Table], about: About<'_>) -> AppResult<Vec<u8>> {
    write_book(tables, Some(about))
}

fn write_book(tables: &[Table], about: Option<About<'_>>) -> AppResult<Vec<u8>> {
    let mut book = Workbook::new();
    let styles = Styles::new();
    for table in tables {
        table.add_sheet(&mut book, &styles).map_err(internal)?;
    }
    if let Some(about) = about {
        book.set_properties(
            &DocProperties::new()
                .set_title(about.title)
                .set_company(about.company),
        );
    }
    book.save_to_buffer().map_err(internal)
}

fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect()
}

/// The two formats of a table's download (`/…/export/csv`, `/…/export/xlsx`).
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

/// A file to download: `bytes` in `format`, named `filename_stem` (ASCII) and the format's extension.
pub fn attachment(bytes: Vec<u8>, format: ExportFormat, filename_stem: &str) -> Response {
    match format {
        ExportFormat::Csv => crate::web::csv::attachment(bytes, &format!("{filename_stem}.csv")),
        ExportFormat::Xlsx => download(bytes, XLSX_MIME, &format!("{filename_stem}.xlsx")),
    }
}

/// A title as part of a file's name: ASCII letters and digits in lower case, every other run of characters
/// one `-`, 60 characters at most (« Plan d'actions 2026 » → `plan-d-actions-2026`).
pub fn file_slug(title: &str) -> String {
    let dashed: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let words: Vec<&str> = dashed.split('-').filter(|w| !w.is_empty()).collect();
    words.join("-").chars().take(60).collect()
}

/// Any file to download: its bytes, its type and its name (ASCII).
pub fn download(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("XLSX export: {e}"))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn a_title_becomes_a_file_name() {
        assert_eq!(file_slug("Plan d'actions 2026"), "plan-d-actions-2026");
        assert_eq!(file_slug("  Économie — « verte »  "), "conomie-verte");
        assert_eq!(file_slug("é"), "");
        assert_eq!(file_slug(&"a".repeat(80)).len(), 60);
    }

    /// The workbook's parts, read back from the zip an XLSX file is.
    struct Parts {
        sheet: String,
        strings: String,
        styles: String,
    }

    fn parts(bytes: Vec<u8>) -> Parts {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut part = |name: &str| {
            let mut s = String::new();
            zip.by_name(name)
                .expect(name)
                .read_to_string(&mut s)
                .expect("utf8");
            s
        };
        Parts {
            sheet: part("xl/worksheets/sheet1.xml"),
            strings: part("xl/sharedStrings.xml"),
            styles: part("xl/styles.xml"),
        }
    }

    /// The XML of the cell at `reference` (`B2`): `<c r="B2" …/>` or `<c r="B2" …>…</c>`.
    fn cell<'a>(sheet: &'a str, reference: &str) -> &'a str {
        let start = sheet
            .find(&format!("<c r=\"{reference}\""))
            .unwrap_or_else(|| panic!("no cell {reference} in {sheet}"));
        let rest = &sheet[start..];
        let open = rest.find('>').expect("tag") + 1;
        if rest[..open].ends_with("/>") {
            &rest[..open]
        } else {
            &rest[..rest.find("</c>").expect("end") + 4]
        }
    }

    fn sample() -> Table {
        let mut t = Table::new("Essai [1]", &["Nom", "Écart", "Montant (€)", "Le"]);
        t.rows.push(vec![
            Cell::text("=HYPERLINK(\"http://evil.example\";\"x\")"),
            Cell::Decimal(-11.6),
            Cell::Money(123456),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 7).expect("date")),
        ]);
        t.rows.push(vec![
            Cell::text("-12"),
            Cell::Int(-3),
            Cell::Empty,
            Cell::Empty,
        ]);
        t
    }

    #[test]
    fn text_that_looks_like_a_formula_stays_a_string() {
        let p = parts(sample().to_xlsx().expect("xlsx"));
        assert!(
            !p.sheet.contains("<f>") && !p.sheet.contains("<f "),
            "no formula: {}",
            p.sheet
        );
        for r in ["A2", "A3"] {
            assert!(
                cell(&p.sheet, r).contains("t=\"s\""),
                "{r} is a shared string"
            );
        }
        assert!(p.strings.contains("=HYPERLINK("), "{}", p.strings);
        assert!(
            !p.strings.contains("'=HYPERLINK"),
            "no CSV apostrophe in a workbook"
        );
        assert!(p.strings.contains("<t>-12</t>"));
        // Headers are strings too, in bold (the first format after the default one).
        assert!(cell(&p.sheet, "A1").contains("t=\"s\""));
        assert!(p.styles.contains("<b/>"));
    }

    #[test]
    fn numbers_are_numbers() {
        let p = parts(sample().to_xlsx().expect("xlsx"));
        for (r, v) in [("B2", "-11.6"), ("C2", "1234.56"), ("B3", "-3")] {
            let c = cell(&p.sheet, r);
            assert!(!c.contains("t=\""), "{r} is a number: {c}");
            assert!(c.contains(&format!("<v>{v}</v>")), "{r}: {c}");
        }
        assert!(p.styles.contains("formatCode=\"#,##0.00 &quot;€&quot;\""),);
        assert!(
            !p.sheet.contains("r=\"C3\""),
            "an empty cell is not written"
        );
    }

    #[test]
    fn a_date_is_a_date_cell_in_the_french_format() {
        let p = parts(sample().to_xlsx().expect("xlsx"));
        let c = cell(&p.sheet, "D2");
        let serial = (NaiveDate::from_ymd_opt(2026, 3, 7).expect("date")
            - NaiveDate::from_ymd_opt(1899, 12, 30).expect("epoch"))
        .num_days();
        assert!(!c.contains("t=\""), "a number: {c}");
        assert!(c.contains(&format!("<v>{serial}</v>")), "{c}");
        assert!(c.contains(" s=\""), "with a date style: {c}");
        assert!(
            p.styles.contains("formatCode=\"dd/mm/yyyy\""),
            "{}",
            p.styles
        );
    }

    #[test]
    fn a_workbook_has_a_sheet_per_table_named_as_excel_allows() {
        let bytes = workbook(&[sample(), Table::new("Deuxième", &["A"])]).expect("xlsx");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut book = String::new();
        zip.by_name("xl/workbook.xml")
            .expect("workbook")
            .read_to_string(&mut book)
            .expect("utf8");
        assert!(
            book.contains("name=\"Essai 1\"") && book.contains("name=\"Deuxième\""),
            "{book}"
        );
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }

    #[test]
    fn csv_of_a_table_is_the_one_csv_writer() {
        let csv = String::from_utf8(sample().to_csv().expect("csv")).expect("utf8");
        assert!(csv.contains("'=HYPERLINK"), "neutralised in CSV");
        assert!(csv.contains(";-11,6;1234,56;07/03/2026\r\n"), "{csv}");
    }
}
