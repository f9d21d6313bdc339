//! The Maison's desk (issue 17): the staff home page says where the Maison stands and what to act on —
//! actions late or ending this month, comment threads to answer, requests waiting — and its recent
//! activity as sentences naming people at read time; the Maison page lists its diagnostics and plans.
//! The figures are checked against those computed here from the fixtures.

use chrono::{Datelike, Duration, NaiveDate};
use mde::web::format::today;
use reqwest::StatusCode;

use crate::helpers::*;

/// An action of the fixtures: its plan's status, its Maison, its end date, its status, its référent.
struct Fixture {
    plan: &'static str,
    maison_b: bool,
    end: NaiveDate,
    status: &'static str,
    referent_staff_a: bool,
}

fn end_of_month(d: NaiveDate) -> NaiveDate {
    let first_next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
    };
    first_next.unwrap() - Duration::days(1)
}

fn fixtures() -> Vec<Fixture> {
    let t = today();
    let f = |plan, maison_b, end, status, referent_staff_a| Fixture {
        plan,
        maison_b,
        end,
        status,
        referent_staff_a,
    };
    vec![
        f("en_oeuvre", false, t - Duration::days(40), "en_cours", true),
        f("en_oeuvre", false, t - Duration::days(1), "a_lancer", false),
        f("en_oeuvre", false, end_of_month(t), "en_cours", true),
        f("en_oeuvre", false, t - Duration::days(10), "realisee", true),
        f(
            "en_oeuvre",
            false,
            end_of_month(t) + Duration::days(1),
            "en_cours",
            true,
        ),
        f("brouillon", false, t - Duration::days(5), "en_cours", true),
        f("en_oeuvre", true, t - Duration::days(5), "en_cours", false),
    ]
}

/// What the desk of Maison A must count: (late, ending this month), all, and those of staff A.
fn expected(fx: &[Fixture]) -> ((usize, usize), (usize, usize)) {
    let t = today();
    let due = |f: &&Fixture| {
        !f.maison_b
            && f.plan == "en_oeuvre"
            && !matches!(f.status, "realisee" | "abandonnee")
            && f.end <= end_of_month(t)
    };
    let count = |mine: bool| {
        let due: Vec<_> = fx
            .iter()
            .filter(due)
            .filter(|f| !mine || f.referent_staff_a)
            .collect();
        let late = due.iter().filter(|f| f.end < t).count();
        (late, due.len() - late)
    };
    (count(false), count(true))
}

async fn seed_actions(app: &TestApp, w: &World, fx: &[Fixture]) -> i64 {
    let mut running = 0;
    for (i, f) in fx.iter().enumerate() {
        let maison = if f.maison_b { w.maison_b } else { w.maison_a };
        let title = if f.plan == "en_oeuvre" {
            "Plan en cours"
        } else {
            "Plan en préparation"
        };
        let plan: i64 = sqlx::query_scalar(
            "with found as (select id from plan where maison_id = $1 and status = $2),
                  made as (insert into plan (maison_id, title, start_year, end_year, status)
                           select $1, $3, 2025, 2027, $2 where not exists (select 1 from found) returning id)
             select id from found union all select id from made",
        )
        .bind(maison)
        .bind(f.plan)
        .bind(title)
        .fetch_one(&app.db)
        .await
        .unwrap();
        if !f.maison_b && f.plan == "en_oeuvre" {
            running = plan;
        }
        sqlx::query(
            "insert into action (plan_id, number, title, axis_id, end_date, status, referent_account_id)
             values ($1, $2, $3, (select id from axis where charter = '2009' order by number limit 1), $4, $5, $6)",
        )
        .bind(plan)
        .bind(i as i32 + 1)
        .bind(format!("Action {}", i + 1))
        .bind(f.end)
        .bind(f.status)
        .bind(f.referent_staff_a.then_some(w.staff_a))
        .execute(&app.db)
        .await
        .unwrap();
    }
    running
}

/// A shared diagnostic of A on which the partner opens three threads (one with a reply), the Maison
/// answers one: two left to treat. Returns the diagnostic and its first section's title.
async fn seed_comments(app: &TestApp, w: &World) -> (i64, String) {
    let mut staff = app.signed_in(STAFF_A).await;
    let r = staff
        .post(
            "/diagnostics",
            &[
                ("title", "Diagnostic 2026"),
                ("reference_year", "2025"),
                ("sectors", "batiment"),
                ("form_key", "d1"),
            ],
        )
        .await;
    let d: i64 = location(&r)
        .trim_start_matches("/diagnostics/")
        .parse()
        .unwrap();
    let orgs = w.org.to_string();
    staff
        .post(
            &format!("/diagnostics/{d}/partage"),
            &[("organisations", &orgs)],
        )
        .await;
    let (section, title): (i64, String) = sqlx::query_as(
        "select id, title from diagnostic_section where diagnostic_id = $1 order by position limit 1",
    )
    .bind(d)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut partner = app.signed_in(PARTNER).await;
    for (i, s) in [section.to_string(), String::new(), String::new()]
        .iter()
        .enumerate()
    {
        let r = partner
            .post(
                &format!("/diagnostics/{d}/commentaires"),
                &[
                    ("body", "À compléter"),
                    ("section_id", s),
                    ("parent_id", ""),
                    ("form_key", &format!("c{i}")),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("select id from comment where diagnostic_id = $1 order by id")
            .bind(d)
            .fetch_all(&app.db)
            .await
            .unwrap();
    partner
        .post(
            &format!("/diagnostics/{d}/commentaires"),
            &[
                ("body", "Précision"),
                ("section_id", ""),
                ("parent_id", &ids[1].to_string()),
                ("form_key", "c9"),
            ],
        )
        .await;
    let r = staff
        .post(
            &format!("/diagnostics/{d}/commentaires/{}/reponse", ids[2]),
            &[("status", "pris_en_compte"), ("answer", "Fait.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (d, title)
}

#[tokio::test]
async fn the_desk_counts_what_to_act_on_as_the_fixtures_say() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = fixtures();
    let running = seed_actions(&app, &w, &fx).await;
    let (d, section) = seed_comments(&app, &w).await;
    sqlx::query(
        "insert into partnership_request (maison_id, organisation_id, roles, requested_by)
         values ($1, $2, '{associe}', $3)",
    )
    .bind(w.maison_a)
    .bind(w.other_org)
    .bind(w.responsable_a)
    .execute(&app.db)
    .await
    .unwrap();
    app.account(
        "nouvelle@test.example",
        "staff",
        Some(w.maison_a),
        None,
        false,
    )
    .await;
    sqlx::query("update account set password_hash = null where email = 'nouvelle@test.example'")
        .execute(&app.db)
        .await
        .unwrap();
    // Named at read time: the partner renamed after commenting shows under the new name.
    sqlx::query("update account set name = 'Julien Dupont' where id = $1")
        .bind(w.partner)
        .execute(&app.db)
        .await
        .unwrap();
    let ((late, ending), (my_late, my_ending)) = expected(&fx);
    assert_eq!((late, ending), (2, 1), "the fixtures mean what they say");
    let staff = app.signed_in(STAFF_A).await;
    let (status, html) = staff.get_html("/").await;
    assert_eq!(status, StatusCode::OK);
    let html = unescape(&html);
    assert!(html.contains(&format!(
        "<strong>{late}</strong> actions en retard, <strong>{ending}</strong> action se termine ce mois-ci"
    )), "{html}");
    assert_eq!(
        html.matches("Vous êtes référent(e)").count(),
        my_late + my_ending
    );
    assert_eq!(
        html.matches("<span class=\"badge badge-danger\">En retard</span>")
            .count(),
        late
    );
    assert!(
        html.contains("Commentaires à traiter (2)"),
        "two threads open, a reply is no thread"
    );
    assert!(html.contains(&format!(
        "Julien Dupont (France Travail Nord) sur la section « {section} »"
    )));
    assert!(html.contains("Demandes de partenariat (1)") && html.contains("CAPEB du Var"));
    assert!(!html.contains("Les tâches de l'équipe") && !html.contains("invitation non acceptée"));
    assert!(html.contains(&format!(
        "Prochaine étape :</strong> Suivre les actions du plan « Plan en cours » avec leurs pilotes : {late} actions en retard."
    )));
    assert!(html.contains(&format!("href=\"/plans/{running}\">Plan en cours</a>")));
    assert!(html.contains(&format!(
        "Julien Dupont (France Travail Nord) a commenté la section « {section} » du diagnostic « Diagnostic 2026 »"
    )), "{html}");
    assert!(!html.contains("<del>"), "no field diffs");
    the_responsable_sees_the_team_and_the_invitations(&app, (my_late, my_ending)).await;
    the_admin_reads_the_same_sentences(&app, &section).await;
    the_maison_page_lists_what_each_may_read(&app, &w, d, running).await;
}

async fn the_responsable_sees_the_team_and_the_invitations(app: &TestApp, mine: (usize, usize)) {
    let resp = app.signed_in(RESP_A).await;
    let (_, html) = resp.get_html("/").await;
    let html = unescape(&html);
    assert!(html.contains("Les tâches de l'équipe"), "{html}");
    let rows = table_rows(&html, "Actions dont chaque membre");
    let row = rows
        .iter()
        .find(|r| r[0] == format!("Personne {STAFF_A}"))
        .unwrap();
    assert_eq!(
        (row[1].as_str(), row[2].as_str()),
        (mine.0.to_string().as_str(), mine.1.to_string().as_str())
    );
    assert!(html.contains("Personne nouvelle@test.example — invitation non acceptée"));
}

async fn the_admin_reads_the_same_sentences(app: &TestApp, section: &str) {
    let admin = app.signed_in(ADMIN).await;
    let (_, html) = admin.get_html("/").await;
    assert!(unescape(&html).contains(&format!(
        "Julien Dupont (France Travail Nord) a commenté la section « {section} »"
    )));
}

async fn the_maison_page_lists_what_each_may_read(app: &TestApp, w: &World, d: i64, running: i64) {
    let draft: i64 =
        sqlx::query_scalar("select id from plan where maison_id = $1 and status = 'brouillon'")
            .bind(w.maison_a)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let page = format!("/maisons/{}", w.maison_a);
    let (_, own) = app.signed_in(STAFF_A).await.get_html(&page).await;
    for href in [
        format!("/diagnostics/{d}\""),
        format!("/plans/{running}\""),
        format!("/plans/{draft}\""),
    ] {
        assert!(own.contains(&href), "{href}");
    }
    let (_, other) = app.signed_in(STAFF_B).await.get_html(&page).await;
    assert!(
        other.contains(&format!("/plans/{running}\"")),
        "a plan in progress is published"
    );
    assert!(
        !other.contains(&format!("/plans/{draft}\""))
            && !other.contains(&format!("/diagnostics/{d}\""))
    );
}
