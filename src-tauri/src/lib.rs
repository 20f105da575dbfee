//! The PhysAlign desktop shell: Tauri commands and events over the engine crates. Every
//! decision (analysis, storage, sync) is made in `crates/`; this crate wires the window to it.

#![warn(missing_docs)]

pub mod commands;
pub mod error;
pub mod settings;
pub mod state;
pub mod sync_loop;

use commands::{SharedState, SyncBusy};
use settings::AppPaths;
use state::AppState;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;
use tauri::{Manager, Runtime};

/// The app's state for `paths`, with interrupted recordings completed first.
pub fn prepare_state(paths: AppPaths, launched_at: Instant) -> Result<SharedState, String> {
    let state = AppState::new(paths, launched_at).map_err(|e| e.to_string())?;
    match physalign_store::Store::open(&state.paths.db)
        .map_err(|e| e.to_string())
        .and_then(|store| {
            physalign_recorder::recover_interrupted(&store, &state.catalogue)
                .map_err(|e| e.to_string())
        }) {
        Ok(recovered) => {
            if let Ok(mut m) = state.metrics.lock() {
                m.recovered_sessions = recovered.len();
            }
        }
        // A damaged database must not keep the app from opening: the window shows the error
        // on the first command that needs it.
        Err(e) => tracing::error!("recovering interrupted recordings: {e}"),
    }
    Ok(Arc::new(state))
}

/// Registers state and commands on a builder (the real app and the mock-runtime tests).
pub fn with_commands<R: Runtime>(
    builder: tauri::Builder<R>,
    state: SharedState,
) -> tauri::Builder<R> {
    builder
        .manage(state)
        .manage::<SyncBusy>(Arc::new(AtomicBool::new(false)))
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::save_settings,
            commands::list_devices,
            commands::start_device_check,
            commands::stop_device_check,
            commands::list_exercises,
            commands::todays_program,
            commands::start_recording,
            commands::pause_recording,
            commands::resume_recording,
            commands::stop_recording,
            commands::session_history,
            commands::session_view,
            commands::session_angles,
            commands::sync_status,
            commands::sync_now,
            commands::login,
            commands::app_metrics,
        ])
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
                    if let Ok(mut m) = state.metrics.lock() {
                        m.model_warm_up_ms = Some(took.as_millis() as u64);
                    }
                }
                Err(e) => tracing::error!("loading the pose models: {e}"),
            });
            let state = app.state::<SharedState>().inner().clone();
            let busy = app.state::<SyncBusy>().inner().clone();
            sync_loop::spawn(app.handle().clone(), state.paths.db.clone(), busy);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("physalign-desktop: {e}");
        std::process::exit(1);
    }
}
