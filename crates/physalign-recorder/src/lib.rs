//! The edge client's recording engine, shared by the desktop app, the command line and the
//! tests: frames from a webcam or a video file go through pose estimation and exercise analysis
//! into the local store as they arrive, while the screen receives live events (preview, skeleton,
//! angle, repetitions, cues, transcript). Sessions interrupted by a crash are completed from their
//! stored frames on the next start, and past sessions are read back for review.

#![warn(missing_docs)]

pub mod camera;
mod completion;
pub mod device_check;
mod engine;
mod error;
pub mod events;
pub mod history;
mod latency;
pub mod preview;
pub mod program;
mod recorder;
mod recovery;
pub mod source;
mod speech;
pub mod spoken;

pub use completion::completion_from_report;
pub use engine::PoseEngine;
pub use error::RecorderError;
pub use events::{LiveFrame, RecorderEvent};
pub use latency::LatencySummary;
pub use preview::PreviewOptions;
pub use recorder::{
    start_recording, EventSink, RecordingHandle, RecordingOutcome, RecordingRequest, SpeechRequest,
};
pub use recovery::{recover_interrupted, RecoveredSession};
pub use source::{SourceInfo, SourceSpec};
