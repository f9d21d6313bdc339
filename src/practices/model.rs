//! A practice and its published version (the current one), loaded in one statement with the reader's
//! rights; the labels its page and the library show.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::auth::CurrentUser;
use crate::auth::policy::{self, practices as rules};
use crate::domain::practice::{self as codes, PracticeStatus};
use crate::error::{AppError, AppResult};
use crate::web::format;

/// One indicator as the practice publishes it (a copy: later edits of the action leave it).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Figure {
    pub label: String,
    pub unit: String,
    /// The catalogue's indicator, so that a reuse names it again.
    #[serde(default)]
    pub indicator_id: Option<i64>,
    pub target: Option<f64>,
    pub achieved: Option<f64>,
}

impl Figure {
    pub fn target_text(&self) -> String {
        self.target
            .map(|v| format::decimal(v, 2))
            .unwrap_or_default()
    }
    pub fn achieved_text(&self) -> String {
        self.achieved
            .map(|v| format::decimal(v, 2))
            .unwrap_or_default()
    }
}

/// The columns of [`Practice`] (aliases `p` practice, `v` its current version, `m` its Maison).
pub const PRACTICE_COLUMNS: &str =
    "p.id, p.maison_id, m.name as maison_name, r.name as region_name,
    p.action_id, p.status, p.remarkable, p.review_comment, p.reviewed_at, p.version, p.proposed_by,
    v.id as version_id, v.number as version_number, v.title, v.axis_id, ax.number as axis_number,
    ax.title as axis_title, v.sector_code, s.name as sector_name, v.publics, v.public_text,
    v.territory_types, v.territory_size, v.budget_range, v.duration_months, v.summary, v.results,
    v.figures, v.worked, v.difficulties, v.conditions, v.cost_per_beneficiary_cents, v.contact_role,
    v.contact_email, v.created_at as published_at";

/// The joins of [`PRACTICE_COLUMNS`].
pub const PRACTICE_FROM: &str = "from practice p
    join practice_version v on v.id = p.current_version_id
    join maison m on m.id = p.maison_id
    join region r on r.code = m.region_code
    join axis ax on ax.id = v.axis_id
    left join sector s on s.code = v.sector_code";

#[derive(sqlx::FromRow, Clone)]
pub struct Practice {
    pub id: i64,
    pub maison_id: i64,
    pub maison_name: String,
    pub region_name: String,
    pub action_id: Option<i64>,
    pub status: PracticeStatus,
    pub remarkable: bool,
    pub review_comment: String,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub proposed_by: Option<i64>,
    pub version_id: i64,
    pub version_number: i32,
    pub title: String,
    pub axis_id: i32,
    pub axis_number: i32,
    pub axis_title: String,
    pub sector_code: Option<String>,
    pub sector_name: Option<String>,
    pub publics: Vec<String>,
    pub public_text: String,
    pub territory_types: Vec<String>,
    pub territory_size: String,
    pub budget_range: String,
    pub duration_months: Option<i32>,
    pub summary: String,
    pub results: String,
    pub figures: Json<Vec<Figure>>,
    pub worked: String,
    pub difficulties: String,
    pub conditions: String,
    pub cost_per_beneficiary_cents: Option<i64>,
    pub contact_role: String,
    pub contact_email: String,
    pub published_at: DateTime<Utc>,
}

impl Practice {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
    pub fn accepted(&self) -> bool {
        self.status == PracticeStatus::Acceptee
    }
    pub fn sector(&self) -> &str {
        self.sector_name.as_deref().unwrap_or("")
    }
    pub fn publics_text(&self) -> String {
        labels(codes::PUBLICS, &self.publics)
    }
    pub fn territory_text(&self) -> String {
        labels(codes::TERRITORY_TYPES, &self.territory_types)
    }
    pub fn size_label(&self) -> &'static str {
        codes::label_in(codes::TERRITORY_SIZES, &self.territory_size)
    }
    pub fn budget_label(&self) -> &'static str {
        codes::label_in(codes::BUDGET_RANGES, &self.budget_range)
    }
    pub fn duration(&self) -> String {
        self.duration_months
            .map(|m| format::counted(i64::from(m), "mois", "mois"))
            .unwrap_or_default()
    }
    pub fn cost(&self) -> String {
        self.cost_per_beneficiary_cents
            .map(format::money)
            .unwrap_or_default()
    }
    pub fn published(&self) -> String {
        format::date(self.published_at.date_naive())
    }
    pub fn reviewed(&self) -> String {
        self.reviewed_at
            .map(|t| format::date(t.date_naive()))
            .unwrap_or_default()
    }
}

/// The labels of `codes` in `set`, in the set's order, joined by commas.
pub fn labels(set: &[(&'static str, &'static str)], codes: &[String]) -> String {
    set.iter()
        .filter(|(k, _)| codes.iter().any(|c| c == k))
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The practice `id`, if the reader may read it; anything else is a 404.
pub async fn load(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<Practice> {
    let p = by_id(conn, id, false).await?.ok_or(AppError::NotFound)?;
    policy::ensure(rules::can_read_practice(user, p.maison_id, p.status))?;
    Ok(p)
}

/// The practice `id` (locked for the write's transaction when `lock`), whoever asks.
pub async fn by_id(conn: &mut PgConnection, id: i64, lock: bool) -> sqlx::Result<Option<Practice>> {
    let lock = if lock { " for update of p" } else { "" };
    sqlx::query_as(&format!(
        "select {PRACTICE_COLUMNS} {PRACTICE_FROM} where p.id = $1{lock}"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}
