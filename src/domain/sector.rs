//! The filières (`sector`) that diagnostics cover and fiches actions belong to, in the network's order.

use serde::Deserialize;
use sqlx::PgExecutor;

#[derive(Clone, Debug, Deserialize, sqlx::FromRow)]
pub struct Sector {
    pub code: String,
    pub name: String,
}

/// Every filière, in the order the forms list them.
pub async fn all(conn: impl PgExecutor<'_>) -> sqlx::Result<Vec<Sector>> {
    sqlx::query_as("select code, name from sector order by position")
        .fetch_all(conn)
        .await
}
