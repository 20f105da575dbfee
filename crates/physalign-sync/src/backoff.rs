//! Exponential back-off with jitter for transient delivery failures.

use rand::Rng;
use std::time::Duration;

/// Delay before retry number `attempts + 1`: `base * 2^attempts`, capped at `max`, then a random
/// point in its upper half so that many devices coming back online do not retry in lockstep.
pub fn retry_delay(attempts: i64, base: Duration, max: Duration) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
    let ceiling = base.saturating_mul(1u32 << exponent.min(30)).min(max);
    let half = ceiling / 2;
    let jitter_nanos =
        rand::thread_rng().gen_range(0..=half.as_nanos().min(u64::MAX as u128) as u64);
    half + Duration::from_nanos(jitter_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_exponentially_within_jitter_bounds_and_caps() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(10);
        for attempts in 0..12 {
            let ceiling = (base * 2u32.pow(attempts as u32)).min(max);
            for _ in 0..50 {
                let d = retry_delay(attempts, base, max);
                assert!(
                    d >= ceiling / 2 && d <= ceiling,
                    "attempt {attempts}: {d:?}"
                );
            }
        }
        assert!(retry_delay(1000, base, max) <= max);
        assert!(retry_delay(-3, base, max) <= base);
    }
}
