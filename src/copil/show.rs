//! `/copil/{id}`: a meeting of the comité de pilotage and what it decided — the diagnostics it validated
//! and its decisions on plans —, those present, its minutes, its history.

use askama::Template;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;

use crate::audit::{self, HistoryEntry};
use crate::auth::policy::{self, copil as rules};
use crate::error::{AppError, AppResult};
use crate::web::forms::parse_id;
use crate::web::{Ctx, Signed, format};

#[derive(sqlx::FromRow)]
struct Head {
    maison_id: i64,
    maison_name: String,
    held_on: NaiveDate,
    place: String,
    other_members: String,
    minutes: String,
    members: Vec<String>,
}

/// A decision of the meeting: what it is about, its page, what was decided.
#[derive(sqlx::FromRow)]
pub struct Decision {
    pub what: String,
    pub href: String,
    pub decided: String,
}

#[derive(Template)]
#[template(path = "copil/show.html")]
struct ShowPage {
    ctx: Ctx,
    m: Head,
    date: String,
    decisions: Vec<Decision>,
    history: Vec<HistoryEntry>,
}

pub async fn show(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let m: Head = sqlx::query_as(
        "select m.maison_id, x.name as maison_name, m.held_on, m.place, m.other_members, m.minutes,
                array(select o.name from copil_meeting_member p join organisation o on o.id = p.organisation_id
                      where p.meeting_id = m.id order by o.name) as members
         from copil_meeting m join maison x on x.id = m.maison_id where m.id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)?;
    policy::ensure(rules::can_read_meetings(&user, m.maison_id))?;
    let decisions: Vec<Decision> = sqlx::query_as(
        "(select 'Diagnostic « ' || d.title || ' »' as what, '/diagnostics/' || d.id as href,
                 'Validé' || case when d.copil_decision <> '' then ' : ' || d.copil_decision else '' end as decided
          from diagnostic d where d.copil_meeting_id = $1 order by d.id)
         union all
         (select 'Plan d''actions « ' || p.title || ' »', '/plans/' || p.id,
                 case c.decision when 'valide' then 'Validé' else 'À réviser' end
          from copil_decision c join plan p on p.id = c.plan_id where c.meeting_id = $1 order by c.id)",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    let history = {
        let mut conn = state.db.acquire().await?;
        audit::history(&mut conn, "copil_meeting", id).await?
    };
    let page = ShowPage {
        ctx,
        date: format::date(m.held_on),
        m,
        decisions,
        history,
    };
    Ok(Html(page.render()?).into_response())
}
