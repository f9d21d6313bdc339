//! Settings, each from an environment variable with a documented default (see README).

use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
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
    /// Who runs the portal, for the pages every public-service site owes its users.
    pub operator: Operator,
    /// How long personal data is kept (the retention task, `/donnees-personnelles`).
    pub retention: Retention,
    /// `MDE_SECRET_KEY` (at least 32 characters): signs the unsubscribe links of e-mails. Unset, the key
    /// made at installation and kept in the database (`server_secret`) signs them.
    pub secret_key: Option<String>,
}

/// The periods of the retention task (`accounts::retention`, a background job), which
/// `/donnees-personnelles` states from these same values. In days, each at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// `MDE_RETENTION_INACTIVE_DAYS` (365): an account not signed in for this long is warned by e-mail,
    /// once.
    pub inactive_days: u32,
    /// `MDE_RETENTION_NOTICE_DAYS` (30): still not signed in this long after the warning, the account is
    /// deactivated (its sessions and links end).
    pub notice_days: u32,
    /// `MDE_RETENTION_NOTIFICATION_DAYS` (180): a notification read this long ago is deleted.
    pub notification_days: u32,
    /// `MDE_RETENTION_LINK_DAYS` (30): an invitation or reset link used or expired this long ago is deleted.
    pub link_days: u32,
    /// `MDE_RETENTION_PROPOSAL_DAYS` (90): a proposal of a person for an account (`account_proposal`: the
    /// name and address a Maison typed), accepted or refused this long ago, is deleted.
    pub proposal_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            inactive_days: 365,
            notice_days: 30,
            notification_days: 180,
            link_days: 30,
            proposal_days: 90,
        }
    }
}

impl Retention {
    /// (environment variable, value) for each period, in the order `mde config` prints them.
    pub fn settings(&self) -> [(&'static str, u32); 5] {
        [
            ("MDE_RETENTION_INACTIVE_DAYS", self.inactive_days),
            ("MDE_RETENTION_NOTICE_DAYS", self.notice_days),
            ("MDE_RETENTION_NOTIFICATION_DAYS", self.notification_days),
            ("MDE_RETENTION_LINK_DAYS", self.link_days),
            ("MDE_RETENTION_PROPOSAL_DAYS", self.proposal_days),
        ]
    }

    pub fn from_env() -> anyhow::Result<Retention> {
        let d = Retention::default();
        let days = |name: &str, default: u32| -> anyhow::Result<u32> {
            let v: u32 = env_parse(name, default)?;
            if v == 0 || v > 36_500 {
                anyhow::bail!(
                    "{name} doit être un nombre de jours entre 1 et 36500 / {name} must be between 1 and 36500 days: {v}"
                );
            }
            Ok(v)
        };
        Ok(Retention {
            inactive_days: days("MDE_RETENTION_INACTIVE_DAYS", d.inactive_days)?,
            notice_days: days("MDE_RETENTION_NOTICE_DAYS", d.notice_days)?,
            notification_days: days("MDE_RETENTION_NOTIFICATION_DAYS", d.notification_days)?,
            link_days: days("MDE_RETENTION_LINK_DAYS", d.link_days)?,
            proposal_days: days("MDE_RETENTION_PROPOSAL_DAYS", d.proposal_days)?,
        })
    }
}

/// The operator of the portal, as the legal pages state it (`/mentions-legales`, `/donnees-personnelles`,
/// `/accessibilite`). Each is a setting; unset, the page says « à renseigner » with the setting's name,
/// never an invented value.
#[derive(Clone, Debug, Default)]
pub struct Operator {
    /// `MDE_OPERATOR_NAME`: the editor of the site (a legal person).
    pub name: Option<String>,
    /// `MDE_OPERATOR_ADDRESS`: its postal address.
    pub address: Option<String>,
    /// `MDE_OPERATOR_CONTACT`: an e-mail address or a telephone number to reach it (accessibility problems,
    /// questions).
    pub contact: Option<String>,
    /// `MDE_PUBLICATION_DIRECTOR`: the publication director (a natural person, LCEN art. 6).
    pub publication_director: Option<String>,
    /// `MDE_HOST`: the host's name, address and telephone number.
    pub host: Option<String>,
    /// `MDE_DPO_CONTACT`: how to reach the data protection officer (RGPD art. 37–39).
    pub dpo_contact: Option<String>,
}

impl Operator {
    /// (environment variable, value) for each setting, in the order `mde config` prints them.
    pub fn settings(&self) -> [(&'static str, &Option<String>); 6] {
        [
            ("MDE_OPERATOR_NAME", &self.name),
            ("MDE_OPERATOR_ADDRESS", &self.address),
            ("MDE_OPERATOR_CONTACT", &self.contact),
            ("MDE_PUBLICATION_DIRECTOR", &self.publication_director),
            ("MDE_HOST", &self.host),
            ("MDE_DPO_CONTACT", &self.dpo_contact),
        ]
    }

    pub fn from_env() -> Operator {
        Operator {
            name: env("MDE_OPERATOR_NAME"),
            address: env("MDE_OPERATOR_ADDRESS"),
            contact: env("MDE_OPERATOR_CONTACT"),
            publication_director: env("MDE_PUBLICATION_DIRECTOR"),
            host: env("MDE_HOST"),
            dpo_contact: env("MDE_DPO_CONTACT"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

/// The database when `DATABASE_URL` is not set. Its port is `PGPORT` when set (PostgreSQL's own convention),
/// 5432 otherwise; when nothing answers there, the commands use a private PostgreSQL (`crate::private_pg`).
pub const DEFAULT_DATABASE_URL: &str = "postgres://localhost/mde";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// What is printed in place of a secret.
pub const MASK: &str = "********";

pub(crate) fn env(name: &str) -> Option<String> {
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
            operator: Operator::from_env(),
            retention: Retention::from_env()?,
            secret_key: secret_key()?,
        })
    }

    /// The effective settings, one `NAME=value` line each, secrets masked (`mde config`). `database_url` is
    /// `None` when `DATABASE_URL` is not set (the default applies, or the private PostgreSQL).
    pub fn report(&self, database_url: Option<&str>) -> Vec<String> {
        let mut r = Report::default();
        match database_url {
            Some(url) => r.line("DATABASE_URL", mask_database_url(url), true),
            None => r.line(
                "DATABASE_URL",
                format!(
                    "{DEFAULT_DATABASE_URL} (port {}), sinon PostgreSQL privé dans {}",
                    std::env::var("PGPORT").unwrap_or_else(|_| "5432".into()),
                    PrivatePgSettings::from_env().data_dir.display()
                ),
                false,
            ),
        }
        self.report_server(&mut r);
        self.report_smtp(&mut r);
        for (name, value) in self.operator.settings() {
            r.line(
                name,
                value.clone().unwrap_or_else(|| "(à renseigner)".into()),
                value.is_some(),
            );
        }
        for (name, days) in self.retention.settings() {
            r.set_or_default(name, days.to_string());
        }
        report_private_pg_and_logs(&mut r);
        // PostgreSQL's own variables change what DATABASE_URL means (port, user, password).
        for name in [
            "PGHOST",
            "PGHOSTADDR",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGSSLMODE",
        ] {
            if let Some(v) = env(name) {
                r.line(name, v, true);
            }
        }
        if env("PGPASSWORD").is_some() {
            r.line("PGPASSWORD", MASK.into(), true);
        }
        r.lines
    }

    /// The server's own settings in the report.
    fn report_server(&self, r: &mut Report) {
        r.set_or_default("MDE_BIND", self.bind.to_string());
        r.set_or_default("MDE_BASE_URL", mask_database_url(&self.base_url));
        r.set_or_default("MDE_SECURE_COOKIES", self.secure_cookies.to_string());
        r.set_or_default(
            "MDE_SESSION_IDLE_MINUTES",
            (self.session_idle.as_secs() / 60).to_string(),
        );
        r.set_or_default("MDE_MAX_BODY_BYTES", self.max_body_bytes.to_string());
        r.line(
            "MDE_SECRET_KEY",
            if self.secret_key.is_some() {
                MASK.into()
            } else {
                "(non défini : clé gardée dans la base)".into()
            },
            self.secret_key.is_some(),
        );
        r.set_or_default(
            "MDE_DB_MAX_CONNECTIONS",
            self.db_max_connections.to_string(),
        );
    }

    /// The mail settings in the report, the password masked.
    fn report_smtp(&self, r: &mut Report) {
        match &self.smtp {
            None => r.line(
                "MDE_SMTP_HOST",
                "(non défini : liens affichés à l'écran)".into(),
                false,
            ),
            Some(smtp) => {
                r.line("MDE_SMTP_HOST", smtp.host.clone(), true);
                r.set_or_default("MDE_SMTP_PORT", smtp.port.to_string());
                r.line(
                    "MDE_SMTP_USERNAME",
                    smtp.username
                        .clone()
                        .unwrap_or_else(|| "(non défini)".into()),
                    smtp.username.is_some(),
                );
                r.line("MDE_SMTP_PASSWORD", secret(smtp.password.is_some()), true);
                r.set_or_default("MDE_SMTP_FROM", smtp.from.clone());
            }
        }
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
            operator: Operator::default(),
            retention: Retention::default(),
            secret_key: None,
        }
    }
}

/// `MDE_SECRET_KEY`, refused when too short to be a key.
fn secret_key() -> anyhow::Result<Option<String>> {
    match env("MDE_SECRET_KEY") {
        Some(k) if k.trim().chars().count() < 32 => anyhow::bail!(
            "MDE_SECRET_KEY doit compter au moins 32 caractères / MDE_SECRET_KEY must be at least 32 characters"
        ),
        k => Ok(k.map(|k| k.trim().to_owned())),
    }
}

fn secret(set: bool) -> String {
    if set {
        MASK.into()
    } else {
        "(non défini)".into()
    }
}

/// The lines of `mde config`: a value not set in the environment is marked as the default.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
}

impl Report {
    fn line(&mut self, name: &str, value: String, set: bool) {
        let origin = if set { "" } else { "   # défaut" };
        self.lines.push(format!("{name}={value}{origin}"));
    }

    /// A setting read from the variable `name`: set when the variable is.
    fn set_or_default(&mut self, name: &str, value: String) {
        self.line(name, value, env(name).is_some());
    }
}

/// The private PostgreSQL's and the log's settings in the report.
fn report_private_pg_and_logs(r: &mut Report) {
    let private = PrivatePgSettings::from_env();
    r.set_or_default("MDE_PRIVATE_PG_DIR", private.data_dir.display().to_string());
    r.line(
        "MDE_PRIVATE_PG_BIN",
        match &private.bin_dir {
            Some(dir) => dir.display().to_string(),
            None => "(PATH, puis /usr/lib/postgresql/*/bin)".into(),
        },
        private.bin_dir.is_some(),
    );
    r.set_or_default(
        "LOG_FORMAT",
        env("LOG_FORMAT").unwrap_or_else(|| "text".into()),
    );
    r.set_or_default(
        "RUST_LOG",
        env("RUST_LOG").unwrap_or_else(|| "info,sqlx=warn".into()),
    );
}

/// A database URL fit to print: the password (in the user part or as a `password` parameter) masked. What
/// cannot be read as a URL is masked whole, since it may be a secret in another form.
pub fn mask_database_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return format!("{MASK} (illisible : ce n'est pas une adresse postgres://…)");
    };
    // The user part ends at the last `@`: a password may hold (unencoded) `@`, `/`, `?` or `:`. An `@`
    // further on (in a parameter) only makes more of the line masked, never less.
    let (userinfo, rest) = match rest.rsplit_once('@') {
        Some((userinfo, rest)) => (Some(userinfo), rest),
        None => (None, rest),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(end);
    let authority = match userinfo {
        Some(userinfo) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:{MASK}@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => host.to_owned(),
    };
    let tail = match tail.split_once('?') {
        None => tail.to_owned(),
        Some((path, query)) => {
            let (query, fragment) = match query.split_once('#') {
                Some((q, f)) => (q, Some(f)),
                None => (query, None),
            };
            let masked: Vec<String> = query
                .split('&')
                .map(|pair| {
                    let key = pair.split('=').next().unwrap_or("");
                    let decoded = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
                    if decoded.eq_ignore_ascii_case("password") {
                        format!("{key}={MASK}")
                    } else {
                        pair.to_owned()
                    }
                })
                .collect();
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            format!("{path}?{}{fragment}", masked.join("&"))
        }
    };
    format!("{scheme}://{authority}{tail}")
}

/// Where the private PostgreSQL (`crate::private_pg`) lives and which programs run it.
#[derive(Clone, Debug)]
pub struct PrivatePgSettings {
    /// `MDE_PRIVATE_PG_DIR`; default `$XDG_DATA_HOME/mde/postgresql` (`~/.local/share/mde/postgresql`), or
    /// `/var/lib/mde/postgresql` for root.
    pub data_dir: PathBuf,
    /// `MDE_PRIVATE_PG_BIN`: the folder of `initdb` and `pg_ctl`; default: the `PATH`, then the newest
    /// `/usr/lib/postgresql/*/bin` (Debian, Ubuntu), `/usr/pgsql-*/bin` (Red Hat), `/usr/local/pgsql/bin`.
    pub bin_dir: Option<PathBuf>,
}

impl PrivatePgSettings {
    pub fn from_env() -> Self {
        let data_dir = env("MDE_PRIVATE_PG_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(default_data_dir);
        let bin_dir = env("MDE_PRIVATE_PG_BIN").map(PathBuf::from);
        PrivatePgSettings { data_dir, bin_dir }
    }
}

fn default_data_dir() -> PathBuf {
    if running_as_root() {
        return PathBuf::from("/var/lib/mde/postgresql");
    }
    let data_home = env("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    data_home.join("mde").join("postgresql")
}

/// `/proc/self` belongs to the process's effective user (Linux); elsewhere, assume an ordinary user.
pub(crate) fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_printed_without_their_passwords() {
        let cases = [
            (
                "postgres://mde:s3cret@db.local:5432/mde",
                "postgres://mde:********@db.local:5432/mde",
            ),
            ("postgres://:s3cret@db/mde", "postgres://:********@db/mde"),
            // An unencoded `:` or `@` inside the password.
            (
                "postgres://u:s3:cr@et@db/mde",
                "postgres://u:********@db/mde",
            ),
            ("postgres://u:s3/c?r@db/mde", "postgres://u:********@db/mde"),
            (
                "postgresql://db/mde?sslmode=require&password=s3cret",
                "postgresql://db/mde?sslmode=require&password=********",
            ),
            (
                "postgres://db/mde?PASSWORD=s3cret#x",
                "postgres://db/mde?PASSWORD=********#x",
            ),
            (
                "postgres://db/mde?pass%77ord=s3cret",
                "postgres://db/mde?pass%77ord=********",
            ),
            (
                "postgres://u@db?password=s3cret",
                "postgres://u@db?password=********",
            ),
            ("postgres://localhost/mde", "postgres://localhost/mde"),
        ];
        for (url, shown) in cases {
            assert_eq!(mask_database_url(url), shown, "{url}");
        }
        let dsn = mask_database_url("host=db user=mde password=s3cret");
        assert!(!dsn.contains("s3cret"), "{dsn}");
    }
}
