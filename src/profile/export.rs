//! `POST /profil/mes-donnees`: a person downloads what the portal holds about them (RGPD art. 15, right of
//! access, and art. 20, portability): their account, sign-ins and refused sign-ins, comments, follow-up
//! notes, replies under the avis du réseau, notifications, sessions and links (invitation, password
//! reset), requests of reset links, proposals and partnership requests, contact cards, in JSON (one file) or in CSV (a zip of one CSV per kind, through the portal's one CSV writer,
//! with a LISEZMOI.txt). The zip, rather than one CSV: each kind has its own columns, and one table mixing
//! them would be unreadable in a spreadsheet; the same tables become the JSON's arrays, so both formats
//! say the same thing.
//!
//! Each kind is one statement whose column names are the French headers (`$1` is the account), read in
//! one `repeatable read` snapshot; the download is recorded in the account's journal.

use std::io::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use serde::Deserialize;
use serde_json::{Map, Value};
use sqlx::postgres::PgRow;
use sqlx::{Column, PgConnection, Row, TypeInfo};

use crate::audit::{self, Event};
use crate::auth::{CurrentUser, Role};
use crate::domain::diagnostic::CommentStatus;
use crate::domain::notification::{Channel, Topic};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::export::{self, Cell, Table};
use crate::web::{Form, format};

/// One kind of data: its file (and JSON key), what it is (for the LISEZMOI), its statement.
struct Kind {
    file: &'static str,
    about: &'static str,
    sql: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        file: "compte",
        about: "votre compte : nom, adresse e-mail, profil, rattachement, dates (le mot de passe n'est \
                gardé que sous forme d'empreinte, qui n'est pas exportée)",
        sql: r#"select a.id as "N°", a.name as "Nom", a.email as "Adresse e-mail", a.role as "Profil",
                       a.responsable as "Responsable de la Maison",
                       a.referent as "Référent de l'organisation", m.name as "Maison",
                       o.name as "Organisation", a.active as "Actif",
                       a.password_hash is not null as "Mot de passe choisi", a.created_at as "Créé le",
                       a.updated_at as "Modifié le", a.last_login_at as "Dernière connexion",
                       a.inactivity_warned_at as "Averti d'inactivité le",
                       im.name as "Invité par la Maison",
                       a.reviewed_at as "Examiné par l'administration le"
                from account a
                left join maison m on m.id = a.maison_id
                left join organisation o on o.id = a.organisation_id
                left join maison im on im.id = a.invited_by_maison
                where a.id = $1"#,
    },
    Kind {
        file: "connexions",
        about: "vos connexions et déconnexions, telles que le journal du portail les a inscrites",
        sql: r#"select e.at as "Date",
                       case e.action when 'connexion' then 'Connexion' else 'Déconnexion' end as "Événement"
                from event e
                where e.account_id = $1 and e.object_type = 'account' and e.object_id = $1
                  and e.action in ('connexion', 'deconnexion')
                order by e.at, e.id"#,
    },
    Kind {
        file: "connexions-refusees",
        about: "les tentatives de connexion refusées avec votre adresse e-mail (gardées un jour, pour \
                protéger le compte contre les essais de mots de passe)",
        sql: r#"select f.at as "Date", f.ip as "Adresse IP"
                from login_failure f
                where lower(f.email) = (select lower(email) from account where id = $1)
                order by f.at, f.id"#,
    },
    Kind {
        file: "demandes-de-lien",
        about: "les demandes de lien « Mot de passe oublié ? » faites avec votre adresse e-mail (gardées un \
                jour, pour limiter leur nombre)",
        sql: r#"select r.at as "Date", r.ip as "Adresse IP"
                from password_reset_request r
                where r.email = (select lower(email) from account where id = $1)
                order by r.at, r.id"#,
    },
    Kind {
        file: "propositions",
        about: "la proposition d'une Maison de vous inviter, si votre compte en vient, et les propositions \
                de personnes que vous avez faites ou auxquelles vous avez répondu (nom et adresse tels \
                que la Maison les a saisis ; effacées quelque temps après la réponse, voir la page \
                « Données personnelles »)",
        sql: r#"select p.id as "N°",
                       case when p.account_id = $1 then 'Vous êtes la personne proposée'
                            when p.proposed_by = $1 then 'Vous avez proposé la personne'
                            else 'Vous avez répondu' end as "Votre rôle",
                       p.proposed_at as "Proposée le", m.name as "Par la Maison",
                       o.name as "Organisation", p.name as "Nom", p.email as "Adresse e-mail",
                       p.note as "Note",
                       case p.status when 'en_attente' then 'en attente' when 'acceptee' then 'acceptée'
                                     else 'refusée' end as "Suite",
                       p.answered_at as "Réponse le", p.answer as "Motif du refus"
                from account_proposal p
                join maison m on m.id = p.maison_id
                join organisation o on o.id = p.organisation_id
                where p.account_id = $1 or p.proposed_by = $1 or p.answered_by = $1
                order by p.proposed_at, p.id"#,
    },
    Kind {
        file: "demandes-de-partenariat",
        about: "les demandes de partenariat d'une Maison avec une organisation que vous avez faites ou \
                auxquelles vous avez répondu, avec leur note et leur réponse",
        sql: r#"select r.id as "N°",
                       case when r.requested_by = $1 then 'Vous avez fait la demande'
                            else 'Vous avez répondu' end as "Votre rôle",
                       r.requested_at as "Demandée le", m.name as "Maison", o.name as "Organisation",
                       r.note as "Note",
                       case r.status when 'en_attente' then 'en attente' when 'acceptee' then 'acceptée'
                                     when 'refusee' then 'refusée' else 'retirée' end as "Suite",
                       r.answered_at as "Réponse le", r.answer as "Réponse"
                from partnership_request r
                join maison m on m.id = r.maison_id
                join organisation o on o.id = r.organisation_id
                where r.requested_by = $1 or r.answered_by = $1
                order by r.requested_at, r.id"#,
    },
    Kind {
        file: "fiches-contact",
        about: "les fiches de contact d'une organisation partenaire qu'une Maison a remplies avec votre \
                adresse e-mail",
        sql: r#"select c.id as "N°", m.name as "Maison", o.name as "Organisation", c.name as "Nom",
                       c.job_title as "Fonction", c.email as "Adresse e-mail", c.phone as "Téléphone",
                       c.created_at as "Créée le"
                from partnership_contact c
                join partnership pa on pa.id = c.partnership_id
                join maison m on m.id = pa.maison_id
                join organisation o on o.id = pa.organisation_id
                where c.email <> '' and lower(c.email) = (select lower(email) from account where id = $1)
                order by c.created_at, c.id"#,
    },
    Kind {
        file: "commentaires",
        about: "vos commentaires et réponses sur les diagnostics, avec la suite que la Maison leur a \
                donnée (un commentaire que vous avez supprimé figure avec sa date de suppression)",
        sql: r#"select c.id as "N°", c.diagnostic_id as "N° du diagnostic", d.title as "Diagnostic",
                       m.name as "Maison", s.title as "Section", c.parent_id as "En réponse au n°",
                       c.body as "Commentaire",
                       case when c.parent_id is null then c.status end as "État du fil",
                       c.answer as "Réponse de la Maison", c.created_at as "Écrit le",
                       c.edited_at as "Modifié le", c.hidden_at as "Masqué le", c.deleted_at as "Supprimé le"
                from comment c
                join diagnostic d on d.id = c.diagnostic_id
                join maison m on m.id = d.maison_id
                left join diagnostic_section s on s.id = c.section_id
                where c.author_id = $1
                order by c.created_at, c.id"#,
    },
    Kind {
        file: "notes-de-suivi",
        about: "les notes de suivi que vous avez écrites sur les fiches actions des plans",
        sql: r#"select n.id as "N°", ac.id as "N° de la fiche (identifiant)", p.title as "Plan",
                       m.name as "Maison", ac.number as "N° de la fiche", ac.title as "Fiche",
                       n.noted_on as "Date", n.body as "Note", n.progress as "Avancement (%)",
                       n.created_at as "Écrite le"
                from action_note n
                join action ac on ac.id = n.action_id
                join plan p on p.id = ac.plan_id
                join maison m on m.id = p.maison_id
                where n.author_id = $1
                order by n.created_at, n.id"#,
    },
    Kind {
        file: "reponses-aux-avis",
        about: "vos réponses dans les échanges sur les avis du réseau (Alliance Villes Emploi) donnés sur \
                les plans d'actions",
        sql: r#"select x.id as "N°", x.review_id as "N° de l'avis", p.title as "Plan", m.name as "Maison",
                       case x.side when 'maison' then 'Maison' else 'Alliance Villes Emploi' end as "Au nom de",
                       x.body as "Réponse", x.created_at as "Écrite le"
                from network_review_reply x
                join network_review r on r.id = x.review_id
                join plan p on p.id = r.plan_id
                join maison m on m.id = p.maison_id
                where x.account_id = $1
                order by x.created_at, x.id"#,
    },
    Kind {
        file: "notifications",
        about: "les notifications que le portail vous a adressées",
        sql: r#"select n.id as "N°", n.message as "Message", n.link as "Lien", n.created_at as "Reçue le",
                       n.read_at as "Lue le", n.mailed_at as "Envoyée par courriel le"
                from notification n
                where n.account_id = $1
                order by n.created_at, n.id"#,
    },
    Kind {
        file: "preferences-notifications",
        about: "vos choix de notification, sujet par sujet, là où vous avez changé le choix par défaut de \
                votre profil",
        sql: r#"select p.topic as "Sujet", p.channel as "Comment être prévenu(e)",
                       p.updated_at as "Choisi le"
                from notification_preference p
                where p.account_id = $1
                order by p.topic"#,
    },
    Kind {
        file: "recapitulatifs",
        about: "les récapitulatifs de notifications envoyés par courriel (la liste des notifications de chacun \
                est dans « notifications »)",
        sql: r#"select d.id as "N°", d.period as "Récapitulatif", d.period_start as "Période du",
                       d.items as "Notifications", d.sent_at as "Envoyé le"
                from notification_digest d
                where d.account_id = $1
                order by d.sent_at, d.id"#,
    },
    Kind {
        file: "sessions",
        about: "vos sessions ouvertes (le cookie ne contient qu'un numéro aléatoire ; le portail n'en garde \
                que l'empreinte, qui n'est pas exportée)",
        sql: r#"select s.created_at as "Ouverte le", s.last_seen_at as "Dernière activité",
                       s.expires_at as "Expire le", s.user_agent as "Navigateur (User-Agent)"
                from session s
                where s.account_id = $1
                order by s.created_at"#,
    },
    Kind {
        file: "liens",
        about: "les liens d'invitation et de réinitialisation du mot de passe créés pour vous (le lien \
                lui-même n'est pas gardé, seulement son empreinte, qui n'est pas exportée)",
        sql: r#"select case t.purpose when 'invitation' then 'Invitation'
                                      else 'Réinitialisation du mot de passe' end as "Lien",
                       t.created_at as "Créé le", t.expires_at as "Valable jusqu'au",
                       t.used_at as "Utilisé le"
                from account_token t
                where t.account_id = $1
                order by t.created_at, t.id"#,
    },
];

/// Issue 22 will add access tokens; until then there is nothing of the kind to export, and the files say so.
const NO_TOKENS: &str = "Le portail ne délivre pas encore de jetons d'accès (clés d'API) : il n'y a \
                         aucun jeton à exporter. Les liens d'invitation et de réinitialisation figurent \
                         sous « liens ».";

/// One value of the export, before it becomes a CSV cell or a JSON value.
#[derive(Clone, Debug, PartialEq)]
enum Datum {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    Date(NaiveDate),
    At(DateTime<Utc>),
}

impl Datum {
    /// In the CSV: dates as French spreadsheets read them, booleans « oui » / « non ».
    fn cell(&self) -> Cell {
        match self {
            Datum::Null => Cell::Empty,
            Datum::Text(s) => Cell::text(s.clone()),
            Datum::Int(n) => Cell::Int(*n),
            Datum::Bool(b) => Cell::text(if *b { "oui" } else { "non" }),
            Datum::Date(d) => Cell::Date(*d),
            Datum::At(t) => {
                Cell::text(t.with_timezone(&Paris).format("%d/%m/%Y %H:%M").to_string())
            }
        }
    }

    /// In the JSON: numbers and booleans as such, moments in ISO 8601 (Europe/Paris).
    fn json(&self) -> Value {
        match self {
            Datum::Null => Value::Null,
            Datum::Text(s) => Value::String(s.clone()),
            Datum::Int(n) => Value::from(*n),
            Datum::Bool(b) => Value::Bool(*b),
            Datum::Date(d) => Value::String(d.format("%Y-%m-%d").to_string()),
            Datum::At(t) => Value::String(
                t.with_timezone(&Paris)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            ),
        }
    }
}

/// What the statement of one kind gave: the same rows become a CSV file (through the kit's [`Table`]) and a
/// JSON array.
struct Data {
    kind: &'static Kind,
    headers: Vec<String>,
    rows: Vec<Vec<Datum>>,
}

impl Data {
    fn table(&self) -> Table {
        Table {
            name: self.kind.file.to_owned(),
            headers: self.headers.clone(),
            rows: self
                .rows
                .iter()
                .map(|r| r.iter().map(Datum::cell).collect())
                .collect(),
        }
    }
}

/// A thread's state, as the comment pages say it inside a sentence (« pris en compte »).
fn comment_status(code: &str) -> anyhow::Result<String> {
    let status: CommentStatus = code
        .parse()
        .map_err(|_| anyhow::anyhow!("état de commentaire inconnu : {code}"))?;
    Ok(status.lowercase().to_owned())
}

/// A stored code's French label (a notification topic, a channel).
fn label_of<T: std::str::FromStr + std::fmt::Display>(code: &str) -> anyhow::Result<String> {
    code.parse::<T>()
        .map(|t| t.to_string())
        .map_err(|_| anyhow::anyhow!("code inconnu : {code}"))
}

fn datum(row: &PgRow, i: usize, header: &str) -> anyhow::Result<Datum> {
    let kind = row.column(i).type_info().name().to_owned();
    let d = match kind.as_str() {
        "TEXT" | "VARCHAR" => match (header, row.try_get::<Option<String>, _>(i)?) {
            ("Profil", Some(s)) => Some(Datum::Text(
                Role::parse(&s).map(Role::label).unwrap_or("").to_owned(),
            )),
            ("État du fil", Some(s)) => Some(Datum::Text(comment_status(&s)?)),
            ("Sujet", Some(s)) => Some(Datum::Text(label_of::<Topic>(&s)?)),
            ("Comment être prévenu(e)" | "Récapitulatif", Some(s)) => {
                Some(Datum::Text(label_of::<Channel>(&s)?))
            }
            (_, s) => s.map(Datum::Text),
        },
        "INT4" => row
            .try_get::<Option<i32>, _>(i)?
            .map(|n| Datum::Int(n.into())),
        "INT8" => row.try_get::<Option<i64>, _>(i)?.map(Datum::Int),
        "BOOL" => row.try_get::<Option<bool>, _>(i)?.map(Datum::Bool),
        "DATE" => row.try_get::<Option<NaiveDate>, _>(i)?.map(Datum::Date),
        "TIMESTAMPTZ" => row.try_get::<Option<DateTime<Utc>>, _>(i)?.map(Datum::At),
        other => anyhow::bail!("type de colonne non prévu : {other}"),
    };
    Ok(d.unwrap_or(Datum::Null))
}

/// Every kind of data of the account, read in the connection's current transaction.
async fn tables(conn: &mut PgConnection, account_id: i64) -> anyhow::Result<Vec<Data>> {
    let mut out = Vec::new();
    for kind in KINDS {
        let rows: Vec<PgRow> = sqlx::query(kind.sql)
            .bind(account_id)
            .fetch_all(&mut *conn)
            .await?;
        let headers: Vec<String> = match rows.first() {
            Some(r) => r.columns().iter().map(|c| c.name().to_owned()).collect(),
            // No row: the statement's columns still give the headers.
            None => {
                use sqlx::Executor;
                (&mut *conn)
                    .describe(kind.sql)
                    .await?
                    .columns()
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect()
            }
        };
        let mut data = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut cells = Vec::with_capacity(headers.len());
            for (i, h) in headers.iter().enumerate() {
                cells.push(datum(row, i, h)?);
            }
            data.push(cells);
        }
        out.push(Data {
            kind,
            headers,
            rows: data,
        });
    }
    Ok(out)
}

fn json_file(tables: &[Data], now: DateTime<Utc>) -> AppResult<Vec<u8>> {
    let mut root = Map::new();
    root.insert(
        "portail".into(),
        Value::String("Portail des Maisons de l'Emploi".into()),
    );
    root.insert(
        "objet".into(),
        Value::String("Export de vos données personnelles (RGPD, articles 15 et 20)".into()),
    );
    root.insert("genere_le".into(), Datum::At(now).json());
    for t in tables {
        let objects: Vec<Value> = t
            .rows
            .iter()
            .map(|row| {
                Value::Object(
                    t.headers
                        .iter()
                        .zip(row)
                        .map(|(h, d)| (h.clone(), d.json()))
                        .collect(),
                )
            })
            .collect();
        // The account is one object; every other kind a list.
        let value = if t.kind.file == "compte" {
            objects.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(objects)
        };
        root.insert(t.kind.file.into(), value);
    }
    root.insert("jetons".into(), Value::String(NO_TOKENS.into()));
    serde_json::to_vec_pretty(&Value::Object(root))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("JSON export: {e}")))
}

fn readme(tables: &[Data], now: DateTime<Utc>) -> String {
    let mut s = format!(
        "Portail des Maisons de l'Emploi : export de vos données personnelles (RGPD, articles 15 et 20)\r\n\
         Créé le {} (heure de Paris).\r\n\r\n\
         Chaque fichier CSV s'ouvre dans un tableur (UTF-8, séparateur « ; ») :\r\n",
        format::datetime(now)
    );
    for t in tables {
        s.push_str(&format!(
            "- {}.csv : {} ({} ligne(s)).\r\n",
            t.kind.file,
            t.kind.about,
            t.rows.len()
        ));
    }
    s.push_str(&format!("\r\nJetons : {NO_TOKENS}\r\n"));
    s.push_str(
        "\r\nLes mêmes données existent en un seul fichier JSON (bouton « Télécharger en JSON » du profil).\r\n\
         Pour corriger ou faire effacer vos données, voir la page « Données personnelles » du portail.\r\n",
    );
    s
}

fn zip_file(tables: &[Data], now: DateTime<Utc>) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("LISEZMOI.txt", options)?;
    zip.write_all(readme(tables, now).as_bytes())?;
    for t in tables {
        zip.start_file(format!("{}.csv", t.kind.file), options)?;
        zip.write_all(&t.table().to_csv().map_err(|e| anyhow::anyhow!("{e:?}"))?)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[derive(Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    format: String,
}

/// A person's data is kept by no cache on the way.
fn attachment(bytes: Vec<u8>, content_type: &str, filename: &str) -> Response {
    let mut response = export::download(bytes, content_type, filename);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ExportForm>,
) -> AppResult<Response> {
    let json = match form.format.as_str() {
        "json" => true,
        "csv" => false,
        _ => return Err(AppError::NotFound),
    };
    let mut tx = state.db.begin().await?;
    sqlx::query("set transaction isolation level repeatable read")
        .execute(&mut *tx)
        .await?;
    let now: DateTime<Utc> = sqlx::query_scalar("select now()")
        .fetch_one(&mut *tx)
        .await?;
    let tables = tables(&mut tx, user.id).await?;
    let stamp = now.with_timezone(&Paris).format("%Y%m%d-%H%M");
    let response = if json {
        attachment(
            json_file(&tables, now)?,
            "application/json; charset=utf-8",
            &format!("mes-donnees-{stamp}.json"),
        )
    } else {
        attachment(
            zip_file(&tables, now)?,
            "application/zip",
            &format!("mes-donnees-{stamp}.zip"),
        )
    };
    audit::record(
        &mut *tx,
        Event::of_own_account(
            user.id,
            user.maison_id,
            "export_donnees",
            format!(
                "Export de ses données personnelles ({})",
                if json { "JSON" } else { "CSV" }
            ),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(response)
}
