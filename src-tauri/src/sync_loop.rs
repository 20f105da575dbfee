//! Background sync: while the app runs and someone is signed in, the outbox is delivered every
//! minute (and at once on request); each round's status goes to the window as a `sync-status`
//! event. Recording never waits for it: sync reads the store on its own connection.

use crate::error::{CommandError, CommandResult};
use physalign_sync::{blocking, CredentialStore, SyncConfig, SyncStatus};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Runtime};

/// Event name of sync status updates.
pub const SYNC_EVENT: &str = "sync-status";

/// How often the background loop syncs.
const INTERVAL: Duration = Duration::from_secs(60);

/// Runs one sync round now, unless one is running; returns the status afterwards.
pub fn sync_now(db: &Path, busy: &AtomicBool) -> CommandResult<SyncStatus> {
    if busy.swap(true, Ordering::SeqCst) {
        return Ok(blocking::status(db)?);
    }
    let result = blocking::sync_once(
        db,
        CredentialStore::new(CredentialStore::default_dir()),
        SyncConfig::default(),
        Duration::from_secs(120),
    );
    busy.store(false, Ordering::SeqCst);
    if let Err(e) = result {
        // The status records the reason too; the window shows both.
        tracing::info!("sync round: {e}");
    }
    Ok(blocking::status(db)?)
}

/// Starts the background loop.
pub fn spawn<R: Runtime>(app: AppHandle<R>, db: PathBuf, busy: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("sync-loop".into())
        .spawn(move || loop {
            let signed_in = blocking::status(&db)
                .map(|s| s.server_url.is_some() && s.login_required.is_none())
                .unwrap_or(false);
            let status = if signed_in {
                sync_now(&db, &busy)
            } else {
                blocking::status(&db).map_err(CommandError::from)
            };
            match status {
                Ok(status) => {
                    let _ = app.emit(SYNC_EVENT, &status);
                }
                Err(e) => tracing::warn!("sync status: {e}"),
            }
            std::thread::sleep(INTERVAL);
        })
        .map(|_| ())
        .unwrap_or_else(|e| tracing::error!("cannot start the sync loop: {e}"));
}
