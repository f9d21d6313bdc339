//! `/profil`: who I am, changing my own password (which ends my other sessions), and downloading my data
//! (`export.rs`), my open sessions and « Se déconnecter partout » (`sessions.rs`).

mod export;
mod sessions;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::audit::Event;
use crate::auth::session;
use crate::auth::{CurrentUser, password};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, format, outcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/profil", get(show))
        .route("/profil/mot-de-passe", post(change_password))
        .route("/profil/mes-donnees", post(export::download))
        .route("/profil/sessions/fermer", post(sessions::end))
}

#[derive(Template)]
#[template(path = "profile/profile.html")]
struct ProfilePage {
    ctx: Ctx,
    user: CurrentUser,
    last_login: String,
    sessions: Vec<sessions::SessionLine>,
    errors: FieldErrors,
}

async fn last_login(state: &AppState, user: &CurrentUser) -> sqlx::Result<String> {
    let at: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select last_login_at from account where id = $1")
            .bind(user.id)
            .fetch_one(&state.db)
            .await?;
    Ok(at.map(format::datetime).unwrap_or_else(|| "jamais".into()))
}

async fn show(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    let last_login = last_login(&state, &user).await?;
    let sessions = sessions::lines(&state, &user, &ctx).await?;
    Ok(Html(
        ProfilePage {
            ctx,
            user,
            last_login,
            sessions,
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirmation: String,
}

async fn change_password(
    Signed { state, user, ctx }: Signed,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let hash: Option<String> =
        sqlx::query_scalar("select password_hash from account where id = $1")
            .bind(user.id)
            .fetch_one(&state.db)
            .await?;
    let current = form
        .current
        .chars()
        .take(password::MAX_LENGTH)
        .collect::<String>();
    if !password::verify(&state, current, hash).await? {
        errors.add("current", "Le mot de passe actuel est incorrect.");
    }
    if let Err(msg) = password::check_new(&form.new, &form.confirmation) {
        errors.add("new", msg);
    }
    if !errors.is_empty() {
        let last_login = last_login(&state, &user).await?;
        let sessions = sessions::lines(&state, &user, &ctx).await?;
        let page = ProfilePage {
            ctx,
            user,
            last_login,
            sessions,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let new_hash = password::hash(&state, form.new).await?;
    let keep = ctx.session_hash.clone().unwrap_or_default();
    let mut tx = state.db.begin().await?;
    sqlx::query("update account set password_hash = $2, version = version + 1 where id = $1")
        .bind(user.id)
        .bind(&new_hash)
        .execute(&mut *tx)
        .await?;
    let ended = session::destroy_others(&mut *tx, user.id, &keep).await?;
    outcome::done(
        tx,
        &ctx,
        Event::of_own_account(
            user.id,
            user.maison_id,
            "mot_de_passe",
            format!("Mot de passe modifié ({ended} autre(s) session(s) fermée(s))"),
        ),
        "Votre mot de passe a été modifié. Vos autres sessions ont été fermées.",
        "/profil",
    )
    .await
}
