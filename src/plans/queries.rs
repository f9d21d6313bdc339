//! The bounded queries of plans and fiches actions: a plan the user may read, the plan page in one
//! statement, a plan's fiches and their details, the choices of the fiche form, the timeline.

use serde::Deserialize;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, Row};

use super::model::{
    Action, ActionLine, Axis, CatalogueIndicator, CopilRow, Details, Enjeux, Funding, Indicator,
    Org, PILOT_NAME_SQL, Partner, Person, Plan, PlanPage, ReviewRow, Step, TimelineStep,
    TransitionRow, plan_code_label,
};
use crate::audit;
use crate::auth::CurrentUser;
use crate::auth::policy::plans as rules;
use crate::error::{AppError, AppResult};
use crate::web::format;

/// The plan's columns (`Plan`); binds: $1 plan id, $2 the user's organisation (for `partnered`).
const PLAN_COLUMNS: &str = "p.id, p.maison_id, m.name as maison_name, p.diagnostic_id,
        d.title as diagnostic_title, p.title, p.start_year, p.end_year, p.charter, p.status,
        p.revision_reason, p.evaluation, p.previous_id, p.version, p.updated_at,
        exists (select 1 from partnership ps where ps.maison_id = p.maison_id
                and ps.organisation_id = $2) as partnered";
const PLAN_FROM: &str = "from plan p join maison m on m.id = p.maison_id
         left join diagnostic d on d.id = p.diagnostic_id
         where p.id = $1";

/// Loads a plan the user may read, with `extra` columns (SQL after the plan's own, alias `p`); anything
/// else is a 404.
async fn plan_row(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    extra: &str,
) -> AppResult<(Plan, PgRow)> {
    let row = sqlx::query(&format!("select {PLAN_COLUMNS}{extra} {PLAN_FROM}"))
        .bind(id)
        .bind(user.organisation_id.unwrap_or(-1))
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = Plan::from_row(&row)?;
    crate::auth::policy::ensure(rules::can_read_plan(user, &plan.facts()))?;
    Ok((plan, row))
}

/// Loads a plan the user may read; anything else is a 404.
pub async fn load_plan(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<Plan> {
    Ok(plan_row(conn, user, id, "").await?.0)
}

/// Loads a plan the user may manage (the Maison's staff): [`load_plan`], then 404 unless the policy allows.
pub async fn managed_plan(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<Plan> {
    let plan = load_plan(conn, user, id).await?;
    crate::auth::policy::ensure(rules::can_manage_plan(user, plan.maison_id))?;
    Ok(plan)
}

/// A JSON array column of the plan page's statement (null when there are no rows).
fn json_rows<T: for<'de> Deserialize<'de>>(row: &PgRow, column: &str) -> sqlx::Result<Vec<T>> {
    Ok(row
        .try_get::<Option<Json<Vec<T>>>, _>(column)?
        .map(|j| j.0)
        .unwrap_or_default())
}

/// The plan page's plan, reference lists, workflow and history: one round trip (the actions are
/// `plan_lines`).
pub async fn load_plan_page(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<PlanPage> {
    let extra = format!(
        ",
        (select json_agg(x order by x.number) from (
            select id, number, title, short_title from axis where charter = p.charter) x) as axes,
        (select json_agg(x order by x.position) from (select code, name, position from sector) x) as sectors,
        (select json_agg(x order by x.at, x.id) from (
            select t.id, t.from_status, t.to_status, a.name as who, t.at, t.comment from transition t
            left join account a on a.id = t.account_id
            where t.object_type = 'plan' and t.object_id = p.id order by t.at, t.id limit 200) x) as timeline,
        (select json_agg(x order by x.decided_on, x.id) from (
            select c.id, c.decided_on, c.decision, c.members_present, c.minutes, a.name as who
            from copil_decision c left join account a on a.id = c.recorded_by where c.plan_id = p.id) x) as copil,
        (select json_agg(x order by x.created_at, x.id) from (
            select r.id, r.opinion, r.remarks, a.name as who, r.created_at,
                   (select coalesce(json_agg(y order by y.created_at, y.id), '[]') from (
                       select x.id, x.side, x.body, b.name as who, x.created_at from network_review_reply x
                       left join account b on b.id = x.account_id where x.review_id = r.id) y) as replies
            from network_review r
            left join account a on a.id = r.account_id where r.plan_id = p.id) x) as reviews,
        {} as history,
        (select json_build_array(s.title, s.body) from diagnostic_section s
         where s.diagnostic_id = p.diagnostic_id and s.kind = 'enjeux' order by s.position limit 1) as enjeux,
        (select json_agg(x order by x.start_year, x.id) from (
            select o.id, o.title, o.start_year, o.end_year, o.status from plan_overlap po
            join plan o on o.id = po.other_id where po.plan_id = p.id) x) as overlaps,
        (select cp.plan_id from maison_current_plan cp where cp.maison_id = p.maison_id) as current_plan_id,
        (select json_agg(x order by x.name collate fr_tri, x.id) from (
            select distinct o.id, o.name from action a join organisation o on o.id = a.pilot_organisation_id
            where a.plan_id = p.id) x) as pilots,
        exists (select 1 from action a where a.plan_id = p.id and a.pilot_maison) as maison_pilots",
        audit::history_json_sql("'plan'", "p.id")
    );
    let (plan, row) = plan_row(conn, user, id, &extra).await?;
    Ok(PlanPage {
        plan,
        axes: json_rows(&row, "axes")?,
        sectors: json_rows(&row, "sectors")?,
        timeline: timeline_steps(json_rows(&row, "timeline")?, plan_code_label),
        copil: json_rows(&row, "copil")?,
        reviews: json_rows(&row, "reviews")?,
        history: audit::history_from_json(row.try_get("history")?),
        enjeux: row
            .try_get::<Option<Json<(String, String)>>, _>("enjeux")?
            .map(|j| j.0),
        overlaps: json_rows(&row, "overlaps")?,
        current_plan_id: row.try_get("current_plan_id")?,
        pilots: json_rows(&row, "pilots")?,
        maison_pilots: row.try_get("maison_pilots")?,
    })
}

pub async fn axes(conn: &mut PgConnection, charter: &str) -> sqlx::Result<Vec<Axis>> {
    sqlx::query_as(
        "select id, number, title, short_title from axis where charter = $1 order by number",
    )
    .bind(charter)
    .fetch_all(conn)
    .await
}

/// The Maison's partner organisations (pilots and partners of its actions are chosen among them).
pub async fn partner_orgs(conn: &mut PgConnection, maison_id: i64) -> sqlx::Result<Vec<Org>> {
    sqlx::query_as(
        "select o.id, o.name from partnership ps join organisation o on o.id = ps.organisation_id
         where ps.maison_id = $1 order by o.name",
    )
    .bind(maison_id)
    .fetch_all(conn)
    .await
}

/// The funders a fiche of the plan may name from the organisation directory: the Maison's partner
/// organisations, and those its fiches already name (a partnership ended since stays readable).
pub async fn funder_orgs(
    conn: &mut PgConnection,
    maison_id: i64,
    plan_id: i64,
) -> sqlx::Result<Vec<Org>> {
    sqlx::query_as(
        "select o.id, o.name from organisation o
         where o.id in (select organisation_id from partnership where maison_id = $1)
            or o.id in (select f.organisation_id from action_funding f join action a on a.id = f.action_id
                        where a.plan_id = $2)
         order by o.name, o.id",
    )
    .bind(maison_id)
    .bind(plan_id)
    .fetch_all(conn)
    .await
}

/// The catalogue indicators a fiche's result may name: those that serve the fiches (`for_actions`), and
/// those the plan's fiches already name.
pub async fn catalogue_indicators(
    conn: &mut PgConnection,
    plan_id: i64,
) -> sqlx::Result<Vec<CatalogueIndicator>> {
    sqlx::query_as(
        "select i.id, i.label, i.unit from indicator i
         where i.for_actions
            or i.id in (select x.indicator_id from action_indicator x join action a on a.id = x.action_id
                        where a.plan_id = $1)
         order by i.label, i.id",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await
}

/// A person who may be the pilot organisation's referent on a fiche: a partner account of one of the
/// Maison's partner organisations, or a contact of that partnership.
#[derive(sqlx::FromRow, Clone)]
pub struct PilotPerson {
    pub organisation_id: i64,
    pub organisation: String,
    /// `compte-<id>` or `contact-<id>` (`PilotReferent::key`).
    pub key: String,
    pub name: String,
    pub contact: bool,
}

/// The people of the Maison's partner organisations who may be a pilot's referent: their active partner
/// accounts, then the partnership's contacts, by organisation in French order.
pub async fn pilot_people(
    conn: &mut PgConnection,
    maison_id: i64,
) -> sqlx::Result<Vec<PilotPerson>> {
    sqlx::query_as(
        "select * from (
             select o.id as organisation_id, o.name as organisation, 'compte-' || a.id as key, a.name,
                    false as contact
             from partnership ps join organisation o on o.id = ps.organisation_id
             join account a on a.organisation_id = o.id and a.role = 'partner' and a.active
             where ps.maison_id = $1
             union all
             select o.id, o.name, 'contact-' || c.id, c.name, true
             from partnership ps join organisation o on o.id = ps.organisation_id
             join partnership_contact c on c.partnership_id = ps.id
             where ps.maison_id = $1) x
         order by organisation, organisation_id, contact, name, key",
    )
    .bind(maison_id)
    .fetch_all(conn)
    .await
}

/// The Maison's active staff (referents of actions).
pub async fn staff_accounts(conn: &mut PgConnection, maison_id: i64) -> sqlx::Result<Vec<Person>> {
    sqlx::query_as("select id, name from account where maison_id = $1 and active order by name")
        .bind(maison_id)
        .fetch_all(conn)
        .await
}

/// A fiche with its names: the pilot's (`PILOT_NAME_SQL`), the referents' on both sides.
fn action_select() -> String {
    format!(
        "select a.id, a.plan_id, a.number, a.title, a.axis_id, ax.number as axis_number,
        ax.title as axis_title, a.sector_code, s.name as sector_name, a.objectives, a.description,
        a.target_public, a.expected_results, a.pilot_maison, a.pilot_organisation_id,
        {PILOT_NAME_SQL} as pilot_name, a.referent_account_id, r.name as referent_name,
        a.pilot_referent_account_id, a.pilot_contact_id, coalesce(pr.name, pc.name) as pilot_referent_name,
        a.start_date, a.end_date, a.priority, a.status, a.progress, a.abandon_reason, a.version
 from action a join axis ax on ax.id = a.axis_id
 join plan pp on pp.id = a.plan_id join maison pm on pm.id = pp.maison_id
 left join sector s on s.code = a.sector_code
 left join organisation o on o.id = a.pilot_organisation_id
 left join account r on r.id = a.referent_account_id
 left join account pr on pr.id = a.pilot_referent_account_id
 left join partnership_contact pc on pc.id = a.pilot_contact_id"
    )
}

pub async fn plan_actions(conn: &mut PgConnection, plan_id: i64) -> sqlx::Result<Vec<Action>> {
    sqlx::query_as(&format!(
        "{} where a.plan_id = $1 order by ax.number, a.number",
        action_select()
    ))
    .bind(plan_id)
    .fetch_all(conn)
    .await
}

/// Loads an action and its plan, the plan being readable by the user (404 otherwise).
pub async fn load_action(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
) -> AppResult<(Action, Plan)> {
    let action = action_by_id(conn, id).await?.ok_or(AppError::NotFound)?;
    let plan = load_plan(conn, user, action.plan_id).await?;
    Ok((action, plan))
}

pub async fn action_by_id(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Action>> {
    sqlx::query_as(&format!("{} where a.id = $1", action_select()))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// `plan_id` loads the details of every action of a plan; `action_id` of one action.
pub async fn details(
    conn: &mut PgConnection,
    plan_id: Option<i64>,
    action_id: Option<i64>,
) -> sqlx::Result<Details> {
    let scope = "join action a on a.id = x.action_id where ($1::bigint is null or a.plan_id = $1)
                 and ($2::bigint is null or a.id = $2)";
    let partners: Vec<Partner> = sqlx::query_as(&format!(
        "select x.action_id, x.organisation_id, o.name, x.role from action_partner x
         join organisation o on o.id = x.organisation_id {scope} order by x.action_id, o.name"
    ))
    .bind(plan_id)
    .bind(action_id)
    .fetch_all(&mut *conn)
    .await?;
    let fundings: Vec<Funding> = sqlx::query_as(&format!(
        "select x.action_id, x.funder, x.organisation_id, x.amount_cents, x.state from action_funding x {scope}
         order by x.action_id, x.position, x.id"
    ))
    .bind(plan_id)
    .bind(action_id)
    .fetch_all(&mut *conn)
    .await?;
    let indicators: Vec<Indicator> = sqlx::query_as(&format!(
        "select x.id, x.action_id, x.indicator_id, x.label, x.unit, x.target, x.achieved, x.year
         from action_indicator x {scope}
         order by x.action_id, x.position, x.id"
    ))
    .bind(plan_id)
    .bind(action_id)
    .fetch_all(&mut *conn)
    .await?;
    let steps: Vec<Step> = sqlx::query_as(&format!(
        "select x.id, x.action_id, x.title, x.start_date, x.end_date, x.status from action_step x {scope}
         order by x.action_id, x.position, x.id"
    ))
    .bind(plan_id)
    .bind(action_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut d = Details::default();
    for s in steps {
        d.steps.entry(s.action_id).or_default().push(s);
    }
    for p in partners {
        d.partners.entry(p.action_id).or_default().push(p);
    }
    for f in fundings {
        d.fundings.entry(f.action_id).or_default().push(f);
    }
    for i in indicators {
        d.indicators.entry(i.action_id).or_default().push(i);
    }
    Ok(d)
}

pub async fn timeline(
    conn: &mut PgConnection,
    object_type: &str,
    object_id: i64,
    label: fn(&str) -> &'static str,
) -> sqlx::Result<Vec<TimelineStep>> {
    let rows: Vec<TransitionRow> = sqlx::query_as(
        "select t.from_status, t.to_status, a.name as who, t.at, t.comment from transition t
         left join account a on a.id = t.account_id
         where t.object_type = $1 and t.object_id = $2 order by t.at, t.id limit 200",
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_all(conn)
    .await?;
    Ok(timeline_steps(rows, label))
}

fn timeline_steps(rows: Vec<TransitionRow>, label: fn(&str) -> &'static str) -> Vec<TimelineStep> {
    rows.into_iter()
        .map(|r| TimelineStep {
            at: format::datetime(r.at),
            at_iso: format::iso_datetime(r.at),
            who: r.who.unwrap_or_else(|| "Système".into()),
            what: match r.from_status.as_deref() {
                Some(f) => format!("{} → {}", label(f), label(&r.to_status)),
                None => label(&r.to_status).to_owned(),
            },
            comment: r.comment,
        })
        .collect()
}

/// The orders the plan page lists its fiches in (`?tri=`), each an `order by` of `plan_lines_in`: titles in
/// French order (collation `fr_tri`), ties and the default by number.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum LineOrder {
    #[default]
    Number,
    Title,
    Due,
    Priority,
    Progress,
}

impl LineOrder {
    /// The `?tri=` codes and their French labels, in the order the page offers them.
    pub const ALL: [(LineOrder, &'static str, &'static str); 5] = [
        (LineOrder::Number, "numero", "numéro"),
        (LineOrder::Title, "titre", "intitulé"),
        (LineOrder::Due, "echeance", "échéance"),
        (LineOrder::Priority, "priorite", "priorité"),
        (LineOrder::Progress, "avancement", "avancement"),
    ];

    /// The order a `?tri=` code asks for (by number when unknown or empty).
    pub fn parse(code: &str) -> LineOrder {
        Self::ALL
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(o, _, _)| *o)
            .unwrap_or_default()
    }

    fn sql(self) -> &'static str {
        match self {
            LineOrder::Number => "a.number",
            LineOrder::Title => "a.title collate fr_tri, a.number",
            LineOrder::Due => "a.end_date nulls last, a.number",
            LineOrder::Priority => {
                "case a.priority when 'haute' then 0 when 'moyenne' then 1 else 2 end, a.number"
            }
            LineOrder::Progress => "a.progress, a.number",
        }
    }
}

/// The fiches of a plan as its page lists them, by number: one statement whatever the plan's size.
pub async fn plan_lines(conn: &mut PgConnection, plan_id: i64) -> sqlx::Result<Vec<ActionLine>> {
    plan_lines_in(conn, plan_id, LineOrder::Number).await
}

/// The fiches of a plan in the order asked for, sorted by the database.
pub async fn plan_lines_in(
    conn: &mut PgConnection,
    plan_id: i64,
    order: LineOrder,
) -> sqlx::Result<Vec<ActionLine>> {
    sqlx::query_as(&format!(
        "select a.id, a.number, a.title, a.axis_id, a.sector_code, s.name as sector_name,
                a.pilot_maison, a.pilot_organisation_id, {PILOT_NAME_SQL} as pilot_name, a.start_date,
                a.end_date, a.priority,
                a.status, a.progress,
                coalesce(f.total, 0)::bigint as budget_cents, coalesce(f.acquired, 0)::bigint as acquired_cents,
                (select count(*) from action_indicator i where i.action_id = a.id) as indicators
         from action a
         join plan pp on pp.id = a.plan_id join maison pm on pm.id = pp.maison_id
         left join sector s on s.code = a.sector_code
         left join organisation o on o.id = a.pilot_organisation_id
         left join lateral (
             select sum(x.amount_cents) as total,
                    sum(x.amount_cents) filter (where x.state = 'acquis') as acquired
             from action_funding x where x.action_id = a.id) f on true
         where a.plan_id = $1
         order by {}",
        order.sql()
    ))
    .bind(plan_id)
    .fetch_all(conn)
    .await
}

pub async fn enjeux(
    conn: &mut PgConnection,
    diagnostic_id: Option<i64>,
) -> sqlx::Result<Option<Enjeux>> {
    let Some(d) = diagnostic_id else {
        return Ok(None);
    };
    let row: Option<(String, String)> = sqlx::query_as(
        "select title, body from diagnostic_section where diagnostic_id = $1 and kind = 'enjeux'
         order by position limit 1",
    )
    .bind(d)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Enjeux::new))
}

/// The recipients of a Maison's notifications: its active staff.
pub async fn maison_staff_ids(conn: &mut PgConnection, maison_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("select id from account where maison_id = $1 and active and role = 'staff'")
        .bind(maison_id)
        .fetch_all(conn)
        .await
}

pub async fn admin_ids(conn: &mut PgConnection) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("select id from account where role = 'admin' and active")
        .fetch_all(conn)
        .await
}

pub async fn copil_decisions(conn: &mut PgConnection, plan_id: i64) -> sqlx::Result<Vec<CopilRow>> {
    sqlx::query_as(
        "select c.decided_on, c.decision, c.members_present, c.minutes, a.name as who from copil_decision c
         left join account a on a.id = c.recorded_by where c.plan_id = $1 order by c.decided_on, c.id",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await
}

pub async fn reviews(conn: &mut PgConnection, plan_id: i64) -> sqlx::Result<Vec<ReviewRow>> {
    sqlx::query_as(
        "select r.id, r.opinion, r.remarks, a.name as who, r.created_at from network_review r
         left join account a on a.id = r.account_id where r.plan_id = $1 order by r.created_at, r.id",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await
}
