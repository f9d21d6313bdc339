//! The parts of a diagnostic's report read from the database: the head's facts, the sections, the
//! indicator values with their comparisons, the documents and the workflow's timeline. The page
//! (`show.rs`) and the print view (`export.rs`) both draw them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::web::format;

use super::comments::threads::CommentView;
use super::{Diagnostic, Status};

#[derive(sqlx::FromRow)]
pub struct SectionRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: Option<String>,
}

pub struct SectionView {
    pub id: i64,
    pub title: String,
    pub html: std::sync::Arc<str>,
    pub empty: bool,
    pub updated: String,
    pub updated_by: String,
    pub open_comments: usize,
    pub comments: Vec<CommentView>,
    pub first: bool,
    pub last: bool,
}

pub async fn sections(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<SectionRow>> {
    sqlx::query_as(
        "select s.id, s.title, s.body, s.updated_at, a.name as updated_by_name
         from diagnostic_section s left join account a on a.id = s.updated_by
         where s.diagnostic_id = $1 order by s.position, s.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

#[derive(sqlx::FromRow)]
pub struct ValueRow {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub unit: String,
    pub theme: String,
    pub per_capita: bool,
    /// `effectif` (a count) or `taux` (a share, a ratio): what may be compared with what.
    pub measure: String,
    pub value: f64,
    pub year: i32,
    pub territory: String,
    pub source: String,
    pub comparison_level: Option<String>,
    pub comparison_value: Option<f64>,
    /// The population of the Maison's territory (its communes, reference geography).
    pub territory_population: Option<f64>,
    /// The population of the comparison territory (the Maison's département, région, or France).
    pub comparison_population: Option<f64>,
}

pub fn comparison_label(level: &str) -> &'static str {
    match level {
        "departement" => "Département",
        "region" => "Région",
        "france" => "France",
        _ => "",
    }
}

/// What the « écart » of a value compares: the values themselves (a rate), or both per 1,000 inhabitants
/// of their own territory (a count of a territory against the count of a larger one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GapBasis {
    AsIs,
    PerThousand,
}

impl ValueRow {
    pub fn value_shown(&self) -> String {
        format::decimal(self.value, 2)
    }
    pub fn level_label(&self) -> &'static str {
        comparison_label(self.comparison_level.as_deref().unwrap_or(""))
    }
    pub fn comparison_shown(&self) -> String {
        self.comparison_value
            .map(|c| format::decimal(c, 2))
            .unwrap_or_default()
    }
    fn is_rate(&self) -> bool {
        self.measure == "taux"
    }
    /// The two comparable figures (the value's, the comparison's) and on what basis, or `None` when the
    /// value and its comparison cannot be compared: a count that does not relate to the population (the
    /// population itself), or whose territories' populations are unknown.
    pub fn comparable(&self) -> Option<(f64, f64, GapBasis)> {
        let c = self.comparison_value?;
        if self.is_rate() {
            return Some((self.value, c, GapBasis::AsIs));
        }
        if !self.per_capita {
            return None;
        }
        let own = self.territory_population.filter(|p| *p > 0.0)?;
        let other = self.comparison_population.filter(|p| *p > 0.0)?;
        Some((
            self.value * 1000.0 / own,
            c * 1000.0 / other,
            GapBasis::PerThousand,
        ))
    }
    /// The gap between the comparable figures, in their unit (per 1,000 inhabitants for a count).
    pub fn gap(&self) -> Option<f64> {
        self.comparable().map(|(a, b, _)| a - b)
    }
    pub fn gap_basis_label(&self) -> &'static str {
        match self.comparable() {
            Some((_, _, GapBasis::AsIs)) if self.unit == "%" => "en points",
            Some((_, _, GapBasis::AsIs)) => "valeurs comparées telles quelles",
            Some((_, _, GapBasis::PerThousand)) => "pour 1 000 habitants",
            None => "",
        }
    }
    /// `+3,9 pour 1 000 hab. (+23,9 %)`, `−5,3 pts`, `−0,12 (−13 %)`; empty when nothing compares.
    pub fn gap_shown(&self) -> String {
        let Some((a, b, basis)) = self.comparable() else {
            return String::new();
        };
        let g = a - b;
        let sign = if g > 0.0 { "+" } else { "" };
        let abs = format!("{sign}{}", format::decimal(g, 2));
        if basis == GapBasis::AsIs && self.unit == "%" {
            return format!("{abs}\u{a0}pts");
        }
        let abs = if basis == GapBasis::PerThousand {
            format!("{abs} pour 1\u{202f}000\u{a0}hab.")
        } else {
            abs
        };
        if b != 0.0 {
            let pct = g / b.abs() * 100.0;
            let psign = if pct > 0.0 { "+" } else { "" };
            format!("{abs} ({psign}{}\u{a0}%)", format::decimal(pct, 1))
        } else {
            abs
        }
    }
    pub fn gap_class(&self) -> &'static str {
        match self.gap() {
            Some(g) if g > 0.0 => "num gap-up",
            Some(g) if g < 0.0 => "num gap-down",
            _ => "num",
        }
    }
    pub fn per_thousand(&self) -> String {
        match self.territory_population {
            Some(p) if self.per_capita && !self.is_rate() && p > 0.0 => {
                let x = self.value * 1000.0 / p;
                // Rare counts (RGE firms: 0,15 per 1,000) keep two decimals, frequent ones one.
                format::decimal(x, if x.abs() < 10.0 { 2 } else { 1 })
            }
            _ => String::new(),
        }
    }
}

/// The indicator values of a diagnostic, with the populations their comparisons need: the Maison's
/// territory and, once for all rows, its département, its région and France (metropolitan and overseas
/// regions), summed over the reference communes.
pub async fn values(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<ValueRow>> {
    sqlx::query_as(
        "with m as (
             select m.id, m.departement_code, m.region_code
             from diagnostic d join maison m on m.id = d.maison_id where d.id = $1
         ),
         pops as (
             select (select sum(c.population) from commune c
                     where c.epci_siren in (select epci_siren from maison_epci where maison_id = m.id))::float8 as own,
                    (select sum(c.population) from commune c where c.departement_code = m.departement_code)::float8 as departement,
                    (select sum(c.population) from commune c where c.region_code = m.region_code)::float8 as region,
                    (select sum(c.population) from commune c join region r on r.code = c.region_code
                     where r.zone in ('metro', 'drom'))::float8 as france
             from m
             where exists (select 1 from indicator_value v where v.diagnostic_id = $1)
         )
         select v.id, i.code, i.label, i.unit, i.theme, i.per_capita, i.measure, v.value, v.year, v.territory,
                v.source, v.comparison_level, v.comparison_value, pops.own as territory_population,
                case v.comparison_level when 'departement' then pops.departement when 'region' then pops.region
                     when 'france' then pops.france end as comparison_population
         from indicator_value v join indicator i on i.id = v.indicator_id
         left join pops on true
         where v.diagnostic_id = $1 order by i.theme, i.code, v.year, v.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

/// A document of the diagnostic, from the one document store.
pub use crate::web::documents::Document as DocumentRow;

pub async fn documents(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<DocumentRow>> {
    crate::web::documents::list(conn, crate::web::documents::Owner::Diagnostic(id)).await
}

#[derive(sqlx::FromRow)]
pub struct TransitionRow {
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub who: Option<String>,
    pub at: DateTime<Utc>,
    pub comment: String,
}

impl TransitionRow {
    pub fn next_label(&self) -> &'static str {
        self.to_status.label()
    }
    pub fn previous_label(&self) -> &'static str {
        self.from_status.map(Status::label).unwrap_or("")
    }
    pub fn at_shown(&self) -> String {
        format::datetime(self.at)
    }
    pub fn at_iso(&self) -> String {
        format::iso_datetime(self.at)
    }
}

pub async fn transitions(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<TransitionRow>> {
    sqlx::query_as(
        "select t.from_status, t.to_status, a.name as who, t.at, t.comment
         from transition t left join account a on a.id = t.account_id
         where t.object_type = 'diagnostic' and t.object_id = $1 order by t.at, t.id limit 200",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

/// Facts of the head of the report, shared by the page and the print view.
pub struct HeadFacts {
    pub sectors: Vec<String>,
    pub territory: String,
    pub population: i64,
    pub shares: Vec<String>,
    pub previous_title: Option<String>,
}

impl HeadFacts {
    pub fn population_shown(&self) -> String {
        format::int(self.population)
    }
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    sectors: Vec<String>,
    population: Option<i64>,
    territory: Option<String>,
    shares: Vec<String>,
    previous_title: Option<String>,
}

/// Everything the head of the report shows beyond the diagnostic itself, in one query.
pub async fn head_facts(conn: &mut PgConnection, d: &Diagnostic) -> sqlx::Result<HeadFacts> {
    let row: HeadRow = sqlx::query_as(
        "select
           array(select s.name from diagnostic_sector ds join sector s on s.code = ds.sector_code
                 where ds.diagnostic_id = $1 order by s.position) as sectors,
           (select sum(c.population)::bigint from commune c
            where c.epci_siren in (select epci_siren from maison_epci where maison_id = $2)) as population,
           (select string_agg(e.name, ', ' order by e.name) from epci e
            join maison_epci me on me.epci_siren = e.siren where me.maison_id = $2) as territory,
           array(select o.name from diagnostic_share s join organisation o on o.id = s.organisation_id
                 where s.diagnostic_id = $1 order by o.name) as shares,
           (select title from diagnostic where id = $3) as previous_title",
    )
    .bind(d.id)
    .bind(d.maison_id)
    .bind(d.previous_id)
    .fetch_one(conn)
    .await?;
    Ok(HeadFacts {
        sectors: row.sectors,
        territory: row.territory.unwrap_or_default(),
        population: row.population.unwrap_or(0),
        shares: row.shares,
        previous_title: row.previous_title,
    })
}
