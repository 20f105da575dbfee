//! The One Euro filter (Casiez, Roussel, Vogel 2012): an adaptive low-pass filter that smooths
//! hard when the signal is slow (jitter at rest) and little when it moves fast, so a repetition's
//! turning points are not delayed. Time-based: it uses the real interval between samples, so
//! variable-frame-rate video is handled.

use serde::{Deserialize, Serialize};
use std::f32::consts::PI;

/// Filter parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OneEuroConfig {
    /// Cut-off frequency at rest in Hz; lower = smoother when still.
    pub min_cutoff: f32,
    /// How fast the cut-off rises with speed (per unit/s); higher = less lag when moving.
    pub beta: f32,
    /// Cut-off for the derivative estimate in Hz.
    pub d_cutoff: f32,
}

impl Default for OneEuroConfig {
    fn default() -> Self {
        // Tuned for joint angles in degrees at 15-60 fps.
        Self {
            min_cutoff: 1.0,
            beta: 0.02,
            d_cutoff: 1.0,
        }
    }
}

/// One scalar One Euro filter.
#[derive(Debug, Clone)]
pub struct OneEuroFilter {
    config: OneEuroConfig,
    last: Option<(i64, f32, f32)>,
}

fn alpha(cutoff: f32, dt: f32) -> f32 {
    let tau = 1.0 / (2.0 * PI * cutoff.max(1e-3));
    1.0 / (1.0 + tau / dt)
}

impl OneEuroFilter {
    /// A filter with no history.
    pub fn new(config: OneEuroConfig) -> Self {
        Self { config, last: None }
    }

    /// Forgets the history (after a gap the next sample starts afresh).
    pub fn reset(&mut self) {
        self.last = None;
    }

    /// Filters `value` observed at `timestamp_ms`.
    pub fn filter(&mut self, timestamp_ms: i64, value: f32) -> f32 {
        let Some((t0, x0, dx0)) = self.last else {
            self.last = Some((timestamp_ms, value, 0.0));
            return value;
        };
        let dt = (timestamp_ms - t0) as f32 / 1000.0;
        if dt <= 0.0 {
            // Same or earlier timestamp: nothing to integrate over; keep the newer value.
            self.last = Some((timestamp_ms, value, 0.0));
            return value;
        }
        let dx = (value - x0) / dt;
        let a_d = alpha(self.config.d_cutoff, dt);
        let dx_hat = a_d * dx + (1.0 - a_d) * dx0;
        let cutoff = self.config.min_cutoff + self.config.beta * dx_hat.abs();
        let a = alpha(cutoff, dt);
        let x_hat = a * value + (1.0 - a) * x0;
        self.last = Some((timestamp_ms, x_hat, dx_hat));
        x_hat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooths_jitter_at_rest() {
        let mut f = OneEuroFilter::new(OneEuroConfig::default());
        let mut max_dev: f32 = 0.0;
        for i in 0..300 {
            let jitter = if i % 2 == 0 { 3.0 } else { -3.0 };
            let y = f.filter(i * 33, 170.0 + jitter);
            if i > 30 {
                max_dev = max_dev.max((y - 170.0).abs());
            }
        }
        assert!(max_dev < 1.0, "jitter of +-3 left +-{max_dev}");
    }

    #[test]
    fn follows_a_fast_movement_with_little_lag() {
        // 170 -> 90 -> 170 in one second (a brisk squat) sampled at 30 fps.
        let mut f = OneEuroFilter::new(OneEuroConfig::default());
        let mut min_out = f32::MAX;
        for i in 0..=30 {
            let t = i as f32 / 30.0;
            let x = 130.0 + 40.0 * (2.0 * PI * t).cos();
            min_out = min_out.min(f.filter((t * 1000.0) as i64, x));
        }
        assert!(
            min_out < 100.0,
            "bottom at {min_out}, the filter lags too much"
        );
    }

    #[test]
    fn handles_variable_frame_intervals() {
        let mut f = OneEuroFilter::new(OneEuroConfig::default());
        f.filter(0, 100.0);
        let short = f.clone().filter(10, 120.0);
        let long = f.filter(500, 120.0);
        assert!(
            long > short,
            "a longer interval must let the value move further"
        );
    }
}
