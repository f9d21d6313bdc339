//! `/maisons/{id}/territoire`: the EPCI of a Maison's territory. Works without JavaScript: a GET search
//! lists matching EPCI (by name or SIREN), each with its own "Ajouter" form; each current EPCI has a
//! "Retirer" form.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use super::show::{TerritoryRow, territory};
use crate::audit::{self, Change, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, network as rules};
use crate::auth::session::FlashKind;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, contains_pattern, parse_id};
use crate::web::{Ctx, Form, Signed, format, outcome};

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(sqlx::FromRow)]
pub struct Candidate {
    pub siren: String,
    pub name: String,
    pub kind: String,
    pub population: i32,
    pub departements: String,
    pub taken_by: Option<String>,
}

impl Candidate {
    pub fn population_label(&self) -> String {
        format::int(i64::from(self.population))
    }
}

#[derive(Template)]
#[template(path = "maisons/territory.html")]
struct TerritoryPage {
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    current: Vec<TerritoryRow>,
    population: String,
    q: String,
    results: Vec<Candidate>,
    searched: bool,
    siren: String,
    errors: FieldErrors,
}

impl TerritoryPage {
    fn in_territory(&self, siren: &str) -> bool {
        self.current.iter().any(|t| t.siren == siren)
    }
}

pub(super) async fn search(state: &AppState, q: &str) -> sqlx::Result<Vec<Candidate>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let digits: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let siren_prefix = if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        Some(format!("{}%", &digits[..digits.len().min(9)]))
    } else {
        None
    };
    sqlx::query_as(
        "select e.siren, e.name, e.kind, e.population, array_to_string(e.departement_codes, ', ') as departements,
                (select string_agg(m.name, ', ' order by m.sort_key) from maison_epci me join maison m on m.id = me.maison_id
                 where me.epci_siren = e.siren) as taken_by
         from epci e
         where ($1::text is not null and e.siren like $1)
            or ($1::text is null and e.name_key like f_unaccent(lower($2)))
         order by e.population desc, e.siren
         limit 20",
    )
    .bind(siren_prefix)
    .bind(contains_pattern(q))
    .fetch_all(&state.db)
    .await
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    q: String,
    siren: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let maison_name = super::name_of(&state.db, id).await?;
    let current = territory(&state.db, id).await?;
    let population = format::int(current.iter().map(|t| t.population).sum());
    let results = search(state, &q).await?;
    let page = TerritoryPage {
        ctx,
        maison_id: id,
        maison_name,
        current,
        population,
        searched: !q.trim().is_empty(),
        q,
        results,
        siren,
        errors,
    };
    forms::render(&page, status)
}

pub async fn page(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_edit_maison(&user, id))?;
    render(
        &state,
        ctx,
        id,
        q.q,
        String::new(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EpciForm {
    siren: String,
    q: String,
}

fn back(id: i64, q: &str) -> String {
    if q.trim().is_empty() {
        format!("/maisons/{id}/territoire")
    } else {
        format!(
            "/maisons/{id}/territoire?q={}",
            crate::web::url_encode(q.trim())
        )
    }
}

/// Concurrent changes to a territory are applied one after the other (and the last EPCI stays).
async fn lock_maison(tx: &mut sqlx::PgConnection, id: i64) -> AppResult<()> {
    let found: Option<i64> = sqlx::query_scalar("select id from maison where id = $1 for update")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    found.map(|_| ()).ok_or(crate::error::AppError::NotFound)
}

/// A change of Maison `id`'s territory, in its journal.
async fn record(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    id: i64,
    summary: String,
    change: Change,
) -> sqlx::Result<()> {
    let event = Event {
        changes: vec![change],
        ..Event::of_maison(user.id, id, "territoire", summary)
    };
    audit::record(&mut *tx, event).await
}

/// The territory's page again, the form's message beside its field (422).
async fn refused(
    state: &AppState,
    ctx: Ctx,
    id: i64,
    q: String,
    siren: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    render(
        state,
        ctx,
        id,
        q,
        siren,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn add(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<EpciForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_edit_maison(&user, id))?;
    let siren: String = f.siren.chars().filter(|c| !c.is_whitespace()).collect();
    let mut errors = FieldErrors::default();
    let name: Option<String> = if siren.len() == 9 && siren.chars().all(|c| c.is_ascii_digit()) {
        sqlx::query_scalar("select name from epci where siren = $1")
            .bind(&siren)
            .fetch_optional(&state.db)
            .await?
    } else {
        None
    };
    let Some(name) = name else {
        errors.add(
            "siren",
            if siren.len() == 9 {
                "Aucun EPCI ne porte ce SIREN : vérifiez les 9 chiffres."
            } else {
                "Le SIREN d'un EPCI compte 9 chiffres."
            },
        );
        return refused(&state, ctx, id, f.q, f.siren, errors).await;
    };
    let mut tx = state.db.begin().await?;
    lock_maison(&mut tx, id).await?;
    let added = sqlx::query(
        "insert into maison_epci (maison_id, epci_siren) values ($1, $2) on conflict do nothing",
    )
    .bind(id)
    .bind(&siren)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    let message = if added {
        let summary = format!("EPCI ajouté au territoire : {name} ({siren})");
        let change = Change::new("territoire", "Territoire", Value::Null, name.clone());
        record(&mut tx, &user, id, summary, change).await?;
        format!("{name} a été ajouté au territoire.")
    } else {
        format!("{name} fait déjà partie du territoire.")
    };
    outcome::committed(tx, &ctx, &message, &back(id, &f.q)).await
}

pub async fn remove(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<EpciForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_edit_maison(&user, id))?;
    let mut tx = state.db.begin().await?;
    lock_maison(&mut tx, id).await?;
    let count: i64 = sqlx::query_scalar("select count(*) from maison_epci where maison_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let name: Option<String> = sqlx::query_scalar(
        "delete from maison_epci me using epci e
         where me.maison_id = $1 and me.epci_siren = $2 and e.siren = me.epci_siren
         returning e.name",
    )
    .bind(id)
    .bind(f.siren.trim())
    .fetch_optional(&mut *tx)
    .await?;
    let (kind, message) = match name {
        Some(_) if count <= 1 => {
            drop(tx);
            let mut errors = FieldErrors::default();
            errors.add(
                "remove",
                "Le territoire doit compter au moins un EPCI : ajoutez-en un autre avant de retirer celui-ci.",
            );
            return refused(&state, ctx, id, f.q, String::new(), errors).await;
        }
        Some(name) => {
            let summary = format!("EPCI retiré du territoire : {name} ({})", f.siren.trim());
            let change = Change::new("territoire", "Territoire", name.clone(), Value::Null);
            record(&mut tx, &user, id, summary, change).await?;
            (
                FlashKind::Success,
                format!("{name} a été retiré du territoire."),
            )
        }
        None => (
            FlashKind::Info,
            "Cet EPCI ne faisait pas partie du territoire.".to_owned(),
        ),
    };
    outcome::flash(&mut *tx, &ctx, kind, &message).await?;
    tx.commit().await?;
    Ok(Redirect::to(&back(id, &f.q)).into_response())
}
