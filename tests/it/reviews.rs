//! The avis du réseau is a conversation (issue 15): the plan's Maison answers an avis under it on the plan
//! page, AVE answers back; each side is notified, each reply journaled; nobody else reads or writes the
//! thread.

use reqwest::StatusCode;

use crate::helpers::*;

async fn notified(app: &TestApp, account: i64) -> i64 {
    app.count(&format!(
        "select count(*) from notification where kind = 'reponse_avis' and account_id = {account}"
    ))
    .await
}

#[tokio::test]
async fn the_maison_and_the_alliance_converse_under_an_avis() {
    let app = spawn_app().await;
    let w = app.world().await;
    // A second admin who takes no part in this conversation.
    let other_admin = app
        .account("admin2@test.example", "admin", None, None, false)
        .await;
    let plan: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan Grenelle', 2026, 2028,
         'soumis') returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut admin = app.signed_in(ADMIN).await;
    let r = admin
        .post(
            &format!("/plans/{plan}/avis"),
            &[
                ("opinion", "reserve"),
                ("remarks", "Renforcer l'axe 4"),
                ("form_key", "avis-1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let review: i64 = sqlx::query_scalar("select id from network_review")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let reply_url = format!("/plans/{plan}/avis/{review}/reponse");

    // The Maison reads the avis with « Répondre » under it, and answers.
    let mut staff = app.signed_in(STAFF_A).await;
    let (status, html) = staff.get_html(&format!("/plans/{plan}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("action=\"{reply_url}\"")), "{html}");
    assert!(html.contains("<summary>Répondre"));
    bad_replies_are_refused(&app, &mut staff, &reply_url).await;
    let form = [
        ("body", "Nous renforçons l'axe 4 : deux fiches de plus."),
        ("form_key", "r-1"),
    ];
    let r = staff.post(&reply_url, &form).await;
    assert_redirect_to(&r, &format!("/plans/{plan}#avis-{review}"));
    staff.post(&reply_url, &form).await;
    assert_eq!(
        app.count("select count(*) from network_review_reply").await,
        1,
        "a replayed form is processed once"
    );
    // The avis's author is told, not the admin who took no part; the Maison is not told of its own reply.
    assert_eq!(notified(&app, w.admin).await, 1);
    assert_eq!(notified(&app, other_admin).await, 0);
    assert_eq!(notified(&app, w.responsable_a).await, 0);
    assert_eq!(notified(&app, w.staff_a).await, 0);

    the_alliance_answers_back(&app, &w, &mut admin, &mut staff, &reply_url, other_admin).await;
    the_thread_reads_in_date_order(&staff, plan).await;
    journaled_with_ids_and_no_names(&app, plan, review).await;
}

/// Empty or too long: the form page comes back with its message, nothing written. Without the CSRF token:
/// refused.
async fn bad_replies_are_refused(app: &TestApp, staff: &mut TestClient, reply_url: &str) {
    let r = staff
        .post(reply_url, &[("body", "   "), ("form_key", "r-0")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&r.text().await.unwrap()).contains("Écrivez votre réponse."));
    let long = "x".repeat(5_001);
    let r = staff
        .post(reply_url, &[("body", long.as_str()), ("form_key", "r-0")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&r.text().await.unwrap()).contains(&long),
        "the text is kept"
    );
    assert_eq!(
        app.count("select count(*) from network_review_reply").await,
        0
    );
    let r = staff
        .post_raw(
            reply_url,
            &[
                ("body".into(), "Sans jeton".into()),
                ("form_key".into(), "x".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// AVE answers back: the Maison's staff are told. The Maison answers again: the avis's author is told again,
/// the second admin still not.
async fn the_alliance_answers_back(
    app: &TestApp,
    w: &World,
    admin: &mut TestClient,
    staff: &mut TestClient,
    reply_url: &str,
    other_admin: i64,
) {
    let (status, html) = admin.get_html(reply_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unescape(&html).contains("Nous renforçons l'axe 4"));
    let r = admin
        .post(
            reply_url,
            &[("body", "Merci, c'est noté."), ("form_key", "r-2")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(notified(app, w.staff_a).await, 1);
    assert_eq!(notified(app, w.responsable_a).await, 1);
    assert_eq!(notified(app, w.admin).await, 1);
    staff
        .post(reply_url, &[("body", "Parfait."), ("form_key", "r-3")])
        .await;
    assert_eq!(notified(app, w.admin).await, 2);
    assert_eq!(notified(app, other_admin).await, 0);
    let sides: Vec<String> =
        sqlx::query_scalar("select side from network_review_reply order by created_at, id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(sides, ["maison", "reseau", "maison"]);
}

/// The thread under the avis, in date order, each side named.
async fn the_thread_reads_in_date_order(staff: &TestClient, plan: i64) {
    let (_, html) = staff.get_html(&format!("/plans/{plan}")).await;
    let html = unescape(&html);
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("no {s}"));
    assert!(at("Renforcer l'axe 4") < at("Nous renforçons l'axe 4"));
    assert!(at("Nous renforçons l'axe 4") < at("Merci, c'est noté."));
    assert!(at("Merci, c'est noté.") < at("Parfait."));
    assert!(html.contains("<strong>Alliance Villes Emploi</strong> — Personne admin@test.example"));
    assert!(html.contains("<strong>Maison</strong> — Personne staff-a@test.example"));
}

/// Journaled, with ids and no names.
async fn journaled_with_ids_and_no_names(app: &TestApp, plan: i64, review: i64) {
    let events: Vec<(String, i64, serde_json::Value)> = sqlx::query_as(
        "select summary, object_id, changes from event where action = 'reponse_avis' order by id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[0].0,
        "Réponse de la Maison à l'avis du réseau sur le plan « Plan Grenelle »"
    );
    assert_eq!(
        events[1].0,
        "Réponse de l'Alliance Villes Emploi à l'avis du réseau sur le plan « Plan Grenelle »"
    );
    assert!(events.iter().all(|e| e.1 == plan));
    let changes = events[0].2.to_string();
    assert!(changes.contains(&format!("{review}")) && !changes.contains("Personne"));
}

#[tokio::test]
async fn only_the_two_sides_read_and_write_the_conversation() {
    let app = spawn_app().await;
    let w = app.world().await;
    let plan: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan Grenelle', 2026, 2028,
         'valide') returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let other_plan: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Autre', 2026, 2028,
         'valide') returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let review: i64 = sqlx::query_scalar(
        "insert into network_review (plan_id, account_id, opinion, remarks) values ($1, $2, 'favorable', 'Bien')
         returning id",
    )
    .bind(plan)
    .bind(w.admin)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into network_review_reply (review_id, account_id, side, body) values ($1, $2, 'maison', 'Réponse confidentielle')",
    )
    .bind(review)
    .bind(w.staff_a)
    .execute(&app.db)
    .await
    .unwrap();
    let reply_url = format!("/plans/{plan}/avis/{review}/reponse");
    // The plan's partners and other Maisons read the avis (the plan is validated), not the thread, and
    // may not reply.
    for who in [PARTNER, STAFF_B] {
        let mut c = app.signed_in(who).await;
        let (status, html) = c.get_html(&format!("/plans/{plan}")).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert!(html.contains("Avis favorable"), "{who}");
        assert!(!html.contains("Réponse confidentielle"), "{who}");
        assert!(!html.contains(&reply_url), "{who}");
        assert_eq!(
            c.get(&reply_url).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
        let r = c
            .post(&reply_url, &[("body", "Intrusion"), ("form_key", "")])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{who}");
    }
    assert_eq!(
        app.count("select count(*) from network_review_reply").await,
        1
    );
    // The avis of one plan is not reached through another.
    let mut staff = app.signed_in(STAFF_A).await;
    let r = staff
        .post(
            &format!("/plans/{other_plan}/avis/{review}/reponse"),
            &[("body", "Ailleurs"), ("form_key", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, html) = staff.get_html(&format!("/plans/{plan}")).await;
    assert!(html.contains("Réponse confidentielle"));
}
