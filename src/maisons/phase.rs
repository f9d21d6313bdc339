//! The phase of a Maison in the Grenelle method (DESIGN.md section 1), derived by the `maison_phase` view.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Mobilisation,
    Diagnostic,
    Plan,
    MiseEnOeuvre,
    Evaluation,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Mobilisation,
        Phase::Diagnostic,
        Phase::Plan,
        Phase::MiseEnOeuvre,
        Phase::Evaluation,
    ];

    /// The view's code; an unknown one (a newer view) reads as the first phase.
    pub fn parse(code: &str) -> Phase {
        match code {
            "diagnostic" => Phase::Diagnostic,
            "plan" => Phase::Plan,
            "mise_en_oeuvre" => Phase::MiseEnOeuvre,
            "evaluation" => Phase::Evaluation,
            _ => Phase::Mobilisation,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Mobilisation => "Mobilisation des acteurs",
            Phase::Diagnostic => "Diagnostic territorial partagé",
            Phase::Plan => "Plan d'actions",
            Phase::MiseEnOeuvre => "Mise en œuvre",
            Phase::Evaluation => "Évaluation et capitalisation",
        }
    }

    /// 0 to 4, as the method numbers its steps.
    pub fn step(self) -> usize {
        Phase::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels() {
        assert_eq!(Phase::parse("mise_en_oeuvre").label(), "Mise en œuvre");
        assert_eq!(Phase::parse("evaluation").step(), 4);
        assert_eq!(Phase::parse("???"), Phase::Mobilisation);
    }
}
