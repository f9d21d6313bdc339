//! The fiche action's form names its results from the network's catalogue and its funders from the
//! organisation directory (issue 15), free text still allowed and kept apart; without JavaScript, what was
//! typed comes back on error; a fiche created through the form is counted in `/reseau/grenelle`.

use reqwest::StatusCode;

use crate::helpers::*;

async fn indicator(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("select id from indicator where code = $1")
        .bind(code)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// The option chosen in the select `id` of the page.
fn selected(html: &str, id: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("select#{id} option[selected]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|o| o.value().attr("value").map(str::to_owned))
}

/// The values offered by the select `id` of the page.
fn options(html: &str, id: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("select#{id} option")).unwrap();
    doc.select(&sel)
        .filter_map(|o| o.value().attr("value").map(str::to_owned))
        .collect()
}

/// The form as `TestClient::post` takes it.
fn send<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn value_of(html: &str, id: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("input#{id}")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|o| o.value().attr("value").map(str::to_owned))
}

#[tokio::test]
async fn a_fiche_with_catalogue_results_and_directory_funders_counts_in_the_report() {
    let app = spawn_app().await;
    let w = app.world().await;
    let s = setting(&app, &w).await;
    let mut c = app.signed_in(STAFF_A).await;
    the_form_offers_the_partners_and_the_catalogue(&app, &c, &s).await;
    bad_lines_come_back_with_what_was_typed(&app, &mut c, &s).await;
    let (feebat_label, feebat_unit) =
        saved_lines_name_the_directory_and_the_catalogue(&app, &mut c, &s).await;
    the_report_counts_the_fiche(&app, &s, feebat_label, feebat_unit).await;
}

/// What the fiche names: its plan, a partner funder of the directory and one that does not partner A, a
/// catalogue indicator, its axis.
struct Setting {
    plan: i64,
    ademe: i64,
    stranger: i64,
    feebat: i64,
    axis: String,
}

async fn setting(app: &TestApp, w: &World) -> Setting {
    sqlx::query("update maison set grenelle_year = 2010 where id = $1")
        .bind(w.maison_a)
        .execute(&app.db)
        .await
        .unwrap();
    let ademe = app
        .organisation("ADEME – Direction régionale Hauts-de-France", "ademe")
        .await;
    app.partnership(w.maison_a, ademe, &["financeur"]).await;
    // An organisation of the directory that does not partner A is not offered, nor accepted.
    let stranger = app
        .organisation("Conseil départemental du Gard", "departement")
        .await;
    let plan: i64 = sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year) values ($1, 'Plan Grenelle', 2025, 2027)
         returning id",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let axis: i32 = sqlx::query_scalar("select id from axis where charter = '2009' and number = 2")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let feebat = indicator(app, "FEEBAT").await;
    Setting {
        plan,
        ademe,
        stranger,
        feebat,
        axis: axis.to_string(),
    }
}

/// The fiche's form: a directory funder and a free one (whose amount is given), a catalogue result and a
/// free one.
fn fiche_form(s: &Setting, amount: &'static str) -> Vec<(&'static str, String)> {
    let (ademe_s, feebat_s) = (s.ademe.to_string(), s.feebat.to_string());
    [
        ("number", "1"),
        ("title", "Former les artisans à la rénovation"),
        ("axis_id", s.axis.as_str()),
        ("sector_code", "batiment"),
        ("start_date", "2025-01-15"),
        ("end_date", "2025-12-15"),
        ("priority", "haute"),
        ("funding_org", ademe_s.as_str()),
        ("funding_funder", ""),
        ("funding_amount", "10 000,50"),
        ("funding_state", "acquis"),
        ("funding_org", ""),
        ("funding_funder", "Région"),
        ("funding_amount", amount),
        ("funding_state", "sollicite"),
        ("ind_indicator", feebat_s.as_str()),
        ("ind_label", ""),
        ("ind_unit", ""),
        ("ind_target", "40"),
        ("ind_achieved", "35"),
        ("ind_year", "2025"),
        ("ind_indicator", ""),
        ("ind_label", "Artisans sensibilisés"),
        ("ind_unit", "artisans"),
        ("ind_target", "100"),
        ("ind_achieved", "80"),
        ("ind_year", "2025"),
        ("form_key", "fiche-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

/// An organisation of the directory that does not partner A is not offered, nor a diagnostic-only
/// indicator.
async fn the_form_offers_the_partners_and_the_catalogue(
    app: &TestApp,
    c: &TestClient,
    s: &Setting,
) {
    let &Setting {
        plan,
        ademe,
        stranger,
        feebat,
        ..
    } = s;
    let bmo = indicator(app, "BMO_DIFF").await;
    let (status, html) = c.get_html(&format!("/plans/{plan}/actions/nouvelle")).await;
    assert_eq!(status, StatusCode::OK);
    let html = unescape(&html);
    let funders = options(&html, "funder-org-1");
    assert!(funders.contains(&ademe.to_string()), "{funders:?}");
    assert!(!funders.contains(&stranger.to_string()), "{funders:?}");
    let catalogue = options(&html, "ind-cat-1");
    assert!(catalogue.contains(&feebat.to_string()));
    assert!(
        !catalogue.contains(&bmo.to_string()),
        "a diagnostic-only indicator is not offered to the fiches"
    );
}

/// An unreadable amount: nothing saved, the choices and the typing come back. Both a directory funder and
/// another name, a catalogue indicator and another label, an organisation outside the choices: each line
/// says what to correct.
async fn bad_lines_come_back_with_what_was_typed(app: &TestApp, c: &mut TestClient, s: &Setting) {
    let &Setting {
        plan,
        ademe,
        stranger,
        feebat,
        ..
    } = s;
    let bad = fiche_form(s, "deux mille");
    let r = c.post(&format!("/plans/{plan}/actions"), &send(&bad)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&r.text().await.unwrap());
    assert!(html.contains("ligne 2 : montant illisible"), "{html}");
    assert_eq!(selected(&html, "funder-org-1"), Some(ademe.to_string()));
    assert_eq!(selected(&html, "funder-org-2"), None);
    assert_eq!(value_of(&html, "funder-2").as_deref(), Some("Région"));
    assert_eq!(value_of(&html, "amount-2").as_deref(), Some("deux mille"));
    assert_eq!(selected(&html, "ind-cat-1"), Some(feebat.to_string()));
    assert_eq!(
        value_of(&html, "ind-label-2").as_deref(),
        Some("Artisans sensibilisés")
    );
    assert_eq!(app.count("select count(*) from action").await, 0);

    let mut both = fiche_form(s, "2 500");
    both[8].1 = "ADEME".into();
    both[16].1 = "Stagiaires".into();
    both.extend([
        ("funding_org", stranger.to_string()),
        ("funding_funder", String::new()),
        ("funding_amount", "5".to_owned()),
        ("funding_state", "acquis".to_owned()),
    ]);
    let r = c
        .post(&format!("/plans/{plan}/actions"), &send(&both))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&r.text().await.unwrap());
    assert!(
        html.contains(
            "ligne 1 : choisissez le financeur dans l'annuaire ou écrivez son nom, pas les deux"
        ),
        "{html}"
    );
    assert!(
        html.contains("ligne 3 : financeur inconnu de l'annuaire"),
        "{html}"
    );
    assert!(
        html.contains(
            "ligne 1 : choisissez un indicateur du catalogue ou écrivez un libellé libre, pas les deux"
        ),
        "{html}"
    );
    assert_eq!(app.count("select count(*) from action").await, 0);
}

/// Saved: the lines name the directory and the catalogue, the free ones keep their text; the edit form
/// shows the choices again, the free lines as typed. Returns the catalogue indicator's label and unit.
async fn saved_lines_name_the_directory_and_the_catalogue(
    app: &TestApp,
    c: &mut TestClient,
    s: &Setting,
) -> (String, String) {
    let &Setting {
        plan,
        ademe,
        feebat,
        ..
    } = s;
    let good = fiche_form(s, "2 500");
    let r = c
        .post(&format!("/plans/{plan}/actions"), &send(&good))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let funding: Vec<(String, Option<i64>, i64)> = sqlx::query_as(
        "select funder, organisation_id, amount_cents from action_funding order by position",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        funding,
        [
            (
                "ADEME – Direction régionale Hauts-de-France".to_owned(),
                Some(ademe),
                1_000_050
            ),
            ("Région".to_owned(), None, 250_000),
        ]
    );
    let results: Vec<(Option<i64>, String, String)> =
        sqlx::query_as("select indicator_id, label, unit from action_indicator order by position")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let (feebat_label, feebat_unit): (String, String) =
        sqlx::query_as("select label, unit from indicator where id = $1")
            .bind(feebat)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        results,
        [
            (Some(feebat), feebat_label.clone(), feebat_unit.clone()),
            (None, "Artisans sensibilisés".into(), "artisans".into()),
        ]
    );
    let action: i64 = sqlx::query_scalar("select id from action")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_, html) = c.get_html(&format!("/actions/{action}/modifier")).await;
    let html = unescape(&html);
    assert_eq!(selected(&html, "funder-org-1"), Some(ademe.to_string()));
    assert_eq!(value_of(&html, "funder-1").as_deref(), Some(""));
    assert_eq!(value_of(&html, "funder-2").as_deref(), Some("Région"));
    assert_eq!(selected(&html, "ind-cat-1"), Some(feebat.to_string()));
    assert_eq!(value_of(&html, "ind-label-1").as_deref(), Some(""));
    (feebat_label, feebat_unit)
}

/// The plan runs: the report counts the fiche's catalogue result and its directory funder, and lists the
/// free-text ones apart.
async fn the_report_counts_the_fiche(
    app: &TestApp,
    s: &Setting,
    feebat_label: String,
    feebat_unit: String,
) {
    let plan = s.plan;
    sqlx::query("update plan set status = 'en_oeuvre' where id = $1")
        .bind(plan)
        .execute(&app.db)
        .await
        .unwrap();
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/reseau/grenelle?annee=2025").await;
    assert_eq!(status, StatusCode::OK);
    let money = mde::web::format::money;
    assert_eq!(
        table_rows(&html, "Résultats 2025 des actions"),
        [vec![
            feebat_label,
            feebat_unit,
            "1".to_owned(),
            "1".to_owned(),
            mde::web::format::decimal(40.0, 2),
            mde::web::format::decimal(35.0, 2)
        ]]
    );
    let loose = table_rows(&html, "Indicateurs 2025 non additionnés");
    assert!(
        loose
            .iter()
            .any(|r| r[0] == "Artisans sensibilisés" && r[2] == "texte libre"),
        "{loose:?}"
    );
    let directory = table_rows(&html, "Financeurs de l'annuaire");
    assert_eq!(directory.len(), 1, "{directory:?}");
    let row = &directory[0];
    assert_eq!(row[0], "ADEME – Direction régionale Hauts-de-France");
    assert_eq!(row[row.len() - 1], money(1_000_050));
    let free = table_rows(&html, "Financeurs en texte libre");
    assert_eq!(free.len(), 1, "{free:?}");
    assert_eq!(free[0][0], "Région");
    assert_eq!(free[0][free[0].len() - 2], money(250_000));
}
