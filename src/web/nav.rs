//! The main navigation. Each feature adds its entry here; who sees an entry is the policy's answer for the
//! page it leads to (no role test here).

use crate::auth::{CurrentUser, policy};

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

fn item(href: &'static str, label: &'static str, path: &str) -> NavItem {
    let current = if href == "/" {
        path == "/"
    } else {
        path == href || path.starts_with(&format!("{href}/"))
    };
    NavItem {
        href,
        label,
        current,
    }
}

pub fn items(user: Option<&CurrentUser>, path: &str) -> Vec<NavItem> {
    let Some(user) = user else { return Vec::new() };
    let mut items = vec![item("/", "Accueil", path)];
    items.push(item("/maisons", "Maisons", path));
    items.push(item("/diagnostics", "Diagnostics", path));
    if policy::network::can_list_organisations(user) {
        items.push(item("/organisations", "Partenaires", path));
    }
    if policy::organisations::can_list_requests(user) {
        items.push(item("/organisations/demandes", "Demandes", path));
        items.push(item("/comptes/propositions", "Propositions", path));
    }
    items.push(item("/axes", "Axes", path));
    if policy::reseau::can_view_network(user) {
        items.push(item("/reseau", "Réseau", path));
    }
    items.push(item("/plans", "Plans d'actions", path));
    if policy::practices::can_browse_library(user) {
        items.push(item("/pratiques", "Pratiques", path));
    }
    if policy::plans::can_list_piloted_actions(user) {
        items.push(item("/mes-actions", "Mes actions", path));
    }
    if policy::reseau::search_scope(user).is_some() {
        items.push(item("/recherche", "Recherche", path));
    }
    if policy::accounts::can_manage_accounts(user) {
        items.push(item("/comptes", "Comptes", path));
    }
    if policy::diagnostics::can_manage_catalogue(user) {
        items.push(item("/indicateurs", "Indicateurs", path));
    }
    if policy::can_read_journal(user) {
        items.push(item("/journal", "Journal", path));
    }
    // One current entry: the most precise (`/organisations/demandes` is not also « Partenaires »).
    if let Some(longest) = items
        .iter()
        .filter(|i| i.current)
        .map(|i| i.href.len())
        .max()
    {
        for i in &mut items {
            i.current = i.current && i.href.len() == longest;
        }
    }
    items
}
