//! PhysAlign speech on the device: audio decoding, voice activity detection, Whisper
//! transcription (whisper.cpp through `whisper-rs`), live microphone capture and clinical note
//! extraction. Nothing leaves the machine.
//!
//! Build note: whisper.cpp is compiled by `whisper-rs-sys` (vendored and patched in
//! `vendor/whisper-rs-sys`, see its README) with CMake, which forwards every
//! `GGML_*`/`WHISPER_*` environment variable. A build that runs where it was built uses
//! `GGML_NATIVE=ON` (this CPU's instruction sets, AVX-512 included); binaries that are distributed
//! must not be tuned to the build machine: `GGML_NATIVE=OFF` gives the x86-64-v3 baseline (AVX2,
//! FMA, F16C). The vendored build script rebuilds whisper.cpp when they change (`tests/env.sh`).

pub mod audio;
#[cfg(feature = "microphone")]
pub mod capture;
pub mod crisis;
mod error;
pub mod notes;
pub mod persist;
pub mod stream;
pub mod transcribe;
pub mod vad;
pub mod vocabulary;
pub mod wer;

pub use error::SpeechError;
pub use notes::{ClinicalNotes, NoteExtractor, RuleBasedExtractor};
pub use transcribe::{
    transcribe_file, EncoderWindow, ModelSource, Segment, TranscribeOptions, Transcript,
    WhisperTranscriber,
};
pub use vocabulary::{Replacement, Vocabulary, VocabularyError};
