//! Test harness: `spawn_app()` gives a fresh database (cloned from a migrated template that already holds the
//! reference geography) and the real application on a free port; `TestClient` is a browser-like client with
//! its own cookie jar that finds the CSRF token of its session by itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use mde::config::Config;
use mde::state::AppState;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::sync::OnceCell;

pub const PASSWORD: &str = "mot de passe de test 2026";

fn server_url() -> String {
    std::env::var("TEST_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn db_url(name: &str) -> String {
    format!("{}/{}", server_url(), name)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The template's name changes with the migrations, so a schema change builds a new one.
fn template_name() -> String {
    let mut h = Sha256::new();
    for m in mde::db::MIGRATOR.iter() {
        h.update(m.version.to_le_bytes());
        h.update(&m.checksum);
    }
    format!("mde_test_tpl_{}", &hex::encode(h.finalize())[..16])
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn maintenance() -> PgConnection {
    PgConnection::connect(&db_url("postgres"))
        .await
        .expect("PostgreSQL for tests at TEST_DATABASE_SERVER")
}

async fn build_template() -> String {
    let name = template_name();
    let mut conn = maintenance().await;
    conn.execute("select pg_advisory_lock(727100)")
        .await
        .expect("lock");
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await
            .expect("query");
    if !exists {
        let building = format!("{name}_building");
        conn.execute(format!("drop database if exists {building} with (force)").as_str())
            .await
            .expect("drop");
        conn.execute(format!("create database {building}").as_str())
            .await
            .expect("create");
        let pool = mde::db::prepare(&db_url(&building), 2)
            .await
            .expect("migrate template");
        pool.close().await;
        conn.execute(format!("alter database {building} rename to {name}").as_str())
            .await
            .expect("rename");
    }
    // Test databases older than three hours are left-overs of earlier runs.
    let old: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'mdet\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    for db in old {
        let ts: u64 = db
            .split('_')
            .nth(1)
            .and_then(|t| t.parse().ok())
            .unwrap_or(u64::MAX);
        if ts.saturating_add(3 * 3600) < now_secs() {
            let _ = conn
                .execute(format!("drop database if exists {db} with (force)").as_str())
                .await;
        }
    }
    conn.execute("select pg_advisory_unlock(727100)")
        .await
        .expect("unlock");
    name
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh database with the schema and reference data; returns its URL.
pub async fn fresh_database() -> String {
    let template = TEMPLATE.get_or_init(build_template).await;
    let name = format!(
        "mdet_{}_{}_{}",
        now_secs(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = maintenance().await;
    // A template being used by another CREATE DATABASE is busy for a moment: retry.
    for attempt in 0..50 {
        match conn
            .execute(format!("create database {name} template {template}").as_str())
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 49 => {
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot create test database: {e}"),
        }
    }
    db_url(&name)
}

pub struct TestApp {
    pub addr: String,
    pub db: PgPool,
    pub database_url: String,
    /// The app that created its database drops it at the end of the test (a run makes hundreds).
    owns_database: bool,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !self.owns_database {
            return;
        }
        let name = self
            .database_url
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&db_url("postgres")).await {
                    let sql = format!("drop database if exists {name} with (force)");
                    let _ = conn.execute(sql.as_str()).await;
                }
            });
        })
        .join();
    }
}

pub async fn spawn_app() -> TestApp {
    let url = fresh_database().await;
    let mut app = spawn_app_on(&url).await;
    app.owns_database = true;
    app
}

/// Another application instance on the same database (sessions must be shared).
pub async fn spawn_app_on(url: &str) -> TestApp {
    spawn_app_on_with(url, |_| {}).await
}

/// A fresh database and an application whose settings `config_fn` adjusts (SMTP, secure cookies…).
pub async fn spawn_app_with(config_fn: impl FnOnce(&mut Config)) -> TestApp {
    let url = fresh_database().await;
    let mut app = spawn_app_on_with(&url, config_fn).await;
    app.owns_database = true;
    app
}

pub async fn spawn_app_on_with(url: &str, config_fn: impl FnOnce(&mut Config)) -> TestApp {
    let db = mde::db::pool(url, 5).await.expect("pool");
    let mut config = Config::for_tests(url.to_owned());
    config_fn(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    config.base_url = addr.clone();
    let state = AppState::new(db.clone(), config);
    state.spawn_background();
    let app = mde::app(state);
    tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.expect("serve");
    });
    TestApp {
        addr,
        db,
        database_url: url.to_owned(),
        owns_database: false,
    }
}

impl TestApp {
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.addr)
    }

    /// Creates an account with `PASSWORD`; returns its id.
    pub async fn account(
        &self,
        email: &str,
        role: &str,
        maison: Option<i64>,
        organisation: Option<i64>,
        responsable: bool,
    ) -> i64 {
        let hash = mde::auth::password::hash_blocking(PASSWORD).expect("hash");
        sqlx::query_scalar(
            "insert into account (email, name, role, maison_id, organisation_id, responsable, password_hash)
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
        )
        .bind(email)
        .bind(format!("Personne {email}"))
        .bind(role)
        .bind(maison)
        .bind(organisation)
        .bind(responsable)
        .bind(hash)
        .fetch_one(&self.db)
        .await
        .expect("insert account")
    }

    /// A Maison on a real EPCI (Métropole Européenne de Lille by default).
    pub async fn maison(&self, name: &str) -> i64 {
        let id: i64 = sqlx::query_scalar(
            "insert into maison (name, legal_form, region_code, departement_code, city)
             values ($1, 'association', '32', '59', 'Lille') returning id",
        )
        .bind(name)
        .fetch_one(&self.db)
        .await
        .expect("insert maison");
        sqlx::query("insert into maison_epci (maison_id, epci_siren) values ($1, '200093201')")
            .bind(id)
            .execute(&self.db)
            .await
            .expect("insert maison_epci");
        id
    }

    pub async fn organisation(&self, name: &str, type_code: &str) -> i64 {
        sqlx::query_scalar("insert into organisation (name, type_code, region_code) values ($1, $2, '32') returning id")
            .bind(name)
            .bind(type_code)
            .fetch_one(&self.db)
            .await
            .expect("insert organisation")
    }

    pub async fn partnership(&self, maison: i64, organisation: i64, roles: &[&str]) {
        sqlx::query(
            "insert into partnership (maison_id, organisation_id, roles) values ($1, $2, $3)",
        )
        .bind(maison)
        .bind(organisation)
        .bind(roles.iter().map(|r| r.to_string()).collect::<Vec<_>>())
        .execute(&self.db)
        .await
        .expect("insert partnership");
    }

    /// The standard cast: an admin, two Maisons (A with a responsable and a staff member, B with a staff
    /// member), a partner organisation of A with one person, and a second organisation with one person.
    pub async fn world(&self) -> World {
        let maison_a = self.maison("Maison de l'emploi A").await;
        let maison_b = self.maison("Maison de l'emploi B").await;
        let org = self
            .organisation("France Travail Nord", "france_travail")
            .await;
        let other_org = self.organisation("CAPEB du Var", "federation").await;
        self.partnership(maison_a, org, &["membre_constitutif", "copil"])
            .await;
        // A created its partner organisation and is its only partner: A manages it.
        sqlx::query("update organisation set created_by_maison = $1 where id = $2")
            .bind(maison_a)
            .bind(org)
            .execute(&self.db)
            .await
            .expect("creator of the organisation");
        World {
            admin: self
                .account("admin@test.example", "admin", None, None, false)
                .await,
            responsable_a: self
                .account("resp-a@test.example", "staff", Some(maison_a), None, true)
                .await,
            staff_a: self
                .account("staff-a@test.example", "staff", Some(maison_a), None, false)
                .await,
            staff_b: self
                .account("staff-b@test.example", "staff", Some(maison_b), None, false)
                .await,
            partner: self
                .account("partner@test.example", "partner", None, Some(org), false)
                .await,
            other_partner: self
                .account(
                    "other@test.example",
                    "partner",
                    None,
                    Some(other_org),
                    false,
                )
                .await,
            maison_a,
            maison_b,
            org,
            other_org,
        }
    }

    /// A client already signed in as the given e-mail (with `PASSWORD`).
    pub async fn signed_in(&self, email: &str) -> TestClient {
        let mut c = self.client();
        let r = c.login(email, PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed"
        );
        c
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db)
            .await
            .expect("count query")
    }
}

pub struct World {
    pub admin: i64,
    pub responsable_a: i64,
    pub staff_a: i64,
    pub staff_b: i64,
    pub partner: i64,
    pub other_partner: i64,
    pub maison_a: i64,
    pub maison_b: i64,
    pub org: i64,
    pub other_org: i64,
}

pub const ADMIN: &str = "admin@test.example";
pub const RESP_A: &str = "resp-a@test.example";
pub const STAFF_A: &str = "staff-a@test.example";
pub const STAFF_B: &str = "staff-b@test.example";
pub const PARTNER: &str = "partner@test.example";
pub const OTHER_PARTNER: &str = "other@test.example";

pub struct TestClient {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: Option<String>,
}

/// The hidden fields of a confirmation page's form (`web::confirm`), in order.
pub fn confirmation_fields(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let forms = scraper::Selector::parse("form").unwrap();
    let hidden = scraper::Selector::parse("input[type=hidden]").unwrap();
    let confirmation = scraper::Selector::parse("input[name=confirmation]").unwrap();
    let form = doc
        .select(&forms)
        .find(|f| f.select(&confirmation).next().is_some())
        .unwrap_or_else(|| panic!("expected a confirmation page: {html}"));
    form.select(&hidden)
        .filter_map(|i| {
            let name = i.value().attr("name")?;
            Some((
                name.to_owned(),
                i.value().attr("value").unwrap_or("").to_owned(),
            ))
        })
        .collect()
}

/// The value of the first `<input name="csrf">` of a page.
pub fn find_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[i + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

impl TestClient {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        TestClient {
            http,
            base: base.to_owned(),
            csrf: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.text().await.expect("body"))
    }

    /// POSTs a form as a same-origin browser page would, with the session's CSRF token added.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        if self.csrf.is_none() {
            self.refresh_csrf().await;
        }
        let mut fields: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(t) = &self.csrf
            && !fields.iter().any(|(k, _)| k == "csrf")
        {
            fields.push(("csrf".into(), t.clone()));
        }
        self.post_raw(path, &fields).await
    }

    /// POSTs an irreversible step's form and, when it answers with its confirmation page (`web::confirm`),
    /// confirms it: sends the page's form back as a person clicking « Confirmer » does. Returns the
    /// confirmation page (or the only answer) and the final answer.
    pub async fn post_confirmed(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (Option<String>, reqwest::Response) {
        let r = self.post(path, form).await;
        if r.status() != StatusCode::OK {
            return (None, r);
        }
        let page = r.text().await.unwrap();
        let fields = confirmation_fields(&page);
        let r = self.post_raw(path, &fields).await;
        (Some(page), r)
    }

    /// POSTs exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, form: &[(String, String)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header("Origin", &self.base)
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// POSTs a file upload (`multipart/form-data`: the field `file`, and `csrf`: the session's token, or
    /// `token` when given).
    pub async fn post_file(
        &mut self,
        path: &str,
        token: Option<&str>,
        filename: &str,
        data: &[u8],
    ) -> reqwest::Response {
        if self.csrf.is_none() {
            self.refresh_csrf().await;
        }
        let token = token
            .map(str::to_owned)
            .unwrap_or_else(|| self.csrf.clone().unwrap_or_default());
        let boundary = "----mdetestboundary7MA4YWxkTrZu0gW";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.http
            .post(self.url(path))
            .header("Origin", &self.base)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn refresh_csrf(&mut self) {
        let (_, html) = self.get_html("/profil").await;
        self.csrf = find_csrf(&html);
    }

    pub async fn login(&mut self, email: &str, password: &str) -> reqwest::Response {
        let r = self
            .post_raw(
                "/connexion",
                &[
                    ("email".into(), email.into()),
                    ("password".into(), password.into()),
                ],
            )
            .await;
        self.csrf = None;
        r
    }
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[track_caller]
pub fn assert_redirect_to(r: &reqwest::Response, target: &str) {
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "expected a 303 to {target}"
    );
    assert_eq!(location(r), target);
}

/// The text of a page as a person reads it (askama escapes apostrophes, quotes and ampersands).
pub fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

/// The body rows of the table whose caption begins with `caption`, each as its cells' texts.
pub fn table_rows(html: &str, caption: &str) -> Vec<Vec<String>> {
    let doc = scraper::Html::parse_document(html);
    let cap = scraper::Selector::parse("caption").expect("selector");
    let t = doc
        .select(&scraper::Selector::parse("table").expect("selector"))
        .find(|t| {
            t.select(&cap)
                .next()
                .is_some_and(|c| c.text().collect::<String>().starts_with(caption))
        })
        .unwrap_or_else(|| panic!("no table « {caption} »"));
    t.select(&scraper::Selector::parse("tbody tr").expect("selector"))
        .map(|r| {
            r.select(&scraper::Selector::parse("th, td").expect("selector"))
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect()
}
