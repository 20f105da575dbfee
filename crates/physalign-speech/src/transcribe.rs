//! Whisper transcription over voice-activity chunks.
//!
//! Audio is cut into speech chunks first (see [`crate::vad`]): silence and steady noise never
//! reach Whisper, so they cannot turn into invented text, and timestamps stay tied to the
//! recording. Each chunk is decoded by whisper.cpp; segment times are shifted by the chunk's
//! offset and each segment gets a confidence (mean probability of its text tokens).

use crate::audio::{decode_file, AudioClip, WHISPER_SAMPLE_RATE};
use crate::vad::{pack_chunks, speech_chunks, SpeechChunk, VadConfig};
use crate::vocabulary::{Replacer, Vocabulary};
use crate::SpeechError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::Instant;
use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

/// Vocabulary that tilts Whisper towards the words of a physiotherapy session.
pub const CLINIC_PROMPT: &str = "Physiotherapy session: squats, lunges, glute bridges, \
hamstring stretch, quadriceps, calf raises, knee, hip, ankle, shoulder, lower back, sets and \
reps, pain out of ten.";

/// How to transcribe.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscribeOptions {
    /// CPU threads for whisper.cpp.
    pub threads: usize,
    /// Use [`CLINIC_PROMPT`] as initial prompt.
    pub clinic_prompt: bool,
    /// Extra vocabulary or context appended to the prompt (names, exercises, terms).
    pub prompt: Option<String>,
    /// Spoken language (`en`); `None` lets a multilingual model detect it.
    pub language: Option<String>,
    /// Beam width; `None` decodes greedily (fastest).
    pub beam_size: Option<usize>,
    /// Voice activity detection tuning.
    pub vad: VadConfig,
    /// How much of Whisper's 30 s encoder window each chunk of speech pays for.
    pub encoder_window: EncoderWindow,
    /// The clinic's terms (appended to the prompt) and replacements (applied to every segment).
    pub vocabulary: Vocabulary,
}

/// How much of Whisper's 30-second encoder window a chunk of speech is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncoderWindow {
    /// What the model was measured to do best with (`WhisperTranscriber::window_for`): fitted for
    /// English-only models, full for multilingual ones.
    #[default]
    ByModel,
    /// Always the whole 30 s (1500 encoder frames), as the model was trained: a 3 s remark costs
    /// as much encoder time as 30 s of speech.
    Full,
    /// The chunk's own length plus [`FIT_MARGIN_MS`] of the silence after it (whisper.cpp's
    /// `audio_ctx`): the encoder's cost follows the speech, a 3 s remark pays about a sixth of a
    /// full window. Chunks within the margin of 30 s get the full window.
    FitSpeech,
}

/// Silence the encoder sees after a chunk under [`EncoderWindow::FitSpeech`]: Whisper predicts
/// the end of the last word from the quiet after it, and with less it cut or repeated words
/// (remarks WER, ../shared and LibriVox clips: tiny.en 9.3% with no margin, 4.6% with 1 or 2 s,
/// 6.5% with the full window; models/whisper/README.md).
pub const FIT_MARGIN_MS: u32 = 2_000;

/// Encoder frames per second of audio (100 mel frames per second, halved by the encoder's
/// stride-2 convolution).
const ENCODER_FRAMES_PER_SECOND: u32 = 50;

/// whisper.cpp's `audio_ctx` for `samples` of 16 kHz audio: 0 (the model's full 1500 frames)
/// or the fitted frame count, a multiple of 32 so the padded encoder attention needs no mask.
fn audio_ctx_for(samples: usize, window: EncoderWindow, full_ctx: i32) -> i32 {
    match window {
        EncoderWindow::Full | EncoderWindow::ByModel => 0,
        EncoderWindow::FitSpeech => {
            let audio_ms = samples as u64 * 1000 / u64::from(WHISPER_SAMPLE_RATE);
            let frames =
                (audio_ms + u64::from(FIT_MARGIN_MS)) * u64::from(ENCODER_FRAMES_PER_SECOND) / 1000;
            let fitted = frames.next_multiple_of(32);
            if fitted >= full_ctx.max(0) as u64 {
                0
            } else {
                fitted as i32
            }
        }
    }
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        Self {
            threads: default_threads(),
            clinic_prompt: false,
            prompt: None,
            language: Some("en".into()),
            beam_size: None,
            vad: VadConfig::default(),
            encoder_window: EncoderWindow::default(),
            vocabulary: Vocabulary::default(),
        }
    }
}

impl TranscribeOptions {
    /// The initial prompt Whisper is given, if any.
    /// The clinic prompt, then the caller's context, then the vocabulary's terms.
    pub fn initial_prompt(&self) -> Option<String> {
        let user = self
            .prompt
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        let parts: Vec<String> = [
            self.clinic_prompt.then(|| CLINIC_PROMPT.to_string()),
            user.map(str::to_string),
            self.vocabulary.prompt(),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// One thread per two available cores, at least one: the device also runs pose estimation and
/// the UI, and whisper.cpp scales poorly past the physical cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(1))
        .unwrap_or(1)
}

/// A timed piece of transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start, from the start of the audio.
    pub start_ms: u64,
    /// End, from the start of the audio.
    pub end_ms: u64,
    /// Recognised text, trimmed.
    pub text: String,
    /// Mean probability of the segment's text tokens, 0..1.
    pub confidence: f32,
    /// Speaker or channel label when known (per-channel transcription).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub speaker: Option<String>,
}

/// A finished transcription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// All segment texts joined by spaces.
    pub text: String,
    /// Segments in time order.
    pub segments: Vec<Segment>,
    /// Length of the audio.
    pub audio_seconds: f64,
    /// Wall-clock time spent (decoding excluded for files: model inference and VAD).
    pub processing_seconds: f64,
    /// The model name, e.g. `tiny.en`.
    pub model: String,
    /// Language code.
    pub language: String,
}

impl Transcript {
    /// Builds a transcript from segments (sorted by start).
    pub fn from_segments(
        mut segments: Vec<Segment>,
        audio_seconds: f64,
        processing_seconds: f64,
        model: &str,
        language: &str,
    ) -> Self {
        segments.sort_by_key(|s| (s.start_ms, s.end_ms));
        let text = segments
            .iter()
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            text,
            segments,
            audio_seconds,
            processing_seconds,
            model: model.to_string(),
            language: language.to_string(),
        }
    }

    /// A transcript of typed or pasted text (no audio, no segments).
    pub fn with_text(mut self, text: &str) -> Self {
        self.text = text.trim().to_string();
        self
    }

    /// Real-time factor: processing time over audio time (below 1 is faster than real time).
    pub fn real_time_factor(&self) -> f64 {
        if self.audio_seconds > 0.0 {
            self.processing_seconds / self.audio_seconds
        } else {
            0.0
        }
    }
}

static QUIET_LOGS: Once = Once::new();

/// The CPU features and options whisper.cpp (ggml) was compiled with, e.g.
/// `WHISPER : COREML = 0 | ... | PHYSALIGN_ENCODER_ATTN_PAD = 1 | CPU : ... | AVX2 = 1 | ... |
/// LLAMAFILE = 1 | OPENMP = 1 |` (the PhysAlign entry marks the vendored, patched whisper.cpp in
/// `vendor/whisper-rs-sys`). Speed depends on them (README: speech build), so the benchmark
/// prints them.
pub fn ggml_build_info() -> &'static str {
    whisper_rs::print_system_info()
}

/// Where a Whisper model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// A provisioned model by name (`tiny.en`, `base`).
    Provisioned(String),
    /// A ggml model file, named `name` in transcripts.
    File {
        /// The ggml file.
        path: PathBuf,
        /// The name transcripts carry.
        name: String,
    },
}

/// What `physalign transcribe FILE` runs, and what `cargo bench --bench rtf` times: loads the
/// model, decodes the file, finds the speech and transcribes it. `processing_seconds` covers all
/// of it, model load included.
pub fn transcribe_file(
    source: &ModelSource,
    path: &Path,
    per_channel: bool,
    options: &TranscribeOptions,
) -> Result<Transcript, SpeechError> {
    let started = Instant::now();
    let transcriber = WhisperTranscriber::open(source)?;
    let mut transcript = transcriber.transcribe_path(path, per_channel, options)?;
    transcript.processing_seconds = started.elapsed().as_secs_f64();
    Ok(transcript)
}

/// A loaded Whisper model.
pub struct WhisperTranscriber {
    context: WhisperContext,
    model: String,
    path: PathBuf,
    /// A decoding state kept between calls: creating one allocates and first-touches tens of MB
    /// of KV caches and compute buffers, about a tenth of transcribing a minute with tiny.en.
    idle_state: Mutex<Option<WhisperState>>,
}

impl std::fmt::Debug for WhisperTranscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperTranscriber")
            .field("model", &self.model)
            .field("path", &self.path)
            .finish()
    }
}

impl WhisperTranscriber {
    /// Loads a provisioned model by name (`tiny.en`, `base`).
    pub fn load(model: &str) -> Result<Self, SpeechError> {
        let path = physalign_models::whisper_model(model)?;
        Self::load_file(&path, model)
    }

    /// Loads a model from where `source` says.
    pub fn open(source: &ModelSource) -> Result<Self, SpeechError> {
        match source {
            ModelSource::Provisioned(name) => Self::load(name),
            ModelSource::File { path, name } => Self::load_file(path, name),
        }
    }

    /// Loads a ggml model file; `model` names it in transcripts.
    pub fn load_file(path: &Path, model: &str) -> Result<Self, SpeechError> {
        // whisper.cpp logs every load and decode to stderr; route it into the void.
        QUIET_LOGS.call_once(whisper_rs::install_logging_hooks);
        let load_error = |reason: String| SpeechError::ModelLoad {
            path: path.to_path_buf(),
            reason,
        };
        let path_str = path
            .to_str()
            .ok_or_else(|| load_error("the path is not valid UTF-8".into()))?;
        if !path.is_file() {
            return Err(load_error("no such file".into()));
        }
        let context =
            WhisperContext::new_with_params(path_str, WhisperContextParameters::default())
                .map_err(|e| load_error(format!("{e} (not a ggml Whisper model?)")))?;
        Ok(Self {
            context,
            model: model.to_string(),
            path: path.to_path_buf(),
            idle_state: Mutex::new(None),
        })
    }

    /// The model name.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// How the model's weight matrices are stored (`f16`, `q8_0`, ...), as its file header says.
    pub fn weight_type(&self) -> &'static str {
        match self.context.model_ftype() {
            0 => "f32",
            1 => "f16",
            2 => "q4_0",
            3 => "q4_1",
            7 => "q8_0",
            8 => "q5_0",
            9 => "q5_1",
            _ => "other",
        }
    }

    /// Whether the model understands languages other than English.
    pub fn is_multilingual(&self) -> bool {
        self.context.is_multilingual()
    }

    /// The encoder window `requested` resolves to for this model: [`EncoderWindow::ByModel`]
    /// fits the window for English-only models (tiny.en: remarks WER 4.6% fitted, 6.5% full) and
    /// keeps the full one for multilingual models (base: 3.7% fitted, 0.9% full).
    pub fn window_for(&self, requested: EncoderWindow) -> EncoderWindow {
        match requested {
            EncoderWindow::ByModel if self.is_multilingual() => EncoderWindow::Full,
            EncoderWindow::ByModel => EncoderWindow::FitSpeech,
            chosen => chosen,
        }
    }

    /// A decoding state; one per thread of work.
    pub fn new_state(&self) -> Result<WhisperState, SpeechError> {
        Ok(self.context.create_state()?)
    }

    fn language<'a>(&self, options: &'a TranscribeOptions) -> &'a str {
        match options.language.as_deref() {
            _ if !self.is_multilingual() => "en",
            Some(l) => l,
            None => "auto",
        }
    }

    /// Decodes an audio file and transcribes it (see [`Self::transcribe_clip`]);
    /// `processing_seconds` includes the decoding.
    pub fn transcribe_path(
        &self,
        path: &Path,
        per_channel: bool,
        options: &TranscribeOptions,
    ) -> Result<Transcript, SpeechError> {
        let started = Instant::now();
        let clip = decode_file(path)?;
        let mut transcript = self.transcribe_clip(&clip, per_channel, options)?;
        transcript.processing_seconds = started.elapsed().as_secs_f64();
        Ok(transcript)
    }

    /// Transcribes 16 kHz mono samples.
    pub fn transcribe_samples(
        &self,
        samples: &[f32],
        options: &TranscribeOptions,
    ) -> Result<Transcript, SpeechError> {
        let started = Instant::now();
        let segments = self.transcribe_track(samples, options, None)?;
        let audio_seconds = samples.len() as f64 / f64::from(WHISPER_SAMPLE_RATE);
        Ok(Transcript::from_segments(
            segments,
            audio_seconds,
            started.elapsed().as_secs_f64(),
            &self.model,
            self.language(options),
        ))
    }

    /// Transcribes a decoded clip: downmixed, or each channel on its own (labelled `left`/`right`
    /// for stereo, `channel N` otherwise) when `per_channel` is set.
    pub fn transcribe_clip(
        &self,
        clip: &AudioClip,
        per_channel: bool,
        options: &TranscribeOptions,
    ) -> Result<Transcript, SpeechError> {
        if !per_channel || clip.channels.len() < 2 {
            let mono = clip.to_whisper_mono()?;
            let mut t = self.transcribe_samples(&mono, options)?;
            t.audio_seconds = clip.duration_seconds();
            return Ok(t);
        }
        let started = Instant::now();
        let mut segments = Vec::new();
        let stereo = clip.channels.len() == 2;
        for (i, channel) in clip.to_whisper_channels()?.iter().enumerate() {
            let label = match (stereo, i) {
                (true, 0) => "left".to_string(),
                (true, _) => "right".to_string(),
                _ => format!("channel {}", i + 1),
            };
            segments.extend(self.transcribe_track(channel, options, Some(&label))?);
        }
        Ok(Transcript::from_segments(
            segments,
            clip.duration_seconds(),
            started.elapsed().as_secs_f64(),
            &self.model,
            self.language(options),
        ))
    }

    fn transcribe_track(
        &self,
        samples: &[f32],
        options: &TranscribeOptions,
        speaker: Option<&str>,
    ) -> Result<Vec<Segment>, SpeechError> {
        let chunks = speech_chunks(samples, options.vad);
        let windows = pack_chunks(samples, &chunks, options.vad.max_chunk_ms);
        // Reuse the idle state when no other call holds it; a poisoned lock only means another
        // call panicked, and the state is reset by every `full` anyway.
        let cached = self
            .idle_state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let mut state = match cached {
            Some(state) => state,
            None => self.new_state()?,
        };
        let replacer = Replacer::new(&options.vocabulary);
        let mut segments = Vec::new();
        for window in &windows {
            let mut found =
                self.transcribe_chunk(&mut state, window, options, replacer.as_ref())?;
            for s in &mut found {
                s.speaker = speaker.map(str::to_string);
            }
            segments.extend(found);
        }
        *self.idle_state.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
        Ok(segments)
    }

    /// Transcribes one speech chunk with `state`; segment times are absolute. `replacer` is
    /// `options.vocabulary`'s, compiled once by the caller for all its chunks.
    pub fn transcribe_chunk(
        &self,
        state: &mut WhisperState,
        chunk: &SpeechChunk,
        options: &TranscribeOptions,
        replacer: Option<&Replacer>,
    ) -> Result<Vec<Segment>, SpeechError> {
        let strategy = match options.beam_size {
            Some(beam) if beam > 1 => SamplingStrategy::BeamSearch {
                beam_size: beam as i32,
                patience: -1.0,
            },
            _ => SamplingStrategy::Greedy { best_of: 1 },
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(options.threads.max(1) as i32);
        let language = self.language(options);
        params.set_language(Some(language));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_suppress_blank(true);
        params.set_suppress_nst(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        let prompt = options.initial_prompt();
        if let Some(p) = &prompt {
            params.set_initial_prompt(p);
        }
        // whisper.cpp needs at least 1 s of audio; pad short chunks with silence.
        let min_len = WHISPER_SAMPLE_RATE as usize + WHISPER_SAMPLE_RATE as usize / 10;
        let padded;
        let audio: &[f32] = if chunk.samples.len() < min_len {
            let mut p = chunk.samples.clone();
            p.resize(min_len, 0.0);
            padded = p;
            &padded
        } else {
            &chunk.samples
        };
        params.set_audio_ctx(audio_ctx_for(
            audio.len(),
            self.window_for(options.encoder_window),
            self.context.n_audio_ctx(),
        ));
        state.full(params, audio)?;
        let offset_ms = chunk.start_ms();
        let chunk_end_ms = chunk.end_ms();
        let eot = self.context.token_eot();
        let mut segments = Vec::new();
        for i in 0..state.full_n_segments() {
            let Some(segment) = state.get_segment(i) else {
                continue;
            };
            let text = segment.to_str_lossy()?.trim().to_string();
            let probabilities: Vec<f32> = (0..segment.n_tokens())
                .filter_map(|t| segment.get_token(t))
                .filter(|t| t.token_id() < eot)
                .map(|t| t.token_probability())
                .collect();
            let confidence = if probabilities.is_empty() {
                0.0
            } else {
                probabilities.iter().sum::<f32>() / probabilities.len() as f32
            };
            if is_non_speech(&text, confidence, segment.no_speech_probability()) {
                continue;
            }
            let text = match replacer {
                Some(r) => r.apply(&text),
                None => text,
            };
            let start_ms = offset_ms + (segment.start_timestamp().max(0) as u64) * 10;
            let end_ms = (offset_ms + (segment.end_timestamp().max(0) as u64) * 10)
                .clamp(start_ms, chunk_end_ms.max(start_ms));
            segments.push(Segment {
                start_ms,
                end_ms,
                text,
                confidence,
                speaker: None,
            });
        }
        Ok(segments)
    }
}

/// Segments Whisper produces for non-speech: empty, bracketed sound tags (`[BLANK_AUDIO]`,
/// `(music)`), or unconfident text on audio the model itself thinks holds no speech.
fn is_non_speech(text: &str, confidence: f32, no_speech_probability: f32) -> bool {
    let t = text.trim();
    if !t.chars().any(char::is_alphanumeric) {
        return true;
    }
    let tagged = |open: char, close: char| t.starts_with(open) && t.ends_with(close);
    if tagged('[', ']') || tagged('(', ')') || tagged('*', '*') {
        return true;
    }
    no_speech_probability > 0.6 && confidence < 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sound_tags_and_unconfident_non_speech_are_dropped() {
        assert!(is_non_speech("[BLANK_AUDIO]", 0.9, 0.0));
        assert!(is_non_speech(" (music) ", 0.9, 0.0));
        assert!(is_non_speech("...", 0.9, 0.0));
        assert!(is_non_speech("Thank you.", 0.3, 0.9));
        assert!(!is_non_speech("Thank you.", 0.9, 0.9));
        assert!(!is_non_speech("My knee hurts.", 0.4, 0.1));
    }

    #[test]
    fn prompt_combines_clinic_vocabulary_and_user_terms() {
        let mut o = TranscribeOptions::default();
        assert_eq!(o.initial_prompt(), None);
        o.prompt = Some("  Theraband, Dr. Okafor ".into());
        assert_eq!(o.initial_prompt().as_deref(), Some("Theraband, Dr. Okafor"));
        o.clinic_prompt = true;
        let p = o.initial_prompt().unwrap();
        assert!(
            p.starts_with(CLINIC_PROMPT) && p.ends_with("Dr. Okafor"),
            "{p}"
        );
        o.vocabulary.terms = vec!["naproxen".into(), "TheraBand".into()];
        assert_eq!(
            o.initial_prompt().unwrap(),
            format!("{CLINIC_PROMPT} Theraband, Dr. Okafor naproxen, TheraBand")
        );
    }

    #[test]
    fn transcript_joins_segments_in_time_order() {
        let seg = |s, text: &str| Segment {
            start_ms: s,
            end_ms: s + 500,
            text: text.into(),
            confidence: 0.9,
            speaker: None,
        };
        let t = Transcript::from_segments(
            vec![seg(900, "world"), seg(0, "hello")],
            2.0,
            1.0,
            "m",
            "en",
        );
        assert_eq!(t.text, "hello world");
        assert!((t.real_time_factor() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn fitted_encoder_window_follows_the_chunk_and_stays_full_near_30_seconds() {
        let fit = |seconds: f64| {
            audio_ctx_for(
                (seconds * 16_000.0) as usize,
                EncoderWindow::FitSpeech,
                1500,
            )
        };
        // 3 s + 2 s margin = 250 frames, rounded up to 256.
        assert_eq!(fit(3.0), 256);
        assert_eq!(fit(1.1), 160);
        assert!(fit(10.0) >= 600 && fit(10.0) % 32 == 0, "{}", fit(10.0));
        assert_eq!(fit(28.0), 0);
        assert_eq!(audio_ctx_for(16_000 * 3, EncoderWindow::Full, 1500), 0);
    }

    #[test]
    fn missing_or_bogus_model_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = WhisperTranscriber::load_file(&dir.path().join("nope.bin"), "x").unwrap_err();
        assert!(err.to_string().contains("no such file"), "{err}");
        let bogus = dir.path().join("bogus.bin");
        std::fs::write(&bogus, b"definitely not ggml").unwrap();
        let err = WhisperTranscriber::load_file(&bogus, "x").unwrap_err();
        assert!(matches!(err, SpeechError::ModelLoad { .. }), "{err}");
    }

    #[test]
    fn linked_whisper_cpp_is_the_patched_tiled_build() {
        // Without the vendored patch (Cargo.toml [patch.crates-io]) or tinyBLAS, the encoder's
        // attention falls back to per-element dot products: the same text, slower than
        // faster-whisper (models/whisper/README.md).
        let info = ggml_build_info();
        assert!(info.contains("PHYSALIGN_ENCODER_ATTN_PAD = 1"), "{info}");
        assert!(info.contains("LLAMAFILE = 1"), "{info}");
    }
}
