//! Proposing a practice from an evaluated action (`/actions/{id}/pratique`), the form pre-filled from the
//! fiche and its evaluation; reworking it while AVE has not decided (`/pratiques/{id}/modifier`). Each
//! sending is a new numbered version (`practice_version`): the published text is a copy, so later edits of
//! the action never change it.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use sqlx::PgConnection;
use sqlx::types::Json;

use super::form::{self, Frame, PracticeForm, Summary, cents_text};
use super::model::{self, Figure, Practice};
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, practices as rules};
use crate::auth::session::FlashKind;
use crate::domain::practice::{self as codes, PracticeStatus};
use crate::domain::sector;
use crate::error::{AppError, AppResult};
use crate::notifications;
use crate::web::forms::{FieldErrors, violates};
use crate::web::{Form, Signed, idempotency, outcome};

/// The evaluated action a practice is drawn from, with what pre-fills the form.
#[derive(sqlx::FromRow)]
struct Source {
    maison_id: i64,
    maison_name: String,
    maison_email: String,
    title: String,
    axis_id: i32,
    sector_code: Option<String>,
    objectives: String,
    description: String,
    target_public: String,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
    evaluated: bool,
    results: String,
    worked: String,
    difficulties: String,
    conditions: String,
    cost: Option<i64>,
    budget_cents: i64,
    population: i64,
    live_practice: Option<i64>,
    figures: Json<Vec<Figure>>,
}

/// The action `id` of the user's Maison (404 otherwise), evaluated (409 otherwise).
async fn source(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<Source> {
    let s: Source = sqlx::query_as(
        "select p.maison_id, m.name as maison_name, m.email as maison_email, a.title, a.axis_id,
                a.sector_code, a.objectives, a.description, a.target_public, a.start_date, a.end_date,
                e.action_id is not null as evaluated, coalesce(e.results, '') as results,
                coalesce(e.worked, '') as worked, coalesce(e.difficulties, '') as difficulties,
                coalesce(e.conditions, '') as conditions, e.cost_per_beneficiary_cents as cost,
                (select coalesce(sum(f.amount_cents), 0)::bigint from action_funding f where f.action_id = a.id)
                    as budget_cents,
                coalesce((select mp.population from maison_population mp where mp.maison_id = p.maison_id), 0)
                    as population,
                (select x.id from practice x where x.action_id = a.id and x.status <> 'retiree') as live_practice,
                (select coalesce(json_agg(json_build_object('label', i.label, 'unit', i.unit,
                        'indicator_id', i.indicator_id, 'target', i.target, 'achieved', i.achieved)
                        order by i.position, i.id), '[]') from action_indicator i where i.action_id = a.id)
                    as figures
         from action a join plan p on p.id = a.plan_id join maison m on m.id = p.maison_id
         left join action_evaluation e on e.action_id = a.id where a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    policy::ensure(rules::can_propose_practice(user, s.maison_id))?;
    if !s.evaluated {
        return Err(AppError::Conflict(
            "Évaluez d'abord l'action (résultats, ce qui a fonctionné, difficultés) : une pratique se \
             propose à partir d'une action évaluée."
                .into(),
        ));
    }
    Ok(s)
}

impl Source {
    fn form(&self) -> PracticeForm {
        let summary = [self.objectives.trim(), self.description.trim()]
            .iter()
            .filter(|t| !t.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n\n");
        let months = match (self.start_date, self.end_date) {
            (Some(s), Some(e)) => {
                let m = (e.year() - s.year()) * 12 + e.month() as i32 - s.month() as i32 + 1;
                m.clamp(1, 240).to_string()
            }
            _ => String::new(),
        };
        PracticeForm {
            title: self.title.clone(),
            axis: self.axis_id.to_string(),
            sector: self.sector_code.clone().unwrap_or_default(),
            public_text: self.target_public.clone(),
            size: codes::territory_size_of(self.population).to_owned(),
            budget: codes::budget_range_of(self.budget_cents).to_owned(),
            duration: months,
            summary,
            results: self.results.clone(),
            worked: self.worked.clone(),
            difficulties: self.difficulties.clone(),
            conditions: self.conditions.clone(),
            cost: cents_text(self.cost),
            contact_email: self.maison_email.clone(),
            ..PracticeForm::default()
        }
    }
}

fn frame<'a>(action: &'a str, back: &'a str, source: &'a str, figures: &'a [Figure]) -> Frame<'a> {
    Frame {
        action,
        back,
        heading: "Proposer une pratique au réseau",
        source,
        figures,
    }
}

pub async fn new_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let s = source(&mut conn, &user, id).await?;
    if let Some(p) = s.live_practice {
        return Ok(Redirect::to(&format!("/pratiques/{p}")).into_response());
    }
    let (to, back) = (format!("/actions/{id}/pratique"), format!("/actions/{id}"));
    let f = frame(&to, &back, &s.title, &s.figures);
    form::page(
        &mut conn,
        ctx,
        f,
        s.form(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(f): Form<PracticeForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let s = source(&mut tx, &user, id).await?;
    let (to, back) = (format!("/actions/{id}/pratique"), format!("/actions/{id}"));
    let axes = form::axes(&mut tx).await?;
    let sectors = sector::all(&mut *tx).await?;
    let summary = match f.check(&mut tx, &axes, &sectors).await? {
        Ok(summary) => summary,
        Err(errors) => {
            let frame = frame(&to, &back, &s.title, &s.figures);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form::page(&mut tx, ctx, frame, f, errors, status).await;
        }
    };
    if !idempotency::claim(&mut tx, user.id, &f.form_key).await? || s.live_practice.is_some() {
        drop(tx);
        let message = "Cette action est déjà proposée comme pratique.";
        return outcome::nothing_done(&state.db, &ctx, FlashKind::Info, message, &back).await;
    }
    let practice: i64 = match sqlx::query_scalar(
        "insert into practice (maison_id, action_id, proposed_by) values ($1, $2, $3) returning id",
    )
    .bind(s.maison_id)
    .bind(id)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await
    {
        Ok(p) => p,
        Err(e) if violates(&e, "practice_action_live_key") => {
            drop(tx);
            let message = "Cette action est déjà proposée comme pratique.";
            return outcome::nothing_done(&state.db, &ctx, FlashKind::Info, message, &back).await;
        }
        Err(e) => return Err(e.into()),
    };
    publish_version(&mut tx, practice, 1, &summary, &s.figures, user.id).await?;
    let none: Option<PracticeStatus> = None;
    audit::record_transition(
        &mut *tx,
        "practice",
        practice,
        none,
        PracticeStatus::Proposee,
        user.id,
        "",
    )
    .await?;
    tell_admins(&mut tx, &s.maison_name, &summary.title, practice, false).await?;
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(s.maison_id),
        object_type: "practice",
        object_id: practice,
        action: "propose",
        summary: format!("Pratique proposée au réseau depuis la fiche action {id}"),
        changes: vec![],
    };
    let message =
        "Pratique envoyée à l'Alliance Villes Emploi : elle sera publiée une fois acceptée.";
    outcome::done(tx, &ctx, event, message, &format!("/pratiques/{practice}")).await
}

/// Writes version `number` of the practice and makes it the published one.
async fn publish_version(
    conn: &mut PgConnection,
    practice: i64,
    number: i32,
    s: &Summary,
    figures: &Json<Vec<Figure>>,
    actor: i64,
) -> sqlx::Result<()> {
    let version: i64 = sqlx::query_scalar(
        "insert into practice_version (practice_id, number, title, axis_id, sector_code, publics,
                public_text, territory_types, territory_size, budget_range, duration_months, summary,
                results, figures, worked, difficulties, conditions, cost_per_beneficiary_cents,
                contact_role, contact_email, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
                 $20, $21) returning id",
    )
    .bind(practice)
    .bind(number)
    .bind(&s.title)
    .bind(s.axis_id)
    .bind(&s.sector_code)
    .bind(&s.publics)
    .bind(&s.public_text)
    .bind(&s.territory_types)
    .bind(&s.territory_size)
    .bind(&s.budget_range)
    .bind(s.duration_months)
    .bind(&s.summary)
    .bind(&s.results)
    .bind(figures)
    .bind(&s.worked)
    .bind(&s.difficulties)
    .bind(&s.conditions)
    .bind(s.cost_per_beneficiary_cents)
    .bind(&s.contact_role)
    .bind(&s.contact_email)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("update practice set current_version_id = $2 where id = $1")
        .bind(practice)
        .bind(version)
        .execute(conn)
        .await?;
    Ok(())
}

/// The admins are told of a proposal (`again`: a proposal reworked after they asked for changes).
async fn tell_admins(
    conn: &mut PgConnection,
    maison: &str,
    title: &str,
    practice: i64,
    again: bool,
) -> sqlx::Result<()> {
    let admins: Vec<i64> =
        sqlx::query_scalar("select id from account where role = 'admin' and active")
            .fetch_all(&mut *conn)
            .await?;
    let message = if again {
        format!("{maison} a retravaillé sa pratique « {title} » : elle attend votre examen.")
    } else {
        format!("{maison} propose une pratique au réseau : « {title} ».")
    };
    let link = format!("/pratiques/{practice}");
    notifications::notify(
        conn,
        &admins,
        crate::notifications::Kind::Pratique,
        &message,
        &link,
    )
    .await
}

/// The practice `id` the user's Maison may still rework, locked.
async fn editable(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<Practice> {
    let p = model::by_id(conn, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure(rules::can_propose_practice(user, p.maison_id))?;
    if !rules::practice_editable(p.status) {
        return Err(AppError::Conflict(format!(
            "Cette pratique est « {} » : son texte ne change plus. Retirez-la et proposez-la à nouveau \
             pour publier un autre texte.",
            p.status_label()
        )));
    }
    Ok(p)
}

fn rework_frame<'a>(to: &'a str, back: &'a str, p: &'a Practice) -> Frame<'a> {
    Frame {
        action: to,
        back,
        heading: "Retravailler la pratique",
        source: &p.title,
        figures: &p.figures,
    }
}

pub async fn edit_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let p = editable(&mut conn, &user, id).await?;
    let (to, back) = (
        format!("/pratiques/{id}/modifier"),
        format!("/pratiques/{id}"),
    );
    let f = rework_frame(&to, &back, &p);
    let status = StatusCode::OK;
    form::page(
        &mut conn,
        ctx,
        f,
        PracticeForm::of(&p),
        FieldErrors::default(),
        status,
    )
    .await
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(f): Form<PracticeForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = editable(&mut tx, &user, id).await?;
    let (to, back) = (
        format!("/pratiques/{id}/modifier"),
        format!("/pratiques/{id}"),
    );
    let axes = form::axes(&mut tx).await?;
    let sectors = sector::all(&mut *tx).await?;
    let checked = f.check(&mut tx, &axes, &sectors).await?;
    let stale = f.version.trim() != p.version.to_string();
    let summary = match (checked, stale) {
        (Ok(s), false) => s,
        (result, _) => {
            let mut errors = result.err().unwrap_or_default();
            if stale {
                errors.add(FieldErrors::CONFLICT, super::CONFLICT);
            }
            let status = errors.status();
            return form::page(
                &mut tx,
                ctx,
                rework_frame(&to, &back, &p),
                f,
                errors,
                status,
            )
            .await;
        }
    };
    let number = p.version_number + 1;
    publish_version(&mut tx, id, number, &summary, &p.figures, user.id).await?;
    sqlx::query("update practice set status = 'proposee', version = version + 1 where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if p.status != PracticeStatus::Proposee {
        audit::record_transition(
            &mut *tx,
            "practice",
            id,
            Some(p.status),
            PracticeStatus::Proposee,
            user.id,
            "",
        )
        .await?;
        tell_admins(&mut tx, &p.maison_name, &summary.title, id, true).await?;
    }
    let mut diff = Diff::default();
    diff.field_ref("title", "Titre", &p.title, &summary.title)
        .field_ref("summary", "Résumé", &p.summary, &summary.summary)
        .field_ref("results", "Résultats", &p.results, &summary.results)
        .field_ref(
            "contact_role",
            "Rôle du contact",
            &p.contact_role,
            &summary.contact_role,
        );
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(p.maison_id),
        object_type: "practice",
        object_id: id,
        action: "update",
        summary: format!("Pratique retravaillée (version {number})"),
        changes: diff.0,
    };
    let message =
        format!("Pratique enregistrée (version {number}), envoyée à l'Alliance Villes Emploi.");
    outcome::done(tx, &ctx, event, &message, &back).await
}
