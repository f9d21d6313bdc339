//! Recording a meeting of the Maison's comité de pilotage (`/maisons/{id}/copil/nouvelle`): its date (a
//! meeting to come, or one held), place, the partner organisations present chosen among the Maison's
//! partnerships with the copil role, others present, its minutes. One meeting per day.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::policy::{self, copil as rules};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, parse_id, violates};
use crate::web::{Ctx, Form, Signed, format, idempotency, outcome};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MeetingForm {
    held_on: String,
    place: String,
    members: Vec<String>,
    other_members: String,
    minutes: String,
    form_key: String,
}

/// A partner organisation the form offers (the Maison's partnerships with the copil role).
#[derive(sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub name: String,
}

#[derive(Template)]
#[template(path = "copil/new.html")]
struct NewPage {
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    choices: Vec<Member>,
    form: MeetingForm,
    errors: FieldErrors,
}

impl NewPage {
    fn is_chosen(&self, id: &i64) -> bool {
        self.form.members.iter().any(|m| m == &id.to_string())
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    maison_id: i64,
    form: MeetingForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let maison_name: String = sqlx::query_scalar("select name from maison where id = $1")
        .bind(maison_id)
        .fetch_one(&state.db)
        .await?;
    let choices: Vec<Member> = sqlx::query_as(
        "select o.id, o.name from partnership p join organisation o on o.id = p.organisation_id
         where p.maison_id = $1 and 'copil' = any(p.roles) order by o.name limit 200",
    )
    .bind(maison_id)
    .fetch_all(&state.db)
    .await?;
    let page = NewPage {
        ctx,
        maison_id,
        maison_name,
        choices,
        form,
        errors,
    };
    forms::render(&page, status)
}

pub async fn form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(rules::can_record_meeting(&user, id))?;
    let form = MeetingForm::default();
    page(
        &state,
        ctx,
        id,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// What the form says, or the messages beside its fields.
struct Checked {
    held_on: NaiveDate,
    members: Vec<i64>,
}

fn check(form: &MeetingForm) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let held_on = format::parse_date(&form.held_on);
    if held_on.is_none() {
        errors.add(
            "held_on",
            "Indiquez la date de la réunion au format JJ/MM/AAAA, par exemple 27/11/2026.",
        );
    }
    for (field, value, max, message) in [
        (
            "place",
            &form.place,
            200,
            "Le lieu ne doit pas dépasser 200 caractères.",
        ),
        (
            "other_members",
            &form.other_members,
            2000,
            "2 000 caractères au plus.",
        ),
        (
            "minutes",
            &form.minutes,
            20000,
            "Le compte rendu ne doit pas dépasser 20 000 caractères.",
        ),
    ] {
        if value.trim().chars().count() > max {
            errors.add(field, message);
        }
    }
    let members = form
        .members
        .iter()
        .filter_map(|m| format::parse_int(m))
        .collect();
    match held_on {
        Some(held_on) if errors.is_empty() => Ok(Checked { held_on, members }),
        _ => Err(errors),
    }
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(form): Form<MeetingForm>,
) -> AppResult<Response> {
    let maison_id = parse_id(&id)?;
    policy::ensure(rules::can_record_meeting(&user, maison_id))?;
    let checked = match check(&form) {
        Ok(c) => c,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, ctx, maison_id, form, errors, status).await;
        }
    };
    let mut tx = state.db.begin().await?;
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&format!("/maisons/{maison_id}#copil-reunions")).into_response());
    }
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "insert into copil_meeting (maison_id, held_on, place, other_members, minutes, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(maison_id)
    .bind(checked.held_on)
    .bind(form.place.trim())
    .bind(form.other_members.trim())
    .bind(form.minutes.trim())
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if violates(&e, "copil_meeting_maison_id_held_on_key") => {
            drop(tx);
            let errors = FieldErrors::one(
                "held_on",
                "Une réunion du comité de pilotage est déjà enregistrée à cette date pour la Maison.",
            );
            return page(&state, ctx, maison_id, form, errors, StatusCode::CONFLICT).await;
        }
        Err(e) => return Err(e.into()),
    };
    // Only the Maison's partnerships with the copil role count as members present.
    sqlx::query(
        "insert into copil_meeting_member (meeting_id, organisation_id)
         select $1, p.organisation_id from partnership p
         where p.maison_id = $2 and 'copil' = any(p.roles) and p.organisation_id = any($3)",
    )
    .bind(id)
    .bind(maison_id)
    .bind(&checked.members)
    .execute(&mut *tx)
    .await?;
    let event = super::created(user.id, maison_id, id, checked.held_on);
    outcome::done(
        tx,
        &ctx,
        event,
        "Réunion du comité de pilotage enregistrée.",
        &format!("/copil/{id}"),
    )
    .await
}
