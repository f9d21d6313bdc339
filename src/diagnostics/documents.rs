//! Documents attached to a diagnostic (studies: PDF and office files), up to 10 MB each, stored in
//! PostgreSQL; downloadable by whoever may read the diagnostic. The type is checked on the name and on
//! the first bytes of the file, the size on the bytes received.

use askama::Template;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::{Diagnostic, begin_if, load, read_if};
use crate::auth::CurrentUser;
use crate::auth::policy::diagnostics as rules;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::{RequestSession, csrf_matches};
use crate::web::forms::FieldErrors;
use crate::web::{Ctx, EmptyForm, Form};

pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Accepted kinds: extension, MIME type, French label, and the signature the content must start with.
const KINDS: &[(&str, &str, &str, &[u8])] = &[
    ("pdf", "application/pdf", "PDF", b"%PDF-"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word",
        b"PK\x03\x04",
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel",
        b"PK\x03\x04",
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint",
        b"PK\x03\x04",
    ),
    (
        "odt",
        "application/vnd.oasis.opendocument.text",
        "OpenDocument texte",
        b"PK\x03\x04",
    ),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        "OpenDocument tableur",
        b"PK\x03\x04",
    ),
    (
        "odp",
        "application/vnd.oasis.opendocument.presentation",
        "OpenDocument présentation",
        b"PK\x03\x04",
    ),
    (
        "doc",
        "application/msword",
        "Word 97-2003",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
    ),
    (
        "xls",
        "application/vnd.ms-excel",
        "Excel 97-2003",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
    ),
    (
        "ppt",
        "application/vnd.ms-powerpoint",
        "PowerPoint 97-2003",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
    ),
];

pub fn kind_label(content_type: &str) -> &'static str {
    KINDS
        .iter()
        .find(|k| k.1 == content_type)
        .map(|k| k.2)
        .unwrap_or("document")
}

/// The MIME type of an acceptable file, or a French reason for refusing it.
pub fn check_file(filename: &str, data: &[u8]) -> Result<&'static str, String> {
    if data.is_empty() {
        return Err("Le fichier est vide.".into());
    }
    if data.len() > MAX_BYTES {
        return Err("Le fichier dépasse la taille maximale de 10 Mo.".into());
    }
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some(kind) = KINDS.iter().find(|k| k.0 == ext) else {
        return Err(
            "Type de fichier non accepté : joignez un PDF ou un document bureautique (Word, Excel, PowerPoint, OpenDocument)."
                .into(),
        );
    };
    if !data.starts_with(kind.3) {
        return Err(format!(
            "Le contenu du fichier ne correspond pas à son extension « .{ext} » : il n'a pas été accepté."
        ));
    }
    Ok(kind.1)
}

/// Invisible characters that change how a name reads without being seen: bidirectional embeddings,
/// overrides and isolates (`photo<U+202E>fdp.exe` shows as `photoexe.pdf`), direction marks, zero-width
/// characters and joiners, word joiners and invisible operators, the byte-order mark, interlinear
/// annotation marks, line and paragraph separators, the soft hyphen.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// The one place an uploaded file's name is accepted: no path, no control character, no invisible format
/// character (so that the name shown is the name stored), no `"`; at most 200 characters. The file is
/// then judged on this cleaned name.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c) && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || (cleaned.starts_with('.') && !cleaned[1..].contains('.')) {
        format!("document{cleaned}")
    } else {
        cleaned.to_owned()
    }
}

#[derive(Template)]
#[template(path = "diagnostics/document_form.html")]
struct UploadPage {
    ctx: Ctx,
    d: Diagnostic,
    errors: FieldErrors,
}

pub async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let d = read_if(&state, &user, id, rules::can_edit).await?;
    let errors = FieldErrors::default();
    Ok(Html(UploadPage { ctx, d, errors }.render()?).into_response())
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge
}

/// The CSRF token and the file (its name as sent, its bytes) of the upload form.
async fn read_upload(
    multipart: &mut Multipart,
) -> AppResult<(Option<String>, Option<(String, Vec<u8>)>)> {
    let unread = |status: StatusCode, what: &str| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
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
    Ok((token, file))
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Extension(session): Extension<RequestSession>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (token, file) = read_upload(&mut multipart).await?;
    if !csrf_matches(session.0.as_deref(), token.as_deref()) {
        return Err(AppError::Csrf);
    }
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let checked = match &file {
        Some((name, data)) if !name.is_empty() => {
            let name = clean_name(name);
            check_file(&name, data).map(|t| (name, t))
        }
        _ => Err("Choisissez le fichier à joindre.".into()),
    };
    let (filename, content_type) = match checked {
        Ok(x) => x,
        Err(message) => {
            drop(tx);
            let mut errors = FieldErrors::default();
            let status = if message.contains("10 Mo") {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            errors.add("file", message);
            return Ok((status, Html(UploadPage { ctx, d, errors }.render()?)).into_response());
        }
    };
    let data = file.map(|f| f.1).unwrap_or_default();
    let did: i64 = sqlx::query_scalar(
        "insert into diagnostic_document (diagnostic_id, filename, content_type, size_bytes, data, uploaded_by)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(id)
    .bind(&filename)
    .bind(content_type)
    .bind(data.len() as i32)
    .bind(&data)
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    let summary = format!("Document « {filename} » joint (n° {did})");
    let event = d.change(&user, "document", summary, vec![]);
    d.part_done(tx, &ctx, event, "Document joint.", "#documents")
        .await
}

#[derive(sqlx::FromRow)]
struct Stored {
    filename: String,
    content_type: String,
    data: Vec<u8>,
}

pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, did)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let mut conn = state.db.acquire().await?;
    load(&mut conn, &user, id, false).await?;
    let doc: Stored = sqlx::query_as(
        "select filename, content_type, data from diagnostic_document where id = $1 and diagnostic_id = $2",
    )
    .bind(did)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    let ascii: String = doc
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::web::url_encode(&doc.filename)
    );
    Ok((
        [
            (header::CONTENT_TYPE, doc.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".into()),
        ],
        doc.data,
    )
        .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    ctx: Ctx,
    Path((id, did)): Path<(i64, i64)>,
    Form(_): Form<EmptyForm>,
) -> AppResult<Response> {
    let (mut tx, d) = begin_if(&state, &user, id, rules::can_edit).await?;
    let filename: String = sqlx::query_scalar(
        "delete from diagnostic_document where id = $1 and diagnostic_id = $2 returning filename",
    )
    .bind(did)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let summary = format!("Document « {filename} » supprimé");
    let event = d.change(&user, "document", summary, vec![]);
    d.part_done(tx, &ctx, event, "Document supprimé.", "#documents")
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_checked_on_name_and_content() {
        assert_eq!(
            check_file("étude.PDF", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert!(check_file("etude.pdf", b"<html>").is_err());
        assert!(check_file("virus.exe", b"MZ").is_err());
        assert!(check_file("vide.pdf", b"").is_err());
        assert_eq!(
            clean_name("C:\\docs\\rapport \"final\".pdf"),
            "rapport final.pdf"
        );
        assert_eq!(
            clean_name("rap\u{200B}port\u{2066}\u{202E}gpj.\u{2069}\u{200E}\u{FEFF}pdf"),
            "rapportgpj.pdf"
        );
        assert_eq!(clean_name("\u{202E}\u{200F}.pdf"), "document.pdf");
        assert_eq!(clean_name("  "), "document");
        assert_eq!(clean_name("a\u{2028}b\u{AD}c\u{61C}.odt"), "abc.odt");
        assert_eq!(clean_name(".profile.pdf"), ".profile.pdf");
        let shown_as_pdf = clean_name("photo\u{202E}fdp.exe");
        assert!(check_file(&shown_as_pdf, b"MZ").is_err());
    }
}
