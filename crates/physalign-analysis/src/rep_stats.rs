//! Extremes of every metric within one repetition.

use crate::metric::{Metric, MetricValues, METRIC_COUNT};

/// Minimum and maximum of each metric, and of the primary angle, over a repetition.
#[derive(Debug, Clone, Default)]
pub struct RepStats {
    /// When the furthest point was reached.
    pub peak_ms: i64,
    ranges: [Option<(f32, f32)>; METRIC_COUNT],
    /// Range of the primary (combined) angle.
    pub primary_range: Option<(f32, f32)>,
}

fn widen(range: &mut Option<(f32, f32)>, v: f32) {
    *range = Some(match *range {
        Some((lo, hi)) => (lo.min(v), hi.max(v)),
        None => (v, v),
    });
}

impl RepStats {
    /// Empty statistics for a repetition peaking at `peak_ms`.
    pub fn new(peak_ms: i64) -> Self {
        Self {
            peak_ms,
            ..Default::default()
        }
    }

    /// Adds one frame.
    pub fn add(&mut self, values: &MetricValues, primary: Option<f32>) {
        for (m, v) in values.iter() {
            widen(&mut self.ranges[m.index()], v);
        }
        if let Some(p) = primary {
            widen(&mut self.primary_range, p);
        }
    }

    /// `(min, max)` of a metric, if it was measured.
    pub fn range(&self, metric: Metric) -> Option<(f32, f32)> {
        self.ranges[metric.index()]
    }
}
