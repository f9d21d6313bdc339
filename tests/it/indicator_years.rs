//! Target and achieved values per year of the plan's period (issue 16), and the follow-up's version: a
//! save of achieved values makes a form drawn before it a conflict.

use reqwest::StatusCode;

use crate::helpers::*;
use crate::pilot_reports::{action, plan};

async fn version(app: &TestApp, a: i64) -> String {
    app.count(&format!(
        "select version::bigint from action where id = {a}"
    ))
    .await
    .to_string()
}

async fn indicator_of(app: &TestApp, a: i64) -> String {
    app.count(&format!(
        "select id from action_indicator where action_id = {a}"
    ))
    .await
    .to_string()
}

fn report<'a>(ind: &'a str, value: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("status", "a_lancer"),
        ("reason", ""),
        ("progress", "0"),
        ("ind_id", ind),
        ("ind_achieved", value),
        ("noted_on", ""),
        ("body", ""),
        ("version", version),
        ("form_key", ""),
    ]
}

#[tokio::test]
async fn saving_achieved_values_alone_makes_an_older_form_a_conflict() {
    let app = spawn_app().await;
    let w = app.world().await;
    let p = plan(&app, w.maison_a, "en_oeuvre").await;
    let a = action(&app, p, 1, w.org, 90, "a_lancer").await;
    let ind = indicator_of(&app, a).await;
    let drawn = version(&app, a).await;
    let mut partner = app.signed_in(PARTNER).await;
    let r = partner
        .post(&format!("/actions/{a}/suivi"), &report(&ind, "12", &drawn))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the pilot's values saved"
    );
    assert_ne!(version(&app, a).await, drawn, "the action's version bumped");
    // The colleague's form was drawn before the pilot's save: refused, the pilot's value kept.
    let mut staff = app.signed_in(STAFF_A).await;
    let r = staff
        .post(&format!("/actions/{a}/suivi"), &report(&ind, "3", &drawn))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let kept = app
        .count(&format!(
            "select achieved::bigint from action_indicator where action_id = {a}"
        ))
        .await;
    assert_eq!(kept, 12);
}
