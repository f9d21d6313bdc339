//! The end of a successful write, the same in every feature: the journal's event, the flash the next page
//! shows, the commit, and a 303 to the page the person goes to next (POST → 303 → GET). The event and the
//! flash are written in the write's own transaction, so either all of it is kept or none of it.

use axum::response::{IntoResponse, Redirect, Response};
use sqlx::{PgExecutor, Postgres, Transaction};

use crate::audit::{self, Event};
use crate::auth::session::{self, FlashKind};
use crate::error::AppResult;
use crate::web::Ctx;

/// Records `event`, sets the success message `message`, commits `tx` and sends the person to `to`.
pub async fn done(
    mut tx: Transaction<'_, Postgres>,
    ctx: &Ctx,
    event: Event<'_>,
    message: &str,
    to: &str,
) -> AppResult<Response> {
    audit::record(&mut *tx, event).await?;
    committed(tx, ctx, message, to).await
}

/// [`done`] for a write whose events are already recorded (several objects changed at once).
pub async fn committed(
    mut tx: Transaction<'_, Postgres>,
    ctx: &Ctx,
    message: &str,
    to: &str,
) -> AppResult<Response> {
    flash(&mut *tx, ctx, FlashKind::Success, message).await?;
    tx.commit().await?;
    Ok(Redirect::to(to).into_response())
}

/// The end of a request that writes nothing (a refusal, something already done, « Aucune modification »):
/// the message the next page shows, and a 303 to `to`. Called once the write's transaction, if any, is
/// dropped, with the pool.
pub async fn nothing_done(
    conn: impl PgExecutor<'_>,
    ctx: &Ctx,
    kind: FlashKind,
    message: &str,
    to: &str,
) -> AppResult<Response> {
    flash(conn, ctx, kind, message).await?;
    Ok(Redirect::to(to).into_response())
}

/// The message the next page shows. Inside a write, pass its transaction (`&mut *tx`), so that a write
/// that is rolled back leaves no message behind; a message that announces nothing written (a refusal, « Aucune
/// modification ») may go through the pool.
pub async fn flash(
    conn: impl PgExecutor<'_>,
    ctx: &Ctx,
    kind: FlashKind,
    message: &str,
) -> sqlx::Result<()> {
    match &ctx.session_hash {
        Some(hash) => session::set_flash(conn, hash, kind, message).await,
        None => Ok(()),
    }
}
