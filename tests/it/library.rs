//! The library's filters and search (`/pratiques`, issue 18) against counts computed here from the
//! practices the test writes: the total under each filter, each facet's counts (what the other filters
//! leave), the French full-text search (accents and plurals ignored), the same in `/recherche`; proposals
//! never counted.

use reqwest::StatusCode;

use crate::helpers::*;

/// What the test writes of one practice.
#[derive(Clone)]
struct Spec {
    maison: i64,
    region: &'static str,
    axis: usize,
    sector: &'static str,
    public: &'static str,
    territories: Vec<&'static str>,
    budget: &'static str,
    remarkable: bool,
    accepted: bool,
    clauses: bool,
}

const SECTORS: [&str; 3] = ["batiment", "enr", "transports"];
const PUBLICS: [&str; 4] = ["artisans", "jeunes", "insertion", "entreprises"];
const TYPES: [&str; 4] = ["urbain", "rural", "littoral", "montagne"];
const BUDGETS: [&str; 4] = ["moins_10k", "10k_50k", "50k_150k", "plus_150k"];

fn specs(a: i64, b: i64) -> Vec<Spec> {
    (0..36)
        .map(|i| {
            let mut territories = vec![TYPES[i % 4]];
            if i % 3 == 0 && TYPES[i % 4] != "rural" {
                territories.push("rural");
            }
            Spec {
                maison: if i % 2 == 0 { a } else { b },
                region: if i % 2 == 0 { "32" } else { "44" },
                axis: i % 4,
                sector: SECTORS[i % 3],
                public: PUBLICS[i % 4],
                territories,
                budget: BUDGETS[(i / 2) % 4],
                remarkable: i % 7 == 0 && i % 5 != 4,
                accepted: i % 5 != 4,
                clauses: i % 6 == 0,
            }
        })
        .collect()
}

async fn write(app: &TestApp, specs: &[Spec], axes: &[i32]) {
    for (i, s) in specs.iter().enumerate() {
        let title = if s.clauses {
            format!("Clauses d'insertion avec un facilitateur n° {i}")
        } else {
            format!("Formation des artisans n° {i}")
        };
        let id: i64 = sqlx::query_scalar(
            "insert into practice (maison_id, status, remarkable) values ($1, $2, $3) returning id",
        )
        .bind(s.maison)
        .bind(if s.accepted { "acceptee" } else { "proposee" })
        .bind(s.remarkable)
        .fetch_one(&app.db)
        .await
        .unwrap();
        sqlx::query(
            "with v as (insert into practice_version (practice_id, number, title, axis_id, sector_code, publics,
                    territory_types, territory_size, budget_range, summary, results, contact_role, contact_email)
                values ($1, 1, $2, $3, $4, $5, $6, '50k_150k', $7, 'Un résumé.', 'Des résultats.', 'Chargée de mission',
                        'contact@mde.example') returning id)
             update practice set current_version_id = (select id from v) where id = $1",
        )
        .bind(id)
        .bind(&title)
        .bind(axes[s.axis])
        .bind(s.sector)
        .bind(vec![s.public])
        .bind(&s.territories)
        .bind(s.budget)
        .execute(&app.db)
        .await
        .unwrap();
    }
}

/// The total the page announces (« 12 pratiques »).
fn total(html: &str) -> i64 {
    let doc = scraper::Html::parse_document(html);
    let h = doc
        .select(&scraper::Selector::parse("h2#resultats").unwrap())
        .next()
        .expect("the total");
    let text: String = h.text().collect();
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// The count shown beside `code` in the facet `name` (0 when not offered).
fn facet(html: &str, name: &str, code: &str) -> i64 {
    let doc = scraper::Html::parse_document(html);
    let sel =
        scraper::Selector::parse(&format!("select#p-{name} option[value=\"{code}\"]")).unwrap();
    doc.select(&sel).next().map_or(0, |o| {
        let t: String = o.text().collect();
        t.rsplit('(')
            .next()
            .unwrap()
            .trim_end_matches(')')
            .parse()
            .unwrap()
    })
}

fn count(specs: &[Spec], keep: impl Fn(&Spec) -> bool) -> i64 {
    specs.iter().filter(|s| s.accepted && keep(s)).count() as i64
}

#[tokio::test]
async fn the_library_counts_what_its_filters_and_its_search_leave() {
    let app = spawn_app().await;
    let w = app.world().await;
    sqlx::query("update maison set region_code = '44', departement_code = '54' where id = $1")
        .bind(w.maison_b)
        .execute(&app.db)
        .await
        .unwrap();
    let axes: Vec<i32> =
        sqlx::query_scalar("select id from axis where charter = '2009' order by number")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let specs = specs(w.maison_a, w.maison_b);
    write(&app, &specs, &axes).await;
    let c = app.signed_in(PARTNER).await;
    let (status, html) = c.get_html("/pratiques").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        total(&html),
        count(&specs, |_| true),
        "proposals are never counted"
    );
    for t in TYPES {
        assert_eq!(
            facet(&html, "territoire", t),
            count(&specs, |s| s.territories.contains(&t)),
            "{t}"
        );
    }
    filters_leave_what_the_test_counts(&c, &specs, &axes).await;
    facets_count_what_the_other_filters_leave(&c, &specs).await;
    the_search_page_finds_them_too(&app, &specs).await;
}

/// A query string and the practices it keeps.
type Case = (String, Box<dyn Fn(&Spec) -> bool>);

async fn filters_leave_what_the_test_counts(c: &TestClient, specs: &[Spec], axes: &[i32]) {
    let cases: Vec<Case> = vec![
        (format!("axe={}", axes[1]), Box::new(|s: &Spec| s.axis == 1)),
        ("filiere=enr".into(), Box::new(|s: &Spec| s.sector == "enr")),
        (
            "public=insertion".into(),
            Box::new(|s: &Spec| s.public == "insertion"),
        ),
        ("region=44".into(), Box::new(|s: &Spec| s.region == "44")),
        (
            "territoire=rural&budget=10k_50k".into(),
            Box::new(|s: &Spec| s.territories.contains(&"rural") && s.budget == "10k_50k"),
        ),
        ("remarquable=1".into(), Box::new(|s: &Spec| s.remarkable)),
        ("q=clause+insertion".into(), Box::new(|s: &Spec| s.clauses)),
        (
            "q=FORMATIONS&region=32".into(),
            Box::new(|s: &Spec| !s.clauses && s.region == "32"),
        ),
    ];
    for (query, keep) in &cases {
        let (_, html) = c.get_html(&format!("/pratiques?{query}")).await;
        assert_eq!(total(&html), count(specs, keep), "{query}");
    }
}

async fn facets_count_what_the_other_filters_leave(c: &TestClient, specs: &[Spec]) {
    // A facet counts what the other filters leave: with region 44 chosen, each budget's count.
    let (_, html) = c.get_html("/pratiques?region=44&budget=plus_150k").await;
    for b in BUDGETS {
        assert_eq!(
            facet(&html, "budget", b),
            count(specs, |s| s.region == "44" && s.budget == b),
            "{b}"
        );
    }
    assert_eq!(
        facet(&html, "region", "32"),
        count(specs, |s| s.region == "32" && s.budget == "plus_150k")
    );
}

async fn the_search_page_finds_them_too(app: &TestApp, specs: &[Spec]) {
    let staff = app.signed_in(STAFF_B).await;
    let (_, html) = staff
        .get_html("/recherche?q=facilitateur&type=practice")
        .await;
    let found = html.matches("/pratiques/").count() as i64;
    assert_eq!(
        found,
        count(specs, |s| s.clauses),
        "the search lists the accepted practices only"
    );
    assert!(html.contains("Pratique du réseau"));
}

#[tokio::test]
async fn the_library_pages_by_twenty() {
    let app = spawn_app().await;
    let w = app.world().await;
    let axes: Vec<i32> =
        sqlx::query_scalar("select id from axis where charter = '2009' order by number")
            .fetch_all(&app.db)
            .await
            .unwrap();
    let specs = specs(w.maison_a, w.maison_a);
    write(&app, &specs, &axes).await;
    let c = app.signed_in(STAFF_A).await;
    let accepted = count(&specs, |_| true);
    let (_, first) = c.get_html("/pratiques").await;
    let (_, second) = c.get_html("/pratiques?page=2").await;
    let items = |html: &str| html.matches("<li>\n    <h3><a href=\"/pratiques/").count() as i64;
    assert_eq!(items(&first), 20);
    assert_eq!(items(&second), accepted - 20);
    assert!(first.contains("Page 1 sur 2") && first.contains("page=2"));
}
