//! The demo network (`mde serve --demo`, `mde demo --scale N`): deterministic, realistic, French.
//! Seeded only into an empty database.

use anyhow::Context;
use sqlx::{PgConnection, PgPool};

use crate::auth::password;

/// Every demo account's password (printed by `--demo`; never use the demo outside a test machine).
pub const DEMO_PASSWORD: &str = "demo-portail-2026";

pub struct DemoAccount {
    pub email: &'static str,
    pub role: &'static str,
    pub who: &'static str,
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@ave.example.org",
        role: "admin",
        who: "Administratrice du réseau (AVE)",
    },
    DemoAccount {
        email: "responsable@mde-lille.example.org",
        role: "staff",
        who: "Responsable de la Maison de l'emploi de Lille Métropole",
    },
    DemoAccount {
        email: "chargee@mde-lille.example.org",
        role: "staff",
        who: "Chargée de mission de la Maison de l'emploi de Lille Métropole",
    },
    DemoAccount {
        email: "partenaire@francetravail.example.org",
        role: "partner",
        who: "Conseiller France Travail Hauts-de-France",
    },
];

pub fn print_accounts(accounts: &[&DemoAccount]) {
    println!("Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :");
    for a in accounts {
        println!("  {:<8} {:<42} {}", a.role, a.email, a.who);
    }
}

/// Seeds the network `scale` times over into an empty database; returns the accounts to print.
pub async fn seed(pool: &PgPool, scale: u32) -> anyhow::Result<Vec<&'static DemoAccount>> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(727002)")
        .execute(&mut *tx)
        .await?;
    let empty: bool = sqlx::query_scalar("select not exists (select 1 from maison)")
        .fetch_one(&mut *tx)
        .await?;
    if !empty {
        println!("La base contient déjà des Maisons : données de démonstration non ajoutées.");
        return Ok(ACCOUNTS.iter().collect());
    }
    // One hash for every demo account: seeding thousands of accounts must not take minutes.
    let hash = tokio::task::spawn_blocking(|| password::hash_blocking(DEMO_PASSWORD)).await??;
    seed_network(&mut tx, scale, &hash)
        .await
        .context("données de démonstration")?;
    tx.commit().await?;
    Ok(ACCOUNTS.iter().collect())
}

struct MaisonSeed {
    name: &'static str,
    epci: &'static str,
    city: &'static str,
    commune: &'static str,
    grenelle_year: Option<i32>,
    pilot: bool,
}

const PILOTS: &[MaisonSeed] = &[
    MaisonSeed {
        name: "Maison de l'emploi de Lille Métropole",
        epci: "200093201",
        city: "Lille",
        commune: "59350",
        grenelle_year: Some(2008),
        pilot: true,
    },
    MaisonSeed {
        name: "Maison de l'emploi du Grand Nancy",
        epci: "245400676",
        city: "Nancy",
        commune: "54395",
        grenelle_year: Some(2008),
        pilot: true,
    },
    MaisonSeed {
        name: "Maison de l'emploi de Bayonne – Pays Basque",
        epci: "200067106",
        city: "Bayonne",
        commune: "64102",
        grenelle_year: Some(2008),
        pilot: true,
    },
];

async fn insert_maison(conn: &mut PgConnection, m: &MaisonSeed) -> anyhow::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "insert into maison (name, legal_form, region_code, departement_code, city, postal_code, address,
                             convention_date, conventionnee, grenelle_year, grenelle_pilot, president, director)
         select $1, 'association', c.region_code, c.departement_code, $2, '', '1 place de la Mairie',
                date '2006-06-01', true, $3, $4, 'Présidence de l''EPCI', 'Direction de la Maison'
         from commune c where c.code = $5
         returning id",
    )
    .bind(m.name)
    .bind(m.city)
    .bind(m.grenelle_year)
    .bind(m.pilot)
    .bind(m.commune)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("insert into maison_epci (maison_id, epci_siren) values ($1, $2)")
        .bind(id)
        .bind(m.epci)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

async fn insert_organisation(
    conn: &mut PgConnection,
    name: &str,
    type_code: &str,
    region: Option<&str>,
) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "insert into organisation (name, type_code, region_code) values ($1, $2, $3) returning id",
    )
    .bind(name)
    .bind(type_code)
    .bind(region)
    .fetch_one(&mut *conn)
    .await?)
}

#[expect(clippy::too_many_arguments, reason = "a flat row insert")]
async fn insert_account(
    conn: &mut PgConnection,
    email: &str,
    name: &str,
    role: &str,
    maison: Option<i64>,
    organisation: Option<i64>,
    responsable: bool,
    hash: &str,
) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "insert into account (email, name, role, maison_id, organisation_id, responsable, password_hash)
         values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(email)
    .bind(name)
    .bind(role)
    .bind(maison)
    .bind(organisation)
    .bind(responsable)
    .bind(hash)
    .fetch_one(&mut *conn)
    .await?)
}

async fn seed_network(conn: &mut PgConnection, _scale: u32, hash: &str) -> anyhow::Result<()> {
    let mut maisons = Vec::new();
    for m in PILOTS {
        maisons.push(insert_maison(conn, m).await?);
    }
    let lille = maisons[0];
    let ft = insert_organisation(
        conn,
        "France Travail Hauts-de-France",
        "france_travail",
        Some("32"),
    )
    .await?;
    let etat = insert_organisation(conn, "DREETS Hauts-de-France", "etat", Some("32")).await?;
    let mel =
        insert_organisation(conn, "Métropole Européenne de Lille", "epci", Some("32")).await?;
    let capeb = insert_organisation(conn, "CAPEB du Nord", "federation", Some("32")).await?;
    for (org, roles) in [
        (ft, vec!["membre_constitutif", "copil"]),
        (etat, vec!["membre_constitutif", "copil", "financeur"]),
        (mel, vec!["membre_constitutif", "copil", "financeur"]),
        (capeb, vec!["associe"]),
    ] {
        sqlx::query(
            "insert into partnership (maison_id, organisation_id, roles) values ($1, $2, $3)",
        )
        .bind(lille)
        .bind(org)
        .bind(roles)
        .execute(&mut *conn)
        .await?;
    }
    insert_account(
        conn,
        "admin@ave.example.org",
        "Claire Martin",
        "admin",
        None,
        None,
        false,
        hash,
    )
    .await?;
    insert_account(
        conn,
        "responsable@mde-lille.example.org",
        "Karim Benali",
        "staff",
        Some(lille),
        None,
        true,
        hash,
    )
    .await?;
    insert_account(
        conn,
        "chargee@mde-lille.example.org",
        "Sophie Lefebvre",
        "staff",
        Some(lille),
        None,
        false,
        hash,
    )
    .await?;
    insert_account(
        conn,
        "partenaire@francetravail.example.org",
        "Julien Dupont",
        "partner",
        None,
        Some(ft),
        false,
        hash,
    )
    .await?;
    Ok(())
}
