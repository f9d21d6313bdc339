//! The library (`/pratiques`): the accepted practices, for every signed-in person, filtered by axis,
//! filière, public, region, territory type, budget and *remarquable*, with French full-text search
//! (`practice_search_text`, configuration `fr_unaccent`). Each facet counts what the other filters leave
//! (choosing a value in one facet never hides the others of that facet). Two statements, 20 a page.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::labels;
use crate::auth::policy::{self, practices as rules};
use crate::domain::practice as codes;
use crate::error::AppResult;
use crate::web::forms::{self, non_empty};
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed, format};

const PAGE_SIZE: i64 = 20;

#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub axe: String,
    #[serde(default)]
    pub filiere: String,
    #[serde(default)]
    pub public: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub territoire: String,
    #[serde(default)]
    pub budget: String,
    #[serde(default)]
    pub remarquable: String,
    #[serde(default)]
    pub page: String,
}

/// The filters as the statements bind them ($1 … $8).
struct Binds<'a> {
    q: String,
    axis: Option<i32>,
    sector: Option<&'a str>,
    public: Option<&'a str>,
    region: Option<&'a str>,
    territory: Option<&'a str>,
    budget: Option<&'a str>,
    remarkable: bool,
}

impl Filters {
    fn binds(&self) -> Binds<'_> {
        Binds {
            q: self.q.trim().chars().take(200).collect(),
            axis: format::parse_int(&self.axe).and_then(|a| i32::try_from(a).ok()),
            sector: non_empty(&self.filiere, 40),
            public: non_empty(&self.public, 40),
            region: non_empty(&self.region, 10),
            territory: non_empty(&self.territoire, 20),
            budget: non_empty(&self.budget, 20),
            remarkable: forms::checked(&self.remarquable),
        }
    }

    /// The links of the pages and of the facets keep every filter.
    fn links(&self) -> PageLinks {
        let b = self.binds();
        PageLinks::new("/pratiques", "Pages de la bibliothèque")
            .keep("q", &b.q)
            .keep("axe", &self.axe)
            .keep("filiere", b.sector.unwrap_or(""))
            .keep("public", b.public.unwrap_or(""))
            .keep("region", b.region.unwrap_or(""))
            .keep("territoire", b.territory.unwrap_or(""))
            .keep("budget", b.budget.unwrap_or(""))
            .keep("remarquable", if b.remarkable { "1" } else { "" })
    }
}

/// The accepted practices that match the search (alias `b`), with the columns the facets filter on.
const BASE: &str = "with base as (
    select p.id, v.axis_id, v.sector_code, v.publics, m.region_code, v.territory_types, v.budget_range,
           p.remarkable
    from practice p join practice_version v on v.id = p.current_version_id join maison m on m.id = p.maison_id
    where p.status = 'acceptee'
      and ($1 = '' or v.search
                      @@ websearch_to_tsquery('public.fr_unaccent', $1)))";

/// Each facet's condition, by its name in the query string.
const CONDITIONS: [(&str, &str); 7] = [
    ("axe", "($2::int is null or b.axis_id = $2)"),
    ("filiere", "($3::text is null or b.sector_code = $3)"),
    ("public", "($4::text is null or $4 = any(b.publics))"),
    ("region", "($5::text is null or b.region_code = $5)"),
    (
        "territoire",
        "($6::text is null or $6 = any(b.territory_types))",
    ),
    ("budget", "($7::text is null or b.budget_range = $7)"),
    ("remarquable", "(not $8 or b.remarkable)"),
];

/// Every condition but `except`'s.
fn conditions(except: &str) -> String {
    CONDITIONS
        .iter()
        .filter(|(f, _)| *f != except)
        .map(|(_, c)| *c)
        .collect::<Vec<_>>()
        .join(" and ")
}

fn facets_sql() -> String {
    format!(
        "{BASE}
        select 'axe' as facet, b.axis_id::text as code, count(*) as n from base b where {} group by 2
        union all
        select 'filiere', b.sector_code, count(*) from base b where {} and b.sector_code is not null group by 2
        union all
        select 'public', x, count(*) from base b cross join unnest(b.publics) x where {} group by 2
        union all
        select 'region', b.region_code, count(*) from base b where {} group by 2
        union all
        select 'territoire', x, count(*) from base b cross join unnest(b.territory_types) x where {} group by 2
        union all
        select 'budget', b.budget_range, count(*) from base b where {} group by 2
        union all
        select 'remarquable', 'oui', count(*) from base b where {} and b.remarkable
        union all
        select 'total', '', count(*) from base b where {}",
        conditions("axe"),
        conditions("filiere"),
        conditions("public"),
        conditions("region"),
        conditions("territoire"),
        conditions("budget"),
        conditions("remarquable"),
        conditions(""),
    )
}

fn list_sql() -> String {
    format!(
        "{BASE}
        select p.id, v.title, m.name as maison_name, r.name as region_name, ax.number as axis_number,
               ax.short_title as axis_title, s.name as sector_name, v.territory_types, v.budget_range,
               p.remarkable, left(v.summary, 300) as summary,
               (select count(*) from practice_reuse u where u.practice_id = p.id) as reused
        from base b join practice p on p.id = b.id join practice_version v on v.id = p.current_version_id
        join maison m on m.id = p.maison_id join region r on r.code = m.region_code
        join axis ax on ax.id = v.axis_id left join sector s on s.code = v.sector_code
        where {}
        order by p.remarkable desc, v.created_at desc, p.id desc
        limit $9 offset $10",
        conditions("")
    )
}

fn bind_all<'q, O>(
    q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    b: &'q Binds<'q>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    q.bind(&b.q)
        .bind(b.axis)
        .bind(b.sector)
        .bind(b.public)
        .bind(b.region)
        .bind(b.territory)
        .bind(b.budget)
        .bind(b.remarkable)
}

#[derive(sqlx::FromRow)]
pub struct Line {
    pub id: i64,
    pub title: String,
    pub maison_name: String,
    pub region_name: String,
    pub axis_number: i32,
    pub axis_title: String,
    pub sector_name: Option<String>,
    pub territory_types: Vec<String>,
    pub budget_range: String,
    pub remarkable: bool,
    pub summary: String,
    pub reused: i64,
}

impl Line {
    pub fn territory(&self) -> String {
        labels(codes::TERRITORY_TYPES, &self.territory_types)
    }
    pub fn budget(&self) -> &'static str {
        codes::label_in(codes::BUDGET_RANGES, &self.budget_range)
    }
    pub fn sector(&self) -> &str {
        self.sector_name.as_deref().unwrap_or("")
    }
    pub fn reused_text(&self) -> String {
        format::counted(self.reused, "reprise", "reprises")
    }
}

/// One value of a facet, with how many practices it would show.
pub struct Choice {
    pub code: String,
    pub label: String,
    pub count: i64,
    pub selected: bool,
}

/// A facet: its query-string name, its label, its values.
pub struct Facet {
    pub name: &'static str,
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "practices/library.html")]
struct LibraryPage {
    ctx: Ctx,
    q: String,
    facets: Vec<Facet>,
    remarkable: bool,
    remarkable_count: i64,
    lines: Vec<Line>,
    total_text: String,
    pagination: Pages,
    filtered: bool,
    can_see_pipeline: bool,
}

/// A facet's name, its label and its values (code, label).
type Vocabulary = (&'static str, &'static str, Vec<(String, String)>);

/// The labels of the values a facet may take, in the order the page lists them.
async fn vocabulary(conn: &mut PgConnection) -> sqlx::Result<Vec<Vocabulary>> {
    let axes: Vec<(String, String)> = sqlx::query_as(
        "select id::text, 'Axe ' || number || ' — ' || short_title from axis where charter = $1 order by number",
    )
    .bind(crate::domain::CURRENT_CHARTER)
    .fetch_all(&mut *conn)
    .await?;
    let sectors: Vec<(String, String)> =
        sqlx::query_as("select code, name from sector order by position")
            .fetch_all(&mut *conn)
            .await?;
    let regions: Vec<(String, String)> =
        sqlx::query_as("select code, name from region order by name collate fr_tri")
            .fetch_all(&mut *conn)
            .await?;
    let owned = |set: &[(&str, &str)]| -> Vec<(String, String)> {
        set.iter()
            .map(|(k, l)| ((*k).to_owned(), (*l).to_owned()))
            .collect()
    };
    Ok(vec![
        ("axe", "Axe", axes),
        ("filiere", "Filière", sectors),
        ("public", "Public", owned(codes::PUBLICS)),
        ("region", "Région", regions),
        (
            "territoire",
            "Type de territoire",
            owned(codes::TERRITORY_TYPES),
        ),
        ("budget", "Budget", owned(codes::BUDGET_RANGES)),
    ])
}

/// The facets, each listing the values that would show something (and the one chosen).
fn facets(
    vocabulary: Vec<Vocabulary>,
    counts: &[(String, Option<String>, i64)],
    f: &Filters,
) -> Vec<Facet> {
    let chosen = |name: &str| match name {
        "axe" => f.axe.trim(),
        "filiere" => f.filiere.trim(),
        "public" => f.public.trim(),
        "region" => f.region.trim(),
        "territoire" => f.territoire.trim(),
        _ => f.budget.trim(),
    };
    vocabulary
        .into_iter()
        .map(|(name, label, values)| Facet {
            name,
            label,
            choices: values
                .into_iter()
                .filter_map(|(code, label)| {
                    let count = counts
                        .iter()
                        .find(|(fa, c, _)| fa == name && c.as_deref() == Some(code.as_str()))
                        .map(|x| x.2)
                        .unwrap_or(0);
                    let selected = chosen(name) == code;
                    (count > 0 || selected).then_some(Choice {
                        code,
                        label,
                        count,
                        selected,
                    })
                })
                .collect(),
        })
        .collect()
}

pub async fn library(
    Signed { state, user, ctx }: Signed,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    policy::ensure(rules::can_browse_library(&user))?;
    let mut conn = state.db.acquire().await?;
    let b = f.binds();
    let pager = Pager::parse(&f.page, PAGE_SIZE);
    let facets_sql = facets_sql();
    let counts: Vec<(String, Option<String>, i64)> = bind_all(sqlx::query_as(&facets_sql), &b)
        .fetch_all(&mut *conn)
        .await?;
    let list_sql = list_sql();
    let lines: Vec<Line> = bind_all(sqlx::query_as(&list_sql), &b)
        .bind(pager.per_page())
        .bind(pager.offset())
        .fetch_all(&mut *conn)
        .await?;
    let total = counts
        .iter()
        .find(|c| c.0 == "total")
        .map(|c| c.2)
        .unwrap_or(0);
    let remarkable_count = counts
        .iter()
        .find(|c| c.0 == "remarquable")
        .map(|c| c.2)
        .unwrap_or(0);
    let vocabulary = vocabulary(&mut conn).await?;
    let page = LibraryPage {
        ctx,
        facets: facets(vocabulary, &counts, &f),
        filtered: !b.q.is_empty()
            || b.axis.is_some()
            || [b.sector, b.public, b.region, b.territory, b.budget]
                .iter()
                .any(Option::is_some)
            || b.remarkable,
        remarkable: b.remarkable,
        q: b.q.clone(),
        remarkable_count,
        lines,
        total_text: format::counted(total, "pratique", "pratiques"),
        pagination: pager.counted(total, &f.links()),
        can_see_pipeline: rules::can_see_pipeline(&user),
    };
    forms::render(&page, StatusCode::OK)
}
