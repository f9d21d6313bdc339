//! Settings, each from an environment variable with a documented default (see README).

use std::net::SocketAddr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    /// Adds `Secure` to the session cookie (`MDE_SECURE_COOKIES=true` behind HTTPS).
    pub secure_cookies: bool,
    /// A session unused for this long is gone (`MDE_SESSION_IDLE_MINUTES`, default 120).
    pub session_idle: Duration,
    /// Largest request body outside document uploads (`MDE_MAX_BODY_BYTES`, default 1 MiB).
    pub max_body_bytes: usize,
    /// Public address used in links sent by e-mail (`MDE_BASE_URL`, default `http://<bind>`).
    pub base_url: String,
    /// Connections kept to PostgreSQL (`MDE_DB_MAX_CONNECTIONS`, default 10).
    pub db_max_connections: u32,
    /// Outgoing mail; invitations are shown on screen when this is absent.
    pub smtp: Option<SmtpConfig>,
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://localhost/mde";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_parse<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match env(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            anyhow::anyhow!("valeur invalide pour {name} / invalid value for {name}: {v:?}")
        }),
    }
}

impl Config {
    /// Reads the environment; `bind` comes from the command line or `MDE_BIND`.
    pub fn from_env(database_url: String, bind: SocketAddr) -> anyhow::Result<Self> {
        let secure_cookies = matches!(
            env("MDE_SECURE_COOKIES")
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("true" | "1" | "yes" | "oui")
        );
        let smtp = env("MDE_SMTP_HOST").map(|host| -> anyhow::Result<SmtpConfig> {
            Ok(SmtpConfig {
                host,
                port: env_parse("MDE_SMTP_PORT", 587)?,
                username: env("MDE_SMTP_USERNAME"),
                password: env("MDE_SMTP_PASSWORD"),
                from: env("MDE_SMTP_FROM")
                    .unwrap_or_else(|| "portail@maisons-emploi.invalid".into()),
            })
        });
        Ok(Self {
            database_url,
            bind,
            secure_cookies,
            session_idle: Duration::from_secs(60 * env_parse("MDE_SESSION_IDLE_MINUTES", 120u64)?),
            max_body_bytes: env_parse("MDE_MAX_BODY_BYTES", 1024 * 1024)?,
            base_url: env("MDE_BASE_URL").unwrap_or_else(|| format!("http://{bind}")),
            db_max_connections: env_parse("MDE_DB_MAX_CONNECTIONS", 10)?,
            smtp: smtp.transpose()?,
        })
    }

    /// A configuration for tests and tools: defaults everywhere.
    pub fn for_tests(database_url: String) -> Self {
        let bind: SocketAddr = ([127, 0, 0, 1], 0).into();
        Self {
            database_url,
            bind,
            secure_cookies: false,
            session_idle: Duration::from_secs(7200),
            max_body_bytes: 1024 * 1024,
            base_url: "http://127.0.0.1".into(),
            db_max_connections: 5,
            smtp: None,
        }
    }
}
