//! `/journal`: people and objects are named when the journal is read (issue 15, bug 11).

use reqwest::StatusCode;

use crate::helpers::*;

async fn event(
    app: &TestApp,
    actor: Option<i64>,
    object_type: &str,
    object_id: i64,
    summary: &str,
) {
    sqlx::query(
        "insert into event (account_id, object_type, object_id, action, summary)
         values ($1, $2, $3, 'modification', $4)",
    )
    .bind(actor)
    .bind(object_type)
    .bind(object_id)
    .bind(summary)
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn journal_names_people_and_objects_under_their_current_names() {
    let app = spawn_app().await;
    let w = app.world().await;
    // The sign-in writes « Connexion au portail » on the admin's own account.
    let admin = app.signed_in(ADMIN).await;
    event(
        &app,
        Some(w.staff_a),
        "maison",
        w.maison_a,
        "Fiche de la Maison modifiée",
    )
    .await;
    event(
        &app,
        Some(w.staff_a),
        "action",
        987_654,
        "Fiche action n° 3 supprimée",
    )
    .await;
    event(
        &app,
        None,
        "account",
        876_543,
        "Compte créé en ligne de commande",
    )
    .await;
    // Renamed after the events: the journal shows the names they have now.
    sqlx::query("update account set name = 'Jeanne Martin' where id = $1")
        .bind(w.admin)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update account set name = 'Karim Benali' where id = $1")
        .bind(w.staff_a)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update maison set name = 'Maison Roubaix-Tourcoing' where id = $1")
        .bind(w.maison_a)
        .execute(&app.db)
        .await
        .unwrap();

    let (status, html) = admin.get_html("/journal").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !html.contains(&format!("Compte n° {}", w.admin)),
        "no account by its number: {html}"
    );
    assert!(
        html.contains("<strong>Jeanne Martin</strong> : Connexion au portail"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<a href="/comptes/{}">Compte : Jeanne Martin</a>"#,
            w.admin
        )),
        "{html}"
    );
    assert!(
        html.contains("<strong>Karim Benali</strong> : Fiche de la Maison modifiée"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<a href="/maisons/{}">Maison : Maison Roubaix-Tourcoing</a>"#,
            w.maison_a
        )),
        "{html}"
    );
    // What no longer exists falls back to its kind and number, without a link.
    assert!(
        html.contains("(Fiche action n° 987654 (supprimée))"),
        "{html}"
    );
    assert!(html.contains("(Compte n° 876543 (supprimé))"), "{html}");
    assert!(
        html.contains("<strong>Système (ligne de commande)</strong> : Compte créé"),
        "{html}"
    );
}
