//! Sign-in, sign-out, sessions, CSRF, throttling, roles' home pages, health.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn anonymous_visitor_is_sent_to_sign_in() {
    let app = spawn_app().await;
    let c = app.client();
    assert_redirect_to(&c.get("/").await, "/connexion");
    assert_redirect_to(&c.get("/profil").await, "/connexion?next=%2Fprofil");
    let (status, html) = c.get_html("/connexion").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"email\"") && html.contains("name=\"password\""));
    assert!(html.contains("<html lang=\"fr\">"));
}

#[tokio::test]
async fn good_password_signs_in_with_safe_cookie_and_audit() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut c = app.client();
    let r = c.login(ADMIN, PASSWORD).await;
    assert_redirect_to(&r, "/");
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(cookie.starts_with("mde_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(
        !cookie.contains("Secure"),
        "Secure only with MDE_SECURE_COOKIES=true"
    );
    let (status, html) = c.get_html("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Le réseau des Maisons de l'Emploi"));
    let n = app
        .count(&format!(
            "select count(*) from event where account_id = {} and action = 'connexion'",
            w.admin
        ))
        .await;
    assert_eq!(n, 1);
    let last: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select last_login_at from account where id = $1")
            .bind(w.admin)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(last.is_some());
}

#[tokio::test]
async fn next_parameter_is_followed_only_on_site() {
    let app = spawn_app().await;
    app.world().await;
    let c = app.client();
    let form = |next: &str| {
        vec![
            ("email".to_string(), ADMIN.to_string()),
            ("password".to_string(), PASSWORD.to_string()),
            ("next".to_string(), next.to_string()),
        ]
    };
    assert_redirect_to(&c.post_raw("/connexion", &form("/profil")).await, "/profil");
    let c = app.client();
    assert_redirect_to(
        &c.post_raw("/connexion", &form("//evil.example/x")).await,
        "/",
    );
    let c = app.client();
    assert_redirect_to(
        &c.post_raw("/connexion", &form("https://evil.example/"))
            .await,
        "/",
    );
}

#[tokio::test]
async fn bad_password_and_unknown_email_get_the_same_message() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.client();
    let r = c.login(ADMIN, "mauvais mot de passe").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = r.text().await.unwrap();
    assert!(wrong.contains("Adresse e-mail ou mot de passe incorrect."));
    assert!(
        wrong.contains("value=\"admin@test.example\""),
        "the typed e-mail is kept"
    );
    let r = c
        .login("personne@inconnu.example", "mauvais mot de passe")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Adresse e-mail ou mot de passe incorrect.")
    );
    assert_redirect_to(&c.get("/").await, "/connexion");
}

#[tokio::test]
async fn inactive_account_cannot_sign_in() {
    let app = spawn_app().await;
    let w = app.world().await;
    sqlx::query("update account set active = false where id = $1")
        .bind(w.staff_a)
        .execute(&app.db)
        .await
        .unwrap();
    let mut c = app.client();
    assert_eq!(
        c.login(STAFF_A, PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn five_failures_suspend_sign_in_even_with_the_right_password() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.client();
    for _ in 0..5 {
        assert_eq!(
            c.login(STAFF_A, "pas le bon mot de passe").await.status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let r = c.login(STAFF_A, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = r.text().await.unwrap();
    assert!(html.contains("Trop de tentatives"), "{html}");
    assert!(html.contains("minutes"));
    // Another account is not affected.
    assert_eq!(
        c.login(STAFF_B, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    // Once the failures are older than the window, sign-in works again.
    sqlx::query("update login_failure set at = at - interval '16 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.client().login(STAFF_A, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn sign_out_destroys_the_session_server_side() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.client();
    let r = c.login(ADMIN, PASSWORD).await;
    let token = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(app.count("select count(*) from session").await, 1);
    let r = c.post("/deconnexion", &[]).await;
    assert_redirect_to(&r, "/connexion?deconnexion=1");
    assert_eq!(app.count("select count(*) from session").await, 0);
    // Replaying the old cookie gets nothing.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = raw
        .get(format!("{}/", app.addr))
        .header("cookie", token)
        .send()
        .await
        .unwrap();
    assert_redirect_to(&r, "/connexion");
}

#[tokio::test]
async fn session_id_changes_at_sign_in() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.client();
    let first = c.login(ADMIN, PASSWORD).await.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let second = c.login(ADMIN, PASSWORD).await.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(
        app.count("select count(*) from session").await,
        1,
        "the previous session was destroyed"
    );
}

#[tokio::test]
async fn two_instances_share_sessions() {
    let one = spawn_app().await;
    one.world().await;
    let two = spawn_app_on(&one.database_url).await;
    let mut c = one.client();
    let r = c.login(ADMIN, PASSWORD).await;
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = raw
        .get(format!("{}/", two.addr))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Signing out on one instance signs out on the other.
    c.post("/deconnexion", &[]).await;
    let r = raw
        .get(format!("{}/", two.addr))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_redirect_to(&r, "/connexion");
}

#[tokio::test]
async fn cross_site_and_tokenless_posts_are_refused() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.signed_in(STAFF_A).await;
    c.refresh_csrf().await;
    let token = c.csrf.clone().unwrap();
    let form = [
        ("csrf".to_string(), token.clone()),
        ("current".to_string(), PASSWORD.to_string()),
        ("new".to_string(), "un nouveau mot de passe".to_string()),
        (
            "confirmation".to_string(),
            "un nouveau mot de passe".to_string(),
        ),
    ];
    // A foreign Origin is refused even with a valid token.
    let r = c
        .http
        .post(c.url("/profil/mot-de-passe"))
        .header("Origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("Action refusée"));
    // Sec-Fetch-Site: cross-site is refused.
    let r = c
        .http
        .post(c.url("/profil/mot-de-passe"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A missing or wrong token is refused.
    let r = c.post_raw("/profil/mot-de-passe", &form[1..]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut bad = form.to_vec();
    bad[0].1 = "0".repeat(64);
    assert_eq!(
        c.post_raw("/profil/mot-de-passe", &bad).await.status(),
        StatusCode::FORBIDDEN
    );
    // Cross-site sign-in is refused too (login CSRF).
    let r = app
        .client()
        .http
        .post(format!("{}/connexion", app.addr))
        .header("Origin", "https://evil.example")
        .form(&[("email", ADMIN), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nothing changed: the old password still works.
    assert_eq!(
        app.client().login(STAFF_A, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn password_change_checks_and_ends_other_sessions() {
    let app = spawn_app().await;
    app.world().await;
    let mut a = app.signed_in(STAFF_A).await;
    let other = app.signed_in(STAFF_A).await;
    let r = a
        .post(
            "/profil/mot-de-passe",
            &[
                ("current", "faux"),
                ("new", "court"),
                ("confirmation", "court"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Le mot de passe actuel est incorrect."));
    assert!(html.contains("au moins 12 caractères"));
    let new = "une phrase de passe toute neuve";
    let r = a
        .post(
            "/profil/mot-de-passe",
            &[("current", PASSWORD), ("new", new), ("confirmation", new)],
        )
        .await;
    assert_redirect_to(&r, "/profil");
    let (_, html) = a.get_html("/profil").await;
    assert!(html.contains("Votre mot de passe a été modifié."));
    assert_redirect_to(&other.get("/").await, "/connexion");
    assert_eq!(
        app.client().login(STAFF_A, PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.client().login(STAFF_A, new).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn each_role_gets_its_home_page() {
    let app = spawn_app().await;
    app.world().await;
    let (_, html) = app.signed_in(ADMIN).await.get_html("/").await;
    assert!(html.contains("Le réseau des Maisons de l'Emploi"));
    let (_, html) = app.signed_in(RESP_A).await.get_html("/").await;
    assert!(
        html.contains("<h1>Maison de l&#39;emploi A</h1>")
            || html.contains("<h1>Maison de l&#x27;emploi A</h1>"),
        "{html}"
    );
    assert!(html.contains("Responsable de la Maison"));
    let (_, html) = app.signed_in(PARTNER).await.get_html("/").await;
    assert!(html.contains("France Travail Nord"));
    assert!(
        html.contains("Maison de l"),
        "the partnered Maison is listed"
    );
    assert!(html.contains("comité de pilotage"));
}

#[tokio::test]
async fn pages_a_role_may_not_see_answer_404() {
    let app = spawn_app().await;
    app.world().await;
    for who in [STAFF_A, RESP_A, PARTNER] {
        let (status, html) = app.signed_in(who).await.get_html("/journal").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
        assert!(html.contains("Page introuvable"));
    }
    assert_eq!(
        app.signed_in(ADMIN).await.get("/journal").await.status(),
        StatusCode::OK
    );
    let (status, html) = app.signed_in(STAFF_A).await.get_html("/nulle-part").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("Se déconnecter"),
        "the 404 page keeps the signed-in layout"
    );
}

#[tokio::test]
async fn healthz_answers_and_security_headers_are_set() {
    let app = spawn_app().await;
    let r = app.client().get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.client().get("/connexion").await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers().contains_key("referrer-policy"));
}

#[tokio::test]
async fn healthz_says_503_quickly_when_the_database_is_gone() {
    let app = spawn_app().await;
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    // Kill every connection and forbid new ones: the database is "down" for this app.
    let mut admin = sqlx::PgPool::connect(&app.database_url.replace(&name, "postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("alter database {name} allow_connections false"))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1")
        .bind(&name)
        .execute(&admin)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let r = app.client().get("/healthz").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < std::time::Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    let (status, html) = app.client().get_html("/connexion").await;
    assert!(status == StatusCode::OK || status == StatusCode::SERVICE_UNAVAILABLE);
    assert!(!html.contains("sqlx") && !html.contains("panicked"));
    sqlx::query(&format!("alter database {name} allow_connections true"))
        .execute(&admin)
        .await
        .unwrap();
    let mut ok = false;
    for _ in 0..20 {
        if app.client().get("/healthz").await.status() == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(ok, "health comes back without a restart");
    admin.close().await;
    let _ = &mut admin;
}

#[tokio::test]
async fn static_assets_are_served_with_long_cache() {
    let app = spawn_app().await;
    let (_, html) = app.client().get_html("/connexion").await;
    let start = html.find("/static/app.").unwrap();
    let href = &html[start..start + html[start..].find('"').unwrap()];
    let r = app.client().get(href).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        app.client()
            .get("/static/app.000000000000.css")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_nul_character_in_the_email_is_refused_not_a_500() {
    let app = spawn_app().await;
    app.world().await;
    let r = app
        .client()
        .post_raw(
            "/connexion",
            &[
                ("email".into(), "admin@test.example\0".into()),
                ("password".into(), "pas le bon mot de passe".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// Issue 14, findings 3 and 5: browsers drop tab, CR and LF from a `Location`, so `/<TAB>/evil.example` is
/// `//evil.example` to them; control characters made the redirect panic (500) after the session was committed.
#[tokio::test]
async fn next_is_judged_as_a_browser_would_read_it() {
    let app = spawn_app().await;
    app.world().await;
    let hostile = [
        "%2F%09%2Fevil.example",
        "%2F%0A%2Fevil.example",
        "%2F%0D%2Fevil.example",
        "%2F%5C%2Fevil.example",
        "%5C%5Cevil.example",
        "%2F%0B",
        "%2F%00",
        "%2Fa%7F",
        "%0A",
        "%09%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example%2F",
        "javascript%3Aalert(1)",
        "%2F%2F%2Fevil.example",
    ];
    let c = app.signed_in(STAFF_A).await;
    for next in hostile {
        let r = c.get(&format!("/connexion?next={next}")).await;
        assert_redirect_to(&r, "/");
    }
    // The site's own pages are followed, an absolute URL of this very site included.
    assert_redirect_to(
        &c.get("/connexion?next=%2Fprofil%3Fa%3D1").await,
        "/profil?a=1",
    );
    let own = mde::web::url_encode(&format!("{}/profil", app.addr));
    assert_redirect_to(&c.get(&format!("/connexion?next={own}")).await, "/profil");

    for next in [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\u{b}",
        "/\0",
        "/a\u{7f}",
    ] {
        let sessions_before = app.count("select count(*) from session").await;
        let c = app.client();
        let r = c
            .post_raw(
                "/connexion",
                &[
                    ("email".to_string(), ADMIN.to_string()),
                    ("password".to_string(), PASSWORD.to_string()),
                    ("next".to_string(), next.to_string()),
                ],
            )
            .await;
        assert_redirect_to(&r, "/");
        assert!(
            r.headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("mde_session=")),
            "the session made is the one sent"
        );
        // Exactly one new session: the one whose cookie was sent, none left behind.
        assert_eq!(
            app.count("select count(*) from session").await,
            sessions_before + 1,
            "{next:?}"
        );
    }
}
