//! Pilots report themselves (issue 16): « Mes actions » lists what a partner's organisation pilots in the
//! plans it may read, with its filters and pages; the one follow-up form sets status, progress, achieved
//! values and a note together, by the pilot or the Maison's staff, every change journaled.

use reqwest::StatusCode;

use crate::helpers::*;

pub async fn plan(app: &TestApp, maison: i64, status: &str) -> i64 {
    sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status)
         values ($1, 'Plan Grenelle ' || $2, 2024, 2028, $2) returning id",
    )
    .bind(maison)
    .bind(status)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// An action of `plan` piloted by `org`, ending `end_in` days from today, with one indicator.
pub async fn action(
    app: &TestApp,
    plan: i64,
    number: i32,
    org: i64,
    end_in: i32,
    status: &str,
) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "insert into action (plan_id, number, title, axis_id, pilot_organisation_id, start_date, end_date, status)
         values ($1, $2, 'Action ' || $2, (select min(id) from axis), $3, date '2024-01-01',
                 current_date + $4, $5) returning id",
    )
    .bind(plan)
    .bind(number)
    .bind(org)
    .bind(end_in)
    .bind(status)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into action_indicator (action_id, label, unit, target) values ($1, 'Artisans formés', 'personnes', 40)",
    )
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    id
}

async fn indicator_of(app: &TestApp, action: i64) -> i64 {
    app.count(&format!(
        "select id from action_indicator where action_id = {action}"
    ))
    .await
}

fn selected_status(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("select#status option[selected]").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|o| o.value().attr("value").map(str::to_owned))
}

fn report<'a>(
    status: &'a str,
    progress: &'a str,
    ind: &'a str,
    value: &'a str,
    note: &'a str,
    version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("status", status),
        ("reason", ""),
        ("progress", progress),
        ("ind_id", ind),
        ("ind_achieved", value),
        ("noted_on", "2026-01-05"),
        ("body", note),
        ("version", version),
        ("form_key", ""),
    ]
}

async fn achieved(app: &TestApp, action: i64) -> i64 {
    app.count(&format!(
        "select achieved::bigint from action_indicator where action_id = {action}"
    ))
    .await
}

/// The staff's report keeping status and progress, the achieved value `value`, on the current version.
async fn staff_sets(
    c: &mut TestClient,
    app: &TestApp,
    a: i64,
    ind: &str,
    value: &str,
) -> StatusCode {
    let version = app
        .count(&format!(
            "select version::bigint from action where id = {a}"
        ))
        .await
        .to_string();
    c.post(
        &format!("/actions/{a}/suivi"),
        &report("en_cours", "30", ind, value, "", &version),
    )
    .await
    .status()
}

#[tokio::test]
async fn the_pilot_reports_in_one_form_and_the_maison_corrects() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "en_oeuvre").await;
    let a = action(&app, p, 1, w.org, 90, "a_lancer").await;
    let ind = indicator_of(&app, a).await.to_string();
    let mut partner = app.signed_in(PARTNER).await;
    let (status, html) = partner.get_html(&format!("/actions/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        selected_status(&html).as_deref(),
        Some("a_lancer"),
        "the current status preselected"
    );
    bad_input_writes_nothing(&app, &mut partner, a, &ind).await;
    the_pilot_sets_everything_at_once(&app, &w, &mut partner, a, &ind).await;
    let (_, html) = partner.get_html(&format!("/actions/{a}")).await;
    assert_eq!(selected_status(&html).as_deref(), Some("en_cours"));
    // A form drawn before that save is refused, the typed note kept.
    let r = partner
        .post(
            &format!("/actions/{a}/suivi"),
            &report("en_cours", "40", &ind, "12", "Note tardive", "1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(unescape(&r.text().await.unwrap()).contains("Note tardive"));
}

/// Bad input: every message beside its part, what was typed kept, nothing written.
async fn bad_input_writes_nothing(app: &TestApp, partner: &mut TestClient, a: i64, ind: &str) {
    let r = partner
        .post(
            &format!("/actions/{a}/suivi"),
            &report("realisee", "150", ind, "douze", "Bilan du forum", "1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&r.text().await.unwrap());
    assert!(
        html.contains("L'action est « À lancer » : choisissez ce statut"),
        "{html}"
    );
    assert!(
        html.contains("entre 0 et 100")
            && html.contains("Valeurs réalisées invalides (Artisans formés)")
    );
    assert!(
        html.contains("Bilan du forum") && html.contains("value=\"douze\""),
        "typed values kept"
    );
    let r = partner
        .post(
            &format!("/actions/{a}/suivi"),
            &report("abandonnee", "", ind, "", "", "1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&r.text().await.unwrap()).contains("Indiquez pourquoi l'action est abandonnée.")
    );
    assert_eq!(
        app.count("select count(*) from event where object_type = 'action'")
            .await,
        0
    );
}

/// The pilot sets status, progress, an achieved value and a note at once: each journaled as its own.
async fn the_pilot_sets_everything_at_once(
    app: &TestApp,
    w: &World,
    partner: &mut TestClient,
    a: i64,
    ind: &str,
) {
    let r = partner
        .post(
            &format!("/actions/{a}/suivi"),
            &report("en_cours", "30", ind, "12", "18 inscrits", "1"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let row: (String, i32) = sqlx::query_as("select status, progress from action where id = $1")
        .bind(a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(row, ("en_cours".to_owned(), 30));
    assert_eq!(achieved(app, a).await, 12);
    assert_eq!(
        app.count("select count(*) from action_note where body = '18 inscrits'")
            .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from transition where object_type = 'action' and object_id = {a}
             and from_status = 'a_lancer' and to_status = 'en_cours' and account_id = {}",
            w.partner
        ))
        .await,
        1
    );
    let events: Vec<String> = sqlx::query_scalar(
        "select action from event where object_type = 'action' and object_id = $1 and account_id = $2 order by action",
    )
    .bind(a)
    .bind(w.partner)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(events, ["note", "resultats", "transition"]);
}

#[tokio::test]
async fn the_maison_corrects_what_the_pilot_reported() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "en_oeuvre").await;
    let a = action(&app, p, 1, w.org, 90, "en_cours").await;
    let ind = indicator_of(&app, a).await.to_string();
    sqlx::query("update action set progress = 30 where id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update action_indicator set achieved = 12 where action_id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    // The Maison corrects the achieved value; its change is journaled under its name.
    let mut staff = app.signed_in(STAFF_A).await;
    assert_eq!(
        staff_sets(&mut staff, &app, a, &ind, "10").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(achieved(&app, a).await, 10);
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_id = {a} and action = 'resultats' and account_id = {}",
            w.staff_a
        ))
        .await,
        1
    );
    // Nothing changed: said, nothing journaled.
    let before = app.count("select count(*) from event").await;
    assert_eq!(
        staff_sets(&mut staff, &app, a, &ind, "10").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.count("select count(*) from event").await, before);
}

#[tokio::test]
async fn the_pilot_role_stops_at_its_organisation_and_at_readable_plans() {
    let app = spawn_app().await;
    let w = app.world().await;
    let draft = plan(&app, w.maison_a, "brouillon").await;
    let submitted = plan(&app, w.maison_a, "soumis").await;
    let running = plan(&app, w.maison_a, "en_oeuvre").await;
    let in_draft = action(&app, draft, 1, w.org, 90, "a_lancer").await;
    let in_submitted = action(&app, submitted, 1, w.org, 90, "a_lancer").await;
    let other_pilot = action(&app, running, 1, w.other_org, 90, "a_lancer").await;
    let mut partner = app.signed_in(PARTNER).await;
    for a in [in_draft, in_submitted, other_pilot] {
        let ind = indicator_of(&app, a).await.to_string();
        let r = partner
            .post(
                &format!("/actions/{a}/suivi"),
                &report("en_cours", "30", &ind, "1", "x", "1"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "action {a}");
    }
    let (_, html) = partner.get_html("/mes-actions").await;
    assert!(html.contains("Aucune action ne correspond."), "{html}");
    assert_eq!(
        app.count("select count(*) from action where status <> 'a_lancer'")
            .await,
        0
    );
    assert_eq!(app.count("select count(*) from action_note").await, 0);
}

#[tokio::test]
async fn mes_actions_lists_filters_and_pages_what_the_organisation_pilots() {
    let app = spawn_app().await;
    let w = app.world().await;
    let maison_c = app.maison("Maison de l'emploi de Cambrai").await;
    app.partnership(maison_c, w.org, &["operateur"]).await;
    let pa = plan(&app, w.maison_a, "en_oeuvre").await;
    let pc = plan(&app, maison_c, "valide").await;
    let pb = plan(&app, w.maison_b, "en_oeuvre").await;
    let draft = plan(&app, w.maison_a, "brouillon").await;
    action(&app, pa, 1, w.org, -10, "en_cours").await; // late
    action(&app, pa, 2, w.org, 10, "en_cours").await; // ending soon
    action(&app, pa, 3, w.org, -5, "realisee").await; // over: neither late nor ending
    action(&app, pc, 1, w.org, 200, "a_lancer").await;
    action(&app, pb, 1, w.org, 10, "en_cours").await; // Maison B does not partner the organisation
    action(&app, draft, 4, w.org, 10, "a_lancer").await; // a draft
    action(&app, pa, 5, w.other_org, 10, "en_cours").await; // another pilot
    let partner = app.signed_in(PARTNER).await;
    let (_, home) = partner.get_html("/").await;
    assert!(
        home.contains("href=\"/mes-actions\""),
        "the navigation's entry"
    );
    let titles = |html: &str| -> Vec<String> {
        table_rows(html, "Actions pilotées par mon organisation")
            .into_iter()
            .map(|r| r[0].clone())
            .collect()
    };
    let (status, html) = partner.get_html("/mes-actions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        titles(&html),
        [
            "N° 1 — Action 1",
            "N° 3 — Action 3",
            "N° 2 — Action 2",
            "N° 1 — Action 1"
        ]
    );
    let (_, late) = partner.get_html("/mes-actions?echeance=retard").await;
    assert_eq!(titles(&late), ["N° 1 — Action 1"]);
    assert!(late.contains("en retard"));
    let (_, soon) = partner.get_html("/mes-actions?echeance=bientot").await;
    assert_eq!(titles(&soon), ["N° 2 — Action 2"]);
    let (_, done) = partner.get_html("/mes-actions?statut=realisee").await;
    assert_eq!(titles(&done), ["N° 3 — Action 3"]);
    let (_, c) = partner
        .get_html(&format!("/mes-actions?maison={maison_c}"))
        .await;
    assert_eq!(titles(&c), ["N° 1 — Action 1"]);
    assert!(unescape(&c).contains("Maison de l'emploi de Cambrai"));
    let (_, odd) = partner
        .get_html("/mes-actions?statut=zzz&maison=abc&echeance=hier")
        .await;
    assert_eq!(titles(&odd).len(), 4, "unknown filters filter nothing");
    // The other organisation pilots nothing readable; staff have no « Mes actions ».
    let other = app.signed_in(OTHER_PARTNER).await;
    assert!(
        other
            .get_html("/mes-actions")
            .await
            .1
            .contains("Aucune action ne correspond.")
    );
    let staff = app.signed_in(STAFF_A).await;
    assert_eq!(
        staff.get("/mes-actions").await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        !staff
            .get_html("/")
            .await
            .1
            .contains("href=\"/mes-actions\"")
    );
}

/// « Mes actions » for an organisation piloting 200 actions: 50 a page, the pages follow (timed: the
/// figure goes to the report, not into an assertion).
#[tokio::test]
async fn mes_actions_pages_two_hundred_actions() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "en_oeuvre").await;
    sqlx::query(
        "insert into action (plan_id, number, title, axis_id, pilot_organisation_id, end_date, status)
         select $1, n, 'Action ' || n, (select min(id) from axis), $2, current_date + n, 'en_cours'
         from generate_series(1, 200) n",
    )
    .bind(p)
    .bind(w.org)
    .execute(&app.db)
    .await
    .unwrap();
    let partner = app.signed_in(PARTNER).await;
    let started = std::time::Instant::now();
    let (_, first) = partner.get_html("/mes-actions").await;
    let elapsed = started.elapsed();
    eprintln!("« Mes actions », 200 actions piloted, first page: {elapsed:?}");
    let rows = table_rows(&first, "Actions pilotées par mon organisation");
    assert_eq!(rows.len(), 50);
    assert!(first.contains("200 actions.") && first.contains("page=2"));
    let (_, last) = partner.get_html("/mes-actions?page=4").await;
    let rows = table_rows(&last, "Actions pilotées par mon organisation");
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[49][0], "N° 200 — Action 200");
    assert!(!last.contains("Page suivante"));
}
