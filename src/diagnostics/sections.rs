//! Writing a section (Markdown, with a preview that needs no JavaScript: a second submit button), adding,
//! moving and dropping sections. Two people saving the same section: the second is refused (revision).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Diagnostic, begin_if, load_if, read_if, touch};
use crate::audit::{self, Diff};
use crate::auth::CurrentUser;
use crate::auth::policy::diagnostics as rules;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::forms::{self, FieldErrors};
use crate::web::markdown;
use crate::web::{Ctx, EmptyForm, Form, Signed};

const MAX_BODY: usize = 100_000;

#[derive(sqlx::FromRow)]
struct Section {
    id: i64,
    title: String,
    body: String,
    revision: i32,
    updated_by_name: Option<String>,
}

async fn section(conn: &mut sqlx::PgConnection, id: i64, sid: i64) -> AppResult<Section> {
    sqlx::query_as(
        "select s.id, s.title, s.body, s.revision, a.name as updated_by_name
         from diagnostic_section s left join account a on a.id = s.updated_by
         where s.id = $2 and s.diagnostic_id = $1",
    )
    .bind(id)
    .bind(sid)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Deserialize, Default)]
pub struct SectionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    revision: String,
    /// `apercu` (preview) or `enregistrer`.
    #[serde(default)]
    action: String,
}

#[derive(Template)]
#[template(path = "diagnostics/section_form.html")]
struct SectionPage {
    ctx: Ctx,
    d: Diagnostic,
    section_id: i64,
    form: SectionForm,
    errors: FieldErrors,
    preview: Option<String>,
    /// On a conflict: the text saved meanwhile, and by whom.
    theirs: Option<(String, String)>,
}

impl SectionPage {
    fn new(ctx: Ctx, d: Diagnostic, section_id: i64, form: SectionForm) -> SectionPage {
        SectionPage {
            ctx,
            d,
            section_id,
            form,
            errors: FieldErrors::default(),
            preview: None,
            theirs: None,
        }
    }
}

pub async fn edit(
    Signed { state, user, ctx }: Signed,
    Path((id, sid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    let d = load_if(&mut conn, &user, id, false, rules::can_edit).await?;
    let s = section(&mut conn, id, sid).await?;
    let form = SectionForm {
        title: s.title,
        body: s.body,
        revision: s.revision.to_string(),
        action: String::new(),
    };
    forms::render(&SectionPage::new(ctx, d, s.id, form), StatusCode::OK)
}

fn validate(form: &SectionForm) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let title = form.title.trim();
    if title.is_empty() {
        errors.add("title", "Indiquez le titre de la section.");
    } else if title.chars().count() > 200 {
        errors.add("title", "Le titre ne doit pas dépasser 200 caractères.");
    }
    if form.body.len() > MAX_BODY {
        errors.add(
            "body",
            "Le texte est trop long (100 000 caractères au plus).",
        );
    }
    errors
}

pub async fn save(
    Signed { state, user, ctx }: Signed,
    Path((id, sid)): Path<(i64, i64)>,
    Form(form): Form<SectionForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let current = section(&mut tx, id, sid).await?;
    let errors = validate(&form);
    if form.action == "apercu" || !errors.is_empty() {
        drop(tx);
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = SectionPage {
            errors,
            preview: Some(markdown::render(&form.body)),
            ..SectionPage::new(ctx, d, sid, form)
        };
        return forms::render(&page, status);
    }
    let title = form.title.trim().to_owned();
    let body = form.body.replace("\r\n", "\n");
    let updated = sqlx::query(
        "update diagnostic_section set title = $3, body = $4, revision = revision + 1,
                updated_by = $5, updated_at = now()
         where id = $1 and diagnostic_id = $2 and revision::text = $6",
    )
    .bind(sid)
    .bind(id)
    .bind(&title)
    .bind(&body)
    .bind(user.id)
    .bind(form.revision.trim())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        // Someone saved first: nothing is overwritten, this person's text is kept in the form.
        drop(tx);
        let theirs = Some((
            markdown::render(&current.body),
            current
                .updated_by_name
                .unwrap_or_else(|| "quelqu'un".into()),
        ));
        let form = SectionForm {
            revision: current.revision.to_string(),
            ..form
        };
        let page = SectionPage {
            theirs,
            ..SectionPage::new(ctx, d, sid, form)
        };
        return forms::render(&page, StatusCode::CONFLICT);
    }
    let mut diff = Diff::default();
    diff.field(
        "title",
        "Titre de la section",
        current.title.clone(),
        title.clone(),
    )
    .field("body", "Texte de la section", current.body, body);
    let event = d.change(
        &user,
        "section",
        format!("Section « {title} » modifiée"),
        diff.0,
    );
    d.part_done(
        tx,
        &ctx,
        event,
        "Section enregistrée.",
        &format!("#section-{sid}"),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    title: String,
}

#[derive(Template)]
#[template(path = "diagnostics/section_new.html")]
struct NewSectionPage {
    ctx: Ctx,
    d: Diagnostic,
    form: AddForm,
    errors: FieldErrors,
}

pub async fn new_form(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = read_if(&state, &user, id, rules::can_edit).await?;
    let page = NewSectionPage {
        ctx,
        d,
        form: AddForm::default(),
        errors: FieldErrors::default(),
    };
    forms::render(&page, StatusCode::OK)
}

pub async fn add(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<AddForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let title = form.title.trim();
    let mut errors = FieldErrors::default();
    if title.is_empty() {
        errors.add("title", "Indiquez le titre de la nouvelle section.");
    } else if title.chars().count() > 200 {
        errors.add("title", "Le titre ne doit pas dépasser 200 caractères.");
    }
    if !errors.is_empty() {
        drop(tx);
        let page = NewSectionPage {
            ctx,
            d,
            form,
            errors,
        };
        return forms::render(&page, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let sid: i64 = sqlx::query_scalar(
        "insert into diagnostic_section (diagnostic_id, position, kind, title, updated_by)
         values ($1, (select coalesce(max(position), 0) + 1 from diagnostic_section where diagnostic_id = $1),
                 'libre', $2, $3) returning id",
    )
    .bind(id)
    .bind(title)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    let event = d.change(
        &user,
        "section",
        format!("Section « {title} » ajoutée"),
        vec![],
    );
    let to = format!("/sections/{sid}/modifier");
    d.part_done(tx, &ctx, event, "Section ajoutée : rédigez-la.", &to)
        .await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    direction: String,
}

pub async fn move_section(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, sid)): Path<(i64, i64)>,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    let (mut tx, _d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let order: Vec<i64> = sqlx::query_scalar(
        "select id from diagnostic_section where diagnostic_id = $1 order by position, id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let i = order
        .iter()
        .position(|s| *s == sid)
        .ok_or(AppError::NotFound)?;
    let j = match form.direction.as_str() {
        "haut" if i > 0 => i - 1,
        "bas" if i + 1 < order.len() => i + 1,
        _ => return Ok(Redirect::to(&format!("/diagnostics/{id}#section-{sid}")).into_response()),
    };
    let mut order = order;
    order.swap(i, j);
    sqlx::query(
        "update diagnostic_section s set position = t.ord
         from unnest($2::bigint[]) with ordinality as t(id, ord)
         where s.id = t.id and s.diagnostic_id = $1",
    )
    .bind(id)
    .bind(&order)
    .execute(&mut *tx)
    .await?;
    touch(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/diagnostics/{id}#section-{sid}")).into_response())
}

pub async fn delete(
    Signed { state, user, ctx }: Signed,
    Path((id, sid)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let s = section(&mut tx, id, sid).await?;
    sqlx::query("delete from diagnostic_section where id = $1")
        .bind(sid)
        .execute(&mut *tx)
        .await?;
    let summary = format!("Section « {} » supprimée", s.title);
    let changes = vec![audit::Change::new(
        "body",
        "Texte de la section",
        s.body,
        "",
    )];
    let event = d.change(&user, "section", summary, changes);
    d.part_done(tx, &ctx, event, "Section supprimée.", "").await
}
