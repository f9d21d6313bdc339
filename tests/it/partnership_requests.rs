//! Partnership requests (issue 14): attaching an existing organisation that the Maison did not create is a
//! request, which grants nothing until the organisation's référents (or the admins, where it has none)
//! accept it; both sides are told; the Maison may withdraw it while it waits.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::trust::{SHARED_COLLEAGUE, SHARED_PARTNER, Shared, make_referent, shared};

async fn ask(c: &mut TestClient, maison: i64, org: i64, key: &str) -> reqwest::Response {
    c.post(
        &format!("/maisons/{maison}/partenaires/ajouter"),
        &[
            ("organisation", &org.to_string()),
            ("roles", "associe"),
            ("roles", "operateur"),
            ("note", "Chantiers de rénovation communs"),
            ("form_key", key),
        ],
    )
    .await
}

async fn partnered(app: &TestApp, maison: i64, org: i64) -> bool {
    app.count(&format!(
        "select count(*) from partnership where maison_id = {maison} and organisation_id = {org}"
    ))
    .await
        == 1
}

async fn request_id(app: &TestApp, maison: i64, org: i64) -> i64 {
    sqlx::query_scalar(
        "select id from partnership_request where maison_id = $1 and organisation_id = $2
         order by id desc limit 1",
    )
    .bind(maison)
    .bind(org)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn notifications_of(app: &TestApp, account: i64, kind: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select message from notification where account_id = $1 and kind = $2 order by id",
    )
    .bind(account)
    .bind(kind)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_request_to_a_shared_organisation_grants_nothing_until_its_referent_accepts() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    make_referent(&app, s.person).await;
    let person = app.signed_in(SHARED_PARTNER).await;
    let maison_a = format!("/maisons/{}", w.maison_a);
    assert_eq!(person.get(&maison_a).await.status(), StatusCode::NOT_FOUND);

    let mut staff_a = app.signed_in(STAFF_A).await;
    let r = ask(&mut staff_a, w.maison_a, s.org, "k1").await;
    assert_redirect_to(&r, &format!("/maisons/{}#demandes", w.maison_a));
    assert!(!partnered(&app, w.maison_a, s.org).await);
    // Nothing granted: the organisation's people still do not see A, A's page does not list it as partner.
    assert_eq!(person.get(&maison_a).await.status(), StatusCode::NOT_FOUND);
    let (_, html) = staff_a.get_html(&maison_a).await;
    assert!(
        html.contains("Demandes de partenariat")
            && html.contains("Réponse attendue de ses référents")
    );
    assert!(html.contains("En attente"));
    assert!(!html.contains(&format!("/comptes/inviter?organisation={}", s.org)));
    journaled_on_both_sides_and_its_referent_told(&app, &w, &s).await;

    let rid = request_id(&app, w.maison_a, s.org).await;
    let accept = format!("/organisations/demandes/{rid}/accepter");
    only_its_referent_and_the_admins_answer_it(&app, &w, &s, &accept).await;
    let mut referent = app.signed_in(SHARED_PARTNER).await;
    the_referent_sees_it_and_accepts(&app, &w, &s, &mut referent, &accept).await;
    // Who asked and A's responsable are told; the organisation's people now see A.
    for account in [w.staff_a, w.responsable_a] {
        let told = notifications_of(&app, account, "partenariat_acceptee").await;
        assert_eq!(told.len(), 1, "{account}");
        assert!(told[0].contains("a accepté la demande de partenariat"));
    }
    assert!(
        notifications_of(&app, w.staff_b, "partenariat_acceptee")
            .await
            .is_empty()
    );
    assert_eq!(person.get(&maison_a).await.status(), StatusCode::OK);
    // A's page now lists it, managed by its référents and the admins (it is shared); answered once.
    let (_, html) = staff_a.get_html(&maison_a).await;
    assert!(html.contains("Gérée par ses référents et l'administration du réseau"));
    assert!(html.contains("Acceptée"));
    let r = referent.post(&accept, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = referent.get_html("/organisations/demandes").await;
    assert!(html.contains("a déjà reçu une réponse"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'organisation' and object_id = {}
             and action = 'partenariat_demande_acceptee' and account_id = {}",
            s.org, s.person
        ))
        .await,
        1
    );
}

/// Journaled on both sides; its référent is told (not its colleague, not the admins).
async fn journaled_on_both_sides_and_its_referent_told(app: &TestApp, w: &World, s: &Shared) {
    for (object_type, id) in [("maison", w.maison_a), ("organisation", s.org)] {
        assert_eq!(
            app.count(&format!(
                "select count(*) from event where object_type = '{object_type}' and object_id = {id}
                 and action = 'partenariat_demande' and account_id = {}",
                w.staff_a
            ))
            .await,
            1,
            "{object_type}"
        );
    }
    let told = notifications_of(app, s.person, "partenariat_demande").await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].contains("Maison de l'emploi A demande à devenir partenaire de France Travail")
    );
    assert!(
        notifications_of(app, s.colleague, "partenariat_demande")
            .await
            .is_empty()
    );
    assert!(
        notifications_of(app, w.admin, "partenariat_demande")
            .await
            .is_empty()
    );
}

/// Only its référent and the admins see and answer it; another organisation's référent neither.
async fn only_its_referent_and_the_admins_answer_it(
    app: &TestApp,
    w: &World,
    s: &Shared,
    accept: &str,
) {
    for who in [SHARED_COLLEAGUE, STAFF_A, RESP_A, STAFF_B, PARTNER] {
        let mut c = app.signed_in(who).await;
        assert_eq!(
            c.get("/organisations/demandes").await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert_eq!(
            c.post(accept, &[]).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    // Another organisation's référent neither.
    make_referent(app, w.partner).await;
    let mut elsewhere = app.signed_in(PARTNER).await;
    let (status, html) = elsewhere.get_html("/organisations/demandes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(accept));
    assert_eq!(
        elsewhere.post(accept, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(!partnered(app, w.maison_a, s.org).await);
}

/// The référent sees it on the organisation's page and in the requests, and accepts it: the partnership
/// starts with the roles and the note asked for.
async fn the_referent_sees_it_and_accepts(
    app: &TestApp,
    w: &World,
    s: &Shared,
    referent: &mut TestClient,
    accept: &str,
) {
    let (_, html) = referent
        .get_html(&format!("/organisations/{}", s.org))
        .await;
    assert!(html.contains("Une demande de partenariat attend votre réponse"));
    let (status, html) = referent.get_html("/organisations/demandes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("emploi A") && html.contains("opérateur, associé"));
    assert!(html.contains(accept));
    assert!(html.contains("Chantiers de rénovation communs"));
    let r = referent.post(accept, &[]).await;
    assert_redirect_to(&r, "/organisations/demandes");
    assert!(partnered(app, w.maison_a, s.org).await);
    assert_eq!(
        app.count(&format!(
            "select count(*) from partnership where maison_id = {} and organisation_id = {}
             and roles = '{{operateur,associe}}' and note = 'Chantiers de rénovation communs'",
            w.maison_a, s.org
        ))
        .await
            + app
                .count(&format!(
                    "select count(*) from partnership where maison_id = {} and organisation_id = {}
                     and roles = '{{associe,operateur}}'",
                    w.maison_a, s.org
                ))
                .await,
        1
    );
}

#[tokio::test]
async fn a_refusal_gives_its_reason_to_the_maison() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    make_referent(&app, s.person).await;
    let mut resp_a = app.signed_in(RESP_A).await;
    ask(&mut resp_a, w.maison_a, s.org, "k1").await;
    let rid = request_id(&app, w.maison_a, s.org).await;
    let mut referent = app.signed_in(SHARED_PARTNER).await;
    let refuse = format!("/organisations/demandes/{rid}/refuser");
    // A reason too long: said beside the field, the text kept, nothing answered.
    let long = "Trop long. ".repeat(100);
    let r = referent.post(&refuse, &[("answer", &long)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("1000 caractères au plus"));
    assert!(html.contains(&format!("id=\"answer-{rid}-error\"")));
    assert!(html.contains("Trop long. Trop long."));
    assert_eq!(
        app.count("select count(*) from partnership_request where status = 'en_attente'")
            .await,
        1
    );
    let r = referent
        .post(
            &refuse,
            &[("answer", "Nous ne travaillons pas sur ce territoire.")],
        )
        .await;
    assert_redirect_to(&r, "/organisations/demandes");
    assert!(!partnered(&app, w.maison_a, s.org).await);
    let told = notifications_of(&app, w.responsable_a, "partenariat_refusee").await;
    assert_eq!(told.len(), 1);
    assert!(told[0].contains("Motif : Nous ne travaillons pas sur ce territoire."));
    let (_, html) = resp_a.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(
        html.contains("Refusée") && html.contains("Nous ne travaillons pas sur ce territoire.")
    );
    // Accepting it afterwards does nothing.
    let r = referent
        .post(&format!("/organisations/demandes/{rid}/accepter"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!partnered(&app, w.maison_a, s.org).await);
    // A new request may be made.
    let r = ask(&mut resp_a, w.maison_a, s.org, "k2").await;
    assert_redirect_to(&r, &format!("/maisons/{}#demandes", w.maison_a));
}

#[tokio::test]
async fn without_a_referent_the_admins_answer_and_the_maison_may_withdraw() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    let mut staff_a = app.signed_in(STAFF_A).await;
    let r = ask(&mut staff_a, w.maison_a, s.org, "k1").await;
    assert_redirect_to(&r, &format!("/maisons/{}#demandes", w.maison_a));
    let (_, html) = staff_a.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(html.contains("a été envoyée à") && html.contains("administration du réseau (elle"));
    assert_eq!(
        notifications_of(&app, w.admin, "partenariat_demande")
            .await
            .len(),
        1
    );
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/organisations/demandes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("aucun référent"));
    // B's staff cannot withdraw A's request; A's staff can.
    let rid = request_id(&app, w.maison_a, s.org).await;
    let mut staff_b = app.signed_in(STAFF_B).await;
    for path in [
        format!("/maisons/{}/partenaires/demandes/{rid}/retirer", w.maison_a),
        format!("/maisons/{}/partenaires/demandes/{rid}/retirer", w.maison_b),
    ] {
        assert_eq!(
            staff_b.post(&path, &[]).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    let r = staff_a
        .post(
            &format!("/maisons/{}/partenaires/demandes/{rid}/retirer", w.maison_a),
            &[],
        )
        .await;
    assert_redirect_to(&r, &format!("/maisons/{}#demandes", w.maison_a));
    assert_eq!(
        app.count("select count(*) from partnership_request where status = 'retiree'")
            .await,
        1
    );
    let mut admin = admin;
    let r = admin
        .post(&format!("/organisations/demandes/{rid}/accepter"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!partnered(&app, w.maison_a, s.org).await);
}

#[tokio::test]
async fn a_maison_attaches_at_once_what_it_created_and_admins_attach_at_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    // A created its partner organisation: after ending the partnership, A attaches it again at once.
    sqlx::query("delete from partnership where maison_id = $1 and organisation_id = $2")
        .bind(w.maison_a)
        .bind(w.org)
        .execute(&app.db)
        .await
        .unwrap();
    let mut staff_a = app.signed_in(STAFF_A).await;
    let r = ask(&mut staff_a, w.maison_a, w.org, "k1").await;
    assert_redirect_to(&r, &format!("/maisons/{}#partenaires", w.maison_a));
    assert!(partnered(&app, w.maison_a, w.org).await);
    // B did not create it: a request. The admins attach it for B at once.
    let mut staff_b = app.signed_in(STAFF_B).await;
    let r = ask(&mut staff_b, w.maison_b, w.org, "k2").await;
    assert_redirect_to(&r, &format!("/maisons/{}#demandes", w.maison_b));
    assert!(!partnered(&app, w.maison_b, w.org).await);
    let mut admin = app.signed_in(ADMIN).await;
    let r = ask(&mut admin, w.maison_b, w.other_org, "k3").await;
    assert_redirect_to(&r, &format!("/maisons/{}#partenaires", w.maison_b));
    assert!(partnered(&app, w.maison_b, w.other_org).await);
}
