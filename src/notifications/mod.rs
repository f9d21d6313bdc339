//! Notifications: `notify()` (used by every feature, inside its write transaction), the list page
//! `/notifications` with mark-as-read, and the unread counter of the header (`Ctx::unread`). Each person
//! chooses per topic how to hear of it (`preferences.rs`, `/profil/notifications`; defaults per role in
//! `domain::notification`): e-mail copies go out after commit when SMTP is configured (`mail.rs`, an outbox
//! worker), or gathered in a daily or weekly digest (`digest.rs`, a background job); every e-mail carries
//! a signed link that turns that e-mail off without signing in (`unsubscribe.rs`, `/desabonnement/…`).

pub mod digest;
pub mod mail;
mod preferences;
pub mod unsubscribe;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::PgConnection;

use crate::auth::CurrentUser;
use crate::auth::session::FlashKind;
pub use crate::domain::notification::{Channel, Kind, Topic};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Form, Signed, format, outcome};
pub use digest::{digest_job, send_digests};
pub use mail::spawn_mailer;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/tout-lu", post(mark_all_read))
        .route("/notifications/{id}/lu", post(mark_read))
        .route(
            "/profil/notifications",
            get(preferences::show).post(preferences::save),
        )
        .route(
            "/desabonnement/{token}",
            get(unsubscribe::show).post(unsubscribe::confirm),
        )
}

/// Tells these accounts about something (duplicates in `account_ids` are notified once), each by the
/// channel they chose for the kind's topic, or their role's default (`Topic::default_for`): nothing for
/// those who chose « Ne pas me prévenir », a row in the portal for the others, which the outbox (`mail.rs`)
/// or the digests (`digest.rs`) mail when that is the channel. `message` is a French sentence, `link` a
/// path on this site. Call it inside the transaction of the write it tells about.
pub async fn notify(
    conn: &mut PgConnection,
    account_ids: &[i64],
    kind: Kind,
    message: &str,
    link: &str,
) -> sqlx::Result<()> {
    if account_ids.is_empty() {
        return Ok(());
    }
    let topic = kind.topic();
    let (audiences, defaults) = topic.defaults();
    sqlx::query(
        "insert into notification (account_id, kind, message, link, channel)
         select a.id, $2, $3, $4, coalesce(p.channel, d.channel)
         from account a
         join unnest($6::text[], $7::text[]) d(audience, channel)
           on d.audience = case when a.responsable then 'responsable' else a.role end
         left join notification_preference p on p.account_id = a.id and p.topic = $5 and $8
         where a.id = any($1) and a.active and coalesce(p.channel, d.channel) <> 'aucune'",
    )
    .bind(account_ids)
    .bind(kind)
    .bind(message)
    .bind(link)
    .bind(topic)
    .bind(audiences)
    .bind(defaults)
    .bind(topic.is_chosen())
    .execute(conn)
    .await?;
    Ok(())
}

/// The active staff accounts of a Maison (who is told of what happens to the Maison's work).
pub async fn staff_of_maison(conn: &mut PgConnection, maison_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("select id from account where maison_id = $1 and role = 'staff' and active")
        .bind(maison_id)
        .fetch_all(conn)
        .await
}

/// Who is told of the answer to what a Maison asked: the Maison's active responsables, and `asker` (the
/// staff account that asked, while active).
pub async fn askers_of_maison(
    conn: &mut PgConnection,
    maison_id: i64,
    asker: Option<i64>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "select id from account
         where active and role = 'staff' and maison_id = $1 and (responsable or id = $2)",
    )
    .bind(maison_id)
    .bind(asker)
    .fetch_all(conn)
    .await
}

/// The active accounts of these partner organisations.
pub async fn members_of_organisations(
    conn: &mut PgConnection,
    organisation_ids: &[i64],
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "select id from account where organisation_id = any($1) and role = 'partner' and active",
    )
    .bind(organisation_ids)
    .fetch_all(conn)
    .await
}

const PAGE_SIZE: i64 = 50;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    message: String,
    link: String,
    created_at: DateTime<Utc>,
    read_at: Option<DateTime<Utc>>,
}

struct Shown {
    id: i64,
    message: String,
    link: String,
    at: String,
    at_iso: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<Shown>,
    page: i64,
    pagination: Pages,
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<i64>,
}

async fn list(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let pager = Pager::new(q.page, PAGE_SIZE);
    let mut rows: Vec<Row> = sqlx::query_as(
        "select id, message, link, created_at, read_at from notification
         where account_id = $1 order by created_at desc, id desc limit $2 offset $3",
    )
    .bind(user.id)
    .bind(pager.limit_ahead())
    .bind(pager.offset())
    .fetch_all(&state.db)
    .await?;
    let pagination = pager.looked_ahead(
        &mut rows,
        &PageLinks::new("/notifications", "Pages des notifications"),
    );
    let items = rows
        .into_iter()
        .map(|r| Shown {
            id: r.id,
            message: r.message,
            link: crate::web::safe_next(&state.config.base_url, Some(&r.link)),
            at: format::datetime(r.created_at),
            at_iso: format::iso_datetime(r.created_at),
            unread: r.read_at.is_none(),
        })
        .collect();
    Ok(Html(
        ListPage {
            ctx,
            items,
            page: pager.page(),
            pagination,
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize)]
struct MarkForm {
    /// `ouvrir`: go to the notification's link once it is marked read.
    #[serde(default)]
    then: String,
}

async fn mark_read(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<MarkForm>,
) -> AppResult<Response> {
    // Another account's notification is simply not found: nothing is marked.
    let link: Option<String> = sqlx::query_scalar(
        "update notification set read_at = coalesce(read_at, now())
         where id = $1 and account_id = $2 returning link",
    )
    .bind(id)
    .bind(user.id)
    .fetch_optional(&state.db)
    .await?;
    let link = link.ok_or(crate::error::AppError::NotFound)?;
    if form.then == "ouvrir" {
        return Ok(
            Redirect::to(&crate::web::safe_next(&state.config.base_url, Some(&link)))
                .into_response(),
        );
    }
    Ok(Redirect::to("/notifications").into_response())
}

async fn mark_all_read(
    Signed { state, user, ctx }: Signed,
    Form(_): Form<MarkForm>,
) -> AppResult<Response> {
    let n = sqlx::query(
        "update notification set read_at = now() where account_id = $1 and read_at is null",
    )
    .bind(user.id)
    .execute(&state.db)
    .await?
    .rows_affected();
    let message = match n {
        0 => "Aucune notification non lue.".to_owned(),
        1 => "Une notification marquée comme lue.".to_owned(),
        n => format!("{n} notifications marquées comme lues."),
    };
    outcome::flash(&state.db, &ctx, FlashKind::Success, &message).await?;
    Ok(Redirect::to("/notifications").into_response())
}
