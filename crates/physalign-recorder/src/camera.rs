//! Webcams through nokhwa. Without the `camera` feature, or on a machine without a camera, the
//! list is empty and opening one is a clear [`RecorderError::NoCamera`].

use crate::source::{FrameSource, SourceInfo};
use crate::RecorderError;
use serde::Serialize;

/// A camera the user can pick.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CameraDevice {
    /// Index to pass to [`crate::SourceSpec::Camera`].
    pub index: u32,
    /// Name shown to the user.
    pub name: String,
    /// Driver details (e.g. the V4L2 device path).
    pub description: String,
}

/// The connected cameras; empty when there are none (not an error: the app offers video files).
pub fn list_cameras() -> Vec<CameraDevice> {
    imp::list()
}

/// Opens camera `index` at its highest frame rate.
pub fn open_camera(index: u32) -> Result<Box<dyn FrameSource>, RecorderError> {
    imp::open(index)
}

#[cfg(feature = "camera")]
mod imp {
    use super::*;
    use image::RgbImage;
    use nokhwa::pixel_format::RgbFormat;
    use nokhwa::utils::{ApiBackend, CameraIndex, RequestedFormat, RequestedFormatType};
    use nokhwa::Camera;
    use physalign_vision::VideoFrame;
    use std::time::Instant;

    pub fn list() -> Vec<CameraDevice> {
        match nokhwa::query(ApiBackend::Auto) {
            Ok(cameras) => cameras
                .into_iter()
                .filter_map(|c| {
                    let index = c.index().as_index().ok()?;
                    Some(CameraDevice {
                        index,
                        name: c.human_name(),
                        description: c.description().to_string(),
                    })
                })
                .collect(),
            Err(e) => {
                tracing::debug!("camera query failed: {e}");
                Vec::new()
            }
        }
    }

    pub fn open(index: u32) -> Result<Box<dyn FrameSource>, RecorderError> {
        if !list().iter().any(|c| c.index == index) {
            return Err(RecorderError::NoCamera(format!(" at index {index}")));
        }
        let format =
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
        let mut camera = Camera::new(CameraIndex::Index(index), format)
            .map_err(|e| RecorderError::Camera(e.to_string()))?;
        camera
            .open_stream()
            .map_err(|e| RecorderError::Camera(e.to_string()))?;
        let resolution = camera.resolution();
        let info = SourceInfo {
            width: resolution.width(),
            height: resolution.height(),
            fps: f64::from(camera.frame_rate()),
            duration_ms: None,
            estimated_frames: None,
        };
        Ok(Box::new(CameraSource {
            camera,
            info,
            started: Instant::now(),
        }))
    }

    struct CameraSource {
        camera: Camera,
        info: SourceInfo,
        started: Instant,
    }

    impl FrameSource for CameraSource {
        fn info(&self) -> &SourceInfo {
            &self.info
        }

        fn next_frame(&mut self) -> Result<Option<VideoFrame>, RecorderError> {
            let buffer = self
                .camera
                .frame()
                .map_err(|e| RecorderError::Camera(e.to_string()))?;
            let decoded = buffer
                .decode_image::<RgbFormat>()
                .map_err(|e| RecorderError::Camera(e.to_string()))?;
            let (width, height) = (decoded.width(), decoded.height());
            let image = RgbImage::from_raw(width, height, decoded.into_raw()).ok_or_else(|| {
                RecorderError::Camera("the camera delivered a short frame".into())
            })?;
            Ok(Some(VideoFrame {
                timestamp_ms: self.started.elapsed().as_millis() as i64,
                image,
            }))
        }
    }

    impl Drop for CameraSource {
        fn drop(&mut self) {
            let _ = self.camera.stop_stream();
        }
    }
}

#[cfg(not(feature = "camera"))]
mod imp {
    use super::*;

    pub fn list() -> Vec<CameraDevice> {
        Vec::new()
    }

    pub fn open(_index: u32) -> Result<Box<dyn FrameSource>, RecorderError> {
        Err(RecorderError::NoCamera(
            " (this build has no camera support)".into(),
        ))
    }
}
