//! A partnership's page: its roles, since when, its note, its contact people; ending it.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use super::{PartnershipForm, managed_maison, roles_summary};
use crate::audit::{self, Diff, Event};
use crate::domain::partnership::ROLES;
use crate::error::{AppError, AppResult};
use crate::organisations::fields::{parse_roles, parse_since};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, parse_id};
use crate::web::{Ctx, Form, Signed, format, outcome};

/// The message above the page when someone else saved the partnership first.
const CHANGED: &str = "Quelqu'un a modifié ce partenariat pendant que vous le saisissiez. Vos modifications \
                       n'ont pas été enregistrées : elles sont conservées ci-dessous. Rechargez la page pour \
                       voir la version actuelle.";

fn since_value(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[derive(sqlx::FromRow)]
pub struct PartnershipRow {
    pub(super) id: i64,
    pub(super) organisation_id: i64,
    pub(super) organisation_name: String,
    pub(super) type_name: String,
    pub(super) roles: Vec<String>,
    pub(super) since: Option<NaiveDate>,
    pub(super) note: String,
    pub(super) version: i32,
}

#[derive(sqlx::FromRow)]
pub struct Contact {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) job_title: String,
    pub(super) email: String,
    pub(super) phone: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ContactForm {
    #[serde(rename = "contact_name")]
    pub(super) name: String,
    pub(super) job_title: String,
    #[serde(rename = "contact_email")]
    pub(super) email: String,
    #[serde(rename = "contact_phone")]
    pub(super) phone: String,
}

#[derive(Template)]
#[template(path = "organisations/partnership.html")]
struct ManagePage {
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    p: PartnershipRow,
    contacts: Vec<Contact>,
    f: PartnershipForm,
    errors: FieldErrors,
    contact: ContactForm,
    contact_errors: FieldErrors,
    roles: &'static [(&'static str, &'static str)],
}

pub(super) async fn partnership(
    db: impl sqlx::PgExecutor<'_>,
    maison_id: i64,
    pid: &str,
    lock: bool,
) -> AppResult<PartnershipRow> {
    let pid = parse_id(pid)?;
    let sql = format!(
        "select p.id, p.organisation_id, o.name as organisation_name, t.name as type_name, p.roles, p.since,
                p.note, p.version
         from partnership p join organisation o on o.id = p.organisation_id
         join partner_type t on t.code = o.type_code
         where p.id = $1 and p.maison_id = $2{}",
        if lock { " for update of p" } else { "" }
    );
    sqlx::query_as(&sql)
        .bind(pid)
        .bind(maison_id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub(super) fn form_of(p: &PartnershipRow) -> PartnershipForm {
    PartnershipForm {
        organisation: p.organisation_id.to_string(),
        roles: p.roles.clone(),
        since: since_value(p.since),
        note: p.note.clone(),
        version: p.version.to_string(),
        ..PartnershipForm::default()
    }
}

/// The page's two forms as sent back or first shown: the partnership's, the new contact's, each with its
/// errors, and whether someone else saved the partnership first.
#[derive(Default)]
pub(super) struct Forms {
    pub(super) f: PartnershipForm,
    pub(super) errors: FieldErrors,
    pub(super) contact: ContactForm,
    pub(super) contact_errors: FieldErrors,
}

impl Forms {
    /// As first shown: the partnership's form holds what is stored, the contact's is empty.
    pub(super) fn shown(p: &PartnershipRow) -> Self {
        Forms {
            f: form_of(p),
            ..Forms::default()
        }
    }
}

/// The partnership's page of the Maison (`maison`: id and name); 409 on a conflict, 422 with errors.
pub(super) async fn render_manage(
    state: &AppState,
    ctx: Ctx,
    maison: (i64, String),
    p: PartnershipRow,
    forms: Forms,
) -> AppResult<Response> {
    let contacts: Vec<Contact> = sqlx::query_as(
        "select id, name, job_title, email, phone from partnership_contact
         where partnership_id = $1 order by name, id",
    )
    .bind(p.id)
    .fetch_all(&state.db)
    .await?;
    let Forms {
        f,
        errors,
        contact,
        contact_errors,
    } = forms;
    let status = if !errors.is_empty() {
        errors.status()
    } else if !contact_errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (maison_id, maison_name) = maison;
    let page = ManagePage {
        ctx,
        maison_id,
        maison_name,
        p,
        contacts,
        f,
        errors,
        contact,
        contact_errors,
        roles: ROLES,
    };
    forms::render(&page, status)
}

pub async fn manage(
    Signed { state, user, ctx }: Signed,
    Path((id, pid)): Path<(String, String)>,
) -> AppResult<Response> {
    let maison = managed_maison(&state, &user, &id).await?;
    let p = partnership(&state.db, maison.0, &pid, false).await?;
    let forms = Forms::shown(&p);
    render_manage(&state, ctx, maison, p, forms).await
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path((id, pid)): Path<(String, String)>,
    Form(f): Form<PartnershipForm>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let mut e = FieldErrors::default();
    let roles = parse_roles(&f.roles, &mut e);
    let since = parse_since(&f.since, &mut e);
    let note = e.text("note", &f.note, 1000);
    let mut tx = state.db.begin().await?;
    let before = partnership(&mut *tx, id, &pid, true).await?;
    if e.is_empty() && format::parse_int(&f.version) != Some(i64::from(before.version)) {
        e.add(FieldErrors::CONFLICT, CHANGED);
    }
    if !e.is_empty() {
        drop(tx);
        let forms = Forms {
            f,
            errors: e,
            ..Forms::default()
        };
        return render_manage(&state, ctx, (id, name), before, forms).await;
    }
    let mut d = Diff::default();
    d.field(
        "roles",
        "Rôles",
        roles_summary(&before.roles),
        roles_summary(&roles),
    )
    .field(
        "since",
        "Partenaire depuis",
        before.since.map(format::date),
        since.map(format::date),
    )
    .field_ref("note", "Note", &before.note, &note);
    let to = format!("/maisons/{id}#partenaires");
    if d.is_empty() {
        drop(tx);
        return Ok(Redirect::to(&to).into_response());
    }
    sqlx::query(
        "update partnership set roles = $3, since = $4, note = $5, version = version + 1
         where id = $1 and version = $2",
    )
    .bind(before.id)
    .bind(before.version)
    .bind(&roles)
    .bind(since)
    .bind(&note)
    .execute(&mut *tx)
    .await?;
    let summary = format!("Partenariat modifié : {}", before.organisation_name);
    let event = Event {
        changes: d.0,
        ..Event::of_maison(user.id, id, "partenariat_modification", summary)
    };
    outcome::done(tx, &ctx, event, "Le partenariat a été enregistré.", &to).await
}

pub async fn remove(
    Signed { state, user, ctx }: Signed,
    Path((id, pid)): Path<(String, String)>,
    Form(_f): Form<PartnershipForm>,
) -> AppResult<Response> {
    let (id, _) = managed_maison(&state, &user, &id).await?;
    let mut tx = state.db.begin().await?;
    let p = partnership(&mut *tx, id, &pid, true).await?;
    sqlx::query("delete from partnership where id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    let summary = format!("Partenaire retiré : {}", p.organisation_name);
    let label = format!("Rôles de {}", p.organisation_name);
    let roles = roles_summary(&p.roles);
    let event = Event {
        changes: vec![audit::Change::new(
            "partenaires",
            &label,
            roles,
            Value::Null,
        )],
        ..Event::of_maison(user.id, id, "partenariat_retrait", summary)
    };
    audit::record(&mut *tx, event).await?;
    let msg = format!(
        "{} ne fait plus partie des partenaires.",
        p.organisation_name
    );
    outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#partenaires")).await
}
