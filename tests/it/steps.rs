//! Steps (étapes) of a fiche action (issue 16): written with the fiche while the plan is a draft; when a
//! fiche has steps its progress is derived from them (the share of steps « faites », rounded down),
//! otherwise it is set by hand; the pilot updates the steps' status through the follow-up, journaled.
//! And « Enregistrer et ajouter la suivante », the faster way to write a plan's fiches.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::pilot_reports::{action, plan};
use crate::pilots::{axes, draft, fiche};

async fn progress(app: &TestApp, a: i64) -> i64 {
    app.count(&format!(
        "select progress::bigint from action where id = {a}"
    ))
    .await
}

/// A fiche with three steps, one done: its progress is 33 %.
fn with_steps<'a>(axis: &'a str, org: &'a str, third: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut f = fiche("1", axis, org, "");
    f.extend([
        ("step_title", "Préparer le forum"),
        ("step_start", "2026-01-15"),
        ("step_end", "2026-02-15"),
        ("step_status", "faite"),
        ("step_title", "Inviter les entreprises"),
        ("step_start", ""),
        ("step_end", ""),
        ("step_status", "en_cours"),
        ("step_title", "Tenir le forum"),
        ("step_start", "2026-05-10"),
        ("step_end", third),
        ("step_status", "a_faire"),
    ]);
    f
}

#[tokio::test]
async fn a_fiche_with_steps_derives_its_progress_from_them() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = draft(&app, w.maison_a).await;
    let axis = axes(&app).await[0].to_string();
    let org = w.org.to_string();
    let mut c = app.signed_in(STAFF_A).await;
    // A step ending before it starts: the message beside the steps, what was typed kept.
    let r = c
        .post(
            &format!("/plans/{p}/actions"),
            &with_steps(&axis, &org, "2026-05-01"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&r.text().await.unwrap());
    assert!(
        html.contains("Étapes à corriger — ligne 3 : la fin ne peut pas précéder le début"),
        "{html}"
    );
    assert!(html.contains("value=\"Inviter les entreprises\""));
    assert_eq!(app.count("select count(*) from action").await, 0);
    let r = c
        .post(
            &format!("/plans/{p}/actions"),
            &with_steps(&axis, &org, "2026-05-31"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let a = app.count("select id from action").await;
    assert_eq!(app.count("select count(*) from action_step").await, 3);
    assert_eq!(progress(&app, a).await, 33);
    let (_, page) = c.get_html(&format!("/actions/{a}")).await;
    let page = unescape(&page);
    assert!(page.contains("Tenir le forum") && page.contains("du 10/05/2026 au 31/05/2026"));
    let (_, edit) = c.get_html(&format!("/actions/{a}/modifier")).await;
    assert!(unescape(&edit).contains("value=\"Préparer le forum\""));
    // Removing the steps gives the progress back to the hand (it keeps its last value).
    let mut f = fiche("1", &axis, &org, "");
    f.push(("version", "1"));
    let r = c.post(&format!("/actions/{a}/modifier"), &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from action_step").await, 0);
    let changes: String = sqlx::query_scalar(
        "select changes::text from event where object_type = 'action' and action = 'modification'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        changes.contains("Étapes") && changes.contains("Tenir le forum"),
        "{changes}"
    );
}

/// Steps of an action, by title and status.
async fn add_steps(app: &TestApp, a: i64, steps: &[(&str, &str)]) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, (title, status)) in steps.iter().enumerate() {
        ids.push(
            sqlx::query_scalar(
                "insert into action_step (action_id, title, status, position) values ($1, $2, $3, $4) returning id",
            )
            .bind(a)
            .bind(title)
            .bind(status)
            .bind(i as i32)
            .fetch_one(&app.db)
            .await
            .unwrap(),
        );
    }
    ids
}

#[tokio::test]
async fn the_pilot_moves_the_steps_and_the_progress_follows() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "en_oeuvre").await;
    let a = action(&app, p, 1, w.org, 90, "en_cours").await;
    let ids = add_steps(&app, a, &[("Convention", "faite"), ("Sessions", "a_faire")]).await;
    let (first, second) = (ids[0].to_string(), ids[1].to_string());
    let mut pilot = app.signed_in(PARTNER).await;
    let (_, html) = pilot.get_html(&format!("/actions/{a}")).await;
    assert!(!html.contains("name=\"progress\""), "no hand-set progress");
    assert!(html.contains(&format!("id=\"step-{second}\"")));
    let send = |status: &'static str, step: String| {
        vec![
            ("status", "en_cours".to_owned()),
            ("reason", String::new()),
            ("progress", "90".to_owned()),
            ("step_id", first.clone()),
            ("step_status", "faite".to_owned()),
            ("step_id", step),
            ("step_status", status.to_owned()),
            ("noted_on", String::new()),
            ("body", String::new()),
            ("version", "1".to_owned()),
            ("form_key", String::new()),
        ]
    };
    // A step of another fiche, or an unknown status: refused, nothing written.
    for (status, step) in [("faite", "999999".to_owned()), ("finie", second.clone())] {
        let form = send(status, step);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = pilot.post(&format!("/actions/{a}/suivi"), &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            unescape(&r.text().await.unwrap()).contains("Choisissez le statut de chaque étape")
        );
    }
    let form = send("faite", second.clone());
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = pilot.post(&format!("/actions/{a}/suivi"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(progress(&app, a).await, 100, "derived, not the 90 typed");
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'action' and object_id = {a}
             and action = 'etapes' and account_id = {}",
            w.partner
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'action' and object_id = {a} and action = 'avancement'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn save_and_add_the_next_fiche_opens_the_next_form_on_the_same_axis() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = draft(&app, w.maison_a).await;
    let axis = axes(&app).await[1].to_string();
    let org = w.org.to_string();
    let mut c = app.signed_in(STAFF_A).await;
    let (_, form) = c.get_html(&format!("/plans/{p}/actions/nouvelle")).await;
    assert!(unescape(&form).contains("Enregistrer et ajouter la suivante"));
    let mut f = fiche("1", &axis, &org, "");
    f.push(("ensuite", "suivante"));
    let r = c.post(&format!("/plans/{p}/actions"), &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let next = location(&r);
    assert_eq!(next, format!("/plans/{p}/actions/nouvelle?axe={axis}"));
    let (status, html) = c.get_html(&next).await;
    assert_eq!(status, StatusCode::OK);
    let html = unescape(&html);
    assert!(html.contains("Fiche action créée. Saisissez la suivante."));
    let doc = scraper::Html::parse_document(&html);
    let number = scraper::Selector::parse("input#number").unwrap();
    let number = doc
        .select(&number)
        .next()
        .and_then(|i| i.value().attr("value"));
    assert_eq!(number, Some("2"), "the next free number");
    assert!(
        html.contains(&format!("<option value=\"{axis}\" selected")),
        "the same axis chosen"
    );
    // The plain button still opens the fiche; an edit form offers no « suivante ».
    let r = c
        .post(&format!("/plans/{p}/actions"), &fiche("2", &axis, &org, ""))
        .await;
    let a = app.count("select id from action where number = 2").await;
    assert_eq!(location(&r), format!("/actions/{a}"));
    let (_, edit) = c.get_html(&format!("/actions/{a}/modifier")).await;
    assert!(!unescape(&edit).contains("Enregistrer et ajouter la suivante"));
}
