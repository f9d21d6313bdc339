//! `mde export --maison ID [--output FILE]`: a Maison's whole data as one zip, so that a Maison can leave the
//! portal or archive its work. Inside: one CSV per table (through the portal's one CSV writer, for French
//! Excel), the same tables as the sheets of one XLSX workbook, the documents' bytes, and a README saying what
//! each file is.
//!
//! Everything is read in one `repeatable read` transaction (one snapshot: a file never holds half of a
//! write made meanwhile), the zip is written beside its destination and renamed once complete, and the
//! export is recorded in the Maison's journal (who ran it on the machine, what the file holds) when the
//! file is there.

mod cells;
mod documents;
mod labels;
mod readme;
mod tables;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Europe::Paris;
use sqlx::PgConnection;
use zip::write::SimpleFileOptions;

use crate::audit::{self, Event};
use crate::web::export;
use documents::{DOCUMENTS_ABOUT, DOCUMENTS_FILE};
use tables::SPECS;

/// What the command printed and journalled: the archive's path and what it holds.
pub struct Summary {
    pub path: PathBuf,
    pub files: usize,
    pub documents: usize,
}

pub async fn run(url: &str, maison_id: i64, output: Option<PathBuf>) -> anyhow::Result<()> {
    let pool = crate::db::prepare(url, 2).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read")
        .execute(&mut *tx)
        .await?;
    let name: Option<String> = sqlx::query_scalar("select name from maison where id = $1")
        .bind(maison_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(name) = name else {
        bail!(
            "aucune Maison n'a le numéro {maison_id} (le numéro est celui de l'adresse \
             /maisons/NUMÉRO de sa fiche) / no such Maison"
        );
    };
    let now = Utc::now();
    let path = output.unwrap_or_else(|| {
        PathBuf::from(format!(
            "export-maison-{maison_id}-{}.zip",
            now.with_timezone(&Paris).format("%Y%m%d-%H%M")
        ))
    });
    let partial = partial_path(&path);
    let written = write_archive(&mut tx, maison_id, &name, now, &partial).await;
    let summary = match written {
        Ok((files, documents)) => {
            std::fs::rename(&partial, &path)
                .with_context(|| format!("impossible de nommer l'archive {}", path.display()))?;
            Summary {
                path,
                files,
                documents,
            }
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    journal(&mut tx, maison_id, &summary).await?;
    if let Err(e) = tx.commit().await {
        let _ = std::fs::remove_file(&summary.path);
        return Err(e).context("l'export n'a pas pu être inscrit au journal ; archive supprimée");
    }
    println!("{}", summary.path.display());
    eprintln!(
        "Archive des données de « {name} » : {} fichiers, dont {} document(s) ; l'export est inscrit au \
         journal de la Maison.",
        summary.files, summary.documents
    );
    Ok(())
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "export.zip".into());
    name.push(".partiel");
    path.with_file_name(name)
}

/// Records the export in the Maison's journal: who ran it on the machine and what the file holds.
async fn journal(conn: &mut PgConnection, maison_id: i64, summary: &Summary) -> anyhow::Result<()> {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "inconnu".into());
    audit::record(
        &mut *conn,
        Event {
            actor: None,
            maison_id: Some(maison_id),
            object_type: "maison",
            object_id: maison_id,
            action: "export",
            summary: format!(
                "Export complet des données de la Maison en ligne de commande (mde export, utilisateur \
                 système « {who} ») : {} fichiers dont {} document(s)",
                summary.files, summary.documents
            ),
            changes: vec![],
        },
    )
    .await?;
    Ok(())
}

/// The zip entries' options, dated `now` in Europe/Paris: deflated, and stored (for the XLSX, already
/// compressed).
fn zip_options(now: DateTime<Utc>) -> (SimpleFileOptions, SimpleFileOptions) {
    let local = now.with_timezone(&Paris);
    let stamp = zip::DateTime::from_date_and_time(
        local.year().clamp(1980, 2107) as u16,
        local.month() as u8,
        local.day() as u8,
        local.hour() as u8,
        local.minute() as u8,
        local.second().min(59) as u8,
    )
    .unwrap_or_default();
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(stamp);
    (
        deflated,
        deflated.compression_method(zip::CompressionMethod::Stored),
    )
}

/// Writes the archive to `path`; returns how many files it holds and how many of them are documents.
async fn write_archive(
    conn: &mut PgConnection,
    maison_id: i64,
    name: &str,
    now: DateTime<Utc>,
    path: &Path,
) -> anyhow::Result<(usize, usize)> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("impossible d'écrire {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let (deflated, stored) = zip_options(now);

    let mut tables = Vec::with_capacity(SPECS.len() + 1);
    let mut readme_lines = Vec::new();
    for spec in SPECS {
        let table = cells::read_table(conn, spec, maison_id).await?;
        readme_lines.push((spec.file, spec.about, table.rows.len()));
        tables.push(table);
    }
    let documents = documents::documents(conn, maison_id).await?;
    readme_lines.insert(9, (DOCUMENTS_FILE, DOCUMENTS_ABOUT, documents.len()));
    tables.insert(9, documents::table(&documents));

    let files: Vec<&str> = readme_lines.iter().map(|(f, _, _)| *f).collect();
    zip.start_file("LISEZMOI.txt", deflated)?;
    let readme = readme::readme(name, maison_id, now, &readme_lines, documents.len());
    zip.write_all(readme.as_bytes())?;
    for (table, file) in tables.iter().zip(&files) {
        zip.start_file(format!("csv/{file}.csv"), deflated)?;
        zip.write_all(&table.to_csv().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    }
    zip.start_file(format!("maison-{maison_id}.xlsx"), stored)?;
    zip.write_all(&export::workbook(&tables).map_err(|e| anyhow::anyhow!("{e}"))?)?;
    // The bytes one at a time: a Maison's documents may weigh hundreds of megabytes together.
    for d in &documents {
        let data: Vec<u8> = sqlx::query_scalar("select data from document where id = $1")
            .bind(d.id)
            .fetch_one(&mut *conn)
            .await?;
        zip.start_file(d.archive_path(), deflated)?;
        zip.write_all(&data)?;
    }
    let mut out = zip.finish()?;
    out.flush()?;
    out.get_ref().sync_all()?;
    Ok((files.len() + 2 + documents.len(), documents.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_and_files_are_distinct() {
        let mut sheets: Vec<&str> = SPECS.iter().map(|s| s.sheet).collect();
        let mut files: Vec<&str> = SPECS.iter().map(|s| s.file).collect();
        sheets.push("Documents");
        files.push(DOCUMENTS_FILE);
        for list in [&mut sheets, &mut files] {
            let n = list.len();
            list.sort();
            list.dedup();
            assert_eq!(list.len(), n);
        }
        assert!(SPECS.iter().all(|s| s.sheet.chars().count() <= 31));
        assert_eq!(
            SPECS[8].file, "valeurs-indicateurs",
            "documents come after the values"
        );
    }
}
