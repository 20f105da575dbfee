//! What a running recording tells the screen. Every event is serialisable: the desktop app
//! forwards them to the webview unchanged.

use crate::preview::PreviewImage;
use crate::source::SourceInfo;
use physalign_analysis::target::TargetStatus;
use physalign_analysis::FrameAnalysis;
use serde::Serialize;
use uuid::Uuid;

/// An event of a recording, in the order they happen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RecorderEvent {
    /// The session exists in the local store and frames are flowing.
    Started {
        /// The new session.
        session_id: Uuid,
        /// The source's size and rate.
        source: SourceInfo,
        /// The exercise id.
        exercise_id: String,
        /// The exercise's display name.
        exercise_name: String,
        /// Prescribed repetitions, if any.
        target_reps: Option<u32>,
        /// The angle to reach at the working end, if the exercise has one.
        target_angle: Option<f32>,
        /// Tolerance around `target_angle`.
        target_tolerance: Option<f32>,
        /// Milliseconds from the start request to the first analysed frame is in the first
        /// [`RecorderEvent::Frame`]; this is the time spent loading models and opening the source.
        startup_ms: u64,
    },
    /// An analysed frame (sent at most at the preview rate, and always when something counted).
    Frame(Box<LiveFrame>),
    /// A phrase recognised from the microphone.
    Transcript {
        /// The session it belongs to.
        session_id: Uuid,
        /// Start from the start of the recording, ms.
        start_ms: u64,
        /// End, ms.
        end_ms: u64,
        /// The words.
        text: String,
    },
    /// The recording is paused.
    Paused {
        /// The session.
        session_id: Uuid,
    },
    /// The recording goes on.
    Resumed {
        /// The session.
        session_id: Uuid,
    },
    /// The session is complete and stored.
    Finished {
        /// The session.
        session_id: Uuid,
        /// Full repetitions counted.
        reps: u32,
        /// Frames analysed.
        frames: u64,
        /// Whether the recording ended early because of an error (the frames so far are kept).
        interrupted: Option<String>,
    },
    /// A problem that does not stop the recording (e.g. the microphone failed).
    Warning {
        /// What happened, for the user.
        message: String,
    },
}

/// One analysed frame for the live screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LiveFrame {
    /// The session.
    pub session_id: Uuid,
    /// Frame index from the start of the recording.
    pub frame_number: u64,
    /// What the analyser says.
    pub analysis: FrameAnalysis,
    /// Whether `analysis.primary_angle` has reached the exercise's target angle: decided here,
    /// in the exercise's own direction, so the screen only shows it.
    pub target: TargetStatus,
    /// Image landmarks as `[x, y, visibility]`, x and y normalised to the frame (33, or none).
    pub landmarks: Vec<[f32; 3]>,
    /// The frame itself, downscaled, when a preview was due.
    pub preview: Option<PreviewImage>,
    /// Frames analysed per second over the last second.
    pub fps: f32,
    /// Share of a video file done (0..1); `None` for a camera.
    pub progress: Option<f32>,
    /// Milliseconds from the start request to this frame (the first frame gives the startup
    /// latency).
    pub since_start_ms: u64,
}
