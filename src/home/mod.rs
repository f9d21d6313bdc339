//! `/`: the sign-in page for a visitor, and for a signed-in person the home page of their role: the
//! network's for admins, the Maison's desk for its staff (`desk.rs`), the partner's.

mod desk;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::audit::activity::{self, Activity};
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Ctx;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let Some(user) = ctx.user.clone() else {
        return Err(AppError::LoginRequired {
            next: String::new(),
        });
    };
    match user.role {
        Role::Admin => admin_home(&state, ctx, user).await,
        Role::Staff => desk::page(&state, ctx, user).await,
        Role::Partner => partner_home(&state, ctx, user).await,
    }
}

#[derive(sqlx::FromRow)]
struct NetworkCounts {
    maisons: i64,
    grenelle: i64,
    regions: i64,
    organisations: i64,
    accounts: i64,
}

impl NetworkCounts {
    /// A count in French (`1 920`).
    fn fr(&self, n: &i64) -> String {
        crate::web::format::int(*n)
    }
    /// The word after the count `n`, singular below two.
    fn of<'a>(&self, n: &i64, one: &'a str, many: &'a str) -> &'a str {
        crate::web::format::plural(*n, one, many)
    }
}

#[derive(Template)]
#[template(path = "home/admin.html")]
struct AdminHome {
    ctx: Ctx,
    name: String,
    counts: NetworkCounts,
    recent: Vec<Activity>,
}

async fn admin_home(state: &AppState, ctx: Ctx, user: CurrentUser) -> AppResult<Response> {
    let counts: NetworkCounts = sqlx::query_as(
        "select (select count(*) from maison) as maisons,
                (select count(*) from maison where grenelle_year is not null) as grenelle,
                (select count(distinct region_code) from maison where grenelle_year is not null) as regions,
                (select count(*) from organisation) as organisations,
                (select count(*) from account where active) as accounts",
    )
    .fetch_one(&state.db)
    .await?;
    let recent = {
        let mut conn = state.db.acquire().await?;
        activity::recent(&mut conn, None, 10).await?
    };
    Ok(Html(
        AdminHome {
            ctx,
            name: user.name,
            counts,
            recent,
        }
        .render()?,
    )
    .into_response())
}

#[derive(sqlx::FromRow)]
struct PartneredMaison {
    id: i64,
    name: String,
    region: String,
    roles: Vec<String>,
}

impl PartneredMaison {
    fn roles_label(&self) -> String {
        crate::domain::partnership::roles_label(&self.roles)
    }
}

#[derive(Template)]
#[template(path = "home/partner.html")]
struct PartnerHome {
    ctx: Ctx,
    user: CurrentUser,
    organisation_type: String,
    maisons: Vec<PartneredMaison>,
    diagnostics: Vec<crate::diagnostics::SharedDiagnostic>,
}

async fn partner_home(state: &AppState, ctx: Ctx, user: CurrentUser) -> AppResult<Response> {
    let organisation_id = user.organisation_id.ok_or(AppError::NotFound)?;
    let organisation_type: String = sqlx::query_scalar(
        "select t.name from organisation o join partner_type t on t.code = o.type_code where o.id = $1",
    )
    .bind(organisation_id)
    .fetch_one(&state.db)
    .await?;
    let maisons: Vec<PartneredMaison> = sqlx::query_as(
        "select m.id, m.name, r.name as region, p.roles from partnership p
         join maison m on m.id = p.maison_id join region r on r.code = m.region_code
         where p.organisation_id = $1 order by m.sort_key limit 200",
    )
    .bind(organisation_id)
    .fetch_all(&state.db)
    .await?;
    let diagnostics = {
        let mut conn = state.db.acquire().await?;
        crate::diagnostics::shared_with(&mut conn, organisation_id, 20).await?
    };
    Ok(Html(
        PartnerHome {
            ctx,
            user,
            organisation_type,
            maisons,
            diagnostics,
        }
        .render()?,
    )
    .into_response())
}
