//! « Mot de passe oublié ? » (`/connexion/mot-de-passe-oublie`): a person types their address and, if it is
//! an active account's that has a password, a reset link (the accounts' single-use link, 24 hours) goes to
//! it by e-mail. The answer is the same whether or not the address exists, and the mail leaves after the
//! answer, so that neither the page nor its time tells. Throttled in the database (`password_reset_request`):
//! 3 requests an hour per address, 20 an hour per client address. Without SMTP configured no link can
//! reach the person: the page says to ask the network's admins (as the accounts' pages do for invitations).

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::{LinkPurpose, issue_link};
use crate::audit::{self, Event};
use crate::error::AppResult;
use crate::mail::{self, Mail};
use crate::state::AppState;
use crate::web::{Ctx, UncheckedForm, format};

/// Requests of a link per address, and per client address, within an hour.
pub const PER_ADDRESS: i64 = 3;
pub const PER_CLIENT: i64 = 20;

#[derive(Template)]
#[template(path = "signin/forgot.html")]
struct ForgotPage {
    ctx: Ctx,
    email: String,
    error: Option<&'static str>,
    /// The request was taken: the same words for every address.
    sent: bool,
    /// Whether e-mails can be sent at all.
    smtp: bool,
}

fn page(
    state: &AppState,
    ctx: Ctx,
    status: StatusCode,
    email: String,
    error: Option<&'static str>,
    sent: bool,
) -> AppResult<Response> {
    let page = ForgotPage {
        ctx,
        email,
        error,
        sent,
        smtp: state.config.smtp.is_some(),
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    page(&state, ctx, StatusCode::OK, String::new(), None, false)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

/// The client's address: the peer's, or — when the peer is a proxy on this machine or the private network —
/// the last address it appended to `X-Forwarded-For` (the one it saw).
fn client_address(ext: &Extensions, headers: &HeaderMap) -> String {
    let peer = ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    let behind_proxy = |ip: IpAddr| match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => v6.is_loopback(),
    };
    match (peer, forwarded) {
        (Some(p), Some(f)) if behind_proxy(p) => f.to_string(),
        (Some(p), _) => p.to_string(),
        (None, _) => "inconnue".to_owned(),
    }
}

#[derive(sqlx::FromRow)]
struct Found {
    id: i64,
    name: String,
    email: String,
    maison_id: Option<i64>,
}

/// Counts a request for `email` from `client`; `false`, counting nothing, when either has asked too often
/// within the hour.
async fn counted(tx: &mut sqlx::PgConnection, email: &str, client: &str) -> sqlx::Result<bool> {
    // One request at a time per address, so that the count below cannot be raced past.
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('mot-de-passe-oublie:' || $1, 0))")
        .bind(email)
        .execute(&mut *tx)
        .await?;
    let (by_address, by_client): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where email = $1), count(*) filter (where ip = $2)
         from password_reset_request
         where at > now() - interval '1 hour' and (email = $1 or ip = $2)",
    )
    .bind(email)
    .bind(client)
    .fetch_one(&mut *tx)
    .await?;
    if by_address >= PER_ADDRESS || by_client >= PER_CLIENT {
        return Ok(false);
    }
    sqlx::query("insert into password_reset_request (email, ip) values ($1, $2)")
        .bind(email)
        .bind(client)
        .execute(&mut *tx)
        .await?;
    Ok(true)
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ext: Extensions,
    headers: HeaderMap,
    UncheckedForm(form): UncheckedForm<ForgotForm>,
) -> AppResult<Response> {
    let typed = super::typed_address(&form.email);
    let email = typed.to_lowercase();
    if !email.contains('@') {
        let e = Some("Saisissez l'adresse e-mail de votre compte.");
        return page(
            &state,
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            e,
            false,
        );
    }
    if state.config.smtp.is_none() {
        // No e-mail can leave: the page says to ask the admins; nothing is recorded.
        return page(&state, ctx, StatusCode::OK, typed, None, true);
    }
    let client = client_address(&ext, &headers);
    let mut tx = state.db.begin().await?;
    if !counted(&mut tx, &email, &client).await? {
        drop(tx);
        let e = Some(
            "Trop de demandes de lien en peu de temps. Par sécurité, réessayez dans une heure, ou demandez \
             un lien à la personne qui gère les comptes de votre Maison ou de votre organisation.",
        );
        return page(&state, ctx, StatusCode::TOO_MANY_REQUESTS, typed, e, false);
    }
    let found: Option<Found> = sqlx::query_as(
        "select id, name, email, maison_id from account
         where lower(email) = $1 and active and password_hash is not null",
    )
    .bind(&email)
    .fetch_optional(&mut *tx)
    .await?;
    let mut mail_to_send = None;
    if let Some(account) = found {
        let issued = issue_link(&mut tx, account.id, LinkPurpose::Reset, None).await?;
        audit::record(
            &mut *tx,
            Event::of_account_by_system(
                account.id,
                account.maison_id,
                "lien_reinitialisation_demande",
                "Lien de réinitialisation demandé depuis « Mot de passe oublié ? »".to_owned(),
            ),
        )
        .await?;
        let link = issued.url(&state.config.base_url, LinkPurpose::Reset);
        mail_to_send = Some(message(
            &account,
            &link,
            &format::datetime(issued.expires_at),
        ));
    }
    tx.commit().await?;
    if let Some(m) = mail_to_send {
        // After the answer: the time it takes tells nothing about the address.
        let smtp = state.config.smtp.clone();
        tokio::spawn(async move {
            mail::send(smtp.as_ref(), m).await;
        });
    }
    page(&state, ctx, StatusCode::OK, typed, None, true)
}

fn message(account: &Found, link: &str, expires: &str) -> Mail {
    Mail {
        to: account.email.clone(),
        to_name: account.name.clone(),
        subject: "Réinitialisation de votre mot de passe".to_owned(),
        body: format!(
            "Bonjour {name},\n\nUne demande de nouveau mot de passe a été faite pour votre compte sur le Portail \
             des Maisons de l'Emploi (« Mot de passe oublié ? »).\n\nOuvrez ce lien, utilisable une seule fois, \
             jusqu'au {expires}, pour choisir un nouveau mot de passe :\n\n{link}\n\nVos sessions ouvertes \
             seront alors fermées. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste \
             le même.\n\n-- \nPortail des Maisons de l'Emploi — Alliance Villes Emploi\n",
            name = account.name,
        ),
        unsubscribe: None,
    }
}
