//! `/invitation/{token}` and `/reinitialisation/{token}`: the person who received a link chooses their
//! password, the link is used up, they are signed in (in a new session) and land on `/`. A password reset
//! ends every other session of the account. An unknown, expired, replaced or used link gets a plain French
//! page that says what to do, never an error code with details.
//!
//! These forms carry no CSRF token (the visitor usually has no session yet): the secret token in the address
//! and the Origin check of the session middleware are the defence, as for the sign-in form.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::tokens::{self, LinkAccount, Lookup, Purpose};
use crate::audit::{self, Event};
use crate::auth::password;
use crate::auth::session::{self, FlashKind};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms;
use crate::web::{Ctx, UncheckedForm};

#[derive(Template)]
#[template(path = "accounts/accept.html")]
struct AcceptPage {
    ctx: Ctx,
    invitation: bool,
    action: String,
    name: String,
    email: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/link_invalid.html")]
struct InvalidPage {
    ctx: Ctx,
    title: &'static str,
    message: &'static str,
    used: bool,
}

fn invalid(ctx: Ctx, purpose: Purpose, lookup: &Lookup) -> AppResult<Response> {
    let invitation = purpose == Purpose::Invitation;
    let (status, title, message, used) = match lookup {
        Lookup::Used => (
            StatusCode::GONE,
            "Lien déjà utilisé",
            if invitation {
                "Ce lien d'invitation a déjà servi : il ne fonctionne qu'une fois. Si vous avez choisi votre mot \
                 de passe, connectez-vous avec votre adresse e-mail. Sinon, demandez une nouvelle invitation à \
                 la personne qui vous a invité(e)."
            } else {
                "Ce lien de réinitialisation a déjà servi : il ne fonctionne qu'une fois. Connectez-vous avec \
                 votre nouveau mot de passe, ou demandez un nouveau lien à la personne qui gère les comptes de \
                 votre Maison."
            },
            true,
        ),
        Lookup::Expired => (
            StatusCode::GONE,
            "Lien expiré",
            if invitation {
                "Ce lien d'invitation n'est plus valable : il a expiré (il l'est 7 jours), ou un lien plus \
                 récent l'a remplacé. Demandez une nouvelle invitation à la personne qui vous a invité(e)."
            } else {
                "Ce lien de réinitialisation n'est plus valable : il a expiré (il l'est 24 heures), ou un lien \
                 plus récent l'a remplacé. Demandez un nouveau lien à la personne qui gère les comptes de votre \
                 Maison."
            },
            false,
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "Lien invalide",
            "Ce lien n'est pas reconnu. Vérifiez qu'il a été copié en entier depuis le message reçu, ou \
             demandez un nouveau lien à la personne qui vous l'a transmis.",
            false,
        ),
    };
    let page = InvalidPage {
        ctx,
        title,
        message,
        used,
    };
    forms::render(&page, status)
}

fn form_page(
    ctx: Ctx,
    purpose: Purpose,
    token: &str,
    account: &LinkAccount,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let page = AcceptPage {
        ctx,
        invitation: purpose == Purpose::Invitation,
        action: format!("{}/{}", purpose.path(), token),
        name: account.name.clone(),
        email: account.email.clone(),
        error,
    };
    forms::render(&page, status)
}

async fn show(state: AppState, ctx: Ctx, purpose: Purpose, token: String) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    match tokens::find(&mut conn, purpose, &token, false).await? {
        Lookup::Valid(account) => form_page(ctx, purpose, &token, &account, None, StatusCode::OK),
        other => invalid(ctx, purpose, &other),
    }
}

/// Which link a route serves: `/invitation/{token}` or `/reinitialisation/{token}` (the router names
/// it: `accept::page::<Invitation>`).
pub trait Link {
    const PURPOSE: Purpose;
}

pub struct Invitation;
impl Link for Invitation {
    const PURPOSE: Purpose = Purpose::Invitation;
}

pub struct Reset;
impl Link for Reset {
    const PURPOSE: Purpose = Purpose::Reset;
}

pub async fn page<L: Link>(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    show(state, ctx, L::PURPOSE, token).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirmation: String,
}

/// The journal's action and summary, and the welcome, of a password chosen with a link (`ended`: the
/// sessions it closed).
fn words(purpose: Purpose, name: &str, ended: u64) -> (&'static str, String, String) {
    match purpose {
        Purpose::Invitation => (
            "invitation_acceptee",
            "Invitation acceptée : mot de passe choisi, première connexion".to_owned(),
            format!(
                "Bienvenue, {} ! Votre mot de passe est enregistré et vous êtes connecté(e).",
                name
            ),
        ),
        Purpose::Reset => (
            "reinitialisation",
            format!("Mot de passe réinitialisé par lien ({ended} session(s) fermée(s))"),
            "Votre nouveau mot de passe est enregistré. Vos autres sessions ont été fermées."
                .to_owned(),
        ),
    }
}

async fn accept(
    state: AppState,
    ctx: Ctx,
    jar: CookieJar,
    agent: &str,
    purpose: Purpose,
    token: String,
    form: PasswordForm,
) -> AppResult<Response> {
    // Checked before the password is hashed, and again under lock below.
    let account = {
        let mut conn = state.db.acquire().await?;
        match tokens::find(&mut conn, purpose, &token, false).await? {
            Lookup::Valid(account) => account,
            other => return invalid(ctx, purpose, &other),
        }
    };
    if let Err(message) = password::check_new(&form.password, &form.confirmation) {
        return form_page(
            ctx,
            purpose,
            &token,
            &account,
            Some(message.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let hash = password::hash(&state, form.password).await?;
    let mut tx = state.db.begin().await?;
    // Two submissions of the same link: the second waits here, then finds the link used.
    let account = match tokens::find(&mut tx, purpose, &token, true).await? {
        Lookup::Valid(account) => account,
        other => {
            drop(tx);
            return invalid(ctx, purpose, &other);
        }
    };
    tokens::consume(&mut tx, account.token_id).await?;
    sqlx::query(
        "update account set password_hash = $2, last_login_at = now(), version = version + 1
         where id = $1",
    )
    .bind(account.account_id)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    // A new password ends every session of the account; the current session (maybe someone else's) too:
    // the person starts afresh in a new one, under a new id.
    let ended = session::destroy_all(&mut *tx, account.account_id).await?;
    if let Some(old) = ctx.session_hash.as_deref() {
        session::destroy(&mut *tx, old).await?;
    }
    let cookie_token = session::create(
        &mut *tx,
        account.account_id,
        state.config.session_idle,
        agent,
    )
    .await?;
    let (action, summary, welcome) = words(purpose, &account.name, ended);
    audit::record(
        &mut *tx,
        Event::of_own_account(account.account_id, account.maison_id, action, summary),
    )
    .await?;
    session::set_flash(
        &mut *tx,
        &session::hash_token(&cookie_token),
        FlashKind::Success,
        &welcome,
    )
    .await?;
    tx.commit().await?;
    let jar = jar.add(session::cookie(cookie_token, state.config.secure_cookies));
    Ok((jar, Redirect::to("/")).into_response())
}

pub async fn submit<L: Link>(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    headers: HeaderMap,
    Path(token): Path<String>,
    UncheckedForm(form): UncheckedForm<PasswordForm>,
) -> AppResult<Response> {
    let agent = session::user_agent(&headers);
    accept(state, ctx, jar, agent, L::PURPOSE, token, form).await
}
