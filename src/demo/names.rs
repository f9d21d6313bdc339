//! Word lists for the demo's people and places; picked by index, so the demo stays deterministic.

pub const FIRST_NAMES: &[&str] = &[
    "Camille",
    "Nicolas",
    "Nathalie",
    "Stéphane",
    "Isabelle",
    "Christophe",
    "Sandrine",
    "Laurent",
    "Valérie",
    "Olivier",
    "Céline",
    "Thomas",
    "Aurélie",
    "Julien",
    "Émilie",
    "Sébastien",
    "Hélène",
    "Frédéric",
    "Caroline",
    "Mathieu",
    "Delphine",
    "Pierre",
    "Anne",
    "Jérôme",
    "Marion",
    "Vincent",
    "Sophie",
    "Antoine",
    "Claire",
    "Guillaume",
    "Élodie",
    "François",
    "Agnès",
    "Yannick",
    "Mélanie",
    "Damien",
    "Laure",
    "Rachid",
    "Fatima",
    "Karim",
    "Nadia",
    "Mamadou",
    "Léa",
    "Hugo",
    "Manon",
    "Benoît",
    "Virginie",
    "Patrick",
    "Sylvie",
    "Xavier",
    "Chloé",
    "Arnaud",
    "Gaëlle",
    "Bruno",
];

pub const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Gillet",
    "Chauvin",
    "Benali",
    "Haddad",
    "Diallo",
    "Le Gall",
    "Kerboriou",
    "Etcheverry",
    "Oyarzabal",
];

pub const STREETS: &[&str] = &[
    "rue de la République",
    "place de l'Hôtel de Ville",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "boulevard Gambetta",
    "rue Pasteur",
    "place du Général de Gaulle",
    "rue Jules Ferry",
    "avenue de la Gare",
    "rue du 8 Mai 1945",
    "quai de la Marne",
    "rue des Écoles",
];

/// The demo's first names that are women's (« Camille » counts as one): job titles agree with them.
const FEMININE_FIRST_NAMES: &[&str] = &[
    "Camille", "Nathalie", "Isabelle", "Sandrine", "Valérie", "Céline", "Aurélie", "Émilie",
    "Hélène", "Caroline", "Delphine", "Anne", "Marion", "Sophie", "Claire", "Élodie", "Agnès",
    "Mélanie", "Laure", "Fatima", "Nadia", "Léa", "Manon", "Virginie", "Sylvie", "Chloé", "Gaëlle",
];

/// Whether the person (« Prénom Nom ») is a woman, by the first name.
pub fn is_feminine(person: &str) -> bool {
    let first = person.split(' ').next().unwrap_or("");
    FEMININE_FIRST_NAMES.contains(&first)
}

pub fn person(i: usize) -> String {
    format!(
        "{} {}",
        FIRST_NAMES[i % FIRST_NAMES.len()],
        LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()]
    )
}

/// Lower-case ASCII for e-mail addresses and web sites: `Saint-Étienne` → `saint-etienne`.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let folded = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "e",
            'î' | 'ï' | 'Î' | 'Ï' => "i",
            'ô' | 'ö' | 'Ô' | 'Ö' => "o",
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => "u",
            'ç' | 'Ç' => "c",
            'ÿ' => "y",
            'œ' | 'Œ' => "oe",
            'æ' | 'Æ' => "ae",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "-",
        };
        out.push_str(folded);
    }
    let parts: Vec<&str> = out.split('-').filter(|p| !p.is_empty()).collect();
    parts.join("-")
}

/// `de Lille`, `d'Arras`, `du Pays Basque`, `des Sables`: the French preposition before a place name.
pub fn of_place(place: &str) -> String {
    let lower = place.to_lowercase();
    for prefix in ["du ", "de la ", "de l'", "des ", "d'"] {
        if lower.starts_with(prefix) {
            return place.to_owned();
        }
    }
    if place.starts_with("la ") || place.starts_with("l'") {
        return format!("de {place}");
    }
    if let Some(rest) = place.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = place.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'é' | 'è' | 'ê' | 'â' | 'î' | 'ô' | 'h') => {
            format!("d'{place}")
        }
        _ => format!("de {place}"),
    }
}

/// The territory's name inside an EPCI's official name: `CA du Pays Basque` → `du Pays Basque`.
pub fn territory_of_epci(name: &str) -> String {
    // Where the first word after « Métropole » is an adjective, the territory is the métropole itself.
    if let Some(r) = name.trim().strip_prefix("Métropole Européenne ") {
        return format!("la Métropole européenne {r}");
    }
    if name.trim().starts_with("Eurométropole ") {
        return format!("l'{}", name.trim());
    }
    let mut rest = name.trim();
    for prefix in [
        "Métropole d'Aix-Marseille-Provence",
        "Métropole ",
        "CU ",
        "CA ",
        "CC ",
        "Communauté urbaine ",
        "Communauté d'agglomération ",
        "Communauté de communes ",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim();
            break;
        }
    }
    if rest.is_empty() {
        rest = "Aix-Marseille-Provence";
    }
    rest.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_place_names() {
        assert_eq!(slug("Saint-Étienne Métropole"), "saint-etienne-metropole");
        assert_eq!(of_place("Arras"), "d'Arras");
        assert_eq!(of_place("Le Havre"), "du Havre");
        assert_eq!(of_place("du Pays Basque"), "du Pays Basque");
        assert_eq!(territory_of_epci("CA du Pays Basque"), "du Pays Basque");
        assert_eq!(
            of_place(&territory_of_epci("Métropole Européenne de Lille")),
            "de la Métropole européenne de Lille"
        );
        assert_eq!(
            of_place(&territory_of_epci("Eurométropole de Strasbourg")),
            "de l'Eurométropole de Strasbourg"
        );
        assert!(is_feminine("Claire Martin") && !is_feminine("Julien Dupont"));
        assert_eq!(
            territory_of_epci("CC Faucigny - Glières"),
            "Faucigny - Glières"
        );
    }
}
