//! Blocking entry points for callers without an async runtime (the CLI): each runs the async
//! operation on a runtime of its own.

use crate::{
    CredentialStore, LoginReport, RunReport, SyncConfig, SyncError, SyncStatus, SyncWorker,
};
use physalign_store::Store;
use std::path::Path;
use std::time::Duration;

fn runtime() -> Result<tokio::runtime::Runtime, SyncError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| SyncError::Task(format!("starting the async runtime: {e}")))
}

/// [`crate::login`] on its own runtime.
pub fn login(
    db: &Path,
    credentials: CredentialStore,
    server_url: &str,
    email: &str,
    password: &str,
) -> Result<LoginReport, SyncError> {
    runtime()?.block_on(crate::login(db, credentials, server_url, email, password))
}

/// [`crate::claim`] on its own runtime.
pub fn claim(
    db: &Path,
    credentials: CredentialStore,
    server_url: &str,
    invitation_code: &str,
    email: &str,
    password: &str,
) -> Result<LoginReport, SyncError> {
    runtime()?.block_on(crate::claim(
        db,
        credentials,
        server_url,
        invitation_code,
        email,
        password,
    ))
}

/// [`crate::register_patient`] on its own runtime.
pub fn register_patient(
    db: &Path,
    credentials: CredentialStore,
    request: &physalign_api::patients::RegisterPatientRequest,
) -> Result<physalign_api::patients::RegisteredPatient, SyncError> {
    runtime()?.block_on(crate::register_patient(db, credentials, request))
}

/// [`crate::care_team`] on its own runtime.
pub fn care_team(
    db: &Path,
    credentials: CredentialStore,
) -> Result<Vec<physalign_api::patients::CareTeamMember>, SyncError> {
    runtime()?.block_on(crate::care_team(db, credentials))
}

/// [`crate::end_care`] on its own runtime.
pub fn end_care(
    db: &Path,
    credentials: CredentialStore,
    physiotherapist_id: uuid::Uuid,
) -> Result<(), SyncError> {
    runtime()?.block_on(crate::end_care(db, credentials, physiotherapist_id))
}

/// One [`SyncWorker::run_once`] on its own runtime.
pub fn sync_once(
    db: &Path,
    credentials: CredentialStore,
    config: SyncConfig,
    max_wait: Duration,
) -> Result<RunReport, SyncError> {
    let worker = SyncWorker::open(db, credentials, config)?;
    runtime()?.block_on(worker.run_once(max_wait))
}

/// [`SyncWorker::run`] until Ctrl-C or SIGTERM.
pub fn sync_forever(
    db: &Path,
    credentials: CredentialStore,
    config: SyncConfig,
    poll: Duration,
) -> Result<(), SyncError> {
    let worker = SyncWorker::open(db, credentials, config)?;
    runtime()?.block_on(async {
        let shutdown = async {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                        return;
                    }
                };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        };
        worker.run(poll, shutdown).await
    })
}

/// The sync status of the database at `db`.
pub fn status(db: &Path) -> Result<SyncStatus, SyncError> {
    let store = Store::open(db)?;
    Ok(crate::read_status(&store)?)
}

/// Puts failed entries back in the queue; returns how many.
pub fn retry_failed(db: &Path) -> Result<usize, SyncError> {
    let store = Store::open(db)?;
    Ok(store.retry_failed_outbox()?)
}
