//! Audio files in, 16 kHz mono (or per-channel) `f32` samples out.
//!
//! Decoding goes through symphonia (WAV, FLAC, MP3, Ogg Vorbis); any sample rate and channel
//! count is accepted, downmixed by averaging and resampled with rubato's FFT resampler.

use crate::SpeechError;
use rubato::{FftFixedIn, Resampler};
use std::fs::File;
use std::path::Path;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// The sample rate Whisper expects.
pub const WHISPER_SAMPLE_RATE: u32 = 16_000;

/// Decoded audio: one sample vector per channel, all of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioClip {
    /// Samples per second.
    pub sample_rate: u32,
    /// De-interleaved samples in [-1, 1], one vector per channel.
    pub channels: Vec<Vec<f32>>,
}

impl AudioClip {
    /// Duration in seconds.
    pub fn duration_seconds(&self) -> f64 {
        let frames = self.channels.first().map_or(0, Vec::len);
        frames as f64 / f64::from(self.sample_rate.max(1))
    }

    /// The average of all channels.
    pub fn downmix(&self) -> Vec<f32> {
        let Some(first) = self.channels.first() else {
            return Vec::new();
        };
        if self.channels.len() == 1 {
            return first.clone();
        }
        let scale = 1.0 / self.channels.len() as f32;
        (0..first.len())
            .map(|i| self.channels.iter().map(|c| c[i]).sum::<f32>() * scale)
            .collect()
    }

    /// Mono at 16 kHz, ready for Whisper.
    pub fn to_whisper_mono(&self) -> Result<Vec<f32>, SpeechError> {
        resample(&self.downmix(), self.sample_rate, WHISPER_SAMPLE_RATE)
    }

    /// Each channel separately at 16 kHz (for per-channel transcription of stereo recordings).
    pub fn to_whisper_channels(&self) -> Result<Vec<Vec<f32>>, SpeechError> {
        self.channels
            .iter()
            .map(|c| resample(c, self.sample_rate, WHISPER_SAMPLE_RATE))
            .collect()
    }
}

/// Decodes an audio file (WAV, FLAC, MP3, Ogg Vorbis) completely.
pub fn decode_file(path: &Path) -> Result<AudioClip, SpeechError> {
    let file = File::open(path).map_err(|source| SpeechError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let unsupported = |reason: String| SpeechError::UnsupportedAudio {
        path: path.to_path_buf(),
        reason,
    };
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| unsupported(format!("not a recognised audio file ({e})")))?;
    let mut format = probed.format;
    let track = format
        .default_track()
        .ok_or_else(|| unsupported("the file holds no audio track".into()))?;
    let track_id = track.id;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| unsupported(format!("codec not supported ({e})")))?;
    let mut sample_rate = track.codec_params.sample_rate;
    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(corrupt(path, e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet in an otherwise readable stream: skip it like players do.
            Err(SymphoniaError::DecodeError(msg)) => {
                tracing::warn!("{}: skipping undecodable packet: {msg}", path.display());
                continue;
            }
            Err(e) => return Err(corrupt(path, e)),
        };
        let spec = *decoded.spec();
        sample_rate.get_or_insert(spec.rate);
        let n_channels = spec.channels.count();
        if channels.is_empty() {
            channels = vec![Vec::new(); n_channels];
        } else if channels.len() != n_channels {
            return Err(unsupported("the channel count changes mid-stream".into()));
        }
        let buf = match &mut buffer {
            Some(b) if b.capacity() >= decoded.capacity() * n_channels => b,
            _ => buffer.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buf.copy_interleaved_ref(decoded);
        for frame in buf.samples().chunks_exact(n_channels) {
            for (channel, &sample) in channels.iter_mut().zip(frame) {
                channel.push(sample);
            }
        }
    }
    let sample_rate = sample_rate
        .filter(|r| *r > 0)
        .ok_or_else(|| unsupported("the sample rate is unknown".into()))?;
    if channels.first().is_none_or(Vec::is_empty) {
        return Err(SpeechError::CorruptAudio {
            path: path.to_path_buf(),
            reason: "no audio samples could be decoded".into(),
        });
    }
    Ok(AudioClip {
        sample_rate,
        channels,
    })
}

fn corrupt(path: &Path, e: SymphoniaError) -> SpeechError {
    SpeechError::CorruptAudio {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Resamples one channel from `from_rate` to `to_rate` (band-limited FFT resampling).
pub fn resample(samples: &[f32], from_rate: u32, to_rate: u32) -> Result<Vec<f32>, SpeechError> {
    if from_rate == to_rate || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    const CHUNK: usize = 1024;
    let mut resampler = FftFixedIn::<f32>::new(from_rate as usize, to_rate as usize, CHUNK, 2, 1)
        .map_err(|e| SpeechError::Resample(e.to_string()))?;
    let delay = resampler.output_delay();
    let expected = (samples.len() as u64 * u64::from(to_rate) / u64::from(from_rate)) as usize;
    let mut out = Vec::with_capacity(expected + delay + CHUNK);
    let mut chunks = samples.chunks_exact(CHUNK);
    for chunk in &mut chunks {
        let block = resampler
            .process(&[chunk], None)
            .map_err(|e| SpeechError::Resample(e.to_string()))?;
        out.extend_from_slice(&block[0]);
    }
    let rest = chunks.remainder();
    // Flush the remainder, then push silence until the delayed tail has come out.
    let block = resampler
        .process_partial(Some(&[rest]), None)
        .map_err(|e| SpeechError::Resample(e.to_string()))?;
    out.extend_from_slice(&block[0]);
    while out.len() < expected + delay {
        let block = resampler
            .process_partial::<&[f32]>(None, None)
            .map_err(|e| SpeechError::Resample(e.to_string()))?;
        if block[0].is_empty() {
            break;
        }
        out.extend_from_slice(&block[0]);
    }
    let end = (delay + expected).min(out.len());
    Ok(out[delay.min(end)..end].to_vec())
}

/// Streaming resampler for live capture: accepts blocks of any size.
pub struct StreamResampler {
    resampler: Option<FftFixedIn<f32>>,
    pending: Vec<f32>,
    chunk: usize,
}

impl StreamResampler {
    /// A resampler from `from_rate` to 16 kHz.
    pub fn to_whisper(from_rate: u32) -> Result<Self, SpeechError> {
        const CHUNK: usize = 480;
        let resampler = if from_rate == WHISPER_SAMPLE_RATE {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(
                    from_rate as usize,
                    WHISPER_SAMPLE_RATE as usize,
                    CHUNK,
                    1,
                    1,
                )
                .map_err(|e| SpeechError::Resample(e.to_string()))?,
            )
        };
        Ok(Self {
            resampler,
            pending: Vec::new(),
            chunk: CHUNK,
        })
    }

    /// Feeds mono samples, returns whatever 16 kHz output is ready.
    pub fn push(&mut self, samples: &[f32]) -> Result<Vec<f32>, SpeechError> {
        let Some(resampler) = &mut self.resampler else {
            return Ok(samples.to_vec());
        };
        self.pending.extend_from_slice(samples);
        let mut out = Vec::new();
        let mut consumed = 0;
        while self.pending.len() - consumed >= self.chunk {
            let block = resampler
                .process(&[&self.pending[consumed..consumed + self.chunk]], None)
                .map_err(|e| SpeechError::Resample(e.to_string()))?;
            out.extend_from_slice(&block[0]);
            consumed += self.chunk;
        }
        self.pending.drain(..consumed);
        Ok(out)
    }
}

/// Reads a WAV/FLAC/MP3/Ogg file straight into 16 kHz mono samples.
pub fn load_whisper_mono(path: &Path) -> Result<(Vec<f32>, f64), SpeechError> {
    let clip = decode_file(path)?;
    Ok((clip.to_whisper_mono()?, clip.duration_seconds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn resampling_keeps_duration_and_frequency() {
        let input = sine(44_100, 440.0, 2.0);
        let out = resample(&input, 44_100, 16_000).unwrap();
        assert!((out.len() as i64 - 32_000).abs() <= 2, "{}", out.len());
        // 440 Hz at 16 kHz: about 880 zero crossings in 2 s.
        let crossings = out
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        assert!((crossings as i64 - 1760).abs() < 20, "{crossings}");
        let peak = out[1000..31_000].iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((peak - 0.5).abs() < 0.03, "{peak}");
    }

    #[test]
    fn downmix_averages_channels() {
        let clip = AudioClip {
            sample_rate: 16_000,
            channels: vec![vec![1.0, 0.0], vec![0.0, 0.5]],
        };
        assert_eq!(clip.downmix(), vec![0.5, 0.25]);
    }

    #[test]
    fn garbage_file_is_a_clear_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.wav");
        std::fs::write(&path, b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk").unwrap();
        let err = decode_file(&path).unwrap_err().to_string();
        assert!(err.contains("broken.wav"), "{err}");
        let missing = decode_file(&dir.path().join("absent.flac")).unwrap_err();
        assert!(matches!(missing, SpeechError::Io { .. }), "{missing}");
    }

    #[test]
    fn stream_resampler_matches_rate() {
        let input = sine(48_000, 300.0, 1.0);
        let mut rs = StreamResampler::to_whisper(48_000).unwrap();
        let mut out = Vec::new();
        for block in input.chunks(777) {
            out.extend(rs.push(block).unwrap());
        }
        assert!(out.len() > 15_000 && out.len() <= 16_000, "{}", out.len());
    }
}
