//! Merging two records of the same organisation (issue 14): a confirmation page that counts what moves and
//! warns it is irreversible; partnerships, accounts, shares, requests and the journal follow the survivor;
//! the copy is deleted; one transaction; journaled; admins only.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn an_admin_merges_a_local_copy_into_the_organisation() {
    let app = spawn_app().await;
    let w = app.world().await;
    let (copy, person, diagnostic) = a_local_copy_with_its_things(&app, &w).await;
    let path = format!("/organisations/{}/fusionner", w.org);
    // Nobody but the admins.
    let mut resp = app.signed_in(RESP_A).await;
    assert_eq!(resp.get(&path).await.status(), StatusCode::NOT_FOUND);
    let r = resp.post(&path, &[("avec", &copy.to_string())]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let mut admin = app.signed_in(ADMIN).await;
    let (status, page) = admin.get_html(&format!("{path}?q=copie")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("{path}?avec={copy}")), "{page}");
    let (status, page) = admin.get_html(&format!("{path}?avec={copy}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("irréversible"));
    assert!(
        page.contains("<dt>Partenariats avec des Maisons</dt><dd>2"),
        "{page}"
    );
    assert!(page.contains("<dt>Comptes de ses personnes</dt><dd>1</dd>"));
    assert!(page.contains("<dt>Diagnostics partagés avec elle</dt><dd>1</dd>"));

    let r = admin.post(&path, &[("avec", &copy.to_string())]).await;
    assert_redirect_to(&r, &format!("/organisations/{}", w.org));
    assert_eq!(
        app.count(&format!(
            "select count(*) from organisation where id = {copy}"
        ))
        .await,
        0
    );
    everything_follows_the_survivor(&app, &w, person, diagnostic).await;
}

/// B created a copy of A's partner organisation; A partners both. The copy has a contact, a person, a
/// diagnostic shared with it, its history; returns the copy, the person and the diagnostic.
async fn a_local_copy_with_its_things(app: &TestApp, w: &World) -> (i64, i64, i64) {
    let copy = app
        .organisation("France Travail Nord (copie)", "france_travail")
        .await;
    app.partnership(w.maison_b, copy, &["financeur"]).await;
    app.partnership(w.maison_a, copy, &["operateur"]).await;
    let contact_partnership: i64 = sqlx::query_scalar(
        "select id from partnership where maison_id = $1 and organisation_id = $2",
    )
    .bind(w.maison_a)
    .bind(copy)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "insert into partnership_contact (partnership_id, name) values ($1, 'Contact copie')",
    )
    .bind(contact_partnership)
    .execute(&app.db)
    .await
    .unwrap();
    let person = app
        .account("copie@test.example", "partner", None, Some(copy), false)
        .await;
    let diagnostic: i64 = sqlx::query_scalar(
        "insert into diagnostic (maison_id, title, reference_year, status, created_by)
         values ($1, 'Diagnostic de B', 2025, 'partage', $2) returning id",
    )
    .bind(w.maison_b)
    .bind(w.staff_b)
    .fetch_one(&app.db)
    .await
    .unwrap();
    sqlx::query("insert into diagnostic_share (diagnostic_id, organisation_id) values ($1, $2)")
        .bind(diagnostic)
        .bind(copy)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "insert into event (maison_id, object_type, object_id, action, summary, changes)
         values (null, 'organisation', $1, 'creation', 'Organisation créée', '[]')",
    )
    .bind(copy)
    .execute(&app.db)
    .await
    .unwrap();
    (copy, person, diagnostic)
}

/// A's partnership: one, roles joined, the copy's contact moved to it. B now partners the survivor; the
/// account and the share follow it; the copy's history is the survivor's, and the merge is in it. The person
/// of the copy now reads what is shared with the survivor's Maisons.
async fn everything_follows_the_survivor(app: &TestApp, w: &World, person: i64, diagnostic: i64) {
    let roles: Vec<String> = sqlx::query_scalar(
        "select roles from partnership where maison_id = $1 and organisation_id = $2",
    )
    .bind(w.maison_a)
    .bind(w.org)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(roles.contains(&"operateur".to_owned()) && roles.contains(&"copil".to_owned()));
    assert_eq!(
        app.count(&format!(
            "select count(*) from partnership_contact c join partnership p on p.id = c.partnership_id
              where p.organisation_id = {} and c.name = 'Contact copie'",
            w.org
        ))
        .await,
        1
    );
    // B now partners the survivor; the account and the share follow it.
    assert_eq!(
        app.count(&format!(
            "select count(*) from partnership where maison_id = {} and organisation_id = {}",
            w.maison_b, w.org
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from account where id = {person} and organisation_id = {}",
            w.org
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "select count(*) from diagnostic_share where diagnostic_id = {diagnostic} and organisation_id = {}",
            w.org
        ))
        .await,
        1
    );
    // The copy's history is the survivor's, and the merge is in it.
    assert_eq!(
        app.count(&format!(
            "select count(*) from event where object_type = 'organisation' and object_id = {}
              and action in ('creation', 'fusion')",
            w.org
        ))
        .await,
        2
    );
    // The person of the copy now reads what is shared with the survivor's Maisons.
    let copie = app.signed_in("copie@test.example").await;
    assert_eq!(
        copie
            .get(&format!("/diagnostics/{diagnostic}"))
            .await
            .status(),
        StatusCode::OK
    );
}
