//! Editing a Maison's profile (admins: everything; its staff: all but the convention fields), guarded
//! by the `version` column.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{
    Convention, Current, FormPage, MaisonForm, Profile, bind_profile, departements,
    parse_convention, parse_profile, region_of, render,
};
use crate::audit::{Diff, Event};
use crate::auth::policy::{self, network as rules};
use crate::error::{AppError, AppResult};
use crate::maisons::show::legal_form_label;
use crate::web::forms::{FieldErrors, parse_id};
use crate::web::{Form, Signed, format, outcome};

/// The message above the form when someone else saved the Maison's profile first.
const CHANGED: &str = "Quelqu'un a modifié cette fiche pendant que vous la saisissiez. Vos modifications \
                       n'ont pas été enregistrées : elles sont conservées ci-dessous. Ouvrez la fiche dans \
                       un autre onglet pour voir la version actuelle, reportez vos changements puis \
                       enregistrez à nouveau.";

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
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_edit_maison(&user, id))?;
    let c = current(&state.db, id, false).await?;
    let departements = departements(&state).await?;
    let editable = rules::can_edit_convention(&user);
    let page = FormPage::new(
        ctx,
        Some((id, c.name.clone())),
        form_of(&c),
        FieldErrors::default(),
        departements,
        editable,
    );
    render(page, StatusCode::OK)
}

/// What an edit changes, field by field, for the journal.
fn diff(before: &Current, p: &Profile, c: &Convention) -> Diff {
    let mut d = Diff::default();
    d.field_ref("name", "Nom", &before.name, &p.name)
        .field_ref(
            "departement_code",
            "Département",
            &before.departement_code,
            &p.departement,
        )
        .field_ref("address", "Adresse", &before.address, &p.address)
        .field_ref(
            "postal_code",
            "Code postal",
            &before.postal_code,
            &p.postal_code,
        )
        .field_ref("city", "Ville", &before.city, &p.city)
        .field_ref("website", "Site web", &before.website, &p.website)
        .field_ref("email", "E-mail", &before.email, &p.email)
        .field_ref("phone", "Téléphone", &before.phone, &p.phone)
        .field_ref("president", "Président(e)", &before.president, &p.president)
        .field_ref("director", "Direction", &before.director, &p.director)
        .field(
            "legal_form",
            "Forme juridique",
            legal_form_label(&before.legal_form),
            legal_form_label(&c.legal_form),
        )
        .field_ref(
            "conventionnee",
            "Conventionnée",
            &before.conventionnee,
            &c.conventionnee,
        )
        .field(
            "convention_date",
            "Date de convention",
            before.convention_date.map(format::date),
            c.convention_date.map(format::date),
        )
        .field_ref(
            "grenelle_year",
            "Entrée dans le programme Grenelle",
            &before.grenelle_year,
            &c.grenelle_year,
        )
        .field_ref(
            "grenelle_pilot",
            "Site pilote Grenelle",
            &before.grenelle_pilot,
            &c.grenelle_pilot,
        );
    d
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
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
    if e.is_empty() && version != i64::from(before.version) {
        e.add(FieldErrors::CONFLICT, CHANGED);
    }
    let (Some(region), true) = (region, e.is_empty()) else {
        drop(tx);
        let departements = departements(&state).await?;
        let maison = Some((id, before.name));
        let status = e.status();
        let page = FormPage::new(ctx, maison, f, e, departements, convention_editable);
        return render(page, status);
    };
    let d = diff(&before, &p, &c);
    if d.is_empty() {
        drop(tx);
        return Ok(Redirect::to(&format!("/maisons/{id}")).into_response());
    }
    let update = sqlx::query(
        "update maison set name = $3, region_code = $4, departement_code = $5, address = $6,
                postal_code = $7, city = $8, website = $9, email = $10, phone = $11, president = $12,
                director = $13, legal_form = $14, conventionnee = $15, convention_date = $16,
                grenelle_year = $17, grenelle_pilot = $18, version = version + 1
         where id = $1 and version = $2",
    )
    .bind(id)
    .bind(before.version);
    bind_profile(update, &p, &region, &c)
        .execute(&mut *tx)
        .await?;
    let n = d.0.len();
    let summary = format!(
        "Fiche de la Maison modifiée ({n} champ{})",
        if n > 1 { "s" } else { "" }
    );
    outcome::done(
        tx,
        &ctx,
        Event {
            changes: d.0,
            ..Event::of_maison(user.id, id, "modification", summary)
        },
        "La fiche de la Maison a été enregistrée.",
        &format!("/maisons/{id}"),
    )
    .await
}
