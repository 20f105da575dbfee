//! Energy-based voice activity detection, so silence and steady noise never reach Whisper (which
//! would invent text for them).
//!
//! A 20 ms frame counts as speech when its energy is above an absolute floor *and* at least
//! `margin_db` above the background level, tracked as the minimum frame energy over the last few
//! seconds ("minimum statistics"). Steady noise therefore never passes, whatever its level, while
//! speech, whose energy swings by 20-40 dB between syllables and pauses, does. Speech frames are
//! grouped into chunks with pre-roll, hangover and a minimum amount of speech per chunk.

use crate::audio::WHISPER_SAMPLE_RATE;
use std::collections::VecDeque;

/// Tuning of the detector; the defaults suit 16 kHz speech.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VadConfig {
    /// Analysis frame length in milliseconds.
    pub frame_ms: u32,
    /// How far above the background a frame must be to count as speech.
    pub margin_db: f32,
    /// Frames quieter than this (dBFS) are never speech.
    pub absolute_floor_db: f32,
    /// How far back the background minimum looks.
    pub floor_window_ms: u32,
    /// Silence that ends a chunk.
    pub hangover_ms: u32,
    /// Audio kept before the first speech frame (onsets are quiet).
    pub pre_roll_ms: u32,
    /// A chunk needs at least this much speech, else it is dropped as a click or a bump.
    pub min_speech_ms: u32,
    /// Chunks longer than this are cut (Whisper's window is 30 s).
    pub max_chunk_ms: u32,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            frame_ms: 20,
            margin_db: 10.0,
            absolute_floor_db: -55.0,
            floor_window_ms: 5_000,
            hangover_ms: 500,
            pre_roll_ms: 240,
            min_speech_ms: 200,
            max_chunk_ms: 28_000,
        }
    }
}

impl VadConfig {
    fn frames(&self, ms: u32) -> usize {
        (ms / self.frame_ms.max(1)).max(1) as usize
    }

    /// Samples per frame at 16 kHz.
    pub fn frame_len(&self) -> usize {
        (WHISPER_SAMPLE_RATE * self.frame_ms / 1000) as usize
    }
}

/// Energy of a frame in dBFS.
pub fn frame_db(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return -100.0;
    }
    let power = frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32;
    10.0 * (power + 1e-10).log10()
}

/// A stretch of speech: its 16 kHz samples and where it starts in the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeechChunk {
    /// Index of the first sample in the whole stream.
    pub start_sample: u64,
    /// The audio, pre-roll included.
    pub samples: Vec<f32>,
}

impl SpeechChunk {
    /// Start time in milliseconds.
    pub fn start_ms(&self) -> u64 {
        self.start_sample * 1000 / u64::from(WHISPER_SAMPLE_RATE)
    }

    /// End time in milliseconds.
    pub fn end_ms(&self) -> u64 {
        (self.start_sample + self.samples.len() as u64) * 1000 / u64::from(WHISPER_SAMPLE_RATE)
    }
}

/// Cuts a 16 kHz mono stream into speech chunks, incrementally (usable while recording).
#[derive(Debug)]
pub struct Segmenter {
    config: VadConfig,
    frame_len: usize,
    pending: Vec<f32>,
    background: VecDeque<f32>,
    pre_roll: VecDeque<f32>,
    current: Option<SpeechChunk>,
    silence_run: usize,
    speech_frames: usize,
    samples_seen: u64,
}

impl Segmenter {
    /// A segmenter that learns the background from the stream itself.
    pub fn new(config: VadConfig) -> Self {
        Self {
            frame_len: config.frame_len(),
            config,
            pending: Vec::new(),
            background: VecDeque::new(),
            pre_roll: VecDeque::new(),
            current: None,
            silence_run: 0,
            speech_frames: 0,
            samples_seen: 0,
        }
    }

    /// A segmenter whose first seconds use `background_db` as the background level (for files,
    /// where the whole recording is known up front and speech may start at the first sample).
    pub fn with_background(config: VadConfig, background_db: f32) -> Self {
        let mut s = Self::new(config);
        let window = config.frames(config.floor_window_ms);
        s.background
            .extend(std::iter::repeat_n(background_db, window));
        s
    }

    /// Feeds samples; returns the chunks completed by them.
    pub fn push(&mut self, samples: &[f32]) -> Vec<SpeechChunk> {
        self.pending.extend_from_slice(samples);
        let mut done = Vec::new();
        let mut offset = 0;
        while self.pending.len() - offset >= self.frame_len {
            let frame: Vec<f32> = self.pending[offset..offset + self.frame_len].to_vec();
            offset += self.frame_len;
            if let Some(chunk) = self.process_frame(&frame) {
                done.push(chunk);
            }
        }
        self.pending.drain(..offset);
        done
    }

    /// Ends the stream; returns the last chunk if it holds enough speech.
    pub fn finish(&mut self) -> Option<SpeechChunk> {
        let rest = std::mem::take(&mut self.pending);
        if let Some(chunk) = &mut self.current {
            chunk.samples.extend_from_slice(&rest);
        }
        self.close_chunk()
    }

    fn is_speech(&mut self, db: f32) -> bool {
        let window = self.config.frames(self.config.floor_window_ms);
        self.background.push_back(db);
        while self.background.len() > window {
            self.background.pop_front();
        }
        let floor = self
            .background
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        db > self.config.absolute_floor_db && db > floor + self.config.margin_db
    }

    fn process_frame(&mut self, frame: &[f32]) -> Option<SpeechChunk> {
        let speech = self.is_speech(frame_db(frame));
        let start_of_frame = self.samples_seen;
        self.samples_seen += frame.len() as u64;
        let mut completed = None;
        match &mut self.current {
            None => {
                if speech {
                    let mut samples: Vec<f32> = self.pre_roll.drain(..).collect();
                    let start_sample = start_of_frame - samples.len() as u64;
                    samples.extend_from_slice(frame);
                    self.current = Some(SpeechChunk {
                        start_sample,
                        samples,
                    });
                    self.speech_frames = 1;
                    self.silence_run = 0;
                } else {
                    self.pre_roll.extend(frame);
                    let keep = self.config.frames(self.config.pre_roll_ms) * self.frame_len;
                    while self.pre_roll.len() > keep {
                        self.pre_roll.pop_front();
                    }
                }
            }
            Some(chunk) => {
                chunk.samples.extend_from_slice(frame);
                if speech {
                    self.speech_frames += 1;
                    self.silence_run = 0;
                } else {
                    self.silence_run += 1;
                }
                let max_len =
                    (self.config.max_chunk_ms as usize) * WHISPER_SAMPLE_RATE as usize / 1000;
                if self.silence_run >= self.config.frames(self.config.hangover_ms)
                    || chunk.samples.len() >= max_len
                {
                    completed = self.close_chunk();
                }
            }
        }
        completed
    }

    fn close_chunk(&mut self) -> Option<SpeechChunk> {
        let chunk = self.current.take()?;
        let enough = self.speech_frames >= self.config.frames(self.config.min_speech_ms);
        self.speech_frames = 0;
        self.silence_run = 0;
        enough.then_some(chunk)
    }
}

/// The background level of a whole recording: the 10th percentile of its frame energies.
pub fn background_db(samples: &[f32], config: &VadConfig) -> f32 {
    let mut dbs: Vec<f32> = samples.chunks(config.frame_len()).map(frame_db).collect();
    if dbs.is_empty() {
        return -100.0;
    }
    dbs.sort_by(f32::total_cmp);
    dbs[dbs.len() / 10]
}

/// All speech chunks of a complete recording.
pub fn speech_chunks(samples: &[f32], config: VadConfig) -> Vec<SpeechChunk> {
    let mut segmenter = Segmenter::with_background(config, background_db(samples, &config));
    let mut chunks = segmenter.push(samples);
    chunks.extend(segmenter.finish());
    chunks
}

/// Joins neighbouring chunks of a complete recording into windows of at most `max_ms`
/// (the audio between them included), so Whisper sees whole sentences and runs its 30 s encoder
/// as few times as possible.
pub fn pack_chunks(samples: &[f32], chunks: &[SpeechChunk], max_ms: u32) -> Vec<SpeechChunk> {
    let max_len = max_ms as u64 * u64::from(WHISPER_SAMPLE_RATE) / 1000;
    let mut packed: Vec<SpeechChunk> = Vec::new();
    let mut span: Option<(u64, u64)> = None;
    let emit = |(start, end): (u64, u64), packed: &mut Vec<SpeechChunk>| {
        let end = end.min(samples.len() as u64);
        packed.push(SpeechChunk {
            start_sample: start,
            samples: samples[start as usize..end as usize].to_vec(),
        });
    };
    for chunk in chunks {
        let (start, end) = (
            chunk.start_sample,
            chunk.start_sample + chunk.samples.len() as u64,
        );
        span = match span {
            Some((s, _)) if end - s <= max_len => Some((s, end)),
            Some(previous) => {
                emit(previous, &mut packed);
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    if let Some(last) = span {
        emit(last, &mut packed);
    }
    packed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic white noise in [-amplitude, amplitude].
    pub(crate) fn noise(n: usize, amplitude: f32, seed: u64) -> Vec<f32> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) as f32 / (1u64 << 31) as f32 * 2.0 - 1.0) * amplitude
            })
            .collect()
    }

    /// A syllable-like signal: a 150 Hz harmonic tone modulated at 4 Hz.
    fn voiced(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f32 / 16_000.0;
                let envelope = (2.0 * std::f32::consts::PI * 4.0 * t).sin().abs();
                let tone: f32 = (1..6)
                    .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                    .sum();
                0.2 * envelope * tone
            })
            .collect()
    }

    #[test]
    fn digital_silence_has_no_speech() {
        assert!(speech_chunks(&vec![0.0; 16_000 * 10], VadConfig::default()).is_empty());
    }

    #[test]
    fn steady_low_and_loud_noise_have_no_speech() {
        for amplitude in [0.003, 0.02, 0.2] {
            let chunks = speech_chunks(&noise(16_000 * 10, amplitude, 7), VadConfig::default());
            assert!(chunks.is_empty(), "noise {amplitude}: {chunks:?}");
            let mut streaming = Segmenter::new(VadConfig::default());
            let mut found = Vec::new();
            for block in noise(16_000 * 10, amplitude, 9).chunks(1234) {
                found.extend(streaming.push(block));
            }
            found.extend(streaming.finish());
            assert!(found.is_empty(), "streaming noise {amplitude}");
        }
    }

    #[test]
    fn voiced_burst_in_noise_is_found_where_it_is() {
        let mut signal = noise(16_000 * 6, 0.003, 3);
        let burst = voiced(16_000 * 2);
        for (i, s) in burst.iter().enumerate() {
            signal[2 * 16_000 + i] += s;
        }
        let chunks = speech_chunks(&signal, VadConfig::default());
        assert_eq!(chunks.len(), 1, "{:?}", chunks.len());
        let c = &chunks[0];
        assert!((1_700..=2_050).contains(&c.start_ms()), "{}", c.start_ms());
        assert!((3_900..=4_700).contains(&c.end_ms()), "{}", c.end_ms());
    }

    #[test]
    fn packing_joins_neighbours_up_to_the_limit() {
        let samples = vec![0.0; 16_000 * 60];
        let chunk = |s: u64, secs: u64| SpeechChunk {
            start_sample: s * 16_000,
            samples: vec![0.0; (secs * 16_000) as usize],
        };
        let chunks = [chunk(0, 5), chunk(10, 5), chunk(20, 5), chunk(40, 5)];
        let packed = pack_chunks(&samples, &chunks, 28_000);
        assert_eq!(packed.len(), 2);
        assert_eq!(packed[0].start_ms(), 0);
        assert_eq!(packed[0].end_ms(), 25_000);
        assert_eq!(packed[1].start_ms(), 40_000);
    }
}
