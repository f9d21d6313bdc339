//! SQL fixtures for the authorization matrix and the fuzzing: one object of every kind owned by Maison A
//! and one owned by Maison B, inserted directly (no HTTP), plus a fingerprint of the database that tells
//! whether a refused request changed anything.
//!
//! Side A is what A's people and A's partner organisation work with: a diagnostic *partagé* with the
//! partner's organisation, a *validé* plan answering it, an action piloted by that organisation, a comment
//! by the partner. Side B is Maison B's unpublished work: a diagnostic and a plan *brouillon*, shared with
//! nobody, an action without a pilot, a comment by B's staff.

#![expect(
    dead_code,
    reason = "some objects serve only the entries of routes still to come"
)]

use sqlx::{PgConnection, PgPool};

use crate::helpers::{TestApp, World};

#[derive(Clone, Debug)]
pub struct Side {
    pub maison: i64,
    /// A: the partner organisation of A (the partner's); B: an organisation partnering B only.
    pub org: i64,
    pub partnership: i64,
    /// A contact person of `partnership`.
    pub contact: i64,
    /// An indicator of the catalogue (the same on both sides: it belongs to the network).
    pub indicator: i64,
    pub diagnostic: i64,
    pub section: i64,
    pub value: i64,
    pub document: i64,
    pub comment: i64,
    /// A: *validé*; B: *brouillon*.
    pub plan: i64,
    /// An avis du réseau on `plan` by the admin (B's plan was sent back to draft after it), with one
    /// reply of the Maison's staff.
    pub review: i64,
    /// In `plan`; A: *en cours*, piloted by A's partner organisation; B: *à lancer*, no pilot.
    pub action: i64,
    /// A proof of `action` (the one document store), joined by the Maison's staff.
    pub proof: i64,
    /// A *brouillon* plan (on both sides) and one of its actions.
    pub draft_plan: i64,
    pub draft_action: i64,
    pub note: i64,
    /// A staff account of the Maison, nobody signed in with it.
    pub account: i64,
    /// A person of `org`.
    pub partner_account: i64,
    /// A: a notification of A's staff member; B: one of B's staff member.
    pub notification: i64,
    /// A pending invitation of a new staff account of the Maison (the token in clear).
    pub invitation: String,
    /// A pending password-reset link of `account` (the token in clear).
    pub reset: String,
    /// The signed unsubscribe token of `account` for the comments' e-mails (issue 17).
    pub unsubscribe: String,
    /// A partnership request of the Maison, waiting, to an organisation created for it that has no
    /// référent (the admins answer it).
    pub request: i64,
    /// A person proposed by the Maison for an account of `org`, waiting (`org` has no référent: the
    /// admins answer it).
    pub proposal: i64,
    /// A meeting of the Maison's copil.
    pub meeting: i64,
    /// A practice of the Maison drawn from `action` (issue 18): A: accepted (in the library); B: proposed.
    pub practice: i64,
}

#[derive(Clone, Debug)]
pub struct Fx {
    pub a: Side,
    pub b: Side,
}

async fn id(db: &mut PgConnection, sql: &str, binds: &[Bind<'_>]) -> i64 {
    let mut q = sqlx::query_scalar::<_, i64>(sql);
    for b in binds {
        q = match b {
            Bind::I(v) => q.bind(*v),
            Bind::S(v) => q.bind(*v),
            Bind::O(v) => q.bind(*v),
        };
    }
    q.fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("fixture {sql}: {e}"))
}

enum Bind<'a> {
    I(i64),
    S(&'a str),
    O(Option<i64>),
}
use Bind::{I, O, S};

static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn next() -> u64 {
    SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Fx {
    /// A fresh set of objects; call it again for a clean set when a request may change them.
    /// Everything in one transaction: one commit instead of fifty.
    pub async fn create(app: &TestApp, w: &World) -> Fx {
        let mut tx = app.db.begin().await.expect("begin");
        let org_b = id(
            &mut tx,
            "insert into organisation (name, type_code, region_code, created_by_maison)
             values ('Organisation partenaire de B', 'cci', '32', $1) returning id",
            &[I(w.maison_b)],
        )
        .await;
        let a = side(&mut tx, w, w.maison_a, w.org, w.staff_a, true).await;
        let b = side(&mut tx, w, w.maison_b, org_b, w.staff_b, false).await;
        tx.commit().await.expect("commit");
        Fx { a, b }
    }
}

async fn side(
    db: &mut PgConnection,
    w: &World,
    maison: i64,
    org: i64,
    staff: i64,
    is_a: bool,
) -> Side {
    let cx = SideCx {
        w,
        maison,
        org,
        staff,
        is_a,
        n: next(),
    };
    let (partnership, contact) = partnership_and_contact(db, &cx).await;
    let indicator = id(db, "select min(id) from indicator", &[]).await;
    let (diagnostic, section, value, document, comment) =
        diagnostic_with_its_content(db, &cx).await;
    let (plan, review) = plan_with_its_review(db, &cx, diagnostic).await;
    let (action, draft_plan, draft_action, note) = actions_of(db, &cx, plan, diagnostic).await;
    let proof = id(
        db,
        "insert into document (action_id, filename, content_type, size_bytes, data, uploaded_by)
         values ($1, 'emargement.pdf', 'application/pdf', 9, '\\x255044462d312e340a'::bytea, $2) returning id",
        &[I(action), I(staff)],
    )
    .await;
    let (account, partner_account, notification, invitation, reset) =
        accounts_and_links(db, &cx).await;
    let (request, proposal) = request_and_proposal(db, &cx).await;
    // One meeting per Maison and day: a day of its own for each set of objects.
    let meeting = id(
        db,
        "insert into copil_meeting (maison_id, held_on, place)
         values ($1, date '2020-01-01' + ($2::text)::int, 'Salle du conseil') returning id",
        &[I(maison), S(&(cx.n % 20_000).to_string())],
    )
    .await;
    let practice = practice_of(db, &cx, action).await;
    let unsubscribe = unsubscribe_token(db, account).await;
    Side {
        unsubscribe,
        practice,
        request,
        proposal,
        meeting,
        maison,
        org,
        partnership,
        contact,
        indicator,
        diagnostic,
        section,
        value,
        document,
        comment,
        plan,
        review,
        action,
        proof,
        draft_plan,
        draft_action,
        note,
        account,
        partner_account,
        notification,
        invitation,
        reset,
    }
}

/// What every part of a side is made for.
#[derive(Clone, Copy)]
struct SideCx<'a> {
    w: &'a World,
    maison: i64,
    org: i64,
    staff: i64,
    is_a: bool,
    /// Makes the names and addresses unique.
    n: u64,
}

/// The Maison's partnership with `org` (the world's, or a new one) and a contact person of it.
async fn partnership_and_contact(db: &mut PgConnection, cx: &SideCx<'_>) -> (i64, i64) {
    let SideCx { maison, org, .. } = *cx;
    let partnership = match sqlx::query_scalar::<_, i64>(
        "select id from partnership where maison_id = $1 and organisation_id = $2",
    )
    .bind(maison)
    .bind(org)
    .fetch_optional(&mut *db)
    .await
    .expect("partnership")
    {
        Some(p) => p,
        None => {
            id(
                db,
                "insert into partnership (maison_id, organisation_id, roles) values ($1, $2, '{financeur}')
                 returning id",
                &[I(maison), I(org)],
            )
            .await
        }
    };
    let contact = id(
        db,
        "insert into partnership_contact (partnership_id, name, job_title) values ($1, 'Camille Durand',
         'Chargée de mission') returning id",
        &[I(partnership)],
    )
    .await;
    (partnership, contact)
}

/// A diagnostic (A: *partagé* with `org`; B: *brouillon*) with its sections, an indicator value, a document
/// and a comment (A: by the partner; B: by B's staff): (diagnostic, section, value, document, comment).
async fn diagnostic_with_its_content(
    db: &mut PgConnection,
    cx: &SideCx<'_>,
) -> (i64, i64, i64, i64, i64) {
    let SideCx {
        w,
        maison,
        org,
        staff,
        is_a,
        n,
    } = *cx;
    let diagnostic = id(
        db,
        "insert into diagnostic (maison_id, title, reference_year, status, created_by)
         values ($1, $2, 2025, $3, $4) returning id",
        &[
            I(maison),
            S(&format!("Diagnostic {n}")),
            S(if is_a { "partage" } else { "brouillon" }),
            I(staff),
        ],
    )
    .await;
    sqlx::query(
        "insert into diagnostic_sector (diagnostic_id, sector_code) values ($1, 'batiment')",
    )
    .bind(diagnostic)
    .execute(&mut *db)
    .await
    .expect("sector");
    if is_a {
        sqlx::query(
            "insert into diagnostic_share (diagnostic_id, organisation_id, shared_by) values ($1, $2, $3)",
        )
        .bind(diagnostic)
        .bind(org)
        .bind(staff)
        .execute(&mut *db)
        .await
        .expect("share");
    }
    let section = id(
        db,
        "insert into diagnostic_section (diagnostic_id, position, kind, title, body, updated_by)
         values ($1, 1, 'contexte', 'Contexte territorial', 'Le territoire compte **12 000** emplois.', $2)
         returning id",
        &[I(diagnostic), I(staff)],
    )
    .await;
    id(
        db,
        "insert into diagnostic_section (diagnostic_id, position, kind, title, body, updated_by)
         values ($1, 2, 'enjeux', 'Enjeux et pistes d''action', 'Former les artisans.', $2) returning id",
        &[I(diagnostic), I(staff)],
    )
    .await;
    let value = id(
        db,
        "insert into indicator_value (diagnostic_id, indicator_id, value, year, territory, source)
         values ($1, (select min(id) from indicator), 1234, 2024, 'Territoire', 'INSEE') returning id",
        &[I(diagnostic)],
    )
    .await;
    let document = id(
        db,
        "insert into document (diagnostic_id, filename, content_type, size_bytes, data, uploaded_by)
         values ($1, 'etude.pdf', 'application/pdf', 9, '\\x255044462d312e340a'::bytea, $2) returning id",
        &[I(diagnostic), I(staff)],
    )
    .await;
    let author = if is_a { w.partner } else { w.staff_b };
    let comment = id(
        db,
        "insert into comment (diagnostic_id, section_id, author_id, body) values ($1, $2, $3, 'Un avis')
         returning id",
        &[I(diagnostic), I(section), I(author)],
    )
    .await;
    (diagnostic, section, value, document, comment)
}

/// The plan answering the diagnostic (A: *validé*; B: *brouillon*) and an avis du réseau on it, with one reply
/// of the Maison's staff.
async fn plan_with_its_review(
    db: &mut PgConnection,
    cx: &SideCx<'_>,
    diagnostic: i64,
) -> (i64, i64) {
    let SideCx {
        w,
        maison,
        staff,
        is_a,
        n,
        ..
    } = *cx;
    let plan = id(
        db,
        "insert into plan (maison_id, diagnostic_id, title, start_year, end_year, status, created_by)
         values ($1, $2, $3, 2025, 2027, $4, $5) returning id",
        &[
            I(maison),
            I(diagnostic),
            S(&format!("Plan {n}")),
            S(if is_a { "valide" } else { "brouillon" }),
            I(staff),
        ],
    )
    .await;
    let review = id(
        db,
        "insert into network_review (plan_id, account_id, opinion, remarks) values ($1, $2, 'reserve',
         'Préciser le budget de l''axe 2.') returning id",
        &[I(plan), I(w.admin)],
    )
    .await;
    id(
        db,
        "insert into network_review_reply (review_id, account_id, side, body) values ($1, $2, 'maison',
         'Le budget sera précisé au prochain comité.') returning id",
        &[I(review), I(staff)],
    )
    .await;
    (plan, review)
}

/// An action of the plan with a result and a funding line, a draft plan with an action, a follow-up note:
/// (action, draft plan, draft action, note).
async fn actions_of(
    db: &mut PgConnection,
    cx: &SideCx<'_>,
    plan: i64,
    diagnostic: i64,
) -> (i64, i64, i64, i64) {
    let SideCx {
        maison,
        org,
        staff,
        is_a,
        n,
        ..
    } = *cx;
    let action = id(
        db,
        "insert into action (plan_id, number, title, axis_id, sector_code, pilot_organisation_id,
                             start_date, end_date, status)
         values ($1, 1, 'Former les artisans à la rénovation', (select min(id) from axis), 'batiment',
                 $2, '2025-01-01', '2026-12-31', $3) returning id",
        &[
            I(plan),
            O(is_a.then_some(org)),
            S(if is_a { "en_cours" } else { "a_lancer" }),
        ],
    )
    .await;
    id(
        db,
        "insert into action_indicator (action_id, label, unit, target, year) values ($1, 'Artisans formés',
         'personnes', 40, 2026) returning id",
        &[I(action)],
    )
    .await;
    id(
        db,
        "insert into action_funding (action_id, funder, amount_cents, state) values ($1, 'ADEME', 1500000,
         'acquis') returning id",
        &[I(action)],
    )
    .await;
    let draft_plan = id(
        db,
        "insert into plan (maison_id, diagnostic_id, title, start_year, end_year, status, created_by)
         values ($1, $2, $3, 2026, 2028, 'brouillon', $4) returning id",
        &[I(maison), I(diagnostic), S(&format!("Plan en préparation {n}")), I(staff)],
    )
    .await;
    let draft_action = id(
        db,
        "insert into action (plan_id, number, title, axis_id, pilot_organisation_id, start_date, end_date)
         values ($1, 1, 'Forum des métiers verts', (select min(id) from axis), $2, '2026-01-01',
                 '2026-06-30') returning id",
        &[I(draft_plan), I(org)],
    )
    .await;
    let note = id(
        db,
        "insert into action_note (action_id, author_id, noted_on, body) values ($1, $2, '2025-06-01',
         'Première session tenue.') returning id",
        &[I(action), I(staff)],
    )
    .await;
    (action, draft_plan, draft_action, note)
}

/// Straight inserts (no argon2 hash: nobody signs in with these): a staff account, a person of `org`, a
/// notification, an invitation and a reset link (tokens in clear).
async fn accounts_and_links(
    db: &mut PgConnection,
    cx: &SideCx<'_>,
) -> (i64, i64, i64, String, String) {
    let SideCx {
        w,
        maison,
        org,
        staff,
        n,
        ..
    } = *cx;
    let account = id(
        db,
        "insert into account (email, name, role, maison_id) values ($1, 'Compte témoin', 'staff', $2)
         returning id",
        &[S(&format!("compte-{n}@test.example")), I(maison)],
    )
    .await;
    let partner_account = id(
        db,
        "insert into account (email, name, role, organisation_id) values ($1, 'Partenaire témoin', 'partner',
         $2) returning id",
        &[S(&format!("partenaire-{n}@test.example")), I(org)],
    )
    .await;
    let notification = id(
        db,
        "insert into notification (account_id, kind, message, link) values ($1, 'test', 'Une notification',
         '/') returning id",
        &[I(staff)],
    )
    .await;
    let invited = id(
        db,
        "insert into account (email, name, role, maison_id) values ($1, 'Invitée', 'staff', $2) returning id",
        &[S(&format!("invitee-{n}@test.example")), I(maison)],
    )
    .await;
    let invitation = mde::auth::session::random_token();
    let reset = mde::auth::session::random_token();
    for (acc, purpose, token) in [
        (invited, "invitation", &invitation),
        (account, "reset", &reset),
    ] {
        sqlx::query(
            "insert into account_token (account_id, purpose, token_hash, created_by, expires_at)
             values ($1, $2, $3, $4, now() + interval '1 day')",
        )
        .bind(acc)
        .bind(purpose)
        .bind(mde::auth::session::hash_token(token))
        .bind(w.admin)
        .execute(&mut *db)
        .await
        .expect("token");
    }
    (account, partner_account, notification, invitation, reset)
}

/// A good unsubscribe token of `account` (signed with the database's key, valid 30 days).
async fn unsubscribe_token(db: &mut PgConnection, account: i64) -> String {
    use mde::notifications::{Topic, unsubscribe};
    let config = mde::config::Config::for_tests(String::new());
    let key = unsubscribe::key(db, &config).await.expect("key");
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).timestamp();
    unsubscribe::token(
        &key,
        account,
        unsubscribe::Target::Topic(Topic::Commentaires),
        expires,
    )
}

/// A partnership request to a new organisation and a person proposed for an account of `org`, both waiting.
async fn request_and_proposal(db: &mut PgConnection, cx: &SideCx<'_>) -> (i64, i64) {
    let SideCx {
        maison,
        org,
        staff,
        n,
        ..
    } = *cx;
    let asked = id(
        db,
        "insert into organisation (name, type_code, region_code) values ($1, 'association', '32') returning id",
        &[S(&format!("Association demandée {n}"))],
    )
    .await;
    let request = id(
        db,
        "insert into partnership_request (maison_id, organisation_id, roles, requested_by)
         values ($1, $2, '{associe}', $3) returning id",
        &[I(maison), I(asked), I(staff)],
    )
    .await;
    let proposal = id(
        db,
        "insert into account_proposal (maison_id, organisation_id, email, name, proposed_by)
         values ($1, $2, $3, 'Personne proposée', $4) returning id",
        &[
            I(maison),
            I(org),
            S(&format!("proposee-{n}@test.example")),
            I(staff),
        ],
    )
    .await;
    (request, proposal)
}

/// A practice drawn from `action` (A: *acceptée*; B: *proposée*), with its one published version.
async fn practice_of(db: &mut PgConnection, cx: &SideCx<'_>, action: i64) -> i64 {
    let SideCx {
        maison,
        staff,
        is_a,
        n,
        ..
    } = *cx;
    let practice = id(
        db,
        "insert into practice (maison_id, action_id, status, proposed_by) values ($1, $2, $3, $4) returning id",
        &[I(maison), I(action), S(if is_a { "acceptee" } else { "proposee" }), I(staff)],
    )
    .await;
    let version = id(
        db,
        "insert into practice_version (practice_id, number, title, axis_id, sector_code, territory_types,
                territory_size, budget_range, summary, results, contact_role, contact_email, created_by)
         values ($1, 1, $2, (select min(id) from axis), 'batiment', '{urbain}', '50k_150k', '10k_50k',
                 'Des sessions FEEBAT près des chantiers.', '40 artisans formés.', 'Chargée de mission',
                 $3, $4) returning id",
        &[
            I(practice),
            S(&format!("Former les artisans {n}")),
            S(&format!("contact-{n}@mde.example")),
            I(staff),
        ],
    )
    .await;
    sqlx::query("update practice set current_version_id = $2 where id = $1")
        .bind(practice)
        .bind(version)
        .execute(&mut *db)
        .await
        .expect("practice version");
    practice
}

/// Tables a refused request must leave alone: every table but the reference geography, the sessions and
/// the sign-in failures (which change on every request or sign-in by design).
const NOT_FINGERPRINTED: [&str; 7] = [
    "region",
    "departement",
    "epci",
    "commune",
    "_sqlx_migrations",
    "session",
    "login_failure",
];

/// For each fingerprinted table, an MD5 of all its rows.
pub type Fingerprint = Vec<(String, String)>;

/// What changes when any row of any fingerprinted table changes.
pub async fn fingerprint(db: &PgPool) -> Fingerprint {
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables
         where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
    )
    .fetch_all(db)
    .await
    .expect("tables");
    let parts: Vec<String> = tables
        .iter()
        .filter(|t| !NOT_FINGERPRINTED.contains(&t.as_str()))
        .map(|t| {
            format!(
                "select '{t}'::text, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) from \"{t}\" x"
            )
        })
        .collect();
    sqlx::query_as(&parts.join(" union all "))
        .fetch_all(db)
        .await
        .expect("fingerprint")
}

/// The tables whose fingerprints differ, for messages.
pub fn changed(before: &[(String, String)], after: &[(String, String)]) -> Vec<String> {
    after
        .iter()
        .filter(|(t, h)| !before.iter().any(|(bt, bh)| bt == t && bh == h))
        .map(|(t, _)| t.clone())
        .collect()
}
