//! A Maison's partnerships: add an existing organisation (searched by name or SIRET, without JavaScript,
//! `add`), create a new organisation as a partner (`new`), change the roles or end the partnership
//! (`manage`), add and remove contact people (`contacts`). Admins and the Maison's staff only; every
//! change is in the Maison's *Historique*.

pub(super) mod add;
pub(super) mod contacts;
pub(super) mod manage;
pub(super) mod new;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, network as rules};
use crate::domain::partnership::roles_label;
use crate::error::AppResult;
use crate::maisons::name_of;
use crate::state::AppState;
use crate::web::forms::parse_id;

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
