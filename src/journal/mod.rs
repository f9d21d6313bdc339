//! `/journal`: the whole audit journal, newest first, for the network's administrators.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde::Deserialize;

use crate::audit::{self, HistoryEntry};
use crate::auth::{CurrentUser, policy};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;

pub fn router() -> Router<AppState> {
    Router::new().route("/journal", get(journal))
}

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
struct JournalQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "journal/journal.html")]
struct JournalPage {
    ctx: Ctx,
    entries: Vec<HistoryEntry>,
    page: i64,
    has_next: bool,
}

async fn journal(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(q): Query<JournalQuery>,
) -> AppResult<impl IntoResponse> {
    policy::ensure(policy::can_read_journal(&user))?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let mut entries = audit::all(&state.db, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    let has_next = entries.len() as i64 > PAGE_SIZE;
    entries.truncate(PAGE_SIZE as usize);
    Ok(Html(
        JournalPage {
            ctx,
            entries,
            page,
            has_next,
        }
        .render()?,
    ))
}
