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
            territory_of_epci("CC Faucigny - Glières"),
            "Faucigny - Glières"
        );
    }
}
