//! Shared territorial diagnostics (issue 5): a Maison's report on the green-jobs needs of its territory,
//! with sections in Markdown, an indicator table, documents, partners' comments and the workflow
//! brouillon → partagé → validé → archivé. The network's indicator catalogue is kept here too.

mod catalogue;
mod comments;
mod documents;
mod export;
mod head;
mod list;
mod report;
mod sections;
mod show;
mod values;
mod workflow;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, Postgres, Transaction};

use crate::audit::{self, Change, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::diagnostics::{self as rules, Access};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, outcome};

/// Every route of the diagnostics, by file: `list`, `head` (create, edit the head), `show` (the page, from
/// `report`), `sections`, `values` (indicators), `workflow/`, `comments/`, `documents`, `export`
/// (print, CSV), `catalogue` (the network's indicators); the parts, the workflow and the comments each in
/// their own router below.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/diagnostics", get(list::index).post(head::create))
        .route("/diagnostics/nouveau", get(head::new))
        .route(
            "/diagnostics/{id}/modifier",
            get(head::edit).post(head::update),
        )
        .route("/diagnostics/{id}", get(show::show))
        .route("/diagnostics/{id}/impression", get(export::print))
        .route("/diagnostics/{id}/indicateurs.csv", get(export::csv))
        .merge(part_routes())
        .merge(workflow_routes())
        .merge(comment_routes())
        .route(
            "/indicateurs",
            get(catalogue::index).post(catalogue::create),
        )
        .route("/indicateurs/nouveau", get(catalogue::new))
        .route(
            "/indicateurs/{id}/modifier",
            get(catalogue::edit).post(catalogue::update),
        )
}

/// The parts of a diagnostic: sections, indicator values, documents.
fn part_routes() -> Router<AppState> {
    Router::new()
        .route("/diagnostics/{id}/sections", post(sections::add))
        .route(
            "/diagnostics/{id}/sections/nouvelle",
            get(sections::new_form),
        )
        .route(
            "/diagnostics/{id}/sections/{sid}/modifier",
            get(sections::edit).post(sections::save),
        )
        .route(
            "/diagnostics/{id}/sections/{sid}/deplacer",
            post(sections::move_section),
        )
        .route(
            "/diagnostics/{id}/sections/{sid}/supprimer",
            post(sections::delete),
        )
        .route("/diagnostics/{id}/indicateurs", post(values::create))
        .route("/diagnostics/{id}/indicateurs/nouveau", get(values::new))
        .route(
            "/diagnostics/{id}/indicateurs/{vid}/modifier",
            get(values::edit).post(values::update),
        )
        .route(
            "/diagnostics/{id}/indicateurs/{vid}/supprimer",
            post(values::delete),
        )
        .route(
            "/diagnostics/{id}/documents",
            post(documents::upload).layer(DefaultBodyLimit::max(11 * 1024 * 1024)),
        )
        .route("/diagnostics/{id}/documents/nouveau", get(documents::new))
        .route(
            "/diagnostics/{id}/documents/{did}",
            get(documents::download),
        )
        .route(
            "/diagnostics/{id}/documents/{did}/supprimer",
            post(documents::delete),
        )
}

/// The steps of the workflow (`workflow/`).
fn workflow_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/diagnostics/{id}/partage",
            get(workflow::share::share_form).post(workflow::share::share),
        )
        .route(
            "/diagnostics/{id}/validation",
            get(workflow::validate::validate_form).post(workflow::validate::validate),
        )
        .route(
            "/diagnostics/{id}/archivage",
            get(workflow::archive::archive_form).post(workflow::archive::archive),
        )
        .route(
            "/diagnostics/{id}/nouvelle-version",
            post(workflow::new_version::new_version),
        )
}

/// Comments, replies, answers and moderation (`comments/`).
fn comment_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/diagnostics/{id}/commentaires",
            post(comments::new::create),
        )
        .route(
            "/diagnostics/{id}/commentaires/nouveau",
            get(comments::new::new_form),
        )
        .route(
            "/diagnostics/{id}/commentaires/{cid}/repondre",
            get(comments::new::reply_form),
        )
        .route(
            "/diagnostics/{id}/commentaires/{cid}/modifier",
            get(comments::edit::edit).post(comments::edit::update),
        )
        .route(
            "/diagnostics/{id}/commentaires/{cid}/traiter",
            get(comments::answer::answer_form),
        )
        .route(
            "/diagnostics/{id}/commentaires/{cid}/reponse",
            post(comments::answer::answer),
        )
        .route(
            "/diagnostics/{id}/commentaires/{cid}/masquer",
            get(comments::hide::hide_form).post(comments::hide::hide),
        )
}

pub use crate::domain::diagnostic::Status;

/// The message above an indicator's form (a diagnostic's value or the catalogue's) when someone else saved
/// it first.
const INDICATOR_CHANGED: &str = "Quelqu'un d'autre a modifié cet indicateur pendant que vous le modifiiez. \
                                 Rien n'a été enregistré : vos saisies sont conservées ci-dessous.";

/// The standard template of sections a new diagnostic starts with (kind, title).
pub const STANDARD_SECTIONS: &[(&str, &str)] = &[
    ("contexte", "Contexte territorial"),
    ("economie", "Tissu économique et marchés"),
    ("emploi", "Emploi et demande d'emploi"),
    ("competences", "Besoins en compétences et recrutements"),
    ("formation", "Offre de formation"),
    ("freins", "Freins à l'emploi"),
    (
        "afom",
        "Synthèse AFOM (atouts, faiblesses, opportunités, menaces)",
    ),
    ("enjeux", "Enjeux et pistes d'action"),
];

/// The head of a diagnostic, with what the policy needs about the asking account.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Diagnostic {
    pub id: i64,
    pub maison_id: i64,
    pub maison_name: String,
    pub title: String,
    pub reference_year: i32,
    pub status: Status,
    pub previous_id: Option<i64>,
    pub validated_on: Option<NaiveDate>,
    pub copil_decision: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub shared_with_user: bool,
}

impl Diagnostic {
    pub fn status(&self) -> Status {
        self.status
    }

    pub fn access(&self) -> Access {
        Access {
            maison_id: self.maison_id,
            status: self.status(),
            shared_with_user: self.shared_with_user,
        }
    }

    pub fn url(&self) -> String {
        format!("/diagnostics/{}", self.id)
    }

    /// The journal's event of `user`'s change to this diagnostic: what was done (`action`), the French
    /// `summary` and the changed fields.
    pub fn change(
        &self,
        user: &CurrentUser,
        action: &'static str,
        summary: impl Into<String>,
        changes: Vec<Change>,
    ) -> Event<'static> {
        Event {
            action,
            summary: summary.into(),
            changes,
            ..event_of(user, self.maison_id, "diagnostic", self.id)
        }
    }

    /// The end of a write to one of the diagnostic's parts (its head, a section, an indicator, a
    /// document): the diagnostic's version bumped, then [`outcome::done`] to its page's address followed
    /// by `then` (`"#indicateurs"`, `"/sections/3/modifier"`, `""` for the page itself).
    pub async fn part_done(
        &self,
        mut tx: Transaction<'_, Postgres>,
        ctx: &Ctx,
        event: Event<'_>,
        message: &str,
        then: &str,
    ) -> AppResult<Response> {
        touch(&mut tx, self.id).await?;
        let to = format!("{}{then}", self.url());
        outcome::done(tx, ctx, event, message, &to).await
    }

    /// [`Diagnostic::change`] for a change to one of its comments.
    pub fn comment_change(
        &self,
        user: &CurrentUser,
        comment_id: i64,
        action: &'static str,
        summary: impl Into<String>,
        changes: Vec<Change>,
    ) -> Event<'static> {
        Event {
            object_type: "comment",
            object_id: comment_id,
            ..self.change(user, action, summary, changes)
        }
    }

    /// The address of comment `comment_id` on the diagnostic's page.
    pub fn comment_url(&self, comment_id: i64) -> String {
        format!("/diagnostics/{}#commentaire-{comment_id}", self.id)
    }
}

/// The journal's event of `user`'s change to object `id` (of `object_type`) of Maison `maison_id`; the
/// caller sets what happened.
fn event_of(
    user: &CurrentUser,
    maison_id: i64,
    object_type: &'static str,
    id: i64,
) -> Event<'static> {
    Event {
        actor: Some(user.id),
        maison_id: Some(maison_id),
        object_type,
        object_id: id,
        action: "",
        summary: String::new(),
        changes: vec![],
    }
}

/// The first step of new diagnostic `id` (created, or a new version of a validated one): a draft of
/// Maison `maison_id`, in the workflow's history with `note`, and in the journal with `summary`.
async fn record_creation(
    conn: &mut PgConnection,
    user: &CurrentUser,
    maison_id: i64,
    id: i64,
    note: &str,
    summary: String,
) -> sqlx::Result<()> {
    audit::record_transition(
        &mut *conn,
        "diagnostic",
        id,
        None,
        Status::Brouillon,
        user.id,
        note,
    )
    .await?;
    let event = Event {
        action: "creation",
        summary,
        ..event_of(user, maison_id, "diagnostic", id)
    };
    audit::record(conn, event).await
}

/// Moves diagnostic `id` from `from` to `to` (its version bumped) and records the step in the
/// workflow's history, with `comment`.
async fn set_status(
    conn: &mut PgConnection,
    id: i64,
    from: Status,
    to: Status,
    actor: i64,
    comment: &str,
) -> sqlx::Result<()> {
    sqlx::query("update diagnostic set status = $2, version = version + 1 where id = $1")
        .bind(id)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    audit::record_transition(conn, "diagnostic", id, Some(from), to, actor, comment).await
}

/// Loads a diagnostic the account may read (404 otherwise). `for update` locks it for a write.
pub async fn load(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    for_update: bool,
) -> AppResult<Diagnostic> {
    let sql = format!(
        "select d.id, d.maison_id, m.name as maison_name, d.title, d.reference_year, d.status, d.previous_id,
                d.validated_on, d.copil_decision, d.version, d.created_at, d.updated_at,
                exists (select 1 from diagnostic_share s
                        where s.diagnostic_id = d.id and s.organisation_id = $2) as shared_with_user
         from diagnostic d join maison m on m.id = d.maison_id
         where d.id = $1{}",
        if for_update { " for update of d" } else { "" }
    );
    let d: Diagnostic = sqlx::query_as(&sql)
        .bind(id)
        .bind(user.organisation_id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::policy::ensure(rules::can_read(user, &d.access()))?;
    Ok(d)
}

/// [`load`], then 404 unless the policy's rule `may` lets the account do what it asks.
pub async fn load_if(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    for_update: bool,
    may: Rule,
) -> AppResult<Diagnostic> {
    let d = load(conn, user, id, for_update).await?;
    crate::auth::policy::ensure(may(user, &d.access()))?;
    Ok(d)
}

/// A rule of the policy on a diagnostic (`rules::can_edit`, `rules::can_share`…).
pub type Rule = fn(&CurrentUser, &Access) -> bool;

/// [`load_if`] for a page that only reads the diagnostic, on a connection of its own.
pub async fn read_if(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    may: Rule,
) -> AppResult<Diagnostic> {
    let mut conn = state.db.acquire().await?;
    load_if(&mut conn, user, id, false, may).await
}

/// The start of a write to diagnostic `id`: its transaction, and the diagnostic locked in it (`for
/// update`), 404 unless the rule `may` lets the account do what it asks.
pub async fn begin_if(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    may: Rule,
) -> AppResult<(Transaction<'static, Postgres>, Diagnostic)> {
    let mut tx = state.db.begin().await?;
    let d = load_if(&mut tx, user, id, true, may).await?;
    Ok((tx, d))
}

/// Population of a Maison's territory from the reference geography (communes of its EPCI).
pub async fn territory_population(
    conn: &mut PgConnection,
    maison_id: i64,
) -> sqlx::Result<(i64, String)> {
    let row: (Option<i64>, Option<String>) = sqlx::query_as(
        "select (select sum(c.population)::bigint from commune c
                 where c.epci_siren in (select epci_siren from maison_epci where maison_id = $1)),
                (select string_agg(e.name, ', ' order by e.name) from epci e
                 join maison_epci me on me.epci_siren = e.siren where me.maison_id = $1)",
    )
    .bind(maison_id)
    .fetch_one(conn)
    .await?;
    Ok((row.0.unwrap_or(0), row.1.unwrap_or_default()))
}

/// Bumps the diagnostic's version and `updated_at` when a part of it changes.
pub async fn touch(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query("update diagnostic set version = version + 1 where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A year typed in a form, within the range the schema accepts.
pub fn parse_year(s: &str, min: i32, max: i32) -> Result<i32, String> {
    match crate::web::format::parse_int(s) {
        Some(y) if (min as i64..=max as i64).contains(&y) => Ok(y as i32),
        Some(_) => Err(format!("L'année doit être comprise entre {min} et {max}.")),
        None if s.trim().is_empty() => Err("Indiquez l'année.".into()),
        None => Err(format!(
            "« {} » n'est pas une année : saisissez quatre chiffres, par exemple 2025.",
            s.trim()
        )),
    }
}

/// A diagnostic shared with a partner organisation, for the partner's home page.
#[derive(Debug, sqlx::FromRow)]
pub struct SharedDiagnostic {
    pub id: i64,
    pub title: String,
    pub maison_name: String,
    pub status: Status,
}

impl SharedDiagnostic {
    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
}

/// The diagnostics an organisation's members may read (shared with it, no longer drafts), newest first.
pub async fn shared_with(
    conn: &mut PgConnection,
    organisation_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<SharedDiagnostic>> {
    sqlx::query_as(
        "select d.id, d.title, m.name as maison_name, d.status
         from diagnostic_share s join diagnostic d on d.id = s.diagnostic_id join maison m on m.id = d.maison_id
         where s.organisation_id = $1 and d.status in ('partage', 'valide', 'archive')
         order by (d.status = 'partage') desc, d.updated_at desc limit $2",
    )
    .bind(organisation_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
