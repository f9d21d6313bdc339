//! The invitation chooser (`/comptes/inviter` without a context): a responsable picks their team or one of
//! their Maison's partners (each said managed or not by the Maison: the policy's answer); an admin searches
//! a Maison or an organisation by name (GET, filtered by the server, 20 results at most, no JavaScript).

use askama::Template;
use axum::response::{Html, IntoResponse, Response};

use super::invite::Prefill;
use super::queries::{self, Choice, Found};
use crate::auth::CurrentUser;
use crate::auth::policy::accounts as rules;
use crate::auth::policy::organisations::OrgControl;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::Ctx;

/// One of the responsable's partner organisations, and whether the Maison manages its people.
struct PartnerChoice {
    id: i64,
    name: String,
    managed: bool,
}

/// The organisations that partner the Maison, with who manages each (the policy's answer).
async fn partner_choices(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    maison: i64,
) -> sqlx::Result<Vec<PartnerChoice>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        name: String,
        #[sqlx(flatten)]
        control: OrgControl,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select o.id, o.name, {} from organisation o
         where o.id in (select p.organisation_id from partnership p where p.maison_id = $1)
         order by o.name, o.id",
        OrgControl::columns("o")
    ))
    .persistent(false)
    .bind(maison)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PartnerChoice {
            id: r.control.id,
            managed: rules::can_invite_people_of(user, &r.control),
            name: r.name,
        })
        .collect())
}

/// Who may be invited, without a context yet: the chooser.
#[derive(Template)]
#[template(path = "accounts/invite_choose.html")]
struct ChoosePage {
    ctx: Ctx,
    admin: bool,
    /// A responsable's Maison, and the organisations that partner it.
    own_maison: Option<Choice>,
    partners: Vec<PartnerChoice>,
    /// An admin's searches.
    maison_q: String,
    organisation_q: String,
    maisons: Option<Vec<Found>>,
    organisations: Option<Vec<Found>>,
    limit: i64,
}

/// The search typed, bounded and without control characters (PostgreSQL refuses a NUL in text).
fn clean_query(q: &str) -> String {
    q.trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect()
}

/// The chooser: whom to invite, when the page was opened without a context.
pub(super) async fn choose(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    prefill: &Prefill,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let maison_q = clean_query(&prefill.maison_q);
    let organisation_q = clean_query(&prefill.organisation_q);
    let (own_maison, partners, maisons, organisations) = match rules::managed_maison(user) {
        Some(own) if !user.is_admin() => {
            let name = queries::maison_name(&mut *conn, own)
                .await?
                .unwrap_or_default();
            let partners = partner_choices(&mut conn, user, own).await?;
            (Some(Choice { id: own, name }), partners, None, None)
        }
        _ => {
            let maisons = if maison_q.is_empty() {
                None
            } else {
                Some(queries::search_maisons(&mut *conn, &maison_q).await?)
            };
            let organisations = if organisation_q.is_empty() {
                None
            } else {
                Some(queries::search_organisations(&mut *conn, &organisation_q).await?)
            };
            (None, Vec::new(), maisons, organisations)
        }
    };
    let page = ChoosePage {
        ctx,
        admin: user.is_admin(),
        own_maison,
        partners,
        maison_q,
        organisation_q,
        maisons,
        organisations,
        limit: queries::SEARCH_LIMIT,
    };
    Ok(Html(page.render()?).into_response())
}
