//! `/organisations`: the directory of partner organisations, creating (admins) and editing an
//! organisation's profile (those who manage it: `policy::organisations::manages`). Its page: `show.rs`.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::Row as _;

use super::fields::{Choice, Org, OrgForm, SIRET_KEY, choices, parse_org, siret_label};
use super::show::{OrgRow, load};
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::organisations::{self as org_rules, OrgControl};
use crate::auth::policy::{self, network as rules};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, contains_pattern, non_empty, parse_id, violates};
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Form, Signed, format, idempotency, outcome};

/// The message above the form when someone else saved the organisation first.
const CHANGED: &str = "Quelqu'un a modifié cette fiche pendant que vous la saisissiez. Vos modifications \
                       n'ont pas été enregistrées : elles sont conservées ci-dessous. Rechargez la fiche pour \
                       voir la version actuelle, puis reportez vos changements.";

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    #[serde(rename = "type")]
    type_code: String,
    region: String,
    page: String,
}

#[derive(sqlx::FromRow)]
pub struct Row {
    id: i64,
    name: String,
    type_name: String,
    siret: Option<String>,
    region_name: Option<String>,
    maisons: i64,
    total: i64,
}

impl Row {
    fn siret_label(&self) -> String {
        self.siret.as_deref().map(siret_label).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "organisations/list.html")]
struct ListPage {
    ctx: Ctx,
    q: ListQuery,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    types: Vec<Choice>,
    regions: Vec<Choice>,
    can_create: bool,
    /// Admins: the accounts to review and the shared organisations without a référent.
    can_review: bool,
    pagination: Pages,
}

impl ListPage {
    fn total_label(&self) -> String {
        format::int(self.total)
    }
}

pub async fn list(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    policy::ensure(rules::can_list_organisations(&user))?;
    let pager = Pager::parse(&q.page, PAGE_SIZE);
    let digits: String = q.q.chars().filter(|c| !c.is_whitespace()).collect();
    let siret_prefix =
        (!digits.is_empty() && digits.len() <= 14 && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| format!("{digits}%"));
    let rows: Vec<Row> = sqlx::query_as(
        "with found as (
             select o.id, o.name, o.name_key, t.name as type_name, o.siret, r.name as region_name,
                    count(*) over () as total
             from organisation o
             join partner_type t on t.code = o.type_code
             left join region r on r.code = o.region_code
             where ($1::text is null or o.name_key like f_unaccent(lower($1))
                    or ($2::text is not null and o.siret like $2))
               and ($3::text is null or o.type_code = $3)
               and ($4::text is null or o.region_code = $4)
             order by o.name_key, o.id
             limit $5 offset $6
         )
         select f.id, f.name, f.type_name, f.siret, f.region_name, f.total,
                (select count(*) from partnership p where p.organisation_id = f.id) as maisons
         from found f order by f.name_key, f.id",
    )
    .persistent(false)
    .bind(contains_pattern(&q.q))
    .bind(siret_prefix)
    .bind(non_empty(&q.type_code, 40))
    .bind(non_empty(&q.region, 40))
    .bind(pager.per_page())
    .bind(pager.offset())
    .fetch_all(&state.db)
    .await?;
    let total = rows.first().map(|r| r.total).unwrap_or(0);
    let (types, regions) = choices(&state.db).await?;
    let links = PageLinks::new("/organisations", "Pages de l'annuaire des organisations")
        .keep("q", &q.q)
        .keep("type", &q.type_code)
        .keep("region", &q.region);
    Ok(Html(
        ListPage {
            ctx,
            rows,
            total,
            page: pager.page(),
            pages: pager.pages(total),
            types,
            regions,
            can_create: rules::can_create_organisation(&user),
            can_review: org_rules::can_review_accounts(&user),
            pagination: pager.counted(total, &links),
            q,
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrgFormFields {
    #[serde(flatten)]
    org: OrgForm,
    version: String,
    form_key: String,
}

#[derive(Template)]
#[template(path = "organisations/form.html")]
struct FormPage {
    ctx: Ctx,
    org_id: Option<i64>,
    org_name: String,
    f: OrgForm,
    version: String,
    form_key: String,
    errors: FieldErrors,
    types: Vec<Choice>,
    regions: Vec<Choice>,
}

impl FormPage {
    /// The form of organisation `org` (its id and name; `None` when creating) as typed, with its messages.
    fn new(
        ctx: Ctx,
        org: Option<(i64, String)>,
        f: OrgForm,
        errors: FieldErrors,
        (types, regions): (Vec<Choice>, Vec<Choice>),
    ) -> Self {
        let (org_id, org_name) = match org {
            Some((id, name)) => (Some(id), name),
            None => (None, String::new()),
        };
        FormPage {
            ctx,
            org_id,
            org_name,
            f,
            version: String::new(),
            form_key: String::new(),
            errors,
            types,
            regions,
        }
    }
}

pub async fn new_form(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    policy::ensure(rules::can_create_organisation(&user))?;
    let choices = choices(&state.db).await?;
    let form_key = ctx.form_key();
    let page = FormPage {
        form_key,
        ..FormPage::new(
            ctx,
            None,
            OrgForm::default(),
            FieldErrors::default(),
            choices,
        )
    };
    forms::render(&page, StatusCode::OK)
}

/// Inserts an organisation and its audit event; `Err(())` when the SIRET is taken. `maison_id`: the Maison
/// it is created for, which then manages it while it is its only partner.
pub async fn insert_org(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    org: &Org,
    maison_id: Option<i64>,
) -> AppResult<Result<i64, ()>> {
    let insert = sqlx::query(
        "insert into organisation (name, type_code, siret, region_code, address, website, email, phone,
                                   created_by_maison)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
    );
    let inserted: Result<i64, sqlx::Error> = org
        .bound(insert)
        .bind(maison_id)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get(0));
    let id = match inserted {
        Ok(id) => id,
        Err(e) if violates(&e, SIRET_KEY) => return Ok(Err(())),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id,
            object_type: "organisation",
            object_id: id,
            action: "creation",
            summary: format!("Organisation créée : {}", org.name),
            changes: vec![],
        },
    )
    .await?;
    Ok(Ok(id))
}

/// The SIRET is already someone's: say whose, beside the field.
pub async fn siret_taken_message(db: &sqlx::PgPool, siret: &str) -> sqlx::Result<String> {
    let name: Option<String> = sqlx::query_scalar("select name from organisation where siret = $1")
        .bind(siret)
        .fetch_optional(db)
        .await?;
    Ok(format!(
        "Ce SIRET est déjà celui de l'organisation « {} » : ajoutez-la plutôt comme partenaire existant.",
        name.unwrap_or_default()
    ))
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Form(f): Form<OrgFormFields>,
) -> AppResult<Response> {
    policy::ensure(rules::can_create_organisation(&user))?;
    let (types, regions) = choices(&state.db).await?;
    let mut e = FieldErrors::default();
    let org = parse_org(&f.org, &types, &regions, &mut e);
    if e.is_empty() {
        let mut tx = state.db.begin().await?;
        if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
            return Ok(Redirect::to("/organisations").into_response());
        }
        match insert_org(&mut tx, &user, &org, None).await? {
            Ok(id) => {
                let msg = format!("L'organisation « {} » a été créée.", org.name);
                return outcome::committed(tx, &ctx, &msg, &format!("/organisations/{id}")).await;
            }
            Err(()) => {
                drop(tx);
                let msg =
                    siret_taken_message(&state.db, org.siret.as_deref().unwrap_or("")).await?;
                e.add("siret", msg);
            }
        }
    }
    let page = FormPage {
        form_key: f.form_key,
        ..FormPage::new(ctx, None, f.org, e, (types, regions))
    };
    forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

async fn ensure_editable(state: &AppState, user: &CurrentUser, id: i64) -> AppResult<()> {
    let control = OrgControl::load(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure(org_rules::can_edit_profile(user, &control))
}

pub async fn edit_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    ensure_editable(&state, &user, id).await?;
    let o = load(&state.db, id).await?;
    let choices = choices(&state.db).await?;
    let f = OrgForm {
        name: o.name.clone(),
        type_code: o.type_code.clone(),
        siret: o.siret.clone().unwrap_or_default(),
        region: o.region_code.clone().unwrap_or_default(),
        address: o.address.clone(),
        website: o.website.clone(),
        email: o.email.clone(),
        phone: o.phone.clone(),
    };
    let page = FormPage {
        version: o.version.to_string(),
        ..FormPage::new(ctx, Some((id, o.name)), f, FieldErrors::default(), choices)
    };
    forms::render(&page, StatusCode::OK)
}

/// What an edit changes, field by field, for the journal.
fn diff(before: &OrgRow, org: &Org) -> Diff {
    let mut d = Diff::default();
    d.field_ref("name", "Nom", &before.name, &org.name)
        .field_ref("type_code", "Type", &before.type_code, &org.type_code)
        .field_ref("siret", "SIRET", &before.siret, &org.siret)
        .field_ref("region_code", "Région", &before.region_code, &org.region)
        .field_ref("address", "Adresse", &before.address, &org.address)
        .field_ref("website", "Site web", &before.website, &org.website)
        .field_ref("email", "E-mail", &before.email, &org.email)
        .field_ref("phone", "Téléphone", &before.phone, &org.phone);
    d
}

/// Writes the edit of organisation `id` if it is still at `version` (`Ok(false)`: someone saved first).
async fn write(
    tx: &mut sqlx::PgConnection,
    id: i64,
    version: i32,
    org: &Org,
) -> sqlx::Result<bool> {
    let update = sqlx::query(
        "update organisation set name = $3, type_code = $4, siret = $5, region_code = $6, address = $7,
                website = $8, email = $9, phone = $10, version = version + 1
         where id = $1 and version = $2",
    );
    let updated = org.bound(update.bind(id).bind(version)).execute(tx).await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<OrgFormFields>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    ensure_editable(&state, &user, id).await?;
    let (types, regions) = choices(&state.db).await?;
    let mut e = FieldErrors::default();
    let org = parse_org(&f.org, &types, &regions, &mut e);
    let mut tx = state.db.begin().await?;
    let before = load(&mut *tx, id).await?;
    let conflict = e.is_empty() && format::parse_int(&f.version) != Some(i64::from(before.version));
    if conflict {
        e.add(FieldErrors::CONFLICT, CHANGED);
    }
    if e.is_empty() {
        let d = diff(&before, &org);
        if d.is_empty() {
            return Ok(Redirect::to(&format!("/organisations/{id}")).into_response());
        }
        match write(&mut tx, id, before.version, &org).await {
            Ok(true) => {
                let event = Event {
                    actor: Some(user.id),
                    maison_id: user.maison_id,
                    object_type: "organisation",
                    object_id: id,
                    action: "modification",
                    summary: format!("Fiche de l'organisation modifiée : {}", org.name),
                    changes: d.0,
                };
                let msg = "La fiche de l'organisation a été enregistrée.";
                return outcome::done(tx, &ctx, event, msg, &format!("/organisations/{id}")).await;
            }
            Ok(false) => e.add(FieldErrors::CONFLICT, CHANGED),
            Err(err) if violates(&err, SIRET_KEY) => {
                drop(tx);
                let msg =
                    siret_taken_message(&state.db, org.siret.as_deref().unwrap_or("")).await?;
                e.add("siret", msg);
            }
            Err(err) => return Err(err.into()),
        }
    }
    let status = e.status();
    let page = FormPage {
        version: f.version,
        ..FormPage::new(ctx, Some((id, before.name)), f.org, e, (types, regions))
    };
    forms::render(&page, status)
}
