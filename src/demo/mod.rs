//! The demo network (`mde serve --demo`, `mde demo --scale N`): deterministic, realistic, French.
//! Seeded only into an empty database, in one transaction.
//!
//! `network.rs` lays down the Maisons, their territories, partner organisations, partnerships and accounts
//! and returns a [`Network`] describing them; each feature then adds its own demo data from that
//! description in `seed_network` below (one file per feature: `demo/<feature>.rs`).

#![expect(
    clippy::print_stdout,
    reason = "the demo is seeded from the command line (`mde demo`, `mde serve --demo`) and tells its \
              person what it did and which accounts to sign in with"
)]

mod diagnostics;
mod names;
mod network;
mod plans;
mod practices;
mod trust;

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

/// The accounts printed by `--demo` (the browser suite signs in with them: keep them stable). Every
/// other seeded account shares the same password.
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
    println!(
        "  (et un responsable par Maison, des chargés de mission et des partenaires, même mot de passe)"
    );
}

/// One seeded Maison, as the other features' demo seeders need it.
#[derive(Clone, Debug)]
pub struct SeededMaison {
    pub id: i64,
    pub name: String,
    pub region_code: String,
    pub departement_code: String,
    pub city: String,
    /// 0 for the real network, 1… for the copies made by `--scale`.
    pub copy: u32,
    pub grenelle_year: Option<i32>,
    pub pilot: bool,
    /// The *responsable* (staff account) of the Maison.
    pub responsable_id: i64,
    /// Every staff account of the Maison, the responsable first.
    pub staff_ids: Vec<i64>,
    /// The organisations partnering the Maison, in a stable order.
    pub partner_organisation_ids: Vec<i64>,
    /// Those of the above that sit on its comité de pilotage.
    pub copil_organisation_ids: Vec<i64>,
}

/// A partner person (account) and their organisation.
#[derive(Clone, Copy, Debug)]
pub struct SeededPartner {
    pub account_id: i64,
    pub organisation_id: i64,
}

/// What `network::seed` laid down: the API the other demo seeders build on.
#[derive(Clone, Debug)]
pub struct Network {
    pub scale: u32,
    pub admin_id: i64,
    /// The Maisons, the real network's first (the three Grenelle pilots lead: Lille, Nancy, Bayonne).
    pub maisons: Vec<SeededMaison>,
    /// Partner accounts with their organisation.
    pub partners: Vec<SeededPartner>,
}

impl Network {
    /// The Maison de l'emploi de Lille Métropole, where the demo's staff and partner accounts work.
    pub fn lille(&self) -> &SeededMaison {
        &self.maisons[0]
    }

    pub fn grenelle(&self) -> impl Iterator<Item = &SeededMaison> {
        self.maisons.iter().filter(|m| m.grenelle_year.is_some())
    }
}

/// `n` ids of `table`'s sequence, reserved up front so that rows can point at each other before the bulk
/// inserts.
async fn reserve_ids(conn: &mut PgConnection, table: &str, n: usize) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "select nextval(pg_get_serial_sequence($1, 'id')) from generate_series(1, $2)",
    )
    .bind(table)
    .bind(n as i64)
    .fetch_all(conn)
    .await
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
    seed_network(&mut tx, scale.max(1), &hash)
        .await
        .context("données de démonstration")?;
    tx.commit().await?;
    Ok(ACCOUNTS.iter().collect())
}

async fn seed_network(conn: &mut PgConnection, scale: u32, hash: &str) -> anyhow::Result<()> {
    let network = network::seed(conn, scale, hash).await.context("réseau")?;
    trust::seed(conn, &network, hash)
        .await
        .context("organisations : qui les gère")?;

    diagnostics::seed(conn, &network)
        .await
        .context("diagnostics")?;
    plans::seed(conn, &network)
        .await
        .context("plans d'actions")?;
    // The copil's decisions seeded above refer to its meetings, as the migration made them of the
    // decisions recorded before meetings existed (the same statements).
    sqlx::raw_sql(include_str!(
        "../../migrations/20261208020200_copil_meetings_from_decisions.sql"
    ))
    .execute(&mut *conn)
    .await
    .context("réunions du comité de pilotage")?;
    practices::seed(conn, &network)
        .await
        .context("bibliothèque des pratiques")?;
    // Fresh statistics, so that the first requests on a large demo get good plans.
    sqlx::query("analyze").execute(&mut *conn).await?;
    Ok(())
}
