//! The 33 BlazePose landmarks and one observed landmark.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Number of body landmarks BlazePose predicts.
pub const LANDMARK_COUNT: usize = 33;

/// The bones drawn for a skeleton, as pairs of landmark indices (BlazePose topology without the
/// face outline, which is noise at a distance).
#[rustfmt::skip]
pub const SKELETON_BONES: [(usize, usize); 24] = [
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30),
    (30, 32), (28, 32), (15, 17), (15, 19), (15, 21), (16, 18), (16, 20), (16, 22),
];

/// A BlazePose body landmark, in the model's output order.
///
/// Serialised as seed 003 writes it: `LEFT_SHOULDER`.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LandmarkType {
    Nose,
    LeftEyeInner,
    LeftEye,
    LeftEyeOuter,
    RightEyeInner,
    RightEye,
    RightEyeOuter,
    LeftEar,
    RightEar,
    MouthLeft,
    MouthRight,
    LeftShoulder,
    RightShoulder,
    LeftElbow,
    RightElbow,
    LeftWrist,
    RightWrist,
    LeftPinky,
    RightPinky,
    LeftIndex,
    RightIndex,
    LeftThumb,
    RightThumb,
    LeftHip,
    RightHip,
    LeftKnee,
    RightKnee,
    LeftAnkle,
    RightAnkle,
    LeftHeel,
    RightHeel,
    LeftFootIndex,
    RightFootIndex,
}

impl LandmarkType {
    /// All landmarks in model output order (index `i` is the model's landmark `i`).
    pub const ALL: [LandmarkType; LANDMARK_COUNT] = [
        Self::Nose,
        Self::LeftEyeInner,
        Self::LeftEye,
        Self::LeftEyeOuter,
        Self::RightEyeInner,
        Self::RightEye,
        Self::RightEyeOuter,
        Self::LeftEar,
        Self::RightEar,
        Self::MouthLeft,
        Self::MouthRight,
        Self::LeftShoulder,
        Self::RightShoulder,
        Self::LeftElbow,
        Self::RightElbow,
        Self::LeftWrist,
        Self::RightWrist,
        Self::LeftPinky,
        Self::RightPinky,
        Self::LeftIndex,
        Self::RightIndex,
        Self::LeftThumb,
        Self::RightThumb,
        Self::LeftHip,
        Self::RightHip,
        Self::LeftKnee,
        Self::RightKnee,
        Self::LeftAnkle,
        Self::RightAnkle,
        Self::LeftHeel,
        Self::RightHeel,
        Self::LeftFootIndex,
        Self::RightFootIndex,
    ];

    /// The model's output index of this landmark.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The landmark at model output index `i`, if any.
    pub fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }

    /// The name as seed 003 writes it, e.g. `LEFT_SHOULDER`.
    pub fn name(self) -> &'static str {
        LANDMARK_NAMES[self.index()]
    }
}

const LANDMARK_NAMES: [&str; LANDMARK_COUNT] = [
    "NOSE",
    "LEFT_EYE_INNER",
    "LEFT_EYE",
    "LEFT_EYE_OUTER",
    "RIGHT_EYE_INNER",
    "RIGHT_EYE",
    "RIGHT_EYE_OUTER",
    "LEFT_EAR",
    "RIGHT_EAR",
    "MOUTH_LEFT",
    "MOUTH_RIGHT",
    "LEFT_SHOULDER",
    "RIGHT_SHOULDER",
    "LEFT_ELBOW",
    "RIGHT_ELBOW",
    "LEFT_WRIST",
    "RIGHT_WRIST",
    "LEFT_PINKY",
    "RIGHT_PINKY",
    "LEFT_INDEX",
    "RIGHT_INDEX",
    "LEFT_THUMB",
    "RIGHT_THUMB",
    "LEFT_HIP",
    "RIGHT_HIP",
    "LEFT_KNEE",
    "RIGHT_KNEE",
    "LEFT_ANKLE",
    "RIGHT_ANKLE",
    "LEFT_HEEL",
    "RIGHT_HEEL",
    "LEFT_FOOT_INDEX",
    "RIGHT_FOOT_INDEX",
];

impl fmt::Display for LandmarkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A landmark name that is not one of BlazePose's 33.
#[derive(Debug, thiserror::Error)]
#[error("unknown landmark name {0:?}")]
pub struct UnknownLandmark(pub String);

impl FromStr for LandmarkType {
    type Err = UnknownLandmark;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LANDMARK_NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(s))
            .and_then(Self::from_index)
            .ok_or_else(|| UnknownLandmark(s.to_string()))
    }
}

/// One observed landmark.
///
/// For image landmarks `x` and `y` are normalised to the image width and height (0..1, may fall
/// outside when the joint is out of view) and `z` is depth on roughly the scale of `x`, smaller
/// is nearer the camera. For world landmarks `x`, `y`, `z` are metres from the hip centre.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Landmark {
    /// Which landmark this is.
    #[serde(rename = "type")]
    pub kind: LandmarkType,
    /// Horizontal position.
    pub x: f32,
    /// Vertical position (down is positive).
    pub y: f32,
    /// Depth.
    pub z: f32,
    /// Probability (0..1) that the landmark is visible, not occluded.
    pub visibility: f32,
    /// Probability (0..1) that the landmark is inside the frame.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub presence: f32,
}

fn one() -> f32 {
    1.0
}

fn is_one(v: &f32) -> bool {
    *v == 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_model_order() {
        for (i, kind) in LandmarkType::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(kind.name().parse::<LandmarkType>().unwrap(), *kind);
        }
        assert_eq!(LandmarkType::LeftShoulder.name(), "LEFT_SHOULDER");
        assert_eq!(LandmarkType::RightFootIndex.index(), 32);
        assert!("LEFT_TOE".parse::<LandmarkType>().is_err());
    }

    #[test]
    fn landmark_json_matches_seed_003() {
        let json = r#"{"type":"LEFT_SHOULDER","x":0.45,"y":0.32,"z":0.1,"visibility":0.98}"#;
        let lm: Landmark = serde_json::from_str(json).unwrap();
        assert_eq!(lm.kind, LandmarkType::LeftShoulder);
        assert_eq!(lm.presence, 1.0);
        assert_eq!(serde_json::to_string(&lm).unwrap(), json);
    }
}
