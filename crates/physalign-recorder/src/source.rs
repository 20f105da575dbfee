//! Where frames come from: a video file (played in real time like a camera, or as fast as the
//! model goes for an import) or a webcam.

use crate::RecorderError;
use physalign_vision::{VideoFrame, VideoReader, VisionError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
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
    /// When the last frame returned was captured, where the source knows better than the
    /// moment it was read: a file played in real time says when the frame was due on the
    /// video's clock, so a recording that falls behind counts its backlog as latency.
    fn captured_at(&self) -> Option<Instant> {
        None
    }
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
///
/// Where this process may use two or more cores, decoding runs on a thread of its own, up to
/// [`DECODE_AHEAD`] frames ahead of the pose model, so the two stages overlap; on one core it
/// runs inline (a second thread would only add switching).
pub struct VideoFileSource {
    path: PathBuf,
    frames: Frames,
    info: SourceInfo,
    real_time: bool,
    /// Wall-clock instant that corresponds to the stream's time zero (moved on resume).
    clock_origin: Option<Instant>,
    paused_at: Option<Instant>,
    /// When the last frame was due on the video's clock (paced sources only).
    captured_at: Option<Instant>,
}

/// Decoded frames a decoding thread may hold ready before the pose model takes them.
pub const DECODE_AHEAD: usize = 2;

/// Where the decoded frames come from.
enum Frames {
    /// Decoded on the reading thread.
    Inline(Box<VideoReader>),
    /// Decoded on a thread of its own (which ends when this receiver is dropped).
    Staged(Receiver<Result<VideoFrame, VisionError>>),
}

impl Frames {
    fn next(&mut self) -> Option<Result<VideoFrame, VisionError>> {
        match self {
            Self::Inline(reader) => reader.next(),
            Self::Staged(frames) => frames.recv().ok(),
        }
    }
}

/// Whether decoding gets a thread of its own: only where this process may run on two or more
/// cores (the affinity mask counts, so `taskset -c 0` means inline).
pub fn decodes_on_own_thread() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

impl VideoFileSource {
    /// Opens `path`; with `real_time` the frames are delivered no faster than the video plays.
    pub fn open(path: &Path, real_time: bool) -> Result<Self, RecorderError> {
        Self::open_with(path, real_time, decodes_on_own_thread())
    }

    /// Opens `path`, decoding on a thread of its own when `staged`.
    pub fn open_with(path: &Path, real_time: bool, staged: bool) -> Result<Self, RecorderError> {
        let video_error = |reason| RecorderError::Video {
            path: path.to_path_buf(),
            reason,
        };
        let (video, frames) = if staged {
            // The decoder is not `Send`: the thread opens its own and reports what it found.
            let (info_tx, info_rx) = mpsc::sync_channel(1);
            let (frame_tx, frame_rx) = mpsc::sync_channel(DECODE_AHEAD);
            let thread_path = path.to_path_buf();
            std::thread::Builder::new()
                .name("video decoding".into())
                .spawn(move || {
                    let reader = match VideoReader::open(&thread_path) {
                        Ok(reader) => reader,
                        Err(e) => {
                            let _ = info_tx.send(Err(e));
                            return;
                        }
                    };
                    if info_tx.send(Ok(reader.info().clone())).is_err() {
                        return;
                    }
                    for frame in reader {
                        if frame_tx.send(frame).is_err() {
                            return;
                        }
                    }
                })
                .map_err(|e| {
                    RecorderError::Worker(format!("cannot start the decoding thread: {e}"))
                })?;
            let video = info_rx.recv().map_err(|_| {
                RecorderError::Worker("the decoding thread ended before opening the video".into())
            })?;
            (video.map_err(video_error)?, Frames::Staged(frame_rx))
        } else {
            let reader = VideoReader::open(path).map_err(video_error)?;
            (reader.info().clone(), Frames::Inline(Box::new(reader)))
        };
        let info = SourceInfo {
            width: video.width,
            height: video.height,
            fps: video.average_fps,
            duration_ms: Some(video.duration_ms),
            estimated_frames: Some(video.estimated_frames),
        };
        Ok(Self {
            path: path.to_path_buf(),
            frames,
            info,
            real_time,
            clock_origin: None,
            paused_at: None,
            captured_at: None,
        })
    }
}

impl FrameSource for VideoFileSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<VideoFrame>, RecorderError> {
        let frame = match self.frames.next() {
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
            self.captured_at = Some(origin + pts);
        }
        Ok(Some(frame))
    }

    fn captured_at(&self) -> Option<Instant> {
        self.captured_at
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
