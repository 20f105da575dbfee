//! The sync state, "sync now" and signing in to the clinic server.

use super::{blocking_task, SharedState};
use crate::error::CommandResult;
use crate::events::SYNC_EVENT;
use crate::managers::SyncManager;
use crate::settings;
use physalign_sync::{blocking, LoginReport, SyncStatus};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Runtime, State};

/// How long "sync now" waits for the round it asked for.
const SYNC_NOW_WAIT: Duration = Duration::from_secs(60);

/// The sync state of this device.
#[tauri::command]
pub async fn sync_status(sync: State<'_, SyncManager>) -> CommandResult<SyncStatus> {
    Ok(sync.status().await?)
}

/// Asks the background worker for a round now (when signed in) and returns the status after
/// it; a request during a round is served by the next one, never by a second worker.
#[tauri::command]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    sync: State<'_, SyncManager>,
) -> CommandResult<SyncStatus> {
    let status = sync.sync_now(SYNC_NOW_WAIT).await?;
    let _ = app.emit(SYNC_EVENT, &status);
    Ok(status)
}

/// Signs this device in to the central server; background sync starts at once.
#[tauri::command]
pub async fn login(
    state: State<'_, SharedState>,
    sync: State<'_, SyncManager>,
    server_url: String,
    email: String,
    password: String,
) -> CommandResult<LoginReport> {
    let state = state.inner().clone();
    let credentials = sync.credentials();
    let report = blocking_task(move || {
        let report = blocking::login(&state.paths.db, credentials, &server_url, &email, &password)?;
        let mut settings = state.settings();
        settings.server_url = Some(report.server_url.clone());
        settings::save(&state.paths.settings, &settings)?;
        state.set_settings(settings);
        Ok(report)
    })
    .await?;
    sync.wake();
    Ok(report)
}
