//! The per-account login lockout with back-off (issue 17), in PostgreSQL so that every replica
//! and a restart see the same count.
//!
//! After `threshold` consecutive failed logins or claims of one e-mail, from any addresses, the
//! account is locked for `base` seconds, doubling with each further failure up to `max`. The lock
//! does not apply to an address the account signed in from successfully in the last
//! [`KNOWN_ADDRESS_DAYS`] days: an attacker elsewhere can neither guess on nor lock the clinician
//! out of their usual place. Rows are keyed by the SHA-256 of the normalised e-mail whether or not
//! it has an account, so a lockout reveals nothing about which e-mails exist.

use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// How long a successful sign-in makes its address known to the account.
pub const KNOWN_ADDRESS_DAYS: i64 = 90;

/// When the lockout applies and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    /// Consecutive failures before the first lock.
    pub threshold: u32,
    /// First lock.
    pub base: Duration,
    /// Longest lock.
    pub max: Duration,
}

impl LockoutPolicy {
    /// The lock after `failures` consecutive failures, if any.
    pub fn lock_after(&self, failures: u32) -> Option<Duration> {
        if self.threshold == 0 || failures < self.threshold {
            return None;
        }
        let doublings = (failures - self.threshold).min(30);
        let secs = self.base.as_secs().saturating_mul(1u64 << doublings);
        Some(Duration::from_secs(secs.min(self.max.as_secs()).max(1)))
    }
}

/// SHA-256 (hex) of a normalised e-mail: the lockout's key.
pub fn email_hash(normalised_email: &str) -> String {
    hex::encode(Sha256::digest(normalised_email.as_bytes()))
}

/// How much longer the e-mail is locked, if it is.
pub async fn locked_for(pool: &PgPool, email_hash: &str) -> Result<Option<Duration>, sqlx::Error> {
    let remaining: Option<f64> = sqlx::query_scalar(
        "SELECT EXTRACT(EPOCH FROM (locked_until - NOW()))::float8 FROM login_lockouts
         WHERE email_hash = $1 AND locked_until > NOW()",
    )
    .bind(email_hash)
    .fetch_optional(pool)
    .await?;
    Ok(remaining.map(|secs| Duration::from_secs_f64(secs.max(0.0))))
}

/// Whether `user_id` signed in from `address` (an address key) recently.
pub async fn is_known_address(
    pool: &PgPool,
    user_id: Uuid,
    address: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM login_known_addresses WHERE user_id = $1 AND address = $2
                        AND last_success_at > NOW() - make_interval(days => $3))",
    )
    .bind(user_id)
    .bind(address)
    .bind(i32::try_from(KNOWN_ADDRESS_DAYS).unwrap_or(90))
    .fetch_one(pool)
    .await
}

/// Counts a failure (a day without failures starts the count afresh) and locks the e-mail once
/// the policy says so; returns the lock set, if any.
pub async fn record_failure(
    pool: &PgPool,
    email_hash: &str,
    policy: &LockoutPolicy,
) -> Result<Option<Duration>, sqlx::Error> {
    let failures: i32 = sqlx::query_scalar(
        "INSERT INTO login_lockouts (email_hash, failures, last_failure_at) VALUES ($1, 1, NOW())
         ON CONFLICT (email_hash) DO UPDATE SET
             failures = CASE WHEN login_lockouts.last_failure_at < NOW() - INTERVAL '1 day'
                             THEN 1 ELSE login_lockouts.failures + 1 END,
             last_failure_at = NOW()
         RETURNING failures",
    )
    .bind(email_hash)
    .fetch_one(pool)
    .await?;
    let lock = policy.lock_after(u32::try_from(failures).unwrap_or(0));
    if let Some(lock) = lock {
        sqlx::query(
            "UPDATE login_lockouts SET locked_until = NOW() + make_interval(secs => $2)
             WHERE email_hash = $1",
        )
        .bind(email_hash)
        .bind(lock.as_secs_f64())
        .execute(pool)
        .await?;
    }
    Ok(lock)
}

/// A successful sign-in: the count starts afresh and `address` becomes known to the account.
pub async fn record_success(
    pool: &PgPool,
    email_hash: &str,
    user_id: Uuid,
    address: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_lockouts WHERE email_hash = $1")
        .bind(email_hash)
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO login_known_addresses (user_id, address) VALUES ($1, $2)
         ON CONFLICT (user_id, address) DO UPDATE SET last_success_at = NOW()",
    )
    .bind(user_id)
    .bind(address)
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_doubles_from_the_threshold_up_to_the_cap() {
        let policy = LockoutPolicy {
            threshold: 3,
            base: Duration::from_secs(60),
            max: Duration::from_secs(600),
        };
        assert_eq!(policy.lock_after(2), None);
        assert_eq!(policy.lock_after(3), Some(Duration::from_secs(60)));
        assert_eq!(policy.lock_after(4), Some(Duration::from_secs(120)));
        assert_eq!(policy.lock_after(5), Some(Duration::from_secs(240)));
        assert_eq!(policy.lock_after(7), Some(Duration::from_secs(600)));
        assert_eq!(policy.lock_after(u32::MAX), Some(Duration::from_secs(600)));
    }
}
