//! Background sync on Tauri's async runtime: one [`SyncWorker`] per app, run with its own
//! back-off by [`SyncWorker::run_with`]. "Sync now" wakes that worker instead of starting a
//! round beside it; every round's status goes to a [`StatusSink`] (the window's `sync-status`
//! event). A worker that fails or panics is reopened after a back-off, so sync never stays
//! wedged; recording never waits for any of it (the worker has its own SQLite connection).

use physalign_sync::backoff::retry_delay;
use physalign_sync::{
    blocking, CredentialStore, RunHooks, RunReport, SyncConfig, SyncError, SyncStatus, SyncWorker,
};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Receives the sync status after every round (and while nobody is signed in, every poll).
pub type StatusSink = Arc<dyn Fn(&SyncStatus) + Send + Sync>;

/// First wait before reopening a worker that failed; doubles up to the poll interval.
const REOPEN_BACKOFF: Duration = Duration::from_secs(1);

struct Shared {
    db: PathBuf,
    credentials: CredentialStore,
    config: SyncConfig,
    poll: Duration,
    /// Starts the next round now (or ends the wait before reopening the worker).
    wake: Notify,
    /// Makes the next round pull too ("sync now": the user expects what the others sent).
    pull_now: AtomicBool,
    /// Counts finished rounds and failed workers, for callers waiting on "sync now".
    rounds: watch::Sender<u64>,
    stop: watch::Sender<bool>,
    started: AtomicBool,
}

/// Owns the app's background sync.
#[derive(Clone)]
pub struct SyncManager {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SyncManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncManager")
            .field("db", &self.shared.db)
            .field("poll", &self.shared.poll)
            .finish_non_exhaustive()
    }
}

impl SyncManager {
    /// A manager for the store at `db`, polling the outbox every `poll`; not running until
    /// [`SyncManager::start`].
    pub fn new(
        db: PathBuf,
        credentials: CredentialStore,
        config: SyncConfig,
        poll: Duration,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                db,
                credentials,
                config,
                poll,
                wake: Notify::new(),
                pull_now: AtomicBool::new(false),
                rounds: watch::Sender::new(0),
                stop: watch::Sender::new(false),
                started: AtomicBool::new(false),
            }),
        }
    }

    /// Starts syncing in the background (once; later calls do nothing).
    pub fn start(&self, sink: StatusSink) {
        if self.shared.started.swap(true, Ordering::SeqCst) {
            return;
        }
        tauri::async_runtime::spawn(supervise(self.shared.clone(), sink));
    }

    /// Stops the background sync after the round in flight.
    pub fn stop(&self) {
        self.shared.stop.send_replace(true);
    }

    /// Where the refresh token is kept.
    pub fn credentials(&self) -> CredentialStore {
        self.shared.credentials.clone()
    }

    /// Starts a round now, or right after the one in flight (after a login, too).
    pub fn wake(&self) {
        self.shared.wake.notify_one();
    }

    /// The sync state of this device.
    pub async fn status(&self) -> Result<SyncStatus, SyncError> {
        read_status(&self.shared).await
    }

    /// Wakes the worker and waits (at most `max_wait`) for its next round to finish; returns the
    /// status then. Without a sign-in (or while the server wants a new one) there is no round
    /// to wait for: the status comes at once.
    pub async fn sync_now(&self, max_wait: Duration) -> Result<SyncStatus, SyncError> {
        let status = self.status().await?;
        if !self.shared.started.load(Ordering::SeqCst)
            || status.server_url.is_none()
            || status.login_required.is_some()
        {
            return Ok(status);
        }
        let mut rounds = self.shared.rounds.subscribe();
        self.shared.pull_now.store(true, Ordering::SeqCst);
        self.wake();
        if tokio::time::timeout(max_wait, rounds.changed())
            .await
            .is_err()
        {
            tracing::info!("sync now: no round finished within {max_wait:?}");
        }
        self.status().await
    }
}

async fn read_status(shared: &Arc<Shared>) -> Result<SyncStatus, SyncError> {
    let db = shared.db.clone();
    tauri::async_runtime::spawn_blocking(move || blocking::status(&db))
        .await
        .map_err(|e| SyncError::Task(format!("reading the sync status: {e}")))?
}

/// Hands `status` to the sink; a sink that panics costs one update, not the sync loop.
fn report(sink: &StatusSink, status: &SyncStatus) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| sink(status))).is_err() {
        tracing::error!("the sync status sink panicked");
    }
}

/// Keeps a worker running while someone is signed in; reopens it, after a back-off, when it
/// fails or panics.
async fn supervise(shared: Arc<Shared>, sink: StatusSink) {
    let mut stop = shared.stop.subscribe();
    let mut failures: i64 = 0;
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        let signed_in = match read_status(&shared).await {
            Ok(status) => {
                report(&sink, &status);
                status.server_url.is_some()
            }
            Err(e) => {
                tracing::warn!("sync status: {e}");
                false
            }
        };
        let delay = if signed_in {
            // Its own task: a panic in a round ends that task, not this loop.
            let worker = tauri::async_runtime::spawn(run_worker(shared.clone(), sink.clone()));
            match worker.await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => tracing::warn!("sync worker stopped: {e}"),
                Err(e) => tracing::error!("sync worker failed: {e}"),
            }
            failures += 1;
            // Whoever waits on "sync now" gets the status instead of waiting out its timeout.
            shared.rounds.send_modify(|n| *n += 1);
            retry_delay(failures, REOPEN_BACKOFF, shared.poll)
        } else {
            failures = 0;
            shared.poll
        };
        tokio::select! {
            _ = stop.changed() => {}
            () = tokio::time::sleep(delay) => {}
            () = shared.wake.notified() => {}
        }
    }
}

/// Runs one worker until the manager stops (`Ok`) or the worker fails.
async fn run_worker(shared: Arc<Shared>, sink: StatusSink) -> Result<(), SyncError> {
    let opening = shared.clone();
    let worker = tauri::async_runtime::spawn_blocking(move || {
        SyncWorker::open(
            &opening.db,
            opening.credentials.clone(),
            opening.config.clone(),
        )
    })
    .await
    .map_err(|e| SyncError::Task(format!("opening the sync worker: {e}")))??;
    let on_round = |_: &RunReport| {
        match blocking::status(&shared.db) {
            Ok(status) => sink(&status),
            Err(e) => tracing::warn!("sync status: {e}"),
        }
        shared.rounds.send_modify(|n| *n += 1);
    };
    let mut stop = shared.stop.subscribe();
    let shutdown = async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    worker
        .run_with(
            shared.poll,
            RunHooks {
                wake: Some(&shared.wake),
                pull_now: Some(&shared.pull_now),
                on_round: Some(&on_round),
            },
            shutdown,
        )
        .await
}
