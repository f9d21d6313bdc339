//! Référents and the accounts to review (issue 14): the admins designate and remove référents, a référent
//! hands the role to a colleague, the admins see the shared organisations without a référent and the
//! partner accounts a Maison invited into an organisation several Maisons partner.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::trust::{SHARED_COLLEAGUE, SHARED_PARTNER, make_referent, shared};

async fn is_referent(app: &TestApp, account: i64) -> bool {
    sqlx::query_scalar("select referent from account where id = $1")
        .bind(account)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn admins_designate_and_remove_referents_journaled_without_names() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    let mut admin = app.signed_in(ADMIN).await;
    let (status, page) = admin.get_html(&format!("/organisations/{}", s.org)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!(
        "/organisations/{}/referents/{}/designer",
        s.org, s.person
    )));
    // Nobody but the admins designates one: B's responsable-to-be, a staff member, the person herself.
    let mut staff_b = app.signed_in(STAFF_B).await;
    let path = format!("/organisations/{}/referents/{}/designer", s.org, s.person);
    assert_eq!(
        staff_b.post(&path, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    let mut person = app.signed_in(SHARED_PARTNER).await;
    assert_eq!(
        person.post(&path, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert!(!is_referent(&app, s.person).await);
    // A person of another organisation cannot be designated référent of this one.
    let wrong = format!("/organisations/{}/referents/{}/designer", s.org, w.partner);
    assert_eq!(
        admin.post(&wrong, &[]).await.status(),
        StatusCode::NOT_FOUND
    );

    let r = admin.post(&path, &[]).await;
    assert_redirect_to(&r, &format!("/organisations/{}", s.org));
    assert!(is_referent(&app, s.person).await);
    assert_eq!(
        app.count(&format!(
            "select count(*) from notification where account_id = {} and kind = 'referent'",
            s.person
        ))
        .await,
        1
    );
    // Journaled on the organisation and on the account, with the account as a reference, no name.
    let events = app
        .count(&format!(
            "select count(*) from event where action = 'referent_designe'
              and ((object_type = 'organisation' and object_id = {org}
                    and changes @> '[{{\"after\": {{\"compte\": {p}}}}}]')
                   or (object_type = 'account' and object_id = {p}))",
            org = s.org,
            p = s.person
        ))
        .await;
    assert_eq!(events, 2);
    assert_eq!(
        app.count("select count(*) from event where summary like '%Personne%' or changes::text like '%Personne%'")
            .await,
        0
    );
    // The page says who the référent is.
    let (_, page) = admin.get_html(&format!("/organisations/{}", s.org)).await;
    assert!(
        page.contains("référents : Personne ft-na@test.example"),
        "{page}"
    );

    let remove = format!("/organisations/{}/referents/{}/retirer", s.org, s.person);
    assert_eq!(
        person.post(&remove, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = admin.post(&remove, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!is_referent(&app, s.person).await);
}

#[tokio::test]
async fn a_referent_hands_the_role_to_a_colleague_of_the_same_organisation_only() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    make_referent(&app, s.person).await;
    let mut person = app.signed_in(SHARED_PARTNER).await;
    let (status, page) = person.get_html(&format!("/organisations/{}", s.org)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Transmettre votre rôle de référent"));
    let path = format!("/organisations/{}/referents/transmettre", s.org);
    // Not to someone of another organisation.
    let r = person
        .post(&path, &[("account", &w.partner.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(is_referent(&app, s.person).await);
    // A colleague who is not référent cannot hand it over.
    let mut colleague = app.signed_in(SHARED_COLLEAGUE).await;
    let r = colleague
        .post(&path, &[("account", &s.person.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let r = person
        .post(&path, &[("account", &s.colleague.to_string())])
        .await;
    assert_redirect_to(&r, &format!("/organisations/{}", s.org));
    assert!(!is_referent(&app, s.person).await);
    assert!(is_referent(&app, s.colleague).await);
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'organisation' and object_id = {}
              and action = 'referent_transmis'",
            s.org
        ))
        .await,
        1
    );
    // The former référent no longer manages anything: the requests page is gone for them.
    assert_eq!(
        person.get("/organisations/demandes").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        colleague.get("/organisations/demandes").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn admins_review_accounts_a_maison_invited_into_a_shared_organisation() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    // A's responsable invites a person into A's own organisation (A manages it)...
    let mut resp = app.signed_in(RESP_A).await;
    let r = resp
        .post(
            "/comptes/inviter",
            &[
                ("email", "nouvelle@test.example"),
                ("name", "Nouvelle Personne"),
                ("role", "partner"),
                ("organisation", &w.org.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let invited: i64 = sqlx::query_scalar(
        "select id from account where email = 'nouvelle@test.example' and invited_by_maison = $1",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut admin = app.signed_in(ADMIN).await;
    let (status, page) = admin.get_html("/organisations/a-examiner").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Nouvelle Personne"), "A is the only partner");
    // The shared organisation without référent is listed.
    assert!(page.contains("France Travail Nouvelle-Aquitaine"));
    // ... then a second Maison partners it: the account is to review.
    app.partnership(w.maison_b, w.org, &["financeur"]).await;
    let (_, page) = admin.get_html("/organisations/a-examiner").await;
    assert!(page.contains("Nouvelle Personne"), "{page}");
    assert!(page.contains("France Travail Nord"));
    // Others do not see the page nor mark anything.
    assert_eq!(
        resp.get("/organisations/a-examiner").await.status(),
        StatusCode::NOT_FOUND
    );
    let mark = format!("/organisations/a-examiner/{invited}/examine");
    assert_eq!(resp.post(&mark, &[]).await.status(), StatusCode::NOT_FOUND);
    let r = admin.post(&mark, &[]).await;
    assert_redirect_to(&r, "/organisations/a-examiner");
    let (_, page) = admin.get_html("/organisations/a-examiner").await;
    assert!(!page.contains("Nouvelle Personne"));
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'account' and object_id = {invited}
              and action = 'examine'"
        ))
        .await,
        1
    );
    // Designating a référent takes the organisation off the list.
    let r = admin
        .post(
            &format!("/organisations/{}/referents/{}/designer", s.org, s.person),
            &[("retour", "a-examiner")],
        )
        .await;
    assert_redirect_to(&r, "/organisations/a-examiner");
    let (_, page) = admin.get_html("/organisations/a-examiner").await;
    assert!(!page.contains("France Travail Nouvelle-Aquitaine"));
}
