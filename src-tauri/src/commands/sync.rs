//! The sync state, "sync now" and signing in to the clinic server.

use super::{blocking_task, SharedState};
use crate::error::CommandResult;
use crate::events::SYNC_EVENT;
use crate::managers::{LockManager, SyncManager};
use crate::settings::{self, Role};
use physalign_api::auth::Role as AccountRole;
use physalign_sync::{blocking, LoginReport, SyncStatus};
use physalign_workspace::access::may_open_workspace;
use physalign_workspace::lock::check_pin;
use std::sync::Arc;
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

/// Signs this device in to the central server; background sync starts at once. The device's
/// role follows the account's (a clinician's home is the workspace); a clinician's password is
/// kept as a salted hash for the idle lock, with the `pin` when one is given.
#[tauri::command]
pub async fn login(
    state: State<'_, SharedState>,
    sync: State<'_, SyncManager>,
    lock: State<'_, Arc<LockManager>>,
    server_url: String,
    email: String,
    password: String,
    pin: Option<String>,
) -> CommandResult<LoginReport> {
    let state = state.inner().clone();
    let lock = lock.inner().clone();
    let credentials = sync.credentials();
    let pin = pin.filter(|p| !p.trim().is_empty());
    let report = blocking_task(move || {
        if let Some(pin) = &pin {
            check_pin(pin)?;
        }
        let report = blocking::login(&state.paths.db, credentials, &server_url, &email, &password)?;
        let clinician = AccountRole::parse(&report.role).is_some_and(may_open_workspace);
        if clinician {
            lock.secrets()
                .remember_password(report.user_id, &password)?;
            if let Some(pin) = &pin {
                lock.secrets().set_pin(report.user_id, pin)?;
            }
        }
        let mut settings = state.settings();
        settings.role = Some(if clinician {
            Role::Therapist
        } else {
            Role::Patient
        });
        settings.server_url = Some(report.server_url.clone());
        settings::save(&state.paths.settings, &settings)?;
        state.set_settings(settings);
        Ok(report)
    })
    .await?;
    sync.wake();
    Ok(report)
}

/// Signs this device out: the identity, its tokens and what the server sent are cleared, and
/// the clinician's lock hashes forgotten; what they queued waits for their next sign-in (each
/// account's queue is its own). Returns the e-mail signed out.
#[tauri::command]
pub async fn sign_out(
    state: State<'_, SharedState>,
    sync: State<'_, SyncManager>,
    lock: State<'_, Arc<LockManager>>,
) -> CommandResult<Option<String>> {
    let state = state.inner().clone();
    let lock = lock.inner().clone();
    let credentials = sync.credentials();
    let email = blocking_task(move || {
        let user = physalign_store::Store::open(&state.paths.db)?
            .sync_identity()?
            .and_then(|i| i.user_id);
        let email = physalign_sync::logout(&state.paths.db, &credentials)?;
        if let Some(user) = user {
            lock.secrets().forget(user)?;
        }
        lock.release();
        Ok(email)
    })
    .await?;
    sync.wake();
    Ok(email)
}
