//! Diagnostics: workflow per role, visibility, sanitising, conflicts, comments, notifications, CSV,
//! documents and bad input.

use reqwest::StatusCode;

use crate::helpers::*;

/// Staff of Maison A creates a diagnostic; returns its id.
async fn create(c: &mut TestClient, title: &str) -> i64 {
    let r = c
        .post(
            "/diagnostics",
            &[
                ("title", title),
                ("reference_year", "2025"),
                ("sectors", "batiment"),
                ("sectors", "enr"),
                ("form_key", &format!("k-{title}")),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "creation of {title}");
    location(&r)
        .trim_start_matches("/diagnostics/")
        .parse()
        .unwrap()
}

async fn share(c: &mut TestClient, id: i64, org: i64) -> reqwest::Response {
    c.post(
        &format!("/diagnostics/{id}/partage"),
        &[
            ("organisations", &org.to_string()),
            ("comment", "Pour avis avant le copil"),
        ],
    )
    .await
}

async fn validate(c: &mut TestClient, id: i64) -> reqwest::Response {
    c.post_confirmed(
        &format!("/diagnostics/{id}/validation"),
        &[
            ("validated_on", "2026-11-20"),
            ("copil_decision", "Diagnostic validé à l'unanimité"),
            ("comment", "Copil du 20 novembre"),
        ],
    )
    .await
    .1
}

async fn first_section(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar(
        "select id from diagnostic_section where diagnostic_id = $1 order by position limit 1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn status_of(c: &TestClient, path: &str) -> StatusCode {
    c.get(path).await.status()
}

#[tokio::test]
async fn creation_uses_the_standard_template_and_the_reference_population() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic bâtiment durable 2025").await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from diagnostic_section where diagnostic_id = {id}"
        ))
        .await,
        8
    );
    the_population_is_the_reference_one(&app, id).await;
    let (status, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    for s in [
        "Contexte territorial",
        "Synthèse AFOM",
        "Enjeux et pistes d&#39;action",
        "Brouillon",
    ] {
        assert!(html.contains(s), "{s}");
    }
    bad_creations_are_kept_and_double_ones_made_once(&app, &mut staff).await;
}

/// The diagnostic's population is the reference one of its territory, with its source's year.
async fn the_population_is_the_reference_one(app: &TestApp, id: i64) {
    let pop: f64 = sqlx::query_scalar(
        "select v.value from indicator_value v join indicator i on i.id = v.indicator_id
         where v.diagnostic_id = $1 and i.code = 'POP'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let expected: i64 = sqlx::query_scalar(
        "select sum(population)::bigint from commune where epci_siren = '200093201'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(expected > 1_000_000, "MEL population {expected}");
    assert_eq!(pop as i64, expected);
    // Issue 15, bug 5: the row carries its source's year (the populations légales of data/geo), not the
    // diagnostic's reference year (2025 here), and says which populations they are.
    let (year, source): (i32, String) = sqlx::query_as(
        "select v.year, v.source from indicator_value v join indicator i on i.id = v.indicator_id
         where v.diagnostic_id = $1 and i.code = 'POP'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(year, 2023);
    assert!(
        source.contains("populations légales 2023") && source.contains("municipale"),
        "{source}"
    );
    let readme = include_str!("../../data/geo/README.md");
    assert!(
        readme.contains("populations légales 2023"),
        "data/geo/README.md names the year"
    );
}

/// Bad input on creation: kept, with messages. Double submission of the creation form: one diagnostic.
async fn bad_creations_are_kept_and_double_ones_made_once(app: &TestApp, staff: &mut TestClient) {
    let r = staff
        .post(
            "/diagnostics",
            &[
                ("title", "Essai <b>"),
                ("reference_year", "20x5"),
                ("form_key", "k2"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("n&#39;est pas une année"));
    assert!(html.contains("Cochez au moins une filière"));
    assert!(html.contains("value=\"Essai &#60;b&#62;\""));
    let before = app.count("select count(*) from diagnostic").await;
    for _ in 0..2 {
        staff
            .post(
                "/diagnostics",
                &[
                    ("title", "Doublon"),
                    ("reference_year", "2025"),
                    ("sectors", "batiment"),
                    ("form_key", "same-key"),
                ],
            )
            .await;
    }
    assert_eq!(
        app.count("select count(*) from diagnostic").await,
        before + 1
    );
}

#[tokio::test]
async fn visibility_follows_status_and_shares() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic confidentiel").await;
    let path = format!("/diagnostics/{id}");
    let staff_b = app.signed_in(STAFF_B).await;
    let partner = app.signed_in(PARTNER).await;
    let other = app.signed_in(OTHER_PARTNER).await;
    let admin = app.signed_in(ADMIN).await;
    let resp = app.signed_in(RESP_A).await;
    // A draft: the Maison and admins only.
    assert_eq!(status_of(&resp, &path).await, StatusCode::OK);
    assert_eq!(status_of(&admin, &path).await, StatusCode::OK);
    for c in [&staff_b, &partner, &other] {
        assert_eq!(status_of(c, &path).await, StatusCode::NOT_FOUND);
        assert_eq!(
            status_of(c, &format!("{path}/impression")).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(c, &format!("{path}/indicateurs.csv")).await,
            StatusCode::NOT_FOUND
        );
        let (_, list) = c.get_html("/diagnostics").await;
        assert!(!list.contains("Diagnostic confidentiel"));
    }
    // Shared with the partner's organisation: that partner reads it, nobody else outside the Maison.
    assert_redirect_to(&share(&mut staff, id, w.org).await, &path);
    assert_eq!(status_of(&partner, &path).await, StatusCode::OK);
    let (_, list) = partner.get_html("/diagnostics").await;
    assert!(list.contains("Diagnostic confidentiel"));
    let (_, home) = partner.get_html("/").await;
    assert!(
        home.contains("Diagnostic confidentiel"),
        "partner home lists it"
    );
    assert_eq!(status_of(&other, &path).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&staff_b, &path).await, StatusCode::NOT_FOUND);
    // Sharing with an organisation that is not a partner of the Maison is refused.
    let r = share(&mut staff, id, w.other_org).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Validated: published to the network.
    assert_redirect_to(&validate(&mut staff, id).await, &path);
    assert_eq!(status_of(&staff_b, &path).await, StatusCode::OK);
    let (_, list) = staff_b.get_html("/diagnostics").await;
    assert!(list.contains("Diagnostic confidentiel"));
    assert_eq!(status_of(&other, &path).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn workflow_transitions_per_role() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic du bassin").await;
    let path = format!("/diagnostics/{id}");
    let mut staff_b = app.signed_in(STAFF_B).await;
    let mut partner = app.signed_in(PARTNER).await;
    let mut admin = app.signed_in(ADMIN).await;
    // Not from brouillon straight to validé or archivé.
    assert_eq!(
        validate(&mut staff, id).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        staff.post(&format!("{path}/archivage"), &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    // Only the Maison's staff shares.
    for c in [&mut staff_b, &mut partner, &mut admin] {
        assert_eq!(share(c, id, w.org).await.status(), StatusCode::NOT_FOUND);
    }
    assert_redirect_to(&share(&mut staff, id, w.org).await, &path);
    // Only the Maison's staff validates; bad dates are refused with a message.
    for c in [&mut staff_b, &mut partner, &mut admin] {
        assert_eq!(validate(c, id).await.status(), StatusCode::NOT_FOUND);
    }
    let r = staff
        .post_confirmed(
            &format!("{path}/validation"),
            &[("validated_on", "31/02/2026"), ("copil_decision", "")],
        )
        .await
        .1;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Date invalide") && html.contains("Indiquez la décision"));
    assert_redirect_to(&validate(&mut staff, id).await, &path);
    validated_is_read_only(&app, &w, &mut staff, id).await;
    a_new_version_copies_it_into_a_draft(&app, &mut staff, id).await;
    // Archive, only by the Maison.
    assert_eq!(
        partner
            .post(&format!("{path}/archivage"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_redirect_to(
        &staff
            .post(
                &format!("{path}/archivage"),
                &[("comment", "Remplacé par la version 2026")],
            )
            .await,
        &path,
    );
    the_timeline_says_who_when_and_why(&app, &w, &staff, id).await;
}

/// Validated: read-only.
async fn validated_is_read_only(app: &TestApp, w: &World, staff: &mut TestClient, id: i64) {
    let path = format!("/diagnostics/{id}");
    assert_eq!(
        share(staff, id, w.org).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        status_of(staff, &format!("{path}/modifier")).await,
        StatusCode::NOT_FOUND
    );
    let sid = first_section(app, id).await;
    let r = staff
        .post(
            &format!("{path}/sections/{sid}/modifier"),
            &[
                ("title", "X"),
                ("body", "Y"),
                ("revision", "1"),
                ("action", "enregistrer"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// A new version copies it into a draft.
async fn a_new_version_copies_it_into_a_draft(app: &TestApp, staff: &mut TestClient, id: i64) {
    let path = format!("/diagnostics/{id}");
    let r = staff
        .post(&format!("{path}/nouvelle-version"), &[("form_key", "nv1")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new_id: i64 = location(&r)
        .trim_start_matches("/diagnostics/")
        .parse()
        .unwrap();
    let (_, html) = staff.get_html(&location(&r)).await;
    assert!(html.contains("Brouillon") && html.contains("Version précédente"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from diagnostic_section where diagnostic_id = {new_id}"
        ))
        .await,
        8
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from indicator_value where diagnostic_id = {new_id}"
        ))
        .await,
        app.count(&format!(
            "select count(*) from indicator_value where diagnostic_id = {id}"
        ))
        .await,
    );
}

/// The timeline: who, when, comment.
async fn the_timeline_says_who_when_and_why(app: &TestApp, w: &World, staff: &TestClient, id: i64) {
    let path = format!("/diagnostics/{id}");
    let steps: Vec<(Option<String>, String, Option<i64>, String)> = sqlx::query_as(
        "select from_status, to_status, account_id, comment from transition
         where object_type = 'diagnostic' and object_id = $1 order by id",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let to: Vec<&str> = steps.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(to, ["brouillon", "partage", "valide", "archive"]);
    assert!(steps.iter().all(|s| s.2 == Some(w.staff_a)));
    assert_eq!(steps[1].3, "Pour avis avant le copil");
    let (_, html) = staff.get_html(&path).await;
    assert!(html.contains("Parcours de validation") && html.contains("Copil du 20 novembre"));
    assert!(html.contains("Remplacé par la version 2026"));
}

#[tokio::test]
async fn markdown_is_rendered_and_sanitised() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic Markdown").await;
    let sid = first_section(&app, id).await;
    let body = "## Atouts\n\n**FEEBAT** : 120 stagiaires\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n[piège](javascript:alert(1))";
    let edit = format!("/diagnostics/{id}/sections/{sid}/modifier");
    // Preview: rendered, nothing saved.
    let r = staff
        .post(
            &edit,
            &[
                ("title", "Contexte"),
                ("body", body),
                ("revision", "1"),
                ("action", "apercu"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Aperçu") && html.contains("<strong>FEEBAT</strong>"));
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("href=\"javascript:"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from diagnostic_section where id = {sid} and body = ''"
        ))
        .await,
        1
    );
    let r = staff
        .post(
            &edit,
            &[
                ("title", "Contexte"),
                ("body", body),
                ("revision", "1"),
                ("action", "enregistrer"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert!(html.contains("<h2>Atouts</h2>") && html.contains("<strong>FEEBAT</strong>"));
    assert!(!html.contains("<script>alert"), "no script from users");
    assert!(
        !html.contains("<img src=\"x\"") && !html.contains("<img src=x"),
        "no image from users"
    );
    assert!(html.contains("&lt;img src=x"), "raw HTML shown as text");
    assert!(!html.contains("href=\"javascript:"), "no javascript: link");
    let (_, print) = staff
        .get_html(&format!("/diagnostics/{id}/impression"))
        .await;
    assert!(!print.contains("<script>alert") && print.contains("<strong>FEEBAT</strong>"));
}

#[tokio::test]
async fn second_save_of_a_section_is_a_conflict() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let mut resp = app.signed_in(RESP_A).await;
    let id = create(&mut staff, "Diagnostic à deux mains").await;
    let sid = first_section(&app, id).await;
    let edit = format!("/diagnostics/{id}/sections/{sid}/modifier");
    // Both open the form at revision 1.
    let (_, form) = staff.get_html(&edit).await;
    assert!(form.contains("name=\"revision\" value=\"1\""));
    let r = staff
        .post(
            &edit,
            &[
                ("title", "Contexte"),
                ("body", "Texte de la chargée de mission"),
                ("revision", "1"),
                ("action", "enregistrer"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = resp
        .post(
            &edit,
            &[
                ("title", "Contexte"),
                ("body", "Texte du responsable"),
                ("revision", "1"),
                ("action", "enregistrer"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("Conflit de modification"));
    assert!(html.contains("Texte du responsable"), "their text is kept");
    assert!(
        html.contains("Texte de la chargée de mission"),
        "the saved text is shown"
    );
    assert!(html.contains("name=\"revision\" value=\"2\""));
    let saved: String = sqlx::query_scalar("select body from diagnostic_section where id = $1")
        .bind(sid)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        saved, "Texte de la chargée de mission",
        "nothing overwritten"
    );
}

async fn comment(
    c: &mut TestClient,
    id: i64,
    section: &str,
    parent: &str,
    body: &str,
    key: &str,
) -> reqwest::Response {
    c.post(
        &format!("/diagnostics/{id}/commentaires"),
        &[
            ("body", body),
            ("section_id", section),
            ("parent_id", parent),
            ("form_key", key),
        ],
    )
    .await
}

#[tokio::test]
async fn comments_answers_notifications_and_closing() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic commenté").await;
    let sid = first_section(&app, id).await;
    let s = sid.to_string();
    let mut partner = app.signed_in(PARTNER).await;
    let mut other = app.signed_in(OTHER_PARTNER).await;
    // Not shared yet: 404 for the partner.
    assert_eq!(
        comment(&mut partner, id, &s, "", "Trop tôt", "k0")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    share(&mut staff, id, w.org).await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from notification where account_id = {} and kind = 'partage'",
            w.partner
        ))
        .await,
        1,
        "the partner is told of the share"
    );
    let cid = the_partner_comments_once_and_the_maison_is_told(
        &app,
        &w,
        &mut staff,
        &mut partner,
        id,
        &s,
    )
    .await;
    strangers_and_empty_comments_are_refused_then_a_reply(
        &app,
        &mut staff,
        &mut partner,
        &mut other,
        id,
        sid,
        cid,
    )
    .await;
    the_author_edits_within_15_minutes(&app, &mut staff, &mut partner, id, cid).await;
    the_maison_answers_and_the_author_is_told(&app, &w, &mut staff, &mut partner, id, cid).await;
    validated_comments_are_closed(&app, &w, &mut staff, &mut partner, id, &s).await;
}

/// The partner comments on a section, twice with the same key (a double click): one comment; returns it.
async fn the_partner_comments_once_and_the_maison_is_told(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    partner: &mut TestClient,
    id: i64,
    s: &str,
) -> i64 {
    for _ in 0..2 {
        let r = comment(
            partner,
            id,
            s,
            "",
            "Il manque les chiffres FEEBAT 2025.",
            "k1",
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(
        app.count(&format!(
            "select count(*) from comment where diagnostic_id = {id}"
        ))
        .await,
        1
    );
    let cid: i64 = sqlx::query_scalar("select id from comment where diagnostic_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    // Staff of the Maison are told (both of them), not the author.
    for a in [w.staff_a, w.responsable_a] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from notification where account_id = {a} and kind = 'commentaire'"
            ))
            .await,
            1
        );
    }
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert!(html.contains("Il manque les chiffres FEEBAT 2025."));
    assert!(
        html.contains("1 commentaire ouvert"),
        "open count per section"
    );
    cid
}

/// Another organisation's partner: 404. Empty comment: refused with a message, nothing stored. Then a
/// reply (one level).
async fn strangers_and_empty_comments_are_refused_then_a_reply(
    app: &TestApp,
    staff: &mut TestClient,
    partner: &mut TestClient,
    other: &mut TestClient,
    id: i64,
    sid: i64,
    cid: i64,
) {
    let s = &sid.to_string();
    assert_eq!(
        comment(other, id, s, "", "Intrus", "k2").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        comment(partner, id, s, "", "   ", "k3").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from comment where diagnostic_id = {id}"
        ))
        .await,
        1
    );
    let r = comment(staff, id, "", &cid.to_string(), "Nous les ajoutons.", "k4").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reply_section: Option<i64> =
        sqlx::query_scalar("select section_id from comment where parent_id = $1")
            .bind(cid)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(reply_section, Some(sid));
}

/// The author edits within 15 minutes: marked "modifié". Someone else cannot edit it; after 15 minutes the
/// author cannot either.
async fn the_author_edits_within_15_minutes(
    app: &TestApp,
    staff: &mut TestClient,
    partner: &mut TestClient,
    id: i64,
    cid: i64,
) {
    let r = partner
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/modifier"),
            &[("body", "Il manque les chiffres FEEBAT et RGE 2025.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = partner.get_html(&format!("/diagnostics/{id}")).await;
    assert!(html.contains("FEEBAT et RGE 2025") && html.contains(">modifié<"));
    let r = staff
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/modifier"),
            &[("body", "Réécrit")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    sqlx::query("update comment set created_at = now() - interval '16 minutes' where id = $1")
        .bind(cid)
        .execute(&app.db)
        .await
        .unwrap();
    let (_, html) = partner.get_html(&format!("/diagnostics/{id}")).await;
    assert!(
        !html.contains(&format!("/commentaires/{cid}/modifier\"")),
        "the edit link goes with the delay"
    );
    let r = partner
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/modifier"),
            &[("body", "Trop tard")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

/// The partner cannot answer; the Maison answers and the author is told.
async fn the_maison_answers_and_the_author_is_told(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    partner: &mut TestClient,
    id: i64,
    cid: i64,
) {
    let answer = [
        ("status", "pris_en_compte"),
        ("answer", "Ajouté en section 3."),
    ];
    let r = partner
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/reponse"),
            &answer,
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = staff
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/reponse"),
            &answer,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "select count(*) from notification where account_id = {} and kind = 'reponse'",
            w.partner
        ))
        .await,
        2,
        "the reply and the answer"
    );
    let (_, html) = partner.get_html(&format!("/diagnostics/{id}")).await;
    assert!(html.contains("Pris en compte") && html.contains("Ajouté en section 3."));
}

/// Validated: comments are closed, the partner is told.
async fn validated_comments_are_closed(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    partner: &mut TestClient,
    id: i64,
    s: &str,
) {
    validate(staff, id).await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from notification where account_id = {} and kind = 'validation'",
            w.partner
        ))
        .await,
        1
    );
    let before = app.count("select count(*) from comment").await;
    let r = comment(partner, id, s, "", "Encore un mot", "k5").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = comment(staff, id, "", "", "Et moi ?", "k6").await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("select count(*) from comment").await, before);
    let (_, html) = partner.get_html(&format!("/diagnostics/{id}")).await;
    assert!(
        html.contains("les commentaires sont clos")
            && !html.contains("Votre commentaire sur cette section")
    );
    // The partner comments on a section, twice with the same key (a double click): one comment.
}

/// The form's field carries the error: message beside it, linked, and the field marked invalid.
fn error_beside(html: &str, field: &str, message: &str) -> bool {
    html.contains(&format!(
        r#"<p class="field-error" id="{field}-error">{message}"#
    )) && html.contains(&format!("{field}-error\""))
        && html.contains(r#"aria-invalid="true""#)
}

#[tokio::test]
async fn the_report_links_to_small_comment_pages() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic en rapport").await;
    let sid = first_section(&app, id).await;
    share(&mut staff, id, w.org).await;
    let mut partner = app.signed_in(PARTNER).await;
    comment(
        &mut partner,
        id,
        &sid.to_string(),
        "",
        "Un avis de partenaire",
        "r1",
    )
    .await;
    let cid: i64 = sqlx::query_scalar("select id from comment where diagnostic_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    the_report_carries_links_not_forms(&staff, &partner, id, sid, cid).await;
    the_comment_pages_show_their_context(&staff, &partner, id, sid, cid).await;
    foreign_sections_and_replies_to_replies_are_refused(&app, &mut staff, &partner, id, cid).await;
    // Validated: the pages say comments are closed (409), and the report shows no link to them.
    validate(&mut staff, id).await;
    assert_eq!(
        status_of(
            &partner,
            &format!("/diagnostics/{id}/commentaires/{cid}/repondre")
        )
        .await,
        StatusCode::CONFLICT
    );
    assert_eq!(
        status_of(
            &staff,
            &format!("/diagnostics/{id}/commentaires/{cid}/traiter")
        )
        .await,
        StatusCode::CONFLICT
    );
    let (_, html) = partner.get_html(&format!("/diagnostics/{id}")).await;
    assert!(!html.contains("/repondre\"") && !html.contains("/commentaires/nouveau"));
}

/// The page carries no per-comment form, only links; the open count per section stays. The partner may
/// reply and edit, not answer nor hide.
async fn the_report_carries_links_not_forms(
    staff: &TestClient,
    partner: &TestClient,
    id: i64,
    sid: i64,
    cid: i64,
) {
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    let start = html.find(&format!(r#"id="commentaire-{cid}""#)).unwrap();
    let article = &html[start..start + html[start..].find("</article>").unwrap()];
    assert!(!article.contains("<form"), "{article}");
    for action in ["repondre", "traiter", "masquer"] {
        assert!(
            article.contains(&format!(
                r#"href="/diagnostics/{id}/commentaires/{cid}/{action}""#
            )),
            "{action}: {article}"
        );
    }
    assert!(html.contains("1 commentaire ouvert"));
    assert!(html.contains(&format!(
        r#"href="/diagnostics/{id}/commentaires/nouveau?section={sid}""#
    )));
    let (_, html) = partner.get_html(&format!("/diagnostics/{id}")).await;
    assert!(html.contains(&format!("/commentaires/{cid}/repondre\"")));
    assert!(html.contains(&format!("/commentaires/{cid}/modifier\"")));
    assert!(!html.contains("/traiter\"") && !html.contains("/masquer\""));
}

/// The comment pages show the comment (or the section) in context.
async fn the_comment_pages_show_their_context(
    staff: &TestClient,
    partner: &TestClient,
    id: i64,
    sid: i64,
    cid: i64,
) {
    let (status, html) = partner
        .get_html(&format!(
            "/diagnostics/{id}/commentaires/nouveau?section={sid}"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Commenter la section « Contexte territorial »"));
    let (status, html) = partner
        .get_html(&format!("/diagnostics/{id}/commentaires/{cid}/repondre"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Un avis de partenaire") && html.contains("Votre réponse"));
    let (status, html) = staff
        .get_html(&format!("/diagnostics/{id}/commentaires/{cid}/traiter"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Un avis de partenaire") && html.contains("Suite donnée"));
    let (status, html) = staff
        .get_html(&format!("/diagnostics/{id}/commentaires/{cid}/masquer"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Un avis de partenaire") && html.contains("Masquer le commentaire"));
}

/// A section of another diagnostic, a reply to a reply: 404. A reply is hidden from its own page, shown with
/// where it stands.
async fn foreign_sections_and_replies_to_replies_are_refused(
    app: &TestApp,
    staff: &mut TestClient,
    partner: &TestClient,
    id: i64,
    cid: i64,
) {
    let other = create(staff, "Autre diagnostic").await;
    let other_sid = first_section(app, other).await;
    assert_eq!(
        status_of(
            partner,
            &format!("/diagnostics/{id}/commentaires/nouveau?section={other_sid}")
        )
        .await,
        StatusCode::NOT_FOUND
    );
    comment(staff, id, "", &cid.to_string(), "Merci", "r2").await;
    let reply: i64 = sqlx::query_scalar("select id from comment where parent_id = $1")
        .bind(cid)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        status_of(
            partner,
            &format!("/diagnostics/{id}/commentaires/{reply}/repondre")
        )
        .await,
        StatusCode::NOT_FOUND
    );
    // A reply is hidden from its own page, shown with where it stands.
    let (status, html) = staff
        .get_html(&format!("/diagnostics/{id}/commentaires/{reply}/masquer"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("La réponse sur la section « Contexte territorial »")
            && html.contains("Merci")
    );
}

#[tokio::test]
async fn comment_forms_keep_the_text_and_show_the_error_beside_the_field() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic aux formulaires").await;
    let sid = first_section(&app, id).await;
    share(&mut staff, id, w.org).await;
    let mut partner = app.signed_in(PARTNER).await;
    bad_comments_keep_their_text(&app, &mut partner, id, sid).await;
    a_bad_reply_and_a_bad_answer_keep_their_text(&app, &mut staff, &mut partner, id, sid).await;
    a_section_needs_a_short_title(&app, &mut staff, id).await;
}

/// A comment on a section: empty, then too long (the text is kept); then on the whole diagnostic.
async fn bad_comments_keep_their_text(app: &TestApp, partner: &mut TestClient, id: i64, sid: i64) {
    let r = comment(partner, id, &sid.to_string(), "", "  ", "f1").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        error_beside(&html, "body", "Le commentaire est vide"),
        "{html}"
    );
    assert!(html.contains("Commenter la section « Contexte territorial »"));
    assert!(html.contains(&format!(r#"name="section_id" value="{sid}""#)));
    let long = format!("Début du texte {}", "x".repeat(10_001));
    let r = comment(partner, id, &sid.to_string(), "", &long, "f2").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(error_beside(
        &html,
        "body",
        "Le commentaire ne doit pas dépasser"
    ));
    assert!(html.contains(&long), "the typed text is kept");
    // On the whole diagnostic.
    let r = comment(partner, id, "", "", "", "f3").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Commenter l&#39;ensemble du diagnostic")
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from comment where diagnostic_id = {id}"
        ))
        .await,
        0
    );
}

/// A reply: the page shows the comment answered. The Maison's answer: a suite must be chosen and an answer
/// written; what was typed is kept.
async fn a_bad_reply_and_a_bad_answer_keep_their_text(
    app: &TestApp,
    staff: &mut TestClient,
    partner: &mut TestClient,
    id: i64,
    sid: i64,
) {
    comment(
        partner,
        id,
        &sid.to_string(),
        "",
        "Où sont les chiffres RGE ?",
        "f4",
    )
    .await;
    let cid: i64 = sqlx::query_scalar("select id from comment where diagnostic_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = comment(staff, id, "", &cid.to_string(), " ", "f5").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(error_beside(&html, "body", "Le commentaire est vide"));
    assert!(html.contains("Où sont les chiffres RGE ?") && html.contains("Votre réponse"));
    let path = format!("/diagnostics/{id}/commentaires/{cid}/reponse");
    let r = staff
        .post(&path, &[("status", ""), ("answer", "Nous les ajoutons.")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="field-error" id="status-error">Choisissez la suite donnée"#)
    );
    assert!(html.contains(r#"aria-describedby="status-error""#));
    assert!(html.contains(">Nous les ajoutons.</textarea>"));
    let r = staff
        .post(&path, &[("status", "sans_suite"), ("answer", "  ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(error_beside(
        &html,
        "answer",
        "Écrivez la réponse de la Maison"
    ));
    assert!(
        html.contains(r#"value="sans_suite" checked"#),
        "the choice is kept"
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from comment where id = {cid} and status = 'ouvert'"
        ))
        .await,
        1
    );
    let r = staff
        .post(
            &path,
            &[("status", "pris_en_compte"), ("answer", "Ajoutés.")],
        )
        .await;
    assert_redirect_to(&r, &format!("/diagnostics/{id}#commentaire-{cid}"));
}

/// Adding a section without a title, or with a too long one.
async fn a_section_needs_a_short_title(app: &TestApp, staff: &mut TestClient, id: i64) {
    let r = staff
        .post(&format!("/diagnostics/{id}/sections"), &[("title", "   ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(error_beside(
        &html,
        "title",
        "Indiquez le titre de la nouvelle section."
    ));
    let long = "T".repeat(201);
    let r = staff
        .post(&format!("/diagnostics/{id}/sections"), &[("title", &long)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!(r#"value="{long}""#))
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from diagnostic_section where diagnostic_id = {id}"
        ))
        .await,
        8
    );
    let (status, _) = staff
        .get_html(&format!("/diagnostics/{id}/sections/nouvelle"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn answering_is_the_maisons_act_admins_hide() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic modéré par le réseau").await;
    share(&mut staff, id, w.org).await;
    let mut partner = app.signed_in(PARTNER).await;
    comment(&mut partner, id, "", "", "Un avis", "a1").await;
    let cid: i64 = sqlx::query_scalar("select id from comment where diagnostic_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut admin = app.signed_in(ADMIN).await;
    assert_eq!(
        status_of(
            &admin,
            &format!("/diagnostics/{id}/commentaires/{cid}/traiter")
        )
        .await,
        StatusCode::NOT_FOUND
    );
    let r = admin
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/reponse"),
            &[("status", "pris_en_compte"), ("answer", "Vu")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let (_, html) = admin.get_html(&format!("/diagnostics/{id}")).await;
    assert!(!html.contains("/traiter\"") && html.contains("/masquer\""));
    assert_eq!(
        status_of(
            &admin,
            &format!("/diagnostics/{id}/commentaires/{cid}/masquer")
        )
        .await,
        StatusCode::OK
    );
    let r = admin
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/masquer"),
            &[],
        )
        .await;
    assert_redirect_to(&r, &format!("/diagnostics/{id}#commentaire-{cid}"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from comment where id = {cid} and hidden_at is not null and status = 'ouvert'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn validating_a_new_version_archives_the_one_it_replaces() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let first = create(&mut staff, "Diagnostic 2024").await;
    share(&mut staff, first, w.org).await;
    assert_redirect_to(
        &validate(&mut staff, first).await,
        &format!("/diagnostics/{first}"),
    );
    let second = new_version(&mut staff, first, "lineage-1").await;
    // While the new version is worked on, the validated one stays the reference.
    share(&mut staff, second, w.org).await;
    let status =
        |id: i64| format!("select count(*) from diagnostic where id = {id} and status = 'valide'");
    assert_eq!(app.count(&status(first)).await, 1);
    let (_, html) = staff
        .get_html(&format!("/diagnostics/{second}/validation"))
        .await;
    assert!(html.contains("remplacera la version validée"));
    // Another Maison's validated diagnostic, outside the lineage, is left alone.
    let mut staff_b = app.signed_in(STAFF_B).await;
    let unrelated = create(&mut staff_b, "Diagnostic de B").await;
    sqlx::query("update diagnostic set status = 'valide' where id = $1")
        .bind(unrelated)
        .execute(&app.db)
        .await
        .unwrap();
    assert_redirect_to(
        &validate(&mut staff, second).await,
        &format!("/diagnostics/{second}"),
    );
    let statuses: Vec<(i64, String)> =
        sqlx::query_as("select id, status from diagnostic where id = any($1) order by id")
            .bind(vec![first, second, unrelated])
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        statuses,
        [
            (first, "archive".to_owned()),
            (second, "valide".to_owned()),
            (unrelated, "valide".to_owned()),
        ]
    );
    the_replaced_version_records_its_replacement(&app, &w, &staff, first, second).await;
    // A third version replaces the second, not the archived first.
    let third = new_version(&mut staff, second, "lineage-2").await;
    share(&mut staff, third, w.org).await;
    validate(&mut staff, third).await;
    assert_eq!(app.count(&status(second)).await, 0);
    assert_eq!(app.count(&status(third)).await, 1);
    assert_eq!(
        app.count(&format!(
            "select count(*) from transition where object_type = 'diagnostic' and object_id = {first} and to_status = 'archive'"
        ))
        .await,
        1
    );
}

/// A new version of a diagnostic; returns its id.
async fn new_version(staff: &mut TestClient, id: i64, key: &str) -> i64 {
    let r = staff
        .post(
            &format!("/diagnostics/{id}/nouvelle-version"),
            &[("form_key", key)],
        )
        .await;
    location(&r)
        .trim_start_matches("/diagnostics/")
        .parse()
        .unwrap()
}

/// Recorded as a transition of the replaced version: who, when, « remplacé par la version … ».
async fn the_replaced_version_records_its_replacement(
    app: &TestApp,
    w: &World,
    staff: &TestClient,
    first: i64,
    second: i64,
) {
    let (from, to, who, note): (Option<String>, String, Option<i64>, String) = sqlx::query_as(
        "select from_status, to_status, account_id, comment from transition
         where object_type = 'diagnostic' and object_id = $1 order by id desc limit 1",
    )
    .bind(first)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (from.as_deref(), to.as_str(), who),
        (Some("valide"), "archive", Some(w.staff_a))
    );
    assert!(
        note.starts_with(&format!(
            "Remplacé par la version n° {second} « Diagnostic 2024 »"
        )),
        "{note}"
    );
    let (_, html) = staff.get_html(&format!("/diagnostics/{first}")).await;
    assert!(html.contains("Archivé") && html.contains(&note));
}

#[tokio::test]
async fn abusive_comment_is_hidden_and_kept_in_the_journal() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic modéré").await;
    share(&mut staff, id, w.org).await;
    let mut partner = app.signed_in(PARTNER).await;
    comment(&mut partner, id, "", "", "Propos injurieux", "h1").await;
    let cid: i64 = sqlx::query_scalar("select id from comment where diagnostic_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = partner
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/masquer"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = staff
        .post(
            &format!("/diagnostics/{id}/commentaires/{cid}/masquer"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = partner.get_html(&format!("/diagnostics/{id}")).await;
    assert!(!html.contains("Propos injurieux") && html.contains("masqué par la modération"));
    assert_eq!(
        app.count("select count(*) from event where object_type = 'comment' and action = 'masquage' and changes::text like '%Propos injurieux%'").await,
        1
    );
}

#[tokio::test]
async fn indicators_bad_input_and_csv_for_french_excel() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic chiffré").await;
    let rge: i64 = sqlx::query_scalar("select id from indicator where code = 'RGE'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let rge = rge.to_string();
    let path = format!("/diagnostics/{id}/indicateurs");
    bad_values_are_refused_with_the_typed_value_kept(&mut staff, &path, &rge).await;
    let r = staff
        .post(
            &path,
            &[
                ("indicator_id", &rge),
                ("value", "1 234,5"),
                ("year", "2025"),
                ("territory", "Métropole Européenne de Lille"),
                ("source", "ADEME; annuaire RGE"),
                ("comparison_level", "departement"),
                ("comparison_value", "1000"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let gap = the_gap_is_per_1000_inhabitants(&app, &staff, id).await;
    the_csv_is_for_french_excel(&staff, id, gap).await;
    // Partners and other Maisons cannot add indicators.
    let mut staff_b = app.signed_in(STAFF_B).await;
    let r = staff_b
        .post(
            &path,
            &[("indicator_id", &rge), ("value", "1"), ("year", "2025")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// A number that is not one, a year out of range, a comparison without its territory: refused, the typed
/// value kept.
async fn bad_values_are_refused_with_the_typed_value_kept(
    staff: &mut TestClient,
    path: &str,
    rge: &str,
) {
    let r = staff
        .post(
            path,
            &[
                ("indicator_id", rge),
                ("value", "douze"),
                ("year", "1850"),
                ("comparison_value", "3,5"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("« douze » n&#39;est pas un nombre"));
    assert!(html.contains("L&#39;année doit être comprise entre 1900 et 2100"));
    assert!(html.contains("Précisez à quel territoire"));
    assert!(html.contains("value=\"douze\""), "typed value kept");
}

/// RGE firms are a count: Lille's and the Nord's compare per 1,000 inhabitants (bug 4 of issue 15); returns
/// the gap per 1,000 inhabitants.
async fn the_gap_is_per_1000_inhabitants(app: &TestApp, staff: &TestClient, id: i64) -> f64 {
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    let own = app
        .count("select sum(population)::bigint from commune where epci_siren = '200093201'")
        .await as f64;
    let nord = app
        .count("select sum(population)::bigint from commune where departement_code = '59'")
        .await as f64;
    let gap = 1234.5 * 1000.0 / own - 1000.0 * 1000.0 / nord;
    let gap_pct = gap / (1000.0 * 1000.0 / nord) * 100.0;
    let sign = if gap > 0.0 { "+" } else { "" };
    let shown = format!(
        "{sign}{} pour 1\u{202f}000\u{a0}hab. ({sign}{}\u{a0}%)",
        mde::web::format::decimal(gap, 2),
        mde::web::format::decimal(gap_pct, 1)
    );
    assert!(
        html.contains("1\u{202F}234,5") && html.contains(&shown),
        "gap {shown} shown: {html}"
    );
    gap
}

async fn the_csv_is_for_french_excel(staff: &TestClient, id: i64, gap: f64) {
    let r = staff
        .get(&format!("/diagnostics/{id}/indicateurs.csv"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Code;Indicateur;Thème;Unité;Valeur;Année")
    );
    let rge_line = text.lines().find(|l| l.starts_with("RGE;")).unwrap();
    assert!(rge_line.contains(";1234,5;2025;"), "{rge_line}");
    assert!(
        rge_line.contains("\"ADEME; annuaire RGE\""),
        "a ; inside a field is quoted"
    );
    let csv_gap = format!("{:.4}", gap)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .replace('.', ",");
    assert!(
        rge_line.ends_with(&format!(";Département;1000;{csv_gap};pour 1 000 habitants")),
        "{rge_line}"
    );
}

async fn upload(
    c: &mut TestClient,
    id: i64,
    csrf: Option<&str>,
    filename: &str,
    data: &[u8],
) -> reqwest::Response {
    c.post_file(
        &format!("/diagnostics/{id}/documents"),
        csrf,
        filename,
        data,
    )
    .await
}

#[tokio::test]
async fn documents_are_checked_and_downloaded_by_readers_only() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic documenté").await;
    let pdf = b"%PDF-1.7\n% etude GPECT batiment\n%%EOF\n".to_vec();
    let r = upload(&mut staff, id, Some("mauvais-jeton"), "etude.pdf", &pdf).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = upload(
        &mut staff,
        id,
        None,
        "script.html",
        b"<script>alert(1)</script>",
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Type de fichier non accepté")
    );
    let r = upload(&mut staff, id, None, "faux.pdf", b"<html>pas un pdf</html>").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'x');
    let r = upload(&mut staff, id, None, "enorme.pdf", &big).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = upload(&mut staff, id, None, "Étude GPECT bâtiment.pdf", &pdf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from document").await, 1);
    let did: i64 = sqlx::query_scalar("select id from document")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let url = format!("/diagnostics/{id}/documents/{did}");
    let r = staff.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let partner = app.signed_in(PARTNER).await;
    let other = app.signed_in(OTHER_PARTNER).await;
    let staff_b = app.signed_in(STAFF_B).await;
    assert_eq!(status_of(&partner, &url).await, StatusCode::NOT_FOUND);
    share(&mut staff, id, w.org).await;
    assert_eq!(status_of(&partner, &url).await, StatusCode::OK);
    assert_eq!(status_of(&other, &url).await, StatusCode::NOT_FOUND);
    assert_eq!(status_of(&staff_b, &url).await, StatusCode::NOT_FOUND);
    // A partner cannot attach documents.
    let mut partner = partner;
    let r = upload(&mut partner, id, None, "etude.pdf", &pdf).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn catalogue_is_kept_by_admins() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let mut staff = app.signed_in(STAFF_A).await;
    let (status, html) = staff.get_html("/indicateurs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Stagiaires FEEBAT formés"));
    let form = [
        ("code", "ETP_ENR"),
        ("label", "Emplois dans les énergies renouvelables"),
        ("unit", "ETP"),
        ("source", "Observatoire régional"),
        ("theme", "Énergie"),
        ("measure", "effectif"),
        ("per_capita", "on"),
        ("active", "on"),
        ("for_diagnostics", "on"),
    ];
    // An indicator is offered somewhere: in the diagnostics, the fiches actions, or both.
    let nowhere: Vec<_> = form
        .iter()
        .filter(|f| f.0 != "for_diagnostics")
        .copied()
        .collect();
    let r = admin.post("/indicateurs", &nowhere).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Cochez au moins un usage"), "{html}");
    assert!(html.contains("value=\"Emplois dans les énergies renouvelables\""));
    // The catalogue says what kind of quantity each indicator is: a rate cannot be « per 1,000 ».
    let mut rate_per_capita = form.to_vec();
    rate_per_capita[5] = ("measure", "taux");
    rate_per_capita[0] = ("code", "PART_ENR");
    let r = admin.post("/indicateurs", &rate_per_capita).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Un taux se compare tel quel")
    );
    assert_eq!(
        staff.post("/indicateurs", &form).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_redirect_to(&admin.post("/indicateurs", &form).await, "/indicateurs");
    let r = admin.post("/indicateurs", &form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("déjà utilisé"));
    assert!(app.count("select count(*) from indicator").await >= 23);
    let (_, html) = staff.get_html("/indicateurs").await;
    assert!(html.contains("<td>diagnostics</td>"), "{html}");
    results_of_fiches_are_in_the_catalogue(&app, &mut admin).await;
}

/// A result of fiches actions (issue 15): offered to the fiches, not to the diagnostics. The usual results of
/// the programme's actions are in the catalogue.
async fn results_of_fiches_are_in_the_catalogue(app: &TestApp, admin: &mut TestClient) {
    let result = [
        ("code", "ACT_CHANTIERS"),
        ("label", "Chantiers école ouverts"),
        ("unit", "chantiers"),
        ("source", "Suivi des fiches actions"),
        ("theme", "Résultats des actions"),
        ("measure", "effectif"),
        ("active", "on"),
        ("for_actions", "on"),
    ];
    assert_redirect_to(&admin.post("/indicateurs", &result).await, "/indicateurs");
    let usage: (bool, bool) = sqlx::query_as(
        "select for_diagnostics, for_actions from indicator where code = 'ACT_CHANTIERS'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(usage, (false, true));
    for code in [
        "FEEBAT",
        "RGE",
        "CLAUSES_H",
        "ACT_RECRUT",
        "ACT_MENAGES",
        "ACT_FORUM",
    ] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from indicator where code = '{code}' and for_actions and measure = 'effectif'"
            ))
            .await,
            1,
            "{code}"
        );
    }
}

#[tokio::test]
async fn demo_diagnostics_include_the_lille_benchmark() {
    let app = spawn_app().await;
    mde::demo::seed(&app.db, 1).await.unwrap();
    let lille: i64 = sqlx::query_scalar(
        "select d.id from diagnostic d join maison m on m.id = d.maison_id
         where m.name = 'Maison de l''emploi de Lille Métropole'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    for (table, n) in [
        ("diagnostic_section", 8),
        ("indicator_value", 40),
        ("comment", 200),
    ] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from {table} where diagnostic_id = {lille}"
            ))
            .await,
            n,
            "{table}"
        );
    }
    assert!(
        app.count("select count(*) from diagnostic where status = 'valide'")
            .await
            >= 3
    );
    assert!(
        app.count("select count(*) from diagnostic where status = 'partage'")
            .await
            >= 3
    );
    assert!(app.count("select count(*) from diagnostic").await >= 20);
    // The demo partner (France Travail) reads it and may comment; the demo staff see their open comments.
    let mut partner = app.client();
    let r = partner
        .login(
            "partenaire@francetravail.example.org",
            mde::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, html) = partner.get_html(&format!("/diagnostics/{lille}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Commenter la section"));
    let (_, home) = partner.get_html("/").await;
    assert!(home.contains(&format!("/diagnostics/{lille}")));
    // Deterministic: the same content on a second database.
    let other = spawn_app().await;
    mde::demo::seed(&other.db, 1).await.unwrap();
    let digest = "select md5(string_agg(body || status || coalesce(section_id::text, ''), '|' order by id)) from comment";
    let a: String = sqlx::query_scalar(digest).fetch_one(&app.db).await.unwrap();
    let b: String = sqlx::query_scalar(digest)
        .fetch_one(&other.db)
        .await
        .unwrap();
    assert_eq!(a, b);
}

/// Issue 15, bug 12: the demo's Lille diagnostic repeated the same few remarks, and replies came before
/// the answer they follow.
#[tokio::test]
async fn demo_comments_are_varied_and_in_time_order() {
    let app = spawn_app().await;
    mde::demo::seed(&app.db, 1).await.unwrap();
    // No remark twice on a diagnostic, nor a reply twice in a section.
    let repeated: Vec<(i64, String)> = sqlx::query_as(
        "select diagnostic_id, body from comment where parent_id is null
         group by diagnostic_id, body having count(*) > 1 limit 5",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(repeated.is_empty(), "{repeated:?}");
    let lille_distinct = app
        .count(
            "select count(distinct c.body) from comment c join diagnostic d on d.id = c.diagnostic_id
             join maison m on m.id = d.maison_id where m.name = 'Maison de l''emploi de Lille Métropole'",
        )
        .await;
    assert!(lille_distinct >= 150, "{lille_distinct} distinct texts");
    // A thread reads in date order: the remark, the Maison's answer, then the replies.
    let late = app
        .count(
            "select count(*) from comment r join comment p on p.id = r.parent_id
             where r.created_at <= p.created_at or r.created_at <= coalesce(p.answered_at, p.created_at)",
        )
        .await;
    assert_eq!(late, 0, "replies dated before what they answer");
    assert!(
        app.count("select count(*) from comment where parent_id is not null")
            .await
            > 30
    );
    // Remarks come after the share, and before the validation of a validated diagnostic.
    let outside = app
        .count(
            "select count(*) from comment c
             join transition s on s.object_type = 'diagnostic' and s.object_id = c.diagnostic_id
                              and s.to_status = 'partage'
             left join transition v on v.object_type = 'diagnostic' and v.object_id = c.diagnostic_id
                              and v.to_status = 'valide'
             where c.created_at < s.at or c.created_at > v.at or c.answered_at > v.at",
        )
        .await;
    assert_eq!(outside, 0);
}

/// Issue 14, finding 4: an indicator's territory or source typed as a formula reached the CSV as is; a
/// negative value must stay a number.
#[tokio::test]
async fn indicators_csv_neutralises_formulas_and_keeps_negative_numbers() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic piégé").await;
    let rge: i64 = sqlx::query_scalar("select id from indicator where code = 'RGE'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = staff
        .post(
            &format!("/diagnostics/{id}/indicateurs"),
            &[
                ("indicator_id", &rge.to_string()),
                ("value", "-11,6"),
                ("year", "2025"),
                ("territory", "=HYPERLINK(\"http://evil.example\";\"Lille\")"),
                ("source", "+33 INSEE"),
                ("comparison_level", "departement"),
                ("comparison_value", "-1,5"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let bytes = staff
        .get(&format!("/diagnostics/{id}/indicateurs.csv"))
        .await
        .bytes()
        .await
        .unwrap();
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let line = text.lines().find(|l| l.starts_with("RGE;")).unwrap();
    assert!(
        line.contains(";-11,6;2025;"),
        "a negative value stays a number: {line}"
    );
    assert!(
        line.contains(";\"'=HYPERLINK(\"\"http://evil.example\"\";\"\"Lille\"\")\";'+33 INSEE;"),
        "{line}"
    );
    // RGE firms are a count: the écart is per 1,000 inhabitants (issue 15, bug 4), a negative number too.
    let own = app
        .count("select sum(population)::bigint from commune where epci_siren = '200093201'")
        .await as f64;
    let nord = app
        .count("select sum(population)::bigint from commune where departement_code = '59'")
        .await as f64;
    let gap = format!("{:.4}", -11.6 * 1000.0 / own + 1.5 * 1000.0 / nord)
        .trim_end_matches('0')
        .trim_end_matches('.')
        .replace('.', ",");
    assert!(gap.starts_with('-'), "{gap}");
    assert!(
        line.ends_with(&format!(";Département;-1,5;{gap};pour 1 000 habitants")),
        "{line}"
    );
}

/// Issue 14, finding 6: a file name with a right-to-left override (`photo<U+202E>fdp.exe` shows as `photoexe.pdf`)
/// or other invisible formatting characters was stored and shown as typed.
#[tokio::test]
async fn document_names_lose_bidi_and_invisible_format_characters() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic aux noms piégés").await;
    let pdf = b"%PDF-1.7\n%%EOF\n".to_vec();
    let typed = "rap\u{200B}port\u{2066}\u{202E}gpj.\u{2069}\u{200F}\u{FEFF}pdf";
    let r = upload(&mut staff, id, None, typed, &pdf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored: String = sqlx::query_scalar("select filename from document")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, "rapportgpj.pdf");
    // An executable disguised by an override is judged on the name as shown, once cleaned: refused.
    let r = upload(&mut staff, id, None, "photo\u{202E}fdp.exe", b"MZ\x90\x00").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A name made only of such characters gets a neutral name, not an empty one.
    let r = upload(&mut staff, id, None, "\u{202E}\u{200E}.pdf", &pdf).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from document where filename = 'document.pdf'")
            .await,
        1
    );
}

/// The notifications of one account whose link points at this diagnostic, oldest first.
async fn notifications_about(app: &TestApp, account: i64, id: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "select kind, message from notification where account_id = $1 and link like $2 order by id",
    )
    .bind(account)
    .bind(format!("/diagnostics/{id}#%"))
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// Issue 15, bug 1: a thread's state is its root comment's. A reply has no « Traiter » of its own, so it
/// must never keep the section, the diagnostic or the list « ouvert » once the root is answered.
#[tokio::test]
async fn a_thread_is_open_while_its_root_is() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic des fils").await;
    let sid = first_section(&app, id).await.to_string();
    share(&mut staff, id, w.org).await;
    let mut partner = app.signed_in(PARTNER).await;
    comment(&mut partner, id, &sid, "", "Les chiffres datent.", "t1").await;
    let root: i64 = sqlx::query_scalar("select id from comment where diagnostic_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let root_s = root.to_string();
    comment(&mut staff, id, "", &root_s, "Nous les actualisons.", "t2").await;
    comment(&mut partner, id, "", &root_s, "Merci !", "t3").await;
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert!(html.contains("1 commentaire ouvert"), "one thread, open");
    assert!(
        html.contains("<dt>Commentaires ouverts</dt><dd>1</dd>"),
        "{html}"
    );
    // The Maison answers the root: the whole thread is answered.
    let r = staff
        .post(
            &format!("/diagnostics/{id}/commentaires/{root}/reponse"),
            &[("status", "pris_en_compte"), ("answer", "Actualisé.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert!(
        html.contains("<dt>Commentaires ouverts</dt><dd>0</dd>"),
        "{html}"
    );
    assert!(
        !html.contains("commentaire ouvert") && !html.contains(" ouvert</span>"),
        "{html}"
    );
    let (_, list) = staff.get_html("/diagnostics").await;
    let row_start = list.find("Diagnostic des fils").unwrap();
    let row = &list[row_start..row_start + list[row_start..].find("</tr>").unwrap()];
    assert!(row.contains(r#"<td class="num">0</td>"#), "{row}");
    let (_, form) = staff
        .get_html(&format!("/diagnostics/{id}/validation"))
        .await;
    assert!(!form.contains("sans suite donnée"), "{form}");
    // A thread left open at validation is not « ouvert » any more (nobody can answer it): « sans réponse ».
    comment(&mut partner, id, "", "", "Et la mobilité ?", "t4").await;
    validate(&mut staff, id).await;
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    assert!(
        html.contains("<dt>Commentaires sans réponse</dt><dd>1"),
        "{html}"
    );
    assert!(
        html.contains("1 sans réponse</span>") && !html.contains(" ouvert</span>"),
        "{html}"
    );
}

/// Issue 15, bug 3: one notification per thread event. A reply is announced as a reply, to the thread's
/// participants; the Maison's own staff replying does not notify their colleagues a second time as if
/// someone « a commenté le diagnostic ».
#[tokio::test]
async fn one_notification_per_thread_event() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic notifié").await;
    share(&mut staff, id, w.org).await;
    let mut partner = app.signed_in(PARTNER).await;
    comment(&mut partner, id, "", "", "Une question sur la STMT.", "n1").await;
    let root: i64 = sqlx::query_scalar("select id from comment where diagnostic_id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let about = notifications_about(&app, w.responsable_a, id).await;
    assert_eq!(about.len(), 1, "{about:?}");
    assert_eq!(about[0].0, "commentaire");
    // A colleague answers in the thread: the responsable is not told again; the partner is, as a reply.
    comment(
        &mut staff,
        id,
        "",
        &root.to_string(),
        "Voici la STMT.",
        "n2",
    )
    .await;
    let about = notifications_about(&app, w.responsable_a, id).await;
    assert_eq!(about.len(), 1, "{about:?}");
    let partner_side = notifications_about(&app, w.partner, id).await;
    assert_eq!(partner_side.len(), 1, "{partner_side:?}");
    assert_eq!(partner_side[0].0, "reponse");
    assert!(
        partner_side[0].1.contains("a répondu à votre commentaire"),
        "{partner_side:?}"
    );
    // The partner replies in turn: the Maison hears of it once (a reply, not a new comment), and the
    // colleague who wrote in the thread once, not twice.
    comment(
        &mut partner,
        id,
        "",
        &root.to_string(),
        "Merci, c'est clair.",
        "n3",
    )
    .await;
    let about = notifications_about(&app, w.responsable_a, id).await;
    assert_eq!(about.len(), 2, "{about:?}");
    assert_eq!(about[1].0, "reponse");
    assert!(about[1].1.contains("a répondu"), "{about:?}");
    let colleague = notifications_about(&app, w.staff_a, id).await;
    assert_eq!(
        colleague.len(),
        2,
        "the comment, then the partner's reply: {colleague:?}"
    );
    assert!(!colleague[1].1.contains("a commenté"), "{colleague:?}");
}

/// Issue 15, bug 4: the « écart » compares comparable figures only. Lille's 24 300 building jobs against
/// the region's 98 400 is no « −75,3 % »: both are counts, compared per 1,000 inhabitants of their own
/// territory; a rate compares as it is; the population itself has no écart.
#[tokio::test]
async fn the_gap_compares_comparable_figures() {
    let app = spawn_app().await;
    let _w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let id = create(&mut staff, "Diagnostic comparé").await;
    for (code, value, level, comparison) in [
        ("EMP_BTP", 24_300.0, "region", 98_400.0),
        ("TENSION", 0.8, "france", 0.92),
        ("BMO_DIFF", 52.0, "region", 57.3),
        ("POP", 1_000_000.0, "departement", 2_600_000.0),
    ] {
        sqlx::query(
            "insert into indicator_value (diagnostic_id, indicator_id, value, year, comparison_level, comparison_value)
             select $1, id, $2, 2024, $3, $4 from indicator where code = $5",
        )
        .bind(id)
        .bind(value)
        .bind(level)
        .bind(comparison)
        .bind(code)
        .execute(&app.db)
        .await
        .unwrap();
    }
    // The populations, from the reference geography: Lille's territory (MEL) and Hauts-de-France.
    let own: i64 = app
        .count("select sum(population)::bigint from commune where epci_siren = '200093201'")
        .await;
    let region: i64 = app
        .count("select sum(population)::bigint from commune where region_code = '32'")
        .await;
    let a = 24_300.0 * 1000.0 / own as f64;
    let b = 98_400.0 * 1000.0 / region as f64;
    let fr = |x: f64, d: usize| mde::web::format::decimal(x, d);
    let sign = |x: f64| if x > 0.0 { "+" } else { "" };
    let expected = format!(
        "{}{} pour 1\u{202f}000\u{a0}hab. ({}{}\u{a0}%)",
        sign(a - b),
        fr(a - b, 2),
        sign(a - b),
        fr((a - b) / b * 100.0, 1)
    );
    let (_, html) = staff.get_html(&format!("/diagnostics/{id}")).await;
    let row = |code: &str| -> String {
        let start = html.find(&format!("({code})")).unwrap();
        html[start..start + html[start..].find("</tr>").unwrap()].to_owned()
    };
    let btp = row("EMP_BTP");
    assert!(
        !btp.contains("75,3"),
        "absolute numbers of two territories: {btp}"
    );
    assert!(btp.contains(&expected), "{expected} in {btp}");
    // A rate as it is; a percentage in points.
    assert!(
        row("TENSION").contains("-0,12 (-13\u{a0}%)"),
        "{}",
        row("TENSION")
    );
    assert!(
        row("BMO_DIFF").contains("-5,3\u{a0}pts"),
        "{}",
        row("BMO_DIFF")
    );
    // The population compares with nothing: no écart.
    let pop = row("POP");
    assert!(!pop.contains("%)") && !pop.contains("gap-"), "{pop}");
    // The CSV says on what basis each écart is computed.
    let csv = staff
        .get(&format!("/diagnostics/{id}/indicateurs.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("pour 1 000 habitants"), "{csv}");
}
