//! The network axis page's queries: each one aggregate over `ax_act` (the actions under the axis of the
//! current plan of the Maisons shown), bound by a `Scope`.

use chrono::NaiveDate;

use super::{
    FUNDERS_SHOWN, Funder, FunderRow, Group, GroupRow, MISSING_SHOWN, Missing, StatusCount,
    StatusRow, Totals, WithActions, group_rows,
};
use crate::axes::Axis;
use crate::domain::labels;
use crate::reseau::Programme;
use crate::state::AppState;
use crate::web::format;

/// Whether the Maison `m` is among those shown ($3: `Programme::sql`).
pub(super) const SHOWN: &str =
    "($3::text is null or ($3 = 'grenelle') = (m.grenelle_year is not null))";

/// The actions under axis $1 of the current plan of the Maisons shown ($3); $2 is today (late actions).
pub(super) fn axis_actions() -> String {
    format!(
        "ax_act as (
            select a.id, a.number, a.title, a.status, a.sector_code, cp.maison_id,
                   coalesce(a.end_date < $2 and a.status not in ('realisee', 'abandonnee'), false) as is_late
            from maison_current_plan cp
            join maison m on m.id = cp.maison_id
            join action a on a.plan_id = cp.plan_id and a.axis_id = $1
            where {SHOWN}
        )"
    )
}

/// The inputs of every query over `ax_act` (`axis_actions`): the axis ($1), today ($2), the Maisons
/// shown ($3).
pub(super) struct Scope<'a> {
    pub(super) state: &'a AppState,
    pub(super) axis: &'a Axis,
    pub(super) today: NaiveDate,
    pub(super) programme: Programme,
}

impl Scope<'_> {
    /// `sql` with the scope's three parameters bound.
    pub(super) fn query<'q, T>(
        &self,
        sql: &'q str,
    ) -> sqlx::query::QueryAs<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        sqlx::query_as(sql)
            .bind(self.axis.id)
            .bind(self.today)
            .bind(self.programme.sql())
    }

    pub(super) async fn totals(&self) -> sqlx::Result<Totals> {
        let sql = format!(
            "with {},
             money as (
                 select coalesce(sum(f.amount_cents), 0)::bigint as budget,
                        coalesce(sum(f.amount_cents) filter (where f.state = 'acquis'), 0)::bigint as acquis,
                        coalesce(sum(f.amount_cents) filter (where f.state = 'sollicite'), 0)::bigint as sollicite
                 from action_funding f where f.action_id in (select id from ax_act)
             )
             select (select count(*) from ax_act) as actions,
                    (select count(*) from ax_act where is_late) as late,
                    (select count(distinct maison_id) from ax_act) as maisons_with,
                    (select count(*) from maison m where {SHOWN}) as maisons,
                    money.budget, money.acquis, money.sollicite
             from money",
            axis_actions()
        );
        self.query(&sql).fetch_one(&self.state.db).await
    }

    /// Every action status, in the workflow's order, with its count and its share of `total`.
    pub(super) async fn statuses(&self, total: i64) -> sqlx::Result<Vec<StatusRow>> {
        let sql = format!(
            "with {}
             select status, count(*) as n from ax_act group by status",
            axis_actions()
        );
        let counts: Vec<StatusCount> = self.query(&sql).fetch_all(&self.state.db).await?;
        Ok(labels::ACTION_STATUSES
            .iter()
            .map(|s| {
                let n = counts
                    .iter()
                    .find(|c| c.status == *s)
                    .map(|c| c.n)
                    .unwrap_or(0);
                StatusRow {
                    label: labels::action_status_label(s),
                    n: format::int(n),
                    pct: format::percent(n, total),
                }
            })
            .collect())
    }

    /// The actions grouped by `label` (an expression over `ax_act` and the `joins`), ordered by `order`.
    pub(super) async fn groups(
        &self,
        label: &str,
        joins: &str,
        order: &str,
    ) -> sqlx::Result<Vec<GroupRow>> {
        let sql = format!(
            "with {}
             select {label} as label,
                    count(distinct ax_act.maison_id) as maisons, count(*) as actions,
                    count(*) filter (where ax_act.status = 'realisee') as realisees,
                    count(*) filter (where ax_act.is_late) as late
             from ax_act {joins}
             {order}",
            axis_actions()
        );
        let groups: Vec<Group> = self.query(&sql).fetch_all(&self.state.db).await?;
        Ok(group_rows(groups))
    }

    pub(super) async fn sectors(&self) -> sqlx::Result<Vec<GroupRow>> {
        self.groups(
            "coalesce(s.name, 'Filière non renseignée')",
            "left join sector s on s.code = ax_act.sector_code",
            "group by s.position, s.name order by s.position nulls last",
        )
        .await
    }

    pub(super) async fn regions(&self) -> sqlx::Result<Vec<GroupRow>> {
        self.groups(
            "r.name",
            "join maison m on m.id = ax_act.maison_id join region r on r.code = m.region_code",
            "group by r.name order by r.name",
        )
        .await
    }

    /// Funders in one statement: the directory's by organisation, then the free-text ones by their text,
    /// the largest of each kind first; returned apart (directory, free text).
    pub(super) async fn funders(&self) -> sqlx::Result<(Vec<FunderRow>, Vec<FunderRow>)> {
        let sql = format!(
            "with {},
             g as (
                 select f.organisation_id, coalesce(o.name, btrim(f.funder)) as funder,
                        count(distinct f.action_id) as actions, count(distinct ax_act.maison_id) as maisons,
                        coalesce(sum(f.amount_cents) filter (where f.state = 'acquis'), 0)::bigint as acquis,
                        coalesce(sum(f.amount_cents) filter (where f.state = 'sollicite'), 0)::bigint as sollicite
                 from ax_act join action_funding f on f.action_id = ax_act.id
                 left join organisation o on o.id = f.organisation_id
                 group by f.organisation_id, 2
             ),
             ranked as (
                 select g.*, row_number() over (partition by g.organisation_id is null
                                                order by g.acquis + g.sollicite desc, g.funder, g.organisation_id) as n
                 from g
             )
             select organisation_id, funder, actions, maisons, acquis, sollicite from ranked
             where n <= $4
             order by organisation_id is null, n",
            axis_actions()
        );
        let funders: Vec<Funder> = self
            .query(&sql)
            .bind(FUNDERS_SHOWN)
            .fetch_all(&self.state.db)
            .await?;
        let (directory, free): (Vec<Funder>, Vec<Funder>) = funders
            .into_iter()
            .partition(|f| f.organisation_id.is_some());
        Ok((
            directory.into_iter().map(FunderRow::from).collect(),
            free.into_iter().map(FunderRow::from).collect(),
        ))
    }

    /// The Maisons shown whose current plan (if any) has no action under the axis.
    pub(super) async fn missing(&self) -> sqlx::Result<Vec<Missing>> {
        sqlx::query_as(&format!(
            "select m.id, m.name, r.name as region, cp.status as plan_status
             from maison m
             join region r on r.code = m.region_code
             left join maison_current_plan cp on cp.maison_id = m.id
             where not exists (select 1 from action a where a.plan_id = cp.plan_id and a.axis_id = $1)
               and {SHOWN}
             order by m.sort_key, m.id limit $2"
        ))
        .bind(self.axis.id)
        .bind(MISSING_SHOWN)
        .bind(self.programme.sql())
        .fetch_all(&self.state.db)
        .await
    }

    /// The Maisons with actions under the axis, each with its fiches (linked), by name.
    pub(super) async fn with_actions(&self) -> sqlx::Result<Vec<WithActions>> {
        let sql = format!(
            "with {}
             select m.id, m.name, r.name as region,
                    count(*) filter (where ax_act.status = 'realisee') as realisees,
                    json_agg(json_build_object('id', ax_act.id, 'number', ax_act.number, 'title', ax_act.title,
                                               'status', ax_act.status) order by ax_act.number) as fiches
             from ax_act join maison m on m.id = ax_act.maison_id join region r on r.code = m.region_code
             group by m.id, m.name, m.sort_key, r.name
             order by m.sort_key, m.id",
            axis_actions()
        );
        self.query(&sql).fetch_all(&self.state.db).await
    }
}
