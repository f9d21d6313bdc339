//! Creating a Maison (admins): its profile, convention and main EPCI.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use sqlx::Row;

use super::{
    FormPage, MaisonForm, bind_profile, departements, parse_convention, parse_profile, region_of,
    render,
};
use crate::audit::Event;
use crate::auth::policy::{self, network as rules};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms::FieldErrors;
use crate::web::{Form, Signed, idempotency, outcome};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    /// The search for the main EPCI, by name or SIREN.
    epci_q: String,
    /// The EPCI picked among the results.
    epci: String,
}

pub async fn new_form(
    Signed { state, user, ctx }: Signed,
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
        Some(crate::maisons::territory::search(&state, &epci_q).await?)
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
    let departements = departements(&state).await?;
    let page = FormPage {
        epci_q,
        epci_results,
        epci_name,
        ..FormPage::new(ctx, None, f, FieldErrors::default(), departements, true)
    };
    render(page, StatusCode::OK)
}

#[derive(sqlx::FromRow)]
struct EpciRow {
    name: String,
    dept: Option<String>,
}

/// The main EPCI of a new Maison, by its SIREN (`None`, with the message, when it names none).
async fn main_epci(
    state: &AppState,
    siren: &str,
    e: &mut FieldErrors,
) -> sqlx::Result<Option<EpciRow>> {
    if siren.len() != 9 || !siren.chars().all(|c| c.is_ascii_digit()) {
        e.add(
            "epci",
            "Indiquez le SIREN (9 chiffres) de l'EPCI principal du territoire.",
        );
        return Ok(None);
    }
    let row =
        sqlx::query_as("select name, departement_codes[1] as dept from epci where siren = $1")
            .bind(siren)
            .fetch_optional(&state.db)
            .await?;
    if row.is_none() {
        e.add(
            "epci",
            "Aucun EPCI ne porte ce SIREN : vérifiez les 9 chiffres.",
        );
    }
    Ok(row)
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Form(f): Form<MaisonForm>,
) -> AppResult<Response> {
    policy::ensure(rules::can_create_maison(&user))?;
    let mut e = FieldErrors::default();
    let mut p = parse_profile(&f, &mut e);
    let c = parse_convention(&f, &mut e);
    let siren: String = f.epci.chars().filter(|c| !c.is_whitespace()).collect();
    let epci = main_epci(&state, &siren, &mut e).await?;
    // The EPCI gives the département when none was chosen.
    if p.departement.is_empty()
        && let Some(d) = epci.as_ref().and_then(|x| x.dept.clone())
    {
        p.departement = d;
    }
    let region = region_of(&state.db, &p.departement, &mut e).await?;
    let (Some(region), Some(epci), true) = (region, epci, e.is_empty()) else {
        let departements = departements(&state).await?;
        let page = FormPage::new(ctx, None, f, e, departements, true);
        return render(page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let mut tx = state.db.begin().await?;
    if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
        return Ok(Redirect::to("/maisons").into_response());
    }
    let id: i64 = bind_profile(
        sqlx::query(
            "insert into maison (name, region_code, departement_code, address, postal_code, city, website,
                                 email, phone, president, director, legal_form, conventionnee,
                                 convention_date, grenelle_year, grenelle_pilot)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             returning id",
        ),
        &p,
        &region,
        &c,
    )
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    sqlx::query("insert into maison_epci (maison_id, epci_siren) values ($1, $2)")
        .bind(id)
        .bind(&siren)
        .execute(&mut *tx)
        .await?;
    let summary = format!("Maison créée : {} (territoire : {})", p.name, epci.name);
    outcome::done(
        tx,
        &ctx,
        Event::of_maison(user.id, id, "creation", summary),
        &format!("La Maison « {} » a été créée.", p.name),
        &format!("/maisons/{id}"),
    )
    .await
}
