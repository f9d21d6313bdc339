//! Creating a Maison (admins) and editing its profile (admins: everything; its staff: all but the
//! convention fields). Edits are guarded by the `version` column.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::territory::Candidate;
use crate::audit::{Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, network as rules};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, checked, parse_id};
use crate::web::{Ctx, Form, format, idempotency, outcome};

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
    conflict: bool,
    /// Creating: the search for the main EPCI (GET `?epci_q=`), its results, and the EPCI picked from them
    /// (GET `?epci=SIREN`, which fills the field).
    epci_q: String,
    epci_results: Option<Vec<Candidate>>,
    epci_name: Option<String>,
}

impl FormPage {
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    /// The search for the main EPCI, by name or SIREN.
    epci_q: String,
    /// The EPCI picked among the results.
    epci: String,
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(nq): Query<NewQuery>,
) -> AppResult<Response> {
    policy::ensure(rules::can_create_maison(&user))?;
    let epci_q: String = nq
        .epci_q
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let epci_results = if epci_q.is_empty() {
        None
    } else {
        Some(super::territory::search(&state, &epci_q).await?)
    };
    // A picked EPCI fills the field; an unknown one is simply not picked (the field stays to be typed).
    let picked: Option<(String, String)> = if nq.epci.len() == 9 {
        sqlx::query_as("select siren, name from epci where siren = $1")
            .bind(&nq.epci)
            .fetch_optional(&state.db)
            .await?
    } else {
        None
    };
    let (epci, epci_name) = match picked {
        Some((siren, name)) => (siren, Some(name)),
        None => (String::new(), None),
    };
    let f = MaisonForm {
        legal_form: "association".into(),
        conventionnee: "on".into(),
        form_key: ctx.form_key(),
        epci,
        ..MaisonForm::default()
    };
    render(
        FormPage {
            ctx,
            maison_id: None,
            maison_name: String::new(),
            f,
            errors: FieldErrors::default(),
            departements: departements(&state).await?,
            convention_editable: true,
            conflict: false,
            epci_q,
            epci_results,
            epci_name,
        },
        StatusCode::OK,
    )
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Form(f): Form<MaisonForm>,
) -> AppResult<Response> {
    policy::ensure(rules::can_create_maison(&user))?;
    let mut e = FieldErrors::default();
    let mut p = parse_profile(&f, &mut e);
    let c = parse_convention(&f, &mut e);
    let siren: String = f.epci.chars().filter(|c| !c.is_whitespace()).collect();
    #[derive(sqlx::FromRow)]
    struct EpciRow {
        name: String,
        dept: Option<String>,
    }
    let epci: Option<EpciRow> = if siren.len() == 9 && siren.chars().all(|c| c.is_ascii_digit()) {
        let row =
            sqlx::query_as("select name, departement_codes[1] as dept from epci where siren = $1")
                .bind(&siren)
                .fetch_optional(&state.db)
                .await?;
        if row.is_none() {
            e.add(
                "epci",
                "Aucun EPCI ne porte ce SIREN : vérifiez les 9 chiffres.",
            );
        }
        row
    } else {
        e.add(
            "epci",
            "Indiquez le SIREN (9 chiffres) de l'EPCI principal du territoire.",
        );
        None
    };
    // The EPCI gives the département when none was chosen.
    if p.departement.is_empty()
        && let Some(d) = epci.as_ref().and_then(|x| x.dept.clone())
    {
        p.departement = d;
    }
    let region = region_of(&state.db, &p.departement, &mut e).await?;
    let (Some(region), Some(epci), true) = (region, epci, e.is_empty()) else {
        return render(
            FormPage {
                ctx,
                maison_id: None,
                maison_name: String::new(),
                f,
                errors: e,
                departements: departements(&state).await?,
                convention_editable: true,
                conflict: false,
                epci_q: String::new(),
                epci_results: None,
                epci_name: None,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let mut tx = state.db.begin().await?;
    if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
        return Ok(Redirect::to("/maisons").into_response());
    }
    let id: i64 = sqlx::query_scalar(
        "insert into maison (name, legal_form, region_code, departement_code, address, postal_code, city,
                             website, email, phone, president, director, convention_date, conventionnee,
                             grenelle_year, grenelle_pilot)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning id",
    )
    .bind(&p.name)
    .bind(&c.legal_form)
    .bind(&region)
    .bind(&p.departement)
    .bind(&p.address)
    .bind(&p.postal_code)
    .bind(&p.city)
    .bind(&p.website)
    .bind(&p.email)
    .bind(&p.phone)
    .bind(&p.president)
    .bind(&p.director)
    .bind(c.convention_date)
    .bind(c.conventionnee)
    .bind(c.grenelle_year)
    .bind(c.grenelle_pilot)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("insert into maison_epci (maison_id, epci_siren) values ($1, $2)")
        .bind(id)
        .bind(&siren)
        .execute(&mut *tx)
        .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(id),
            object_type: "maison",
            object_id: id,
            action: "creation",
            summary: format!("Maison créée : {} (territoire : {})", p.name, epci.name),
            changes: vec![],
        },
        &format!("La Maison « {} » a été créée.", p.name),
        &format!("/maisons/{id}"),
    )
    .await
}

async fn current(conn: impl sqlx::PgExecutor<'_>, id: i64, lock: bool) -> AppResult<Current> {
    let sql = if lock {
        "select name, departement_code, address, postal_code, city, website, email, phone, president,
                director, legal_form, conventionnee, convention_date, grenelle_year, grenelle_pilot, version
         from maison where id = $1 for update"
    } else {
        "select name, departement_code, address, postal_code, city, website, email, phone, president,
                director, legal_form, conventionnee, convention_date, grenelle_year, grenelle_pilot, version
         from maison where id = $1"
    };
    sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
}

fn form_of(c: &Current) -> MaisonForm {
    MaisonForm {
        name: c.name.clone(),
        departement: c.departement_code.clone(),
        legal_form: c.legal_form.clone(),
        conventionnee: if c.conventionnee {
            "on".into()
        } else {
            String::new()
        },
        convention_date: c
            .convention_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        grenelle_year: c.grenelle_year.map(|y| y.to_string()).unwrap_or_default(),
        grenelle_pilot: if c.grenelle_pilot {
            "on".into()
        } else {
            String::new()
        },
        address: c.address.clone(),
        postal_code: c.postal_code.clone(),
        city: c.city.clone(),
        website: c.website.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        president: c.president.clone(),
        director: c.director.clone(),
        version: c.version.to_string(),
        ..MaisonForm::default()
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_edit_maison(&user, id))?;
    let c = current(&state.db, id, false).await?;
    render(
        FormPage {
            ctx,
            maison_id: Some(id),
            maison_name: c.name.clone(),
            f: form_of(&c),
            errors: FieldErrors::default(),
            departements: departements(&state).await?,
            convention_editable: rules::can_edit_convention(&user),
            conflict: false,
            epci_q: String::new(),
            epci_results: None,
            epci_name: None,
        },
        StatusCode::OK,
    )
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(mut f): Form<MaisonForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_edit_maison(&user, id))?;
    let convention_editable = rules::can_edit_convention(&user);
    let mut tx = state.db.begin().await?;
    let before = current(&mut *tx, id, true).await?;
    if !convention_editable {
        // The staff's form has no convention fields: whatever came is ignored.
        let shown = form_of(&before);
        f.legal_form = shown.legal_form;
        f.conventionnee = shown.conventionnee;
        f.convention_date = shown.convention_date;
        f.grenelle_year = shown.grenelle_year;
        f.grenelle_pilot = shown.grenelle_pilot;
    }
    let mut e = FieldErrors::default();
    let p = parse_profile(&f, &mut e);
    let c = parse_convention(&f, &mut e);
    let region = region_of(&mut *tx, &p.departement, &mut e).await?;
    let version = format::parse_int(&f.version).unwrap_or(-1);
    let conflict = e.is_empty() && version != i64::from(before.version);
    let (Some(region), true, false) = (region, e.is_empty(), conflict) else {
        drop(tx);
        let status = if conflict {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return render(
            FormPage {
                ctx,
                maison_id: Some(id),
                maison_name: before.name.clone(),
                f,
                errors: e,
                departements: departements(&state).await?,
                convention_editable,
                conflict,
                epci_q: String::new(),
                epci_results: None,
                epci_name: None,
            },
            status,
        );
    };
    let mut d = Diff::default();
    d.field("name", "Nom", before.name.clone(), p.name.clone())
        .field(
            "departement_code",
            "Département",
            before.departement_code.clone(),
            p.departement.clone(),
        )
        .field(
            "address",
            "Adresse",
            before.address.clone(),
            p.address.clone(),
        )
        .field(
            "postal_code",
            "Code postal",
            before.postal_code.clone(),
            p.postal_code.clone(),
        )
        .field("city", "Ville", before.city.clone(), p.city.clone())
        .field(
            "website",
            "Site web",
            before.website.clone(),
            p.website.clone(),
        )
        .field("email", "E-mail", before.email.clone(), p.email.clone())
        .field("phone", "Téléphone", before.phone.clone(), p.phone.clone())
        .field(
            "president",
            "Président(e)",
            before.president.clone(),
            p.president.clone(),
        )
        .field(
            "director",
            "Direction",
            before.director.clone(),
            p.director.clone(),
        )
        .field(
            "legal_form",
            "Forme juridique",
            super::show::legal_form_label(&before.legal_form),
            super::show::legal_form_label(&c.legal_form),
        )
        .field(
            "conventionnee",
            "Conventionnée",
            before.conventionnee,
            c.conventionnee,
        )
        .field(
            "convention_date",
            "Date de convention",
            before.convention_date.map(format::date),
            c.convention_date.map(format::date),
        )
        .field(
            "grenelle_year",
            "Entrée dans le programme Grenelle",
            before.grenelle_year,
            c.grenelle_year,
        )
        .field(
            "grenelle_pilot",
            "Site pilote Grenelle",
            before.grenelle_pilot,
            c.grenelle_pilot,
        );
    if d.is_empty() {
        drop(tx);
        return Ok(Redirect::to(&format!("/maisons/{id}")).into_response());
    }
    sqlx::query(
        "update maison set name = $3, region_code = $4, departement_code = $5, address = $6,
                postal_code = $7, city = $8, website = $9, email = $10, phone = $11, president = $12,
                director = $13, legal_form = $14, conventionnee = $15, convention_date = $16,
                grenelle_year = $17, grenelle_pilot = $18, version = version + 1
         where id = $1 and version = $2",
    )
    .bind(id)
    .bind(before.version)
    .bind(&p.name)
    .bind(&region)
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
    .execute(&mut *tx)
    .await?;
    let n = d.0.len();
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(id),
            object_type: "maison",
            object_id: id,
            action: "modification",
            summary: format!(
                "Fiche de la Maison modifiée ({n} champ{})",
                if n > 1 { "s" } else { "" }
            ),
            changes: d.0,
        },
        "La fiche de la Maison a été enregistrée.",
        &format!("/maisons/{id}"),
    )
    .await
}
