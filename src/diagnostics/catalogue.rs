//! The network's indicator catalogue (code, label, unit, usual source, theme), kept by the AVE admins so
//! that values compare across Maisons: the diagnostics' territorial indicators and the results of fiches
//! actions (an « effectif » adds up across Maisons in the Grenelle report, a « taux » does not). Everyone
//! signed in reads it.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::INDICATOR_CHANGED;
use crate::audit::{Change, Diff, Event};
use crate::auth::CurrentUser;
use crate::auth::policy::{self, diagnostics as rules};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors, violates};
use crate::web::{Ctx, Form, Signed, outcome};

#[derive(sqlx::FromRow)]
struct Indicator {
    id: i64,
    code: String,
    label: String,
    unit: String,
    source: String,
    theme: String,
    per_capita: bool,
    measure: String,
    for_diagnostics: bool,
    for_actions: bool,
    active: bool,
    version: i32,
    uses: i64,
}

impl Indicator {
    fn measure_label(&self) -> &'static str {
        measure_label(&self.measure)
    }
    /// Where the indicator is offered, in French.
    fn usage_label(&self) -> &'static str {
        usage_label(self.for_diagnostics, self.for_actions)
    }
}

fn usage_label(for_diagnostics: bool, for_actions: bool) -> &'static str {
    match (for_diagnostics, for_actions) {
        (true, true) => "diagnostics et fiches actions",
        (true, false) => "diagnostics",
        (false, true) => "fiches actions",
        (false, false) => "aucun",
    }
}

/// The kinds of quantity of the catalogue, as the form offers them.
const MEASURES: &[(&str, &str)] = &[
    (
        "effectif",
        "Effectif (un nombre d'emplois, de personnes, d'entreprises…)",
    ),
    ("taux", "Taux, part ou ratio (se compare tel quel)"),
];

fn measure_label(code: &str) -> &'static str {
    match code {
        "taux" => "taux",
        _ => "effectif",
    }
}

#[derive(Template)]
#[template(path = "diagnostics/catalogue.html")]
struct ListPage {
    ctx: Ctx,
    indicators: Vec<Indicator>,
    can_manage: bool,
}

pub async fn index(Signed { state, user, ctx }: Signed) -> AppResult<Response> {
    let indicators: Vec<Indicator> = sqlx::query_as(
        "select i.id, i.code, i.label, i.unit, i.source, i.theme, i.per_capita, i.measure, i.for_diagnostics,
                i.for_actions, i.active, i.version,
                (select count(*) from indicator_value v where v.indicator_id = i.id)
                + (select count(*) from action_indicator ai where ai.indicator_id = i.id) as uses
         from indicator i order by i.theme, i.label, i.id limit 1000",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Html(
        ListPage {
            ctx,
            indicators,
            can_manage: rules::can_manage_catalogue(&user),
        }
        .render()?,
    )
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct IndicatorForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    per_capita: Option<String>,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    for_diagnostics: Option<String>,
    #[serde(default)]
    for_actions: Option<String>,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    version: String,
}

#[derive(Template)]
#[template(path = "diagnostics/catalogue_form.html")]
struct FormPage {
    ctx: Ctx,
    id: Option<i64>,
    form: IndicatorForm,
    errors: FieldErrors,
}

impl FormPage {
    fn measures(&self) -> &'static [(&'static str, &'static str)] {
        MEASURES
    }
}

struct Valid {
    code: String,
    label: String,
    unit: String,
    source: String,
    theme: String,
    per_capita: bool,
    measure: &'static str,
    for_diagnostics: bool,
    for_actions: bool,
    active: bool,
}

type PgScalar<'q> = sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>;

impl Valid {
    /// The indicator's fields bound to `q`'s next parameters, in the order of the table's columns.
    fn bind<'q>(&'q self, q: PgScalar<'q>) -> PgScalar<'q> {
        q.bind(&self.code)
            .bind(&self.label)
            .bind(&self.unit)
            .bind(&self.source)
            .bind(&self.theme)
            .bind(self.per_capita)
            .bind(self.active)
            .bind(self.measure)
            .bind(self.for_diagnostics)
            .bind(self.for_actions)
    }
}

fn validate(f: &IndicatorForm) -> Result<Valid, FieldErrors> {
    let mut errors = FieldErrors::default();
    let code = f.code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 30
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        errors.add(
            "code",
            "Le code est fait de 1 à 30 lettres sans accent, chiffres ou « _ », par exemple EMP_BTP.",
        );
    }
    let mut required = |field: &'static str, value: &str, what: &str| {
        let v = value.trim().to_owned();
        if v.is_empty() {
            errors.add(field, format!("Indiquez {what}."));
        } else if v.chars().count() > 200 {
            errors.add(field, "200 caractères au plus.");
        }
        v
    };
    let label = required("label", &f.label, "le libellé");
    let unit = required("unit", &f.unit, "l'unité");
    let source = required("source", &f.source, "la source habituelle");
    let theme = required("theme", &f.theme, "le thème");
    let measure = MEASURES
        .iter()
        .map(|m| m.0)
        .find(|m| *m == f.measure.trim());
    match measure {
        None => errors.add(
            "measure",
            "Indiquez si l'indicateur est un effectif ou un taux : c'est ce qui dit avec quoi ses valeurs se comparent.",
        ),
        Some("taux") if f.per_capita.is_some() => errors.add(
            "measure",
            "Un taux se compare tel quel : décochez « Comparable pour 1 000 habitants ».",
        ),
        Some(_) => {}
    }
    if f.for_diagnostics.is_none() && f.for_actions.is_none() {
        errors.add(
            "usage",
            "Cochez au moins un usage : les diagnostics, les fiches actions, ou les deux.",
        );
    }
    if let (true, Some(measure)) = (errors.is_empty(), measure) {
        Ok(Valid {
            code,
            label,
            unit,
            source,
            theme,
            per_capita: f.per_capita.is_some(),
            measure,
            for_diagnostics: f.for_diagnostics.is_some(),
            for_actions: f.for_actions.is_some(),
            active: f.active.is_some(),
        })
    } else {
        Err(errors)
    }
}

/// The form's page with `status` (`OK`, `UNPROCESSABLE_ENTITY`, or `CONFLICT` when someone else saved
/// first), for a new indicator or indicator `id`.
fn render_form(
    ctx: Ctx,
    id: Option<i64>,
    form: IndicatorForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let page = FormPage {
        ctx,
        id,
        form,
        errors,
    };
    forms::render(&page, status)
}

/// The message of a code another indicator has.
fn code_taken() -> FieldErrors {
    FieldErrors::one("code", "Ce code est déjà utilisé par un autre indicateur.")
}

/// The journal's event of `user`'s change to indicator `id`.
fn event(
    user: &CurrentUser,
    id: i64,
    action: &'static str,
    summary: String,
    changes: Vec<Change>,
) -> Event<'static> {
    Event {
        actor: Some(user.id),
        maison_id: None,
        object_type: "indicator",
        object_id: id,
        action,
        summary,
        changes,
    }
}

pub async fn new(user: CurrentUser, ctx: Ctx) -> AppResult<Response> {
    policy::ensure(rules::can_manage_catalogue(&user))?;
    let form = IndicatorForm {
        active: Some("on".into()),
        for_diagnostics: Some("on".into()),
        measure: "effectif".into(),
        ..IndicatorForm::default()
    };
    render_form(ctx, None, form, FieldErrors::default(), StatusCode::OK)
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Form(form): Form<IndicatorForm>,
) -> AppResult<Response> {
    policy::ensure(rules::can_manage_catalogue(&user))?;
    let v = match validate(&form) {
        Ok(v) => v,
        Err(errors) => {
            return render_form(ctx, None, form, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let mut tx = state.db.begin().await?;
    let insert = sqlx::query_scalar::<_, i64>(
        "insert into indicator (code, label, unit, source, theme, per_capita, active, measure, for_diagnostics,
                                for_actions)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
    );
    let inserted = v.bind(insert).fetch_one(&mut *tx).await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if violates(&e, "indicator_code_key") => {
            drop(tx);
            return render_form(
                ctx,
                None,
                form,
                code_taken(),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(e) => return Err(e.into()),
    };
    let summary = format!("Indicateur {} « {} » ajouté au catalogue", v.code, v.label);
    let event = event(&user, id, "creation", summary, vec![]);
    outcome::done(
        tx,
        &ctx,
        event,
        "Indicateur ajouté au catalogue.",
        "/indicateurs",
    )
    .await
}

async fn load_one(state: &AppState, id: i64) -> AppResult<Indicator> {
    sqlx::query_as(
        "select id, code, label, unit, source, theme, per_capita, measure, for_diagnostics, for_actions, active,
                version, 0::bigint as uses
         from indicator where id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn edit(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    policy::ensure(rules::can_manage_catalogue(&user))?;
    let i = load_one(&state, id).await?;
    let form = IndicatorForm {
        code: i.code,
        label: i.label,
        unit: i.unit,
        source: i.source,
        theme: i.theme,
        per_capita: i.per_capita.then(|| "on".into()),
        measure: i.measure,
        for_diagnostics: i.for_diagnostics.then(|| "on".into()),
        for_actions: i.for_actions.then(|| "on".into()),
        active: i.active.then(|| "on".into()),
        version: i.version.to_string(),
    };
    render_form(ctx, Some(id), form, FieldErrors::default(), StatusCode::OK)
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<IndicatorForm>,
) -> AppResult<Response> {
    policy::ensure(rules::can_manage_catalogue(&user))?;
    let before = load_one(&state, id).await?;
    let v = match validate(&form) {
        Ok(v) => v,
        Err(errors) => {
            return render_form(
                ctx,
                Some(id),
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let mut tx = state.db.begin().await?;
    match save(&mut tx, id, &v, form.version.trim()).await {
        Ok(true) => {}
        Ok(false) => {
            drop(tx);
            let errors = FieldErrors::one(FieldErrors::CONFLICT, INDICATOR_CHANGED);
            return render_form(ctx, Some(id), form, errors, StatusCode::CONFLICT);
        }
        Err(e) if violates(&e, "indicator_code_key") => {
            drop(tx);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_form(ctx, Some(id), form, code_taken(), status);
        }
        Err(e) => return Err(e.into()),
    }
    let summary = format!("Indicateur {} « {} » modifié", v.code, v.label);
    let event = event(&user, id, "modification", summary, diff(before, v).0);
    outcome::done(tx, &ctx, event, "Indicateur enregistré.", "/indicateurs").await
}

/// Saves indicator `id` when it is still at `version`: false when someone else saved it first.
async fn save(
    conn: &mut sqlx::PgConnection,
    id: i64,
    v: &Valid,
    version: &str,
) -> sqlx::Result<bool> {
    let update = sqlx::query_scalar::<_, i64>(
        "update indicator set code = $2, label = $3, unit = $4, source = $5, theme = $6, per_capita = $7,
                active = $8, measure = $9, for_diagnostics = $10, for_actions = $11, version = version + 1
         where id = $1 and version::text = $12
         returning id",
    )
    .bind(id);
    let updated = v.bind(update).bind(version).fetch_optional(conn).await?;
    Ok(updated.is_some())
}

/// What a change to an indicator changed, for the journal.
fn diff(before: Indicator, v: Valid) -> Diff {
    let mut diff = Diff::default();
    diff.field("code", "Code", before.code, v.code)
        .field("label", "Libellé", before.label, v.label)
        .field("unit", "Unité", before.unit, v.unit)
        .field("source", "Source habituelle", before.source, v.source)
        .field("theme", "Thème", before.theme, v.theme)
        .field(
            "per_capita",
            "Comparable pour 1 000 habitants",
            before.per_capita,
            v.per_capita,
        )
        .field(
            "measure",
            "Nature",
            measure_label(&before.measure),
            measure_label(v.measure),
        )
        .field(
            "usage",
            "Usage",
            usage_label(before.for_diagnostics, before.for_actions),
            usage_label(v.for_diagnostics, v.for_actions),
        )
        .field("active", "Proposé aux Maisons", before.active, v.active);
    diff
}
