//! The library of practices (issue 18): a Maison proposes an evaluated action as a practice (a personal
//! address refused as its contact), partners and other Maisons never read the proposal, AVE accepts it
//! (two admins at once: one wins, the other sees the conflict), the published text does not follow later
//! edits of the action, another Maison takes it up in a new plan (indicators without targets, provenance
//! on both sides, the source Maison told), a withdrawal keeps the copies.

use reqwest::StatusCode;

use crate::evaluation::evaluable_action;
use crate::helpers::*;

/// The proposal form as sent, with its contact address.
fn proposal(axis: &str, email: &str) -> Vec<(&'static str, String)> {
    [
        ("title", "Former les artisans près des chantiers"),
        ("axis", axis),
        ("sector", "batiment"),
        ("publics", "artisans"),
        ("territory", "urbain"),
        ("territory", "littoral"),
        ("size", "150k_300k"),
        ("budget", "10k_50k"),
        ("duration", "18"),
        (
            "summary",
            "Des sessions FEEBAT le soir, près des chantiers, avec la CAPEB.",
        ),
        ("results", "40 artisans formés sur 50 visés."),
        ("worked", "Les horaires du soir."),
        ("contact_role", "Chargée de mission bâtiment durable"),
        ("contact_email", email),
        ("form_key", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

fn send<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn axis_2(app: &TestApp) -> String {
    let id: i32 = sqlx::query_scalar("select id from axis where charter = '2009' and number = 2")
        .fetch_one(&app.db)
        .await
        .unwrap();
    id.to_string()
}

/// A's réalisée action, evaluated by A's staff, proposed as a practice: (practice, action).
async fn proposed(app: &TestApp, w: &World, c: &mut TestClient) -> (i64, i64) {
    let (_, done, _) = evaluable_action(app, w).await;
    let eval = [("results", "40 artisans formés."), ("version", "0")];
    let r = c.post(&format!("/actions/{done}/evaluation"), &eval).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, html) = c.get_html(&format!("/actions/{done}/pratique")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        unescape(&html).contains("40 artisans formés."),
        "pre-filled from the evaluation"
    );
    let axis = axis_2(app).await;
    let personal = proposal(&axis, "STAFF-A@test.example");
    let r = c
        .post(&format!("/actions/{done}/pratique"), &send(&personal))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a person's own address is refused"
    );
    let html = unescape(&r.text().await.unwrap());
    assert!(
        html.contains("contact_email-error")
            && html.contains("Former les artisans près des chantiers")
    );
    let good = proposal(&axis, "batiment@mde-a.example");
    let r = c
        .post(&format!("/actions/{done}/pratique"), &send(&good))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let practice: i64 = location(&r)
        .trim_start_matches("/pratiques/")
        .parse()
        .unwrap();
    (practice, done)
}

#[tokio::test]
async fn a_proposal_is_read_by_its_maison_and_ave_only_until_accepted() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let (practice, done) = proposed(&app, &w, &mut staff).await;
    let page = format!("/pratiques/{practice}");
    for who in [PARTNER, OTHER_PARTNER, STAFF_B] {
        let c = app.signed_in(who).await;
        assert_eq!(c.get(&page).await.status(), StatusCode::NOT_FOUND, "{who}");
        let (_, html) = c.get_html("/pratiques").await;
        assert!(
            !html.contains(&page),
            "{who} does not see a proposal in the library"
        );
    }
    let told = app
        .count(&format!(
            "select count(*) from notification where account_id = {} and link = '{page}'",
            w.admin
        ))
        .await;
    assert_eq!(told, 1, "the admins are told of the proposal");
    let mut first = app.signed_in(ADMIN).await;
    let mut second = app.signed_in(ADMIN).await;
    let (_, html) = first.get_html("/pratiques/propositions").await;
    assert!(html.contains(&page));
    let accept = [("decision", "accepter"), ("comment", ""), ("version", "1")];
    let decline = [
        ("decision", "decliner"),
        ("comment", "Trop proche d'une autre."),
        ("version", "1"),
    ];
    let r = first.post(&format!("{page}/examen"), &accept).await;
    assert_redirect_to(&r, &page);
    let r = second.post(&format!("{page}/examen"), &decline).await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "the second admin sees the conflict"
    );
    let html = unescape(&r.text().await.unwrap());
    assert!(html.contains("Un autre administrateur") && html.contains("Trop proche d'une autre."));
    let status: String = sqlx::query_scalar("select status from practice where id = $1")
        .bind(practice)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "acceptee", "the first decision won");
    the_published_text_does_not_follow_the_action(&app, &staff, practice, done).await;
    for who in [PARTNER, OTHER_PARTNER, STAFF_B] {
        let c = app.signed_in(who).await;
        let (status, html) = c.get_html(&page).await;
        assert_eq!(status, StatusCode::OK, "{who} reads an accepted practice");
        assert!(unescape(&html).contains("batiment@mde-a.example"));
    }
}

async fn the_published_text_does_not_follow_the_action(
    app: &TestApp,
    staff: &TestClient,
    practice: i64,
    action: i64,
) {
    sqlx::query(
        "update action set title = 'Titre changé après coup', objectives = 'Autre' where id = $1",
    )
    .bind(action)
    .execute(&app.db)
    .await
    .unwrap();
    let (_, html) = staff.get_html(&format!("/pratiques/{practice}")).await;
    let html = unescape(&html);
    assert!(
        html.contains("Former les artisans près des chantiers") && !html.contains("Titre changé")
    );
    assert!(html.contains("version 1"));
}

#[tokio::test]
async fn another_maison_takes_a_practice_up_and_a_withdrawal_keeps_the_copy() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let (practice, _) = proposed(&app, &w, &mut staff).await;
    let mut admin = app.signed_in(ADMIN).await;
    let accept = [("decision", "accepter"), ("comment", ""), ("version", "1")];
    admin
        .post(&format!("/pratiques/{practice}/examen"), &accept)
        .await;
    let mut b = app.signed_in(STAFF_B).await;
    let fiche = taken_up_into_a_new_plan(&app, &mut b, practice).await;
    the_source_maison_is_told_and_reads_a_count(&app, &w, &mut staff, &mut admin, practice, fiche)
        .await;
    a_withdrawal_keeps_the_copy(&app, &mut staff, &mut b, practice, fiche).await;
}

/// B takes the practice up into a new plan: bad fields are reported, then the fiche is created with the
/// indicator copied without its target; a replay of the form is not processed again.
async fn taken_up_into_a_new_plan(app: &TestApp, b: &mut TestClient, practice: i64) -> i64 {
    let page = format!("/pratiques/{practice}/reprendre");
    let bad = [
        ("plan", "nouveau"),
        ("new_title", ""),
        ("start_year", "2029"),
        ("end_year", "2027"),
    ];
    let r = b.post(&page, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("new_title-error") && html.contains("end_year-error"));
    let good = [
        ("plan", "nouveau"),
        ("new_title", "Plan emploi-climat 2027-2029"),
        ("start_year", "2027"),
        ("end_year", "2029"),
        ("form_key", "reprise-1"),
    ];
    let r = b.post(&page, &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let fiche: i64 = location(&r)
        .trim_start_matches("/actions/")
        .parse()
        .unwrap();
    let (targets, labels): (i64, i64) =
        sqlx::query_as("select count(target), count(*) from action_indicator where action_id = $1")
            .bind(fiche)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (targets, labels),
        (0, 1),
        "the indicator is copied without its target"
    );
    let (_, html) = b.get_html(&format!("/actions/{fiche}")).await;
    assert!(unescape(&html).contains("Fiche reprise de la pratique du réseau"));
    let r = b.post(&page, &good).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "a replay is not processed again"
    );
    assert_eq!(app.count("select count(*) from practice_reuse").await, 1);
    fiche
}

/// The source Maison is notified; its staff only count a reuse in a plan they may not read, the admin
/// reads it.
async fn the_source_maison_is_told_and_reads_a_count(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    admin: &mut TestClient,
    practice: i64,
    fiche: i64,
) {
    let told = app
        .count(&format!(
            "select count(*) from notification where account_id = {} and message like '%reprend votre pratique%'",
            w.staff_a
        ))
        .await;
    assert_eq!(told, 1, "the source Maison is told");
    // B's plan is a draft: A's staff only count the reuse; the admin reads it.
    let (_, html) = staff.get_html(&format!("/pratiques/{practice}")).await;
    assert!(unescape(&html).contains("Reprise dans 1 plan qui ne vous est pas ouvert"));
    let (_, html) = admin.get_html(&format!("/pratiques/{practice}")).await;
    assert!(html.contains(&format!("/actions/{fiche}")));
}

/// Withdrawing the practice hides it from B, and B's copy stays.
async fn a_withdrawal_keeps_the_copy(
    app: &TestApp,
    staff: &mut TestClient,
    b: &mut TestClient,
    practice: i64,
    fiche: i64,
) {
    let version: i32 = sqlx::query_scalar("select version from practice where id = $1")
        .bind(practice)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = staff
        .post(
            &format!("/pratiques/{practice}/retrait"),
            &[("version", &version.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        b.get(&format!("/pratiques/{practice}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, _) = b.get_html(&format!("/actions/{fiche}")).await;
    assert_eq!(status, StatusCode::OK, "the copy stays");
    assert_eq!(app.count("select count(*) from practice_reuse").await, 1);
}

#[tokio::test]
async fn a_practice_sent_back_is_reworked_as_a_new_version_and_a_stale_form_is_refused() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let (practice, _) = proposed(&app, &w, &mut staff).await;
    let page = format!("/pratiques/{practice}");
    let mut admin = app.signed_in(ADMIN).await;
    let no_comment = [("decision", "modifier"), ("comment", ""), ("version", "1")];
    let r = admin.post(&format!("{page}/examen"), &no_comment).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "asking for changes needs a comment"
    );
    assert!(r.text().await.unwrap().contains("comment-error"));
    let changes = [
        ("decision", "modifier"),
        ("comment", "Précisez le coût."),
        ("version", "1"),
    ];
    assert_redirect_to(
        &admin.post(&format!("{page}/examen"), &changes).await,
        &page,
    );
    let axis = axis_2(&app).await;
    let mut rework = proposal(&axis, "batiment@mde-a.example");
    rework[0].1 = "Former les artisans le soir".to_owned();
    rework.push(("version", "2".to_owned()));
    let r = staff
        .post(&format!("{page}/modifier"), &send(&rework))
        .await;
    assert_redirect_to(&r, &page);
    let (number, status): (i32, String) = sqlx::query_as(
        "select v.number, p.status from practice p join practice_version v on v.id = p.current_version_id
         where p.id = $1",
    )
    .bind(practice)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((number, status.as_str()), (2, "proposee"));
    let kept: i64 = app
        .count(&format!(
            "select count(*) from practice_version where practice_id = {practice}"
        ))
        .await;
    assert_eq!(kept, 2, "the first version is kept");
    // The same form again, drawn from version 2 of the practice before the save made it 3.
    let r = staff
        .post(&format!("{page}/modifier"), &send(&rework))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(unescape(&r.text().await.unwrap()).contains("Former les artisans le soir"));
}
