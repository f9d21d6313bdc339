//! What the pilot organisation is told (issue 16): named pilot of a fiche, the plan validated, an action
//! become late (the job `late_actions`, once per action), each pointing at a page its partners may read.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::pilots::axes;

async fn plan(app: &TestApp, maison: i64, status: &str) -> i64 {
    sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status)
         values ($1, 'Plan Grenelle', 2024, 2028, $2) returning id",
    )
    .bind(maison)
    .bind(status)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The notifications of an account: (kind, link).
async fn told(app: &TestApp, account: i64) -> Vec<(String, String)> {
    sqlx::query_as("select kind, link from notification where account_id = $1 order by id")
        .bind(account)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

fn fiche<'a>(
    number: &'a str,
    axis: &'a str,
    pilot: &'a str,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("number", number),
        ("title", "Forum des métiers verts"),
        ("axis_id", axis),
        ("pilot", pilot),
        ("start_date", "2026-01-15"),
        ("end_date", "2026-12-15"),
        ("ind_label", "Participants"),
        ("ind_unit", "personnes"),
        ("ind_target", "40"),
        ("version", version),
    ]
}

#[tokio::test]
async fn the_organisation_is_told_when_named_pilot_and_when_the_plan_is_validated() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let ax: Vec<String> = axes(&app).await.iter().map(|a| a.to_string()).collect();
    let org = w.org.to_string();
    let mut staff = app.signed_in(STAFF_A).await;
    let r = staff
        .post(
            &format!("/plans/{p}/actions"),
            &fiche("1", &ax[0], "maison", ""),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        told(&app, w.partner).await.is_empty(),
        "the Maison pilots: nobody to tell"
    );
    let r = staff
        .post(
            &format!("/plans/{p}/actions"),
            &fiche("2", &ax[1], &org, ""),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        told(&app, w.partner).await,
        [("pilote_designe".to_owned(), "/mes-actions".to_owned())]
    );
    let message: String =
        sqlx::query_scalar("select message from notification where account_id = $1")
            .bind(w.partner)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        message.contains("désignée pilote de la fiche action n° 2 « Forum des métiers verts »"),
        "{message}"
    );
    // Saving the fiche again with the same pilot tells nobody again; the other organisation never hears.
    let id = app.count("select id from action where number = 2").await;
    let r = staff
        .post(
            &format!("/actions/{id}/modifier"),
            &fiche("2", &ax[1], &org, "1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(told(&app, w.partner).await.len(), 1);
    assert!(told(&app, w.other_partner).await.is_empty());
    the_pilot_is_told_when_the_copil_validates(&app, &w, &mut staff, p, &ax).await;
}

/// The partner follows the link; the copil validates the plan: the pilot organisation is told, with a link
/// to its actions there.
async fn the_pilot_is_told_when_the_copil_validates(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    p: i64,
    ax: &[String],
) {
    // The partner follows the link: it answers.
    let partner = app.signed_in(PARTNER).await;
    assert_eq!(partner.get("/mes-actions").await.status(), StatusCode::OK);
    // The copil validates the plan: the pilot organisation is told, with a link to its actions there.
    for (n, a) in ax.iter().enumerate().skip(2) {
        let number = (n + 1).to_string();
        let r = staff
            .post(
                &format!("/plans/{p}/actions"),
                &fiche(&number, a, "maison", ""),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = staff
        .post_confirmed(&format!("/plans/{p}/statut"), &[("to", "soumis")])
        .await
        .1;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = staff
        .post_confirmed(
            &format!("/plans/{p}/statut"),
            &[
                ("to", "valide"),
                ("decided_on", "2026-11-25"),
                ("members_present", "DREETS"),
                ("minutes", "Validé"),
            ],
        )
        .await
        .1;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let link = format!("/mes-actions?maison={}", w.maison_a);
    assert_eq!(
        told(app, w.partner).await.last(),
        Some(&("plan_valide_pilote".to_owned(), link.clone()))
    );
    let (status, html) = partner.get_html(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        unescape(&html).contains("N° 2 — Forum des métiers verts"),
        "{html}"
    );
}

#[tokio::test]
async fn a_late_action_is_told_once_to_its_pilot() {
    let app = spawn_app().await;
    let w = app.world().await;
    let running = plan(&app, w.maison_a, "en_oeuvre").await;
    let draft = plan(&app, w.maison_a, "brouillon").await;
    let insert = |plan: i64, number: i32, org: i64, end_in: i32, status: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "insert into action (plan_id, number, title, axis_id, pilot_organisation_id, end_date, status)
                 values ($1, $2, 'Action ' || $2, (select min(id) from axis), $3, current_date + $4, $5)
                 returning id",
            )
            .bind(plan)
            .bind(number)
            .bind(org)
            .bind(end_in)
            .bind(status)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    let late = insert(running, 1, w.org, -3, "en_cours").await;
    insert(running, 2, w.org, 5, "en_cours").await; // not yet
    insert(running, 3, w.org, -3, "realisee").await; // over
    insert(running, 4, w.other_org, -3, "en_cours").await; // its organisation does not partner the Maison
    insert(draft, 5, w.org, -3, "en_cours").await; // a draft
    mde::plans::tell_late_actions(app.db.clone()).await.unwrap();
    assert_eq!(
        told(&app, w.partner).await,
        [("action_en_retard".to_owned(), format!("/actions/{late}"))]
    );
    assert!(told(&app, w.other_partner).await.is_empty());
    assert_eq!(
        app.count("select count(*) from action where late_notified_at is not null")
            .await,
        2
    );
    // The next runs tell nobody again.
    mde::plans::tell_late_actions(app.db.clone()).await.unwrap();
    assert_eq!(told(&app, w.partner).await.len(), 1);
    let partner = app.signed_in(PARTNER).await;
    let (status, html) = partner.get_html("/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(unescape(&html).contains("« Action 1 »") && html.contains("est en retard"));
    assert_eq!(
        partner.get(&format!("/actions/{late}")).await.status(),
        StatusCode::OK
    );
}
