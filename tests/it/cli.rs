//! The command line: `mde user create` makes an account that signs in through HTTP; the operations
//! (`healthcheck`, `config`, `sessions flush`, `user reset-password`) and the private PostgreSQL of a first try.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use sqlx::Connection;

use crate::helpers::*;

fn user_create(database_url: &str, args: &[&str], password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mde"))
        .args(["user", "create"])
        .args(args)
        .arg("--password-stdin")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mde");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write password");
    child.wait_with_output().expect("mde ends")
}

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn user_create_makes_an_account_that_signs_in() {
    let url = fresh_database().await;
    let out = user_create(
        &url,
        &[
            "--email",
            "Admin.CLI@ave.test",
            "--name",
            "Admin en ligne de commande",
            "--role",
            "admin",
        ],
        "une phrase de passe en ligne",
    );
    assert!(
        out.status.success(),
        "mde user create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("créé"));

    let app = spawn_app_on(&url).await;
    let events = app
        .count("select count(*) from event where action = 'creation' and account_id is null")
        .await;
    assert_eq!(events, 1, "the creation is in the journal, by the system");
    let mut c = app.client();
    let r = c
        .login("admin.cli@ave.test", "une phrase de passe en ligne")
        .await;
    assert_redirect_to(&r, "/");
    let cookie = set_cookie(&r);
    assert!(cookie.starts_with("mde_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(
        !cookie.contains("Secure"),
        "no Secure flag unless MDE_SECURE_COOKIES=true"
    );
    let (status, html) = c.get_html("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Admin en ligne de commande"));

    // Behind HTTPS (MDE_SECURE_COOKIES=true) the same sign-in gets a Secure cookie.
    let secure = spawn_app_on_with(&url, |c| c.secure_cookies = true).await;
    let r = secure
        .client()
        .login("admin.cli@ave.test", "une phrase de passe en ligne")
        .await;
    assert_redirect_to(&r, "/");
    assert!(set_cookie(&r).contains("Secure"));

    // The same e-mail again (any case), a short password: refused, with a message and a failure code.
    let again = user_create(
        &url,
        &[
            "--email",
            "ADMIN.cli@ave.test",
            "--name",
            "Doublon",
            "--role",
            "admin",
        ],
        "une phrase de passe en ligne",
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("existe déjà"));
    let short = user_create(
        &url,
        &[
            "--email",
            "court@ave.test",
            "--name",
            "Court",
            "--role",
            "admin",
        ],
        "court",
    );
    assert!(!short.status.success());
    assert_eq!(app.count("select count(*) from account").await, 1);
}

/// Runs `mde` without blocking the test's runtime (the application under test is served by it). The
/// environment has no `DATABASE_URL` unless `env` gives one.
pub async fn mde(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_mde"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("mde ends within 2 minutes")
        .expect("run mde")
}

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bind_of(app: &TestApp) -> String {
    app.addr.trim_start_matches("http://").to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn healthcheck_says_whether_the_portal_and_its_database_answer() {
    let app = spawn_app().await;
    let bind = bind_of(&app);
    let ok = mde(&["healthcheck"], &[("MDE_BIND", &bind)]).await;
    let (stdout, stderr) = text(&ok);
    assert!(ok.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("répondent"), "{stdout}");
    // `--bind` wins over MDE_BIND, as for `serve`.
    let flag = mde(
        &["healthcheck", "--bind", &bind],
        &[("MDE_BIND", "127.0.0.1:1")],
    )
    .await;
    assert!(flag.status.success());

    // The database goes away under the running portal: the portal answers, its health does not.
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let server = app.database_url.rsplit_once('/').unwrap().0.to_owned();
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&mut admin)
        .await
        .unwrap();
    let down = mde(&["healthcheck"], &[("MDE_BIND", &bind)]).await;
    let (stdout, stderr) = text(&down);
    assert_eq!(down.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("n'atteint pas sa base de données"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");

    // Nothing listens there.
    let port = free_port().to_string();
    let none = mde(
        &["healthcheck", "--bind", &format!("127.0.0.1:{port}")],
        &[],
    )
    .await;
    let (_, stderr) = text(&none);
    assert_eq!(none.status.code(), Some(1));
    assert!(stderr.contains("aucun portail ne répond"), "{stderr}");
    // With --wait, it keeps asking for that long, then fails alike.
    let started = std::time::Instant::now();
    let waited = mde(
        &[
            "healthcheck",
            "--wait",
            "2",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ],
        &[],
    )
    .await;
    assert_eq!(waited.status.code(), Some(1));
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    assert!(text(&waited).1.contains("aucun portail ne répond"));
}

#[tokio::test]
async fn config_prints_the_effective_settings_and_never_a_secret() {
    const SECRETS: [&str; 4] = [
        "Sel-secret-url",
        "Sel-secret-param",
        "Sel-secret-smtp",
        "Sel-secret-pg",
    ];
    let url = format!(
        "postgres://mde:{}@db.example.org:6543/mde?password={}&sslmode=require",
        SECRETS[0], SECRETS[1]
    );
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("MDE_BIND", "0.0.0.0:9090"),
        ("MDE_SECURE_COOKIES", "true"),
        ("MDE_SMTP_HOST", "smtp.example.org"),
        ("MDE_SMTP_USERNAME", "portail"),
        ("MDE_SMTP_PASSWORD", SECRETS[2]),
        ("PGPASSWORD", SECRETS[3]),
    ];
    let out = mde(&["config"], &env).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    for secret in SECRETS {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} printed:\n{stdout}{stderr}"
        );
    }
    for line in [
        "DATABASE_URL=postgres://mde:********@db.example.org:6543/mde?password=********&sslmode=require",
        "MDE_BIND=0.0.0.0:9090",
        "MDE_SECURE_COOKIES=true",
        "MDE_SMTP_HOST=smtp.example.org",
        "MDE_SMTP_USERNAME=portail",
        "MDE_SMTP_PASSWORD=********",
        "PGPASSWORD=********",
        "MDE_SESSION_IDLE_MINUTES=120   # défaut",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "no {line:?} in\n{stdout}"
        );
    }
    // The same through the flag, and an unreadable value is masked whole (it may be a secret).
    let flag = mde(
        &[
            "config",
            "--database-url",
            "host=db password=Sel-secret-dsn",
        ],
        &[],
    )
    .await;
    let (stdout, stderr) = text(&flag);
    assert!(flag.status.success(), "{stderr}");
    assert!(
        !stdout.contains("Sel-secret") && !stderr.contains("Sel-secret"),
        "{stdout}"
    );
    // A bad setting is refused with its name.
    let bad = mde(&["config"], &[("MDE_SESSION_IDLE_MINUTES", "deux heures")]).await;
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).1.contains("MDE_SESSION_IDLE_MINUTES"));
}

#[tokio::test]
async fn sessions_flush_signs_everyone_out_and_says_so_in_their_history() {
    let app = spawn_app().await;
    let w = app.world().await;
    let staff = app.signed_in(STAFF_A).await;
    let partner = app.signed_in(PARTNER).await;
    let anonymous = app.client();
    assert_eq!(anonymous.get("/connexion").await.status(), StatusCode::OK);
    assert_eq!(staff.get("/profil").await.status(), StatusCode::OK);
    let out = mde(
        &["sessions", "flush"],
        &[("DATABASE_URL", &app.database_url)],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("de 2 compte(s)"), "{stdout}");
    for c in [&staff, &partner] {
        assert_redirect_to(&c.get("/profil").await, "/connexion?next=%2Fprofil");
    }
    assert_eq!(app.count("select count(*) from session").await, 0);
    for id in [w.staff_a, w.partner] {
        let n = app
            .count(&format!(
                "select count(*) from event where object_type = 'account' and object_id = {id}
                 and action = 'sessions_fermees' and account_id is null"
            ))
            .await;
        assert_eq!(n, 1, "account {id}'s history");
    }
    // Signing in again works.
    assert_eq!(
        app.signed_in(STAFF_A).await.get("/profil").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn reset_password_prints_a_single_use_link() {
    let app = spawn_app().await;
    let w = app.world().await;
    let staff = app.signed_in(STAFF_A).await;
    let env = [
        ("DATABASE_URL", app.database_url.as_str()),
        ("MDE_BASE_URL", app.addr.as_str()),
    ];
    let out = mde(&["user", "reset-password", &STAFF_A.to_uppercase()], &env).await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let link = stdout.trim();
    let prefix = format!("{}/reinitialisation/", app.addr);
    assert!(link.starts_with(&prefix), "{stdout}");
    assert!(stderr.contains("usage unique"), "{stderr}");
    let path = &link[app.addr.len()..];
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_id = {} and action = 'lien_reinitialisation'
             and account_id is null",
            w.staff_a
        ))
        .await,
        1
    );
    let (status, html) = app.client().get_html(path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"password\""));
    let new_password = "une phrase choisie par la console";
    let form = [
        ("password".to_owned(), new_password.to_owned()),
        ("confirmation".to_owned(), new_password.to_owned()),
    ];
    assert_redirect_to(&app.client().post_raw(path, &form).await, "/");
    assert_redirect_to(&staff.get("/profil").await, "/connexion?next=%2Fprofil");
    assert_redirect_to(&app.client().login(STAFF_A, new_password).await, "/");
    // Single use.
    assert_eq!(app.client().get(path).await.status(), StatusCode::GONE);
    assert_eq!(
        app.client().post_raw(path, &form).await.status(),
        StatusCode::GONE
    );

    // An unknown address: one line, failure.
    let none = mde(&["user", "reset-password", "personne@nulle.part"], &env).await;
    assert_eq!(none.status.code(), Some(1));
    assert!(text(&none).1.contains("aucun compte"));
}

/// PostgreSQL's own programs, as `mde` finds them (the test needs them too).
fn postgres_installed() -> bool {
    mde::private_pg::find_programs(&mde::private_pg::Settings {
        data_dir: "/nonexistent".into(),
        bin_dir: None,
    })
    .is_some()
}

/// Whatever happens to the test, the private server it started does not outlive it (SIGQUIT to the
/// postmaster: immediate shutdown), and its folder goes.
struct PrivateFolder(std::path::PathBuf);

impl Drop for PrivateFolder {
    fn drop(&mut self) {
        let pid_file = self.0.join("donnees").join("postmaster.pid");
        if let Some(pid) = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.lines().next().map(str::to_owned))
        {
            let _ = std::process::Command::new("kill")
                .args(["-QUIT", &pid])
                .status();
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn without_database_url_nor_server_serve_runs_a_private_postgresql() {
    assert!(
        postgres_installed(),
        "this test needs PostgreSQL's programs (initdb, pg_ctl)"
    );
    // The default address points at a free port: nothing answers there.
    let pg_port = free_port().to_string();
    let root =
        PrivateFolder(std::env::temp_dir().join(format!("mde-private-pg-{}", std::process::id())));
    let data_dir = root.0.join("donnees");
    let data = data_dir.to_string_lossy().into_owned();
    let bind = format!("127.0.0.1:{}", free_port());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_mde"))
        .args(["serve", "--bind", &bind])
        .env_remove("DATABASE_URL")
        .env("PGPORT", &pg_port)
        .env("MDE_PRIVATE_PG_DIR", &data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://{bind}");
    let http = reqwest::Client::new();
    let mut up = false;
    for _ in 0..600 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status() == StatusCode::OK
        {
            up = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "mde serve did not come up on a private PostgreSQL");
    let r = http.get(format!("{base}/connexion")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(data_dir.join("PG_VERSION").exists());
    assert!(
        data_dir.join(".s.PGSQL.5432").exists(),
        "a Unix socket in the data folder"
    );
    // A second command joins the running server and leaves it running.
    let other = mde(
        &["sessions", "flush"],
        &[("PGPORT", &pg_port), ("MDE_PRIVATE_PG_DIR", &data)],
    )
    .await;
    let (_, stderr) = text(&other);
    assert!(other.status.success(), "{stderr}");
    assert!(stderr.contains("déjà en marche"), "{stderr}");
    assert!(data_dir.join(".s.PGSQL.5432").exists());

    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = tokio::time::timeout(std::time::Duration::from_secs(90), child.wait_with_output())
        .await
        .expect("mde stops")
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "exit 0: {stdout}{stderr}");
    let announcement: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("PostgreSQL privé"))
        .collect();
    assert_eq!(announcement.len(), 1, "one line: {stderr}");
    assert!(announcement[0].contains(&data), "{stderr}");
    assert!(
        !data_dir.join("postmaster.pid").exists() && !data_dir.join(".s.PGSQL.5432").exists(),
        "the private server stops with mde"
    );
}

#[tokio::test]
async fn without_postgresql_or_with_an_unreachable_database_url_one_line_and_exit_1() {
    let pg_port = free_port().to_string();
    let empty = std::env::temp_dir().join(format!("mde-no-pg-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let bin = empty.to_string_lossy().into_owned();
    let data = empty.join("donnees").to_string_lossy().into_owned();
    let out = mde(
        &["serve"],
        &[
            ("PGPORT", &pg_port),
            ("MDE_PRIVATE_PG_BIN", &bin),
            ("MDE_PRIVATE_PG_DIR", &data),
        ],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("sudo apt install postgresql"), "{stderr}");
    assert!(!empty.join("donnees").exists(), "nothing created");
    std::fs::remove_dir_all(&empty).unwrap();

    // DATABASE_URL set and unreachable: no private server, today's one line.
    let url = format!("postgres://postgres@127.0.0.1:{pg_port}/mde");
    let out = mde(
        &["serve"],
        &[("DATABASE_URL", &url), ("MDE_PRIVATE_PG_DIR", &data)],
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("injoignable"), "{stderr}");
    assert!(!stderr.contains("privé"), "{stderr}");
}

/// Several instances started together on a database that does not exist yet (the « Déployer » set-up): each
/// creates it or finds it created, none fails. PostgreSQL reports the loser of the race as a unique violation
/// on pg_database, not as « database exists ».
#[tokio::test]
async fn instances_starting_together_create_the_database_once() {
    let server = std::env::var("TEST_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .unwrap();
    for round in 0..3 {
        let name = format!("mdet_race_{}_{round}", std::process::id());
        let url = format!("{server}/{name}");
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { mde::db::ensure_database(&url).await })
            })
            .collect();
        let mut failures = Vec::new();
        for t in tasks {
            if let Err(e) = t.await.unwrap() {
                failures.push(e.to_string());
            }
        }
        sqlx::query(&format!("drop database if exists {name} with (force)"))
            .execute(&mut admin)
            .await
            .unwrap();
        assert!(failures.is_empty(), "round {round}: {failures:?}");
    }
}

fn zip_entry(archive: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut entry = archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name} in the archive: {e}"));
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).expect("read entry");
    bytes
}

/// A CSV of the export as the spreadsheet reads it: BOM, `;`, the header row then the rows.
fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let text = text.strip_prefix('\u{FEFF}').expect("a BOM for Excel");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

fn column<'a>(csv: &'a (Vec<String>, Vec<Vec<String>>), header: &str) -> Vec<&'a str> {
    let i = csv
        .0
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header:?} in {:?}", csv.0));
    csv.1.iter().map(|r| r[i].as_str()).collect()
}

#[tokio::test]
async fn export_writes_a_maisons_whole_data_and_reads_back() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = crate::fixtures::Fx::create(&app, &w).await;
    let (document, bytes) = a_big_document_and_hostile_texts(&app, &w, &fx).await;
    let title = |id: i64| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, String>("select title from diagnostic where id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    let (title_a, title_b) = (title(fx.a.diagnostic).await, title(fx.b.diagnostic).await);

    let dir =
        std::env::temp_dir().join(format!("mde-export-{}-{}", std::process::id(), w.maison_a));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("maison-a.zip");
    let env = [("DATABASE_URL", app.database_url.as_str())];
    let maison = w.maison_a.to_string();
    let out = mde(
        &[
            "export",
            "--maison",
            &maison,
            "--output",
            path.to_str().unwrap(),
        ],
        &env,
    )
    .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert_eq!(stdout.trim(), path.to_str().unwrap());
    assert!(stderr.contains("inscrit au journal"), "{stderr}");

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let names: Vec<String> = archive.file_names().map(str::to_owned).collect();
    let xlsx = format!("maison-{}.xlsx", w.maison_a);
    let fixture_doc = format!(
        "documents/diagnostic-{}/{}-etude.pdf",
        fx.a.diagnostic, fx.a.document
    );
    let big_doc = format!(
        "documents/diagnostic-{}/{document}-_Étude « verte ».bin",
        fx.a.diagnostic
    );
    // A fiche action's proof, from the same document store, in a folder of its own.
    let proof_doc = format!(
        "documents/action-{}/{}-emargement.pdf",
        fx.a.action, fx.a.proof
    );
    the_archive_holds_every_table(&names, &xlsx, &[&fixture_doc, &big_doc, &proof_doc]);
    assert_eq!(zip_entry(&mut archive, &proof_doc), b"%PDF-1.4\n");

    // The documents, byte for byte.
    assert_eq!(zip_entry(&mut archive, &big_doc), bytes);
    assert_eq!(zip_entry(&mut archive, &fixture_doc), b"%PDF-1.4\n");
    let docs = parse_csv(&zip_entry(&mut archive, "csv/documents.csv"));
    assert!(column(&docs, "Fichier dans l'archive").contains(&big_doc.as_str()));
    assert!(column(&docs, "Nom du fichier").contains(&"../Étude « verte ».bin"));
    assert!(column(&docs, "Rattaché à").contains(&"Fiche action"));
    assert!(column(&docs, "Rattaché à").contains(&"Diagnostic"));

    the_tables_hold_a_data_typed_and_in_french(&mut archive, &names, &title_a, &title_b);
    the_workbook_has_one_sheet_per_table(&mut archive, &xlsx);

    // The export is in the Maison's journal, by the command line.
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'maison' and object_id = {}
             and action = 'export' and account_id is null and maison_id = {0}
             and summary like 'Export complet%'",
            w.maison_a
        ))
        .await,
        1
    );

    an_unknown_maison_is_refused(&dir, &env).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A document of some size with a name no file system should take as a path, and a hostile text; returns
/// the document's id and bytes.
async fn a_big_document_and_hostile_texts(
    app: &TestApp,
    w: &World,
    fx: &crate::fixtures::Fx,
) -> (i64, Vec<u8>) {
    let bytes: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let document: i64 = sqlx::query_scalar(
        "insert into document (diagnostic_id, filename, content_type, size_bytes, data, uploaded_by)
         values ($1, '../Étude « verte ».bin', 'application/octet-stream', $2, $3, $4) returning id",
    )
    .bind(fx.a.diagnostic)
    .bind(bytes.len() as i32)
    .bind(&bytes)
    .bind(w.staff_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query("update partnership set note = '=HYPERLINK(\"http://x.example\")' where id = $1")
        .bind(fx.a.partnership)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into event (account_id, maison_id, object_type, object_id, action, summary, changes)
         values ($1, $2, 'maison', $2, 'modification', 'Fiche de la Maison modifiée',
                 '[{\"field\": \"phone\", \"label\": \"Téléphone\", \"before\": \"\", \"after\": \"03 20 00 00 00\"}]')",
    )
    .bind(w.staff_a)
    .bind(w.maison_a)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into transition (object_type, object_id, from_status, to_status, account_id)
         values ('plan', $1, 'soumis', 'valide', $2)",
    )
    .bind(fx.a.plan)
    .bind(w.staff_a)
    .execute(&app.db)
    .await
    .unwrap();
    (document, bytes)
}

fn the_archive_holds_every_table(names: &[String], xlsx: &str, docs: &[&str]) {
    for file in [
        "maison",
        "territoire",
        "partenariats",
        "contacts",
        "personnes",
        "diagnostics",
        "sections",
        "commentaires",
        "valeurs-indicateurs",
        "documents",
        "plans",
        "decisions-copil",
        "reunions-copil",
        "avis-reseau",
        "fiches-actions",
        "financements",
        "indicateurs-fiches",
        "suivi-fiches",
        "etapes",
        "journal",
    ] {
        assert!(
            names.contains(&format!("csv/{file}.csv")),
            "csv/{file}.csv in {names:?}"
        );
    }
    for name in ["LISEZMOI.txt", xlsx].iter().chain(docs) {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    assert_eq!(names.len(), 20 + 2 + docs.len(), "{names:?}");
}

/// The tables, parsed: A's data, typed and in French, and nothing of Maison B.
fn the_tables_hold_a_data_typed_and_in_french(
    archive: &mut zip::ZipArchive<std::fs::File>,
    names: &[String],
    title_a: &str,
    title_b: &str,
) {
    let maison = parse_csv(&zip_entry(archive, "csv/maison.csv"));
    assert_eq!(column(&maison, "Nom"), ["Maison de l'emploi A"]);
    assert_eq!(column(&maison, "Forme juridique"), ["association"]);
    let diagnostics = parse_csv(&zip_entry(archive, "csv/diagnostics.csv"));
    assert_eq!(column(&diagnostics, "Titre"), [title_a]);
    assert_eq!(column(&diagnostics, "Statut"), ["partagé"]);
    assert_eq!(
        column(&diagnostics, "Partagé avec"),
        ["France Travail Nord"]
    );
    let sections = parse_csv(&zip_entry(archive, "csv/sections.csv"));
    assert!(
        column(&sections, "Texte (Markdown)").contains(&"Le territoire compte **12 000** emplois.")
    );
    let comments = parse_csv(&zip_entry(archive, "csv/commentaires.csv"));
    assert_eq!(column(&comments, "Commentaire"), ["Un avis"]);
    assert_eq!(column(&comments, "État du fil"), ["ouvert"]);
    let values = parse_csv(&zip_entry(archive, "csv/valeurs-indicateurs.csv"));
    assert_eq!(column(&values, "Valeur"), ["1234"]);
    let fiches = parse_csv(&zip_entry(archive, "csv/fiches-actions.csv"));
    assert_eq!(fiches.1.len(), 2, "both plans' fiches");
    assert!(column(&fiches, "Statut").contains(&"en cours"));
    let funding = parse_csv(&zip_entry(archive, "csv/financements.csv"));
    assert_eq!(column(&funding, "Montant (€)"), ["15000"]);
    assert_eq!(column(&funding, "État"), ["acquis"]);
    let partners = parse_csv(&zip_entry(archive, "csv/partenariats.csv"));
    assert_eq!(
        column(&partners, "Note"),
        ["'=HYPERLINK(\"http://x.example\")"],
        "the one CSV writer neutralises formulas"
    );
    let people = parse_csv(&zip_entry(archive, "csv/personnes.csv"));
    let emails = column(&people, "Courriel");
    assert!(emails.contains(&"staff-a@test.example") && emails.contains(&"resp-a@test.example"));
    assert!(!emails.contains(&"staff-b@test.example"));
    let journal = parse_csv(&zip_entry(archive, "csv/journal.csv"));
    assert_eq!(column(&journal, "Par"), ["Personne staff-a@test.example"]);
    assert_eq!(
        column(&journal, "Modifications"),
        ["Téléphone : — → 03 20 00 00 00"]
    );
    let steps = parse_csv(&zip_entry(archive, "csv/etapes.csv"));
    assert_eq!(column(&steps, "Objet"), ["plan"]);
    assert_eq!(column(&steps, "Statut avant"), ["soumis au copil"]);
    assert_eq!(column(&steps, "Statut après"), ["validé"]);
    let readme = String::from_utf8(zip_entry(archive, "LISEZMOI.txt")).unwrap();
    assert!(readme.contains("Maison de l'emploi A") && readme.contains("csv/financements.csv"));
    for name in names
        .iter()
        .filter(|n| n.ends_with(".csv") || n.ends_with(".txt"))
    {
        let content = zip_entry(archive, name);
        let content = String::from_utf8_lossy(&content);
        assert!(
            !content.contains(title_b),
            "{name} holds Maison B's diagnostic"
        );
        assert!(!content.contains("$argon2"), "{name} holds a password hash");
    }
}

/// The workbook: one sheet per table, typed cells.
fn the_workbook_has_one_sheet_per_table(archive: &mut zip::ZipArchive<std::fs::File>, xlsx: &str) {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(zip_entry(archive, xlsx))).unwrap();
    assert_eq!(book.sheet_names().len(), 20);
    let range = book.worksheet_range("Financements").unwrap();
    let amount = (0..range.width())
        .find(|&c| range.get_value((0, c as u32)) == Some(&Data::String("Montant (€)".into())))
        .unwrap();
    assert_eq!(
        range.get_value((1, amount as u32)),
        Some(&Data::Float(15000.0))
    );
}

/// An unknown Maison: a French line, failure, no file.
async fn an_unknown_maison_is_refused(dir: &std::path::Path, env: &[(&str, &str)]) {
    let missing = dir.join("personne.zip");
    let out = mde(
        &[
            "export",
            "--maison",
            "999999",
            "--output",
            missing.to_str().unwrap(),
        ],
        env,
    )
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("aucune Maison n'a le numéro 999999"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!missing.exists());
}
