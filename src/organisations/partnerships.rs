//! A Maison's partnerships: add an existing organisation (searched by name or SIRET, without JavaScript),
//! create a new organisation as a partner, change the roles, add and remove contact people, end the
//! partnership. Admins and the Maison's staff only; every change is in the Maison's *Historique*.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::asking;
use super::directory::{insert_org, siret_taken_message};
use super::fields::{Choice, OrgForm, choices, parse_org, parse_roles, parse_since, siret_label};
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::organisations::{self as org_rules, OrgControl};
use crate::auth::policy::{self, network as rules};
use crate::auth::session::FlashKind;
use crate::domain::partnership::{ROLES, roles_label};
use crate::error::{AppError, AppResult};
use crate::maisons::name_of;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, contains_pattern, parse_id};
use crate::web::{Ctx, Form, format, idempotency, outcome};

/// The Maison's id and name, once the account is known to manage its partners (404 otherwise).
async fn managed_maison(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> AppResult<(i64, String)> {
    let id = parse_id(id)?;
    policy::ensure(rules::can_manage_partners(user, id))?;
    Ok((id, name_of(&state.db, id).await?))
}

fn roles_summary(roles: &[String]) -> String {
    roles_label(roles)
}

fn since_value(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

// ---- Adding an existing organisation ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AddQuery {
    q: String,
    organisation: String,
}

#[derive(sqlx::FromRow)]
pub struct Candidate {
    id: i64,
    name: String,
    type_name: String,
    siret: Option<String>,
    region_name: Option<String>,
    already: bool,
    /// Whether the Maison already waits for this organisation's answer to a partnership request.
    pending: bool,
    #[sqlx(flatten)]
    control: OrgControl,
}

impl Candidate {
    fn siret_label(&self) -> String {
        self.siret.as_deref().map(siret_label).unwrap_or_default()
    }
}

/// The columns of a [`Candidate`] (organisation `o`) for the Maison bound as `$maison`.
fn candidate_columns(maison: &str) -> String {
    format!(
        "o.id, o.name, t.name as type_name, o.siret, r.name as region_name,
         exists (select 1 from partnership p where p.maison_id = {maison} and p.organisation_id = o.id) as already,
         exists (select 1 from partnership_request q where q.maison_id = {maison} and q.organisation_id = o.id
                 and q.status = 'en_attente') as pending,
         {}",
        OrgControl::columns("o")
    )
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PartnershipForm {
    organisation: String,
    roles: Vec<String>,
    since: String,
    note: String,
    version: String,
    form_key: String,
    q: String,
}

impl PartnershipForm {
    fn has_role(&self, role: &&str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

#[derive(Template)]
#[template(path = "organisations/add_partner.html")]
struct AddPage {
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    q: String,
    searched: bool,
    results: Vec<Candidate>,
    chosen: Option<Candidate>,
    /// Whether attaching the chosen organisation is a request to its référents (it is not the Maison's).
    asks: bool,
    f: PartnershipForm,
    errors: FieldErrors,
    roles: &'static [(&'static str, &'static str)],
}

async fn search(state: &AppState, maison_id: i64, q: &str) -> sqlx::Result<Vec<Candidate>> {
    let Some(pattern) = contains_pattern(q) else {
        return Ok(Vec::new());
    };
    let digits: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let siret_prefix =
        (!digits.is_empty() && digits.len() <= 14 && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| format!("{digits}%"));
    sqlx::query_as(&format!(
        "select {}
         from organisation o
         join partner_type t on t.code = o.type_code
         left join region r on r.code = o.region_code
         where o.name_key like f_unaccent(lower($1)) or ($2::text is not null and o.siret like $2)
         order by o.name_key, o.id
         limit 20",
        candidate_columns("$3")
    ))
    .persistent(false)
    .bind(pattern)
    .bind(siret_prefix)
    .bind(maison_id)
    .fetch_all(&state.db)
    .await
}

async fn candidate(state: &AppState, maison_id: i64, org: &str) -> sqlx::Result<Option<Candidate>> {
    let Ok(org) = org.trim().parse::<i64>() else {
        return Ok(None);
    };
    sqlx::query_as(&format!(
        "select {}
         from organisation o
         join partner_type t on t.code = o.type_code
         left join region r on r.code = o.region_code
         where o.id = $1",
        candidate_columns("$2")
    ))
    .persistent(false)
    .bind(org)
    .bind(maison_id)
    .fetch_optional(&state.db)
    .await
}

#[expect(clippy::too_many_arguments, reason = "the page's parts, passed flat")]
async fn render_add(
    state: &AppState,
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    f: PartnershipForm,
    chosen: Option<Candidate>,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let results = search(state, maison_id, &f.q).await?;
    let asks = match (&chosen, &ctx.user) {
        (Some(c), Some(u)) => !org_rules::attaches_directly(u, &c.control, maison_id),
        _ => false,
    };
    let page = AddPage {
        ctx,
        maison_id,
        maison_name,
        q: f.q.clone(),
        searched: !f.q.trim().is_empty(),
        results,
        chosen,
        asks,
        f,
        errors,
        roles: ROLES,
    };
    forms::render(&page, status)
}

pub async fn add_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<AddQuery>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let chosen = candidate(&state, id, &q.organisation).await?;
    let f = PartnershipForm {
        organisation: q.organisation,
        roles: vec!["associe".into()],
        form_key: ctx.form_key(),
        q: q.q,
        ..PartnershipForm::default()
    };
    render_add(
        &state,
        ctx,
        id,
        name,
        f,
        chosen,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A replayed form (double click) whose first submission went through: not an error, just done.
async fn already_processed(state: &AppState, user: &CurrentUser, key: &str) -> sqlx::Result<bool> {
    if key.is_empty() {
        return Ok(false);
    }
    sqlx::query_scalar(
        "select exists (select 1 from form_submission where key = $1 and account_id = $2)",
    )
    .bind(key)
    .bind(user.id)
    .fetch_one(&state.db)
    .await
}

/// Inserts the partnership and its audit event; `Ok(false)` when it already exists.
#[expect(clippy::too_many_arguments, reason = "a flat row insert")]
pub(super) async fn insert_partnership(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    maison_id: i64,
    org_id: i64,
    org_name: &str,
    roles: &[String],
    since: Option<NaiveDate>,
    note: &str,
) -> AppResult<bool> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "insert into partnership (maison_id, organisation_id, roles, since, note)
         values ($1, $2, $3, $4, $5) on conflict (maison_id, organisation_id) do nothing returning id",
    )
    .bind(maison_id)
    .bind(org_id)
    .bind(roles)
    .bind(since)
    .bind(note)
    .fetch_optional(&mut *tx)
    .await?;
    if inserted.is_none() {
        return Ok(false);
    }
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(maison_id),
            object_type: "maison",
            object_id: maison_id,
            action: "partenariat_ajout",
            summary: format!("Partenaire ajouté : {org_name} ({})", roles_summary(roles)),
            changes: vec![audit::Change::new(
                "partenaires",
                &format!("Rôles de {org_name}"),
                serde_json::Value::Null,
                roles_summary(roles),
            )],
        },
    )
    .await?;
    Ok(true)
}

pub async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<PartnershipForm>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    if already_processed(&state, &user, &f.form_key).await? {
        return Ok(Redirect::to(&format!("/maisons/{id}#partenaires")).into_response());
    }
    let mut e = FieldErrors::default();
    let chosen = candidate(&state, id, &f.organisation).await?;
    match &chosen {
        None => e.add(
            "organisation",
            "Choisissez une organisation dans les résultats de la recherche.",
        ),
        Some(c) if c.already => e.add(
            "organisation",
            format!("{} est déjà partenaire de cette Maison.", c.name),
        ),
        Some(c) if c.pending => e.add(
            "organisation",
            format!(
                "La Maison a déjà demandé à devenir partenaire de {} : la demande attend sa réponse.",
                c.name
            ),
        ),
        Some(_) => {}
    }
    let roles = parse_roles(&f.roles, &mut e);
    let since = parse_since(&f.since, &mut e);
    let note = e.text("note", &f.note, 1000);
    if let (Some(c), true) = (&chosen, e.is_empty()) {
        let mut tx = state.db.begin().await?;
        if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
            return Ok(Redirect::to(&format!("/maisons/{id}#partenaires")).into_response());
        }
        if !org_rules::attaches_directly(&user, &c.control, id) {
            // An organisation the Maison did not create: a request, which grants nothing until accepted.
            let asked = asking::ask(
                &mut tx,
                &user,
                &asking::Asking {
                    maison_id: id,
                    maison_name: &name,
                    organisation_id: c.id,
                    organisation_name: &c.name,
                    roles: &roles,
                    since,
                    note: &note,
                },
            )
            .await?;
            if let asking::Asked::Sent { to_referents } = asked {
                let who = if to_referents {
                    "à ses référents"
                } else {
                    "à l'administration du réseau (elle n'a pas encore de référent)"
                };
                let msg = format!(
                    "Votre demande de partenariat avec {} a été envoyée {who}. Le partenariat commencera \
                     quand elle sera acceptée.",
                    c.name
                );
                return outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#demandes"))
                    .await;
            }
            drop(tx);
            e.add(
                "organisation",
                format!(
                    "La Maison a déjà demandé à devenir partenaire de {} : la demande attend sa réponse.",
                    c.name
                ),
            );
        } else if insert_partnership(&mut tx, &user, id, c.id, &c.name, &roles, since, &note)
            .await?
        {
            let msg = format!("{} est désormais partenaire de la Maison.", c.name);
            return outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#partenaires")).await;
        } else {
            e.add(
                "organisation",
                format!("{} est déjà partenaire de cette Maison.", c.name),
            );
        }
    }
    render_add(
        &state,
        ctx,
        id,
        name,
        f,
        chosen,
        e,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---- Creating an organisation as a new partner ----

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewPartnerForm {
    #[serde(flatten)]
    org: OrgForm,
    roles: Vec<String>,
    since: String,
    form_key: String,
}

impl NewPartnerForm {
    fn has_role(&self, role: &&str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

#[derive(Template)]
#[template(path = "organisations/new_partner.html")]
struct NewPage {
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    f: NewPartnerForm,
    errors: FieldErrors,
    types: Vec<Choice>,
    regions: Vec<Choice>,
    roles: &'static [(&'static str, &'static str)],
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let region: Option<String> = sqlx::query_scalar("select region_code from maison where id = $1")
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
    let (types, regions) = choices(&state.db).await?;
    let f = NewPartnerForm {
        org: OrgForm {
            region: region.unwrap_or_default(),
            ..OrgForm::default()
        },
        roles: vec!["associe".into()],
        form_key: ctx.form_key(),
        ..NewPartnerForm::default()
    };
    let page = NewPage {
        ctx,
        maison_id: id,
        maison_name: name,
        f,
        errors: FieldErrors::default(),
        types,
        regions,
        roles: ROLES,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<NewPartnerForm>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let (types, regions) = choices(&state.db).await?;
    let mut e = FieldErrors::default();
    let org = parse_org(&f.org, &types, &regions, &mut e);
    let roles = parse_roles(&f.roles, &mut e);
    let since = parse_since(&f.since, &mut e);
    if e.is_empty() {
        let mut tx = state.db.begin().await?;
        if !idempotency::claim(&mut tx, user.id, &f.form_key).await? {
            return Ok(Redirect::to(&format!("/maisons/{id}#partenaires")).into_response());
        }
        match insert_org(&mut tx, &user, &org, Some(id)).await? {
            Ok(org_id) => {
                insert_partnership(&mut tx, &user, id, org_id, &org.name, &roles, since, "")
                    .await?;
                let msg = format!(
                    "L'organisation « {} » a été créée et ajoutée aux partenaires.",
                    org.name
                );
                return outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#partenaires"))
                    .await;
            }
            Err(()) => {
                drop(tx);
                let msg =
                    siret_taken_message(&state.db, org.siret.as_deref().unwrap_or("")).await?;
                e.add("siret", msg);
            }
        }
    }
    let page = NewPage {
        ctx,
        maison_id: id,
        maison_name: name,
        f,
        errors: e,
        types,
        regions,
        roles: ROLES,
    };
    forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY)
}

// ---- Managing a partnership ----

#[derive(sqlx::FromRow)]
pub struct PartnershipRow {
    id: i64,
    organisation_id: i64,
    organisation_name: String,
    type_name: String,
    roles: Vec<String>,
    since: Option<NaiveDate>,
    note: String,
    version: i32,
}

#[derive(sqlx::FromRow)]
pub struct Contact {
    id: i64,
    name: String,
    job_title: String,
    email: String,
    phone: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ContactForm {
    #[serde(rename = "contact_name")]
    name: String,
    job_title: String,
    #[serde(rename = "contact_email")]
    email: String,
    #[serde(rename = "contact_phone")]
    phone: String,
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
    conflict: bool,
    roles: &'static [(&'static str, &'static str)],
}

async fn partnership(
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

fn form_of(p: &PartnershipRow) -> PartnershipForm {
    PartnershipForm {
        organisation: p.organisation_id.to_string(),
        roles: p.roles.clone(),
        since: since_value(p.since),
        note: p.note.clone(),
        version: p.version.to_string(),
        ..PartnershipForm::default()
    }
}

#[expect(clippy::too_many_arguments, reason = "the page's parts, passed flat")]
async fn render_manage(
    state: &AppState,
    ctx: Ctx,
    maison_id: i64,
    maison_name: String,
    p: PartnershipRow,
    f: PartnershipForm,
    errors: FieldErrors,
    contact: ContactForm,
    contact_errors: FieldErrors,
    conflict: bool,
    status: StatusCode,
) -> AppResult<Response> {
    let contacts: Vec<Contact> = sqlx::query_as(
        "select id, name, job_title, email, phone from partnership_contact
         where partnership_id = $1 order by name, id",
    )
    .bind(p.id)
    .fetch_all(&state.db)
    .await?;
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
        conflict,
        roles: ROLES,
    };
    forms::render(&page, status)
}

pub async fn manage(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let p = partnership(&state.db, id, &pid, false).await?;
    let f = form_of(&p);
    render_manage(
        &state,
        ctx,
        id,
        name,
        p,
        f,
        FieldErrors::default(),
        ContactForm::default(),
        FieldErrors::default(),
        false,
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
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
    let conflict = e.is_empty() && format::parse_int(&f.version) != Some(i64::from(before.version));
    if !e.is_empty() || conflict {
        drop(tx);
        let status = if conflict {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return render_manage(
            &state,
            ctx,
            id,
            name,
            before,
            f,
            e,
            ContactForm::default(),
            FieldErrors::default(),
            conflict,
            status,
        )
        .await;
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
    .field("note", "Note", before.note.clone(), note.clone());
    if !d.is_empty() {
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
        audit::record(
            &mut *tx,
            Event {
                actor: Some(user.id),
                maison_id: Some(id),
                object_type: "maison",
                object_id: id,
                action: "partenariat_modification",
                summary: format!("Partenariat modifié : {}", before.organisation_name),
                changes: d.0,
            },
        )
        .await?;
        outcome::flash(
            &mut *tx,
            &ctx,
            FlashKind::Success,
            "Le partenariat a été enregistré.",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/maisons/{id}#partenaires")).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
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
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(id),
            object_type: "maison",
            object_id: id,
            action: "partenariat_retrait",
            summary: format!("Partenaire retiré : {}", p.organisation_name),
            changes: vec![audit::Change::new(
                "partenaires",
                &format!("Rôles de {}", p.organisation_name),
                roles_summary(&p.roles),
                serde_json::Value::Null,
            )],
        },
    )
    .await?;
    let msg = format!(
        "{} ne fait plus partie des partenaires.",
        p.organisation_name
    );
    outcome::committed(tx, &ctx, &msg, &format!("/maisons/{id}#partenaires")).await
}

pub async fn add_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
    Form(c): Form<ContactForm>,
) -> AppResult<Response> {
    let (id, name) = managed_maison(&state, &user, &id).await?;
    let mut e = FieldErrors::default();
    let contact_name = e.name("contact_name", &c.name, 200);
    let job_title = e.text("job_title", &c.job_title, 200);
    let email = e.email("contact_email", &c.email);
    let phone = e.phone("contact_phone", &c.phone);
    let mut tx = state.db.begin().await?;
    let p = partnership(&mut *tx, id, &pid, true).await?;
    if !e.is_empty() {
        drop(tx);
        let f = form_of(&p);
        return render_manage(
            &state,
            ctx,
            id,
            name,
            p,
            f,
            FieldErrors::default(),
            c,
            e,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    sqlx::query(
        "insert into partnership_contact (partnership_id, name, job_title, email, phone) values ($1, $2, $3, $4, $5)",
    )
    .bind(p.id)
    .bind(&contact_name)
    .bind(&job_title)
    .bind(&email)
    .bind(&phone)
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
            action: "contact_ajout",
            // The contact's name is personal data: the journal, append-only, never holds it.
            summary: format!("Contact ajouté pour {}", p.organisation_name),
            changes: vec![],
        },
        &format!("{contact_name} a été ajouté(e) aux contacts."),
        &format!("/maisons/{id}/partenaires/{}", p.id),
    )
    .await
}

pub async fn remove_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, pid, cid)): Path<(String, String, String)>,
    Form(_c): Form<ContactForm>,
) -> AppResult<Response> {
    let (id, _) = managed_maison(&state, &user, &id).await?;
    let cid = parse_id(&cid)?;
    let mut tx = state.db.begin().await?;
    let p = partnership(&mut *tx, id, &pid, true).await?;
    let removed: Option<String> = sqlx::query_scalar(
        "delete from partnership_contact where id = $1 and partnership_id = $2 returning name",
    )
    .bind(cid)
    .bind(p.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(contact) = removed else {
        return Err(AppError::NotFound);
    };
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(id),
            object_type: "maison",
            object_id: id,
            action: "contact_retrait",
            summary: format!("Contact retiré pour {}", p.organisation_name),
            changes: vec![],
        },
        &format!("{contact} a été retiré(e) des contacts."),
        &format!("/maisons/{id}/partenaires/{}", p.id),
    )
    .await
}
