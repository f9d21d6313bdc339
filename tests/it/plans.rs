//! Plans d'actions and fiches actions: workflow per role, submission check, frozen content, partner
//! follow-up, conflicts, bad input, exports, late derivation.

use reqwest::StatusCode;

use crate::helpers::*;

/// The text of a page as a person reads it (askama escapes apostrophes and quotes).
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
}

trait PageExt {
    fn page(&self, path: &str) -> impl std::future::Future<Output = (StatusCode, String)>;
}

impl PageExt for TestClient {
    async fn page(&self, path: &str) -> (StatusCode, String) {
        let (status, html) = self.get_html(path).await;
        (status, unescape(&html))
    }
}

async fn axes(app: &TestApp) -> Vec<i32> {
    sqlx::query_scalar("select id from axis where charter = '2009' order by number")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

async fn plan(app: &TestApp, maison: i64, status: &str) -> i64 {
    sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan Grenelle', 2026, 2028, $2) returning id",
    )
    .bind(maison)
    .bind(status)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A complete fiche (pilot, dates, one indicator, one budget line).
async fn action(app: &TestApp, plan: i64, number: i32, axis: i32, pilot: Option<i64>) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "insert into action (plan_id, number, title, axis_id, sector_code, pilot_organisation_id, start_date, end_date)
         values ($1, $2, $3, $4, 'batiment', $5, date '2026-01-01', date '2099-12-31') returning id",
    )
    .bind(plan)
    .bind(number)
    .bind(format!("Action {number}"))
    .bind(axis)
    .bind(pilot)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into action_indicator (action_id, label, unit, target) values ($1, 'Artisans formés', 'personnes', 40)")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("insert into action_funding (action_id, funder, amount_cents, state) values ($1, 'ADEME', 1500000, 'acquis')")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    id
}

/// A plan of Maison A with one complete action per axis, all piloted by the world's partner organisation.
async fn complete_plan(app: &TestApp, w: &World, status: &str) -> (i64, Vec<i64>) {
    let p = plan(app, w.maison_a, status).await;
    let mut ids = Vec::new();
    for (i, ax) in axes(app).await.into_iter().enumerate() {
        ids.push(action(app, p, i as i32 + 1, ax, Some(w.org)).await);
    }
    (p, ids)
}

async fn plan_status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("select status from plan where id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn action_status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("select status from action where id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

fn action_form<'a>(axis: &'a str, pilot: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("number", "1"),
        ("title", title),
        ("axis_id", axis),
        ("sector_code", "batiment"),
        ("objectives", "Former 40 artisans"),
        ("description", "Sessions FEEBAT"),
        ("target_public", "Artisans du bâtiment"),
        ("expected_results", "Montée en compétences"),
        ("pilot", pilot),
        ("referent_account_id", ""),
        ("pilot_referent", ""),
        ("start_date", "2026-01-15"),
        ("end_date", "2026-12-15"),
        ("priority", "haute"),
        ("partner_org", pilot),
        ("partner_role", "prescripteur"),
        ("partner_org", ""),
        ("partner_role", ""),
        ("funding_funder", "ADEME"),
        ("funding_amount", "12 345,50"),
        ("funding_state", "acquis"),
        ("funding_funder", "Région"),
        ("funding_amount", "1000"),
        ("funding_state", "sollicite"),
        ("ind_label", "Artisans formés"),
        ("ind_unit", "personnes"),
        ("ind_target", "40"),
        ("ind_achieved", ""),
        ("ind_year", "2026"),
    ]
}

#[tokio::test]
async fn staff_builds_a_plan_with_a_full_fiche_and_double_submission_is_processed_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut c = app.signed_in(STAFF_A).await;
    let (status, html) = c.page("/plans/nouveau").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"form_key\""));
    let form = [
        ("title", "Plan Grenelle 2026"),
        ("diagnostic_id", ""),
        ("start_year", "2026"),
        ("end_year", "2028"),
        ("form_key", "cle-unique-1"),
    ];
    let r = c.post("/plans", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let again = c.post("/plans", &form).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from plan").await,
        1,
        "a replayed form is processed once"
    );
    let plan_id: i64 = sqlx::query_scalar("select id from plan")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let axis = axes(&app).await[1].to_string();
    let org = w.org.to_string();
    let mut f = action_form(&axis, &org, "Formations FEEBAT");
    f.push(("form_key", "cle-fiche"));
    let r = c.post(&format!("/plans/{plan_id}/actions"), &f).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        unescape(&r.text().await.unwrap())
    );
    let r2 = c.post(&format!("/plans/{plan_id}/actions"), &f).await;
    assert_eq!(r2.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from action").await, 1);
    assert_eq!(
        app.count("select sum(amount_cents)::bigint from action_funding")
            .await,
        1_334_550
    );
    assert_eq!(
        app.count("select count(*) from action_partner where role = 'prescripteur'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from action_indicator where target = 40 and year = 2026")
            .await,
        1
    );
    let action_id: i64 = sqlx::query_scalar("select id from action")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_, page) = c.page(&format!("/actions/{action_id}")).await;
    assert!(page.contains("13\u{202f}345,50\u{a0}€"), "total in euros");
    assert!(page.contains("12\u{202f}345,50\u{a0}€") && page.contains("1\u{202f}000,00\u{a0}€"));
    assert!(page.contains("France Travail Nord") && page.contains("prescripteur"));
    let (_, plan_page) = c.page(&format!("/plans/{plan_id}")).await;
    assert!(plan_page.contains("Axe 2"));
    assert!(plan_page.contains("Formations FEEBAT"));
    assert!(
        app.count("select count(*) from event where object_type = 'action'")
            .await
            >= 1
    );
}

#[tokio::test]
async fn submission_check_lists_exactly_what_is_missing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let ax = axes(&app).await;
    let incomplete: i64 = sqlx::query_scalar(
        "insert into action (plan_id, number, title, axis_id) values ($1, 1, 'Forum des métiers verts', $2) returning id",
    )
    .bind(p)
    .bind(ax[0])
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut c = app.signed_in(STAFF_A).await;
    let (_, html) = c.page(&format!("/plans/{p}")).await;
    assert!(html.contains("Fiche n° 1 « Forum des métiers verts » : il manque un pilote, une date de début, une date de fin, au moins un indicateur."), "{html}");
    for n in 2..=4 {
        assert!(html.contains(&format!("Aucune action sur l'axe {n}")));
    }
    assert!(!html.contains("Aucune action sur l'axe 1"));
    let r = c
        .post_confirmed(&format!("/plans/{p}/statut"), &[("to", "soumis")])
        .await
        .1;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        plan_status(&app, p).await,
        "brouillon",
        "an incomplete plan is not submitted"
    );
    // Complete it: the check passes and the plan goes to the copil.
    sqlx::query("delete from action where id = $1")
        .bind(incomplete)
        .execute(&app.db)
        .await
        .unwrap();
    for (i, a) in ax.iter().enumerate() {
        action(&app, p, i as i32 + 1, *a, Some(w.org)).await;
    }
    let (_, html) = c.page(&format!("/plans/{p}")).await;
    assert!(html.contains("Le plan est complet"));
    let r = c
        .post_confirmed(
            &format!("/plans/{p}/statut"),
            &[("to", "soumis"), ("comment", "Pour le copil de décembre")],
        )
        .await
        .1;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(plan_status(&app, p).await, "soumis");
    assert_eq!(
        app.count(
            "select count(*) from transition where object_type = 'plan' and to_status = 'soumis'"
        )
        .await,
        1
    );
    let (_, html) = c.page(&format!("/plans/{p}")).await;
    assert!(
        html.contains("Pour le copil de décembre"),
        "the timeline shows the comment"
    );
}

#[tokio::test]
async fn every_plan_transition_for_every_role() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, _) = complete_plan(&app, &w, "brouillon").await;
    let states = ["brouillon", "soumis", "valide", "en_oeuvre", "cloture"];
    let mut clients = Vec::new();
    for email in [ADMIN, RESP_A, STAFF_A, STAFF_B, PARTNER, OTHER_PARTNER] {
        clients.push((email, app.signed_in(email).await));
    }
    for from in states {
        for to in states {
            for (email, c) in clients.iter_mut() {
                sqlx::query("update plan set status = $2 where id = $1")
                    .bind(p)
                    .bind(from)
                    .execute(&app.db)
                    .await
                    .unwrap();
                let r = c
                    .post_confirmed(
                        &format!("/plans/{p}/statut"),
                        &[
                            ("to", to),
                            ("decided_on", "2026-11-20"),
                            ("comment", "motif"),
                            ("evaluation", "Bilan positif"),
                        ],
                    )
                    .await
                    .1;
                let manager = *email == RESP_A || *email == STAFF_A;
                let allowed = matches!(
                    (from, to),
                    ("brouillon", "soumis")
                        | ("soumis", "valide")
                        | ("soumis", "brouillon")
                        | ("valide", "en_oeuvre")
                        | ("en_oeuvre", "cloture")
                );
                let status = r.status();
                let body = unescape(&r.text().await.unwrap());
                let now = plan_status(&app, p).await;
                if manager && allowed {
                    assert_eq!(status, StatusCode::SEE_OTHER, "{email} {from}→{to}");
                    assert_eq!(now, to, "{email} {from}→{to}");
                } else if manager {
                    assert_eq!(status, StatusCode::CONFLICT, "{email} {from}→{to}");
                    assert!(
                        body.contains("Ce changement d'état n'est pas possible"),
                        "{body}"
                    );
                    assert_eq!(now, from, "state unchanged");
                } else {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{email} {from}→{to}");
                    assert_eq!(now, from, "state unchanged");
                }
            }
        }
    }
    assert_eq!(
        app.count("select count(*) from copil_decision where decision = 'valide'")
            .await,
        2
    );
    assert_eq!(
        app.count("select count(*) from copil_decision where decision = 'a_reviser'")
            .await,
        2
    );
}

#[tokio::test]
async fn copil_decisions_need_a_date_and_a_reason_and_notify() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, _) = complete_plan(&app, &w, "soumis").await;
    let mut c = app.signed_in(STAFF_A).await;
    let (status, html) = c.page(&format!("/plans/{p}/copil")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Membres présents"));
    let r = c
        .post_confirmed(
            &format!("/plans/{p}/statut"),
            &[
                ("to", "brouillon"),
                ("decided_on", "2026-11-20"),
                ("comment", ""),
            ],
        )
        .await
        .1;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&r.text().await.unwrap()).contains("Indiquez pourquoi"));
    let r = c
        .post_confirmed(
            &format!("/plans/{p}/statut"),
            &[
                ("to", "valide"),
                ("decided_on", "pas une date"),
                ("minutes", "Compte rendu gardé"),
            ],
        )
        .await
        .1;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&r.text().await.unwrap()).contains("Compte rendu gardé"),
        "typed text kept"
    );
    assert_eq!(plan_status(&app, p).await, "soumis");
    let r = c
        .post_confirmed(
            &format!("/plans/{p}/statut"),
            &[
                ("to", "brouillon"),
                ("decided_on", "2026-11-20"),
                ("comment", "Axe 4 trop léger"),
            ],
        )
        .await
        .1;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = c.page(&format!("/plans/{p}")).await;
    assert!(html.contains("Axe 4 trop léger") && html.contains("À réviser"));
    let (_, r) = c
        .post_confirmed(&format!("/plans/{p}/statut"), &[("to", "soumis")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post_confirmed(
            &format!("/plans/{p}/statut"),
            &[
                ("to", "valide"),
                ("decided_on", "2026-11-25"),
                ("members_present", "DREETS, MEL, France Travail"),
                ("minutes", "Validé à l'unanimité"),
            ],
        )
        .await
        .1;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(plan_status(&app, p).await, "valide");
    let (_, html) = c.page(&format!("/plans/{p}")).await;
    assert!(
        html.contains("25/11/2026")
            && html.contains("DREETS, MEL, France Travail")
            && html.contains("Validé à l'unanimité")
    );
    the_timeline_and_the_history_tell_the_decisions(&app, &w, &html).await;
}

/// The timeline (oldest first) and the history (newest first, with the changed fields).
async fn the_timeline_and_the_history_tell_the_decisions(app: &TestApp, w: &World, html: &str) {
    let submitted = html
        .find("Brouillon → Soumis au comité de pilotage")
        .expect("timeline");
    let validated = html
        .find("Soumis au comité de pilotage → Validé")
        .expect("timeline");
    assert!(submitted < validated);
    let newest = html
        .find("Décision du comité de pilotage du 25/11/2026 : plan « Plan Grenelle » validé")
        .expect("history");
    let older = html
        .find("Décision du comité de pilotage du 20/11/2026 : plan « Plan Grenelle » à réviser")
        .expect("history");
    assert!(newest < older);
    assert!(html.contains("Statut : <del>Soumis au comité de pilotage</del>"));
    assert!(
        app.count(&format!(
            "select count(*) from notification where account_id = {} and kind = 'copil_decision'",
            w.admin
        ))
        .await
            >= 2
    );
}

#[tokio::test]
async fn validated_plan_content_is_frozen_but_follow_up_stays_open() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, ids) = complete_plan(&app, &w, "valide").await;
    let a = ids[0];
    let mut c = app.signed_in(STAFF_A).await;
    let axis = axes(&app).await[0].to_string();
    let org = w.org.to_string();
    let (status, _) = c.page(&format!("/actions/{a}/modifier")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mut f = action_form(&axis, &org, "Titre changé");
    f.push(("version", "1"));
    let r = c.post(&format!("/actions/{a}/modifier"), &f).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(unescape(&r.text().await.unwrap()).contains("contenu est figé"));
    let r = c
        .post(
            &format!("/plans/{p}/actions"),
            &action_form(&axis, &org, "Nouvelle"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = c
        .post(
            &format!("/plans/{p}/modifier"),
            &[
                ("title", "X"),
                ("start_year", "2026"),
                ("end_year", "2027"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = c.post(&format!("/actions/{a}/supprimer"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.count("select count(*) from action where title = 'Action 1'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from action").await, 4);
    the_follow_up_stays_open(&app, &mut c, a).await;
    a_new_version_is_an_editable_draft(&app, &mut c, p).await;
}

/// Follow-up: status, progress, notes, achieved values.
async fn the_follow_up_stays_open(app: &TestApp, c: &mut TestClient, a: i64) {
    assert_eq!(
        c.post(&format!("/actions/{a}/statut"), &[("to", "en_cours")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        c.post(&format!("/actions/{a}/avancement"), &[("progress", "35")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = c
        .post(
            &format!("/actions/{a}/notes"),
            &[
                ("noted_on", "2026-11-01"),
                ("body", "Première session tenue"),
                ("progress", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ind: i64 = sqlx::query_scalar("select id from action_indicator where action_id = $1")
        .bind(a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = c
        .post(
            &format!("/actions/{a}/resultats"),
            &[("ind_id", &ind.to_string()), ("ind_achieved", "12")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "select progress::bigint from action where id = {a}"
        ))
        .await,
        35
    );
    assert_eq!(
        app.count(&format!(
            "select achieved::bigint from action_indicator where id = {ind}"
        ))
        .await,
        12
    );
    assert_eq!(action_status(app, a).await, "en_cours");
}

/// A new version copies the plan into a draft, editable again.
async fn a_new_version_is_an_editable_draft(app: &TestApp, c: &mut TestClient, p: i64) {
    let r = c
        .post(
            &format!("/plans/{p}/nouvelle-version"),
            &[("form_key", "nv-1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new_id: i64 = sqlx::query_scalar("select id from plan where previous_id = $1")
        .bind(p)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(plan_status(app, new_id).await, "brouillon");
    assert_eq!(
        app.count(&format!(
            "select count(*) from action where plan_id = {new_id}"
        ))
        .await,
        4
    );
    assert_eq!(app.count(&format!("select count(*) from action_indicator i join action a on a.id = i.action_id where a.plan_id = {new_id}")).await, 4);
    assert_eq!(app.count(&format!("select count(*) from action_funding i join action a on a.id = i.action_id where a.plan_id = {new_id}")).await, 4);
}

#[tokio::test]
async fn partner_pilot_reports_on_its_action_and_edits_nothing_else() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, ids) = complete_plan(&app, &w, "en_oeuvre").await;
    let piloted = ids[0];
    sqlx::query("update action set pilot_organisation_id = null where id = $1")
        .bind(ids[1])
        .execute(&app.db)
        .await
        .unwrap();
    let not_piloted = ids[1];
    let mut partner = app.signed_in(PARTNER).await;
    let (status, html) = partner.page(&format!("/actions/{piloted}")).await;
    assert_eq!(status, StatusCode::OK);
    // The pilot's one follow-up form (issue 16: status and achieved values too, tests/it/pilots.rs).
    assert!(html.contains("Enregistrer le suivi") && !html.contains("Modifier la fiche"));
    the_pilot_writes_notes_and_progress(&app, &mut partner, piloted).await;
    nothing_else_is_the_pilots(&mut partner, &app, p, piloted, not_piloted).await;
    // The other organisation does not partner Maison A: nothing visible.
    let other = app.signed_in(OTHER_PARTNER).await;
    assert_eq!(
        other.get(&format!("/plans/{p}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("/actions/{piloted}")).await.status(),
        StatusCode::NOT_FOUND
    );
    // Drafts are not shown to partners.
    let draft = plan(&app, w.maison_a, "brouillon").await;
    assert_eq!(
        partner.get(&format!("/plans/{draft}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let mut staff = app.signed_in(STAFF_A).await;
    let r = staff
        .post(
            &format!("/actions/{piloted}/notes"),
            &[("noted_on", "2026-11-03"), ("body", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("select count(*) from action_note").await, 1);
}

/// A note with its progress, then the progress alone (out of range: refused, nothing written).
async fn the_pilot_writes_notes_and_progress(
    app: &TestApp,
    partner: &mut TestClient,
    piloted: i64,
) {
    let r = partner
        .post(
            &format!("/actions/{piloted}/notes"),
            &[
                ("noted_on", "2026-11-02"),
                ("body", "12 inscrits au forum"),
                ("progress", "40"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "select progress::bigint from action where id = {piloted}"
        ))
        .await,
        40
    );
    assert_eq!(
        partner
            .post(
                &format!("/actions/{piloted}/avancement"),
                &[("progress", "50")]
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = partner
        .post(
            &format!("/actions/{piloted}/avancement"),
            &[("progress", "150")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&r.text().await.unwrap()).contains("entre 0 et 100"));
    assert_eq!(
        app.count(&format!(
            "select progress::bigint from action where id = {piloted}"
        ))
        .await,
        50
    );
}

/// Neither the fiche's content, the plan's status, nor another fiche's notes.
async fn nothing_else_is_the_pilots(
    partner: &mut TestClient,
    app: &TestApp,
    p: i64,
    piloted: i64,
    not_piloted: i64,
) {
    for path in [
        format!("/actions/{piloted}/modifier"),
        format!("/plans/{p}/statut"),
    ] {
        let r = partner
            .post(&path, &[("to", "en_cours"), ("progress", "60")])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        partner
            .post(
                &format!("/actions/{not_piloted}/notes"),
                &[("noted_on", "2026-11-02"), ("body", "x")]
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(action_status(app, piloted).await, "a_lancer");
}

#[tokio::test]
async fn every_action_transition_and_abandon_reason() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (_, ids) = complete_plan(&app, &w, "en_oeuvre").await;
    let a = ids[0];
    let mut c = app.signed_in(STAFF_A).await;
    every_pair_of_statuses(&app, &mut c, a).await;
    sqlx::query("update action set status = 'en_cours' where id = $1")
        .bind(a)
        .execute(&app.db)
        .await
        .unwrap();
    let r = c
        .post(
            &format!("/actions/{a}/statut"),
            &[("to", "abandonnee"), ("reason", " ")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&r.text().await.unwrap()).contains("Indiquez pourquoi l'action est abandonnée")
    );
    assert_eq!(action_status(&app, a).await, "en_cours");
    c.post(&format!("/actions/{a}/statut"), &[("to", "realisee")])
        .await;
    assert_eq!(
        app.count(&format!(
            "select progress::bigint from action where id = {a}"
        ))
        .await,
        100
    );
    // Admins and other Maisons' staff cannot run actions.
    for email in [ADMIN, STAFF_B] {
        let mut o = app.signed_in(email).await;
        assert_eq!(
            o.post(
                &format!("/actions/{}/statut", ids[1]),
                &[("to", "en_cours")]
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
    }
    // Actions of a draft are not run.
    let draft = plan(&app, w.maison_a, "brouillon").await;
    let d = action(&app, draft, 1, axes(&app).await[0], None).await;
    assert_eq!(
        c.post(&format!("/actions/{d}/statut"), &[("to", "en_cours")])
            .await
            .status(),
        StatusCode::CONFLICT
    );
}
/// Each pair of statuses: the workflow's steps are taken, every other one refused with a message.
async fn every_pair_of_statuses(app: &TestApp, c: &mut TestClient, a: i64) {
    let states = ["a_lancer", "en_cours", "en_pause", "realisee", "abandonnee"];
    let allowed = [
        ("a_lancer", "en_cours"),
        ("a_lancer", "abandonnee"),
        ("en_cours", "en_pause"),
        ("en_pause", "en_cours"),
        ("en_cours", "realisee"),
        ("en_pause", "realisee"),
        ("en_cours", "abandonnee"),
        ("en_pause", "abandonnee"),
    ];
    for from in states {
        for to in states {
            sqlx::query("update action set status = $2 where id = $1")
                .bind(a)
                .bind(from)
                .execute(&app.db)
                .await
                .unwrap();
            let r = c
                .post(
                    &format!("/actions/{a}/statut"),
                    &[("to", to), ("reason", "Financement non obtenu")],
                )
                .await;
            if allowed.contains(&(from, to)) {
                assert_eq!(r.status(), StatusCode::SEE_OTHER, "{from}→{to}");
                assert_eq!(action_status(app, a).await, to);
            } else {
                assert_eq!(r.status(), StatusCode::CONFLICT, "{from}→{to}");
                assert!(
                    unescape(&r.text().await.unwrap())
                        .contains("Ce changement de statut n'est pas possible")
                );
                assert_eq!(action_status(app, a).await, from);
            }
        }
    }
}

#[tokio::test]
async fn second_save_of_the_same_fiche_is_a_conflict() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let a = action(&app, p, 1, axes(&app).await[0], Some(w.org)).await;
    let axis = axes(&app).await[0].to_string();
    let org = w.org.to_string();
    let mut first = app.signed_in(STAFF_A).await;
    let mut second = app.signed_in(RESP_A).await;
    let (_, html) = first.page(&format!("/actions/{a}/modifier")).await;
    assert!(html.contains("name=\"version\" value=\"1\""));
    let mut f1 = action_form(&axis, &org, "Titre de Sophie");
    f1.push(("version", "1"));
    let mut f2 = action_form(&axis, &org, "Titre de Karim");
    f2.push(("version", "1"));
    assert_eq!(
        first
            .post(&format!("/actions/{a}/modifier"), &f1)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = second.post(&format!("/actions/{a}/modifier"), &f2).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let body = unescape(&r.text().await.unwrap());
    assert!(body.contains("Quelqu'un d'autre a enregistré"));
    assert!(body.contains("Titre de Karim"), "their input is kept");
    assert_eq!(
        app.count("select count(*) from action where title = 'Titre de Sophie' and version = 2")
            .await,
        1
    );
    // The history shows who changed which field from what to what.
    let (_, page) = first.page(&format!("/actions/{a}")).await;
    assert!(page.contains("Intitulé : <del>Action 1</del>"), "{page}");
    assert!(page.contains("<ins>Titre de Sophie</ins>"));
}

#[tokio::test]
async fn the_diagnostic_enjeux_beside_the_plan_are_sanitised_markdown() {
    let app = spawn_app().await;
    let w = app.world().await;
    let d: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, status) values ($1, 'Diagnostic 2025', 2025, 'valide')
         returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into diagnostic_section (diagnostic_id, position, kind, title, body) values ($1, 8, 'enjeux', 'Enjeux', $2)",
    )
    .bind(d)
    .bind("### Priorités\n\n- **Rénovation** énergétique\n- [ADEME](https://www.ademe.fr)\n\n<script>alert(1)</script>\n[clic](javascript:alert(1))")
    .execute(&app.db)
    .await
    .unwrap();
    let p = plan(&app, w.maison_a, "brouillon").await;
    sqlx::query("update plan set diagnostic_id = $2 where id = $1")
        .bind(p)
        .bind(d)
        .execute(&app.db)
        .await
        .unwrap();
    let c = app.signed_in(STAFF_A).await;
    for path in [
        format!("/plans/{p}"),
        format!("/plans/{p}/actions/nouvelle"),
    ] {
        let (status, html) = c.get_html(&path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Enjeux du diagnostic : Enjeux"), "{path}");
        assert!(
            html.contains("<h3>Priorités</h3>")
                && html.contains("<li><strong>Rénovation</strong> énergétique</li>")
                && html.contains("href=\"https://www.ademe.fr\""),
            "{path}: rendered as on the diagnostic page"
        );
        assert!(
            !html.contains("<script>alert") && !html.contains("href=\"javascript:"),
            "{path}: sanitised"
        );
        assert!(
            !html.contains("**Rénovation**"),
            "{path}: not printed as plain text"
        );
    }
}

/// How many lines a table of the fiche form shows (one input per line carries the column's name).
fn lines(html: &str, column: &str) -> usize {
    html.matches(&format!("name=\"{column}\"")).count()
}

#[tokio::test]
async fn fiche_form_takes_any_number_of_lines_without_javascript() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let axis = axes(&app).await[0].to_string();
    let org = w.org.to_string();
    let mut c = app.signed_in(STAFF_A).await;
    let create = format!("/plans/{p}/actions");
    a_new_fiche_offers_one_blank_line_per_table(&c, &create, p).await;
    let mut f = action_form(&axis, &org, "Fiche aux nombreuses lignes");
    f.push(("form_key", "cle-lignes"));
    adding_a_line_saves_nothing(&app, &mut c, &create, &f).await;
    let five = removing_a_line_keeps_the_others_in_order(&app, &mut c, &create, &f).await;
    // Saved: all five indicators, more than the form ever showed blank at once.
    let r = c.post(&create, &five).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        unescape(&r.text().await.unwrap())
    );
    assert_eq!(app.count("select count(*) from action_indicator").await, 5);
    assert_eq!(
        app.count("select count(*) from action_indicator where label = 'Forums' and position = 5")
            .await,
        1
    );
    let a: i64 = sqlx::query_scalar("select id from action")
        .fetch_one(&app.db)
        .await
        .unwrap();
    the_edit_form_adds_and_removes_lines(&app, &mut c, a, &five).await;
}

/// A new fiche offers one blank line per table, and the buttons to add and remove lines. Enter in a field
/// saves: the first submit button of the form is the saving one.
async fn a_new_fiche_offers_one_blank_line_per_table(c: &TestClient, create: &str, p: i64) {
    let (status, html) = c.page(&format!("/plans/{p}/actions/nouvelle")).await;
    assert_eq!(status, StatusCode::OK);
    for column in ["partner_org", "funding_funder", "ind_label"] {
        assert_eq!(lines(&html, column), 1, "{column}");
    }
    for group in ["partenaires", "financements", "indicateurs"] {
        assert!(
            html.contains(&format!(
                "name=\"ajouter\" value=\"{group}\" formaction=\"{create}#{group}\" formnovalidate"
            )),
            "{group}: « Ajouter une ligne » button"
        );
        assert!(html.contains(&format!("name=\"retirer\" value=\"{group}-1\"")));
        assert!(
            html.contains(&format!("id=\"{group}\"")),
            "the fieldset the button scrolls to"
        );
    }
    let form = &html[html.find("<form method=\"post\" action=\"/plans/").unwrap()..];
    let first_button = &form[form.find("<button").unwrap()..];
    assert!(first_button.starts_with("<button type=\"submit\" class=\"visually-hidden\" tabindex=\"-1\" aria-hidden=\"true\">Enregistrer la fiche"));
}

/// « Ajouter une ligne »: the form comes back with what was typed and one more line; nothing is saved.
async fn adding_a_line_saves_nothing(
    app: &TestApp,
    c: &mut TestClient,
    create: &str,
    f: &[(&str, &str)],
) {
    let mut add = f.to_vec();
    // As a browser sends it: the blank line the form ended with, then the button.
    add.extend([
        ("ind_label", ""),
        ("ind_unit", ""),
        ("ind_target", ""),
        ("ind_achieved", ""),
        ("ind_year", ""),
        ("ajouter", "indicateurs"),
    ]);
    let r = c.post(create, &add).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = unescape(&r.text().await.unwrap());
    assert_eq!(
        lines(&html, "ind_label"),
        3,
        "the typed line, the blank one, one more"
    );
    assert_eq!(
        lines(&html, "partner_org"),
        2,
        "partners as typed (the blank line kept)"
    );
    assert_eq!(
        lines(&html, "funding_funder"),
        3,
        "two typed lines, then a blank one"
    );
    assert!(html.contains("value=\"Fiche aux nombreuses lignes\""));
    assert!(html.contains("value=\"Artisans formés\"") && html.contains("value=\"12 345,50\""));
    assert!(html.contains("value=\"prescripteur\""));
    assert!(
        !html.contains("field-error"),
        "adding a line is not a validation"
    );
    assert_eq!(app.count("select count(*) from action").await, 0);
    assert_eq!(
        app.count("select count(*) from form_submission where key = 'cle-lignes'")
            .await,
        0,
        "the form's key is still unused"
    );
}

/// « Retirer »: the line goes, the others stay in their order; returns the form with five indicators.
async fn removing_a_line_keeps_the_others_in_order<'a>(
    app: &TestApp,
    c: &mut TestClient,
    create: &str,
    f: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut five = f.to_vec();
    five.retain(|(k, _)| !k.starts_with("ind_"));
    let labels = [
        "Artisans formés",
        "Apprentis",
        "Chantiers",
        "Visites",
        "Forums",
    ];
    for (i, label) in labels.iter().enumerate() {
        five.extend([
            ("ind_label", *label),
            ("ind_unit", "personnes"),
            ("ind_target", if i % 2 == 0 { "40" } else { "12,5" }),
            ("ind_achieved", ""),
            ("ind_year", "2026"),
        ]);
    }
    let mut remove = five.clone();
    remove.push(("retirer", "indicateurs-2"));
    let r = c.post(create, &remove).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = unescape(&r.text().await.unwrap());
    assert_eq!(
        lines(&html, "ind_label"),
        5,
        "four lines left, then a blank one"
    );
    assert!(!html.contains("value=\"Apprentis\""));
    let order: Vec<usize> = ["Artisans formés", "Chantiers", "Visites", "Forums"]
        .iter()
        .map(|l| html.find(&format!("value=\"{l}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "order kept");
    // A line number that does not exist changes nothing and breaks nothing.
    let mut odd = five.clone();
    odd.push(("retirer", "indicateurs-99"));
    let r = c.post(create, &odd).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(lines(&r.text().await.unwrap(), "ind_label"), 6);
    assert_eq!(app.count("select count(*) from action").await, 0);
    five
}

/// The edit form shows the saved lines and a blank one; adding a line there saves nothing either.
async fn the_edit_form_adds_and_removes_lines(
    app: &TestApp,
    c: &mut TestClient,
    a: i64,
    five: &[(&str, &str)],
) {
    let edit = format!("/actions/{a}/modifier");
    let (_, html) = c.page(&edit).await;
    assert_eq!(lines(&html, "ind_label"), 6);
    assert_eq!(lines(&html, "funding_funder"), 3);
    assert!(html.contains(&format!("formaction=\"{edit}#financements\"")));
    let mut saved = five.to_vec();
    saved.retain(|(k, _)| *k != "form_key");
    saved.push(("version", "1"));
    let mut add = saved.clone();
    add.push(("ajouter", "financements"));
    let r = c.post(&edit, &add).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert_eq!(lines(&html, "funding_funder"), 3);
    assert!(
        html.contains("name=\"version\" value=\"1\""),
        "still the version it was opened at"
    );
    // Removing a budget line, then saving, removes it.
    let mut remove = saved.clone();
    remove.push(("retirer", "financements-1"));
    let r = c.post(&edit, &remove).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        app.count(&format!(
            "select version::bigint from action where id = {a}"
        ))
        .await,
        1,
        "nothing saved"
    );
    let after: Vec<(String, String)> = saved
        .iter()
        .filter(|(k, v)| !(*k == "funding_funder" && *v == "ADEME"))
        .filter(|(k, v)| !(*k == "funding_amount" && *v == "12 345,50"))
        .filter(|(k, v)| !(*k == "funding_state" && *v == "acquis"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let after: Vec<(&str, &str)> = after
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = c.post(&edit, &after).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from action_funding").await,
        1,
        "only the Région line is left"
    );
}
// A new fiche offers one blank line per table, and the buttons to add and remove lines.

#[tokio::test]
async fn bad_input_gets_french_messages_and_nothing_is_written() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let axis = axes(&app).await[0].to_string();
    let org = w.org.to_string();
    let mut c = app.signed_in(STAFF_A).await;
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "end_date",
            "2025-01-01",
            "La date de fin ne peut pas précéder la date de début.",
        ),
        (
            "funding_amount",
            "-50",
            "le montant ne peut pas être négatif",
        ),
        (
            "funding_amount",
            "999 999 999 999",
            "montant invraisemblable",
        ),
        ("funding_amount", "douze", "montant illisible"),
        ("axis_id", "999", "Cet axe n'existe pas pour ce plan."),
        ("sector_code", "spatial", "Cette filière n'existe pas."),
        (
            "pilot",
            "12345678",
            "Le pilote doit être la Maison ou l'un de ses partenaires.",
        ),
        (
            "ind_target",
            "-3",
            "cible ou réalisé doit être un nombre positif",
        ),
        ("title", "", "Indiquez l'intitulé de l'action."),
    ];
    for (field, value, message) in cases {
        let mut f: Vec<(&str, &str)> = action_form(&axis, &org, "Fiche fautive");
        for kv in f.iter_mut() {
            if kv.0 == field {
                kv.1 = value;
                break;
            }
        }
        let r = c.post(&format!("/plans/{p}/actions"), &f).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}"
        );
        let body = unescape(&r.text().await.unwrap());
        assert!(body.contains(message), "{field}={value}: {message}");
        assert!(body.contains("aria-invalid=\"true\"") || body.contains("role=\"alert\""));
        assert!(body.contains("Former 40 artisans"), "typed text kept");
    }
    assert_eq!(app.count("select count(*) from action").await, 0);
    let r = c
        .post(
            "/plans",
            &[("title", "P"), ("start_year", "2028"), ("end_year", "2026")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&r.text().await.unwrap()).contains("L'année de fin ne peut précéder"));
}

#[tokio::test]
async fn network_review_by_admins_notifies_the_maison() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, _) = complete_plan(&app, &w, "soumis").await;
    let draft = plan(&app, w.maison_a, "brouillon").await;
    let mut admin = app.signed_in(ADMIN).await;
    // Admins read everything, drafts included (DESIGN.md section 2), but review only what was submitted.
    let (_, list) = admin.page("/plans").await;
    assert!(list.contains(&format!("/plans/{p}\"")) && list.contains(&format!("/plans/{draft}\"")));
    let (_, html) = admin.page(&format!("/plans/{draft}")).await;
    assert!(html.contains("Plan Grenelle") && !html.contains("Donner l'avis du réseau"));
    assert_eq!(
        admin.get(&format!("/plans/{draft}/avis")).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = admin
        .post(
            &format!("/plans/{p}/avis"),
            &[("opinion", "reserve"), ("remarks", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&r.text().await.unwrap())
            .contains("Un avis réservé doit être accompagné de remarques.")
    );
    let r = admin
        .post(
            &format!("/plans/{p}/avis"),
            &[
                ("opinion", "reserve"),
                ("remarks", "Renforcer l'axe 4"),
                ("form_key", "avis-1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    admin
        .post(
            &format!("/plans/{p}/avis"),
            &[
                ("opinion", "reserve"),
                ("remarks", "Renforcer l'axe 4"),
                ("form_key", "avis-1"),
            ],
        )
        .await;
    assert_eq!(app.count("select count(*) from network_review").await, 1);
    assert_eq!(
        app.count(&format!("select count(*) from notification where kind = 'avis_reseau' and account_id in ({}, {})", w.staff_a, w.responsable_a)).await,
        2
    );
    let staff = app.signed_in(STAFF_A).await;
    let (_, html) = staff.page(&format!("/plans/{p}")).await;
    assert!(html.contains("Avis réservé") && html.contains("Renforcer l'axe 4"));
    let mut staff = staff;
    assert_eq!(
        staff
            .post(&format!("/plans/{p}/avis"), &[("opinion", "favorable")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .post(&format!("/plans/{draft}/avis"), &[("opinion", "favorable")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn lists_are_scoped_by_the_policy() {
    let app = spawn_app().await;
    let w = app.world().await;
    let draft = plan(&app, w.maison_a, "brouillon").await;
    let valid = plan(&app, w.maison_a, "valide").await;
    let b_draft = plan(&app, w.maison_b, "brouillon").await;
    let b_valid = plan(&app, w.maison_b, "valide").await;
    let link = |id: i64| format!("/plans/{id}\"");
    let (_, html) = app.signed_in(STAFF_B).await.page("/plans").await;
    assert!(
        html.contains(&link(valid))
            && html.contains(&link(b_draft))
            && html.contains(&link(b_valid))
            && !html.contains(&link(draft))
    );
    let (_, html) = app.signed_in(PARTNER).await.page("/plans").await;
    assert!(
        html.contains(&link(valid))
            && !html.contains(&link(b_valid))
            && !html.contains(&link(draft))
    );
    let (_, html) = app.signed_in(OTHER_PARTNER).await.page("/plans").await;
    assert!(!html.contains(&link(valid)));
    let staff_b = app.signed_in(STAFF_B).await;
    assert_eq!(
        staff_b.get(&format!("/plans/{draft}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        staff_b.get(&format!("/plans/{valid}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(staff_b.get("/plans/nouveau").await.status(), StatusCode::OK);
    assert_eq!(
        app.signed_in(ADMIN)
            .await
            .get("/plans/nouveau")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, html) = app.signed_in(STAFF_A).await.page("/").await;
    assert!(html.contains("href=\"/plans\""), "nav entry");
}

#[tokio::test]
async fn xlsx_export_reads_back() {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, ids) = complete_plan(&app, &w, "valide").await;
    sqlx::query("insert into action_partner (action_id, organisation_id, role) values ($1, $2, 'co-pilote')")
        .bind(ids[0])
        .bind(w.org)
        .execute(&app.db)
        .await
        .unwrap();
    // A title typed as a formula stays a string cell (issue 14: XLSX stays safe).
    sqlx::query("update action set title = '=HYPERLINK(\"http://evil.example\")' where id = $1")
        .bind(ids[1])
        .execute(&app.db)
        .await
        .unwrap();
    let c = app.signed_in(PARTNER).await;
    let r = c.get(&format!("/plans/{p}/export.xlsx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = r.bytes().await.unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let actions = wb.worksheet_range("Actions").unwrap();
    assert_eq!(actions.height(), 5, "a header and one row per action");
    assert_eq!(
        actions.get_value((0, 1)),
        Some(&Data::String("Intitulé".into()))
    );
    assert_eq!(
        actions.get_value((1, 1)),
        Some(&Data::String("Action 1".into()))
    );
    assert_eq!(
        actions.get_value((1, 8)),
        Some(&Data::String("France Travail Nord".into()))
    );
    assert_eq!(
        actions.get_value((1, 11)),
        Some(&Data::String("France Travail Nord (co-pilote)".into()))
    );
    assert_eq!(actions.get_value((1, 19)), Some(&Data::Float(15000.0)));
    assert_eq!(
        actions.get_value((2, 1)),
        Some(&Data::String("=HYPERLINK(\"http://evil.example\")".into()))
    );
    let formulas = wb.worksheet_formula("Actions").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula"
    );
    let fin = wb.worksheet_range("Financements").unwrap();
    assert_eq!(fin.height(), 5);
    assert_eq!(fin.get_value((1, 2)), Some(&Data::String("ADEME".into())));
    assert_eq!(fin.get_value((1, 4)), Some(&Data::String("Acquis".into())));
    let ind = wb.worksheet_range("Indicateurs").unwrap();
    assert_eq!(ind.height(), 5);
    assert_eq!(
        ind.get_value((1, 2)),
        Some(&Data::String("Artisans formés".into()))
    );
    assert_eq!(ind.get_value((1, 4)), Some(&Data::Float(40.0)));
    let (status, print) = c.page(&format!("/plans/{p}/impression")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(print.contains("Fiche n° 1 — Action 1") && print.contains("Comité de pilotage"));
}

#[tokio::test]
async fn late_is_derived_from_the_end_date() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (p, ids) = complete_plan(&app, &w, "en_oeuvre").await;
    sqlx::query("update action set end_date = current_date - 1, start_date = current_date - 30, status = 'en_cours' where id = $1")
        .bind(ids[0])
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update action set end_date = current_date - 1, start_date = current_date - 30, status = 'realisee' where id = $1")
        .bind(ids[1])
        .execute(&app.db)
        .await
        .unwrap();
    let c = app.signed_in(STAFF_A).await;
    let (_, html) = c.page(&format!("/plans/{p}?retard=1")).await;
    assert!(html.contains("1 action affichée sur 4"), "{html}");
    assert!(html.contains("Action 1") && !html.contains(">Action 2<"));
    let (_, html) = c.page(&format!("/actions/{}", ids[0])).await;
    assert!(html.contains("en retard"));
    let (_, html) = c.page(&format!("/actions/{}", ids[1])).await;
    assert!(!html.contains("badge-danger\">en retard"));
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    assert!(mde::plans::model::is_late(
        Some(yesterday),
        "en_pause",
        today
    ));
    assert!(!mde::plans::model::is_late(
        Some(yesterday),
        "abandonnee",
        today
    ));
    assert!(!mde::plans::model::is_late(Some(today), "en_cours", today));
    assert!(!mde::plans::model::is_late(None, "en_cours", today));
    // Filters and sorting.
    let (_, html) = c
        .page(&format!("/plans/{p}?statut=realisee&tri=titre"))
        .await;
    assert!(html.contains("1 action affichée sur 4"));
    let (_, html) = c
        .page(&format!("/plans/{p}?axe={}", axes(&app).await[2]))
        .await;
    assert!(html.contains("1 action affichée sur 4"));
}

/// The texts of `needles` in the order they appear in `html` after `from` (each must appear).
fn order_in<'a>(html: &str, from: &str, needles: &[&'a str]) -> Vec<&'a str> {
    let start = html.find(from).unwrap_or_else(|| panic!("no {from}"));
    let rest = &html[start..];
    let mut found: Vec<(usize, &'a str)> = needles
        .iter()
        .map(|n| (rest.find(n).unwrap_or_else(|| panic!("no {n}")), *n))
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

/// Issue 15: the plan page sorted titles and pilots in Rust byte order (« L'Isle » before « La Bassée »,
/// « Éco » after « Zones »): the database sorts them with the French collation `fr_tri`; the count of
/// fiches shown is in French (« 1 action affichée », « 2 actions affichées »).
#[tokio::test]
async fn plan_page_sorts_titles_and_pilots_in_french_order() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let ax = axes(&app).await[0];
    let titles = [
        "Zones d'activité durables",
        "Éco-rénovation des écoles",
        "L'Isle-Adam en transition",
        "La Bassée, chantier école",
    ];
    let pilots = [
        "Zénith Formation",
        "Éco-Emploi",
        "L'Outil en main",
        "La Maison du vélo",
    ];
    for (i, (title, pilot)) in titles.iter().zip(pilots).enumerate() {
        let org = app.organisation(pilot, "association").await;
        let id = action(&app, p, i as i32 + 1, ax, Some(org)).await;
        sqlx::query("update action set title = $2 where id = $1")
            .bind(id)
            .bind(title)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let c = app.signed_in(STAFF_A).await;
    let (status, html) = c.page(&format!("/plans/{p}?tri=titre")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        order_in(&html, "id=\"axe-1\"", &titles),
        [
            "Éco-rénovation des écoles",
            "La Bassée, chantier école",
            "L'Isle-Adam en transition",
            "Zones d'activité durables",
        ]
    );
    assert_eq!(
        order_in(&html, "id=\"f-pilote\"", &pilots),
        [
            "Éco-Emploi",
            "La Maison du vélo",
            "L'Outil en main",
            "Zénith Formation",
        ]
    );
    assert!(html.contains("4 actions affichées sur 4"), "{html}");
    // By number by default, and in French whatever the count.
    let (_, html) = c.page(&format!("/plans/{p}")).await;
    assert_eq!(order_in(&html, "id=\"axe-1\"", &titles), titles);
    let (_, html) = c.page(&format!("/plans/{p}?priorite=basse")).await;
    assert!(html.contains("0 action affichée sur 4"), "{html}");
    sqlx::query("update action set priority = 'basse' where plan_id = $1 and number <= 2")
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    let (_, html) = c
        .page(&format!("/plans/{p}?priorite=basse&tri=titre"))
        .await;
    assert!(html.contains("2 actions affichées sur 4"), "{html}");
    assert_eq!(
        order_in(&html, "id=\"axe-1\"", &titles[..2]),
        ["Éco-rénovation des écoles", "Zones d'activité durables"]
    );
}

/// A plan of Maison A with one action under axis `axis`, inserted as it stands at `created`.
async fn plan_with_action(
    app: &TestApp,
    maison: i64,
    title: &str,
    years: (i32, i32),
    status: &str,
    created: &str,
    axis: i32,
) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status, created_at)
         values ($1, $2, $3, $4, $5, $6::timestamptz) returning id",
    )
    .bind(maison)
    .bind(title)
    .bind(years.0)
    .bind(years.1)
    .bind(status)
    .bind(created)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into action (plan_id, number, title, axis_id, status)
         select $1, 1, $2, id, 'en_cours' from axis where charter = '2009' and number = $3",
    )
    .bind(id)
    .bind(format!("Action de « {title} »"))
    .bind(axis)
    .execute(&app.db)
    .await
    .unwrap();
    id
}

/// Issue 15, bug 6: one rule for « the current plan » — the running one, else the latest validated, else
/// the latest draft — for the phase, the Maison's axis pages, /reseau and the network's axis pages. A plan
/// for earlier years recorded (and closed) later, or a newer draft, no longer hides the running plan; two
/// live plans over the same years get a warning.
#[tokio::test]
async fn the_current_plan_is_the_running_one() {
    let app = spawn_app().await;
    let w = app.world().await;
    let running = plan_with_action(
        &app,
        w.maison_a,
        "Plan 2024-2026",
        (2024, 2026),
        "en_oeuvre",
        "2024-01-10",
        1,
    )
    .await;
    // Recorded afterwards for the record, then closed: the old rule took it as the current plan.
    plan_with_action(
        &app,
        w.maison_a,
        "Plan 2022-2024",
        (2022, 2024),
        "cloture",
        "2025-03-01",
        2,
    )
    .await;
    // The next plan in preparation, the newest of all.
    let draft = plan_with_action(
        &app,
        w.maison_a,
        "Plan 2027-2029",
        (2027, 2029),
        "brouillon",
        "2026-06-01",
        3,
    )
    .await;
    assert_eq!(current_plan(&app, w.maison_a).await, running);
    let staff = app.signed_in(STAFF_A).await;
    let admin = app.signed_in(ADMIN).await;
    the_pages_follow_the_running_plan(&staff, &admin, w.maison_a).await;
    // Without a running plan, the latest validated one beats a newer draft.
    sqlx::query("update plan set status = 'valide' where id = $1")
        .bind(running)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(current_plan(&app, w.maison_a).await, running);
    // Two live plans over the same years: both pages warn and say which one counts.
    sqlx::query("update plan set start_year = 2026 where id = $1")
        .bind(draft)
        .execute(&app.db)
        .await
        .unwrap();
    let (_, p) = staff.get_html(&format!("/plans/{draft}")).await;
    assert!(p.contains("Plusieurs plans pour les mêmes années"), "{p}");
    assert!(p.contains("Le portail retient « Plan 2024-2026 »"), "{p}");
    let (_, p) = staff.get_html(&format!("/plans/{running}")).await;
    assert!(p.contains("C'est ce plan-ci que le portail retient"), "{p}");
    assert!(
        !p.contains("Plan 2022-2024</a>"),
        "a closed plan overlaps nothing: {p}"
    );
}

/// The plan `maison_current_plan` gives for a Maison.
async fn current_plan(app: &TestApp, maison: i64) -> i64 {
    app.count(&format!(
        "select plan_id from maison_current_plan where maison_id = {maison}"
    ))
    .await
}

/// The Maison's page, the axes and the network follow the running plan.
async fn the_pages_follow_the_running_plan(staff: &TestClient, admin: &TestClient, maison: i64) {
    let (_, page) = staff.get_html(&format!("/maisons/{}", maison)).await;
    assert!(
        page.contains("Phase de la démarche Grenelle : Mise en œuvre"),
        "not « Évaluation » because an older plan was closed"
    );
    let (_, axis1) = staff.get_html("/axes/1").await;
    assert!(axis1.contains("Action de « Plan 2024-2026 »"), "{axis1}");
    let (_, axis3) = staff.get_html("/axes/3").await;
    assert!(
        !axis3.contains("Action de « Plan 2027-2029 »"),
        "the draft does not hide it"
    );
    let (_, reseau) = admin.get_html("/reseau?programme=tous").await;
    let row_start = reseau.find("Maison de l&#39;emploi A").unwrap();
    let row = &reseau[row_start..row_start + reseau[row_start..].find("</tr>").unwrap()];
    assert!(
        row.contains("En mise en œuvre") || row.contains("en mise en œuvre"),
        "{row}"
    );
    let (_, network1) = admin.get_html("/axes/1?programme=tous").await;
    assert!(
        network1.contains("<strong>1</strong> action</li>"),
        "{network1}"
    );
}

/// The plan, its journal event and the message the next page shows are written in one transaction: when the
/// message cannot be written, the plan is not saved either (the message used to be written after the commit,
/// so a failure there answered an error for a plan that was saved all the same).
#[tokio::test]
async fn a_plan_and_its_flash_are_one_transaction() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let mut c = app.signed_in(STAFF_A).await;
    sqlx::raw_sql(
        "create function refuse_flash() returns trigger language plpgsql as $$
         begin
           if new.flash = 'Plan enregistré.' then raise exception 'flash refusé'; end if;
           return new;
         end $$;
         create trigger refuse_flash before update on session for each row execute function refuse_flash();",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let r = c
        .post(
            &format!("/plans/{p}/modifier"),
            &[
                ("title", "Plan renommé"),
                ("diagnostic_id", ""),
                ("start_year", "2026"),
                ("end_year", "2028"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let title: String = sqlx::query_scalar("select title from plan where id = $1")
        .bind(p)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(title, "Plan Grenelle");
    let events = app
        .count(&format!(
            "select count(*) from event where object_type = 'plan' and object_id = {p}"
        ))
        .await;
    assert_eq!(events, 0);
}
