//! French formats for what people read (dates `27/11/2026`, numbers `12 345,5`, money `12 345,00 €`), and
//! the lenient parsers for what they type.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;

/// Narrow no-break space, the French thousands separator (CLDR).
const GROUP: char = '\u{202F}';
/// No-break space before a unit or the euro sign.
const NBSP: char = '\u{00A0}';

// Written field by field rather than with `format("%d/%m/%Y")`: pages print hundreds of dates, and
// chrono parses the strftime pattern on every call.
pub fn date(d: NaiveDate) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

pub fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(date).unwrap_or_default()
}

/// A moment, in Europe/Paris: `27/11/2026 à 18:05`.
pub fn datetime(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Paris);
    format!(
        "{:02}/{:02}/{:04} à {:02}:{:02}",
        l.day(),
        l.month(),
        l.year(),
        l.hour(),
        l.minute()
    )
}

/// The ISO date in Europe/Paris, for `<time datetime>` attributes: whole seconds, since HTML allows at
/// most three decimals and PostgreSQL keeps six.
pub fn iso_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&Paris)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Paris).date_naive()
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    let n = digits.len();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(3) {
            out.push(GROUP);
        }
        out.push(c);
    }
    out
}

pub fn int(n: i64) -> String {
    let s = group_digits(&n.unsigned_abs().to_string());
    if n < 0 { format!("-{s}") } else { s }
}

/// A number with at most `decimals` decimals, trailing zeros dropped: `1 234,5`.
pub fn decimal(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let fixed = format!("{:.*}", decimals, x.abs());
    let (whole, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let frac = frac.trim_end_matches('0');
    let sign = if x < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", group_digits(whole))
    } else {
        format!("{sign}{},{frac}", group_digits(whole))
    }
}

/// Integer cents as euros: `12 345,00 €`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!(
        "{sign}{},{:02}{NBSP}€",
        group_digits(&(abs / 100).to_string()),
        abs % 100
    )
}

/// A count as the pages print it: the number in French (`1 234`), and the word that follows it in the
/// singular or the plural — French puts below two in the singular (« 0 Maison », « 1 Maison »,
/// « 2 Maisons »). Templates write `{{ n }}` for the number and `{{ n.of("Maison", "Maisons") }}` for the
/// word (each form written out: « action en retard », « actions en retard »).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Count(pub i64);

impl Count {
    /// The word for this count: `one` below two, `many` from two on.
    pub fn of<'a>(&self, one: &'a str, many: &'a str) -> &'a str {
        plural(self.0, one, many)
    }
    /// The number and its word: « 1 Maison », « 12 Maisons ».
    pub fn with<'a>(&self, one: &'a str, many: &'a str) -> String {
        format!("{} {}", int(self.0), self.of(one, many))
    }
    pub fn get(&self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&int(self.0))
    }
}

/// `one` when `n` is below two (French: « 0 Maison », « 1 Maison »), `many` otherwise.
pub fn plural<'a>(n: i64, one: &'a str, many: &'a str) -> &'a str {
    if n.abs() < 2 { one } else { many }
}

/// The number and its word in the right number: `counted(1, "Maison", "Maisons")` is « 1 Maison ».
pub fn counted(n: i64, one: &str, many: &str) -> String {
    Count(n).with(one, many)
}

/// A share as a percentage: `42 %` (`part` of `total`, 0 when the total is 0).
pub fn percent(part: i64, total: i64) -> String {
    if total == 0 {
        return format!("0{NBSP}%");
    }
    format!("{}{NBSP}%", decimal(part as f64 * 100.0 / total as f64, 0))
}

/// A decimal typed the French or the English way: `1 234,5`, `1234.5`, `1 234`.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(*c, ' ' | GROUP | NBSP | '\u{2009}'))
        .collect::<String>()
        .replace(',', ".");
    if cleaned.is_empty() || cleaned.len() > 30 || cleaned.matches('.').count() > 1 {
        return None;
    }
    if !cleaned
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'))
    {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Euros typed by a person (`12 345,50`, `12345.5`, `12 345 €`) as integer cents; at most 2 decimals.
pub fn parse_money_cents(s: &str) -> Option<i64> {
    let trimmed = s.trim().trim_end_matches('€').trim();
    let normalised = trimmed.replace(',', ".");
    if let Some((_, frac)) = normalised.rsplit_once('.')
        && frac.trim().len() > 2
    {
        return None;
    }
    let x = parse_decimal(trimmed)?;
    if x.abs() > 1e12 {
        return None;
    }
    Some((x * 100.0).round() as i64)
}

/// A date from an `<input type="date">` (`2026-11-27`) or typed (`27/11/2026`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
        .filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d)))
}

pub fn parse_int(s: &str) -> Option<i64> {
    let cleaned: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(*c, ' ' | GROUP | NBSP))
        .collect();
    if cleaned.len() > 18 {
        return None;
    }
    cleaned.parse().ok()
}

/// « de » before the name of a body, with the article French puts there: « de la Maison de l'emploi de
/// Lille Métropole », « du Grand Nancy », « des Sables », « de l'Alliance… », « d'Arras », « de Lille ».
pub fn of_name(name: &str) -> String {
    let name = name.trim();
    let lower = name.to_lowercase();
    let starts = |w: &str| lower.starts_with(w);
    if starts("maison ") || starts("maisons ") {
        let article = if starts("maisons ") { "des" } else { "de la" };
        return format!("{article} {name}");
    }
    if starts("le ") {
        return format!("du {}", &name[3..]);
    }
    if starts("les ") {
        return format!("des {}", &name[4..]);
    }
    if starts("la ") || starts("l'") || starts("l\u{2019}") {
        return format!("de {}{}", &name[..1].to_lowercase(), &name[1..]);
    }
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'é' | 'è' | 'ê' | 'â' | 'î' | 'ô' | 'œ') =>
        {
            format!("d'{name}")
        }
        _ => format!("de {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn of_name_gives_the_article() {
        assert_eq!(
            of_name("Maison de l'emploi de Lille Métropole"),
            "de la Maison de l'emploi de Lille Métropole"
        );
        assert_eq!(of_name("Le Grand Nancy"), "du Grand Nancy");
        assert_eq!(of_name("La Rochelle"), "de la Rochelle");
        assert_eq!(of_name("Arras"), "d'Arras");
        assert_eq!(of_name("Lille"), "de Lille");
    }

    #[test]
    fn french_numbers() {
        assert_eq!(int(12345), "12\u{202F}345");
        assert_eq!(int(-1234567), "-1\u{202F}234\u{202F}567");
        assert_eq!(int(999), "999");
        assert_eq!(decimal(1234.5, 2), "1\u{202F}234,5");
        assert_eq!(decimal(0.333, 2), "0,33");
        assert_eq!(decimal(-0.001, 2), "0");
        assert_eq!(money(1234500), "12\u{202F}345,00\u{A0}€");
        assert_eq!(money(5), "0,05\u{A0}€");
        assert_eq!(percent(1, 3), "33\u{A0}%");
        assert_eq!(percent(0, 0), "0\u{A0}%");
    }

    #[test]
    fn french_plurals() {
        assert_eq!(counted(0, "Maison", "Maisons"), "0 Maison");
        assert_eq!(counted(1, "Maison", "Maisons"), "1 Maison");
        assert_eq!(counted(2, "Maison", "Maisons"), "2 Maisons");
        assert_eq!(
            counted(1205, "action en retard", "actions en retard"),
            "1\u{202F}205 actions en retard"
        );
        assert_eq!(Count(1).of("réalisée", "réalisées"), "réalisée");
        assert_eq!(Count(-3).to_string(), "-3");
    }

    #[test]
    fn french_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        assert_eq!(date(d), "27/11/2026");
        let early = NaiveDate::from_ymd_opt(987, 3, 5).expect("date");
        assert_eq!(date(early), "05/03/0987");
        let winter = DateTime::parse_from_rfc3339("2026-01-02T23:04:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(datetime(winter), "03/01/2026 à 00:04");
        let t = DateTime::parse_from_rfc3339("2026-07-01T10:05:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(datetime(t), "01/07/2026 à 12:05");
        let precise = t + chrono::Duration::microseconds(123_456);
        assert_eq!(iso_datetime(precise), "2026-07-01T12:05:00+02:00");
        assert_eq!(parse_date("27/11/2026"), Some(d));
        assert_eq!(parse_date("2026-11-27"), Some(d));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("99999-01-01"), None);
    }

    #[test]
    fn lenient_parsing() {
        assert_eq!(parse_decimal("1 234,5"), Some(1234.5));
        assert_eq!(parse_decimal("1234.5"), Some(1234.5));
        assert_eq!(parse_decimal("-3"), Some(-3.0));
        assert_eq!(parse_decimal("1,2,3"), None);
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal("NaN"), None);
        assert_eq!(parse_decimal("1e400"), None);
        assert_eq!(parse_money_cents("12 345,50 €"), Some(1234550));
        assert_eq!(parse_money_cents("10.005"), None);
        assert_eq!(parse_money_cents("99999999999999"), None);
        assert_eq!(parse_int(" 2 026 "), Some(2026));
    }
}
