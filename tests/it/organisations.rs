//! Partner organisations and a Maison's partnerships: directory, pages, creation, SIRET, roles, contacts,
//! rights of each role, audit.

use reqwest::StatusCode;

use crate::helpers::*;

/// A valid SIRET (Luhn) that no test organisation uses.
const SIRET: &str = "12002701600019";

#[tokio::test]
async fn directory_and_pages_follow_the_policy() {
    let app = spawn_app().await;
    let w = app.world().await;
    for email in [ADMIN, RESP_A, STAFF_B] {
        let c = app.signed_in(email).await;
        let (status, html) = c.get_html("/organisations").await;
        assert_eq!(status, StatusCode::OK, "{email}");
        assert!(html.contains("France Travail Nord") && html.contains("CAPEB du Var"));
        assert_eq!(
            c.get(&format!("/organisations/{}", w.other_org))
                .await
                .status(),
            StatusCode::OK
        );
    }
    // A partner sees their own organisation's page only.
    let c = app.signed_in(PARTNER).await;
    assert_eq!(
        c.get("/organisations").await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, html) = c.get_html(&format!("/organisations/{}", w.org)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("/maisons/{}", w.maison_a)),
        "lists the Maisons it partners"
    );
    assert!(html.contains("membre constitutif, comité de pilotage"));
    assert_eq!(
        c.get(&format!("/organisations/{}", w.other_org))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let c = app.signed_in(ADMIN).await;
    assert_eq!(
        c.get("/organisations/424242").await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, html) = c.get_html("/organisations?q=capeb&type=federation").await;
    assert!(html.contains("CAPEB du Var") && !html.contains("France Travail Nord"));
    for q in ["?page=x", "?type=%27", "?q=%25", "?region=zz"] {
        assert_eq!(
            c.get(&format!("/organisations{q}")).await.status(),
            StatusCode::OK,
            "{q}"
        );
    }
}

#[tokio::test]
async fn admin_creates_an_organisation_with_a_checked_siret() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.signed_in(ADMIN).await;
    bad_organisations_are_refused_beside_the_field(&app, &mut c).await;
    // La Poste's establishments: digits adding up to a multiple of 5.
    let r = c
        .post(
            "/organisations/nouvelle",
            &organisation_form("La Poste – Lille", "356 000 000 49837"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post(
            "/organisations/nouvelle",
            &organisation_form("CAPEB du Nord", SIRET),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = app
        .count("select id from organisation where name = 'CAPEB du Nord'")
        .await;
    assert_eq!(location(&r), format!("/organisations/{id}"));
    // The same SIRET again: the existing organisation is named beside the field.
    let r = c
        .post(
            "/organisations/nouvelle",
            &organisation_form("Doublon", SIRET),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("déjà celui de l&#39;organisation « CAPEB du Nord »")
    );
    assert_eq!(
        app.count("select count(*) from organisation where name = 'Doublon'")
            .await,
        0
    );
    let (_, html) = c.get_html(&format!("/organisations/{id}")).await;
    assert!(
        html.contains("120 027 016 00019") && html.contains("Organisation créée : CAPEB du Nord")
    );
    // Only admins create organisations outside a Maison.
    for email in [RESP_A, PARTNER] {
        let mut c = app.signed_in(email).await;
        assert_eq!(
            c.get("/organisations/nouvelle").await.status(),
            StatusCode::NOT_FOUND
        );
        let r = c
            .post("/organisations/nouvelle", &organisation_form("Pirate", ""))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{email}");
    }
}
/// The creation form of an organisation outside a Maison.
fn organisation_form(name: &'static str, siret: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("name", name),
        ("type_code", "federation"),
        ("siret", siret),
        ("region", "32"),
        ("website", "https://capeb-nord.example.org"),
    ]
}

/// A wrong check digit, a wrong length, a missing or too long name, an unknown type: refused beside the
/// field, nothing created.
async fn bad_organisations_are_refused_beside_the_field(app: &TestApp, c: &mut TestClient) {
    let r = c
        .post(
            "/organisations/nouvelle",
            &organisation_form("CAPEB du Nord", "120 027 016 00018"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("clé de contrôle incorrecte") && html.contains("value=\"CAPEB du Nord\"")
    );
    let r = c
        .post(
            "/organisations/nouvelle",
            &organisation_form("CAPEB du Nord", "1234"),
        )
        .await;
    assert!(r.text().await.unwrap().contains("exactement 14 chiffres"));
    let r = c
        .post("/organisations/nouvelle", &organisation_form("", ""))
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Ce champ est obligatoire.")
    );
    let long = "x".repeat(201);
    let r = c
        .post(
            "/organisations/nouvelle",
            &[("name", long.as_str()), ("type_code", "federation")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("200 caractères au plus"));
    let r = c
        .post(
            "/organisations/nouvelle",
            &[("name", "Inconnue"), ("type_code", "pirate")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Choisissez le type"));
    assert_eq!(
        app.count("select count(*) from organisation where name = 'CAPEB du Nord'")
            .await,
        0
    );
}

#[tokio::test]
async fn organisation_edits_are_audited_and_locked() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let path = format!("/organisations/{}/modifier", w.org);
    let (status, html) = staff.get_html(&path).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "staff of a Maison it partners may edit it"
    );
    assert!(html.contains("name=\"version\" value=\"1\""));
    let edit = |name: &'static str, version: &'static str| {
        vec![
            ("name", name),
            ("type_code", "france_travail"),
            ("siret", ""),
            ("region", "32"),
            ("version", version),
        ]
    };
    let r = staff
        .post(&path, &edit("France Travail Lille Métropole", "1"))
        .await;
    assert_redirect_to(&r, &format!("/organisations/{}", w.org));
    let r = staff.post(&path, &edit("Version périmée", "1")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("value=\"Version périmée\"")
    );
    let (_, html) = staff.get_html(&format!("/organisations/{}", w.org)).await;
    assert!(
        html.contains("Fiche de l&#39;organisation modifiée")
            && html.contains("France Travail Lille Métropole")
    );
    // Staff of another Maison, partners: 404.
    for email in [STAFF_B, PARTNER] {
        let mut c = app.signed_in(email).await;
        assert_eq!(
            c.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{email}"
        );
        assert_eq!(
            c.post(&path, &edit("Pirate", "2")).await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn staff_add_an_existing_organisation_as_partner() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut c = app.signed_in(RESP_A).await;
    let base = format!("/maisons/{}/partenaires/ajouter", w.maison_a);
    let (status, html) = c.get_html(&format!("{base}?q=capeb")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("organisation={}", w.other_org)));
    let (_, html) = c.get_html(&format!("{base}?q=france")).await;
    assert!(html.contains("déjà partenaire"));
    let (_, html) = c
        .get_html(&format!("{base}?organisation={}&q=capeb", w.other_org))
        .await;
    assert!(html.contains("name=\"roles\"") && html.contains("name=\"form_key\""));
    let other = w.other_org.to_string();
    // No role: explained, nothing saved.
    let r = c.post(&base, &[("organisation", other.as_str())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Cochez au moins un rôle."));
    let r = c
        .post(&base, &[("organisation", "999999"), ("roles", "associe")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // CAPEB du Var was not created by A: choosing it says that adding it is a request.
    let (_, html) = c
        .get_html(&format!("{base}?organisation={}&q=capeb", w.other_org))
        .await;
    assert!(html.contains("Demander le partenariat"), "{html}");
    let partnered = format!(
        "select count(*) from partnership where maison_id = {} and organisation_id = {}",
        w.maison_a, w.other_org
    );
    a_request_is_made_once_and_waits_for_its_answer(&app, &w, &mut c, &base, &other, &partnered)
        .await;
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(html.contains("Réponse attendue de l'administration du réseau"));
    // The admins accept it: the partnership starts with the roles and date asked for.
    let rid: i64 = sqlx::query_scalar("select id from partnership_request")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut admin = app.signed_in(ADMIN).await;
    let r = admin
        .post(&format!("/organisations/demandes/{rid}/accepter"), &[])
        .await;
    assert_redirect_to(&r, "/organisations/demandes");
    assert_eq!(app.count(&partnered).await, 1);
    // Now a duplicate partnership: a message, nothing saved.
    let r = c
        .post(
            &base,
            &[
                ("organisation", other.as_str()),
                ("roles", "associe"),
                ("form_key", "k3"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("CAPEB du Var est déjà partenaire de cette Maison.")
    );
    assert_eq!(app.count(&partnered).await, 1);
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(html.contains("comité de pilotage, financeur") && html.contains("15/01/2024"));
    assert!(html.contains("Partenaire ajouté : CAPEB du Var (comité de pilotage, financeur)"));
}

/// Attaching an organisation the Maison did not create is a request; the same form sent twice is processed
/// once, and a second request while the first waits is refused.
async fn a_request_is_made_once_and_waits_for_its_answer(
    app: &TestApp,
    w: &World,
    c: &mut TestClient,
    base: &str,
    other: &str,
    partnered: &str,
) {
    let r = c
        .post(
            base,
            &[
                ("organisation", other),
                ("roles", "copil"),
                ("roles", "financeur"),
                ("since", "2024-01-15"),
                ("form_key", "k1"),
            ],
        )
        .await;
    // Issue 14: attaching an organisation the Maison did not create is a partnership request, which
    // grants nothing until the organisation (here: the admins, it has no référent) accepts it.
    assert_redirect_to(&r, &format!("/maisons/{}#demandes", w.maison_a));
    assert_eq!(app.count(partnered).await, 0);
    // The same form sent twice is processed once.
    let r = c
        .post(
            base,
            &[
                ("organisation", other),
                ("roles", "copil"),
                ("form_key", "k1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A second request while the first waits: a message, nothing saved.
    let r = c
        .post(
            base,
            &[
                ("organisation", other),
                ("roles", "associe"),
                ("form_key", "k2"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains(
        "La Maison a déjà demandé à devenir partenaire de CAPEB du Var : la demande attend sa réponse."
    ));
    assert_eq!(
        app.count("select count(*) from partnership_request").await,
        1
    );
}

#[tokio::test]
async fn staff_create_an_organisation_from_the_maison_page() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut c = app.signed_in(STAFF_A).await;
    let path = format!("/maisons/{}/partenaires/nouveau", w.maison_a);
    let (status, html) = c.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<option value=\"32\" selected>"),
        "the Maison's region by default"
    );
    let r = c
        .post(
            &path,
            &[
                ("name", "GRETA Lille Métropole"),
                ("type_code", "formation"),
                ("siret", "1200 2701 6000 18"),
                ("roles", "operateur"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("clé de contrôle incorrecte")
            && html.contains("value=\"GRETA Lille Métropole\"")
    );
    assert!(
        html.contains("value=\"operateur\" checked"),
        "checked roles kept"
    );
    assert_eq!(
        app.count("select count(*) from organisation where name like 'GRETA%'")
            .await,
        0
    );
    let r = c
        .post(
            &path,
            &[
                ("name", "GRETA Lille Métropole"),
                ("type_code", "formation"),
                ("siret", SIRET),
                ("roles", "operateur"),
                ("region", "32"),
            ],
        )
        .await;
    assert_redirect_to(&r, &format!("/maisons/{}#partenaires", w.maison_a));
    let org: i64 = app
        .count("select id from organisation where name = 'GRETA Lille Métropole'")
        .await;
    assert_eq!(
        app.count(&format!("select count(*) from partnership where maison_id = {} and organisation_id = {org} and roles = '{{operateur}}'", w.maison_a)).await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'organisation' and object_id = {org}"
        ))
        .await,
        1
    );
    other_staff_and_partners_cannot_create(&app, &path).await;
}

/// Staff of another Maison and partners cannot create an organisation from a Maison's page.
async fn other_staff_and_partners_cannot_create(app: &TestApp, path: &str) {
    for email in [STAFF_B, PARTNER] {
        let mut o = app.signed_in(email).await;
        assert_eq!(o.get(path).await.status(), StatusCode::NOT_FOUND, "{email}");
        let r = o
            .post(
                path,
                &[
                    ("name", "Pirate"),
                    ("type_code", "formation"),
                    ("roles", "associe"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{email}");
    }
    assert_eq!(
        app.count("select count(*) from organisation where name = 'Pirate'")
            .await,
        0
    );
}

async fn partnership_id(app: &TestApp, maison: i64, org: i64) -> i64 {
    app.count(&format!(
        "select id from partnership where maison_id = {maison} and organisation_id = {org}"
    ))
    .await
}

#[tokio::test]
async fn partnership_roles_contacts_and_removal() {
    let app = spawn_app().await;
    let w = app.world().await;
    let pid = partnership_id(&app, w.maison_a, w.org).await;
    let base = format!("/maisons/{}/partenaires/{pid}", w.maison_a);
    let mut c = app.signed_in(RESP_A).await;
    let (status, html) = c.get_html(&base).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"membre_constitutif\" checked"));
    roles_are_audited_and_locked(&app, &w, &mut c, &base, pid).await;
    let cid = contacts_are_checked_then_added(&app, &w, &mut c, &base).await;
    others_cannot_touch_it(&app, &base, cid).await;
    // A partnership of another Maison through this Maison's URL: 404.
    let other_maison_path = format!("/maisons/{}/partenaires/{pid}", w.maison_b);
    let mut admin = app.signed_in(ADMIN).await;
    assert_eq!(
        admin.get(&other_maison_path).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = c.post(&format!("{base}/contacts/{cid}/retirer"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from partnership_contact").await,
        0
    );
    let r = c.post(&format!("{base}/retirer"), &[]).await;
    assert_redirect_to(&r, &format!("/maisons/{}#partenaires", w.maison_a));
    assert_eq!(
        app.count(&format!(
            "select count(*) from partnership where id = {pid}"
        ))
        .await,
        0
    );
    let (_, html) = admin.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(html.contains("Partenaire retiré : France Travail Nord"));
    // The history says a contact was added, but the journal never holds the contact's name (issue 23).
    assert!(html.contains("Contact ajouté pour France Travail Nord"));
    assert!(!html.contains("Anne Lambert"));
    // The partner's organisation no longer partners A: the page is gone for them.
    let p = app.signed_in(PARTNER).await;
    assert_eq!(
        p.get(&format!("/maisons/{}", w.maison_a)).await.status(),
        StatusCode::NOT_FOUND
    );
    let _ = admin.post("/profil/mot-de-passe", &[]).await;
}

/// Roles changed: audited with before/after. A stale version: conflict, nothing overwritten. No role left:
/// refused.
async fn roles_are_audited_and_locked(
    app: &TestApp,
    w: &World,
    c: &mut TestClient,
    base: &str,
    pid: i64,
) {
    let r = c
        .post(
            base,
            &[
                ("roles", "copil"),
                ("roles", "financeur"),
                ("version", "1"),
                ("note", "Cofinance le forum"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let changes: serde_json::Value = sqlx::query_scalar(
        "select changes from event where action = 'partenariat_modification' and object_id = $1",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let text = changes.to_string();
    assert!(
        text.contains("membre constitutif, comité de pilotage")
            && text.contains("comité de pilotage, financeur")
    );
    let r = c
        .post(base, &[("roles", "associe"), ("version", "1")])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let roles: Vec<String> = sqlx::query_scalar("select roles from partnership where id = $1")
        .bind(pid)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(roles, vec!["copil", "financeur"]);
    let r = c.post(base, &[("version", "2")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// A contact: bad values refused beside their fields, then added; returns its id.
async fn contacts_are_checked_then_added(
    app: &TestApp,
    w: &World,
    c: &mut TestClient,
    base: &str,
) -> i64 {
    let r = c
        .post(
            &format!("{base}/contacts"),
            &[
                ("contact_name", ""),
                ("contact_email", "faux"),
                ("job_title", "Directrice"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Ce champ est obligatoire.")
            && html.contains("Adresse e-mail invalide")
            && html.contains("value=\"Directrice\"")
    );
    let r = c
        .post(
            &format!("{base}/contacts"),
            &[
                ("contact_name", "Anne Lambert"),
                ("contact_email", "anne.lambert@francetravail.example.org"),
                ("job_title", "Directrice d'agence"),
            ],
        )
        .await;
    assert_redirect_to(&r, base);
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(html.contains("Anne Lambert") && html.contains("Directrice d&#39;agence"));
    let cid: i64 = app
        .count("select id from partnership_contact where name = 'Anne Lambert'")
        .await;
    cid
}

/// Staff of another Maison cannot touch it (GET and POST), nor partners.
async fn others_cannot_touch_it(app: &TestApp, base: &str, cid: i64) {
    for email in [STAFF_B, PARTNER] {
        let mut o = app.signed_in(email).await;
        assert_eq!(o.get(base).await.status(), StatusCode::NOT_FOUND, "{email}");
        for (path, form) in [
            (
                base.to_owned(),
                vec![("roles", "associe"), ("version", "2")],
            ),
            (format!("{base}/contacts"), vec![("contact_name", "Pirate")]),
            (format!("{base}/contacts/{cid}/retirer"), vec![]),
            (format!("{base}/retirer"), vec![]),
        ] {
            assert_eq!(
                o.post(&path, &form).await.status(),
                StatusCode::NOT_FOUND,
                "{email} {path}"
            );
        }
    }
}

#[tokio::test]
async fn csrf_is_required_on_every_network_form() {
    let app = spawn_app().await;
    let w = app.world().await;
    let c = app.signed_in(ADMIN).await;
    for path in [
        "/maisons/nouvelle".to_owned(),
        format!("/maisons/{}/modifier", w.maison_a),
        format!("/maisons/{}/territoire/ajouter", w.maison_a),
        "/organisations/nouvelle".to_owned(),
        format!("/maisons/{}/partenaires/ajouter", w.maison_a),
        format!("/maisons/{}/partenaires/nouveau", w.maison_a),
        "/organisations/demandes/1/accepter".to_owned(),
        "/organisations/demandes/1/refuser".to_owned(),
        format!("/maisons/{}/partenaires/demandes/1/retirer", w.maison_a),
    ] {
        let r = c.post_raw(&path, &[("name".into(), "X".into())]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
}
