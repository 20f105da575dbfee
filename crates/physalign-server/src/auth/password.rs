//! Argon2id password hashing and the password policy (seed 004).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Longest password accepted; bounds the hashing cost an attacker can cause.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Why a password does not meet the policy; `None` if it does.
pub fn policy_violation(password: &str) -> Option<&'static str> {
    if password.chars().count() < 12 {
        return Some("must be at least 12 characters");
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Some("must be at most 256 bytes");
    }
    let has = |f: fn(char) -> bool| password.chars().any(f);
    if !has(|c| c.is_uppercase())
        || !has(|c| c.is_lowercase())
        || !has(|c| c.is_ascii_digit())
        || !has(|c| !c.is_alphanumeric())
    {
        return Some("must contain upper case, lower case, a digit and a symbol");
    }
    None
}

/// Hashes a password (PHC string). CPU-heavy: call from a blocking task.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored hash. A malformed hash counts as no match.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of a random password, verified against when the account does not exist so that
/// unknown and known e-mails take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("Dummy-Password-1!").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let h = hash("Correct-Horse-9!").unwrap();
        assert!(verify("Correct-Horse-9!", &h));
        assert!(!verify("Correct-Horse-8!", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn policy_requires_length_and_classes() {
        assert!(policy_violation("Short1!").is_some());
        assert!(policy_violation("alllowercase123!").is_some());
        assert!(policy_violation("NoDigitsHere!!").is_some());
        assert!(policy_violation("NoSymbols12345").is_some());
        assert!(policy_violation("Good-Password-123").is_none());
    }
}
