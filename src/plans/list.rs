//! The list of plans (`/plans`): the reader's Maison's first, then those the policy lets them see.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::model::PlanStatus;
use crate::auth::policy::{self, plans as rules};
use crate::error::AppResult;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed, format};

#[derive(sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub maison_name: String,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub status: PlanStatus,
    pub actions: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl PlanRow {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
    pub fn updated(&self) -> String {
        format::datetime(self.updated_at)
    }
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    ctx: Ctx,
    own: Vec<PlanRow>,
    others: Vec<PlanRow>,
    can_create: bool,
    pagination: Pages,
    status: String,
    is_staff: bool,
    statuses: &'static [PlanStatus],
}

impl ListPage {
    fn is_status(&self, v: &PlanStatus) -> bool {
        self.status == v.as_str()
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    #[serde(default)]
    statut: String,
}

const PAGE_SIZE: i64 = 50;

pub async fn list(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    policy::ensure(rules::can_list_plans(&user))?;
    let pager = Pager::new(q.page, PAGE_SIZE);
    // An unknown status filters nothing (the list's select offers the known ones).
    let status = q
        .statut
        .parse::<PlanStatus>()
        .map_or_else(|_| String::new(), |s| s.as_str().to_owned());
    let mut rows: Vec<PlanRow> = sqlx::query_as(&format!(
        "select p.id, m.name as maison_name, p.title, p.start_year, p.end_year, p.status,
                (select count(*) from action a where a.plan_id = p.id) as actions, p.updated_at
         from plan p join maison m on m.id = p.maison_id
         where {} and ($4 = '' or p.status = $4)
         order by (p.maison_id = $2) desc, m.sort_key, p.start_year desc, p.id desc
         limit $5 offset $6",
        rules::PLAN_SCOPE_SQL
    ))
    .bind(user.role.as_str())
    .bind(user.maison_id.unwrap_or(-1))
    .bind(user.organisation_id.unwrap_or(-1))
    .bind(&status)
    .bind(pager.limit_ahead())
    .bind(pager.offset())
    .fetch_all(&state.db)
    .await?;
    let links = PageLinks::new("/plans", "Pages des plans d'actions").keep("statut", &status);
    let pagination = pager.looked_ahead(&mut rows, &links);
    let own_name = user.maison_name.clone().unwrap_or_default();
    let (own, others): (Vec<_>, Vec<_>) = if user.is_staff() {
        rows.into_iter().partition(|r| r.maison_name == own_name)
    } else {
        (Vec::new(), rows)
    };
    let page = ListPage {
        ctx,
        own,
        others,
        can_create: rules::can_create_plan(&user),
        pagination,
        status,
        is_staff: user.is_staff(),
        statuses: PlanStatus::ALL,
    };
    Ok(Html(page.render()?).into_response())
}

// ------------------------------------------------------------------------------------ create / edit
