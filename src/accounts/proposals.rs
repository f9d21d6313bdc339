//! Proposing a person (issue 14, DESIGN.md section 2). For an organisation whose people it does not manage
//! (several Maisons partner it), a Maison's responsable proposes a person (`/comptes/proposer?organisation=ID`,
//! from the organisation's page or the invitation chooser); the organisation's référents — or the network's
//! admins, where it has none — accept it on `/comptes/propositions`, and only then is the invitation made
//! (the one way of `create.rs`) and sent, its link shown to them (they manage the account); or refuse it,
//! with a reason. Both sides are notified; each step is in the organisation's journal (no names).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgConnection;

use super::create::{self, Refused};
use super::links::{self, Recipient};
use super::tokens::Purpose;
use super::validate;
use crate::audit::{self, Change, Event};
use crate::auth::policy::accounts as rules;
use crate::auth::policy::organisations::{self as org_rules, OrgControl};
use crate::auth::session::FlashKind;
use crate::auth::{CurrentUser, Role, policy};
use crate::error::{AppError, AppResult};
use crate::notifications::notify;
use crate::organisations::answerers;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, parse_id, violates};
use crate::web::{Ctx, Form, format, idempotency, outcome};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrgQuery {
    organisation: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ProposeForm {
    email: String,
    name: String,
    note: String,
    form_key: String,
}

#[derive(Template)]
#[template(path = "accounts/propose.html")]
struct ProposePage {
    ctx: Ctx,
    organisation_id: i64,
    organisation_name: String,
    form: ProposeForm,
    errors: FieldErrors,
}

/// The organisation asked for, once `user` may propose one of its people; `Err(redirect)` for those who
/// invite its people directly.
async fn target(
    state: &AppState,
    user: &CurrentUser,
    q: &OrgQuery,
) -> AppResult<Result<(i64, String, i64), Response>> {
    let org = format::parse_int(&q.organisation).ok_or(AppError::NotFound)?;
    let control = OrgControl::load(&state.db, org)
        .await?
        .ok_or(AppError::NotFound)?;
    if rules::can_invite_people_of(user, &control) {
        let to = format!("/comptes/inviter?organisation={org}");
        return Ok(Err(Redirect::to(&to).into_response()));
    }
    let maison = rules::managed_maison(user).ok_or(AppError::NotFound)?;
    let partners: bool = sqlx::query_scalar(
        "select exists (select 1 from partnership where maison_id = $1 and organisation_id = $2)",
    )
    .bind(maison)
    .bind(org)
    .fetch_one(&state.db)
    .await?;
    policy::ensure(rules::can_propose(user, &control, partners))?;
    let name = super::queries::organisation_name(&state.db, org)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok((org, name, maison)))
}

pub async fn form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(q): Query<OrgQuery>,
) -> AppResult<Response> {
    let (organisation_id, organisation_name, _) = match target(&state, &user, &q).await? {
        Ok(t) => t,
        Err(redirect) => return Ok(redirect),
    };
    let form = ProposeForm {
        form_key: ctx.form_key(),
        ..ProposeForm::default()
    };
    let page = ProposePage {
        ctx,
        organisation_id,
        organisation_name,
        form,
        errors: FieldErrors::default(),
    };
    forms::render(&page, StatusCode::OK)
}

pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(q): Query<OrgQuery>,
    Form(form): Form<ProposeForm>,
) -> AppResult<Response> {
    let (organisation_id, organisation_name, maison) = match target(&state, &user, &q).await? {
        Ok(t) => t,
        Err(redirect) => return Ok(redirect),
    };
    let mut errors = FieldErrors::default();
    let email = validate::email(&form.email).map_err(|e| errors.add("email", e));
    let name = validate::name(&form.name).map_err(|e| errors.add("name", e));
    let note = form.note.trim().to_owned();
    if note.chars().count() > 1000 {
        errors.add(
            "note",
            "La note fait plus de 1000 caractères : raccourcissez-la.",
        );
    }
    let again = |errors: FieldErrors, form: ProposeForm, ctx: Ctx| {
        let page = ProposePage {
            ctx,
            organisation_id,
            organisation_name: organisation_name.clone(),
            form,
            errors,
        };
        forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY)
    };
    let (Ok(email), Ok(name)) = (email, name) else {
        return again(errors, form, ctx);
    };
    if !errors.is_empty() {
        return again(errors, form, ctx);
    }
    let taken: bool =
        sqlx::query_scalar("select exists (select 1 from account where lower(email) = lower($1))")
            .bind(&email)
            .fetch_one(&state.db)
            .await?;
    if taken {
        errors.add(
            "email",
            "Un compte existe déjà avec cette adresse e-mail : la personne peut déjà se connecter (ou \
             demandez à l'Alliance Villes Emploi).",
        );
        return again(errors, form, ctx);
    }
    let mut tx = state.db.begin().await?;
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&format!("/organisations/{organisation_id}")).into_response());
    }
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "insert into account_proposal (maison_id, organisation_id, email, name, note, proposed_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(maison)
    .bind(organisation_id)
    .bind(&email)
    .bind(&name)
    .bind(&note)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if violates(&e, "account_proposal_pending_key") => {
            drop(tx);
            errors.add(
                "email",
                "Cette personne a déjà été proposée pour cette organisation : la proposition attend une \
                 réponse.",
            );
            return again(errors, form, ctx);
        }
        Err(e) => return Err(e.into()),
    };
    let maison_name = super::queries::maison_name(&mut *tx, maison)
        .await?
        .unwrap_or_default();
    let to = answerers(&mut tx, organisation_id).await?;
    notify(
        &mut tx,
        &to,
        "proposition_compte",
        &format!(
            "{maison_name} propose d'inviter une personne de {organisation_name} : acceptez ou refusez la \
             proposition."
        ),
        "/comptes/propositions",
    )
    .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(maison),
            object_type: "organisation",
            object_id: organisation_id,
            action: "proposition_compte",
            summary: "Personne proposée par une Maison pour un compte".to_owned(),
            changes: vec![Change::new(
                "proposition",
                "Proposition n°",
                None::<i64>,
                id,
            )],
        },
        "La personne est proposée : l'invitation partira quand un référent de l'organisation (ou \
         l'administration du réseau) l'aura acceptée. Vous serez prévenu(e) de la réponse.",
        &format!("/organisations/{organisation_id}"),
    )
    .await
}

// ---- The proposals to answer ----

#[derive(sqlx::FromRow)]
pub struct ProposalRow {
    id: i64,
    maison_id: i64,
    maison_name: String,
    organisation_id: i64,
    organisation_name: String,
    email: String,
    name: String,
    note: String,
    status: String,
    proposed_by: Option<i64>,
    proposed_by_name: Option<String>,
    proposed_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    answer: String,
    has_referent: bool,
}

impl ProposalRow {
    fn proposed(&self) -> String {
        format::datetime(self.proposed_at)
    }
    fn answered(&self) -> String {
        self.answered_at.map(format::datetime).unwrap_or_default()
    }
    fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "acceptee" => "Acceptée",
            "refusee" => "Refusée",
            _ => "En attente",
        }
    }
}

const COLUMNS: &str = "p.id, p.maison_id, m.name as maison_name, p.organisation_id,
        o.name as organisation_name, p.email, p.name, p.note, p.status, p.proposed_by,
        pa.name as proposed_by_name, p.proposed_at, p.answered_at, p.answer,
        exists (select 1 from account x where x.organisation_id = o.id and x.role = 'partner'
                and x.referent and x.active) as has_referent
     from account_proposal p
     join maison m on m.id = p.maison_id
     join organisation o on o.id = p.organisation_id
     left join account pa on pa.id = p.proposed_by";

#[derive(Template)]
#[template(path = "accounts/proposals.html")]
struct ProposalsPage {
    ctx: Ctx,
    admin: bool,
    pending: Vec<ProposalRow>,
    answered: Vec<ProposalRow>,
    errored: Option<i64>,
    answer: String,
    errors: FieldErrors,
}

impl ProposalsPage {
    fn is_errored(&self, id: &i64) -> bool {
        self.errored == Some(*id)
    }
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    errored: Option<(i64, String, FieldErrors)>,
) -> AppResult<Response> {
    let scope = org_rules::requests_scope(user).ok_or(AppError::NotFound)?;
    let pending: Vec<ProposalRow> = sqlx::query_as(&format!(
        "select {COLUMNS}
         where p.status = 'en_attente' and ($1::bigint is null or p.organisation_id = $1)
         order by has_referent, p.proposed_at, p.id limit 200"
    ))
    .persistent(false)
    .bind(scope)
    .fetch_all(&state.db)
    .await?;
    let answered: Vec<ProposalRow> = sqlx::query_as(&format!(
        "select {COLUMNS}
         where p.status <> 'en_attente' and ($1::bigint is null or p.organisation_id = $1)
         order by p.answered_at desc, p.id desc limit 30"
    ))
    .persistent(false)
    .bind(scope)
    .fetch_all(&state.db)
    .await?;
    let (errored, answer, errors, status) = match errored {
        Some((id, answer, errors)) => (Some(id), answer, errors, StatusCode::UNPROCESSABLE_ENTITY),
        None => (None, String::new(), FieldErrors::default(), StatusCode::OK),
    };
    let page = ProposalsPage {
        ctx,
        admin: user.is_admin(),
        pending,
        answered,
        errored,
        answer,
        errors,
    };
    forms::render(&page, status)
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
) -> AppResult<Response> {
    policy::ensure(org_rules::can_list_requests(&user))?;
    render_list(&state, &user, ctx, None).await
}

/// The proposal, locked for the answer, once `user` may answer it (404 otherwise).
async fn locked(tx: &mut PgConnection, user: &CurrentUser, id: &str) -> AppResult<ProposalRow> {
    let id = parse_id(id)?;
    let p: ProposalRow =
        sqlx::query_as(&format!("select {COLUMNS} where p.id = $1 for update of p"))
            .persistent(false)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    policy::ensure(org_rules::can_answer_requests(user, p.organisation_id))?;
    Ok(p)
}

async fn refuse_again(state: &AppState, ctx: &Ctx, message: &str) -> AppResult<Response> {
    outcome::flash(&state.db, ctx, FlashKind::Error, message).await?;
    Ok(Redirect::to("/comptes/propositions").into_response())
}

/// Who is told of the answer: who proposed, and the Maison's responsables.
async fn proposers(tx: &mut PgConnection, p: &ProposalRow) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "select id from account
         where active and role = 'staff' and maison_id = $1 and (responsable or id = $2)",
    )
    .bind(p.maison_id)
    .bind(p.proposed_by)
    .fetch_all(tx)
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
}

pub async fn accept(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(_f): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = locked(&mut tx, &user, &id).await?;
    if p.status != "en_attente" {
        drop(tx);
        return refuse_again(&state, &ctx, "Cette proposition a déjà reçu une réponse.").await;
    }
    let new = create::NewAccount {
        email: &p.email,
        name: &p.name,
        role: Role::Partner,
        maison: None,
        organisation: Some(p.organisation_id),
        responsable: false,
        // Accepted by those who manage the organisation: nothing left to review.
        invited_by_maison: None,
    };
    let created = match create::invited(&mut tx, &user, &new).await? {
        Ok(created) => created,
        Err(Refused::EmailTaken) => {
            drop(tx);
            return refuse_again(
                &state,
                &ctx,
                "Un compte existe déjà avec l'adresse de cette personne : refusez la proposition en le \
                 disant à la Maison.",
            )
            .await;
        }
        Err(Refused::Gone) => return Err(AppError::NotFound),
    };
    sqlx::query(
        "update account_proposal set status = 'acceptee', answered_by = $2, answered_at = now(),
                account_id = $3
         where id = $1",
    )
    .bind(p.id)
    .bind(user.id)
    .bind(created.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(p.maison_id),
            object_type: "organisation",
            object_id: p.organisation_id,
            action: "proposition_acceptee",
            summary: "Proposition de compte acceptée : invitation envoyée".to_owned(),
            changes: vec![
                Change::new("proposition", "Proposition n°", None::<i64>, p.id),
                Change::new(
                    "compte",
                    "Compte",
                    serde_json::Value::Null,
                    audit::account_ref(Some(created.id)),
                ),
            ],
        },
    )
    .await?;
    let to = proposers(&mut tx, &p).await?;
    notify(
        &mut tx,
        &to,
        "proposition_compte",
        &format!(
            "La personne que {} a proposée pour {} est acceptée : son invitation est envoyée.",
            p.maison_name, p.organisation_name
        ),
        &format!("/organisations/{}", p.organisation_id),
    )
    .await?;
    outcome::flash(
        &mut *tx,
        &ctx,
        FlashKind::Success,
        "Proposition acceptée : le compte est créé et l'invitation envoyée.",
    )
    .await?;
    tx.commit().await?;
    let who = Recipient {
        name: &p.name,
        email: &p.email,
        affiliation: &created.affiliation,
    };
    // The référents and the admins manage the account: the link is theirs to see.
    links::deliver_and_show(
        &state,
        ctx,
        &user,
        created.id,
        who,
        Purpose::Invitation,
        created.issued,
        true,
    )
    .await
}

pub async fn refuse(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = locked(&mut tx, &user, &id).await?;
    if p.status != "en_attente" {
        drop(tx);
        return refuse_again(&state, &ctx, "Cette proposition a déjà reçu une réponse.").await;
    }
    let answer = f.answer.trim().to_owned();
    if answer.chars().count() > 1000 {
        drop(tx);
        let mut errors = FieldErrors::default();
        errors.add(
            "answer",
            "Le motif fait plus de 1000 caractères : raccourcissez-le.",
        );
        return render_list(&state, &user, ctx, Some((p.id, f.answer, errors))).await;
    }
    sqlx::query(
        "update account_proposal set status = 'refusee', answered_by = $2, answered_at = now(),
                answer = $3
         where id = $1",
    )
    .bind(p.id)
    .bind(user.id)
    .bind(&answer)
    .execute(&mut *tx)
    .await?;
    let to = proposers(&mut tx, &p).await?;
    let reason = if answer.is_empty() {
        String::new()
    } else {
        format!(" Motif : {answer}")
    };
    notify(
        &mut tx,
        &to,
        "proposition_compte",
        &format!(
            "La personne que {} a proposée pour {} n'est pas acceptée : aucune invitation n'est envoyée.{reason}",
            p.maison_name, p.organisation_name
        ),
        &format!("/organisations/{}", p.organisation_id),
    )
    .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(p.maison_id),
            object_type: "organisation",
            object_id: p.organisation_id,
            action: "proposition_refusee",
            summary: "Proposition de compte refusée".to_owned(),
            changes: vec![Change::new(
                "proposition",
                "Proposition n°",
                None::<i64>,
                p.id,
            )],
        },
        "Proposition refusée : la Maison est prévenue.",
        "/comptes/propositions",
    )
    .await
}
