//! Forms that must not run twice (a double click, a resent POST) carry a one-time `form_key`
//! (`Ctx::form_key`). The handler claims it in its transaction: a second claim finds it taken.

use sqlx::PgConnection;

/// True the first time a key is claimed by this account; false for a replay.
pub async fn claim(conn: &mut PgConnection, account_id: i64, key: &str) -> sqlx::Result<bool> {
    // PostgreSQL refuses NUL in text: such a key was not made by `Ctx::form_key` anyway.
    if key.is_empty() || key.len() > 128 || key.contains('\0') {
        return Ok(true);
    }
    let r = sqlx::query(
        "insert into form_submission (key, account_id) values ($1, $2) on conflict do nothing",
    )
    .bind(key)
    .bind(account_id)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
