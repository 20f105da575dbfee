//! The per-frame measurements: joint angles and a few derived body-line measures.
//!
//! Convention (all in degrees):
//! - `knee_*`, `hip_*`, `elbow_*`, `ankle_*`: included angle at the joint, 180 = straight
//!   (knee 90 at a parallel squat; hip = shoulder-hip-knee; ankle = knee-ankle-toe, smaller = more
//!   dorsiflexion).
//! - `shoulder_abduction_*`, `shoulder_flexion_*`: upper arm against the trunk in the frontal and
//!   sagittal plane, 0 = arm hanging, 90 = horizontal, 180 = overhead.
//! - `trunk_lean`: hip-centre to shoulder-centre line against vertical, 0 = upright.
//! - `knee_valgus_*`: frontal-view deviation of the knee from the hip-ankle line, positive = knee
//!   caving inwards; only measured when the body faces the camera.
//! - `heel_lift_*`: heel-to-toe line against the image horizontal, positive = heel above the toe.
//! - `body_line_*`: shoulder-hip-ankle deviation from a straight line, positive = hips piked up,
//!   negative = hips sagging.
//! - `shoulder_shrug_*` (not an angle): vertical ear-to-shoulder gap divided by shoulder width;
//!   it shrinks when the shoulders are shrugged.
//! - `hip_abduction_*`: thigh against the trunk axis in the frontal plane, 0 = leg hanging
//!   straight down, positive as the leg moves out to the side.
//! - `neck_rotation_*`: head turned towards that side (yaw from the nose between the ears),
//!   0 = facing forwards; the other direction reads 0.
//! - `foot_lift_*` (not an angle): how far this ankle is above the other, in percent of the
//!   hip-to-ankle length (0 = both feet on the floor).
//! - `ankle_spread` (not an angle): horizontal distance between the ankles in percent of the
//!   hip-to-ankle length (the stride while walking).
//! - `heel_height_*` (not an angle): heel above the toes, in percent of the hip-to-ankle length;
//!   it rises on the toes, and unlike the ankle angle it is seen from the front and from behind.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One measured quantity per frame.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Metric {
    KneeLeft,
    KneeRight,
    HipLeft,
    HipRight,
    ElbowLeft,
    ElbowRight,
    ShoulderAbductionLeft,
    ShoulderAbductionRight,
    ShoulderFlexionLeft,
    ShoulderFlexionRight,
    AnkleLeft,
    AnkleRight,
    TrunkLean,
    KneeValgusLeft,
    KneeValgusRight,
    HeelLiftLeft,
    HeelLiftRight,
    BodyLineLeft,
    BodyLineRight,
    ShoulderShrugLeft,
    ShoulderShrugRight,
    HipAbductionLeft,
    HipAbductionRight,
    NeckRotationLeft,
    NeckRotationRight,
    FootLiftLeft,
    FootLiftRight,
    AnkleSpread,
    HeelHeightLeft,
    HeelHeightRight,
}

/// Number of metrics.
pub const METRIC_COUNT: usize = 30;

const NAMES: [&str; METRIC_COUNT] = [
    "knee_left",
    "knee_right",
    "hip_left",
    "hip_right",
    "elbow_left",
    "elbow_right",
    "shoulder_abduction_left",
    "shoulder_abduction_right",
    "shoulder_flexion_left",
    "shoulder_flexion_right",
    "ankle_left",
    "ankle_right",
    "trunk_lean",
    "knee_valgus_left",
    "knee_valgus_right",
    "heel_lift_left",
    "heel_lift_right",
    "body_line_left",
    "body_line_right",
    "shoulder_shrug_left",
    "shoulder_shrug_right",
    "hip_abduction_left",
    "hip_abduction_right",
    "neck_rotation_left",
    "neck_rotation_right",
    "foot_lift_left",
    "foot_lift_right",
    "ankle_spread",
    "heel_height_left",
    "heel_height_right",
];

impl Metric {
    /// Every metric, in index order.
    pub const ALL: [Metric; METRIC_COUNT] = [
        Self::KneeLeft,
        Self::KneeRight,
        Self::HipLeft,
        Self::HipRight,
        Self::ElbowLeft,
        Self::ElbowRight,
        Self::ShoulderAbductionLeft,
        Self::ShoulderAbductionRight,
        Self::ShoulderFlexionLeft,
        Self::ShoulderFlexionRight,
        Self::AnkleLeft,
        Self::AnkleRight,
        Self::TrunkLean,
        Self::KneeValgusLeft,
        Self::KneeValgusRight,
        Self::HeelLiftLeft,
        Self::HeelLiftRight,
        Self::BodyLineLeft,
        Self::BodyLineRight,
        Self::ShoulderShrugLeft,
        Self::ShoulderShrugRight,
        Self::HipAbductionLeft,
        Self::HipAbductionRight,
        Self::NeckRotationLeft,
        Self::NeckRotationRight,
        Self::FootLiftLeft,
        Self::FootLiftRight,
        Self::AnkleSpread,
        Self::HeelHeightLeft,
        Self::HeelHeightRight,
    ];

    /// Position in [`Metric::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name used in JSON, e.g. `knee_left`.
    pub fn name(self) -> &'static str {
        NAMES[self.index()]
    }

    /// Whether the value is an angle in degrees (everything but the ratios: shrug, foot lift,
    /// ankle spread).
    pub fn is_angle(self) -> bool {
        !matches!(
            self,
            Self::ShoulderShrugLeft
                | Self::ShoulderShrugRight
                | Self::FootLiftLeft
                | Self::FootLiftRight
                | Self::AnkleSpread
                | Self::HeelHeightLeft
                | Self::HeelHeightRight
        )
    }

    /// The body side this metric belongs to, `None` for unsided metrics.
    pub fn side(self) -> Option<Side> {
        let name = self.name();
        if name.ends_with("_left") {
            Some(Side::Left)
        } else if name.ends_with("_right") {
            Some(Side::Right)
        } else {
            None
        }
    }

    /// The metric for `base` (e.g. `knee`) and a side, or the unsided metric (`trunk_lean`).
    pub fn resolve(base: &str, side: Option<Side>) -> Option<Metric> {
        // Called per frame: compared in place, without building the name.
        NAMES
            .iter()
            .position(|name| match side {
                None => *name == base,
                Some(side) => name
                    .strip_prefix(base)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .is_some_and(|suffix| suffix == side.suffix()),
            })
            .map(|i| Self::ALL[i])
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A metric name that does not exist.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown metric {0:?}; expected one of: {names}", names = NAMES.join(", "))]
pub struct UnknownMetric(pub String);

impl FromStr for Metric {
    type Err = UnknownMetric;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| UnknownMetric(s.to_string()))
    }
}

impl Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Metric {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Body side.
#[allow(missing_docs)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
}

impl Side {
    /// Both sides, left first.
    pub const BOTH: [Side; 2] = [Side::Left, Side::Right];

    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }

    /// 0 for left, 1 for right (index into per-side arrays).
    pub fn index(self) -> usize {
        match self {
            Side::Left => 0,
            Side::Right => 1,
        }
    }

    /// `left` or `right`.
    pub fn suffix(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// Where a value was computed from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 3D world landmarks (metres).
    World,
    /// 2D image landmarks scaled to pixels.
    Image,
    /// Filled in by interpolation across a short gap.
    Interpolated,
}

/// One value per metric; `None` where the joints were not visible enough to measure.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MetricValues {
    values: [Option<f32>; METRIC_COUNT],
    sources: [Option<Source>; METRIC_COUNT],
}

impl MetricValues {
    /// The value of `metric`, if measured.
    pub fn get(&self, metric: Metric) -> Option<f32> {
        self.values[metric.index()]
    }

    /// Where the value of `metric` came from, if measured.
    pub fn source(&self, metric: Metric) -> Option<Source> {
        self.sources[metric.index()]
    }

    /// Sets (or clears) a value.
    pub fn set(&mut self, metric: Metric, value: Option<f32>, source: Source) {
        let value = value.filter(|v| v.is_finite());
        self.values[metric.index()] = value;
        self.sources[metric.index()] = value.map(|_| source);
    }

    /// Measured metrics and their values.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, f32)> + '_ {
        Metric::ALL
            .iter()
            .filter_map(|m| self.values[m.index()].map(|v| (*m, v)))
    }
}

/// Serialised as `{"knee_left": 92.3, ...}` with the measured metrics only.
impl Serialize for MetricValues {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for (m, v) in self.iter() {
            map.serialize_entry(m.name(), &((v as f64 * 10.0).round() / 10.0))?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_resolve() {
        for (i, m) in Metric::ALL.iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(m.name().parse::<Metric>().unwrap(), *m);
        }
        assert_eq!(
            Metric::resolve("knee", Some(Side::Left)),
            Some(Metric::KneeLeft)
        );
        assert_eq!(Metric::resolve("trunk_lean", None), Some(Metric::TrunkLean));
        assert!("knee".parse::<Metric>().is_err());
    }
}
