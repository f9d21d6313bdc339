//! The audit journal, as a library: every write appends an event in its own transaction, with who, when,
//! which object and what changed (before/after); object pages read their *Historique* here. The page that
//! browses the whole journal is the `journal` feature; home pages read it as sentences (`activity`).

pub mod activity;

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

    /// `field` for values held by reference (a form's and a row's `String`s): cloned only when they differ.
    pub fn field_ref<T: PartialEq + Clone + Into<Value>>(
        &mut self,
        field: &str,
        label: &str,
        before: &T,
        after: &T,
    ) -> &mut Self {
        if before != after {
            self.0
                .push(Change::new(field, label, before.clone(), after.clone()));
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A person's data in a change (an account's former name or e-mail address): kept beside the journal, in
/// `event_personal_value`, which an erasure deletes; the change holds a reference to it
/// (`{"donnee": id}`) and the journal reads the value back when it is shown (`event_changes_shown`).
/// The journal itself never holds a name or an address, so that erasing a person never rewrites it.
pub async fn personal(
    conn: impl PgExecutor<'_>,
    account_id: i64,
    value: &str,
) -> sqlx::Result<Value> {
    let id: i64 = sqlx::query_scalar(
        "insert into event_personal_value (account_id, value) values ($1, $2) returning id",
    )
    .bind(account_id)
    .bind(value)
    .fetch_one(conn)
    .await?;
    Ok(serde_json::json!({ "donnee": id }))
}

/// An account in a change (a fiche's référent…): shown under its current name when the journal is read.
pub fn account_ref(account_id: Option<i64>) -> Value {
    match account_id {
        Some(id) => serde_json::json!({ "compte": id }),
        None => Value::Null,
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

impl<'a> Event<'a> {
    /// An event by `actor` in the journal of Maison `maison_id` itself (its page's *Historique*: its
    /// profile, territory, partners), without changes (`Event { changes, ..Event::of_maison(…) }`).
    pub fn of_maison(actor: i64, maison_id: i64, action: &'a str, summary: String) -> Self {
        Event {
            actor: Some(actor),
            maison_id: Some(maison_id),
            object_type: "maison",
            object_id: maison_id,
            action,
            summary,
            changes: vec![],
        }
    }
}

impl<'a> Event<'a> {
    /// An event on an account with no one signed in behind it (the command line, a background task, a
    /// visitor asking for a reset link), without changes.
    pub fn of_account_by_system(
        account_id: i64,
        maison_id: Option<i64>,
        action: &'a str,
        summary: String,
    ) -> Self {
        Event {
            actor: None,
            maison_id,
            object_type: "account",
            object_id: account_id,
            action,
            summary,
            changes: vec![],
        }
    }
}

impl<'a> Event<'a> {
    /// An event of a person on their own account (signing in or out, a password chosen, their data
    /// downloaded), without changes.
    pub fn of_own_account(
        account_id: i64,
        maison_id: Option<i64>,
        action: &'a str,
        summary: String,
    ) -> Self {
        Event {
            actor: Some(account_id),
            maison_id,
            object_type: "account",
            object_id: account_id,
            action,
            summary,
            changes: vec![],
        }
    }
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

/// One step of a workflow (table `transition`): the object's status went from `from` (none at creation) to
/// `to`, by `actor`, with the comment said then. Every workflow (diagnostics, plans, fiches actions) records
/// its steps here, with its status enum (`domain::status`) or its stored code.
pub async fn record_transition<S: AsRef<str>>(
    conn: impl PgExecutor<'_>,
    object_type: &str,
    object_id: i64,
    from: Option<S>,
    to: S,
    actor: i64,
    comment: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into transition (object_type, object_id, from_status, to_status, account_id, comment)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(object_type)
    .bind(object_id)
    .bind(from.as_ref().map(AsRef::as_ref))
    .bind(to.as_ref())
    .bind(actor)
    .bind(comment)
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
    /// The object under its current name (« Compte : Jeanne Martin »), or its kind and number once gone.
    pub object: String,
    /// The page that shows the object, while it exists.
    pub object_href: Option<String>,
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
        Value::Object(o) if o.contains_key("effacee") => "(donnée effacée)".into(),
        Value::Object(_) => v.to_string(),
    }
}

/// One entry of the journal as read from the database (a row, or an element of `history_json_sql`).
#[derive(sqlx::FromRow, Deserialize)]
pub struct EventRow {
    at: DateTime<Utc>,
    account_id: Option<i64>,
    who: Option<String>,
    summary: String,
    object_type: String,
    object_id: i64,
    changes: Value,
    /// The object's current name and page (`OBJECT_JOIN`); absent when the object is gone.
    #[sqlx(default)]
    #[serde(default)]
    object_name: Option<String>,
    #[sqlx(default)]
    #[serde(default)]
    object_href: Option<String>,
}

// People and objects are named when the journal is read, never copied into it: a renamed person or
// Maison shows under their current name, and one that is gone falls back to its kind and number. These
// two pieces are the only place that names them; every query of the journal uses them.

/// Who did it: the account's current name (`who`), joined on the event `e`.
const WHO_JOIN: &str = "left join account a on a.id = e.account_id";

/// The object of the event `e` under its current name, with the page that shows it (`o.name`, `o.href`).
const OBJECT_JOIN: &str = "left join lateral (
        select x.name, '/comptes/' || x.id from account x
         where e.object_type = 'account' and x.id = e.object_id
        union all
        select x.name, '/maisons/' || x.id from maison x
         where e.object_type = 'maison' and x.id = e.object_id
        union all
        select x.name, '/organisations/' || x.id from organisation x
         where e.object_type = 'organisation' and x.id = e.object_id
        union all
        select '« ' || x.title || ' » — ' || m.name, '/diagnostics/' || x.id
          from diagnostic x join maison m on m.id = x.maison_id
         where e.object_type = 'diagnostic' and x.id = e.object_id
        union all
        select '« ' || x.title || ' » — ' || m.name, '/plans/' || x.id
          from plan x join maison m on m.id = x.maison_id
         where e.object_type = 'plan' and x.id = e.object_id
        union all
        select 'n° ' || x.number || ' « ' || x.title || ' » — ' || m.name, '/actions/' || x.id
          from action x join plan p on p.id = x.plan_id join maison m on m.id = p.maison_id
         where e.object_type = 'action' and x.id = e.object_id
        union all
        select 'de ' || au.name || ' sur « ' || d.title || ' »',
               '/diagnostics/' || d.id || '#commentaire-' || x.id
          from comment x join diagnostic d on d.id = x.diagnostic_id join account au on au.id = x.author_id
         where e.object_type = 'comment' and x.id = e.object_id
        union all
        select x.code || ' « ' || x.label || ' »', '/indicateurs'
          from indicator x
         where e.object_type = 'indicator' and x.id = e.object_id
        union all
        select 'du ' || to_char(x.held_on, 'DD/MM/YYYY') || ' — ' || m.name, '/copil/' || x.id
          from copil_meeting x join maison m on m.id = x.maison_id
         where e.object_type = 'copil_meeting' and x.id = e.object_id
    ) o(name, href) on true";

/// The kind of object, as a person reads it, and the ending of « supprimé » that agrees with it.
fn object_kind(kind: &str) -> (&str, &'static str) {
    match kind {
        "account" => ("Compte", "supprimé"),
        "maison" => ("Maison", "supprimée"),
        "organisation" => ("Organisation", "supprimée"),
        "partnership" => ("Partenariat", "supprimé"),
        "diagnostic" => ("Diagnostic", "supprimé"),
        "plan" => ("Plan d'actions", "supprimé"),
        "action" => ("Fiche action", "supprimée"),
        "comment" => ("Commentaire", "supprimé"),
        "indicator" => ("Indicateur", "supprimé"),
        "copil_meeting" => ("Réunion du comité de pilotage", "supprimée"),
        other => (other, "supprimé"),
    }
}

/// Who did it, as a person reads it: the account's current name; an account that no longer exists by its
/// number; no account at all is the command line.
fn who_label(account_id: Option<i64>, name: Option<String>) -> String {
    match (account_id, name) {
        (_, Some(name)) => name,
        (Some(id), None) => format!("Compte supprimé (n° {id})"),
        (None, None) => "Système (ligne de commande)".into(),
    }
}

impl From<EventRow> for HistoryEntry {
    fn from(r: EventRow) -> Self {
        let changes: Vec<Change> = serde_json::from_value(r.changes).unwrap_or_default();
        let (kind, deleted) = object_kind(&r.object_type);
        let object = match &r.object_name {
            Some(name) => format!("{kind} : {name}"),
            None => format!("{kind} n° {} ({deleted})", r.object_id),
        };
        HistoryEntry {
            at: format::datetime(r.at),
            at_iso: format::iso_datetime(r.at),
            who: who_label(r.account_id, r.who),
            summary: r.summary,
            object,
            object_href: r.object_name.and(r.object_href),
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
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "select e.at, e.account_id, a.name as who, e.summary, e.object_type, e.object_id,
                event_changes_shown(e.changes) as changes
         from event e {WHO_JOIN}
         where e.object_type = $1 and e.object_id = $2
         order by e.at desc, e.id desc limit 100"
    ))
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
            select e.id, e.at, e.account_id, a.name as who, e.summary, e.object_type, e.object_id,
                event_changes_shown(e.changes) as changes
            from event e {WHO_JOIN}
            where e.object_type = {object_type} and e.object_id = {object_id}
            order by e.at desc, e.id desc limit 100) x)"
    )
}

pub fn history_from_json(rows: Option<sqlx::types::Json<Vec<EventRow>>>) -> Vec<HistoryEntry> {
    rows.map(|j| j.0.into_iter().map(HistoryEntry::from).collect())
        .unwrap_or_default()
}

/// The whole journal, newest first: `limit` events after the first `offset`, each with its object named.
pub async fn all(
    conn: impl PgExecutor<'_>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<HistoryEntry>> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "select e.at, e.account_id, a.name as who, e.summary, e.object_type, e.object_id,
                event_changes_shown(e.changes) as changes,
                o.name as object_name, o.href as object_href
         from (select * from event order by at desc, id desc limit $1 offset $2) e {WHO_JOIN} {OBJECT_JOIN}
         order by e.at desc, e.id desc"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(HistoryEntry::from).collect())
}
