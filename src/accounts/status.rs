//! Deactivating an account (its sessions and unused links end at once) and reactivating it. Nobody
//! deactivates their own account, and the last active admin stays.

use axum::extract::Path;
use axum::response::Response;

use super::tokens;
use super::{last_active_admin, queries, refuse};
use crate::audit::{self, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::session;
use crate::error::AppResult;
use crate::web::{EmptyForm, Form, Signed, outcome};

/// Records the change of the account's `active` (the opposite of what it was) in the journal.
async fn record(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    account: &queries::AccountRow,
    action: &str,
    summary: String,
) -> sqlx::Result<()> {
    let mut diff = Diff::default();
    diff.field("active", "Compte actif", account.active, !account.active);
    let event = Event {
        changes: diff.0,
        ..account.event(user, action, summary)
    };
    audit::record(&mut *tx, event).await
}

pub async fn deactivate(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let account = queries::load_managed(&mut *tx, &user, id).await?;
    if account.id == user.id {
        drop(tx);
        return refuse(
            &state,
            &ctx,
            id,
            "Vous ne pouvez pas désactiver votre propre compte.",
        )
        .await;
    }
    if !account.active {
        drop(tx);
        return refuse(&state, &ctx, id, "Ce compte est déjà désactivé.").await;
    }
    if last_active_admin(&mut tx, &account).await? {
        drop(tx);
        let message =
            "C'est le dernier compte d'administration actif : il ne peut pas être désactivé.";
        return refuse(&state, &ctx, id, message).await;
    }
    sqlx::query("update account set active = false, version = version + 1 where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let ended = session::destroy_all(&mut *tx, id).await?;
    tokens::revoke(&mut tx, id, None).await?;
    record(
        &mut tx,
        &user,
        &account,
        "desactivation",
        format!("Compte désactivé ({ended} session(s) fermée(s))"),
    )
    .await?;
    let message = format!(
        "Le compte de {} est désactivé : ses sessions ont été fermées et ses liens ne sont plus valables.",
        account.name
    );
    outcome::committed(tx, &ctx, &message, &format!("/comptes/{id}")).await
}

pub async fn reactivate(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let account = queries::load_managed(&mut *tx, &user, id).await?;
    if account.active {
        drop(tx);
        return refuse(&state, &ctx, id, "Ce compte est déjà actif.").await;
    }
    // A warning of inactivity before the deactivation counts for nothing now (`retention`).
    sqlx::query(
        "update account set active = true, inactivity_warned_at = null, version = version + 1
         where id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &user,
        &account,
        "reactivation",
        "Compte réactivé".into(),
    )
    .await?;
    let message = if account.has_password {
        format!("Le compte de {} est réactivé.", account.name)
    } else {
        format!(
            "Le compte de {} est réactivé. Son invitation n'étant plus valable, renvoyez-la.",
            account.name
        )
    };
    outcome::committed(tx, &ctx, &message, &format!("/comptes/{id}")).await
}
