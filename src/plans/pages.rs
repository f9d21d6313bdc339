//! Plan pages: the list, creation and editing of a draft, the plan page, its workflow (submission, copil
//! decision, mise en œuvre, closing), the avis du réseau and new versions.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sqlx::PgConnection;

use super::model::{self, ActionLine, Axis, CopilRow, Plan, ReviewRow, Sector, TimelineStep};
use crate::audit::{self, Diff, Event, HistoryEntry};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, plans as rules};
use crate::auth::session::FlashKind;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, Form, format, idempotency, outcome};

// ---------------------------------------------------------------------------------------------- list

#[derive(sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub maison_name: String,
    pub title: String,
    pub start_year: i32,
    pub end_year: i32,
    pub status: String,
    pub actions: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl PlanRow {
    pub fn status_label(&self) -> &'static str {
        model::plan_status_label(&self.status)
    }
    pub fn status_badge(&self) -> &'static str {
        model::plan_status_badge(&self.status)
    }
    pub fn updated(&self) -> String {
        format::datetime(self.updated_at)
    }
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    ctx: Ctx,
    own: Vec<PlanRow>,
    others: Vec<PlanRow>,
    can_create: bool,
    page: i64,
    has_next: bool,
    status: String,
    is_staff: bool,
    statuses: &'static [(&'static str, &'static str)],
}

impl ListPage {
    fn is_status(&self, v: &str) -> bool {
        self.status == v
    }
}

pub const PLAN_STATUSES: &[(&str, &str)] = &[
    ("brouillon", "Brouillon"),
    ("soumis", "Soumis"),
    ("valide", "Validé"),
    ("en_oeuvre", "En mise en œuvre"),
    ("cloture", "Clôturé"),
];

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    #[serde(default)]
    statut: String,
}

const PAGE_SIZE: i64 = 50;

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    policy::ensure(rules::can_list_plans(&user))?;
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let status = if matches!(
        q.statut.as_str(),
        "brouillon" | "soumis" | "valide" | "en_oeuvre" | "cloture"
    ) {
        q.statut.clone()
    } else {
        String::new()
    };
    let mut rows: Vec<PlanRow> = sqlx::query_as(&format!(
        "select p.id, m.name as maison_name, p.title, p.start_year, p.end_year, p.status,
                (select count(*) from action a where a.plan_id = p.id) as actions, p.updated_at
         from plan p join maison m on m.id = p.maison_id
         where {} and ($4 = '' or p.status = $4)
         order by (p.maison_id = $2) desc, m.sort_key, p.start_year desc, p.id desc
         limit $5 offset $6",
        rules::PLAN_SCOPE_SQL
    ))
    .bind(user.role.as_str())
    .bind(user.maison_id.unwrap_or(-1))
    .bind(user.organisation_id.unwrap_or(-1))
    .bind(&status)
    .bind(PAGE_SIZE + 1)
    .bind((page - 1) * PAGE_SIZE)
    .fetch_all(&state.db)
    .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let own_name = user.maison_name.clone().unwrap_or_default();
    let (own, others): (Vec<_>, Vec<_>) = if user.is_staff() {
        rows.into_iter().partition(|r| r.maison_name == own_name)
    } else {
        (Vec::new(), rows)
    };
    let page = ListPage {
        ctx,
        own,
        others,
        can_create: rules::can_create_plan(&user),
        page,
        has_next,
        status,
        is_staff: user.is_staff(),
        statuses: PLAN_STATUSES,
    };
    Ok(Html(page.render()?).into_response())
}

// ------------------------------------------------------------------------------------ create / edit

#[derive(Deserialize, Default, Clone)]
pub struct PlanForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    diagnostic_id: String,
    #[serde(default)]
    start_year: String,
    #[serde(default)]
    end_year: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    form_key: String,
}

#[derive(sqlx::FromRow)]
pub struct DiagnosticChoice {
    id: i64,
    title: String,
    reference_year: i32,
}

#[derive(Template)]
#[template(path = "plans/form.html")]
struct PlanFormPage {
    ctx: Ctx,
    plan_id: Option<i64>,
    form: PlanForm,
    errors: FieldErrors,
    diagnostics: Vec<DiagnosticChoice>,
}

async fn diagnostics_of(
    conn: &mut PgConnection,
    maison_id: i64,
) -> sqlx::Result<Vec<DiagnosticChoice>> {
    sqlx::query_as(
        "select id, title, reference_year from diagnostic where maison_id = $1 and status in ('valide', 'archive')
         order by reference_year desc, id desc",
    )
    .bind(maison_id)
    .fetch_all(conn)
    .await
}

struct PlanInput {
    title: String,
    diagnostic_id: Option<i64>,
    start_year: i32,
    end_year: i32,
}

fn parse_year(s: &str) -> Option<i32> {
    format::parse_int(s)
        .filter(|y| (2000..=2100).contains(y))
        .map(|y| y as i32)
}

fn validate_plan(
    form: &PlanForm,
    diagnostics: &[DiagnosticChoice],
) -> (Option<PlanInput>, FieldErrors) {
    let mut e = FieldErrors::default();
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        e.add("title", "Indiquez l'intitulé du plan.");
    } else if title.chars().count() > 200 {
        e.add("title", "L'intitulé ne peut dépasser 200 caractères.");
    }
    let diagnostic_id = if form.diagnostic_id.trim().is_empty() {
        None
    } else {
        match format::parse_int(&form.diagnostic_id) {
            Some(id) if diagnostics.iter().any(|d| d.id == id) => Some(id),
            _ => {
                e.add(
                    "diagnostic_id",
                    "Ce diagnostic n'existe pas ou n'est pas validé.",
                );
                None
            }
        }
    };
    let start = parse_year(&form.start_year);
    let end = parse_year(&form.end_year);
    if start.is_none() {
        e.add(
            "start_year",
            "Indiquez une année de début entre 2000 et 2100.",
        );
    }
    if end.is_none() {
        e.add("end_year", "Indiquez une année de fin entre 2000 et 2100.");
    }
    if let (Some(s), Some(en)) = (start, end)
        && en < s
    {
        e.add(
            "end_year",
            "L'année de fin ne peut précéder l'année de début.",
        );
    }
    if !e.is_empty() {
        return (None, e);
    }
    (
        Some(PlanInput {
            title,
            diagnostic_id,
            start_year: start.unwrap_or_default(),
            end_year: end.unwrap_or_default(),
        }),
        e,
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
) -> AppResult<Response> {
    policy::ensure(rules::can_create_plan(&user))?;
    let mut conn = state.db.acquire().await?;
    let diagnostics = diagnostics_of(&mut conn, user.maison_id.unwrap_or(-1)).await?;
    let year = chrono::Datelike::year(&format::today());
    let form = PlanForm {
        diagnostic_id: diagnostics
            .first()
            .map(|d| d.id.to_string())
            .unwrap_or_default(),
        start_year: year.to_string(),
        end_year: (year + 2).to_string(),
        ..PlanForm::default()
    };
    let page = PlanFormPage {
        ctx,
        plan_id: None,
        form,
        errors: FieldErrors::default(),
        diagnostics,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Form(form): Form<PlanForm>,
) -> AppResult<Response> {
    policy::ensure(rules::can_create_plan(&user))?;
    let maison_id = user.maison_id.unwrap_or(-1);
    let mut tx = state.db.begin().await?;
    let diagnostics = diagnostics_of(&mut tx, maison_id).await?;
    let (input, errors) = validate_plan(&form, &diagnostics);
    let Some(input) = input else {
        let page = PlanFormPage {
            ctx,
            plan_id: None,
            form,
            errors,
            diagnostics,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to("/plans").into_response());
    }
    let id: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, diagnostic_id, title, start_year, end_year, created_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(maison_id)
    .bind(input.diagnostic_id)
    .bind(&input.title)
    .bind(input.start_year)
    .bind(input.end_year)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    audit::record_transition(
        &mut *tx,
        "plan",
        id,
        None,
        "brouillon",
        user.id,
        "Plan créé",
    )
    .await?;
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(maison_id),
            object_type: "plan",
            object_id: id,
            action: "creation",
            summary: format!("Plan d'actions « {} » créé", input.title),
            changes: vec![],
        },
        "Plan d'actions créé. Ajoutez maintenant ses fiches actions.",
        &format!("/plans/{id}"),
    )
    .await
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = model::load_plan(&mut conn, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    ensure_editable(&plan)?;
    let diagnostics = diagnostics_of(&mut conn, plan.maison_id).await?;
    let form = PlanForm {
        title: plan.title.clone(),
        diagnostic_id: plan
            .diagnostic_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
        start_year: plan.start_year.to_string(),
        end_year: plan.end_year.to_string(),
        version: plan.version.to_string(),
        form_key: String::new(),
    };
    let page = PlanFormPage {
        ctx,
        plan_id: Some(id),
        form,
        errors: FieldErrors::default(),
        diagnostics,
    };
    Ok(Html(page.render()?).into_response())
}

pub(crate) fn ensure_editable(plan: &Plan) -> AppResult<()> {
    if plan.editable() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "Ce plan est « {} » : son contenu est figé. Seul le suivi (statut, avancement, notes, valeurs \
             réalisées) reste possible ; pour changer son périmètre, créez une nouvelle version du plan.",
            plan.status_label()
        )))
    }
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PlanForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = model::load_plan(&mut tx, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    ensure_editable(&plan)?;
    let diagnostics = diagnostics_of(&mut tx, plan.maison_id).await?;
    let (input, mut errors) = validate_plan(&form, &diagnostics);
    let Some(input) = input else {
        let page = PlanFormPage {
            ctx,
            plan_id: Some(id),
            form,
            errors,
            diagnostics,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let version = format::parse_int(&form.version).unwrap_or(-1);
    let done = sqlx::query(
        "update plan set title = $3, diagnostic_id = $4, start_year = $5, end_year = $6, version = version + 1
         where id = $1 and version = $2 and status = 'brouillon'",
    )
    .bind(id)
    .bind(version)
    .bind(&input.title)
    .bind(input.diagnostic_id)
    .bind(input.start_year)
    .bind(input.end_year)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        errors.add(FieldErrors::CONFLICT, CONFLICT);
        let page = PlanFormPage {
            ctx,
            plan_id: Some(id),
            form,
            errors,
            diagnostics,
        };
        return forms::render(&page, StatusCode::CONFLICT);
    }
    let mut diff = Diff::default();
    diff.field("title", "Intitulé", plan.title.clone(), input.title.clone())
        .field(
            "start_year",
            "Année de début",
            plan.start_year,
            input.start_year,
        )
        .field("end_year", "Année de fin", plan.end_year, input.end_year)
        .field(
            "diagnostic_id",
            "Diagnostic",
            plan.diagnostic_id,
            input.diagnostic_id,
        );
    outcome::done(
        tx,
        &ctx,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "plan",
            object_id: id,
            action: "modification",
            summary: "Plan d'actions modifié".into(),
            changes: diff.0,
        },
        "Plan enregistré.",
        &format!("/plans/{id}"),
    )
    .await
}

pub(crate) const CONFLICT: &str = "Quelqu'un d'autre a enregistré ce contenu pendant que vous le modifiiez : \
     vos changements n'ont pas été enregistrés. Votre saisie est conservée ci-dessous ; rechargez la page \
     pour voir la version actuelle, puis reportez vos modifications.";

// ------------------------------------------------------------------------------------------ show

#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    pub axe: String,
    #[serde(default)]
    pub filiere: String,
    #[serde(default)]
    pub statut: String,
    #[serde(default)]
    pub priorite: String,
    #[serde(default)]
    pub pilote: String,
    #[serde(default)]
    pub retard: String,
    #[serde(default)]
    pub tri: String,
}

impl Filters {
    fn keep(&self, a: &ActionLine, today: chrono::NaiveDate) -> bool {
        (self.axe.is_empty() || a.axis_id.to_string() == self.axe)
            && (self.filiere.is_empty() || a.sector_code.as_deref() == Some(self.filiere.as_str()))
            && (self.statut.is_empty() || a.status == self.statut)
            && (self.priorite.is_empty() || a.priority == self.priorite)
            && (self.pilote.is_empty()
                || a.pilot_organisation_id.map(|p| p.to_string()).as_deref()
                    == Some(self.pilote.as_str()))
            && (self.retard.is_empty() || a.late_on(today))
    }

    fn sort(&self, actions: &mut [ActionLine]) {
        fn prio(p: &str) -> u8 {
            match p {
                "haute" => 0,
                "moyenne" => 1,
                _ => 2,
            }
        }
        match self.tri.as_str() {
            "titre" => actions.sort_by_cached_key(|a| a.title.to_lowercase()),
            "echeance" => actions.sort_by_key(|a| (a.end_date.is_none(), a.end_date, a.number)),
            "priorite" => actions.sort_by_key(|a| (prio(&a.priority), a.number)),
            "avancement" => actions.sort_by_key(|a| (a.progress, a.number)),
            _ => actions.sort_by_key(|a| a.number),
        }
    }

    pub fn active(&self) -> bool {
        !(self.axe.is_empty()
            && self.filiere.is_empty()
            && self.statut.is_empty()
            && self.priorite.is_empty()
            && self.pilote.is_empty()
            && self.retard.is_empty())
    }
}

const SORTS: &[(&str, &str)] = &[
    ("numero", "numéro"),
    ("titre", "intitulé"),
    ("echeance", "échéance"),
    ("priorite", "priorité"),
    ("avancement", "avancement"),
];

/// A line of an axis's table: the fiche and whether it is late.
pub struct ActionRow {
    pub a: ActionLine,
    pub late: bool,
}

pub struct AxisGroup {
    pub axis: Axis,
    pub actions: Vec<ActionRow>,
}

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowPage {
    ctx: Ctx,
    plan: Plan,
    groups: Vec<AxisGroup>,
    axes: Vec<Axis>,
    sectors: Vec<Sector>,
    pilots: Vec<model::Org>,
    filters: Filters,
    shown: usize,
    total: usize,
    late_count: usize,
    budget_total: String,
    budget_acquired: String,
    problems: Vec<String>,
    can_manage: bool,
    can_review: bool,
    timeline: Vec<TimelineStep>,
    copil: Vec<CopilRow>,
    reviews: Vec<ReviewRow>,
    enjeux: Option<model::Enjeux>,
    history: Vec<HistoryEntry>,
    /// Other plans of the Maison over the same years that the reader may see.
    overlaps: Vec<model::Overlap>,
    /// Whether this plan is the Maison's current plan; `current_title`: the one that is, if readable.
    is_current: bool,
    current: Option<model::Overlap>,
    statuses: &'static [(&'static str, &'static str)],
    priorities: &'static [(&'static str, &'static str)],
    sorts: &'static [(&'static str, &'static str)],
}

impl ShowPage {
    fn selected(&self, value: &str, current: &str) -> bool {
        value == current
    }
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(filters): Query<Filters>,
) -> AppResult<Response> {
    // Two statements whatever the plan's size (the plan with everything around it, then its fiches).
    // Measured on 2 cores: folding the fiches into the first statement as JSON, or running both at once
    // on two connections, changes neither the CPU per request nor the throughput.
    let mut conn = state.db.acquire().await?;
    let page = model::load_plan_page(&mut conn, &user, id).await?;
    let lines = model::plan_lines(&mut conn, id).await?;
    drop(conn);
    Ok(Html(build_show(ctx, &user, page, lines, filters).render()?).into_response())
}

fn build_show(
    ctx: Ctx,
    user: &CurrentUser,
    page: model::PlanPage,
    lines: Vec<ActionLine>,
    filters: Filters,
) -> ShowPage {
    let model::PlanPage {
        plan,
        axes,
        sectors,
        timeline,
        copil,
        reviews,
        history,
        enjeux,
        overlaps,
        current_plan_id,
    } = page;
    let readable = |o: &model::Overlap| {
        rules::can_read_plan(
            user,
            &rules::PlanFacts {
                maison_id: plan.maison_id,
                status: &o.status,
                partnered: plan.partnered,
            },
        )
    };
    let overlaps: Vec<model::Overlap> = overlaps.into_iter().filter(|o| readable(o)).collect();
    let is_current = current_plan_id == Some(plan.id);
    let current = overlaps
        .iter()
        .find(|o| Some(o.id) == current_plan_id)
        .cloned();
    let today = format::today();
    let can_manage = rules::can_manage_plan(user, plan.maison_id);
    // While the Maison builds its plan: what is missing before submission, and the diagnostic's stakes.
    let drafting = plan.editable() && can_manage;
    let problems = if drafting {
        model::submission_problems(&axes, &lines)
    } else {
        Vec::new()
    };
    let enjeux = enjeux.filter(|_| drafting).map(model::Enjeux::new);
    let total = lines.len();
    let late_count = lines.iter().filter(|a| a.late_on(today)).count();
    let budget_total: i64 = lines.iter().map(|a| a.budget_cents).sum();
    let budget_acquired: i64 = lines.iter().map(|a| a.acquired_cents).sum();
    let mut pilots: Vec<model::Org> = Vec::new();
    for a in &lines {
        if let (Some(pid), Some(name)) = (a.pilot_organisation_id, &a.pilot_name)
            && !pilots.iter().any(|p| p.id == pid)
        {
            pilots.push(model::Org {
                id: pid,
                name: name.clone(),
            });
        }
    }
    pilots.sort_by(|a, b| a.name.cmp(&b.name));
    let mut kept: Vec<ActionLine> = lines
        .into_iter()
        .filter(|a| filters.keep(a, today))
        .collect();
    filters.sort(&mut kept);
    let shown = kept.len();
    let mut groups: Vec<AxisGroup> = axes
        .iter()
        .map(|ax| AxisGroup {
            axis: ax.clone(),
            actions: Vec::new(),
        })
        .collect();
    for a in kept {
        if let Some(g) = groups.iter_mut().find(|g| g.axis.id == a.axis_id) {
            g.actions.push(ActionRow {
                late: a.late_on(today),
                a,
            });
        }
    }
    let can_review = rules::can_review_plan(user, &plan.status);
    ShowPage {
        ctx,
        plan,
        groups,
        axes,
        sectors,
        pilots,
        filters,
        shown,
        total,
        late_count,
        budget_total: format::money(budget_total),
        budget_acquired: format::money(budget_acquired),
        problems,
        can_manage,
        can_review,
        timeline,
        copil,
        reviews,
        enjeux,
        history,
        overlaps,
        is_current,
        current,
        statuses: model::ACTION_STATUSES,
        priorities: model::PRIORITIES,
        sorts: SORTS,
    }
}

// ------------------------------------------------------------------------------------ workflow

#[derive(Deserialize, Default, Clone)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    pub members_present: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    ind_id: Vec<String>,
    #[serde(default)]
    ind_achieved: Vec<String>,
    #[serde(default)]
    form_key: String,
}

#[derive(Template)]
#[template(path = "plans/copil.html")]
struct CopilPage {
    ctx: Ctx,
    plan: Plan,
    form: TransitionForm,
    errors: FieldErrors,
}

pub struct ClosingIndicator {
    pub id: i64,
    pub action: String,
    pub label: String,
    pub unit: String,
    pub target: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "plans/closing.html")]
struct ClosingPage {
    ctx: Ctx,
    plan: Plan,
    form: TransitionForm,
    errors: FieldErrors,
    indicators: Vec<ClosingIndicator>,
}

/// indicator id, action number, action title, label, unit, target, achieved
type ClosingRow = (i64, i32, String, String, String, Option<f64>, Option<f64>);

async fn closing_indicators(
    conn: &mut PgConnection,
    plan_id: i64,
    form: Option<&TransitionForm>,
) -> sqlx::Result<Vec<ClosingIndicator>> {
    let rows: Vec<ClosingRow> = sqlx::query_as(
        "select i.id, a.number, a.title, i.label, i.unit, i.target, i.achieved from action_indicator i
         join action a on a.id = i.action_id where a.plan_id = $1 order by a.number, i.position, i.id",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, number, title, label, unit, target, achieved)| {
            let typed = form.and_then(|f| {
                f.ind_id
                    .iter()
                    .position(|x| x == &id.to_string())
                    .and_then(|i| f.ind_achieved.get(i).cloned())
            });
            ClosingIndicator {
                id,
                action: format!("{number}. {title}"),
                label,
                unit,
                target: model::opt_number(target),
                value: typed.unwrap_or_else(|| model::opt_number(achieved)),
            }
        })
        .collect())
}

/// A plan and the blank form of one of its transitions (`to`): for the Maison's staff, when the plan's
/// state allows it.
async fn transition_form(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: i64,
    to: &str,
) -> AppResult<(Plan, TransitionForm)> {
    let plan = model::load_plan(conn, user, id).await?;
    policy::ensure(rules::can_manage_plan(user, plan.maison_id))?;
    ensure_state(&plan, to)?;
    let form = TransitionForm {
        to: to.to_owned(),
        ..Default::default()
    };
    Ok((plan, form))
}

pub async fn copil_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (plan, mut form) = transition_form(&mut conn, &user, id, "valide").await?;
    form.decided_on = format::today().to_string();
    let errors = FieldErrors::default();
    let page = CopilPage {
        ctx,
        plan,
        form,
        errors,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn closing_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let (plan, form) = transition_form(&mut conn, &user, id, "cloture").await?;
    let indicators = closing_indicators(&mut conn, id, None).await?;
    let errors = FieldErrors::default();
    let page = ClosingPage {
        ctx,
        plan,
        form,
        errors,
        indicators,
    };
    Ok(Html(page.render()?).into_response())
}

fn ensure_state(plan: &Plan, to: &str) -> AppResult<()> {
    if rules::plan_transition_exists(&plan.status, to) {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "Ce changement d'état n'est pas possible : le plan est « {} » et ne peut pas passer à « {} ». \
             Son état n'a pas changé.",
            plan.status_label(),
            model::plan_status_label(to)
        )))
    }
}

pub async fn transition(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<TransitionForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = model::load_plan(&mut tx, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&format!("/plans/{id}")).into_response());
    }
    let to = form.to.as_str();
    ensure_state(&plan, to)?;
    let mut errors = FieldErrors::default();
    let comment = form.comment.trim().to_owned();
    let mut achieved: Vec<(i64, Option<f64>)> = Vec::new();
    let mut decided_on = None;
    match to {
        "soumis" => {
            let axes = model::axes(&mut tx, &plan.charter).await?;
            let lines = model::plan_lines(&mut tx, id).await?;
            let problems = model::submission_problems(&axes, &lines);
            if !problems.is_empty() {
                drop(tx);
                outcome::flash(
                    &state.db,
                    &ctx,
                    FlashKind::Error,
                    "Le plan ne peut pas encore être soumis au comité de pilotage : complétez ce qui manque (liste ci-dessous).",
                )
                .await?;
                return Ok(Redirect::to(&format!("/plans/{id}#verification")).into_response());
            }
        }
        "valide" | "brouillon" => {
            decided_on = format::parse_date(&form.decided_on);
            if decided_on.is_none() {
                errors.add(
                    "decided_on",
                    "Indiquez la date de la réunion du comité de pilotage (jj/mm/aaaa).",
                );
            } else if decided_on.is_some_and(|d| d > format::today()) {
                errors.add(
                    "decided_on",
                    "La date de la décision ne peut pas être dans le futur.",
                );
            }
            if to == "brouillon" && comment.is_empty() {
                errors.add(
                    "comment",
                    "Indiquez pourquoi le comité de pilotage demande de réviser le plan.",
                );
            }
            if !errors.is_empty() {
                let page = CopilPage {
                    ctx,
                    plan,
                    form,
                    errors,
                };
                return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
            }
        }
        "cloture" => {
            if form.evaluation.trim().is_empty() {
                errors.add(
                    "evaluation",
                    "Rédigez l'évaluation du plan avant de le clôturer.",
                );
            }
            let known: Vec<i64> = sqlx::query_scalar(
                "select i.id from action_indicator i join action a on a.id = i.action_id where a.plan_id = $1",
            )
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
            let mut bad = Vec::new();
            for (i, raw_id) in form.ind_id.iter().enumerate() {
                let Some(ind) = format::parse_int(raw_id).filter(|x| known.contains(x)) else {
                    continue;
                };
                let raw = form.ind_achieved.get(i).map(|s| s.trim()).unwrap_or("");
                if raw.is_empty() {
                    achieved.push((ind, None));
                } else {
                    match format::parse_decimal(raw).filter(|v| *v >= 0.0 && *v < 1e12) {
                        Some(v) => achieved.push((ind, Some(v))),
                        None => bad.push((i + 1).to_string()),
                    }
                }
            }
            if !bad.is_empty() {
                errors.add(
                    "indicators",
                    format!(
                        "Valeurs réalisées invalides (lignes {}) : indiquez un nombre positif.",
                        bad.join(", ")
                    ),
                );
            }
            if !errors.is_empty() {
                let indicators = closing_indicators(&mut tx, id, Some(&form)).await?;
                let page = ClosingPage {
                    ctx,
                    plan,
                    form,
                    errors,
                    indicators,
                };
                return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
            }
        }
        _ => {}
    }
    let done = sqlx::query(
        "update plan set status = $3,
                revision_reason = case when $3 = 'brouillon' then $4 else revision_reason end,
                evaluation = case when $3 = 'cloture' then $5 else evaluation end,
                version = version + 1
         where id = $1 and status = $2",
    )
    .bind(id)
    .bind(&plan.status)
    .bind(to)
    .bind(&comment)
    .bind(form.evaluation.trim())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "Le plan vient de changer d'état : rechargez la page.".into(),
        ));
    }
    let mut diff = Diff::default();
    diff.field(
        "status",
        "Statut",
        plan.status_label(),
        model::plan_status_label(to),
    );
    let mut summary = format!(
        "Plan « {} » : {}",
        plan.title,
        model::plan_status_label(to).to_lowercase()
    );
    let link = format!("/plans/{id}");
    if let Some(d) = decided_on {
        let decision = if to == "valide" {
            "valide"
        } else {
            "a_reviser"
        };
        let minutes = if to == "brouillon" && form.minutes.trim().is_empty() {
            comment.clone()
        } else {
            form.minutes.trim().to_owned()
        };
        sqlx::query(
            "insert into copil_decision (plan_id, decided_on, decision, members_present, minutes, recorded_by)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(d)
        .bind(decision)
        .bind(form.members_present.trim())
        .bind(&minutes)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        summary = if to == "valide" {
            format!(
                "Décision du comité de pilotage du {} : plan « {} » validé",
                format::date(d),
                plan.title
            )
        } else {
            format!(
                "Décision du comité de pilotage du {} : plan « {} » à réviser",
                format::date(d),
                plan.title
            )
        };
        let mut recipients = model::admin_ids(&mut tx).await?;
        recipients.extend(
            model::maison_staff_ids(&mut tx, plan.maison_id)
                .await?
                .into_iter()
                .filter(|x| *x != user.id),
        );
        crate::notifications::notify(
            &mut tx,
            &recipients,
            "copil_decision",
            &format!("{} — {}", plan.maison_name, summary),
            &link,
        )
        .await?;
    }
    if to == "brouillon" {
        diff.field(
            "revision_reason",
            "Motif de révision",
            plan.revision_reason.clone(),
            comment.clone(),
        );
    }
    if to == "cloture" {
        diff.field(
            "evaluation",
            "Évaluation",
            plan.evaluation.clone(),
            form.evaluation.trim().to_owned(),
        );
        for (ind, v) in &achieved {
            sqlx::query(
                "update action_indicator set achieved = $2 where id = $1
                 and action_id in (select id from action where plan_id = $3)",
            )
            .bind(ind)
            .bind(v)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
    }
    audit::record_transition(
        &mut *tx,
        "plan",
        id,
        Some(plan.status.as_str()),
        to,
        user.id,
        &comment,
    )
    .await?;
    let msg = match to {
        "soumis" => "Plan soumis au comité de pilotage.",
        "valide" => "Décision du comité de pilotage enregistrée : plan validé.",
        "brouillon" => {
            "Décision du comité de pilotage enregistrée : le plan revient en brouillon pour révision."
        }
        "en_oeuvre" => "Mise en œuvre du plan lancée.",
        _ => "Plan clôturé avec son évaluation.",
    };
    let event = Event {
        actor: Some(user.id),
        maison_id: Some(plan.maison_id),
        object_type: "plan",
        object_id: id,
        action: "transition",
        summary: summary.clone(),
        changes: diff.0,
    };
    outcome::done(tx, &ctx, event, msg, &link).await
}

// ------------------------------------------------------------------------------- avis du réseau

#[derive(Deserialize, Default, Clone)]
pub struct ReviewForm {
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub remarks: String,
    #[serde(default)]
    form_key: String,
}

#[derive(Template)]
#[template(path = "plans/review.html")]
struct ReviewPage {
    ctx: Ctx,
    plan: Plan,
    form: ReviewForm,
    errors: FieldErrors,
}

pub async fn review_form(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let plan = model::load_plan(&mut conn, &user, id).await?;
    policy::ensure(rules::can_review_plan(&user, &plan.status))?;
    Ok(Html(
        ReviewPage {
            ctx,
            plan,
            form: ReviewForm::default(),
            errors: FieldErrors::default(),
        }
        .render()?,
    )
    .into_response())
}

pub async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<ReviewForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = model::load_plan(&mut tx, &user, id).await?;
    policy::ensure(rules::can_review_plan(&user, &plan.status))?;
    let mut errors = FieldErrors::default();
    if !matches!(form.opinion.as_str(), "favorable" | "reserve") {
        errors.add("opinion", "Choisissez un avis : favorable ou réservé.");
    }
    if form.opinion == "reserve" && form.remarks.trim().is_empty() {
        errors.add(
            "remarks",
            "Un avis réservé doit être accompagné de remarques.",
        );
    }
    if form.remarks.chars().count() > 10_000 {
        errors.add(
            "remarks",
            "Les remarques ne peuvent dépasser 10 000 caractères.",
        );
    }
    if !errors.is_empty() {
        let page = ReviewPage {
            ctx,
            plan,
            form,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let link = format!("/plans/{id}");
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&link).into_response());
    }
    sqlx::query("insert into network_review (plan_id, account_id, opinion, remarks) values ($1, $2, $3, $4)")
        .bind(id)
        .bind(user.id)
        .bind(&form.opinion)
        .bind(form.remarks.trim())
        .execute(&mut *tx)
        .await?;
    let label = if form.opinion == "favorable" {
        "favorable"
    } else {
        "réservé"
    };
    let summary = format!("Avis du réseau {label} sur le plan « {} »", plan.title);
    audit::record(
        &mut *tx,
        Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "plan",
            object_id: id,
            action: "avis_reseau",
            summary: summary.clone(),
            changes: vec![audit::Change::new(
                "remarks",
                "Remarques",
                "",
                form.remarks.trim(),
            )],
        },
    )
    .await?;
    let staff = model::maison_staff_ids(&mut tx, plan.maison_id).await?;
    crate::notifications::notify(
        &mut tx,
        &staff,
        "avis_reseau",
        &format!(
            "L'Alliance Villes Emploi a donné un avis {label} sur votre plan « {} ».",
            plan.title
        ),
        &link,
    )
    .await?;
    outcome::committed(
        tx,
        &ctx,
        "Avis du réseau enregistré ; la Maison en est notifiée.",
        &link,
    )
    .await
}

// ---------------------------------------------------------------------------------- new version

#[derive(Deserialize, Default)]
pub struct KeyForm {
    #[serde(default)]
    form_key: String,
}

pub async fn new_version(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<KeyForm>,
) -> AppResult<Response> {
    let mut tx = state.db.begin().await?;
    let plan = model::load_plan(&mut tx, &user, id).await?;
    policy::ensure(rules::can_manage_plan(&user, plan.maison_id))?;
    if !rules::is_published(&plan.status) {
        return Err(AppError::Conflict(
            "Seul un plan validé par le comité de pilotage peut donner lieu à une nouvelle version.".into(),
        ));
    }
    if !idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to("/plans").into_response());
    }
    let new_id: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, diagnostic_id, title, start_year, end_year, charter, previous_id, created_by)
         select maison_id, diagnostic_id, title, start_year, end_year, charter, id, $2 from plan where id = $1
         returning id",
    )
    .bind(id)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    copy_actions(&mut tx, id, new_id).await?;
    audit::record_transition(
        &mut *tx,
        "plan",
        new_id,
        None,
        "brouillon",
        user.id,
        &format!("Nouvelle version du plan n° {id}"),
    )
    .await?;
    outcome::done(tx, &ctx, Event {
            actor: Some(user.id),
            maison_id: Some(plan.maison_id),
            object_type: "plan",
            object_id: new_id,
            action: "nouvelle_version",
            summary: format!("Nouvelle version du plan « {} » (brouillon)", plan.title),
            changes: vec![],
        }, "Nouvelle version créée en brouillon : modifiez-la puis soumettez-la au comité de pilotage.", &format!("/plans/{new_id}")).await
}

/// Copies every fiche of a plan (with its partners, budget lines and indicators) into another: four
/// statements whatever the size of the plan. Status, progress and notes stay with the old version.
async fn copy_actions(conn: &mut PgConnection, from: i64, to: i64) -> sqlx::Result<()> {
    sqlx::query(
        "insert into action (plan_id, number, title, axis_id, sector_code, objectives, description, target_public,
                             expected_results, pilot_organisation_id, referent_account_id, start_date, end_date,
                             priority)
         select $2, number, title, axis_id, sector_code, objectives, description, target_public, expected_results,
                pilot_organisation_id, referent_account_id, start_date, end_date, priority
         from action where plan_id = $1",
    )
    .bind(from)
    .bind(to)
    .execute(&mut *conn)
    .await?;
    // Each child row follows its fiche through the fiche's number, unique within a plan.
    for (table, columns) in [
        ("action_partner", "organisation_id, role"),
        (
            "action_funding",
            "funder, organisation_id, amount_cents, state, position",
        ),
        ("action_indicator", "label, unit, target, year, position"),
    ] {
        let select_columns = columns
            .split(", ")
            .map(|c| format!("x.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        sqlx::query(&format!(
            "insert into {table} (action_id, {columns})
             select n.id, {select_columns} from {table} x
             join action o on o.id = x.action_id
             join action n on n.plan_id = $2 and n.number = o.number
             where o.plan_id = $1"
        ))
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
