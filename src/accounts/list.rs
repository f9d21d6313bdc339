//! `/comptes`: the accounts this person manages, filtered by role, Maison, organisation and status, searched
//! by name or e-mail, 50 a page. One query for the page (with the total), two for the filter choices.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::queries::{self, Choice, role_label};
use crate::auth::policy::accounts::{self as rules, AccountScope};
use crate::auth::{CurrentUser, Role, policy};
use crate::error::AppResult;
use crate::web::pagination::{PageLinks, Pager, Pages};
use crate::web::{Ctx, Signed, format};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    role: String,
    #[serde(default)]
    maison: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    statut: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: String,
}

/// The filters once understood; unknown values are ignored rather than refused.
struct Parsed {
    role: Option<&'static str>,
    maison: Option<i64>,
    organisation: Option<i64>,
    status: Option<&'static str>,
    q: String,
    pager: Pager,
}

impl Filters {
    fn parse(&self) -> Parsed {
        let role = match self.role.as_str() {
            "admin" => Some("admin"),
            "staff" => Some("staff"),
            "responsable" => Some("responsable"),
            "partner" => Some("partner"),
            _ => None,
        };
        let status = match self.statut.as_str() {
            "actif" => Some("actif"),
            "inactif" => Some("inactif"),
            "invitation" => Some("invitation"),
            _ => None,
        };
        Parsed {
            role,
            maison: format::parse_int(&self.maison),
            organisation: format::parse_int(&self.organisation),
            status,
            // Control characters (a NUL above all) cannot be matched and PostgreSQL refuses them in text.
            q: self
                .q
                .trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect(),
            pager: Pager::parse(&self.page, PAGE_SIZE),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    email: String,
    name: String,
    role: String,
    responsable: bool,
    active: bool,
    has_password: bool,
    last_login_at: Option<DateTime<Utc>>,
    maison_name: Option<String>,
    organisation_name: Option<String>,
    invitation_expires_at: Option<DateTime<Utc>>,
    total: i64,
}

struct Line {
    id: i64,
    email: String,
    name: String,
    role: &'static str,
    affiliation: String,
    last_login: String,
    status: &'static str,
    status_class: &'static str,
}

impl From<Row> for Line {
    fn from(r: Row) -> Self {
        let role = Role::parse(&r.role).unwrap_or(Role::Partner);
        let affiliation = match role {
            Role::Admin => "Alliance Villes Emploi".into(),
            Role::Staff => r.maison_name.unwrap_or_default(),
            Role::Partner => r.organisation_name.unwrap_or_default(),
        };
        let (status, status_class) = if !r.active {
            ("Désactivé", "badge badge-muted")
        } else if !r.has_password && r.invitation_expires_at.is_none_or(|t| t <= Utc::now()) {
            ("Invitation expirée", "badge badge-danger")
        } else if !r.has_password {
            ("Invitation en attente", "badge badge-warning")
        } else {
            ("Actif", "badge badge-success")
        };
        Line {
            id: r.id,
            email: r.email,
            name: r.name,
            role: role_label(role, r.responsable),
            affiliation,
            last_login: r
                .last_login_at
                .map(format::datetime)
                .unwrap_or_else(|| "jamais".into()),
            status,
            status_class,
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/list.html")]
struct ListPage {
    ctx: Ctx,
    lines: Vec<Line>,
    total: i64,
    page: i64,
    pages: i64,
    role: String,
    maison: Option<i64>,
    organisation: Option<i64>,
    status: String,
    q: String,
    organisations: Vec<Choice>,
    all_maisons: bool,
    /// For an admin's `?maison=` / `?organisation=` filters: the names, shown with a way to remove them.
    maison_name: Option<String>,
    organisation_name: Option<String>,
    can_invite_admins: bool,
    pagination: Pages,
}

impl ListPage {
    fn total_label(&self) -> String {
        match self.total {
            0 => "Aucun compte".into(),
            1 => "1 compte".into(),
            n => format!("{} comptes", format::int(n)),
        }
    }
}

/// Escapes `%`, `_` and `\` so that what a person types is matched literally by LIKE.
fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The page links keep the filters the list understood.
fn page_links(p: &Parsed) -> PageLinks {
    let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    PageLinks::new("/comptes", "Pages de la liste des comptes")
        .keep("role", p.role.unwrap_or(""))
        .keep("maison", &id(p.maison))
        .keep("organisation", &id(p.organisation))
        .keep("statut", p.status.unwrap_or(""))
        .keep("q", &p.q)
}

/// The page's accounts, each with the total of the filtered list.
async fn fetch_rows(
    conn: &mut sqlx::PgConnection,
    scope: AccountScope,
    p: &Parsed,
) -> sqlx::Result<Vec<Row>> {
    let sql = format!(
        "select a.id, a.email, a.name, a.role, a.responsable, a.active,
                a.password_hash is not null as has_password, a.last_login_at,
                m.name as maison_name, o.name as organisation_name,
                (select max(t.expires_at) from account_token t
                  where t.account_id = a.id and t.purpose = 'invitation' and t.used_at is null)
                  as invitation_expires_at,
                count(*) over () as total
         from account a
         left join maison m on m.id = a.maison_id
         left join organisation o on o.id = a.organisation_id
         where {scope}
           and ($2::text is null
                or ($2 = 'responsable' and a.role = 'staff' and a.responsable)
                or a.role = $2)
           and ($3::bigint is null or a.maison_id = $3)
           and ($4::bigint is null or a.organisation_id = $4)
           and ($5::text is null
                or ($5 = 'actif' and a.active and a.password_hash is not null)
                or ($5 = 'inactif' and not a.active)
                or ($5 = 'invitation' and a.active and a.password_hash is null))
           and ($6::text is null
                or f_unaccent(lower(a.name)) like f_unaccent(lower($6))
                or lower(a.email) like lower($6)
                or f_unaccent(lower(m.name)) like f_unaccent(lower($6))
                or f_unaccent(lower(o.name)) like f_unaccent(lower($6)))
         order by a.name, a.id
         limit $7 offset $8",
        scope = AccountScope::sql("$1", "$9")
    );
    sqlx::query_as(&sql)
        .persistent(false)
        .bind(scope.maison_param())
        .bind(p.role)
        .bind(p.maison)
        .bind(p.organisation)
        .bind(p.status)
        .bind(Some(like_pattern(&p.q)).filter(|_| !p.q.is_empty()))
        .bind(p.pager.per_page())
        .bind(p.pager.offset())
        .bind(scope.organisation_param())
        .fetch_all(conn)
        .await
}

/// The names of the Maison and the organisation filtered on, shown with a way to remove them.
async fn filter_names(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    p: &Parsed,
    all_maisons: bool,
    organisations: &[Choice],
) -> sqlx::Result<(Option<String>, Option<String>)> {
    let (maison_name, organisation_name): (Option<String>, Option<String>) = if p.maison.is_some()
        || p.organisation.is_some()
    {
        sqlx::query_as(
            "select (select name from maison where id = $1), (select name from organisation where id = $2)",
        )
        .bind(p.maison)
        .bind(p.organisation)
        .fetch_one(conn)
        .await?
    } else {
        (None, None)
    };
    // A responsable's filters name only their own Maison and its partners (the links they offer would
    // otherwise lead nowhere).
    Ok(if all_maisons {
        (maison_name, organisation_name)
    } else {
        (
            maison_name.filter(|_| p.maison.is_some() && p.maison == rules::managed_maison(user)),
            organisation_name
                .filter(|_| organisations.iter().any(|c| Some(c.id) == p.organisation)),
        )
    })
}

pub async fn list(
    Signed { state, user, ctx }: Signed,
    Query(filters): Query<Filters>,
) -> AppResult<Response> {
    let scope = AccountScope::of(&user);
    policy::ensure(scope.is_some())?;
    let scope = scope.unwrap_or(AccountScope::All);
    let p = filters.parse();
    let mut conn = state.db.acquire().await?;
    let rows = fetch_rows(&mut conn, scope, &p).await?;
    let total = match rows.first() {
        Some(r) => r.total,
        // Past the last page: count, so that the page can say where the results are.
        None if p.pager.page() > 1 => -1,
        None => 0,
    };
    // A responsable chooses among a few organisations; the network has thousands of Maisons and
    // organisations, so an admin searches by name instead, and reaches `?maison=` / `?organisation=` by link.
    let all_maisons = rules::managed_maison(&user).is_none();
    let organisations = if all_maisons {
        Vec::new()
    } else {
        queries::organisation_choices(&mut *conn, &user).await?
    };
    let (maison_name, organisation_name) =
        filter_names(&mut conn, &user, &p, all_maisons, &organisations).await?;
    let pagination = p.pager.counted(total.max(0), &page_links(&p));
    let page_number = p.pager.page();
    let page = ListPage {
        ctx,
        lines: rows.into_iter().map(Line::from).collect(),
        total: total.max(0),
        page: page_number,
        pages: p.pager.pages(total.max(0)).max(page_number),
        role: p.role.unwrap_or("").to_owned(),
        maison: p.maison,
        organisation: p.organisation,
        status: p.status.unwrap_or("").to_owned(),
        organisations,
        all_maisons,
        maison_name,
        organisation_name,
        can_invite_admins: user.is_admin(),
        pagination,
        q: p.q,
    };
    Ok(Html(page.render()?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_is_literal() {
        assert_eq!(like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
