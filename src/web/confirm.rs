//! Irreversible steps warn first (validating a diagnostic, submitting a plan, closing it): what the step
//! leaves empty, open or unfinished is listed on one confirmation page, which sends the step's form again
//! with an explicit confirmation.
//!
//! The handler checks the step's own fields, then, in the write's transaction (the object locked), builds
//! its [`Warnings`]. When there are some and the form's `confirmation` is not their [`Warnings::stamp`],
//! it draws [`page`] instead of writing: the list, each item linking to what to finish, the typed values
//! carried in hidden fields and a « Confirmer » button whose form carries the stamp. The confirmed form
//! comes back to the same handler, which builds the warnings again at commit: a list that changed meanwhile
//! (a comment opened, a section emptied) is shown again (409) rather than confirmed unseen. Nothing here
//! needs JavaScript.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::error::AppResult;
use crate::web::Ctx;
use crate::web::forms;

/// The name of the confirmation's field in every step's form.
pub const FIELD: &str = "confirmation";

/// One thing the step leaves as it is, with where to finish it.
pub struct Warning {
    pub text: String,
    pub href: Option<String>,
}

impl Warning {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: None,
        }
    }
    pub fn at(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            href: Some(href.into()),
        }
    }
}

/// Warnings of one kind under their heading (« Sections à rédiger (3) »).
pub struct Group {
    pub title: String,
    pub items: Vec<Warning>,
}

/// What a step leaves empty, open or unfinished, by kind.
#[derive(Default)]
pub struct Warnings {
    pub groups: Vec<Group>,
}

impl Warnings {
    /// Adds the group `title` when it has items.
    pub fn add(&mut self, title: impl Into<String>, items: Vec<Warning>) {
        if !items.is_empty() {
            self.groups.push(Group {
                title: title.into(),
                items,
            });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// How many things are listed.
    pub fn count(&self) -> usize {
        self.groups.iter().map(|g| g.items.len()).sum()
    }

    /// A digest of the list as shown: the confirmation carries it, so that what is confirmed is this list
    /// and not one that changed since.
    pub fn stamp(&self) -> String {
        let mut h = Sha256::new();
        for g in &self.groups {
            h.update(g.title.as_bytes());
            h.update([0]);
            for w in &g.items {
                h.update(w.text.as_bytes());
                h.update([1]);
            }
            h.update([2]);
        }
        hex::encode(&h.finalize()[..12])
    }

    /// Whether the step may go on: nothing to warn of, or the person confirmed this very list.
    pub fn confirmed(&self, confirmation: &str) -> bool {
        self.is_empty() || confirmation.trim() == self.stamp()
    }
}

/// The step being confirmed: the page's title, what the step does (`lead`), where its form posts, the
/// confirm button's label and the way back.
pub struct Step {
    pub title: String,
    pub lead: String,
    pub action: String,
    pub button: &'static str,
    pub back: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    ctx: Ctx,
    step: Step,
    warnings: &'a Warnings,
    stamp: String,
    fields: Vec<(&'static str, String)>,
    changed: bool,
}

/// The confirmation page of `step` listing `warnings`, with the step's typed `fields` carried again.
/// `confirmation` is the one the form sent: a stale one (the list changed since it was shown) says so and
/// answers 409; a first showing answers 200.
pub fn page(
    ctx: Ctx,
    step: Step,
    warnings: &Warnings,
    fields: Vec<(&'static str, String)>,
    confirmation: &str,
) -> AppResult<Response> {
    let changed = !confirmation.trim().is_empty();
    let page = ConfirmPage {
        ctx,
        step,
        warnings,
        stamp: warnings.stamp(),
        fields: fields.into_iter().filter(|(k, _)| *k != FIELD).collect(),
        changed,
    };
    forms::render(
        &page,
        if changed {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        },
    )
}

#[cfg(test)]
mod tests {
    use super::{Warning, Warnings};

    #[test]
    fn a_confirmation_holds_for_the_list_it_saw() {
        let mut w = Warnings::default();
        assert!(w.confirmed(""), "nothing to warn of: no confirmation asked");
        w.add("Sections à rédiger", vec![Warning::new("Synthèse")]);
        w.add("Vide", vec![]);
        assert_eq!(w.groups.len(), 1, "an empty group is not listed");
        let stamp = w.stamp();
        assert!(!w.confirmed(""));
        assert!(w.confirmed(&stamp));
        w.add("Commentaires ouverts", vec![Warning::at("1", "/x")]);
        assert!(!w.confirmed(&stamp), "the list changed since");
        assert_eq!(w.count(), 2);
    }
}
