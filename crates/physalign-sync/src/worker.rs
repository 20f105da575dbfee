//! The background worker: drains the outbox, then pulls, with back-off between failures.
//!
//! It runs on its own SQLite connection: the recorder and the analysis keep writing through
//! theirs (WAL lets them), and a slow or absent server never holds a lock they need. One worker
//! per database at a time (a lock file), so refresh-token rotations never race.

use crate::backoff::retry_delay;
use crate::client::{ApiClient, RequestError};
use crate::credentials::CredentialStore;
use crate::deliver::{deliver, Context, Outcome};
use crate::pull::{pull, PullError, PullReport};
use crate::status::{LAST_ATTEMPT, LAST_ERROR, LAST_SUCCESS};
use crate::{SyncConfig, SyncError};
use chrono::Utc;
use physalign_api::auth::Role;
use physalign_store::{OutboxEntry, Store};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a `run_once` achieved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Entries delivered.
    pub delivered: usize,
    /// Transient failures (network, 5xx, 429) that were retried.
    pub retried: usize,
    /// Entries that failed for good in this run.
    pub failed_now: usize,
    /// Entries still pending afterwards.
    pub pending_left: i64,
    /// Entries failed overall.
    pub failed_total: i64,
    /// Pending entries that wait behind a failed entry of the same record.
    pub blocked: i64,
    /// What the pull brought, if it ran and succeeded.
    pub pull: Option<PullReport>,
    /// Why the pull failed, if it did.
    pub pull_error: Option<String>,
    /// Set when the server refused the credentials.
    pub login_required: Option<String>,
    /// Transcripts purged on this device by the 90-day retention before the run.
    pub transcripts_purged: usize,
}

impl RunReport {
    /// True when nothing is left to do and nothing went wrong.
    pub fn complete(&self) -> bool {
        self.pending_left == 0
            && self.failed_total == 0
            && self.pull_error.is_none()
            && self.login_required.is_none()
    }
}

/// What a long-running [`SyncWorker::run_with`] listens to and reports to.
#[derive(Default, Clone, Copy)]
pub struct RunHooks<'a> {
    /// Notified to start the next round now instead of after the poll interval. A notification
    /// during a round starts one more round after it (notifications do not pile up).
    pub wake: Option<&'a tokio::sync::Notify>,
    /// Set to make the next round pull as well, whatever the pull interval (someone asked to
    /// sync now and expects what others sent, not only to send); the round clears it.
    pub pull_now: Option<&'a std::sync::atomic::AtomicBool>,
    /// Called after every round with what it achieved (on the worker's task: keep it quick).
    pub on_round: Option<&'a (dyn Fn(&RunReport) + Send + Sync)>,
}

impl std::fmt::Debug for RunHooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHooks")
            .field("wake", &self.wake.is_some())
            .field("pull_now", &self.pull_now.is_some())
            .field("on_round", &self.on_round.is_some())
            .finish()
    }
}

/// Outcome counts of one round.
#[derive(Debug, Default)]
struct Round {
    attempted: usize,
    delivered: usize,
    retried: usize,
    failed: usize,
    login_required: Option<String>,
    last_error: Option<String>,
}

/// A sync worker bound to one database.
pub struct SyncWorker {
    ctx: Arc<Context>,
    _lock: File,
    lock_path: PathBuf,
}

impl std::fmt::Debug for SyncWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncWorker")
            .field("lock", &self.lock_path)
            .finish_non_exhaustive()
    }
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sync-lock");
    PathBuf::from(name)
}

impl SyncWorker {
    /// Opens the worker's own connection to `db` and the signed-in identity's credentials.
    pub fn open(
        db: &Path,
        credentials: CredentialStore,
        config: SyncConfig,
    ) -> Result<Self, SyncError> {
        let store = Store::open(db)?;
        let identity = store.sync_identity()?.ok_or(SyncError::NotLoggedIn)?;
        let lock_path = lock_path(db);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| SyncError::Task(format!("opening {}: {e}", lock_path.display())))?;
        lock.try_lock().map_err(|_| {
            SyncError::Task(format!(
                "another sync worker is running on this database ({} is locked)",
                lock_path.display()
            ))
        })?;
        let api = ApiClient::new(
            &identity.server_url,
            &identity.email,
            credentials,
            config.request_timeout,
        )?;
        Ok(SyncWorker {
            ctx: Arc::new(Context {
                store: Arc::new(Mutex::new(store)),
                api: Arc::new(api),
                role: identity.role.as_deref().and_then(Role::parse),
                config,
            }),
            _lock: lock,
            lock_path,
        })
    }

    fn login_required(&self) -> Result<Option<String>, SyncError> {
        Ok(self
            .ctx
            .db(|s| s.sync_identity())?
            .and_then(|i| i.login_required_reason))
    }

    /// Delivers one batch of ready entries, several records at a time.
    async fn push_round(&self) -> Result<Round, SyncError> {
        let entries = self
            .ctx
            .db(|s| s.pending_outbox(self.ctx.config.batch_size))?;
        let mut round = Round {
            attempted: entries.len(),
            ..Round::default()
        };
        for chunk in entries.chunks(self.ctx.config.concurrency.max(1)) {
            let mut tasks = tokio::task::JoinSet::new();
            for entry in chunk.iter().cloned() {
                let ctx = Arc::clone(&self.ctx);
                tasks.spawn(async move {
                    let outcome = deliver(&ctx, &entry).await;
                    (entry, outcome)
                });
            }
            while let Some(joined) = tasks.join_next().await {
                let (entry, outcome) = joined.map_err(|e| SyncError::Task(e.to_string()))?;
                self.record(&entry, outcome, &mut round)?;
            }
            if round.login_required.is_some() {
                break;
            }
        }
        Ok(round)
    }

    fn record(
        &self,
        entry: &OutboxEntry,
        outcome: Outcome,
        round: &mut Round,
    ) -> Result<(), SyncError> {
        match outcome {
            Outcome::Delivered => {
                self.ctx.db(|s| s.mark_outbox_done(entry.id))?;
                round.delivered += 1;
            }
            Outcome::Retry { reason, after } => {
                let backoff = retry_delay(
                    entry.attempts,
                    self.ctx.config.backoff_base,
                    self.ctx.config.backoff_max,
                );
                let delay = after.map_or(backoff, |a| a.max(backoff));
                let at = Utc::now()
                    + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::seconds(1));
                tracing::debug!(entry = entry.id, %reason, ?delay, "retrying later");
                self.ctx
                    .db(|s| s.mark_outbox_failed(entry.id, &reason, false, at))?;
                round.retried += 1;
                round.last_error = Some(reason);
            }
            Outcome::Failed(reason) => {
                tracing::warn!(entry = entry.id, %reason, "outbox entry failed for good");
                self.ctx
                    .db(|s| s.mark_outbox_failed(entry.id, &reason, true, Utc::now()))?;
                round.failed += 1;
                round.last_error = Some(reason);
            }
            Outcome::LoginRequired(reason) => {
                // The entry keeps its place and attempt count: nothing was wrong with it.
                self.ctx.db(|s| s.set_login_required(Some(&reason)))?;
                round.login_required = Some(reason);
            }
        }
        Ok(())
    }

    /// Pushes until the outbox is empty (or only holds failed entries and what waits behind
    /// them), waiting out back-offs for at most `max_wait`, then pulls.
    pub async fn run_once(&self, max_wait: Duration) -> Result<RunReport, SyncError> {
        self.sync(max_wait, true).await
    }

    async fn sync(&self, max_wait: Duration, with_pull: bool) -> Result<RunReport, SyncError> {
        let mut report = RunReport::default();
        let deadline = Instant::now() + max_wait;
        self.ctx
            .db(|s| s.set_sync_meta(LAST_ATTEMPT, &Utc::now().to_rfc3339()))?;
        // The retention holds offline too: every run, with or without a network, purges first.
        report.transcripts_purged = self
            .ctx
            .db(|s| s.purge_expired_transcripts(Utc::now()))?
            .len();
        report.login_required = self.login_required()?;
        let mut last_error = None;
        while report.login_required.is_none() {
            let round = self.push_round().await?;
            report.delivered += round.delivered;
            report.retried += round.retried;
            report.failed_now += round.failed;
            last_error = round.last_error.or(last_error);
            if let Some(reason) = round.login_required {
                report.login_required = Some(reason);
                break;
            }
            if round.attempted > 0 {
                continue;
            }
            let Some(next) = self.ctx.db(|s| s.next_ready_outbox_at())? else {
                break;
            };
            let wait = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if Instant::now() + wait > deadline {
                break;
            }
            tokio::time::sleep(wait.max(Duration::from_millis(5))).await;
        }
        let mut pull_attempts = 0;
        while report.login_required.is_none() && with_pull {
            pull_attempts += 1;
            match pull(&self.ctx).await {
                Ok(pulled) => {
                    report.pull = Some(pulled);
                    report.pull_error = None;
                    break;
                }
                Err(PullError::Request(RequestError::LoginRequired(reason))) => {
                    self.ctx.db(|s| s.set_login_required(Some(&reason)))?;
                    report.login_required = Some(reason);
                }
                Err(e) => {
                    let transient = matches!(
                        e,
                        PullError::Transient(_) | PullError::Request(RequestError::Network(_))
                    );
                    report.pull_error = Some(e.to_string());
                    // The cursor only moves on success, so a retry repeats nothing.
                    let wait = retry_delay(
                        pull_attempts,
                        self.ctx.config.backoff_base,
                        self.ctx.config.backoff_max,
                    );
                    if !transient || Instant::now() + wait > deadline {
                        break;
                    }
                    report.retried += 1;
                    tokio::time::sleep(wait).await;
                }
            }
        }
        let counts = self.ctx.db(|s| s.outbox_counts())?;
        report.pending_left = counts.pending;
        report.failed_total = counts.failed;
        report.blocked = if self.ctx.db(|s| s.next_ready_outbox_at())?.is_none() {
            counts.pending
        } else {
            0
        };
        let error = report
            .login_required
            .clone()
            .map(|r| format!("login required: {r}"))
            .or_else(|| report.pull_error.clone())
            .or(if report.pending_left > 0 {
                last_error
            } else {
                None
            });
        self.ctx.db(|s| {
            s.set_sync_meta(LAST_ERROR, error.as_deref().unwrap_or(""))?;
            if report.pending_left == 0 && (report.pull.is_some() || !with_pull) {
                s.set_sync_meta(LAST_SUCCESS, &Utc::now().to_rfc3339())?;
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Keeps syncing until `shutdown` completes: delivers entries as they appear (polling the
    /// outbox every `poll`), pulls every `pull_interval`, and waits for a new login when the
    /// credentials are refused.
    pub async fn run(
        &self,
        poll: Duration,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), SyncError> {
        self.run_with(poll, RunHooks::default(), shutdown).await
    }

    /// [`SyncWorker::run`] that also wakes early when `hooks.wake` is notified (a "sync now"
    /// button: the next round starts at once, never beside a running one) and reports every
    /// round to `hooks.on_round`.
    pub async fn run_with(
        &self,
        poll: Duration,
        hooks: RunHooks<'_>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), SyncError> {
        tokio::pin!(shutdown);
        let never = tokio::sync::Notify::new();
        let wake = hooks.wake.unwrap_or(&never);
        let mut last_pull: Option<Instant> = None;
        let mut paused = false;
        loop {
            let wait = if self.login_required()?.is_some() {
                // A `physalign login` elsewhere clears the flag and stores new tokens.
                paused = true;
                poll
            } else {
                if paused {
                    self.ctx.api.reload_tokens()?;
                    paused = false;
                }
                let asked = hooks
                    .pull_now
                    .is_some_and(|flag| flag.swap(false, std::sync::atomic::Ordering::SeqCst));
                let with_pull = asked
                    || last_pull.is_none_or(|at| at.elapsed() >= self.ctx.config.pull_interval);
                let report = self.sync(Duration::ZERO, with_pull).await?;
                if let Some(on_round) = hooks.on_round {
                    on_round(&report);
                }
                if report.pull.is_some() {
                    last_pull = Some(Instant::now());
                }
                if let Some(reason) = &report.login_required {
                    tracing::warn!(%reason, "sync paused: login required");
                }
                let next = self.ctx.db(|s| s.next_ready_outbox_at())?;
                next.map_or(poll, |at| {
                    (at - Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        .min(poll)
                })
                .max(Duration::from_millis(20))
            };
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(wait) => {}
                () = wake.notified() => {}
            }
        }
    }
}
