//! What every form shares: French messages per field ([`FieldErrors`]), the page re-rendered with them
//! ([`render`]), a refused constraint read as a field error ([`violates`]), the checks of common fields,
//! list filters, search patterns and ids from the path.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::{AppError, AppResult};

/// A page with its status: `OK` for a form shown, `UNPROCESSABLE_ENTITY` (422) for a form to correct,
/// `CONFLICT` (409) when someone else saved first. The page carries the typed values and its `FieldErrors`.
pub fn render(page: &impl Template, status: StatusCode) -> AppResult<Response> {
    Ok((status, Html(page.render()?)).into_response())
}

/// Whether a write was refused by the named unique or check constraint: the one place a constraint becomes
/// a form error (`if violates(&e, "account_email_key") { errors.add("email", "…") }`).
pub fn violates(e: &sqlx::Error, constraint: &str) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.constraint() == Some(constraint))
}

/// A list filter from the query string: trimmed, `None` when empty or longer than `max` bytes (no code
/// the lists filter on is longer, so a longer value matches nothing and is simply ignored).
pub fn non_empty(s: &str, max: usize) -> Option<&str> {
    let s = s.trim();
    if s.is_empty() || s.len() > max {
        None
    } else {
        Some(s)
    }
}

/// The French message of each field in error, shown beside it: the one form-error type of every form.
/// Templates ask `errors.has("field")` and `errors.get("field")` (the `partials/fields.html` macros do it
/// for plain inputs); a field's first message is kept. The message that belongs to no field (someone else
/// saved first) goes under [`FieldErrors::CONFLICT`].
#[derive(Default, Debug, Clone)]
pub struct FieldErrors(HashMap<&'static str, String>);

impl FieldErrors {
    /// The key of the message shown above a form when someone else saved first.
    pub const CONFLICT: &'static str = "conflict";

    /// One field's message: a form with a single check.
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        let mut errors = Self::default();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// How many fields are in error, the conflict (which is no field) left out: what the summary above a
    /// form counts.
    pub fn fields(&self) -> usize {
        self.0.len() - usize::from(self.has(Self::CONFLICT))
    }

    /// The status of a form sent back: `CONFLICT` (409) when someone else saved first (the message under
    /// [`FieldErrors::CONFLICT`]), else `UNPROCESSABLE_ENTITY` (422) for a form to correct.
    pub fn status(&self) -> StatusCode {
        if self.has(Self::CONFLICT) {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// A required name of at most `max` characters, trimmed.
    pub fn name(&mut self, field: &'static str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, "Ce champ est obligatoire.");
        } else if v.chars().count() > max {
            self.add(
                field,
                format!("{max} caractères au plus ({} saisis).", v.chars().count()),
            );
        }
        v.to_owned()
    }

    /// Optional free text of at most `max` characters, trimmed.
    pub fn text(&mut self, field: &'static str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.chars().count() > max {
            self.add(
                field,
                format!("{max} caractères au plus ({} saisis).", v.chars().count()),
            );
        }
        v.to_owned()
    }

    pub fn email(&mut self, field: &'static str, value: &str) -> String {
        let v = self.text(field, value, 254);
        if !v.is_empty() && !is_email(&v) {
            self.add(field, "Adresse e-mail invalide (exemple : nom@domaine.fr).");
        }
        v
    }

    pub fn website(&mut self, field: &'static str, value: &str) -> String {
        let v = self.text(field, value, 300);
        let scheme = v.starts_with("https://") || v.starts_with("http://");
        if !v.is_empty() && (!scheme || v.contains(char::is_whitespace)) {
            self.add(
                field,
                "Adresse web invalide : elle commence par https:// (exemple : https://www.mde.fr).",
            );
        }
        v
    }

    pub fn phone(&mut self, field: &'static str, value: &str) -> String {
        let v = self.text(field, value, 30);
        if !v
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '+' | '-' | '(' | ')'))
        {
            self.add(
                field,
                "Numéro de téléphone invalide (exemple : 03 20 00 00 00).",
            );
        }
        v
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// An id from the path; anything that is not one is simply not found.
pub fn parse_id(s: &str) -> AppResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// `on` for a checked checkbox.
pub fn checked(v: &str) -> bool {
    matches!(v, "on" | "true" | "1" | "oui")
}

/// A LIKE pattern matching `q` anywhere, wildcards in `q` escaped; `None` for an empty search.
pub fn contains_pattern(q: &str) -> Option<String> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let escaped: String = q
        .chars()
        .take(100)
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Some(format!("%{escaped}%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_checks() {
        let mut e = FieldErrors::default();
        assert_eq!(e.name("name", "  Maison  ", 200), "Maison");
        assert!(e.is_empty());
        e.name("empty", " ", 200);
        e.name("long", &"x".repeat(201), 200);
        e.email("mail", "pas-une-adresse");
        e.website("web", "www.exemple.fr");
        e.phone("tel", "03 20 00 00 00");
        assert!(e.has("empty") && e.has("long") && e.has("mail") && e.has("web"));
        assert!(!e.has("tel"));
        assert_eq!(contains_pattern("50%_"), Some("%50\\%\\_%".into()));
        assert_eq!(contains_pattern(" "), None);
    }
}
