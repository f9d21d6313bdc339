//! The authorization matrix: every route of the application (found in the source by `routes::all()`, so a
//! new route cannot be forgotten) × every role × an object owned by Maison A and one owned by Maison B,
//! for GET and POST, with the answer DESIGN.md section 2 and the feature issues call for.
//!
//! Expectations are strings of seven letters, one per role, in this order:
//!
//! | column | who |
//! |---|---|
//! | 1 | anonymous visitor |
//! | 2 | admin (AVE) |
//! | 3 | staff of Maison A |
//! | 4 | staff of Maison B |
//! | 5 | responsable of Maison A |
//! | 6 | partner whose organisation partners A (and with which A's diagnostic is shared) |
//! | 7 | partner of an organisation that partners nobody |
//!
//! A route may have several entries (variants: with and without a `?maison=` filter, say).
//!
//! Letters: `O` allowed (GET: 200, or 409 for a page the plan's state does not allow; POST: 200, 303, 409 or 422 — anything but a refusal), `N` 404 (and for a
//! POST, not one row of the database changed), `L` anonymous sent to sign in (GET: 303 to
//! `/connexion?next=…`; POST: 303 to `/connexion` or 403), `R` a 303 elsewhere (a page that sends a
//! signed-in person on), `F` 403, `S` a refusal of the workflow to the object's own people (the state does
//! not allow it: 404, 409 or 422, and nothing changed), `-` anything but a 5xx (the rules say nothing). A lowercase letter is what the rules ask for where the code currently
//! answers otherwise and the feature's owner has been told: the test prints it instead of failing (a 5xx
//! still fails), and says so when the code comes to agree, so that the letter goes back to uppercase.
//!
//! Each POST is sent with a fresh session (so a sign-out or a deactivation does not spoil the next cell);
//! an allowed POST runs against a fresh set of objects (it may delete or change them); a refused one runs
//! against the shared set, whose fingerprint must not move.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::StatusCode;

use crate::fixtures::{Fx, Side, changed, fingerprint};
use crate::helpers::*;
use crate::routes;

pub type Fill = fn(&Side) -> String;

pub struct Entry {
    pub method: &'static str,
    pub path: &'static str,
    /// How to fill the path's parameters with an object of one side; `None`: no parameter.
    pub fill: Option<Fill>,
    /// A minimal body that deserialises (a refusal must come from the policy, not from a missing field).
    pub body: &'static [(&'static str, &'static str)],
    /// Expectations on A's object (or the only run when the path has no object).
    pub a: &'static str,
    /// Expectations on B's object; empty when the path has no object.
    pub b: &'static str,
}

const fn e(
    method: &'static str,
    path: &'static str,
    fill: Option<Fill>,
    body: &'static [(&'static str, &'static str)],
    a: &'static str,
    b: &'static str,
) -> Entry {
    Entry {
        method,
        path,
        fill,
        body,
        a,
        b,
    }
}

const G: &str = "GET";
const P: &str = "POST";
const NONE: &[(&str, &str)] = &[];

/// Routes that landed without an entry yet: printed by the test, not checked. Must be empty at the end.
/// Routes that landed without an entry yet: printed by the test, not checked. Must be empty at the end.
pub const PENDING: &[(&str, &str)] = &[];

#[expect(
    clippy::too_many_lines,
    reason = "the matrix is a table, one entry per route grouped by feature in the order of DESIGN.md: \
              read top to bottom, it would only be scattered by splitting"
)]
pub fn entries() -> Vec<Entry> {
    vec![
        // Outside the session: health and assets.
        e(G, "/healthz", None, NONE, "OOOOOOO", ""),
        e(
            G,
            "/static/{file}",
            Some(|_| mde::web::assets::css_url().to_owned()),
            NONE,
            "OOOOOOO",
            "",
        ),
        // The pages every public-service site owes its users: readable by everyone, signed out included.
        e(G, "/accessibilite", None, NONE, "OOOOOOO", ""),
        e(G, "/mentions-legales", None, NONE, "OOOOOOO", ""),
        e(G, "/donnees-personnelles", None, NONE, "OOOOOOO", ""),
        e(G, "/plan-du-site", None, NONE, "OOOOOOO", ""),
        e(G, "/aide", None, NONE, "OOOOOOO", ""),
        // Sign-in, sign-out, profile.
        e(G, "/connexion", None, NONE, "ORRRRRR", ""),
        e(
            P,
            "/connexion",
            None,
            &[("email", ""), ("password", "")],
            "OOOOOOO",
            "",
        ),
        e(P, "/deconnexion", None, NONE, "LOOOOOO", ""),
        e(G, "/profil", None, NONE, "LOOOOOO", ""),
        e(
            P,
            "/profil/mot-de-passe",
            None,
            &[("current", ""), ("new", ""), ("confirmation", "")],
            "LOOOOOO",
            "",
        ),
        // « Mot de passe oublié ? » (issue 14): readable and usable by everyone (the empty address: 422);
        // each person ends their own other sessions, or all of them.
        e(
            G,
            "/connexion/mot-de-passe-oublie",
            None,
            NONE,
            "OOOOOOO",
            "",
        ),
        e(
            P,
            "/connexion/mot-de-passe-oublie",
            None,
            &[("email", "")],
            "OOOOOOO",
            "",
        ),
        e(
            P,
            "/profil/sessions/fermer",
            None,
            &[("portee", "autres")],
            "LOOOOOO",
            "",
        ),
        // Each person downloads their own data (issue 23).
        e(
            P,
            "/profil/mes-donnees",
            None,
            &[("format", "json")],
            "LOOOOOO",
            "",
        ),
        // Each person's own notification choices (issue 17).
        e(G, "/profil/notifications", None, NONE, "LOOOOOO", ""),
        e(
            P,
            "/profil/notifications",
            None,
            &[("commentaires", "portail")],
            "LOOOOOO",
            "",
        ),
        // The unsubscribe link of an e-mail: whoever holds it, no session needed (the signed token is the
        // proof; a forged one is a 404: tests/it/notification_choices.rs).
        e(
            G,
            "/desabonnement/{token}",
            Some(|s| format!("/desabonnement/{}", s.unsubscribe)),
            NONE,
            "OOOOOOO",
            "OOOOOOO",
        ),
        e(
            P,
            "/desabonnement/{token}",
            Some(|s| format!("/desabonnement/{}", s.unsubscribe)),
            NONE,
            "OOOOOOO",
            "OOOOOOO",
        ),
        e(G, "/", None, NONE, "LOOOOOO", ""),
        // The journal of the whole network: admins only.
        e(G, "/journal", None, NONE, "LONNNNN", ""),
        // Notifications: each person's own.
        e(G, "/notifications", None, NONE, "LOOOOOO", ""),
        e(P, "/notifications/tout-lu", None, NONE, "LOOOOOO", ""),
        e(
            P,
            "/notifications/{id}/lu",
            Some(|s| format!("/notifications/{}/lu", s.notification)),
            NONE,
            // A's notification belongs to A's staff member, B's to B's: nobody else's is found.
            "LNONNNN",
            "LNNONNN",
        ),
        // Maisons (issue 4): staff see every Maison's page (the network directory), partners only the
        // Maisons their organisation partners; admins create; a Maison's staff edit its profile and
        // territory, nobody else's.
        e(G, "/maisons", None, NONE, "LOOOOOO", ""),
        e(G, "/maisons/nouvelle", None, NONE, "LONNNNN", ""),
        e(P, "/maisons/nouvelle", None, MAISON_FORM, "LONNNNN", ""),
        e(
            G,
            "/maisons/{id}",
            Some(|s| format!("/maisons/{}", s.maison)),
            NONE,
            "LOOOOON",
            "LOOOONN",
        ),
        e(
            G,
            "/maisons/{id}/modifier",
            Some(|s| format!("/maisons/{}/modifier", s.maison)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/modifier",
            Some(|s| format!("/maisons/{}/modifier", s.maison)),
            MAISON_FORM,
            "LOONONN",
            "LONONNN",
        ),
        // The copil's meetings: the Maison's staff record them, admins read them, nobody else.
        e(
            G,
            "/copil/{id}",
            Some(|s| format!("/copil/{}", s.meeting)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            G,
            "/maisons/{id}/copil/nouvelle",
            Some(|s| format!("/maisons/{}/copil/nouvelle", s.maison)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/maisons/{id}/copil",
            Some(|s| format!("/maisons/{}/copil", s.maison)),
            &[
                ("held_on", "2027-03-15"),
                ("place", "Mairie"),
                ("other_members", ""),
                ("minutes", ""),
            ],
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/maisons/{id}/territoire",
            Some(|s| format!("/maisons/{}/territoire?q=lille", s.maison)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/territoire/ajouter",
            Some(|s| format!("/maisons/{}/territoire/ajouter", s.maison)),
            &[("siren", "200041960"), ("q", "")],
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/territoire/retirer",
            Some(|s| format!("/maisons/{}/territoire/retirer", s.maison)),
            &[("siren", "200093201"), ("q", "")],
            "LOONONN",
            "LONONNN",
        ),
        // Axes (issue 7): a Maison's staff see their own Maison's axis pages, admins any Maison's or the
        // network's, partners those of the Maisons their organisation partners (validated plans only).
        e(
            G,
            "/axes",
            Some(|s| format!("/axes?maison={}", s.maison)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/axes/{number}",
            Some(|_| "/axes/2".into()),
            NONE,
            "LOOOOOO",
            "",
        ),
        e(
            G,
            "/axes/{number}",
            Some(|s| format!("/axes/1?maison={}", s.maison)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/axes/{number}/export/{format}",
            Some(|s| format!("/axes/3/export/csv?maison={}", s.maison)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/axes/{number}/export/{format}",
            Some(|_| "/axes/4/export/xlsx".into()),
            NONE,
            "LOOOOON",
            "",
        ),
        // The network's figures: admins only.
        e(G, "/reseau", None, NONE, "LONNNNN", ""),
        e(
            G,
            "/reseau/export/{format}",
            Some(|_| "/reseau/export/csv".into()),
            NONE,
            "LONNNNN",
            "",
        ),
        e(G, "/reseau/grenelle", None, NONE, "LONNNNN", ""),
        e(G, "/reseau/grenelle/export.xlsx", None, NONE, "LONNNNN", ""),
        // Comparison on the catalogue: admins (named Maisons) and staff (their own position; another
        // Maison's id is ignored for them); not partners.
        e(
            G,
            "/comparaison",
            Some(|s| format!("/comparaison?indicateur=POP&maison={}", s.maison)),
            NONE,
            "LOOOONN",
            "LOOOONN",
        ),
        // Search across the network (issue 7): admins, and staff within what they may read; not partners.
        e(G, "/recherche", None, NONE, "LOOOONN", ""),
        // Diagnostics (issue 5). A's is *partagé* with A's partner organisation: A's staff, admins and
        // that organisation's people read it; B's staff do not (not published: only validated diagnostics
        // are). B's is a draft: B's staff and admins only. Only the Maison's staff write it, until
        // validation; comments by whoever reads it while it is open; the author alone edits a comment.
        e(G, "/diagnostics", None, NONE, "LOOOOOO", ""),
        e(P, "/diagnostics", None, HEAD_FORM, "LNOOONN", ""),
        e(G, "/diagnostics/nouveau", None, NONE, "LNOOONN", ""),
        e(
            G,
            "/diagnostics/{id}",
            Some(|s| format!("/diagnostics/{}", s.diagnostic)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/impression",
            Some(|s| format!("/diagnostics/{}/impression", s.diagnostic)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/indicateurs.csv",
            Some(|s| format!("/diagnostics/{}/indicateurs.csv", s.diagnostic)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/documents/{did}",
            Some(|s| format!("/diagnostics/{}/documents/{}", s.diagnostic, s.document)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/modifier",
            Some(|s| format!("/diagnostics/{}/modifier", s.diagnostic)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/modifier",
            Some(|s| format!("/diagnostics/{}/modifier", s.diagnostic)),
            HEAD_FORM,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/partage",
            Some(|s| format!("/diagnostics/{}/partage", s.diagnostic)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/partage",
            Some(|s| format!("/diagnostics/{}/partage", s.diagnostic)),
            &[("organisations", ""), ("comment", "")],
            "LNONONN",
            "LNNONNN",
        ),
        // Validation needs a *partagé* diagnostic, archiving and a new version a *validé* one: on the
        // wrong state the Maison's own staff get a refusal of the workflow (S), everyone else a 404.
        e(
            G,
            "/diagnostics/{id}/validation",
            Some(|s| format!("/diagnostics/{}/validation", s.diagnostic)),
            NONE,
            "LNONONN",
            "LNNSNNN",
        ),
        e(
            P,
            "/diagnostics/{id}/validation",
            Some(|s| format!("/diagnostics/{}/validation", s.diagnostic)),
            &[
                ("validated_on", ""),
                ("copil_decision", ""),
                ("comment", ""),
            ],
            "LNONONN",
            "LNNSNNN",
        ),
        e(
            G,
            "/diagnostics/{id}/archivage",
            Some(|s| format!("/diagnostics/{}/archivage", s.diagnostic)),
            NONE,
            "LNSNSNN",
            "LNNSNNN",
        ),
        e(
            P,
            "/diagnostics/{id}/archivage",
            Some(|s| format!("/diagnostics/{}/archivage", s.diagnostic)),
            COMMENT_ONLY,
            "LNSNSNN",
            "LNNSNNN",
        ),
        e(
            P,
            "/diagnostics/{id}/nouvelle-version",
            Some(|s| format!("/diagnostics/{}/nouvelle-version", s.diagnostic)),
            COMMENT_ONLY,
            "LNSNSNN",
            "LNNSNNN",
        ),
        // Sections, indicator values, documents: the Maison's staff while not validated.
        e(
            P,
            "/diagnostics/{id}/sections",
            Some(|s| format!("/diagnostics/{}/sections", s.diagnostic)),
            &[("title", "Nouvelle section")],
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/sections/nouvelle",
            Some(|s| format!("/diagnostics/{}/sections/nouvelle", s.diagnostic)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/sections/{sid}/modifier",
            Some(|s| {
                format!(
                    "/diagnostics/{}/sections/{}/modifier",
                    s.diagnostic, s.section
                )
            }),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/sections/{sid}/modifier",
            Some(|s| {
                format!(
                    "/diagnostics/{}/sections/{}/modifier",
                    s.diagnostic, s.section
                )
            }),
            &[
                ("title", ""),
                ("body", ""),
                ("revision", "1"),
                ("action", ""),
            ],
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/sections/{sid}/deplacer",
            Some(|s| {
                format!(
                    "/diagnostics/{}/sections/{}/deplacer",
                    s.diagnostic, s.section
                )
            }),
            &[("direction", "bas")],
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/sections/{sid}/supprimer",
            Some(|s| {
                format!(
                    "/diagnostics/{}/sections/{}/supprimer",
                    s.diagnostic, s.section
                )
            }),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/indicateurs/nouveau",
            Some(|s| format!("/diagnostics/{}/indicateurs/nouveau", s.diagnostic)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/indicateurs",
            Some(|s| format!("/diagnostics/{}/indicateurs", s.diagnostic)),
            VALUE_FORM,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/indicateurs/{vid}/modifier",
            Some(|s| {
                format!(
                    "/diagnostics/{}/indicateurs/{}/modifier",
                    s.diagnostic, s.value
                )
            }),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/indicateurs/{vid}/modifier",
            Some(|s| {
                format!(
                    "/diagnostics/{}/indicateurs/{}/modifier",
                    s.diagnostic, s.value
                )
            }),
            VALUE_FORM,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/indicateurs/{vid}/supprimer",
            Some(|s| {
                format!(
                    "/diagnostics/{}/indicateurs/{}/supprimer",
                    s.diagnostic, s.value
                )
            }),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/documents/nouveau",
            Some(|s| format!("/diagnostics/{}/documents/nouveau", s.diagnostic)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/documents",
            Some(|s| format!("/diagnostics/{}/documents", s.diagnostic)),
            MULTIPART,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/documents/{did}/supprimer",
            Some(|s| {
                format!(
                    "/diagnostics/{}/documents/{}/supprimer",
                    s.diagnostic, s.document
                )
            }),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        // Comments: A's partner wrote A's comment, B's staff member B's.
        e(
            P,
            "/diagnostics/{id}/commentaires",
            Some(|s| format!("/diagnostics/{}/commentaires", s.diagnostic)),
            &[
                ("body", "Un avis"),
                ("section_id", ""),
                ("parent_id", ""),
                ("form_key", ""),
            ],
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/commentaires/nouveau",
            Some(|s| format!("/diagnostics/{}/commentaires/nouveau", s.diagnostic)),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/commentaires/nouveau",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/nouveau?section={}",
                    s.diagnostic, s.section
                )
            }),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/commentaires/{cid}/repondre",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/{}/repondre",
                    s.diagnostic, s.comment
                )
            }),
            NONE,
            "LOONOON",
            "LONONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/commentaires/{cid}/modifier",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/{}/modifier",
                    s.diagnostic, s.comment
                )
            }),
            NONE,
            "LNNNNON",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/commentaires/{cid}/modifier",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/{}/modifier",
                    s.diagnostic, s.comment
                )
            }),
            &[("body", "Un avis précisé")],
            "LNNNNON",
            "LNNONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/commentaires/{cid}/reponse",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/{}/reponse",
                    s.diagnostic, s.comment
                )
            }),
            &[("status", "pris_en_compte"), ("answer", "Merci")],
            "LNONONN",
            "LNNONNN",
        ),
        // Answering is the Maison's act (DESIGN.md section 2): admins moderate (hide), they do not
        // answer for a Maison, so the form is a 404 to them as to anyone outside the Maison.
        e(
            G,
            "/diagnostics/{id}/commentaires/{cid}/traiter",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/{}/traiter",
                    s.diagnostic, s.comment
                )
            }),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/diagnostics/{id}/commentaires/{cid}/masquer",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/{}/masquer",
                    s.diagnostic, s.comment
                )
            }),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/diagnostics/{id}/commentaires/{cid}/masquer",
            Some(|s| {
                format!(
                    "/diagnostics/{}/commentaires/{}/masquer",
                    s.diagnostic, s.comment
                )
            }),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        // The indicator catalogue: read by everyone who writes diagnostics, kept by admins.
        e(G, "/indicateurs", None, NONE, "LOOOO--", ""),
        e(P, "/indicateurs", None, INDICATOR_FORM, "LONNNNN", ""),
        e(G, "/indicateurs/nouveau", None, NONE, "LONNNNN", ""),
        e(
            G,
            "/indicateurs/{id}/modifier",
            Some(|s| format!("/indicateurs/{}/modifier", s.indicator)),
            NONE,
            "LONNNNN",
            "",
        ),
        e(
            P,
            "/indicateurs/{id}/modifier",
            Some(|s| format!("/indicateurs/{}/modifier", s.indicator)),
            INDICATOR_FORM,
            "LONNNNN",
            "",
        ),
        // Organisations (issue 4): a directory for admins and staff; a partner sees their own
        // organisation's page; admins create; admins and the staff of a Maison it partners edit one.
        e(G, "/organisations", None, NONE, "LOOOONN", ""),
        e(G, "/organisations/nouvelle", None, NONE, "LONNNNN", ""),
        e(P, "/organisations/nouvelle", None, ORG_FORM, "LONNNNN", ""),
        e(
            G,
            "/organisations/{id}",
            Some(|s| format!("/organisations/{}", s.org)),
            NONE,
            "LOOOOON",
            "LOOOONN",
        ),
        e(
            G,
            "/organisations/{id}/modifier",
            Some(|s| format!("/organisations/{}/modifier", s.org)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/organisations/{id}/modifier",
            Some(|s| format!("/organisations/{}/modifier", s.org)),
            ORG_FORM,
            "LOONONN",
            "LONONNN",
        ),
        // A Maison's partnerships: admins and the Maison's staff.
        e(
            G,
            "/maisons/{id}/partenaires/ajouter",
            Some(|s| format!("/maisons/{}/partenaires/ajouter", s.maison)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/partenaires/ajouter",
            Some(|s| format!("/maisons/{}/partenaires/ajouter", s.maison)),
            PARTNERSHIP_FORM,
            "LOONONN",
            "LONONNN",
        ),
        e(
            G,
            "/maisons/{id}/partenaires/nouveau",
            Some(|s| format!("/maisons/{}/partenaires/nouveau", s.maison)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/partenaires/nouveau",
            Some(|s| format!("/maisons/{}/partenaires/nouveau", s.maison)),
            NEW_PARTNER_FORM,
            "LOONONN",
            "LONONNN",
        ),
        e(
            G,
            "/maisons/{id}/partenaires/{pid}",
            Some(|s| format!("/maisons/{}/partenaires/{}", s.maison, s.partnership)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/partenaires/{pid}",
            Some(|s| format!("/maisons/{}/partenaires/{}", s.maison, s.partnership)),
            PARTNERSHIP_FORM,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/partenaires/{pid}/retirer",
            Some(|s| {
                format!(
                    "/maisons/{}/partenaires/{}/retirer",
                    s.maison, s.partnership
                )
            }),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/partenaires/{pid}/contacts",
            Some(|s| {
                format!(
                    "/maisons/{}/partenaires/{}/contacts",
                    s.maison, s.partnership
                )
            }),
            &[
                ("contact_name", ""),
                ("job_title", ""),
                ("contact_email", ""),
                ("contact_phone", ""),
            ],
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/maisons/{id}/partenaires/{pid}/contacts/{cid}/retirer",
            Some(|s| {
                format!(
                    "/maisons/{}/partenaires/{}/contacts/{}/retirer",
                    s.maison, s.partnership, s.contact
                )
            }),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        // Partnership requests (issue 14): the organisation's référents and the admins answer them (the
        // fixture's organisation has no référent: the admins); the Maison's staff withdraw theirs.
        e(G, "/organisations/demandes", None, NONE, "LONNNNN", ""),
        e(
            P,
            "/organisations/demandes/{id}/accepter",
            Some(|s| format!("/organisations/demandes/{}/accepter", s.request)),
            NONE,
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/organisations/demandes/{id}/refuser",
            Some(|s| format!("/organisations/demandes/{}/refuser", s.request)),
            &[("answer", "")],
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/maisons/{id}/partenaires/demandes/{rid}/retirer",
            Some(|s| {
                format!(
                    "/maisons/{}/partenaires/demandes/{}/retirer",
                    s.maison, s.request
                )
            }),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        // Référents (issue 14): the admins designate and remove them and review the accounts a Maison
        // invited into a shared organisation; a référent hands the role over (the world has none: the
        // shared-organisation matrix, tests/it/shared_matrix.rs, has one).
        e(G, "/organisations/a-examiner", None, NONE, "LONNNNN", ""),
        e(
            P,
            "/organisations/a-examiner/{aid}/examine",
            Some(|s| format!("/organisations/a-examiner/{}/examine", s.partner_account)),
            NONE,
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/organisations/{id}/referents/{aid}/designer",
            Some(|s| {
                format!(
                    "/organisations/{}/referents/{}/designer",
                    s.org, s.partner_account
                )
            }),
            NONE,
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/organisations/{id}/referents/{aid}/retirer",
            Some(|s| {
                format!(
                    "/organisations/{}/referents/{}/retirer",
                    s.org, s.partner_account
                )
            }),
            NONE,
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/organisations/{id}/referents/transmettre",
            Some(|s| format!("/organisations/{}/referents/transmettre", s.org)),
            &[("account", "")],
            "LNNNNNN",
            "LNNNNNN",
        ),
        // Merging two records of an organisation (issue 14): the admins (without a copy chosen, the POST
        // sends back to the choice).
        e(
            G,
            "/organisations/{id}/fusionner",
            Some(|s| format!("/organisations/{}/fusionner", s.org)),
            NONE,
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/organisations/{id}/fusionner",
            Some(|s| format!("/organisations/{}/fusionner", s.org)),
            &[("avec", "")],
            "LONNNNN",
            "LONNNNN",
        ),
        // Proposing a person (issue 14): the responsable of a Maison an organisation partners without
        // managing it proposes; those who manage its people are sent to the invitation (R); the fixtures'
        // organisations are managed by their Maison, so nobody here proposes (the shared-organisation
        // matrix has the responsables who do). The référents and the admins answer (no référent here).
        e(
            G,
            "/comptes/proposer",
            Some(|s| format!("/comptes/proposer?organisation={}", s.org)),
            NONE,
            "LRNNRNN",
            "LRNNNNN",
        ),
        e(
            P,
            "/comptes/proposer",
            Some(|s| format!("/comptes/proposer?organisation={}", s.org)),
            &[("email", ""), ("name", "")],
            "LRNNRNN",
            "LRNNNNN",
        ),
        e(G, "/comptes/propositions", None, NONE, "LONNNNN", ""),
        e(
            P,
            "/comptes/propositions/{id}/accepter",
            Some(|s| format!("/comptes/propositions/{}/accepter", s.proposal)),
            NONE,
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/comptes/propositions/{id}/refuser",
            Some(|s| format!("/comptes/propositions/{}/refuser", s.proposal)),
            &[("answer", "")],
            "LONNNNN",
            "LONNNNN",
        ),
        // Accounts (issue 4): admins manage every account, A's responsable the staff of A and the people
        // of A's partner organisations; nobody else sees these pages. A's account is a staff member of A.
        e(G, "/comptes", None, NONE, "LONNONN", ""),
        e(G, "/comptes/inviter", None, NONE, "LONNONN", ""),
        e(P, "/comptes/inviter", None, INVITE_FORM, "LONNONN", ""),
        e(
            G,
            "/comptes/{id}",
            Some(|s| format!("/comptes/{}", s.account)),
            NONE,
            "LONNONN",
            "LONNNNN",
        ),
        e(
            G,
            "/comptes/{id}",
            Some(|s| format!("/comptes/{}", s.partner_account)),
            NONE,
            "LONNONN",
            "LONNNNN",
        ),
        e(
            G,
            "/comptes/{id}/modifier",
            Some(|s| format!("/comptes/{}/modifier", s.account)),
            NONE,
            "LONNONN",
            "LONNNNN",
        ),
        e(
            P,
            "/comptes/{id}/modifier",
            Some(|s| format!("/comptes/{}/modifier", s.account)),
            &[
                ("name", ""),
                ("email", ""),
                ("responsable", ""),
                ("version", ""),
            ],
            "LONNONN",
            "LONNNNN",
        ),
        e(
            P,
            "/comptes/{id}/invitation",
            Some(|s| format!("/comptes/{}/invitation", s.account)),
            NONE,
            "LONNONN",
            "LONNNNN",
        ),
        e(
            P,
            "/comptes/{id}/reinitialisation",
            Some(|s| format!("/comptes/{}/reinitialisation", s.account)),
            NONE,
            "LONNONN",
            "LONNNNN",
        ),
        e(
            P,
            "/comptes/{id}/desactiver",
            Some(|s| format!("/comptes/{}/desactiver", s.partner_account)),
            NONE,
            "LONNONN",
            "LONNNNN",
        ),
        e(
            P,
            "/comptes/{id}/reactiver",
            Some(|s| format!("/comptes/{}/reactiver", s.account)),
            NONE,
            "LONNONN",
            "LONNNNN",
        ),
        // Erasure (RGPD, issue 23): the network's administration only, after its confirmation page.
        e(
            G,
            "/comptes/{id}/effacer",
            Some(|s| format!("/comptes/{}/effacer", s.account)),
            NONE,
            "LONNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/comptes/{id}/effacer",
            Some(|s| format!("/comptes/{}/effacer", s.partner_account)),
            &[("confirmation", "oui")],
            "LONNNNN",
            "LONNNNN",
        ),
        // Invitation and reset links: whoever holds the link (a signed-in person is sent on).
        e(
            G,
            "/invitation/{token}",
            Some(|s| format!("/invitation/{}", s.invitation)),
            NONE,
            "O------",
            "",
        ),
        e(
            P,
            "/invitation/{token}",
            Some(|s| format!("/invitation/{}", s.invitation)),
            &[("password", ""), ("confirmation", "")],
            "-------",
            "",
        ),
        e(
            G,
            "/reinitialisation/{token}",
            Some(|s| format!("/reinitialisation/{}", s.reset)),
            NONE,
            "O------",
            "",
        ),
        e(
            P,
            "/reinitialisation/{token}",
            Some(|s| format!("/reinitialisation/{}", s.reset)),
            &[("password", ""), ("confirmation", "")],
            "-------",
            "",
        ),
        // Plans d'actions (issue 6). A's plan is *validé*: every Maison's staff read it (published to the
        // network), so do A's partners; B's is a draft: B's staff only — and admins, who "read everything"
        // (DESIGN.md section 2). Only a Maison's staff write its plans; admins give the avis du réseau on
        // submitted or validated plans, never on a draft.
        e(G, "/plans", None, NONE, "LOOOOOO", ""),
        e(P, "/plans", None, PLAN_FORM, "LNOOONN", ""),
        e(G, "/plans/nouveau", None, NONE, "LNOOONN", ""),
        e(
            G,
            "/plans/{id}",
            Some(|s| format!("/plans/{}", s.plan)),
            NONE,
            "LOOOOON",
            "LONONNN",
        ),
        e(
            G,
            "/plans/{id}/modifier",
            Some(|s| format!("/plans/{}/modifier", s.draft_plan)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/plans/{id}/modifier",
            Some(|s| format!("/plans/{}/modifier", s.draft_plan)),
            PLAN_FORM,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/plans/{id}/statut",
            Some(|s| format!("/plans/{}/statut", s.plan)),
            TRANSITION_FORM,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/plans/{id}/copil",
            Some(|s| format!("/plans/{}/copil", s.plan)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/plans/{id}/cloture",
            Some(|s| format!("/plans/{}/cloture", s.plan)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/plans/{id}/avis",
            Some(|s| format!("/plans/{}/avis", s.plan)),
            NONE,
            "LONNNNN",
            "LNNNNNN",
        ),
        e(
            P,
            "/plans/{id}/avis",
            Some(|s| format!("/plans/{}/avis", s.plan)),
            &[("opinion", "favorable"), ("remarks", ""), ("form_key", "")],
            "LONNNNN",
            "LNNNNNN",
        ),
        // The conversation under an avis (issue 15): the plan's Maison (staff, responsable) and the admins
        // reply, whatever the plan's state; other Maisons and partners are told nothing exists.
        e(
            G,
            "/plans/{id}/avis/{review}/reponse",
            Some(|s| format!("/plans/{}/avis/{}/reponse", s.plan, s.review)),
            NONE,
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/plans/{id}/avis/{review}/reponse",
            Some(|s| format!("/plans/{}/avis/{}/reponse", s.plan, s.review)),
            &[
                ("body", "Merci, nous précisons le budget."),
                ("form_key", ""),
            ],
            "LOONONN",
            "LONONNN",
        ),
        e(
            P,
            "/plans/{id}/nouvelle-version",
            Some(|s| format!("/plans/{}/nouvelle-version", s.plan)),
            &[("form_key", "")],
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/plans/{id}/export.xlsx",
            Some(|s| format!("/plans/{}/export.xlsx", s.plan)),
            NONE,
            "LOOOOON",
            "LONONNN",
        ),
        e(
            G,
            "/plans/{id}/impression",
            Some(|s| format!("/plans/{}/impression", s.plan)),
            NONE,
            "LOOOOON",
            "LONONNN",
        ),
        e(
            G,
            "/plans/{id}/actions/nouvelle",
            Some(|s| format!("/plans/{}/actions/nouvelle", s.draft_plan)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/plans/{id}/actions",
            Some(|s| format!("/plans/{}/actions", s.draft_plan)),
            ACTION_FORM,
            "LNONONN",
            "LNNONNN",
        ),
        // Fiches actions: read with their plan; content written by the Maison's staff while the plan is a
        // draft; follow-up (status, progress, achieved values, notes) once validated by its staff and by
        // the pilot role (issue 16): the partners whose organisation pilots the action (A's action is
        // piloted by column 6's organisation, B's by nobody) — "nothing else".
        e(
            G,
            "/actions/{id}",
            Some(|s| format!("/actions/{}", s.action)),
            NONE,
            "LOOOOON",
            "LONONNN",
        ),
        e(
            G,
            "/actions/{id}/modifier",
            Some(|s| format!("/actions/{}/modifier", s.draft_action)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/modifier",
            Some(|s| format!("/actions/{}/modifier", s.draft_action)),
            ACTION_FORM,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/supprimer",
            Some(|s| format!("/actions/{}/supprimer", s.draft_action)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/statut",
            Some(|s| format!("/actions/{}/statut", s.action)),
            &[("to", "en_pause"), ("reason", ""), ("form_key", "")],
            "LNONOON",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/notes",
            Some(|s| format!("/actions/{}/notes", s.action)),
            &[
                ("noted_on", "2026-03-02"),
                ("body", "Deuxième session."),
                ("progress", ""),
                ("form_key", ""),
            ],
            "LNONOON",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/avancement",
            Some(|s| format!("/actions/{}/avancement", s.action)),
            &[("progress", "50")],
            "LNONOON",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/resultats",
            Some(|s| format!("/actions/{}/resultats", s.action)),
            &[("ind_id", "0"), ("ind_achieved", "12")],
            "LNONOON",
            "LNNONNN",
        ),
        // The one follow-up form of the pilot and the Maison (issue 16).
        e(
            P,
            "/actions/{id}/suivi",
            Some(|s| format!("/actions/{}/suivi", s.action)),
            &[
                ("status", "en_pause"),
                ("reason", ""),
                ("progress", "50"),
                ("noted_on", ""),
                ("body", ""),
                ("version", ""),
                ("form_key", ""),
            ],
            "LNONOON",
            "LNNONNN",
        ),
        // The evaluation of a fiche (issue 18): read with the plan, written by the Maison's staff once the
        // action is réalisée or abandonnée (A's is en cours, B's à lancer: refused by the workflow).
        e(
            G,
            "/actions/{id}/evaluation",
            Some(|s| format!("/actions/{}/evaluation", s.action)),
            NONE,
            "LOOOOON",
            "LONONNN",
        ),
        e(
            P,
            "/actions/{id}/evaluation",
            Some(|s| format!("/actions/{}/evaluation", s.action)),
            &[("results", "Bilan"), ("version", "0")],
            "LNSNSNN",
            "LNNSNNN",
        ),
        // Proofs on a fiche (issue 16, the one document store): added by the Maison's staff while the plan
        // is not closed and by the pilot while it is followed up (A's plan is validé, B's a draft);
        // downloaded by whoever reads the fiche; removed by the staff, or by the pilot when it added it
        // (A's proof was joined by A's staff).
        e(
            G,
            "/actions/{id}/documents/nouveau",
            Some(|s| format!("/actions/{}/documents/nouveau", s.action)),
            NONE,
            "LNONOON",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/documents",
            Some(|s| format!("/actions/{}/documents", s.action)),
            MULTIPART,
            "LNONOON",
            "LNNONNN",
        ),
        e(
            G,
            "/actions/{id}/documents/{did}",
            Some(|s| format!("/actions/{}/documents/{}", s.action, s.proof)),
            NONE,
            "LOOOOON",
            "LONONNN",
        ),
        e(
            P,
            "/actions/{id}/documents/{did}/supprimer",
            Some(|s| format!("/actions/{}/documents/{}/supprimer", s.action, s.proof)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        // The library of practices (issue 18): every signed-in person reads the accepted ones (A's), a
        // proposal (B's) only its Maison's staff and the admins; the Maison proposes (from an evaluated
        // action: A's and B's are not, the workflow refuses), reworks and withdraws; AVE curates; a
        // Maison's staff take an accepted practice up in their own plans.
        e(G, "/pratiques", None, NONE, "LOOOOOO", ""),
        e(G, "/pratiques/propositions", None, NONE, "LOOOONN", ""),
        e(
            G,
            "/actions/{id}/pratique",
            Some(|s| format!("/actions/{}/pratique", s.action)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/actions/{id}/pratique",
            Some(|s| format!("/actions/{}/pratique", s.action)),
            &[("title", "Pratique"), ("form_key", "")],
            "LNSNSNN",
            "LNNSNNN",
        ),
        e(
            G,
            "/pratiques/{id}",
            Some(|s| format!("/pratiques/{}", s.practice)),
            NONE,
            "LOOOOOO",
            "LONONNN",
        ),
        e(
            G,
            "/pratiques/{id}/modifier",
            Some(|s| format!("/pratiques/{}/modifier", s.practice)),
            NONE,
            "LNONONN",
            "LNNONNN",
        ),
        e(
            P,
            "/pratiques/{id}/modifier",
            Some(|s| format!("/pratiques/{}/modifier", s.practice)),
            &[("title", "Pratique"), ("version", "1"), ("form_key", "")],
            "LNSNSNN",
            "LNNONNN",
        ),
        e(
            P,
            "/pratiques/{id}/examen",
            Some(|s| format!("/pratiques/{}/examen", s.practice)),
            &[("decision", "accepter"), ("comment", ""), ("version", "1")],
            "LSNNNNN",
            "LONNNNN",
        ),
        e(
            P,
            "/pratiques/{id}/remarquable",
            Some(|s| format!("/pratiques/{}/remarquable", s.practice)),
            &[("remarkable", "1"), ("version", "1")],
            "LONNNNN",
            "LSNNNNN",
        ),
        e(
            P,
            "/pratiques/{id}/retrait",
            Some(|s| format!("/pratiques/{}/retrait", s.practice)),
            &[("version", "1")],
            "LNONONN",
            "LNNONNN",
        ),
        e(
            G,
            "/pratiques/{id}/reprendre",
            Some(|s| format!("/pratiques/{}/reprendre", s.practice)),
            NONE,
            "LNOOONN",
            "LNNNNNN",
        ),
        e(
            P,
            "/pratiques/{id}/reprendre",
            Some(|s| format!("/pratiques/{}/reprendre", s.practice)),
            &[
                ("plan", "nouveau"),
                ("new_title", "Plan repris"),
                ("start_year", "2027"),
                ("end_year", "2029"),
                ("form_key", ""),
            ],
            "LNOOONN",
            "LNNNNNN",
        ),
        // « Mes actions »: the partners, for the actions their organisation pilots (none for column 7).
        e(G, "/mes-actions", None, NONE, "LNNNNOO", ""),
    ]
}

const HEAD_FORM: &[(&str, &str)] = &[
    ("title", ""),
    ("reference_year", ""),
    ("sectors", "batiment"),
    ("version", ""),
    ("form_key", ""),
];

const COMMENT_ONLY: &[(&str, &str)] = &[("comment", ""), ("form_key", "")];

const VALUE_FORM: &[(&str, &str)] = &[
    ("indicator_id", ""),
    ("value", ""),
    ("year", ""),
    ("territory", ""),
    ("source", ""),
    ("comparison_level", ""),
    ("comparison_value", ""),
    ("version", ""),
];

const INDICATOR_FORM: &[(&str, &str)] = &[
    ("code", ""),
    ("label", ""),
    ("unit", ""),
    ("source", ""),
    ("theme", ""),
    ("per_capita", ""),
    ("active", ""),
    ("version", ""),
];

const ORG_FIELDS: [(&str, &str); 8] = [
    ("name", ""),
    ("type_code", ""),
    ("siret", ""),
    ("region", ""),
    ("address", ""),
    ("website", ""),
    ("email", ""),
    ("phone", ""),
];

const ORG_FORM: &[(&str, &str)] = &[
    ORG_FIELDS[0],
    ORG_FIELDS[1],
    ORG_FIELDS[2],
    ORG_FIELDS[3],
    ORG_FIELDS[4],
    ORG_FIELDS[5],
    ORG_FIELDS[6],
    ORG_FIELDS[7],
    ("version", ""),
    ("form_key", ""),
];

const NEW_PARTNER_FORM: &[(&str, &str)] = &[
    ORG_FIELDS[0],
    ORG_FIELDS[1],
    ORG_FIELDS[2],
    ORG_FIELDS[3],
    ORG_FIELDS[4],
    ORG_FIELDS[5],
    ORG_FIELDS[6],
    ORG_FIELDS[7],
    ("roles", "associe"),
    ("since", ""),
    ("form_key", ""),
];

const PARTNERSHIP_FORM: &[(&str, &str)] = &[
    ("organisation", ""),
    ("roles", "associe"),
    ("since", ""),
    ("note", ""),
    ("version", ""),
    ("form_key", ""),
    ("q", ""),
];

const INVITE_FORM: &[(&str, &str)] = &[
    ("email", ""),
    ("name", ""),
    ("role", ""),
    ("maison", ""),
    ("organisation", ""),
    ("responsable", ""),
    ("form_key", ""),
];

/// The body of a document upload: sent as `multipart/form-data` with a small PDF in `file`.
pub const MULTIPART: &[(&str, &str)] = &[("@multipart", "file")];

const PLAN_FORM: &[(&str, &str)] = &[
    ("title", ""),
    ("diagnostic_id", ""),
    ("start_year", ""),
    ("end_year", ""),
    ("version", ""),
    ("form_key", ""),
];

const TRANSITION_FORM: &[(&str, &str)] = &[
    ("to", "en_oeuvre"),
    ("comment", ""),
    ("decided_on", ""),
    ("members_present", ""),
    ("minutes", ""),
    ("evaluation", ""),
    ("ind_id", ""),
    ("ind_achieved", ""),
    ("form_key", ""),
];

const ACTION_FORM: &[(&str, &str)] = &[
    ("number", ""),
    ("title", ""),
    ("axis_id", ""),
    ("sector_code", ""),
    ("objectives", ""),
    ("description", ""),
    ("target_public", ""),
    ("expected_results", ""),
    ("pilot", ""),
    ("referent_account_id", ""),
    ("pilot_referent", ""),
    ("start_date", ""),
    ("end_date", ""),
    ("priority", ""),
    ("partner_org", ""),
    ("partner_role", ""),
    ("funding_funder", ""),
    ("funding_amount", ""),
    ("funding_state", ""),
    ("ind_label", ""),
    ("ind_unit", ""),
    ("ind_target", ""),
    ("ind_achieved", ""),
    ("ind_year", ""),
    ("version", ""),
    ("form_key", ""),
];

/// Every field of the Maison form, empty (it is all `#[serde(default)]`, so empty parses).
const MAISON_FORM: &[(&str, &str)] = &[
    ("name", ""),
    ("epci", ""),
    ("departement", ""),
    ("legal_form", ""),
    ("conventionnee", ""),
    ("convention_date", ""),
    ("grenelle_year", ""),
    ("grenelle_pilot", ""),
    ("address", ""),
    ("postal_code", ""),
    ("city", ""),
    ("website", ""),
    ("email", ""),
    ("phone", ""),
    ("president", ""),
    ("director", ""),
    ("version", ""),
    ("form_key", ""),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Admin,
    StaffA,
    StaffB,
    ResponsableA,
    Partner,
    OtherPartner,
}

pub const WHO: [Who; 7] = [
    Who::Anonymous,
    Who::Admin,
    Who::StaffA,
    Who::StaffB,
    Who::ResponsableA,
    Who::Partner,
    Who::OtherPartner,
];

impl Who {
    pub fn account(self, w: &World) -> Option<i64> {
        match self {
            Who::Anonymous => None,
            Who::Admin => Some(w.admin),
            Who::StaffA => Some(w.staff_a),
            Who::StaffB => Some(w.staff_b),
            Who::ResponsableA => Some(w.responsable_a),
            Who::Partner => Some(w.partner),
            Who::OtherPartner => Some(w.other_partner),
        }
    }
}

/// A session made directly in the database (no argon2 per cell): the cookie header and the CSRF token.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Actor {
    pub async fn new(app: &TestApp, account: Option<i64>) -> Actor {
        let Some(account) = account else {
            return Actor::default();
        };
        let token = mde::auth::session::create(&app.db, account, Duration::from_secs(3600), "")
            .await
            .expect("session");
        let csrf: String = sqlx::query_scalar("select csrf_token from session where id_hash = $1")
            .bind(mde::auth::session::hash_token(&token))
            .fetch_one(&app.db)
            .await
            .expect("csrf");
        Actor {
            cookie: Some(format!("{}={token}", mde::auth::session::COOKIE)),
            csrf: Some(csrf),
        }
    }

    pub async fn get(&self, http: &reqwest::Client, base: &str, path: &str) -> reqwest::Response {
        let mut r = http.get(format!("{base}{path}"));
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        r.send().await.expect("GET")
    }

    /// A same-origin form POST with the CSRF token added; `body` is sent as raw url-encoded bytes.
    pub async fn post_bytes(
        &self,
        http: &reqwest::Client,
        base: &str,
        path: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let mut body = body;
        if let Some(t) = &self.csrf {
            if !body.is_empty() {
                body.push(b'&');
            }
            body.extend_from_slice(format!("csrf={t}").as_bytes());
        }
        let mut r = http
            .post(format!("{base}{path}"))
            .header("origin", base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        r.send().await.expect("POST")
    }

    pub async fn post(
        &self,
        http: &reqwest::Client,
        base: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.post_bytes(http, base, path, body.into_bytes()).await
    }
}

/// The smallest file the document upload accepts as a PDF.
pub const SMALL_PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

impl Actor {
    /// A `multipart/form-data` POST with the CSRF token and one file in the field `file`.
    pub async fn post_multipart(
        &self,
        http: &reqwest::Client,
        base: &str,
        path: &str,
        file_name: &str,
        data: &[u8],
    ) -> reqwest::Response {
        let boundary = "----mde-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        if let Some(t) = &self.csrf {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{t}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut r = http
            .post(format!("{base}{path}"))
            .header("origin", base)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        r.send().await.expect("POST multipart")
    }
}

pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Checks a response against an expectation letter; `None` when it matches.
fn verdict(method: &str, want: char, status: StatusCode, loc: &str) -> Option<String> {
    let want = want.to_ascii_uppercase();
    let ok = match (want, method) {
        // A 409 is the policy's yes and the workflow's no (a copil form for a plan not submitted).
        ('O', "GET") => status == StatusCode::OK || status == StatusCode::CONFLICT,
        ('O', _) => {
            matches!(status.as_u16(), 200 | 409 | 422)
                || (status.as_u16() == 303 && loc != "/connexion")
        }
        ('N', _) => status == StatusCode::NOT_FOUND,
        ('L', "GET") => status == StatusCode::SEE_OTHER && loc.starts_with("/connexion"),
        ('L', _) => {
            (status == StatusCode::SEE_OTHER && loc.starts_with("/connexion"))
                || status == StatusCode::FORBIDDEN
        }
        ('R', _) => status == StatusCode::SEE_OTHER && !loc.starts_with("/connexion"),
        ('F', _) => status == StatusCode::FORBIDDEN,
        // The workflow's no to the object's own people: 404 or 409 (or a 422 with the reason), nothing done.
        ('S', _) => matches!(status.as_u16(), 404 | 409 | 422),
        ('-', _) => !status.is_server_error(),
        _ => panic!("unknown expectation letter {want}"),
    };
    (!ok).then(|| format!("expected {want}, got {status} {loc}"))
}

fn covered() -> BTreeSet<(String, String)> {
    entries()
        .iter()
        .map(|e| (e.method.to_owned(), e.path.to_owned()))
        .chain(
            PENDING
                .iter()
                .map(|(m, p)| ((*m).to_owned(), (*p).to_owned())),
        )
        .collect()
}

#[test]
fn every_route_has_a_matrix_entry() {
    let routed: BTreeSet<(String, String)> = routes::all()
        .into_iter()
        .map(|r| (r.method.to_owned(), r.path))
        .collect();
    let covered = covered();
    let missing: Vec<_> = routed.difference(&covered).collect();
    let stale: Vec<_> = covered.iter().filter(|k| !routed.contains(k)).collect();
    for (m, p) in PENDING {
        eprintln!("matrix: PENDING an entry: {m} {p}");
    }
    assert!(
        missing.is_empty(),
        "routes without an authorization-matrix entry (add one in tests/it/matrix.rs, with the expected \
         answer of each role): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix entries for routes that no longer exist (rename or remove them): {stale:?}"
    );
    for e in entries() {
        assert_eq!(e.a.len(), 7, "{} {}", e.method, e.path);
        assert!(e.b.is_empty() || e.b.len() == 7, "{} {}", e.method, e.path);
        assert!(
            !e.path.contains('{') || e.fill.is_some(),
            "{} {}: a path with parameters needs a fill",
            e.method,
            e.path
        );
    }
}

/// One cell's answer against its letter: a failure, or a divergence a lowercase letter allows (still
/// refused, or the code now agreeing with the rules), or nothing.
fn judge(
    cell: &str,
    method: &str,
    want: char,
    status: StatusCode,
    loc: &str,
) -> (Option<String>, Option<String>) {
    match (verdict(method, want, status, loc), want.is_lowercase()) {
        (Some(v), false) => (Some(format!("{cell}: {v}")), None),
        (Some(_), true) if status.is_server_error() => {
            (Some(format!("{cell}: answered {status}")), None)
        }
        (Some(v), true) => (
            None,
            Some(format!("{cell}: KNOWN DIVERGENCE (reported): {v}")),
        ),
        (None, true) => (
            None,
            Some(format!(
                "{cell}: the code now agrees with the rules: make '{want}' uppercase"
            )),
        ),
        (None, false) => (None, None),
    }
}

#[tokio::test]
async fn every_role_gets_the_expected_answer_on_every_route() {
    let app = spawn_app().await;
    let w = app.world().await;
    let base_fx = Fx::create(&app, &w).await;
    let http = raw_client();
    let mut readers = Vec::new();
    for who in WHO {
        readers.push(Actor::new(&app, who.account(&w)).await);
    }
    let mut failures = Vec::new();
    let mut divergences = Vec::new();
    let mut cells = 0;
    for entry in entries() {
        let sides: Vec<(&str, &str)> = if entry.b.is_empty() {
            vec![("", entry.a)]
        } else {
            vec![("A", entry.a), ("B", entry.b)]
        };
        for (side_name, wants) in sides {
            for (i, (who, want)) in WHO.iter().zip(wants.chars()).enumerate() {
                cells += 1;
                let pick = |fx: &Fx| -> String {
                    let side = if side_name == "B" { &fx.b } else { &fx.a };
                    entry
                        .fill
                        .map(|f| f(side))
                        .unwrap_or_else(|| entry.path.to_owned())
                };
                let path_shown = pick(&base_fx);
                let (status, loc, extra) = if entry.method == "GET" {
                    let path = pick(&base_fx);
                    let r = readers[i].get(&http, &app.addr, &path).await;
                    (r.status(), location(&r), None)
                } else {
                    let fx = if want == 'O' {
                        Fx::create(&app, &w).await
                    } else {
                        base_fx.clone()
                    };
                    let path = pick(&fx);
                    let actor = Actor::new(&app, who.account(&w)).await;
                    let before = fingerprint(&app.db).await;
                    let r = if entry.body == MULTIPART {
                        actor
                            .post_multipart(&http, &app.addr, &path, "etude.pdf", SMALL_PDF)
                            .await
                    } else {
                        actor.post(&http, &app.addr, &path, entry.body).await
                    };
                    let after = fingerprint(&app.db).await;
                    // A POST may end the account's other sessions (« Se déconnecter partout »): the
                    // reader of this role gets a fresh one.
                    readers[i] = Actor::new(&app, who.account(&w)).await;
                    let moved = changed(&before, &after);
                    let extra = (want != 'O' && !moved.is_empty())
                        .then(|| format!("refused, yet these tables changed: {moved:?}"));
                    (r.status(), location(&r), extra)
                };
                let cell = format!("{} {} [{side_name}] as {who:?}", entry.method, path_shown);
                let (failure, divergence) = judge(&cell, entry.method, want, status, &loc);
                failures.extend(failure);
                divergences.extend(divergence);
                if let Some(x) = extra {
                    failures.push(format!("{cell}: {x}"));
                }
            }
        }
    }
    for d in &divergences {
        eprintln!("matrix: {d}");
    }
    eprintln!("matrix: {} entries, {cells} cells checked", entries().len());
    assert!(
        failures.is_empty(),
        "{} cell(s) of the authorization matrix disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
