//! Startup information, preferences and the app's own measurements.

use super::SharedState;
use crate::error::CommandResult;
use crate::settings::{self, Settings};
use crate::state::LaunchMetrics;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

/// What the window needs at start.
#[derive(Debug, Serialize, TS)]
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
        metrics: state.metrics(),
    }
}

/// Saves the preferences; returns them as stored.
#[tauri::command]
pub fn save_settings(state: State<'_, SharedState>, settings: Settings) -> CommandResult<Settings> {
    for item in &settings.program {
        state.catalogue.get(&item.exercise_id)?;
    }
    settings::save(&state.paths.settings, &settings)?;
    state.set_settings(settings.clone());
    Ok(settings)
}

/// Resource use of the app process.
#[derive(Debug, Serialize, TS)]
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
        launch: state.metrics(),
        rss_kib: field("VmRSS:"),
        peak_rss_kib: field("VmHWM:"),
    }
}
