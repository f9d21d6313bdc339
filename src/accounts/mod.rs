//! Accounts: the list (`/comptes`), an account's page with its *Historique*, invitations, password-reset
//! links, deactivation, edits and erasure (RGPD, `erase.rs`) — for admins (every account) and a Maison's *responsable* (its staff and
//! the people of its partner organisations); and the pages where an invited person sets their password
//! (`/invitation/{token}`, `/reinitialisation/{token}`). Who may do what: `auth::policy::accounts`.

mod accept;
mod choose;
mod create;
mod edit;
mod erase;
mod invite;
mod links;
mod list;
mod proposals;
mod propose;
mod queries;
mod retention;
mod show;
mod status;
mod tokens;
mod validate;

use axum::Router;
use axum::routing::{get, post};

use accept::{Invitation, Reset};

use crate::auth::session::FlashKind;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Ctx, outcome};

/// Single-use links (invitation, password reset), which the CLI's `user reset-password` issues too.
pub use tokens::{Purpose as LinkPurpose, issue as issue_link};

/// The retention task (inactive accounts warned then deactivated, old links and notifications deleted),
/// run daily by the background jobs of `mde serve`.
pub use retention::{Report as RetentionReport, run as run_retention};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/comptes", get(list::list))
        .route("/comptes/inviter", get(invite::form).post(invite::submit))
        .route(
            "/comptes/proposer",
            get(propose::form).post(propose::submit),
        )
        .route("/comptes/propositions", get(proposals::list))
        .route(
            "/comptes/propositions/{id}/accepter",
            post(proposals::accept),
        )
        .route(
            "/comptes/propositions/{id}/refuser",
            post(proposals::refuse),
        )
        .route("/comptes/{id}", get(show::show))
        .route("/comptes/{id}/modifier", get(edit::form).post(edit::submit))
        .route("/comptes/{id}/invitation", post(links::resend_invitation))
        .route("/comptes/{id}/reinitialisation", post(links::reset_link))
        .route("/comptes/{id}/desactiver", post(status::deactivate))
        .route("/comptes/{id}/reactiver", post(status::reactivate))
        .route(
            "/comptes/{id}/effacer",
            get(erase::confirm).post(erase::erase),
        )
        .route(
            "/invitation/{token}",
            get(accept::page::<Invitation>).post(accept::submit::<Invitation>),
        )
        .route(
            "/reinitialisation/{token}",
            get(accept::page::<Reset>).post(accept::submit::<Reset>),
        )
}

/// A refusal said on the account's page (deactivating or erasing oneself, the last admin…).
async fn refuse(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    message: &str,
) -> AppResult<axum::response::Response> {
    let to = format!("/comptes/{id}");
    outcome::nothing_done(&state.db, ctx, FlashKind::Error, message, &to).await
}

/// Whether `account` is the last active admin, the other active admins locked, so that two admins
/// deactivating or erasing each other cannot both succeed.
async fn last_active_admin(
    conn: &mut sqlx::PgConnection,
    account: &queries::AccountRow,
) -> sqlx::Result<bool> {
    if account.role() != crate::auth::Role::Admin || !account.active {
        return Ok(false);
    }
    let others: i64 = sqlx::query_scalar(
        "select count(*) from (select id from account
                                where role = 'admin' and active and id <> $1 for update) s",
    )
    .bind(account.id)
    .fetch_one(conn)
    .await?;
    Ok(others == 0)
}
