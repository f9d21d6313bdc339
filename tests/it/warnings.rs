//! Irreversible steps warn first (issue 17): validating a diagnostic, submitting a plan and closing it
//! show one confirmation page (`web::confirm`) listing what is empty, open or unfinished; nothing changes
//! until the page's form comes back with the confirmation of that very list, checked again at commit.

use reqwest::StatusCode;

use crate::helpers::*;

async fn status_of(app: &TestApp, table: &str, id: i64) -> String {
    sqlx::query_scalar(&format!("select status from {table} where id = $1"))
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// A diagnostic of Maison A created by its staff (with the standard empty sections), shared with the
/// world's partner organisation; returns its id.
async fn shared_diagnostic(c: &mut TestClient, w: &World) -> i64 {
    let r = c
        .post(
            "/diagnostics",
            &[
                ("title", "Diagnostic à valider"),
                ("reference_year", "2025"),
                ("sectors", "batiment"),
                ("form_key", "k-warn"),
            ],
        )
        .await;
    let id: i64 = location(&r)
        .trim_start_matches("/diagnostics/")
        .parse()
        .unwrap();
    let r = c
        .post(
            &format!("/diagnostics/{id}/partage"),
            &[("organisations", &w.org.to_string()), ("comment", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    id
}

async fn sections(app: &TestApp, id: i64) -> Vec<(i64, String)> {
    sqlx::query_as(
        "select id, title from diagnostic_section where diagnostic_id = $1 order by position",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn write(c: &mut TestClient, id: i64, sid: i64, title: &str) {
    let r = c
        .post(
            &format!("/diagnostics/{id}/sections/{sid}/modifier"),
            &[
                ("title", title),
                ("body", "Un bassin où le bâtiment recrute."),
                ("revision", "1"),
                ("action", "enregistrer"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{title}");
}

const VALIDATION: &[(&str, &str)] = &[
    ("validated_on", "2026-11-20"),
    ("copil_decision", "Validé « à l'unanimité » & sans réserve"),
    ("comment", "Copil du 20 novembre"),
];

#[tokio::test]
async fn validating_a_diagnostic_lists_what_is_left_and_waits_for_the_confirmation() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = shared_diagnostic(&mut staff, &w).await;
    let all = sections(&app, id).await;
    assert!(all.len() >= 3, "the standard sections");
    // An empty section was written by nobody: no « Dernière modification par » until it is written.
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert!(!html.contains("Dernière modification par"), "{html}");
    for (sid, title) in &all[1..] {
        write(&mut staff, id, *sid, title).await;
    }
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert_eq!(
        html.matches("Dernière modification par").count(),
        all.len() - 1
    );
    let (first_id, first_title) = all[0].clone();
    let mut partner = app.signed_in(PARTNER).await;
    let r = partner
        .post(
            &format!("/diagnostics/{id}/commentaires"),
            &[
                ("body", "Et les chiffres FEEBAT ?"),
                ("section_id", &all[1].0.to_string()),
                ("parent_id", ""),
                ("form_key", "c1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    sqlx::query(
        "insert into indicator_value (diagnostic_id, indicator_id, value, year, source)
         select $1, id, 185, 2025, '' from indicator order by id limit 1",
    )
    .bind(id)
    .execute(&app.db)
    .await
    .unwrap();
    let label: String = sqlx::query_scalar("select label from indicator order by id limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let page = confirmation_page(&mut staff, id).await;
    let text = unescape(&page);
    assert!(text.contains("Sections à rédiger (1)"), "{text}");
    assert!(text.contains(&format!("#section-{first_id}\">{first_title}</a>")));
    assert!(
        !text.contains(&format!(">{}</a>", all[1].1)),
        "a written section is not listed"
    );
    assert!(text.contains("Commentaires ouverts, sans suite donnée (1)"));
    assert!(text.contains(&format!(
        "Personne {PARTNER} sur la section « {} » : « Et les chiffres FEEBAT ? »",
        all[1].1
    )));
    assert!(text.contains("Indicateurs sans source (1)"));
    assert!(text.contains(&format!("{label} (2025)")));
    assert_eq!(
        status_of(&app, "diagnostic", id).await,
        "partage",
        "nothing validated yet"
    );
    confirm_after_a_change(&app, &mut staff, &mut partner, id, &page).await;
}

/// The validation's first POST: the confirmation page, carrying what was typed.
async fn confirmation_page(staff: &mut TestClient, id: i64) -> String {
    let r = staff
        .post(&format!("/diagnostics/{id}/validation"), VALIDATION)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let fields = confirmation_fields(&page);
    for (k, v) in VALIDATION {
        assert!(
            fields.contains(&(k.to_string(), v.to_string())),
            "{k} kept: {fields:?}"
        );
    }
    assert!(page.contains("Confirmer la validation"));
    page
}

/// A confirmation that is no confirmation, then one of a list that changed meanwhile, are refused (409,
/// nothing written); the list as it is now, confirmed, validates.
async fn confirm_after_a_change(
    app: &TestApp,
    staff: &mut TestClient,
    partner: &mut TestClient,
    id: i64,
    page: &str,
) {
    let path = format!("/diagnostics/{id}/validation");
    let mut forged: Vec<(&str, &str)> = VALIDATION.to_vec();
    forged.push(("confirmation", "oui"));
    let r = staff.post(&path, &forged).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("a changé depuis que vous l'avez vue")
    );
    let r = partner
        .post(
            &format!("/diagnostics/{id}/commentaires"),
            &[
                ("body", "Et la mobilité ?"),
                ("section_id", ""),
                ("parent_id", ""),
                ("form_key", "c2"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stale = confirmation_fields(page);
    let r = staff.post_raw(&path, &stale).await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "the list changed since it was seen"
    );
    let again = r.text().await.unwrap();
    assert!(unescape(&again).contains("sur l'ensemble du diagnostic : « Et la mobilité ? »"));
    assert_eq!(status_of(app, "diagnostic", id).await, "partage");
    let r = staff.post_raw(&path, &confirmation_fields(&again)).await;
    assert_redirect_to(&r, &format!("/diagnostics/{id}"));
    assert_eq!(status_of(app, "diagnostic", id).await, "valide");
    let decision: String =
        sqlx::query_scalar("select copil_decision from diagnostic where id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        decision, VALIDATION[1].1,
        "the typed decision, through the page"
    );
}

#[tokio::test]
async fn a_diagnostic_with_nothing_left_is_validated_at_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = shared_diagnostic(&mut staff, &w).await;
    for (sid, title) in sections(&app, id).await {
        write(&mut staff, id, sid, &title).await;
    }
    let r = staff
        .post(&format!("/diagnostics/{id}/validation"), VALIDATION)
        .await;
    assert_redirect_to(&r, &format!("/diagnostics/{id}"));
    assert_eq!(status_of(&app, "diagnostic", id).await, "valide");
}

/// A plan of Maison A (`status`, years `start`–`end`) with one fiche per axis piloted by the world's
/// organisation, each with one indicator (achieved `achieved`) and, but for the first, a budget line.
async fn plan(
    app: &TestApp,
    w: &World,
    status: &str,
    end: i32,
    achieved: Option<f64>,
) -> (i64, Vec<i64>) {
    let p: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan Grenelle', 2020, $2, $3)
         returning id",
    )
    .bind(w.maison_a)
    .bind(end)
    .bind(status)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let ids: Vec<i64> = sqlx::query_scalar(
        "insert into action (plan_id, number, title, axis_id, pilot_organisation_id, start_date, end_date, status)
         select $1, x.number, 'Action ' || x.number, x.id, $2, date '2020-01-01', date '2020-12-31', 'realisee'
         from axis x where x.charter = '2009' order by x.number returning id",
    )
    .bind(p)
    .bind(w.org)
    .fetch_all(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into action_indicator (action_id, label, unit, target, achieved)
         select id, 'Artisans formés ' || number, 'personnes', 40, $2 from action where plan_id = $1",
    )
    .bind(p)
    .bind(achieved)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into action_funding (action_id, funder, amount_cents, state)
         select id, 'ADEME', 1500000, 'acquis' from action where plan_id = $1 and number > 1",
    )
    .bind(p)
    .execute(&app.db)
    .await
    .unwrap();
    (p, ids)
}

#[tokio::test]
async fn closing_a_plan_early_lists_the_period_the_running_fiches_and_the_missing_values() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, ids) = plan(&app, &w, "en_oeuvre", 2099, None).await;
    sqlx::query("update action set status = 'en_cours' where id = $1")
        .bind(ids[1])
        .execute(&app.db)
        .await
        .unwrap();
    let inds: Vec<i64> = sqlx::query_scalar(
        "select i.id from action_indicator i join action a on a.id = i.action_id where a.plan_id = $1 order by a.number",
    )
    .bind(p)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let mut c = app.signed_in(RESP_A).await;
    let mut form = vec![
        ("to", "cloture".to_owned()),
        ("evaluation", "Bilan :\nobjectifs atteints.".to_owned()),
    ];
    for (i, ind) in inds.iter().enumerate() {
        form.push(("ind_id", ind.to_string()));
        form.push((
            "ind_achieved",
            if i == 0 { "38".into() } else { String::new() },
        ));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (page, r) = c.post_confirmed(&format!("/plans/{p}/statut"), &form).await;
    let page = unescape(&page.expect("a confirmation page"));
    assert!(
        page.contains("La période du plan (2020–2099) ne se termine que le 31/12/2099."),
        "{page}"
    );
    assert!(page.contains("Fiches ni réalisées ni abandonnées (1)"));
    assert!(page.contains(&format!(
        "/actions/{}\">Fiche n° 2 « Action 2 » : En cours</a>",
        ids[1]
    )));
    assert!(page.contains("Indicateurs sans valeur réalisée (3)"));
    assert!(
        !page.contains("1. Action 1 — Artisans formés 1"),
        "a value typed is not missing"
    );
    assert!(page.contains("2. Action 2 — Artisans formés 2"));
    assert_redirect_to(&r, &format!("/plans/{p}"));
    assert_eq!(status_of(&app, "plan", p).await, "cloture");
    let evaluation: String = sqlx::query_scalar("select evaluation from plan where id = $1")
        .bind(p)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        evaluation.replace("\r\n", "\n"),
        "Bilan :\nobjectifs atteints."
    );
    let achieved: Option<f64> =
        sqlx::query_scalar("select achieved from action_indicator where id = $1")
            .bind(inds[0])
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(achieved, Some(38.0), "the typed value, through the page");
}

#[tokio::test]
async fn a_plan_over_and_complete_closes_at_once_and_one_unconfirmed_does_not() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (done, _) = plan(&app, &w, "en_oeuvre", 2025, Some(40.0)).await;
    let mut c = app.signed_in(STAFF_A).await;
    let r = c
        .post(
            &format!("/plans/{done}/statut"),
            &[("to", "cloture"), ("evaluation", "Bilan")],
        )
        .await;
    assert_redirect_to(&r, &format!("/plans/{done}"));
    assert_eq!(status_of(&app, "plan", done).await, "cloture");
    let (early, _) = plan(&app, &w, "en_oeuvre", 2099, Some(40.0)).await;
    let r = c
        .post(
            &format!("/plans/{early}/statut"),
            &[("to", "cloture"), ("evaluation", "Bilan")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = unescape(&r.text().await.unwrap());
    assert!(
        page.contains("Période du plan (1)") && !page.contains("Fiches ni réalisées"),
        "{page}"
    );
    assert_eq!(
        status_of(&app, "plan", early).await,
        "en_oeuvre",
        "nothing closed unconfirmed"
    );
}

#[tokio::test]
async fn submitting_a_plan_lists_the_fiches_without_budget_and_the_diagnostic_not_validated() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, ids) = plan(&app, &w, "brouillon", 2099, None).await;
    let mut c = app.signed_in(STAFF_A).await;
    let (page, r) = c
        .post_confirmed(
            &format!("/plans/{p}/statut"),
            &[("to", "soumis"), ("comment", "Pour le copil")],
        )
        .await;
    let page = unescape(&page.expect("a confirmation page"));
    assert!(
        page.contains("Fiches sans budget prévisionnel (1)"),
        "{page}"
    );
    assert!(page.contains(&format!(
        "/actions/{}\">Fiche n° 1 « Action 1 »</a>",
        ids[0]
    )));
    assert!(page.contains("Le plan ne s'appuie sur aucun diagnostic territorial."));
    assert!(page.contains("Confirmer la soumission"));
    assert_redirect_to(&r, &format!("/plans/{p}"));
    assert_eq!(status_of(&app, "plan", p).await, "soumis");
    let comment: String = sqlx::query_scalar(
        "select comment from transition where object_type = 'plan' and object_id = $1 and to_status = 'soumis'",
    )
    .bind(p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(comment, "Pour le copil");
}
