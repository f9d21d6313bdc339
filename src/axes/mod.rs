//! `/axes/1` … `/axes/4`: the page of one axis of the current cahier des charges (the number is
//! `axis.number` under `CURRENT_CHARTER`; axes are data). Who sees what is the policy's `AxisView`:
//! - a Maison's staff (or an admin who picked a Maison with `?maison=`): that Maison's actions under the
//!   axis in its current plan — status, progress, budget, indicators, what is late — and how it compares
//!   with the network on this axis;
//! - admins: the network — actions by status, sector and region, budget and co-financing totals, the
//!   Maisons with no action under this axis;
//! - partners: the same Maison page for each Maison their organisation partners, limited to its latest
//!   validated plan (validé, en mise en œuvre, clôturé).
//!
//! Speed (under 30 ms for a Maison with 2,050 Maisons in the network): the Maison's figures read one plan
//! through the covering index `action_axis_cover_idx`; the network comparison is one aggregate over the
//! validated plans, each probing that index for its actions under the axis (index-only: the wide action
//! rows are never read), with the median and quartiles computed by PostgreSQL.

mod export;
mod maison;
mod network;
mod scope;

use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::auth::policy;
use crate::auth::policy::reseau::AxisView;
use crate::domain::CURRENT_CHARTER;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Ctx, Signed};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/axes", get(index))
        .route("/axes/{number}", get(maison::page))
        .route("/axes/{number}/export/{format}", get(export::export))
}

#[derive(sqlx::FromRow, Clone)]
pub struct Axis {
    pub id: i32,
    pub number: i32,
    pub title: String,
    pub short_title: String,
    pub description: String,
    pub expectations: String,
}

/// The axis (reference data, kept in the network cache: edits of `axis` notify like every write).
async fn load_axis(state: &AppState, number: &str) -> AppResult<Axis> {
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    let axis = state
        .network_cache
        .get_or_compute(format!("axe/{number}"), || fetch_axis(state, number))
        .await?;
    Ok((*axis).clone())
}

async fn fetch_axis(state: &AppState, number: i32) -> AppResult<Axis> {
    let axis: Option<Axis> = sqlx::query_as(
        "select id, number, title, short_title, description, expectations from axis
         where charter = $1 and number = $2",
    )
    .bind(CURRENT_CHARTER)
    .bind(number)
    .fetch_optional(&state.db)
    .await?;
    axis.ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "axes/index.html")]
struct IndexPage {
    ctx: Ctx,
    axes: Vec<Axis>,
    query: String,
}

#[derive(Deserialize, Default)]
pub struct AxisQuery {
    #[serde(default)]
    maison: String,
    /// The network view's Maisons (`crate::reseau::Programme`): the programme's by default.
    #[serde(default)]
    programme: String,
}

impl AxisQuery {
    fn maison(&self) -> AppResult<Option<i64>> {
        let m = self.maison.trim();
        if m.is_empty() {
            Ok(None)
        } else {
            m.parse().map(Some).map_err(|_| AppError::NotFound)
        }
    }
}

async fn index(
    Signed { state, user, ctx }: Signed,
    Query(q): Query<AxisQuery>,
) -> AppResult<Response> {
    let requested = q.maison()?;
    let view = policy::reseau::axis_view(&user, requested).ok_or(AppError::NotFound)?;
    // A partner names only a Maison their organisation partners, as on the axis pages themselves.
    if let (AxisView::Partner(_), Some(id)) = (view, requested) {
        policy::ensure(crate::maisons::organisation_partners(&state.db, &user, id).await?)?;
    }
    let axes: Vec<Axis> = sqlx::query_as(
        "select id, number, title, short_title, description, expectations from axis
         where charter = $1 order by number",
    )
    .bind(CURRENT_CHARTER)
    .fetch_all(&state.db)
    .await?;
    // The network view keeps the choice of Maisons made on an axis page.
    let query = match (requested, view) {
        (Some(m), _) => format!("?maison={m}"),
        (None, AxisView::Network) if !q.programme.is_empty() => format!(
            "?programme={}",
            crate::reseau::Programme::parse(&q.programme).code()
        ),
        _ => String::new(),
    };
    Ok(Html(IndexPage { ctx, axes, query }.render()?).into_response())
}

/// Where a fiche action lives (the plans feature's page).
pub fn action_href(action_id: i64) -> String {
    format!("/actions/{action_id}")
}

/// The numbers of the previous and next axes (reference data, kept in the network cache).
pub async fn neighbours(state: &AppState, number: i32) -> AppResult<(Option<i32>, Option<i32>)> {
    let pair = state
        .network_cache
        .get_or_compute(format!("axe-voisins/{number}"), || async {
            Ok(fetch_neighbours(state, number).await?)
        })
        .await?;
    Ok(*pair)
}

async fn fetch_neighbours(
    state: &AppState,
    number: i32,
) -> sqlx::Result<(Option<i32>, Option<i32>)> {
    sqlx::query_as(
        "select (select max(number) from axis where charter = $1 and number < $2),
                (select min(number) from axis where charter = $1 and number > $2)",
    )
    .bind(CURRENT_CHARTER)
    .bind(number)
    .fetch_one(&state.db)
    .await
}
