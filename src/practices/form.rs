//! The practice's public summary as a form: what the Maison proposes and reworks (`propose`). Checked
//! here: required fields, the facets' codes, a contact that is a role and a shared mailbox (never the
//! address of one of the portal's accounts).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::{Figure, Practice};
use crate::domain::practice as codes;
use crate::domain::sector::{self, Sector};
use crate::error::AppResult;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, format};

#[derive(Deserialize, Default, Clone)]
pub struct PracticeForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub axis: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub publics: Vec<String>,
    #[serde(default)]
    pub public_text: String,
    #[serde(default)]
    pub territory: Vec<String>,
    #[serde(default)]
    pub size: String,
    #[serde(default)]
    pub budget: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub results: String,
    #[serde(default)]
    pub worked: String,
    #[serde(default)]
    pub difficulties: String,
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub cost: String,
    #[serde(default)]
    pub contact_role: String,
    #[serde(default)]
    pub contact_email: String,
    /// The practice's version the form was drawn from (rework only).
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub form_key: String,
}

/// A version's text, checked: what `practice_version` stores.
pub struct Summary {
    pub title: String,
    pub axis_id: i32,
    pub sector_code: Option<String>,
    pub publics: Vec<String>,
    pub public_text: String,
    pub territory_types: Vec<String>,
    pub territory_size: String,
    pub budget_range: String,
    pub duration_months: Option<i32>,
    pub summary: String,
    pub results: String,
    pub worked: String,
    pub difficulties: String,
    pub conditions: String,
    pub cost_per_beneficiary_cents: Option<i64>,
    pub contact_role: String,
    pub contact_email: String,
}

pub fn cents_text(c: Option<i64>) -> String {
    c.map(|c| format::decimal(c as f64 / 100.0, 2))
        .unwrap_or_default()
}

/// Keeps the codes of `set` that were sent, in the set's order.
fn codes_in(set: &[(&'static str, &'static str)], sent: &[String]) -> Vec<String> {
    set.iter()
        .filter(|(k, _)| sent.iter().any(|s| s == k))
        .map(|(k, _)| (*k).to_owned())
        .collect()
}

impl PracticeForm {
    /// The form of a published version, to be reworked.
    pub fn of(p: &Practice) -> Self {
        PracticeForm {
            title: p.title.clone(),
            axis: p.axis_id.to_string(),
            sector: p.sector_code.clone().unwrap_or_default(),
            publics: p.publics.clone(),
            public_text: p.public_text.clone(),
            territory: p.territory_types.clone(),
            size: p.territory_size.clone(),
            budget: p.budget_range.clone(),
            duration: p.duration_months.map(|d| d.to_string()).unwrap_or_default(),
            summary: p.summary.clone(),
            results: p.results.clone(),
            worked: p.worked.clone(),
            difficulties: p.difficulties.clone(),
            conditions: p.conditions.clone(),
            cost: cents_text(p.cost_per_beneficiary_cents),
            contact_role: p.contact_role.clone(),
            contact_email: p.contact_email.clone(),
            version: p.version.to_string(),
            form_key: String::new(),
        }
    }

    pub fn has_public(&self, code: &str) -> bool {
        self.publics.iter().any(|c| c == code)
    }
    pub fn has_territory(&self, code: &str) -> bool {
        self.territory.iter().any(|c| c == code)
    }

    /// The summary the form asks for, or the messages beside its fields. `axes` are the ids offered.
    pub async fn check(
        &self,
        conn: &mut PgConnection,
        axes: &[Axis],
        sectors: &[Sector],
    ) -> sqlx::Result<Result<Summary, FieldErrors>> {
        let mut e = FieldErrors::default();
        let axis_id = format::parse_int(&self.axis)
            .and_then(|a| i32::try_from(a).ok())
            .filter(|a| axes.iter().any(|x| x.id == *a));
        if axis_id.is_none() {
            e.add("axis", "Choisissez l'axe du cahier des charges.");
        }
        let sector_code = match self.sector.trim() {
            "" => None,
            s if sectors.iter().any(|x| x.code == s) => Some(s.to_owned()),
            _ => {
                e.add("sector", "Choisissez une filière de la liste.");
                None
            }
        };
        let territory_types = codes_in(codes::TERRITORY_TYPES, &self.territory);
        if territory_types.is_empty() {
            e.add("territory", "Cochez au moins un type de territoire.");
        }
        let size = self.size.trim();
        if codes::label_in(codes::TERRITORY_SIZES, size).is_empty() {
            e.add("size", "Choisissez la taille du territoire.");
        }
        let budget = self.budget.trim();
        if codes::label_in(codes::BUDGET_RANGES, budget).is_empty() {
            e.add("budget", "Choisissez la tranche de budget.");
        }
        let duration_months = match self.duration.trim() {
            "" => None,
            raw => match format::parse_int(raw).filter(|d| (1..=240).contains(d)) {
                Some(d) => i32::try_from(d).ok(),
                None => {
                    e.add("duration", "Indiquez une durée en mois, de 1 à 240.");
                    None
                }
            },
        };
        let cost_per_beneficiary_cents = match self.cost.trim() {
            "" => None,
            raw => format::parse_money_cents(raw).or_else(|| {
                e.add(
                    "cost",
                    "Indiquez un montant en euros (exemple : 1 250,50), ou laissez vide.",
                );
                None
            }),
        };
        let contact_email = self.contact(conn, &mut e).await?;
        let s = Summary {
            title: e.name("title", &self.title, 200),
            axis_id: axis_id.unwrap_or_default(),
            sector_code,
            publics: codes_in(codes::PUBLICS, &self.publics),
            public_text: e.text("public_text", &self.public_text, 1000),
            territory_types,
            territory_size: size.to_owned(),
            budget_range: budget.to_owned(),
            duration_months,
            summary: e.name("summary", &self.summary, 5000),
            results: e.name("results", &self.results, 5000),
            worked: e.text("worked", &self.worked, 5000),
            difficulties: e.text("difficulties", &self.difficulties, 5000),
            conditions: e.text("conditions", &self.conditions, 5000),
            cost_per_beneficiary_cents,
            contact_role: e.name("contact_role", &self.contact_role, 200),
            contact_email,
        };
        Ok(if e.is_empty() { Ok(s) } else { Err(e) })
    }

    /// The contact's address: required, well formed, and not the address of one of the portal's
    /// accounts (a person's own; the library is read by the whole network).
    async fn contact(&self, conn: &mut PgConnection, e: &mut FieldErrors) -> sqlx::Result<String> {
        let email = e.email("contact_email", &self.contact_email);
        if email.is_empty() {
            e.add(
                "contact_email",
                "Indiquez une adresse de contact partagée (exemple : clauses@mde-lille.fr).",
            );
        } else if !e.has("contact_email") {
            let personal: bool = sqlx::query_scalar(
                "select exists (select 1 from account where lower(email) = lower($1))",
            )
            .bind(&email)
            .fetch_one(conn)
            .await?;
            if personal {
                e.add(
                    "contact_email",
                    "Cette adresse est celle du compte d'une personne : indiquez une adresse partagée \
                     ou celle d'un rôle (exemple : clauses@mde-lille.fr), que le réseau peut lire.",
                );
            }
        }
        Ok(email)
    }
}

#[derive(sqlx::FromRow, Clone)]
pub struct Axis {
    pub id: i32,
    pub number: i32,
    pub short_title: String,
}

pub async fn axes(conn: &mut PgConnection) -> sqlx::Result<Vec<Axis>> {
    sqlx::query_as("select id, number, short_title from axis where charter = $1 order by number")
        .bind(crate::domain::CURRENT_CHARTER)
        .fetch_all(conn)
        .await
}

#[derive(Template)]
#[template(path = "practices/form.html")]
struct FormPage<'a> {
    ctx: Ctx,
    /// Where the form is sent, and where « Annuler » leads.
    action: &'a str,
    back: &'a str,
    heading: &'a str,
    /// The action it comes from (title), for the lead.
    source: &'a str,
    form: PracticeForm,
    errors: FieldErrors,
    axes: Vec<Axis>,
    sectors: Vec<Sector>,
    figures: &'a [Figure],
    publics: &'static [(&'static str, &'static str)],
    territories: &'static [(&'static str, &'static str)],
    sizes: &'static [(&'static str, &'static str)],
    budgets: &'static [(&'static str, &'static str)],
}

/// Where a form page is sent and what it says.
pub struct Frame<'a> {
    pub action: &'a str,
    pub back: &'a str,
    pub heading: &'a str,
    pub source: &'a str,
    pub figures: &'a [Figure],
}

/// The summary's form page, answering `status` (OK, 422 to correct, 409 on a conflict).
pub async fn page(
    conn: &mut PgConnection,
    ctx: Ctx,
    frame: Frame<'_>,
    form: PracticeForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let page = FormPage {
        ctx,
        action: frame.action,
        back: frame.back,
        heading: frame.heading,
        source: frame.source,
        figures: frame.figures,
        form,
        errors,
        axes: axes(&mut *conn).await?,
        sectors: sector::all(&mut *conn).await?,
        publics: codes::PUBLICS,
        territories: codes::TERRITORY_TYPES,
        sizes: codes::TERRITORY_SIZES,
        budgets: codes::BUDGET_RANGES,
    };
    forms::render(&page, status)
}
