//! Argon2id hashing, always on blocking threads and behind `App::hashing`, so that a burst of sign-ins
//! cannot starve page rendering.

use std::sync::LazyLock;

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::state::App;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

fn argon2() -> Argon2<'static> {
    // OWASP's first recommended set for argon2id: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when the e-mail is unknown, so both cases take the same time.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking("mot-de-passe-factice-pour-le-temps").unwrap_or_default());

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn verify_blocking(password: &str, hash: Option<&str>) -> bool {
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let ok = PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

/// Warms the dummy hash at start-up rather than on the first unknown e-mail.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

pub async fn hash(app: &App, password: String) -> anyhow::Result<String> {
    let _permit = app.hashing.acquire().await?;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// `hash` is `None` for an unknown account: a dummy hash is checked instead and the answer is false.
pub async fn verify(app: &App, password: String, hash: Option<String>) -> anyhow::Result<bool> {
    let _permit = app.hashing.acquire().await?;
    Ok(tokio::task::spawn_blocking(move || verify_blocking(&password, hash.as_deref())).await?)
}

/// The rules a new password must meet; the error is French.
pub fn check_new(password: &str, confirmation: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err("Le mot de passe doit comporter au moins 12 caractères.");
    }
    if len > MAX_LENGTH {
        return Err("Le mot de passe ne peut pas dépasser 256 caractères.");
    }
    if password != confirmation {
        return Err("Les deux saisies du mot de passe ne sont pas identiques.");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash_blocking("un mot de passe assez long").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_blocking("un mot de passe assez long", Some(&h)));
        assert!(!verify_blocking("un autre mot de passe", Some(&h)));
        assert!(!verify_blocking("un mot de passe assez long", None));
    }

    #[test]
    fn new_password_rules() {
        assert!(check_new("court", "court").is_err());
        assert!(check_new("assez long pour passer", "autre chose encore").is_err());
        assert!(check_new("assez long pour passer", "assez long pour passer").is_ok());
    }
}
