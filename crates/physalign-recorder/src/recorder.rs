//! The recording coordinator: one thread owns a recording from its first frame to its stored
//! summary. The caller holds a [`RecordingHandle`] to pause, resume or stop it; everything the
//! screen needs arrives as [`RecorderEvent`]s through a sink.
//!
//! The session row is created before the first frame and frames are committed every 250 ms, so
//! a crash loses at most the last quarter second; [`crate::recover_interrupted`] completes such
//! sessions on the next start.

use crate::engine::PoseEngine;
use crate::events::{LiveFrame, RecorderEvent};
use crate::latency::{LatencyLog, LatencySummary};
use crate::preview::{encode_preview, PreviewOptions};
use crate::source::{open_source, FrameSource, SourceSpec};
use crate::{completion_from_report, RecorderError};
use chrono::Utc;
use physalign_analysis::target::{target_status, AngleTarget};
use physalign_analysis::{
    Exercise, ExerciseOverrides, FrameAnalysis, FrameSize, SessionAnalyzer, SessionReport,
};
use physalign_domain::PoseFrame;
use physalign_store::{
    FrameRecord, FrameWriter, FrameWriterConfig, NewSession, RecordingInfo, Store,
};
use physalign_vision::PoseTracker;
use serde::Deserialize;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Receives the events of a recording, on the recording's threads: keep it quick.
pub type EventSink = Arc<dyn Fn(RecorderEvent) + Send + Sync>;

/// What to record.
#[derive(Debug, Clone)]
pub struct RecordingRequest {
    /// Camera or video file.
    pub source: SourceSpec,
    /// The exercise, from the catalogue.
    pub exercise: Exercise,
    /// The patient's prescription (targets, disabled rules).
    pub overrides: ExerciseOverrides,
    /// The patient, when known on this device.
    pub patient_id: Option<Uuid>,
    /// The program item recorded for (`None`: the only active item of the exercise, if one).
    pub program_item_id: Option<Uuid>,
    /// Live preview settings.
    pub preview: PreviewOptions,
    /// Transcribe the microphone alongside (`None`: no microphone).
    pub speech: Option<SpeechRequest>,
}

/// Microphone transcription settings.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct SpeechRequest {
    /// Input device name (a substring is enough); `None` for the system default.
    pub microphone: Option<String>,
    /// Whisper model name, e.g. `tiny.en`.
    pub model: String,
    /// The clinic's terms and replacements (the settings').
    pub vocabulary: physalign_domain::vocabulary::Vocabulary,
}

/// How a recording ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecordingOutcome {
    /// The stored session.
    pub session_id: Uuid,
    /// Frames analysed and stored.
    pub frames: u64,
    /// Full repetitions counted.
    pub reps: u32,
    /// Why the recording ended early, when it did (the frames so far are kept and analysed).
    pub interrupted: Option<String>,
    /// The microphone transcript, when there was one.
    pub transcript_id: Option<Uuid>,
    /// The engine's analysis of the whole session, as stored with it.
    #[serde(skip)]
    pub report: SessionReport,
    /// Capture-to-overlay latency of the frames the screen was sent (`None`: none was sent).
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub overlay_latency: Option<LatencySummary>,
}

enum Control {
    Pause,
    Resume,
    Stop,
}

/// A running recording.
pub struct RecordingHandle {
    session_id: Uuid,
    control: Sender<Control>,
    worker: Option<JoinHandle<Result<RecordingOutcome, RecorderError>>>,
}

impl RecordingHandle {
    /// The session being recorded.
    pub fn session_id(&self) -> Uuid {
        self.session_id
    }

    /// Pauses: no frames are read until [`RecordingHandle::resume`].
    pub fn pause(&self) -> Result<(), RecorderError> {
        self.send(Control::Pause)
    }

    /// Resumes a paused recording.
    pub fn resume(&self) -> Result<(), RecorderError> {
        self.send(Control::Resume)
    }

    /// Asks the recording to stop without waiting (e.g. from a signal handler); collect the
    /// outcome with [`RecordingHandle::stop`].
    pub fn request_stop(&self) {
        let _ = self.control.send(Control::Stop);
    }

    /// Waits until the recording ends on its own (the end of a video file, or an error) and
    /// returns the outcome; for a camera, use [`RecordingHandle::stop`].
    pub fn wait(mut self) -> Result<RecordingOutcome, RecorderError> {
        self.join()
    }

    /// Whether the recording ended on its own (end of the video file, or an error).
    pub fn is_finished(&self) -> bool {
        self.worker.as_ref().is_none_or(|w| w.is_finished())
    }

    /// Stops (if still running), waits until the session is stored and returns the outcome.
    pub fn stop(mut self) -> Result<RecordingOutcome, RecorderError> {
        // The worker may have ended already (end of file): then nobody listens, which is fine.
        let _ = self.control.send(Control::Stop);
        self.join()
    }

    fn join(&mut self) -> Result<RecordingOutcome, RecorderError> {
        let worker = self.worker.take().ok_or(RecorderError::NotRecording)?;
        worker
            .join()
            .map_err(|_| RecorderError::Worker("the recording thread panicked".into()))?
    }

    fn send(&self, control: Control) -> Result<(), RecorderError> {
        self.control
            .send(control)
            .map_err(|_| RecorderError::NotRecording)
    }
}

impl Drop for RecordingHandle {
    /// A dropped handle stops the recording and still stores it.
    fn drop(&mut self) {
        if self.worker.is_some() {
            let _ = self.control.send(Control::Stop);
            if let Err(e) = self.join() {
                tracing::error!("recording ended with an error: {e}");
            }
        }
    }
}

/// Starts recording into the store at `store_path`. Returns once the source is open, the models
/// are loaded and the session exists; bad input (unreadable video, no camera, unknown exercise
/// settings) fails here, before anything is stored.
pub fn start_recording(
    store_path: &Path,
    engine: Arc<PoseEngine>,
    request: RecordingRequest,
    sink: EventSink,
) -> Result<RecordingHandle, RecorderError> {
    let requested_at = Instant::now();
    let (control, control_rx) = mpsc::channel();
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let store_path = store_path.to_path_buf();
    // Decoders and camera handles are not `Send`: the source is opened on the thread that reads
    // it, which reports back once the session exists.
    let worker = std::thread::Builder::new()
        .name("recording".into())
        .spawn(move || {
            let worker = match Worker::prepare(
                store_path,
                engine,
                request,
                sink,
                control_rx,
                requested_at,
            ) {
                Ok(worker) => worker,
                Err(e) => {
                    let message = e.to_string();
                    let _ = ready_tx.send(Err(e));
                    return Err(RecorderError::Worker(message));
                }
            };
            let _ = ready_tx.send(Ok(worker.session_id));
            worker.run()
        })
        .map_err(|e| RecorderError::Worker(format!("cannot start the recording thread: {e}")))?;
    let session_id = match ready_rx.recv() {
        Ok(Ok(id)) => id,
        Ok(Err(e)) => {
            let _ = worker.join();
            return Err(e);
        }
        Err(_) => {
            let _ = worker.join();
            return Err(RecorderError::Worker(
                "the recording thread ended before starting".into(),
            ));
        }
    };
    Ok(RecordingHandle {
        session_id,
        control,
        worker: Some(worker),
    })
}

struct Worker {
    session_id: Uuid,
    store_path: PathBuf,
    store: Store,
    source: Box<dyn FrameSource>,
    analyzer: SessionAnalyzer,
    /// The target angle the live frames are judged against, overrides applied.
    target: Option<AngleTarget>,
    writer: Option<FrameWriter>,
    tracker: Option<PoseTracker>,
    engine: Arc<PoseEngine>,
    request: RecordingRequest,
    sink: EventSink,
    control: Receiver<Control>,
    requested_at: Instant,
}

/// Why the frame loop ended.
enum LoopEnd {
    EndOfSource,
    Stopped,
    Failed(String),
}

impl Worker {
    fn prepare(
        store_path: PathBuf,
        engine: Arc<PoseEngine>,
        request: RecordingRequest,
        sink: EventSink,
        control: Receiver<Control>,
        requested_at: Instant,
    ) -> Result<Self, RecorderError> {
        let source = open_source(&request.source)?;
        let info = source.info().clone();
        let analyzer = SessionAnalyzer::new(
            &request.exercise,
            &request.overrides,
            FrameSize::new(info.width, info.height),
        )?;
        let target = AngleTarget::of(&request.overrides.apply(&request.exercise)?);
        let tracker = engine.take()?;
        let store = Store::open(&store_path)?;
        let session_id = Uuid::new_v4();
        store.create_session_for_item(
            &NewSession {
                id: session_id,
                patient_id: request.patient_id,
                exercise_id: request.exercise.id.clone(),
                source: request.source.label(),
                started_at: Utc::now(),
            },
            request.program_item_id,
        )?;
        store.begin_recording(&RecordingInfo {
            session_id,
            frame_width: info.width,
            frame_height: info.height,
            source_fps: (info.fps > 0.0).then_some(info.fps),
            finished: false,
        })?;
        let writer = store.frame_writer_with(
            session_id,
            FrameWriterConfig {
                max_batch_delay: Duration::from_millis(250),
                ..FrameWriterConfig::default()
            },
        )?;
        Ok(Self {
            session_id,
            store_path,
            store,
            source,
            analyzer,
            target,
            writer: Some(writer),
            tracker: Some(tracker),
            engine,
            request,
            sink,
            control,
            requested_at,
        })
    }

    fn run(mut self) -> Result<RecordingOutcome, RecorderError> {
        let speech = self.start_speech();
        let target = self.request.exercise.target_rom.clone();
        (self.sink)(RecorderEvent::Started {
            session_id: self.session_id,
            source: self.source.info().clone(),
            exercise_id: self.request.exercise.id.clone(),
            exercise_name: self.request.exercise.name.clone(),
            target_reps: self.request.overrides.target_reps,
            target_angle: self
                .request
                .overrides
                .target_angle
                .or(target.as_ref().map(|t| t.angle)),
            target_tolerance: self
                .request
                .overrides
                .target_tolerance
                .or(target.as_ref().map(|t| t.tolerance)),
            startup_ms: self.requested_at.elapsed().as_millis() as u64,
        });

        let mut latency = LatencyLog::default();
        let (end, frames) = self.frame_loop(&mut latency);
        let mut interrupted = match end {
            LoopEnd::Failed(message) => Some(message),
            LoopEnd::EndOfSource | LoopEnd::Stopped => None,
        };
        if let Some(writer) = self.writer.take() {
            if let Err(e) = writer.finish() {
                interrupted.get_or_insert_with(|| format!("saving frames: {e}"));
            }
        }
        if let Some(tracker) = self.tracker.take() {
            self.engine.give_back(tracker);
        }
        let transcript_id = speech.and_then(|s| s.finish(&self.sink));

        let report = self.analyzer.finish();
        let completion = completion_from_report(&report)?;
        self.store.complete_session(self.session_id, &completion)?;
        self.store.finish_recording(self.session_id)?;
        (self.sink)(RecorderEvent::Finished {
            session_id: self.session_id,
            reps: report.reps,
            frames,
            interrupted: interrupted.clone(),
        });
        Ok(RecordingOutcome {
            session_id: self.session_id,
            frames,
            reps: report.reps,
            interrupted,
            transcript_id,
            report,
            overlay_latency: latency.summary(),
        })
    }

    fn frame_loop(&mut self, latency: &mut LatencyLog) -> (LoopEnd, u64) {
        let mut frames = 0u64;
        let mut recent: VecDeque<Instant> = VecDeque::new();
        let preview_every = preview_interval(&self.request.preview);
        let mut last_emit: Option<Instant> = None;
        let duration_ms = self.source.info().duration_ms.filter(|d| *d > 0);
        loop {
            match self.control.try_recv() {
                Ok(Control::Pause) => {
                    if !self.pause() {
                        return (LoopEnd::Stopped, frames);
                    }
                }
                Ok(Control::Stop) | Err(TryRecvError::Disconnected) => {
                    return (LoopEnd::Stopped, frames)
                }
                Ok(Control::Resume) | Err(TryRecvError::Empty) => {}
            }
            let frame = match self.source.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => return (LoopEnd::EndOfSource, frames),
                Err(e) => return (LoopEnd::Failed(e.to_string()), frames),
            };
            let captured_at = self.source.captured_at().unwrap_or_else(Instant::now);
            let Some(tracker) = self.tracker.as_mut() else {
                return (LoopEnd::Failed("the pose tracker is gone".into()), frames);
            };
            let pose = match tracker.process(&frame.image, frame.timestamp_ms) {
                Ok(pose) => pose,
                Err(e) => return (LoopEnd::Failed(format!("pose estimation: {e}")), frames),
            };
            let analysis = self.analyzer.push(&pose);
            if let Some(writer) = self.writer.as_mut() {
                if let Err(e) = writer.push(frame_record(frames, &pose, &analysis)) {
                    return (LoopEnd::Failed(format!("saving frames: {e}")), frames);
                }
            }
            frames += 1;

            let now = Instant::now();
            recent.push_back(now);
            while recent
                .front()
                .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
            {
                recent.pop_front();
            }
            let preview_due = preview_every
                .is_some_and(|every| last_emit.is_none_or(|t| now.duration_since(t) >= every));
            // Without previews the screen (or a terminal's progress bar) still hears a few
            // times a second how far the recording has come.
            let status_due = last_emit.is_none_or(|t| now.duration_since(t) >= STATUS_INTERVAL);
            let noteworthy = frames == 1
                || status_due
                || !analysis.events.is_empty()
                || !analysis.issues.is_empty()
                || !analysis.cues.is_empty();
            if preview_due || noteworthy {
                last_emit = Some(now);
                let preview = preview_due
                    .then(|| encode_preview(&frame.image, &self.request.preview))
                    .flatten();
                (self.sink)(RecorderEvent::Frame(Box::new(LiveFrame {
                    session_id: self.session_id,
                    frame_number: frames - 1,
                    landmarks: pose
                        .landmarks
                        .iter()
                        .map(|l| [l.x, l.y, l.visibility])
                        .collect(),
                    target: target_status(self.target.as_ref(), analysis.primary_angle),
                    analysis,
                    preview,
                    fps: recent.len() as f32,
                    progress: duration_ms
                        .map(|d| (frame.timestamp_ms as f32 / d as f32).clamp(0.0, 1.0)),
                    since_start_ms: self.requested_at.elapsed().as_millis() as u64,
                })));
                latency.record(captured_at.elapsed());
            }
        }
    }

    /// Waits while paused; returns false when the recording should stop instead.
    fn pause(&mut self) -> bool {
        self.source.pause();
        (self.sink)(RecorderEvent::Paused {
            session_id: self.session_id,
        });
        loop {
            match self.control.recv() {
                Ok(Control::Resume) => break,
                Ok(Control::Pause) => {}
                Ok(Control::Stop) | Err(_) => return false,
            }
        }
        self.source.resume();
        (self.sink)(RecorderEvent::Resumed {
            session_id: self.session_id,
        });
        true
    }

    fn start_speech(&self) -> Option<crate::speech::SpeechCapture> {
        let request = self.request.speech.as_ref()?;
        match crate::speech::SpeechCapture::start(
            &self.store_path,
            self.session_id,
            request,
            self.sink.clone(),
        ) {
            Ok(capture) => Some(capture),
            Err(e) => {
                (self.sink)(RecorderEvent::Warning {
                    message: format!("no live transcription: {e}"),
                });
                None
            }
        }
    }
}

/// The longest a recording goes without a frame event.
const STATUS_INTERVAL: Duration = Duration::from_millis(250);

fn preview_interval(options: &PreviewOptions) -> Option<Duration> {
    (options.max_fps > 0.0).then(|| Duration::from_secs_f32(1.0 / options.max_fps))
}

/// The stored form of an analysed frame.
pub(crate) fn frame_record(number: u64, pose: &PoseFrame, analysis: &FrameAnalysis) -> FrameRecord {
    FrameRecord {
        frame_number: number as i64,
        timestamp_ms: pose.timestamp_ms,
        landmarks: pose.landmarks.clone(),
        world_landmarks: pose.world_landmarks.clone(),
        angles: analysis
            .angles()
            .into_iter()
            .map(|(k, v)| (k, v as f32))
            .collect(),
        quality_score: analysis.quality.clamp(0.0, 1.0),
        form_issues: analysis.issues.iter().map(|i| i.issue.clone()).collect(),
    }
}
