//! Streaming transcription while recording: audio blocks go in through a channel, segments come
//! out through a callback as soon as each spoken phrase ends (voice activity decides where).

use crate::transcribe::{Segment, TranscribeOptions, Transcript, WhisperTranscriber};
use crate::vad::Segmenter;
use crate::SpeechError;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

/// A transcription running on its own thread.
pub struct StreamingTranscription {
    audio: Sender<Vec<f32>>,
    worker: JoinHandle<Result<Transcript, SpeechError>>,
}

impl StreamingTranscription {
    /// Starts the worker. `on_segment` is called on the worker thread for each segment, with
    /// absolute timestamps, as soon as it is recognised.
    pub fn start<F>(
        transcriber: Arc<WhisperTranscriber>,
        options: TranscribeOptions,
        on_segment: F,
    ) -> Result<Self, SpeechError>
    where
        F: FnMut(&Segment) + Send + 'static,
    {
        let (audio, blocks) = mpsc::channel::<Vec<f32>>();
        let worker = std::thread::Builder::new()
            .name("physalign-transcribe".into())
            .spawn(move || run(&transcriber, &options, &blocks, on_segment))
            .map_err(|e| SpeechError::Stream(format!("cannot start worker: {e}")))?;
        Ok(Self { audio, worker })
    }

    /// A sender for 16 kHz mono blocks (hand it to a capture callback).
    pub fn sender(&self) -> Sender<Vec<f32>> {
        self.audio.clone()
    }

    /// Queues 16 kHz mono samples.
    pub fn push(&self, samples: Vec<f32>) -> Result<(), SpeechError> {
        self.audio
            .send(samples)
            .map_err(|_| SpeechError::Stream("the worker has stopped".into()))
    }

    /// Ends the stream (after every other sender is dropped too), waits for the last phrase and
    /// returns the full transcript.
    pub fn finish(self) -> Result<Transcript, SpeechError> {
        drop(self.audio);
        self.worker
            .join()
            .map_err(|_| SpeechError::Stream("the worker panicked".into()))?
    }
}

fn run<F>(
    transcriber: &WhisperTranscriber,
    options: &TranscribeOptions,
    blocks: &Receiver<Vec<f32>>,
    mut on_segment: F,
) -> Result<Transcript, SpeechError>
where
    F: FnMut(&Segment),
{
    let mut state = transcriber.new_state()?;
    let replacer = crate::vocabulary::Replacer::new(&options.vocabulary);
    let mut segmenter = Segmenter::new(options.vad);
    let mut segments: Vec<Segment> = Vec::new();
    let mut samples_seen = 0usize;
    let mut busy = 0.0;
    let mut handle = |chunk, segments: &mut Vec<Segment>, busy: &mut f64| {
        let started = Instant::now();
        let found = transcriber.transcribe_chunk(&mut state, &chunk, options, replacer.as_ref())?;
        *busy += started.elapsed().as_secs_f64();
        for s in found {
            on_segment(&s);
            segments.push(s);
        }
        Ok::<(), SpeechError>(())
    };
    for block in blocks {
        samples_seen += block.len();
        for chunk in segmenter.push(&block) {
            handle(chunk, &mut segments, &mut busy)?;
        }
    }
    if let Some(chunk) = segmenter.finish() {
        handle(chunk, &mut segments, &mut busy)?;
    }
    let audio_seconds = samples_seen as f64 / f64::from(crate::audio::WHISPER_SAMPLE_RATE);
    let language = if transcriber.is_multilingual() {
        options.language.as_deref().unwrap_or("auto")
    } else {
        "en"
    };
    Ok(Transcript::from_segments(
        segments,
        audio_seconds,
        busy,
        transcriber.model(),
        language,
    ))
}
