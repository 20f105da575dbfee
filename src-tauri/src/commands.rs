//! The commands the window calls. Each one is a thin call into the engine crates; blocking work
//! runs on a worker thread so the window never freezes.

use crate::error::{CommandError, CommandResult};
use crate::settings::{self, Settings};
use crate::state::{AppState, LaunchMetrics};
use crate::sync_loop;
use physalign_recorder::camera::{list_cameras, CameraDevice};
use physalign_recorder::device_check::{
    start_device_check as start_check, CheckEvent, DeviceCheckRequest,
};
use physalign_recorder::history::{self, HistoryEntry, SessionView};
use physalign_recorder::program::{self, ProgramEntry, ProgramItem};
use physalign_recorder::{
    start_recording as start, PreviewOptions, RecorderEvent, RecordingOutcome, RecordingRequest,
    SourceSpec, SpeechRequest,
};
use physalign_store::Store;
use physalign_sync::{blocking, CredentialStore, LoginReport, SyncStatus};
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Runtime, State};
use uuid::Uuid;

/// Event name of recording events ([`RecorderEvent`]).
pub const RECORDER_EVENT: &str = "recorder";

/// Event name of device-check events ([`CheckEvent`]).
pub const DEVICE_CHECK_EVENT: &str = "device-check";

/// The app state as commands receive it.
pub type SharedState = Arc<AppState>;

/// Guards against two sync rounds at once (the background loop and a button).
pub type SyncBusy = Arc<AtomicBool>;

async fn blocking_task<T: Send + 'static>(
    f: impl FnOnce() -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| CommandError::new(format!("background task failed: {e}")))?
}

/// What the window needs at start.
#[derive(Debug, Serialize)]
pub struct AppInfo {
    /// App version.
    pub version: String,
    /// Whether the first-run screen should show.
    pub first_run: bool,
    /// Current preferences.
    pub settings: Settings,
    /// The local database file.
    pub database: String,
    /// Whether the pose models are loaded.
    pub pose_ready: bool,
    /// Startup measurements.
    pub metrics: LaunchMetrics,
}

/// Startup information and preferences.
#[tauri::command]
pub fn app_info(state: State<'_, SharedState>) -> AppInfo {
    let settings = state.settings();
    AppInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        first_run: settings.role.is_none(),
        settings,
        database: state.paths.db.display().to_string(),
        pose_ready: state.engine.is_warm(),
        metrics: state.metrics.lock().map(|m| m.clone()).unwrap_or_default(),
    }
}

/// Saves the preferences; returns them as stored.
#[tauri::command]
pub fn save_settings(state: State<'_, SharedState>, settings: Settings) -> CommandResult<Settings> {
    for item in &settings.program {
        state.catalogue.get(&item.exercise_id)?;
    }
    settings::save(&state.paths.settings, &settings)?;
    if let Ok(mut current) = state.settings.lock() {
        *current = settings.clone();
    }
    Ok(settings)
}

/// Cameras and microphones present.
#[derive(Debug, Serialize)]
pub struct Devices {
    /// Cameras (empty: "no camera found").
    pub cameras: Vec<CameraDevice>,
    /// Microphone names (empty: "no microphone").
    pub microphones: Vec<String>,
    /// Why microphones could not be listed, if they could not.
    pub microphone_error: Option<String>,
}

/// Lists cameras and microphones.
#[tauri::command]
pub async fn list_devices() -> CommandResult<Devices> {
    blocking_task(|| {
        let (microphones, microphone_error) = match physalign_speech::capture::input_device_names()
        {
            Ok(names) => (names, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        Ok(Devices {
            cameras: list_cameras(),
            microphones,
            microphone_error,
        })
    })
    .await
}

/// What the setup screen wants to see and hear.
#[derive(Debug, Deserialize)]
pub struct DeviceCheckArgs {
    /// The camera to show (a video file works too, for demonstrations and tests).
    pub camera: Option<SourceSpec>,
    /// Show the microphone level.
    #[serde(default)]
    pub listen: bool,
    /// Microphone name (part of it is enough); `None`: the system default.
    pub microphone: Option<String>,
}

/// Starts (or restarts) the live camera picture and microphone level of the setup screens; they
/// arrive as `device-check` events until [`stop_device_check`] or a recording starts.
#[tauri::command]
pub async fn start_device_check<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, SharedState>,
    request: DeviceCheckArgs,
) -> CommandResult<()> {
    let state = state.inner().clone();
    blocking_task(move || {
        // The devices belong to a recording while one runs.
        let recording = state
            .recording
            .lock()
            .map_err(|_| CommandError::new("recording state is poisoned"))?
            .as_ref()
            .is_some_and(|r| !r.is_finished());
        if recording {
            return Err(physalign_recorder::RecorderError::Busy.into());
        }
        state.stop_device_check();
        let handle = start_check(
            state.engine.clone(),
            DeviceCheckRequest {
                camera: request.camera,
                microphone: request.listen.then_some(request.microphone),
                preview: PreviewOptions {
                    max_fps: 10.0,
                    max_side: 320,
                    ..PreviewOptions::default()
                },
            },
            Arc::new(move |event: CheckEvent| {
                if let Err(e) = app.emit(DEVICE_CHECK_EVENT, &event) {
                    tracing::warn!("cannot forward a device-check event: {e}");
                }
            }),
        )?;
        if let Ok(mut slot) = state.device_check.lock() {
            *slot = Some(handle);
        }
        Ok(())
    })
    .await
}

/// Stops the camera picture and microphone level of the setup screens.
#[tauri::command]
pub async fn stop_device_check(state: State<'_, SharedState>) -> CommandResult<()> {
    let state = state.inner().clone();
    blocking_task(move || {
        state.stop_device_check();
        Ok(())
    })
    .await
}

/// An exercise of the catalogue, as the picker shows it.
#[derive(Debug, Serialize)]
pub struct ExerciseInfo {
    /// Catalogue id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One line for the patient.
    pub description: String,
    /// `reps` or `hold`.
    pub mode: String,
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
            mode: match e.mode {
                physalign_analysis::exercise::Mode::Reps => "reps".into(),
                physalign_analysis::exercise::Mode::Hold => "hold".into(),
            },
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
#[derive(Debug, Deserialize)]
pub struct StartRequest {
    /// Camera or video file.
    pub source: SourceSpec,
    /// Exercise id and targets.
    #[serde(flatten)]
    pub item: ProgramItem,
}

/// Starts a recording; its progress arrives as `recorder` events.
#[tauri::command]
pub async fn start_recording<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, SharedState>,
    request: StartRequest,
) -> CommandResult<Uuid> {
    let state = state.inner().clone();
    blocking_task(move || {
        // The recording needs the camera and the microphone the setup screen may hold.
        state.stop_device_check();
        let mut slot = state
            .recording
            .lock()
            .map_err(|_| CommandError::new("recording state is poisoned"))?;
        if let Some(previous) = slot.take() {
            if !previous.is_finished() {
                *slot = Some(previous);
                return Err(physalign_recorder::RecorderError::Busy.into());
            }
            // Ended on its own (end of file): collect it.
            if let Err(e) = previous.stop() {
                tracing::warn!("previous recording: {e}");
            }
        }
        let settings = state.settings();
        let exercise = state.catalogue.get(&request.item.exercise_id)?.clone();
        let speech = settings.transcribe.then(|| SpeechRequest {
            microphone: settings.microphone.clone(),
            model: settings.whisper_model.clone(),
        });
        let sink_state = state.clone();
        let spoken_cues = settings.spoken_cues;
        let handle = start(
            &state.paths.db,
            state.engine.clone(),
            RecordingRequest {
                source: request.source,
                exercise,
                overrides: request.item.overrides(),
                patient_id: None,
                preview: PreviewOptions::default(),
                speech,
            },
            Arc::new(move |event: RecorderEvent| {
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
            }),
        )?;
        let id = handle.session_id();
        *slot = Some(handle);
        Ok(id)
    })
    .await
}

fn note_first_frame(state: &AppState) {
    if let Ok(mut metrics) = state.metrics.lock() {
        if metrics.launch_to_first_frame_ms.is_none() {
            let ms = state.launched_at.elapsed().as_millis() as u64;
            tracing::info!(ms, "launch to first analysed frame");
            metrics.launch_to_first_frame_ms = Some(ms);
        }
    }
}

fn with_recording<T>(
    state: &AppState,
    f: impl FnOnce(&physalign_recorder::RecordingHandle) -> CommandResult<T>,
) -> CommandResult<T> {
    let slot = state
        .recording
        .lock()
        .map_err(|_| CommandError::new("recording state is poisoned"))?;
    let handle = slot
        .as_ref()
        .ok_or(physalign_recorder::RecorderError::NotRecording)?;
    f(handle)
}

/// Pauses the recording.
#[tauri::command]
pub fn pause_recording(state: State<'_, SharedState>) -> CommandResult<()> {
    with_recording(&state, |h| Ok(h.pause()?))
}

/// Resumes the recording.
#[tauri::command]
pub fn resume_recording(state: State<'_, SharedState>) -> CommandResult<()> {
    with_recording(&state, |h| Ok(h.resume()?))
}

/// Stops the recording and waits until it is stored; `None` when nothing was recording.
#[tauri::command]
pub async fn stop_recording(
    state: State<'_, SharedState>,
) -> CommandResult<Option<RecordingOutcome>> {
    let state = state.inner().clone();
    blocking_task(move || {
        let handle = state
            .recording
            .lock()
            .map_err(|_| CommandError::new("recording state is poisoned"))?
            .take();
        match handle {
            Some(handle) => Ok(Some(handle.stop()?)),
            None => Ok(None),
        }
    })
    .await
}

/// Past sessions, most recent first.
#[tauri::command]
pub async fn session_history(
    state: State<'_, SharedState>,
    limit: Option<usize>,
) -> CommandResult<Vec<HistoryEntry>> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        Ok(history::session_history(&store, limit.unwrap_or(200))?)
    })
    .await
}

/// One session for the summary screen.
#[tauri::command]
pub async fn session_view(
    state: State<'_, SharedState>,
    session_id: Uuid,
) -> CommandResult<Option<SessionView>> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        Ok(history::session_view(&store, session_id)?)
    })
    .await
}

/// The session's primary joint angle over time, at most `max_points` points.
#[tauri::command]
pub async fn session_angles(
    state: State<'_, SharedState>,
    session_id: Uuid,
    max_points: Option<usize>,
) -> CommandResult<history::AngleSeries> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        Ok(history::angle_series(
            &store,
            session_id,
            max_points.unwrap_or(600),
        )?)
    })
    .await
}

/// The sync state of this device.
#[tauri::command]
pub async fn sync_status(state: State<'_, SharedState>) -> CommandResult<SyncStatus> {
    let db = state.paths.db.clone();
    blocking_task(move || Ok(blocking::status(&db)?)).await
}

/// Syncs now (when signed in) and returns the status.
#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, SharedState>,
    busy: State<'_, SyncBusy>,
) -> CommandResult<SyncStatus> {
    let db = state.paths.db.clone();
    let busy = busy.inner().clone();
    let status = blocking_task(move || sync_loop::sync_now(&db, &busy)).await?;
    let _ = app.emit(sync_loop::SYNC_EVENT, &status);
    Ok(status)
}

/// Signs this device in to the central server.
#[tauri::command]
pub async fn login(
    state: State<'_, SharedState>,
    server_url: String,
    email: String,
    password: String,
) -> CommandResult<LoginReport> {
    let state = state.inner().clone();
    blocking_task(move || {
        let report = blocking::login(
            &state.paths.db,
            CredentialStore::new(CredentialStore::default_dir()),
            &server_url,
            &email,
            &password,
        )?;
        let mut settings = state.settings();
        settings.server_url = Some(report.server_url.clone());
        settings::save(&state.paths.settings, &settings)?;
        if let Ok(mut current) = state.settings.lock() {
            *current = settings;
        }
        Ok(report)
    })
    .await
}

/// Resource use of the app process.
#[derive(Debug, Serialize)]
pub struct ProcessMetrics {
    /// Startup measurements.
    pub launch: LaunchMetrics,
    /// Resident memory now, KiB (Linux).
    pub rss_kib: Option<u64>,
    /// Peak resident memory, KiB (Linux).
    pub peak_rss_kib: Option<u64>,
}

/// Startup latency and memory of the Rust process (the webview's processes are separate).
#[tauri::command]
pub fn app_metrics(state: State<'_, SharedState>) -> ProcessMetrics {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    ProcessMetrics {
        launch: state.metrics.lock().map(|m| m.clone()).unwrap_or_default(),
        rss_kib: field("VmRSS:"),
        peak_rss_kib: field("VmHWM:"),
    }
}
