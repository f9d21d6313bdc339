//! The trust model's demo data (issue 14): which Maison created which organisation. An organisation that a
//! single Maison partners (a PLIE, a local association) was created by that Maison, which therefore manages
//! it; those that several Maisons share (France Travail of a region, a CAPEB of a département) were created
//! by the network's admins (`created_by_maison` null): their référents and the admins manage them.

use sqlx::PgConnection;

pub async fn seed(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "update organisation o set created_by_maison = p.maison_id
         from (select organisation_id, min(maison_id) as maison_id from partnership
               group by organisation_id having count(*) = 1) p
         where p.organisation_id = o.id",
    )
    .execute(conn)
    .await?;
    Ok(())
}
