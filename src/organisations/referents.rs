//! Référents (issue 14, DESIGN.md section 2): the partner accounts that manage their organisation once
//! several Maisons share it. The admins designate and remove them on the organisation's page or from
//! `/organisations/a-examiner`; a référent hands the role to a colleague of the same organisation. Nobody
//! becomes référent automatically.
//!
//! `/organisations/a-examiner` (admins) lists what the trust model leaves to them: the partner accounts a
//! Maison's responsable invited into an organisation that several Maisons now partner (that Maison no longer
//! manages them: an admin marks them reviewed or designates them référent), and the organisations several
//! Maisons share that have no référent (the admins manage them alone).

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::audit::{self, Change, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, organisations as org_rules};
use crate::auth::session::FlashKind;
use crate::error::{AppError, AppResult};
use crate::notifications::notify;
use crate::state::AppState;
use crate::web::forms::parse_id;
use crate::web::{Ctx, Form, Signed, format, outcome};

/// A partner account of the organisation, locked for the change.
#[derive(sqlx::FromRow)]
struct Person {
    id: i64,
    referent: bool,
}

async fn person_of(
    tx: &mut PgConnection,
    organisation_id: i64,
    account_id: i64,
) -> AppResult<Person> {
    sqlx::query_as(
        "select id, referent from account
         where id = $1 and organisation_id = $2 and role = 'partner' and active
         for update",
    )
    .bind(account_id)
    .bind(organisation_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)
}

async fn set_referent(tx: &mut PgConnection, account_id: i64, referent: bool) -> sqlx::Result<()> {
    sqlx::query(
        "update account set referent = $2,
                reviewed_at = case when $2 then coalesce(reviewed_at, now()) else reviewed_at end
         where id = $1",
    )
    .bind(account_id)
    .bind(referent)
    .execute(tx)
    .await?;
    Ok(())
}

/// Journals a change of référents on the organisation and on each account concerned (no names: the
/// accounts are references, shown under their current names).
async fn journal(
    tx: &mut PgConnection,
    user: &CurrentUser,
    organisation_id: i64,
    c: &RoleChange<'_>,
) -> sqlx::Result<()> {
    let (action, before, after) = (c.action, c.before, c.after);
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: None,
            object_type: "organisation",
            object_id: organisation_id,
            action,
            summary: c.summary.to_owned(),
            changes: vec![Change::new(
                "referent",
                "Référent",
                audit::account_ref(before),
                audit::account_ref(after),
            )],
        },
    )
    .await?;
    for (account, became) in [(before, false), (after, true)] {
        let Some(account) = account else { continue };
        audit::record(
            &mut *tx,
            Event {
                actor: Some(user.id),
                maison_id: None,
                object_type: "account",
                object_id: account,
                action,
                summary: if became {
                    "Désigné référent de son organisation".to_owned()
                } else {
                    "N'est plus référent de son organisation".to_owned()
                },
                changes: vec![Change::new("referent", "Référent", !became, became)],
            },
        )
        .await?;
    }
    Ok(())
}

/// A change of référents: `before` loses the role, `after` gains it.
struct RoleChange<'a> {
    action: &'a str,
    summary: &'a str,
    before: Option<i64>,
    after: Option<i64>,
    /// Told to the person who gains the role, else to the one who loses it.
    notice: &'a str,
    /// The message the next page shows.
    message: &'a str,
}

/// Writes a change of référents and ends the request: the roles, their journal, the notice, the commit
/// and the 303 to `to`.
async fn change_roles(
    mut tx: Transaction<'_, Postgres>,
    ctx: &Ctx,
    user: &CurrentUser,
    organisation_id: i64,
    c: RoleChange<'_>,
    to: &str,
) -> AppResult<Response> {
    if let Some(after) = c.after {
        set_referent(&mut tx, after, true).await?;
    }
    if let Some(before) = c.before {
        set_referent(&mut tx, before, false).await?;
    }
    journal(&mut tx, user, organisation_id, &c).await?;
    let told: Vec<i64> = c.after.or(c.before).into_iter().collect();
    notify(
        &mut tx,
        &told,
        crate::notifications::Kind::Referent,
        c.notice,
        &format!("/organisations/{organisation_id}"),
    )
    .await?;
    outcome::committed(tx, ctx, c.message, to).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReferentForm {
    /// `a-examiner` when the form is on that page (the answer goes back there).
    retour: String,
    /// The colleague a référent hands the role to.
    account: String,
}

impl ReferentForm {
    fn back(&self, organisation_id: i64) -> String {
        if self.retour == "a-examiner" {
            "/organisations/a-examiner".to_owned()
        } else {
            format!("/organisations/{organisation_id}")
        }
    }
}

pub async fn designate(
    Signed { state, user, ctx }: Signed,
    Path(ids): Path<(String, String)>,
    Form(f): Form<ReferentForm>,
) -> AppResult<Response> {
    designation(state, user, ctx, ids, f, true).await
}

pub async fn remove(
    Signed { state, user, ctx }: Signed,
    Path(ids): Path<(String, String)>,
    Form(f): Form<ReferentForm>,
) -> AppResult<Response> {
    designation(state, user, ctx, ids, f, false).await
}

/// An admin makes person `aid` of organisation `id` référent (`referent`) or no longer référent.
async fn designation(
    state: AppState,
    user: CurrentUser,
    ctx: Ctx,
    (id, aid): (String, String),
    f: ReferentForm,
    referent: bool,
) -> AppResult<Response> {
    policy::ensure(org_rules::can_designate_referents(&user))?;
    let (id, aid) = (parse_id(&id)?, parse_id(&aid)?);
    let mut tx = state.db.begin().await?;
    let person = person_of(&mut tx, id, aid).await?;
    if person.referent == referent {
        drop(tx);
        let message = if referent {
            "Cette personne est déjà référente de son organisation."
        } else {
            "Cette personne n'est pas référente de son organisation."
        };
        return outcome::nothing_done(&state.db, &ctx, FlashKind::Info, message, &f.back(id)).await;
    }
    let change = if referent {
        RoleChange {
            action: "referent_designe",
            summary: "Référent désigné",
            before: None,
            after: Some(person.id),
            notice: "Vous êtes désormais référent de votre organisation : vous gérez sa fiche et les \
                     comptes de ses personnes, et répondez à ses demandes de partenariat.",
            message: "La personne a été désignée référente.",
        }
    } else {
        RoleChange {
            action: "referent_retire",
            summary: "Référent retiré",
            before: Some(person.id),
            after: None,
            notice: "L'administration du réseau vous a retiré le rôle de référent de votre organisation.",
            message: "La personne n'est plus référente de son organisation.",
        }
    };
    change_roles(tx, &ctx, &user, id, change, &f.back(id)).await
}

/// A référent hands the role to a colleague of the same organisation, and is no longer référent.
pub async fn hand_over(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<ReferentForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    policy::ensure(org_rules::can_hand_over_referent(&user, id))?;
    let Some(aid) = format::parse_int(&f.account).filter(|a| *a != user.id) else {
        return outcome::nothing_done(
            &state.db,
            &ctx,
            FlashKind::Error,
            "Choisissez la personne de votre organisation à qui transmettre le rôle.",
            &format!("/organisations/{id}"),
        )
        .await;
    };
    let mut tx = state.db.begin().await?;
    let me = person_of(&mut tx, id, user.id).await?;
    let colleague = person_of(&mut tx, id, aid).await?;
    policy::ensure(me.referent)?;
    if colleague.referent {
        drop(tx);
        return outcome::nothing_done(
            &state.db,
            &ctx,
            FlashKind::Error,
            "Cette personne est déjà référente de l'organisation.",
            &format!("/organisations/{id}"),
        )
        .await;
    }
    let change = RoleChange {
        action: "referent_transmis",
        summary: "Rôle de référent transmis",
        before: Some(me.id),
        after: Some(colleague.id),
        notice: "Le rôle de référent de votre organisation vous a été transmis : vous gérez sa fiche et \
                 les comptes de ses personnes, et répondez à ses demandes de partenariat.",
        message: "Le rôle de référent a été transmis : vous ne l'avez plus.",
    };
    change_roles(tx, &ctx, &user, id, change, &format!("/organisations/{id}")).await
}

/// A partner account invited by one Maison into an organisation that several Maisons partner.
#[derive(sqlx::FromRow)]
pub struct ToReview {
    id: i64,
    name: String,
    email: String,
    organisation_id: i64,
    organisation_name: String,
    maison_name: Option<String>,
    maisons: i64,
    created_at: DateTime<Utc>,
}

impl ToReview {
    fn created(&self) -> String {
        format::date(self.created_at.date_naive())
    }
}

/// An organisation several Maisons partner, without an active référent.
#[derive(sqlx::FromRow)]
pub struct Unmanaged {
    id: i64,
    name: String,
    maisons: i64,
}

#[derive(Template)]
#[template(path = "organisations/review.html")]
struct ReviewPage {
    ctx: Ctx,
    accounts: Vec<ToReview>,
    organisations: Vec<Unmanaged>,
    limit: i64,
}

impl ReviewPage {
    fn accounts_truncated(&self) -> bool {
        self.accounts.len() as i64 >= self.limit
    }
    fn organisations_truncated(&self) -> bool {
        self.organisations.len() as i64 >= self.limit
    }
}

const LIMIT: i64 = 200;

/// The partner accounts to review (the page lists them).
const TO_REVIEW: &str = "from account a
     join organisation o on o.id = a.organisation_id
     left join maison m on m.id = a.invited_by_maison
     where a.role = 'partner' and a.active and not a.referent
       and a.invited_by_maison is not null and a.reviewed_at is null
       and (select count(*) from partnership p where p.organisation_id = a.organisation_id) > 1";

pub async fn review(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    policy::ensure(org_rules::can_review_accounts(&user))?;
    let accounts: Vec<ToReview> = sqlx::query_as(&format!(
        "select a.id, a.name, a.email, a.organisation_id, o.name as organisation_name,
                m.name as maison_name, a.created_at,
                (select count(*) from partnership p where p.organisation_id = a.organisation_id) as maisons
         {TO_REVIEW}
         order by o.name, a.name, a.id limit $1"
    ))
    .persistent(false)
    .bind(LIMIT)
    .fetch_all(&state.db)
    .await?;
    let organisations: Vec<Unmanaged> = sqlx::query_as(
        "select o.id, o.name, count(*) as maisons
         from organisation o join partnership p on p.organisation_id = o.id
         where not exists (select 1 from account r
                            where r.organisation_id = o.id and r.referent and r.active)
         group by o.id, o.name having count(*) > 1
         order by o.name, o.id limit $1",
    )
    .bind(LIMIT)
    .fetch_all(&state.db)
    .await?;
    Ok(Html(
        ReviewPage {
            ctx,
            accounts,
            organisations,
            limit: LIMIT,
        }
        .render()?,
    )
    .into_response())
}

pub async fn mark_reviewed(
    Signed { state, user, ctx }: Signed,
    Path(aid): Path<String>,
    Form(_f): Form<ReferentForm>,
) -> AppResult<Response> {
    policy::ensure(org_rules::can_review_accounts(&user))?;
    let aid = parse_id(&aid)?;
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query(
        "update account set reviewed_at = now()
         where id = $1 and role = 'partner' and reviewed_at is null",
    )
    .bind(aid)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        drop(tx);
        let exists: bool = sqlx::query_scalar(
            "select exists (select 1 from account where id = $1 and role = 'partner')",
        )
        .bind(aid)
        .fetch_one(&state.db)
        .await?;
        policy::ensure(exists)?;
        return Ok(Redirect::to("/organisations/a-examiner").into_response());
    }
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: None,
            object_type: "account",
            object_id: aid,
            action: "examine",
            summary: "Compte examiné par l'administration du réseau".to_owned(),
            changes: vec![],
        },
        "Le compte est marqué comme examiné.",
        "/organisations/a-examiner",
    )
    .await
}
