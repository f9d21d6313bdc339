//! The meetings of a Maison's comité de pilotage (DESIGN.md section 3, `copil_meeting`; issue 17): one
//! record per meeting — its date, place, the partner organisations present, others present, its minutes —
//! to which the validations of diagnostics and the copil's decisions on plans refer, so that a meeting
//! lists what it decided and the Maison page shows its past and next meetings. Who may do what:
//! `auth::policy::copil`.
//!
//! `show` the meeting's page, `new` recording a meeting (a next one, or one held); a validation or a
//! decision recorded for a day with no meeting makes it (`meeting_of_day`).

mod new;
mod show;

use axum::Router;
use axum::routing::{get, post};
use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::audit::{self, Event};
use crate::state::AppState;
use crate::web::format;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/copil/{id}", get(show::show))
        .route("/maisons/{id}/copil/nouvelle", get(new::form))
        .route("/maisons/{id}/copil", post(new::create))
}

/// The meeting of Maison `maison_id`'s copil on `day`, the one a validation or a decision of that day
/// refers to: recorded by `actor` when there was none (with those present and the minutes typed with the
/// decision; a meeting already recorded keeps its own), its creation in the journal.
pub async fn meeting_of_day(
    conn: &mut PgConnection,
    maison_id: i64,
    day: NaiveDate,
    actor: i64,
    members: &str,
    minutes: &str,
) -> sqlx::Result<i64> {
    let (id, inserted): (i64, bool) = sqlx::query_as(
        "insert into copil_meeting (maison_id, held_on, other_members, minutes, created_by)
         values ($1, $2, $3, $4, $5)
         on conflict (maison_id, held_on) do update set
             other_members = case when copil_meeting.other_members = '' then excluded.other_members
                                  else copil_meeting.other_members end,
             minutes = case when copil_meeting.minutes = '' then excluded.minutes
                            else copil_meeting.minutes end
         returning id, (xmax = 0) as inserted",
    )
    .bind(maison_id)
    .bind(day)
    .bind(members.trim())
    .bind(minutes.trim())
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;
    if inserted {
        audit::record(&mut *conn, created(actor, maison_id, id, day)).await?;
    }
    Ok(id)
}

/// The journal's event of meeting `id`'s record.
fn created(actor: i64, maison_id: i64, id: i64, day: NaiveDate) -> Event<'static> {
    Event {
        object_type: "copil_meeting",
        object_id: id,
        ..Event::of_maison(
            actor,
            maison_id,
            "creation",
            format!(
                "Réunion du comité de pilotage du {} enregistrée",
                format::date(day)
            ),
        )
    }
}

/// A meeting in a list: its date, place and how many decisions refer to it.
#[derive(sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub held_on: NaiveDate,
    pub place: String,
    pub decisions: i64,
}

impl Meeting {
    pub fn date(&self) -> String {
        format::date(self.held_on)
    }
}

/// Maison `maison_id`'s next meetings (from today, the soonest first) and its past ones (the latest
/// first), at most ten of each.
pub async fn meetings_of(
    db: &sqlx::PgPool,
    maison_id: i64,
) -> sqlx::Result<(Vec<Meeting>, Vec<Meeting>)> {
    let rows: Vec<Meeting> = sqlx::query_as(
        "select m.id, m.held_on, m.place,
                (select count(*) from diagnostic d where d.copil_meeting_id = m.id)
                + (select count(*) from copil_decision c where c.meeting_id = m.id) as decisions
         from ((select id from copil_meeting where maison_id = $1 and held_on >= $2 order by held_on limit 10)
               union all
               (select id from copil_meeting where maison_id = $1 and held_on < $2
                order by held_on desc limit 10)) x
         join copil_meeting m on m.id = x.id
         order by m.held_on >= $2 desc, abs(m.held_on - $2)",
    )
    .bind(maison_id)
    .bind(format::today())
    .fetch_all(db)
    .await?;
    let today = format::today();
    Ok(rows.into_iter().partition(|m| m.held_on >= today))
}
