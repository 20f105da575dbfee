//! What to exercise today, and recording a session.

use super::{blocking_task, SharedState};
use crate::error::CommandResult;
use crate::events::RECORDER_EVENT;
use crate::managers::{CaptureManager, LockManager};
use crate::state::AppState;
use physalign_analysis::exercise::Mode;
use physalign_recorder::program::{self, ProgramEntry, ProgramItem};
use physalign_recorder::{
    PreviewOptions, RecorderEvent, RecordingOutcome, RecordingRequest, SourceSpec, SpeechRequest,
};
use physalign_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Runtime, State};
use ts_rs::TS;
use uuid::Uuid;

/// An exercise of the catalogue, as the picker shows it.
#[derive(Debug, Serialize, TS)]
pub struct ExerciseInfo {
    /// Catalogue id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One line for the patient.
    pub description: String,
    /// Counted repetitions or a timed hold.
    pub mode: Mode,
    /// Default target angle.
    pub target_angle: Option<f32>,
}

/// The exercise catalogue.
#[tauri::command]
pub fn list_exercises(state: State<'_, SharedState>) -> Vec<ExerciseInfo> {
    state
        .catalogue
        .iter()
        .map(|e| ExerciseInfo {
            id: e.id.clone(),
            name: e.name.clone(),
            description: e.description.clone(),
            mode: e.mode,
            target_angle: e.target_rom.as_ref().map(|t| t.angle),
        })
        .collect()
}

/// Today's prescribed and picked exercises.
#[tauri::command]
pub async fn todays_program(state: State<'_, SharedState>) -> CommandResult<Vec<ProgramEntry>> {
    let state = state.inner().clone();
    blocking_task(move || {
        let store = Store::open(&state.paths.db)?;
        Ok(program::todays_program(
            &store,
            &state.catalogue,
            &state.settings().program,
        )?)
    })
    .await
}

/// What the window asks to record.
#[derive(Debug, Deserialize, TS)]
pub struct StartRequest {
    /// Camera or video file.
    pub source: SourceSpec,
    /// Exercise id and targets.
    #[serde(flatten)]
    pub item: ProgramItem,
    /// The prescribed program item, when started from one on Today.
    #[serde(default)]
    pub program_item_id: Option<Uuid>,
    /// Recording in clinic: the patient the session belongs to (one on the signed-in
    /// clinician's roster; the engine refuses anyone else).
    #[serde(default)]
    pub patient_id: Option<Uuid>,
}

/// Starts a recording (ending the device check); its progress arrives as `recorder` events.
#[tauri::command]
pub async fn start_recording<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, SharedState>,
    capture: State<'_, Arc<CaptureManager>>,
    lock: State<'_, Arc<LockManager>>,
    request: StartRequest,
) -> CommandResult<Uuid> {
    let state = state.inner().clone();
    let capture = capture.inner().clone();
    let lock = lock.inner().clone();
    blocking_task(move || {
        let settings = state.settings();
        let exercise = state.catalogue.get(&request.item.exercise_id)?.clone();
        if let Some(patient_id) = request.patient_id {
            let store = Store::open(&state.paths.db)?;
            let clinician = physalign_workspace::access::require_care_patient(&store, patient_id)?;
            lock.check(clinician.user_id)?;
        }
        let speech = settings.transcribe.then(|| SpeechRequest {
            microphone: settings.microphone.clone(),
            model: settings.whisper_model.clone(),
            vocabulary: settings.vocabulary.clone(),
        });
        let request = RecordingRequest {
            source: request.source,
            exercise,
            overrides: request.item.overrides(),
            patient_id: request.patient_id,
            program_item_id: request.program_item_id,
            preview: PreviewOptions::default(),
            speech,
        };
        let spoken_cues = settings.spoken_cues;
        let sink_state = state.clone();
        let sink = Arc::new(move |event: RecorderEvent| {
            if let RecorderEvent::Frame(frame) = &event {
                note_first_frame(&sink_state);
                if let (true, Some(speaker), Some(cue)) = (
                    spoken_cues,
                    sink_state.speaker.as_ref(),
                    frame.analysis.cues.first(),
                ) {
                    speaker.say(cue);
                }
            }
            if let Err(e) = app.emit(RECORDER_EVENT, &event) {
                tracing::warn!("cannot forward a recording event: {e}");
            }
        });
        Ok(capture.start_recording(request, sink)?)
    })
    .await
}

fn note_first_frame(state: &AppState) {
    state.update_metrics(|metrics| {
        if metrics.launch_to_first_frame_ms.is_none() {
            let ms = state.launched_at.elapsed().as_millis() as u64;
            tracing::info!(ms, "launch to first analysed frame");
            metrics.launch_to_first_frame_ms = Some(ms);
        }
    });
}

/// Pauses the recording.
#[tauri::command]
pub fn pause_recording(capture: State<'_, Arc<CaptureManager>>) -> CommandResult<()> {
    Ok(capture.pause_recording()?)
}

/// Resumes the recording.
#[tauri::command]
pub fn resume_recording(capture: State<'_, Arc<CaptureManager>>) -> CommandResult<()> {
    Ok(capture.resume_recording()?)
}

/// Stops the recording and waits until it is stored; `None` when nothing was recording.
#[tauri::command]
pub async fn stop_recording(
    capture: State<'_, Arc<CaptureManager>>,
) -> CommandResult<Option<RecordingOutcome>> {
    let capture = capture.inner().clone();
    blocking_task(move || Ok(capture.stop_recording()?)).await
}
