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

crate::domain::status::status_enum! {
    /// The states of a partnership request (`partnership_request.status`): a Maison asks to partner an
    /// organisation it did not create; its référents (or the admins) accept or refuse; the Maison may withdraw
    /// it while it waits.
    pub enum RequestStatus {
        EnAttente = ("en_attente", "En attente"),
        Acceptee = ("acceptee", "Acceptée"),
        Refusee = ("refusee", "Refusée"),
        Retiree = ("retiree", "Retirée"),
    }
}

impl RequestStatus {
    pub fn badge(self) -> &'static str {
        match self {
            RequestStatus::EnAttente => "badge badge-warning",
            RequestStatus::Acceptee => "badge badge-success",
            RequestStatus::Refusee => "badge badge-danger",
            RequestStatus::Retiree => "badge badge-muted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestStatus;

    #[test]
    fn request_codes_read_back_and_unknown_ones_are_refused() {
        for s in RequestStatus::ALL {
            assert_eq!(s.as_str().parse::<RequestStatus>(), Ok(*s));
        }
        assert_eq!(RequestStatus::EnAttente.to_string(), "En attente");
        assert!("acceptée".parse::<RequestStatus>().is_err());
    }
}
