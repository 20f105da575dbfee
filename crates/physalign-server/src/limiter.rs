//! Fixed-window rate limiting in memory, with seed 002's headers (`X-RateLimit-Limit`,
//! `X-RateLimit-Remaining`, `X-RateLimit-Reset`, `Retry-After`) and its 429 answer.
//!
//! Bounded (issue 17): keys are kept only as 64-bit keyed hashes (SipHash with a key drawn at
//! start, so neither e-mails nor addresses sit in memory and an attacker cannot aim collisions),
//! at most `max_keys` of them; a read ([`FixedWindowLimiter::peek`]) never inserts, and when
//! the table is full the expired windows go first, then the oldest tenth.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderName, HeaderValue, StatusCode};
use physalign_api::ErrorCode;
use serde_json::json;

use crate::error::ApiError;

/// Keys a limiter holds at most unless told otherwise.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

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

/// Counts events per key in fixed windows.
pub struct FixedWindowLimiter {
    limit: u32,
    window: Duration,
    max_keys: usize,
    hasher: RandomState,
    windows: Mutex<HashMap<u64, (Instant, u32)>>,
}

impl FixedWindowLimiter {
    /// `limit` events per `window` per key, at most [`DEFAULT_MAX_KEYS`] keys.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::bounded(limit, window, DEFAULT_MAX_KEYS)
    }

    /// `limit` events per `window` per key, at most `max_keys` keys held.
    pub fn bounded(limit: u32, window: Duration, max_keys: usize) -> Self {
        Self {
            limit,
            window,
            max_keys: max_keys.max(1),
            hasher: RandomState::new(),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key` and says whether it is within the limit.
    pub fn hit(&self, key: &str) -> Decision {
        let now = Instant::now();
        let hash = self.hasher.hash_one(key);
        // A poisoned lock only means another request panicked mid-update; the counts are
        // still usable.
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(&hash) && map.len() >= self.max_keys {
            self.make_room(&mut map, now);
        }
        let entry = map.entry(hash).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        let allowed = entry.1 < self.limit;
        if allowed {
            entry.1 += 1;
        }
        self.decision(allowed, *entry, now)
    }

    /// Says whether `key` is over the limit, without counting and without remembering `key`.
    pub fn peek(&self, key: &str) -> Decision {
        let now = Instant::now();
        let hash = self.hasher.hash_one(key);
        let map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&hash) {
            Some(&(start, count)) if now.duration_since(start) < self.window => {
                self.decision(count < self.limit, (start, count), now)
            }
            _ => self.decision(true, (now, 0), now),
        }
    }

    /// Forgets `key`.
    pub fn reset(&self, key: &str) {
        let hash = self.hasher.hash_one(key);
        if let Ok(mut map) = self.windows.lock() {
            map.remove(&hash);
        }
    }

    /// Keys held now (for `/health/detailed` and tests).
    pub fn len(&self) -> usize {
        self.windows.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops expired windows; if that frees nothing, the oldest tenth (amortised: a flood of
    /// new keys costs one scan per tenth of the table, not one per key).
    fn make_room(&self, map: &mut HashMap<u64, (Instant, u32)>, now: Instant) {
        let window = self.window;
        map.retain(|_, (start, _)| now.duration_since(*start) < window);
        if map.len() < self.max_keys {
            return;
        }
        let mut starts: Vec<Instant> = map.values().map(|(start, _)| *start).collect();
        let cut = (self.max_keys / 10).max(1).min(starts.len() - 1);
        let (_, &mut threshold, _) = starts.select_nth_unstable(cut);
        map.retain(|_, (start, _)| *start > threshold);
    }

    fn decision(&self, allowed: bool, (start, count): (Instant, u32), now: Instant) -> Decision {
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(count),
            reset_after: self.window.saturating_sub(now.duration_since(start)),
        }
    }
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
    fn limiter_refuses_after_limit_and_keys_are_independent() {
        let limiter = FixedWindowLimiter::new(3, Duration::from_secs(60));
        for expected_remaining in [2, 1, 0] {
            let d = limiter.hit("a");
            assert!(d.allowed);
            assert_eq!(d.remaining, expected_remaining);
        }
        assert!(!limiter.hit("a").allowed);
        assert!(limiter.hit("b").allowed);
        assert!(!limiter.peek("a").allowed);
        limiter.reset("a");
        assert!(limiter.peek("a").allowed);
    }

    #[test]
    fn window_expiry_resets_the_count() {
        let limiter = FixedWindowLimiter::new(1, Duration::from_millis(20));
        assert!(limiter.hit("k").allowed);
        assert!(!limiter.hit("k").allowed);
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiter.hit("k").allowed);
    }

    #[test]
    fn a_peek_never_inserts() {
        let limiter = FixedWindowLimiter::new(3, Duration::from_secs(60));
        for i in 0..1000 {
            assert!(limiter.peek(&format!("someone{i}@example.org")).allowed);
        }
        assert_eq!(limiter.len(), 0);
    }

    #[test]
    fn the_table_stays_bounded_under_a_flood_of_new_keys() {
        let limiter = FixedWindowLimiter::bounded(5, Duration::from_secs(60), 1000);
        for _ in 0..6 {
            limiter.hit("victim-of-a-flood");
        }
        for i in 0..50_000 {
            limiter.hit(&format!("flood{i}"));
            assert!(limiter.len() <= 1000);
        }
        // Recent keys are kept: the last one counted is still counted.
        assert_eq!(limiter.peek("flood49999").remaining, 4);
    }

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
