//! Live transcription of the microphone during a recording, on its own thread: loading Whisper
//! and opening the device must not delay the first analysed frame, and a microphone that fails
//! only costs the transcript, never the exercise session.

use crate::events::RecorderEvent;
use crate::recorder::{EventSink, SpeechRequest};
use crate::RecorderError;
use std::path::Path;
use uuid::Uuid;

/// A running microphone transcription.
pub(crate) struct SpeechCapture {
    #[cfg(feature = "speech")]
    stop: std::sync::mpsc::Sender<()>,
    #[cfg(feature = "speech")]
    thread: std::thread::JoinHandle<Result<Uuid, RecorderError>>,
}

impl SpeechCapture {
    /// Starts loading the model and capturing in the background.
    #[cfg(feature = "speech")]
    pub(crate) fn start(
        store_path: &Path,
        session_id: Uuid,
        request: &SpeechRequest,
        sink: EventSink,
    ) -> Result<Self, RecorderError> {
        let (stop, stop_rx) = std::sync::mpsc::channel();
        let store_path = store_path.to_path_buf();
        let request = request.clone();
        let thread = std::thread::Builder::new()
            .name("recording-speech".into())
            .spawn(move || capture(&store_path, session_id, &request, &sink, &stop_rx))
            .map_err(|e| RecorderError::Speech(format!("cannot start: {e}")))?;
        Ok(Self { stop, thread })
    }

    /// Without the `speech` feature there is no transcription.
    #[cfg(not(feature = "speech"))]
    pub(crate) fn start(
        _store_path: &Path,
        _session_id: Uuid,
        _request: &SpeechRequest,
        _sink: EventSink,
    ) -> Result<Self, RecorderError> {
        Err(RecorderError::Speech(
            "this build has no speech support".into(),
        ))
    }

    /// Stops the microphone, waits for the last phrase and stores the transcript and its
    /// clinical notes; returns the transcript id. Failures become a warning event.
    pub(crate) fn finish(self, sink: &EventSink) -> Option<Uuid> {
        #[cfg(feature = "speech")]
        {
            let _ = self.stop.send(());
            let result = self
                .thread
                .join()
                .unwrap_or_else(|_| Err(RecorderError::Speech("the thread panicked".into())));
            match result {
                Ok(id) => Some(id),
                Err(e) => {
                    sink(RecorderEvent::Warning {
                        message: format!("transcription: {e}"),
                    });
                    None
                }
            }
        }
        #[cfg(not(feature = "speech"))]
        {
            let _ = sink;
            None
        }
    }
}

#[cfg(feature = "speech")]
fn capture(
    store_path: &Path,
    session_id: Uuid,
    request: &SpeechRequest,
    sink: &EventSink,
    stop: &std::sync::mpsc::Receiver<()>,
) -> Result<Uuid, RecorderError> {
    use physalign_speech::capture::Microphone;
    use physalign_speech::persist::{save_notes, LiveTranscript};
    use physalign_speech::stream::StreamingTranscription;
    use physalign_speech::{
        NoteExtractor, RuleBasedExtractor, TranscribeOptions, WhisperTranscriber,
    };
    use physalign_store::Store;
    use std::sync::Arc;

    let speech_error = |e: physalign_speech::SpeechError| RecorderError::Speech(e.to_string());
    let store = Store::open(store_path)?;
    let transcriber = WhisperTranscriber::load(&request.model).map_err(speech_error)?;
    let options = TranscribeOptions {
        vocabulary: request.vocabulary.clone(),
        ..TranscribeOptions::default()
    };
    let language = options.language.clone().unwrap_or_else(|| "auto".into());
    let live = LiveTranscript::begin(&store, Some(session_id), transcriber.model(), &language)
        .map_err(speech_error)?;
    let microphone = Microphone::open(request.microphone.as_deref()).map_err(speech_error)?;
    let (segments_tx, segments_rx) = std::sync::mpsc::channel();
    let stream = StreamingTranscription::start(Arc::new(transcriber), options, move |s| {
        let _ = segments_tx.send(s.clone());
    })
    .map_err(speech_error)?;
    let recording = microphone.record(stream.sender()).map_err(speech_error)?;
    let publish = |s: physalign_speech::Segment| {
        if let Err(e) = live.append(&store, &s) {
            tracing::warn!("cannot store a transcript segment: {e}");
        }
        sink(RecorderEvent::Transcript {
            session_id,
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            text: s.text,
        });
    };
    // Segments are stored and shown as they come until the recording stops.
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
        stop.recv_timeout(std::time::Duration::from_millis(100))
    {
        for s in segments_rx.try_iter() {
            publish(s);
        }
    }
    let capture_result = recording.stop();
    let transcript = stream.finish().map_err(speech_error)?;
    for s in segments_rx.try_iter() {
        publish(s);
    }
    let id = live.finish(&store, &transcript).map_err(speech_error)?;
    let notes = RuleBasedExtractor.extract(&transcript.text);
    save_notes(&store, id, &notes).map_err(speech_error)?;
    capture_result.map_err(speech_error)?;
    Ok(id)
}
