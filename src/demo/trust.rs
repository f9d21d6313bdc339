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
//!
//! What waits for a référent or an admin (`pending`): a few proposals of people for an account
//! (`/comptes/propositions`, one of them already refused), partnership requests from Maisons of the same
//! region (`/organisations/demandes`), and one adviser a Maison invited into an organisation several Maisons
//! share (`/organisations/a-examiner`). None involves Lille or France Travail Grand Est, which the browser
//! journeys use from a known state.

use sqlx::PgConnection;

use super::Network;

/// The demo account that stays a plain partner (the browser suite crawls as it).
const PLAIN_PARTNER: &str = "partenaire@francetravail.example.org";

pub async fn seed(conn: &mut PgConnection, network: &Network, hash: &str) -> sqlx::Result<()> {
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
    .execute(&mut *conn)
    .await?;
    pending(conn, network.lille().id, hash).await
}

/// The organisation the browser journey asks for (`demande-de-partenariat.mjs`): left alone.
const JOURNEY_ORGANISATION: &str = "France Travail Grand Est";

/// The people proposed for an account: (name, address's local part, the Maison's note).
const PROPOSED: [(&str, &str, &str); 4] = [
    (
        "Nadia Roussel",
        "nadia.roussel",
        "Conseillère entreprises, suit les recrutements du bâtiment sur notre territoire : elle \
         complétera le diagnostic.",
    ),
    (
        "Thomas Gauthier",
        "thomas.gauthier",
        "Référent formation pour la rénovation énergétique ; il participe déjà à nos comités techniques.",
    ),
    (
        "Élodie Marchand",
        "elodie.marchand",
        "Remplace notre contact habituel, parti en septembre.",
    ),
    (
        "Mehdi Haddad",
        "mehdi.haddad",
        "Animateur du réseau des artisans, pour les fiches actions du plan.",
    ),
];

/// A shared organisation (several Maisons partner it, the admins created it), its référent, and a Maison
/// other than Lille that partners it, with its responsable.
#[derive(sqlx::FromRow)]
struct Shared {
    organisation_id: i64,
    referent_id: i64,
    domain: String,
    maison_id: i64,
    responsable_id: i64,
}

async fn pending(conn: &mut PgConnection, lille: i64, hash: &str) -> sqlx::Result<()> {
    let shared = shared_organisations(conn, lille).await?;
    proposals(conn, &shared).await?;
    invited_before_trust(conn, &shared, hash).await?;
    partnership_requests(conn, lille).await
}

/// Up to five organisations several Maisons partner (not Lille's, not the journey's), each with a
/// référent and the responsable of one of its Maisons.
async fn shared_organisations(conn: &mut PgConnection, lille: i64) -> sqlx::Result<Vec<Shared>> {
    sqlx::query_as(
        "select distinct on (o.id) o.id as organisation_id, r.id as referent_id,
                split_part(r.email, '@', 2) as domain, p.maison_id, s.id as responsable_id
         from organisation o
         join account r on r.organisation_id = o.id and r.role = 'partner' and r.referent and r.active
         join partnership p on p.organisation_id = o.id and p.maison_id <> $1
         join account s on s.maison_id = p.maison_id and s.role = 'staff' and s.responsable and s.active
         where o.created_by_maison is null and o.name not like $2 || '%'
           and (select count(*) from partnership x where x.organisation_id = o.id) > 1
         order by o.id, p.maison_id, s.id
         limit 5",
    )
    .bind(lille)
    .bind(JOURNEY_ORGANISATION)
    .fetch_all(&mut *conn)
    .await
}

async fn proposals(conn: &mut PgConnection, shared: &[Shared]) -> sqlx::Result<()> {
    // Proposals: three waiting (the oldest first), the fourth refused by the référent.
    for (i, (o, (name, local, note))) in shared.iter().zip(PROPOSED).enumerate() {
        let email = format!("{local}@{}", o.domain);
        let refused = i == 3;
        sqlx::query(
            "insert into account_proposal (maison_id, organisation_id, email, name, note, status, proposed_by,
                                           proposed_at, answered_by, answered_at, answer)
             select $1, $2, $3, $4, $5, $6, $7, now() - make_interval(days => $8),
                    $9, case when $10 then now() - interval '1 day' end,
                    case when $10 then 'Cette personne a quitté notre structure : proposez plutôt sa remplaçante.'
                         else '' end
             where not exists (select 1 from account where lower(email) = lower($3))",
        )
        .bind(o.maison_id)
        .bind(o.organisation_id)
        .bind(&email)
        .bind(name)
        .bind(note)
        .bind(if refused { "refusee" } else { "en_attente" })
        .bind(o.responsable_id)
        .bind(12 - 3 * i as i32)
        .bind(refused.then_some(o.referent_id))
        .bind(refused)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn invited_before_trust(
    conn: &mut PgConnection,
    shared: &[Shared],
    hash: &str,
) -> sqlx::Result<()> {
    // An adviser a Maison's responsable invited (before the trust model) into an organisation several
    // Maisons share: that Maison no longer manages the account, which waits for an admin's review.
    if let Some(o) = shared.get(4) {
        sqlx::query(
            "insert into account (email, name, role, organisation_id, password_hash, invited_by_maison,
                                  created_at, last_login_at)
             select $1, 'Ombeline Vasselin', 'partner', $2, $3, $4, now() - interval '40 days',
                    now() - interval '6 days'
             where not exists (select 1 from account where lower(email) = lower($1))",
        )
        .bind(format!("ombeline.vasselin@{}", o.domain))
        .bind(o.organisation_id)
        .bind(hash)
        .bind(o.maison_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn partnership_requests(conn: &mut PgConnection, lille: i64) -> sqlx::Result<()> {
    // Partnership requests: Maisons (not Lille) ask a shared organisation of their region that they do not
    // partner yet; each waits for its référents.
    let asks: Vec<(i64, i64, i64)> = sqlx::query_as(
        "select distinct on (m.id) m.id, o.id, s.id
         from maison m
         join account s on s.maison_id = m.id and s.role = 'staff' and s.responsable and s.active
         join organisation o on o.region_code = m.region_code and o.created_by_maison is null
         where m.id <> $1 and o.name not like $2 || '%'
           and exists (select 1 from account r where r.organisation_id = o.id and r.referent and r.active)
           and not exists (select 1 from partnership p where p.maison_id = m.id and p.organisation_id = o.id)
           and (select count(*) from partnership x where x.organisation_id = o.id) > 1
         order by m.id, o.id, s.id
         limit 3",
    )
    .bind(lille)
    .bind(JOURNEY_ORGANISATION)
    .fetch_all(&mut *conn)
    .await?;
    const NOTES: [&str; 3] = [
        "Nous lançons une action de repérage des artisans qui recrutent : votre appui nous serait précieux.",
        "Pour co-animer les réunions d'information sur les métiers de la rénovation énergétique.",
        "Notre plan d'actions prévoit un forum de l'emploi du bâtiment au printemps.",
    ];
    for (i, (maison, organisation, responsable)) in asks.into_iter().enumerate() {
        sqlx::query(
            "insert into partnership_request (maison_id, organisation_id, roles, note, requested_by,
                                              requested_at)
             values ($1, $2, $3, $4, $5, now() - make_interval(days => $6))",
        )
        .bind(maison)
        .bind(organisation)
        .bind(if i == 1 { vec!["operateur"] } else { vec!["associe"] })
        .bind(NOTES[i % NOTES.len()])
        .bind(responsable)
        .bind(2 + 2 * i as i32)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
