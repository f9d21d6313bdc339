//! A person's rights (issue 23): the download of one's data from the profile, read back and checked against
//! the database.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::Value;

use crate::fake_smtp::FakeSmtp;
use crate::fixtures::Fx;
use chrono::{DateTime, Duration, Utc};
use mde::accounts::run_retention;
use mde::config::Config;
use sqlx::PgPool;

use crate::helpers::*;

/// The files of a zip, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut files = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("entry");
        let mut text = String::new();
        f.read_to_string(&mut text).expect("UTF-8 text");
        files.insert(f.name().to_owned(), text);
    }
    files
}

/// The rows of one of our CSV files (BOM, `;`), header included.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{FEFF}').expect("BOM");
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_person_downloads_their_data_and_it_is_what_the_database_holds() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = Fx::create(&app, &w).await;
    write_as_the_partner(&app, &w, &fx).await;
    let mut c = app.signed_in(PARTNER).await;
    // A password failure with their address (after the sign-in, which forgets the earlier failures).
    let mut refused = app.client();
    refused.login(PARTNER, "pas le bon mot de passe").await;
    link_the_partner_to_others(&app, &w).await;
    let (_, profile) = c.get_html("/profil").await;
    assert!(profile.contains("action=\"/profil/mes-donnees\""));
    assert!(
        profile.contains("Télécharger en JSON") && profile.contains("Télécharger en CSV (zip)")
    );

    let json = json_download(&mut c).await;
    let (name, email) = the_json_account_is_the_database(&app, &w, &json).await;
    the_json_activity_is_the_database(&app, &w, &fx, &json).await;
    the_json_links_are_the_database(&app, &w, &json, &email).await;
    // Nothing of the password or of the secrets behind sessions and links.
    let text = json.to_string();
    nothing_secret_in(&app, &w, &text).await;
    the_csv_download_has_one_file_per_kind(&fx, &mut c, &name, &email).await;

    // Both downloads are in the account's journal, and only the person's own data is in them.
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'account' and object_id = {}
               and action = 'export_donnees'",
            w.partner
        ))
        .await,
        2
    );
    assert!(!text.contains(STAFF_A) && !text.contains(ADMIN));
    // An unknown format is refused, and the download needs the CSRF token.
    let r = c.post("/profil/mes-donnees", &[("format", "pdf")]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .post_raw("/profil/mes-donnees", &[("format".into(), "json".into())])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// The partner wrote A's comment; add a reply with a formula-looking text, a follow-up note on A's action, and
/// a notification.
async fn write_as_the_partner(app: &TestApp, w: &World, fx: &Fx) {
    sqlx::query(
        "insert into comment (diagnostic_id, parent_id, author_id, body) values ($1, $2, $3, '=HYPERLINK(1)')",
    )
    .bind(fx.a.diagnostic)
    .bind(fx.a.comment)
    .bind(w.partner)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into action_note (action_id, author_id, noted_on, body, progress)
         values ($1, $2, '2026-03-04', 'Réunion avec les artisans', 40)",
    )
    .bind(fx.a.action)
    .bind(w.partner)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into notification (account_id, kind, message, link) values ($1, 'test', 'Pour vous', '/')")
        .bind(w.partner)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn link_the_partner_to_others(app: &TestApp, w: &World) {
    // What issue 14 added about a person: who invited the account and when the admins reviewed it, the
    // proposal that made it, a partnership request they answered, a contact card with their address, a
    // request of a reset link.
    sqlx::query(
        "update account set invited_by_maison = $2, reviewed_at = '2026-06-01T10:00:00Z',
                            inactivity_warned_at = '2026-07-01T10:00:00Z'
         where id = $1",
    )
    .bind(w.partner)
    .bind(w.maison_a)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into account_proposal (maison_id, organisation_id, email, name, note, status, proposed_by,
                                       answered_by, answered_at, account_id)
         select $1, $2, email, name, 'Pour le copil', 'acceptee', $3, $4, now(), id from account where id = $5",
    )
    .bind(w.maison_a)
    .bind(w.org)
    .bind(w.responsable_a)
    .bind(w.admin)
    .bind(w.partner)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into partnership_request (maison_id, organisation_id, roles, status, answered_by,
                                          answered_at, answer)
         values ($1, $2, array['copil'], 'refusee', $3, now(), 'Pas sur ce territoire')",
    )
    .bind(w.maison_b)
    .bind(w.org)
    .bind(w.partner)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into partnership_contact (partnership_id, name, email)
         select id, 'Contact partenaire', upper($3) from partnership where maison_id = $1 and organisation_id = $2",
    )
    .bind(w.maison_a)
    .bind(w.org)
    .bind(PARTNER)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into password_reset_request (email, ip) values ($1, '192.0.2.9')")
        .bind(PARTNER)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn json_download(c: &mut TestClient) -> Value {
    // JSON.
    let r = c.post("/profil/mes-donnees", &[("format", "json")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"mes-donnees-")
            && disposition.ends_with(".json\"")
    );
    let json: Value = r.json().await.unwrap();
    json
}

/// The account's fields, checked against its row; returns its name and address.
async fn the_json_account_is_the_database(
    app: &TestApp,
    w: &World,
    json: &Value,
) -> (String, String) {
    let (name, email): (String, String) =
        sqlx::query_as("select name, email from account where id = $1")
            .bind(w.partner)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(json["compte"]["N°"], w.partner);
    assert_eq!(json["compte"]["Nom"], name.as_str());
    assert_eq!(json["compte"]["Adresse e-mail"], email.as_str());
    assert_eq!(json["compte"]["Profil"], "Partenaire");
    assert_eq!(json["compte"]["Organisation"], "France Travail Nord");
    assert_eq!(json["compte"]["Actif"], true);
    let maison_a: String = sqlx::query_scalar("select name from maison where id = $1")
        .bind(w.maison_a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(json["compte"]["Invité par la Maison"], maison_a.as_str());
    assert!(
        json["compte"]["Examiné par l'administration le"]
            .as_str()
            .unwrap()
            .starts_with("2026-06-01T12:00:00")
    );
    assert!(json["compte"]["Averti d'inactivité le"].is_string());
    (name, email)
}

/// The ids of one list of the download.
fn ids(json: &Value, key: &str) -> Vec<i64> {
    json[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} is a list"))
        .iter()
        .map(|o| o["N°"].as_i64().unwrap())
        .collect()
}

/// The ids a query gives for the account (its `$1`).
async fn db_ids(app: &TestApp, account: i64, sql: &'static str) -> Vec<i64> {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(account)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

/// What the person wrote and did: comments, follow-up notes, notifications, sessions and sign-ins.
async fn the_json_activity_is_the_database(app: &TestApp, w: &World, fx: &Fx, json: &Value) {
    assert_eq!(
        ids(json, "commentaires"),
        db_ids(
            app,
            w.partner,
            "select id from comment where author_id = $1 order by created_at, id"
        )
        .await
    );
    assert_eq!(ids(json, "commentaires").len(), 2);
    let reply = &json["commentaires"][1];
    assert_eq!(reply["Commentaire"], "=HYPERLINK(1)");
    assert_eq!(reply["En réponse au n°"], fx.a.comment);
    assert_eq!(json["commentaires"][0]["État du fil"], "ouvert");
    assert_eq!(
        ids(json, "notes-de-suivi"),
        db_ids(
            app,
            w.partner,
            "select id from action_note where author_id = $1 order by created_at, id"
        )
        .await
    );
    assert_eq!(
        json["notes-de-suivi"][0]["Note"],
        "Réunion avec les artisans"
    );
    assert_eq!(json["notes-de-suivi"][0]["Avancement (%)"], 40);
    assert_eq!(json["notes-de-suivi"][0]["Date"], "2026-03-04");
    assert_eq!(
        ids(json, "notifications"),
        db_ids(
            app,
            w.partner,
            "select id from notification where account_id = $1 order by created_at, id"
        )
        .await
    );
    let sessions = app
        .count(&format!(
            "select count(*) from session where account_id = {}",
            w.partner
        ))
        .await;
    assert_eq!(json["sessions"].as_array().unwrap().len() as i64, sessions);
    assert!(sessions >= 1);
    let signins = app
        .count(&format!(
            "select count(*) from event where account_id = {} and action = 'connexion'",
            w.partner
        ))
        .await;
    assert_eq!(json["connexions"].as_array().unwrap().len() as i64, signins);
    assert_eq!(json["connexions"][0]["Événement"], "Connexion");
    assert_eq!(json["connexions-refusees"].as_array().unwrap().len(), 1);
    assert!(json["jetons"].as_str().unwrap().contains("aucun jeton"));
}

/// What links the person to others: proposals, partnership requests, contact cards, reset links.
async fn the_json_links_are_the_database(app: &TestApp, w: &World, json: &Value, email: &str) {
    assert_eq!(
        ids(json, "propositions"),
        db_ids(app, w.partner,
            "select id from account_proposal
             where account_id = $1 or proposed_by = $1 or answered_by = $1 order by proposed_at, id"
        )
        .await
    );
    assert_eq!(ids(json, "propositions").len(), 1);
    assert_eq!(
        json["propositions"][0]["Votre rôle"],
        "Vous êtes la personne proposée"
    );
    assert_eq!(json["propositions"][0]["Adresse e-mail"], email);
    assert_eq!(json["propositions"][0]["Suite"], "acceptée");
    assert_eq!(
        ids(json, "demandes-de-partenariat"),
        db_ids(
            app,
            w.partner,
            "select id from partnership_request where requested_by = $1 or answered_by = $1
             order by requested_at, id"
        )
        .await
    );
    assert_eq!(
        json["demandes-de-partenariat"][0]["Votre rôle"],
        "Vous avez répondu"
    );
    assert_eq!(
        json["demandes-de-partenariat"][0]["Réponse"],
        "Pas sur ce territoire"
    );
    assert_eq!(
        ids(json, "fiches-contact"),
        db_ids(
            app,
            w.partner,
            "select c.id from partnership_contact c, account a
             where a.id = $1 and lower(c.email) = lower(a.email) order by c.created_at, c.id"
        )
        .await
    );
    assert_eq!(
        ids(json, "fiches-contact").len(),
        1,
        "the address matched whatever its case"
    );
    assert_eq!(json["demandes-de-lien"].as_array().unwrap().len(), 1);
    assert_eq!(json["demandes-de-lien"][0]["Adresse IP"], "192.0.2.9");
}

/// Nothing of the password or of the secrets behind sessions and links.
async fn nothing_secret_in(app: &TestApp, w: &World, text: &str) {
    let hash: String = sqlx::query_scalar("select password_hash from account where id = $1")
        .bind(w.partner)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!text.contains(&hash) && !text.contains("argon2"));
    let session_hashes: Vec<String> =
        sqlx::query_scalar("select id_hash from session where account_id = $1")
            .bind(w.partner)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(session_hashes.iter().all(|h| !text.contains(h.as_str())));
}

async fn the_csv_download_has_one_file_per_kind(
    fx: &Fx,
    c: &mut TestClient,
    name: &str,
    email: &str,
) {
    // CSV: a zip of one file per kind, through the one CSV writer.
    let r = c.post("/profil/mes-donnees", &[("format", "csv")]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let files = unzip(&r.bytes().await.unwrap());
    for f in [
        "LISEZMOI.txt",
        "compte.csv",
        "connexions.csv",
        "connexions-refusees.csv",
        "commentaires.csv",
        "notes-de-suivi.csv",
        "notifications.csv",
        "sessions.csv",
        "liens.csv",
        "demandes-de-lien.csv",
        "propositions.csv",
        "demandes-de-partenariat.csv",
        "fiches-contact.csv",
        "reponses-aux-avis.csv",
    ] {
        assert!(files.contains_key(f), "{f} in {:?}", files.keys());
    }
    assert!(files["LISEZMOI.txt"].contains("aucun jeton"));
    let account = csv_rows(&files["compte.csv"]);
    assert_eq!(account.len(), 2);
    let col = |rows: &Vec<Vec<String>>, header: &str| {
        rows[0]
            .iter()
            .position(|h| h == header)
            .unwrap_or_else(|| panic!("{header}"))
    };
    assert_eq!(account[1][col(&account, "Nom")], name);
    assert_eq!(account[1][col(&account, "Adresse e-mail")], email);
    assert_eq!(account[1][col(&account, "Actif")], "oui");
    let comments = csv_rows(&files["commentaires.csv"]);
    assert_eq!(comments.len(), 3);
    assert_eq!(comments[2][col(&comments, "Commentaire")], "'=HYPERLINK(1)");
    assert_eq!(comments[1][col(&comments, "N°")], fx.a.comment.to_string());
    // A kind without rows still has its header.
    let links = csv_rows(&files["liens.csv"]);
    assert_eq!(
        links,
        vec![vec!["Lien", "Créé le", "Valable jusqu'au", "Utilisé le"]]
    );
}

/// What a crawl read: every page and download, as text (a zip or an XLSX is opened, each entry read).
struct Crawled {
    pages: usize,
    downloads: usize,
    texts: Vec<(String, String)>,
}

/// The texts of a downloaded body: itself, or each entry of a zip (an XLSX, or a zip inside a zip).
fn texts_of(name: &str, bytes: &[u8], out: &mut Vec<(String, String)>) {
    if bytes.starts_with(b"PK\x03\x04") {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).expect("entry");
            let mut inner = Vec::new();
            f.read_to_end(&mut inner).expect("read entry");
            let entry = format!("{name}!{}", f.name());
            texts_of(&entry, &inner, out);
        }
    } else {
        out.push((name.to_owned(), String::from_utf8_lossy(bytes).into_owned()));
    }
}

/// `/maisons/12/plans?page=3` → `/maisons/:n/plans?page`: the same page for other objects or pages.
fn shape(path: &str) -> String {
    let (p, q) = path.split_once('?').unwrap_or((path, ""));
    let p: Vec<String> = p
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                ":n".to_owned()
            } else {
                s.to_owned()
            }
        })
        .collect();
    let mut keys: Vec<&str> = q
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split('=').next().unwrap_or(""))
        .collect();
    keys.sort();
    format!("{}?{}", p.join("/"), keys.join("&"))
}

/// Every page the client reaches by following links (GET only) from `seeds`, a few of each shape, and
/// every download linked from them.
async fn crawl(c: &TestClient, seeds: &[String]) -> Crawled {
    let link = scraper::Selector::parse("a[href]").unwrap();
    let mut queue: std::collections::VecDeque<String> = seeds.iter().cloned().collect();
    let mut seen: std::collections::HashSet<String> = queue.iter().cloned().collect();
    let mut shapes: std::collections::HashMap<String, usize> = Default::default();
    let mut crawled = Crawled {
        pages: 0,
        downloads: 0,
        texts: Vec::new(),
    };
    while let Some(path) = queue.pop_front() {
        if crawled.pages + crawled.downloads >= 400 {
            break;
        }
        let r = c.get(&path).await;
        if r.status() != StatusCode::OK {
            continue;
        }
        let html = r
            .headers()
            .get("content-type")
            .is_some_and(|t| t.to_str().unwrap_or("").starts_with("text/html"));
        let bytes = r.bytes().await.unwrap();
        if !html {
            crawled.downloads += 1;
            texts_of(&path, &bytes, &mut crawled.texts);
            continue;
        }
        crawled.pages += 1;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let hrefs: Vec<String> = scraper::Html::parse_document(&text)
            .select(&link)
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect();
        crawled.texts.push((path.clone(), text));
        for href in hrefs {
            let href = href.split('#').next().unwrap_or("").to_owned();
            if !href.starts_with('/') || href.starts_with("//") {
                continue;
            }
            if href.starts_with("/deconnexion") || href.starts_with("/static/") {
                continue;
            }
            let n = shapes.entry(shape(&href)).or_default();
            if *n >= 3 || !seen.insert(href.clone()) {
                continue;
            }
            *n += 1;
            queue.push_back(href);
        }
    }
    crawled
}

/// The erased person of the test below, as text the database or a page may hold (lowercase).
const NEEDLES: &[&str] = &[
    "zéphyrine",
    "quarteron",
    "zephyrine.quarteron@exemple-unique.test",
    "zq@premiere-adresse.test",
    "premiere-adresse",
];

/// Every text and JSON column of every table that holds one of `needles` (`table.column: rows`): the
/// whole database is searched, so that a table a later issue adds is searched too.
async fn columns_naming(db: &sqlx::PgPool, needles: &[&str]) -> Vec<String> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "select c.table_name::text, c.column_name::text
         from information_schema.columns c
         join information_schema.tables t
           on t.table_schema = c.table_schema and t.table_name = c.table_name
         where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
           and c.data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
           and c.table_name not like '\\_sqlx%'
         order by 1, 2",
    )
    .fetch_all(db)
    .await
    .unwrap();
    assert!(columns.len() > 50, "{} columns", columns.len());
    let patterns: Vec<String> = needles.iter().map(|n| format!("%{n}%")).collect();
    let mut named = Vec::new();
    for (table, column) in &columns {
        let n: i64 = sqlx::query_scalar(&format!(
            "select count(*) from {table} where \"{column}\"::text ilike any($1)"
        ))
        .bind(&patterns)
        .fetch_one(db)
        .await
        .unwrap();
        if n > 0 {
            named.push(format!("{table}.{column}: {n}"));
        }
    }
    named
}

/// The person the erasure erases: first invited under a short name and another address.
const FIRST: &str = "Zéphyrine Q.";
const NAME: &str = "Zéphyrine Quarteron-Ulm";
const EMAIL: &str = "zephyrine.quarteron@exemple-unique.test";
const FIRST_EMAIL: &str = "zq@premiere-adresse.test";

#[tokio::test]
async fn an_erased_account_is_found_nowhere_and_its_contributions_stay() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = Fx::create(&app, &w).await;
    let mut admin = app.signed_in(ADMIN).await;
    let id = invite_and_rename(&app, &w, &mut admin).await;
    let mut person = contribute(&app, &fx, id).await;
    let contacts = name_the_person_elsewhere(&app, &w, id).await;
    assert_eq!(
        person
            .post("/profil/mes-donnees", &[("format", "json")])
            .await
            .status(),
        StatusCode::OK
    );
    let (comments_before, events_before) =
        the_database_names_the_person(&app, &mut admin, id).await;
    erase(&app, &mut admin, id).await;
    the_database_forgets_the_person(&app, id, comments_before, events_before).await;
    the_person_is_nowhere_to_be_read(&app, &w, &fx, id, &contacts).await;
}

async fn invite_and_rename(app: &TestApp, w: &World, admin: &mut TestClient) -> i64 {
    // Invited by the admin (the journal records the invitation), then renamed (the journal records the
    // former and new name and address).
    let m = w.maison_a.to_string();
    let r = admin
        .post(
            "/comptes/inviter",
            &[
                ("email", FIRST_EMAIL),
                ("name", FIRST),
                ("role", "staff"),
                ("maison", &m),
                ("organisation", ""),
                ("form_key", "invite-zq"),
            ],
        )
        .await;
    assert!(
        r.status().is_success() || r.status() == StatusCode::SEE_OTHER,
        "{}",
        r.status()
    );
    let id: i64 = sqlx::query_scalar("select id from account where email = $1")
        .bind(FIRST_EMAIL)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_, edit) = admin.get_html(&format!("/comptes/{id}/modifier")).await;
    let version = edit
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = admin
        .post(
            &format!("/comptes/{id}/modifier"),
            &[
                ("name", NAME),
                ("email", EMAIL),
                ("responsable", ""),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    id
}

async fn contribute(app: &TestApp, fx: &Fx, id: i64) -> TestClient {
    // The person chooses a password (as the invitation would), signs in, comments A's diagnostic (its
    // people are notified, by name), writes a follow-up note, and is the référent of A's action.
    let hash = mde::auth::password::hash_blocking(PASSWORD).unwrap();
    sqlx::query("update account set password_hash = $2 where id = $1")
        .bind(id)
        .bind(hash)
        .execute(&app.db)
        .await
        .unwrap();
    let mut person = app.signed_in(EMAIL).await;
    let r = person
        .post(
            &format!("/diagnostics/{}/commentaires", fx.a.diagnostic),
            &[
                ("body", "Les chiffres du bâtiment sont à revoir."),
                ("section_id", ""),
                ("parent_id", ""),
                ("form_key", "comment-zq"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let notified = app
        .count(&format!(
            "select count(*) from notification where account_id <> {id} and message like '%{NAME}%'"
        ))
        .await;
    assert!(notified > 0, "the comment's notifications name its author");
    sqlx::query(
        "insert into action_note (action_id, author_id, noted_on, body) values ($1, $2, '2026-05-01', 'Point fait')",
    )
    .bind(fx.a.action)
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("update action set referent_account_id = $2 where id = $1")
        .bind(fx.a.action)
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    person
}

async fn name_the_person_elsewhere(app: &TestApp, w: &World, id: i64) -> String {
    // What issue 14 added: the proposal that named the person for an account (as a partner would have
    // been), a proposal they made whose note names them, a partnership request of theirs that names them,
    // a contact card of A's partner with their address, a request of a reset link and a refused sign-in
    // with their address, a session with its device.
    sqlx::query(
        "insert into account_proposal (maison_id, organisation_id, email, name, note, status, proposed_by,
                                       answered_by, answered_at, account_id)
         values ($1, $2, $3, $4, 'Pour le comité', 'acceptee', $5, $5, now(), $6),
                ($1, $2, 'collegue@autre.test', 'Un collègue', $7, 'en_attente', $6, null, null, null)",
    )
    .bind(w.maison_a)
    .bind(w.org)
    .bind(FIRST_EMAIL)
    .bind(FIRST)
    .bind(w.admin)
    .bind(id)
    .bind(format!("Recommandé par {NAME} ({EMAIL})"))
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into partnership_request (maison_id, organisation_id, roles, note, requested_by)
         values ($1, $2, array['associe'], $3, $4)",
    )
    .bind(w.maison_a)
    .bind(w.other_org)
    .bind(format!("Contact : {NAME}"))
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    let pid: i64 = sqlx::query_scalar(
        "select id from partnership where maison_id = $1 and organisation_id = $2",
    )
    .bind(w.maison_a)
    .bind(w.org)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let contacts = format!("/maisons/{}/partenaires/{pid}", w.maison_a);
    let r = app
        .signed_in(RESP_A)
        .await
        .post(
            &format!("{contacts}/contacts"),
            &[
                ("contact_name", NAME),
                ("contact_email", EMAIL),
                ("job_title", "Chargée de mission"),
            ],
        )
        .await;
    assert_redirect_to(&r, &contacts);
    assert_eq!(
        app.count(&format!(
            "select count(*) from partnership_contact where email = '{EMAIL}'"
        ))
        .await,
        1
    );
    for sql in [
        "insert into password_reset_request (email, ip) values ($1, '192.0.2.7')",
        "insert into login_failure (email, ip) values ($1, '192.0.2.7')",
    ] {
        sqlx::query(sql).bind(EMAIL).execute(&app.db).await.unwrap();
    }
    contacts
}

/// Before the erasure, the crawl does find the person (the test can fail); returns the counts of their
/// comments and of the journal's events.
async fn the_database_names_the_person(
    app: &TestApp,
    admin: &mut TestClient,
    id: i64,
) -> (i64, i64) {
    let (_, journal) = admin.get_html("/journal").await;
    assert!(journal.contains(NAME) && journal.contains(EMAIL) && journal.contains(FIRST));
    let (_, proposals) = admin.get_html("/comptes/propositions").await;
    assert!(proposals.contains(FIRST) && proposals.contains(NAME));
    let named = columns_naming(&app.db, NEEDLES).await;
    for column in [
        "account.name",
        "account.email",
        "account_proposal.name",
        "account_proposal.note",
        "partnership_request.note",
        "partnership_contact.name",
        "partnership_contact.email",
        "password_reset_request.email",
        "login_failure.email",
        "notification.message",
        "event_personal_value.value",
        "session.flash",
    ] {
        assert!(
            named.iter().any(|n| n.starts_with(&format!("{column}:"))),
            "{column} names the person before the erasure: {named:#?}"
        );
    }
    let comments_before = app
        .count(&format!(
            "select count(*) from comment where author_id = {id}"
        ))
        .await;
    let events_before = app.count("select count(*) from event").await;
    (comments_before, events_before)
}

/// The confirmation page, then the erasure (a missing confirmation is asked again).
async fn erase(app: &TestApp, admin: &mut TestClient, id: i64) {
    let (status, confirm) = admin.get_html(&format!("/comptes/{id}/effacer")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("ne peut pas être annulé") && confirm.contains(NAME));
    let r = admin.post(&format!("/comptes/{id}/effacer"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Cochez cette case"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from account where id = {id} and erased_at is not null"
        ))
        .await,
        0
    );
    let r = admin
        .post(
            &format!("/comptes/{id}/effacer"),
            &[("confirmation", "oui")],
        )
        .await;
    assert_redirect_to(&r, &format!("/comptes/{id}"));
    // Erased once: the page and the action are gone for everyone, the admin included.
    assert_eq!(
        admin.get(&format!("/comptes/{id}/effacer")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .post(&format!("/comptes/{id}/reactiver"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// The database: the account is a pseudonym, its own things are gone, its contributions stay.
async fn the_database_forgets_the_person(
    app: &TestApp,
    id: i64,
    comments_before: i64,
    events_before: i64,
) {
    let (name, email, active, has_password): (String, String, bool, bool) = sqlx::query_as(
        "select name, email, active, password_hash is not null from account where id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(name, format!("Compte supprimé n° {id}"));
    assert!(email.ends_with(".invalid") && email.contains(&id.to_string()));
    assert!(!active && !has_password);
    for table in [
        "session",
        "account_token",
        "notification",
        "event_personal_value",
    ] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from {table} where account_id = {id}"
            ))
            .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        app.count(&format!(
            "select count(*) from comment where author_id = {id}"
        ))
        .await,
        comments_before
    );
    assert_eq!(
        app.count("select count(*) from event").await,
        events_before + 1
    );
    // Nothing in the database names the person any more, the journal included.
    let named = columns_naming(&app.db, NEEDLES).await;
    assert!(named.is_empty(), "{named:#?}");
    // The person cannot sign in any more, with either address (each attempt is a new, short-lived
    // `login_failure` row, which the retention task prunes: checked after the search above).
    for address in [EMAIL, FIRST_EMAIL] {
        let r = app.client().login(address, PASSWORD).await;
        assert_ne!(r.status(), StatusCode::SEE_OTHER, "{address}");
    }
}

/// Every page every role reaches, every download linked from them, each role's own data export and the
/// Maison's `mde export`: the name and the addresses are nowhere.
async fn the_person_is_nowhere_to_be_read(
    app: &TestApp,
    w: &World,
    fx: &Fx,
    id: i64,
    contacts: &str,
) {
    let mut texts: Vec<(String, String)> = Vec::new();
    let seeds = |extra: &[String]| crawl_seeds(w, fx, id, contacts, extra);
    let journal_pages: Vec<String> = (2..=3).map(|p| format!("/journal?page={p}")).collect();
    let anonymous = app.client();
    let c = crawl(&anonymous, &seeds(&[])).await;
    texts.extend(c.texts);
    let mut total_pages = c.pages;
    let mut total_downloads = c.downloads;
    let exports = every_export(w, fx);
    let mut exported: std::collections::BTreeMap<&str, usize> = Default::default();
    for who in [ADMIN, RESP_A, STAFF_A, STAFF_B, PARTNER, OTHER_PARTNER] {
        let mut client = app.signed_in(who).await;
        let c = crawl(&client, &seeds(&journal_pages)).await;
        assert!(c.pages > 5, "{who} crawled {} pages", c.pages);
        total_pages += c.pages;
        total_downloads += c.downloads;
        texts.extend(c.texts);
        for path in &exports {
            let r = client.get(path).await;
            let n = exported.entry(path.as_str()).or_default();
            if r.status() == StatusCode::OK {
                *n += 1;
                texts_of(
                    &format!("{who} {path}"),
                    &r.bytes().await.unwrap(),
                    &mut texts,
                );
            }
        }
        for format in ["json", "csv"] {
            let r = client
                .post("/profil/mes-donnees", &[("format", format)])
                .await;
            assert_eq!(r.status(), StatusCode::OK);
            texts_of(
                &format!("{who} mes-donnees.{format}"),
                &r.bytes().await.unwrap(),
                &mut texts,
            );
        }
    }
    assert!(
        total_downloads >= 2,
        "CSV and XLSX exports were reached: {total_downloads}"
    );
    assert!(
        exported.values().all(|n| *n > 0),
        "every export read by a role: {exported:?}"
    );
    texts_of("mde export", &mde_export(app, w, id).await, &mut texts);
    assert!(
        texts
            .iter()
            .any(|(_, t)| t.contains(&format!("Compte supprimé n° {id}"))),
        "the pseudonym shows where the person did"
    );
    let mut found = Vec::new();
    for (where_, text) in &texts {
        let lower = text.to_lowercase();
        for needle in NEEDLES {
            if lower.contains(needle) {
                found.push(format!("{needle} in {where_}"));
            }
        }
    }
    assert!(found.is_empty(), "{total_pages} pages: {found:#?}");
}

/// Where every role's crawl starts.
fn crawl_seeds(w: &World, fx: &Fx, id: i64, contacts: &str, extra: &[String]) -> Vec<String> {
    let mut s: Vec<String> = [
        "/",
        "/journal",
        "/comptes",
        "/notifications",
        "/profil",
        "/plan-du-site",
        "/donnees-personnelles",
        "/comptes/propositions",
        "/organisations/a-examiner",
        "/organisations/demandes",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    s.push(format!("/comptes/{id}"));
    s.push(format!("/diagnostics/{}", fx.a.diagnostic));
    s.push(format!("/actions/{}", fx.a.action));
    s.push(format!("/plans/{}", fx.a.plan));
    s.push(contacts.to_owned());
    s.push(format!("/organisations/{}", w.org));
    s.extend_from_slice(extra);
    s
}

/// Every export of the portal, fetched by every role whether or not a crawl reached it: CSV and XLSX of the
/// network and of an axis, the Grenelle workbook, the plan workbook and print pages, the diagnostic's
/// indicators and print page. Each must have been read by at least one role.
fn every_export(w: &World, fx: &Fx) -> Vec<String> {
    let exports: Vec<String> = vec![
        "/reseau/export/csv".into(),
        "/reseau/export/xlsx".into(),
        "/reseau/export/csv?programme=tous".into(),
        "/reseau/grenelle/export.xlsx".into(),
        "/axes/1/export/csv".into(),
        "/axes/1/export/xlsx?programme=tous".into(),
        format!("/axes/1/export/csv?maison={}", w.maison_a),
        format!("/plans/{}/export.xlsx", fx.a.plan),
        format!("/plans/{}/impression", fx.a.plan),
        format!("/diagnostics/{}/indicateurs.csv", fx.a.diagnostic),
        format!("/diagnostics/{}/impression", fx.a.diagnostic),
    ];
    exports
}

/// The Maison A's `mde export` zip.
async fn mde_export(app: &TestApp, w: &World, id: i64) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("mde-erasure-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zip_path = dir.join("maison-a.zip");
    let out = crate::cli::mde(
        &[
            "export",
            "--maison",
            &w.maison_a.to_string(),
            "--output",
            zip_path.to_str().unwrap(),
        ],
        &[("DATABASE_URL", app.database_url.as_str())],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&zip_path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// The retention task with its clock moved forward: warnings once, deactivation after the notice, the
/// last admin kept, old links and read notifications deleted, and two runs at once (two processes) never
/// doing anything twice.
#[tokio::test]
async fn the_retention_task_warns_once_then_deactivates_with_the_clock_moved_forward() {
    let smtp = crate::fake_smtp::FakeSmtp::start().await;
    let retention = mde::config::Retention {
        inactive_days: 400,
        notice_days: 20,
        notification_days: 90,
        link_days: 15,
        proposal_days: 45,
    };
    let app = spawn_app_with(|c| {
        c.smtp = Some(smtp.config());
        c.retention = retention;
    })
    .await;
    let w = app.world().await;
    // The page states the periods the task applies.
    let (_, page) = app.client().get_html("/donnees-personnelles").await;
    for period in ["400 jours", "20 jours", "90 jours", "15 jours", "45 jours"] {
        assert!(page.contains(period), "{period}");
    }
    let mut config = mde::config::Config::for_tests(app.database_url.clone());
    config.smtp = Some(smtp.config());
    config.retention = retention;
    config.base_url = app.addr.clone();
    // Two processes: two pools.
    let other = mde::db::pool(&app.database_url, 2).await.unwrap();
    let now = Utc::now();

    expiring_links_notifications_and_proposals(&app, &w).await;
    seventeen_days_later(&app, &config, now + Duration::days(17)).await;
    let t1 = now + Duration::days(401);
    after_401_days_each_inactive_account_is_warned_once(&app, &other, &config, &smtp, &w, t1).await;
    after_the_notice_the_warned_are_deactivated_once(&app, &other, &config, &smtp, &w, t1).await;
}

/// Links and notifications: a link used now, one still valid a week, a notification read now, one unread.
/// Proposals of people for an account (their name and address): one accepted and one refused now, one
/// still waiting.
async fn expiring_links_notifications_and_proposals(app: &TestApp, w: &World) {
    for (used, expires) in [
        ("now()", "now() + interval '1 day'"),
        ("null", "now() + interval '7 days'"),
    ] {
        sqlx::query(&format!(
            "insert into account_token (account_id, purpose, token_hash, expires_at, used_at)
             values ($1, 'reset', md5(random()::text), {expires}, {used})"
        ))
        .bind(w.staff_a)
        .execute(&app.db)
        .await
        .unwrap();
    }
    sqlx::query(
        "insert into notification (account_id, kind, message, link, read_at)
         values ($1, 't', 'lue', '/', now()), ($1, 't', 'non lue', '/', null)",
    )
    .bind(w.staff_a)
    .execute(&app.db)
    .await
    .unwrap();
    for (status, answered) in [
        ("acceptee", "now()"),
        ("refusee", "now()"),
        ("en_attente", "null"),
    ] {
        sqlx::query(&format!(
            "insert into account_proposal (maison_id, organisation_id, email, name, status, proposed_by,
                                           answered_by, answered_at)
             values ($1, $2, '{status}@propose.test', 'Personne {status}', '{status}', $3, $4, {answered})"
        ))
        .bind(w.maison_a)
        .bind(w.org)
        .bind(w.responsable_a)
        .bind(if answered == "null" { None } else { Some(w.admin) })
        .execute(&app.db)
        .await
        .unwrap();
    }
}

async fn seventeen_days_later(app: &TestApp, config: &Config, t0: DateTime<Utc>) {
    let report = run_retention(&app.db, config, t0).await.unwrap();
    assert_eq!(report.proposals_deleted, 0, "answered 17 days ago: kept");
    assert_eq!(
        (report.warned, report.deactivated),
        (0, 0),
        "nobody is inactive yet"
    );
    assert_eq!(
        report.links_deleted, 1,
        "the link used 17 days ago; the other expires in 7 days"
    );
    assert_eq!(report.notifications_deleted, 0);
    assert_eq!(
        app.count("select count(*) from account_token where used_at is not null")
            .await,
        0
    );
}

/// 401 days later: every account but staff B (signed in 10 days before) is warned, once, although two
/// processes run the task at the same moment.
async fn after_401_days_each_inactive_account_is_warned_once(
    app: &TestApp,
    other: &PgPool,
    config: &Config,
    smtp: &FakeSmtp,
    w: &World,
    t1: DateTime<Utc>,
) {
    sqlx::query("update account set last_login_at = $2 where id = $1")
        .bind(w.staff_b)
        .bind(t1 - Duration::days(10))
        .execute(&app.db)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        run_retention(&app.db, config, t1),
        run_retention(other, config, t1)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.warned + b.warned, 5, "{a:?} {b:?}");
    assert_eq!(a.deactivated + b.deactivated, 0);
    assert_eq!(
        a.notifications_deleted + b.notifications_deleted,
        1,
        "the notification read 401 days ago; the unread one stays"
    );
    assert_eq!(
        a.links_deleted + b.links_deleted,
        1,
        "the link expired 394 days ago"
    );
    assert_eq!(
        a.proposals_deleted + b.proposals_deleted,
        2,
        "the answered proposals; the pending one waits for its answer"
    );
    assert_eq!(
        app.count("select count(*) from account_proposal where status = 'en_attente'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from account_proposal").await, 1);
    let mails = smtp.wait_for(5).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = if smtp.messages().len() > mails.len() {
        smtp.messages()
    } else {
        mails
    };
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    let mut expected: Vec<String> = [ADMIN, RESP_A, STAFF_A, PARTNER, OTHER_PARTNER]
        .iter()
        .map(|e| e.to_string())
        .collect();
    expected.sort();
    let to: Vec<String> = to
        .iter()
        .map(|t| t.trim_matches(['<', '>']).to_owned())
        .collect();
    assert_eq!(to, expected, "one warning each, staff B none");
    let text = mails[0].text();
    assert!(
        text.contains("sera d") && text.contains("/connexion"),
        "{text}"
    );
    // A day later, nothing more: no second warning, no deactivation before the notice has run.
    let report = run_retention(&app.db, config, t1 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!((report.warned, report.deactivated), (0, 0));
    assert_eq!(smtp.messages().len(), 5);
}

/// The partner signs in after the warning: it counts for nothing. Staff A has a session open.
async fn after_the_notice_the_warned_are_deactivated_once(
    app: &TestApp,
    other: &PgPool,
    config: &Config,
    smtp: &FakeSmtp,
    w: &World,
    t1: DateTime<Utc>,
) {
    let t2 = t1 + Duration::days(21);
    sqlx::query("update account set last_login_at = $2 where id = $1")
        .bind(w.partner)
        .bind(t1 + Duration::days(2))
        .execute(&app.db)
        .await
        .unwrap();
    // (Signed in now, that is before the warning of the moved clock.)
    let _staff_a = app.signed_in(STAFF_A).await;
    // After the notice: the warned accounts that did not come back are deactivated — but not the only
    // admin — once, although two processes run the task at the same moment.
    let (a, b) = tokio::join!(
        run_retention(&app.db, config, t2),
        run_retention(other, config, t2)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.deactivated + b.deactivated, 3, "{a:?} {b:?}");
    assert_eq!(a.warned + b.warned, 0);
    let active = |id: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, bool>("select active from account where id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    for (id, expected) in [
        (w.admin, true),
        (w.responsable_a, false),
        (w.staff_a, false),
        (w.other_partner, false),
        (w.partner, true),
        (w.staff_b, true),
    ] {
        assert_eq!(active(id).await, expected, "account {id}");
    }
    assert_eq!(
        app.count(&format!(
            "select count(*) from session where account_id = {}",
            w.staff_a
        ))
        .await,
        0,
        "the deactivated account's sessions end"
    );
    let report = run_retention(&app.db, config, t2 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!((report.warned, report.deactivated), (0, 0));
    assert_eq!(smtp.messages().len(), 5, "never a second warning");
    // Each step is in the journal, once per account.
    assert_eq!(
        app.count("select count(*) from event where action = 'avertissement_inactivite' and account_id is null").await,
        5
    );
    assert_eq!(
        app.count("select count(*) from event where action = 'desactivation_inactivite'")
            .await,
        3
    );
    // Reactivated, the account starts again from its last sign-in: a new warning, a new notice.
    let mut admin = app.signed_in(ADMIN).await;
    let r = admin
        .post(&format!("/comptes/{}/reactiver", w.staff_a), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report = run_retention(&app.db, config, t2 + Duration::days(2))
        .await
        .unwrap();
    assert_eq!((report.warned, report.deactivated), (1, 0));
}

/// The hourly purge (`purge_sessions`): what throttles sign-ins and reset links (an address typed and an IP
/// address) goes after the day `/donnees-personnelles` states, and a form's one-time key as soon as no live
/// session of its account can replay it.
#[tokio::test]
async fn the_hourly_purge_keeps_throttling_a_day_and_form_keys_while_a_session_can_replay_them() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (_, page) = app.client().get_html("/donnees-personnelles").await;
    assert!(page.contains("Mot de passe oublié") && page.contains("<td>1 jour</td>"));
    // Staff A has a live session; staff B none.
    let _staff = app.signed_in(STAFF_A).await;
    for table in ["login_failure", "password_reset_request"] {
        sqlx::query(&format!(
            "insert into {table} (email, ip, at)
             values ('quelquun@exemple.test', '192.0.2.1', now() - interval '25 hours'),
                    ('quelquun@exemple.test', '192.0.2.1', now() - interval '23 hours')"
        ))
        .execute(&app.db)
        .await
        .unwrap();
    }
    sqlx::query(
        "insert into form_submission (key, account_id, created_at)
         values ('avant-la-session', $1, now() - interval '1 day'),
                ('pendant-la-session', $1, now() + interval '1 minute'),
                ('sans-session', $2, now())",
    )
    .bind(w.staff_a)
    .bind(w.staff_b)
    .execute(&app.db)
    .await
    .unwrap();
    mde::auth::session::purge_expired(&app.db).await.unwrap();
    for table in ["login_failure", "password_reset_request"] {
        assert_eq!(
            app.count(&format!("select count(*) from {table}")).await,
            1,
            "{table}: the row of 23 hours ago stays"
        );
    }
    let keys: Vec<String> = sqlx::query_scalar("select key from form_submission order by key")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(keys, vec!["pendant-la-session"]);
}
