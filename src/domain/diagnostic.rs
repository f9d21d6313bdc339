//! The states of a diagnostic (`diagnostic.status`), which the policy and the diagnostics feature share.

crate::domain::status::status_enum! {
    pub enum Status {
        Brouillon = ("brouillon", "Brouillon"),
        Partage = ("partage", "Partagé"),
        Valide = ("valide", "Validé"),
        Archive = ("archive", "Archivé"),
    }
}

impl Status {
    pub fn badge(self) -> &'static str {
        match self {
            Status::Brouillon => "badge badge-muted",
            Status::Partage => "badge badge-warning",
            Status::Valide => "badge badge-success",
            Status::Archive => "badge badge-muted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn codes_read_back_and_unknown_ones_are_refused() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>(), Ok(*s));
        }
        assert_eq!(Status::Partage.to_string(), "Partagé");
        assert!("".parse::<Status>().is_err());
        assert!("Brouillon".parse::<Status>().is_err());
        assert!("publie".parse::<Status>().is_err());
    }
}
