//! Rows and labels of plans (`action.rs`: those of the fiches actions). The queries that read them are
//! in `queries.rs`.

mod action;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::audit::HistoryEntry;
use crate::auth::policy::plans::{self as rules, PlanFacts};
use crate::error::{AppError, AppResult};
use crate::web::format;

pub use crate::domain::plan::{
    ActionStatus, PlanStatus, StepStatus, action_code_label, plan_code_label, progress_from_steps,
};
pub use action::{
    Action, ActionLine, CatalogueIndicator, Details, Funding, Indicator, PILOT_NAME_SQL,
    PRIORITIES, Partner, Person, Pilot, PilotReferent, Step, funding_state_label, is_late,
    opt_number, priority_label, totals,
};

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
    /// The pilots of the plan's fiches, in French order (the choices of the pilot filter): the partner
    /// organisations, and whether the Maison itself pilots some (`maison_pilots`).
    pub pilots: Vec<Org>,
    pub maison_pilots: bool,
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
        if !a.has_pilot() {
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
