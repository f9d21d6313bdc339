//! `mde export --maison ID [--output FILE]`: a Maison's whole data as one zip, so that a Maison can leave the
//! portal or archive its work. Inside: one CSV per table (through the portal's one CSV writer, for French
//! Excel), the same tables as the sheets of one XLSX workbook, the documents' bytes, and a README saying what
//! each file is.
//!
//! Everything is read in one `repeatable read` transaction (one snapshot: a file never holds half of a
//! write made meanwhile), the zip is written beside its destination and renamed once complete, and the
//! export is recorded in the Maison's journal (who ran it on the machine, what the file holds) when the
//! file is there.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Paris;
use sqlx::postgres::PgRow;
use sqlx::{Column, PgConnection, Row, TypeInfo};
use zip::write::SimpleFileOptions;

use crate::audit::{self, Event};
use crate::domain::diagnostic::CommentStatus;
use crate::domain::{labels, partnership};
use crate::web::export::{self, Cell, Table};
use crate::web::format;

/// One table of the export: its file name (without extension), its sheet and its README line, and the
/// statement that reads it (`$1` is the Maison's id). Column names are the French headers; a header
/// ending in « (€) » over a `bigint` is an amount in cents. `labels` turns the codes of a column into
/// their French labels.
struct Spec {
    file: &'static str,
    sheet: &'static str,
    about: &'static str,
    sql: &'static str,
    labels: Labels,
}

/// For some headers, the function giving the French label of a code.
type Labels = &'static [(&'static str, fn(&str) -> String)];

const SPECS: &[Spec] = &[
    Spec {
        file: "maison",
        sheet: "Maison",
        about: "l'identité de la Maison : forme juridique, adresse, contacts, gouvernance, convention, \
                démarche Grenelle et phase actuelle",
        sql: r#"select m.id as "N°", m.name as "Nom", m.legal_form as "Forme juridique",
                       r.name as "Région", d.name as "Département", m.address as "Adresse",
                       m.postal_code as "Code postal", m.city as "Commune", m.website as "Site web",
                       m.email as "Courriel", m.phone as "Téléphone", m.president as "Président ou présidente",
                       m.director as "Directeur ou directrice", m.convention_date as "Date de la convention",
                       m.conventionnee as "Conventionnée", m.grenelle_year as "Année d'entrée Grenelle",
                       m.grenelle_pilot as "Pilote Grenelle", ph.phase as "Phase",
                       m.created_at as "Créée le", m.updated_at as "Modifiée le"
                from maison m
                join region r on r.code = m.region_code
                join departement d on d.code = m.departement_code
                left join maison_phase ph on ph.maison_id = m.id
                where m.id = $1"#,
        labels: &[("Forme juridique", legal_form), ("Phase", phase)],
    },
    Spec {
        file: "territoire",
        sheet: "Territoire",
        about: "le territoire : les intercommunalités (EPCI) couvertes, avec leur population",
        sql: r#"select e.siren as "SIREN", e.name as "Intercommunalité (EPCI)", e.kind as "Nature",
                       e.population as "Population", e.commune_count as "Communes",
                       array_to_string(e.departement_codes, ', ') as "Départements"
                from maison_epci me join epci e on e.siren = me.epci_siren
                where me.maison_id = $1
                order by e.name, e.siren"#,
        labels: &[],
    },
    Spec {
        file: "partenariats",
        sheet: "Partenariats",
        about: "les partenariats : une ligne par organisation partenaire, ses rôles dans la Maison et ses \
                coordonnées",
        sql: r#"select p.id as "N° du partenariat", o.id as "N° de l'organisation", o.name as "Organisation",
                       t.name as "Type d'organisation", o.siret as "SIRET", p.roles as "Rôles",
                       p.since as "Partenaire depuis", p.note as "Note", o.address as "Adresse",
                       o.website as "Site web", o.email as "Courriel", o.phone as "Téléphone",
                       p.created_at as "Créé le", p.updated_at as "Modifié le"
                from partnership p
                join organisation o on o.id = p.organisation_id
                join partner_type t on t.code = o.type_code
                where p.maison_id = $1
                order by o.name, p.id"#,
        labels: &[],
    },
    Spec {
        file: "contacts",
        sheet: "Contacts",
        about: "les personnes à contacter chez chaque partenaire",
        sql: r#"select c.id as "N°", p.id as "N° du partenariat", o.name as "Organisation", c.name as "Nom",
                       c.job_title as "Fonction", c.email as "Courriel", c.phone as "Téléphone",
                       c.created_at as "Ajouté le"
                from partnership_contact c
                join partnership p on p.id = c.partnership_id
                join organisation o on o.id = p.organisation_id
                where p.maison_id = $1
                order by o.name, c.name, c.id"#,
        labels: &[],
    },
    Spec {
        file: "personnes",
        sheet: "Personnes",
        about: "les comptes de l'équipe de la Maison sur le portail (ni mot de passe ni lien de connexion)",
        sql: r#"select a.id as "N°", a.name as "Nom", a.email as "Courriel",
                       a.responsable as "Responsable des comptes", a.active as "Actif",
                       a.password_hash is not null as "Mot de passe choisi",
                       a.last_login_at as "Dernière connexion", a.created_at as "Créé le"
                from account a
                where a.maison_id = $1
                order by a.name, a.id"#,
        labels: &[],
    },
    Spec {
        file: "diagnostics",
        sheet: "Diagnostics",
        about: "les diagnostics territoriaux : statut, filières étudiées, organisations avec lesquelles \
                ils sont partagés, validation",
        sql: r#"select d.id as "N°", d.title as "Titre", d.reference_year as "Année de référence",
                       d.status as "Statut", d.previous_id as "Nouvelle version du n°",
                       (select string_agg(s.name, ', ' order by s.position)
                        from diagnostic_sector ds join sector s on s.code = ds.sector_code
                        where ds.diagnostic_id = d.id) as "Filières",
                       (select string_agg(o.name, ', ' order by o.name)
                        from diagnostic_share sh join organisation o on o.id = sh.organisation_id
                        where sh.diagnostic_id = d.id) as "Partagé avec",
                       d.validated_on as "Validé le", d.copil_decision as "Décision du comité de pilotage",
                       a.name as "Créé par", d.created_at as "Créé le", d.updated_at as "Modifié le"
                from diagnostic d left join account a on a.id = d.created_by
                where d.maison_id = $1
                order by d.reference_year, d.id"#,
        labels: &[("Statut", diagnostic_status)],
    },
    Spec {
        file: "sections",
        sheet: "Sections",
        about: "le texte des diagnostics, section par section (en Markdown)",
        sql: r#"select s.id as "N°", s.diagnostic_id as "N° du diagnostic", d.title as "Diagnostic",
                       s.position as "Ordre", s.kind as "Type", s.title as "Titre",
                       s.body as "Texte (Markdown)", s.revision as "Révision", a.name as "Modifiée par",
                       s.updated_at as "Modifiée le"
                from diagnostic_section s
                join diagnostic d on d.id = s.diagnostic_id
                left join account a on a.id = s.updated_by
                where d.maison_id = $1
                order by d.reference_year, d.id, s.position, s.id"#,
        labels: &[("Type", section_kind)],
    },
    Spec {
        file: "commentaires",
        sheet: "Commentaires",
        about: "les commentaires des partenaires et de l'équipe sur les diagnostics, avec les réponses de \
                la Maison (l'état d'un fil est celui de son premier commentaire)",
        sql: r#"select c.id as "N°", c.diagnostic_id as "N° du diagnostic", s.title as "Section",
                       c.parent_id as "En réponse au n°", au.name as "Auteur",
                       o.name as "Organisation de l'auteur", c.body as "Commentaire",
                       case when c.parent_id is null then c.status end as "État du fil",
                       c.answer as "Réponse de la Maison", an.name as "Réponse par",
                       c.answered_at as "Réponse le", c.created_at as "Écrit le", c.edited_at as "Modifié le",
                       c.hidden_at as "Masqué le", hb.name as "Masqué par"
                from comment c
                join diagnostic d on d.id = c.diagnostic_id
                left join diagnostic_section s on s.id = c.section_id
                join account au on au.id = c.author_id
                left join organisation o on o.id = au.organisation_id
                left join account an on an.id = c.answered_by
                left join account hb on hb.id = c.hidden_by
                where d.maison_id = $1 and c.deleted_at is null
                order by c.diagnostic_id, c.created_at, c.id"#,
        labels: &[("État du fil", comment_status)],
    },
    Spec {
        file: "valeurs-indicateurs",
        sheet: "Valeurs d'indicateurs",
        about: "les valeurs des indicateurs relevées dans les diagnostics, avec leur source et leur point \
                de comparaison",
        sql: r#"select v.id as "N°", v.diagnostic_id as "N° du diagnostic", i.code as "Code",
                       i.label as "Indicateur", i.theme as "Thème", i.unit as "Unité", v.value as "Valeur",
                       v.year as "Année", v.territory as "Territoire", v.source as "Source",
                       v.comparison_level as "Niveau de comparaison",
                       v.comparison_value as "Valeur de comparaison", v.updated_at as "Modifiée le"
                from indicator_value v
                join diagnostic d on d.id = v.diagnostic_id
                join indicator i on i.id = v.indicator_id
                where d.maison_id = $1
                order by v.diagnostic_id, i.theme, i.label, v.year, v.id"#,
        labels: &[("Niveau de comparaison", comparison_level)],
    },
    Spec {
        file: "plans",
        sheet: "Plans",
        about: "les plans d'actions Grenelle : période, statut, diagnostic dont ils découlent, révision et \
                évaluation",
        sql: r#"select p.id as "N°", p.title as "Titre", p.start_year as "Première année",
                       p.end_year as "Dernière année", p.charter as "Cahier des charges", p.status as "Statut",
                       p.diagnostic_id as "N° du diagnostic", dg.title as "Diagnostic",
                       p.previous_id as "Nouvelle version du n°", p.revision_reason as "Motif de la révision",
                       p.evaluation as "Évaluation", a.name as "Créé par", p.created_at as "Créé le",
                       p.updated_at as "Modifié le"
                from plan p
                left join diagnostic dg on dg.id = p.diagnostic_id
                left join account a on a.id = p.created_by
                where p.maison_id = $1
                order by p.start_year, p.id"#,
        labels: &[("Statut", plan_status)],
    },
    Spec {
        file: "decisions-copil",
        sheet: "Décisions du copil",
        about: "les décisions du comité de pilotage sur les plans",
        sql: r#"select c.id as "N°", c.plan_id as "N° du plan", p.title as "Plan",
                       c.decided_on as "Date de la décision", c.decision as "Décision",
                       c.members_present as "Membres présents", c.minutes as "Compte rendu",
                       a.name as "Enregistrée par", c.recorded_at as "Enregistrée le"
                from copil_decision c
                join plan p on p.id = c.plan_id
                left join account a on a.id = c.recorded_by
                where p.maison_id = $1
                order by c.plan_id, c.decided_on, c.id"#,
        labels: &[("Décision", copil_decision)],
    },
    Spec {
        file: "avis-reseau",
        sheet: "Avis du réseau",
        about: "les avis de l'Alliance Villes Emploi sur les plans",
        sql: r#"select r.id as "N°", r.plan_id as "N° du plan", p.title as "Plan", r.opinion as "Avis",
                       r.remarks as "Remarques", a.name as "Par", r.created_at as "Le"
                from network_review r
                join plan p on p.id = r.plan_id
                left join account a on a.id = r.account_id
                where p.maison_id = $1
                order by r.plan_id, r.created_at, r.id"#,
        labels: &[("Avis", opinion)],
    },
    Spec {
        file: "fiches-actions",
        sheet: "Fiches actions",
        about: "les fiches actions des plans, champ par champ (axe, filière, pilote, partenaires, \
                calendrier, statut, avancement)",
        sql: r#"select ac.id as "N°", ac.plan_id as "N° du plan", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Intitulé", ax.number as "Axe",
                       ax.short_title as "Intitulé de l'axe", s.name as "Filière",
                       ac.objectives as "Objectifs", ac.description as "Description",
                       ac.target_public as "Public visé", ac.expected_results as "Résultats attendus",
                       ac.pilot_maison as "Pilotée par la Maison",
                       case when ac.pilot_maison then pm.name else po.name end as "Pilote",
                       ra.name as "Référent", coalesce(pra.name, pc.name) as "Référent chez le pilote",
                       (select string_agg(o.name || case when ap.role <> '' then ' (' || ap.role || ')' else '' end,
                                          ', ' order by o.name)
                        from action_partner ap join organisation o on o.id = ap.organisation_id
                        where ap.action_id = ac.id) as "Partenaires",
                       ac.start_date as "Date de début", ac.end_date as "Date de fin",
                       ac.priority as "Priorité", ac.status as "Statut", ac.progress as "Avancement (%)",
                       ac.abandon_reason as "Motif d'abandon", ac.created_at as "Créée le",
                       ac.updated_at as "Modifiée le"
                from action ac
                join plan p on p.id = ac.plan_id
                join maison pm on pm.id = p.maison_id
                join axis ax on ax.id = ac.axis_id
                left join sector s on s.code = ac.sector_code
                left join organisation po on po.id = ac.pilot_organisation_id
                left join account ra on ra.id = ac.referent_account_id
                left join account pra on pra.id = ac.pilot_referent_account_id
                left join partnership_contact pc on pc.id = ac.pilot_contact_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number"#,
        labels: &[("Priorité", priority), ("Statut", action_status)],
    },
    Spec {
        file: "financements",
        sheet: "Financements",
        about: "le budget des fiches actions : une ligne par financement, acquis ou sollicité",
        sql: r#"select f.id as "N°", ac.id as "N° de la fiche (identifiant)", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Fiche", f.funder as "Financeur",
                       f.organisation_id as "N° de l'organisation du financeur",
                       o.name as "Organisation du financeur", f.amount_cents as "Montant (€)",
                       f.state as "État"
                from action_funding f
                join action ac on ac.id = f.action_id
                join plan p on p.id = ac.plan_id
                left join organisation o on o.id = f.organisation_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number, f.position, f.id"#,
        labels: &[("État", funding_state)],
    },
    Spec {
        file: "indicateurs-fiches",
        sheet: "Indicateurs des fiches",
        about: "les indicateurs de suivi des fiches actions : cible et réalisé",
        sql: r#"select i.id as "N°", ac.id as "N° de la fiche (identifiant)", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Fiche",
                       coalesce(c.label, i.label) as "Indicateur", coalesce(c.unit, i.unit) as "Unité",
                       c.code as "Code du catalogue", i.target as "Cible", i.achieved as "Réalisé",
                       i.year as "Année"
                from action_indicator i
                join action ac on ac.id = i.action_id
                join plan p on p.id = ac.plan_id
                left join indicator c on c.id = i.indicator_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number, i.position, i.id"#,
        labels: &[],
    },
    Spec {
        file: "suivi-fiches",
        sheet: "Suivi des fiches",
        about: "les notes de suivi des fiches actions",
        sql: r#"select n.id as "N°", ac.id as "N° de la fiche (identifiant)", p.title as "Plan",
                       ac.number as "N° de la fiche", ac.title as "Fiche", n.noted_on as "Date",
                       a.name as "Auteur", n.body as "Note", n.progress as "Avancement (%)",
                       n.created_at as "Écrite le"
                from action_note n
                join action ac on ac.id = n.action_id
                join plan p on p.id = ac.plan_id
                left join account a on a.id = n.author_id
                where p.maison_id = $1
                order by p.start_year, p.id, ac.number, n.noted_on, n.id"#,
        labels: &[],
    },
    Spec {
        file: "etapes",
        sheet: "Étapes",
        about: "les changements de statut des diagnostics, des plans et des fiches actions (qui, quand, \
                de quel statut à quel autre)",
        sql: r#"select t.at as "Date", t.object_type as "Objet", t.object_id as "N° de l'objet",
                       coalesce(d.title, p.title, ac.title) as "Intitulé",
                       t.object_type || ':' || coalesce(t.from_status, '') as "Statut avant",
                       t.object_type || ':' || t.to_status as "Statut après", a.name as "Par",
                       t.comment as "Commentaire"
                from transition t
                left join diagnostic d on t.object_type = 'diagnostic' and d.id = t.object_id
                left join plan p on t.object_type = 'plan' and p.id = t.object_id
                left join action ac on t.object_type = 'action' and ac.id = t.object_id
                left join plan ap on ap.id = ac.plan_id
                left join account a on a.id = t.account_id
                where coalesce(d.maison_id, p.maison_id, ap.maison_id) = $1
                order by t.at, t.id"#,
        labels: &[
            ("Objet", object_type),
            ("Statut avant", transition_status),
            ("Statut après", transition_status),
        ],
    },
    Spec {
        file: "journal",
        sheet: "Journal",
        about: "le journal de la Maison : chaque écriture qui la concerne, qui l'a faite, quand, et ce qui \
                a changé",
        sql: r#"select e.id as "N°", e.at as "Date",
                       coalesce(a.name, 'aucun compte (système ou ligne de commande)') as "Par",
                       a.email as "Courriel", e.object_type as "Objet", e.object_id as "N° de l'objet",
                       e.summary as "Résumé",
                       event_changes_shown(e.changes) as "Modifications"
                from event e left join account a on a.id = e.account_id
                where e.maison_id = $1
                order by e.at, e.id"#,
        labels: &[("Objet", object_type), ("Modifications", changes)],
    },
];

const DOCUMENTS_FILE: &str = "documents";
const DOCUMENTS_ABOUT: &str = "la liste des documents joints aux diagnostics, avec le chemin de chacun \
                               dans cette archive et son empreinte SHA-256";

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
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "inconnu".into());
    audit::record(
        &mut *tx,
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
    let stored = deflated.compression_method(zip::CompressionMethod::Stored);

    let mut tables = Vec::with_capacity(SPECS.len() + 1);
    let mut readme_lines = Vec::new();
    for spec in SPECS {
        let table = read_table(conn, spec, maison_id).await?;
        readme_lines.push((spec.file, spec.about, table.rows.len()));
        tables.push(table);
    }
    let documents = documents(conn, maison_id).await?;
    let mut docs_table = Table::new(
        "Documents",
        &[
            "N°",
            "N° du diagnostic",
            "Diagnostic",
            "Nom du fichier",
            "Type",
            "Taille (octets)",
            "Déposé par",
            "Déposé le",
            "Fichier dans l'archive",
            "Empreinte SHA-256",
        ],
    );
    for d in &documents {
        docs_table.rows.push(vec![
            Cell::Int(d.id),
            Cell::Int(d.diagnostic_id),
            Cell::text(&d.diagnostic),
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
    readme_lines.insert(9, (DOCUMENTS_FILE, DOCUMENTS_ABOUT, documents.len()));
    tables.insert(9, docs_table);

    let files: Vec<&str> = readme_lines.iter().map(|(f, _, _)| *f).collect();
    zip.start_file("LISEZMOI.txt", deflated)?;
    zip.write_all(readme(name, maison_id, now, &readme_lines, documents.len()).as_bytes())?;
    for (table, file) in tables.iter().zip(&files) {
        zip.start_file(format!("csv/{file}.csv"), deflated)?;
        zip.write_all(&table.to_csv().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    }
    zip.start_file(format!("maison-{maison_id}.xlsx"), stored)?;
    zip.write_all(&export::workbook(&tables).map_err(|e| anyhow::anyhow!("{e}"))?)?;
    // The bytes one at a time: a Maison's documents may weigh hundreds of megabytes together.
    for d in &documents {
        let data: Vec<u8> =
            sqlx::query_scalar("select data from diagnostic_document where id = $1")
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

async fn read_table(conn: &mut PgConnection, spec: &Spec, maison_id: i64) -> anyhow::Result<Table> {
    let rows: Vec<PgRow> = sqlx::query(spec.sql)
        .bind(maison_id)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("lecture de {}", spec.file))?;
    // The headers come from the statement even when it gives no row.
    let described = sqlx::Executor::describe(&mut *conn, spec.sql).await?;
    let headers: Vec<&str> = described.columns().iter().map(|c| c.name()).collect();
    let mut table = Table::new(spec.sheet, &headers);
    for row in &rows {
        let mut cells = Vec::with_capacity(headers.len());
        for (i, header) in headers.iter().enumerate() {
            let cell = cell(row, i, header).with_context(|| format!("{} : {header}", spec.file))?;
            let cell = match (spec.labels.iter().find(|(h, _)| h == header), cell) {
                (Some((_, label)), Cell::Text(code)) => Cell::Text(label(&code)),
                (_, cell) => cell,
            };
            cells.push(cell);
        }
        table.rows.push(cells);
    }
    Ok(table)
}

/// A column of the row as a typed cell: numbers stay numbers, dates are French (`27/11/2026`, moments in
/// Europe/Paris `27/11/2026 18:05`), booleans « oui » / « non », lists joined by commas.
fn cell(row: &PgRow, i: usize, header: &str) -> anyhow::Result<Cell> {
    let kind = row.column(i).type_info().name().to_owned();
    let cell = match kind.as_str() {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => text(row.try_get::<Option<String>, _>(i)?),
        "INT2" => int(row.try_get::<Option<i16>, _>(i)?.map(i64::from)),
        "INT4" => int(row.try_get::<Option<i32>, _>(i)?.map(i64::from)),
        "INT8" if header.ends_with("(€)") => row
            .try_get::<Option<i64>, _>(i)?
            .map(Cell::Money)
            .unwrap_or(Cell::Empty),
        "INT8" => int(row.try_get::<Option<i64>, _>(i)?),
        "FLOAT4" => Cell::opt_decimal(row.try_get::<Option<f32>, _>(i)?.map(f64::from)),
        "FLOAT8" => Cell::opt_decimal(row.try_get::<Option<f64>, _>(i)?),
        "BOOL" => text(
            row.try_get::<Option<bool>, _>(i)?
                .map(|b| if b { "oui" } else { "non" }.to_owned()),
        ),
        "DATE" => Cell::opt_date(row.try_get::<Option<NaiveDate>, _>(i)?),
        "TIMESTAMPTZ" => text(row.try_get::<Option<DateTime<Utc>>, _>(i)?.map(moment)),
        "TEXT[]" => {
            let codes = row
                .try_get::<Option<Vec<String>>, _>(i)?
                .unwrap_or_default();
            Cell::Text(partnership::roles_label(&codes))
        }
        "JSONB" | "JSON" => text(
            row.try_get::<Option<serde_json::Value>, _>(i)?
                .map(|v| v.to_string()),
        ),
        other => bail!("type de colonne non prévu : {other}"),
    };
    Ok(cell)
}

fn text(s: Option<String>) -> Cell {
    s.map(Cell::Text).unwrap_or(Cell::Empty)
}

fn int(n: Option<i64>) -> Cell {
    n.map(Cell::Int).unwrap_or(Cell::Empty)
}

/// A moment as spreadsheets read it: `27/11/2026 18:05`, in Europe/Paris.
fn moment(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Paris);
    format!(
        "{} {:02}:{:02}",
        format::date(l.date_naive()),
        l.hour(),
        l.minute()
    )
}

struct Document {
    id: i64,
    diagnostic_id: i64,
    diagnostic: String,
    filename: String,
    content_type: String,
    size_bytes: i32,
    uploaded_by: Option<String>,
    uploaded_at: DateTime<Utc>,
    sha256: String,
}

impl Document {
    /// `documents/diagnostic-12/34-etude.pdf`: the id keeps two documents of the same name apart, and the
    /// name keeps only what every file system accepts.
    fn archive_path(&self) -> String {
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
            "documents/diagnostic-{}/{}-{cleaned}",
            self.diagnostic_id, self.id
        )
    }
}

async fn documents(conn: &mut PgConnection, maison_id: i64) -> anyhow::Result<Vec<Document>> {
    type Row = (
        i64,
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
        "select doc.id, doc.diagnostic_id, d.title, doc.filename, doc.content_type, doc.size_bytes,
                a.name, doc.uploaded_at, encode(sha256(doc.data), 'hex')
         from diagnostic_document doc
         join diagnostic d on d.id = doc.diagnostic_id
         left join account a on a.id = doc.uploaded_by
         where d.maison_id = $1
         order by d.reference_year, d.id, doc.uploaded_at, doc.id",
    )
    .bind(maison_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                diagnostic_id,
                diagnostic,
                filename,
                content_type,
                size_bytes,
                uploaded_by,
                uploaded_at,
                sha256,
            )| Document {
                id,
                diagnostic_id,
                diagnostic,
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

/// The archive's LISEZMOI.txt: what the archive is, then one line per file.
fn readme(
    name: &str,
    maison_id: i64,
    now: DateTime<Utc>,
    tables: &[(&str, &str, usize)],
    documents: usize,
) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Données de la Maison « {name} » (n° {maison_id}), exportées du Portail des Maisons de l'Emploi le \
         {} (heure de Paris).\r\n\r\n",
        moment(now)
    ));
    s.push_str(
        "Toutes les tables ont été lues au même instant. Chaque table est là deux fois : en CSV dans le \
         dossier csv/ (UTF-8, séparateur point-virgule, virgule décimale : s'ouvre tel quel dans Excel ou \
         LibreOffice en français ; un texte qui commence par = + - ou @ y est précédé d'une apostrophe pour \
         ne pas être lu comme une formule) et comme une feuille du classeur ",
    );
    s.push_str(&format!(
        "maison-{maison_id}.xlsx (nombres et montants en nombres). Les dates sont au format JJ/MM/AAAA, les \
         heures à l'heure de Paris ; les montants sont en euros ; les colonnes « N° » relient les tables \
         entre elles (par exemple « N° du diagnostic »).\r\n\r\n"
    ));
    s.push_str("Fichiers :\r\n");
    s.push_str("- LISEZMOI.txt : ce fichier.\r\n");
    s.push_str(&format!(
        "- maison-{maison_id}.xlsx : toutes les tables ci-dessous, une feuille par table.\r\n"
    ));
    for (file, about, rows) in tables {
        s.push_str(&format!(
            "- csv/{file}.csv : {about} ({rows} ligne{}).\r\n",
            if *rows > 1 { "s" } else { "" }
        ));
    }
    s.push_str(&format!(
        "- documents/ : les documents joints aux diagnostics ({documents}), tels qu'ils ont été déposés, \
         un dossier par diagnostic (diagnostic-N°) ; chaque nom commence par le numéro du document \
         (voir csv/documents.csv).\r\n\r\n"
    ));
    s.push_str(
        "Ne figurent pas dans l'archive : les mots de passe, les sessions et les liens de connexion, les \
         organisations partenaires au-delà de leurs coordonnées, et les données de référence du réseau \
         (géographie, catalogue des indicateurs, axes du cahier des charges), qui sont communes à toutes les \
         Maisons.\r\n",
    );
    s
}

// French labels of the codes the tables hold.

fn legal_form(code: &str) -> String {
    match code {
        "gip" => "groupement d'intérêt public (GIP)".into(),
        "association" => "association".into(),
        other => other.into(),
    }
}

fn phase(code: &str) -> String {
    labels::phase_label(code).into()
}

fn diagnostic_status(code: &str) -> String {
    labels::diagnostic_status_label(Some(code)).into()
}

fn plan_status(code: &str) -> String {
    labels::plan_status_label(Some(code)).into()
}

fn action_status(code: &str) -> String {
    labels::action_status_label(code).into()
}

fn priority(code: &str) -> String {
    labels::priority_label(code).into()
}

fn section_kind(code: &str) -> String {
    crate::diagnostics::STANDARD_SECTIONS
        .iter()
        .find(|(kind, _)| *kind == code)
        .map(|(_, title)| (*title).to_owned())
        .unwrap_or_else(|| "section libre".into())
}

fn comment_status(code: &str) -> String {
    code.parse::<CommentStatus>()
        .map(|s| s.lowercase().to_owned())
        .unwrap_or_else(|_| code.into())
}

fn comparison_level(code: &str) -> String {
    match code {
        "departement" => "département",
        "region" => "région",
        "france" => "France",
        other => other,
    }
    .into()
}

fn copil_decision(code: &str) -> String {
    match code {
        "valide" => "plan validé",
        "a_reviser" => "plan à réviser",
        other => other,
    }
    .into()
}

fn opinion(code: &str) -> String {
    match code {
        "favorable" => "favorable",
        "reserve" => "réservé",
        other => other,
    }
    .into()
}

fn funding_state(code: &str) -> String {
    match code {
        "acquis" => "acquis",
        "sollicite" => "sollicité",
        other => other,
    }
    .into()
}

fn object_type(code: &str) -> String {
    match code {
        "maison" => "Maison",
        "account" => "compte",
        "action" => "fiche action",
        "comment" => "commentaire",
        "diagnostic" => "diagnostic",
        "indicator" => "indicateur",
        "organisation" => "organisation",
        "partnership" => "partenariat",
        "plan" => "plan",
        other => other,
    }
    .into()
}

/// `plan:valide` → « validé »: a transition's status, read with its object's statuses.
fn transition_status(typed: &str) -> String {
    let (object, code) = typed.split_once(':').unwrap_or(("", typed));
    match (object, code) {
        (_, "") => String::new(),
        ("diagnostic", code) => labels::diagnostic_status_label(Some(code)).into(),
        ("plan", code) => labels::plan_status_label(Some(code)).into(),
        ("action", code) => labels::action_status_label(code).into(),
        (_, code) => code.into(),
    }
}

/// The journal's changes (`[{label, before, after}]`) as one readable text: « Titre : avant → après ; … ».
fn changes(json: &str) -> String {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return json.into();
    };
    let value = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) if o.contains_key("effacee") => {
            "(donnée effacée)".to_owned()
        }
        Some(other) => other.to_string(),
    };
    items
        .iter()
        .map(|c| {
            let label = c
                .get("label")
                .and_then(|l| l.as_str())
                .or_else(|| c.get("field").and_then(|f| f.as_str()))
                .unwrap_or("");
            format!(
                "{label} : {} → {}",
                value(c.get("before")),
                value(c.get("after"))
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_paths_are_safe_and_distinct() {
        let doc = |id, filename: &str| Document {
            id,
            diagnostic_id: 7,
            diagnostic: String::new(),
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
    }

    #[test]
    fn codes_read_as_french() {
        assert_eq!(transition_status("plan:en_oeuvre"), "en mise en œuvre");
        assert_eq!(transition_status("diagnostic:partage"), "partagé");
        assert_eq!(transition_status("action:"), "");
        assert_eq!(
            changes(
                r#"[{"field":"title","label":"Titre","before":"A","after":"B"},{"label":"Date","before":null,"after":3}]"#
            ),
            "Titre : A → B ; Date : — → 3"
        );
        assert_eq!(
            section_kind("afom"),
            "Synthèse AFOM (atouts, faiblesses, opportunités, menaces)"
        );
        assert_eq!(section_kind("libre"), "section libre");
    }

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
