//! The session report: what `physalign analyze --json` prints and the store keeps.
//!
//! `summary_statistics` and `pose_data` have exactly seed 003's shape.

use crate::exercise::Mode;
use crate::functional_test::FunctionalTestResult;
use crate::hold::Hold;
use crate::metric::{Metric, MetricValues, Side, Source};
use crate::reliability::Reliability;
use crate::reps::CycleOutcome;
use crate::rules::TimedIssue;
use crate::side::ActiveSides;
use physalign_domain::FormIssue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Rounds to one decimal (degrees are not more precise than that).
pub(crate) fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Rounds to two decimals.
pub(crate) fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Left/right comparison within one repetition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Symmetry {
    /// Range of motion of the left side, degrees.
    pub left_rom: f64,
    /// Range of motion of the right side, degrees.
    pub right_rom: f64,
    /// `|left - right|`, degrees.
    pub difference: f64,
    /// Smaller over larger range (1 = perfectly even).
    pub ratio: f64,
}

/// One movement cycle: a full or partial repetition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepDetail {
    /// Number among the full repetitions (1-based); `None` for partial ones.
    pub number: Option<u32>,
    /// Full, partial, too slow or unfinished.
    pub outcome: CycleOutcome,
    /// Start (last time at rest), ms.
    pub start_ms: i64,
    /// Furthest point, ms.
    pub peak_ms: i64,
    /// End (back at rest), ms.
    pub end_ms: i64,
    /// Total duration, s.
    pub duration_s: f64,
    /// Lowering (eccentric) time, s.
    pub eccentric_s: f64,
    /// Lifting (concentric) time, s.
    pub concentric_s: f64,
    /// The primary angle followed (e.g. `knee`).
    pub primary_angle: String,
    /// Smallest primary angle, degrees.
    pub min_angle: Option<f64>,
    /// Largest primary angle, degrees.
    pub max_angle: Option<f64>,
    /// Range of motion of the primary angle, degrees.
    pub rom: Option<f64>,
    /// Left/right comparison of the primary angle, when both sides were measured.
    pub symmetry: Option<Symmetry>,
    /// Form issues raised during the repetition.
    pub form_issues: Vec<TimedIssue>,
    /// Whether the working position was reached (an unfinished cycle may have reached it).
    #[serde(default)]
    pub reached_work: bool,
    /// The side that did the movement, when one side alone (or counted per side).
    #[serde(default)]
    pub side: Option<Side>,
    /// Confidence in this repetition's measurement, 0..1 (mean over its frames of the joints'
    /// visibility and steadiness, lowered when the view does not suit the exercise).
    #[serde(default)]
    pub confidence: Option<f64>,
}

/// Full repetitions per side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SideCounts {
    /// Left side.
    pub left: u32,
    /// Right side.
    pub right: u32,
}

/// Seed 003's `summary_statistics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryStatistics {
    /// Frames analysed.
    pub total_frames: usize,
    /// Mean frame quality (0..1).
    pub average_quality: f64,
    /// `"<angle>_max"` and `"<angle>_min"` over the session, degrees.
    pub peak_angles: BTreeMap<String, f64>,
}

/// One angle's range over the session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AngleRange {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub avg: f64,
}

/// Seed 003's `pose_data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoseData {
    /// Frames analysed.
    pub frame_count: usize,
    /// Frames per second.
    pub sampling_rate: f64,
    /// Range of each measured angle.
    pub angle_ranges: BTreeMap<String, AngleRange>,
}

/// Everything learned from a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionReport {
    /// Catalogue id.
    pub exercise_id: String,
    /// Display name.
    pub exercise_name: String,
    /// Repetitions or hold.
    pub mode: Mode,
    /// Full repetitions.
    pub reps: u32,
    /// Partial (and too slow or unfinished) repetitions, not counted.
    pub partial_reps: u32,
    /// Prescribed repetitions, if any.
    pub target_reps: Option<u32>,
    /// Every cycle in order.
    pub rep_details: Vec<RepDetail>,
    /// Timed holds.
    pub holds: Vec<Hold>,
    /// Every form issue raised, in time order.
    pub form_issues: Vec<TimedIssue>,
    /// Seed 003 summary.
    pub summary_statistics: SummaryStatistics,
    /// Seed 003 pose data.
    pub pose_data: PoseData,
    /// Where each angle mostly came from (`world`, `image`).
    pub angle_sources: BTreeMap<String, Source>,
    /// First to last frame, seconds.
    pub duration_s: f64,
    /// Full repetitions per side, for exercises counted per side.
    #[serde(default)]
    pub reps_by_side: Option<SideCounts>,
    /// The side(s) that did the movement over most of the session.
    #[serde(default)]
    pub active_side: ActiveSides,
    /// How far the measurement can be trusted, and why not (view, visibility, jitter).
    #[serde(default)]
    pub reliability: Option<Reliability>,
    /// The score of the exercise's functional test, when it is one.
    #[serde(default)]
    pub functional_test: Option<FunctionalTestResult>,
}

/// The analysis of one stored frame, after short gaps were filled.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameRecord {
    /// Frame time, ms.
    pub timestamp_ms: i64,
    /// Smoothed values (interpolated across short gaps, missing across long ones).
    pub values: MetricValues,
    /// The primary angle followed by the counter.
    pub primary_angle: Option<f32>,
    /// Quality 0..1.
    pub quality: f32,
    /// Issues raised at this frame.
    pub form_issues: Vec<FormIssue>,
}

impl FrameRecord {
    /// The angles as seed 003 writes them: `{"knee_left": 92.3, ...}` (degrees, one decimal).
    pub fn angles(&self) -> BTreeMap<String, f64> {
        angle_map(&self.values)
    }
}

/// Angle values by name, one decimal (the shrug ratio is left out: it is not an angle).
pub fn angle_map(values: &MetricValues) -> BTreeMap<String, f64> {
    values
        .iter()
        .filter(|(m, _)| m.is_angle())
        .map(|(m, v)| (m.name().to_string(), round1(v as f64)))
        .collect()
}

/// Builds seed 003's summary and pose data from the frame records.
pub(crate) fn summarise(frames: &[FrameRecord]) -> (SummaryStatistics, PoseData) {
    let mut acc: BTreeMap<Metric, (f64, f64, f64, usize)> = BTreeMap::new();
    for f in frames {
        for (m, v) in f.values.iter().filter(|(m, _)| m.is_angle()) {
            let v = v as f64;
            let e = acc.entry(m).or_insert((f64::MAX, f64::MIN, 0.0, 0));
            e.0 = e.0.min(v);
            e.1 = e.1.max(v);
            e.2 += v;
            e.3 += 1;
        }
    }
    let mut peak_angles = BTreeMap::new();
    let mut angle_ranges = BTreeMap::new();
    for (m, (lo, hi, sum, n)) in acc {
        peak_angles.insert(format!("{}_max", m.name()), round1(hi));
        peak_angles.insert(format!("{}_min", m.name()), round1(lo));
        angle_ranges.insert(
            m.name().to_string(),
            AngleRange {
                min: round1(lo),
                max: round1(hi),
                avg: round1(sum / n as f64),
            },
        );
    }
    let average_quality = if frames.is_empty() {
        0.0
    } else {
        round2(frames.iter().map(|f| f.quality as f64).sum::<f64>() / frames.len() as f64)
    };
    let sampling_rate = match (frames.first(), frames.last()) {
        (Some(a), Some(b)) if frames.len() > 1 && b.timestamp_ms > a.timestamp_ms => {
            round1((frames.len() - 1) as f64 * 1000.0 / (b.timestamp_ms - a.timestamp_ms) as f64)
        }
        _ => 0.0,
    };
    (
        SummaryStatistics {
            total_frames: frames.len(),
            average_quality,
            peak_angles,
        },
        PoseData {
            frame_count: frames.len(),
            sampling_rate,
            angle_ranges,
        },
    )
}
