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
