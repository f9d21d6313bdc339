//! Making an invited account: the row without a password, its invitation link and its journal event (the
//! person's name and address kept beside the journal, `audit::personal`). Used by `/comptes/inviter` and by
//! the acceptance of a proposal (`proposals.rs`), so that an invitation is made, sent and shown one way
//! only ([`invited`], then [`commit_and_send`]).

use axum::response::Response;
use sqlx::{PgConnection, Postgres, Transaction};

use super::links::{self, Recipient};
use super::queries::role_label;
use super::tokens::{self, Issued, Purpose};
use crate::audit::{self, Change, Event};
use crate::auth::{CurrentUser, Role};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::forms::violates;

/// The account to make.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub maison: Option<i64>,
    pub organisation: Option<i64>,
    pub responsable: bool,
    /// The Maison whose responsable invites a partner (`account.invited_by_maison`).
    pub invited_by_maison: Option<i64>,
}

/// Why no account was made; the transaction is then spoiled: drop it.
pub enum Refused {
    /// Someone has an account with this address.
    EmailTaken,
    /// The Maison or the organisation was removed meanwhile.
    Gone,
}

pub struct Created {
    pub id: i64,
    pub issued: Issued,
    /// « Alliance Villes Emploi », the Maison's or the organisation's name (for the mail).
    pub affiliation: String,
}

/// The account's row, with the names of its Maison and its organisation; refused when its address is
/// taken or its Maison or organisation is gone.
async fn insert(
    tx: &mut PgConnection,
    a: &NewAccount<'_>,
) -> AppResult<Result<(i64, Option<String>, Option<String>), Refused>> {
    let inserted: Result<(i64, Option<String>, Option<String>), sqlx::Error> = sqlx::query_as(
        "with a as (
            insert into account (email, name, role, maison_id, organisation_id, responsable, password_hash,
                                 invited_by_maison)
            values ($1, $2, $3, $4, $5, $6, null, $7)
            returning id, maison_id, organisation_id)
         select a.id, m.name, o.name from a
         left join maison m on m.id = a.maison_id
         left join organisation o on o.id = a.organisation_id",
    )
    .bind(a.email)
    .bind(a.name)
    .bind(a.role.as_str())
    .bind(a.maison)
    .bind(a.organisation)
    .bind(a.responsable)
    .bind(a.invited_by_maison)
    .fetch_one(tx)
    .await;
    match inserted {
        Ok(row) => Ok(Ok(row)),
        Err(e) if violates(&e, "account_email_key") => Ok(Err(Refused::EmailTaken)),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23503") => {
            Ok(Err(Refused::Gone))
        }
        Err(e) => Err(e.into()),
    }
}

/// Inserts the account, issues its invitation link and journals it, in the caller's transaction.
pub async fn invited(
    tx: &mut PgConnection,
    user: &CurrentUser,
    a: &NewAccount<'_>,
) -> AppResult<Result<Created, Refused>> {
    let (id, maison_name, organisation_name) = match insert(&mut *tx, a).await? {
        Ok(row) => row,
        Err(refused) => return Ok(Err(refused)),
    };
    let issued = tokens::issue(&mut *tx, id, Purpose::Invitation, Some(user.id)).await?;
    let affiliation = match a.role {
        Role::Admin => "Alliance Villes Emploi".to_owned(),
        Role::Staff => maison_name.clone().unwrap_or_default(),
        Role::Partner => organisation_name.clone().unwrap_or_default(),
    };
    let changes = vec![
        // The person's name and address stay out of the journal itself (`audit::personal`).
        Change::new(
            "email",
            "Adresse e-mail",
            None::<String>,
            audit::personal(&mut *tx, id, a.email).await?,
        ),
        Change::new(
            "name",
            "Nom",
            None::<String>,
            audit::personal(&mut *tx, id, a.name).await?,
        ),
        Change::new(
            "role",
            "Rôle",
            None::<String>,
            role_label(a.role, a.responsable),
        ),
        Change::new("maison", "Maison", None::<String>, maison_name),
        Change::new(
            "organisation",
            "Organisation",
            None::<String>,
            organisation_name,
        ),
    ];
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: a.maison.or(user.maison_id),
            object_type: "account",
            object_id: id,
            action: "invitation",
            summary: format!(
                "Invitation : {}, {}",
                role_label(a.role, a.responsable),
                affiliation
            ),
            changes,
        },
    )
    .await?;
    Ok(Ok(Created {
        id,
        issued,
        affiliation,
    }))
}

/// Commits the write that made the account, then sends its invitation and shows the link to `user`, who
/// manages the account (whoever may invite, or the référents and admins who accepted a proposal).
pub async fn commit_and_send(
    tx: Transaction<'_, Postgres>,
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    a: &NewAccount<'_>,
    created: Created,
) -> AppResult<Response> {
    tx.commit().await?;
    let who = Recipient {
        name: a.name,
        email: a.email,
        affiliation: &created.affiliation,
    };
    links::deliver_and_show(
        state,
        ctx,
        user,
        created.id,
        who,
        Purpose::Invitation,
        created.issued,
        true,
    )
    .await
}
