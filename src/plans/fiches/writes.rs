//! What a fiche's form writes: the fiche's columns, its child rows (partners, budget lines,
//! indicators), and the journal's account of the change.

use axum::http::StatusCode;
use sqlx::PgConnection;

use super::input::{ActionInput, Choices, StepInput};
use crate::audit::Diff;
use crate::error::AppResult;
use crate::plans::model::{self, Action, Details, Pilot, PilotReferent, StepStatus};
use crate::web::format;
use crate::web::forms::{FieldErrors, violates};

pub(super) async fn write_children(
    conn: &mut PgConnection,
    action_id: i64,
    input: &ActionInput,
) -> sqlx::Result<()> {
    for table in [
        "action_partner",
        "action_funding",
        "action_indicator",
        "action_step",
    ] {
        sqlx::query(&format!("delete from {table} where action_id = $1"))
            .bind(action_id)
            .execute(&mut *conn)
            .await?;
    }
    let (orgs, roles): (Vec<i64>, Vec<String>) = input.partners.iter().cloned().unzip();
    sqlx::query(
        "insert into action_partner (action_id, organisation_id, role) select $1, * from unnest($2::bigint[], $3::text[])",
    )
    .bind(action_id)
    .bind(&orgs)
    .bind(&roles)
    .execute(&mut *conn)
    .await?;
    let f = &input.fundings;
    let funders: Vec<&str> = f.iter().map(|f| f.funder.as_str()).collect();
    let orgs: Vec<Option<i64>> = f.iter().map(|f| f.organisation_id).collect();
    let amounts: Vec<i64> = f.iter().map(|f| f.cents).collect();
    let states: Vec<&str> = f.iter().map(|f| f.state.as_str()).collect();
    sqlx::query(
        "insert into action_funding (action_id, funder, organisation_id, amount_cents, state, position)
         select $1, f, o, a, s, p::int
         from unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[]) with ordinality as t(f, o, a, s, p)",
    )
    .bind(action_id)
    .bind(&funders)
    .bind(&orgs)
    .bind(&amounts)
    .bind(&states)
    .execute(&mut *conn)
    .await?;
    let ind = &input.indicators;
    let ids: Vec<Option<i64>> = ind.iter().map(|i| i.indicator_id).collect();
    let labels: Vec<&str> = ind.iter().map(|i| i.label.as_str()).collect();
    let units: Vec<&str> = ind.iter().map(|i| i.unit.as_str()).collect();
    let targets: Vec<Option<f64>> = ind.iter().map(|i| i.target).collect();
    let achieved: Vec<Option<f64>> = ind.iter().map(|i| i.achieved).collect();
    let years: Vec<Option<i32>> = ind.iter().map(|i| i.year).collect();
    sqlx::query(
        "insert into action_indicator (action_id, indicator_id, label, unit, target, achieved, year, position)
         select $1, c, l, u, t, a, y, p::int
         from unnest($2::bigint[], $3::text[], $4::text[], $5::float8[], $6::float8[], $7::int[])
              with ordinality as x(c, l, u, t, a, y, p)",
    )
    .bind(action_id)
    .bind(&ids)
    .bind(&labels)
    .bind(&units)
    .bind(&targets)
    .bind(&achieved)
    .bind(&years)
    .execute(&mut *conn)
    .await?;
    write_steps(conn, action_id, &input.steps).await?;
    derive_progress(conn, action_id).await?;
    Ok(())
}

async fn write_steps(
    conn: &mut PgConnection,
    action_id: i64,
    steps: &[StepInput],
) -> sqlx::Result<()> {
    let titles: Vec<&str> = steps.iter().map(|s| s.title.as_str()).collect();
    let starts: Vec<Option<chrono::NaiveDate>> = steps.iter().map(|s| s.start).collect();
    let ends: Vec<Option<chrono::NaiveDate>> = steps.iter().map(|s| s.end).collect();
    let statuses: Vec<&str> = steps.iter().map(|s| s.status.as_str()).collect();
    sqlx::query(
        "insert into action_step (action_id, title, start_date, end_date, status, position)
         select $1, t, s, e, st, p::int
         from unnest($2::text[], $3::date[], $4::date[], $5::text[]) with ordinality as x(t, s, e, st, p)",
    )
    .bind(action_id)
    .bind(&titles)
    .bind(&starts)
    .bind(&ends)
    .bind(&statuses)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes the progress of a fiche that has steps as its steps say (`model::progress_from_steps`; a
/// réalisée action stays at 100 %); returns it, `None` when the fiche has no step (set by hand).
pub(super) async fn derive_progress(
    conn: &mut PgConnection,
    action_id: i64,
) -> sqlx::Result<Option<i32>> {
    let statuses: Vec<StepStatus> =
        sqlx::query_scalar("select status from action_step where action_id = $1")
            .bind(action_id)
            .fetch_all(&mut *conn)
            .await?;
    let Some(progress) = model::progress_from_steps(&statuses) else {
        return Ok(None);
    };
    sqlx::query(
        "update action set progress = $2 where id = $1 and status <> 'realisee' and progress <> $2",
    )
    .bind(action_id)
    .bind(progress)
    .execute(&mut *conn)
    .await?;
    Ok(Some(progress))
}

/// A write of the form the database refused for a reason the person can fix: the number is taken (422,
/// said beside the field). Other errors are errors.
pub(super) fn refusal<T>(
    written: sqlx::Result<T>,
    errors: &mut FieldErrors,
) -> AppResult<Result<T, StatusCode>> {
    match written {
        Ok(x) => Ok(Ok(x)),
        Err(e) if violates(&e, "action_plan_id_number_key") => {
            errors.add(
                "number",
                "Ce numéro est déjà utilisé par une autre fiche du plan.",
            );
            Ok(Err(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(e) => Err(e.into()),
    }
}

/// The columns of a fiche its form writes, in the order `bind_fields` binds them.
const FIELDS: [&str; 16] = [
    "number",
    "title",
    "axis_id",
    "sector_code",
    "objectives",
    "description",
    "target_public",
    "expected_results",
    "pilot_maison",
    "pilot_organisation_id",
    "referent_account_id",
    "pilot_referent_account_id",
    "pilot_contact_id",
    "start_date",
    "end_date",
    "priority",
];

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds the fields of `FIELDS` after the statement's leading parameters.
pub(super) fn bind_fields<'q>(q: PgQuery<'q>, i: &'q ActionInput) -> PgQuery<'q> {
    let (pilot_maison, pilot_organisation) = i.pilot.columns();
    let (referent_account, referent_contact) = i.pilot_referent.columns();
    q.bind(i.number)
        .bind(&i.title)
        .bind(i.axis_id)
        .bind(&i.sector_code)
        .bind(&i.objectives)
        .bind(&i.description)
        .bind(&i.target_public)
        .bind(&i.expected_results)
        .bind(pilot_maison)
        .bind(pilot_organisation)
        .bind(i.referent)
        .bind(referent_account)
        .bind(referent_contact)
        .bind(i.start)
        .bind(i.end)
        .bind(&i.priority)
}

/// `insert into action (plan_id, FIELDS…) values ($1, $2…) returning id`
pub(super) fn insert_sql() -> String {
    let params: Vec<String> = (2..FIELDS.len() + 2).map(|n| format!("${n}")).collect();
    format!(
        "insert into action (plan_id, {}) values ($1, {}) returning id",
        FIELDS.join(", "),
        params.join(", ")
    )
}

/// `update action set FIELD = $3… where id = $1 and version = $2`
pub(super) fn update_sql() -> String {
    let sets: Vec<String> = FIELDS
        .iter()
        .enumerate()
        .map(|(n, f)| format!("{f} = ${}", n + 3))
        .collect();
    format!(
        "update action set {}, version = version + 1 where id = $1 and version = $2",
        sets.join(", ")
    )
}

/// The journal's account of an edit: each field and table that changed, as the form shows it.
pub(super) fn diff_of(before: &Action, d: &Details, input: &ActionInput, c: &Choices) -> Diff {
    let names = Names(c);
    let mut diff = Diff::default();
    diff.field("number", "Numéro", before.number, input.number)
        .field(
            "title",
            "Intitulé",
            before.title.clone(),
            input.title.clone(),
        )
        .field(
            "axis_id",
            "Axe",
            names.axis(before.axis_id),
            names.axis(input.axis_id),
        )
        .field(
            "sector_code",
            "Filière",
            names.sector(&before.sector_code),
            names.sector(&input.sector_code),
        );
    for (field, label, was, now) in [
        (
            "objectives",
            "Objectifs",
            &before.objectives,
            &input.objectives,
        ),
        (
            "description",
            "Description",
            &before.description,
            &input.description,
        ),
        (
            "target_public",
            "Public visé",
            &before.target_public,
            &input.target_public,
        ),
        (
            "expected_results",
            "Résultats attendus",
            &before.expected_results,
            &input.expected_results,
        ),
    ] {
        diff.field(field, label, was.as_str(), now.as_str());
    }
    people_and_dates(&mut diff, &names, before, input);
    tables(&mut diff, &names, before, d, input);
    diff
}

/// The names the form's choices stand for, as the journal writes them.
struct Names<'a>(&'a Choices);

impl Names<'_> {
    fn axis(&self, id: i32) -> String {
        self.0
            .axes
            .iter()
            .find(|a| a.id == id)
            .map(|a| format!("Axe {}", a.number))
            .unwrap_or_default()
    }
    fn pilot(&self, p: Pilot) -> String {
        match p {
            Pilot::None => String::new(),
            Pilot::Maison => self.0.maison_name.clone(),
            Pilot::Organisation(o) => self.org(Some(o)),
        }
    }
    /// A pilot's referent: an account is named when the journal is read (`audit::account_ref`); a contact
    /// by its card's number, never its name (the journal holds no name).
    fn pilot_referent(&self, r: PilotReferent) -> serde_json::Value {
        match r {
            PilotReferent::None => serde_json::Value::Null,
            PilotReferent::Account(a) => crate::audit::account_ref(Some(a)),
            PilotReferent::Contact(c) => format!("fiche contact n° {c}").into(),
        }
    }
    fn org(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.0.orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    }
    fn sector(&self, s: &Option<String>) -> String {
        s.as_ref()
            .and_then(|s| self.0.sectors.iter().find(|x| &x.code == s))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }
}

fn people_and_dates(diff: &mut Diff, names: &Names<'_>, before: &Action, input: &ActionInput) {
    diff.field(
        "pilot",
        "Pilote",
        names.pilot(before.pilot_choice()),
        names.pilot(input.pilot),
    )
    .field(
        "referent",
        "Référent",
        // A person is named when the journal is read (`audit::account_ref`), never copied into it.
        crate::audit::account_ref(before.referent_account_id),
        crate::audit::account_ref(input.referent),
    )
    .field(
        "pilot_referent",
        "Référent du pilote",
        names.pilot_referent(before.pilot_referent_choice()),
        names.pilot_referent(input.pilot_referent),
    )
    .field(
        "start_date",
        "Date de début",
        before.start(),
        format::opt_date(input.start),
    )
    .field(
        "end_date",
        "Date de fin",
        before.end(),
        format::opt_date(input.end),
    )
    .field(
        "priority",
        "Priorité",
        before.priority_label(),
        model::priority_label(&input.priority),
    );
}

/// The partners, budget lines and indicators, one line of text each.
fn tables(diff: &mut Diff, names: &Names<'_>, before: &Action, d: &Details, input: &ActionInput) {
    let partners_before: Vec<String> = d
        .partners
        .get(&before.id)
        .map(|v| v.iter().map(|p| partner_text(&p.name, &p.role)).collect())
        .unwrap_or_default();
    let partners_after: Vec<String> = input
        .partners
        .iter()
        .map(|(id, role)| partner_text(&names.org(Some(*id)), role))
        .collect();
    diff.field("partners", "Partenaires", partners_before, partners_after);
    let fundings_before: Vec<String> = d
        .fundings
        .get(&before.id)
        .map(|v| {
            v.iter()
                .map(|f| funding_text(&f.funder, f.amount_cents, &f.state))
                .collect()
        })
        .unwrap_or_default();
    let fundings_after: Vec<String> = input
        .fundings
        .iter()
        .map(|f| funding_text(&f.funder, f.cents, &f.state))
        .collect();
    diff.field(
        "fundings",
        "Budget et cofinancements",
        fundings_before,
        fundings_after,
    );
    let ind_before: Vec<String> = d
        .indicators
        .get(&before.id)
        .map(|v| {
            v.iter()
                .map(|i| indicator_text(&i.label, &i.unit, i.target, i.achieved, i.year))
                .collect()
        })
        .unwrap_or_default();
    let ind_after: Vec<String> = input
        .indicators
        .iter()
        .map(|i| indicator_text(&i.label, &i.unit, i.target, i.achieved, i.year))
        .collect();
    diff.field("indicators", "Indicateurs", ind_before, ind_after);
    let steps_before: Vec<String> = d
        .steps
        .get(&before.id)
        .map(|v| {
            v.iter()
                .map(|s| step_text(&s.title, s.start_date, s.end_date, s.status))
                .collect()
        })
        .unwrap_or_default();
    let steps_after: Vec<String> = input
        .steps
        .iter()
        .map(|s| step_text(&s.title, s.start, s.end, s.status))
        .collect();
    diff.field("steps", "Étapes", steps_before, steps_after);
}

pub(super) fn step_text(
    title: &str,
    start: Option<chrono::NaiveDate>,
    end: Option<chrono::NaiveDate>,
    status: StepStatus,
) -> String {
    let dates = match (start, end) {
        (None, None) => String::new(),
        _ => format!(
            " du {} au {}",
            format::opt_date(start),
            format::opt_date(end)
        ),
    };
    format!("{title}{dates} ({})", status.label())
}

fn funding_text(funder: &str, cents: i64, state: &str) -> String {
    format!(
        "{funder} : {} ({})",
        format::money(cents),
        model::funding_state_label(state)
    )
}

fn partner_text(name: &str, role: &str) -> String {
    if role.is_empty() {
        name.to_owned()
    } else {
        format!("{name} ({role})")
    }
}

fn indicator_text(
    label: &str,
    unit: &str,
    target: Option<f64>,
    achieved: Option<f64>,
    year: Option<i32>,
) -> String {
    format!(
        "{label} [{unit}] cible {} réalisé {}{}",
        model::opt_number(target),
        model::opt_number(achieved),
        year.map(|y| format!(" ({y})")).unwrap_or_default()
    )
}
