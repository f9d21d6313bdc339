//! French labels of the statuses and phases the network pages show.

pub fn phase_label(code: &str) -> &'static str {
    match code {
        "mobilisation" => "mobilisation des acteurs",
        "diagnostic" => "diagnostic territorial partagé",
        "plan" => "plan d'actions",
        "mise_en_oeuvre" => "mise en œuvre",
        "evaluation" => "évaluation et capitalisation",
        _ => "inconnue",
    }
}

pub const PHASES: [&str; 5] = [
    "mobilisation",
    "diagnostic",
    "plan",
    "mise_en_oeuvre",
    "evaluation",
];

pub fn diagnostic_status_label(code: Option<&str>) -> &'static str {
    match code {
        Some("brouillon") => "brouillon",
        Some("partage") => "partagé",
        Some("valide") => "validé",
        Some("archive") => "archivé",
        _ => "aucun",
    }
}

use crate::domain::plan::{ActionStatus, PlanStatus};

/// A Maison's current plan's status, inside a sentence (`PlanStatus::network_label`); « aucun » without
/// a plan.
pub fn plan_status_label(code: Option<&str>) -> &'static str {
    code.and_then(|c| c.parse::<PlanStatus>().ok())
        .map_or("aucun", PlanStatus::network_label)
}

/// A fiche's status, inside a sentence (`ActionStatus::network_label`).
pub fn action_status_label(code: &str) -> &'static str {
    code.parse::<ActionStatus>()
        .map_or("inconnu", ActionStatus::network_label)
}

pub fn action_status_badge(code: &str) -> &'static str {
    code.parse::<ActionStatus>()
        .map_or("badge", ActionStatus::badge)
}

pub const ACTION_STATUSES: [&str; 5] =
    ["a_lancer", "en_cours", "en_pause", "realisee", "abandonnee"];

pub fn priority_label(code: &str) -> &'static str {
    match code {
        "haute" => "haute",
        "basse" => "basse",
        _ => "moyenne",
    }
}
