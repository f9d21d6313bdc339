//! Proposing a person (issue 14): for an organisation its Maison does not manage, a responsable proposes a
//! person; the référent or an admin accepts (only then is the invitation made and sent) or refuses with a
//! reason; both sides are notified.

use reqwest::StatusCode;

use crate::fake_smtp::FakeSmtp;
use crate::helpers::*;
use crate::trust::{SHARED_PARTNER, make_referent, shared};

async fn notifications(app: &TestApp, account: i64) -> i64 {
    app.count(&format!(
        "select count(*) from notification where account_id = {account} and kind = 'proposition_compte'"
    ))
    .await
}

#[tokio::test]
async fn a_proposal_accepted_by_the_referent_sends_the_invitation_then_and_only_then() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app_with(|c| c.smtp = Some(smtp.config())).await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    app.partnership(w.maison_a, s.org, &["associe"]).await;
    make_referent(&app, s.person).await;
    let mut resp = app.signed_in(RESP_A).await;
    let (status, page) = resp.get_html(&format!("/organisations/{}", s.org)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("/comptes/proposer?organisation={}", s.org)));
    let path = format!("/comptes/proposer?organisation={}", s.org);
    let (status, _) = resp.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    the_responsable_proposes_once(&app, &smtp, &mut resp, &path, s.person, s.org).await;
    // The responsable does not answer their own proposal.
    let id: i64 = sqlx::query_scalar("select id from account_proposal")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let accept = format!("/comptes/propositions/{id}/accepter");
    assert_eq!(
        resp.post(&accept, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        resp.get("/comptes/propositions").await.status(),
        StatusCode::NOT_FOUND
    );
    let mut referent = app.signed_in(SHARED_PARTNER).await;
    the_referent_accepts_and_the_invitation_goes(&app, &smtp, &mut referent, &accept, id, s.org)
        .await;
    the_responsable_is_told_and_the_journal_names_nobody(&app, &w).await;
    // Answered once.
    let r = referent.post(&accept, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("select count(*) from account where email = 'recrue@ft.example'")
            .await,
        1
    );
}

/// Bad input: said beside the fields, nothing recorded. Then no account, no link, no mail yet; the référent
/// is told. Proposed twice: said.
async fn the_responsable_proposes_once(
    app: &TestApp,
    smtp: &FakeSmtp,
    resp: &mut TestClient,
    path: &str,
    referent: i64,
    org: i64,
) {
    let r = resp
        .post(path, &[("email", "pas une adresse"), ("name", "")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = resp
        .post(
            path,
            &[
                ("email", "recrue@ft.example"),
                ("name", "Camille Recrue"),
                ("note", "Chargée de relations entreprises"),
            ],
        )
        .await;
    assert_redirect_to(&r, &format!("/organisations/{}", org));
    assert_eq!(
        app.count("select count(*) from account where email = 'recrue@ft.example'")
            .await,
        0
    );
    assert_eq!(notifications(app, referent).await, 1);
    assert!(smtp.messages().is_empty());
    let r = resp
        .post(
            path,
            &[("email", "recrue@ft.example"), ("name", "Camille Recrue")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn the_referent_accepts_and_the_invitation_goes(
    app: &TestApp,
    smtp: &FakeSmtp,
    referent: &mut TestClient,
    accept: &str,
    id: i64,
    org: i64,
) {
    let (status, page) = referent.get_html("/comptes/propositions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Camille Recrue"));
    let r = referent.post(accept, &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("/invitation/"),
        "the référent manages the account: {html}"
    );
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["<recrue@ft.example>".to_owned()]);
    let account: i64 = sqlx::query_scalar(
        "select id from account where email = 'recrue@ft.example' and organisation_id = $1
           and role = 'partner' and invited_by_maison is null",
    )
    .bind(org)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        app.count(&format!(
            "select count(*) from account_proposal where id = {id} and status = 'acceptee'
              and account_id = {account}"
        ))
        .await,
        1
    );
}

/// The responsable is told; the journal names nobody.
async fn the_responsable_is_told_and_the_journal_names_nobody(app: &TestApp, w: &World) {
    assert_eq!(notifications(app, w.responsable_a).await, 1);
    assert_eq!(
        app.count(
            "select count(*) from event where action like 'proposition%'
              and (summary like '%Camille%' or changes::text like '%Camille%' or changes::text like '%recrue%')"
        )
        .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from event where action like 'proposition%'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_refused_proposal_tells_the_maison_why_and_makes_no_account() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    app.partnership(w.maison_a, s.org, &["associe"]).await;
    let mut resp = app.signed_in(RESP_A).await;
    let path = format!("/comptes/proposer?organisation={}", s.org);
    let r = resp
        .post(&path, &[("email", "x@ft.example"), ("name", "Dominique X")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // No référent: the admins are told, and answer.
    assert_eq!(notifications(&app, w.admin).await, 1);
    let id: i64 = sqlx::query_scalar("select id from account_proposal")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let mut admin = app.signed_in(ADMIN).await;
    let refuse = format!("/comptes/propositions/{id}/refuser");
    let long = "x".repeat(1001);
    let r = admin.post(&refuse, &[("answer", &long)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post(
            &refuse,
            &[("answer", "Cette personne a quitté l'organisation.")],
        )
        .await;
    assert_redirect_to(&r, "/comptes/propositions");
    assert_eq!(
        app.count("select count(*) from account where email = 'x@ft.example'")
            .await,
        0
    );
    let message: String = sqlx::query_scalar(
        "select message from notification where account_id = $1 and kind = 'proposition_compte'",
    )
    .bind(w.responsable_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(message.contains("a quitté l'organisation"), "{message}");
    assert_eq!(app.count("select count(*) from account_token").await, 0);
}

#[tokio::test]
async fn only_a_responsable_whose_maison_partners_without_managing_proposes() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = shared(&app, &w).await;
    let mut resp = app.signed_in(RESP_A).await;
    let path = format!("/comptes/proposer?organisation={}", s.org);
    // A does not partner it yet.
    assert_eq!(resp.get(&path).await.status(), StatusCode::NOT_FOUND);
    let r = resp
        .post(&path, &[("email", "y@ft.example"), ("name", "Y")])
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A manages its own organisation: it invites directly.
    let own = format!("/comptes/proposer?organisation={}", w.org);
    assert_redirect_to(
        &resp.get(&own).await,
        &format!("/comptes/inviter?organisation={}", w.org),
    );
    // A staff member (not responsable) of a partnering Maison does not propose.
    app.partnership(w.maison_a, s.org, &["associe"]).await;
    let staff = app.signed_in(STAFF_A).await;
    assert_eq!(staff.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from account_proposal").await, 0);
}

/// The demo (issue 14's leftovers): a référent or an admin finds proposals, partnership requests and an
/// account to review waiting, none of them about Lille or France Travail Grand Est (the browser journeys
/// start from those).
#[tokio::test]
async fn the_demo_has_proposals_requests_and_an_account_to_review_waiting() {
    let app = spawn_app().await;
    mde::demo::seed(&app.db, 1).await.unwrap();
    let count = |sql: &'static str| app.count(sql);
    assert_eq!(
        count("select count(*) from account_proposal where status = 'en_attente'").await,
        3
    );
    assert_eq!(
        count("select count(*) from account_proposal where status = 'refusee' and answer <> ''")
            .await,
        1
    );
    assert_eq!(
        count("select count(*) from partnership_request where status = 'en_attente'").await,
        3
    );
    assert_eq!(
        count(
            "select count(*) from account_proposal p join maison m on m.id = p.maison_id
             join organisation o on o.id = p.organisation_id
             where m.name like '%Lille%' or o.name like 'France Travail Grand Est%'"
        )
        .await
            + count(
                "select count(*) from partnership_request p join maison m on m.id = p.maison_id
                 join organisation o on o.id = p.organisation_id
                 where m.name like '%Lille%' or o.name like 'France Travail Grand Est%'"
            )
            .await,
        0
    );
    let mut admin = app.client();
    let r = admin
        .login("admin@ave.example.org", mde::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, page) = admin.get_html("/comptes/propositions").await;
    assert_eq!(status, StatusCode::OK);
    for name in [
        "Nadia Roussel",
        "Thomas Gauthier",
        "Élodie Marchand",
        "Mehdi Haddad",
    ] {
        assert!(page.contains(name), "{name}");
    }
    assert!(page.contains("Accepter et inviter"));
    let (_, page) = admin.get_html("/organisations/a-examiner").await;
    assert!(page.contains("Ombeline Vasselin"), "{page}");
    let (_, page) = admin.get_html("/organisations/demandes").await;
    assert_eq!(
        page.matches("Accepter<span class=\"visually-hidden\"> la demande de ")
            .count(),
        3,
        "{page}"
    );
    // Each waits for a référent who sees it too.
    let referent: String = sqlx::query_scalar(
        "select r.email from account_proposal p
         join account r on r.organisation_id = p.organisation_id and r.referent
         where p.status = 'en_attente' order by p.id limit 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut referent_client = app.client();
    referent_client
        .login(&referent, mde::demo::DEMO_PASSWORD)
        .await;
    let (status, page) = referent_client.get_html("/comptes/propositions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Accepter et inviter"));
}
