//! Sessions live in PostgreSQL so that several `mde serve` processes share them. The cookie carries a random
//! token; the table keys on its SHA-256. Sessions expire after `MDE_SESSION_IDLE_MINUTES` without use.

use std::time::Duration;

use axum_extra::extract::cookie::{Cookie, SameSite};
use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, PgPool};

use super::policy::{CurrentUser, Role};

pub const COOKIE: &str = "mde_session";

/// Refused sign-ins (`login_failure`) and requests of a reset link (`password_reset_request`), which hold
/// the address typed and the client's IP address for throttling, are deleted this many days after (the
/// hourly purge below; `/donnees-personnelles` states it).
pub const THROTTLE_KEPT_DAYS: i32 = 1;

/// Only refresh `last_seen_at` this often, so that reading pages does not write on every request.
const TOUCH_EVERY_SECS: i64 = 60;

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Error,
    Info,
}

impl FlashKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Error => "error",
            FlashKind::Info => "info",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "success" => FlashKind::Success,
            "error" => FlashKind::Error,
            _ => FlashKind::Info,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

/// The session of the current request, as loaded by the session middleware.
#[derive(Clone, Debug)]
pub struct SessionData {
    pub id_hash: String,
    pub csrf_token: String,
    pub user: Option<CurrentUser>,
    pub flash: Option<Flash>,
    pub unread_notifications: i64,
}

pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut c = cookie(String::new(), secure);
    c.make_removal();
    c
}

/// Creates a session and returns the token for the cookie.
/// The browser's `User-Agent` header ('' when missing or not text).
pub fn user_agent(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// `user_agent`: the browser's `User-Agent` (kept, bounded, so that the person's list of sessions on
/// `/profil` says which device each one is).
pub async fn create(
    db: impl PgExecutor<'_>,
    account_id: i64,
    idle: Duration,
    user_agent: &str,
) -> sqlx::Result<String> {
    let token = random_token();
    let user_agent: String = user_agent
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    sqlx::query(
        "insert into session (id_hash, account_id, csrf_token, expires_at, user_agent)
         values ($1, $2, $3, now() + make_interval(secs => $4), $5)",
    )
    .bind(hash_token(&token))
    .bind(account_id)
    .bind(random_token())
    .bind(idle.as_secs_f64())
    .bind(user_agent)
    .execute(db)
    .await?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct Row {
    csrf_token: String,
    flash: Option<String>,
    flash_kind: Option<String>,
    stale: bool,
    account_id: Option<i64>,
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    maison_id: Option<i64>,
    organisation_id: Option<i64>,
    responsable: Option<bool>,
    referent: Option<bool>,
    maison_name: Option<String>,
    organisation_name: Option<String>,
    unread: i64,
}

/// One query: the session, its account, and what the header needs (names, unread notifications).
pub async fn load(db: &PgPool, token: &str, idle: Duration) -> sqlx::Result<Option<SessionData>> {
    let id_hash = hash_token(token);
    let row: Option<Row> = sqlx::query_as(
        "select s.csrf_token, s.flash, s.flash_kind,
                s.last_seen_at < now() - make_interval(secs => $2) as stale,
                a.id as account_id, a.email, a.name, a.role, a.maison_id, a.organisation_id, a.responsable,
                a.referent, m.name as maison_name, o.name as organisation_name,
                (select count(*) from notification n where n.account_id = a.id and n.read_at is null) as unread
         from session s
         left join account a on a.id = s.account_id and a.active
         left join maison m on m.id = a.maison_id
         left join organisation o on o.id = a.organisation_id
         where s.id_hash = $1 and s.expires_at > now()",
    )
    .bind(&id_hash)
    .bind(TOUCH_EVERY_SECS as f64)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let flash = row.flash.map(|message| Flash {
        kind: FlashKind::parse(row.flash_kind.as_deref().unwrap_or("info")),
        message,
    });
    if row.stale || flash.is_some() {
        // Slide the idle expiry, and consume the flash message that this request will show.
        sqlx::query(
            "update session set last_seen_at = now(), expires_at = now() + make_interval(secs => $2),
                    flash = null, flash_kind = null
             where id_hash = $1",
        )
        .bind(&id_hash)
        .bind(idle.as_secs_f64())
        .execute(db)
        .await?;
    }
    let user = match (row.account_id, row.role.as_deref().and_then(Role::parse)) {
        (Some(id), Some(role)) => Some(CurrentUser {
            id,
            email: row.email.unwrap_or_default(),
            name: row.name.unwrap_or_default(),
            role,
            maison_id: row.maison_id,
            organisation_id: row.organisation_id,
            responsable: row.responsable.unwrap_or(false),
            referent: row.referent.unwrap_or(false),
            maison_name: row.maison_name,
            organisation_name: row.organisation_name,
        }),
        _ => None,
    };
    Ok(Some(SessionData {
        id_hash,
        csrf_token: row.csrf_token,
        user,
        flash,
        unread_notifications: row.unread,
    }))
}

/// The message shown on the next page this session opens (after a POST → 303).
pub async fn set_flash(
    db: impl PgExecutor<'_>,
    id_hash: &str,
    kind: FlashKind,
    message: &str,
) -> sqlx::Result<()> {
    sqlx::query("update session set flash = $2, flash_kind = $3 where id_hash = $1")
        .bind(id_hash)
        .bind(message)
        .bind(kind.as_str())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn destroy(db: impl PgExecutor<'_>, id_hash: &str) -> sqlx::Result<()> {
    sqlx::query("delete from session where id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of the account but the one given (after a password change).
pub async fn destroy_others(
    db: impl PgExecutor<'_>,
    account_id: i64,
    keep_hash: &str,
) -> sqlx::Result<u64> {
    let r = sqlx::query("delete from session where account_id = $1 and id_hash <> $2")
        .bind(account_id)
        .bind(keep_hash)
        .execute(db)
        .await?;
    Ok(r.rows_affected())
}

/// Ends every session of the account (deactivation).
pub async fn destroy_all(db: impl PgExecutor<'_>, account_id: i64) -> sqlx::Result<u64> {
    let r = sqlx::query("delete from session where account_id = $1")
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected())
}

/// Ends every session (`mde sessions flush`); returns, per account (`None`: not signed in), how many ended.
pub async fn destroy_every(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(Option<i64>, i64)>> {
    sqlx::query_as(
        "with ended as (delete from session returning account_id)
         select account_id, count(*) from ended group by account_id order by account_id nulls first",
    )
    .fetch_all(db)
    .await
}

/// One open session of an account, for its owner's list on `/profil`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenSession {
    pub id_hash: String,
    pub user_agent: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
}

/// The account's sessions that have not expired, the most recently used first.
pub async fn open_sessions(
    db: impl PgExecutor<'_>,
    account_id: i64,
) -> sqlx::Result<Vec<OpenSession>> {
    sqlx::query_as(
        "select id_hash, user_agent, created_at, last_seen_at from session
         where account_id = $1 and expires_at > now()
         order by last_seen_at desc, created_at desc limit 50",
    )
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// Removes expired sessions, old sign-in failures and old requests of reset links, and the one-time keys
/// of forms (`form_submission`) that can no longer be replayed: a key older than every live session of
/// its account came with a page whose CSRF token died with its session. Run every hour by `serve`.
pub async fn purge_expired(db: &PgPool) -> sqlx::Result<()> {
    sqlx::query("delete from session where expires_at < now()")
        .execute(db)
        .await?;
    sqlx::query("delete from password_reset_request where at < now() - make_interval(days => $1)")
        .bind(THROTTLE_KEPT_DAYS)
        .execute(db)
        .await?;
    sqlx::query("delete from login_failure where at < now() - make_interval(days => $1)")
        .bind(THROTTLE_KEPT_DAYS)
        .execute(db)
        .await?;
    sqlx::query(
        "delete from form_submission f
         where f.created_at < coalesce((select min(s.created_at) from session s
                                        where s.account_id = f.account_id), now())",
    )
    .execute(db)
    .await?;
    Ok(())
}
