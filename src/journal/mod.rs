//! `/journal`: the whole audit journal, newest first, for the network's administrators.

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use serde::Deserialize;

use crate::audit::{self, HistoryEntry};
use crate::auth::policy;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed};

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
    pagination: Pages,
}

async fn journal(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<JournalQuery>,
) -> AppResult<impl IntoResponse> {
    policy::ensure(policy::can_read_journal(&user))?;
    let pager = Pager::new(q.page, PAGE_SIZE);
    let mut entries = audit::all(&state.db, pager.limit_ahead(), pager.offset()).await?;
    let pagination = pager.looked_ahead(
        &mut entries,
        &PageLinks::new("/journal", "Pages du journal"),
    );
    Ok(Html(
        JournalPage {
            ctx,
            entries,
            page: pager.page(),
            pagination,
        }
        .render()?,
    ))
}
