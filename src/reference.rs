//! Official geography, embedded in the binary and loaded into an empty database at first start.
//! Provenance and licence: `data/geo/README.md`.

use sqlx::PgPool;

/// The year of the populations in `data/geo` (see its README): INSEE's populations légales of year N come
/// into force on 1 January N + 3; the communes carry the *population municipale*.
pub const POPULATION_YEAR: i32 = 2023;

/// How the portal cites those populations (the automatic « Population totale » row of a diagnostic).
pub const POPULATION_SOURCE: &str = "INSEE, populations légales 2023 (population municipale, en vigueur au 1er janvier 2026), somme des communes du territoire";

const REGIONS: &str = include_str!("../data/geo/regions.csv");
const DEPARTEMENTS: &str = include_str!("../data/geo/departements.csv");
const EPCI: &str = include_str!("../data/geo/epci.csv");
const COMMUNES: &str = include_str!("../data/geo/communes.csv");

/// The records of an embedded CSV, header skipped (some EPCI names are quoted: they contain commas).
fn rows(csv: &'static str) -> impl Iterator<Item = Vec<String>> {
    csv::Reader::from_reader(csv.as_bytes())
        .into_records()
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_owned).collect())
}

fn column(csv: &'static str, i: usize) -> Vec<String> {
    rows(csv)
        .map(|r| r.get(i).cloned().unwrap_or_default())
        .collect()
}

fn int_column(csv: &'static str, i: usize) -> Vec<i32> {
    rows(csv)
        .map(|r| r.get(i).and_then(|v| v.parse().ok()).unwrap_or(0))
        .collect()
}

fn list_column(csv: &'static str, i: usize) -> Vec<String> {
    // Postgres array literal of the space-separated codes, e.g. {59,62}
    rows(csv)
        .map(|r| {
            format!(
                "{{{}}}",
                r.get(i)
                    .map(String::as_str)
                    .unwrap_or_default()
                    .split(' ')
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })
        .collect()
}

fn nullable(v: Vec<String>) -> Vec<Option<String>> {
    v.into_iter()
        .map(|s| if s.is_empty() { None } else { Some(s) })
        .collect()
}

/// Loads the geography once; concurrent starts serialise on an advisory lock.
pub async fn load(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock(727001)")
        .execute(&mut *tx)
        .await?;
    let loaded: bool = sqlx::query_scalar("select exists (select 1 from region)")
        .fetch_one(&mut *tx)
        .await?;
    if loaded {
        return tx.commit().await;
    }
    sqlx::query("insert into region (code, name, zone) select * from unnest($1::text[], $2::text[], $3::text[])")
        .bind(column(REGIONS, 0))
        .bind(column(REGIONS, 1))
        .bind(column(REGIONS, 2))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into departement (code, name, region_code, zone)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])",
    )
    .bind(column(DEPARTEMENTS, 0))
    .bind(column(DEPARTEMENTS, 1))
    .bind(column(DEPARTEMENTS, 2))
    .bind(column(DEPARTEMENTS, 3))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into epci (siren, name, kind, population, departement_codes, region_codes, commune_count)
         select s, n, k, p, d::text[], r::text[], c
         from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::int[])
              as t(s, n, k, p, d, r, c)",
    )
    .bind(column(EPCI, 0))
    .bind(column(EPCI, 1))
    .bind(column(EPCI, 2))
    .bind(int_column(EPCI, 3))
    .bind(list_column(EPCI, 4))
    .bind(list_column(EPCI, 5))
    .bind(int_column(EPCI, 6))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into commune (code, name, departement_code, region_code, population, epci_siren)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[])",
    )
    .bind(column(COMMUNES, 0))
    .bind(column(COMMUNES, 1))
    .bind(nullable(column(COMMUNES, 2)))
    .bind(nullable(column(COMMUNES, 3)))
    .bind(int_column(COMMUNES, 4))
    .bind(nullable(column(COMMUNES, 5)))
    .execute(&mut *tx)
    .await?;
    tracing::info!("reference geography loaded");
    tx.commit().await
}
