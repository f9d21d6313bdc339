//! The list of the diagnostics an account may read.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::Status;
use crate::auth::policy::diagnostics as rules;
use crate::error::AppResult;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed, format};

const PAGE_SIZE: i64 = 50;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    maison_name: String,
    reference_year: i32,
    status: Status,
    updated_at: DateTime<Utc>,
    open_comments: i64,
}

impl Row {
    fn status_label(&self) -> &'static str {
        self.status.label()
    }
    fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
    fn updated(&self) -> String {
        format::datetime(self.updated_at)
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    statut: Option<String>,
}

#[derive(Template)]
#[template(path = "diagnostics/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    page: i64,
    pagination: Pages,
    can_create: bool,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
}

pub async fn index(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let pager = Pager::new(q.page, PAGE_SIZE);
    // An unknown status filters nothing (the list's select offers the known ones).
    let status = q
        .statut
        .and_then(|s| s.parse::<Status>().ok())
        .map_or_else(String::new, |s| s.as_str().to_owned());
    let sql = format!(
        "select d.id, d.title, m.name as maison_name, d.reference_year, d.status, d.updated_at,
                (select count(*) from open_comment_thread t where t.diagnostic_id = d.id) as open_comments
         from diagnostic d join maison m on m.id = d.maison_id
         where {} and ($4 = '' or d.status = $4)
         order by (d.maison_id = $2) desc nulls last, d.updated_at desc, d.id desc
         limit $5 offset $6",
        rules::VISIBLE_SQL
    );
    let mut rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(user.role.as_str())
        .bind(user.maison_id)
        .bind(user.organisation_id)
        .bind(&status)
        .bind(pager.limit_ahead())
        .bind(pager.offset())
        .fetch_all(&state.db)
        .await?;
    let links = PageLinks::new("/diagnostics", "Pages des diagnostics").keep("statut", &status);
    let pagination = pager.looked_ahead(&mut rows, &links);
    let can_create = user.maison_id.is_some_and(|m| rules::can_create(&user, m));
    Ok(Html(
        ListPage {
            ctx,
            rows,
            page: pager.page(),
            pagination,
            can_create,
            status,
            statuses: vec![
                ("brouillon", "Brouillon"),
                ("partage", "Partagé"),
                ("valide", "Validé"),
                ("archive", "Archivé"),
            ],
        }
        .render()?,
    )
    .into_response())
}
