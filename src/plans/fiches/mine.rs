//! « Mes actions » (`/mes-actions`, issue 16): for a partner account, the fiches actions its organisation
//! pilots, across Maisons, in the plans the policy lets it read (`rules::PILOTED_SCOPE_SQL`); filters:
//! en retard, se terminant dans les 30 jours, statut, Maison; one bounded statement per page, and one for
//! the proofs of its rows.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::policy::{self, plans as rules};
use crate::error::AppResult;
use crate::plans::model::{ActionStatus, Org};
use crate::web::{Ctx, Signed, documents, format};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct MineQuery {
    #[serde(default)]
    statut: String,
    #[serde(default)]
    maison: String,
    /// `retard` (late) or `bientot` (ending within 30 days, not over).
    #[serde(default)]
    echeance: String,
    page: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub struct MineRow {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub status: ActionStatus,
    pub progress: i32,
    pub end_date: Option<NaiveDate>,
    pub plan_id: i64,
    pub plan_title: String,
    pub maison_name: String,
    pub total: i64,
    /// Its proofs (the one document store), read for the page's rows in one statement.
    #[sqlx(skip)]
    pub proofs: Vec<documents::Document>,
}

impl MineRow {
    pub fn late(&self) -> bool {
        self.status.is_late(self.end_date, format::today())
    }
    pub fn end(&self) -> String {
        format::opt_date(self.end_date)
    }
}

#[derive(Template)]
#[template(path = "plans/mine.html")]
struct MinePage {
    ctx: Ctx,
    rows: Vec<MineRow>,
    total: i64,
    maisons: Vec<Org>,
    statut: String,
    maison: String,
    echeance: String,
    page: i64,
    has_next: bool,
    statuses: &'static [(&'static str, &'static str)],
}

impl MinePage {
    /// The query string of the filters, for the pagination links.
    fn filters_query(&self) -> String {
        format!(
            "statut={}&maison={}&echeance={}",
            self.statut, self.maison, self.echeance
        )
    }
}

pub async fn mine(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<MineQuery>,
) -> AppResult<Response> {
    policy::ensure(rules::can_list_piloted_actions(&user))?;
    let org = user.organisation_id.unwrap_or(-1);
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    // Unknown values filter nothing (the selects offer the known ones).
    let statut = q
        .statut
        .parse::<ActionStatus>()
        .map_or_else(|_| String::new(), |s| s.as_str().to_owned());
    let maison = format::parse_int(&q.maison);
    let echeance = match q.echeance.as_str() {
        "retard" | "bientot" => q.echeance.clone(),
        _ => String::new(),
    };
    let mut conn = state.db.acquire().await?;
    let mut rows: Vec<MineRow> = sqlx::query_as(&format!(
        "select a.id, a.number, a.title, a.status, a.progress, a.end_date, p.id as plan_id,
                p.title as plan_title, m.name as maison_name, count(*) over () as total
         from action a join plan p on p.id = a.plan_id join maison m on m.id = p.maison_id
         where {} and ($2 = '' or a.status = $2) and ($3::bigint is null or p.maison_id = $3)
           and ($4 <> 'retard' or (a.end_date < $5 and a.status not in ('realisee', 'abandonnee')))
           and ($4 <> 'bientot' or (a.end_date between $5 and $5 + 30
                                    and a.status not in ('realisee', 'abandonnee')))
         order by a.end_date nulls last, m.sort_key, p.id, a.number
         limit $6 offset $7",
        rules::PILOTED_SCOPE_SQL
    ))
    .bind(org)
    .bind(&statut)
    .bind(maison)
    .bind(&echeance)
    .bind(format::today())
    .bind(PAGE_SIZE + 1)
    .bind((page - 1) * PAGE_SIZE)
    .fetch_all(&mut *conn)
    .await?;
    let maisons: Vec<Org> = sqlx::query_as(&format!(
        "select m.id, m.name from maison m
         where exists (select 1 from action a join plan p on p.id = a.plan_id
                       where p.maison_id = m.id and {})
         order by m.sort_key, m.id",
        rules::PILOTED_SCOPE_SQL
    ))
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut proofs = documents::of_actions(&mut conn, &ids).await?;
    drop(conn);
    for r in &mut rows {
        r.proofs = proofs.remove(&r.id).unwrap_or_default();
    }
    let page = MinePage {
        ctx,
        total: rows.first().map_or(0, |r| r.total),
        rows,
        maisons,
        statut,
        maison: maison.map(|m| m.to_string()).unwrap_or_default(),
        echeance,
        page,
        has_next,
        statuses: ActionStatus::OPTIONS,
    };
    Ok(Html(page.render()?).into_response())
}
