//! Asking an organisation (issue 14): recording a partnership request ([`ask`], from `partnerships::add::add`),
//! who answers what is asked of an organisation ([`answerers`]: its référents, else the admins; proposals of
//! a person use it too) and how many requests wait for someone's answer ([`pending_for`]).

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::organisations as org_rules;
use crate::domain::partnership::roles_label;
use crate::error::AppResult;
use crate::notifications::notify;

/// The accounts told of a new request to this organisation: its active référents, else the admins.
pub async fn answerers(conn: &mut PgConnection, organisation_id: i64) -> sqlx::Result<Vec<i64>> {
    let referents: Vec<i64> = sqlx::query_scalar(
        "select id from account where organisation_id = $1 and role = 'partner' and referent and active",
    )
    .bind(organisation_id)
    .fetch_all(&mut *conn)
    .await?;
    if !referents.is_empty() {
        return Ok(referents);
    }
    sqlx::query_scalar("select id from account where role = 'admin' and active")
        .fetch_all(conn)
        .await
}

/// What [`ask`] did.
pub enum Asked {
    /// The request was recorded and its answerers told; `to_referents`: they are the organisation's
    /// référents (else the admins).
    Sent { to_referents: bool },
    /// The Maison already waits for an answer from this organisation.
    AlreadyPending,
}

/// The organisation a Maison asks for.
pub struct Asking<'a> {
    pub maison_id: i64,
    pub maison_name: &'a str,
    pub organisation_id: i64,
    pub organisation_name: &'a str,
    pub roles: &'a [String],
    pub since: Option<NaiveDate>,
    pub note: &'a str,
}

/// Records a partnership request in the write's transaction, journals it on the Maison and on the
/// organisation and notifies those who answer it. Grants nothing.
pub async fn ask(tx: &mut PgConnection, user: &CurrentUser, a: &Asking<'_>) -> AppResult<Asked> {
    let id: Option<i64> = sqlx::query_scalar(
        "insert into partnership_request (maison_id, organisation_id, roles, since, note, requested_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (maison_id, organisation_id) where status = 'en_attente' do nothing
         returning id",
    )
    .bind(a.maison_id)
    .bind(a.organisation_id)
    .bind(a.roles)
    .bind(a.since)
    .bind(a.note)
    .bind(user.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(_id) = id else {
        return Ok(Asked::AlreadyPending);
    };
    let roles = roles_label(a.roles);
    for (object_type, object_id) in [("maison", a.maison_id), ("organisation", a.organisation_id)] {
        audit::record(
            &mut *tx,
            Event {
                actor: Some(user.id),
                maison_id: Some(a.maison_id),
                object_type,
                object_id,
                action: "partenariat_demande",
                summary: format!(
                    "Demande de partenariat : {} demande à devenir partenaire de {} ({roles})",
                    a.maison_name, a.organisation_name
                ),
                changes: vec![],
            },
        )
        .await?;
    }
    let referents: i64 = sqlx::query_scalar(
        "select count(*) from account where organisation_id = $1 and role = 'partner' and referent and active",
    )
    .bind(a.organisation_id)
    .fetch_one(&mut *tx)
    .await?;
    let to = answerers(&mut *tx, a.organisation_id).await?;
    notify(
        &mut *tx,
        &to,
        crate::notifications::Kind::PartenariatDemande,
        &format!(
            "{} demande à devenir partenaire de {} ({roles}) : acceptez ou refusez la demande.",
            a.maison_name, a.organisation_name
        ),
        "/organisations/demandes",
    )
    .await?;
    Ok(Asked::Sent {
        to_referents: referents > 0,
    })
}

/// How many requests wait for this person's answer (for the organisation's page).
pub async fn pending_for(
    db: &sqlx::PgPool,
    user: &CurrentUser,
    organisation_id: i64,
) -> sqlx::Result<i64> {
    if !org_rules::can_answer_requests(user, organisation_id) {
        return Ok(0);
    }
    sqlx::query_scalar(
        "select count(*) from partnership_request where organisation_id = $1 and status = 'en_attente'",
    )
    .bind(organisation_id)
    .fetch_one(db)
    .await
}
