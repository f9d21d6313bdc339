//! Who pilots a fiche action (issue 16): the Maison itself or one of its partner organisations, never
//! both, with a referent on each side; the plan page, the fiche, the submission check and the exports
//! follow.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;

use crate::helpers::*;

pub async fn axes(app: &TestApp) -> Vec<i32> {
    sqlx::query_scalar("select id from axis where charter = '2009' order by number")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

pub async fn draft(app: &TestApp, maison: i64) -> i64 {
    sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year) values ($1, 'Plan Grenelle', 2026, 2028) returning id",
    )
    .bind(maison)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A complete fiche's form (dates, one indicator), piloted by `pilot`.
pub fn fiche<'a>(
    number: &'a str,
    axis: &'a str,
    pilot: &'a str,
    referent: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("number", number),
        ("title", "Animation du comité de pilotage"),
        ("axis_id", axis),
        ("pilot", pilot),
        ("referent_account_id", ""),
        ("pilot_referent", referent),
        ("start_date", "2026-01-15"),
        ("end_date", "2026-12-15"),
        ("priority", "haute"),
        ("ind_label", "Réunions du comité"),
        ("ind_unit", "réunions"),
        ("ind_target", "4"),
    ]
}

async fn pilot_columns(
    app: &TestApp,
    number: i32,
) -> (bool, Option<i64>, Option<i64>, Option<i64>) {
    sqlx::query_as(
        "select pilot_maison, pilot_organisation_id, pilot_referent_account_id, pilot_contact_id
         from action where number = $1",
    )
    .bind(number)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_maison_pilots_its_animation_action_and_the_plan_can_be_submitted() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = draft(&app, w.maison_a).await;
    let ax: Vec<String> = axes(&app).await.iter().map(|a| a.to_string()).collect();
    let mut c = app.signed_in(STAFF_A).await;
    one_fiche_per_axis_the_first_by_the_maison(&app, &w, &mut c, p, &ax).await;
    let maison: String = sqlx::query_scalar("select name from maison where id = $1")
        .bind(w.maison_a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    the_plan_page_names_the_maison_as_pilot(&app, &c, p, &maison).await;
    let id: i64 = app.count("select id from action where number = 1").await;
    handing_over_is_journaled_and_the_plan_submitted(&app, &w, &mut c, p, id, &ax, &maison).await;
}

/// Axis 1 by the Maison itself, the others by the partner organisation.
async fn one_fiche_per_axis_the_first_by_the_maison(
    app: &TestApp,
    w: &World,
    c: &mut TestClient,
    p: i64,
    ax: &[String],
) {
    let org = w.org.to_string();
    let (_, form) = c.get_html(&format!("/plans/{p}/actions/nouvelle")).await;
    assert!(
        unescape(&form).contains("<option value=\"maison\">La Maison elle-même"),
        "the Maison is offered as pilot"
    );
    let r = c
        .post(
            &format!("/plans/{p}/actions"),
            &fiche("1", &ax[0], "maison", ""),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for (i, a) in ax.iter().enumerate().skip(1) {
        let n = (i + 1).to_string();
        let r = c
            .post(&format!("/plans/{p}/actions"), &fiche(&n, a, &org, ""))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "fiche {n}");
    }
    assert_eq!(pilot_columns(app, 1).await, (true, None, None, None));
    assert_eq!(
        pilot_columns(app, 2).await,
        (false, Some(w.org), None, None)
    );
}

/// The plan is complete; its page, its pilot filter and the fiche name the Maison as pilot.
async fn the_plan_page_names_the_maison_as_pilot(
    app: &TestApp,
    c: &TestClient,
    p: i64,
    maison: &str,
) {
    let (_, page) = c.get_html(&format!("/plans/{p}")).await;
    let page = unescape(&page);
    assert!(!page.contains("il manque un pilote"), "{page}");
    assert!(page.contains("Le plan est complet"));
    assert!(
        page.contains(&format!("<td>{maison}</td>")),
        "the Maison named as pilot"
    );
    // The pilot filter offers the Maison and keeps only its fiche.
    let (_, only) = c.get_html(&format!("/plans/{p}?pilote=maison")).await;
    assert!(unescape(&only).contains("1 action affichée"), "{only}");
    let id: i64 = app.count("select id from action where number = 1").await;
    let (_, fiche_page) = c.get_html(&format!("/actions/{id}")).await;
    assert!(unescape(&fiche_page).contains(&format!("{maison} (la Maison elle-même)")));
}

/// Handing the fiche over to the partner organisation is journaled, the Maison named as it was; back to
/// the Maison, the plan is submitted.
async fn handing_over_is_journaled_and_the_plan_submitted(
    app: &TestApp,
    w: &World,
    c: &mut TestClient,
    p: i64,
    id: i64,
    ax: &[String],
    maison: &str,
) {
    let org = w.org.to_string();
    let mut edit = fiche("1", &ax[0], &org, "");
    edit.push(("version", "1"));
    let r = c.post(&format!("/actions/{id}/modifier"), &edit).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let changes: String = sqlx::query_scalar(
        "select changes::text from event where object_type = 'action' and object_id = $1 and action = 'modification'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(
        changes.contains(maison) && changes.contains("Pilote"),
        "{changes}"
    );
    let r = c
        .post(&format!("/actions/{id}/modifier"), &{
            let mut f = fiche("1", &ax[0], "maison", "");
            f.push(("version", "2"));
            f
        })
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post_confirmed(&format!("/plans/{p}/statut"), &[("to", "soumis")])
        .await
        .1;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "select count(*) from plan where id = {p} and status = 'soumis'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_pilot_referent_is_one_of_the_pilot_organisation_people() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = draft(&app, w.maison_a).await;
    let axis = axes(&app).await[0].to_string();
    let contact: i64 = sqlx::query_scalar(
        "insert into partnership_contact (partnership_id, name, email)
         select id, 'Camille Martin', 'camille@test.example' from partnership
         where maison_id = $1 and organisation_id = $2 returning id",
    )
    .bind(w.maison_a)
    .bind(w.org)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let mut c = app.signed_in(STAFF_A).await;
    let (_, form) = c.get_html(&format!("/plans/{p}/actions/nouvelle")).await;
    assert!(form.contains(&format!("value=\"compte-{}\"", w.partner)));
    assert!(form.contains(&format!("value=\"contact-{contact}\"")));
    assert!(
        !form.contains(&format!("value=\"compte-{}\"", w.other_partner)),
        "a partner of an organisation that does not partner the Maison is not offered"
    );
    let account = format!("compte-{}", w.partner);
    let contact_key = format!("contact-{contact}");
    other_people_are_refused_as_pilot_referent(&w, &mut c, p, &axis, &account, &contact_key).await;
    the_partner_or_the_contact_is_the_referent(&app, &w, &mut c, (p, &axis), contact).await;
    the_workbook_names_the_pilot_referent(&c, p).await;
}

/// Refused: someone of another organisation, a referent when the Maison pilots, an unknown key.
async fn other_people_are_refused_as_pilot_referent(
    w: &World,
    c: &mut TestClient,
    p: i64,
    axis: &str,
    account: &str,
    contact_key: &str,
) {
    let org = w.org.to_string();
    let stranger = format!("compte-{}", w.other_partner);
    for (pilot, referent) in [
        (org.as_str(), stranger.as_str()),
        ("maison", account),
        ("", contact_key),
        (org.as_str(), "compte-abc"),
    ] {
        let r = c
            .post(
                &format!("/plans/{p}/actions"),
                &fiche("1", axis, pilot, referent),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pilot} {referent}"
        );
        let html = unescape(&r.text().await.unwrap());
        assert!(
            html.contains("Le référent du pilote doit être une personne de l'organisation pilote"),
            "{pilot} {referent}"
        );
        assert!(
            html.contains("Animation du comité de pilotage"),
            "typed text kept"
        );
    }
}

/// A partner account, then a contact, as the pilot's referent: stored, shown, preselected on edit.
async fn the_partner_or_the_contact_is_the_referent(
    app: &TestApp,
    w: &World,
    c: &mut TestClient,
    (p, axis): (i64, &str),
    contact: i64,
) {
    let org = w.org.to_string();
    let account = format!("compte-{}", w.partner);
    let contact_key = format!("contact-{contact}");
    assert_eq!(app.count("select count(*) from action").await, 0);
    let r = c
        .post(
            &format!("/plans/{p}/actions"),
            &fiche("1", axis, &org, &account),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        pilot_columns(app, 1).await,
        (false, Some(w.org), Some(w.partner), None)
    );
    let r = c
        .post(
            &format!("/plans/{p}/actions"),
            &fiche("2", axis, &org, &contact_key),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        pilot_columns(app, 2).await,
        (false, Some(w.org), None, Some(contact))
    );
    let id: i64 = app.count("select id from action where number = 2").await;
    let (_, page) = c.get_html(&format!("/actions/{id}")).await;
    assert!(unescape(&page).contains("Référent chez le pilote</dt><dd>Camille Martin"));
    // The edit form shows the referent chosen.
    let (_, edit) = c.get_html(&format!("/actions/{id}/modifier")).await;
    assert!(edit.contains(&format!("<option value=\"{contact_key}\" selected>")));
}

/// The workbook names the pilot and its referent.
async fn the_workbook_names_the_pilot_referent(c: &TestClient, p: i64) {
    let r = c.get(&format!("/plans/{p}/export.xlsx")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Actions").unwrap();
    let header: Vec<String> = (0..sheet.width() as u32)
        .map(|c| {
            sheet
                .get_value((0, c))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    let col = header
        .iter()
        .position(|h| h == "Référent chez le pilote")
        .unwrap() as u32;
    let names: Vec<Option<&Data>> = (1..3).map(|r| sheet.get_value((r, col))).collect();
    assert!(
        names.contains(&Some(&Data::String("Camille Martin".into()))),
        "{names:?}"
    );
}

#[tokio::test]
async fn the_database_refuses_two_pilots_and_a_referent_without_a_pilot_organisation() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = draft(&app, w.maison_a).await;
    let axis = axes(&app).await[0];
    let insert = |maison: bool, org: Option<i64>, referent: Option<i64>| {
        sqlx::query(
            "insert into action (plan_id, number, title, axis_id, pilot_maison, pilot_organisation_id,
                                 pilot_referent_account_id)
             values ($1, 1, 'A', $2, $3, $4, $5)",
        )
        .bind(p)
        .bind(axis)
        .bind(maison)
        .bind(org)
        .bind(referent)
        .execute(&app.db)
    };
    let both = insert(true, Some(w.org), None).await.unwrap_err();
    assert!(both.to_string().contains("action_pilot_one"), "{both}");
    let alone = insert(true, None, Some(w.partner)).await.unwrap_err();
    assert!(
        alone
            .to_string()
            .contains("action_pilot_referent_needs_organisation"),
        "{alone}"
    );
    insert(true, None, None).await.unwrap();
}
