//! What the network's pages count of the library: practices published (accepted) and how often other
//! plans took them up, for a Maison (its page) or the whole network (`/reseau`, through the network
//! cache: `practice` and `practice_reuse` notify it, migration 20261208030100).

use sqlx::PgExecutor;

use crate::web::format;

#[derive(sqlx::FromRow, Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct PracticeFigures {
    /// Accepted practices (*pratiques repérées*, remarquables included).
    pub published: i64,
    /// Fiches actions other Maisons made from them.
    pub reused: i64,
    /// Fiches the Maison (or the network) made from other Maisons' practices.
    pub taken_up: i64,
}

impl PracticeFigures {
    pub fn published_text(&self) -> String {
        format::counted(self.published, "pratique publiée", "pratiques publiées")
    }
    pub fn reused_text(&self) -> String {
        format::counted(self.reused, "reprise", "reprises")
    }
    pub fn taken_up_text(&self) -> String {
        format::counted(self.taken_up, "pratique reprise", "pratiques reprises")
    }
}

/// The Maison's practices published, their reuses by other plans, and the practices it took up.
pub async fn of_maison(conn: impl PgExecutor<'_>, maison_id: i64) -> sqlx::Result<PracticeFigures> {
    sqlx::query_as(
        "select (select count(*) from practice where maison_id = $1 and status = 'acceptee') as published,
                (select count(*) from practice_reuse r join practice p on p.id = r.practice_id
                 join action a on a.id = r.action_id join plan pl on pl.id = a.plan_id
                 where p.maison_id = $1 and pl.maison_id <> $1) as reused,
                (select count(*) from practice_reuse r join practice p on p.id = r.practice_id
                 join action a on a.id = r.action_id join plan pl on pl.id = a.plan_id
                 where pl.maison_id = $1 and p.maison_id <> $1) as taken_up",
    )
    .bind(maison_id)
    .fetch_one(conn)
    .await
}

/// The same for the Maisons `maisons` (the programme `/reseau` shows): practices published by them,
/// fiches made from those, fiches they made from any practice.
pub async fn of_network(
    conn: impl PgExecutor<'_>,
    maisons: &[i64],
) -> sqlx::Result<PracticeFigures> {
    sqlx::query_as(
        "select (select count(*) from practice where maison_id = any($1) and status = 'acceptee') as published,
                (select count(*) from practice_reuse r join practice p on p.id = r.practice_id
                 where p.maison_id = any($1)) as reused,
                (select count(*) from practice_reuse r join action a on a.id = r.action_id
                 join plan pl on pl.id = a.plan_id where pl.maison_id = any($1)) as taken_up",
    )
    .bind(maisons)
    .fetch_one(conn)
    .await
}
