//! The workflow (DESIGN.md section 4): brouillon → partagé (with chosen partner organisations, `share`)
//! → validé (copil date and decision; read-only, comments closed, `validate`) → archivé (`archive`);
//! « nouvelle version » copies a validated diagnostic into a new draft (`new_version`). Each transition
//! is recorded with who, when and a comment. The routes are in `diagnostics/mod.rs`.

pub(super) mod archive;
pub(super) mod new_version;
pub(super) mod share;
pub(super) mod validate;

use serde::Deserialize;

use crate::web::forms::FieldErrors;

const MAX_COMMENT: usize = 2000;

async fn current_shares(conn: &mut sqlx::PgConnection, id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("select organisation_id from diagnostic_share where diagnostic_id = $1")
        .bind(id)
        .fetch_all(conn)
        .await
}

fn comment_of(raw: &str, errors: &mut FieldErrors) -> String {
    let c = raw.trim().to_owned();
    if c.chars().count() > MAX_COMMENT {
        errors.add(
            "comment",
            "Le commentaire ne doit pas dépasser 2 000 caractères.",
        );
    }
    c
}

#[derive(Deserialize, Default)]
pub struct CommentOnly {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    form_key: String,
}
