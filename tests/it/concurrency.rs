//! Two people at once: saving the same diagnostic section or fiche action together, exactly one wins and
//! the other gets the conflict page (409, their text kept, nothing overwritten); a creation form sent twice
//! with the same `form_key` (double click, resent POST) is processed once.
//!
//! Forms are filled the way a browser would: from the page's own `<form>`, then the person's changes.

use reqwest::StatusCode;
use scraper::{Html, Selector};

use crate::fixtures::Fx;
use crate::helpers::*;
use crate::matrix::{Actor, raw_client};

/// The fields a browser would send for the form whose `action` is `action` (checked boxes, selected
/// options, textareas), without the CSRF token (the `Actor` adds its own).
fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").expect("selector");
    let field_sel = Selector::parse("input[name], select[name], textarea[name]").expect("selector");
    let option_sel = Selector::parse("option").expect("selector");
    let form = doc
        .select(&form_sel)
        .find(|f| f.value().attr("action") == Some(action))
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let mut out = Vec::new();
    for el in form.select(&field_sel) {
        let v = el.value();
        let name = v.attr("name").unwrap_or_default().to_owned();
        if name == "csrf" {
            continue;
        }
        match v.name() {
            "input" => {
                let kind = v.attr("type").unwrap_or("text");
                if matches!(kind, "submit" | "button" | "file" | "image" | "reset") {
                    continue;
                }
                if matches!(kind, "checkbox" | "radio") && v.attr("checked").is_none() {
                    continue;
                }
                out.push((name, v.attr("value").unwrap_or("on").to_owned()));
            }
            "select" => {
                let options: Vec<_> = el.select(&option_sel).collect();
                let chosen = options
                    .iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(options.first());
                if let Some(o) = chosen {
                    let value = o
                        .value()
                        .attr("value")
                        .map(str::to_owned)
                        .unwrap_or_else(|| o.text().collect());
                    out.push((name, value));
                }
            }
            _ => out.push((name, el.text().collect())),
        }
    }
    out
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_owned(),
        None => fields.push((name.to_owned(), value.to_owned())),
    }
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn page(actor: &Actor, app: &TestApp, path: &str) -> String {
    let r = actor.get(&raw_client(), &app.addr, path).await;
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.text().await.expect("body")
}

/// Sends both forms at the same moment; returns (status, page) of each, in order.
async fn race(
    app: &TestApp,
    path: &str,
    one: (&Actor, &[(&str, &str)]),
    two: (&Actor, &[(&str, &str)]),
) -> [(StatusCode, String); 2] {
    let http = raw_client();
    let (r1, r2) = tokio::join!(
        one.0.post(&http, &app.addr, path, one.1),
        two.0.post(&http, &app.addr, path, two.1)
    );
    let s1 = r1.status();
    let s2 = r2.status();
    [
        (s1, r1.text().await.unwrap_or_default()),
        (s2, r2.text().await.unwrap_or_default()),
    ]
}

#[tokio::test]
async fn two_people_saving_one_section_one_wins_the_other_keeps_their_text() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = Fx::create(&app, &w).await;
    let staff = Actor::new(&app, Some(w.staff_a)).await;
    let resp = Actor::new(&app, Some(w.responsable_a)).await;
    let path = format!(
        "/diagnostics/{}/sections/{}/modifier",
        fx.a.diagnostic, fx.a.section
    );
    for round in 0..4 {
        // Both open the form on the same revision.
        let mut mine = form_fields(&page(&staff, &app, &path).await, &path);
        let mut theirs = form_fields(&page(&resp, &app, &path).await, &path);
        let text_staff = format!("Texte de l équipe au tour {round} avec 1200 emplois verts");
        let text_resp = format!("Texte de la responsable au tour {round} avec 1350 emplois");
        set(&mut mine, "body", &text_staff);
        set(&mut theirs, "body", &text_resp);
        set(&mut mine, "action", "");
        set(&mut theirs, "action", "");
        let results = race(
            &app,
            &path,
            (&staff, &pairs(&mine)),
            (&resp, &pairs(&theirs)),
        )
        .await;
        let statuses: Vec<u16> = results.iter().map(|(s, _)| s.as_u16()).collect();
        let winner = match statuses.as_slice() {
            [303, 409] => 0,
            [409, 303] => 1,
            other => panic!("round {round}: expected one 303 and one 409, got {other:?}"),
        };
        let (loser_page, loser_text) = if winner == 0 {
            (&results[1].1, &text_resp)
        } else {
            (&results[0].1, &text_staff)
        };
        assert!(
            loser_page.contains("Conflit de modification")
                && loser_page.contains("rien n'a été écrasé")
                || loser_page.contains("rien n&#x27;a été écrasé")
                || loser_page.contains("rien n&#39;a été écrasé"),
            "the conflict page explains, in French"
        );
        let kept = loser_text.replace('<', "&lt;").replace('>', "&gt;");
        let kept_apos = kept.replace('\'', "&#x27;");
        let kept_apos2 = kept.replace('\'', "&#39;");
        assert!(
            loser_page.contains(&kept)
                || loser_page.contains(&kept_apos)
                || loser_page.contains(&kept_apos2),
            "the loser's text is kept in the form"
        );
        let saved: (String, i32) =
            sqlx::query_as("select body, revision from diagnostic_section where id = $1")
                .bind(fx.a.section)
                .fetch_one(&app.db)
                .await
                .unwrap();
        let winner_text = if winner == 0 { &text_staff } else { &text_resp };
        assert_eq!(
            &saved.0, winner_text,
            "the winner's text is saved, not overwritten"
        );
        assert_eq!(saved.1, round + 2, "one save, one revision");
    }
}

#[tokio::test]
async fn two_people_saving_one_fiche_action_one_wins_nothing_is_overwritten() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = Fx::create(&app, &w).await;
    let staff = Actor::new(&app, Some(w.staff_a)).await;
    let resp = Actor::new(&app, Some(w.responsable_a)).await;
    let path = format!("/actions/{}/modifier", fx.a.draft_action);
    for round in 0..3 {
        let mut mine = form_fields(&page(&staff, &app, &path).await, &path);
        let mut theirs = form_fields(&page(&resp, &app, &path).await, &path);
        let title_staff = format!("Forum des métiers verts — version équipe {round}");
        let title_resp = format!("Forum des métiers verts — version responsable {round}");
        set(&mut mine, "title", &title_staff);
        set(&mut theirs, "title", &title_resp);
        set(
            &mut mine,
            "objectives",
            "Faire connaître les métiers de la rénovation.",
        );
        set(&mut theirs, "objectives", "Recruter vingt apprentis.");
        let results = race(
            &app,
            &path,
            (&staff, &pairs(&mine)),
            (&resp, &pairs(&theirs)),
        )
        .await;
        let statuses: Vec<u16> = results.iter().map(|(s, _)| s.as_u16()).collect();
        let winner = match statuses.as_slice() {
            [303, 409] => 0,
            [409, 303] => 1,
            other => panic!(
                "round {round}: expected one 303 and one 409, got {other:?}: {:.600}",
                results[0].1
            ),
        };
        let (loser_page, loser_title, winner_title) = if winner == 0 {
            (&results[1].1, &title_resp, &title_staff)
        } else {
            (&results[0].1, &title_staff, &title_resp)
        };
        assert!(
            loser_page.contains("Quelqu&#x27;un d&#x27;autre a enregistré")
                || loser_page.contains("Quelqu&#39;un d&#39;autre a enregistré")
                || loser_page.contains("Quelqu'un d'autre a enregistré"),
            "the conflict message, in French: {loser_page:.400}"
        );
        assert!(
            loser_page.contains(loser_title.as_str()),
            "the loser's typing is kept"
        );
        let saved: (String, i32) =
            sqlx::query_as("select title, version from action where id = $1")
                .bind(fx.a.draft_action)
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert_eq!(&saved.0, winner_title);
        assert_eq!(saved.1, round + 2, "one save, one version");
    }
}

/// Sends the same creation form twice at once and once more afterwards; returns the statuses.
async fn submit_thrice(
    app: &TestApp,
    actor: &Actor,
    path: &str,
    form: &[(&str, &str)],
) -> Vec<u16> {
    let http = raw_client();
    let (a, b) = tokio::join!(
        actor.post(&http, &app.addr, path, form),
        actor.post(&http, &app.addr, path, form)
    );
    let c = actor.post(&http, &app.addr, path, form).await;
    vec![
        a.status().as_u16(),
        b.status().as_u16(),
        c.status().as_u16(),
    ]
}

#[tokio::test]
async fn a_creation_form_sent_twice_is_processed_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = Fx::create(&app, &w).await;
    let staff = Actor::new(&app, Some(w.staff_a)).await;
    let partner = Actor::new(&app, Some(w.partner)).await;

    // A plan.
    let mut plan = form_fields(&page(&staff, &app, "/plans/nouveau").await, "/plans");
    set(&mut plan, "title", "Plan sans doublon");
    set(&mut plan, "start_year", "2026");
    set(&mut plan, "end_year", "2028");
    assert!(
        plan.iter().any(|(k, v)| k == "form_key" && !v.is_empty()),
        "the form carries a key"
    );
    let statuses = submit_thrice(&app, &staff, "/plans", &pairs(&plan)).await;
    assert!(statuses.iter().all(|s| *s < 500), "{statuses:?}");
    assert_eq!(
        app.count("select count(*) from plan where title = 'Plan sans doublon'")
            .await,
        1,
        "one plan, whatever the number of submissions ({statuses:?})"
    );

    // A diagnostic.
    let mut diag = form_fields(
        &page(&staff, &app, "/diagnostics/nouveau").await,
        "/diagnostics",
    );
    set(&mut diag, "title", "Diagnostic sans doublon");
    set(&mut diag, "reference_year", "2025");
    let statuses = submit_thrice(&app, &staff, "/diagnostics", &pairs(&diag)).await;
    assert!(statuses.iter().all(|s| *s < 500), "{statuses:?}");
    assert_eq!(
        app.count("select count(*) from diagnostic where title = 'Diagnostic sans doublon'")
            .await,
        1,
        "one diagnostic ({statuses:?})"
    );

    // A partner's comment, from the comment page the diagnostic links to.
    let form_page = format!("/diagnostics/{}/commentaires/nouveau", fx.a.diagnostic);
    let comment_path = format!("/diagnostics/{}/commentaires", fx.a.diagnostic);
    let mut comment = form_fields(&page(&partner, &app, &form_page).await, &comment_path);
    set(&mut comment, "body", "Un commentaire envoyé deux fois");
    let statuses = submit_thrice(&app, &partner, &comment_path, &pairs(&comment)).await;
    assert!(statuses.iter().all(|s| *s < 500), "{statuses:?}");
    assert_eq!(
        app.count("select count(*) from comment where body = 'Un commentaire envoyé deux fois'")
            .await,
        1,
        "one comment ({statuses:?})"
    );
}

#[tokio::test]
async fn a_fiche_action_sent_twice_is_created_once() {
    let app = spawn_app().await;
    let w = app.world().await;
    let fx = Fx::create(&app, &w).await;
    let staff = Actor::new(&app, Some(w.staff_a)).await;
    let plan = fx.a.draft_plan;
    let path = format!("/plans/{plan}/actions");
    let axis: i32 =
        sqlx::query_scalar("select id from axis where charter = '2009' order by number limit 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let before = app
        .count(&format!(
            "select count(*) from action where plan_id = {plan}"
        ))
        .await;
    for round in 0..3 {
        // The form as the browser has it (its number is the next free one), filled in.
        let new = format!("/plans/{plan}/actions/nouvelle");
        let mut fiche = form_fields(&page(&staff, &app, &new).await, &path);
        assert!(
            fiche.iter().any(|(k, v)| k == "form_key" && !v.is_empty()),
            "the form carries a key"
        );
        let title = format!("Fiche sans doublon {round}");
        set(&mut fiche, "title", &title);
        set(&mut fiche, "axis_id", &axis.to_string());
        set(&mut fiche, "funding_funder", "ADEME");
        set(&mut fiche, "funding_amount", "1 000");
        set(&mut fiche, "ind_label", "Artisans formés");
        let statuses = submit_thrice(&app, &staff, &path, &pairs(&fiche)).await;
        assert!(
            statuses.iter().all(|s| *s == 303),
            "round {round}: every submission ends on a page, none on an error ({statuses:?})"
        );
        assert_eq!(
            app.count(&format!(
                "select count(*) from action where plan_id = {plan} and title = '{title}'"
            ))
            .await,
            1,
            "round {round}: one fiche, whatever the number of submissions ({statuses:?})"
        );
        assert_eq!(
            app.count(&format!(
                "select count(*) from action_funding f join action a on a.id = f.action_id
                 where a.title = '{title}'"
            ))
            .await,
            1,
            "round {round}: its budget line once"
        );
        assert_eq!(
            app.count(&format!(
                "select count(*) from event where object_type = 'action' and action = 'creation'
                 and summary like '%{title}%'"
            ))
            .await,
            1,
            "round {round}: one entry in the journal"
        );
    }
    assert_eq!(
        app.count(&format!(
            "select count(*) from action where plan_id = {plan}"
        ))
        .await,
        before + 3
    );
}
