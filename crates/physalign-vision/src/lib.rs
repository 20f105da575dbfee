//! On-device pose estimation for PhysAlign.
//!
//! BlazePose (MediaPipe's person detector and landmark model, converted to ONNX and run with ONNX
//! Runtime) on still images and on videos decoded with FFmpeg. In videos the landmark model
//! tracks the person from the region its previous output predicts; the detector runs only when
//! tracking is lost. Models and the runtime library come from `physalign-models`.

pub mod coco;
mod detector;
mod error;
mod estimator;
pub mod geometry;
mod landmarker;
mod model;
pub mod runtime;
mod track;
mod tracker;
mod video;

pub use detector::Detection;
pub use error::VisionError;
pub use estimator::{InferenceCounts, PoseConfig, PoseEstimator, MIN_PRESENCE};
pub use landmarker::RegionLandmarks;
pub use physalign_domain::{Landmark, LandmarkType, PersonPose, PoseFrame};
pub use physalign_models::PoseVariant;
pub use track::{track_reader, track_video, Progress, TrackSummary};
pub use tracker::PoseTracker;
pub use video::{VideoFrame, VideoInfo, VideoReader};

/// Reads a still image (JPEG or PNG) as RGB.
pub fn load_image(path: impl AsRef<std::path::Path>) -> Result<image::RgbImage, VisionError> {
    let path = path.as_ref();
    if !path.is_file() {
        return Err(VisionError::FileNotFound(path.to_path_buf()));
    }
    let image = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| VisionError::Image {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?
        .decode()
        .map_err(|e| VisionError::Image {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    Ok(image.to_rgb8())
}
