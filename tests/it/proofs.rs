//! Proofs on fiches actions (issue 16): the one document store shared with the diagnostics (same checks
//! and limits), documents joined by the pilot and the Maison, listed on the fiche and in « Mes actions »,
//! downloaded with the fiche's 404 rules, removed by whom the policy says, every change journaled.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::pilot_reports::{action, plan};

const PDF: &[u8] = b"%PDF-1.7\n% liste d'emargement\n%%EOF\n";

async fn proofs_of(app: &TestApp, a: i64) -> i64 {
    app.count(&format!(
        "select count(*) from document where action_id = {a} and diagnostic_id is null"
    ))
    .await
}

async fn journaled(app: &TestApp, a: i64) -> i64 {
    app.count(&format!(
        "select count(*) from event where object_type = 'action' and object_id = {a} and action = 'document'"
    ))
    .await
}

#[tokio::test]
async fn the_pilot_joins_a_proof_listed_on_the_fiche_and_in_mes_actions() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "en_oeuvre").await;
    let a = action(&app, p, 1, w.org, 30, "en_cours").await;
    let mut pilot = app.signed_in(PARTNER).await;
    let (status, html) = pilot.get_html(&format!("/actions/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("/actions/{a}/documents/nouveau")));
    let (status, _) = pilot
        .get_html(&format!("/actions/{a}/documents/nouveau"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let r = pilot
        .post_file(
            &format!("/actions/{a}/documents"),
            None,
            "Émargement forum.pdf",
            PDF,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/actions/{a}#preuves"));
    assert_eq!(proofs_of(&app, a).await, 1);
    assert_eq!(journaled(&app, a).await, 1);
    let did = app
        .count(&format!("select id from document where action_id = {a}"))
        .await;
    let url = format!("/actions/{a}/documents/{did}");
    let (_, fiche) = pilot.get_html(&format!("/actions/{a}")).await;
    assert!(fiche.contains("Émargement forum.pdf") && fiche.contains(&url));
    let (_, mine) = pilot.get_html("/mes-actions").await;
    assert!(mine.contains("Émargement forum.pdf") && mine.contains(&url));
    let r = pilot.get(&url).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), PDF);
    let staff = app.signed_in(STAFF_A).await;
    assert_eq!(staff.get(&url).await.status(), StatusCode::OK);
    let other = app.signed_in(OTHER_PARTNER).await;
    assert_eq!(other.get(&url).await.status(), StatusCode::NOT_FOUND);
    // A document is reached only through its own owner.
    let b = action(&app, p, 2, w.org, 30, "en_cours").await;
    let wrong = format!("/actions/{b}/documents/{did}");
    assert_eq!(pilot.get(&wrong).await.status(), StatusCode::NOT_FOUND);
    let d: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year) values ($1, 'Diagnostic', 2025) returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        staff
            .get(&format!("/diagnostics/{d}/documents/{did}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn proofs_are_checked_as_the_diagnostics_documents_are() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "valide").await;
    let a = action(&app, p, 1, w.org, 30, "a_lancer").await;
    let path = format!("/actions/{a}/documents");
    let mut pilot = app.signed_in(PARTNER).await;
    let r = pilot
        .post_file(&path, None, "script.html", b"<script>")
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Type de fichier non accepté") && html.contains("aria-invalid=\"true\""));
    let r = pilot.post_file(&path, None, "photo.jpg", b"%PDF-1.7").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("ne correspond pas à son extension")
    );
    let r = pilot.post_file(&path, None, "", b"").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = PDF.to_vec();
    big.resize(10 * 1024 * 1024 + 1, b'x');
    let r = pilot.post_file(&path, None, "enorme.pdf", &big).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = pilot
        .post_file(&path, Some("mauvais-jeton"), "a.pdf", PDF)
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let mut other = app.signed_in(OTHER_PARTNER).await;
    let r = other.post_file(&path, None, "a.pdf", PDF).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(proofs_of(&app, a).await, 0);
    // A photo is a proof too; its name is cleaned once, on the way in.
    let r = pilot
        .post_file(
            &path,
            None,
            "photo\u{202E}gpj.jpg",
            b"\xFF\xD8\xFF\xE0 photo",
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from document where filename = 'photogpj.jpg' and content_type = 'image/jpeg'")
            .await,
        1
    );
    // Once the plan is closed, nobody joins proofs any more; they are still read.
    sqlx::query("update plan set status = 'cloture' where id = $1")
        .bind(p)
        .execute(&app.db)
        .await
        .unwrap();
    let r = pilot.post_file(&path, None, "a.pdf", PDF).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let mut staff = app.signed_in(STAFF_A).await;
    let r = staff.post_file(&path, None, "a.pdf", PDF).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(proofs_of(&app, a).await, 1);
}

#[tokio::test]
async fn the_maison_removes_any_proof_the_pilot_only_its_own() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "en_oeuvre").await;
    let a = action(&app, p, 1, w.org, 30, "en_cours").await;
    let path = format!("/actions/{a}/documents");
    let mut pilot = app.signed_in(PARTNER).await;
    let mut staff = app.signed_in(STAFF_A).await;
    staff.post_file(&path, None, "convention.pdf", PDF).await;
    pilot.post_file(&path, None, "photos.pdf", PDF).await;
    let id_of = |name: &str| format!("select id from document where filename = '{name}'");
    let convention = app.count(&id_of("convention.pdf")).await;
    let photos = app.count(&id_of("photos.pdf")).await;
    let (_, html) = pilot.get_html(&format!("/actions/{a}")).await;
    assert!(html.contains(&format!("{path}/{photos}/supprimer")));
    assert!(!html.contains(&format!("{path}/{convention}/supprimer")));
    let r = pilot
        .post(&format!("{path}/{convention}/supprimer"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = pilot.post(&format!("{path}/{photos}/supprimer"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = staff
        .post(&format!("{path}/{convention}/supprimer"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(proofs_of(&app, a).await, 0);
    assert_eq!(journaled(&app, a).await, 4);
}

#[tokio::test]
async fn a_document_has_exactly_one_owner_and_goes_with_it() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "brouillon").await;
    let a = action(&app, p, 1, w.org, 30, "a_lancer").await;
    let mut staff = app.signed_in(STAFF_A).await;
    let r = staff
        .post_file(
            &format!("/actions/{a}/documents"),
            None,
            "convention.pdf",
            PDF,
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the Maison joins a convention to a draft"
    );
    let d: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year) values ($1, 'Diagnostic', 2025) returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    for (diagnostic, action) in [(Some(d), Some(a)), (None, None)] {
        let r = sqlx::query(
            "insert into document (diagnostic_id, action_id, filename, content_type, size_bytes, data)
             values ($1, $2, 'x.pdf', 'application/pdf', 1, '\\x25')",
        )
        .bind(diagnostic)
        .bind(action)
        .execute(&app.db)
        .await;
        let e = r.unwrap_err().to_string();
        assert!(e.contains("document_one_owner"), "{e}");
    }
    let r = staff.post(&format!("/actions/{a}/supprimer"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from document").await, 0);
}
