//! Where frames come from: a video file (played in real time like a camera, or as fast as the
//! model goes for an import) or a webcam.

use crate::RecorderError;
use physalign_vision::{VideoFrame, VideoReader};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the user chose to record from.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceSpec {
    /// A webcam by its index in [`crate::camera::list_cameras`].
    Camera {
        /// Index of the camera.
        index: u32,
    },
    /// A recorded video file.
    VideoFile {
        /// The file.
        path: PathBuf,
        /// Play at the video's own speed, as a camera would deliver it (the live screen);
        /// otherwise analyse as fast as possible (an import).
        #[serde(default)]
        real_time: bool,
    },
}

impl SourceSpec {
    /// How the source is written in the session's `source` column, e.g. `camera:0`.
    pub fn label(&self) -> String {
        match self {
            Self::Camera { index } => format!("camera:{index}"),
            Self::VideoFile { path, .. } => path.display().to_string(),
        }
    }
}

/// Facts about an opened source.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SourceInfo {
    /// Frame width in pixels (upright).
    pub width: u32,
    /// Frame height in pixels (upright).
    pub height: u32,
    /// Nominal frames per second (0 when unknown).
    pub fps: f64,
    /// Duration for files, in milliseconds (`None` for a live camera).
    pub duration_ms: Option<i64>,
    /// Estimated number of frames for files (`None` for a live camera).
    pub estimated_frames: Option<u64>,
}

/// A stream of upright RGB frames in presentation order.
pub trait FrameSource {
    /// Size, rate and length.
    fn info(&self) -> &SourceInfo;
    /// The next frame, or `None` at the end.
    fn next_frame(&mut self) -> Result<Option<VideoFrame>, RecorderError>;
    /// Called when the recording is paused (no frames are read until [`FrameSource::resume`]);
    /// a paced file stops its clock.
    fn pause(&mut self) {}
    /// Called when the recording resumes.
    fn resume(&mut self) {}
}

/// Opens the source the user chose.
pub fn open_source(spec: &SourceSpec) -> Result<Box<dyn FrameSource>, RecorderError> {
    match spec {
        SourceSpec::VideoFile { path, real_time } => {
            Ok(Box::new(VideoFileSource::open(path, *real_time)?))
        }
        SourceSpec::Camera { index } => crate::camera::open_camera(*index),
    }
}

/// Frames of a video file, optionally paced to the video's clock.
pub struct VideoFileSource {
    path: PathBuf,
    reader: VideoReader,
    info: SourceInfo,
    real_time: bool,
    /// Wall-clock instant that corresponds to the stream's time zero (moved on resume).
    clock_origin: Option<Instant>,
    paused_at: Option<Instant>,
}

impl VideoFileSource {
    /// Opens `path`; with `real_time` the frames are delivered no faster than the video plays.
    pub fn open(path: &Path, real_time: bool) -> Result<Self, RecorderError> {
        let reader = VideoReader::open(path).map_err(|reason| RecorderError::Video {
            path: path.to_path_buf(),
            reason,
        })?;
        let v = reader.info();
        let info = SourceInfo {
            width: v.width,
            height: v.height,
            fps: v.average_fps,
            duration_ms: Some(v.duration_ms),
            estimated_frames: Some(v.estimated_frames),
        };
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            info,
            real_time,
            clock_origin: None,
            paused_at: None,
        })
    }
}

impl FrameSource for VideoFileSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<VideoFrame>, RecorderError> {
        let frame = match self.reader.next() {
            None => return Ok(None),
            Some(Err(reason)) => {
                return Err(RecorderError::Video {
                    path: self.path.clone(),
                    reason,
                })
            }
            Some(Ok(frame)) => frame,
        };
        if self.real_time {
            let pts = Duration::from_millis(frame.timestamp_ms.max(0) as u64);
            let origin = *self
                .clock_origin
                .get_or_insert_with(|| Instant::now() - pts);
            // Behind schedule (a slow machine) means no wait: every frame is still analysed.
            if let Some(wait) = (origin + pts).checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        Ok(Some(frame))
    }

    fn pause(&mut self) {
        self.paused_at = Some(Instant::now());
    }

    fn resume(&mut self) {
        if let (Some(paused_at), Some(origin)) = (self.paused_at.take(), self.clock_origin) {
            self.clock_origin = Some(origin + paused_at.elapsed());
        }
    }
}
