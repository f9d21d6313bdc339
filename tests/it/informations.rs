//! The pages every public-service site owes its users: readable signed out, linked from every page's
//! footer, stating the operator's settings (or that they are to be set) and the retention the portal applies.

use reqwest::StatusCode;

use crate::helpers::*;

const PAGES: [(&str, &str); 5] = [
    ("/accessibilite", "Déclaration d'accessibilité"),
    ("/mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "Données personnelles"),
    ("/plan-du-site", "Plan du site"),
    ("/aide", "Aide"),
];

#[tokio::test]
async fn the_pages_are_readable_signed_out_and_linked_from_every_footer() {
    let app = spawn_app().await;
    app.world().await;
    let anonymous = app.client();
    let staff = app.signed_in(STAFF_A).await;
    for (path, title) in PAGES {
        for c in [&anonymous, &staff] {
            let (status, html) = c.get_html(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(html.contains(&format!("<h1>{title}</h1>")), "{path}");
        }
    }
    // The footer of a signed-out page, of a signed-in page and of an error page links to all five.
    for (c, path) in [
        (&anonymous, "/connexion"),
        (&staff, "/"),
        (&staff, "/nulle-part"),
    ] {
        let (_, html) = c.get_html(path).await;
        for (href, _) in PAGES {
            assert!(
                html.contains(&format!("<li><a href=\"{href}\">")),
                "{path}: no footer link to {href}"
            );
        }
        assert!(html.contains("Accessibilité : partiellement conforme"));
    }
    // The site map lists what the visitor may open: nothing behind sign-in for an anonymous visitor.
    let (_, html) = anonymous.get_html("/plan-du-site").await;
    assert!(html.contains("se connecter") && !html.contains("href=\"/diagnostics\""));
    let (_, html) = staff.get_html("/plan-du-site").await;
    assert!(html.contains("href=\"/diagnostics\"") && !html.contains("href=\"/journal\""));
}

#[tokio::test]
async fn operator_and_retention_come_from_the_settings() {
    let unset = spawn_app().await;
    let (_, html) = unset.client().get_html("/mentions-legales").await;
    for setting in [
        "MDE_OPERATOR_NAME",
        "MDE_OPERATOR_ADDRESS",
        "MDE_PUBLICATION_DIRECTOR",
        "MDE_HOST",
    ] {
        assert!(
            html.contains(&format!("<code>{setting}</code>")),
            "{setting} said to be set"
        );
    }
    assert!(html.contains("à renseigner"));

    let app = spawn_app_with(|c| {
        c.operator.name = Some("Alliance Villes Emploi".into());
        c.operator.address = Some("13 rue de l'Essai, 75000 Paris".into());
        c.operator.publication_director = Some("Camille Martin".into());
        c.operator.host = Some("Hébergeur SAS, 1 rue du Serveur, 59000 Lille".into());
        c.operator.dpo_contact = Some("dpo@ave.example".into());
        c.operator.contact = Some("contact@ave.example".into());
        c.session_idle = std::time::Duration::from_secs(90 * 60);
    })
    .await;
    let c = app.client();
    let (_, html) = c.get_html("/mentions-legales").await;
    for text in [
        "Alliance Villes Emploi",
        "13 rue de l&#39;Essai, 75000 Paris",
        "Camille Martin",
        "Hébergeur SAS",
    ] {
        assert!(html.contains(text), "{text}");
    }
    assert!(!html.contains("à renseigner"));
    let (_, html) = c.get_html("/donnees-personnelles").await;
    assert!(html.contains("dpo@ave.example"));
    assert!(
        html.contains("90 minutes sans utilisation"),
        "the session setting"
    );
    assert!(html.contains("utilisable 7 jours") && html.contains("utilisable 24 heures"));
    let (_, html) = c.get_html("/accessibilite").await;
    assert!(html.contains("partiellement conforme") && html.contains("contact@ave.example"));
    assert!(
        html.contains("axe-core (version "),
        "the version from package-lock.json"
    );
}

/// The browser suite's own files, read as the statement describes them.
fn suite_file(path: &str) -> String {
    let file = format!("{}/tests/browser/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// What /accessibilite says about how the portal is tested is what tests/browser does: the versions pinned
/// by package-lock.json, the axe tags with no rule disabled, the crawl's bounds, the two widths, a journey
/// without JavaScript and the keyboard-only one (no click, one page load, only Tab, Shift+Tab, Enter, Space).
#[tokio::test]
async fn the_accessibility_statement_says_what_the_browser_suite_does() {
    let app = spawn_app().await;
    let (_, html) = app.client().get_html("/accessibilite").await;
    the_pinned_versions_are_stated(&html);
    the_axe_and_crawl_settings_are_stated(&html);
    a_journey_runs_without_javascript(&html);
    the_keyboard_journey_uses_only_the_keys_stated(&html);
}

/// The versions pinned by package-lock.json.
fn the_pinned_versions_are_stated(html: &str) {
    let lock: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}/package-lock.json", env!("CARGO_MANIFEST_DIR")))
            .expect("package-lock.json"),
    )
    .expect("package-lock.json is JSON");
    for (package, shown) in [
        ("axe-core", "axe-core (version {})"),
        ("vnu-jar", "Nu Html Checker (version {})"),
        ("playwright-core", "Playwright (version {})"),
    ] {
        let version = lock["packages"][format!("node_modules/{package}")]["version"]
            .as_str()
            .expect(package);
        let shown = shown.replace("{}", version);
        assert!(html.contains(&shown), "the page does not say « {shown} »");
    }
}

/// The axe tags with no rule disabled, the crawl's bounds, the two widths.
fn the_axe_and_crawl_settings_are_stated(html: &str) {
    let config = suite_file("config.mjs");
    assert!(
        config.contains("tags: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']")
            && html.contains("WCAG 2.1 niveaux A et AA")
    );
    assert!(
        config.contains("disabledRules: {},") && html.contains("aucune règle désactivée"),
        "the page says no axe rule is disabled"
    );
    assert!(
        config.contains("intFromEnv('CRAWL_MAX_PAGES', 150)")
            && config.contains("intFromEnv('CRAWL_MAX_PER_SHAPE', 5)")
            && html.contains("jusqu'à 150 pages par profil, et 5 pages de chaque forme"),
        "the crawl's bounds"
    );
    assert!(
        config.contains("desktop: { width: 1280,")
            && config.contains("mobile: { width: 390,")
            && html.contains("1&nbsp;280 et de 390 pixels de large")
    );
}

fn a_journey_runs_without_javascript(html: &str) {
    let journeys: Vec<String> = std::fs::read_dir(format!(
        "{}/tests/browser/journeys",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("journeys")
    .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
    .collect();
    assert!(
        journeys
            .iter()
            .any(|j| suite_file(&format!("journeys/{j}")).contains("javaScriptEnabled: false")),
        "a journey without JavaScript"
    );
    assert!(html.contains("dont un sans JavaScript"));
}

/// No click, one page load, only Tab, Shift+Tab, Enter, Space.
fn the_keyboard_journey_uses_only_the_keys_stated(html: &str) {
    let keyboard = suite_file("journeys/clavier-seul.mjs");
    assert!(html.contains("au clavier seul") && html.contains("Tab, Maj+Tab, Entrée et Espace"));
    for forbidden in [
        ".click(",
        ".fill(",
        ").check(",
        "selectOption(",
        "mouse",
        "signIn(",
        "signOut(",
    ] {
        assert!(
            !keyboard.contains(forbidden),
            "the keyboard-only journey uses {forbidden}"
        );
    }
    assert_eq!(
        keyboard.matches("h.goto(").count(),
        1,
        "one page load, then only the keyboard"
    );
    let pressed = keyboard.split("press(").skip(1);
    for pressed in pressed.chain(keyboard.split("pressAndWait(").skip(1)) {
        let key = pressed.split(')').next().unwrap_or_default();
        assert!(
            [
                "'Tab'",
                "'Shift+Tab'",
                "'Enter'",
                "'Space'",
                "back ? 'Shift+Tab' : 'Tab'",
                "key"
            ]
            .contains(&key),
            "the keyboard-only journey presses {key}"
        );
    }
}

/// The `href`s of the site map's « Rubriques » (the part before « Informations »).
fn site_map_links(html: &str) -> Vec<String> {
    let start = html.find("<h2>Rubriques</h2>").expect("Rubriques");
    let end = html.find("<h2>Informations</h2>").expect("Informations");
    html[start..end]
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// The site map lists, for each role, the pages under each section that the role may open — its Maison's
/// page, the forms that create something, the network's reports — and every one of them opens (200).
#[tokio::test]
async fn the_site_map_lists_the_pages_each_role_opens_and_they_open() {
    let app = spawn_app().await;
    let w = app.world().await;
    let expected: [(&str, Vec<String>, Vec<&str>); 4] = [
        (
            RESP_A,
            vec![
                format!("/maisons/{}", w.maison_a),
                format!("/maisons/{}/territoire", w.maison_a),
                format!("/maisons/{}/partenaires/ajouter", w.maison_a),
                "/diagnostics/nouveau".into(),
                "/plans/nouveau".into(),
                "/comptes/inviter".into(),
                "/comparaison".into(),
                "/profil#mes-donnees".into(),
            ],
            vec!["/reseau/grenelle", "/maisons/nouvelle", "/journal"],
        ),
        (
            STAFF_A,
            vec![
                format!("/maisons/{}", w.maison_a),
                "/diagnostics/nouveau".into(),
                "/plans/nouveau".into(),
            ],
            vec!["/comptes/inviter", "/reseau/grenelle"],
        ),
        (
            PARTNER,
            vec![format!("/organisations/{}", w.org), "/notifications".into()],
            vec!["/diagnostics/nouveau", "/plans/nouveau", "/comparaison"],
        ),
        (
            ADMIN,
            vec![
                "/reseau/grenelle".into(),
                "/maisons/nouvelle".into(),
                "/organisations/nouvelle".into(),
                "/comptes/inviter".into(),
                "/indicateurs/nouveau".into(),
            ],
            vec!["/diagnostics/nouveau", "/plans/nouveau"],
        ),
    ];
    for (who, present, absent) in expected {
        let c = app.signed_in(who).await;
        let (_, html) = c.get_html("/plan-du-site").await;
        let links = site_map_links(&html);
        for p in &present {
            assert!(links.contains(p), "{who}: no link to {p} in {links:?}");
        }
        for p in absent {
            assert!(!links.iter().any(|l| l == p), "{who}: a link to {p}");
        }
        for l in &links {
            let path = l.split('#').next().unwrap_or(l);
            let (status, _) = c.get_html(path).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{who}: {path}, linked from the site map"
            );
        }
    }
}

/// The help names the method's steps as headings and links the sections the visitor may open, only those.
#[tokio::test]
async fn the_help_links_the_sections_the_visitor_opens() {
    let app = spawn_app().await;
    app.world().await;
    let (_, html) = app.client().get_html("/aide").await;
    assert!(html.contains("<h2>1. Mobilisation des acteurs</h2>"));
    assert!(html.contains("<h2>Se connecter</h2>") && !html.contains("href=\"/diagnostics\""));
    let (_, html) = app.signed_in(STAFF_A).await.get_html("/aide").await;
    assert!(!html.contains("<h2>Se connecter</h2>"));
    for section in ["/maisons", "/diagnostics", "/plans", "/axes"] {
        assert!(
            html.contains(&format!("<a href=\"{section}\">")),
            "{section}"
        );
    }
    for closed in ["/reseau", "/comptes", "/organisations/demandes"] {
        assert!(
            !html.contains(&format!("<a href=\"{closed}\">")),
            "{closed}"
        );
    }
    let (_, html) = app.signed_in(ADMIN).await.get_html("/aide").await;
    assert!(html.contains("<a href=\"/reseau\">Réseau</a>"));
}
