//! A list of pending things that a person answers: a partnership request, a person proposed for an
//! account. Each pending one is accepted, or refused with an optional reason that goes to whoever asked.
//! The page lists the pending ones (each with its two forms, the refusal's drawn by the
//! `partials/answers.html` macro) and the recent answers; a reason too long comes back on the list, its
//! message beside the field of the one refused and the text kept (status 422). A pending thing answered
//! meanwhile is said with `outcome::nothing_done`.

use axum::http::StatusCode;
use serde::Deserialize;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, PgPool};

use crate::web::forms::FieldErrors;

/// The table a list answers: its `select` list with `from` and joins (`columns`), in which the pending
/// things are the rows of alias `alias` with `status = 'en_attente'`, an `organisation_id`, an
/// `answered_at`, and `asked_at` the column of when they were asked; `has_referent` a column of the list.
pub struct Table {
    pub columns: &'static str,
    pub alias: &'static str,
    pub asked_at: &'static str,
}

impl Table {
    /// The pending ones (those of organisations without a référent first, then the oldest; at most 200)
    /// and the 30 latest answers, of organisation `scope` (`None`: every organisation).
    pub async fn lists<R>(&self, db: &PgPool, scope: Option<i64>) -> sqlx::Result<(Vec<R>, Vec<R>)>
    where
        R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let Table {
            columns,
            alias: a,
            asked_at,
        } = self;
        let mine = format!("($1::bigint is null or {a}.organisation_id = $1)");
        let pending = sqlx::query_as(&format!(
            "select {columns} where {a}.status = 'en_attente' and {mine}
             order by has_referent, {a}.{asked_at}, {a}.id limit 200"
        ))
        .persistent(false)
        .bind(scope)
        .fetch_all(db)
        .await?;
        let answered = sqlx::query_as(&format!(
            "select {columns} where {a}.status <> 'en_attente' and {mine}
             order by {a}.answered_at desc, {a}.id desc limit 30"
        ))
        .persistent(false)
        .bind(scope)
        .fetch_all(db)
        .await?;
        Ok((pending, answered))
    }

    /// Pending thing `id` (whatever its status), locked for the answer.
    pub async fn locked<R>(&self, tx: &mut PgConnection, id: i64) -> sqlx::Result<Option<R>>
    where
        R: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        let Table { columns, alias, .. } = self;
        sqlx::query_as(&format!(
            "select {columns} where {alias}.id = $1 for update of {alias}"
        ))
        .persistent(false)
        .bind(id)
        .fetch_optional(tx)
        .await
    }
}

/// The longest reason a refusal may give, in characters.
pub const MAX_REASON: usize = 1000;

/// The form of both answers: accepting sends an empty one, refusing the reason.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    pub answer: String,
}

impl AnswerForm {
    /// The reason of the refusal of pending thing `id`, trimmed; too long, the refusal form to show again.
    pub fn reason(&self, id: i64) -> Result<String, Refusal> {
        let mut errors = FieldErrors::default();
        let answer = errors.text("answer", &self.answer, MAX_REASON);
        if errors.is_empty() {
            Ok(answer)
        } else {
            Err(Refusal {
                id: Some(id),
                answer: self.answer.clone(),
                errors,
            })
        }
    }
}

/// The refusal form that comes back on the list, if any: which pending thing, the reason as typed, the
/// message. `Refusal::default()`: the list as it is first shown.
#[derive(Default)]
pub struct Refusal {
    id: Option<i64>,
    pub answer: String,
    pub errors: FieldErrors,
}

impl Refusal {
    /// Whether this is the refusal of pending thing `id` (its reason is shown again).
    pub fn is_for(&self, id: &i64) -> bool {
        self.id == Some(*id)
    }

    /// The message beside the reason of pending thing `id`, if it is the one refused.
    pub fn error(&self, id: &i64) -> Option<&str> {
        self.errors.get("answer").filter(|_| self.is_for(id))
    }

    /// The list's status: 422 when a refusal comes back, else 200.
    pub fn status(&self) -> StatusCode {
        if self.id.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }
}

/// The reason as a sentence after the notification's or the journal's own (« Motif : … »), nothing when
/// no reason was given.
pub fn reason_sentence(answer: &str) -> String {
    if answer.is_empty() {
        String::new()
    } else {
        format!(" Motif : {answer}")
    }
}
