//! « Nouvelle version »: a validated diagnostic copied into a new draft, with its sectors, sections and
//! indicator values.

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};

use sqlx::PgConnection;

use super::CommentOnly;
use crate::auth::policy::diagnostics as rules;
use crate::diagnostics::{begin_if, record_creation};
use crate::error::AppResult;
use crate::web::{Form, Signed, outcome};

pub async fn new_version(
    Signed { state, user, ctx }: Signed,
    Path(id): Path<i64>,
    Form(form): Form<CommentOnly>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_start_new_version).await?;
    if !crate::web::idempotency::claim(&mut tx, user.id, &form.form_key).await? {
        return Ok(Redirect::to(&d.url()).into_response());
    }
    let new_id = copy_as_draft(&mut tx, id, user.id).await?;
    let note = format!(
        "Nouvelle version du diagnostic validé « {} » (n° {id})",
        d.title
    );
    record_creation(&mut tx, &user, d.maison_id, new_id, &note, note.clone()).await?;
    outcome::committed(
        tx,
        &ctx,
        "Nouvelle version créée en brouillon, à partir du diagnostic validé.",
        &format!("/diagnostics/{new_id}"),
    )
    .await
}

/// A new draft copied from diagnostic `id`, with its sectors, sections and indicator values: its id.
async fn copy_as_draft(conn: &mut PgConnection, id: i64, author: i64) -> sqlx::Result<i64> {
    let new_id: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, previous_id, created_by)
         select maison_id, title, reference_year, id, $2 from diagnostic where id = $1 returning id",
    )
    .bind(id)
    .bind(author)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "insert into diagnostic_sector (diagnostic_id, sector_code)
         select $2, sector_code from diagnostic_sector where diagnostic_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into diagnostic_section (diagnostic_id, position, kind, title, body, updated_by)
         select $2, position, kind, title, body, $3 from diagnostic_section where diagnostic_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .bind(author)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into indicator_value (diagnostic_id, indicator_id, value, year, territory, source,
                                      comparison_level, comparison_value)
         select $2, indicator_id, value, year, territory, source, comparison_level, comparison_value
         from indicator_value where diagnostic_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *conn)
    .await?;
    Ok(new_id)
}
