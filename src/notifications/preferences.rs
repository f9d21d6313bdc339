//! `/profil/notifications`: for each topic the person is told of, how (`Channel`): the choices are rows of
//! `notification_preference`, only where they differ from the role's default (a default changed later
//! reaches whoever never chose). `set` is also what the unsubscribe link calls.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use sqlx::PgConnection;

use crate::audit::{Diff, Event};
use crate::auth::session::FlashKind;
use crate::domain::notification::{Audience, Channel, Topic};
use crate::error::{AppError, AppResult};
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, Signed, outcome};

/// A person's effective choices: every topic with its channel and whether it is their role's default.
pub struct Choices {
    pub audience: Audience,
    chosen: HashMap<Topic, Channel>,
}

impl Choices {
    pub async fn of(conn: &mut PgConnection, account_id: i64) -> sqlx::Result<Option<Choices>> {
        let who: Option<(String, bool)> =
            sqlx::query_as("select role, responsable from account where id = $1")
                .bind(account_id)
                .fetch_optional(&mut *conn)
                .await?;
        let Some((role, responsable)) = who else {
            return Ok(None);
        };
        let audience = match (role.as_str(), responsable) {
            ("admin", _) => Audience::Admin,
            ("staff", true) => Audience::Responsable,
            ("staff", false) => Audience::Staff,
            _ => Audience::Partner,
        };
        let rows: Vec<(Topic, Channel)> = sqlx::query_as(
            "select topic, channel from notification_preference where account_id = $1",
        )
        .bind(account_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Some(Choices {
            audience,
            chosen: rows.into_iter().collect(),
        }))
    }

    pub fn channel(&self, topic: Topic) -> Channel {
        match self.chosen.get(&topic) {
            Some(c) if topic.is_chosen() => *c,
            _ => topic.default_for(self.audience),
        }
    }
}

/// Records the person's new channel for each topic in `changes` (the ones equal to the default are removed
/// instead, so that the default keeps applying), moves their notifications not yet sent to it, and returns
/// the journal's changes (labels), empty when nothing changed.
pub async fn set(
    conn: &mut PgConnection,
    account_id: i64,
    choices: &Choices,
    changes: &[(Topic, Channel)],
) -> sqlx::Result<Diff> {
    let mut diff = Diff::default();
    for &(topic, channel) in changes {
        let before = choices.channel(topic);
        if !topic.is_chosen() || before == channel {
            continue;
        }
        if channel == topic.default_for(choices.audience) {
            sqlx::query("delete from notification_preference where account_id = $1 and topic = $2")
                .bind(account_id)
                .bind(topic)
                .execute(&mut *conn)
                .await?;
        } else {
            sqlx::query(
                "insert into notification_preference (account_id, topic, channel) values ($1, $2, $3)
                 on conflict (account_id, topic) do update set channel = excluded.channel, updated_at = now()",
            )
            .bind(account_id)
            .bind(topic)
            .bind(channel)
            .execute(&mut *conn)
            .await?;
        }
        // What was waiting for an e-mail goes by the new channel (`aucune`: it stays in the portal).
        let pending = if channel == Channel::Aucune {
            Channel::Portail
        } else {
            channel
        };
        sqlx::query(
            "update notification set channel = $3
             where account_id = $1 and kind = any($2) and mailed_at is null",
        )
        .bind(account_id)
        .bind(topic.kinds())
        .bind(pending)
        .execute(&mut *conn)
        .await?;
        diff.field(
            topic.as_str(),
            topic.label(),
            before.label(),
            channel.label(),
        );
    }
    Ok(diff)
}

struct Row {
    topic: Topic,
    channel: Channel,
    default: Channel,
}

#[derive(Template)]
#[template(path = "notifications/preferences.html")]
struct PreferencesPage {
    ctx: Ctx,
    rows: Vec<Row>,
    channels: &'static [Channel],
    errors: FieldErrors,
}

fn page(
    ctx: Ctx,
    choices: &Choices,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let rows = Topic::offered_to(choices.audience)
        .into_iter()
        .map(|topic| Row {
            topic,
            channel: choices.channel(topic),
            default: topic.default_for(choices.audience),
        })
        .collect();
    let page = PreferencesPage {
        ctx,
        rows,
        channels: Channel::ALL,
        errors,
    };
    if status == StatusCode::OK {
        return Ok(Html(page.render()?).into_response());
    }
    forms::render(&page, status)
}

pub async fn show(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let choices = Choices::of(&mut conn, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    page(ctx, &choices, FieldErrors::default(), StatusCode::OK)
}

pub async fn save(
    Signed { state, user, ctx }: Signed,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let mut choices = Choices::of(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    let mut changes = Vec::new();
    for topic in Topic::offered_to(choices.audience) {
        let Some(value) = form.get(topic.as_str()) else {
            continue;
        };
        match value.parse::<Channel>() {
            Ok(channel) => changes.push((topic, channel)),
            Err(_) => errors.add(topic.as_str(), "Choisissez une des possibilités proposées."),
        }
    }
    if !errors.is_empty() {
        // The typed choices are shown again, the wrong one with its message.
        for &(topic, channel) in &changes {
            choices.chosen.insert(topic, channel);
        }
        return page(ctx, &choices, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let diff = set(&mut tx, user.id, &choices, &changes).await?;
    if diff.is_empty() {
        drop(tx);
        return outcome::nothing_done(
            &state.db,
            &ctx,
            FlashKind::Info,
            "Aucune modification.",
            "/profil/notifications",
        )
        .await;
    }
    let mut event = Event::of_own_account(
        user.id,
        user.maison_id,
        "preferences_notifications",
        "Préférences de notification modifiées".into(),
    );
    event.changes = diff.0;
    outcome::done(
        tx,
        &ctx,
        event,
        "Vos préférences de notification sont enregistrées.",
        "/profil/notifications",
    )
    .await
}
