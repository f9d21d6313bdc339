//! The trust model's demo data (issue 14): which Maison created which organisation, and its référents. An
//! organisation that a single Maison partners (a PLIE, a local association) was created by that Maison,
//! which therefore manages it; those that several Maisons share (France Travail of a region, a CAPEB of a
//! département) were created by the network's admins (`created_by_maison` null): their référents and the
//! admins manage them.
//!
//! Référents: in the demo, the first person (by account) of each shared organisation is its référent, so
//! that partnership requests have someone to answer them — except the demo's partner account
//! (partenaire@francetravail.example.org), which stays a plain partner: France Travail Hauts-de-France has
//! no référent, and the admins answer for it. On a real database nobody becomes référent by a migration
//! (20261203020000): the admins designate them.

use sqlx::PgConnection;

/// The demo account that stays a plain partner (the browser suite crawls as it).
const PLAIN_PARTNER: &str = "partenaire@francetravail.example.org";

pub async fn seed(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "update organisation o set created_by_maison = p.maison_id
         from (select organisation_id, min(maison_id) as maison_id from partnership
               group by organisation_id having count(*) = 1) p
         where p.organisation_id = o.id",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update account a set referent = true
         from (select distinct on (x.organisation_id) x.id
                 from account x
                where x.role = 'partner' and x.active and x.email <> $1
                  and (select count(*) from partnership p where p.organisation_id = x.organisation_id) > 1
                  and not exists (select 1 from account y where y.organisation_id = x.organisation_id
                                  and y.email = $1)
                order by x.organisation_id, x.id) r
         where a.id = r.id",
    )
    .bind(PLAIN_PARTNER)
    .execute(conn)
    .await?;
    Ok(())
}
