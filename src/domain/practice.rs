//! The network's practices (*fiches pratiques*, issue 18): their curation status and the codes of the
//! library's facets (publics, territory types, sizes, budget ranges), with their French labels. The table's
//! CHECK constraints (migration 20261208030100) list exactly these codes.

crate::domain::status::status_enum! {
    /// proposée → acceptée (*pratique repérée*) | à modifier (→ proposée again) | déclinée; the Maison
    /// withdraws it (retirée) whenever it wants, copies already made stay.
    pub enum PracticeStatus {
        Proposee = ("proposee", "Proposée"),
        AModifier = ("a_modifier", "Modifications demandées"),
        Acceptee = ("acceptee", "Pratique repérée"),
        Declinee = ("declinee", "Déclinée"),
        Retiree = ("retiree", "Retirée"),
    }
}

impl PracticeStatus {
    pub fn badge(self) -> &'static str {
        match self {
            PracticeStatus::Acceptee => "badge badge-success",
            PracticeStatus::AModifier => "badge badge-warning",
            PracticeStatus::Declinee | PracticeStatus::Retiree => "badge badge-muted",
            PracticeStatus::Proposee => "badge",
        }
    }

    /// AVE's decisions on a proposal: the status it moves to, by the form's code.
    pub fn decision(code: &str) -> Option<PracticeStatus> {
        match code {
            "accepter" => Some(PracticeStatus::Acceptee),
            "modifier" => Some(PracticeStatus::AModifier),
            "decliner" => Some(PracticeStatus::Declinee),
            _ => None,
        }
    }
}

/// Who a practice serves (a facet; several possible).
pub const PUBLICS: &[(&str, &str)] = &[
    ("demandeurs_emploi", "Demandeurs d'emploi"),
    ("jeunes", "Jeunes"),
    ("salaries", "Salariés"),
    ("entreprises", "Entreprises"),
    ("artisans", "Artisans du bâtiment"),
    ("insertion", "Personnes en insertion"),
    ("menages", "Ménages"),
    ("femmes", "Femmes"),
    ("seniors", "Seniors"),
    ("scolaires", "Scolaires et étudiants"),
    ("acteurs_locaux", "Acteurs locaux"),
];

/// The kinds of territory a practice worked in (a facet; several possible).
pub const TERRITORY_TYPES: &[(&str, &str)] = &[
    ("urbain", "Urbain"),
    ("rural", "Rural"),
    ("littoral", "Littoral"),
    ("montagne", "Montagne"),
];

/// The size of the territory, in inhabitants.
pub const TERRITORY_SIZES: &[(&str, &str)] = &[
    ("moins_50k", "Moins de 50 000 habitants"),
    ("50k_150k", "50 000 à 150 000 habitants"),
    ("150k_300k", "150 000 à 300 000 habitants"),
    ("plus_300k", "Plus de 300 000 habitants"),
];

/// The action's whole budget (a facet).
pub const BUDGET_RANGES: &[(&str, &str)] = &[
    ("moins_10k", "Moins de 10 000 €"),
    ("10k_50k", "10 000 à 50 000 €"),
    ("50k_150k", "50 000 à 150 000 €"),
    ("plus_150k", "Plus de 150 000 €"),
];

/// The budget range of a total in cents.
pub fn budget_range_of(cents: i64) -> &'static str {
    match cents {
        c if c < 1_000_000 => "moins_10k",
        c if c < 5_000_000 => "10k_50k",
        c if c < 15_000_000 => "50k_150k",
        _ => "plus_150k",
    }
}

/// The size range of a population.
pub fn territory_size_of(population: i64) -> &'static str {
    match population {
        p if p < 50_000 => "moins_50k",
        p if p < 150_000 => "50k_150k",
        p if p < 300_000 => "150k_300k",
        _ => "plus_300k",
    }
}

/// The label of `code` in `set`, empty when unknown.
pub fn label_in(set: &[(&'static str, &'static str)], code: &str) -> &'static str {
    set.iter()
        .find(|(k, _)| *k == code)
        .map(|(_, l)| *l)
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_labels() {
        assert_eq!(budget_range_of(999_999), "moins_10k");
        assert_eq!(budget_range_of(1_000_000), "10k_50k");
        assert_eq!(budget_range_of(20_000_000), "plus_150k");
        assert_eq!(territory_size_of(120_000), "50k_150k");
        assert_eq!(label_in(TERRITORY_TYPES, "littoral"), "Littoral");
        assert_eq!(label_in(TERRITORY_TYPES, "lune"), "");
        assert_eq!(
            PracticeStatus::decision("accepter"),
            Some(PracticeStatus::Acceptee)
        );
        assert_eq!(PracticeStatus::decision("x"), None);
    }
}
