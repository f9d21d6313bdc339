//! `/comptes/{id}`: an account, what can be done with it, and its *Historique*.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};

use super::queries::{self, AccountRow};
use crate::audit::{self, HistoryEntry};
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;

#[derive(Template)]
#[template(path = "accounts/show.html")]
struct ShowPage {
    ctx: Ctx,
    account: AccountRow,
    is_self: bool,
    history: Vec<HistoryEntry>,
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let account = queries::load_managed(&mut *conn, &user, id).await?;
    let history = audit::history(&mut conn, "account", id).await?;
    let page = ShowPage {
        ctx,
        is_self: account.id == user.id,
        account,
        history,
    };
    Ok(Html(page.render()?).into_response())
}
