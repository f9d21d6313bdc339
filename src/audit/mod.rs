//! The audit journal, as a library: every write appends an event in its own transaction, with who, when,
//! which object and what changed (before/after); object pages read their *Historique* here. The page that
//! browses the whole journal is the `journal` feature.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};

use crate::web::format;

/// One field's change, with its French label for the *Historique*.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub label: String,
    pub before: Value,
    pub after: Value,
}

impl Change {
    pub fn new(
        field: &str,
        label: &str,
        before: impl Into<Value>,
        after: impl Into<Value>,
    ) -> Self {
        Change {
            field: field.into(),
            label: label.into(),
            before: before.into(),
            after: after.into(),
        }
    }
}

/// Collects the changes of an edit; only fields whose value really changed are kept.
#[derive(Default)]
pub struct Diff(pub Vec<Change>);

impl Diff {
    pub fn field<T: PartialEq + Into<Value>>(
        &mut self,
        field: &str,
        label: &str,
        before: T,
        after: T,
    ) -> &mut Self {
        if before != after {
            self.0.push(Change::new(field, label, before, after));
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub struct Event<'a> {
    pub actor: Option<i64>,
    pub maison_id: Option<i64>,
    pub object_type: &'a str,
    pub object_id: i64,
    pub action: &'a str,
    /// A French sentence: « Maison créée », « Diagnostic partagé avec 3 organisations »…
    pub summary: String,
    pub changes: Vec<Change>,
}

pub async fn record(conn: impl PgExecutor<'_>, event: Event<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into event (account_id, maison_id, object_type, object_id, action, summary, changes)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event.actor)
    .bind(event.maison_id)
    .bind(event.object_type)
    .bind(event.object_id)
    .bind(event.action)
    .bind(&event.summary)
    .bind(serde_json::to_value(&event.changes).unwrap_or(Value::Array(vec![])))
    .execute(conn)
    .await?;
    Ok(())
}

/// An event as shown to a person.
pub struct HistoryEntry {
    pub at: String,
    pub at_iso: String,
    pub who: String,
    pub summary: String,
    pub object: String,
    pub changes: Vec<ShownChange>,
}

pub struct ShownChange {
    pub label: String,
    pub before: String,
    pub after: String,
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Null => "(vide)".into(),
        Value::Bool(true) => "oui".into(),
        Value::Bool(false) => "non".into(),
        Value::String(s) if s.is_empty() => "(vide)".into(),
        Value::String(s) => s.chars().take(300).collect(),
        Value::Number(n) => n.as_i64().map(format::int).unwrap_or_else(|| n.to_string()),
        Value::Array(a) => {
            if a.is_empty() {
                "(aucun)".into()
            } else {
                a.iter().map(show_value).collect::<Vec<_>>().join(", ")
            }
        }
        Value::Object(_) => v.to_string(),
    }
}

/// One entry of the journal as read from the database (a row, or an element of `history_json_sql`).
#[derive(sqlx::FromRow, Deserialize)]
pub struct EventRow {
    at: DateTime<Utc>,
    who: Option<String>,
    summary: String,
    object_type: String,
    object_id: i64,
    changes: Value,
}

fn object_label(kind: &str, id: i64) -> String {
    let name = match kind {
        "account" => "Compte",
        "maison" => "Maison",
        "organisation" => "Organisation",
        "partnership" => "Partenariat",
        "diagnostic" => "Diagnostic",
        "plan" => "Plan d'actions",
        "action" => "Fiche action",
        "comment" => "Commentaire",
        "indicator" => "Indicateur",
        other => other,
    };
    format!("{name} n° {id}")
}

impl From<EventRow> for HistoryEntry {
    fn from(r: EventRow) -> Self {
        let changes: Vec<Change> = serde_json::from_value(r.changes).unwrap_or_default();
        HistoryEntry {
            at: format::datetime(r.at),
            at_iso: format::iso_datetime(r.at),
            who: r
                .who
                .unwrap_or_else(|| "Système (ligne de commande)".into()),
            summary: r.summary,
            object: object_label(&r.object_type, r.object_id),
            changes: changes
                .iter()
                .map(|c| ShownChange {
                    label: c.label.clone(),
                    before: show_value(&c.before),
                    after: show_value(&c.after),
                })
                .collect(),
        }
    }
}

/// The *Historique* of one object, newest first (bounded).
pub async fn history(
    conn: &mut PgConnection,
    object_type: &str,
    object_id: i64,
) -> sqlx::Result<Vec<HistoryEntry>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "select e.at, a.name as who, e.summary, e.object_type, e.object_id, e.changes
         from event e left join account a on a.id = e.account_id
         where e.object_type = $1 and e.object_id = $2
         order by e.at desc, e.id desc limit 100",
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(HistoryEntry::from).collect())
}

/// The *Historique* of one object (`history`) as a SQL expression giving a JSON array (null when empty),
/// for a page that loads it in the statement that loads the object; `object_type` and `object_id` are SQL
/// expressions. Read it back with `history_from_json`.
pub fn history_json_sql(object_type: &str, object_id: &str) -> String {
    format!(
        "(select json_agg(x order by x.at desc, x.id desc) from (
            select e.id, e.at, a.name as who, e.summary, e.object_type, e.object_id, e.changes
            from event e left join account a on a.id = e.account_id
            where e.object_type = {object_type} and e.object_id = {object_id}
            order by e.at desc, e.id desc limit 100) x)"
    )
}

pub fn history_from_json(rows: Option<sqlx::types::Json<Vec<EventRow>>>) -> Vec<HistoryEntry> {
    rows.map(|j| j.0.into_iter().map(HistoryEntry::from).collect())
        .unwrap_or_default()
}

/// The whole journal, newest first: `limit` events after the first `offset`.
pub async fn all(
    conn: impl PgExecutor<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<HistoryEntry>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "select e.at, a.name as who, e.summary, e.object_type, e.object_id, e.changes
         from event e left join account a on a.id = e.account_id
         order by e.at desc, e.id desc limit $1 offset $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(HistoryEntry::from).collect())
}

/// The latest events of one Maison (or of the whole network), for home pages.
pub async fn recent(
    conn: &mut PgConnection,
    maison_id: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<HistoryEntry>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "select e.at, a.name as who, e.summary, e.object_type, e.object_id, e.changes
         from event e left join account a on a.id = e.account_id
         where ($1::bigint is null or e.maison_id = $1) and e.action not in ('connexion', 'deconnexion')
         order by e.at desc, e.id desc limit $2",
    )
    .persistent(false)
    .bind(maison_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(HistoryEntry::from).collect())
}
