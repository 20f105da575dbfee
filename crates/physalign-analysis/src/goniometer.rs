//! A camera goniometer: the patient holds a position and the angle of one joint is read on each
//! side, with how far the reading can be trusted.
//!
//! The reading is the median over a still second of the recording (the hold), not a single
//! frame: a goniometer is read once the limb is still. Of the still stretches, the one furthest
//! from the posture the recording starts in is the hold (a person stands still, moves into the
//! position, holds it, and may stand still again afterwards). Trust follows from the geometry,
//! not from a fitted constant: the landmarks' own visibility, how still the hold was, whether
//! the camera looks across the plane the joint moves in, and how far the limb points out of the
//! picture (a foreshortened limb's angle rests on the model's depth guess).
//!
//! The angle is read off the picture when the camera looks across the movement's plane and the
//! limb lies in the picture: `physalign eval angles` measures the picture angle of such joints
//! closer to annotated truth than the model's 3-D estimate (knee 4.7 against 7.3 degrees mean
//! error, elbow 8.3 against 20.2). Otherwise the 3-D estimate is read, with its warning.

use crate::kinematics::{measure, AngleSource, FrameSize, KinematicsConfig};
use crate::metric::{Metric, Side, Source};
use crate::view::{DetectedView, ViewDetector};
use physalign_domain::{LandmarkType as L, PoseFrame};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A joint the goniometer measures (both sides).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoniometerJoint {
    /// Hip-knee-ankle, 180 = straight.
    Knee,
    /// Shoulder-hip-knee, 180 = straight.
    Hip,
    /// Shoulder-elbow-wrist, 180 = straight.
    Elbow,
    /// Knee-ankle-toe.
    Ankle,
    /// Upper arm against the trunk, seen from the front; 0 = hanging.
    ShoulderAbduction,
    /// Upper arm against the trunk, seen from the side; 0 = hanging.
    ShoulderFlexion,
    /// Thigh against the trunk, seen from the front; 0 = hanging.
    HipAbduction,
}

/// The anatomical plane a joint's movement lies in, which decides where the camera must stand.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementPlane {
    /// Forwards and backwards: seen true from the side.
    Sagittal,
    /// Out to the side: seen true from the front or from behind.
    Frontal,
}

impl GoniometerJoint {
    /// Every joint, in the order the command line lists them.
    pub const ALL: [GoniometerJoint; 7] = [
        Self::Knee,
        Self::Hip,
        Self::Elbow,
        Self::Ankle,
        Self::ShoulderAbduction,
        Self::ShoulderFlexion,
        Self::HipAbduction,
    ];

    /// The snake_case name, e.g. `shoulder_abduction`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Knee => "knee",
            Self::Hip => "hip",
            Self::Elbow => "elbow",
            Self::Ankle => "ankle",
            Self::ShoulderAbduction => "shoulder_abduction",
            Self::ShoulderFlexion => "shoulder_flexion",
            Self::HipAbduction => "hip_abduction",
        }
    }

    /// The per-frame metric of this joint on one side.
    pub fn metric(self, side: Side) -> Metric {
        match (self, side) {
            (Self::Knee, Side::Left) => Metric::KneeLeft,
            (Self::Knee, Side::Right) => Metric::KneeRight,
            (Self::Hip, Side::Left) => Metric::HipLeft,
            (Self::Hip, Side::Right) => Metric::HipRight,
            (Self::Elbow, Side::Left) => Metric::ElbowLeft,
            (Self::Elbow, Side::Right) => Metric::ElbowRight,
            (Self::Ankle, Side::Left) => Metric::AnkleLeft,
            (Self::Ankle, Side::Right) => Metric::AnkleRight,
            (Self::ShoulderAbduction, Side::Left) => Metric::ShoulderAbductionLeft,
            (Self::ShoulderAbduction, Side::Right) => Metric::ShoulderAbductionRight,
            (Self::ShoulderFlexion, Side::Left) => Metric::ShoulderFlexionLeft,
            (Self::ShoulderFlexion, Side::Right) => Metric::ShoulderFlexionRight,
            (Self::HipAbduction, Side::Left) => Metric::HipAbductionLeft,
            (Self::HipAbduction, Side::Right) => Metric::HipAbductionRight,
        }
    }

    /// The plane the joint moves in for this measurement.
    pub fn plane(self) -> MovementPlane {
        match self {
            Self::ShoulderAbduction | Self::HipAbduction => MovementPlane::Frontal,
            _ => MovementPlane::Sagittal,
        }
    }

    /// The three landmarks whose visibility decides the confidence of the reading.
    fn landmarks(self, side: Side) -> [L; 3] {
        let left = side == Side::Left;
        let pick = |l: L, r: L| if left { l } else { r };
        let shoulder = pick(L::LeftShoulder, L::RightShoulder);
        let hip = pick(L::LeftHip, L::RightHip);
        let knee = pick(L::LeftKnee, L::RightKnee);
        match self {
            Self::Knee => [hip, knee, pick(L::LeftAnkle, L::RightAnkle)],
            Self::Hip | Self::HipAbduction => [shoulder, hip, knee],
            Self::Elbow => [
                shoulder,
                pick(L::LeftElbow, L::RightElbow),
                pick(L::LeftWrist, L::RightWrist),
            ],
            Self::Ankle => [
                knee,
                pick(L::LeftAnkle, L::RightAnkle),
                pick(L::LeftFootIndex, L::RightFootIndex),
            ],
            Self::ShoulderAbduction | Self::ShoulderFlexion => {
                [hip, shoulder, pick(L::LeftElbow, L::RightElbow)]
            }
        }
    }
}

impl fmt::Display for GoniometerJoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A joint name the goniometer does not know.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown joint {0:?}; expected one of: knee, hip, elbow, ankle, shoulder_abduction, shoulder_flexion, hip_abduction")]
pub struct UnknownJoint(pub String);

impl FromStr for GoniometerJoint {
    type Err = UnknownJoint;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().replace('-', "_").to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|j| j.name() == wanted)
            .ok_or_else(|| UnknownJoint(s.to_string()))
    }
}

/// Why a side's reading should not be taken at face value.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoniometerWarning {
    /// The joint was never measured on this side (out of view or hidden by the body).
    SideNotSeen,
    /// Less measured data than one hold window.
    TooShort,
    /// The angle moved more than a goniometer's tolerance even in the stillest stretch.
    NotSteady,
    /// The joint's landmarks were seen with low visibility.
    LowConfidence,
    /// The camera looks along the plane the joint moves in (e.g. knee flexion filmed from the
    /// front): the picture cannot show the angle.
    ViewAcrossPlane,
    /// A segment of the limb points towards or away from the camera by more than
    /// [`MAX_TILT_DEG`]: the picture shortens it and the angle rests on the model's depth guess.
    Foreshortened,
}

impl GoniometerWarning {
    /// What the warning means for the person holding the camera, in words.
    pub fn message(self) -> &'static str {
        match self {
            Self::SideNotSeen => "this side was not in view",
            Self::TooShort => "the position was not held long enough to read",
            Self::NotSteady => "the position was not held still",
            Self::LowConfidence => "the joint was hard to see",
            Self::ViewAcrossPlane => "the camera looks along the movement: film it from the other side of the body",
            Self::Foreshortened => "the limb points towards the camera: turn the person so the limb lies across the picture",
        }
    }
}

/// Tilt of a limb segment out of the picture plane above which the reading is foreshortened:
/// at 30 degrees the segment shows 13 % shorter, and the angle on the picture can be off by more
/// than a goniometer's tolerance.
pub const MAX_TILT_DEG: f32 = 30.0;

/// Settings of a reading. The defaults follow a clinical goniometer's use: a one-second hold,
/// read to within five degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GoniometerSettings {
    /// Length of the hold the reading is taken over, seconds.
    pub window_s: f64,
    /// Tolerance of the reading, degrees: the hold's spread (10th to 90th percentile) must stay
    /// within it.
    pub tolerance_deg: f32,
    /// Mean landmark visibility below which the joint counts as hard to see.
    pub min_confidence: f32,
}

impl Default for GoniometerSettings {
    fn default() -> Self {
        Self {
            window_s: 1.0,
            tolerance_deg: 5.0,
            min_confidence: 0.7,
        }
    }
}

/// The reading on one side.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideReading {
    /// Which side.
    pub side: Side,
    /// The joint angle, degrees, median over the hold: read off the picture when the view and
    /// the limb allow it, else the 3-D estimate.
    pub angle_deg: Option<f32>,
    /// Where [`SideReading::angle_deg`] was read from.
    pub source: Option<Source>,
    /// The angle as the picture shows it, degrees.
    pub image_angle_deg: Option<f32>,
    /// The angle from the 3-D landmarks, degrees (`None` without them).
    pub world_angle_deg: Option<f32>,
    /// How much the angle moved during the hold (10th to 90th percentile), degrees.
    pub spread_deg: Option<f32>,
    /// How far the limb's more tilted segment points out of the picture plane, degrees (from
    /// the 3-D landmarks; `None` without them).
    pub tilt_deg: Option<f32>,
    /// Mean visibility of the joint's three landmarks during the hold, 0..1.
    pub confidence: f32,
    /// When the hold starts, milliseconds from the start of the recording.
    pub hold_start_ms: Option<i64>,
    /// How long the angle stayed within tolerance of the reading, seconds.
    pub held_s: f64,
    /// Why the reading should not be taken at face value; empty when it can.
    pub warnings: Vec<GoniometerWarning>,
}

impl SideReading {
    /// Whether the reading can be taken as a measurement.
    pub fn reliable(&self) -> bool {
        self.angle_deg.is_some() && self.warnings.is_empty()
    }
}

/// A goniometer reading of one joint on both sides.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoniometerReading {
    /// The joint measured.
    pub joint: GoniometerJoint,
    /// The plane it moves in.
    pub plane: MovementPlane,
    /// Where the camera stood relative to the body, as detected over the recording.
    pub view: DetectedView,
    /// Left, then right.
    pub sides: Vec<SideReading>,
}

/// One frame's measurement of one side.
#[derive(Debug, Clone, Copy)]
struct Sample {
    timestamp_ms: i64,
    angle: f32,
    image_angle: Option<f32>,
    tilt: Option<f32>,
    confidence: f32,
}

/// Reads `joint` on both sides from the frames of a hold.
pub fn read_hold(
    frames: &[PoseFrame],
    size: FrameSize,
    joint: GoniometerJoint,
    settings: &GoniometerSettings,
) -> GoniometerReading {
    let auto = KinematicsConfig::default();
    let image_only = KinematicsConfig {
        angle_source: AngleSource::Image,
        ..auto
    };
    let mut views = ViewDetector::new();
    let mut view_counts: Vec<(DetectedView, usize)> = Vec::new();
    let mut samples: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
    for frame in frames {
        if !frame.has_person() {
            continue;
        }
        let view = views.push(frame, size.width as f32, size.height as f32);
        match view_counts.iter_mut().find(|(v, _)| *v == view) {
            Some((_, n)) => *n += 1,
            None => view_counts.push((view, 1)),
        }
        let measured = measure(frame, size, &auto);
        let pictured = measure(frame, size, &image_only);
        for side in Side::BOTH {
            let metric = joint.metric(side);
            let Some(angle) = measured.get(metric) else {
                continue;
            };
            samples[side.index()].push(Sample {
                timestamp_ms: frame.timestamp_ms,
                angle,
                image_angle: pictured.get(metric),
                tilt: tilt(frame, joint.landmarks(side)),
                confidence: visibility(frame, joint.landmarks(side)),
            });
        }
    }
    let view = view_counts
        .iter()
        .filter(|(v, _)| *v != DetectedView::Unknown)
        .max_by_key(|(_, n)| *n)
        .map_or(DetectedView::Unknown, |(v, _)| *v);
    let across_plane = match joint.plane() {
        MovementPlane::Sagittal => matches!(view, DetectedView::Front | DetectedView::Back),
        MovementPlane::Frontal => view == DetectedView::Side,
    };
    let sides = Side::BOTH
        .into_iter()
        .map(|side| read_side(side, &samples[side.index()], across_plane, settings))
        .collect();
    GoniometerReading {
        joint,
        plane: joint.plane(),
        view,
        sides,
    }
}

fn read_side(
    side: Side,
    samples: &[Sample],
    across_plane: bool,
    settings: &GoniometerSettings,
) -> SideReading {
    let mut reading = SideReading {
        side,
        angle_deg: None,
        source: None,
        image_angle_deg: None,
        world_angle_deg: None,
        spread_deg: None,
        tilt_deg: None,
        confidence: 0.0,
        hold_start_ms: None,
        held_s: 0.0,
        warnings: Vec::new(),
    };
    if samples.is_empty() {
        reading.warnings.push(GoniometerWarning::SideNotSeen);
        return reading;
    }
    let window_ms = (settings.window_s * 1000.0).round() as i64;
    let Some((start, end)) = hold_window(samples, window_ms, settings.tolerance_deg) else {
        reading.warnings.push(GoniometerWarning::TooShort);
        return reading;
    };
    let hold = &samples[start..end];
    let angles: Vec<f32> = hold.iter().map(|s| s.angle).collect();
    let angle = percentile(&angles, 0.5);
    let spread = percentile(&angles, 0.9) - percentile(&angles, 0.1);
    let pictured: Vec<f32> = hold.iter().filter_map(|s| s.image_angle).collect();
    let image_angle = (!pictured.is_empty()).then(|| percentile(&pictured, 0.5));
    let tilts: Vec<f32> = hold.iter().filter_map(|s| s.tilt).collect();
    let tilt = (!tilts.is_empty()).then(|| percentile(&tilts, 0.5));
    let confidence = hold.iter().map(|s| s.confidence).sum::<f32>() / hold.len() as f32;
    let picture_holds = !across_plane && tilt.is_none_or(|t| t <= MAX_TILT_DEG);
    let (value, source) = match image_angle {
        Some(pictured) if picture_holds => (pictured, Source::Image),
        _ if tilt.is_some() => (angle, Source::World),
        _ => (angle, Source::Image),
    };
    reading.angle_deg = Some(value);
    reading.source = Some(source);
    reading.image_angle_deg = image_angle;
    reading.world_angle_deg = tilt.map(|_| angle);
    reading.spread_deg = Some(spread);
    reading.tilt_deg = tilt;
    reading.confidence = confidence;
    reading.hold_start_ms = Some(hold[0].timestamp_ms);
    reading.held_s = held_around(samples, start, end, angle, settings.tolerance_deg);
    if spread > settings.tolerance_deg {
        reading.warnings.push(GoniometerWarning::NotSteady);
    }
    if confidence < settings.min_confidence {
        reading.warnings.push(GoniometerWarning::LowConfidence);
    }
    if across_plane {
        reading.warnings.push(GoniometerWarning::ViewAcrossPlane);
    }
    if tilt.is_some_and(|t| t > MAX_TILT_DEG) {
        reading.warnings.push(GoniometerWarning::Foreshortened);
    }
    reading
}

/// The `[start, end)` range of samples of the hold: of the windows spanning at least
/// `window_ms` whose angles spread no more than `tolerance`, the one whose median lies furthest
/// from the first window's (the starting posture); without a still window, the stillest one.
/// `None` when the samples span less than one window.
fn hold_window(samples: &[Sample], window_ms: i64, tolerance: f32) -> Option<(usize, usize)> {
    struct Window {
        start: usize,
        end: usize,
        median: f32,
        spread: f32,
    }
    let mut windows = Vec::new();
    let mut end = 0;
    for start in 0..samples.len() {
        let until = samples[start].timestamp_ms + window_ms;
        end = end.max(start + 1);
        while end < samples.len() && samples[end - 1].timestamp_ms < until {
            end += 1;
        }
        if samples[end - 1].timestamp_ms < until {
            break;
        }
        let angles: Vec<f32> = samples[start..end].iter().map(|s| s.angle).collect();
        windows.push(Window {
            start,
            end,
            median: percentile(&angles, 0.5),
            spread: percentile(&angles, 0.9) - percentile(&angles, 0.1),
        });
    }
    let starting = windows.first()?.median;
    let still = windows
        .iter()
        .filter(|w| w.spread <= tolerance)
        .max_by(|a, b| {
            let away = |w: &Window| (w.median - starting).abs();
            away(a)
                .total_cmp(&away(b))
                .then(b.spread.total_cmp(&a.spread))
        });
    let chosen = still.or_else(|| windows.iter().min_by(|a, b| a.spread.total_cmp(&b.spread)))?;
    Some((chosen.start, chosen.end))
}

/// Seconds for which the angle stays within `tolerance` of `angle`, growing outwards from the
/// hold window; a single stray frame does not end it.
fn held_around(samples: &[Sample], start: usize, end: usize, angle: f32, tolerance: f32) -> f64 {
    let within = |s: &Sample| (s.angle - angle).abs() <= tolerance;
    let extend = |indices: &mut dyn Iterator<Item = usize>| {
        let (mut last_good, mut strays) = (None, 0);
        for i in indices {
            if within(&samples[i]) {
                last_good = Some(i);
                strays = 0;
            } else {
                strays += 1;
                if strays > 1 {
                    break;
                }
            }
        }
        last_good
    };
    let first = extend(&mut (0..start).rev()).unwrap_or(start);
    let last = extend(&mut (end..samples.len())).unwrap_or(end - 1);
    (samples[last].timestamp_ms - samples[first].timestamp_ms) as f64 / 1000.0
}

/// Out-of-picture tilt of the more tilted of the two segments meeting at the middle landmark,
/// degrees, from the world landmarks (whose z is depth towards the camera).
fn tilt(frame: &PoseFrame, [a, vertex, c]: [L; 3]) -> Option<f32> {
    let point = |k: L| {
        frame
            .world_landmarks
            .get(k.index())
            .map(|l| (l.x, l.y, l.z))
    };
    let (vx, vy, vz) = point(vertex)?;
    [a, c]
        .into_iter()
        .map(|k| {
            let (x, y, z) = point(k)?;
            let (dx, dy, dz) = (x - vx, y - vy, z - vz);
            let length = (dx * dx + dy * dy + dz * dz).sqrt();
            (length > f32::EPSILON).then(|| (dz.abs() / length).asin().to_degrees())
        })
        .try_fold(0.0f32, |most, t| Some(most.max(t?)))
}

/// Mean visibility of the given landmarks (0 for a missing one).
fn visibility(frame: &PoseFrame, kinds: [L; 3]) -> f32 {
    kinds
        .iter()
        .map(|k| {
            frame
                .landmarks
                .get(k.index())
                .map_or(0.0, |l| l.visibility.clamp(0.0, 1.0))
        })
        .sum::<f32>()
        / 3.0
}

/// The `q` quantile (0..1) of `values` by linear interpolation; `values` must not be empty.
fn percentile(values: &[f32], q: f32) -> f32 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f32;
    let lower = position.floor() as usize;
    let upper = position.ceil() as usize;
    let weight = position - lower as f32;
    sorted[lower] * (1.0 - weight) + sorted[upper] * weight
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinematics::tests::frame_with;
    use physalign_domain::Landmark;

    const SIZE: FrameSize = FrameSize::new(480, 480);

    /// A body at `knee_deg` on both knees (thigh horizontal, shank turned by the angle), filmed
    /// side-on, or from the front when `frontal` (shoulders and hips wide apart).
    fn knees_at(knee_deg: f32, t_ms: i64, frontal: bool) -> PoseFrame {
        let half = if frontal { 0.12 } else { 0.02 };
        let bend = (180.0 - knee_deg).to_radians();
        let (kx, ky) = (0.65, 0.6);
        let (ax, ay) = (kx + 0.25 * bend.cos() - 0.25, ky + 0.25 * bend.sin());
        let mut frame = frame_with(&[
            (L::LeftShoulder, 0.5 + half, 0.3),
            (L::RightShoulder, 0.5 - half, 0.3),
            (L::LeftHip, 0.4 + half * 0.7, 0.6),
            (L::RightHip, 0.4 - half * 0.7, 0.6),
            (L::LeftKnee, kx + half * 0.7, ky),
            (L::RightKnee, kx - half * 0.7, ky),
            (L::LeftAnkle, ax + 0.25 + half * 0.7, ay),
            (L::RightAnkle, ax + 0.25 - half * 0.7, ay),
        ]);
        frame.timestamp_ms = t_ms;
        frame
    }

    fn frames(angles: impl Iterator<Item = f32>, frontal: bool) -> Vec<PoseFrame> {
        angles
            .enumerate()
            .map(|(i, a)| knees_at(a, i as i64 * 33, frontal))
            .collect()
    }

    fn left(reading: &GoniometerReading) -> &SideReading {
        &reading.sides[Side::Left.index()]
    }

    #[test]
    fn a_still_hold_side_on_reads_its_angle_on_both_sides() {
        // Two seconds at 90 degrees with a degree of tremor.
        let hold = frames((0..60).map(|i| 90.0 + (i % 3) as f32 - 1.0), false);
        let reading = read_hold(&hold, SIZE, GoniometerJoint::Knee, &Default::default());
        assert_eq!(reading.view, DetectedView::Side);
        for side in &reading.sides {
            let angle = side.angle_deg.expect("measured");
            assert!((angle - 90.0).abs() < 1.0, "{side:?}");
            assert!(side.reliable(), "{side:?}");
            assert!(side.held_s > 1.8, "{side:?}");
            assert!(side.confidence > 0.9);
        }
    }

    #[test]
    fn the_hold_is_found_between_movements() {
        // Bend from 170 to 100 in a second, hold 1.5 s at 100, straighten again.
        let bend = (0..30).map(|i| 170.0 - 70.0 * i as f32 / 29.0);
        let hold = std::iter::repeat_n(100.0, 45);
        let rise = (0..30).map(|i| 100.0 + 70.0 * i as f32 / 29.0);
        let reading = read_hold(
            &frames(bend.chain(hold).chain(rise), false),
            SIZE,
            GoniometerJoint::Knee,
            &Default::default(),
        );
        let side = left(&reading);
        assert!((side.angle_deg.unwrap() - 100.0).abs() < 0.5, "{side:?}");
        assert!((1.4..=1.8).contains(&side.held_s), "{side:?}");
        assert!(side.reliable(), "{side:?}");
    }

    #[test]
    fn standing_still_before_and_after_is_not_the_hold() {
        // Stand 1.5 s, bend to 100 and hold 1.2 s (a little less still than the standing), stand
        // again: the hold is the still stretch away from the starting posture.
        let stand = || std::iter::repeat_n(178.0, 45);
        let down = (0..20).map(|i| 178.0 - 78.0 * i as f32 / 19.0);
        let hold = (0..36).map(|i| 100.0 + (i % 4) as f32);
        let up = (0..20).map(|i| 100.0 + 78.0 * i as f32 / 19.0);
        let angles = stand().chain(down).chain(hold).chain(up).chain(stand());
        let reading = read_hold(
            &frames(angles, false),
            SIZE,
            GoniometerJoint::Knee,
            &Default::default(),
        );
        let side = left(&reading);
        assert!((side.angle_deg.unwrap() - 101.5).abs() < 1.5, "{side:?}");
        assert!(side.reliable(), "{side:?}");
    }

    #[test]
    fn a_joint_that_never_stops_is_not_steady() {
        let sweep = (0..60).map(|i| 90.0 + 80.0 * i as f32 / 59.0);
        let reading = read_hold(
            &frames(sweep, false),
            SIZE,
            GoniometerJoint::Knee,
            &Default::default(),
        );
        assert!(left(&reading)
            .warnings
            .contains(&GoniometerWarning::NotSteady));
    }

    #[test]
    fn knee_flexion_filmed_from_the_front_is_flagged() {
        let hold = frames(std::iter::repeat_n(90.0, 60), true);
        let reading = read_hold(&hold, SIZE, GoniometerJoint::Knee, &Default::default());
        assert_eq!(reading.view, DetectedView::Front);
        assert!(left(&reading)
            .warnings
            .contains(&GoniometerWarning::ViewAcrossPlane));
        // Abduction moves in the plane a frontal camera sees.
        let abduction = read_hold(
            &hold,
            SIZE,
            GoniometerJoint::HipAbduction,
            &Default::default(),
        );
        assert!(!left(&abduction)
            .warnings
            .contains(&GoniometerWarning::ViewAcrossPlane));
    }

    #[test]
    fn a_limb_pointing_at_the_camera_is_foreshortened() {
        // The picture shows a straight-looking leg (shank hidden behind the knee's line) while
        // the 3-D landmarks bend it to 90 degrees towards the camera.
        let mut hold = frames(std::iter::repeat_n(170.0, 60), false);
        for frame in &mut hold {
            let world = |kind: L, x: f32, y: f32, z: f32| Landmark {
                kind,
                x,
                y,
                z,
                visibility: 0.99,
                presence: 1.0,
            };
            let mut w: Vec<Landmark> = frame.landmarks.clone();
            for (kind, x, y, z) in [
                (L::LeftHip, 0.0, 0.0, 0.0),
                (L::LeftKnee, 0.4, 0.0, 0.0),
                (L::LeftAnkle, 0.4, 0.0, -0.4),
                (L::RightHip, 0.0, 0.0, 0.1),
                (L::RightKnee, 0.4, 0.0, 0.1),
                (L::RightAnkle, 0.4, 0.0, -0.3),
            ] {
                w[kind.index()] = world(kind, x, y, z);
            }
            frame.world_landmarks = w;
        }
        let reading = read_hold(&hold, SIZE, GoniometerJoint::Knee, &Default::default());
        let side = left(&reading);
        assert!((side.angle_deg.unwrap() - 90.0).abs() < 1.0, "{side:?}");
        assert_eq!(side.source, Some(Source::World));
        assert!((side.tilt_deg.unwrap() - 90.0).abs() < 1.0, "{side:?}");
        assert!(
            (side.image_angle_deg.unwrap() - 170.0).abs() < 1.0,
            "{side:?}"
        );
        assert!(side.warnings.contains(&GoniometerWarning::Foreshortened));
    }

    #[test]
    fn a_limb_across_the_picture_is_read_off_the_picture() {
        // Side-on, the leg in the picture plane: the 3-D estimate says 85 with the shank tilted
        // 10 degrees out of the picture, the picture says 90; the picture is read.
        let mut hold = frames(std::iter::repeat_n(90.0, 60), false);
        let tilt = 10f32.to_radians();
        let bend = 85f32.to_radians();
        for frame in &mut hold {
            let mut world: Vec<Landmark> = frame.landmarks.clone();
            for (kind, x, y, z) in [
                (L::LeftHip, -0.4, 0.0, 0.0),
                (L::LeftKnee, 0.0, 0.0, 0.0),
                (
                    L::LeftAnkle,
                    -0.4 * bend.cos() * tilt.cos(),
                    0.4 * bend.sin() * tilt.cos(),
                    0.4 * tilt.sin(),
                ),
            ] {
                world[kind.index()] = Landmark {
                    kind,
                    x,
                    y,
                    z,
                    visibility: 0.99,
                    presence: 1.0,
                };
            }
            frame.world_landmarks = world;
        }
        let reading = read_hold(&hold, SIZE, GoniometerJoint::Knee, &Default::default());
        let side = left(&reading);
        assert_eq!(side.source, Some(Source::Image), "{side:?}");
        assert!((side.angle_deg.unwrap() - 90.0).abs() < 1.0, "{side:?}");
        assert!(
            (side.world_angle_deg.unwrap() - 90.0).abs() > 3.0,
            "{side:?}"
        );
        assert!((side.tilt_deg.unwrap() - 10.0).abs() < 1.0, "{side:?}");
        assert!(side.reliable(), "{side:?}");
    }

    #[test]
    fn too_short_and_unseen_sides_are_said() {
        let short = frames(std::iter::repeat_n(90.0, 10), false);
        let reading = read_hold(&short, SIZE, GoniometerJoint::Knee, &Default::default());
        assert_eq!(left(&reading).warnings, [GoniometerWarning::TooShort]);
        assert_eq!(left(&reading).angle_deg, None);

        let mut hidden = frames(std::iter::repeat_n(90.0, 60), false);
        for frame in &mut hidden {
            frame.landmarks[L::RightKnee.index()].visibility = 0.1;
        }
        let reading = read_hold(&hidden, SIZE, GoniometerJoint::Knee, &Default::default());
        assert_eq!(
            reading.sides[Side::Right.index()].warnings,
            [GoniometerWarning::SideNotSeen]
        );
        assert!(left(&reading).reliable());
    }

    #[test]
    fn joint_names_parse() {
        for joint in GoniometerJoint::ALL {
            assert_eq!(joint.name().parse::<GoniometerJoint>().unwrap(), joint);
        }
        assert_eq!(
            "Shoulder-Abduction".parse::<GoniometerJoint>().unwrap(),
            GoniometerJoint::ShoulderAbduction
        );
        assert!("wrist".parse::<GoniometerJoint>().is_err());
    }
}
