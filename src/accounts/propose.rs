//! Proposing a person (issue 14, DESIGN.md section 2). For an organisation whose people it does not manage
//! (several Maisons partner it), a Maison's responsable proposes a person (`/comptes/proposer?organisation=ID`,
//! from the organisation's page or the invitation chooser); the organisation's référents — or the network's
//! admins, where it has none — accept it on `/comptes/propositions`, and only then is the invitation made
//! (the one way of `create.rs`) and sent, its link shown to them (they manage the account); or refuse it,
//! with a reason (`proposals.rs`). Both sides are notified; each step is in the organisation's journal (no
//! names).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::validate;
use crate::audit::{Change, Event};
use crate::auth::policy::accounts as rules;
use crate::auth::policy::organisations::OrgControl;
use crate::auth::{CurrentUser, policy};
use crate::error::{AppError, AppResult};
use crate::notifications::notify;
use crate::organisations::answerers;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, violates};
use crate::web::{Ctx, Form, Signed, format, idempotency, outcome};

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
    Signed { state, user, ctx }: Signed,
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

/// The person proposed, checked: their address, name and note; or the messages beside the fields (an
/// address that already has an account too).
async fn checked(
    state: &AppState,
    form: &ProposeForm,
) -> AppResult<Result<(String, String, String), FieldErrors>> {
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
    let (Ok(email), Ok(name), true) = (email, name, errors.is_empty()) else {
        return Ok(Err(errors));
    };
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
        return Ok(Err(errors));
    }
    Ok(Ok((email, name, note)))
}

/// Tells those who answer for the organisation that Maison `maison` proposes one of its people.
async fn tell_answerers(
    tx: &mut sqlx::PgConnection,
    maison: i64,
    organisation_id: i64,
    organisation_name: &str,
) -> AppResult<()> {
    let maison_name = super::queries::maison_name(&mut *tx, maison)
        .await?
        .unwrap_or_default();
    let to = answerers(&mut *tx, organisation_id).await?;
    notify(
        &mut *tx,
        &to,
        crate::notifications::Kind::PropositionCompte,
        &format!(
            "{maison_name} propose d'inviter une personne de {organisation_name} : acceptez ou refusez la \
             proposition."
        ),
        "/comptes/propositions",
    )
    .await?;
    Ok(())
}

pub async fn submit(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<OrgQuery>,
    Form(form): Form<ProposeForm>,
) -> AppResult<Response> {
    let (organisation_id, organisation_name, maison) = match target(&state, &user, &q).await? {
        Ok(t) => t,
        Err(redirect) => return Ok(redirect),
    };
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
    let (email, name, note) = match checked(&state, &form).await? {
        Ok(person) => person,
        Err(errors) => return again(errors, form, ctx),
    };
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
            let mut errors = FieldErrors::default();
            errors.add(
                "email",
                "Cette personne a déjà été proposée pour cette organisation : la proposition attend une \
                 réponse.",
            );
            return again(errors, form, ctx);
        }
        Err(e) => return Err(e.into()),
    };
    tell_answerers(&mut tx, maison, organisation_id, &organisation_name).await?;
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
