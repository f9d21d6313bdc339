//! A diagnostic's head (title, reference year, sectors): creating a diagnostic, and editing its head.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use chrono::Datelike;

use super::{Diagnostic, begin_if, load_if, parse_year, record_creation, territory_population};
use crate::audit::Diff;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, diagnostics as rules};
use crate::domain::sector::{self, Sector};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, outcome};

#[derive(Deserialize, Default)]
pub struct HeadForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    reference_year: String,
    #[serde(default)]
    sectors: Vec<String>,
    #[serde(default)]
    version: String,
    #[serde(default)]
    form_key: String,
}

#[derive(Template)]
#[template(path = "diagnostics/head_form.html")]
struct HeadPage {
    ctx: Ctx,
    /// None when creating.
    id: Option<i64>,
    maison_name: String,
    territory: String,
    population: String,
    form: HeadForm,
    sectors: Vec<Sector>,
    errors: FieldErrors,
}

impl HeadPage {
    fn checked(&self, code: &str) -> bool {
        self.form.sectors.iter().any(|s| s == code)
    }
}

struct Head {
    title: String,
    year: i32,
    sectors: Vec<String>,
}

fn validate(form: &HeadForm, sectors: &[Sector]) -> Result<Head, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        errors.add("title", "Indiquez le titre du diagnostic.");
    } else if title.chars().count() > 200 {
        errors.add("title", "Le titre ne doit pas dépasser 200 caractères.");
    }
    let year = parse_year(&form.reference_year, 1990, 2100).unwrap_or_else(|m| {
        errors.add("reference_year", m);
        0
    });
    let mut chosen: Vec<String> = Vec::new();
    for s in &form.sectors {
        if !sectors.iter().any(|k| &k.code == s) {
            errors.add(
                "sectors",
                "Filière inconnue : rechargez la page et réessayez.",
            );
            break;
        }
        if !chosen.contains(s) {
            chosen.push(s.clone());
        }
    }
    if chosen.is_empty() && !errors.has("sectors") {
        errors.add(
            "sectors",
            "Cochez au moins une filière couverte par le diagnostic.",
        );
    }
    if errors.is_empty() {
        Ok(Head {
            title,
            year,
            sectors: chosen,
        })
    } else {
        Err(errors)
    }
}

/// The diagnostic whose head the form edits: a new one of the account's Maison (`id` none), or `id`.
struct Owner {
    id: Option<i64>,
    maison_id: i64,
    maison_name: String,
}

impl Owner {
    fn new_of(user: &CurrentUser) -> AppResult<Owner> {
        let maison_id = user.maison_id.ok_or(AppError::NotFound)?;
        policy::ensure(rules::can_create(user, maison_id))?;
        Ok(Owner {
            id: None,
            maison_id,
            maison_name: user.maison_name.clone().unwrap_or_default(),
        })
    }

    fn of(d: &Diagnostic) -> Owner {
        Owner {
            id: Some(d.id),
            maison_id: d.maison_id,
            maison_name: d.maison_name.clone(),
        }
    }
}

/// The form's page with `status`: `OK` shown, `UNPROCESSABLE_ENTITY` to correct, `CONFLICT` when someone
/// else saved first.
async fn head_page(
    state: &AppState,
    ctx: Ctx,
    owner: Owner,
    form: HeadForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let sectors = sector::all(&mut *conn).await?;
    let (population, territory) = territory_population(&mut conn, owner.maison_id).await?;
    let page = HeadPage {
        ctx,
        id: owner.id,
        maison_name: owner.maison_name,
        territory,
        population: format::int(population),
        form,
        sectors,
        errors,
    };
    forms::render(&page, status)
}

pub async fn new(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    let owner = Owner::new_of(&user)?;
    let form = HeadForm {
        reference_year: (format::today().year() - 1).to_string(),
        sectors: vec!["batiment".into()],
        ..HeadForm::default()
    };
    head_page(
        &state,
        ctx,
        owner,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Form(form): Form<HeadForm>,
) -> AppResult<Response> {
    let owner = Owner::new_of(&user)?;
    let mut tx = state.db.begin().await?;
    let sectors = sector::all(&mut *tx).await?;
    let head = match validate(&form, &sectors) {
        Ok(h) => h,
        Err(errors) => {
            drop(tx);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return head_page(&state, ctx, owner, form, errors, status).await;
        }
    };
    if !crate::web::idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to("/diagnostics").into_response());
    }
    let id: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, created_by)
         values ($1, $2, $3, $4) returning id",
    )
    .bind(owner.maison_id)
    .bind(&head.title)
    .bind(head.year)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    insert_sectors(&mut tx, id, &head.sectors).await?;
    insert_standard_sections(&mut tx, id, user.id).await?;
    insert_population(&mut tx, id, owner.maison_id).await?;
    let summary = format!("Diagnostic « {} » créé", head.title);
    record_creation(
        &mut tx,
        &user,
        owner.maison_id,
        id,
        "Création du diagnostic",
        summary,
    )
    .await?;
    outcome::committed(
        tx,
        &ctx,
        "Diagnostic créé avec les sections du modèle standard.",
        &format!("/diagnostics/{id}"),
    )
    .await
}

/// A new diagnostic's sections: those of the standard template, empty.
async fn insert_standard_sections(
    conn: &mut sqlx::PgConnection,
    id: i64,
    author: i64,
) -> sqlx::Result<()> {
    let kinds: Vec<&str> = super::STANDARD_SECTIONS.iter().map(|s| s.0).collect();
    let titles: Vec<&str> = super::STANDARD_SECTIONS.iter().map(|s| s.1).collect();
    sqlx::query(
        "insert into diagnostic_section (diagnostic_id, position, kind, title, updated_by)
         select $1, t.ord, t.kind, t.title, $4 from unnest($2::text[], $3::text[]) with ordinality as t(kind, title, ord)",
    )
    .bind(id)
    .bind(&kinds)
    .bind(&titles)
    .bind(author)
    .execute(conn)
    .await?;
    Ok(())
}

/// A new diagnostic's first indicator: the territory's population, from the reference geography.
async fn insert_population(
    conn: &mut sqlx::PgConnection,
    id: i64,
    maison_id: i64,
) -> sqlx::Result<()> {
    let (population, territory) = territory_population(conn, maison_id).await?;
    if population > 0 {
        sqlx::query(
            "insert into indicator_value (diagnostic_id, indicator_id, value, year, territory, source)
             select $1, id, $2, $3, $4, $5 from indicator where code = 'POP'",
        )
        .bind(id)
        .bind(population as f64)
        // The population's own year, not the diagnostic's: the reference geography is one vintage.
        .bind(crate::reference::POPULATION_YEAR)
        .bind(&territory)
        .bind(crate::reference::POPULATION_SOURCE)
        .execute(conn)
        .await?;
    }
    Ok(())
}

async fn insert_sectors(
    conn: &mut sqlx::PgConnection,
    id: i64,
    sectors: &[String],
) -> sqlx::Result<()> {
    sqlx::query("delete from diagnostic_sector where diagnostic_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "insert into diagnostic_sector (diagnostic_id, sector_code) select $1, unnest($2::text[])",
    )
    .bind(id)
    .bind(sectors)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn current_sectors(conn: &mut sqlx::PgConnection, id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select ds.sector_code from diagnostic_sector ds join sector s on s.code = ds.sector_code
         where ds.diagnostic_id = $1 order by s.position",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

pub async fn edit(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load_if(&mut conn, &user, id, false, rules::can_edit).await?;
    let form = HeadForm {
        title: d.title.clone(),
        reference_year: d.reference_year.to_string(),
        sectors: current_sectors(&mut conn, id).await?,
        version: d.version.to_string(),
        form_key: String::new(),
    };
    drop(conn);
    head_page(
        &state,
        ctx,
        Owner::of(&d),
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<HeadForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let sectors = sector::all(&mut *tx).await?;
    let refused = match validate(&form, &sectors) {
        Err(errors) => Err((errors, StatusCode::UNPROCESSABLE_ENTITY)),
        Ok(_) if form.version.trim() != d.version.to_string() => {
            let message = "Quelqu'un d'autre a modifié ce diagnostic pendant que vous le modifiiez. Rien n'a \
                           été enregistré : vos saisies sont conservées ci-dessous.";
            Err((
                FieldErrors::one(FieldErrors::CONFLICT, message),
                StatusCode::CONFLICT,
            ))
        }
        Ok(head) => Ok(head),
    };
    let head = match refused {
        Ok(head) => head,
        Err((errors, status)) => {
            drop(tx);
            return head_page(&state, ctx, Owner::of(&d), form, errors, status).await;
        }
    };
    let mut diff = Diff::default();
    diff.field("title", "Titre", d.title.clone(), head.title.clone())
        .field(
            "reference_year",
            "Année de référence",
            d.reference_year as i64,
            head.year as i64,
        )
        .field(
            "sectors",
            "Filières",
            current_sectors(&mut tx, id).await?,
            head.sectors.clone(),
        );
    sqlx::query("update diagnostic set title = $2, reference_year = $3 where id = $1")
        .bind(id)
        .bind(&head.title)
        .bind(head.year)
        .execute(&mut *tx)
        .await?;
    insert_sectors(&mut tx, id, &head.sectors).await?;
    let event = d.change(&user, "modification", "Diagnostic modifié", diff.0);
    d.part_done(tx, &ctx, event, "Diagnostic enregistré.", "")
        .await
}
