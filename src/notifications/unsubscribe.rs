//! `/desabonnement/{token}`: the link at the foot of every notification e-mail and digest, which turns that
//! e-mail off without signing in. The token is the proof: the account, what it turns off (one topic's
//! e-mails, or one digest) and an expiry, signed with HMAC-SHA256 under the server's key (`MDE_SECRET_KEY`,
//! else the one kept in `server_secret`). It does one thing only: the GET shows a page with a button and
//! changes nothing; the POST (the button, or a mail program's one-click `List-Unsubscribe-Post`) moves
//! that topic, or every topic of that digest, to « Dans le portail seulement » for that person, and is
//! journaled on their account. A forged or altered token is a 404; an expired one says so and points to
//! `/profil/notifications`. No CSRF token (the visitor has no session): the signed address is the defence,
//! with the Origin check of the session middleware.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::PgConnection;

use super::preferences::{self, Choices};
use crate::audit::{self, Event};
use crate::config::Config;
use crate::domain::notification::{Channel, Topic};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Ctx;

/// How long a link in an e-mail stays good.
pub const VALID_DAYS: i64 = 90;

/// What a link turns off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The e-mails (immediate or in a digest) of one topic.
    Topic(Topic),
    /// One digest (`Quotidien` or `Hebdomadaire`): every topic that goes in it.
    Digest(Channel),
}

impl Target {
    fn code(self) -> String {
        match self {
            Target::Topic(t) => t.as_str().to_owned(),
            Target::Digest(c) => format!("recapitulatif-{}", c.as_str()),
        }
    }

    fn parse(code: &str) -> Option<Target> {
        if let Some(c) = code.strip_prefix("recapitulatif-") {
            return c
                .parse()
                .ok()
                .filter(|c: &Channel| c.digest_name().is_some())
                .map(Target::Digest);
        }
        code.parse()
            .ok()
            .filter(|t: &Topic| t.is_chosen())
            .map(Target::Topic)
    }

    /// What the page names: « les courriels « Actions en retard » », « le récapitulatif quotidien ».
    fn description(self) -> String {
        match self {
            Target::Topic(t) => format!("les courriels « {} »", t.label()),
            Target::Digest(c) => format!("le {}", c.digest_name().unwrap_or_default()),
        }
    }

    /// The topics whose e-mails it turns off, for this person now.
    fn topics(self, choices: &Choices) -> Vec<Topic> {
        match self {
            Target::Topic(t) => vec![t]
                .into_iter()
                .filter(|t| choices.channel(*t).mails())
                .collect(),
            Target::Digest(c) => Topic::ALL
                .iter()
                .copied()
                .filter(|t| t.is_chosen() && choices.channel(*t) == c)
                .collect(),
        }
    }
}

/// The key that signs the links.
pub async fn key(conn: &mut PgConnection, config: &Config) -> sqlx::Result<Vec<u8>> {
    if let Some(k) = &config.secret_key {
        return Ok(k.as_bytes().to_vec());
    }
    sqlx::query_scalar("select value from server_secret where name = 'unsubscribe'")
        .fetch_one(conn)
        .await
}

fn signature(key: &[u8], payload: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(b"mde-desabonnement\n");
    mac.update(payload.as_bytes());
    Some(mac)
}

/// `account.target.expiry.signature`; `expires` in seconds since 1970.
pub fn token(key: &[u8], account_id: i64, target: Target, expires: i64) -> String {
    let payload = format!("{account_id}.{}.{expires}", target.code());
    let sig = signature(key, &payload)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{payload}.{sig}")
}

/// The whole address to put in an e-mail sent at `now`.
pub async fn link(
    conn: &mut PgConnection,
    config: &Config,
    account_id: i64,
    target: Target,
    now: DateTime<Utc>,
) -> sqlx::Result<String> {
    let key = key(conn, config).await?;
    let expires = (now + Duration::days(VALID_DAYS)).timestamp();
    Ok(format!(
        "{}/desabonnement/{}",
        config.base_url.trim_end_matches('/'),
        token(&key, account_id, target, expires)
    ))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Not signed by this server, or altered: a 404.
    Forged,
    /// Signed, but past its date.
    Expired,
}

/// The account and target of a good token.
pub fn verify(key: &[u8], token: &str, now: DateTime<Utc>) -> Result<(i64, Target), Invalid> {
    let (payload, sig) = token.rsplit_once('.').ok_or(Invalid::Forged)?;
    let sig = hex::decode(sig).map_err(|_| Invalid::Forged)?;
    signature(key, payload)
        .ok_or(Invalid::Forged)?
        .verify_slice(&sig)
        .map_err(|_| Invalid::Forged)?;
    let mut parts = payload.split('.');
    let (Some(account), Some(target), Some(expires), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Invalid::Forged);
    };
    let account: i64 = account.parse().map_err(|_| Invalid::Forged)?;
    let target = Target::parse(target).ok_or(Invalid::Forged)?;
    let expires: i64 = expires.parse().map_err(|_| Invalid::Forged)?;
    if now.timestamp() > expires {
        return Err(Invalid::Expired);
    }
    Ok((account, target))
}

#[derive(Template)]
#[template(path = "notifications/unsubscribe.html")]
struct UnsubscribePage {
    ctx: Ctx,
    /// The form's address (the token's page).
    action: String,
    what: String,
    /// Nothing of it is mailed any more (after the POST, or before).
    done: bool,
    expired: bool,
}

/// The good token's account (active) and target, with the account's current choices.
async fn checked(
    conn: &mut PgConnection,
    config: &Config,
    token: &str,
) -> AppResult<Result<(i64, Target, Choices), Invalid>> {
    let key = key(conn, config).await?;
    let (account, target) = match verify(&key, token, Utc::now()) {
        Ok(ok) => ok,
        Err(Invalid::Forged) => return Err(AppError::NotFound),
        Err(Invalid::Expired) => return Ok(Err(Invalid::Expired)),
    };
    let active: Option<bool> = sqlx::query_scalar("select active from account where id = $1")
        .bind(account)
        .fetch_optional(&mut *conn)
        .await?;
    if active != Some(true) {
        return Err(AppError::NotFound);
    }
    let choices = Choices::of(conn, account)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok((account, target, choices)))
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let action = format!("/desabonnement/{token}");
    let page = match checked(&mut conn, &state.config, &token).await? {
        Err(_) => {
            let page = UnsubscribePage {
                ctx,
                action,
                what: String::new(),
                done: false,
                expired: true,
            };
            return Ok((StatusCode::GONE, Html(page.render()?)).into_response());
        }
        Ok((_, target, choices)) => UnsubscribePage {
            ctx,
            action,
            what: target.description(),
            done: target.topics(&choices).is_empty(),
            expired: false,
        },
    };
    Ok(Html(page.render()?).into_response())
}

/// The button (or the mail program's one click): whatever the body says, the token decides.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (account, target, choices) = match checked(&mut tx, &state.config, &token).await? {
        Ok(ok) => ok,
        Err(_) => {
            drop(tx);
            return show(State(state), ctx, Path(token)).await;
        }
    };
    let changes: Vec<(Topic, Channel)> = target
        .topics(&choices)
        .into_iter()
        .map(|t| (t, Channel::Portail))
        .collect();
    let diff = preferences::set(&mut tx, account, &choices, &changes).await?;
    if !diff.is_empty() {
        let maison_id: Option<i64> =
            sqlx::query_scalar("select maison_id from account where id = $1")
                .bind(account)
                .fetch_one(&mut *tx)
                .await?;
        let mut event = Event::of_account_by_system(
            account,
            maison_id,
            "desabonnement",
            format!(
                "Courriels de notification désactivés par le lien de désabonnement ({})",
                target.description()
            ),
        );
        event.changes = diff.0;
        audit::record(&mut *tx, event).await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/desabonnement/{token}")).into_response())
}
