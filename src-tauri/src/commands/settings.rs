//! Startup information, preferences, what the care team receives (the patient's consent) and
//! the app's own measurements.

use super::{blocking_task, SharedState};
use crate::error::{CommandError, CommandResult};
use crate::settings::{self, Settings};
use crate::state::LaunchMetrics;
use physalign_store::{ConsentSettings, Store};
use serde::{Deserialize, Serialize};
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
pub fn save_settings(
    state: State<'_, SharedState>,
    mut settings: Settings,
) -> CommandResult<Settings> {
    for item in &settings.program {
        state.catalogue.get(&item.exercise_id)?;
    }
    settings.vocabulary = settings
        .vocabulary
        .checked()
        .map_err(|e| CommandError::new(format!("Speech vocabulary: {e}.")))?;
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

/// What is said on every consent screen: there is no setting for it.
pub const NEVER_LEAVES: &str = "Video and audio never leave this device.";

/// What of a session the care team receives, as the Settings screen shows and changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Consent {
    /// Clinical notes (pain, mood, action items, risk and crisis flags) are sent.
    pub share_notes: bool,
    /// The transcript text is sent.
    pub share_transcript: bool,
    /// The fixed line on what never leaves the device (ignored when saving).
    #[serde(default)]
    pub never_leaves: String,
}

impl From<ConsentSettings> for Consent {
    fn from(c: ConsentSettings) -> Self {
        Self {
            share_notes: c.share_notes,
            share_transcript: c.share_transcript,
            never_leaves: NEVER_LEAVES.into(),
        }
    }
}

/// The patient's consent settings, as sync applies them.
#[tauri::command]
pub async fn consent_settings(state: State<'_, SharedState>) -> CommandResult<Consent> {
    let db = state.paths.db.clone();
    blocking_task(move || Ok(Store::open(&db)?.consent_settings()?.into())).await
}

/// Saves the patient's consent settings (they apply to every delivery from now on); returns
/// them as stored.
#[tauri::command]
pub async fn save_consent_settings(
    state: State<'_, SharedState>,
    consent: Consent,
) -> CommandResult<Consent> {
    let db = state.paths.db.clone();
    blocking_task(move || {
        let store = Store::open(&db)?;
        store.set_consent_settings(ConsentSettings {
            share_notes: consent.share_notes,
            share_transcript: consent.share_transcript,
        })?;
        Ok(store.consent_settings()?.into())
    })
    .await
}
