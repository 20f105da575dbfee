//! The error type of the speech crate.

use std::path::PathBuf;

/// Everything that can go wrong between an audio source and a transcript.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not audio this build can decode.
    #[error("{path}: unsupported audio: {reason}")]
    UnsupportedAudio {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The file is audio but damaged.
    #[error("{path}: corrupt audio: {reason}")]
    CorruptAudio {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// Resampling failed (bad rate).
    #[error("resampling failed: {0}")]
    Resample(String),
    /// The Whisper model is not provisioned or is unknown.
    #[error(transparent)]
    Model(#[from] physalign_models::ModelError),
    /// whisper.cpp refused to load the model file.
    #[error("cannot load Whisper model {path}: {reason}")]
    ModelLoad {
        /// The model file.
        path: PathBuf,
        /// What whisper.cpp said.
        reason: String,
    },
    /// whisper.cpp failed while transcribing.
    #[error("transcription failed: {0}")]
    Whisper(String),
    /// Microphone capture problem (no device, device not found, stream error).
    #[error("microphone: {0}")]
    Capture(String),
    /// Saving to the local database failed.
    #[error("local database: {0}")]
    Store(#[from] physalign_store::StoreError),
    /// A session id that is not a UUID.
    #[error("invalid session id {0:?}: expected a UUID")]
    InvalidSessionId(String),
    /// The streaming worker stopped unexpectedly.
    #[error("streaming transcription stopped: {0}")]
    Stream(String),
}

impl From<whisper_rs::WhisperError> for SpeechError {
    fn from(e: whisper_rs::WhisperError) -> Self {
        SpeechError::Whisper(e.to_string())
    }
}
