//! The PhysAlign desktop shell: Tauri commands and events over the engine crates. Every
//! decision (analysis, storage, sync) is made in `crates/`; this crate wires the window to it.
//!
//! - [`commands`]: what the window calls, by area (settings, devices, recording, history,
//!   crisis resources, sync, the therapist's workspace, outcome questionnaires).
//! - [`managers`]: what owns a lifecycle (the devices, background sync, the idle lock), in
//!   Tauri's state.
//! - [`events`]: the names of the events the window listens to.
//! - [`bindings`]: the TypeScript declarations of everything crossing to the window.

#![warn(missing_docs)]

pub mod bindings;
pub mod commands;
pub mod error;
pub mod events;
pub mod managers;
pub mod settings;
pub mod state;

use commands::SharedState;
use managers::{CaptureManager, LockManager, StatusSink, SyncManager};
use physalign_sync::{CredentialStore, SyncConfig, SyncStatus};
use settings::AppPaths;
use state::AppState;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// How often background sync looks at the outbox when nothing wakes it.
const SYNC_POLL: Duration = Duration::from_secs(60);

/// The app's state for `paths`, with interrupted recordings completed first.
pub fn prepare_state(paths: AppPaths, launched_at: Instant) -> Result<SharedState, String> {
    let state = AppState::new(paths, launched_at).map_err(|e| e.to_string())?;
    match physalign_store::Store::open(&state.paths.db)
        .map_err(|e| e.to_string())
        .and_then(|store| {
            physalign_recorder::recover_interrupted(&store, &state.catalogue)
                .map_err(|e| e.to_string())
        }) {
        Ok(recovered) => state.update_metrics(|m| m.recovered_sessions = recovered.len()),
        // A damaged database must not keep the app from opening: the window shows the error
        // on the first command that needs it.
        Err(e) => tracing::error!("recovering interrupted recordings: {e}"),
    }
    Ok(Arc::new(state))
}

/// Registers state, managers and commands on a builder (the real app and the mock-runtime
/// tests). Background sync starts with [`start_sync`].
pub fn with_commands<R: Runtime>(
    builder: tauri::Builder<R>,
    state: SharedState,
) -> tauri::Builder<R> {
    let capture = Arc::new(CaptureManager::new(
        state.paths.db.clone(),
        state.engine.clone(),
    ));
    let sync = SyncManager::new(
        state.paths.db.clone(),
        CredentialStore::new(state.paths.credentials.clone()),
        SyncConfig::default(),
        SYNC_POLL,
    );
    let lock = Arc::new(LockManager::new(
        state.paths.lock_secrets.clone(),
        state.settings().lock_idle_minutes,
    ));
    builder
        .manage(state)
        .manage(capture)
        .manage(sync)
        .manage(lock)
        .invoke_handler(tauri::generate_handler![
            commands::settings::app_info,
            commands::settings::save_settings,
            commands::settings::app_metrics,
            commands::settings::consent_settings,
            commands::settings::save_consent_settings,
            commands::devices::list_devices,
            commands::devices::start_device_check,
            commands::devices::stop_device_check,
            commands::recording::list_exercises,
            commands::recording::todays_program,
            commands::recording::start_recording,
            commands::recording::pause_recording,
            commands::recording::resume_recording,
            commands::recording::stop_recording,
            commands::history::session_history,
            commands::history::session_view,
            commands::history::session_angles,
            commands::history::delete_transcript,
            commands::history::keep_transcript,
            commands::crisis::recent_crisis,
            commands::crisis::acknowledge_crisis,
            commands::sync::sync_status,
            commands::sync::sync_now,
            commands::sync::login,
            commands::sync::sign_out,
            commands::sync::care_team,
            commands::sync::end_care,
            commands::workspace::workspace_access,
            commands::workspace::workspace_today,
            commands::workspace::workspace_roster,
            commands::workspace::workspace_chart,
            commands::workspace::workspace_monitoring,
            commands::workspace::workspace_replay,
            commands::workspace::workspace_compare,
            commands::workspace::workspace_measure,
            commands::workspace::save_measurement,
            commands::workspace::workspace_measurements,
            commands::workspace::acknowledge_alert,
            commands::workspace::write_review,
            commands::workspace::prescribe_item,
            commands::workspace::edit_item,
            commands::workspace::end_item,
            commands::workspace::register_patient,
            commands::workspace::lock_status,
            commands::workspace::lock_activity,
            commands::workspace::lock_now,
            commands::workspace::unlock,
            commands::workspace::set_lock_pin,
            commands::workspace::set_lock_minutes,
            commands::outcomes::outcome_overview,
            commands::outcomes::outcome_form,
            commands::outcomes::record_questionnaire,
            commands::outcomes::set_outcome_plan,
            commands::calendar::workspace_calendar,
            commands::calendar::book_appointment,
            commands::calendar::move_appointment,
            commands::calendar::cancel_appointment,
            commands::calendar::recur_appointment,
            commands::calendar::mark_no_show,
            commands::calendar::prepare_appointment,
            commands::calendar::resolve_appointment_conflict,
            commands::calendar::patient_agenda,
        ])
}

/// Starts background sync; every status goes to the window as a `sync-status` event.
pub fn start_sync<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    let sink: StatusSink = Arc::new(move |status: &SyncStatus| {
        if let Err(e) = handle.emit(events::SYNC_EVENT, status) {
            tracing::warn!("cannot forward the sync status: {e}");
        }
    });
    app.state::<SyncManager>().start(sink);
}

/// Runs the desktop app; `launched_at` is the process start, for the startup measurement.
pub fn run(launched_at: Instant) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PHYSALIGN_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let state = match prepare_state(AppPaths::from_env(), launched_at) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("physalign-desktop: {e}");
            std::process::exit(1);
        }
    };
    let result = with_commands(tauri::Builder::default(), state)
        .setup(|app| {
            // An installed app carries its models (src-tauri/build-deb.sh); a provisioned
            // user cache still comes first.
            if let Ok(resources) = app.path().resource_dir() {
                physalign_models::use_bundled_models(resources.join("models"));
            }
            let state = app.state::<SharedState>().inner().clone();
            // Load the pose models while the patient looks at the first screen.
            std::thread::spawn(move || match state.engine.warm_up() {
                Ok(took) => {
                    tracing::info!(ms = took.as_millis() as u64, "pose models loaded");
                    state.update_metrics(|m| m.model_warm_up_ms = Some(took.as_millis() as u64));
                }
                Err(e) => tracing::error!("loading the pose models: {e}"),
            });
            start_sync(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("physalign-desktop: {e}");
        std::process::exit(1);
    }
}
