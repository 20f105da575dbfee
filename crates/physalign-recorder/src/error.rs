//! Errors of the recording engine.

use std::path::PathBuf;

/// Why a recording could not start, go on or be saved.
#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    /// The video file cannot be opened or decoded.
    // The decoder's message names the file and says what is wrong with it; it is part of this
    // message (the app shows one line) rather than a separate source, so a chain of errors
    // printed by the command line does not say it twice.
    #[error("cannot read the video: {reason}")]
    Video {
        /// The file.
        path: PathBuf,
        /// What went wrong, as the decoder says it.
        reason: physalign_vision::VisionError,
    },
    /// No camera is connected, or the chosen one is gone.
    #[error("no camera found{0}")]
    NoCamera(String),
    /// The camera exists but cannot be opened or stopped delivering frames.
    #[error("camera error: {0}")]
    Camera(String),
    /// The pose models cannot be loaded or failed on a frame.
    #[error("pose estimation failed: {0}")]
    Pose(#[source] physalign_vision::VisionError),
    /// The exercise is unknown or its settings are invalid.
    #[error("exercise: {0}")]
    Exercise(#[from] physalign_analysis::AnalysisError),
    /// The local database refused a write or a read.
    #[error("local database: {0}")]
    Store(#[from] physalign_store::StoreError),
    /// The microphone or the transcriber failed.
    #[error("speech: {0}")]
    Speech(String),
    /// A recording is already running; only one at a time.
    #[error("a recording is already running")]
    Busy,
    /// There is no recording to control.
    #[error("no recording is running")]
    NotRecording,
    /// The recording thread ended unexpectedly.
    #[error("the recording thread stopped unexpectedly: {0}")]
    Worker(String),
    /// A value could not be encoded for storage.
    #[error("encoding the report: {0}")]
    Encode(#[from] serde_json::Error),
}
