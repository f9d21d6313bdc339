//! Fiches actions: creation and editing while the plan is a draft, then the follow-up (status, progress,
//! notes de suivi, achieved values) once the copil has validated it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::{PgConnection, Row};

use super::model::{self, Action, Axis, Details, Org, Person, Plan, Sector, TimelineStep};
use super::pages::{CONFLICT, ensure_editable};
use crate::audit::{self, Diff, Event, HistoryEntry};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, plans as rules};
use crate::domain::sector;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, violates};
use crate::web::{Ctx, Form, format, idempotency, outcome};

/// The largest budget line accepted: beyond, it is a typing mistake (a Maison's yearly budget is a few M€).
const MAX_AMOUNT_CENTS: i64 = 5_000_000_000;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActionForm {
    pub number: String,
    pub title: String,
    pub axis_id: String,
    pub sector_code: String,
    pub objectives: String,
    pub description: String,
    pub target_public: String,
    pub expected_results: String,
    pub pilot_organisation_id: String,
    pub referent_account_id: String,
    pub start_date: String,
    pub end_date: String,
    pub priority: String,
    pub partner_org: Vec<String>,
    pub partner_role: Vec<String>,
    pub funding_funder: Vec<String>,
    pub funding_amount: Vec<String>,
    pub funding_state: Vec<String>,
    pub ind_label: Vec<String>,
    pub ind_unit: Vec<String>,
    pub ind_target: Vec<String>,
    pub ind_achieved: Vec<String>,
    pub ind_year: Vec<String>,
    pub version: String,
    pub form_key: String,
    /// Set by an « Ajouter une ligne » button: the group (`Lines::key`).
    pub ajouter: String,
    /// Set by a « Retirer » button: `group-line`.
    pub retirer: String,
}

fn at(v: &[String], i: usize) -> String {
    v.get(i).cloned().unwrap_or_default()
}

/// The three tables of the form that take any number of lines. Without JavaScript, a line is added or
/// removed by a submit button (`ajouter` = the group, `retirer` = `group-line`) that re-renders the form
/// with what was typed, saving nothing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lines {
    Partners,
    Fundings,
    Indicators,
}

impl Lines {
    const ALL: [Lines; 3] = [Lines::Partners, Lines::Fundings, Lines::Indicators];

    /// The value of the buttons, also the id of the group's fieldset.
    pub fn key(self) -> &'static str {
        match self {
            Lines::Partners => "partenaires",
            Lines::Fundings => "financements",
            Lines::Indicators => "indicateurs",
        }
    }

    fn parse(s: &str) -> Option<Lines> {
        Lines::ALL.into_iter().find(|l| l.key() == s)
    }
}

/// Rows as the form shows them: what was typed (blank lines included, so that « ligne N » in an error
/// message is the N-th line on screen), ending with one blank line.
pub struct PartnerRow {
    pub org: String,
    pub role: String,
}
pub struct FundingRow {
    pub funder: String,
    pub amount: String,
    pub state: String,
}
pub struct IndicatorRow {
    pub label: String,
    pub unit: String,
    pub target: String,
    pub achieved: String,
    pub year: String,
}

impl ActionForm {
    /// How many lines the group has (its longest column).
    fn count(&self, lines: Lines) -> usize {
        let columns: &[&Vec<String>] = match lines {
            Lines::Partners => &[&self.partner_org, &self.partner_role],
            Lines::Fundings => &[
                &self.funding_funder,
                &self.funding_amount,
                &self.funding_state,
            ],
            Lines::Indicators => &[
                &self.ind_label,
                &self.ind_unit,
                &self.ind_target,
                &self.ind_achieved,
                &self.ind_year,
            ],
        };
        columns.iter().map(|c| c.len()).max().unwrap_or(0)
    }

    fn columns(&mut self, lines: Lines) -> Vec<&mut Vec<String>> {
        match lines {
            Lines::Partners => vec![&mut self.partner_org, &mut self.partner_role],
            Lines::Fundings => vec![
                &mut self.funding_funder,
                &mut self.funding_amount,
                &mut self.funding_state,
            ],
            Lines::Indicators => vec![
                &mut self.ind_label,
                &mut self.ind_unit,
                &mut self.ind_target,
                &mut self.ind_achieved,
                &mut self.ind_year,
            ],
        }
    }

    /// Gives every column of the group the same number of lines; returns it.
    fn even_out(&mut self, lines: Lines) -> usize {
        let n = self.count(lines);
        for c in self.columns(lines) {
            c.resize(n, String::new());
        }
        n
    }

    /// A line with nothing typed (the state of a budget line is a choice, not typing).
    fn line_is_blank(&mut self, lines: Lines, i: usize) -> bool {
        let skip_state = lines == Lines::Fundings;
        self.columns(lines)
            .iter()
            .enumerate()
            .filter(|(k, _)| !(skip_state && *k == 2))
            .all(|(_, c)| c.get(i).is_none_or(|v| v.trim().is_empty()))
    }

    fn add_line(&mut self, lines: Lines) {
        self.even_out(lines);
        for (k, c) in self.columns(lines).into_iter().enumerate() {
            c.push(if lines == Lines::Fundings && k == 2 {
                "sollicite".into()
            } else {
                String::new()
            });
        }
    }

    /// Removes line `line` (counted from 1 as on screen) of the group.
    fn remove_line(&mut self, lines: Lines, line: usize) {
        let n = self.even_out(lines);
        if (1..=n).contains(&line) {
            for c in self.columns(lines) {
                c.remove(line - 1);
            }
        }
    }

    /// What the form shows: the lines as typed, then a blank line if the last one is not.
    pub fn with_blank_lines(mut self) -> Self {
        for lines in Lines::ALL {
            let n = self.even_out(lines);
            if n == 0 || !self.line_is_blank(lines, n - 1) {
                self.add_line(lines);
            }
        }
        self
    }

    /// Applies an « Ajouter une ligne » or « Retirer » button; false when the form was sent to be saved.
    fn edit_lines(&mut self) -> bool {
        let add = std::mem::take(&mut self.ajouter);
        let remove = std::mem::take(&mut self.retirer);
        if add.is_empty() && remove.is_empty() {
            return false;
        }
        if let Some(lines) = Lines::parse(&add) {
            self.add_line(lines);
        }
        if let Some((group, line)) = remove.rsplit_once('-')
            && let (Some(lines), Ok(line)) = (Lines::parse(group), line.parse::<usize>())
        {
            self.remove_line(lines, line);
        }
        true
    }

    pub fn partner_rows(&self) -> Vec<PartnerRow> {
        (0..self.count(Lines::Partners))
            .map(|i| PartnerRow {
                org: at(&self.partner_org, i),
                role: at(&self.partner_role, i),
            })
            .collect()
    }
    pub fn funding_rows(&self) -> Vec<FundingRow> {
        (0..self.count(Lines::Fundings))
            .map(|i| FundingRow {
                funder: at(&self.funding_funder, i),
                amount: at(&self.funding_amount, i),
                state: at(&self.funding_state, i),
            })
            .collect()
    }
    pub fn indicator_rows(&self) -> Vec<IndicatorRow> {
        (0..self.count(Lines::Indicators))
            .map(|i| IndicatorRow {
                label: at(&self.ind_label, i),
                unit: at(&self.ind_unit, i),
                target: at(&self.ind_target, i),
                achieved: at(&self.ind_achieved, i),
                year: at(&self.ind_year, i),
            })
            .collect()
    }

    fn from_action(a: &Action, d: &Details) -> Self {
        let partners = d.partners.get(&a.id).cloned().unwrap_or_default();
        let fundings = d.fundings.get(&a.id).cloned().unwrap_or_default();
        let indicators = d.indicators.get(&a.id).cloned().unwrap_or_default();
        ActionForm {
            number: a.number.to_string(),
            title: a.title.clone(),
            axis_id: a.axis_id.to_string(),
            sector_code: a.sector_code.clone().unwrap_or_default(),
            objectives: a.objectives.clone(),
            description: a.description.clone(),
            target_public: a.target_public.clone(),
            expected_results: a.expected_results.clone(),
            pilot_organisation_id: a
                .pilot_organisation_id
                .map(|x| x.to_string())
                .unwrap_or_default(),
            referent_account_id: a
                .referent_account_id
                .map(|x| x.to_string())
                .unwrap_or_default(),
            start_date: a.start_date.map(|d| d.to_string()).unwrap_or_default(),
            end_date: a.end_date.map(|d| d.to_string()).unwrap_or_default(),
            priority: a.priority.clone(),
            partner_org: partners
                .iter()
                .map(|p| p.organisation_id.to_string())
                .collect(),
            partner_role: partners.iter().map(|p| p.role.clone()).collect(),
            funding_funder: fundings.iter().map(|f| f.funder.clone()).collect(),
            funding_amount: fundings
                .iter()
                .map(|f| format::decimal(f.amount_cents as f64 / 100.0, 2))
                .collect(),
            funding_state: fundings.iter().map(|f| f.state.clone()).collect(),
            ind_label: indicators.iter().map(|i| i.label.clone()).collect(),
            ind_unit: indicators.iter().map(|i| i.unit.clone()).collect(),
            ind_target: indicators.iter().map(|i| i.target_text()).collect(),
            ind_achieved: indicators.iter().map(|i| i.achieved_text()).collect(),
            ind_year: indicators.iter().map(|i| i.year_text()).collect(),
            version: a.version.to_string(),
            ..Default::default()
        }
    }
}

pub struct ActionInput {
    number: i32,
    title: String,
    axis_id: i32,
    sector_code: Option<String>,
    objectives: String,
    description: String,
    target_public: String,
    expected_results: String,
    pilot: Option<i64>,
    referent: Option<i64>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    priority: String,
    partners: Vec<(i64, String)>,
    fundings: Vec<(String, i64, String)>,
    indicators: Vec<IndicatorInput>,
}

/// label, unit, target, achieved, year
type IndicatorInput = (String, String, Option<f64>, Option<f64>, Option<i32>);

/// What the form needs to offer its choices (and to check them).
pub struct Choices {
    pub axes: Vec<Axis>,
    pub sectors: Vec<Sector>,
    pub orgs: Vec<Org>,
    pub staff: Vec<Person>,
}

async fn choices(conn: &mut PgConnection, plan: &Plan) -> sqlx::Result<Choices> {
    Ok(Choices {
        axes: model::axes(conn, &plan.charter).await?,
        sectors: sector::all(&mut *conn).await?,
        orgs: model::partner_orgs(conn, plan.maison_id).await?,
        staff: model::staff_accounts(conn, plan.maison_id).await?,
    })
}

fn opt_id(s: &str) -> Result<Option<i64>, ()> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        format::parse_int(s).map(Some).ok_or(())
    }
}

fn validate(form: &ActionForm, c: &Choices) -> (Option<ActionInput>, FieldErrors) {
    let mut e = FieldErrors::default();
    let number = format::parse_int(&form.number).filter(|n| (1..=9999).contains(n));
    if number.is_none() {
        e.add("number", "Indiquez un numéro de fiche entre 1 et 9 999.");
    }
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        e.add("title", "Indiquez l'intitulé de l'action.");
    } else if title.chars().count() > 200 {
        e.add("title", "L'intitulé ne peut dépasser 200 caractères.");
    }
    let axis_id = format::parse_int(&form.axis_id)
        .and_then(|id| c.axes.iter().find(|a| i64::from(a.id) == id))
        .map(|a| a.id);
    if axis_id.is_none() {
        e.add(
            "axis_id",
            if form.axis_id.trim().is_empty() {
                "Choisissez l'axe du cahier des charges."
            } else {
                "Cet axe n'existe pas pour ce plan."
            },
        );
    }
    let sector_code = match form.sector_code.trim() {
        "" => None,
        code if c.sectors.iter().any(|s| s.code == code) => Some(code.to_owned()),
        _ => {
            e.add("sector_code", "Cette filière n'existe pas.");
            None
        }
    };
    let pilot = match opt_id(&form.pilot_organisation_id) {
        Ok(Some(id)) if c.orgs.iter().any(|o| o.id == id) => Some(id),
        Ok(None) => None,
        _ => {
            e.add("pilot", "Le pilote doit être un partenaire de la Maison.");
            None
        }
    };
    let referent = match opt_id(&form.referent_account_id) {
        Ok(Some(id)) if c.staff.iter().any(|p| p.id == id) => Some(id),
        Ok(None) => None,
        _ => {
            e.add(
                "referent",
                "Le référent doit être un membre de l'équipe de la Maison.",
            );
            None
        }
    };
    let mut parse_opt_date = |s: &str, field: &'static str, label: &str| -> Option<NaiveDate> {
        if s.trim().is_empty() {
            return None;
        }
        let d = format::parse_date(s);
        if d.is_none() {
            e.add(
                field,
                format!("La date de {label} n'est pas valide (jj/mm/aaaa)."),
            );
        }
        d
    };
    let start = parse_opt_date(&form.start_date, "start_date", "début");
    let end = parse_opt_date(&form.end_date, "end_date", "fin");
    if let (Some(s), Some(en)) = (start, end)
        && en < s
    {
        e.add(
            "end_date",
            "La date de fin ne peut pas précéder la date de début.",
        );
    }
    let priority = if form.priority.is_empty() {
        "moyenne".to_owned()
    } else {
        form.priority.clone()
    };
    if !model::PRIORITIES.iter().any(|(k, _)| *k == priority) {
        e.add(
            "priority",
            "Choisissez une priorité : haute, moyenne ou basse.",
        );
    }
    for t in [
        &form.objectives,
        &form.description,
        &form.target_public,
        &form.expected_results,
    ] {
        if t.chars().count() > 10_000 {
            e.add(
                "texts",
                "Chaque texte de la fiche est limité à 10 000 caractères.",
            );
        }
    }
    // Partners
    let mut partners: Vec<(i64, String)> = Vec::new();
    let mut bad = Vec::new();
    for i in 0..form.count(Lines::Partners) {
        let org = at(&form.partner_org, i);
        let role = at(&form.partner_role, i).trim().to_owned();
        if org.trim().is_empty() {
            if !role.is_empty() {
                bad.push(format!("ligne {} : choisissez l'organisation", i + 1));
            }
            continue;
        }
        match format::parse_int(&org).filter(|id| c.orgs.iter().any(|o| o.id == *id)) {
            Some(id) if partners.iter().any(|(p, _)| *p == id) => {
                bad.push(format!("ligne {} : organisation en double", i + 1))
            }
            Some(id) if role.chars().count() <= 200 => partners.push((id, role)),
            Some(_) => bad.push(format!("ligne {} : rôle trop long", i + 1)),
            None => bad.push(format!("ligne {} : organisation inconnue", i + 1)),
        }
    }
    if !bad.is_empty() {
        e.add(
            "partners",
            format!("Partenaires à corriger — {}.", bad.join(" ; ")),
        );
    }
    // Budget lines
    let mut fundings = Vec::new();
    let mut bad = Vec::new();
    for i in 0..form.count(Lines::Fundings) {
        let funder = at(&form.funding_funder, i).trim().to_owned();
        let amount = at(&form.funding_amount, i);
        if funder.is_empty() && amount.trim().is_empty() {
            continue;
        }
        if funder.is_empty() || funder.chars().count() > 200 {
            bad.push(format!("ligne {} : indiquez le financeur", i + 1));
            continue;
        }
        let state = at(&form.funding_state, i);
        let state = if state == "acquis" {
            "acquis"
        } else {
            "sollicite"
        };
        match format::parse_money_cents(&amount) {
            Some(c) if c < 0 => bad.push(format!(
                "ligne {} : le montant ne peut pas être négatif",
                i + 1
            )),
            Some(c) if c > MAX_AMOUNT_CENTS => bad.push(format!(
                "ligne {} : montant invraisemblable (au plus {})",
                i + 1,
                format::money(MAX_AMOUNT_CENTS)
            )),
            Some(c) => fundings.push((funder, c, state.to_owned())),
            None => bad.push(format!(
                "ligne {} : montant illisible (exemple : 12 345,50)",
                i + 1
            )),
        }
    }
    if !bad.is_empty() {
        e.add(
            "fundings",
            format!("Budget à corriger — {}.", bad.join(" ; ")),
        );
    }
    // Indicators
    let mut indicators = Vec::new();
    let mut bad = Vec::new();
    for i in 0..form.count(Lines::Indicators) {
        let label = at(&form.ind_label, i).trim().to_owned();
        let unit = at(&form.ind_unit, i).trim().to_owned();
        let target = at(&form.ind_target, i);
        let achieved = at(&form.ind_achieved, i);
        let year = at(&form.ind_year, i);
        if label.is_empty()
            && unit.is_empty()
            && target.trim().is_empty()
            && achieved.trim().is_empty()
        {
            continue;
        }
        if label.is_empty() || label.chars().count() > 200 {
            bad.push(format!("ligne {} : indiquez le libellé", i + 1));
            continue;
        }
        let num = |s: &str| -> Result<Option<f64>, ()> {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                format::parse_decimal(s)
                    .filter(|v| *v >= 0.0 && *v < 1e12)
                    .map(Some)
                    .ok_or(())
            }
        };
        let y = if year.trim().is_empty() {
            Ok(None)
        } else {
            format::parse_int(&year)
                .filter(|y| (2000..=2100).contains(y))
                .map(|y| Some(y as i32))
                .ok_or(())
        };
        match (num(&target), num(&achieved), y) {
            (Ok(t), Ok(a), Ok(y)) => indicators.push((label, unit, t, a, y)),
            (Err(_), _, _) | (_, Err(_), _) => bad.push(format!(
                "ligne {} : cible ou réalisé doit être un nombre positif",
                i + 1
            )),
            _ => bad.push(format!("ligne {} : année entre 2000 et 2100", i + 1)),
        }
    }
    if !bad.is_empty() {
        e.add(
            "indicators",
            format!("Indicateurs à corriger — {}.", bad.join(" ; ")),
        );
    }
    if !e.is_empty() {
        return (None, e);
    }
    (
        Some(ActionInput {
            number: number.unwrap_or(1) as i32,
            title,
            axis_id: axis_id.unwrap_or_default(),
            sector_code,
            objectives: form.objectives.trim().to_owned(),
            description: form.description.trim().to_owned(),
            target_public: form.target_public.trim().to_owned(),
            expected_results: form.expected_results.trim().to_owned(),
            pilot,
            referent,
            start,
            end,
            priority,
            partners,
            fundings,
            indicators,
        }),
        e,
    )
}

#[derive(Template)]
#[template(path = "plans/action_form.html")]
struct FormPage {
    ctx: Ctx,
    plan: Plan,
    action_id: Option<i64>,
    form: ActionForm,
    errors: FieldErrors,
    choices: Choices,
    enjeux: Option<model::Enjeux>,
}

impl FormPage {
    fn new(
        ctx: Ctx,
        plan: Plan,
        action_id: Option<i64>,
        form: ActionForm,
        choices: Choices,
    ) -> Self {
        FormPage {
            ctx,
            plan,
            action_id,
            form,
            errors: FieldErrors::default(),
            choices,
            enjeux: None,
        }
    }

    /// The page, with the diagnostic's enjeux beside the form and a blank line at the end of each table.
    async fn respond(mut self, conn: &mut PgConnection, status: StatusCode) -> AppResult<Response> {
        self.enjeux = model::enjeux(conn, self.plan.diagnostic_id).await?;
        self.form = std::mem::take(&mut self.form).with_blank_lines();
        forms::render(&self, status)
    }

    /// What the form asks to save; `Err(status)` when it must come back instead: a line was added or
    /// removed (200, nothing checked), or the input is bad (422, the errors beside the fields).
    fn read(&mut self) -> Result<ActionInput, StatusCode> {
        if self.form.edit_lines() {
            return Err(StatusCode::OK);
        }
        let (input, errors) = validate(&self.form, &self.choices);
        self.errors = errors;
        input.ok_or(StatusCode::UNPROCESSABLE_ENTITY)
    }

    /// The page after a write the database refused: the transaction may be aborted, so it is rendered
    /// with another connection.
    async fn respond_after(
        self,
        state: &AppState,
        tx: sqlx::Transaction<'_, sqlx::Postgres>,
        status: StatusCode,
    ) -> AppResult<Response> {
        drop(tx);
        let mut conn = state.db.acquire().await?;
        self.respond(&mut conn, status).await
    }

    /// Where the form is sent: creation of a fiche in the plan, or edition of this one.
    fn action_url(&self) -> String {
        match self.action_id {
            Some(id) => format!("/actions/{id}/modifier"),
            None => format!("/plans/{}/actions", self.plan.id),
        }
    }

    fn partners_key(&self) -> &'static str {
        Lines::Partners.key()
    }
    fn fundings_key(&self) -> &'static str {
        Lines::Fundings.key()
    }
    fn indicators_key(&self) -> &'static str {
        Lines::Indicators.key()
    }
}

async fn editable_plan(
    conn: &mut PgConnection,
    user: &CurrentUser,
    plan_id: i64,
) -> AppResult<Plan> {
    let plan = model::load_plan(conn, user, plan_id).await?;
    policy::ensure(rules::can_manage_plan(user, plan.maison_id))?;
    ensure_editable(&plan)?;
    Ok(plan)
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(plan_id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = editable_plan(&mut conn, &user, plan_id).await?;
    let next: i32 =
        sqlx::query_scalar("select coalesce(max(number), 0) + 1 from action where plan_id = $1")
            .bind(plan_id)
            .fetch_one(&mut *conn)
            .await?;
    let choices = choices(&mut conn, &plan).await?;
    let form = ActionForm {
        number: next.to_string(),
        priority: "moyenne".into(),
        ..Default::default()
    };
    FormPage::new(ctx, plan, None, form, choices)
        .respond(&mut conn, StatusCode::OK)
        .await
}

async fn write_children(
    conn: &mut PgConnection,
    action_id: i64,
    input: &ActionInput,
) -> sqlx::Result<()> {
    for table in ["action_partner", "action_funding", "action_indicator"] {
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
    let funders: Vec<String> = input.fundings.iter().map(|f| f.0.clone()).collect();
    let amounts: Vec<i64> = input.fundings.iter().map(|f| f.1).collect();
    let states: Vec<String> = input.fundings.iter().map(|f| f.2.clone()).collect();
    sqlx::query(
        "insert into action_funding (action_id, funder, amount_cents, state, position)
         select $1, f, a, s, p::int from unnest($2::text[], $3::bigint[], $4::text[]) with ordinality as t(f, a, s, p)",
    )
    .bind(action_id)
    .bind(&funders)
    .bind(&amounts)
    .bind(&states)
    .execute(&mut *conn)
    .await?;
    let labels: Vec<String> = input.indicators.iter().map(|i| i.0.clone()).collect();
    let units: Vec<String> = input.indicators.iter().map(|i| i.1.clone()).collect();
    let targets: Vec<Option<f64>> = input.indicators.iter().map(|i| i.2).collect();
    let achieved: Vec<Option<f64>> = input.indicators.iter().map(|i| i.3).collect();
    let years: Vec<Option<i32>> = input.indicators.iter().map(|i| i.4).collect();
    sqlx::query(
        "insert into action_indicator (action_id, label, unit, target, achieved, year, position)
         select $1, l, u, t, a, y, p::int
         from unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::int[]) with ordinality as x(l, u, t, a, y, p)",
    )
    .bind(action_id)
    .bind(&labels)
    .bind(&units)
    .bind(&targets)
    .bind(&achieved)
    .bind(&years)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A write of the form the database refused for a reason the person can fix: the number is taken (422,
/// said beside the field). Other errors are errors.
fn refusal<T>(
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
const FIELDS: [&str; 13] = [
    "number",
    "title",
    "axis_id",
    "sector_code",
    "objectives",
    "description",
    "target_public",
    "expected_results",
    "pilot_organisation_id",
    "referent_account_id",
    "start_date",
    "end_date",
    "priority",
];

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds the fields of `FIELDS` after the statement's leading parameters.
fn bind_fields<'q>(q: PgQuery<'q>, i: &'q ActionInput) -> PgQuery<'q> {
    q.bind(i.number)
        .bind(&i.title)
        .bind(i.axis_id)
        .bind(&i.sector_code)
        .bind(&i.objectives)
        .bind(&i.description)
        .bind(&i.target_public)
        .bind(&i.expected_results)
        .bind(i.pilot)
        .bind(i.referent)
        .bind(i.start)
        .bind(i.end)
        .bind(&i.priority)
}

/// `insert into action (plan_id, FIELDS…) values ($1, $2…) returning id`
fn insert_sql() -> String {
    let params: Vec<String> = (2..FIELDS.len() + 2).map(|n| format!("${n}")).collect();
    format!(
        "insert into action (plan_id, {}) values ($1, {}) returning id",
        FIELDS.join(", "),
        params.join(", ")
    )
}

/// `update action set FIELD = $3… where id = $1 and version = $2`
fn update_sql() -> String {
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

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(plan_id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = editable_plan(&mut tx, &user, plan_id).await?;
    let choices = choices(&mut tx, &plan).await?;
    let mut page = FormPage::new(ctx, plan, None, form, choices);
    let input = match page.read() {
        Ok(input) => input,
        Err(status) => return page.respond(&mut tx, status).await,
    };
    if !idempotency::claim(&mut tx, user.id, &page.form.form_key).await? {
        return Ok(Redirect::to(&format!("/plans/{plan_id}")).into_response());
    }
    let inserted = bind_fields(sqlx::query(&insert_sql()).bind(plan_id), &input)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get::<i64, _>(0));
    let id = match refusal(inserted, &mut page.errors)? {
        Ok(id) => id,
        Err(status) => return page.respond_after(&state, tx, status).await,
    };
    write_children(&mut tx, id, &input).await?;
    audit::record_transition(
        &mut *tx,
        "action",
        id,
        None,
        "a_lancer",
        user.id,
        "Fiche créée",
    )
    .await?;
    outcome::done(
        tx,
        &page.ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(page.plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "creation",
            summary: format!("Fiche action n° {} « {} » créée", input.number, input.title),
            changes: vec![],
        },
        "Fiche action créée.",
        &format!("/actions/{id}"),
    )
    .await
}

/// Loads an action and its plan, the plan being readable by the user (404 otherwise).
async fn load(conn: &mut PgConnection, user: &CurrentUser, id: i64) -> AppResult<(Action, Plan)> {
    let action = model::action_by_id(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = model::load_plan(conn, user, action.plan_id).await?;
    Ok((action, plan))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (action, plan) = load(&mut conn, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    ensure_editable(&plan)?;
    let details = model::details(&mut conn, None, Some(id)).await?;
    let choices = choices(&mut conn, &plan).await?;
    let form = ActionForm::from_action(&action, &details);
    FormPage::new(ctx, plan, Some(id), form, choices)
        .respond(&mut conn, StatusCode::OK)
        .await
}

fn diff_of(before: &Action, d: &Details, input: &ActionInput, c: &Choices) -> Diff {
    let axis = |id: i32| {
        c.axes
            .iter()
            .find(|a| a.id == id)
            .map(|a| format!("Axe {}", a.number))
            .unwrap_or_default()
    };
    let org = |id: Option<i64>| {
        id.and_then(|id| c.orgs.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let person = |id: Option<i64>| {
        id.and_then(|id| c.staff.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let sector = |s: &Option<String>| {
        s.as_ref()
            .and_then(|s| c.sectors.iter().find(|x| &x.code == s))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let mut diff = Diff::default();
    diff.field("number", "Numéro", before.number, input.number)
        .field(
            "title",
            "Intitulé",
            before.title.clone(),
            input.title.clone(),
        )
        .field("axis_id", "Axe", axis(before.axis_id), axis(input.axis_id))
        .field(
            "sector_code",
            "Filière",
            sector(&before.sector_code),
            sector(&input.sector_code),
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
    diff.field(
        "pilot",
        "Pilote",
        org(before.pilot_organisation_id),
        org(input.pilot),
    )
    .field(
        "referent",
        "Référent",
        person(before.referent_account_id),
        person(input.referent),
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
    let partners_before: Vec<String> = d
        .partners
        .get(&before.id)
        .map(|v| v.iter().map(|p| partner_text(&p.name, &p.role)).collect())
        .unwrap_or_default();
    let partners_after: Vec<String> = input
        .partners
        .iter()
        .map(|(id, role)| partner_text(&org(Some(*id)), role))
        .collect();
    diff.field("partners", "Partenaires", partners_before, partners_after);
    let fundings_before: Vec<String> = d
        .fundings
        .get(&before.id)
        .map(|v| {
            v.iter()
                .map(|f| format!("{} : {} ({})", f.funder, f.amount(), f.state_label()))
                .collect()
        })
        .unwrap_or_default();
    let fundings_after: Vec<String> = input
        .fundings
        .iter()
        .map(|(f, a, s)| {
            format!(
                "{f} : {} ({})",
                format::money(*a),
                model::funding_state_label(s)
            )
        })
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
        .map(|i| indicator_text(&i.0, &i.1, i.2, i.3, i.4))
        .collect();
    diff.field("indicators", "Indicateurs", ind_before, ind_after);
    diff
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

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = load(&mut tx, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    ensure_editable(&plan)?;
    let choices = choices(&mut tx, &plan).await?;
    let mut page = FormPage::new(ctx, plan, Some(id), form, choices);
    let input = match page.read() {
        Ok(input) => input,
        Err(status) => return page.respond(&mut tx, status).await,
    };
    let details = model::details(&mut tx, None, Some(id)).await?;
    let version = format::parse_int(&page.form.version).unwrap_or(-1);
    let updated = bind_fields(sqlx::query(&update_sql()).bind(id).bind(version), &input)
        .execute(&mut *tx)
        .await;
    match refusal(updated, &mut page.errors)? {
        Ok(done) if done.rows_affected() > 0 => {}
        Ok(_) => {
            page.errors.add(FieldErrors::CONFLICT, CONFLICT);
            return page.respond_after(&state, tx, StatusCode::CONFLICT).await;
        }
        Err(status) => return page.respond_after(&state, tx, status).await,
    }
    write_children(&mut tx, id, &input).await?;
    let diff = diff_of(&action, &details, &input, &page.choices);
    outcome::done(
        tx,
        &page.ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(page.plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "modification",
            summary: format!("Fiche action n° {} modifiée", input.number),
            changes: diff.0,
        },
        "Fiche action enregistrée.",
        &format!("/actions/{id}"),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct DeleteForm {}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(_form): Form<DeleteForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = load(&mut tx, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    ensure_editable(&plan)?;
    sqlx::query("delete from action where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "suppression",
            summary: format!(
                "Fiche action n° {} « {} » supprimée",
                action.number, action.title
            ),
            changes: vec![],
        },
        "Fiche action supprimée.",
        &format!("/plans/{}", plan.id),
    )
    .await
}

// ------------------------------------------------------------------------------------- show

#[derive(sqlx::FromRow)]
pub struct Note {
    noted_on: NaiveDate,
    body: String,
    progress: Option<i32>,
    who: Option<String>,
}

impl Note {
    pub fn date(&self) -> String {
        format::date(self.noted_on)
    }
    pub fn who(&self) -> &str {
        self.who.as_deref().unwrap_or("")
    }
}

#[derive(Default, Clone)]
pub struct FollowUp {
    pub note_date: String,
    pub note_body: String,
    pub note_progress: String,
    pub progress: String,
    pub reason: String,
    /// `note`, `progress`, `reason` or `results`: the follow-up form in error.
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "plans/action_show.html")]
struct ShowPage {
    ctx: Ctx,
    plan: Plan,
    action: Action,
    late: bool,
    partners: Vec<model::Partner>,
    fundings: Vec<model::Funding>,
    indicators: Vec<model::Indicator>,
    total: String,
    acquired: String,
    requested: String,
    notes: Vec<Note>,
    timeline: Vec<TimelineStep>,
    history: Vec<HistoryEntry>,
    can_edit: bool,
    can_run: bool,
    can_follow: bool,
    next_statuses: Vec<(&'static str, &'static str)>,
    follow: FollowUp,
}

async fn render_show(
    state: &AppState,
    user: &CurrentUser,
    ctx: Ctx,
    id: i64,
    follow: Option<FollowUp>,
) -> AppResult<String> {
    let mut conn = state.db.acquire().await?;
    let (action, plan) = load(&mut conn, user, id).await?;
    let mut d = model::details(&mut conn, None, Some(id)).await?;
    let notes: Vec<Note> = sqlx::query_as(
        "select n.noted_on, n.body, n.progress, a.name as who from action_note n left join account a on a.id = n.author_id
         where n.action_id = $1 order by n.noted_on desc, n.id desc limit 200",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let timeline = model::timeline(&mut conn, "action", id, model::action_status_label).await?;
    let history = audit::history(&mut conn, "action", id).await?;
    let fundings = d.fundings.remove(&id).unwrap_or_default();
    let (total, acquired, requested) = model::totals(&fundings);
    let follow_ok = rules::plan_accepts_follow_up(&plan.status);
    let can_run = follow_ok && rules::can_run_action(user, plan.maison_id);
    let next_statuses = rules::ACTION_TRANSITIONS
        .iter()
        .filter(|(f, _)| *f == action.status)
        .map(|(_, t)| (*t, model::action_status_label(t)))
        .collect();
    let follow = follow.unwrap_or_else(|| FollowUp {
        note_date: format::today().to_string(),
        progress: action.progress.to_string(),
        ..Default::default()
    });
    let page = ShowPage {
        ctx,
        late: action.late(),
        can_edit: plan.editable() && rules::can_manage_plan(user, plan.maison_id),
        can_run,
        can_follow: follow_ok
            && rules::can_follow_up_action(user, plan.maison_id, action.pilot_organisation_id),
        partners: d.partners.remove(&id).unwrap_or_default(),
        indicators: d.indicators.remove(&id).unwrap_or_default(),
        fundings,
        total: format::money(total),
        acquired: format::money(acquired),
        requested: format::money(requested),
        notes,
        timeline,
        history,
        next_statuses,
        follow,
        plan,
        action,
    };
    Ok(page.render()?)
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    Ok(Html(render_show(&state, &user, ctx, id, None).await?).into_response())
}

// --------------------------------------------------------------------------------- follow-up

/// The action and its plan, checked for follow-up: readable, the plan validated or running, and the
/// user allowed by `allowed` (404 otherwise).
async fn for_follow_up(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    allowed: impl Fn(&Plan, &Action) -> bool,
) -> AppResult<(Action, Plan)> {
    let (action, plan) = load(conn, user, id).await?;
    policy::ensure(allowed(&plan, &action))?;
    if !rules::plan_accepts_follow_up(&plan.status) {
        return Err(AppError::Conflict(format!(
            "Le suivi des actions est ouvert une fois le plan validé par le comité de pilotage et jusqu'à sa \
             clôture ; ce plan est « {} ».",
            plan.status_label()
        )));
    }
    Ok((action, plan))
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    form_key: String,
}

pub async fn transition(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, _| {
        rules::can_run_action(&user, p.maison_id)
    })
    .await?;
    let link = format!("/actions/{id}");
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&link).into_response());
    }
    let to = form.to.as_str();
    if !rules::action_transition_exists(&action.status, to) {
        return Err(AppError::Conflict(format!(
            "Ce changement de statut n'est pas possible : l'action est « {} » et ne peut pas passer à « {} ». \
             Son statut n'a pas changé.",
            action.status_label(),
            model::action_status_label(to)
        )));
    }
    let reason = form.reason.trim().to_owned();
    if to == "abandonnee" && reason.is_empty() {
        drop(tx);
        let follow = FollowUp {
            errors: FieldErrors::one("reason", "Indiquez pourquoi l'action est abandonnée."),
            note_date: format::today().to_string(),
            progress: action.progress.to_string(),
            ..Default::default()
        };
        let body = render_show(&state, &user, ctx, id, Some(follow)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response());
    }
    let progress = if to == "realisee" {
        100
    } else {
        action.progress
    };
    let done = sqlx::query(
        "update action set status = $3, progress = $4,
                abandon_reason = case when $3 = 'abandonnee' then $5 else abandon_reason end,
                version = version + 1
         where id = $1 and status = $2",
    )
    .bind(id)
    .bind(&action.status)
    .bind(to)
    .bind(progress)
    .bind(&reason)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "L'action vient de changer de statut : rechargez la page.".into(),
        ));
    }
    let mut diff = Diff::default();
    diff.field(
        "status",
        "Statut",
        action.status_label(),
        model::action_status_label(to),
    )
    .field("progress", "Avancement (%)", action.progress, progress);
    if to == "abandonnee" {
        diff.field(
            "abandon_reason",
            "Motif d'abandon",
            action.abandon_reason.clone(),
            reason.clone(),
        );
    }
    audit::record_transition(
        &mut *tx,
        "action",
        id,
        Some(action.status.as_str()),
        to,
        user.id,
        &reason,
    )
    .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "action",
            object_id: id,
            action: "transition",
            summary: format!(
                "Fiche action n° {} : {}",
                action.number,
                model::action_status_label(to).to_lowercase()
            ),
            changes: diff.0,
        },
        &format!("Statut de l'action : {}.", model::action_status_label(to)),
        &link,
    )
    .await
}

fn parse_progress(s: &str) -> Result<Option<i32>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    match format::parse_int(s.trim().trim_end_matches('%')) {
        Some(p) if (0..=100).contains(&p) => Ok(Some(p as i32)),
        _ => Err("L'avancement est un pourcentage entre 0 et 100.".into()),
    }
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    noted_on: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    progress: String,
    #[serde(default)]
    form_key: String,
}

async fn set_progress(
    conn: &mut PgConnection,
    user: &CurrentUser,
    action: &Action,
    plan: &Plan,
    progress: i32,
    why: &str,
) -> sqlx::Result<()> {
    if progress == action.progress {
        return Ok(());
    }
    sqlx::query("update action set progress = $2, version = version + 1 where id = $1")
        .bind(action.id)
        .bind(progress)
        .execute(&mut *conn)
        .await?;
    let mut diff = Diff::default();
    diff.field("progress", "Avancement (%)", action.progress, progress);
    audit::record(
        &mut *conn,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "action",
            object_id: action.id,
            action: "avancement",
            summary: format!("Fiche action n° {} : avancement {why}", action.number),
            changes: diff.0,
        },
    )
    .await
}

pub async fn add_note(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, a| {
        rules::can_follow_up_action(&user, p.maison_id, a.pilot_organisation_id)
    })
    .await?;
    let link = format!("/actions/{id}#notes");
    let body = form.body.trim().to_owned();
    let date = format::parse_date(&form.noted_on);
    let progress = parse_progress(&form.progress);
    let mut errors = Vec::new();
    if body.is_empty() {
        errors.push("Rédigez la note de suivi.");
    } else if body.chars().count() > 10_000 {
        errors.push("La note est limitée à 10 000 caractères.");
    }
    if date.is_none() {
        errors.push("Indiquez la date de la note (jj/mm/aaaa).");
    } else if date.is_some_and(|d| d > format::today()) {
        errors.push("La date de la note ne peut pas être dans le futur.");
    }
    if errors.is_empty()
        && let Ok(progress) = progress
    {
        if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
            return Ok(Redirect::to(&link).into_response());
        }
        sqlx::query("insert into action_note (action_id, author_id, noted_on, body, progress) values ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(user.id)
            .bind(date)
            .bind(&body)
            .bind(progress)
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut *tx,
            Event {
                actor: Some(user.id),
                maison_id: Some(plan.maison_id),
                object_type: "action",
                object_id: id,
                action: "note",
                summary: format!("Note de suivi ajoutée à la fiche n° {}", action.number),
                changes: vec![audit::Change::new(
                    "note",
                    "Note de suivi",
                    "",
                    body.chars().take(300).collect::<String>(),
                )],
            },
        )
        .await?;
        if let Some(p) = progress {
            set_progress(
                &mut tx,
                &user,
                &action,
                &plan,
                p,
                "mis à jour avec une note de suivi",
            )
            .await?;
        }
        return outcome::committed(tx, &ctx, "Note de suivi ajoutée.", &link).await;
    }
    drop(tx);
    let mut all: Vec<String> = errors.iter().map(|s| (*s).to_owned()).collect();
    if let Err(e) = progress {
        all.push(e);
    }
    let follow = FollowUp {
        note_date: form.noted_on.clone(),
        note_body: form.body.clone(),
        note_progress: form.progress.clone(),
        progress: action.progress.to_string(),
        errors: FieldErrors::one("note", all.join(" ")),
        ..Default::default()
    };
    let page = render_show(&state, &user, ctx, id, Some(follow)).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
}

#[derive(Deserialize, Default)]
pub struct ProgressForm {
    #[serde(default)]
    progress: String,
}

pub async fn progress(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ProgressForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, a| {
        rules::can_follow_up_action(&user, p.maison_id, a.pilot_organisation_id)
    })
    .await?;
    match parse_progress(&form.progress) {
        Ok(Some(p)) => {
            set_progress(&mut tx, &user, &action, &plan, p, "mis à jour").await?;
            outcome::committed(
                tx,
                &ctx,
                "Avancement enregistré.",
                &format!("/actions/{id}"),
            )
            .await
        }
        other => {
            drop(tx);
            let follow = FollowUp {
                progress: form.progress.clone(),
                note_date: format::today().to_string(),
                errors: FieldErrors::one(
                    "progress",
                    other
                        .err()
                        .unwrap_or_else(|| "Indiquez l'avancement en pourcentage.".into()),
                ),
                ..Default::default()
            };
            let page = render_show(&state, &user, ctx, id, Some(follow)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ResultsForm {
    #[serde(default)]
    ind_id: Vec<String>,
    #[serde(default)]
    ind_achieved: Vec<String>,
}

pub async fn results(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ResultsForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let (action, plan) = for_follow_up(&mut tx, &user, id, |p, _| {
        rules::can_run_action(&user, p.maison_id)
    })
    .await?;
    let d = model::details(&mut tx, None, Some(id)).await?;
    let indicators = d.indicators.get(&id).cloned().unwrap_or_default();
    let mut updates = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in form.ind_id.iter().enumerate() {
        let Some(ind) = format::parse_int(raw).and_then(|x| indicators.iter().find(|i| i.id == x))
        else {
            continue;
        };
        let value = at(&form.ind_achieved, i);
        let parsed = if value.trim().is_empty() {
            Some(None)
        } else {
            format::parse_decimal(&value)
                .filter(|v| *v >= 0.0 && *v < 1e12)
                .map(Some)
        };
        match parsed {
            Some(v) => updates.push((ind.clone(), v)),
            None => bad.push(ind.label.clone()),
        }
    }
    if !bad.is_empty() {
        drop(tx);
        let follow = FollowUp {
            errors: FieldErrors::one(
                "results",
                format!(
                    "Valeurs réalisées invalides ({}) : indiquez un nombre positif.",
                    bad.join(", ")
                ),
            ),
            note_date: format::today().to_string(),
            progress: action.progress.to_string(),
            ..Default::default()
        };
        let page = render_show(&state, &user, ctx, id, Some(follow)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
    }
    let mut diff = Diff::default();
    for (ind, v) in &updates {
        sqlx::query("update action_indicator set achieved = $2 where id = $1")
            .bind(ind.id)
            .bind(v)
            .execute(&mut *tx)
            .await?;
        diff.field(
            "achieved",
            &format!("Réalisé — {}", ind.label),
            model::opt_number(ind.achieved),
            model::opt_number(*v),
        );
    }
    if !diff.is_empty() {
        audit::record(
            &mut *tx,
            Event {
                actor: Some(user.id),
                maison_id: Some(plan.maison_id),
                object_type: "action",
                object_id: id,
                action: "resultats",
                summary: format!(
                    "Fiche action n° {} : valeurs réalisées mises à jour",
                    action.number
                ),
                changes: diff.0,
            },
        )
        .await?;
    }
    outcome::committed(
        tx,
        &ctx,
        "Valeurs réalisées enregistrées.",
        &format!("/actions/{id}#indicateurs"),
    )
    .await
}
