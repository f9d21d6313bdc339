//! Notifications people control (issue 17): the defaults per role, the choices on `/profil/notifications`
//! that `notify` follows, the digests (content, one per person and period, once across two processes,
//! nothing for who opted out) against the test SMTP server, and the signed unsubscribe link (good, forged,
//! expired), with its `List-Unsubscribe` header.

use chrono::{DateTime, Utc};
use mde::notifications::unsubscribe::{self, Target};
use mde::notifications::{Channel, Kind, Topic};
use reqwest::StatusCode;

use crate::fake_smtp::FakeSmtp;
use crate::helpers::*;

async fn tell(app: &TestApp, who: &[i64], kind: Kind, message: &str) {
    let mut conn = app.db.acquire().await.unwrap();
    mde::notifications::notify(&mut conn, who, kind, message, "/notifications")
        .await
        .unwrap();
}

/// The channel the latest notification of this kind to `account` was given (none: not notified).
async fn channel_of(app: &TestApp, account: i64, kind: Kind) -> Option<String> {
    sqlx::query_scalar(
        "select channel from notification where account_id = $1 and kind = $2 order by id desc limit 1",
    )
    .bind(account)
    .bind(kind.as_str())
    .fetch_optional(&app.db)
    .await
    .unwrap()
}

/// A configuration that mails through `smtp`, as a `mde serve` process of this app would have.
fn mailing(app: &TestApp, smtp: &FakeSmtp) -> mde::config::Config {
    let mut config = mde::config::Config::for_tests(app.database_url.clone());
    config.base_url = "https://portail.example.org".into();
    config.smtp = Some(smtp.config());
    config
}

/// Monday 7 December 2026, 9:00 in Paris: the day's and the week's digests are due.
fn monday_morning() -> DateTime<Utc> {
    "2026-12-07T08:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn each_role_has_its_defaults_and_notify_follows_them() {
    let app = spawn_app().await;
    let w = app.world().await;
    let everyone = [w.admin, w.responsable_a, w.staff_a, w.partner];
    tell(&app, &everyone, Kind::Commentaire, "Un commentaire").await;
    tell(
        &app,
        &everyone,
        Kind::ActionEnRetard,
        "Une action en retard",
    )
    .await;
    tell(&app, &everyone, Kind::Pratique, "Une pratique").await;
    tell(&app, &everyone, Kind::CopilDecision, "Une décision").await;
    let expect = [
        (
            Kind::Commentaire,
            ["portail", "quotidien", "immediat", "portail"],
        ),
        (
            Kind::ActionEnRetard,
            ["quotidien", "quotidien", "quotidien", "quotidien"],
        ),
        (
            Kind::Pratique,
            ["immediat", "hebdomadaire", "hebdomadaire", "hebdomadaire"],
        ),
        (
            Kind::CopilDecision,
            ["immediat", "immediat", "quotidien", "quotidien"],
        ),
    ];
    for (kind, channels) in expect {
        for (account, channel) in everyone.iter().zip(channels) {
            assert_eq!(
                channel_of(&app, *account, kind).await.as_deref(),
                Some(channel),
                "{kind:?} for account {account}"
            );
        }
    }
    // The page shows the defaults, and only the topics of the role.
    let staff = app.signed_in(STAFF_A).await;
    let (status, html) = staff.get_html("/profil/notifications").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Commentaires sur les diagnostics de votre Maison"),
        "{html}"
    );
    assert!(
        !html.contains("Diagnostics partagés avec votre organisation"),
        "{html}"
    );
    assert!(
        html.contains(
            r#"<option value="immediat" selected>Par courriel, immédiatement (par défaut)</option>"#
        ),
        "{html}"
    );
    let partner = app.signed_in(PARTNER).await;
    let (_, html) = partner.get_html("/profil/notifications").await;
    assert!(
        html.contains("Diagnostics partagés avec votre organisation"),
        "{html}"
    );
    assert!(
        !html.contains("Commentaires sur les diagnostics de votre Maison"),
        "{html}"
    );
    // Signed out: to the sign-in page.
    let r = app.client().get("/profil/notifications").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario read in order; to be split into named steps (issue 13)"
)]
async fn a_person_chooses_and_notify_obeys() {
    let app = spawn_app().await;
    let w = app.world().await;
    tell(&app, &[w.staff_a], Kind::Commentaire, "En attente d'envoi").await;
    let mut staff = app.signed_in(STAFF_A).await;
    // Without the CSRF token: refused, nothing saved.
    let r = staff
        .post_raw(
            "/profil/notifications",
            &[("commentaires".into(), "aucune".into())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An unknown channel: the message beside its field, nothing saved.
    let r = staff
        .post(
            "/profil/notifications",
            &[("commentaires", "pigeon"), ("actions_en_retard", "portail")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Choisissez une des possibilités proposées."),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-describedby="canal-commentaires-error""#),
        "{html}"
    );
    assert_eq!(
        app.count("select count(*) from notification_preference")
            .await,
        0
    );
    let r = staff
        .post(
            "/profil/notifications",
            &[
                ("commentaires", "hebdomadaire"),
                ("actions_en_retard", "aucune"),
                ("reponses", "immediat"),
            ],
        )
        .await;
    assert_redirect_to(&r, "/profil/notifications");
    // Only the choices that differ from the default are kept; the pending comment moved with the choice.
    let kept: Vec<(String, String)> = sqlx::query_as(
        "select topic, channel from notification_preference where account_id = $1 order by topic",
    )
    .bind(w.staff_a)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        kept,
        vec![
            ("actions_en_retard".into(), "aucune".into()),
            ("commentaires".into(), "hebdomadaire".into()),
        ]
    );
    assert_eq!(
        channel_of(&app, w.staff_a, Kind::Commentaire)
            .await
            .as_deref(),
        Some("hebdomadaire")
    );
    tell(
        &app,
        &[w.staff_a, w.responsable_a],
        Kind::ActionEnRetard,
        "En retard",
    )
    .await;
    assert_eq!(
        channel_of(&app, w.staff_a, Kind::ActionEnRetard).await,
        None
    );
    assert_eq!(
        channel_of(&app, w.responsable_a, Kind::ActionEnRetard)
            .await
            .as_deref(),
        Some("quotidien")
    );
    // Journaled on the account, with the labels.
    let (summary, changes): (String, String) = sqlx::query_as(
        "select summary, changes::text from event
         where object_type = 'account' and object_id = $1 and action = 'preferences_notifications'",
    )
    .bind(w.staff_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(summary, "Préférences de notification modifiées");
    assert!(changes.contains("Ne pas me prévenir"), "{changes}");
    // The page shows the choices; the same form again changes nothing.
    let (_, html) = staff.get_html("/profil/notifications").await;
    assert!(
        html.contains("Vos préférences de notification sont enregistrées."),
        "{html}"
    );
    assert!(
        html.contains(
            r#"<option value="hebdomadaire" selected>Dans un récapitulatif hebdomadaire</option>"#
        ),
        "{html}"
    );
    let r = staff
        .post("/profil/notifications", &[("commentaires", "hebdomadaire")])
        .await;
    assert_redirect_to(&r, "/profil/notifications");
    let (_, html) = staff.get_html("/profil/notifications").await;
    assert!(html.contains("Aucune modification."), "{html}");
    // Back to the default: the row goes, the default applies again.
    staff
        .post("/profil/notifications", &[("commentaires", "immediat")])
        .await;
    assert_eq!(
        app.count(&format!(
            "select count(*) from notification_preference where account_id = {} and topic = 'commentaires'",
            w.staff_a
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn immediate_mails_follow_the_choice_and_carry_the_unsubscribe_link() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app().await;
    let w = app.world().await;
    // Staff: comments at once (default); the responsable reads them in the daily digest.
    tell(
        &app,
        &[w.staff_a, w.responsable_a],
        Kind::Commentaire,
        "Julien a commenté le diagnostic « 2026 ».",
    )
    .await;
    let state = mde::AppState::new(app.db.clone(), mailing(&app, &smtp));
    let sent = mde::notifications::mail::mail_pending(&state, &smtp.config())
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let mails = smtp.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, vec!["<staff-a@test.example>".to_owned()]);
    let text = read(&mails[0]);
    assert!(
        text.contains("List-Unsubscribe: <https://portail.example.org/desabonnement/"),
        "{text}"
    );
    assert!(
        text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{text}"
    );
    assert!(
        text.contains("Pour ne plus recevoir les notifications « Commentaires sur les diagnostics de votre Maison » par courriel"),
        "{text}"
    );
    // The link in the body is the header's, and it works for this person and this topic.
    let token = link_token(&text);
    let (status, html) = app
        .client()
        .get_html(&format!("/desabonnement/{token}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Commentaires sur les diagnostics de votre Maison"),
        "{html}"
    );
}

/// A captured message as a person reads it: quoted-printable undone (the French letters too).
fn read(m: &crate::fake_smtp::Captured) -> String {
    let raw = m.text();
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token of the first unsubscribe address in a message.
fn link_token(text: &str) -> String {
    let start = text.find("/desabonnement/").unwrap() + "/desabonnement/".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_' || *c == '-')
        .collect()
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario read in order; to be split into named steps (issue 13)"
)]
async fn a_digest_lists_what_happened_once_per_person_and_period() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app().await;
    let w = app.world().await;
    tell(
        &app,
        &[w.staff_a],
        Kind::ActionEnRetard,
        "L'action « Forum de l'emploi » est en retard.",
    )
    .await;
    tell(
        &app,
        &[w.staff_a],
        Kind::CopilDecision,
        "Maison A — Plan validé par le comité de pilotage",
    )
    .await;
    tell(
        &app,
        &[w.staff_a],
        Kind::Pratique,
        "Une pratique est publiée : « Job dating ».",
    )
    .await;
    tell(
        &app,
        &[w.staff_a],
        Kind::Reponse,
        "Une réponse, envoyée tout de suite.",
    )
    .await;
    let config = mailing(&app, &smtp);
    // Before 7 h nothing is due.
    let early: DateTime<Utc> = "2026-12-07T05:00:00Z".parse().unwrap();
    assert_eq!(
        mde::notifications::send_digests(&app.db, &config, early)
            .await
            .unwrap(),
        0
    );
    let sent = mde::notifications::send_digests(&app.db, &config, monday_morning())
        .await
        .unwrap();
    assert_eq!(sent, 2, "the day's and the week's");
    let mails = smtp.wait_for(2).await;
    assert_eq!(mails.len(), 2);
    let daily = mails
        .iter()
        .map(read)
        .find(|t| t.contains("quotidien"))
        .unwrap();
    assert!(daily.contains("Actions en retard (1)"), "{daily}");
    assert!(
        daily.contains("L'action « Forum de l'emploi » est en retard."),
        "{daily}"
    );
    assert!(
        daily.contains("Décisions du comité de pilotage et avis du réseau sur les plans (1)"),
        "{daily}"
    );
    assert!(daily.contains("2 notifications"), "{daily}");
    assert!(!daily.contains("Job dating"), "{daily}");
    assert!(!daily.contains("envoyée tout de suite"), "{daily}");
    assert!(
        daily.contains("List-Unsubscribe: <https://portail.example.org/desabonnement/"),
        "{daily}"
    );
    assert!(
        daily.contains("Pour ne plus recevoir le récapitulatif quotidien"),
        "{daily}"
    );
    let weekly = mails
        .iter()
        .map(read)
        .find(|t| t.contains("hebdomadaire"))
        .unwrap();
    assert!(weekly.contains("Job dating"), "{weekly}");
    assert!(weekly.contains("semaine du 07/12/2026"), "{weekly}");
    // Stamped, recorded once: a second run the same day sends nothing, even with a new notification.
    tell(
        &app,
        &[w.staff_a],
        Kind::ActionEnRetard,
        "Une autre action en retard.",
    )
    .await;
    assert_eq!(
        mde::notifications::send_digests(&app.db, &config, monday_morning())
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.count("select count(*) from notification_digest where period = 'quotidien'")
            .await,
        1
    );
    // The next day, the new one goes.
    let tuesday: DateTime<Utc> = "2026-12-08T08:00:00Z".parse().unwrap();
    assert_eq!(
        mde::notifications::send_digests(&app.db, &config, tuesday)
            .await
            .unwrap(),
        1
    );
    let mails = smtp.wait_for(3).await;
    assert_eq!(mails.len(), 3);
    assert!(read(&mails[2]).contains("Une autre action en retard."));
    assert!(!read(&mails[2]).contains("Forum de l'emploi"));
    // Without SMTP settings nothing is sent and nothing stamped.
    tell(&app, &[w.staff_a], Kind::ActionEnRetard, "Encore une.").await;
    let unconfigured = mde::config::Config::for_tests(app.database_url.clone());
    let wednesday: DateTime<Utc> = "2026-12-09T08:00:00Z".parse().unwrap();
    assert_eq!(
        mde::notifications::send_digests(&app.db, &unconfigured, wednesday)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.count(
            "select count(*) from notification where mailed_at is null and channel = 'quotidien'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn two_processes_send_one_digest() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app().await;
    let w = app.world().await;
    for i in 0..3 {
        tell(
            &app,
            &[w.staff_a, w.responsable_a],
            Kind::ActionEnRetard,
            &format!("Action {i} en retard."),
        )
        .await;
    }
    // Two processes: two pools and two configurations on the same database, at the same moment.
    let other = mde::db::pool(&app.database_url, 5).await.unwrap();
    let (a, b) = (mailing(&app, &smtp), mailing(&app, &smtp));
    let (ra, rb) = tokio::join!(
        mde::notifications::send_digests(&app.db, &a, monday_morning()),
        mde::notifications::send_digests(&other, &b, monday_morning()),
    );
    assert_eq!(ra.unwrap() + rb.unwrap(), 2, "one per person");
    let mails = smtp.wait_for(3).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = if mails.len() < 3 {
        smtp.messages()
    } else {
        mails
    };
    assert_eq!(mails.len(), 2);
    let mut to: Vec<String> = mails.iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, vec!["<resp-a@test.example>", "<staff-a@test.example>"]);
    // Through the job runner of each process: due once, and nothing left to send.
    let jobs = (
        mde::notifications::digest_job(&a),
        mde::notifications::digest_job(&b),
    );
    let (ja, jb) = tokio::join!(
        mde::web::jobs::run_if_due(&app.db, &jobs.0),
        mde::web::jobs::run_if_due(&other, &jobs.1),
    );
    assert!(ja.unwrap() ^ jb.unwrap());
    assert_eq!(smtp.messages().len(), 2);
}

#[tokio::test]
async fn who_opted_out_gets_no_digest() {
    let smtp = FakeSmtp::start().await;
    let app = spawn_app().await;
    let w = app.world().await;
    tell(
        &app,
        &[w.staff_a, w.responsable_a],
        Kind::ActionEnRetard,
        "Action en retard.",
    )
    .await;
    // The staff member turns the late actions to the portal only, after they were told: nothing is mailed.
    let mut staff = app.signed_in(STAFF_A).await;
    staff
        .post("/profil/notifications", &[("actions_en_retard", "portail")])
        .await;
    // The responsable follows the daily digest's link.
    let mut conn = app.db.acquire().await.unwrap();
    let config = mailing(&app, &smtp);
    let url = unsubscribe::link(
        &mut conn,
        &config,
        w.responsable_a,
        Target::Digest(Channel::Quotidien),
        Utc::now(),
    )
    .await
    .unwrap();
    let token = link_token(&url);
    let r = app
        .client()
        .post_raw(&format!("/desabonnement/{token}"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        mde::notifications::send_digests(&app.db, &config, monday_morning())
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(smtp.messages().is_empty());
    // Both still see it in the portal.
    assert_eq!(
        app.count("select count(*) from notification where kind = 'action_en_retard' and channel = 'portail'").await,
        2
    );
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one scenario read in order; to be split into named steps (issue 13)"
)]
async fn the_unsubscribe_link_needs_no_session_and_only_a_good_token_works() {
    let app = spawn_app().await;
    let w = app.world().await;
    let config = mde::config::Config::for_tests(app.database_url.clone());
    let mut conn = app.db.acquire().await.unwrap();
    let key = unsubscribe::key(&mut conn, &config).await.unwrap();
    let later = (Utc::now() + chrono::Duration::days(30)).timestamp();
    let good = unsubscribe::token(&key, w.staff_a, Target::Topic(Topic::Commentaires), later);
    tell(&app, &[w.staff_a], Kind::Commentaire, "En attente d'envoi").await;
    let visitor = app.client();
    // GET shows the button and changes nothing.
    let (status, html) = visitor.get_html(&format!("/desabonnement/{good}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Ne plus recevoir ces courriels</button>"),
        "{html}"
    );
    assert!(
        html.contains("les courriels « Commentaires sur les diagnostics de votre Maison »"),
        "{html}"
    );
    assert_eq!(
        app.count("select count(*) from notification_preference")
            .await,
        0
    );
    // Forged: another account in a token signed for the first, a signature of another key, garbage.
    let other_key = vec![7u8; 32];
    let forged = [
        good.replacen(&w.staff_a.to_string(), &w.responsable_a.to_string(), 1),
        unsubscribe::token(
            &other_key,
            w.staff_a,
            Target::Topic(Topic::Commentaires),
            later,
        ),
        good.replacen("commentaires", "pratiques", 1),
        "n-importe-quoi".to_owned(),
    ];
    for token in &forged {
        let (status, _) = visitor.get_html(&format!("/desabonnement/{token}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{token}");
        let r = visitor
            .post_raw(&format!("/desabonnement/{token}"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{token}");
    }
    // Expired: signed, past its date.
    let past = (Utc::now() - chrono::Duration::days(1)).timestamp();
    let expired = unsubscribe::token(&key, w.staff_a, Target::Topic(Topic::Commentaires), past);
    let (status, html) = visitor.get_html(&format!("/desabonnement/{expired}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("Lien de désabonnement expiré"), "{html}");
    let r = visitor
        .post_raw(&format!("/desabonnement/{expired}"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert_eq!(
        app.count("select count(*) from notification_preference")
            .await,
        0
    );
    // The good one, posted by the button (or one click in the mail program): this person, this topic only.
    let r = visitor
        .post_raw(
            &format!("/desabonnement/{good}"),
            &[("List-Unsubscribe".into(), "One-Click".into())],
        )
        .await;
    assert_redirect_to(&r, &format!("/desabonnement/{good}"));
    let kept: Vec<(i64, String, String)> =
        sqlx::query_as("select account_id, topic, channel from notification_preference")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        kept,
        vec![(w.staff_a, "commentaires".into(), "portail".into())]
    );
    assert_eq!(
        channel_of(&app, w.staff_a, Kind::Commentaire)
            .await
            .as_deref(),
        Some("portail")
    );
    let (status, html) = visitor.get_html(&format!("/desabonnement/{good}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("C'est fait : vous ne recevez plus les courriels"),
        "{html}"
    );
    assert!(
        !html.contains("Ne plus recevoir ces courriels</button>"),
        "{html}"
    );
    // Journaled on the account, by nobody signed in; posting again records nothing more.
    let journaled = format!(
        "select count(*) from event where object_type = 'account' and object_id = {} and action = 'desabonnement' and account_id is null",
        w.staff_a
    );
    assert_eq!(app.count(&journaled).await, 1);
    visitor
        .post_raw(&format!("/desabonnement/{good}"), &[])
        .await;
    assert_eq!(app.count(&journaled).await, 1);
    // A deactivated account's link is not found.
    sqlx::query("update account set active = false where id = $1")
        .bind(w.staff_a)
        .execute(&app.db)
        .await
        .unwrap();
    let (status, _) = visitor.get_html(&format!("/desabonnement/{good}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
