//! Video tracking: the landmark model follows the person from frame to frame using the region
//! predicted by the previous frame; the detector runs only when tracking is lost.

use crate::estimator::{PoseEstimator, MIN_PRESENCE};
use crate::geometry::Roi;
use crate::{PoseConfig, VisionError};
use image::RgbImage;
use physalign_domain::PoseFrame;

/// An estimator plus the region carried over from the previous frame.
pub struct PoseTracker {
    estimator: PoseEstimator,
    roi: Option<Roi>,
}

impl PoseTracker {
    /// Loads the models of `config`.
    pub fn new(config: &PoseConfig) -> Result<Self, VisionError> {
        Ok(Self::with_estimator(PoseEstimator::new(config)?))
    }

    /// Tracks with an existing estimator.
    pub fn with_estimator(estimator: PoseEstimator) -> Self {
        Self {
            estimator,
            roi: None,
        }
    }

    /// The underlying estimator (for its counters).
    pub fn estimator(&self) -> &PoseEstimator {
        &self.estimator
    }

    /// Forgets the tracked person: the next frame runs the detector.
    pub fn reset(&mut self) {
        self.roi = None;
    }

    /// Estimates the pose in the next frame. Frames must come in presentation order.
    pub fn process(
        &mut self,
        image: &RgbImage,
        timestamp_ms: i64,
    ) -> Result<PoseFrame, VisionError> {
        let empty = PoseFrame {
            timestamp_ms,
            landmarks: Vec::new(),
            world_landmarks: Vec::new(),
        };
        let roi = match self.roi {
            Some(roi) => roi,
            None => match self.estimator.detect(image)?.into_iter().next() {
                Some(detection) => detection.roi(),
                None => return Ok(empty),
            },
        };
        let region = self.estimator.landmarks_in(image, &roi)?;
        if region.presence < MIN_PRESENCE {
            self.roi = None;
            return Ok(empty);
        }
        self.roi = Some(region.next_roi);
        Ok(PoseFrame {
            timestamp_ms,
            landmarks: region.landmarks,
            world_landmarks: region.world_landmarks,
        })
    }
}
