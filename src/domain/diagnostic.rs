//! The states of a diagnostic (`diagnostic.status`), which the policy and the diagnostics feature share.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Brouillon,
    Partage,
    Valide,
    Archive,
}

impl Status {
    pub fn parse(s: &str) -> Status {
        match s {
            "partage" => Status::Partage,
            "valide" => Status::Valide,
            "archive" => Status::Archive,
            _ => Status::Brouillon,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Brouillon => "brouillon",
            Status::Partage => "partage",
            Status::Valide => "valide",
            Status::Archive => "archive",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Brouillon => "Brouillon",
            Status::Partage => "Partagé",
            Status::Valide => "Validé",
            Status::Archive => "Archivé",
        }
    }

    pub fn badge(self) -> &'static str {
        match self {
            Status::Brouillon => "badge badge-muted",
            Status::Partage => "badge badge-warning",
            Status::Valide => "badge badge-success",
            Status::Archive => "badge badge-muted",
        }
    }
}
