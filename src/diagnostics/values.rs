//! The indicator values of a diagnostic: value, year, territory, precise source, and a comparison value
//! (département, région or France) whose gap the table shows.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{Diagnostic, INDICATOR_CHANGED, begin_if, load_if, parse_year, read_if};
use crate::audit::Diff;
use crate::auth::policy::diagnostics as rules;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::{Ctx, EmptyForm, Form, Signed, format};

#[derive(sqlx::FromRow)]
struct CatalogueEntry {
    id: i64,
    code: String,
    label: String,
    unit: String,
    theme: String,
}

async fn catalogue(conn: &mut sqlx::PgConnection) -> sqlx::Result<Vec<CatalogueEntry>> {
    sqlx::query_as(
        "select id, code, label, unit, theme from indicator where active and for_diagnostics
         order by theme, label, id",
    )
    .fetch_all(conn)
    .await
}

#[derive(Deserialize, Default)]
pub struct ValueForm {
    #[serde(default)]
    indicator_id: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    territory: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    comparison_level: String,
    #[serde(default)]
    comparison_value: String,
    #[serde(default)]
    version: String,
}

struct Value {
    indicator_id: i64,
    value: f64,
    year: i32,
    territory: String,
    source: String,
    comparison_level: Option<String>,
    comparison_value: Option<f64>,
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

impl Value {
    /// The value's fields bound to `q`'s next parameters, in the order of the table's columns.
    fn bind<'q>(&'q self, q: PgQuery<'q>) -> PgQuery<'q> {
        q.bind(self.indicator_id)
            .bind(self.value)
            .bind(self.year)
            .bind(&self.territory)
            .bind(&self.source)
            .bind(&self.comparison_level)
            .bind(self.comparison_value)
    }
}

fn number_error(s: &str) -> String {
    format!(
        "« {} » n'est pas un nombre : saisissez par exemple 1 234,5.",
        s.trim().chars().take(40).collect::<String>()
    )
}

fn validate(form: &ValueForm, catalogue: &[CatalogueEntry]) -> Result<Value, FieldErrors> {
    let mut errors = FieldErrors::default();
    let indicator_id = form
        .indicator_id
        .parse::<i64>()
        .ok()
        .filter(|i| catalogue.iter().any(|c| c.id == *i));
    if indicator_id.is_none() {
        errors.add("indicator_id", "Choisissez un indicateur du catalogue.");
    }
    let value = if form.value.trim().is_empty() {
        errors.add("value", "Indiquez la valeur.");
        None
    } else {
        let v = format::parse_decimal(&form.value).filter(|v| v.abs() < 1e15);
        if v.is_none() {
            errors.add("value", number_error(&form.value));
        }
        v
    };
    let year = parse_year(&form.year, 1900, 2100).unwrap_or_else(|m| {
        errors.add("year", m);
        0
    });
    let territory = form.territory.trim().to_owned();
    let source = form.source.trim().to_owned();
    if territory.chars().count() > 200 {
        errors.add("territory", "200 caractères au plus.");
    }
    if source.chars().count() > 500 {
        errors.add("source", "500 caractères au plus.");
    }
    let level = match form.comparison_level.as_str() {
        "" => None,
        l @ ("departement" | "region" | "france") => Some(l.to_owned()),
        _ => {
            errors.add(
                "comparison_level",
                "Choisissez un niveau de comparaison de la liste.",
            );
            None
        }
    };
    let comparison_value = if form.comparison_value.trim().is_empty() {
        None
    } else {
        let v = format::parse_decimal(&form.comparison_value).filter(|v| v.abs() < 1e15);
        if v.is_none() {
            errors.add("comparison_value", number_error(&form.comparison_value));
        }
        v
    };
    if level.is_some() && comparison_value.is_none() && !errors.has("comparison_value") {
        errors.add(
            "comparison_value",
            "Indiquez la valeur de comparaison, ou retirez le niveau.",
        );
    }
    if level.is_none() && comparison_value.is_some() && !errors.has("comparison_level") {
        errors.add(
            "comparison_level",
            "Précisez à quel territoire la valeur de comparaison se rapporte.",
        );
    }
    match (indicator_id, value, errors.is_empty()) {
        (Some(indicator_id), Some(value), true) => Ok(Value {
            indicator_id,
            value,
            year,
            territory,
            source,
            comparison_level: level,
            comparison_value,
        }),
        _ => Err(errors),
    }
}

#[derive(Template)]
#[template(path = "diagnostics/value_form.html")]
struct ValuePage {
    ctx: Ctx,
    d: Diagnostic,
    value_id: Option<i64>,
    form: ValueForm,
    catalogue: Vec<CatalogueEntry>,
    errors: FieldErrors,
}

impl ValuePage {
    fn levels(&self) -> [(&'static str, &'static str); 3] {
        [
            ("departement", "Département"),
            ("region", "Région"),
            ("france", "France"),
        ]
    }
    fn selected_indicator(&self, id: &i64) -> bool {
        self.form.indicator_id == id.to_string()
    }
    fn selected_level(&self, code: &str) -> bool {
        self.form.comparison_level == code
    }
}

/// The form's page with `status` (`OK`, `UNPROCESSABLE_ENTITY`, or `CONFLICT` when someone else saved
/// first), for a new indicator value or value `value_id`.
async fn page(
    state: &AppState,
    ctx: Ctx,
    d: Diagnostic,
    value_id: Option<i64>,
    form: ValueForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let page = ValuePage {
        ctx,
        d,
        value_id,
        form,
        catalogue: catalogue(&mut conn).await?,
        errors,
    };
    forms::render(&page, status)
}

pub async fn new(Signed { state, user, ctx }: Signed, Path(id): Path<i64>) -> AppResult<Response> {
    let d = read_if(&state, &user, id, rules::can_edit).await?;
    let form = ValueForm {
        year: d.reference_year.to_string(),
        ..ValueForm::default()
    };
    page(
        &state,
        ctx,
        d,
        None,
        form,
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<ValueForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let cat = catalogue(&mut tx).await?;
    let v = match validate(&form, &cat) {
        Ok(v) => v,
        Err(errors) => {
            drop(tx);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, ctx, d, None, form, errors, status).await;
        }
    };
    let label = cat
        .iter()
        .find(|c| c.id == v.indicator_id)
        .map(|c| c.label.clone())
        .unwrap_or_default();
    let insert = sqlx::query(
        "insert into indicator_value (diagnostic_id, indicator_id, value, year, territory, source,
                                      comparison_level, comparison_value)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id);
    v.bind(insert).execute(&mut *tx).await?;
    let summary = format!(
        "Indicateur « {label} » ({}) ajouté : {}",
        v.year,
        format::decimal(v.value, 2)
    );
    let event = d.change(&user, "indicateur", summary, vec![]);
    d.part_done(tx, &ctx, event, "Indicateur ajouté.", "#indicateurs")
        .await
}
#[derive(sqlx::FromRow)]
struct Stored {
    indicator_id: i64,
    label: String,
    value: f64,
    year: i32,
    territory: String,
    source: String,
    comparison_level: Option<String>,
    comparison_value: Option<f64>,
    version: i32,
}

async fn stored(conn: &mut sqlx::PgConnection, id: i64, vid: i64) -> AppResult<Stored> {
    sqlx::query_as(
        "select v.indicator_id, i.label, v.value, v.year, v.territory, v.source, v.comparison_level,
                v.comparison_value, v.version
         from indicator_value v join indicator i on i.id = v.indicator_id
         where v.id = $2 and v.diagnostic_id = $1",
    )
    .bind(id)
    .bind(vid)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

fn plain(x: f64) -> String {
    // What a person would type back: no thousands separator, decimal comma.
    let s = format!("{x}");
    s.replace('.', ",")
}

pub async fn edit(
    Signed { state, user, ctx }: Signed,
    Path((id, vid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load_if(&mut conn, &user, id, false, rules::can_edit).await?;
    let s = stored(&mut conn, id, vid).await?;
    drop(conn);
    let form = ValueForm {
        indicator_id: s.indicator_id.to_string(),
        value: plain(s.value),
        year: s.year.to_string(),
        territory: s.territory,
        source: s.source,
        comparison_level: s.comparison_level.unwrap_or_default(),
        comparison_value: s.comparison_value.map(plain).unwrap_or_default(),
        version: s.version.to_string(),
    };
    let errors = FieldErrors::default();
    page(&state, ctx, d, Some(vid), form, errors, StatusCode::OK).await
}

pub async fn update(
    Signed { state, user, ctx }: Signed,
    Path((id, vid)): Path<(i64, i64)>,
    Form(form): Form<ValueForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let before = stored(&mut tx, id, vid).await?;
    let cat = catalogue(&mut tx).await?;
    let v = match validate(&form, &cat) {
        Ok(v) => v,
        Err(errors) => {
            drop(tx);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return page(&state, ctx, d, Some(vid), form, errors, status).await;
        }
    };
    if !save(&mut tx, id, vid, &v, form.version.trim()).await? {
        drop(tx);
        let errors = FieldErrors::one(FieldErrors::CONFLICT, INDICATOR_CHANGED);
        return page(
            &state,
            ctx,
            d,
            Some(vid),
            form,
            errors,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let mut diff = Diff::default();
    diff.field("value", "Valeur", before.value, v.value)
        .field("year", "Année", before.year as i64, v.year as i64)
        .field("territory", "Territoire", before.territory, v.territory)
        .field("source", "Source", before.source, v.source)
        .field(
            "comparison_level",
            "Niveau de comparaison",
            before.comparison_level,
            v.comparison_level,
        )
        .field(
            "comparison_value",
            "Valeur de comparaison",
            before.comparison_value,
            v.comparison_value,
        );
    let summary = format!("Indicateur « {} » modifié", before.label);
    let event = d.change(&user, "indicateur", summary, diff.0);
    d.part_done(tx, &ctx, event, "Indicateur enregistré.", "#indicateurs")
        .await
}

/// Saves value `vid` when it is still at `version`: false when someone else saved it first.
async fn save(
    conn: &mut sqlx::PgConnection,
    id: i64,
    vid: i64,
    v: &Value,
    version: &str,
) -> sqlx::Result<bool> {
    let update = sqlx::query(
        "update indicator_value set indicator_id = $3, value = $4, year = $5, territory = $6, source = $7,
                comparison_level = $8, comparison_value = $9, version = version + 1
         where id = $2 and diagnostic_id = $1 and version::text = $10",
    )
    .bind(id)
    .bind(vid);
    let n = v
        .bind(update)
        .bind(version)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

pub async fn delete(
    Signed { state, user, ctx }: Signed,
    Path((id, vid)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let before = stored(&mut tx, id, vid).await?;
    sqlx::query("delete from indicator_value where id = $1")
        .bind(vid)
        .execute(&mut *tx)
        .await?;
    let summary = format!(
        "Indicateur « {} » ({}) supprimé : {}",
        before.label,
        before.year,
        format::decimal(before.value, 2)
    );
    let event = d.change(&user, "indicateur", summary, vec![]);
    d.part_done(tx, &ctx, event, "Indicateur supprimé.", "#indicateurs")
        .await
}
