//! The states of a plan d'actions (`plan.status`) and of a fiche action (`action.status`), which the
//! policy, the plans feature and the network pages share, with their workflows.

use chrono::NaiveDate;

crate::domain::status::status_enum! {
    /// brouillon → soumis (to the copil) → validé or back to brouillon → en mise en œuvre → clôturé.
    pub enum PlanStatus {
        Brouillon = ("brouillon", "Brouillon"),
        Soumis = ("soumis", "Soumis au comité de pilotage"),
        Valide = ("valide", "Validé"),
        EnOeuvre = ("en_oeuvre", "En mise en œuvre"),
        Cloture = ("cloture", "Clôturé"),
    }
}

impl PlanStatus {
    /// The label of the list's filter, where « Soumis » is enough.
    pub fn short_label(self) -> &'static str {
        match self {
            PlanStatus::Soumis => "Soumis",
            PlanStatus::Brouillon
            | PlanStatus::Valide
            | PlanStatus::EnOeuvre
            | PlanStatus::Cloture => self.label(),
        }
    }

    /// The label of the network pages, inside a sentence (« soumis au copil »).
    pub fn network_label(self) -> &'static str {
        match self {
            PlanStatus::Brouillon => "brouillon",
            PlanStatus::Soumis => "soumis au copil",
            PlanStatus::Valide => "validé",
            PlanStatus::EnOeuvre => "en mise en œuvre",
            PlanStatus::Cloture => "clôturé",
        }
    }

    pub fn badge(self) -> &'static str {
        match self {
            PlanStatus::Brouillon => "badge badge-muted",
            PlanStatus::Soumis => "badge badge-warning",
            PlanStatus::Valide | PlanStatus::EnOeuvre => "badge badge-success",
            PlanStatus::Cloture => "badge",
        }
    }

    /// The states the plan may move to from this one (only the Maison's staff move it).
    pub fn next(self) -> &'static [PlanStatus] {
        match self {
            PlanStatus::Brouillon => &[PlanStatus::Soumis],
            PlanStatus::Soumis => &[PlanStatus::Valide, PlanStatus::Brouillon],
            PlanStatus::Valide => &[PlanStatus::EnOeuvre],
            PlanStatus::EnOeuvre => &[PlanStatus::Cloture],
            PlanStatus::Cloture => &[],
        }
    }

    pub fn can_move_to(self, to: PlanStatus) -> bool {
        self.next().contains(&to)
    }

    /// A plan the copil has validated (and what follows).
    pub fn is_published(self) -> bool {
        match self {
            PlanStatus::Valide | PlanStatus::EnOeuvre | PlanStatus::Cloture => true,
            PlanStatus::Brouillon | PlanStatus::Soumis => false,
        }
    }
}

crate::domain::status::status_enum! {
    /// à lancer → en cours ⇄ en pause → réalisée | abandonnée.
    pub enum ActionStatus {
        ALancer = ("a_lancer", "À lancer"),
        EnCours = ("en_cours", "En cours"),
        EnPause = ("en_pause", "En pause"),
        Realisee = ("realisee", "Réalisée"),
        Abandonnee = ("abandonnee", "Abandonnée"),
    }
}

impl ActionStatus {
    /// The label of the network pages, inside a sentence (« en cours »).
    pub fn network_label(self) -> &'static str {
        match self {
            ActionStatus::ALancer => "à lancer",
            ActionStatus::EnCours => "en cours",
            ActionStatus::EnPause => "en pause",
            ActionStatus::Realisee => "réalisée",
            ActionStatus::Abandonnee => "abandonnée",
        }
    }

    pub fn badge(self) -> &'static str {
        match self {
            ActionStatus::Realisee => "badge badge-success",
            ActionStatus::Abandonnee => "badge badge-muted",
            ActionStatus::EnPause => "badge badge-warning",
            ActionStatus::ALancer | ActionStatus::EnCours => "badge",
        }
    }

    /// The statuses the action may move to from this one.
    pub fn next(self) -> &'static [ActionStatus] {
        match self {
            ActionStatus::ALancer => &[ActionStatus::EnCours, ActionStatus::Abandonnee],
            ActionStatus::EnCours => &[
                ActionStatus::EnPause,
                ActionStatus::Realisee,
                ActionStatus::Abandonnee,
            ],
            ActionStatus::EnPause => &[
                ActionStatus::EnCours,
                ActionStatus::Realisee,
                ActionStatus::Abandonnee,
            ],
            ActionStatus::Realisee | ActionStatus::Abandonnee => &[],
        }
    }

    pub fn can_move_to(self, to: ActionStatus) -> bool {
        self.next().contains(&to)
    }

    /// Réalisée or abandonnée: the action is over, it can no longer be late.
    pub fn is_over(self) -> bool {
        match self {
            ActionStatus::Realisee | ActionStatus::Abandonnee => true,
            ActionStatus::ALancer | ActionStatus::EnCours | ActionStatus::EnPause => false,
        }
    }

    /// *En retard*: the end date is past and the action is not over. Never stored.
    pub fn is_late(self, end: Option<NaiveDate>, today: NaiveDate) -> bool {
        end.is_some_and(|e| e < today) && !self.is_over()
    }
}

/// The label of a code, for the transition table's text columns (which every workflow shares).
pub fn plan_code_label(code: &str) -> &'static str {
    code.parse::<PlanStatus>()
        .map_or("Inconnu", PlanStatus::label)
}

/// The label of a code, for the transition table's text columns (which every workflow shares).
pub fn action_code_label(code: &str) -> &'static str {
    code.parse::<ActionStatus>()
        .map_or("Inconnu", ActionStatus::label)
}

#[cfg(test)]
mod tests {
    use super::{ActionStatus, PlanStatus};

    #[test]
    fn codes_read_back_and_unknown_ones_are_refused() {
        for s in PlanStatus::ALL {
            assert_eq!(s.as_str().parse::<PlanStatus>(), Ok(*s));
        }
        for s in ActionStatus::ALL {
            assert_eq!(s.as_str().parse::<ActionStatus>(), Ok(*s));
        }
        assert!("".parse::<PlanStatus>().is_err());
        assert!("Brouillon".parse::<PlanStatus>().is_err());
        assert!("en_cours".parse::<PlanStatus>().is_err());
        assert!("valide".parse::<ActionStatus>().is_err());
    }

    #[test]
    fn three_label_sets_differ_on_purpose() {
        let s = PlanStatus::Soumis;
        assert_eq!(s.to_string(), "Soumis au comité de pilotage");
        assert_eq!(s.short_label(), "Soumis");
        assert_eq!(s.network_label(), "soumis au copil");
    }

    #[test]
    fn workflows() {
        assert!(PlanStatus::Brouillon.can_move_to(PlanStatus::Soumis));
        assert!(!PlanStatus::Brouillon.can_move_to(PlanStatus::Valide));
        assert!(PlanStatus::Cloture.next().is_empty());
        assert!(ActionStatus::EnPause.can_move_to(ActionStatus::EnCours));
        assert!(!ActionStatus::Realisee.can_move_to(ActionStatus::EnCours));
    }
}

crate::domain::status::status_enum! {
    /// A step (étape) of a fiche action: à faire → en cours → faite, set freely (a step may be reopened).
    pub enum StepStatus {
        AFaire = ("a_faire", "À faire"),
        EnCours = ("en_cours", "En cours"),
        Faite = ("faite", "Faite"),
    }
}

impl StepStatus {
    pub fn badge(self) -> &'static str {
        match self {
            StepStatus::Faite => "badge badge-success",
            StepStatus::EnCours => "badge",
            StepStatus::AFaire => "badge badge-muted",
        }
    }
}

/// The progress of a fiche that has steps, derived from them: the share of its steps that are « faites »,
/// in whole percent rounded down (each step weighs the same; one of three done is 33 %, all done is
/// 100 %). `None` when the fiche has no step: its progress is then set by hand. A réalisée action is at
/// 100 % whatever its steps (the follow-up sets it).
pub fn progress_from_steps(steps: &[StepStatus]) -> Option<i32> {
    if steps.is_empty() {
        return None;
    }
    let done = steps.iter().filter(|s| **s == StepStatus::Faite).count();
    i32::try_from(done * 100 / steps.len()).ok()
}

#[cfg(test)]
mod step_tests {
    use super::{StepStatus, progress_from_steps};

    #[test]
    fn progress_is_the_share_of_steps_done() {
        use StepStatus::{AFaire, EnCours, Faite};
        assert_eq!(progress_from_steps(&[]), None);
        assert_eq!(progress_from_steps(&[AFaire]), Some(0));
        assert_eq!(progress_from_steps(&[Faite, EnCours, AFaire]), Some(33));
        assert_eq!(progress_from_steps(&[Faite, Faite, EnCours]), Some(66));
        assert_eq!(progress_from_steps(&[Faite, Faite]), Some(100));
        assert_eq!(
            progress_from_steps(&[Faite, EnCours, EnCours, AFaire]),
            Some(25)
        );
    }
}
