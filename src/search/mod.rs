//! `/recherche`: diagnostics, plans, fiches actions and the library's accepted practices across the network, by words, with PostgreSQL
//! full-text search (configuration `fr_unaccent`: French stemming, accents ignored; stored generated
//! `search` columns with GIN indexes, see migrations 20261127140001 and 20261127140002). Every result is scoped by the policy's
//! `SearchScope`, inside the SQL, so that a hidden object is never even counted.

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::auth::policy;
use crate::auth::policy::reseau::SearchScope;
use crate::domain::labels;
use crate::domain::practice::PracticeStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed, format};

pub fn router() -> Router<AppState> {
    Router::new().route("/recherche", get(search))
}

const PAGE_SIZE: i64 = 30;

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    type_: String,
    #[serde(default)]
    page: String,
}

#[derive(sqlx::FromRow)]
struct Hit {
    kind: String,
    id: i64,
    title: String,
    maison: String,
    status: String,
    excerpt: String,
    total: i64,
}

pub struct Result_ {
    pub kind: &'static str,
    pub href: String,
    pub title: String,
    pub maison: String,
    pub status: &'static str,
    pub excerpt: String,
}

#[derive(Template)]
#[template(path = "search/results.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    results: Vec<Result_>,
    total: i64,
    total_label: String,
    page: i64,
    pagination: Pages,
    searched: bool,
}

/// The visibility rules, in SQL: $2 is the scope ('all', 'staff') and $3 the staff member's Maison.
/// Staff: their Maison's everything, other Maisons' validated diagnostics and plans (and those plans'
/// actions), and the practices AVE accepted (every reader of the library). Partners do not search
/// (policy); they search the library itself (`/pratiques`).
const SEARCH_SQL: &str = "
    with q as (select websearch_to_tsquery('public.fr_unaccent', $1) as query),
    diag_hits as (
        select d.id from diagnostic d, q where d.search @@ q.query
        union
        select s.diagnostic_id from diagnostic_section s, q where s.search @@ q.query
    ),
    hits as (
        select 'diagnostic' as kind, d.id, d.title, d.maison_id, d.status, '' as excerpt,
               ts_rank(d.search, q.query) + 0.1 as rank
        from diag_hits h join diagnostic d on d.id = h.id, q
        where $2 = 'all'
              or ($2 = 'staff' and (d.maison_id = $3 or d.status = 'valide'))
        union all
        select 'plan', p.id, p.title, p.maison_id, p.status, left(p.evaluation, 240), ts_rank(p.search, q.query)
        from plan p, q
        where p.search @@ q.query
          and ($2 = 'all'
               or ($2 = 'staff' and (p.maison_id = $3 or p.status in ('valide', 'en_oeuvre', 'cloture'))))
        union all
        select 'action', a.id, a.title, p.maison_id, a.status,
               left(coalesce(nullif(a.objectives, ''), a.description), 240), ts_rank(a.search, q.query)
        from action a join plan p on p.id = a.plan_id, q
        where a.search @@ q.query
          and ($2 = 'all'
               or ($2 = 'staff' and (p.maison_id = $3 or p.status in ('valide', 'en_oeuvre', 'cloture'))))
        union all
        select 'practice', x.id, v.title, x.maison_id, x.status, left(v.summary, 240),
               ts_rank(v.search, q.query) + 0.05
        from practice x join practice_version v on v.id = x.current_version_id, q
        where x.status = 'acceptee'
          and v.search
              @@ q.query
    )
    select h.kind, h.id, h.title, m.name as maison, h.status, h.excerpt,
           count(*) over () as total
    from hits h join maison m on m.id = h.maison_id
    where ($4 = '' or h.kind = $4)
    order by h.rank desc, h.kind, h.id
    limit $5 offset $6";

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "diagnostic" => "Diagnostic",
        "plan" => "Plan d'actions",
        "practice" => "Pratique du réseau",
        _ => "Fiche action",
    }
}

fn status_label(kind: &str, status: &str) -> &'static str {
    match kind {
        "diagnostic" => labels::diagnostic_status_label(Some(status)),
        "plan" => labels::plan_status_label(Some(status)),
        "practice" => status
            .parse::<PracticeStatus>()
            .map(PracticeStatus::label)
            .unwrap_or(""),
        _ => labels::action_status_label(status),
    }
}

fn href(kind: &str, id: i64) -> String {
    match kind {
        "diagnostic" => format!("/diagnostics/{id}"),
        "plan" => format!("/plans/{id}"),
        "practice" => format!("/pratiques/{id}"),
        _ => crate::axes::action_href(id),
    }
}

async fn search(
    Signed { state, user, ctx }: Signed,
    Query(sq): Query<SearchQuery>,
) -> AppResult<Response> {
    let scope = policy::reseau::search_scope(&user).ok_or(AppError::NotFound)?;
    let (mode, id) = match scope {
        SearchScope::Everything => ("all", 0),
        SearchScope::Staff(m) => ("staff", m),
    };
    let q: String = sq.q.trim().chars().take(200).collect();
    let kind = match sq.type_.as_str() {
        k @ ("diagnostic" | "plan" | "action" | "practice") => k,
        _ => "",
    };
    let pager = Pager::parse(&sq.page, PAGE_SIZE);
    let hits: Vec<Hit> = if q.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(SEARCH_SQL)
            .bind(&q)
            .bind(mode)
            .bind(id)
            .bind(kind)
            .bind(pager.per_page())
            .bind(pager.offset())
            .fetch_all(&state.db)
            .await?
    };
    let total = hits.first().map(|h| h.total).unwrap_or(0);
    let links = PageLinks::new("/recherche", "Pages de résultats")
        .keep("q", &q)
        .keep("type", kind);
    let pagination = pager.counted(total, &links);
    let results = hits
        .into_iter()
        .map(|h| Result_ {
            kind: kind_label(&h.kind),
            href: href(&h.kind, h.id),
            status: status_label(&h.kind, &h.status),
            title: h.title,
            maison: h.maison,
            excerpt: h.excerpt,
        })
        .collect();
    Ok(Html(
        SearchPage {
            ctx,
            searched: !q.is_empty(),
            q,
            results,
            total,
            total_label: format::int(total),
            page: pager.page(),
            pagination,
        }
        .render()?,
    )
    .into_response())
}
