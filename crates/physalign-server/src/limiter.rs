//! Fixed-window rate limiting in memory, with seed 002's headers (`X-RateLimit-Limit`,
//! `X-RateLimit-Remaining`, `X-RateLimit-Reset`, `Retry-After`) and its 429 answer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderName, HeaderValue, StatusCode};
use physalign_api::ErrorCode;
use serde_json::json;

use crate::error::ApiError;

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
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl FixedWindowLimiter {
    /// `limit` events per `window` per key.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key` and says whether it is within the limit.
    pub fn hit(&self, key: &str) -> Decision {
        self.update(key, true)
    }

    /// Says whether `key` is over the limit, without counting.
    pub fn peek(&self, key: &str) -> Decision {
        self.update(key, false)
    }

    /// Forgets `key`.
    pub fn reset(&self, key: &str) {
        if let Ok(mut map) = self.windows.lock() {
            map.remove(key);
        }
    }

    fn update(&self, key: &str, count: bool) -> Decision {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-update; the counts are
        // still usable.
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        let allowed = entry.1 < self.limit;
        if count && allowed {
            entry.1 += 1;
        }
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit.saturating_sub(entry.1),
            reset_after: self.window.saturating_sub(now.duration_since(entry.0)),
        }
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
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimitExceeded,
            format!("Too many requests. Please try again in {retry} seconds."),
        )
        .with_details(json!({ "retry_after_seconds": retry }));
        err.headers = self.headers();
        err
    }
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
}
