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

/// One clinician who can see the patient's data, as Settings lists them.
#[derive(Debug, serde::Serialize, ts_rs::TS)]
pub struct CareTeamMemberView {
    /// The id that ends the relationship.
    pub physiotherapist_id: uuid::Uuid,
    /// The clinician's name ("A physiotherapist" when the server gives none).
    pub name: String,
    /// Since when.
    pub since: chrono::DateTime<chrono::Utc>,
}

/// What a patient is told when the care team cannot be reached.
const CARE_TEAM_NEEDS_NETWORK: &str =
    "Who can see your data is kept on the clinic's server: connect to the network and try again.";

fn care_team_error(e: physalign_sync::SyncError) -> crate::error::CommandError {
    match e {
        physalign_sync::SyncError::Unreachable { .. } => {
            crate::error::CommandError::new(CARE_TEAM_NEEDS_NETWORK)
        }
        e => e.into(),
    }
}

/// Who can see the signed-in patient's data (needs the server).
#[tauri::command]
pub async fn care_team(
    state: State<'_, SharedState>,
    sync: State<'_, SyncManager>,
) -> CommandResult<Vec<CareTeamMemberView>> {
    let state = state.inner().clone();
    let credentials = sync.credentials();
    blocking_task(move || {
        let team = blocking::care_team(&state.paths.db, credentials).map_err(care_team_error)?;
        Ok(team
            .into_iter()
            .map(|m| {
                let name = [m.first_name, m.last_name]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                CareTeamMemberView {
                    physiotherapist_id: m.physiotherapist_id,
                    name: if name.is_empty() {
                        "A physiotherapist".into()
                    } else {
                        name
                    },
                    since: m.since,
                }
            })
            .collect())
    })
    .await
}

/// Ends the signed-in patient's relationship with a clinician, on the server at once.
#[tauri::command]
pub async fn end_care(
    state: State<'_, SharedState>,
    sync: State<'_, SyncManager>,
    physiotherapist_id: uuid::Uuid,
) -> CommandResult<()> {
    let state = state.inner().clone();
    let credentials = sync.credentials();
    blocking_task(move || {
        blocking::end_care(&state.paths.db, credentials, physiotherapist_id)
            .map_err(care_team_error)
    })
    .await?;
    sync.wake();
    Ok(())
}
