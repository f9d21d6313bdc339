//! Writing a comment: on the whole diagnostic, on a section, or in reply to a comment, and publishing it.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::notify::{notify_comment, notify_reply};
use super::threads::CommentView;
use super::{check_body, closed, ensure_top_level, thread};
use crate::audit;
use crate::auth::policy::{self, diagnostics as rules};
use crate::diagnostics::{Diagnostic, load};
use crate::error::{AppError, AppResult};
use crate::web::forms::{self, FieldErrors};
use crate::web::markdown;
use crate::web::{Ctx, Form, Signed, outcome};

/// A section of the diagnostic, as the context of a comment on it: its title and rendered text.
async fn section_context(
    conn: &mut sqlx::PgConnection,
    id: i64,
    sid: i64,
) -> AppResult<(String, String)> {
    let (title, body): (String, String) = sqlx::query_as(
        "select title, body from diagnostic_section where id = $1 and diagnostic_id = $2",
    )
    .bind(sid)
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((title, markdown::render(&body)))
}

/// Where a comment is written: on the whole diagnostic, on a section (shown above the form), or in reply
/// to a comment (shown with its replies).
enum Place {
    General,
    Section {
        id: i64,
        title: String,
        html: String,
    },
    Reply(Box<CommentView>),
}

#[derive(Template)]
#[template(path = "diagnostics/comment_new.html")]
struct NewPage {
    ctx: Ctx,
    d: Diagnostic,
    place: Place,
    body: String,
    errors: FieldErrors,
}

impl NewPage {
    fn heading(&self) -> String {
        match &self.place {
            Place::General => "Commenter l'ensemble du diagnostic".into(),
            Place::Section { title, .. } => format!("Commenter la section « {title} »"),
            Place::Reply(c) => format!("Répondre au commentaire de {}", c.author),
        }
    }
    fn section_id(&self) -> String {
        match &self.place {
            Place::Section { id, .. } => id.to_string(),
            _ => String::new(),
        }
    }
    fn parent_id(&self) -> String {
        match &self.place {
            Place::Reply(c) => c.id.to_string(),
            _ => String::new(),
        }
    }
    fn back(&self) -> String {
        match &self.place {
            Place::General => format!("/diagnostics/{}#commentaires-generaux", self.d.id),
            Place::Section { id, .. } => format!("/diagnostics/{}#section-{id}", self.d.id),
            Place::Reply(c) => format!("/diagnostics/{}#commentaire-{}", self.d.id, c.id),
        }
    }
}

fn render_new(
    ctx: Ctx,
    d: Diagnostic,
    place: Place,
    body: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = NewPage {
        ctx,
        d,
        place,
        body,
        errors,
    };
    forms::render(&page, status)
}

#[derive(Deserialize)]
pub struct NewQuery {
    section: Option<String>,
}

/// The form for a comment on the whole diagnostic, or on one section (`?section=`).
pub async fn new_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let place = match q
        .section
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Place::General,
        Some(s) => {
            let sid = s.parse().map_err(|_| AppError::NotFound)?;
            let (title, html) = section_context(&mut conn, id, sid).await?;
            Place::Section {
                id: sid,
                title,
                html,
            }
        }
    };
    if !rules::can_comment(&user, &d.access()) {
        return Err(closed());
    }
    render_new(ctx, d, place, String::new(), FieldErrors::default())
}

pub async fn reply_form(
    Signed { state, user, ctx }: Signed,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let c = thread(&mut conn, &d, cid).await?;
    ensure_top_level(&c)?;
    if !rules::can_comment(&user, &d.access()) {
        return Err(closed());
    }
    render_new(
        ctx,
        d,
        Place::Reply(Box::new(c)),
        String::new(),
        FieldErrors::default(),
    )
}

#[derive(Deserialize)]
pub struct NewComment {
    #[serde(default)]
    body: String,
    #[serde(default)]
    section_id: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    form_key: String,
}

fn optional_id(s: &str) -> AppResult<Option<i64>> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    s.trim()
        .parse()
        .map(Some)
        .map_err(|_| AppError::BadRequest("Le formulaire envoyé est mal formé.".into()))
}

/// Where the new comment goes (its section, its parent), checked: the parent is a visible top-level
/// comment of this diagnostic (one level of replies), whose section the reply takes; the section is one of
/// the diagnostic's.
async fn place_of(
    conn: &mut sqlx::PgConnection,
    id: i64,
    form: &NewComment,
) -> AppResult<(Option<i64>, Option<i64>)> {
    let section_id = optional_id(&form.section_id)?;
    let parent_id = optional_id(&form.parent_id)?;
    if let Some(p) = parent_id {
        let parent: (Option<i64>,) = sqlx::query_as(
            "select section_id from comment
             where id = $1 and diagnostic_id = $2 and parent_id is null and hidden_at is null
               and deleted_at is null",
        )
        .bind(p)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)?;
        return Ok((parent.0, parent_id));
    }
    if let Some(s) = section_id {
        let exists: bool = sqlx::query_scalar(
            "select exists (select 1 from diagnostic_section where id = $1 and diagnostic_id = $2)",
        )
        .bind(s)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        policy::ensure(exists)?;
    }
    Ok((section_id, None))
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<NewComment>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, false).await?;
    if !rules::can_comment(&user, &d.access()) {
        return Err(closed());
    }
    let (section_id, parent_id) = place_of(&mut tx, id, &form).await?;
    let body = match check_body(&form.body) {
        Ok(b) => b,
        Err(message) => {
            // Back to the form's own page, the message beside the field and the text kept.
            let place = match (parent_id, section_id) {
                (Some(p), _) => Place::Reply(Box::new(thread(&mut tx, &d, p).await?)),
                (None, Some(s)) => {
                    let (title, html) = section_context(&mut tx, id, s).await?;
                    Place::Section { id: s, title, html }
                }
                (None, None) => Place::General,
            };
            drop(tx);
            let mut errors = FieldErrors::default();
            errors.add("body", message);
            return render_new(ctx, d, place, form.body, errors);
        }
    };
    let anchor = match (parent_id, section_id) {
        (Some(p), _) => format!("#commentaire-{p}"),
        (None, Some(s)) => format!("#section-{s}"),
        (None, None) => "#commentaires-generaux".into(),
    };
    if !crate::web::idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        // A double submission: the first one was published.
        return Ok(Redirect::to(&format!("/diagnostics/{id}{anchor}")).into_response());
    }
    let cid: i64 = sqlx::query_scalar(
        "insert into comment (diagnostic_id, section_id, parent_id, author_id, body)
         values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(id)
    .bind(section_id)
    .bind(parent_id)
    .bind(user.id)
    .bind(&body)
    .fetch_one(&mut *tx)
    .await?;
    let what = if parent_id.is_some() {
        "Réponse publiée"
    } else {
        "Commentaire publié"
    };
    let summary = format!("{what} sur le diagnostic « {} »", d.title);
    let event = d.comment_change(&user, cid, "creation", summary, vec![]);
    audit::record(&mut *tx, event).await?;
    let link = d.comment_url(cid);
    match parent_id {
        None => notify_comment(&mut tx, &user, &d, &link).await?,
        Some(p) => notify_reply(&mut tx, &user, &d, p, cid, &link).await?,
    }
    outcome::committed(tx, &ctx, "Commentaire publié.", &link).await
}
