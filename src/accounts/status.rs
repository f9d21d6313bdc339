//! Deactivating an account (its sessions and unused links end at once) and reactivating it. Nobody
//! deactivates their own account, and the last active admin stays.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::queries;
use super::tokens;
use crate::audit::{self, Diff, Event};
use crate::auth::session::{self, FlashKind};
use crate::auth::{CurrentUser, Role};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Ctx, EmptyForm, Form, outcome};

async fn refuse(state: &AppState, ctx: &Ctx, id: i64, message: &str) -> AppResult<Response> {
    outcome::flash(&state.db, ctx, FlashKind::Error, message).await?;
    Ok(Redirect::to(&format!("/comptes/{id}")).into_response())
}

pub async fn deactivate(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
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
    if account.role() == Role::Admin {
        // Locks the active admins, so that two admins deactivating each other cannot both succeed.
        let others: i64 = sqlx::query_scalar(
            "select count(*) from (select id from account
                                    where role = 'admin' and active and id <> $1 for update) s",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if others == 0 {
            drop(tx);
            return refuse(
                &state,
                &ctx,
                id,
                "C'est le dernier compte d'administration actif : il ne peut pas être désactivé.",
            )
            .await;
        }
    }
    sqlx::query("update account set active = false, version = version + 1 where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let ended = session::destroy_all(&mut *tx, id).await?;
    tokens::revoke(&mut tx, id, None).await?;
    let mut diff = Diff::default();
    diff.field("active", "Compte actif", true, false);
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: account.event_maison(&user),
            object_type: "account",
            object_id: id,
            action: "desactivation",
            summary: format!("Compte désactivé ({ended} session(s) fermée(s))"),
            changes: diff.0,
        },
    )
    .await?;
    let message = format!(
        "Le compte de {} est désactivé : ses sessions ont été fermées et ses liens ne sont plus valables.",
        account.name
    );
    outcome::committed(tx, &ctx, &message, &format!("/comptes/{id}")).await
}

pub async fn reactivate(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
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
    let mut diff = Diff::default();
    diff.field("active", "Compte actif", false, true);
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: account.event_maison(&user),
            object_type: "account",
            object_id: id,
            action: "reactivation",
            summary: "Compte réactivé".into(),
            changes: diff.0,
        },
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
