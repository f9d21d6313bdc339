//! Rows and labels of plans and fiches actions (the queries that read them are in `queries.rs`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::audit::HistoryEntry;
use crate::auth::policy::plans::{self as rules, PlanFacts};
use crate::error::{AppError, AppResult};
use crate::web::format;

pub use crate::domain::plan::{ActionStatus, PlanStatus, action_code_label, plan_code_label};

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

#[derive(sqlx::FromRow, Clone)]
pub struct Plan {
    pub id: i64,
    pub maison_id: i64,
    pub maison_name: String,
    pub diagnostic_id: Option<i64>,
    pub diagnostic_title: Option<String>,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub charter: String,
    pub status: PlanStatus,
    pub revision_reason: String,
    pub evaluation: String,
    pub previous_id: Option<i64>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    pub partnered: bool,
}

impl Plan {
    pub fn facts(&self) -> PlanFacts {
        PlanFacts {
            maison_id: self.maison_id,
            status: self.status,
            partnered: self.partnered,
        }
    }
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
    pub fn period(&self) -> String {
        if self.start_year == self.end_year {
            self.start_year.to_string()
        } else {
            format!("{}–{}", self.start_year, self.end_year)
        }
    }
    pub fn editable(&self) -> bool {
        rules::plan_content_editable(self.status)
    }

    /// The plan's content (head and fiches) may change only while it is a draft: 409 otherwise.
    pub fn ensure_editable(&self) -> AppResult<()> {
        if self.editable() {
            Ok(())
        } else {
            Err(AppError::Conflict(format!(
                "Ce plan est « {} » : son contenu est figé. Seul le suivi (statut, avancement, notes, valeurs \
                 réalisées) reste possible ; pour changer son périmètre, créez une nouvelle version du plan.",
                self.status_label()
            )))
        }
    }
}

/// What the plan page shows besides its actions, loaded with the plan in one statement.
pub struct PlanPage {
    pub plan: Plan,
    pub axes: Vec<Axis>,
    pub sectors: Vec<Sector>,
    pub timeline: Vec<TimelineStep>,
    pub copil: Vec<CopilRow>,
    pub reviews: Vec<ReviewRow>,
    pub history: Vec<HistoryEntry>,
    /// The diagnostic's *enjeux* section: title and Markdown source.
    pub enjeux: Option<(String, String)>,
    /// The Maison's other live plans (not clôturé) whose period overlaps this one's (view
    /// `plan_overlap`); who may see which is decided when the page is drawn.
    pub overlaps: Vec<Overlap>,
    /// The Maison's current plan, as the one rule says (view `maison_current_plan`).
    pub current_plan_id: Option<i64>,
    /// The pilots of the plan's fiches, in French order (the choices of the pilot filter).
    pub pilots: Vec<Org>,
}

/// Another plan of the Maison covering some of the same years.
#[derive(Deserialize, Clone)]
pub struct Overlap {
    pub id: i64,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub status: PlanStatus,
}

impl Overlap {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn period(&self) -> String {
        format!("{}–{}", self.start_year, self.end_year)
    }
}

#[derive(sqlx::FromRow, Deserialize, Clone)]
pub struct Axis {
    pub id: i32,
    pub number: i32,
    pub title: String,
    pub short_title: String,
}

pub use crate::domain::sector::Sector;

#[derive(sqlx::FromRow, Deserialize, Clone)]
pub struct Org {
    pub id: i64,
    pub name: String,
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
    pub pilot_organisation_id: Option<i64>,
    pub pilot_name: Option<String>,
    pub referent_account_id: Option<i64>,
    pub referent_name: Option<String>,
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

/// Partners, fundings and indicators of a set of actions: three queries, grouped in Rust.
#[derive(Default)]
pub struct Details {
    pub partners: HashMap<i64, Vec<Partner>>,
    pub fundings: HashMap<i64, Vec<Funding>>,
    pub indicators: HashMap<i64, Vec<Indicator>>,
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

/// One step of a workflow timeline.
#[derive(sqlx::FromRow, Deserialize)]
pub struct TransitionRow {
    pub from_status: Option<String>,
    pub to_status: String,
    pub who: Option<String>,
    pub at: DateTime<Utc>,
    pub comment: String,
}

pub struct TimelineStep {
    pub at: String,
    pub at_iso: String,
    pub who: String,
    pub what: String,
    pub comment: String,
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
}

/// What stops a plan from being submitted: one French sentence per missing thing.
pub fn submission_problems(axes: &[Axis], actions: &[ActionLine]) -> Vec<String> {
    let mut out = Vec::new();
    if actions.is_empty() {
        out.push("Le plan ne contient encore aucune fiche action.".to_owned());
    }
    for a in actions {
        let mut missing = Vec::new();
        if a.title.trim().is_empty() {
            missing.push("un intitulé");
        }
        if a.pilot_organisation_id.is_none() {
            missing.push("un pilote");
        }
        if a.start_date.is_none() {
            missing.push("une date de début");
        }
        if a.end_date.is_none() {
            missing.push("une date de fin");
        }
        if a.indicators == 0 {
            missing.push("au moins un indicateur");
        }
        if !missing.is_empty() {
            out.push(format!(
                "Fiche n° {} « {} » : il manque {}.",
                a.number,
                a.title,
                missing.join(", ")
            ));
        }
    }
    for ax in axes {
        if !actions.iter().any(|a| a.axis_id == ax.id) {
            out.push(format!(
                "Aucune action sur l'axe {} « {} » : le cahier des charges demande au moins une action par axe.",
                ax.number, ax.short_title
            ));
        }
    }
    out
}

/// The diagnostic's *enjeux* section, shown beside the plan while it is built: its title and its Markdown
/// rendered and sanitised as on the diagnostic page.
pub struct Enjeux {
    pub title: String,
    pub html: String,
}

impl Enjeux {
    pub fn new((title, body): (String, String)) -> Self {
        Enjeux {
            title,
            html: crate::web::markdown::render(&body),
        }
    }
}

#[derive(sqlx::FromRow, Deserialize)]
pub struct CopilRow {
    pub decided_on: NaiveDate,
    pub decision: String,
    pub members_present: String,
    pub minutes: String,
    pub who: Option<String>,
}

impl CopilRow {
    pub fn date(&self) -> String {
        format::date(self.decided_on)
    }
    pub fn decision_label(&self) -> &'static str {
        if self.decision == "valide" {
            "Plan validé"
        } else {
            "Plan à réviser"
        }
    }
    pub fn who(&self) -> &str {
        self.who.as_deref().unwrap_or("")
    }
}

#[derive(sqlx::FromRow, Deserialize)]
pub struct ReviewRow {
    pub id: i64,
    pub opinion: String,
    pub remarks: String,
    pub who: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The conversation under the avis, in date order (read on the plan page only).
    #[sqlx(skip)]
    #[serde(default)]
    pub replies: Vec<ReplyRow>,
}

/// A reply under an avis du réseau: the Maison's or the Alliance's.
#[derive(sqlx::FromRow, Deserialize, Clone)]
pub struct ReplyRow {
    pub id: i64,
    pub side: String,
    pub body: String,
    pub who: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ReplyRow {
    /// Who spoke, as the thread says it.
    pub fn side_label(&self) -> &'static str {
        if self.side == "reseau" {
            "Alliance Villes Emploi"
        } else {
            "Maison"
        }
    }
    pub fn at(&self) -> String {
        format::datetime(self.created_at)
    }
    pub fn who(&self) -> &str {
        self.who.as_deref().unwrap_or("")
    }
}

impl ReviewRow {
    pub fn opinion_label(&self) -> &'static str {
        if self.opinion == "favorable" {
            "Avis favorable"
        } else {
            "Avis réservé"
        }
    }
    pub fn badge(&self) -> &'static str {
        if self.opinion == "favorable" {
            "badge badge-success"
        } else {
            "badge badge-warning"
        }
    }
    pub fn at(&self) -> String {
        format::datetime(self.created_at)
    }
    pub fn who(&self) -> &str {
        self.who.as_deref().unwrap_or("")
    }
}
