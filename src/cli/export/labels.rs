//! French labels of the codes the tables hold (`Spec::labels`).

use crate::domain::diagnostic::CommentStatus;
use crate::domain::labels;

pub(super) fn legal_form(code: &str) -> String {
    match code {
        "gip" => "groupement d'intérêt public (GIP)".into(),
        "association" => "association".into(),
        other => other.into(),
    }
}

pub(super) fn phase(code: &str) -> String {
    labels::phase_label(code).into()
}

pub(super) fn diagnostic_status(code: &str) -> String {
    labels::diagnostic_status_label(Some(code)).into()
}

pub(super) fn plan_status(code: &str) -> String {
    labels::plan_status_label(Some(code)).into()
}

pub(super) fn action_status(code: &str) -> String {
    labels::action_status_label(code).into()
}

pub(super) fn priority(code: &str) -> String {
    labels::priority_label(code).into()
}

pub(super) fn section_kind(code: &str) -> String {
    crate::diagnostics::STANDARD_SECTIONS
        .iter()
        .find(|(kind, _)| *kind == code)
        .map(|(_, title)| (*title).to_owned())
        .unwrap_or_else(|| "section libre".into())
}

pub(super) fn comment_status(code: &str) -> String {
    code.parse::<CommentStatus>()
        .map(|s| s.lowercase().to_owned())
        .unwrap_or_else(|_| code.into())
}

pub(super) fn comparison_level(code: &str) -> String {
    match code {
        "departement" => "département",
        "region" => "région",
        "france" => "France",
        other => other,
    }
    .into()
}

pub(super) fn copil_decision(code: &str) -> String {
    match code {
        "valide" => "plan validé",
        "a_reviser" => "plan à réviser",
        other => other,
    }
    .into()
}

pub(super) fn opinion(code: &str) -> String {
    match code {
        "favorable" => "favorable",
        "reserve" => "réservé",
        other => other,
    }
    .into()
}

pub(super) fn funding_state(code: &str) -> String {
    match code {
        "acquis" => "acquis",
        "sollicite" => "sollicité",
        other => other,
    }
    .into()
}

pub(super) fn object_type(code: &str) -> String {
    match code {
        "maison" => "Maison",
        "account" => "compte",
        "action" => "fiche action",
        "comment" => "commentaire",
        "diagnostic" => "diagnostic",
        "indicator" => "indicateur",
        "organisation" => "organisation",
        "partnership" => "partenariat",
        "plan" => "plan",
        other => other,
    }
    .into()
}

/// `plan:valide` → « validé »: a transition's status, read with its object's statuses.
pub(super) fn transition_status(typed: &str) -> String {
    let (object, code) = typed.split_once(':').unwrap_or(("", typed));
    match (object, code) {
        (_, "") => String::new(),
        ("diagnostic", code) => labels::diagnostic_status_label(Some(code)).into(),
        ("plan", code) => labels::plan_status_label(Some(code)).into(),
        ("action", code) => labels::action_status_label(code).into(),
        (_, code) => code.into(),
    }
}

/// The journal's changes (`[{label, before, after}]`) as one readable text: « Titre : avant → après ; … ».
pub(super) fn changes(json: &str) -> String {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return json.into();
    };
    let value = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) if o.contains_key("effacee") => {
            "(donnée effacée)".to_owned()
        }
        Some(other) => other.to_string(),
    };
    items
        .iter()
        .map(|c| {
            let label = c
                .get("label")
                .and_then(|l| l.as_str())
                .or_else(|| c.get("field").and_then(|f| f.as_str()))
                .unwrap_or("");
            format!(
                "{label} : {} → {}",
                value(c.get("before")),
                value(c.get("after"))
            )
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_french() {
        assert_eq!(transition_status("plan:en_oeuvre"), "en mise en œuvre");
        assert_eq!(transition_status("diagnostic:partage"), "partagé");
        assert_eq!(transition_status("action:"), "");
        assert_eq!(
            changes(
                r#"[{"field":"title","label":"Titre","before":"A","after":"B"},{"label":"Date","before":null,"after":3}]"#
            ),
            "Titre : A → B ; Date : — → 3"
        );
        assert_eq!(
            section_kind("afom"),
            "Synthèse AFOM (atouts, faiblesses, opportunités, menaces)"
        );
        assert_eq!(section_kind("libre"), "section libre");
    }
}
