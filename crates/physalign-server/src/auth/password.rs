//! Argon2id password hashing and the password policy (seed 004).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Longest password accepted; bounds the hashing cost an attacker can cause.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Why a password does not meet the policy; `None` if it does.
pub fn policy_violation(password: &str) -> Option<&'static str> {
    if password.len() > MAX_PASSWORD_LEN {
        return Some("must be at most 256 bytes");
    }
    if password.chars().count() < 12 {
        return Some("must be at least 12 characters");
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

/// Caps the Argon2 work running at once (issue 17): every hash and verification a request
/// causes takes a slot, held by the blocking task itself (a client that hangs up does not free
/// its slot before the work ends). A request that waits longer than the configured time for a
/// slot is answered 503 with `Retry-After`, so a burst of logins queues briefly instead of
/// starving the server's threads and memory (Argon2 takes 19 MiB per hash).
pub struct HashGate {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    capacity: usize,
    wait: std::time::Duration,
}

/// No hashing slot came free in time.
#[derive(Debug, thiserror::Error)]
#[error("the server is busy checking passwords; retry shortly")]
pub struct HashBusy;

impl HashGate {
    /// At most `concurrency` hashes at once (0: one per CPU); a request waits `wait` at most.
    pub fn new(concurrency: usize, wait: std::time::Duration) -> Self {
        let capacity = if concurrency == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            concurrency
        };
        Self {
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(capacity)),
            capacity,
            wait,
        }
    }

    /// Slots in all.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Slots free now.
    pub fn available(&self) -> usize {
        self.slots.available_permits()
    }

    async fn slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, HashBusy> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(HashBusy),
        }
    }

    /// [`hash`] in a slot, on a blocking thread.
    pub async fn hash(&self, password: String) -> Result<Result<String, String>, HashBusy> {
        let permit = self.slot().await?;
        Ok(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash(&password).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string())))
    }

    /// [`verify`] in a slot, on a blocking thread.
    pub async fn verify(&self, password: String, stored: String) -> Result<bool, HashBusy> {
        let permit = self.slot().await?;
        Ok(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            verify(&password, &stored)
        })
        .await
        .unwrap_or(false))
    }
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
