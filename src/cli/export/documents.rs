//! The documents of the Maison in the one document store (joined to its diagnostics and to its fiches
//! actions): their list (a table of the export) and their place in the archive.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::cells::moment;
use crate::web::export::{Cell, Table};

pub(super) const DOCUMENTS_FILE: &str = "documents";
pub(super) const DOCUMENTS_ABOUT: &str = "la liste des documents joints aux diagnostics et aux fiches actions \
                               (preuves), avec le chemin de chacun dans cette archive et son empreinte SHA-256";

pub(super) struct Document {
    pub id: i64,
    /// `diagnostic` or `action`: the folder of the archive and the « Rattaché à » column.
    pub owner_kind: String,
    pub owner_id: i64,
    pub owner: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_by: Option<String>,
    pub uploaded_at: DateTime<Utc>,
    pub sha256: String,
}

impl Document {
    /// `documents/diagnostic-12/34-etude.pdf`, `documents/action-56/78-emargement.pdf`: the id keeps two
    /// documents of the same name apart, and the name keeps only what every file system accepts.
    pub(super) fn archive_path(&self) -> String {
        let cleaned: String = self
            .filename
            .chars()
            .map(|c| {
                if c.is_control()
                    || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let cleaned = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
        let cleaned: String = if cleaned.is_empty() {
            "document".into()
        } else {
            cleaned.chars().take(120).collect()
        };
        format!(
            "documents/{}-{}/{}-{cleaned}",
            self.owner_kind, self.owner_id, self.id
        )
    }
}

pub(super) async fn documents(
    conn: &mut PgConnection,
    maison_id: i64,
) -> anyhow::Result<Vec<Document>> {
    type Row = (
        i64,
        String,
        i64,
        String,
        String,
        String,
        i32,
        Option<String>,
        DateTime<Utc>,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select doc.id, case when doc.diagnostic_id is not null then 'diagnostic' else 'action' end,
                coalesce(doc.diagnostic_id, doc.action_id),
                coalesce(d.title, 'Fiche n° ' || ac.number || ' « ' || ac.title || ' » (' || p.title || ')'),
                doc.filename, doc.content_type, doc.size_bytes,
                a.name, doc.uploaded_at, encode(sha256(doc.data), 'hex')
         from document doc
         left join diagnostic d on d.id = doc.diagnostic_id
         left join action ac on ac.id = doc.action_id
         left join plan p on p.id = ac.plan_id
         left join account a on a.id = doc.uploaded_by
         where coalesce(d.maison_id, p.maison_id) = $1
         order by doc.diagnostic_id is null, d.reference_year, d.id, p.start_year, p.id, ac.number,
                  doc.uploaded_at, doc.id",
    )
    .bind(maison_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                owner_kind,
                owner_id,
                owner,
                filename,
                content_type,
                size_bytes,
                uploaded_by,
                uploaded_at,
                sha256,
            )| Document {
                id,
                owner_kind,
                owner_id,
                owner,
                filename,
                content_type,
                size_bytes,
                uploaded_by,
                uploaded_at,
                sha256,
            },
        )
        .collect())
}

/// The list of the documents, as the export's « Documents » table.
pub(super) fn table(documents: &[Document]) -> Table {
    let mut table = Table::new(
        "Documents",
        &[
            "N°",
            "Rattaché à",
            "N° de l'objet",
            "Intitulé",
            "Nom du fichier",
            "Type",
            "Taille (octets)",
            "Déposé par",
            "Déposé le",
            "Fichier dans l'archive",
            "Empreinte SHA-256",
        ],
    );
    for d in documents {
        table.rows.push(vec![
            Cell::Int(d.id),
            Cell::text(if d.owner_kind == "diagnostic" {
                "Diagnostic"
            } else {
                "Fiche action"
            }),
            Cell::Int(d.owner_id),
            Cell::text(&d.owner),
            Cell::text(&d.filename),
            Cell::text(&d.content_type),
            Cell::Int(d.size_bytes.into()),
            d.uploaded_by
                .as_deref()
                .map(Cell::text)
                .unwrap_or(Cell::Empty),
            Cell::text(moment(d.uploaded_at)),
            Cell::text(d.archive_path()),
            Cell::text(&d.sha256),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths_are_safe_and_distinct() {
        let doc = |id, filename: &str| Document {
            id,
            owner_kind: "diagnostic".into(),
            owner_id: 7,
            owner: String::new(),
            filename: filename.into(),
            content_type: String::new(),
            size_bytes: 1,
            uploaded_by: None,
            uploaded_at: Utc::now(),
            sha256: String::new(),
        };
        assert_eq!(
            doc(3, "étude « emplois verts ».pdf").archive_path(),
            "documents/diagnostic-7/3-étude « emplois verts ».pdf"
        );
        assert_eq!(
            doc(4, "../../etc/passwd").archive_path(),
            "documents/diagnostic-7/4-_.._etc_passwd"
        );
        assert_eq!(
            doc(5, "..").archive_path(),
            "documents/diagnostic-7/5-document"
        );
        assert_eq!(
            doc(6, "a\\b:c\u{7}.txt").archive_path(),
            "documents/diagnostic-7/6-a_b_c_.txt"
        );
        let proof = Document {
            owner_kind: "action".into(),
            owner_id: 9,
            ..doc(8, "émargement.pdf")
        };
        assert_eq!(proof.archive_path(), "documents/action-9/8-émargement.pdf");
    }
}
