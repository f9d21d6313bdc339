//! Which Maison an axis page shows: the person's own, the one an admin picked, or for a partner one of the
//! Maisons their organisation partners (limited to its latest validated plan).

use super::Axis;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, reseau::AxisView};
use crate::domain::labels;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::Ctx;
use askama::Template;

/// What a Maison view is about: the Maison, and the plan whose actions it shows.
pub struct MaisonScope {
    pub id: i64,
    pub name: String,
    pub plan: Option<(i64, String, String)>,
    /// Partners see validated plans only.
    pub validated_only: bool,
}

#[derive(sqlx::FromRow)]
struct MaisonPlan {
    name: String,
    plan_id: Option<i64>,
    plan_title: Option<String>,
    plan_status: Option<String>,
}

/// Resolves the Maison a person may see on an axis page; `None` for admins' network view. Partners
/// without `?maison=` who partner several Maisons get the list (`Err(list)`).
pub(super) async fn resolve(
    state: &AppState,
    user: &CurrentUser,
    requested: Option<i64>,
) -> AppResult<Result<Option<MaisonScope>, Vec<PartneredMaison>>> {
    let view = policy::reseau::axis_view(user, requested).ok_or(AppError::NotFound)?;
    let (maison_id, validated_only) = match view {
        AxisView::Network => return Ok(Ok(None)),
        AxisView::Maison(id) => (id, false),
        AxisView::Partner(org) => {
            let partnered = partnered_maisons(state, org).await?;
            match requested {
                Some(id) if partnered.iter().any(|p| p.id == id) => (id, true),
                Some(_) => return Err(AppError::NotFound),
                None if partnered.len() == 1 => (partnered[0].id, true),
                None => return Ok(Err(partnered)),
            }
        }
    };
    let plan_view = if validated_only {
        "maison_validated_plan"
    } else {
        "maison_current_plan"
    };
    let row: Option<MaisonPlan> = sqlx::query_as(&format!(
        "select m.name, p.id as plan_id, p.title as plan_title, p.status as plan_status
         from maison m
         left join {plan_view} cp on cp.maison_id = m.id
         left join plan p on p.id = cp.plan_id
         where m.id = $1"
    ))
    .bind(maison_id)
    .fetch_optional(&state.db)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    Ok(Ok(Some(MaisonScope {
        id: maison_id,
        name: row.name,
        plan: match (row.plan_id, row.plan_title, row.plan_status) {
            (Some(id), Some(t), Some(s)) => Some((id, t, s)),
            _ => None,
        },
        validated_only,
    })))
}

#[derive(sqlx::FromRow)]
pub struct PartneredMaison {
    pub id: i64,
    pub name: String,
    pub region: String,
    pub plan_status: Option<String>,
}

impl PartneredMaison {
    pub fn plan_label(&self) -> &'static str {
        labels::plan_status_label(self.plan_status.as_deref())
    }
}

async fn partnered_maisons(state: &AppState, org: i64) -> sqlx::Result<Vec<PartneredMaison>> {
    sqlx::query_as(
        "select m.id, m.name, r.name as region, vp.status as plan_status
         from partnership pa
         join maison m on m.id = pa.maison_id
         join region r on r.code = m.region_code
         left join maison_validated_plan vp on vp.maison_id = m.id
         where pa.organisation_id = $1
         order by m.sort_key, m.id",
    )
    .bind(org)
    .fetch_all(&state.db)
    .await
}

/// A partner of several Maisons, without `?maison=`: the Maisons to choose from.
#[derive(Template)]
#[template(path = "axes/choose.html")]
pub(super) struct ChoosePage {
    pub ctx: Ctx,
    pub axis: Axis,
    pub maisons: Vec<PartneredMaison>,
}
