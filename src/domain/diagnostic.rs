//! The states of a diagnostic (`diagnostic.status`), which the policy and the diagnostics feature share, and
//! those of a comment on it (`comment.status`: the Maison's answer to a thread's root).

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

crate::domain::status::status_enum! {
    /// A thread is open until the Maison answers its root: pris en compte or sans suite.
    pub enum CommentStatus {
        Ouvert = ("ouvert", "Ouvert"),
        PrisEnCompte = ("pris_en_compte", "Pris en compte"),
        SansSuite = ("sans_suite", "Sans suite"),
    }
}

impl CommentStatus {
    /// The label inside a sentence (the journal's summaries).
    pub fn lowercase(self) -> &'static str {
        match self {
            CommentStatus::Ouvert => "ouvert",
            CommentStatus::PrisEnCompte => "pris en compte",
            CommentStatus::SansSuite => "sans suite",
        }
    }

    pub fn badge(self) -> &'static str {
        match self {
            CommentStatus::Ouvert => "badge badge-warning",
            CommentStatus::PrisEnCompte => "badge badge-success",
            CommentStatus::SansSuite => "badge badge-muted",
        }
    }

    /// The answers the Maison may give (an answer is never « ouvert »).
    pub fn is_answer(self) -> bool {
        match self {
            CommentStatus::Ouvert => false,
            CommentStatus::PrisEnCompte | CommentStatus::SansSuite => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{CommentStatus, Status};

    #[test]
    fn comment_codes_read_back() {
        for s in CommentStatus::ALL {
            assert_eq!(s.as_str().parse::<CommentStatus>(), Ok(*s));
        }
        assert!("".parse::<CommentStatus>().is_err());
        assert!(!CommentStatus::Ouvert.is_answer());
    }

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
