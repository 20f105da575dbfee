//! Convenience: track the pose through a whole video file.

use crate::{PoseConfig, PoseTracker, VideoReader, VisionError};
use physalign_domain::PoseFrame;
use std::path::Path;
use std::time::{Duration, Instant};

/// How far tracking has got, passed with every frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Frames processed so far, including the current one.
    pub frames_done: u64,
    /// Estimated total frames (0 when unknown; may be exceeded).
    pub frames_estimated: u64,
    /// Timestamp of the current frame in milliseconds.
    pub timestamp_ms: i64,
    /// Video duration in milliseconds (0 when unknown).
    pub duration_ms: i64,
}

impl Progress {
    /// Fraction done in 0..=1, from timestamps where known, else frame counts.
    pub fn fraction(&self) -> f64 {
        if self.duration_ms > 0 {
            (self.timestamp_ms as f64 / self.duration_ms as f64).clamp(0.0, 1.0)
        } else if self.frames_estimated > 0 {
            (self.frames_done as f64 / self.frames_estimated as f64).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Totals of one tracked video.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackSummary {
    /// Frames decoded and processed.
    pub frames: u64,
    /// Frames in which a person was found.
    pub frames_with_person: u64,
    /// How often the person detector ran (tracking avoids it while the person stays in view).
    pub detector_runs: u64,
    /// Upright frame width.
    pub width: u32,
    /// Upright frame height.
    pub height: u32,
    /// Wall-clock time spent, decoding included.
    pub elapsed: Duration,
}

impl TrackSummary {
    /// End-to-end frames per second.
    pub fn fps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.frames as f64 / secs
        } else {
            0.0
        }
    }
}

/// Decodes `path` and tracks the pose in every frame, calling `on_frame` as each is done.
pub fn track_video(
    path: impl AsRef<Path>,
    config: &PoseConfig,
    on_frame: impl FnMut(&PoseFrame, &Progress),
) -> Result<TrackSummary, VisionError> {
    let reader = VideoReader::open(path)?;
    let mut tracker = PoseTracker::new(config)?;
    track_reader(reader, &mut tracker, on_frame)
}

/// Tracks every frame of an open reader with an existing tracker.
pub fn track_reader(
    mut reader: VideoReader,
    tracker: &mut PoseTracker,
    mut on_frame: impl FnMut(&PoseFrame, &Progress),
) -> Result<TrackSummary, VisionError> {
    let started = Instant::now();
    let detector_before = tracker.estimator().counts().detector_runs;
    let info = reader.info().clone();
    let (mut frames, mut with_person) = (0u64, 0u64);
    for frame in &mut reader {
        let frame = frame?;
        let pose = tracker.process(&frame.image, frame.timestamp_ms)?;
        frames += 1;
        with_person += u64::from(pose.has_person());
        let progress = Progress {
            frames_done: frames,
            frames_estimated: info.estimated_frames,
            timestamp_ms: frame.timestamp_ms,
            duration_ms: info.duration_ms,
        };
        on_frame(&pose, &progress);
    }
    Ok(TrackSummary {
        frames,
        frames_with_person: with_person,
        detector_runs: tracker.estimator().counts().detector_runs - detector_before,
        width: info.width,
        height: info.height,
        elapsed: started.elapsed(),
    })
}
