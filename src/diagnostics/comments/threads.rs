//! A diagnostic's comments as they are read: each top-level comment with its replies, in one query
//! whatever their number, grouped by section for the page.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::diagnostic::CommentStatus;
use crate::web::format;

use crate::diagnostics::Diagnostic;

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

pub async fn comments(conn: &mut PgConnection, d: &Diagnostic) -> sqlx::Result<Comments> {
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
pub async fn open_threads(
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
