//! What `/plan-du-site` lists: the main navigation's sections (the policy decides them, `web::nav`), and
//! under each the pages a person opens from there that the policy lets them open — their Maison's page,
//! the forms that create something, the network's reports — then their profile and notifications.
//! Signed out, nothing: the page says the sections open once signed in.

use crate::auth::CurrentUser;
use crate::auth::policy;
use crate::web::nav;

/// One line of the site map, with the pages under it.
pub struct Entry {
    pub href: String,
    pub label: String,
    pub children: Vec<Entry>,
}

fn leaf(href: impl Into<String>, label: impl Into<String>) -> Entry {
    Entry {
        href: href.into(),
        label: label.into(),
        children: Vec::new(),
    }
}

pub fn entries(user: Option<&CurrentUser>) -> Vec<Entry> {
    let Some(user) = user else {
        return Vec::new();
    };
    let mut out: Vec<Entry> = nav::items(Some(user), "")
        .into_iter()
        .map(|item| Entry {
            children: children(user, item.href),
            href: item.href.to_owned(),
            label: item.label.to_owned(),
        })
        .collect();
    out.push(Entry {
        href: "/profil".into(),
        label: "Mon profil".into(),
        children: vec![
            leaf("/profil#mdp", "Changer mon mot de passe"),
            leaf(
                "/profil#mes-donnees",
                "Mes données personnelles (téléchargement)",
            ),
        ],
    });
    out.push(leaf("/notifications", "Notifications"));
    out
}

/// The pages under one section of the navigation that `user` may open.
fn children(user: &CurrentUser, section: &str) -> Vec<Entry> {
    let mut v = Vec::new();
    let own_maison = user.maison_id.filter(|_| user.is_staff());
    match section {
        "/" => {
            if let Some(org) = user.organisation_id.filter(|_| user.is_partner()) {
                v.push(leaf(
                    format!("/organisations/{org}"),
                    "La fiche de votre organisation",
                ));
            }
        }
        "/maisons" => {
            if let Some(id) = own_maison {
                v.push(leaf(format!("/maisons/{id}"), "La fiche de votre Maison"));
                v.push(leaf(
                    format!("/maisons/{id}#partenaires"),
                    "Ses partenaires",
                ));
                if policy::network::can_edit_maison(user, id) {
                    v.push(leaf(
                        format!("/maisons/{id}/territoire"),
                        "Territoire de la Maison",
                    ));
                }
                if policy::network::can_manage_partners(user, id) {
                    v.push(leaf(
                        format!("/maisons/{id}/partenaires/ajouter"),
                        "Ajouter un partenaire existant",
                    ));
                    v.push(leaf(
                        format!("/maisons/{id}/partenaires/nouveau"),
                        "Créer une organisation partenaire",
                    ));
                }
            }
            if policy::network::can_create_maison(user) {
                v.push(leaf("/maisons/nouvelle", "Créer une Maison de l'Emploi"));
            }
        }
        "/diagnostics" => {
            if own_maison.is_some_and(|id| policy::diagnostics::can_create(user, id)) {
                v.push(leaf("/diagnostics/nouveau", "Nouveau diagnostic"));
            }
            if policy::reseau::can_compare_indicators(user) {
                v.push(leaf(
                    "/comparaison",
                    "Comparer les Maisons sur un indicateur",
                ));
            }
        }
        "/organisations" if policy::network::can_create_organisation(user) => {
            v.push(leaf("/organisations/nouvelle", "Créer une organisation"));
        }
        "/plans" if policy::plans::can_create_plan(user) => {
            v.push(leaf("/plans/nouveau", "Nouveau plan d'actions"));
        }
        "/reseau" => v.push(leaf("/reseau/grenelle", "Bilan du programme Grenelle")),
        "/comptes" => v.push(leaf("/comptes/inviter", "Inviter une personne")),
        "/indicateurs" => v.push(leaf(
            "/indicateurs/nouveau",
            "Nouvel indicateur du catalogue",
        )),
        _ => {}
    }
    v
}
