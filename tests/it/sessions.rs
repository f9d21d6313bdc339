//! Session rules not covered in `auth.rs`: idle expiry, the sliding expiry, `Secure` cookies behind HTTPS,
//! a deactivated account's live session, forged cookies.

use reqwest::StatusCode;

use crate::helpers::*;

fn set_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn a_session_past_its_idle_expiry_is_refused() {
    let app = spawn_app().await;
    app.world().await;
    let c = app.signed_in(STAFF_A).await;
    assert_eq!(c.get("/").await.status(), StatusCode::OK);
    sqlx::query("update session set expires_at = now() - interval '1 second'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_redirect_to(&c.get("/").await, "/connexion");
    assert_redirect_to(&c.get("/profil").await, "/connexion?next=%2Fprofil");
    // The stale cookie does not revive: even a write with the old token is refused.
    let r = c
        .post_raw(
            "/notifications/tout-lu",
            &[("csrf".into(), c.csrf.clone().unwrap_or_default())],
        )
        .await;
    assert!(
        r.status() == StatusCode::SEE_OTHER || r.status() == StatusCode::FORBIDDEN,
        "{}",
        r.status()
    );
}

#[tokio::test]
async fn using_a_session_slides_its_expiry() {
    let app = spawn_app_with(|c| c.session_idle = std::time::Duration::from_secs(600)).await;
    app.world().await;
    let c = app.signed_in(STAFF_A).await;
    // Last used five minutes ago, five minutes left.
    sqlx::query(
        "update session set last_seen_at = now() - interval '5 minutes',
                            expires_at = now() + interval '5 minutes'",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(c.get("/").await.status(), StatusCode::OK);
    let left: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - now())::float8 from session limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        (590.0..=601.0).contains(&left),
        "expiry slid to the idle time: {left}"
    );
}

#[tokio::test]
async fn a_deactivated_account_loses_its_live_session() {
    let app = spawn_app().await;
    let w = app.world().await;
    let c = app.signed_in(STAFF_A).await;
    sqlx::query("update account set active = false where id = $1")
        .bind(w.staff_a)
        .execute(&app.db)
        .await
        .unwrap();
    assert_redirect_to(&c.get("/").await, "/connexion");
}

#[tokio::test]
async fn cookies_are_secure_when_configured() {
    let app = spawn_app_with(|c| c.secure_cookies = true).await;
    app.world().await;
    let mut c = app.client();
    let r = c.login(ADMIN, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = set_cookie(&r);
    assert!(cookie.starts_with("mde_session="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing: {cookie}");
    }
    // The cookie jar of reqwest does not send Secure cookies over http: replay it by hand.
    let pair = cookie.split(';').next().unwrap().to_owned();
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = raw
        .get(format!("{}/profil", app.addr))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let csrf = find_csrf(&html).unwrap();
    let r = raw
        .post(format!("{}/deconnexion", app.addr))
        .header("cookie", &pair)
        .header("origin", &app.addr)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let removal = set_cookie(&r);
    assert!(
        removal.starts_with("mde_session=") && removal.contains("Secure"),
        "the removal cookie is Secure too: {removal}"
    );
}

#[tokio::test]
async fn forged_or_absurd_cookies_are_just_anonymous() {
    let app = spawn_app().await;
    app.world().await;
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let long = "a".repeat(4000);
    for value in [
        "",
        "0",
        "' or 1=1 --",
        long.as_str(),
        "%FF%FE",
        "00000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let r = raw
            .get(format!("{}/profil", app.addr))
            .header("cookie", format!("mde_session={value}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{value:.40}");
        assert_eq!(location(&r), "/connexion?next=%2Fprofil");
    }
}
