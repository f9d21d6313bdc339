//! Evaluating a fiche action (issue 18): once réalisée or abandonnée (or its plan closed) the Maison's staff
//! record the results against the targets, what worked, the difficulties, the conditions to reproduce it,
//! the cost per beneficiary and the partners who made it work; bad input comes back beside its field, a
//! stale form is refused (409) without overwriting, and the plan's closing form reads the evaluations.

use reqwest::StatusCode;

use crate::helpers::*;

/// A validated plan of Maison A with a réalisée action (one indicator: 40 trained for 50, `org` partner)
/// and an action still running. Returns (plan, done action, running action).
pub async fn evaluable_action(app: &TestApp, w: &World) -> (i64, i64, i64) {
    let plan: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status, created_by)
         values ($1, 'Plan climat-emploi 2024-2026', 2024, 2026, 'en_oeuvre', $2) returning id",
    )
    .bind(w.maison_a)
    .bind(w.staff_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let done = action(
        app,
        plan,
        1,
        "Former les artisans à la rénovation (FEEBAT)",
        "realisee",
    )
    .await;
    let running = action(app, plan, 2, "Forum des métiers verts", "en_cours").await;
    sqlx::query(
        "insert into action_indicator (action_id, label, unit, target, achieved, year)
         values ($1, 'Artisans formés', 'personnes', 50, 40, 2025)",
    )
    .bind(done)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into action_partner (action_id, organisation_id, role) values ($1, $2, 'prescripteur')")
        .bind(done)
        .bind(w.org)
        .execute(&app.db)
        .await
        .unwrap();
    (plan, done, running)
}

async fn action(app: &TestApp, plan: i64, number: i32, title: &str, status: &str) -> i64 {
    sqlx::query_scalar(
        "insert into action (plan_id, number, title, axis_id, sector_code, objectives, description,
                             target_public, expected_results, status, pilot_maison)
         values ($1, $2, $3, (select id from axis where charter = '2009' and number = 2), 'batiment',
                 'Monter en compétence les artisans', 'Sessions FEEBAT avec la CAPEB', 'Artisans du bâtiment',
                 '50 artisans formés', $4, true) returning id",
    )
    .bind(plan)
    .bind(number)
    .bind(title)
    .bind(status)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

fn form<'a>(version: &'a str, cost: &'a str, org: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("results", "40 artisans formés sur 50 visés."),
        ("worked", "Des sessions le soir, près des chantiers."),
        ("difficulties", "Peu d'artisans disponibles en été."),
        ("conditions", "Une CAPEB qui relaie l'offre."),
        ("cost", cost),
        ("partner", org),
        ("version", version),
    ]
}

#[tokio::test]
async fn the_maison_evaluates_a_finished_action_and_the_closing_form_reads_it() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (plan, done, running) = evaluable_action(&app, &w).await;
    let mut c = app.signed_in(STAFF_A).await;
    let org = w.org.to_string();
    let (status, html) = c.get_html(&format!("/actions/{done}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/actions/{done}/evaluation")) && html.contains("Évaluer l'action")
    );
    let (_, html) = c.get_html(&format!("/actions/{done}/evaluation")).await;
    assert!(html.contains("80\u{a0}%"), "40 of 50 reached: {html}");

    bad_input_comes_back_beside_its_field(&mut c, done, &org).await;
    let r = c
        .post(
            &format!("/actions/{done}/evaluation"),
            &form("0", "1 250,50", &org),
        )
        .await;
    assert_redirect_to(&r, &format!("/actions/{done}/evaluation"));
    let (cost, partners): (Option<i64>, Vec<i64>) = sqlx::query_as(
        "select cost_per_beneficiary_cents, key_partner_ids from action_evaluation where action_id = $1",
    )
    .bind(done)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((cost, partners), (Some(125_050), vec![w.org]));
    let journaled = app
        .count(&format!(
            "select count(*) from event where object_type = 'action' and object_id = {done} and action = 'evaluation'"
        ))
        .await;
    assert_eq!(journaled, 1);

    a_stale_form_is_refused_and_nothing_is_overwritten(&app, &mut c, done, &org).await;
    let r = c
        .post(
            &format!("/actions/{running}/evaluation"),
            &form("0", "", ""),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "a running action is not evaluated yet"
    );

    let (_, html) = c.get_html(&format!("/plans/{plan}/cloture")).await;
    let html = unescape(&html);
    assert!(html.contains("Évaluation des fiches actions") && html.contains("42 artisans formés."));
    assert!(
        html.contains("pas encore évaluée"),
        "the running action is listed as not evaluated"
    );
}

async fn bad_input_comes_back_beside_its_field(c: &mut TestClient, done: i64, org: &str) {
    let r = c
        .post(
            &format!("/actions/{done}/evaluation"),
            &form("0", "douze euros", org),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&r.text().await.unwrap());
    assert!(html.contains("cost-error") && html.contains("douze euros"));
    assert!(
        html.contains("Des sessions le soir, près des chantiers."),
        "what was typed is kept"
    );
    let empty = [
        ("results", ""),
        ("worked", ""),
        ("difficulties", ""),
        ("version", "0"),
    ];
    let r = c.post(&format!("/actions/{done}/evaluation"), &empty).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("results-error"));
}

async fn a_stale_form_is_refused_and_nothing_is_overwritten(
    app: &TestApp,
    c: &mut TestClient,
    done: i64,
    org: &str,
) {
    let mut second = form("1", "", org);
    second[0] = ("results", "42 artisans formés.");
    let r = c
        .post(&format!("/actions/{done}/evaluation"), &second)
        .await;
    assert_redirect_to(&r, &format!("/actions/{done}/evaluation"));
    // A form drawn from version 1 again, after the save above made it 2.
    let mut stale = form("1", "", org);
    stale[0] = ("results", "Texte d'un autre onglet.");
    let r = c.post(&format!("/actions/{done}/evaluation"), &stale).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = unescape(&r.text().await.unwrap());
    assert!(
        html.contains("Quelqu'un d'autre a enregistré")
            && html.contains("Texte d'un autre onglet.")
    );
    let kept: String =
        sqlx::query_scalar("select results from action_evaluation where action_id = $1")
            .bind(done)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(kept, "42 artisans formés.");
}

#[tokio::test]
async fn others_read_the_evaluation_with_the_plan_and_never_write_it() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (_, done, _) = evaluable_action(&app, &w).await;
    let mut c = app.signed_in(STAFF_A).await;
    let org = w.org.to_string();
    let r = c
        .post(&format!("/actions/{done}/evaluation"), &form("0", "", &org))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for who in [STAFF_B, ADMIN, PARTNER] {
        let mut o = app.signed_in(who).await;
        let (status, html) = o.get_html(&format!("/actions/{done}/evaluation")).await;
        assert_eq!(status, StatusCode::OK, "{who} reads the validated plan");
        assert!(
            unescape(&html).contains("Des sessions le soir") && !html.contains("name=\"results\"")
        );
        let r = o
            .post(&format!("/actions/{done}/evaluation"), &form("1", "", ""))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{who} does not write it");
    }
    let mut stranger = app.signed_in(OTHER_PARTNER).await;
    let (status, _) = stranger
        .get_html(&format!("/actions/{done}/evaluation"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = stranger
        .post(&format!("/actions/{done}/evaluation"), &form("1", "", ""))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
