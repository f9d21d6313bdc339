//! `/comparaison`: for one catalogue indicator, the distribution across the Maisons (median, quartiles;
//! per 1,000 inhabitants where the indicator says so) and where a Maison stands.
//!
//! Only validated diagnostics feed the distribution, so no Maison's draft value ever reaches another. A
//! Maison's staff see the anonymous distribution and their own position — from their latest validated
//! diagnostic, or from their own draft, flagged as such and not counted. Admins may pick any Maison.
//! The population of a Maison is the sum of its communes' populations over the EPCI of its territory.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::auth::policy;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, Signed, format};

use super::Choice;

#[derive(Deserialize, Default)]
pub struct CompareQuery {
    #[serde(default)]
    indicateur: String,
    #[serde(default)]
    maison: String,
}

#[derive(sqlx::FromRow)]
struct IndicatorRow {
    id: i64,
    code: String,
    label: String,
    unit: String,
    per_capita: bool,
}

#[derive(sqlx::FromRow, Debug)]
pub struct Distribution {
    pub n: i64,
    pub min: Option<f64>,
    pub q1: Option<f64>,
    pub median: Option<f64>,
    pub q3: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    /// The years of the values compared (each Maison's latest).
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
}

/// Below this many values, quarters of the network say nothing (with one Maison, it is « in the last
/// quarter » of itself): the position is then given by rank only.
pub const MIN_FOR_QUARTERS: i64 = 4;

#[derive(sqlx::FromRow)]
struct Position {
    raw: f64,
    x: Option<f64>,
    year: i32,
    validated: bool,
    below: i64,
    /// The other Maisons with a value (the one situated is not compared with itself).
    others: i64,
}

/// The value of each Maison for indicator $1: from its latest validated diagnostic, latest year;
/// normalised per 1,000 inhabitants when $2.
///
/// The CTEs are materialised so that each value is computed once; the population is summed per EPCI
/// first (one pass over the communes, hashed) rather than commune by commune for each Maison.
const NETWORK_VALUES: &str = "
    vals as materialized (
        select distinct on (d.maison_id) d.maison_id, iv.value, iv.year
        from indicator_value iv
        join diagnostic d on d.id = iv.diagnostic_id
        where iv.indicator_id = $1 and d.status = 'valide'
        order by d.maison_id, iv.year desc, d.created_at desc, iv.id desc
    ),
    pop as materialized (
        select me.maison_id, sum(ep.population) as population
        from maison_epci me
        join (select epci_siren, sum(population) as population from commune group by epci_siren) ep
          on ep.epci_siren = me.epci_siren
        where $2 and me.maison_id in (select maison_id from vals)
        group by me.maison_id
    ),
    norm as materialized (
        select v.maison_id,
               case when $2 then v.value * 1000.0 / nullif(pop.population, 0) else v.value end as x,
               v.year
        from vals v left join pop on pop.maison_id = v.maison_id
    )";

pub struct Stat {
    pub label: &'static str,
    pub value: String,
}

pub struct OwnPosition {
    /// « de la Maison de l'emploi de Lille Métropole »: the name with its article.
    pub of_maison: String,
    pub value: String,
    pub raw: String,
    pub year: i32,
    pub validated: bool,
    /// Where it stands by quarter of the network; `None` with too few values for quarters.
    pub quartile: Option<&'static str>,
    pub rank: String,
}

/// How many of the other Maisons have a lower value, said in French that agrees with the numbers.
fn rank_text(below: i64, others: i64) -> String {
    match others {
        0 => "aucune autre Maison n'a de valeur validée à laquelle la comparer".into(),
        1 => format!(
            "l'autre Maison comparée a une valeur {}",
            if below == 1 {
                "inférieure"
            } else {
                "égale ou supérieure"
            }
        ),
        _ => format!(
            "{} des {} autres Maisons comparées {} une valeur inférieure",
            format::int(below),
            format::int(others),
            if below > 1 { "ont" } else { "a" }
        ),
    }
}

#[derive(Template)]
#[template(path = "reseau/compare.html")]
struct ComparePage {
    ctx: Ctx,
    indicators: Vec<Choice>,
    maisons: Vec<Choice>,
    can_pick_maison: bool,
    indicator: Option<String>,
    /// « 2024 » or « 2023 à 2025 »: the years of the values compared.
    years: String,
    unit: String,
    per_capita: bool,
    stats: Vec<Stat>,
    count: i64,
    min_for_quarters: i64,
    position: Option<OwnPosition>,
    no_own_value: bool,
}

pub async fn page(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<CompareQuery>,
) -> AppResult<Response> {
    policy::ensure(policy::reseau::can_compare_indicators(&user))?;
    let can_pick = policy::reseau::can_name_maisons_in_comparison(&user);
    let maison_id = if can_pick {
        q.maison.trim().parse::<i64>().ok()
    } else {
        user.maison_id
    };
    let all: Vec<IndicatorRow> = sqlx::query_as(
        "select id, code, label, unit, per_capita from indicator where active and for_diagnostics
         order by theme, label, id",
    )
    .fetch_all(&state.db)
    .await?;
    let chosen = all.iter().find(|i| i.code == q.indicateur.trim());
    let mut page = ComparePage {
        ctx,
        indicators: indicator_choices(&all, chosen),
        maisons: if can_pick {
            maison_choices(&state, maison_id).await?
        } else {
            Vec::new()
        },
        can_pick_maison: can_pick,
        indicator: None,
        years: String::new(),
        unit: String::new(),
        per_capita: false,
        stats: Vec::new(),
        count: 0,
        min_for_quarters: MIN_FOR_QUARTERS,
        position: None,
        no_own_value: false,
    };
    if let Some(ind) = chosen {
        let dist = distribution(&state, ind.id, ind.per_capita).await?;
        page.stats = stats(&dist);
        page.count = dist.n;
        page.years = years_text(&dist);
        page.indicator = Some(format!("{} ({})", ind.label, ind.code));
        page.per_capita = ind.per_capita;
        if let Some(mid) = maison_id {
            page.position = own_position(&state, ind, mid, &dist).await?;
            page.no_own_value = page.position.is_none();
        }
        page.unit = if ind.per_capita {
            format!("{} pour 1 000 habitants", ind.unit)
        } else {
            ind.unit.clone()
        };
    }
    Ok(Html(page.render()?).into_response())
}

/// The indicators' select, the one chosen selected.
fn indicator_choices(all: &[IndicatorRow], chosen: Option<&IndicatorRow>) -> Vec<Choice> {
    all.iter()
        .map(|i| Choice {
            value: i.code.clone(),
            label: format!("{} ({})", i.label, i.unit),
            selected: chosen.is_some_and(|c| c.id == i.id),
        })
        .collect()
}

/// The Maisons' select (for those who may name any Maison), the one situated selected.
async fn maison_choices(state: &AppState, maison_id: Option<i64>) -> AppResult<Vec<Choice>> {
    let list: Vec<(i64, String)> =
        sqlx::query_as("select id, name from maison order by sort_key, id")
            .fetch_all(&state.db)
            .await?;
    Ok(list
        .into_iter()
        .map(|(id, name)| Choice {
            selected: maison_id == Some(id),
            value: id.to_string(),
            label: name,
        })
        .collect())
}

/// The distribution's figures, in the page's order.
fn stats(dist: &Distribution) -> Vec<Stat> {
    let show = |x: Option<f64>| {
        x.map(|x| format::decimal(x, 2))
            .unwrap_or_else(|| "—".into())
    };
    [
        ("Minimum", dist.min),
        ("Premier quartile", dist.q1),
        ("Médiane", dist.median),
        ("Troisième quartile", dist.q3),
        ("Maximum", dist.max),
        ("Moyenne", dist.mean),
    ]
    .into_iter()
    .map(|(label, x)| Stat {
        label,
        value: show(x),
    })
    .collect()
}

/// « 2024 » or « 2023 à 2025 »: the years of the values compared.
fn years_text(dist: &Distribution) -> String {
    match (dist.first_year, dist.last_year) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a} à {b}"),
        _ => String::new(),
    }
}

/// Where the Maison `maison_id` stands in the distribution; `None` when it has no value (404 for a Maison
/// that does not exist).
async fn own_position(
    state: &AppState,
    ind: &IndicatorRow,
    maison_id: i64,
    dist: &Distribution,
) -> AppResult<Option<OwnPosition>> {
    let name: Option<String> = sqlx::query_scalar("select name from maison where id = $1")
        .bind(maison_id)
        .fetch_optional(&state.db)
        .await?;
    let name = name.ok_or(AppError::NotFound)?;
    let pos = position(state, ind.id, ind.per_capita, maison_id).await?;
    Ok(pos.map(|p| {
        let x = p.x.unwrap_or(p.raw);
        OwnPosition {
            of_maison: format::of_name(&name),
            value: format::decimal(x, 2),
            raw: format::decimal(p.raw, 2),
            year: p.year,
            validated: p.validated,
            quartile: (dist.n >= MIN_FOR_QUARTERS).then(|| quartile_label(x, dist)),
            rank: rank_text(p.below, p.others),
        }
    }))
}

fn quartile_label(x: f64, d: &Distribution) -> &'static str {
    match (d.q1, d.median, d.q3) {
        (Some(q1), Some(m), Some(q3)) => {
            if x < q1 {
                "dans le premier quart (sous le premier quartile)"
            } else if x < m {
                "dans le deuxième quart (entre le premier quartile et la médiane)"
            } else if x < q3 {
                "dans le troisième quart (entre la médiane et le troisième quartile)"
            } else {
                "dans le dernier quart (au-dessus du troisième quartile)"
            }
        }
        _ => "sans comparaison possible (aucune valeur validée dans le réseau)",
    }
}

/// The network's distribution (validated diagnostics only), computed by PostgreSQL.
pub async fn distribution(
    state: &AppState,
    indicator_id: i64,
    per_capita: bool,
) -> sqlx::Result<Distribution> {
    sqlx::query_as(&format!(
        "with {NETWORK_VALUES}
         select count(x) as n, min(x) as min,
                percentile_cont(0.25) within group (order by x) as q1,
                percentile_cont(0.5) within group (order by x) as median,
                percentile_cont(0.75) within group (order by x) as q3,
                max(x) as max, avg(x) as mean, min(year) as first_year, max(year) as last_year
         from norm where x is not null"
    ))
    .bind(indicator_id)
    .bind(per_capita)
    .fetch_one(&state.db)
    .await
}

/// A Maison's own value: its latest validated diagnostic's, else its own latest draft's (flagged).
async fn position(
    state: &AppState,
    indicator_id: i64,
    per_capita: bool,
    maison_id: i64,
) -> sqlx::Result<Option<Position>> {
    sqlx::query_as(&format!(
        "with {NETWORK_VALUES},
         own as (
             select iv.value as raw, iv.year, d.status = 'valide' as validated
             from indicator_value iv join diagnostic d on d.id = iv.diagnostic_id
             where iv.indicator_id = $1 and d.maison_id = $3 and d.status <> 'archive'
             order by (d.status = 'valide') desc, iv.year desc, d.created_at desc, iv.id desc
             limit 1
         ),
         own_x as (
             select own.*, case when $2 then own.raw * 1000.0 / nullif((
                        select sum(c.population) from maison_epci me join commune c on c.epci_siren = me.epci_siren
                        where me.maison_id = $3), 0)
                    else own.raw end as x
             from own
         )
         select own_x.raw, own_x.x, own_x.year, own_x.validated,
                (select count(*) from norm where norm.x < own_x.x and norm.maison_id <> $3) as below,
                (select count(*) from norm where norm.x is not null and norm.maison_id <> $3) as others
         from own_x"
    ))
    .bind(indicator_id)
    .bind(per_capita)
    .bind(maison_id)
    .fetch_optional(&state.db)
    .await
}
