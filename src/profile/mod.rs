//! `/profil`: who I am, and changing my own password (which ends my other sessions).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::audit::{self, Event};
use crate::auth::session::{self, FlashKind};
use crate::auth::{CurrentUser, password};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{Ctx, Form, format};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/profil", get(show))
        .route("/profil/mot-de-passe", post(change_password))
}

#[derive(Default)]
struct PasswordErrors {
    current: Option<String>,
    new: Option<String>,
}

#[derive(Template)]
#[template(path = "profile/profile.html")]
struct ProfilePage {
    ctx: Ctx,
    user: CurrentUser,
    last_login: String,
    errors: PasswordErrors,
}

async fn last_login(state: &AppState, user: &CurrentUser) -> sqlx::Result<String> {
    let at: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select last_login_at from account where id = $1")
            .bind(user.id)
            .fetch_one(&state.db)
            .await?;
    Ok(at.map(format::datetime).unwrap_or_else(|| "jamais".into()))
}

async fn show(State(state): State<AppState>, user: CurrentUser, ctx: Ctx) -> AppResult<Response> {
    let last_login = last_login(&state, &user).await?;
    Ok(Html(
        ProfilePage {
            ctx,
            user,
            last_login,
            errors: PasswordErrors::default(),
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
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = PasswordErrors::default();
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
        errors.current = Some("Le mot de passe actuel est incorrect.".into());
    }
    if let Err(msg) = password::check_new(&form.new, &form.confirmation) {
        errors.new = Some(msg.into());
    }
    if errors.current.is_some() || errors.new.is_some() {
        let last_login = last_login(&state, &user).await?;
        let page = ProfilePage {
            ctx,
            user,
            last_login,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
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
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: user.maison_id,
            object_type: "account",
            object_id: user.id,
            action: "mot_de_passe",
            summary: format!("Mot de passe modifié ({ended} autre(s) session(s) fermée(s))"),
            changes: vec![],
        },
    )
    .await?;
    session::set_flash(
        &mut *tx,
        &keep,
        FlashKind::Success,
        "Votre mot de passe a été modifié. Vos autres sessions ont été fermées.",
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/profil").into_response())
}
