//! What a notification is about and how a person wants to hear of it. `Kind` is the code a notification
//! row stores (`notification.kind`, one per place that calls `notifications::notify`); each kind belongs to
//! a `Topic`, which is what a person chooses a `Channel` for (`notification_preference`). Absent a choice,
//! the `Audience`'s default applies (`Topic::default_for`).

use super::status::status_enum;

status_enum! {
    /// The code of a notification: what happened.
    pub enum Kind {
        Commentaire = ("commentaire", "Nouveau commentaire sur un diagnostic"),
        Reponse = ("reponse", "Réponse dans une discussion"),
        Partage = ("partage", "Diagnostic partagé avec votre organisation"),
        Validation = ("validation", "Diagnostic validé par le comité de pilotage"),
        CopilDecision = ("copil_decision", "Décision du comité de pilotage sur un plan"),
        AvisReseau = ("avis_reseau", "Avis du réseau sur un plan"),
        ReponseAvis = ("reponse_avis", "Réponse à un avis sur un plan"),
        PiloteDesigne = ("pilote_designe", "Action confiée à votre organisation"),
        PlanValidePilote = ("plan_valide_pilote", "Plan validé avec des actions que vous pilotez"),
        ActionEnRetard = ("action_en_retard", "Action en retard"),
        PartenariatDemande = ("partenariat_demande", "Demande de partenariat"),
        PartenariatAcceptee = ("partenariat_acceptee", "Demande de partenariat acceptée"),
        PartenariatRefusee = ("partenariat_refusee", "Demande de partenariat refusée"),
        PropositionCompte = ("proposition_compte", "Proposition d'une personne pour un compte"),
        Referent = ("referent", "Désignation de référent(e)"),
        Pratique = ("pratique", "Bonne pratique du réseau"),
        Inactivite = ("inactivite", "Compte sans connexion"),
    }
}

status_enum! {
    /// What a person chooses a channel for: one or more kinds.
    pub enum Topic {
        Commentaires = ("commentaires", "Commentaires sur les diagnostics de votre Maison"),
        Reponses = ("reponses", "Réponses dans les discussions où vous êtes intervenu(e)"),
        Partages = ("partages", "Diagnostics partagés avec votre organisation"),
        Validations = ("validations", "Diagnostics validés par le comité de pilotage"),
        DecisionsPlans = ("decisions_plans", "Décisions du comité de pilotage et avis du réseau sur les plans"),
        ActionsPilotees = ("actions_pilotees", "Actions que votre organisation pilote"),
        ActionsEnRetard = ("actions_en_retard", "Actions en retard"),
        Partenariats = ("partenariats", "Demandes de partenariat et leurs réponses"),
        Propositions = ("propositions", "Propositions de personnes pour un compte"),
        Referents = ("referents", "Désignations de référent(e)s"),
        Pratiques = ("pratiques", "Bonnes pratiques du réseau"),
        Compte = ("compte", "Votre compte"),
    }
}

status_enum! {
    /// How a person hears of a topic. Every channel but `Aucune` shows the notification in the portal.
    pub enum Channel {
        Aucune = ("aucune", "Ne pas me prévenir"),
        Portail = ("portail", "Dans le portail seulement"),
        Immediat = ("immediat", "Par courriel, immédiatement"),
        Quotidien = ("quotidien", "Dans un récapitulatif quotidien"),
        Hebdomadaire = ("hebdomadaire", "Dans un récapitulatif hebdomadaire"),
    }
}

/// Whose defaults apply: the account's role, a Maison's responsable apart from its other staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Admin,
    Staff,
    Responsable,
    Partner,
}

impl Audience {
    pub const ALL: [Audience; 4] = [
        Audience::Admin,
        Audience::Staff,
        Audience::Responsable,
        Audience::Partner,
    ];

    /// The code `notifications::notify` derives in SQL from `account.role` and `account.responsable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Admin => "admin",
            Audience::Staff => "staff",
            Audience::Responsable => "responsable",
            Audience::Partner => "partner",
        }
    }
}

impl Kind {
    pub fn topic(self) -> Topic {
        match self {
            Kind::Commentaire => Topic::Commentaires,
            Kind::Reponse => Topic::Reponses,
            Kind::Partage => Topic::Partages,
            Kind::Validation => Topic::Validations,
            Kind::CopilDecision | Kind::AvisReseau | Kind::ReponseAvis => Topic::DecisionsPlans,
            Kind::PiloteDesigne | Kind::PlanValidePilote => Topic::ActionsPilotees,
            Kind::ActionEnRetard => Topic::ActionsEnRetard,
            Kind::PartenariatDemande | Kind::PartenariatAcceptee | Kind::PartenariatRefusee => {
                Topic::Partenariats
            }
            Kind::PropositionCompte => Topic::Propositions,
            Kind::Referent => Topic::Referents,
            Kind::Pratique => Topic::Pratiques,
            Kind::Inactivite => Topic::Compte,
        }
    }
}

impl Topic {
    /// The kinds of this topic (their codes), e.g. to move the pending ones when a choice changes.
    pub fn kinds(self) -> Vec<&'static str> {
        Kind::ALL
            .iter()
            .filter(|k| k.topic() == self)
            .map(|k| k.as_str())
            .collect()
    }

    /// Whether a person may choose: the account's own notices (`Compte`) always show in the portal.
    pub fn is_chosen(self) -> bool {
        self != Topic::Compte
    }

    /// Whether an audience is told of this topic in the normal run of things (the choices it is offered).
    pub fn concerns(self, audience: Audience) -> bool {
        use Audience as A;
        match self {
            Topic::Compte => false,
            Topic::Commentaires => matches!(audience, A::Staff | A::Responsable),
            Topic::Partages | Topic::Validations | Topic::Referents | Topic::ActionsPilotees => {
                audience == A::Partner
            }
            Topic::DecisionsPlans => audience != A::Partner,
            Topic::ActionsEnRetard => audience != A::Admin,
            Topic::Reponses | Topic::Partenariats | Topic::Propositions | Topic::Pratiques => true,
        }
    }

    /// The topics offered to an audience on its preferences page.
    pub fn offered_to(audience: Audience) -> Vec<Topic> {
        Topic::ALL
            .iter()
            .copied()
            .filter(|t| t.is_chosen() && t.concerns(audience))
            .collect()
    }

    /// The default channel, never `Aucune`: what asks for an answer (comments on the Maison's work,
    /// requests, proposals, actions entrusted) is mailed at once; what only informs goes in a digest; the
    /// responsable, who oversees, reads the comments in the daily digest and the plan decisions at once.
    pub fn default_for(self, audience: Audience) -> Channel {
        use Audience as A;
        use Channel as C;
        match (self, audience) {
            (Topic::Compte, _) => C::Portail,
            (Topic::Commentaires, A::Staff) => C::Immediat,
            (Topic::Commentaires, A::Responsable) => C::Quotidien,
            (Topic::Commentaires, A::Admin | A::Partner) => C::Portail,
            (Topic::Partages | Topic::Referents | Topic::ActionsPilotees, A::Partner) => {
                C::Immediat
            }
            (Topic::Partages | Topic::Referents | Topic::ActionsPilotees, _) => C::Portail,
            (Topic::DecisionsPlans, A::Admin | A::Responsable) => C::Immediat,
            (Topic::DecisionsPlans, A::Staff | A::Partner) => C::Quotidien,
            (Topic::Validations | Topic::ActionsEnRetard, _) => C::Quotidien,
            (Topic::Reponses | Topic::Partenariats | Topic::Propositions, _) => C::Immediat,
            (Topic::Pratiques, A::Admin) => C::Immediat,
            (Topic::Pratiques, _) => C::Hebdomadaire,
        }
    }

    /// (audience code, default channel) for every audience: what `notify` joins to.
    pub fn defaults(self) -> (Vec<&'static str>, Vec<&'static str>) {
        Audience::ALL
            .iter()
            .map(|a| (a.as_str(), self.default_for(*a).as_str()))
            .unzip()
    }
}

impl Channel {
    /// The channels that send e-mail.
    pub fn mails(self) -> bool {
        matches!(
            self,
            Channel::Immediat | Channel::Quotidien | Channel::Hebdomadaire
        )
    }

    /// A digest's name in a sentence: « récapitulatif quotidien ».
    pub fn digest_name(self) -> Option<&'static str> {
        match self {
            Channel::Quotidien => Some("récapitulatif quotidien"),
            Channel::Hebdomadaire => Some("récapitulatif hebdomadaire"),
            Channel::Aucune | Channel::Portail | Channel::Immediat => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_is_silenced_by_default_and_every_chosen_topic_is_offered() {
        for topic in Topic::ALL {
            for a in Audience::ALL {
                assert_ne!(topic.default_for(a), Channel::Aucune, "{topic:?} {a:?}");
            }
            if topic.is_chosen() {
                assert!(
                    Audience::ALL.iter().any(|a| topic.concerns(*a)),
                    "{topic:?}"
                );
            }
        }
    }

    #[test]
    fn every_topic_has_a_kind() {
        for topic in Topic::ALL {
            assert!(!topic.kinds().is_empty(), "{topic:?}");
        }
    }
}
