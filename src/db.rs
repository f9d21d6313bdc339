//! The database: creating it when missing, the pool, the embedded migrations and reference data.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// A failure to reach the database, worded for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error(
        "PostgreSQL injoignable à {target} ({source}). Vérifiez que le serveur tourne et que DATABASE_URL est juste. / \
         PostgreSQL unreachable at {target}: check that the server runs and that DATABASE_URL is right."
    )]
    Unreachable { target: String, source: sqlx::Error },
    #[error("DATABASE_URL invalide / invalid DATABASE_URL: {0}")]
    BadUrl(sqlx::Error),
    #[error("échec des migrations / migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("erreur de base de données / database error: {0}")]
    Sql(#[from] sqlx::Error),
}

fn describe(opts: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        opts.get_host(),
        opts.get_port(),
        opts.get_database().unwrap_or("")
    )
}

/// Creates the database named in the URL when it does not exist yet.
pub async fn ensure_database(url: &str) -> Result<(), DbSetupError> {
    let opts = PgConnectOptions::from_str(url).map_err(DbSetupError::BadUrl)?;
    let name = opts.get_database().unwrap_or("postgres").to_owned();
    let server = opts
        .clone()
        .database("postgres")
        .log_statements(tracing::log::LevelFilter::Debug);
    let target = describe(&opts);
    let mut conn = tokio::time::timeout(Duration::from_secs(5), server.connect())
        .await
        .map_err(|_| DbSetupError::Unreachable {
            target: target.clone(),
            source: sqlx::Error::PoolTimedOut,
        })?
        .map_err(|source| DbSetupError::Unreachable { target, source })?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&format!("create database {quoted}"))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "database created"),
            // Another process created it meanwhile: « exists » (42P04) when it had committed before us,
            // a unique violation on pg_database (23505) when both created it at the same moment.
            Err(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {}
            Err(e) => return Err(e.into()),
        }
    }
    conn.close().await.ok();
    Ok(())
}

/// A pool that gives up quickly, so a dead database turns into 503s rather than hanging requests.
pub async fn pool(url: &str, max_connections: u32) -> Result<PgPool, DbSetupError> {
    let opts = PgConnectOptions::from_str(url)
        .map_err(DbSetupError::BadUrl)?
        .log_statements(tracing::log::LevelFilter::Debug)
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    let target = describe(&opts);
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(Duration::from_millis(1000))
        .idle_timeout(Duration::from_secs(600))
        // No ping before each use: it is a round trip on every request (a twentieth of the CPU of a page
        // like the diagnostic). A connection the server dropped fails its next query instead (one 503),
        // and the pool replaces it.
        .test_before_acquire(false)
        .connect_with(opts)
        .await
        .map_err(|source| DbSetupError::Unreachable { target, source })
}

/// Everything `mde serve` and `mde migrate` do before serving: create, connect, migrate, load reference data.
pub async fn prepare(url: &str, max_connections: u32) -> Result<PgPool, DbSetupError> {
    ensure_database(url).await?;
    let pool = pool(url, max_connections).await?;
    MIGRATOR.run(&pool).await?;
    crate::reference::load(&pool).await?;
    Ok(pool)
}

/// The database a command uses, and the private server behind it if there is one (stopped when dropped, if
/// this process started it).
pub struct Located {
    pub url: String,
    pub private: Option<crate::private_pg::PrivateServer>,
}

/// `DATABASE_URL` when it is set (reachable or not: a wrong address is reported, never replaced); otherwise
/// the default address when something answers there, even to refuse us (DESIGN.md section 5); otherwise the
/// private PostgreSQL of `crate::private_pg`, started if needed, announced in one line on standard error.
#[expect(
    clippy::print_stderr,
    reason = "the person who started `mde` is told where the private PostgreSQL keeps the data"
)]
pub async fn locate(explicit: Option<String>) -> anyhow::Result<Located> {
    if let Some(url) = explicit {
        return Ok(Located { url, private: None });
    }
    let default = crate::config::DEFAULT_DATABASE_URL;
    if default_answers(default).await {
        return Ok(Located {
            url: default.to_owned(),
            private: None,
        });
    }
    let settings = crate::private_pg::Settings::from_env();
    let server =
        tokio::task::spawn_blocking(move || crate::private_pg::PrivateServer::start(&settings))
            .await??;
    eprintln!("{}", server.announcement());
    Ok(Located {
        url: server.url(),
        private: Some(server),
    })
}

/// Whether anything accepts a connection at the default address (its port follows `PGPORT`).
async fn default_answers(url: &str) -> bool {
    let Ok(opts) = PgConnectOptions::from_str(url) else {
        return false;
    };
    let port = opts.get_port();
    let probe = async {
        match opts.get_socket() {
            Some(dir) => tokio::net::UnixStream::connect(dir.join(format!(".s.PGSQL.{port}")))
                .await
                .is_ok(),
            None => tokio::net::TcpStream::connect((opts.get_host(), port))
                .await
                .is_ok(),
        }
    };
    tokio::time::timeout(Duration::from_secs(3), probe)
        .await
        .unwrap_or(false)
}
