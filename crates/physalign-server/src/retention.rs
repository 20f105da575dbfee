//! Scheduled clean-up (issue 17): expired idempotency keys, ended sign-in sessions with their
//! refresh tokens, abandoned resumable uploads with their bytes, login lockouts that ended, the
//! files of deleted sessions, access log rows past their retention, (issue 20) the
//! rate-limit counters of past windows, and (issue 19) transcripts past seed 002's 90 days and
//! export files past their 7 days.
//!
//! Any number of replicas run the schedule, and each slot of it (the Unix time divided by the
//! interval) runs once: a replica that ticks claims the slot in `scheduled_job_runs`, and only
//! the one whose claim succeeds runs the pass ([`run_scheduled`]). A pass also takes a PostgreSQL
//! advisory lock ([`LOCK_KEY`]) on its own connection and skips when another server holds it, so
//! a pass that outlasts its slot never overlaps the next; the lock goes with the connection, so a
//! crashed server never leaves it held.

use std::time::Duration;

use sqlx::PgPool;

use crate::repo::resumable_uploads as uploads;
use crate::state::AppState;
use crate::storage::{BlobStore, UploadStaging};

/// The advisory lock key of the clean-up (`PHYSRET1` in ASCII).
pub const LOCK_KEY: i64 = 0x5048_5953_5245_5431;

/// How long an ended session (revoked or past its end) and its refresh tokens are kept, so
/// that a late refresh still meets a known token.
const ENDED_SESSION_GRACE_SECS: i64 = 24 * 3600;

/// How long what the clean-up removes is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Idempotency keys and their stored answers, in seconds.
    pub idempotency_key_ttl_secs: u64,
    /// Access log rows, in days (the database refuses fewer than 365).
    pub access_log_retention_days: u32,
    /// Files whose session no longer exists, in seconds since they last changed.
    pub orphan_file_grace_secs: u64,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self::from(&crate::config::SecurityConfig::default())
    }
}

impl From<&crate::config::SecurityConfig> for RetentionPolicy {
    fn from(security: &crate::config::SecurityConfig) -> Self {
        Self {
            idempotency_key_ttl_secs: security.idempotency_key_ttl_secs,
            access_log_retention_days: security.access_log_retention_days,
            orphan_file_grace_secs: security.orphan_file_grace_secs,
        }
    }
}

/// How long an address an account signed in from stays exempt from its lockout without a new
/// sign-in from it.
const KNOWN_ADDRESS_DAYS: i64 = 180;

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Idempotency keys older than their lifetime.
    pub idempotency_keys: u64,
    /// Sessions ended more than a day ago (their refresh tokens go with them).
    pub sessions: u64,
    /// Expired refresh tokens of sessions still open.
    pub refresh_tokens: u64,
    /// Open uploads past their expiry, now `expired`, their bytes deleted.
    pub uploads: u64,
    /// Rate-limit counters of windows that ended.
    pub rate_limit_counters: u64,
    /// Login lockouts that ended a day ago or more, and sign-in addresses unused for 180 days.
    pub login_lockouts: u64,
    /// Sessions whose files were removed because the session is gone.
    pub orphan_sessions: u64,
    /// Access log rows past their retention.
    pub access_log_rows: u64,
    /// Session transcripts purged: 90 days after their session and not saved.
    pub transcripts_purged: u64,
    /// Export jobs past their 7 days (files deleted) or 30 days old (rows deleted).
    pub exports_expired: u64,
}

/// The outcome of [`run_once`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// This server cleaned up.
    Ran(Swept),
    /// Another server holds the lock; nothing was done.
    Busy,
}

/// One clean-up pass over `pool` (staged upload bytes in `staging`, stored files in `storage`)
/// under `policy`, unless another server is running one.
pub async fn run_once(
    pool: &PgPool,
    staging: &UploadStaging,
    storage: &dyn BlobStore,
    policy: &RetentionPolicy,
) -> Result<Pass, sqlx::Error> {
    let swept = locked(pool, || sweep(pool, staging, storage, policy)).await?;
    Ok(swept.map_or(Pass::Busy, Pass::Ran))
}

/// Idempotency keys past their lifetime (`$1`: seconds).
const EXPIRED_KEYS: &str =
    "FROM idempotency_keys WHERE created_at < NOW() - $1::bigint * INTERVAL '1 second'";
/// Sign-in sessions ended more than `$1` seconds ago.
const ENDED_SESSIONS: &str = "FROM auth_sessions
     WHERE expires_at < NOW() - $1::bigint * INTERVAL '1 second'
        OR revoked_at < NOW() - $1::bigint * INTERVAL '1 second'";
/// Refresh tokens expired more than `$1` seconds ago.
const EXPIRED_REFRESH_TOKENS: &str =
    "FROM refresh_tokens WHERE expires_at < NOW() - $1::bigint * INTERVAL '1 second'";
/// Lockouts a day past their last failure that no longer lock.
const ENDED_LOCKOUTS: &str = "FROM login_lockouts
     WHERE last_failure_at < NOW() - INTERVAL '1 day'
       AND (locked_until IS NULL OR locked_until < NOW())";
/// Sign-in addresses unused for `$1` days.
const STALE_ADDRESSES: &str =
    "FROM login_known_addresses WHERE last_success_at < NOW() - make_interval(days => $1::int)";
/// Access log rows older than `$1` days.
const OLD_ACCESS_LOG: &str =
    "FROM access_logs WHERE timestamp < NOW() - make_interval(days => $1::int)";
/// Rate-limit counters of windows that ended (every limit counts in windows of a minute).
const ENDED_WINDOWS: &str =
    "FROM rate_limit_counters WHERE window_start <= now() - make_interval(secs => 60)";

/// The idempotency key lifetime of `policy`, in seconds (capped at a century so the interval
/// stays in range).
fn key_ttl(policy: &RetentionPolicy) -> i64 {
    i64::try_from(policy.idempotency_key_ttl_secs.min(100 * 365 * 86_400)).unwrap_or(0)
}

fn access_log_days(policy: &RetentionPolicy) -> i32 {
    i32::try_from(policy.access_log_retention_days.max(365)).unwrap_or(i32::MAX)
}

fn known_address_days() -> i32 {
    i32::try_from(KNOWN_ADDRESS_DAYS).unwrap_or(i32::MAX)
}

async fn count(pool: &PgPool, from: &str, bind: Option<i64>) -> Result<u64, sqlx::Error> {
    let query = format!("SELECT COUNT(*) {from}");
    let query = sqlx::query_scalar::<_, i64>(&query);
    let n = match bind {
        Some(v) => query.bind(v).fetch_one(pool).await?,
        None => query.fetch_one(pool).await?,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// What a pass would remove now, removing nothing (an administrator's dry run).
pub async fn preview(
    pool: &PgPool,
    storage: &dyn BlobStore,
    policy: &RetentionPolicy,
) -> Result<Swept, sqlx::Error> {
    Ok(Swept {
        idempotency_keys: count(pool, EXPIRED_KEYS, Some(key_ttl(policy))).await?,
        sessions: count(pool, ENDED_SESSIONS, Some(ENDED_SESSION_GRACE_SECS)).await?,
        refresh_tokens: count(pool, EXPIRED_REFRESH_TOKENS, Some(ENDED_SESSION_GRACE_SECS)).await?,
        uploads: uploads::count_overdue(pool).await?,
        rate_limit_counters: count(pool, ENDED_WINDOWS, None).await?,
        login_lockouts: count(pool, ENDED_LOCKOUTS, None).await?
            + count(pool, STALE_ADDRESSES, Some(i64::from(known_address_days()))).await?,
        orphan_sessions: orphan_sessions(pool, storage, policy.orphan_file_grace_secs)
            .await?
            .len() as u64,
        access_log_rows: count(
            pool,
            OLD_ACCESS_LOG,
            Some(i64::from(access_log_days(policy))),
        )
        .await?,
        transcripts_purged: crate::routes::transcripts::count_expired(pool).await?,
        exports_expired: count(pool, crate::export::jobs::EXPIRED_EXPORTS, None).await?,
    })
}

/// Runs `work` under the clean-up's advisory lock, or answers [`Busy`](Pass::Busy) when another
/// server holds it.
pub async fn locked<F, Fut>(pool: &PgPool, work: F) -> Result<Option<Swept>, sqlx::Error>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Swept, sqlx::Error>>,
{
    let mut lock = pool.acquire().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(LOCK_KEY)
        .fetch_one(&mut *lock)
        .await?;
    if !locked {
        return Ok(None);
    }
    let done = work().await;
    // Unlocked whatever the work did; a failure here closes the connection, which unlocks.
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        lock.close_on_drop();
    }
    done.map(Some)
}

/// Removes the files of deleted sessions only (an administrator's run of that step).
pub async fn remove_orphans(
    pool: &PgPool,
    storage: &dyn BlobStore,
    policy: &RetentionPolicy,
) -> Result<Swept, sqlx::Error> {
    Ok(Swept {
        orphan_sessions: remove_orphan_files(pool, storage, policy.orphan_file_grace_secs).await?,
        ..Swept::default()
    })
}

/// Expires abandoned uploads and removes their bytes only (an administrator's run of that step).
pub async fn remove_abandoned_uploads(
    pool: &PgPool,
    staging: &UploadStaging,
) -> Result<Swept, sqlx::Error> {
    Ok(Swept {
        uploads: expire_uploads(pool, staging).await?,
        ..Swept::default()
    })
}

/// One whole pass, without the lock (see [`locked`]).
pub async fn sweep(
    pool: &PgPool,
    staging: &UploadStaging,
    storage: &dyn BlobStore,
    policy: &RetentionPolicy,
) -> Result<Swept, sqlx::Error> {
    let idempotency_keys = sqlx::query(&format!("DELETE {EXPIRED_KEYS}"))
        .bind(key_ttl(policy))
        .execute(pool)
        .await?
        .rows_affected();
    let sessions = sqlx::query(&format!("DELETE {ENDED_SESSIONS}"))
        .bind(ENDED_SESSION_GRACE_SECS)
        .execute(pool)
        .await?
        .rows_affected();
    let refresh_tokens = sqlx::query(&format!("DELETE {EXPIRED_REFRESH_TOKENS}"))
        .bind(ENDED_SESSION_GRACE_SECS)
        .execute(pool)
        .await?
        .rows_affected();
    let uploads = expire_uploads(pool, staging).await?;
    // Every limit counts in windows of a minute.
    let rate_limit_counters = crate::limiter::prune(pool, None, 60.0).await?;
    let login_lockouts = prune_login_state(pool).await?;
    let orphan_sessions = remove_orphan_files(pool, storage, policy.orphan_file_grace_secs).await?;
    let access_log_rows = prune_access_log(pool, access_log_days(policy)).await?;
    let transcripts_purged = crate::routes::transcripts::purge_expired(pool).await?;
    let exports_expired = crate::export::jobs::expire(pool).await?;
    Ok(Swept {
        idempotency_keys,
        sessions,
        refresh_tokens,
        uploads,
        rate_limit_counters,
        login_lockouts,
        orphan_sessions,
        access_log_rows,
        transcripts_purged,
        exports_expired,
    })
}

/// Lockouts whose last failure is a day old and that no longer lock (a failure after a day
/// starts the count afresh anyway), and sign-in addresses not used for [`KNOWN_ADDRESS_DAYS`].
async fn prune_login_state(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let lockouts = sqlx::query(&format!("DELETE {ENDED_LOCKOUTS}"))
        .execute(pool)
        .await?
        .rows_affected();
    let addresses = sqlx::query(&format!("DELETE {STALE_ADDRESSES}"))
        .bind(known_address_days())
        .execute(pool)
        .await?
        .rows_affected();
    Ok(lockouts + addresses)
}

/// Removes the stored files (earlier versions included) of sessions that no longer exist, once
/// they have not changed for `grace_secs`, with their rows in `stored_files` (which frees the
/// uploader's quota). A failure to remove one session's files is logged and retried next pass.
async fn remove_orphan_files(
    pool: &PgPool,
    storage: &dyn BlobStore,
    grace_secs: u64,
) -> Result<u64, sqlx::Error> {
    let orphans = orphan_sessions(pool, storage, grace_secs).await?;
    let mut removed = 0;
    for id in orphans {
        if let Err(e) = storage.remove_session(id).await {
            tracing::warn!(session = %id, error = %e, "removing a deleted session's files");
            continue;
        }
        sqlx::query("DELETE FROM stored_files WHERE session_id = $1")
            .bind(id)
            .execute(pool)
            .await?;
        removed += 1;
    }
    Ok(removed)
}

/// The sessions with stored files, unchanged for `grace_secs`, that no longer exist (none when
/// the storage cannot be listed: logged, retried next pass).
async fn orphan_sessions(
    pool: &PgPool,
    storage: &dyn BlobStore,
    grace_secs: u64,
) -> Result<Vec<uuid::Uuid>, sqlx::Error> {
    let folders = match storage.session_folders().await {
        Ok(folders) => folders,
        Err(e) => {
            tracing::warn!(error = %e, "listing stored sessions for the clean-up");
            return Ok(Vec::new());
        }
    };
    let grace = Duration::from_secs(grace_secs);
    let candidates: Vec<uuid::Uuid> = folders
        .into_iter()
        .filter(|(_, age)| *age >= grace)
        .map(|(id, _)| id)
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(
        "SELECT id FROM unnest($1::uuid[]) AS c(id)
         WHERE NOT EXISTS (SELECT 1 FROM exercise_sessions s WHERE s.id = c.id)",
    )
    .bind(&candidates)
    .fetch_all(pool)
    .await
}

/// Removes access log rows older than `days`, in a transaction that tells the table's trigger
/// this is the retention (which still keeps anything younger than a year).
async fn prune_access_log(pool: &PgPool, days: i32) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET LOCAL physalign.access_log_retention = 'on'")
        .execute(&mut *tx)
        .await?;
    let removed = sqlx::query(&format!("DELETE {OLD_ACCESS_LOG}"))
        .bind(days)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(removed)
}

async fn expire_uploads(pool: &PgPool, staging: &UploadStaging) -> Result<u64, sqlx::Error> {
    let mut count = 0u64;
    loop {
        let ids = uploads::expire_overdue(pool).await?;
        if ids.is_empty() {
            return Ok(count);
        }
        for id in &ids {
            if let Err(e) = staging.remove(*id).await {
                tracing::warn!(%id, error = %e, "removing an expired upload's bytes");
            }
        }
        count += ids.len() as u64;
    }
}

/// The name of the clean-up in `scheduled_job_runs`.
pub const JOB_NAME: &str = "retention";

/// What a replica's tick of the schedule did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// This replica claimed the slot and ran the pass (or found the lock held: [`Pass::Busy`]).
    Claimed(Pass),
    /// Another replica claimed this slot already.
    AlreadyRun,
}

/// Claims the current slot of `job` (`every` long, on the database clock) for this replica;
/// `false` when another replica claimed it first.
pub async fn claim_slot(pool: &PgPool, job: &str, every: Duration) -> Result<bool, sqlx::Error> {
    let secs = i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    let claimed: Option<i64> = sqlx::query_scalar(
        "INSERT INTO scheduled_job_runs AS r (job, last_slot)
         VALUES ($1, floor(extract(epoch FROM clock_timestamp()) / $2)::bigint)
         ON CONFLICT (job) DO UPDATE SET last_slot = EXCLUDED.last_slot, runs = r.runs + 1,
                                         last_started_at = NOW(), last_finished_at = NULL
             WHERE r.last_slot < EXCLUDED.last_slot
         RETURNING last_slot",
    )
    .bind(job)
    .bind(secs)
    .fetch_optional(pool)
    .await?;
    Ok(claimed.is_some())
}

/// One tick of the schedule: the pass, if this replica is the first to claim the current slot.
pub async fn run_scheduled(state: &AppState, every: Duration) -> Result<Tick, sqlx::Error> {
    if !claim_slot(&state.pool, JOB_NAME, every).await? {
        return Ok(Tick::AlreadyRun);
    }
    let policy = RetentionPolicy::from(&state.config.security);
    let pass = run_once(&state.pool, &state.staging, state.storage.as_ref(), &policy).await?;
    sqlx::query("UPDATE scheduled_job_runs SET last_finished_at = NOW() WHERE job = $1")
        .bind(JOB_NAME)
        .execute(&state.pool)
        .await?;
    Ok(Tick::Claimed(pass))
}

/// Calls `tick` for a schedule of one pass `every` until the task is dropped: often enough (a
/// tenth of the interval, between one second and a minute) that a slot is claimed soon after it
/// starts, whichever replicas are up; the first at once.
pub async fn tick_every<F, Fut>(every: Duration, mut tick: F)
where
    F: FnMut(Duration) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let every = every.max(Duration::from_secs(1));
    let period = (every / 10).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        tick(every).await;
    }
}

/// Runs the clean-up's schedule (see [`tick_every`]) until the task is dropped.
pub async fn run_periodically(state: AppState, every: Duration) {
    tick_every(every, |every| {
        let state = state.clone();
        async move {
            match run_scheduled(&state, every).await {
                Ok(Tick::Claimed(Pass::Ran(swept))) => tracing::info!(?swept, "retention pass"),
                Ok(Tick::Claimed(Pass::Busy)) => {
                    tracing::debug!("retention pass skipped: the previous one still runs")
                }
                Ok(Tick::AlreadyRun) => {}
                Err(e) => tracing::warn!(error = %e, "retention pass failed"),
            }
        }
    })
    .await
}
