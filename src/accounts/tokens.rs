//! Single-use links (invitation, password reset). The link carries a random token; the table keeps only its
//! SHA-256, so reading the database gives no usable link. Issuing a new link of a purpose ends the earlier
//! unused ones of that purpose for the account.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::auth::session::{hash_token, random_token};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Invitation,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::Reset => "reset",
        }
    }

    /// How long a link stays usable.
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Purpose::Invitation => chrono::Duration::days(7),
            Purpose::Reset => chrono::Duration::hours(24),
        }
    }

    /// Where the link leads (the token follows).
    pub fn path(self) -> &'static str {
        match self {
            Purpose::Invitation => "/invitation",
            Purpose::Reset => "/reinitialisation",
        }
    }
}

/// A link just issued: the token in clear (shown once, never stored) and its expiry.
pub struct Issued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl Issued {
    pub fn url(&self, base_url: &str, purpose: Purpose) -> String {
        format!(
            "{}{}/{}",
            base_url.trim_end_matches('/'),
            purpose.path(),
            self.token
        )
    }
}

/// Ends the account's unused links of this purpose (or of every purpose when `None`).
pub async fn revoke(
    conn: &mut PgConnection,
    account_id: i64,
    purpose: Option<Purpose>,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "update account_token set expires_at = now()
         where account_id = $1 and ($2::text is null or purpose = $2)
           and used_at is null and expires_at > now()",
    )
    .bind(account_id)
    .bind(purpose.map(Purpose::as_str))
    .execute(conn)
    .await?;
    Ok(r.rows_affected())
}

/// Issues a new link, ending the earlier unused ones of the same purpose.
pub async fn issue(
    conn: &mut PgConnection,
    account_id: i64,
    purpose: Purpose,
    created_by: Option<i64>,
) -> sqlx::Result<Issued> {
    revoke(&mut *conn, account_id, Some(purpose)).await?;
    let token = random_token();
    let expires_at = Utc::now() + purpose.lifetime();
    sqlx::query(
        "insert into account_token (account_id, purpose, token_hash, created_by, expires_at)
         values ($1, $2, $3, $4, $5)",
    )
    .bind(account_id)
    .bind(purpose.as_str())
    .bind(hash_token(&token))
    .bind(created_by)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(Issued { token, expires_at })
}

/// The account a valid link opens.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkAccount {
    pub token_id: i64,
    pub account_id: i64,
    pub email: String,
    pub name: String,
    pub maison_id: Option<i64>,
}

/// What a link is worth now.
pub enum Lookup {
    Valid(LinkAccount),
    /// Past its expiry, or replaced by a newer link, or its account was deactivated.
    Expired,
    Used,
    Unknown,
}

#[derive(sqlx::FromRow)]
struct Row {
    token_id: i64,
    account_id: i64,
    email: String,
    name: String,
    maison_id: Option<i64>,
    active: bool,
    expired: bool,
    used: bool,
}

/// Looks a token up; `lock` takes the row for update (when it is about to be used).
pub async fn find(
    conn: &mut PgConnection,
    purpose: Purpose,
    token: &str,
    lock: bool,
) -> sqlx::Result<Lookup> {
    // Our tokens are 64 hexadecimal digits; anything else cannot be one, and need not reach the database.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Lookup::Unknown);
    }
    let sql = format!(
        "select t.id as token_id, a.id as account_id, a.email, a.name, a.maison_id, a.active,
                t.expires_at <= now() as expired, t.used_at is not null as used
         from account_token t join account a on a.id = t.account_id
         where t.token_hash = $1 and t.purpose = $2{}",
        if lock { " for update of t" } else { "" }
    );
    let row: Option<Row> = sqlx::query_as(&sql)
        .bind(hash_token(&token.to_ascii_lowercase()))
        .bind(purpose.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        None => Lookup::Unknown,
        Some(r) if r.used => Lookup::Used,
        Some(r) if r.expired || !r.active => Lookup::Expired,
        Some(r) => Lookup::Valid(LinkAccount {
            token_id: r.token_id,
            account_id: r.account_id,
            email: r.email,
            name: r.name,
            maison_id: r.maison_id,
        }),
    })
}

/// Marks a link used.
pub async fn consume(conn: &mut PgConnection, token_id: i64) -> sqlx::Result<()> {
    sqlx::query("update account_token set used_at = now() where id = $1")
        .bind(token_id)
        .execute(conn)
        .await?;
    Ok(())
}
