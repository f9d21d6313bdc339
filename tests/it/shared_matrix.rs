//! The authorization matrix of an organisation that several Maisons share (issue 14): the roles the main
//! matrix (`matrix.rs`) lacks — the responsable of each of the Maisons that partner it (B created it, C
//! partners it too), the responsable of a Maison that does not (A), a plain person of the organisation and
//! its référent — on every route reached through such an organisation (its profile, invitations, reset
//! links, deactivation, account edits, partnership add) and on the routes of its référents, proposals,
//! reviews and merges.
//!
//! Expectations: seven letters, in the order of [`WHO`]. `O` allowed (GET 200; POST anything but 404 or a
//! redirect to sign in), `N` 404 and nothing changed, `R` a 303 elsewhere (sent to the invitation, say),
//! `K` 200 with a link on the page (those who manage the account), `E` 200 without any link (the link goes
//! by e-mail only; without SMTP, « ask an admin »).

use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::StatusCode;

use crate::fixtures::{changed, fingerprint};
use crate::helpers::*;
use crate::matrix::{Actor, raw_client};

#[derive(Clone, Copy, Debug)]
enum Who {
    Admin,
    ResponsableA,
    ResponsableB,
    ResponsableC,
    StaffB,
    Partner,
    Referent,
}

const WHO: [Who; 7] = [
    Who::Admin,
    Who::ResponsableA,
    Who::ResponsableB,
    Who::ResponsableC,
    Who::StaffB,
    Who::Partner,
    Who::Referent,
];

struct Cast {
    admin: i64,
    resp_a: i64,
    resp_b: i64,
    resp_c: i64,
    staff_b: i64,
    maison_a: i64,
    maison_b: i64,
    maison_c: i64,
}

/// One organisation created by B and partnered by B and C, with its people, and a proposal from C.
#[derive(Clone, Debug)]
struct Org {
    org: i64,
    partner: i64,
    referent: i64,
    colleague: i64,
    /// Invited, no password yet.
    pending: i64,
    proposal: i64,
}

static SEQ: AtomicU64 = AtomicU64::new(0);

async fn org(app: &TestApp, c: &Cast) -> Org {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let org = app
        .organisation(&format!("France Travail partagée {n}"), "france_travail")
        .await;
    sqlx::query("update organisation set created_by_maison = $1 where id = $2")
        .bind(c.maison_b)
        .bind(org)
        .execute(&app.db)
        .await
        .unwrap();
    app.partnership(c.maison_b, org, &["financeur"]).await;
    app.partnership(c.maison_c, org, &["copil"]).await;
    let person = |who: &str| format!("{who}-{n}@partagee.example");
    let partner = app
        .account(&person("p"), "partner", None, Some(org), false)
        .await;
    let referent = app
        .account(&person("r"), "partner", None, Some(org), false)
        .await;
    crate::trust::make_referent(app, referent).await;
    let colleague = app
        .account(&person("c"), "partner", None, Some(org), false)
        .await;
    let pending = app
        .account(&person("i"), "partner", None, Some(org), false)
        .await;
    sqlx::query("update account set password_hash = null where id = $1")
        .bind(pending)
        .execute(&app.db)
        .await
        .unwrap();
    let proposal: i64 = sqlx::query_scalar(
        "insert into account_proposal (maison_id, organisation_id, email, name, proposed_by)
         values ($1, $2, $3, 'Personne proposée', $4) returning id",
    )
    .bind(c.maison_c)
    .bind(org)
    .bind(person("prop"))
    .bind(c.resp_c)
    .fetch_one(&app.db)
    .await
    .unwrap();
    Org {
        org,
        partner,
        referent,
        colleague,
        pending,
        proposal,
    }
}

impl Who {
    fn account(self, c: &Cast, o: &Org) -> i64 {
        match self {
            Who::Admin => c.admin,
            Who::ResponsableA => c.resp_a,
            Who::ResponsableB => c.resp_b,
            Who::ResponsableC => c.resp_c,
            Who::StaffB => c.staff_b,
            Who::Partner => o.partner,
            Who::Referent => o.referent,
        }
    }
}

type Path = fn(&Cast, &Org) -> String;
type Body = fn(&Cast, &Org) -> Vec<(String, String)>;

struct Cell {
    method: &'static str,
    path: Path,
    body: Body,
    want: &'static str,
}

fn none(_: &Cast, _: &Org) -> Vec<(String, String)> {
    vec![]
}

fn cells() -> Vec<Cell> {
    let mut cells = organisation_and_people_cells();
    cells.extend(attaching_and_proposing_cells());
    cells.extend(referent_and_review_cells());
    cells
}

/// A GET: its path and the expected answer of each role.
fn g(path: Path, want: &'static str) -> Cell {
    Cell {
        method: "GET",
        path,
        body: none,
        want,
    }
}

/// A POST: its path, its form and the expected answer of each role.
fn p(path: Path, body: Body, want: &'static str) -> Cell {
    Cell {
        method: "POST",
        path,
        body,
        want,
    }
}

/// The organisation's network-wide profile: those who manage it (no Maison: several partner it). Its people:
/// invited by those who manage it; the others' links go by e-mail only.
fn organisation_and_people_cells() -> Vec<Cell> {
    vec![
        g(
            |_, o| format!("/organisations/{}/modifier", o.org),
            "ONNNNNO",
        ),
        g(|_, o| format!("/organisations/{}", o.org), "OOOOOOO"),
        g(
            |_, o| format!("/comptes/inviter?organisation={}", o.org),
            "ONNNNNO",
        ),
        p(
            |_, o| format!("/comptes/{}/reinitialisation", o.colleague),
            none,
            "KNEENNK",
        ),
        p(
            |_, o| format!("/comptes/{}/invitation", o.pending),
            none,
            "KNEENNK",
        ),
        p(
            |_, o| format!("/comptes/{}/desactiver", o.colleague),
            none,
            "ONNNNNO",
        ),
        g(
            |_, o| format!("/comptes/{}/modifier", o.colleague),
            "ONNNNNO",
        ),
        g(|_, o| format!("/comptes/{}", o.colleague), "ONOONNO"),
    ]
}

/// Attaching it: a request for a Maison that did not create it (recorded: allowed), at once for admins.
/// Proposing one of its people: the responsables of the Maisons that partner it.
fn attaching_and_proposing_cells() -> Vec<Cell> {
    vec![
        p(
            |c, _| format!("/maisons/{}/partenaires/ajouter", c.maison_a),
            |_, o| {
                vec![
                    ("organisation".into(), o.org.to_string()),
                    ("roles".into(), "associe".into()),
                ]
            },
            "OONNNNN",
        ),
        g(
            |_, o| format!("/comptes/proposer?organisation={}", o.org),
            "RNOONNR",
        ),
        p(
            |_, o| format!("/comptes/proposer?organisation={}", o.org),
            |_, _| {
                vec![
                    ("email".into(), "proposee@ailleurs.example".into()),
                    ("name".into(), "Personne Proposée".into()),
                ]
            },
            "RNOONNR",
        ),
        g(|_, _| "/comptes/propositions".into(), "ONNNNNO"),
        p(
            |_, o| format!("/comptes/propositions/{}/accepter", o.proposal),
            none,
            "KNNNNNK",
        ),
        p(
            |_, o| format!("/comptes/propositions/{}/refuser", o.proposal),
            |_, _| vec![("answer".into(), String::new())],
            "ONNNNNO",
        ),
    ]
}

/// Référents: designated and removed by the admins, handed over by a référent; the requests and the accounts
/// to review, the merge: admins.
fn referent_and_review_cells() -> Vec<Cell> {
    vec![
        p(
            |_, o| format!("/organisations/{}/referents/{}/designer", o.org, o.partner),
            none,
            "ONNNNNN",
        ),
        p(
            |_, o| format!("/organisations/{}/referents/{}/retirer", o.org, o.referent),
            none,
            "ONNNNNN",
        ),
        p(
            |_, o| format!("/organisations/{}/referents/transmettre", o.org),
            |_, o| vec![("account".into(), o.colleague.to_string())],
            "NNNNNNO",
        ),
        g(|_, _| "/organisations/demandes".into(), "ONNNNNO"),
        g(|_, _| "/organisations/a-examiner".into(), "ONNNNNN"),
        p(
            |_, o| format!("/organisations/a-examiner/{}/examine", o.partner),
            none,
            "ONNNNNN",
        ),
        g(
            |_, o| format!("/organisations/{}/fusionner", o.org),
            "ONNNNNN",
        ),
    ]
}

fn verdict(method: &str, want: char, status: StatusCode, loc: &str, body: &str) -> bool {
    let link = body.contains("/reinitialisation/") || body.contains("/invitation/");
    match want {
        'O' if method == "GET" => status == StatusCode::OK,
        'O' => {
            status != StatusCode::NOT_FOUND
                && !loc.starts_with("/connexion")
                && !status.is_server_error()
        }
        'N' => status == StatusCode::NOT_FOUND,
        'R' => status == StatusCode::SEE_OTHER && !loc.starts_with("/connexion"),
        'K' => status == StatusCode::OK && link,
        'E' => status == StatusCode::OK && !link,
        _ => panic!("unknown letter {want}"),
    }
}

#[tokio::test]
async fn every_role_around_a_shared_organisation_gets_the_expected_answer() {
    let app = spawn_app().await;
    let w = app.world().await;
    let maison_c = app.maison("Maison de l'emploi C").await;
    let cast = Cast {
        admin: w.admin,
        resp_a: w.responsable_a,
        resp_b: app
            .account("resp-b@test.example", "staff", Some(w.maison_b), None, true)
            .await,
        resp_c: app
            .account("resp-c@test.example", "staff", Some(maison_c), None, true)
            .await,
        staff_b: w.staff_b,
        maison_a: w.maison_a,
        maison_b: w.maison_b,
        maison_c,
    };
    let base = org(&app, &cast).await;
    let http = raw_client();
    let mut failures = Vec::new();
    let mut count = 0;
    for cell in cells() {
        assert_eq!(cell.want.len(), WHO.len());
        for (who, want) in WHO.iter().zip(cell.want.chars()) {
            count += 1;
            // An allowed POST gets its own organisation (it may change it); a refused one the shared one,
            // which must not move.
            let o = if cell.method == "POST" && want != 'N' {
                org(&app, &cast).await
            } else {
                base.clone()
            };
            let path = (cell.path)(&cast, &o);
            let actor = Actor::new(&app, Some(who.account(&cast, &o))).await;
            let before = if cell.method == "POST" {
                fingerprint(&app.db).await
            } else {
                Vec::new()
            };
            let r = if cell.method == "GET" {
                actor.get(&http, &app.addr, &path).await
            } else {
                let body: Vec<(String, String)> = (cell.body)(&cast, &o);
                let pairs: Vec<(&str, &str)> =
                    body.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                actor.post(&http, &app.addr, &path, &pairs).await
            };
            let status = r.status();
            let loc = location(&r);
            let text = r.text().await.unwrap_or_default();
            let after = if cell.method == "POST" {
                fingerprint(&app.db).await
            } else {
                Vec::new()
            };
            let cell_name = format!("{} {path} as {who:?}", cell.method);
            if !verdict(cell.method, want, status, &loc, &text) {
                failures.push(format!("{cell_name}: expected {want}, got {status} {loc}"));
            }
            let moved = changed(&before, &after);
            if want == 'N' && !moved.is_empty() {
                failures.push(format!(
                    "{cell_name}: refused, yet these tables changed: {moved:?}"
                ));
            }
        }
    }
    eprintln!("shared-organisation matrix: {count} cells checked");
    assert!(
        failures.is_empty(),
        "{} cell(s) disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
