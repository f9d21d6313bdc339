//! One record of the comité de pilotage (issue 17): its meetings, to which validations of diagnostics and
//! decisions on plans refer; the decisions recorded as free text before meetings existed migrated into
//! meetings; recording a meeting (a next one or one held); the Maison page's past and next meetings.

use reqwest::StatusCode;

use crate::helpers::*;

const FROM_DECISIONS: &str =
    include_str!("../../migrations/20261208020200_copil_meetings_from_decisions.sql");

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

/// Decisions of the old shape (no meeting): on 20/11/2026 a diagnostic validated and a plan validated
/// (with members and minutes), on 02/10/2026 a plan sent back; one for Maison B on 20/11/2026 too.
async fn old_decisions(app: &TestApp, w: &World) -> (i64, i64) {
    let d: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, status, validated_on, copil_decision)
         values ($1, 'Diagnostic emploi vert', 2025, 'valide', date '2026-11-20', 'Validé à l''unanimité')
         returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut plans = Vec::new();
    for (maison, title) in [(w.maison_a, "Plan Grenelle"), (w.maison_b, "Plan de B")] {
        plans.push(
            sqlx::query_scalar::<_, i64>(
                "insert into plan (maison_id, title, start_year, end_year, status)
                 values ($1, $2, 2026, 2028, 'valide') returning id",
            )
            .bind(maison)
            .bind(title)
            .fetch_one(&app.db)
            .await
            .unwrap(),
        );
    }
    sqlx::query(
        "insert into copil_decision (plan_id, decided_on, decision, members_present, minutes) values
         ($1, date '2026-10-02', 'a_reviser', 'DREETS', 'Axe 4 trop léger'),
         ($1, date '2026-11-20', 'valide', 'DREETS, France Travail', 'Plan validé.'),
         ($2, date '2026-11-20', 'valide', '', '')",
    )
    .bind(plans[0])
    .bind(plans[1])
    .execute(&app.db)
    .await
    .unwrap();
    (d, plans[0])
}

#[tokio::test]
async fn decisions_recorded_as_free_text_become_meetings_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (d, plan) = old_decisions(&app, &w).await;
    sqlx::raw_sql(FROM_DECISIONS)
        .execute(&app.db)
        .await
        .unwrap();
    let november = one_meeting_per_maison_and_day(&app, &w, d).await;
    sqlx::raw_sql(FROM_DECISIONS)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        scalar(&app, "select count(*) from copil_meeting").await,
        3,
        "run again: nothing new"
    );
    the_meeting_lists_what_it_decided(&app, november, d, plan).await;
}

/// After the migration: a meeting per Maison and day of decision, with who was there and the minutes; the
/// validation and the decisions of that day refer to it. Returns Maison A's meeting of 20/11/2026.
async fn one_meeting_per_maison_and_day(app: &TestApp, w: &World, d: i64) -> i64 {
    let meetings: Vec<(i64, String, String, String)> = sqlx::query_as(
        "select maison_id, to_char(held_on, 'YYYY-MM-DD'), other_members, minutes from copil_meeting
         order by maison_id, held_on",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        meetings,
        vec![
            (
                w.maison_a,
                "2026-10-02".into(),
                "DREETS".into(),
                "Axe 4 trop léger".into()
            ),
            (
                w.maison_a,
                "2026-11-20".into(),
                "DREETS, France Travail".into(),
                "Plan validé.".into()
            ),
            (
                w.maison_b,
                "2026-11-20".into(),
                String::new(),
                String::new()
            ),
        ]
    );
    let november: i64 = scalar(
        app,
        &format!(
            "select id from copil_meeting where maison_id = {} and held_on = '2026-11-20'",
            w.maison_a
        ),
    )
    .await;
    assert_eq!(
        scalar(
            app,
            &format!("select copil_meeting_id from diagnostic where id = {d}")
        )
        .await,
        november
    );
    assert_eq!(
        scalar(
            app,
            "select count(*) from copil_decision where meeting_id is null"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            app,
            &format!("select count(*) from copil_decision where meeting_id = {november}")
        )
        .await,
        1,
        "B's decision of the same day is B's meeting"
    );
    november
}

/// The meeting lists what it decided; the Maison's staff and admins read it, nobody else.
async fn the_meeting_lists_what_it_decided(app: &TestApp, november: i64, d: i64, plan: i64) {
    let (status, html) = app
        .signed_in(STAFF_A)
        .await
        .get_html(&format!("/copil/{november}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = unescape(&html);
    assert!(html.contains(&format!("href=\"/diagnostics/{d}\">Diagnostic « Diagnostic emploi vert »</a> — Validé : Validé à l'unanimité")), "{html}");
    assert!(html.contains(&format!(
        "href=\"/plans/{plan}\">Plan d'actions « Plan Grenelle »</a> — Validé"
    )));
    assert!(html.contains("Ce que le comité a décidé (2)"));
    assert_eq!(
        app.signed_in(ADMIN)
            .await
            .get(&format!("/copil/{november}"))
            .await
            .status(),
        StatusCode::OK
    );
    for who in [STAFF_B, PARTNER] {
        let r = app
            .signed_in(who)
            .await
            .get(&format!("/copil/{november}"))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{who}");
    }
}

#[tokio::test]
async fn a_meeting_recorded_first_is_the_one_the_decisions_of_its_day_refer_to() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut staff = app.signed_in(STAFF_A).await;
    let form = |day: &'static str| {
        vec![
            ("held_on", day),
            ("place", "Hôtel de ville"),
            ("other_members", "Mme Leroy (Région)"),
            ("minutes", ""),
        ]
    };
    let path = format!("/maisons/{}/copil", w.maison_a);
    let mut with_members = form("2026-11-20");
    let org = w.org.to_string();
    let not_copil = w.other_org.to_string();
    with_members.push(("members", &org));
    with_members.push(("members", &not_copil));
    let r = staff.post(&path, &with_members).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let meeting: i64 = location(&r).trim_start_matches("/copil/").parse().unwrap();
    assert_eq!(
        scalar(
            &app,
            &format!("select count(*) from copil_meeting_member where meeting_id = {meeting}")
        )
        .await,
        1,
        "only a partnership with the copil role counts as a member present"
    );
    let r = staff.post(&path, &form("2026-11-20")).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "one meeting per day");
    assert!(unescape(&r.text().await.unwrap()).contains("déjà enregistrée à cette date"));
    let r = staff.post(&path, &form("31/02/2026")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&r.text().await.unwrap());
    assert!(
        html.contains("Indiquez la date de la réunion") && html.contains("Hôtel de ville"),
        "typed values kept"
    );
    let r = staff.post(&path, &form("2099-03-15")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a meeting to come");
    decisions_refer_to_the_meeting_of_their_day(&app, &w, &mut staff, meeting).await;
}

async fn decisions_refer_to_the_meeting_of_their_day(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    meeting: i64,
) {
    a_validation_refers_to_the_meeting_of_its_day(app, w, staff, meeting).await;
    let october = a_plan_decision_without_a_meeting_makes_one(app, w, staff).await;
    the_maison_page_shows_next_and_past_meetings(app, w, staff, meeting, october).await;
}

/// A diagnostic validated on 20/11/2026 refers to the meeting recorded for that day.
async fn a_validation_refers_to_the_meeting_of_its_day(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    meeting: i64,
) {
    let d: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, status) values ($1, 'Diagnostic', 2025, 'partage')
         returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let (_, r) = staff
        .post_confirmed(
            &format!("/diagnostics/{d}/validation"),
            &[
                ("validated_on", "2026-11-20"),
                ("copil_decision", "Validé"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        scalar(
            app,
            &format!("select copil_meeting_id from diagnostic where id = {d}")
        )
        .await,
        meeting
    );
}

/// A decision on a plan on a day without a meeting makes that day's meeting, with who was there.
async fn a_plan_decision_without_a_meeting_makes_one(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
) -> i64 {
    let p: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan', 2026, 2028, 'soumis')
         returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let r = staff
        .post(
            &format!("/plans/{p}/statut"),
            &[
                ("to", "brouillon"),
                ("decided_on", "2026-10-02"),
                ("comment", "Axe 4 trop léger"),
                ("members_present", "DREETS"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (october, members): (i64, String) = sqlx::query_as(
        "select m.id, m.other_members from copil_decision c join copil_meeting m on m.id = c.meeting_id
         where c.plan_id = $1",
    )
    .bind(p)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        members, "DREETS",
        "a meeting made by its decision keeps who was there"
    );
    october
}

/// The Maison page lists the next meetings and the past ones with their decisions, for its staff only; the
/// desk names the next one.
async fn the_maison_page_shows_next_and_past_meetings(
    app: &TestApp,
    w: &World,
    staff: &mut TestClient,
    meeting: i64,
    october: i64,
) {
    let (_, page) = staff.get_html(&format!("/maisons/{}", w.maison_a)).await;
    let page = unescape(&page);
    let next =
        &page[page.find("Prochaines réunions").unwrap()..page.find("Réunions passées").unwrap()];
    assert!(
        next.contains("15/03/2099") && !next.contains("20/11/2026"),
        "{next}"
    );
    let past = &page[page.find("Réunions passées").unwrap()..];
    assert!(past.contains(&format!("href=\"/copil/{meeting}\">20/11/2026</a> — Hôtel de ville <span class=\"muted\">(1 décision)</span>")), "{past}");
    assert!(past.contains(&format!("href=\"/copil/{october}\">02/10/2026</a>")));
    let (_, desk) = staff.get_html("/").await;
    assert!(
        desk.contains("Prochain comité de pilotage :</strong> <a href=\"/copil/")
            && desk.contains("le 15/03/2099"),
        "{desk}"
    );
    let (_, other) = app
        .signed_in(STAFF_B)
        .await
        .get_html(&format!("/maisons/{}", w.maison_a))
        .await;
    assert!(
        !other.contains("Réunions du comité de pilotage"),
        "another Maison's staff does not see them"
    );
}
