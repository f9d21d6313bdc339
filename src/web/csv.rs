//! The one CSV writer of the portal: every CSV export goes through [`write`], made for French Excel and
//! LibreOffice (UTF-8 with a BOM, `;` between fields, CRLF line ends, decimal comma, no thousands separator).
//!
//! Cells are typed: numbers are written as numbers (a negative one included, `-11,6`), and every text cell is
//! neutralised against formula injection (OWASP's rule): a text beginning with `=`, `+`, `-`, `@`, a tab or a
//! carriage return — after any leading spaces — is written with a leading `'`, so that the spreadsheet shows
//! it as text instead of evaluating it (`=HYPERLINK(…)`). Whether a cell is a number is said by its type,
//! never guessed from its text: a name typed as `-12` stays text, and is neutralised.

use std::borrow::Cow;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::error::{AppError, AppResult};

/// One cell of an exported table (the XLSX writer reads the same cells: numbers stay numbers there too).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A decimal number, written with at most four decimals.
    Decimal(f64),
    /// Integer cents, written as euros (two decimals).
    Money(i64),
    /// A percentage already multiplied by 100 (42.5 means 42,5 %), two decimals, no `%` sign.
    Percent(f64),
    /// A day, written `27/11/2026` (in XLSX a real date, shown in the same French format).
    Date(NaiveDate),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_decimal(x: Option<f64>) -> Cell {
        x.map(Cell::Decimal).unwrap_or(Cell::Empty)
    }

    pub fn opt_percent(x: Option<f64>) -> Cell {
        x.map(Cell::Percent).unwrap_or(Cell::Empty)
    }

    pub fn opt_date(d: Option<NaiveDate>) -> Cell {
        d.map(Cell::Date).unwrap_or(Cell::Empty)
    }

    /// The field as written in the file (before the CSV quoting, which the writer adds).
    pub fn render(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => neutralise(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Decimal(x) => Cow::Owned(decimal_comma(*x, 4)),
            Cell::Percent(x) => Cow::Owned(decimal_comma(*x, 2)),
            Cell::Money(c) => Cow::Owned(decimal_comma(*c as f64 / 100.0, 2)),
            Cell::Date(d) => Cow::Owned(crate::web::format::date(*d)),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

/// A text a spreadsheet would read as a formula gets a leading `'` (shown as text, the `'` not displayed by
/// Excel). Leading spaces do not protect a formula in every spreadsheet, so they are looked through.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    let first = s.trim_start_matches(' ').chars().next();
    if matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// `1234.5` → `1234,5` (at most `decimals` decimals, trailing zeros dropped; no grouping, so that
/// spreadsheets read it as a number). Not a number → empty.
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

/// The file: BOM, the header row (neutralised like any text), then the rows.
pub fn write<H: AsRef<str>>(headers: &[H], rows: &[Vec<Cell>]) -> AppResult<Vec<u8>> {
    let mut out = Vec::from("\u{FEFF}".as_bytes());
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(headers.iter().map(|h| neutralise(h.as_ref()).into_owned()))
            .map_err(internal)?;
        for row in rows {
            w.write_record(row.iter().map(|c| c.render().into_owned()))
                .map_err(internal)?;
        }
        w.flush().map_err(internal)?;
    }
    Ok(out)
}

/// The download response for a CSV file named `filename` (ASCII, with its `.csv`).
pub fn attachment(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
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
    AppError::Internal(anyhow::anyhow!("CSV export: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rows: &[Vec<Cell>]) -> String {
        String::from_utf8(write(&["Nom", "Valeur"], rows).expect("csv")).expect("utf8")
    }

    #[test]
    fn french_excel_layout() {
        let csv = file(&[vec![
            Cell::text("Maison « A »; nord"),
            Cell::Percent(33.333),
        ]]);
        assert!(csv.starts_with('\u{FEFF}'));
        assert_eq!(
            csv,
            "\u{FEFF}Nom;Valeur\r\n\"Maison « A »; nord\";33,33\r\n"
        );
        let csv = file(&[vec![Cell::Money(123456), Cell::Decimal(1.0 / 3.0)]]);
        assert!(csv.ends_with("\r\n1234,56;0,3333\r\n"), "{csv}");
    }

    #[test]
    fn formulas_in_text_are_neutralised() {
        for (typed, written) in [
            (
                "=HYPERLINK(\"http://evil.example\";\"x\")",
                "'=HYPERLINK(\"http://evil.example\";\"x\")",
            ),
            ("+33 1 02", "'+33 1 02"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("  =1+1", "'  =1+1"),
            ("-12", "'-12"),
        ] {
            assert_eq!(Cell::text(typed).render(), written, "{typed:?}");
        }
        for plain in ["Lille", "", "2 = 2", "a-b", "ADEME; annuaire", "'déjà"] {
            assert_eq!(Cell::text(plain).render(), plain);
        }
        // In the file, a neutralised cell holding `;` or `"` is still quoted as CSV requires.
        let csv = file(&[vec![Cell::text("=A1;\"B\""), Cell::Empty]]);
        assert!(csv.ends_with("\r\n\"'=A1;\"\"B\"\"\";\r\n"), "{csv:?}");
    }

    #[test]
    fn numbers_stay_numbers_negative_ones_included() {
        assert_eq!(Cell::Decimal(-11.6).render(), "-11,6");
        assert_eq!(Cell::Int(-3).render(), "-3");
        assert_eq!(Cell::Money(-150).render(), "-1,5");
        assert_eq!(Cell::Percent(-0.5).render(), "-0,5");
        assert_eq!(Cell::Decimal(12000.0).render(), "12000");
        assert_eq!(Cell::Decimal(1234.5).render(), "1234,5");
        assert_eq!(Cell::Decimal(-0.00001).render(), "0");
        assert_eq!(Cell::Decimal(f64::NAN).render(), "");
        assert_eq!(Cell::opt_decimal(None), Cell::Empty);
    }

    #[test]
    fn dates_are_french() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 7).expect("date");
        assert_eq!(Cell::Date(d).render(), "07/03/2026");
        assert_eq!(Cell::opt_date(None), Cell::Empty);
    }

    #[test]
    fn headers_are_text_too() {
        let bytes = write(&["=cmd"], &[]).expect("csv");
        assert_eq!(String::from_utf8(bytes).expect("utf8"), "\u{FEFF}'=cmd\r\n");
    }
}
