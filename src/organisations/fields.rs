//! The fields of an organisation and of a partnership, as typed and as validated.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::partnership::ROLES;
use crate::domain::siret;
use crate::web::format;
use crate::web::forms::FieldErrors;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct OrgForm {
    pub name: String,
    pub type_code: String,
    pub siret: String,
    pub region: String,
    pub address: String,
    pub website: String,
    pub email: String,
    pub phone: String,
}

#[derive(Clone, PartialEq)]
pub struct Org {
    pub name: String,
    pub type_code: String,
    pub siret: Option<String>,
    pub region: Option<String>,
    pub address: String,
    pub website: String,
    pub email: String,
    pub phone: String,
}

/// A statement that writes an organisation's columns.
pub type OrgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

impl Org {
    /// `q` with the organisation's eight columns bound after its own parameters, in the order
    /// name, type, SIRET, region, address, website, e-mail, phone.
    pub fn bound<'q>(&'q self, q: OrgQuery<'q>) -> OrgQuery<'q> {
        q.bind(&self.name)
            .bind(&self.type_code)
            .bind(&self.siret)
            .bind(&self.region)
            .bind(&self.address)
            .bind(&self.website)
            .bind(&self.email)
            .bind(&self.phone)
    }
}

#[derive(sqlx::FromRow, Clone)]
pub struct Choice {
    pub code: String,
    pub name: String,
}

/// The partner types and the regions, for the selects (one query).
pub async fn choices(db: &sqlx::PgPool) -> sqlx::Result<(Vec<Choice>, Vec<Choice>)> {
    #[derive(sqlx::FromRow)]
    struct Row {
        kind: String,
        code: String,
        name: String,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "select kind, code, name from (
             select 't' as kind, code, name, position from partner_type
             union all
             select 'r', code, name, 0 from region where zone <> 'com'
         ) t order by kind, position, name",
    )
    .fetch_all(db)
    .await?;
    let mut types = Vec::new();
    let mut regions = Vec::new();
    for r in rows {
        let target = if r.kind == "t" {
            &mut types
        } else {
            &mut regions
        };
        target.push(Choice {
            code: r.code,
            name: r.name,
        });
    }
    Ok((types, regions))
}

pub fn parse_org(f: &OrgForm, types: &[Choice], regions: &[Choice], e: &mut FieldErrors) -> Org {
    let name = e.name("name", &f.name, 200);
    if !types.iter().any(|t| t.code == f.type_code) {
        e.add("type_code", "Choisissez le type d'organisation.");
    }
    let siret = if f.siret.trim().is_empty() {
        None
    } else {
        match siret::parse(&f.siret) {
            Ok(s) => Some(s),
            Err(msg) => {
                e.add("siret", msg);
                None
            }
        }
    };
    let region = if f.region.is_empty() {
        None
    } else if regions.iter().any(|r| r.code == f.region) {
        Some(f.region.clone())
    } else {
        e.add("region", "Choisissez une région de la liste.");
        None
    };
    Org {
        name,
        type_code: f.type_code.clone(),
        siret,
        region,
        address: e.text("address", &f.address, 300),
        website: e.website("website", &f.website),
        email: e.email("email", &f.email),
        phone: e.phone("phone", &f.phone),
    }
}

/// `12345678900012` → `123 456 789 00012`.
pub fn siret_label(s: &str) -> String {
    if s.len() == 14 {
        format!("{} {} {} {}", &s[..3], &s[3..6], &s[6..9], &s[9..])
    } else {
        s.to_owned()
    }
}

/// The roles checked in a form (unknown values dropped), in their usual order.
pub fn parse_roles(values: &[String], e: &mut FieldErrors) -> Vec<String> {
    let roles: Vec<String> = ROLES
        .iter()
        .filter(|(code, _)| values.iter().any(|v| v == code))
        .map(|(code, _)| (*code).to_owned())
        .collect();
    if roles.is_empty() {
        e.add("roles", "Cochez au moins un rôle.");
    }
    roles
}

pub fn parse_since(v: &str, e: &mut FieldErrors) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        return None;
    }
    let d = format::parse_date(v);
    if d.is_none() {
        e.add(
            "since",
            "Date invalide : saisissez-la au format jj/mm/aaaa.",
        );
    }
    d
}

/// The unique constraint on the SIRET: a write it refuses says which organisation already has it.
pub const SIRET_KEY: &str = "organisation_siret_key";
