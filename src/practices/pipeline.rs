//! The pipeline (`/pratiques/propositions`): how many practices wait for AVE, were sent back, accepted,
//! declined or withdrawn, and the list of one of these, oldest waiting first. The admins see every Maison's,
//! a Maison's staff their own (`rules::can_see_pipeline`, the list scoped by `PRACTICE_SCOPE_SQL`).

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::policy::practices::PRACTICE_SCOPE_SQL;
use crate::auth::policy::{self, practices as rules};
use crate::domain::practice::PracticeStatus;
use crate::error::AppResult;
use crate::web::forms;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed, format};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct PipelineQuery {
    #[serde(default)]
    statut: String,
    #[serde(default)]
    page: String,
}

#[derive(sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub title: String,
    pub maison_name: String,
    pub remarkable: bool,
    pub version_number: i32,
    pub updated_at: DateTime<Utc>,
    pub total: i64,
}

impl Row {
    pub fn updated(&self) -> String {
        format::date(self.updated_at.date_naive())
    }
}

/// A status of the pipeline with its count and whether the list shows it.
pub struct Stage {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "practices/pipeline.html")]
struct PipelinePage {
    ctx: Ctx,
    stages: Vec<Stage>,
    current_label: &'static str,
    rows: Vec<Row>,
    pagination: Pages,
    admin: bool,
}

pub async fn pipeline(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<PipelineQuery>,
) -> AppResult<Response> {
    policy::ensure(rules::can_see_pipeline(&user))?;
    let admin = rules::can_curate_practices(&user);
    let status = q.statut.parse::<PracticeStatus>().unwrap_or(if admin {
        PracticeStatus::Proposee
    } else {
        PracticeStatus::Acceptee
    });
    let maison = user.maison_id.unwrap_or(-1);
    let mut conn = state.db.acquire().await?;
    let counts: Vec<(PracticeStatus, i64)> = sqlx::query_as(&format!(
        "select p.status, count(*) from practice p where {PRACTICE_SCOPE_SQL}
           and ($1 = 'admin' or p.maison_id = $2) group by 1"
    ))
    .bind(user.role.as_str())
    .bind(maison)
    .fetch_all(&mut *conn)
    .await?;
    let pager = Pager::parse(&q.page, PAGE_SIZE);
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select p.id, v.title, m.name as maison_name, p.remarkable, v.number as version_number,
                p.updated_at, count(*) over () as total
         from practice p join practice_version v on v.id = p.current_version_id
         join maison m on m.id = p.maison_id
         where {PRACTICE_SCOPE_SQL} and ($1 = 'admin' or p.maison_id = $2) and p.status = $3
         -- waiting proposals oldest first (examined in turn), the others last decided first
         order by case when p.status = 'proposee' then p.updated_at end asc, p.updated_at desc, p.id
         limit $4 offset $5"
    ))
    .bind(user.role.as_str())
    .bind(maison)
    .bind(status)
    .bind(pager.per_page())
    .bind(pager.offset())
    .fetch_all(&mut *conn)
    .await?;
    let total = rows.first().map(|r| r.total).unwrap_or(0);
    let links = PageLinks::new("/pratiques/propositions", "Pages des propositions")
        .keep("statut", status.as_str());
    let page = PipelinePage {
        ctx,
        stages: PracticeStatus::ALL
            .iter()
            .map(|s| Stage {
                code: s.as_str(),
                label: s.label(),
                count: counts.iter().find(|c| c.0 == *s).map(|c| c.1).unwrap_or(0),
                current: *s == status,
            })
            .collect(),
        current_label: status.label(),
        pagination: pager.counted(total, &links),
        rows,
        admin,
    };
    forms::render(&page, StatusCode::OK)
}
