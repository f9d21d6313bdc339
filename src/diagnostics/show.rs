//! The page of a diagnostic, which reads like a report: head, sections (rendered Markdown) with their
//! comments, the indicator table, documents, the workflow timeline and the history. A bounded number of
//! queries whatever its size: every comment is loaded in one query and grouped here.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use super::{Diagnostic, Status, load};
use crate::audit::{self, HistoryEntry};
use crate::auth::CurrentUser;
use crate::auth::policy::diagnostics::{self as rules, Access};
use crate::domain::diagnostic::CommentStatus;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::markdown;
use crate::web::{Ctx, format};

pub fn router() -> Router<AppState> {
    Router::new().route("/diagnostics/{id}", get(show))
}

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

#[derive(sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by_name: Option<String>,
}

impl DocumentRow {
    pub fn size(&self) -> String {
        let b = self.size_bytes as f64;
        if b >= 1024.0 * 1024.0 {
            format!("{}\u{a0}Mo", format::decimal(b / 1024.0 / 1024.0, 1))
        } else {
            format!("{}\u{a0}ko", format::decimal((b / 1024.0).max(1.0), 0))
        }
    }
    pub fn uploaded(&self) -> String {
        format::datetime(self.uploaded_at)
    }
    pub fn kind(&self) -> &'static str {
        super::documents::kind_label(&self.content_type)
    }
}

pub async fn documents(conn: &mut PgConnection, id: i64) -> sqlx::Result<Vec<DocumentRow>> {
    sqlx::query_as(
        "select d.id, d.filename, d.content_type, d.size_bytes, d.uploaded_at, a.name as uploaded_by_name
         from diagnostic_document d left join account a on a.id = d.uploaded_by
         where d.diagnostic_id = $1 order by d.uploaded_at, d.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: i64,
    section_id: Option<i64>,
    parent_id: Option<i64>,
    author_id: i64,
    author_name: String,
    author_from: Option<String>,
    body: String,
    status: CommentStatus,
    answer: String,
    answered_by_name: Option<String>,
    answered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    hidden_at: Option<DateTime<Utc>>,
}

pub struct CommentView {
    pub id: i64,
    pub section_id: Option<i64>,
    /// Filled in only where one thread is shown on its own (the comment pages).
    pub section_title: String,
    pub author_id: i64,
    pub author: String,
    pub author_from: String,
    pub body: String,
    pub status: CommentStatus,
    pub answer: String,
    pub answered_by: String,
    pub answered_at: String,
    pub at: String,
    pub at_iso: String,
    pub created_at: DateTime<Utc>,
    pub edited: bool,
    pub hidden: bool,
    pub is_reply: bool,
    pub replies: Vec<CommentView>,
}

impl CommentView {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
    pub fn status_badge(&self) -> &'static str {
        self.status.badge()
    }
}

pub struct Comments {
    /// Comments and replies, all told.
    pub count: usize,
    pub general: Vec<CommentView>,
    pub by_section: std::collections::HashMap<i64, Vec<CommentView>>,
}

/// The top-level comments of a diagnostic in order, each with its replies; `only`: one thread (a comment
/// and its replies). One query whatever the number of comments. The same for every reader: who may
/// edit which comment is decided when the page is drawn (`Can::edit_comment`).
pub async fn comment_threads(
    conn: &mut PgConnection,
    d: &Diagnostic,
    only: Option<i64>,
) -> sqlx::Result<Vec<CommentView>> {
    let rows: Vec<CommentRow> = sqlx::query_as(
        "select c.id, c.section_id, c.parent_id, c.author_id, a.name as author_name,
                coalesce(o.name, m.name, case when a.role = 'admin' then 'Alliance Villes Emploi' end) as author_from,
                c.body, c.status, c.answer, ab.name as answered_by_name, c.answered_at, c.created_at,
                c.edited_at, c.hidden_at
         from comment c
         join account a on a.id = c.author_id
         left join organisation o on o.id = a.organisation_id
         left join maison m on m.id = a.maison_id
         left join account ab on ab.id = c.answered_by
         where c.diagnostic_id = $1 and c.deleted_at is null
           and ($2::bigint is null or c.id = $2 or c.parent_id = $2)
         order by c.created_at, c.id
         limit 5000",
    )
    .bind(d.id)
    .bind(only)
    .fetch_all(conn)
    .await?;
    let mut tops: Vec<CommentView> = Vec::new();
    let mut index: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for r in rows {
        let hidden = r.hidden_at.is_some();
        let view = CommentView {
            id: r.id,
            section_id: r.section_id,
            section_title: String::new(),
            author_id: r.author_id,
            author: r.author_name,
            author_from: r.author_from.unwrap_or_default(),
            body: if hidden { String::new() } else { r.body },
            status: r.status,
            answer: if hidden { String::new() } else { r.answer },
            answered_by: r.answered_by_name.unwrap_or_default(),
            answered_at: r.answered_at.map(format::datetime).unwrap_or_default(),
            at: format::datetime(r.created_at),
            at_iso: format::iso_datetime(r.created_at),
            created_at: r.created_at,
            edited: r.edited_at.is_some(),
            hidden,
            is_reply: r.parent_id.is_some(),
            replies: Vec::new(),
        };
        match r.parent_id.and_then(|p| index.get(&p).copied()) {
            Some(i) => tops[i].replies.push(view),
            None => {
                index.insert(view.id, tops.len());
                tops.push(view);
            }
        }
    }
    Ok(tops)
}

async fn comments(conn: &mut PgConnection, d: &Diagnostic) -> sqlx::Result<Comments> {
    let mut out = Comments {
        count: 0,
        general: Vec::new(),
        by_section: std::collections::HashMap::new(),
    };
    for view in comment_threads(conn, d, None).await? {
        out.count += 1 + view.replies.len();
        match view.section_id {
            Some(s) => out.by_section.entry(s).or_default().push(view),
            None => out.general.push(view),
        }
    }
    Ok(out)
}

/// The open threads of the diagnostic per section (`None`: on the whole diagnostic), as the one view
/// `open_comment_thread` defines them: a thread is open while its root comment is.
async fn open_threads(
    conn: &mut PgConnection,
    id: i64,
) -> sqlx::Result<std::collections::HashMap<Option<i64>, usize>> {
    let rows: Vec<(Option<i64>, i64)> = sqlx::query_as(
        "select section_id, count(*) from open_comment_thread where diagnostic_id = $1 group by section_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(s, n)| (s, usize::try_from(n).unwrap_or(0)))
        .collect())
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

pub struct Can {
    pub edit: bool,
    pub share: bool,
    pub validate: bool,
    pub archive: bool,
    pub new_version: bool,
    pub comment: bool,
    pub answer: bool,
    pub hide: bool,
    user: CurrentUser,
    access: Access,
    now: DateTime<Utc>,
}

impl Can {
    pub fn of(user: &CurrentUser, d: &Diagnostic) -> Can {
        let a = d.access();
        Can {
            edit: rules::can_edit(user, &a),
            share: rules::can_share(user, &a),
            validate: rules::can_validate(user, &a),
            archive: rules::can_archive(user, &a),
            new_version: rules::can_start_new_version(user, &a),
            comment: rules::can_comment(user, &a),
            answer: rules::can_answer_comments(user, &a),
            hide: rules::can_hide_comment(user, &a),
            user: user.clone(),
            access: a,
            now: Utc::now(),
        }
    }

    /// Whether the asking account may still edit this comment (its author, within the delay).
    pub fn edit_comment(&self, c: &CommentView) -> bool {
        // Minutes rounded as the edit handler counts them in SQL, so the link and the form agree.
        let minutes = ((self.now - c.created_at).num_seconds() as f64 / 60.0).round() as i64;
        !c.hidden && rules::can_edit_comment(&self.user, &self.access, c.author_id, minutes)
    }
}

/// What the page shows of a diagnostic beyond its own row: the same for everyone who may read it (who
/// may do what is decided per request, by `Can`), so it is computed once per change and kept in the
/// process cache (`crate::cache`).
pub struct Report {
    facts: HeadFacts,
    sections: Vec<SectionView>,
    general: Vec<CommentView>,
    general_open: usize,
    comment_count: usize,
    values: Vec<ValueRow>,
    documents: Vec<DocumentRow>,
    transitions: Vec<TransitionRow>,
    history: Vec<HistoryEntry>,
}

async fn report(conn: &mut PgConnection, d: &Diagnostic) -> AppResult<Report> {
    let facts = head_facts(conn, d).await?;
    let rows = sections(conn, d.id).await?;
    let mut comments = comments(conn, d).await?;
    let open = open_threads(conn, d.id).await?;
    let values = values(conn, d.id).await?;
    let documents = documents(conn, d.id).await?;
    let transitions = transitions(conn, d.id).await?;
    let history = audit::history(conn, "diagnostic", d.id).await?;
    let n = rows.len();
    let sections = rows
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let list = comments.by_section.remove(&s.id).unwrap_or_default();
            SectionView {
                id: s.id,
                html: markdown::render_cached(&s.body),
                empty: s.body.trim().is_empty(),
                title: s.title,
                updated: format::datetime(s.updated_at),
                updated_by: s.updated_by_name.unwrap_or_default(),
                open_comments: open.get(&Some(s.id)).copied().unwrap_or(0),
                comments: list,
                first: i == 0,
                last: i + 1 == n,
            }
        })
        .collect();
    Ok(Report {
        facts,
        sections,
        general_open: open.get(&None).copied().unwrap_or(0),
        general: comments.general,
        comment_count: comments.count,
        values,
        documents,
        transitions,
        history,
    })
}

/// The cache key of the report as it stands: the diagnostic row (its `updated_at` moves with every write
/// to sections, indicators, documents, shares and the workflow) and the comments (they leave the row
/// alone). So a page read right after a write, in any process, never gets the report from before it; the
/// cache's own invalidation and lifetime cover the rest (a renamed author, say).
async fn report_key(conn: &mut PgConnection, d: &Diagnostic) -> sqlx::Result<String> {
    // Every write to a comment sets one of its moments to the writing transaction's time: their exact
    // (numeric) sum moves with each of them.
    let (count, moments): (i64, String) = sqlx::query_as(
        "select count(*),
                coalesce(sum(extract(epoch from created_at)
                             + coalesce(extract(epoch from edited_at), 0)
                             + coalesce(extract(epoch from answered_at), 0)
                             + coalesce(extract(epoch from hidden_at), 0)
                             + coalesce(extract(epoch from deleted_at), 0)), 0)::text
         from comment where diagnostic_id = $1",
    )
    .bind(d.id)
    .fetch_one(conn)
    .await?;
    Ok(format!(
        "diagnostic:{}:{}:{}:{count}:{moments}",
        d.id,
        d.version,
        d.updated_at.timestamp_micros()
    ))
}

async fn cached_report(state: &AppState, key: String, d: &Diagnostic) -> AppResult<Arc<Report>> {
    let db = state.db.clone();
    let d = d.clone();
    state
        .network_cache
        .get_or_compute(key, || async move {
            let mut conn = db.acquire().await?;
            report(&mut conn, &d).await
        })
        .await
}

#[derive(Template)]
#[template(path = "diagnostics/show.html")]
struct ShowPage<'a> {
    ctx: Ctx,
    d: Diagnostic,
    facts: &'a HeadFacts,
    sections: &'a [SectionView],
    general: &'a [CommentView],
    general_open: usize,
    values: &'a [ValueRow],
    documents: &'a [DocumentRow],
    transitions: &'a [TransitionRow],
    history: &'a [HistoryEntry],
    can: Can,
}

impl ShowPage<'_> {
    fn status(&self) -> Status {
        self.d.status()
    }
    fn validated_on(&self) -> String {
        self.d.validated_on.map(format::date).unwrap_or_default()
    }
    /// Validated or archived: comments are closed, the threads still open were left unanswered.
    fn comments_closed(&self) -> bool {
        matches!(self.status(), Status::Valide | Status::Archive)
    }
    fn open_badge(&self) -> &'static str {
        if self.comments_closed() {
            "badge badge-muted"
        } else {
            "badge badge-warning"
        }
    }
    fn open_word(&self, n: &usize) -> &'static str {
        match (self.comments_closed(), *n == 1) {
            (true, _) => "sans réponse",
            (false, true) => "ouvert",
            (false, false) => "ouverts",
        }
    }
    fn total_open(&self) -> usize {
        self.general_open + self.sections.iter().map(|s| s.open_comments).sum::<usize>()
    }
}

pub fn date_shown(d: Option<NaiveDate>) -> String {
    d.map(format::date).unwrap_or_default()
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let key = report_key(&mut conn, &d).await?;
    // The connection goes back before the report may need one: two per request could drain the pool.
    drop(conn);
    let report = cached_report(&state, key, &d).await?;
    let can = Can::of(&user, &d);
    let page = ShowPage {
        ctx,
        d,
        facts: &report.facts,
        sections: &report.sections,
        general: &report.general,
        general_open: report.general_open,
        values: &report.values,
        documents: &report.documents,
        transitions: &report.transitions,
        history: &report.history,
        can,
    };
    // Sized up front: the page runs to hundreds of kilobytes, which growing a small buffer copies
    // several times over.
    let mut html =
        String::with_capacity(32 * 1024 + report.comment_count * 800 + report.values.len() * 500);
    page.render_into(&mut html)?;
    Ok(Html(html).into_response())
}
