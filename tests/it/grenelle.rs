//! `/reseau/grenelle`, the report AVE sends to ADEME (issue 15): the results of catalogue indicators summed by
//! year, region, axis and sector, and the funding by funder of the directory, free-text funders apart — on a
//! known data set whose every expected figure is computed here from its description.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;

use crate::helpers::*;

/// The year the report is read for.
const YEAR: i32 = 2025;

#[derive(Clone, Copy, PartialEq)]
enum Ind {
    /// A catalogue indicator, by code.
    Catalogue(&'static str),
    /// Typed as free text.
    Free(&'static str),
}

#[derive(Clone, Copy, PartialEq)]
enum Funder {
    /// An organisation of the directory, by its key in the fixture.
    Directory(&'static str),
    Free(&'static str),
}

/// Which plan of its Maison an action is in.
#[derive(Clone, Copy, PartialEq)]
enum Plan {
    /// The current one (running, or validated for C).
    Current,
    /// A closed earlier plan (A) or a newer draft (D): never the current one.
    Other,
}

struct Line {
    maison: char,
    plan: Plan,
    axis: i32,
    sector: Option<&'static str>,
    /// The action's years (start, end).
    years: (i32, i32),
    /// (indicator, year, target, achieved)
    results: &'static [(Ind, i32, f64, Option<f64>)],
    /// (funder, cents, state)
    funding: &'static [(Funder, i64, &'static str)],
}

/// A, C and D are in the programme; B is not. A: Hauts-de-France, C: Île-de-France, D: Occitanie.
const LINES: &[Line] = &[
    Line {
        maison: 'A',
        plan: Plan::Current,
        axis: 2,
        sector: Some("batiment"),
        years: (2024, 2025),
        results: &[
            (Ind::Catalogue("FEEBAT"), 2025, 40.0, Some(35.0)),
            (Ind::Catalogue("FEEBAT"), 2024, 30.0, Some(28.0)),
        ],
        funding: &[
            (Funder::Directory("ademe"), 1_000_050, "acquis"),
            (Funder::Directory("region"), 500_000, "sollicite"),
        ],
    },
    Line {
        maison: 'A',
        plan: Plan::Current,
        axis: 2,
        sector: Some("batiment"),
        years: (2025, 2026),
        results: &[
            (Ind::Catalogue("RGE"), 2025, 12.0, Some(9.0)),
            (Ind::Free("Artisans sensibilisés"), 2025, 100.0, Some(80.0)),
        ],
        funding: &[(Funder::Free("Région"), 250_000, "acquis")],
    },
    Line {
        maison: 'A',
        plan: Plan::Current,
        axis: 3,
        sector: None,
        years: (2025, 2025),
        results: &[
            (Ind::Catalogue("CLAUSES_H"), 2025, 5000.0, Some(6200.5)),
            (Ind::Catalogue("BMO_DIFF"), 2025, 50.0, Some(48.0)),
        ],
        funding: &[(Funder::Directory("ademe"), 300_000, "acquis")],
    },
    Line {
        maison: 'A',
        plan: Plan::Other,
        axis: 2,
        sector: Some("batiment"),
        years: (2025, 2025),
        results: &[(Ind::Catalogue("FEEBAT"), 2025, 500.0, Some(500.0))],
        funding: &[(Funder::Directory("ademe"), 9_900_000, "acquis")],
    },
    Line {
        maison: 'B',
        plan: Plan::Current,
        axis: 2,
        sector: Some("batiment"),
        years: (2025, 2025),
        results: &[(Ind::Catalogue("FEEBAT"), 2025, 700.0, Some(700.0))],
        funding: &[(Funder::Directory("region"), 7_700_000, "acquis")],
    },
    Line {
        maison: 'C',
        plan: Plan::Current,
        axis: 2,
        sector: Some("batiment"),
        years: (2025, 2027),
        results: &[
            (Ind::Catalogue("FEEBAT"), 2025, 20.0, Some(25.0)),
            (Ind::Catalogue("FEEBAT"), 2026, 30.0, None),
        ],
        funding: &[
            (Funder::Directory("ademe"), 420_000, "sollicite"),
            (Funder::Free("Fonds social européen"), 80_000, "acquis"),
        ],
    },
    Line {
        maison: 'C',
        plan: Plan::Current,
        axis: 4,
        sector: Some("transports"),
        years: (2023, 2024),
        results: &[(Ind::Catalogue("ACT_MENAGES"), 2024, 60.0, Some(64.0))],
        funding: &[(Funder::Directory("region"), 150_000, "acquis")],
    },
    Line {
        maison: 'D',
        plan: Plan::Current,
        axis: 3,
        sector: Some("enr"),
        years: (2025, 2025),
        results: &[
            (Ind::Catalogue("ACT_FORUM"), 2025, 300.0, Some(410.0)),
            (Ind::Catalogue("RGE"), 2025, 5.0, Some(6.0)),
        ],
        funding: &[(Funder::Free("Région"), 60_000, "sollicite")],
    },
    Line {
        maison: 'D',
        plan: Plan::Other,
        axis: 3,
        sector: Some("enr"),
        years: (2025, 2025),
        results: &[(Ind::Catalogue("ACT_FORUM"), 2025, 9000.0, Some(9000.0))],
        funding: &[(Funder::Free("Région"), 990_000, "acquis")],
    },
];

fn programme(maison: char) -> bool {
    maison != 'B'
}

fn region_of(maison: char) -> &'static str {
    match maison {
        'A' | 'B' => "Hauts-de-France",
        'C' => "Île-de-France",
        _ => "Occitanie",
    }
}

/// The lines the report counts: programme Maisons, current plans.
fn counted() -> impl Iterator<Item = &'static Line> {
    LINES
        .iter()
        .filter(|l| programme(l.maison) && l.plan == Plan::Current)
}

/// Catalogue indicators that add up (in this fixture, every catalogue one but the rate BMO_DIFF).
fn summed(i: Ind) -> Option<&'static str> {
    match i {
        Ind::Catalogue(c) if c != "BMO_DIFF" => Some(c),
        _ => None,
    }
}

/// Expected sums: (group, catalogue code) → (actions, Maisons, target, achieved; none when no line has one).
type Sums = BTreeMap<(String, &'static str), (usize, usize, f64, Option<f64>)>;

fn expected(group: impl Fn(&Line, i32) -> Option<String>) -> Sums {
    // The actions and Maisons seen in each group, and the sums.
    type Seen = (Vec<usize>, Vec<char>, f64, Option<f64>);
    let mut acc: BTreeMap<(String, &'static str), Seen> = BTreeMap::new();
    for (n, l) in LINES.iter().enumerate() {
        if !(programme(l.maison) && l.plan == Plan::Current) {
            continue;
        }
        for (ind, year, target, achieved) in l.results {
            let (Some(code), Some(g)) = (summed(*ind), group(l, *year)) else {
                continue;
            };
            let e = acc.entry((g, code)).or_default();
            if !e.0.contains(&n) {
                e.0.push(n);
            }
            if !e.1.contains(&l.maison) {
                e.1.push(l.maison);
            }
            e.2 += target;
            if let Some(a) = achieved {
                e.3 = Some(e.3.unwrap_or(0.0) + a);
            }
        }
    }
    acc.into_iter()
        .map(|(k, v)| (k, (v.0.len(), v.1.len(), v.2, v.3)))
        .collect()
}

fn axis_label(n: i32) -> &'static str {
    match n {
        2 => "Axe 2",
        3 => "Axe 3",
        4 => "Axe 4",
        _ => "Axe 1",
    }
}

fn sector_label(s: Option<&str>) -> &'static str {
    match s {
        Some("batiment") => "Bâtiment et rénovation énergétique",
        Some("transports") => "Transports et mobilité",
        Some("enr") => "Énergies renouvelables",
        _ => "Filière non renseignée",
    }
}

/// French number as the page prints it: up to two decimals, comma, narrow no-break space every three digits.
fn fr(x: f64) -> String {
    mde::web::format::decimal(x, 2)
}

struct Orgs {
    ademe: i64,
    region: i64,
    labels: BTreeMap<&'static str, (String, String)>,
}

async fn fixture(app: &TestApp) -> (World, Orgs) {
    let w = app.world().await;
    let (c, d) = maisons_c_and_d(app, &w).await;
    let ademe = app
        .organisation("ADEME – Direction régionale Hauts-de-France", "ademe")
        .await;
    let region = app.organisation("Région Hauts-de-France", "region").await;
    let plans = plans_of(app, &w, c, d).await;
    fiches(app, &plans, ademe, region).await;
    (
        w,
        Orgs {
            ademe,
            region,
            labels: indicator_labels(app).await,
        },
    )
}

/// Two more Maisons of the programme, in other regions.
async fn maisons_c_and_d(app: &TestApp, w: &World) -> (i64, i64) {
    let c = app.maison("Maison de l'emploi C").await;
    let d = app.maison("Maison de l'emploi D").await;
    sqlx::query(
        "update maison set region_code = '11', departement_code = '75', city = 'Paris' where id = $1",
    )
    .bind(c)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "update maison set region_code = '76', departement_code = '31', city = 'Toulouse' where id = $1",
    )
    .bind(d)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("update maison set grenelle_year = 2010 where id = any($1)")
        .bind(vec![w.maison_a, c, d])
        .execute(&app.db)
        .await
        .unwrap();
    (c, d)
}

/// Each Maison's current plan, and two that are not current: by (Maison, current).
async fn plans_of(app: &TestApp, w: &World, c: i64, d: i64) -> BTreeMap<(char, bool), i64> {
    let maison = |m: char| match m {
        'A' => w.maison_a,
        'B' => w.maison_b,
        'C' => c,
        _ => d,
    };
    let mut plans = BTreeMap::new();
    for m in ['A', 'B', 'C', 'D'] {
        let (status, start) = match m {
            'C' => ("valide", 2024),
            'B' => ("brouillon", 2024),
            _ => ("en_oeuvre", 2024),
        };
        let id: i64 = sqlx::query_scalar(
            "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan', $2, $2 + 3, $3)
             returning id",
        )
        .bind(maison(m))
        .bind(start)
        .bind(status)
        .fetch_one(&app.db)
        .await
        .unwrap();
        plans.insert((m, true), id);
    }
    // A's closed earlier plan, D's newer draft: neither is the current plan.
    for (m, status, start) in [('A', "cloture", 2020), ('D', "brouillon", 2027)] {
        let id: i64 = sqlx::query_scalar(
            "insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Autre plan', $2, $2 + 3, $3)
             returning id",
        )
        .bind(maison(m))
        .bind(start)
        .bind(status)
        .fetch_one(&app.db)
        .await
        .unwrap();
        plans.insert((m, false), id);
    }
    plans
}

/// The fiches of `LINES`, with their results and funding.
async fn fiches(app: &TestApp, plans: &BTreeMap<(char, bool), i64>, ademe: i64, region: i64) {
    let mut numbers: BTreeMap<i64, i32> = BTreeMap::new();
    for l in LINES {
        let plan = plans[&(l.maison, l.plan == Plan::Current)];
        let n = numbers.entry(plan).or_insert(0);
        *n += 1;
        let action: i64 = sqlx::query_scalar(
            "insert into action (plan_id, number, title, axis_id, sector_code, start_date, end_date)
             select $1, $2, 'Action', id, $4, make_date($5, 1, 1), make_date($6, 12, 31)
             from axis where charter = '2009' and number = $3 returning id",
        )
        .bind(plan)
        .bind(*n)
        .bind(l.axis)
        .bind(l.sector)
        .bind(l.years.0)
        .bind(l.years.1)
        .fetch_one(&app.db)
        .await
        .unwrap();
        for (ind, year, target, achieved) in l.results {
            let (code, label) = match ind {
                Ind::Catalogue(c) => (Some(*c), "Copie du libellé"),
                Ind::Free(label) => (None, *label),
            };
            sqlx::query(
                "insert into action_indicator (action_id, label, unit, target, achieved, year, indicator_id)
                 values ($1, $2, 'u', $3, $4, $5, (select id from indicator where code = $6))",
            )
            .bind(action)
            .bind(label)
            .bind(target)
            .bind(achieved)
            .bind(year)
            .bind(code)
            .execute(&app.db)
            .await
            .unwrap();
        }
        for (funder, cents, state) in l.funding {
            let (text, org) = match funder {
                Funder::Directory("ademe") => ("ADEME", Some(ademe)),
                Funder::Directory(_) => ("Région HDF", Some(region)),
                Funder::Free(t) => (*t, None),
            };
            sqlx::query(
                "insert into action_funding (action_id, funder, organisation_id, amount_cents, state)
                 values ($1, $2, $3, $4, $5)",
            )
            .bind(action)
            .bind(text)
            .bind(org)
            .bind(cents)
            .bind(state)
            .execute(&app.db)
            .await
            .unwrap();
        }
    }
}

/// The catalogue's label and unit of each indicator, by code.
async fn indicator_labels(app: &TestApp) -> BTreeMap<&'static str, (String, String)> {
    let labels: Vec<(String, String, String)> =
        sqlx::query_as("select code, label, unit from indicator")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let mut map = BTreeMap::new();
    for (code, label, unit) in labels {
        let code: &'static str = Box::leak(code.into_boxed_str());
        map.insert(code, (label, unit));
    }
    map
}

/// The rows of the table whose caption begins with `caption`, each as its cells' texts.
fn table(html: &str, caption: &str) -> Vec<Vec<String>> {
    let doc = scraper::Html::parse_document(html);
    let tables = scraper::Selector::parse("table").unwrap();
    let cap = scraper::Selector::parse("caption").unwrap();
    let tr = scraper::Selector::parse("tbody tr").unwrap();
    let cell = scraper::Selector::parse("th, td").unwrap();
    let t = doc
        .select(&tables)
        .find(|t| {
            t.select(&cap)
                .next()
                .is_some_and(|c| c.text().collect::<String>().starts_with(caption))
        })
        .unwrap_or_else(|| panic!("no table « {caption} »"));
    t.select(&tr)
        .map(|r| {
            r.select(&cell)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect()
}

/// Checks a grouped table against the expected sums: every expected row present with its figures, and no
/// other row.
fn check(rows: &[Vec<String>], sums: &Sums, orgs: &Orgs, grouped: bool, what: &str) {
    assert_eq!(rows.len(), sums.len(), "{what}: {rows:?}");
    for ((group, code), (actions, maisons, target, achieved)) in sums {
        let (label, unit) = &orgs.labels[code];
        let mut want: Vec<String> = Vec::new();
        if grouped {
            want.push(group.clone());
        }
        want.extend([
            label.clone(),
            unit.clone(),
            actions.to_string(),
            maisons.to_string(),
            fr(*target),
            achieved.map(fr).unwrap_or_else(|| "—".into()),
        ]);
        assert!(
            rows.iter().any(|r| if grouped {
                r[0].starts_with(&want[0]) && r[1..] == want[1..]
            } else {
                *r == want
            }),
            "{what}: {want:?} missing from {rows:?}"
        );
    }
}

#[tokio::test]
async fn the_report_sums_catalogue_results_and_funding_by_funder() {
    let app = spawn_app().await;
    let (_w, orgs) = fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin
        .get_html(&format!("/reseau/grenelle?annee={YEAR}"))
        .await;
    assert_eq!(status, StatusCode::OK);

    let by_region = the_results_tables_sum_what_counts(&html, &orgs);
    the_loose_indicators_and_the_stats(&html, &orgs);
    let free = the_funding_by_funder(&html, &orgs);
    the_workbook_has_the_same_figures(&admin, &orgs, &by_region, &free).await;
    // Another year has its own figures (the year is in the cache key).
    let (_, html_2024) = admin.get_html("/reseau/grenelle?annee=2024").await;
    let totals_2024 = expected(|_, y| (y == 2024).then(String::new));
    check(
        &table(&html_2024, "Résultats 2024 des actions"),
        &totals_2024,
        &orgs,
        false,
        "2024",
    );
    // Only admins read the report and its export.
    for who in [STAFF_A, PARTNER] {
        let c = app.signed_in(who).await;
        assert_eq!(
            c.get("/reseau/grenelle").await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            c.get("/reseau/grenelle/export.xlsx").await.status(),
            StatusCode::NOT_FOUND
        );
    }
}

/// The results tables, each against the sums of the lines that count; returns the regions' sums.
fn the_results_tables_sum_what_counts(html: &str, orgs: &Orgs) -> Sums {
    let this_year = |_: &Line, y: i32| (y == YEAR).then(String::new);
    let totals = expected(this_year);
    // Worked by hand for one figure: FEEBAT 2025 is A's 35 and C's 25 (A's closed plan and B are out).
    assert_eq!(totals[&(String::new(), "FEEBAT")], (2, 2, 60.0, Some(60.0)));
    check(
        &table(html, &format!("Résultats {YEAR} des actions")),
        &totals,
        orgs,
        false,
        "totals",
    );
    let by_region = expected(|l, y| (y == YEAR).then(|| region_of(l.maison).to_owned()));
    check(
        &table(html, &format!("Résultats {YEAR} par région")),
        &by_region,
        orgs,
        true,
        "regions",
    );
    let by_axis = expected(|l, y| (y == YEAR).then(|| axis_label(l.axis).to_owned()));
    check(
        &table(html, &format!("Résultats {YEAR} par axe")),
        &by_axis,
        orgs,
        true,
        "axes",
    );
    let by_sector = expected(|l, y| (y == YEAR).then(|| sector_label(l.sector).to_owned()));
    check(
        &table(html, &format!("Résultats {YEAR} par filière")),
        &by_sector,
        orgs,
        true,
        "sectors",
    );
    let by_year = expected(|_, y| Some(y.to_string()));
    check(
        &table(html, "Résultats du programme par année"),
        &by_year,
        orgs,
        true,
        "years",
    );
    by_region
}

/// The rate and the free-text line are listed apart, not summed.
fn the_loose_indicators_and_the_stats(html: &str, orgs: &Orgs) {
    let loose = table(html, &format!("Indicateurs {YEAR} non additionnés"));
    assert_eq!(loose.len(), 2, "{loose:?}");
    assert!(
        loose
            .iter()
            .any(|r| r[0] == "Artisans sensibilisés" && r[2] == "texte libre")
    );
    assert!(
        loose
            .iter()
            .any(|r| r[0] == orgs.labels["BMO_DIFF"].0 && r[2] == "taux du catalogue")
    );
    let stats: String = scraper::Html::parse_document(html)
        .select(&scraper::Selector::parse("ul.stats").unwrap())
        .flat_map(|e| e.text())
        .collect();
    let run = counted()
        .filter(|l| l.years.0 <= YEAR && l.years.1 >= YEAR)
        .count();
    assert!(
        stats.contains(&format!("{run} actions menées en {YEAR}")),
        "{stats}"
    );
    assert!(
        stats.contains("3 Maisons sur 3 en rendent compte"),
        "{stats}"
    );
}

/// Funding of the actions run in the year, by funder: the directory's, then free text apart; returns the
/// free-text funders' sums.
fn the_funding_by_funder(html: &str, orgs: &Orgs) -> BTreeMap<&'static str, (usize, i64, i64)> {
    let mut directory: BTreeMap<&str, (usize, i64, i64)> = BTreeMap::new();
    let mut free: BTreeMap<&str, (usize, i64, i64)> = BTreeMap::new();
    for l in counted().filter(|l| l.years.0 <= YEAR && l.years.1 >= YEAR) {
        for (funder, cents, state) in l.funding {
            let (map, key) = match funder {
                Funder::Directory("ademe") => (
                    &mut directory,
                    "ADEME – Direction régionale Hauts-de-France",
                ),
                Funder::Directory(_) => (&mut directory, "Région Hauts-de-France"),
                Funder::Free(t) => (&mut free, *t),
            };
            let e = map.entry(key).or_default();
            e.0 += 1;
            if *state == "acquis" {
                e.1 += cents;
            } else {
                e.2 += cents;
            }
        }
    }
    // By hand: ADEME funds A's first and third actions and C's first: 10 000,50 + 3 000 acquis, 4 200 sollicités.
    assert_eq!(
        directory["ADEME – Direction régionale Hauts-de-France"],
        (3, 1_300_050, 420_000)
    );
    let money = mde::web::format::money;
    for (caption, want) in [
        ("Financeurs de l'annuaire", &directory),
        ("Financeurs en texte libre", &free),
    ] {
        let rows = table(html, caption);
        assert_eq!(rows.len(), want.len(), "{caption}: {rows:?}");
        for (name, (actions, acquis, sollicite)) in want.iter() {
            let row = rows
                .iter()
                .find(|r| r[0] == *name)
                .unwrap_or_else(|| panic!("{caption}: {name} missing from {rows:?}"));
            let n = row.len();
            assert_eq!(row[n - 5], actions.to_string(), "{caption}: {row:?}");
            assert_eq!(row[n - 3], money(*acquis), "{caption}: {row:?}");
            assert_eq!(row[n - 2], money(*sollicite), "{caption}: {row:?}");
            assert_eq!(row[n - 1], money(acquis + sollicite), "{caption}: {row:?}");
        }
    }
    // « Région » typed by hand is not the directory's Région Hauts-de-France.
    assert!(free.contains_key("Région"));
    assert!(html.contains(&format!("href=\"/organisations/{}\"", orgs.region)));
    assert!(html.contains(&format!("href=\"/organisations/{}\"", orgs.ademe)));
    free
}

/// The XLSX export: the same figures, typed, one sheet per table.
async fn the_workbook_has_the_same_figures(
    admin: &TestClient,
    orgs: &Orgs,
    by_region: &Sums,
    free: &BTreeMap<&'static str, (usize, i64, i64)>,
) {
    let r = admin
        .get(&format!("/reseau/grenelle/export.xlsx?annee={YEAR}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("bilan-programme-grenelle-{YEAR}.xlsx"))
    );
    let bytes = r.bytes().await.unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("Par région").unwrap();
    let rows: Vec<Vec<Data>> = sheet.rows().skip(1).map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), by_region.len());
    for ((region, code), (actions, maisons, target, achieved)) in by_region {
        let label = &orgs.labels[code].0;
        assert!(
            rows.iter().any(|r| r[0] == Data::String(region.clone())
                && r[1] == Data::String(label.clone())
                && r[3] == Data::Float(*actions as f64)
                && r[4] == Data::Float(*maisons as f64)
                && r[5] == Data::Float(*target)
                && Some(&r[6]) == achieved.map(Data::Float).as_ref()),
            "{region} {code}: {rows:?}"
        );
    }
    let sheet = book.worksheet_range("Financeurs en texte libre").unwrap();
    let region_free = sheet
        .rows()
        .find(|r| r[0] == Data::String("Région".into()))
        .unwrap()
        .to_vec();
    assert_eq!(
        region_free[3],
        Data::Float((free["Région"].1 as f64) / 100.0)
    );
    let names: Vec<String> = book.sheet_names().to_vec();
    assert_eq!(
        names,
        [
            format!("Résultats {YEAR}"),
            "Par région".into(),
            "Par axe".into(),
            "Par filière".into(),
            "Par année".into(),
            "Financeurs de l'annuaire".into(),
            "Financeurs en texte libre".into(),
        ]
    );
}

/// The demo fills the report: results from the catalogue, funders from the directory — each one a partner
/// of the Maison whose fiche it funds — and some free text, as Maisons write it.
#[tokio::test]
async fn the_demo_fills_the_report() {
    let app = spawn_app().await;
    mde::demo::seed(&app.db, 1).await.unwrap();
    assert!(
        app.count("select count(*) from action_indicator where indicator_id is not null")
            .await
            > 100
    );
    assert!(
        app.count("select count(*) from action_indicator where indicator_id is null")
            .await
            > 50
    );
    assert!(
        app.count("select count(*) from action_funding where organisation_id is not null")
            .await
            > 100
    );
    assert!(
        app.count("select count(*) from action_funding where organisation_id is null")
            .await
            > 20
    );
    // A directory funder is one of the Maison's partners, and the line carries its name.
    assert_eq!(
        app.count(
            "select count(*) from action_funding f
             join action a on a.id = f.action_id join plan p on p.id = a.plan_id
             join organisation o on o.id = f.organisation_id
             where f.funder <> o.name
                or not exists (select 1 from partnership ps
                               where ps.maison_id = p.maison_id and ps.organisation_id = o.id)"
        )
        .await,
        0
    );
    // A catalogue line carries the catalogue's label and unit.
    assert_eq!(
        app.count(
            "select count(*) from action_indicator ai join indicator i on i.id = ai.indicator_id
             where ai.label <> i.label or ai.unit <> i.unit or not i.for_actions"
        )
        .await,
        0
    );
    let mut admin = app.client();
    admin
        .login("admin@ave.example.org", mde::demo::DEMO_PASSWORD)
        .await;
    let (status, html) = admin.get_html("/reseau/grenelle").await;
    assert_eq!(status, StatusCode::OK);
    let last = chrono::Datelike::year(&mde::web::format::today()) - 1;
    let totals = table(&html, &format!("Résultats {last} des actions"));
    assert!(totals.len() >= 5, "{totals:?}");
    // Most programme Maisons report on the last complete year, not one or two.
    let reporting: i64 = sqlx::query_scalar(
        "select count(distinct p.maison_id) from action_result r
         join action a on a.id = r.action_id join maison_current_plan p on p.plan_id = a.plan_id
         join maison m on m.id = p.maison_id and m.grenelle_year is not null
         join indicator i on i.id = r.indicator_id and i.measure = 'effectif'
         where r.year = $1 and r.achieved is not null",
    )
    .bind(last)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(reporting >= 8, "{reporting}");
    let stats: String = scraper::Html::parse_document(&html)
        .select(&scraper::Selector::parse("ul.stats").unwrap())
        .flat_map(|e| e.text())
        .collect();
    assert!(
        stats.contains(&format!("{reporting} Maisons sur 30 en rendent compte")),
        "{stats}"
    );
    assert!(table(&html, "Financeurs de l'annuaire").len() >= 5);
    assert!(!table(&html, "Financeurs en texte libre").is_empty());
}
