//! A diagnostic's head (title, reference year, sectors): creating a diagnostic, and editing its head.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Status, load_if, parse_year, territory_population};
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, diagnostics as rules};
use crate::domain::sector::{self, Sector};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, format, outcome};

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
    conflict: bool,
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

#[expect(clippy::too_many_arguments, reason = "the page's parts, each needed")]
async fn head_page(
    state: &AppState,
    ctx: Ctx,
    id: Option<i64>,
    maison_id: i64,
    maison_name: String,
    form: HeadForm,
    errors: FieldErrors,
    conflict: bool,
) -> AppResult<HeadPage> {
    let mut conn = state.db.acquire().await?;
    let sectors = sector::all(&mut *conn).await?;
    let (population, territory) = territory_population(&mut conn, maison_id).await?;
    Ok(HeadPage {
        ctx,
        id,
        maison_name,
        territory,
        population: format::int(population),
        form,
        sectors,
        errors,
        conflict,
    })
}

fn staff_maison(user: &CurrentUser) -> AppResult<i64> {
    let maison_id = user.maison_id.ok_or(AppError::NotFound)?;
    policy::ensure(rules::can_create(user, maison_id))?;
    Ok(maison_id)
}

pub async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
) -> AppResult<Response> {
    let maison_id = staff_maison(&user)?;
    let form = HeadForm {
        reference_year: (format::today()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap_or(2026)
            - 1)
        .to_string(),
        sectors: vec!["batiment".into()],
        ..HeadForm::default()
    };
    let page = head_page(
        &state,
        ctx,
        None,
        maison_id,
        user.maison_name.clone().unwrap_or_default(),
        form,
        FieldErrors::default(),
        false,
    )
    .await?;
    Ok(Html(page.render()?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Form(form): Form<HeadForm>,
) -> AppResult<Response> {
    let maison_id = staff_maison(&user)?;
    let mut tx = state.db.begin().await?;
    let sectors = sector::all(&mut *tx).await?;
    let head = match validate(&form, &sectors) {
        Ok(h) => h,
        Err(errors) => {
            drop(tx);
            let page = head_page(
                &state,
                ctx,
                None,
                maison_id,
                user.maison_name.clone().unwrap_or_default(),
                form,
                errors,
                false,
            )
            .await?;
            return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    if !crate::web::idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to("/diagnostics").into_response());
    }
    let id: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, created_by)
         values ($1, $2, $3, $4) returning id",
    )
    .bind(maison_id)
    .bind(&head.title)
    .bind(head.year)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    insert_sectors(&mut tx, id, &head.sectors).await?;
    let kinds: Vec<&str> = super::STANDARD_SECTIONS.iter().map(|s| s.0).collect();
    let titles: Vec<&str> = super::STANDARD_SECTIONS.iter().map(|s| s.1).collect();
    sqlx::query(
        "insert into diagnostic_section (diagnostic_id, position, kind, title, updated_by)
         select $1, t.ord, t.kind, t.title, $4 from unnest($2::text[], $3::text[]) with ordinality as t(kind, title, ord)",
    )
    .bind(id)
    .bind(&kinds)
    .bind(&titles)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    // The territory's population, from the reference geography.
    let (population, territory) = territory_population(&mut tx, maison_id).await?;
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
        .execute(&mut *tx)
        .await?;
    }
    audit::record_transition(
        &mut *tx,
        "diagnostic",
        id,
        None,
        Status::Brouillon,
        user.id,
        "Création du diagnostic",
    )
    .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(maison_id),
            object_type: "diagnostic",
            object_id: id,
            action: "creation",
            summary: format!("Diagnostic « {} » créé", head.title),
            changes: vec![],
        },
        "Diagnostic créé avec les sections du modèle standard.",
        &format!("/diagnostics/{id}"),
    )
    .await
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

pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
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
    let page = head_page(
        &state,
        ctx,
        Some(id),
        d.maison_id,
        d.maison_name,
        form,
        FieldErrors::default(),
        false,
    )
    .await?;
    Ok(Html(page.render()?).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<HeadForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load_if(&mut tx, &user, id, true, rules::can_edit).await?;
    let sectors = sector::all(&mut *tx).await?;
    let head = match validate(&form, &sectors) {
        Ok(h) => h,
        Err(errors) => {
            drop(tx);
            let page = head_page(
                &state,
                ctx,
                Some(id),
                d.maison_id,
                d.maison_name,
                form,
                errors,
                false,
            )
            .await?;
            return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    if form.version.trim() != d.version.to_string() {
        drop(tx);
        let page = head_page(
            &state,
            ctx,
            Some(id),
            d.maison_id,
            d.maison_name,
            form,
            FieldErrors::default(),
            true,
        )
        .await?;
        return forms::render(&page, StatusCode::CONFLICT);
    }
    let before_sectors = current_sectors(&mut tx, id).await?;
    let mut diff = Diff::default();
    diff.field("title", "Titre", d.title.clone(), head.title.clone())
        .field(
            "reference_year",
            "Année de référence",
            d.reference_year as i64,
            head.year as i64,
        )
        .field("sectors", "Filières", before_sectors, head.sectors.clone());
    sqlx::query(
        "update diagnostic set title = $2, reference_year = $3, version = version + 1 where id = $1",
    )
    .bind(id)
    .bind(&head.title)
    .bind(head.year)
    .execute(&mut *tx)
    .await?;
    insert_sectors(&mut tx, id, &head.sectors).await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            action: "modification",
            summary: "Diagnostic modifié".into(),
            changes: diff.0,
            ..d.event(&user)
        },
        "Diagnostic enregistré.",
        &format!("/diagnostics/{id}"),
    )
    .await
}
