//! The roles an organisation holds in a Maison's partnership (the codes of `partnership.roles`).

/// The partnership roles, in their usual order, with their French labels.
pub const ROLES: &[(&str, &str)] = &[
    ("membre_constitutif", "membre constitutif"),
    ("copil", "comité de pilotage"),
    ("financeur", "financeur"),
    ("operateur", "opérateur"),
    ("associe", "associé"),
];

pub fn role_label(code: &str) -> &'static str {
    ROLES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .unwrap_or("autre")
}

pub fn roles_label(roles: &[String]) -> String {
    let labels: Vec<&str> = ROLES
        .iter()
        .filter(|(c, _)| roles.iter().any(|r| r == c))
        .map(|(_, l)| *l)
        .collect();
    if labels.is_empty() {
        "—".into()
    } else {
        labels.join(", ")
    }
}
