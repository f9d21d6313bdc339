//! Accounts: rights per role, invitations (expiry, single use, re-sending), password-reset links,
//! deactivation, edits with optimistic locking, bad input, the audit journal and e-mail.

use reqwest::StatusCode;

use crate::fake_smtp::{FakeSmtp, closed_port};
use crate::helpers::*;

/// The path of the first single-use link (`/invitation/…` or `/reinitialisation/…`) on a page.
fn link_path(html: &str, prefix: &str) -> String {
    let start = html
        .find(&format!("{prefix}/"))
        .unwrap_or_else(|| panic!("no {prefix} link in page: {html}"));
    let token: String = html[start + prefix.len() + 1..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64, "token of 64 hex digits");
    format!("{prefix}/{token}")
}

/// The page's text with askama's escapes of apostrophes undone, to search for French messages.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'").replace("&#x27;", "'")
}

fn token_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

async fn account_id(app: &TestApp, email: &str) -> Option<i64> {
    sqlx::query_scalar("select id from account where lower(email) = lower($1)")
        .bind(email)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

async fn events(app: &TestApp, account: i64, action: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from event where object_type = 'account' and object_id = $1 and action = $2",
    )
    .bind(account)
    .bind(action)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// Invites a staff member of `maison` as `inviter`; returns (status, page).
async fn invite_staff(
    c: &mut TestClient,
    email: &str,
    name: &str,
    maison: i64,
) -> (StatusCode, String) {
    let m = maison.to_string();
    let r = c
        .post(
            "/comptes/inviter",
            &[
                ("email", email),
                ("name", name),
                ("role", "staff"),
                ("maison", &m),
                ("organisation", ""),
            ],
        )
        .await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

async fn invite_partner(
    c: &mut TestClient,
    email: &str,
    name: &str,
    organisation: i64,
) -> (StatusCode, String) {
    let o = organisation.to_string();
    let r = c
        .post(
            "/comptes/inviter",
            &[
                ("email", email),
                ("name", name),
                ("role", "partner"),
                ("maison", ""),
                ("organisation", &o),
            ],
        )
        .await;
    let status = r.status();
    (status, r.text().await.unwrap())
}

async fn accept(app: &TestApp, path: &str, password: &str) -> (TestClient, reqwest::Response) {
    let c = app.client();
    let r = c
        .post_raw(
            path,
            &[
                ("password".into(), password.into()),
                ("confirmation".into(), password.into()),
            ],
        )
        .await;
    (c, r)
}

const NEW_PASSWORD: &str = "une phrase de passe toute neuve";

#[tokio::test]
async fn only_admins_and_responsables_see_accounts() {
    let app = spawn_app().await;
    let w = app.world().await;
    for email in [STAFF_A, STAFF_B, PARTNER, OTHER_PARTNER] {
        let mut c = app.signed_in(email).await;
        let (_, home) = c.get_html("/").await;
        assert!(
            !home.contains("href=\"/comptes\""),
            "{email} has no nav entry"
        );
        for path in [
            "/comptes".to_owned(),
            "/comptes/inviter".to_owned(),
            format!("/comptes/{}", w.staff_a),
            format!("/comptes/{}", w.partner),
            format!("/comptes/{}/modifier", w.staff_a),
        ] {
            assert_eq!(
                c.get(&path).await.status(),
                StatusCode::NOT_FOUND,
                "{email} GET {path}"
            );
        }
        let s = w.staff_a.to_string();
        let m = w.maison_a.to_string();
        for (path, form) in [
            (
                "/comptes/inviter".to_owned(),
                vec![
                    ("email", "x@y.fr"),
                    ("name", "X"),
                    ("role", "staff"),
                    ("maison", m.as_str()),
                ],
            ),
            (format!("/comptes/{s}/desactiver"), vec![]),
            (format!("/comptes/{s}/reinitialisation"), vec![]),
            (format!("/comptes/{s}/invitation"), vec![]),
            (format!("/comptes/{}/reactiver", w.staff_b), vec![]),
            (
                format!("/comptes/{s}/modifier"),
                vec![("name", "Pirate"), ("email", STAFF_A), ("version", "1")],
            ),
        ] {
            let r = c.post(&path, &form).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{email} POST {path}");
        }
    }
    assert_eq!(
        app.count("select count(*) from account where not active")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from account where name = 'Pirate'")
            .await,
        0
    );
    assert_eq!(app.count("select count(*) from account").await, 6);
    assert_eq!(app.count("select count(*) from account_token").await, 0);

    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/comptes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/comptes\""), "nav entry for admins");
    for email in [ADMIN, RESP_A, STAFF_A, STAFF_B, PARTNER, OTHER_PARTNER] {
        assert!(html.contains(email), "admin sees {email}");
    }
    assert!(html.contains("6 comptes"));
}

#[tokio::test]
async fn a_responsable_manages_their_maison_and_its_partners_only() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut c = app.signed_in(RESP_A).await;
    let (status, html) = c.get_html("/comptes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("href=\"/comptes\""),
        "nav entry for responsables"
    );
    for email in [RESP_A, STAFF_A, PARTNER] {
        assert!(html.contains(email), "responsable sees {email}");
    }
    for email in [ADMIN, STAFF_B, OTHER_PARTNER] {
        assert!(!html.contains(email), "responsable does not see {email}");
    }
    for id in [w.staff_a, w.partner, w.responsable_a] {
        assert_eq!(
            c.get(&format!("/comptes/{id}")).await.status(),
            StatusCode::OK
        );
    }
    for id in [w.admin, w.staff_b, w.other_partner, 999_999] {
        assert_eq!(
            c.get(&format!("/comptes/{id}")).await.status(),
            StatusCode::NOT_FOUND
        );
        let r = c.post(&format!("/comptes/{id}/desactiver"), &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let r = c
            .post(&format!("/comptes/{id}/reinitialisation"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(
        app.count("select count(*) from account where not active")
            .await,
        0
    );
    assert_eq!(app.count("select count(*) from account_token").await, 0);
}

#[tokio::test]
async fn an_invitation_shows_the_link_and_stores_only_its_hash() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let (status, form) = admin
        .get_html(&format!("/comptes/inviter?maison={}", w.maison_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"form_key\""));
    let (status, html) = invite_staff(
        &mut admin,
        "Camille.Dupre@mde-a.fr",
        "Camille Dupré",
        w.maison_a,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("L'envoi d'e-mails n'est pas configuré"),
        "says no e-mail left"
    );
    let path = link_path(&html, "/invitation");
    assert!(
        html.contains(&format!("{}{path}", app.addr)),
        "full link shown"
    );
    let id = account_id(&app, "camille.dupre@mde-a.fr")
        .await
        .expect("account created");
    let (hash, role, maison, has_password): (String, String, Option<i64>, bool) = sqlx::query_as(
        "select t.token_hash, a.role, a.maison_id, a.password_hash is not null
         from account a join account_token t on t.account_id = a.id where a.id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        hash,
        sha256_hex(token_of(&path)),
        "only the SHA-256 is stored"
    );
    assert_eq!(
        (role.as_str(), maison, has_password),
        ("staff", Some(w.maison_a), false)
    );
    let days: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - now())::float8 / 86400 from account_token where account_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        (6.9..=7.01).contains(&days),
        "expires after 7 days, not {days}"
    );
    assert_eq!(events(&app, id, "invitation").await, 1);
    let actor: Option<i64> = sqlx::query_scalar(
        "select account_id from event where object_id = $1 and action = 'invitation'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(actor, Some(w.admin));

    // The list and the account page show the pending invitation; the page has its Historique.
    let (_, list) = admin.get_html("/comptes?statut=invitation").await;
    assert!(list.contains("Camille Dupré") && list.contains("Invitation en attente"));
    assert!(!list.contains(STAFF_A));
    let (status, page) = admin.get_html(&format!("/comptes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    // The journal names nobody itself: the name and address come from beside it when it is read.
    assert!(page.contains("Historique") && page.contains("Invitation : "));
    assert!(page.contains("Nom : <del>(vide)</del>") && page.contains("<ins>Camille Dupré</ins>"));
    assert!(page.contains("Renvoyer l'invitation"));
    // An invited person cannot sign in before choosing a password.
    let mut c = app.client();
    let r = c.login("camille.dupre@mde-a.fr", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_invitation_is_accepted_once_and_signs_the_person_in() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut resp = app.signed_in(RESP_A).await;
    let (status, html) =
        invite_partner(&mut resp, "lea@france-travail.test", "Léa Martin", w.org).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let path = link_path(&html, "/invitation");
    let id = account_id(&app, "lea@france-travail.test").await.unwrap();

    let visitor = app.client();
    let (status, page) = visitor.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Léa Martin") && page.contains("name=\"password\""));

    // Too short, then not confirmed: the form comes back with the message beside the field.
    for (password, confirmation, message) in [
        ("court", "court", "au moins 12 caractères"),
        (
            "une phrase assez longue",
            "une autre phrase longue",
            "ne sont pas identiques",
        ),
    ] {
        let r = visitor
            .post_raw(
                &path,
                &[
                    ("password".into(), password.into()),
                    ("confirmation".into(), confirmation.into()),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = r.text().await.unwrap();
        assert!(body.contains(message), "{message}");
        assert!(body.contains("aria-invalid=\"true\""));
    }
    assert_eq!(
        app.count("select count(*) from account_token where used_at is not null")
            .await,
        0
    );

    let (mut c, r) = accept(&app, &path, NEW_PASSWORD).await;
    assert_redirect_to(&r, "/");
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(cookie.starts_with("mde_session=") && cookie.contains("HttpOnly"));
    let (status, home) = c.get_html("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains("Bienvenue, Léa Martin"),
        "flash on the home page"
    );
    c.refresh_csrf().await;
    assert!(c.csrf.is_some(), "signed in");
    assert_eq!(events(&app, id, "invitation_acceptee").await, 1);
    let last: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select last_login_at from account where id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(last.is_some());

    // Single use: the link now says so, for GET and POST alike, and changes nothing.
    let (status, page) = app.client().get_html(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("Lien déjà utilisé") && page.contains("<h1>"));
    let (_, r) = accept(&app, &path, "encore une autre phrase").await;
    assert_eq!(r.status(), StatusCode::GONE);
    let mut again = app.client();
    assert_redirect_to(
        &again.login("lea@france-travail.test", NEW_PASSWORD).await,
        "/",
    );

    // The responsable sees the account as active now.
    let (_, list) = resp.get_html("/comptes?statut=actif").await;
    assert!(list.contains("Léa Martin"));
}

#[tokio::test]
async fn expired_unknown_and_malformed_links_get_a_clear_page() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let (_, html) = invite_staff(&mut admin, "tom@mde-b.fr", "Tom Petit", w.maison_b).await;
    let path = link_path(&html, "/invitation");
    sqlx::query("update account_token set expires_at = now() - interval '1 minute'")
        .execute(&app.db)
        .await
        .unwrap();
    let c = app.client();
    let (status, page) = c.get_html(&path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("Lien expiré") && page.contains("7 jours"));
    let (_, r) = accept(&app, &path, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        app.count("select count(*) from account where password_hash is null")
            .await,
        1
    );

    let unknown = format!("/invitation/{}", "ab".repeat(32));
    for p in [
        unknown.as_str(),
        "/invitation/nimportequoi",
        "/reinitialisation/%27%3B--",
        "/invitation/x",
    ] {
        let (status, page) = c.get_html(p).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
        assert!(page.contains("Lien invalide"), "{p}");
        let (_, r) = accept(&app, p, NEW_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
    }
    // An invitation link is not a reset link.
    let as_reset = path.replace("/invitation/", "/reinitialisation/");
    assert_eq!(c.get(&as_reset).await.status(), StatusCode::NOT_FOUND);

    // The account page tells the inviter, who sends a new link that works.
    let id = account_id(&app, "tom@mde-b.fr").await.unwrap();
    let (_, page) = admin.get_html(&format!("/comptes/{id}")).await;
    assert!(page.contains("Invitation expirée"));
    let r = admin.post(&format!("/comptes/{id}/invitation"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let fresh = link_path(&r.text().await.unwrap(), "/invitation");
    let (_, r) = accept(&app, &fresh, NEW_PASSWORD).await;
    assert_redirect_to(&r, "/");
}

#[tokio::test]
async fn resending_an_invitation_ends_the_previous_link() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut resp = app.signed_in(RESP_A).await;
    let (_, html) = invite_staff(&mut resp, "nina@mde-a.fr", "Nina Roux", w.maison_a).await;
    let first = link_path(&html, "/invitation");
    let id = account_id(&app, "nina@mde-a.fr").await.unwrap();
    let r = resp.post(&format!("/comptes/{id}/invitation"), &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let second = link_path(&r.text().await.unwrap(), "/invitation");
    assert_ne!(first, second);
    assert_eq!(app.client().get(&first).await.status(), StatusCode::GONE);
    assert_eq!(events(&app, id, "invitation_renvoyee").await, 1);
    let (_, r) = accept(&app, &first, NEW_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::GONE);
    let (_, r) = accept(&app, &second, NEW_PASSWORD).await;
    assert_redirect_to(&r, "/");
    // Once the password is chosen, there is nothing to re-send.
    let r = resp.post(&format!("/comptes/{id}/invitation"), &[]).await;
    assert_redirect_to(&r, &format!("/comptes/{id}"));
    assert_eq!(app.count("select count(*) from account_token").await, 2);
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_the_sessions() {
    let app = spawn_app().await;
    let w = app.world().await;
    let staff = app.signed_in(STAFF_A).await;
    let other_device = app.signed_in(STAFF_A).await;
    let mut resp = app.signed_in(RESP_A).await;
    let r = resp
        .post(&format!("/comptes/{}/reinitialisation", w.staff_a), &[])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Lien de réinitialisation"));
    let path = link_path(&html, "/reinitialisation");
    let hours: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - now())::float8 / 3600 from account_token where purpose = 'reset'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!((23.9..=24.01).contains(&hours), "24 hours, not {hours}");
    assert_eq!(events(&app, w.staff_a, "lien_reinitialisation").await, 1);
    // The link alone changes nothing yet.
    assert_eq!(staff.get("/").await.status(), StatusCode::OK);

    let (c, r) = accept(&app, &path, NEW_PASSWORD).await;
    assert_redirect_to(&r, "/");
    assert_redirect_to(&staff.get("/profil").await, "/connexion?next=%2Fprofil");
    assert_redirect_to(
        &other_device.get("/profil").await,
        "/connexion?next=%2Fprofil",
    );
    let (status, _) = c.get_html("/profil").await;
    assert_eq!(status, StatusCode::OK, "the person is signed in afresh");
    assert_eq!(events(&app, w.staff_a, "reinitialisation").await, 1);
    let mut old = app.client();
    assert_eq!(
        old.login(STAFF_A, PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_redirect_to(&old.login(STAFF_A, NEW_PASSWORD).await, "/");
    assert_eq!(app.client().get(&path).await.status(), StatusCode::GONE);

    // Reset links are for accounts that have a password; a pending one gets its invitation re-sent.
    let (_, html) = invite_staff(&mut resp, "zoe@mde-a.fr", "Zoé Blanc", w.maison_a).await;
    link_path(&html, "/invitation");
    let zoe = account_id(&app, "zoe@mde-a.fr").await.unwrap();
    let r = resp
        .post(&format!("/comptes/{zoe}/reinitialisation"), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{zoe}"));
    let (_, page) = resp.get_html(&format!("/comptes/{zoe}")).await;
    assert!(unescape(&page).contains("renvoyez-lui plutôt l'invitation"));
}

#[tokio::test]
async fn deactivation_ends_sessions_and_reactivation_restores_access() {
    let app = spawn_app().await;
    let w = app.world().await;
    let partner = app.signed_in(PARTNER).await;
    let mut resp = app.signed_in(RESP_A).await;
    let r = resp
        .post(&format!("/comptes/{}/desactiver", w.partner), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.partner));
    let (_, page) = resp.get_html(&format!("/comptes/{}", w.partner)).await;
    assert!(page.contains("est désactivé") && page.contains("Réactiver le compte"));
    assert_redirect_to(&partner.get("/").await, "/connexion");
    assert_eq!(
        app.count(&format!(
            "select count(*) from session where account_id = {}",
            w.partner
        ))
        .await,
        0
    );
    let mut c = app.client();
    assert_eq!(
        c.login(PARTNER, PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(events(&app, w.partner, "desactivation").await, 1);
    let (_, list) = resp.get_html("/comptes?statut=inactif").await;
    assert!(list.contains(PARTNER) && !list.contains(STAFF_A));

    let r = resp
        .post(&format!("/comptes/{}/reactiver", w.partner), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.partner));
    assert_redirect_to(&app.client().login(PARTNER, PASSWORD).await, "/");
    assert_eq!(events(&app, w.partner, "reactivation").await, 1);
    let changes: serde_json::Value = sqlx::query_scalar(
        "select changes from event where object_id = $1 and action = 'reactivation'",
    )
    .bind(w.partner)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(changes[0]["before"], serde_json::json!(false));
    assert_eq!(changes[0]["after"], serde_json::json!(true));

    // Nobody deactivates themselves.
    let r = resp
        .post(&format!("/comptes/{}/desactiver", w.responsable_a), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.responsable_a));
    let (_, page) = resp
        .get_html(&format!("/comptes/{}", w.responsable_a))
        .await;
    assert!(page.contains("Vous ne pouvez pas désactiver votre propre compte"));
    assert_eq!(
        app.count("select count(*) from account where not active")
            .await,
        0
    );
}

#[tokio::test]
async fn the_last_active_admin_stays_active() {
    let app = spawn_app().await;
    let w = app.world().await;
    let second = app
        .account("admin2@test.example", "admin", None, None, false)
        .await;
    let mut admin = app.signed_in(ADMIN).await;
    let r = admin
        .post(&format!("/comptes/{second}/desactiver"), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{second}"));
    assert_eq!(
        app.count("select count(*) from account where role = 'admin' and active")
            .await,
        1
    );
    // Only the first admin is left: neither they nor anyone else can deactivate them.
    let r = admin
        .post(&format!("/comptes/{}/desactiver", w.admin), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.admin));
    assert_eq!(
        app.count("select count(*) from account where role = 'admin' and active")
            .await,
        1
    );
    // Back to two: the rule lets one go, not the other.
    admin
        .post(&format!("/comptes/{second}/reactiver"), &[])
        .await;
    let mut other = app.signed_in("admin2@test.example").await;
    let r = other
        .post(&format!("/comptes/{}/desactiver", w.admin), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.admin));
    assert_eq!(
        app.count("select count(*) from account where role = 'admin' and active")
            .await,
        1
    );
    sqlx::query("update account set active = true where id = $1")
        .bind(w.admin)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update account set active = false where id <> $1 and role = 'admin'")
        .bind(w.admin)
        .execute(&app.db)
        .await
        .unwrap();
    // With the other admin inactive, deactivating the first would leave none.
    let mut admin = app.signed_in(ADMIN).await;
    let r = admin
        .post(&format!("/comptes/{}/desactiver", w.admin), &[])
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.admin));
    assert_eq!(
        app.count("select count(*) from account where role = 'admin' and active")
            .await,
        1
    );
}

#[tokio::test]
async fn bad_invitations_are_refused_beside_the_field_with_values_kept() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let accounts_before = app.count("select count(*) from account").await;
    let events_before = app
        .count("select count(*) from event where action <> 'connexion'")
        .await;
    let m = w.maison_a.to_string();
    let o = w.org.to_string();
    let long = "x".repeat(201);
    let cases = typed_field_cases(&m, &long)
        .into_iter()
        .chain(chosen_field_cases(&o));

    for (form, message, id) in cases {
        let r = admin.post("/comptes/inviter", &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let html = r.text().await.unwrap();
        assert!(unescape(&html).contains(message), "{message}");
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "{message} beside its field"
        );
        if !id.starts_with("maison") && !id.starts_with("organisation") {
            // The Maison and the organisation are not typed but come from the page the invitation
            // started from: their error says so with a link to choose, there is no input to mark.
            assert!(html.contains("aria-invalid=\"true\""), "{message}");
        }
        let typed_email = form
            .iter()
            .find(|(k, _)| *k == "email")
            .map(|(_, v)| *v)
            .unwrap_or("");
        assert!(
            html.contains(&format!("value=\"{typed_email}\"")),
            "typed e-mail kept"
        );
        if !message.contains("nom") && !message.contains("200") {
            assert!(
                html.contains("value=\"Nom Gardé\""),
                "typed name kept ({message})"
            );
        }
    }
    nul_characters_and_unknown_maisons_are_field_errors(&mut admin, &m).await;
    assert_eq!(
        app.count("select count(*) from account").await,
        accounts_before
    );
    assert_eq!(app.count("select count(*) from account_token").await, 0);
    assert_eq!(
        app.count("select count(*) from event where action <> 'connexion'")
            .await,
        events_before
    );
}

/// A refused invitation: the form, the message, the id of the error beside its field.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);

/// Bad values of the fields a person types: the address and the name.
fn typed_field_cases<'a>(m: &'a str, long: &'a str) -> Vec<Case<'a>> {
    vec![
        (
            vec![
                ("email", "STAFF-A@Test.Example"),
                ("name", "Nom Gardé"),
                ("role", "staff"),
                ("maison", m),
            ],
            "Un compte existe déjà avec cette adresse e-mail",
            "email-error",
        ),
        (
            vec![
                ("email", "pas-une-adresse"),
                ("name", "Nom Gardé"),
                ("role", "staff"),
                ("maison", m),
            ],
            "n'est pas valide",
            "email-error",
        ),
        (
            vec![
                ("email", "ok@mde.fr"),
                ("name", "   "),
                ("role", "staff"),
                ("maison", m),
            ],
            "Indiquez le nom",
            "name-error",
        ),
        (
            vec![
                ("email", "ok@mde.fr"),
                ("name", long),
                ("role", "staff"),
                ("maison", m),
            ],
            "200 caractères",
            "name-error",
        ),
    ]
}

/// Bad choices: the Maison, the organisation, the responsable box, the role.
fn chosen_field_cases(o: &str) -> Vec<Case<'_>> {
    vec![
        (
            vec![
                ("email", "ok@mde.fr"),
                ("name", "Nom Gardé"),
                ("role", "staff"),
                ("maison", ""),
            ],
            "Choisissez la Maison",
            "maison-error",
        ),
        (
            vec![
                ("email", "ok@mde.fr"),
                ("name", "Nom Gardé"),
                ("role", "partner"),
                ("organisation", ""),
            ],
            "Choisissez l'organisation",
            "organisation-error",
        ),
        (
            vec![
                ("email", "ok@mde.fr"),
                ("name", "Nom Gardé"),
                ("role", "partner"),
                ("organisation", o),
                ("responsable", "on"),
            ],
            "Seul un membre de l'équipe",
            "responsable-error",
        ),
        (
            vec![
                ("email", "ok@mde.fr"),
                ("name", "Nom Gardé"),
                ("role", "chef"),
            ],
            "Choisissez le rôle",
            "role-error",
        ),
    ]
}

/// NUL characters (refused by PostgreSQL) are field errors, not a 5xx. An unknown Maison (removed meanwhile)
/// is a field error too, not a 5xx.
async fn nul_characters_and_unknown_maisons_are_field_errors(admin: &mut TestClient, m: &str) {
    let r = admin
        .post(
            "/comptes/inviter",
            &[
                ("email", "nul\0@mde.fr"),
                ("name", "Nom\0nul"),
                ("role", "staff"),
                ("maison", m),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post(
            "/comptes/inviter",
            &[
                ("email", "ok@mde.fr"),
                ("name", "Nom"),
                ("role", "staff"),
                ("maison", "987654"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&r.text().await.unwrap()).contains("Cette Maison n'existe plus"));
}

#[tokio::test]
async fn a_responsable_cannot_invite_outside_their_maison_and_partners() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut resp = app.signed_in(RESP_A).await;
    let (status, form) = resp.get_html("/comptes/inviter").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!form.contains("role=admin"), "no admin role offered");
    assert!(form.contains("France Travail Nord") && !form.contains("CAPEB du Var"));
    assert!(!form.contains("Maison de l'emploi B"));
    assert!(form.contains(&format!("href=\"/comptes/inviter?maison={}\"", w.maison_a)));
    assert!(form.contains(&format!("href=\"/comptes/inviter?organisation={}\"", w.org)));
    // The contexts outside their rights are not found, as if they did not exist.
    for path in [
        format!("/comptes/inviter?maison={}", w.maison_b),
        format!("/comptes/inviter?organisation={}", w.other_org),
        "/comptes/inviter?role=admin".to_owned(),
    ] {
        assert_eq!(
            resp.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }

    let (status, _) = invite_staff(&mut resp, "intrus@mde-b.fr", "Intrus", w.maison_b).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another Maison");
    let (status, _) = invite_partner(&mut resp, "intrus@capeb.fr", "Intrus", w.other_org).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an organisation that does not partner the Maison"
    );
    let r = resp
        .post(
            "/comptes/inviter",
            &[
                ("email", "intrus@ave.fr"),
                ("name", "Intrus"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "an admin");
    assert_eq!(
        app.count("select count(*) from account where name = 'Intrus'")
            .await,
        0
    );

    within_their_rights(&app, &w, &mut resp).await;
}

/// Within their rights: staff of their Maison (responsable too) and people of its partners.
async fn within_their_rights(app: &TestApp, w: &World, resp: &mut TestClient) {
    let m = w.maison_a.to_string();
    let r = resp
        .post(
            "/comptes/inviter",
            &[
                ("email", "adjointe@mde-a.fr"),
                ("name", "Adjointe"),
                ("role", "staff"),
                ("maison", &m),
                ("responsable", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let responsable: bool =
        sqlx::query_scalar("select responsable from account where email = 'adjointe@mde-a.fr'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(responsable);
    // Without a Maison field, the responsable's own Maison is meant.
    let r = resp
        .post(
            "/comptes/inviter",
            &[
                ("email", "b@mde-a.fr"),
                ("name", "Sans champ"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let maison: Option<i64> =
        sqlx::query_scalar("select maison_id from account where email = 'b@mde-a.fr'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(maison, Some(w.maison_a));
    let (status, _) = invite_partner(resp, "p2@ft.fr", "Partenaire deux", w.org).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_form_sent_twice_invites_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let m = w.maison_a.to_string();
    let form = [
        ("email", "double@mde-a.fr"),
        ("name", "Double"),
        ("role", "staff"),
        ("maison", m.as_str()),
        ("form_key", "une-cle-de-formulaire-unique"),
    ];
    assert_eq!(
        admin.post("/comptes/inviter", &form).await.status(),
        StatusCode::OK
    );
    let r = admin.post("/comptes/inviter", &form).await;
    assert_redirect_to(&r, "/comptes");
    let (_, list) = admin.get_html("/comptes").await;
    assert!(list.contains("déjà été enregistrée"));
    assert_eq!(
        app.count("select count(*) from account where email = 'double@mde-a.fr'")
            .await,
        1
    );
    assert_eq!(app.count("select count(*) from account_token").await, 1);
    // A key no form of ours makes (a NUL in it) is not claimed, and is no 500 either.
    let form = [
        ("email", "cle@mde-a.fr"),
        ("name", "Clé bizarre"),
        ("role", "staff"),
        ("maison", m.as_str()),
        ("form_key", "a\0b"),
    ];
    assert_eq!(
        admin.post("/comptes/inviter", &form).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn edits_are_recorded_and_a_stale_form_is_refused() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let mut resp = app.signed_in(RESP_A).await;
    let (status, form) = admin
        .get_html(&format!("/comptes/{}/modifier", w.staff_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"version\" value=\"1\""));
    let path = format!("/comptes/{}/modifier", w.staff_a);

    let r = resp
        .post(
            &path,
            &[
                ("name", "Alice Bernard"),
                ("email", STAFF_A),
                ("responsable", "on"),
                ("version", "1"),
            ],
        )
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.staff_a));
    let (name, responsable, version): (String, bool, i32) =
        sqlx::query_as("select name, responsable, version from account where id = $1")
            .bind(w.staff_a)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (name.as_str(), responsable, version),
        ("Alice Bernard", true, 2)
    );

    // The admin's form still says version 1: refused, their text kept, nothing overwritten.
    let r = admin
        .post(
            &path,
            &[
                ("name", "Texte de l'admin"),
                ("email", STAFF_A),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(unescape(&html).contains("modifié par quelqu'un d'autre"));
    assert!(
        html.contains("value=\"Texte de l&#39;admin\"")
            || html.contains("value=\"Texte de l&#x27;admin\""),
        "{html}"
    );
    assert!(html.contains("Valeur enregistrée : Alice Bernard"));
    assert!(html.contains("name=\"version\" value=\"2\""));
    let name: String = sqlx::query_scalar("select name from account where id = $1")
        .bind(w.staff_a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Alice Bernard");

    bad_values_come_back_beside_their_field(&app, &w, &mut admin, &path).await;
    a_partner_has_no_responsable_flag(&app, &w, &mut admin).await;
}

/// Bad values come back beside their field; an e-mail taken by another account too. The history tells the
/// one edit.
async fn bad_values_come_back_beside_their_field(
    app: &TestApp,
    w: &World,
    admin: &mut TestClient,
    path: &str,
) {
    let r = admin
        .post(path, &[("name", ""), ("email", STAFF_A), ("version", "2")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("Indiquez le nom"));
    let r = admin
        .post(
            path,
            &[
                ("name", "Alice Bernard"),
                ("email", "Staff-B@test.example"),
                ("version", "2"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Un autre compte utilise déjà cette adresse")
            && html.contains("value=\"Staff-B@test.example\"")
    );

    assert_eq!(events(app, w.staff_a, "modification").await, 1);
    let (_, page) = admin.get_html(&format!("/comptes/{}", w.staff_a)).await;
    assert!(page.contains("Compte modifié") && page.contains("<ins>Alice Bernard</ins>"));
    assert!(
        page.contains("Responsable de la Maison"),
        "role change in the Historique"
    );
    assert!(page.contains("<del>Personne staff-a@test.example</del>"));
}

/// A partner account has no responsable flag: ticking it changes nothing.
async fn a_partner_has_no_responsable_flag(app: &TestApp, w: &World, admin: &mut TestClient) {
    let r = admin
        .post(
            &format!("/comptes/{}/modifier", w.partner),
            &[
                ("name", "Paul Partenaire"),
                ("email", PARTNER),
                ("responsable", "on"),
                ("version", "1"),
            ],
        )
        .await;
    assert_redirect_to(&r, &format!("/comptes/{}", w.partner));
    let responsable: bool = sqlx::query_scalar("select responsable from account where id = $1")
        .bind(w.partner)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!responsable);
}

#[tokio::test]
async fn the_list_filters_searches_and_paginates() {
    let app = spawn_app().await;
    let w = app.world().await;
    for i in 0..55 {
        app.account(
            &format!("equipe{i:02}@mde-b.fr"),
            "staff",
            Some(w.maison_b),
            None,
            false,
        )
        .await;
    }
    let admin = app.signed_in(ADMIN).await;
    let (_, html) = admin.get_html("/comptes?role=partner").await;
    assert!(html.contains(PARTNER) && html.contains(OTHER_PARTNER) && !html.contains(STAFF_A));
    let (_, html) = admin.get_html("/comptes?role=responsable").await;
    assert!(html.contains(RESP_A) && !html.contains(STAFF_A));
    let (_, html) = admin
        .get_html(&format!("/comptes?maison={}", w.maison_a))
        .await;
    assert!(html.contains(RESP_A) && html.contains(STAFF_A) && !html.contains(STAFF_B));
    let (_, html) = admin
        .get_html(&format!("/comptes?organisation={}", w.other_org))
        .await;
    assert!(html.contains(OTHER_PARTNER) && !html.contains(PARTNER));
    let (_, html) = admin.get_html("/comptes?q=RESP-A").await;
    assert!(html.contains(RESP_A) && html.contains("1 compte") && !html.contains(STAFF_A));
    let (_, html) = admin.get_html("/comptes?q=capeb").await;
    assert!(
        html.contains(OTHER_PARTNER) && html.contains("1 compte"),
        "search by organisation"
    );
    let (_, html) = admin.get_html("/comptes?q=emploi%20a").await;
    assert!(
        html.contains(RESP_A) && html.contains(STAFF_A) && !html.contains(STAFF_B),
        "search by Maison"
    );
    let (_, html) = admin
        .get_html(&format!("/comptes?maison={}&q=staff", w.maison_a))
        .await;
    assert!(
        html.contains("Comptes de la Maison « Maison de l&#39;emploi A »")
            || html.contains("Comptes de la Maison « Maison de l&#x27;emploi A »"),
        "{html}"
    );
    assert!(html.contains(STAFF_A) && !html.contains(RESP_A));
    let (status, _) = admin.get_html("/comptes?q=a%00b").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a NUL in the search is dropped, not a 500"
    );
    let (_, html) = admin.get_html("/comptes?q=100%25_").await;
    assert!(html.contains("Aucun compte ne correspond"));
    let (status, html) = admin
        .get_html("/comptes?role=nimporte&maison=abc&page=-3&statut=%3Cx%3E")
        .await;
    assert_eq!(status, StatusCode::OK, "odd filters are ignored");
    assert!(html.contains("61 comptes") && html.contains("page 1 sur 2"));
    let (_, html) = admin.get_html("/comptes?role=staff&page=2").await;
    assert!(
        html.contains("58 comptes")
            && html.contains("page 2 sur 2")
            && html.contains("rel=\"prev\"")
    );
    assert_eq!(
        html.matches("<tr>").count(),
        1 + 8,
        "header + the 8 accounts of page 2"
    );
    let (status, _) = admin.get_html("/comptes?page=99").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn invitations_are_mailed_when_smtp_is_configured() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app_with(|c| c.smtp = Some(smtp.config())).await;
    let w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let (status, html) =
        invite_staff(&mut admin, "mail@mde-a.fr", "Marie Courriel", w.maison_a).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Un e-mail contenant ce lien a été envoyé à mail@mde-a.fr"));
    let path = link_path(&html, "/invitation");
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, vec!["<mail@mde-a.fr>".to_owned()]);
    assert!(mail.from.contains("portail@mde.test"));
    let text = mail.text();
    assert!(
        text.contains(&format!("{}{path}", app.addr)),
        "the link is in the e-mail: {text}"
    );
    assert!(text.contains("Subject:"));

    // A reset link goes by e-mail too.
    let r = admin
        .post(&format!("/comptes/{}/reinitialisation", w.staff_a), &[])
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("a été envoyé à staff-a@test.example")
    );
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails.len(), 2);
    assert!(mails[1].text().contains("/reinitialisation/"));
}

#[tokio::test]
async fn a_mail_server_that_does_not_answer_does_not_fail_the_invitation() {
    let port = closed_port().await;
    let app = spawn_app_with(|c| {
        c.smtp = Some(mde::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
            from: "portail@mde.test".into(),
        })
    })
    .await;
    let w = app.world().await;
    let mut admin = app.signed_in(ADMIN).await;
    let (status, html) =
        invite_staff(&mut admin, "panne@mde-a.fr", "Pierre Panne", w.maison_a).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("n'a pas pu être envoyé"));
    let path = link_path(&html, "/invitation");
    let (_, r) = accept(&app, &path, NEW_PASSWORD).await;
    assert_redirect_to(&r, "/");
}

/// The invitation starts from its context (a Maison, an organisation): no page lists the whole network in
/// a `<select>`; an admin without a context searches (GET, filtered by the server, 20 results at most).
#[tokio::test]
async fn invitations_start_from_a_maison_or_an_organisation() {
    let app = spawn_app().await;
    let w = app.world().await;
    for i in 0..30 {
        app.maison(&format!("Maison de l'Emploi du Bassin {i:02}"))
            .await;
        app.organisation(&format!("Mission locale numéro {i:02}"), "mission_locale")
            .await;
    }
    let admin = app.signed_in(ADMIN).await;

    the_chooser_searches_by_name(&admin, &w).await;
    a_context_shows_in_the_form(&admin, &w).await;
    the_pages_link_to_the_invitation(&app, &w, &admin).await;
}

/// The chooser: two search fields, no list of Maisons or organisations. A search by name, accents and case
/// ignored, bounded to 20.
async fn the_chooser_searches_by_name(admin: &TestClient, w: &World) {
    let (status, html) = admin.get_html("/comptes/inviter").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("<select"), "no select on the chooser");
    assert!(!html.contains("Maison de l'Emploi du Bassin"));
    assert!(html.contains("name=\"maison_q\"") && html.contains("name=\"organisation_q\""));
    assert!(html.contains("href=\"/comptes/inviter?role=admin\""));

    let (status, html) = admin.get_html("/comptes/inviter?maison_q=BASSIN").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("href=\"/comptes/inviter?maison=").count(), 20);
    assert!(unescape(&html).contains("Les 20 premières Maisons"));
    let (_, html) = admin
        .get_html("/comptes/inviter?maison_q=emploi%20A&organisation_q=numero%2007")
        .await;
    assert!(html.contains(&format!("href=\"/comptes/inviter?maison={}\"", w.maison_a)));
    assert_eq!(
        html.matches("href=\"/comptes/inviter?organisation=")
            .count(),
        1
    );
    assert!(html.contains("Mission locale numéro 07"));
    let (status, html) = admin
        .get_html("/comptes/inviter?organisation_q=%25%00_")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(unescape(&html).contains("Aucune organisation ne correspond"));
}

/// With a context, the form shows it and carries it; the role follows from it.
async fn a_context_shows_in_the_form(admin: &TestClient, w: &World) {
    let (status, html) = admin
        .get_html(&format!("/comptes/inviter?maison={}", w.maison_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(unescape(&html).contains("Inviter un membre de l'équipe"));
    assert!(
        html.contains("Maison de l&#39;emploi A") || html.contains("Maison de l&#x27;emploi A")
    );
    assert!(html.contains(&format!("name=\"maison\" value=\"{}\"", w.maison_a)));
    assert!(html.contains("name=\"role\" value=\"staff\""));
    assert!(html.contains("name=\"responsable\""));
    assert!(!html.contains("<select"));
    let (status, html) = admin
        .get_html(&format!("/comptes/inviter?organisation={}", w.other_org))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("CAPEB du Var") && html.contains("name=\"role\" value=\"partner\""));
    assert!(!html.contains("name=\"responsable\""));
    let (status, html) = admin.get_html("/comptes/inviter?role=admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"role\" value=\"admin\""));
    for path in [
        "/comptes/inviter?maison=987654",
        "/comptes/inviter?organisation=987654",
    ] {
        assert_eq!(
            admin.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

/// The pages the invitation starts from link to it, for those who may invite.
async fn the_pages_link_to_the_invitation(app: &TestApp, w: &World, admin: &TestClient) {
    let maison_a = format!("/maisons/{}", w.maison_a);
    let invite_staff = format!("href=\"/comptes/inviter?maison={}\"", w.maison_a);
    let invite_partner = format!("href=\"/comptes/inviter?organisation={}\"", w.org);
    let team_accounts = format!("href=\"/comptes?maison={}\"", w.maison_a);
    let resp = app.signed_in(RESP_A).await;
    for c in [admin, &resp] {
        let (_, html) = c.get_html(&maison_a).await;
        assert!(html.contains(&invite_staff) && html.contains(&invite_partner));
        assert!(html.contains(&team_accounts));
        let (_, html) = c.get_html(&format!("/organisations/{}", w.org)).await;
        assert!(html.contains(&invite_partner));
        assert!(html.contains(&format!("href=\"/comptes?organisation={}\"", w.org)));
    }
    let (_, html) = resp.get_html(&format!("/maisons/{}", w.maison_b)).await;
    assert!(!html.contains("/comptes/inviter") && !html.contains("href=\"/comptes?"));
    let (_, html) = resp
        .get_html(&format!("/organisations/{}", w.other_org))
        .await;
    assert!(!html.contains("/comptes/inviter"));
    let staff = app.signed_in(STAFF_A).await;
    for path in [maison_a.clone(), format!("/organisations/{}", w.org)] {
        let (_, html) = staff.get_html(&path).await;
        assert!(
            !html.contains("/comptes/inviter") && !html.contains("href=\"/comptes?"),
            "{path}"
        );
    }
    // The account lists those links open: the team, the organisation's people.
    let (status, html) = resp
        .get_html(&format!("/comptes?maison={}", w.maison_a))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(STAFF_A) && !html.contains(PARTNER));
    assert!(html.contains(&invite_staff));
    let (_, html) = resp
        .get_html(&format!("/comptes?organisation={}", w.org))
        .await;
    assert!(html.contains(PARTNER) && !html.contains(STAFF_A));
    assert!(html.contains(&invite_partner));
    // Another Maison's id in a responsable's filter names nothing and offers no invitation there.
    let (_, html) = resp
        .get_html(&format!("/comptes?maison={}", w.maison_b))
        .await;
    assert!(
        !html.contains("Maison de l&#39;emploi B") && !html.contains("Maison de l&#x27;emploi B")
    );
    assert!(!html.contains(&format!("/comptes/inviter?maison={}", w.maison_b)));
}
