//! The persons proposed for an account, answered on `/comptes/propositions` by the organisation's
//! référents, or the network's admins where it has none (issue 14; proposing: `propose.rs`): accepting
//! makes the invitation (the one way of `create.rs`) and shows its link; refusing gives the Maison an
//! optional reason. The page is the kit's list of pending things to answer (`web::answers`).

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::create::{self, Refused};
use crate::audit::{self, Change, Event};
use crate::auth::policy::organisations as org_rules;
use crate::auth::session::FlashKind;
use crate::auth::{CurrentUser, Role, policy};
use crate::error::{AppError, AppResult};
use crate::notifications::{askers_of_maison, notify};
use crate::state::AppState;
use crate::web::answers::{AnswerForm, Refusal, Table, reason_sentence};
use crate::web::forms::{self, parse_id};
use crate::web::{Ctx, Form, Signed, format, outcome};

/// Where the answers are given.
const LIST: &str = "/comptes/propositions";

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

const PROPOSALS: Table = Table {
    columns: "p.id, p.maison_id, m.name as maison_name, p.organisation_id,
        o.name as organisation_name, p.email, p.name, p.note, p.status, p.proposed_by,
        pa.name as proposed_by_name, p.proposed_at, p.answered_at, p.answer,
        exists (select 1 from account x where x.organisation_id = o.id and x.role = 'partner'
                and x.referent and x.active) as has_referent
     from account_proposal p
     join maison m on m.id = p.maison_id
     join organisation o on o.id = p.organisation_id
     left join account pa on pa.id = p.proposed_by",
    alias: "p",
    asked_at: "proposed_at",
};

#[derive(Template)]
#[template(path = "accounts/proposals.html")]
struct ProposalsPage {
    ctx: Ctx,
    admin: bool,
    pending: Vec<ProposalRow>,
    answered: Vec<ProposalRow>,
    refusal: Refusal,
}

async fn render_list(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    refusal: Refusal,
) -> AppResult<Response> {
    let scope = org_rules::requests_scope(user).ok_or(AppError::NotFound)?;
    let (pending, answered) = PROPOSALS.lists(&state.db, scope).await?;
    let status = refusal.status();
    let page = ProposalsPage {
        ctx,
        admin: user.is_admin(),
        pending,
        answered,
        refusal,
    };
    forms::render(&page, status)
}

pub async fn list(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    policy::ensure(org_rules::can_list_requests(&user))?;
    render_list(&state, &user, ctx, Refusal::default()).await
}

/// The proposal, locked for the answer, once `user` may answer it and while it waits (404 otherwise;
/// answered meanwhile: `Err` with the page that says so).
async fn pending(
    state: &AppState,
    ctx: &Ctx,
    tx: &mut PgConnection,
    user: &CurrentUser,
    id: &str,
) -> AppResult<Result<ProposalRow, Response>> {
    let id = parse_id(id)?;
    let p: ProposalRow = PROPOSALS.locked(tx, id).await?.ok_or(AppError::NotFound)?;
    policy::ensure(org_rules::can_answer_requests(user, p.organisation_id))?;
    if p.status != "en_attente" {
        let message = "Cette proposition a déjà reçu une réponse.";
        return Ok(Err(outcome::nothing_done(
            &state.db,
            ctx,
            FlashKind::Error,
            message,
            LIST,
        )
        .await?));
    }
    Ok(Ok(p))
}

pub async fn accept(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(_f): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = match pending(&state, &ctx, &mut tx, &user, &id).await? {
        Ok(p) => p,
        Err(answered) => return Ok(answered),
    };
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
            let message = "Un compte existe déjà avec l'adresse de cette personne : refusez la \
                           proposition en le disant à la Maison.";
            return outcome::nothing_done(&state.db, &ctx, FlashKind::Error, message, LIST).await;
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
    let to = askers_of_maison(&mut tx, p.maison_id, p.proposed_by).await?;
    notify(
        &mut tx,
        &to,
        crate::notifications::Kind::PropositionCompte,
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
    // The référents and the admins manage the account: the link is theirs to see.
    create::commit_and_send(tx, &state, ctx, &user, &new, created).await
}

pub async fn refuse(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let p = match pending(&state, &ctx, &mut tx, &user, &id).await? {
        Ok(p) => p,
        Err(answered) => return Ok(answered),
    };
    let answer = match f.reason(p.id) {
        Ok(answer) => answer,
        Err(refusal) => {
            drop(tx);
            return render_list(&state, &user, ctx, refusal).await;
        }
    };
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
    let to = askers_of_maison(&mut tx, p.maison_id, p.proposed_by).await?;
    notify(
        &mut tx,
        &to,
        crate::notifications::Kind::PropositionCompte,
        &format!(
            "La personne que {} a proposée pour {} n'est pas acceptée : aucune invitation n'est envoyée.{}",
            p.maison_name,
            p.organisation_name,
            reason_sentence(&answer)
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
        LIST,
    )
    .await
}
