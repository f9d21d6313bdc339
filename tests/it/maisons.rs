//! Maisons: list, page, creation, profile edits, territory, rights of each role, the demo network.

use reqwest::StatusCode;

use crate::helpers::*;

fn nnbsp(s: &str) -> String {
    s.replace(' ', "\u{202F}")
}

#[tokio::test]
async fn every_role_sees_the_list_scoped_by_policy() {
    let app = spawn_app().await;
    let w = app.world().await;
    for email in [ADMIN, RESP_A, STAFF_B] {
        let c = app.signed_in(email).await;
        let (status, html) = c.get_html("/maisons").await;
        assert_eq!(status, StatusCode::OK, "{email}");
        assert!(
            html.contains("Maison de l&#39;emploi A") && html.contains("Maison de l&#39;emploi B")
        );
    }
    // A partner sees only the Maisons their organisation partners.
    let c = app.signed_in(PARTNER).await;
    let (status, html) = c.get_html("/maisons").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("/maisons/{}", w.maison_a)));
    assert!(!html.contains(&format!("/maisons/{}\"", w.maison_b)));
    let c = app.signed_in(OTHER_PARTNER).await;
    let (_, html) = c.get_html("/maisons").await;
    assert!(!html.contains("Maison de l&#39;emploi A"));
    // Anonymous: sign in first.
    assert_redirect_to(
        &app.client().get("/maisons").await,
        "/connexion?next=%2Fmaisons",
    );
}

#[tokio::test]
async fn list_searches_filters_sorts_and_pages() {
    let app = spawn_app().await;
    app.world().await;
    let c = app.signed_in(ADMIN).await;
    // By commune of the territory (Roubaix is in the Métropole Européenne de Lille), accents ignored.
    let (_, html) = c.get_html("/maisons?q=roubaix").await;
    assert!(html.contains("Maison de l&#39;emploi A"), "commune search");
    let (_, html) = c.get_html("/maisons?q=emploi%20b").await;
    assert!(
        html.contains("Maison de l&#39;emploi B") && !html.contains("Maison de l&#39;emploi A")
    );
    let (_, html) = c.get_html("/maisons?region=84").await;
    assert!(html.contains("0</strong> Maison trouvée"));
    let (_, html) = c.get_html("/maisons?grenelle=oui").await;
    assert!(!html.contains("Maison de l&#39;emploi A"));
    let (_, html) = c.get_html("/maisons?tri=-nom").await;
    let a = html.find("Maison de l&#39;emploi A").unwrap();
    let b = html.find("Maison de l&#39;emploi B").unwrap();
    assert!(b < a, "sorted Z to A");
    // Nonsense parameters are ignored, never a 5xx.
    for q in [
        "?page=-3",
        "?page=abc",
        "?tri=drop",
        "?region=%27",
        "?q=%25_%5C",
        "?page=99999",
    ] {
        let (status, _) = c.get_html(&format!("/maisons{q}")).await;
        assert_eq!(status, StatusCode::OK, "{q}");
    }
}

#[tokio::test]
async fn maison_page_rights() {
    let app = spawn_app().await;
    let w = app.world().await;
    let a = format!("/maisons/{}", w.maison_a);
    let b = format!("/maisons/{}", w.maison_b);
    for email in [ADMIN, RESP_A, STAFF_A, STAFF_B] {
        let c = app.signed_in(email).await;
        assert_eq!(c.get(&a).await.status(), StatusCode::OK, "{email} on A");
        assert_eq!(c.get(&b).await.status(), StatusCode::OK, "{email} on B");
    }
    let c = app.signed_in(PARTNER).await;
    assert_eq!(c.get(&a).await.status(), StatusCode::OK);
    assert_eq!(c.get(&b).await.status(), StatusCode::NOT_FOUND);
    let c = app.signed_in(OTHER_PARTNER).await;
    assert_eq!(c.get(&a).await.status(), StatusCode::NOT_FOUND);
    let c = app.signed_in(ADMIN).await;
    assert_eq!(
        c.get("/maisons/999999").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(c.get("/maisons/abc").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn maison_page_shows_population_phase_founders_and_staff() {
    let app = spawn_app().await;
    let w = app.world().await;
    let c = app.signed_in(STAFF_A).await;
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    // Métropole Européenne de Lille: population of its 95 communes.
    let population: i64 = app
        .count("select sum(population)::bigint from commune where epci_siren = '200093201'")
        .await;
    assert_eq!(population, 1_195_234);
    assert!(
        html.contains(&nnbsp("1 195 234")),
        "population from communes"
    );
    assert!(html.contains("Mobilisation des acteurs"));
    assert!(html.contains("aria-current=\"step\""));
    assert!(html.contains("resp-a@test.example") && html.contains("staff-a@test.example"));
    assert!(html.contains("France Travail Nord"));
    // Only France Travail is a founding member: the State and a collectivité are missing.
    assert!(html.contains("Membres constitutifs incomplets"));
    assert!(html.contains("<li>l&#39;État</li>"));
    assert!(html.contains("<li>une collectivité territoriale ou un EPCI</li>"));
    assert!(!html.contains("<li>France Travail (ex-Pôle emploi)</li>"));
    // With the State and an EPCI as founding members, the warning goes.
    let etat = app.organisation("DREETS Hauts-de-France", "etat").await;
    let epci = app
        .organisation("Métropole Européenne de Lille", "epci")
        .await;
    app.partnership(w.maison_a, etat, &["membre_constitutif"])
        .await;
    app.partnership(w.maison_a, epci, &["membre_constitutif", "financeur"])
        .await;
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(!html.contains("Membres constitutifs incomplets"));
    // A plan in progress moves the phase.
    sqlx::query("insert into plan (maison_id, title, start_year, end_year, status) values ($1, 'Plan', 2026, 2028, 'en_oeuvre')")
        .bind(w.maison_a)
        .execute(&app.db)
        .await
        .unwrap();
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(html.contains("Phase de la démarche Grenelle : Mise en œuvre"));
}

fn create_form(name: &str, epci: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_owned()),
        ("epci", epci.to_owned()),
        ("departement", String::new()),
        ("legal_form", "gip".into()),
        ("conventionnee", "on".into()),
        ("convention_date", "15/03/2007".into()),
        ("grenelle_year", "2009".into()),
        ("city", "Nancy".into()),
        ("website", "https://mde-nancy.example.org".into()),
    ]
}

async fn post_form(c: &mut TestClient, path: &str, form: &[(&str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post(path, &fields).await
}

#[tokio::test]
async fn admin_creates_a_maison_on_a_real_epci() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.signed_in(ADMIN).await;
    let (status, html) = c.get_html("/maisons/nouvelle").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"form_key\""));
    // The main EPCI is searched by name (GET, no JavaScript) and picked: its SIREN fills the field.
    let (status, html) = c.get_html("/maisons/nouvelle?epci_q=grand%20NANCY").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("href=\"/maisons/nouvelle?epci=245400676\""),
        "{html}"
    );
    let (_, html) = c.get_html("/maisons/nouvelle?epci=245400676").await;
    assert!(html.contains("name=\"epci\" type=\"text\" value=\"245400676\""));
    assert!(html.contains("EPCI choisi"));
    let (status, html) = c
        .get_html("/maisons/nouvelle?epci=999999999&epci_q=%00")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("EPCI choisi"));
    let r = post_form(
        &mut c,
        "/maisons/nouvelle",
        &create_form("Maison de l'emploi du Grand Nancy", "245 400 676"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: i64 = app.count("select max(id) from maison").await;
    assert_eq!(location(&r), format!("/maisons/{id}"));
    let (dept, region, legal, gy): (String, String, String, Option<i32>) = sqlx::query_as(
        "select departement_code, region_code, legal_form, grenelle_year from maison where id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (dept.as_str(), region.as_str(), legal.as_str(), gy),
        ("54", "44", "gip", Some(2009))
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from maison_epci where maison_id = {id} and epci_siren = '245400676'"
        ))
        .await,
        1
    );
    let (summary,): (String,) = sqlx::query_as(
        "select summary from event where object_type = 'maison' and object_id = $1 and action = 'creation'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(summary.contains("Maison créée") && summary.contains("Grand Nancy"));
    let (_, html) = c.get_html(&format!("/maisons/{id}")).await;
    assert!(html.contains("La Maison « Maison de l&#39;emploi du Grand Nancy » a été créée."));
    assert!(html.contains("Historique") && html.contains("Maison créée"));
}

#[tokio::test]
async fn creation_bad_input_is_explained_and_nothing_saved() {
    let app = spawn_app().await;
    app.world().await;
    let mut c = app.signed_in(ADMIN).await;
    let before = app.count("select count(*) from maison").await;
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (create_form("", "245400676"), "Ce champ est obligatoire."),
        (
            create_form(&"x".repeat(201), "245400676"),
            "200 caractères au plus",
        ),
        (
            create_form("Maison X", "999999999"),
            "Aucun EPCI ne porte ce SIREN",
        ),
        (create_form("Maison X", "12"), "9 chiffres"),
        (
            {
                let mut f = create_form("Maison X", "245400676");
                f.push(("grenelle_pilot", "on".into()));
                f[6].1 = String::new();
                f
            },
            "Un site pilote a une année",
        ),
        (
            {
                let mut f = create_form("Maison X", "245400676");
                f[5].1 = "31/02/2009".into();
                f
            },
            "Date invalide",
        ),
        (
            {
                let mut f = create_form("Maison X", "245400676");
                f[8].1 = "mde.example.org".into();
                f
            },
            "Adresse web invalide",
        ),
        (
            {
                let mut f = create_form("Maison X", "245400676");
                f[2].1 = "ZZ".into();
                f
            },
            "Choisissez le département",
        ),
    ];
    for (form, message) in cases {
        let r = post_form(&mut c, "/maisons/nouvelle", &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "{message}");
        assert!(html.contains("aria-invalid=\"true\""));
        assert!(
            html.contains("value=\"https://mde-nancy.example.org\"")
                || html.contains("mde.example.org"),
            "typed values kept"
        );
    }
    assert_eq!(app.count("select count(*) from maison").await, before);
}

#[tokio::test]
async fn only_admins_create_maisons() {
    let app = spawn_app().await;
    app.world().await;
    for email in [RESP_A, STAFF_B, PARTNER] {
        let mut c = app.signed_in(email).await;
        assert_eq!(
            c.get("/maisons/nouvelle").await.status(),
            StatusCode::NOT_FOUND,
            "{email}"
        );
        let r = post_form(
            &mut c,
            "/maisons/nouvelle",
            &create_form("Maison pirate", "245400676"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{email}");
    }
    assert_eq!(
        app.count("select count(*) from maison where name = 'Maison pirate'")
            .await,
        0
    );
}

async fn edit_fields(c: &TestClient, id: i64) -> Vec<(String, String)> {
    let (status, html) = c.get_html(&format!("/maisons/{id}/modifier")).await;
    assert_eq!(status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&html);
    let mut out = Vec::new();
    let input = scraper::Selector::parse("form.stack input").unwrap();
    for el in doc.select(&input) {
        let name = el.value().attr("name").unwrap_or("").to_owned();
        let kind = el.value().attr("type").unwrap_or("text");
        if kind == "checkbox" {
            if el.value().attr("checked").is_some() {
                out.push((name, "on".into()));
            }
        } else {
            out.push((name, el.value().attr("value").unwrap_or("").to_owned()));
        }
    }
    let select = scraper::Selector::parse("form.stack select").unwrap();
    let selected = scraper::Selector::parse("option[selected]").unwrap();
    for el in doc.select(&select) {
        let v = el
            .select(&selected)
            .next()
            .and_then(|o| o.value().attr("value"))
            .unwrap_or("");
        out.push((
            el.value().attr("name").unwrap_or("").to_owned(),
            v.to_owned(),
        ));
    }
    out
}

fn set(fields: &mut Vec<(String, String)>, k: &str, v: &str) {
    fields.retain(|(name, _)| name != k);
    fields.push((k.to_owned(), v.to_owned()));
}

#[tokio::test]
async fn staff_edit_their_profile_but_not_the_convention() {
    let app = spawn_app().await;
    let w = app.world().await;
    let c = app.signed_in(STAFF_A).await;
    let mut fields = edit_fields(&c, w.maison_a).await;
    assert!(
        !fields.iter().any(|(k, _)| k == "grenelle_year"),
        "no convention fields for staff"
    );
    set(&mut fields, "director", "Nadia Haddad");
    set(&mut fields, "phone", "03 20 12 34 56");
    // Convention fields smuggled in are ignored.
    set(&mut fields, "grenelle_year", "2010");
    set(&mut fields, "legal_form", "gip");
    let r = c
        .post_raw(&format!("/maisons/{}/modifier", w.maison_a), &fields)
        .await;
    assert_redirect_to(&r, &format!("/maisons/{}", w.maison_a));
    let (director, gy, legal, version): (String, Option<i32>, String, i32) = sqlx::query_as(
        "select director, grenelle_year, legal_form, version from maison where id = $1",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (director.as_str(), gy, legal.as_str(), version),
        ("Nadia Haddad", None, "association", 2)
    );
    let changes: serde_json::Value = sqlx::query_scalar(
        "select changes from event where object_type = 'maison' and object_id = $1 and action = 'modification'",
    )
    .bind(w.maison_a)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let text = changes.to_string();
    assert!(
        text.contains("Nadia Haddad") && text.contains("Direction") && !text.contains("grenelle")
    );
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    assert!(html.contains("Fiche de la Maison modifiée (2 champs)"));
}

#[tokio::test]
async fn admin_edits_the_convention() {
    let app = spawn_app().await;
    let w = app.world().await;
    let c = app.signed_in(ADMIN).await;
    let mut fields = edit_fields(&c, w.maison_b).await;
    set(&mut fields, "grenelle_year", "2010");
    set(&mut fields, "convention_date", "2006-06-01");
    let r = c
        .post_raw(&format!("/maisons/{}/modifier", w.maison_b), &fields)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let gy: Option<i32> = sqlx::query_scalar("select grenelle_year from maison where id = $1")
        .bind(w.maison_b)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(gy, Some(2010));
}

#[tokio::test]
async fn others_cannot_edit_a_maison() {
    let app = spawn_app().await;
    let w = app.world().await;
    let admin = app.signed_in(ADMIN).await;
    let fields = edit_fields(&admin, w.maison_a).await;
    for email in [STAFF_B, PARTNER, OTHER_PARTNER] {
        let mut c = app.signed_in(email).await;
        for path in ["modifier", "territoire"] {
            let r = c.get(&format!("/maisons/{}/{path}", w.maison_a)).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{email} GET {path}");
        }
        let mut f = fields.clone();
        f.retain(|(k, _)| k != "csrf");
        c.refresh_csrf().await;
        f.push(("csrf".into(), c.csrf.clone().unwrap()));
        set(&mut f, "name", "Détournée");
        let r = c
            .post_raw(&format!("/maisons/{}/modifier", w.maison_a), &f)
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{email} POST");
        for action in ["ajouter", "retirer"] {
            let r = c
                .post(
                    &format!("/maisons/{}/territoire/{action}", w.maison_a),
                    &[("siren", "245400676")],
                )
                .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{email} {action}");
        }
    }
    assert_eq!(
        app.count("select count(*) from maison where name = 'Détournée'")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from maison_epci where epci_siren = '245400676'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_second_save_on_a_stale_version_is_a_conflict() {
    let app = spawn_app().await;
    let w = app.world().await;
    let admin = app.signed_in(ADMIN).await;
    let staff = app.signed_in(RESP_A).await;
    let mut first = edit_fields(&admin, w.maison_a).await;
    let mut second = edit_fields(&staff, w.maison_a).await;
    set(&mut first, "president", "Première");
    set(&mut second, "president", "Seconde");
    assert_eq!(
        admin
            .post_raw(&format!("/maisons/{}/modifier", w.maison_a), &first)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = staff
        .post_raw(&format!("/maisons/{}/modifier", w.maison_a), &second)
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = unescape(&r.text().await.unwrap());
    assert!(html.contains("Quelqu'un a modifié cette fiche"));
    assert!(html.contains("value=\"Seconde\""), "typed text kept");
    let president: String = sqlx::query_scalar("select president from maison where id = $1")
        .bind(w.maison_a)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(president, "Première");
}

#[tokio::test]
async fn edit_bad_input_keeps_values() {
    let app = spawn_app().await;
    let w = app.world().await;
    let c = app.signed_in(RESP_A).await;
    let mut f = edit_fields(&c, w.maison_a).await;
    set(&mut f, "name", "   ");
    set(&mut f, "email", "pas une adresse");
    set(&mut f, "postal_code", "5900");
    set(&mut f, "city", "Tourcoing");
    let r = c
        .post_raw(&format!("/maisons/{}/modifier", w.maison_a), &f)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Ce champ est obligatoire.") && html.contains("Adresse e-mail invalide"));
    assert!(html.contains("Le code postal compte 5 chiffres."));
    assert!(
        html.contains("value=\"Tourcoing\"") && html.contains("aria-describedby=\"email-error\"")
    );
    assert_eq!(
        app.count(&format!(
            "select version::bigint from maison where id = {}",
            w.maison_a
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn territory_is_picked_from_epci_without_javascript() {
    let app = spawn_app().await;
    let w = app.world().await;
    let mut c = app.signed_in(RESP_A).await;
    let path = format!("/maisons/{}/territoire", w.maison_a);
    let (status, html) = c.get_html(&format!("{path}?q=nancy")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Métropole du Grand Nancy") && html.contains("245400676"));
    let (_, html) = c.get_html(&format!("{path}?q=2454006")).await;
    assert!(html.contains("Métropole du Grand Nancy"), "search by SIREN");
    let r = c
        .post(
            &format!("{path}/ajouter"),
            &[("siren", "245400676"), ("q", "nancy")],
        )
        .await;
    assert_redirect_to(&r, &format!("{path}?q=nancy"));
    let (_, html) = c.get_html(&format!("/maisons/{}", w.maison_a)).await;
    let total = app
        .count("select sum(population)::bigint from commune where epci_siren in ('200093201', '245400676')")
        .await;
    assert!(
        html.contains(&crate_fmt(total)),
        "total population of both EPCI"
    );
    // Unknown EPCI: a message beside the field, nothing added.
    let r = c
        .post(&format!("{path}/ajouter"), &[("siren", "123456789")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Aucun EPCI ne porte ce SIREN") && html.contains("value=\"123456789\""));
    let r = c
        .post(&format!("{path}/retirer"), &[("siren", "245400676")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The last EPCI stays.
    let r = c
        .post(&format!("{path}/retirer"), &[("siren", "200093201")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(&format!(
            "select count(*) from maison_epci where maison_id = {}",
            w.maison_a
        ))
        .await,
        1
    );
    let n = app
        .count(&format!("select count(*) from event where object_type = 'maison' and object_id = {} and action = 'territoire'", w.maison_a))
        .await;
    assert_eq!(n, 2);
}

fn crate_fmt(n: i64) -> String {
    mde::web::format::int(n)
}

#[tokio::test]
async fn demo_network_is_realistic_and_deterministic() {
    let app = spawn_app().await;
    mde::demo::seed(&app.db, 1).await.unwrap();
    assert_eq!(app.count("select count(*) from maison").await, 205);
    assert_eq!(
        app.count("select count(*) from maison where grenelle_year is not null")
            .await,
        30
    );
    assert_eq!(
        app.count("select count(distinct region_code) from maison where grenelle_year is not null")
            .await,
        16
    );
    assert_eq!(
        app.count(
            "select count(*) from maison m join maison_epci me on me.maison_id = m.id
             where m.grenelle_pilot and m.grenelle_year = 2008
               and me.epci_siren in ('200093201', '245400676', '200067106')"
        )
        .await,
        3
    );
    assert!(
        app.count("select count(distinct region_code) from maison")
            .await
            >= 16
    );
    assert!(
        app.count("select count(*) from maison where region_code in ('01', '02', '03', '04')")
            .await
            >= 3
    );
    // Every partner type is used; SIRETs are valid.
    assert_eq!(
        app.count("select count(*) from partner_type t where not exists (select 1 from organisation o where o.type_code = t.code)").await,
        0
    );
    let sirets: Vec<String> =
        sqlx::query_scalar("select siret from organisation where siret is not null")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(!sirets.is_empty());
    for s in &sirets {
        assert!(mde::domain::siret::parse(s).is_ok(), "{s}");
    }
    the_demo_accounts_are_as_the_browser_suite_uses_them(&app).await;
    // Every Maison has a responsable.
    assert_eq!(
        app.count("select count(*) from maison m where not exists (select 1 from account a where a.maison_id = m.id and a.responsable)").await,
        0
    );
    // Deterministic: the same names in the same order.
    let names: Vec<String> = sqlx::query_scalar("select name from maison order by id limit 5")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(names[0], "Maison de l'emploi de Lille Métropole");
    assert_eq!(names[1], "Maison de l'emploi du Grand Nancy");
    assert_eq!(names[2], "Maison de l'emploi de Bayonne – Pays Basque");
    // Seeding twice does nothing.
    mde::demo::seed(&app.db, 1).await.unwrap();
    assert_eq!(app.count("select count(*) from maison").await, 205);
}

/// The four demo accounts, as the browser suite uses them.
async fn the_demo_accounts_are_as_the_browser_suite_uses_them(app: &TestApp) {
    let lille: i64 = app
        .count("select maison_id from maison_epci where epci_siren = '200093201'")
        .await;
    for (email, role) in [
        ("admin@ave.example.org", "admin"),
        ("responsable@mde-lille.example.org", "staff"),
        ("chargee@mde-lille.example.org", "staff"),
        ("partenaire@francetravail.example.org", "partner"),
    ] {
        let (r, m, o, resp): (String, Option<i64>, Option<i64>, bool) = sqlx::query_as(
            "select role, maison_id, organisation_id, responsable from account where email = $1",
        )
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(r, role, "{email}");
        if role == "staff" {
            assert_eq!(m, Some(lille));
            assert_eq!(resp, email.starts_with("responsable"));
        }
        if role == "partner" {
            let partners_lille = app
                .count(&format!(
                    "select count(*) from partnership p join organisation o on o.id = p.organisation_id
                     where p.maison_id = {lille} and p.organisation_id = {} and o.type_code = 'france_travail'",
                    o.unwrap()
                ))
                .await;
            assert_eq!(partners_lille, 1);
        }
    }
    let mut c = app.client();
    assert_eq!(
        c.login("responsable@mde-lille.example.org", "demo-portail-2026")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn demo_scales() {
    let app = spawn_app().await;
    mde::demo::seed(&app.db, 2).await.unwrap();
    assert_eq!(app.count("select count(*) from maison").await, 410);
    assert_eq!(
        app.count("select count(*) from maison where grenelle_pilot")
            .await,
        3
    );
    assert_eq!(
        app.count("select count(*) from maison where name like '% (2)'")
            .await,
        205
    );
}

/// Where each of `names` first appears in `html`, in the order given; panics on a missing one.
fn positions(html: &str, names: &[&str]) -> Vec<usize> {
    let html = html.replace("&#39;", "'").replace("&#x27;", "'");
    names
        .iter()
        .map(|n| {
            html.find(n)
                .unwrap_or_else(|| panic!("{n} missing: {html}"))
        })
        .collect()
}

fn assert_in_order(html: &str, names: &[&str]) {
    let at = positions(html, names);
    for (i, pair) in at.windows(2).enumerate() {
        assert!(
            pair[0] < pair[1],
            "« {} » should come before « {} »",
            names[i],
            names[i + 1]
        );
    }
}

#[tokio::test]
async fn names_sort_in_french_order() {
    // Issue 15, bug 8: byte order put every « d'X » before every « de X » and accented names after Z.
    let app = spawn_app().await;
    app.world().await;
    for name in [
        "Maison de l'emploi d'Orléans",
        "Maison de l'emploi de Vierzon",
        "Maison de l'emploi d'Éguzon",
        "Maison de l'emploi de Béthune",
        "Maison de l'emploi du Grand Nancy",
        "Maison de l'emploi d'Arras",
        "Maison de l'emploi de Lille",
        "Maison de l'emploi d'Évreux",
    ] {
        app.maison(name).await;
    }
    // A name with nothing distinctive in it sorts by its town.
    let cholet = app.maison("Maison de l'emploi").await;
    sqlx::query("update maison set city = 'Cholet' where id = $1")
        .bind(cholet)
        .execute(&app.db)
        .await
        .unwrap();
    let admin = app.signed_in(ADMIN).await;
    let (status, html) = admin.get_html("/maisons").await;
    assert_eq!(status, StatusCode::OK);
    assert_in_order(
        &html,
        &[
            "Maison de l'emploi d'Arras",
            "Maison de l'emploi de Béthune",
            ">Maison de l'emploi<",
            "Maison de l'emploi d'Éguzon",
            "Maison de l'emploi d'Évreux",
            "Maison de l'emploi du Grand Nancy",
            "Maison de l'emploi de Lille",
            "Maison de l'emploi d'Orléans",
            "Maison de l'emploi de Vierzon",
        ],
    );
    organisations_sort_in_french_order(&app, &admin).await;
    accounts_sort_in_french_order(&app, &admin).await;
}

async fn organisations_sort_in_french_order(app: &TestApp, admin: &TestClient) {
    for name in [
        "Chambre d'industrie du Cher",
        "Énergies Centre",
        "Chambre de métiers du Cher",
        "Chambre d'agriculture du Cher",
        "Zéro chômeur Cher",
    ] {
        app.organisation(name, "association").await;
    }
    let (_, html) = admin.get_html("/organisations").await;
    assert_in_order(
        &html,
        &[
            "Chambre d'agriculture du Cher",
            "Chambre de métiers du Cher",
            "Chambre d'industrie du Cher",
            "Énergies Centre",
            "France Travail Nord",
            "Zéro chômeur Cher",
        ],
    );
}

async fn accounts_sort_in_french_order(app: &TestApp, admin: &TestClient) {
    for (email, name) in [
        ("zoe@test.example", "Zoé Martin"),
        ("elodie@test.example", "Élodie Durand"),
        ("emma@test.example", "Emma Petit"),
        ("darcy@test.example", "Anne d'Arcy"),
        ("dean@test.example", "Anne Dean"),
    ] {
        let id = app.account(email, "admin", None, None, false).await;
        sqlx::query("update account set name = $2 where id = $1")
            .bind(id)
            .bind(name)
            .execute(&app.db)
            .await
            .unwrap();
    }
    let (_, html) = admin.get_html("/comptes").await;
    assert_in_order(
        &html,
        &[
            "Anne d'Arcy",
            "Anne Dean",
            "Élodie Durand",
            "Emma Petit",
            "Zoé Martin",
        ],
    );
}

#[tokio::test]
async fn demo_facts_agree_with_the_geography_and_with_each_other() {
    // Issue 15, bug 7.
    let app = spawn_app().await;
    mde::demo::seed(&app.db, 1).await.unwrap();
    towns_agree_with_the_geography(&app).await;
    ademe_is_one_body(&app).await;
    job_titles_agree_with_first_names(&app).await;
    // Nobody is two people: presidents, directors, contacts and accounts all have names of their own.
    let twice: Vec<(String, i64)> = sqlx::query_as(
        "select name, count(*) from (
             select president as name from maison union all select director from maison
             union all select name from partnership_contact union all select name from account) p
         group by name having count(*) > 1 order by name limit 20",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(twice.is_empty(), "{twice:?}");

    // Places take their article: « PLIE de la Métropole européenne de Lille », not « d'Européenne ».
    assert_eq!(
        app.count("select count(*) from organisation where name = 'PLIE de la Métropole européenne de Lille'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from organisation o
             where o.name ~ ' d''(Européenne|Eurométropole)' or o.name ~ ' de (Européenne|Eurométropole)'"
        )
        .await,
        0
    );
}

/// Every Maison's town is a commune of its territory, and the Maison is in that commune's département and
/// region (Grand Avignon spans Gard and Vaucluse; Avignon is in Vaucluse).
async fn towns_agree_with_the_geography(app: &TestApp) {
    let wrong: Vec<(String, String, String, String)> = sqlx::query_as(
        "select m.name, m.city, m.departement_code, m.region_code
         from maison m join maison_epci me on me.maison_id = m.id
         where not exists (select 1 from commune c join departement d on d.code = c.departement_code
                           where c.epci_siren = me.epci_siren and c.name = m.city
                             and c.departement_code = m.departement_code
                             and c.region_code = m.region_code and d.region_code = m.region_code)",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert!(wrong.is_empty(), "{wrong:?}");
    let avignon: (String, String, String) = sqlx::query_as(
        "select m.departement_code, d.name, r.name from maison m
         join departement d on d.code = m.departement_code join region r on r.code = m.region_code
         where m.city = 'Avignon'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        avignon,
        (
            "84".to_owned(),
            "Vaucluse".to_owned(),
            "Provence-Alpes-Côte d'Azur".to_owned()
        )
    );
}

/// ADEME is one body: its regional directorates share its SIREN, each with its own SIRET.
async fn ademe_is_one_body(app: &TestApp) {
    let ademe: Vec<Option<String>> =
        sqlx::query_scalar("select siret from organisation where type_code = 'ademe'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(ademe.len() >= 13);
    let mut sirets = std::collections::HashSet::new();
    for s in &ademe {
        let s = s.as_deref().expect("a directorate has its SIRET");
        assert!(s.starts_with("385290309"), "{s}");
        assert!(mde::domain::siret::parse(s).is_ok(), "{s}");
        assert!(sirets.insert(s.to_owned()), "{s} twice");
    }
}

/// Job titles agree with the first name's gender.
async fn job_titles_agree_with_first_names(app: &TestApp) {
    const WOMEN: &[&str] = &[
        "Camille", "Nathalie", "Isabelle", "Sandrine", "Valérie", "Céline", "Aurélie", "Émilie",
        "Hélène", "Caroline", "Delphine", "Anne", "Marion", "Sophie", "Claire", "Élodie", "Agnès",
        "Mélanie", "Laure", "Fatima", "Nadia", "Léa", "Manon", "Virginie", "Sylvie", "Chloé",
        "Gaëlle",
    ];
    const MASCULINE: &[&str] = &[
        "Directeur",
        "Chargé ",
        "Adjoint ",
        "Conseiller",
        "Ingénieur ",
    ];
    const FEMININE: &[&str] = &[
        "Directrice",
        "Chargée",
        "Adjointe",
        "Conseillère",
        "Ingénieure",
    ];
    let contacts: Vec<(String, String)> =
        sqlx::query_as("select name, job_title from partnership_contact")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(contacts.len() > 1000);
    for (name, title) in &contacts {
        let woman = WOMEN.contains(&name.split(' ').next().unwrap());
        let (other, _) = if woman {
            (MASCULINE, FEMININE)
        } else {
            (FEMININE, MASCULINE)
        };
        assert!(
            !other.iter().any(|w| title.starts_with(w)),
            "{name}: « {title} »"
        );
    }
}
