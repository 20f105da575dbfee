//! Fixed-window rate limiting shared by every replica, counted in PostgreSQL
//! (`rate_limit_counters`), with seed 002's headers (`X-RateLimit-Limit`,
//! `X-RateLimit-Remaining`, `X-RateLimit-Reset`, `Retry-After`) and its 429 answer.
//!
//! A key's window starts at its first counted event, on the database's clock, so every replica
//! counts the key into the same window. Keys are stored only as 64-bit keyed hashes (HMAC-SHA256 under a key derived from the
//! shared signing secret: neither e-mails nor addresses sit in the table, and an attacker cannot
//! aim collisions); a read ([`SharedLimiter::peek`]) never inserts. Rows of past windows are
//! deleted by each replica at most once a window, and by the scheduled clean-up.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use hmac::{Hmac, Mac};
use physalign_api::ErrorCode;
use serde_json::json;
use sha2::Sha256;
use sqlx::PgPool;

use crate::error::ApiError;

physalign_domain::wire_enum! {
    /// Which limit a counter belongs to (`rate_limit_counters.limiter`).
    pub enum LimitKind {
        /// Requests per signed-in user.
        Requests = "requests",
        /// Anonymous requests per address.
        Anonymous = "anonymous",
        /// Failed logins and claims per account and address.
        FailedLogins = "failed_logins",
        /// Failed logins and claims per address, whatever the account.
        AddressFailures = "address_failures",
    }
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// Time until the window resets.
    pub reset_after: Duration,
}

/// Counts events per key in fixed windows, in PostgreSQL.
pub struct SharedLimiter {
    pool: PgPool,
    kind: LimitKind,
    limit: u32,
    window: Duration,
    hash_key: Vec<u8>,
    /// Unix second of this replica's last pruning of past windows.
    pruned_at: AtomicI64,
}

impl SharedLimiter {
    /// `limit` events per `window` per key of `kind`, counted in `pool`; keys hashed under a key
    /// derived from `secret` (the same on every replica).
    pub fn new(pool: PgPool, kind: LimitKind, limit: u32, window: Duration, secret: &[u8]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(b"physalign-rate-limit-key");
        Self {
            pool,
            kind,
            limit,
            window,
            hash_key: mac.finalize().into_bytes().to_vec(),
            pruned_at: AtomicI64::new(0),
        }
    }

    /// Requests allowed per window.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    fn key_hash(&self, key: &str) -> i64 {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.hash_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(self.kind.as_str().as_bytes());
        mac.update(b"|");
        mac.update(key.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }

    fn window_secs(&self) -> f64 {
        self.window.as_secs_f64().max(0.001)
    }

    /// Counts one event for `key` and says whether it is within the limit.
    pub async fn hit(&self, key: &str) -> Result<Decision, sqlx::Error> {
        self.prune_now_and_then();
        // Counts stop one past the limit: a flood cannot overflow them.
        let (hits, reset_secs): (i32, f64) = sqlx::query_as(
            "INSERT INTO rate_limit_counters AS c (limiter, key_hash, window_start, hits)
             VALUES ($1, $2, now(), 1)
             ON CONFLICT (limiter, key_hash) DO UPDATE SET
                 hits = CASE WHEN c.window_start > now() - make_interval(secs => $3)
                             THEN LEAST(c.hits + 1, $4) ELSE 1 END,
                 window_start = CASE WHEN c.window_start > now() - make_interval(secs => $3)
                                     THEN c.window_start ELSE now() END
             RETURNING hits, extract(epoch FROM window_start + make_interval(secs => $3)
                                                - now())::float8",
        )
        .bind(self.kind.as_str())
        .bind(self.key_hash(key))
        .bind(self.window_secs())
        .bind(i32::try_from(self.limit).unwrap_or(i32::MAX - 1) + 1)
        .fetch_one(&self.pool)
        .await?;
        let hits = u32::try_from(hits).unwrap_or(0);
        Ok(self.decision(hits <= self.limit, hits, reset_secs))
    }

    /// Says whether `key` is over the limit, without counting and without remembering `key`.
    pub async fn peek(&self, key: &str) -> Result<Decision, sqlx::Error> {
        let counted: Option<(i32, f64)> = sqlx::query_as(
            "SELECT hits, extract(epoch FROM window_start + make_interval(secs => $3)
                                             - now())::float8
             FROM rate_limit_counters
             WHERE limiter = $1 AND key_hash = $2
               AND window_start > now() - make_interval(secs => $3)",
        )
        .bind(self.kind.as_str())
        .bind(self.key_hash(key))
        .bind(self.window_secs())
        .fetch_optional(&self.pool)
        .await?;
        let (hits, reset_secs) = counted.unwrap_or((0, self.window_secs()));
        let hits = u32::try_from(hits).unwrap_or(0);
        Ok(self.decision(hits < self.limit, hits, reset_secs))
    }

    /// Forgets `key`.
    pub async fn reset(&self, key: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM rate_limit_counters WHERE limiter = $1 AND key_hash = $2")
            .bind(self.kind.as_str())
            .bind(self.key_hash(key))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keys counted in the current window, by every replica (for `/health/detailed` and tests).
    pub async fn keys(&self) -> Result<u64, sqlx::Error> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM rate_limit_counters
             WHERE limiter = $1 AND window_start > now() - make_interval(secs => $2)",
        )
        .bind(self.kind.as_str())
        .bind(self.window_secs())
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// At most once a window on this replica, deletes this limit's rows of past windows in the
    /// background, so the table holds about one window's keys.
    fn prune_now_and_then(&self) {
        let now = chrono::Utc::now().timestamp();
        let last = self.pruned_at.load(Ordering::Relaxed);
        let every = i64::try_from(self.window.as_secs())
            .unwrap_or(i64::MAX)
            .max(1);
        if now - last < every
            || self
                .pruned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let pool = self.pool.clone();
        let kind = self.kind;
        let window = self.window_secs();
        tokio::spawn(async move {
            if let Err(e) = prune(&pool, Some(kind), window).await {
                tracing::warn!(error = %e, "pruning past rate-limit windows");
            }
        });
    }

    fn decision(&self, allowed: bool, hits: u32, reset_secs: f64) -> Decision {
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(hits),
            reset_after: Duration::from_secs_f64(reset_secs.clamp(0.0, self.window_secs())),
        }
    }
}

/// Deletes the counters of windows that ended (of one limit, or of every limit when `kind` is
/// `None`, with windows of at most `window_secs`); returns how many.
pub async fn prune(
    pool: &PgPool,
    kind: Option<LimitKind>,
    window_secs: f64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM rate_limit_counters
         WHERE ($1::text IS NULL OR limiter = $1)
           AND window_start <= now() - make_interval(secs => $2)",
    )
    .bind(kind.map(|k| k.as_str()))
    .bind(window_secs)
    .execute(pool)
    .await?
    .rows_affected())
}

/// The text an address is counted under: an IPv4 address itself, an IPv6 address by its /64
/// (one subscriber's whole prefix, so rotating privacy addresses gains nothing).
pub fn address_key(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Some(IpAddr::V4(v4)) => v4.to_string(),
        None => "unknown".to_string(),
    }
}

impl Decision {
    /// The `X-RateLimit-*` headers (and `Retry-After` when refused).
    pub fn headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        let reset_secs =
            self.reset_after.as_secs() + u64::from(self.reset_after.subsec_nanos() > 0);
        let reset_at = chrono::Utc::now().timestamp().max(0) as u64 + reset_secs;
        let mut headers = vec![
            (
                HeaderName::from_static("x-ratelimit-limit"),
                HeaderValue::from(self.limit),
            ),
            (
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderValue::from(self.remaining),
            ),
            (
                HeaderName::from_static("x-ratelimit-reset"),
                HeaderValue::from(reset_at),
            ),
        ];
        if !self.allowed {
            headers.push((
                HeaderName::from_static("retry-after"),
                HeaderValue::from(reset_secs.max(1)),
            ));
        }
        headers
    }

    /// The 429 answer.
    pub fn too_many_requests(&self) -> ApiError {
        let retry =
            (self.reset_after.as_secs() + u64::from(self.reset_after.subsec_nanos() > 0)).max(1);
        too_many_requests(retry, self.headers())
    }
}

/// A 429 asking to retry after `retry_secs`, with `headers` (rate-limit headers and
/// `Retry-After`).
pub fn too_many_requests(retry_secs: u64, headers: Vec<(HeaderName, HeaderValue)>) -> ApiError {
    let mut err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimitExceeded,
        format!("Too many requests. Please try again in {retry_secs} seconds."),
    )
    .with_details(json!({ "retry_after_seconds": retry_secs }));
    err.headers = headers;
    if !err.headers.iter().any(|(n, _)| n == "retry-after") {
        err.headers.push((
            HeaderName::from_static("retry-after"),
            HeaderValue::from(retry_secs.max(1)),
        ));
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(Some(a)), address_key(Some(b)));
        assert_ne!(address_key(Some(a)), address_key(Some(c)));
        assert_eq!(
            address_key(Some("::ffff:10.0.0.1".parse().unwrap())),
            "10.0.0.1"
        );
        assert_eq!(address_key(Some("192.0.2.1".parse().unwrap())), "192.0.2.1");
    }
}
