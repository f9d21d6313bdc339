//! The one document store (issue 16): the files joined to a diagnostic (studies), to a fiche action (its
//! proofs: attendance lists, photos, conventions) and, later, to other objects, in one table, `document`.
//! Each kind of owner is a column of its own, a foreign key whose deletion cascades, and exactly one is set
//! (`document_one_owner`): a new kind of owner adds its column, widens the check and a variant of [`Owner`].
//!
//! The feature decides who may do what (its policy) and ends the write (its journal event); the store
//! reads the upload (CSRF checked), judges it (`checks`: type on the name and the first bytes, 10 MB, the
//! name cleaned), keeps it in PostgreSQL, lists an owner's documents, answers a download (404 unless the
//! document is that owner's) and deletes one.

pub mod checks;

use askama::Template;
use axum::extract::Multipart;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

pub use checks::{ACCEPT, MAX_BYTES, check_file, clean_name, kind_label};

use crate::error::{AppError, AppResult};
use crate::web::extract::{RequestSession, csrf_matches};
use crate::web::forms::FieldErrors;
use crate::web::{Ctx, format};

/// What a document belongs to: one column of `document` each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Diagnostic(i64),
    Action(i64),
}

impl Owner {
    /// The owner's column (a constant: the only text put into the statements).
    fn column(self) -> &'static str {
        match self {
            Owner::Diagnostic(_) => "diagnostic_id",
            Owner::Action(_) => "action_id",
        }
    }
    fn id(self) -> i64 {
        match self {
            Owner::Diagnostic(id) | Owner::Action(id) => id,
        }
    }
}

/// The body of an upload form: a file field `file` beside the `csrf` field.
pub struct Upload {
    /// The name as the browser sent it, and the bytes.
    file: Option<(String, Vec<u8>)>,
}

/// A file the store accepts: its cleaned name, its type, its bytes.
pub struct Accepted {
    pub filename: String,
    pub content_type: &'static str,
    data: Vec<u8>,
}

/// Why a file was refused: the French message (beside the field `file`) and the status to answer.
pub struct Refused {
    pub errors: FieldErrors,
    pub status: StatusCode,
}

impl Upload {
    /// Reads the form and checks its CSRF token (403 otherwise); a body over the route's limit is 413.
    pub async fn read(session: &RequestSession, multipart: &mut Multipart) -> AppResult<Upload> {
        let unread = |status: StatusCode, what: &str| {
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest(format!("{what} n'a pas pu être lu."))
            }
        };
        let mut token: Option<String> = None;
        let mut file: Option<(String, Vec<u8>)> = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| unread(e.status(), "Le formulaire"))?
        {
            match field.name() {
                Some("csrf") => token = field.text().await.ok(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| unread(e.status(), "Le fichier"))?;
                    file = Some((name, bytes.to_vec()));
                }
                _ => {}
            }
        }
        if !csrf_matches(session.0.as_deref(), token.as_deref()) {
            return Err(AppError::Csrf);
        }
        Ok(Upload { file })
    }

    /// The file judged: accepted (name cleaned, type known), or refused with its message (413 when too
    /// large, 422 otherwise).
    pub fn accept(self) -> Result<Accepted, Refused> {
        let refused = |message: String| {
            let status = if message == checks::TOO_LARGE {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Refused {
                errors: FieldErrors::one("file", message),
                status,
            }
        };
        match self.file {
            Some((name, data)) if !name.is_empty() => {
                let filename = clean_name(&name);
                let content_type = check_file(&filename, &data).map_err(refused)?;
                Ok(Accepted {
                    filename,
                    content_type,
                    data,
                })
            }
            _ => Err(refused("Choisissez le fichier à joindre.".into())),
        }
    }
}

/// Keeps an accepted file for `owner`; its id.
pub async fn store(
    conn: &mut PgConnection,
    owner: Owner,
    file: &Accepted,
    uploaded_by: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "insert into document ({}, filename, content_type, size_bytes, data, uploaded_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
        owner.column()
    ))
    .bind(owner.id())
    .bind(&file.filename)
    .bind(file.content_type)
    .bind(i32::try_from(file.data.len()).unwrap_or(i32::MAX))
    .bind(&file.data)
    .bind(uploaded_by)
    .fetch_one(conn)
    .await
}

/// A document as lists show it (its bytes are not read).
#[derive(sqlx::FromRow, Clone)]
pub struct Document {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: Option<i64>,
    pub uploaded_by_name: Option<String>,
}

impl Document {
    pub fn size(&self) -> String {
        checks::size_label(self.size_bytes)
    }
    pub fn uploaded(&self) -> String {
        format::datetime(self.uploaded_at)
    }
    pub fn kind(&self) -> &'static str {
        kind_label(&self.content_type)
    }
}

const LISTED: &str = "d.id, d.filename, d.content_type, d.size_bytes, d.uploaded_at, d.uploaded_by,
                      a.name as uploaded_by_name";

/// The documents of `owner`, oldest first.
pub async fn list(conn: &mut PgConnection, owner: Owner) -> sqlx::Result<Vec<Document>> {
    sqlx::query_as(&format!(
        "select {LISTED} from document d left join account a on a.id = d.uploaded_by
         where d.{} = $1 order by d.uploaded_at, d.id",
        owner.column()
    ))
    .bind(owner.id())
    .fetch_all(conn)
    .await
}

/// The documents of several fiches actions, by action (one statement, for a list page).
pub async fn of_actions(
    conn: &mut PgConnection,
    actions: &[i64],
) -> sqlx::Result<std::collections::HashMap<i64, Vec<Document>>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        action_id: i64,
        #[sqlx(flatten)]
        document: Document,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select d.action_id, {LISTED} from document d left join account a on a.id = d.uploaded_by
         where d.action_id = any($1) order by d.uploaded_at, d.id"
    ))
    .bind(actions)
    .fetch_all(conn)
    .await?;
    let mut out = std::collections::HashMap::<i64, Vec<Document>>::new();
    for r in rows {
        out.entry(r.action_id).or_default().push(r.document);
    }
    Ok(out)
}

/// One of `owner`'s documents (its bytes unread): 404 when it is not that owner's.
pub async fn one(conn: &mut PgConnection, owner: Owner, id: i64) -> AppResult<Document> {
    sqlx::query_as(&format!(
        "select {LISTED} from document d left join account a on a.id = d.uploaded_by
         where d.id = $1 and d.{} = $2",
        owner.column()
    ))
    .bind(id)
    .bind(owner.id())
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// The download of one of `owner`'s documents, as an attachment: 404 when it is not that owner's. The
/// caller has checked that the person may read the owner.
pub async fn download(conn: &mut PgConnection, owner: Owner, id: i64) -> AppResult<Response> {
    let (filename, content_type, data): (String, String, Vec<u8>) = sqlx::query_as(&format!(
        "select filename, content_type, data from document where id = $1 and {} = $2",
        owner.column()
    ))
    .bind(id)
    .bind(owner.id())
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)?;
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        checks::ascii_name(&filename),
        crate::web::url_encode(&filename)
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".into()),
        ],
        data,
    )
        .into_response())
}

/// Deletes one of `owner`'s documents; its name (for the journal). 404 when it is not that owner's.
pub async fn delete(conn: &mut PgConnection, owner: Owner, id: i64) -> AppResult<String> {
    sqlx::query_scalar(&format!(
        "delete from document where id = $1 and {} = $2 returning filename",
        owner.column()
    ))
    .bind(id)
    .bind(owner.id())
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// The upload form's page: a heading, where it is (links), where it posts and where « Annuler » leads.
#[derive(Template)]
#[template(path = "documents/upload.html")]
pub struct UploadPage {
    pub ctx: Ctx,
    /// « Joindre un document », « Joindre une preuve ».
    pub heading: &'static str,
    /// What may be joined, one sentence.
    pub lead: &'static str,
    /// (href, label) of the pages above this one.
    pub breadcrumb: Vec<(String, String)>,
    pub action: String,
    pub back: String,
    pub errors: FieldErrors,
}

impl UploadPage {
    pub fn accept(&self) -> &'static str {
        ACCEPT
    }

    /// The page answering `status` (200 blank, 413 or 422 with the message beside the field).
    pub fn respond(self, status: StatusCode) -> AppResult<Response> {
        Ok((status, Html(self.render()?)).into_response())
    }
}
