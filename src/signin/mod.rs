//! `/connexion` and `/deconnexion`. One generic message for a bad e-mail or password; unknown e-mails cost
//! the same argon2 time as known ones; five failures in 15 minutes suspend sign-in for that address.
//! « Mot de passe oublié ? »: `forgot.rs`.

mod forgot;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::audit::{self, Event};
use crate::auth::{password, session};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Ctx, UncheckedForm, safe_next};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MINUTES: i64 = 15;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/connexion", get(show).post(submit))
        .route(
            "/connexion/mot-de-passe-oublie",
            get(forgot::show).post(forgot::submit),
        )
        .route("/deconnexion", post(logout))
}

#[derive(Template)]
#[template(path = "signin/login.html")]
struct LoginPage {
    ctx: Ctx,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct ShowQuery {
    next: Option<String>,
    deconnexion: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    let next = safe_next(&state.config.base_url, q.next.as_deref());
    if ctx.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let notice = q
        .deconnexion
        .map(|_| "Vous êtes déconnecté(e). À bientôt !");
    Ok(Html(
        LoginPage {
            ctx,
            email: String::new(),
            next,
            error: None,
            notice,
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

fn refuse(
    ctx: Ctx,
    status: StatusCode,
    email: String,
    next: String,
    error: String,
) -> AppResult<Response> {
    Ok((
        status,
        Html(
            LoginPage {
                ctx,
                email,
                next,
                error: Some(error),
                notice: None,
            }
            .render()?,
        ),
    )
        .into_response())
}

/// When the address is suspended, the moment it is free again.
async fn locked_until(state: &AppState, email: &str) -> sqlx::Result<Option<DateTime<Utc>>> {
    let recent: Vec<DateTime<Utc>> = sqlx::query_scalar(
        "select at from login_failure
         where email = $1 and at > now() - make_interval(mins => $2)
         order by at desc limit $3",
    )
    .bind(email)
    .bind(WINDOW_MINUTES as i32)
    .bind(MAX_FAILURES)
    .fetch_all(&state.db)
    .await?;
    Ok(if recent.len() as i64 >= MAX_FAILURES {
        recent
            .last()
            .map(|oldest| *oldest + chrono::Duration::minutes(WINDOW_MINUTES))
    } else {
        None
    })
}

/// An address as typed, trimmed, without control characters (a NUL above all, which PostgreSQL refuses in
/// text: they are in no address), at most 254 characters.
fn typed_address(typed: &str) -> String {
    typed
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(254)
        .collect()
}

/// A form refused: 422, the message above it.
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// The new session of account `account_id`, signed in with `email`: the former session ends, the failures
/// of this address are forgotten, the sign-in is in the journal. Returns the session's token.
async fn open_session(
    tx: &mut sqlx::PgConnection,
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    email: &str,
    account_id: i64,
    maison_id: Option<i64>,
) -> AppResult<String> {
    // A new id at every sign-in: a session id planted before sign-in is worth nothing after it.
    if let Some(old) = ctx.session_hash.as_deref() {
        session::destroy(&mut *tx, old).await?;
    }
    let token = session::create(
        &mut *tx,
        account_id,
        state.config.session_idle,
        session::user_agent(headers),
    )
    .await?;
    sqlx::query("delete from login_failure where email = $1")
        .bind(email)
        .execute(&mut *tx)
        .await?;
    sqlx::query("update account set last_login_at = now() where id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        Event::of_own_account(
            account_id,
            maison_id,
            "connexion",
            "Connexion au portail".into(),
        ),
    )
    .await?;
    Ok(token)
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    headers: HeaderMap,
    UncheckedForm(form): UncheckedForm<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(&state.config.base_url, form.next.as_deref());
    let typed_email = typed_address(&form.email);
    let email = typed_email.to_lowercase();
    if email.is_empty() || form.password.is_empty() {
        let msg = "Saisissez votre adresse e-mail et votre mot de passe.".to_owned();
        return refuse(ctx, UNPROCESSABLE, typed_email, next, msg);
    }
    if let Some(until) = locked_until(&state, &email).await? {
        let minutes = ((until - Utc::now()).num_seconds() + 59).max(60) / 60;
        let msg = format!(
            "Trop de tentatives de connexion infructueuses pour cette adresse. Par sécurité, la connexion est \
             suspendue pendant encore {minutes} minute{}. Réessayez plus tard, ou demandez un nouveau lien de \
             mot de passe à la personne qui gère les comptes de votre Maison.",
            if minutes > 1 { "s" } else { "" }
        );
        return refuse(ctx, StatusCode::TOO_MANY_REQUESTS, typed_email, next, msg);
    }
    let account: Option<(i64, Option<String>, Option<i64>)> = sqlx::query_as(
        "select id, password_hash, maison_id from account where lower(email) = $1 and active",
    )
    .bind(&email)
    .fetch_optional(&state.db)
    .await?;
    let hash = account.as_ref().and_then(|a| a.1.clone());
    let password = form
        .password
        .chars()
        .take(password::MAX_LENGTH)
        .collect::<String>();
    let ok = password::verify(&state, password, hash).await?;
    let Some((account_id, _, maison_id)) = account.filter(|_| ok) else {
        sqlx::query("insert into login_failure (email) values ($1)")
            .bind(&email)
            .execute(&state.db)
            .await?;
        let msg = "Adresse e-mail ou mot de passe incorrect.".to_owned();
        return refuse(ctx, UNPROCESSABLE, typed_email, next, msg);
    };

    // The answer is built before the session is committed: nothing after the commit can fail and leave a
    // session whose cookie was never sent.
    let redirect = Redirect::to(&next);
    let mut tx = state.db.begin().await?;
    let token = open_session(
        &mut tx, &state, &ctx, &headers, &email, account_id, maison_id,
    )
    .await?;
    tx.commit().await?;
    let jar = jar.add(session::cookie(token, state.config.secure_cookies));
    Ok((jar, redirect).into_response())
}

async fn logout(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> AppResult<Response> {
    if let Some(hash) = ctx.session_hash.as_deref() {
        let mut tx = state.db.begin().await?;
        session::destroy(&mut *tx, hash).await?;
        if let Some(user) = &ctx.user {
            audit::record(
                &mut *tx,
                Event::of_own_account(user.id, user.maison_id, "deconnexion", "Déconnexion".into()),
            )
            .await?;
        }
        tx.commit().await?;
    }
    let jar = jar.add(session::removal_cookie(state.config.secure_cookies));
    Ok((jar, Redirect::to("/connexion?deconnexion=1")).into_response())
}
