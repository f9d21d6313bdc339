//! Comments on a diagnostic or one of its sections: one level of replies, the author edits within 15
//! minutes (marked "modifié"), the Maison answers (pris en compte / sans suite), staff and admins hide
//! abusive comments (the text is kept in the journal). Nobody comments after validation.
//!
//! The diagnostic page only links to the small pages here (comment, reply, answer, edit, hide), each
//! showing the comment in context; a form that does not validate comes back on its page with status 422,
//! the message beside the field and the typed text kept; success goes back to the comment's anchor.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::show::{CommentView, comment_threads};
use super::{Diagnostic, load};
use crate::audit::{self, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, diagnostics as rules};
use crate::domain::diagnostic::CommentStatus;
use crate::error::{AppError, AppResult};
use crate::notifications;
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::markdown;
use crate::web::{Ctx, Form, outcome};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/diagnostics/{id}/commentaires", post(create))
        .route("/diagnostics/{id}/commentaires/nouveau", get(new_form))
        .route(
            "/diagnostics/{id}/commentaires/{cid}/repondre",
            get(reply_form),
        )
        .route(
            "/diagnostics/{id}/commentaires/{cid}/modifier",
            get(edit).post(update),
        )
        .route(
            "/diagnostics/{id}/commentaires/{cid}/traiter",
            get(answer_form),
        )
        .route("/diagnostics/{id}/commentaires/{cid}/reponse", post(answer))
        .route(
            "/diagnostics/{id}/commentaires/{cid}/masquer",
            get(hide_form).post(hide),
        )
}

const MAX_LEN: usize = 10_000;

fn closed() -> AppError {
    AppError::Conflict(
        "Les commentaires sont clos sur ce diagnostic : il a été validé par le comité de pilotage."
            .into(),
    )
}

fn check_body(body: &str) -> Result<String, String> {
    let b = body.trim().replace("\r\n", "\n");
    if b.is_empty() {
        Err("Le commentaire est vide : écrivez votre commentaire avant de le publier.".into())
    } else if b.chars().count() > MAX_LEN {
        Err("Le commentaire ne doit pas dépasser 10 000 caractères.".into())
    } else {
        Ok(b)
    }
}

/// One thread (a top-level comment and its replies) of the diagnostic, or 404.
async fn thread(conn: &mut sqlx::PgConnection, d: &Diagnostic, cid: i64) -> AppResult<CommentView> {
    let mut c = comment_threads(conn, d, Some(cid))
        .await?
        .into_iter()
        .find(|c| c.id == cid)
        .ok_or(AppError::NotFound)?;
    if let Some(sid) = c.section_id {
        c.section_title = sqlx::query_scalar("select title from diagnostic_section where id = $1")
            .bind(sid)
            .fetch_optional(conn)
            .await?
            .unwrap_or_default();
    }
    Ok(c)
}

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
struct NewQuery {
    section: Option<String>,
}

/// The form for a comment on the whole diagnostic, or on one section (`?section=`).
async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
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

/// A visible top-level comment of the diagnostic, which one may reply to or answer.
fn ensure_top_level(c: &CommentView) -> AppResult<()> {
    policy::ensure(!c.is_reply && !c.hidden)
}

async fn reply_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
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
struct NewComment {
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

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<NewComment>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, false).await?;
    if !rules::can_comment(&user, &d.access()) {
        return Err(closed());
    }
    let mut section_id = optional_id(&form.section_id)?;
    let parent_id = optional_id(&form.parent_id)?;
    if let Some(p) = parent_id {
        // One level of replies: the parent is a visible top-level comment of this diagnostic.
        let parent: (Option<i64>,) = sqlx::query_as(
            "select section_id from comment
             where id = $1 and diagnostic_id = $2 and parent_id is null and hidden_at is null
               and deleted_at is null",
        )
        .bind(p)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        section_id = parent.0;
    } else if let Some(s) = section_id {
        let exists: bool = sqlx::query_scalar(
            "select exists (select 1 from diagnostic_section where id = $1 and diagnostic_id = $2)",
        )
        .bind(s)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        policy::ensure(exists)?;
    }
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
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(d.maison_id),
            object_type: "comment",
            object_id: cid,
            action: "creation",
            summary: format!(
                "{} sur le diagnostic « {} »",
                if parent_id.is_some() {
                    "Réponse publiée"
                } else {
                    "Commentaire publié"
                },
                d.title
            ),
            changes: vec![],
        },
    )
    .await?;
    let link = format!("/diagnostics/{id}#commentaire-{cid}");
    match parent_id {
        None => notify_comment(&mut tx, &user, &d, &link).await?,
        Some(p) => notify_reply(&mut tx, &user, &d, p, cid, &link).await?,
    }
    outcome::committed(tx, &ctx, "Commentaire publié.", &link).await
}

/// A new thread: the Maison's staff are told (the author excepted).
async fn notify_comment(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    d: &Diagnostic,
    link: &str,
) -> sqlx::Result<()> {
    let staff: Vec<i64> = notifications::staff_of_maison(tx, d.maison_id)
        .await?
        .into_iter()
        .filter(|a| *a != user.id)
        .collect();
    notifications::notify(
        tx,
        &staff,
        "commentaire",
        &format!("{} a commenté le diagnostic « {} ».", user.name, d.title),
        link,
    )
    .await
}

/// A reply is one event of its thread, told once to each person concerned: the root's author, those who
/// already wrote in the thread, and the Maison's staff when the reply comes from outside the Maison (its
/// own staff replying is the Maison answering: their colleagues are not told again).
async fn notify_reply(
    tx: &mut sqlx::PgConnection,
    user: &CurrentUser,
    d: &Diagnostic,
    root: i64,
    reply: i64,
    link: &str,
) -> sqlx::Result<()> {
    let (root_author, root_author_name): (i64, String) = sqlx::query_as(
        "select c.author_id, a.name from comment c join account a on a.id = c.author_id where c.id = $1",
    )
    .bind(root)
    .fetch_one(&mut *tx)
    .await?;
    let repliers: Vec<i64> = sqlx::query_scalar(
        "select distinct author_id from comment
         where parent_id = $1 and id <> $2 and deleted_at is null and author_id <> $3",
    )
    .bind(root)
    .bind(reply)
    .bind(user.id)
    .fetch_all(&mut *tx)
    .await?;
    let mut told: Vec<i64> = vec![user.id];
    if root_author != user.id {
        notifications::notify(
            tx,
            &[root_author],
            "reponse",
            &format!(
                "{} a répondu à votre commentaire sur « {} ».",
                user.name, d.title
            ),
            link,
        )
        .await?;
        told.push(root_author);
    }
    let participants: Vec<i64> = repliers.into_iter().filter(|a| !told.contains(a)).collect();
    notifications::notify(
        tx,
        &participants,
        "reponse",
        &format!(
            "{} a répondu dans une discussion à laquelle vous avez participé sur « {} ».",
            user.name, d.title
        ),
        link,
    )
    .await?;
    told.extend(participants);
    if !user.is_staff_of(d.maison_id) {
        let staff: Vec<i64> = notifications::staff_of_maison(tx, d.maison_id)
            .await?
            .into_iter()
            .filter(|a| !told.contains(a))
            .collect();
        notifications::notify(
            tx,
            &staff,
            "reponse",
            &format!(
                "{} a répondu au commentaire de {} sur le diagnostic « {} ».",
                user.name, root_author_name, d.title
            ),
            link,
        )
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Stored {
    author_id: i64,
    body: String,
    age_minutes: i64,
    hidden: bool,
}

async fn stored(conn: &mut sqlx::PgConnection, id: i64, cid: i64) -> AppResult<Stored> {
    sqlx::query_as(
        "select author_id, body, (extract(epoch from now() - created_at) / 60)::bigint as age_minutes,
                hidden_at is not null as hidden
         from comment where id = $1 and diagnostic_id = $2 and deleted_at is null",
    )
    .bind(cid)
    .bind(id)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "diagnostics/comment_form.html")]
struct EditPage {
    ctx: Ctx,
    d: Diagnostic,
    comment_id: i64,
    body: String,
    errors: FieldErrors,
}

fn editable(user: &CurrentUser, d: &Diagnostic, c: &Stored) -> AppResult<()> {
    policy::ensure(c.author_id == user.id && !c.hidden)?;
    if rules::can_edit_comment(user, &d.access(), c.author_id, c.age_minutes) {
        Ok(())
    } else if !rules::can_comment(user, &d.access()) {
        Err(closed())
    } else {
        Err(AppError::Conflict(format!(
            "Un commentaire ne peut être modifié que dans les {} minutes qui suivent sa publication.",
            rules::COMMENT_EDIT_MINUTES
        )))
    }
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    let c = stored(&mut conn, id, cid).await?;
    editable(&user, &d, &c)?;
    Ok(Html(
        EditPage {
            ctx,
            d,
            comment_id: cid,
            body: c.body,
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    body: String,
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Form(form): Form<EditForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, false).await?;
    let c = stored(&mut tx, id, cid).await?;
    editable(&user, &d, &c)?;
    let body = match check_body(&form.body) {
        Ok(b) => b,
        Err(message) => {
            drop(tx);
            let mut errors = FieldErrors::default();
            errors.add("body", message);
            let page = EditPage {
                ctx,
                d,
                comment_id: cid,
                body: form.body,
                errors,
            };
            return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    sqlx::query("update comment set body = $2, edited_at = now() where id = $1")
        .bind(cid)
        .bind(&body)
        .execute(&mut *tx)
        .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(d.maison_id),
            object_type: "comment",
            object_id: cid,
            action: "modification",
            summary: format!("Commentaire modifié sur le diagnostic « {} »", d.title),
            changes: vec![audit::Change::new("body", "Texte", c.body, body)],
        },
        "Commentaire modifié.",
        &format!("/diagnostics/{id}#commentaire-{cid}"),
    )
    .await
}

#[derive(Deserialize, Default)]
struct AnswerForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    answer: String,
}

#[derive(Template)]
#[template(path = "diagnostics/comment_answer.html")]
struct AnswerPage {
    ctx: Ctx,
    d: Diagnostic,
    comment: CommentView,
    form: AnswerForm,
    errors: FieldErrors,
}

/// The comment to answer: the Maison's staff only (404 to anyone else), while comments are open (409).
async fn answerable(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    id: i64,
    cid: i64,
) -> AppResult<(Diagnostic, CommentView)> {
    let d = load(conn, user, id, false).await?;
    policy::ensure(rules::answers_for_maison(user, &d.access()))?;
    let c = thread(conn, &d, cid).await?;
    ensure_top_level(&c)?;
    if !rules::can_answer_comments(user, &d.access()) {
        return Err(closed());
    }
    Ok((d, c))
}

async fn answer_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (d, comment) = answerable(&mut conn, &user, id, cid).await?;
    let form = AnswerForm {
        // An open comment: the Maison chooses; an answered one: its answer, to amend.
        status: if comment.status.is_answer() {
            comment.status.as_str().to_owned()
        } else {
            String::new()
        },
        answer: comment.answer.clone(),
    };
    Ok(Html(
        AnswerPage {
            ctx,
            d,
            comment,
            form,
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

fn check_answer(form: &AnswerForm) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if !form.status.parse().is_ok_and(CommentStatus::is_answer) {
        errors.add(
            "status",
            "Choisissez la suite donnée : pris en compte ou sans suite.",
        );
    }
    let answer = form.answer.trim();
    if answer.is_empty() {
        errors.add(
            "answer",
            "Écrivez la réponse de la Maison : elle sera lue par l'auteur du commentaire.",
        );
    } else if answer.chars().count() > MAX_LEN {
        errors.add(
            "answer",
            "La réponse ne doit pas dépasser 10 000 caractères.",
        );
    }
    errors
}

async fn answer(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (d, comment) = answerable(&mut tx, &user, id, cid).await?;
    let errors = check_answer(&form);
    let (Ok(status), true) = (form.status.parse::<CommentStatus>(), errors.is_empty()) else {
        drop(tx);
        let page = AnswerPage {
            ctx,
            d,
            comment,
            form,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let answer = form.answer.trim().replace("\r\n", "\n");
    sqlx::query(
        "update comment set status = $2, answer = $3, answered_by = $4, answered_at = now() where id = $1",
    )
    .bind(cid)
    .bind(status)
    .bind(&answer)
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(d.maison_id),
            object_type: "comment",
            object_id: cid,
            action: "reponse",
            summary: format!(
                "Commentaire marqué « {} » sur le diagnostic « {} »",
                status.lowercase(),
                d.title
            ),
            changes: vec![
                audit::Change::new(
                    "status",
                    "Suite donnée",
                    comment.status.lowercase(),
                    status.lowercase(),
                ),
                audit::Change::new("answer", "Réponse", comment.answer.clone(), answer),
            ],
        },
    )
    .await?;
    let link = format!("/diagnostics/{id}#commentaire-{cid}");
    if comment.author_id != user.id {
        notifications::notify(
            &mut tx,
            &[comment.author_id],
            "reponse",
            &format!(
                "{} a répondu à votre commentaire sur « {} » : {}.",
                d.maison_name,
                d.title,
                status.lowercase()
            ),
            &link,
        )
        .await?;
    }
    outcome::committed(tx, &ctx, "Réponse enregistrée.", &link).await
}

#[derive(Template)]
#[template(path = "diagnostics/comment_hide.html")]
struct HidePage {
    ctx: Ctx,
    d: Diagnostic,
    comment: CommentView,
}

/// Asks before hiding: the comment is shown, with what hiding does.
async fn hide_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load(&mut conn, &user, id, false).await?;
    policy::ensure(rules::can_hide_comment(&user, &d.access()))?;
    // A reply is shown inside its thread; the thread is looked up from the reply.
    let top: Option<i64> = sqlx::query_scalar(
        "select coalesce(parent_id, id) from comment
         where id = $1 and diagnostic_id = $2 and deleted_at is null",
    )
    .bind(cid)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let top = top.ok_or(AppError::NotFound)?;
    let mut comment = thread(&mut conn, &d, top).await?;
    if top != cid {
        let i = comment
            .replies
            .iter()
            .position(|r| r.id == cid)
            .ok_or(AppError::NotFound)?;
        let section_title = std::mem::take(&mut comment.section_title);
        comment = comment.replies.swap_remove(i);
        comment.section_title = section_title;
    } else {
        comment.replies.clear();
    }
    Ok(Html(HidePage { ctx, d, comment }.render()?).into_response())
}

#[derive(Deserialize)]
struct EmptyForm {}

async fn hide(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let d = load(&mut tx, &user, id, false).await?;
    policy::ensure(rules::can_hide_comment(&user, &d.access()))?;
    let c = stored(&mut tx, id, cid).await?;
    if !c.hidden {
        sqlx::query("update comment set hidden_at = now(), hidden_by = $2 where id = $1")
            .bind(cid)
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        // The text stays in the journal, for the record.
        audit::record(
            &mut *tx,
            Event {
                actor: Some(user.id),
                maison_id: Some(d.maison_id),
                object_type: "comment",
                object_id: cid,
                action: "masquage",
                summary: format!(
                    "Commentaire masqué (modération) sur le diagnostic « {} »",
                    d.title
                ),
                changes: vec![audit::Change::new("body", "Texte masqué", c.body, "")],
            },
        )
        .await?;
    }
    outcome::committed(
        tx,
        &ctx,
        "Commentaire masqué.",
        &format!("/diagnostics/{id}#commentaire-{cid}"),
    )
    .await
}
