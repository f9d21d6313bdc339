//! The Maison's desk: the home page of its staff (chargée de mission and responsable). Where the Maison
//! stands in the Grenelle method and what the next step needs; its running plan and live diagnostics;
//! what to act on (actions late or ending this month, comment threads to answer, partnership requests
//! and, for the responsable, invitations and proposals pending, the team's load); the copil's next
//! meeting; recent activity as sentences (`audit::activity`). Every list is bounded (LIMIT, with its total beside it).

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike, NaiveDate};

use crate::audit::activity::{self, Activity};
use crate::auth::CurrentUser;
use crate::copil::Meeting;
use crate::domain::diagnostic::Status as DiagnosticStatus;
use crate::domain::plan::{ActionStatus, PlanStatus};
use crate::error::{AppError, AppResult};
use crate::maisons::Phase;
use crate::state::AppState;
use crate::web::{Ctx, format};

/// How many lines each list of the desk shows (its total is said beside it).
const LIMIT: i64 = 10;

#[derive(sqlx::FromRow)]
struct Head {
    id: i64,
    name: String,
    phase: Option<String>,
    copil_members: i64,
    plan_id: Option<i64>,
    plan_title: Option<String>,
    plan_status: Option<PlanStatus>,
}

#[derive(sqlx::FromRow)]
pub struct DiagnosticLine {
    pub id: i64,
    pub title: String,
    pub status: DiagnosticStatus,
    pub open_comments: i64,
}

/// An action late, or ending this month, of a plan the Maison runs.
#[derive(sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub number: i32,
    pub title: String,
    pub end_date: NaiveDate,
    pub status: ActionStatus,
    pub referent: Option<String>,
    pub mine: bool,
    late_total: i64,
    ending_total: i64,
}

impl Due {
    pub fn late(&self) -> bool {
        self.end_date < format::today()
    }
    pub fn end(&self) -> String {
        format::date(self.end_date)
    }
}

/// An open comment thread of one of the Maison's diagnostics.
#[derive(sqlx::FromRow)]
pub struct Thread {
    pub id: i64,
    pub diagnostic_id: i64,
    pub diagnostic: String,
    pub section: Option<String>,
    pub author: String,
    pub organisation: Option<String>,
    total: i64,
}

/// Something the Maison asked that waits for someone else's answer (a partnership, a person proposed),
/// or an invitation not yet accepted.
#[derive(sqlx::FromRow)]
pub struct Pending {
    pub label: String,
    pub since: chrono::DateTime<chrono::Utc>,
    pub href: String,
}

impl Pending {
    pub fn since(&self) -> String {
        format::date(self.since.date_naive())
    }
}

/// A member of the team and the actions they are référent of that are late or end this month.
#[derive(sqlx::FromRow)]
pub struct Load {
    pub name: String,
    pub late: i64,
    pub ending: i64,
}

/// What the next step of the method needs: a sentence and the page where to do it.
pub struct Next {
    pub text: String,
    pub href: String,
    pub link: &'static str,
}

#[derive(Template)]
#[template(path = "home/staff.html")]
struct DeskPage {
    ctx: Ctx,
    user: CurrentUser,
    maison_id: i64,
    maison: String,
    phase: Phase,
    phases: [Phase; 5],
    next: Next,
    plan: Option<(i64, String, PlanStatus)>,
    diagnostics: Vec<DiagnosticLine>,
    due: Vec<Due>,
    threads: Vec<Thread>,
    requests: Vec<Pending>,
    invitations: Vec<Pending>,
    team: Vec<Load>,
    activity: Vec<Activity>,
    /// The copil's next meeting, if one is planned.
    next_meeting: Option<Meeting>,
}

impl DeskPage {
    fn late_total(&self) -> i64 {
        self.due.first().map_or(0, |d| d.late_total)
    }
    fn ending_total(&self) -> i64 {
        self.due.first().map_or(0, |d| d.ending_total)
    }
    fn threads_total(&self) -> i64 {
        self.threads.first().map_or(0, |t| t.total)
    }
    fn is_current(&self, p: &Phase) -> bool {
        *p == self.phase
    }
    /// The word after the count `n` (a field, or a figure of the page), singular below two.
    fn plural<N: std::borrow::Borrow<i64>>(
        &self,
        n: N,
        one: &'static str,
        many: &'static str,
    ) -> &'static str {
        format::plural(*n.borrow(), one, many)
    }
}

pub async fn page(state: &AppState, ctx: Ctx, user: CurrentUser) -> AppResult<Response> {
    let maison_id = user.maison_id.ok_or(AppError::NotFound)?;
    let mut conn = state.db.acquire().await?;
    let head = head(&mut conn, maison_id).await?;
    let diagnostics = diagnostics(&mut conn, maison_id).await?;
    let due = due(&mut conn, maison_id, user.id).await?;
    let threads = threads(&mut conn, maison_id).await?;
    let requests = requests(&mut conn, maison_id).await?;
    let (invitations, team) = if user.responsable {
        (
            invitations(&mut conn, maison_id).await?,
            team(&mut conn, maison_id).await?,
        )
    } else {
        (vec![], vec![])
    };
    let activity = activity::recent(&mut conn, Some(maison_id), LIMIT).await?;
    let next_meeting = crate::copil::meetings_of(&state.db, maison_id)
        .await?
        .0
        .into_iter()
        .next();
    let phase = Phase::parse(head.phase.as_deref().unwrap_or(""));
    let next = next_step(&head, phase, &diagnostics, &due);
    let plan = match (head.plan_id, head.plan_title, head.plan_status) {
        (Some(id), Some(title), Some(status)) => Some((id, title, status)),
        _ => None,
    };
    let page = DeskPage {
        ctx,
        user,
        maison_id: head.id,
        maison: head.name,
        phase,
        phases: Phase::ALL,
        next,
        plan,
        diagnostics,
        due,
        threads,
        requests,
        invitations,
        team,
        activity,
        next_meeting,
    };
    Ok(Html(page.render()?).into_response())
}

async fn head(conn: &mut sqlx::PgConnection, maison_id: i64) -> sqlx::Result<Head> {
    sqlx::query_as(
        "select m.id, m.name, ph.phase,
                (select count(*) from partnership p where p.maison_id = m.id and 'copil' = any(p.roles))
                    as copil_members,
                cp.plan_id, p.title as plan_title, p.status as plan_status
         from maison m left join maison_phase ph on ph.maison_id = m.id
         left join maison_current_plan cp on cp.maison_id = m.id left join plan p on p.id = cp.plan_id
         where m.id = $1",
    )
    .bind(maison_id)
    .fetch_one(conn)
    .await
}

/// The Maison's diagnostics but the archived ones, the latest first.
async fn diagnostics(
    conn: &mut sqlx::PgConnection,
    maison_id: i64,
) -> sqlx::Result<Vec<DiagnosticLine>> {
    sqlx::query_as(
        "select d.id, d.title, d.status,
                (select count(*) from open_comment_thread t where t.diagnostic_id = d.id) as open_comments
         from diagnostic d where d.maison_id = $1 and d.status <> 'archive'
         order by d.updated_at desc, d.id desc limit $2",
    )
    .bind(maison_id)
    .bind(LIMIT)
    .fetch_all(conn)
    .await
}

/// The last day of the month of `day`.
fn end_of_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(day)
}

/// The actions of the plans the Maison runs (validé, en mise en œuvre) that are not over and whose end
/// date is past (late) or falls this month: the latest end first among the late, then by end date.
async fn due(conn: &mut sqlx::PgConnection, maison_id: i64, me: i64) -> sqlx::Result<Vec<Due>> {
    let today = format::today();
    sqlx::query_as(
        "select a.id, a.number, a.title, a.end_date, a.status, r.name as referent,
                coalesce(a.referent_account_id = $4, false) as mine,
                count(*) filter (where a.end_date < $2) over () as late_total,
                count(*) filter (where a.end_date >= $2) over () as ending_total
         from action a join plan p on p.id = a.plan_id
         left join account r on r.id = a.referent_account_id
         where p.maison_id = $1 and p.status in ('valide', 'en_oeuvre')
           and a.status in ('a_lancer', 'en_cours', 'en_pause') and a.end_date <= $3
         order by a.end_date, a.number, a.id limit $5",
    )
    .bind(maison_id)
    .bind(today)
    .bind(end_of_month(today))
    .bind(me)
    .bind(LIMIT * 2)
    .fetch_all(conn)
    .await
}

/// The open comment threads of the Maison's shared diagnostics, the oldest first.
async fn threads(conn: &mut sqlx::PgConnection, maison_id: i64) -> sqlx::Result<Vec<Thread>> {
    sqlx::query_as(
        "select c.id, d.id as diagnostic_id, d.title as diagnostic, s.title as section,
                a.name as author, o.name as organisation, count(*) over () as total
         from open_comment_thread t join diagnostic d on d.id = t.diagnostic_id
         join comment c on c.id = t.id join account a on a.id = c.author_id
         left join organisation o on o.id = a.organisation_id
         left join diagnostic_section s on s.id = c.section_id
         where d.maison_id = $1 and d.status = 'partage'
         order by c.created_at, c.id limit $2",
    )
    .bind(maison_id)
    .bind(LIMIT)
    .fetch_all(conn)
    .await
}

/// The partnership requests the Maison made that wait for the organisation's answer.
async fn requests(conn: &mut sqlx::PgConnection, maison_id: i64) -> sqlx::Result<Vec<Pending>> {
    sqlx::query_as(
        "select o.name as label, r.requested_at as since, '/organisations/' || o.id as href
         from partnership_request r join organisation o on o.id = r.organisation_id
         where r.maison_id = $1 and r.status = 'en_attente'
         order by r.requested_at, r.id limit $2",
    )
    .bind(maison_id)
    .bind(LIMIT)
    .fetch_all(conn)
    .await
}

/// For the responsable: the accounts the Maison invited that nobody activated yet, and the persons it
/// proposed to an organisation that has not answered.
async fn invitations(conn: &mut sqlx::PgConnection, maison_id: i64) -> sqlx::Result<Vec<Pending>> {
    sqlx::query_as(
        "(select a.name || ' — invitation non acceptée' as label, a.created_at as since,
                 '/comptes/' || a.id as href
          from account a
          where (a.maison_id = $1 or a.invited_by_maison = $1) and a.active and a.password_hash is null
          order by a.created_at limit $2)
         union all
         (select p.name || ' — proposé(e) à ' || o.name as label, p.proposed_at as since,
                 '/organisations/' || o.id as href
          from account_proposal p join organisation o on o.id = p.organisation_id
          where p.maison_id = $1 and p.status = 'en_attente'
          order by p.proposed_at limit $2)
         order by since limit $2",
    )
    .bind(maison_id)
    .bind(LIMIT)
    .fetch_all(conn)
    .await
}

/// For the responsable: each member of the team with the actions they are référent of that are late
/// or end this month.
async fn team(conn: &mut sqlx::PgConnection, maison_id: i64) -> sqlx::Result<Vec<Load>> {
    let today = format::today();
    sqlx::query_as(
        "select s.name,
                count(a.id) filter (where a.end_date < $2) as late,
                count(a.id) filter (where a.end_date >= $2) as ending
         from account s
         left join action a on a.referent_account_id = s.id
              and a.status in ('a_lancer', 'en_cours', 'en_pause') and a.end_date <= $3
              and exists (select 1 from plan p where p.id = a.plan_id and p.maison_id = $1
                          and p.status in ('valide', 'en_oeuvre'))
         where s.maison_id = $1 and s.active and s.role = 'staff'
         group by s.id, s.name order by s.name limit 50",
    )
    .bind(maison_id)
    .bind(today)
    .bind(end_of_month(today))
    .fetch_all(conn)
    .await
}

/// What the next step of the method needs, from where the Maison stands.
fn next_step(head: &Head, phase: Phase, diagnostics: &[DiagnosticLine], due: &[Due]) -> Next {
    let plan = head.plan_id.zip(head.plan_status);
    let title = head.plan_title.clone().unwrap_or_default();
    let m = head.id;
    let at = |text: String, href: String, link| Next { text, href, link };
    match phase {
        Phase::Mobilisation if head.copil_members == 0 => at(
            "Réunir les partenaires en comité de pilotage : aucun partenaire n'a encore le rôle « comité de pilotage ».".into(),
            format!("/maisons/{m}#partenaires"),
            "Les partenaires de la Maison",
        ),
        Phase::Mobilisation => at(
            "Engager le diagnostic territorial partagé avec les partenaires du comité de pilotage.".into(),
            "/diagnostics/nouveau".into(),
            "Nouveau diagnostic",
        ),
        Phase::Diagnostic => match diagnostics.iter().find(|d| d.status == DiagnosticStatus::Partage) {
            Some(d) => at(
                format!(
                    "Faire valider le diagnostic « {} » par le comité de pilotage ({} {} à traiter d'abord).",
                    d.title,
                    d.open_comments,
                    format::plural(d.open_comments, "commentaire ouvert", "commentaires ouverts")
                ),
                format!("/diagnostics/{}", d.id),
                "Le diagnostic",
            ),
            None => at(
                "Rédiger le diagnostic puis le partager avec les partenaires pour recueillir leurs commentaires.".into(),
                diagnostics.first().map_or("/diagnostics".into(), |d| format!("/diagnostics/{}", d.id)),
                "Le diagnostic",
            ),
        },
        Phase::Plan => match plan {
            Some((id, PlanStatus::Soumis)) => at(
                format!("Enregistrer la décision du comité de pilotage sur le plan « {title} »."),
                format!("/plans/{id}/copil"),
                "La décision du copil",
            ),
            Some((id, _)) => at(
                format!("Compléter le plan « {title} » et le soumettre au comité de pilotage."),
                format!("/plans/{id}#verification"),
                "Le plan d'actions",
            ),
            None => at(
                "Construire le plan d'actions à partir du diagnostic validé.".into(),
                "/plans/nouveau".into(),
                "Nouveau plan d'actions",
            ),
        },
        Phase::MiseEnOeuvre => match plan {
            Some((id, PlanStatus::Valide)) => at(
                format!("Lancer la mise en œuvre du plan « {title} », validé par le comité de pilotage."),
                format!("/plans/{id}#etapes"),
                "Le plan d'actions",
            ),
            _ => {
                let late = due.first().map_or(0, |d| d.late_total);
                at(
                    format!(
                        "Suivre les actions du plan « {title} » avec leurs pilotes : {late} {}.",
                        format::plural(late, "action en retard", "actions en retard")
                    ),
                    plan.map_or("/plans".into(), |(id, _)| format!("/plans/{id}")),
                    "Le plan d'actions",
                )
            }
        },
        Phase::Evaluation => at(
            format!("Partager l'évaluation du plan « {title} » avec le réseau et préparer le plan suivant."),
            plan.map_or("/plans".into(), |(id, _)| format!("/plans/{id}")),
            "Le plan d'actions",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::end_of_month;
    use chrono::NaiveDate;

    #[test]
    fn the_end_of_a_month() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(d(2026, 12, 3).map(end_of_month), d(2026, 12, 31));
        assert_eq!(d(2028, 2, 10).map(end_of_month), d(2028, 2, 29));
    }
}
