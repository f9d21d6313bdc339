//! SIRET numbers (14 digits: the 9-digit SIREN of the company and a 5-digit establishment number). They are
//! checked with the Luhn algorithm, except La Poste's establishments (SIREN 356 000 000), too many for the
//! Luhn key space, whose digits add up to a multiple of 5 instead.

const LA_POSTE_SIREN: &str = "356000000";

fn luhn_sum(digits: &[u8]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum()
}

/// The SIRET as typed, spaces removed, when it is valid; the French message otherwise.
pub fn parse(input: &str) -> Result<String, &'static str> {
    let cleaned: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .collect();
    if cleaned.len() != 14 || !cleaned.chars().all(|c| c.is_ascii_digit()) {
        return Err(
            "Le SIRET compte exactement 14 chiffres (9 pour le SIREN, 5 pour l'établissement).",
        );
    }
    let digits: Vec<u8> = cleaned.bytes().map(|b| b - b'0').collect();
    let luhn = luhn_sum(&digits).is_multiple_of(10);
    // La Poste's head office (…00048) passes Luhn; its other establishments follow the sum rule.
    let valid = luhn
        || (cleaned.starts_with(LA_POSTE_SIREN)
            && digits
                .iter()
                .map(|d| u32::from(*d))
                .sum::<u32>()
                .is_multiple_of(5));
    if valid {
        Ok(cleaned)
    } else {
        Err("Ce SIRET n'est pas valide (clé de contrôle incorrecte) : vérifiez les 14 chiffres.")
    }
}

/// `digits` followed by the Luhn check digit that makes the whole number valid (demo data, tests).
pub fn with_check_digit(digits: &str) -> String {
    let mut all: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    all.push(0);
    let check = (10 - luhn_sum(&all) % 10) % 10;
    format!("{digits}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_and_la_poste() {
        // A real, published SIRET (INSEE's head office).
        assert_eq!(parse("120 027 016 00019"), Ok("12002701600019".into()));
        assert!(parse("12002701600018").is_err());
        assert!(parse("1200270160001").is_err());
        assert!(parse("1200270160001A").is_err());
        // La Poste: the digits add up to a multiple of 5, Luhn does not apply.
        assert!(parse("35600000049837").is_ok());
        assert!(parse("35600000000048").is_ok());
        assert!(parse("35600000049838").is_err());
        let s = with_check_digit(&format!("{}0001", with_check_digit("20000042")));
        assert_eq!(parse(&s), Ok(s.clone()));
    }
}
