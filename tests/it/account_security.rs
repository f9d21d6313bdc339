//! Account security (issue 14): « Mot de passe oublié ? » on the sign-in page (same answer whether or not the
//! address exists, throttled in the database, a reset link by e-mail, an admin to ask without SMTP) and the
//! person's sessions on /profil with « Se déconnecter partout ».

use reqwest::StatusCode;

use crate::fake_smtp::FakeSmtp;
use crate::helpers::*;

const FORGOT: &str = "/connexion/mot-de-passe-oublie";

async fn ask(c: &TestClient, email: &str) -> (StatusCode, String) {
    let r = c.post_raw(FORGOT, &[("email".into(), email.into())]).await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

/// The page's answer without the address typed (which it repeats).
fn answer(html: &str, email: &str) -> String {
    let start = html.find("<h1>").unwrap();
    html[start..].replace(email, "ADRESSE")
}

#[tokio::test]
async fn a_forgotten_password_gets_a_link_by_mail_and_the_answer_says_nothing_of_the_address() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app_with(|c| c.smtp = Some(smtp.config())).await;
    let w = app.world().await;
    let c = app.client();
    let (status, page) = c.get_html("/connexion").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("href=\"{FORGOT}\"")));
    let (status, _) = c.get_html(FORGOT).await;
    assert_eq!(status, StatusCode::OK);

    let (s1, known) = ask(&c, "Staff-A@test.example").await;
    let (s2, unknown) = ask(&c, "personne@inconnue.example").await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(
        answer(&known, "Staff-A@test.example"),
        answer(&unknown, "personne@inconnue.example")
    );
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["<staff-a@test.example>".to_owned()]);
    let text = mails[0].text();
    let start = text.find("/reinitialisation/").unwrap();
    let token: String = text[start + "/reinitialisation/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64);
    // Journaled on the account, by nobody, naming nobody.
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'account' and object_id = {}
              and action = 'lien_reinitialisation_demande' and account_id is null
              and summary not like '%staff%' and summary not like '%Personne%'",
            w.staff_a
        ))
        .await,
        1
    );
    // The link sets a new password.
    let mut c2 = app.client();
    let r = c2
        .post_raw(
            &format!("/reinitialisation/{token}"),
            &[
                ("password".into(), "un tout nouveau mot de passe".into()),
                ("confirmation".into(), "un tout nouveau mot de passe".into()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c2.login(STAFF_A, "un tout nouveau mot de passe").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn requests_of_links_are_throttled_per_address_and_per_client() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app_with(|c| c.smtp = Some(smtp.config())).await;
    app.world().await;
    let c = app.client();
    for _ in 0..3 {
        assert_eq!(ask(&c, STAFF_A).await.0, StatusCode::OK);
    }
    let (status, page) = ask(&c, STAFF_A).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("Trop de demandes"));
    // The same for an address that is nobody's: the limit tells nothing.
    for _ in 0..3 {
        assert_eq!(ask(&c, "x@inconnue.example").await.0, StatusCode::OK);
    }
    assert_eq!(
        ask(&c, "x@inconnue.example").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(smtp.wait_for(3).await.len(), 3);
    // Twenty requests from this client within the hour: the next one waits, whatever the address.
    sqlx::query(
        "insert into password_reset_request (email, ip)
         select 'autre' || n || '@test.example', '127.0.0.1' from generate_series(1, 14) n",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(ask(&c, STAFF_B).await.0, StatusCode::TOO_MANY_REQUESTS);
    // An hour later, free again.
    sqlx::query("update password_reset_request set at = at - interval '61 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(ask(&c, STAFF_B).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_smtp_the_page_says_to_ask_an_admin_and_makes_no_link() {
    let app = spawn_app().await;
    app.world().await;
    let c = app.client();
    let (status, page) = c.get_html(FORGOT).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("n'envoie pas d'e-mails"));
    let (status, page) = ask(&c, STAFF_A).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("administration du réseau"), "{page}");
    assert_eq!(app.count("select count(*) from account_token").await, 0);
    assert_eq!(
        app.count("select count(*) from password_reset_request")
            .await,
        0
    );
    let (status, _) = ask(&c, "pas-une-adresse").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

async fn signed_in_with_agent(app: &TestApp, email: &str, agent: &str) -> TestClient {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(agent)
        .build()
        .unwrap();
    let mut c = TestClient {
        http,
        base: app.addr.clone(),
        csrf: None,
    };
    let r = c.login(email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c
}

#[tokio::test]
async fn the_profile_lists_sessions_and_signs_out_everywhere() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut here = signed_in_with_agent(&app, STAFF_A, FIREFOX).await;
    let elsewhere = app.signed_in(STAFF_A).await;
    let other_person = app.signed_in(STAFF_B).await;
    let (status, page) = here.get_html("/profil").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(
            "Firefox sur Windows <span class=\"badge badge-success\">cette session</span>"
        ),
        "{page}"
    );
    assert!(page.contains("Appareil inconnu"));

    let r = here
        .post("/profil/sessions/fermer", &[("portee", "autres")])
        .await;
    assert_redirect_to(&r, "/profil");
    assert_eq!(
        elsewhere.get("/profil").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(here.get("/profil").await.status(), StatusCode::OK);
    assert_eq!(
        other_person.get("/profil").await.status(),
        StatusCode::OK,
        "someone else's sessions stay"
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_id = {} and action = 'deconnexion_partout'
              and summary = 'Déconnexion partout : 1 autre(s) session(s) fermée(s)'",
            w.staff_a
        ))
        .await,
        1
    );
    let r = here
        .post("/profil/sessions/fermer", &[("portee", "toutes")])
        .await;
    assert_redirect_to(&r, "/connexion?deconnexion=1");
    assert_eq!(here.get("/profil").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "select count(*) from session where account_id = {}",
            w.staff_a
        ))
        .await,
        0
    );
}
