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

pub fn plan_status_label(code: Option<&str>) -> &'static str {
    match code {
        Some("brouillon") => "brouillon",
        Some("soumis") => "soumis au copil",
        Some("valide") => "validé",
        Some("en_oeuvre") => "en mise en œuvre",
        Some("cloture") => "clôturé",
        _ => "aucun",
    }
}

pub fn action_status_label(code: &str) -> &'static str {
    match code {
        "a_lancer" => "à lancer",
        "en_cours" => "en cours",
        "en_pause" => "en pause",
        "realisee" => "réalisée",
        "abandonnee" => "abandonnée",
        _ => "inconnu",
    }
}

pub fn action_status_badge(code: &str) -> &'static str {
    match code {
        "realisee" => "badge badge-success",
        "en_pause" => "badge badge-warning",
        "abandonnee" => "badge badge-muted",
        _ => "badge",
    }
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
