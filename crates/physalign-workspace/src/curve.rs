//! Which joint angle a session followed, read back from its stored frames: the angle named by the
//! session's own report (recorded here), or, for a session pulled without one, the one the
//! exercise's definition follows. Shared by the replay, the comparison and the progress charts.

use physalign_analysis::Catalogue;
use physalign_store::{FrameRecord, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A joint angle over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AngleCurve {
    /// The angle's name, e.g. `knee` (both sides averaged) or `knee_left`.
    pub angle: Option<String>,
    /// Seconds from the start of the recording.
    pub t_s: Vec<f64>,
    /// Degrees; `None` where it could not be measured.
    pub degrees: Vec<Option<f32>>,
}

/// An angle curve in a few numbers, for a text summary of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurveSummary {
    /// Smallest angle measured, degrees.
    pub min_deg: f32,
    /// Largest angle measured, degrees.
    pub max_deg: f32,
    /// Mean of the angles measured, degrees.
    pub mean_deg: f32,
    /// Points where the angle was measured, of all points.
    pub measured: usize,
    /// Seconds from the first point to the last.
    pub duration_s: f64,
}

impl AngleCurve {
    /// The curve's range, mean and span; none when no point measured the angle.
    pub fn summary(&self) -> Option<CurveSummary> {
        let measured: Vec<f32> = self.degrees.iter().flatten().copied().collect();
        let first = measured.first()?;
        let (min_deg, max_deg) = measured
            .iter()
            .fold((*first, *first), |(lo, hi), d| (lo.min(*d), hi.max(*d)));
        let mean_deg =
            (measured.iter().map(|d| f64::from(*d)).sum::<f64>() / measured.len() as f64) as f32;
        let duration_s = match (self.t_s.first(), self.t_s.last()) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        };
        Some(CurveSummary {
            min_deg,
            max_deg,
            mean_deg,
            measured: measured.len(),
            duration_s,
        })
    }
}

/// How the working position of an exercise is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum WorkDirection {
    /// The angle closes towards the work (a squat's knee): the smallest angle counts.
    Closing,
    /// The angle opens towards the work (a shoulder abduction): the largest angle counts.
    Opening,
}

/// The angle an exercise follows and its direction, from the catalogue.
pub fn exercise_angle(catalogue: &Catalogue, exercise_id: &str) -> Option<(String, WorkDirection)> {
    let exercise = catalogue.get(exercise_id).ok()?;
    let signal = exercise.signals.first()?;
    let direction = if signal.work < signal.rest {
        WorkDirection::Closing
    } else {
        WorkDirection::Opening
    };
    Some((signal.metric.clone(), direction))
}

/// The primary angle of a stored session: its report's, else its exercise's.
pub fn session_angle(
    store: &Store,
    catalogue: &Catalogue,
    session_id: Uuid,
    exercise_id: &str,
) -> Result<Option<String>, StoreError> {
    let from_report = store
        .get_session(session_id)?
        .and_then(|d| d.session.report)
        .and_then(|r| {
            r.get("rep_details")?
                .as_array()?
                .first()?
                .get("primary_angle")?
                .as_str()
                .map(str::to_owned)
        });
    Ok(from_report.or_else(|| exercise_angle(catalogue, exercise_id).map(|(a, _)| a)))
}

/// `name` from a frame's angles; a bilateral name such as `knee` is the mean of the measured
/// sides, as the repetition counter combines them.
pub fn named_angle(angles: &BTreeMap<String, f32>, name: &str) -> Option<f32> {
    if let Some(v) = angles.get(name) {
        return Some(*v);
    }
    let sides: Vec<f32> = ["left", "right"]
        .iter()
        .filter_map(|side| angles.get(&format!("{name}_{side}")).copied())
        .collect();
    (!sides.is_empty()).then(|| sides.iter().sum::<f32>() / sides.len() as f32)
}

/// Every `stride`-th frame's `angle` (all frames with a stride of 1).
pub fn curve_of(frames: &[FrameRecord], angle: Option<&str>, stride: usize) -> AngleCurve {
    let stride = stride.max(1);
    let mut curve = AngleCurve {
        angle: angle.map(str::to_owned),
        t_s: Vec::new(),
        degrees: Vec::new(),
    };
    for frame in frames.iter().step_by(stride) {
        curve.t_s.push(frame.timestamp_ms as f64 / 1000.0);
        curve
            .degrees
            .push(angle.and_then(|a| named_angle(&frame.angles, a)));
    }
    curve
}

/// The stride that keeps at most `max_points` of `total` frames.
pub fn stride_for(total: usize, max_points: usize) -> usize {
    total.div_ceil(max_points.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bilateral_angle_is_the_mean_of_the_sides_seen() {
        let mut angles = BTreeMap::new();
        angles.insert("knee_left".to_string(), 90.0);
        angles.insert("knee_right".to_string(), 100.0);
        assert_eq!(named_angle(&angles, "knee"), Some(95.0));
        assert_eq!(named_angle(&angles, "knee_left"), Some(90.0));
        assert_eq!(named_angle(&angles, "elbow"), None);
    }

    #[test]
    fn the_catalogue_says_which_way_an_exercise_works() {
        let catalogue = Catalogue::builtin().expect("catalogue");
        let (angle, direction) = exercise_angle(&catalogue, "squat").expect("squat");
        assert_eq!(angle, "knee");
        assert_eq!(direction, WorkDirection::Closing);
        assert_eq!(stride_for(1000, 400), 3);
        assert_eq!(stride_for(10, 400), 1);
    }

    #[test]
    fn a_curve_summary_skips_the_points_not_measured() {
        let curve = AngleCurve {
            angle: Some("knee".into()),
            t_s: vec![0.5, 1.0, 1.5, 2.5],
            degrees: vec![Some(160.0), None, Some(80.0), Some(120.0)],
        };
        let summary = curve.summary().expect("measured");
        assert_eq!((summary.min_deg, summary.max_deg), (80.0, 160.0));
        assert_eq!(summary.mean_deg, 120.0);
        assert_eq!(summary.measured, 3);
        assert_eq!(summary.duration_s, 2.0);
        let unmeasured = AngleCurve {
            angle: None,
            t_s: vec![0.0],
            degrees: vec![None],
        };
        assert_eq!(unmeasured.summary(), None);
    }
}
