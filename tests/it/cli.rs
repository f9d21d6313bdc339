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
async fn mde(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
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
