//! The network dashboard, its exports, the indicator comparison, the Grenelle roll-up and the search, on a
//! known data set whose expected figures are computed here, in Rust, from the fixture description.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use reqwest::StatusCode;

use crate::helpers::*;

/// One fiche action of the fixture.
pub struct Act {
    pub maison: char,
    pub axis: i32,
    pub title: &'static str,
    pub objectives: &'static str,
    pub status: &'static str,
    pub progress: i32,
    pub sector: Option<&'static str>,
    pub end: Option<&'static str>,
    /// (funder, cents, state)
    pub funding: &'static [(&'static str, i64, &'static str)],
    /// (label, unit, target, achieved, year)
    pub indicators: &'static [(&'static str, &'static str, f64, f64, i32)],
}

/// The actions of the Maisons' current plans (A: en mise en œuvre; B: brouillon; C: validé; D: no plan).
pub const ACTIONS: &[Act] = &[
    Act {
        maison: 'A',
        axis: 1,
        title: "Diagnostic des besoins du bâtiment",
        objectives: "Partager l'état des lieux",
        status: "realisee",
        progress: 100,
        sector: Some("batiment"),
        end: Some("2020-01-01"),
        funding: &[
            ("ADEME", 100_050, "acquis"),
            ("Région", 50_000, "sollicite"),
        ],
        indicators: &[("Stagiaires FEEBAT formés", "stagiaires", 40.0, 35.0, 2025)],
    },
    Act {
        maison: 'A',
        axis: 1,
        title: "Formations FEEBAT des artisans",
        objectives: "Former les artisans à la rénovation énergétique",
        status: "en_cours",
        progress: 50,
        sector: Some("batiment"),
        end: Some("2020-06-30"),
        funding: &[("ADEME", 200_000, "acquis")],
        indicators: &[("Stagiaires FEEBAT formés", "stagiaires", 60.0, 20.0, 2025)],
    },
    Act {
        maison: 'A',
        axis: 2,
        title: "GPECT de la filière solaire",
        objectives: "",
        status: "a_lancer",
        progress: 0,
        sector: Some("enr"),
        end: None,
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'A',
        axis: 3,
        title: "Clauses d'insertion du tramway",
        objectives: "",
        status: "abandonnee",
        progress: 10,
        sector: Some("transports"),
        end: Some("2019-01-01"),
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'A',
        axis: 2,
        title: "Observatoire des compétences vertes",
        objectives: "",
        status: "en_pause",
        progress: 30,
        sector: None,
        end: Some("2099-12-31"),
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'B',
        axis: 1,
        title: "Plan de mobilité des demandeurs",
        objectives: "",
        status: "realisee",
        progress: 100,
        sector: Some("transports"),
        end: Some("2021-01-01"),
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'B',
        axis: 1,
        title: "Formation FEEBAT pour les plombiers",
        objectives: "",
        status: "en_cours",
        progress: 20,
        sector: Some("batiment"),
        end: Some("2021-01-01"),
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'B',
        axis: 3,
        title: "Appui RH aux TPE",
        objectives: "",
        status: "a_lancer",
        progress: 0,
        sector: None,
        end: None,
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'C',
        axis: 1,
        title: "Forum des métiers verts",
        objectives: "",
        status: "realisee",
        progress: 100,
        sector: Some("batiment"),
        end: Some("2024-03-01"),
        funding: &[("ADEME", 30_000, "acquis")],
        indicators: &[("Stagiaires FEEBAT formés", "stagiaires", 10.0, 15.0, 2025)],
    },
    Act {
        maison: 'C',
        axis: 1,
        title: "Label RGE des entreprises",
        objectives: "",
        status: "realisee",
        progress: 100,
        sector: Some("batiment"),
        end: Some("2024-06-01"),
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'C',
        axis: 1,
        title: "Formation FEEBAT des maçons",
        objectives: "",
        status: "en_cours",
        progress: 40,
        sector: Some("batiment"),
        end: Some("2099-01-01"),
        funding: &[],
        indicators: &[],
    },
    Act {
        maison: 'C',
        axis: 4,
        title: "Garde d'enfants en horaires décalés",
        objectives: "",
        status: "en_cours",
        progress: 60,
        sector: None,
        end: Some("2022-01-01"),
        funding: &[],
        indicators: &[],
    },
];

pub const TODAY_AFTER: &str = "2026-01-01";

pub fn is_late(a: &Act) -> bool {
    // Every fixture date is far from today: "past" means before 2026.
    a.end.is_some_and(|e| e < TODAY_AFTER) && a.status != "realisee" && a.status != "abandonnee"
}

pub struct Fixture {
    pub w: World,
    pub maison_c: i64,
    pub maison_d: i64,
    pub plan_b: i64,
}

impl Fixture {
    pub fn maison(&self, c: char) -> i64 {
        match c {
            'A' => self.w.maison_a,
            'B' => self.w.maison_b,
            'C' => self.maison_c,
            _ => self.maison_d,
        }
    }
}

async fn plan(app: &TestApp, maison: i64, title: &str, status: &str, created: &str) -> i64 {
    sqlx::query_scalar(
        "insert into plan (maison_id, title, start_year, end_year, status, created_at)
         values ($1, $2, 2024, 2027, $3, $4::timestamptz) returning id",
    )
    .bind(maison)
    .bind(title)
    .bind(status)
    .bind(created)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The known network: world() (A, B in Hauts-de-France), C in Île-de-France (Grenelle 2010), D in
/// Auvergne-Rhône-Alpes (nothing yet); the partner organisation partners A and B.
pub async fn fixture(app: &TestApp) -> Fixture {
    let w = app.world().await;
    let (maison_c, maison_d) = fixture_maisons(app, &w).await;
    let (plan_a, plan_b, plan_c) = fixture_plans(app, &w, maison_c).await;
    fixture_actions(app, plan_a, plan_b, plan_c).await;
    // Activity: A today, B 200 days ago, C and D never.
    for (maison, age) in [(w.maison_a, "0 days"), (w.maison_b, "200 days")] {
        sqlx::query(
            "insert into event (at, maison_id, object_type, object_id, action, summary)
             values (now() - $2::interval, $1, 'maison', $1, 'modification', 'Maison modifiée')",
        )
        .bind(maison)
        .bind(age)
        .execute(&app.db)
        .await
        .unwrap();
    }
    Fixture {
        w,
        maison_c,
        maison_d,
        plan_b,
    }
}

/// C in Île-de-France (Grenelle 2010), D in Auvergne-Rhône-Alpes; A in the Grenelle programme since 2009;
/// the partner organisation partners B too.
async fn fixture_maisons(app: &TestApp, w: &World) -> (i64, i64) {
    let maison_c: i64 = sqlx::query_scalar(
        "insert into maison (name, legal_form, region_code, departement_code, city, grenelle_year)
         values ('Maison de l''emploi C', 'gip', '11', '75', 'Paris', 2010) returning id",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into maison_epci values ($1, '200054781')")
        .bind(maison_c)
        .execute(&app.db)
        .await
        .unwrap();
    let maison_d: i64 = sqlx::query_scalar(
        "insert into maison (name, legal_form, region_code, departement_code, city)
         values ('Maison de l''emploi D', 'association', '84', '69', 'Lyon') returning id",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query("update maison set grenelle_year = 2009 where id = $1")
        .bind(w.maison_a)
        .execute(&app.db)
        .await
        .unwrap();
    app.partnership(w.maison_b, w.org, &["associe"]).await;
    (maison_c, maison_d)
}

/// A's closed first plan is not its current one: its action must never be counted. Then A's running plan,
/// B's draft and C's validated plan.
async fn fixture_plans(app: &TestApp, w: &World, maison_c: i64) -> (i64, i64, i64) {
    let old_a = plan(app, w.maison_a, "Premier plan", "cloture", "2020-01-01").await;
    sqlx::query(
        "insert into action (plan_id, number, title, axis_id, status, progress)
         select $1, 1, 'Ancienne action FEEBAT', id, 'realisee', 100 from axis where charter = '2009' and number = 1",
    )
    .bind(old_a)
    .execute(&app.db)
    .await
    .unwrap();
    let plan_a = plan(
        app,
        w.maison_a,
        "Plan Grenelle 2024-2027",
        "en_oeuvre",
        "2024-01-01",
    )
    .await;
    let plan_b = plan(
        app,
        w.maison_b,
        "Plan en préparation",
        "brouillon",
        "2024-01-01",
    )
    .await;
    let plan_c = plan(
        app,
        maison_c,
        "Plan vert du Grand Paris",
        "valide",
        "2024-01-01",
    )
    .await;
    (plan_a, plan_b, plan_c)
}

/// The fiches of `ACTIONS` in the current plans, with their funding and results.
async fn fixture_actions(app: &TestApp, plan_a: i64, plan_b: i64, plan_c: i64) {
    let mut numbers = std::collections::HashMap::new();
    for a in ACTIONS {
        let plan_id = match a.maison {
            'A' => plan_a,
            'B' => plan_b,
            _ => plan_c,
        };
        let n = numbers.entry(a.maison).or_insert(0);
        *n += 1;
        let id: i64 = sqlx::query_scalar(
            "insert into action (plan_id, number, title, objectives, axis_id, sector_code, status, progress, end_date)
             select $1, $2, $3, $4, id, $6, $7, $8, $9::date from axis where charter = '2009' and number = $5
             returning id",
        )
        .bind(plan_id)
        .bind(*n)
        .bind(a.title)
        .bind(a.objectives)
        .bind(a.axis)
        .bind(a.sector)
        .bind(a.status)
        .bind(a.progress)
        .bind(a.end)
        .fetch_one(&app.db)
        .await
        .unwrap();
        for (funder, cents, state) in a.funding {
            sqlx::query(
                "insert into action_funding (action_id, funder, amount_cents, state) values ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(funder)
            .bind(cents)
            .bind(state)
            .execute(&app.db)
            .await
            .unwrap();
        }
        for (label, unit, target, achieved, year) in a.indicators {
            sqlx::query(
                "insert into action_indicator (action_id, label, unit, target, achieved, year)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(label)
            .bind(unit)
            .bind(target)
            .bind(achieved)
            .bind(year)
            .execute(&app.db)
            .await
            .unwrap();
        }
    }
}

/// A diagnostic with one value of an indicator.
pub async fn indicator_value(app: &TestApp, maison: i64, status: &str, code: &str, value: f64) {
    let d: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, status) values ($1, 'Diagnostic', 2024, $2) returning id",
    )
    .bind(maison)
    .bind(status)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into indicator_value (diagnostic_id, indicator_id, value, year)
         select $1, id, $2, 2023 from indicator where code = $3",
    )
    .bind(d)
    .bind(value)
    .bind(code)
    .execute(&app.db)
    .await
    .unwrap();
}

/// French percentage as the pages print it (`33 %`, no-break space).
pub fn pct(part: usize, total: usize) -> String {
    format!(
        "{}\u{a0}%",
        ((part as f64) * 100.0 / (total as f64)).round() as i64
    )
}

/// Linear-interpolated percentile, as PostgreSQL's percentile_cont.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

pub fn fr(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.').to_owned();
    s.replace('.', ",")
}

fn body_rows(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("#maisons tbody tr").unwrap();
    doc.select(&sel)
        .map(|tr| {
            tr.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_ascii_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The text a person reads (entities decoded, ASCII whitespace collapsed).
pub fn text(html: &str) -> String {
    scraper::Html::parse_document(html)
        .root_element()
        .text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_ascii_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn row_of<'a>(rows: &'a [String], name: &str) -> &'a str {
    rows.iter()
        .find(|r| r.contains(name))
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[tokio::test]
async fn dashboard_figures_match_the_fixture() {
    let app = spawn_app().await;
    let _f = fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/reseau?programme=tous").await;
    assert_eq!(status, StatusCode::OK);

    let total = ACTIONS.len();
    let done = ACTIONS.iter().filter(|a| a.status == "realisee").count();
    let late = ACTIONS.iter().filter(|a| is_late(a)).count();
    assert_eq!((total, done, late), (12, 4, 3), "fixture sanity");
    let stats = scraper::Html::parse_document(&html);
    let stats_text: String = stats
        .select(&scraper::Selector::parse("ul.stats").unwrap())
        .flat_map(|e| e.text())
        .collect();
    assert!(
        stats_text.contains(&format!(
            "{total} actions, dont {done} réalisées ({})",
            pct(done, total)
        )),
        "{stats_text}"
    );
    assert!(
        stats_text.contains(&format!("{late} actions en retard")),
        "{stats_text}"
    );
    assert!(stats_text.contains("4 Maisons"), "{stats_text}");
    assert!(
        stats_text.contains("2 dans le programme Grenelle"),
        "{stats_text}"
    );
    // C and D never had activity, B 200 days ago.
    assert!(
        stats_text.contains("3 Maisons sans activité"),
        "{stats_text}"
    );

    let rows = body_rows(&html);
    assert_eq!(rows.len(), 4);
    for (m, name) in [('A', "emploi A"), ('B', "emploi B"), ('C', "emploi C")] {
        let of: Vec<&Act> = ACTIONS.iter().filter(|a| a.maison == m).collect();
        let d = of.iter().filter(|a| a.status == "realisee").count();
        let l = of.iter().filter(|a| is_late(a)).count();
        let row = row_of(&rows, name);
        assert!(row.contains(&pct(d, of.len())), "{name}: {row}");
        assert!(row.contains(&format!("{} (", of.len())), "{name}: {row}");
        assert!(
            row.contains(&format!("{} {l} ", pct(d, of.len()))),
            "{name}: {row}"
        );
    }
    assert!(row_of(&rows, "emploi A").contains("mise en œuvre"));
    assert!(row_of(&rows, "emploi B").contains("plan d'actions"));
    assert!(row_of(&rows, "emploi D").contains("mobilisation des acteurs"));
    assert!(row_of(&rows, "emploi D").contains("aucune"));

    // The map and charts carry accessible names and the same figures in tables.
    assert!(html.contains("role=\"img\""));
    assert!(html.contains("aria-labelledby=\"map-title map-desc\""));
    assert!(html.contains("<caption>Avancement par région</caption>"));
    assert!(html.contains("Île-de-France"));
    assert!(!html.contains("style=\""));
}

#[tokio::test]
async fn dashboard_filters_sort_and_paginate() {
    let app = spawn_app().await;
    let _f = fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let names = |html: &str| -> Vec<char> {
        body_rows(html)
            .iter()
            .filter_map(|r| {
                ['A', 'B', 'C', 'D']
                    .into_iter()
                    .find(|c| r.contains(&format!("emploi {c}")))
            })
            .collect()
    };
    let (_, html) = admin.get_html("/reseau?region=11").await;
    assert_eq!(names(&html), vec!['C']);
    let (_, html) = admin.get_html("/reseau?programme=grenelle").await;
    assert_eq!(names(&html), vec!['A', 'C']);
    let (_, html) = admin.get_html("/reseau?programme=hors").await;
    assert_eq!(names(&html), vec!['B', 'D']);
    let (_, html) = admin.get_html("/reseau?phase=mise_en_oeuvre").await;
    assert_eq!(names(&html), vec!['A', 'C']);
    let (_, html) = admin
        .get_html("/reseau?phase=mobilisation&programme=tous")
        .await;
    assert_eq!(names(&html), vec!['D']);
    let (_, html) = admin.get_html("/reseau?inactif=1&programme=tous").await;
    assert_eq!(names(&html), vec!['B', 'C', 'D']);
    // Sorting by % réalisées, highest first: C 50 %, B 33 %, A 20 %, D none.
    let (_, html) = admin
        .get_html("/reseau?tri=realisees&ordre=desc&programme=tous")
        .await;
    assert_eq!(names(&html), vec!['C', 'B', 'A', 'D']);
    let (_, html) = admin
        .get_html("/reseau?tri=retard&ordre=desc&region=32&programme=tous")
        .await;
    assert_eq!(names(&html).len(), 2);
    let (_, html) = admin
        .get_html("/reseau?tri=nom&ordre=desc&programme=tous")
        .await;
    assert_eq!(names(&html), vec!['D', 'C', 'B', 'A']);
    // Nonsense filters are ignored, never an error.
    let (status, _) = admin
        .get_html("/reseau?region=zz%27&phase=x&page=-3&tri=%3B")
        .await;
    assert_eq!(status, StatusCode::OK);

    // Pagination: 55 more Maisons make two pages.
    sqlx::query(
        "insert into maison (name, legal_form, region_code, departement_code)
         select 'Maison n° ' || lpad(g::text, 3, '0'), 'association', '53', '35' from generate_series(1, 55) g",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (_, html) = admin.get_html("/reseau?programme=tous").await;
    assert_eq!(body_rows(&html).len(), 50);
    assert!(
        unescape_amp(&html).contains("programme=tous&page=2"),
        "{}",
        &html[html
            .find("rel=\"next\"")
            .map(|i| i.saturating_sub(200))
            .unwrap_or(0)..][..400]
    );
    let (_, html) = admin.get_html("/reseau?programme=tous&page=2").await;
    assert_eq!(body_rows(&html).len(), 9);
}

#[tokio::test]
async fn only_admins_see_the_network() {
    let app = spawn_app().await;
    let _f = fixture(&app).await;
    for email in [STAFF_A, RESP_A, STAFF_B, PARTNER, OTHER_PARTNER] {
        let c = app.signed_in(email).await;
        for path in [
            "/reseau",
            "/reseau/export/csv",
            "/reseau/export/xlsx",
            "/reseau/grenelle",
        ] {
            let (status, _) = c.get_html(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{email} {path}");
        }
        let (_, home) = c.get_html("/").await;
        assert!(
            !home.contains("href=\"/reseau\""),
            "{email} sees the nav entry"
        );
    }
    for email in [PARTNER, OTHER_PARTNER] {
        let c = app.signed_in(email).await;
        let (status, _) = c.get_html("/comparaison").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let anon = app.client();
    let r = anon.get("/reseau").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let admin = app.signed_in(ADMIN).await;
    let (_, home) = admin.get_html("/").await;
    assert!(home.contains("href=\"/reseau\""));
}

#[tokio::test]
async fn network_exports_csv_and_xlsx() {
    let app = spawn_app().await;
    let _f = fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let r = admin.get("/reseau/export/csv?tri=nom&programme=tous").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("N°;Maison;Région;"));
    let b = lines.iter().find(|l| l.contains("emploi B")).unwrap();
    let fields: Vec<&str> = b.split(';').collect();
    // B: 3 actions, 1 réalisée → 33,33 (decimal comma, no percent sign).
    assert_eq!(fields[7], "3");
    assert_eq!(fields[13], fr(100.0 / 3.0));
    assert_eq!(fields[13], "33,33");

    let r = admin.get("/reseau/export/xlsx?programme=tous").await;
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("Réseau").unwrap();
    assert_eq!(
        range.get_value((0, 1)),
        Some(&Data::String("Maison".into()))
    );
    let row_c = (1..range.height() as u32)
        .find(
            |r| matches!(range.get_value((*r, 1)), Some(Data::String(s)) if s.contains("emploi C")),
        )
        .unwrap();
    assert_eq!(range.get_value((row_c, 7)), Some(&Data::Float(4.0)));
    assert_eq!(range.get_value((row_c, 13)), Some(&Data::Float(50.0)));
    assert_eq!(range.get_value((row_c, 3)), Some(&Data::Float(2010.0)));
}

#[tokio::test]
async fn indicator_distribution_and_position() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let values = [
        ('A', "valide", 0.5),
        ('C', "valide", 1.5),
        ('D', "valide", 1.0),
        ('B', "brouillon", 9.75),
    ];
    for (m, status, v) in values {
        indicator_value(&app, f.maison(m), status, "TENSION", v).await;
    }
    let mut validated: Vec<f64> = values
        .iter()
        .filter(|v| v.1 == "valide")
        .map(|v| v.2)
        .collect();
    validated.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let (q1, med, q3) = (
        percentile(&validated, 0.25),
        percentile(&validated, 0.5),
        percentile(&validated, 0.75),
    );

    let staff_a = app.signed_in(STAFF_A).await;
    let (status, html) = staff_a.get_html("/comparaison?indicateur=TENSION").await;
    assert_eq!(status, StatusCode::OK);
    for x in [q1, med, q3] {
        assert!(html.contains(&format!(">{}<", fr(x))), "{x} missing");
    }
    assert!(html.contains("<strong>3</strong> Maisons"));
    assert!(html.contains("<strong>0,5</strong>"), "own value");
    assert!(!html.contains("9,75"), "B's draft must not show to A");
    assert!(
        !html.contains("emploi C"),
        "staff see no other Maison's name"
    );
    // A staff member cannot pick another Maison.
    let (_, html) = staff_a
        .get_html(&format!(
            "/comparaison?indicateur=TENSION&maison={}",
            f.maison_c
        ))
        .await;
    assert!(!html.contains("<strong>1,5</strong>"));

    // B's own draft shows to B, flagged, and does not enter the distribution.
    let staff_b = app.signed_in(STAFF_B).await;
    let (_, html) = staff_b.get_html("/comparaison?indicateur=TENSION").await;
    assert!(html.contains("<strong>9,75</strong>"));
    assert!(html.contains("non validé"));
    assert!(html.contains("<strong>3</strong> Maisons"));

    // Per 1,000 inhabitants: population = communes of the Maison's EPCI.
    indicator_value(&app, f.maison('A'), "valide", "EMP_BTP", 12000.0).await;
    let pop: i64 = app
        .count("select sum(population)::bigint from commune where epci_siren = '200093201'")
        .await;
    let expected = 12000.0 * 1000.0 / pop as f64;
    let admin = app.signed_in(ADMIN).await;
    let (_, html) = admin
        .get_html(&format!(
            "/comparaison?indicateur=EMP_BTP&maison={}",
            f.w.maison_a
        ))
        .await;
    let shown = format!("{expected:.2}").replace('.', ",");
    let shown = shown.trim_end_matches('0').trim_end_matches(',');
    assert!(
        html.contains(&format!("<strong>{shown}</strong>")),
        "per-capita value {shown}"
    );
    assert!(html.contains("pour 1 000 habitants"));
}

async fn titles_found(c: &TestClient, q: &str) -> Vec<String> {
    let (status, html) = c
        .get_html(&format!("/recherche?q={}", mde::web::url_encode(q)))
        .await;
    assert_eq!(status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&html);
    let mut titles: Vec<String> = doc
        .select(&scraper::Selector::parse(".search-results h3").unwrap())
        .map(|h| h.text().collect::<String>().trim().to_owned())
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn search_stems_ignores_accents_and_respects_visibility() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let a2 = "Formations FEEBAT des artisans";
    let b2 = "Formation FEEBAT pour les plombiers";
    let c3 = "Formation FEEBAT des maçons";
    let old = "Ancienne action FEEBAT";

    let admin = app.signed_in(ADMIN).await;
    let mut all = vec![a2, b2, c3];
    all.sort();
    assert_eq!(titles_found(&admin, "formation FEEBAT").await, all);
    // Stemming and accents: « renovation energetique » finds « rénovation énergétique ».
    assert_eq!(
        titles_found(&admin, "renovation energetique").await,
        vec![a2]
    );
    assert_eq!(
        titles_found(&admin, "FORMATIONS feebat maçon").await,
        vec![c3]
    );
    assert_eq!(
        titles_found(&admin, "feebat").await.len(),
        4,
        "the old plan's action too"
    );
    assert!(
        titles_found(&admin, "feebat")
            .await
            .contains(&old.to_owned())
    );

    // Staff of A: their own Maison, plus C's validated plan, never B's draft.
    let staff_a = app.signed_in(STAFF_A).await;
    let mut seen = vec![a2, c3];
    seen.sort();
    assert_eq!(titles_found(&staff_a, "formation FEEBAT").await, seen);
    // Staff of B see their own draft and C's validated plan, not A's (A's plan is en mise en œuvre: validated).
    let staff_b = app.signed_in(STAFF_B).await;
    assert_eq!(titles_found(&staff_b, "formation FEEBAT").await, all);
    // Partners have no network search (issue 7: admins and staff): 404, and no entry in the navigation.
    for email in [PARTNER, OTHER_PARTNER] {
        let partner = app.signed_in(email).await;
        let (status, _) = partner.get_html("/recherche?q=feebat").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email}");
        let (_, home) = partner.get_html("/").await;
        assert!(
            !home.contains("href=\"/recherche\""),
            "{email}: no nav entry"
        );
    }

    // Diagnostics: a diagnostic of B not validated is found by B and admins only, not by A.
    let d: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, status) values ($1, 'Diagnostic des métiers de l''éolien', 2024, 'partage') returning id",
    )
    .bind(f.w.maison_b)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into diagnostic_section (diagnostic_id, position, kind, title, body) values ($1, 1, 'contexte', 'Contexte', 'Les parcs éoliens en mer recrutent des techniciens.')")
        .bind(d)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(titles_found(&admin, "technicien eolien").await.len(), 1);
    assert_eq!(titles_found(&staff_b, "technicien eolien").await.len(), 1);
    assert!(titles_found(&staff_a, "technicien eolien").await.is_empty());
    let _ = f.plan_b;
}

/// The dashboard is served from the network cache until a write is committed: a change made without the
/// triggers (as a restore or a manual fix with `session_replication_role = replica` would) is not seen, the
/// next notified write drops the cache in every process, and the figures are recomputed.
#[tokio::test]
async fn dashboard_cache_is_dropped_by_the_next_write() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let done_text = |html: &str| {
        let doc = scraper::Html::parse_document(html);
        doc.select(&scraper::Selector::parse("ul.stats").unwrap())
            .flat_map(|e| e.text())
            .collect::<String>()
    };
    // Wait until the listener runs (the cache is bypassed before).
    let mut tries = 0;
    while !app_cache_listening(&app).await && tries < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        tries += 1;
    }
    // A notified, visible write (activity for B, 200 days quiet until now), then time for the listener to
    // handle its notification and every earlier one of the set-up (they are delivered in commit order, within
    // milliseconds: the data is visible at commit, the notification a moment later). The page opened after
    // that is cached at the latest generation.
    record_activity(&app, f.maison('B')).await;
    for _ in 0..200 {
        if done_text(&admin.get_html("/reseau?programme=tous").await.1)
            .contains("2 Maisons sans activité")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (_, before) = admin.get_html("/reseau?programme=tous").await;
    assert!(
        done_text(&before).contains("2 Maisons sans activité"),
        "{}",
        done_text(&before)
    );
    assert!(
        done_text(&before).contains("12 actions, dont 4 réalisées"),
        "{}",
        done_text(&before)
    );

    // Unnotified change: invisible while the cache holds.
    let mut conn = app.db.acquire().await.unwrap();
    sqlx::query("set session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(
        "update action set status = 'realisee', progress = 100
         where id = (select a.id from action a join plan p on p.id = a.plan_id
                     where p.maison_id = $1 and a.status = 'en_cours' order by a.id limit 1)",
    )
    .bind(f.maison('A'))
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("set session_replication_role = origin")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let (_, cached) = admin.get_html("/reseau?programme=tous").await;
    assert!(
        done_text(&cached).contains("12 actions, dont 4 réalisées"),
        "{}",
        done_text(&cached)
    );

    // Any notified write (here the journal) drops it; the figures then include both changes.
    record_activity(&app, f.maison('C')).await;
    let mut after = String::new();
    for _ in 0..100 {
        after = admin.get_html("/reseau?programme=tous").await.1;
        if done_text(&after).contains("12 actions, dont 5 réalisées") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        done_text(&after).contains("12 actions, dont 5 réalisées"),
        "{}",
        done_text(&after)
    );
}

/// A journal entry for the Maison, as every write makes (notified by the trigger on `event`).
async fn record_activity(app: &TestApp, maison: i64) {
    sqlx::query(
        "insert into event (maison_id, object_type, object_id, action, summary, changes)
         values ($1, 'maison', $1, 'update', 'test', '[]')",
    )
    .bind(maison)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Whether the server's change listener is connected (its `LISTEN` is visible in pg_stat_activity).
async fn app_cache_listening(app: &TestApp) -> bool {
    sqlx::query_scalar::<_, i64>(
        "select count(*) from pg_stat_activity where datname = current_database() and query like 'LISTEN%'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
        > 0
}

/// Issue 14, finding 4: a Maison or organisation name typed as a formula reached the CSV as is.
#[tokio::test]
async fn network_csv_neutralises_formulas_typed_in_names() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    sqlx::query("update maison set name = $2 where id = $1")
        .bind(f.w.maison_b)
        .bind("=HYPERLINK(\"http://evil.example\";\"Cliquez\")")
        .execute(&app.db)
        .await
        .unwrap();
    let admin = app.signed_in(ADMIN).await;
    let bytes = admin
        .get("/reseau/export/csv?programme=tous")
        .await
        .bytes()
        .await
        .unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.contains(";\"'=HYPERLINK(\"\"http://evil.example\"\";\"\"Cliquez\"\")\";"),
        "{text}"
    );
    assert!(!text.contains(";=HYPERLINK") && !text.contains(";\"=HYPERLINK"));
}

/// Issue 15, bug 10: with one Maison there are no quarters (it is not « in the last quarter » of itself),
/// no « 0 des 1 Maisons »; the heading has its article and the years compared are said.
#[tokio::test]
async fn comparison_with_too_few_maisons_says_so() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    indicator_value(&app, f.maison('A'), "valide", "TENSION", 0.8).await;
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin
        .get_html(&format!(
            "/comparaison?indicateur=TENSION&maison={}",
            f.w.maison_a
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains("quart (") && !html.contains("0 des 1"),
        "{html}"
    );
    assert!(
        html.contains("Position de la Maison de l&#39;emploi A"),
        "{html}"
    );
    assert!(
        html.contains("<strong>1</strong> Maison a une valeur validée"),
        "{html}"
    );
    assert!(html.contains("année 2023"), "the year compared: {html}");
    assert!(html.contains("aucune autre Maison"), "{html}");
    // With four Maisons, quarters and a rank among the three others.
    indicator_value(&app, f.maison('B'), "valide", "TENSION", 0.6).await;
    indicator_value(&app, f.maison('C'), "valide", "TENSION", 1.2).await;
    indicator_value(&app, f.maison('D'), "valide", "TENSION", 1.4).await;
    let (_, html) = admin
        .get_html(&format!(
            "/comparaison?indicateur=TENSION&maison={}",
            f.w.maison_a
        ))
        .await;
    assert!(html.contains("dans le deuxième quart"), "{html}");
    assert!(
        html.contains("1 des 3 autres Maisons comparées a une valeur inférieure"),
        "{html}"
    );
}

/// Issue 15, bug 9: the report opens on the last complete year, not on a future year of targets.
#[tokio::test]
async fn grenelle_report_opens_on_the_last_complete_year() {
    let app = spawn_app().await;
    let _f = fixture(&app).await;
    sqlx::query(
        "insert into action_indicator (action_id, label, unit, target, year)
         select min(id), 'Artisans formés', 'personnes', 80, 2029 from action",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let last = chrono::Datelike::year(&mde::web::format::today()) - 1;
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/reseau/grenelle").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("<h1>Bilan du programme Grenelle {last}</h1>")),
        "{html}"
    );
    assert!(
        html.contains(r#"<option value="2029">"#),
        "later years stay one click away"
    );
}

/// The page with its `&` entities read back, to compare addresses.
fn unescape_amp(html: &str) -> String {
    html.replace("&amp;", "&").replace("&#38;", "&")
}

/// Issue 15, the programme first: `/reseau` and the network axis pages show the Grenelle programme's
/// Maisons (A and C of the fixture) unless asked for the whole network, the choice kept in the links;
/// rates and « sans activité » are measured against the Maisons shown.
#[tokio::test]
async fn network_figures_default_to_the_programme_maisons() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    let admin = app.signed_in(ADMIN).await;
    let programme = ['A', 'C'];
    let shown: Vec<&Act> = ACTIONS
        .iter()
        .filter(|a| programme.contains(&a.maison))
        .collect();
    the_network_page_counts_the_programme(&admin, &shown).await;
    the_network_axis_page_counts_the_programme(&app, &f, &admin, &shown).await;
    // The whole network: B's actions too, D without.
    let (_, html) = admin.get_html("/axes/1?programme=tous").await;
    assert!(html.contains("<strong>3</strong> Maisons sur 4"));
    let with =
        &html[html.find("id=\"avec-actions\"").unwrap()..html.find("id=\"sans-action\"").unwrap()];
    assert!(with.contains("emploi B"));
    assert!(html[html.find("id=\"sans-action\"").unwrap()..].contains("emploi D"));
    // The export follows the same choice.
    let csv = admin.get("/axes/1/export/csv").await.text().await.unwrap();
    assert!(
        csv.contains("emploi A") && !csv.contains("emploi B"),
        "{csv}"
    );
    let csv = admin
        .get("/axes/1/export/csv?programme=tous")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("emploi B") && csv.contains("emploi D"));
}

/// The network page: A and C, their figures, the whole network one click away and the choice kept in the
/// sort links.
async fn the_network_page_counts_the_programme(admin: &TestClient, shown: &[&Act]) {
    let done = shown.iter().filter(|a| a.status == "realisee").count();
    let late = shown.iter().filter(|a| is_late(a)).count();
    let (status, html) = admin.get_html("/reseau").await;
    assert_eq!(status, StatusCode::OK);
    let html = unescape_amp(&html);
    let rows = body_rows(&html);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(row_of(&rows, "emploi A").contains("Grenelle"));
    assert!(row_of(&rows, "emploi C").contains("Grenelle"));
    let doc = scraper::Html::parse_document(&html);
    let stats: String = doc
        .select(&scraper::Selector::parse("ul.stats").unwrap())
        .flat_map(|e| e.text())
        .collect();
    assert!(stats.contains("2 Maisons"), "{stats}");
    assert!(
        stats.contains(&format!(
            "{} actions, dont {done} réalisées ({})",
            shown.len(),
            pct(done, shown.len())
        )),
        "{stats}"
    );
    assert!(
        stats.contains(&format!("{late} actions en retard")),
        "{stats}"
    );
    // Of A and C, only C never had activity: one in two of the Maisons shown.
    assert!(
        stats.contains(&format!(
            "1 Maison sans activité depuis 90 jours ({} des Maisons retenues)",
            pct(1, 2)
        )),
        "{stats}"
    );
    // The whole network is one click away, and the sort links keep the choice.
    assert!(
        html.contains("href=\"/reseau?programme=tous\">Voir tout le réseau</a>"),
        "{}",
        &html[html
            .find("Voir tout")
            .map(|i| i.saturating_sub(300))
            .unwrap_or(0)..][..400]
    );
    assert!(html.contains("href=\"/reseau?programme=grenelle&tri=region\""));
    let all = unescape_amp(&admin.get_html("/reseau?programme=tous").await.1);
    assert_eq!(body_rows(&all).len(), 4);
    assert!(all.contains("href=\"/reseau?programme=tous&tri=region\""));
    assert!(all.contains("Voir les Maisons du programme Grenelle seulement"));
    let (_, all_stats) = admin.get_html("/reseau?programme=tous").await;
    assert!(all_stats.contains(&format!(
        "3</strong> Maisons sans activité depuis 90 jours ({} des Maisons retenues)",
        pct(3, 4)
    )));
}

/// The network axis page: axis 1 of A and C, their fiches linked.
async fn the_network_axis_page_counts_the_programme(
    app: &TestApp,
    f: &Fixture,
    admin: &TestClient,
    shown: &[&Act],
) {
    let (status, html) = admin.get_html("/axes/1").await;
    assert_eq!(status, StatusCode::OK);
    let html = unescape_amp(&html);
    let on_axis: Vec<&&Act> = shown.iter().filter(|a| a.axis == 1).collect();
    assert!(html.contains(&format!("<strong>{}</strong> actions", on_axis.len())));
    assert!(html.contains("<strong>2</strong> Maisons sur 2"), "{html}");
    let with =
        &html[html.find("id=\"avec-actions\"").unwrap()..html.find("id=\"sans-action\"").unwrap()];
    let fiches: Vec<(i64, i32, String)> = sqlx::query_as(
        "select a.id, a.number, a.title from action a
         join maison_current_plan cp on cp.plan_id = a.plan_id
         join axis x on x.id = a.axis_id and x.number = 1
         where cp.maison_id = any($1)",
    )
    .bind(vec![f.w.maison_a, f.maison_c])
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(fiches.len(), on_axis.len());
    for (id, number, title) in &fiches {
        assert!(
            with.contains(&format!(
                "<a href=\"/actions/{id}\">Fiche n° {number} : {}</a>",
                title.replace('\'', "&#39;")
            )) || with.contains(&format!(
                "<a href=\"/actions/{id}\">Fiche n° {number} : {}</a>",
                title.replace('\'', "&#x27;")
            )),
            "fiche {id} « {title} »: {with}"
        );
    }
    for (m, id) in [('A', f.w.maison_a), ('C', f.maison_c)] {
        let n = on_axis.iter().filter(|a| a.maison == m).count();
        let d = on_axis
            .iter()
            .filter(|a| a.maison == m && a.status == "realisee")
            .count();
        assert!(with.contains(&format!("/axes/1?maison={id}\"")));
        assert!(with.contains(&format!("{d} sur {n}")), "{m}: {with}");
    }
    assert!(!with.contains("emploi B"));
    let missing = &html[html.find("id=\"sans-action\"").unwrap()..];
    assert!(
        missing
            .contains("<strong>0</strong> Maison n&#39;a aucune action sous cet axe dans son plan"),
        "{missing}"
    );
    assert!(html.contains("href=\"/axes/1?programme=tous\">Voir tout le réseau</a>"));
    assert!(
        html.contains("href=\"/axes/2?programme=grenelle\""),
        "the next axis keeps the choice"
    );
}
