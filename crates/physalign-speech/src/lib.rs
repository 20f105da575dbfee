//! PhysAlign speech on the device: audio decoding, voice activity detection, Whisper
//! transcription (whisper.cpp through `whisper-rs`), live microphone capture and clinical note
//! extraction. Nothing leaves the machine.
//!
//! Build note: whisper.cpp is compiled by `whisper-rs-sys` with CMake, which forwards every
//! `GGML_*`/`WHISPER_*` environment variable. Binaries that are distributed must not be tuned to
//! the build machine: build them with `GGML_NATIVE=OFF` (plus `GGML_AVX=ON GGML_AVX2=ON
//! GGML_FMA=ON GGML_F16C=ON GGML_BMI2=ON` for an x86-64-v3 baseline, which keeps the fast SIMD
//! kernels). The variables are read only when `whisper-rs-sys` is first built in a target dir.

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
pub mod wer;

pub use error::SpeechError;
pub use notes::{ClinicalNotes, NoteExtractor, RuleBasedExtractor};
pub use transcribe::{Segment, TranscribeOptions, Transcript, WhisperTranscriber};
