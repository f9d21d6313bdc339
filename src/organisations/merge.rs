//! Merging two records of the same organisation (issue 14): the trust model pushes Maisons to create local
//! copies of an organisation (a second « France Travail Nord »), which the admins then merge. On the
//! organisation's page an admin picks the copy (`/organisations/{id}/fusionner`, a search by name), reads a
//! confirmation page that counts what moves and warns that it cannot be undone, and confirms: in one
//! transaction the copy's partnerships (roles joined and contacts moved where both partner the same
//! Maison), accounts, shares of diagnostics, partnership requests, proposals, fundings, pilots and action
//! partners, and its journal, follow the surviving record; the copy is deleted; the merge is journaled.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use crate::audit::{self, Change, Event};
use crate::auth::policy::{self, organisations as org_rules};
use crate::auth::session::FlashKind;
use crate::error::{AppError, AppResult};
use crate::web::forms::{contains_pattern, parse_id};
use crate::web::{Ctx, Form, Signed, format, outcome};

#[derive(sqlx::FromRow, Clone)]
pub struct OrgName {
    id: i64,
    name: String,
    siret: Option<String>,
}

/// What moves from the copy to the surviving record.
#[derive(sqlx::FromRow, Default)]
pub struct Counts {
    partnerships: i64,
    accounts: i64,
    shares: i64,
    requests: i64,
    proposals: i64,
    fundings: i64,
    pilots: i64,
    action_partners: i64,
    events: i64,
}

impl Counts {
    async fn of(conn: &mut PgConnection, id: i64) -> sqlx::Result<Counts> {
        sqlx::query_as(
            "select (select count(*) from partnership where organisation_id = $1) as partnerships,
                    (select count(*) from account where organisation_id = $1) as accounts,
                    (select count(*) from diagnostic_share where organisation_id = $1) as shares,
                    (select count(*) from partnership_request where organisation_id = $1) as requests,
                    (select count(*) from account_proposal where organisation_id = $1) as proposals,
                    (select count(*) from action_funding where organisation_id = $1) as fundings,
                    (select count(*) from action where pilot_organisation_id = $1) as pilots,
                    (select count(*) from action_partner where organisation_id = $1) as action_partners,
                    (select count(*) from event where object_type = 'organisation' and object_id = $1)
                        as events",
        )
        .bind(id)
        .fetch_one(conn)
        .await
    }

    fn changes(&self) -> Vec<Change> {
        [
            ("partnerships", "Partenariats", self.partnerships),
            ("accounts", "Comptes", self.accounts),
            ("shares", "Partages de diagnostics", self.shares),
            ("requests", "Demandes de partenariat", self.requests),
            ("proposals", "Propositions de comptes", self.proposals),
            ("fundings", "Financements", self.fundings),
            ("pilots", "Actions pilotées", self.pilots),
            (
                "action_partners",
                "Actions partenaires",
                self.action_partners,
            ),
            ("events", "Événements du journal", self.events),
        ]
        .into_iter()
        .map(|(field, label, n)| Change::new(field, label, n, 0))
        .collect()
    }
}

#[derive(Template)]
#[template(path = "organisations/merge.html")]
struct MergePage {
    ctx: Ctx,
    survivor: OrgName,
    q: String,
    found: Option<Vec<OrgName>>,
    /// The copy chosen, and what would move (`c`).
    other: Option<OrgName>,
    c: Counts,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MergeQuery {
    q: String,
    avec: String,
}

async fn org_name(conn: &mut PgConnection, id: i64, lock: bool) -> AppResult<OrgName> {
    let sql = format!(
        "select id, name, siret from organisation where id = $1{}",
        if lock { " for update" } else { "" }
    );
    sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Query(q): Query<MergeQuery>,
) -> AppResult<Response> {
    policy::ensure(org_rules::can_merge(&user))?;
    let id = parse_id(&id)?;
    let mut conn = state.db.acquire().await?;
    let survivor = org_name(&mut conn, id, false).await?;
    let (other, c) = match format::parse_int(&q.avec).filter(|o| *o != id) {
        Some(o) => (
            Some(org_name(&mut conn, o, false).await?),
            Counts::of(&mut conn, o).await?,
        ),
        None => (None, Counts::default()),
    };
    let query: String =
        q.q.trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
    let found = match contains_pattern(&query) {
        Some(pattern) if other.is_none() => Some(
            sqlx::query_as(
                "select id, name, siret from organisation
                 where id <> $1 and name_key like f_unaccent(lower($2))
                 order by name, id limit 20",
            )
            .bind(id)
            .bind(pattern)
            .fetch_all(&mut *conn)
            .await?,
        ),
        _ => None,
    };
    Ok(Html(
        MergePage {
            ctx,
            survivor,
            q: query,
            found,
            other,
            c,
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MergeForm {
    avec: String,
}

/// Moves everything of `other` onto `survivor`, then deletes `other`.
async fn move_all(tx: &mut PgConnection, survivor: i64, other: i64) -> sqlx::Result<()> {
    // Partnerships with a Maison both partner: roles joined, contacts moved, the copy's one deleted.
    sqlx::query(
        "update partnership s set roles = array(select distinct unnest(s.roles || o.roles) order by 1)
           from partnership o
          where s.organisation_id = $1 and o.organisation_id = $2 and o.maison_id = s.maison_id",
    )
    .bind(survivor)
    .bind(other)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update partnership_contact c set partnership_id = s.id
           from partnership o join partnership s on s.maison_id = o.maison_id and s.organisation_id = $1
          where o.organisation_id = $2 and c.partnership_id = o.id",
    )
    .bind(survivor)
    .bind(other)
    .execute(&mut *tx)
    .await?;
    let statements = [
        "delete from partnership o where o.organisation_id = $2
           and exists (select 1 from partnership s where s.organisation_id = $1 and s.maison_id = o.maison_id)",
        "update partnership set organisation_id = $1 where organisation_id = $2",
        "update account set organisation_id = $1 where organisation_id = $2",
        "insert into diagnostic_share (diagnostic_id, organisation_id, shared_by, shared_at)
         select diagnostic_id, $1, shared_by, shared_at from diagnostic_share where organisation_id = $2
         on conflict do nothing",
        "delete from diagnostic_share where organisation_id = $2",
        "insert into action_partner (action_id, organisation_id)
         select action_id, $1 from action_partner where organisation_id = $2 on conflict do nothing",
        "delete from action_partner where organisation_id = $2",
        "update action set pilot_organisation_id = $1 where pilot_organisation_id = $2",
        "update action_funding set organisation_id = $1 where organisation_id = $2",
        // A request or a proposal waiting on both records: the survivor's stays.
        "delete from partnership_request o where o.organisation_id = $2 and o.status = 'en_attente'
           and exists (select 1 from partnership_request s where s.organisation_id = $1
                       and s.maison_id = o.maison_id and s.status = 'en_attente')",
        "update partnership_request set organisation_id = $1 where organisation_id = $2",
        "delete from account_proposal o where o.organisation_id = $2 and o.status = 'en_attente'
           and exists (select 1 from account_proposal s where s.organisation_id = $1
                       and lower(s.email) = lower(o.email) and s.status = 'en_attente')",
        "update account_proposal set organisation_id = $1 where organisation_id = $2",
        // The copy's history becomes the survivor's.
        "update event set object_id = $1 where object_type = 'organisation' and object_id = $2",
        "delete from organisation where id = $2",
    ];
    for sql in statements {
        sqlx::query(sql)
            .bind(survivor)
            .bind(other)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub async fn merge(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
    Form(f): Form<MergeForm>,
) -> AppResult<Response> {
    policy::ensure(org_rules::can_merge(&user))?;
    let id = parse_id(&id)?;
    let other_id = format::parse_int(&f.avec).unwrap_or(id);
    if other_id == id {
        outcome::flash(
            &state.db,
            &ctx,
            FlashKind::Error,
            "Choisissez une autre organisation que celle-ci.",
        )
        .await?;
        return Ok(Redirect::to(&format!("/organisations/{id}/fusionner")).into_response());
    }
    let mut tx = state.db.begin().await?;
    // Both rows locked, in the order of their ids (two merges at once cannot deadlock).
    let (first, second) = (id.min(other_id), id.max(other_id));
    let a = org_name(&mut tx, first, true).await?;
    let b = org_name(&mut tx, second, true).await?;
    let (survivor, other) = if a.id == id { (a, b) } else { (b, a) };
    let counts = Counts::of(&mut tx, other.id).await?;
    move_all(&mut tx, survivor.id, other.id).await?;
    // The survivor keeps its own SIRET; it takes the copy's if it had none.
    if survivor.siret.is_none() && other.siret.is_some() {
        sqlx::query("update organisation set siret = $2 where id = $1")
            .bind(survivor.id)
            .bind(&other.siret)
            .execute(&mut *tx)
            .await?;
    }
    let mut changes = vec![Change::new(
        "fusion",
        "Organisation fusionnée (n°)",
        other.id,
        survivor.id,
    )];
    changes.extend(counts.changes());
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: None,
            object_type: "organisation",
            object_id: survivor.id,
            action: "fusion",
            summary: format!(
                "Organisation fusionnée : « {} » rejoint « {} »",
                other.name, survivor.name
            ),
            changes,
        },
    )
    .await?;
    outcome::committed(
        tx,
        &ctx,
        &format!(
            "« {} » a été fusionnée dans cette organisation et supprimée.",
            other.name
        ),
        &format!("/organisations/{}", survivor.id),
    )
    .await
}
