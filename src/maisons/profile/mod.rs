//! A Maison's profile: creating a Maison (admins, `new`) and editing it (admins: everything; its staff:
//! all but the convention fields, `edit`). Here, the form they share and how it is read. Edits are
//! guarded by the `version` column.

pub(super) mod edit;
pub(super) mod new;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

use super::territory::Candidate;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, checked};
use crate::web::{Ctx, format};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MaisonForm {
    name: String,
    epci: String,
    departement: String,
    legal_form: String,
    conventionnee: String,
    convention_date: String,
    grenelle_year: String,
    grenelle_pilot: String,
    address: String,
    postal_code: String,
    city: String,
    website: String,
    email: String,
    phone: String,
    president: String,
    director: String,
    version: String,
    form_key: String,
}

/// The validated values.
#[derive(Clone, PartialEq)]
struct Profile {
    name: String,
    departement: String,
    address: String,
    postal_code: String,
    city: String,
    website: String,
    email: String,
    phone: String,
    president: String,
    director: String,
}

#[derive(Clone, PartialEq)]
struct Convention {
    legal_form: String,
    conventionnee: bool,
    convention_date: Option<NaiveDate>,
    grenelle_year: Option<i32>,
    grenelle_pilot: bool,
}

#[derive(sqlx::FromRow)]
struct Current {
    name: String,
    departement_code: String,
    address: String,
    postal_code: String,
    city: String,
    website: String,
    email: String,
    phone: String,
    president: String,
    director: String,
    legal_form: String,
    conventionnee: bool,
    convention_date: Option<NaiveDate>,
    grenelle_year: Option<i32>,
    grenelle_pilot: bool,
    version: i32,
}

#[derive(sqlx::FromRow)]
pub struct Departement {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "maisons/form.html")]
struct FormPage {
    ctx: Ctx,
    /// None when creating.
    maison_id: Option<i64>,
    maison_name: String,
    f: MaisonForm,
    errors: FieldErrors,
    departements: Vec<Departement>,
    convention_editable: bool,
    /// Creating: the search for the main EPCI (GET `?epci_q=`), its results, and the EPCI picked from them
    /// (GET `?epci=SIREN`, which fills the field).
    epci_q: String,
    epci_results: Option<Vec<Candidate>>,
    epci_name: Option<String>,
}

impl FormPage {
    /// The form of Maison `maison` (its id and name; `None` when creating) as typed, with its messages,
    /// no EPCI search shown.
    fn new(
        ctx: Ctx,
        maison: Option<(i64, String)>,
        f: MaisonForm,
        errors: FieldErrors,
        departements: Vec<Departement>,
        convention_editable: bool,
    ) -> Self {
        let (maison_id, maison_name) = match maison {
            Some((id, name)) => (Some(id), name),
            None => (None, String::new()),
        };
        FormPage {
            ctx,
            maison_id,
            maison_name,
            f,
            errors,
            departements,
            convention_editable,
            epci_q: String::new(),
            epci_results: None,
            epci_name: None,
        }
    }

    fn is_checked(&self, v: &str) -> bool {
        checked(v)
    }
}

async fn departements(state: &AppState) -> sqlx::Result<Vec<Departement>> {
    sqlx::query_as("select code, code || ' – ' || name as name from departement order by code")
        .fetch_all(&state.db)
        .await
}

fn parse_profile(f: &MaisonForm, e: &mut FieldErrors) -> Profile {
    let postal_code = e.text("postal_code", &f.postal_code, 5);
    if !postal_code.is_empty()
        && (postal_code.len() != 5 || !postal_code.chars().all(|c| c.is_ascii_digit()))
    {
        e.add("postal_code", "Le code postal compte 5 chiffres.");
    }
    Profile {
        name: e.name("name", &f.name, 200),
        departement: f.departement.trim().to_owned(),
        address: e.text("address", &f.address, 300),
        postal_code,
        city: e.text("city", &f.city, 100),
        website: e.website("website", &f.website),
        email: e.email("email", &f.email),
        phone: e.phone("phone", &f.phone),
        president: e.text("president", &f.president, 200),
        director: e.text("director", &f.director, 200),
    }
}

fn parse_convention(f: &MaisonForm, e: &mut FieldErrors) -> Convention {
    let legal_form = match f.legal_form.as_str() {
        "association" | "gip" => f.legal_form.clone(),
        _ => {
            e.add("legal_form", "Choisissez la forme juridique.");
            f.legal_form.clone()
        }
    };
    let convention_date = if f.convention_date.trim().is_empty() {
        None
    } else {
        let d = format::parse_date(&f.convention_date);
        if d.is_none() {
            e.add(
                "convention_date",
                "Date invalide : saisissez-la au format jj/mm/aaaa.",
            );
        }
        d
    };
    let grenelle_year = if f.grenelle_year.trim().is_empty() {
        None
    } else {
        match format::parse_int(&f.grenelle_year) {
            Some(y) if (2007..=2100).contains(&y) => Some(y as i32),
            _ => {
                e.add(
                    "grenelle_year",
                    "Année invalide : une année entre 2007 et 2100.",
                );
                None
            }
        }
    };
    let grenelle_pilot = checked(&f.grenelle_pilot);
    if grenelle_pilot && grenelle_year.is_none() && !e.has("grenelle_year") {
        e.add(
            "grenelle_year",
            "Un site pilote a une année d'entrée dans le programme Grenelle.",
        );
    }
    Convention {
        legal_form,
        conventionnee: checked(&f.conventionnee),
        convention_date,
        grenelle_year,
        grenelle_pilot,
    }
}

/// The département must exist; returns its region.
async fn region_of(
    conn: impl sqlx::PgExecutor<'_>,
    departement: &str,
    e: &mut FieldErrors,
) -> sqlx::Result<Option<String>> {
    let region: Option<String> =
        sqlx::query_scalar("select region_code from departement where code = $1")
            .bind(departement)
            .fetch_optional(conn)
            .await?;
    if region.is_none() {
        e.add(
            "departement",
            "Choisissez le département du siège de la Maison.",
        );
    }
    Ok(region)
}

fn render(page: FormPage, status: StatusCode) -> AppResult<Response> {
    forms::render(&page, status)
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds the profile's and the convention's columns, in the order both statements list them (`name`,
/// `region_code`, `departement_code`, address, postal code, city, website, e-mail, phone, president,
/// director, `legal_form`, `conventionnee`, `convention_date`, `grenelle_year`, `grenelle_pilot`), after
/// what the statement binds first.
fn bind_profile<'q>(
    q: PgQuery<'q>,
    p: &'q Profile,
    region: &'q str,
    c: &'q Convention,
) -> PgQuery<'q> {
    q.bind(&p.name)
        .bind(region)
        .bind(&p.departement)
        .bind(&p.address)
        .bind(&p.postal_code)
        .bind(&p.city)
        .bind(&p.website)
        .bind(&p.email)
        .bind(&p.phone)
        .bind(&p.president)
        .bind(&p.director)
        .bind(&c.legal_form)
        .bind(c.conventionnee)
        .bind(c.convention_date)
        .bind(c.grenelle_year)
        .bind(c.grenelle_pilot)
}
