//! Loading accounts, always through the policy: an account the person may not manage is "not found".

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::audit::Event;
use crate::auth::policy::accounts::{self as rules, AccountTarget};
use crate::auth::policy::organisations::OrgControl;
use crate::auth::{CurrentUser, Role, policy};
use crate::error::AppResult;
use crate::web::format;

/// One account, with what its page and the policy need.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub maison_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub responsable: bool,
    pub active: bool,
    pub has_password: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
    pub maison_name: Option<String>,
    pub organisation_name: Option<String>,
    /// Whether its organisation partners the Maison of the person asking (false for admins asking).
    pub partners_maison: bool,
    /// The expiry of the latest unused invitation link, if any.
    pub invitation_expires_at: Option<DateTime<Utc>>,
    pub referent: bool,
    /// Who controls its organisation (`OrgControl::columns`).
    pub created_by_maison: Option<i64>,
    pub creator_partners: bool,
    pub other_partners: i64,
    /// Erased (RGPD): the name and address are a pseudonym.
    pub erased: bool,
}

/// The account query, with `$2` the Maison of the person asking (null for others).
pub fn select() -> String {
    format!(
        "{SELECT_START}, a.referent, {control}, a.erased_at is not null as erased{SELECT_FROM}",
        control = OrgControl::columns("o")
    )
}

const SELECT_FROM: &str = "
   from account a
   left join maison m on m.id = a.maison_id
   left join organisation o on o.id = a.organisation_id";

const SELECT_START: &str = "select a.id, a.email, a.name, a.role, a.maison_id, a.organisation_id, a.responsable,
        a.active, a.password_hash is not null as has_password, a.last_login_at, a.created_at, a.version,
        m.name as maison_name, o.name as organisation_name,
        coalesce(a.organisation_id in
            (select p.organisation_id from partnership p where p.maison_id = $2), false) as partners_maison,
        (select max(t.expires_at) from account_token t
          where t.account_id = a.id and t.purpose = 'invitation' and t.used_at is null) as invitation_expires_at";

impl AccountRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Partner)
    }

    pub fn target(&self) -> AccountTarget {
        AccountTarget {
            role: self.role(),
            maison_id: self.maison_id,
            organisation: self.organisation_id.map(|id| OrgControl {
                id,
                created_by_maison: self.created_by_maison,
                creator_partners: self.creator_partners,
                other_partners: self.other_partners,
            }),
            organisation_partners_maison: self.partners_maison,
            erased: self.erased,
        }
    }

    pub fn role_label(&self) -> &'static str {
        if self.referent {
            "Référent de l'organisation"
        } else {
            role_label(self.role(), self.responsable)
        }
    }

    pub fn affiliation(&self) -> String {
        match self.role() {
            Role::Admin => "Alliance Villes Emploi".into(),
            Role::Staff => self.maison_name.clone().unwrap_or_default(),
            Role::Partner => self.organisation_name.clone().unwrap_or_default(),
        }
    }

    /// Invited, password not chosen yet.
    pub fn pending(&self) -> bool {
        !self.has_password && !self.erased
    }

    pub fn invitation_expired(&self) -> bool {
        self.invitation_expires_at.is_none_or(|t| t <= Utc::now())
    }

    pub fn last_login(&self) -> String {
        self.last_login_at
            .map(format::datetime)
            .unwrap_or_else(|| "jamais".into())
    }

    pub fn created(&self) -> String {
        format::datetime(self.created_at)
    }

    pub fn invitation_expiry(&self) -> String {
        self.invitation_expires_at
            .map(format::datetime)
            .unwrap_or_default()
    }

    /// The status as words and the badge class that goes with them.
    pub fn status(&self) -> (&'static str, &'static str) {
        if self.erased {
            ("Effacé", "badge badge-muted")
        } else if !self.active {
            ("Désactivé", "badge badge-muted")
        } else if self.pending() && self.invitation_expired() {
            ("Invitation expirée", "badge badge-danger")
        } else if self.pending() {
            ("Invitation en attente", "badge badge-warning")
        } else {
            ("Actif", "badge badge-success")
        }
    }

    /// The Maison an event about this account belongs to: its own, or the manager's for a partner.
    pub fn event_maison(&self, actor: &CurrentUser) -> Option<i64> {
        self.maison_id.or(actor.maison_id)
    }

    /// An event of `actor` on this account, without changes (`Event { changes, ..account.event(…) }`).
    pub fn event<'a>(&self, actor: &CurrentUser, action: &'a str, summary: String) -> Event<'a> {
        Event {
            actor: Some(actor.id),
            maison_id: self.event_maison(actor),
            object_type: "account",
            object_id: self.id,
            action,
            summary,
            changes: vec![],
        }
    }
}

pub fn role_label(role: Role, responsable: bool) -> &'static str {
    match (role, responsable) {
        (Role::Staff, true) => "Responsable de la Maison",
        (role, _) => role.label(),
    }
}

async fn load(db: impl PgExecutor<'_>, user: &CurrentUser, id: i64) -> AppResult<AccountRow> {
    policy::ensure(rules::can_manage_accounts(user))?;
    let row: Option<AccountRow> = sqlx::query_as(&format!("{} where a.id = $1", select()))
        .persistent(false)
        .bind(id)
        .bind(rules::managed_maison(user))
        .fetch_optional(db)
        .await?;
    row.ok_or(crate::error::AppError::NotFound)
}

/// The account, if `user` may manage it; otherwise 404.
pub async fn load_managed(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
    id: i64,
) -> AppResult<AccountRow> {
    let row = load(db, user, id).await?;
    policy::ensure(rules::can_manage(user, &row.target()))?;
    Ok(row)
}

/// The account, if `user` may see its page (manage it, or send it a link by e-mail); otherwise 404.
pub async fn load_visible(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
    id: i64,
) -> AppResult<AccountRow> {
    let row = load(db, user, id).await?;
    policy::ensure(rules::can_view(user, &row.target()))?;
    Ok(row)
}

/// An option of a `<select>`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Choice {
    pub id: i64,
    pub name: String,
}

/// The organisations whose people this manager may invite: all (admins) or the Maison's partners.
pub async fn organisation_choices(
    db: impl PgExecutor<'_>,
    user: &CurrentUser,
) -> sqlx::Result<Vec<Choice>> {
    sqlx::query_as(
        "select o.id, o.name from organisation o
         where $1::bigint is null
            or o.id in (select p.organisation_id from partnership p where p.maison_id = $1)
         order by o.name_key, o.id",
    )
    .bind(rules::managed_maison(user))
    .fetch_all(db)
    .await
}

/// A Maison or an organisation found by the invitation's search, with what tells homonyms apart.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Found {
    pub id: i64,
    pub name: String,
    pub detail: String,
}

/// How many results the invitation's searches show: enough to pick from, never the whole network.
pub const SEARCH_LIMIT: i64 = 20;

/// Maisons whose name or town contains the words typed (accents and case ignored), for an admin's
/// invitation.
pub async fn search_maisons(db: impl PgExecutor<'_>, q: &str) -> sqlx::Result<Vec<Found>> {
    let Some(pattern) = crate::web::forms::contains_pattern(q) else {
        return Ok(Vec::new());
    };
    sqlx::query_as(
        "select m.id, m.name, m.city || ' (' || m.departement_code || ')' as detail
         from maison m
         where m.name_key like f_unaccent(lower($1)) or m.city_key like f_unaccent(lower($1))
         order by m.sort_key, m.id
         limit $2",
    )
    .bind(pattern)
    .bind(SEARCH_LIMIT)
    .fetch_all(db)
    .await
}

/// Organisations whose name contains the words typed, or whose SIRET starts with the digits typed.
pub async fn search_organisations(db: impl PgExecutor<'_>, q: &str) -> sqlx::Result<Vec<Found>> {
    let Some(pattern) = crate::web::forms::contains_pattern(q) else {
        return Ok(Vec::new());
    };
    let digits: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    let siret_prefix =
        (!digits.is_empty() && digits.len() <= 14 && digits.chars().all(|c| c.is_ascii_digit()))
            .then(|| format!("{digits}%"));
    sqlx::query_as(
        "select o.id, o.name, t.name || coalesce(', ' || r.name, '') as detail
         from organisation o
         join partner_type t on t.code = o.type_code
         left join region r on r.code = o.region_code
         where o.name_key like f_unaccent(lower($1)) or ($2::text is not null and o.siret like $2)
         order by o.name_key, o.id
         limit $3",
    )
    .bind(pattern)
    .bind(siret_prefix)
    .bind(SEARCH_LIMIT)
    .fetch_all(db)
    .await
}

/// The name of a Maison (`Some` with the name) or of an organisation, for an invitation's context.
pub async fn maison_name(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select name from maison where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn organisation_name(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select name from organisation where id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}
