//! `/maisons`: the network's Maisons, searchable by name or commune, filtered, sorted and paginated.
//! Two queries: the reference lists for the filters, and the page itself (with its total).

use std::sync::Arc;

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::Phase;
use crate::auth::policy::network::{MaisonScope, can_create_maison, maison_scope};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::forms::{contains_pattern, non_empty};
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed, format};

pub const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    departement: String,
    #[serde(default)]
    grenelle: String,
    #[serde(default)]
    conventionnee: String,
    #[serde(default)]
    tri: String,
    #[serde(default)]
    page: String,
}

/// The sorts offered, as (code, French label, ORDER BY clause); the clause never holds user input.
const SORTS: &[(&str, &str, &str)] = &[
    ("nom", "Nom (A → Z)", "sort_key, id"),
    ("-nom", "Nom (Z → A)", "sort_key desc, id desc"),
    ("region", "Région", "region_name, sort_key, id"),
    (
        "departement",
        "Département",
        "departement_code, sort_key, id",
    ),
    (
        "grenelle",
        "Entrée dans le programme Grenelle",
        "grenelle_year nulls last, sort_key, id",
    ),
    (
        "convention",
        "Date de convention",
        "convention_date nulls last, sort_key, id",
    ),
];

#[derive(sqlx::FromRow)]
pub struct Row {
    id: i64,
    name: String,
    city: String,
    region_name: String,
    departement_code: String,
    departement_name: String,
    grenelle_year: Option<i32>,
    grenelle_pilot: bool,
    conventionnee: bool,
    population: Option<i64>,
    phase: Option<String>,
    total: i64,
}

impl Row {
    pub fn phase_label(&self) -> &'static str {
        Phase::parse(self.phase.as_deref().unwrap_or("")).label()
    }
    pub fn population_label(&self) -> String {
        format::int(self.population.unwrap_or(0))
    }
}

#[derive(sqlx::FromRow)]
pub struct Choice {
    code: String,
    name: String,
}

#[derive(Template)]
#[template(path = "maisons/list.html")]
struct ListPage {
    ctx: Ctx,
    q: ListQuery,
    data: Arc<ListData>,
    page: i64,
    pages: i64,
    sorts: &'static [(&'static str, &'static str, &'static str)],
    can_create: bool,
    partner_view: bool,
    pagination: Pages,
}

/// What the list shows of the network for one query, page and scope: the same for everyone with that scope
/// (admins and staff see every Maison, a partner the Maisons its organisation partners), so it is kept in the
/// network cache (`crate::cache`), dropped at the commit of any write to the Maisons, their territory or
/// their partnerships.
struct ListData {
    rows: Vec<Row>,
    total: i64,
    regions: Vec<Choice>,
    departements: Vec<Choice>,
}

impl std::ops::Deref for ListPage {
    type Target = ListData;
    fn deref(&self) -> &ListData {
        &self.data
    }
}

impl ListPage {
    fn total_label(&self) -> String {
        format::int(self.total)
    }
}

fn tri_flag(v: &str) -> Option<bool> {
    match v {
        "oui" => Some(true),
        "non" => Some(false),
        _ => None,
    }
}

pub async fn list(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let pager = Pager::parse(&q.page, PAGE_SIZE);
    let order = SORTS
        .iter()
        .find(|(code, _, _)| *code == q.tri)
        .unwrap_or(&SORTS[0])
        .2;
    let partner_org = match maison_scope(&user) {
        MaisonScope::All => None,
        MaisonScope::PartneredBy(org) => Some(org),
    };
    let links = PageLinks::new("/maisons", "Pages de la liste des Maisons")
        .keep("q", &q.q)
        .keep("region", &q.region)
        .keep("departement", &q.departement)
        .keep("grenelle", &q.grenelle)
        .keep("conventionnee", &q.conventionnee)
        .keep("tri", &q.tri);
    // The page's own link holds every filter: the cache key.
    let key = format!("{}&organisation={partner_org:?}", links.href(pager.page()));
    let data = state
        .network_cache
        .get_or_compute(key, || list_data(&state, &q, pager, order, partner_org))
        .await?;
    let total = data.total;
    Ok(Html(
        ListPage {
            ctx,
            data,
            page: pager.page(),
            pages: pager.pages(total),
            sorts: SORTS,
            can_create: can_create_maison(&user),
            partner_view: partner_org.is_some(),
            pagination: pager.counted(total, &links),
            q,
        }
        .render()?,
    )
    .into_response())
}

async fn list_data(
    state: &AppState,
    q: &ListQuery,
    pager: Pager,
    order: &str,
    partner_org: Option<i64>,
) -> AppResult<ListData> {
    let pattern = contains_pattern(&q.q);
    // The filter runs on every Maison; the population and phase only for the rows of the page.
    let sql = format!(
        "with found as (
             select m.id, m.name, m.sort_key, m.city, r.name as region_name,
                    m.departement_code, d.name as departement_name, m.grenelle_year, m.grenelle_pilot,
                    m.conventionnee, m.convention_date, count(*) over () as total
             from maison m
             join region r on r.code = m.region_code
             join departement d on d.code = m.departement_code
             where ($1::text is null
                    or m.name_key like f_unaccent(lower($1))
                    or m.city_key like f_unaccent(lower($1))
                    or m.id in (select me.maison_id from commune c
                                join maison_epci me on me.epci_siren = c.epci_siren
                                where c.name_key like f_unaccent(lower($1))))
               and ($2::text is null or m.region_code = $2)
               and ($3::text is null or m.departement_code = $3)
               and ($4::bool is null or (m.grenelle_year is not null) = $4)
               and ($5::bool is null or m.conventionnee = $5)
               and ($6::bigint is null or exists (select 1 from partnership p
                                                  where p.maison_id = m.id and p.organisation_id = $6))
             order by {order}
             limit $7 offset $8
         )
         select f.id, f.name, f.city, f.region_name, f.departement_code, f.departement_name, f.grenelle_year,
                f.grenelle_pilot, f.conventionnee, f.total,
                (select sum(c.population)::bigint from maison_epci me join commune c on c.epci_siren = me.epci_siren
                 where me.maison_id = f.id) as population,
                (select ph.phase from maison_phase ph where ph.maison_id = f.id) as phase
         from found f
         order by {order}"
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .persistent(false)
        .bind(pattern)
        .bind(non_empty(&q.region, 10))
        .bind(non_empty(&q.departement, 10))
        .bind(tri_flag(&q.grenelle))
        .bind(tri_flag(&q.conventionnee))
        .bind(partner_org)
        .bind(pager.per_page())
        .bind(pager.offset())
        .fetch_all(&state.db)
        .await?;
    let total = match rows.first() {
        Some(r) => r.total,
        None if pager.page() > 1 => count(state, q, partner_org).await?,
        None => 0,
    };
    let (regions, departements) = filter_options(state).await?;
    Ok(ListData {
        rows,
        total,
        regions,
        departements,
    })
}

/// Only for a page past the end (no row to carry the total).
async fn count(state: &AppState, q: &ListQuery, partner_org: Option<i64>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from maison m
         where ($1::text is null or m.region_code = $1)
           and ($2::text is null or m.departement_code = $2)
           and ($3::bigint is null or exists (select 1 from partnership p
                                              where p.maison_id = m.id and p.organisation_id = $3))",
    )
    .persistent(false)
    .bind(non_empty(&q.region, 10))
    .bind(non_empty(&q.departement, 10))
    .bind(partner_org)
    .fetch_one(&state.db)
    .await
}

/// Regions and départements that have at least one Maison (one query).
async fn filter_options(state: &AppState) -> sqlx::Result<(Vec<Choice>, Vec<Choice>)> {
    #[derive(sqlx::FromRow)]
    struct Opt {
        kind: String,
        code: String,
        name: String,
    }
    let opts: Vec<Opt> = sqlx::query_as(
        "select 'r' as kind, code, name from region
         where zone <> 'com'
         union all
         select 'd', code, code || ' – ' || name from departement where zone <> 'com'
         order by 1, 3",
    )
    .fetch_all(&state.db)
    .await?;
    let mut regions = Vec::new();
    let mut departements = Vec::new();
    for o in opts {
        let target = if o.kind == "r" {
            &mut regions
        } else {
            &mut departements
        };
        target.push(Choice {
            code: o.code,
            name: o.name,
        });
    }
    Ok((regions, departements))
}
