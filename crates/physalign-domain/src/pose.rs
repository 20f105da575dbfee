//! Pose estimates for a still image and for one video frame.

use crate::Landmark;
use serde::{Deserialize, Serialize};

/// One person found in an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonPose {
    /// Detector or tracker confidence (0..1) that this is a person.
    pub score: f32,
    /// The 33 image landmarks, normalised to the image size.
    pub landmarks: Vec<Landmark>,
    /// The 33 world landmarks in metres, hip centre at the origin.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub world_landmarks: Vec<Landmark>,
}

/// The pose in one frame of a video. Empty landmark lists mean nobody was found in the frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoseFrame {
    /// Presentation time of the frame from the start of the stream, in milliseconds.
    pub timestamp_ms: i64,
    /// Image landmarks (33, or none when nobody is in view).
    pub landmarks: Vec<Landmark>,
    /// World landmarks in metres (33, or none when nobody is in view).
    pub world_landmarks: Vec<Landmark>,
}

impl PoseFrame {
    /// Whether a person was found in this frame.
    pub fn has_person(&self) -> bool {
        !self.landmarks.is_empty()
    }
}
