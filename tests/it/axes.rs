//! The axis pages: a Maison's page for its staff, the network page for admins, the partnered Maisons'
//! validated plans for partners; figures checked against the fixture of `reseau.rs`.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;

use crate::helpers::*;
use crate::reseau::{ACTIONS, Act, fixture, fr, is_late, pct, percentile, text};

fn money(cents: i64) -> String {
    let euros = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{grouped},{:02}\u{a0}€", cents % 100)
}

fn of(maison: char, axis: i32) -> Vec<&'static Act> {
    ACTIONS
        .iter()
        .filter(|a| a.maison == maison && a.axis == axis)
        .collect()
}

#[tokio::test]
async fn staff_see_their_maison_on_each_axis() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let staff = app.signed_in(STAFF_A).await;
    for axis in 1..=4 {
        let (status, raw) = staff.get_html(&format!("/axes/{axis}")).await;
        assert_eq!(status, StatusCode::OK, "axis {axis}");
        assert!(!raw.contains("style=\""));
        let html = text(&raw);
        let mine = of('A', axis);
        for a in &mine {
            assert!(html.contains(a.title), "axis {axis}: {}", a.title);
        }
        for a in ACTIONS.iter().filter(|a| a.maison != 'A') {
            assert!(!html.contains(a.title), "axis {axis} shows {}", a.title);
        }
        assert!(!html.contains("Ancienne action"), "an old plan's action");
        let title: String =
            sqlx::query_scalar("select title from axis where charter = '2009' and number = $1")
                .bind(axis)
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert!(html.contains(&title));
    }
    axis_1_in_figures(&staff).await;
    // Another Maison's page or a missing axis: 404.
    for path in [
        format!("/axes/1?maison={}", f.w.maison_b),
        format!("/axes/1?maison={}", f.maison_c),
        "/axes/5".to_owned(),
        "/axes/abc".to_owned(),
        format!("/axes/1/export/csv?maison={}", f.w.maison_b),
    ] {
        let (status, _) = staff.get_html(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = staff
        .get_html(&format!("/axes/1?maison={}", f.w.maison_a))
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// Axis 1 in figures.
async fn axis_1_in_figures(staff: &TestClient) {
    let (_, html) = staff.get_html("/axes/1").await;
    let mine = of('A', 1);
    let done = mine.iter().filter(|a| a.status == "realisee").count();
    let late: Vec<&&Act> = mine.iter().filter(|a| is_late(a)).collect();
    let cents = |state: Option<&str>| -> i64 {
        mine.iter()
            .flat_map(|a| a.funding.iter())
            .filter(|f| state.is_none_or(|s| s == f.2))
            .map(|f| f.1)
            .sum()
    };
    assert!(html.contains(&format!(
        "<strong>{}</strong> actions sous cet axe",
        mine.len()
    )));
    // « 1 réalisée », « 2 réalisées »: singular below two (issue 15).
    assert!(html.contains(&format!(
        "<strong>{done}</strong> {} ({})",
        if done < 2 {
            "réalisée"
        } else {
            "réalisées"
        },
        pct(done, mine.len())
    )));
    assert!(html.contains(&format!("<strong>{}</strong> en retard", late.len())));
    assert!(
        html.contains(&format!(
            "<strong>{}</strong> de budget, dont {} acquis et {} sollicités",
            money(cents(None)),
            money(cents(Some("acquis"))),
            money(cents(Some("sollicite")))
        )),
        "budget"
    );
    assert_eq!(money(cents(None)), "3\u{202f}500,50\u{a0}€");
    let retard =
        &html[html.find("id=\"retard\"").unwrap()..html.find("id=\"comparaison\"").unwrap()];
    for a in &mine {
        assert_eq!(
            retard.contains(a.title),
            is_late(a),
            "late list: {}",
            a.title
        );
    }
    assert!(html.contains("35 / 40 stagiaires (2025)"));
    // Network comparison: the other Maisons with a validated plan (C only; B's plan is a draft).
    let c = of('C', 1);
    let c_done = c.iter().filter(|a| a.status == "realisee").count();
    let counts = [c.len() as f64];
    assert!(html.contains(&format!(">{}<", fr(percentile(&counts, 0.5)))));
    assert!(html.contains(&pct(c_done, c.len())));
    assert!(html.contains("Comparaison avec 1 autre Maison dont"));
}

/// An action the Maison pilots itself names the Maison as pilot on the axis page and in its export
/// (issue 16: the page showed « — », reading only the pilot organisation).
#[tokio::test]
async fn an_action_the_maison_pilots_names_the_maison() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let a = of('A', 1)[0];
    sqlx::query(
        "update action set pilot_maison = true, pilot_organisation_id = null,
                           pilot_referent_account_id = null, pilot_contact_id = null
         where title = $1",
    )
    .bind(a.title)
    .execute(&app.db)
    .await
    .unwrap();
    let maison: String = sqlx::query_scalar("select name from maison where id = $1")
        .bind(f.w.maison_a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let staff = app.signed_in(STAFF_A).await;
    let (_, html) = staff.get_html("/axes/1").await;
    let row = html
        .split("<tr")
        .find(|r| r.contains(a.title))
        .expect("the action's row");
    let escaped = maison.replace('\'', "&#39;");
    assert!(row.contains(&format!("<td>{escaped}</td>")), "{row}");
    assert!(!row.contains("<td>—</td>"), "{row}");
    let r = staff.get("/axes/1/export/csv").await;
    let text = r.text().await.unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(a.title))
        .expect("the action's line");
    let found = line.split(';').any(|cell| cell == maison);
    assert!(found, "the export names the Maison as pilot");
}

#[tokio::test]
async fn admins_see_the_network_on_an_axis() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/axes/1?programme=tous").await;
    assert_eq!(status, StatusCode::OK);
    let on_axis: Vec<&Act> = ACTIONS.iter().filter(|a| a.axis == 1).collect();
    let late = on_axis.iter().filter(|a| is_late(a)).count();
    let with: std::collections::BTreeSet<char> = on_axis.iter().map(|a| a.maison).collect();
    assert!(html.contains(&format!("<strong>{}</strong> actions", on_axis.len())));
    assert!(html.contains(&format!("<strong>{late}</strong> en retard")));
    assert!(html.contains(&format!("<strong>{}</strong> Maisons sur 4", with.len())));
    let budget: i64 = on_axis
        .iter()
        .flat_map(|a| a.funding.iter())
        .map(|f| f.1)
        .sum();
    assert!(html.contains(&money(budget)), "budget {}", money(budget));
    let doc = scraper::Html::parse_document(&html);
    let rows: Vec<String> = doc
        .select(&scraper::Selector::parse("tbody tr").unwrap())
        .map(|tr| tr.text().collect::<Vec<_>>().join("|"))
        .collect();
    let realised = on_axis.iter().filter(|a| a.status == "realisee").count();
    assert!(
        rows.contains(&format!(
            "réalisée|{realised}|{}",
            pct(realised, on_axis.len())
        )),
        "{rows:?}"
    );
    let batiment: Vec<&&Act> = on_axis
        .iter()
        .filter(|a| a.sector == Some("batiment"))
        .collect();
    let bat_maisons: std::collections::BTreeSet<char> = batiment.iter().map(|a| a.maison).collect();
    assert!(
        rows.iter().any(|r| r.starts_with(&format!(
            "Bâtiment et rénovation énergétique|{}|{}|",
            bat_maisons.len(),
            batiment.len()
        ))),
        "{rows:?}"
    );
    let idf = on_axis.iter().filter(|a| a.maison == 'C').count();
    assert!(
        rows.iter()
            .any(|r| r.starts_with(&format!("Île-de-France|1|{idf}|")))
    );
    // D has no action under axis 1 (no plan at all).
    let missing = &html[html.find("id=\"sans-action\"").unwrap()..];
    assert!(missing.contains("emploi D"));
    assert!(!missing.contains("emploi A"));
    // Axis 4: only C.
    let (_, html) = admin.get_html("/axes/4?programme=tous").await;
    let missing = &html[html.find("id=\"sans-action\"").unwrap()..];
    assert!(missing.contains("<strong>3</strong> Maisons"));
    // An admin may open one Maison's page.
    let (_, html) = admin
        .get_html(&format!("/axes/1?maison={}", f.w.maison_b))
        .await;
    assert!(html.contains("Formation FEEBAT pour les plombiers"));
}

#[tokio::test]
async fn partners_see_validated_plans_of_partnered_maisons() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let partner = app.signed_in(PARTNER).await;
    // Two partnered Maisons: a choice.
    let (status, html) = partner.get_html("/axes/2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("?maison={}", f.w.maison_a)));
    assert!(html.contains(&format!("?maison={}", f.w.maison_b)));
    assert!(!html.contains("emploi C"));
    for axis in 1..=4 {
        let (status, html) = partner
            .get_html(&format!("/axes/{axis}?maison={}", f.w.maison_a))
            .await;
        assert_eq!(status, StatusCode::OK);
        let html = text(&html);
        for a in of('A', axis) {
            assert!(html.contains(a.title));
        }
        // B's plan is a draft: nothing of it.
        let (status, html) = partner
            .get_html(&format!("/axes/{axis}?maison={}", f.w.maison_b))
            .await;
        assert_eq!(status, StatusCode::OK);
        let html = text(&html);
        assert!(html.contains("pas encore de plan d'actions validé"));
        for a in of('B', axis) {
            assert!(!html.contains(a.title));
        }
        let (status, _) = partner
            .get_html(&format!("/axes/{axis}?maison={}", f.maison_c))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let other = app.signed_in(OTHER_PARTNER).await;
    let (status, html) = other.get_html("/axes/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&html).contains("n'est partenaire d'aucune"));
    let (status, _) = other
        .get_html(&format!("/axes/1?maison={}", f.w.maison_a))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other
        .get_html(&format!("/axes/1/export/csv?maison={}", f.w.maison_a))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Partners never reach the network view.
    let (_, html) = partner.get_html("/axes/1").await;
    assert!(!html.contains("id=\"sans-action\""));
}

#[tokio::test]
async fn axis_exports() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let staff = app.signed_in(STAFF_A).await;
    let r = staff.get("/axes/1/export/csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + of('A', 1).len());
    assert!(lines[0].starts_with("Maison;N°;Fiche action;Statut;"));
    let a1: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(a1[2], "Diagnostic des besoins du bâtiment");
    assert_eq!(a1[3], "réalisée");
    assert_eq!(a1[11], "1500,5", "budget with a decimal comma");
    assert_eq!(a1[12], "1000,5");
    let a2: Vec<&str> = lines[2].split(';').collect();
    assert_eq!(a2[10], "oui", "late");

    let admin = app.signed_in(ADMIN).await;
    let r = admin.get("/axes/1/export/xlsx?programme=tous").await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(r.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    assert_eq!(range.height(), 5, "header + 4 Maisons");
    let row_a = (1..5u32)
        .find(|r| range.get_value((*r, 0)) == Some(&Data::Float(f.w.maison_a as f64)))
        .unwrap();
    assert_eq!(
        range.get_value((row_a, 4)),
        Some(&Data::Float(of('A', 1).len() as f64))
    );
    assert_eq!(range.get_value((row_a, 8)), Some(&Data::Float(3500.5)));
    let row_d = (1..5u32)
        .find(|r| range.get_value((*r, 0)) == Some(&Data::Float(f.maison_d as f64)))
        .unwrap();
    assert_eq!(range.get_value((row_d, 4)), Some(&Data::Float(0.0)));
}

/// Issue 14, finding 4: an action title or a Maison name typed as a formula is neutralised in the axis
/// export (the network's one and a Maison's own); numbers stay numbers.
#[tokio::test]
async fn axis_csv_neutralises_formulas() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    sqlx::query(
        "update action set title = '-2+3+cmd|'' /C calc''!A0'
         where number = 1 and plan_id in (select id from plan where maison_id = $1)",
    )
    .bind(f.w.maison_a)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("update maison set name = '@SUM(1+1)' where id = $1")
        .bind(f.w.maison_a)
        .execute(&app.db)
        .await
        .unwrap();
    let staff = app.signed_in(STAFF_A).await;
    let bytes = staff.get("/axes/1/export/csv").await.bytes().await.unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let a1: Vec<&str> = text.lines().nth(1).unwrap().split(';').collect();
    assert_eq!(a1[0], "'@SUM(1+1)");
    assert_eq!(a1[2], "'-2+3+cmd|' /C calc'!A0");
    assert_eq!(a1[11], "1500,5", "budgets stay numbers");
    let admin = app.signed_in(ADMIN).await;
    let bytes = admin
        .get("/axes/1/export/csv?programme=tous")
        .await
        .bytes()
        .await
        .unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains(";'@SUM(1+1);"), "{text}");
}

/// A funding line of the axis funders' fixture: which Maison, which axis, whether in its current plan,
/// the funder (`Some(key)`: an organisation of the directory, with the text the line types; `None`: free
/// text), cents, state.
struct FundLine {
    maison: char,
    axis: i32,
    current: bool,
    action: i32,
    org: Option<&'static str>,
    text: &'static str,
    cents: i64,
    state: &'static str,
}

const FUND_LINES: &[FundLine] = &[
    // Axis 2, A's current plan: ADEME written two ways, the Région by its directory entry and as free text.
    FundLine {
        maison: 'A',
        axis: 2,
        current: true,
        action: 1,
        org: Some("ademe"),
        text: "ADEME",
        cents: 1_000_050,
        state: "acquis",
    },
    FundLine {
        maison: 'A',
        axis: 2,
        current: true,
        action: 1,
        org: Some("region"),
        text: "Région HDF",
        cents: 500_000,
        state: "sollicite",
    },
    FundLine {
        maison: 'A',
        axis: 2,
        current: true,
        action: 2,
        org: Some("ademe"),
        text: "Ademe DR",
        cents: 250_000,
        state: "sollicite",
    },
    FundLine {
        maison: 'A',
        axis: 2,
        current: true,
        action: 2,
        org: None,
        text: "Région",
        cents: 70_000,
        state: "acquis",
    },
    // B's current plan: the same directory ADEME, and « Région » typed with spaces (the same free text).
    FundLine {
        maison: 'B',
        axis: 2,
        current: true,
        action: 1,
        org: Some("ademe"),
        text: "ADEME Hauts-de-France",
        cents: 300_000,
        state: "acquis",
    },
    FundLine {
        maison: 'B',
        axis: 2,
        current: true,
        action: 1,
        org: None,
        text: "  Région ",
        cents: 30_000,
        state: "sollicite",
    },
    FundLine {
        maison: 'B',
        axis: 2,
        current: true,
        action: 2,
        org: None,
        text: "Fonds social européen",
        cents: 80_000,
        state: "acquis",
    },
    // Not counted on axis 2: another axis, and A's closed plan.
    FundLine {
        maison: 'A',
        axis: 1,
        current: true,
        action: 3,
        org: Some("ademe"),
        text: "ADEME",
        cents: 9_900_000,
        state: "acquis",
    },
    FundLine {
        maison: 'A',
        axis: 2,
        current: false,
        action: 1,
        org: Some("region"),
        text: "Région HDF",
        cents: 7_700_000,
        state: "acquis",
    },
];

/// Issue 15: the network axis page lists the funders grouped by organisation of the directory (whatever
/// the lines typed), the free-text funders apart — figures computed here from `FUND_LINES`.
#[tokio::test]
async fn network_axis_groups_funders_by_directory_organisation() {
    let app = spawn_app().await;
    let w = app.world().await;
    let ademe = app
        .organisation("ADEME – Direction régionale Hauts-de-France", "ademe")
        .await;
    let region = app.organisation("Région Hauts-de-France", "region").await;
    funding_lines(&app, &w, ademe, region).await;
    let (directory, free) = expected_funders(ademe, region);
    // Worked by hand for one row: ADEME is 3 actions of 2 Maisons, 13 000,50 € acquired, 2 500 € requested.
    assert_eq!(
        rows_of(&directory)[0],
        [
            "ADEME – Direction régionale Hauts-de-France",
            "3",
            "2",
            &money(1_300_050),
            &money(250_000),
            &money(1_550_050)
        ]
    );
    assert_eq!(
        free.len(),
        2,
        "« Région » and «  Région  » are one free-text funder"
    );

    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/axes/2?programme=tous").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        table_rows(&html, "Financeurs de l'annuaire"),
        rows_of(&directory)
    );
    assert_eq!(
        table_rows(&html, "Financeurs en texte libre"),
        rows_of(&free)
    );
    assert!(html.contains(&format!("href=\"/organisations/{ademe}\"")));
}

/// The organisation of the directory a line names, by key: its name and id.
fn org_of(key: &str, ademe: i64, region: i64) -> (&'static str, i64) {
    match key {
        "ademe" => ("ADEME – Direction régionale Hauts-de-France", ademe),
        _ => ("Région Hauts-de-France", region),
    }
}

/// The plans and fiches of `FUND_LINES` (a current and a closed plan in Maisons A and B), with their funding.
async fn funding_lines(app: &TestApp, w: &World, ademe: i64, region: i64) {
    let mut plans = std::collections::BTreeMap::new();
    for (m, maison) in [('A', w.maison_a), ('B', w.maison_b)] {
        for (current, status, start) in [(true, "en_oeuvre", 2025), (false, "cloture", 2019)] {
            let id: i64 = sqlx::query_scalar(
                "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan', $2, $2 + 2, $3)
                 returning id",
            )
            .bind(maison)
            .bind(start)
            .bind(status)
            .fetch_one(&app.db)
            .await
            .unwrap();
            plans.insert((m, current), id);
        }
    }
    let mut actions = std::collections::BTreeMap::new();
    for l in FUND_LINES {
        let plan = plans[&(l.maison, l.current)];
        let key = (plan, l.action);
        if let std::collections::btree_map::Entry::Vacant(slot) = actions.entry(key) {
            let id: i64 = sqlx::query_scalar(
                "insert into action (plan_id, number, title, axis_id) select $1, $2, 'Action', id from axis
                 where charter = '2009' and number = $3 returning id",
            )
            .bind(plan)
            .bind(l.action)
            .bind(l.axis)
            .fetch_one(&app.db)
            .await
            .unwrap();
            slot.insert(id);
        }
        sqlx::query(
            "insert into action_funding (action_id, funder, organisation_id, amount_cents, state)
             values ($1, $2, $3, $4, $5)",
        )
        .bind(actions[&key])
        .bind(l.text)
        .bind(l.org.map(|k| org_of(k, ademe, region).1))
        .bind(l.cents)
        .bind(l.state)
        .execute(&app.db)
        .await
        .unwrap();
    }
}

/// Per funder: the distinct actions and Maisons, acquired and requested money.
type FunderSums = (
    std::collections::BTreeSet<(char, i32)>,
    std::collections::BTreeSet<char>,
    i64,
    i64,
);

/// The expected rows: per funder of the directory, then per free-text funder.
fn expected_funders(
    ademe: i64,
    region: i64,
) -> (
    std::collections::BTreeMap<String, FunderSums>,
    std::collections::BTreeMap<String, FunderSums>,
) {
    let mut directory: std::collections::BTreeMap<String, FunderSums> = Default::default();
    let mut free: std::collections::BTreeMap<String, FunderSums> = Default::default();
    for l in FUND_LINES.iter().filter(|l| l.axis == 2 && l.current) {
        let (map, name) = match l.org {
            Some(k) => (&mut directory, org_of(k, ademe, region).0.to_owned()),
            None => (&mut free, l.text.trim().to_owned()),
        };
        let e = map.entry(name).or_default();
        e.0.insert((l.maison, l.action));
        e.1.insert(l.maison);
        if l.state == "acquis" {
            e.2 += l.cents;
        } else {
            e.3 += l.cents;
        }
    }
    (directory, free)
}

/// A funders' table as the page shows it: the biggest total first, then by name.
fn rows_of(map: &std::collections::BTreeMap<String, FunderSums>) -> Vec<Vec<String>> {
    let mut rows: Vec<(i64, Vec<String>)> = map
        .iter()
        .map(|(name, (acts, maisons, acquis, sollicite))| {
            (
                acquis + sollicite,
                vec![
                    name.clone(),
                    acts.len().to_string(),
                    maisons.len().to_string(),
                    money(*acquis),
                    money(*sollicite),
                    money(acquis + sollicite),
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1[0].cmp(&b.1[0])));
    rows.into_iter().map(|(_, r)| r).collect()
}
