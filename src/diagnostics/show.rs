//! The page of a diagnostic, which reads like a report: head, sections (rendered Markdown) with their
//! comments, the indicator table, documents, the workflow timeline and the history. A bounded number of
//! queries whatever its size: every comment is loaded in one query (`comments::threads`) and grouped
//! there; the other parts are read by `report.rs`.

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::audit::{self, HistoryEntry};
use crate::auth::CurrentUser;
use crate::auth::policy::diagnostics::{self as rules, Access};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::markdown;
use crate::web::{Ctx, Signed, format};

use super::comments::threads::{CommentView, comments, open_threads};
use super::report::{
    DocumentRow, HeadFacts, SectionView, TransitionRow, ValueRow, documents, head_facts, sections,
    transitions, values,
};
use super::{Diagnostic, Status, load};

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
            let empty = s.body.trim().is_empty();
            SectionView {
                id: s.id,
                html: markdown::render_cached(&s.body),
                empty,
                title: s.title,
                updated: format::datetime(s.updated_at),
                // An empty section was written by nobody: no « Dernière modification par ».
                updated_by: if empty {
                    String::new()
                } else {
                    s.updated_by_name.unwrap_or_default()
                },
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

pub async fn show(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
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
