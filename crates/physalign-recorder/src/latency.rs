//! How long frames take from the camera to the screen: the time from a frame's capture to the
//! live event that carries its skeleton (the overlay), preview encoding included.

use std::time::Duration;

/// Percentiles of the capture-to-overlay latency over the frames shown during a recording.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatencySummary {
    /// Frames whose live event was sent (the screen receives at most the preview rate).
    pub frames: usize,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 95th percentile, milliseconds.
    pub p95_ms: f64,
    /// Largest, milliseconds.
    pub max_ms: f64,
}

/// Collects per-frame latencies during a recording.
#[derive(Debug, Default)]
pub(crate) struct LatencyLog {
    samples: Vec<Duration>,
}

impl LatencyLog {
    pub(crate) fn record(&mut self, latency: Duration) {
        self.samples.push(latency);
    }

    /// The percentiles, or `None` when no frame was shown.
    pub(crate) fn summary(&self) -> Option<LatencySummary> {
        if self.samples.is_empty() {
            return None;
        }
        let mut ms: Vec<f64> = self
            .samples
            .iter()
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value at least q of the samples do not exceed.
        let rank = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
        Some(LatencySummary {
            frames: ms.len(),
            p50_ms: rank(0.5),
            p95_ms: rank(0.95),
            max_ms: ms[ms.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut log = LatencyLog::default();
        assert_eq!(log.summary(), None);
        for ms in (1..=100).rev() {
            log.record(Duration::from_millis(ms));
        }
        let s = log.summary().expect("samples");
        assert_eq!(s.frames, 100);
        assert!((s.p50_ms - 50.0).abs() < 1e-9, "{s:?}");
        assert!((s.p95_ms - 95.0).abs() < 1e-9, "{s:?}");
        assert!((s.max_ms - 100.0).abs() < 1e-9, "{s:?}");
    }
}
