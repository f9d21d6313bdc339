//! Parsing what the inviter typed; errors are French and go beside their field.

pub const NAME_MAX: usize = 200;
pub const EMAIL_MAX: usize = 254;

/// A name as stored: trimmed, inner runs of spaces collapsed, 1 to 200 characters, no control characters.
pub fn name(raw: &str) -> Result<String, &'static str> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("Indiquez le nom de la personne.");
    }
    if name.chars().count() > NAME_MAX {
        return Err("Le nom ne peut pas dépasser 200 caractères.");
    }
    if name.chars().any(char::is_control) {
        return Err("Le nom contient des caractères non autorisés.");
    }
    Ok(name)
}

/// An e-mail address as stored: trimmed, a single `@`, a domain with a dot, and one that can be mailed.
pub fn email(raw: &str) -> Result<String, &'static str> {
    let email = raw.trim();
    if email.is_empty() {
        return Err("Indiquez l'adresse e-mail de la personne.");
    }
    if email.chars().count() > EMAIL_MAX {
        return Err("L'adresse e-mail ne peut pas dépasser 254 caractères.");
    }
    let invalid =
        "Cette adresse e-mail n'est pas valide (exemple attendu : prenom.nom@exemple.fr).";
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid);
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..");
    if local.is_empty()
        || local.len() > 64
        || !domain_ok
        || email.parse::<lettre::Address>().is_err()
    {
        return Err(invalid);
    }
    Ok(email.to_owned())
}

/// A checkbox: present (any value) means ticked.
pub fn checked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name("  Camille   Dupré "), Ok("Camille Dupré".into()));
        assert!(name("   ").is_err());
        assert!(name(&"é".repeat(201)).is_err());
        assert!(name(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn emails() {
        assert_eq!(
            email(" Camille.Dupre@mde-lille.fr "),
            Ok("Camille.Dupre@mde-lille.fr".into())
        );
        for bad in [
            "",
            "camille",
            "camille@",
            "@mde.fr",
            "camille@localhost",
            "camille dupre@mde.fr",
            "camille@@mde.fr",
            "camille@mde..fr",
            "<camille@mde.fr>",
        ] {
            assert!(email(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(email(&format!("{}@mde.fr", "a".repeat(250))).is_err());
    }
}
