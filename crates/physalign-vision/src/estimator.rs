//! The two-stage pose estimator: person detector, then landmark model on the person's region.

use crate::detector::{Detection, PoseDetector};
use crate::geometry::Roi;
use crate::landmarker::{Landmarker, RegionLandmarks};
use crate::VisionError;
use image::RgbImage;
use physalign_domain::PersonPose;
use physalign_models::PoseVariant;

/// Below this landmark-model presence score the region holds nobody (MediaPipe's
/// `min_tracking_confidence` default).
pub const MIN_PRESENCE: f32 = 0.5;

/// Model choice and CPU budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoseConfig {
    /// Landmark model size.
    pub variant: PoseVariant,
    /// Intra-op threads per model (inter-op is always 1, spinning off).
    pub threads: usize,
}

impl Default for PoseConfig {
    fn default() -> Self {
        Self {
            variant: PoseVariant::Full,
            threads: 1,
        }
    }
}

/// Counters of model invocations, to check that tracking avoids the detector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InferenceCounts {
    /// Detector runs.
    pub detector_runs: u64,
    /// Landmark model runs.
    pub landmark_runs: u64,
}

/// Loads the provisioned models and estimates poses in single images.
pub struct PoseEstimator {
    detector: PoseDetector,
    landmarker: Landmarker,
    config: PoseConfig,
    counts: InferenceCounts,
}

impl PoseEstimator {
    /// Loads ONNX Runtime and both models of the configured variant.
    pub fn new(config: &PoseConfig) -> Result<Self, VisionError> {
        let detector_path = physalign_models::pose_detector()?;
        let landmark_path = physalign_models::pose_landmarker(config.variant)?;
        Ok(Self {
            detector: PoseDetector::new(&detector_path, config.threads)?,
            landmarker: Landmarker::new(&landmark_path, config.threads)?,
            config: *config,
            counts: InferenceCounts::default(),
        })
    }

    /// The configuration the estimator was built with.
    pub fn config(&self) -> &PoseConfig {
        &self.config
    }

    /// How often each model has run so far.
    pub fn counts(&self) -> InferenceCounts {
        self.counts
    }

    /// The pose of the most confidently detected person, or an empty list when nobody is found.
    pub fn estimate_image(&mut self, image: &RgbImage) -> Result<Vec<PersonPose>, VisionError> {
        check_size(image)?;
        let Some(detection) = self.detect(image)?.into_iter().next() else {
            return Ok(Vec::new());
        };
        let region = self.landmarks_in(image, &detection.roi())?;
        Ok(to_person(region, detection.score).into_iter().collect())
    }

    /// Runs the person detector alone: people strongest first, in pixels.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        check_size(image)?;
        self.counts.detector_runs += 1;
        self.detector.detect(image)
    }

    /// Runs the landmark model on a given region (for tracking, or when the caller already
    /// knows where the person is).
    pub fn landmarks_in(
        &mut self,
        image: &RgbImage,
        roi: &Roi,
    ) -> Result<RegionLandmarks, VisionError> {
        check_size(image)?;
        self.counts.landmark_runs += 1;
        self.landmarker.run(image, roi)
    }
}

/// The person in a landmark result, if the model says one is present.
pub(crate) fn to_person(region: RegionLandmarks, score: f32) -> Option<PersonPose> {
    if region.presence < MIN_PRESENCE {
        return None;
    }
    Some(PersonPose {
        score,
        landmarks: region.landmarks,
        world_landmarks: region.world_landmarks,
    })
}

fn check_size(image: &RgbImage) -> Result<(), VisionError> {
    if image.width() == 0 || image.height() == 0 {
        return Err(VisionError::EmptyImage {
            width: image.width(),
            height: image.height(),
        });
    }
    Ok(())
}
