//! In-portal notifications: the header counter, the list, mark as read (one, all), and nobody else's.

use reqwest::StatusCode;

use crate::helpers::*;

async fn notify(app: &TestApp, account: i64, message: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    mde::notifications::notify(
        &mut conn,
        &[account, account],
        mde::notifications::Kind::Reponse,
        message,
        "/profil",
    )
    .await
    .unwrap();
    sqlx::query_scalar("select max(id) from notification where account_id = $1")
        .bind(account)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn counter_list_and_mark_as_read() {
    let app = spawn_app().await;
    let w = app.world().await;
    let first = notify(
        &app,
        w.staff_a,
        "Un nouveau commentaire sur votre diagnostic",
    )
    .await;
    notify(&app, w.staff_a, "Une réponse <b>à</b> votre commentaire").await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from notification where account_id = {}",
            w.staff_a
        ))
        .await,
        2,
        "a repeated id is notified once"
    );
    let mut c = app.signed_in(STAFF_A).await;
    let (_, home) = c.get_html("/").await;
    assert!(home.contains("(2 non lues)"), "{home}");
    let (status, html) = c.get_html("/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Un nouveau commentaire sur votre diagnostic"));
    assert!(html.contains("Une réponse &#60;b&#62;à&#60;/b&#62; votre commentaire"));
    assert!(!html.contains("<b>à"));

    let r = c
        .post(&format!("/notifications/{first}/lu"), &[("then", "ouvrir")])
        .await;
    assert_redirect_to(&r, "/profil");
    let (_, home) = c.get_html("/").await;
    assert!(home.contains("(1 non lue)"), "{home}");

    // Someone else cannot mark mine.
    let second = notify(&app, w.staff_a, "Troisième").await;
    let mut b = app.signed_in(STAFF_B).await;
    let r = b.post(&format!("/notifications/{second}/lu"), &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, other) = b.get_html("/notifications").await;
    assert!(!other.contains("Troisième"));

    let r = c.post("/notifications/tout-lu", &[]).await;
    assert_redirect_to(&r, "/notifications");
    let (_, html) = c.get_html("/notifications").await;
    assert!(!html.contains("non lue"), "{html}");
    assert!(
        html.contains("2 notifications marquées comme lues"),
        "{html}"
    );
}

#[tokio::test]
async fn marking_needs_the_csrf_token() {
    let app = spawn_app().await;
    let w = app.world().await;
    let id = notify(
        &app,
        w.partner,
        "Un diagnostic a été partagé avec votre organisation",
    )
    .await;
    let c = app.signed_in(PARTNER).await;
    let r = c.post_raw(&format!("/notifications/{id}/lu"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("select count(*) from notification where read_at is not null")
            .await,
        0
    );
}

#[tokio::test]
async fn copies_are_mailed_after_commit_when_smtp_is_configured() {
    let smtp = crate::fake_smtp::FakeSmtp::start().await;
    let app = spawn_app().await;
    let w = app.world().await;
    notify(
        &app,
        w.staff_a,
        "Un nouveau commentaire sur « Diagnostic 2025 »",
    )
    .await;
    // A notification rolled back with its write is never mailed.
    {
        let mut tx = app.db.begin().await.unwrap();
        mde::notifications::notify(
            &mut tx,
            &[w.partner],
            mde::notifications::Kind::Reponse,
            "Annulé",
            "/",
        )
        .await
        .unwrap();
        tx.rollback().await.unwrap();
    }
    let mut config = mde::config::Config::for_tests(app.database_url.clone());
    config.base_url = "https://portail.example.org".into();
    config.smtp = Some(smtp.config());
    let state = mde::AppState::new(app.db.clone(), config);
    let sent = mde::notifications::mail::mail_pending(&state, &smtp.config())
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["<staff-a@test.example>".to_owned()]);
    let text = mails[0].text();
    assert!(
        text.contains("https://portail.example.org/profil"),
        "{text}"
    );
    // Stamped: not sent twice.
    let again = mde::notifications::mail::mail_pending(&state, &smtp.config())
        .await
        .unwrap();
    assert_eq!(again, 0);
}
