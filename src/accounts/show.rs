//! `/comptes/{id}`: an account, what can be done with it, and its *Historique*.

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};

use super::queries::{self, AccountRow};
use crate::audit::{self, HistoryEntry};
use crate::auth::policy::accounts as rules;
use crate::error::AppResult;
use crate::web::{Ctx, Signed};

#[derive(Template)]
#[template(path = "accounts/show.html")]
struct ShowPage {
    ctx: Ctx,
    account: AccountRow,
    is_self: bool,
    history: Vec<HistoryEntry>,
    /// Edit, deactivate, see the links made for it; otherwise only have a link e-mailed to the person.
    can_manage: bool,
    /// Erase it (RGPD): the confirmation page.
    can_erase: bool,
}

pub async fn show(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let account = queries::load_visible(&mut *conn, &user, id).await?;
    let history = audit::history(&mut conn, "account", id).await?;
    let page = ShowPage {
        ctx,
        can_manage: rules::can_manage(&user, &account.target()),
        can_erase: rules::can_erase(&user, &account.target()) && account.id != user.id,
        is_self: account.id == user.id,
        account,
        history,
    };
    Ok(Html(page.render()?).into_response())
}
