//! Rows and labels of the fiches actions: the fiche, its partners, budget lines and indicators, the line
//! the plan page lists, the priority and funding labels, *en retard*.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::web::format;

use super::{ActionStatus, StepStatus};

pub const PRIORITIES: &[(&str, &str)] = &[
    ("haute", "Haute"),
    ("moyenne", "Moyenne"),
    ("basse", "Basse"),
];

pub fn priority_label(s: &str) -> &'static str {
    PRIORITIES
        .iter()
        .find(|(k, _)| *k == s)
        .map(|(_, l)| *l)
        .unwrap_or("Inconnue")
}

pub fn funding_state_label(s: &str) -> &'static str {
    if s == "acquis" {
        "Acquis"
    } else {
        "Sollicité"
    }
}

/// *En retard*: the end date is past and the action is neither réalisée nor abandonnée. Never stored.
/// Takes the status or its code (an unknown code is not over).
pub fn is_late(
    end: Option<NaiveDate>,
    status: impl TryInto<ActionStatus>,
    today: NaiveDate,
) -> bool {
    match status.try_into() {
        Ok(s) => s.is_late(end, today),
        Err(_) => end.is_some_and(|e| e < today),
    }
}

/// An indicator of the network's catalogue a fiche's result may name (`indicator.for_actions`).
#[derive(sqlx::FromRow, Clone)]
pub struct CatalogueIndicator {
    pub id: i64,
    pub label: String,
    pub unit: String,
}

#[derive(sqlx::FromRow, Clone)]
pub struct Person {
    pub id: i64,
    pub name: String,
}

#[derive(sqlx::FromRow, Clone)]
pub struct Action {
    pub id: i64,
    pub plan_id: i64,
    pub number: i32,
    pub title: String,
    pub axis_id: i32,
    pub axis_number: i32,
    pub axis_title: String,
    pub sector_code: Option<String>,
    pub sector_name: Option<String>,
    pub objectives: String,
    pub description: String,
    pub target_public: String,
    pub expected_results: String,
    /// The pilot: the Maison itself (`pilot_maison`) or one of its partner organisations, never both.
    pub pilot_maison: bool,
    pub pilot_organisation_id: Option<i64>,
    /// The Maison's name when it pilots, the organisation's otherwise.
    pub pilot_name: Option<String>,
    /// The Maison's referent (one of its staff).
    pub referent_account_id: Option<i64>,
    pub referent_name: Option<String>,
    /// The pilot organisation's referent: one of its partner accounts, or one of its contacts at the Maison.
    pub pilot_referent_account_id: Option<i64>,
    pub pilot_contact_id: Option<i64>,
    pub pilot_referent_name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub priority: String,
    pub status: ActionStatus,
    pub progress: i32,
    pub abandon_reason: String,
    pub version: i32,
}

impl Action {
    pub fn late(&self) -> bool {
        self.status.is_late(self.end_date, format::today())
    }
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
    pub fn priority_label(&self) -> &'static str {
        priority_label(&self.priority)
    }
    pub fn start(&self) -> String {
        format::opt_date(self.start_date)
    }
    pub fn end(&self) -> String {
        format::opt_date(self.end_date)
    }
    pub fn pilot(&self) -> &str {
        self.pilot_name.as_deref().unwrap_or("")
    }
    pub fn referent(&self) -> &str {
        self.referent_name.as_deref().unwrap_or("")
    }
    pub fn pilot_referent(&self) -> &str {
        self.pilot_referent_name.as_deref().unwrap_or("")
    }
    pub fn has_pilot(&self) -> bool {
        self.pilot_maison || self.pilot_organisation_id.is_some()
    }
    /// The pilot as the form's select and the plan page's filter name it (`Pilot::key`).
    pub fn pilot_choice(&self) -> Pilot {
        Pilot::of(self.pilot_maison, self.pilot_organisation_id)
    }
    pub fn pilot_referent_choice(&self) -> PilotReferent {
        PilotReferent::of(self.pilot_referent_account_id, self.pilot_contact_id)
    }
    pub fn sector(&self) -> &str {
        self.sector_name.as_deref().unwrap_or("")
    }
}

#[derive(sqlx::FromRow, Clone)]
pub struct Partner {
    pub action_id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub role: String,
}

#[derive(sqlx::FromRow, Clone)]
pub struct Funding {
    pub action_id: i64,
    pub funder: String,
    /// The funder in the organisation directory (`funder` is then its name); `None`: free text.
    pub organisation_id: Option<i64>,
    pub amount_cents: i64,
    pub state: String,
}

impl Funding {
    pub fn amount(&self) -> String {
        format::money(self.amount_cents)
    }
    pub fn state_label(&self) -> &'static str {
        funding_state_label(&self.state)
    }
}

#[derive(sqlx::FromRow, Clone)]
pub struct Indicator {
    pub id: i64,
    pub action_id: i64,
    /// The catalogue's indicator (`label` and `unit` are then its own); `None`: a free label.
    pub indicator_id: Option<i64>,
    pub label: String,
    pub unit: String,
    pub target: Option<f64>,
    pub achieved: Option<f64>,
    pub year: Option<i32>,
}

pub fn opt_number(x: Option<f64>) -> String {
    x.map(|v| format::decimal(v, 2)).unwrap_or_default()
}

impl Indicator {
    pub fn target_text(&self) -> String {
        opt_number(self.target)
    }
    pub fn achieved_text(&self) -> String {
        opt_number(self.achieved)
    }
    pub fn year_text(&self) -> String {
        self.year.map(|y| y.to_string()).unwrap_or_default()
    }
}

/// A step (étape) of a fiche action.
#[derive(sqlx::FromRow, Clone)]
pub struct Step {
    pub id: i64,
    pub action_id: i64,
    pub title: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: StepStatus,
}

impl Step {
    pub fn start(&self) -> String {
        format::opt_date(self.start_date)
    }
    pub fn end(&self) -> String {
        format::opt_date(self.end_date)
    }
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
}

/// Partners, fundings, indicators and steps of a set of actions: four queries, grouped in Rust.
#[derive(Default)]
pub struct Details {
    pub partners: HashMap<i64, Vec<Partner>>,
    pub fundings: HashMap<i64, Vec<Funding>>,
    pub indicators: HashMap<i64, Vec<Indicator>>,
    pub steps: HashMap<i64, Vec<Step>>,
}

/// Totals of budget lines: (total, acquired, requested) in cents.
pub fn totals(fundings: &[Funding]) -> (i64, i64, i64) {
    let acquired: i64 = fundings
        .iter()
        .filter(|f| f.state == "acquis")
        .map(|f| f.amount_cents)
        .sum();
    let requested: i64 = fundings
        .iter()
        .filter(|f| f.state != "acquis")
        .map(|f| f.amount_cents)
        .sum();
    (acquired + requested, acquired, requested)
}

/// One fiche as the plan page lists it: the columns of its table, with its budget and its number of
/// indicators summed by the database (the fiche's texts and child rows are not read).
#[derive(sqlx::FromRow)]
pub struct ActionLine {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub axis_id: i32,
    pub sector_code: Option<String>,
    pub sector_name: Option<String>,
    pub pilot_maison: bool,
    pub pilot_organisation_id: Option<i64>,
    pub pilot_name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub priority: String,
    pub status: ActionStatus,
    pub progress: i32,
    pub budget_cents: i64,
    pub acquired_cents: i64,
    pub indicators: i64,
}

impl ActionLine {
    pub fn late_on(&self, today: NaiveDate) -> bool {
        self.status.is_late(self.end_date, today)
    }
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
    pub fn priority_label(&self) -> &'static str {
        priority_label(&self.priority)
    }
    pub fn end(&self) -> String {
        format::opt_date(self.end_date)
    }
    pub fn pilot(&self) -> &str {
        self.pilot_name.as_deref().unwrap_or("")
    }
    pub fn sector(&self) -> &str {
        self.sector_name.as_deref().unwrap_or("")
    }
    pub fn budget(&self) -> String {
        format::money(self.budget_cents)
    }
    pub fn has_pilot(&self) -> bool {
        self.pilot_maison || self.pilot_organisation_id.is_some()
    }
    pub fn pilot_choice(&self) -> Pilot {
        Pilot::of(self.pilot_maison, self.pilot_organisation_id)
    }
}

/// Who pilots a fiche: nobody yet, the Maison itself, or one of its partner organisations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pilot {
    None,
    Maison,
    Organisation(i64),
}

impl Pilot {
    /// The form's value for the Maison itself.
    pub const MAISON: &'static str = "maison";

    pub fn of(maison: bool, organisation: Option<i64>) -> Pilot {
        match (maison, organisation) {
            (true, _) => Pilot::Maison,
            (false, Some(o)) => Pilot::Organisation(o),
            (false, None) => Pilot::None,
        }
    }
    /// The value of the select's option: empty, `maison` or the organisation's id.
    pub fn key(self) -> String {
        match self {
            Pilot::None => String::new(),
            Pilot::Maison => Pilot::MAISON.to_owned(),
            Pilot::Organisation(o) => o.to_string(),
        }
    }
    /// The columns `pilot_maison` and `pilot_organisation_id`.
    pub fn columns(self) -> (bool, Option<i64>) {
        match self {
            Pilot::None => (false, None),
            Pilot::Maison => (true, None),
            Pilot::Organisation(o) => (false, Some(o)),
        }
    }
    pub fn organisation(self) -> Option<i64> {
        self.columns().1
    }
}

/// The SQL of a fiche's pilot name, for a query on `action a` joined to `organisation o` (the pilot) and
/// `maison pm` (the plan's Maison): the Maison's name when it pilots, the organisation's otherwise.
pub const PILOT_NAME_SQL: &str = "case when a.pilot_maison then pm.name else o.name end";

/// The pilot organisation's referent on a fiche: one of its partner accounts or one of its contacts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PilotReferent {
    None,
    Account(i64),
    Contact(i64),
}

impl PilotReferent {
    pub fn of(account: Option<i64>, contact: Option<i64>) -> PilotReferent {
        match (account, contact) {
            (Some(a), _) => PilotReferent::Account(a),
            (None, Some(c)) => PilotReferent::Contact(c),
            (None, None) => PilotReferent::None,
        }
    }
    /// The value of the select's option: empty, `compte-<id>` or `contact-<id>`.
    pub fn key(self) -> String {
        match self {
            PilotReferent::None => String::new(),
            PilotReferent::Account(a) => format!("compte-{a}"),
            PilotReferent::Contact(c) => format!("contact-{c}"),
        }
    }
    /// The columns `pilot_referent_account_id` and `pilot_contact_id`.
    pub fn columns(self) -> (Option<i64>, Option<i64>) {
        match self {
            PilotReferent::None => (None, None),
            PilotReferent::Account(a) => (Some(a), None),
            PilotReferent::Contact(c) => (None, Some(c)),
        }
    }
}
